//! `column "t.x" must appear in the GROUP BY clause or be used in an
//! aggregate function`: in a grouped SELECT, every column the select list
//! and HAVING read outside an aggregate must be grouped, or belong to a table
//! whose primary key is grouped (PostgreSQL's functional dependency rule).
//!
//! The check is conservative: an expression it does not understand (an
//! unknown function, a subquery) is accepted, so that a valid query is never
//! rejected.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArguments, GroupByExpr,
    Select, SelectItem, Value,
};

use migrate_core::Schema;

use super::Analyzer;
use super::scope::fold_ident;
use crate::diagnostic::Diagnostic;

/// Aggregates PostgreSQL has built in.
fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "sum"
            | "avg"
            | "min"
            | "max"
            | "array_agg"
            | "string_agg"
            | "bool_and"
            | "bool_or"
            | "every"
            | "json_agg"
            | "jsonb_agg"
            | "json_object_agg"
            | "jsonb_object_agg"
            | "bit_and"
            | "bit_or"
            | "bit_xor"
            | "stddev"
            | "stddev_pop"
            | "stddev_samp"
            | "variance"
            | "var_pop"
            | "var_samp"
            | "percentile_cont"
            | "percentile_disc"
            | "mode"
            | "corr"
            | "covar_pop"
            | "covar_samp"
            | "regr_count"
            | "xmlagg"
            | "range_agg"
            | "range_intersect_agg"
    )
}

/// The query an aggregate belongs to.
enum AggregateLevel {
    /// The query being typed.
    This,
    /// The enclosing query at this index of [`Analyzer::levels`].
    Outer(usize),
    /// Not known for sure.
    Unknown,
}

/// A column reference resolved in the current block: (entry, column).
type ColumnRef = (usize, String);

/// What a grouped expression may be matched by.
struct Grouping {
    /// Plain grouped columns.
    columns: Vec<ColumnRef>,
    /// Grouped expressions, normalised text.
    expressions: Vec<String>,
    /// The most nodes of a grouped expression (see [`may_be_grouped`]).
    most_nodes: usize,
}

fn normalise(expr: &Expr) -> String {
    crate::depth::print::expr_text(expr)
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn function_name(function: &sqlparser::ast::Function) -> String {
    super::query::object_name_parts(&function.name)
        .pop()
        .unwrap_or_default()
}

/// Whether `function` names an aggregate the migrations create: one whose
/// every overload of that name is an aggregate (a name that is also a
/// plain function is left unjudged, so a valid query is never rejected).
fn is_user_aggregate(schema: &Schema, function: &sqlparser::ast::Function) -> bool {
    let parts = super::query::object_name_parts(&function.name);
    let (wanted_schema, name) = match parts.as_slice() {
        [name] => (None, name),
        [schema, name] => (Some(schema.as_str()), name),
        _ => return false,
    };
    let mut overloads = schema
        .functions
        .iter()
        .filter(|(candidate, _)| {
            candidate.name == *name && wanted_schema.is_none_or(|wanted| candidate.schema == wanted)
        })
        .flat_map(|(_, overloads)| overloads)
        .peekable();
    overloads.peek().is_some() && overloads.all(|function| function.aggregate)
}

/// Whether `function` calls an aggregate (not as a window function): a
/// built-in one, one the migrations create, or any call with FILTER.
pub(crate) fn is_aggregate_call(schema: &Schema, function: &sqlparser::ast::Function) -> bool {
    function.over.is_none()
        && (is_aggregate(&function_name(function))
            || function.filter.is_some()
            || is_user_aggregate(schema, function))
}

/// Whether `expr` is a subquery, a query level of its own.
pub(crate) fn is_subquery(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. }
    )
}

/// Whether `expr` contains an aggregate call at this query level.
fn has_aggregate(schema: &Schema, expr: &Expr) -> bool {
    let mut found = false;
    walk(expr, &mut |e| {
        if let Expr::Function(function) = e
            && is_aggregate_call(schema, function)
        {
            found = true;
            return false;
        }
        !is_subquery(e)
    });
    found
}

/// The value of a function's argument, passed by name or not (`*` and
/// `t.*` have none).
pub(crate) fn argument_expr(arg: &FunctionArg) -> Option<&Expr> {
    match arg {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(expr))
        | FunctionArg::Named {
            arg: FunctionArgExpr::Expr(expr),
            ..
        }
        | FunctionArg::ExprNamed {
            arg: FunctionArgExpr::Expr(expr),
            ..
        } => Some(expr),
        _ => None,
    }
}

/// Calls `visit` on `expr` and, while it returns true, on its children,
/// depth first. An explicit stack, not recursion: an expression can be a
/// chain of 128,000 `AND`s (see `depth.rs`).
pub(crate) fn walk(expr: &Expr, visit: &mut dyn FnMut(&Expr) -> bool) {
    let mut stack = vec![expr];
    let mut children: Vec<&Expr> = Vec::new();
    while let Some(expr) = stack.pop() {
        if visit(expr) {
            push_children(expr, &mut children);
            // Reversed, so that the first child is visited first.
            stack.extend(children.drain(..).rev());
        }
    }
}

/// The nodes of `expr`, counted by [`walk`].
fn nodes(expr: &Expr) -> usize {
    let mut count = 0;
    walk(expr, &mut |_| {
        count += 1;
        true
    });
    count
}

/// Whether `expr` can be written as one of the grouped expressions, whose
/// largest has `most_nodes` nodes: not when it has more than twice as many
/// and a few (counted by [`walk`] from its top, stopping there), since the
/// same text is the same tree but for a node here and there (`-1` is a
/// number or a minus and a number). Writing out every node of a chain to
/// compare it would be quadratic in the chain (a HAVING of 6,000 `+`,
/// which PostgreSQL takes, took 11 s); so each node costs at most that many
/// steps.
fn may_be_grouped(expr: &Expr, most_nodes: usize) -> bool {
    let most = 2 * most_nodes + 8;
    let mut count = 0;
    walk(expr, &mut |_| {
        count += 1;
        count <= most
    });
    count <= most
}

/// The children of `expr` that [`walk`] visits.
fn push_children<'e>(expr: &'e Expr, children: &mut Vec<&'e Expr>) {
    match expr {
        Expr::BinaryOp { left, right, .. } => children.extend([&**left, &**right]),
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::Cast { expr, .. }
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsNotFalse(expr)
        | Expr::Collate { expr, .. } => children.push(expr),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => children.extend([&**a, &**b]),
        Expr::InList { expr, list, .. } => {
            children.push(expr);
            children.extend(list.iter());
        }
        Expr::Between {
            expr, low, high, ..
        } => children.extend([&**expr, &**low, &**high]),
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            children.extend([&**expr, &**pattern]);
        }
        Expr::AnyOp { left, right, .. } | Expr::AllOp { left, right, .. } => {
            children.extend([&**left, &**right]);
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            children.extend(operand.as_deref());
            for condition in conditions {
                children.extend([&condition.condition, &condition.result]);
            }
            children.extend(else_result.as_deref());
        }
        Expr::Function(function) => {
            if let Some(sqlparser::ast::WindowType::WindowSpec(spec)) = &function.over {
                children.extend(spec.partition_by.iter());
                children.extend(spec.order_by.iter().map(|item| &item.expr));
            }
            if let FunctionArguments::List(list) = &function.args {
                for arg in &list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                    | FunctionArg::Named {
                        arg: FunctionArgExpr::Expr(e),
                        ..
                    } = arg
                    {
                        children.push(e);
                    }
                }
            }
        }
        Expr::Array(array) => children.extend(array.elem.iter()),
        Expr::Tuple(items) => children.extend(items.iter()),
        Expr::CompoundFieldAccess { root, .. } => children.push(root),
        _ => {}
    }
}

/// The items of a GROUP BY list as PostgreSQL's flatten_grouping_sets reads
/// them: a parenthesised list `(a, b)` (an implicit row) stands for its
/// items, `()` for none (the empty grouping set), and parentheses around
/// one item are only parentheses, so `GROUP BY (alias)` still names an
/// output column.
pub(crate) fn group_by_items(exprs: &[Expr]) -> Vec<&Expr> {
    fn flatten<'e>(expr: &'e Expr, items: &mut Vec<&'e Expr>) {
        match expr {
            Expr::Tuple(members) => {
                for member in members {
                    flatten(member, items);
                }
            }
            Expr::Nested(inner) => flatten(inner, items),
            other => items.push(other),
        }
    }
    let mut items = Vec::new();
    for expr in exprs {
        flatten(expr, &mut items);
    }
    items
}

impl Analyzer<'_> {
    /// The check itself, on a SELECT whose FROM items are the current level.
    pub(crate) fn check_grouping(&mut self, select: &Select) {
        let (group_exprs, written): (Vec<&Expr>, bool) = match &select.group_by {
            GroupByExpr::Expressions(exprs, _) => (group_by_items(exprs), !exprs.is_empty()),
            GroupByExpr::All(_) => return,
        };
        let projection: Vec<&Expr> = select
            .projection
            .iter()
            .filter_map(|item| match item {
                SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                    Some(expr)
                }
                _ => None,
            })
            .collect();
        let schema = self.schema;
        let aggregates = projection.iter().any(|e| has_aggregate(schema, e))
            || select
                .having
                .as_ref()
                .is_some_and(|having| has_aggregate(schema, having));
        // `GROUP BY ()` groups by nothing: every row is one group.
        if !written && !aggregates {
            return;
        }
        // GROUPING SETS, ROLLUP, CUBE: not checked.
        if group_exprs
            .iter()
            .any(|e| matches!(e, Expr::GroupingSets(_) | Expr::Rollup(_) | Expr::Cube(_)))
        {
            return;
        }
        let mut grouping = Grouping {
            columns: Vec::new(),
            expressions: Vec::new(),
            most_nodes: 0,
        };
        for expr in &group_exprs {
            // An ordinal or output alias stands for that select item.
            let target = match expr {
                Expr::Value(value) => match &value.value {
                    Value::Number(n, _) => n
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| select.projection.get(n.wrapping_sub(1)))
                        .and_then(|item| match item {
                            SelectItem::UnnamedExpr(e)
                            | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
                            _ => None,
                        }),
                    _ => None,
                },
                Expr::Identifier(ident) if self.column_ref(expr).is_none() => {
                    let name = fold_ident(ident);
                    select.projection.iter().find_map(|item| match item {
                        SelectItem::ExprWithAlias { expr, alias } if fold_ident(alias) == name => {
                            Some(expr)
                        }
                        _ => None,
                    })
                }
                _ => None,
            };
            let expr = target.unwrap_or(expr);
            // Reported where the aggregate stands (check_aggregate_placement,
            // or check_grouped_item for an ordinal or an output name).
            if has_aggregate(schema, expr) {
                return;
            }
            match self.column_ref(expr) {
                Some(column) => grouping.columns.push(column),
                None => {
                    grouping.expressions.push(normalise(expr));
                    grouping.most_nodes = grouping.most_nodes.max(nodes(expr));
                }
            }
        }
        for expr in projection {
            self.check_grouped(expr, &grouping);
        }
        if let Some(having) = &select.having {
            self.check_grouped(having, &grouping);
        }
    }

    /// The entry and column a plain column reference resolves to in the
    /// current level, or `None` (not a column, or an outer reference).
    pub(crate) fn column_ref(&self, expr: &Expr) -> Option<ColumnRef> {
        let level = self.levels.last()?;
        match expr {
            Expr::Nested(inner) => self.column_ref(inner),
            Expr::Identifier(ident) => {
                let name = fold_ident(ident);
                let mut found = None;
                for (index, entry) in level.entries.iter().enumerate() {
                    if entry.visible
                        && entry
                            .columns
                            .iter()
                            .any(|c| c.name == name && !c.merged_away)
                    {
                        if found.is_some() {
                            return None;
                        }
                        found = Some((index, name.clone()));
                    }
                }
                if found.is_none()
                    && let Some(merged) = level.merged.iter().find(|m| m.name == name)
                {
                    return merged
                        .sources
                        .first()
                        .map(|(entry, _)| (*entry, name.clone()));
                }
                found
            }
            Expr::CompoundIdentifier(parts) => {
                let names: Vec<String> = parts.iter().map(fold_ident).collect();
                let (schema, table, column) = match names.as_slice() {
                    [table, column] => (None, table, column),
                    [schema, table, column] => (Some(schema.as_str()), table, column),
                    _ => return None,
                };
                let entry = level.entry(schema, table)?;
                level.entries[entry]
                    .columns
                    .iter()
                    .any(|c| c.name == *column)
                    .then(|| (entry, column.clone()))
            }
            _ => None,
        }
    }

    fn is_grouped(&self, column: &ColumnRef, grouping: &Grouping) -> bool {
        if grouping.columns.contains(column) {
            return true;
        }
        // Functional dependency: the table's primary key is grouped.
        let Some(level) = self.levels.last() else {
            return true;
        };
        let entry = &level.entries[column.0];
        let Some(relation) = entry
            .relation
            .as_ref()
            .and_then(|name| self.schema.relation(name))
        else {
            return false;
        };
        if relation.is_view() {
            return false;
        }
        relation.primary_key().is_some_and(|key| {
            key.kind
                .columns()
                .iter()
                .all(|key_column| grouping.columns.contains(&(column.0, key_column.clone())))
        })
    }

    fn check_grouped(&mut self, expr: &Expr, grouping: &Grouping) {
        let mut ungrouped: Vec<(std::ops::Range<usize>, String)> = Vec::new();
        let may_match =
            |e: &Expr| !grouping.expressions.is_empty() && may_be_grouped(e, grouping.most_nodes);
        walk(expr, &mut |e| {
            if may_match(e) && {
                crate::work::count("nodes written to match GROUP BY", nodes(e));
                grouping.expressions.contains(&normalise(e))
            } {
                return false;
            }
            match e {
                Expr::Function(function) => {
                    let name = function_name(function);
                    if is_aggregate_call(self.schema, function) {
                        return false;
                    }
                    // A window function's arguments and window are checked;
                    // unknown functions may be user aggregates: not checked.
                    function.over.is_some()
                        || super::functions::is_known_function(&name)
                        || name == "coalesce"
                }
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => {
                    if let Some(column) = self.column_ref(e)
                        && !self.is_grouped(&column, grouping)
                    {
                        let refname = self
                            .levels
                            .last()
                            .and_then(|level| level.entries[column.0].refname.clone());
                        let shown = match refname {
                            Some(table) => format!("{table}.{}", column.1),
                            None => column.1.clone(),
                        };
                        ungrouped.push((self.span(e), shown));
                    }
                    false
                }
                _ => true,
            }
        });
        for (span, column) in ungrouped {
            self.error(Diagnostic::error(
                format!(
                    "column \"{column}\" must appear in the GROUP BY clause or be used in an aggregate function"
                ),
                span,
            ));
        }
    }
}

impl Analyzer<'_> {
    /// PostgreSQL turns an outer join into an inner one when WHERE rejects
    /// the rows it pads with nulls (`LEFT JOIN t ... WHERE t.x = $1`): the
    /// columns of such a table keep their own nullability.
    pub(crate) fn reduce_outer_joins(&mut self, selection: &Expr) {
        let mut conjuncts = Vec::new();
        split_and(selection, &mut conjuncts);
        let mut strict_entries: Vec<usize> = Vec::new();
        for conjunct in conjuncts {
            let operands: Vec<&Expr> = match conjunct {
                Expr::BinaryOp { left, op, right } => {
                    use sqlparser::ast::BinaryOperator as Op;
                    match op {
                        Op::Eq
                        | Op::NotEq
                        | Op::Lt
                        | Op::LtEq
                        | Op::Gt
                        | Op::GtEq
                        | Op::PGLikeMatch
                        | Op::PGILikeMatch
                        | Op::PGRegexMatch
                        | Op::PGRegexIMatch
                        | Op::AtArrow
                        | Op::ArrowAt
                        | Op::PGOverlap => {
                            vec![left, right]
                        }
                        _ => Vec::new(),
                    }
                }
                Expr::AnyOp { left, .. } | Expr::AllOp { left, .. } => vec![left],
                Expr::InList { expr, .. }
                | Expr::Between { expr, .. }
                | Expr::IsNotNull(expr)
                | Expr::IsTrue(expr)
                | Expr::Like { expr, .. }
                | Expr::ILike { expr, .. } => vec![expr],
                Expr::Identifier(_) | Expr::CompoundIdentifier(_) => vec![conjunct],
                _ => Vec::new(),
            };
            for operand in operands {
                if let Some((entry, _)) = self.column_ref(operand) {
                    strict_entries.push(entry);
                }
            }
        }
        let Some(level) = self.levels.last_mut() else {
            return;
        };
        for entry in strict_entries {
            if let Some(at) = level.nulled.iter().position(|(e, _)| *e == entry) {
                // No longer null-extended: its whole-row value is not null either.
                let (_, before) = level.nulled.remove(at);
                for (column, nullable) in level.entries[entry].columns.iter_mut().zip(before) {
                    column.nullable = nullable;
                }
            }
        }
    }
}

fn split_and<'e>(expr: &'e Expr, out: &mut Vec<&'e Expr>) {
    match expr {
        Expr::BinaryOp {
            left,
            op: sqlparser::ast::BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        Expr::Nested(inner) => split_and(inner, out),
        other => out.push(other),
    }
}

impl Analyzer<'_> {
    /// PostgreSQL's checks of where an aggregate stands, made once its
    /// arguments are typed: not in a clause that forbids them, and not
    /// inside the arguments of another aggregate. Whether the call may
    /// stand where it is.
    ///
    /// An aggregate whose arguments read only an outer query's columns
    /// belongs to that outer query: it is judged by the clause of the outer
    /// query its subquery stands in (`WHERE id = (SELECT max(u.id))`).
    pub(crate) fn check_aggregate_placement(
        &mut self,
        function: &sqlparser::ast::Function,
        span: std::ops::Range<usize>,
    ) -> bool {
        if !is_aggregate_call(self.schema, function) {
            return true;
        }
        let clause = match self.aggregate_level(function) {
            AggregateLevel::This => self.aggregateless_clause,
            AggregateLevel::Outer(depth) => {
                // The clause in force in that query when its first subquery
                // on the way here began.
                let clause = self
                    .suspended_aggregate_clauses
                    .iter()
                    .find(|(n_levels, _)| *n_levels == depth + 1)
                    .and_then(|(_, clause)| *clause);
                if let Some(clause) = clause {
                    self.error(Diagnostic::error(
                        format!("aggregate functions are not allowed in {clause}"),
                        span,
                    ));
                    return false;
                }
                return true;
            }
            AggregateLevel::Unknown => return true,
        };
        if let Some(clause) = clause {
            self.error(Diagnostic::error(
                format!("aggregate functions are not allowed in {clause}"),
                span,
            ));
            return false;
        }
        let FunctionArguments::List(list) = &function.args else {
            return true;
        };
        let mut nested = None;
        // The arguments, then the aggregate's own ORDER BY.
        let args = list.args.iter().filter_map(argument_expr);
        let order_by = list.clauses.iter().flat_map(|clause| match clause {
            FunctionArgumentClause::OrderBy(items) => items.iter().map(|item| &item.expr).collect(),
            _ => Vec::new(),
        });
        for expr in args.chain(order_by) {
            walk(expr, &mut |inner| {
                if nested.is_some() {
                    return false;
                }
                if let Expr::Function(call) = inner
                    && is_aggregate_call(self.schema, call)
                    && matches!(self.aggregate_level(call), AggregateLevel::This)
                {
                    nested = Some(self.span(inner));
                    return false;
                }
                !is_subquery(inner)
            });
        }
        match nested {
            Some(at) => {
                self.error(Diagnostic::error(
                    "aggregate function calls cannot be nested",
                    at,
                ));
                false
            }
            None => true,
        }
    }

    /// The query the aggregate `function` belongs to: PostgreSQL gives an
    /// aggregate the level of the innermost query whose columns its
    /// arguments read, this one when they read none. Arguments with a
    /// subquery, or a name that resolves nowhere, are not judged.
    fn aggregate_level(&self, function: &sqlparser::ast::Function) -> AggregateLevel {
        let FunctionArguments::List(list) = &function.args else {
            return AggregateLevel::This;
        };
        let Some(this) = self.levels.len().checked_sub(1) else {
            return AggregateLevel::This;
        };
        let mut innermost: Option<usize> = None;
        let mut unknown = false;
        for expr in list.args.iter().filter_map(argument_expr) {
            walk(expr, &mut |e| {
                let depth = match e {
                    Expr::Identifier(ident) => {
                        let name = fold_ident(ident);
                        self.levels.iter().rposition(|level| {
                            !matches!(level.lookup(&name), super::scope::Lookup::NotFound)
                        })
                    }
                    Expr::CompoundIdentifier(parts) if parts.len() >= 2 => {
                        let names: Vec<String> = parts.iter().map(fold_ident).collect();
                        let table = &names[names.len() - 2];
                        let schema = names.len().checked_sub(3).map(|i| names[i].as_str());
                        self.levels
                            .iter()
                            .rposition(|level| level.entry(schema, table).is_some())
                    }
                    _ if is_subquery(e) => None,
                    _ => return true,
                };
                match depth {
                    Some(depth) => innermost = innermost.max(Some(depth)),
                    None => unknown = true,
                }
                false
            });
        }
        match innermost {
            Some(depth) if depth == this => AggregateLevel::This,
            _ if unknown => AggregateLevel::Unknown,
            Some(depth) => AggregateLevel::Outer(depth),
            None => AggregateLevel::This,
        }
    }

    /// Where the first call in `expr` that `is_wanted` at this query level
    /// stands, subqueries left out.
    pub(crate) fn first_call(
        &self,
        expr: &Expr,
        is_wanted: &dyn Fn(&sqlparser::ast::Function) -> bool,
    ) -> Option<std::ops::Range<usize>> {
        let mut found = None;
        walk(expr, &mut |e| {
            if found.is_some() {
                return false;
            }
            if let Expr::Function(function) = e
                && is_wanted(function)
            {
                found = Some(self.span(e));
                return false;
            }
            !is_subquery(e)
        });
        found
    }
}
