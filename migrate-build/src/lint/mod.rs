//! Migration lint: the schema changes that break a running service, each
//! with the safe multi-step alternative (expand, migrate data, contract).
//!
//! [`lint`] folds the migrations one at a time and looks at every statement
//! against the schema *before* its migration: only objects that existed
//! before it are hazardous (creating a table and indexing it in the same
//! migration is fine). Each [`Finding`] names its rule, its [`Level`] and a
//! [`Diagnostic`] whose span points into the migration file.
//!
//! # Rules
//!
//! | id | hazard | squawk |
//! |---|---|---|
//! | `drop-table` | `DROP TABLE` of an existing table | `ban-drop-table` |
//! | `drop-column` | `ALTER TABLE .. DROP COLUMN` | `ban-drop-column` |
//! | `rename-table` | `ALTER TABLE .. RENAME TO` | `renaming-table` |
//! | `rename-column` | `ALTER TABLE .. RENAME COLUMN` | `renaming-column` |
//! | `rewriting-type-change` | `ALTER COLUMN .. TYPE` that rewrites the table | `changing-column-type` |
//! | `required-column` | `ADD COLUMN .. NOT NULL` without a default | `adding-required-field` |
//! | `set-not-null` | `ALTER COLUMN .. SET NOT NULL` | `adding-not-nullable-field` |
//! | `index-without-concurrently` | `CREATE INDEX` without `CONCURRENTLY`; `ADD UNIQUE` / `PRIMARY KEY` without `USING INDEX` | `require-concurrent-index-creation`, `disallowed-unique-constraint` |
//! | `concurrently-in-transaction` | `CONCURRENTLY` in a transaction block or next to other statements | `ban-concurrent-index-creation-in-transaction` |
//! | `constraint-without-not-valid` | `ADD CONSTRAINT .. FOREIGN KEY / CHECK` without `NOT VALID` | `adding-foreign-key-constraint`, `constraint-missing-not-valid` |
//! | `volatile-default` | `ADD COLUMN .. DEFAULT random()` (volatile) | `adding-field-with-default` |
//! | `enum-label-removed` | an enum label removed or renamed | none |
//! | `mixed-ddl-and-data` | DDL and `UPDATE`/`INSERT`/`DELETE` on existing tables in one migration | none |
//! | `used-by-code` | a drop or rename of what the code's queries use ([`rolling_deploy`]) | none |
//!
//! # Suppression and levels
//!
//! A comment line before a statement silences rules for that statement:
//!
//! ```sql
//! -- migrate:lint allow drop-column, rename-column
//! ALTER TABLE users DROP COLUMN legacy_name;
//! ```
//!
//! Project-wide levels (`allow`, `warn`, `deny`) are read from
//! `[package.metadata.migrate.lint]` or `[workspace.metadata.migrate.lint]`,
//! by rule id, with `all` for every rule, and `since` to leave alone the
//! migrations that every database has already applied
//! ([`LintConfig::from_table`]).
//!
//! ```
//! use migrate_build::lint::{LintConfig, lint};
//!
//! let migrations = [
//!     migrate_build::lint::inline_migration("1", "CREATE TABLE users (id int, name text);"),
//!     migrate_build::lint::inline_migration("2", "ALTER TABLE users DROP COLUMN name;"),
//! ];
//! let findings = lint(&migrations, &LintConfig::default());
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].rule, "drop-column");
//! assert_eq!(findings[0].version, "2");
//! ```

mod rules;
mod uses;

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use migrate_core::Migration;

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::Error;

pub use uses::{
    BUILD_FILE, QueryUses, TableColumn, UsesFile, read_uses, record_build_uses, record_query_uses,
    rolling_deploy,
};

/// How a rule's findings are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; a build prints a `cargo:warning`, `migrate lint` exits 0.
    Warn,
    /// Reported as an error; a build fails, `migrate lint` exits 1.
    Deny,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warning",
            Level::Deny => "error",
        }
    }
}

impl std::str::FromStr for Level {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "allow" => Ok(Level::Allow),
            "warn" | "warning" => Ok(Level::Warn),
            "deny" | "error" => Ok(Level::Deny),
            other => Err(format!(
                "unknown lint level `{other}`: expected allow, warn or deny"
            )),
        }
    }
}

/// One lint rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The id used in messages, suppression comments and configuration.
    pub id: &'static str,
    /// The level when nothing is configured.
    pub default_level: Level,
    /// The squawk rule(s) with the same concern, when there is one.
    pub squawk: &'static [&'static str],
    /// One line: what the rule flags.
    pub summary: &'static str,
}

/// Every rule, in the order of the documentation.
pub const RULES: &[Rule] = &[
    Rule {
        id: "drop-table",
        default_level: Level::Warn,
        squawk: &["ban-drop-table"],
        summary: "dropping a table that existed before the migration",
    },
    Rule {
        id: "drop-column",
        default_level: Level::Warn,
        squawk: &["ban-drop-column"],
        summary: "dropping a column of an existing table",
    },
    Rule {
        id: "rename-table",
        default_level: Level::Warn,
        squawk: &["renaming-table"],
        summary: "renaming an existing table",
    },
    Rule {
        id: "rename-column",
        default_level: Level::Warn,
        squawk: &["renaming-column"],
        summary: "renaming a column of an existing table",
    },
    Rule {
        id: "rewriting-type-change",
        default_level: Level::Warn,
        squawk: &["changing-column-type"],
        summary: "a column type change that rewrites the table (not binary-coercible)",
    },
    Rule {
        id: "required-column",
        default_level: Level::Warn,
        squawk: &["adding-required-field"],
        summary: "a NOT NULL column without a default added to an existing table",
    },
    Rule {
        id: "set-not-null",
        default_level: Level::Warn,
        squawk: &["adding-not-nullable-field"],
        summary: "SET NOT NULL on a column of an existing table",
    },
    Rule {
        id: "index-without-concurrently",
        default_level: Level::Warn,
        squawk: &[
            "require-concurrent-index-creation",
            "disallowed-unique-constraint",
        ],
        summary: "CREATE INDEX without CONCURRENTLY, or a unique or primary key constraint that builds its own index, on an existing table",
    },
    Rule {
        id: "concurrently-in-transaction",
        default_level: Level::Warn,
        squawk: &["ban-concurrent-index-creation-in-transaction"],
        summary: "a CONCURRENTLY statement inside a transaction block, or next to other statements",
    },
    Rule {
        id: "constraint-without-not-valid",
        default_level: Level::Warn,
        squawk: &[
            "adding-foreign-key-constraint",
            "constraint-missing-not-valid",
        ],
        summary: "a foreign key or check constraint added to an existing table without NOT VALID",
    },
    Rule {
        id: "volatile-default",
        default_level: Level::Warn,
        squawk: &["adding-field-with-default"],
        summary: "a column with a volatile default added to an existing table",
    },
    Rule {
        id: "enum-label-removed",
        default_level: Level::Warn,
        squawk: &[],
        summary: "an enum label removed (type recreated) or renamed",
    },
    Rule {
        id: "mixed-ddl-and-data",
        default_level: Level::Warn,
        squawk: &[],
        summary: "a migration that changes existing tables and also runs UPDATE/INSERT/DELETE on them",
    },
    Rule {
        id: "used-by-code",
        default_level: Level::Deny,
        squawk: &[],
        summary: "a drop or rename of a table or column that the code's queries still use",
    },
];

/// The rule with that id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}

/// Levels by rule id; rules not named keep their default level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LintConfig {
    /// `all = "deny"`: the level of every rule not named.
    pub all: Option<Level>,
    /// By rule id.
    pub levels: BTreeMap<String, Level>,
    /// Lint only the migrations after this version: older ones are applied
    /// everywhere and can no longer change (`since = "20240101000000"`).
    /// Every migration when `None` or when no migration has that version.
    pub since: Option<String>,
}

impl LintConfig {
    /// The level of a rule.
    pub fn level(&self, rule_id: &str) -> Level {
        if let Some(level) = self.levels.get(rule_id) {
            return *level;
        }
        if let Some(level) = self.all {
            return level;
        }
        rule(rule_id).map_or(Level::Warn, |rule| rule.default_level)
    }

    /// Every reported finding becomes an error (`migrate lint --deny`).
    pub fn deny_all(mut self) -> Self {
        for level in self.levels.values_mut() {
            if *level == Level::Warn {
                *level = Level::Deny;
            }
        }
        if self.all != Some(Level::Allow) {
            self.all = Some(Level::Deny);
        }
        self
    }

    /// `other`'s settings over this one's, key by key (a package's table
    /// over its workspace's).
    pub fn overridden_by(mut self, other: &LintConfig) -> Self {
        if other.all.is_some() {
            self.all = other.all;
            // A package's `all` also beats the workspace's named rules.
            self.levels.clear();
        }
        self.levels
            .extend(other.levels.iter().map(|(id, level)| (id.clone(), *level)));
        if other.since.is_some() {
            self.since = other.since.clone();
        }
        self
    }

    /// Reads the `lint` table of `[package.metadata.migrate]`:
    ///
    /// ```toml
    /// [package.metadata.migrate.lint]
    /// all = "warn"
    /// drop-column = "deny"
    /// mixed-ddl-and-data = "allow"
    /// since = "20240101000000"   # lint only the migrations after this one
    /// ```
    ///
    /// `origin` names the table in messages.
    pub fn from_table(table: &serde_json::Value, origin: &str) -> Result<Self, Error> {
        let Some(table) = table.as_object() else {
            return Err(Error::Config(format!("{origin} must be a table")));
        };
        let mut config = LintConfig::default();
        for (key, value) in table {
            let Some(text) = value.as_str() else {
                return Err(Error::Config(format!(
                    "`{key}` in {origin} must be a string: allow, warn or deny"
                )));
            };
            if key == "since" {
                config.since = Some(text.to_owned());
                continue;
            }
            let level = text
                .parse::<Level>()
                .map_err(|error| Error::Config(format!("{origin}: `{key}`: {error}")))?;
            if key == "all" {
                config.all = Some(level);
                continue;
            }
            if rule(key).is_none() {
                let help = RULES
                    .iter()
                    .map(|rule| (strsim::levenshtein(key, rule.id), rule.id))
                    .filter(|(distance, _)| *distance <= 3)
                    .min()
                    .map(|(_, id)| format!(": did you mean `{id}`?"))
                    .unwrap_or_default();
                return Err(Error::Config(format!(
                    "unknown lint rule `{key}` in {origin}{help}"
                )));
            }
            config.levels.insert(key.clone(), level);
        }
        Ok(config)
    }
}

/// One hazard found in a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule id (`drop-column`).
    pub rule: &'static str,
    /// Its configured level (never [`Level::Allow`]: those are not reported).
    pub level: Level,
    /// Message, help (the safe alternative), file and span into the file.
    pub diagnostic: Diagnostic,
    /// The version of the migration it is in.
    pub version: String,
}

impl Finding {
    /// `file:line:col: warning[drop-column]: message`, then the help on a
    /// line of its own; `source` is the text of the migration file.
    pub fn render_line(&self, source: &str, shown_path: &str) -> String {
        let (line, column) = self.diagnostic.line_col(source);
        let mut out = format!(
            "{shown_path}:{line}:{column}: {}[{}]: {}",
            self.level.name(),
            self.rule,
            self.diagnostic.message
        );
        if let Some(help) = &self.diagnostic.help {
            out.push_str("\n  = help: ");
            out.push_str(help);
        }
        out
    }

    /// Whether the finding fails a build or `migrate lint`.
    pub fn is_denied(&self) -> bool {
        self.level == Level::Deny
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}[{}]: {}",
            self.level.name(),
            self.rule,
            self.diagnostic
        )
    }
}

/// Lints every migration, in order; findings of rules at [`Level::Allow`]
/// and suppressed ones are left out.
pub fn lint(migrations: &[Migration], config: &LintConfig) -> Vec<Finding> {
    let raw = rules::check(migrations);
    // Versions of the migrations that are already applied everywhere.
    let settled: std::collections::HashSet<&str> = match config
        .since
        .as_ref()
        .and_then(|since| migrations.iter().position(|m| &m.version == since))
    {
        Some(position) => migrations[..=position]
            .iter()
            .map(|m| m.version.as_str())
            .collect(),
        None => std::collections::HashSet::new(),
    };
    raw.into_iter()
        .filter(|finding| !settled.contains(finding.version.as_str()))
        .filter_map(|finding| finish(finding, config))
        .collect()
}

/// Sets the level and the diagnostic's severity; `None` when allowed.
pub(crate) fn finish(mut finding: Finding, config: &LintConfig) -> Option<Finding> {
    let level = config.level(finding.rule);
    if level == Level::Allow {
        return None;
    }
    finding.level = level;
    finding.diagnostic.severity = match level {
        Level::Deny => Severity::Error,
        Level::Warn | Level::Allow => Severity::Warning,
    };
    Some(finding)
}

/// Counts of findings per rule id, every rule listed (zero included).
pub fn counts(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut counts: BTreeMap<&'static str, usize> = RULES.iter().map(|rule| (rule.id, 0)).collect();
    for finding in findings {
        *counts.entry(finding.rule).or_default() += 1;
    }
    counts
}

/// The findings rendered one per line (with help lines), paths shown
/// as `dir/<migration path>`; sources are read from `dir`.
pub fn render_findings(findings: &[Finding], dir: &Path, shown_dir: &str) -> String {
    let mut sources: BTreeMap<std::path::PathBuf, String> = BTreeMap::new();
    let mut out = String::new();
    for finding in findings {
        let file = finding.diagnostic.file.clone().unwrap_or_default();
        let source = sources
            .entry(file.clone())
            .or_insert_with(|| std::fs::read_to_string(dir.join(&file)).unwrap_or_default());
        let shown = if shown_dir.is_empty() {
            file.display().to_string()
        } else {
            format!("{}/{}", shown_dir.trim_end_matches('/'), file.display())
        };
        out.push_str(&finding.render_line(source, &shown));
        out.push('\n');
    }
    out
}

/// A migration made of one SQL text, for tests and examples: version
/// `version`, path `<version>.sql`, transactional.
pub fn inline_migration(version: &str, sql: &str) -> Migration {
    Migration {
        checksum: migrate_core::checksum(sql),
        ..Migration::new(
            version.to_owned(),
            format!("m{version}"),
            format!("{version}.sql"),
            sql.to_owned(),
        )
    }
}
