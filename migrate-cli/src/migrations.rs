//! What every subcommand that reads migration files shares: where they are,
//! their layout, and folding them with the diagnostics shown to the user.

use std::path::{Path, PathBuf};

use migrate_build::Diagnostic;
use migrate_build::builder::{FoldedDirectory, fold_directory};
use migrate_build::discover::Layout;
use migrate_core::Migration;
use migrate_runtime::Migrations;

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

impl MigrationsArgs {
    /// Discovers the migrations without folding them.
    pub fn discover(&self) -> Result<migrate_build::discover::Discovered, Failure> {
        Ok(migrate_build::discover::discover(
            &self.migrations,
            self.layout,
        )?)
    }
}

/// The index of migration `version` (as its file names it; for Prisma the
/// whole directory name, or its timestamp when that is unique).
pub fn position(migrations: &[Migration], version: &str) -> Result<usize, Failure> {
    if let Some(index) = migrations.iter().position(|m| m.version == version) {
        return Ok(index);
    }
    let prefixed: Vec<usize> = (0..migrations.len())
        .filter(|&index| {
            migrations[index]
                .version
                .strip_prefix(version)
                .is_some_and(|rest| rest.starts_with('_'))
        })
        .collect();
    if let [index] = prefixed.as_slice() {
        return Ok(*index);
    }
    let known: Vec<&str> = migrations.iter().map(|m| m.version.as_str()).collect();
    let help = strsim_closest(version, &known)
        .map(|closest| format!(" (did you mean {closest}?)"))
        .unwrap_or_default();
    Err(Failure::usage(format_args!(
        "no migration has version {version}{help}"
    )))
}

fn strsim_closest<'a>(version: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .copied()
        .filter(|candidate| candidate.contains(version) || version.contains(candidate))
        .min_by_key(|candidate| candidate.len().abs_diff(version.len()))
}

/// The migrations as the runtime takes them. The runtime's types hold
/// `&'static` data (a binary embeds them); a command runs once and exits,
/// so the strings are leaked rather than copied into a second model.
pub fn embedded(migrations: &[Migration], schema: Option<&migrate_core::Schema>) -> Migrations {
    let schema_json = schema
        .and_then(|schema| serde_json::to_string(schema).ok())
        .unwrap_or_else(|| "{}".to_owned());
    Migrations::leak(migrations, &schema_json)
}
