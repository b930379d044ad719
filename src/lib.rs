//! migrate: schema drift as a compile error.
//!
//! The crate applications depend on. With a build script that folds the
//! migrations (`migrate-build` in `[build-dependencies]`):
//!
//! ```text
//! // build.rs
//! fn main() { migrate_build::compile(); }
//! ```
//!
//! the query macros check SQL against the schema those migrations build, with
//! no database, and rows come back typed; [`embed!`] carries the same
//! migrations into the binary, where [`Migrations::run`] applies them at boot:
//!
//! ```ignore
//! static MIGRATIONS: migrate::Migrations = migrate::embed!();
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let mut client = postgres::Client::connect("postgres://postgres@127.0.0.1/app", postgres::NoTls)?;
//!     MIGRATIONS.run(&mut client)?;
//!     let user = migrate::query!("SELECT id, email FROM users WHERE id = $1", 7_i64)
//!         .fetch_one(&mut client)?;
//!     println!("{} {:?}", user.id, user.email);
//!     Ok(())
//! }
//! ```
//!
//! (That example needs a build script, which doc tests do not have.) What
//! `embed!()` builds is a plain value; by hand, and run at boot:
//!
//! ```no_run
//! static MIGRATIONS: migrate::Migrations = migrate::Migrations::new(
//!     &[migrate::EmbeddedMigration {
//!         version: "1",
//!         name: "create_users",
//!         path: "1_create_users.sql",
//!         sql: "CREATE TABLE users (id bigint PRIMARY KEY, email text);",
//!         lines_before_up: 0,
//!         down: None,
//!         checksum: "",
//!         transactional: true,
//!         statements: &[],
//!     }],
//!     "{}",
//! );
//! let mut client = postgres::Client::connect("postgres://postgres@127.0.0.1/app", postgres::NoTls)?;
//! let report = MIGRATIONS.run(&mut client)?;
//! println!("{} applied", report.applied.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The macros
//!
//! - [`query!`]`(SQL, args..)`: each row as an anonymous struct with one
//!   public field per column, typed from the schema (nullable columns are
//!   `Option<T>`), with no derives, as each would be compiled again for
//!   every query on every rebuild (for `Debug`, `Clone` or `Serialize`, use
//!   [`query_as!`] with a struct of your own);
//! - [`query_as!`]`(Type, SQL, args..)`: each row into your struct, whose
//!   fields must have the columns' names and types;
//! - [`query_scalar!`]`(SQL, args..)`: the value of the only column;
//! - [`query_file!`], [`query_file_as!`], [`query_file_scalar!`]: the same,
//!   with the SQL in a file (path relative to `CARGO_MANIFEST_DIR`);
//! - [`sql!`]`(SQL)`: checks, and yields the SQL as `&'static str`.
//!
//! They return a [`Query`]; run it with `fetch_all`, `fetch_one`,
//! `fetch_optional`, `fetch` (rows one at a time) or `execute` on a
//! `&mut postgres::Client` or `&mut postgres::Transaction`, or (feature
//! `tokio`) on a `&tokio_postgres::Client` or `&tokio_postgres::Transaction`
//! and `.await` it; also on the connections of deadpool-postgres, bb8 and
//! r2d2 (features `deadpool`, `bb8`, `r2d2`) and on a [`Cached`] client. A
//! query is one round trip, prepared once per connection where migrate can
//! keep the statement (a [`Cached`] client, deadpool's connections), and
//! sent with its parameter types elsewhere or in [`Unprepared`] (for
//! transaction-mode poolers): see [`execute`]. Errors name the line and column inside the SQL, with the line and
//! carets, in PostgreSQL's words; an argument of the wrong type is reported
//! on the argument.
//!
//! Types: `bool`, `i16`, `i32`, `i64`, `f32`, `f64`, `String` (also for
//! enums and `xml`), `Vec<u8>`, `Vec<T>` for arrays, `serde_json::Value` for
//! json and jsonb, `IpAddr` for inet, `u32` for `oid`, `regclass` and their
//! family, `postgres::types::PgLsn`, `()` for `void`, and from [`types`]:
//! `Interval`, `TimeTz`, `Money`, `MacAddr`, `MacAddr8`, `Range<T>` and
//! `Multirange<T>`, the geometric types (`Point`, `Rect` for `box`, ...),
//! `TsVector`, `TsQuery`, `JsonPath`, `Xid8`, `Tid`, `Snapshot`, and, read
//! only, the planner's statistics (`NDistinct`, ...);
//! enums and composites mapped to your own types with [`Enum`] and
//! [`Composite`]; with features: `uuid::Uuid` (`uuid`), `rust_decimal::Decimal`
//! for numeric (`rust_decimal`), dates and times from `chrono` (`chrono`) or
//! `time` (`time`), `bit_vec::BitVec` for bit and varbit (`bit-vec`),
//! `cidr::IpCidr` for cidr (`cidr`). A type with no Rust type is a compile error that says
//! how to cast it or name a type of your own. A column alias can override as sqlx spells it:
//! `"id!"` (not null), `"id?"` (nullable), `"kind: MyEnum"` (your type).
//!
//! # Where the macros find the schema
//!
//! 1. `$OUT_DIR/migrate/schema.json`, which `migrate_build::compile()` writes
//!    in the crate's build script, loaded once per compiler process.
//! 2. Otherwise, `MIGRATE_MIGRATIONS_DIR` (absolute, or relative to the
//!    crate's directory), optionally with `MIGRATE_LAYOUT` (`sqlx`,
//!    `refinery`, `diesel`, `prisma`, `goose`, `dbmate`): the macros fold that
//!    directory themselves, once per compiler process. For crates without a
//!    build script and for tests (trybuild runs no build script). Cargo does
//!    not know the macros read it: after editing the migrations, touch the
//!    crate (or use the build script, which tells Cargo).
//!
//! The types a project maps (`[package.metadata.migrate.types]`, see
//! [`Enum`]) come the same way: written by the build script, or without one
//! from `MIGRATE_TYPES`, a JSON object (`{"task_status": "crate::TaskStatus"}`).
//!
//! # Compile time
//!
//! The schema is loaded once per compiler process and each query is checked
//! in about 0.05 ms when the macros are compiled with optimisations, which a
//! debug build does not do by default. Ask for it in the application's
//! `Cargo.toml` (the crate itself stays a debug build):
//!
//! ```toml
//! [profile.dev.build-override]
//! opt-level = 3
//! ```
//!
//! `examples/macro-bench/bench.sh` measures what the checked queries cost an
//! incremental rebuild against the same crate with unchecked strings: about
//! 0.44 ms more per query (500 queries over 300 tables), most of it the
//! compiler's work on the record type and the code generic over it, which
//! rustc revisits for every query on every rebuild of the crate. What each
//! query's check found is kept in `OUT_DIR` across rebuilds, so a rebuild
//! does not parse and check SQL that did not change against a schema that
//! did not change.

pub mod execute;
pub mod query;
pub mod types;

pub use execute::{Cached, Executor, Unprepared};
pub use migrate_core as core;
/// A Rust struct that reads and writes a PostgreSQL composite type (or a
/// table's row type), its fields checked at compile time against the
/// attributes: each named as one (or `#[migrate(rename = "..")]`), of its
/// Rust type or an `Option` of it. Map it in
/// `[package.metadata.migrate.types]` as an enum is (see [`Enum`]).
///
/// ```ignore
/// #[derive(migrate::Composite)]
/// #[migrate(type_name = "header_pair")]
/// struct HeaderPair { name: String, value: Vec<u8> }
/// ```
///
/// Without `type_name`, the struct reads an anonymous record, its fields by
/// position: `SELECT (a.id, a.name) AS "owner!: Owner"`.
pub use migrate_macros::Composite;
/// A Rust enum that reads and writes a PostgreSQL enum, its variants checked
/// at compile time against the labels the migrations give it.
///
/// ```ignore
/// #[derive(Debug, PartialEq, migrate::Enum)]
/// #[migrate(type_name = "task_status", rename_all = "UPPERCASE")]
/// enum TaskStatus { Todo, Done }
/// ```
///
/// A label missing on either side is a compile error naming both lists.
/// Map the type once in `Cargo.toml` so that columns of it come back as the
/// enum and parameters of it take only the enum:
///
/// ```toml
/// [package.metadata.migrate.types]
/// task_status = "crate::TaskStatus"
/// ```
///
/// Variants are labels as written, renamed by `#[migrate(rename = "..")]`
/// or for all by `rename_all` (`lowercase`, `UPPERCASE`, `snake_case`,
/// `SCREAMING_SNAKE_CASE`, `kebab-case`, `camelCase`, `PascalCase`).
pub use migrate_macros::Enum;
pub use migrate_macros::{
    embed, query, query_as, query_file, query_file_as, query_file_scalar, query_scalar, sql,
};
pub use migrate_runtime::*;
/// The driver the queries run on, re-exported so that its version matches.
pub use postgres;
pub use query::Query;
/// The async driver (feature `tokio`), re-exported so that its version matches.
#[cfg(feature = "tokio")]
pub use tokio_postgres;

/// Items the macros expand to. Not a public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use crate::execute::Sql;
    pub use crate::query::{
        Accepts, Arg, AttributeField, Columns1, Columns2, Columns3, Columns4, Columns5, Columns6,
        Columns7, Columns8, Columns9, Columns10, Columns11, Columns12, CompositeReader,
        CompositeWriter, Encode, EncodeMapped, Error, IntoField, InvalidQuery, MapRow, Mapped,
        MappedType, Query, RecordTuple, Whole, get, get_lenient, get_record, get_records,
    };
    pub use crate::types;
    pub use ::core::option::Option;
    pub use ::core::result::Result::{Err, Ok};
    pub use ::std::string::String;
    #[cfg(feature = "bit-vec")]
    pub use bit_vec;
    #[cfg(feature = "chrono")]
    pub use chrono;
    #[cfg(feature = "cidr")]
    pub use cidr;
    pub use migrate_core;
    pub use migrate_runtime;
    pub use postgres;
    pub use postgres::Row;
    #[cfg(feature = "rust_decimal")]
    pub use rust_decimal;
    pub use serde_json;
    #[cfg(feature = "time")]
    pub use time;
    #[cfg(feature = "uuid")]
    pub use uuid;
}
