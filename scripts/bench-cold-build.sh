#!/usr/bin/env bash
# Benchmark for issue 15 §2, the cold build, in one run: the same crate of
# 500 checked queries over 300 tables (the queries and schema of
# examples/macro-bench) built from clean twice, with
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
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

# The README's recommended profile, as a user pastes it: from its first
# `[profile.` line to the end of that block.
readme_profile=$(awk '/^\[profile\./ { on = 1 } on && /^```/ { exit } on' README.md)
[ -n "$readme_profile" ] || { echo "no [profile.*] in README.md" >&2; exit 2; }
migrate_profile="${MIGRATE_PROFILE-$readme_profile}"
sqlx_profile="${SQLX_PROFILE-$'[profile.dev.package.sqlx-macros]\nopt-level = 3'}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

n_tables=300
n_files=10
per_file=50

mkdir -p "$work/migrate/src" "$work/migrate/migrations" "$work/sqlx/src" "$work/sqlx/.sqlx"
for t in $(seq 0 $((n_tables - 1))); do
    cat >> "$(printf '%s/migrate/migrations/%04d_tables.sql' "$work" $((t / 10 + 1)))" <<SQL
CREATE TABLE t$t (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    value integer,
    parent_id bigint
);
SQL
done

cat > "$work/migrate/Cargo.toml" <<TOML
[package]
name = "cold-migrate"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
migrate = { package = "pgfold", path = "$root" }
postgres = "0.19"

[build-dependencies]
migrate-build = { package = "pgfold-build", path = "$root/migrate-build" }

[workspace]

$migrate_profile
TOML
echo 'fn main() { migrate_build::compile(); }' > "$work/migrate/build.rs"

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

: > "$work/migrate/src/lib.rs"
: > "$work/sqlx/src/lib.rs"
for f in $(seq 0 $((n_files - 1))); do
    echo "pub mod q$f;" | tee -a "$work/migrate/src/lib.rs" >> "$work/sqlx/src/lib.rs"
    : > "$work/migrate/src/q$f.rs"
    : > "$work/sqlx/src/q$f.rs"
    for i in $(seq 0 $((per_file - 1))); do
        t=$(((f * per_file + i) % n_tables))
        sql="SELECT a.id, a.name, a.value, b.name AS parent FROM t$t AS a LEFT JOIN t$t AS b ON b.id = a.parent_id WHERE a.id = \$1 AND a.value > \$2"
        cat >> "$work/migrate/src/q$f.rs" <<RS
pub fn f$i(client: &mut postgres::Client) -> Result<usize, postgres::Error> {
    Ok(migrate::query!("$sql", 1_i64, 2_i32).fetch_all(client)?.len())
}
RS
        cat >> "$work/sqlx/src/q$f.rs" <<RS
pub async fn f$i(conn: &mut sqlx::PgConnection) -> Result<usize, sqlx::Error> {
    Ok(sqlx::query!("$sql", 1_i64, 2_i32).fetch_all(conn).await?.len())
}
RS
        [ -e "$work/sqlx/.sqlx/query-$(printf '%s' "$sql" | sha256sum | cut -d' ' -f1).json" ] ||
            sqlx_cache_entry "$sql"
    done
done

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
