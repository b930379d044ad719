//! Queries: WITH, set operations, SELECT blocks, FROM items and joins,
//! VALUES, ORDER BY, LIMIT.

use migrate_core::{Name, SqlType};
use sqlparser::ast::{
    Cte, Distinct, Expr, Fetch, FunctionArg, FunctionArgExpr, GroupByExpr, Join, JoinConstraint,
    JoinOperator, LimitClause, ObjectName, ObjectNamePart, Offset, OrderByExpr, OrderByKind, Query,
    Select, SelectItem, SelectItemQualifiedWildcardKind, SetExpr, SetOperator, TableAlias,
    TableFactor, TableWithJoins, Value, Values, With,
};

use super::catalog;
use super::grouping::{argument_expr, group_by_items, is_aggregate_call};
use super::scope::{
    Level, MergedColumn, RangeEntry, ScopeColumn, StarColumn, did_you_mean, fold_ident,
};
use super::types::{self, Ty};
use super::{Analyzer, CteDef, Out, Typed};
use crate::diagnostic::Diagnostic;

/// The clauses of a query that come after its body: ORDER BY, then LIMIT
/// (with OFFSET and FETCH). A plain SELECT analyses them among its own
/// clauses, as PostgreSQL does.
#[derive(Clone, Copy, Default)]
struct Tail<'q> {
    order_by: Option<&'q OrderByKind>,
    limit_clause: Option<&'q LimitClause>,
    fetch: Option<&'q Fetch>,
}

/// How a FROM item joins the ones before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

impl Analyzer<'_> {
    /// Analyses a query; with `resolve_unknowns`, untyped outputs (`SELECT
    /// $1`, `SELECT 'x'`) become text, as PostgreSQL does everywhere except
    /// under INSERT.
    pub(crate) fn query(&mut self, query: &Query, resolve_unknowns: bool) -> Vec<Out> {
        let Query {
            with,
            body,
            order_by,
            limit_clause,
            fetch,
            locks,
            for_clause: _,     // MSSQL only; the PostgreSQL dialect never sets it
            settings: _,       // ClickHouse only
            format_clause: _,  // ClickHouse only
            pipe_operators: _, // BigQuery only
        } = query;
        // Window functions and aggregates are allowed in a subquery of a
        // clause that forbids them.
        let outer_clause = self.windowless_clause.take();
        let outer_aggregate_clause = self.aggregateless_clause.take();
        self.suspended_aggregate_clauses
            .push((self.levels.len(), outer_aggregate_clause));
        let pushed_with = match with {
            Some(with) => {
                self.with(with);
                true
            }
            None => false,
        };
        let tail = Tail {
            order_by: order_by.as_ref().map(|order_by| &order_by.kind),
            limit_clause: limit_clause.as_ref(),
            fetch: fetch.as_ref(),
        };
        let outputs = match body.as_ref() {
            // PostgreSQL analyses a plain SELECT's ORDER BY and LIMIT in the
            // middle of its own clauses, so the SELECT takes them.
            SetExpr::Select(select) => self.select(select, tail, resolve_unknowns),
            _ => {
                let mut outputs = self.set_expr(body, resolve_unknowns && order_by.is_none());
                if let Some(kind) = tail.order_by {
                    if let OrderByKind::Expressions(items) = kind {
                        self.order_by(items, &outputs, false);
                    }
                    if resolve_unknowns {
                        self.resolve_unknown_outputs(&mut outputs);
                    }
                }
                self.limit(tail);
                outputs
            }
        };
        let _ = locks; // FOR UPDATE [OF t] [SKIP LOCKED | NOWAIT]: nothing to type
        if pushed_with {
            self.ctes.pop();
        }
        self.windowless_clause = outer_clause;
        self.suspended_aggregate_clauses.pop();
        self.aggregateless_clause = outer_aggregate_clause;
        outputs
    }

    /// Types `expr` in `clause`, where PostgreSQL forbids window functions
    /// (`window functions are not allowed in WHERE`).
    pub(crate) fn windowless_expr(&mut self, clause: &'static str, expr: &Expr) -> Typed {
        let outer_clause = self.windowless_clause.replace(clause);
        let typed = self.expr(expr);
        self.windowless_clause = outer_clause;
        typed
    }

    /// Types `expr` in `clause`, where PostgreSQL forbids both aggregates
    /// and window functions (`aggregate functions are not allowed in
    /// WHERE`).
    pub(crate) fn scalar_expr(&mut self, clause: &'static str, expr: &Expr) -> Typed {
        let outer_clause = self.aggregateless_clause.replace(clause);
        let typed = self.windowless_expr(clause, expr);
        self.aggregateless_clause = outer_clause;
        typed
    }

    /// OFFSET, LIMIT and FETCH, each a bigint.
    fn limit(&mut self, tail: Tail) {
        if let Some(limit_clause) = tail.limit_clause {
            match limit_clause {
                LimitClause::LimitOffset {
                    limit,
                    offset,
                    limit_by,
                } => {
                    // PostgreSQL types OFFSET before LIMIT.
                    if let Some(Offset { value, rows: _ }) = offset {
                        self.int8_expr("OFFSET", value);
                    }
                    if let Some(limit) = limit {
                        self.int8_expr("LIMIT", limit);
                    }
                    for expr in limit_by {
                        self.expr(expr);
                    }
                }
                LimitClause::OffsetCommaLimit { offset, limit } => {
                    self.int8_expr("OFFSET", offset);
                    self.int8_expr("LIMIT", limit);
                }
            }
        }
        if let Some(fetch) = tail.fetch
            && let Some(quantity) = &fetch.quantity
        {
            self.int8_expr("LIMIT", quantity);
        }
    }

    /// LIMIT or OFFSET (`clause`): a bigint, or what an assignment cast
    /// makes one (PostgreSQL's coerce_to_specific_type), without aggregates
    /// or window functions.
    fn int8_expr(&mut self, clause: &'static str, expr: &Expr) {
        let typed = self.scalar_expr(clause, expr);
        let int8 = SqlType::builtin("int8");
        if let Ty::Known(ty) = &typed.ty
            && !types::assignable(self.schema, ty, &int8)
        {
            self.error(Diagnostic::error(
                format!(
                    "argument of {clause} must be type bigint, not type {}",
                    types::display(ty)
                ),
                typed.span.clone(),
            ));
            return;
        }
        self.coerce_implicit(&typed, &int8);
    }

    fn resolve_unknown_outputs(&mut self, outputs: &mut [Out]) {
        for out in outputs.iter_mut() {
            match out.typed.ty.clone() {
                Ty::Param(n) => {
                    self.set_param(n, &SqlType::builtin("text"), out.typed.span.clone());
                    out.typed.ty = Ty::known("text");
                }
                Ty::Unknown => out.typed.ty = Ty::known("text"),
                other => out.typed.ty = other,
            }
        }
    }

    fn with(&mut self, with: &With) {
        self.ctes.push(Vec::new());
        for cte in &with.cte_tables {
            let Cte {
                alias,
                query,
                from: _,         // Snowflake only
                materialized: _, // MATERIALIZED hint: no effect on types
                closing_paren_token: _,
            } = cte;
            let name = fold_ident(&alias.name);
            let mut columns = if with.recursive {
                self.recursive_cte(&name, alias, query)
            } else {
                self.query(query, true)
            };
            self.rename_columns(&mut columns, alias);
            if let Some(frame) = self.ctes.last_mut() {
                frame.push(CteDef { name, columns });
            }
        }
    }

    /// `WITH RECURSIVE name AS (base UNION [ALL] recursive)`: the base term
    /// fixes the columns, then the recursive term may read them.
    fn recursive_cte(&mut self, name: &str, alias: &TableAlias, query: &Query) -> Vec<Out> {
        let SetExpr::SetOperation { left, right, .. } = query.body.as_ref() else {
            return self.query(query, true);
        };
        let mut base = self.set_expr(left, true);
        self.rename_columns(&mut base, alias);
        if let Some(frame) = self.ctes.last_mut() {
            frame.push(CteDef {
                name: name.to_owned(),
                columns: base.clone(),
            });
        }
        let recursive = self.set_expr(right, false);
        if let Some(frame) = self.ctes.last_mut() {
            frame.pop();
        }
        self.combine("UNION", base, recursive, true, self.span(query))
    }

    fn rename_columns(&mut self, columns: &mut [Out], alias: &TableAlias) {
        for (column, name) in columns.iter_mut().zip(&alias.columns) {
            column.name = fold_ident(&name.name);
        }
        if alias.columns.len() > columns.len() {
            let span = self.source.range(alias.name.span);
            self.error(Diagnostic::error(
                format!(
                    "table \"{}\" has {} columns available but {} columns specified",
                    fold_ident(&alias.name),
                    columns.len(),
                    alias.columns.len()
                ),
                span,
            ));
        }
    }

    /// A query body; returns its outputs.
    pub(crate) fn set_expr(&mut self, body: &SetExpr, resolve_unknowns: bool) -> Vec<Out> {
        match body {
            SetExpr::Select(select) => self.select(select, Tail::default(), resolve_unknowns),
            SetExpr::Query(query) => self.query(query, resolve_unknowns),
            SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let left_outputs = self.set_expr(left, false);
                let right_outputs = self.set_expr(right, false);
                let op = match op {
                    SetOperator::Union => "UNION",
                    SetOperator::Intersect => "INTERSECT",
                    SetOperator::Except => "EXCEPT",
                    SetOperator::Minus => "MINUS",
                };
                let span = self.span(body);
                let mut outputs = self.combine(op, left_outputs, right_outputs, true, span);
                // Without ALL, duplicates are removed: that needs equality.
                let all = matches!(
                    set_quantifier,
                    sqlparser::ast::SetQuantifier::All | sqlparser::ast::SetQuantifier::AllByName
                );
                if !all {
                    for out in &outputs {
                        let typed = out.typed.clone();
                        let at = typed.span.clone();
                        self.check_sortable(&typed, op, at);
                    }
                }
                if resolve_unknowns {
                    self.resolve_unknown_outputs(&mut outputs);
                }
                outputs
            }
            SetExpr::Values(values) => self.values(values, resolve_unknowns),
            SetExpr::Insert(statement)
            | SetExpr::Update(statement)
            | SetExpr::Delete(statement) => self.statement(statement),
            SetExpr::Table(table) => {
                let name = table.table_name.clone().unwrap_or_default();
                let ident = sqlparser::ast::Ident::new(name);
                self.levels.push(Level::default());
                self.relation_entry(None, &ident, None, self.span(body));
                let level = self.levels.pop().unwrap_or_default();
                level
                    .entries
                    .first()
                    .map(|entry| {
                        entry
                            .columns
                            .iter()
                            .map(|c| Out {
                                name: c.name.clone(),
                                typed: Typed::new(Ty::Known(c.ty.clone()), c.nullable, 0..0),
                            })
                            .collect()
                    })
                    .unwrap_or_default()
            }
            // `WITH ... MERGE`: the CTEs are in force.
            SetExpr::Merge(statement) => match statement {
                sqlparser::ast::Statement::Merge(merge) => self.merge(merge),
                other => {
                    let span = self.span(other);
                    self.warn("migrate does not check this statement", span);
                    Vec::new()
                }
            },
        }
    }

    /// The outputs of `left op right`: same column count, common types.
    fn combine(
        &mut self,
        op: &str,
        left: Vec<Out>,
        right: Vec<Out>,
        _set_operation: bool,
        span: std::ops::Range<usize>,
    ) -> Vec<Out> {
        if left.len() != right.len() {
            self.error(Diagnostic::error(
                format!("each {op} query must have the same number of columns"),
                right.first().map_or(span, |out| out.typed.span.clone()),
            ));
            return left;
        }
        let mut outputs = Vec::with_capacity(left.len());
        for (l, r) in left.into_iter().zip(right) {
            let left_ty = l.typed.ty.clone();
            let right_ty = r.typed.ty.clone();
            let ty = match types::common_of(self.schema, &[left_ty.clone(), right_ty.clone()]) {
                Ok(ty) => ty,
                Err(failure) => {
                    let (a, b, _) = *failure;
                    self.error(Diagnostic::error(
                        format!(
                            "{op} types {} and {} cannot be matched",
                            types::display(&a),
                            types::display(&b)
                        ),
                        r.typed.span.clone(),
                    ));
                    Ty::Error
                }
            };
            let ty = match (&left_ty, &right_ty, &ty) {
                // Both untyped: stays unknown until the caller decides.
                (Ty::Param(_) | Ty::Unknown, Ty::Param(_) | Ty::Unknown, _) => left_ty.clone(),
                _ => ty,
            };
            if let Ty::Known(target) = &ty {
                self.coerce_implicit(&l.typed, target);
                self.coerce_implicit(&r.typed, target);
            }
            let fields = super::expr::common_fields([&l.typed, &r.typed]);
            outputs.push(Out {
                name: l.name,
                typed: Typed {
                    ty,
                    nullable: l.typed.nullable || r.typed.nullable,
                    name: l.typed.name,
                    span: l.typed.span,
                    literal: None,
                    weak_name: false,
                    // A set operation's columns come from no table.
                    origin: None,
                    element_nullable: l.typed.element_nullable || r.typed.element_nullable,
                    fields,
                },
            });
        }
        outputs
    }

    fn values(&mut self, values: &Values, resolve_unknowns: bool) -> Vec<Out> {
        let Values {
            explicit_row: _, // VALUES ROW(..): MySQL
            value_keyword: _,
            rows,
        } = values;
        let mut rows_typed: Vec<Vec<Typed>> = Vec::new();
        for row in rows {
            let typed: Vec<Typed> = row
                .content
                .iter()
                .map(|e| self.scalar_expr("VALUES", e))
                .collect();
            if let Some(first) = rows_typed.first()
                && first.len() != typed.len()
            {
                let span = self.span(&row.content[0]);
                self.error(Diagnostic::error(
                    "VALUES lists must all be the same length",
                    span,
                ));
                continue;
            }
            rows_typed.push(typed);
        }
        let Some(first) = rows_typed.first() else {
            return Vec::new();
        };
        let mut outputs = Vec::new();
        for column in 0..first.len() {
            let column_types: Vec<Ty> = rows_typed
                .iter()
                .map(|row| row[column].ty.clone())
                .collect();
            let all_untyped = column_types
                .iter()
                .all(|t| matches!(t, Ty::Param(_) | Ty::Unknown));
            let ty = if all_untyped && !resolve_unknowns && rows_typed.len() == 1 {
                column_types[0].clone()
            } else {
                match types::common_of(self.schema, &column_types) {
                    Ok(ty) => ty,
                    Err(failure) => {
                        let (a, b, _) = *failure;
                        let span = rows_typed[rows_typed.len() - 1][column].span.clone();
                        self.error(Diagnostic::error(
                            format!(
                                "VALUES types {} and {} cannot be matched",
                                types::display(&a),
                                types::display(&b)
                            ),
                            span,
                        ));
                        Ty::Error
                    }
                }
            };
            if let Ty::Known(target) = &ty {
                for row in &rows_typed {
                    self.coerce_implicit(&row[column], target);
                }
            }
            outputs.push(Out {
                name: format!("column{}", column + 1),
                typed: Typed {
                    ty,
                    nullable: rows_typed.iter().any(|row| row[column].nullable),
                    name: None,
                    span: first[column].span.clone(),
                    literal: first[column].literal.clone(),
                    weak_name: false,
                    origin: None,
                    element_nullable: rows_typed.iter().any(|row| row[column].element_nullable),
                    fields: super::expr::common_fields(rows_typed.iter().map(|row| &row[column])),
                },
            });
        }
        outputs
    }

    /// For INSERT: each VALUES row as written, so that each value is
    /// coerced to its target column.
    pub(crate) fn values_rows(&mut self, values: &Values) -> Vec<Vec<Typed>> {
        values.rows.iter().map(|row| self.values_row(row)).collect()
    }

    /// One VALUES row as written, `DEFAULT` marked by its name.
    pub(crate) fn values_row(&mut self, row: &sqlparser::ast::Parens<Vec<Expr>>) -> Vec<Typed> {
        row.content
            .iter()
            .map(|expr| match expr {
                Expr::Identifier(ident)
                    if ident.quote_style.is_none()
                        && ident.value.eq_ignore_ascii_case("default") =>
                {
                    let mut typed = Typed::new(Ty::Error, true, self.span(expr));
                    typed.name = Some("DEFAULT".to_owned());
                    typed
                }
                _ => self.scalar_expr("VALUES", expr),
            })
            .collect()
    }

    /// One SELECT block with the ORDER BY and LIMIT of its query, each
    /// clause analysed in PostgreSQL's order (transformSelectStmt): FROM,
    /// the select list, WHERE, HAVING, ORDER BY, GROUP BY, DISTINCT ON,
    /// LIMIT, then the WINDOW clause and the inline `OVER (...)`
    /// specifications. A parameter takes its type from its first use in
    /// that order.
    fn select(&mut self, select: &Select, tail: Tail, resolve_unknowns: bool) -> Vec<Out> {
        let Select {
            select_token: _,
            optimizer_hints: _, // MySQL/Oracle hints
            distinct,
            select_modifiers: _, // MySQL modifiers
            top: _,              // MSSQL
            top_before_distinct: _,
            projection,
            exclude: _, // Snowflake
            into,
            from,
            lateral_views: _, // Hive
            prewhere: _,      // ClickHouse
            selection,
            connect_by: _, // Oracle
            group_by,
            cluster_by: _,    // Hive
            distribute_by: _, // Hive
            sort_by: _,       // Hive
            having,
            named_window,
            qualify: _, // Snowflake
            window_before_qualify: _,
            value_table_mode: _, // BigQuery
            flavor: _,
        } = select;
        if into.is_some() {
            let span = self.span(select);
            self.warn(
                "SELECT INTO creates a table; migrate does not check it",
                span,
            );
        }
        self.levels.push(Level::default());
        for item in from {
            self.join_tree(item);
        }
        if let Some(level) = self.levels.last_mut() {
            level.windows = Some(Vec::new());
        }
        // A strict WHERE condition makes the columns an outer join
        // null-extends non-null again (the planner's reduce_outer_joins).
        // That reads only the condition's shape, so it is applied before the
        // select list, whose outputs it concerns, and the condition is
        // typed after it.
        if let Some(selection) = selection {
            self.reduce_outer_joins(selection);
        }
        let mut outputs = Vec::new();
        // Which outputs each item made, for the grouping sets below.
        let mut made_by = Vec::new();
        for item in projection {
            let before = outputs.len();
            self.select_item(item, &mut outputs);
            made_by.extend(std::iter::repeat_n(item, outputs.len() - before));
        }
        if let Some(level) = self.levels.last_mut() {
            level.outputs = outputs
                .iter()
                .enumerate()
                .map(|(i, o)| (o.name.clone(), i))
                .collect();
        }
        if let Some(selection) = selection {
            let typed = self.scalar_expr("WHERE", selection);
            self.coerce_condition(&typed, "WHERE");
        }
        if let Some(having) = having {
            let typed = self.windowless_expr("HAVING", having);
            self.coerce_condition(&typed, "HAVING");
        }
        if let Some(OrderByKind::Expressions(items)) = tail.order_by {
            self.order_by(items, &outputs, true);
        }
        match group_by {
            GroupByExpr::All(_) => {}
            GroupByExpr::Expressions(exprs, _) => {
                let outer_clause = self.windowless_clause.replace("GROUP BY");
                let outer_aggregate_clause = self.aggregateless_clause.replace("GROUP BY");
                for expr in group_by_items(exprs) {
                    self.group_by_expr(expr, &outputs, &made_by);
                }
                self.windowless_clause = outer_clause;
                self.aggregateless_clause = outer_aggregate_clause;
            }
        }
        if has_grouping_sets(group_by) {
            // A row of one grouping set has NULL in every column the set
            // leaves out: only aggregates that never give NULL stay non-null.
            for (out, item) in outputs.iter_mut().zip(made_by) {
                if !never_null_aggregate(item) {
                    out.typed.nullable = true;
                }
            }
        }
        if let Some(Distinct::On(exprs)) = distinct {
            for expr in exprs {
                self.expr(expr);
            }
        }
        self.limit(tail);
        for window in named_window {
            if let sqlparser::ast::NamedWindowExpr::WindowSpec(spec) = &window.1 {
                self.window_spec(spec);
            }
        }
        let inline_windows = self
            .levels
            .last_mut()
            .and_then(|level| level.windows.take())
            .unwrap_or_default();
        for spec in &inline_windows {
            self.window_spec(spec);
        }
        self.check_grouping(select);
        if resolve_unknowns {
            self.resolve_unknown_outputs(&mut outputs);
        }
        self.levels.pop();
        outputs
    }

    /// One GROUP BY item; `made_by` is the select item each output comes
    /// from.
    fn group_by_expr(&mut self, expr: &Expr, outputs: &[Out], made_by: &[&SelectItem]) {
        match expr {
            Expr::Value(value) => {
                if let Value::Number(number, _) = &value.value {
                    if let Ok(n) = number.parse::<usize>()
                        && n >= 1
                        && let Some(item) = made_by.get(n - 1)
                        && !self.check_grouped_item(item)
                    {
                        return;
                    }
                    self.ordinal(number, outputs, "GROUP BY", self.span(expr));
                    return;
                }
                self.expr(expr);
            }
            Expr::Identifier(ident) => {
                // A FROM column wins over an output alias in GROUP BY.
                let name = fold_ident(ident);
                let in_from = self.levels.last().is_some_and(|level| {
                    !matches!(level.lookup(&name), super::scope::Lookup::NotFound)
                });
                if !in_from && let Some(index) = outputs.iter().position(|o| o.name == name) {
                    if let Some(item) = made_by.get(index)
                        && !self.check_grouped_item(item)
                    {
                        return;
                    }
                    let typed = outputs[index].typed.clone();
                    self.check_sortable(&typed, "GROUP BY", self.span(expr));
                    return;
                }
                let typed = self.expr(expr);
                self.check_sortable(&typed, "GROUP BY", typed.span.clone());
            }
            _ => {
                let typed = self.expr(expr);
                self.check_sortable(&typed, "GROUP BY", typed.span.clone());
            }
        }
    }

    /// A GROUP BY ordinal or output name may not point at a select item
    /// holding an aggregate or a window function (PostgreSQL's
    /// checkTargetlistEntrySQL92 looks for aggregates first). Whether it
    /// may be grouped.
    fn check_grouped_item(&mut self, item: &SelectItem) -> bool {
        let (SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. }) = item else {
            return true;
        };
        let schema = self.schema;
        if let Some(at) = self.first_call(expr, &|function| is_aggregate_call(schema, function)) {
            self.error(Diagnostic::error(
                "aggregate functions are not allowed in GROUP BY",
                at,
            ));
            return false;
        }
        if let Some(at) = self.first_call(expr, &|function| function.over.is_some()) {
            self.error(Diagnostic::error(
                "window functions are not allowed in GROUP BY",
                at,
            ));
            return false;
        }
        true
    }

    fn ordinal(
        &mut self,
        number: &str,
        outputs: &[Out],
        clause: &str,
        span: std::ops::Range<usize>,
    ) {
        match number.parse::<usize>() {
            Ok(n) if n >= 1 && n <= outputs.len() => {
                let typed = outputs[n - 1].typed.clone();
                self.check_sortable(&typed, clause, span);
            }
            _ => self.error(Diagnostic::error(
                format!("{clause} position {number} is not in select list"),
                span,
            )),
        }
    }

    /// ORDER BY needs an ordering operator, GROUP BY and DISTINCT an
    /// equality one: json, xml and point have neither.
    pub(crate) fn check_sortable(
        &mut self,
        typed: &Typed,
        clause: &str,
        span: std::ops::Range<usize>,
    ) {
        let Ty::Known(ty) = typed.ty.clone() else {
            return;
        };
        let base = types::base_type(self.schema, &ty);
        if base.is_builtin() && matches!(base.name.as_str(), "json" | "xml" | "point") {
            let kind = if clause == "ORDER BY" {
                "ordering"
            } else {
                "equality"
            };
            self.error(Diagnostic::error(
                format!(
                    "could not identify an {kind} operator for type {}",
                    types::display(&ty)
                ),
                span,
            ));
        }
    }

    /// ORDER BY items; `in_select` when the SELECT's FROM is in scope (a
    /// plain SELECT), not after a set operation, where only output
    /// columns can be named.
    fn order_by(&mut self, items: &[OrderByExpr], outputs: &[Out], in_select: bool) {
        for item in items {
            let OrderByExpr {
                expr,
                options: _,   // ASC/DESC, NULLS FIRST/LAST
                with_fill: _, // ClickHouse
            } = item;
            match expr {
                Expr::Value(value) if matches!(value.value, Value::Number(..)) => {
                    if let Value::Number(number, _) = &value.value {
                        self.ordinal(number, outputs, "ORDER BY", self.span(expr));
                    }
                }
                // An output column name wins over a FROM column in ORDER BY.
                Expr::Identifier(ident) if outputs.iter().any(|o| o.name == fold_ident(ident)) => {
                    let name = fold_ident(ident);
                    if let Some(out) = outputs.iter().find(|o| o.name == name) {
                        let typed = out.typed.clone();
                        self.check_sortable(&typed, "ORDER BY", self.span(expr));
                    }
                    if outputs.iter().filter(|o| o.name == name).count() > 1 && !in_select {
                        let span = self.span(expr);
                        self.error(Diagnostic::error(
                            format!("ORDER BY \"{name}\" is ambiguous"),
                            span,
                        ));
                    }
                }
                _ if !in_select => {
                    // After UNION only output columns can be named.
                    let span = self.span(expr);
                    match expr {
                        Expr::Identifier(ident) => {
                            let name = fold_ident(ident);
                            let help = did_you_mean(&name, outputs.iter().map(|o| o.name.as_str()));
                            let mut diagnostic = Diagnostic::error(
                                format!("column \"{name}\" does not exist"),
                                span,
                            );
                            diagnostic.help = help;
                            self.error(diagnostic);
                        }
                        _ => {
                            self.levels.push(Level::default());
                            self.expr(expr);
                            self.levels.pop();
                        }
                    }
                }
                _ => {
                    let typed = self.expr(expr);
                    self.check_sortable(&typed, "ORDER BY", typed.span.clone());
                }
            }
        }
    }

    pub(crate) fn select_item(&mut self, item: &SelectItem, outputs: &mut Vec<Out>) {
        match item {
            SelectItem::UnnamedExpr(expr) => {
                let typed = self.expr(expr);
                let name = typed.name.clone().unwrap_or_else(|| "?column?".to_owned());
                outputs.push(Out { name, typed });
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let typed = self.expr(expr);
                outputs.push(Out {
                    name: fold_ident(alias),
                    typed,
                });
            }
            SelectItem::ExprWithAliases { expr, aliases } => {
                let typed = self.expr(expr);
                for alias in aliases {
                    outputs.push(Out {
                        name: fold_ident(alias),
                        typed: typed.clone(),
                    });
                }
            }
            SelectItem::Wildcard(options) => {
                let span = self.source.range(options.wildcard_token.0.span);
                self.expand_star(outputs, span);
            }
            SelectItem::QualifiedWildcard(kind, options) => {
                let span = self.source.range(options.wildcard_token.0.span);
                match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        self.expand_qualified_star(name, outputs, span);
                    }
                    SelectItemQualifiedWildcardKind::Expr(expr) => {
                        // (composite).*: not expanded.
                        self.expr(expr);
                        self.warn("migrate does not expand (expression).*", span);
                    }
                }
            }
        }
    }

    fn expand_star(&mut self, outputs: &mut Vec<Out>, span: std::ops::Range<usize>) {
        let Some(level) = self.levels.last().cloned() else {
            return;
        };
        if level.entries.is_empty() {
            self.error(Diagnostic::error(
                "SELECT * with no tables specified is not valid",
                span,
            ));
            return;
        }
        for star in &level.star {
            match star {
                StarColumn::Entry(entry_index, column_index) => {
                    let entry = &level.entries[*entry_index];
                    let column = &entry.columns[*column_index];
                    if let Some(relation) = &entry.relation {
                        self.record_use(relation, Some(&column.name));
                    }
                    outputs.push(scope_out(column, span.clone()));
                }
                StarColumn::Merged(index) => {
                    let merged = &level.merged[*index];
                    outputs.push(Out {
                        name: merged.name.clone(),
                        typed: Typed::new(
                            Ty::Known(merged.ty.clone()),
                            merged.nullable,
                            span.clone(),
                        )
                        .named(merged.name.clone()),
                    });
                }
            }
        }
    }

    fn expand_qualified_star(
        &mut self,
        name: &ObjectName,
        outputs: &mut Vec<Out>,
        span: std::ops::Range<usize>,
    ) {
        let parts = object_name_parts(name);
        let (schema, table) = match parts.as_slice() {
            [table] => (None, table.clone()),
            [schema, table] => (Some(schema.clone()), table.clone()),
            _ => return,
        };
        for depth in (0..self.levels.len()).rev() {
            if let Some(entry_index) = self.levels[depth].entry(schema.as_deref(), &table) {
                let entry = self.levels[depth].entries[entry_index].clone();
                for column in &entry.columns {
                    if let Some(relation) = &entry.relation {
                        self.record_use(relation, Some(&column.name));
                    }
                    outputs.push(scope_out(column, span.clone()));
                }
                return;
            }
        }
        let span = self.span(name);
        self.missing_from_entry(&table, span);
    }

    pub(crate) fn missing_from_entry(&mut self, table: &str, span: std::ops::Range<usize>) {
        let hidden = self.levels.iter().rev().find_map(|level| {
            level
                .entries
                .iter()
                .find(|entry| entry.hidden_name.as_deref() == Some(table))
                .and_then(|entry| entry.refname.clone())
        });
        // An entry that exists but is out of reach here: a FROM item beside
        // a subquery that is not LATERAL, or the target in MERGE's WHEN NOT
        // MATCHED.
        let unreachable = self.levels.iter().any(|level| {
            level
                .entries
                .iter()
                .any(|entry| !entry.visible && entry.refname.as_deref() == Some(table))
        });
        if hidden.is_none() && unreachable {
            self.error(
                Diagnostic::error(
                    format!("invalid reference to FROM-clause entry for table \"{table}\""),
                    span,
                )
                .with_help(format!(
                    "there is an entry for table \"{table}\", but it cannot be referenced from this part of the query"
                )),
            );
            return;
        }
        match hidden {
            Some(alias) => self.error(
                Diagnostic::error(
                    format!("invalid reference to FROM-clause entry for table \"{table}\""),
                    span,
                )
                .with_help(format!(
                    "perhaps you meant to reference the table alias \"{alias}\""
                )),
            ),
            None => {
                let names: Vec<String> = self
                    .levels
                    .iter()
                    .flat_map(|level| level.entries.iter().filter_map(|e| e.refname.clone()))
                    .collect();
                let mut diagnostic = Diagnostic::error(
                    format!("missing FROM-clause entry for table \"{table}\""),
                    span,
                );
                diagnostic.help = did_you_mean(table, names.iter().map(String::as_str));
                self.error(diagnostic);
            }
        }
    }

    /// Adds a FROM item (with its joins) to the current level.
    pub(crate) fn join_tree(&mut self, item: &TableWithJoins) -> Vec<StarColumn> {
        let TableWithJoins { relation, joins } = item;
        let item_start = self.levels.last().map_or(0, |l| l.entries.len());
        let mut star = self.table_factor(relation);
        for join in joins {
            let Join {
                relation,
                global: _, // ClickHouse
                join_operator,
            } = join;
            let first_right = self.levels.last().map_or(0, |l| l.entries.len());
            // Ranges, not lists: a list of the left side's entries at every
            // join of a chain was quadratic.
            let left_entries = item_start..first_right;
            let right_star = self.table_factor(relation);
            let after_right = self.levels.last().map_or(0, |l| l.entries.len());
            let right_entries = first_right..after_right;
            let (kind, constraint) = match join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                JoinOperator::CrossJoin(c) => (JoinKind::Inner, Some(c)),
                other => {
                    let span = self.span(relation);
                    self.warn(
                        format!("migrate does not understand this join ({other:?}); it is treated as an inner join"),
                        span,
                    );
                    (JoinKind::Inner, None)
                }
            };
            let mut merged_star: Vec<StarColumn> = Vec::new();
            match constraint {
                Some(JoinConstraint::On(expr)) => {
                    let typed = self.scalar_expr("JOIN conditions", expr);
                    self.coerce_condition(&typed, "JOIN/ON");
                }
                Some(JoinConstraint::Using(names)) => {
                    let names: Vec<(String, std::ops::Range<usize>)> = names
                        .iter()
                        .map(|n| (object_name_parts(n).pop().unwrap_or_default(), self.span(n)))
                        .collect();
                    merged_star = self.merge_using(&names, &star, &right_star, kind);
                }
                Some(JoinConstraint::Natural) => {
                    let names = self.common_column_names(&star, &right_star);
                    let at = self.span(relation);
                    let names: Vec<(String, std::ops::Range<usize>)> =
                        names.into_iter().map(|(n, _)| (n, at.clone())).collect();
                    merged_star = self.merge_using(&names, &star, &right_star, kind);
                }
                Some(JoinConstraint::None) | None => {}
            }
            match kind {
                JoinKind::Inner => {}
                JoinKind::Left => self.make_nullable(right_entries),
                JoinKind::Right => self.make_nullable(left_entries),
                JoinKind::Full => {
                    self.make_nullable(left_entries);
                    self.make_nullable(right_entries);
                }
            }
            let level = self.levels.last();
            let keep = |s: &StarColumn| match s {
                StarColumn::Entry(e, c) => {
                    level.is_some_and(|l| !l.entries[*e].columns[*c].merged_away)
                }
                StarColumn::Merged(_) => !merged_star.contains(s),
            };
            if merged_star.is_empty() {
                // Nothing merged away on the left: the columns so far stay
                // as they are (rebuilding them at every join of a long
                // chain was quadratic).
                star.extend(right_star.iter().copied().filter(keep));
            } else {
                let mut next = merged_star.clone();
                next.extend(star.iter().copied().filter(keep));
                next.extend(right_star.iter().copied().filter(keep));
                star = next;
            }
        }
        if let Some(level) = self.levels.last_mut() {
            level.star.extend(star.iter().copied());
        }
        star
    }

    /// The name of a `*` column.
    fn star_name(&self, star: &StarColumn) -> Option<String> {
        let level = self.levels.last()?;
        Some(match star {
            StarColumn::Entry(e, c) => level.entries[*e].columns[*c].name.clone(),
            StarColumn::Merged(m) => level.merged[*m].name.clone(),
        })
    }

    /// NATURAL JOIN: the names both sides have, in the left side's order.
    fn common_column_names(
        &self,
        left: &[StarColumn],
        right: &[StarColumn],
    ) -> Vec<(String, std::ops::Range<usize>)> {
        let right_names: Vec<String> = right.iter().filter_map(|s| self.star_name(s)).collect();
        let mut names: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        for star in left {
            if let Some(name) = self.star_name(star)
                && right_names.contains(&name)
                && !names.iter().any(|(n, _)| *n == name)
            {
                names.push((name, 0..0));
            }
        }
        names
    }

    fn merge_using(
        &mut self,
        names: &[(String, std::ops::Range<usize>)],
        left: &[StarColumn],
        right: &[StarColumn],
        kind: JoinKind,
    ) -> Vec<StarColumn> {
        let mut star = Vec::new();
        for (name, span) in names {
            let Some(level) = self.levels.last() else {
                return star;
            };
            let named = |side: &[StarColumn]| -> Vec<StarColumn> {
                side.iter()
                    .copied()
                    .filter(|s| match s {
                        StarColumn::Entry(e, c) => {
                            let column = &level.entries[*e].columns[*c];
                            column.name == *name && !column.merged_away
                        }
                        StarColumn::Merged(m) => level.merged[*m].name == *name,
                    })
                    .collect()
            };
            let (left_named, right_named) = (named(left), named(right));
            for (side, found) in [("left", &left_named), ("right", &right_named)] {
                if found.len() > 1 {
                    self.error(Diagnostic::error(
                        format!(
                            "common column name \"{name}\" appears more than once in {side} table"
                        ),
                        span.clone(),
                    ));
                }
            }
            if left_named.len() > 1 || right_named.len() > 1 {
                continue;
            }
            let Some(level) = self.levels.last() else {
                return star;
            };
            let left_column = match left_named.first() {
                Some(StarColumn::Entry(e, c)) => Some((*e, *c)),
                _ => None,
            };
            let left_merged = match left_named.first() {
                Some(StarColumn::Merged(m)) => Some(*m),
                _ => None,
            };
            let (left_ty, left_nullable) = match (left_column, left_merged) {
                (_, Some(m)) => (level.merged[m].ty.clone(), level.merged[m].nullable),
                (Some((e, c)), None) => {
                    let column = &level.entries[e].columns[c];
                    (column.ty.clone(), column.nullable)
                }
                (None, None) => {
                    self.error(Diagnostic::error(
                        format!("column \"{name}\" specified in USING clause does not exist in left table"),
                        span.clone(),
                    ));
                    continue;
                }
            };
            let Some(StarColumn::Entry(re, rc)) = right_named.first().copied() else {
                self.error(Diagnostic::error(
                    format!(
                        "column \"{name}\" specified in USING clause does not exist in right table"
                    ),
                    span.clone(),
                ));
                continue;
            };
            let right = level.entries[re].columns[rc].clone();
            let Some(common) =
                types::common_type(self.schema, &[left_ty.clone(), right.ty.clone()])
            else {
                let message = format!(
                    "JOIN/USING types {} and {} cannot be matched",
                    types::display(&left_ty),
                    types::display(&right.ty)
                );
                self.error(Diagnostic::error(message, span.clone()));
                continue;
            };
            // The join compares them with `=`.
            if !super::operators::comparable(self.schema, &common, &common) {
                self.error(
                    Diagnostic::error(
                        format!(
                            "operator does not exist: {} = {}",
                            types::display(&common),
                            types::display(&common)
                        ),
                        span.clone(),
                    )
                    .with_help("no operator matches the given name and argument types; you might need to add explicit type casts"),
                );
                continue;
            }
            let nullable = match kind {
                JoinKind::Inner => left_nullable && right.nullable,
                JoinKind::Left => left_nullable,
                JoinKind::Right => right.nullable,
                JoinKind::Full => left_nullable && right.nullable,
            };
            // The merged column has the common type (int4 with int8 is int8).
            let ty = if types::same_type(&left_ty, &right.ty) {
                match kind {
                    JoinKind::Right => right.ty.clone(),
                    _ => left_ty,
                }
            } else {
                common
            };
            let mut sources = Vec::new();
            if let Some(c) = left_column {
                sources.push(c);
            }
            sources.push((re, rc));
            let Some(level) = self.levels.last_mut() else {
                return star;
            };
            for &(e, c) in &sources {
                level.entries[e].columns[c].merged_away = true;
            }
            if let Some(m) = left_merged {
                level.merged[m].merged_into_right(nullable, ty);
                star.push(StarColumn::Merged(m));
                level.star.retain(|s| *s != StarColumn::Merged(m));
            } else {
                level.merged.push(MergedColumn {
                    name: name.clone(),
                    ty,
                    nullable,
                    sources,
                });
                star.push(StarColumn::Merged(level.merged.len() - 1));
            }
        }
        star
    }

    fn make_nullable(&mut self, entries: std::ops::Range<usize>) {
        if let Some(level) = self.levels.last_mut() {
            for e in entries {
                if !level.nulled.iter().any(|(entry, _)| *entry == e) {
                    let before = level.entries[e]
                        .columns
                        .iter()
                        .map(|c| c.nullable)
                        .collect();
                    level.nulled.push((e, before));
                }
                for column in &mut level.entries[e].columns {
                    column.nullable = true;
                }
            }
        }
    }

    /// Adds one FROM item to the current level; returns its `*` columns.
    pub(crate) fn table_factor(&mut self, factor: &TableFactor) -> Vec<StarColumn> {
        let before = self.levels.last().map_or(0, |l| l.entries.len());
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints: _, // MSSQL
                version: _,    // time travel, other dialects
                with_ordinality,
                partitions: _, // MySQL
                json_path: _,  // Snowflake
                sample,
                index_hints: _, // MySQL
            } => {
                if let Some(sample) = sample {
                    self.table_sample(sample);
                }
                match args {
                    Some(args) => {
                        let exprs: Vec<&FunctionArg> = args.args.iter().collect();
                        self.table_function(
                            name,
                            &exprs,
                            alias.as_ref(),
                            *with_ordinality,
                            self.span(factor),
                        );
                    }
                    None => {
                        self.check_reserved_name(name);
                        let parts = object_name_parts(name);
                        let span = self.span(name);
                        let (schema, table) = match parts.as_slice() {
                            [table] => (None, table.clone()),
                            [schema, table] => (Some(schema.clone()), table.clone()),
                            [_, schema, table] => (Some(schema.clone()), table.clone()),
                            _ => (None, String::new()),
                        };
                        let ident = sqlparser::ast::Ident::new(table);
                        self.relation_entry(schema.as_deref(), &ident, alias.as_ref(), span);
                    }
                }
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
                sample: _,
            } => {
                let outputs = self.subquery_in_from(subquery, *lateral);
                self.push_derived(outputs, alias.as_ref());
            }
            TableFactor::Function {
                lateral: _,
                name,
                args,
                with_ordinality,
                alias,
            } => {
                let exprs: Vec<&FunctionArg> = args.iter().collect();
                self.table_function(
                    name,
                    &exprs,
                    alias.as_ref(),
                    *with_ordinality,
                    self.span(factor),
                );
            }
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_offset: _,
                with_offset_alias: _,
                with_ordinality,
            } => {
                let typed: Vec<Typed> = array_exprs.iter().map(|e| self.expr(e)).collect();
                self.unnest_entry(typed, alias.as_ref(), *with_ordinality);
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let star = self.join_tree(table_with_joins);
                // `from_item` appended to the level's star; the caller does that.
                if let Some(level) = self.levels.last_mut() {
                    let n = star.len();
                    let len = level.star.len();
                    level.star.truncate(len - n);
                }
                if let Some(alias) = alias {
                    let span = self.source.range(alias.name.span);
                    self.warn(
                        "migrate does not apply an alias to a parenthesized join",
                        span,
                    );
                }
                return star;
            }
            other => {
                let span = self.span(other);
                self.warn(
                    "migrate does not understand this FROM item; its columns are not checked",
                    span,
                );
                self.push_opaque(None);
            }
        }
        let after = self.levels.last().map_or(0, |l| l.entries.len());
        // Two FROM items may not have the same name.
        let duplicates: Vec<String> = self
            .levels
            .last()
            .map(|level| {
                level.entries[before..after]
                    .iter()
                    .filter_map(|entry| entry.refname.clone())
                    .filter(|name| {
                        level.entries[..before]
                            .iter()
                            .any(|other| other.refname.as_deref() == Some(name))
                    })
                    .collect()
            })
            .unwrap_or_default();
        for name in duplicates {
            let span = self.span(factor);
            self.error(Diagnostic::error(
                format!("table name \"{name}\" specified more than once"),
                span,
            ));
        }
        let mut star = Vec::new();
        if let Some(level) = self.levels.last() {
            for entry in before..after {
                for column in 0..level.entries[entry].columns.len() {
                    star.push(StarColumn::Entry(entry, column));
                }
            }
        }
        star
    }

    fn table_sample(&mut self, sample: &sqlparser::ast::TableSampleKind) {
        let (sqlparser::ast::TableSampleKind::BeforeTableAlias(sample)
        | sqlparser::ast::TableSampleKind::AfterTableAlias(sample)) = sample;
        if let Some(quantity) = &sample.quantity {
            // `TABLESAMPLE SYSTEM_ROWS(n)` (tsm_system_rows) and
            // `SYSTEM_TIME(ms)` reach us as a function call.
            if let Expr::Function(function) = &quantity.value
                && let sqlparser::ast::FunctionArguments::List(list) = &function.args
            {
                let method = object_name_parts(&function.name).pop().unwrap_or_default();
                let target = if method == "system_time" {
                    "float8"
                } else {
                    "int8"
                };
                for arg in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) = arg {
                        let typed = self.expr(expr);
                        self.coerce_implicit(&typed, &SqlType::builtin(target));
                    }
                }
                return;
            }
            let typed = self.expr(&quantity.value);
            let target = match &sample.name {
                Some(sqlparser::ast::TableSampleMethod::System)
                | Some(sqlparser::ast::TableSampleMethod::Bernoulli) => "float4",
                _ => "int8",
            };
            self.coerce_implicit(&typed, &SqlType::builtin(target));
        }
        if let Some(seed) = &sample.seed {
            let _ = seed;
        }
    }

    fn subquery_in_from(&mut self, subquery: &Query, lateral: bool) -> Vec<Out> {
        // A subquery that is not LATERAL cannot see the FROM items beside it.
        let saved: Vec<bool> = match self.levels.last_mut() {
            Some(level) if !lateral => {
                let saved = level.entries.iter().map(|e| e.visible).collect();
                for entry in &mut level.entries {
                    entry.visible = false;
                }
                saved
            }
            _ => Vec::new(),
        };
        let outputs = self.query(subquery, true);
        if !lateral && let Some(level) = self.levels.last_mut() {
            for (entry, visible) in level.entries.iter_mut().zip(saved) {
                entry.visible = visible;
            }
        }
        outputs
    }

    pub(crate) fn push_derived(&mut self, mut outputs: Vec<Out>, alias: Option<&TableAlias>) {
        if let Some(alias) = alias {
            self.rename_columns(&mut outputs, alias);
        }
        let columns = outputs
            .iter()
            .map(|out| ScopeColumn {
                name: out.name.clone(),
                ty: self.final_type(&out.typed.ty.clone()),
                nullable: out.typed.nullable,
                element_nullable: out.typed.element_nullable,
                merged_away: false,
                origin: out.typed.origin.clone(),
            })
            .collect();
        if let Some(level) = self.levels.last_mut() {
            level.push_entry(RangeEntry {
                refname: alias.map(|a| fold_ident(&a.name)),
                schema: None,
                relation: None,
                hidden_name: None,
                columns,
                visible: true,
                opaque: false,
            });
        }
    }

    pub(crate) fn push_opaque(&mut self, alias: Option<&TableAlias>) {
        if let Some(level) = self.levels.last_mut() {
            level.push_entry(RangeEntry {
                refname: alias.map(|a| fold_ident(&a.name)),
                schema: None,
                relation: None,
                hidden_name: None,
                columns: Vec::new(),
                visible: true,
                opaque: true,
            });
        }
    }

    /// A table, view or CTE named in FROM.
    pub(crate) fn relation_entry(
        &mut self,
        schema: Option<&str>,
        table: &sqlparser::ast::Ident,
        alias: Option<&TableAlias>,
        span: std::ops::Range<usize>,
    ) -> Option<Name> {
        let table_name = table.value.clone();
        if schema.is_none()
            && let Some(cte) = self.find_cte(&table_name)
        {
            let outputs: Vec<Out> = cte.columns.clone();
            let alias_or_name = alias.cloned().unwrap_or_else(|| TableAlias {
                explicit: false,
                name: sqlparser::ast::Ident::with_quote('"', table_name.clone()),
                columns: Vec::new(),
                at: None,
            });
            self.push_derived(outputs, Some(&alias_or_name));
            return None;
        }
        // pg_catalog comes first on PostgreSQL's search path.
        let name = match schema {
            Some(schema) => Name::new(schema, &table_name),
            None => {
                let system = Name::new("pg_catalog", &table_name);
                if catalog::system_relation(&system).is_some() {
                    system
                } else {
                    Name::public(&table_name)
                }
            }
        };
        let Some(relation) = self.relation(&name) else {
            let candidates: Vec<String> = self
                .schema
                .relations
                .keys()
                .chain(self.schema.sequences.keys())
                .filter(|n| n.schema == name.schema)
                .map(|n| n.name.clone())
                .chain(catalog::system_relation_names(&name.schema).map(str::to_owned))
                .chain(self.ctes.iter().flatten().map(|c| c.name.clone()))
                .collect();
            let shown = match schema {
                Some(schema) => format!("{schema}.{table_name}"),
                None => table_name.clone(),
            };
            let mut diagnostic =
                Diagnostic::error(format!("relation \"{shown}\" does not exist"), span);
            diagnostic.help = did_you_mean(&table_name, candidates.iter().map(String::as_str));
            self.error(diagnostic);
            self.push_opaque(alias);
            return None;
        };
        // Uses are of the migrations' relations; a sequence or a system
        // relation is not one.
        if self.schema.relation(&name).is_some() {
            self.record_use(&name, None);
        }
        let mut columns: Vec<ScopeColumn> = relation
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
        if let Some(alias) = alias {
            for (column, name) in columns.iter_mut().zip(&alias.columns) {
                column.name = fold_ident(&name.name);
            }
        }
        if let Some(level) = self.levels.last_mut() {
            level.push_entry(RangeEntry {
                refname: Some(alias.map_or(table_name.clone(), |a| fold_ident(&a.name))),
                schema: Some(name.schema.clone()),
                relation: Some(name.clone()),
                hidden_name: alias.map(|_| table_name),
                columns,
                visible: true,
                opaque: false,
            });
        }
        Some(name)
    }

    pub(crate) fn find_cte(&self, name: &str) -> Option<&CteDef> {
        self.ctes
            .iter()
            .rev()
            .flat_map(|frame| frame.iter().rev())
            .find(|cte| cte.name == name)
    }

    fn unnest_entry(&mut self, typed: Vec<Typed>, alias: Option<&TableAlias>, ordinality: bool) {
        let mut outputs: Vec<Out> = Vec::new();
        for t in &typed {
            let ty = match t.ty.clone() {
                Ty::Known(ty) if ty.array => Ty::Known(ty.element()),
                Ty::Known(ty) => {
                    self.error(Diagnostic::error(
                        format!("function unnest({}) does not exist", types::display(&ty)),
                        t.span.clone(),
                    ));
                    Ty::Error
                }
                Ty::Param(_) | Ty::Unknown => {
                    self.error(Diagnostic::error(
                        "function unnest(unknown) is not unique",
                        t.span.clone(),
                    ));
                    Ty::Error
                }
                Ty::Error => Ty::Error,
            };
            outputs.push(Out {
                name: "unnest".to_owned(),
                typed: Typed::new(ty, true, t.span.clone()),
            });
        }
        if ordinality {
            outputs.push(Out {
                name: "ordinality".to_owned(),
                typed: Typed::new(Ty::known("int8"), false, 0..0),
            });
        }
        self.push_function_entry(outputs, alias);
    }

    /// A function in FROM returning a scalar names its column after the
    /// alias (or the function); one returning a row keeps its column names.
    fn push_function_entry(&mut self, mut outputs: Vec<Out>, alias: Option<&TableAlias>) {
        // A scalar result is named after the function (`unnest`,
        // `generate_series`); an OUT parameter (`value`) keeps its name.
        let scalar = outputs.len() == 1 || (outputs.len() == 2 && outputs[1].name == "ordinality");
        if let Some(alias) = alias
            && alias.columns.is_empty()
            && scalar
            && (matches!(
                outputs[0].name.as_str(),
                "unnest"
                    | "generate_series"
                    | "jsonb_object_keys"
                    | "json_object_keys"
                    | "regexp_matches"
                    | "regexp_split_to_table"
                    | "string_to_table"
            ) || self.user_set_function(&outputs))
        {
            outputs[0].name = fold_ident(&alias.name);
        }
        self.push_derived(outputs, alias);
    }

    fn table_function(
        &mut self,
        name: &ObjectName,
        args: &[&FunctionArg],
        alias: Option<&TableAlias>,
        ordinality: bool,
        span: std::ops::Range<usize>,
    ) {
        let parts = object_name_parts(name);
        let function = parts.last().cloned().unwrap_or_default();
        let typed: Vec<Typed> = args
            .iter()
            .filter_map(|arg| argument_expr(arg))
            .map(|expr| self.expr(expr))
            .collect();
        // The set-returning functions PostgreSQL has built in, known here
        // by name; qualified by another schema, the name is another
        // function's.
        let builtin_schema = parts.len() == 1 || parts[0] == "pg_catalog";
        if builtin_schema && function == "unnest" {
            self.unnest_entry(typed, alias, ordinality);
            return;
        }
        let builtin = if builtin_schema {
            function.as_str()
        } else {
            ""
        };
        let columns: Option<Vec<(&str, Ty)>> = match builtin {
            "generate_series" => {
                let ty = typed
                    .iter()
                    .find_map(|t| t.ty.clone().as_known().cloned())
                    .unwrap_or_else(|| SqlType::builtin("int4"));
                for t in &typed {
                    let target = if ty.name == "timestamptz" || ty.name == "timestamp" {
                        if t.span == typed.last().map(|l| l.span.clone()).unwrap_or_default()
                            && typed.len() == 3
                        {
                            SqlType::builtin("interval")
                        } else {
                            ty.clone()
                        }
                    } else {
                        ty.clone()
                    };
                    self.coerce_implicit(t, &target);
                }
                Some(vec![("generate_series", Ty::Known(ty))])
            }
            "jsonb_array_elements" => Some(vec![("value", Ty::known("jsonb"))]),
            "json_array_elements" => Some(vec![("value", Ty::known("json"))]),
            "jsonb_array_elements_text" | "json_array_elements_text" => {
                Some(vec![("value", Ty::known("text"))])
            }
            "jsonb_each" => Some(vec![
                ("key", Ty::known("text")),
                ("value", Ty::known("jsonb")),
            ]),
            "json_each" => Some(vec![
                ("key", Ty::known("text")),
                ("value", Ty::known("json")),
            ]),
            "jsonb_each_text" | "json_each_text" => Some(vec![
                ("key", Ty::known("text")),
                ("value", Ty::known("text")),
            ]),
            "jsonb_object_keys" | "json_object_keys" => {
                Some(vec![(function.as_str(), Ty::known("text"))])
            }
            "regexp_matches" => Some(vec![(
                "regexp_matches",
                Ty::Known(SqlType::builtin("text").into_array()),
            )]),
            "regexp_split_to_table" => Some(vec![("regexp_split_to_table", Ty::known("text"))]),
            "string_to_table" => Some(vec![("string_to_table", Ty::known("text"))]),
            _ => None,
        };
        for t in &typed {
            if let Ty::Param(_) = t.ty.clone() {
                // Text arguments for the JSON/text set functions above.
                if matches!(
                    function.as_str(),
                    "regexp_matches" | "regexp_split_to_table" | "string_to_table"
                ) {
                    self.coerce_implicit(t, &SqlType::builtin("text"));
                } else if function.starts_with("jsonb") {
                    self.coerce_implicit(t, &SqlType::builtin("jsonb"));
                } else if function.starts_with("json") {
                    self.coerce_implicit(t, &SqlType::builtin("json"));
                }
            }
        }
        match columns {
            Some(columns) => {
                let mut outputs: Vec<Out> = columns
                    .into_iter()
                    .map(|(name, ty)| Out {
                        name: name.to_owned(),
                        typed: Typed::new(ty, true, span.clone()),
                    })
                    .collect();
                if ordinality {
                    outputs.push(Out {
                        name: "ordinality".to_owned(),
                        typed: Typed::new(Ty::known("int8"), false, 0..0),
                    });
                }
                self.push_function_entry(outputs, alias);
            }
            None => {
                let Some(user) = self.user_table_function(&parts, args, &typed, span.clone())
                else {
                    self.push_opaque(alias);
                    return;
                };
                let user = user.and_then(|(function, positions)| {
                    let returns = function.returns.as_ref()?;
                    let mut types: Vec<Ty> = typed.iter().map(|arg| arg.ty.clone()).collect();
                    if let Some(positions) = positions {
                        types = vec![Ty::Unknown; function.arguments.len()];
                        for (arg, &at) in typed.iter().zip(&positions) {
                            if let Some(slot) = types.get_mut(at) {
                                *slot = arg.ty.clone();
                            }
                        }
                    }
                    match self.polymorphic_result(&function, returns, &types) {
                        Ty::Known(ty) => Some((ty, function)),
                        _ => None,
                    }
                });
                match user {
                    // Its output arguments are its columns.
                    Some((_, declared)) if !declared.outputs.is_empty() => {
                        let types: Vec<Ty> = typed.iter().map(|arg| arg.ty.clone()).collect();
                        let outputs = declared
                            .outputs
                            .iter()
                            .enumerate()
                            .map(|(index, output)| Out {
                                name: output.column_name(index + 1),
                                typed: Typed::new(
                                    self.polymorphic_result(&declared, &output.ty, &types),
                                    true,
                                    span.clone(),
                                ),
                            })
                            .collect();
                        self.push_function_entry(outputs, alias);
                    }
                    Some((ty, _)) => {
                        let outputs = vec![Out {
                            name: function.clone(),
                            typed: Typed::new(Ty::Known(ty), true, span.clone()),
                        }];
                        self.push_function_entry(outputs, alias);
                    }
                    None => {
                        if let Some(outputs) = self.column_definitions(alias, &span) {
                            self.warn(
                                format!("migrate does not know the set-returning function {function}; its arguments are not checked"),
                                span,
                            );
                            self.push_derived(outputs, alias);
                            return;
                        }
                        self.warn(
                            format!("migrate does not know the set-returning function {function}; its columns are not checked"),
                            span,
                        );
                        self.push_opaque(alias);
                    }
                }
            }
        }
    }

    /// The function of the migrations a call in FROM takes, its arguments
    /// typed, with where each goes among the declared ones when not in
    /// order. Arguments passed by name, or several overloads that could
    /// take the call, are resolved as PostgreSQL does (`routines.rs`);
    /// `None` when the call is refused (and reported).
    fn user_table_function(
        &mut self,
        parts: &[String],
        args: &[&FunctionArg],
        typed: &[Typed],
        span: std::ops::Range<usize>,
    ) -> Option<Option<(migrate_core::Function, Option<Vec<usize>>)>> {
        let mut arg_names: Vec<Option<String>> = Vec::new();
        let mut misnamed = false;
        for (arg, typed_arg) in args
            .iter()
            .filter(|arg| super::grouping::argument_expr(arg).is_some())
            .zip(typed)
        {
            let name = match arg {
                FunctionArg::Unnamed(_) => Ok(None),
                FunctionArg::Named { name, operator, .. } => self
                    .argument_name(&Expr::Identifier(name.clone()), operator, false)
                    .map(Some),
                FunctionArg::ExprNamed { name, operator, .. } => {
                    self.argument_name(name, operator, false).map(Some)
                }
            };
            let name = name.unwrap_or_else(|()| {
                misnamed = true;
                None
            });
            misnamed |= self.check_argument_name(name.as_ref(), typed_arg, &arg_names);
            arg_names.push(name.map(|(name, _)| name));
        }
        if misnamed {
            return None;
        }
        let by_name = arg_names.iter().any(Option::is_some);
        let overloads = self.user_overloads(parts).unwrap_or_default();
        let several = overloads
            .iter()
            .filter(|function| takes(function, typed.len(), 0, false))
            .count()
            > 1;
        if !by_name {
            arg_names.clear();
        }
        let called = parts.join(".");
        if !by_name && !several {
            let Some(function) = self.user_function(parts, typed.len(), 0, false) else {
                return self.missing_table_function(parts, &called, typed, &arg_names, span);
            };
            self.coerce_user_arguments(&function, typed, &[], false);
            return Some(Some((function, None)));
        }
        let chosen = self
            .resolve_user_call(&overloads, typed, &arg_names, false, &called, span.clone())
            .ok()?;
        let Some((function, positions)) = chosen else {
            if overloads.is_empty() {
                return self.missing_table_function(parts, &called, typed, &arg_names, span);
            }
            let shown = self.argument_list(typed, &arg_names);
            self.error(
                Diagnostic::error(format!("function {called}({shown}) does not exist"), span)
                    .with_help("no function matches the given name and argument types; you might need to add explicit type casts"),
            );
            for arg in typed {
                self.poison(arg);
            }
            return None;
        };
        let in_order = positions.iter().enumerate().all(|(index, &at)| index == at);
        Some(Some((function, (!in_order).then_some(positions))))
    }

    /// A call in FROM no function of the migrations takes: refused as
    /// PostgreSQL does when no function by that name can exist (`None`),
    /// else left to the caller, which warns (`Some(None)`).
    fn missing_table_function(
        &mut self,
        parts: &[String],
        called: &str,
        typed: &[Typed],
        arg_names: &[Option<String>],
        span: std::ops::Range<usize>,
    ) -> Option<Option<(migrate_core::Function, Option<Vec<usize>>)>> {
        match self.refuse_missing_function(parts, called, typed, arg_names, span) {
            Some(_) => None,
            None => Some(None),
        }
    }

    /// The columns a column definition list gives a function returning
    /// `record` (`json_to_recordset(..) AS t(a int, b text)`): its names
    /// and types, as PostgreSQL takes them. `None` without one.
    fn column_definitions(
        &mut self,
        alias: Option<&TableAlias>,
        span: &std::ops::Range<usize>,
    ) -> Option<Vec<Out>> {
        let columns = &alias?.columns;
        if columns.is_empty() || columns.iter().any(|column| column.data_type.is_none()) {
            return None;
        }
        let mut outputs = Vec::new();
        for column in columns {
            let data_type = column.data_type.as_ref()?;
            let ty = match super::types::resolve_data_type(self.schema, data_type) {
                Ok(ty) => Ty::Known(ty),
                Err(name) => {
                    // At the type name, which follows the column's.
                    let after = self.source.range(column.name.span).end;
                    let text = &self.source.text[after.min(self.source.text.len())..];
                    let start = after + (text.len() - text.trim_start().len());
                    let at = start..start + name.len();
                    self.error(Diagnostic::error(
                        format!("type \"{name}\" does not exist"),
                        at,
                    ));
                    Ty::Error
                }
            };
            outputs.push(Out {
                name: fold_ident(&column.name),
                typed: Typed::new(ty, true, span.clone()),
            });
        }
        Some(outputs)
    }

    /// Whether the single output is a user function's (named after it).
    fn user_set_function(&self, outputs: &[Out]) -> bool {
        outputs.len() == 1
            && self
                .schema
                .functions
                .keys()
                .any(|name| name.name == outputs[0].name)
    }

    /// The function the migrations created under `parts` that a call with
    /// `n_args` arguments and, for an ordered-set aggregate, `n_ordered` in
    /// `WITHIN GROUP (ORDER BY ..)` calls; `variadic` when the last argument
    /// is passed with `VARIADIC`.
    pub(crate) fn user_function(
        &self,
        parts: &[String],
        n_args: usize,
        n_ordered: usize,
        variadic: bool,
    ) -> Option<migrate_core::Function> {
        let name = match parts {
            [name] => Name::public(name),
            [schema, name] => Name::new(schema, name),
            _ => return None,
        };
        self.schema
            .functions
            .get(&name)?
            .iter()
            .find(|f| !f.procedure && takes(f, n_args, n_ordered, variadic))
            .cloned()
    }

    /// Arguments of a call to the user function `function` (direct ones in
    /// `args`, aggregated ones in `ordered`) take their declared types, as
    /// PostgreSQL types them: parameters get the type, string literals are
    /// checked against it. Each argument a VARIADIC one fills takes its
    /// element type, unless passed with `VARIADIC` (`variadic_call`): then
    /// the array type; polymorphic and pseudo-types decide nothing.
    pub(crate) fn coerce_user_arguments(
        &mut self,
        function: &migrate_core::Function,
        args: &[Typed],
        ordered: &[Typed],
        variadic_call: bool,
    ) {
        let declared = &function.arguments;
        let direct = function.direct_arguments.unwrap_or(declared.len());
        let fixed = if function.variadic {
            declared.len().saturating_sub(1)
        } else {
            declared.len()
        };
        let targets = args.iter().enumerate().map(|(index, arg)| {
            let target = if index < fixed || !function.variadic || variadic_call {
                declared.get(index).cloned()
            } else {
                declared.last().map(SqlType::element)
            };
            (arg, target)
        });
        let aggregated = ordered
            .iter()
            .enumerate()
            .map(|(index, arg)| (arg, declared.get(direct + index).cloned()));
        let pairs: Vec<(&Typed, Option<SqlType>)> = targets.chain(aggregated).collect();
        for (arg, target) in pairs {
            if let Some(target) = target
                && !is_pseudo_type(&target)
            {
                self.coerce_implicit(arg, &target);
            }
        }
    }

    /// What a call of the user function `function` returns when that is
    /// polymorphic, from the types of the arguments (`args`, then the
    /// aggregated ones) declared of its family, as PostgreSQL resolves it:
    /// `anyelement` is their type (the element type of an `anyarray` one),
    /// `anycompatible` their common type (text when all are untyped).
    /// `Ty::Unknown` when the arguments do not tell; the declared type when
    /// it is not polymorphic.
    pub(crate) fn polymorphic_result(
        &self,
        function: &migrate_core::Function,
        returns: &SqlType,
        args: &[Ty],
    ) -> Ty {
        if !returns.is_builtin() || !returns.name.starts_with("any") {
            return Ty::Known(returns.clone());
        }
        let Some(family) = polymorphic_family(&returns.name) else {
            return Ty::Unknown;
        };
        let mut members: Vec<Ty> = function
            .arguments
            .iter()
            .zip(args)
            .filter_map(|(declared, arg)| match arg {
                Ty::Known(known) if declared.is_builtin() => {
                    let name = declared.name.as_str();
                    if family.elements.contains(&name) {
                        Some(Ty::Known(known.clone()))
                    } else if family.arrays.contains(&name) && known.array {
                        Some(Ty::Known(known.element()))
                    } else {
                        None
                    }
                }
                _ => None,
            })
            .collect();
        let element = if family.compatible {
            if members.is_empty() {
                members.push(Ty::known("text"));
            }
            types::common_of(self.schema, &members).ok()
        } else {
            members.into_iter().next()
        };
        match element {
            Some(Ty::Known(ty)) if family.arrays.contains(&returns.name.as_str()) => {
                Ty::Known(ty.into_array())
            }
            Some(Ty::Known(ty)) => Ty::Known(ty),
            _ => Ty::Unknown,
        }
    }

    /// Conditions (WHERE, ON, HAVING) must be boolean.
    pub(crate) fn coerce_condition(&mut self, typed: &Typed, clause: &str) {
        match typed.ty.clone() {
            Ty::Param(n) => self.set_param(n, &SqlType::builtin("bool"), typed.span.clone()),
            Ty::Unknown => {
                if let Some(text) = &typed.literal {
                    self.check_literal(text, &SqlType::builtin("bool"), typed.span.clone());
                }
            }
            Ty::Known(ty) if types::base_type(self.schema, &ty).udt_name() != "bool" => {
                self.error(Diagnostic::error(
                    format!(
                        "argument of {clause} must be type boolean, not type {}",
                        types::display(&ty)
                    ),
                    typed.span.clone(),
                ));
            }
            _ => {}
        }
    }
}

impl MergedColumn {
    fn merged_into_right(&mut self, nullable: bool, ty: SqlType) {
        self.nullable = nullable;
        self.ty = ty;
    }
}

/// The polymorphic family the pseudo-type `name` belongs to: the names
/// that stand for one element type, and those that stand for an array of
/// it. `anyrange` and the like are not followed.
pub(crate) fn polymorphic_family(name: &str) -> Option<PolymorphicFamily> {
    [ANYELEMENT, ANYCOMPATIBLE]
        .into_iter()
        .find(|family| family.elements.contains(&name) || family.arrays.contains(&name))
}

/// See [`polymorphic_family`].
#[derive(Clone, Copy)]
pub(crate) struct PolymorphicFamily {
    pub elements: &'static [&'static str],
    pub arrays: &'static [&'static str],
    /// The arguments' common type, rather than one and the same type.
    pub compatible: bool,
}

const ANYELEMENT: PolymorphicFamily = PolymorphicFamily {
    elements: &["anyelement", "anynonarray", "anyenum"],
    arrays: &["anyarray"],
    compatible: false,
};

const ANYCOMPATIBLE: PolymorphicFamily = PolymorphicFamily {
    elements: &["anycompatible", "anycompatiblenonarray"],
    arrays: &["anycompatiblearray"],
    compatible: true,
};

/// A polymorphic or pseudo-type (`anyelement`, `"any"`, `record`, ..): an
/// argument of one is typed by the call, not the other way round.
pub(crate) fn is_pseudo_type(ty: &SqlType) -> bool {
    ty.is_builtin()
        && (ty.name.starts_with("any")
            || matches!(ty.name.as_str(), "record" | "internal" | "cstring" | "void"))
}

/// Whether `function` takes a call with `n_args` arguments and `n_ordered`
/// in `WITHIN GROUP (ORDER BY ..)`: as many as it declares, or more for a
/// VARIADIC one, whose last argument's elements may be passed one by one;
/// with the last passed as `VARIADIC arr` (`variadic`), a VARIADIC one with
/// exactly as many; an ordered-set aggregate only with `WITHIN GROUP`, and
/// the rest only without.
pub(crate) fn takes(
    function: &migrate_core::Function,
    n_args: usize,
    n_ordered: usize,
    variadic: bool,
) -> bool {
    let declared = function.arguments.len();
    if variadic {
        return function.variadic && n_ordered == 0 && n_args == declared;
    }
    match function.direct_arguments {
        Some(direct) => {
            n_ordered > 0 && n_args == direct && declared.checked_sub(direct) == Some(n_ordered)
        }
        None if n_ordered > 0 => false,
        // Trailing arguments with defaults may be left out.
        None => {
            (n_args <= declared && n_args + function.defaults >= declared)
                || (function.variadic && n_args > declared)
        }
    }
}

fn scope_out(column: &ScopeColumn, span: std::ops::Range<usize>) -> Out {
    let mut typed =
        Typed::new(Ty::Known(column.ty.clone()), column.nullable, span).named(column.name.clone());
    typed.origin = column.origin.clone();
    typed.element_nullable = column.element_nullable;
    Out {
        name: column.name.clone(),
        typed,
    }
}

/// The parts of a dotted name, case-folded.
pub(crate) fn object_name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => fold_ident(ident),
            ObjectNamePart::Function(function) => fold_ident(&function.name),
        })
        .collect()
}

/// `GROUP BY` with `GROUPING SETS`, `ROLLUP` or `CUBE`.
fn has_grouping_sets(group_by: &GroupByExpr) -> bool {
    match group_by {
        GroupByExpr::All(_) => false,
        GroupByExpr::Expressions(exprs, modifiers) => {
            !modifiers.is_empty()
                || exprs.iter().any(|expr| {
                    matches!(
                        expr,
                        Expr::GroupingSets(_) | Expr::Rollup(_) | Expr::Cube(_)
                    )
                })
        }
    }
}

/// A select item that is `count(..)` or `grouping(..)`: never NULL, even in
/// a grouping set's rows.
fn never_null_aggregate(item: &SelectItem) -> bool {
    let expr = match item {
        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => expr,
        _ => return false,
    };
    let Expr::Function(function) = expr else {
        return false;
    };
    function.over.is_none()
        && function.name.0.len() == 1
        && function.name.0[0]
            .as_ident()
            .is_some_and(|ident| matches!(fold_ident(ident).as_str(), "count" | "grouping"))
}
