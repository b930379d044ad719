//! Build-time half of migrate: finds a project's migration files, folds them
//! into the schema PostgreSQL would hold after applying them, and checks SQL
//! against that schema.
//!
//! In `build.rs`:
//!
//! ```no_run
//! migrate_build::compile();
//! ```

/// This crate's version, for caches keyed by the code that made them.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod analyze;
pub mod builder;
pub mod config;
mod depth;
pub mod diagnostic;
pub mod discover;
mod error;
mod extensions;
pub mod fold;
pub mod lint;
pub mod prelude;
pub mod render;
pub mod split;
pub mod syntax;
mod work;

pub use builder::{Builder, Output, compile};
pub use depth::{AND_OR_PER_LINK, MAX_CHAIN, QUERY_AND_OR_PER_LINK};
pub use diagnostic::{Diagnostic, Severity};
pub use error::Error;
