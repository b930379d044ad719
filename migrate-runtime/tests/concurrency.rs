//! Many runners booting at once: one applies, the others wait and find
//! nothing to do; every migration is applied exactly once.

mod common;

use std::io::Read;
use std::sync::{Arc, Barrier};

use common::{concurrent_set, migrations, reset, spawn_child, tables};
use migrate_runtime::DriftPolicy;
use migrate_test_support::TestDatabase;

const RUNNERS: usize = 16;
const ROUNDS: usize = 50;

/// Entry point of the child runner processes (run by the tests themselves).
#[test]
#[ignore = "entry point of child runner processes, started by the tests"]
fn child_runner() {
    common::child_main();
}

fn assert_applied_exactly_once(client: &mut postgres::Client, n_migrations: usize) {
    let history = common::history(client);
    assert_eq!(history.len(), n_migrations, "history {history:?}");
    assert!(history.iter().all(|(_, success)| *success));
    let counts: Vec<(i32, i64)> = client
        .query(
            "SELECT version, count(*) FROM applied_log GROUP BY version ORDER BY version",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let expected: Vec<(i32, i64)> = (1..=n_migrations as i32).map(|v| (v, 1)).collect();
    assert_eq!(counts, expected, "each migration ran exactly once");
    let index_valid: bool = client
        .query_one(
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.t1_note'::regclass",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(index_valid);
    assert_eq!(common::advisory_holders(client), 0);
}

#[test]
fn sixteen_threads_fifty_rounds() {
    let db = TestDatabase::new("rt_threads");
    let mut admin = db.client();
    let set = migrations(&concurrent_set());
    let n_migrations = set.iter().count();
    // The same sixteen sessions serve every round: a session that ran a
    // runner must come out of it without the lock.
    let clients: Vec<_> = (0..RUNNERS).map(|_| db.client()).collect();
    let clients = Arc::new(
        clients
            .into_iter()
            .map(std::sync::Mutex::new)
            .collect::<Vec<_>>(),
    );
    for round in 0..ROUNDS {
        reset(&mut admin);
        let barrier = Arc::new(Barrier::new(RUNNERS));
        let handles: Vec<_> = (0..RUNNERS)
            .map(|index| {
                let barrier = Arc::clone(&barrier);
                let clients = Arc::clone(&clients);
                std::thread::spawn(move || {
                    let mut client = clients[index].lock().unwrap();
                    barrier.wait();
                    set.runner().drift(DriftPolicy::Off).run(&mut client)
                })
            })
            .collect();
        let mut total_applied = 0;
        for handle in handles {
            let report = handle
                .join()
                .unwrap()
                .unwrap_or_else(|error| panic!("round {round}: a runner failed: {error}"));
            assert_eq!(
                report.applied.len() + report.already_applied,
                n_migrations,
                "round {round}"
            );
            total_applied += report.applied.len();
        }
        assert_eq!(total_applied, n_migrations, "round {round}");
        assert_applied_exactly_once(&mut admin, n_migrations);
    }
}

#[test]
fn sixteen_processes_fifty_rounds() {
    let db = TestDatabase::new("rt_processes");
    let mut admin = db.client();
    let n_migrations = concurrent_set().len();
    for round in 0..ROUNDS {
        reset(&mut admin);
        let children: Vec<_> = (0..RUNNERS)
            .map(|_| spawn_child("child_runner", "concurrent", &db.url))
            .collect();
        let mut total_applied = 0;
        for mut child in children {
            let status = child.wait().unwrap();
            let mut output = String::new();
            child
                .stdout
                .take()
                .unwrap()
                .read_to_string(&mut output)
                .unwrap();
            assert!(status.success(), "round {round}: a runner failed: {output}");
            let applied: usize = output
                .lines()
                .find_map(|line| line.strip_prefix("RESULT ok "))
                .unwrap_or_else(|| panic!("round {round}: no result in {output:?}"))
                .trim()
                .parse()
                .unwrap();
            total_applied += applied;
        }
        assert_eq!(total_applied, n_migrations, "round {round}");
        assert_applied_exactly_once(&mut admin, n_migrations);
    }
    assert!(tables(&mut admin).contains(&"t8".to_owned()));
}
