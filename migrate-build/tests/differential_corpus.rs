//! Differential test on the shared corpus: every set is applied to a fresh
//! PostgreSQL database as its tool would apply it, the database is read back
//! through `pg_catalog` (`migrate_runtime::introspect`), and the result is
//! compared with the fold of the same files (`migrate_runtime::drift::compare`,
//! which is also how the runtime reports drift). No difference may be left.
//!
//! Application: the migrations in the order `discover` gives (checked
//! against `apply_log.tsv`); a transactional migration is sent as one simple
//! query (one implicit transaction), a non-transactional one statement by
//! statement. A file whose `apply_log.tsv` status is `FAIL` must fail here
//! too and leave nothing; `ok_without_tx` files are retried statement by
//! statement, as the corpus was built.
//!
//! Excluded: hatchet's partitions named after the day the corpus was
//! applied (`v1_tasks_olap_20261121`), made at run time by
//! `SELECT create_..._partition(...)`; no fold of the files can know them.

use std::collections::BTreeMap;
use std::fmt::Write;

use expect_test::{Expect, expect};

use migrate_build::discover::discover;
use migrate_build::fold::fold;
use migrate_core::{Migration, Name, Schema};
use migrate_runtime::drift::{Difference, compare};
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_runtime::{DriftPolicy, Migrations};
use migrate_test_support::{TestDatabase, corpus_dir};

/// `order, file, single_tx, status` of `apply_log.tsv`.
struct Logged {
    file: String,
    status: String,
}

fn apply_log(set: &str) -> Vec<Logged> {
    let text = std::fs::read_to_string(corpus_dir().join(set).join("apply_log.tsv")).unwrap();
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            Logged {
                file: fields[1].to_owned(),
                status: fields[3].to_owned(),
            }
        })
        .collect()
}

/// Runs one migration as its tool would; `Err` with PostgreSQL's message.
fn apply(client: &mut postgres::Client, migration: &Migration) -> Result<(), String> {
    let statements = |sql: &str| -> Vec<String> {
        migrate_build::split::split_statements(sql)
            .into_iter()
            .map(|statement| statement.text.to_owned())
            .collect()
    };
    let run_each = |client: &mut postgres::Client, statements: &[String]| {
        for statement in statements {
            client
                .batch_execute(statement)
                .map_err(|error| format!("{error:?}"))?;
        }
        Ok(())
    };
    if !migration.transactional {
        let list = if migration.statements.is_empty() {
            statements(&migration.up)
        } else {
            migration.statements.clone()
        };
        return run_each(client, &list);
    }
    match client.batch_execute(&migration.up) {
        Ok(()) => Ok(()),
        Err(error) => {
            let message = format!("{error:?}");
            if message.contains("cannot run inside a transaction block")
                || message.contains("cannot be executed within a pipeline")
            {
                run_each(client, &statements(&migration.up))
            } else {
                Err(message)
            }
        }
    }
}

/// Whether a relation name carries a date (`_20261121`): a run-time partition.
fn is_dated_partition(name: &str) -> bool {
    let bytes = name.as_bytes();
    bytes.windows(9).any(|window| {
        window[0] == b'_' && window[1..].iter().all(u8::is_ascii_digit) && window[1..3] == *b"20"
    })
}

fn without_dated_partitions(schema: &mut Schema) -> usize {
    let dated: Vec<Name> = schema
        .relations
        .keys()
        .filter(|name| is_dated_partition(&name.name))
        .cloned()
        .collect();
    for name in &dated {
        schema.relations.remove(name);
    }
    schema
        .indexes
        .retain(|_, index| !dated.contains(&index.table));
    schema.sequences.retain(|_, sequence| {
        !sequence
            .owned_by
            .as_ref()
            .is_some_and(|(table, _)| dated.contains(table))
    });
    dated.len()
}

/// What was compared, for the printout.
#[derive(Default)]
struct Counts {
    relations: usize,
    columns: usize,
    constraints: usize,
    indexes: usize,
    types: usize,
    sequences: usize,
}

fn counts(schema: &Schema) -> Counts {
    Counts {
        relations: schema.relations.len(),
        columns: schema.relations.values().map(|r| r.columns.len()).sum(),
        constraints: schema.relations.values().map(|r| r.constraints.len()).sum(),
        indexes: schema.indexes.len(),
        types: schema.types.len(),
        sequences: schema.sequences.len(),
    }
}

struct SetResult {
    summary: String,
    differences: Vec<Difference>,
}

fn run_set(set: &str) -> SetResult {
    let dir = corpus_dir().join(set).join("migrations");
    let discovered = discover(&dir, None).unwrap_or_else(|error| panic!("{set}: {error}"));
    let log = apply_log(set);
    let order: Vec<&str> = discovered
        .migrations
        .iter()
        .map(|m| m.path.as_str())
        .collect();
    let logged: Vec<&str> = log.iter().map(|entry| entry.file.as_str()).collect();
    assert_eq!(
        order, logged,
        "{set}: discover's order differs from apply_log.tsv"
    );

    let db = TestDatabase::new(&format!("differential_{set}"));
    let mut client = db.client();
    let mut failed = Vec::new();
    for (migration, entry) in discovered.migrations.iter().zip(&log) {
        let result = apply(&mut client, migration);
        // psql ran each file in a session of its own: no `SET` carries over.
        client.batch_execute("RESET ALL").unwrap();
        match (&result, entry.status.as_str()) {
            (Ok(()), "FAIL") => panic!("{set}: {} applied, the corpus says it fails", entry.file),
            (Err(error), status) if status != "FAIL" => {
                panic!("{set}: {} failed: {error}", entry.file)
            }
            (Err(_), _) => failed.push(entry.file.clone()),
            (Ok(()), _) => {}
        }
    }
    // Timed for the printout only (no assertion: speed is a benchmark's business).
    let started = std::time::Instant::now();
    let mut actual = introspect(&mut client, &IntrospectOptions::default()).unwrap();
    let introspection_time = started.elapsed();
    let n_dated = without_dated_partitions(&mut actual);

    let folded = fold(&discovered.migrations);
    let n_errors = folded
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .count();
    let differences = compare(&folded.schema, &actual);
    let c = counts(&actual);
    let summary = format!(
        "{set}: {} migrations applied ({} failed as in the corpus), {n_dated} dated partitions left out; \
         compared {} relations, {} columns, {} constraints, {} indexes, {} types, {} sequences; \
         fold errors {n_errors}; differences {}; introspection took {introspection_time:?}",
        discovered.migrations.len() - failed.len(),
        failed.len(),
        c.relations,
        c.columns,
        c.constraints,
        c.indexes,
        c.types,
        c.sequences,
        differences.len()
    );
    SetResult {
        summary,
        differences,
    }
}

/// Folds, applies, introspects and compares `set`; the differences left,
/// one `kind object` per line, must be exactly `known` (empty when the fold
/// and PostgreSQL agree). Every line of `known` is a FIXME explained at
/// the call.
fn check_set(set: &str, known: Expect) {
    let result = run_set(set);
    println!("{}", result.summary);
    let mut by_object_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut listing = String::new();
    for difference in &result.differences {
        let kind = difference
            .object
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_owned();
        *by_object_kind
            .entry(format!("{kind} {:?}", difference.kind))
            .or_default() += 1;
        let _ = writeln!(listing, "{:?} {}", difference.kind, difference.object);
        println!("{}", difference.message);
    }
    println!("{set}: differences by kind: {by_object_kind:?}");
    known.assert_eq(&listing);
}

#[test]
fn crates_io_introspection_equals_the_fold() {
    check_set("crates_io", expect![""]);
}

#[test]
fn hatchet_introspection_equals_the_fold() {
    // v1_0_22's `DO` block recreates v1_events_olap (identity BY DEFAULT,
    // primary key v1_events_olap_new_pkey) around loops of EXECUTE that only
    // touch the dated partitions: the fold reads the static DDL around them.
    check_set("hatchet", expect![""]);
}

#[test]
fn inbox_zero_introspection_equals_the_fold() {
    check_set("inbox_zero", expect![""]);
}

#[test]
fn kestra_introspection_equals_the_fold() {
    check_set("kestra", expect![[r#""#]]);
}

#[test]
fn labrinth_introspection_equals_the_fold() {
    check_set("labrinth", expect![[r#""#]]);
}

/// The runtime's own path: the set embedded as a binary would embed it
/// (migrations plus the fold's schema snapshot), applied by the runner to a
/// fresh database, drift checked by the runner against the snapshot. The
/// differences it reports must be `known`. A set whose history has a file
/// PostgreSQL rejects (hatchet) runs up to the migration before it, the
/// snapshot being the fold of those.
fn check_set_with_runner(set: &str, known: Expect) {
    let dir = corpus_dir().join(set).join("migrations");
    let discovered = discover(&dir, None).unwrap_or_else(|error| panic!("{set}: {error}"));
    let log = apply_log(set);
    let n_applicable = log
        .iter()
        .position(|entry| entry.status == "FAIL")
        .unwrap_or(log.len());
    let migrations = &discovered.migrations[..n_applicable];
    let folded = fold(migrations);
    let snapshot = serde_json::to_string(&folded.schema).unwrap();
    let migrations_static: &'static Migrations =
        Box::leak(Box::new(Migrations::leak(migrations, &snapshot)));

    let db = TestDatabase::new(&format!("differential_runner_{set}"));
    let mut client = db.client();
    let mut runner = migrations_static.runner().drift(DriftPolicy::Warn);
    if let Some(last) = migrations.last() {
        runner = runner.target(&last.version);
    }
    let mut report = runner
        .run(&mut client)
        .unwrap_or_else(|error| panic!("{set}: the runner failed: {error}"));
    without_dated_partitions_in(&mut report.drift);
    println!(
        "{set} through the runner: {} migrations applied, drift checked: {}, {} differences",
        report.applied.len(),
        report.drift_checked,
        report.drift.len()
    );
    assert_eq!(report.applied.len(), migrations.len());
    assert!(
        report.drift_checked,
        "{set}: the runner did not check drift"
    );
    let mut listing = String::new();
    for difference in &report.drift {
        println!("{}", difference.message);
        let _ = writeln!(listing, "{:?} {}", difference.kind, difference.object);
    }
    known.assert_eq(&listing);
}

/// The runner compares the whole database: drop what it says about the
/// dated partitions (see the module documentation).
fn without_dated_partitions_in(differences: &mut Vec<Difference>) {
    differences.retain(|difference| {
        !difference
            .object
            .split([' ', '.', '"'])
            .any(is_dated_partition)
    });
}

#[test]
fn crates_io_through_the_runner_reports_the_same_drift() {
    check_set_with_runner("crates_io", expect![""]);
}

#[test]
fn hatchet_through_the_runner_up_to_its_failing_file() {
    check_set_with_runner("hatchet", expect![""]);
}

#[test]
fn inbox_zero_through_the_runner_reports_the_same_drift() {
    check_set_with_runner("inbox_zero", expect![""]);
}

#[test]
fn kestra_through_the_runner_reports_no_drift() {
    check_set_with_runner("kestra", expect![[r#""#]]);
}

#[test]
fn labrinth_through_the_runner_reports_no_drift() {
    check_set_with_runner("labrinth", expect![[r#""#]]);
}
