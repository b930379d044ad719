//! Deciding what to apply from the embedded migrations and the history,
//! without touching the database.

use crate::error::DirtyMigration;
use crate::{EmbeddedMigration, Error};

/// One row of the history table as the runner reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct HistoryRow {
    pub version: String,
    pub name: String,
    pub checksum: String,
    pub success: bool,
    pub finished: bool,
    pub failed_statement: Option<i32>,
    pub statements_done: Option<i32>,
    pub error: Option<String>,
}

/// The options that affect planning.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PlanOptions<'a> {
    pub target: Option<&'a str>,
    pub allow_missing: bool,
    pub allow_out_of_order: bool,
}

/// What to do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// Indexes into the embedded migrations, in apply order.
    pub pending: Vec<usize>,
    /// Embedded migrations already in the history.
    pub already_applied: usize,
    /// History versions the binary does not carry (allowed by the options).
    pub missing: Vec<String>,
}

/// Checks the history against the embedded migrations and lists what is left
/// to apply. A failed or interrupted migration, an edited one, a missing one
/// or an out-of-order one stops everything before anything is applied.
pub(crate) fn plan(
    migrations: &[EmbeddedMigration],
    history: &[HistoryRow],
    options: PlanOptions<'_>,
) -> Result<Plan, Error> {
    let position = |version: &str| migrations.iter().position(|m| m.version == version);

    let target_index = match options.target {
        Some(target) => match position(target) {
            Some(index) => Some(index),
            None => {
                return Err(Error::UnknownTarget {
                    target: target.to_owned(),
                });
            }
        },
        None => None,
    };

    if let Some(row) = history.iter().find(|row| !row.success) {
        let embedded = position(&row.version).map(|index| &migrations[index]);
        return Err(Error::Dirty(Box::new(DirtyMigration {
            version: row.version.clone(),
            name: row.name.clone(),
            path: embedded.map_or_else(|| row.name.clone(), |m| m.path.to_owned()),
            failed_statement: if row.error.is_some() {
                row.failed_statement
            } else {
                None
            },
            statements_done: row.statements_done.unwrap_or(0),
            n_statements: embedded.map_or(0, |m| m.statements.len().max(1)),
            error: row.error.clone(),
            invalid_indexes: Vec::new(),
        })));
    }

    let mut applied = vec![false; migrations.len()];
    let mut missing = Vec::new();
    for row in history {
        match position(&row.version) {
            Some(index) => {
                let migration = &migrations[index];
                if migration.checksum != row.checksum {
                    return Err(Error::ChecksumMismatch {
                        version: row.version.clone(),
                        path: migration.path.to_owned(),
                        applied_checksum: row.checksum.clone(),
                        embedded_checksum: migration.checksum.to_owned(),
                    });
                }
                applied[index] = true;
            }
            None => missing.push(format!("{} ({})", row.version, row.name)),
        }
    }
    if !missing.is_empty() && !options.allow_missing {
        return Err(Error::MissingMigrations { versions: missing });
    }

    let newest_applied = applied.iter().rposition(|&is_applied| is_applied);
    let last = target_index.unwrap_or(migrations.len().saturating_sub(1));
    let pending: Vec<usize> = (0..migrations.len())
        .filter(|&index| !applied[index] && index <= last)
        .collect();
    if let Some(newest) = newest_applied {
        let early: Vec<String> = pending
            .iter()
            .filter(|&&index| index < newest)
            .map(|&index| format!("{} ({})", migrations[index].version, migrations[index].path))
            .collect();
        if !early.is_empty() && !options.allow_out_of_order {
            return Err(Error::OutOfOrder {
                newest_applied: format!(
                    "{} ({})",
                    migrations[newest].version, migrations[newest].path
                ),
                migrations: early,
            });
        }
    }
    Ok(Plan {
        pending,
        already_applied: applied.iter().filter(|&&is_applied| is_applied).count(),
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn migration(version: &'static str, checksum: &'static str) -> EmbeddedMigration {
        EmbeddedMigration {
            version,
            name: "m",
            path: version,
            sql: "",
            lines_before_up: 0,
            down: None,
            checksum,
            transactional: true,
            statements: &[],
        }
    }

    static MIGRATIONS: [EmbeddedMigration; 3] = [
        migration("1", "a"),
        migration("2", "b"),
        migration("3", "c"),
    ];

    fn row(version: &str, checksum: &str) -> HistoryRow {
        HistoryRow {
            version: version.to_owned(),
            name: "m".to_owned(),
            checksum: checksum.to_owned(),
            success: true,
            finished: true,
            failed_statement: None,
            statements_done: None,
            error: None,
        }
    }

    #[test]
    fn pending_after_applied() {
        let plan = plan(&MIGRATIONS, &[row("1", "a")], PlanOptions::default()).unwrap();
        assert_eq!(plan.pending, vec![1, 2]);
        assert_eq!(plan.already_applied, 1);
    }

    #[test]
    fn target_stops_early() {
        let options = PlanOptions {
            target: Some("2"),
            ..PlanOptions::default()
        };
        assert_eq!(plan(&MIGRATIONS, &[], options).unwrap().pending, vec![0, 1]);
        let options = PlanOptions {
            target: Some("9"),
            ..PlanOptions::default()
        };
        assert!(matches!(
            plan(&MIGRATIONS, &[], options),
            Err(Error::UnknownTarget { .. })
        ));
    }

    #[test]
    fn refusals() {
        let edited = plan(&MIGRATIONS, &[row("1", "x")], PlanOptions::default()).unwrap_err();
        assert!(matches!(edited, Error::ChecksumMismatch { .. }), "{edited}");

        let missing = plan(&MIGRATIONS, &[row("0", "z")], PlanOptions::default()).unwrap_err();
        assert!(
            matches!(missing, Error::MissingMigrations { .. }),
            "{missing}"
        );
        let allowed = PlanOptions {
            allow_missing: true,
            ..PlanOptions::default()
        };
        assert_eq!(
            plan(&MIGRATIONS, &[row("0", "z")], allowed)
                .unwrap()
                .pending,
            vec![0, 1, 2]
        );

        let out_of_order = plan(
            &MIGRATIONS,
            &[row("1", "a"), row("3", "c")],
            PlanOptions::default(),
        )
        .unwrap_err();
        assert!(
            matches!(out_of_order, Error::OutOfOrder { .. }),
            "{out_of_order}"
        );
        let allowed = PlanOptions {
            allow_out_of_order: true,
            ..PlanOptions::default()
        };
        assert_eq!(
            plan(&MIGRATIONS, &[row("1", "a"), row("3", "c")], allowed)
                .unwrap()
                .pending,
            vec![1]
        );

        let mut failed = row("2", "b");
        failed.success = false;
        let dirty = plan(
            &MIGRATIONS,
            &[row("1", "a"), failed],
            PlanOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(dirty, Error::Dirty(_)), "{dirty}");
    }
}
