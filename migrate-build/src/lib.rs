//! Build-time half of migrate: finds a project's migration files, folds them
//! into the schema PostgreSQL would hold after applying them, and checks SQL
//! against that schema.
//!
//! In `build.rs`:
//!
//! ```ignore
//! fn main() {
//!     migrate_build::compile();
//! }
//! ```

pub mod analyze;
pub mod diagnostic;
pub mod discover;
mod error;
pub mod fold;
pub mod split;

pub use diagnostic::{Diagnostic, Severity};
pub use error::Error;
