#!/usr/bin/env bash
# Benchmark for issue 15 §2, the cold build, in one run: the same crate of
# 500 checked queries over 300 tables (the queries and schema of
# examples/macro-bench, written by scripts/lib/macro-bench.sh) built from
# clean twice, with
#  - migrate: `migrate::query!`, the schema folded by `migrate_build` in the
#    crate's build script, on the profile the README recommends (or
#    MIGRATE_PROFILE);
#  - sqlx 0.8: `sqlx::query!` with SQLX_OFFLINE=true over a `.sqlx` cache
#    written here, on the profile sqlx's README recommends
#    (`[profile.dev.package.sqlx-macros] opt-level = 3`, or SQLX_PROFILE).
# Each is a fresh `cargo build --timings` (dependencies fetched beforehand,
# so downloads are not timed), with Cargo's defaults for a dev build
# (CARGO_INCREMENTAL and CARGO_PROFILE_* of the caller are unset).
#
# Prints each build's wall time and the sum of the unit times of its macro
# machinery: every unit compiled for the host (proc-macro crates, build
# scripts and build-dependencies, and all they link), timed by Cargo itself
# and read from the report `--timings` writes (scripts/cold-build-units.py). Two cores or twenty, units overlap: the sum is
# the CPU the machinery costs, the wall times what a CI job waits.
#
#   scripts/bench-cold-build.sh
#   MIGRATE_PROFILE=$'[profile.dev.build-override]\nopt-level = 3' scripts/bench-cold-build.sh
#   KEEP_REPORTS=DIR scripts/bench-cold-build.sh   # keep the reports, messages and metadata
#   GENERATE_ONLY=DIR scripts/bench-cold-build.sh  # write the two crates into DIR, build nothing
set -euo pipefail
generate_only=${GENERATE_ONLY:+$(realpath -m "$GENERATE_ONLY")}
cd "$(dirname "$0")/.."
root="$PWD"
# shellcheck source=scripts/lib/macro-bench.sh
. scripts/lib/macro-bench.sh

readme_profile=$(macro_bench_readme_profile "$root")
[ -n "$readme_profile" ] || { echo "no [profile.*] in README.md" >&2; exit 2; }
migrate_profile="${MIGRATE_PROFILE-$readme_profile}"
sqlx_profile="${SQLX_PROFILE-$'[profile.dev.package.sqlx-macros]\nopt-level = 3'}"

if [ -n "$generate_only" ]; then
    work=$generate_only
    mkdir -p "$work"
else
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
fi

macro_bench_crate "$work/migrate" cold-migrate "$root" "$migrate_profile"
macro_bench_migrations "$work/migrate/migrations"
macro_bench_sources "$work/migrate" macro_bench_checked

mkdir -p "$work/sqlx/.sqlx"
cat > "$work/sqlx/Cargo.toml" <<TOML
[package]
name = "cold-sqlx"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
sqlx = { version = "0.8", default-features = false, features = ["runtime-tokio", "postgres", "macros"] }

[workspace]

$sqlx_profile
TOML

# sqlx's offline cache entry for one query: what `cargo sqlx prepare`
# writes for it (the columns' types and nullability, the parameters').
sqlx_cache_entry() {
    local sql=$1 hash
    hash=$(printf '%s' "$sql" | sha256sum | cut -d' ' -f1)
    cat > "$work/sqlx/.sqlx/query-$hash.json" <<JSON
{
  "db_name": "PostgreSQL",
  "query": "$sql",
  "describe": {
    "columns": [
      { "ordinal": 0, "name": "id", "type_info": "Int8" },
      { "ordinal": 1, "name": "name", "type_info": "Text" },
      { "ordinal": 2, "name": "value", "type_info": "Int4" },
      { "ordinal": 3, "name": "parent", "type_info": "Text" }
    ],
    "parameters": { "Left": ["Int8", "Int4"] },
    "nullable": [false, false, true, true]
  },
  "hash": "$hash"
}
JSON
}

# Function I of query SQL through sqlx::query!, and its cache entry.
sqlx_function() {
    local i=$1 sql=$2
    cat <<RS
pub async fn f$i(conn: &mut sqlx::PgConnection) -> Result<usize, sqlx::Error> {
    Ok(sqlx::query!("$sql", 1_i64, 2_i32).fetch_all(conn).await?.len())
}
RS
    [ -e "$work/sqlx/.sqlx/query-$(printf '%s' "$sql" | sha256sum | cut -d' ' -f1).json" ] ||
        sqlx_cache_entry "$sql"
}
macro_bench_sources "$work/sqlx" sqlx_function

if [ -n "$generate_only" ]; then
    echo "the crates are in $work/migrate and $work/sqlx"
    exit 0
fi

# Cargo's defaults, whatever the caller's environment says.
unset CARGO_INCREMENTAL CARGO_BUILD_INCREMENTAL CARGO_TARGET_DIR RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER RUSTFLAGS
for name in $(env | sed -n 's/^\(CARGO_PROFILE_[A-Z0-9_]*\)=.*/\1/p'); do unset "$name"; done
export SQLX_OFFLINE=true
unset DATABASE_URL

for kind in migrate sqlx; do
    (cd "$work/$kind" && cargo fetch -q)
done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
declare -A wall
for kind in migrate sqlx; do
    report="$work/$kind-report"
    mkdir "$report"
    start=$(date +%s.%N)
    # Which units were compiled for the host, the timing report does not
    # say: the rustc commands (-v) and the files each unit made do.
    (cd "$work/$kind" && cargo build -v --timings --message-format=json > "$report/messages.json" 2> "$report/verbose.log") ||
        { tail -40 "$report/verbose.log" >&2; exit 1; }
    wall[$kind]=$(echo "$(date +%s.%N) - $start" | bc -l)
    echo "$kind: built in ${wall[$kind]%.*} s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    cp "$work/$kind/target/cargo-timings/cargo-timing.html" "$report/timings.html"
    (cd "$work/$kind" && cargo metadata -q --format-version 1 > "$report/metadata.json")
    rm -rf "$work/$kind/target"
    if [ -n "${KEEP_REPORTS:-}" ]; then
        mkdir -p "$KEEP_REPORTS"
        cp -r "$report" "$KEEP_REPORTS/$kind"
    fi
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

echo
python3 "$root/scripts/cold-build-units.py" "$work/migrate-report" "$work/sqlx-report" "${wall[migrate]}" "${wall[sqlx]}"
