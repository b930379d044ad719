//! MERGE as PostgreSQL 15 checks it: the target and the source joined by
//! the ON condition, then each WHEN clause. WHEN MATCHED sees both
//! relations; WHEN NOT MATCHED sees only the source, since there is no
//! target row. PostgreSQL 15 has no RETURNING for MERGE, so it returns no
//! columns.

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    Merge, MergeAction, MergeClause, MergeClauseKind, MergeInsertExpr, MergeInsertKind,
    MergeUpdateExpr, MergeUpdateKind, OutputClause, TableAlias, TableFactor,
};

use super::scope::{Level, fold_ident};
use super::{Analyzer, Out};
use crate::diagnostic::Diagnostic;

impl Analyzer<'_> {
    pub(crate) fn merge(&mut self, merge: &Merge) -> Vec<Out> {
        let Merge {
            merge_token: _,
            optimizer_hints: _, // Oracle
            into: _,
            table,
            source,
            on,
            clauses,
            output,
        } = merge;
        self.levels.push(Level::default());
        let target = self.merge_target(table);
        // The source comes after the target, as in `target JOIN source`; a
        // source subquery cannot see the target.
        self.table_factor(source);
        let on_typed = self.scalar_expr("JOIN conditions", on);
        self.coerce_condition(&on_typed, "JOIN/ON");
        // The target is the first entry of the level (an opaque one when it
        // is unknown).
        for clause in clauses {
            self.merge_clause(clause, target.as_ref(), Some(0));
        }
        if let Some(output) = output {
            let span = match output {
                OutputClause::Returning {
                    returning_token, ..
                } => self.source.range(returning_token.0.span),
                OutputClause::Output { output_token, .. } => self.source.range(output_token.0.span),
            };
            let word = self.source.text.get(span.clone()).unwrap_or("RETURNING");
            let message = format!("syntax error at or near \"{word}\"");
            self.error(
                Diagnostic::error(message, span)
                    .with_help("PostgreSQL 15 has no RETURNING for MERGE"),
            );
        }
        if target.is_none() {
            // The statement's shape is unknown: no parameter is reported as
            // undeterminable.
            self.poison_all_params();
        }
        self.levels.pop();
        Vec::new()
    }

    /// The target of MERGE, added to the current level. A view cannot be
    /// one in PostgreSQL 15. An unknown target is reported once and added
    /// as an entry whose columns are unknown, so that references to it do
    /// not pile up errors.
    fn merge_target(
        &mut self,
        table: &TableFactor,
    ) -> Option<(migrate_core::Name, migrate_core::Relation)> {
        let TableFactor::Table { name, alias, .. } = table else {
            let span = self.span(table);
            self.error(Diagnostic::error(
                "syntax error: the target of MERGE must be a table",
                span,
            ));
            self.push_opaque(None);
            return None;
        };
        let Some((qualified, relation)) = self.target_relation(name) else {
            let refname = alias.clone().or_else(|| {
                name.0
                    .last()
                    .and_then(|part| part.as_ident())
                    .map(|ident| TableAlias {
                        explicit: false,
                        name: ident.clone(),
                        columns: Vec::new(),
                        at: None,
                    })
            });
            self.push_opaque(refname.as_ref());
            return None;
        };
        if relation.is_view() {
            let span = self.span(name);
            self.error(
                Diagnostic::error(
                    format!("cannot execute MERGE on relation \"{}\"", qualified.name),
                    span,
                )
                .with_help("this operation is not supported for views"),
            );
        }
        self.record_use(&qualified, None);
        let refname = alias
            .as_ref()
            .map_or(qualified.name.clone(), |a: &TableAlias| fold_ident(&a.name));
        self.push_target_entry(&qualified, &relation, refname);
        Some((qualified, relation))
    }

    fn merge_clause(
        &mut self,
        clause: &MergeClause,
        target: Option<&(migrate_core::Name, migrate_core::Relation)>,
        target_entry: Option<usize>,
    ) {
        let MergeClause {
            when_token,
            clause_kind,
            predicate,
            action,
        } = clause;
        let matched = match clause_kind {
            MergeClauseKind::Matched => true,
            MergeClauseKind::NotMatched => false,
            MergeClauseKind::NotMatchedByTarget | MergeClauseKind::NotMatchedBySource => {
                // PostgreSQL 15 knows only WHEN MATCHED and WHEN NOT MATCHED.
                let span = self.source.range(when_token.0.span);
                let at = self.source.text[span.end.min(self.source.text.len())..]
                    .to_ascii_lowercase()
                    .find("by")
                    .map_or(span.clone(), |n| span.end + n..span.end + n + 2);
                self.error(
                    Diagnostic::error("syntax error at or near \"BY\"", at)
                        .with_help("PostgreSQL 15 has no NOT MATCHED BY SOURCE/TARGET"),
                );
                return;
            }
        };
        // Without a target row, the target cannot be referenced.
        let hidden = if matched { None } else { target_entry };
        self.set_entry_visible(hidden, false);
        if let Some(predicate) = predicate {
            let typed = self.scalar_expr("MERGE WHEN conditions", predicate);
            self.coerce_condition(&typed, "WHEN");
        }
        match action {
            MergeAction::Update(update) => self.merge_update(update, target),
            MergeAction::Insert(insert) => self.merge_insert(insert, target),
            MergeAction::Delete { .. } | MergeAction::DoNothing { .. } => {}
        }
        self.set_entry_visible(hidden, true);
    }

    fn set_entry_visible(&mut self, entry: Option<usize>, visible: bool) {
        if let Some(index) = entry
            && let Some(entry) = self
                .levels
                .last_mut()
                .and_then(|level| level.entries.get_mut(index))
        {
            entry.visible = visible;
        }
    }

    fn merge_update(
        &mut self,
        update: &MergeUpdateExpr,
        target: Option<&(migrate_core::Name, migrate_core::Relation)>,
    ) {
        let MergeUpdateExpr {
            update_token,
            kind,
            update_predicate,
            delete_predicate,
        } = update;
        let assignments = match kind {
            MergeUpdateKind::Set(assignments) => assignments,
            MergeUpdateKind::Wildcard => {
                let span = self.source.range(update_token.0.span);
                self.error(Diagnostic::error(
                    "syntax error at or near \"*\": PostgreSQL needs UPDATE SET column = value",
                    span,
                ));
                return;
            }
        };
        match target {
            Some((name, relation)) => self.assignments(assignments, name, relation),
            None => {
                for assignment in assignments {
                    let typed = self.scalar_expr("UPDATE", &assignment.value);
                    self.poison(&typed);
                }
            }
        }
        // Oracle's `UPDATE ... WHERE` and `DELETE WHERE`.
        for predicate in [update_predicate, delete_predicate].into_iter().flatten() {
            let span = self.span(predicate);
            self.error(Diagnostic::error(
                "syntax error at or near \"WHERE\": PostgreSQL puts the condition after WHEN MATCHED AND",
                span,
            ));
        }
    }

    fn merge_insert(
        &mut self,
        insert: &MergeInsertExpr,
        target: Option<&(migrate_core::Name, migrate_core::Relation)>,
    ) {
        let MergeInsertExpr {
            insert_token,
            columns,
            kind_token,
            kind,
            insert_predicate,
        } = insert;
        if let Some(predicate) = insert_predicate {
            let span = self.span(predicate);
            self.error(Diagnostic::error(
                "syntax error at or near \"WHERE\": PostgreSQL puts the condition after WHEN NOT MATCHED AND",
                span,
            ));
        }
        let values = match kind {
            MergeInsertKind::Values(_) if self.is_default_values(kind_token) => {
                // Every column takes its default: as `INSERT ... DEFAULT
                // VALUES`, those NOT NULL without one are left out.
                if let Some((name, relation)) = target {
                    let (targets, _) = self.insert_targets(&[], name, relation);
                    let provided = vec![false; targets.len()];
                    let span = self.source.range(insert_token.0.span);
                    self.not_null_left_out(name, relation, &targets, &provided, span, "INSERT");
                }
                return;
            }
            MergeInsertKind::Values(values) => values,
            MergeInsertKind::Row | MergeInsertKind::Wildcard => {
                let span = self.source.range(kind_token.0.span);
                let word = self.source.text.get(span.clone()).unwrap_or("*").to_owned();
                self.error(Diagnostic::error(
                    format!("syntax error at or near \"{word}\""),
                    span,
                ));
                return;
            }
        };
        let Some((name, relation)) = target else {
            for typed in self.values_rows(values).iter().flatten() {
                self.poison(typed);
            }
            return;
        };
        let (targets, target_spans) = self.insert_targets(columns, name, relation);
        let rows = self.values_rows(values);
        if let Some(second) = values.rows.get(1) {
            // The grammar takes one row: `VALUES (...)`.
            let span = self.span(second);
            let comma = self.source.text[..span.start.min(self.source.text.len())]
                .rfind(',')
                .map_or(span.clone(), |n| n..n + 1);
            self.error(Diagnostic::error("syntax error at or near \",\"", comma));
        }
        let mut provided = vec![false; targets.len()];
        for row in &rows {
            self.insert_row(
                row,
                &targets,
                &target_spans,
                name,
                columns.is_empty(),
                &mut provided,
            );
        }
        let span = self.source.range(insert_token.0.span);
        self.not_null_left_out(name, relation, &targets, &provided, span, "INSERT");
    }

    /// Whether the `VALUES` of an INSERT action stands for `DEFAULT VALUES`,
    /// which sqlparser 0.63 cannot parse (see `rewrite_tokens`).
    fn is_default_values(&self, kind_token: &AttachedToken) -> bool {
        let span = self.source.range(kind_token.0.span);
        self.default_values.contains(&span.start)
    }
}
