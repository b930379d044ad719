//! migrate: schema drift as a compile error.
//!
//! The facade that applications depend on. It re-exports the query macros, the
//! boot-time runner and the schema model.
//!
//! ```no_run
//! // build.rs: `fn main() { migrate_build::compile(); }`
//! // main.rs:
//! // static MIGRATIONS: migrate::Migrations = migrate::embed!();
//! ```

pub use migrate_core as core;

/// Items the macros expand to. Not a public API: may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use migrate_core;
    pub use migrate_runtime;
    pub use postgres;
    pub use serde_json;
}
