//! Boot-time runner for migrate: applies the migrations a binary embeds,
//! exactly once, atomically, whatever number of replicas boot at once.
//!
//! Applications use it through the `migrate` facade:
//!
//! ```no_run
//! # use migrate_runtime as migrate;
//! # static MIGRATIONS: migrate::Migrations = migrate::Migrations::new(&[], "{}");
//! // static MIGRATIONS: migrate::Migrations = migrate::embed!();
//! let mut client = postgres::Client::connect("postgres://localhost/app", postgres::NoTls)?;
//! let report = MIGRATIONS.run(&mut client)?;
//! for applied in &report.applied {
//!     println!("applied {} in {:?}", applied.version, applied.duration);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! See [`Runner`] for the options and for what a run guarantees.
//!
//! # Connections
//!
//! Migrations need a session of their own: connect directly to PostgreSQL,
//! not through a pooler in transaction mode. Hosted PostgreSQL usually gives
//! two URLs: a pooled `DATABASE_URL` for the application's queries and a
//! `DIRECT_URL` for migrations. Run the migrations over `DIRECT_URL`, then
//! serve from the pool. Behind PgBouncer in transaction mode the runner
//! notices that its statements reach different server processes (or that
//! its server session already holds the lock for another client) and stops
//! before changing anything. With the `tls` feature, [`tls::connect`]
//! connects with rustls for `sslmode=require`.
//!
//! # The history table
//!
//! `public._migrate_history` unless [`Runner::history_table`] says
//! otherwise, always schema-qualified, created on the first run: `version`
//! (key), `name`, `checksum` (see [`migrate_core::checksum`]),
//! `transactional`, `started_at`, `finished_at`, `execution_ms`, `success`,
//! `statements_done` and `failed_statement` (1-based) and `error` for
//! non-transactional migrations, `applied_by`, `installed_rank`.
//!
//! # Events
//!
//! Through the `log` crate, or with the feature `tracing` as `tracing`
//! events (which still reach `log` while no tracing subscriber is set):
//! waiting for the lock (info), each migration applied with its duration
//! (info), drift found (warn).
//! For progress output, [`Runner::on_progress`] calls back as each
//! migration starts and ends, under the run's one hold of the lock.

/// An event through `tracing` (feature `tracing`) or `log`: `event!(info,
/// "..", args)`.
macro_rules! event {
    ($level:ident, $($message:tt)+) => {{
        #[cfg(feature = "tracing")]
        tracing::$level!($($message)+);
        #[cfg(not(feature = "tracing"))]
        log::$level!($($message)+);
    }};
}

mod apply;
mod conn;
mod connect;
pub mod drift;
mod drift_hook;
mod embedded;
mod error;
mod history;
mod holder;
mod interrupt;
pub mod introspect;
mod plan;
mod runner;
mod sql;
#[cfg(feature = "tls")]
pub mod tls;

#[cfg(feature = "tokio")]
pub use connect::connect_async;
pub use connect::{DEFAULT_CONNECT_TIMEOUT, connect, connect_with};
pub use embedded::{EmbeddedMigration, Migrations};
pub use error::{DirtyMigration, Error, FailedMigration, Interrupted, LocksNotAvailable};
pub use history::HistoryEntry;
pub use holder::LockHolder;
pub use interrupt::Interrupt;
pub use runner::{
    Applied, DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE, DEFAULT_LOCK_RETRIES,
    DEFAULT_LOCK_RETRY_DELAY, DEFAULT_LOCK_TIMEOUT, DEFAULT_LOCK_WAIT, DriftPolicy, Progress,
    Report, Resolution, Runner,
};
