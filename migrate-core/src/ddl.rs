//! The model rendered as PostgreSQL DDL.
//!
//! [`schema_sql`] prints a whole [`Schema`] as readable DDL in dependency
//! order. The per-object functions print one statement each (ending in `;`)
//! and are what drift fixes, `migrate diff` and `migrate rollback-sql` are
//! made of. Identifiers are quoted exactly when PostgreSQL's `quote_ident`
//! would quote them.
//!
//! ```
//! use migrate_core::{Column, Name, SqlType, ddl};
//!
//! let users = Name::public("user");
//! let mut email = Column::new("Email", SqlType::builtin("varchar").with_modifiers(vec![255]));
//! email.not_null = true;
//! assert_eq!(
//!     ddl::add_column(&users, &email),
//!     "ALTER TABLE public.\"user\" ADD COLUMN \"Email\" character varying(255) NOT NULL;"
//! );
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::schema::{
    Column, Constraint, ConstraintKind, Extension, ForeignKeyAction, Identity, Index, Name,
    Relation, RelationKind, Schema, Sequence, UserType, UserTypeKind,
};
use crate::types::{SqlType, builtin_data_type};

/// PostgreSQL 15's keywords that are not unreserved (`pg_get_keywords()`
/// with `catcode <> 'U'`): `quote_ident` quotes these even when lower-case.
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// Quotes an identifier exactly when PostgreSQL's `quote_ident` would: when
/// it is not made of lower-case letters, digits and underscores starting
/// with a letter or underscore, or when it is a keyword that is not
/// unreserved (`user`, `order`, `select`).
pub fn quote_ident(name: &str) -> String {
    let safe = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && QUOTED_KEYWORDS.binary_search(&name).is_err();
    if safe {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// `schema.name`, each part quoted as needed.
pub fn qualified(name: &Name) -> String {
    format!("{}.{}", quote_ident(&name.schema), quote_ident(&name.name))
}

/// A string literal: `'it''s'`.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A type as DDL spells it: `character varying(20)`, `integer[]`,
/// `timestamp(3) with time zone`, `public."TaskStatus"`.
pub fn type_sql(ty: &SqlType) -> String {
    let mut out = if ty.is_builtin() {
        let base = builtin_data_type(&ty.name).unwrap_or(&ty.name);
        match (ty.name.as_str(), ty.modifiers.as_slice()) {
            // `character` without a length means `character(1)`; an
            // unconstrained blank-padded string is `bpchar`.
            ("bpchar", []) => "bpchar".to_owned(),
            (_, []) => base.to_owned(),
            ("timestamp" | "timestamptz" | "time" | "timetz", [precision]) => {
                match base.split_once(' ') {
                    Some((head, tail)) => format!("{head}({precision}) {tail}"),
                    None => format!("{base}({precision})"),
                }
            }
            (_, modifiers) => {
                let list: Vec<String> = modifiers.iter().map(i64::to_string).collect();
                format!("{base}({})", list.join(","))
            }
        }
    } else {
        let mut out = qualified(&Name::new(&ty.schema, &ty.name));
        if !ty.modifiers.is_empty() {
            let list: Vec<String> = ty.modifiers.iter().map(i64::to_string).collect();
            let _ = write!(out, "({})", list.join(","));
        }
        out
    };
    if ty.array {
        out.push_str("[]");
    }
    out
}

fn column_list(columns: &[String]) -> String {
    columns
        .iter()
        .map(|column| quote_ident(column))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------
// Schemas and extensions

pub fn create_schema(name: &str) -> String {
    format!("CREATE SCHEMA {};", quote_ident(name))
}

pub fn drop_schema(name: &str) -> String {
    format!("DROP SCHEMA {};", quote_ident(name))
}

pub fn create_extension(name: &str, extension: &Extension) -> String {
    let mut out = format!(
        "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {}",
        quote_ident(name),
        quote_ident(&extension.schema)
    );
    if let Some(version) = &extension.version {
        let _ = write!(out, " VERSION {}", quote_literal(version));
    }
    out.push(';');
    out
}

pub fn drop_extension(name: &str) -> String {
    format!("DROP EXTENSION {};", quote_ident(name))
}

// ---------------------------------------------------------------------------
// Types

/// `CREATE TYPE` for an enum, composite or range type, `CREATE DOMAIN` for a domain.
pub fn create_type(name: &Name, user_type: &UserType) -> String {
    let name_sql = qualified(name);
    match &user_type.kind {
        UserTypeKind::Enum { labels } => {
            let labels: Vec<String> = labels.iter().map(|label| quote_literal(label)).collect();
            format!("CREATE TYPE {name_sql} AS ENUM ({});", labels.join(", "))
        }
        UserTypeKind::Composite { attributes } => {
            let attributes: Vec<String> = attributes
                .iter()
                .map(|(attribute, ty)| format!("{} {}", quote_ident(attribute), type_sql(ty)))
                .collect();
            format!("CREATE TYPE {name_sql} AS ({});", attributes.join(", "))
        }
        UserTypeKind::Range { subtype } => {
            format!(
                "CREATE TYPE {name_sql} AS RANGE (SUBTYPE = {});",
                type_sql(subtype)
            )
        }
        UserTypeKind::Domain {
            base,
            not_null,
            default,
            checks,
        } => {
            let mut out = format!("CREATE DOMAIN {name_sql} AS {}", type_sql(base));
            if let Some(default) = default {
                let _ = write!(out, " DEFAULT {default}");
            }
            if *not_null {
                out.push_str(" NOT NULL");
            }
            for check in checks {
                let _ = write!(
                    out,
                    " CONSTRAINT {} {}",
                    quote_ident(&check.name),
                    constraint_definition(check)
                );
            }
            out.push(';');
            out
        }
    }
}

/// `DROP TYPE` or `DROP DOMAIN`.
pub fn drop_type(name: &Name, user_type: &UserType) -> String {
    match user_type.kind {
        UserTypeKind::Domain { .. } => format!("DROP DOMAIN {};", qualified(name)),
        _ => format!("DROP TYPE {};", qualified(name)),
    }
}

/// Where [`add_enum_value`] puts a new label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnumPosition<'a> {
    /// After the last label.
    End,
    Before(&'a str),
    After(&'a str),
}

pub fn add_enum_value(name: &Name, label: &str, position: EnumPosition<'_>) -> String {
    let mut out = format!(
        "ALTER TYPE {} ADD VALUE {}",
        qualified(name),
        quote_literal(label)
    );
    match position {
        EnumPosition::End => {}
        EnumPosition::Before(other) => {
            let _ = write!(out, " BEFORE {}", quote_literal(other));
        }
        EnumPosition::After(other) => {
            let _ = write!(out, " AFTER {}", quote_literal(other));
        }
    }
    out.push(';');
    out
}

pub fn rename_enum_value(name: &Name, from: &str, to: &str) -> String {
    format!(
        "ALTER TYPE {} RENAME VALUE {} TO {};",
        qualified(name),
        quote_literal(from),
        quote_literal(to)
    )
}

/// Replaces an enum by one with `labels`, which is the only way PostgreSQL
/// removes or reorders labels: the old type is renamed aside, the new one
/// created, every column in `uses` (table, column, its default to restore
/// and whether it is an array) converted through `text`, and the old type
/// dropped. Fails at run time if a stored value has no label any more.
pub fn recreate_enum(name: &Name, labels: &[String], uses: &[EnumUse<'_>]) -> String {
    let aside = Name::new(&name.schema, &format!("{}__old", name.name));
    let mut out = format!(
        "ALTER TYPE {} RENAME TO {};\n",
        qualified(name),
        quote_ident(&aside.name)
    );
    out.push_str(&create_type(
        name,
        &UserType {
            kind: UserTypeKind::Enum {
                labels: labels.to_vec(),
            },
            comment: None,
        },
    ));
    out.push('\n');
    for usage in uses {
        let column = quote_ident(usage.column);
        let mut ty = SqlType::user(&name.schema, &name.name);
        if usage.array {
            ty = ty.into_array();
        }
        let via = if usage.array { "text[]" } else { "text" };
        if usage.had_default {
            out.push_str(&set_column_default(usage.table, usage.column, None));
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "ALTER TABLE {} ALTER COLUMN {column} TYPE {} USING {column}::{via}::{};",
            qualified(usage.table),
            type_sql(&ty),
            type_sql(&ty)
        );
        if let Some(default) = usage.default {
            out.push_str(&set_column_default(
                usage.table,
                usage.column,
                Some(default),
            ));
            out.push('\n');
        }
    }
    let _ = write!(out, "DROP TYPE {};", qualified(&aside));
    out
}

/// A column that uses an enum, for [`recreate_enum`].
#[derive(Clone, Debug)]
pub struct EnumUse<'a> {
    pub table: &'a Name,
    pub column: &'a str,
    pub array: bool,
    /// The column has a default now (it must go before the type changes).
    pub had_default: bool,
    /// The default to set once the type changed.
    pub default: Option<&'a str>,
}

// ---------------------------------------------------------------------------
// Sequences

pub fn create_sequence(name: &Name, sequence: &Sequence) -> String {
    let mut out = format!("CREATE SEQUENCE {}", qualified(name));
    if !(sequence.data_type.is_builtin() && sequence.data_type.name == "int8") {
        let _ = write!(out, " AS {}", type_sql(&sequence.data_type));
    }
    let increment = sequence.increment.unwrap_or(1);
    if increment != 1 {
        let _ = write!(out, " INCREMENT BY {increment}");
    }
    // The default start is 1 going up and -1 going down.
    if let Some(start) = sequence.start
        && start != increment.signum()
    {
        let _ = write!(out, " START WITH {start}");
    }
    out.push(';');
    out
}

/// `ALTER SEQUENCE .. OWNED BY table.column` (or `OWNED BY NONE`).
pub fn sequence_owned_by(name: &Name, owner: Option<&(Name, String)>) -> String {
    match owner {
        Some((table, column)) => format!(
            "ALTER SEQUENCE {} OWNED BY {}.{};",
            qualified(name),
            qualified(table),
            quote_ident(column)
        ),
        None => format!("ALTER SEQUENCE {} OWNED BY NONE;", qualified(name)),
    }
}

pub fn drop_sequence(name: &Name) -> String {
    format!("DROP SEQUENCE {};", qualified(name))
}

// ---------------------------------------------------------------------------
// Tables and columns

/// A column as it appears in `CREATE TABLE` or `ADD COLUMN`.
pub fn column_definition(column: &Column) -> String {
    let mut out = format!("{} {}", quote_ident(&column.name), type_sql(&column.ty));
    if let Some(collation) = &column.collation {
        // A name already in SQL quotes is kept as it is.
        if collation.starts_with('"') {
            let _ = write!(out, " COLLATE {collation}");
        } else {
            let _ = write!(out, " COLLATE {}", quote_ident(collation));
        }
    }
    if let Some(generated) = &column.generated {
        let _ = write!(out, " GENERATED ALWAYS AS ({generated}) STORED");
    } else if let Some(default) = &column.default {
        let _ = write!(out, " DEFAULT {default}");
    }
    match column.identity {
        Some(Identity::Always) => out.push_str(" GENERATED ALWAYS AS IDENTITY"),
        Some(Identity::ByDefault) => out.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        None => {}
    }
    if column.not_null {
        out.push_str(" NOT NULL");
    }
    out
}

/// `CREATE TABLE` with its columns and every constraint (foreign keys
/// included), plus its comments. A partition is created as a plain table
/// (the model does not keep partition bounds), with a note.
pub fn create_table(name: &Name, relation: &Relation) -> String {
    create_table_with(name, relation, true)
}

fn create_table_with(name: &Name, relation: &Relation, foreign_keys: bool) -> String {
    let mut out = String::new();
    if relation.kind == RelationKind::PartitionedTable {
        out.push_str("-- partitioned table (the partition key is not kept in the model)\n");
    }
    if let Some(parent) = &relation.parent {
        let _ = writeln!(
            out,
            "-- partition or child of {} (bounds are not kept in the model)",
            qualified(parent)
        );
    }
    out.push_str("CREATE ");
    if relation.unlogged {
        out.push_str("UNLOGGED ");
    }
    let _ = write!(out, "TABLE {} (", qualified(name));
    let mut items: Vec<String> = relation.columns.iter().map(column_definition).collect();
    // CREATE TABLE silently drops a primary key or unique constraint that
    // repeats an earlier one's columns; ALTER TABLE keeps it.
    let mut key_columns: Vec<&[String]> = Vec::new();
    let mut added_after = Vec::new();
    for constraint in &relation.constraints {
        if !foreign_keys && matches!(constraint.kind, ConstraintKind::ForeignKey { .. }) {
            continue;
        }
        // CREATE TABLE validates every constraint: NOT VALID needs ALTER TABLE.
        if constraint.not_valid {
            added_after.push(add_constraint(name, constraint));
            continue;
        }
        if let ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } =
            &constraint.kind
        {
            if key_columns.contains(&columns.as_slice()) {
                added_after.push(add_constraint(name, constraint));
                continue;
            }
            key_columns.push(columns);
        }
        items.push(format!(
            "CONSTRAINT {} {}",
            quote_ident(&constraint.name),
            constraint_definition(constraint)
        ));
    }
    if items.is_empty() {
        out.push(')');
    } else {
        out.push('\n');
        out.push_str(
            &items
                .iter()
                .map(|item| format!("    {item}"))
                .collect::<Vec<_>>()
                .join(",\n"),
        );
        out.push_str("\n)");
    }
    out.push(';');
    for statement in added_after {
        out.push('\n');
        out.push_str(&statement);
    }
    for comment in relation_comments(name, relation) {
        out.push('\n');
        out.push_str(&comment);
    }
    out
}

pub fn drop_table(name: &Name) -> String {
    format!("DROP TABLE {};", qualified(name))
}

pub fn rename_table(name: &Name, to: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME TO {};",
        qualified(name),
        quote_ident(to)
    )
}

pub fn add_column(table: &Name, column: &Column) -> String {
    format!(
        "ALTER TABLE {} ADD COLUMN {};",
        qualified(table),
        column_definition(column)
    )
}

pub fn drop_column(table: &Name, column: &str) -> String {
    format!(
        "ALTER TABLE {} DROP COLUMN {};",
        qualified(table),
        quote_ident(column)
    )
}

pub fn rename_column(table: &Name, column: &str, to: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME COLUMN {} TO {};",
        qualified(table),
        quote_ident(column),
        quote_ident(to)
    )
}

/// `ALTER COLUMN .. TYPE .. USING column::type`, the explicit cast making
/// conversions PostgreSQL does not do implicitly (text to integer) work.
pub fn alter_column_type(table: &Name, column: &str, ty: &SqlType) -> String {
    let ty = type_sql(ty);
    let column = quote_ident(column);
    format!(
        "ALTER TABLE {} ALTER COLUMN {column} TYPE {ty} USING {column}::{ty};",
        qualified(table)
    )
}

/// `SET DEFAULT expr`, or `DROP DEFAULT` for `None`.
pub fn set_column_default(table: &Name, column: &str, default: Option<&str>) -> String {
    match default {
        Some(default) => format!(
            "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default};",
            qualified(table),
            quote_ident(column)
        ),
        None => format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
            qualified(table),
            quote_ident(column)
        ),
    }
}

/// `SET NOT NULL` or `DROP NOT NULL`.
pub fn set_column_not_null(table: &Name, column: &str, not_null: bool) -> String {
    format!(
        "ALTER TABLE {} ALTER COLUMN {} {} NOT NULL;",
        qualified(table),
        quote_ident(column),
        if not_null { "SET" } else { "DROP" }
    )
}

/// `ADD GENERATED .. AS IDENTITY`, or `DROP IDENTITY` for `None`.
pub fn set_column_identity(table: &Name, column: &str, identity: Option<Identity>) -> String {
    let action = match identity {
        Some(Identity::Always) => "ADD GENERATED ALWAYS AS IDENTITY",
        Some(Identity::ByDefault) => "ADD GENERATED BY DEFAULT AS IDENTITY",
        None => "DROP IDENTITY",
    };
    format!(
        "ALTER TABLE {} ALTER COLUMN {} {action};",
        qualified(table),
        quote_ident(column)
    )
}

// ---------------------------------------------------------------------------
// Constraints

fn foreign_key_action(action: ForeignKeyAction) -> Option<&'static str> {
    match action {
        ForeignKeyAction::NoAction => None,
        ForeignKeyAction::Restrict => Some("RESTRICT"),
        ForeignKeyAction::Cascade => Some("CASCADE"),
        ForeignKeyAction::SetNull => Some("SET NULL"),
        ForeignKeyAction::SetDefault => Some("SET DEFAULT"),
    }
}

/// A constraint's definition as `pg_get_constraintdef` shapes it:
/// `PRIMARY KEY (id)`, `FOREIGN KEY (a) REFERENCES public.t(id) ON DELETE CASCADE`.
pub fn constraint_definition(constraint: &Constraint) -> String {
    let mut out = match &constraint.kind {
        ConstraintKind::PrimaryKey { columns } => format!("PRIMARY KEY ({})", column_list(columns)),
        ConstraintKind::Unique {
            columns,
            nulls_not_distinct,
        } => {
            let nulls = if *nulls_not_distinct {
                " NULLS NOT DISTINCT"
            } else {
                ""
            };
            format!("UNIQUE{nulls} ({})", column_list(columns))
        }
        ConstraintKind::ForeignKey {
            columns,
            references,
            referenced_columns,
            on_delete,
            on_update,
        } => {
            let mut out = format!(
                "FOREIGN KEY ({}) REFERENCES {}",
                column_list(columns),
                qualified(references)
            );
            if !referenced_columns.is_empty() {
                let _ = write!(out, "({})", column_list(referenced_columns));
            }
            if let Some(action) = foreign_key_action(*on_update) {
                let _ = write!(out, " ON UPDATE {action}");
            }
            if let Some(action) = foreign_key_action(*on_delete) {
                let _ = write!(out, " ON DELETE {action}");
            }
            out
        }
        ConstraintKind::Check { expression } => format!("CHECK ({expression})"),
        ConstraintKind::Exclusion { definition } => {
            if definition
                .trim_start()
                .to_ascii_uppercase()
                .starts_with("EXCLUDE")
            {
                definition.clone()
            } else {
                format!("EXCLUDE {definition}")
            }
        }
    };
    if constraint.deferrable {
        out.push_str(" DEFERRABLE");
        if constraint.initially_deferred {
            out.push_str(" INITIALLY DEFERRED");
        }
    }
    if constraint.not_valid {
        out.push_str(" NOT VALID");
    }
    out
}

pub fn add_constraint(table: &Name, constraint: &Constraint) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} {};",
        qualified(table),
        quote_ident(&constraint.name),
        constraint_definition(constraint)
    )
}

pub fn drop_constraint(table: &Name, constraint: &str) -> String {
    format!(
        "ALTER TABLE {} DROP CONSTRAINT {};",
        qualified(table),
        quote_ident(constraint)
    )
}

pub fn rename_constraint(table: &Name, constraint: &str, to: &str) -> String {
    format!(
        "ALTER TABLE {} RENAME CONSTRAINT {} TO {};",
        qualified(table),
        quote_ident(constraint),
        quote_ident(to)
    )
}

// ---------------------------------------------------------------------------
// Indexes

/// `CREATE [UNIQUE] INDEX name ON table USING method (keys) ...`; the index
/// is created in the table's schema, as PostgreSQL requires.
pub fn create_index(name: &Name, index: &Index) -> String {
    let mut out = format!(
        "CREATE {}INDEX {} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        quote_ident(&name.name),
        qualified(&index.table)
    );
    if !index.method.is_empty() && index.method != "btree" {
        let _ = write!(out, " USING {}", index.method);
    }
    let keys: Vec<String> = index.keys.iter().map(|key| index_key_sql(key)).collect();
    let _ = write!(out, " ({})", keys.join(", "));
    if !index.include.is_empty() {
        let _ = write!(out, " INCLUDE ({})", column_list(&index.include));
    }
    if index.nulls_not_distinct {
        out.push_str(" NULLS NOT DISTINCT");
    }
    if let Some(predicate) = &index.predicate {
        let _ = write!(out, " WHERE {predicate}");
    }
    out.push(';');
    out
}

/// An index key as the model keeps it (`createdAt`, `lower(email)`,
/// `doc jsonb_path_ops`, `priority DESC NULLS LAST`) as SQL: a bare column
/// name is quoted as needed, an expression is kept as written.
pub fn index_key_sql(key: &str) -> String {
    let mut rest = key.trim();
    let mut suffixes = Vec::new();
    for suffix in [" NULLS FIRST", " NULLS LAST", " DESC", " ASC"] {
        if let Some(stripped) = rest.strip_suffix(suffix) {
            suffixes.insert(0, suffix);
            rest = stripped;
        }
    }
    let is_expression = rest.contains(['(', '"', ':', '\'', '+', '-', '*', '/', '|', '='])
        || rest.starts_with(|c: char| c.is_ascii_digit());
    let mut out = if is_expression {
        rest.to_owned()
    } else {
        match rest.split_once(' ') {
            // A column and its operator class.
            Some((column, class)) => format!("{} {class}", quote_ident(column)),
            None => quote_ident(rest),
        }
    };
    for suffix in suffixes {
        out.push_str(suffix);
    }
    out
}

pub fn drop_index(name: &Name) -> String {
    format!("DROP INDEX {};", qualified(name))
}

pub fn rename_index(name: &Name, to: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {};",
        qualified(name),
        quote_ident(to)
    )
}

// ---------------------------------------------------------------------------
// Views

/// `CREATE VIEW` or `CREATE MATERIALIZED VIEW` from the stored definition;
/// a comment when the model does not know the definition.
pub fn create_view(name: &Name, relation: &Relation) -> String {
    let keyword = view_keyword(relation.kind);
    let mut out = match &relation.definition {
        Some(definition) => {
            let definition = definition.trim().trim_end_matches(';').trim_end();
            // The column names, since they may come from a column list
            // (`CREATE VIEW v (a, b) AS ..`) that the definition does not hold.
            let columns = if relation.columns.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = relation
                    .columns
                    .iter()
                    .map(|column| column.name.clone())
                    .collect();
                format!(" ({})", column_list(&names))
            };
            format!(
                "CREATE {keyword} {}{columns} AS\n{definition};",
                qualified(name)
            )
        }
        None => format!(
            "-- CREATE {keyword} {}: definition unknown",
            qualified(name)
        ),
    };
    for comment in relation_comments(name, relation) {
        out.push('\n');
        out.push_str(&comment);
    }
    out
}

pub fn drop_view(name: &Name, kind: RelationKind) -> String {
    format!("DROP {} {};", view_keyword(kind), qualified(name))
}

/// `DROP TABLE`, `DROP VIEW`, `DROP MATERIALIZED VIEW` or `DROP FOREIGN TABLE`.
pub fn drop_relation(name: &Name, kind: RelationKind) -> String {
    match kind {
        RelationKind::Table | RelationKind::PartitionedTable => drop_table(name),
        RelationKind::View | RelationKind::MaterializedView => drop_view(name, kind),
        RelationKind::ForeignTable => format!("DROP FOREIGN TABLE {};", qualified(name)),
    }
}

fn view_keyword(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::MaterializedView => "MATERIALIZED VIEW",
        _ => "VIEW",
    }
}

// ---------------------------------------------------------------------------
// Comments

fn comment_value(comment: Option<&str>) -> String {
    comment.map_or_else(|| "NULL".to_owned(), quote_literal)
}

/// `COMMENT ON TABLE|VIEW|MATERIALIZED VIEW .. IS ..` (`NULL` removes it).
pub fn comment_on_relation(name: &Name, kind: RelationKind, comment: Option<&str>) -> String {
    let keyword = match kind {
        RelationKind::Table | RelationKind::PartitionedTable => "TABLE",
        RelationKind::View => "VIEW",
        RelationKind::MaterializedView => "MATERIALIZED VIEW",
        RelationKind::ForeignTable => "FOREIGN TABLE",
    };
    format!(
        "COMMENT ON {keyword} {} IS {};",
        qualified(name),
        comment_value(comment)
    )
}

pub fn comment_on_column(table: &Name, column: &str, comment: Option<&str>) -> String {
    format!(
        "COMMENT ON COLUMN {}.{} IS {};",
        qualified(table),
        quote_ident(column),
        comment_value(comment)
    )
}

fn relation_comments(name: &Name, relation: &Relation) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(comment) = &relation.comment {
        out.push(comment_on_relation(name, relation.kind, Some(comment)));
    }
    for column in &relation.columns {
        if let Some(comment) = &column.comment {
            out.push(comment_on_column(name, &column.name, Some(comment)));
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The whole schema

/// The whole schema as DDL, in an order PostgreSQL accepts: schemas,
/// extensions, types (enums, ranges, domains, composites), sequences, tables,
/// sequence ownership, indexes that back no constraint, foreign keys (once
/// every table and unique index exists), views (each after the views it
/// reads), indexes on materialized views, comments. Functions are not included: the model keeps their
/// signatures only, so a table or index that calls one needs it created first.
pub fn schema_sql(schema: &Schema) -> String {
    let mut sections: Vec<(&str, Vec<String>)> = Vec::new();

    let namespaces: Vec<String> = schema
        .namespaces
        .iter()
        .filter(|(name, _)| name.as_str() != "public")
        .map(|(name, _)| create_schema(name))
        .collect();
    sections.push(("schemas", namespaces));

    let extensions: Vec<String> = schema
        .extensions
        .iter()
        .filter(|(name, _)| name.as_str() != "plpgsql")
        .map(|(name, extension)| create_extension(name, extension))
        .collect();
    sections.push(("extensions", extensions));

    let mut types = Vec::new();
    for rank in 0..4 {
        for (name, user_type) in &schema.types {
            let type_rank = match user_type.kind {
                UserTypeKind::Enum { .. } => 0,
                UserTypeKind::Range { .. } => 1,
                UserTypeKind::Domain { .. } => 2,
                UserTypeKind::Composite { .. } => 3,
            };
            if type_rank == rank {
                types.push(create_type(name, user_type));
            }
        }
    }
    sections.push(("types", types));

    // Identity columns make their own sequences.
    let sequences: Vec<String> = schema
        .sequences
        .iter()
        .filter(|(_, sequence)| !owned_by_identity(schema, sequence))
        .map(|(name, sequence)| create_sequence(name, sequence))
        .collect();
    sections.push(("sequences", sequences));

    let mut tables = Vec::new();
    let mut foreign_keys = Vec::new();
    for (name, relation) in &schema.relations {
        if relation.is_view() {
            continue;
        }
        tables.push(create_table_with(name, relation, false));
        for constraint in &relation.constraints {
            if matches!(constraint.kind, ConstraintKind::ForeignKey { .. }) {
                foreign_keys.push(add_constraint(name, constraint));
            }
        }
    }
    sections.push(("tables", tables));

    let ownership: Vec<String> = schema
        .sequences
        .iter()
        .filter_map(|(name, sequence)| {
            let owner = sequence.owned_by.as_ref()?;
            (!owned_by_identity(schema, sequence)).then(|| sequence_owned_by(name, Some(owner)))
        })
        .collect();
    sections.push(("sequence ownership", ownership));

    let on_view = |index: &Index| schema.relation(&index.table).is_some_and(Relation::is_view);
    let indexes: Vec<String> = schema
        .indexes
        .iter()
        .filter(|(_, index)| index.constraint.is_none() && !on_view(index))
        .map(|(name, index)| create_index(name, index))
        .collect();
    sections.push(("indexes", indexes));
    // After the indexes: a foreign key may reference the columns of a
    // unique index rather than of a constraint.
    sections.push(("foreign keys", foreign_keys));

    let views: Vec<String> = views_in_dependency_order(schema)
        .into_iter()
        .filter_map(|name| Some(create_view(name, schema.relation(name)?)))
        .collect();
    sections.push(("views", views));

    let view_indexes: Vec<String> = schema
        .indexes
        .iter()
        .filter(|(_, index)| index.constraint.is_none() && on_view(index))
        .map(|(name, index)| create_index(name, index))
        .collect();
    sections.push(("indexes on materialized views", view_indexes));

    let mut comments = Vec::new();
    for (name, namespace) in &schema.namespaces {
        if let Some(comment) = &namespace.comment {
            comments.push(format!(
                "COMMENT ON SCHEMA {} IS {};",
                quote_ident(name),
                quote_literal(comment)
            ));
        }
    }
    for (name, user_type) in &schema.types {
        if let Some(comment) = &user_type.comment {
            let keyword = match user_type.kind {
                UserTypeKind::Domain { .. } => "DOMAIN",
                _ => "TYPE",
            };
            comments.push(format!(
                "COMMENT ON {keyword} {} IS {};",
                qualified(name),
                quote_literal(comment)
            ));
        }
    }
    sections.push(("comments", comments));

    let mut out = String::new();
    for (title, statements) in sections {
        if statements.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "-- {title}");
        for statement in statements {
            out.push_str(&statement);
            out.push('\n');
        }
    }
    out
}

/// Whether an identity column owns the sequence (it comes with the column).
fn owned_by_identity(schema: &Schema, sequence: &Sequence) -> bool {
    sequence.owned_by.as_ref().is_some_and(|(table, column)| {
        schema
            .relation(table)
            .and_then(|relation| relation.column(column))
            .is_some_and(|column| column.identity.is_some())
    })
}

/// Views and materialized views, each after the views it reads (by
/// `depends_on`), otherwise by name.
fn views_in_dependency_order(schema: &Schema) -> Vec<&Name> {
    let views: BTreeMap<&Name, &Relation> = schema
        .relations
        .iter()
        .filter(|(_, relation)| relation.is_view())
        .collect();
    let mut done: BTreeSet<&Name> = BTreeSet::new();
    let mut order = Vec::new();
    fn visit<'a>(
        name: &'a Name,
        views: &BTreeMap<&'a Name, &'a Relation>,
        done: &mut BTreeSet<&'a Name>,
        visiting: &mut BTreeSet<&'a Name>,
        order: &mut Vec<&'a Name>,
    ) {
        if done.contains(name) || !visiting.insert(name) {
            return;
        }
        if let Some(relation) = views.get(name) {
            for dependency in &relation.depends_on {
                if let Some((key, _)) = views.get_key_value(dependency) {
                    visit(key, views, done, visiting, order);
                }
            }
        }
        visiting.remove(name);
        done.insert(name);
        order.push(name);
    }
    let mut visiting = BTreeSet::new();
    for name in views.keys() {
        visit(name, &views, &mut done, &mut visiting, &mut order);
    }
    order
}

#[cfg(test)]
mod tests {
    use expect_test::expect;

    use super::*;
    use crate::schema::Namespace;

    #[test]
    fn keyword_list_is_sorted_for_binary_search() {
        let mut sorted = QUOTED_KEYWORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, QUOTED_KEYWORDS);
    }

    #[test]
    fn quotes_like_quote_ident() {
        let cases = [
            ("users", "users"),
            ("user", "\"user\""),
            ("order", "\"order\""),
            ("name", "name"),
            ("TaskStatus", "\"TaskStatus\""),
            ("_x1", "_x1"),
            ("1x", "\"1x\""),
            ("a$b", "\"a$b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("", "\"\""),
        ];
        for (name, quoted) in cases {
            assert_eq!(quote_ident(name), quoted, "{name}");
        }
    }

    #[test]
    fn index_keys_are_quoted_unless_expressions() {
        let cases = [
            ("createdAt", "\"createdAt\""),
            ("order", "\"order\""),
            ("name", "name"),
            ("priority DESC", "priority DESC"),
            ("at DESC NULLS LAST", "at DESC NULLS LAST"),
            ("doc jsonb_path_ops", "doc jsonb_path_ops"),
            ("lower(email)", "lower(email)"),
            ("(a + b)", "(a + b)"),
            ("\"Mixed\" DESC", "\"Mixed\" DESC"),
        ];
        for (key, sql) in cases {
            assert_eq!(index_key_sql(key), sql, "{key}");
        }
    }

    #[test]
    fn types_are_spelled_as_ddl() {
        let cases = [
            (SqlType::builtin("int4"), "integer"),
            (SqlType::builtin("bpchar"), "bpchar"),
            (
                SqlType::builtin("bpchar").with_modifiers(vec![2]),
                "character(2)",
            ),
            (
                SqlType::builtin("varchar")
                    .with_modifiers(vec![20])
                    .into_array(),
                "character varying(20)[]",
            ),
            (
                SqlType::builtin("timestamp").with_modifiers(vec![3]),
                "timestamp(3) without time zone",
            ),
            (SqlType::builtin("char"), "\"char\""),
            (
                SqlType::user("public", "TaskStatus").into_array(),
                "public.\"TaskStatus\"[]",
            ),
            (SqlType::user("auth", "user"), "auth.\"user\""),
        ];
        for (ty, expected) in cases {
            assert_eq!(type_sql(&ty), expected);
        }
    }

    fn sample_schema() -> Schema {
        let mut schema = Schema::new();
        schema.namespaces.insert(
            "auth".to_owned(),
            Namespace {
                comment: Some("who is who".to_owned()),
            },
        );
        schema.extensions.insert(
            "pgcrypto".to_owned(),
            Extension {
                schema: "public".to_owned(),
                version: None,
            },
        );
        schema.types.insert(
            Name::public("TaskStatus"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["TODO".to_owned(), "it's done".to_owned()],
                },
                comment: None,
            },
        );
        schema.types.insert(
            Name::public("email"),
            UserType {
                kind: UserTypeKind::Domain {
                    base: SqlType::builtin("text"),
                    not_null: true,
                    default: None,
                    checks: vec![Constraint {
                        name: "email_check".to_owned(),
                        kind: ConstraintKind::Check {
                            expression: "VALUE ~~ '%@%'::text".to_owned(),
                        },
                        not_valid: false,
                        deferrable: false,
                        initially_deferred: false,
                    }],
                },
                comment: Some("an address".to_owned()),
            },
        );
        schema.sequences.insert(
            Name::public("user_id_seq"),
            Sequence {
                data_type: SqlType::builtin("int4"),
                owned_by: Some((Name::public("user"), "id".to_owned())),
                start: None,
                increment: None,
            },
        );
        let mut user = Relation::new(RelationKind::Table);
        let mut id = Column::new("id", SqlType::builtin("int4"));
        id.not_null = true;
        id.default = Some("nextval('user_id_seq'::regclass)".to_owned());
        let mut email = Column::new("email", SqlType::user("public", "email"));
        email.not_null = true;
        email.comment = Some("login".to_owned());
        let mut status = Column::new("Status", SqlType::user("public", "TaskStatus"));
        status.default = Some("'TODO'::\"TaskStatus\"".to_owned());
        user.columns = vec![id, email, status];
        user.constraints = vec![
            Constraint {
                name: "user_pkey".to_owned(),
                kind: ConstraintKind::PrimaryKey {
                    columns: vec!["id".to_owned()],
                },
                not_valid: false,
                deferrable: false,
                initially_deferred: false,
            },
            Constraint {
                name: "user_email_key".to_owned(),
                kind: ConstraintKind::Unique {
                    columns: vec!["email".to_owned()],
                    nulls_not_distinct: false,
                },
                not_valid: false,
                deferrable: false,
                initially_deferred: false,
            },
        ];
        user.comment = Some("people".to_owned());
        schema.relations.insert(Name::public("user"), user);
        let mut post = Relation::new(RelationKind::Table);
        let mut post_id = Column::new("id", SqlType::builtin("int8"));
        post_id.not_null = true;
        post_id.identity = Some(Identity::Always);
        let author = Column::new("author_id", SqlType::builtin("int4"));
        let tags = Column::new("tags", SqlType::builtin("text").into_array());
        post.columns = vec![post_id, author, tags];
        post.constraints = vec![
            Constraint {
                name: "post_author_id_fkey".to_owned(),
                kind: ConstraintKind::ForeignKey {
                    columns: vec!["author_id".to_owned()],
                    references: Name::public("user"),
                    referenced_columns: vec!["id".to_owned()],
                    on_delete: ForeignKeyAction::Cascade,
                    on_update: ForeignKeyAction::NoAction,
                },
                not_valid: true,
                deferrable: true,
                initially_deferred: true,
            },
            Constraint {
                name: "post_tags_check".to_owned(),
                kind: ConstraintKind::Check {
                    expression: "(cardinality(tags) < 10)".to_owned(),
                },
                not_valid: false,
                deferrable: false,
                initially_deferred: false,
            },
        ];
        schema.relations.insert(Name::new("auth", "post"), post);
        schema.indexes.insert(
            Name::public("user_pkey"),
            Index {
                table: Name::public("user"),
                unique: true,
                method: "btree".to_owned(),
                keys: vec!["id".to_owned()],
                include: Vec::new(),
                predicate: None,
                constraint: Some("user_pkey".to_owned()),
                nulls_not_distinct: false,
            },
        );
        schema.indexes.insert(
            Name::new("auth", "post_tags_idx"),
            Index {
                table: Name::new("auth", "post"),
                unique: false,
                method: "gin".to_owned(),
                keys: vec!["tags".to_owned()],
                include: Vec::new(),
                predicate: Some("(author_id IS NOT NULL)".to_owned()),
                constraint: None,
                nulls_not_distinct: false,
            },
        );
        let mut recent = Relation::new(RelationKind::View);
        recent.columns = vec![Column::new("id", SqlType::builtin("int8"))];
        recent.definition = Some(" SELECT id FROM auth.post_ids;".to_owned());
        recent.depends_on = vec![Name::new("auth", "post_ids")];
        schema
            .relations
            .insert(Name::new("auth", "a_recent"), recent);
        let mut ids = Relation::new(RelationKind::MaterializedView);
        ids.columns = vec![Column::new("id", SqlType::builtin("int8"))];
        ids.definition = Some("SELECT id FROM auth.post".to_owned());
        ids.depends_on = vec![Name::new("auth", "post")];
        schema.relations.insert(Name::new("auth", "post_ids"), ids);
        schema
    }

    #[test]
    fn whole_schema_in_dependency_order() {
        expect![[r#"
            -- schemas
            CREATE SCHEMA auth;

            -- extensions
            CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

            -- types
            CREATE TYPE public."TaskStatus" AS ENUM ('TODO', 'it''s done');
            CREATE DOMAIN public.email AS text NOT NULL CONSTRAINT email_check CHECK (VALUE ~~ '%@%'::text);

            -- sequences
            CREATE SEQUENCE public.user_id_seq AS integer;

            -- tables
            CREATE TABLE auth.post (
                id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
                author_id integer,
                tags text[],
                CONSTRAINT post_tags_check CHECK ((cardinality(tags) < 10))
            );
            CREATE TABLE public."user" (
                id integer DEFAULT nextval('user_id_seq'::regclass) NOT NULL,
                email public.email NOT NULL,
                "Status" public."TaskStatus" DEFAULT 'TODO'::"TaskStatus",
                CONSTRAINT user_pkey PRIMARY KEY (id),
                CONSTRAINT user_email_key UNIQUE (email)
            );
            COMMENT ON TABLE public."user" IS 'people';
            COMMENT ON COLUMN public."user".email IS 'login';

            -- sequence ownership
            ALTER SEQUENCE public.user_id_seq OWNED BY public."user".id;

            -- indexes
            CREATE INDEX post_tags_idx ON auth.post USING gin (tags) WHERE (author_id IS NOT NULL);

            -- foreign keys
            ALTER TABLE auth.post ADD CONSTRAINT post_author_id_fkey FOREIGN KEY (author_id) REFERENCES public."user"(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED NOT VALID;

            -- views
            CREATE MATERIALIZED VIEW auth.post_ids (id) AS
            SELECT id FROM auth.post;
            CREATE VIEW auth.a_recent (id) AS
            SELECT id FROM auth.post_ids;

            -- comments
            COMMENT ON SCHEMA auth IS 'who is who';
            COMMENT ON DOMAIN public.email IS 'an address';
        "#]]
        .assert_eq(&schema_sql(&sample_schema()));
    }

    #[test]
    fn per_object_statements() {
        let schema = sample_schema();
        let user = Name::public("user");
        let relation = schema.relation(&user).unwrap();
        let status = Name::public("TaskStatus");
        let statements = [
            add_column(&user, &relation.columns[2]),
            drop_column(&user, "Status"),
            rename_column(&user, "email", "mail"),
            alter_column_type(&user, "email", &SqlType::builtin("text")),
            set_column_default(&user, "Status", Some("'TODO'::\"TaskStatus\"")),
            set_column_default(&user, "Status", None),
            set_column_not_null(&user, "email", false),
            set_column_identity(&user, "id", Some(Identity::ByDefault)),
            add_constraint(&user, &relation.constraints[1]),
            drop_constraint(&user, "user_email_key"),
            drop_index(&Name::new("auth", "post_tags_idx")),
            add_enum_value(&status, "DOING", EnumPosition::After("TODO")),
            add_enum_value(&status, "NEW", EnumPosition::Before("TODO")),
            add_enum_value(&status, "GONE", EnumPosition::End),
            drop_view(
                &Name::new("auth", "post_ids"),
                RelationKind::MaterializedView,
            ),
            drop_table(&user),
            rename_table(&user, "users"),
            drop_extension("pgcrypto"),
            drop_type(
                &Name::public("email"),
                &schema.types[&Name::public("email")],
            ),
            comment_on_column(&user, "email", None),
        ];
        expect![[r#"
            ALTER TABLE public."user" ADD COLUMN "Status" public."TaskStatus" DEFAULT 'TODO'::"TaskStatus";
            ALTER TABLE public."user" DROP COLUMN "Status";
            ALTER TABLE public."user" RENAME COLUMN email TO mail;
            ALTER TABLE public."user" ALTER COLUMN email TYPE text USING email::text;
            ALTER TABLE public."user" ALTER COLUMN "Status" SET DEFAULT 'TODO'::"TaskStatus";
            ALTER TABLE public."user" ALTER COLUMN "Status" DROP DEFAULT;
            ALTER TABLE public."user" ALTER COLUMN email DROP NOT NULL;
            ALTER TABLE public."user" ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;
            ALTER TABLE public."user" ADD CONSTRAINT user_email_key UNIQUE (email);
            ALTER TABLE public."user" DROP CONSTRAINT user_email_key;
            DROP INDEX auth.post_tags_idx;
            ALTER TYPE public."TaskStatus" ADD VALUE 'DOING' AFTER 'TODO';
            ALTER TYPE public."TaskStatus" ADD VALUE 'NEW' BEFORE 'TODO';
            ALTER TYPE public."TaskStatus" ADD VALUE 'GONE';
            DROP MATERIALIZED VIEW auth.post_ids;
            DROP TABLE public."user";
            ALTER TABLE public."user" RENAME TO users;
            DROP EXTENSION pgcrypto;
            DROP DOMAIN public.email;
            COMMENT ON COLUMN public."user".email IS NULL;"#]]
        .assert_eq(&statements.join("\n"));
    }

    #[test]
    fn enum_recreation_converts_every_use() {
        let table = Name::public("task");
        let sql = recreate_enum(
            &Name::public("TaskStatus"),
            &["TODO".to_owned(), "DONE".to_owned()],
            &[
                EnumUse {
                    table: &table,
                    column: "status",
                    array: false,
                    had_default: true,
                    default: Some("'TODO'::\"TaskStatus\""),
                },
                EnumUse {
                    table: &table,
                    column: "history",
                    array: true,
                    had_default: false,
                    default: None,
                },
            ],
        );
        expect![[r#"
            ALTER TYPE public."TaskStatus" RENAME TO "TaskStatus__old";
            CREATE TYPE public."TaskStatus" AS ENUM ('TODO', 'DONE');
            ALTER TABLE public.task ALTER COLUMN status DROP DEFAULT;
            ALTER TABLE public.task ALTER COLUMN status TYPE public."TaskStatus" USING status::text::public."TaskStatus";
            ALTER TABLE public.task ALTER COLUMN status SET DEFAULT 'TODO'::"TaskStatus";
            ALTER TABLE public.task ALTER COLUMN history TYPE public."TaskStatus"[] USING history::text[]::public."TaskStatus"[];
            DROP TYPE public."TaskStatus__old";"#]]
        .assert_eq(&sql);
    }
}
