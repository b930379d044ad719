//! PostgreSQL's lexer (`scan.l`), rewritten by hand: the same tokens, the
//! same boundaries and the same errors, for `standard_conforming_strings =
//! on` (PostgreSQL's default since 9.1).
//!
//! It works on bytes, as flex does: every byte from 0x80 up may start or
//! continue an identifier, so a no-break space pasted after `1` makes
//! `trailing junk after numeric literal`, as in PostgreSQL.

/// What a token is, as the grammar sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier that is not a keyword, or any quoted identifier.
    Ident,
    /// A number with a fraction or exponent, or an integer too large for `int4`.
    FConst,
    /// A string constant: `'..'`, `E'..'`, `U&'..'`, `$$..$$`.
    SConst,
    /// `B'..'`.
    BConst,
    /// `X'..'`.
    XConst,
    /// An operator that is not one of the characters or pairs below.
    Op,
    /// An integer that fits `int4`.
    IConst,
    /// `$1`.
    Param,
    /// `::`.
    Typecast,
    /// `..`.
    DotDot,
    /// `:=`.
    ColonEquals,
    /// `=>`.
    EqualsGreater,
    /// `<=`.
    LessEquals,
    /// `>=`.
    GreaterEquals,
    /// `<>` or `!=`.
    NotEquals,
    /// A keyword, by its index in the keyword list.
    Keyword(u16),
    /// A single character: `,()[].;:+-*/%^<>=` or any character no rule takes.
    Char(u8),
    /// `NOT` before `BETWEEN`, `IN`, `LIKE`, `ILIKE` or `SIMILAR`.
    NotLa,
    /// `NULLS` before `FIRST` or `LAST`.
    NullsLa,
    /// `WITH` before `TIME` or `ORDINALITY`.
    WithLa,
}

/// One token: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// `U&".."` or `U&'..'`, whose escapes the look-ahead filter reads,
    /// with a `UESCAPE` clause if one follows.
    pub unicode: bool,
}

/// An error PostgreSQL's lexer raises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LexError {
    pub message: &'static str,
    /// Where PostgreSQL's cursor points.
    pub at: usize,
    /// End of the text PostgreSQL quotes after "at or near"; `None` for
    /// errors that quote nothing (`invalid Unicode escape`).
    pub near_end: Option<usize>,
    pub hint: Option<&'static str>,
}

/// A token or the error that stopped the lexer.
pub(crate) type Lexed = Result<Token, LexError>;

const SELF_CHARS: &[u8] = b",()[].;:+-*/%^<>=";
const OP_CHARS: &[u8] = b"~!@#^&|`?+-*/%<>=";
/// Characters that keep a trailing `+` or `-` on an operator (`@-`).
const OP_KEEPS_SIGN: &[u8] = b"~!@#^&|`?%";
/// `NAMEDATALEN`: operators this long are refused.
const NAMEDATALEN: usize = 64;

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_cont(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// The lexer over one text.
pub(crate) struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    grammar: &'a super::tables::Grammar,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(sql: &'a str, grammar: &'a super::tables::Grammar) -> Self {
        Self {
            src: sql.as_bytes(),
            pos: 0,
            grammar,
        }
    }

    fn at(&self, index: usize) -> u8 {
        self.src.get(index).copied().unwrap_or(0)
    }

    fn has(&self, index: usize) -> bool {
        index < self.src.len()
    }

    fn token(&mut self, kind: Kind, start: usize, end: usize) -> Option<Lexed> {
        self.pos = end;
        Some(Ok(Token {
            kind,
            start,
            end,
            unicode: false,
        }))
    }

    fn error(
        &mut self,
        message: &'static str,
        at: usize,
        near_end: Option<usize>,
    ) -> Option<Lexed> {
        // Reading goes on after the offending text, so that later
        // statements are checked too.
        self.pos = near_end.unwrap_or(at + 1).max(at + 1).min(self.src.len());
        Some(Err(LexError {
            message,
            at,
            near_end,
            hint: None,
        }))
    }

    /// Skips whitespace and comments; an unterminated `/*` comment is an error.
    fn skip_blank(&mut self) -> Result<(), LexError> {
        loop {
            let byte = self.at(self.pos);
            if !self.has(self.pos) {
                return Ok(());
            }
            if is_space(byte) {
                self.pos += 1;
            } else if byte == b'-' && self.at(self.pos + 1) == b'-' {
                while self.has(self.pos) && !matches!(self.at(self.pos), b'\n' | b'\r') {
                    self.pos += 1;
                }
            } else if byte == b'/' && self.at(self.pos + 1) == b'*' {
                let start = self.pos;
                let mut depth = 0usize;
                self.pos += 2;
                loop {
                    if !self.has(self.pos) {
                        return Err(LexError {
                            message: "unterminated /* comment",
                            at: start,
                            near_end: Some(self.src.len()),
                            hint: None,
                        });
                    }
                    if self.at(self.pos) == b'/' && self.at(self.pos + 1) == b'*' {
                        depth += 1;
                        self.pos += 2;
                    } else if self.at(self.pos) == b'*' && self.at(self.pos + 1) == b'/' {
                        self.pos += 2;
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                    } else {
                        self.pos += 1;
                    }
                }
            } else {
                return Ok(());
            }
        }
    }

    /// The next token, `None` at the end of the text.
    pub(crate) fn next_token(&mut self) -> Option<Lexed> {
        if let Err(error) = self.skip_blank() {
            self.pos = self.src.len();
            return Some(Err(error));
        }
        if !self.has(self.pos) {
            return None;
        }
        let start = self.pos;
        let byte = self.at(start);
        let next = self.at(start + 1);
        match byte {
            b'\'' => self.quoted_string(start, start + 1, Kind::SConst, Quoting::Standard),
            b'"' => self.quoted_identifier(start, start + 1),
            b'b' | b'B' if next == b'\'' => {
                self.quoted_string(start, start + 2, Kind::BConst, Quoting::Bits)
            }
            b'x' | b'X' if next == b'\'' => {
                self.quoted_string(start, start + 2, Kind::XConst, Quoting::Hex)
            }
            b'e' | b'E' if next == b'\'' => {
                self.quoted_string(start, start + 2, Kind::SConst, Quoting::Escapes)
            }
            b'n' | b'N' if next == b'\'' => {
                // N'..': the keyword NCHAR, then the string.
                match self.grammar.keyword(b"nchar") {
                    Some(index) => self.token(Kind::Keyword(index), start, start + 1),
                    None => self.token(Kind::Ident, start, start + 1),
                }
            }
            b'u' | b'U' if next == b'&' => match self.at(start + 2) {
                b'\'' => {
                    let lexed =
                        self.quoted_string(start, start + 3, Kind::SConst, Quoting::Standard);
                    mark_unicode(lexed)
                }
                b'"' => {
                    let lexed = self.quoted_identifier(start, start + 3);
                    mark_unicode(lexed)
                }
                // `U&` alone is the identifier `u` and the operator `&`.
                _ => self.token(Kind::Ident, start, start + 1),
            },
            b'$' if next.is_ascii_digit() => {
                let mut end = start + 1;
                while self.at(end).is_ascii_digit() && self.has(end) {
                    end += 1;
                }
                if self.has(end) && is_ident_start(self.at(end)) {
                    let junk_end = self.identifier_end(end);
                    return self.error("trailing junk after parameter", start, Some(junk_end));
                }
                self.token(Kind::Param, start, end)
            }
            b'$' => self.dollar(start),
            b'0'..=b'9' => self.number(start),
            b'.' if next.is_ascii_digit() => self.number(start),
            b'.' if next == b'.' => self.token(Kind::DotDot, start, start + 2),
            b':' if next == b':' => self.token(Kind::Typecast, start, start + 2),
            b':' if next == b'=' => self.token(Kind::ColonEquals, start, start + 2),
            _ if is_ident_start(byte) => {
                let end = self.identifier_end(start);
                let kind = match self.grammar.keyword(&self.src[start..end]) {
                    Some(index) => Kind::Keyword(index),
                    None => Kind::Ident,
                };
                self.token(kind, start, end)
            }
            _ if OP_CHARS.contains(&byte) => self.operator(start),
            _ => self.token(Kind::Char(byte), start, start + 1),
        }
    }

    fn identifier_end(&self, start: usize) -> usize {
        let mut end = start + 1;
        while self.has(end) && is_ident_cont(self.at(end)) {
            end += 1;
        }
        end
    }

    fn operator(&mut self, start: usize) -> Option<Lexed> {
        let mut run_end = start;
        while self.has(run_end) && OP_CHARS.contains(&self.at(run_end)) {
            run_end += 1;
        }
        // A comment starting inside the run ends the operator.
        let run = &self.src[start..run_end];
        let mut length = run.len();
        if let Some(cut) = run
            .windows(2)
            .position(|pair| pair == b"/*" || pair == b"--")
        {
            length = cut;
        }
        // `a=-1` is `=` then `-1`: a trailing sign is dropped unless the
        // operator has a character that cannot start an expression.
        if length > 1 && matches!(run[length - 1], b'+' | b'-') {
            let keeps = run[..length - 1]
                .iter()
                .any(|byte| OP_KEEPS_SIGN.contains(byte));
            if !keeps {
                while length > 1 && matches!(run[length - 1], b'+' | b'-') {
                    length -= 1;
                }
            }
        }
        let end = start + length;
        let text = &self.src[start..end];
        let kind = match text {
            [single] if SELF_CHARS.contains(single) => Kind::Char(*single),
            b"=>" => Kind::EqualsGreater,
            b">=" => Kind::GreaterEquals,
            b"<=" => Kind::LessEquals,
            b"<>" | b"!=" => Kind::NotEquals,
            _ if length >= NAMEDATALEN => {
                return self.error("operator too long", start, Some(end));
            }
            _ => Kind::Op,
        };
        self.token(kind, start, end)
    }

    fn number(&mut self, start: usize) -> Option<Lexed> {
        let digits_end = |lexer: &Self, mut at: usize| {
            while lexer.has(at) && lexer.at(at).is_ascii_digit() {
                at += 1;
            }
            at
        };
        let mut end = digits_end(self, start);
        let mut integer = true;
        if self.at(end) == b'.' && self.has(end) {
            if self.at(end + 1) == b'.' && end > start {
                // `1..2`: the integer, then `..`.
                return self.integer(start, end);
            }
            integer = false;
            end = digits_end(self, end + 1);
        }
        if matches!(self.at(end), b'e' | b'E') && self.has(end) {
            let mut exponent = end + 1;
            if matches!(self.at(exponent), b'+' | b'-') {
                exponent += 1;
                if !self.at(exponent).is_ascii_digit() || !self.has(exponent) {
                    return self.error(
                        "trailing junk after numeric literal",
                        start,
                        Some(exponent),
                    );
                }
            }
            if self.at(exponent).is_ascii_digit() && self.has(exponent) {
                integer = false;
                end = digits_end(self, exponent);
            }
        }
        if self.has(end) && is_ident_start(self.at(end)) {
            let junk_end = self.identifier_end(end);
            return self.error("trailing junk after numeric literal", start, Some(junk_end));
        }
        if integer {
            self.integer(start, end)
        } else {
            self.token(Kind::FConst, start, end)
        }
    }

    fn integer(&mut self, start: usize, end: usize) -> Option<Lexed> {
        let text = std::str::from_utf8(&self.src[start..end]).unwrap_or("");
        let kind = match text.parse::<i64>() {
            Ok(value) if i32::try_from(value).is_ok() => Kind::IConst,
            _ => Kind::FConst,
        };
        self.token(kind, start, end)
    }

    /// `$tag$ .. $tag$`, or a lone `$`.
    fn dollar(&mut self, start: usize) -> Option<Lexed> {
        let mut tag_end = start + 1;
        if self.has(tag_end) && is_ident_start(self.at(tag_end)) && self.at(tag_end) != b'$' {
            tag_end += 1;
            while self.has(tag_end)
                && (is_ident_start(self.at(tag_end)) || self.at(tag_end).is_ascii_digit())
            {
                tag_end += 1;
            }
        }
        if self.at(tag_end) != b'$' || !self.has(tag_end) {
            // `$foo` without a closing `$`: the character `$` alone.
            return self.token(Kind::Char(b'$'), start, start + 1);
        }
        let delimiter = &self.src[start..=tag_end];
        let body = tag_end + 1;
        match find(&self.src[body..], delimiter) {
            Some(at) => self.token(Kind::SConst, start, body + at + delimiter.len()),
            None => self.error(
                "unterminated dollar-quoted string",
                start,
                Some(self.src.len()),
            ),
        }
    }

    fn quoted_identifier(&mut self, start: usize, body: usize) -> Option<Lexed> {
        let mut at = body;
        loop {
            if !self.has(at) {
                return self.error(
                    "unterminated quoted identifier",
                    start,
                    Some(self.src.len()),
                );
            }
            if self.at(at) == b'"' {
                if self.at(at + 1) == b'"' && self.has(at + 1) {
                    at += 2;
                    continue;
                }
                if at == body {
                    return self.error("zero-length delimited identifier", start, Some(at + 1));
                }
                return self.token(Kind::Ident, start, at + 1);
            }
            at += 1;
        }
    }

    fn quoted_string(
        &mut self,
        start: usize,
        body: usize,
        kind: Kind,
        quoting: Quoting,
    ) -> Option<Lexed> {
        let mut at = body;
        loop {
            if !self.has(at) {
                let message = match quoting {
                    Quoting::Bits => "unterminated bit string literal",
                    Quoting::Hex => "unterminated hexadecimal string literal",
                    Quoting::Standard | Quoting::Escapes => "unterminated quoted string",
                };
                return self.error(message, start, Some(self.src.len()));
            }
            let byte = self.at(at);
            if byte == b'\'' {
                if !matches!(quoting, Quoting::Bits | Quoting::Hex)
                    && self.at(at + 1) == b'\''
                    && self.has(at + 1)
                {
                    at += 2;
                    continue;
                }
                // The string may go on in another quote after a newline.
                match self.continuation(at + 1) {
                    Some(next_quote) => {
                        at = next_quote + 1;
                        continue;
                    }
                    None => return self.token(kind, start, at + 1),
                }
            }
            if byte == b'\\' && quoting == Quoting::Escapes {
                match self.escape(at) {
                    Ok(next) => at = next,
                    Err(error) => {
                        self.pos = error.near_end.unwrap_or(error.at + 1).min(self.src.len());
                        return Some(Err(error));
                    }
                }
                continue;
            }
            at += 1;
        }
    }

    /// After a closing quote at `from - 1`: the next quote that continues
    /// the string, when only whitespace with a newline (and comments) lies
    /// between.
    fn continuation(&self, from: usize) -> Option<usize> {
        let mut at = from;
        // Horizontal space and comments, then a newline.
        loop {
            match self.at(at) {
                b' ' | b'\t' | b'\x0c' if self.has(at) => at += 1,
                b'-' if self.at(at + 1) == b'-' => {
                    while self.has(at) && !matches!(self.at(at), b'\n' | b'\r') {
                        at += 1;
                    }
                }
                _ => break,
            }
        }
        if !matches!(self.at(at), b'\n' | b'\r') || !self.has(at) {
            return None;
        }
        at += 1;
        // Any whitespace, and comments that end in a newline.
        loop {
            match self.at(at) {
                byte if is_space(byte) && self.has(at) => at += 1,
                b'-' if self.at(at + 1) == b'-' => {
                    let mut end = at;
                    while self.has(end) && !matches!(self.at(end), b'\n' | b'\r') {
                        end += 1;
                    }
                    if !self.has(end) {
                        return None;
                    }
                    at = end + 1;
                }
                b'\'' if self.has(at) => return Some(at),
                _ => return None,
            }
        }
    }

    /// A backslash escape of an `E'..'` string at `at`; the offset after it.
    fn escape(&self, at: usize) -> Result<usize, LexError> {
        let kind = self.at(at + 1);
        if !self.has(at + 1) {
            return Ok(at + 1);
        }
        match kind {
            b'u' | b'U' => {
                let digits = if kind == b'u' { 4 } else { 8 };
                let hex_end = (at + 2..at + 2 + digits)
                    .take_while(|index| self.has(*index) && self.at(*index).is_ascii_hexdigit())
                    .count();
                if hex_end < digits {
                    return Err(LexError {
                        message: "invalid Unicode escape",
                        at,
                        near_end: None,
                        hint: Some("Unicode escapes must be \\uXXXX or \\UXXXXXXXX."),
                    });
                }
                let text = std::str::from_utf8(&self.src[at + 2..at + 2 + digits]).unwrap_or("0");
                let code = u32::from_str_radix(text, 16).unwrap_or(0);
                let end = at + 2 + digits;
                if (0xD800..0xDC00).contains(&code) {
                    // A surrogate pair: the second half must follow at once.
                    let second_ok =
                        self.at(end) == b'\\' && matches!(self.at(end + 1), b'u' | b'U') && {
                            let second_digits = if self.at(end + 1) == b'u' { 4 } else { 8 };
                            let hex = &self.src[(end + 2).min(self.src.len())
                                ..(end + 2 + second_digits).min(self.src.len())];
                            hex.len() == second_digits
                                && hex.iter().all(u8::is_ascii_hexdigit)
                                && u32::from_str_radix(std::str::from_utf8(hex).unwrap_or("0"), 16)
                                    .is_ok_and(|second| (0xDC00..0xE000).contains(&second))
                        };
                    if !second_ok {
                        return Err(LexError {
                            message: "invalid Unicode surrogate pair",
                            at: end,
                            near_end: Some(end + 1),
                            hint: None,
                        });
                    }
                    let second_digits = if self.at(end + 1) == b'u' { 4 } else { 8 };
                    return Ok(end + 2 + second_digits);
                }
                if (0xDC00..0xE000).contains(&code) {
                    return Err(LexError {
                        message: "invalid Unicode surrogate pair",
                        at,
                        near_end: Some(end),
                        hint: None,
                    });
                }
                if code == 0 || code > 0x10FFFF {
                    return Err(LexError {
                        message: "invalid Unicode escape value",
                        at,
                        near_end: Some(end),
                        hint: None,
                    });
                }
                Ok(end)
            }
            b'0'..=b'7' => Ok((at + 1..at + 4)
                .take_while(|index| self.has(*index) && (b'0'..=b'7').contains(&self.at(*index)))
                .last()
                .map_or(at + 2, |last| last + 1)),
            b'x' => Ok((at + 2..at + 4)
                .take_while(|index| self.has(*index) && self.at(*index).is_ascii_hexdigit())
                .last()
                .map_or(at + 2, |last| last + 1)),
            _ => {
                // Any other escaped byte, a whole character when multi-byte.
                let mut end = at + 2;
                while self.has(end) && (self.at(end) & 0xC0) == 0x80 {
                    end += 1;
                }
                Ok(end)
            }
        }
    }
}

fn mark_unicode(lexed: Option<Lexed>) -> Option<Lexed> {
    lexed.map(|lexed| {
        lexed.map(|mut token| {
            token.unicode = true;
            token
        })
    })
}

/// How a quoted string treats its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quoting {
    /// `'..'` and `U&'..'`: `''` is a quote.
    Standard,
    /// `E'..'`: backslash escapes too.
    Escapes,
    /// `B'..'`: no doubling.
    Bits,
    /// `X'..'`: no doubling.
    Hex,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    let first = needle[0];
    let mut from = 0;
    while let Some(offset) = haystack[from..].iter().position(|byte| *byte == first) {
        let at = from + offset;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}
