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
//! Which migrations are tested: every one of kestra and labrinth, and a
//! deterministic sample of the larger sets (every `STRIDE`th migration, plus
//! the last), to keep the test near a minute on two cores. Set
//! `MIGRATE_ROLLBACK_ALL=1` to test every migration of every set.
//! Migrations that run outside a transaction (CREATE INDEX CONCURRENTLY,
//! their own BEGIN/COMMIT) cannot be undone inside one and are counted apart.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use migrate_build::discover::discover;
use migrate_runtime::drift::compare;
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
    /// The command said a change cannot be undone by a statement.
    not_reversible: usize,
    /// Outside a transaction: not tested.
    non_transactional: usize,
    /// The migration does not apply to PostgreSQL (known in the corpus).
    does_not_apply: usize,
    /// The rollback SQL failed or left a different schema.
    wrong: Vec<String>,
}

fn stride(set: &str) -> usize {
    if std::env::var_os("MIGRATE_ROLLBACK_ALL").is_some() {
        return 1;
    }
    match set {
        "kestra" | "labrinth" => 1,
        _ => 4,
    }
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
    let stride = stride(set);
    let mut counts = Counts {
        migrations: migrations.len(),
        ..Counts::default()
    };
    for (index, migration) in migrations.iter().enumerate() {
        let sampled = index % stride == 0 || index + 1 == migrations.len();
        if sampled && !migration.transactional {
            counts.non_transactional += 1;
        } else if sampled {
            let (code, sql, stderr) = rollback_sql(&dir, &migration.version);
            let before = introspect(&mut client, &options).expect("introspect before");
            client.batch_execute("BEGIN").expect("begin");
            if let Err(error) = client.batch_execute(&migration.up) {
                client.batch_execute("ROLLBACK").expect("rollback");
                counts.does_not_apply += 1;
                println!("{set} {}: does not apply: {error}", migration.path);
                continue;
            }
            counts.tested += 1;
            match code {
                0 => {}
                1 => {
                    counts.not_reversible += 1;
                    client.batch_execute("ROLLBACK").expect("rollback");
                    apply(&mut client, migration);
                    continue;
                }
                _ => panic!("{set} {}: rollback-sql failed: {stderr}", migration.path),
            }
            let result = client.batch_execute(&sql);
            let after = result
                .as_ref()
                .ok()
                .map(|()| introspect(&mut client, &options).expect("introspect after"));
            client.batch_execute("ROLLBACK").expect("rollback");
            match (result, after) {
                (Err(error), _) => counts.wrong.push(format!(
                    "{}: the rollback SQL fails: {}\n{sql}",
                    migration.path,
                    error
                        .as_db_error()
                        .map_or(error.to_string(), |db| db.message().to_owned())
                )),
                (Ok(()), Some(after)) => {
                    let left = compare(&before, &after);
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
        }
        apply(&mut client, migration);
    }
    counts
}

/// Applies a migration for good, as its tool would (a failure is the
/// corpus's own: hatchet's migration that needs a Go migration's table).
fn apply(client: &mut postgres::Client, migration: &migrate_core::Migration) {
    let result = if migration.transactional {
        client.batch_execute(&format!("BEGIN;\n{}\n;COMMIT;", migration.up))
    } else {
        migration
            .statements
            .iter()
            .try_for_each(|statement| client.batch_execute(statement))
    };
    if let Err(error) = result {
        let _ = client.batch_execute("ROLLBACK");
        println!("{} does not apply: {error}", migration.path);
    }
}

#[test]
fn rollback_sql_restores_the_schema_on_the_corpus() {
    let sets = ["kestra", "labrinth", "crates_io", "inbox_zero", "hatchet"];
    let mut all = BTreeMap::new();
    for set in sets {
        let counts = run_set(set);
        println!(
            "{set}: {} migrations, {} tested ({}), {} restored ({} losing data, {} data only), {} not reversible, {} outside a transaction (not tested), {} do not apply, {} wrong",
            counts.migrations,
            counts.tested,
            match stride(set) {
                1 => "all".to_owned(),
                n => format!("every {n}th and the last"),
            },
            counts.restored,
            counts.lossy,
            counts.no_schema_change,
            counts.not_reversible,
            counts.non_transactional,
            counts.does_not_apply,
            counts.wrong.len()
        );
        for wrong in &counts.wrong {
            println!("  WRONG {set} {wrong}");
        }
        all.insert(set, counts);
    }
    let wrong: usize = all.values().map(|counts| counts.wrong.len()).sum();
    let tested: usize = all.values().map(|counts| counts.tested).sum();
    let restored: usize = all.values().map(|counts| counts.restored).sum();
    let lossy: usize = all.values().map(|counts| counts.lossy).sum();
    println!("total: {tested} tested, {restored} restored ({lossy} losing data), {wrong} wrong");
    // FIXME: rollback SQL that does not restore the schema, asserted as it
    // is (at most this many per set, so that a regression fails). The causes
    // seen, mostly in the order or shape of `drift::compare`'s fixes: enum
    // replacement over a generated column or a trigger, which PostgreSQL
    // refuses (kestra's state_type); a primary key other objects depend on;
    // a type conversion that needs USING or touches a trigger's column; an index on
    // `date(column)` read back as on the column; partitions created at run
    // time by a function call (hatchet), which no fold can know.
    let known: BTreeMap<&str, usize> = [
        ("kestra", 5),
        ("labrinth", 2),
        ("crates_io", 1),
        ("inbox_zero", 3),
        ("hatchet", 3),
    ]
    .into_iter()
    .collect();
    for (set, counts) in &all {
        assert!(
            counts.wrong.len() <= known[set],
            "{set}: {} rollbacks do not restore the schema, {} known (listed above)",
            counts.wrong.len(),
            known[set]
        );
        assert!(
            counts.restored > 0,
            "{set}: no rollback restored the schema"
        );
    }
}
