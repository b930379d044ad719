//! `migrate diff --from A --to B`: the SQL that turns schema A into schema B,
//! each schema being the fold of a migrations directory, a live database
//! (introspected), or `empty`.

use std::path::PathBuf;

use migrate_build::discover::Layout;
use migrate_core::{Schema, ddl};
use migrate_runtime::drift::{self, Difference, compare};
use migrate_runtime::introspect::{IntrospectOptions, introspect};

use crate::Failure;
use crate::db;
use crate::migrations::MigrationsArgs;
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The schema to start from: a migrations directory, a database URL
    /// (`postgres://...`), or `empty`.
    #[arg(long, value_name = "SOURCE")]
    from: String,
    /// The schema to arrive at: a migrations directory or a database URL.
    #[arg(long, value_name = "SOURCE")]
    to: String,
    /// The layout of the migrations directories, detected when not given.
    #[arg(long, value_name = "LAYOUT")]
    layout: Option<Layout>,
    /// The history table, left out of introspected databases.
    #[arg(
        long,
        value_name = "SCHEMA.TABLE",
        default_value = "public._migrate_history"
    )]
    history_table: String,
    /// Exit with status 1 when the schemas differ.
    #[arg(long)]
    exit_code: bool,
    /// Print one JSON document instead of SQL.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let mut from = load(&args, &args.from)?;
    let mut to = load(&args, &args.to)?;
    // Every database has plpgsql: never a difference, never created.
    for schema in [&mut from, &mut to] {
        schema.extensions.remove("plpgsql");
    }
    let differences = compare(&to, &from);
    if args.json {
        let items: Vec<_> = differences
            .iter()
            .map(crate::output::difference_json)
            .collect();
        print(&crate::output::json_document(serde_json::json!({
            "from": label(&args.from),
            "to": label(&args.to),
            "same": differences.is_empty(),
            "differences": items,
        })))?;
        if args.exit_code && !differences.is_empty() {
            return Err(Failure::findings());
        }
        return Ok(());
    }
    let (from_label, to_label) = (label(&args.from), label(&args.to));
    let mut text = format!("-- the SQL that turns {from_label} into {to_label}\n");
    text.push_str(&missing_functions_note(&from, &to));
    if differences.is_empty() {
        text.push_str("-- the schemas are the same\n");
    } else {
        text.push_str(&fix_sql_with(&differences, |difference| {
            match difference.kind {
                drift::DifferenceKind::Missing => {
                    format!("{}: in {to_label}, not in {from_label}", difference.object)
                }
                drift::DifferenceKind::Unexpected => {
                    format!("{}: in {from_label}, not in {to_label}", difference.object)
                }
                drift::DifferenceKind::Changed => format!(
                    "{}: differs between {from_label} and {to_label} ({})",
                    difference.object, difference.message
                ),
            }
        }));
    }
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print(&text)?;
    if args.exit_code && !differences.is_empty() {
        return Err(Failure::findings());
    }
    Ok(())
}

/// A note naming the functions `to` has and `from` lacks (by name): the schema keeps
/// only their signatures, so the script cannot create them, and a default,
/// generated column or index that calls one needs it created first.
fn missing_functions_note(from: &Schema, to: &Schema) -> String {
    let missing: Vec<String> = to
        .functions
        .iter()
        .filter(|(name, _)| !from.functions.contains_key(*name))
        .flat_map(|(name, overloads)| {
            overloads.iter().map(move |function| {
                let arguments: Vec<String> = function.arguments.iter().map(ddl::type_sql).collect();
                let kind = if function.aggregate { "aggregate " } else { "" };
                format!(
                    "--   {kind}{}({})\n",
                    ddl::qualified(name),
                    arguments.join(", ")
                )
            })
        })
        .collect();
    if missing.is_empty() {
        return String::new();
    }
    format!(
        "-- not included: {} function{} of the migrations, whose bodies this script cannot know; create {} first from the migration files:\n{}\n",
        missing.len(),
        if missing.len() == 1 { "" } else { "s" },
        if missing.len() == 1 { "it" } else { "them" },
        missing.concat()
    )
}

/// How a source is named in the SQL's comments: the migrations directory,
/// the database (host and database, never the password), or empty.
fn label(source: &str) -> String {
    if source == "empty" {
        return "an empty database".to_owned();
    }
    if db::looks_like_url(source) {
        return format!("the database {}", db::redact_url(source));
    }
    format!("the migrations in {source}")
}

fn load(args: &Args, source: &str) -> Result<Schema, Failure> {
    if source == "empty" {
        return Ok(Schema::new());
    }
    if db::looks_like_url(source) {
        let mut client = db::connect(source)?;
        let (schema, table) = args.history_table.split_once('.').ok_or_else(|| {
            Failure::usage(format_args!(
                "--history-table {}: expected SCHEMA.TABLE",
                args.history_table
            ))
        })?;
        let history = migrate_core::Name::new(schema, table);
        let options = IntrospectOptions::default().exclude(history.clone());
        let mut live = introspect(&mut client, &options)?;
        // The history table's own schema, when only it lives there.
        if history.schema != "public"
            && !live
                .relations
                .keys()
                .any(|name| name.schema == history.schema)
        {
            live.namespaces.remove(&history.schema);
        }
        return Ok(live);
    }
    let migrations = MigrationsArgs {
        migrations: Some(PathBuf::from(source)),
        layout: args.layout,
        tool: None,
        assumed: None,
    };
    Ok(migrations.fold()?.schema)
}

/// The differences' fixes as one script, in the order they must run (see
/// [`drift::fix_steps`]), each step under a comment saying what it does,
/// steps that may lose data marked so.
pub fn fix_sql(differences: &[Difference]) -> String {
    fix_sql_with(differences, |difference| difference.message.clone())
}

/// [`fix_sql`] with each step described by `describe`. A difference fixed in
/// several steps (a changed constraint is dropped before the tables change
/// and added after) is described at each of them. What a step cannot do by
/// itself (see [`manual_steps`]) is named under it as `-- MANUAL STEP: ...`.
pub fn fix_sql_with(
    differences: &[Difference],
    describe: impl Fn(&Difference) -> String,
) -> String {
    let mut text = String::new();
    let mut described: Vec<&Difference> = Vec::new();
    for step in drift::fix_steps(differences) {
        let difference = step.difference;
        let mut what = describe(difference);
        let first = !described.iter().any(|seen| std::ptr::eq(*seen, difference));
        if first {
            described.push(difference);
        } else {
            what.push_str(" (continued)");
        }
        if cannot_fix(difference) {
            text.push_str(&format!("-- MANUAL STEP: {what}; no statement can do it\n"));
        } else if difference.loses_data {
            text.push_str(&format!("-- LOSES DATA: {what}\n"));
        } else {
            text.push_str(&format!("-- {what}\n"));
        }
        if first {
            for manual in &difference.manual {
                text.push_str(&format!("-- MANUAL STEP: {manual}\n"));
            }
        }
        text.push_str(step.sql.trim_end());
        text.push_str("\n\n");
    }
    text.truncate(text.trim_end().len());
    text.push('\n');
    text
}

/// How many steps the user must take by hand for the script to do its
/// work: changes no statement can make, and what fixes cannot do by
/// themselves ([`Difference::manual`]).
pub fn manual_steps(differences: &[Difference]) -> usize {
    differences
        .iter()
        .map(|difference| difference.manual.len() + usize::from(cannot_fix(difference)))
        .sum()
}

/// Whether no statement can make the change (the fix is only comments).
pub fn cannot_fix(difference: &Difference) -> bool {
    difference
        .fix
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with("--"))
}
