//! A seeded mutation fuzzer over the shared corpus (issue 13), bounded so
//! that it runs on the stable toolchain in CI in seconds: real migration
//! files and real queries, mutated (spans deleted, repeated, swapped,
//! spliced from other inputs, hostile characters and tokens inserted), fed
//! to `split_statements`, the fold, `describe` and `discover`, each on a
//! thread of 8 MiB as rustc gives a proc macro. It fails on a panic (a stack
//! overflow aborts the test binary, which fails it too) or on an input that
//! takes longer than a bound, naming the target, the seed and the input.
//!
//! The bound is a safety net against a hang or a blow-up, not a speed
//! check: 10 s of wall time per input (`MIGRATE_FUZZ_INPUT_SECONDS`), where
//! a mutated corpus input takes milliseconds in a debug build, so a loaded
//! machine cannot make it flake. Scaling is measured by instruction counts
//! in `scripts/bench-hostile.sh`, and each report gives the slowest input.
//!
//! `MIGRATE_FUZZ_INPUTS` sets the inputs per target (default 300),
//! `MIGRATE_FUZZ_SEED` the seed (default fixed, so CI is reproducible).
//! Each failure names its input's number: `MIGRATE_FUZZ_REPLAY=17,4242`
//! (with the same seed and a count past those numbers) makes the inputs as
//! before but runs only those, and `MIGRATE_FUZZ_SAVE=dir` writes each
//! failing input to `dir/<target>-<seed>-<number>.sql`.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use migrate_build::analyze::describe;
use migrate_build::diagnostic::LineIndex;
use migrate_build::discover::discover;
use migrate_build::fold::{fold, fold_sql};
use migrate_build::split::split_statements;
use migrate_core::Schema;
use migrate_test_support::fuzz::{Rng, mutate};
use migrate_test_support::{TempDir, corpus_dir};

/// The longest an input may take (see the module's doc).
fn input_bound() -> Duration {
    let seconds = std::env::var("MIGRATE_FUZZ_INPUT_SECONDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10.0);
    Duration::from_secs_f64(seconds)
}

/// The slowest input of a target so far.
#[derive(Default)]
struct Slowest(Duration);

impl Slowest {
    /// Runs `work` as [`run_on_proc_macro_stack`] does, and also fails when
    /// it takes longer than [`input_bound`].
    fn run(&mut self, work: impl FnOnce() + Send) -> Option<String> {
        let start = Instant::now();
        let panic = run_on_proc_macro_stack(work);
        let elapsed = start.elapsed();
        self.0 = self.0.max(elapsed);
        let bound = input_bound();
        panic.or_else(|| {
            (elapsed > bound).then(|| {
                format!(
                    "took {:.1} s, more than the bound of {:.1} s",
                    elapsed.as_secs_f64(),
                    bound.as_secs_f64()
                )
            })
        })
    }
}

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

/// Whether input number `index` runs (see `MIGRATE_FUZZ_REPLAY`).
fn runs(index: usize) -> bool {
    match std::env::var("MIGRATE_FUZZ_REPLAY") {
        Ok(list) => list
            .split(',')
            .any(|number| number.trim().parse() == Ok(index)),
        Err(_) => true,
    }
}

/// A failing input: its number, its text, and what went wrong.
struct Failure {
    index: usize,
    input: String,
    problem: String,
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

/// An input as the report shows it: its first 500 characters, and its size.
fn shown(input: &str) -> String {
    let head: String = input.chars().take(500).collect();
    if head.len() == input.len() {
        format!("{input:?}")
    } else {
        format!("{head:?}... ({} bytes)", input.len())
    }
}

/// Fails with every input that panicked or was too slow.
fn report(target: &str, seed: u64, n_inputs: usize, slowest: &Slowest, failures: Vec<Failure>) {
    if let Ok(dir) = std::env::var("MIGRATE_FUZZ_SAVE") {
        for failure in &failures {
            let path = Path::new(&dir).join(format!("{target}-{seed}-{}.sql", failure.index));
            let _ = fs::write(path, &failure.input);
        }
    }
    println!(
        "{target}: {n_inputs} inputs, seed {seed}, {} failures, slowest input {:.3} s",
        failures.len(),
        slowest.0.as_secs_f64()
    );
    if failures.is_empty() {
        return;
    }
    let shown: Vec<String> = failures
        .iter()
        .take(5)
        .map(|failure| {
            format!(
                "{}\n  on input #{} {}",
                failure.problem,
                failure.index,
                shown(&failure.input)
            )
        })
        .collect();
    panic!(
        "{target}: {} of {n_inputs} inputs panicked or were too slow (seed {seed}):\n{}",
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
    let (mut split_slowest, mut fold_slowest) = (Slowest::default(), Slowest::default());
    for index in 0..n_inputs {
        let original = rng.pick(&migrations).clone();
        let input = mutate(&mut rng, &original, &migrations);
        if !runs(index) {
            continue;
        }
        if let Some(problem) = split_slowest.run(|| {
            let statements = split_statements(&input);
            for statement in &statements {
                assert!(input.get(statement.span.clone()).is_some());
            }
        }) {
            split_failures.push(Failure {
                index,
                input: input.clone(),
                problem,
            });
        }
        if let Some(problem) = fold_slowest.run(|| {
            let folded = fold_sql(&input);
            let index = LineIndex::new(&input);
            for diagnostic in &folded.diagnostics {
                index.render(diagnostic);
            }
        }) {
            fold_failures.push(Failure {
                index,
                input,
                problem,
            });
        }
    }
    report("split", seed, n_inputs, &split_slowest, split_failures);
    report("fold", seed, n_inputs, &fold_slowest, fold_failures);
}

#[test]
fn fuzz_describe() {
    let (n_inputs, seed) = settings();
    let sets = corpus_queries();
    let all_queries: Vec<String> = sets.iter().flat_map(|(_, q)| q.iter().cloned()).collect();
    let mut rng = Rng(seed ^ 0x5eed);
    let mut failures = Vec::new();
    let mut slowest = Slowest::default();
    for index in 0..n_inputs {
        let (schema, queries) = rng.pick(&sets);
        let original = rng.pick(queries).clone();
        let input = mutate(&mut rng, &original, &all_queries);
        if !runs(index) {
            continue;
        }
        if let Some(problem) = slowest.run(|| {
            let diagnostics = match describe(schema, &input) {
                Ok(described) => described.warnings,
                Err(errors) => errors,
            };
            // As the macros report them.
            let index = LineIndex::new(&input);
            for diagnostic in &diagnostics {
                index.render(diagnostic);
            }
        }) {
            failures.push(Failure {
                index,
                input,
                problem,
            });
        }
    }
    report("describe", seed, n_inputs, &slowest, failures);
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
    let mut slowest = Slowest::default();
    for index in 0..n_inputs {
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
        if !runs(index) {
            continue;
        }
        let path = dir.path().to_path_buf();
        if let Some(problem) = slowest.run(move || {
            let _ = discover(&path, None);
        }) {
            failures.push(Failure {
                index,
                input: written.join(", "),
                problem,
            });
        }
    }
    report("discover", seed, n_inputs, &slowest, failures);
}
