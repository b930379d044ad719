//! Behind PgBouncer: in transaction mode the runner stops before changing
//! anything; in session mode it works.
//!
//! Needs the `pgbouncer` binary (see `migrate_test_support::PgBouncer`).

#![cfg(unix)]

mod common;

use common::{migrations, numbered, tables};
use migrate_runtime::{DriftPolicy, Error};
use migrate_test_support::{PgBouncer, TestDatabase};

/// Opens both server connections of the pool, so that round robin hands
/// consecutive transactions to different server processes.
fn warm_pool(url: &str) {
    let mut first = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut second = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let mut a = first.transaction().unwrap();
    let mut b = second.transaction().unwrap();
    a.batch_execute("SELECT 1").unwrap();
    b.batch_execute("SELECT 1").unwrap();
    a.commit().unwrap();
    b.commit().unwrap();
}

#[test]
fn transaction_mode_fails_at_once_and_changes_nothing() {
    let db = TestDatabase::new("rt_pgbouncer_tx");
    let bouncer = PgBouncer::start("transaction");
    let url = bouncer.url(&db.name);
    warm_pool(&url);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let error = migrations(&numbered(3))
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap_err();
    assert!(matches!(error, Error::TransactionPooler { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("DIRECT_URL"), "{message}");
    assert!(message.contains("nothing was applied"), "{message}");
    let mut direct = db.client();
    assert!(
        tables(&mut direct).is_empty(),
        "not even the history table was created"
    );
}

#[test]
fn session_mode_works() {
    let db = TestDatabase::new("rt_pgbouncer_session");
    let bouncer = PgBouncer::start("session");
    let url = bouncer.url(&db.name);
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let set = migrations(&numbered(3));
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 3);
    let again = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(again.already_applied, 3);
}
