//! `migrate rollback-sql [<version>]`: the SQL that undoes one migration.
//!
//! From its down file when the layout has one (unless `--derive`), else
//! derived: the migrations are folded up to before it and up to after it,
//! and the differences between the two schemas give the statements that
//! turn "after" back into "before". Steps that lose data (dropping a table
//! or column the migration created, converting a column back) are named in
//! a comment; a change no statement can undo is named too, and makes the
//! exit status 1.
//!
//! Derived rollback SQL restores the schema, never data: rows a migration
//! inserted, updated or deleted stay as they are.

use migrate_build::fold::Folder;
use migrate_runtime::drift::{DifferenceKind, compare};

use crate::Failure;
use crate::diff::{cannot_fix, fix_sql_with};
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
        return print(&text);
    }

    let mut folder = Folder::new();
    let mut errors = Vec::new();
    for earlier in &discovered.migrations[..index] {
        errors.extend(folder.apply(earlier).into_iter().filter(|d| d.is_error()));
    }
    let before = folder.schema().clone();
    errors.extend(folder.apply(migration).into_iter().filter(|d| d.is_error()));
    let after = folder.schema();
    if !errors.is_empty() {
        eprintln!(
            "warning: {} error{} while folding the migrations (see `migrate schema`): the rollback SQL may be incomplete",
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
    }

    let differences = compare(&before, after);
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
    let impossible: Vec<_> = differences.iter().filter(|d| cannot_fix(d)).collect();
    if differences.is_empty() {
        text.push_str("-- the migration changes no schema object: nothing to undo\n");
        return print(&text);
    }
    if lossy > 0 {
        text.push_str(&format!(
            "-- {lossy} step{} LOSE{} DATA, marked below\n",
            if lossy == 1 { "" } else { "s" },
            if lossy == 1 { "S" } else { "" },
        ));
    }
    if !impossible.is_empty() {
        text.push_str(&format!(
            "-- {} change{} cannot be undone by a statement, marked below\n",
            impossible.len(),
            if impossible.len() == 1 { "" } else { "s" }
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
    print(&text)?;
    if impossible.is_empty() {
        Ok(())
    } else {
        Err(Failure::findings())
    }
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
