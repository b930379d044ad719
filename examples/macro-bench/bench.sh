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
#   COUNT=1 bash examples/macro-bench/bench.sh [ROUNDS]   # and instructions
#   GENERATE_ONLY=1 bash examples/macro-bench/bench.sh    # write the crates, build nothing
#
# The checked crate is written by scripts/lib/macro-bench.sh, which
# scripts/bench-cold-build.sh builds from clean too.
#
# Prints the median and the fastest round of wall and CPU time. The
# machine's speed drifts by a third from one minute to the next on a shared
# VM: compare figures from one run only, and with COUNT=1 count the
# instructions of one rebuild of each (valgrind): a repeatable figure.
#
# History (extra ms per checked query, median of the rounds):
# - 2.20: first measured;
# - 0.81: unchanged uses files left alone (a truncating write per query
#   per rebuild), records without derives, closures instead of fn items,
#   arrays instead of vec!, one shared read per tuple of column types;
# - 0.55 (fastest round 0.48): the expansion's fixed parts written as text
#   and lexed once by rustc (straight through proc_macro, as proc_macro2
#   would lex the text a first time itself); a record read as one
#   `#[repr(C)]` ColumnsN of the column types and moved into its
#   `#[repr(C)]` struct whole, instead of by a closure per query; byte
#   offsets of SQL spans without walking the characters; a checksum's hex
#   without a format! per byte;
# - 0.44 (fastest round 0.43): a record's rows read as a Vec of the shared
#   ColumnsN and handed over whole (14 functions generic over the record
#   type instead of 18), each query's check kept across rebuilds in
#   OUT_DIR (keyed by SQL, schema and the macros' code), no #[allow] on
#   the record;
# - 0.35 to 0.43 (three runs of 11 rounds within an hour; 0.47 before):
#   the key parts every query shares hashed once, and the call built token
#   by token and handed to the compiler once instead of by quote!.
# In instructions (valgrind --tool=cachegrind on the crate's rustc, one
# incremental rebuild), against 332 M unchecked: 1,697 M checked (2.73 M
# more per query), then 1,376 M (2.09 M), then 1,158 M (1.65 M), then
# 1,136 M (1.61 M); on the profile that optimises only pgfold-macros and
# sha2 (issue 15, the cold build): 1,195 M against 330 M (1.73 M).
# What remains, per query: about 0.23 M in the macro (parsing its input,
# writing and lexing the expansion), about 0.3 M for the record struct
# itself (0.06 M a field), about 0.65 M for the 14 functions rustc
# instantiates for the record type (6 in the runtime, 8 from the caller's
# own use of `Vec<Record>` and `?`, which every typed API has) and the
# rest for the call. The machine's timings drift more than the figures
# above differ: compare instructions.
set -euo pipefail
ROUNDS=${1:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=scripts/lib/macro-bench.sh
. "$ROOT/scripts/lib/macro-bench.sh"
WORK=${TMPDIR:-/tmp}/migrate-macro-bench
TARGET=${CARGO_TARGET_DIR:-$WORK/target}
rm -rf "$WORK/checked" "$WORK/unchecked"

# The README's recommended profile: the macros' own crate and sha2 optimised
# (what runs for every query on every rebuild), the SQL analysis and the rest of
# the build-time crates at Cargo's default (see "Cold build" in
# ARCHITECTURE.md), the crate itself a debug build.
profile=$(macro_bench_readme_profile "$ROOT")
[ -n "$profile" ] || { echo "no [profile.*] in README.md" >&2; exit 2; }

# Function I, its query SQL passed to the driver unchecked.
unchecked() {
  cat <<RS
pub fn f$1(client: &mut postgres::Client) -> Result<usize, postgres::Error> {
    Ok(client.query("$2", &[&1_i64, &2_i32])?.len())
}
RS
}

macro_bench_crate "$WORK/checked" bench-checked "$ROOT" "$profile"
macro_bench_migrations "$WORK/checked/migrations"
macro_bench_sources "$WORK/checked" macro_bench_checked
macro_bench_crate "$WORK/unchecked" bench-unchecked "$ROOT" "$profile"
ln -s ../checked/migrations "$WORK/unchecked/migrations"
macro_bench_sources "$WORK/unchecked" unchecked

if [ "${GENERATE_ONLY:-0}" = 1 ]; then
  echo "the crates are in $WORK/checked and $WORK/unchecked"
  exit 0
fi

build() { (cd "$WORK/$1" && CARGO_TARGET_DIR=$TARGET cargo build --quiet --offline 2>&1); }
for kind in checked unchecked; do build $kind; done

# Each rebuild's wall time and CPU time (user + system, cargo and rustc):
# on a busy machine the CPU time is the steadier figure of the two.
TIMEFORMAT='%R %U %S'
declare -A wall cpu
for kind in checked unchecked; do wall[$kind]=""; cpu[$kind]=""; done
# Each round's checked minus unchecked CPU time: the two rebuilds of a round
# run back to back, so a slow minute of the machine weighs on both.
paired=""
for round in $(seq 1 "$ROUNDS"); do
  for kind in checked unchecked; do
    touch "$WORK/$kind/src/q0.rs"
    read -r real user sys < <({ time build $kind >/dev/null; } 2>&1)
    took_cpu=$(echo "$user + $sys" | bc -l)
    wall[$kind]+="$real "
    cpu[$kind]+="$took_cpu "
    printf 'round %d %-9s rebuild %.3f s wall, %.3f s cpu\n' "$round" "$kind" "$real" "$took_cpu"
    if [ "$kind" = checked ]; then round_checked=$took_cpu; fi
  done
  paired+="$(echo "$round_checked - $took_cpu" | bc -l) "
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
minimum() { tr ' ' '\n' | grep . | sort -n | head -1; }
n_queries=$((MACRO_BENCH_FILES * MACRO_BENCH_PER_FILE))
printf 'queries: %d over %d tables, %d rounds\n' "$n_queries" "$MACRO_BENCH_TABLES" "$ROUNDS"
# The median, and the fastest round: other work on the machine only ever
# adds time, so on a shared machine the minimum is the steadier of the two.
for stat in median minimum; do
  for measure in wall cpu; do
    declare -n of=$measure
    checked=$(echo "${of[checked]}" | $stat)
    unchecked=$(echo "${of[unchecked]}" | $stat)
    per_query=$(echo "($checked - $unchecked) * 1000 / $n_queries" | bc -l)
    printf '%-7s %-4s: checked %.3f s, unchecked %.3f s, extra cost per checked query: %.3f ms\n' \
      "$stat" "$measure" "$checked" "$unchecked" "$per_query"
  done
done

printf 'median of the rounds'"'"' differences (cpu): extra cost per checked query: %.3f ms\n' \
  "$(echo "$(echo "$paired" | median) * 1000 / $n_queries" | bc -l)"

# With COUNT=1: the instructions rustc executes (the query macros included)
# for one more rebuild of each crate, counted by valgrind, which repeats to
# the instruction whatever else the machine does. Only the crate's own rustc
# runs under valgrind (its dependencies are built by then).
if [ "${COUNT:-0}" = 1 ]; then
  wrapper="$WORK/count-rustc"
  cat > "$wrapper" <<'SH'
#!/bin/sh
rustc=$1; shift
if [ -n "$COUNT_LOG" ]; then
  exec valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null --log-file="$COUNT_LOG" "$rustc" "$@"
fi
exec "$rustc" "$@"
SH
  chmod +x "$wrapper"
  declare -A instructions
  for kind in checked unchecked; do
    # The wrapper is part of the build's fingerprint: build once with it.
    (cd "$WORK/$kind" && RUSTC_WORKSPACE_WRAPPER=$wrapper CARGO_TARGET_DIR=$TARGET cargo build --quiet --offline >/dev/null 2>&1)
    touch "$WORK/$kind/src/q0.rs"
    (cd "$WORK/$kind" && COUNT_LOG="$WORK/$kind.count" RUSTC_WORKSPACE_WRAPPER=$wrapper CARGO_TARGET_DIR=$TARGET cargo build --quiet --offline >/dev/null 2>&1)
    instructions[$kind]=$(awk '/I *refs/ {gsub(",", "", $4); print $4}' "$WORK/$kind.count")
  done
  printf 'instructions: checked %.1f M, unchecked %.1f M, extra per checked query: %.3f M\n' \
    "$(echo "${instructions[checked]} / 1000000" | bc -l)" \
    "$(echo "${instructions[unchecked]} / 1000000" | bc -l)" \
    "$(echo "(${instructions[checked]} - ${instructions[unchecked]}) / 1000000 / $n_queries" | bc -l)"
fi
