//! What exists before the first migration: the migration tool's own
//! bookkeeping table and the objects the migrations assume and never create.
//!
//! The fold starts from these objects, so that migrations and queries may
//! use them; they are never part of the schema the migrations describe:
//! `migrate schema` leaves the bookkeeping tables out and shows the assumed
//! objects as assumed, and drift compares neither (see
//! [`Schema::without_prelude`]).

use serde::{Deserialize, Serialize};

use crate::{Name, Schema};

/// The objects that existed before migration 1, and the SQL the runtime runs
/// so that they exist where it applies the migrations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prelude {
    /// The migration tool's bookkeeping table as the tool creates it, with
    /// `IF NOT EXISTS`: the runtime runs it when it creates its own history
    /// table, so that a migration that reads or copies the tool's table
    /// deploys on a fresh database as the fold assumed. Empty when the
    /// migrations' tool keeps no table of its own.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub bookkeeping_sql: String,
    /// Every object the prelude made, with where it came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<PreludeObject>,
}

/// One object that existed before migration 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreludeObject {
    pub kind: PreludeKind,
    /// Its name; for a schema (namespace) or an extension, `schema` is
    /// empty and `name` is the schema's or extension's name.
    pub name: Name,
    pub origin: PreludeOrigin,
}

/// What kind of object a [`PreludeObject`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PreludeKind {
    Namespace,
    Extension,
    Relation,
    Type,
    Sequence,
    Index,
    Function,
}

/// Where a [`PreludeObject`] came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PreludeOrigin {
    /// The bookkeeping table of `tool` (`sqlx`, `diesel`, ..., or `migrate`
    /// for migrate's own history table).
    Bookkeeping { tool: String },
    /// The assumed-objects file at `file`, as configured.
    Assumed { file: String },
}

impl Prelude {
    pub fn is_empty(&self) -> bool {
        self.bookkeeping_sql.is_empty() && self.objects.is_empty()
    }

    /// The objects that came from the assumed-objects file.
    pub fn assumed(&self) -> impl Iterator<Item = &PreludeObject> {
        self.objects
            .iter()
            .filter(|object| matches!(object.origin, PreludeOrigin::Assumed { .. }))
    }

    /// Whether `name` of kind `kind` existed before migration 1.
    pub fn contains(&self, kind: PreludeKind, name: &Name) -> bool {
        self.objects
            .iter()
            .any(|object| object.kind == kind && &object.name == name)
    }
}

/// migrate's own history table as the runtime creates it, `qualified` being
/// its quoted, schema-qualified name. The fold starts from it too, so that a
/// migration may read it.
pub fn history_table_sql(qualified: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {qualified} (
    installed_rank bigint GENERATED ALWAYS AS IDENTITY,
    version text PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    transactional boolean NOT NULL,
    started_at timestamptz NOT NULL,
    finished_at timestamptz,
    execution_ms bigint,
    success boolean NOT NULL,
    statements_done integer,
    failed_statement integer,
    error text,
    applied_by text NOT NULL
);
"
    )
}

impl Schema {
    /// The schema without what existed before migration 1 (see
    /// [`Prelude`]): what the migrations themselves describe. An object a
    /// migration changed later (a column added to an assumed table) goes
    /// too: the migrations did not make it.
    pub fn without_prelude(&self) -> Schema {
        let mut schema = self.without_prelude_of(self);
        schema.prelude = Prelude::default();
        schema
    }

    /// This schema (a live database, say) without the objects of `fold`'s
    /// prelude, so that both sides of a comparison leave out the same ones.
    pub fn without_prelude_of(&self, fold: &Schema) -> Schema {
        let mut schema = self.clone();
        fold.prelude.strip(&mut schema);
        schema
    }
}

impl Prelude {
    fn strip(&self, schema: &mut Schema) {
        for object in &self.objects {
            let name = &object.name;
            match object.kind {
                PreludeKind::Namespace => {}
                PreludeKind::Extension => {
                    schema.extensions.remove(&name.name);
                }
                PreludeKind::Relation => {
                    schema.relations.remove(name);
                    schema.indexes.retain(|_, index| &index.table != name);
                    schema.sequences.retain(|_, sequence| {
                        sequence
                            .owned_by
                            .as_ref()
                            .is_none_or(|(table, _)| table != name)
                    });
                }
                PreludeKind::Type => {
                    schema.types.remove(name);
                }
                PreludeKind::Sequence => {
                    schema.sequences.remove(name);
                }
                PreludeKind::Index => {
                    schema.indexes.remove(name);
                }
                PreludeKind::Function => {
                    schema.functions.remove(name);
                }
            }
        }
        // A schema goes only when nothing the migrations made is left in it.
        for object in &self.objects {
            let namespace = &object.name.name;
            if object.kind != PreludeKind::Namespace || namespace == "public" {
                continue;
            }
            let used = schema.relations.keys().any(|n| &n.schema == namespace)
                || schema.types.keys().any(|n| &n.schema == namespace)
                || schema.sequences.keys().any(|n| &n.schema == namespace)
                || schema.functions.keys().any(|n| &n.schema == namespace);
            if !used {
                schema.namespaces.remove(namespace);
            }
        }
    }
}
