//! A panic while the lock is held (here, in the application's logger, which
//! the runner calls while migrating) releases the lock.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};

use common::{advisory_holders, history, migrations, numbered};
use migrate_runtime::DriftPolicy;
use migrate_test_support::TestDatabase;

static PANIC_ON_APPLIED: AtomicBool = AtomicBool::new(false);

/// A logger that panics when told of the second applied migration.
struct PanickingLogger;

impl log::Log for PanickingLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let message = record.args().to_string();
        if PANIC_ON_APPLIED.load(Ordering::SeqCst) && message.starts_with("applied migration 0002")
        {
            panic!("the logger panicked");
        }
    }

    fn flush(&self) {}
}

#[test]
fn a_panic_releases_the_lock() {
    log::set_logger(&PanickingLogger).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let db = TestDatabase::new("rt_panic");
    let mut client = db.client();
    let set = migrations(&numbered(3));

    PANIC_ON_APPLIED.store(true, Ordering::SeqCst);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        set.runner().drift(DriftPolicy::Off).run(&mut client)
    }));
    PANIC_ON_APPLIED.store(false, Ordering::SeqCst);
    assert!(outcome.is_err(), "the run panicked");

    let mut admin = db.client();
    assert_eq!(
        advisory_holders(&mut admin),
        0,
        "the drop guard released the lock"
    );
    // Migration 2 had committed before the log line; 3 never started.
    assert_eq!(
        history(&mut admin),
        [("0001".to_owned(), true), ("0002".to_owned(), true)]
    );
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
        .unwrap();
    assert_eq!(report.applied.len(), 1);
}
