//! The schema model of migrate: plain data, no SQL parser.
//!
//! `migrate-build` folds migration files into a [`Schema`]; the macros check
//! queries against it; `migrate-runtime` compares it with a live database.
//! This crate is deliberately small so that the runtime can carry the model
//! without linking the SQL parser.
//!
//! ```
//! use migrate_core::{Column, Name, Relation, RelationKind, Schema, SqlType};
//!
//! let mut schema = Schema::new();
//! let mut users = Relation::new(RelationKind::Table);
//! users.columns.push(Column::new("id", SqlType::builtin("int8")));
//! schema.relations.insert(Name::public("users"), users);
//! assert_eq!(schema.relation(&Name::public("users")).unwrap().columns[0].ty.udt_name(), "int8");
//! ```

/// This crate's version, for caches keyed by the code that made them.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

pub mod ddl;
mod history;
mod migration;
mod prelude;
mod schema;
mod types;

pub use history::{Change, History};
pub use migration::{Migration, checksum};
pub use prelude::{Prelude, PreludeKind, PreludeObject, PreludeOrigin, history_table_sql};
pub use schema::{
    Column, Constraint, ConstraintKind, Extension, ForeignKeyAction, Function, Identity, Index,
    Name, Namespace, OutputArgument, Relation, RelationKind, Schema, Sequence, Trigger,
    TriggerEvent, TriggerTiming, UserType, UserTypeKind,
};
pub use types::{SqlType, builtin_data_type};
