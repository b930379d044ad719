//! `migrate check --describe` over every query of the five sqlx offline
//! caches in the corpus (labrinth, defguard, bors, underway, zero2prod), each
//! set against its own migrations: the parameter types, column names and
//! column types it prints are the ones PostgreSQL gave sqlx, and so is each
//! column's nullability where sqlx recorded one (`true` or `false`). Where
//! sqlx recorded `null` ("unknown", which its macros read as nullable)
//! migrate may prove the column non-null (`EXISTS`, `count()`, a constant,
//! `COALESCE` with a non-null argument, a `UNION` of non-null columns);
//! each such column is given its reason below, so that a wrong proof,
//! which would fail at run time, cannot pass unseen.
//! A column whose alias carries sqlx's `!` or `?` takes its nullability from
//! the alias in both, and is counted apart.
//!
//! `cargo test -p pgfold-cli --test describe_caches -- --nocapture` prints
//! the figures per set.

mod common;

use std::process::Command;

use migrate_test_support::{TempDir, corpus_dir, sqlx_cache};
use serde_json::Value;

use common::{expect_code, stdout};

const SETS: &[&str] = &["labrinth", "defguard", "bors", "underway", "zero2prod"];

/// Columns whose nullability migrate gives otherwise than sqlx recorded,
/// each with the reason, by cache file prefix and column name. An entry
/// that no longer differs fails the test, so that none goes stale.
const EXPLAINED: &[(&str, &str, &str)] = &[
    (
        "query-d5167701",
        "yubikey_name",
        "y.name of `LEFT JOIN yubikey y`: NULL when no yubikey matches. sqlx took NOT NULL from the column itself; the service's own override reads it as Option<String>",
    ),
    (
        "query-d5167701",
        "serial",
        "y.serial of `LEFT JOIN yubikey y`: NULL when no yubikey matches. sqlx took NOT NULL from the column itself; the service's own override reads it as Option<String>",
    ),
];

/// One entry of a sqlx offline cache.
struct Entry {
    file: String,
    query: String,
    params: Vec<String>,
    /// (name as sqlx wrote it, udt name, nullable as sqlx recorded it).
    columns: Vec<(String, String, Option<bool>)>,
}

/// A sqlx `type_info` as PostgreSQL's udt name (`Int8` → `int8`,
/// `TextArray` → `_text`, `{"Custom": {"name": "underway.task_state"}}` →
/// `task_state`, `header_pair[]` → `_header_pair`).
fn udt_name(ty: &Value) -> String {
    let name = match ty {
        Value::String(name) => name.clone(),
        other => other["Custom"]["name"]
            .as_str()
            .expect("a custom type's name")
            .to_owned(),
    };
    if let Some(element) = name.strip_suffix("[]") {
        let element = element.rsplit('.').next().unwrap_or(element);
        return format!("_{element}");
    }
    if ty.is_object() {
        return name.rsplit('.').next().unwrap_or(&name).to_owned();
    }
    let (element, array) = match name.strip_suffix("Array") {
        Some(element) => (element, true),
        None => (name.as_str(), false),
    };
    let udt = match element {
        "Int4Range" => "int4range".to_owned(),
        "Int8Range" => "int8range".to_owned(),
        "TstzRange" => "tstzrange".to_owned(),
        other => other.to_lowercase(),
    };
    if array { format!("_{udt}") } else { udt }
}

fn cache_of(set: &str) -> Vec<Entry> {
    sqlx_cache(set)
        .into_iter()
        .map(|(file, json)| {
            let describe = &json["describe"];
            let nullable = describe["nullable"].as_array().cloned().unwrap_or_default();
            Entry {
                file,
                query: json["query"].as_str().expect("the query").to_owned(),
                params: describe["parameters"]["Left"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(udt_name)
                    .collect(),
                columns: describe["columns"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(index, column)| {
                        (
                            column["name"].as_str().expect("a name").to_owned(),
                            udt_name(&column["type_info"]),
                            nullable.get(index).and_then(Value::as_bool),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// sqlx's column name without its override suffix, and whether the
/// suffix decides nullability (`!` or `?`).
fn plain_name(name: &str) -> (&str, bool) {
    let name = name.split(':').next().unwrap_or(name).trim_end();
    match name.strip_suffix(['!', '?']) {
        Some(plain) => (plain, true),
        None => (name, false),
    }
}

/// Nullability of one set's columns, compared.
/// Why migrate proves non-null a column sqlx recorded as unknown, or
/// `None` when nobody said (a failure: a wrong proof makes a non-`Option`
/// field that fails at run time).
fn proven_because(file: &str, column: &str) -> Option<&'static str> {
    match column {
        // `EXISTS (...)` is true or false.
        "exists" => Some("EXISTS is never null"),
        // Every `count` column of the caches is a top-level `count(..)`.
        "count" => Some("count() is 0 over no rows, never null"),
        _ => PROVEN
            .iter()
            .find(|(prefix, name, _)| file.starts_with(prefix) && *name == column)
            .map(|(_, _, reason)| *reason),
    }
}

/// Single columns migrate proves non-null where sqlx recorded unknown.
const PROVEN: &[(&str, &str, &str)] = &[
    (
        "query-4838777a",
        "mod_id",
        "COALESCE(vd.mod_id, 0) has a non-null argument",
    ),
    (
        "query-5942afe6",
        "id",
        "both UNION branches select NOT NULL mods.id through inner joins",
    ),
    (
        "query-5942afe6",
        "team_id",
        "both UNION branches select NOT NULL mods.team_id through inner joins",
    ),
    ("query-698f8c60", "_output", "the constant 1"),
];

#[derive(Default, Debug)]
struct Nullability {
    /// sqlx recorded true or false, and migrate says the same.
    equal: usize,
    /// sqlx recorded `null` (unknown) and migrate says nullable too.
    unknown_nullable: usize,
    /// sqlx recorded `null` and migrate proves the column non-null.
    proven_non_null: usize,
    /// The alias's `!` or `?` decides, in both.
    overridden: usize,
    /// Differences listed in [`EXPLAINED`].
    explained: Vec<String>,
    /// Differences nobody explained: failures.
    unexplained: Vec<String>,
}

#[test]
fn check_describe_agrees_with_the_sqlx_caches() {
    let work = TempDir::new();
    let mut problems = Vec::new();
    let mut explained_seen = Vec::new();
    for &set in SETS {
        let entries = cache_of(set);
        // One statement per entry, in order; a query's own `;` is dropped so
        // that no empty statement comes between them.
        let sql: String = entries
            .iter()
            .map(|entry| format!("{}\n;\n", entry.query.trim().trim_end_matches(';')))
            .collect();
        let file = format!("{set}.sql");
        work.write(&file, sql);
        let migrations = corpus_dir().join(set).join("migrations");
        let output = Command::new(env!("CARGO_BIN_EXE_migrate"))
            .arg("check")
            .arg("--describe")
            .arg("--migrations")
            .arg(&migrations)
            .arg(&file)
            .current_dir(work.path())
            .output()
            .expect("run migrate check");
        // Every query is accepted (warnings aside).
        expect_code(&output, 0);
        let lines: Vec<Value> = stdout(&output)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect();
        assert_eq!(
            lines.len(),
            entries.len(),
            "{set}: one line per query\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let (mut n_params, mut params_agree) = (0, 0);
        let (mut n_columns, mut types_agree, mut names_agree) = (0, 0, 0);
        let mut nullability = Nullability::default();
        for (entry, line) in entries.iter().zip(&lines) {
            if let Some(error) = line["error"].as_str() {
                problems.push(format!("{set} {}: refused: {error}", entry.file));
                continue;
            }
            let params: Vec<&str> = line["params"]
                .as_array()
                .expect("params")
                .iter()
                .map(|param| param.as_str().expect("a type"))
                .collect();
            n_params += entry.params.len();
            params_agree += entry
                .params
                .iter()
                .zip(&params)
                .filter(|(theirs, ours)| theirs == ours)
                .count();
            if params != entry.params {
                problems.push(format!(
                    "{set} {}: parameters {params:?}, sqlx {:?}",
                    entry.file, entry.params
                ));
            }
            let columns = line["columns"].as_array().expect("columns");
            if columns.len() != entry.columns.len() {
                problems.push(format!(
                    "{set} {}: {} columns, sqlx {}",
                    entry.file,
                    columns.len(),
                    entry.columns.len()
                ));
                continue;
            }
            for ((name, ty, sqlx_nullable), ours) in entry.columns.iter().zip(columns) {
                n_columns += 1;
                let (plain, overridden) = plain_name(name);
                let our_name = ours["name"].as_str().unwrap_or_default();
                let our_type = ours["type"].as_str().unwrap_or_default();
                let our_nullable = ours["nullable"].as_bool().expect("nullable");
                if our_name == plain {
                    names_agree += 1;
                } else {
                    problems.push(format!(
                        "{set} {}: column {our_name:?}, sqlx {name:?}",
                        entry.file
                    ));
                }
                if our_type == ty {
                    types_agree += 1;
                } else {
                    problems.push(format!(
                        "{set} {} column {plain}: type {our_type}, sqlx {ty}",
                        entry.file
                    ));
                }
                let described = format!(
                    "{set} {} column {plain}: migrate nullable {our_nullable}, sqlx {sqlx_nullable:?}",
                    entry.file
                );
                match (overridden, sqlx_nullable) {
                    (true, _) => nullability.overridden += 1,
                    (false, Some(known)) if *known == our_nullable => nullability.equal += 1,
                    (false, None) if our_nullable => nullability.unknown_nullable += 1,
                    (false, None) => match proven_because(&entry.file, plain) {
                        Some(_) => {
                            nullability.proven_non_null += 1;
                            explained_seen.push((entry.file.clone(), plain.to_owned()));
                        }
                        None => nullability
                            .unexplained
                            .push(format!("{described}: proven non-null, and nobody said why")),
                    },
                    (false, Some(_)) => match EXPLAINED.iter().find(|(prefix, column, _)| {
                        entry.file.starts_with(prefix) && *column == plain
                    }) {
                        Some((_, column, reason)) => {
                            explained_seen.push((entry.file.clone(), column.to_string()));
                            nullability.explained.push(format!("{described}: {reason}"));
                        }
                        None => nullability.unexplained.push(described),
                    },
                }
            }
        }
        println!(
            "{set}: {} queries; parameters {params_agree}/{n_params}; columns {n_columns}: names {names_agree}, types {types_agree}",
            entries.len()
        );
        println!(
            "{set}: nullability where sqlx knew: {} equal, {} explained, {} unexplained; where sqlx did not know: {} nullable, {} proven non-null; {} decided by `!`/`?`",
            nullability.equal,
            nullability.explained.len(),
            nullability.unexplained.len(),
            nullability.unknown_nullable,
            nullability.proven_non_null,
            nullability.overridden
        );
        for line in &nullability.explained {
            println!("EXPLAINED {line}");
        }
        for line in &nullability.unexplained {
            println!("DIFF {line}");
        }
        problems.extend(nullability.unexplained);
    }
    for (prefix, column, _) in EXPLAINED.iter().chain(PROVEN) {
        let seen = explained_seen
            .iter()
            .any(|(file, name)| file.starts_with(prefix) && name == column);
        if !seen {
            problems.push(format!(
                "{prefix} {column} no longer differs: remove its explanation"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
