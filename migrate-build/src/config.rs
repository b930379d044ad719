//! Configuration of the build helper from `Cargo.toml`.
//!
//! A package may say where its migrations are in its own manifest, and a
//! workspace may say it once for all its crates:
//!
//! ```toml
//! [package.metadata.migrate]
//! migrations = "db/migrations"   # relative to the package's directory
//! layout = "sqlx"                # optional: detected when left out
//! tool = "flyway"                # optional: the tool that applies them, whose
//!                                # bookkeeping table exists before migration 1
//!                                # (the layout's tool when left out; `migrate`
//!                                # for none but migrate's own)
//! assumed = "db/assumed.sql"     # optional: objects the migrations use and
//!                                # never create, folded before migration 1
//!
//! [package.metadata.migrate.types]
//! task_status = "crate::TaskStatus"  # a PostgreSQL type's Rust type
//!
//! [workspace.metadata.migrate]
//! migrations = "migrations"      # relative to the workspace root
//! ```
//!
//! `types` maps a PostgreSQL type (its name, schema-qualified outside
//! `public`: `"underway.task_state"`) to a Rust type path: every column of
//! that type comes back as it, and every parameter of it takes it.
//!
//! The package's table wins over the workspace's, key by key. Both are read
//! through `cargo metadata --no-deps`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::discover::Layout;
use crate::lint::LintConfig;
use crate::prelude::Tool;

/// What `[package.metadata.migrate]` and `[workspace.metadata.migrate]` said,
/// with paths already made absolute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The migrations directory.
    pub migrations: Option<PathBuf>,
    /// The layout, when named.
    pub layout: Option<Layout>,
    /// The tool that applies the migrations, when named (see
    /// [`crate::prelude`]).
    pub tool: Option<Tool>,
    /// The assumed-objects file (see [`crate::prelude`]).
    pub assumed: Option<PathBuf>,
    /// Lint levels (`[package.metadata.migrate.lint]`), see [`crate::lint`].
    pub lint: LintConfig,
    /// PostgreSQL type name to Rust type path (`[package.metadata.migrate.types]`).
    pub types: BTreeMap<String, String>,
}

/// Reads the `migrate` metadata of the package whose manifest is in
/// `manifest_dir` and of its workspace.
pub fn read(manifest_dir: &Path) -> Result<Config, Error> {
    let manifest_path = manifest_dir.join("Cargo.toml");
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(&manifest_path)
        .no_deps()
        .other_options(vec!["--offline".to_owned()])
        .exec()
        .map_err(|error| {
            Error::Config(format!(
                "cannot read the metadata of {}: {error}",
                manifest_path.display()
            ))
        })?;
    let package = metadata
        .packages
        .iter()
        .find(|package| package.manifest_path.as_std_path() == manifest_path);
    let workspace = from_table(
        &metadata.workspace_metadata,
        metadata.workspace_root.as_std_path(),
        "[workspace.metadata.migrate]",
    )?;
    let package = match package {
        Some(package) => from_table(
            &package.metadata,
            manifest_dir,
            "[package.metadata.migrate]",
        )?,
        None => Config::default(),
    };
    Ok(Config {
        migrations: package.migrations.or(workspace.migrations),
        layout: package.layout.or(workspace.layout),
        tool: package.tool.or(workspace.tool),
        assumed: package.assumed.or(workspace.assumed),
        lint: workspace.lint.overridden_by(&package.lint),
        types: {
            let mut types = workspace.types;
            types.extend(package.types);
            types
        },
    })
}

/// The `migrate` table of a package's or workspace's `metadata`; paths are
/// relative to `base`. `origin` names the table in messages.
pub fn from_table(
    metadata: &serde_json::Value,
    base: &Path,
    origin: &str,
) -> Result<Config, Error> {
    let Some(table) = metadata.get("migrate") else {
        return Ok(Config::default());
    };
    let Some(table) = table.as_object() else {
        return Err(Error::Config(format!("{origin} must be a table")));
    };
    let mut config = Config::default();
    for (key, value) in table {
        match key.as_str() {
            "migrations" => {
                let Some(dir) = value.as_str() else {
                    return Err(Error::Config(format!(
                        "`migrations` in {origin} must be a string (a directory)"
                    )));
                };
                config.migrations = Some(base.join(dir));
            }
            "layout" => {
                let Some(name) = value.as_str() else {
                    return Err(Error::Config(format!(
                        "`layout` in {origin} must be a string"
                    )));
                };
                config.layout = Some(
                    name.parse::<Layout>()
                        .map_err(|error| Error::Config(format!("{origin}: {error}")))?,
                );
            }
            "tool" => {
                let Some(name) = value.as_str() else {
                    return Err(Error::Config(format!(
                        "`tool` in {origin} must be a string"
                    )));
                };
                config.tool = Some(
                    name.parse::<Tool>()
                        .map_err(|error| Error::Config(format!("{origin}: {error}")))?,
                );
            }
            "assumed" => {
                let Some(file) = value.as_str() else {
                    return Err(Error::Config(format!(
                        "`assumed` in {origin} must be a string (a file)"
                    )));
                };
                config.assumed = Some(base.join(file));
            }
            "lint" => {
                let origin = format!("{}.lint]", origin.trim_end_matches(']'));
                config.lint = LintConfig::from_table(value, &origin)?;
            }
            "types" => {
                let origin = format!("{}.types]", origin.trim_end_matches(']'));
                let Some(table) = value.as_object() else {
                    return Err(Error::Config(format!("{origin} must be a table")));
                };
                for (sql_type, rust_type) in table {
                    let Some(rust_type) = rust_type.as_str() else {
                        return Err(Error::Config(format!(
                            "`{sql_type}` in {origin} must be a string: the path of a Rust type (`\"crate::TaskStatus\"`)"
                        )));
                    };
                    config.types.insert(sql_type.clone(), rust_type.to_owned());
                }
            }
            other => {
                return Err(Error::Config(format!(
                    "unknown key `{other}` in {origin}: expected `migrations`, `layout`, `tool`, `assumed`, `lint` or `types`"
                )));
            }
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mapped_types() {
        let metadata = serde_json::json!({
            "migrate": { "types": { "task_status": "crate::TaskStatus", "jobs.state": "crate::State" } }
        });
        let config = from_table(&metadata, Path::new("/p"), "[package.metadata.migrate]").unwrap();
        let types: Vec<(&str, &str)> = config
            .types
            .iter()
            .map(|(sql, rust)| (sql.as_str(), rust.as_str()))
            .collect();
        assert_eq!(
            types,
            [
                ("jobs.state", "crate::State"),
                ("task_status", "crate::TaskStatus")
            ]
        );
        let metadata = serde_json::json!({ "migrate": { "types": { "task_status": 1 } } });
        let error = from_table(&metadata, Path::new("/p"), "[package.metadata.migrate]")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`task_status` in [package.metadata.migrate.types] must be a string"),
            "{error}"
        );
    }

    #[test]
    fn reads_a_table_relative_to_its_base() {
        let metadata = serde_json::json!({
            "migrate": { "migrations": "db/migrations", "layout": "Flyway" }
        });
        let config = from_table(&metadata, Path::new("/p"), "[package.metadata.migrate]").unwrap();
        assert_eq!(
            config,
            Config {
                migrations: Some(PathBuf::from("/p/db/migrations")),
                layout: Some(Layout::Refinery),
                ..Config::default()
            }
        );
        assert_eq!(
            from_table(&serde_json::Value::Null, Path::new("/p"), "x").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn rejects_unknown_keys_and_layouts() {
        let bad_key = serde_json::json!({ "migrate": { "migration": "m" } });
        expect_test::expect!["unknown key `migration` in [workspace.metadata.migrate]: expected `migrations`, `layout`, `tool`, `assumed`, `lint` or `types`"]
        .assert_eq(
            &from_table(&bad_key, Path::new("/"), "[workspace.metadata.migrate]")
                .unwrap_err()
                .to_string(),
        );
        let bad_layout = serde_json::json!({ "migrate": { "layout": "rails" } });
        expect_test::expect![[
            "[package.metadata.migrate]: unknown migrations layout `rails`: expected one of sqlx, refinery, flyway, diesel, prisma, goose, dbmate"
        ]]
        .assert_eq(
            &from_table(&bad_layout, Path::new("/"), "[package.metadata.migrate]")
                .unwrap_err()
                .to_string(),
        );
    }

    #[test]
    fn reads_this_workspace() {
        // The project's own manifest has no `migrate` table: nothing configured.
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        assert_eq!(read(manifest_dir).unwrap(), Config::default());
    }
}
