//! The relations a query can read that no migration creates: the tables
//! and views of `pg_catalog` and `information_schema` (`pg15.rs`, generated
//! from a PostgreSQL 15 catalog by `scripts/pg-catalog-relations.sh` and
//! held to the server by `tests/catalog_pg.rs`), and a sequence read as a
//! relation (`SELECT last_value FROM s`).
//!
//! Name resolution follows PostgreSQL's search path: an unqualified name is
//! looked up in `pg_catalog` before `public` (`SELECT relname FROM
//! pg_class`), a qualified one in its schema.

mod pg15;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use migrate_core::{Column, Name, Relation, RelationKind, SqlType};

/// The schemas whose relations PostgreSQL has built in.
pub(crate) const SYSTEM_SCHEMAS: &[&str] = &["pg_catalog", "information_schema"];

/// A relation of `pg_catalog` or `information_schema`, by name.
pub(crate) fn system_relation(name: &Name) -> Option<&'static Relation> {
    if !SYSTEM_SCHEMAS.contains(&name.schema.as_str()) {
        return None;
    }
    system_relations().get(name)
}

/// The names of the relations of one system schema, for did-you-mean.
pub(crate) fn system_relation_names(schema: &str) -> impl Iterator<Item = &'static str> {
    pg15::RELATIONS
        .iter()
        .filter(move |(relation_schema, ..)| *relation_schema == schema)
        .map(|(_, name, ..)| *name)
}

fn system_relations() -> &'static BTreeMap<Name, Relation> {
    static RELATIONS: OnceLock<BTreeMap<Name, Relation>> = OnceLock::new();
    RELATIONS.get_or_init(|| {
        pg15::RELATIONS
            .iter()
            .map(|(schema, name, is_view, columns)| {
                let kind = if *is_view {
                    RelationKind::View
                } else {
                    RelationKind::Table
                };
                let mut relation = Relation::new(kind);
                relation.columns = columns
                    .iter()
                    .map(|(column, ty, array, not_null)| {
                        let ty = SqlType::builtin(ty);
                        let mut column =
                            Column::new(column, if *array { ty.into_array() } else { ty });
                        column.not_null = *not_null;
                        column
                    })
                    .collect();
                (Name::new(schema, name), relation)
            })
            .collect()
    })
}

/// What a sequence reads as: one row of `last_value`, `log_cnt` and
/// `is_called`, none of them null.
pub(crate) fn sequence_relation() -> &'static Relation {
    static SEQUENCE: OnceLock<Relation> = OnceLock::new();
    SEQUENCE.get_or_init(|| {
        let mut relation = Relation::new(RelationKind::Table);
        for (name, ty) in [
            ("last_value", "int8"),
            ("log_cnt", "int8"),
            ("is_called", "bool"),
        ] {
            let mut column = Column::new(name, SqlType::builtin(ty));
            column.not_null = true;
            relation.columns.push(column);
        }
        relation
    })
}
