//! Reading the history table as it is, for tools that report on it
//! (`migrate status`) rather than act on it.

use crate::conn::statements;
use crate::sql::{ident, literal};
use crate::{Error, Runner};

/// One row of the history table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HistoryEntry {
    /// The migration's version.
    pub version: String,
    /// Its name.
    pub name: String,
    /// The checksum recorded when it was applied.
    pub checksum: String,
    /// Whether it completed.
    pub success: bool,
    /// When it finished (`finished_at` as PostgreSQL prints it), if it did.
    pub finished_at: Option<String>,
    /// For a failed non-transactional migration, the 1-based statement that failed.
    pub failed_statement: Option<i32>,
    /// For a non-transactional migration, how many statements completed.
    pub statements_done: Option<i32>,
    /// The error recorded for a failed migration.
    pub error: Option<String>,
    /// When it started (`started_at` as PostgreSQL prints it, to the second).
    pub started_at: Option<String>,
    /// How long it took, in milliseconds, once finished.
    pub execution_ms: Option<i64>,
    /// Who applied it (`applied_by`).
    pub applied_by: Option<String>,
}

impl Runner<'_> {
    /// The rows of this runner's history table, in the order they were
    /// recorded; empty when the table does not exist. Takes no lock and
    /// changes nothing.
    pub fn history(&self, client: &mut postgres::Client) -> Result<Vec<HistoryEntry>, Error> {
        let (schema, table) = self.history_table_names();
        let qualified = format!("{}.{}", ident(schema), ident(table));
        let exists = client
            .simple_query(&format!(
                "SELECT pg_catalog.to_regclass({}) IS NOT NULL",
                literal(&qualified)
            ))
            .map_err(|e| Error::database("cannot look for the history table", e))?;
        let exists = statements(&exists)
            .first()
            .and_then(|rows| rows.first())
            .and_then(|row| row.first().cloned().flatten())
            .as_deref()
            == Some("t");
        if !exists {
            return Ok(Vec::new());
        }
        let query = format!(
            "SELECT version, name, checksum, success, finished_at::text, failed_statement, statements_done, error, \
             pg_catalog.to_char(started_at, 'YYYY-MM-DD HH24:MI:SS TZ'), execution_ms, applied_by \
             FROM {qualified} ORDER BY installed_rank"
        );
        let messages = client.simple_query(&query).map_err(|e| {
            if e.as_db_error().is_some() {
                Error::HistoryTable {
                    table: qualified.clone(),
                    message: e
                        .as_db_error()
                        .map(|db| db.message().to_owned())
                        .unwrap_or_default(),
                }
            } else {
                Error::database(format!("cannot read the history table {qualified}"), e)
            }
        })?;
        Ok(statements(&messages)
            .into_iter()
            .flatten()
            .map(|row| {
                let column = |index: usize| row.get(index).cloned().flatten();
                HistoryEntry {
                    version: column(0).unwrap_or_default(),
                    name: column(1).unwrap_or_default(),
                    checksum: column(2).unwrap_or_default(),
                    success: column(3).as_deref() == Some("t"),
                    finished_at: column(4),
                    failed_statement: column(5).and_then(|v| v.parse().ok()),
                    statements_done: column(6).and_then(|v| v.parse().ok()),
                    error: column(7),
                    started_at: column(8),
                    execution_ms: column(9).and_then(|v| v.parse().ok()),
                    applied_by: column(10),
                }
            })
            .collect())
    }
}
