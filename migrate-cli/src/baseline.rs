//! `migrate baseline <version>`: adopt an existing database. Migrations up
//! to `version` are recorded as applied without running them, once the
//! database is found to hold exactly what they fold to.

use migrate_build::fold::Folder;
use migrate_runtime::Resolution;

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::diff::fix_sql;
use crate::migrations::{MigrationsArgs, embedded, position};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The last migration the database already reflects.
    #[arg(value_name = "VERSION")]
    target: String,
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Print one JSON document instead of a sentence.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let discovered = args.migrations.discover()?;
    let last = position(&discovered.migrations, &args.target)?;
    let adopted = &discovered.migrations[..=last];

    let mut folder = Folder::new();
    let mut errors = 0;
    for migration in adopted {
        errors += folder
            .apply(migration)
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .count();
    }
    if errors > 0 {
        return Err(Failure::new(format_args!(
            "the migrations up to {} do not fold ({errors} errors, see `migrate schema`): cannot tell whether the database matches them",
            args.target
        )));
    }
    let mut client = args.database.connect()?;
    let migrations = embedded(&discovered.migrations, None);
    let runner = args.database.runner(&migrations)?;
    let history = runner.history(&mut client)?;
    // A database already at or past the version: nothing to adopt.
    let newest_applied = discovered
        .migrations
        .iter()
        .enumerate()
        .filter(|(_, migration)| {
            history
                .iter()
                .any(|entry| entry.success && entry.version == migration.version)
        })
        .map(|(index, _)| index)
        .max();
    if let Some(newest) = newest_applied.filter(|&newest| newest >= last) {
        return crate::output::result(
            args.json,
            serde_json::json!({"target": args.target, "recorded": 0, "already_past": true}),
            &format!(
                "the database is already at or past {}: migrations up to {} ({}) are recorded as applied; there is nothing to baseline ({} left to deploy)\n",
                discovered.migrations[last].version,
                discovered.migrations[newest].version,
                discovered.migrations[newest].path,
                discovered
                    .migrations
                    .iter()
                    .filter(|migration| !history
                        .iter()
                        .any(|entry| entry.success && entry.version == migration.version))
                    .count(),
            ),
        );
    }
    let differences = migrate_runtime::drift::check(
        &mut client,
        folder.schema(),
        &args.database.history_name()?,
    )?;
    if !differences.is_empty() {
        return Err(Failure::new(format_args!(
            "the database does not match the migrations up to {}: nothing was recorded. {} difference{} (the SQL would make the database match):\n\n{}",
            args.target,
            differences.len(),
            if differences.len() == 1 { "" } else { "s" },
            fix_sql(&differences)
        )));
    }

    let mut recorded = 0;
    for migration in adopted {
        if history
            .iter()
            .any(|entry| entry.version == migration.version)
        {
            continue;
        }
        runner.resolve(&mut client, &migration.version, Resolution::Applied)?;
        recorded += 1;
    }
    crate::output::result(
        args.json,
        serde_json::json!({"target": args.target, "recorded": recorded, "already_past": false}),
        &format!(
            "the database matches the migrations up to {} ({}): {recorded} recorded as applied, {} recorded already; {} left to deploy\n",
            discovered.migrations[last].version,
            discovered.migrations[last].path,
            adopted.len() - recorded,
            discovered.migrations.len() - adopted.len(),
        ),
    )
}
