#!/usr/bin/env bash
# Benchmark for issue 15 §1, the hot path, in one run: a primary-key lookup,
# a 100-row fetch and an INSERT ... RETURNING at concurrency 1 and 16, with
# migrate's checked macros (on a borrowed tokio_postgres::Client, which
# sends parameter types with each query, and on `migrate::Cached`, prepared
# once per connection), hand-written tokio-postgres (a statement prepared
# once per connection, and `query(&str)`), sqlx 0.8 `query!` (a default
# PgPool, one with test_before_acquire off, bare connections), and through
# deadpool-postgres (migrate's default there, deadpool's statement cache;
# its opt-out `migrate::Unprepared`; and prepare_cached by hand);
# then all again through a proxy that adds 1 ms each way
# (benches/queries, a project outside the workspace so that sqlx is never
# compiled by the workspace or CI; release build).
#
# It creates the database `migrate_bench_queries` on the server of
# MIGRATE_TEST_DATABASE_URL (default postgres@127.0.0.1:5432), whose schema
# sqlx's macros read at compile time, and drops it at the end.
#
#   scripts/bench-queries.sh
#   MIGRATE_BENCH_SECONDS=5 MIGRATE_BENCH_LATENCY_MS=0 scripts/bench-queries.sh
#   MIGRATE_BENCH_CLIENTS="migrate Cached,tokio-pg prepared" \
#     MIGRATE_BENCH_QUERIES="pk lookup" MIGRATE_BENCH_CONCURRENCY=16 scripts/bench-queries.sh
set -euo pipefail
cd "$(dirname "$0")/.."

server="${MIGRATE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
database=migrate_bench_queries
url="${server%/*}/$database"
work="$(mktemp -d)"
cleanup() {
    psql -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

psql -q "$server" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null
psql -q "$server" -c "CREATE DATABASE $database" >/dev/null
psql -q "$url" -v ON_ERROR_STOP=1 -f benches/queries/migrations/1_bench.sql >/dev/null
psql -q "$url" -v ON_ERROR_STOP=1 -c "
    INSERT INTO users SELECT n, 'user ' || n, 'user' || n || '@example.com', n % 1000
    FROM generate_series(1, 10000) n" >/dev/null
psql -q "$url" -c "VACUUM ANALYZE users" >/dev/null

echo "== building benches/queries (release)"
DATABASE_URL="$url" cargo build -q --release --manifest-path benches/queries/Cargo.toml

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
DATABASE_URL="$url" benches/queries/target/release/migrate-bench-queries | tee "$work/cells.tsv"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

echo
echo "== queries/s (p50 / p99 in µs); ratios: to tokio-pg prepared, to sqlx PgPool"
awk -F'\t' '
    {
        key = $1 SUBSEP $2 SUBSEP $3
        if (!(key in seen)) { seen[key] = 1; keys[++n_keys] = key }
        qps[key, $4] = $5; p50[key, $4] = $6; p99[key, $4] = $7
        if (!($4 in is_client)) { is_client[$4] = 1; clients[++n_clients] = $4 }
    }
    END {
        for (k = 1; k <= n_keys; k++) {
            split(keys[k], part, SUBSEP)
            printf "\n-- %s ms added latency, %s, concurrency %s\n", part[1], part[2], part[3]
            base = qps[keys[k], "tokio-pg prepared"]
            sqlx = qps[keys[k], "sqlx PgPool"]
            for (c = 1; c <= n_clients; c++) {
                name = clients[c]
                if (!((keys[k], name) in qps)) continue
                q = qps[keys[k], name]
                printf "%-32s %8d q/s  p50 %6d  p99 %6d   %5.2fx  %5.2fx\n", name, q, p50[keys[k], name], p99[keys[k], name], (base ? q / base : 0), (sqlx ? q / sqlx : 0)
            }
        }
    }' "$work/cells.tsv"
