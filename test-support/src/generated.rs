//! Crates a test writes and builds as a user's would be: a workspace of
//! its own under the project's `target/`, checked or built by one cargo
//! command, and the compiler's messages read back.
//!
//! [`GeneratedWorkspace::new`] empties `target/<name>/crates`, the test
//! writes its crates there with [`GeneratedWorkspace::write`], and
//! [`GeneratedWorkspace::cargo`] writes the workspace manifest, pins the
//! project's `Cargo.lock`, runs the command and returns
//! [`CompilerMessage`]s, each with the line of the crate's own source it
//! comes from. The target directory (`target/<name>/target`) is kept
//! between runs, so the dependencies compile once. [`raw_literal`] writes
//! SQL into generated source.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{project_root, write_file};

/// A workspace of generated crates: `target/<name>/crates` of the project,
/// built into `target/<name>/target`.
pub struct GeneratedWorkspace {
    crates: PathBuf,
    target: PathBuf,
}

impl GeneratedWorkspace {
    /// An empty workspace directory, what an earlier run wrote there
    /// removed (its target directory is kept).
    pub fn new(name: &str) -> Self {
        let work = project_root()
            .canonicalize()
            .expect("the project root")
            .join("target")
            .join(name);
        let crates = work.join("crates");
        let _ = fs::remove_dir_all(&crates);
        fs::create_dir_all(&crates)
            .unwrap_or_else(|error| panic!("cannot create {}: {error}", crates.display()));
        Self {
            crates,
            target: work.join("target"),
        }
    }

    /// The workspace's root, where its members are.
    pub fn dir(&self) -> &Path {
        &self.crates
    }

    /// The target directory the command builds into (`debug/` holds the
    /// binaries it built).
    pub fn target_dir(&self) -> &Path {
        &self.target
    }

    /// Writes `contents` to `file` (relative to the workspace's root),
    /// creating its directories.
    pub fn write(&self, file: &str, contents: impl AsRef<[u8]>) {
        write_file(&self.crates.join(file), contents);
    }

    /// Runs `cargo <command> --workspace --offline --keep-going
    /// --message-format=json` (`command`: `check` or `build`) on a
    /// workspace of `members` (directories under [`Self::dir`]).
    ///
    /// The project's `Cargo.lock` is copied in, so the dependencies are
    /// the versions the project tests, from no registry. `RUSTFLAGS` and
    /// the `MIGRATE_*` variables that would steer the build helper and the
    /// macros are removed. `--keep-going`: each crate as far as it goes,
    /// so one crate's failure does not hide another's.
    pub fn cargo(&self, command: &str, members: &[&str]) -> CargoOutput {
        let members: Vec<String> = members.iter().map(|member| format!("{member:?}")).collect();
        self.write(
            "Cargo.toml",
            format!(
                "[workspace]\nmembers = [{}]\nresolver = \"3\"\n",
                members.join(", ")
            ),
        );
        let lockfile = project_root().join("Cargo.lock");
        fs::copy(&lockfile, self.crates.join("Cargo.lock"))
            .unwrap_or_else(|error| panic!("cannot copy {}: {error}", lockfile.display()));
        let output = Command::new(env!("CARGO"))
            .args([
                command,
                "--workspace",
                "--offline",
                "--keep-going",
                "--message-format=json",
            ])
            .current_dir(&self.crates)
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("RUSTFLAGS")
            .env_remove("MIGRATE_MIGRATIONS_DIR")
            .env_remove("MIGRATE_TYPES")
            .output()
            .unwrap_or_else(|error| panic!("cannot run cargo {command}: {error}"));
        CargoOutput {
            success: output.status.success(),
            messages: compiler_messages(&String::from_utf8_lossy(&output.stdout)),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// What a cargo command on a [`GeneratedWorkspace`] gave.
pub struct CargoOutput {
    /// Whether cargo exited with success.
    pub success: bool,
    /// The compiler's messages, in the order cargo printed them.
    pub messages: Vec<CompilerMessage>,
    /// Cargo's standard error, for a failure that is no compiler message.
    pub stderr: String,
}

/// One message of the compiler (`"reason": "compiler-message"`).
pub struct CompilerMessage {
    /// The name of the target compiled (`corpus_bors`, `build-script-build`).
    pub target: String,
    /// `error`, `warning`, `note`, ...
    pub level: String,
    /// The message alone (`cannot find value ...`).
    pub message: String,
    /// The message as the compiler prints it, spans and notes included.
    pub rendered: String,
    /// The line, counted from 1, of the crate's own source (a file under
    /// `src/`) the primary span is at or, for a span inside a macro's
    /// expansion, where the macro was called; `None` without a primary
    /// span.
    pub line: Option<usize>,
}

/// The compiler's messages among cargo's JSON lines.
fn compiler_messages(stdout: &str) -> Vec<CompilerMessage> {
    let mut messages = Vec::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let diagnostic = &message["message"];
        let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
        messages.push(CompilerMessage {
            target: text(&message["target"]["name"]),
            level: text(&diagnostic["level"]),
            message: text(&diagnostic["message"]),
            rendered: text(&diagnostic["rendered"]),
            line: source_line(diagnostic),
        });
    }
    messages
}

/// The line of a diagnostic's primary span in the crate's own source,
/// following the span out of macro expansions.
fn source_line(diagnostic: &Value) -> Option<usize> {
    let mut span = diagnostic["spans"]
        .as_array()?
        .iter()
        .find(|span| span["is_primary"] == true)?;
    while !span["file_name"]
        .as_str()
        .is_some_and(|file| file.starts_with("src/"))
        && !span["expansion"].is_null()
    {
        span = &span["expansion"]["span"];
    }
    Some(span["line_start"].as_u64().unwrap_or(0) as usize)
}

/// `text` as a Rust raw string literal, with as many `#`s as it needs to
/// hold `text` verbatim.
pub fn raw_literal(text: &str) -> String {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_literals_hold_quotes_and_hashes() {
        assert_eq!(raw_literal("SELECT 1"), "r#\"SELECT 1\"#");
        assert_eq!(
            raw_literal(r##"SELECT 'a"#b' AS "v!""##),
            r####"r##"SELECT 'a"#b' AS "v!""##"####
        );
    }

    #[test]
    fn messages_name_the_line_where_the_macro_was_called() {
        let stdout = [
            "not json",
            r#"{"reason":"compiler-artifact","target":{"name":"dep"}}"#,
            r#"{"reason":"compiler-message","target":{"name":"corpus_bors"},"message":{"level":"error","message":"no column","rendered":"error: no column","spans":[{"is_primary":false,"file_name":"src/lib.rs","line_start":3,"expansion":null},{"is_primary":true,"file_name":"/elsewhere/query.rs","line_start":90,"expansion":{"span":{"file_name":"src/lib.rs","line_start":7,"expansion":null}}}]}}"#,
            r#"{"reason":"compiler-message","target":{"name":"corpus_bors"},"message":{"level":"warning","message":"3 warnings","rendered":"warning: 3 warnings","spans":[]}}"#,
        ]
        .join("\n");
        let messages = compiler_messages(&stdout);
        let summary: Vec<(&str, &str, &str, Option<usize>)> = messages
            .iter()
            .map(|m| {
                (
                    m.target.as_str(),
                    m.level.as_str(),
                    m.message.as_str(),
                    m.line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("corpus_bors", "error", "no column", Some(7)),
                ("corpus_bors", "warning", "3 warnings", None),
            ]
        );
        assert_eq!(messages[0].rendered, "error: no column");
    }
}
