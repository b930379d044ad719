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
//!
//! Tests that compile crates of their own, as a user's are compiled, write
//! them into a [`GeneratedWorkspace`] and read the compiler's messages back.

pub mod fuzz;
mod generated;
#[cfg(unix)]
mod pgbouncer;

pub use generated::{CargoOutput, CompilerMessage, GeneratedWorkspace, raw_literal};
#[cfg(unix)]
pub use pgbouncer::PgBouncer;

use std::fs;
use std::path::{Path, PathBuf};
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

/// A corpus set's sqlx offline cache (`sqlx-cache/*.json`), sorted by file
/// name: each file's name and its parsed JSON.
pub fn sqlx_cache(set: &str) -> Vec<(String, serde_json::Value)> {
    let dir = corpus_dir().join(set).join("sqlx-cache");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = fs::read_to_string(path)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let json = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            let name = path.file_name().expect("a file name").to_string_lossy();
            (name.into_owned(), json)
        })
        .collect()
}

/// The project root (the workspace).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A temporary directory for a test's project files, removed when
/// dropped.
pub struct TempDir {
    dir: tempfile::TempDir,
}

impl TempDir {
    /// A fresh, empty directory.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("migrate-test-")
            .tempdir()
            .unwrap_or_else(|error| panic!("cannot create a temporary directory: {error}"));
        Self { dir }
    }

    /// A fresh directory holding `files` (path relative to it, contents).
    pub fn with(files: &[(&str, &str)]) -> Self {
        let dir = Self::new();
        for (file, contents) in files {
            dir.write(file, contents);
        }
        dir
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `contents` to `file` (relative), creating its directories.
    pub fn write(&self, file: &str, contents: impl AsRef<[u8]>) {
        write_file(&self.path().join(file), contents);
    }

    /// The files under `under` (relative), as sorted `/`-separated paths
    /// relative to it.
    pub fn files(&self, under: &str) -> Vec<String> {
        let root = self.path().join(under);
        let mut names: Vec<String> = walk(&root)
            .into_iter()
            .map(|path| {
                path.strip_prefix(&root)
                    .expect("inside")
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        names.sort();
        names
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

/// Writes `contents` to `path`, creating its directories.
fn write_file(path: &Path, contents: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", parent.display()));
    }
    fs::write(path, contents)
        .unwrap_or_else(|error| panic!("cannot write {}: {error}", path.display()));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries =
        fs::read_dir(dir).unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
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

impl TestDatabase {
    /// `information_schema.columns` of the user's schemas as psql prints
    /// it: one tab-separated line per column (schema, table, column,
    /// `data_type`, `udt_name`, `is_nullable`, default or empty), in the
    /// order of `columns_tsv` in migrate-build.
    pub fn information_schema_columns(&self) -> Vec<String> {
        self.client()
            .query(
                "SELECT table_schema::text, table_name::text, column_name::text, data_type::text,
                        udt_name::text, is_nullable::text, coalesce(column_default, '')
                 FROM information_schema.columns
                 WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
                 ORDER BY table_schema, table_name COLLATE \"C\", ordinal_position",
                &[],
            )
            .unwrap_or_else(|error| panic!("information_schema.columns of {}: {error}", self.name))
            .iter()
            .map(|row| {
                (0..7)
                    .map(|index| row.get::<_, String>(index))
                    .collect::<Vec<_>>()
                    .join("\t")
            })
            .collect()
    }
}

/// The data lines of a TSV whose fields may be CSV-quoted (as
/// `columns_tsv` writes them), with the quoting undone, so that they
/// compare with [`TestDatabase::information_schema_columns`].
pub fn tsv_unquoted(tsv: &str) -> Vec<String> {
    tsv.lines()
        .skip(1)
        .map(|line| {
            line.split('\t')
                .map(
                    |field| match field.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
                        Some(quoted) => quoted.replace("\"\"", "\""),
                        None => field.to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect()
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
