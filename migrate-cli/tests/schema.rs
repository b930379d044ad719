//! `migrate schema` end to end: the built binary on the shared corpus and on
//! small directories, as a user runs it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use expect_test::expect;
use migrate_test_support::{TempDir, TestDatabase, corpus_dir};

mod common;
use common::{stderr, stdout};

fn migrate(args: &[&str], current_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(args)
        .current_dir(current_dir)
        .output()
        .expect("run the migrate binary")
}

fn check_tsv_equals_corpus(set: &str) {
    let migrations = corpus_dir().join(set).join("migrations");
    let output = migrate(
        &[
            "schema",
            "--migrations",
            migrations.to_str().expect("UTF-8 path"),
            "--format",
            "tsv",
        ],
        &corpus_dir(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let expected =
        fs::read_to_string(corpus_dir().join(set).join("columns.tsv")).expect("columns.tsv");
    let actual = stdout(&output);
    assert_eq!(actual.lines().next(), expected.lines().next(), "header");
    assert_eq!(actual, expected, "{set}: the output is columns.tsv");
    println!(
        "{set}: {} rows equal columns.tsv",
        actual.lines().count() - 1
    );
}

#[test]
fn tsv_of_labrinth_is_its_columns_tsv() {
    check_tsv_equals_corpus("labrinth");
}

#[test]
fn tsv_of_kestra_is_its_columns_tsv() {
    check_tsv_equals_corpus("kestra");
}

#[test]
fn sql_of_labrinth_builds_the_same_columns_in_postgresql() {
    let migrations = corpus_dir().join("labrinth").join("migrations");
    let output = migrate(
        &[
            "schema",
            "--migrations",
            migrations.to_str().expect("UTF-8 path"),
        ],
        &corpus_dir(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let database = TestDatabase::new("cli_schema_sql");
    let mut client = database.client();
    client
        .batch_execute(&stdout(&output))
        .expect("the DDL applies to PostgreSQL");
    let rows = client
        .query(
            "SELECT table_schema::text, table_name::text, column_name::text, data_type::text,
                    udt_name::text, is_nullable::text, coalesce(column_default, '')::text
             FROM information_schema.columns
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
             ORDER BY table_schema COLLATE \"C\", table_name COLLATE \"C\", ordinal_position",
            &[],
        )
        .expect("introspect");
    let introspected: Vec<String> = rows
        .iter()
        .map(|row| {
            (0..7)
                .map(|i| tsv_field(&row.get::<_, String>(i)))
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect();
    let expected =
        fs::read_to_string(corpus_dir().join("labrinth").join("columns.tsv")).expect("columns.tsv");
    let expected: Vec<&str> = expected.lines().skip(1).collect();
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|row| {
            !introspected
                .iter()
                .any(|introspected| introspected == **row)
        })
        .collect();
    let extra: Vec<&String> = introspected
        .iter()
        .filter(|row| !expected.contains(&row.as_str()))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nextra: {extra:#?}"
    );
    assert_eq!(introspected, expected, "same rows, same order");
}

/// A field as `columns.tsv` writes it: in double quotes, inner ones doubled,
/// when it holds a double quote, a tab or a line break.
fn tsv_field(value: &str) -> String {
    if value.contains(['"', '\t', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

#[test]
fn json_is_the_schema_model() {
    let migrations = corpus_dir().join("kestra").join("migrations");
    let output = migrate(
        &[
            "schema",
            "--migrations",
            migrations.to_str().expect("UTF-8 path"),
            "--layout",
            "flyway",
            "--format",
            "json",
        ],
        &corpus_dir(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let schema: migrate_core::Schema = serde_json::from_str(&stdout(&output)).expect("a Schema");
    assert!(
        schema
            .relations
            .keys()
            .any(|name| name.schema == "public" && name.name == "executions"),
        "{:?}",
        schema.relations.keys().collect::<Vec<_>>()
    );
}

#[test]
fn migrations_default_to_the_migrations_directory() {
    let project = TempDir::with(&[(
        "migrations/20240101000000_users.sql",
        "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);",
    )]);
    let output = migrate(&["schema", "--format", "tsv"], project.path());
    assert!(output.status.success(), "{}", stderr(&output));
    expect![[r#"
        table_schema	table_name	column_name	data_type	udt_name	is_nullable	column_default
        public	users	id	bigint	int8	NO	nextval('users_id_seq'::regclass)
        public	users	email	text	text	NO	
    "#]]
    .assert_eq(&stdout(&output));
}

#[test]
fn fold_errors_are_rendered_and_exit_1() {
    let project = TempDir::with(&[
        (
            "migrations/1_users.sql",
            "CREATE TABLE users (id int, email text);\n",
        ),
        (
            "migrations/2_rename.sql",
            "-- fix the name\nALTER TABLE users RENAME COLUMN emial TO mail;\nALTER TABLE accounts ADD COLUMN x int;\n",
        ),
    ]);
    let output = migrate(&["schema"], project.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    // For RENAME COLUMN PostgreSQL names no relation.
    expect![[r#"
        error: column "emial" does not exist
         --> migrations/2_rename.sql:2:33
          |
        2 | ALTER TABLE users RENAME COLUMN emial TO mail;
          |                                 ^^^^^
          = help: did you mean "email"?

        error: relation "accounts" does not exist
         --> migrations/2_rename.sql:3:13
          |
        3 | ALTER TABLE accounts ADD COLUMN x int;
          |             ^^^^^^^^

        error: PostgreSQL would reject the migrations in migrations: 2 errors, listed above
    "#]]
    .assert_eq(&stderr(&output));
}

#[test]
fn typos_are_postgres_syntax_errors_all_at_once() {
    let project = TempDir::with(&[
        (
            "migrations/1_notes.sql",
            "CREATE TABEL notes (\n    id bigserial PRIMARY KEY,\n    body text NOT NUL\n);\n",
        ),
        (
            "migrations/2_tags.sql",
            "CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);\nALTER TABLE tags ADD COLUM color text;\nALTER TABLE notes ADD COLUMN tag_id bigint;\n",
        ),
    ]);
    let output = migrate(&["schema"], project.path());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    // Only the first error of a statement: PostgreSQL stops there. The
    // missing `notes` follows from the first typo and is listed after it.
    expect![[r#"
        error: syntax error at or near "TABEL"
         --> migrations/1_notes.sql:1:8
          |
        1 | CREATE TABEL notes (
          |        ^^^^^
          = help: did you mean "TABLE"?

        error: syntax error at or near "text"
         --> migrations/2_tags.sql:2:34
          |
        2 | ALTER TABLE tags ADD COLUM color text;
          |                                  ^^^^
          = help: did you mean "COLUMN" instead of "COLUM"?

        error: relation "notes" does not exist
         --> migrations/2_tags.sql:3:13
          |
        3 | ALTER TABLE notes ADD COLUMN tag_id bigint;
          |             ^^^^^

        error: PostgreSQL would reject the migrations in migrations: 3 errors, listed above
    "#]]
    .assert_eq(&stderr(&output));
}

#[test]
fn discovery_errors_are_setup_errors_and_exit_2() {
    let project = TempDir::with(&[("README.md", "")]);
    let output = migrate(&["schema", "--migrations", "db/migrations"], project.path());
    assert_eq!(output.status.code(), Some(2));
    expect![[r#"
        error: migrations directory db/migrations does not exist
    "#]]
    .assert_eq(&stderr(&output));
}

#[test]
fn usage_errors_exit_2() {
    let project = TempDir::with(&[("migrations/1_a.sql", "SELECT 1;")]);
    let output = migrate(&["schema", "--layout", "liquibase"], project.path());
    assert_eq!(output.status.code(), Some(2));
    expect![[r#"
        error: invalid value 'liquibase' for '--layout <LAYOUT>': unknown migrations layout `liquibase`: expected one of sqlx, refinery, flyway, diesel, prisma, goose, dbmate

        For more information, try '--help'.
    "#]]
    .assert_eq(&stderr(&output));
    let output = migrate(&["schema", "--format", "yaml"], project.path());
    assert_eq!(output.status.code(), Some(2));
    let output = migrate(&["frobnicate"], project.path());
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn bookkeeping_tables_are_left_out_and_assumed_objects_shown_as_assumed() {
    // A project whose migrations copy sqlx's table and reference a table of
    // a service beside it, stated in the assumed-objects file its
    // Cargo.toml names.
    let project = TempDir::with(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.migrate]\nassumed = \"db/assumed.sql\"\n",
        ),
        ("src/lib.rs", ""),
        (
            "db/assumed.sql",
            "-- Supabase's auth schema, owned by Supabase.\n\
             CREATE SCHEMA auth;\n\
             CREATE TABLE auth.users (id uuid PRIMARY KEY);\n",
        ),
        (
            "migrations/1_profiles.sql",
            "CREATE TABLE profiles (id uuid PRIMARY KEY REFERENCES auth.users (id));\n\
             CREATE TABLE history (LIKE _sqlx_migrations INCLUDING ALL);\n",
        ),
    ]);
    let output = migrate(&["schema"], project.path());
    assert!(output.status.success(), "{}", stderr(&output));
    expect![[r#"
        -- tables
        CREATE TABLE public.history (
            version bigint NOT NULL,
            description text NOT NULL,
            installed_on timestamp with time zone DEFAULT now() NOT NULL,
            success boolean NOT NULL,
            checksum bytea NOT NULL,
            execution_time bigint NOT NULL,
            CONSTRAINT history_pkey PRIMARY KEY (version)
        );
        CREATE TABLE public.profiles (
            id uuid NOT NULL,
            CONSTRAINT profiles_pkey PRIMARY KEY (id)
        );

        -- foreign keys
        ALTER TABLE public.profiles ADD CONSTRAINT profiles_id_fkey FOREIGN KEY (id) REFERENCES auth.users(id);

        -- Assumed to exist before migration 1 (db/assumed.sql); the migrations never create them:
        --   schema auth
        --   relation auth.users
        --   index auth.users_pkey
    "#]]
    .assert_eq(&stdout(&output));
    // Without the file, the build fails as PostgreSQL would.
    let bare = migrate(
        &["schema", "--migrations", "migrations", "--layout", "sqlx"],
        project.path(),
    );
    assert_eq!(bare.status.code(), Some(1), "{}", stdout(&bare));
    assert!(stderr(&bare).contains("auth.users"), "{}", stderr(&bare));
    // With --tool migrate, sqlx's table is not assumed.
    let no_sqlx = migrate(&["schema", "--tool", "migrate"], project.path());
    assert_eq!(no_sqlx.status.code(), Some(1));
    assert!(
        stderr(&no_sqlx).contains("relation \"_sqlx_migrations\" does not exist"),
        "{}",
        stderr(&no_sqlx)
    );
}
