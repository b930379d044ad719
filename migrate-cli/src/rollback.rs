//! `migrate rollback-sql [<version>]`: the SQL that undoes one migration.
//!
//! From its down file when the layout has one (unless `--derive`), else
//! derived: the migrations are folded up to before it and up to after it,
//! and the differences between the two schemas give the statements that
//! turn "after" back into "before". Steps that lose data (dropping a table
//! or column the migration created, converting a column back) are named in
//! a comment. What the two schemas cannot tell is named as a `MANUAL STEP`
//! and makes the exit status 1: a function, trigger or partition key the
//! schema keeps no definition of, a statement of the migration the fold
//! could not follow (a function call that creates partitions at run time),
//! a change no statement can undo.
//!
//! Derived rollback SQL restores the schema, never data: rows a migration
//! inserted, updated or deleted stay as they are.

use migrate_build::Diagnostic;
use migrate_build::fold::Folder;
use migrate_core::ddl::quote_ident;
use migrate_core::{Migration, Name, Schema};
use migrate_runtime::drift::{
    DifferenceKind, compare_with_triggers, drop_function_sql, function_signature,
};

use crate::Failure;
use crate::diff::{fix_sql_with, manual_steps};
use crate::migrations::{MigrationsArgs, position};
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The migration to undo (default: the last one).
    #[arg(value_name = "VERSION")]
    target: Option<String>,
    #[command(flatten)]
    migrations: MigrationsArgs,
    /// Derive the SQL from the schemas even when a down file exists.
    #[arg(long)]
    derive: bool,
    /// Print one JSON document (the SQL, its manual and data-losing steps).
    #[arg(long)]
    json: bool,
}

/// Prints the rollback SQL, as it is or (`--json`) in a document.
fn emit(
    args: &Args,
    migration: &Migration,
    sql: &str,
    manual: usize,
    lossy: usize,
) -> Result<(), Failure> {
    if !args.json {
        return print(sql);
    }
    print(&crate::output::json_document(serde_json::json!({
        "version": migration.version,
        "path": migration.path,
        "from_down_file": migration.down.is_some() && !args.derive,
        "sql": sql,
        "manual_steps": manual,
        "steps_losing_data": lossy,
    })))
}

pub fn run(args: Args) -> Result<(), Failure> {
    let discovered = args.migrations.discover()?;
    if discovered.migrations.is_empty() {
        return Err(Failure::new("there are no migrations"));
    }
    let index = match &args.target {
        Some(version) => position(&discovered.migrations, version)?,
        None => discovered.migrations.len() - 1,
    };
    let migration = &discovered.migrations[index];
    let header = format!(
        "-- rollback of migration {} ({})\n",
        migration.version, migration.path
    );
    if let (Some(down), false) = (&migration.down, args.derive) {
        let mut text = header;
        text.push_str("-- from its down file, as written\n");
        text.push_str(down.trim_end());
        text.push('\n');
        return emit(&args, migration, &text, 0, 0);
    }

    let mut folder = Folder::new();
    let mut errors = Vec::new();
    for earlier in &discovered.migrations[..index] {
        errors.extend(folder.apply(earlier).into_iter().filter(|d| d.is_error()));
    }
    let before = folder.schema().clone();
    let (own_errors, warnings): (Vec<_>, Vec<_>) = folder
        .apply(migration)
        .into_iter()
        .partition(|d| d.is_error());
    errors.extend(own_errors);
    let after = folder.schema();
    let mut manual = unfollowed(migration, &warnings);
    manual.extend(functions_not_restored(&before, after));
    if !errors.is_empty() {
        eprintln!(
            "warning: {} error{} while folding the migrations (see `migrate schema`): the rollback SQL may be incomplete",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
    }

    // Renames are undone by renaming back, which keeps the data; the
    // schema diff covers what is left.
    let (renames, differences) = match renamed_back(&folder, &before, migration) {
        Some((renames, inverted)) => (renames, compare_with_triggers(&before, &inverted)),
        None => (Vec::new(), compare_with_triggers(&before, after)),
    };
    let mut text = header;
    text.push_str(
        "-- derived from the schema before and after it: restores the schema, not data\n",
    );
    let n_data = changes_rows(&migration.up);
    if n_data > 0 {
        text.push_str(&format!(
            "-- the migration also changes rows ({n_data} INSERT, UPDATE, DELETE or COPY statement{}): they are not undone\n",
            if n_data == 1 { "" } else { "s" }
        ));
    }
    let lossy = differences.iter().filter(|d| d.loses_data).count();
    let n_manual = manual.len() + manual_steps(&differences);
    if n_manual > 0 {
        text.push_str(&format!(
            "-- {n_manual} MANUAL STEP{}: this SQL alone does not restore the schema; {} marked MANUAL STEP below\n",
            if n_manual == 1 { "" } else { "S" },
            if n_manual == 1 { "it is" } else { "each is" },
        ));
        for step in &manual {
            text.push_str(&format!("-- MANUAL STEP: {step}\n"));
        }
    }
    // Not dropped: a trigger the migration re-created over the same name
    // and shape may run one, which the schemas cannot tell.
    let created = functions_created(&before, after);
    let functions_note = if created.is_empty() {
        String::new()
    } else {
        let drops: Vec<String> = created
            .iter()
            .map(|statement| format!("--   {statement}\n"))
            .collect();
        format!(
            "\n-- left in place: the functions the migration created, which a trigger it re-created may run; drop them once nothing does:\n{}",
            drops.concat()
        )
    };
    if !renames.is_empty() {
        text.push_str("\n-- rename back what the migration renamed: the data stays\n");
        for statement in &renames {
            text.push_str(statement);
            text.push('\n');
        }
    }
    if differences.is_empty() && !renames.is_empty() {
        text.push_str(&functions_note);
        emit(&args, migration, &text, n_manual, lossy)?;
        return if n_manual == 0 {
            Ok(())
        } else {
            Err(Failure::findings())
        };
    }
    if differences.is_empty() {
        text.push_str("-- the migration changes no schema object: nothing to undo\n");
        text.push_str(&functions_note);
        emit(&args, migration, &text, n_manual, lossy)?;
        return if n_manual == 0 {
            Ok(())
        } else {
            Err(Failure::findings())
        };
    }
    if lossy > 0 {
        text.push_str(&format!(
            "-- {lossy} step{} LOSE{} DATA, marked below\n",
            if lossy == 1 { "" } else { "s" },
            if lossy == 1 { "S" } else { "" },
        ));
    }
    text.push('\n');
    text.push_str(&fix_sql_with(&differences, |difference| {
        match difference.kind {
            DifferenceKind::Unexpected => {
                format!("drop {}, created by the migration", difference.object)
            }
            DifferenceKind::Missing => {
                format!("restore {}, dropped by the migration", difference.object)
            }
            DifferenceKind::Changed => format!(
                "restore {} as it was ({})",
                difference.object, difference.message
            ),
        }
    }));
    text.push_str(&functions_note);
    emit(&args, migration, &text, n_manual, lossy)?;
    if n_manual == 0 {
        Ok(())
    } else {
        Err(Failure::findings())
    }
}

/// The statements that rename back what `migration` renamed (tables and
/// columns, from the fold's history, the last rename first), and the
/// schema once they ran on `folder`'s (the schema after the migration);
/// `None` when it renamed nothing, or when renaming back does not fold
/// (the renamed object was dropped after, say): the schema diff alone
/// undoes it then.
fn renamed_back(
    folder: &Folder,
    before: &Schema,
    migration: &Migration,
) -> Option<(Vec<String>, Schema)> {
    let changes = folder
        .schema()
        .history
        .changes
        .get(before.history.changes.len()..)?;
    let statements: Vec<String> = changes
        .iter()
        .rev()
        .filter_map(|change| {
            let new = change.renamed_to.as_deref()?;
            // A column the migration added itself, then renamed, is dropped
            // by the schema diff: renaming it back would keep nothing.
            if let Some(column) = &change.column
                && before
                    .relation(&change.table)
                    .is_some_and(|relation| relation.column(column).is_none())
            {
                return None;
            }
            Some(match &change.column {
                Some(old) => format!(
                    "ALTER TABLE {} RENAME COLUMN {} TO {};",
                    change.table,
                    quote_ident(new),
                    quote_ident(old)
                ),
                None => format!(
                    "ALTER TABLE {} RENAME TO {};",
                    Name::new(&change.table.schema, new),
                    quote_ident(&change.table.name)
                ),
            })
        })
        .collect();
    if statements.is_empty() {
        return None;
    }
    let mut inverted = folder.clone();
    let undo = Migration::new(
        format!("{}-rollback", migration.version),
        "rollback".to_owned(),
        format!("rollback of {}", migration.path),
        statements.join("\n"),
    );
    if inverted.apply(&undo).iter().any(Diagnostic::is_error) {
        return None;
    }
    Some((statements, inverted.schema().clone()))
}

/// The statements of `migration` whose effect the fold could not follow
/// (`warnings` it gave): what they changed is in neither schema, so the
/// rollback cannot undo it.
fn unfollowed(migration: &Migration, warnings: &[Diagnostic]) -> Vec<String> {
    warnings
        .iter()
        .filter(|warning| {
            let message = &warning.message;
            message.contains("assumed") || message.contains("skipped this statement")
        })
        .map(|warning| {
            let (line, _) = warning.line_col(&migration.up);
            format!(
                "line {line} of the migration: {}; undo what it changed by hand",
                warning.message
            )
        })
        .collect()
}

/// `DROP FUNCTION` for the functions of `after` that `before` lacks, all
/// in one statement, then `DROP AGGREGATE` for its aggregates, one each
/// (DROP FUNCTION refuses an aggregate).
fn functions_created(before: &Schema, after: &Schema) -> Vec<String> {
    let mut created = Vec::new();
    let mut aggregates = Vec::new();
    for (name, overloads) in &after.functions {
        for function in overloads {
            let existed = before
                .functions
                .get(name)
                .is_some_and(|present| present.contains(function));
            if !existed && function.aggregate {
                aggregates.push(drop_function_sql(name, function));
            } else if !existed {
                created.push(function_signature(name, function));
            }
        }
    }
    let functions = (!created.is_empty()).then(|| format!("DROP FUNCTION {};", created.join(", ")));
    functions.into_iter().chain(aggregates).collect()
}

/// Functions of `before` that `after` lacks: dropped or replaced by the
/// migration, they cannot be restored, since the schema keeps no body.
fn functions_not_restored(before: &Schema, after: &Schema) -> Vec<String> {
    let mut manual = Vec::new();
    for (name, overloads) in &before.functions {
        for function in overloads {
            let kept = after
                .functions
                .get(name)
                .is_some_and(|present| present.contains(function));
            if !kept {
                manual.push(format!(
                    "{} {} was dropped or changed by the migration: create it again as it was, before the statements below (the schema does not keep its body)",
                    if function.aggregate { "aggregate" } else { "function" },
                    function_signature(name, function)
                ));
            }
        }
    }
    manual
}

/// How many statements of `sql` change rows rather than shapes.
fn changes_rows(sql: &str) -> usize {
    migrate_build::split::split_statements(sql)
        .iter()
        .filter(|statement| {
            let keyword: String = statement
                .text
                .lines()
                .map(str::trim)
                .find(|line| !line.is_empty() && !line.starts_with("--"))
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect::<String>()
                .to_ascii_uppercase();
            matches!(
                keyword.as_str(),
                "INSERT" | "UPDATE" | "DELETE" | "COPY" | "MERGE" | "TRUNCATE"
            )
        })
        .count()
}
