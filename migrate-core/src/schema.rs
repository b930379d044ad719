use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ddl::quote_ident;
use crate::types::{SqlType, builtin_data_type};

/// A schema-qualified object name, exactly as PostgreSQL stores it (already
/// case-folded: `"TaskStatus"` stays `TaskStatus`, `Users` became `users`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Name {
    pub schema: String,
    pub name: String,
}

impl Name {
    pub fn new(schema: &str, name: &str) -> Self {
        Self {
            schema: schema.to_owned(),
            name: name.to_owned(),
        }
    }

    /// A name in the `public` schema.
    pub fn public(name: &str) -> Self {
        Self::new("public", name)
    }
}

impl fmt::Display for Name {
    /// `public.users`, `public."TaskStatus"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{}",
            quote_ident(&self.schema),
            quote_ident(&self.name)
        )
    }
}

/// Everything the migrations created that a query or the runtime can see.
///
/// Maps are ordered so that the schema serialises and prints deterministically.
/// Relations, indexes and sequences share PostgreSQL's one namespace of
/// `pg_class` names per schema; the fold keeps them apart for convenience and
/// checks collisions itself.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// Schemas (namespaces) by name; `public` is always there.
    pub namespaces: BTreeMap<String, Namespace>,
    /// Tables, views, materialized views and foreign tables.
    #[serde(with = "name_keyed")]
    pub relations: BTreeMap<Name, Relation>,
    /// Enums, domains and composite types.
    #[serde(with = "name_keyed")]
    pub types: BTreeMap<Name, UserType>,
    #[serde(with = "name_keyed")]
    pub sequences: BTreeMap<Name, Sequence>,
    #[serde(with = "name_keyed")]
    pub indexes: BTreeMap<Name, Index>,
    /// Extensions by name (extension names are database-wide).
    pub extensions: BTreeMap<String, Extension>,
    /// Functions by name; a name may have several overloads.
    #[serde(with = "name_keyed")]
    pub functions: BTreeMap<Name, Vec<Function>>,
    /// What the migrations renamed and dropped (never part of equality).
    #[serde(default, skip_serializing_if = "crate::History::is_empty")]
    pub history: crate::History,
    /// What existed before migration 1 (the tool's bookkeeping table, the
    /// assumed objects): in the maps above, but not made by the migrations.
    #[serde(default, skip_serializing_if = "crate::Prelude::is_empty")]
    pub prelude: crate::Prelude,
}

impl Schema {
    /// An empty database: only the `public` schema.
    pub fn new() -> Self {
        let mut schema = Self::default();
        schema
            .namespaces
            .insert("public".to_owned(), Namespace::default());
        schema
    }

    pub fn relation(&self, name: &Name) -> Option<&Relation> {
        self.relations.get(name)
    }

    pub fn user_type(&self, name: &Name) -> Option<&UserType> {
        self.types.get(name)
    }

    /// `information_schema.columns.data_type` of a type: the built-in name,
    /// `ARRAY`, `USER-DEFINED`, or for a domain that of its base type.
    pub fn information_schema_data_type(&self, ty: &SqlType) -> String {
        if ty.array {
            return "ARRAY".to_owned();
        }
        if ty.is_builtin() {
            return builtin_data_type(&ty.name)
                .map(str::to_owned)
                .unwrap_or_else(|| ty.name.clone());
        }
        match self.domain_base(ty) {
            Some(base) => self.information_schema_data_type(base),
            None => "USER-DEFINED".to_owned(),
        }
    }

    /// `information_schema.columns.udt_name`: for a domain, that of its base type.
    pub fn information_schema_udt_name(&self, ty: &SqlType) -> String {
        match self.domain_base(ty) {
            Some(base) if !ty.array => self.information_schema_udt_name(base),
            _ => ty.udt_name(),
        }
    }

    fn domain_base(&self, ty: &SqlType) -> Option<&SqlType> {
        if ty.is_builtin() {
            return None;
        }
        match &self.types.get(&Name::new(&ty.schema, &ty.name))?.kind {
            UserTypeKind::Domain { base, .. } => Some(base),
            _ => None,
        }
    }
}

/// JSON maps need string keys: a map keyed by [`Name`] is written as a
/// list of `[name, value]` pairs.
mod name_keyed {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Name;

    pub(super) fn serialize<V: Serialize, S: Serializer>(
        map: &BTreeMap<Name, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.iter())
    }

    pub(super) fn deserialize<'de, V: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Name, V>, D::Error> {
        let pairs = Vec::<(Name, V)>::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    pub comment: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RelationKind {
    Table,
    PartitionedTable,
    View,
    MaterializedView,
    ForeignTable,
}

/// A table, view, materialized view or foreign table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relation {
    pub kind: RelationKind,
    /// Columns in `attnum` order (dropped columns removed).
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// The parent, for a partition (`CREATE TABLE .. PARTITION OF`) or an
    /// inheriting table.
    pub parent: Option<Name>,
    pub triggers: Vec<Trigger>,
    /// For views and materialized views: the defining query as written.
    pub definition: Option<String>,
    /// Names of the relations a view reads, for DROP ... CASCADE.
    pub depends_on: Vec<Name>,
    pub comment: Option<String>,
    /// UNLOGGED or TEMPORARY tables are still tables; this records UNLOGGED.
    pub unlogged: bool,
}

impl Relation {
    pub fn new(kind: RelationKind) -> Self {
        Self {
            kind,
            columns: Vec::new(),
            constraints: Vec::new(),
            parent: None,
            triggers: Vec::new(),
            definition: None,
            depends_on: Vec::new(),
            comment: None,
            unlogged: false,
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|column| column.name == name)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|column| column.name == name)
    }

    pub fn is_view(&self) -> bool {
        matches!(
            self.kind,
            RelationKind::View | RelationKind::MaterializedView
        )
    }

    /// The primary key constraint, if any.
    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|constraint| matches!(constraint.kind, ConstraintKind::PrimaryKey { .. }))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub not_null: bool,
    /// The default expression as PostgreSQL would print it, when known.
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// `GENERATED ALWAYS AS (expr) STORED`: the expression.
    pub generated: Option<String>,
    pub collation: Option<String>,
    pub comment: Option<String>,
}

impl Column {
    pub fn new(name: &str, ty: SqlType) -> Self {
        Self {
            name: name.to_owned(),
            ty,
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            collation: None,
            comment: None,
        }
    }

    /// Whether an INSERT may leave this column out and still succeed.
    pub fn has_default(&self) -> bool {
        self.default.is_some() || self.identity.is_some() || self.generated.is_some()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Identity {
    /// `GENERATED ALWAYS AS IDENTITY`
    Always,
    /// `GENERATED BY DEFAULT AS IDENTITY`
    ByDefault,
}

/// A table constraint, named as PostgreSQL names it (`users_pkey`,
/// `users_email_key`, `posts_author_id_fkey`, `users_age_check`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    /// Added `NOT VALID` and not validated since.
    pub not_valid: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConstraintKind {
    PrimaryKey {
        columns: Vec<String>,
    },
    Unique {
        columns: Vec<String>,
        nulls_not_distinct: bool,
    },
    ForeignKey {
        columns: Vec<String>,
        references: Name,
        referenced_columns: Vec<String>,
        on_delete: ForeignKeyAction,
        on_update: ForeignKeyAction,
    },
    Check {
        expression: String,
    },
    Exclusion {
        definition: String,
    },
}

impl ConstraintKind {
    /// The columns the constraint is declared on (empty for checks and exclusions).
    pub fn columns(&self) -> &[String] {
        match self {
            Self::PrimaryKey { columns }
            | Self::Unique { columns, .. }
            | Self::ForeignKey { columns, .. } => columns,
            Self::Check { .. } | Self::Exclusion { .. } => &[],
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ForeignKeyAction {
    #[default]
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

/// An index; it shares the `pg_class` namespace with relations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub table: Name,
    pub unique: bool,
    /// Access method: `btree`, `gin`, `gist`, `hash`, `brin`.
    pub method: String,
    /// Key columns or expressions, as written (columns by name).
    pub keys: Vec<String>,
    pub include: Vec<String>,
    /// `WHERE` predicate of a partial index.
    pub predicate: Option<String>,
    /// The constraint this index implements (primary key, unique, exclusion).
    pub constraint: Option<String>,
    pub nulls_not_distinct: bool,
}

/// An enum, domain or composite type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserType {
    pub kind: UserTypeKind,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserTypeKind {
    /// Labels in their sort order.
    Enum {
        labels: Vec<String>,
    },
    Domain {
        base: SqlType,
        not_null: bool,
        default: Option<String>,
        checks: Vec<Constraint>,
    },
    Composite {
        attributes: Vec<(String, SqlType)>,
    },
    /// A range type over `subtype`.
    Range {
        subtype: SqlType,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// `int8` unless `AS` said otherwise.
    pub data_type: SqlType,
    /// The column that owns it (`serial`, identity, `OWNED BY`).
    pub owned_by: Option<(Name, String)>,
    pub start: Option<i64>,
    pub increment: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub schema: String,
    pub version: Option<String>,
}

/// A function's signature, enough to type a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    pub arguments: Vec<SqlType>,
    /// `None` for procedures and `RETURNS trigger`-style functions we do not
    /// type; `record` for a function of two or more output arguments.
    pub returns: Option<SqlType>,
    pub returns_set: bool,
    /// An aggregate (`CREATE AGGREGATE`, `prokind = 'a'`): `returns` is
    /// what its final function returns, or its state type without one.
    #[serde(default)]
    pub aggregate: bool,
    /// The last argument is VARIADIC (`provariadic`): an array whose
    /// elements a call may also pass one by one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub variadic: bool,
    /// An ordered-set or hypothetical-set aggregate, called as
    /// `f(direct..) WITHIN GROUP (ORDER BY aggregated..)`: how many of
    /// `arguments` are direct (`aggnumdirectargs`); the rest are aggregated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_arguments: Option<usize>,
    /// How many trailing input arguments have defaults
    /// (`pronargdefaults`): a call may leave them out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub defaults: usize,
    /// The OUT, INOUT and TABLE arguments in order (`proargmodes` `o`, `b`,
    /// `t`): the columns of the row a call returns. Empty for a function
    /// without any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<OutputArgument>,
    /// A procedure (`prokind = 'p'`): called by CALL, never in an
    /// expression; `returns` is `None`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub procedure: bool,
    /// The names of the input arguments (IN, INOUT and VARIADIC ones), in
    /// the order of `arguments` (`proargnames`): empty for an argument
    /// without one, and no names at all when none has one. A call may pass
    /// an argument by its name (`f(a => 1)`). The output arguments' names
    /// are in `outputs`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub argument_names: Vec<String>,
}

impl Function {
    /// The name of the input argument at `index` (from 0), if it has one.
    pub fn argument_name(&self, index: usize) -> Option<&str> {
        self.argument_names
            .get(index)
            .map(String::as_str)
            .filter(|name| !name.is_empty())
    }

    /// The names of the arguments a CALL of this procedure passes, in the
    /// order of [`Function::call_arguments`]: empty for one without a name.
    pub fn call_argument_names(&self) -> Vec<String> {
        let n_out_only = self.outputs.iter().filter(|out| !out.input).count();
        let mut inputs = 0..self.arguments.len();
        let mut out_only = self.outputs.iter().filter(|out| !out.input).peekable();
        (0..self.arguments.len() + n_out_only)
            .filter_map(|position| match out_only.peek() {
                Some(out) if out.position == position => {
                    out_only.next().map(|out| out.name.clone())
                }
                _ => inputs
                    .next()
                    .map(|index| self.argument_name(index).unwrap_or_default().to_owned()),
            })
            .collect()
    }

    /// The types a CALL of this procedure passes, in order: its input
    /// arguments with its OUT-only ones at their places (since PostgreSQL
    /// 14, a CALL passes an OUT argument too, as NULL or any expression).
    pub fn call_arguments(&self) -> Vec<SqlType> {
        let n_out_only = self.outputs.iter().filter(|out| !out.input).count();
        let mut inputs = self.arguments.iter();
        let mut out_only = self.outputs.iter().filter(|out| !out.input).peekable();
        (0..self.arguments.len() + n_out_only)
            .filter_map(|position| match out_only.peek() {
                Some(out) if out.position == position => out_only.next().map(|out| out.ty.clone()),
                _ => inputs.next().cloned(),
            })
            .collect()
    }
}

/// An output argument of a function or procedure.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputArgument {
    /// Its name (`proargnames`), the name of its column in the row a call
    /// returns; empty when the argument has none (PostgreSQL then names
    /// the column `column<n>`, see [`OutputArgument::column_name`]).
    pub name: String,
    pub ty: SqlType,
    /// Its place among all the arguments, from 0 (`proallargtypes`).
    pub position: usize,
    /// INOUT: also one of [`Function::arguments`].
    pub input: bool,
}

impl OutputArgument {
    /// The name of its column: its own, or `column<n>` for the `n`th
    /// output (from 1) as PostgreSQL names an unnamed one.
    pub fn column_name(&self, n: usize) -> String {
        if self.name.is_empty() {
            format!("column{n}")
        } else {
            self.name.clone()
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub timing: TriggerTiming,
    pub events: Vec<TriggerEvent>,
    pub for_each_row: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_round_trips_through_json() {
        let mut schema = Schema::new();
        let mut users = Relation::new(RelationKind::Table);
        users
            .columns
            .push(Column::new("id", SqlType::builtin("int8")));
        schema.relations.insert(Name::public("users"), users);
        schema.sequences.insert(
            Name::new("app", "users.id_seq"),
            Sequence {
                data_type: SqlType::builtin("int8"),
                owned_by: Some((Name::public("users"), "id".to_owned())),
                start: None,
                increment: None,
            },
        );
        let json = serde_json::to_string(&schema).expect("a schema serialises to JSON");
        let back: Schema = serde_json::from_str(&json).expect("and reads back");
        assert_eq!(back, schema);
    }

    /// A schema.json written before aggregates were recorded still reads:
    /// its functions are plain functions.
    #[test]
    fn a_function_without_the_aggregate_field_is_not_an_aggregate() {
        let json = r#"{"arguments":[],"returns":null,"returns_set":false}"#;
        let function: Function = serde_json::from_str(json).expect("an old function reads");
        assert!(!function.aggregate);
    }

    #[test]
    fn information_schema_names_resolve_domains_and_enums() {
        let mut schema = Schema::new();
        schema.types.insert(
            Name::public("email"),
            UserType {
                kind: UserTypeKind::Domain {
                    base: SqlType::builtin("varchar").with_modifiers(vec![255]),
                    not_null: false,
                    default: None,
                    checks: Vec::new(),
                },
                comment: None,
            },
        );
        schema.types.insert(
            Name::public("TaskStatus"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["TODO".to_owned()],
                },
                comment: None,
            },
        );
        let email = SqlType::user("public", "email");
        assert_eq!(
            schema.information_schema_data_type(&email),
            "character varying"
        );
        assert_eq!(schema.information_schema_udt_name(&email), "varchar");
        let status = SqlType::user("public", "TaskStatus");
        assert_eq!(schema.information_schema_data_type(&status), "USER-DEFINED");
        assert_eq!(schema.information_schema_udt_name(&status), "TaskStatus");
        let statuses = status.into_array();
        assert_eq!(schema.information_schema_data_type(&statuses), "ARRAY");
        assert_eq!(schema.information_schema_udt_name(&statuses), "_TaskStatus");
    }
}
