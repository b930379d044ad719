//! `split_statements` on every migration of the shared corpus: no SQL is lost
//! between statements, and the counts are the corpus README's.

use migrate_build::discover::discover;
use migrate_build::split::{SqlStatement, split_statements};
use migrate_test_support::corpus_dir;

/// Whether `gap` (the text between two statements) holds only whitespace,
/// comments and semicolons: nothing PostgreSQL would run. A gap starts
/// where a statement's last token ends, so lexing it alone is sound.
fn is_empty_sql(gap: &str) -> bool {
    split_statements(gap).is_empty()
}

/// Splits `sql` and checks that the statements cover it: every gap is
/// empty SQL, and every statement starts and ends on a token.
fn checked_split(sql: &str) -> Vec<SqlStatement<'_>> {
    let statements = split_statements(sql);
    let mut previous_end = 0;
    for statement in &statements {
        assert_eq!(&sql[statement.span.clone()], statement.text);
        assert!(statement.span.start >= previous_end, "statements overlap");
        let gap = &sql[previous_end..statement.span.start];
        assert!(is_empty_sql(gap), "SQL lost between statements: {gap:?}");
        assert_eq!(statement.text.trim(), statement.text, "not trimmed");
        assert!(
            !statement.text.ends_with(';'),
            "terminator kept: {:?}",
            statement.text
        );
        previous_end = statement.span.end;
    }
    assert!(is_empty_sql(&sql[previous_end..]), "SQL lost at the end");
    statements
}

/// Statements per set as the corpus README counts them; goose's
/// StatementBegin/End blocks counted by the statements inside them.
#[test]
fn corpus_statement_counts_match_the_readme() {
    let expected = [
        ("crates_io", 620),
        ("inbox_zero", 998),
        ("labrinth", 487),
        ("kestra", 177),
        ("hatchet", 1163),
    ];
    for (set, n_expected) in expected {
        let dir = corpus_dir().join(set).join("migrations");
        let discovered = discover(&dir, None).unwrap_or_else(|error| panic!("{set}: {error}"));
        let mut n_statements = 0;
        let mut n_inner = 0;
        for migration in &discovered.migrations {
            // The file's text: `up` has a file's own BEGIN and COMMIT blanked out.
            let file = std::fs::read_to_string(dir.join(&migration.path)).expect("readable");
            let up = &file[migration.up_offset..migration.up_offset + migration.up.len()];
            checked_split(&migration.up);
            for statement in checked_split(up) {
                n_statements += 1;
                n_inner += checked_split(statement.text).len();
            }
        }
        println!("{set}: {n_statements} statements, {n_inner} counting inside goose blocks");
        assert_eq!(n_inner, n_expected, "{set}");
    }
}
