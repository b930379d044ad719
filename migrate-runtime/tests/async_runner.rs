//! `run_async` on a tokio_postgres client: the same semantics as `run`, and
//! a cancelled run leaves neither a lock nor a half-applied migration.
//! (The blocking test helpers run outside the tokio runtime.)
#![cfg(feature = "tokio")]

mod common;

use std::time::Duration;

use common::{advisory_holders, history, migrations, numbered, tables, tx};
use migrate_runtime::{DriftPolicy, Error};
use migrate_test_support::TestDatabase;

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn run_async_applies_once() {
    let db = TestDatabase::new("rt_async");
    let set = migrations(&numbered(3));
    block_on(async {
        let client = connect(&db.url).await;
        let runner = set.runner().drift(DriftPolicy::Off);
        let future = runner.run_async(&client);
        assert_send(&future);
        let report = future.await.unwrap();
        assert_eq!(report.applied.len(), 3);
        let again = set
            .runner()
            .drift(DriftPolicy::Off)
            .run_async(&client)
            .await
            .unwrap();
        assert_eq!(again.already_applied, 3);
        assert!(again.applied.is_empty());

        let edited = migrations(&[tx("0001", "CREATE TABLE other (id int);")]);
        let error = edited.runner().run_async(&client).await.unwrap_err();
        assert!(matches!(error, Error::ChecksumMismatch { .. }), "{error}");
    });
    let mut admin = db.client();
    assert_eq!(advisory_holders(&mut admin), 0);
    assert_eq!(history(&mut admin).len(), 3);
}

#[test]
fn many_async_runners_at_once() {
    let db = TestDatabase::new("rt_async_many");
    let set = migrations(&numbered(5));
    let total = block_on(async {
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let client = connect(&db.url).await;
            tasks.push(tokio::spawn(async move {
                set.runner()
                    .drift(DriftPolicy::Off)
                    .run_async(&client)
                    .await
                    .map(|report| report.applied.len())
            }));
        }
        let mut total = 0;
        for task in tasks {
            total += task.await.unwrap().unwrap();
        }
        total
    });
    assert_eq!(total, 5);
    let mut admin = db.client();
    assert_eq!(history(&mut admin).len(), 5);
}

#[test]
fn cancelled_run_releases_the_lock() {
    let db = TestDatabase::new("rt_async_cancel");
    let set = migrations(&[
        tx("1", "CREATE TABLE one (id int);"),
        tx("2", "CREATE TABLE two (id int);\nSELECT pg_sleep(1);\n"),
        tx("3", "CREATE TABLE three (id int);"),
    ]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = runtime.block_on(connect(&db.url));
    let cancelled = runtime.block_on(async {
        tokio::time::timeout(
            Duration::from_millis(300),
            set.runner().drift(DriftPolicy::Off).run_async(&client),
        )
        .await
    });
    assert!(cancelled.is_err(), "the run was cancelled mid-migration");

    // The migration in flight was sent whole (its SQL and its history row
    // in one transaction): it commits whole, then the queued unlock runs.
    // The connection task must keep running for that.
    let mut admin = db.client();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while advisory_holders(&mut admin) > 0 {
        assert!(std::time::Instant::now() < deadline, "lock never released");
        runtime.block_on(async { tokio::time::sleep(Duration::from_millis(20)).await });
    }
    let recorded = history(&mut admin);
    let created = tables(&mut admin);
    assert_eq!(
        recorded.iter().any(|(version, _)| version == "2"),
        created.contains(&"two".to_owned()),
        "history {recorded:?}, tables {created:?}"
    );

    // The same client goes on and finishes the job.
    let report = runtime
        .block_on(set.runner().drift(DriftPolicy::Off).run_async(&client))
        .unwrap();
    assert_eq!(report.already_applied + report.applied.len(), 3);
    assert_eq!(
        tables(&mut admin),
        ["_migrate_history", "one", "three", "two"]
    );
}

#[test]
fn run_async_checks_drift_and_releases_the_lock() {
    let db = TestDatabase::new("rt_async_drift");
    // The snapshot is of an empty schema: the table the migration makes is drift.
    let embedded: &'static [migrate_runtime::EmbeddedMigration] =
        Box::leak(Box::new([common::embed(&tx(
            "1",
            "CREATE TABLE unexpected (id int);",
        ))]));
    let snapshot = serde_json::to_string(&migrate_core::Schema::default()).unwrap();
    let set: &'static migrate_runtime::Migrations = Box::leak(Box::new(
        migrate_runtime::Migrations::new(embedded, Box::leak(snapshot.into_boxed_str())),
    ));
    block_on(async {
        let client = connect(&db.url).await;
        let report = set
            .runner()
            .drift(DriftPolicy::Warn)
            .run_async(&client)
            .await
            .unwrap();
        assert!(report.drift_checked);
        assert_eq!(report.drift.len(), 1, "{:?}", report.drift);
        let error = set
            .runner()
            .drift(DriftPolicy::Fail)
            .run_async(&client)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Drift { .. }), "{error}");
    });
    let mut admin = db.client();
    assert_eq!(advisory_holders(&mut admin), 0);
}
