//! Test-only: the round trip of every PostgreSQL type through migrate's
//! query macros lives in `tests/`; the schema it needs is `migrations/`,
//! folded by `build.rs`.
//!
//! ```
//! let _: &migrate::Migrations = &migrate_type_tests::MIGRATIONS;
//! ```

/// The migrations the tests apply before their queries run.
pub static MIGRATIONS: migrate::Migrations = migrate::embed!();
