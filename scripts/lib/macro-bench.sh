# shellcheck shell=bash
# The crate of examples/macro-bench: 500 checked queries (a join of a table
# with itself and two parameters each) in ten modules of fifty functions,
# over a schema of 300 tables. Sourced, not run, by
# examples/macro-bench/bench.sh (the incremental rebuild, against the same
# crate with unchecked strings) and scripts/bench-cold-build.sh (the clean
# build, against sqlx's), so that both measure the same crate.
#
#   macro_bench_readme_profile ROOT       the README's recommended profile
#   macro_bench_crate DIR NAME ROOT PROFILE
#                                         DIR/Cargo.toml and DIR/build.rs
#   macro_bench_migrations DIR            the schema's migrations, in DIR
#   macro_bench_sources DIR WRITE         DIR/src, each function by WRITE
#   macro_bench_checked I SQL             a function of migrate::query!

MACRO_BENCH_TABLES=300
MACRO_BENCH_FILES=10
MACRO_BENCH_PER_FILE=50

# The README's recommended profile, as a user pastes it: from its first
# `[profile.` line to the end of that block.
macro_bench_readme_profile() {
    awk '/^\[profile\./ { on = 1 } on && /^```/ { exit } on' "$1/README.md"
}

# A crate NAME in DIR on migrate (the project at ROOT, by path) and postgres,
# a workspace of its own, whose build script folds DIR/migrations; PROFILE
# (Cargo.toml text) ends its manifest.
macro_bench_crate() {
    local dir=$1 name=$2 root=$3 profile=$4
    mkdir -p "$dir"
    cat > "$dir/Cargo.toml" <<TOML
[package]
name = "$name"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
migrate = { package = "pgfold", path = "$root" }
postgres = "0.19"

[build-dependencies]
migrate-build = { package = "pgfold-build", path = "$root/migrate-build" }

[workspace]

$profile
TOML
    echo 'fn main() { migrate_build::compile(); }' > "$dir/build.rs"
}

# The schema: tables t0 to t299, ten to a migration (0001_tables.sql, ...).
macro_bench_migrations() {
    local dir=$1 t
    mkdir -p "$dir"
    for t in $(seq 0 $((MACRO_BENCH_TABLES - 1))); do
        cat >> "$(printf '%s/%04d_tables.sql' "$dir" $((t / 10 + 1)))" <<SQL
CREATE TABLE t$t (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    value integer,
    parent_id bigint
);
SQL
    done
}

# DIR/src: lib.rs declaring the modules q0 to q9, and in each module the
# functions f0 to f49, each the text `WRITE I SQL` prints for function I of
# its module and its query's SQL (the queries run over the tables in turn).
macro_bench_sources() {
    local dir=$1 write=$2 f i t
    mkdir -p "$dir/src"
    : > "$dir/src/lib.rs"
    for f in $(seq 0 $((MACRO_BENCH_FILES - 1))); do
        echo "pub mod q$f;" >> "$dir/src/lib.rs"
        for i in $(seq 0 $((MACRO_BENCH_PER_FILE - 1))); do
            t=$(((f * MACRO_BENCH_PER_FILE + i) % MACRO_BENCH_TABLES))
            "$write" "$i" "SELECT a.id, a.name, a.value, b.name AS parent FROM t$t AS a LEFT JOIN t$t AS b ON b.id = a.parent_id WHERE a.id = \$1 AND a.value > \$2"
        done > "$dir/src/q$f.rs"
    done
}

# Function I, its query SQL checked by migrate::query!.
macro_bench_checked() {
    cat <<RS
pub fn f$1(client: &mut postgres::Client) -> Result<usize, postgres::Error> {
    Ok(migrate::query!("$2", 1_i64, 2_i32).fetch_all(client)?.len())
}
RS
}
