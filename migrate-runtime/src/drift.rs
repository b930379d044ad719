//! Drift: what differs between the schema the migrations fold to and the
//! live database, in words and as the SQL that would remove it.
//!
//! [`compare`] works on two [`Schema`] values; [`check`] introspects a live
//! database first. Each [`Difference`] carries the statements that turn the
//! actual schema into the expected one, built with [`migrate_core::ddl`];
//! differences come out in an order in which their fixes can run one after
//! the other (views dropped before the columns they read change, created
//! again after).
//!
//! What is compared: schemas, extensions, enums (labels in order), domains,
//! composite types, sequences, tables and views (kind, columns with type,
//! collation, nullability, default, identity and generation expression), constraints
//! (by name: kind, columns, references, expression), indexes (by name:
//! table, uniqueness, method, keys, predicate), and with
//! [`compare_with_triggers`] triggers (by name: timing, events, row or
//! statement). Defaults, checks and
//! predicates are compared after [`normalize_expression`], which absorbs the
//! differences in casts, parentheses, quoting and spacing between what the
//! fold writes and what `pg_get_expr` prints. Not compared: view
//! definitions (only their columns), comments, functions, trigger
//! definitions, grants, column order, and what existed before migration 1
//! (the migration tool's bookkeeping table, the assumed objects: the
//! expected schema's [`migrate_core::Prelude`]), on both sides.
//!
//! What a fix cannot do by itself (recreate a function, a trigger, a
//! partition key the schema keeps no definition of) is named in
//! [`Difference::manual`].
//!
//! ```
//! use migrate_core::{Column, Name, Relation, RelationKind, Schema, SqlType};
//! use migrate_runtime::drift::{DifferenceKind, compare};
//!
//! let mut expected = Schema::new();
//! let mut users = Relation::new(RelationKind::Table);
//! users.columns.push(Column::new("id", SqlType::builtin("int8")));
//! expected.relations.insert(Name::public("users"), users);
//!
//! let differences = compare(&expected, &Schema::new());
//! assert_eq!(differences[0].kind, DifferenceKind::Missing);
//! assert_eq!(differences[0].message, "table public.users is missing");
//! assert_eq!(differences[0].fix, "CREATE TABLE public.users (\n    id bigint\n);");
//! ```

use std::fmt;

use migrate_core::ddl::{self, EnumPosition, EnumUse};
use migrate_core::{
    Column, Constraint, ConstraintKind, Function, Identity, Index, Name, Relation, RelationKind,
    Schema, Sequence, SqlType, Trigger, TriggerEvent, TriggerTiming, UserType, UserTypeKind,
};

use crate::Error;
use crate::introspect::{IntrospectOptions, introspect};

/// Whether the live database lacks an object, has one it should not, or
/// has it in another shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DifferenceKind {
    /// Expected by the migrations, absent from the database.
    Missing,
    /// In the database, not created by the migrations.
    Unexpected,
    /// In both, different.
    Changed,
}

/// One difference between the expected and the actual schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub kind: DifferenceKind,
    /// The object, e.g. `column public.users.email`, `index public.users_email_idx`.
    pub object: String,
    /// What differs, in words: `column public.users.email: expected
    /// character varying(255) NOT NULL, found text NULL`.
    pub message: String,
    /// The SQL that turns the actual object into the expected one (one or
    /// more statements, each ending in `;`; a line starting with `--` when
    /// no statement can do it). To fix several differences, run
    /// [`fix_script`]: it orders the steps of all of them (a changed
    /// constraint is dropped before tables change and added after).
    pub fix: String,
    /// Whether running `fix` may lose stored data: it drops a table, a
    /// column or a sequence (and its position), converts a column to another
    /// type, or replaces an enum (rows holding a removed label fail the
    /// conversion). Rollback SQL names these steps.
    pub loses_data: bool,
    /// What `fix` cannot do by itself, each in words, for the user to do by
    /// hand: the schema does not keep a function's body, a trigger's
    /// definition or a table's partition key, so a fix that must drop and
    /// recreate one of them, or a conversion PostgreSQL has no cast for,
    /// names the step instead. Empty when `fix` is complete.
    pub manual: Vec<String>,
    /// The fix in steps, each with its place among all the fixes.
    steps: Vec<(Order, String)>,
}

impl fmt::Display for Difference {
    /// The message, then the fix indented on the following lines.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for line in self.fix.lines() {
            write!(f, "\n    {line}")?;
        }
        Ok(())
    }
}

/// One step of [`fix_script`]: SQL and the difference it belongs to.
#[derive(Clone, Copy, Debug)]
pub struct FixStep<'a> {
    pub difference: &'a Difference,
    /// One or more statements.
    pub sql: &'a str,
}

/// The steps that turn the actual schema into the expected one, for all of
/// `differences` (as [`compare`] returned them), in the order they must run:
/// schemas, extensions, types (enums, ranges, domains, composites) and
/// sequences first; views (each before the views it reads), foreign keys,
/// other constraints and indexes that change are dropped, then unexpected
/// tables (each before the tables it references); tables are created
/// without their foreign keys, columns are added and altered; constraints,
/// indexes and then every foreign key are added, once all tables exist (so
/// that tables referencing each other in a cycle are created too); columns,
/// sequences, types, extensions, schemas that should not exist are dropped;
/// views are created last, each after the views it reads, then the indexes
/// of materialized views.
pub fn fix_steps(differences: &[Difference]) -> Vec<FixStep<'_>> {
    let mut steps: Vec<(Order, FixStep<'_>)> = differences
        .iter()
        .flat_map(|difference| {
            difference.steps.iter().map(move |(order, sql)| {
                (
                    *order,
                    FixStep {
                        difference,
                        sql: sql.as_str(),
                    },
                )
            })
        })
        .collect();
    steps.sort_by_key(|(order, _)| *order);
    steps.into_iter().map(|(_, step)| step).collect()
}

/// [`fix_steps`] as one SQL script.
pub fn fix_script(differences: &[Difference]) -> String {
    fix_steps(differences)
        .iter()
        .map(|step| step.sql)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The order in which fixes run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Phase {
    CreateNamespace,
    CreateExtension,
    CreateType,
    CreateSequence,
    DropView,
    DropConstraint,
    DropIndex,
    // Before the tables are created: a table renamed away still holds the
    // names of its constraints and indexes.
    DropTable,
    CreateTable,
    AlterColumn,
    ReplaceEnum,
    AddConstraint,
    CreateIndex,
    // After unique indexes: a foreign key may reference one.
    AddForeignKey,
    DropColumn,
    DropSequence,
    DropType,
    DropExtension,
    DropNamespace,
    CreateView,
    // Indexes of materialized views, once the views exist.
    CreateViewIndex,
}

/// Where a step runs: its phase, then its rank within the phase (lower
/// first; steps of equal rank keep the order of [`compare`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Order {
    phase: Phase,
    rank: i32,
}

impl Phase {
    fn rank(self, rank: i32) -> Order {
        Order { phase: self, rank }
    }
}

impl From<Phase> for Order {
    fn from(phase: Phase) -> Self {
        phase.rank(0)
    }
}

/// Introspects the database `client` is connected to (leaving out
/// `history_table`) and compares it with `expected`.
pub fn check(
    client: &mut postgres::Client,
    expected: &Schema,
    history_table: &Name,
) -> Result<Vec<Difference>, Error> {
    let options = IntrospectOptions::default().exclude(history_table.clone());
    let mut actual = introspect(client, &options)?;
    forget_history_schema(expected, &mut actual, history_table);
    Ok(compare(expected, &actual))
}

/// [`check`] on a `tokio_postgres` client.
#[cfg(feature = "tokio")]
pub async fn check_async(
    client: &tokio_postgres::Client,
    expected: &Schema,
    history_table: &Name,
) -> Result<Vec<Difference>, Error> {
    let options = IntrospectOptions::default().exclude(history_table.clone());
    let mut actual = crate::introspect::introspect_async(client, &options).await?;
    forget_history_schema(expected, &mut actual, history_table);
    Ok(compare(expected, &actual))
}

/// The history table's schema is the runner's, not the migrations'.
pub(crate) fn forget_history_schema(expected: &Schema, actual: &mut Schema, history_table: &Name) {
    if !expected.namespaces.contains_key(&history_table.schema) {
        actual.namespaces.remove(&history_table.schema);
    }
}

/// Everything that differs between `expected` (the fold of the migrations)
/// and `actual` (the live database), each with the SQL that turns actual
/// into expected, ordered so that the fixes can run in sequence.
pub fn compare(expected: &Schema, actual: &Schema) -> Vec<Difference> {
    compare_schemas(expected, actual, false)
}

/// [`compare`], triggers included (by name, timing, events, row or
/// statement): one `actual` has and `expected` lacks is dropped first (it
/// may name a column that changes or goes), one it lacks or has otherwise
/// is a manual step, since the schema keeps no trigger's definition. What
/// `migrate rollback-sql` uses, on two folds of the same migrations; a live
/// database compared with a fold may hold triggers nobody migrated.
pub fn compare_with_triggers(expected: &Schema, actual: &Schema) -> Vec<Difference> {
    compare_schemas(expected, actual, true)
}

fn compare_schemas(expected: &Schema, actual: &Schema, triggers: bool) -> Vec<Difference> {
    // What existed before migration 1 (the tool's bookkeeping table, the
    // assumed objects) is not the migrations' to compare.
    if !expected.prelude.objects.is_empty() {
        let own = expected.without_prelude();
        return compare_schemas(&own, &actual.without_prelude_of(expected), triggers);
    }
    let mut out = Vec::new();
    compare_namespaces(expected, actual, &mut out);
    compare_extensions(expected, actual, &mut out);
    compare_types(expected, actual, triggers, &mut out);
    compare_sequences(expected, actual, &mut out);
    compare_relations(expected, actual, triggers, &mut out);
    compare_indexes(expected, actual, &mut out);
    out.sort_by_key(|difference| difference.steps.first().map(|(order, _)| *order));
    for difference in &mut out {
        difference.loses_data = fix_loses_data(&difference.fix);
    }
    out
}

fn push(
    out: &mut Vec<Difference>,
    order: impl Into<Order>,
    kind: DifferenceKind,
    object: String,
    message: String,
    fix: String,
) {
    push_steps(out, kind, object, message, vec![(order.into(), fix)]);
}

/// A difference whose fix runs in several places of the script.
fn push_steps(
    out: &mut Vec<Difference>,
    kind: DifferenceKind,
    object: String,
    message: String,
    steps: Vec<(Order, String)>,
) {
    let fix = steps
        .iter()
        .map(|(_, sql)| sql.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    out.push(Difference {
        kind,
        object,
        message,
        fix,
        loses_data: false,
        manual: Vec::new(),
        steps,
    });
}

/// Adds `manual` to the steps the last difference pushed needs by hand.
fn needs_by_hand(out: &mut [Difference], manual: Vec<String>) {
    if let Some(last) = out.last_mut() {
        last.manual.extend(manual);
    }
}

/// Functions of `schema` that take or return `ty` (or an array of it).
fn functions_of<'a>(schema: &'a Schema, ty: &SqlType) -> Vec<(&'a Name, &'a Function)> {
    let mut found = Vec::new();
    for (name, overloads) in &schema.functions {
        for function in overloads {
            let uses_type = function
                .arguments
                .iter()
                .chain(&function.returns)
                .any(|argument| argument.element() == *ty);
            if uses_type {
                found.push((name, function));
            }
        }
    }
    found
}

/// `schema.name(argument types)`, as `DROP FUNCTION` takes it: with
/// `VARIADIC` before a variadic last argument, and `ORDER BY` between the
/// direct and aggregated arguments of an ordered-set aggregate.
pub fn function_signature(name: &Name, function: &Function) -> String {
    let mut arguments: Vec<String> = function.arguments.iter().map(ddl::type_sql).collect();
    if function.variadic
        && let Some(last) = arguments.last_mut()
    {
        *last = format!("VARIADIC {last}");
    }
    let list = match function.direct_arguments {
        Some(direct) if direct <= arguments.len() => {
            let (direct, aggregated) = arguments.split_at(direct);
            let direct = direct.join(", ");
            let aggregated = aggregated.join(", ");
            if direct.is_empty() {
                format!("ORDER BY {aggregated}")
            } else {
                format!("{direct} ORDER BY {aggregated}")
            }
        }
        _ => arguments.join(", "),
    };
    format!("{}({list})", ddl::qualified(name))
}

/// `DROP FUNCTION signature;`, or `DROP AGGREGATE` for an aggregate
/// (PostgreSQL's DROP FUNCTION refuses one: `is an aggregate function`).
pub fn drop_function_sql(name: &Name, function: &Function) -> String {
    let keyword = if function.aggregate {
        "AGGREGATE"
    } else {
        "FUNCTION"
    };
    format!("DROP {keyword} {};", function_signature(name, function))
}

/// [`functions_of`] as signatures.
fn functions_using(schema: &Schema, ty: &SqlType) -> Vec<String> {
    functions_of(schema, ty)
        .into_iter()
        .map(|(name, function)| function_signature(name, function))
        .collect()
}

/// What replacing the type `name` (dropped and created again) needs by
/// hand: what uses it must be dropped first and created again after.
fn type_users_by_hand(actual: &Schema, name: &Name) -> Vec<String> {
    let ty = SqlType::user(&name.schema, &name.name);
    let mut manual: Vec<String> = functions_using(actual, &ty)
        .into_iter()
        .map(|function| {
            format!(
                "function {function} takes or returns the type: drop it before this step and create it again after (the schema does not keep its body)"
            )
        })
        .collect();
    for (table, relation) in &actual.relations {
        for column in &relation.columns {
            if column.ty.element() == ty {
                manual.push(format!(
                    "column {}.{} has the type: convert it to another type before this step and back after",
                    ddl::qualified(table),
                    ddl::quote_ident(&column.name)
                ));
            }
        }
    }
    for (other, user_type) in &actual.types {
        let uses_type = match &user_type.kind {
            UserTypeKind::Composite { attributes } => attributes
                .iter()
                .any(|(_, attribute)| attribute.element() == ty),
            UserTypeKind::Domain { base, .. } => base.element() == ty,
            UserTypeKind::Range { subtype } => subtype.element() == ty,
            UserTypeKind::Enum { .. } => false,
        };
        if uses_type && other != name {
            manual.push(format!(
                "type {} uses the type: drop it before this step and create it again after",
                ddl::qualified(other)
            ));
        }
    }
    manual
}

/// What a type change of `column` of `table` (as `actual` has it) needs by
/// hand: a trigger firing on UPDATE may name the column (`UPDATE OF`,
/// `WHEN`), which makes PostgreSQL refuse the change, and the schema does
/// not keep trigger definitions; a partitioned table's column may be part
/// of its partition key, which cannot change type.
fn type_change_by_hand(
    expected: &Schema,
    actual: &Schema,
    triggers: bool,
    table: &Name,
    column: &str,
) -> Vec<String> {
    let Some(relation) = actual.relation(table) else {
        return Vec::new();
    };
    // Triggers the migrations do not create are dropped first, when
    // triggers are compared.
    let kept = |trigger: &Trigger| {
        !triggers
            || expected
                .relation(table)
                .is_some_and(|want| want.triggers.iter().any(|t| t.name == trigger.name))
    };
    let mut manual = Vec::new();
    for trigger in &relation.triggers {
        if trigger.events.contains(&TriggerEvent::Update) && kept(trigger) {
            manual.push(format!(
                "trigger {} on {} fires on UPDATE and may name column {} (UPDATE OF, WHEN), which blocks its type change: drop the trigger before this step and create it again after (the schema does not keep its definition)",
                ddl::quote_ident(&trigger.name),
                ddl::qualified(table),
                ddl::quote_ident(column)
            ));
        }
    }
    if relation.kind == RelationKind::PartitionedTable {
        manual.push(format!(
            "{} is partitioned: if column {} is part of its partition key, its type cannot change; recreate the table and move its rows instead",
            ddl::qualified(table),
            ddl::quote_ident(column)
        ));
    }
    manual
}

/// Whether `word` occurs in `text` as a whole identifier (quoted or not,
/// any case).
fn mentions(text: &str, word: &str) -> bool {
    let text = text.to_lowercase();
    let word = word.to_lowercase();
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(&word).any(|(start, _)| {
        let before = text[..start].chars().next_back();
        let after = text[start + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

/// Indexes and check constraints of `table`, the same in both schemas,
/// whose expressions (index keys that are not plain columns, predicates,
/// checks) name one of `columns`. PostgreSQL rebuilds them from their
/// stored expressions when a column changes type, which can fail (an enum
/// compared with the type it replaced) or change them (`date(date)` on a
/// column that became a date is stored as `date`): the returned statements
/// drop them before the change and create them again after.
fn expressions_on_columns(
    expected: &Schema,
    actual: &Schema,
    table: &Name,
    columns: &[&str],
) -> (Vec<String>, Vec<String>) {
    let (mut drops, mut creates) = (Vec::new(), Vec::new());
    let (Some(want), Some(have)) = (expected.relation(table), actual.relation(table)) else {
        return (drops, creates);
    };
    let names_a_column = |text: &str| columns.iter().any(|column| mentions(text, column));
    for (name, index) in &actual.indexes {
        if &index.table != table || index.constraint.is_some() {
            continue;
        }
        let Some(wanted) = expected.indexes.get(name) else {
            continue;
        };
        if wanted.constraint.is_some() || !same_index(wanted, index) {
            continue;
        }
        let in_expression = index
            .keys
            .iter()
            .filter(|key| have.column(key).is_none())
            .any(|key| names_a_column(key))
            || index.predicate.as_deref().is_some_and(names_a_column);
        if in_expression {
            drops.push(ddl::drop_index(name));
            creates.push(ddl::create_index(name, wanted));
        }
    }
    for constraint in &have.constraints {
        let ConstraintKind::Check { expression } = &constraint.kind else {
            continue;
        };
        let Some(wanted) = want.constraints.iter().find(|c| c.name == constraint.name) else {
            continue;
        };
        if same_constraint(wanted, constraint) && names_a_column(expression) {
            drops.push(ddl::drop_constraint(table, &constraint.name));
            creates.push(ddl::add_constraint(table, wanted));
        }
    }
    (drops, creates)
}

/// `fix` between the drops and creates of [`expressions_on_columns`].
fn around_expressions(
    expected: &Schema,
    actual: &Schema,
    table: &Name,
    columns: &[&str],
    fix: String,
) -> String {
    let (drops, creates) = expressions_on_columns(expected, actual, table, columns);
    if drops.is_empty() {
        return fix;
    }
    let mut out = drops;
    out.push(fix);
    out.extend(creates);
    out.join("\n")
}

/// Whether a fix may lose data, from the statements `migrate_core::ddl`
/// writes (see [`Difference::loses_data`]).
fn fix_loses_data(fix: &str) -> bool {
    fix.lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("DROP TABLE ")
            || line.starts_with("DROP SEQUENCE ")
            || line.starts_with("DROP FOREIGN TABLE ")
            || (line.starts_with("ALTER TABLE ")
                && (line.contains(" DROP COLUMN ") || line.contains(" TYPE ")))
    })
}

fn compare_namespaces(expected: &Schema, actual: &Schema, out: &mut Vec<Difference>) {
    for name in expected.namespaces.keys() {
        if !actual.namespaces.contains_key(name) {
            push(
                out,
                Phase::CreateNamespace,
                DifferenceKind::Missing,
                format!("schema {}", ddl::quote_ident(name)),
                format!("schema {} is missing", ddl::quote_ident(name)),
                ddl::create_schema(name),
            );
        }
    }
    for name in actual.namespaces.keys() {
        if !expected.namespaces.contains_key(name) {
            push(
                out,
                Phase::DropNamespace,
                DifferenceKind::Unexpected,
                format!("schema {}", ddl::quote_ident(name)),
                format!(
                    "schema {} exists but no migration creates it",
                    ddl::quote_ident(name)
                ),
                ddl::drop_schema(name),
            );
        }
    }
}

/// `plpgsql` is installed in every database PostgreSQL creates.
const BUILT_IN_EXTENSIONS: &[&str] = &["plpgsql"];

fn compare_extensions(expected: &Schema, actual: &Schema, out: &mut Vec<Difference>) {
    for (name, extension) in &expected.extensions {
        match actual.extensions.get(name) {
            None => push(
                out,
                Phase::CreateExtension,
                DifferenceKind::Missing,
                format!("extension {name}"),
                format!("extension {name} is not installed"),
                ddl::create_extension(name, extension),
            ),
            Some(found) => {
                let version_differs = matches!(
                    (&extension.version, &found.version),
                    (Some(want), Some(have)) if want != have
                );
                if found.schema != extension.schema || version_differs {
                    push(
                        out,
                        Phase::CreateExtension,
                        DifferenceKind::Changed,
                        format!("extension {name}"),
                        format!(
                            "extension {name}: expected in schema {}{}, found in schema {}{}",
                            extension.schema,
                            version_words(extension.version.as_deref()),
                            found.schema,
                            version_words(found.version.as_deref()),
                        ),
                        format!(
                            "{}\n{}",
                            ddl::drop_extension(name),
                            ddl::create_extension(name, extension)
                        ),
                    );
                }
            }
        }
    }
    for name in actual.extensions.keys() {
        if !expected.extensions.contains_key(name) && !BUILT_IN_EXTENSIONS.contains(&name.as_str())
        {
            push(
                out,
                Phase::DropExtension,
                DifferenceKind::Unexpected,
                format!("extension {name}"),
                format!("extension {name} is installed but no migration creates it"),
                ddl::drop_extension(name),
            );
        }
    }
}

fn version_words(version: Option<&str>) -> String {
    version.map_or_else(String::new, |version| format!(" version {version}"))
}

fn compare_types(expected: &Schema, actual: &Schema, triggers: bool, out: &mut Vec<Difference>) {
    for (name, want) in &expected.types {
        let object = format!("type {}", ddl::qualified(name));
        let Some(have) = actual.types.get(name) else {
            push(
                out,
                Phase::CreateType.rank(type_rank(want)),
                DifferenceKind::Missing,
                object.clone(),
                format!("{object} is missing"),
                ddl::create_type(name, want),
            );
            continue;
        };
        match (&want.kind, &have.kind) {
            (
                UserTypeKind::Enum {
                    labels: want_labels,
                },
                UserTypeKind::Enum {
                    labels: have_labels,
                },
            ) => compare_enum(
                expected,
                name,
                want_labels,
                have_labels,
                actual,
                triggers,
                out,
            ),
            (want_kind, have_kind) if !same_user_type(want_kind, have_kind) => {
                push(
                    out,
                    Phase::ReplaceEnum,
                    DifferenceKind::Changed,
                    object.clone(),
                    format!(
                        "{object}: expected {}, found {}",
                        describe_user_type(name, want),
                        describe_user_type(name, have)
                    ),
                    format!(
                        "{}\n{}",
                        ddl::drop_type(name, have),
                        ddl::create_type(name, want)
                    ),
                );
                needs_by_hand(out, type_users_by_hand(actual, name));
            }
            _ => {}
        }
    }
    for (name, have) in &actual.types {
        if !expected.types.contains_key(name) {
            let object = format!("type {}", ddl::qualified(name));
            push(
                out,
                Phase::DropType.rank(-type_rank(have)),
                DifferenceKind::Unexpected,
                object.clone(),
                format!("{object} exists but no migration creates it"),
                drop_type_and_its_functions(actual, name, have),
            );
        }
    }
}

/// Types are created in this order, and dropped in the reverse one: a
/// range, domain or composite type may use an enum, a composite a domain.
fn type_rank(user_type: &UserType) -> i32 {
    match user_type.kind {
        UserTypeKind::Enum { .. } => 0,
        UserTypeKind::Range { .. } => 1,
        UserTypeKind::Domain { .. } => 2,
        UserTypeKind::Composite { .. } => 3,
    }
}

/// `DROP TYPE`, after the functions of `actual` that take or return it
/// (they cannot outlive it, and no migration creates it).
fn drop_type_and_its_functions(actual: &Schema, name: &Name, user_type: &UserType) -> String {
    let ty = SqlType::user(&name.schema, &name.name);
    let mut statements = Vec::new();
    for (function_name, overloads) in &actual.functions {
        for function in overloads {
            let uses_type = function
                .arguments
                .iter()
                .chain(&function.returns)
                .any(|argument| argument.element() == ty);
            if uses_type {
                statements.push(drop_function_sql(function_name, function));
            }
        }
    }
    statements.push(ddl::drop_type(name, user_type));
    statements.join("\n")
}

fn describe_user_type(name: &Name, user_type: &UserType) -> String {
    ddl::create_type(name, user_type)
        .trim_end_matches(';')
        .to_owned()
}

fn same_user_type(want: &UserTypeKind, have: &UserTypeKind) -> bool {
    match (want, have) {
        (UserTypeKind::Enum { labels: a }, UserTypeKind::Enum { labels: b }) => a == b,
        (
            UserTypeKind::Domain {
                base: base_a,
                not_null: not_null_a,
                default: default_a,
                checks: checks_a,
            },
            UserTypeKind::Domain {
                base: base_b,
                not_null: not_null_b,
                default: default_b,
                checks: checks_b,
            },
        ) => {
            same_type(base_a, base_b)
                && not_null_a == not_null_b
                && same_expression(default_a.as_deref(), default_b.as_deref())
                && checks_a.len() == checks_b.len()
                && checks_a.iter().all(|check| {
                    checks_b
                        .iter()
                        .any(|other| other.name == check.name && same_constraint(check, other))
                })
        }
        (UserTypeKind::Composite { attributes: a }, UserTypeKind::Composite { attributes: b }) => {
            a.len() == b.len()
                && a.iter().zip(b).all(|((name_a, ty_a), (name_b, ty_b))| {
                    name_a == name_b && same_type(ty_a, ty_b)
                })
        }
        (UserTypeKind::Range { subtype: a }, UserTypeKind::Range { subtype: b }) => same_type(a, b),
        _ => false,
    }
}

fn compare_enum(
    expected: &Schema,
    name: &Name,
    want: &[String],
    have: &[String],
    actual: &Schema,
    triggers: bool,
    out: &mut Vec<Difference>,
) {
    if want == have {
        return;
    }
    let object = format!("type {}", ddl::qualified(name));
    let message = format!(
        "enum {}: expected labels ({}), found ({})",
        ddl::qualified(name),
        quoted_labels(want),
        quoted_labels(have)
    );
    // Only additions, in an order that keeps the existing labels' order:
    // `ADD VALUE .. BEFORE|AFTER` reaches it.
    let mut remaining = want.iter().filter(|label| have.contains(label));
    let keeps_order = have.iter().all(|label| remaining.next() == Some(label));
    let only_additions = keeps_order && have.iter().all(|label| want.contains(label));
    if only_additions {
        let mut statements = Vec::new();
        let mut present: Vec<&str> = have.iter().map(String::as_str).collect();
        for (position, label) in want.iter().enumerate() {
            if present.contains(&label.as_str()) {
                continue;
            }
            let placement = match position.checked_sub(1).map(|p| want[p].as_str()) {
                Some(previous) => EnumPosition::After(previous),
                None => match present.first() {
                    Some(first) => EnumPosition::Before(first),
                    None => EnumPosition::End,
                },
            };
            statements.push(ddl::add_enum_value(name, label, placement));
            present.push(label);
        }
        push(
            out,
            Phase::CreateType,
            DifferenceKind::Changed,
            object,
            message,
            statements.join("\n"),
        );
        return;
    }
    // Labels removed or reordered: PostgreSQL can only replace the type.
    let enum_type = SqlType::user(&name.schema, &name.name);
    let mut uses = Vec::new();
    for (table, relation) in &actual.relations {
        // Tables the migrations do not have are dropped before.
        if relation.is_view() || !expected.relations.contains_key(table) {
            continue;
        }
        for column in &relation.columns {
            if column.ty.element() == enum_type {
                uses.push(EnumUse {
                    table,
                    column: &column.name,
                    array: column.ty.array,
                    had_default: column.default.is_some(),
                    default: column.default.as_deref(),
                });
            }
        }
    }
    let mut tables: Vec<&Name> = uses.iter().map(|usage| usage.table).collect();
    tables.dedup();
    let mut manual = Vec::new();
    let mut drops = Vec::new();
    let mut creates = Vec::new();
    for table in &tables {
        let columns: Vec<&str> = uses
            .iter()
            .filter(|usage| usage.table == *table)
            .map(|usage| usage.column)
            .collect();
        let (table_drops, table_creates) =
            expressions_on_columns(expected, actual, table, &columns);
        drops.extend(table_drops);
        creates.extend(table_creates);
        for column in columns {
            manual.extend(type_change_by_hand(
                expected, actual, triggers, table, column,
            ));
            let generated = actual
                .relation(table)
                .and_then(|relation| relation.column(column))
                .is_some_and(|column| column.generated.is_some());
            if generated {
                manual.push(format!(
                    "column {}.{} is generated: drop it before this step and add it again after, with its indexes (PostgreSQL converts a generated column only by recomputing it)",
                    ddl::qualified(table),
                    ddl::quote_ident(column)
                ));
            }
        }
    }
    for function in functions_using(actual, &enum_type) {
        manual.push(format!(
            "function {function} takes or returns the type: drop it before this step and create it again after (the schema does not keep its body)"
        ));
    }
    let mut statements = drops;
    statements.push(ddl::recreate_enum(name, want, &uses));
    statements.extend(creates);
    let fix = with_dependent_views(expected, actual, &tables, statements.join("\n"));
    push(
        out,
        Phase::ReplaceEnum,
        DifferenceKind::Changed,
        object,
        message,
        fix,
    );
    needs_by_hand(out, manual);
}

/// `fix` wrapped in the drop and re-creation of the views that read
/// `tables` (directly or through other views), since PostgreSQL refuses to
/// change the type of a column a view reads. Only views that exist on both
/// sides with the same columns are handled here; the others have their own
/// difference, which drops or replaces them.
fn with_dependent_views(
    expected: &Schema,
    actual: &Schema,
    tables: &[&Name],
    fix: String,
) -> String {
    let mut reached: Vec<&Name> = tables.to_vec();
    let mut dependents: Vec<&Name> = Vec::new();
    loop {
        let before = dependents.len();
        for (name, relation) in &actual.relations {
            if relation.is_view()
                && !dependents.contains(&name)
                && relation.depends_on.iter().any(|d| reached.contains(&d))
            {
                dependents.push(name);
                reached.push(name);
            }
        }
        if dependents.len() == before {
            break;
        }
    }
    // `dependents` lists each view after the ones it reads.
    let stable: Vec<(&Name, &Relation)> = dependents
        .into_iter()
        .filter_map(|name| {
            let want = expected.relations.get(name)?;
            let have = actual.relations.get(name)?;
            (want.kind == have.kind && same_view_columns(want, have)).then(|| {
                if want.definition.is_some() {
                    (name, want)
                } else {
                    (name, have)
                }
            })
        })
        .collect();
    if stable.is_empty() {
        return fix;
    }
    let mut out = Vec::new();
    for (name, relation) in stable.iter().rev() {
        out.push(ddl::drop_view(name, relation.kind));
    }
    out.push(fix);
    for (name, relation) in &stable {
        out.push(ddl::create_view(name, relation));
    }
    out.join("\n")
}

fn quoted_labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|label| ddl::quote_literal(label))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the column that owns `sequence` is missing from `actual`: the
/// ownership is then set by the fix that creates the table or column.
fn owner_missing(actual: &Schema, sequence: &Sequence) -> bool {
    sequence.owned_by.as_ref().is_some_and(|(table, column)| {
        actual
            .relation(table)
            .is_none_or(|relation| relation.column(column).is_none())
    })
}

/// `ALTER SEQUENCE .. OWNED BY` for the sequences of `expected` that
/// `column` of `table` owns (all columns when `None`), identity ones aside.
fn owned_sequences(expected: &Schema, table: &Name, column: Option<&str>) -> Vec<String> {
    expected
        .sequences
        .iter()
        .filter(|(_, sequence)| {
            sequence
                .owned_by
                .as_ref()
                .is_some_and(|(owner, owner_column)| {
                    owner == table && column.is_none_or(|column| column == owner_column)
                })
                && !is_identity_sequence(expected, sequence)
        })
        .map(|(name, sequence)| ddl::sequence_owned_by(name, sequence.owned_by.as_ref()))
        .collect()
}

/// Sequences owned by an identity column come with the column.
fn is_identity_sequence(schema: &Schema, sequence: &Sequence) -> bool {
    sequence.owned_by.as_ref().is_some_and(|(table, column)| {
        schema
            .relation(table)
            .and_then(|relation| relation.column(column))
            .is_some_and(|column| column.identity.is_some())
    })
}

fn compare_sequences(expected: &Schema, actual: &Schema, out: &mut Vec<Difference>) {
    for (name, want) in &expected.sequences {
        let object = format!("sequence {}", ddl::qualified(name));
        let Some(have) = actual.sequences.get(name) else {
            if is_identity_sequence(expected, want) {
                continue;
            }
            let mut fix = ddl::create_sequence(name, want);
            if want.owned_by.is_some() && !owner_missing(actual, want) {
                fix.push('\n');
                fix.push_str(&ddl::sequence_owned_by(name, want.owned_by.as_ref()));
            }
            push(
                out,
                Phase::CreateSequence,
                DifferenceKind::Missing,
                object.clone(),
                format!("{object} is missing"),
                fix,
            );
            continue;
        };
        let mut changes = Vec::new();
        let mut fix = Vec::new();
        if !same_type(&want.data_type, &have.data_type) {
            changes.push(format!(
                "type {} instead of {}",
                ddl::type_sql(&have.data_type),
                ddl::type_sql(&want.data_type)
            ));
            fix.push(format!(
                "ALTER SEQUENCE {} AS {};",
                ddl::qualified(name),
                ddl::type_sql(&want.data_type)
            ));
        }
        let increment = |sequence: &Sequence| sequence.increment.unwrap_or(1);
        if increment(want) != increment(have) {
            changes.push(format!(
                "increment {} instead of {}",
                increment(have),
                increment(want)
            ));
            fix.push(format!(
                "ALTER SEQUENCE {} INCREMENT BY {};",
                ddl::qualified(name),
                increment(want)
            ));
        }
        if let (Some(start_want), Some(start_have)) = (want.start, have.start)
            && start_want != start_have
        {
            changes.push(format!("start {start_have} instead of {start_want}"));
            fix.push(format!(
                "ALTER SEQUENCE {} START WITH {start_want};",
                ddl::qualified(name)
            ));
        }
        if want.owned_by != have.owned_by && owner_missing(actual, want) && have.owned_by.is_some()
        {
            // The owner is created later; the current one may be dropped
            // first and would take the sequence with it.
            changes.push(format!(
                "owned by {} instead of {}",
                owner_words(have.owned_by.as_ref()),
                owner_words(want.owned_by.as_ref())
            ));
            fix.push(ddl::sequence_owned_by(name, None));
        } else if want.owned_by != have.owned_by && !owner_missing(actual, want) {
            changes.push(format!(
                "owned by {} instead of {}",
                owner_words(have.owned_by.as_ref()),
                owner_words(want.owned_by.as_ref())
            ));
            fix.push(ddl::sequence_owned_by(name, want.owned_by.as_ref()));
        }
        if !changes.is_empty() {
            push(
                out,
                Phase::CreateSequence,
                DifferenceKind::Changed,
                object.clone(),
                format!("{object}: {}", changes.join(", ")),
                fix.join("\n"),
            );
        }
    }
    for (name, have) in &actual.sequences {
        if expected.sequences.contains_key(name) || is_identity_sequence(actual, have) {
            continue;
        }
        // A sequence owned by a column that goes away goes with it.
        let owner_goes = have.owned_by.as_ref().is_some_and(|(table, column)| {
            expected
                .relation(table)
                .is_none_or(|relation| relation.column(column).is_none())
        });
        if owner_goes {
            continue;
        }
        let object = format!("sequence {}", ddl::qualified(name));
        push(
            out,
            Phase::DropSequence,
            DifferenceKind::Unexpected,
            object.clone(),
            format!("{object} exists but no migration creates it"),
            ddl::drop_sequence(name),
        );
    }
}

fn owner_words(owner: Option<&(Name, String)>) -> String {
    match owner {
        Some((table, column)) => format!("{}.{}", ddl::qualified(table), ddl::quote_ident(column)),
        None => "nothing".to_owned(),
    }
}

fn relation_words(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Table => "table",
        RelationKind::PartitionedTable => "partitioned table",
        RelationKind::View => "view",
        RelationKind::MaterializedView => "materialized view",
        RelationKind::ForeignTable => "foreign table",
    }
}

fn is_table(kind: RelationKind) -> bool {
    !matches!(kind, RelationKind::View | RelationKind::MaterializedView)
}

/// The steps that create `relation` of `schema`: a view after the views it
/// reads; a table without its foreign keys, which are added once every
/// table exists (the table they reference may be created later in the
/// script, or reference this one back).
fn create_relation(schema: &Schema, name: &Name, relation: &Relation) -> Vec<(Order, String)> {
    if relation.is_view() {
        return vec![(
            Phase::CreateView.rank(view_depth(schema, name)),
            ddl::create_view(name, relation),
        )];
    }
    let is_foreign_key =
        |constraint: &Constraint| matches!(constraint.kind, ConstraintKind::ForeignKey { .. });
    let mut without_foreign_keys = relation.clone();
    without_foreign_keys
        .constraints
        .retain(|constraint| !is_foreign_key(constraint));
    let mut steps = vec![(
        Phase::CreateTable.into(),
        ddl::create_table(name, &without_foreign_keys),
    )];
    for constraint in relation.constraints.iter().filter(|c| is_foreign_key(c)) {
        steps.push((
            Phase::AddForeignKey.into(),
            ddl::add_constraint(name, constraint),
        ));
    }
    steps
}

/// What creating `relation` needs by hand: the schema keeps neither a
/// partitioned table's partition key nor a partition's bounds, so the
/// table is created plain.
fn partitioning_by_hand(name: &Name, relation: &Relation) -> Vec<String> {
    let mut manual = Vec::new();
    if relation.kind == RelationKind::PartitionedTable {
        manual.push(format!(
            "{} is partitioned: add `PARTITION BY ...` to its CREATE TABLE, and create its partitions (the schema does not keep the partition key)",
            ddl::qualified(name)
        ));
    }
    if let Some(parent) = &relation.parent {
        manual.push(format!(
            "{} is a partition or child of {}: create it with `PARTITION OF ... FOR VALUES ...` or `INHERITS` (the schema does not keep its bounds)",
            ddl::qualified(name),
            ddl::qualified(parent)
        ));
    }
    manual
}

/// The step that drops `relation` of `schema`: a view before the views it
/// reads.
fn drop_relation(schema: &Schema, name: &Name, relation: &Relation) -> (Order, String) {
    let order = if relation.is_view() {
        Phase::DropView.rank(-view_depth(schema, name))
    } else {
        Phase::DropTable.into()
    };
    (order, ddl::drop_relation(name, relation.kind))
}

/// How many views deep `name` reads: 0 for a view of tables only, 1 for a
/// view of such views, and so on (0 for a table).
fn view_depth(schema: &Schema, name: &Name) -> i32 {
    fn depth(schema: &Schema, name: &Name, seen: &mut Vec<Name>) -> i32 {
        let Some(relation) = schema.relation(name).filter(|r| r.is_view()) else {
            return -1;
        };
        if seen.contains(name) {
            return 0;
        }
        seen.push(name.clone());
        let deepest = relation
            .depends_on
            .iter()
            .map(|other| depth(schema, other, seen))
            .max()
            .unwrap_or(-1);
        seen.pop();
        deepest + 1
    }
    depth(schema, name, &mut Vec::new()).max(0)
}

fn compare_relations(
    expected: &Schema,
    actual: &Schema,
    triggers: bool,
    out: &mut Vec<Difference>,
) {
    for (name, want) in &expected.relations {
        let object = format!("{} {}", relation_words(want.kind), ddl::qualified(name));
        let Some(have) = actual.relations.get(name) else {
            let mut steps = create_relation(expected, name, want);
            for ownership in owned_sequences(expected, name, None) {
                steps[0].1.push('\n');
                steps[0].1.push_str(&ownership);
            }
            push_steps(
                out,
                DifferenceKind::Missing,
                object.clone(),
                format!("{object} is missing"),
                steps,
            );
            let mut manual = partitioning_by_hand(name, want);
            for trigger in &want.triggers {
                manual.push(format!(
                    "create trigger {} on {} ({}) as the migrations do (the schema does not keep its definition)",
                    ddl::quote_ident(&trigger.name),
                    ddl::qualified(name),
                    describe_trigger(trigger)
                ));
            }
            needs_by_hand(out, manual);
            continue;
        };
        if want.kind != have.kind
            && !(is_table(want.kind)
                && is_table(have.kind)
                && want.kind != RelationKind::ForeignTable)
        {
            let mut steps = vec![drop_relation(actual, name, have)];
            steps.extend(create_relation(expected, name, want));
            push_steps(
                out,
                DifferenceKind::Changed,
                object.clone(),
                format!(
                    "{}: expected a {}, found a {}",
                    ddl::qualified(name),
                    relation_words(want.kind),
                    relation_words(have.kind)
                ),
                steps,
            );
            continue;
        }
        if want.kind != have.kind {
            push(
                out,
                Phase::CreateTable,
                DifferenceKind::Changed,
                object.clone(),
                format!(
                    "{}: expected a {}, found a {}",
                    ddl::qualified(name),
                    relation_words(want.kind),
                    relation_words(have.kind)
                ),
                "-- partitioning cannot be changed in place: recreate the table and move its rows"
                    .to_owned(),
            );
        }
        if want.is_view() {
            if !same_view_columns(want, have) {
                let mut steps = vec![drop_relation(actual, name, have)];
                steps.extend(create_relation(expected, name, want));
                push_steps(
                    out,
                    DifferenceKind::Changed,
                    object.clone(),
                    format!(
                        "{object}: expected columns ({}), found ({})",
                        describe_columns(&want.columns),
                        describe_columns(&have.columns)
                    ),
                    steps,
                );
            }
            continue;
        }
        compare_columns(expected, actual, triggers, name, want, have, out);
        compare_constraints(expected, actual, name, want, have, out);
        if triggers {
            compare_triggers(name, want, have, out);
        }
    }
    for (position, unexpected) in unexpected_in_drop_order(expected, actual)
        .into_iter()
        .enumerate()
    {
        let Unexpected {
            name,
            relation: have,
            cycle_keys,
        } = unexpected;
        let object = format!("{} {}", relation_words(have.kind), ddl::qualified(name));
        let mut steps: Vec<(Order, String)> = cycle_keys
            .into_iter()
            .map(|drop| (Phase::DropConstraint.rank(-1), drop))
            .collect();
        let (order, drop) = drop_relation(actual, name, have);
        let order = if have.is_view() {
            order
        } else {
            Phase::DropTable.rank(i32::try_from(position).unwrap_or(i32::MAX))
        };
        // Functions that take or return the table's row type would keep
        // it: those no migration creates go first, the others by hand.
        let row_type = SqlType::user(&name.schema, &name.name);
        let mut manual = Vec::new();
        let mut drop = drop;
        for (function_name, function) in functions_of(actual, &row_type) {
            let kept = expected
                .functions
                .get(function_name)
                .is_some_and(|overloads| overloads.contains(function));
            let signature = function_signature(function_name, function);
            if kept {
                manual.push(format!(
                    "function {signature} takes or returns the row type of {}: drop it before this step and create it again over the table the migrations keep",
                    ddl::qualified(name)
                ));
            } else {
                drop = format!("{}\n{drop}", drop_function_sql(function_name, function));
            }
        }
        steps.push((order, drop));
        push_steps(
            out,
            DifferenceKind::Unexpected,
            object.clone(),
            format!("{object} exists but no migration creates it"),
            steps,
        );
        needs_by_hand(out, manual);
    }
}

/// A relation of `actual` that `expected` lacks, to be dropped.
struct Unexpected<'a> {
    name: &'a Name,
    relation: &'a Relation,
    /// Foreign keys of other dropped tables that reference this one in a
    /// cycle: they are dropped first.
    cycle_keys: Vec<String>,
}

/// The relations of `actual` that `expected` lacks, each before the ones
/// its foreign keys reference and before its parent (dropping a parent
/// takes its partitions along), so that the drops succeed one by one.
fn unexpected_in_drop_order<'a>(expected: &Schema, actual: &'a Schema) -> Vec<Unexpected<'a>> {
    let mut remaining: Vec<(&Name, &Relation)> = actual
        .relations
        .iter()
        .filter(|(name, _)| !expected.relations.contains_key(*name))
        .collect();
    let references = |relation: &Relation, target: &Name| {
        relation.constraints.iter().any(|constraint| {
            matches!(&constraint.kind, ConstraintKind::ForeignKey { references, .. } if references == target)
        })
    };
    let needs = |relation: &Relation, target: &Name| {
        references(relation, target) || relation.parent.as_ref() == Some(target)
    };
    let mut ordered = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        // Drop first what no other remaining relation needs.
        let free = remaining.iter().position(|(name, _)| {
            !remaining
                .iter()
                .any(|(other, relation)| other != name && needs(relation, name))
        });
        let (position, cycle_keys) = match free {
            Some(position) => (position, Vec::new()),
            None => {
                // A cycle of foreign keys: the keys that reference the
                // first table go first, then the table.
                let (target, _) = remaining[0];
                let mut keys = Vec::new();
                for (other, relation) in &remaining[1..] {
                    for constraint in &relation.constraints {
                        if matches!(&constraint.kind, ConstraintKind::ForeignKey { references, .. } if references == target)
                        {
                            keys.push(ddl::drop_constraint(other, &constraint.name));
                        }
                    }
                }
                (0, keys)
            }
        };
        let (name, relation) = remaining.remove(position);
        ordered.push(Unexpected {
            name,
            relation,
            cycle_keys,
        });
    }
    ordered
}

fn describe_columns(columns: &[Column]) -> String {
    columns
        .iter()
        .map(|column| {
            format!(
                "{} {}",
                ddl::quote_ident(&column.name),
                ddl::type_sql(&column.ty)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn same_view_columns(want: &Relation, have: &Relation) -> bool {
    want.columns.len() == have.columns.len()
        && want
            .columns
            .iter()
            .zip(&have.columns)
            .all(|(a, b)| a.name == b.name && same_type(&a.ty, &b.ty))
}

/// `numeric(10)` is stored as `numeric(10,0)`.
fn same_type(want: &SqlType, have: &SqlType) -> bool {
    if want == have {
        return true;
    }
    want.is_builtin()
        && want.name == "numeric"
        && have.name == want.name
        && have.schema == want.schema
        && want.array == have.array
        && match (want.modifiers.as_slice(), have.modifiers.as_slice()) {
            ([p], [q, 0]) | ([p, 0], [q]) => p == q,
            _ => false,
        }
}

/// A column's shape in words: `character varying(255) NOT NULL DEFAULT 'x'`.
/// A collation's name as `pg_collation` holds it; a name still in SQL
/// quotes (`"C"`) is read as SQL would read it.
fn collation_name(collation: Option<&str>) -> Option<String> {
    let collation = collation?;
    Some(
        match collation
            .strip_prefix('"')
            .and_then(|c| c.strip_suffix('"'))
        {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => collation.to_owned(),
        },
    )
}

fn describe_column(column: &Column) -> String {
    let mut out = ddl::type_sql(&column.ty);
    if let Some(collation) = collation_name(column.collation.as_deref()) {
        out.push_str(&format!(" COLLATE \"{collation}\""));
    }
    out.push_str(if column.not_null {
        " NOT NULL"
    } else {
        " NULL"
    });
    if let Some(default) = &column.default {
        out.push_str(" DEFAULT ");
        out.push_str(default);
    }
    match column.identity {
        Some(Identity::Always) => out.push_str(" GENERATED ALWAYS AS IDENTITY"),
        Some(Identity::ByDefault) => out.push_str(" GENERATED BY DEFAULT AS IDENTITY"),
        None => {}
    }
    if let Some(generated) = &column.generated {
        out.push_str(&format!(" GENERATED ALWAYS AS ({generated}) STORED"));
    }
    out
}

fn compare_columns(
    expected: &Schema,
    actual: &Schema,
    triggers: bool,
    table: &Name,
    want: &Relation,
    have: &Relation,
    out: &mut Vec<Difference>,
) {
    for column in &want.columns {
        let object = format!(
            "column {}.{}",
            ddl::qualified(table),
            ddl::quote_ident(&column.name)
        );
        let Some(found) = have.column(&column.name) else {
            push(
                out,
                Phase::AlterColumn,
                DifferenceKind::Missing,
                object.clone(),
                format!("{object} is missing (expected {})", describe_column(column)),
                std::iter::once(add_missing_column(table, column))
                    .chain(owned_sequences(expected, table, Some(&column.name)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            continue;
        };
        let type_differs = !same_type(&column.ty, &found.ty);
        let default_differs = !same_expression(column.default.as_deref(), found.default.as_deref());
        let generated_differs =
            !same_expression(column.generated.as_deref(), found.generated.as_deref());
        let identity_differs = column.identity != found.identity;
        let not_null_differs = column.not_null != found.not_null;
        let collation_differs = collation_name(column.collation.as_deref())
            != collation_name(found.collation.as_deref());
        // A collation change is a type change as far as ALTER TABLE goes.
        let type_differs = type_differs || collation_differs;
        if !(type_differs
            || default_differs
            || generated_differs
            || identity_differs
            || not_null_differs)
        {
            continue;
        }
        let message = format!(
            "{object}: expected {}, found {}",
            describe_column(column),
            describe_column(found)
        );
        let mut fix = Vec::new();
        if generated_differs {
            // PostgreSQL 15 cannot add or change a generation expression in place.
            fix.push(format!(
                "-- the generation expression cannot be changed in place: the column is dropped and added again (its values are recomputed)\n{}\n{}",
                ddl::drop_column(table, &column.name),
                ddl::add_column(table, column)
            ));
        } else {
            if found.identity.is_some() && identity_differs {
                fix.push(ddl::set_column_identity(table, &column.name, None));
            }
            // The old default may not cast to the new type: it goes first.
            let drops_default = found.default.is_some()
                && (type_differs || (default_differs && column.default.is_none()));
            if drops_default {
                fix.push(ddl::set_column_default(table, &column.name, None));
            }
            if type_differs {
                let mut statement = ddl::alter_column_type(table, &column.name, &column.ty);
                if collation_differs {
                    // `COLLATE` goes after the type, before `USING`.
                    let collation = collation_name(column.collation.as_deref())
                        .unwrap_or_else(|| "default".to_owned());
                    let ty = ddl::type_sql(&column.ty);
                    statement = statement.replacen(
                        &format!("TYPE {ty} USING"),
                        &format!(
                            "TYPE {ty} COLLATE \"{}\" USING",
                            collation.replace('"', "\"\"")
                        ),
                        1,
                    );
                }
                fix.push(statement);
            }
            if column.default.is_some() && (default_differs || type_differs) {
                fix.push(ddl::set_column_default(
                    table,
                    &column.name,
                    column.default.as_deref(),
                ));
            }
            if not_null_differs {
                fix.push(ddl::set_column_not_null(
                    table,
                    &column.name,
                    column.not_null,
                ));
            }
            if column.identity.is_some() && identity_differs {
                fix.push(ddl::set_column_identity(
                    table,
                    &column.name,
                    column.identity,
                ));
            }
        }
        push(
            out,
            Phase::AlterColumn,
            DifferenceKind::Changed,
            object,
            message,
            if type_differs || generated_differs {
                let fix =
                    around_expressions(expected, actual, table, &[&column.name], fix.join("\n"));
                with_dependent_views(expected, actual, &[table], fix)
            } else {
                fix.join("\n")
            },
        );
        if type_differs && !generated_differs {
            let mut manual = type_change_by_hand(expected, actual, triggers, table, &column.name);
            if !castable(&found.ty, &column.ty) {
                manual.push(format!(
                    "PostgreSQL has no cast from {} to {}: write the conversion as the USING expression",
                    ddl::type_sql(&found.ty),
                    ddl::type_sql(&column.ty)
                ));
            }
            needs_by_hand(out, manual);
        }
    }
    for column in &have.columns {
        if want.column(&column.name).is_some() {
            continue;
        }
        let object = format!(
            "column {}.{}",
            ddl::qualified(table),
            ddl::quote_ident(&column.name)
        );
        push(
            out,
            Phase::DropColumn,
            DifferenceKind::Unexpected,
            object.clone(),
            format!(
                "{object} exists ({}) but no migration creates it",
                describe_column(column)
            ),
            ddl::drop_column(table, &column.name),
        );
    }
}

/// Whether PostgreSQL has a cast (implicit or explicit) from `from` to `to`,
/// as far as the built-in type categories tell: none between numbers or
/// booleans and dates or times, from `uuid` or `bytea` to those or back,
/// from numbers to `json`/`jsonb` or from `json` to numbers, between
/// booleans and numbers other than `integer`. Anything else (text, enums,
/// domains, user types) is assumed castable.
fn castable(from: &SqlType, to: &SqlType) -> bool {
    if from.array != to.array || !from.is_builtin() || !to.is_builtin() {
        return true;
    }
    let category = |ty: &SqlType| match ty.name.as_str() {
        "int4" => "integer",
        "int2" | "int8" | "numeric" | "float4" | "float8" | "money" => "number",
        "bool" => "boolean",
        "date" | "time" | "timetz" | "timestamp" | "timestamptz" | "interval" => "time",
        "uuid" | "bytea" => "opaque",
        "json" => "json",
        "jsonb" => "jsonb",
        _ => "other",
    };
    !matches!(
        (category(from), category(to)),
        ("integer" | "number" | "boolean", "time")
            | ("time", "integer" | "number" | "boolean")
            | ("opaque", "integer" | "number" | "time" | "boolean")
            | ("integer" | "number" | "time" | "boolean", "opaque")
            | ("integer" | "number" | "boolean", "json" | "jsonb")
            | ("json", "integer" | "number" | "boolean")
            | ("boolean", "number")
            | ("number", "boolean")
    )
}

/// `ADD COLUMN`; a NOT NULL column without a default is added in two steps,
/// since rows already in the table would have no value for it.
fn add_missing_column(table: &Name, column: &Column) -> String {
    if !column.not_null || column.has_default() {
        return ddl::add_column(table, column);
    }
    let nullable = Column {
        not_null: false,
        ..column.clone()
    };
    format!(
        "{}\n-- give every existing row a value for it, then:\n{}",
        ddl::add_column(table, &nullable),
        ddl::set_column_not_null(table, &column.name, true)
    )
}

fn describe_constraint(constraint: &Constraint) -> String {
    ddl::constraint_definition(constraint)
}

fn same_constraint(want: &Constraint, have: &Constraint) -> bool {
    let kinds_match = match (&want.kind, &have.kind) {
        (ConstraintKind::PrimaryKey { columns: a }, ConstraintKind::PrimaryKey { columns: b }) => {
            a == b
        }
        (
            ConstraintKind::Unique {
                columns: a,
                nulls_not_distinct: nulls_a,
            },
            ConstraintKind::Unique {
                columns: b,
                nulls_not_distinct: nulls_b,
            },
        ) => a == b && nulls_a == nulls_b,
        (
            ConstraintKind::ForeignKey {
                columns: columns_a,
                references: references_a,
                referenced_columns: referenced_a,
                on_delete: on_delete_a,
                on_update: on_update_a,
            },
            ConstraintKind::ForeignKey {
                columns: columns_b,
                references: references_b,
                referenced_columns: referenced_b,
                on_delete: on_delete_b,
                on_update: on_update_b,
            },
        ) => {
            columns_a == columns_b
                && references_a == references_b
                // `REFERENCES t` without columns means t's primary key.
                && (referenced_a.is_empty() || referenced_a == referenced_b)
                && on_delete_a == on_delete_b
                && on_update_a == on_update_b
        }
        (ConstraintKind::Check { expression: a }, ConstraintKind::Check { expression: b }) => {
            same_expression(Some(a), Some(b))
        }
        (
            ConstraintKind::Exclusion { definition: a },
            ConstraintKind::Exclusion { definition: b },
        ) => same_expression(Some(a), Some(b)),
        _ => false,
    };
    kinds_match
        && want.deferrable == have.deferrable
        && want.initially_deferred == have.initially_deferred
        && want.not_valid == have.not_valid
}

/// The steps that drop the constraint `found` of `table`: foreign keys go
/// before other constraints, and a primary key or unique constraint takes
/// along, and gives back, the foreign keys that rest on it.
fn drop_constraint_steps(
    expected: &Schema,
    actual: &Schema,
    table: &Name,
    found: &Constraint,
) -> Vec<(Order, String)> {
    let mut steps = Vec::new();
    match &found.kind {
        ConstraintKind::ForeignKey { .. } => {}
        ConstraintKind::PrimaryKey { columns } => {
            steps = dependent_foreign_keys(expected, actual, table, columns, true);
        }
        ConstraintKind::Unique { columns, .. } => {
            steps = dependent_foreign_keys(expected, actual, table, columns, false);
        }
        ConstraintKind::Check { .. } | ConstraintKind::Exclusion { .. } => {}
    }
    let rank = if matches!(found.kind, ConstraintKind::ForeignKey { .. }) {
        -1
    } else {
        0
    };
    steps.push((
        Phase::DropConstraint.rank(rank),
        ddl::drop_constraint(table, &found.name),
    ));
    steps
}

/// The foreign keys of `actual` that reference the unique `columns` of
/// `table` (its primary key when `primary`), which PostgreSQL will not let
/// go while they exist: each is dropped first, unless a difference of its
/// own already drops it, and added again once the keys are back when
/// `expected` keeps it unchanged.
fn dependent_foreign_keys(
    expected: &Schema,
    actual: &Schema,
    table: &Name,
    columns: &[String],
    primary: bool,
) -> Vec<(Order, String)> {
    let same_columns = |a: &[String], b: &[String]| {
        a.len() == b.len() && a.iter().all(|column| b.contains(column))
    };
    let mut steps = Vec::new();
    for (referencing, relation) in &actual.relations {
        for constraint in &relation.constraints {
            let ConstraintKind::ForeignKey {
                references,
                referenced_columns,
                ..
            } = &constraint.kind
            else {
                continue;
            };
            let rests_on_key = references == table
                && if referenced_columns.is_empty() {
                    primary
                } else {
                    same_columns(referenced_columns, columns)
                };
            if !rests_on_key {
                continue;
            }
            let kept = match expected.relation(referencing) {
                // The table is dropped later; its key must go now.
                None => None,
                Some(want) if want.is_view() => None,
                Some(want) => match want.constraints.iter().find(|c| c.name == constraint.name) {
                    // Dropped or replaced by a difference of its own.
                    None => continue,
                    Some(wanted) if !same_constraint(wanted, constraint) => continue,
                    Some(wanted) => Some(wanted),
                },
            };
            steps.push((
                Phase::DropConstraint.rank(-1),
                ddl::drop_constraint(referencing, &constraint.name),
            ));
            if let Some(wanted) = kept {
                steps.push((
                    Phase::AddForeignKey.into(),
                    ddl::add_constraint(referencing, wanted),
                ));
            }
        }
    }
    steps
}

fn compare_constraints(
    expected: &Schema,
    actual: &Schema,
    table: &Name,
    want: &Relation,
    have: &Relation,
    out: &mut Vec<Difference>,
) {
    // Foreign keys after primary keys, unique constraints and indexes.
    let add_phase = |constraint: &Constraint| match constraint.kind {
        ConstraintKind::ForeignKey { .. } => Phase::AddForeignKey,
        _ => Phase::AddConstraint,
    };
    for constraint in &want.constraints {
        let object = format!(
            "constraint {} on {}",
            ddl::quote_ident(&constraint.name),
            ddl::qualified(table)
        );
        match have
            .constraints
            .iter()
            .find(|other| other.name == constraint.name)
        {
            None => push(
                out,
                add_phase(constraint),
                DifferenceKind::Missing,
                object.clone(),
                format!(
                    "{object} is missing (expected {})",
                    describe_constraint(constraint)
                ),
                ddl::add_constraint(table, constraint),
            ),
            Some(found) if !same_constraint(constraint, found) => push_steps(
                out,
                DifferenceKind::Changed,
                object.clone(),
                format!(
                    "{object}: expected {}, found {}",
                    describe_constraint(constraint),
                    describe_constraint(found)
                ),
                drop_constraint_steps(expected, actual, table, found)
                    .into_iter()
                    .chain([(
                        add_phase(constraint).into(),
                        ddl::add_constraint(table, constraint),
                    )])
                    .collect(),
            ),
            Some(_) => {}
        }
    }
    for constraint in &have.constraints {
        if want
            .constraints
            .iter()
            .any(|other| other.name == constraint.name)
        {
            continue;
        }
        let object = format!(
            "constraint {} on {}",
            ddl::quote_ident(&constraint.name),
            ddl::qualified(table)
        );
        push_steps(
            out,
            DifferenceKind::Unexpected,
            object.clone(),
            format!(
                "{object} ({}) exists but no migration creates it",
                describe_constraint(constraint)
            ),
            drop_constraint_steps(expected, actual, table, constraint),
        );
    }
}

/// Triggers by name (see [`compare_with_triggers`]); the schema keeps no
/// trigger's definition (the function it runs, `UPDATE OF` columns, `WHEN`).
fn compare_triggers(table: &Name, want: &Relation, have: &Relation, out: &mut Vec<Difference>) {
    let same_trigger = |a: &Trigger, b: &Trigger| {
        a.timing == b.timing
            && a.for_each_row == b.for_each_row
            && a.events.len() == b.events.len()
            && a.events.iter().all(|event| b.events.contains(event))
    };
    for trigger in &want.triggers {
        let object = format!(
            "trigger {} on {}",
            ddl::quote_ident(&trigger.name),
            ddl::qualified(table)
        );
        let found = have
            .triggers
            .iter()
            .find(|other| other.name == trigger.name);
        let (kind, message, fix) = match found {
            None => (
                DifferenceKind::Missing,
                format!("{object} is missing"),
                format!(
                    "-- create {object} as the migrations do: the schema does not keep its definition"
                ),
            ),
            Some(found) if !same_trigger(trigger, found) => (
                DifferenceKind::Changed,
                format!(
                    "{object}: expected {}, found {}",
                    describe_trigger(trigger),
                    describe_trigger(found)
                ),
                format!(
                    "-- drop {object} and create it as the migrations do: the schema does not keep its definition"
                ),
            ),
            Some(_) => continue,
        };
        push(out, Phase::CreateView, kind, object, message, fix);
    }
    for trigger in &have.triggers {
        if want.triggers.iter().any(|other| other.name == trigger.name) {
            continue;
        }
        let object = format!(
            "trigger {} on {}",
            ddl::quote_ident(&trigger.name),
            ddl::qualified(table)
        );
        push(
            out,
            Phase::DropConstraint.rank(-2),
            DifferenceKind::Unexpected,
            object.clone(),
            format!(
                "{object} ({}) exists but no migration creates it",
                describe_trigger(trigger)
            ),
            format!(
                "DROP TRIGGER {} ON {};",
                ddl::quote_ident(&trigger.name),
                ddl::qualified(table)
            ),
        );
    }
}

/// `BEFORE INSERT OR UPDATE FOR EACH ROW`.
fn describe_trigger(trigger: &Trigger) -> String {
    let timing = match trigger.timing {
        TriggerTiming::Before => "BEFORE",
        TriggerTiming::After => "AFTER",
        TriggerTiming::InsteadOf => "INSTEAD OF",
    };
    let events: Vec<&str> = trigger
        .events
        .iter()
        .map(|event| match event {
            TriggerEvent::Insert => "INSERT",
            TriggerEvent::Update => "UPDATE",
            TriggerEvent::Delete => "DELETE",
            TriggerEvent::Truncate => "TRUNCATE",
        })
        .collect();
    format!(
        "{timing} {} FOR EACH {}",
        events.join(" OR "),
        if trigger.for_each_row {
            "ROW"
        } else {
            "STATEMENT"
        }
    )
}

fn same_index(want: &Index, have: &Index) -> bool {
    let keys = |index: &Index| -> Vec<String> {
        index
            .keys
            .iter()
            .map(|key| normalize_expression(key))
            .collect()
    };
    want.table == have.table
        && want.unique == have.unique
        && (want.method.is_empty() || want.method.eq_ignore_ascii_case(&have.method))
        && keys(want) == keys(have)
        && want.include == have.include
        && same_expression(want.predicate.as_deref(), have.predicate.as_deref())
        && want.nulls_not_distinct == have.nulls_not_distinct
}

fn describe_index(name: &Name, index: &Index) -> String {
    ddl::create_index(name, index)
        .trim_end_matches(';')
        .to_owned()
}

/// Where creating `index` of `schema` goes: after the tables, or after the
/// views for an index of a materialized view.
fn create_index_phase(schema: &Schema, index: &Index) -> Phase {
    if schema.relation(&index.table).is_some_and(Relation::is_view) {
        Phase::CreateViewIndex
    } else {
        Phase::CreateIndex
    }
}

/// The steps that drop `index` of `actual`: a unique index on plain columns
/// takes along, and gives back, the foreign keys that reference them.
fn drop_index_steps(
    expected: &Schema,
    actual: &Schema,
    name: &Name,
    index: &Index,
) -> Vec<(Order, String)> {
    let plain_columns = index.keys.iter().all(|key| {
        actual
            .relation(&index.table)
            .is_some_and(|relation| relation.column(key).is_some())
    });
    let mut steps = if index.unique && index.predicate.is_none() && plain_columns {
        dependent_foreign_keys(expected, actual, &index.table, &index.keys, false)
    } else {
        Vec::new()
    };
    steps.push((Phase::DropIndex.into(), ddl::drop_index(name)));
    steps
}

fn compare_indexes(expected: &Schema, actual: &Schema, out: &mut Vec<Difference>) {
    for (name, want) in &expected.indexes {
        let object = format!("index {}", ddl::qualified(name));
        let Some(have) = actual.indexes.get(name) else {
            // An index behind a constraint is checked with the constraint.
            if want.constraint.is_some() {
                continue;
            }
            push(
                out,
                create_index_phase(expected, want),
                DifferenceKind::Missing,
                object.clone(),
                format!(
                    "{object} is missing (expected {})",
                    describe_index(name, want)
                ),
                ddl::create_index(name, want),
            );
            continue;
        };
        if want.constraint.is_some() || have.constraint.is_some() {
            continue;
        }
        if !same_index(want, have) {
            push_steps(
                out,
                DifferenceKind::Changed,
                object.clone(),
                format!(
                    "{object}: expected {}, found {}",
                    describe_index(name, want),
                    describe_index(name, have)
                ),
                drop_index_steps(expected, actual, name, have)
                    .into_iter()
                    .chain([(
                        create_index_phase(expected, want).into(),
                        ddl::create_index(name, want),
                    )])
                    .collect(),
            );
        }
    }
    for (name, have) in &actual.indexes {
        if expected.indexes.contains_key(name) || have.constraint.is_some() {
            continue;
        }
        // An index of a table that is dropped goes with it.
        if !expected.relations.contains_key(&have.table) {
            continue;
        }
        let object = format!("index {}", ddl::qualified(name));
        push_steps(
            out,
            DifferenceKind::Unexpected,
            object.clone(),
            format!(
                "{object} ({}) exists but no migration creates it",
                describe_index(name, have)
            ),
            drop_index_steps(expected, actual, name, have),
        );
    }
}

fn same_expression(want: Option<&str>, have: Option<&str>) -> bool {
    match (want, have) {
        (None, None) => true,
        (Some(a), Some(b)) => a == b || normalize_expression(a) == normalize_expression(b),
        _ => false,
    }
}

/// Multi-word type names a cast may end in.
const MULTI_WORD_TYPES: &[&str] = &[
    "character varying",
    "timestamp without time zone",
    "timestamp with time zone",
    "time without time zone",
    "time with time zone",
    "double precision",
    "bit varying",
];

/// An expression reduced to what matters when comparing two spellings of
/// it: casts (`::type`), parentheses, double quotes and whitespace are
/// removed and the text outside string literals is lower-cased, so
/// `('active'::character varying)` and `'active'` compare equal, as do
/// `CHECK ((age > 0))` and `age>0`. String literals are kept as they are.
pub fn normalize_expression(expression: &str) -> String {
    let chars: Vec<char> = expression.chars().collect();
    let mut out = String::with_capacity(expression.len());
    normalize_into(&chars, &mut out);
    // PostgreSQL stores `x IN (a, b)` as `x = ANY (ARRAY[a, b])` and
    // `x NOT LIKE y` as `x !~~ y`.
    out.replace("=anyarray", "in")
        .replace("<>allarray", "notin")
        .replace("not~~", "!~~")
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

fn normalize_into(chars: &[char], out: &mut String) {
    let mut position = 0;
    while position < chars.len() {
        let c = chars[position];
        match c {
            '\'' => {
                let end = literal_end(chars, position);
                push_literal(&chars[position..end], out);
                position = end;
            }
            ':' if chars.get(position + 1) == Some(&':') => {
                position = skip_cast_type(chars, position + 2);
            }
            '"' | '(' | ')' | '[' | ']' => position += 1,
            c if c.is_whitespace() => position += 1,
            c if (c.is_alphabetic() || c == '_')
                && (position == 0 || !is_word_char(chars[position - 1])) =>
            {
                let mut end = position;
                while end < chars.len() && is_word_char(chars[end]) {
                    end += 1;
                }
                let word: String = chars[position..end].iter().collect();
                if word.eq_ignore_ascii_case("cast")
                    && let Some((inner, after)) = cast_operand(chars, end)
                {
                    normalize_into(inner, out);
                    position = after;
                    continue;
                }
                // PostgreSQL prints LIKE and ILIKE as operators.
                let word = word.to_lowercase();
                out.push_str(match word.as_str() {
                    "like" => "~~",
                    "ilike" => "~~*",
                    other => other,
                });
                position = end;
            }
            c => {
                out.extend(c.to_lowercase());
                position += 1;
            }
        }
    }
}

/// The end (exclusive) of the string literal starting at `start`.
fn literal_end(chars: &[char], start: usize) -> usize {
    let mut position = start + 1;
    while position < chars.len() {
        if chars[position] == '\'' {
            if chars.get(position + 1) == Some(&'\'') {
                position += 2;
                continue;
            }
            return position + 1;
        }
        position += 1;
    }
    chars.len()
}

/// A literal as PostgreSQL would store it, as far as the text shows: array
/// literals without spaces after commas (`'{a, b}'` is `'{a,b}'`), a
/// date-only timestamp with its midnight (`'1970-01-01'` is
/// `'1970-01-01 00:00:00'`).
fn push_literal(literal: &[char], out: &mut String) {
    let text: String = literal.iter().collect();
    let content = text
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(&text);
    if content.starts_with('{') {
        let mut compact = String::new();
        let mut after_comma = false;
        for c in content.chars() {
            if after_comma && c == ' ' {
                continue;
            }
            after_comma = c == ',';
            compact.push(c);
        }
        out.push('\'');
        out.push_str(&compact);
        out.push('\'');
        return;
    }
    // `'1 hour'::interval` is stored as `'01:00:00'::interval`.
    if let Some(interval) = canonical_interval(content) {
        out.push('\'');
        out.push_str(&interval);
        out.push('\'');
        return;
    }
    // `'-1'::integer` is how PostgreSQL prints the constant -1.
    let number = content.strip_prefix('-').unwrap_or(content);
    if !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit() || c == '.')
        && number.chars().filter(|&c| c == '.').count() <= 1
        && number.chars().any(|c| c.is_ascii_digit())
    {
        out.push_str(content);
        return;
    }
    let bytes = content.as_bytes();
    let date_only = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if date_only {
        out.push('\'');
        out.push_str(content);
        out.push_str(" 00:00:00'");
        return;
    }
    out.push_str(&text);
}

/// An interval literal as PostgreSQL prints it (`IntervalStyle` postgres):
/// `1 hour` is `01:00:00`, `2 weeks` is `14 days`, `1 day 90 minutes` is
/// `1 day 01:30:00`. `None` when the text is not a plain list of
/// `<integer> <unit>` pairs.
fn canonical_interval(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() || !words.len().is_multiple_of(2) {
        return None;
    }
    let (mut years, mut months, mut days, mut seconds) = (0i64, 0i64, 0i64, 0i64);
    for pair in words.chunks(2) {
        let amount: i64 = pair[0].parse().ok()?;
        let unit = pair[1].to_ascii_lowercase();
        let unit = unit.trim_end_matches('s');
        match unit {
            "year" | "yr" => years += amount,
            "mon" | "month" => months += amount,
            "week" => days += 7 * amount,
            "day" => days += amount,
            "hour" | "hr" | "h" => seconds += 3600 * amount,
            "minute" | "min" | "m" => seconds += 60 * amount,
            "second" | "sec" => seconds += amount,
            _ => return None,
        }
    }
    let plural = |n: i64, unit: &str| {
        if n == 1 || n == -1 {
            format!("{n} {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    let mut parts = Vec::new();
    if years != 0 {
        parts.push(plural(years, "year"));
    }
    if months != 0 {
        parts.push(plural(months, "mon"));
    }
    if days != 0 {
        parts.push(plural(days, "day"));
    }
    if seconds != 0 || parts.is_empty() {
        let sign = if seconds < 0 { "-" } else { "" };
        let total = seconds.abs();
        parts.push(format!(
            "{sign}{:02}:{:02}:{:02}",
            total / 3600,
            total / 60 % 60,
            total % 60
        ));
    }
    Some(parts.join(" "))
}

/// For `CAST(expr AS type)` whose word `cast` ends at `position`: the
/// characters of `expr` and the position after the closing parenthesis.
fn cast_operand(chars: &[char], mut position: usize) -> Option<(&[char], usize)> {
    while chars.get(position).is_some_and(|c| c.is_whitespace()) {
        position += 1;
    }
    if chars.get(position) != Some(&'(') {
        return None;
    }
    let open = position;
    let mut depth = 0usize;
    let mut last_as = None;
    while position < chars.len() {
        match chars[position] {
            '\'' => {
                position = literal_end(chars, position);
                continue;
            }
            '"' => {
                position += 1;
                while position < chars.len() && chars[position] != '"' {
                    position += 1;
                }
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    let as_start = last_as?;
                    return Some((&chars[open + 1..as_start], position + 1));
                }
            }
            'a' | 'A'
                if depth == 1
                    && chars
                        .get(position + 1)
                        .is_some_and(|c| c.eq_ignore_ascii_case(&'s'))
                    && !is_word_char(chars[position - 1])
                    && !chars.get(position + 2).is_some_and(|&c| is_word_char(c)) =>
            {
                last_as = Some(position);
            }
            _ => {}
        }
        position += 1;
    }
    None
}

/// The position after the type name of a cast starting at `position`.
fn skip_cast_type(chars: &[char], mut position: usize) -> usize {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    while chars.get(position).is_some_and(|c| c.is_whitespace()) {
        position += 1;
    }
    loop {
        if chars.get(position) == Some(&'"') {
            position += 1;
            while position < chars.len() {
                if chars[position] == '"' {
                    if chars.get(position + 1) == Some(&'"') {
                        position += 2;
                        continue;
                    }
                    position += 1;
                    break;
                }
                position += 1;
            }
        } else {
            let rest: String = chars[position..].iter().collect::<String>().to_lowercase();
            if let Some(words) = MULTI_WORD_TYPES.iter().find(|words| {
                rest.starts_with(*words) && !rest[words.len()..].chars().next().is_some_and(is_word)
            }) {
                position += words.chars().count();
            } else {
                while chars.get(position).is_some_and(|&c| is_word(c)) {
                    position += 1;
                }
            }
        }
        if chars.get(position) == Some(&'.') {
            position += 1;
            continue;
        }
        break;
    }
    // Modifiers: `(255)`, `(10,2)`.
    if chars.get(position) == Some(&'(') {
        let mut end = position + 1;
        while chars
            .get(end)
            .is_some_and(|c| c.is_ascii_digit() || *c == ',' || *c == ' ')
        {
            end += 1;
        }
        if chars.get(end) == Some(&')') {
            position = end + 1;
        }
    }
    while chars.get(position) == Some(&'[') && chars.get(position + 1) == Some(&']') {
        position += 2;
    }
    position
}

#[cfg(test)]
mod tests {
    use expect_test::expect;
    use migrate_core::{Column, Relation, RelationKind, Schema, SqlType};

    use super::*;

    #[test]
    fn expressions_normalise_casts_parentheses_and_spacing() {
        let same = [
            ("'active'::character varying", "'active'"),
            ("('active'::character varying)", "'active'::text"),
            ("CHECK ((age > 0))", "check (age>0)"),
            ("'{}'::text[]", "'{}'"),
            ("'TODO'::\"TaskStatus\"", "'TODO'::public.\"TaskStatus\""),
            ("(0)::numeric(10,2)", "0"),
            ("now()", "NOW()"),
            ("'x'::timestamp with time zone", "'x'"),
            (
                "CAST(value ->> 'deleted' AS BOOL)",
                "((value ->> 'deleted'::text))::boolean",
            ),
            (
                "FULLTEXT_INDEX(CAST(value ->> 'title' AS VARCHAR))",
                "fulltext_index((((value ->> 'title'::text))::character varying)::text)",
            ),
            (
                "value #>> '{source, namespace}'",
                "(value #>> '{source,namespace}'::text[])",
            ),
            (
                "\"status\" IN ('A', 'B')",
                "(status = ANY (ARRAY['A'::text, 'B'::text]))",
            ),
            ("c > -100", "(c > '-100'::integer)"),
            (
                "(CURRENT_TIMESTAMP + '1 hour'::interval)",
                "(CURRENT_TIMESTAMP + '01:00:00'::interval)",
            ),
            ("'2 weeks'::interval", "'14 days'::interval"),
            ("'1 day 90 minutes'", "'1 day 01:30:00'"),
            ("VALUE LIKE '%@%'", "((VALUE)::text ~~ '%@%'::text)"),
            ("a NOT ILIKE 'x'", "(a !~~* 'x'::text)"),
            (
                "'1970-01-01'::timestamp without time zone",
                "'1970-01-01 00:00:00'::timestamp without time zone",
            ),
        ];
        for (a, b) in same {
            assert_eq!(
                normalize_expression(a),
                normalize_expression(b),
                "{a} vs {b}"
            );
        }
        let different = [
            ("'Active'", "'active'"),
            ("0", "1"),
            ("now()", "'now'"),
            ("status IN ('A')", "status NOT IN ('A')"),
            ("cast_total", "total"),
            ("'1 hour'", "'02:00:00'"),
        ];
        for (a, b) in different {
            assert_ne!(
                normalize_expression(a),
                normalize_expression(b),
                "{a} vs {b}"
            );
        }
    }

    fn users() -> Schema {
        let mut schema = Schema::new();
        let mut users = Relation::new(RelationKind::Table);
        let mut id = Column::new("id", SqlType::builtin("int4"));
        id.not_null = true;
        let mut email = Column::new(
            "email",
            SqlType::builtin("varchar").with_modifiers(vec![255]),
        );
        email.not_null = true;
        users.columns = vec![id, email];
        schema.relations.insert(Name::public("users"), users);
        schema.types.insert(
            Name::public("mood"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["sad".into(), "ok".into(), "happy".into()],
                },
                comment: None,
            },
        );
        schema
    }

    fn render(differences: &[Difference]) -> String {
        differences
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn identical_schemas_have_no_drift() {
        assert_eq!(compare(&users(), &users()), Vec::new());
    }

    #[test]
    fn differences_in_words_with_fixes() {
        let expected = users();
        let mut actual = users();
        {
            let users = actual.relations.get_mut(&Name::public("users")).unwrap();
            let email = users.column_mut("email").unwrap();
            email.ty = SqlType::builtin("text");
            email.not_null = false;
            users
                .columns
                .push(Column::new("nickname", SqlType::builtin("text")));
        }
        actual.types.insert(
            Name::public("mood"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["ok".into()],
                },
                comment: None,
            },
        );
        expect![[r#"
            enum public.mood: expected labels ('sad', 'ok', 'happy'), found ('ok')
                ALTER TYPE public.mood ADD VALUE 'sad' BEFORE 'ok';
                ALTER TYPE public.mood ADD VALUE 'happy' AFTER 'ok';
            column public.users.email: expected character varying(255) NOT NULL, found text NULL
                ALTER TABLE public.users ALTER COLUMN email TYPE character varying(255) USING email::character varying(255);
                ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;
            column public.users.nickname exists (text NULL) but no migration creates it
                ALTER TABLE public.users DROP COLUMN nickname;"#]]
        .assert_eq(&render(&compare(&expected, &actual)));
        // Adding labels loses nothing; converting and dropping a column may.
        let loses: Vec<bool> = compare(&expected, &actual)
            .iter()
            .map(|difference| difference.loses_data)
            .collect();
        assert_eq!(loses, [false, true, true]);
    }

    #[test]
    fn the_fix_script_orders_the_steps_of_every_difference() {
        let key = |name: &str, kind: ConstraintKind| Constraint {
            name: name.to_owned(),
            kind,
            not_valid: false,
            deferrable: false,
            initially_deferred: false,
        };
        let table = |constraints: Vec<Constraint>| {
            let mut relation = Relation::new(RelationKind::Table);
            relation
                .columns
                .push(Column::new("id", SqlType::builtin("int4")));
            relation.constraints = constraints;
            relation
        };
        let primary_key = |name: &str| {
            key(
                name,
                ConstraintKind::PrimaryKey {
                    columns: vec!["id".into()],
                },
            )
        };
        let foreign_key = |to: &str| {
            key(
                "b_id_fkey",
                ConstraintKind::ForeignKey {
                    columns: vec!["id".into()],
                    references: Name::public(to),
                    referenced_columns: vec!["id".into()],
                    on_delete: Default::default(),
                    on_update: Default::default(),
                },
            )
        };
        // The migrations renamed a_old back to a; the database did not.
        let mut expected = Schema::new();
        expected
            .relations
            .insert(Name::public("a"), table(vec![primary_key("a_pkey")]));
        expected
            .relations
            .insert(Name::public("b"), table(vec![foreign_key("a")]));
        let mut actual = Schema::new();
        actual.relations.insert(
            Name::public("a_old"),
            table(vec![primary_key("a_old_pkey")]),
        );
        actual
            .relations
            .insert(Name::public("b"), table(vec![foreign_key("a_old")]));
        expect![[r#"
            ALTER TABLE public.b DROP CONSTRAINT b_id_fkey;
            DROP TABLE public.a_old;
            CREATE TABLE public.a (
                id integer,
                CONSTRAINT a_pkey PRIMARY KEY (id)
            );
            ALTER TABLE public.b ADD CONSTRAINT b_id_fkey FOREIGN KEY (id) REFERENCES public.a(id);"#]].assert_eq(&fix_script(&compare(&expected, &actual)));
    }

    /// Two tables referencing each other, a view over a view over them, an
    /// index of a materialized view, a composite type over an enum: built
    /// from nothing and dropped to nothing in an order PostgreSQL accepts.
    fn cyclic_schema() -> Schema {
        let mut schema = Schema::new();
        let table = |column: &str, to: &str| {
            let mut relation = Relation::new(RelationKind::Table);
            let mut id = Column::new("id", SqlType::builtin("int4"));
            id.not_null = true;
            relation.columns = vec![id, Column::new(column, SqlType::builtin("int4"))];
            relation.constraints = vec![
                Constraint {
                    name: format!("{to}_pkey"),
                    kind: ConstraintKind::PrimaryKey {
                        columns: vec!["id".into()],
                    },
                    not_valid: false,
                    deferrable: false,
                    initially_deferred: false,
                },
                Constraint {
                    name: format!("{column}_fkey"),
                    kind: ConstraintKind::ForeignKey {
                        columns: vec![column.into()],
                        references: Name::public(to),
                        referenced_columns: vec!["id".into()],
                        on_delete: Default::default(),
                        on_update: Default::default(),
                    },
                    not_valid: false,
                    deferrable: false,
                    initially_deferred: false,
                },
            ];
            relation
        };
        // `a` references `b`, created after it; `b` references `a` back.
        let mut a = table("b_id", "b");
        a.constraints[0].name = "a_pkey".into();
        let mut b = table("a_id", "a");
        b.constraints[0].name = "b_pkey".into();
        schema.relations.insert(Name::public("a"), a);
        schema.relations.insert(Name::public("b"), b);
        let view = |kind: RelationKind, definition: &str, reads: &str| {
            let mut relation = Relation::new(kind);
            relation.columns = vec![Column::new("id", SqlType::builtin("int4"))];
            relation.definition = Some(definition.to_owned());
            relation.depends_on = vec![Name::public(reads)];
            relation
        };
        // `a_view` reads `z_view`, which sorts after it.
        schema.relations.insert(
            Name::public("a_view"),
            view(
                RelationKind::MaterializedView,
                "SELECT id FROM z_view",
                "z_view",
            ),
        );
        schema.relations.insert(
            Name::public("z_view"),
            view(RelationKind::View, "SELECT id FROM a", "a"),
        );
        schema.indexes.insert(
            Name::public("a_view_id_idx"),
            Index {
                table: Name::public("a_view"),
                unique: false,
                method: "btree".into(),
                keys: vec!["id".into()],
                include: Vec::new(),
                predicate: None,
                constraint: None,
                nulls_not_distinct: false,
            },
        );
        schema.types.insert(
            Name::public("a_pair"),
            UserType {
                kind: UserTypeKind::Composite {
                    attributes: vec![("mood".into(), SqlType::user("public", "z_mood"))],
                },
                comment: None,
            },
        );
        schema.types.insert(
            Name::public("z_mood"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["ok".into()],
                },
                comment: None,
            },
        );
        schema
    }

    #[test]
    fn a_schema_is_created_and_dropped_in_dependency_order() {
        expect![[r#"
            CREATE TYPE public.z_mood AS ENUM ('ok');
            CREATE TYPE public.a_pair AS (mood public.z_mood);
            CREATE TABLE public.a (
                id integer NOT NULL,
                b_id integer,
                CONSTRAINT a_pkey PRIMARY KEY (id)
            );
            CREATE TABLE public.b (
                id integer NOT NULL,
                a_id integer,
                CONSTRAINT b_pkey PRIMARY KEY (id)
            );
            ALTER TABLE public.a ADD CONSTRAINT b_id_fkey FOREIGN KEY (b_id) REFERENCES public.b(id);
            ALTER TABLE public.b ADD CONSTRAINT a_id_fkey FOREIGN KEY (a_id) REFERENCES public.a(id);
            CREATE VIEW public.z_view (id) AS
            SELECT id FROM a;
            CREATE MATERIALIZED VIEW public.a_view (id) AS
            SELECT id FROM z_view;
            CREATE INDEX a_view_id_idx ON public.a_view (id);"#]]
        .assert_eq(&fix_script(&compare(&cyclic_schema(), &Schema::new())));
        expect![[r#"
            DROP MATERIALIZED VIEW public.a_view;
            DROP VIEW public.z_view;
            ALTER TABLE public.b DROP CONSTRAINT a_id_fkey;
            DROP TABLE public.a;
            DROP TABLE public.b;
            DROP TYPE public.a_pair;
            DROP TYPE public.z_mood;"#]]
        .assert_eq(&fix_script(&compare(&Schema::new(), &cyclic_schema())));
    }

    #[test]
    fn a_primary_key_change_takes_the_foreign_keys_on_it_along() {
        let mut schema = cyclic_schema();
        schema.types.clear();
        schema.indexes.clear();
        schema.relations.retain(|_, relation| !relation.is_view());
        let mut changed = schema.clone();
        let a = changed.relations.get_mut(&Name::public("a")).unwrap();
        a.constraints[0].deferrable = true;
        // `b`'s key on a(id) rests on a's primary key: it goes before the
        // primary key is replaced and comes back after.
        expect![[r#"
            ALTER TABLE public.b DROP CONSTRAINT a_id_fkey;
            ALTER TABLE public.a DROP CONSTRAINT a_pkey;
            ALTER TABLE public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);
            ALTER TABLE public.b ADD CONSTRAINT a_id_fkey FOREIGN KEY (a_id) REFERENCES public.a(id);"#]]
        .assert_eq(&fix_script(&compare(&schema, &changed)));
    }

    #[test]
    fn what_a_fix_cannot_do_is_named_as_a_manual_step() {
        let mut expected = users();
        let mood = Column::new("feeling", SqlType::user("public", "mood"));
        let users_table = expected.relations.get_mut(&Name::public("users")).unwrap();
        users_table.columns.push(mood);
        users_table.triggers.push(Trigger {
            name: "users_touch".into(),
            timing: TriggerTiming::Before,
            events: vec![TriggerEvent::Update],
            for_each_row: true,
        });
        expected.functions.insert(
            Name::public("mood_of"),
            vec![Function {
                arguments: vec![SqlType::builtin("text")],
                returns: Some(SqlType::user("public", "mood")),
                returns_set: false,
                aggregate: false,
                variadic: false,
                direct_arguments: None,
                defaults: 0,
                outputs: Vec::new(),
                procedure: false,
                argument_names: Vec::new(),
            }],
        );
        let mut actual = expected.clone();
        actual.types.insert(
            Name::public("mood"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["sad".into(), "ok".into(), "meh".into(), "happy".into()],
                },
                comment: None,
            },
        );
        let differences = compare(&expected, &actual);
        assert_eq!(differences.len(), 1);
        expect![[r#"
            [
                "trigger users_touch on public.users fires on UPDATE and may name column feeling (UPDATE OF, WHEN), which blocks its type change: drop the trigger before this step and create it again after (the schema does not keep its definition)",
                "function public.mood_of(text) takes or returns the type: drop it before this step and create it again after (the schema does not keep its body)",
            ]
        "#]]
        .assert_debug_eq(&differences[0].manual);
        // A trigger the migrations never created is dropped first instead,
        // when triggers are compared.
        let mut created = actual.clone();
        created.functions.clear();
        let mut without = expected.clone();
        without.functions.clear();
        without
            .relations
            .get_mut(&Name::public("users"))
            .unwrap()
            .triggers
            .clear();
        let differences = compare_with_triggers(&without, &created);
        assert!(differences.iter().all(|d| d.manual.is_empty()));
        assert!(
            fix_script(&differences)
                .starts_with("DROP TRIGGER users_touch ON public.users;\nALTER TYPE public.mood RENAME TO mood__old;"),
            "{}",
            fix_script(&differences)
        );
    }

    #[test]
    fn removed_enum_labels_replace_the_type() {
        let expected = users();
        let mut actual = users();
        actual.types.insert(
            Name::public("mood"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["sad".into(), "ok".into(), "meh".into(), "happy".into()],
                },
                comment: None,
            },
        );
        let mut feeling = Column::new("feeling", SqlType::user("public", "mood"));
        feeling.default = Some("'ok'::mood".to_owned());
        actual
            .relations
            .get_mut(&Name::public("users"))
            .unwrap()
            .columns
            .push(feeling.clone());
        let mut expected = expected;
        expected
            .relations
            .get_mut(&Name::public("users"))
            .unwrap()
            .columns
            .push(feeling);
        expect![[r#"
            enum public.mood: expected labels ('sad', 'ok', 'happy'), found ('sad', 'ok', 'meh', 'happy')
                ALTER TYPE public.mood RENAME TO mood__old;
                CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
                ALTER TABLE public.users ALTER COLUMN feeling DROP DEFAULT;
                ALTER TABLE public.users ALTER COLUMN feeling TYPE public.mood USING feeling::text::public.mood;
                ALTER TABLE public.users ALTER COLUMN feeling SET DEFAULT 'ok'::mood;
                DROP TYPE public.mood__old;"#]]
        .assert_eq(&render(&compare(&expected, &actual)));
    }
}
