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
#
# Prints the medians of wall and CPU time; on a machine shared with other
# builds the CPU time is the steadier figure. Measured on 2 busy cores,
# 7 rounds each, same machine and hour (extra ms per checked query,
# wall / CPU): before 2.20 / 1.95, after 0.92 / 0.92 (CPU 0.90 in a second
# run). The issue's budget is 0.5 ms. What went:
# - the macros rewrote each query's uses file in OUT_DIR on every rebuild
#   (a truncating write the file system may flush at once: up to 2.5 ms per
#   query on a busy disk); now an unchanged file is left alone;
# - derive(Debug) on each record, a fn item per query (now a closure),
#   vec! for the arguments, `?` and Option adapters in the runtime's
#   functions generic over the row type; a record whose columns the driver
#   reads by itself is read as one tuple, by a function shared by every
#   query of the same column types.
# What remains is mostly the compiler's incremental bookkeeping, which
# grows with the items and generic instantiations each query brings: the
# record struct, the row closure, and about 16 instantiations that name the
# row type (half of them from the caller's own use of `Vec<Record>`: `?`,
# `len`, drop glue), and re-expanding every macro, as rustc never caches a
# proc macro's output (the SQL check itself is about 0.1 ms of it).
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

# Each rebuild's wall time and CPU time (user + system, cargo and rustc):
# on a busy machine the CPU time is the steadier figure of the two.
TIMEFORMAT='%R %U %S'
declare -A wall cpu
for kind in checked unchecked; do wall[$kind]=""; cpu[$kind]=""; done
for round in $(seq 1 "$ROUNDS"); do
  for kind in checked unchecked; do
    touch "$WORK/$kind/src/q0.rs"
    read -r real user sys < <({ time build $kind >/dev/null; } 2>&1)
    took_cpu=$(echo "$user + $sys" | bc -l)
    wall[$kind]+="$real "
    cpu[$kind]+="$took_cpu "
    printf 'round %d %-9s rebuild %.3f s wall, %.3f s cpu\n' "$round" "$kind" "$real" "$took_cpu"
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
n_queries=$((N_FILES * PER_FILE))
printf 'queries: %d over %d tables, %d rounds (medians)\n' "$n_queries" "$N_TABLES" "$ROUNDS"
for measure in wall cpu; do
  declare -n of=$measure
  checked=$(echo "${of[checked]}" | median)
  unchecked=$(echo "${of[unchecked]}" | median)
  per_query=$(echo "($checked - $unchecked) * 1000 / $n_queries" | bc -l)
  printf '%-4s: checked %.3f s, unchecked %.3f s, extra cost per checked query: %.3f ms\n' \
    "$measure" "$checked" "$unchecked" "$per_query"
done
