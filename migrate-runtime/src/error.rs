//! The runtime's one error type.

use std::time::Duration;

/// Everything that can stop a runner. Messages name the migration (version
/// and file) where one is involved, and the command that resolves the
/// problem where there is one.
///
/// `Debug` prints the same sentence as `Display`, so that
/// `fn main() -> Result<(), Box<dyn std::error::Error>>` shows what went
/// wrong and what to do, not the variant's fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The embedded schema snapshot is not valid JSON of a schema.
    #[error("the embedded schema snapshot cannot be read: {source}")]
    Snapshot {
        /// What serde_json said.
        source: serde_json::Error,
    },
    /// An option given to the runner is not usable.
    #[error("invalid runner option: {message}")]
    InvalidOption {
        /// What is wrong.
        message: String,
    },
    /// The connection could not be made: refused, timed out, answered by
    /// something that is not PostgreSQL, or refused by the server.
    #[error("cannot connect to {target}: {message}")]
    Connect {
        /// Hosts and ports, the database and the user: never the password.
        target: String,
        /// What went wrong, in words, with what to check.
        message: String,
    },
    /// The database could not be talked to (connection lost, protocol error, ...).
    #[error("{context}: {}", with_causes(source))]
    Database {
        /// What the runner was doing.
        context: String,
        /// The driver's error.
        source: postgres::Error,
    },
    /// Another runner held the migration lock for longer than the timeout.
    #[error(
        "timed out after {waited:?} waiting for the migration lock (advisory lock {key} on database {database:?}){}",
        holder_description(*holder_pid, holder_application.as_deref())
    )]
    LockTimeout {
        /// How long the runner waited.
        waited: Duration,
        /// The advisory lock key.
        key: i64,
        /// The database the lock is on.
        database: String,
        /// The backend that holds the lock, when it could be found in pg_locks.
        holder_pid: Option<i32>,
        /// Its application_name, when known.
        holder_application: Option<String>,
    },
    /// The connection goes through a pooler in transaction or statement mode
    /// (PgBouncer, Supavisor, ...), where a session advisory lock means nothing.
    #[error(
        "the connection goes through a transaction-mode pooler (the server process changed from pid {first_pid} to pid {second_pid} between two statements): migrations need a session of their own; connect directly to PostgreSQL (for example with DIRECT_URL rather than the pooled DATABASE_URL) — nothing was applied"
    )]
    TransactionPooler {
        /// The backend that served the first statement.
        first_pid: i32,
        /// The backend that served a later one.
        second_pid: i32,
    },
    /// The session already held the migration lock before this run took it:
    /// another client shares the server session, as behind a pooler.
    #[error(
        "the migration lock was already held by this very server session (pid {pid}) before this run took it: the connection is shared with other clients, as through a transaction-mode pooler (PgBouncer, Supavisor, ...); connect directly to PostgreSQL (for example with DIRECT_URL rather than the pooled DATABASE_URL) — nothing was applied"
    )]
    SharedSession {
        /// The server process.
        pid: i32,
    },
    /// The migration lock was lost while migrating (the backend that held
    /// it is not the one running the migration).
    #[error(
        "migration {version} ({path}) was not applied: this server process does not hold the migration lock; the connection is probably pooled in transaction mode: connect directly to PostgreSQL (DIRECT_URL)"
    )]
    LockLost {
        /// The migration that was about to run.
        version: String,
        /// Its file.
        path: String,
    },
    /// An applied migration's SQL was edited after it was applied.
    #[error(
        "migration {version} ({path}) was edited after it was applied: the database recorded checksum {applied_checksum}, the file now has {embedded_checksum}; restore the file as it was applied, or add a new migration for the change"
    )]
    ChecksumMismatch {
        /// The migration's version.
        version: String,
        /// Its file.
        path: String,
        /// The checksum in the history table.
        applied_checksum: String,
        /// The checksum of the embedded SQL.
        embedded_checksum: String,
    },
    /// The database recorded migrations this binary does not carry.
    #[error(
        "the database has applied {} that this binary does not carry: {}; run a binary built with them, or allow missing migrations (Runner::allow_missing)",
        plural(versions.len(), "migration", "migrations"),
        versions.join(", ")
    )]
    MissingMigrations {
        /// Versions (and names) in the history but not embedded.
        versions: Vec<String>,
    },
    /// New migrations sort before the newest applied one.
    #[error(
        "{} older than the newest applied migration {newest_applied}: {}; rename {} to sort after it, or allow out-of-order migrations (Runner::allow_out_of_order)",
        plural(migrations.len(), "pending migration is", "pending migrations are"),
        migrations.join(", "),
        if migrations.len() == 1 { "it" } else { "them" }
    )]
    OutOfOrder {
        /// The newest applied version.
        newest_applied: String,
        /// The pending migrations that sort before it (`version (path)`).
        migrations: Vec<String>,
    },
    /// A non-transactional migration failed or was interrupted partway on an
    /// earlier run, and needs a person to decide what state it left.
    #[error("{0}")]
    Dirty(Box<DirtyMigration>),
    /// A migration failed; for a transactional one nothing of it was applied.
    #[error("{0}")]
    MigrationFailed(Box<FailedMigration>),
    /// A migration ran out of `lock_timeout` on every attempt: other
    /// transactions held the tables it alters.
    #[error("{0}")]
    LocksNotAvailable(Box<LocksNotAvailable>),
    /// The run was stopped through [`crate::Interrupt`] (Ctrl-C, SIGTERM).
    #[error("{0}")]
    Interrupted(Box<Interrupted>),
    /// The history table exists but does not have the columns this runner writes.
    #[error("the history table {table} is not a migrate history table: {message}")]
    HistoryTable {
        /// The table, schema-qualified.
        table: String,
        /// What is wrong with it.
        message: String,
    },
    /// The target version is not one of the embedded migrations.
    #[error("target version {target} is not one of the embedded migrations")]
    UnknownTarget {
        /// The version asked for.
        target: String,
    },
    /// A version that neither the history nor the binary knows.
    #[error(
        "migration {version} is neither recorded in the history table nor carried by this binary"
    )]
    UnknownVersion {
        /// The version asked for.
        version: String,
    },
    /// TLS could not be set up (feature `tls`).
    #[error("tls: {message}")]
    Tls {
        /// What went wrong.
        message: String,
    },
    /// Drift was found after migrating and the policy is [`crate::DriftPolicy::Fail`].
    #[error("the database schema drifted from the migrations:\n{report}")]
    Drift {
        /// The differences, one per line, each with the SQL that would fix it.
        report: String,
    },
    /// The catalog answered with something the drift check cannot read.
    #[error("cannot read the live schema from pg_catalog: {message}")]
    Introspection {
        /// What could not be read.
        message: String,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A non-transactional migration that failed or was interrupted on an earlier run.
#[derive(Debug)]
#[non_exhaustive]
pub struct DirtyMigration {
    /// The migration's version.
    pub version: String,
    /// Its name.
    pub name: String,
    /// Its file.
    pub path: String,
    /// The 1-based statement that failed, when it failed with an error.
    pub failed_statement: Option<i32>,
    /// How many statements completed.
    pub statements_done: i32,
    /// How many statements it has (0 when the binary does not carry it).
    pub n_statements: usize,
    /// The recorded error, when it failed (rather than being interrupted).
    pub error: Option<String>,
    /// Indexes left INVALID by a failed `CREATE INDEX CONCURRENTLY`.
    pub invalid_indexes: Vec<String>,
}

/// A migration that could not get its table locks within `lock_timeout`,
/// on its every attempt.
#[derive(Debug)]
#[non_exhaustive]
pub struct LocksNotAvailable {
    /// The migration's version.
    pub version: String,
    /// Its file.
    pub path: String,
    /// How many times it was tried.
    pub attempts: u32,
    /// How long each attempt waited (`None`: without limit, as with `NOWAIT`).
    pub lock_timeout: Option<Duration>,
    /// Other transactions holding table locks when it gave up, the oldest
    /// first: the one it waited for is among them.
    pub blockers: Vec<crate::LockHolder>,
    /// PostgreSQL's error.
    pub source: postgres::Error,
}

impl std::fmt::Display for LocksNotAvailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let waited = match self.lock_timeout {
            Some(timeout) => format!(
                "waited lock_timeout ({} ms) for its table locks",
                timeout.as_millis()
            ),
            None => "could not take its table locks".to_owned(),
        };
        write!(
            f,
            "migration {} ({}) {waited} on each of {} and was rolled back each time, so that the service's queries did not queue behind it",
            self.version,
            self.path,
            plural(self.attempts as usize, "attempt", "attempts"),
        )?;
        match self.blockers.as_slice() {
            [] => write!(
                f,
                "; the transaction that held them had ended when it gave up"
            )?,
            [holder] => write!(f, "; the table is held by {holder}")?,
            holders => {
                let list: Vec<String> = holders.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "; transactions holding tables, the oldest first: {}",
                    list.join("; ")
                )?;
            }
        }
        if let Some(holder) = self.blockers.first() {
            write!(
                f,
                "; end that transaction (SELECT pg_terminate_backend({})) or deploy at a quieter time",
                holder.pid
            )?;
        }
        write!(
            f,
            "; to wait longer, put `-- migrate:lock_timeout 30s` in the migration or raise the lock timeout of the run"
        )
    }
}

impl std::error::Error for LocksNotAvailable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A run stopped through [`crate::Interrupt`].
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Interrupted {
    /// The migration it was applying, if any.
    pub version: Option<String>,
    /// Its file.
    pub path: Option<String>,
    /// Whether that migration ran in a transaction (then it was rolled back).
    pub transactional: bool,
    /// For a non-transactional migration, the 1-based statement it reached
    /// (recorded as failed there).
    pub statement: Option<usize>,
    /// For a non-transactional migration, how many statements it has.
    pub n_statements: usize,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (Some(version), Some(path)) = (&self.version, &self.path) else {
            return write!(
                f,
                "interrupted before a migration started: nothing more was applied, and the migration lock was released"
            );
        };
        if self.transactional {
            return write!(
                f,
                "interrupted while applying migration {version} ({path}): its statement was cancelled on the server and its transaction rolled back, so nothing of it was applied; the migration lock was released"
            );
        }
        let statement = self.statement.unwrap_or(0);
        write!(
            f,
            "interrupted while applying non-transactional migration {version} ({path}) at statement {statement} of {}: the statements before it stay applied, and it is recorded as failed there; repair the database, then run `migrate resolve --applied {version}` or `migrate resolve --rolled-back {version}`",
            self.n_statements
        )
    }
}

impl std::error::Error for Interrupted {}

/// A migration that failed on this run.
#[derive(Debug)]
#[non_exhaustive]
pub struct FailedMigration {
    /// The migration's version.
    pub version: String,
    /// Its file.
    pub path: String,
    /// Whether it ran in a transaction (and so was rolled back whole).
    pub transactional: bool,
    /// For a non-transactional migration, the 1-based statement that failed.
    pub statement: Option<usize>,
    /// For a non-transactional migration, how many statements it has.
    pub n_statements: usize,
    /// Line and column (1-based) in the migration's file where PostgreSQL
    /// placed the error, when it gave a position.
    pub line_column: Option<(usize, usize)>,
    /// The driver's error (PostgreSQL's message).
    pub source: postgres::Error,
    /// Indexes left INVALID by a failed `CREATE INDEX CONCURRENTLY`.
    pub invalid_indexes: Vec<String>,
}

impl std::fmt::Display for DirtyMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            version,
            name: _,
            path,
            failed_statement,
            statements_done,
            n_statements,
            error,
            invalid_indexes,
        } = self;
        let what = match (failed_statement, error) {
            (Some(statement), Some(error)) => format!(
                "failed at statement {statement} of {n_statements} on an earlier run ({error})"
            ),
            _ => format!(
                "was interrupted on an earlier run after {statements_done} of {n_statements} statements (the process died or lost its connection)"
            ),
        };
        write!(
            f,
            "non-transactional migration {version} ({path}) {what}; the statements before it stay applied and the database may hold part of it: repair the database by hand, then run `migrate resolve --applied {version}` if the migration's effect is now complete, or `migrate resolve --rolled-back {version}` to run it again on the next boot{}",
            invalid_index_help(invalid_indexes)
        )
    }
}

impl std::error::Error for DirtyMigration {}

impl std::fmt::Display for FailedMigration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            version,
            path,
            transactional,
            statement,
            n_statements,
            line_column,
            source,
            invalid_indexes,
        } = self;
        let location = match line_column {
            Some((line, column)) => format!("{path}:{line}:{column}"),
            None => path.clone(),
        };
        let cause = match source.as_db_error() {
            Some(db) => {
                let mut cause = db.message().to_owned();
                if let Some(detail) = db.detail() {
                    cause.push_str(&format!(" (detail: {detail})"));
                }
                if let Some(hint) = db.hint() {
                    cause.push_str(&format!(" (hint: {hint})"));
                }
                cause
            }
            None => source.to_string(),
        };
        if *transactional {
            write!(
                f,
                "migration {version} failed at {location}: {cause}; it was rolled back and nothing of it was applied"
            )
        } else {
            let statement = statement.unwrap_or(0);
            write!(
                f,
                "non-transactional migration {version} failed at {location}, statement {statement} of {n_statements}: {cause}; the statements before it stay applied and the migration is recorded as failed: repair the database, then run `migrate resolve --applied {version}` or `migrate resolve --rolled-back {version}`{}",
                invalid_index_help(invalid_indexes)
            )
        }
    }
}

impl std::error::Error for FailedMigration {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl Error {
    pub(crate) fn database(context: impl Into<String>, source: postgres::Error) -> Self {
        Self::Database {
            context: context.into(),
            source,
        }
    }
}

/// An error's message followed by those of its causes, as the driver's own
/// message is often generic ("error performing TLS handshake").
fn with_causes(error: &postgres::Error) -> String {
    let mut message = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(inner) = cause {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

fn plural(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

fn holder_description(pid: Option<i32>, application: Option<&str>) -> String {
    match (pid, application) {
        (Some(pid), Some(app)) if !app.is_empty() => {
            format!("; it is held by server process pid {pid} (application_name {app:?})")
        }
        (Some(pid), _) => format!("; it is held by server process pid {pid}"),
        (None, _) => String::new(),
    }
}

fn invalid_index_help(invalid_indexes: &[String]) -> String {
    if invalid_indexes.is_empty() {
        return String::new();
    }
    let drops: Vec<String> = invalid_indexes
        .iter()
        .map(|index| format!("DROP INDEX CONCURRENTLY {index};"))
        .collect();
    format!(
        "; the failed CREATE INDEX CONCURRENTLY left {} INVALID (PostgreSQL keeps maintaining {} but never uses {}): drop {} before retrying: {}",
        invalid_indexes.join(", "),
        if invalid_indexes.len() == 1 {
            "it"
        } else {
            "them"
        },
        if invalid_indexes.len() == 1 {
            "it"
        } else {
            "them"
        },
        if invalid_indexes.len() == 1 {
            "it"
        } else {
            "them"
        },
        drops.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_reads_as_the_sentence_display_writes() {
        let error = Error::ChecksumMismatch {
            version: "2".to_owned(),
            path: "2_email.sql".to_owned(),
            applied_checksum: "aaaa".to_owned(),
            embedded_checksum: "bbbb".to_owned(),
        };
        // What `fn main() -> Result<(), Box<dyn Error>>` prints after "Error: ".
        assert_eq!(format!("{error:?}"), error.to_string());
        assert!(format!("{error:?}").starts_with("migration 2 (2_email.sql) was edited"));
    }
}
