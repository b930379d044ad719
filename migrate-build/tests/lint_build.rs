//! The lint rules at build time: warnings ride along in the output, a rule
//! configured to deny fails the build with every finding listed.

use std::path::PathBuf;

use migrate_build::lint::{Level, LintConfig};
use migrate_build::{Builder, Error};

fn project(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("migrate-lint-build-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("migrations")).unwrap();
    std::fs::write(
        dir.join("migrations/1_users.sql"),
        "CREATE TABLE users (id bigint PRIMARY KEY, name text, age int);\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("migrations/2_contract.sql"),
        "ALTER TABLE users DROP COLUMN age;\nCREATE INDEX users_name ON users (name);\n",
    )
    .unwrap();
    dir
}

fn build(dir: &PathBuf, config: LintConfig) -> Result<migrate_build::Output, Error> {
    Builder::new()
        .manifest_dir(dir)
        .migrations("migrations")
        .out_dir(dir.join("out"))
        .quiet(true)
        .lint(config)
        .compile()
}

#[test]
fn warnings_by_default() {
    let dir = project("warn");
    let output = build(&dir, LintConfig::default()).unwrap();
    let rules: Vec<&str> = output.lint_findings.iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["drop-column", "index-without-concurrently"]);
    // The build records the newest migration next to the queries' uses.
    let uses = migrate_build::lint::read_uses(&dir.join("out/migrate/uses")).unwrap();
    assert_eq!(uses.last_migration.as_deref(), Some("2"));
    assert!(uses.queries.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn deny_fails_the_build() {
    let dir = project("deny");
    let mut config = LintConfig::default();
    config.levels.insert("drop-column".to_owned(), Level::Deny);
    let error = build(&dir, config).unwrap_err();
    let Error::Lint { report, n_denied } = &error else {
        panic!("expected a lint error, got {error}");
    };
    assert_eq!(*n_denied, 1);
    expect_test::expect![[r#"
        migrations/2_contract.sql:1:31: error[drop-column]: dropping column "age" of "users" breaks the running code that still reads or writes it, and its data is gone
          = help: contract last: ship code that no longer uses the column first, then drop it in a later release's migration
        error: 1 lint finding at the deny level in migrations: fix it, or allow the statement with a `-- migrate:lint allow <rule>` line before it"#]]
    .assert_eq(report);
    assert!(!dir.join("out/migrate/embed.rs").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
