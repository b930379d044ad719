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
    ///
    /// A line longer than 240 characters is shown only around the span,
    /// cut with `...`. This
    /// walks `source` up to the span (to count lines); to render many
    /// diagnostics of one text, [`LineIndex::render`] walks it once.
    pub fn render(&self, source: &str) -> String {
        render(self, source, |offset| line_col(source, offset))
    }
}

/// The longest line shown whole.
const LINE_CHARS: usize = 240;

/// How many characters of a longer line are shown on each side of a span.
const CONTEXT_CHARS: usize = 60;

/// How many characters of a span are shown (and underlined) at most.
const SPAN_CHARS: usize = 80;

/// Bytes between two [`LineIndex`] milestones.
const MILESTONE_BYTES: usize = 1024;

/// Where lines start in a text, to find the line and column of many
/// offsets and render many diagnostics of it in time linear in the text
/// and the number of diagnostics (3,000 diagnostics over one 33 KB line
/// once took 10 s in a debug build, each walking and printing the line).
///
/// ```
/// use migrate_build::diagnostic::LineIndex;
/// use migrate_build::Diagnostic;
///
/// let sql = "SELECT a,\n  b FROM t";
/// let index = LineIndex::new(sql);
/// assert_eq!(index.line_col(12), (2, 3));
/// let rendered = index.render(&Diagnostic::error("column \"b\" does not exist", 12..13));
/// assert!(rendered.ends_with("2 |   b FROM t\n  |   ^"));
/// ```
pub struct LineIndex<'a> {
    source: &'a str,
    /// Every [`MILESTONE_BYTES`] or so, on a character boundary: its byte
    /// offset, 1-based line and character column.
    milestones: Vec<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Walks `source` once.
    pub fn new(source: &'a str) -> Self {
        let mut milestones = vec![(0, 1, 1)];
        let (mut line, mut column) = (1, 1);
        for (offset, c) in source.char_indices() {
            if offset >= milestones[milestones.len() - 1].0 + MILESTONE_BYTES {
                milestones.push((offset, line, column));
            }
            (line, column) = step(line, column, c);
        }
        visited(source.len());
        Self { source, milestones }
    }

    /// 1-based line and character column of byte `offset` (brought back
    /// onto a character boundary inside the text).
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.source, offset);
        let milestone = self.milestones.partition_point(|m| m.0 <= offset) - 1;
        let (from, mut line, mut column) = self.milestones[milestone];
        for c in self.source[from..offset].chars() {
            (line, column) = step(line, column, c);
        }
        visited(offset - from);
        (line, column)
    }

    /// The diagnostic as [`Diagnostic::render`] shows it.
    pub fn render(&self, diagnostic: &Diagnostic) -> String {
        render(diagnostic, self.source, |offset| self.line_col(offset))
    }
}

/// `diagnostic` as [`Diagnostic::render`] shows it, with `line_col` finding
/// the line and column of an offset.
fn render(
    diagnostic: &Diagnostic,
    source: &str,
    line_col: impl Fn(usize) -> (usize, usize),
) -> String {
    {
        // Whatever the span: past the end, reversed, or inside a multi-byte
        // character (sqlparser can stop in the middle of a no-break space),
        // it is brought back onto the text's character boundaries.
        let start = floor_char_boundary(source, diagnostic.span.start);
        let end = ceil_char_boundary(source, diagnostic.span.end.max(start));
        let (line, column) = line_col(start);
        // The whole line when it is at most LINE_CHARS long; else the line
        // around the span: up to CONTEXT_CHARS characters before it,
        // SPAN_CHARS of it, CONTEXT_CHARS after.
        let before_line = source[..start]
            .chars()
            .rev()
            .take(LINE_CHARS + 1)
            .take_while(|&c| c != '\n')
            .count();
        let after_line = source[start..]
            .chars()
            .take(LINE_CHARS + 1)
            .take_while(|&c| c != '\n')
            .count();
        visited(4 * (before_line + after_line));
        let (context, span_chars) = if before_line + after_line <= LINE_CHARS {
            (LINE_CHARS, LINE_CHARS)
        } else {
            (CONTEXT_CHARS, SPAN_CHARS)
        };
        let mut shown_start = start;
        for c in source[..start].chars().rev().take(context) {
            if c == '\n' {
                break;
            }
            shown_start -= c.len_utf8();
        }
        let (mut span_end, mut width) = (start, 0);
        for c in source[start..end].chars().take(span_chars) {
            if c == '\n' {
                break;
            }
            span_end += c.len_utf8();
            width += 1;
        }
        let mut shown_end = span_end;
        for c in source[span_end..].chars().take(context) {
            if c == '\n' {
                break;
            }
            shown_end += c.len_utf8();
        }
        visited(shown_end - shown_start);
        let cut_before = shown_start > 0 && source.as_bytes()[shown_start - 1] != b'\n';
        let cut_after = shown_end < source.len() && source.as_bytes()[shown_end] != b'\n';
        let mut shown = &source[shown_start..shown_end];
        if !cut_after {
            shown = shown.trim_end_matches('\r');
        }
        // A CR shows as a space (a lone one would send the terminal back to
        // the start of the line); the CR of a CRLF is not shown at all.
        let shown: String = shown
            .chars()
            .map(|c| if c == '\r' { ' ' } else { c })
            .collect();
        let (before, after) = (
            if cut_before { "..." } else { "" },
            if cut_after { "..." } else { "" },
        );
        let gutter = " ".repeat(line.to_string().len());
        let label = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let location = match &diagnostic.file {
            Some(file) => format!("{}:{line}:{column}", file.display()),
            None => format!("{line}:{column}"),
        };
        let indent: String = before
            .chars()
            .chain(source[shown_start..start].chars())
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let mut out = format!(
            "{label}: {}\n{gutter}--> {location}\n{gutter} |\n{line} | {before}{shown}{after}\n{gutter} | {indent}{}",
            diagnostic.message,
            "^".repeat(width.max(1))
        );
        if let Some(note) = &diagnostic.note {
            out.push_str(&format!("\n{gutter} = note: {note}"));
        }
        if let Some(help) = &diagnostic.help {
            out.push_str(&format!("\n{gutter} = help: {help}"));
        }
        out
    }
}

/// The line and column after character `c`.
fn step(line: usize, column: usize, c: char) -> (usize, usize) {
    if c == '\n' {
        (line + 1, 1)
    } else {
        (line, column + 1)
    }
}

#[cfg(test)]
thread_local! {
    /// Bytes of the source walked by [`LineIndex`], to count its work.
    static VISITED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Counts `bytes` walked (in tests only).
fn visited(bytes: usize) {
    #[cfg(test)]
    VISITED.with(|visited| visited.set(visited.get() + bytes));
    #[cfg(not(test))]
    let _ = bytes;
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
    fn renders_a_long_line_around_the_span() {
        let sql = format!("SELECT {}x FROM t", "a, ".repeat(100));
        assert!(sql.len() > LINE_CHARS);
        let start = sql.find('x').unwrap();
        let diagnostic = Diagnostic::error("column \"x\" does not exist", start..start + 1);
        expect_test::expect![[r#"
            error: column "x" does not exist
             --> 1:308
              |
            1 | ...a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, x FROM t
              |                                                                ^"#]]
        .assert_eq(&diagnostic.render(&sql));
        let whole = Diagnostic::error("m", 0..sql.len());
        let rendered = whole.render(&sql);
        assert!(rendered.contains("1 | SELECT a, "), "{rendered}");
        assert!(
            rendered.ends_with(&format!(" | {}", "^".repeat(SPAN_CHARS))),
            "{rendered}"
        );
    }

    /// Many diagnostics over one long line: the work is linear in the text
    /// and the number of diagnostics (each once walked its whole line).
    #[test]
    fn renders_many_diagnostics_of_a_long_line_in_linear_work() {
        let work = |n: usize| {
            let sql = format!("SELECT {}", "nope, ".repeat(n));
            let diagnostics: Vec<Diagnostic> = sql
                .match_indices("nope")
                .map(|(at, _)| Diagnostic::error("column \"nope\" does not exist", at..at + 4))
                .collect();
            VISITED.with(|visited| visited.set(0));
            let index = LineIndex::new(&sql);
            for diagnostic in &diagnostics {
                assert!(index.render(diagnostic).contains('^'));
            }
            VISITED.with(std::cell::Cell::get)
        };
        let (small, large) = (work(2_000), work(8_000));
        // 4 times the text and 4 times the diagnostics: 4 times the work
        // (16 if each diagnostic walked the line).
        assert!(large <= 5 * small, "{small} then {large}");
        assert!(large < 8_000 * (8 * LINE_CHARS + MILESTONE_BYTES));
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
