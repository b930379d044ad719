//! `migrate lint` end to end: the built binary on a small project and on
//! the shared corpus.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect_test::expect;
use migrate_test_support::corpus_dir;

fn migrate(args: &[&str], current_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(args)
        .current_dir(current_dir)
        .output()
        .expect("run the migrate binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

/// A project with two migrations: a table, then a drop of one of its columns.
fn project(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("migrate-cli-lint-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("migrations")).unwrap();
    fs::write(
        dir.join("migrations/1_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, name text, age int);\n",
    )
    .unwrap();
    fs::write(
        dir.join("migrations/2_drop_age.sql"),
        "-- age is computed now\nALTER TABLE users DROP COLUMN age;\n",
    )
    .unwrap();
    dir
}

#[test]
fn findings_one_per_line_with_help_and_exit_status() {
    let dir = project("lines");
    let output = migrate(&["lint"], &dir);
    expect![[r#"
        migrations/2_drop_age.sql:2:31: warning[drop-column]: dropping column "age" of "users" breaks the running code that still reads or writes it, and its data is gone
          = help: contract last: ship code that no longer uses the column first, then drop it in a later release's migration
    "#]]
    .assert_eq(&text(&output.stdout));
    expect![[r#"
        1 finding in 2 migrations (0 at the deny level)
    "#]]
    .assert_eq(&text(&output.stderr));
    assert_eq!(output.status.code(), Some(0));

    let denied = migrate(&["lint", "--deny"], &dir);
    assert_eq!(denied.status.code(), Some(1));
    assert!(text(&denied.stdout).contains("error[drop-column]"));
    assert!(text(&denied.stderr).contains("error: 1 lint finding at the deny level"));

    let json = migrate(&["lint", "--json"], &dir);
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(document["migrate_version"], env!("CARGO_PKG_VERSION"));
    let findings = &document["findings"];
    assert_eq!(findings[0]["rule"], "drop-column");
    assert_eq!(findings[0]["line"], 2);
    assert_eq!(findings[0]["version"], "2");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn previous_release_uses_fail_the_lint() {
    let dir = project("uses");
    fs::write(
        dir.join("release-1.json"),
        r#"{"format": 1, "package": "app", "last_migration": "1", "queries": [
            {"sql": "SELECT age FROM users", "location": "src/users.rs:3",
             "uses": [{"schema": "public", "table": "users", "column": "age"}]}]}"#,
    )
    .unwrap();
    let output = migrate(&["lint", "--previous-release-uses", "release-1.json"], &dir);
    expect![[r#"
        migrations/2_drop_age.sql:2:31: warning[drop-column]: dropping column "age" of "users" breaks the running code that still reads or writes it, and its data is gone
          = help: contract last: ship code that no longer uses the column first, then drop it in a later release's migration
        migrations/2_drop_age.sql:2:1: error[used-by-code]: column "age" of "users" is dropped or renamed while a query of the previous release still uses it: `SELECT age FROM users` (src/users.rs:3)
          = help: ship the code that stops using it first; drop or rename it in a migration of a later release (expand, migrate, contract)
    "#]]
    .assert_eq(&text(&output.stdout));
    assert_eq!(output.status.code(), Some(1));
    // The same file as the current code's uses: every migration, or those
    // after the version production runs.
    let all = migrate(&["lint", "--uses", "release-1.json"], &dir);
    assert!(text(&all.stdout).contains("error[used-by-code]"));
    let since_2 = migrate(&["lint", "--uses", "release-1.json", "--since", "2"], &dir);
    assert!(!text(&since_2.stdout).contains("used-by-code"));
    assert_eq!(since_2.status.code(), Some(0));
    let unknown = migrate(&["lint", "--uses", "release-1.json", "--since", "9"], &dir);
    assert_eq!(unknown.status.code(), Some(2));
    assert_eq!(
        text(&unknown.stderr),
        "error: --since 9: no migration has that version\n"
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn corpus_lints_with_findings_and_no_crash() {
    for set in ["crates_io", "inbox_zero"] {
        let output = migrate(
            &["lint", "--migrations", "migrations"],
            &corpus_dir().join(set),
        );
        // Warnings only by default: exit 0, and a line per finding.
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert!(stdout.contains("warning[drop-column]"), "{set}");
        assert!(text(&output.stderr).contains("at the deny level"));
    }
}
