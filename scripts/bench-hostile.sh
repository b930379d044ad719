#!/usr/bin/env bash
# Benchmark for issue 13: each slow path found by fuzzing, at a size N and 4N,
# release build, with the ratio of the two times (about 4 is linear, 16
# quadratic). No database needed.
#
#   scripts/bench-hostile.sh
#   MIGRATE_BENCH_SCALE=2 scripts/bench-hostile.sh   # every N doubled
set -euo pipefail
cd "$(dirname "$0")/.."

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
cargo bench -q -p pgfold-build --bench hostile
