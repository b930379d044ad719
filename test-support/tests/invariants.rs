//! The architecture invariants of ARCHITECTURE.md, checked with `cargo tree`.
//!
//! Proc-macro dependencies (serde_derive, thiserror-impl) run in the compiler
//! and link into nothing, so they are excluded with `-e no-proc-macro`: the
//! invariants are about what a crate carries at run time.

use std::process::Command;

/// Every package `package` links at run time, with all features on.
fn runtime_dependencies(package: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--package",
            package,
            "--edges",
            "normal,no-proc-macro",
            "--prefix",
            "none",
            "--all-features",
            "--offline",
        ])
        .current_dir(migrate_test_support::project_root())
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_absent(package: &str, forbidden: &[&str]) {
    let dependencies = runtime_dependencies(package);
    assert!(
        dependencies.iter().any(|name| name == package),
        "cargo tree did not list {package} itself: {dependencies:?}"
    );
    for name in forbidden {
        assert!(
            !dependencies.iter().any(|dependency| dependency == name),
            "architecture invariant broken: {package} links {name}"
        );
    }
}

#[test]
fn runtime_never_links_the_parser_or_macro_machinery() {
    assert_absent(
        "pgfold-runtime",
        &["sqlparser", "syn", "proc-macro2", "quote"],
    );
}

#[test]
fn model_never_links_the_parser_or_a_database_client() {
    assert_absent(
        "pgfold-core",
        &[
            "sqlparser",
            "syn",
            "proc-macro2",
            "postgres",
            "tokio-postgres",
        ],
    );
}

#[test]
fn analysis_never_links_proc_macro2() {
    assert_absent("pgfold-build", &["syn", "proc-macro2", "quote", "postgres"]);
}
