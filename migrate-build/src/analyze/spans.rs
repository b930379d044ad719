//! Spans of expressions in linear time.
//!
//! sqlparser's `Spanned::span` walks the whole subtree of a node, and the
//! analyzer asks for the span of every node it types: over a chain of `n`
//! links (`1+1+...`, `x::int::int...`) that is `n²/2` steps, and as many
//! nested calls as the chain is long. Here the links of a chain are walked
//! with a loop, once, and their spans kept by address for the analyzer's
//! later calls on the inner links.

use std::collections::HashMap;

use sqlparser::ast::{Expr, SetExpr, Spanned};
use sqlparser::tokenizer::Span;

/// A chain shorter than this is measured by sqlparser, as it always was.
const CHAIN_WORTH_KEEPING: usize = 16;

/// Spans of the links of long chains, by the address of their `Expr`.
#[derive(Default)]
pub(crate) struct SpanCache {
    spans: std::cell::RefCell<HashMap<usize, Span>>,
    set_spans: std::cell::RefCell<HashMap<usize, Span>>,
}

fn address(expr: &Expr) -> usize {
    std::ptr::from_ref(expr) as usize
}

/// The operand a link of a chain continues with, when `expr` is one.
fn inner(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::BinaryOp { left: inner, .. }
        | Expr::Cast { expr: inner, .. }
        | Expr::IsNull(inner)
        | Expr::IsNotNull(inner)
        | Expr::IsTrue(inner)
        | Expr::IsNotTrue(inner)
        | Expr::IsFalse(inner)
        | Expr::IsNotFalse(inner)
        | Expr::IsUnknown(inner)
        | Expr::IsNotUnknown(inner)
        | Expr::Nested(inner)
        | Expr::UnaryOp { expr: inner, .. }
        | Expr::Collate { expr: inner, .. }
        | Expr::AtTimeZone {
            timestamp: inner, ..
        } => Some(inner),
        _ => None,
    }
}

impl SpanCache {
    /// sqlparser's span of `expr`, the same value `expr.span()` gives.
    pub(crate) fn span(&self, expr: &Expr) -> Span {
        if let Some(span) = self.spans.borrow().get(&address(expr)) {
            return *span;
        }
        let mut links = Vec::new();
        let mut current = expr;
        let mut known = None;
        while let Some(next) = inner(current) {
            links.push(current);
            current = next;
            if let Some(span) = self.spans.borrow().get(&address(current)) {
                known = Some(*span);
                break;
            }
        }
        if links.len() < CHAIN_WORTH_KEEPING && known.is_none() {
            return expr.span();
        }
        let mut span = known.unwrap_or_else(|| current.span());
        let mut spans = self.spans.borrow_mut();
        for link in links.into_iter().rev() {
            span = match link {
                Expr::BinaryOp { right, .. } => span.union(&right.span()),
                Expr::Collate { collation, .. } => collation
                    .0
                    .iter()
                    .fold(span, |span, part| span.union(&part.span())),
                Expr::AtTimeZone { time_zone, .. } => span.union(&time_zone.span()),
                _ => span,
            };
            spans.insert(address(link), span);
        }
        span
    }
}

/// `SELECT .. UNION SELECT .. UNION ..`: the left operand of a set
/// operation continues its chain.
fn set_inner(body: &SetExpr) -> Option<&SetExpr> {
    match body {
        SetExpr::SetOperation { left, .. } => Some(left),
        _ => None,
    }
}

impl SpanCache {
    /// sqlparser's span of a set operation's tree, the value `body.span()`
    /// gives.
    pub(crate) fn set_span(&self, body: &SetExpr) -> Span {
        let key = |body: &SetExpr| std::ptr::from_ref(body) as usize;
        if let Some(span) = self.set_spans.borrow().get(&key(body)) {
            return *span;
        }
        let mut links = Vec::new();
        let mut current = body;
        let mut known = None;
        while let Some(next) = set_inner(current) {
            links.push(current);
            current = next;
            if let Some(span) = self.set_spans.borrow().get(&key(current)) {
                known = Some(*span);
                break;
            }
        }
        if links.len() < CHAIN_WORTH_KEEPING && known.is_none() {
            return body.span();
        }
        let mut span = known.unwrap_or_else(|| current.span());
        let mut spans = self.set_spans.borrow_mut();
        for link in links.into_iter().rev() {
            if let SetExpr::SetOperation { right, .. } = link {
                span = span.union(&right.span());
            }
            spans.insert(key(link), span);
        }
        span
    }
}

#[cfg(test)]
mod tests {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;

    use super::*;

    /// The same span as sqlparser's, for every link of chains of each kind.
    #[test]
    fn gives_sqlparsers_spans_of_set_operations() {
        let sql = vec!["SELECT 1"; 40].join(" UNION ");
        let statement = Parser::parse_sql(&PostgreSqlDialect {}, &sql).unwrap();
        let sqlparser::ast::Statement::Query(query) = &statement[0] else {
            panic!("{sql}");
        };
        let cache = SpanCache::default();
        let mut current = Some(query.body.as_ref());
        while let Some(body) = current {
            assert_eq!(cache.set_span(body), body.span());
            current = set_inner(body);
        }
    }

    #[test]
    fn gives_sqlparsers_spans() {
        let chain = |link: &str| format!("SELECT x{}", link.repeat(40));
        for sql in [
            chain(" + 1"),
            chain("::int"),
            chain(" IS NULL"),
            format!("SELECT x COLLATE \"C\"{}", " || y".repeat(40)),
            chain(" AT TIME ZONE 'UTC'"),
            chain(" AND y = 1"),
            "SELECT 1 + 2".to_owned(),
        ] {
            let statement = Parser::parse_sql(&PostgreSqlDialect {}, &sql).unwrap();
            let sqlparser::ast::Statement::Query(query) = &statement[0] else {
                panic!("{sql}");
            };
            let sqlparser::ast::SetExpr::Select(select) = query.body.as_ref() else {
                panic!("{sql}");
            };
            let sqlparser::ast::SelectItem::UnnamedExpr(expr) = &select.projection[0] else {
                panic!("{sql}");
            };
            let cache = SpanCache::default();
            let mut current = Some(expr);
            while let Some(expr) = current {
                assert_eq!(cache.span(expr), expr.span(), "{sql}");
                current = inner(expr);
            }
        }
    }
}
