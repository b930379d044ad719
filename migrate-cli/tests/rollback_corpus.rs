//! `migrate rollback-sql` on the shared corpus: for each migration tested,
//! applying it and then the rollback SQL the command derives returns the
//! database to the schema it had before, as introspection sees it.
//!
//! Per set, the migrations are applied one after the other to a database of
//! the test's own. Before a tested migration the schema is introspected;
//! then, in one transaction that is rolled back afterwards, the migration
//! and its rollback SQL run and the schema is introspected again: the two
//! must be equal. The migration is then applied for good and the next one
//! follows.
//!
//! Every migration of every set is tested, the sets two at a time (a
//! database each), near five minutes on two cores; `MIGRATE_ROLLBACK_STRIDE=n`
//! tests every nth migration and the last, for a quicker look. A rollback
//! whose SQL names manual steps (exit status 1, `-- MANUAL STEP` lines: a
//! function or trigger definition, a partition key, a statement the fold
//! could not follow) is counted as not reversible, with its reasons.
//! A migration that cannot run in a transaction (CREATE INDEX CONCURRENTLY)
//! is applied, undone by its rollback SQL statement by statement, compared,
//! and applied again.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use migrate_build::discover::discover;
use migrate_build::split::split_statements;
use migrate_runtime::drift::compare_with_triggers;
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_test_support::{TestDatabase, corpus_dir};

/// What happened to one set.
#[derive(Default, Debug)]
struct Counts {
    migrations: usize,
    tested: usize,
    /// The rollback SQL restored the schema.
    restored: usize,
    /// ... and it has a step that loses data.
    lossy: usize,
    /// The migration changes no schema object (data only).
    no_schema_change: usize,
    /// The command named steps to take by hand (exit status 1, `MANUAL
    /// STEP` lines): what two schemas cannot tell. Each with its reasons.
    not_reversible: Vec<String>,
    /// Of the tested, those that run outside a transaction.
    non_transactional: usize,
    /// The migration does not apply to PostgreSQL (known in the corpus).
    does_not_apply: usize,
    /// The rollback SQL failed or left a different schema.
    wrong: Vec<String>,
}

fn stride() -> usize {
    std::env::var("MIGRATE_ROLLBACK_STRIDE")
        .ok()
        .and_then(|stride| stride.parse().ok())
        .filter(|stride| *stride > 0)
        .unwrap_or(1)
}

fn rollback_sql(dir: &Path, version: &str) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["rollback-sql", version, "--derive", "--migrations"])
        .arg(dir)
        .output()
        .expect("run the migrate binary");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn run_set(set: &str) -> Counts {
    let dir = corpus_dir().join(set).join("migrations");
    let migrations = discover(&dir, None).expect("discover").migrations;
    let database = TestDatabase::new(&format!("cli_rollback_{set}"));
    let mut client = database.client();
    let options = IntrospectOptions::default();
    let stride = stride();
    let mut counts = Counts {
        migrations: migrations.len(),
        ..Counts::default()
    };
    for (index, migration) in migrations.iter().enumerate() {
        let sampled = index % stride == 0 || index + 1 == migrations.len();
        if !sampled {
            apply(&mut client, migration);
            continue;
        }
        // A migration that runs in a transaction is tried in one that is
        // rolled back; one that cannot (CREATE INDEX CONCURRENTLY) is
        // applied, undone by its rollback SQL, and applied again.
        let in_transaction = migration.transactional;
        let (code, sql, stderr) = rollback_sql(&dir, &migration.version);
        let before = introspect(&mut client, &options).expect("introspect before");
        if in_transaction {
            client.batch_execute("BEGIN").expect("begin");
        }
        if let Err(error) = run_up(&mut client, migration) {
            let _ = client.batch_execute("ROLLBACK");
            counts.does_not_apply += 1;
            println!("{set} {}: does not apply: {error}", migration.path);
            continue;
        }
        counts.tested += 1;
        if !in_transaction {
            counts.non_transactional += 1;
        }
        match code {
            0 => assert!(
                !sql.contains("MANUAL STEP"),
                "{set} {}: manual steps with exit status 0:\n{sql}",
                migration.path
            ),
            1 => {
                let reasons: Vec<&str> = sql
                    .lines()
                    .filter_map(|line| line.strip_prefix("-- MANUAL STEP: "))
                    .collect();
                assert!(
                    !reasons.is_empty(),
                    "{set} {}: exit status 1 without a manual step:\n{sql}",
                    migration.path
                );
                counts
                    .not_reversible
                    .push(format!("{}: {}", migration.path, reasons.join("; ")));
                if in_transaction {
                    client.batch_execute("ROLLBACK").expect("rollback");
                    apply(&mut client, migration);
                }
                continue;
            }
            _ => panic!("{set} {}: rollback-sql failed: {stderr}", migration.path),
        }
        let result = if in_transaction {
            client.batch_execute(&sql)
        } else {
            split_statements(&sql)
                .iter()
                .try_for_each(|statement| client.batch_execute(statement.text))
        };
        let after = result
            .as_ref()
            .ok()
            .map(|()| introspect(&mut client, &options).expect("introspect after"));
        if in_transaction {
            client.batch_execute("ROLLBACK").expect("rollback");
        }
        match (result, after) {
            (Err(error), _) => counts.wrong.push(format!(
                "{}: the rollback SQL fails: {}\n{sql}",
                migration.path,
                error
                    .as_db_error()
                    .map_or(error.to_string(), |db| db.message().to_owned())
            )),
            (Ok(()), Some(after)) => {
                let left = compare_with_triggers(&before, &after);
                if left.is_empty() {
                    counts.restored += 1;
                    if sql.contains("-- LOSES DATA") {
                        counts.lossy += 1;
                    }
                    if sql.contains("changes no schema object") {
                        counts.no_schema_change += 1;
                    }
                } else {
                    let left: Vec<String> =
                        left.iter().map(|d| format!("    {}", d.message)).collect();
                    counts.wrong.push(format!(
                        "{}: the schema differs after the rollback:\n{}\n{sql}",
                        migration.path,
                        left.join("\n")
                    ));
                }
            }
            (Ok(()), None) => unreachable!(),
        }
        apply(&mut client, migration);
    }
    counts
}

/// Runs a migration's SQL: at once, or statement by statement when it
/// cannot run in a transaction.
fn run_up(
    client: &mut postgres::Client,
    migration: &migrate_core::Migration,
) -> Result<(), postgres::Error> {
    if migration.transactional {
        client.batch_execute(&migration.up)
    } else {
        migration
            .statements
            .iter()
            .try_for_each(|statement| client.batch_execute(statement))
    }
}

/// Applies a migration for good, as its tool would (a failure is the
/// corpus's own: hatchet's migration that needs a Go migration's table).
fn apply(client: &mut postgres::Client, migration: &migrate_core::Migration) {
    let result = if migration.transactional {
        client.batch_execute(&format!("BEGIN;\n{}\n;COMMIT;", migration.up))
    } else {
        run_up(client, migration)
    };
    if let Err(error) = result {
        let _ = client.batch_execute("ROLLBACK");
        println!("{} does not apply: {error}", migration.path);
    }
}

/// The sets, largest first, run by two threads (each set in a database of
/// its own): the `migrate` processes and PostgreSQL share the two cores.
fn run_sets(sets: &[&'static str]) -> BTreeMap<&'static str, Counts> {
    let queue = std::sync::Mutex::new(sets.to_vec());
    let results = std::sync::Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some(set) = next else { break };
                    let counts = run_set(set);
                    results.lock().expect("results").insert(set, counts);
                }
            });
        }
    });
    results.into_inner().expect("results")
}

#[test]
fn rollback_sql_restores_the_schema_on_the_corpus() {
    // Popped from the end: the largest sets start first.
    let all = run_sets(&["kestra", "labrinth", "inbox_zero", "crates_io", "hatchet"]);
    for (set, counts) in &all {
        println!(
            "{set}: {} migrations, {} tested ({}), {} restored ({} losing data, {} data only), {} not reversible, {} of the tested outside a transaction, {} do not apply, {} wrong",
            counts.migrations,
            counts.tested,
            match stride() {
                1 => "all".to_owned(),
                n => format!("every {n}th and the last"),
            },
            counts.restored,
            counts.lossy,
            counts.no_schema_change,
            counts.not_reversible.len(),
            counts.non_transactional,
            counts.does_not_apply,
            counts.wrong.len()
        );
        for reasons in &counts.not_reversible {
            println!("  not reversible: {set} {reasons}");
        }
        for wrong in &counts.wrong {
            println!("  WRONG {set} {wrong}");
        }
    }
    let sum = |count: fn(&Counts) -> usize| all.values().map(count).sum::<usize>();
    println!(
        "total: {} tested, {} restored ({} losing data), {} not reversible, {} wrong",
        sum(|counts| counts.tested),
        sum(|counts| counts.restored),
        sum(|counts| counts.lossy),
        sum(|counts| counts.not_reversible.len()),
        sum(|counts| counts.wrong.len()),
    );
    for (set, counts) in &all {
        assert!(
            counts.wrong.is_empty(),
            "{set}: {} rollbacks do not restore the schema (listed above)",
            counts.wrong.len(),
        );
        assert!(
            counts.restored > 0,
            "{set}: no rollback restored the schema"
        );
    }
}
