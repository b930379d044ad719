//! Every lint rule with a failing and a passing fixture, suppression
//! comments, configured levels, and the rolling-deploy check.

use expect_test::{Expect, expect};
use migrate_build::lint::{
    Level, LintConfig, QueryUses, TableColumn, UsesFile, inline_migration, lint, rolling_deploy,
};
use migrate_core::Migration;

/// The table the fixtures alter: it exists before the migration under test.
const SETUP: &str = "CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TABLE users (
    id bigint PRIMARY KEY,
    name varchar(40),
    email text NOT NULL,
    price numeric(10, 2),
    mood mood,
    age int
);
CREATE TABLE teams (id bigint PRIMARY KEY);";

fn migrations(sql: &str) -> Vec<Migration> {
    vec![inline_migration("1", SETUP), inline_migration("2", sql)]
}

/// The findings of migration 2, one per line as `migrate lint` prints them.
fn render(sql: &str, config: &LintConfig) -> String {
    let migrations = migrations(sql);
    lint(&migrations, config)
        .iter()
        .map(|finding| {
            assert_eq!(finding.version, "2", "the setup migration is clean");
            finding.render_line(sql, "2.sql")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn check(sql: &str, expect: Expect) {
    expect.assert_eq(&render(sql, &LintConfig::default()));
}

/// The fixture raises no finding.
fn clean(sql: &str) {
    assert_eq!(render(sql, &LintConfig::default()), "", "{sql}");
}

#[test]
fn drop_table() {
    check(
        "DROP TABLE teams;",
        expect![[r#"
            2.sql:1:12: warning[drop-table]: dropping table "teams" breaks the running code that still uses it, and its data is gone
              = help: contract last: ship code that no longer uses the table first, then drop it in a later release's migration"#]],
    );
    clean("CREATE TABLE scratch (id int);\nDROP TABLE scratch;");
}

#[test]
fn drop_column() {
    check(
        "ALTER TABLE users DROP COLUMN age;",
        expect![[r#"
            2.sql:1:31: warning[drop-column]: dropping column "age" of "users" breaks the running code that still reads or writes it, and its data is gone
              = help: contract last: ship code that no longer uses the column first, then drop it in a later release's migration"#]],
    );
    clean("CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;");
}

#[test]
fn rename_table() {
    check(
        "ALTER TABLE teams RENAME TO squads;",
        expect![[r#"
            2.sql:1:29: warning[rename-table]: renaming table "teams" to "squads" breaks the running code that still uses "teams"
              = help: expand: create the new table (or rename and leave a view under the old name), ship code that uses the new name; contract: drop the old name in a later release"#]],
    );
    clean("CREATE TABLE t (a int);\nALTER TABLE t RENAME TO u;");
}

#[test]
fn rename_column() {
    check(
        "ALTER TABLE users RENAME COLUMN name TO full_name;",
        expect![[r#"
            2.sql:1:33: warning[rename-column]: renaming column "name" of "users" to "full_name" breaks the running code that still uses "name"
              = help: expand: add the new column and write both (a trigger can), backfill it; ship code that reads the new one; contract: drop the old column in a later release"#]],
    );
    clean("CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;");
}

#[test]
fn rewriting_type_change() {
    check(
        "ALTER TABLE users ALTER COLUMN age TYPE bigint;\nALTER TABLE users ALTER COLUMN name TYPE varchar(20);",
        expect![[r#"
            2.sql:1:32: warning[rewriting-type-change]: changing column "age" of "users" from integer to bigint rewrites the table and its indexes while holding an ACCESS EXCLUSIVE lock (reads and writes wait), and running code may not read the new type
              = help: expand: add a column of the new type and write both; backfill it in batches; ship code that reads it; contract: drop the old column
            2.sql:2:32: warning[rewriting-type-change]: changing column "name" of "users" from character varying(40) to character varying(20) rewrites the table and its indexes while holding an ACCESS EXCLUSIVE lock (reads and writes wait), and running code may not read the new type
              = help: expand: add a column of the new type and write both; backfill it in batches; ship code that reads it; contract: drop the old column"#]],
    );
    // Binary-coercible: a longer varchar, varchar to text, more numeric precision.
    clean(
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(80);
ALTER TABLE users ALTER COLUMN name TYPE text;
ALTER TABLE users ALTER COLUMN price TYPE numeric(12, 2);",
    );
}

#[test]
fn required_column() {
    check(
        "ALTER TABLE users ADD COLUMN nickname text NOT NULL;",
        expect![[r#"
            2.sql:1:30: warning[required-column]: adding NOT NULL column "nickname" without a default to existing table "users" fails if the table has rows, and running code that inserts without it breaks
              = help: add the column nullable or with a constant default, backfill it, then add CHECK ("nickname" IS NOT NULL) NOT VALID, VALIDATE it, and SET NOT NULL"#]],
    );
    clean("ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT '';");
    clean("CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN b text NOT NULL;");
}

#[test]
fn set_not_null() {
    check(
        "ALTER TABLE users ALTER COLUMN age SET NOT NULL;",
        expect![[r#"
            2.sql:1:32: warning[set-not-null]: SET NOT NULL on column "age" of existing table "users" scans the whole table while holding an ACCESS EXCLUSIVE lock
              = help: add CHECK ("age" IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration, then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check"#]],
    );
    // The safe sequence: a valid check proves it (after its own VALIDATE).
    let safe = vec![
        inline_migration("1", SETUP),
        inline_migration(
            "2",
            "ALTER TABLE users ADD CONSTRAINT age_not_null CHECK (age IS NOT NULL) NOT VALID;",
        ),
        inline_migration("3", "ALTER TABLE users VALIDATE CONSTRAINT age_not_null;"),
        inline_migration("4", "ALTER TABLE users ALTER COLUMN age SET NOT NULL;"),
    ];
    let findings = lint(&safe, &LintConfig::default());
    let rules: Vec<(&str, &str)> = findings
        .iter()
        .map(|finding| (finding.version.as_str(), finding.rule))
        .collect();
    expect![[r#"[]"#]].assert_eq(&format!("{rules:?}"));
    clean("ALTER TABLE users ALTER COLUMN email SET NOT NULL;");
}

#[test]
fn index_without_concurrently() {
    check(
        "CREATE INDEX users_age ON users (age);",
        expect![[r#"
            2.sql:1:1: warning[index-without-concurrently]: creating an index on existing table "users" without CONCURRENTLY blocks writes to the table until the index is built
              = help: use CREATE INDEX CONCURRENTLY, alone in a migration that runs outside a transaction"#]],
    );
    clean("CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);");
    check(
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
        expect![[r#"
            2.sql:1:34: warning[index-without-concurrently]: adding a unique constraint to existing table "users" builds its index while holding an ACCESS EXCLUSIVE lock: reads and writes wait until it is built
              = help: CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ADD CONSTRAINT .. UNIQUE USING INDEX"#]],
    );
    clean("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;");
}

#[test]
fn concurrently_in_transaction() {
    check(
        "BEGIN;\nCREATE INDEX CONCURRENTLY users_age ON users (age);\nCOMMIT;",
        expect![[r#"
            2.sql:2:14: warning[concurrently-in-transaction]: CREATE INDEX CONCURRENTLY cannot run inside a transaction block
              = help: move the statement out of BEGIN/COMMIT, into a migration of its own that runs outside a transaction"#]],
    );
    check(
        "ALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX CONCURRENTLY users_age ON users (age);",
        expect![[r#"
            2.sql:2:14: warning[concurrently-in-transaction]: CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and this migration has 2 statements: it runs them one by one outside a transaction, so a failure leaves it half applied
              = help: put the CONCURRENTLY statement alone in a migration of its own, marked to run outside a transaction"#]],
    );
    let mut alone = inline_migration("2", "CREATE INDEX CONCURRENTLY users_age ON users (age);");
    alone.transactional = false;
    let findings = lint(
        &[inline_migration("1", SETUP), alone],
        &LintConfig::default(),
    );
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn constraint_without_not_valid() {
    check(
        "ALTER TABLE users ADD CONSTRAINT users_team FOREIGN KEY (age) REFERENCES teams (id);\nALTER TABLE users ADD CONSTRAINT adult CHECK (age >= 18);",
        expect![[r#"
            2.sql:1:34: warning[constraint-without-not-valid]: adding a foreign key to existing table "users" without NOT VALID checks every row while holding a lock that blocks writes
              = help: add it with NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later migration: validation takes a lock that lets writes through
            2.sql:2:34: warning[constraint-without-not-valid]: adding a check constraint to existing table "users" without NOT VALID checks every row while holding a lock that blocks writes
              = help: add it with NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later migration: validation takes a lock that lets writes through"#]],
    );
    clean("ALTER TABLE users ADD CONSTRAINT adult CHECK (age >= 18) NOT VALID;");
}

#[test]
fn volatile_default() {
    check(
        "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        expect![[r#"
            2.sql:1:49: warning[volatile-default]: adding column "token" to existing table "users" with the volatile default gen_random_uuid() rewrites the whole table while holding an ACCESS EXCLUSIVE lock
              = help: add the column without a default, then SET DEFAULT in another statement (new rows get it), and backfill existing rows in batches"#]],
    );
    // now() is stable: PostgreSQL 11+ stores it once, no rewrite.
    clean("ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();");
}

#[test]
fn enum_label_removed() {
    check(
        "ALTER TYPE mood RENAME VALUE 'meh' TO 'neutral';",
        expect![[r#"
            2.sql:1:30: warning[enum-label-removed]: renaming label "meh" of enum type "mood" to "neutral" breaks running code that still writes "meh"
              = help: add the new label (ALTER TYPE .. ADD VALUE), move rows and code to it, and drop the old one only after no deployed code uses it"#]],
    );
    // Prisma's way of removing a label: recreate the type.
    check(
        "ALTER TYPE mood RENAME TO mood_old;
CREATE TYPE mood AS ENUM ('happy', 'sad');
ALTER TABLE users ALTER COLUMN mood TYPE mood USING (mood::text::mood);
DROP TYPE mood_old;",
        expect![[r#"
            2.sql:2:1: warning[enum-label-removed]: enum type "mood" loses label "meh": rows and running code that still use it fail
              = help: keep the label until no deployed code writes it: move rows to another label in a backfill, ship the code, then recreate the type in a later release
            2.sql:3:32: warning[rewriting-type-change]: changing column "mood" of "users" from public.mood to a new type named public.mood rewrites the table and its indexes while holding an ACCESS EXCLUSIVE lock (reads and writes wait), and running code may not read the new type
              = help: expand: add a column of the new type and write both; backfill it in batches; ship code that reads it; contract: drop the old column"#]],
    );
    clean("ALTER TYPE mood ADD VALUE 'angry';");
}

#[test]
fn mixed_ddl_and_data() {
    check(
        "ALTER TABLE users ADD COLUMN active boolean;\nUPDATE users SET active = true;",
        expect![[r#"
            2.sql:2:1: warning[mixed-ddl-and-data]: this migration changes the schema of existing tables and also changes their rows (UPDATE on "users"): the data change runs inside the schema change's transaction and holds its locks for as long as it takes
              = help: split it: the schema change (expand) in one migration, the backfill in a migration of its own or a batched job, the contract step in a later release"#]],
    );
    // Seeding a table created in the same migration is not a backfill.
    clean("CREATE TABLE roles (name text);\nINSERT INTO roles VALUES ('admin');");
    clean("UPDATE users SET age = 0 WHERE age IS NULL;");
}

#[test]
fn suppression_comment_silences_one_statement() {
    check(
        "-- the column was never read\n-- migrate:lint allow drop-column\nALTER TABLE users DROP COLUMN age;\nALTER TABLE users DROP COLUMN name;",
        expect![[r#"
            2.sql:4:31: warning[drop-column]: dropping column "name" of "users" breaks the running code that still reads or writes it, and its data is gone
              = help: contract last: ship code that no longer uses the column first, then drop it in a later release's migration"#]],
    );
    clean("-- migrate:lint allow all\nDROP TABLE teams;");
}

#[test]
fn configured_levels() {
    let metadata =
        serde_json::json!({ "all": "deny", "drop-column": "warn", "drop-table": "allow" });
    let config = LintConfig::from_table(&metadata, "[package.metadata.migrate.lint]").unwrap();
    expect![[r#"
        2.sql:1:29: error[rename-table]: renaming table "teams" to "t2" breaks the running code that still uses "teams"
          = help: expand: create the new table (or rename and leave a view under the old name), ship code that uses the new name; contract: drop the old name in a later release
        2.sql:2:31: warning[drop-column]: dropping column "age" of "users" breaks the running code that still reads or writes it, and its data is gone
          = help: contract last: ship code that no longer uses the column first, then drop it in a later release's migration"#]]
    .assert_eq(&render(
        "ALTER TABLE teams RENAME TO t2;\nALTER TABLE users DROP COLUMN age;\nDROP TABLE t2;",
        &config,
    ));
    assert_eq!(config.level("drop-table"), Level::Allow);
    let denied = LintConfig::default().deny_all();
    assert_eq!(denied.level("drop-column"), Level::Deny);

    // `since`: the migrations up to it are applied everywhere.
    let since = LintConfig::from_table(&serde_json::json!({ "since": "2" }), "x").unwrap();
    let settled = vec![
        inline_migration("1", SETUP),
        inline_migration("2", "DROP TABLE teams;"),
        inline_migration("3", "ALTER TABLE users DROP COLUMN age;"),
    ];
    let versions: Vec<String> = lint(&settled, &since)
        .into_iter()
        .map(|finding| format!("{} {}", finding.version, finding.rule))
        .collect();
    assert_eq!(versions, ["3 drop-column"]);

    let typo = serde_json::json!({ "drop-colum": "deny" });
    expect![["unknown lint rule `drop-colum` in [package.metadata.migrate.lint]: did you mean `drop-column`?"]]
        .assert_eq(
            &LintConfig::from_table(&typo, "[package.metadata.migrate.lint]")
                .unwrap_err()
                .to_string(),
        );
    let bad_level = serde_json::json!({ "drop-column": "forbid" });
    expect![["[package.metadata.migrate.lint]: `drop-column`: unknown lint level `forbid`: expected allow, warn or deny"]]
        .assert_eq(
            &LintConfig::from_table(&bad_level, "[package.metadata.migrate.lint]")
                .unwrap_err()
                .to_string(),
        );
}

/// A query and the (table, column) pairs it uses.
type Query<'a> = (&'a str, &'a [(&'a str, Option<&'a str>)]);

fn uses(last_migration: Option<&str>, queries: &[Query]) -> UsesFile {
    UsesFile {
        format: 1,
        package: Some("app".to_owned()),
        last_migration: last_migration.map(str::to_owned),
        queries: queries
            .iter()
            .map(|(sql, used)| QueryUses {
                sql: (*sql).to_owned(),
                location: Some("src/users.rs:12".to_owned()),
                uses: used
                    .iter()
                    .map(|(table, column)| TableColumn {
                        schema: "public".to_owned(),
                        table: (*table).to_owned(),
                        column: column.map(str::to_owned),
                    })
                    .collect(),
            })
            .collect(),
    }
}

#[test]
fn rolling_deploy_flags_contract_before_code() {
    let migrations = vec![
        inline_migration("1", SETUP),
        inline_migration("2", "ALTER TABLE users RENAME COLUMN name TO full_name;"),
        inline_migration("3", "ALTER TABLE users DROP COLUMN age;\nDROP TABLE teams;"),
    ];
    let previous = uses(
        Some("1"),
        &[
            (
                "SELECT name, age FROM users WHERE id = $1",
                &[
                    ("users", None),
                    ("users", Some("name")),
                    ("users", Some("age")),
                    ("users", Some("id")),
                ],
            ),
            (
                "SELECT id FROM teams",
                &[("teams", None), ("teams", Some("id"))],
            ),
        ],
    );
    let findings = rolling_deploy(
        &migrations,
        &previous,
        "the previous release",
        &LintConfig::default(),
    );
    let rendered: Vec<String> = findings
        .iter()
        .map(|finding| {
            let source = &migrations
                .iter()
                .find(|m| m.version == finding.version)
                .unwrap()
                .up;
            finding.render_line(source, &format!("{}.sql", finding.version))
        })
        .collect();
    expect![[r#"
        2.sql:1:1: error[used-by-code]: column "name" of "users" is dropped or renamed while a query of the previous release still uses it: `SELECT name, age FROM users WHERE id = $1` (src/users.rs:12)
          = help: ship the code that stops using it first; drop or rename it in a migration of a later release (expand, migrate, contract)
        3.sql:2:1: error[used-by-code]: table "teams" is dropped or renamed while a query of the previous release still uses it: `SELECT id FROM teams` (src/users.rs:12)
          = help: ship the code that stops using it first; drop or rename it in a migration of a later release (expand, migrate, contract)
        3.sql:1:1: error[used-by-code]: column "age" of "users" is dropped or renamed while a query of the previous release still uses it: `SELECT name, age FROM users WHERE id = $1` (src/users.rs:12)
          = help: ship the code that stops using it first; drop or rename it in a migration of a later release (expand, migrate, contract)"#]]
    .assert_eq(&rendered.join("\n"));

    // Built with every migration: nothing after it to check.
    let current = uses(
        Some("3"),
        &[(
            "SELECT full_name FROM users",
            &[("users", Some("full_name"))],
        )],
    );
    assert!(
        rolling_deploy(
            &migrations,
            &current,
            "the current code",
            &LintConfig::default()
        )
        .is_empty()
    );
    // A query that does not use what is removed.
    let unrelated = uses(
        None,
        &[("SELECT email FROM users", &[("users", Some("email"))])],
    );
    assert!(
        rolling_deploy(
            &migrations,
            &unrelated,
            "the current code",
            &LintConfig::default()
        )
        .is_empty()
    );
}

#[test]
fn uses_files_round_trip_through_a_directory() {
    let dir = std::env::temp_dir().join(format!("migrate-lint-uses-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let schema = migrate_build::fold::fold_sql(SETUP).schema;
    for sql in [
        "SELECT email FROM users WHERE id = $1",
        "SELECT id FROM teams",
    ] {
        let described = migrate_build::analyze::describe(&schema, sql).unwrap();
        migrate_build::lint::record_query_uses(&dir, sql, None, &described.uses).unwrap();
    }
    let read = migrate_build::lint::read_uses(&dir).unwrap();
    let used: Vec<String> = read
        .queries
        .iter()
        .flat_map(|query| query.uses.iter())
        .map(|u| format!("{}.{}", u.table, u.column.as_deref().unwrap_or("*")))
        .collect();
    expect![[r#"["users.*", "users.email", "users.id", "teams.*", "teams.id"]"#]]
        .assert_eq(&format!("{used:?}"));
    std::fs::remove_dir_all(&dir).unwrap();
}
