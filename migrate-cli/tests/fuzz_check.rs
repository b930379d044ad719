//! `migrate check` on mutated queries (issue 13): labrinth's real queries,
//! mutated by the seeded fuzzer, checked against labrinth's migrations by
//! the binary, in batches of files. Every run must end with an answer
//! (exit 0 for clean files, 1 for problems), never a panic (101) or a
//! signal (a stack overflow aborts), nor a batch slower than a bound: 10 s
//! per input of it (`MIGRATE_FUZZ_INPUT_SECONDS`, a safety net against a
//! hang, as in `migrate-build/tests/fuzz.rs`). Also a FIFO and a link to
//! `/dev/zero` given as files: refused, not read.
//!
//! `MIGRATE_FUZZ_INPUTS` (default 300) and `MIGRATE_FUZZ_SEED` as in
//! `migrate-build/tests/fuzz.rs`.

use std::fs;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use migrate_test_support::fuzz::{Rng, mutate};
use migrate_test_support::{TempDir, corpus_dir};

fn check(dir: &TempDir, files: &[String]) -> Output {
    let migrations = corpus_dir().join("labrinth").join("migrations");
    Command::new(env!("CARGO_BIN_EXE_migrate"))
        .arg("check")
        .arg("--migrations")
        .arg(&migrations)
        .args(files)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .output()
        .expect("run the migrate binary")
}

/// labrinth's queries: blocks of queries.txt separated by `-- ---` lines.
fn queries() -> Vec<String> {
    let text =
        fs::read_to_string(corpus_dir().join("labrinth").join("queries.txt")).expect("queries.txt");
    text.split("\n-- ---\n")
        .map(|block| {
            block
                .lines()
                .filter(|line| !line.starts_with("-- "))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|query| !query.trim().is_empty())
        .collect()
}

#[test]
fn fuzz_check_on_files() {
    let n_inputs: usize = std::env::var("MIGRATE_FUZZ_INPUTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    let seed: u64 = std::env::var("MIGRATE_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(13);
    let queries = queries();
    let dir = TempDir::new();
    let mut rng = Rng(seed);
    let mut failures = Vec::new();
    let batch = 50;
    let per_input: f64 = std::env::var("MIGRATE_FUZZ_INPUT_SECONDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10.0);
    let mut slowest = Duration::ZERO;
    for first in (0..n_inputs).step_by(batch) {
        let mut files = Vec::new();
        for index in first..(first + batch).min(n_inputs) {
            let original = rng.pick(&queries).clone();
            let mutant = mutate(&mut rng, &original, &queries);
            let name = format!("q{index}.sql");
            fs::write(dir.path().join(&name), &mutant).expect("write a query file");
            files.push(name);
        }
        let start = Instant::now();
        let output = check(&dir, &files);
        let elapsed = start.elapsed();
        slowest = slowest.max(elapsed);
        let bound = Duration::from_secs_f64(per_input * files.len() as f64);
        if elapsed > bound {
            failures.push(format!(
                "files {first}..{}: took {:.1} s, more than the bound of {:.1} s",
                first + files.len(),
                elapsed.as_secs_f64(),
                bound.as_secs_f64()
            ));
        }
        if !matches!(output.status.code(), Some(0 | 1)) {
            failures.push(format!(
                "files {first}..{}: {:?}\n{}",
                first + files.len(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    println!(
        "check: {n_inputs} inputs in batches of {batch}, seed {seed}, {} failed runs, slowest batch {:.3} s",
        failures.len(),
        slowest.as_secs_f64()
    );
    assert!(failures.is_empty(), "seed {seed}:\n{}", failures.join("\n"));
}

#[cfg(unix)]
#[test]
fn check_refuses_a_fifo_and_a_device() {
    let dir = TempDir::new();
    let status = Command::new("mkfifo")
        .arg(dir.path().join("fifo.sql"))
        .status()
        .expect("run mkfifo");
    assert!(status.success());
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.sql")).expect("symlink");
    for (file, kind) in [("fifo.sql", "a FIFO"), ("zero.sql", "a character device")] {
        let output = check(&dir, &[file.to_owned()]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{file} is {kind}: SQL is read only from regular files"
            )),
            "{stderr}"
        );
    }
}
