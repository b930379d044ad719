//! Helpers for migrate's own tests.
//!
//! Every test that needs PostgreSQL creates a database of its own with
//! [`TestDatabase::new`] and the database is dropped when the value is, so
//! tests run in parallel without seeing each other.
//!
//! ```no_run
//! let db = migrate_test_support::TestDatabase::new("example");
//! let mut client = db.client();
//! client.batch_execute("CREATE TABLE t (id int)").unwrap();
//! ```

pub mod fuzz;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, NoTls};

/// The server the tests use: `MIGRATE_TEST_DATABASE_URL`, or the local
/// PostgreSQL as a developer machine and CI have it.
pub fn server_url() -> String {
    std::env::var("MIGRATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The shared corpus of real migration histories, `../shared/corpus` from
/// the project root.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus")
}

/// The project root (the workspace).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A database created for one test and dropped (forcibly) when this is dropped.
pub struct TestDatabase {
    /// The database's name: `migrate_test_<prefix>_<pid>_<n>_<nanos>`.
    pub name: String,
    /// A connection string for it.
    pub url: String,
}

impl TestDatabase {
    /// Creates a fresh, empty database whose name starts with `prefix`.
    pub fn new(prefix: &str) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "migrate_test_{}_{}_{}_{}",
            prefix.to_ascii_lowercase(),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut admin = admin_client();
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|error| panic!("cannot create test database {name}: {error}"));
        let url = with_database(&server_url(), &name);
        Self { name, url }
    }

    /// A new connection to this database.
    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls)
            .unwrap_or_else(|error| panic!("cannot connect to {}: {error}", self.name))
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut admin) = Client::connect(&server_url(), NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn admin_client() -> Client {
    Client::connect(&server_url(), NoTls).unwrap_or_else(|error| {
        panic!(
            "cannot connect to PostgreSQL at {} (set MIGRATE_TEST_DATABASE_URL): {error}",
            redact(&server_url())
        )
    })
}

/// `url` with its database replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}

/// `url` without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some(at) = url.rfind('@') else {
        return url.to_owned();
    };
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..at].find(':') {
        Some(colon) => format!("{}:***{}", &url[..after_scheme + colon], &url[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_database_and_hides_password() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn databases_are_created_and_dropped() {
        let name = {
            let db = TestDatabase::new("support");
            let mut client = db.client();
            let row = client.query_one("SELECT current_database()", &[]).unwrap();
            assert_eq!(row.get::<_, String>(0), db.name);
            db.name.clone()
        };
        let mut admin = admin_client();
        let left = admin
            .query_one(
                "SELECT count(*) FROM pg_database WHERE datname = $1",
                &[&name],
            )
            .unwrap();
        assert_eq!(left.get::<_, i64>(0), 0);
    }
}
