//! `EXECUTE` of SQL a `DO` block builds before it runs: what the string
//! expression evaluates to, when its shape is known from the text alone.
//!
//! The expression is read as PL/pgSQL evaluates it: string literals,
//! numbers, `NULL`, `||`, casts to text, the block's variables whose value
//! is known at that point (assigned only literals so far, see
//! [`Body::assign`]), and the functions that build SQL: `format()` (with
//! PostgreSQL's rules for `%s`, `%I`, `%L`, `%%`, `n$` positions, `-` and
//! widths), `quote_ident()`, `quote_literal()`, `quote_nullable()` and
//! `concat()`. A value not known before the block runs may stand where
//! only a value goes (`%L`, `quote_literal(v)`): it is replaced by a
//! placeholder literal, which leaves the statement's shape as it is.
//! Anywhere else (a name from `%I` or `%s`, a format string read from a
//! table) the shape depends on run-time data and the caller warns.
//!
//! Each byte of the built text remembers where it was written in the
//! migration file, when it was written there as it is, so that what the
//! fold finds in the built SQL points into the string that holds it.

use std::ops::Range;

use sqlparser::tokenizer::Token;

use super::Body;

/// What a value not known before the block runs becomes where only a value
/// stands: a literal, so that the statement parses and keeps its shape.
pub(super) const PLACEHOLDER: &str = "'?'";

/// Text the block builds, with the file offset each byte was written at.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct Built {
    pub text: String,
    origin: Vec<Option<usize>>,
    /// Whether a placeholder stands for a value known only at run time.
    pub placeholders: bool,
}

impl Built {
    fn plain(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            origin: vec![None; text.len()],
            placeholders: false,
        }
    }

    /// An integer's text, as `%s` prints it.
    pub(super) fn number(value: i64) -> Self {
        Self::plain(&value.to_string())
    }

    /// Text written as it is in the file from offset `at` on.
    fn written(text: &str, at: usize) -> Self {
        Self {
            text: text.to_owned(),
            origin: (at..at + text.len()).map(Some).collect(),
            placeholders: false,
        }
    }

    fn push(&mut self, other: &Built) {
        self.text.push_str(&other.text);
        self.origin.extend_from_slice(&other.origin);
        self.placeholders |= other.placeholders;
    }

    fn push_plain(&mut self, text: &str) {
        self.text.push_str(text);
        self.origin.extend(std::iter::repeat_n(None, text.len()));
    }

    /// The file range a range of the built text was written at, when it was
    /// written there as it is.
    pub(super) fn file_range(&self, range: &Range<usize>) -> Option<Range<usize>> {
        let start = (*self.origin.get(range.start)?)?;
        let last = if range.end > range.start {
            (*self.origin.get(range.end - 1)?)?
        } else {
            start
        };
        (last >= start && last - start == range.end.max(range.start + 1) - range.start - 1)
            .then_some(start..last + 1)
    }
}

/// What an expression of the block evaluates to, before the block runs.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Eval {
    Text(Built),
    Null,
    /// Not known before the block runs: what it depends on, for messages
    /// (`the value of "name"`).
    Unknown(String),
    /// PostgreSQL raises this error when it evaluates the expression.
    Fails(String),
}

impl Eval {
    fn unknown(what: impl Into<String>) -> Self {
        Self::Unknown(what.into())
    }

    /// A value where only a value stands (`%L`, `quote_literal`): its
    /// literal, or the placeholder when it is not known.
    fn literal(self) -> Self {
        match self {
            Eval::Text(text) => Eval::Text(Built::plain(&quote_literal(&text.text))),
            Eval::Unknown(_) => Eval::Text(Built {
                placeholders: true,
                ..Built::plain(PLACEHOLDER)
            }),
            other => other,
        }
    }
}

/// PostgreSQL's `quote_literal`: quotes doubled, and an `E''` string with
/// doubled backslashes when the text holds one.
fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// Reads an expression from a range of the body's tokens.
pub(super) struct Reader<'b, 'a> {
    body: &'b Body<'a>,
    at: usize,
    end: usize,
    /// Whether what is not known reads as a placeholder word, to see the
    /// kind of statement a text built from run-time data is.
    lenient: bool,
}

impl<'b, 'a> Reader<'b, 'a> {
    pub(super) fn new(body: &'b Body<'a>, range: Range<usize>) -> Self {
        Self {
            body,
            at: range.start,
            end: range.end,
            lenient: false,
        }
    }

    /// A reader that takes what is not known for a placeholder word.
    pub(super) fn lenient(body: &'b Body<'a>, range: Range<usize>) -> Self {
        Self {
            lenient: true,
            ..Self::new(body, range)
        }
    }

    /// The whole range as one expression.
    pub(super) fn read(mut self) -> Eval {
        let value = self.concatenation();
        if self.at != self.end {
            return Eval::unknown("an expression the fold does not evaluate");
        }
        value
    }

    fn token(&self) -> Option<&Token> {
        if self.at < self.end {
            self.body.token(self.at)
        } else {
            None
        }
    }

    /// `term || term || ..`: text, `NULL` when one of them is.
    fn concatenation(&mut self) -> Eval {
        let mut value = self.cast();
        while matches!(self.token(), Some(Token::StringConcat)) {
            self.at += 1;
            let next = self.cast();
            value = match (value, next) {
                (Eval::Fails(error), _) | (_, Eval::Fails(error)) => Eval::Fails(error),
                (Eval::Unknown(what), _) | (_, Eval::Unknown(what)) => Eval::Unknown(what),
                (Eval::Null, _) | (_, Eval::Null) => Eval::Null,
                (Eval::Text(mut left), Eval::Text(right)) => {
                    left.push(&right);
                    Eval::Text(left)
                }
            };
        }
        value
    }

    /// A primary with `::type` casts: to a text type it stays as it is.
    fn cast(&mut self) -> Eval {
        let value = self.cast_unless_lenient();
        match value {
            Eval::Unknown(_) if self.lenient => Eval::Text(Built {
                placeholders: true,
                ..Built::plain("x")
            }),
            other => other,
        }
    }

    fn cast_unless_lenient(&mut self) -> Eval {
        let mut value = self.primary();
        while matches!(self.token(), Some(Token::DoubleColon)) {
            self.at += 1;
            let Some(name) = self.body.keyword(self.at).filter(|_| self.at < self.end) else {
                return Eval::unknown("a cast the fold does not evaluate");
            };
            self.at += 1;
            let texty = matches!(name.as_str(), "TEXT" | "VARCHAR" | "NAME")
                || (name == "CHARACTER" && self.body.is(self.at, "VARYING") && {
                    self.at += 1;
                    true
                });
            if !texty && value != Eval::Null {
                value = Eval::unknown(format!("a cast to {}", name.to_lowercase()));
            }
        }
        value
    }

    fn primary(&mut self) -> Eval {
        let at = self.at;
        let Some(token) = self.token() else {
            return Eval::unknown("an expression the fold does not evaluate");
        };
        let value = match token {
            Token::SingleQuotedString(value) => self.string(value, 1),
            Token::DollarQuotedString(quoted) => self.string(
                &quoted.value,
                quoted.tag.as_ref().map_or(0, String::len) + 2,
            ),
            Token::EscapedStringLiteral(value) | Token::NationalStringLiteral(value) => {
                Eval::Text(Built::plain(value))
            }
            Token::Number(number, _) => Eval::Text(Built::plain(number)),
            Token::LParen => {
                self.at += 1;
                let value = self.concatenation();
                if !matches!(self.token(), Some(Token::RParen)) {
                    return Eval::unknown("an expression the fold does not evaluate");
                }
                value
            }
            Token::Word(word)
                if word.quote_style.is_none() && word.value.eq_ignore_ascii_case("NULL") =>
            {
                Eval::Null
            }
            Token::Word(_) if matches!(self.body.token(at + 1), Some(Token::LParen)) => {
                return self.call();
            }
            Token::Word(_) => {
                let name = self.body.word(at).unwrap_or_default();
                self.body.value_of(&name)
            }
            _ => Eval::unknown("an expression the fold does not evaluate"),
        };
        self.at += 1;
        value
    }

    /// A string literal token at `self.at` whose text starts `opening`
    /// bytes into the token.
    fn string(&self, value: &str, opening: usize) -> Eval {
        let range = &self.body.ranges[self.at];
        let start = range.start + opening;
        let written = self.body.text.get(start..start + value.len());
        Eval::Text(if written == Some(value) {
            Built::written(value, self.body.base + start)
        } else {
            Built::plain(value)
        })
    }

    /// `name(arguments)` at `self.at`.
    fn call(&mut self) -> Eval {
        let name = self.body.word(self.at).unwrap_or_default();
        self.at += 2;
        let mut arguments = Vec::new();
        if matches!(self.token(), Some(Token::RParen)) {
            self.at += 1;
        } else {
            loop {
                arguments.push(self.concatenation());
                match self.token() {
                    Some(Token::Comma) => self.at += 1,
                    Some(Token::RParen) => {
                        self.at += 1;
                        break;
                    }
                    _ => return Eval::unknown("an expression the fold does not evaluate"),
                }
            }
        }
        if let Some(failed) = arguments.iter().find(|a| matches!(a, Eval::Fails(_))) {
            return failed.clone();
        }
        match (name.as_str(), arguments.as_slice()) {
            ("format", [format_string, rest @ ..]) => match format_string {
                Eval::Text(format_string) => format(format_string, rest),
                Eval::Null => Eval::Null,
                Eval::Unknown(what) => Eval::unknown(format!("a format string from {what}")),
                Eval::Fails(error) => Eval::Fails(error.clone()),
            },
            ("quote_ident", [value]) => match value {
                Eval::Text(text) => Eval::Text(identifier(text)),
                other => other.clone(),
            },
            ("quote_literal", [value]) => value.clone().literal(),
            ("quote_nullable", [value]) => match value {
                Eval::Null => Eval::Text(Built::plain("NULL")),
                other => other.clone().literal(),
            },
            ("concat", values) => {
                let mut built = Built::default();
                for value in values {
                    match value {
                        Eval::Text(text) => built.push(text),
                        Eval::Null => {}
                        other => return other.clone(),
                    }
                }
                Eval::Text(built)
            }
            _ => Eval::unknown(format!("{name}()")),
        }
    }
}

/// `quote_ident` of built text: written as it is when it needs no quotes.
fn identifier(text: &Built) -> Built {
    let quoted = migrate_core::ddl::quote_ident(&text.text);
    if quoted == text.text {
        text.clone()
    } else {
        Built::plain(&quoted)
    }
}

/// PostgreSQL's `format(format_string, arguments..)`.
fn format(format_string: &Built, arguments: &[Eval]) -> Eval {
    let text = &format_string.text;
    let bytes = text.as_bytes();
    let mut out = Built::default();
    // The argument an unnumbered specifier takes next (0-based).
    let mut next = 0;
    let mut at = 0;
    let unterminated = || Eval::Fails("unterminated format() type specifier".to_owned());
    let too_few = || Eval::Fails("too few arguments for format()".to_owned());
    while at < bytes.len() {
        let Some(percent) = text[at..].find('%').map(|offset| at + offset) else {
            break;
        };
        out.push(&slice(format_string, at..percent));
        at = percent + 1;
        if at >= bytes.len() {
            return unterminated();
        }
        if bytes[at] == b'%' {
            out.push(&slice(format_string, at..at + 1));
            at += 1;
            continue;
        }
        // [n$]
        let (number, after) = digits(bytes, at);
        let mut position = None;
        if let Some(number) = number
            && bytes.get(after) == Some(&b'$')
        {
            if number == 0 {
                return Eval::Fails(
                    "format specifies argument 0, but arguments are numbered from 1".to_owned(),
                );
            }
            position = Some(number - 1);
            at = after + 1;
        }
        // [-]
        let mut left = false;
        while bytes.get(at) == Some(&b'-') {
            left = true;
            at += 1;
        }
        // [width | * | *n$]
        let mut width = 0usize;
        if bytes.get(at) == Some(&b'*') {
            at += 1;
            let (number, after) = digits(bytes, at);
            let index = match number {
                Some(number) if bytes.get(after) == Some(&b'$') => {
                    if number == 0 {
                        return Eval::Fails(
                            "format specifies argument 0, but arguments are numbered from 1"
                                .to_owned(),
                        );
                    }
                    at = after + 1;
                    number - 1
                }
                _ => {
                    let index = next;
                    next += 1;
                    index
                }
            };
            let Some(argument) = arguments.get(index) else {
                return too_few();
            };
            match argument {
                Eval::Null => {}
                Eval::Text(value) => match value.text.trim().parse::<i64>() {
                    Ok(number) => {
                        left |= number < 0;
                        width = number.unsigned_abs() as usize;
                    }
                    Err(_) => return Eval::unknown("a width the fold does not evaluate"),
                },
                other => return other.clone(),
            }
        } else {
            let (number, after) = digits(bytes, at);
            if let Some(number) = number {
                width = number;
                at = after;
            }
        }
        let Some(&kind) = bytes.get(at) else {
            return unterminated();
        };
        let index = position.unwrap_or(next);
        next = index + 1;
        if !matches!(kind, b's' | b'I' | b'L') {
            let shown = text[at..].chars().next().unwrap_or('%');
            return Eval::Fails(format!("unrecognized format() type specifier \"{shown}\""));
        }
        at += 1;
        let Some(argument) = arguments.get(index) else {
            return too_few();
        };
        let value = match (kind, argument) {
            (_, Eval::Fails(error)) => return Eval::Fails(error.clone()),
            (b's', Eval::Null) => Built::default(),
            (b's', Eval::Text(value)) => value.clone(),
            (b's', Eval::Unknown(what)) => return Eval::unknown(format!("{what} in a %s")),
            (b'I', Eval::Null) => {
                return Eval::Fails(
                    "null values cannot be formatted as an SQL identifier".to_owned(),
                );
            }
            (b'I', Eval::Text(value)) => identifier(value),
            (b'I', Eval::Unknown(what)) => return Eval::unknown(format!("{what} in a %I")),
            (_, Eval::Null) => Built::plain("NULL"),
            (_, value) => match value.clone().literal() {
                Eval::Text(literal) => literal,
                other => return other,
            },
        };
        let padding = width.saturating_sub(value.text.chars().count());
        if !left {
            out.push_plain(&" ".repeat(padding));
        }
        out.push(&value);
        if left {
            out.push_plain(&" ".repeat(padding));
        }
    }
    if at < bytes.len() {
        out.push(&slice(format_string, at..bytes.len()));
    }
    Eval::Text(out)
}

fn slice(built: &Built, range: Range<usize>) -> Built {
    Built {
        text: built.text[range.clone()].to_owned(),
        origin: built.origin[range].to_vec(),
        placeholders: false,
    }
}

/// The decimal number at `at`, if any, and the index after it.
fn digits(bytes: &[u8], at: usize) -> (Option<usize>, usize) {
    let end = (at..bytes.len())
        .find(|index| !bytes[*index].is_ascii_digit())
        .unwrap_or(bytes.len());
    let number = std::str::from_utf8(&bytes[at..end])
        .ok()
        .and_then(|digits| digits.parse().ok());
    (number, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Eval {
        Eval::Text(Built::plain(value))
    }

    fn run(format_string: &str, arguments: &[Eval]) -> Eval {
        format(&Built::plain(format_string), arguments)
    }

    fn shown(eval: Eval) -> String {
        match eval {
            Eval::Text(built) => built.text,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn format_follows_postgres() {
        // Each expected text is what PostgreSQL 15's format() returns.
        let cases: [(&str, Vec<Eval>, &str); 10] = [
            (
                "ALTER TABLE %I ADD %s int",
                vec![text("Users"), text("n")],
                "ALTER TABLE \"Users\" ADD n int",
            ),
            (
                "%I.%I",
                vec![text("public"), text("select")],
                "public.\"select\"",
            ),
            ("DEFAULT %L", vec![text("it's")], "DEFAULT 'it''s'"),
            ("DEFAULT %L", vec![Eval::Null], "DEFAULT NULL"),
            ("DEFAULT %L", vec![Eval::unknown("v")], "DEFAULT '?'"),
            ("100%% %s", vec![Eval::Null], "100% "),
            ("%2$s %1$s %s", vec![text("a"), text("b")], "b a b"),
            ("[%5s|%-5s]", vec![text("ab"), text("cd")], "[   ab|cd   ]"),
            ("[%*s]", vec![text("-4"), text("x")], "[x   ]"),
            ("%L", vec![text("a\\b")], "E'a\\\\b'"),
        ];
        for (format_string, arguments, expected) in cases {
            assert_eq!(
                shown(run(format_string, &arguments)),
                expected,
                "{format_string}"
            );
        }
    }

    #[test]
    fn format_errors_are_postgres_words() {
        assert_eq!(
            run("%s %s", &[text("a")]),
            Eval::Fails("too few arguments for format()".to_owned())
        );
        assert_eq!(
            run("%d", &[text("1")]),
            Eval::Fails("unrecognized format() type specifier \"d\"".to_owned())
        );
        assert_eq!(
            run("a %", &[]),
            Eval::Fails("unterminated format() type specifier".to_owned())
        );
        assert_eq!(
            run("%I", &[Eval::Null]),
            Eval::Fails("null values cannot be formatted as an SQL identifier".to_owned())
        );
        assert!(matches!(run("%I", &[Eval::unknown("v")]), Eval::Unknown(_)));
    }

    #[test]
    fn written_text_maps_back_to_the_file() {
        let built = match format(&Built::written("ALTER TABLE %I x", 100), &[text("t")]) {
            Eval::Text(built) => built,
            other => panic!("{other:?}"),
        };
        assert_eq!(built.text, "ALTER TABLE t x");
        assert_eq!(built.file_range(&(0..5)), Some(100..105));
        assert_eq!(built.file_range(&(12..13)), None);
        assert_eq!(built.file_range(&(14..15)), Some(115..116));
    }
}
