//! Utility statements held to PostgreSQL: each is prepared (PostgreSQL's
//! Parse and Describe: the rows it returns) and run in a transaction that
//! is rolled back (where PostgreSQL resolves its names). `describe` accepts
//! exactly the statements PostgreSQL runs, refuses the others with
//! PostgreSQL's message, and describes the same rows. A statement
//! PostgreSQL's grammar accepts is never a syntax error.

use migrate_build::analyze::describe;
use migrate_build::fold::fold_sql;
use migrate_test_support::TestDatabase;

const SCHEMA: &str = "
    CREATE TABLE accounts (id bigint PRIMARY KEY, name text NOT NULL);
    CREATE TABLE audit.log (id int);
    CREATE VIEW account_names AS SELECT name FROM accounts;
    CREATE MATERIALIZED VIEW account_count AS SELECT count(*) AS n FROM accounts;
    CREATE UNIQUE INDEX account_count_n ON account_count (n);
    CREATE SEQUENCE ticket_seq;";

const STATEMENTS: &[&str] = &[
    // Names checked as PostgreSQL checks them when it runs the statement.
    "TRUNCATE accounts",
    "TRUNCATE TABLE accounts, audit.log RESTART IDENTITY CASCADE",
    "TRUNCATE acounts",
    "TRUNCATE account_names",
    "TRUNCATE ticket_seq",
    "LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE",
    "LOCK accounts, account_names IN SHARE MODE NOWAIT",
    "LOCK missing",
    "REFRESH MATERIALIZED VIEW account_count",
    "REFRESH MATERIALIZED VIEW CONCURRENTLY account_count",
    "REFRESH MATERIALIZED VIEW public.account_count WITH DATA",
    "REFRESH MATERIALIZED VIEW account_names",
    "REFRESH MATERIALIZED VIEW account_cnt",
    "REFRESH MATERIALIZED VIEW accounts",
    "REFRESH MATERIALIZED VIEW ticket_seq",
    "LOCK ticket_seq",
    "LOCK account_count",
    "TRUNCATE account_count",
    "ALTER SEQUENCE account_names RESTART",
    "ALTER SEQUENCE ticket_seq RESTART WITH 1",
    "ALTER SEQUENCE ticket_seq RESTART",
    "ALTER SEQUENCE public.ticket_seq INCREMENT BY 2 MINVALUE 1",
    "ALTER SEQUENCE IF EXISTS nothing_seq RESTART",
    "ALTER SEQUENCE tickets_seq RESTART WITH 1",
    "ALTER SEQUENCE accounts RESTART WITH 1",
    // A sequence is read as a relation, never written as one.
    "SELECT last_value, is_called FROM ticket_seq",
    "INSERT INTO ticket_seq VALUES (1, 0, true)",
    "UPDATE ticket_seq SET is_called = false",
    "DELETE FROM ticket_seq",
    // Nothing to check, nothing returned.
    "NOTIFY jobs",
    "NOTIFY jobs, 'payload'",
    "LISTEN jobs",
    "UNLISTEN *",
    "SET LOCAL lock_timeout = '1s'",
    "SET search_path TO public",
    "RESET ALL",
    "SAVEPOINT a",
    "DISCARD SEQUENCES",
    // Relations and columns named by ANALYZE, COMMENT ON, GRANT and REVOKE.
    "ANALYZE accounts",
    "ANALYZE VERBOSE accounts (id, name), audit.log",
    "ANALYZE (SKIP_LOCKED) accounts (nme)",
    "ANALYZE acounts",
    "ANALYZE account_names",
    "ANALYZE ticket_seq",
    "ANALYZE pg_class",
    "ANALYZE",
    "COMMENT ON TABLE accounts IS 'people'",
    "COMMENT ON TABLE account_names IS 'x'",
    "COMMENT ON TABLE ticket_seq IS 'x'",
    "COMMENT ON TABLE acounts IS 'x'",
    "COMMENT ON VIEW account_names IS 'names'",
    "COMMENT ON VIEW accounts IS 'x'",
    "COMMENT ON MATERIALIZED VIEW account_count IS 'n'",
    "COMMENT ON MATERIALIZED VIEW accounts IS 'n'",
    "COMMENT ON SEQUENCE ticket_seq IS 'tickets'",
    "COMMENT ON SEQUENCE accounts IS 'x'",
    "COMMENT ON COLUMN accounts.name IS 'full name'",
    "COMMENT ON COLUMN public.accounts.name IS NULL",
    "COMMENT ON COLUMN account_names.name IS 'x'",
    "COMMENT ON COLUMN accounts.nme IS 'x'",
    "COMMENT ON COLUMN acounts.name IS 'x'",
    "COMMENT ON COLUMN name IS 'x'",
    "COMMENT ON INDEX account_count_n IS 'unique'",
    "GRANT SELECT ON accounts TO postgres",
    "GRANT SELECT, UPDATE (name) ON TABLE accounts, account_names TO postgres",
    "GRANT SELECT (nme) ON accounts TO postgres",
    "GRANT INSERT ON acounts TO postgres",
    "GRANT USAGE ON SEQUENCE ticket_seq TO postgres",
    "GRANT USAGE ON SEQUENCE accounts TO postgres",
    "GRANT SELECT ON ticket_seq TO PUBLIC",
    "GRANT SELECT ON pg_catalog.pg_class TO postgres",
    "GRANT SELECT ON ALL TABLES IN SCHEMA public TO postgres",
    "REVOKE ALL ON accounts FROM PUBLIC",
    "REVOKE GRANT OPTION FOR SELECT (id) ON accounts FROM postgres",
    "REVOKE UPDATE (idd) ON accounts FROM postgres",
    "REVOKE SELECT ON audit.logs FROM postgres",
    // Rows described.
    "SHOW search_path",
    "SHOW TimeZone",
    "SHOW ALL",
    "EXPLAIN SELECT * FROM accounts WHERE id = $1",
    "EXPLAIN (FORMAT JSON) SELECT name FROM accounts",
    "EXPLAIN SELECT nme FROM accounts",
];

/// Statements PostgreSQL will not run inside a transaction block: prepared
/// only, and run on their own.
const OUTSIDE_TRANSACTION: &[&str] = &[
    "VACUUM accounts",
    "VACUUM (ANALYZE) accounts",
    "VACUUM (ANALYZE, VERBOSE) accounts (name), audit.log",
    "VACUUM FULL VERBOSE ANALYZE accounts (id)",
    "VACUUM ANALYZE accounts (nme)",
    "VACUUM acounts",
    "VACUUM account_names",
    "VACUUM",
    "CHECKPOINT",
];

/// Parameter type names, and (name, type name) of each result column.
type Description = (Vec<String>, Vec<(String, String)>);

#[test]
fn utility_statements_agree_with_postgres() {
    let schema_sql = format!("CREATE SCHEMA audit; {SCHEMA}");
    let folded = fold_sql(&schema_sql);
    assert!(
        folded.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        folded.diagnostics
    );
    let db = TestDatabase::new("analyze_utility");
    let mut client = db.client();
    client.batch_execute(&schema_sql).expect("schema applies");
    let mut differences = Vec::new();
    let mut n_accepted = 0;
    let mut n_refused = 0;
    let all = STATEMENTS
        .iter()
        .map(|sql| (*sql, true))
        .chain(OUTSIDE_TRANSACTION.iter().map(|sql| (*sql, false)));
    for (sql, in_transaction) in all {
        // What PostgreSQL says: Parse and Describe, then running it.
        let theirs: Result<Description, String> = {
            let outcome = if in_transaction {
                let mut transaction = client.transaction().expect("begin");
                let outcome = transaction.prepare(sql).and_then(|statement| {
                    // EXPLAIN's parameters need values; running it adds nothing.
                    if statement.params().is_empty() {
                        transaction.batch_execute(sql)?;
                    }
                    Ok(statement)
                });
                transaction.rollback().expect("rollback");
                outcome
            } else {
                client
                    .prepare(sql)
                    .and_then(|statement| client.batch_execute(sql).map(|()| statement))
            };
            outcome
                .map(|statement| {
                    (
                        statement
                            .params()
                            .iter()
                            .map(|t| t.name().to_owned())
                            .collect(),
                        statement
                            .columns()
                            .iter()
                            .map(|c| (c.name().to_owned(), c.type_().name().to_owned()))
                            .collect(),
                    )
                })
                .map_err(|error| {
                    error
                        .as_db_error()
                        .map_or(error.to_string(), |e| e.message().to_owned())
                })
        };
        let ours = describe(&folded.schema, sql);
        match (&ours, &theirs) {
            (Ok(described), Ok((params, columns))) => {
                n_accepted += 1;
                let our_params: Vec<String> =
                    described.params.iter().map(|t| t.udt_name()).collect();
                let our_columns: Vec<(String, String)> = described
                    .columns
                    .iter()
                    .map(|c| (c.name.clone(), c.ty.udt_name()))
                    .collect();
                if &our_params != params || &our_columns != columns {
                    differences.push(format!(
                        "{sql}\n  postgres {params:?} {columns:?}\n  ours     {our_params:?} {our_columns:?}"
                    ));
                }
            }
            (Err(errors), Err(message)) => {
                n_refused += 1;
                if !errors.iter().any(|e| &e.message == message) {
                    differences.push(format!(
                        "{sql}\n  postgres: {message}\n  ours:     {:?}",
                        errors.iter().map(|e| &e.message).collect::<Vec<_>>()
                    ));
                }
            }
            (Ok(_), Err(message)) => differences.push(format!(
                "{sql}\n  postgres refuses ({message}), migrate accepts"
            )),
            (Err(errors), Ok(_)) => differences.push(format!(
                "{sql}\n  migrate refuses, postgres runs it:\n{}",
                errors
                    .iter()
                    .map(|e| e.render(sql))
                    .collect::<Vec<_>>()
                    .join("\n")
            )),
        }
    }
    println!(
        "utility statements: {n_accepted} accepted by both, {n_refused} refused by both, {} differences",
        differences.len()
    );
    for difference in &differences {
        println!("DIFF {difference}");
    }
    assert!(differences.is_empty(), "{} differences", differences.len());
}

/// Every statement of every migration history in the corpus (DDL above
/// all: utility statements PostgreSQL's grammar accepts), described against
/// the schema its set folds to: none is a syntax error, and none is refused
/// because migrate cannot read it, except queries sqlparser cannot read
/// (counted, and listed with `--nocapture`).
#[test]
fn no_corpus_statement_is_a_false_syntax_error() {
    let sets = [
        "crates_io",
        "inbox_zero",
        "labrinth",
        "kestra",
        "bors",
        "defguard",
        "underway",
        "zero2prod",
        "hatchet",
    ];
    let mut n_statements = 0;
    let mut n_accepted = 0;
    let mut n_refused_by_name = 0;
    let mut query_gaps = Vec::new();
    let mut false_errors = Vec::new();
    for set in sets {
        let dir = migrate_test_support::corpus_dir()
            .join(set)
            .join("migrations");
        let discovered = migrate_build::discover::discover(&dir, None).expect("discover");
        let schema = migrate_build::fold::fold(&discovered.migrations).schema;
        for migration in &discovered.migrations {
            // A goose StatementBegin/End block is one piece of several
            // statements: split again.
            let pieces = migrate_build::split::split_statements(&migration.up);
            let statements = pieces
                .iter()
                .flat_map(|piece| migrate_build::split::split_statements(piece.text));
            for statement in statements {
                let sql = statement.text.trim().trim_end_matches(';').trim();
                if sql.is_empty() || !migrate_build::syntax::check(sql).is_empty() {
                    continue;
                }
                n_statements += 1;
                match describe(&schema, sql) {
                    Ok(_) => n_accepted += 1,
                    Err(errors) => {
                        let first = &errors[0].message;
                        let lower = sql.trim_start().to_ascii_lowercase();
                        let is_query = [
                            "select", "with", "insert", "update", "delete", "merge", "values", "(",
                        ]
                        .iter()
                        .any(|word| lower.starts_with(word));
                        if first.starts_with("syntax error") || first.contains("multiple commands")
                        {
                            false_errors.push(format!("{set} {}: {first}\n{sql}", migration.path));
                        } else if first.starts_with("migrate cannot check") {
                            if is_query {
                                query_gaps.push(format!("{set} {}: {first}", migration.path));
                            } else {
                                false_errors
                                    .push(format!("{set} {}: {first}\n{sql}", migration.path));
                            }
                        } else {
                            // A name the statement uses against the final
                            // schema (a table a later migration drops).
                            n_refused_by_name += 1;
                            println!("NAME {set} {}: {first}", migration.path);
                        }
                    }
                }
            }
        }
    }
    println!(
        "{n_statements} corpus statements PostgreSQL's grammar accepts: {n_accepted} accepted, {n_refused_by_name} refused for a name (against the final schema), {} queries sqlparser cannot read, {} false errors",
        query_gaps.len(),
        false_errors.len()
    );
    for gap in &query_gaps {
        println!("GAP {gap}");
    }
    for error in &false_errors {
        println!("FALSE {error}");
    }
    assert!(
        false_errors.is_empty(),
        "{} false errors",
        false_errors.len()
    );
}
