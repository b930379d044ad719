//! `migrate database create|drop` and `migrate reset`: the database itself,
//! for development.
//!
//! Each connects to the server's `postgres` database (the URL with its
//! database swapped) to create or drop the URL's database. `drop` and
//! `reset` refuse a server that is not on this machine (localhost, a
//! loopback address or a Unix socket) unless `--force`: they are for
//! development databases.

use migrate_runtime::DriftPolicy;

use crate::Failure;
use crate::db::{DatabaseArgs, connect, redact_url};
use crate::migrations::{MigrationsArgs, bookkeeping_snapshot, embedded};
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, clap::Subcommand)]
enum Action {
    /// Create the URL's database (nothing to do when it exists).
    Create(Target),
    /// Drop the URL's database, closing its connections (nothing to do when
    /// it does not exist).
    Drop(Target),
}

#[derive(Debug, clap::Args)]
pub struct Target {
    #[command(flatten)]
    database: DatabaseArgs,
    /// Also on a server that is not on this machine.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
pub struct ResetArgs {
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Also on a server that is not on this machine.
    #[arg(long)]
    force: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    match args.action {
        Action::Create(target) => {
            let url = target.database.url()?;
            let created = create_database(&url)?;
            print(&format!(
                "{} {}\n",
                if created {
                    "created database"
                } else {
                    "database exists already:"
                },
                database_name(&url)?
            ))
        }
        Action::Drop(target) => {
            let url = target.database.url()?;
            refuse_remote(&url, target.force, "drop")?;
            let dropped = drop_database(&url)?;
            print(&format!(
                "{} {}\n",
                if dropped {
                    "dropped database"
                } else {
                    "no database to drop:"
                },
                database_name(&url)?
            ))
        }
    }
}

/// `migrate reset`: drop the database, create it, apply every migration.
pub fn reset(args: ResetArgs) -> Result<(), Failure> {
    let url = args.database.url()?;
    refuse_remote(&url, args.force, "reset")?;
    // The migrations are read (and folded) before anything is dropped.
    let folded = args.migrations.fold()?;
    let name = database_name(&url)?;
    drop_database(&url)?;
    create_database(&url)?;
    let snapshot = bookkeeping_snapshot(args.migrations.tool_for(folded.layout)?);
    let migrations = embedded(&folded.migrations, Some(&snapshot));
    let mut client = connect(&url)?;
    let report = args
        .database
        .runner(&migrations)?
        .drift(DriftPolicy::Off)
        .run(&mut client)?;
    print(&format!(
        "database {name} dropped, created, and {} migration{} applied\n",
        report.applied.len(),
        if report.applied.len() == 1 { "" } else { "s" }
    ))
}

/// The URL's database name.
fn database_name(url: &str) -> Result<String, Failure> {
    let config: postgres::Config = url
        .parse()
        .map_err(|error| Failure::usage(format_args!("cannot read the database URL: {error}")))?;
    config
        .get_dbname()
        .or(config.get_user())
        .map(str::to_owned)
        .ok_or_else(|| Failure::usage("the database URL names no database"))
}

/// Refuses `what` on a server that is not on this machine, unless `force`.
fn refuse_remote(url: &str, force: bool, what: &str) -> Result<(), Failure> {
    if force {
        return Ok(());
    }
    let config: postgres::Config = url
        .parse()
        .map_err(|error| Failure::usage(format_args!("cannot read the database URL: {error}")))?;
    let local = config.get_hosts().iter().all(|host| match host {
        postgres::config::Host::Tcp(name) => {
            name == "localhost"
                || name
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|address| address.is_loopback())
        }
        #[cfg(unix)]
        postgres::config::Host::Unix(_) => true,
    });
    if local {
        return Ok(());
    }
    Err(Failure::usage(format_args!(
        "refusing to {what} a database on another machine ({}): `migrate {what}` is for development databases; add --force if you mean it",
        redact_url(url)
    )))
}

/// A connection to the server's maintenance database.
fn maintenance(url: &str) -> Result<postgres::Client, Failure> {
    connect(&with_database(url, "postgres"))
}

/// Whether the server holds a database of that name.
fn database_exists(admin: &mut postgres::Client, name: &str) -> Result<bool, Failure> {
    admin
        .query_opt(
            "SELECT 1 FROM pg_catalog.pg_database WHERE datname = $1",
            &[&name],
        )
        .map(|row| row.is_some())
        .map_err(|error| Failure::usage(format_args!("cannot list the databases: {error}")))
}

/// Creates the URL's database; false when it exists.
fn create_database(url: &str) -> Result<bool, Failure> {
    let name = database_name(url)?;
    let mut admin = maintenance(url)?;
    if database_exists(&mut admin, &name)? {
        return Ok(false);
    }
    admin
        .batch_execute(&format!("CREATE DATABASE {}", quote(&name)))
        .map_err(|error| {
            Failure::new(format_args!(
                "cannot create database {name}: {}",
                message(&error)
            ))
        })?;
    Ok(true)
}

/// Drops the URL's database, closing its connections; false when there was none.
fn drop_database(url: &str) -> Result<bool, Failure> {
    let name = database_name(url)?;
    let mut admin = maintenance(url)?;
    if !database_exists(&mut admin, &name)? {
        return Ok(false);
    }
    admin
        .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", quote(&name)))
        .map_err(|error| {
            Failure::new(format_args!(
                "cannot drop database {name}: {}",
                message(&error)
            ))
        })?;
    Ok(true)
}

fn message(error: &postgres::Error) -> String {
    error
        .as_db_error()
        .map_or_else(|| error.to_string(), |db| db.message().to_owned())
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `url` with its database replaced by `database` (URL or key=value form).
fn with_database(url: &str, database: &str) -> String {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = url
            .split_once('?')
            .map_or((url, None), |(b, q)| (b, Some(q)));
        let after_scheme = base.find("://").map_or(0, |i| i + 3);
        let base = match base[after_scheme..].find('/') {
            Some(slash) => &base[..after_scheme + slash],
            None => base,
        };
        return match query {
            Some(query) => format!("{base}/{database}?{query}"),
            None => format!("{base}/{database}"),
        };
    }
    let kept: Vec<&str> = url
        .split_whitespace()
        .filter(|setting| !setting.starts_with("dbname="))
        .collect();
    format!("{} dbname={database}", kept.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_maintenance_database_replaces_the_urls() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/app?sslmode=disable", "postgres"),
            "postgres://u:p@h:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            with_database("host=h dbname=app user=u", "postgres"),
            "host=h user=u dbname=postgres"
        );
        assert!(refuse_remote("postgres://u@db.example.com/app", false, "reset").is_err());
        assert!(refuse_remote("postgres://u@127.0.0.1/app", false, "reset").is_ok());
        assert!(refuse_remote("postgres://u@localhost/app", false, "reset").is_ok());
    }
}
