//! Hostile input (issue 13): the minimal forms a fuzzing campaign found,
//! each run as rustc runs a proc macro: a debug build, on a thread of 8 MiB.
//! Every one must end in diagnostics (or none), never in a panic or a stack
//! overflow.

use migrate_build::analyze::describe;
use migrate_build::fold::fold_sql;
use migrate_build::{Diagnostic, Severity};

/// Runs `work` on a thread with the stack rustc gives a proc macro.
fn on_proc_macro_stack<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(work)
        .expect("spawn a thread")
        .join()
        .expect("the work panicked")
}

/// Describes `sql` against a small schema and renders every diagnostic.
fn describe_and_render(sql: &str) -> Vec<Diagnostic> {
    let sql = sql.to_owned();
    on_proc_macro_stack(move || {
        let schema = fold_sql("CREATE TABLE mods (id int PRIMARY KEY, x int);").schema;
        let diagnostics = match describe(&schema, &sql) {
            Ok(described) => described.warnings,
            Err(errors) => errors,
        };
        for diagnostic in &diagnostics {
            let rendered = diagnostic.render(&sql);
            assert!(rendered.contains('^'), "{rendered}");
        }
        diagnostics
    })
}

/// Folds `sql` and renders every diagnostic.
fn fold_and_render(sql: &str) -> Vec<Diagnostic> {
    let sql = sql.to_owned();
    on_proc_macro_stack(move || {
        let folded = fold_sql(&sql);
        for diagnostic in &folded.diagnostics {
            let rendered = diagnostic.render(&sql);
            assert!(rendered.contains('^'), "{rendered}");
        }
        folded.diagnostics
    })
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&str> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect()
}

#[test]
fn a_trailing_no_break_space_renders() {
    // PostgreSQL's lexer takes the no-break space as part of a word after
    // `1`: "trailing junk after numeric literal".
    let sql = "SELECT id FROM mods WHERE id = 1\u{a0}";
    let diagnostics = describe_and_render(sql);
    assert!(!errors(&diagnostics).is_empty(), "{diagnostics:?}");
    fold_and_render(sql);
}

#[test]
fn a_line_separator_after_set_renders() {
    let sql = "SET m\u{2028}";
    describe_and_render(sql);
    fold_and_render(sql);
}

#[test]
fn a_statement_ending_in_a_carriage_return_renders() {
    for sql in [
        "SELECT\r",
        "SELECT\r\n",
        "SELECT x FROM\r",
        "\r",
        "SELECT 1;\r\nSELEC\r\n",
    ] {
        describe_and_render(sql);
        fold_and_render(sql);
    }
}
