//! Checking and describing queries against a schema, offline.
//!
//! [`describe`] parses one statement, resolves every name the way PostgreSQL
//! does (unquoted identifiers fold to lower case, `search_path` is `public`),
//! infers parameter and result types and nullability, and reports every
//! problem PostgreSQL would report when preparing the statement, in its own
//! words, with a byte span into the SQL.
//!
//! The parts, in the order a statement meets them:
//! - `mod.rs`: [`describe`], the [`Described`] result, same-length rewrites
//!   of what sqlparser cannot parse, byte spans from sqlparser's
//!   line/column locations, parameters and sqlx overrides.
//! - `query.rs`: WITH (recursive, data-modifying), UNION/INTERSECT/EXCEPT,
//!   SELECT blocks, FROM items and joins (USING, NATURAL, LATERAL), table
//!   functions, VALUES, ORDER BY/GROUP BY by name, alias or ordinal.
//! - `scope.rs`: what each query block sees, case folding, `did you mean`.
//! - `expr.rs`: expressions, literals, casts, CASE, subqueries, coercions.
//! - `operators.rs`, `functions.rs`: the built-in operators and functions,
//!   with PostgreSQL's rules for untyped operands and overloads.
//! - `grouping.rs`: ungrouped columns, and outer joins a WHERE condition
//!   turns into inner ones (for nullability).
//! - `modify.rs`: INSERT, UPDATE, DELETE, ON CONFLICT, RETURNING, and NOT
//!   NULL columns an INSERT leaves out.
//! - `merge.rs`: MERGE, whose WHEN clauses reuse the INSERT and UPDATE
//!   checks; WHEN NOT MATCHED cannot see the target.
//! - `utility.rs`: every other statement PostgreSQL's grammar takes
//!   (TRUNCATE, LOCK, REFRESH MATERIALIZED VIEW, ALTER SEQUENCE, NOTIFY,
//!   SET, SHOW, EXPLAIN, ...): the relations they name checked, their rows
//!   described.
//! - `call.rs`: CALL of a procedure of the migrations, its OUT and INOUT
//!   arguments as the row it returns.
//! - `routines.rs`: which overload of a function or procedure of the
//!   migrations a call takes, arguments passed by name included, as
//!   PostgreSQL chooses it, or that it cannot choose.
//! - `catalog/`: the relations of `pg_catalog` and `information_schema`
//!   (generated) and sequences, read as relations.
//! - `types.rs`: type categories, implicit/assignment/explicit casts, the
//!   common type of CASE/UNION, type names in messages.
//!
//! It is checked against PostgreSQL itself by `tests/analyze_pg.rs`
//! (hand-written, generated and randomly generated statements must be
//! accepted exactly when `PREPARE` accepts them, with the same types and the
//! same error position; parameters used again and again among them), by
//! `tests/analyze_utility_pg.rs` (utility statements, run in rolled-back
//! transactions) and `tests/catalog_pg.rs` (the system relations), and
//! against sqlx's recorded descriptions of real services' queries by
//! `tests/analyze_corpus.rs` (labrinth) and `tests/analyze_caches.rs` (the
//! 982 queries of the five sqlx caches of the corpus, per set).
//!
//! ```
//! use migrate_build::analyze::describe;
//! use migrate_core::{Column, Name, Relation, RelationKind, Schema, SqlType};
//!
//! let mut schema = Schema::new();
//! let mut users = Relation::new(RelationKind::Table);
//! let mut id = Column::new("id", SqlType::builtin("int8"));
//! id.not_null = true;
//! users.columns.push(id);
//! users.columns.push(Column::new("email", SqlType::builtin("text")));
//! schema.relations.insert(Name::public("users"), users);
//!
//! let described = describe(&schema, "SELECT id, email FROM users WHERE id = $1").unwrap();
//! assert_eq!(described.params, vec![SqlType::builtin("int8")]);
//! assert!(!described.columns[0].nullable);
//! assert!(described.columns[1].nullable);
//!
//! let errors = describe(&schema, "SELECT emial FROM users").unwrap_err();
//! assert_eq!(errors[0].message, "column \"emial\" does not exist");
//! assert_eq!(errors[0].help.as_deref(), Some("did you mean \"email\"?"));
//! ```

mod call;
mod candidates;
mod catalog;
mod expr;
mod functions;
mod grouping;
mod merge;
mod modify;
mod operators;
mod overloads;
pub(crate) mod pg_functions;
mod provenance;
mod query;
mod routines;
pub(crate) mod scope;
mod spans;
mod types;
mod utility;
mod window;

use std::borrow::Cow;
use std::ops::Range;

use migrate_core::{Name, Schema, SqlType};
use sqlparser::ast::{Query, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Tokenizer};

use crate::diagnostic::{Diagnostic, Severity};
use scope::Level;
use types::Ty;

/// What a statement needs and returns, as PostgreSQL would describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Described {
    /// `$1`, `$2`, ... as PostgreSQL infers them; `params.len()` is the
    /// number of arguments the statement takes.
    pub params: Vec<SqlType>,
    /// The rows it returns (empty for INSERT/UPDATE/DELETE without RETURNING).
    pub columns: Vec<OutputColumn>,
    /// Problems that do not stop the statement from running.
    pub warnings: Vec<Diagnostic>,
    /// Every table and column the statement reads or writes, in order of
    /// first use, without duplicates. `column: None` is the relation itself.
    pub uses: Vec<ColumnUse>,
}

/// One column of the rows a statement returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputColumn {
    /// As PostgreSQL names it (alias, column, function name, `?column?`),
    /// with a sqlx-style override suffix (`!`, `?`, `: Type`) stripped.
    pub name: String,
    /// The name exactly as PostgreSQL returns it, override suffix kept
    /// (`id!`): what sqlx records in its offline cache.
    pub label: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// The Rust type from a sqlx-style override `"name: Type"`; `_` for
    /// sqlx's wildcard `"name: _"` (the type of `query_as!`'s struct field).
    pub rust_type: Option<String>,
    /// The table or view column the output is a plain reference to, through
    /// subqueries and CTEs, as PostgreSQL reports it in a row description
    /// (its table OID and attribute number); `None` for any other
    /// expression and for set operations. sqlx's nullability reads it.
    pub origin: Option<ColumnUse>,
    /// For an array: whether an element may be NULL. PostgreSQL promises
    /// nothing of an array column's elements, so this is true but where the
    /// query builds the array of values proven not null (`ARRAY[1, 2]`,
    /// `array_agg(not_null_column)`, `array_agg(x) FILTER (WHERE x IS NOT
    /// NULL)`, `ARRAY(SELECT not_null_column ..)`).
    pub element_nullable: bool,
    /// For an anonymous record or an array of them (`ROW(a, b)`,
    /// `array_agg((t.a, t.b))`): each field's type and nullability, as the
    /// query builds it; `None` where the fields are not known (a function
    /// returning `record`).
    pub fields: Option<Vec<RecordField>>,
}

/// A field of an anonymous record column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordField {
    pub ty: SqlType,
    pub nullable: bool,
}

/// A table or view (and optionally one of its columns) a statement uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ColumnUse {
    pub table: Name,
    pub column: Option<String>,
}

/// Checks one SQL statement against `schema` and describes it.
///
/// Returns every error found (warnings ride along in `Described::warnings`
/// when there is no error, and are dropped otherwise). Spans are byte ranges
/// into `sql`.
///
/// It runs on a thread with a large stack. A chain longer than PostgreSQL
/// follows is its error, "stack depth limit exceeded", and a statement
/// that chains more than [`crate::MAX_CHAIN`] operators otherwise is an
/// error without being walked (see `depth.rs`).
pub fn describe(schema: &Schema, sql: &str) -> Result<Described, Vec<Diagnostic>> {
    if let Some(refusal) = crate::depth::postgres_stack_refusal(sql) {
        // PostgreSQL's grammar first, then its analysis.
        let diagnostic = match crate::syntax::check(sql).into_iter().next() {
            Some(syntax) => Diagnostic::error(syntax.message, syntax.span),
            None => crate::depth::stack_refusal_diagnostic(refusal, 0),
        };
        return Err(vec![diagnostic]);
    }
    if let Some(bound) = crate::depth::past_max_chain_in_query(sql) {
        // PostgreSQL's parser is iterative: its verdict comes first.
        let diagnostic = match crate::syntax::check(sql).into_iter().next() {
            Some(syntax) => Diagnostic::error(syntax.message, syntax.span),
            None => Diagnostic::error(
                crate::depth::too_deep_message(bound, crate::depth::QUERY_AND_OR_PER_LINK),
                0..sql.len(),
            ),
        };
        return Err(vec![diagnostic]);
    }
    // sqlparser is quadratic in a run of `(`: PostgreSQL's parser, linear,
    // refuses the statement first when it refuses it (see `depth.rs`).
    if crate::depth::nests_deeper_than_asked_first(sql)
        && let Some(syntax) = crate::syntax::check(sql).into_iter().next()
    {
        let diagnostic = Diagnostic::error(syntax.message, syntax.span);
        return Err(vec![match syntax.help {
            Some(help) => diagnostic.with_help(help),
            None => diagnostic,
        }]);
    }
    crate::depth::on_large_stack(|| describe_on_this_stack(schema, sql))
}

fn describe_on_this_stack(schema: &Schema, sql: &str) -> Result<Described, Vec<Diagnostic>> {
    let locking = normalize_locking(sql);
    let rewritten = rewrite_tokens(&locking);
    // Only extensions' operators are joined: without any, nothing to do.
    let joined = if schema.extensions.is_empty() {
        JoinedOperators {
            text: None,
            operators: Vec::new(),
        }
    } else {
        join_operators(&rewritten.text)
    };
    let parsed_text = joined.text.as_deref().unwrap_or(&rewritten.text);
    let statements = match Parser::parse_sql(&PostgreSqlDialect {}, parsed_text) {
        Ok(statements) => statements,
        Err(error) => {
            // PostgreSQL's grammar says whether it is a syntax error, in its
            // own words; sqlparser's message stands only for SQL PostgreSQL
            // takes and sqlparser cannot read.
            let sqlparser = parse_error(sql, &error);
            if let Some(syntax) = crate::syntax::check(sql).into_iter().next() {
                // sqlparser's "expected ..." helps where both stopped.
                let help = syntax.help.or_else(|| {
                    (sqlparser.span.start == syntax.span.start)
                        .then_some(sqlparser.help)
                        .flatten()
                });
                let diagnostic = Diagnostic::error(syntax.message, syntax.span);
                return Err(vec![match help {
                    Some(help) => diagnostic.with_help(help),
                    None => diagnostic,
                }]);
            }
            // PostgreSQL takes it: a utility statement, checked by its
            // leading words, or a gap of the checker.
            let mut analyzer = Analyzer::new(schema, Source::new(sql));
            if analyzer.unparsed_utility() {
                return analyzer.finish(Vec::new());
            }
            let mut gap = sqlparser;
            gap.message = format!(
                "migrate cannot check this statement, which PostgreSQL's parser accepts: sqlparser stops here ({})",
                gap.message
            );
            return Err(vec![gap]);
        }
    };
    let statement = match statements.as_slice() {
        [statement] => statement,
        [] => {
            return Err(vec![Diagnostic::error(
                "empty query: there is no statement to check",
                0..sql.len(),
            )]);
        }
        [_, second, ..] => {
            let source = Source::new(sql);
            let span = source.range(sqlparser::ast::Spanned::span(second));
            return Err(vec![Diagnostic::error(
                "cannot insert multiple commands into a prepared statement",
                span,
            )]);
        }
    };
    let mut analyzer = Analyzer::new(schema, Source::new(sql));
    analyzer.default_values = rewritten.default_values;
    analyzer.variadic_args = rewritten.variadic_args;
    analyzer.joined_operators = joined.operators;
    let outputs = analyzer.statement(statement);
    analyzer
        .finish(outputs)
        .map_err(|diagnostics| provenance::annotate(schema, diagnostics))
}

/// The output columns of a query (the fold uses it for views). Spans in the
/// diagnostics are meaningless: the query has no source text here.
pub(crate) fn describe_query(
    schema: &Schema,
    query: &Query,
) -> Result<Vec<OutputColumn>, Vec<Diagnostic>> {
    let mut analyzer = Analyzer::new(schema, Source::new(""));
    // A view's column is called what it is called: `"id!"` stays `id!`.
    analyzer.sqlx_overrides = false;
    let outputs = analyzer.query(query, true);
    analyzer.finish(outputs).map(|described| described.columns)
}

/// `FOR NO KEY UPDATE` and `FOR KEY SHARE`, which sqlparser 0.63 does not
/// parse, as `FOR UPDATE` and `FOR SHARE` padded to the same length, so
/// that every offset still points at the same place. The lock strength
/// does not change what the statement needs or returns.
fn normalize_locking(sql: &str) -> Cow<'_, str> {
    let lower = sql.to_ascii_lowercase();
    let mut out: Option<String> = None;
    for (phrase, replacement) in [("no key update", "update"), ("key share", "share")] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(phrase) {
            let start = from + found;
            from = start + phrase.len();
            let before = lower[..start].trim_end();
            let outside_quotes = lower[..start].matches('\'').count().is_multiple_of(2);
            if before.ends_with("for") && outside_quotes {
                let text = out.get_or_insert_with(|| sql.to_owned());
                let padded = format!("{replacement:<width$}", width = phrase.len());
                text.replace_range(start..start + phrase.len(), &padded);
            }
        }
    }
    match out {
        Some(text) => Cow::Owned(text),
        None => Cow::Borrowed(sql),
    }
}

/// Operators sqlparser's tokenizer splits in two or three (pgvector's
/// `<#>` and `<+>`, ltree's `^<@`, postgis' `@>>`), each replaced by one it
/// reads of the same length (`&<`, `|>>`), so that every offset still
/// points at the same place; [`JoinedOperators::operators`] says which
/// operator stands at each.
struct JoinedOperators {
    text: Option<String>,
    operators: Vec<(usize, String)>,
}

/// The stand-in for a joined operator, by its length.
fn operator_stand_in(length: usize) -> Option<&'static str> {
    match length {
        2 => Some("&<"),
        3 => Some("|>>"),
        _ => None,
    }
}

fn join_operators(sql: &str) -> JoinedOperators {
    let mut joined = JoinedOperators {
        text: None,
        operators: Vec::new(),
    };
    let operator_char = |c: char| "+-*/<>=~!@#%^&|`?".contains(c);
    if !sql.contains(['<', '>', '^', '?', '@', '&', '|', '~']) {
        return joined;
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return joined;
    };
    let source = Source::new(sql);
    let ranges: Vec<Range<usize>> = tokens.iter().map(|t| source.range(t.span)).collect();
    let is_operator = |index: usize| {
        let range = &ranges[index];
        !range.is_empty()
            && range.end <= sql.len()
            && sql[range.clone()].chars().all(operator_char)
            && !matches!(tokens[index].token, Token::Whitespace(_))
    };
    let mut index = 0;
    while index < tokens.len() {
        if !is_operator(index) {
            index += 1;
            continue;
        }
        let mut end = index;
        while end + 1 < tokens.len()
            && is_operator(end + 1)
            && ranges[end + 1].start == ranges[end].end
        {
            end += 1;
        }
        if end > index {
            let range = ranges[index].start..ranges[end].end;
            let spelled = &sql[range.clone()];
            if crate::extensions::is_operator(spelled)
                && let Some(stand_in) = operator_stand_in(spelled.len())
            {
                let text = joined.text.get_or_insert_with(|| sql.to_owned());
                text.replace_range(range.clone(), stand_in);
                joined.operators.push((range.start, spelled.to_owned()));
            }
        }
        index = end + 1;
    }
    joined
}

/// A statement with what sqlparser 0.63 cannot parse of PostgreSQL's
/// grammar rewritten as what it can, each rewrite as long as what it
/// replaces so that every offset still points at the same place.
struct Rewritten<'a> {
    text: Cow<'a, str>,
    /// Where MERGE's `INSERT DEFAULT VALUES` was rewritten as `INSERT
    /// VALUES(0)`: the byte offset of that `VALUES`.
    default_values: Vec<usize>,
    /// Where a function call's last argument was marked `VARIADIC` (the
    /// keyword is blanked): the byte offset of the argument.
    variadic_args: Vec<usize>,
}

/// Rewrites, token by token (never inside a literal, a quoted name or a
/// comment):
/// - `name := value`, a function argument passed by name, as `name =>
///   value`, which means the same to PostgreSQL;
/// - MERGE's `INSERT DEFAULT VALUES` as `INSERT VALUES(0)` padded with
///   spaces, noted in [`Rewritten::default_values`]. An INSERT statement
///   reads `INSERT INTO`, so `INSERT DEFAULT` is only ever MERGE's;
/// - `f(a, VARIADIC arr)`, an array passed whole to a VARIADIC argument,
///   as `f(a,          arr)`, noted in [`Rewritten::variadic_args`]. Only
///   on the last argument of a call, as PostgreSQL's grammar has it;
/// - `BETWEEN SYMMETRIC` (and `ASYMMETRIC`) as `BETWEEN`, with the word
///   blanked: both order the same operands and type them alike.
///
/// A statement the tokenizer rejects is left as it is, for the parser to
/// report.
fn rewrite_tokens(sql: &str) -> Rewritten<'_> {
    let unchanged = Rewritten {
        text: Cow::Borrowed(sql),
        default_values: Vec::new(),
        variadic_args: Vec::new(),
    };
    let lower = sql.to_ascii_lowercase();
    if !sql.contains(":=")
        && !lower.contains("default")
        && !lower.contains("variadic")
        && !lower.contains("symmetric")
    {
        return unchanged;
    }
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize_with_location() else {
        return unchanged;
    };
    let source = Source::new(sql);
    let range = |token: &TokenWithSpan| source.range(token.span);
    let keyword = |token: &TokenWithSpan, wanted: Keyword| matches!(&token.token, Token::Word(word) if word.keyword == wanted && word.quote_style.is_none());
    let significant: Vec<&TokenWithSpan> = tokens
        .iter()
        .filter(|token| !matches!(token.token, Token::Whitespace(_)))
        .collect();
    let mut text = sql.to_owned();
    let mut default_values = Vec::new();
    let mut variadic_args = Vec::new();
    for (index, token) in significant.iter().enumerate() {
        if keyword(token, Keyword::VARIADIC)
            && let Some(argument) = significant.get(index + 1)
            && variadic_in_call(&significant, index)
        {
            let at = range(token);
            text.replace_range(at.clone(), &" ".repeat(at.len()));
            variadic_args.push(range(argument).start);
            continue;
        }
        // `BETWEEN SYMMETRIC b AND c` types as `BETWEEN b AND c`.
        if let Token::Word(word) = &token.token
            && word.quote_style.is_none()
            && (word.value.eq_ignore_ascii_case("symmetric")
                || word.value.eq_ignore_ascii_case("asymmetric"))
            && index > 0
            && keyword(significant[index - 1], Keyword::BETWEEN)
        {
            let at = range(token);
            text.replace_range(at.clone(), &" ".repeat(at.len()));
            continue;
        }
        if token.token == Token::Assignment {
            let at = range(token);
            if at.len() == 2 {
                text.replace_range(at, "=>");
            }
            continue;
        }
        if let [insert, default, values, ..] = &significant[index..]
            && keyword(insert, Keyword::INSERT)
            && keyword(default, Keyword::DEFAULT)
            && keyword(values, Keyword::VALUES)
        {
            let start = range(default).start;
            let end = range(values).end;
            let replacement = "VALUES(0)";
            if end >= start + replacement.len() {
                let padded = format!("{replacement:<width$}", width = end - start);
                text.replace_range(start..end, &padded);
                default_values.push(start);
            }
        }
    }
    if text == sql {
        return unchanged;
    }
    Rewritten {
        text: Cow::Owned(text),
        default_values,
        variadic_args,
    }
}

/// Whether the `VARIADIC` at `index` of `tokens` (whitespace left out)
/// marks the last argument of a function call: it follows `name(` or a
/// comma inside one, and its argument runs to the call's `)`.
fn variadic_in_call(tokens: &[&TokenWithSpan], index: usize) -> bool {
    // Back to the `(` that opens the list it stands in.
    let mut depth = 0usize;
    let mut open = None;
    for at in (0..index).rev() {
        match tokens[at].token {
            Token::RParen | Token::RBracket => depth += 1,
            Token::LParen if depth == 0 => {
                open = Some(at);
                break;
            }
            Token::LParen | Token::LBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let Some(open) = open else {
        return false;
    };
    let after_separator = matches!(tokens[index - 1].token, Token::LParen | Token::Comma);
    let called = open > 0 && matches!(tokens[open - 1].token, Token::Word(_));
    // Forward to what ends the argument: the call's `)`, not a comma.
    let mut depth = 0usize;
    for token in &tokens[index + 1..] {
        match token.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen if depth == 0 => return after_separator && called,
            Token::RParen | Token::RBracket => depth = depth.saturating_sub(1),
            Token::Comma if depth == 0 => return false,
            _ => {}
        }
    }
    false
}

/// Byte offsets of sqlparser's line/column locations.
pub(crate) struct Source {
    pub(crate) text: String,
    line_starts: Vec<usize>,
    /// Every character is one byte: a column is a byte count.
    ascii: bool,
}

impl Source {
    fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            text: text.to_owned(),
            line_starts,
            ascii: text.is_ascii(),
        }
    }

    /// Byte offset of a location (1-based line, 1-based character column).
    fn offset(&self, location: Location) -> Option<usize> {
        if location.line == 0 {
            return None;
        }
        let line_start = *self.line_starts.get(location.line as usize - 1)?;
        let line = &self.text[line_start..];
        let column = location.column.saturating_sub(1) as usize;
        // Spans are looked up dozens of times per query: skip the walk over
        // the characters when each is a byte.
        if self.ascii {
            return Some(line_start + column.min(line.len()));
        }
        Some(
            line_start
                + line
                    .char_indices()
                    .nth(column)
                    .map_or(line.len(), |(i, _)| i),
        )
    }

    /// The byte range of a span (empty spans map to `0..0`).
    pub(crate) fn range(&self, span: Span) -> Range<usize> {
        match (self.offset(span.start), self.offset(span.end)) {
            (Some(start), Some(end)) if end >= start => start..end,
            (Some(start), _) => start..start,
            _ => 0..0,
        }
    }
}

fn parse_error(sql: &str, error: &ParserError) -> Diagnostic {
    let text = match error {
        ParserError::TokenizerError(text) | ParserError::ParserError(text) => text.clone(),
        ParserError::RecursionLimitExceeded => "statement too deeply nested".to_owned(),
    };
    // sqlparser appends " at Line: l, Column: c"; turn it into a span.
    let (message, span) = match text.rfind(" at Line: ") {
        Some(at) => {
            let location = &text[at + " at Line: ".len()..];
            let mut parts = location.split(", Column: ");
            let line = parts.next().and_then(|l| l.trim().parse::<u64>().ok());
            let column = parts.next().and_then(|c| c.trim().parse::<u64>().ok());
            let span = match (line, column) {
                (Some(line), Some(column)) => {
                    let source = Source::new(sql);
                    let start = source.offset(Location { line, column }).unwrap_or(0);
                    let end = sql[start..]
                        .find(|c: char| c.is_whitespace() || c == ',' || c == ')')
                        .map_or(sql.len(), |n| start + n.max(1));
                    start..end.min(sql.len())
                }
                _ => 0..0,
            };
            (text[..at].to_owned(), span)
        }
        None => (text, 0..0),
    };
    // "Expected: X, found: Y" in PostgreSQL's words: at or near Y, expected X.
    if let Some((expected, found)) = message
        .strip_prefix("Expected: ")
        .and_then(|rest| rest.rsplit_once(", found: "))
    {
        let help = format!("expected {expected}");
        if found == "EOF" {
            return Diagnostic::error("syntax error at end of input", sql.len()..sql.len())
                .with_help(help);
        }
        let found = found.trim_matches('"');
        return Diagnostic::error(format!("syntax error at or near \"{found}\""), span)
            .with_help(help);
    }
    Diagnostic::error(format!("syntax error: {message}"), span)
}

/// An expression's type, nullability and output name.
#[derive(Clone, Debug)]
pub(crate) struct Typed {
    pub ty: Ty,
    pub nullable: bool,
    /// PostgreSQL's output column name for it, `None` for `?column?`.
    pub name: Option<String>,
    pub span: Range<usize>,
    /// The text of a string literal (for enum label checks).
    pub literal: Option<String>,
    /// A name PostgreSQL gives only for want of a better one (a cast's type
    /// name, `case`): an enclosing cast or CASE replaces it.
    pub weak_name: bool,
    /// The table or view column this is a plain reference to (see
    /// [`OutputColumn::origin`]).
    pub origin: Option<ColumnUse>,
    /// For an array: whether an element may be NULL. PostgreSQL's catalog
    /// says nothing about elements (an `int[]` column may hold `{1,NULL}`),
    /// so only what builds the array proves them not null.
    pub element_nullable: bool,
    /// For an anonymous record (`ROW(a, b)`, `(a, b)`) or an array of them:
    /// its fields, with their nullability.
    pub fields: Option<Vec<TypedField>>,
}

/// A field of an anonymous record while the statement is analysed.
#[derive(Clone, Debug)]
pub(crate) struct TypedField {
    pub ty: Ty,
    pub nullable: bool,
}

impl Typed {
    pub(crate) fn new(ty: Ty, nullable: bool, span: Range<usize>) -> Self {
        Self {
            ty,
            nullable,
            name: None,
            span,
            literal: None,
            weak_name: false,
            origin: None,
            element_nullable: true,
            fields: None,
        }
    }

    pub(crate) fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// One output column while the statement is analysed.
#[derive(Clone, Debug)]
pub(crate) struct Out {
    pub name: String,
    pub typed: Typed,
}

/// A CTE in force.
#[derive(Clone, Debug)]
pub(crate) struct CteDef {
    pub name: String,
    pub columns: Vec<Out>,
}

/// The state of one `describe` call.
pub(crate) struct Analyzer<'s> {
    pub schema: &'s Schema,
    pub source: Source,
    pub diagnostics: Vec<Diagnostic>,
    /// `$n` at index n-1: `None` until something decides its type.
    pub params: Vec<Option<SqlType>>,
    /// Where `$n` first appears.
    pub param_spans: Vec<Option<Range<usize>>>,
    /// Uses of a parameter met while its type was undecided and not yet
    /// coerced to a type: `($n, span)`. One still here at the end, once
    /// another use decided the type, is PostgreSQL's `could not determine
    /// data type of parameter` (`SELECT $1 IS NULL, NOT $1`).
    pub untyped_uses: Vec<(usize, Range<usize>)>,
    /// Parameters whose type would have come from something already
    /// reported as an error: not reported again.
    pub poisoned: Vec<usize>,
    /// Reserved words the parser took as names (`SELECT to FROM t`):
    /// PostgreSQL rejects the statement at the first one.
    pub reserved: Vec<(Range<usize>, String)>,
    /// Whether output names carry sqlx-style overrides (`"id!"`): true for
    /// queries, false for view definitions.
    pub sqlx_overrides: bool,
    pub uses: Vec<ColumnUse>,
    /// FROM namespaces, innermost last.
    pub levels: Vec<Level>,
    /// WITH frames, innermost last.
    pub ctes: Vec<Vec<CteDef>>,
    /// MERGE's `INSERT DEFAULT VALUES`, by the offset of the `VALUES` the
    /// parser read in its place ([`Rewritten::default_values`]).
    pub default_values: Vec<usize>,
    /// Offsets of arguments passed with `VARIADIC` ([`Rewritten::variadic_args`]).
    pub variadic_args: Vec<usize>,
    /// Operators sqlparser splits, by offset ([`JoinedOperators`]).
    pub joined_operators: Vec<(usize, String)>,
    /// The clause being typed, in PostgreSQL's words, when it is one where
    /// PostgreSQL forbids window functions (`WHERE`, `JOIN conditions`..).
    /// A subquery starts afresh.
    pub windowless_clause: Option<&'static str>,
    /// The clause being typed, in PostgreSQL's words, when it is one where
    /// PostgreSQL forbids aggregates (`WHERE`, `window ROWS`..). A
    /// subquery starts afresh.
    pub aggregateless_clause: Option<&'static str>,
    /// For each subquery being typed, the number of levels when it began
    /// and the [`Analyzer::aggregateless_clause`] it suspended: the clause
    /// an aggregate of the enclosing query stands in when it is written in
    /// the subquery.
    pub suspended_aggregate_clauses: Vec<(usize, Option<&'static str>)>,
    /// Spans of the links of long chains (`spans.rs`).
    pub spans: spans::SpanCache,
}

impl<'s> Analyzer<'s> {
    fn new(schema: &'s Schema, source: Source) -> Self {
        Self {
            schema,
            source,
            diagnostics: Vec::new(),
            params: Vec::new(),
            param_spans: Vec::new(),
            untyped_uses: Vec::new(),
            poisoned: Vec::new(),
            reserved: Vec::new(),
            sqlx_overrides: true,
            uses: Vec::new(),
            levels: Vec::new(),
            ctes: Vec::new(),
            default_values: Vec::new(),
            variadic_args: Vec::new(),
            joined_operators: Vec::new(),
            windowless_clause: None,
            aggregateless_clause: None,
            suspended_aggregate_clauses: Vec::new(),
            spans: spans::SpanCache::default(),
        }
    }

    pub(crate) fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn warn(&mut self, message: impl Into<String>, span: Range<usize>) {
        self.diagnostics.push(Diagnostic::warning(message, span));
    }

    pub(crate) fn span(&self, node: &(impl sqlparser::ast::Spanned + 'static)) -> Range<usize> {
        // An expression's span without walking its chain again per link
        // (`spans.rs`).
        let node_any = node as &dyn std::any::Any;
        let span = if let Some(expr) = node_any.downcast_ref::<sqlparser::ast::Expr>() {
            // From the keyword that begins it, which sqlparser may leave out.
            let range = self.source.range(self.spans.span(expr));
            return self.expr_start(expr, range.start)..range.end;
        } else if let Some(body) = node_any.downcast_ref::<sqlparser::ast::SetExpr>() {
            self.spans.set_span(body)
        } else {
            node.span()
        };
        self.source.range(span)
    }

    pub(crate) fn record_use(&mut self, table: &Name, column: Option<&str>) {
        let column_use = ColumnUse {
            table: table.clone(),
            column: column.map(str::to_owned),
        };
        if !self.uses.contains(&column_use) {
            self.uses.push(column_use);
        }
    }

    fn statement(&mut self, statement: &Statement) -> Vec<Out> {
        match statement {
            Statement::Query(query) => self.query(query, true),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Merge(merge) => self.merge(merge),
            other => self.utility(other),
        }
    }

    /// The final type of an output: parameters as inferred, unknown as text.
    fn final_type(&self, ty: &Ty) -> SqlType {
        match ty {
            Ty::Known(ty) => ty.clone(),
            Ty::Param(n) => self
                .params
                .get(n - 1)
                .cloned()
                .flatten()
                .unwrap_or_else(|| SqlType::builtin("text")),
            Ty::Unknown | Ty::Error => SqlType::builtin("text"),
        }
    }

    fn finish(mut self, outputs: Vec<Out>) -> Result<Described, Vec<Diagnostic>> {
        if let Some((span, word)) = self.reserved.iter().min_by_key(|(span, _)| span.start) {
            return Err(vec![
                Diagnostic::error(format!("syntax error at or near \"{word}\""), span.clone())
                    .with_help(format!(
                        "\"{word}\" is a reserved word in PostgreSQL; quote it to use it as a name: \"{word}\""
                    )),
            ]);
        }
        // As PostgreSQL's check_variable_parameters: a use left untyped
        // while another use decided the parameter's type.
        let mut reported = Vec::new();
        for (n, span) in std::mem::take(&mut self.untyped_uses) {
            if self.params[n - 1].is_some() && !self.poisoned.contains(&n) && !reported.contains(&n)
            {
                reported.push(n);
                self.error(Diagnostic::error(
                    format!("could not determine data type of parameter ${n}"),
                    span,
                ));
            }
        }
        for index in 0..self.params.len() {
            if self.params[index].is_none() && !self.poisoned.contains(&(index + 1)) {
                let span = self.param_spans[index].clone().unwrap_or(0..0);
                self.error(Diagnostic::error(
                    format!("could not determine data type of parameter ${}", index + 1),
                    span,
                ));
            }
        }
        let columns = outputs
            .iter()
            .map(|out| {
                let (name, nullable, rust_type) = if out.name == "?column?" || !self.sqlx_overrides
                {
                    (out.name.clone(), out.typed.nullable, None)
                } else {
                    sqlx_override(&out.name, out.typed.nullable)
                };
                // A field the analyzer could not type leaves the record's
                // fields unknown, rather than typed wrong.
                let fields = out
                    .typed
                    .fields
                    .as_ref()
                    .filter(|fields| fields.iter().all(|field| field.ty != Ty::Error))
                    .map(|fields| {
                        fields
                            .iter()
                            .map(|field| RecordField {
                                ty: self.final_type(&field.ty),
                                nullable: field.nullable,
                            })
                            .collect()
                    });
                OutputColumn {
                    name,
                    label: out.name.clone(),
                    origin: out.typed.origin.clone(),
                    ty: self.final_type(&out.typed.ty),
                    nullable,
                    rust_type,
                    element_nullable: out.typed.element_nullable,
                    fields,
                }
            })
            .collect();
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        diagnostics.sort_by_key(|d| (d.severity == Severity::Warning, d.span.start));
        if diagnostics.iter().any(Diagnostic::is_error) {
            diagnostics.retain(Diagnostic::is_error);
            return Err(diagnostics);
        }
        Ok(Described {
            params: self
                .params
                .into_iter()
                .map(|p| p.unwrap_or_else(|| SqlType::builtin("text")))
                .collect(),
            columns,
            warnings: diagnostics,
            uses: self.uses,
        })
    }

    /// `$n`, met at `span` while its type was still undecided, is coerced
    /// to `ty`, as PostgreSQL's parse analysis coerces its Param node: the
    /// first coercion decides the parameter's type; a later one of the same
    /// node to another type is PostgreSQL's `inconsistent types deduced`
    /// (`INSERT INTO t (a_varchar, b_text) VALUES ($1, $1)`).
    pub(crate) fn set_param(&mut self, n: usize, ty: &SqlType, span: Range<usize>) {
        // This use is coerced now (its span may take in parentheses).
        self.untyped_uses
            .retain(|(m, at)| !(*m == n && span.start <= at.start && at.end <= span.end));
        let Some(slot) = self.params.get_mut(n - 1) else {
            return;
        };
        let mut ty = ty.clone();
        ty.modifiers.clear();
        match slot {
            None => *slot = Some(ty),
            Some(decided) if types::same_type(decided, &ty) => {}
            Some(decided) => {
                let help = format!("{} versus {}", types::display(decided), types::display(&ty));
                self.error(
                    Diagnostic::error(
                        format!("inconsistent types deduced for parameter ${n}"),
                        span,
                    )
                    .with_help(help),
                );
            }
        }
    }

    /// `typed` is a parameter whose type would come from an erroneous
    /// construct: do not report it as undeterminable too.
    pub(crate) fn poison(&mut self, typed: &Typed) {
        if let Ty::Param(n) = typed.ty.clone() {
            self.poisoned.push(n);
        }
    }

    /// Records an unquoted reserved word used as a name.
    pub(crate) fn check_reserved(&mut self, ident: &sqlparser::ast::Ident) {
        let word = ident.value.to_lowercase();
        if ident.quote_style.is_none() && is_reserved(&word) {
            let span = self.source.range(ident.span);
            let text = &self.source.text;
            // `SELECT order FROM t`: PostgreSQL reads an empty select list
            // and the start of ORDER BY, and fails at the token after it.
            // Only the word before is looked at (lowercasing all the text
            // before each reserved word was quadratic).
            let before = text[..span.start.min(text.len())].trim_end().as_bytes();
            let after_select =
                before.len() >= 6 && before[before.len() - 6..].eq_ignore_ascii_case(b"select");
            let clause = matches!(
                word.as_str(),
                "order" | "group" | "limit" | "offset" | "window" | "fetch" | "for" | "having"
            );
            if after_select && clause && span.end <= text.len() {
                let rest = &text[span.end..];
                let start = span.end + (rest.len() - rest.trim_start().len());
                let end = text[start..]
                    .find(|c: char| c.is_whitespace())
                    .map_or(text.len(), |n| start + n);
                if start < end {
                    self.reserved
                        .push((start..end, text[start..end].to_owned()));
                    return;
                }
            }
            self.reserved.push((span, ident.value.clone()));
        }
    }

    /// The first part of a dotted name (later parts may be any keyword).
    pub(crate) fn check_reserved_name(&mut self, name: &sqlparser::ast::ObjectName) {
        if let Some(sqlparser::ast::ObjectNamePart::Identifier(ident)) = name.0.first() {
            self.check_reserved(ident);
        }
    }

    /// After an error that hides the statement's shape (an unknown target
    /// table), no parameter is reported as undeterminable.
    pub(crate) fn poison_all_params(&mut self) {
        self.poisoned.extend(1..=self.params.len());
    }

    /// A relation a query can read by `name`: one the migrations made, one
    /// PostgreSQL has built in (`pg_catalog.pg_class`), one an extension
    /// created (postgis' `spatial_ref_sys`), or a sequence.
    pub(crate) fn relation(&self, name: &Name) -> Option<&'s migrate_core::Relation> {
        self.schema
            .relation(name)
            .or_else(|| catalog::system_relation(name))
            .or_else(|| crate::extensions::relation(self.schema, name))
            .or_else(|| {
                self.schema
                    .sequences
                    .contains_key(name)
                    .then(catalog::sequence_relation)
            })
    }

    /// `typed` as PostgreSQL types its expression again where it copies it
    /// (BETWEEN's left side): a bare parameter decided since is now typed.
    pub(crate) fn retyped(&self, mut typed: Typed) -> Typed {
        if let Ty::Param(n) = typed.ty
            && let Some(Some(ty)) = self.params.get(n - 1)
        {
            typed.ty = Ty::Known(ty.clone());
        }
        typed
    }
}

/// PostgreSQL's reserved key words (and those reserved except as function
/// or type names), which cannot name a table or column unquoted.
fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "all"
            | "analyse"
            | "analyze"
            | "and"
            | "any"
            | "array"
            | "as"
            | "asc"
            | "asymmetric"
            | "both"
            | "case"
            | "cast"
            | "check"
            | "collate"
            | "column"
            | "constraint"
            | "create"
            | "current_catalog"
            | "current_date"
            | "current_role"
            | "current_time"
            | "current_timestamp"
            | "current_user"
            | "default"
            | "deferrable"
            | "desc"
            | "distinct"
            | "do"
            | "else"
            | "end"
            | "except"
            | "false"
            | "fetch"
            | "for"
            | "foreign"
            | "from"
            | "grant"
            | "group"
            | "having"
            | "in"
            | "initially"
            | "intersect"
            | "into"
            | "lateral"
            | "leading"
            | "limit"
            | "localtime"
            | "localtimestamp"
            | "not"
            | "null"
            | "offset"
            | "on"
            | "only"
            | "or"
            | "order"
            | "placing"
            | "primary"
            | "references"
            | "returning"
            | "select"
            | "session_user"
            | "some"
            | "symmetric"
            | "table"
            | "then"
            | "to"
            | "trailing"
            | "true"
            | "union"
            | "unique"
            | "user"
            | "using"
            | "variadic"
            | "when"
            | "where"
            | "window"
            | "with"
            | "authorization"
            | "binary"
            | "collation"
            | "concurrently"
            | "cross"
            | "current_schema"
            | "freeze"
            | "full"
            | "ilike"
            | "inner"
            | "is"
            | "isnull"
            | "join"
            | "left"
            | "like"
            | "natural"
            | "notnull"
            | "outer"
            | "overlaps"
            | "right"
            | "similar"
            | "tablesample"
            | "verbose"
    )
}

/// Applies sqlx's column overrides: `"name!"` (non-null), `"name?"`
/// (nullable), `"name: Type"` / `"name!: Type"` (Rust type). sqlx's
/// wildcard `"name: _"` names no type: the column keeps the one migrate
/// gives it (a mapped enum's Rust type, for the enums it is written for).
fn sqlx_override(name: &str, nullable: bool) -> (String, bool, Option<String>) {
    let (name, rust_type) = match name.split_once(':') {
        Some((name, ty)) => (name.trim_end(), Some(ty.trim().to_owned())),
        None => (name, None),
    };
    if let Some(name) = name.strip_suffix('!') {
        return (name.to_owned(), false, rust_type);
    }
    if let Some(name) = name.strip_suffix('?') {
        return (name.to_owned(), true, rust_type);
    }
    (name.to_owned(), nullable, rust_type)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view_columns(schema_sql: &str, query: &str) -> String {
        let schema = crate::fold::fold_sql(schema_sql).schema;
        let statements = Parser::parse_sql(&PostgreSqlDialect {}, query).unwrap();
        let Statement::Query(query) = &statements[0] else {
            panic!("not a query");
        };
        match describe_query(&schema, query) {
            Ok(columns) => columns
                .iter()
                .map(|c| format!("{} {}\n", c.name, c.ty))
                .collect(),
            Err(errors) => format!("{errors:?}"),
        }
    }

    #[test]
    fn view_columns_keep_names_types_and_modifiers() {
        expect_test::expect![[r#"
            id! bigint
            name character varying(20)
            lit text
            count bigint
            ?column? integer
        "#]]
        .assert_eq(&view_columns(
            "CREATE TABLE t (id int8 NOT NULL, name varchar(20));",
            "SELECT id AS \"id!\", name, 'x' AS lit, count(*) OVER (), 1 + 1 FROM t",
        ));
    }

    #[test]
    fn rewrites_keep_every_offset_and_touch_only_tokens() {
        let sql = "MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT /* c */ Default\n VALUES";
        let rewritten = rewrite_tokens(sql);
        assert_eq!(rewritten.text.len(), sql.len());
        let at = sql.find("Default").unwrap();
        assert_eq!(rewritten.default_values, vec![at]);
        assert_eq!(&rewritten.text[at..], "VALUES(0)      ");
        assert_eq!(&rewritten.text[..at], &sql[..at]);

        let sql = "SELECT f(a, variadic g(VARIADIC x)), 'VARIADIC y', h(VARIADIC z, w), VARIADIC";
        let rewritten = rewrite_tokens(sql);
        assert_eq!(
            rewritten.text,
            "SELECT f(a,          g(         x)), 'VARIADIC y', h(VARIADIC z, w), VARIADIC"
        );
        assert_eq!(
            rewritten.variadic_args,
            vec![sql.find("g(").unwrap(), sql.find("x)").unwrap()]
        );

        // Operators sqlparser splits become a stand-in of the same length;
        // not inside a literal, nor an operator no extension has; `<#>` it
        // reads whole.
        let sql = "SELECT a <#> b, a<+>b, p ^<@ q, '<+>', x =- 1";
        let joined = join_operators(sql);
        assert_eq!(
            joined.text.as_deref(),
            Some("SELECT a <#> b, a|>>b, p |>> q, '<+>', x =- 1")
        );
        assert_eq!(
            joined.operators,
            vec![
                (sql.find("<+>").unwrap(), "<+>".to_owned()),
                (sql.find("^<@").unwrap(), "^<@".to_owned()),
            ]
        );

        let sql = "SELECT f(a := 1), ':=', 'INSERT DEFAULT VALUES' -- b := 2";
        let rewritten = rewrite_tokens(sql);
        assert_eq!(
            rewritten.text,
            "SELECT f(a => 1), ':=', 'INSERT DEFAULT VALUES' -- b := 2"
        );
        assert!(rewritten.default_values.is_empty());
    }

    #[test]
    fn overrides_are_stripped_from_query_columns() {
        assert_eq!(
            sqlx_override("id!: i64", false),
            ("id".to_owned(), false, Some("i64".to_owned()))
        );
        assert_eq!(sqlx_override("n?", false), ("n".to_owned(), true, None));
        assert_eq!(sqlx_override("n", true), ("n".to_owned(), true, None));
        // defguard's `"device_type: _"`: the wildcard, which `query_as!`
        // reads as its field's type.
        assert_eq!(
            sqlx_override("device_type: _", false),
            ("device_type".to_owned(), false, Some("_".to_owned()))
        );
        assert_eq!(
            sqlx_override("ip?: _", false),
            ("ip".to_owned(), true, Some("_".to_owned()))
        );
    }
}
