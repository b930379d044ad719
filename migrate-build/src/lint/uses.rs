//! The rolling-deploy check: which tables and columns the code's queries
//! use, saved to a file, and the migrations that drop or rename them.
//!
//! During a rolling deploy the previous release keeps running against the
//! new schema, so a migration may drop or rename a table or column only
//! once no deployed code uses it (the contract step ships after the code
//! stopped using it). The build knows every query through the macros; each
//! checked query's uses can be saved with [`record_query_uses`] into
//! `$OUT_DIR/migrate/uses/`, one small JSON file per query. [`read_uses`]
//! reads such a directory (or one merged [`UsesFile`]), and
//! [`rolling_deploy`] flags the migrations that remove what those queries
//! use. Saved from release N (`--previous-release-uses` of `migrate lint`),
//! it tells CI whether release N+1's migrations break release N.
//!
//! The file format (`format: 1`), also what one query's file holds in its
//! `queries`:
//!
//! ```json
//! {
//!   "format": 1,
//!   "package": "app",
//!   "last_migration": "20240101000000",
//!   "queries": [
//!     {
//!       "sql": "SELECT email FROM users WHERE id = $1",
//!       "location": "src/users.rs:12",
//!       "uses": [
//!         { "schema": "public", "table": "users", "column": null },
//!         { "schema": "public", "table": "users", "column": "email" }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! `last_migration` is the newest migration the code was built with: only
//! migrations after it are checked (every one when it is absent).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use migrate_core::{Migration, Name, Schema};
use serde::{Deserialize, Serialize};

use super::{Finding, Level, LintConfig, finish};
use crate::analyze::ColumnUse;
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::fold::Folder;
use crate::split::split_statements;

/// The version of the file format this crate writes and reads.
pub const FORMAT: u32 = 1;

/// What a build saved about its queries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsesFile {
    pub format: u32,
    /// The package whose queries these are, when known.
    #[serde(default)]
    pub package: Option<String>,
    /// The newest migration the code was built with.
    #[serde(default)]
    pub last_migration: Option<String>,
    pub queries: Vec<QueryUses>,
}

/// One checked query and what it uses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QueryUses {
    pub sql: String,
    /// Where the query is written (`src/users.rs:12`), when known.
    #[serde(default)]
    pub location: Option<String>,
    pub uses: Vec<TableColumn>,
}

/// A table (`column: None`) or one of its columns.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableColumn {
    pub schema: String,
    pub table: String,
    pub column: Option<String>,
}

impl From<&ColumnUse> for TableColumn {
    fn from(column_use: &ColumnUse) -> Self {
        Self {
            schema: column_use.table.schema.clone(),
            table: column_use.table.name.clone(),
            column: column_use.column.clone(),
        }
    }
}

impl UsesFile {
    /// The file as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// Saves one checked query's uses as `dir/<hash of the SQL>.json` (what the
/// query macros call, with `dir` = `$OUT_DIR/migrate/uses`). One file per
/// query: macros expanding in parallel never write the same file, and a
/// query written twice is saved once. Returns the file written.
pub fn record_query_uses(
    dir: &Path,
    sql: &str,
    location: Option<&str>,
    uses: &[ColumnUse],
) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let file = UsesFile {
        format: FORMAT,
        package: None,
        last_migration: None,
        queries: vec![QueryUses {
            sql: sql.to_owned(),
            location: location.map(str::to_owned),
            uses: uses.iter().map(TableColumn::from).collect(),
        }],
    };
    let hash = migrate_core::checksum(sql);
    let path = dir.join(format!("{}.json", &hash[..16]));
    let json = file.to_json();
    // Every rebuild expands every query again: rewriting an unchanged file
    // (a truncating write, which the file system may flush at once) costs
    // far more than reading it back.
    if std::fs::read(&path).is_ok_and(|old| old == json.as_bytes()) {
        return Ok(path);
    }
    std::fs::write(&path, json).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// The name of the file the build helper writes next to the queries'
/// files: the package and the newest migration, no queries.
pub const BUILD_FILE: &str = "_build.json";

/// Saves the package name and the newest migration version as
/// `dir/_build.json` (what the build helper calls, with `dir` =
/// `$OUT_DIR/migrate/uses`), so that the directory, saved at release time,
/// says which migrations came after that release.
pub fn record_build_uses(
    dir: &Path,
    package: Option<&str>,
    last_migration: Option<&str>,
) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let file = UsesFile {
        format: FORMAT,
        package: package.map(str::to_owned),
        last_migration: last_migration.map(str::to_owned),
        queries: Vec::new(),
    };
    let path = dir.join(BUILD_FILE);
    let json = file.to_json();
    if std::fs::read_to_string(&path).is_ok_and(|old| old == json) {
        return Ok(path);
    }
    std::fs::write(&path, json).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Reads a [`UsesFile`], or a directory of them (what
/// [`record_query_uses`] writes), merged into one. In a directory the
/// `package` and `last_migration` of the first file that has them win.
pub fn read_uses(path: &Path) -> Result<UsesFile, Error> {
    let read = |path: &Path| -> Result<UsesFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let file: UsesFile = serde_json::from_str(&text).map_err(|error| {
            Error::Config(format!("{} is not a uses file: {error}", path.display()))
        })?;
        if file.format != FORMAT {
            return Err(Error::Config(format!(
                "{} has uses format {}, this version reads format {FORMAT}",
                path.display(),
                file.format
            )));
        }
        Ok(file)
    };
    if !path.is_dir() {
        return read(path);
    }
    let entries = std::fs::read_dir(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    let mut merged = UsesFile {
        format: FORMAT,
        ..UsesFile::default()
    };
    for path in paths {
        let file = read(&path)?;
        merged.package = merged.package.or(file.package);
        merged.last_migration = merged.last_migration.or(file.last_migration);
        merged.queries.extend(file.queries);
    }
    merged.queries.sort();
    merged.queries.dedup();
    Ok(merged)
}

/// Flags every migration (after `uses.last_migration`, when set) that drops
/// or renames a table or column one of the queries in `uses` still uses:
/// the object exists before the migration and not after it. `whose` names
/// the code in messages (`the current code`, `the previous release`).
pub fn rolling_deploy(
    migrations: &[Migration],
    uses: &UsesFile,
    whose: &str,
    config: &LintConfig,
) -> Vec<Finding> {
    // Each used object, with the first query that uses it.
    let mut used: BTreeMap<TableColumn, &QueryUses> = BTreeMap::new();
    for query in &uses.queries {
        for table_column in &query.uses {
            used.entry(table_column.clone()).or_insert(query);
        }
    }
    let first_checked = uses
        .last_migration
        .as_ref()
        .and_then(|last| migrations.iter().position(|m| &m.version == last))
        .map_or(0, |position| position + 1);
    let mut folder = Folder::new();
    let mut findings = Vec::new();
    for (position, migration) in migrations.iter().enumerate() {
        if position < first_checked {
            let _ = folder.apply(migration);
            continue;
        }
        let before = folder.schema().clone();
        let _ = folder.apply(migration);
        let after = folder.schema();
        for (object, query) in &used {
            if !exists(&before, object) || exists(after, object) {
                continue;
            }
            // A column of a table that is gone: the table's own use says it.
            let table_gone = !after
                .relations
                .contains_key(&Name::new(&object.schema, &object.table));
            if object.column.is_some() && table_gone {
                continue;
            }
            let shown = match &object.column {
                Some(column) => format!("column \"{column}\" of \"{}\"", object.table),
                None => format!("table \"{}\"", object.table),
            };
            let name = object.column.as_deref().unwrap_or(&object.table);
            let span = removing_statement(migration, name);
            let at = query
                .location
                .as_deref()
                .map(|location| format!(" ({location})"))
                .unwrap_or_default();
            // The statement without its comment lines, on one line.
            let sql: String = query
                .sql
                .lines()
                .filter(|line| !line.trim_start().starts_with("--"))
                .flat_map(str::split_whitespace)
                .collect::<Vec<_>>()
                .join(" ");
            let sql = if sql.chars().count() > 60 {
                format!("{}...", sql.chars().take(57).collect::<String>())
            } else {
                sql
            };
            let diagnostic = Diagnostic::warning(
                format!(
                    "{shown} is dropped or renamed while a query of {whose} still uses it: `{sql}`{at}"
                ),
                span,
            )
            .with_help(
                "ship the code that stops using it first; drop or rename it in a migration of a later release (expand, migrate, contract)",
            )
            .in_file(&migration.path);
            let finding = Finding {
                rule: "used-by-code",
                level: Level::Deny,
                diagnostic,
                version: migration.version.clone(),
            };
            findings.extend(finish(finding, config));
        }
    }
    findings
}

fn exists(schema: &Schema, object: &TableColumn) -> bool {
    let Some(relation) = schema.relation(&Name::new(&object.schema, &object.table)) else {
        return false;
    };
    match &object.column {
        Some(column) => relation.column(column).is_some(),
        None => true,
    }
}

/// The span of the first statement that drops or renames something and
/// names `name`; the migration's first statement otherwise.
fn removing_statement(migration: &Migration, name: &str) -> std::ops::Range<usize> {
    let statements = split_statements(&migration.up);
    let lower = name.to_ascii_lowercase();
    let found = statements.iter().find(|statement| {
        let text = statement.text.to_ascii_lowercase();
        (text.contains("drop") || text.contains("rename")) && text.contains(&lower)
    });
    let span = found
        .or(statements.first())
        .map_or(0..0, |statement| statement.span.clone());
    migration.up_offset + span.start..migration.up_offset + span.end
}
