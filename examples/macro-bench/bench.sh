#!/usr/bin/env bash
# Benchmark (not a test): what the query macros cost an incremental rebuild.
#
# Generates two crates over the same 300-table schema, each with 500 queries
# (a join of a table with itself and two parameters each):
# `checked` uses migrate::query!, `unchecked` passes the same SQL strings to
# postgres::Client::query. Builds both, then touches one file of each and
# times the rebuild (the crate is the unit of compilation: every query is
# expanded again). Prints the extra cost per checked query.
#
#   bash examples/macro-bench/bench.sh [ROUNDS]
set -euo pipefail
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${TMPDIR:-/tmp}/migrate-macro-bench
TARGET=${CARGO_TARGET_DIR:-$WORK/target}
N_TABLES=300
N_FILES=10
PER_FILE=50
rm -rf "$WORK/checked" "$WORK/unchecked"
mkdir -p "$WORK/checked/src" "$WORK/unchecked/src" "$WORK/checked/migrations"

for t in $(seq 0 $((N_TABLES - 1))); do
  file=$(printf '%s/checked/migrations/%04d_tables.sql' "$WORK" $((t / 10 + 1)))
  cat >> "$file" <<SQL
CREATE TABLE t$t (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    value integer,
    parent_id bigint
);
SQL
done

for kind in checked unchecked; do
  cat > "$WORK/$kind/Cargo.toml" <<TOML
[package]
name = "bench-$kind"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
migrate = { path = "$ROOT" }
postgres = "0.19"

[build-dependencies]
migrate-build = { path = "$ROOT/migrate-build" }

[workspace]

# As sqlx recommends too: proc macros (and their SQL analysis) compiled with
# optimisations, while the crate itself stays a debug build.
[profile.dev.build-override]
opt-level = 3
TOML
  : > "$WORK/$kind/src/lib.rs"
  for f in $(seq 0 $((N_FILES - 1))); do
    echo "pub mod q$f;" >> "$WORK/$kind/src/lib.rs"
    out="$WORK/$kind/src/q$f.rs"
    : > "$out"
    for i in $(seq 0 $((PER_FILE - 1))); do
      t=$(( (f * PER_FILE + i) % N_TABLES ))
      sql="SELECT a.id, a.name, a.value, b.name AS parent FROM t$t AS a LEFT JOIN t$t AS b ON b.id = a.parent_id WHERE a.id = \$1 AND a.value > \$2"
      if [ "$kind" = checked ]; then
        cat >> "$out" <<RS
pub fn f$i(client: &mut postgres::Client) -> Result<usize, postgres::Error> {
    Ok(migrate::query!("$sql", 1_i64, 2_i32).fetch_all(client)?.len())
}
RS
      else
        cat >> "$out" <<RS
pub fn f$i(client: &mut postgres::Client) -> Result<usize, postgres::Error> {
    Ok(client.query("$sql", &[&1_i64, &2_i32])?.len())
}
RS
      fi
    done
  done
done
echo 'fn main() { migrate_build::compile(); }' > "$WORK/checked/build.rs"
ln -s ../checked/migrations "$WORK/unchecked/migrations"
echo 'fn main() { migrate_build::compile(); }' > "$WORK/unchecked/build.rs"

build() { (cd "$WORK/$1" && CARGO_TARGET_DIR=$TARGET cargo build --quiet --offline 2>&1); }
for kind in checked unchecked; do build $kind; done

now() { date +%s.%N; }
declare -A total
for kind in checked unchecked; do total[$kind]=0; done
for round in $(seq 1 "$ROUNDS"); do
  for kind in checked unchecked; do
    touch "$WORK/$kind/src/q0.rs"
    start=$(now); build $kind; end=$(now)
    took=$(echo "$end - $start" | bc -l)
    total[$kind]=$(echo "${total[$kind]} + $took" | bc -l)
    printf 'round %d %-9s rebuild %.3f s\n' "$round" "$kind" "$took"
  done
done
n_queries=$((N_FILES * PER_FILE))
checked=$(echo "${total[checked]} / $ROUNDS" | bc -l)
unchecked=$(echo "${total[unchecked]} / $ROUNDS" | bc -l)
per_query=$(echo "($checked - $unchecked) * 1000 / $n_queries" | bc -l)
printf 'queries: %d over %d tables\n' "$n_queries" "$N_TABLES"
printf 'incremental rebuild: checked %.3f s, unchecked %.3f s (mean of %d)\n' "$checked" "$unchecked" "$ROUNDS"
printf 'extra cost per checked query: %.3f ms\n' "$per_query"
