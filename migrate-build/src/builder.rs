//! The build-script entry: find the migrations, fold them, write what the
//! macros and the runtime need into `OUT_DIR`.
//!
//! Output, all under `$OUT_DIR/migrate/`:
//! - `schema.json`: the folded [`Schema`] as JSON, which the query macros
//!   load once per compiler process;
//! - `schema.sha256`: its SHA-256 (with the mapped types'), which keys what
//!   the macros keep across rebuilds;
//! - `types.json`: the PostgreSQL types mapped to Rust types
//!   (`[package.metadata.migrate.types]`, [`Builder::rust_type`]);
//! - `embed.rs`: a Rust expression building
//!   `migrate::Migrations` (every migration's version, name, SQL, checksum
//!   and transaction mode, plus the schema), which `migrate::embed!()`
//!   includes.
//!
//! The helper prints `cargo:rerun-if-changed` for the migrations directory
//! (so that a new file is seen) and for every file in it, and
//! `cargo:rerun-if-env-changed` for every environment variable it reads.
//! Printing any rerun line replaces Cargo's default (rerun when any file of
//! the package changes): a build script that needs more must print its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use migrate_core::{Migration, Schema};

use crate::discover::{self, Layout};
use crate::prelude::{AssumedFile, Before, Tool};
use crate::{Diagnostic, Error, config, fold};

/// The directory under `OUT_DIR` the helper writes into.
pub const OUT_SUBDIR: &str = "migrate";

/// The file under [`OUT_SUBDIR`] that maps PostgreSQL types to Rust types:
/// a JSON object of type name to Rust type path.
pub const TYPES_FILE: &str = "types.json";

/// Folds the migrations of the package being built and writes the result into
/// `OUT_DIR`; for `build.rs`:
///
/// ```no_run
/// // The whole of `fn main()` in build.rs:
/// migrate_build::compile();
/// ```
///
/// The migrations directory is `[package.metadata.migrate] migrations`, else
/// `[workspace.metadata.migrate] migrations` (relative to the workspace
/// root), else `migrations/` next to `Cargo.toml`.
///
/// An empty migrations directory builds, with an empty schema, so that a
/// new project starts clean.
///
/// # Errors
///
/// When the migrations cannot be read or contain SQL PostgreSQL would
/// reject, the build fails with the full report (every error with its file,
/// line, column and carets) as Cargo's own errors (`cargo::error` lines, one
/// per line of the report), without a panic or a backtrace. Use
/// [`Builder::compile`] to handle the error yourself.
pub fn compile() {
    if let Err(error) = Builder::new().compile() {
        for line in cargo_error_lines(&error.to_string()) {
            println!("cargo::error={line}");
        }
    }
}

/// A report as the lines of `cargo::error` directives: Cargo puts
/// `error: <package>:` before each, so a line's own `error: ` goes, and
/// blank lines (which Cargo would show as empty errors) too. Every line
/// gets the same prefix, so the carets stay under what they point at.
fn cargo_error_lines(report: &str) -> Vec<&str> {
    report
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.strip_prefix("error: ").unwrap_or(line))
        .collect()
}

/// Options of the build helper.
///
/// ```no_run
/// fn main() -> Result<(), migrate_build::Error> {
///     migrate_build::Builder::new()
///         .migrations("db/migrations")
///         .layout(migrate_build::discover::Layout::Refinery)
///         .compile()?;
///     Ok(())
/// }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    migrations: Option<PathBuf>,
    layout: Option<Layout>,
    out_dir: Option<PathBuf>,
    manifest_dir: Option<PathBuf>,
    quiet: bool,
    /// Lint levels; `[package.metadata.migrate.lint]` when not given.
    lint: Option<crate::lint::LintConfig>,
    /// The tool that applies the migrations; `tool` of Cargo.toml, else the layout's.
    tool: Option<Tool>,
    /// The assumed-objects file; `assumed` of Cargo.toml when not given.
    assumed: Option<PathBuf>,
    /// PostgreSQL types mapped to Rust types, beside `[package.metadata.migrate.types]`.
    types: BTreeMap<String, String>,
}

/// What [`Builder::compile`] did.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Output {
    /// The migrations directory that was folded.
    pub migrations_dir: PathBuf,
    /// Its layout, as named or detected.
    pub layout: Layout,
    /// The migrations in apply order.
    pub migrations: Vec<Migration>,
    /// The schema they fold to.
    pub schema: Schema,
    /// Warnings of the fold (printed as `cargo:warning` lines).
    pub warnings: Vec<Diagnostic>,
    /// `$OUT_DIR/migrate/schema.json`.
    pub schema_path: PathBuf,
    /// `$OUT_DIR/migrate/embed.rs`.
    pub embed_path: PathBuf,
    /// Lint findings at the `warn` level (printed as `cargo:warning` lines);
    /// a finding at `deny` fails the build with [`Error::Lint`].
    pub lint_findings: Vec<crate::lint::Finding>,
}

impl Builder {
    pub fn new() -> Self {
        Self::default()
    }

    /// The migrations directory, relative to the package's directory
    /// (`CARGO_MANIFEST_DIR`) unless absolute. Overrides `Cargo.toml` metadata.
    pub fn migrations(mut self, dir: impl Into<PathBuf>) -> Self {
        self.migrations = Some(dir.into());
        self
    }

    /// The layout of the migrations directory; detected when not given.
    pub fn layout(mut self, layout: Layout) -> Self {
        self.layout = Some(layout);
        self
    }

    /// The tool that applies the migrations, whose bookkeeping table the
    /// fold starts from (see [`crate::prelude`]); the layout's tool when
    /// not given here nor in Cargo.toml.
    pub fn tool(mut self, tool: Tool) -> Self {
        self.tool = Some(tool);
        self
    }

    /// The assumed-objects file, relative to the package's directory unless
    /// absolute (see [`crate::prelude`]). Overrides `Cargo.toml` metadata.
    pub fn assumed(mut self, file: impl Into<PathBuf>) -> Self {
        self.assumed = Some(file.into());
        self
    }

    /// Where to write instead of `$OUT_DIR` (for tests and tools).
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The package directory instead of `$CARGO_MANIFEST_DIR` (for tests and tools).
    pub fn manifest_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Lint levels instead of `[package.metadata.migrate.lint]` (see
    /// [`crate::lint`]); the rules run on every build.
    pub fn lint(mut self, config: crate::lint::LintConfig) -> Self {
        self.lint = Some(config);
        self
    }

    /// Maps a PostgreSQL type (`"task_status"`, `"underway.task_state"`) to
    /// a Rust type (`"crate::TaskStatus"`): columns of that type come back
    /// as it, parameters of it take it. Wins over
    /// `[package.metadata.migrate.types]` for the same SQL type.
    pub fn rust_type(mut self, sql_type: &str, rust_type: &str) -> Self {
        self.types.insert(sql_type.to_owned(), rust_type.to_owned());
        self
    }

    /// Print no `cargo:` instructions (for use outside a build script).
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// Finds, folds and writes; returns what it did, or every error found.
    pub fn compile(self) -> Result<Output, Error> {
        let manifest_dir = match &self.manifest_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(self.env_required("CARGO_MANIFEST_DIR")?),
        };
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => PathBuf::from(self.env_required("OUT_DIR")?),
        };
        // `Cargo.toml` is read only when the build script did not name the
        // directory: `cargo metadata` costs a process.
        let mut lint_config = self.lint.clone().unwrap_or_default();
        let mut start = Start {
            tool: self.tool,
            assumed: self.assumed.as_ref().map(|file| manifest_dir.join(file)),
        };
        let mut types = BTreeMap::new();
        let (migrations_dir, layout) = match &self.migrations {
            Some(dir) => (manifest_dir.join(dir), self.layout),
            None => {
                let config = config::read(&manifest_dir)?;
                start.tool = start.tool.or(config.tool);
                if start.assumed.is_none() {
                    start.assumed = config.assumed.clone();
                }
                if self.lint.is_none() {
                    lint_config = config.lint.clone();
                }
                types = config.types.clone();
                // `[package.metadata.migrate]` may change where the migrations are.
                self.emit(&format!(
                    "cargo:rerun-if-changed={}",
                    manifest_dir.join("Cargo.toml").display()
                ));
                let dir = config
                    .migrations
                    .unwrap_or_else(|| manifest_dir.join("migrations"));
                (dir, self.layout.or(config.layout))
            }
        };
        if !migrations_dir.is_dir() {
            return Err(Error::Config(format!(
                "no migrations directory at {}: create it, or name it with \
                 `migrate_build::Builder::new().migrations(\"..\")` or \
                 `[package.metadata.migrate] migrations = \"..\"` in Cargo.toml",
                display_path(&migrations_dir, &manifest_dir)
            )));
        }
        self.emit_rerun_for_dir(&migrations_dir);
        if let Some(assumed) = &start.assumed {
            self.emit(&format!("cargo:rerun-if-changed={}", assumed.display()));
        }
        let folded = match fold_directory_from(&migrations_dir, layout, &start, &manifest_dir) {
            // A new project: nothing to fold yet, an empty schema.
            Err(Error::NoMigrations { .. }) => FoldedDirectory {
                layout: layout.unwrap_or(Layout::Sqlx),
                migrations: Vec::new(),
                schema: fold::fold(&[]).schema,
                warnings: Vec::new(),
            },
            other => other?,
        };
        for warning in &folded.warnings {
            self.emit(&format!(
                "cargo:warning={}",
                compact(warning, &migrations_dir, &manifest_dir)
            ));
        }
        let lint_findings = self.run_lint(&folded, &lint_config, &migrations_dir, &manifest_dir)?;
        let dir = out_dir.join(OUT_SUBDIR);
        std::fs::create_dir_all(&dir).map_err(|source| Error::Write {
            path: dir.clone(),
            source,
        })?;
        let schema_path = dir.join("schema.json");
        let schema_json = serde_json::to_string(&folded.schema)
            .map_err(|error| Error::Config(format!("cannot serialise the schema: {error}")))?;
        write_if_changed(&schema_path, &schema_json)?;
        types.extend(self.types.clone());
        let types_json = serde_json::to_string(&types)
            .map_err(|error| Error::Config(format!("cannot serialise the types: {error}")))?;
        write_if_changed(&dir.join(TYPES_FILE), &types_json)?;
        // Part of the key of what the macros keep across rebuilds: hashed
        // here, when the schema changes, not by every rebuild. The mapped
        // types choose Rust types as much as the schema does.
        let digest = if types.is_empty() {
            migrate_core::checksum(&schema_json)
        } else {
            migrate_core::checksum(&format!("{schema_json}\n{types_json}"))
        };
        write_if_changed(&dir.join("schema.sha256"), &digest)?;
        let embed_path = dir.join("embed.rs");
        let embed = embed_source(
            &folded.migrations,
            &schema_path,
            &display_path(&migrations_dir, &manifest_dir),
        );
        write_if_changed(&embed_path, &embed)?;
        // What the query macros' saved uses are measured against (see `crate::lint`).
        crate::lint::record_build_uses(
            &dir.join("uses"),
            self.env("CARGO_PKG_NAME").as_deref(),
            folded.migrations.last().map(|m| m.version.as_str()),
        )?;
        Ok(Output {
            migrations_dir,
            layout: folded.layout,
            migrations: folded.migrations,
            schema: folded.schema,
            warnings: folded.warnings,
            schema_path,
            embed_path,
            lint_findings,
        })
    }

    /// Runs the lint rules: `warn` findings become `cargo:warning` lines,
    /// `deny` ones fail the build with every one of them listed.
    fn run_lint(
        &self,
        folded: &FoldedDirectory,
        config: &crate::lint::LintConfig,
        migrations_dir: &Path,
        manifest_dir: &Path,
    ) -> Result<Vec<crate::lint::Finding>, Error> {
        let findings = crate::lint::lint(&folded.migrations, config);
        let shown_dir = display_path(migrations_dir, manifest_dir);
        let (denied, warned): (Vec<_>, Vec<_>) = findings
            .into_iter()
            .partition(crate::lint::Finding::is_denied);
        for finding in &warned {
            let line = crate::lint::render_findings(
                std::slice::from_ref(finding),
                migrations_dir,
                &shown_dir,
            );
            // One line for cargo: the help goes in parentheses, as in the
            // fold's warnings.
            let line = match line.trim_end().split_once("\n  = help: ") {
                Some((head, help)) => format!("{head} (help: {})", help.replace('\n', " ")),
                None => line.trim_end().replace('\n', " "),
            };
            self.emit(&format!("cargo:warning={line}"));
        }
        if !warned.is_empty()
            && config.since.is_none()
            && let Some(newest) = folded.migrations.last()
        {
            // Findings of migrations applied everywhere can no longer be
            // acted on: say once how to stop them coming back.
            self.emit(&format!(
                "cargo:warning={} lint finding{} above: once these migrations are applied everywhere, set `since = \"{}\"` under [package.metadata.migrate.lint] in Cargo.toml and builds lint only the migrations after it",
                warned.len(),
                if warned.len() == 1 { "" } else { "s" },
                newest.version
            ));
        }
        if !denied.is_empty() {
            let n_denied = denied.len();
            let report = format!(
                "{}error: {n_denied} lint finding{} at the deny level in {shown_dir}: fix {}, or allow the statement with a `-- migrate:lint allow <rule>` line before it",
                crate::lint::render_findings(&denied, migrations_dir, &shown_dir),
                if n_denied == 1 { "" } else { "s" },
                if n_denied == 1 { "it" } else { "them" },
            );
            return Err(Error::Lint { report, n_denied });
        }
        Ok(warned)
    }

    fn emit(&self, line: &str) {
        if !self.quiet {
            println!("{line}");
        }
    }

    /// Reads an environment variable and tells Cargo to rerun when it changes:
    /// the only way this module reads the environment.
    fn env(&self, name: &str) -> Option<String> {
        self.emit(&format!("cargo:rerun-if-env-changed={name}"));
        std::env::var(name).ok()
    }

    fn env_required(&self, name: &str) -> Result<String, Error> {
        self.env(name).ok_or_else(|| {
            Error::Config(format!(
                "{name} is not set: migrate_build::compile() runs in a build script (build.rs)"
            ))
        })
    }

    fn emit_rerun_for_dir(&self, dir: &Path) {
        if self.quiet {
            return;
        }
        self.emit(&format!("cargo:rerun-if-changed={}", dir.display()));
        let mut stack = vec![dir.to_path_buf()];
        while let Some(current) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&current) else {
                continue;
            };
            let mut paths: Vec<PathBuf> =
                entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            paths.sort();
            for path in paths {
                if path.is_dir() {
                    self.emit(&format!("cargo:rerun-if-changed={}", path.display()));
                    stack.push(path);
                } else {
                    self.emit(&format!("cargo:rerun-if-changed={}", path.display()));
                }
            }
        }
    }
}

/// A migrations directory, discovered and folded.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FoldedDirectory {
    pub layout: Layout,
    pub migrations: Vec<Migration>,
    pub schema: Schema,
    pub warnings: Vec<Diagnostic>,
}

/// Discovers and folds a migrations directory. Errors of the fold become one
/// [`Error::Fold`] whose report renders every one of them against its file;
/// paths in it are shown relative to `display_base` when inside it.
pub fn fold_directory(
    dir: &Path,
    layout: Option<Layout>,
    display_base: &Path,
) -> Result<FoldedDirectory, Error> {
    fold_directory_from(dir, layout, &Start::default(), display_base)
}

/// What a migrations directory's fold starts from, beside its layout (see
/// [`crate::prelude`]).
#[derive(Clone, Debug, Default)]
pub struct Start {
    /// The tool that applies the migrations, when not the layout's.
    pub tool: Option<Tool>,
    /// The assumed-objects file.
    pub assumed: Option<PathBuf>,
}

/// [`fold_directory`] from the tool's bookkeeping table and the
/// assumed-objects file of `start`.
pub fn fold_directory_from(
    dir: &Path,
    layout: Option<Layout>,
    start: &Start,
    display_base: &Path,
) -> Result<FoldedDirectory, Error> {
    let discovered = discover::discover(dir, layout)?;
    let assumed = match &start.assumed {
        Some(path) => {
            // Absolute, so that its diagnostics render whatever the
            // migrations directory is.
            let path = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            // Shown relative to the base, else to the current directory.
            let base = if display_base.as_os_str().is_empty() {
                std::env::current_dir().unwrap_or_default()
            } else {
                display_base.to_path_buf()
            };
            Some(AssumedFile::read(&path, &display_path(&path, &base))?)
        }
        None => None,
    };
    let before = Before::new(discovered.layout, start.tool, assumed);
    let folded = fold::fold_with(&before, &discovered.migrations);
    let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = folded
        .diagnostics
        .into_iter()
        .partition(Diagnostic::is_error);
    if !errors.is_empty() {
        let mut sources = BTreeMap::new();
        let mut report = String::new();
        for error in &errors {
            report.push_str(&render_in_dir(error, dir, display_base, &mut sources));
            report.push_str("\n\n");
        }
        let n_errors = errors.len();
        let _ = write!(
            report,
            "error: PostgreSQL would reject the migrations in {}: {n_errors} error{}, listed above",
            display_path(dir, display_base),
            if n_errors == 1 { "" } else { "s" },
        );
        return Err(Error::Fold { report, n_errors });
    }
    Ok(FoldedDirectory {
        layout: discovered.layout,
        migrations: discovered.migrations,
        schema: folded.schema,
        warnings,
    })
}

/// A diagnostic of a migration file rendered against the file's text, its
/// path shown relative to `display_base`.
fn render_in_dir(
    diagnostic: &Diagnostic,
    dir: &Path,
    display_base: &Path,
    sources: &mut BTreeMap<PathBuf, String>,
) -> String {
    let Some(file) = &diagnostic.file else {
        return diagnostic.to_string();
    };
    let path = dir.join(file);
    let source = sources
        .entry(path.clone())
        .or_insert_with(|| std::fs::read_to_string(&path).unwrap_or_default());
    let shown = diagnostic
        .clone()
        .in_file(display_path(&path, display_base));
    shown.render(source)
}

/// `file:line:col: warning: message (help: ..)`, one line for `cargo:warning`.
fn compact(diagnostic: &Diagnostic, dir: &Path, display_base: &Path) -> String {
    let message = diagnostic.to_string().replace('\n', " ");
    let Some(file) = &diagnostic.file else {
        return message;
    };
    let path = dir.join(file);
    let source = std::fs::read_to_string(&path).unwrap_or_default();
    let (line, column) = diagnostic.line_col(&source);
    format!(
        "{}:{line}:{column}: {message}",
        display_path(&path, display_base)
    )
}

/// `path` relative to `base` when inside it, for messages.
fn display_path(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn write_if_changed(path: &Path, contents: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The Rust expression `migrate::embed!()` includes.
fn embed_source(migrations: &[Migration], schema_path: &Path, origin: &str) -> String {
    const RUNTIME: &str = "::migrate::__private::migrate_runtime";
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Generated by migrate-build from {origin:?}: {} migrations. Do not edit.",
        migrations.len()
    );
    let _ = writeln!(out, "{RUNTIME}::Migrations::new(\n    &[");
    for migration in migrations {
        let down = match &migration.down {
            Some(down) => format!("::core::option::Option::Some({down:?})"),
            None => "::core::option::Option::None".to_owned(),
        };
        let statements: Vec<String> = migration
            .statements
            .iter()
            .map(|statement| format!("{statement:?}"))
            .collect();
        let _ = writeln!(
            out,
            "        {RUNTIME}::EmbeddedMigration {{\n            version: {:?},\n            name: {:?},\n            path: {:?},\n            sql: {:?},\n            lines_before_up: {},\n            down: {down},\n            checksum: {:?},\n            transactional: {},\n            statements: &[{}],\n        }},",
            migration.version,
            migration.name,
            migration.path,
            migration.up,
            migration.lines_before_up,
            migration.checksum,
            migration.transactional,
            statements.join(", "),
        );
    }
    let schema_path = schema_path.display().to_string();
    let _ = writeln!(
        out,
        "    ],\n    ::core::include_str!({schema_path:?}),\n)\n.with_package(::core::env!(\"CARGO_PKG_NAME\"), ::core::env!(\"CARGO_PKG_VERSION\"))"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(version: &str, up: &str, transactional: bool) -> Migration {
        Migration {
            version: version.to_owned(),
            name: "create_users".to_owned(),
            path: format!("{version}_create_users.sql"),
            up: up.to_owned(),
            up_offset: 0,
            lines_before_up: 0,
            down: Some("DROP TABLE users;".to_owned()),
            transactional,
            statements: if transactional {
                Vec::new()
            } else {
                vec![up.trim_end_matches(';').to_owned()]
            },
            checksum: migrate_core::checksum(up),
        }
    }

    #[test]
    fn embed_source_is_one_expression_naming_only_the_facade() {
        let source = embed_source(
            &[
                migration(
                    "1",
                    "CREATE TABLE users (id bigint, name text \"quoted\");\n",
                    true,
                ),
                migration("2", "CREATE INDEX CONCURRENTLY i ON users (id);", false),
            ],
            Path::new("/out/migrate/schema.json"),
            "migrations",
        );
        expect_test::expect![[r#"
            // Generated by migrate-build from "migrations": 2 migrations. Do not edit.
            ::migrate::__private::migrate_runtime::Migrations::new(
                &[
                    ::migrate::__private::migrate_runtime::EmbeddedMigration {
                        version: "1",
                        name: "create_users",
                        path: "1_create_users.sql",
                        sql: "CREATE TABLE users (id bigint, name text \"quoted\");\n",
                        lines_before_up: 0,
                        down: ::core::option::Option::Some("DROP TABLE users;"),
                        checksum: "b86cfaabb0ac6e50ea9ac82f6d51aa66f06968500a4abeb1a81c0fdc59344e05",
                        transactional: true,
                        statements: &[],
                    },
                    ::migrate::__private::migrate_runtime::EmbeddedMigration {
                        version: "2",
                        name: "create_users",
                        path: "2_create_users.sql",
                        sql: "CREATE INDEX CONCURRENTLY i ON users (id);",
                        lines_before_up: 0,
                        down: ::core::option::Option::Some("DROP TABLE users;"),
                        checksum: "a108a968689e47da5897a9cce53c2ff018339b9aef16db571961646044ba8662",
                        transactional: false,
                        statements: &["CREATE INDEX CONCURRENTLY i ON users (id)"],
                    },
                ],
                ::core::include_str!("/out/migrate/schema.json"),
            )
            .with_package(::core::env!("CARGO_PKG_NAME"), ::core::env!("CARGO_PKG_VERSION"))
        "#]]
        .assert_eq(&source);
    }

    /// A fresh directory under the system's temporary directory.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "migrate-builder-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(dir.join("migrations")).unwrap();
        dir
    }

    #[test]
    fn compile_writes_schema_and_embed_into_out_dir() {
        let dir = scratch("ok");
        std::fs::write(
            dir.join("migrations/1_users.sql"),
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("migrations/2_index.sql"),
            "-- no-transaction\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n",
        )
        .unwrap();
        let output = Builder::new()
            .manifest_dir(&dir)
            .migrations("migrations")
            .out_dir(dir.join("out"))
            .quiet(true)
            .compile()
            .unwrap();
        assert_eq!(output.layout, Layout::Sqlx);
        assert_eq!(output.migrations.len(), 2);
        assert!(!output.migrations[1].transactional);
        let schema: Schema =
            serde_json::from_str(&std::fs::read_to_string(&output.schema_path).unwrap()).unwrap();
        assert_eq!(schema, output.schema);
        let users = schema
            .relation(&migrate_core::Name::public("users"))
            .unwrap();
        assert_eq!(users.columns.len(), 2);
        let embed = std::fs::read_to_string(&output.embed_path).unwrap();
        assert!(embed.contains("version: \"2\""), "{embed}");
        assert!(embed.contains("transactional: false"), "{embed}");
        assert_eq!(output.embed_path, dir.join("out/migrate/embed.rs"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn compile_reports_every_error_against_its_file() {
        let dir = scratch("errors");
        std::fs::write(
            dir.join("migrations/1_users.sql"),
            "CREATE TABLE users (id bigint);\nALTER TABLE users DROP COLUMN emial;\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("migrations/2_posts.sql"),
            "ALTER TABLE post ADD COLUMN title text;\n",
        )
        .unwrap();
        let error = Builder::new()
            .manifest_dir(&dir)
            .migrations("migrations")
            .out_dir(dir.join("out"))
            .quiet(true)
            .compile()
            .unwrap_err();
        let Error::Fold { report, n_errors } = &error else {
            panic!("expected a fold error, got {error}");
        };
        assert_eq!(*n_errors, 2);
        assert_eq!(format!("{error:?}"), *report, "Debug prints the report too");
        expect_test::expect![[r#"
            error: column "emial" of relation "users" does not exist
             --> migrations/1_users.sql:2:31
              |
            2 | ALTER TABLE users DROP COLUMN emial;
              |                               ^^^^^

            error: relation "post" does not exist
             --> migrations/2_posts.sql:1:13
              |
            1 | ALTER TABLE post ADD COLUMN title text;
              |             ^^^^

            error: PostgreSQL would reject the migrations in migrations: 2 errors, listed above"#]]
        .assert_eq(report);
        assert!(!dir.join("out/migrate/embed.rs").exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_empty_directory_builds_an_empty_schema() {
        let dir = scratch("empty");
        let output = Builder::new()
            .manifest_dir(&dir)
            .migrations("migrations")
            .out_dir(dir.join("out"))
            .quiet(true)
            .compile()
            .unwrap();
        assert!(output.migrations.is_empty());
        assert_eq!(output.schema, fold::fold(&[]).schema);
        assert!(output.embed_path.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_report_becomes_cargo_error_lines_with_carets_in_place() {
        let report = "error: relation \"post\" does not exist\n --> migrations/2_posts.sql:1:13\n  |\n1 | ALTER TABLE post ADD COLUMN title text;\n  |             ^^^^\n\nerror: PostgreSQL would reject the migrations in migrations: 1 error, listed above";
        assert_eq!(
            cargo_error_lines(report),
            [
                "relation \"post\" does not exist",
                " --> migrations/2_posts.sql:1:13",
                "  |",
                "1 | ALTER TABLE post ADD COLUMN title text;",
                "  |             ^^^^",
                "PostgreSQL would reject the migrations in migrations: 1 error, listed above",
            ]
        );
    }

    #[test]
    fn a_missing_directory_says_how_to_name_one() {
        let dir = scratch("missing");
        let error = Builder::new()
            .manifest_dir(&dir)
            .migrations("db/migrations")
            .out_dir(dir.join("out"))
            .quiet(true)
            .compile()
            .unwrap_err();
        expect_test::expect![[r#"no migrations directory at db/migrations: create it, or name it with `migrate_build::Builder::new().migrations("..")` or `[package.metadata.migrate] migrations = ".."` in Cargo.toml"#]].assert_eq(&error.to_string());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
