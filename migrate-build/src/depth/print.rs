//! sqlparser's text (and span) of expressions and queries that hold long
//! chains of `AND` and `OR`, found without recursing once per link.
//!
//! sqlparser's `Display` recurses through a left-deep `BinaryOp` chain, about
//! 8.9 KiB of stack a link in a debug build, and its `Spanned` 5.3 KiB.
//! Here a chain (and the parentheses and `NOT` around it) is walked in a
//! loop, and only its operands go to `Display`; an expression or a query
//! that holds chains further down (under a CASE, in a subquery, in WHERE)
//! has them taken out, a marker in their place, is written by `Display`
//! around the markers, and gets them back. The text is sqlparser's, byte
//! for byte (the fold's snapshots and a unit test hold it); only the nesting
//! of other constructs is recursed into, and sqlparser bounds that.

use sqlparser::ast::Spanned;
use sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, JoinConstraint,
    JoinOperator, Query, SelectItem, SetExpr, TableFactor, TableWithJoins, UnaryOperator,
};
use sqlparser::tokenizer::Span;

/// A marker cannot appear in a statement's text: PostgreSQL refuses a
/// NUL byte anywhere in it.
const MARK: char = '\0';

/// What is left to write of a chain: an operand, or text between them.
enum Piece<'a> {
    Expr(&'a Expr),
    Text(&'static str),
}

/// Whether `expr` is written here rather than by sqlparser's `Display`.
fn walked_in_a_loop(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::BinaryOp {
            op: BinaryOperator::And | BinaryOperator::Or,
            ..
        } | Expr::Nested(_)
            | Expr::UnaryOp {
                op: UnaryOperator::Not,
                ..
            }
    )
}

fn marker(index: usize) -> Expr {
    Expr::Identifier(Ident::new(format!("{MARK}{index}{MARK}")))
}

fn is_marker(expr: &Expr, index: usize) -> bool {
    matches!(expr, Expr::Identifier(ident)
        if ident.quote_style.is_none() && ident.value == format!("{MARK}{index}{MARK}"))
}

/// sqlparser's `Display` of `expr`, chains of `AND` and `OR` anywhere in
/// it written in a loop.
pub(crate) fn expr_text(expr: &Expr) -> String {
    let mut out = String::new();
    write_chain(expr, &mut out);
    out
}

/// Writes `expr`, walking a chain at its top in a loop; each operand is
/// copied (one operand's `clone` recurses only through what it holds) and
/// written by [`write_spliced`].
fn write_chain(expr: &Expr, out: &mut String) {
    // A left-deep chain pushes its right operand and its left one, and
    // takes the left one at once: `pending` stays short.
    let mut pending = vec![Piece::Expr(expr)];
    while let Some(piece) = pending.pop() {
        match piece {
            Piece::Text(text) => out.push_str(text),
            // As sqlparser writes them: `{left} {op} {right}`, `({inner})`
            // and `NOT {expr}`.
            Piece::Expr(Expr::BinaryOp {
                left,
                op: op @ (BinaryOperator::And | BinaryOperator::Or),
                right,
            }) => {
                pending.push(Piece::Expr(right));
                pending.push(Piece::Text(if *op == BinaryOperator::And {
                    " AND "
                } else {
                    " OR "
                }));
                pending.push(Piece::Expr(left));
            }
            Piece::Expr(Expr::Nested(inner)) => {
                pending.push(Piece::Text(")"));
                pending.push(Piece::Expr(inner));
                pending.push(Piece::Text("("));
            }
            Piece::Expr(Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            }) => {
                pending.push(Piece::Expr(expr));
                pending.push(Piece::Text("NOT "));
            }
            Piece::Expr(operand) => write_spliced(&mut operand.clone(), out),
        }
    }
}

/// Writes `expr`, not a chain itself: the chains it holds are taken out,
/// sqlparser writes the rest, and [`write_chain`] each chain in its marker.
/// `expr` is as it was when this returns.
fn write_spliced(expr: &mut Expr, out: &mut String) {
    let mut taken = Vec::new();
    take_chains(expr, &mut taken, false);
    let frame = expr.to_string();
    fill_markers(&frame, &taken, out);
    put_back(expr, taken);
}

/// Writes `frame`, each marker in it replaced by the text of its chain.
fn fill_markers(frame: &str, taken: &[Expr], out: &mut String) {
    let mut rest = frame;
    while let Some(start) = rest.find(MARK) {
        out.push_str(&rest[..start]);
        let after = &rest[start + MARK.len_utf8()..];
        let end = after.find(MARK).unwrap_or(after.len());
        match after[..end]
            .parse::<usize>()
            .ok()
            .and_then(|index| taken.get(index))
        {
            Some(chain) => write_chain(chain, out),
            // Not reached: no statement holds a NUL byte.
            None => out.push_str(&rest[start..start + MARK.len_utf8() + end]),
        }
        rest = after.get(end + MARK.len_utf8()..).unwrap_or("");
    }
    out.push_str(rest);
}

/// Replaces each chain below `expr` (and `expr` itself when `top`) by a
/// marker, the outermost ones first, into `taken`.
fn take_chains(expr: &mut Expr, taken: &mut Vec<Expr>, top: bool) {
    each_operand(expr, top, &mut |slot| {
        if walked_in_a_loop(slot) {
            taken.push(std::mem::replace(slot, marker(taken.len())));
            false
        } else {
            true
        }
    });
}

/// Puts the chains [`take_chains`] took back into their markers.
fn put_back(expr: &mut Expr, taken: Vec<Expr>) {
    let mut back = taken.into_iter();
    let mut index = 0;
    each_operand(expr, true, &mut |slot| {
        if is_marker(slot, index) {
            if let Some(chain) = back.next() {
                *slot = chain;
            }
            index += 1;
            false
        } else {
            true
        }
    });
}

/// sqlparser's `Display` of `query`, with the chains in it written by
/// [`write_chain`]. The query is as it was when this returns.
pub(crate) fn query_text(query: &mut Query) -> String {
    let mut taken = Vec::new();
    each_clause(query, &mut |slot| take_chains(slot, &mut taken, true));
    let frame = query.to_string();
    let mut out = String::with_capacity(frame.len());
    fill_markers(&frame, &taken, &mut out);
    let mut back = taken.into_iter();
    let mut index = 0;
    each_clause(query, &mut |slot| {
        each_operand(slot, true, &mut |slot| {
            if is_marker(slot, index) {
                if let Some(chain) = back.next() {
                    *slot = chain;
                }
                index += 1;
                false
            } else {
                true
            }
        })
    });
    out
}

/// The span sqlparser's `Spanned` gives `expr` (the union of its
/// operands' spans), a chain at its top walked in a loop.
pub(crate) fn expr_span(expr: &Expr) -> Span {
    let mut span = Span::empty();
    let mut pending = vec![expr];
    while let Some(expr) = pending.pop() {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And | BinaryOperator::Or,
                right,
            } => pending.extend([&**right, &**left]),
            Expr::Nested(inner)
            | Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: inner,
            } => pending.push(inner),
            operand => span = span.union(&operand.span()),
        }
    }
    span
}

/// Calls `visit` on `expr` (when `top`) and on the expressions below it,
/// with a stack of its own; below an expression `visit` returns false for,
/// nothing is visited. The queries below are walked by [`each_clause`].
fn each_operand(expr: &mut Expr, top: bool, visit: &mut dyn FnMut(&mut Expr) -> bool) {
    let mut pending: Vec<&mut Expr> = Vec::new();
    if top {
        pending.push(expr);
    } else {
        push_operands(expr, &mut pending, visit);
    }
    while let Some(expr) = pending.pop() {
        if visit(expr) {
            push_operands(expr, &mut pending, visit);
        }
    }
}

/// Pushes the operands of `expr` onto `pending`, last first (so that they
/// are visited in the order sqlparser writes them); the queries it holds are
/// walked at once.
fn push_operands<'e>(
    expr: &'e mut Expr,
    pending: &mut Vec<&'e mut Expr>,
    visit: &mut dyn FnMut(&mut Expr) -> bool,
) {
    let start = pending.len();
    match expr {
        Expr::BinaryOp { left, right, .. }
        | Expr::IsDistinctFrom(left, right)
        | Expr::IsNotDistinctFrom(left, right)
        | Expr::AnyOp { left, right, .. }
        | Expr::AllOp { left, right, .. } => pending.extend([&mut **left, &mut **right]),
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::Cast { expr, .. }
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::IsTrue(expr)
        | Expr::IsFalse(expr)
        | Expr::IsNotTrue(expr)
        | Expr::IsNotFalse(expr)
        | Expr::IsUnknown(expr)
        | Expr::IsNotUnknown(expr)
        | Expr::Collate { expr, .. } => pending.push(expr),
        Expr::InList { expr, list, .. } => {
            pending.push(expr);
            pending.extend(list.iter_mut());
        }
        Expr::InSubquery { expr, subquery, .. } => {
            pending.push(expr);
            each_query_operand(subquery, visit);
        }
        Expr::Between {
            expr, low, high, ..
        } => pending.extend([&mut **expr, &mut **low, &mut **high]),
        Expr::Like { expr, pattern, .. } | Expr::ILike { expr, pattern, .. } => {
            pending.extend([&mut **expr, &mut **pattern]);
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            pending.extend(operand.as_deref_mut());
            for condition in conditions {
                pending.extend([&mut condition.condition, &mut condition.result]);
            }
            pending.extend(else_result.as_deref_mut());
        }
        Expr::Function(function) => {
            match &mut function.args {
                FunctionArguments::List(list) => {
                    for arg in &mut list.args {
                        if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e))
                        | FunctionArg::Named {
                            arg: FunctionArgExpr::Expr(e),
                            ..
                        } = arg
                        {
                            pending.push(e);
                        }
                    }
                }
                FunctionArguments::Subquery(query) => each_query_operand(query, visit),
                FunctionArguments::None => {}
            }
            pending.extend(function.filter.as_deref_mut());
        }
        Expr::Subquery(query)
        | Expr::Exists {
            subquery: query, ..
        } => {
            each_query_operand(query, visit);
        }
        Expr::Array(array) => pending.extend(array.elem.iter_mut()),
        Expr::Tuple(items) => pending.extend(items.iter_mut()),
        _ => {}
    }
    pending[start..].reverse();
}

/// [`each_operand`] on every clause of `query`.
fn each_query_operand(query: &mut Query, visit: &mut dyn FnMut(&mut Expr) -> bool) {
    each_clause(query, &mut |slot| each_operand(slot, true, visit));
}

/// Calls `visit` on each clause of `query` where a chain of conditions
/// stands (and of the queries it holds in WITH, FROM and set operations).
fn each_clause(query: &mut Query, visit: &mut dyn FnMut(&mut Expr)) {
    if let Some(with) = &mut query.with {
        for cte in &mut with.cte_tables {
            each_clause(&mut cte.query, visit);
        }
    }
    // A chain of set operations is as long as the statement: walk it with a
    // stack of its own.
    let mut bodies: Vec<&mut SetExpr> = vec![&mut query.body];
    while let Some(body) = bodies.pop() {
        match body {
            SetExpr::Select(select) => {
                for item in &mut select.projection {
                    match item {
                        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                            visit(expr)
                        }
                        _ => {}
                    }
                }
                for from in &mut select.from {
                    each_join_clause(from, visit);
                }
                for clause in [
                    &mut select.selection,
                    &mut select.having,
                    &mut select.qualify,
                ]
                .into_iter()
                .flatten()
                {
                    visit(clause);
                }
            }
            SetExpr::Query(inner) => each_clause(inner, visit),
            SetExpr::SetOperation { left, right, .. } => {
                // Right pushed first: the left is walked first.
                bodies.push(right);
                bodies.push(left);
            }
            _ => {}
        }
    }
}

fn each_join_clause(from: &mut TableWithJoins, visit: &mut dyn FnMut(&mut Expr)) {
    each_factor_clause(&mut from.relation, visit);
    for join in &mut from.joins {
        each_factor_clause(&mut join.relation, visit);
        if let JoinOperator::Join(constraint)
        | JoinOperator::Inner(constraint)
        | JoinOperator::Left(constraint)
        | JoinOperator::LeftOuter(constraint)
        | JoinOperator::Right(constraint)
        | JoinOperator::RightOuter(constraint)
        | JoinOperator::FullOuter(constraint) = &mut join.join_operator
            && let JoinConstraint::On(on) = constraint
        {
            visit(on);
        }
    }
}

fn each_factor_clause(factor: &mut TableFactor, visit: &mut dyn FnMut(&mut Expr)) {
    match factor {
        TableFactor::Derived { subquery, .. } => each_clause(subquery, visit),
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => each_join_clause(table_with_joins, visit),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    fn query(sql: &str) -> Query {
        match Parser::parse_sql(&PostgreSqlDialect {}, sql)
            .unwrap()
            .remove(0)
        {
            sqlparser::ast::Statement::Query(query) => *query,
            other => panic!("not a query: {other}"),
        }
    }

    /// The text is sqlparser's, and the query is left as it was.
    #[test]
    fn writes_what_sqlparser_writes() {
        for sql in [
            "SELECT a FROM t WHERE a AND b OR NOT (c AND d) OR e AND f",
            "SELECT a AND b AS x, NOT a, (a OR b) FROM t JOIN u ON t.a = u.a AND u.b \
             LEFT JOIN (SELECT 1 AS a WHERE true AND false) AS s ON (s.a = 1 OR s.a = 2) \
             WHERE a = 1 AND (b = 2 OR c = 3) GROUP BY a HAVING count(*) > 1 AND NOT a",
            "WITH w AS (SELECT 1 AS a WHERE 1 = 1 AND 2 = 2) SELECT a FROM w \
             UNION SELECT 2 WHERE x OR y UNION ALL (SELECT 3 WHERE p AND q)",
            "SELECT CASE WHEN a AND b THEN 1 END FROM t WHERE x IN (SELECT y FROM u WHERE y AND z)",
            "SELECT CASE WHEN a AND (b OR NOT c) THEN x AND y ELSE coalesce(p OR q, EXISTS \
             (SELECT 1 WHERE r AND s)) END AS k, count(*) FILTER (WHERE a AND b), \
             ARRAY[a AND b, c OR d], (a OR b) IS TRUE, a = ANY(ARRAY[b AND c]) \
             FROM t WHERE x AND (y IN (SELECT y FROM u WHERE y AND z) OR CASE WHEN p AND q THEN r END)",
            "SELECT \"a\" FROM t WHERE \"a\" AND 'x' = 'y' AND a BETWEEN 1 AND 2",
        ] {
            let mut parsed = query(sql);
            let expected = parsed.to_string();
            assert_eq!(query_text(&mut parsed), expected, "{sql}");
            assert_eq!(parsed, query(sql), "{sql}");
            if let SetExpr::Select(select) = parsed.body.as_ref() {
                for expr in select
                    .selection
                    .iter()
                    .chain(select.projection.iter().filter_map(|item| match item {
                        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
                            Some(expr)
                        }
                        _ => None,
                    }))
                {
                    assert_eq!(expr_text(expr), expr.to_string(), "{sql}");
                    assert_eq!(expr_span(expr), expr.span(), "{sql}");
                }
            }
        }
    }

    /// The stack the fold's thread keeps resident (Linux): the pages of
    /// the mapping that holds a local of this frame.
    #[cfg(target_os = "linux")]
    fn resident_stack_kib() -> usize {
        let marker = 0u8;
        let at = std::hint::black_box(&marker) as *const u8 as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut inside = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((start, end)) = range.split_once('-')
                && let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                )
            {
                inside = start <= at && at < end;
            } else if inside && let Some(rss) = line.strip_prefix("Rss:") {
                return rss
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse()
                    .unwrap_or(0);
            }
        }
        0
    }

    /// How much stack the fold takes a link of an AND chain in each place
    /// (the figure `AND_OR_PER_LINK` is set from): run with `--ignored
    /// --nocapture`, `LINKS` links (40,000 unless set), in a debug build.
    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "a measure, not a check"]
    fn stack_per_link_of_the_fold() {
        let n: usize = std::env::var("LINKS")
            .ok()
            .and_then(|links| links.parse().ok())
            .unwrap_or(40_000);
        let chain = |op: &str| vec!["a > 1"; n].join(op);
        let table = "CREATE TABLE c (a int);";
        let shapes = [
            (
                "view, WHERE",
                format!(
                    "{table} CREATE VIEW v AS SELECT a FROM c WHERE {}",
                    chain(" AND ")
                ),
            ),
            (
                "view, WHERE of OR",
                format!(
                    "{table} CREATE VIEW v AS SELECT a FROM c WHERE {}",
                    chain(" OR ")
                ),
            ),
            (
                "view, select list",
                format!(
                    "{table} CREATE VIEW v AS SELECT {} AS x FROM c",
                    chain(" AND ")
                ),
            ),
            (
                "view, CASE",
                format!(
                    "{table} CREATE VIEW v AS SELECT CASE WHEN {} THEN 1 END AS x FROM c",
                    chain(" AND ")
                ),
            ),
            (
                "view, subquery",
                format!(
                    "{table} CREATE VIEW v AS SELECT a FROM c WHERE a IN (SELECT a FROM c WHERE {})",
                    chain(" AND ")
                ),
            ),
            (
                "view, HAVING",
                format!(
                    "{table} CREATE VIEW v AS SELECT a > 1 AND a < 9 AS g FROM c GROUP BY a > 1 AND a < 9 HAVING {}",
                    vec!["count(*) > 1"; n].join(" AND ")
                ),
            ),
            (
                "CHECK",
                format!("CREATE TABLE c (a int CHECK ({}));", chain(" AND ")),
            ),
            (
                "default",
                format!(
                    "CREATE TABLE c (a int, b boolean DEFAULT ({}));",
                    vec!["true"; n].join(" AND ")
                ),
            ),
            (
                "generated",
                format!(
                    "CREATE TABLE c (a int, b boolean GENERATED ALWAYS AS ({}) STORED);",
                    chain(" AND ")
                ),
            ),
            (
                "index predicate",
                format!("{table} CREATE INDEX i ON c (a) WHERE {};", chain(" AND ")),
            ),
            (
                "CHECK, CASE",
                format!(
                    "CREATE TABLE c (a int CHECK (CASE WHEN {} THEN true END));",
                    chain(" AND ")
                ),
            ),
            (
                "default, CASE",
                format!(
                    "CREATE TABLE c (a int, b int DEFAULT (CASE WHEN {} THEN 1 END));",
                    vec!["true"; n].join(" AND ")
                ),
            ),
            (
                "generated, CASE",
                format!(
                    "CREATE TABLE c (a int, b int GENERATED ALWAYS AS (CASE WHEN {} THEN 1 END) STORED);",
                    chain(" AND ")
                ),
            ),
            (
                "ALTER TABLE ADD CHECK",
                format!(
                    "{table} ALTER TABLE c ADD CONSTRAINT k CHECK ({});",
                    chain(" AND ")
                ),
            ),
            (
                "SET DEFAULT",
                format!(
                    "CREATE TABLE c (a int, b boolean); ALTER TABLE c ALTER COLUMN b SET DEFAULT ({});",
                    vec!["true"; n].join(" AND ")
                ),
            ),
            (
                "CREATE TABLE AS",
                format!(
                    "{table} CREATE TABLE d AS SELECT a FROM c WHERE {};",
                    chain(" AND ")
                ),
            ),
            (
                "materialized view, CASE",
                format!(
                    "{table} CREATE MATERIALIZED VIEW v AS SELECT CASE WHEN {} THEN 1 END AS x FROM c;",
                    chain(" AND ")
                ),
            ),
            (
                "policy",
                format!("{table} CREATE POLICY p ON c USING ({});", chain(" AND ")),
            ),
            (
                "trigger WHEN",
                format!(
                    "{table} CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; CREATE TRIGGER t BEFORE UPDATE ON c FOR EACH ROW WHEN ({}) EXECUTE FUNCTION f();",
                    vec!["NEW.a > 1"; n].join(" AND ")
                ),
            ),
            (
                "UPDATE",
                format!("{table} UPDATE c SET a = 2 WHERE {};", chain(" AND ")),
            ),
            (
                "SELECT",
                format!(
                    "{table} SELECT a FROM c WHERE CASE WHEN {} THEN true END;",
                    chain(" AND ")
                ),
            ),
            (
                "index predicate, CASE",
                format!(
                    "{table} CREATE INDEX i ON c (a) WHERE CASE WHEN {} THEN true END;",
                    chain(" AND ")
                ),
            ),
        ];
        for (place, sql) in shapes {
            let (kib, messages) = std::thread::Builder::new()
                .stack_size(super::super::STACK_BYTES)
                .spawn(move || {
                    super::super::ON_LARGE_STACK.with(|flag| flag.set(true));
                    let before = resident_stack_kib();
                    let folded = crate::fold::fold_sql(&sql);
                    let messages: Vec<String> =
                        folded.diagnostics.into_iter().map(|d| d.message).collect();
                    (resident_stack_kib() - before, messages)
                })
                .expect("spawn a thread")
                .join()
                .expect("the fold panicked");
            eprintln!(
                "{place}: {kib} KiB, {} bytes a link {messages:?}",
                kib * 1024 / n
            );
        }
    }
}
