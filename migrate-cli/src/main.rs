//! The `migrate` command: the workflow around a project's migrations.
//!
//! ```text
//! migrate schema [--migrations DIR] [--layout L] [--format sql|json|tsv]
//! ```
//!
//! Each subcommand is a module of its own with an `Args` struct (its clap
//! arguments) and a `run(args) -> Result<(), Failure>` function; `main` only
//! parses the command line and turns a [`Failure`] into a message and an
//! exit code: 0 on success, 1 when the work failed (migrations that do not
//! fold, a missing directory), 2 for a usage error (clap's own exit code).

mod failure;
mod lint;
mod migrations;
mod output;
mod schema;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use failure::Failure;

/// Schema drift as a compile error: work with a project's migrations.
#[derive(Debug, Parser)]
#[command(name = "migrate", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the schema the migrations fold into, without a database.
    Schema(schema::Args),
    /// Flag migrations that break a running service (drops, renames, table
    /// rewrites, locks), each with the safe multi-step alternative.
    Lint(lint::Args),
}

fn main() -> ExitCode {
    // Usage errors exit with 2 here, `--help` and `--version` with 0.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Schema(args) => schema::run(args),
        Command::Lint(args) => lint::run(args),
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
