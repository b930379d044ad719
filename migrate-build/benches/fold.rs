//! Benchmark for issue 2: discovering and folding the nine shared corpus
//! sets. Run it through `scripts/bench-fold.sh`, which also times
//! PostgreSQL applying the same files with psql, in the same run. It also
//! times PostgreSQL's syntax check alone (`syntax::check` over every file),
//! which the fold runs first, so that its share of the fold shows.
//!
//! Environment:
//! - `MIGRATE_BENCH_ITERATIONS`: how many times to discover and fold every set (default 20);
//! - `MIGRATE_BENCH_SQL_DIR`: if set, write there one psql script per set
//!   (`<set>.sql`): each migration's up SQL in order, wrapped in
//!   `BEGIN`/`COMMIT` when it is transactional, as the tool applies it.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use migrate_build::discover::{Discovered, discover};
use migrate_build::fold::fold;
use migrate_test_support::corpus_dir;

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

fn discover_all() -> Vec<Discovered> {
    SETS.iter()
        .map(|set| {
            let dir = corpus_dir().join(set).join("migrations");
            discover(&dir, None).unwrap_or_else(|error| panic!("{set}: {error}"))
        })
        .collect()
}

fn milliseconds(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{label:<18} min {:>8.2} ms   median {:>8.2} ms   max {:>8.2} ms",
        milliseconds(times[0]),
        milliseconds(median),
        milliseconds(times[times.len() - 1]),
    );
}

fn main() {
    let iterations: usize = std::env::var("MIGRATE_BENCH_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(20)
        .max(1);

    // One untimed run: counts, and the psql scripts.
    let discovered = discover_all();
    let mut n_files = 0;
    let mut n_statements = 0;
    for (set, discovered) in SETS.iter().zip(&discovered) {
        let folded = fold(&discovered.migrations);
        let n_errors = folded.diagnostics.iter().filter(|d| d.is_error()).count();
        let n_set_statements: usize = discovered
            .migrations
            .iter()
            .flat_map(|migration| migrate_build::split::split_statements(&migration.up))
            // Counted inside goose's StatementBegin/End blocks, as the corpus README counts.
            .map(|statement| migrate_build::split::split_statements(statement.text).len())
            .sum();
        n_files += discovered.migrations.len();
        n_statements += n_set_statements;
        println!(
            "{set:<11} {:>8} layout  {:>4} files  {:>5} statements  {:>4} relations  {:>3} errors  {:>3} warnings",
            discovered.layout.name(),
            discovered.migrations.len(),
            n_set_statements,
            folded.schema.relations.len(),
            n_errors,
            folded.diagnostics.len() - n_errors,
        );
    }
    println!("all sets: {n_files} files, {n_statements} statements, {iterations} iterations");
    if let Some(dir) = std::env::var_os("MIGRATE_BENCH_SQL_DIR") {
        write_psql_scripts(&PathBuf::from(dir), &discovered);
    }

    let mut discover_times = Vec::with_capacity(iterations);
    let mut fold_times = Vec::with_capacity(iterations);
    let mut total_times = Vec::with_capacity(iterations);
    let mut syntax_times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        let discovered = black_box(discover_all());
        let discovered_at = Instant::now();
        for discovered in &discovered {
            black_box(fold(&discovered.migrations));
        }
        let folded_at = Instant::now();
        for discovered in &discovered {
            for migration in &discovered.migrations {
                black_box(migrate_build::syntax::check(&migration.up));
            }
        }
        syntax_times.push(folded_at.elapsed());
        discover_times.push(discovered_at - start);
        fold_times.push(folded_at - discovered_at);
        total_times.push(folded_at - start);
    }
    let per_statement = |times: &[Duration]| {
        let mut sorted = times.to_vec();
        sorted.sort();
        sorted[sorted.len() / 2].as_secs_f64() * 1e6 / n_statements as f64
    };
    let fold_us = per_statement(&fold_times);
    let syntax_us = per_statement(&syntax_times);
    summary("discover", discover_times);
    summary("fold", fold_times);
    summary("  of which syntax", syntax_times);
    summary("discover+fold", total_times);
    println!(
        "per statement (medians): fold {fold_us:.2} us, syntax check {syntax_us:.2} us, \
         fold without it {:.2} us: the check costs {:.1} %",
        fold_us - syntax_us,
        100.0 * syntax_us / (fold_us - syntax_us)
    );
}

/// One script per set for `psql -f`: what the tool would send, migration by
/// migration, on one connection.
fn write_psql_scripts(dir: &std::path::Path, discovered: &[Discovered]) {
    std::fs::create_dir_all(dir).expect("create the psql script directory");
    for (set, discovered) in SETS.iter().zip(discovered) {
        let mut script = String::new();
        for migration in &discovered.migrations {
            script.push_str(&format!("-- {}\n", migration.path));
            if migration.transactional {
                script.push_str("BEGIN;\n");
                script.push_str(&migration.up);
                script.push_str("\n;\nCOMMIT;\n");
            } else {
                script.push_str(&migration.up);
                script.push_str("\n;\n");
            }
        }
        let path = dir.join(format!("{set}.sql"));
        std::fs::write(&path, script).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    }
}
