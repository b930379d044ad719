//! The SQL the runner sends, built as text for the simple query protocol so
//! that each step is one round trip and needs no prepared statement.

/// `name` as a quoted identifier.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `value` as an escape-string literal, correct whatever
/// `standard_conforming_strings` a migration left behind.
pub(crate) fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 3);
    out.push_str("E'");
    for c in value.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The advisory lock key of a history table: FNV-1a of its qualified name,
/// stable across releases so that old and new binaries exclude each other.
pub(crate) fn lock_key(schema: &str, table: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in "migrate history "
        .bytes()
        .chain(schema.bytes())
        .chain(".".bytes())
        .chain(table.bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// The `pg_locks` condition that matches the advisory lock `key` taken with
/// the one-argument (bigint) form.
pub(crate) fn lock_condition(key: i64) -> String {
    let bits = u64::from_ne_bytes(key.to_ne_bytes());
    let high = bits >> 32;
    let low = bits & 0xffff_ffff;
    format!(
        "l.locktype = 'advisory' AND l.classid = '{high}'::pg_catalog.oid AND l.objid = '{low}'::pg_catalog.oid AND l.objsubid = 1 \
         AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())"
    )
}

/// The custom setting read when the session does not hold the lock: reading
/// an unset custom setting fails, which aborts the migration's transaction
/// without needing PL/pgSQL.
pub(crate) const LOCK_NOT_HELD_SENTINEL: &str =
    "migrate.this_session_does_not_hold_the_migration_lock";

/// The text of the value whose cast to integer fails when the server
/// process changed between two statements; the new pid follows it.
pub(crate) const PROCESS_CHANGED_SENTINEL: &str = "migrate: server process changed to ";

/// The text of the value whose cast to integer fails when the history
/// table does not exist; what the lock round trip found follows it.
pub(crate) const NO_HISTORY_SENTINEL: &str =
    "migrate: no history table; lock taken, held before, pid, schema exists, database: ";

/// A statement that fails when the server process is not `pid`, the one
/// that took the lock (a transaction-mode pooler moved the session): the
/// cast of [`PROCESS_CHANGED_SENTINEL`] and the new pid to integer fails.
pub(crate) fn same_process(pid: i32) -> String {
    format!(
        "SELECT CASE WHEN pg_catalog.pg_backend_pid() = {pid} THEN NULL \
         ELSE ({} || pg_catalog.pg_backend_pid())::integer END",
        literal(PROCESS_CHANGED_SENTINEL)
    )
}

/// Releases one hold of the advisory lock `key`.
pub(crate) fn unlock(key: i64) -> String {
    format!("SELECT pg_catalog.pg_advisory_unlock({key})")
}

/// Releases one hold of the advisory lock `key` if this session has one
/// (without the warning PostgreSQL gives when it has none).
pub(crate) fn unlock_if_held(key: i64) -> String {
    format!(
        "SELECT pg_catalog.pg_advisory_unlock({key}) FROM pg_catalog.pg_locks l \
         WHERE {} AND l.pid = pg_catalog.pg_backend_pid() AND l.granted",
        lock_condition(key)
    )
}

/// Sets the session's `search_path` (not transaction-local: inside a
/// transaction it takes effect when the transaction commits). Answers the
/// value set, one row.
pub(crate) fn set_search_path(path: &str) -> String {
    format!(
        "SELECT pg_catalog.set_config('search_path', {}, false)",
        literal(path)
    )
}

/// A statement that fails unless this session holds the advisory lock `key`.
pub(crate) fn assert_lock_held(key: i64) -> String {
    format!(
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE {} AND l.pid = pg_catalog.pg_backend_pid() AND l.granted) \
         THEN NULL ELSE pg_catalog.current_setting('{LOCK_NOT_HELD_SENTINEL}') END",
        lock_condition(key)
    )
}

/// The history table's definition. Version is the key, so even a runner
/// that lost its lock cannot record a migration twice.
pub(crate) fn create_history(schema: &str, table: &str, create_schema: bool) -> String {
    let qualified = format!("{}.{}", ident(schema), ident(table));
    let mut sql = String::new();
    if create_schema {
        sql.push_str(&format!("CREATE SCHEMA IF NOT EXISTS {};\n", ident(schema)));
    }
    // The fold starts from the same definition (a migration may read it).
    sql.push_str(&migrate_core::history_table_sql(&qualified));
    sql.push_str(&format!(
        "COMMENT ON TABLE {qualified} IS {};\n",
        literal(
            "migrations applied by migrate; failed_statement is 1-based; statements_done counts completed statements of a non-transactional migration"
        )
    ));
    sql
}

/// The columns the runner reads from the history table, in order, from
/// the rows that pass `condition`.
pub(crate) fn select_history(schema: &str, table: &str, condition: Option<&str>) -> String {
    let condition = condition
        .map(|condition| format!(" WHERE {condition}"))
        .unwrap_or_default();
    format!(
        "SELECT version, name, checksum, success, finished_at IS NOT NULL, failed_statement, statements_done, error \
         FROM {}.{}{condition} ORDER BY installed_rank",
        ident(schema),
        ident(table)
    )
}

/// Line and column (1-based) of the 1-based character `position` in `text`.
pub(crate) fn line_column(text: &str, position: usize) -> Option<(usize, usize)> {
    if position == 0 {
        return None;
    }
    let mut line = 1;
    let mut column = 1;
    for (index, c) in text.chars().enumerate() {
        if index + 1 == position {
            return Some((line, column));
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's a\\b"), "E'it''s a\\\\b'");
    }

    #[test]
    fn lock_key_is_stable_and_depends_on_table() {
        assert_eq!(
            lock_key("public", "_migrate_history"),
            lock_key("public", "_migrate_history")
        );
        assert_ne!(
            lock_key("public", "_migrate_history"),
            lock_key("other", "_migrate_history")
        );
    }

    #[test]
    fn positions_map_to_lines() {
        assert_eq!(line_column("ab\ncd", 1), Some((1, 1)));
        assert_eq!(line_column("ab\ncd", 4), Some((2, 1)));
        assert_eq!(line_column("ab\ncd", 5), Some((2, 2)));
        assert_eq!(line_column("ab\ncd", 6), None);
    }
}
