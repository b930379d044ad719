//! The `migrate` command: the workflow around a project's migrations.
//!
//! ```text
//! migrate new <name>
//! migrate schema [--format sql|json|tsv]
//! migrate check FILE.sql... [--describe | --json]
//! migrate status [--json]
//! migrate deploy [--target V] [--dry-run]
//! migrate drift [--json]
//! migrate diff --from <DIR|URL|empty> --to <DIR|URL>
//! migrate resolve --applied V | --rolled-back V
//! migrate baseline <V>
//! migrate rollback-sql [<V>] [--derive]
//! migrate reset [--force]
//! migrate database create|drop [--force]
//! migrate sqlx-prepare [--check] [--workspace] [--nullability migrate|sqlx]
//! migrate completions <SHELL>
//! ```
//!
//! Each subcommand is a module of its own with an `Args` struct (its clap
//! arguments) and a `run(args) -> Result<(), Failure>` function; `main` only
//! parses the command line and turns a [`Failure`] into a message and an
//! exit code: 0 on success, 1 for findings or failed work (drift, errors in
//! checked SQL, migrations not applied yet or that do not fold or fail to
//! apply), 2 for a usage
//! error or a database that cannot be reached. No message shows a password
//! (see `db.rs`).

mod baseline;
mod check;
mod database;
mod db;
mod deploy;
mod diff;
mod drift;
mod failure;
mod lint;
mod migrations;
mod new;
mod output;
mod resolve;
mod rollback;
mod schema;
mod sqlx;
mod status;
mod tls;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use failure::Failure;

/// The exit codes, shown by `--help` of the command and of each subcommand.
const EXIT_STATUS: &str = "Exit status: 0 when all is well; 1 for findings (drift, differences with --exit-code, errors in checked SQL or in the migrations, lint findings at the deny level, pending, running, failed, edited or missing migrations, steps that cannot be rolled back, a sqlx cache that differs under sqlx-prepare --check) or failed work; 2 for usage and setup errors (a bad argument, no migrations directory or an empty one, an unreadable file, a bad URL, a database that cannot be reached); 130 or 143 when interrupted by SIGINT or SIGTERM. No command prints a password.";

/// Schema drift as a compile error: work with a project's migrations.
///
/// Commands that use a database read --database-url, else DIRECT_URL, else
/// DATABASE_URL, from the environment or a .env file.
#[derive(Debug, Parser)]
#[command(
    name = "migrate",
    version,
    propagate_version = true,
    after_help = EXIT_STATUS
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an empty migration in the directory's layout and numbering.
    #[command(after_help = EXIT_STATUS)]
    New(new::Args),
    /// Print the schema the migrations fold into, without a database.
    #[command(after_help = EXIT_STATUS)]
    Schema(schema::Args),
    /// Flag migrations that break a running service (drops, renames, table
    /// rewrites, locks), each with the safe multi-step alternative.
    #[command(after_help = EXIT_STATUS)]
    Lint(lint::Args),
    /// Check the statements of SQL files against the migrations' schema.
    #[command(after_help = EXIT_STATUS)]
    Check(check::Args),
    /// Show each migration as applied, pending, failed, edited or missing;
    /// exit 1 unless all are applied.
    #[command(after_help = EXIT_STATUS)]
    Status(status::Args),
    /// Apply the pending migrations, one line per migration.
    #[command(after_help = EXIT_STATUS)]
    Deploy(deploy::Args),
    /// Compare the database with the migrations; exit 1 and print the SQL
    /// that removes the drift when they differ.
    #[command(after_help = EXIT_STATUS)]
    Drift(drift::Args),
    /// Print the SQL that turns one schema (migrations, database, empty)
    /// into another.
    #[command(after_help = EXIT_STATUS)]
    Diff(diff::Args),
    /// Record how a failed migration was resolved: applied or rolled back.
    #[command(after_help = EXIT_STATUS)]
    Resolve(resolve::Args),
    /// Adopt an existing database: record migrations up to a version as
    /// applied, after checking that the database matches them.
    #[command(after_help = EXIT_STATUS)]
    Baseline(baseline::Args),
    /// Print the SQL that undoes a migration, naming steps that lose data.
    #[command(name = "rollback-sql", after_help = EXIT_STATUS)]
    RollbackSql(rollback::Args),
    /// Drop the database, create it and apply every migration (for
    /// development: refuses a server on another machine without --force).
    #[command(after_help = EXIT_STATUS)]
    Reset(database::ResetArgs),
    /// Create or drop the database the URL names (for development).
    #[command(after_help = EXIT_STATUS)]
    Database(database::Args),
    /// Write sqlx's offline query cache (`.sqlx/`) from the migrations,
    /// with no database: every sqlx query macro of the workspace described.
    #[command(name = "sqlx-prepare", after_help = EXIT_STATUS)]
    SqlxPrepare(sqlx::Args),
    /// Print a shell's completion script for migrate (bash, zsh, fish,
    /// elvish, powershell): `migrate completions bash > /etc/bash_completion.d/migrate`.
    #[command(after_help = EXIT_STATUS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn main() -> ExitCode {
    // Usage errors exit with 2 here, `--help` and `--version` with 0.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::New(args) => new::run(args),
        Command::Schema(args) => schema::run(args),
        Command::Lint(args) => lint::run(args),
        Command::Check(args) => check::run(args),
        Command::Status(args) => status::run(args),
        Command::Deploy(args) => deploy::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Resolve(args) => resolve::run(args),
        Command::Baseline(args) => baseline::run(args),
        Command::RollbackSql(args) => rollback::run(args),
        Command::Reset(args) => database::reset(args),
        Command::Database(args) => database::run(args),
        Command::SqlxPrepare(args) => sqlx::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "migrate",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::Cli;

    #[test]
    fn command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
