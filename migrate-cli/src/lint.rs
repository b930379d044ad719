//! `migrate lint`: the hazard rules over every migration, and the
//! rolling-deploy check against the queries' saved uses.
//!
//! One line per finding, `file:line:col: <level>[<rule>]: message`, then its
//! help. Exit status 1 when a finding is at the deny level (every finding
//! with `--deny`), 0 otherwise. Levels come from
//! `[package.metadata.migrate.lint]` of `./Cargo.toml` when there is one.

use std::path::{Path, PathBuf};

use migrate_build::lint::{self, Finding, LintConfig};

use crate::Failure;
use crate::migrations::MigrationsArgs;
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    /// Treat every finding as an error (exit status 1).
    #[arg(long)]
    deny: bool,
    /// Print the findings as a JSON array.
    #[arg(long)]
    json: bool,
    /// The current code's query uses (a file, or the build's
    /// `$OUT_DIR/migrate/uses` directory): flag migrations that drop or
    /// rename what they use.
    #[arg(long, value_name = "PATH")]
    uses: Option<PathBuf>,
    /// The previous release's saved query uses: flag migrations that would
    /// break it during a rolling deploy.
    #[arg(long, value_name = "PATH")]
    previous_release_uses: Option<PathBuf>,
    /// Check only the migrations after this version (the one production
    /// runs); overrides `since` in `[package.metadata.migrate.lint]`.
    #[arg(long, value_name = "VERSION")]
    since: Option<String>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let dir = args.migrations.dir()?;
    let discovered = migrate_build::discover::discover(&dir, args.migrations.layout()?)?;
    let mut config = project_config()?;
    if args.deny {
        config = config.deny_all();
    }
    let migrations = &discovered.migrations;
    if let Some(since) = &args.since {
        if !migrations.iter().any(|m| &m.version == since) {
            return Err(Failure::usage(format_args!(
                "--since {since}: no migration has that version"
            )));
        }
        config.since = Some(since.clone());
    }
    let mut findings = lint::lint(migrations, &config);
    for (path, whose) in [
        (&args.uses, "the current code"),
        (&args.previous_release_uses, "the previous release"),
    ] {
        if let Some(path) = path {
            let mut uses = lint::read_uses(path)?;
            if whose == "the current code" {
                // The current code was built with every migration: check them all.
                uses.last_migration = None;
            }
            if let Some(since) = &config.since {
                uses.last_migration = Some(since.clone());
            }
            findings.extend(lint::rolling_deploy(migrations, &uses, whose, &config));
        }
    }
    let dir = &dir;
    let text = if args.json {
        json(&findings, dir)?
    } else {
        lint::render_findings(&findings, dir, &dir.display().to_string())
    };
    print(&text)?;
    let n_denied = findings.iter().filter(|f| f.is_denied()).count();
    if !args.json {
        eprintln!(
            "{} finding{} in {} migrations ({n_denied} at the deny level)",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            migrations.len()
        );
    }
    if n_denied > 0 {
        return Err(Failure::report_text(format!(
            "error: {n_denied} lint finding{} at the deny level",
            if n_denied == 1 { "" } else { "s" }
        )));
    }
    Ok(())
}

/// `[package.metadata.migrate.lint]` (and the workspace's) of the project
/// the current directory is in; the defaults outside a Cargo package.
fn project_config() -> Result<LintConfig, Failure> {
    Ok(crate::migrations::project()?
        .map(|project| project.config.lint.clone())
        .unwrap_or_default())
}

fn json(findings: &[Finding], dir: &Path) -> Result<String, Failure> {
    let mut sources = std::collections::BTreeMap::new();
    let items: Vec<serde_json::Value> = findings
        .iter()
        .map(|finding| {
            let file = finding.diagnostic.file.clone().unwrap_or_default();
            let source: &String = sources
                .entry(file.clone())
                .or_insert_with(|| std::fs::read_to_string(dir.join(&file)).unwrap_or_default());
            let (line, column) = finding.diagnostic.line_col(source);
            serde_json::json!({
                "rule": finding.rule,
                "level": match finding.level {
                    lint::Level::Deny => "deny",
                    lint::Level::Warn => "warn",
                    lint::Level::Allow => "allow",
                },
                "version": finding.version,
                "file": dir.join(&file).display().to_string(),
                "line": line,
                "column": column,
                "message": finding.diagnostic.message,
                "help": finding.diagnostic.help,
            })
        })
        .collect();
    Ok(crate::output::json_document(
        serde_json::json!({ "findings": items }),
    ))
}
