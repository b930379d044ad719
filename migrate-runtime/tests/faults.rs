//! Runners that die: killed with SIGKILL mid-apply, their backend
//! terminated, a lock held too long.

mod common;

use std::io::{BufRead, BufReader};
use std::time::Duration;

use common::{
    advisory_holders, assert_schema_matches_history, history, migrations, numbered, reset,
    slow_set, spawn_child, tables, tx, wait_for_no_lock,
};
use migrate_runtime::{DriftPolicy, Error};
use migrate_test_support::TestDatabase;

/// Entry point of the child runner processes (run by the tests themselves).
#[test]
#[ignore = "entry point of child runner processes, started by the tests"]
fn child_runner() {
    common::child_main();
}

/// Panics once `started` is a minute old, so that a broken run fails
/// instead of hanging CI.
fn check_deadline(started: std::time::Instant, what: &str) {
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "timed out waiting for {what}"
    );
}

/// Waits for the child to say it is connected, so that the kill lands in
/// the run rather than in process start-up.
fn wait_connected(child: &mut std::process::Child) -> BufReader<std::process::ChildStdout> {
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        let n = stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "the child runner ended before connecting");
        if line.trim_end().ends_with("CONNECTED") {
            return stdout;
        }
    }
}

#[test]
fn sigkill_at_random_moments_never_leaves_history_and_schema_apart() {
    const ROUNDS: u64 = 100;
    let db = TestDatabase::new("rt_sigkill");
    let mut admin = db.client();
    let n = slow_set().len();
    let set = migrations(&slow_set());
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut killed_midway = 0;
    for round in 0..ROUNDS {
        reset(&mut admin);
        let mut child = spawn_child("child_runner", "slow", &db.url);
        let _stdout = wait_connected(&mut child);
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = Duration::from_micros(seed % 120_000);
        std::thread::sleep(delay);
        // SIGKILL: no destructor, no unlock, the socket just closes.
        child.kill().unwrap();
        child.wait().unwrap();

        wait_for_no_lock(&mut admin);
        let applied = assert_schema_matches_history(&mut admin, n);
        if applied > 0 && applied < n {
            killed_midway += 1;
        }

        // The next boot finishes the job.
        let report = set
            .runner()
            .drift(DriftPolicy::Off)
            .run(&mut admin)
            .unwrap_or_else(|error| panic!("round {round}: the next boot failed: {error}"));
        assert_eq!(report.already_applied, applied, "round {round}");
        assert_eq!(report.applied.len(), n - applied, "round {round}");
        assert_eq!(assert_schema_matches_history(&mut admin, n), n);
    }
    eprintln!("{killed_midway} of {ROUNDS} kills landed between the first and the last migration");
    assert!(
        killed_midway > 0,
        "no kill landed during the apply: the test proves nothing"
    );
}

#[test]
fn sigkill_during_a_non_transactional_migration_is_recorded_as_interrupted() {
    let db = TestDatabase::new("rt_sigkill_notx");
    let mut admin = db.client();
    let mut child = spawn_child("child_runner", "stuck_no_tx", &db.url);
    let _stdout = wait_connected(&mut child);
    // Wait until the child's second statement runs.
    let waiting_since = std::time::Instant::now();
    let backend: i32 = loop {
        check_deadline(waiting_since, "the child's second statement");
        let rows = admin
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(600)' AND state = 'active'",
                &[],
            )
            .unwrap();
        if let Some(row) = rows.first() {
            break row.get(0);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    // The server only notices the dead client when the statement ends.
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&backend])
        .unwrap();
    wait_for_no_lock(&mut admin);

    // The history says exactly what the schema holds: statement 1 of 3 done.
    let row = admin
        .query_one(
            "SELECT success, statements_done, failed_statement, error, finished_at FROM public._migrate_history WHERE version = '2'",
            &[],
        )
        .unwrap();
    assert!(!row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i32>(1), 1);
    assert_eq!(row.get::<_, Option<i32>>(2), None);
    assert_eq!(row.get::<_, Option<String>>(3), None);
    assert!(row.get::<_, Option<std::time::SystemTime>>(4).is_none());
    assert_eq!(tables(&mut admin), ["_migrate_history", "before", "n1"]);

    let set = common::named_set("stuck_no_tx");
    let error = set.runner().run(&mut admin).unwrap_err();
    assert!(matches!(error, Error::Dirty(_)));
    expect_test::expect![[r#"non-transactional migration 2 (2_m2.sql) was interrupted on an earlier run after 1 of 3 statements (the process died or lost its connection); the statements before it stay applied and the database may hold part of it: repair the database by hand, then run `migrate resolve --applied 2` if the migration's effect is now complete, or `migrate resolve --rolled-back 2` to run it again on the next boot"#]]
        .assert_eq(&error.to_string());
}

#[test]
fn terminating_the_lock_holders_backend_lets_another_runner_take_over() {
    let db = TestDatabase::new("rt_terminate");
    let mut admin = db.client();
    // Migration 2 sleeps only in runner A's session.
    let set = migrations(&[
        tx("1", "CREATE TABLE one (id int);"),
        tx(
            "2",
            "CREATE TABLE two (id int);\nSELECT pg_sleep(CASE WHEN current_setting('application_name') = 'runner_a' THEN 600 ELSE 0 END);\n",
        ),
        tx("3", "CREATE TABLE three (id int);"),
    ]);
    let url_a = format!("{}?application_name=runner_a", db.url);
    let url_b = format!("{}?application_name=runner_b", db.url);
    let runner_a = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url_a, postgres::NoTls).unwrap();
        set.runner().drift(DriftPolicy::Off).run(&mut client)
    });
    let waiting_since = std::time::Instant::now();
    let backend_a: i32 = loop {
        check_deadline(waiting_since, "runner A's migration 2");
        let rows = admin
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'runner_a' AND query LIKE '%pg_sleep%' AND state = 'active'",
                &[],
            )
            .unwrap();
        if let Some(row) = rows.first() {
            break row.get(0);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let runner_b = std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url_b, postgres::NoTls).unwrap();
        set.runner()
            .drift(DriftPolicy::Off)
            .lock_wait(Duration::from_secs(120))
            .run(&mut client)
    });
    // Let B start waiting for the lock.
    let waiting_since = std::time::Instant::now();
    loop {
        check_deadline(waiting_since, "runner B to try the lock");
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'runner_b' AND query LIKE '%pg_try_advisory_lock%'",
                &[],
            )
            .unwrap()
            .get(0);
        if n > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(history(&mut admin), [("1".to_owned(), true)]);
    let terminated: bool = admin
        .query_one("SELECT pg_terminate_backend($1)", &[&backend_a])
        .unwrap()
        .get(0);
    assert!(terminated);

    let error_a = runner_a.join().unwrap().unwrap_err();
    assert!(
        matches!(error_a, Error::MigrationFailed(_) | Error::Database { .. }),
        "{error_a}"
    );
    let report_b = runner_b.join().unwrap().unwrap();
    let applied: Vec<&str> = report_b
        .applied
        .iter()
        .map(|a| a.version.as_str())
        .collect();
    assert_eq!(applied, ["2", "3"]);
    assert_eq!(report_b.already_applied, 1);
    assert_eq!(
        tables(&mut admin),
        ["_migrate_history", "one", "three", "two"]
    );
    assert_eq!(advisory_holders(&mut admin), 0);
}

#[test]
fn lock_timeout_names_the_holder() {
    let db = TestDatabase::new("rt_timeout");
    let set = migrations(&numbered(1));
    let runner = set.runner().lock_wait(Duration::from_millis(300));
    let mut holder = postgres::Client::connect(
        &format!("{}?application_name=holder", db.url),
        postgres::NoTls,
    )
    .unwrap();
    let holder_pid: i32 = holder
        .query_one(
            "SELECT pg_backend_pid() FROM (SELECT pg_advisory_lock($1)) l",
            &[&runner.lock_key()],
        )
        .unwrap()
        .get(0);
    let mut client = db.client();
    let error = runner.run(&mut client).unwrap_err();
    let Error::LockTimeout {
        holder_pid: Some(pid),
        ref holder_application,
        ..
    } = error
    else {
        panic!("expected a lock timeout naming the holder, got {error}");
    };
    assert_eq!(pid, holder_pid);
    assert_eq!(holder_application.as_deref(), Some("holder"));
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "held by server process pid {holder_pid} (application_name \"holder\")"
        )),
        "{message}"
    );
    assert!(message.starts_with("timed out after "), "{message}");
    assert!(tables(&mut client).is_empty(), "nothing was applied");

    // Once released, the same runner goes through.
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&runner.lock_key()])
        .unwrap();
    let report = runner.drift(DriftPolicy::Off).run(&mut client).unwrap();
    assert_eq!(report.applied.len(), 1);
}
