//! How a subcommand fails: a message for the user and an exit code.

use std::process::ExitCode;

/// A subcommand that did not do its work.
#[derive(Debug)]
pub struct Failure {
    /// Printed to stderr as it is: either `error: ...` or a rendered report.
    message: String,
    exit_code: u8,
}

impl Failure {
    /// The work failed (exit code 1); `message` is prefixed with `error: `.
    pub fn new(message: impl std::fmt::Display) -> Self {
        Self {
            message: format!("error: {message}"),
            exit_code: 1,
        }
    }

    /// The work failed (exit code 1) with a report that is already complete:
    /// rendered diagnostics with their own `error:` lines.
    pub fn report_text(report: impl Into<String>) -> Self {
        Self {
            message: report.into(),
            exit_code: 1,
        }
    }

    /// The command line asks for something that cannot be done, or the
    /// database cannot be reached (exit code 2).
    pub fn usage(message: impl std::fmt::Display) -> Self {
        Self {
            message: format!("error: {message}"),
            exit_code: 2,
        }
    }

    /// The work stopped with an exit code of its own (130 after SIGINT,
    /// 143 after SIGTERM); `message` is prefixed with `error: `.
    pub fn with_code(message: impl std::fmt::Display, exit_code: u8) -> Self {
        Self {
            message: format!("error: {message}"),
            exit_code,
        }
    }

    /// Findings (drift, differences, steps that cannot be undone) were
    /// printed already: exit code 1 without a further message.
    pub fn findings() -> Self {
        Self {
            message: String::new(),
            exit_code: 1,
        }
    }

    /// Prints the message to stderr, without any password it might quote,
    /// and returns the exit code.
    pub fn report(self) -> ExitCode {
        if !self.message.is_empty() {
            crate::output::eprint(&format!("{}\n", crate::db::redact(&self.message)));
        }
        ExitCode::from(self.exit_code)
    }
}

impl From<migrate_build::Error> for Failure {
    fn from(error: migrate_build::Error) -> Self {
        match error {
            // Findings, already rendered: every diagnostic with its file,
            // line and carets.
            migrate_build::Error::Fold { report, .. }
            | migrate_build::Error::Lint { report, .. } => Self::report_text(report),
            // The directory cannot be used at all: a setup error.
            other => Self::usage(other),
        }
    }
}

impl From<migrate_runtime::Error> for Failure {
    fn from(error: migrate_runtime::Error) -> Self {
        use migrate_runtime::Error;
        match error {
            // What keeps the command from starting its work: exit code 2.
            Error::Connect { .. }
            | Error::Database { .. }
            | Error::Tls { .. }
            | Error::InvalidOption { .. }
            | Error::HistoryTable { .. }
            | Error::TransactionPooler { .. }
            | Error::SharedSession { .. }
            | Error::UnknownTarget { .. }
            | Error::UnknownVersion { .. } => Self::usage(error),
            // What the work found or where it failed: exit code 1.
            other => Self::new(other),
        }
    }
}
