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
        let start = self.span.start.min(source.len());
        let end = self.span.end.clamp(start, source.len());
        let (line, column) = line_col(source, start);
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let text = source[line_start..line_end].trim_end_matches('\r');
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
        let indent: String = text[..start - line_start]
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
    let offset = offset.min(source.len());
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
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
}
