//! Hostile input (issue 13): the minimal forms a fuzzing campaign found,
//! each run as rustc runs a proc macro: a debug build, on a thread of 8 MiB.
//! Every one must end in diagnostics (or none), never in a panic or a stack
//! overflow.

use migrate_build::analyze::describe;
use migrate_build::diagnostic::LineIndex;
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

/// Describes `sql` against a table `t (x int, a int)` on a proc macro's
/// stack; the errors' messages.
fn describe_errors(sql: String) -> Vec<String> {
    on_proc_macro_stack(move || {
        let schema = fold_sql("CREATE TABLE t (x int, a int);").schema;
        match describe(&schema, &sql) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| e.message).collect(),
        }
    })
}

/// Folds `sql` on a proc macro's stack: the schema and the diagnostics'
/// messages.
fn fold_on_stack(sql: String) -> (migrate_core::Schema, Vec<String>) {
    on_proc_macro_stack(move || {
        let folded = fold_sql(&sql);
        let messages = folded.diagnostics.into_iter().map(|d| d.message).collect();
        (folded.schema, messages)
    })
}

fn relation<'a>(schema: &'a migrate_core::Schema, name: &str) -> &'a migrate_core::Relation {
    schema
        .relations
        .get(&migrate_core::Name::new("public", name))
        .unwrap_or_else(|| panic!("relation {name} not folded"))
}

#[test]
fn a_chain_of_400_additions_is_described() {
    let sql = format!("SELECT {}", vec!["1"; 400].join("+"));
    assert_eq!(describe_errors(sql), Vec::<String>::new());
}

#[test]
fn a_chain_of_500_casts_is_described() {
    let sql = format!("SELECT 1{}", "::int".repeat(500));
    assert_eq!(describe_errors(sql), Vec::<String>::new());
}

#[test]
fn a_chain_of_500_is_null_is_described() {
    let sql = format!("SELECT x{} FROM t", " IS NULL".repeat(500));
    assert_eq!(describe_errors(sql), Vec::<String>::new());
}

#[test]
fn a_chain_of_ands_and_of_unions_is_described() {
    let sql = format!("SELECT x FROM t WHERE true{}", " AND a = 1".repeat(2_000));
    assert_eq!(describe_errors(sql), Vec::<String>::new());
    let sql = vec!["SELECT x FROM t"; 2_000].join(" UNION ");
    assert_eq!(describe_errors(sql), Vec::<String>::new());
}

#[test]
fn an_error_at_the_end_of_a_long_chain_is_still_found() {
    // The chain is walked to its end: the unknown column is reported.
    let sql = format!("SELECT {}+y FROM t", vec!["x"; 2_000].join("+"));
    assert_eq!(describe_errors(sql), ["column \"y\" does not exist"]);
}

#[test]
fn a_view_of_2000_terms_is_folded() {
    let sql = format!(
        "CREATE VIEW v AS SELECT {} AS s",
        vec!["1"; 2_000].join("+")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert_eq!(relation(&schema, "v").columns[0].name, "s");
}

#[test]
fn a_generated_column_of_2000_terms_is_folded() {
    let sql = format!(
        "CREATE TABLE g (a int, b int GENERATED ALWAYS AS ({}) STORED)",
        vec!["a"; 2_000].join("+")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert_eq!(relation(&schema, "g").columns.len(), 2);
}

#[test]
fn a_default_of_2000_terms_is_folded() {
    let sql = format!(
        "CREATE TABLE d (a int DEFAULT {})",
        vec!["1"; 2_000].join("+")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert!(relation(&schema, "d").columns[0].default.is_some());
}

#[test]
fn an_index_predicate_of_2000_terms_is_folded() {
    let sql = format!(
        "CREATE TABLE i (a int); CREATE INDEX i_a ON i (a) WHERE {}",
        vec!["a > 1"; 2_000].join(" AND ")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert!(
        schema
            .indexes
            .contains_key(&migrate_core::Name::new("public", "i_a"))
    );
}

#[test]
fn an_array_type_5000_deep_is_folded() {
    let sql = format!("CREATE TABLE a (a int{})", "[]".repeat(5_000));
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    // PostgreSQL keeps no array dimensions: `int[][]` is `int[]`.
    assert_eq!(
        relation(&schema, "a").columns[0].ty.to_string(),
        "integer[]"
    );
}

#[test]
fn a_check_of_1000_anded_conditions_is_folded() {
    let sql = format!(
        "CREATE TABLE c (a int CHECK ({}))",
        vec!["a > 1"; 1_000].join(" AND ")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert_eq!(relation(&schema, "c").constraints.len(), 1);
}

/// Past [`migrate_build::MAX_CHAIN`] links that PostgreSQL may take (here
/// 16,001 `->`: PostgreSQL refuses, but migrate counts only arithmetic
/// toward PostgreSQL's depth, so it cannot be sure), the statement is not
/// walked: an error for a query, a warning (the statement left unfolded)
/// in a migration.
#[test]
fn a_chain_past_the_limit_is_a_diagnostic_not_a_crash() {
    let n = migrate_build::MAX_CHAIN + 1;
    let chain = format!("'{{}}'::jsonb{}", "->'a'".repeat(n));
    let errors = describe_errors(format!("SELECT {chain}"));
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .starts_with("migrate cannot follow this statement: it chains up to 16002 operators"),
        "{errors:?}"
    );
    let (schema, messages) = fold_on_stack(format!("CREATE VIEW v AS SELECT {chain} AS s"));
    assert!(schema.relations.is_empty());
    assert_eq!(messages.len(), 1);
    assert!(
        messages[0].ends_with("; the statement is not folded"),
        "{messages:?}"
    );
}

/// Each chain kind at the longest a Parse message of PostgreSQL 15 takes
/// (measured at the default `max_stack_depth` of 2 MB), and well past it.
/// A chain kind: its name, the statement of n links, the longest taken.
type Chain = (&'static str, fn(usize) -> String, usize);

fn chains() -> [Chain; 5] {
    [
        (
            "+",
            |n| format!("SELECT {}", vec!["1"; n + 1].join("+")),
            7_704,
        ),
        (
            "||",
            |n| format!("SELECT {}", vec!["'a'"; n + 1].join("||")),
            7_704,
        ),
        (
            "::int",
            |n| format!("SELECT 1{}", "::int".repeat(n)),
            13_097,
        ),
        (
            "IS NULL",
            |n| format!("SELECT 1{}", " IS NULL".repeat(n)),
            10_913,
        ),
        ("UNION", |n| vec!["SELECT 1"; n + 1].join(" UNION "), 7_273),
    ]
}

/// What PostgreSQL takes, `describe` follows; past it, it gives
/// PostgreSQL's error, in a query and in a migration, and so does the
/// server (asked here for both lengths).
#[test]
fn chains_are_followed_up_to_postgresqls_limit_and_refused_past_it() {
    let database = migrate_test_support::TestDatabase::new("hostile_chains");
    let mut client = database.client();
    for (kind, chain, longest) in chains() {
        let taken = chain(longest);
        assert!(client.prepare(&taken).is_ok(), "{kind}");
        assert_eq!(describe_errors(taken), Vec::<String>::new(), "{kind}");
        let refused = chain(longest + longest / 10);
        let server = client.prepare(&refused).expect_err(kind);
        let server = server.as_db_error().expect(kind).message().to_owned();
        assert_eq!(server, "stack depth limit exceeded");
        assert_eq!(
            describe_errors(refused.clone()),
            std::slice::from_ref(&server),
            "{kind}"
        );
        let (_, messages) = fold_on_stack(format!("CREATE VIEW v AS {refused}"));
        assert_eq!(messages, [server], "{kind}");
    }
}

/// A chain mixing precedences is as deep as its spine, not as long as its
/// operators: PostgreSQL takes 6,000 terms of `1*1*1` added (18,000
/// operators, a tree about 6,000 deep), and so do `describe` and the fold
/// (as a view and as a default), on a proc macro's stack. Asked here of
/// the server too.
#[test]
fn a_mixed_chain_postgresql_takes_is_described_and_folded() {
    let database = migrate_test_support::TestDatabase::new("hostile_mixed");
    let mut client = database.client();
    let chain = vec!["1*1*1"; 6_000].join("+");
    let query = format!("SELECT {chain}");
    client
        .prepare(&query)
        .expect("PostgreSQL takes the mixed chain");
    assert_eq!(describe_errors(query), Vec::<String>::new());
    let alternation = format!("SELECT {}", vec!["x*a^2"; 6_000].join("+"));
    client
        .prepare(&alternation.replace('x', "1").replace('a', "2"))
        .expect("PostgreSQL takes the alternation");
    assert_eq!(
        describe_errors(format!("{alternation} FROM t")),
        Vec::<String>::new()
    );
    let (schema, messages) = fold_on_stack(format!(
        "CREATE VIEW v AS SELECT {chain} AS s;\n\
         CREATE TABLE d (a int DEFAULT {chain});"
    ));
    assert_eq!(messages, Vec::<String>::new());
    assert_eq!(relation(&schema, "v").columns[0].name, "s");
    assert!(relation(&schema, "d").columns[0].default.is_some());
}

/// PostgreSQL runs out of stack for the depth of its tree, whatever the
/// mix: a `+` spine of 9,000 over `1*1` terms it refuses (asked here), and
/// so does migrate, in a query and in a migration; the longest it takes
/// (7,703 at the default `max_stack_depth`, by a Parse message) migrate
/// takes too.
#[test]
fn a_mixed_chain_postgresql_refuses_is_its_error() {
    let database = migrate_test_support::TestDatabase::new("hostile_spine");
    let mut client = database.client();
    let chain = |n: usize| format!("SELECT {}", vec!["1*1"; n].join("+"));
    let taken = chain(7_703);
    client
        .prepare(&taken)
        .expect("PostgreSQL takes 7,702 + over 1*1");
    assert_eq!(describe_errors(taken), Vec::<String>::new());
    let refused = chain(9_000);
    let server = client.prepare(&refused).expect_err("a spine of 9,000");
    let server = server
        .as_db_error()
        .expect("a server error")
        .message()
        .to_owned();
    assert_eq!(server, "stack depth limit exceeded");
    assert_eq!(
        describe_errors(refused.clone()),
        std::slice::from_ref(&server)
    );
    let (_, messages) = fold_on_stack(format!("CREATE VIEW v AS {refused}"));
    assert_eq!(messages, [server]);
}

/// A chain broken by another operator is not one chain: PostgreSQL takes
/// 5,000 `+` between 5,000 unary minuses or casts, and so does `describe`.
#[test]
fn operands_between_links_do_not_lengthen_a_chain() {
    for sql in [
        format!("SELECT {}", vec!["-1"; 5_000].join("+")),
        format!("SELECT {}", vec!["1::int"; 5_000].join("+")),
        format!("SELECT {}", vec!["(1+1)"; 5_000].join("+")),
        format!(
            "SELECT x FROM t WHERE {}",
            vec!["x IS NULL"; 10_000].join(" AND ")
        ),
    ] {
        assert_eq!(describe_errors(sql), Vec::<String>::new());
    }
}

/// Nesting by parentheses beyond what PostgreSQL's parser takes is
/// PostgreSQL's error.
#[test]
fn nesting_beyond_postgresql_is_its_error() {
    let sql = format!("SELECT {}1{}", "(".repeat(20_000), ")".repeat(20_000));
    let errors = describe_errors(sql.clone());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (_, messages) = fold_on_stack(sql);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(errors[0], messages[0]);
}

/// PL/pgSQL blocks nested as deep as PostgreSQL takes (3,331): read, in
/// linear time (each level read all it held again); one deeper is
/// PostgreSQL's error, found without running out of stack.
#[test]
fn deeply_nested_do_blocks_are_read_up_to_postgresqls_limit() {
    let nested = |n: usize| {
        format!(
            "CREATE TABLE d (a int);\nDO $$ {} ALTER TABLE d ADD COLUMN b int; {} $$;",
            "BEGIN ".repeat(n),
            "END; ".repeat(n)
        )
    };
    let (schema, messages) = fold_on_stack(nested(3_331));
    assert_eq!(messages, Vec::<String>::new());
    let columns: Vec<&str> = relation(&schema, "d")
        .columns
        .iter()
        .map(|column| column.name.as_str())
        .collect();
    assert_eq!(columns, ["a", "b"]);
    for n in [3_332, 20_000] {
        let (schema, messages) = fold_on_stack(nested(n));
        assert!(
            messages.contains(&"memory exhausted at or near \"BEGIN\"".to_owned()),
            "{messages:?}"
        );
        assert_eq!(relation(&schema, "d").columns.len(), 1);
    }
}

/// PostgreSQL flattens `AND` and `OR` chains and takes them at any length
/// (a CHECK or a view of 100,000 `AND`ed terms, a query of 100,000 `OR`s):
/// so do the fold and `describe`, up to `MAX_CHAIN * AND_OR_PER_LINK`
/// links, past the 16,000 of other operators. 20,000 here, to stay cheap;
/// `scripts/bench-hostile.sh` runs 60,000, and 100,000 were
/// followed once in a debug build.
#[test]
fn chains_of_20000_ands_and_ors_are_followed() {
    let n = 20_000;
    assert!(n > migrate_build::MAX_CHAIN);
    for op in [" AND ", " OR "] {
        let sql = format!("SELECT x FROM t WHERE {}", vec!["a = 1"; n].join(op));
        assert_eq!(describe_errors(sql), Vec::<String>::new(), "{op}");
    }
    // The last operand is still checked.
    let sql = format!(
        "SELECT x FROM t WHERE {} AND y = 1",
        vec!["a = 1"; n].join(" AND ")
    );
    assert_eq!(describe_errors(sql), ["column \"y\" does not exist"]);
    let sql = format!(
        "CREATE TABLE c (a int CHECK ({}));\nCREATE VIEW v AS SELECT a FROM c WHERE {};",
        vec!["a > 1"; n].join(" AND "),
        vec!["a > 1"; n].join(" OR ")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert_eq!(relation(&schema, "c").constraints.len(), 1);
    assert_eq!(relation(&schema, "v").columns[0].name, "a");
}

/// PostgreSQL takes 100,000 `AND`s (and any number): so does `describe`.
#[test]
fn a_query_of_100000_ands_is_described() {
    let n = 100_000;
    let sql = format!(
        "SELECT x FROM t WHERE {} AND y = 1",
        vec!["a = 1"; n].join(" AND ")
    );
    assert_eq!(describe_errors(sql), ["column \"y\" does not exist"]);
}

/// Past `MAX_CHAIN * QUERY_AND_OR_PER_LINK` links of `AND` in a query (and
/// `MAX_CHAIN * AND_OR_PER_LINK` in a migration, a warning there), migrate
/// says it cannot follow the statement (a documented limit: PostgreSQL
/// takes it).
#[test]
fn a_chain_of_ands_past_its_limit_is_a_diagnostic() {
    let n = migrate_build::MAX_CHAIN * migrate_build::QUERY_AND_OR_PER_LINK + 11;
    let sql = format!("SELECT x FROM t WHERE {}", vec!["a"; n].join(" AND "));
    let errors = describe_errors(sql);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("migrate cannot follow this statement"),
        "{errors:?}"
    );
    // The limit and whose it is are in the words.
    assert!(
        errors[0].contains("up to 128000 of them); this is migrate's own limit, PostgreSQL takes"),
        "{errors:?}"
    );
}

/// An AND chain under a CASE, in a subquery or a FILTER is measured by
/// sqlparser's `Spanned` (5.3 KiB of stack a link in a debug build), and a
/// HAVING checked against GROUP BY once printed every node: up to the
/// documented 128,000 `AND`s each is followed; past it, migrate says it
/// cannot (at 250,000 these overflowed the stack).
#[test]
fn chains_of_ands_in_every_clause_are_followed_up_to_the_limit() {
    let shapes: [fn(&str) -> String; 4] = [
        |chain| format!("SELECT CASE WHEN {chain} THEN 1 END FROM t"),
        |chain| format!("SELECT x FROM t WHERE x IN (SELECT x FROM t WHERE {chain})"),
        |chain| format!("SELECT count(*) FILTER (WHERE {chain}) FROM t"),
        |chain| format!("SELECT x FROM t GROUP BY x HAVING {chain}"),
    ];
    let limit = migrate_build::MAX_CHAIN * migrate_build::QUERY_AND_OR_PER_LINK;
    assert_eq!(limit, 128_000);
    for shape in shapes {
        let followed = shape(&vec!["x = 1"; limit - 100].join(" AND "));
        assert_eq!(describe_errors(followed), Vec::<String>::new());
        let past = shape(&vec!["x = 1"; 250_000].join(" AND "));
        let errors = describe_errors(past);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with("migrate cannot follow this statement"),
            "{errors:?}"
        );
    }
}

/// sqlparser's look-ahead for a subquery is quadratic in a run of `(`:
/// PostgreSQL's grammar, asked first past 1,000 nested parentheses,
/// refuses such a run in its own words, as the fold does.
#[test]
fn a_run_of_parentheses_is_postgresqls_error() {
    let sql = format!("INSERT INTO t {}", "(".repeat(8_000));
    let errors = describe_errors(sql.clone());
    let (_, messages) = fold_on_stack(sql);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors, messages);
}

/// The fold reads an ALTER TABLE that sqlparser refuses one action at a
/// time, the other actions blanked out. Blanking a quoted name with
/// multi-byte characters once shortened the text, and the next action's
/// offsets then ran past its end (a panic found by the fuzz harness).
#[test]
fn blanking_multi_byte_names_keeps_offsets() {
    let sql = "CREATE TABLE \"Tenant\" (id int, CONSTRAINT c UNIQUE (id) DEFERRABLE);\n\
        ALTER TABLE \"Tenant\" ADD COLUMN \"ñandú_größe\" int, \
        ALTER CONSTRAINT c NOT DEFERRABLE, ADD COLUMN \"résumé\" text, ADD COLUMN b int;\n\
        ALTER TABLE \"Tenant\" ADD COLUMN z int;\n";
    let diagnostics = fold_and_render(sql);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    let folded = fold_sql(sql);
    let columns: Vec<&str> = folded
        .schema
        .relations
        .values()
        .flat_map(|relation| relation.columns.iter().map(|column| column.name.as_str()))
        .collect();
    assert_eq!(columns, ["id", "ñandú_größe", "résumé", "b", "z"]);
}

/// A select list of 3,000 unknown columns on one 30 KB line (a fuzz input
/// that took 15 s): each of its 3,000 errors is rendered through one
/// [`LineIndex`], showing the line only around its column
/// (`diagnostic.rs` counts the work).
#[test]
fn thousands_of_errors_on_one_long_line_render_around_their_column() {
    let sql = format!("SELECT {}x FROM t", "nope, ".repeat(3_000));
    let diagnostics = describe_errors_with_spans(sql.clone());
    assert_eq!(diagnostics.len(), 3_000);
    let index = LineIndex::new(&sql);
    let last = index.render(&diagnostics[2_999]);
    assert!(last.contains("\n --> 1:18002\n"), "{last}");
    assert!(last.len() < 400, "{last}");
}

/// [`describe_errors`] with the whole diagnostics.
fn describe_errors_with_spans(sql: String) -> Vec<Diagnostic> {
    on_proc_macro_stack(move || {
        let schema = fold_sql("CREATE TABLE t (x int, a int);").schema;
        describe(&schema, &sql).err().unwrap_or_default()
    })
}

/// A file of 1,800 broken statements (a fuzz input that took 12 s to
/// fold): only its first 20 syntax errors get a did-you-mean, each of
/// which compares a word with every keyword.
#[test]
fn only_the_first_syntax_errors_get_a_did_you_mean() {
    let sql = "CREATE TABEL t (id int);\n".repeat(1_800);
    let errors = migrate_build::syntax::check(&sql);
    assert_eq!(errors.len(), 1_800);
    assert_eq!(errors[19].help.as_deref(), Some("did you mean \"TABLE\"?"));
    assert_eq!(errors[20].help, None);
    let diagnostics = fold_and_render(&sql);
    assert_eq!(diagnostics.len(), 1_800);
}

/// A migration whose view, CHECK, default, generated column and index
/// predicate each hold `n` `AND`ed (or `OR`ed) conditions, and the text the
/// fold keeps of each: the same as for a short chain, whatever `n`.
fn chained_migration(n: usize, op: &str) -> (String, [String; 5]) {
    let chain = vec!["a > 1"; n].join(op);
    let truths = vec!["true"; n].join(op);
    let view = format!("SELECT a, CASE WHEN {chain} THEN 1 END AS k FROM c WHERE {chain}");
    let sql = format!(
        "CREATE TABLE c (a int CHECK ({chain}), b boolean DEFAULT ({truths}), \
         g boolean GENERATED ALWAYS AS ({chain}) STORED);\n\
         CREATE INDEX i ON c (a) WHERE {chain};\n\
         CREATE VIEW v AS {view};\n"
    );
    // A default is written as PostgreSQL prints it: `((true AND true) AND true)`.
    let default = format!(
        "{}true{}",
        "(".repeat(n - 1),
        format!("{op}true)").repeat(n - 1)
    );
    (sql, [chain.clone(), default, chain.clone(), chain, view])
}

/// What the fold keeps of [`chained_migration`]'s objects, in its order.
fn chained_objects(schema: &migrate_core::Schema) -> [String; 5] {
    let table = relation(schema, "c");
    let check = match &table.constraints[..] {
        [constraint] => match &constraint.kind {
            migrate_core::ConstraintKind::Check { expression } => expression.clone(),
            other => panic!("not a CHECK: {other:?}"),
        },
        other => panic!("not one constraint: {other:?}"),
    };
    let index = schema
        .indexes
        .get(&migrate_core::Name::new("public", "i"))
        .expect("index i folded");
    [
        check,
        table.columns[1].default.clone().expect("a default"),
        table.columns[2].generated.clone().expect("generated"),
        index.predicate.clone().expect("a predicate"),
        relation(schema, "v")
            .definition
            .clone()
            .expect("a definition"),
    ]
}

/// PostgreSQL takes a view, a CHECK, a default, a generated column and an
/// index predicate of 100,000 `AND`s or `OR`s: the fold folds each, on a
/// proc macro's stack, keeping what it keeps of a short chain (sqlparser's
/// text, a default as PostgreSQL prints it), and the view has the server's
/// columns. They were once left out with a warning past 64,000 (the fold
/// wrote them with sqlparser's `Display`, 8.9 KiB of stack a link).
#[test]
fn a_migration_of_100000_ands_or_ors_is_folded() {
    let database = migrate_test_support::TestDatabase::new("hostile_fold_chains");
    let mut client = database.client();
    for op in [" AND ", " OR "] {
        for n in [3, 100_000] {
            let (sql, expected) = chained_migration(n, op);
            let (schema, messages) = fold_on_stack(sql.clone());
            assert_eq!(messages, Vec::<String>::new(), "{op} {n}");
            let folded = chained_objects(&schema);
            for (folded, expected) in folded.iter().zip(&expected) {
                assert!(folded == expected, "{op} {n}: {:.200}", folded);
            }
            if n > 3 {
                // Not the index: pg_index has no TOAST table, so PostgreSQL
                // stores a predicate of 100,000 terms in no row ("row is too
                // big"); it parses and plans it, which is what the fold
                // follows.
                let taken: String = sql
                    .lines()
                    .filter(|line| !line.starts_with("CREATE INDEX"))
                    .collect();
                client
                    .batch_execute(&format!("BEGIN; {taken}"))
                    .expect("PostgreSQL takes the migration");
                let server: Vec<String> = client
                    .query(
                        "SELECT column_name::text FROM information_schema.columns \
                         WHERE table_name = 'v' ORDER BY ordinal_position",
                        &[],
                    )
                    .expect("read the view's columns")
                    .iter()
                    .map(|row| row.get(0))
                    .collect();
                client.batch_execute("ROLLBACK").expect("roll back");
                let columns: Vec<&str> = relation(&schema, "v")
                    .columns
                    .iter()
                    .map(|column| column.name.as_str())
                    .collect();
                assert_eq!(columns, server, "{op}");
            }
        }
    }
}

/// Up to `MAX_CHAIN * AND_OR_PER_LINK` (128,000) `AND`s a migration is
/// folded, under a CASE (the most stack a link) as anywhere; past it the
/// statement is not folded, with a warning that gives the limit and says
/// it is migrate's own.
#[test]
fn a_migration_of_ands_is_folded_up_to_the_limit() {
    let limit = migrate_build::MAX_CHAIN * migrate_build::AND_OR_PER_LINK;
    assert_eq!(limit, 128_000);
    let (sql, expected) = chained_migration(limit - 100, " AND ");
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert!(chained_objects(&schema) == expected);
    let sql = format!(
        "CREATE TABLE c (a int);\nCREATE VIEW v AS SELECT a FROM c WHERE {};",
        vec!["a > 1"; limit + 11].join(" AND ")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].starts_with("migrate cannot follow this statement")
            && messages[0].contains("up to 128000 of them); this is migrate's own limit")
            && messages[0].ends_with("the statement is not folded"),
        "{messages:?}"
    );
    assert!(
        !schema
            .relations
            .contains_key(&migrate_core::Name::new("public", "v"))
    );
}

/// A chain where the fold's own printer does not walk (a view's ORDER BY)
/// is written by sqlparser's `Display`, about 8.9 KiB of stack a link in a
/// debug build: the thread the fold runs on holds it at the limit too.
#[test]
fn a_chain_the_printer_does_not_walk_is_folded_up_to_the_limit() {
    let limit = migrate_build::MAX_CHAIN * migrate_build::AND_OR_PER_LINK;
    let sql = format!(
        "CREATE TABLE c (a int);\nCREATE VIEW v AS SELECT a FROM c ORDER BY {};",
        vec!["a > 1"; limit - 100].join(" AND ")
    );
    let (schema, messages) = fold_on_stack(sql);
    assert_eq!(messages, Vec::<String>::new());
    assert!(
        schema
            .relations
            .contains_key(&migrate_core::Name::new("public", "v"))
    );
}

/// A GROUP BY on an AND with a HAVING of 128,000 `AND`s (less a hundred):
/// each node of the chain is compared with the grouped expression only
/// when it holds no more ANDs than it does, so the chain is neither written
/// out at each node (quadratic) nor through sqlparser's `Display`.
#[test]
fn a_having_chain_under_a_grouped_and_is_followed_up_to_the_limit() {
    let limit = migrate_build::MAX_CHAIN * migrate_build::QUERY_AND_OR_PER_LINK;
    let having = vec!["count(*) > 1"; limit - 100].join(" AND ");
    for grouped in ["x > 1 AND x < 9", "(x > 1 OR x < 9)"] {
        let sql = format!("SELECT {grouped} FROM t GROUP BY {grouped} HAVING {having}");
        assert_eq!(describe_errors(sql), Vec::<String>::new(), "{grouped}");
        // A column the GROUP BY does not hold is still found at the end.
        let sql = format!("SELECT {grouped} FROM t GROUP BY {grouped} HAVING {having} AND a = 1");
        assert_eq!(
            describe_errors(sql),
            [
                "column \"t.a\" must appear in the GROUP BY clause or be used in an aggregate function"
            ],
            "{grouped}"
        );
        // The grouped expression itself, in HAVING, is grouped.
        let sql = format!("SELECT 1 FROM t GROUP BY {grouped} HAVING {having} AND ({grouped})");
        assert_eq!(describe_errors(sql), Vec::<String>::new(), "{grouped}");
    }
}
