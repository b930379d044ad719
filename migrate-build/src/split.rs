//! Splitting SQL text into statements without parsing it.
//!
//! Owner: the discover/split work (see ARCHITECTURE.md). Contract:
//! `split_statements(sql)` returns each statement's text (without the
//! terminating `;`, trimmed of surrounding whitespace but keeping inner
//! comments) and its byte span in `sql`, handling '..', E'..', "..",
//! $tag$..$tag$, -- and nested /* */ comments. Empty statements are skipped.
//!
//! A statement's text runs from its first token to its last one: comments
//! before the first token (a header comment above a `CREATE TABLE`) and after
//! the last one are not part of it, comments between tokens are.
//!
//! goose's `-- +goose StatementBegin` / `-- +goose StatementEnd` lines make
//! the text between them one statement, whatever semicolons it holds (a
//! function body in a language that is not dollar-quoted, say); a `;` that
//! ends that text is dropped like any other terminator.
//!
//! ```
//! use migrate_build::split::split_statements;
//!
//! let sql = "-- users\nCREATE TABLE users (id int);\nINSERT INTO users VALUES (1);";
//! let texts: Vec<&str> = split_statements(sql).iter().map(|s| s.text).collect();
//! assert_eq!(texts, ["CREATE TABLE users (id int)", "INSERT INTO users VALUES (1)"]);
//! ```

use std::ops::Range;

/// One statement of a SQL text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlStatement<'a> {
    pub text: &'a str,
    /// Byte range of `text` in the SQL that was split.
    pub span: Range<usize>,
}

/// Splits `sql` into its statements, in order. Never fails: an unterminated
/// string, quoted identifier or comment runs to the end of the text, as
/// PostgreSQL's lexer would read it before reporting the error itself.
pub fn split_statements<'a>(sql: &'a str) -> Vec<SqlStatement<'a>> {
    let mut statements = Vec::new();
    let mut scanner = Scanner::new(sql);
    // First byte of the statement's first token, and end of its last token.
    let mut first_token: Option<usize> = None;
    let mut last_token_end = 0;
    let push = |statements: &mut Vec<SqlStatement<'a>>, start: Option<usize>, end: usize| {
        if let Some(start) = start {
            statements.push(SqlStatement {
                text: &sql[start..end],
                span: start..end,
            });
        }
    };
    while let Some(token) = scanner.next_token() {
        match token.kind {
            TokenKind::Comment => {
                if is_goose_marker(&sql[token.span.clone()], "StatementBegin") {
                    push(&mut statements, first_token.take(), last_token_end);
                    let block_start = line_end(sql, token.span.end);
                    let (block_end, resume) = find_goose_statement_end(sql, block_start);
                    if let Some(span) = trim_block(sql, block_start..block_end) {
                        push(&mut statements, Some(span.start), span.end);
                    }
                    scanner.position = resume;
                }
            }
            TokenKind::Semicolon => {
                push(&mut statements, first_token.take(), last_token_end);
            }
            TokenKind::Other => {
                first_token.get_or_insert(token.span.start);
                last_token_end = token.span.end;
            }
        }
    }
    push(&mut statements, first_token, last_token_end);
    statements
}

/// Whether PostgreSQL refuses to run `statement` inside a transaction block
/// (`CREATE INDEX CONCURRENTLY cannot run inside a transaction block`), so
/// that a migration holding it must run statement by statement outside one.
///
/// Looks at the leading keywords only, case-insensitively, after any leading
/// comments: `CREATE [UNIQUE] INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`,
/// `REINDEX ... CONCURRENTLY` and `REINDEX SCHEMA|DATABASE|SYSTEM`, `VACUUM`,
/// `CLUSTER` without a table, `ALTER SYSTEM`, `CREATE|DROP DATABASE`,
/// `ALTER DATABASE ... SET TABLESPACE`, `CREATE|DROP TABLESPACE`,
/// `CREATE|DROP SUBSCRIPTION`, `ALTER SUBSCRIPTION ... REFRESH PUBLICATION`,
/// `ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY`, `DISCARD ALL`,
/// `COMMIT PREPARED` and `ROLLBACK PREPARED`.
///
/// ```
/// use migrate_build::split::needs_no_transaction;
///
/// assert!(needs_no_transaction("-- fast lookups\ncreate index concurrently i on t (a)"));
/// assert!(!needs_no_transaction("CREATE INDEX i ON t (a)"));
/// ```
pub fn needs_no_transaction(statement: &str) -> bool {
    let words = leading_words(statement, 12);
    let word = |index: usize| words.get(index).map(String::as_str).unwrap_or("");
    let has = |keyword: &str| words.iter().any(|word| word == keyword);
    match word(0) {
        "VACUUM" => true,
        "CREATE" => match word(1) {
            "INDEX" => word(2) == "CONCURRENTLY",
            "UNIQUE" => word(2) == "INDEX" && word(3) == "CONCURRENTLY",
            "DATABASE" | "TABLESPACE" | "SUBSCRIPTION" => true,
            _ => false,
        },
        "DROP" => match word(1) {
            "INDEX" => word(2) == "CONCURRENTLY",
            "DATABASE" | "TABLESPACE" | "SUBSCRIPTION" => true,
            _ => false,
        },
        "REINDEX" => has("CONCURRENTLY") || has("SCHEMA") || has("DATABASE") || has("SYSTEM"),
        "CLUSTER" => words.len() == 1 || (words.len() == 2 && word(1) == "VERBOSE"),
        "ALTER" => match word(1) {
            "SYSTEM" => true,
            "DATABASE" => has("TABLESPACE") && has("SET"),
            "SUBSCRIPTION" => has("REFRESH"),
            "TABLE" => has("DETACH") && has("CONCURRENTLY"),
            _ => false,
        },
        "DISCARD" => word(1) == "ALL",
        "COMMIT" | "ROLLBACK" => word(1) == "PREPARED",
        _ => false,
    }
}

/// Whether `statement` starts, ends or aborts a transaction block (`BEGIN`,
/// `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`): a migration
/// holding one manages its own transaction and must not be wrapped in another.
/// Savepoints and two-phase commands are not counted.
///
/// ```
/// use migrate_build::split::is_transaction_control;
///
/// assert!(is_transaction_control("BEGIN"));
/// assert!(!is_transaction_control("ROLLBACK TO SAVEPOINT s"));
/// ```
pub fn is_transaction_control(statement: &str) -> bool {
    let words = leading_words(statement, 3);
    let word = |index: usize| words.get(index).map(String::as_str).unwrap_or("");
    match word(0) {
        "BEGIN" | "COMMIT" | "END" | "ABORT" => word(1) != "PREPARED",
        "START" => word(1) == "TRANSACTION",
        "ROLLBACK" => word(1) != "PREPARED" && word(1) != "TO" && word(2) != "TO",
        _ => false,
    }
}

/// Whether `statement` is a plain `BEGIN` (`BEGIN WORK`, `BEGIN
/// TRANSACTION`, `START TRANSACTION`), without an isolation level or access
/// mode, so that dropping it in favour of the runner's own `BEGIN` changes
/// nothing.
///
/// ```
/// use migrate_build::split::is_plain_begin;
///
/// assert!(is_plain_begin("begin transaction"));
/// assert!(!is_plain_begin("BEGIN ISOLATION LEVEL SERIALIZABLE"));
/// ```
pub fn is_plain_begin(statement: &str) -> bool {
    let words = leading_words(statement, 3);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["BEGIN"] | ["BEGIN", "WORK" | "TRANSACTION"] | ["START", "TRANSACTION"]
    ) && only_words(statement)
}

/// Whether `statement` is a plain `COMMIT` (`COMMIT WORK`, `COMMIT
/// TRANSACTION`, `END`, `END WORK`, `END TRANSACTION`), not `AND CHAIN`.
///
/// ```
/// use migrate_build::split::is_plain_commit;
///
/// assert!(is_plain_commit("COMMIT"));
/// assert!(!is_plain_commit("COMMIT AND CHAIN"));
/// ```
pub fn is_plain_commit(statement: &str) -> bool {
    let words = leading_words(statement, 3);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    matches!(
        words.as_slice(),
        ["COMMIT" | "END"] | ["COMMIT" | "END", "WORK" | "TRANSACTION"]
    ) && only_words(statement)
}

/// Whether every token of `statement` but its comments is a word.
fn only_words(statement: &str) -> bool {
    let mut scanner = Scanner::new(statement);
    while let Some(token) = scanner.next_token() {
        let text = &statement[token.span.clone()];
        match token.kind {
            TokenKind::Comment => {}
            TokenKind::Semicolon => return false,
            TokenKind::Other => {
                if !text.bytes().all(|byte| byte.is_ascii_alphabetic()) {
                    return false;
                }
            }
        }
    }
    true
}

/// The first `limit` tokens of `statement` that are words (keywords or
/// unquoted identifiers), upper-cased, skipping comments; stops at the first
/// token that is neither a word nor a parenthesised option list.
fn leading_words(statement: &str, limit: usize) -> Vec<String> {
    let mut words = Vec::new();
    let mut scanner = Scanner::new(statement);
    while words.len() < limit {
        let Some(token) = scanner.next_token() else {
            break;
        };
        let text = &statement[token.span.clone()];
        match token.kind {
            TokenKind::Comment => continue,
            TokenKind::Semicolon => break,
            TokenKind::Other => {
                // `REINDEX (VERBOSE, CONCURRENTLY) TABLE t`: look into the list.
                if text == "(" || text == ")" || text == "," {
                    continue;
                }
                // A dotted name is one identifier for this purpose; a quoted
                // name is kept as written, so it never equals a keyword.
                if text == "." {
                    continue;
                }
                if text.starts_with('"') {
                    words.push(text.to_owned());
                    continue;
                }
                // Any other punctuation ends the keywords.
                if !text.bytes().all(is_identifier_byte) {
                    break;
                }
                words.push(text.to_ascii_uppercase());
            }
        }
    }
    words
}

/// Whether `comment` (a `--` comment) is the goose directive `command`.
fn is_goose_marker(comment: &str, command: &str) -> bool {
    let Some(body) = comment.strip_prefix("--") else {
        return false;
    };
    let body = body.trim();
    let Some(rest) = body.strip_prefix("+goose") else {
        return false;
    };
    rest.trim().eq_ignore_ascii_case(command)
}

/// Byte offset just past the end of the line holding `position`.
fn line_end(sql: &str, position: usize) -> usize {
    sql[position..]
        .find('\n')
        .map_or(sql.len(), |newline| position + newline + 1)
}

/// Finds the `-- +goose StatementEnd` line at or after `from`: returns where
/// the block ends (the start of that line) and where scanning resumes (after
/// it). Without one, the block runs to the end of the text.
fn find_goose_statement_end(sql: &str, from: usize) -> (usize, usize) {
    let mut line_start = from;
    while line_start < sql.len() {
        let next = line_end(sql, line_start);
        if is_goose_marker(sql[line_start..next].trim(), "StatementEnd") {
            return (line_start, next);
        }
        line_start = next;
    }
    (sql.len(), sql.len())
}

/// The span of a goose statement block from its first to its last token,
/// without a final `;`; `None` when it holds only whitespace and comments.
fn trim_block(sql: &str, block: Range<usize>) -> Option<Range<usize>> {
    let mut scanner = Scanner::new(&sql[..block.end]);
    scanner.position = block.start;
    let mut first_token = None;
    let mut last_token_end = block.start;
    let mut last_is_semicolon = false;
    let mut end_before_semicolon = block.start;
    while let Some(token) = scanner.next_token() {
        match token.kind {
            TokenKind::Comment => {}
            TokenKind::Semicolon => {
                if !last_is_semicolon {
                    end_before_semicolon = last_token_end;
                }
                last_token_end = token.span.end;
                last_is_semicolon = true;
            }
            TokenKind::Other => {
                first_token.get_or_insert(token.span.start);
                last_token_end = token.span.end;
                last_is_semicolon = false;
            }
        }
    }
    let start = first_token?;
    let end = if last_is_semicolon {
        end_before_semicolon
    } else {
        last_token_end
    };
    Some(start..end)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind {
    Comment,
    Semicolon,
    /// A word, a number, a string, a quoted identifier, an operator...
    Other,
}

struct Token {
    kind: TokenKind,
    span: Range<usize>,
}

/// A lexer that knows only what it takes to find where statements end.
struct Scanner<'a> {
    bytes: &'a [u8],
    position: usize,
}

fn is_identifier_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_identifier_byte(byte: u8) -> bool {
    is_identifier_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

impl<'a> Scanner<'a> {
    fn new(sql: &'a str) -> Self {
        Self {
            bytes: sql.as_bytes(),
            position: 0,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.position + offset).copied()
    }

    fn next_token(&mut self) -> Option<Token> {
        while self.peek(0)?.is_ascii_whitespace() {
            self.position += 1;
        }
        let start = self.position;
        let byte = self.peek(0)?;
        let kind = match byte {
            b'-' if self.peek(1) == Some(b'-') => {
                while self.peek(0).is_some_and(|byte| byte != b'\n') {
                    self.position += 1;
                }
                TokenKind::Comment
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.skip_block_comment();
                TokenKind::Comment
            }
            b';' => {
                self.position += 1;
                TokenKind::Semicolon
            }
            b'\'' => {
                self.position += 1;
                self.skip_quoted(b'\'', false);
                TokenKind::Other
            }
            b'"' => {
                self.position += 1;
                self.skip_quoted(b'"', false);
                TokenKind::Other
            }
            b'$' => {
                if !self.skip_dollar_quoted() {
                    // A parameter such as `$1`.
                    self.position += 1;
                    while self.peek(0).is_some_and(|byte| byte.is_ascii_digit()) {
                        self.position += 1;
                    }
                }
                TokenKind::Other
            }
            byte if is_identifier_start(byte) => {
                while self.peek(0).is_some_and(is_identifier_byte) {
                    self.position += 1;
                }
                // E'..' and e'..': a string with backslash escapes.
                if self.position - start == 1
                    && (byte == b'E' || byte == b'e')
                    && self.peek(0) == Some(b'\'')
                {
                    self.position += 1;
                    self.skip_quoted(b'\'', true);
                }
                TokenKind::Other
            }
            byte if byte.is_ascii_digit() => {
                while self.peek(0).is_some_and(|byte| {
                    byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'_'
                }) {
                    self.position += 1;
                }
                TokenKind::Other
            }
            _ => {
                self.position += 1;
                TokenKind::Other
            }
        };
        Some(Token {
            kind,
            span: start..self.position,
        })
    }

    /// Skips to just past the closing `quote` (doubled quotes stay inside).
    fn skip_quoted(&mut self, quote: u8, backslash_escapes: bool) {
        while let Some(byte) = self.peek(0) {
            self.position += 1;
            if backslash_escapes && byte == b'\\' {
                if self.peek(0).is_some() {
                    self.position += 1;
                }
            } else if byte == quote {
                if self.peek(0) == Some(quote) {
                    self.position += 1;
                } else {
                    return;
                }
            }
        }
    }

    /// Skips a `/* .. */` comment, which PostgreSQL lets nest.
    fn skip_block_comment(&mut self) {
        self.position += 2;
        let mut depth = 1;
        while let Some(byte) = self.peek(0) {
            if byte == b'/' && self.peek(1) == Some(b'*') {
                depth += 1;
                self.position += 2;
            } else if byte == b'*' && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.position += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.position += 1;
            }
        }
    }

    /// Skips `$tag$ .. $tag$` if one starts here; false when the `$` opens
    /// no dollar quote.
    fn skip_dollar_quoted(&mut self) -> bool {
        let tag_start = self.position + 1;
        let mut tag_end = tag_start;
        while let Some(&byte) = self.bytes.get(tag_end) {
            let allowed = if tag_end == tag_start {
                is_identifier_start(byte)
            } else {
                is_identifier_start(byte) || byte.is_ascii_digit()
            };
            if !allowed {
                break;
            }
            tag_end += 1;
        }
        if self.bytes.get(tag_end) != Some(&b'$') {
            return false;
        }
        let delimiter = &self.bytes[self.position..=tag_end];
        let body_start = tag_end + 1;
        self.position = self.bytes[body_start..]
            .windows(delimiter.len())
            .position(|window| window == delimiter)
            .map_or(self.bytes.len(), |found| {
                body_start + found + delimiter.len()
            });
        true
    }
}

#[cfg(test)]
mod tests {
    use expect_test::{Expect, expect};

    use super::*;

    fn check(sql: &str, expect: Expect) {
        let mut actual = String::new();
        for statement in split_statements(sql) {
            assert_eq!(&sql[statement.span.clone()], statement.text);
            actual.push_str(&format!("{:?} {:?}\n", statement.span, statement.text));
        }
        expect.assert_eq(&actual);
    }

    #[test]
    fn plain_statements_are_trimmed_without_terminator() {
        check(
            "  CREATE TABLE a (id int);\n\nCREATE TABLE b (id int) ;\nSELECT 1",
            expect![[r#"
                2..25 "CREATE TABLE a (id int)"
                28..51 "CREATE TABLE b (id int)"
                54..62 "SELECT 1"
            "#]],
        );
    }

    #[test]
    fn empty_statements_and_comments_alone_are_skipped() {
        check(
            ";; -- nothing\n/* nor here */ ;\n  \n-- trailing comment",
            expect![[""]],
        );
    }

    #[test]
    fn leading_and_trailing_comments_are_outside_inner_ones_inside() {
        check(
            "-- header\n/* block */ SELECT 1 -- inner\n + 2 -- after\n; -- next\nSELECT 3;",
            expect![[r#"
                22..44 "SELECT 1 -- inner\n + 2"
                64..72 "SELECT 3"
            "#]],
        );
    }

    #[test]
    fn semicolons_inside_strings_and_identifiers_do_not_split() {
        check(
            r#"INSERT INTO t VALUES ('a;''b', "x;""y"); SELECT 'it''s'"#,
            expect![[r#"
                0..39 "INSERT INTO t VALUES ('a;''b', \"x;\"\"y\")"
                41..55 "SELECT 'it''s'"
            "#]],
        );
    }

    #[test]
    fn escape_strings_honour_backslashes() {
        check(
            r"SELECT E'a\';b', e'\\'; SELECT 'c\'; SELECT 2",
            expect![[r#"
                0..22 "SELECT E'a\\';b', e'\\\\'"
                24..35 "SELECT 'c\\'"
                37..45 "SELECT 2"
            "#]],
        );
    }

    #[test]
    fn identifiers_ending_in_e_do_not_start_escape_strings() {
        // `type'..'` is a typed literal, not E'..': the backslash is a plain character.
        check(
            r"SELECT date'x\'; SELECT 2",
            expect![[r#"
                0..15 "SELECT date'x\\'"
                17..25 "SELECT 2"
            "#]],
        );
    }

    #[test]
    fn dollar_quotes_with_and_without_tags() {
        check(
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n\
             DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$;\n\
             SELECT $1, a$b FROM t",
            expect![[r#"
                0..63 "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql"
                65..122 "DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$"
                124..145 "SELECT $1, a$b FROM t"
            "#]],
        );
    }

    #[test]
    fn nested_block_comments() {
        check(
            "/* outer /* inner; */ still comment; */ SELECT 1; SELECT /* ; */ 2",
            expect![[r#"
                40..48 "SELECT 1"
                50..66 "SELECT /* ; */ 2"
            "#]],
        );
    }

    #[test]
    fn unterminated_constructs_run_to_the_end() {
        check(
            "SELECT 1; SELECT 'open; SELECT 2",
            expect![[r#"
                0..8 "SELECT 1"
                10..32 "SELECT 'open; SELECT 2"
            "#]],
        );
        check(
            "SELECT 1; SELECT $x$ open; /* SELECT 2",
            expect![[r#"
                0..8 "SELECT 1"
                10..38 "SELECT $x$ open; /* SELECT 2"
            "#]],
        );
    }

    #[test]
    fn goose_statement_blocks_are_one_statement() {
        check(
            "-- +goose Up\nCREATE TABLE a (id int);\n\
             -- +goose StatementBegin\n\
             CREATE FUNCTION f() RETURNS trigger AS '\n\
             BEGIN NEW.x := 1; RETURN NEW; END;\n\
             ' LANGUAGE plpgsql;\n\
             -- +goose StatementEnd\n\
             SELECT 2;\n",
            expect![[r#"
                13..36 "CREATE TABLE a (id int)"
                63..157 "CREATE FUNCTION f() RETURNS trigger AS '\nBEGIN NEW.x := 1; RETURN NEW; END;\n' LANGUAGE plpgsql"
                182..190 "SELECT 2"
            "#]],
        );
    }

    #[test]
    fn goose_block_holding_several_statements_stays_whole() {
        check(
            "-- +goose StatementBegin\nSELECT 1;\nSELECT 2;\n-- +goose StatementEnd\n",
            expect![[r#"
                25..43 "SELECT 1;\nSELECT 2"
            "#]],
        );
    }

    #[test]
    fn goose_block_without_end_runs_to_the_end() {
        check(
            "SELECT 0\n-- +goose StatementBegin\nSELECT 1; SELECT 2;",
            expect![[r#"
                0..8 "SELECT 0"
                34..52 "SELECT 1; SELECT 2"
            "#]],
        );
    }

    #[test]
    fn crlf_and_non_ascii_text() {
        check(
            "CREATE TABLE \"café\" (nom text);\r\nCOMMENT ON TABLE t IS 'é;';\r\n",
            expect![[r#"
                0..31 "CREATE TABLE \"café\" (nom text)"
                34..61 "COMMENT ON TABLE t IS 'é;'"
            "#]],
        );
    }

    #[test]
    fn transaction_control() {
        for statement in [
            "BEGIN",
            "begin transaction isolation level serializable",
            "START TRANSACTION",
            "COMMIT",
            "END",
            "ROLLBACK",
            "-- done\nCOMMIT WORK",
        ] {
            assert!(is_transaction_control(statement), "{statement}");
        }
        for statement in [
            "ROLLBACK TO SAVEPOINT s",
            "ROLLBACK WORK TO s",
            "COMMIT PREPARED 'x'",
            "SAVEPOINT s",
            "DO $$ BEGIN PERFORM 1; END $$",
            "CREATE TABLE t (id int)",
        ] {
            assert!(!is_transaction_control(statement), "{statement}");
        }
    }

    #[test]
    fn statements_needing_no_transaction() {
        let outside = [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "create unique index concurrently if not exists i on t (a)",
            "-- comment\n/* and another */ DROP INDEX CONCURRENTLY IF EXISTS i",
            "REINDEX INDEX CONCURRENTLY i",
            "REINDEX (VERBOSE, CONCURRENTLY) TABLE t",
            "REINDEX DATABASE app",
            "REINDEX SCHEMA public",
            "VACUUM",
            "vacuum full analyze t",
            "ALTER SYSTEM SET work_mem = '64MB'",
            "CREATE DATABASE app",
            "DROP DATABASE IF EXISTS app",
            "ALTER DATABASE app SET TABLESPACE fast",
            "CREATE TABLESPACE fast LOCATION '/ssd'",
            "DROP TABLESPACE fast",
            "CREATE SUBSCRIPTION s CONNECTION 'x' PUBLICATION p",
            "ALTER SUBSCRIPTION s REFRESH PUBLICATION",
            "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY",
            "CLUSTER",
            "DISCARD ALL",
            "COMMIT PREPARED 'x'",
        ];
        for statement in outside {
            assert!(needs_no_transaction(statement), "{statement}");
        }
        let inside = [
            "CREATE INDEX i ON t (a)",
            "CREATE INDEX concurrently_idx ON t (a)",
            "DROP INDEX i",
            "REINDEX TABLE t",
            "ANALYZE t",
            "CLUSTER t USING i",
            "ALTER DATABASE app SET search_path = app",
            "ALTER TABLE p DETACH PARTITION p1",
            "ALTER TYPE mood ADD VALUE 'meh'",
            "CREATE TABLE \"VACUUM\" (id int)",
            "SELECT 'VACUUM'",
            "-- VACUUM\nSELECT 1",
            "DISCARD PLANS",
            "COMMIT",
            "",
        ];
        for statement in inside {
            assert!(!needs_no_transaction(statement), "{statement}");
        }
    }
}
