//! `migrate sqlx-prepare [--check]`: sqlx's offline cache (`.sqlx/`)
//! written from the migrations, with no database.
//!
//! The parts, in the order data meets them:
//! - `mod.rs`: the workspace's packages (`cargo metadata`), each package's
//!   migrations folded (its `[package.metadata.migrate]`, else
//!   `migrations/` beside its `Cargo.toml`, as every other command finds
//!   them), each query described by the analyzer, and the cache directory
//!   written or, with `--check`, compared.
//! - `scan.rs`: the sqlx query macro calls of a package's Rust sources and
//!   their SQL, as sqlx's macros read it.
//! - `format.rs`: sqlx 0.8's file format and its names of types.
//! - `nullability.rs`: sqlx's own nullability rule, for `--nullability sqlx`.
//!
//! Where the files go follows where sqlx looks for them: `SQLX_OFFLINE_DIR`
//! when set (sqlx reads it first), else the workspace root's `.sqlx` with
//! `--workspace` (as `cargo sqlx prepare --workspace`), else each package's
//! own `.sqlx` (as `cargo sqlx prepare` in the package's directory).

mod format;
mod nullability;
mod scan;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migrate_build::Diagnostic;
use migrate_build::analyze::{Described, describe};
use migrate_build::builder::{Start, fold_directory_from};
use migrate_core::Schema;
use serde_json::json;

use crate::Failure;
use crate::migrations::MigrationsArgs;
use crate::output::print;

use format::QueryData;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write nothing: exit 1 when the cache differs from what the
    /// migrations give (a query missing or described otherwise, or an
    /// entry no query uses), listing each difference. For CI.
    #[arg(long)]
    check: bool,
    /// Write every package's queries into the workspace root's `.sqlx`
    /// (as `cargo sqlx prepare --workspace`) instead of each package's own.
    #[arg(long)]
    workspace: bool,
    /// Whose nullability goes into the cache: `migrate` (what the
    /// migrations prove: a column sqlx leaves unknown may be known
    /// non-null, so an `Option` goes away) or `sqlx` (sqlx's own rule:
    /// table columns by their NOT NULL, the inner side of outer joins
    /// nullable, every other expression unknown).
    #[arg(long, value_enum, default_value = "migrate")]
    nullability: Nullability,
    /// Print the result as one JSON document: counts, `problems` (file,
    /// line, column, severity, message, help) and, with --check,
    /// `differences` (file, kind: missing, differs or unused).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    migrations: MigrationsArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Nullability {
    /// What the migrations prove (an `Option` goes away where sqlx cannot tell).
    Migrate,
    /// sqlx's own rule: table columns by NOT NULL, outer joins, else unknown.
    Sqlx,
}

/// One workspace package with query macros.
struct Package {
    name: String,
    dir: PathBuf,
    scan: scan::Scan,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let here = std::env::current_dir().map_err(|error| {
        Failure::usage(format_args!("cannot read the current directory: {error}"))
    })?;
    let metadata = cargo_metadata::MetadataCommand::new()
        .current_dir(&here)
        .no_deps()
        .other_options(vec!["--offline".to_owned()])
        .exec()
        .map_err(|error| {
            Failure::usage(format_args!(
                "sqlx-prepare runs in a Cargo package or workspace: {error}"
            ))
        })?;
    let workspace_root = metadata.workspace_root.clone().into_std_path_buf();
    let mut packages: Vec<Package> = metadata
        .workspace_packages()
        .into_iter()
        .map(|package| {
            let dir = package
                .manifest_path
                .parent()
                .map(|dir| dir.as_std_path().to_path_buf())
                .unwrap_or_default();
            Package {
                name: package.name.to_string(),
                scan: scan::scan_package(&dir),
                dir,
            }
        })
        .collect();
    packages.sort_by(|a, b| a.dir.cmp(&b.dir));
    let offline_dir = offline_dir(&workspace_root);
    let out_dir = |package: &Package| match (&offline_dir, args.workspace) {
        (Some(dir), _) => dir.clone(),
        (None, true) => workspace_root.join(".sqlx"),
        (None, false) => package.dir.join(".sqlx"),
    };

    let mut report = Report::default();
    // Cache directory -> file name -> contents.
    let mut caches: BTreeMap<PathBuf, BTreeMap<String, String>> = BTreeMap::new();
    let mut folds: BTreeMap<PathBuf, Schema> = BTreeMap::new();
    for package in &packages {
        let dir = out_dir(package);
        let cache = caches.entry(dir.clone()).or_default();
        for skipped in &package.scan.skipped {
            report.problems.push(Problem {
                file: shown(&skipped.file),
                line: skipped.line,
                column: skipped.column,
                error: false,
                message: format!("query macro not prepared: {}", skipped.reason),
                help: None,
                note: None,
            });
        }
        if package.scan.calls.is_empty() {
            continue;
        }
        let migrations_dir = migrations_dir(&args.migrations, package)?;
        if !folds.contains_key(&migrations_dir) {
            let schema = fold(&args.migrations, package, &migrations_dir)?;
            folds.insert(migrations_dir.clone(), schema);
        }
        let schema = &folds[&migrations_dir];
        for call in &package.scan.calls {
            match describe(schema, &call.sql) {
                Ok(described) => {
                    for warning in &described.warnings {
                        report.problems.push(locate(call, warning));
                    }
                    let data = query_data(schema, &call.sql, &described, args.nullability);
                    cache.insert(data.file_name(), data.to_json());
                }
                Err(errors) => {
                    for error in &errors {
                        report.problems.push(locate(call, error));
                    }
                }
            }
        }
        report.n_queries += package.scan.calls.len();
    }

    let mut differences = Vec::new();
    for (dir, wanted) in &caches {
        let present = present_files(dir);
        if wanted.is_empty() && present.is_empty() {
            continue;
        }
        if args.check {
            differences.extend(compare(dir, wanted, &present));
        } else {
            write(dir, wanted, &present, &mut report)?;
        }
    }

    let n_errors = report.problems.iter().filter(|p| p.error).count();
    let n_entries: usize = caches.values().map(BTreeMap::len).sum();
    if args.json {
        let problems: Vec<_> = report.problems.iter().map(Problem::json).collect();
        let listed: Vec<_> = differences
            .iter()
            .map(|(file, kind)| json!({ "file": file, "kind": kind }))
            .collect();
        let mut fields = json!({
            "queries": report.n_queries,
            "entries": n_entries,
            "errors": n_errors,
            "problems": problems,
        });
        if args.check {
            fields["differences"] = json!(listed);
        } else {
            fields["changed"] = json!(report.n_changed);
            fields["removed"] = json!(report.n_removed);
        }
        print(&crate::output::json_document(fields))?;
    } else {
        print(&summary(&args, &report, &differences, n_entries, n_errors))?;
    }
    if n_errors > 0 || !differences.is_empty() {
        return Err(Failure::findings());
    }
    Ok(())
}

/// The problems, the differences and a closing count, one per line.
fn summary(
    args: &Args,
    report: &Report,
    differences: &[(String, &str)],
    n_entries: usize,
    n_errors: usize,
) -> String {
    let mut text = String::new();
    for problem in &report.problems {
        text.push_str(&problem.line());
        text.push('\n');
    }
    for (file, kind) in differences {
        let words = match *kind {
            "missing" => "missing",
            "differs" => "differs from what the migrations give",
            _ => "no query uses it",
        };
        text.push_str(&format!("{file}: {words}\n"));
    }
    let verb = if args.check { "checked" } else { "written" };
    text.push_str(&format!(
        "{} quer{} found, {n_entries} cache entr{} {verb}, {} error{}",
        report.n_queries,
        if report.n_queries == 1 { "y" } else { "ies" },
        if n_entries == 1 { "y" } else { "ies" },
        n_errors,
        if n_errors == 1 { "" } else { "s" },
    ));
    if args.check {
        text.push_str(&format!(
            ", {} difference{}",
            differences.len(),
            if differences.len() == 1 { "" } else { "s" }
        ));
    } else {
        text.push_str(&format!(
            " ({} changed, {} removed)",
            report.n_changed, report.n_removed
        ));
    }
    text.push('\n');
    text
}

#[derive(Default)]
struct Report {
    problems: Vec<Problem>,
    n_queries: usize,
    n_changed: usize,
    n_removed: usize,
}

/// A diagnostic located in a Rust or SQL file.
struct Problem {
    file: String,
    line: usize,
    column: usize,
    error: bool,
    message: String,
    help: Option<String>,
    note: Option<String>,
}

impl Problem {
    /// `file:line:col: message`, as `migrate check` prints it.
    fn line(&self) -> String {
        let mut line = format!("{}:{}:{}: ", self.file, self.line, self.column);
        if !self.error {
            line.push_str("warning: ");
        }
        line.push_str(&self.message);
        if let Some(help) = &self.help {
            line.push_str(&format!(" (help: {help})"));
        }
        if let Some(note) = &self.note {
            line.push_str(&format!(" ({note})"));
        }
        line
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "severity": if self.error { "error" } else { "warning" },
            "message": self.message,
            "help": self.help,
            "note": self.note,
        })
    }
}

/// `SQLX_OFFLINE_DIR` from the environment, else from the workspace's
/// `.env`, as sqlx reads it; relative to the workspace root, where Cargo
/// runs the compiler.
fn offline_dir(workspace_root: &Path) -> Option<PathBuf> {
    let value = std::env::var("SQLX_OFFLINE_DIR").ok().or_else(|| {
        dotenvy::from_path_iter(workspace_root.join(".env"))
            .ok()?
            .flatten()
            .find(|(key, _)| key == "SQLX_OFFLINE_DIR")
            .map(|(_, value)| value)
    })?;
    (!value.is_empty()).then(|| workspace_root.join(value))
}

/// The package's migrations directory: the flag, else its migrate
/// metadata, else `migrations/` beside its `Cargo.toml` (sqlx's default).
fn migrations_dir(args: &MigrationsArgs, package: &Package) -> Result<PathBuf, Failure> {
    if let Some(dir) = &args.migrations {
        return Ok(dir.clone());
    }
    let config = migrate_build::config::read(&package.dir)?;
    let dir = config
        .migrations
        .unwrap_or_else(|| package.dir.join("migrations"));
    if !dir.is_dir() {
        return Err(Failure::usage(format_args!(
            "package {} has sqlx queries but no migrations directory: {} does not exist (set `migrations` in [package.metadata.migrate] or pass --migrations)",
            package.name,
            shown(&dir)
        )));
    }
    Ok(dir)
}

/// Folds the package's migrations; warnings go to stderr, errors fail.
fn fold(args: &MigrationsArgs, package: &Package, dir: &Path) -> Result<Schema, Failure> {
    let (layout, start) = if args.migrations.is_some() {
        (args.layout, args.start()?)
    } else {
        let config = migrate_build::config::read(&package.dir)?;
        (
            args.layout.or(config.layout),
            Start {
                tool: args.tool.or(config.tool),
                assumed: args.assumed.clone().or(config.assumed),
            },
        )
    };
    let folded = fold_directory_from(dir, layout, &start, Path::new(""))?;
    for warning in &folded.warnings {
        eprintln!("{}\n", crate::migrations::render(warning, dir));
    }
    Ok(folded.schema)
}

/// The cache entry of a described query.
fn query_data(
    schema: &Schema,
    sql: &str,
    described: &Described,
    nullability: Nullability,
) -> QueryData {
    let columns = described
        .columns
        .iter()
        .enumerate()
        .map(|(ordinal, column)| format::Column {
            ordinal,
            name: column.label.clone(),
            type_info: format::type_info(schema, &column.ty),
        })
        .collect();
    let nullable = match nullability {
        Nullability::Migrate => described
            .columns
            .iter()
            .map(|column| Some(column.nullable))
            .collect(),
        Nullability::Sqlx => nullability::sqlx_nullable(schema, described),
    };
    QueryData::new(
        sql,
        format::Describe {
            columns,
            parameters: format::Parameters::Left(
                described
                    .params
                    .iter()
                    .map(|ty| format::type_info(schema, ty))
                    .collect(),
            ),
            nullable,
        },
    )
}

/// A diagnostic of a query at its place in the Rust file (or in the SQL
/// file of a `query_file!`).
fn locate(call: &scan::Call, diagnostic: &Diagnostic) -> Problem {
    let (sql_line, sql_column) = diagnostic.line_col(&call.sql);
    let (file, line, column, place) = match &call.origin {
        scan::Origin::Literal {
            opening: Some(opening),
        } => {
            let column = if sql_line == 1 {
                call.column + opening + sql_column - 1
            } else {
                sql_column
            };
            (shown(&call.file), call.line + sql_line - 1, column, None)
        }
        scan::Origin::Literal { opening: None } => (
            shown(&call.file),
            call.line,
            call.column,
            Some(format!(
                "at line {sql_line}, column {sql_column} of the query"
            )),
        ),
        scan::Origin::File(path) => (
            shown(path),
            sql_line,
            sql_column,
            Some(format!(
                "in the query_file! at {}:{}",
                shown(&call.file),
                call.line
            )),
        ),
    };
    let note = match (&diagnostic.note, place) {
        (Some(note), Some(place)) => Some(format!("note: {note}; {place}")),
        (Some(note), None) => Some(format!("note: {note}")),
        (None, place) => place,
    };
    Problem {
        file,
        line,
        column,
        error: diagnostic.is_error(),
        message: diagnostic.message.clone(),
        help: diagnostic.help.clone(),
        note,
    }
}

/// The `query-*.json` files in `dir` (sqlx's own pattern: other files are
/// the user's and left alone).
fn present_files(dir: &Path) -> BTreeMap<String, PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            (name.starts_with("query-") && name.ends_with(".json")).then(|| (name, entry.path()))
        })
        .collect()
}

/// `--check`: each entry missing, differing (compared as JSON, as
/// `cargo sqlx prepare --check` compares) or unused.
fn compare(
    dir: &Path,
    wanted: &BTreeMap<String, String>,
    present: &BTreeMap<String, PathBuf>,
) -> Vec<(String, &'static str)> {
    let mut differences = Vec::new();
    for (name, contents) in wanted {
        let path = dir.join(name);
        match present.get(name) {
            None => differences.push((shown(&path), "missing")),
            Some(path) => {
                let old: Option<serde_json::Value> = std::fs::read_to_string(path)
                    .ok()
                    .and_then(|text| serde_json::from_str(&text).ok());
                let new: Option<serde_json::Value> = serde_json::from_str(contents).ok();
                if old != new {
                    differences.push((shown(path), "differs"));
                }
            }
        }
    }
    for (name, path) in present {
        if !wanted.contains_key(name) {
            differences.push((shown(path), "unused"));
        }
    }
    differences
}

/// Writes the entries that changed and removes those no query uses.
fn write(
    dir: &Path,
    wanted: &BTreeMap<String, String>,
    present: &BTreeMap<String, PathBuf>,
    report: &mut Report,
) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|error| Failure::new(format_args!("cannot create {}: {error}", shown(dir))))?;
    for (name, contents) in wanted {
        let path = dir.join(name);
        if std::fs::read_to_string(&path).is_ok_and(|old| &old == contents) {
            continue;
        }
        std::fs::write(&path, contents).map_err(|error| {
            Failure::new(format_args!("cannot write {}: {error}", shown(&path)))
        })?;
        report.n_changed += 1;
    }
    for (name, path) in present {
        if !wanted.contains_key(name) {
            std::fs::remove_file(path).map_err(|error| {
                Failure::new(format_args!("cannot remove {}: {error}", shown(path)))
            })?;
            report.n_removed += 1;
        }
    }
    Ok(())
}

/// A path relative to the current directory when inside it.
fn shown(path: &Path) -> String {
    match std::env::current_dir() {
        Ok(here) => path
            .strip_prefix(&here)
            .unwrap_or(path)
            .display()
            .to_string(),
        Err(_) => path.display().to_string(),
    }
}
