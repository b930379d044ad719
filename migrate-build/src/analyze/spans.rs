//! Spans of expressions in linear time.
//!
//! sqlparser's `Spanned::span` walks the whole subtree of a node, and the
//! analyzer asks for the span of every node it types: over a chain of `n`
//! links (`1+1+...`, `x::int::int...`) that is `n²/2` steps, and as many
//! nested calls as the chain is long. Here the links of a chain are walked
//! with a loop, once, and their spans kept by address for the analyzer's
//! later calls on the inner links.
//!
//! For some expressions sqlparser's span starts after the keyword that
//! begins them (`ARRAY[..]` at `[`, `CAST(x AS t)` at `x`, `EXTRACT(..)`,
//! `SUBSTRING(..)` and the like at their operand, a row `(a, b)` at `a`),
//! where PostgreSQL reports an error at the keyword: [`Analyzer::expr_start`]
//! finds the keyword in the text, for such an expression and for each link
//! of a chain that begins with one (`ARRAY[1] || x`).

use std::collections::HashMap;

use sqlparser::ast::{CastKind, Expr, SetExpr, Spanned};
use sqlparser::tokenizer::Span;

use super::Analyzer;

/// A chain shorter than this is measured by sqlparser, as it always was.
const CHAIN_WORTH_KEEPING: usize = 16;

/// Spans of the links of long chains, by the address of their `Expr`.
#[derive(Default)]
pub(crate) struct SpanCache {
    spans: std::cell::RefCell<HashMap<usize, Span>>,
    set_spans: std::cell::RefCell<HashMap<usize, Span>>,
    /// Byte offsets where expressions start, keyword included, by address.
    starts: std::cell::RefCell<HashMap<usize, usize>>,
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

/// The operand a link of a chain begins with: the link starts where it
/// does (PostgreSQL too reports an operator's expression, a `::` cast, `IS
/// NULL`, .. at their leftmost operand; parentheses it ignores).
fn leftmost_operand(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Cast {
            kind: CastKind::DoubleColon,
            expr: inner,
            ..
        } => Some(inner),
        Expr::Cast { .. } | Expr::UnaryOp { .. } => None,
        Expr::InList { expr: inner, .. }
        | Expr::InSubquery { expr: inner, .. }
        | Expr::Between { expr: inner, .. }
        | Expr::Like { expr: inner, .. }
        | Expr::ILike { expr: inner, .. }
        | Expr::SimilarTo { expr: inner, .. }
        | Expr::AnyOp { left: inner, .. }
        | Expr::AllOp { left: inner, .. }
        | Expr::IsDistinctFrom(inner, _)
        | Expr::IsNotDistinctFrom(inner, _) => Some(inner),
        other => inner(other),
    }
}

/// What stands between the keyword that begins an expression and the
/// operand its span starts at.
enum Between {
    /// `(`s only: `CAST(x`, `SUBSTRING(x`, a row's `(a`.
    Parens,
    /// `[`s (and the `(`s of the first element): `ARRAY[x`, `ARRAY[[x`.
    Brackets,
    /// `(`s and these words: `TRIM(BOTH 'a' FROM`.
    Words(&'static [&'static str]),
    /// `(`, a field, `FROM`: `EXTRACT(year FROM x`.
    Field,
}

impl Analyzer<'_> {
    /// Where `expr` starts in the SQL text: sqlparser's start, or the
    /// keyword before it for the expressions whose span leaves it out.
    pub(crate) fn expr_start(&self, expr: &Expr, sqlparser_start: usize) -> usize {
        // A short chain is walked each time, as sqlparser's spans are, and
        // most begin with no keyword; a long one is walked once.
        let mut current = expr;
        for _ in 0..CHAIN_WORTH_KEEPING {
            match leftmost_operand(current) {
                Some(next) => current = next,
                None => {
                    return self
                        .keyword_start(current)
                        .map_or(sqlparser_start, |start| start.min(sqlparser_start));
                }
            }
        }
        let key = |expr: &Expr| std::ptr::from_ref(expr) as usize;
        if let Some(start) = self.spans.starts.borrow().get(&key(expr)) {
            return (*start).min(sqlparser_start);
        }
        let mut links = Vec::new();
        let mut current = expr;
        let mut known = None;
        while let Some(next) = leftmost_operand(current) {
            links.push(current);
            current = next;
            if let Some(start) = self.spans.starts.borrow().get(&key(current)) {
                known = Some(*start);
                break;
            }
        }
        let start = match known {
            Some(start) => start,
            None => {
                let start = self
                    .keyword_start(current)
                    .unwrap_or_else(|| self.source.range(self.spans.span(current)).start);
                self.spans.starts.borrow_mut().insert(key(current), start);
                start
            }
        };
        let mut starts = self.spans.starts.borrow_mut();
        for link in links {
            starts.insert(key(link), start);
        }
        start.min(sqlparser_start)
    }

    /// The start of an expression that is no link of a chain, when it is
    /// one that begins with a keyword sqlparser's span leaves out.
    fn keyword_start(&self, expr: &Expr) -> Option<usize> {
        let plain = |expr: &Expr| self.source.range(self.spans.span(expr)).start;
        let operand = |expr: &Expr| {
            let start = plain(expr);
            self.expr_start(expr, start)
        };
        let (from, keywords, between): (usize, &[&str], Between) = match expr {
            Expr::Array(array) if array.named && !array.elem.is_empty() => {
                (operand(&array.elem[0]), &["array"], Between::Brackets)
            }
            Expr::Cast {
                kind: CastKind::Cast | CastKind::TryCast | CastKind::SafeCast,
                expr: inner,
                ..
            } => (
                operand(inner),
                &["cast", "try_cast", "safe_cast"],
                Between::Parens,
            ),
            Expr::Tuple(items) if !items.is_empty() => (operand(&items[0]), &[], Between::Parens),
            Expr::Extract { expr: inner, .. } => (operand(inner), &["extract"], Between::Field),
            Expr::Substring { expr: inner, .. } => {
                (operand(inner), &["substring", "substr"], Between::Parens)
            }
            Expr::Position { expr: inner, .. } => (operand(inner), &["position"], Between::Parens),
            Expr::Overlay { expr: inner, .. } => (operand(inner), &["overlay"], Between::Parens),
            Expr::Ceil { expr: inner, .. } => {
                (operand(inner), &["ceil", "ceiling"], Between::Parens)
            }
            Expr::Floor { expr: inner, .. } => (operand(inner), &["floor"], Between::Parens),
            Expr::Trim { .. } => (
                plain(expr),
                &["trim"],
                Between::Words(&["both", "leading", "trailing", "from"]),
            ),
            _ => return None,
        };
        Some(back_to_keyword(&self.source.text, from, keywords, &between).unwrap_or(from))
    }
}

/// The offset of the keyword (one of `keywords`) that `between` separates
/// from the operand at `at`; with no keywords, of the `(` before it.
fn back_to_keyword(text: &str, at: usize, keywords: &[&str], between: &Between) -> Option<usize> {
    let mut at = at.min(text.len());
    let mut parens = 0;
    let mut from_seen = false;
    let mut field_seen = false;
    loop {
        let before = text[..at].trim_end();
        if let Some(rest) = before.strip_suffix('(') {
            if keywords.is_empty() {
                return Some(rest.len());
            }
            parens += 1;
            at = rest.len();
            continue;
        }
        if matches!(between, Between::Brackets)
            && let Some(rest) = before.strip_suffix('[')
        {
            parens += 1;
            at = rest.len();
            continue;
        }
        if parens == 0
            && matches!(between, Between::Field)
            && from_seen
            && !field_seen
            && let Some(quoted) = before.strip_suffix('\'')
            && let Some(quote) = quoted.rfind('\'')
        {
            // A quoted field: `EXTRACT('year' FROM x)`.
            field_seen = true;
            at = quote;
            continue;
        }
        let word_len: usize = before
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        if word_len == 0 {
            return None;
        }
        let word_start = before.len() - word_len;
        let word = &before[word_start..];
        if parens > 0 && keywords.iter().any(|k| word.eq_ignore_ascii_case(k)) {
            return Some(word_start);
        }
        match between {
            Between::Words(words)
                if parens == 0 && words.iter().any(|w| word.eq_ignore_ascii_case(w)) => {}
            Between::Field if parens == 0 && !from_seen && word.eq_ignore_ascii_case("from") => {
                from_seen = true;
            }
            Between::Field if parens == 0 && from_seen && !field_seen => field_seen = true,
            _ => return None,
        }
        at = word_start;
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

    /// The keyword before an operand (where `|` is), past what may stand
    /// between them; `None` where the text has something else.
    #[test]
    fn finds_the_keyword_before_an_operand() {
        let trim_words = Between::Words(&["both", "leading", "trailing", "from"]);
        let cases: &[(&str, &[&str], &Between, Option<&str>)] = &[
            (
                "SELECT ARRAY[|1]",
                &["array"],
                &Between::Brackets,
                Some("ARRAY[1]"),
            ),
            (
                "SELECT array [ [|1]]",
                &["array"],
                &Between::Brackets,
                Some("array [ [1]]"),
            ),
            (
                "SELECT ARRAY[(|1)]",
                &["array"],
                &Between::Brackets,
                Some("ARRAY[(1)]"),
            ),
            ("SELECT x[|1]", &["array"], &Between::Brackets, None),
            (
                "SELECT cast ( (|1) AS int)",
                &["cast"],
                &Between::Parens,
                Some("cast ( (1) AS int)"),
            ),
            ("SELECT f(|1)", &["cast"], &Between::Parens, None),
            ("SELECT cast |x", &["cast"], &Between::Parens, None),
            ("SELECT (|1, 2)", &[], &Between::Parens, Some("(1, 2)")),
            (
                "SELECT EXTRACT(year FROM |x)",
                &["extract"],
                &Between::Field,
                Some("EXTRACT(year FROM x)"),
            ),
            (
                "SELECT extract('year' from |x)",
                &["extract"],
                &Between::Field,
                Some("extract('year' from x)"),
            ),
            (
                "SELECT EXTRACT(a b FROM |x)",
                &["extract"],
                &Between::Field,
                None,
            ),
            (
                "SELECT TRIM(BOTH |'a' FROM 'b')",
                &["trim"],
                &trim_words,
                Some("TRIM(BOTH 'a' FROM 'b')"),
            ),
            (
                "SELECT TRIM(|'b')",
                &["trim"],
                &trim_words,
                Some("TRIM('b')"),
            ),
        ];
        for (marked, keywords, between, expected) in cases {
            let at = marked.find('|').unwrap();
            let sql = marked.replace('|', "");
            let found = back_to_keyword(&sql, at, keywords, between);
            assert_eq!(found.map(|start| &sql[start..]), *expected, "{marked}");
        }
    }
}
