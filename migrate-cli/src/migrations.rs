//! What every subcommand that reads migration files shares: where they are,
//! their layout, and folding them with the diagnostics shown to the user.

use std::path::{Path, PathBuf};

use migrate_build::Diagnostic;
use migrate_build::builder::{FoldedDirectory, fold_directory};
use migrate_build::discover::Layout;

use crate::Failure;

/// `--migrations DIR` and `--layout L`.
#[derive(Debug, clap::Args)]
pub struct MigrationsArgs {
    /// The migrations directory.
    #[arg(long, value_name = "DIR", default_value = "migrations")]
    pub migrations: PathBuf,
    /// The tool whose layout the directory follows (sqlx, refinery, flyway,
    /// diesel, prisma, goose, dbmate); detected when not given.
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<Layout>,
}

impl MigrationsArgs {
    /// Discovers and folds the migrations. Warnings are printed to stderr,
    /// rendered against their files; errors make the [`Failure`], every one
    /// of them rendered.
    pub fn fold(&self) -> Result<FoldedDirectory, Failure> {
        let folded = fold_directory(&self.migrations, self.layout, Path::new(""))?;
        for warning in &folded.warnings {
            eprintln!("{}\n", render(warning, &self.migrations));
        }
        Ok(folded)
    }
}

/// A diagnostic of a migration file rendered against that file, its path
/// shown as the user named the directory.
fn render(diagnostic: &Diagnostic, dir: &Path) -> String {
    let Some(file) = &diagnostic.file else {
        return diagnostic.to_string();
    };
    let path = dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(source) => diagnostic.clone().in_file(path).render(&source),
        Err(_) => format!("{}: {diagnostic}", path.display()),
    }
}
