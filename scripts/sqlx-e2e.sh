#!/usr/bin/env bash
# End to end for `migrate sqlx-prepare` (issue 16): a sqlx 0.8 service over
# zero2prod's migrations (benches/sqlx-e2e, a crate outside the workspace so
# that CI never compiles sqlx)
#  1. gets its `.sqlx` from `migrate sqlx-prepare`, with no database,
#  2. builds with SQLX_OFFLINE=true, DATABASE_URL unset and no `.env`, from
#     that cache alone (`--check` first agrees with what was written),
#  3. runs against a fresh database that `migrate deploy` migrated, on the
#     server of MIGRATE_TEST_DATABASE_URL (default postgres@127.0.0.1:5432),
#     dropped afterwards.
#
#   scripts/sqlx-e2e.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

cargo build -q -p pgfold-cli
migrate="$root/target/debug/migrate"
cd benches/sqlx-e2e

echo "== migrate sqlx-prepare (no database)"
rm -rf .sqlx
env -u DATABASE_URL "$migrate" sqlx-prepare
env -u DATABASE_URL "$migrate" sqlx-prepare --check

echo "== SQLX_OFFLINE=true cargo build, DATABASE_URL unset"
test ! -e .env || { echo "a .env here would give sqlx a database URL" >&2; exit 2; }
# The macros read .sqlx when they expand: make sure they expand again.
# Without the cache the same build must fail (it is what the macros read).
mv .sqlx .sqlx-aside
touch src/main.rs
if env -u DATABASE_URL SQLX_OFFLINE=true cargo build -q 2>/dev/null; then
    echo "built without .sqlx: the check proves nothing" >&2
    exit 1
fi
echo "without .sqlx: the build fails, as it should"
mv .sqlx-aside .sqlx
touch src/main.rs
env -u DATABASE_URL SQLX_OFFLINE=true cargo build -q

echo "== migrate deploy, then the service's queries"
server="${MIGRATE_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
url="${server%/*}/migrate_sqlx_e2e_$$"
export DATABASE_URL="$url"
trap '"$migrate" database drop >/dev/null' EXIT
"$migrate" database create
"$migrate" deploy
./target/debug/migrate-sqlx-e2e
