//! Every shared history but hatchet (whose partitions are made at run time)
//! deployed as a team deploys it: `migrate deploy` on a fresh database, then
//! `migrate drift`, which must report no drift. What drift compares
//! (columns, defaults as PostgreSQL stores them, constraints with their
//! deferrability and actions, indexes with their options, types,
//! sequences) is then the same in the fold and in the live catalog.

use std::path::Path;
use std::process::{Command, Output};

use expect_test::{Expect, expect};
use migrate_test_support::{TestDatabase, corpus_dir};

fn migrate(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(args)
        .current_dir(dir)
        .env_remove("DIRECT_URL")
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the migrate binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Deploys `set` and checks drift; the drift output's difference lines
/// (`-- ...` comments of the fix script) must be `known`, empty when the
/// fold and PostgreSQL agree.
fn deploy_then_drift(set: &str, known: Expect) {
    let root = corpus_dir().join(set);
    let dir = root.join("migrations");
    let dir = dir.to_str().expect("a UTF-8 path");
    let database = TestDatabase::new(&format!("deploy_drift_{set}"));
    let deploy = migrate(&root, &database.url, &["deploy", "--migrations", dir]);
    assert!(
        deploy.status.success(),
        "{set}: migrate deploy failed:\n{}\n{}",
        text(&deploy.stdout),
        text(&deploy.stderr)
    );
    // deploy checks drift itself once it has applied everything: it must
    // find what `migrate drift` finds.
    let deploy_saw_drift = text(&deploy.stderr).contains("differs from the migrations");
    let mut client = database.client();
    let n_applied: i64 = client
        .query_one(
            "SELECT count(*) FROM public._migrate_history WHERE success",
            &[],
        )
        .expect("read the history")
        .get(0);
    let drift = migrate(&root, &database.url, &["drift", "--migrations", dir]);
    let stdout = text(&drift.stdout);
    let differences: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("-- ") && !line.starts_with("-- the database differs"))
        .collect();
    println!(
        "{set}: {n_applied} migrations deployed; drift: {}",
        if differences.is_empty() {
            "none".to_owned()
        } else {
            format!("{} differences", differences.len())
        }
    );
    for line in &differences {
        println!("  {line}");
    }
    match drift.status.code() {
        Some(0) => assert!(differences.is_empty()),
        Some(_) if !differences.is_empty() => {}
        _ => panic!(
            "{set}: migrate drift failed:\n{stdout}\n{}",
            text(&drift.stderr)
        ),
    }
    assert_eq!(
        deploy_saw_drift,
        !differences.is_empty(),
        "{set}: deploy's own drift check disagrees:\n{}",
        text(&deploy.stderr)
    );
    let mut listing = String::new();
    for line in differences {
        listing.push_str(line);
        listing.push('\n');
    }
    known.assert_eq(&listing);
}

#[test]
fn bors_deploys_without_drift() {
    deploy_then_drift("bors", expect![""]);
}

#[test]
fn crates_io_deploys_without_drift() {
    deploy_then_drift("crates_io", expect![""]);
}

#[test]
fn defguard_deploys_without_drift() {
    deploy_then_drift("defguard", expect![""]);
}

#[test]
fn inbox_zero_deploys_without_drift() {
    deploy_then_drift("inbox_zero", expect![""]);
}

#[test]
fn kestra_deploys_without_drift() {
    deploy_then_drift("kestra", expect![""]);
}

#[test]
fn labrinth_deploys_without_drift() {
    deploy_then_drift("labrinth", expect![""]);
}

#[test]
fn underway_deploys_without_drift() {
    deploy_then_drift("underway", expect![""]);
}

#[test]
fn zero2prod_deploys_without_drift() {
    deploy_then_drift("zero2prod", expect![""]);
}
