//! `migrate rollback-sql` undoes a rename by renaming back, so the data
//! stays: for every migration of the shared corpus that renames a table or
//! a column, a row is put in each renamed table, the migration is applied,
//! its derived rollback SQL runs, and the rows are still there, the
//! renamed columns' values included (all in one transaction, rolled back,
//! before the migration is applied for good).

use std::path::Path;
use std::process::Command;

use migrate_build::discover::discover;
use migrate_build::fold::Folder;
use migrate_core::Name;
use migrate_test_support::{TestDatabase, corpus_dir};

/// A table a migration renames (or renames a column of), as named before it.
struct Renamed {
    table: Name,
    /// The renamed columns, by their names before the migration.
    columns: Vec<String>,
    /// Whether the table itself is renamed.
    renamed: bool,
}

/// For each migration that renames something: its index and what it renames.
fn renaming_migrations(migrations: &[migrate_core::Migration]) -> Vec<(usize, Vec<Renamed>)> {
    let mut folder = Folder::new();
    let mut found = Vec::new();
    for (index, migration) in migrations.iter().enumerate() {
        let seen = folder.schema().history.changes.len();
        let before = folder.schema().clone();
        folder.apply(migration);
        let mut renamed: Vec<Renamed> = Vec::new();
        let mut renamed_tables: Vec<(Name, Name)> = Vec::new();
        for change in &folder.schema().history.changes[seen..] {
            if change.renamed_to.is_none() {
                continue;
            }
            // The table as it was named before the migration.
            let mut table = change.table.clone();
            if let Some((old, _)) = renamed_tables.iter().find(|(_, new)| *new == table) {
                table = old.clone();
            }
            let entry = match renamed.iter().position(|r| r.table == table) {
                Some(position) => &mut renamed[position],
                None => {
                    renamed.push(Renamed {
                        table: table.clone(),
                        columns: Vec::new(),
                        renamed: false,
                    });
                    renamed.last_mut().expect("just pushed")
                }
            };
            match (&change.column, &change.renamed_to) {
                // A column the migration itself added has no rows to keep.
                (Some(column), _)
                    if before
                        .relation(&table)
                        .is_some_and(|relation| relation.column(column).is_some()) =>
                {
                    entry.columns.push(column.clone());
                }
                (Some(_), _) => {}
                (None, Some(new)) => {
                    entry.renamed = true;
                    renamed_tables.push((table.clone(), Name::new(&table.schema, new)));
                }
                (None, None) => {}
            }
        }
        // A table the migration itself created has no rows to keep.
        renamed.retain(|table| {
            before.relation(&table.table).is_some() && (table.renamed || !table.columns.is_empty())
        });
        if !renamed.is_empty() && migration.transactional {
            found.push((index, renamed));
        } else if !renamed.is_empty() {
            println!(
                "{}: renames outside a transaction: not tested",
                migration.path
            );
        }
    }
    found
}

fn rollback_sql(dir: &Path, version: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["rollback-sql", version, "--derive", "--migrations"])
        .arg(dir)
        .output()
        .expect("run the migrate binary");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Puts one row in `table`, every NOT NULL column without a default (and
/// every column in `non_null`) given a value of its type; foreign keys are
/// not checked (`session_replication_role = replica`). `Err` when the
/// table's checks refuse every value tried.
fn insert_row(
    client: &mut postgres::Client,
    table: &Name,
    non_null: &[String],
) -> Result<(), String> {
    let columns = client
        .query(
            "SELECT a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, \
             t.typtype::text, COALESCE(a.attidentity, '')::text, COALESCE(a.attgenerated, '')::text, t.typcategory::text \
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
             WHERE a.attrelid = $1::text::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            &[&table.to_string()],
        )
        .map_err(|error| error.to_string())?;
    let mut names = Vec::new();
    let mut values = Vec::new();
    for row in &columns {
        let name: String = row.get(0);
        let ty: String = row.get(1);
        let not_null: bool = row.get(2);
        let has_default: bool = row.get(3);
        let typtype: String = row.get(4);
        let identity: String = row.get(5);
        let generated: String = row.get(6);
        let category: String = row.get(7);
        if !generated.is_empty() || identity == "a" {
            continue;
        }
        let needed = (not_null && !has_default && identity.is_empty()) || non_null.contains(&name);
        if !needed {
            continue;
        }
        let value = match (typtype.as_str(), category.as_str()) {
            ("e", _) => format!("(pg_catalog.enum_range(NULL::{ty}))[1]"),
            (_, "A") => format!("'{{}}'::{ty}"),
            (_, "B") => format!("true::{ty}"),
            (_, "N") => format!("1::{ty}"),
            (_, "D") => format!("now()::{ty}"),
            (_, "T") => format!("'1 day'::{ty}"),
            (_, "I") => format!("'127.0.0.1'::{ty}"),
            (_, "S") => format!("'x'::{ty}"),
            _ if ty == "uuid" => "gen_random_uuid()".to_owned(),
            _ if ty == "jsonb" || ty == "json" => format!("'{{}}'::{ty}"),
            _ if ty == "bytea" => "'\\x00'::bytea".to_owned(),
            _ => format!("NULL::{ty}"),
        };
        names.push(format!("\"{}\"", name.replace('"', "\"\"")));
        values.push(value);
    }
    let insert = if names.is_empty() {
        format!("INSERT INTO {table} DEFAULT VALUES")
    } else {
        format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            names.join(", "),
            values.join(", ")
        )
    };
    client
        .batch_execute(&format!(
            "SAVEPOINT row; SET LOCAL session_replication_role = replica; {insert}; RELEASE SAVEPOINT row"
        ))
        .map_err(|error| {
            let _ = client.batch_execute("ROLLBACK TO SAVEPOINT row");
            format!("{insert}: {error}")
        })
}

/// Rows of `table`, and for each column of `columns` how many are not null.
fn counts(
    client: &mut postgres::Client,
    table: &Name,
    columns: &[String],
) -> Result<Vec<i64>, String> {
    let mut select = vec!["count(*)".to_owned()];
    for column in columns {
        select.push(format!("count(\"{}\")", column.replace('"', "\"\"")));
    }
    let query = format!("SELECT {} FROM {table}", select.join(", "));
    let row = client.query_one(&query, &[]).map_err(|error| {
        let message = error
            .as_db_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_owned());
        format!("{query}: {message}")
    })?;
    Ok((0..select.len()).map(|index| row.get(index)).collect())
}

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
fn rollback_sql_renames_back_and_keeps_the_rows_on_the_corpus() {
    let mut tested = 0;
    let mut failures = Vec::new();
    for set in [
        "bors",
        "crates_io",
        "defguard",
        "hatchet",
        "inbox_zero",
        "kestra",
        "labrinth",
        "underway",
        "zero2prod",
    ] {
        let dir = corpus_dir().join(set).join("migrations");
        let migrations = discover(&dir, None).expect("discover").migrations;
        let renaming = renaming_migrations(&migrations);
        let Some(&(last, _)) = renaming.last() else {
            continue;
        };
        let database = TestDatabase::new(&format!("cli_rename_rollback_{set}"));
        let mut client = database.client();
        if matches!(
            set,
            "underway" | "bors" | "defguard" | "labrinth" | "zero2prod"
        ) {
            // sqlx's bookkeeping table, which underway's first migration copies.
            client
                .batch_execute("CREATE TABLE public._sqlx_migrations (version bigint PRIMARY KEY, description text NOT NULL, installed_on timestamptz NOT NULL DEFAULT now(), success boolean NOT NULL, checksum bytea NOT NULL, execution_time bigint NOT NULL)")
                .expect("create _sqlx_migrations");
        }
        for (index, migration) in migrations.iter().enumerate().take(last + 1) {
            let Some((_, renamed)) = renaming.iter().find(|(at, _)| *at == index) else {
                apply(&mut client, migration);
                continue;
            };
            let sql = rollback_sql(&dir, &migration.version);
            client.batch_execute("BEGIN").expect("begin");
            let mut before = Vec::new();
            let mut skipped = None;
            for table in renamed {
                if let Err(error) = insert_row(&mut client, &table.table, &table.columns) {
                    skipped = Some(error);
                    break;
                }
                match counts(&mut client, &table.table, &table.columns) {
                    Ok(counted) => before.push(counted),
                    Err(error) => {
                        skipped = Some(error);
                        break;
                    }
                }
            }
            let result = match skipped {
                Some(error) => Err(format!("no row could be inserted: {error}")),
                None => client
                    .batch_execute(&format!("SAVEPOINT up; {}", migration.up))
                    .map_err(|error| format!("does not apply with rows in its tables: {error}"))
                    .and_then(|()| {
                        client
                            .batch_execute(&sql)
                            .map_err(|error| format!("rollback SQL fails: {error}\n{sql}"))
                    }),
            };
            match result {
                Ok(()) => {
                    tested += 1;
                    for (table, before) in renamed.iter().zip(&before) {
                        let after = counts(&mut client, &table.table, &table.columns)
                            .map_err(|error| format!("after the rollback: {error}"));
                        if after.as_ref() != Ok(before) {
                            failures.push(format!(
                                "{set} {}: {} had {before:?} rows (and non-null {:?}), {after:?} after the rollback\n{sql}",
                                migration.path, table.table, table.columns
                            ));
                        }
                    }
                    println!("{set} {}: rows kept", migration.path);
                }
                Err(reason) if reason.starts_with("rollback SQL fails") => {
                    failures.push(format!("{set} {}: {reason}", migration.path));
                }
                Err(reason) => println!("{set} {}: not tested: {reason}", migration.path),
            }
            client.batch_execute("ROLLBACK").expect("rollback");
            apply(&mut client, migration);
        }
    }
    println!("{tested} renaming migrations tested");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(tested > 0, "no renaming migration of the corpus was tested");
}
