//! What the migrations renamed and dropped, so that a query naming an old
//! name can be told where it went.

use serde::{Deserialize, Serialize};

use crate::Name;

/// The renames and drops of tables and columns, in the order the
/// migrations made them.
///
/// Provenance, not shape: two schemas that hold the same objects are equal
/// whatever their histories (`PartialEq` always answers true), so the drift
/// check and every comparison of schemas ignore it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct History {
    pub changes: Vec<Change>,
}

impl PartialEq for History {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for History {}

impl History {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The newest change that took column `column` away from a table
    /// (`table` when known, else any table).
    pub fn column(&self, table: Option<&str>, column: &str) -> Option<&Change> {
        self.changes.iter().rev().find(|change| {
            change.column.as_deref() == Some(column)
                && table.is_none_or(|table| change.table.name == table)
        })
    }

    /// The newest change that took relation `name` (in `schema` when
    /// given) away.
    pub fn relation(&self, schema: Option<&str>, name: &str) -> Option<&Change> {
        self.changes.iter().rev().find(|change| {
            change.column.is_none()
                && change.table.name == name
                && schema.is_none_or(|schema| change.table.schema == schema)
        })
    }
}

/// One rename or drop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The table (its name when the change was made).
    pub table: Name,
    /// The column, for a change of a column; `None` for the table itself.
    pub column: Option<String>,
    /// The new name, for a rename; `None` for a drop.
    pub renamed_to: Option<String>,
    /// `file:line` of the statement that made the change.
    pub by: String,
}

impl Change {
    /// `renamed to "display_name" by 2_rename.sql:1`, `dropped by 3_drop.sql:4`.
    pub fn describe(&self) -> String {
        match &self.renamed_to {
            Some(new) => format!("renamed to \"{new}\" by {}", self.by),
            None => format!("dropped by {}", self.by),
        }
    }
}
