//! The whole shared corpus linted without a crash, with the findings per
//! rule printed (`cargo test --test lint_corpus -- --nocapture`) and
//! asserted loosely: real histories are full of hazards.

use std::collections::BTreeMap;

use migrate_build::discover::discover;
use migrate_build::lint::{LintConfig, counts, lint};

const SETS: [&str; 5] = ["crates_io", "hatchet", "inbox_zero", "kestra", "labrinth"];

#[test]
fn corpus_lints_without_a_crash() {
    let mut per_set: BTreeMap<&str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for set in SETS {
        let dir = migrate_test_support::corpus_dir()
            .join(set)
            .join("migrations");
        let discovered = discover(&dir, None).unwrap();
        let findings = lint(&discovered.migrations, &LintConfig::default());
        for finding in &findings {
            // Every finding points into its migration's file.
            let migration = discovered
                .migrations
                .iter()
                .find(|m| m.version == finding.version)
                .unwrap();
            let file = std::fs::read_to_string(dir.join(&migration.path)).unwrap();
            assert!(
                finding.diagnostic.span.end <= file.len(),
                "{set}: {finding} out of {}",
                migration.path
            );
        }
        per_set.insert(set, counts(&findings));
    }
    let rules: Vec<&str> = migrate_build::lint::RULES.iter().map(|r| r.id).collect();
    println!("{:<30} {}", "rule", SETS.join(" "));
    for rule in &rules {
        let row: Vec<String> = SETS
            .iter()
            .map(|set| format!("{:>w$}", per_set[set][rule], w = set.len()))
            .collect();
        println!("{rule:<30} {}", row.join(" "));
    }
    let count = |set: &str, rule: &str| per_set[set][rule];
    // Loose floors: each of these is in the files (see the printed table).
    assert!(count("crates_io", "drop-column") >= 1);
    assert!(count("crates_io", "drop-table") >= 1);
    assert!(count("crates_io", "index-without-concurrently") >= 1);
    assert!(count("inbox_zero", "drop-column") >= 1);
    assert!(count("inbox_zero", "enum-label-removed") >= 1);
    assert!(count("inbox_zero", "required-column") >= 1);
    assert!(count("crates_io", "constraint-without-not-valid") >= 1);
    assert!(count("labrinth", "rename-column") >= 1);
    // No history uses what the current code uses: that is not linted here.
    assert!(SETS.iter().all(|set| count(set, "used-by-code") == 0));
}
