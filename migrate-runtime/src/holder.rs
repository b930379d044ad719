//! Who holds what a run waits for: the migration lock's holder, and the
//! transactions that kept a migration from its table locks.

use crate::conn::{Conn, Rows, statements};
use crate::sql;

/// A server process that holds a lock a run waited for, as
/// `pg_stat_activity` shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockHolder {
    /// Its server process id (`SELECT pg_terminate_backend(pid)` ends it).
    pub pid: i32,
    /// Its `application_name` (empty when it set none).
    pub application_name: String,
    /// `active`, `idle in transaction`, ...
    pub state: String,
    /// When its transaction (else its session's last state change) began,
    /// as the server's clock reads it (`HH:MM:SS`).
    pub since: Option<String>,
    /// How many seconds ago that was.
    pub seconds: Option<i64>,
    /// Its current query (or its last one, when idle), shortened.
    pub query: String,
}

impl LockHolder {
    /// The version a runner holding the migration lock is applying, read
    /// from the comment each transactional migration's query starts with.
    pub fn applying(&self) -> Option<&str> {
        let rest = self.query.strip_prefix(APPLYING_COMMENT)?;
        rest.split_whitespace().next()
    }
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "server process pid {}", self.pid)?;
        let mut about = Vec::new();
        if !self.application_name.is_empty() {
            about.push(format!("application_name {:?}", self.application_name));
        }
        if !self.state.is_empty() {
            let mut state = self.state.clone();
            if let Some(since) = &self.since {
                state.push_str(&format!(" since {since}"));
            }
            if let Some(seconds) = self.seconds {
                state.push_str(&format!(" ({seconds} s)"));
            }
            about.push(state);
        }
        if !about.is_empty() {
            write!(f, " ({})", about.join(", "))?;
        }
        if !self.query.is_empty() {
            write!(f, ": {}", one_line(&self.query))?;
        }
        Ok(())
    }
}

/// The comment a transactional migration's query starts with, so that
/// `pg_stat_activity` (and `migrate status`) tell which one is running.
pub(crate) const APPLYING_COMMENT: &str = "-- migrate: applying ";

/// The columns of a [`LockHolder`] from `pg_stat_activity a`.
const HOLDER_COLUMNS: &str = "a.pid, a.application_name, a.state, \
     pg_catalog.to_char(COALESCE(a.xact_start, a.state_change), 'HH24:MI:SS'), \
     (EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - COALESCE(a.xact_start, a.state_change)))::bigint, \
     pg_catalog.left(a.query, 300)";

/// The query that finds the holder of the advisory lock `key`.
pub(crate) fn advisory_holder_query(key: i64) -> String {
    format!(
        "SELECT {HOLDER_COLUMNS} FROM pg_catalog.pg_locks l \
         JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
         WHERE {} AND l.granted LIMIT 1",
        sql::lock_condition(key)
    )
}

/// The query that lists other transactions holding table locks in this
/// database, the oldest first: after a migration gave up waiting for its
/// locks (the wait itself is gone by then), the one it waited for is among
/// them, nearly always the oldest.
pub(crate) const BLOCKERS_QUERY: &str = "SELECT a.pid, a.application_name, a.state, \
     pg_catalog.to_char(COALESCE(a.xact_start, a.state_change), 'HH24:MI:SS'), \
     (EXTRACT(EPOCH FROM pg_catalog.clock_timestamp() - COALESCE(a.xact_start, a.state_change)))::bigint, \
     pg_catalog.left(a.query, 300) \
     FROM pg_catalog.pg_stat_activity a \
     WHERE a.pid <> pg_catalog.pg_backend_pid() AND a.datname = pg_catalog.current_database() \
     AND a.xact_start IS NOT NULL \
     AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_class c ON c.oid = l.relation \
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
       WHERE l.pid = a.pid AND l.granted AND l.locktype = 'relation' \
       AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%') \
     ORDER BY a.xact_start LIMIT 3";

/// The holders in the rows of a holder query.
pub(crate) fn parse_holders(rows: &Rows) -> Vec<LockHolder> {
    rows.iter()
        .filter_map(|row| {
            let column = |index: usize| row.get(index).cloned().flatten();
            Some(LockHolder {
                pid: column(0)?.parse().ok()?,
                application_name: column(1).unwrap_or_default(),
                state: column(2).unwrap_or_default(),
                since: column(3),
                seconds: column(4).and_then(|seconds| seconds.parse().ok()),
                query: column(5).unwrap_or_default(),
            })
        })
        .collect()
}

/// Runs a holder query, best effort: nothing when it fails.
pub(crate) async fn holders<C: Conn>(conn: &mut C, query: &str) -> Vec<LockHolder> {
    match conn.simple_query(query).await {
        Ok(messages) => statements(&messages)
            .iter()
            .flat_map(parse_holders)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// `text` on one line, its runs of white space as one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_reads_as_a_sentence() {
        let holder = LockHolder {
            pid: 42,
            application_name: "psql".to_owned(),
            state: "idle in transaction".to_owned(),
            since: Some("17:20:01".to_owned()),
            seconds: Some(12),
            query: "SELECT *\n  FROM t".to_owned(),
        };
        assert_eq!(
            holder.to_string(),
            "server process pid 42 (application_name \"psql\", idle in transaction since 17:20:01 (12 s)): SELECT * FROM t"
        );
        let runner = LockHolder {
            query: format!("{APPLYING_COMMENT}20240101 (1_x.sql)\nBEGIN;"),
            ..LockHolder::default()
        };
        assert_eq!(runner.applying(), Some("20240101"));
    }
}
