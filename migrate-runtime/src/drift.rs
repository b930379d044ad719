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
//! table, uniqueness, method, keys, predicate). Defaults, checks and
//! predicates are compared after [`normalize_expression`], which absorbs the
//! differences in casts, parentheses, quoting and spacing between what the
//! fold writes and what `pg_get_expr` prints. Not compared: view
//! definitions (only their columns), comments, functions, triggers, grants,
//! column order.
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
    Column, Constraint, ConstraintKind, Identity, Index, Name, Relation, RelationKind, Schema,
    Sequence, SqlType, UserType, UserTypeKind,
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
    /// The fix in steps, each with its place among all the fixes.
    steps: Vec<(Phase, String)>,
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
/// schemas, extensions, types and sequences first; views, constraints and
/// indexes that change are dropped, then unexpected tables; tables and
/// columns are created and altered; constraints (foreign keys last) and
/// indexes are added; columns, sequences, types, extensions, schemas that
/// should not exist are dropped; views are created last.
pub fn fix_steps(differences: &[Difference]) -> Vec<FixStep<'_>> {
    let mut steps: Vec<(Phase, FixStep<'_>)> = differences
        .iter()
        .flat_map(|difference| {
            difference.steps.iter().map(move |(phase, sql)| {
                (
                    *phase,
                    FixStep {
                        difference,
                        sql: sql.as_str(),
                    },
                )
            })
        })
        .collect();
    steps.sort_by_key(|(phase, _)| *phase);
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
fn forget_history_schema(expected: &Schema, actual: &mut Schema, history_table: &Name) {
    if !expected.namespaces.contains_key(&history_table.schema) {
        actual.namespaces.remove(&history_table.schema);
    }
}

/// Everything that differs between `expected` (the fold of the migrations)
/// and `actual` (the live database), each with the SQL that turns actual
/// into expected, ordered so that the fixes can run in sequence.
pub fn compare(expected: &Schema, actual: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    compare_namespaces(expected, actual, &mut out);
    compare_extensions(expected, actual, &mut out);
    compare_types(expected, actual, &mut out);
    compare_sequences(expected, actual, &mut out);
    compare_relations(expected, actual, &mut out);
    compare_indexes(expected, actual, &mut out);
    out.sort_by_key(|difference| difference.steps.first().map(|(phase, _)| *phase));
    for difference in &mut out {
        difference.loses_data = fix_loses_data(&difference.fix);
    }
    out
}

fn push(
    out: &mut Vec<Difference>,
    phase: Phase,
    kind: DifferenceKind,
    object: String,
    message: String,
    fix: String,
) {
    push_steps(out, kind, object, message, vec![(phase, fix)]);
}

/// A difference whose fix runs in several places of the script.
fn push_steps(
    out: &mut Vec<Difference>,
    kind: DifferenceKind,
    object: String,
    message: String,
    steps: Vec<(Phase, String)>,
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
        steps,
    });
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

fn compare_types(expected: &Schema, actual: &Schema, out: &mut Vec<Difference>) {
    for (name, want) in &expected.types {
        let object = format!("type {}", ddl::qualified(name));
        let Some(have) = actual.types.get(name) else {
            push(
                out,
                Phase::CreateType,
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
            ) => compare_enum(expected, name, want_labels, have_labels, actual, out),
            (want_kind, have_kind) if !same_user_type(want_kind, have_kind) => push(
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
                    "-- objects that use the type must be changed first\n{}\n{}",
                    ddl::drop_type(name, have),
                    ddl::create_type(name, want)
                ),
            ),
            _ => {}
        }
    }
    for (name, have) in &actual.types {
        if !expected.types.contains_key(name) {
            let object = format!("type {}", ddl::qualified(name));
            push(
                out,
                Phase::DropType,
                DifferenceKind::Unexpected,
                object.clone(),
                format!("{object} exists but no migration creates it"),
                drop_type_and_its_functions(actual, name, have),
            );
        }
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
                let arguments: Vec<String> = function.arguments.iter().map(ddl::type_sql).collect();
                statements.push(format!(
                    "DROP FUNCTION {}({});",
                    ddl::qualified(function_name),
                    arguments.join(", ")
                ));
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
        if relation.is_view() {
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
    let tables: Vec<&Name> = uses.iter().map(|usage| usage.table).collect();
    let fix = with_dependent_views(
        expected,
        actual,
        &tables,
        ddl::recreate_enum(name, want, &uses),
    );
    push(
        out,
        Phase::ReplaceEnum,
        DifferenceKind::Changed,
        object,
        message,
        fix,
    );
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

fn create_relation(name: &Name, relation: &Relation) -> (Phase, String) {
    if relation.is_view() {
        (Phase::CreateView, ddl::create_view(name, relation))
    } else {
        (Phase::CreateTable, ddl::create_table(name, relation))
    }
}

fn compare_relations(expected: &Schema, actual: &Schema, out: &mut Vec<Difference>) {
    for (name, want) in &expected.relations {
        let object = format!("{} {}", relation_words(want.kind), ddl::qualified(name));
        let Some(have) = actual.relations.get(name) else {
            let (phase, mut fix) = create_relation(name, want);
            for ownership in owned_sequences(expected, name, None) {
                fix.push('\n');
                fix.push_str(&ownership);
            }
            push(
                out,
                phase,
                DifferenceKind::Missing,
                object.clone(),
                format!("{object} is missing"),
                fix,
            );
            continue;
        };
        if want.kind != have.kind
            && !(is_table(want.kind)
                && is_table(have.kind)
                && want.kind != RelationKind::ForeignTable)
        {
            let (phase, create) = create_relation(name, want);
            let drop_phase = if have.is_view() {
                Phase::DropView
            } else {
                Phase::DropTable
            };
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
                vec![
                    (drop_phase, ddl::drop_relation(name, have.kind)),
                    (phase, create),
                ],
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
                let (_, create) = create_relation(name, want);
                push_steps(
                    out,
                    DifferenceKind::Changed,
                    object.clone(),
                    format!(
                        "{object}: expected columns ({}), found ({})",
                        describe_columns(&want.columns),
                        describe_columns(&have.columns)
                    ),
                    vec![
                        (Phase::DropView, ddl::drop_view(name, have.kind)),
                        (Phase::CreateView, create),
                    ],
                );
            }
            continue;
        }
        compare_columns(expected, actual, name, want, have, out);
        compare_constraints(name, want, have, out);
    }
    for (name, have) in unexpected_in_drop_order(expected, actual) {
        let object = format!("{} {}", relation_words(have.kind), ddl::qualified(name));
        let phase = if have.is_view() {
            Phase::DropView
        } else {
            Phase::DropTable
        };
        push(
            out,
            phase,
            DifferenceKind::Unexpected,
            object.clone(),
            format!("{object} exists but no migration creates it"),
            ddl::drop_relation(name, have.kind),
        );
    }
}

/// The relations of `actual` that `expected` lacks, each before the ones
/// its foreign keys reference, so that the drops succeed one by one.
fn unexpected_in_drop_order<'a>(
    expected: &Schema,
    actual: &'a Schema,
) -> Vec<(&'a Name, &'a Relation)> {
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
    let mut ordered = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        // Drop first what no other remaining relation references.
        let position = remaining
            .iter()
            .position(|(name, _)| {
                !remaining
                    .iter()
                    .any(|(other, relation)| other != name && references(relation, name))
            })
            // A cycle of foreign keys: DROP TABLE .. CASCADE would be
            // needed; take them in name order and let PostgreSQL say so.
            .unwrap_or(0);
        ordered.push(remaining.remove(position));
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
                with_dependent_views(expected, actual, &[table], fix.join("\n"))
            } else {
                fix.join("\n")
            },
        );
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

fn compare_constraints(table: &Name, want: &Relation, have: &Relation, out: &mut Vec<Difference>) {
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
                vec![
                    (
                        Phase::DropConstraint,
                        ddl::drop_constraint(table, &found.name),
                    ),
                    (
                        add_phase(constraint),
                        ddl::add_constraint(table, constraint),
                    ),
                ],
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
        push(
            out,
            Phase::DropConstraint,
            DifferenceKind::Unexpected,
            object.clone(),
            format!(
                "{object} ({}) exists but no migration creates it",
                describe_constraint(constraint)
            ),
            ddl::drop_constraint(table, &constraint.name),
        );
    }
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
                Phase::CreateIndex,
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
                vec![
                    (Phase::DropIndex, ddl::drop_index(name)),
                    (Phase::CreateIndex, ddl::create_index(name, want)),
                ],
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
        push(
            out,
            Phase::DropIndex,
            DifferenceKind::Unexpected,
            object.clone(),
            format!(
                "{object} ({}) exists but no migration creates it",
                describe_index(name, have)
            ),
            ddl::drop_index(name),
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
