//! INSERT, UPDATE and DELETE: target columns, assignments, ON CONFLICT,
//! RETURNING, and the NOT NULL columns an INSERT leaves out.

use migrate_core::{Column, ConstraintKind, Name, Relation, TriggerEvent, TriggerTiming};
use sqlparser::ast::{
    Assignment, AssignmentTarget, ConflictTarget, Delete, DoUpdate, Expr, FromTable, Insert,
    OnConflict, OnConflictAction, OnInsert, SelectItem, SetExpr, TableAlias, TableObject, Update,
    UpdateTableFromKind,
};

use super::query::object_name_parts;
use super::scope::{Level, RangeEntry, ScopeColumn, did_you_mean, fold_ident};
use super::types::{self, Ty};
use super::{Analyzer, Out, Typed};
use crate::diagnostic::Diagnostic;

impl Analyzer<'_> {
    pub(crate) fn insert(&mut self, insert: &Insert) -> Vec<Out> {
        let Insert {
            insert_token: _,
            optimizer_hints: _, // MySQL/Oracle
            or: _,              // SQLite
            ignore: _,          // MySQL
            into: _,
            table,
            table_alias,
            columns,
            overwrite: _, // Hive
            source,
            assignments: _, // MySQL INSERT ... SET
            partitioned: _, // Hive
            after_columns: _,
            has_table_keyword: _,
            on,
            returning,
            output: _,                  // MSSQL
            replace_into: _,            // MySQL
            priority: _,                // MySQL
            insert_alias: _,            // MySQL
            settings: _,                // ClickHouse
            format_clause: _,           // ClickHouse
            multi_table_insert_type: _, // Oracle/Snowflake
            multi_table_into_clauses: _,
            multi_table_when_clauses: _,
            multi_table_else_clause: _,
        } = insert;
        let TableObject::TableName(table_name) = table else {
            let span = self.span(insert);
            self.warn("migrate does not check INSERT INTO a table function", span);
            return Vec::new();
        };
        let Some((name, relation)) = self.target_relation(table_name) else {
            // Still look at the values for other errors.
            if let Some(source) = source {
                match source.body.as_ref() {
                    SetExpr::Values(values) => {
                        for typed in self.values_rows(values).iter().flatten() {
                            self.poison(typed);
                        }
                    }
                    _ => {
                        for out in self.query(source, false) {
                            self.poison(&out.typed);
                        }
                    }
                }
            }
            // RETURNING cannot be checked either; its parameters are not reported.
            self.poison_all_params();
            return Vec::new();
        };
        self.record_use(&name, None);
        let (targets, target_spans) = self.insert_targets(columns, &name, &relation);
        // The values (they cannot see the target table).
        let mut provided: Vec<bool> = vec![false; targets.len()];
        match source {
            None => {}
            Some(source) => match source.body.as_ref() {
                SetExpr::Values(values)
                    if source.with.is_none()
                        && source.order_by.is_none()
                        && source.limit_clause.is_none() =>
                {
                    // PostgreSQL types each row and assigns it to the
                    // columns before it types the next (transformInsertStmt):
                    // in `VALUES ($1, 'a'), ('b', $1)` the second `$1` has
                    // the type the first took.
                    for row in &values.rows {
                        let row = self.values_row(row);
                        self.insert_row(
                            &row,
                            &targets,
                            &target_spans,
                            &name,
                            columns.is_empty(),
                            &mut provided,
                        );
                    }
                }
                _ => {
                    let outputs = self.query(source, false);
                    let row: Vec<Typed> = outputs.into_iter().map(|o| o.typed).collect();
                    self.insert_row(
                        &row,
                        &targets,
                        &target_spans,
                        &name,
                        columns.is_empty(),
                        &mut provided,
                    );
                }
            },
        }
        let span_all = self.span(table_name);
        self.not_null_left_out(&name, &relation, &targets, &provided, span_all, "INSERT");
        // The target as a FROM item for ON CONFLICT and RETURNING.
        self.levels.push(Level::default());
        let refname = table_alias
            .as_ref()
            .map_or(name.name.clone(), |alias| fold_ident(&alias.alias));
        self.push_target_entry(&name, &relation, refname);
        if let Some(on) = on {
            match on {
                OnInsert::OnConflict(on_conflict) => {
                    self.on_conflict(on_conflict, &name, &relation)
                }
                OnInsert::DuplicateKeyUpdate(_) => {
                    let span = self.span(insert);
                    self.error(Diagnostic::error(
                        "syntax error at or near \"ON DUPLICATE KEY\": that is MySQL; PostgreSQL spells it ON CONFLICT",
                        span,
                    ));
                }
                _ => {}
            }
        }
        let outputs = self.returning(returning.as_deref());
        self.levels.pop();
        outputs
    }

    /// The columns an INSERT (or MERGE's INSERT action) names, or every
    /// column of the relation when it names none. A column that does not
    /// exist is reported and kept as `None`, so that values still line up
    /// with their columns.
    pub(super) fn insert_targets(
        &mut self,
        columns: &[sqlparser::ast::ObjectName],
        name: &Name,
        relation: &Relation,
    ) -> (Vec<Option<Column>>, Vec<std::ops::Range<usize>>) {
        let mut targets: Vec<Option<Column>> = Vec::new();
        let mut target_spans: Vec<std::ops::Range<usize>> = Vec::new();
        if columns.is_empty() {
            targets = relation.columns.iter().cloned().map(Some).collect();
            return (targets, target_spans);
        }
        for column in columns {
            self.check_reserved_name(column);
            let column_name = object_name_parts(column).pop().unwrap_or_default();
            let span = self.span(column);
            match relation.column(&column_name) {
                Some(found) => {
                    if targets.iter().flatten().any(|t| t.name == column_name) {
                        self.error(Diagnostic::error(
                            format!("column \"{column_name}\" specified more than once"),
                            span.clone(),
                        ));
                    }
                    targets.push(Some(found.clone()));
                    self.record_use(name, Some(&column_name));
                }
                None => {
                    self.no_such_target_column(&column_name, name, relation, span.clone());
                    targets.push(None);
                }
            }
            target_spans.push(span);
        }
        (targets, target_spans)
    }

    /// Reports the NOT NULL columns without a default that an insert leaves
    /// out: PostgreSQL accepts the statement but it can never succeed. A
    /// BEFORE INSERT trigger may fill them, so then it is only a warning.
    pub(super) fn not_null_left_out(
        &mut self,
        name: &Name,
        relation: &Relation,
        targets: &[Option<Column>],
        provided: &[bool],
        span: std::ops::Range<usize>,
        statement: &str,
    ) {
        let has_before_insert_trigger = relation.triggers.iter().any(|trigger| {
            trigger.timing == TriggerTiming::Before
                && trigger.events.contains(&TriggerEvent::Insert)
        });
        let all_targets_known = targets.iter().all(Option::is_some);
        for column in &relation.columns {
            let given = targets.iter().zip(provided).any(|(target, provided)| {
                target.as_ref().is_some_and(|t| t.name == column.name) && *provided
            });
            if !given && all_targets_known && column.not_null && !column.has_default() {
                let message = format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    column.name, name.name
                );
                if has_before_insert_trigger {
                    self.diagnostics.push(
                        Diagnostic::warning(message, span.clone()).with_help(format!(
                            "\"{}\" is NOT NULL without a default; a BEFORE INSERT trigger on \"{}\" may fill it",
                            column.name, name.name
                        )),
                    );
                } else {
                    self.error(
                        Diagnostic::error(message, span.clone()).with_help(format!(
                            "\"{}\" is NOT NULL and has no default, so the {statement} must give it a value",
                            column.name
                        )),
                    );
                }
            }
        }
    }

    pub(super) fn insert_row(
        &mut self,
        row: &[Typed],
        targets: &[Option<Column>],
        target_spans: &[std::ops::Range<usize>],
        relation: &Name,
        implicit_columns: bool,
        provided: &mut [bool],
    ) {
        for extra in row.iter().skip(targets.len()) {
            self.poison(extra);
        }
        if row.len() > targets.len() {
            let span = row[targets.len()].span.clone();
            self.error(Diagnostic::error(
                "INSERT has more expressions than target columns",
                span,
            ));
        } else if row.len() < targets.len() && !implicit_columns {
            let span = target_spans.get(row.len()).cloned().unwrap_or(0..0);
            self.error(Diagnostic::error(
                "INSERT has more target columns than expressions",
                span,
            ));
        }
        for (index, (value, column)) in row.iter().zip(targets).enumerate() {
            let Some(column) = column else {
                self.poison(value);
                continue;
            };
            if value.name.as_deref() == Some("DEFAULT") && value.ty == Ty::Error {
                if column.has_default() || !column.not_null {
                    provided[index] = true;
                }
                continue;
            }
            provided[index] = true;
            self.coerce_assign(value, column, relation);
            if column.identity == Some(migrate_core::Identity::Always) {
                self.error(
                    Diagnostic::error(
                        format!("cannot insert a non-DEFAULT value into column \"{}\"", column.name),
                        value.span.clone(),
                    )
                    .with_help(format!(
                        "column \"{}\" is an identity column defined as GENERATED ALWAYS; use OVERRIDING SYSTEM VALUE to override",
                        column.name
                    )),
                );
            }
            if column.generated.is_some() {
                self.error(
                    Diagnostic::error(
                        format!(
                            "cannot insert a non-DEFAULT value into column \"{}\"",
                            column.name
                        ),
                        value.span.clone(),
                    )
                    .with_help(format!("column \"{}\" is a generated column", column.name)),
                );
            }
        }
    }

    /// A value assigned to a column (INSERT, UPDATE SET, DO UPDATE SET).
    pub(crate) fn coerce_assign(&mut self, value: &Typed, column: &Column, relation: &Name) {
        match value.ty.clone() {
            Ty::Param(n) => self.set_param(n, &column.ty, value.span.clone()),
            Ty::Unknown => {
                if let Some(text) = &value.literal {
                    self.check_literal(text, &column.ty, value.span.clone());
                }
            }
            Ty::Known(from) => {
                if !types::assignable(self.schema, &from, &column.ty) {
                    self.error(
                        Diagnostic::error(
                            format!(
                                "column \"{}\" is of type {} but expression is of type {}",
                                column.name,
                                types::display(&column.ty),
                                types::display(&from)
                            ),
                            value.span.clone(),
                        )
                        .with_help(format!(
                            "you will need to rewrite or cast the expression (column \"{}\" of \"{}\")",
                            column.name, relation.name
                        )),
                    );
                }
            }
            Ty::Error => {}
        }
    }

    pub(super) fn no_such_target_column(
        &mut self,
        column: &str,
        name: &Name,
        relation: &Relation,
        span: std::ops::Range<usize>,
    ) {
        let mut diagnostic = Diagnostic::error(
            format!(
                "column \"{column}\" of relation \"{}\" does not exist",
                name.name
            ),
            span,
        );
        diagnostic.help = did_you_mean(column, relation.columns.iter().map(|c| c.name.as_str()));
        self.error(diagnostic);
    }

    /// The table an INSERT/UPDATE/DELETE writes.
    pub(super) fn target_relation(
        &mut self,
        table_name: &sqlparser::ast::ObjectName,
    ) -> Option<(Name, Relation)> {
        self.check_reserved_name(table_name);
        let parts = object_name_parts(table_name);
        let span = self.span(table_name);
        let name = match parts.as_slice() {
            [table] => Name::public(table),
            [schema, table] => Name::new(schema, table),
            _ => return None,
        };
        let relation = self
            .schema
            .relation(&name)
            .or_else(|| crate::extensions::relation(self.schema, &name));
        match relation {
            Some(relation) => Some((name, relation.clone())),
            // PostgreSQL prepares it and refuses it when it runs.
            None if self.schema.sequences.contains_key(&name) => {
                self.error(Diagnostic::error(
                    format!("cannot change sequence \"{}\"", name.name),
                    span,
                ));
                None
            }
            None => {
                let candidates: Vec<&str> = self
                    .schema
                    .relations
                    .keys()
                    .filter(|n| n.schema == name.schema)
                    .map(|n| n.name.as_str())
                    .collect();
                let mut diagnostic = Diagnostic::error(
                    format!("relation \"{}\" does not exist", parts.join(".")),
                    span,
                );
                diagnostic.help = did_you_mean(&name.name, candidates);
                self.error(diagnostic);
                None
            }
        }
    }

    pub(super) fn push_target_entry(&mut self, name: &Name, relation: &Relation, refname: String) {
        let columns = relation
            .columns
            .iter()
            .map(|column| ScopeColumn {
                name: column.name.clone(),
                ty: column.ty.clone(),
                nullable: !column.not_null,
                element_nullable: true,
                merged_away: false,
                origin: Some(super::ColumnUse {
                    table: name.clone(),
                    column: Some(column.name.clone()),
                }),
            })
            .collect();
        if let Some(level) = self.levels.last_mut() {
            let entry_index = level.entries.len();
            for column_index in 0..relation.columns.len() {
                level
                    .star
                    .push(super::scope::StarColumn::Entry(entry_index, column_index));
            }
            level.push_entry(RangeEntry {
                hidden_name: (refname != name.name).then(|| name.name.clone()),
                refname: Some(refname),
                schema: Some(name.schema.clone()),
                relation: Some(name.clone()),
                columns,
                visible: true,
                opaque: false,
            });
        }
    }

    fn on_conflict(&mut self, on_conflict: &OnConflict, name: &Name, relation: &Relation) {
        let OnConflict {
            conflict_target,
            action,
        } = on_conflict;
        match conflict_target {
            Some(ConflictTarget::Columns(columns)) => {
                let mut names = Vec::new();
                for column in columns {
                    self.check_reserved(column);
                    let column_name = fold_ident(column);
                    let span = self.source.range(column.span);
                    if relation.column(&column_name).is_none() {
                        let mut diagnostic = Diagnostic::error(
                            format!("column \"{column_name}\" does not exist"),
                            span,
                        );
                        diagnostic.help = did_you_mean(
                            &column_name,
                            relation.columns.iter().map(|c| c.name.as_str()),
                        );
                        self.error(diagnostic);
                        return;
                    }
                    self.record_use(name, Some(&column_name));
                    names.push(column_name);
                }
                if !names.is_empty() && !self.has_unique_on(name, relation, &names) {
                    let span = columns.first().map_or(0..0, |c| self.source.range(c.span));
                    self.error(
                        Diagnostic::error(
                            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                            span,
                        )
                        .with_help(format!(
                            "add a unique index or constraint on ({}) of \"{}\" in a migration",
                            names.join(", "),
                            name.name
                        )),
                    );
                }
            }
            Some(ConflictTarget::OnConstraint(constraint)) => {
                let constraint_name = object_name_parts(constraint).pop().unwrap_or_default();
                let exists = relation
                    .constraints
                    .iter()
                    .any(|c| c.name == constraint_name);
                if !exists {
                    let span = self.span(constraint);
                    let mut diagnostic = Diagnostic::error(
                        format!(
                            "constraint \"{constraint_name}\" for table \"{}\" does not exist",
                            name.name
                        ),
                        span,
                    );
                    diagnostic.help = did_you_mean(
                        &constraint_name,
                        relation.constraints.iter().map(|c| c.name.as_str()),
                    );
                    self.error(diagnostic);
                }
            }
            None => {}
        }
        match action {
            OnConflictAction::DoNothing => {}
            OnConflictAction::DoUpdate(DoUpdate {
                assignments,
                selection,
            }) => {
                // EXCLUDED is the row proposed for insertion.
                let columns = relation
                    .columns
                    .iter()
                    .map(|column| ScopeColumn {
                        name: column.name.clone(),
                        ty: column.ty.clone(),
                        nullable: !column.not_null,
                        element_nullable: true,
                        merged_away: false,
                        origin: None,
                    })
                    .collect();
                if let Some(level) = self.levels.last_mut() {
                    level.push_entry(RangeEntry {
                        refname: Some("excluded".to_owned()),
                        schema: None,
                        relation: None,
                        hidden_name: None,
                        columns,
                        visible: true,
                        opaque: false,
                    });
                }
                self.assignments(assignments, name, relation);
                if let Some(selection) = selection {
                    let typed = self.scalar_expr("WHERE", selection);
                    self.coerce_condition(&typed, "WHERE");
                }
                if let Some(level) = self.levels.last_mut() {
                    level.pop_entry();
                }
            }
        }
    }

    /// Whether a primary key, unique constraint or unique index covers
    /// exactly `columns` (in any order).
    fn has_unique_on(&self, name: &Name, relation: &Relation, columns: &[String]) -> bool {
        let same = |keys: &[String]| {
            keys.len() == columns.len() && columns.iter().all(|c| keys.contains(c))
        };
        let by_constraint = relation
            .constraints
            .iter()
            .any(|constraint| match &constraint.kind {
                ConstraintKind::PrimaryKey { columns } | ConstraintKind::Unique { columns, .. } => {
                    same(columns)
                }
                ConstraintKind::Exclusion { .. } => true,
                _ => false,
            });
        let by_index = self.schema.indexes.values().any(|index| {
            index.table == *name && index.unique && {
                let keys: Vec<String> = index
                    .keys
                    .iter()
                    .map(|k| k.trim().trim_matches('"').to_owned())
                    .collect();
                same(&keys)
            }
        });
        // A schema built without constraints (hand-written) cannot be checked.
        let nothing_known = relation.constraints.is_empty()
            && !self
                .schema
                .indexes
                .values()
                .any(|index| index.table == *name);
        by_constraint || by_index || nothing_known
    }

    pub(super) fn assignments(
        &mut self,
        assignments: &[Assignment],
        name: &Name,
        relation: &Relation,
    ) {
        let mut typed = Vec::new();
        for Assignment { target, value } in assignments {
            let targets: Vec<&sqlparser::ast::ObjectName> = match target {
                AssignmentTarget::ColumnName(column) => vec![column],
                AssignmentTarget::Tuple(columns) => columns.iter().collect(),
            };
            let mut columns: Vec<Option<Column>> = Vec::new();
            for target in &targets {
                self.check_reserved_name(target);
                let parts = object_name_parts(target);
                let column_name = parts.first().cloned().unwrap_or_default();
                let span = self.span(*target);
                match relation.column(&column_name) {
                    Some(column) => {
                        self.record_use(name, Some(&column_name));
                        let always_identity =
                            column.identity == Some(migrate_core::Identity::Always);
                        if column.generated.is_some() || always_identity {
                            let is_default = matches!(value, Expr::Identifier(ident)
                                if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("default"));
                            if !is_default {
                                self.error(Diagnostic::error(
                                    format!(
                                        "column \"{column_name}\" can only be updated to DEFAULT"
                                    ),
                                    span,
                                ));
                            }
                        }
                        columns.push(Some(column.clone()));
                    }
                    None => {
                        self.no_such_target_column(&column_name, name, relation, span);
                        columns.push(None);
                    }
                }
            }
            let is_default = matches!(value, Expr::Identifier(ident)
                if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("default"));
            if is_default {
                continue;
            }
            let values: Vec<Typed> = match (value, targets.len()) {
                (Expr::Tuple(items), n) if n > 1 => items
                    .iter()
                    .map(|e| self.scalar_expr("UPDATE", e))
                    .collect(),
                (Expr::Subquery(query), n) if n > 1 => {
                    self.subquery(query).into_iter().map(|o| o.typed).collect()
                }
                _ => vec![self.scalar_expr("UPDATE", value)],
            };
            typed.push((columns, values, self.span(value)));
        }
        // PostgreSQL (transformUpdateTargetList) types every value before it
        // assigns any: in `SET a = $1, b = $1 || 'x'` the second use decides
        // `$1`, and the first must then agree with it.
        for (columns, values, span) in typed {
            if values.len() != columns.len() {
                self.error(Diagnostic::error(
                    if values.len() > columns.len() {
                        "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression"
                    } else {
                        "number of columns does not match number of values"
                    },
                    span,
                ));
                continue;
            }
            for (value, column) in values.iter().zip(&columns) {
                match column {
                    Some(column) => self.coerce_assign(value, column, name),
                    None => self.poison(value),
                }
            }
        }
    }

    fn returning(&mut self, returning: Option<&[SelectItem]>) -> Vec<Out> {
        let mut outputs = Vec::new();
        if let Some(items) = returning {
            let outer_clause = self.windowless_clause.replace("RETURNING");
            let outer_aggregate_clause = self.aggregateless_clause.replace("RETURNING");
            for item in items {
                self.select_item(item, &mut outputs);
            }
            self.windowless_clause = outer_clause;
            self.aggregateless_clause = outer_aggregate_clause;
        }
        for out in &mut outputs {
            if let Ty::Param(n) = out.typed.ty.clone() {
                self.set_param(
                    n,
                    &migrate_core::SqlType::builtin("text"),
                    out.typed.span.clone(),
                );
            }
            if out.typed.ty == Ty::Unknown {
                out.typed.ty = Ty::known("text");
            }
        }
        outputs
    }

    pub(crate) fn update(&mut self, update: &Update) -> Vec<Out> {
        let Update {
            update_token: _,
            optimizer_hints: _,
            table,
            assignments,
            from,
            selection,
            returning,
            output: _,   // MSSQL
            or: _,       // SQLite
            order_by: _, // MySQL
            limit: _,    // MySQL
        } = update;
        self.levels.push(Level::default());
        let target = self.dml_target(&table.relation);
        if let Some(from) = from {
            let items = match from {
                UpdateTableFromKind::BeforeSet(items) | UpdateTableFromKind::AfterSet(items) => {
                    items
                }
            };
            for item in items {
                self.join_tree(item);
            }
        }
        // PostgreSQL (transformUpdateStmt) types WHERE and RETURNING before
        // the SET list, so a parameter used in both takes its type there.
        if let Some(selection) = selection {
            let typed = self.scalar_expr("WHERE", selection);
            self.coerce_condition(&typed, "WHERE");
        }
        let outputs = self.returning(returning.as_deref());
        if let Some((name, relation)) = &target {
            self.assignments(assignments, name, relation);
        } else {
            for Assignment { value, .. } in assignments {
                let typed = self.scalar_expr("UPDATE", value);
                self.poison(&typed);
            }
        }
        self.levels.pop();
        outputs
    }

    /// The target of UPDATE/DELETE, added to the current level.
    fn dml_target(&mut self, factor: &sqlparser::ast::TableFactor) -> Option<(Name, Relation)> {
        let sqlparser::ast::TableFactor::Table { name, alias, .. } = factor else {
            let span = self.span(factor);
            self.warn("migrate does not check this UPDATE/DELETE target", span);
            return None;
        };
        let (qualified, relation) = self.target_relation(name)?;
        self.record_use(&qualified, None);
        let refname = alias
            .as_ref()
            .map_or(qualified.name.clone(), |a: &TableAlias| fold_ident(&a.name));
        self.push_target_entry(&qualified, &relation, refname);
        Some((qualified, relation))
    }

    pub(crate) fn delete(&mut self, delete: &Delete) -> Vec<Out> {
        let Delete {
            delete_token: _,
            optimizer_hints: _,
            tables: _, // MySQL multi-table DELETE
            from,
            using,
            selection,
            returning,
            output: _,   // MSSQL
            order_by: _, // MySQL
            limit: _,    // MySQL
        } = delete;
        self.levels.push(Level::default());
        let items = match from {
            FromTable::WithFromKeyword(items) | FromTable::WithoutKeyword(items) => items,
        };
        for (index, item) in items.iter().enumerate() {
            if index == 0 {
                self.dml_target(&item.relation);
                for join in &item.joins {
                    let span = self.span(&join.relation);
                    self.warn("DELETE does not take JOIN; use USING", span);
                }
            } else {
                self.join_tree(item);
            }
        }
        for item in using.iter().flatten() {
            self.join_tree(item);
        }
        if let Some(selection) = selection {
            let typed = self.scalar_expr("WHERE", selection);
            self.coerce_condition(&typed, "WHERE");
        }
        let outputs = self.returning(returning.as_deref());
        self.levels.pop();
        outputs
    }
}
