#!/usr/bin/env bash
# Benchmark for issue 2, both figures in one run:
#  (a) discovering and folding all nine shared corpus sets, release build
#      (migrate-build/benches/fold.rs), with the share of PostgreSQL's syntax
#      check in it;
#  (b) PostgreSQL applying the same migrations, in the same order and
#      transaction modes, to a fresh database per set with one psql connection
#      each (what a shadow database costs).
# Needs psql, createdb and dropdb; connects with the usual PG* variables
# (default: postgres@127.0.0.1:5432).
#
#   scripts/bench-fold.sh            # 20 fold iterations
#   MIGRATE_BENCH_ITERATIONS=50 scripts/bench-fold.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Both figures scale with how busy the machine is: say how busy it was.
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "== (a) discover + fold, release build"
MIGRATE_BENCH_SQL_DIR="$work" cargo bench -q -p pgfold-build --bench fold

echo
echo "== (b) psql, one connection per set, fresh database each"
now_ns() { date +%s%N; }
total_ns=0
for set in crates_io inbox_zero labrinth kestra hatchet bors defguard underway zero2prod; do
    db="migrate_bench_${set}_$$"
    dropdb --if-exists "$db" 2>/dev/null
    createdb "$db"
    start=$(now_ns)
    psql -X -q -d "$db" -v ON_ERROR_STOP=0 -f "$work/$set.sql" >/dev/null 2>"$work/$set.err" || true
    end=$(now_ns)
    dropdb "$db"
    elapsed=$((end - start))
    total_ns=$((total_ns + elapsed))
    # The first error of a migration; the rest of its transaction is skipped.
    n_errors=$(grep 'ERROR:' "$work/$set.err" | grep -vc 'current transaction is aborted' || true)
    printf '%-11s %8.1f ms   %s failed statements\n' "$set" "$(echo "$elapsed / 1000000" | bc -l)" "$n_errors"
done
printf '%-11s %8.1f ms\n' "all sets" "$(echo "$total_ns / 1000000" | bc -l)"
