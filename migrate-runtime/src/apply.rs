//! Applying one migration: a transactional one with its history row in one
//! transaction, a non-transactional one statement by statement.

use std::time::{Duration, Instant};

use crate::conn::{self, Conn, Rows, statements};
use crate::error::{FailedMigration, Interrupted, LocksNotAvailable};
use crate::holder::{APPLYING_COMMENT, BLOCKERS_QUERY, LockHolder, holders};
use crate::runner::{Session, db_message, error_position, is_lock_lost, process_changed_to};
use crate::sql::{self, literal};
use crate::{EmbeddedMigration, Error, Interrupt, Progress};

/// The longest pause between two attempts at a migration's table locks.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);

/// SQLSTATE 55P03, `lock_not_available`: `lock_timeout` ran out, or `NOWAIT`.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// What applying a migration needs from the run's options.
pub(crate) struct Apply<'r> {
    /// The history table, qualified and quoted.
    pub qualified: &'r str,
    pub applied_by: &'r str,
    /// PostgreSQL's `lock_timeout` for the migration's statements (`None`:
    /// the session's own), unless the migration's directive says otherwise.
    pub lock_timeout: Option<Duration>,
    /// How many times a migration that ran out of `lock_timeout` is tried again.
    pub lock_retries: u32,
    /// The pause before the first retry; it doubles for each next one.
    pub retry_delay: Duration,
    pub interrupt: Option<&'r Interrupt>,
    pub progress: &'r (dyn Fn(Progress<'_>) + Send + Sync),
}

impl Apply<'_> {
    /// Marks a migration's statement as running; false when the run was
    /// interrupted and the statement must not be sent.
    fn begin(&self) -> bool {
        self.interrupt.is_none_or(Interrupt::begin)
    }

    fn end(&self) {
        if let Some(interrupt) = self.interrupt {
            interrupt.end();
        }
    }

    pub(crate) fn interrupted(&self) -> bool {
        self.interrupt.is_some_and(Interrupt::is_interrupted)
    }

    /// Waits `delay`, waking early when the run is interrupted.
    async fn pause<C: Conn>(&self, session: &mut Session<C>, delay: Duration) {
        let until = Instant::now() + delay;
        while !self.interrupted() {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            session
                .conn
                .sleep(left.min(Duration::from_millis(100)))
                .await;
        }
    }
}

/// The `lock_timeout` a migration runs with: its `-- migrate:lock_timeout`
/// directive (`5s`, `500ms`, `2min`, `0` or `off` for none) when it has one,
/// else the run's.
pub(crate) fn migration_lock_timeout(
    migration: &EmbeddedMigration,
    default: Option<Duration>,
) -> Result<Option<Duration>, Error> {
    match lock_timeout_directive(migration.sql) {
        None => Ok(default),
        Some(Ok(timeout)) => Ok(timeout),
        Some(Err(value)) => Err(Error::InvalidOption {
            message: format!(
                "migration {} ({}): `-- migrate:lock_timeout {value}`: expected a duration such as 500ms, 5s or 2min, or off",
                migration.version, migration.path
            ),
        }),
    }
}

/// The value of the `-- migrate:lock_timeout <value>` line of `sql`, read
/// (or the value as written when it cannot be).
pub(crate) fn lock_timeout_directive(sql: &str) -> Option<Result<Option<Duration>, String>> {
    let value = sql.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("--")?.trim_start();
        let rest = rest.strip_prefix("migrate:lock_timeout")?;
        (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
    })?;
    Some(parse_duration(value).ok_or_else(|| value.to_owned()))
}

/// `500ms`, `5s`, `5`, `2min`, `0`, `off`: `None` for no limit.
fn parse_duration(value: &str) -> Option<Option<Duration>> {
    if value.eq_ignore_ascii_case("off") {
        return Some(None);
    }
    let digits_end = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let amount: u64 = value[..digits_end].parse().ok()?;
    let duration = match value[digits_end..].trim() {
        "ms" => Duration::from_millis(amount),
        "" | "s" => Duration::from_secs(amount),
        "min" => Duration::from_secs(amount * 60),
        _ => return None,
    };
    Some((!duration.is_zero()).then_some(duration))
}

/// `lock_timeout` as PostgreSQL's setting takes it.
fn setting(timeout: Option<Duration>) -> String {
    match timeout {
        Some(timeout) => format!("{}ms", timeout.as_millis().max(1)),
        None => "0".to_owned(),
    }
}

/// Whether `error` is a lock wait given up (`lock_timeout`, `NOWAIT`).
fn is_lock_not_available(error: &postgres::Error) -> bool {
    error
        .code()
        .is_some_and(|code| code.code() == LOCK_NOT_AVAILABLE)
}

/// Runs a transactional migration, trying again with backoff while it
/// runs out of `lock_timeout`: each attempt waits at most that long for
/// its table locks, so that the service's queries never queue behind it
/// for longer, and rolls back whole when it gives up.
pub(crate) async fn apply_transactional<C: Conn>(
    session: &mut Session<C>,
    options: &Apply<'_>,
    migration: &EmbeddedMigration,
) -> Result<(), Error> {
    let lock_timeout = migration_lock_timeout(migration, options.lock_timeout)?;
    let mut delay = options.retry_delay;
    let mut attempt = 1;
    loop {
        let error = match try_transactional(session, options, migration, lock_timeout).await {
            Err(Error::MigrationFailed(failed)) if is_lock_not_available(&failed.source) => failed,
            other => return other,
        };
        let blockers = holders(&mut session.conn, BLOCKERS_QUERY).await;
        if attempt > options.lock_retries || options.interrupted() {
            return Err(Error::LocksNotAvailable(Box::new(LocksNotAvailable {
                version: migration.version.to_owned(),
                path: migration.path.to_owned(),
                attempts: attempt,
                lock_timeout,
                blockers,
                source: error.source,
            })));
        }
        report_retry(options, migration, attempt, delay, lock_timeout, &blockers);
        options.pause(session, delay).await;
        delay = (delay * 2).min(MAX_RETRY_DELAY);
        attempt += 1;
    }
}

/// Tells the log and the progress hook that a migration gave up waiting
/// for its locks and will be tried again.
fn report_retry(
    options: &Apply<'_>,
    migration: &EmbeddedMigration,
    attempt: u32,
    delay: Duration,
    lock_timeout: Option<Duration>,
    blockers: &[LockHolder],
) {
    let by = match blockers.first() {
        Some(holder) => format!(", held by {holder}"),
        None => String::new(),
    };
    event!(
        warn,
        "migration {} ({}) waited {} for its table locks{by}: rolled back so that queries do not queue behind it; retry {attempt} of {} in {:.1} s",
        migration.version,
        migration.path,
        setting(lock_timeout),
        options.lock_retries,
        delay.as_secs_f64()
    );
    (options.progress)(Progress::LockRetry {
        migration,
        attempt,
        retries: options.lock_retries,
        delay,
        lock_timeout,
        blockers,
    });
}

/// What the transaction check after a migration answers (SQL literals).
const TRANSACTION_KEPT: &str = "'migrate: transaction kept'";
const TRANSACTION_ENDED: &str = "'migrate: transaction ended by the migration'";

/// Runs a migration and records it in one transaction, in one round trip.
async fn try_transactional<C: Conn>(
    session: &mut Session<C>,
    options: &Apply<'_>,
    migration: &EmbeddedMigration,
    lock_timeout: Option<Duration>,
) -> Result<(), Error> {
    let (qualified, applied_by) = (options.qualified, options.applied_by);
    // The comment names the migration in pg_stat_activity (`migrate status`
    // shows it as running). A transaction-local marker tells, after the
    // migration's SQL, whether that SQL ended the runner's transaction
    // itself (its own BEGIN/COMMIT).
    let mut prefix = format!(
        "{APPLYING_COMMENT}{} ({})\nBEGIN;\n",
        migration.version,
        migration.path.replace(['\n', '\r'], " ")
    );
    if let Some(pid) = session.pid {
        prefix.push_str(&sql::same_process(pid));
        prefix.push_str(";\n");
    }
    prefix.push_str(&format!(
        "{};\nSELECT pg_catalog.set_config('migrate.runner_transaction', 'on', true);\n{};\nSELECT pg_catalog.set_config('lock_timeout', '{}', true);\n",
        sql::assert_lock_held(session.key),
        search_path_statement(session),
        setting(lock_timeout),
    ));
    let search_path_index = 3 + usize::from(session.pid.is_some());
    let body = migration
        .sql
        .strip_prefix('\u{feff}')
        .unwrap_or(migration.sql);
    let query = format!(
        "{prefix}{body}\n;\nINSERT INTO {qualified} (version, name, checksum, transactional, started_at, finished_at, execution_ms, success, applied_by) \
         VALUES ({}, {}, {}, true, pg_catalog.now(), pg_catalog.clock_timestamp(), \
         (EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::bigint, true, {});\n\
         SELECT CASE WHEN pg_catalog.current_setting('migrate.runner_transaction', true) = 'on' \
         THEN {TRANSACTION_KEPT} ELSE {TRANSACTION_ENDED} END;\nCOMMIT",
        literal(migration.version),
        literal(migration.name),
        literal(migration.checksum),
        literal(applied_by),
    );
    if !options.begin() {
        return Err(interrupted(migration, None, 0));
    }
    session.in_transaction = true;
    let result = session.conn.simple_query(&query).await;
    options.end();
    match result {
        Ok(messages) => {
            session.in_transaction = false;
            let results = statements(&messages);
            remember_search_path(session, &results, search_path_index);
            let ended = results.iter().rev().flatten().any(|row| {
                row.first().and_then(|v| v.as_deref()) == Some(TRANSACTION_ENDED.trim_matches('\''))
            });
            if ended {
                event!(
                    warn,
                    "migration {} ({}) ends the runner's transaction itself (its own BEGIN/COMMIT): it was applied and recorded, but not in one transaction with its history row; remove its transaction statements",
                    migration.version,
                    migration.path
                );
            }
            Ok(())
        }
        Err(error) => {
            // Close the aborted transaction before anything else is sent,
            // and give the session back the search_path the run started with.
            let mut rollback = String::from("ROLLBACK");
            if let Some(path) = &session.search_path {
                rollback.push_str(";\n");
                rollback.push_str(&sql::set_search_path(path));
            }
            let _ = session.conn.simple_query(&rollback).await;
            session.in_transaction = false;
            if let (Some(first_pid), Some(second_pid)) = (session.pid, process_changed_to(&error)) {
                return Err(Error::TransactionPooler {
                    first_pid,
                    second_pid,
                });
            }
            if is_lock_lost(&error) {
                return Err(Error::LockLost {
                    version: migration.version.to_owned(),
                    path: migration.path.to_owned(),
                });
            }
            if options.interrupted() {
                return Err(interrupted(migration, None, 0));
            }
            let prefix_chars = prefix.chars().count();
            let line_column = error_position(&error)
                .and_then(|position| position.checked_sub(prefix_chars))
                .and_then(|position| sql::line_column(body, position))
                .map(|(line, column)| (line + migration.lines_before_up, column));
            Err(Error::MigrationFailed(Box::new(FailedMigration {
                version: migration.version.to_owned(),
                path: migration.path.to_owned(),
                transactional: true,
                statement: None,
                n_statements: 0,
                line_column,
                source: error,
                invalid_indexes: Vec::new(),
            })))
        }
    }
}

/// Runs a non-transactional migration one statement per round trip, each
/// alone so that PostgreSQL runs it outside any transaction block, recording
/// progress after each.
pub(crate) async fn apply_statements<C: Conn>(
    session: &mut Session<C>,
    options: &Apply<'_>,
    migration: &EmbeddedMigration,
) -> Result<(), Error> {
    let (qualified, applied_by) = (options.qualified, options.applied_by);
    let whole = [migration.sql];
    let statements: &[&str] = if migration.statements.is_empty() {
        event!(
            warn,
            "non-transactional migration {} ({}) was embedded without its statements: sending its SQL as one statement",
            migration.version,
            migration.path
        );
        &whole
    } else {
        migration.statements
    };
    let version = literal(migration.version);
    let mut start = String::new();
    if let Some(pid) = session.pid {
        start.push_str(&sql::same_process(pid));
        start.push_str(";\n");
    }
    start.push_str(&format!(
        "{};\n{};\nINSERT INTO {qualified} (version, name, checksum, transactional, started_at, success, statements_done, applied_by) \
         VALUES ({version}, {}, {}, false, pg_catalog.clock_timestamp(), false, 0, {})",
        sql::assert_lock_held(session.key),
        search_path_statement(session),
        literal(migration.name),
        literal(migration.checksum),
        literal(applied_by),
    ));
    let search_path_index = 1 + usize::from(session.pid.is_some());
    let started = session.conn.simple_query(&start).await;
    if let Ok(messages) = &started {
        remember_search_path(session, &conn::statements(messages), search_path_index);
    }
    if let Err(error) = started {
        if let (Some(first_pid), Some(second_pid)) = (session.pid, process_changed_to(&error)) {
            return Err(Error::TransactionPooler {
                first_pid,
                second_pid,
            });
        }
        if is_lock_lost(&error) {
            return Err(Error::LockLost {
                version: migration.version.to_owned(),
                path: migration.path.to_owned(),
            });
        }
        return Err(Error::database(
            format!(
                "cannot record the start of migration {} ({}) in {qualified}",
                migration.version, migration.path
            ),
            error,
        ));
    }
    // PostgreSQL's lock_timeout for the session while the statements run,
    // given back afterwards.
    let lock_timeout = migration_lock_timeout(migration, options.lock_timeout)?;
    let swap = format!(
        "SELECT pg_catalog.current_setting('lock_timeout'), pg_catalog.set_config('lock_timeout', '{}', false)",
        setting(lock_timeout)
    );
    let before = match session.conn.simple_query(&swap).await {
        Ok(messages) => statements_first_value(&messages),
        Err(error) => {
            return Err(Error::database(
                "cannot set lock_timeout for a non-transactional migration",
                error,
            ));
        }
    };
    let result = run_statements(session, options, migration, statements, lock_timeout).await;
    if let Some(before) = before {
        let restore = format!(
            "SELECT pg_catalog.set_config('lock_timeout', {}, false)",
            literal(&before)
        );
        let _ = session.conn.simple_query(&restore).await;
    }
    result
}

/// The first value a simple query answered.
fn statements_first_value(messages: &[postgres::SimpleQueryMessage]) -> Option<String> {
    statements(messages)
        .into_iter()
        .flatten()
        .next()
        .and_then(|row| row.into_iter().next().flatten())
}

/// The statements of a non-transactional migration, one round trip each,
/// progress recorded after each; a statement that runs out of
/// `lock_timeout` is tried again with backoff (unless it is `CONCURRENTLY`:
/// that one may leave an invalid index behind, which a person must look at).
async fn run_statements<C: Conn>(
    session: &mut Session<C>,
    options: &Apply<'_>,
    migration: &EmbeddedMigration,
    statements: &[&str],
    lock_timeout: Option<Duration>,
) -> Result<(), Error> {
    let qualified = options.qualified;
    let version = literal(migration.version);
    let mut index = 0;
    let mut attempt = 1;
    let mut delay = options.retry_delay;
    while let Some(statement) = statements.get(index) {
        let ordinal = index + 1;
        if !options.begin() {
            let record = format!(
                "UPDATE {qualified} SET failed_statement = {ordinal}, error = {}, finished_at = pg_catalog.clock_timestamp() WHERE version = {version}",
                literal("interrupted before this statement started"),
            );
            if let Err(record_error) = session.conn.simple_query(&record).await {
                event!(
                    error,
                    "cannot record the interruption of migration {} ({}): {record_error}",
                    migration.version,
                    migration.path
                );
            }
            return Err(interrupted(migration, Some(ordinal), statements.len()));
        }
        let result = session.conn.simple_query(statement).await;
        options.end();
        if let Err(error) = result {
            let retry = is_lock_not_available(&error)
                && attempt <= options.lock_retries
                && !options.interrupted()
                && !statement.to_ascii_uppercase().contains("CONCURRENTLY");
            if retry {
                let blockers = holders(&mut session.conn, BLOCKERS_QUERY).await;
                report_retry(options, migration, attempt, delay, lock_timeout, &blockers);
                options.pause(session, delay).await;
                delay = (delay * 2).min(MAX_RETRY_DELAY);
                attempt += 1;
                continue;
            }
            let record = format!(
                "UPDATE {qualified} SET failed_statement = {ordinal}, error = {}, finished_at = pg_catalog.clock_timestamp() WHERE version = {version}",
                literal(&db_message(&error)),
            );
            // A cancel that reached the server late may cancel this record:
            // it is sent once more then.
            for _ in 0..2 {
                match session.conn.simple_query(&record).await {
                    Ok(_) => break,
                    Err(record_error) => event!(
                        error,
                        "cannot record the failure of migration {} ({}): {record_error}",
                        migration.version,
                        migration.path
                    ),
                }
            }
            if options.interrupted() {
                return Err(interrupted(migration, Some(ordinal), statements.len()));
            }
            let invalid_indexes = invalid_indexes(session).await;
            if is_lock_not_available(&error) {
                let blockers = holders(&mut session.conn, BLOCKERS_QUERY).await;
                return Err(Error::LocksNotAvailable(Box::new(LocksNotAvailable {
                    version: migration.version.to_owned(),
                    path: migration.path.to_owned(),
                    attempts: attempt,
                    lock_timeout,
                    blockers,
                    source: error,
                })));
            }
            // Where PostgreSQL placed the error, else the statement's start.
            let line_column = migration.sql.find(statement).and_then(|offset| {
                let before = migration.sql[..offset].chars().count();
                let position = error_position(&error).unwrap_or(1);
                sql::line_column(migration.sql, before + position)
                    .map(|(line, column)| (line + migration.lines_before_up, column))
            });
            return Err(Error::MigrationFailed(Box::new(FailedMigration {
                version: migration.version.to_owned(),
                path: migration.path.to_owned(),
                transactional: false,
                statement: Some(ordinal),
                n_statements: statements.len(),
                line_column,
                source: error,
                invalid_indexes,
            })));
        }
        let done = ordinal;
        let progress = if done == statements.len() {
            format!(
                "UPDATE {qualified} SET statements_done = {done}, success = true, finished_at = pg_catalog.clock_timestamp(), \
                 execution_ms = (EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - started_at) * 1000)::bigint WHERE version = {version}"
            )
        } else {
            format!("UPDATE {qualified} SET statements_done = {done} WHERE version = {version}")
        };
        session.conn.simple_query(&progress).await.map_err(|e| {
            Error::database(
                format!(
                    "statement {done} of migration {} ({}) was applied but its progress could not be recorded",
                    migration.version, migration.path
                ),
                e,
            )
        })?;
        index += 1;
        attempt = 1;
        delay = options.retry_delay;
    }
    Ok(())
}

/// The error of a run interrupted while applying `migration` (at the
/// 1-based `statement` of a non-transactional one).
fn interrupted(
    migration: &EmbeddedMigration,
    statement: Option<usize>,
    n_statements: usize,
) -> Error {
    Error::Interrupted(Box::new(Interrupted {
        version: Some(migration.version.to_owned()),
        path: Some(migration.path.to_owned()),
        transactional: migration.transactional,
        statement,
        n_statements,
    }))
}

/// The statement that starts a migration with the `search_path` the run's
/// first migration started with, so that a migration's `SET search_path`
/// cannot move where the next one creates its objects; for the first
/// migration, the statement that reads it. Either answers the value.
fn search_path_statement<C: Conn>(session: &Session<C>) -> String {
    match &session.search_path {
        Some(path) => sql::set_search_path(path),
        None => "SELECT pg_catalog.current_setting('search_path')".to_owned(),
    }
}

/// Keeps the `search_path` answered by statement `index` of `results`
/// (see [`search_path_statement`]) when the run has none yet.
fn remember_search_path<C: Conn>(session: &mut Session<C>, results: &[Rows], index: usize) {
    if session.search_path.is_none() {
        session.search_path = results
            .get(index)
            .and_then(|rows| rows.first())
            .and_then(|row| row.first().cloned().flatten());
    }
}

/// Indexes PostgreSQL marks INVALID (left by a failed CONCURRENTLY build).
pub(crate) async fn invalid_indexes<C: Conn>(session: &mut Session<C>) -> Vec<String> {
    let query = "SELECT i.indexrelid::pg_catalog.regclass::text FROM pg_catalog.pg_index i WHERE NOT i.indisvalid ORDER BY 1";
    match session.conn.simple_query(query).await {
        Ok(messages) => statements(&messages)
            .into_iter()
            .flatten()
            .filter_map(|row| row.into_iter().next().flatten())
            .collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_timeout_directives_are_read() {
        let read = |sql: &str| lock_timeout_directive(sql);
        assert_eq!(read("CREATE TABLE t ();"), None);
        assert_eq!(
            read("-- migrate:lock_timeout 30s\nALTER TABLE t ADD c int;"),
            Some(Ok(Some(Duration::from_secs(30))))
        );
        assert_eq!(
            read("  --migrate:lock_timeout 500ms"),
            Some(Ok(Some(Duration::from_millis(500))))
        );
        assert_eq!(
            read("-- migrate:lock_timeout 2min"),
            Some(Ok(Some(Duration::from_secs(120))))
        );
        assert_eq!(read("-- migrate:lock_timeout off"), Some(Ok(None)));
        assert_eq!(read("-- migrate:lock_timeout 0"), Some(Ok(None)));
        assert_eq!(
            read("-- migrate:lock_timeout soon"),
            Some(Err("soon".to_owned()))
        );
        assert_eq!(read("-- migrate:lock_timeouts 5s"), None);
    }
}
