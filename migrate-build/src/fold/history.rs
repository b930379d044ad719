//! Recording renames and drops in [`migrate_core::History`], so that a
//! query naming an old name hears where it went.

use migrate_core::{Change, Name};

use super::{Folder, Stmt};

impl Folder {
    /// Records that `stmt` renamed (to `renamed_to`) or dropped `column` of
    /// `table`, or `table` itself when `column` is `None`.
    pub(crate) fn record_change(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        column: Option<&str>,
        renamed_to: Option<&str>,
    ) {
        let (up, up_offset, lines_before_up) = &self.current_up;
        let offset = stmt.base.saturating_sub(*up_offset).min(up.len());
        let line = lines_before_up
            + up.get(..offset)
                .map_or(0, |before| before.matches('\n').count())
            + 1;
        self.schema.history.changes.push(Change {
            table: table.clone(),
            column: column.map(str::to_owned),
            renamed_to: renamed_to.map(str::to_owned),
            by: format!("{}:{line}", self.current_path),
        });
    }
}
