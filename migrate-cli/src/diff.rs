//! `migrate diff --from A --to B`: the SQL that turns schema A into schema B,
//! each schema being the fold of a migrations directory, a live database
//! (introspected), or `empty`.

use std::path::PathBuf;

use migrate_build::discover::Layout;
use migrate_core::Schema;
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
}

pub fn run(args: Args) -> Result<(), Failure> {
    let from = load(&args, &args.from)?;
    let to = load(&args, &args.to)?;
    let differences = compare(&to, &from);
    let mut text = if differences.is_empty() {
        "-- the schemas are the same\n".to_owned()
    } else {
        fix_sql(&differences)
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print(&text)?;
    if args.exit_code && !differences.is_empty() {
        return Err(Failure::findings());
    }
    Ok(())
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
        migrations: PathBuf::from(source),
        layout: args.layout,
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
/// and added after) is described at each of them.
pub fn fix_sql_with(
    differences: &[Difference],
    describe: impl Fn(&Difference) -> String,
) -> String {
    let mut text = String::new();
    let mut described: Vec<&Difference> = Vec::new();
    for step in drift::fix_steps(differences) {
        let difference = step.difference;
        let mut what = describe(difference);
        if described.iter().any(|seen| std::ptr::eq(*seen, difference)) {
            what.push_str(" (continued)");
        } else {
            described.push(difference);
        }
        if cannot_fix(difference) {
            text.push_str(&format!("-- CANNOT BE UNDONE BY A STATEMENT: {what}\n"));
        } else if difference.loses_data {
            text.push_str(&format!("-- LOSES DATA: {what}\n"));
        } else {
            text.push_str(&format!("-- {what}\n"));
        }
        text.push_str(step.sql.trim_end());
        text.push_str("\n\n");
    }
    text.truncate(text.trim_end().len());
    text.push('\n');
    text
}

/// Whether no statement can make the change (the fix is only comments).
pub fn cannot_fix(difference: &Difference) -> bool {
    difference
        .fix
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with("--"))
}
