//! `DO` blocks: their PL/pgSQL body read statement by statement, so that
//! the static DDL in it is folded in order.
//!
//! The reader knows the block structure (`<<label>>`, `DECLARE`, `BEGIN ..
//! EXCEPTION WHEN .. THEN .. END`), `IF .. ELSIF .. ELSE .. END IF`, the
//! loops, assignments and the statements that change no shape (DML,
//! `SELECT .. INTO`, `PERFORM`, `RAISE`, `LOCK TABLE`, ...). DDL statements
//! (`CREATE`, `ALTER`, `DROP`, `COMMENT`, ...) are folded as if they stood
//! alone. What it cannot see it says so, and assumes no change:
//!
//! - a loop that runs DDL (through `EXECUTE`, or a DDL statement that runs
//!   as many times as the loop turns), and an `EXECUTE` outside a loop whose
//!   SQL's shape depends on run-time data (see `execute.rs`; one built from
//!   what the block knows before it runs is folded like static DDL): one
//!   warning each, at the loop or the `EXECUTE`; the statements around it
//!   are still folded. A
//!   `-- migrate:assume <SQL>;` or `-- migrate:ignore` comment line inside
//!   the body, right before the loop or the `EXECUTE`, states its effect or
//!   silences the warning. When a statement after such a part then fails
//!   (it needed what the loop made), the whole block is taken back and
//!   assumed to change nothing, with one warning.
//! - anything else it does not know (`CASE`, `RETURN`, `CALL`, an `IF` whose
//!   condition it cannot evaluate around DDL, DDL that names a variable of
//!   the block, ...) makes the whole block "assumed no change", with the
//!   caller's warning.
//!
//! Guards are evaluated against the folded schema: `IF [NOT] EXISTS
//! (SELECT .. FROM <catalog> WHERE col = 'x' AND ..)`. A block with an
//! exception handler that does nothing (`WHEN duplicate_object THEN null`,
//! `RAISE NOTICE`) is rolled back, as PostgreSQL does, when its first error
//! is an "already exists" one; so is the branch of an `IF NOT EXISTS (..)`
//! the fold cannot evaluate (the "create if missing" idiom).

mod execute;

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use sqlparser::tokenizer::Token;

use execute::{Eval, Reader};

use super::unparsed::{self, DDL_KEYWORDS, Directive, Tokens, may_run_ddl};
use super::{Folder, Stmt, names};
use crate::diagnostic::Diagnostic;

/// Statements folded as SQL of their own.
const FOLDED: [&str; 8] = [
    "CREATE", "ALTER", "DROP", "COMMENT", "GRANT", "REVOKE", "SET", "RESET",
];

/// Statements that change no shape.
const NEUTRAL: [&str; 15] = [
    "SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE", "PERFORM", "RAISE", "NULL", "LOCK",
    "GET", "ASSERT", "TRUNCATE", "NOTIFY", "ANALYZE",
];

/// Statements an `EXECUTE` may build from run-time data without changing
/// a shape, whatever that data is.
const NEUTRAL_WHATEVER_THE_DATA: [&[&str]; 15] = [
    &["GRANT"],
    &["REVOKE"],
    &["ANALYZE"],
    &["ANALYSE"],
    &["VACUUM"],
    &["REINDEX"],
    &["CLUSTER"],
    &["INSERT"],
    &["UPDATE"],
    &["DELETE"],
    &["TRUNCATE"],
    &["NOTIFY"],
    &["LOCK"],
    &["REFRESH", "MATERIALIZED", "VIEW"],
    &["CHECKPOINT"],
];

/// The SQL statements among those (the others are PL/pgSQL's own).
const SQL: [&str; 11] = [
    "SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE", "PERFORM", "LOCK", "TRUNCATE",
    "NOTIFY", "ANALYZE",
];

/// What ends the statements of a block, and of an `IF` branch.
const BLOCK_END: &[&str] = &["EXCEPTION", "END"];
const BRANCH_END: &[&str] = &["ELSIF", "ELSEIF", "ELSE", "END"];

/// A construct the reader does not know: the whole block is assumed to
/// change nothing.
struct Unreadable;

type Read<T> = Result<T, Unreadable>;

/// Whether the statements being read run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// They run: fold them.
    Run,
    /// They may run or not (after an `IF` the fold cannot evaluate): DDL
    /// among them makes the block unreadable.
    Unsure,
    /// They do not run (a guard the folded schema makes false), or the
    /// reader only looks at their structure.
    Skip,
}

/// Byte offsets of sqlparser locations (1-based line, 1-based column in
/// characters) asked for in increasing order, in one walk over the text.
struct Cursor<'a> {
    text: &'a str,
    line: u64,
    column: u64,
    byte: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            line: 1,
            column: 1,
            byte: 0,
        }
    }

    fn offset(&mut self, location: sqlparser::tokenizer::Location) -> Option<usize> {
        if location.line == 0 {
            return None;
        }
        if (location.line, location.column) < (self.line, self.column) {
            *self = Self::new(self.text);
        }
        while (self.line, self.column) < (location.line, location.column) {
            let character = self.text[self.byte..].chars().next()?;
            self.byte += character.len_utf8();
            if character == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        Some(self.byte)
    }
}

/// The deepest nesting of blocks PostgreSQL 15's PL/pgSQL parser takes
/// (its bison stack of 10,000 states); one more is "memory exhausted".
const MAX_BLOCK_NESTING: usize = 3_331;

/// The body of a `DO` block being read.
struct Body<'a> {
    text: &'a str,
    /// Byte offset of `text` in the migration file.
    base: usize,
    tokens: Tokens,
    /// Byte range in `text` of each token.
    ranges: Vec<Range<usize>>,
    /// Whether a part the fold cannot see was warned about.
    unseen: bool,
    /// The variables the body declares (case-folded), in any block.
    variables: Vec<String>,
    /// Whether PostgreSQL's parser takes the SQL statement at each token
    /// index checked so far (a block is read more than once).
    checked: HashMap<usize, bool>,
    /// Their syntax errors, which stand whatever the fold makes of the block.
    syntax_errors: Vec<Diagnostic>,
    /// What each variable holds at the statement being read, as far as it
    /// is known before the block runs.
    values: HashMap<String, Eval>,
    /// Where each variable is declared (token index of its name).
    declared_at: HashMap<String, usize>,
    /// Variables declared more than once (in nested blocks): which one a
    /// name means is not followed, so their values are never known.
    shadowed: HashSet<String>,
    /// How many enclosing blocks have an exception handler, which may catch
    /// what an `EXECUTE` raises when it runs.
    handled_depth: usize,
    /// Whether an `EXECUTE` folded SQL with a placeholder for a value known
    /// only at run time.
    placeholders: bool,
    /// Where the statements of the block whose `BEGIN` is before each
    /// index end, as a skipping read found them.
    block_ends: HashMap<usize, usize>,
    /// How many blocks enclose the one being read.
    depth: usize,
}

impl<'a> Body<'a> {
    fn new(text: &'a str, base: usize) -> Option<Self> {
        let tokens = Tokens::new(text)?;
        let probe = Stmt::new(text, 0);
        // Tokens come in order: their locations are found in one walk over
        // the text, not each by walking its line again from its start.
        let mut cursor = Cursor::new(text);
        let ranges = tokens
            .tokens
            .iter()
            .map(|token| {
                match (
                    cursor.offset(token.span.start),
                    cursor.offset(token.span.end),
                ) {
                    (Some(start), Some(end)) if end >= start => start..end,
                    _ => probe.span(token.span),
                }
            })
            .collect();
        Some(Self {
            text,
            base,
            tokens,
            ranges,
            unseen: false,
            variables: Vec::new(),
            checked: HashMap::new(),
            syntax_errors: Vec::new(),
            values: HashMap::new(),
            declared_at: HashMap::new(),
            shadowed: HashSet::new(),
            handled_depth: 0,
            placeholders: false,
            block_ends: HashMap::new(),
            depth: 0,
        })
    }

    fn len(&self) -> usize {
        self.tokens.tokens.len()
    }

    fn token(&self, index: usize) -> Option<&Token> {
        self.tokens.tokens.get(index).map(|token| &token.token)
    }

    fn keyword(&self, index: usize) -> Option<String> {
        self.tokens.keyword(index)
    }

    fn is(&self, index: usize, word: &str) -> bool {
        self.tokens.keywords_at(index, &[word])
    }

    /// The index after the `;` that ends the statement starting at `index`.
    fn statement_end(&self, index: usize) -> Read<usize> {
        (index..self.len())
            .find(|at| matches!(self.token(*at), Some(Token::SemiColon)))
            .map(|at| at + 1)
            .ok_or(Unreadable)
    }

    /// The index after a `<<label>>` at `index`, or `index`.
    fn skip_label(&self, index: usize) -> usize {
        match (
            self.token(index),
            self.token(index + 1),
            self.token(index + 2),
        ) {
            (Some(Token::ShiftLeft), Some(Token::Word(_)), Some(Token::ShiftRight)) => index + 3,
            _ => index,
        }
    }

    /// Whether the statement at `index` is `target := expression` (or `=`).
    fn is_assignment(&self, index: usize) -> bool {
        let mut at = index;
        if !matches!(self.token(at), Some(Token::Word(_))) {
            return false;
        }
        at += 1;
        while matches!(self.token(at), Some(Token::Period))
            && matches!(self.token(at + 1), Some(Token::Word(_)))
        {
            at += 2;
        }
        if matches!(self.token(at), Some(Token::LBracket)) {
            let Some(close) =
                (at..self.len()).find(|i| matches!(self.token(*i), Some(Token::RBracket)))
            else {
                return false;
            };
            at = close + 1;
        }
        match self.token(at) {
            Some(Token::Assignment | Token::Eq) => true,
            Some(Token::Colon) => matches!(self.token(at + 1), Some(Token::Eq)),
            _ => false,
        }
    }

    /// The file range from the start of token `first` to the end of token `last`.
    fn file_range(&self, first: usize, last: usize) -> Range<usize> {
        self.base + self.ranges[first].start..self.base + self.ranges[last].end
    }

    /// The text between the previous token and token `index` (comments,
    /// where directives are), with its offset in the body.
    fn before(&self, index: usize) -> (&'a str, usize) {
        let start = index
            .checked_sub(1)
            .map_or(0, |previous| self.ranges[previous].end);
        (&self.text[start..self.ranges[index].start], start)
    }

    /// The name a word token stands for: case-folded unless quoted.
    fn word(&self, index: usize) -> Option<String> {
        match self.token(index)? {
            Token::Word(word) if word.quote_style.is_some() => Some(word.value.clone()),
            Token::Word(word) => Some(word.value.to_lowercase()),
            _ => None,
        }
    }

    /// Records the variables of the `DECLARE` section from `from` to the
    /// `BEGIN` at `begin` (the first word of each declaration), and, when
    /// the block runs, the value each starts with.
    fn declare(&mut self, from: usize, begin: usize, mode: Mode) {
        let mut start = from;
        while start < begin {
            let end = (start..begin)
                .find(|at| matches!(self.token(*at), Some(Token::SemiColon)))
                .unwrap_or(begin);
            if let Some(name) = self.word(start) {
                match self.declared_at.get(&name) {
                    Some(site) if *site != start => {
                        self.shadowed.insert(name.clone());
                    }
                    Some(_) => {}
                    None => {
                        self.declared_at.insert(name.clone(), start);
                    }
                }
                if !self.variables.contains(&name) {
                    self.variables.push(name.clone());
                }
                let value = match mode {
                    Mode::Run => self.initial_value(&name, start + 1, end),
                    Mode::Unsure => unknown_variable(&name),
                    Mode::Skip => {
                        start = end + 1;
                        continue;
                    }
                };
                self.values.insert(name, value);
            }
            start = end + 1;
        }
    }

    /// The value a declaration (its tokens after the name, up to its `;`)
    /// gives its variable: its `DEFAULT` or `:=` expression, else `NULL`.
    fn initial_value(&self, name: &str, from: usize, end: usize) -> Eval {
        let mut depth = 0i32;
        for at in from..end {
            match self.token(at) {
                Some(Token::LParen) => depth += 1,
                Some(Token::RParen) => depth -= 1,
                Some(Token::Assignment | Token::Eq) if depth == 0 => {
                    return self.known(name, at + 1..end);
                }
                Some(Token::Colon)
                    if depth == 0 && matches!(self.token(at + 1), Some(Token::Eq)) =>
                {
                    return self.known(name, at + 2..end);
                }
                _ if depth == 0 && self.is(at, "DEFAULT") => {
                    return self.known(name, at + 1..end);
                }
                _ if ["ALIAS", "CURSOR", "REFCURSOR"]
                    .iter()
                    .any(|word| self.is(at, word)) =>
                {
                    return unknown_variable(name);
                }
                _ => {}
            }
        }
        Eval::Null
    }

    /// What variable `name` gets from the expression in `range`: its value
    /// when it is known before the block runs.
    fn known(&self, name: &str, range: Range<usize>) -> Eval {
        match Reader::new(self, range).read() {
            value @ (Eval::Text(_) | Eval::Null) => value,
            Eval::Unknown(_) | Eval::Fails(_) => unknown_variable(name),
        }
    }

    /// An assignment `target := expression;` from `at` to `end` (after
    /// its `;`): the target's value changes, when the statement runs.
    fn assign(&mut self, at: usize, end: usize, mode: Mode) {
        let Some(name) = self.word(at) else {
            return;
        };
        let simple = match self.token(at + 1) {
            Some(Token::Assignment | Token::Eq) => Some(at + 2),
            Some(Token::Colon) => Some(at + 3),
            _ => None,
        };
        let value = match (mode, simple) {
            (Mode::Skip, _) => return,
            (Mode::Run, Some(from)) => self.known(&name, from..end - 1),
            _ => unknown_variable(&name),
        };
        self.values.insert(name, value);
    }

    /// Every variable named in a range of tokens gets a value that is not
    /// known before the block runs (loop variables, `INTO` targets), when
    /// the statement runs.
    fn clobber(&mut self, range: Range<usize>, mode: Mode) {
        if mode == Mode::Skip {
            return;
        }
        for at in range {
            if let Some(name) = self.word(at)
                && self.variables.contains(&name)
            {
                self.values.insert(name.clone(), unknown_variable(&name));
            }
        }
    }

    /// The variable of the loop header from `start` (`FOR`/`FOREACH`) to
    /// `open` (its `LOOP`) and the values it takes, when they are known
    /// before the block runs: an integer range of literals, or an `ARRAY[..]`
    /// of values the block knows.
    fn constant_iterations(&self, start: usize, open: usize) -> Option<(String, Vec<Eval>)> {
        let variable = self.word(start + 1)?;
        if !self.is(start + 2, "IN") {
            return None;
        }
        if self.is(start, "FOREACH") {
            let array_literal = self.is(start + 3, "ARRAY")
                && self.is(start + 4, "ARRAY")
                && matches!(self.token(start + 5), Some(Token::LBracket))
                && matches!(self.token(open - 1), Some(Token::RBracket));
            if !array_literal {
                return None;
            }
            let mut values = Vec::new();
            let mut from = start + 6;
            let mut depth = 0i32;
            for at in start + 6..open {
                match self.token(at) {
                    Some(Token::LParen | Token::LBracket) => depth += 1,
                    Some(Token::RParen) => depth -= 1,
                    Some(Token::RBracket) if depth > 0 => depth -= 1,
                    Some(Token::Comma | Token::RBracket) if depth == 0 => {
                        match Reader::new(self, from..at).read() {
                            value @ (Eval::Text(_) | Eval::Null) => values.push(value),
                            _ => return None,
                        }
                        from = at + 1;
                    }
                    _ => {}
                }
            }
            return Some((variable, values));
        }
        if !self.is(start, "FOR") || open <= start + 3 {
            return None;
        }
        // `[REVERSE] low .. high [BY step]`, read from its text.
        let text = self
            .text
            .get(self.ranges[start + 3].start..self.ranges[open - 1].end)?
            .to_ascii_lowercase();
        let (reverse, range) = match text.trim().strip_prefix("reverse") {
            Some(rest) if rest.starts_with(char::is_whitespace) => (true, rest),
            _ => (false, text.trim()),
        };
        let (bounds, step) = match range.split_once(" by ") {
            Some((bounds, step)) => (bounds, step.trim().parse::<i64>().ok()?),
            None => (range, 1),
        };
        let (low, high) = bounds.split_once("..")?;
        let (low, high) = (
            low.trim().parse::<i64>().ok()?,
            high.trim().parse::<i64>().ok()?,
        );
        if step <= 0 {
            return None;
        }
        let mut values = Vec::new();
        let mut value = low;
        while (!reverse && value <= high) || (reverse && value >= high) {
            values.push(Eval::Text(execute::Built::number(value)));
            if values.len() > 1_000 {
                break;
            }
            value = if reverse { value - step } else { value + step };
        }
        Some((variable, values))
    }

    /// The value of a variable at the statement being read.
    fn value_of(&self, name: &str) -> Eval {
        if self.shadowed.contains(name) {
            return unknown_variable(name);
        }
        self.values
            .get(name)
            .cloned()
            .unwrap_or_else(|| Eval::Unknown(format!("\"{name}\"")))
    }

    /// Whether a range of tokens names a variable of the body.
    fn uses_variable(&self, range: Range<usize>) -> bool {
        range.into_iter().any(|at| {
            self.word(at)
                .is_some_and(|word| self.variables.contains(&word))
        })
    }

    /// Whether a range of tokens holds an `EXECUTE` of SQL (not a trigger's
    /// `EXECUTE FUNCTION`).
    fn executes(&self, range: Range<usize>) -> bool {
        range.into_iter().any(|at| {
            self.is(at, "EXECUTE") && !self.is(at + 1, "FUNCTION") && !self.is(at + 1, "PROCEDURE")
        })
    }

    /// Whether a range of tokens holds a DDL keyword.
    fn has_ddl(&self, range: Range<usize>) -> bool {
        range.into_iter().any(|at| {
            self.keyword(at)
                .is_some_and(|word| DDL_KEYWORDS.contains(&word.as_str()))
        })
    }
}

/// A variable whose value is not known before the block runs.
fn unknown_variable(name: &str) -> Eval {
    Eval::Unknown(format!("the variable \"{name}\""))
}

/// The body of `DO [LANGUAGE plpgsql] <string>` and its byte offset in the
/// statement text; `None` when it is not there as written.
fn body_of<'a>(stmt: &Stmt<'a>, tokens: &Tokens) -> Option<(&'a str, usize)> {
    let mut at = 1;
    if tokens.keywords_at(at, &["LANGUAGE"]) {
        if !tokens.keywords_at(at + 1, &["PLPGSQL"]) {
            return None;
        }
        at += 2;
    }
    let token = tokens.tokens.get(at)?;
    let start = stmt.span(token.span).start - stmt.base;
    let (value, opening) = match &token.token {
        Token::DollarQuotedString(quoted) => (
            quoted.value.as_str(),
            quoted.tag.as_ref().map_or(0, String::len) + 2,
        ),
        Token::SingleQuotedString(text) => (text.as_str(), 1),
        _ => return None,
    };
    let offset = start + opening;
    // A quoted quote ('') is not in the value as written: give up on it.
    stmt.text
        .get(offset..offset + value.len())
        .filter(|written| *written == value)
        .map(|written| (written, offset))
}

impl Folder {
    /// A `DO` block. Returns whether it was understood; when it was not, the
    /// fold is as it was before the block, and the caller warns.
    pub(super) fn do_block(&mut self, stmt: &Stmt, tokens: &Tokens) -> bool {
        let Some((text, offset)) = body_of(stmt, tokens) else {
            return false;
        };
        if !may_run_ddl(text) {
            return true;
        }
        let Some(mut body) = Body::new(text, stmt.base + offset) else {
            return false;
        };
        let saved = self.clone();
        let before = self.diagnostics.len();
        let read = self.block(&mut body, 0, Mode::Run);
        if !matches!(read, Ok(end) if end == body.len()) {
            *self = saved;
            self.diagnostics.append(&mut body.syntax_errors);
            return false;
        }
        if body.unseen && self.diagnostics[before..].iter().any(Diagnostic::is_error) {
            // What the fold could not see is likely what those statements
            // needed: take the block back rather than report false errors.
            *self = saved;
            self.diagnostics.push(
                stmt.warning_at_start(
                    "statements of this DO block fail in the fold without what its loops or EXECUTE change, which the fold cannot see; it assumed the whole block changes no table, column or type",
                )
                .with_help(
                    "state what the block changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`",
                ),
            );
        } else if body.placeholders {
            self.placeholder_defaults(stmt, &saved);
        }
        // Syntax errors stand whatever the fold made of the block.
        self.diagnostics.append(&mut body.syntax_errors);
        true
    }

    /// A default the block built from a value it knows only when it runs
    /// (`DEFAULT %L`) and did not drop again: the fold holds the
    /// placeholder there, and says so.
    fn placeholder_defaults(&mut self, stmt: &Stmt, before: &Folder) {
        let mut warnings = Vec::new();
        for (name, relation) in &self.schema.relations {
            for column in &relation.columns {
                let Some(default) = column.default.as_deref() else {
                    continue;
                };
                let earlier = before
                    .schema
                    .relations
                    .get(name)
                    .and_then(|relation| relation.column(&column.name))
                    .and_then(|column| column.default.as_deref());
                if default.contains(execute::PLACEHOLDER) && earlier != Some(default) {
                    warnings.push(
                        stmt.warning_at_start(format!(
                            "this DO block gives column \"{}\" of relation \"{}\" a default built from a value it knows only when it runs; the fold holds {} in its place",
                            column.name,
                            name.name,
                            execute::PLACEHOLDER
                        ))
                        .with_help(
                            "if the default matters, state the statement with its value in a `-- migrate:assume <SQL>;` comment line right before its EXECUTE, inside the DO block",
                        ),
                    );
                }
            }
        }
        self.diagnostics.append(&mut warnings);
    }

    /// `[<<label>>] [DECLARE ..] BEGIN .. [EXCEPTION ..] END [label];` at
    /// `at`; returns the index after it. Blocks nested deeper than
    /// PostgreSQL's PL/pgSQL parser takes are its error.
    fn block(&mut self, body: &mut Body, at: usize, mode: Mode) -> Read<usize> {
        body.depth += 1;
        if body.depth > MAX_BLOCK_NESTING {
            body.depth -= 1;
            const MESSAGE: &str = "memory exhausted at or near \"BEGIN\"";
            if !body
                .syntax_errors
                .iter()
                .any(|error| error.message == MESSAGE)
            {
                let range = body.file_range(at, at);
                body.syntax_errors.push(Diagnostic::error(MESSAGE, range));
            }
            return Err(Unreadable);
        }
        let read = self.block_at_depth(body, at, mode);
        body.depth -= 1;
        read
    }

    fn block_at_depth(&mut self, body: &mut Body, at: usize, mode: Mode) -> Read<usize> {
        let mut at = body.skip_label(at);
        if body.is(at, "DECLARE") {
            // Declarations run no DDL.
            let begin = body
                .tokens
                .find_keyword(at + 1, "BEGIN")
                .ok_or(Unreadable)?;
            body.declare(at + 1, begin, mode);
            at = begin;
        }
        if !body.is(at, "BEGIN") {
            return Err(Unreadable);
        }
        let first = at + 1;
        // A block with a handler is rolled back when a statement fails: know
        // it before folding them.
        let handled = mode != Mode::Skip && {
            // Known when an enclosing block was read for its handler: each
            // level reading all it holds again was quadratic in the nesting.
            let end = match body.block_ends.get(&first) {
                Some(end) => *end,
                None => self.statements(body, first, Mode::Skip, BLOCK_END)?,
            };
            body.is(end, "EXCEPTION")
        };
        at = if mode == Mode::Skip {
            let end = self.statements(body, first, mode, BLOCK_END)?;
            body.block_ends.insert(first, end);
            end
        } else if handled {
            body.handled_depth += 1;
            let read = self.protected(body, |folder, body| {
                folder.statements(body, first, mode, BLOCK_END)
            });
            body.handled_depth -= 1;
            read?
        } else {
            self.statements(body, first, mode, BLOCK_END)?
        };
        if body.is(at, "EXCEPTION") {
            at = handlers(body, at + 1)?;
        }
        if !body.is(at, "END") {
            return Err(Unreadable);
        }
        at += 1;
        let ends_here = |index: usize| {
            index == body.len() || matches!(body.token(index), Some(Token::SemiColon))
        };
        if matches!(body.token(at), Some(Token::Word(_))) && ends_here(at + 1) {
            at += 1;
        }
        if !ends_here(at) {
            return Err(Unreadable);
        }
        Ok((at + 1).min(body.len()))
    }

    /// Statements from `at` up to one of the keywords `until`; returns the
    /// index of that keyword.
    fn statements(
        &mut self,
        body: &mut Body,
        mut at: usize,
        mode: Mode,
        until: &[&str],
    ) -> Read<usize> {
        loop {
            if at >= body.len() {
                return Err(Unreadable);
            }
            if body
                .keyword(at)
                .is_some_and(|word| until.contains(&word.as_str()))
            {
                return Ok(at);
            }
            at = self.pl_statement(body, at, mode)?;
        }
    }

    /// One PL/pgSQL statement at `at`; returns the index after it.
    fn pl_statement(&mut self, body: &mut Body, at: usize, mode: Mode) -> Read<usize> {
        if body.is_assignment(at) {
            let end = body.statement_end(at)?;
            body.assign(at, end, mode);
            return Ok(end);
        }
        let start = body.skip_label(at);
        let word = body.keyword(start).ok_or(Unreadable)?;
        match word.as_str() {
            "BEGIN" | "DECLARE" => self.block(body, at, mode),
            "LOOP" | "WHILE" | "FOR" | "FOREACH" => {
                let end = self.loop_statement(body, at, start, mode)?;
                body.clobber(at..end, mode);
                Ok(end)
            }
            _ if start != at => Err(Unreadable),
            "IF" => self.if_statement(body, at, mode),
            "EXECUTE" => {
                let end = body.statement_end(at)?;
                self.execute(body, at, end, mode)?;
                Ok(end)
            }
            word if FOLDED.contains(&word) => {
                let end = body.statement_end(at)?;
                if !self.pl_sql_syntax_holds(body, at, end) {
                    return Ok(end);
                }
                // PL/pgSQL puts its variables' values into the SQL it runs
                // (`CREATE TABLE .. AS SELECT .. WHERE id > last_id`): the
                // fold would take them for columns.
                if body.uses_variable(at..end) {
                    return Err(Unreadable);
                }
                match mode {
                    Mode::Run => {
                        let range = body.ranges[at].start..body.ranges[end - 2].end;
                        let stmt = Stmt::new(&body.text[range.clone()], body.base + range.start);
                        self.statement(&stmt);
                    }
                    Mode::Unsure => return Err(Unreadable),
                    Mode::Skip => {}
                }
                Ok(end)
            }
            word if NEUTRAL.contains(&word) => {
                let end = body.statement_end(at)?;
                if SQL.contains(&word) {
                    self.pl_sql_syntax_holds(body, at, end);
                }
                // `SELECT .. INTO v`, `GET DIAGNOSTICS v = ..`: values set at run time.
                if word == "GET" {
                    body.clobber(at..end, mode);
                } else if let Some(into) = (at + 1..end).find(|index| {
                    body.is(*index, "INTO")
                        && !(body.is(index - 1, "INSERT") || body.is(index - 1, "MERGE"))
                }) {
                    body.clobber(into..end, mode);
                }
                if let Some(function) = self.ddl_function_call(body, at..end) {
                    self.unseen(
                        body,
                        at,
                        at,
                        mode,
                        format!(
                            "this {word} calls {function}(), whose body runs DDL the fold cannot follow; it assumed the call changes nothing and folded the rest of the DO block"
                        ),
                    )?;
                }
                Ok(end)
            }
            _ => Err(Unreadable),
        }
    }

    /// `EXECUTE expression [INTO ..] [USING ..];` from `at` to `end` (after
    /// its `;`). SQL built from what the block knows before it runs is
    /// folded as if it stood there (see `execute.rs`); SQL whose shape
    /// depends on run-time data is warned about.
    fn execute(&mut self, body: &mut Body, at: usize, end: usize, mode: Mode) -> Read<()> {
        let semicolon = end - 1;
        let mut depth = 0i32;
        let mut expression_end = semicolon;
        let mut into = None;
        for index in at + 1..semicolon {
            match body.token(index) {
                Some(Token::LParen) => depth += 1,
                Some(Token::RParen) => depth -= 1,
                _ if depth == 0 && (body.is(index, "INTO") || body.is(index, "USING")) => {
                    expression_end = expression_end.min(index);
                    if body.is(index, "INTO") {
                        into = Some(index);
                    }
                }
                _ => {}
            }
        }
        if mode == Mode::Skip {
            return Ok(());
        }
        let value = Reader::new(body, at + 1..expression_end).read();
        if let Some(into) = into {
            body.clobber(into..semicolon, mode);
        }
        let directed = unparsed::directive(body.before(at).0).is_some();
        let execute_range = body.file_range(at, at);
        // Enum labels are shape: a placeholder cannot stand for them.
        let value = match value {
            Eval::Text(built)
                if built.placeholders
                    && Tokens::new(&built.text).is_some_and(|tokens| {
                        tokens.keywords_at(0, &["CREATE", "TYPE"])
                            || tokens.keywords_at(0, &["ALTER", "TYPE"])
                    }) =>
            {
                Eval::Unknown("a value known only at run time in a type's definition".to_owned())
            }
            other => other,
        };
        // SQL that changes no shape whatever the run-time parts are.
        if matches!(value, Eval::Unknown(_))
            && !directed
            && let Eval::Text(lenient) = Reader::lenient(body, at + 1..expression_end).read()
            && Tokens::new(&lenient.text).is_some_and(|tokens| {
                NEUTRAL_WHATEVER_THE_DATA
                    .iter()
                    .any(|words| tokens.keywords_at(0, words))
            })
        {
            return Ok(());
        }
        let built = match value {
            Eval::Text(built) if !directed => built,
            Eval::Null | Eval::Fails(_) if !directed => {
                if mode == Mode::Run {
                    let message = match value {
                        Eval::Fails(message) => message,
                        _ => "query string argument of EXECUTE is null".to_owned(),
                    };
                    self.diagnostics
                        .push(run_time_error(body, message, execute_range));
                }
                return Ok(());
            }
            other => {
                let what = match other {
                    Eval::Unknown(what) => what,
                    _ => "what it evaluates to".to_owned(),
                };
                return self.unseen(
                    body,
                    at,
                    at,
                    mode,
                    format!(
                        "this EXECUTE runs SQL whose shape depends on {what}, which the fold cannot know before the block runs; it assumed the statement changes no table, column or type and folded the rest of the DO block"
                    ),
                );
            }
        };
        if mode == Mode::Unsure {
            // Whether it runs is not known: DDL in it makes the block unreadable.
            return if may_run_ddl(&built.text) {
                Err(Unreadable)
            } else {
                Ok(())
            };
        }
        let shown = built.text.split_whitespace().collect::<Vec<_>>().join(" ");
        let note = format!("the SQL this EXECUTE builds: {shown}");
        let place = |span: &Range<usize>| built.file_range(span);
        let errors = crate::syntax::check(&built.text);
        if !errors.is_empty() {
            for error in errors {
                let span = place(&error.span);
                let mut diagnostic = run_time_error(
                    body,
                    error.message,
                    span.clone().unwrap_or_else(|| execute_range.clone()),
                );
                if let Some(help) = error.help {
                    diagnostic = diagnostic.with_help(help);
                }
                if span.is_none() {
                    diagnostic = diagnostic.with_note(note.clone());
                }
                self.diagnostics.push(diagnostic);
            }
            return Ok(());
        }
        body.placeholders |= built.placeholders;
        let before = self.diagnostics.len();
        self.statement(&Stmt::new(&built.text, 0));
        for diagnostic in &mut self.diagnostics[before..] {
            match place(&diagnostic.span) {
                Some(span) => diagnostic.span = span,
                None => {
                    diagnostic.span = execute_range.clone();
                    diagnostic.note = Some(match diagnostic.note.take() {
                        Some(earlier) => format!("{earlier}; {note}"),
                        None => note.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// PL/pgSQL has PostgreSQL's parser check every SQL statement of a block
    /// when it compiles it, whichever branch will run: so does the fold, on
    /// the statement from `at` to its `;` (`end` is the index after it).
    /// `PERFORM x` is checked as `SELECT x`, as PL/pgSQL runs it; a
    /// statement with an `INTO` target (which PL/pgSQL takes out before the
    /// check) is left alone.
    fn pl_sql_syntax_holds(&mut self, body: &mut Body, at: usize, end: usize) -> bool {
        if let Some(holds) = body.checked.get(&at) {
            return *holds;
        }
        let into_target = (at + 1..end).any(|index| {
            body.is(index, "INTO") && !(body.is(index - 1, "INSERT") || body.is(index - 1, "MERGE"))
        });
        if into_target || end < at + 2 {
            return true;
        }
        let range = body.ranges[at].start..body.ranges[end - 2].end;
        let mut text = body.text[range.clone()].to_owned();
        if body.is(at, "PERFORM") {
            // Same length, so every offset stays where it was.
            text.replace_range(..7, "SELECT ");
        }
        let errors = crate::syntax::check(&text);
        let holds = errors.is_empty();
        body.syntax_errors.extend(
            errors
                .into_iter()
                .map(|error| super::syntax_diagnostic(error, body.base + range.start)),
        );
        body.checked.insert(at, holds);
        holds
    }

    /// `[<<label>>] [FOR ..|WHILE ..|FOREACH ..] LOOP .. END LOOP [label];`:
    /// `at` is where it starts, `start` its first keyword. Its body is not
    /// folded: a loop that runs DDL is warned about.
    fn loop_statement(
        &mut self,
        body: &mut Body,
        at: usize,
        start: usize,
        mode: Mode,
    ) -> Read<usize> {
        let open = if body.is(start, "LOOP") {
            start
        } else {
            body.tokens
                .find_keyword(start + 1, "LOOP")
                .ok_or(Unreadable)?
        };
        // Every loop opens with one LOOP keyword and closes with END LOOP.
        let mut depth = 1;
        let mut index = open + 1;
        let close = loop {
            if index >= body.len() {
                return Err(Unreadable);
            }
            if body.is(index, "END") && body.is(index + 1, "LOOP") {
                depth -= 1;
                if depth == 0 {
                    break index;
                }
                index += 2;
            } else {
                if body.is(index, "LOOP") {
                    depth += 1;
                }
                index += 1;
            }
        };
        let end = body.statement_end(close)?;
        // END LOOP [label] ;
        if end - close > 4 {
            return Err(Unreadable);
        }
        let inside = open + 1..close;
        let runs_ddl = body.executes(inside.clone())
            || body.has_ddl(inside.clone())
            || self.ddl_function_call(body, inside.clone()).is_some();
        let mut failed_turn = None;
        if runs_ddl {
            match self.unrolled(body, at, start, open, close, mode) {
                Ok(()) => return Ok(end),
                Err(failure) => failed_turn = failure,
            }
        }
        let reason = if let Some(failure) = failed_turn {
            format!(
                "turns over values known before the block runs, but a turn does not fold cleanly ({failure})"
            )
        } else if body.executes(inside.clone()) {
            "runs SQL built at run time (EXECUTE), which the fold cannot see".to_owned()
        } else if body.has_ddl(inside.clone()) {
            "runs DDL as many times as it turns, which the fold cannot know".to_owned()
        } else if let Some(function) = self.ddl_function_call(body, inside) {
            format!("calls {function}(), whose body runs DDL the fold cannot follow")
        } else {
            return Ok(end);
        };
        let kind = match body.keyword(start).as_deref() {
            Some("FOR") => "FOR loop",
            Some("WHILE") => "WHILE loop",
            Some("FOREACH") => "FOREACH loop",
            _ => "LOOP",
        };
        self.unseen(
            body,
            at,
            open,
            mode,
            format!(
                "this {kind} {reason}; the fold assumed the loop changes no table, column or type and folded the rest of the DO block"
            ),
        )?;
        Ok(end)
    }

    /// A loop over values known before the block runs (`FOR i IN 1..3`,
    /// `FOREACH t IN ARRAY ARRAY['a', 'b']`), read once per value with its
    /// variable bound to it. When it is not (a statement the reader does
    /// not know, `EXIT`, any diagnostic: the first one is returned), the
    /// fold is as it was before the loop.
    fn unrolled(
        &mut self,
        body: &mut Body,
        at: usize,
        start: usize,
        open: usize,
        close: usize,
        mode: Mode,
    ) -> Result<(), Option<String>> {
        /// Beyond this many turns the loop is warned about, not unrolled.
        const MAX_TURNS: usize = 1_000;
        if mode != Mode::Run || unparsed::directive(body.before(at).0).is_some() {
            return Err(None);
        }
        let Some((variable, values)) = body.constant_iterations(start, open) else {
            return Err(None);
        };
        if values.len() > MAX_TURNS || body.shadowed.contains(&variable) {
            return Err(None);
        }
        let saved = self.clone();
        let before = self.diagnostics.len();
        let (saved_values, saved_unseen, saved_placeholders) =
            (body.values.clone(), body.unseen, body.placeholders);
        for value in values {
            body.values.insert(variable.clone(), value);
            let read = self.statements(body, open + 1, Mode::Run, &["END"]);
            // Only a loop that folds cleanly each time is taken as unrolled:
            // a part it cannot see, or a statement that fails (which may
            // need what that part made), leaves the loop warned about whole.
            if !matches!(read, Ok(index) if index == close) || self.diagnostics.len() > before {
                let failure = self
                    .diagnostics
                    .get(before)
                    .map(|diagnostic| diagnostic.message.clone());
                *self = saved;
                body.values = saved_values;
                body.unseen = saved_unseen;
                body.placeholders = saved_placeholders;
                return Err(failure);
            }
        }
        Ok(())
    }

    /// `IF .. THEN .. [ELSIF .. THEN ..] [ELSE ..] END IF;` at `at`.
    fn if_statement(&mut self, body: &mut Body, mut at: usize, mode: Mode) -> Read<usize> {
        // Whether an earlier branch surely ran, or may have.
        let mut taken = false;
        let mut unsure = false;
        loop {
            match body.keyword(at).as_deref() {
                Some("IF" | "ELSIF" | "ELSEIF") => {
                    let then = body.tokens.find_keyword(at + 1, "THEN").ok_or(Unreadable)?;
                    let mut protect = false;
                    let branch = if mode == Mode::Skip || taken {
                        Mode::Skip
                    } else {
                        match CatalogCheck::parse(&body.tokens, at, then) {
                            Some(check) if check.holds(self) => {
                                taken = !unsure;
                                if unsure { Mode::Unsure } else { mode }
                            }
                            Some(_) => Mode::Skip,
                            None => {
                                // An unreadable NOT EXISTS guard first: the
                                // "create if missing" idiom.
                                protect = !unsure
                                    && mode == Mode::Run
                                    && body.tokens.keywords_at(at + 1, &["NOT", "EXISTS"]);
                                unsure = true;
                                if protect { Mode::Run } else { Mode::Unsure }
                            }
                        }
                    };
                    at = if protect {
                        self.protected(body, |folder, body| {
                            folder.statements(body, then + 1, Mode::Run, BRANCH_END)
                        })?
                    } else {
                        self.statements(body, then + 1, branch, BRANCH_END)?
                    };
                }
                Some("ELSE") => {
                    let branch = if mode == Mode::Skip || taken {
                        Mode::Skip
                    } else if unsure {
                        Mode::Unsure
                    } else {
                        mode
                    };
                    at = self.statements(body, at + 1, branch, &["END"])?;
                }
                Some("END")
                    if body.is(at + 1, "IF")
                        && matches!(body.token(at + 2), Some(Token::SemiColon)) =>
                {
                    return Ok(at + 3);
                }
                _ => return Err(Unreadable),
            }
        }
    }

    /// Reads statements that PostgreSQL takes back when the first of them
    /// to fail says "already exists": an exception handler's block, or the
    /// branch of a "create if missing" guard the fold cannot evaluate.
    fn protected(
        &mut self,
        body: &mut Body,
        read: impl FnOnce(&mut Self, &mut Body) -> Read<usize>,
    ) -> Read<usize> {
        let saved = self.clone();
        let before = self.diagnostics.len();
        let end = read(self, body)?;
        let first_error = self.diagnostics[before..]
            .iter()
            .find(|diagnostic| diagnostic.is_error());
        if first_error.is_some_and(|error| {
            error.message.ends_with("already exists")
                || error.message.starts_with("multiple primary keys")
        }) {
            *self = saved;
        }
        Ok(end)
    }

    /// A part of the body the fold cannot see: a directive comment right
    /// before it says what it does, or it is warned about. `at` is where the
    /// statement starts, `head` the last token of what the warning points at.
    fn unseen(
        &mut self,
        body: &mut Body,
        at: usize,
        head: usize,
        mode: Mode,
        message: String,
    ) -> Read<()> {
        if mode == Mode::Skip {
            return Ok(());
        }
        let (before, before_offset) = body.before(at);
        match unparsed::directive(before) {
            Some(Directive::Ignore) => {}
            Some(Directive::Assume(_)) if mode == Mode::Unsure => return Err(Unreadable),
            Some(Directive::Assume(assumed)) => {
                self.assume(&assumed, body.base + before_offset);
            }
            None => {
                body.unseen = true;
                let start = body.skip_label(at);
                self.diagnostics.push(
                    Diagnostic::warning(message, body.file_range(start, head)).with_help(
                        "if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`",
                    ),
                );
            }
        }
        Ok(())
    }

    /// The first call, in a range of tokens, of a function whose body runs DDL.
    fn ddl_function_call(&self, body: &Body, range: Range<usize>) -> Option<String> {
        range.into_iter().find_map(|at| match body.token(at) {
            Some(Token::Word(word)) if matches!(body.token(at + 1), Some(Token::LParen)) => {
                let name = if word.quote_style.is_some() {
                    word.value.clone()
                } else {
                    word.value.to_lowercase()
                };
                self.ddl_functions.contains(&name).then_some(name)
            }
            _ => None,
        })
    }
}

/// An error PostgreSQL raises when the statement runs; inside a block with
/// an exception handler, which may catch it, only a warning.
fn run_time_error(body: &Body, message: String, span: Range<usize>) -> Diagnostic {
    if body.handled_depth == 0 {
        return Diagnostic::error(message, span);
    }
    Diagnostic::warning(
        format!("when this block runs, PostgreSQL raises here: {message}"),
        span,
    )
    .with_help("the block's exception handler may catch it; the fold assumed the statement changes nothing")
}

/// `WHEN condition THEN <statements that change nothing> ..` up to the
/// block's END; returns the index of that END.
fn handlers(body: &Body, mut at: usize) -> Read<usize> {
    loop {
        if body.is(at, "END") {
            return Ok(at);
        }
        if !body.is(at, "WHEN") {
            return Err(Unreadable);
        }
        at = body.tokens.find_keyword(at + 1, "THEN").ok_or(Unreadable)? + 1;
        while !body.is(at, "WHEN") && !body.is(at, "END") {
            let harmless = body.is(at, "NULL")
                || (body.is(at, "RAISE")
                    && matches!(
                        body.keyword(at + 1).as_deref(),
                        Some("NOTICE" | "INFO" | "LOG" | "DEBUG" | "WARNING")
                    ));
            if !harmless {
                return Err(Unreadable);
            }
            at = body.statement_end(at)?;
        }
    }
}

/// An existence test on a catalog, by equality predicates.
struct CatalogCheck {
    negated: bool,
    /// The catalog's table name: `columns`, `pg_type`, `table_constraints`.
    catalog: String,
    /// `column = 'value'` predicates (column without its table alias).
    equals: Vec<(String, String)>,
}

impl CatalogCheck {
    /// Reads `IF [NOT] EXISTS (SELECT .. FROM catalog [alias] WHERE a = 'x'
    /// [AND b = 'y' ..])` between `at` (the IF) and `then`; `None` for any
    /// other shape (joins, OR, IN, LIKE, subqueries).
    fn parse(tokens: &Tokens, at: usize, then: usize) -> Option<Self> {
        let negated = tokens.keywords_at(at + 1, &["NOT"]);
        let exists_at = if negated { at + 2 } else { at + 1 };
        if !tokens.keywords_at(exists_at, &["EXISTS"]) {
            return None;
        }
        let from = tokens
            .find_keyword(exists_at, "FROM")
            .filter(|from| *from < then)?;
        let (catalog, after) = tokens.object_name(from + 1)?;
        let catalog = names::object_name_parts(&catalog)
            .pop()?
            .to_ascii_lowercase();
        let known = [
            "columns",
            "tables",
            "pg_tables",
            "pg_type",
            "pg_class",
            "pg_indexes",
            "pg_constraint",
            "table_constraints",
            "pg_extension",
            "pg_namespace",
            "schemata",
        ];
        if !known.contains(&catalog.as_str()) {
            return None;
        }
        let where_at = tokens.find_keyword(after, "WHERE").filter(|w| *w < then)?;
        let mut equals = Vec::new();
        let mut index = where_at + 1;
        while index < then {
            match &tokens.tokens[index].token {
                Token::Word(_)
                    if matches!(
                        tokens.tokens.get(index + 1).map(|t| &t.token),
                        Some(Token::Period)
                    ) =>
                {
                    // A table alias: `c.relname`.
                    index += 2;
                }
                Token::Word(word)
                    if matches!(
                        tokens.tokens.get(index + 1).map(|t| &t.token),
                        Some(Token::Eq)
                    ) =>
                {
                    let Some(Token::SingleQuotedString(value)) =
                        tokens.tokens.get(index + 2).map(|t| &t.token)
                    else {
                        return None;
                    };
                    equals.push((word.value.to_ascii_lowercase(), value.clone()));
                    index += 3;
                    // An optional cast: 'x'::regclass, 'x'::text.
                    while matches!(
                        tokens.tokens.get(index).map(|t| &t.token),
                        Some(Token::DoubleColon)
                    ) {
                        index += 2;
                    }
                }
                Token::Word(word)
                    if word.quote_style.is_none() && word.value.eq_ignore_ascii_case("AND") =>
                {
                    index += 1;
                }
                Token::RParen if index + 1 == then => index += 1,
                _ => return None,
            }
        }
        (!equals.is_empty()).then_some(Self {
            negated,
            catalog,
            equals,
        })
    }

    fn value(&self, column: &str) -> Option<&str> {
        self.equals
            .iter()
            .find(|(name, _)| name == column)
            .map(|(_, value)| value.as_str())
    }

    /// Whether the guard lets the statement run, given the folded schema.
    fn holds(&self, folder: &Folder) -> bool {
        let schema = &folder.schema;
        let in_schema = |name: &migrate_core::Name, column: &str| {
            self.value(column)
                .is_none_or(|wanted| wanted == name.schema)
        };
        let exists = match self.catalog.as_str() {
            "columns" => schema.relations.iter().any(|(name, relation)| {
                in_schema(name, "table_schema")
                    && self.value("table_name").is_none_or(|t| t == name.name)
                    && self
                        .value("column_name")
                        .is_none_or(|c| relation.column(c).is_some())
            }),
            "tables" | "pg_tables" => schema.relations.keys().any(|name| {
                in_schema(name, "table_schema")
                    && in_schema(name, "schemaname")
                    && self
                        .value("table_name")
                        .or(self.value("tablename"))
                        .is_none_or(|t| t == name.name)
            }),
            "pg_type" => self.value("typname").is_some_and(|wanted| {
                schema.types.keys().any(|name| name.name == wanted)
                    || schema.relations.keys().any(|name| name.name == wanted)
            }),
            "pg_class" => self.value("relname").is_some_and(|wanted| {
                schema.relations.keys().any(|name| name.name == wanted)
                    || schema.indexes.keys().any(|name| name.name == wanted)
                    || schema.sequences.keys().any(|name| name.name == wanted)
            }),
            "pg_indexes" => self.value("indexname").is_some_and(|wanted| {
                schema.indexes.iter().any(|(name, index)| {
                    name.name == wanted
                        && self
                            .value("tablename")
                            .is_none_or(|t| t == index.table.name)
                })
            }),
            "pg_constraint" => self.value("conname").is_some_and(|wanted| {
                schema
                    .relations
                    .values()
                    .any(|relation| relation.constraints.iter().any(|c| c.name == wanted))
            }),
            "table_constraints" => schema.relations.iter().any(|(name, relation)| {
                self.value("table_name").is_none_or(|t| t == name.name)
                    && in_schema(name, "table_schema")
                    && relation.constraints.iter().any(|constraint| {
                        self.value("constraint_name")
                            .is_none_or(|c| c == constraint.name)
                            && self.value("constraint_type").is_none_or(|kind| {
                                kind.eq_ignore_ascii_case(match constraint.kind {
                                    migrate_core::ConstraintKind::PrimaryKey { .. } => {
                                        "PRIMARY KEY"
                                    }
                                    migrate_core::ConstraintKind::Unique { .. } => "UNIQUE",
                                    migrate_core::ConstraintKind::ForeignKey { .. } => {
                                        "FOREIGN KEY"
                                    }
                                    migrate_core::ConstraintKind::Check { .. } => "CHECK",
                                    migrate_core::ConstraintKind::Exclusion { .. } => "EXCLUDE",
                                })
                            })
                    })
            }),
            "pg_extension" => self
                .value("extname")
                .is_some_and(|wanted| schema.extensions.contains_key(wanted)),
            "pg_namespace" | "schemata" => self
                .value("nspname")
                .or(self.value("schema_name"))
                .is_some_and(|wanted| schema.namespaces.contains_key(wanted)),
            // `parse` only accepts the catalogs above.
            _ => false,
        };
        exists != self.negated
    }
}
