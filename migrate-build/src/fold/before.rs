//! Folding what exists before migration 1 (see [`crate::prelude`]) and
//! recording each object it made in [`migrate_core::Prelude`].

use std::collections::BTreeSet;

use migrate_core::ddl::quote_ident;
use migrate_core::{Migration, Name, PreludeKind, PreludeObject, PreludeOrigin, Schema};

use super::Folder;
use crate::diagnostic::Diagnostic;
use crate::prelude::{Before, MIGRATE_HISTORY};

impl Folder {
    /// Folds what exists before migration 1; returns the diagnostics of the
    /// assumed-objects file (the bookkeeping tables fold clean: a test holds
    /// each against PostgreSQL).
    pub fn start_from(&mut self, before: &Before) -> Vec<Diagnostic> {
        let mut diagnostics = Vec::new();
        let Some(tool) = before.tool else {
            if let Some(assumed) = &before.assumed {
                let origin = PreludeOrigin::Assumed {
                    file: assumed.shown.clone(),
                };
                diagnostics.extend(self.fold_prelude(&assumed.sql, &assumed.path, origin));
            }
            return diagnostics;
        };
        if !tool.sql().is_empty() {
            let origin = PreludeOrigin::Bookkeeping {
                tool: tool.name().to_owned(),
            };
            let path = format!("({}'s bookkeeping table)", tool.name());
            diagnostics.extend(self.fold_prelude(tool.sql(), &path, origin));
            self.schema.prelude.bookkeeping_sql = tool.sql().to_owned();
        }
        let (schema, table) = MIGRATE_HISTORY;
        let history = migrate_core::history_table_sql(&format!(
            "{}.{}",
            quote_ident(schema),
            quote_ident(table)
        ));
        let origin = PreludeOrigin::Bookkeeping {
            tool: "migrate".to_owned(),
        };
        diagnostics.extend(self.fold_prelude(&history, "(migrate's history table)", origin));
        if let Some(assumed) = &before.assumed {
            let origin = PreludeOrigin::Assumed {
                file: assumed.shown.clone(),
            };
            diagnostics.extend(self.fold_prelude(&assumed.sql, &assumed.path, origin));
        }
        diagnostics
    }

    /// Folds `sql` as a migration at `path` and records what it made as
    /// coming from `origin`.
    fn fold_prelude(&mut self, sql: &str, path: &str, origin: PreludeOrigin) -> Vec<Diagnostic> {
        let existing = objects(&self.schema);
        let migration = Migration {
            checksum: migrate_core::checksum(sql),
            ..Migration::new(
                "0".to_owned(),
                "prelude".to_owned(),
                path.to_owned(),
                sql.to_owned(),
            )
        };
        let diagnostics = self.apply(&migration);
        for (kind, name) in objects(&self.schema) {
            if existing.contains(&(kind, name.clone())) {
                continue;
            }
            self.schema.prelude.objects.push(PreludeObject {
                kind,
                name,
                origin: origin.clone(),
            });
        }
        diagnostics
    }
}

/// Every object of `schema`, by kind and name.
fn objects(schema: &Schema) -> BTreeSet<(PreludeKind, Name)> {
    let mut all = BTreeSet::new();
    for namespace in schema.namespaces.keys() {
        all.insert((PreludeKind::Namespace, Name::new("", namespace)));
    }
    for extension in schema.extensions.keys() {
        all.insert((PreludeKind::Extension, Name::new("", extension)));
    }
    let named = [
        (
            PreludeKind::Relation,
            schema.relations.keys().collect::<Vec<_>>(),
        ),
        (PreludeKind::Type, schema.types.keys().collect()),
        (PreludeKind::Sequence, schema.sequences.keys().collect()),
        (PreludeKind::Index, schema.indexes.keys().collect()),
        (PreludeKind::Function, schema.functions.keys().collect()),
    ];
    for (kind, names) in named {
        for name in names {
            all.insert((kind, name.clone()));
        }
    }
    all
}
