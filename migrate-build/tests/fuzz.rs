//! A seeded mutation fuzzer over the shared corpus (issue 13), bounded so
//! that it runs on the stable toolchain in CI in seconds: real migration
//! files and real queries, mutated (spans deleted, repeated, swapped,
//! spliced from other inputs, hostile characters and tokens inserted), fed
//! to `split_statements`, the fold, `describe` and `discover`, each on a
//! thread of 8 MiB as rustc gives a proc macro. It fails on a panic (a stack
//! overflow aborts the test binary, which fails it too), naming the target,
//! the seed and the input.
//!
//! `MIGRATE_FUZZ_INPUTS` sets the inputs per target (default 300),
//! `MIGRATE_FUZZ_SEED` the seed (default fixed, so CI is reproducible).
//! Inputs are not timed: scaling is measured by `scripts/bench-hostile.sh`.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use migrate_build::analyze::describe;
use migrate_build::discover::discover;
use migrate_build::fold::{fold, fold_sql};
use migrate_build::split::split_statements;
use migrate_core::Schema;
use migrate_test_support::fuzz::{Rng, mutate};
use migrate_test_support::{TempDir, corpus_dir};

/// Runs `work` on an 8 MiB thread; the panic's message if it panicked.
fn run_on_proc_macro_stack(work: impl FnOnce() + Send) -> Option<String> {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn_scoped(scope, move || catch_unwind(AssertUnwindSafe(work)))
            .expect("spawn a thread");
        match handle.join() {
            Ok(Ok(())) => None,
            Ok(Err(panic)) | Err(panic) => Some(
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic".to_owned()),
            ),
        }
    })
}

fn settings() -> (usize, u64) {
    let inputs = std::env::var("MIGRATE_FUZZ_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let seed = std::env::var("MIGRATE_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(13);
    (inputs, seed)
}

const SETS: [&str; 9] = [
    "crates_io",
    "inbox_zero",
    "labrinth",
    "kestra",
    "hatchet",
    "bors",
    "defguard",
    "underway",
    "zero2prod",
];

/// Every migration's up SQL of every corpus set.
fn corpus_migrations() -> Vec<String> {
    SETS.iter()
        .flat_map(|set| {
            let dir = corpus_dir().join(set).join("migrations");
            discover(&dir, None)
                .unwrap_or_else(|error| panic!("{set}: {error}"))
                .migrations
        })
        .map(|migration| migration.up)
        .collect()
}

/// The schema of each set with an sqlx cache and the queries of its cache.
fn corpus_queries() -> Vec<(Schema, Vec<String>)> {
    ["labrinth", "bors", "defguard", "underway", "zero2prod"]
        .iter()
        .map(|set| {
            let dir = corpus_dir().join(set);
            let migrations = discover(&dir.join("migrations"), None)
                .unwrap_or_else(|error| panic!("{set}: {error}"))
                .migrations;
            let schema = fold(&migrations).schema;
            let mut queries: Vec<String> = fs::read_dir(dir.join("sqlx-cache"))
                .expect("sqlx-cache")
                .flatten()
                .filter_map(|entry| fs::read_to_string(entry.path()).ok())
                .filter_map(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .filter_map(|json| json["query"].as_str().map(str::to_owned))
                .collect();
            queries.sort();
            (schema, queries)
        })
        .collect()
}

/// Fails with every input that panicked.
fn report(target: &str, seed: u64, n_inputs: usize, failures: Vec<(String, String)>) {
    println!(
        "{target}: {n_inputs} inputs, seed {seed}, {} panics",
        failures.len()
    );
    if failures.is_empty() {
        return;
    }
    let shown: Vec<String> = failures
        .iter()
        .take(5)
        .map(|(input, panic)| format!("{panic}\n  on input {input:?}"))
        .collect();
    panic!(
        "{target}: {} of {n_inputs} inputs panicked (seed {seed}):\n{}",
        failures.len(),
        shown.join("\n")
    );
}

#[test]
fn fuzz_split_and_fold() {
    let (n_inputs, seed) = settings();
    let migrations = corpus_migrations();
    let mut rng = Rng(seed);
    let mut split_failures = Vec::new();
    let mut fold_failures = Vec::new();
    for _ in 0..n_inputs {
        let original = rng.pick(&migrations).clone();
        let input = mutate(&mut rng, &original, &migrations);
        if let Some(panic) = run_on_proc_macro_stack(|| {
            let statements = split_statements(&input);
            for statement in &statements {
                assert!(input.get(statement.span.clone()).is_some());
            }
        }) {
            split_failures.push((input.clone(), panic));
        }
        if let Some(panic) = run_on_proc_macro_stack(|| {
            let folded = fold_sql(&input);
            for diagnostic in &folded.diagnostics {
                diagnostic.render(&input);
            }
        }) {
            fold_failures.push((input, panic));
        }
    }
    report("split", seed, n_inputs, split_failures);
    report("fold", seed, n_inputs, fold_failures);
}

#[test]
fn fuzz_describe() {
    let (n_inputs, seed) = settings();
    let sets = corpus_queries();
    let all_queries: Vec<String> = sets.iter().flat_map(|(_, q)| q.iter().cloned()).collect();
    let mut rng = Rng(seed ^ 0x5eed);
    let mut failures = Vec::new();
    for _ in 0..n_inputs {
        let (schema, queries) = rng.pick(&sets);
        let original = rng.pick(queries).clone();
        let input = mutate(&mut rng, &original, &all_queries);
        if let Some(panic) = run_on_proc_macro_stack(|| {
            let diagnostics = match describe(schema, &input) {
                Ok(described) => described.warnings,
                Err(errors) => errors,
            };
            for diagnostic in &diagnostics {
                diagnostic.render(&input);
            }
        }) {
            failures.push((input, panic));
        }
    }
    report("describe", seed, n_inputs, failures);
}

/// File names of every layout, and near misses.
const NAMES: &[&str] = &[
    "1_a.sql",
    "2_b.sql",
    "01_c.sql",
    "3_d.up.sql",
    "3_d.down.sql",
    "V1__a.sql",
    "V1_10__b.sql",
    "U2__c.sql",
    "R__r.sql",
    "V1__a.sql.conf",
    "2024-01-01-000000_x/up.sql",
    "2024-01-01-000000_x/down.sql",
    "2024-01-01-000000_x/metadata.toml",
    "20240101000000_p/migration.sql",
    "migration_lock.toml",
    ".hidden.sql",
    "README.md",
    "x.sql",
    "1_.sql",
    "_1.sql",
];

fn write(dir: &Path, name: &str, contents: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        let _ = fs::create_dir_all(parent);
    }
    let _ = fs::write(path, contents);
}

#[test]
fn fuzz_discover() {
    let (n_inputs, seed) = settings();
    let migrations = corpus_migrations();
    let names: Vec<String> = NAMES.iter().map(|name| (*name).to_owned()).collect();
    let mut rng = Rng(seed ^ 0xd15c);
    let mut failures = Vec::new();
    for _ in 0..n_inputs {
        let dir = TempDir::new();
        let mut written = Vec::new();
        for _ in 0..1 + rng.below(4) {
            let name = (*rng.pick(NAMES)).to_owned();
            let name = if rng.below(3) == 0 {
                mutate(&mut rng, &name, &names).replace('\0', "")
            } else {
                name
            };
            let original = rng.pick(&migrations).clone();
            let contents = mutate(&mut rng, &original, &migrations);
            if name.is_empty() || name.starts_with('/') || name.contains("..") {
                continue;
            }
            write(dir.path(), &name, &contents);
            written.push(name);
        }
        let path = dir.path().to_path_buf();
        if let Some(panic) = run_on_proc_macro_stack(move || {
            let _ = discover(&path, None);
        }) {
            failures.push((written.join(", "), panic));
        }
    }
    report("discover", seed, n_inputs, failures);
}
