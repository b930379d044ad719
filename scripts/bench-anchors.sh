#!/usr/bin/env bash
# Benchmark for issue 4, the runner against its anchors in one run: applying
# each of the five shared corpus sets to an empty database with
#  - migrate's runner and psql -f (migrate-runtime/benches/boot.rs, which also
#    writes the migrations it applied as JSON), then
#  - refinery and sqlx::migrate on those same migrations, same order, same
#    transaction modes (benches/anchors, a project outside the workspace so
#    that neither is ever compiled by the workspace or CI).
# Every figure is the median of MIGRATE_BENCH_ITERATIONS runs (default 3),
# wall time with the connection included, a fresh database each, all on the
# server of MIGRATE_TEST_DATABASE_URL (default postgres@127.0.0.1:5432).
# A tool that fails on a set is shown as failed, with its own error below
# the table.
#
#   scripts/bench-anchors.sh
#   MIGRATE_BENCH_ITERATIONS=5 scripts/bench-anchors.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/dump"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "== migrate's runner and psql (cargo bench -p pgfold-runtime --bench boot)"
MIGRATE_BENCH_DUMP_DIR="$work/dump" cargo bench -q -p migrate-runtime --bench boot | tee "$work/boot.txt"

echo
echo "== refinery and sqlx::migrate (benches/anchors, release build)"
cargo run -q --release --manifest-path benches/anchors/Cargo.toml -- "$work/dump" | tee "$work/anchors.tsv"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

echo
echo "== applying each set to an empty database, ms (ratio to psql)"
awk -F'\t' '
    FNR == NR {
        # The boot bench: "<set> <n>/<total> migrations   runner <ms> ms   psql <ms> ms   ratio <r>"
        split($0, word, " +")
        if (word[4] == "runner" && word[7] == "psql") {
            sets[++n_sets] = word[1]
            ms[word[1], "migrate"] = word[5]
            ms[word[1], "psql"] = word[8]
        }
        next
    }
    {
        ms[$1, $2] = $3
        if ($4 != "ok") {
            failed[$1, $2] = 1
            errors[++n_errors] = sprintf("%s, %s after %s ms: %s", $2, $1, $3, substr($4, 9))
        }
    }
    function cell(set, tool) {
        if (!((set, tool) in ms)) return sprintf("%17s", "-")
        if ((set, tool) in failed) return sprintf("%17s", "failed")
        return sprintf("%9.1f (%5.2f)", ms[set, tool], ms[set, tool] / ms[set, "psql"])
    }
    END {
        split("migrate psql refinery sqlx", tools, " ")
        printf "%-11s", "set"
        for (t = 1; t <= 4; t++) printf " %17s", tools[t]
        printf "\n"
        for (s = 1; s <= n_sets; s++) {
            printf "%-11s", sets[s]
            for (t = 1; t <= 4; t++) printf " %s", cell(sets[s], tools[t])
            printf "\n"
        }
        # Totals only for a tool that applied every set.
        for (t = 1; t <= 4; t++) {
            total[t] = 0; complete[t] = 1
            for (s = 1; s <= n_sets; s++) {
                if (!((sets[s], tools[t]) in ms) || (sets[s], tools[t]) in failed) complete[t] = 0
                else total[t] += ms[sets[s], tools[t]]
            }
        }
        printf "%-11s", "all sets"
        for (t = 1; t <= 4; t++) {
            if (complete[t]) printf " %9.1f (%5.2f)", total[t], total[t] / total[2]
            else printf " %17s", "-"
        }
        printf "\n"
        for (e = 1; e <= n_errors; e++) printf "\n%s", errors[e]
        if (n_errors) printf "\n"
    }
' "$work/boot.txt" "$work/anchors.tsv"
