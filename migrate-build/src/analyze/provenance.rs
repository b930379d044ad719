//! Where a missing name went: a query naming a column or table that a
//! migration renamed or dropped hears which one, from the fold's
//! [`migrate_core::History`]:
//!
//! ```text
//! error: column "displayName" does not exist
//!  = note: renamed to "display_name" by 20240420000000_rename_display_name/migration.sql:1
//! ```

use migrate_core::Schema;

use crate::Diagnostic;

/// Adds a note to each "does not exist" error about a column or relation
/// the migrations renamed or dropped.
pub(crate) fn annotate(schema: &Schema, mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if schema.history.is_empty() {
        return diagnostics;
    }
    for diagnostic in &mut diagnostics {
        if diagnostic.note.is_some() || !diagnostic.is_error() {
            continue;
        }
        if let Some(change) = missing(&diagnostic.message).and_then(|missing| match missing {
            Missing::Column { table, column } => schema.history.column(table, column),
            Missing::Relation {
                schema: namespace,
                name,
            } => schema.history.relation(namespace, name),
        }) {
            diagnostic.note = Some(change.describe());
        }
    }
    diagnostics
}

enum Missing<'m> {
    Column {
        table: Option<&'m str>,
        column: &'m str,
    },
    Relation {
        schema: Option<&'m str>,
        name: &'m str,
    },
}

/// What a PostgreSQL "does not exist" message names.
fn missing(message: &str) -> Option<Missing<'_>> {
    if let Some(rest) = message.strip_prefix("column \"") {
        let (column, rest) = rest.split_once('"')?;
        if rest == " does not exist" {
            return Some(Missing::Column {
                table: None,
                column,
            });
        }
        let table = rest
            .strip_prefix(" of relation \"")?
            .strip_suffix("\" does not exist")?;
        return Some(Missing::Column {
            table: Some(table),
            column,
        });
    }
    if let Some(rest) = message.strip_prefix("column ") {
        // `column t.x does not exist`
        let qualified = rest.strip_suffix(" does not exist")?;
        let (table, column) = qualified.rsplit_once('.')?;
        return Some(Missing::Column {
            table: Some(table.trim_matches('"')),
            column: column.trim_matches('"'),
        });
    }
    let shown = message
        .strip_prefix("relation \"")?
        .strip_suffix("\" does not exist")?;
    Some(match shown.split_once('.') {
        Some((schema, name)) => Missing::Relation {
            schema: Some(schema),
            name,
        },
        None => Missing::Relation {
            schema: None,
            name: shown,
        },
    })
}

#[cfg(test)]
mod tests {
    use migrate_core::{Change, Name};

    use super::*;

    #[test]
    fn missing_names_are_read_from_postgresql_messages() {
        let mut schema = Schema::new();
        schema.history.changes = vec![
            Change {
                table: Name::public("users"),
                column: Some("displayName".to_owned()),
                renamed_to: Some("display_name".to_owned()),
                by: "2_rename.sql:1".to_owned(),
            },
            Change {
                table: Name::public("legacy"),
                column: None,
                renamed_to: None,
                by: "3_drop.sql:4".to_owned(),
            },
        ];
        let annotated = annotate(
            &schema,
            vec![
                Diagnostic::error("column \"displayName\" does not exist", 0..1),
                Diagnostic::error("column users.displayName does not exist", 0..1),
                Diagnostic::error("relation \"legacy\" does not exist", 0..1),
                Diagnostic::error("relation \"other\" does not exist", 0..1),
            ],
        );
        let notes: Vec<Option<&str>> = annotated.iter().map(|d| d.note.as_deref()).collect();
        assert_eq!(
            notes,
            [
                Some("renamed to \"display_name\" by 2_rename.sql:1"),
                Some("renamed to \"display_name\" by 2_rename.sql:1"),
                Some("dropped by 3_drop.sql:4"),
                None,
            ]
        );
    }
}
