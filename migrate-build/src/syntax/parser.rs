//! The LALR(1) driver: bison's parsing algorithm (the `yacc.c` skeleton)
//! over PostgreSQL's tables, fed through the look-ahead filter of
//! PostgreSQL's `parser.c` (`NOT` before `BETWEEN` is `NOT_LA`, ...).
//!
//! It keeps only the state stack: no semantic values are built, so it says
//! whether PostgreSQL's grammar takes the tokens and, when not, at which
//! token it stops, which is what PostgreSQL reports. It never recurses, and
//! stops where bison's own stack limit stops PostgreSQL ("memory
//! exhausted", 10,000 states deep).

use super::lexer::{Kind, LexError, Lexed, Token};
use super::tables::{FilterSymbols, Grammar};

/// bison's `YYMAXDEPTH`, which PostgreSQL keeps.
const MAX_DEPTH: usize = 10_000;

/// Why a parse ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The grammar took every token.
    Accepted,
    /// A trial parse shifted the token it was asked to get past.
    Past,
    Failed(Failure),
}

/// An error PostgreSQL's parser raises, located in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// PostgreSQL's message: `syntax error at or near "TABEL"`.
    pub message: String,
    /// Bytes the caret covers (empty at the end of the text).
    pub start: usize,
    pub end: usize,
    /// Index of the token where parsing stopped (`tokens.len()` at the end).
    pub token: usize,
    /// Whether it is the grammar's own `syntax error`, which a misspelt
    /// keyword may explain.
    pub is_syntax_error: bool,
    pub hint: Option<&'static str>,
}

/// The tokens of a text and the text itself.
pub(crate) struct Input<'a> {
    pub sql: &'a str,
    pub tokens: &'a [Lexed],
    pub grammar: &'a Grammar,
    pub filter: &'a FilterSymbols,
}

/// Where a parse stands before it reads a token: enough to go on from there.
#[derive(Clone, Debug)]
pub(crate) struct Resume {
    stack: Vec<i32>,
    index: usize,
}

/// Keeps the stack for a trial at `index`, the first time it is read.
fn keep(wanted: &mut [(usize, Option<Resume>)], index: usize, stack: &[i32]) {
    for (at, kept) in wanted.iter_mut() {
        if *at == index && kept.is_none() {
            *kept = Some(Resume {
                stack: stack.to_vec(),
                index,
            });
        }
    }
}

/// A token as the grammar receives it.
struct Lookahead {
    symbol: i32,
    /// Index of its first token.
    index: usize,
    /// How many lexer tokens it stands for (`U&'..' UESCAPE '!'` is three).
    width: usize,
}

impl Input<'_> {
    /// Parses from token `from` to the end of the text, as a list of
    /// statements. `substitute` replaces one token's kind (a trial with a
    /// keyword spelt right); `past` ends the parse with [`Stop::Past`] once
    /// the token after that index is shifted.
    pub(crate) fn parse(
        &self,
        from: usize,
        substitute: Option<(usize, Kind)>,
        past: Option<usize>,
    ) -> Stop {
        self.resume(
            Resume {
                stack: vec![0],
                index: from,
            },
            substitute,
            past,
            &mut [],
        )
    }

    /// Parses from `from` as [`Input::parse`] does, and keeps the parser's
    /// state at each of the `wanted` token indexes, sorted: the stack as it
    /// stands when that token is first needed, from which a trial with
    /// another token there can resume.
    pub(crate) fn parse_keeping(
        &self,
        from: usize,
        wanted: &mut [(usize, Option<Resume>)],
    ) -> Stop {
        self.resume(
            Resume {
                stack: vec![0],
                index: from,
            },
            None,
            None,
            wanted,
        )
    }

    /// Goes on from a kept state.
    pub(crate) fn resume(
        &self,
        start: Resume,
        substitute: Option<(usize, Kind)>,
        past: Option<usize>,
        wanted: &mut [(usize, Option<Resume>)],
    ) -> Stop {
        let grammar = self.grammar;
        let Resume {
            mut stack,
            mut index,
        } = start;
        let mut state = *stack.last().unwrap_or(&0);
        let mut lookahead: Option<Lookahead> = None;
        loop {
            if state == grammar.final_state {
                return Stop::Accepted;
            }
            let pact = grammar.pact(state);
            let mut rule = None;
            if pact != grammar.pact_ninf {
                let current = match lookahead.take() {
                    Some(current) => current,
                    None => {
                        keep(wanted, index, &stack);
                        match self.fetch(index, substitute) {
                            Ok(current) => current,
                            Err(failure) => return Stop::Failed(failure),
                        }
                    }
                };
                let at = pact + current.symbol;
                if (0..=grammar.last).contains(&at) && grammar.check(at) == current.symbol {
                    let action = grammar.table(at);
                    if action <= 0 {
                        if action == grammar.table_ninf {
                            return Stop::Failed(self.syntax_error(current.index));
                        }
                        rule = Some(-action);
                        lookahead = Some(current);
                    } else {
                        if past.is_some_and(|past| current.index > past) {
                            return Stop::Past;
                        }
                        state = action;
                        stack.push(state);
                        index = current.index + current.width;
                        if stack.len() >= MAX_DEPTH {
                            return Stop::Failed(self.exhausted(index));
                        }
                        continue;
                    }
                } else {
                    lookahead = Some(current);
                }
            }
            let rule = match rule {
                Some(rule) => rule,
                None => {
                    let rule = grammar.defact(state);
                    if rule == 0 {
                        let at = lookahead.as_ref().map_or(index, |current| current.index);
                        return Stop::Failed(self.syntax_error(at));
                    }
                    rule
                }
            };
            let length = grammar.rule_len(rule) as usize;
            stack.truncate(stack.len() - length);
            let top = *stack.last().expect("the start state is never popped");
            state = grammar.goto(grammar.rule_lhs(rule), top);
            stack.push(state);
            if stack.len() >= MAX_DEPTH {
                return Stop::Failed(self.exhausted(index));
            }
        }
    }

    fn kind(&self, index: usize, substitute: Option<(usize, Kind)>) -> Option<Result<Kind, ()>> {
        match self.tokens.get(index)? {
            Err(_) => Some(Err(())),
            Ok(token) => Some(Ok(match substitute {
                Some((at, kind)) if at == index => kind,
                _ => token.kind,
            })),
        }
    }

    /// The token at `index` as the grammar sees it, after the look-ahead
    /// filter of PostgreSQL's `base_yylex`.
    fn fetch(&self, index: usize, substitute: Option<(usize, Kind)>) -> Result<Lookahead, Failure> {
        let kind = match self.kind(index, substitute) {
            None => {
                return Ok(Lookahead {
                    symbol: 0,
                    index: self.tokens.len(),
                    width: 0,
                });
            }
            Some(Err(())) => return Err(self.lex_error(index)),
            Some(Ok(kind)) => kind,
        };
        let filter = self.filter;
        let mut width = 1;
        let kind = match kind {
            Kind::Keyword(keyword)
                if keyword == filter.not || keyword == filter.nulls || keyword == filter.with =>
            {
                match self.kind(index + 1, substitute) {
                    Some(Err(())) => return Err(self.lex_error(index + 1)),
                    Some(Ok(Kind::Keyword(next))) => {
                        let follows = |words: &[u16]| words.contains(&next);
                        if keyword == filter.not
                            && follows(&[
                                filter.between,
                                filter.in_,
                                filter.like,
                                filter.ilike,
                                filter.similar,
                            ])
                        {
                            Kind::NotLa
                        } else if keyword == filter.nulls && follows(&[filter.first, filter.last]) {
                            Kind::NullsLa
                        } else if keyword == filter.with
                            && follows(&[filter.time, filter.ordinality])
                        {
                            Kind::WithLa
                        } else {
                            kind
                        }
                    }
                    _ => kind,
                }
            }
            _ => {
                if let Ok(token) = &self.tokens[index]
                    && token.unicode
                {
                    width = self.unicode_escapes(index, token, substitute)?;
                }
                kind
            }
        };
        Ok(Lookahead {
            symbol: i32::from(self.grammar.symbol(kind)),
            index,
            width,
        })
    }

    /// Checks a `U&` literal and its `UESCAPE` clause, as `base_yylex` and
    /// `str_udeescape` do; returns how many tokens it spans.
    fn unicode_escapes(
        &self,
        index: usize,
        token: &Token,
        substitute: Option<(usize, Kind)>,
    ) -> Result<usize, Failure> {
        let mut escape = b'\\';
        let mut width = 1;
        match self.kind(index + 1, substitute) {
            Some(Err(())) => return Err(self.lex_error(index + 1)),
            Some(Ok(Kind::Keyword(keyword))) if keyword == self.filter.uescape => {
                let third = index + 2;
                let literal = match self.tokens.get(third) {
                    Some(Err(_)) => return Err(self.lex_error(third)),
                    Some(Ok(literal)) if literal.kind == Kind::SConst && !literal.unicode => {
                        literal
                    }
                    _ => {
                        return Err(self.failure_at(
                            third,
                            "UESCAPE must be followed by a simple string literal",
                        ));
                    }
                };
                let text = &self.sql.as_bytes()[literal.start..literal.end];
                let valid = text.len() == 3
                    && text[0] == b'\''
                    && text[2] == b'\''
                    && !text[1].is_ascii_hexdigit()
                    && !matches!(
                        text[1],
                        b'+' | b'\'' | b'"' | b' ' | b'\t' | b'\n' | b'\r' | b'\x0c'
                    );
                if !valid {
                    return Err(self.failure_at(third, "invalid Unicode escape character"));
                }
                escape = text[1];
                width = 3;
            }
            _ => {}
        }
        // The body between `U&'` (or `U&"`) and the closing quote.
        let body = &self.sql.as_bytes()[token.start + 3..token.end - 1];
        let mut at = 0;
        while at < body.len() {
            if body[at] != escape {
                at += 1;
                continue;
            }
            if body.get(at + 1) == Some(&escape) {
                at += 2;
                continue;
            }
            let digits = if body.get(at + 1) == Some(&b'+') {
                6
            } else {
                4
            };
            let hex_start = if digits == 6 { at + 2 } else { at + 1 };
            let hex = body.get(hex_start..hex_start + digits);
            let Some(hex) = hex.filter(|hex| hex.iter().all(u8::is_ascii_hexdigit)) else {
                let position = token.start + 3 + at;
                return Err(Failure {
                    message: "invalid Unicode escape".to_owned(),
                    start: position,
                    end: position + 1,
                    token: index,
                    is_syntax_error: false,
                    hint: Some("Unicode escapes must be \\XXXX or \\+XXXXXX."),
                });
            };
            let code =
                u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("0"), 16).unwrap_or(0);
            if code == 0 || code > 0x10FFFF {
                let position = token.start + 3 + at;
                return Err(Failure {
                    message: "invalid Unicode escape value".to_owned(),
                    start: position,
                    end: position + 1,
                    token: index,
                    is_syntax_error: false,
                    hint: None,
                });
            }
            at = hex_start + digits;
        }
        Ok(width)
    }

    fn text(&self, start: usize, end: usize) -> &str {
        self.sql.get(start..end).unwrap_or("")
    }

    /// `syntax error at or near "x"`, or `at end of input`.
    fn syntax_error(&self, index: usize) -> Failure {
        let mut failure = self.failure_at(index, "syntax error");
        failure.is_syntax_error = true;
        failure
    }

    fn exhausted(&self, index: usize) -> Failure {
        // PostgreSQL quotes the last token it read.
        self.failure_at(index.saturating_sub(1), "memory exhausted")
    }

    /// `<message> at or near "<token>"` at token `index`.
    fn failure_at(&self, index: usize, message: &str) -> Failure {
        match self.tokens.get(index) {
            Some(Ok(token)) => Failure {
                message: format!(
                    "{message} at or near \"{}\"",
                    near(self.text(token.start, token.end))
                ),
                start: token.start,
                end: token.end,
                token: index,
                is_syntax_error: false,
                hint: None,
            },
            Some(Err(error)) => Failure {
                message: format!(
                    "{message} at or near \"{}\"",
                    near(self.text(error.at, error.at + 1))
                ),
                start: error.at,
                end: error.at + 1,
                token: index,
                is_syntax_error: false,
                hint: None,
            },
            None => Failure {
                message: format!("{message} at end of input"),
                start: self.sql.len(),
                end: self.sql.len(),
                token: self.tokens.len(),
                is_syntax_error: false,
                hint: None,
            },
        }
    }

    fn lex_error(&self, index: usize) -> Failure {
        let Some(Err(error)) = self.tokens.get(index) else {
            return self.failure_at(index, "syntax error");
        };
        lex_failure(self.sql, error, index)
    }
}

/// A lexer error as PostgreSQL words it.
pub(crate) fn lex_failure(sql: &str, error: &LexError, index: usize) -> Failure {
    let message = match error.near_end {
        Some(_) if error.at >= sql.len() => format!("{} at end of input", error.message),
        Some(end) => format!(
            "{} at or near \"{}\"",
            error.message,
            near(sql.get(error.at..end).unwrap_or(""))
        ),
        None => error.message.to_owned(),
    };
    let end = error
        .near_end
        .map_or(error.at + 1, |end| end.min(line_end(sql, error.at)));
    Failure {
        message,
        start: error.at,
        end: end.max(error.at + 1).min(sql.len()),
        token: index,
        is_syntax_error: false,
        hint: error.hint,
    }
}

fn line_end(sql: &str, from: usize) -> usize {
    sql.get(from..)
        .and_then(|rest| rest.find(['\n', '\r']))
        .map_or(sql.len(), |offset| from + offset)
}

/// The text PostgreSQL quotes after "at or near": the token, or for an
/// unterminated literal the rest of the text, which is cut at its first
/// line here to keep the message readable.
fn near(text: &str) -> String {
    const LIMIT: usize = 60;
    let first_line = text.split(['\n', '\r']).next().unwrap_or("");
    let cut = first_line.len() < text.len();
    if first_line.chars().count() > LIMIT {
        let shown: String = first_line.chars().take(LIMIT).collect();
        return format!("{shown}...");
    }
    if cut {
        format!("{first_line}...")
    } else {
        first_line.to_owned()
    }
}
