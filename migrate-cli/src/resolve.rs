//! `migrate resolve`: record how a person resolved a migration.
//!
//! - `--applied V`: a failed or interrupted migration was finished by hand
//!   (or applied outside migrate); on a migration recorded as applied
//!   already it says so, and names `--accept-checksum` when its file was
//!   edited since.
//! - `--rolled-back V`: its effect was undone; the fold checks that what V
//!   created is gone from the database and names what is left (`--force`
//!   forgets it anyway).
//! - `--accept-checksum V`: V's file was edited after it was applied, in a
//!   way that matches the database (a comment, a fix also made by hand):
//!   record the file's checksum, with who accepted it and when, as Flyway's
//!   `repair` does.

use migrate_build::fold::Folder;
use migrate_core::{Name, Schema};
use migrate_runtime::Resolution;
use migrate_runtime::introspect::{IntrospectOptions, introspect};

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::migrations::{MigrationsArgs, embedded, position};

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("how").required(true).args(["applied", "rolled_back", "accept_checksum"])))]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// The migration's effect is complete in the database (finished by
    /// hand, or applied outside migrate): record it as applied.
    #[arg(long, value_name = "VERSION")]
    applied: Option<String>,
    /// The migration's effect was undone (or never happened): forget it, so
    /// that the next deploy applies it again. Refused while what it created
    /// is still in the database, unless --force.
    #[arg(long, value_name = "VERSION")]
    rolled_back: Option<String>,
    /// The migration's file was edited after it was applied, and the edit
    /// matches the database: record the file's checksum (who and when are
    /// recorded too).
    #[arg(long, value_name = "VERSION")]
    accept_checksum: Option<String>,
    /// With --rolled-back: forget the migration even though what it
    /// created is still there.
    #[arg(long, requires = "rolled_back")]
    force: bool,
    /// Print one JSON document instead of a sentence.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let (version, resolution) = match (&args.applied, &args.rolled_back, &args.accept_checksum) {
        (Some(version), None, None) => (version, Resolution::Applied),
        (None, Some(version), None) => (version, Resolution::RolledBack),
        (None, None, Some(version)) => (version, Resolution::AcceptChecksum),
        _ => {
            return Err(Failure::usage(
                "give one of --applied, --rolled-back or --accept-checksum",
            ));
        }
    };
    let discovered = args.migrations.discover()?;
    let migrations = embedded(&discovered.migrations, None);
    let mut client = args.database.connect()?;
    let runner = args.database.runner(&migrations)?;
    let history = runner.history(&mut client)?;
    let recorded = history.iter().find(|entry| &entry.version == version);
    let file = discovered.migrations.iter().find(|m| &m.version == version);
    match resolution {
        Resolution::Applied => {
            if let Some(entry) = recorded.filter(|entry| entry.success) {
                let when = entry
                    .finished_at
                    .as_deref()
                    .map(|at| format!(" (finished at {at})"))
                    .unwrap_or_default();
                return match file.filter(|file| file.checksum != entry.checksum) {
                    None => crate::output::result(
                        args.json,
                        serde_json::json!({"version": version, "resolution": "applied", "changed": false}),
                        &format!(
                            "migration {version} is already recorded as applied{when}: nothing changed\n"
                        ),
                    ),
                    Some(_) => Err(Failure::new(format_args!(
                        "migration {version} is already recorded as applied{when}, but its file was edited since: if the edit matches what the database holds (a comment, a fix also made by hand), record the file's checksum with `migrate resolve --accept-checksum {version}`; otherwise restore the file and add a new migration for the change"
                    ))),
                };
            }
        }
        Resolution::AcceptChecksum => {
            let Some(entry) = recorded.filter(|entry| entry.success) else {
                return Err(Failure::new(format_args!(
                    "migration {version} is not recorded as applied: there is no checksum to replace (`migrate status` shows where it stands)"
                )));
            };
            let Some(file) = file else {
                return Err(Failure::usage(format_args!(
                    "no migration file has version {version}"
                )));
            };
            if file.checksum == entry.checksum {
                return crate::output::result(
                    args.json,
                    serde_json::json!({"version": version, "resolution": "accept-checksum", "changed": false}),
                    &format!(
                        "migration {version} is recorded with its file's checksum already: nothing changed\n"
                    ),
                );
            }
        }
        Resolution::RolledBack if !args.force => {
            let index = position(&discovered.migrations, version)?;
            let left = left_behind(&discovered.migrations, index, &mut client, &args.database)?;
            if !left.is_empty() {
                return Err(Failure::new(format_args!(
                    "what migration {version} created is still in the database: {}; undo it first (`migrate rollback-sql {version}` prints the SQL), or run `migrate resolve --applied {version}` if its effect is complete (--force forgets it anyway)",
                    left.join(", ")
                )));
            }
        }
        _ => {}
    }
    runner.resolve(&mut client, version, resolution)?;
    let word = match resolution {
        Resolution::Applied => "applied",
        Resolution::AcceptChecksum => "accept-checksum",
        _ => "rolled-back",
    };
    let sentence = match resolution {
        Resolution::Applied => format!("migration {version} recorded as applied\n"),
        Resolution::AcceptChecksum => {
            let (by, at) = accepted_by(&mut client, &args.database, version)?;
            format!(
                "migration {version}: its file's checksum is recorded in place of the applied one, accepted by {by} at {at}\n"
            )
        }
        _ => format!("migration {version} forgotten: the next deploy applies it again\n"),
    };
    crate::output::result(
        args.json,
        serde_json::json!({"version": version, "resolution": word, "changed": true}),
        &sentence,
    )
}

/// Who accepted migration `version`'s checksum, and when.
fn accepted_by(
    client: &mut postgres::Client,
    database: &DatabaseArgs,
    version: &str,
) -> Result<(String, String), Failure> {
    let name = database.history_name()?;
    let row = client
        .query_one(
            &format!(
                "SELECT checksum_accepted_by, checksum_accepted_at::text FROM {} WHERE version = $1",
                name
            ),
            &[&version],
        )
        .map_err(|error| Failure::new(format_args!("cannot read the history table: {error}")))?;
    Ok((
        row.get::<_, Option<String>>(0).unwrap_or_default(),
        row.get::<_, Option<String>>(1).unwrap_or_default(),
    ))
}

/// What migration `index` created (by the fold: in the schema after it,
/// not before) that the database still holds: tables, columns, indexes,
/// types, sequences.
fn left_behind(
    migrations: &[migrate_core::Migration],
    index: usize,
    client: &mut postgres::Client,
    database: &DatabaseArgs,
) -> Result<Vec<String>, Failure> {
    let mut folder = Folder::new();
    for migration in &migrations[..index] {
        folder.apply(migration);
    }
    let before = folder.schema().clone();
    folder.apply(&migrations[index]);
    let after = folder.schema();
    let live = introspect(
        client,
        &IntrospectOptions::default().exclude(database.history_name()?),
    )?;
    Ok(created(&before, after)
        .into_iter()
        .filter(|object| object.present_in(&live))
        .map(|object| object.to_string())
        .collect())
}

/// Something a migration created.
enum Created {
    Relation(Name),
    Column(Name, String),
    Index(Name),
    Type(Name),
    Sequence(Name),
}

impl Created {
    fn present_in(&self, live: &Schema) -> bool {
        match self {
            Created::Relation(name) => live.relations.contains_key(name),
            Created::Column(table, column) => live
                .relations
                .get(table)
                .is_some_and(|relation| relation.column(column).is_some()),
            Created::Index(name) => live.indexes.contains_key(name),
            Created::Type(name) => live.types.contains_key(name),
            Created::Sequence(name) => live.sequences.contains_key(name),
        }
    }
}

impl std::fmt::Display for Created {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Created::Relation(name) => write!(f, "relation {name}"),
            Created::Column(table, column) => write!(f, "column {column} of {table}"),
            Created::Index(name) => write!(f, "index {name}"),
            Created::Type(name) => write!(f, "type {name}"),
            Created::Sequence(name) => write!(f, "sequence {name}"),
        }
    }
}

fn created(before: &Schema, after: &Schema) -> Vec<Created> {
    let mut found = Vec::new();
    for (name, relation) in &after.relations {
        match before.relations.get(name) {
            None => found.push(Created::Relation(name.clone())),
            Some(old) => {
                for column in &relation.columns {
                    if old.column(&column.name).is_none() {
                        found.push(Created::Column(name.clone(), column.name.clone()));
                    }
                }
            }
        }
    }
    // An index or an owned sequence of a new table goes with it.
    let new_table = |table: &Name| !before.relations.contains_key(table);
    for (name, index) in &after.indexes {
        if !before.indexes.contains_key(name) && !new_table(&index.table) {
            found.push(Created::Index(name.clone()));
        }
    }
    for name in after.types.keys() {
        if !before.types.contains_key(name) {
            found.push(Created::Type(name.clone()));
        }
    }
    for (name, sequence) in &after.sequences {
        let owned_by_new_table = sequence
            .owned_by
            .as_ref()
            .is_some_and(|(table, _)| new_table(table));
        if !before.sequences.contains_key(name) && !owned_by_new_table {
            found.push(Created::Sequence(name.clone()));
        }
    }
    found
}
