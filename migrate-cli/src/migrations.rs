//! What every subcommand that reads migration files shares: where they are,
//! their layout, and folding them with the diagnostics shown to the user.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use migrate_build::Diagnostic;
use migrate_build::builder::{FoldedDirectory, Start, fold_directory_from};
use migrate_build::discover::Layout;
use migrate_build::prelude::Tool;
use migrate_core::Migration;
use migrate_runtime::Migrations;

use crate::Failure;

/// `--migrations DIR` and `--layout L`.
#[derive(Debug, clap::Args)]
pub struct MigrationsArgs {
    /// The migrations directory. Default: `migrations` of
    /// [package.metadata.migrate] (else [workspace.metadata.migrate]) in the
    /// Cargo.toml found from the current directory upward, else
    /// `migrations/` beside that Cargo.toml, else ./migrations.
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
    /// The tool whose layout the directory follows (sqlx, refinery, flyway,
    /// diesel, prisma, goose, dbmate); from Cargo.toml's `layout`, else
    /// detected, when not given.
    #[arg(long, value_name = "LAYOUT")]
    pub layout: Option<Layout>,
    /// The tool that applies the migrations, whose bookkeeping table exists
    /// before migration 1 (sqlx, refinery, flyway, diesel, prisma, goose,
    /// dbmate, or migrate for none but migrate's own); from Cargo.toml's
    /// `tool`, else the layout's, when not given.
    #[arg(long, value_name = "TOOL")]
    pub tool: Option<Tool>,
    /// The assumed-objects file: SQL stating what the migrations use and
    /// never create, folded before migration 1, never applied, never
    /// compared for drift. Default: `assumed` of Cargo.toml.
    #[arg(long, value_name = "FILE")]
    pub assumed: Option<PathBuf>,
}

impl MigrationsArgs {
    /// The migrations directory: the flag, else the project's (see the
    /// flag's help).
    pub fn dir(&self) -> Result<PathBuf, Failure> {
        if let Some(dir) = &self.migrations {
            return Ok(dir.clone());
        }
        Ok(project_migrations_dir(project()?))
    }

    /// The layout: the flag, else the project's `layout` (unless the
    /// directory was named by flag too), else detected.
    pub fn layout(&self) -> Result<Option<Layout>, Failure> {
        if self.layout.is_some() || self.migrations.is_some() {
            return Ok(self.layout);
        }
        Ok(project()?.and_then(|project| project.config.layout))
    }

    /// Discovers and folds the migrations. Warnings are printed to stderr,
    /// rendered against their files; errors make the [`Failure`], every one
    /// of them rendered.
    pub fn fold(&self) -> Result<FoldedDirectory, Failure> {
        let dir = self.dir()?;
        let folded = fold_directory_from(&dir, self.layout()?, &self.start()?, Path::new(""))?;
        for warning in &folded.warnings {
            eprintln!("{}\n", render(warning, &dir));
        }
        Ok(folded)
    }
}

impl MigrationsArgs {
    /// What the fold starts from: the flags, else the project's `tool` and
    /// `assumed` (unless the directory was named by flag).
    pub fn start(&self) -> Result<Start, Failure> {
        let config = if self.migrations.is_some() {
            None
        } else {
            project()?.map(|project| &project.config)
        };
        Ok(Start {
            tool: self.tool.or(config.and_then(|config| config.tool)),
            assumed: self
                .assumed
                .clone()
                .or_else(|| config.and_then(|config| config.assumed.clone())),
        })
    }

    /// The tool whose bookkeeping table the runtime creates before
    /// migration 1, for a directory of `layout`.
    pub fn tool_for(&self, layout: Layout) -> Result<Tool, Failure> {
        Ok(self.start()?.tool.unwrap_or(Tool::of_layout(layout)))
    }
}

/// The Cargo project the command runs in: the nearest `Cargo.toml` from the
/// current directory upward, and its `migrate` metadata (with its
/// workspace's), read once.
pub struct Project {
    /// The directory of that `Cargo.toml`.
    pub root: PathBuf,
    pub config: migrate_build::config::Config,
}

/// The project of the current directory, `None` outside any Cargo package.
pub fn project() -> Result<Option<&'static Project>, Failure> {
    static PROJECT: OnceLock<Result<Option<Project>, String>> = OnceLock::new();
    let found = PROJECT.get_or_init(|| {
        let Ok(here) = std::env::current_dir() else {
            return Ok(None);
        };
        let Some(root) = here
            .ancestors()
            .find(|dir| dir.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
        else {
            return Ok(None);
        };
        let config = migrate_build::config::read(&root).map_err(|error| error.to_string())?;
        Ok(Some(Project { root, config }))
    });
    match found {
        Ok(project) => Ok(project.as_ref()),
        Err(message) => Err(Failure::usage(message)),
    }
}

/// The project's migrations directory, shown relative to the current
/// directory when inside it.
pub fn project_migrations_dir(project: Option<&Project>) -> PathBuf {
    let Some(project) = project else {
        return PathBuf::from("migrations");
    };
    let dir = project
        .config
        .migrations
        .clone()
        .unwrap_or_else(|| project.root.join("migrations"));
    match std::env::current_dir() {
        Ok(here) => match dir.strip_prefix(&here) {
            Ok(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
            Ok(relative) => relative.to_path_buf(),
            Err(_) => dir,
        },
        Err(_) => dir,
    }
}

/// A diagnostic of a migration file rendered against that file, its path
/// shown as the user named the directory.
pub fn render(diagnostic: &Diagnostic, dir: &Path) -> String {
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
            &self.dir()?,
            self.layout()?,
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
/// A snapshot with nothing but what the runtime creates before migration
/// 1: `tool`'s bookkeeping table, as the fold assumed it.
pub fn bookkeeping_snapshot(tool: Tool) -> migrate_core::Schema {
    let mut schema = migrate_core::Schema::new();
    schema.prelude.bookkeeping_sql = tool.sql().to_owned();
    schema
}

pub fn embedded(migrations: &[Migration], schema: Option<&migrate_core::Schema>) -> Migrations {
    let schema_json = schema
        .and_then(|schema| serde_json::to_string(schema).ok())
        .unwrap_or_else(|| "{}".to_owned());
    Migrations::leak(migrations, &schema_json)
}
