//! The extension catalogue: what `CREATE EXTENSION` brings into the fold
//! offline, so that queries over an extension's types, functions and
//! operators type-check.
//!
//! - `generated.rs`: every contrib module of PostgreSQL 15 and postgis, read
//!   from a server where each is installed by `scripts/pg-extensions.sh`
//!   (generated, do not edit): types with their category, casts, operators,
//!   the overloads a query can call and every function name.
//! - `pgvector.rs`: pgvector's entry, written by hand from its documentation
//!   and its install script's declarations (no package of it exists for
//!   PostgreSQL 15 here to read it from).
//!
//! Types of the tables are named by `typname` (`citext`, `_citext` for its
//! array) as in [`crate::analyze`]'s generated tables; an extension's type
//! lives in the schema the extension was created in.

mod generated;
mod pgvector;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use migrate_core::{Column, Name, Relation, RelationKind, Schema, SqlType};

use crate::analyze::pg_functions::Proc;

/// What one extension brings.
pub(crate) struct Extension {
    pub(crate) name: &'static str,
    /// The version the catalogue was read from (provenance; not compared
    /// with a server's).
    #[allow(dead_code)]
    pub(crate) version: &'static str,
    /// Extensions that must exist first (`CASCADE` creates them).
    pub(crate) requires: &'static [&'static str],
    pub(crate) types: &'static [ExtensionType],
    /// `(source, target, castcontext, castmethod)` as `pg_cast` has them.
    pub(crate) casts: &'static [(&'static str, &'static str, char, char)],
    /// Sorted by name.
    pub(crate) operators: &'static [Operator],
    /// The overloads a query can call, sorted by name.
    pub(crate) procs: &'static [Proc],
    /// Every function name the extension installs, sorted.
    pub(crate) functions: &'static [&'static str],
    /// The tables and views it creates, sorted by name.
    pub(crate) relations: &'static [ExtensionRelation],
    /// Function names with overloads left out of `procs` (they take a type
    /// internal to the server), sorted.
    pub(crate) partial: &'static [&'static str],
}

/// A table or view an extension creates (postgis' `spatial_ref_sys`), or
/// the fields of one of its composite types (`geometry_dump`).
pub(crate) struct ExtensionRelation {
    pub(crate) name: &'static str,
    /// `pg_class.relkind`: `r` table, `v` view, `c` composite type, ...
    pub(crate) kind: char,
    /// `(name, typname, modifiers, not null)` in `attnum` order.
    pub(crate) columns: &'static [(&'static str, &'static str, &'static [i64], bool)],
}

/// A type an extension creates.
pub(crate) struct ExtensionType {
    pub(crate) name: &'static str,
    /// `pg_type.typcategory`.
    pub(crate) category: char,
    pub(crate) preferred: bool,
    /// The `typname` of its array type, `""` for none.
    pub(crate) array: &'static str,
    /// Takes type modifiers (`vector(3)`, `geometry(Point, 4326)`).
    pub(crate) modifiers: bool,
    /// For a domain, the `typname` of its base type; `""` otherwise.
    #[allow(dead_code)]
    pub(crate) base: &'static str,
}

/// A binary operator (or a prefix one, with `left` empty).
pub(crate) struct Operator {
    pub(crate) name: &'static str,
    pub(crate) left: &'static str,
    pub(crate) right: &'static str,
    pub(crate) returns: &'static str,
}

/// The catalogue entry of an extension by name.
pub(crate) fn find(name: &str) -> Option<&'static Extension> {
    if name == pgvector::VECTOR.name {
        return Some(&pgvector::VECTOR);
    }
    generated::EXTENSIONS
        .binary_search_by(|extension| extension.name.cmp(name))
        .ok()
        .map(|index| &generated::EXTENSIONS[index])
}

/// Every extension of the catalogue.
pub(crate) fn all() -> impl Iterator<Item = &'static Extension> {
    generated::EXTENSIONS
        .iter()
        .chain(std::iter::once(&pgvector::VECTOR))
}

/// The extensions the schema creates that the catalogue has, with the
/// schema each was created in.
pub(crate) fn installed(schema: &Schema) -> impl Iterator<Item = (&'static Extension, &str)> {
    schema
        .extensions
        .iter()
        .filter_map(|(name, installed)| Some((find(name)?, installed.schema.as_str())))
}

/// The extension type `ty` (or its element) is, when an extension the
/// schema creates made it: in the schema the extension lives in.
pub(crate) fn type_of(
    schema: &Schema,
    ty: &SqlType,
) -> Option<(&'static Extension, &'static ExtensionType)> {
    if ty.is_builtin() {
        return None;
    }
    installed(schema)
        .filter(|(_, in_schema)| *in_schema == ty.schema)
        .find_map(|(extension, _)| {
            extension
                .types
                .iter()
                .find(|t| t.name == ty.name)
                .map(|t| (extension, t))
        })
}

/// The `typname` of an extension type (`_citext` for an array of citext).
pub(crate) fn typname(schema: &Schema, ty: &SqlType) -> Option<String> {
    let (_, found) = type_of(schema, ty)?;
    Some(if ty.array {
        found.array.to_owned()
    } else {
        found.name.to_owned()
    })
}

/// The type a `typname` of an installed extension stands for, and its
/// category, preferred flag.
pub(crate) fn by_typname(schema: &Schema, typname: &str) -> Option<(SqlType, char, bool)> {
    installed(schema).find_map(|(extension, in_schema)| {
        extension.types.iter().find_map(|t| {
            if t.name == typname {
                Some((SqlType::user(in_schema, t.name), t.category, t.preferred))
            } else if !t.array.is_empty() && t.array == typname {
                Some((SqlType::user(in_schema, t.name).into_array(), 'A', false))
            } else {
                None
            }
        })
    })
}

/// The `typname` of a built-in type (`_text` for text[]) or of an
/// installed extension's type.
pub(crate) fn any_typname(schema: &Schema, ty: &SqlType) -> Option<String> {
    if ty.is_builtin() {
        return Some(if ty.array {
            format!("_{}", ty.name)
        } else {
            ty.name.clone()
        });
    }
    typname(schema, ty)
}

/// The type a `typname` of the catalogue stands for: an installed
/// extension's type, else a built-in one (`_float4` is real[]).
pub(crate) fn sql_type(schema: &Schema, typname: &str) -> SqlType {
    if let Some((ty, ..)) = by_typname(schema, typname) {
        return ty;
    }
    match typname.strip_prefix('_') {
        Some(element) => SqlType::builtin(element).into_array(),
        None => SqlType::builtin(typname),
    }
}

/// The casts the installed extensions add.
pub(crate) fn casts(
    schema: &Schema,
) -> impl Iterator<Item = &'static (&'static str, &'static str, char, char)> + '_ {
    installed(schema).flat_map(|(extension, _)| extension.casts.iter())
}

/// The context (`i` implicit, `a` assignment, `e` explicit) of a cast an
/// installed extension adds between two types, array types included.
pub(crate) fn cast_context(schema: &Schema, from: &SqlType, to: &SqlType) -> Option<char> {
    let (from, to) = (any_typname(schema, from)?, any_typname(schema, to)?);
    casts(schema)
        .find(|(source, target, ..)| *source == from && *target == to)
        .map(|(_, _, context, _)| *context)
}

/// The operators called `name` the installed extensions add.
pub(crate) fn operators<'s>(
    schema: &'s Schema,
    name: &'s str,
) -> impl Iterator<Item = &'static Operator> + 's {
    installed(schema).flat_map(move |(extension, _)| {
        let start = extension.operators.partition_point(|o| o.name < name);
        extension.operators[start..]
            .iter()
            .take_while(move |o| o.name == name)
    })
}

/// A table or view an installed extension created, by its qualified name,
/// as the model holds relations. Built once per extension and schema.
pub(crate) fn relation(schema: &Schema, name: &Name) -> Option<&'static Relation> {
    built_relation(schema, name, false)
}

/// The fields of a composite type an installed extension created, as a
/// relation's columns.
pub(crate) fn composite(schema: &Schema, name: &Name) -> Option<&'static Relation> {
    built_relation(schema, name, true)
}

fn built_relation(schema: &Schema, name: &Name, composite: bool) -> Option<&'static Relation> {
    type Built = HashMap<(String, String), &'static Relation>;
    static BUILT: OnceLock<Mutex<Built>> = OnceLock::new();
    let (extension, found) = installed(schema)
        .filter(|(_, in_schema)| *in_schema == name.schema)
        .find_map(|(extension, _)| {
            extension
                .relations
                .iter()
                .find(|relation| relation.name == name.name && (relation.kind == 'c') == composite)
                .map(|relation| (extension, relation))
        })?;
    let key = (
        format!("{}.{}", extension.name, found.name),
        name.schema.clone(),
    );
    let mut built = BUILT
        .get_or_init(|| Mutex::new(HashMap::new()))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let relation = built.entry(key).or_insert_with(|| {
        let mut relation = Relation::new(match found.kind {
            'v' => RelationKind::View,
            'm' => RelationKind::MaterializedView,
            'f' => RelationKind::ForeignTable,
            'p' => RelationKind::PartitionedTable,
            _ => RelationKind::Table,
        });
        for (column_name, typname, modifiers, not_null) in found.columns {
            let ty = sql_type(schema, typname).with_modifiers(modifiers.to_vec());
            let mut column = Column::new(column_name, ty);
            column.not_null = *not_null;
            relation.columns.push(column);
        }
        Box::leak(Box::new(relation))
    });
    Some(*relation)
}

/// Whether an extension of the catalogue has an operator spelled `name`.
pub(crate) fn is_operator(name: &str) -> bool {
    all().any(|extension| {
        extension
            .operators
            .binary_search_by(|operator| operator.name.cmp(name))
            .is_ok()
    })
}

/// Whether an installed extension of the catalogue has a function called
/// `name` with overloads left out of its `procs`.
pub(crate) fn partial(schema: &Schema, name: &str) -> bool {
    installed(schema).any(|(extension, _)| extension.partial.binary_search(&name).is_ok())
}

/// The extension of the catalogue that has a function called `name`.
pub(crate) fn providing_function(name: &str) -> Option<&'static Extension> {
    all().find(|extension| extension.functions.binary_search(&name).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookups above rely on sorted tables.
    #[test]
    fn tables_are_sorted() {
        let names: Vec<&str> = generated::EXTENSIONS.iter().map(|e| e.name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        for extension in all() {
            let name = extension.name;
            assert!(
                extension.functions.windows(2).all(|w| w[0] < w[1]),
                "{name} functions"
            );
            assert!(
                extension.partial.windows(2).all(|w| w[0] < w[1]),
                "{name} partial"
            );
            assert!(
                extension.procs.windows(2).all(|w| w[0].name <= w[1].name),
                "{name} procs"
            );
            assert!(
                extension
                    .operators
                    .windows(2)
                    .all(|w| w[0].name <= w[1].name),
                "{name} operators"
            );
            for proc in extension.procs {
                assert!(
                    extension.functions.binary_search(&proc.name).is_ok(),
                    "{name}: {} not among its function names",
                    proc.name
                );
            }
        }
    }
}
