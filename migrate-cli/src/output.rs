//! Writing a command's result to stdout.

use std::io::Write;

use crate::Failure;

/// Writes `text` to stdout. A closed pipe (`migrate schema | head`) is not
/// an error: the reader has what it wanted. Colours (see [`paint`]) are
/// kept on a terminal and dropped elsewhere, or when `NO_COLOR` is set.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = anstream::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(Failure::new(format_args!(
            "cannot write to stdout: {error}"
        ))),
    }
}

/// A `--json` document: `fields` with `migrate_version` (this command's
/// version) first, on one line. Every command that reports writes one.
pub fn json_document(fields: serde_json::Value) -> String {
    let mut document = serde_json::Map::new();
    document.insert(
        "migrate_version".to_owned(),
        serde_json::Value::from(env!("CARGO_PKG_VERSION")),
    );
    if let serde_json::Value::Object(fields) = fields {
        document.extend(fields);
    }
    format!("{}\n", serde_json::Value::Object(document))
}

/// A difference between two schemas as `--json` shows it.
pub fn difference_json(difference: &migrate_runtime::drift::Difference) -> serde_json::Value {
    use migrate_runtime::drift::DifferenceKind;
    serde_json::json!({
        "kind": match difference.kind {
            DifferenceKind::Missing => "missing",
            DifferenceKind::Unexpected => "unexpected",
            DifferenceKind::Changed => "changed",
        },
        "object": difference.object,
        "message": difference.message,
        "fix": difference.fix,
        "loses_data": difference.loses_data,
        "manual": difference.manual,
    })
}

/// A command's one-sentence result: the sentence, or (`json`) a document
/// with `fields` and the sentence as `message`.
pub fn result(json: bool, fields: serde_json::Value, sentence: &str) -> Result<(), Failure> {
    if !json {
        return print(sentence);
    }
    let mut fields = fields;
    if let serde_json::Value::Object(map) = &mut fields {
        map.insert(
            "message".to_owned(),
            serde_json::Value::from(sentence.trim_end()),
        );
    }
    print(&json_document(fields))
}

/// The styles of the command's words.
pub mod style {
    use anstyle::{AnsiColor, Style};

    pub const ERROR: Style = Style::new()
        .bold()
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
    pub const WARNING: Style = Style::new()
        .bold()
        .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));
    pub const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
}

/// `text` with `style`'s escape codes around it (dropped by [`print`] and
/// [`eprint`] where colours are off).
pub fn paint(style: anstyle::Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

/// `text` with the labels that start its lines (`error:`, `warning:`) in
/// colour.
pub fn paint_labels(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let painted = [("error", style::ERROR), ("warning", style::WARNING)]
            .iter()
            .find_map(|(label, style)| {
                let rest = line.strip_prefix(label)?;
                (rest.starts_with(':') || rest.starts_with('['))
                    .then(|| format!("{}{rest}", paint(*style, label)))
            });
        match painted {
            Some(line) => out.push_str(&line),
            None => out.push_str(line),
        }
    }
    out
}

/// Writes `text` to stderr, its labels in colour where colours are on.
pub fn eprint(text: &str) {
    use std::io::Write as _;
    let mut stderr = anstream::stderr().lock();
    let _ = stderr.write_all(paint_labels(text).as_bytes());
    let _ = stderr.flush();
}
