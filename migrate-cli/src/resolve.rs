//! `migrate resolve --applied V` / `--rolled-back V`: record how a person
//! resolved a failed or interrupted migration.

use migrate_runtime::Resolution;

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::migrations::{MigrationsArgs, embedded};
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// The migration's effect is complete in the database (finished by
    /// hand, or applied outside migrate): record it as applied.
    #[arg(
        long,
        value_name = "VERSION",
        conflicts_with = "rolled_back",
        required_unless_present = "rolled_back"
    )]
    applied: Option<String>,
    /// The migration's effect was undone (or never happened): forget it, so
    /// that the next deploy applies it again.
    #[arg(long, value_name = "VERSION")]
    rolled_back: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let (version, resolution) = match (&args.applied, &args.rolled_back) {
        (Some(version), None) => (version, Resolution::Applied),
        (None, Some(version)) => (version, Resolution::RolledBack),
        _ => return Err(Failure::usage("give one of --applied or --rolled-back")),
    };
    let discovered = args.migrations.discover()?;
    let migrations = embedded(&discovered.migrations, None);
    let mut client = args.database.connect()?;
    args.database
        .runner(&migrations)?
        .resolve(&mut client, version, resolution)?;
    print(&match resolution {
        Resolution::Applied => format!("migration {version} recorded as applied\n"),
        _ => format!("migration {version} forgotten: the next deploy applies it again\n"),
    })
}
