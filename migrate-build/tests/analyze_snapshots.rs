//! Snapshots of `describe`: for each construct, what it infers; for each
//! error, the diagnostic as a user reads it. Re-bless with `UPDATE_EXPECT=1`.
//!
//! The schema is folded from SQL by the build helper's own fold, as in a
//! real build.

use std::sync::OnceLock;

use expect_test::{Expect, expect};
use migrate_build::analyze::describe;
use migrate_build::fold::fold_sql;
use migrate_core::Schema;

const SCHEMA: &str = r#"
CREATE TYPE "TaskStatus" AS ENUM ('TODO', 'IN_PROGRESS', 'DONE');
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    name text,
    age int,
    tags text[] NOT NULL DEFAULT '{}',
    settings jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);
CREATE TABLE tasks (
    id serial PRIMARY KEY,
    owner_id bigint NOT NULL REFERENCES users (id),
    title text NOT NULL,
    status "TaskStatus" NOT NULL DEFAULT 'TODO',
    due date,
    UNIQUE (owner_id, title)
);
CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    actor text NOT NULL,
    action text NOT NULL
);
CREATE FUNCTION audit_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.actor := current_user; RETURN NEW; END $$;
CREATE TRIGGER audit_actor BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_actor();
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, amount numeric(12, 2) NOT NULL);
CREATE VIEW open_tasks AS
    SELECT t.id, t.title, u.email FROM tasks t JOIN users u ON u.id = t.owner_id
    WHERE t.status <> 'DONE';
"#;

fn schema() -> &'static Schema {
    static SCHEMA_CELL: OnceLock<Schema> = OnceLock::new();
    SCHEMA_CELL.get_or_init(|| {
        let folded = fold_sql(SCHEMA);
        assert!(!folded.has_errors(), "{:#?}", folded.diagnostics);
        folded.schema
    })
}

/// The description (`$n` types, then one line per column: name, type,
/// `null`/`not null`, for an array whether its elements may be null, for
/// an anonymous record its fields, Rust override), or every diagnostic
/// rendered.
fn check(sql: &str, expected: Expect) {
    check_in(schema(), sql, expected);
}

/// [`check`] over another schema.
fn check_in(schema: &Schema, sql: &str, expected: Expect) {
    let actual = match describe(schema, sql) {
        Ok(described) => {
            let mut out = String::new();
            let params: Vec<String> = described.params.iter().map(|p| p.udt_name()).collect();
            out.push_str(&format!("params: [{}]\n", params.join(", ")));
            for column in &described.columns {
                let elements = match (column.ty.array, column.element_nullable) {
                    (false, _) => "",
                    (true, true) => ", elements null",
                    (true, false) => ", elements not null",
                };
                let fields = column.fields.as_ref().map_or(String::new(), |fields| {
                    let fields: Vec<String> = fields
                        .iter()
                        .map(|field| {
                            format!(
                                "{} {}",
                                field.ty.udt_name(),
                                if field.nullable { "null" } else { "not null" }
                            )
                        })
                        .collect();
                    format!(" ({})", fields.join(", "))
                });
                out.push_str(&format!(
                    "{}: {} {}{elements}{fields}{}\n",
                    column.name,
                    column.ty.udt_name(),
                    if column.nullable { "null" } else { "not null" },
                    column
                        .rust_type
                        .as_ref()
                        .map_or(String::new(), |t| format!(" as {t}")),
                ));
            }
            for warning in &described.warnings {
                out.push_str(&warning.render(sql));
                out.push('\n');
            }
            out
        }
        Err(errors) => {
            let rendered: Vec<String> = errors.iter().map(|e| e.render(sql)).collect();
            rendered.join("\n") + "\n"
        }
    };
    expected.assert_eq(&actual);
}

// ---- constructs ----

#[test]
fn array_elements_are_null_unless_the_query_builds_them_not_null() {
    // A column's elements: PostgreSQL's catalog promises nothing of them.
    check(
        "SELECT tags, ARRAY[id, 2] AS built, ARRAY[id, age] AS with_age, \
         '{1,2}'::int[] AS literal, '{1,NULL}'::int[] AS literal_null, \
         ARRAY(SELECT email FROM users) AS emails, ARRAY(SELECT name FROM users) AS names, \
         (SELECT array_agg(id) FROM tasks) AS ids, ARRAY[ARRAY[1], ARRAY[2]] AS nested \
         FROM users",
        expect![[r#"
            params: []
            tags: _text not null, elements null
            built: _int8 not null, elements not null
            with_age: _int8 not null, elements null
            literal: _int4 not null, elements not null
            literal_null: _int4 not null, elements null
            emails: _varchar not null, elements not null
            names: _text not null, elements null
            ids: _int4 null, elements not null
            nested: _int4 not null, elements not null
        "#]],
    );
    // array_agg of a nullable value, unless FILTER leaves its NULLs out;
    // through a derived table and a CTE.
    check(
        "WITH agg AS (SELECT owner_id, array_agg(due) AS dues, \
                                array_agg(due) FILTER (WHERE due IS NOT NULL) AS known, \
                                array_agg(title ORDER BY id) AS titles \
                         FROM tasks GROUP BY owner_id) \
         SELECT a.dues, a.known, d.titles FROM agg a JOIN (SELECT * FROM agg) d USING (owner_id)",
        expect![[r#"
            params: []
            dues: _date null, elements null
            known: _date null, elements not null
            titles: _text null, elements not null
        "#]],
    );
}

#[test]
fn anonymous_records_carry_their_fields() {
    check(
        "SELECT ROW(id, name) AS pair, (email, age, 'x') AS triple, \
         (SELECT array_agg((t.id, t.due)) FROM tasks t) AS records, \
         ARRAY[ROW(1, name), ROW(2, NULL)] AS built \
         FROM users",
        expect![[r#"
            params: []
            pair: record not null (int8 not null, text null)
            triple: record not null (varchar not null, int4 null, text not null)
            records: _record null, elements not null (int4 not null, date null)
            built: _record not null, elements not null (int4 not null, text null)
        "#]],
    );
}

#[test]
fn select_columns_and_parameters() {
    check(
        "SELECT id, email, name FROM users WHERE id = $1 AND name = $2",
        expect![[r#"
            params: [int8, text]
            id: int8 not null
            email: varchar not null
            name: text null
        "#]],
    );
}

#[test]
fn star_and_qualified_star_expand() {
    check(
        "SELECT t.*, u.email FROM tasks t JOIN users u ON u.id = t.owner_id",
        expect![[r#"
            params: []
            id: int4 not null
            owner_id: int8 not null
            title: text not null
            status: TaskStatus not null
            due: date null
            email: varchar not null
        "#]],
    );
}

#[test]
fn unquoted_names_fold_and_quoted_ones_do_not() {
    check(
        "SELECT ID, Email AS \"Email\", u.NAME FROM Users U",
        expect![[r#"
            params: []
            id: int8 not null
            Email: varchar not null
            name: text null
        "#]],
    );
}

#[test]
fn outer_joins_make_the_other_side_nullable() {
    check(
        "SELECT u.id, t.id AS task_id, t.title FROM users u LEFT JOIN tasks t ON t.owner_id = u.id",
        expect![[r#"
            params: []
            id: int8 not null
            task_id: int4 null
            title: text null
        "#]],
    );
    check(
        "SELECT u.id, t.title FROM users u FULL JOIN tasks t ON t.owner_id = u.id",
        expect![[r#"
            params: []
            id: int8 null
            title: text null
        "#]],
    );
}

#[test]
fn a_strict_where_condition_undoes_the_outer_join() {
    // PostgreSQL plans this LEFT JOIN as an inner join: t.title stays NOT NULL.
    check(
        "SELECT u.id, t.title FROM users u LEFT JOIN tasks t ON t.owner_id = u.id WHERE t.status = $1",
        expect![[r#"
            params: [TaskStatus]
            id: int8 not null
            title: text not null
        "#]],
    );
}

#[test]
fn a_whole_row_of_an_outer_joined_table_is_nullable() {
    // bors: `LEFT JOIN build AS try_build ...` selecting `try_build`; with no
    // matching row PostgreSQL gives NULL, not a row of NULLs.
    check(
        "SELECT u, t FROM users u LEFT JOIN tasks t ON t.owner_id = u.id",
        expect![[r#"
            params: []
            u: users not null
            t: tasks null
        "#]],
    );
    // A strict WHERE condition on it makes the join inner again.
    check(
        "SELECT t FROM users u LEFT JOIN tasks t ON t.owner_id = u.id WHERE t.title = $1",
        expect![[r#"
            params: [text]
            t: tasks not null
        "#]],
    );
}

#[test]
fn the_select_list_types_a_parameter_before_where() {
    // PostgreSQL reaches the select list first, so $1 is int4 (and then
    // `owner_id = $1` is int8 = int4); the strict WHERE condition still
    // makes t.title NOT NULL.
    check(
        "SELECT t.title, make_interval(0, 0, 0, $1) FROM users u LEFT JOIN tasks t ON t.owner_id = u.id WHERE t.owner_id = $1",
        expect![[r#"
            params: [int4]
            title: text not null
            make_interval: interval null
        "#]],
    );
}

#[test]
fn using_merges_the_join_column() {
    check(
        "SELECT * FROM users JOIN (SELECT owner_id AS id, title FROM tasks) t USING (id)",
        expect![[r#"
            params: []
            id: int8 not null
            email: varchar not null
            name: text null
            age: int4 null
            tags: _text not null, elements null
            settings: jsonb null
            created_at: timestamptz not null
            updated_at: timestamptz null
            title: text not null
        "#]],
    );
}

#[test]
fn lateral_subquery_sees_the_items_before_it() {
    check(
        "SELECT u.id, last.title FROM users u, LATERAL (SELECT title FROM tasks t WHERE t.owner_id = u.id ORDER BY due DESC LIMIT 1) last",
        expect![[r#"
            params: []
            id: int8 not null
            title: text not null
        "#]],
    );
}

#[test]
fn correlated_scalar_subquery_and_exists() {
    check(
        "SELECT u.email, (SELECT count(*) FROM tasks t WHERE t.owner_id = u.id) AS n, EXISTS (SELECT 1 FROM tasks t WHERE t.owner_id = u.id) FROM users u",
        expect![[r#"
            params: []
            email: varchar not null
            n: int8 null
            exists: bool not null
        "#]],
    );
}

#[test]
fn ctes_recursive_and_data_modifying() {
    check(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) SELECT i FROM n",
        expect![[r#"
            params: [int4]
            i: int4 not null
        "#]],
    );
    check(
        "WITH done AS (UPDATE tasks SET status = 'DONE' WHERE due < $1 RETURNING id) SELECT count(*) FROM done",
        expect![[r#"
            params: [date]
            count: int8 not null
        "#]],
    );
}

#[test]
fn set_operations_take_the_common_type() {
    check(
        "SELECT id FROM users UNION SELECT id FROM tasks",
        expect![[r#"
            params: []
            id: int8 not null
        "#]],
    );
    check(
        "SELECT $1 UNION ALL SELECT title FROM tasks",
        expect![[r#"
        params: [text]
        ?column?: text null
    "#]],
    );
}

#[test]
fn aggregates_group_by_and_ordinals() {
    check(
        "SELECT owner_id, count(*), sum(id), avg(id), max(due), array_agg(title), string_agg(title, ',') FROM tasks GROUP BY 1 HAVING count(*) > $1 ORDER BY 2 DESC",
        expect![[r#"
            params: [int8]
            owner_id: int8 not null
            count: int8 not null
            sum: int8 null
            avg: numeric null
            max: date null
            array_agg: _text null, elements not null
            string_agg: text null
        "#]],
    );
}

#[test]
fn grouping_sets_make_grouped_columns_nullable() {
    // The rows of the (status) set have NULL in owner_id, and the grand
    // total of ROLLUP has NULL in every grouped column.
    check(
        "SELECT owner_id, status, count(*), grouping(owner_id, status), max(id) FROM tasks GROUP BY GROUPING SETS ((owner_id), (status))",
        expect![[r#"
            params: []
            owner_id: int8 null
            status: TaskStatus null
            count: int8 not null
            grouping: int4 not null
            max: int4 null
        "#]],
    );
    check(
        "SELECT owner_id, count(id) AS n FROM tasks GROUP BY ROLLUP (owner_id)",
        expect![[r#"
            params: []
            owner_id: int8 null
            n: int8 not null
        "#]],
    );
}

#[test]
fn window_functions_distinct_on_and_locking() {
    check(
        "SELECT DISTINCT ON (owner_id) owner_id, row_number() OVER (PARTITION BY owner_id ORDER BY due) FROM tasks ORDER BY owner_id LIMIT $1 OFFSET $2 FOR UPDATE SKIP LOCKED",
        expect![[r#"
            params: [int8, int8]
            owner_id: int8 not null
            row_number: int8 not null
        "#]],
    );
}

#[test]
fn values_lists() {
    check(
        "SELECT * FROM (VALUES (1, 'a'), (2, $1)) AS v (n, s)",
        expect![[r#"
            params: [text]
            n: int4 not null
            s: text null
        "#]],
    );
}

#[test]
fn expressions_name_their_columns_as_postgres_does() {
    check(
        "SELECT 1, 'x', coalesce(name, email), upper(email), now(), CASE WHEN age > 1 THEN 'a' END, age::text, '7'::int, ARRAY[1, 2], settings->>'theme' FROM users",
        expect![[r#"
            params: []
            ?column?: int4 not null
            ?column?: text not null
            coalesce: text not null
            upper: text null
            now: timestamptz not null
            case: text null
            age: text null
            int4: int4 not null
            array: _int4 not null, elements not null
            ?column?: text null
        "#]],
    );
}

#[test]
fn any_takes_an_array_parameter() {
    check(
        "SELECT id FROM users WHERE id = ANY($1) OR email = ANY($2)",
        expect![[r#"
            params: [_int8, _text]
            id: int8 not null
        "#]],
    );
}

#[test]
fn casts_decide_parameter_types() {
    check(
        "SELECT * FROM UNNEST($1::bigint[], $2::text[]) AS x (id, title)",
        expect![[r#"
            params: [_int8, _text]
            id: int8 null
            title: text null
        "#]],
    );
}

#[test]
fn views_are_relations() {
    check(
        "SELECT id, title, email FROM open_tasks WHERE id = $1",
        expect![[r#"
            params: [int4]
            id: int4 null
            title: text null
            email: varchar null
        "#]],
    );
}

#[test]
fn sqlx_overrides() {
    check(
        "SELECT count(*) AS \"n!\", max(id) AS \"max?\", status AS \"status: TaskStatus\" FROM tasks GROUP BY status",
        expect![[r#"
            params: []
            n: int8 not null
            max: int4 null
            status: TaskStatus not null as TaskStatus
        "#]],
    );
    // sqlx's wildcard names no Rust type: the column keeps its own SQL
    // type, and `query_as!` reads it as its struct field's type.
    check(
        "SELECT status AS \"status: _\", title AS \"title?: _\" FROM tasks",
        expect![[r#"
            params: []
            status: TaskStatus not null as _
            title: text null as _
        "#]],
    );
}

#[test]
fn insert_returning_and_on_conflict() {
    check(
        "INSERT INTO tasks (owner_id, title, status) VALUES ($1, $2, $3) ON CONFLICT (owner_id, title) DO UPDATE SET status = EXCLUDED.status, due = $4 RETURNING id, status",
        expect![[r#"
            params: [int8, text, TaskStatus, date]
            id: int4 not null
            status: TaskStatus not null
        "#]],
    );
}

#[test]
fn insert_select_types_parameters_from_the_target() {
    check(
        "INSERT INTO users (email, age) SELECT $1, $2",
        expect![[r#"
        params: [varchar, int4]
    "#]],
    );
}

#[test]
fn update_from_and_delete_using() {
    check(
        "UPDATE tasks t SET due = $1 FROM users u WHERE u.id = t.owner_id AND u.email = $2 RETURNING t.id, u.email",
        expect![[r#"
            params: [date, text]
            id: int4 not null
            email: varchar not null
        "#]],
    );
    check(
        "DELETE FROM tasks t USING users u WHERE u.id = t.owner_id AND u.name = $1 RETURNING t.*",
        expect![[r#"
            params: [text]
            id: int4 not null
            owner_id: int8 not null
            title: text not null
            status: TaskStatus not null
            due: date null
        "#]],
    );
}

#[test]
fn before_insert_trigger_turns_missing_not_null_into_a_warning() {
    check(
        "INSERT INTO audit (action) VALUES ($1)",
        expect![[r#"
        params: [text]
        warning: null value in column "actor" of relation "audit" violates not-null constraint
         --> 1:13
          |
        1 | INSERT INTO audit (action) VALUES ($1)
          |             ^^^^^
          = help: "actor" is NOT NULL without a default; a BEFORE INSERT trigger on "audit" may fill it
    "#]],
    );
}

#[test]
fn uses_lists_every_table_and_column() {
    let described = describe(
        schema(),
        "SELECT t.title FROM tasks t JOIN users u ON u.id = t.owner_id WHERE u.email = $1",
    )
    .unwrap();
    let uses: Vec<String> = described
        .uses
        .iter()
        .map(|u| format!("{}.{}", u.table.name, u.column.as_deref().unwrap_or("*")))
        .collect();
    expect![[r#"
        [
            "tasks.*",
            "users.*",
            "users.id",
            "tasks.owner_id",
            "tasks.title",
            "users.email",
        ]
    "#]]
    .assert_debug_eq(&uses);
}

#[test]
fn natural_and_right_joins() {
    check(
        "SELECT * FROM tasks NATURAL JOIN (SELECT id, 'x' AS note FROM users) u",
        expect![[r#"
            params: []
            id: int8 not null
            owner_id: int8 not null
            title: text not null
            status: TaskStatus not null
            due: date null
            note: text not null
        "#]],
    );
    check(
        "SELECT t.title, u.email FROM tasks t RIGHT JOIN users u ON u.id = t.owner_id",
        expect![[r#"
            params: []
            title: text null
            email: varchar not null
        "#]],
    );
}

#[test]
fn order_by_output_alias_and_expression() {
    check(
        "SELECT email AS e, length(email) AS n FROM users ORDER BY n DESC, e, created_at",
        expect![[r#"
            params: []
            e: varchar not null
            n: int4 null
        "#]],
    );
}

#[test]
fn insert_default_values_and_delete_returning() {
    check(
        "INSERT INTO users DEFAULT VALUES",
        expect![[r#"
        error: null value in column "email" of relation "users" violates not-null constraint
         --> 1:13
          |
        1 | INSERT INTO users DEFAULT VALUES
          |             ^^^^^
          = help: "email" is NOT NULL and has no default, so the INSERT must give it a value
    "#]],
    );
    check(
        "DELETE FROM tasks WHERE owner_id = $1 RETURNING id, title",
        expect![[r#"
            params: [int8]
            id: int4 not null
            title: text not null
        "#]],
    );
}

#[test]
fn schema_qualified_names() {
    check(
        "SELECT public.users.id FROM public.users",
        expect![[r#"
        params: []
        id: int8 not null
    "#]],
    );
    check(
        "SELECT id FROM billing.invoices",
        expect![[r#"
        params: []
        id: int8 not null
    "#]],
    );
}

#[test]
fn reserved_word_as_a_name() {
    check(
        "SELECT id FROM users WHERE order = 1",
        expect![[r#"
        error: syntax error at or near "order"
         --> 1:28
          |
        1 | SELECT id FROM users WHERE order = 1
          |                            ^^^^^
          = help: "order" is a reserved word in PostgreSQL; quote it to use it as a name: "order"
    "#]],
    );
}

// ---- errors ----

#[test]
fn unknown_relation() {
    check(
        "SELECT id FROM usres",
        expect![[r#"
        error: relation "usres" does not exist
         --> 1:16
          |
        1 | SELECT id FROM usres
          |                ^^^^^
          = help: did you mean "users"?
    "#]],
    );
}

#[test]
fn unknown_column_with_suggestion() {
    check(
        "SELECT id, updatedat\nFROM users\nWHERE emial = $1",
        expect![[r#"
            error: column "updatedat" does not exist
             --> 1:12
              |
            1 | SELECT id, updatedat
              |            ^^^^^^^^^
              = help: did you mean "updated_at"?
            error: column "emial" does not exist
             --> 3:7
              |
            3 | WHERE emial = $1
              |       ^^^^^
              = help: did you mean "email"?
        "#]],
    );
}

#[test]
fn unknown_function() {
    // Not built in, not created by the migrations, and no extension of
    // theirs has it: PostgreSQL's PREPARE fails the same way.
    check(
        "SELECT lenght(title), similarity(title, $1) FROM tasks",
        expect![[r#"
            error: function lenght(text) does not exist
             --> 1:8
              |
            1 | SELECT lenght(title), similarity(title, $1) FROM tasks
              |        ^^^^^^^^^^^^
              = help: did you mean "length"?
            error: function similarity(text, unknown) does not exist
             --> 1:23
              |
            1 | SELECT lenght(title), similarity(title, $1) FROM tasks
              |                       ^^^^^^^^^^^^^^^^^^^^
              = help: similarity comes with the extension pg_trgm, which no migration creates: add `CREATE EXTENSION "pg_trgm";` to a migration
        "#]],
    );
    // Built in and not in the hand catalogue: typed by PostgreSQL's overload
    // resolution over the overloads read from pg_proc.
    check(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY id) FROM tasks",
        expect![[r#"
            params: []
            percentile_cont: float8 null
        "#]],
    );
    // A type name called on one argument is a cast when no function of
    // that name takes the argument and the value converts through text or
    // is binary-compatible; otherwise a function call like any other.
    check(
        "SELECT text(id) FROM tasks",
        expect![[r#"
            params: []
            text: text null
        "#]],
    );
    check(
        "SELECT int4(due) FROM tasks",
        expect![[r#"
            error: function int4(date) does not exist
             --> 1:8
              |
            1 | SELECT int4(due) FROM tasks
              |        ^^^^^^^^
              = help: no function matches the given name and argument types; you might need to add explicit type casts
        "#]],
    );
    // Overloads migrate has no list of (taking a type internal to the
    // server) may be the ones PostgreSQL picks: accepted, warned.
    check(
        "SELECT array_in('{1}', 23, -1)",
        expect![[r#"
            params: []
            array_in: text null
            warning: migrate cannot tell which function array_in(unknown, integer, integer) PostgreSQL calls; its result is not typed
             --> 1:8
              |
            1 | SELECT array_in('{1}', 23, -1)
              |        ^^^^^^^^^^^^^^^^^^^^^^
        "#]],
    );
}

#[test]
fn unknown_table_function() {
    // In FROM as in the select list: a function no one has is PostgreSQL's
    // error at the call, with the nearest name.
    check(
        "SELECT * FROM generate_serie(1, 3) g, nope($1)",
        expect![[r#"
            error: function generate_serie(integer, integer) does not exist
             --> 1:15
              |
            1 | SELECT * FROM generate_serie(1, 3) g, nope($1)
              |               ^^^^^^^^^^^^^^^^^^^^^^
              = help: did you mean "generate_series"?
            error: function nope(unknown) does not exist
             --> 1:39
              |
            1 | SELECT * FROM generate_serie(1, 3) g, nope($1)
              |                                       ^^^^
              = help: no function matches the given name and argument types; you might need to add explicit type casts
        "#]],
    );
    // A function of the migrations that takes no such arguments.
    let folded = fold_sql(
        "CREATE FUNCTION evens(n int) RETURNS SETOF int LANGUAGE sql AS 'SELECT generate_series(0, n, 2)';",
    );
    assert!(!folded.has_errors(), "{:#?}", folded.diagnostics);
    check_in(
        &folded.schema,
        "SELECT * FROM evens(1, 2)",
        expect![[r#"
        error: function evens(integer, integer) does not exist
         --> 1:15
          |
        1 | SELECT * FROM evens(1, 2)
          |               ^^^^^
          = help: no function matches the given name and argument types; you might need to add explicit type casts
    "#]],
    );
    check_in(
        &folded.schema,
        "SELECT * FROM evens(4) e",
        expect![[r#"
        params: []
        e: int4 null
    "#]],
    );
    // An extension has its functions in the schema it was created in.
    let folded = fold_sql("CREATE EXTENSION postgis; CREATE SCHEMA app;");
    check_in(
        &folded.schema,
        "SELECT * FROM st_dump($1), public.st_dumppoints($1), app.st_dump($1)",
        expect![[r#"
            error: function app.st_dump(unknown) does not exist
             --> 1:54
              |
            1 | SELECT * FROM st_dump($1), public.st_dumppoints($1), app.st_dump($1)
              |                                                      ^^^^^^^^^^^
              = help: the extension postgis has st_dump in schema public: call public.st_dump
        "#]],
    );
    // An extension migrate has no list of may hold any function there.
    let folded = fold_sql("CREATE EXTENSION timescaledb; CREATE SCHEMA app;");
    check_in(
        &folded.schema,
        "SELECT * FROM chunk_rows(1), public.chunk_rows(2)",
        expect![[r#"
            params: []
            warning: migrate does not know the set-returning function chunk_rows; its columns are not checked
             --> 1:15
              |
            1 | SELECT * FROM chunk_rows(1), public.chunk_rows(2)
              |               ^^^^^^^^^^
            warning: migrate does not know the set-returning function chunk_rows; its columns are not checked
             --> 1:30
              |
            1 | SELECT * FROM chunk_rows(1), public.chunk_rows(2)
              |                              ^^^^^^^^^^^^^^^^^
        "#]],
    );
    check_in(
        &folded.schema,
        "SELECT * FROM app.chunk_rows(1)",
        expect![[r#"
        error: function app.chunk_rows(integer) does not exist
         --> 1:15
          |
        1 | SELECT * FROM app.chunk_rows(1)
          |               ^^^^^^^^^^^^^^
          = help: no function matches the given name and argument types; you might need to add explicit type casts
    "#]],
    );
    // A column definition list gives a record's columns their types.
    check(
        "SELECT t.* FROM jsonb_to_recordset($1) AS t(id int, tags text[])",
        expect![[r#"
            params: [jsonb]
            id: int4 null
            tags: _text null, elements null
            warning: migrate does not know the set-returning function jsonb_to_recordset; its arguments are not checked
             --> 1:17
              |
            1 | SELECT t.* FROM jsonb_to_recordset($1) AS t(id int, tags text[])
              |                 ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        "#]],
    );
    // A schema the migrations do not model.
    check(
        "SELECT * FROM information_schema._pg_expandarray(ARRAY[1])",
        expect![[r#"
            params: []
            warning: migrate does not know the set-returning function _pg_expandarray; its columns are not checked
             --> 1:15
              |
            1 | SELECT * FROM information_schema._pg_expandarray(ARRAY[1])
              |               ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        "#]],
    );
}

#[test]
fn errors_at_the_keyword_that_begins_an_expression() {
    check(
        "SELECT id FROM tasks WHERE ARRAY[id] OR CAST(title AS varchar) OR EXTRACT(year FROM due)",
        expect![[r#"
            error: argument of OR must be type boolean, not type integer[]
             --> 1:28
              |
            1 | SELECT id FROM tasks WHERE ARRAY[id] OR CAST(title AS varchar) OR EXTRACT(year FROM due)
              |                            ^^^^^^^^
            error: argument of OR must be type boolean, not type character varying
             --> 1:41
              |
            1 | SELECT id FROM tasks WHERE ARRAY[id] OR CAST(title AS varchar) OR EXTRACT(year FROM due)
              |                                         ^^^^^^^^^^
            error: argument of OR must be type boolean, not type numeric
             --> 1:67
              |
            1 | SELECT id FROM tasks WHERE ARRAY[id] OR CAST(title AS varchar) OR EXTRACT(year FROM due)
              |                                                                   ^^^^^^^^^^^^^^^^^^^^^
        "#]],
    );
}

#[test]
fn unknown_qualified_column() {
    check(
        "SELECT u.nmae FROM users u",
        expect![[r#"
        error: column u.nmae does not exist
         --> 1:8
          |
        1 | SELECT u.nmae FROM users u
          |        ^^^^^^
          = help: did you mean "name"?
    "#]],
    );
}

#[test]
fn ambiguous_column() {
    check(
        "SELECT id FROM users JOIN tasks ON tasks.owner_id = users.id",
        expect![[r#"
            error: column reference "id" is ambiguous
             --> 1:8
              |
            1 | SELECT id FROM users JOIN tasks ON tasks.owner_id = users.id
              |        ^^
        "#]],
    );
}

#[test]
fn missing_from_clause_entry() {
    check(
        "SELECT t.title FROM users u",
        expect![[r#"
        error: missing FROM-clause entry for table "t"
         --> 1:8
          |
        1 | SELECT t.title FROM users u
          |        ^^^^^^^
    "#]],
    );
    check(
        "SELECT users.id FROM users u",
        expect![[r#"
        error: invalid reference to FROM-clause entry for table "users"
         --> 1:8
          |
        1 | SELECT users.id FROM users u
          |        ^^^^^^^^
          = help: perhaps you meant to reference the table alias "u"
    "#]],
    );
}

#[test]
fn insert_unknown_column_and_arity() {
    check(
        "INSERT INTO users (email, nmae) VALUES ($1, $2)",
        expect![[r#"
            error: column "nmae" of relation "users" does not exist
             --> 1:27
              |
            1 | INSERT INTO users (email, nmae) VALUES ($1, $2)
              |                           ^^^^
              = help: did you mean "name"?
        "#]],
    );
    check(
        "INSERT INTO users (email) VALUES ($1, $2)",
        expect![[r#"
        error: INSERT has more expressions than target columns
         --> 1:39
          |
        1 | INSERT INTO users (email) VALUES ($1, $2)
          |                                       ^^
    "#]],
    );
    check(
        "INSERT INTO users (email, name) VALUES ($1)",
        expect![[r#"
        error: INSERT has more target columns than expressions
         --> 1:27
          |
        1 | INSERT INTO users (email, name) VALUES ($1)
          |                           ^^^^
    "#]],
    );
}

#[test]
fn insert_leaving_out_a_not_null_column() {
    check(
        "INSERT INTO tasks (title) VALUES ($1)",
        expect![[r#"
            error: null value in column "owner_id" of relation "tasks" violates not-null constraint
             --> 1:13
              |
            1 | INSERT INTO tasks (title) VALUES ($1)
              |             ^^^^^
              = help: "owner_id" is NOT NULL and has no default, so the INSERT must give it a value
        "#]],
    );
}

#[test]
fn update_unknown_column() {
    check(
        "UPDATE users SET updatedat = now() WHERE id = $1",
        expect![[r#"
            error: column "updatedat" of relation "users" does not exist
             --> 1:18
              |
            1 | UPDATE users SET updatedat = now() WHERE id = $1
              |                  ^^^^^^^^^
              = help: did you mean "updated_at"?
        "#]],
    );
}

#[test]
fn on_conflict_errors() {
    check(
        "INSERT INTO tasks (owner_id, title) VALUES ($1, $2) ON CONFLICT (title) DO NOTHING",
        expect![[r#"
            error: there is no unique or exclusion constraint matching the ON CONFLICT specification
             --> 1:66
              |
            1 | INSERT INTO tasks (owner_id, title) VALUES ($1, $2) ON CONFLICT (title) DO NOTHING
              |                                                                  ^^^^^
              = help: add a unique index or constraint on (title) of "tasks" in a migration
        "#]],
    );
    check(
        "INSERT INTO tasks (owner_id, title) VALUES ($1, $2) ON CONFLICT ON CONSTRAINT tasks_nope DO NOTHING",
        expect![[r#"
            error: constraint "tasks_nope" for table "tasks" does not exist
             --> 1:79
              |
            1 | INSERT INTO tasks (owner_id, title) VALUES ($1, $2) ON CONFLICT ON CONSTRAINT tasks_nope DO NOTHING
              |                                                                               ^^^^^^^^^^
              = help: did you mean "tasks_pkey"?
        "#]],
    );
    check(
        "INSERT INTO tasks (owner_id, title) VALUES ($1, $2) ON CONFLICT (owner_id, title) DO UPDATE SET titel = EXCLUDED.title",
        expect![[r#"
            error: column "titel" of relation "tasks" does not exist
             --> 1:97
              |
            1 | INSERT INTO tasks (owner_id, title) VALUES ($1, $2) ON CONFLICT (owner_id, title) DO UPDATE SET titel = EXCLUDED.title
              |                                                                                                 ^^^^^
              = help: did you mean "title"?
        "#]],
    );
}

#[test]
fn invalid_enum_label() {
    check(
        "SELECT id FROM tasks WHERE status = 'pending'",
        expect![[r#"
        error: invalid input value for enum "TaskStatus": "pending"
         --> 1:37
          |
        1 | SELECT id FROM tasks WHERE status = 'pending'
          |                                     ^^^^^^^^^
          = help: the labels are "TODO", "IN_PROGRESS", "DONE"
    "#]],
    );
    check(
        "UPDATE tasks SET status = 'Done' WHERE id = $1",
        expect![[r#"
            error: invalid input value for enum "TaskStatus": "Done"
             --> 1:27
              |
            1 | UPDATE tasks SET status = 'Done' WHERE id = $1
              |                           ^^^^^^
              = help: did you mean "DONE"?
        "#]],
    );
}

#[test]
fn operator_does_not_exist() {
    check(
        "SELECT id FROM users WHERE settings = true",
        expect![[r#"
        error: operator does not exist: jsonb = boolean
         --> 1:37
          |
        1 | SELECT id FROM users WHERE settings = true
          |                                     ^
          = help: no operator matches the given name and argument types; you might need to add explicit type casts
    "#]],
    );
}

#[test]
fn parameter_type_cannot_be_determined() {
    check(
        "SELECT id FROM users WHERE $1 IS NULL",
        expect![[r#"
        error: could not determine data type of parameter $1
         --> 1:28
          |
        1 | SELECT id FROM users WHERE $1 IS NULL
          |                            ^^
    "#]],
    );
}

#[test]
fn wrong_type_assigned() {
    check(
        "UPDATE users SET age = now() WHERE id = $1",
        expect![[r#"
        error: column "age" is of type integer but expression is of type timestamp with time zone
         --> 1:24
          |
        1 | UPDATE users SET age = now() WHERE id = $1
          |                        ^^^
          = help: you will need to rewrite or cast the expression (column "age" of "users")
    "#]],
    );
}

#[test]
fn union_arity_and_types() {
    check(
        "SELECT id, email FROM users UNION SELECT id FROM tasks",
        expect![[r#"
            error: each UNION query must have the same number of columns
             --> 1:42
              |
            1 | SELECT id, email FROM users UNION SELECT id FROM tasks
              |                                          ^^
        "#]],
    );
    check(
        "SELECT email FROM users UNION SELECT id FROM tasks",
        expect![[r#"
            error: UNION types character varying and integer cannot be matched
             --> 1:38
              |
            1 | SELECT email FROM users UNION SELECT id FROM tasks
              |                                      ^^
        "#]],
    );
}

#[test]
fn all_errors_are_reported_at_once() {
    check(
        "SELECT nmae, u.agee, x.id\nFROM users u\nWHERE status = 'pending'",
        expect![[r#"
            error: column "nmae" does not exist
             --> 1:8
              |
            1 | SELECT nmae, u.agee, x.id
              |        ^^^^
              = help: did you mean "name"?
            error: column u.agee does not exist
             --> 1:14
              |
            1 | SELECT nmae, u.agee, x.id
              |              ^^^^^^
              = help: did you mean "age"?
            error: missing FROM-clause entry for table "x"
             --> 1:22
              |
            1 | SELECT nmae, u.agee, x.id
              |                      ^^^^
            error: column "status" does not exist
             --> 3:7
              |
            3 | WHERE status = 'pending'
              |       ^^^^^^
        "#]],
    );
}

#[test]
fn ungrouped_column() {
    check(
        "SELECT owner_id, title, count(*) FROM tasks GROUP BY owner_id",
        expect![[r#"
            error: column "tasks.title" must appear in the GROUP BY clause or be used in an aggregate function
             --> 1:18
              |
            1 | SELECT owner_id, title, count(*) FROM tasks GROUP BY owner_id
              |                  ^^^^^
        "#]],
    );
}

#[test]
fn grouping_by_the_primary_key_covers_the_table() {
    check(
        "SELECT u.id, u.email, count(t.id) FROM users u LEFT JOIN tasks t ON t.owner_id = u.id GROUP BY u.id",
        expect![[r#"
            params: []
            id: int8 not null
            email: varchar not null
            count: int8 not null
        "#]],
    );
}

#[test]
fn misspelt_keyword() {
    check(
        "SELECT id FORM users",
        expect![[r#"
            error: syntax error at or near "users"
             --> 1:16
              |
            1 | SELECT id FORM users
              |                ^^^^^
              = help: did you mean "FROM" instead of "FORM"?
        "#]],
    );
}

#[test]
fn syntax_error() {
    check(
        "SELECT id FROM users WHERE",
        expect![[r#"
            error: syntax error at end of input
             --> 1:27
              |
            1 | SELECT id FROM users WHERE
              |                           ^
              = help: expected an expression
        "#]],
    );
}

#[test]
fn parameter_count_is_exposed() {
    let described = describe(
        schema(),
        "SELECT id FROM users WHERE id = $2 AND email = $1",
    )
    .unwrap();
    assert_eq!(described.params.len(), 2);
}

#[test]
fn merge() {
    check(
        "MERGE INTO tasks t USING users u ON t.owner_id = u.id \
         WHEN MATCHED AND u.email = $1 THEN UPDATE SET status = $2 \
         WHEN NOT MATCHED THEN INSERT (owner_id, title) VALUES (u.id, $3)",
        expect![[r#"
            params: [text, TaskStatus, text]
        "#]],
    );
    check(
        "MERGE INTO tasks t USING users u ON t.owner_id = u.id \
         WHEN NOT MATCHED THEN INSERT (owner_id, title) VALUES (u.id, t.title)",
        expect![[r#"
            error: invalid reference to FROM-clause entry for table "t"
             --> 1:116
              |
            1 | MERGE INTO tasks t USING users u ON t.owner_id = u.id WHEN NOT MATCHED THEN INSERT (owner_id, title) VALUES (u.id, t.title)
              |                                                                                                                    ^^^^^^^
              = help: there is an entry for table "t", but it cannot be referenced from this part of the query
        "#]],
    );
    check(
        "MERGE INTO tasks t USING users u ON t.owner_id = u.id \
         WHEN NOT MATCHED THEN INSERT (owner_id, title) VALUES (u.id, title)",
        expect![[r#"
            error: column "title" does not exist
             --> 1:116
              |
            1 | MERGE INTO tasks t USING users u ON t.owner_id = u.id WHEN NOT MATCHED THEN INSERT (owner_id, title) VALUES (u.id, title)
              |                                                                                                                    ^^^^^
              = help: there is a column named "title" in table "t", but it cannot be referenced from this part of the query
        "#]],
    );
    check(
        "MERGE INTO tasks t USING users u ON t.owner_id = u.id \
         WHEN NOT MATCHED THEN INSERT (owner_id) VALUES (u.id)",
        expect![[r#"
            error: null value in column "title" of relation "tasks" violates not-null constraint
             --> 1:77
              |
            1 | MERGE INTO tasks t USING users u ON t.owner_id = u.id WHEN NOT MATCHED THEN INSERT (owner_id) VALUES (u.id)
              |                                                                             ^^^^^^
              = help: "title" is NOT NULL and has no default, so the INSERT must give it a value
        "#]],
    );
    check(
        "MERGE INTO tasks t USING users u ON t.owner_id = u.id \
         WHEN NOT MATCHED THEN INSERT DEFAULT VALUES",
        expect![[r#"
            error: null value in column "owner_id" of relation "tasks" violates not-null constraint
             --> 1:77
              |
            1 | MERGE INTO tasks t USING users u ON t.owner_id = u.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES
              |                                                                             ^^^^^^
              = help: "owner_id" is NOT NULL and has no default, so the INSERT must give it a value
            error: null value in column "title" of relation "tasks" violates not-null constraint
             --> 1:77
              |
            1 | MERGE INTO tasks t USING users u ON t.owner_id = u.id WHEN NOT MATCHED THEN INSERT DEFAULT VALUES
              |                                                                             ^^^^^^
              = help: "title" is NOT NULL and has no default, so the INSERT must give it a value
        "#]],
    );
    check(
        "MERGE INTO audit a USING users u ON a.actor = u.email \
         WHEN NOT MATCHED AND u.age > $1 THEN INSERT DEFAULT VALUES",
        expect![[r#"
            params: [int4]
            warning: null value in column "actor" of relation "audit" violates not-null constraint
             --> 1:92
              |
            1 | MERGE INTO audit a USING users u ON a.actor = u.email WHEN NOT MATCHED AND u.age > $1 THEN INSERT DEFAULT VALUES
              |                                                                                            ^^^^^^
              = help: "actor" is NOT NULL without a default; a BEFORE INSERT trigger on "audit" may fill it
            warning: null value in column "action" of relation "audit" violates not-null constraint
             --> 1:92
              |
            1 | MERGE INTO audit a USING users u ON a.actor = u.email WHEN NOT MATCHED AND u.age > $1 THEN INSERT DEFAULT VALUES
              |                                                                                            ^^^^^^
              = help: "action" is NOT NULL without a default; a BEFORE INSERT trigger on "audit" may fill it
        "#]],
    );
    check(
        "MERGE INTO tasks t USING users u ON t.owner_id = u.id \
         WHEN MATCHED THEN UPDATE SET titel = u.email",
        expect![[r#"
            error: column "titel" of relation "tasks" does not exist
             --> 1:84
              |
            1 | MERGE INTO tasks t USING users u ON t.owner_id = u.id WHEN MATCHED THEN UPDATE SET titel = u.email
              |                                                                                    ^^^^^
              = help: did you mean "title"?
        "#]],
    );
}

#[test]
fn arguments_passed_by_name() {
    check(
        "SELECT created_at + make_interval(days => $1, hours := $2) AS due FROM users",
        expect![[r#"
            params: [int4, int4]
            due: timestamptz null
        "#]],
    );
    check(
        "SELECT make_interval(dayz => 1)",
        expect![[r#"
            error: function make_interval(dayz => integer) does not exist
             --> 1:8
              |
            1 | SELECT make_interval(dayz => 1)
              |        ^^^^^^^^^^^^^^^^^^^^^^^
              = help: did you mean "days"?
        "#]],
    );
    check(
        "SELECT make_interval(days => 1, 2)",
        expect![[r#"
            error: positional argument cannot follow named argument
             --> 1:33
              |
            1 | SELECT make_interval(days => 1, 2)
              |                                 ^
        "#]],
    );
}

#[test]
fn window_frame_offsets_take_the_type_of_their_unit() {
    check(
        "SELECT sum(id) OVER (ORDER BY id ROWS BETWEEN $1 PRECEDING AND $2 FOLLOWING), sum(id) OVER (ORDER BY due RANGE $3 PRECEDING), sum(id) OVER (ORDER BY id RANGE $4 PRECEDING) FROM tasks",
        expect![[r#"
            params: [int8, int8, interval, int4]
            sum: int8 null
            sum: int8 null
            sum: int8 null
        "#]],
    );
    check(
        "SELECT sum(id) OVER (ORDER BY id, due RANGE $1 PRECEDING) FROM tasks",
        expect![[r#"
            error: RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column
             --> 1:21
              |
            1 | SELECT sum(id) OVER (ORDER BY id, due RANGE $1 PRECEDING) FROM tasks
              |                     ^
        "#]],
    );
    check(
        "SELECT sum(id) OVER (ORDER BY id RANGE 1.5 PRECEDING) FROM tasks",
        expect![[r#"
            error: RANGE with offset PRECEDING/FOLLOWING is not supported for column type integer and offset type numeric
             --> 1:40
              |
            1 | SELECT sum(id) OVER (ORDER BY id RANGE 1.5 PRECEDING) FROM tasks
              |                                        ^^^
              = help: cast the offset value to an appropriate type
        "#]],
    );
    check(
        "SELECT sum(id) OVER (ORDER BY id ROWS id PRECEDING) FROM tasks",
        expect![[r#"
            error: argument of ROWS must not contain variables
             --> 1:39
              |
            1 | SELECT sum(id) OVER (ORDER BY id ROWS id PRECEDING) FROM tasks
              |                                       ^^
        "#]],
    );
}

#[test]
fn window_functions_where_postgres_forbids_them() {
    check(
        "SELECT id FROM tasks WHERE id > $1 AND rank() OVER (ORDER BY id) = 1",
        expect![[r#"
            error: window functions are not allowed in WHERE
             --> 1:40
              |
            1 | SELECT id FROM tasks WHERE id > $1 AND rank() OVER (ORDER BY id) = 1
              |                                        ^^^^
        "#]],
    );
    check(
        "SELECT sum(row_number() OVER ()) FROM tasks",
        expect![[r#"
            error: aggregate function calls cannot contain window function calls
             --> 1:12
              |
            1 | SELECT sum(row_number() OVER ()) FROM tasks
              |            ^^^^^^^^^^
        "#]],
    );
    check(
        "SELECT id FROM tasks WHERE id = (SELECT row_number() OVER () FROM users LIMIT 1)",
        expect![[r#"
            params: []
            id: int4 not null
        "#]],
    );
}

#[test]
fn schema_qualified_calls_name_a_function_of_that_schema() {
    check(
        "SELECT pg_catalog.lower($1), pg_catalog.now(), public.lower('A')",
        expect![[r#"
            error: function public.lower(unknown) does not exist
             --> 1:48
              |
            1 | SELECT pg_catalog.lower($1), pg_catalog.now(), public.lower('A')
              |                                                ^^^^^^^^^^^^^^^^
              = help: no function matches the given name and argument types; you might need to add explicit type casts
        "#]],
    );
    check(
        "SELECT pg_catalog.lower(1, 2)",
        expect![[r#"
        error: function pg_catalog.lower(integer, integer) does not exist
         --> 1:8
          |
        1 | SELECT pg_catalog.lower(1, 2)
          |        ^^^^^^^^^^^^^^^^^^^^^
          = help: no function matches the given name and argument types; you might need to add explicit type casts
    "#]],
    );
    check(
        "SELECT pg_catalog.lenght(title) FROM tasks",
        expect![[r#"
        error: function pg_catalog.lenght(text) does not exist
         --> 1:8
          |
        1 | SELECT pg_catalog.lenght(title) FROM tasks
          |        ^^^^^^^^^^^^^^^^^^^^^^^
          = help: no function matches the given name and argument types; you might need to add explicit type casts
    "#]],
    );
    // An extension installs its functions in its schema.
    let folded = fold_sql(
        r#"CREATE EXTENSION "uuid-ossp"; CREATE SCHEMA app; CREATE EXTENSION pgcrypto SCHEMA app;"#,
    );
    assert!(!folded.has_errors(), "{:#?}", folded.diagnostics);
    check_in(
        &folded.schema,
        "SELECT public.uuid_generate_v4(), app.crypt($1, app.gen_salt('bf')), app.uuid_generate_v4()",
        expect![[r#"
            error: function app.uuid_generate_v4() does not exist
             --> 1:70
              |
            1 | SELECT public.uuid_generate_v4(), app.crypt($1, app.gen_salt('bf')), app.uuid_generate_v4()
              |                                                                      ^^^^^^^^^^^^^^^^^^^^
              = help: the extension uuid-ossp has uuid_generate_v4 in schema public: call public.uuid_generate_v4
        "#]],
    );
    // An extension migrate has no list of may hold any function.
    let folded = fold_sql("CREATE EXTENSION postgis;");
    check_in(
        &folded.schema,
        "SELECT public.st_makepoint(1, 2)",
        expect![[r#"
            params: []
            st_makepoint: geometry null
        "#]],
    );
}

#[test]
fn aggregates_where_postgres_forbids_them() {
    check(
        "SELECT id FROM tasks WHERE id > $1 AND max(id) = 1",
        expect![[r#"
            error: aggregate functions are not allowed in WHERE
             --> 1:40
              |
            1 | SELECT id FROM tasks WHERE id > $1 AND max(id) = 1
              |                                        ^^^^^^
        "#]],
    );
    check(
        "SELECT max(abs(min(id))) FROM tasks",
        expect![[r#"
        error: aggregate function calls cannot be nested
         --> 1:16
          |
        1 | SELECT max(abs(min(id))) FROM tasks
          |                ^^^^^^
    "#]],
    );
    check(
        "SELECT count(*), max(id) FROM tasks GROUP BY 2",
        expect![[r#"
            error: aggregate functions are not allowed in GROUP BY
             --> 1:18
              |
            1 | SELECT count(*), max(id) FROM tasks GROUP BY 2
              |                  ^^^^^^
        "#]],
    );
    check(
        "SELECT owner_id, (SELECT count(*) FROM users u WHERE u.id = max(t.owner_id)) FROM tasks t GROUP BY owner_id",
        expect![[r#"
            params: []
            owner_id: int8 not null
            count: int8 null
        "#]],
    );
    check(
        "SELECT id FROM users u WHERE id = (SELECT max(u.id) FROM tasks)",
        expect![[r#"
        error: aggregate functions are not allowed in WHERE
         --> 1:43
          |
        1 | SELECT id FROM users u WHERE id = (SELECT max(u.id) FROM tasks)
          |                                           ^^^^^^^^
    "#]],
    );
}
