#!/usr/bin/env bash
# The fold's speed budget (issue 11): instructions per pass of folding the
# nine shared corpus sets, at a base commit and at the work tree, counted by
# callgrind in one run, and their ratio (the budget is 1.2).
#
# Both are built in release mode from the same small program
# (migrate-build/examples/fold_passes.rs, copied into the base's checkout),
# which discovers the sets once and folds them N times. A pass costs
# (instructions at 3 passes - instructions at 1 pass) / 2: discovery and
# start-up cancel out. Instruction counts barely move with the machine's
# load, unlike times.
#
#   scripts/bench-fold-budget.sh                 # base: 3fa0402^, before the syntax check
#   scripts/bench-fold-budget.sh <commit>        # another base
#
# Needs git, cargo and valgrind. The base's checkout and target directory live
# in a temporary directory removed at the end; the work tree's binary is built
# in its own target directory. MIGRATE_BENCH_BASE_TARGET names a target
# directory for the base to keep between runs instead (its dependencies then
# build once).
set -euo pipefail
cd "$(dirname "$0")/.."

base="${1:-3fa0402^}"
base_commit="$(git rev-parse --verify "$base^{commit}")"
corpus="$(cd ../shared/corpus && pwd)"
example=migrate-build/examples/fold_passes.rs

work="$(mktemp -d)"
cleanup() {
    git worktree remove --force "$work/base" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "base $(git log -1 --format='%h %s' "$base_commit" | cut -c1-80)"
echo "work tree at $(git log -1 --format='%h %s' HEAD | cut -c1-80)$(git diff --quiet HEAD || echo ' (with changes)')"

# The same build settings for both: release, line tables for profiles.
export CARGO_INCREMENTAL=0 CARGO_PROFILE_RELEASE_DEBUG=line-tables-only

echo "== building the base"
git worktree add --detach --quiet "$work/base" "$base_commit"
mkdir -p "$work/base/migrate-build/examples"
cp "$example" "$work/base/$example"
base_target="${MIGRATE_BENCH_BASE_TARGET:-$work/base-target}"
cargo build -q --release --manifest-path "$work/base/migrate-build/Cargo.toml" \
    --target-dir "$base_target" --example fold_passes
cp "$base_target/release/examples/fold_passes" "$work/fold-base"

echo "== building the work tree"
cargo build -q --release --manifest-path migrate-build/Cargo.toml --example fold_passes
cp target/release/examples/fold_passes "$work/fold-tree"

# Instructions callgrind counts for `binary` folding every set `passes` times.
instructions() {
    local binary="$1" passes="$2"
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
        "$binary" "$corpus" "$passes" 2>"$work/valgrind.err" >/dev/null
    sed -n 's/.*I *refs: *//p' "$work/valgrind.err" | tr -d ','
}

per_pass() {
    local binary="$1" one three
    one="$(instructions "$binary" 1)"
    three="$(instructions "$binary" 3)"
    echo $(((three - one) / 2))
}

echo "== counting (callgrind, 1 and 3 passes each)"
base_pass="$(per_pass "$work/fold-base")"
tree_pass="$(per_pass "$work/fold-tree")"
printf 'base       %7.1f M instructions per pass\n' "$(echo "$base_pass / 1000000" | bc -l)"
printf 'work tree  %7.1f M instructions per pass\n' "$(echo "$tree_pass / 1000000" | bc -l)"
printf 'ratio      %7.3f (budget 1.2)\n' "$(echo "$tree_pass / $base_pass" | bc -l)"
