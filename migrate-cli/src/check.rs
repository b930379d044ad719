//! `migrate check FILE.sql...`: every statement of SQL files checked against
//! the schema the migrations fold to, as the `query!` macros check theirs.

use std::path::PathBuf;

use migrate_build::Diagnostic;
use migrate_build::analyze::describe;
use migrate_build::diagnostic::Severity;
use migrate_build::split::split_statements;
use serde_json::json;

use crate::Failure;
use crate::migrations::MigrationsArgs;
use crate::output::print;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// SQL files, each holding one or more statements separated by `;`.
    #[arg(value_name = "FILE.sql", required = true)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    migrations: MigrationsArgs,
    /// Print one JSON line per statement, in order: its parameter types and
    /// output columns (`{"params": ["int8"], "columns": [{"name": "id",
    /// "type": "int8", "nullable": false}]}`, PostgreSQL's udt names), or
    /// `{"error": "..."}`.
    #[arg(long, conflicts_with = "json")]
    describe: bool,
    /// Print the problems as one JSON document instead of
    /// `file:line:col: message` lines.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let folded = args.migrations.fold()?;
    let mut problems = Vec::new();
    let mut described_lines = String::new();
    let mut n_statements = 0;
    for file in &args.files {
        let source = migrate_build::discover::read_sql_file(file)
            .map_err(|error| Failure::usage(format_args!("{error}")))?;
        for statement in split_statements(&source) {
            n_statements += 1;
            let shift = |diagnostic: &Diagnostic| {
                let mut diagnostic = diagnostic.clone();
                diagnostic.span = diagnostic.span.start + statement.span.start
                    ..diagnostic.span.end + statement.span.start;
                diagnostic
            };
            match describe(&folded.schema, statement.text) {
                Ok(described) => {
                    for warning in &described.warnings {
                        problems.push(Problem::new(file, &source, &shift(warning)));
                    }
                    if args.describe {
                        let params: Vec<String> =
                            described.params.iter().map(|ty| ty.udt_name()).collect();
                        let columns: Vec<_> = described
                            .columns
                            .iter()
                            .map(|column| {
                                json!({
                                    "name": column.name,
                                    "type": column.ty.udt_name(),
                                    "nullable": column.nullable,
                                })
                            })
                            .collect();
                        described_lines.push_str(&format!(
                            "{}\n",
                            json!({ "params": params, "columns": columns })
                        ));
                    }
                }
                Err(errors) => {
                    let shifted: Vec<Problem> = errors
                        .iter()
                        .map(|error| Problem::new(file, &source, &shift(error)))
                        .collect();
                    if args.describe {
                        let message = shifted
                            .iter()
                            .map(|problem| problem.message.clone())
                            .collect::<Vec<_>>()
                            .join("; ");
                        described_lines.push_str(&format!("{}\n", json!({ "error": message })));
                    }
                    problems.extend(shifted);
                }
            }
        }
    }
    let n_errors = problems.iter().filter(|p| p.error).count();
    if args.describe {
        print(&described_lines)?;
        // The errors are in the JSON lines; the locations go to stderr.
        for problem in &problems {
            eprintln!("{}", problem.line());
        }
    } else if args.json {
        let items: Vec<_> = problems
            .iter()
            .map(|problem| {
                json!({
                    "file": problem.file,
                    "line": problem.line,
                    "column": problem.column,
                    "severity": if problem.error { "error" } else { "warning" },
                    "message": problem.message,
                    "help": problem.help,
                })
            })
            .collect();
        print(&crate::output::json_document(
            json!({ "statements": n_statements, "errors": n_errors, "problems": items }),
        ))?;
    } else {
        let mut text = String::new();
        for problem in &problems {
            text.push_str(&problem.line());
            text.push('\n');
        }
        text.push_str(&format!(
            "{n_statements} statement{} checked, {n_errors} error{}\n",
            if n_statements == 1 { "" } else { "s" },
            if n_errors == 1 { "" } else { "s" }
        ));
        print(&text)?;
    }
    if n_errors > 0 {
        return Err(Failure::findings());
    }
    Ok(())
}

/// One diagnostic, located in its file.
struct Problem {
    file: String,
    line: usize,
    column: usize,
    error: bool,
    message: String,
    help: Option<String>,
}

impl Problem {
    fn new(file: &std::path::Path, source: &str, diagnostic: &Diagnostic) -> Self {
        let (line, column) = diagnostic.line_col(source);
        Self {
            file: file.display().to_string(),
            line,
            column,
            error: diagnostic.severity == Severity::Error,
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
        }
    }

    /// `file:line:col: message`, warnings marked, help appended.
    fn line(&self) -> String {
        let mut line = format!("{}:{}:{}: ", self.file, self.line, self.column);
        if !self.error {
            line.push_str("warning: ");
        }
        line.push_str(&self.message);
        if let Some(help) = &self.help {
            line.push_str(&format!(" (help: {help})"));
        }
        line
    }
}
