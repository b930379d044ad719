//! Test-only: the round trip of every PostgreSQL type through migrate's
//! query macros lives in `tests/`; the schema it needs is `migrations/`,
//! folded by `build.rs`, and the types `Cargo.toml` maps live here, with
//! [`database`], a test's database with that schema applied.
//!
//! ```no_run
//! let _: &migrate::Migrations = &migrate_type_tests::MIGRATIONS;
//! let (_db, mut client) = migrate_type_tests::database("example");
//! client.batch_execute("INSERT INTO notes (id, body) VALUES (1, 'one')").unwrap();
//! ```

// The mapped types are named `migrate_type_tests::..` in Cargo.toml, so that
// the path resolves in the tests and, through this, in the crate itself.
extern crate self as migrate_type_tests;

use migrate_test_support::TestDatabase;

/// The migrations the tests apply before their queries run.
pub static MIGRATIONS: migrate::Migrations = migrate::embed!();

/// A fresh database of the test's own (see [`TestDatabase::new`]) with
/// [`MIGRATIONS`] applied, and a connection to it.
pub fn database(prefix: &str) -> (TestDatabase, postgres::Client) {
    let db = TestDatabase::new(prefix);
    let mut client = db.client();
    MIGRATIONS
        .run(&mut client)
        .expect("the test migrations apply");
    (db, client)
}

/// The PostgreSQL enum `task_status`, its labels spelt by `rename_all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, migrate::Enum)]
#[migrate(type_name = "task_status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TaskStatus {
    Todo,
    InProgress,
    #[migrate(rename = "DONE")]
    Finished,
}

/// The composite type `header_pair`, its fields in another order than its
/// attributes.
#[derive(Clone, Debug, PartialEq, Eq, migrate::Composite)]
#[migrate(type_name = "header_pair")]
pub struct HeaderPair {
    pub value: Option<Vec<u8>>,
    pub name: String,
}

/// The row type of the table `builds`.
#[derive(Clone, Debug, PartialEq, migrate::Composite)]
#[migrate(type_name = "builds")]
pub struct Build {
    pub id: i32,
    pub branch: String,
    pub duration: Option<migrate::types::Interval>,
}

/// A composite with an enum inside: `task_ref`.
#[derive(Clone, Debug, PartialEq, Eq, migrate::Composite)]
#[migrate(type_name = "task_ref")]
pub struct TaskRef {
    pub id: i32,
    pub status: TaskStatus,
}

/// The PostgreSQL enum `priority`, mapped by this derive alone: Cargo.toml
/// does not name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, migrate::Enum)]
#[migrate(type_name = "priority", rename_all = "lowercase")]
pub enum Priority {
    Low,
    High,
}

/// An anonymous record (`(id, status)`), read by position.
#[derive(Clone, Debug, PartialEq, Eq, migrate::Composite)]
pub struct IdAndLabel {
    pub id: i32,
    pub label: String,
}
