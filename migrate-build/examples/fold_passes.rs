//! Folds the nine shared corpus sets a given number of times, for counting
//! instructions per pass under callgrind. `scripts/bench-fold-budget.sh` builds
//! it at a base commit and at the work tree and compares the two; it is kept
//! free of anything but `discover` and `fold` so that it builds at both.
//!
//! Usage: `fold_passes <corpus directory> [passes]` (passes default to 1).
//! Discovery runs once, before the passes, so that the difference between two
//! runs with different pass counts is the fold alone.

use std::hint::black_box;
use std::path::PathBuf;

use migrate_build::discover::discover;
use migrate_build::fold::fold;

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

fn main() {
    let mut args = std::env::args_os().skip(1);
    let Some(corpus) = args.next().map(PathBuf::from) else {
        eprintln!("usage: fold_passes <corpus directory> [passes]");
        std::process::exit(2);
    };
    let passes: usize = match args.next().map(|arg| arg.into_string()) {
        None => 1,
        Some(Ok(arg)) => match arg.parse() {
            Ok(passes) => passes,
            Err(_) => {
                eprintln!("passes must be a number, not {arg:?}");
                std::process::exit(2);
            }
        },
        Some(Err(arg)) => {
            eprintln!("passes must be a number, not {arg:?}");
            std::process::exit(2);
        }
    };
    let mut discovered = Vec::with_capacity(SETS.len());
    for set in SETS {
        let dir = corpus.join(set).join("migrations");
        match discover(&dir, None) {
            Ok(found) => discovered.push(found),
            Err(error) => {
                eprintln!("{set}: {error}");
                std::process::exit(1);
            }
        }
    }
    let mut n_diagnostics = 0;
    for _ in 0..passes {
        for found in &discovered {
            let folded = black_box(fold(black_box(&found.migrations)));
            n_diagnostics += folded.diagnostics.len();
        }
    }
    println!(
        "{passes} passes over {} sets, {n_diagnostics} diagnostics",
        SETS.len()
    );
}
