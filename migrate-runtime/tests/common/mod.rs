//! Helpers shared by the runtime's tests: migrations built at run time (and
//! leaked, as the runtime wants `&'static` data, as a binary embeds it).
#![allow(dead_code)]

use migrate_runtime::{EmbeddedMigration, Migrations};

/// A migration spec: version, SQL, and for a non-transactional one its statements.
pub struct Spec {
    pub version: String,
    pub sql: String,
    pub statements: Option<Vec<String>>,
}

/// A transactional migration.
pub fn tx(version: &str, sql: &str) -> Spec {
    Spec {
        version: version.to_owned(),
        sql: sql.to_owned(),
        statements: None,
    }
}

/// A non-transactional migration made of `statements`.
pub fn no_tx(version: &str, statements: &[&str]) -> Spec {
    Spec {
        version: version.to_owned(),
        sql: statements.join(";\n") + ";\n",
        statements: Some(statements.iter().map(|s| (*s).to_owned()).collect()),
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// One embedded migration, leaked.
pub fn embed(spec: &Spec) -> EmbeddedMigration {
    let statements: &'static [&'static str] = match &spec.statements {
        Some(statements) => Box::leak(
            statements
                .iter()
                .map(|s| leak(s.clone()))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        ),
        None => &[],
    };
    EmbeddedMigration {
        version: leak(spec.version.clone()),
        name: leak(format!("m{}", spec.version)),
        path: leak(format!("{}_m{}.sql", spec.version, spec.version)),
        sql: leak(spec.sql.clone()),
        down: None,
        checksum: leak(migrate_core::checksum(&spec.sql)),
        transactional: spec.statements.is_none(),
        statements,
    }
}

/// The migrations of `specs`, in order, leaked.
pub fn migrations(specs: &[Spec]) -> &'static Migrations {
    let embedded: Vec<EmbeddedMigration> = specs.iter().map(embed).collect();
    let embedded: &'static [EmbeddedMigration] = Box::leak(embedded.into_boxed_slice());
    Box::leak(Box::new(
        Migrations::new(embedded, "{}").with_package("runtime-tests", "0.0.0"),
    ))
}

/// `n` transactional migrations, each creating table `t<i>` and logging
/// itself in `applied_log`, the first also creating the log.
pub fn numbered(n: usize) -> Vec<Spec> {
    (1..=n)
        .map(|i| {
            let mut sql = String::new();
            if i == 1 {
                sql.push_str("CREATE TABLE applied_log (version int NOT NULL, at timestamptz DEFAULT now());\n");
            }
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id bigint PRIMARY KEY, note text);\nINSERT INTO applied_log (version) VALUES ({i});\n"
            ));
            tx(&format!("{i:04}"), &sql)
        })
        .collect()
}

/// Versions in the history table, in apply order, with their success flag.
pub fn history(client: &mut postgres::Client) -> Vec<(String, bool)> {
    client
        .query(
            "SELECT version, success FROM public._migrate_history ORDER BY installed_rank",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// Names of the ordinary tables in `public`, sorted.
pub fn tables(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Sessions holding any advisory lock in the current database.
pub fn advisory_holders(client: &mut postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0)
}
