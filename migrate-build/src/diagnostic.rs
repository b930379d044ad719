use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

/// How bad a [`Diagnostic`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found in SQL: where, what, and how to fix it.
///
/// `span` is a byte range into the SQL text the diagnostic was found in (a
/// whole migration file, or the string of a query). Render it with
/// [`Diagnostic::render`] to get `file:line:col`, the line and carets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// In PostgreSQL's own words where it has them: `column "x" of relation "t" does not exist`.
    pub message: String,
    /// `did you mean "updated_at"?`
    pub help: Option<String>,
    /// What else the reader should know: `renamed to "display_name" by
    /// 2_rename.sql:1`.
    pub note: Option<String>,
    /// The migration file, or `None` for a query string.
    pub file: Option<PathBuf>,
    pub span: Range<usize>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            severity: Severity::Error,
            message: message.into(),
            help: None,
            note: None,
            file: None,
            span,
        }
    }

    pub fn warning(message: impl Into<String>, span: Range<usize>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(message, span)
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    pub fn in_file(mut self, file: impl Into<PathBuf>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// 1-based line and column (in characters) of the start of the span in `source`.
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        line_col(source, self.span.start)
    }

    /// The diagnostic as a reader sees it:
    ///
    /// ```text
    /// error: column "x" of relation "t" does not exist
    ///   --> migrations/0002_x.sql:3:27
    ///    |
    ///  3 | ALTER TABLE t DROP COLUMN x;
    ///    |                           ^
    ///    = help: did you mean "y"?
    /// ```
    pub fn render(&self, source: &str) -> String {
        // Whatever the span: past the end, reversed, or inside a multi-byte
        // character (sqlparser can stop in the middle of a no-break space),
        // it is brought back onto the text's character boundaries.
        let start = floor_char_boundary(source, self.span.start);
        let end = ceil_char_boundary(source, self.span.end.max(start));
        let (line, column) = line_col(source, start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        // A CR shows as a space (a lone one would send the terminal back to
        // the start of the line); the CR of a CRLF is not shown at all.
        let text: String = source[line_start..line_end]
            .trim_end_matches('\r')
            .chars()
            .map(|c| if c == '\r' { ' ' } else { c })
            .collect();
        let width = source[start..end.min(line_end).max(start)]
            .chars()
            .count()
            .max(1);
        let gutter = " ".repeat(line.to_string().len());
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let location = match &self.file {
            Some(file) => format!("{}:{line}:{column}", file.display()),
            None => format!("{line}:{column}"),
        };
        let indent: String = source[line_start..start]
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let mut out = format!(
            "{label}: {}\n{gutter}--> {location}\n{gutter} |\n{line} | {text}\n{gutter} | {indent}{}",
            self.message,
            "^".repeat(width)
        );
        if let Some(note) = &self.note {
            out.push_str(&format!("\n{gutter} = note: {note}"));
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("\n{gutter} = help: {help}"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    /// One line: `file:line:col` is not known without the source, so this is
    /// `message` (and help); use [`Diagnostic::render`] for the full report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(note) = &self.note {
            write!(f, " (note: {note})")?;
        }
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

/// 1-based line and character column of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset);
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The largest character boundary of `source` at or before `offset`, the
/// end of the text past it.
fn floor_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The smallest character boundary of `source` at or after `offset`, the
/// end of the text past it.
fn ceil_char_boundary(source: &str, offset: usize) -> usize {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_line_and_carets() {
        let sql = "CREATE TABLE t (y int);\nALTER TABLE t DROP COLUMN x;\n";
        let start = sql.find("x;").unwrap();
        let diagnostic = Diagnostic::error(
            "column \"x\" of relation \"t\" does not exist",
            start..start + 1,
        )
        .with_help("did you mean \"y\"?")
        .in_file("migrations/0002_x.sql");
        expect_test::expect![[r#"
            error: column "x" of relation "t" does not exist
             --> migrations/0002_x.sql:2:27
              |
            2 | ALTER TABLE t DROP COLUMN x;
              |                           ^
              = help: did you mean "y"?"#]]
        .assert_eq(&diagnostic.render(sql));
    }

    /// Every span over texts that once made rendering panic (a span ending
    /// inside a no-break space or U+2028, a trailing CR, CRLF) and their
    /// neighbours (tabs, empty lines, spans past the end or reversed).
    #[test]
    fn renders_any_span_of_any_text() {
        let texts = [
            "SELECT id FROM mods WHERE id = 1\u{a0}",
            "SET m\u{2028}",
            "SELECT\r",
            "SELECT 1;\r\nSELECT x\r\n",
            "\tSELECT\t1\n\n\u{e9}t\u{e9}\r\rx",
            "",
            "\n",
            "\u{1f600}",
        ];
        let mut rendered = 0;
        for text in texts {
            for start in 0..=text.len() + 2 {
                for end in 0..=text.len() + 2 {
                    let diagnostic = Diagnostic::error("m", start..end).in_file("f.sql");
                    let out = diagnostic.render(text);
                    assert!(out.contains('^'), "{out}");
                    let _ = diagnostic.line_col(text);
                    rendered += 1;
                }
            }
        }
        assert!(rendered > 1000);
    }

    #[test]
    fn renders_a_trailing_carriage_return_without_it() {
        let diagnostic = Diagnostic::error("syntax error at end of input", 7..7);
        expect_test::expect![[r#"
            error: syntax error at end of input
             --> 1:8
              |
            1 | SELECT
              |        ^"#]]
        .assert_eq(&diagnostic.render("SELECT\r"));
    }

    #[test]
    fn renders_a_span_inside_a_no_break_space_on_its_character() {
        let sql = "SELECT 1\u{a0}";
        let diagnostic = Diagnostic::error("syntax error at or near \"\u{a0}\"", 9..10);
        expect_test::expect![[r#"
            error: syntax error at or near " "
             --> 1:9
              |
            1 | SELECT 1 
              |         ^"#]]
        .assert_eq(&diagnostic.render(sql));
    }
}
