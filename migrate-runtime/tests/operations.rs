//! A run among a live service's traffic: a migration never queues the
//! service's queries behind it for longer than `lock_timeout`, gives up
//! naming who blocks it, and stops cleanly when interrupted.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{advisory_holders, migrations, no_tx, tx};
use migrate_runtime::{DriftPolicy, Error, Interrupt, Progress};
use migrate_test_support::TestDatabase;

/// Waits until `condition` holds, failing the test (rather than hanging
/// CI) after a minute.
fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let started = Instant::now();
    while !condition() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn has_column(client: &mut postgres::Client, table: &str, column: &str) -> bool {
    client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = $1 AND column_name = $2",
            &[&table, &column],
        )
        .unwrap()
        .get::<_, i64>(0)
        == 1
}

#[test]
fn queries_are_not_queued_behind_a_migration_waiting_for_a_lock() {
    let db = TestDatabase::new("rt_ops_queue");
    let mut admin = db.client();
    admin
        .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
        .unwrap();
    // A long transaction holds a lock on t.
    let mut holder = db.client();
    holder.batch_execute("BEGIN; SELECT * FROM t").unwrap();

    let set = migrations(&[tx("1", "ALTER TABLE t ADD COLUMN note text;")]);
    let retries = Arc::new(AtomicUsize::new(0));
    let migration = {
        let url = db.url.clone();
        let retries = Arc::clone(&retries);
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
            let count = |event: Progress<'_>| {
                if let Progress::LockRetry { .. } = event {
                    retries.fetch_add(1, Ordering::SeqCst);
                }
            };
            set.runner()
                .drift(DriftPolicy::Off)
                .lock_timeout(Some(Duration::from_millis(200)))
                .lock_retries(10_000, Duration::from_millis(50))
                .on_progress(&count)
                .run(&mut client)
        })
    };
    wait_until("the migration to give up waiting once", || {
        retries.load(Ordering::SeqCst) > 0
    });

    // The service's queries on t complete while the holder still holds its
    // lock: at worst they wait one lock_timeout behind the migration. (Were
    // they queued until the holder ends, statement_timeout would fail them.)
    let mut app = db.client();
    app.batch_execute("SET statement_timeout = '20s'").unwrap();
    for _ in 0..5 {
        let n: i64 = app.query_one("SELECT count(*) FROM t", &[]).unwrap().get(0);
        assert!(n >= 1);
        app.execute("INSERT INTO t VALUES (2)", &[]).unwrap();
    }
    holder.batch_execute("SELECT 1").unwrap();
    assert!(!has_column(&mut app, "t", "note"));

    // Once the holder ends, the migration goes through.
    holder.batch_execute("COMMIT").unwrap();
    let report = migration.join().unwrap().unwrap();
    assert_eq!(report.applied.len(), 1);
    assert!(has_column(&mut app, "t", "note"));
}

#[test]
fn retries_that_run_out_name_the_blocking_transaction() {
    let db = TestDatabase::new("rt_ops_blocker");
    let mut admin = db.client();
    admin.batch_execute("CREATE TABLE t (id int)").unwrap();
    let mut holder = db.client();
    let holder_pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    holder
        .batch_execute("SET application_name = 'reporting-job'; BEGIN; SELECT id FROM t")
        .unwrap();
    let retried = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&retried);
    let count = move |event: Progress<'_>| {
        if let Progress::LockRetry { blockers, .. } = event {
            assert_eq!(blockers.first().map(|b| b.pid), Some(holder_pid));
            counted.fetch_add(1, Ordering::SeqCst);
        }
    };
    for set in [
        migrations(&[tx("1", "ALTER TABLE t ADD COLUMN note text;")]),
        migrations(&[no_tx(
            "1",
            &["SELECT 1", "ALTER TABLE t ADD COLUMN note text"],
        )]),
    ] {
        let mut client = db.client();
        let error = set
            .runner()
            .drift(DriftPolicy::Off)
            .lock_timeout(Some(Duration::from_millis(100)))
            .lock_retries(2, Duration::from_millis(10))
            .on_progress(&count)
            .run(&mut client)
            .unwrap_err();
        let Error::LocksNotAvailable(failure) = &error else {
            panic!("not a lock failure: {error}");
        };
        assert_eq!(failure.attempts, 3);
        let message = error.to_string();
        assert!(
            message.starts_with(
                "migration 1 (1_m1.sql) waited lock_timeout (100 ms) for its table locks on each of 3 attempts and was rolled back each time, so that the service's queries did not queue behind it; the table is held by server process pid "
            ),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "pid {holder_pid} (application_name \"reporting-job\", idle in transaction since "
            )),
            "{message}"
        );
        assert!(
            message.contains("BEGIN; SELECT id FROM t; end that"),
            "{message}"
        );
        assert!(
            message.contains(&format!("SELECT pg_terminate_backend({holder_pid})")),
            "{message}"
        );
        assert!(!has_column(&mut admin, "t", "note"));
        assert_eq!(advisory_holders(&mut admin), 0);
        admin
            .batch_execute("DROP TABLE IF EXISTS _migrate_history")
            .unwrap();
    }
    assert_eq!(retried.load(Ordering::SeqCst), 4);
}

#[test]
fn a_migration_sets_its_own_lock_timeout_by_a_directive() {
    let db = TestDatabase::new("rt_ops_directive");
    let mut admin = db.client();
    admin.batch_execute("CREATE TABLE t (id int)").unwrap();
    let mut holder = db.client();
    holder.batch_execute("BEGIN; LOCK TABLE t").unwrap();
    let set = migrations(&[tx(
        "1",
        "-- migrate:lock_timeout 150ms\nALTER TABLE t ADD COLUMN note text;",
    )]);
    let error = set
        .runner()
        .drift(DriftPolicy::Off)
        .lock_timeout(None)
        .lock_retries(0, Duration::ZERO)
        .run(&mut admin)
        .unwrap_err();
    let Error::LocksNotAvailable(failure) = &error else {
        panic!("not a lock failure: {error}");
    };
    assert_eq!(failure.lock_timeout, Some(Duration::from_millis(150)));
    holder.batch_execute("ROLLBACK").unwrap();

    // A directive that cannot be read stops the run before anything applies.
    let set = migrations(&[
        tx("1", "CREATE TABLE a (id int);"),
        tx(
            "2",
            "-- migrate:lock_timeout soon\nCREATE TABLE b (id int);",
        ),
    ]);
    let error = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut admin)
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid runner option: migration 2 (2_m2.sql): `-- migrate:lock_timeout soon`: expected a duration such as 500ms, 5s or 2min, or off"
    );
    let n: i64 = admin
        .query_one("SELECT count(*) FROM pg_class WHERE relname = 'a'", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
}

/// Runs `set` on a thread, interrupts it once `pg_sleep` runs on the
/// server, and returns the run's error.
fn interrupt_during_sleep(db: &TestDatabase, set: &'static migrate_runtime::Migrations) -> Error {
    let mut client = db.client();
    let token = client.cancel_token();
    let interrupt: &'static Interrupt = Box::leak(Box::new(Interrupt::new()));
    let run = std::thread::spawn(move || {
        set.runner()
            .drift(DriftPolicy::Off)
            .interrupt(interrupt)
            .run(&mut client)
    });
    let mut admin = db.client();
    wait_until("pg_sleep to run", || {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get::<_, i64>(0)
            == 1
    });
    assert!(interrupt.interrupt(|| token.cancel_query(postgres::NoTls).unwrap()));
    // A second request does nothing more.
    assert!(!interrupt.interrupt(|| panic!("cancelled twice")));
    run.join().unwrap().unwrap_err()
}

#[test]
fn an_interrupted_run_cancels_the_statement_rolls_back_and_unlocks() {
    let db = TestDatabase::new("rt_ops_interrupt");
    let set = migrations(&[
        tx("1", "CREATE TABLE first (id int);"),
        tx(
            "2",
            "CREATE TABLE second (id int);\nSELECT pg_sleep(600);\nCREATE TABLE never (id int);",
        ),
        tx("3", "CREATE TABLE third (id int);"),
    ]);
    let error = interrupt_during_sleep(&db, set);
    assert_eq!(
        error.to_string(),
        "interrupted while applying migration 2 (2_m2.sql): its statement was cancelled on the server and its transaction rolled back, so nothing of it was applied; the migration lock was released"
    );
    let mut admin = db.client();
    assert_eq!(advisory_holders(&mut admin), 0);
    assert_eq!(
        common::tables(&mut admin),
        ["_migrate_history", "first"],
        "only the first migration was applied"
    );
    assert_eq!(common::history(&mut admin), [("1".to_owned(), true)]);
}

#[test]
fn an_interrupted_non_transactional_migration_is_recorded_at_its_statement() {
    let db = TestDatabase::new("rt_ops_interrupt_notx");
    let set = migrations(&[no_tx(
        "1",
        &[
            "CREATE TABLE first (id int)",
            "SELECT pg_sleep(600)",
            "CREATE TABLE never (id int)",
        ],
    )]);
    let error = interrupt_during_sleep(&db, set);
    assert_eq!(
        error.to_string(),
        "interrupted while applying non-transactional migration 1 (1_m1.sql) at statement 2 of 3: the statements before it stay applied, and it is recorded as failed there; repair the database, then run `migrate resolve --applied 1` or `migrate resolve --rolled-back 1`"
    );
    let mut admin = db.client();
    assert_eq!(advisory_holders(&mut admin), 0);
    let row = admin
        .query_one(
            "SELECT success, statements_done, failed_statement, error FROM _migrate_history WHERE version = '1'",
            &[],
        )
        .unwrap();
    assert!(!row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i32>(1), 1);
    assert_eq!(row.get::<_, i32>(2), 2);
    assert_eq!(
        row.get::<_, String>(3),
        "canceling statement due to user request"
    );
}

#[test]
fn a_waiting_run_says_who_holds_the_lock_and_can_be_interrupted() {
    let db = TestDatabase::new("rt_ops_waiting");
    let set = migrations(&[tx("1", "CREATE TABLE t (id int);")]);
    let mut holder = db.client();
    holder
        .batch_execute("SET application_name = 'other-deploy'")
        .unwrap();
    let key = set.runner().lock_key();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&key])
        .unwrap();
    let holder_pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);

    let interrupt: &'static Interrupt = Box::leak(Box::new(Interrupt::new()));
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let run = {
        let seen = Arc::clone(&seen);
        let mut client = db.client();
        std::thread::spawn(move || {
            let record = move |event: Progress<'_>| {
                if let Progress::Waiting { holder, .. } = event {
                    seen.lock().unwrap().push(holder.map(ToString::to_string));
                }
            };
            set.runner()
                .drift(DriftPolicy::Off)
                .interrupt(interrupt)
                .on_progress(&record)
                .run(&mut client)
        })
    };
    wait_until("the run to report its wait", || {
        !seen.lock().unwrap().is_empty()
    });
    interrupt.interrupt(|| {});
    let error = run.join().unwrap().unwrap_err();
    assert!(matches!(error, Error::Interrupted(_)), "{error}");
    let seen = seen.lock().unwrap();
    let first = seen[0].clone().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "server process pid {holder_pid} (application_name \"other-deploy\", idle since "
        )),
        "{first}"
    );
    let mut admin = db.client();
    assert_eq!(common::tables(&mut admin), Vec::<String>::new());
}
