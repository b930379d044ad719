//! Every query of labrinth (a real sqlx service) is accepted against the
//! schema its migrations produce, and `describe` agrees with what sqlx
//! recorded against a live database in its offline cache.

mod analyze_common;

use migrate_build::analyze::{Described, describe};
use migrate_build::discover::discover;
use migrate_build::fold::fold;
use migrate_core::Schema;

use analyze_common::{labrinth_database, labrinth_queries, sqlx_cache};

/// Accepts every query of queries.txt; returns the failures, rendered.
fn rejected(schema: &Schema) -> Vec<String> {
    let mut failures = Vec::new();
    let queries = labrinth_queries();
    // A figure for the report, not an assertion: tests do not time things.
    let started = std::time::Instant::now();
    let mut n_warnings = 0;
    for (_, sql) in &queries {
        if let Ok(described) = describe(schema, sql) {
            n_warnings += described.warnings.len();
        }
    }
    println!(
        "described {} queries in {:?} ({} warnings)",
        queries.len(),
        started.elapsed(),
        n_warnings
    );
    for (source, sql) in queries {
        if let Err(errors) = describe(schema, &sql) {
            let rendered: Vec<String> = errors.iter().map(|e| e.render(&sql)).collect();
            failures.push(format!("{source}:\n{}", rendered.join("\n")));
        }
    }
    failures
}

#[derive(Default, Debug)]
struct Agreement {
    queries: usize,
    accepted: usize,
    params: usize,
    params_agree: usize,
    columns: usize,
    names_agree: usize,
    types_agree: usize,
    nullability_agree: usize,
    /// Columns for which sqlx recorded `true` or `false` (not "unknown").
    nullability_known: usize,
    /// Of those, the ones where migrate says the same.
    nullability_known_agree: usize,
    /// Columns where sqlx and migrate differ for a reason given in [`explained`].
    nullability_explained: usize,
    explanations: Vec<String>,
    disagreements: Vec<String>,
}

/// Why migrate's nullability differs from sqlx's for a column, or `None`
/// when it should not differ.
///
/// sqlx learns nullability from `pg_attribute.attnotnull` of the column a
/// result comes from, and from `EXPLAIN` for outer joins; for any computed
/// expression it records `null` ("unknown"), and its macros then make the
/// field an `Option`. migrate proves some expressions non-null:
fn explained(file: &str, column: &str, sqlx: Option<bool>, ours: bool) -> Option<&'static str> {
    match (sqlx, ours, column) {
        // `EXISTS (...)` is true or false, never null.
        (None, false, "exists") => Some("EXISTS is never null; sqlx cannot tell"),
        // `count(..)` is 0 on no rows, never null.
        (None, false, "count") => Some("count() is never null; sqlx cannot tell"),
        _ => EXPLAINED
            .iter()
            .find(|(prefix, name, _)| file.starts_with(prefix) && *name == column)
            .map(|(_, _, reason)| *reason),
    }
}

/// Single cases, by cache file and column.
const EXPLAINED: &[(&str, &str, &str)] = &[
    (
        "query-4838777a",
        "mod_id",
        "COALESCE(vd.mod_id, 0) has a non-null argument; sqlx cannot tell",
    ),
    (
        "query-5942afe6",
        "id",
        "both UNION branches select NOT NULL mods.id through inner joins; sqlx cannot see through UNION",
    ),
    (
        "query-5942afe6",
        "team_id",
        "both UNION branches select NOT NULL mods.team_id through inner joins; sqlx cannot see through UNION",
    ),
];

fn udt(ty: &migrate_core::SqlType) -> String {
    ty.udt_name()
}

fn compare(schema: &Schema) -> Agreement {
    let mut agreement = Agreement::default();
    for entry in sqlx_cache() {
        agreement.queries += 1;
        let described: Described = match describe(schema, &entry.query) {
            Ok(described) => described,
            Err(errors) => {
                let rendered: Vec<String> = errors.iter().map(|e| e.render(&entry.query)).collect();
                agreement.disagreements.push(format!(
                    "{} rejected:\n{}",
                    entry.file,
                    rendered.join("\n")
                ));
                continue;
            }
        };
        agreement.accepted += 1;
        agreement.params += entry.params.len();
        for (index, expected) in entry.params.iter().enumerate() {
            let ours = described.params.get(index).map(udt).unwrap_or_default();
            if ours == *expected {
                agreement.params_agree += 1;
            } else {
                agreement.disagreements.push(format!(
                    "{} param ${}: sqlx {expected}, ours {ours}",
                    entry.file,
                    index + 1
                ));
            }
        }
        if described.params.len() != entry.params.len() {
            agreement.disagreements.push(format!(
                "{}: sqlx has {} params, ours {}",
                entry.file,
                entry.params.len(),
                described.params.len()
            ));
        }
        agreement.columns += entry.columns.len();
        if described.columns.len() != entry.columns.len() {
            agreement.disagreements.push(format!(
                "{}: sqlx has {} columns, ours {}",
                entry.file,
                entry.columns.len(),
                described.columns.len()
            ));
        }
        for ((name, ty, nullable), ours) in entry.columns.iter().zip(&described.columns) {
            // sqlx strips nothing: its name is the full alias ("id!"); ours
            // has the override applied, so compare after stripping it.
            let sqlx_name = name
                .split(':')
                .next()
                .unwrap_or_default()
                .trim()
                .trim_end_matches(['!', '?']);
            if sqlx_name == ours.name {
                agreement.names_agree += 1;
            } else {
                agreement.disagreements.push(format!(
                    "{} column {name}: ours named {}",
                    entry.file, ours.name
                ));
            }
            if *ty == udt(&ours.ty) {
                agreement.types_agree += 1;
            } else {
                agreement.disagreements.push(format!(
                    "{} column {name}: sqlx {ty}, ours {}",
                    entry.file,
                    udt(&ours.ty)
                ));
            }
            // sqlx's `null` means "unknown", which its macros treat as nullable.
            let sqlx_nullable = nullable.unwrap_or(true);
            // An override in the alias decides for both.
            let overridden = name.contains('!') || name.contains('?');
            if let Some(known) = nullable {
                agreement.nullability_known += 1;
                if overridden || *known == ours.nullable {
                    agreement.nullability_known_agree += 1;
                }
            }
            if overridden || sqlx_nullable == ours.nullable {
                agreement.nullability_agree += 1;
            } else if let Some(reason) = explained(&entry.file, sqlx_name, *nullable, ours.nullable)
            {
                agreement.nullability_explained += 1;
                agreement
                    .explanations
                    .push(format!("{} column {name}: {reason}", entry.file));
            } else {
                agreement.disagreements.push(format!(
                    "{} column {name}: sqlx nullable {nullable:?}, ours {}",
                    entry.file, ours.nullable
                ));
            }
        }
    }
    agreement
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// The schema the build folds from labrinth's migration files, offline.
fn folded_labrinth() -> Schema {
    let discovered = discover(&analyze_common::labrinth_dir().join("migrations"), None)
        .expect("discover labrinth");
    let folded = fold(&discovered.migrations);
    let errors: Vec<String> = folded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    assert!(errors.is_empty(), "the fold rejects labrinth: {errors:#?}");
    folded.schema
}

/// The product's path: migrations folded offline, queries checked against that.
#[test]
fn labrinth_queries_agree_with_sqlx_against_the_fold() {
    check_against(&folded_labrinth());
}

/// Cross-check: the same against the schema PostgreSQL itself built from
/// the migrations (read back through `pg_catalog`), so that a fold bug and
/// an analysis bug cannot hide each other.
#[test]
fn labrinth_queries_agree_with_sqlx_against_postgres() {
    let (_db, schema) = labrinth_database();
    check_against(&schema);
}

fn check_against(schema: &Schema) {
    let schema = schema.clone();
    let failures = rejected(&schema);
    let n_queries = labrinth_queries().len();
    println!(
        "queries.txt: {} of {n_queries} accepted",
        n_queries - failures.len()
    );
    for failure in &failures {
        println!("REJECTED {failure}\n");
    }
    let agreement = compare(&schema);
    for explanation in &agreement.explanations {
        println!("EXPLAINED {explanation}");
    }
    for disagreement in &agreement.disagreements {
        println!("DIFF {disagreement}");
    }
    println!(
        "sqlx cache: {} of {} accepted; params {}/{} ({:.2} %); column names {}/{} ({:.2} %), types {}/{} ({:.2} %), nullability {}/{} ({:.2} %)",
        agreement.accepted,
        agreement.queries,
        agreement.params_agree,
        agreement.params,
        percent(agreement.params_agree, agreement.params),
        agreement.names_agree,
        agreement.columns,
        percent(agreement.names_agree, agreement.columns),
        agreement.types_agree,
        agreement.columns,
        percent(agreement.types_agree, agreement.columns),
        agreement.nullability_agree,
        agreement.columns,
        percent(agreement.nullability_agree, agreement.columns),
    );
    println!(
        "nullability where sqlx recorded true or false: {}/{} ({:.2} %); {} columns sqlx recorded as unknown",
        agreement.nullability_known_agree,
        agreement.nullability_known,
        percent(
            agreement.nullability_known_agree,
            agreement.nullability_known
        ),
        agreement.columns - agreement.nullability_known,
    );
    let agree_or_explained = agreement.nullability_agree + agreement.nullability_explained;
    println!(
        "nullability: {} equal, {} differ where sqlx recorded unknown and migrate proves non-null (explained), agreement counting explained ones {:.2} %",
        agreement.nullability_agree,
        agreement.nullability_explained,
        percent(agree_or_explained, agreement.columns),
    );
    assert!(failures.is_empty(), "{} queries rejected", failures.len());
    assert_eq!(agreement.accepted, agreement.queries);
    assert_eq!(agreement.params_agree, agreement.params);
    assert_eq!(agreement.names_agree, agreement.columns);
    assert_eq!(agreement.types_agree, agreement.columns);
    // No explanation is stale: each single case still happens.
    for (prefix, column, _) in EXPLAINED {
        assert!(
            agreement
                .explanations
                .iter()
                .any(|e| e.starts_with(prefix) && e.contains(&format!("column {column}"))),
            "{prefix} {column} no longer differs: remove its explanation"
        );
    }
    // Every difference is explained above, and the explained ones are few.
    assert!(agreement.disagreements.is_empty());
    // Where sqlx knew, it and migrate agree on every column; the rest is
    // sqlx's "unknown", which its macros turn into `Option`.
    assert_eq!(
        agreement.nullability_known_agree,
        agreement.nullability_known
    );
    assert!(percent(agree_or_explained, agreement.columns) >= 98.0);
    assert!(percent(agreement.nullability_agree, agreement.columns) >= 93.0);
}
