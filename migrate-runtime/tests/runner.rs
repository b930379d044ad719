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

/// The migrations of a directory holding `files` (path, text), found as
/// the build helper and the CLI find them, leaked as the runtime wants.
fn discovered(files: &[(&str, &str)]) -> &'static migrate_runtime::Migrations {
    static N_DIRS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "migrate_runtime_discovered_{}_{}",
        std::process::id(),
        N_DIRS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let found = migrate_build::discover::discover(&dir, None).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    Box::leak(Box::new(migrate_runtime::Migrations::leak(
        &found.migrations,
        "{}",
    )))
}

#[test]
fn a_migration_with_its_own_begin_commit_is_applied_and_recorded() {
    // Five Prisma migrations of the corpus carry their own BEGIN/COMMIT:
    // discovery blanks them out, so the runner's transaction holds the
    // migration and its history row (see the next test).
    let db = TestDatabase::new("rt_own_tx");
    let mut client = db.client();
    let own =
        "-- Prisma sends the file as one query\nBEGIN;\nCREATE TABLE own (id int);\nCOMMIT;\n";
    let set = discovered(&[
        ("20240101000000_own/migration.sql", own),
        (
            "20240102000000_after/migration.sql",
            "CREATE TABLE after_own (id int);",
        ),
    ]);
    assert!(set.iter().all(|migration| migration.transactional));
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(
        history(&mut client),
        [
            ("20240101000000_own".to_owned(), true),
            ("20240102000000_after".to_owned(), true)
        ]
    );
    assert_eq!(
        tables(&mut client),
        ["_migrate_history", "after_own", "own"]
    );
    // Recorded with the file's checksum, as `migrate status` computes it.
    let (checksum, transactional): (String, bool) = client
        .query_one(
            "SELECT checksum, transactional FROM public._migrate_history WHERE version = '20240101000000_own'",
            &[],
        )
        .map(|row| (row.get(0), row.get(1)))
        .unwrap();
    assert_eq!(checksum, migrate_core::checksum(own));
    assert!(transactional);
    assert_eq!(advisory_holders(&mut client), 0);
}

#[test]
fn a_migration_with_its_own_begin_commit_is_atomic_with_its_history_row() {
    let db = TestDatabase::new("rt_own_tx_atomic");
    let mut client = db.client();
    let set = discovered(&[
        (
            "20240101000000_first/migration.sql",
            "CREATE TABLE first (id int);",
        ),
        (
            "20240102000000_own/migration.sql",
            "UPDATE first SET id = 0;\nBEGIN;\nCREATE TABLE own (id int);\nINSERT INTO own VALUES (1);\nINSERT INTO nope VALUES (1);\nCOMMIT;\n",
        ),
    ]);
    let error = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    let Error::MigrationFailed(failed) = &error else {
        panic!("{error}");
    };
    assert_eq!(failed.version, "20240102000000_own");
    assert!(failed.transactional);
    // The failing statement's place in the file.
    assert_eq!(failed.line_column, Some((5, 13)), "{error}");
    // Nothing of it is left, and no history row.
    assert_eq!(tables(&mut client), ["_migrate_history", "first"]);
    assert_eq!(
        history(&mut client),
        [("20240101000000_first".to_owned(), true)]
    );
    assert_eq!(advisory_holders(&mut client), 0);
}

/// Tables of `schema`, sorted.
fn tables_in(client: &mut postgres::Client, schema: &str) -> Vec<String> {
    client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY 1",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

#[test]
fn a_migration_that_sets_the_search_path_does_not_move_the_next_one() {
    let db = TestDatabase::new("rt_search_path");
    let mut client = db.client();
    let before: String = client.query_one("SHOW search_path", &[]).unwrap().get(0);
    let set = migrations(&[
        tx(
            "1",
            "CREATE SCHEMA elsewhere;\nSET search_path = elsewhere;\nCREATE TABLE moved (id int);",
        ),
        tx("2", "CREATE TABLE stays (id int);"),
        no_tx(
            "3",
            &[
                "SET search_path = elsewhere",
                "CREATE TABLE moved_too (id int)",
            ],
        ),
        no_tx("4", &["CREATE TABLE stays_too (id int)"]),
    ]);
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 4);
    assert_eq!(
        tables_in(&mut client, "public"),
        ["_migrate_history", "stays", "stays_too"]
    );
    assert_eq!(tables_in(&mut client, "elsewhere"), ["moved", "moved_too"]);
    let after: String = client.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(after, before, "the session gets its search_path back");
}

#[test]
fn migrations_start_with_the_search_path_the_session_had() {
    let db = TestDatabase::new("rt_search_path_session");
    let mut client = db.client();
    client
        .batch_execute("CREATE SCHEMA app; SET search_path = app")
        .unwrap();
    let set = migrations(&[
        tx(
            "1",
            "CREATE TABLE first (id int);\nSET search_path = public;",
        ),
        tx("2", "CREATE TABLE second (id int);"),
    ]);
    set.runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(tables_in(&mut client, "app"), ["first", "second"]);
    let after: String = client.query_one("SHOW search_path", &[]).unwrap().get(0);
    assert_eq!(after, "app");
}

#[test]
fn progress_is_reported_under_one_lock() {
    use std::sync::Mutex;

    let db = TestDatabase::new("rt_progress");
    let mut client = db.client();
    let set = migrations(&numbered(3));
    set.runner()
        .target("0001")
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    let events = Mutex::new(Vec::new());
    let watcher_url = db.url.clone();
    let record = |event: migrate_runtime::Progress<'_>| {
        // Each event comes while this run holds the lock.
        let mut watcher = postgres::Client::connect(&watcher_url, postgres::NoTls).unwrap();
        let held = advisory_holders(&mut watcher);
        let line = match event {
            migrate_runtime::Progress::Planned {
                pending,
                already_applied,
                ..
            } => format!("planned {pending} ({already_applied} applied) lock {held}"),
            migrate_runtime::Progress::Applying {
                index,
                pending,
                migration,
            } => format!(
                "applying {}/{pending} {} lock {held}",
                index + 1,
                migration.version
            ),
            migrate_runtime::Progress::Applied {
                index,
                pending,
                applied,
            } => format!(
                "applied {}/{pending} {} lock {held}",
                index + 1,
                applied.version
            ),
            _ => "other".to_owned(),
        };
        events.lock().unwrap().push(line);
    };
    let report = set
        .runner()
        .on_progress(&record)
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(
        *events.lock().unwrap(),
        [
            "planned 2 (1 applied) lock 1",
            "applying 1/2 0002 lock 1",
            "applied 1/2 0002 lock 1",
            "applying 2/2 0003 lock 1",
            "applied 2/2 0003 lock 1",
        ]
    );
    assert_eq!(advisory_holders(&mut client), 0);
}

/// The file position a run's failure names.
fn failed_at(set: &migrate_runtime::Migrations) -> (String, Option<(usize, usize)>) {
    let db = TestDatabase::new("rt_positions");
    let mut client = db.client();
    let error = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    let Error::MigrationFailed(failed) = &error else {
        panic!("{error}");
    };
    assert!(
        error.to_string().contains(&match failed.line_column {
            Some((line, column)) => format!("at {}:{line}:{column}", failed.path),
            None => failed.path.clone(),
        }),
        "{error}"
    );
    (failed.path.clone(), failed.line_column)
}

#[test]
fn errors_in_sectioned_files_name_the_line_of_the_file() {
    // goose: the failing statement a few lines below `-- +goose Up`.
    let goose = discovered(&[(
        "1_init.sql",
        "-- +goose Up\n-- the table\nCREATE TABLE t (id int);\n\nINSERT INTO nope VALUES (1);\n\n-- +goose Down\nDROP TABLE t;\n",
    )]);
    assert_eq!(failed_at(goose), ("1_init.sql".to_owned(), Some((5, 13))));

    // goose, outside a transaction: statement by statement.
    let goose_no_tx = discovered(&[(
        "1_init.sql",
        "-- +goose NO TRANSACTION\n\n-- +goose Up\nCREATE TABLE t (id int);\nSELECT * FROM nope;\n",
    )]);
    assert!(!goose_no_tx.as_slice()[0].transactional);
    assert_eq!(
        failed_at(goose_no_tx),
        ("1_init.sql".to_owned(), Some((5, 15)))
    );

    // dbmate, its down section after the up one.
    let dbmate = discovered(&[(
        "20240101000000_init.sql",
        "-- migrate:up\n\nCREATE TABLE d (id int);\nINSERT INTO nope VALUES (1);\n\n-- migrate:down\nDROP TABLE d;\n",
    )]);
    assert_eq!(
        failed_at(dbmate),
        ("20240101000000_init.sql".to_owned(), Some((4, 13)))
    );
}

#[test]
fn a_history_table_of_another_shape_is_named_and_the_lock_released() {
    let db = TestDatabase::new("rt_other_history");
    let mut client = db.client();
    client
        .batch_execute("CREATE TABLE public._migrate_history (version text PRIMARY KEY)")
        .unwrap();
    let error = migrations(&numbered(1))
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    let Error::HistoryTable { table, message } = &error else {
        panic!("{error}");
    };
    assert_eq!(table, "\"public\".\"_migrate_history\"");
    assert!(message.contains("does not exist"), "{message}");
    assert_eq!(advisory_holders(&mut client), 0);
}

#[test]
fn drift_is_checked_in_the_round_trip_that_releases_the_lock() {
    let db = TestDatabase::new("rt_drift_release");
    let mut client = db.client();
    let found = discovered(&[(
        "1_things.sql",
        "CREATE TABLE things (id bigint PRIMARY KEY, name text NOT NULL);",
    )]);
    let specs: Vec<migrate_core::Migration> = found
        .iter()
        .map(|migration| migrate_core::Migration {
            version: migration.version.to_owned(),
            name: migration.name.to_owned(),
            path: migration.path.to_owned(),
            up: migration.sql.to_owned(),
            up_offset: 0,
            lines_before_up: 0,
            down: None,
            transactional: migration.transactional,
            statements: Vec::new(),
            checksum: migration.checksum.to_owned(),
        })
        .collect();
    let snapshot = serde_json::to_string(&migrate_build::fold::fold(&specs).schema).unwrap();
    let set: &'static migrate_runtime::Migrations = Box::leak(Box::new(
        migrate_runtime::Migrations::leak(&specs, &snapshot),
    ));

    let report = set
        .runner()
        .drift(DriftPolicy::Fail)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 1);
    assert!(report.drift_checked);
    assert!(report.drift.is_empty(), "{:?}", report.drift);

    client
        .batch_execute("ALTER TABLE things ADD COLUMN extra int")
        .unwrap();
    let warned = set.runner().run(&mut client).unwrap();
    assert!(warned.drift_checked);
    assert_eq!(warned.drift.len(), 1, "{:?}", warned.drift);
    let error = set
        .runner()
        .drift(DriftPolicy::Fail)
        .run(&mut client)
        .unwrap_err();
    assert!(matches!(error, Error::Drift { .. }), "{error}");
    assert!(error.to_string().contains("extra"), "{error}");
    assert_eq!(advisory_holders(&mut client), 0);
}
