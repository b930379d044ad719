//! The runner's semantics against a real PostgreSQL: history, atomicity,
//! refusals (edited, missing, out-of-order), non-transactional migrations.

mod common;

use common::{advisory_holders, history, migrations, no_tx, numbered, tables, tx};
use expect_test::expect;
use migrate_runtime::{DriftPolicy, Error};
use migrate_test_support::TestDatabase;

#[test]
fn applies_once_and_records_history() {
    let db = TestDatabase::new("rt_basic");
    let mut client = db.client();
    let set = migrations(&numbered(3));

    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    let applied: Vec<&str> = report.applied.iter().map(|a| a.version.as_str()).collect();
    assert_eq!(applied, ["0001", "0002", "0003"]);
    assert_eq!(report.already_applied, 0);
    assert!(!report.dry_run);

    let again = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert!(again.applied.is_empty());
    assert_eq!(again.already_applied, 3);

    let rows = client
        .query(
            "SELECT version, name, checksum, transactional, success, finished_at >= started_at, \
             execution_ms >= 0, applied_by, failed_statement, error \
             FROM public._migrate_history ORDER BY installed_rank",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), 3);
    for (row, migration) in rows.iter().zip(set.iter()) {
        assert_eq!(row.get::<_, String>(0), migration.version);
        assert_eq!(row.get::<_, String>(1), migration.name);
        assert_eq!(row.get::<_, String>(2), migration.checksum);
        assert!(row.get::<_, bool>(3));
        assert!(row.get::<_, bool>(4));
        assert!(row.get::<_, bool>(5));
        assert!(row.get::<_, bool>(6));
        assert_eq!(row.get::<_, String>(7), "runtime-tests 0.0.0");
        assert_eq!(row.get::<_, Option<i32>>(8), None);
        assert_eq!(row.get::<_, Option<String>>(9), None);
    }
    let log: Vec<i32> = client
        .query("SELECT version FROM applied_log ORDER BY version", &[])
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(log, [1, 2, 3]);
    assert_eq!(advisory_holders(&mut client), 0, "the lock is released");
}

#[test]
fn history_table_is_schema_qualified_whatever_the_search_path() {
    let db = TestDatabase::new("rt_qualified");
    let mut client = db.client();
    client
        .batch_execute("CREATE SCHEMA app; SET search_path = app")
        .unwrap();
    let set = migrations(&[tx("1", "CREATE TABLE things (id int);")]);
    let report = set
        .runner()
        .history_table("Ops Schema", "migration \"history\"")
        .applied_by("svc 1.2.3")
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 1);
    let row = client
        .query_one(
            "SELECT version, applied_by FROM \"Ops Schema\".\"migration \"\"history\"\"\"",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "1");
    assert_eq!(row.get::<_, String>(1), "svc 1.2.3");
    // The migration itself ran with the session's search_path.
    let n: i64 = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'things'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // The default table was not created.
    assert!(!tables(&mut client).contains(&"_migrate_history".to_owned()));
}

#[test]
fn dry_run_and_target() {
    let db = TestDatabase::new("rt_dry");
    let mut client = db.client();
    let set = migrations(&numbered(4));

    let dry = set
        .runner()
        .dry_run(true)
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.applied.len(), 4);
    assert!(tables(&mut client).is_empty(), "a dry run changes nothing");

    let report = set
        .runner()
        .target("0002")
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(
        history(&mut client),
        [("0001".to_owned(), true), ("0002".to_owned(), true)]
    );

    let dry = set
        .runner()
        .dry_run(true)
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    let pending: Vec<&str> = dry.applied.iter().map(|a| a.version.as_str()).collect();
    assert_eq!(pending, ["0003", "0004"]);
    assert_eq!(dry.already_applied, 2);

    let unknown = set.runner().target("9999").run(&mut client).unwrap_err();
    expect![[r#"target version 9999 is not one of the embedded migrations"#]]
        .assert_eq(&unknown.to_string());
}

#[test]
fn failing_migration_rolls_back_whole_and_names_the_place() {
    let db = TestDatabase::new("rt_fail");
    let mut client = db.client();
    let set = migrations(&[
        tx("1", "CREATE TABLE a (id int);"),
        tx(
            "2",
            "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nSELECT nope FROM b;\n",
        ),
        tx("3", "CREATE TABLE c (id int);"),
    ]);
    let error = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    expect![[r#"migration 2 failed at 2_m2.sql:3:8: column "nope" does not exist; it was rolled back and nothing of it was applied"#]]
        .assert_eq(&error.to_string());
    assert!(matches!(error, Error::MigrationFailed(_)));
    assert_eq!(tables(&mut client), ["_migrate_history", "a"]);
    assert_eq!(history(&mut client), [("1".to_owned(), true)]);
    assert_eq!(
        advisory_holders(&mut client),
        0,
        "the lock is released on error"
    );
    // The client is usable and not inside a transaction.
    client
        .batch_execute("CREATE TABLE after_error (id int)")
        .unwrap();
    let mut other = db.client();
    assert!(tables(&mut other).contains(&"after_error".to_owned()));
}

#[test]
fn edited_migration_is_refused_but_crlf_and_bom_are_not_edits() {
    let db = TestDatabase::new("rt_edited");
    let mut client = db.client();
    let original = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n";
    migrations(&[tx("1", original)])
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();

    let crlf = "\u{feff}CREATE TABLE a (id int);\r\nCREATE TABLE b (id int);\r\n";
    let report = migrations(&[tx("1", crlf), tx("2", "CREATE TABLE c (id int);\r\n")])
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.already_applied, 1);
    assert_eq!(report.applied.len(), 1);

    let edited = "CREATE TABLE a (id bigint);\nCREATE TABLE b (id int);\n";
    let error = migrations(&[tx("1", edited), tx("2", "CREATE TABLE c (id int);\n")])
        .runner()
        .run(&mut client)
        .unwrap_err();
    expect!["migration 1 (1_m1.sql) was edited after it was applied: the database recorded checksum f51e147a7aabc5ee1445b4d7c5a483288af01df5225d986b3e2c3b39246102fe, the file now has 1f840cbc83707fbe178d1794f802a294a3a92dc4f3b6b7622371489a0fec53fa; restore the file as it was applied, or add a new migration for the change"]
        .assert_eq(&error.to_string());
}

#[test]
fn missing_migration_is_refused_unless_allowed() {
    let db = TestDatabase::new("rt_missing");
    let mut client = db.client();
    migrations(&numbered(3))
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    let older_binary = migrations(&numbered(2));
    let error = older_binary.runner().run(&mut client).unwrap_err();
    expect![[r#"the database has applied 1 migration that this binary does not carry: 0003 (m0003); run a binary built with them, or allow missing migrations (Runner::allow_missing)"#]]
        .assert_eq(&error.to_string());
    let report = older_binary
        .runner()
        .allow_missing(true)
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.already_applied, 2);
    assert_eq!(report.missing, ["0003 (m0003)"]);
}

#[test]
fn out_of_order_migration_is_refused_unless_allowed() {
    let db = TestDatabase::new("rt_order");
    let mut client = db.client();
    migrations(&[
        tx("1", "CREATE TABLE a (id int);"),
        tx("3", "CREATE TABLE c (id int);"),
    ])
    .runner()
    .drift(DriftPolicy::Off)
    .run(&mut client)
    .unwrap();
    let merged = migrations(&[
        tx("1", "CREATE TABLE a (id int);"),
        tx("2", "CREATE TABLE b (id int);"),
        tx("3", "CREATE TABLE c (id int);"),
        tx("4", "CREATE TABLE d (id int);"),
    ]);
    let error = merged.runner().run(&mut client).unwrap_err();
    expect![[r#"1 pending migration is older than the newest applied migration 3 (3_m3.sql): 2 (2_m2.sql); rename it to sort after it, or allow out-of-order migrations (Runner::allow_out_of_order)"#]]
        .assert_eq(&error.to_string());
    assert_eq!(
        tables(&mut client),
        ["_migrate_history", "a", "c"],
        "nothing applied"
    );

    let report = merged
        .runner()
        .allow_out_of_order(true)
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    let applied: Vec<&str> = report.applied.iter().map(|a| a.version.as_str()).collect();
    assert_eq!(applied, ["2", "4"]);
}

#[test]
fn failing_non_transactional_migration_and_its_recovery() {
    let db = TestDatabase::new("rt_notx");
    let mut client = db.client();
    let specs = vec![
        tx(
            "1",
            "CREATE TABLE users (id int, email text);\nINSERT INTO users VALUES (1, 'a'), (2, 'a');\n",
        ),
        no_tx(
            "2",
            &[
                "CREATE INDEX CONCURRENTLY users_id ON users (id)",
                "CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email)",
                "CREATE INDEX CONCURRENTLY users_id_email ON users (id, email)",
            ],
        ),
        tx("3", "CREATE TABLE later (id int);"),
    ];
    let set = migrations(&specs);
    let error = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    expect![[r#"non-transactional migration 2 failed at 2_m2.sql:2:1, statement 2 of 3: could not create unique index "users_email" (detail: Key (email)=(a) is duplicated.); the statements before it stay applied and the migration is recorded as failed: repair the database, then run `migrate resolve --applied 2` or `migrate resolve --rolled-back 2`; the failed CREATE INDEX CONCURRENTLY left users_email INVALID (PostgreSQL keeps maintaining it but never uses it): drop it before retrying: DROP INDEX CONCURRENTLY users_email;"#]]
        .assert_eq(&error.to_string());
    let row = client
        .query_one(
            "SELECT success, statements_done, failed_statement, error FROM public._migrate_history WHERE version = '2'",
            &[],
        )
        .unwrap();
    assert!(!row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i32>(1), 1);
    assert_eq!(row.get::<_, i32>(2), 2);
    assert!(row.get::<_, String>(3).contains("users_email"));
    assert_eq!(advisory_holders(&mut client), 0);

    // The next boot refuses, naming the migration and the way out.
    let error = set.runner().run(&mut client).unwrap_err();
    expect![[r#"non-transactional migration 2 (2_m2.sql) failed at statement 2 of 3 on an earlier run (could not create unique index "users_email"); the statements before it stay applied and the database may hold part of it: repair the database by hand, then run `migrate resolve --applied 2` if the migration's effect is now complete, or `migrate resolve --rolled-back 2` to run it again on the next boot; the failed CREATE INDEX CONCURRENTLY left users_email INVALID (PostgreSQL keeps maintaining it but never uses it): drop it before retrying: DROP INDEX CONCURRENTLY users_email;"#]]
        .assert_eq(&error.to_string());
    assert!(!tables(&mut client).contains(&"later".to_owned()));

    // Recovery: repair by hand, finish the migration's work, mark it applied.
    client
        .batch_execute("DROP INDEX CONCURRENTLY users_email")
        .unwrap();
    client
        .batch_execute("UPDATE users SET email = 'b' WHERE id = 2")
        .unwrap();
    client
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email)")
        .unwrap();
    client
        .batch_execute("CREATE INDEX CONCURRENTLY users_id_email ON users (id, email)")
        .unwrap();
    set.resolve(&mut client, "2", migrate_runtime::Resolution::Applied)
        .unwrap();
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    let applied: Vec<&str> = report.applied.iter().map(|a| a.version.as_str()).collect();
    assert_eq!(applied, ["3"]);
    assert_eq!(
        history(&mut client),
        [
            ("1".to_owned(), true),
            ("2".to_owned(), true),
            ("3".to_owned(), true)
        ]
    );
}

#[test]
fn rolled_back_non_transactional_migration_runs_again() {
    let db = TestDatabase::new("rt_rolledback");
    let mut client = db.client();
    let specs = vec![
        tx(
            "1",
            "CREATE TABLE users (id int, email text);\nINSERT INTO users VALUES (1, 'a'), (2, 'a');\n",
        ),
        no_tx(
            "2",
            &["CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email)"],
        ),
    ];
    let set = migrations(&specs);
    set.runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    client
        .batch_execute("DROP INDEX CONCURRENTLY users_email")
        .unwrap();
    client
        .batch_execute("UPDATE users SET email = 'b' WHERE id = 2")
        .unwrap();
    set.resolve(&mut client, "2", migrate_runtime::Resolution::RolledBack)
        .unwrap();
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 1);
    let valid: bool = client
        .query_one(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_email'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(valid);
}

#[test]
fn non_transactional_statements_run_outside_a_transaction() {
    let db = TestDatabase::new("rt_notx_ok");
    let mut client = db.client();
    let set = migrations(&[
        tx("1", "CREATE TABLE t (id int);"),
        no_tx(
            "2",
            &[
                "CREATE INDEX CONCURRENTLY t_id ON t (id)",
                "VACUUM t",
                "DROP INDEX CONCURRENTLY t_id",
                "CREATE INDEX CONCURRENTLY t_id2 ON t (id)",
            ],
        ),
    ]);
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    let row = client
        .query_one(
            "SELECT success, statements_done, transactional, execution_ms >= 0 FROM public._migrate_history WHERE version = '2'",
            &[],
        )
        .unwrap();
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i32>(1), 4);
    assert!(!row.get::<_, bool>(2));
    assert!(row.get::<_, bool>(3));
}

#[test]
fn foreign_history_table_is_reported() {
    let db = TestDatabase::new("rt_foreign");
    let mut client = db.client();
    client
        .batch_execute("CREATE TABLE public._migrate_history (id int)")
        .unwrap();
    let error = migrations(&numbered(1))
        .runner()
        .run(&mut client)
        .unwrap_err();
    expect![[r#"the history table "public"."_migrate_history" is not a migrate history table: column "version" does not exist"#]]
        .assert_eq(&error.to_string());
    assert_eq!(advisory_holders(&mut client), 0);
}

#[test]
fn a_session_that_already_holds_the_lock_is_refused() {
    // What a pooler sharing one server session between two runners looks
    // like from the second one: its try succeeds only because the session
    // holds the lock already.
    let db = TestDatabase::new("rt_shared");
    let mut client = db.client();
    let set = migrations(&numbered(2));
    let key = set.runner().lock_key();
    client
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .unwrap();
    let error = set.runner().run(&mut client).unwrap_err();
    assert!(matches!(error, Error::SharedSession { .. }), "{error}");
    assert!(tables(&mut client).is_empty(), "nothing was applied");
    // The run gave back its own hold only: the first holder still has it.
    let mut other = db.client();
    assert_eq!(advisory_holders(&mut other), 1);
    let released: bool = client
        .query_one("SELECT pg_advisory_unlock($1)", &[&key])
        .unwrap()
        .get(0);
    assert!(released);
    assert_eq!(advisory_holders(&mut other), 0);
}

#[test]
fn a_migration_with_its_own_begin_commit_is_applied_and_recorded() {
    // Five Prisma migrations of the corpus carry their own BEGIN/COMMIT.
    // FIXME: the runner warns but cannot keep such a migration and its
    // history row in one transaction (the file's COMMIT ends it); the build
    // helper could strip or flag them.
    let db = TestDatabase::new("rt_own_tx");
    let mut client = db.client();
    let set = migrations(&[
        tx("1", "BEGIN;\nCREATE TABLE own (id int);\nCOMMIT;\n"),
        tx("2", "CREATE TABLE after_own (id int);"),
    ]);
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(
        history(&mut client),
        [("1".to_owned(), true), ("2".to_owned(), true)]
    );
    assert_eq!(
        tables(&mut client),
        ["_migrate_history", "after_own", "own"]
    );
    assert_eq!(advisory_holders(&mut client), 0);
}
