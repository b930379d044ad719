//! Writing a command's result to stdout.

use std::io::Write;

use crate::Failure;

/// Writes `text` to stdout. A closed pipe (`migrate schema | head`) is not
/// an error: the reader has what it wanted.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut stdout = std::io::stdout().lock();
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
