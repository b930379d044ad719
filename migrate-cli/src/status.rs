//! `migrate status`: each migration against the database's history.
//!
//! Exits 0 only when every migration is applied; pending, failed, edited
//! or missing migrations exit 1, so that CI can gate on it.

use std::collections::BTreeMap;

use migrate_runtime::HistoryEntry;
use serde_json::json;

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::migrations::{MigrationsArgs, embedded};
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Print one JSON document instead of text.
    #[arg(long)]
    json: bool,
}

/// Where one migration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    /// Recorded as applied with the file's checksum.
    Applied,
    /// Being applied right now by a deploy (or a service's boot) that holds
    /// the migration lock.
    Running,
    /// Not recorded yet.
    Pending,
    /// Recorded as failed or interrupted: `migrate resolve` decides.
    Failed,
    /// Recorded as applied, but the file changed since.
    Edited,
    /// Recorded, but no file has its version.
    Missing,
}

impl State {
    fn word(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Running => "running",
            State::Pending => "pending",
            State::Failed => "failed",
            State::Edited => "edited",
            State::Missing => "missing",
        }
    }
}

struct Row {
    state: State,
    version: String,
    name: String,
    path: Option<String>,
    detail: Option<String>,
    /// When it was applied and how long it took, from the history.
    applied_at: Option<String>,
    execution_ms: Option<i64>,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let discovered = args.migrations.discover()?;
    let mut client = args.database.connect()?;
    let migrations = embedded(&discovered.migrations, None);
    let runner = args.database.runner(&migrations)?;
    let history = runner.history(&mut client)?;
    let holder = runner.lock_holder_now(&mut client)?;
    let mut rows = rows(&discovered.migrations, &history);
    let lock_note = holder
        .as_ref()
        .and_then(|holder| mark_running(&mut rows, &history, holder));

    let mut counts: BTreeMap<State, usize> = BTreeMap::new();
    for row in &rows {
        *counts.entry(row.state).or_default() += 1;
    }
    let summary = counts
        .iter()
        .map(|(state, n)| format!("{n} {}", state.word()))
        .collect::<Vec<_>>()
        .join(", ");
    let text = if args.json {
        let migrations: Vec<_> = rows
            .iter()
            .map(|row| {
                json!({
                    "version": row.version,
                    "name": row.name,
                    "path": row.path,
                    "state": row.state.word(),
                    "detail": row.detail,
                    "applied_at": row.applied_at,
                    "execution_ms": row.execution_ms,
                })
            })
            .collect();
        let counts: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(state, n)| (state.word().to_owned(), json!(n)))
            .collect();
        crate::output::json_document(json!({
                "migrations": migrations,
                "counts": counts,
                "lock_holder": holder.as_ref().map(|holder| json!({
                    "pid": holder.pid,
                    "application_name": holder.application_name,
                    "state": holder.state,
                    "since": holder.since,
                    "query": holder.query,
                })),
        }))
    } else {
        let width = rows.iter().map(|row| row.version.len()).max().unwrap_or(0);
        let mut text = String::new();
        for row in &rows {
            let word = format!("{:<8}", row.state.word());
            let word = match row.state {
                State::Applied => crate::output::paint(crate::output::style::GOOD, &word),
                State::Pending | State::Running => {
                    crate::output::paint(crate::output::style::WARNING, &word)
                }
                _ => crate::output::paint(crate::output::style::ERROR, &word),
            };
            text.push_str(&format!(
                "{word} {:<width$}  {}",
                row.version,
                row.path.as_deref().unwrap_or(&row.name)
            ));
            if let Some(detail) = &row.detail {
                text.push_str(&format!(": {detail}"));
            } else if let Some(at) = &row.applied_at {
                text.push_str(&format!("  applied {at}"));
                if let Some(ms) = row.execution_ms {
                    text.push_str(&format!(" in {ms} ms"));
                }
            }
            text.push('\n');
        }
        if rows.is_empty() {
            text.push_str("no migrations\n");
        } else {
            text.push_str(&format!("{summary}\n"));
        }
        if let Some(note) = &lock_note {
            text.push_str(&format!("{note}\n"));
        }
        text
    };
    print(&text)?;
    // Anything but "up to date" is a finding, pending migrations included:
    // a CI step gates on `migrate status` as it would on Prisma's.
    if counts.keys().any(|state| *state != State::Applied) {
        return Err(Failure::findings());
    }
    Ok(())
}

fn rows(migrations: &[migrate_core::Migration], history: &[HistoryEntry]) -> Vec<Row> {
    let mut rows: Vec<Row> = migrations
        .iter()
        .map(|migration| {
            let entry = history.iter().find(|entry| entry.version == migration.version);
            let (state, detail) = match entry {
                None => (State::Pending, None),
                Some(entry) if !entry.success => (
                    State::Failed,
                    Some(match (&entry.error, entry.failed_statement) {
                        (Some(error), Some(statement)) => {
                            format!("statement {statement} failed: {error}; then run `migrate resolve --applied {0}` or `--rolled-back {0}`", migration.version)
                        }
                        (Some(error), None) => format!("failed: {error}; then run `migrate resolve --applied {0}` or `--rolled-back {0}`", migration.version),
                        (None, _) => format!(
                            "interrupted after {} statements; finish or undo it by hand, then run `migrate resolve --applied {1}` or `--rolled-back {1}`",
                            entry.statements_done.unwrap_or(0),
                            migration.version
                        ),
                    }),
                ),
                Some(entry) if entry.checksum != migration.checksum => (
                    State::Edited,
                    Some(format!(
                        "edited after it was applied (checksum {} recorded, the file has {})",
                        short(&entry.checksum),
                        short(&migration.checksum)
                    )),
                ),
                Some(_) => (State::Applied, None),
            };
            Row {
                state,
                version: migration.version.clone(),
                name: migration.name.clone(),
                path: Some(migration.path.clone()),
                detail,
                applied_at: entry.and_then(|entry| entry.started_at.clone()),
                execution_ms: entry.and_then(|entry| entry.execution_ms),
            }
        })
        .collect();
    for entry in history {
        if !migrations.iter().any(|m| m.version == entry.version) {
            rows.push(Row {
                state: State::Missing,
                version: entry.version.clone(),
                name: entry.name.clone(),
                path: None,
                detail: Some(format!(
                    "recorded in the database ({}), no file in the migrations directory",
                    entry.name
                )),
                applied_at: entry.started_at.clone(),
                execution_ms: entry.execution_ms,
            });
        }
    }
    rows
}

/// Marks the migration the lock holder is applying as running: a
/// transactional one is named by the comment its query starts with (its
/// history row is not committed yet), a non-transactional one by its
/// unfinished history row. Otherwise returns a line saying who holds the
/// lock.
fn mark_running(
    rows: &mut [Row],
    history: &[HistoryEntry],
    holder: &migrate_runtime::LockHolder,
) -> Option<String> {
    let unfinished = |version: &str| {
        history.iter().any(|entry| {
            entry.version == version
                && !entry.success
                && entry.finished_at.is_none()
                && entry.failed_statement.is_none()
        })
    };
    let running = rows.iter_mut().find(|row| match holder.applying() {
        Some(version) => row.version == version,
        None => row.state == State::Failed && unfinished(&row.version),
    });
    let since = match (&holder.since, holder.seconds) {
        (Some(since), Some(seconds)) => format!(" since {since} ({seconds} s)"),
        _ => String::new(),
    };
    match running {
        Some(row) => {
            let statements = history
                .iter()
                .find(|entry| entry.version == row.version && holder.applying().is_none())
                .map(|entry| format!(", {} statements done", entry.statements_done.unwrap_or(0)))
                .unwrap_or_default();
            row.state = State::Running;
            row.detail = Some(format!(
                "being applied by server process pid {}{since}{statements}",
                holder.pid
            ));
            None
        }
        None => Some(format!(
            "the migration lock is held by {holder}: a deploy is under way"
        )),
    }
}

fn short(checksum: &str) -> &str {
    checksum.get(..12).unwrap_or(checksum)
}
