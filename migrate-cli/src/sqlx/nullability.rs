//! sqlx's own nullability, for `--nullability sqlx`.
//!
//! sqlx 0.8 asks the server (`sqlx-postgres`'s `get_nullable_for_columns`):
//! each output column PostgreSQL's row description traces to a table or
//! view column (a plain column reference, through subqueries and CTEs, not
//! through set operations) is nullable unless that column has `attnotnull`
//! (a view's columns never have it); every other column is unknown (`null`
//! in the cache, an `Option` in the record). It then reads `EXPLAIN
//! (VERBOSE, FORMAT JSON)` of the statement and marks nullable the outputs
//! of the inner side of an outer join it finds there.
//!
//! Here the analyzer gives the column a result is a plain reference to
//! ([`OutputColumn::origin`]), and the fold whether that column is NOT
//! NULL. For the outer join, the analyzer's own nullability stands in for
//! the plan: a NOT NULL column it makes nullable was null-extended by an
//! outer join that a WHERE condition did not turn back into an inner one
//! (PostgreSQL's planner does the same reduction). sqlx looks at the plan
//! only when a join is its top node (a Sort, Limit or Aggregate above hides
//! it), and then at the planner's "Inner" side, which a Hash Right Join
//! puts on the preserved side; migrate marks the side SQL null-extends, so
//! it may say nullable where sqlx, reading the plan, did not.
//!
//! [`OutputColumn::origin`]: migrate_build::analyze::OutputColumn::origin

use migrate_build::analyze::{Described, OutputColumn};
use migrate_core::{RelationKind, Schema};

/// Each output column's nullability as sqlx records it: `Some(true)`,
/// `Some(false)` or `None` (unknown).
pub fn sqlx_nullable(schema: &Schema, described: &Described) -> Vec<Option<bool>> {
    described
        .columns
        .iter()
        .map(|column| column_nullable(schema, column))
        .collect()
}

fn column_nullable(schema: &Schema, column: &OutputColumn) -> Option<bool> {
    let origin = column.origin.as_ref()?;
    let relation = schema.relation(&origin.table)?;
    let name = origin.column.as_deref()?;
    let table_column = relation.columns.iter().find(|c| c.name == name)?;
    let attnotnull = match relation.kind {
        RelationKind::Table | RelationKind::PartitionedTable | RelationKind::ForeignTable => {
            table_column.not_null
        }
        RelationKind::View | RelationKind::MaterializedView => false,
    };
    // An override in the alias (`"id!"`) replaced the analyzer's value:
    // only the catalog's is left.
    let overridden = column.label != column.name;
    let outer_joined = attnotnull && !overridden && column.nullable;
    Some(!attnotnull || outer_joined)
}
