//! Shared by the analysis tests that need a real schema: labrinth's
//! migrations applied to a fresh PostgreSQL database and read back, its
//! queries and its sqlx offline cache.
#![allow(dead_code)]

use std::path::PathBuf;

use migrate_core::Schema;
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_test_support::{TestDatabase, corpus_dir};

pub fn labrinth_dir() -> PathBuf {
    corpus_dir().join("labrinth")
}

/// Applies labrinth's migrations, in the order `apply_log.tsv` records, to a
/// fresh database and returns it with the schema PostgreSQL ended up with.
pub fn labrinth_database() -> (TestDatabase, Schema) {
    let dir = labrinth_dir();
    let log = std::fs::read_to_string(dir.join("apply_log.tsv")).expect("apply_log.tsv");
    let db = TestDatabase::new("analyze_labrinth");
    let mut client = db.client();
    for line in log.lines().skip(1) {
        let file = line.split('\t').nth(1).expect("file column");
        let sql = std::fs::read_to_string(dir.join("migrations").join(file)).expect("migration");
        client
            .batch_execute(&sql)
            .unwrap_or_else(|error| panic!("{file}: {error}"));
    }
    let schema = introspect(&mut client, &IntrospectOptions::default()).expect("introspect");
    (db, schema)
}

/// The blocks of `queries.txt`: (source comment, SQL).
pub fn labrinth_queries() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(labrinth_dir().join("queries.txt")).expect("queries.txt");
    let mut queries = Vec::new();
    for block in text.split("\n-- ---\n").skip(1) {
        let mut source = String::new();
        let mut sql = Vec::new();
        for line in block.lines() {
            if line.starts_with("-- source:") && source.is_empty() {
                source = line.trim_start_matches("-- source:").trim().to_owned();
            } else {
                sql.push(line);
            }
        }
        let sql = sql.join("\n").trim().to_owned();
        if !sql.is_empty() {
            queries.push((source, sql));
        }
    }
    queries
}

/// One entry of the sqlx offline cache.
pub struct CacheEntry {
    pub file: String,
    pub query: String,
    /// Parameter types as PostgreSQL udt names (`int8`, `_varchar`).
    pub params: Vec<String>,
    /// (name, udt name, nullable: `None` when sqlx did not know).
    pub columns: Vec<(String, String, Option<bool>)>,
}

pub fn sqlx_cache() -> Vec<CacheEntry> {
    sqlx_cache_of("labrinth")
}

/// The sqlx offline cache of one corpus set, sorted by file name.
pub fn sqlx_cache_of(set: &str) -> Vec<CacheEntry> {
    migrate_test_support::sqlx_cache(set)
        .into_iter()
        .map(|(file, json)| {
            let describe = &json["describe"];
            let params = describe["parameters"]["Left"]
                .as_array()
                .map(|params| params.iter().map(sqlx_type).collect())
                .unwrap_or_default();
            let nullable = describe["nullable"].as_array().cloned().unwrap_or_default();
            let columns = describe["columns"]
                .as_array()
                .map(|columns| {
                    columns
                        .iter()
                        .enumerate()
                        .map(|(i, column)| {
                            (
                                column["name"].as_str().unwrap_or_default().to_owned(),
                                sqlx_type(&column["type_info"]),
                                nullable.get(i).and_then(serde_json::Value::as_bool),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            CacheEntry {
                file,
                query: json["query"].as_str().unwrap_or_default().to_owned(),
                params,
                columns,
            }
        })
        .collect()
}

/// sqlx's type names (`Int8`, `VarcharArray`, `Timestamptz`) as PostgreSQL
/// udt names (`int8`, `_varchar`, `timestamptz`).
pub fn sqlx_type(value: &serde_json::Value) -> String {
    let name = match value {
        serde_json::Value::String(name) => name.clone(),
        // {"Custom": {"name": "x", "kind": ...}}
        other => other["Custom"]["name"].as_str().unwrap_or("?").to_owned(),
    };
    let (element, array) = match name.strip_suffix("Array") {
        Some(element) => (element.to_owned(), true),
        None => (name.clone(), false),
    };
    let udt = match element.as_str() {
        "Bool" => "bool",
        "Bytea" => "bytea",
        "Char" => "char",
        "Name" => "name",
        "Int8" => "int8",
        "Int2" => "int2",
        "Int4" => "int4",
        "Text" => "text",
        "Oid" => "oid",
        "Json" => "json",
        "Jsonb" => "jsonb",
        "Float4" => "float4",
        "Float8" => "float8",
        "Bpchar" => "bpchar",
        "Varchar" => "varchar",
        "Date" => "date",
        "Time" => "time",
        "Timestamp" => "timestamp",
        "Timestamptz" => "timestamptz",
        "Interval" => "interval",
        "Timetz" => "timetz",
        "Numeric" => "numeric",
        "Uuid" => "uuid",
        "Inet" => "inet",
        "Void" => "void",
        "Cidr" => "cidr",
        "Macaddr" => "macaddr",
        "Money" => "money",
        "Bit" => "bit",
        "Varbit" => "varbit",
        "Int4Range" => "int4range",
        "Int8Range" => "int8range",
        "NumRange" => "numrange",
        "TsRange" => "tsrange",
        "TstzRange" => "tstzrange",
        "DateRange" => "daterange",
        "Record" => "record",
        other => other,
    };
    if array {
        format!("_{udt}")
    } else {
        udt.to_owned()
    }
}

/// Applies a corpus set's migrations (in the order `discover` gives, each
/// as its tool would: one transaction, or statement by statement) to a fresh
/// database, skipping the files `apply_log.tsv` records as failing, and
/// returns the schema PostgreSQL ended up with.
pub fn corpus_database(set: &str) -> (TestDatabase, Schema) {
    let dir = corpus_dir().join(set);
    let log = std::fs::read_to_string(dir.join("apply_log.tsv")).expect("apply_log.tsv");
    let failing: Vec<String> = log
        .lines()
        .skip(1)
        .filter(|line| line.split('\t').nth(3) == Some("FAIL"))
        .filter_map(|line| line.split('\t').nth(1).map(str::to_owned))
        .collect();
    let discovered =
        migrate_build::discover::discover(&dir.join("migrations"), None).expect("discover");
    let db = TestDatabase::new(&format!("analyze_{set}"));
    let mut client = db.client();
    for migration in &discovered.migrations {
        if failing.contains(&migration.path) {
            continue;
        }
        let statements: Vec<String> = if migration.statements.is_empty() {
            migrate_build::split::split_statements(&migration.up)
                .into_iter()
                .map(|statement| statement.text.to_owned())
                .collect()
        } else {
            migration.statements.clone()
        };
        let result = if migration.transactional {
            client.batch_execute(&migration.up)
        } else {
            Err(None::<()>).or_else(|_| {
                for statement in &statements {
                    client.batch_execute(statement)?;
                }
                Ok(())
            })
        };
        if let Err(error) = result {
            // A transactional file with CREATE INDEX CONCURRENTLY and the
            // like was applied statement by statement when the corpus was made.
            for statement in &statements {
                client
                    .batch_execute(statement)
                    .unwrap_or_else(|e| panic!("{set} {}: {error}; {e}", migration.path));
            }
        }
    }
    let schema = introspect(&mut client, &IntrospectOptions::default()).expect("introspect");
    (db, schema)
}
