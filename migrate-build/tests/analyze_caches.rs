//! Every query of the five sqlx offline caches in the corpus (labrinth,
//! defguard, bors, underway, zero2prod: 982 queries that run in production
//! against exactly these migrations) described against the schema the fold
//! makes of its set's migrations: how many `describe` accepts, per set, why
//! it refuses the others, and whether the parameter and column types it
//! gives agree with the ones PostgreSQL gave sqlx.
//!
//! `cargo test -p pgfold-build --test analyze_caches -- --nocapture` prints
//! the figures and every refusal.

mod analyze_common;

use std::collections::BTreeMap;

use migrate_build::analyze::describe;
use migrate_build::discover::discover;
use migrate_build::fold::fold_with;
use migrate_build::prelude::Before;
use migrate_core::Schema;
use migrate_test_support::corpus_dir;

use analyze_common::sqlx_cache_of;

/// The sets with a `sqlx-cache/`, and how many of their queries `describe`
/// must accept at least (raise it when a fix lands; it never goes down).
const SETS: &[(&str, usize)] = &[
    ("labrinth", 398),
    ("defguard", 425),
    ("bors", 45),
    ("underway", 96),
    ("zero2prod", 18),
];

/// The schema the fold makes of a set's migrations. The fold's errors are
/// returned beside it: a query over a table the fold lost then fails here
/// too, and the error says why.
fn folded(set: &str) -> (Schema, Vec<String>) {
    let discovered = discover(&corpus_dir().join(set).join("migrations"), None).expect("discover");
    // From the sqlx layout's own bookkeeping table, as the build starts.
    let before = Before::new(discovered.layout, None, None);
    let folded = fold_with(&before, &discovered.migrations);
    let errors = folded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    (folded.schema, errors)
}

/// sqlx's name of a type as `SqlType::udt_name` gives it: sqlx
/// qualifies a type outside `public` (`underway.task_state`) and writes an
/// array of a custom type as `header_pair[]`; the udt name is `_header_pair`.
fn udt_name(sqlx: &str) -> String {
    let (element, array) = match sqlx.strip_suffix("[]") {
        Some(element) => (element, true),
        None => (sqlx, false),
    };
    let element = element.rsplit('.').next().unwrap_or(element);
    // sqlx names the anonymous row type `Record`.
    let element = if element == "Record" {
        "record"
    } else {
        element
    };
    if array {
        format!("_{element}")
    } else {
        element.to_owned()
    }
}

/// A message with its quoted names blanked, so that refusals group by kind.
fn class(message: &str) -> String {
    let mut class = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '"' {
            if !quoted {
                class.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            class.push(c);
        }
    }
    class
}

#[test]
fn sqlx_caches_describe_as_postgresql_did() {
    let mut summary = Vec::new();
    let mut shortfalls = Vec::new();
    let mut param_disagreements = Vec::new();
    let mut column_disagreements = Vec::new();
    let mut n_columns = 0;
    let mut n_total = 0;
    let mut n_accepted_total = 0;
    for &(set, floor) in SETS {
        let (schema, fold_errors) = folded(set);
        for error in &fold_errors {
            println!("{set}: FOLD ERROR {error}");
        }
        let cache = sqlx_cache_of(set);
        let mut n_accepted = 0;
        let mut classes: BTreeMap<String, usize> = BTreeMap::new();
        for entry in &cache {
            match describe(&schema, &entry.query) {
                Ok(described) => {
                    n_accepted += 1;
                    let ours: Vec<String> =
                        described.params.iter().map(|ty| ty.udt_name()).collect();
                    let theirs: Vec<String> =
                        entry.params.iter().map(|name| udt_name(name)).collect();
                    if ours != theirs {
                        param_disagreements.push(format!(
                            "{set} {}: sqlx {:?}, ours {ours:?}",
                            entry.file, entry.params
                        ));
                    }
                    let ours: Vec<String> =
                        described.columns.iter().map(|c| c.ty.udt_name()).collect();
                    let theirs: Vec<String> = entry
                        .columns
                        .iter()
                        .map(|(_, ty, _)| udt_name(ty))
                        .collect();
                    n_columns += theirs.len();
                    if ours != theirs {
                        column_disagreements.push(format!(
                            "{set} {}: sqlx {theirs:?}, ours {ours:?}",
                            entry.file
                        ));
                    }
                }
                Err(errors) => {
                    *classes.entry(class(&errors[0].message)).or_default() += 1;
                    let rendered: Vec<String> =
                        errors.iter().map(|e| e.render(&entry.query)).collect();
                    println!("{set} REFUSED {}:\n{}\n", entry.file, rendered.join("\n"));
                }
            }
        }
        summary.push(format!("{set}: {n_accepted} of {} described", cache.len()));
        for (class, count) in &classes {
            summary.push(format!("    {count:>3} × {class}"));
        }
        if n_accepted < floor {
            shortfalls.push(format!(
                "{set}: {n_accepted} accepted, at least {floor} expected"
            ));
        }
        n_total += cache.len();
        n_accepted_total += n_accepted;
    }
    for line in &summary {
        println!("{line}");
    }
    println!("all sets: {n_accepted_total} of {n_total} described");
    for disagreement in &param_disagreements {
        println!("PARAM {disagreement}");
    }
    println!(
        "column types: {} queries differ from sqlx's ({n_columns} columns in accepted queries)",
        column_disagreements.len()
    );
    for disagreement in &column_disagreements {
        println!("COLUMNS {disagreement}");
    }
    assert!(shortfalls.is_empty(), "{shortfalls:#?}");
    assert!(
        column_disagreements.is_empty(),
        "{} queries typed with other column types than PostgreSQL's",
        column_disagreements.len()
    );
    assert!(
        param_disagreements.is_empty(),
        "{} queries typed with other parameters than PostgreSQL's",
        param_disagreements.len()
    );
}
