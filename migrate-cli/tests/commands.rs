//! Every `migrate` command end to end: the built binary against databases
//! the tests create on the real PostgreSQL, as a team runs it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use migrate_test_support::{TempDir, TestDatabase, corpus_dir};

mod common;
use common::{expect_code, stderr, stdout};

/// Runs the binary in `dir` with `DATABASE_URL` set to `url` (when given)
/// and no `DIRECT_URL`.
fn migrate(dir: &Path, url: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DIRECT_URL")
        .env_remove("DATABASE_URL");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    command.output().expect("run the migrate binary")
}

const USERS: &str = "CREATE TABLE users (id bigserial PRIMARY KEY, name text NOT NULL);\n";
const EMAIL: &str = "ALTER TABLE users ADD COLUMN email text;\n";
const POSTS: &str = "CREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users (id), title text NOT NULL);\n";

fn project() -> TempDir {
    TempDir::with(&[
        ("migrations/1_users.sql", USERS),
        ("migrations/2_email.sql", EMAIL),
        ("migrations/3_posts.sql", POSTS),
    ])
}

/// `[state, version]` pairs of `migrate status`.
fn states(output: &Output) -> Vec<(String, String)> {
    stdout(output)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let state = words.next()?;
            let version = words.next()?;
            matches!(
                state,
                "applied" | "pending" | "failed" | "edited" | "missing"
            )
            .then(|| (state.to_owned(), version.to_owned()))
        })
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(state, version)| ((*state).to_owned(), (*version).to_owned()))
        .collect()
}

#[test]
fn status_deploy_drift_and_rollback_sql() {
    let database = TestDatabase::new("cli_workflow");
    let project = project();
    let url = Some(database.url.as_str());

    // Pending migrations are a finding: CI gates on them.
    let status = migrate(project.path(), url, &["status"]);
    expect_code(&status, 1);
    assert_eq!(
        states(&status),
        pairs(&[("pending", "1"), ("pending", "2"), ("pending", "3")])
    );

    let dry = migrate(project.path(), url, &["deploy", "--dry-run"]);
    expect_code(&dry, 0);
    assert!(
        stdout(&dry).contains("would apply 1 (1_users.sql)"),
        "{}",
        stdout(&dry)
    );

    let deploy = migrate(project.path(), url, &["deploy", "--target", "2"]);
    expect_code(&deploy, 0);
    let text = stdout(&deploy);
    assert!(text.contains("[1/2] applied 1 (1_users.sql) in "), "{text}");
    assert!(text.contains("[2/2] applied 2 (2_email.sql) in "), "{text}");
    assert!(
        !text.contains('\x1b'),
        "no escape codes off a terminal: {text:?}"
    );
    assert!(
        stderr(&deploy).is_empty(),
        "no drift after a partial deploy: {}",
        stderr(&deploy)
    );

    let status = migrate(project.path(), url, &["status", "--json"]);
    expect_code(&status, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).expect("JSON");
    assert_eq!(json["counts"]["applied"], 2);
    assert_eq!(json["counts"]["pending"], 1);
    assert_eq!(json["migrations"][2]["state"], "pending");
    assert_eq!(json["migrations"][2]["path"], "3_posts.sql");

    let deploy = migrate(project.path(), url, &["deploy"]);
    expect_code(&deploy, 0);
    assert!(stdout(&deploy).contains("[1/1] applied 3 (3_posts.sql)"));
    assert!(stdout(&deploy).contains("2 were applied already"));
    let again = migrate(project.path(), url, &["deploy"]);
    expect_code(&again, 0);
    assert!(
        stdout(&again).starts_with("0 applied"),
        "{}",
        stdout(&again)
    );

    let drift = migrate(project.path(), url, &["drift"]);
    expect_code(&drift, 0);
    assert_eq!(
        stdout(&drift),
        "no drift: the database matches the migrations\n"
    );

    // Someone changes production by hand.
    let mut client = database.client();
    client
        .batch_execute(
            "ALTER TABLE users DROP COLUMN email; CREATE INDEX users_name_idx ON users (name);",
        )
        .expect("drift by hand");
    let drift = migrate(project.path(), url, &["drift"]);
    expect_code(&drift, 1);
    let sql = stdout(&drift);
    assert!(
        sql.contains("ALTER TABLE public.users ADD COLUMN email text;"),
        "{sql}"
    );
    assert!(sql.contains("DROP INDEX public.users_name_idx;"), "{sql}");
    let json = migrate(project.path(), url, &["drift", "--json"]);
    expect_code(&json, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(json["drift"], true);
    assert_eq!(json["differences"].as_array().map(Vec::len), Some(2));
    // The printed SQL removes the drift.
    client.batch_execute(&sql).expect("run the drift's fix");
    expect_code(&migrate(project.path(), url, &["drift"]), 0);

    // Rolling back the last migration with the SQL the command derives.
    let rollback = migrate(project.path(), None, &["rollback-sql"]);
    expect_code(&rollback, 0);
    let sql = stdout(&rollback);
    assert!(
        sql.starts_with("-- rollback of migration 3 (3_posts.sql)\n"),
        "{sql}"
    );
    assert!(sql.contains("-- LOSES DATA: drop table public.posts, created by the migration\nDROP TABLE public.posts;"), "{sql}");
    client.batch_execute(&sql).expect("run the rollback SQL");
    expect_code(
        &migrate(project.path(), url, &["resolve", "--rolled-back", "3"]),
        0,
    );
    let status = migrate(project.path(), url, &["status"]);
    expect_code(&status, 1);
    assert_eq!(
        states(&status),
        pairs(&[("applied", "1"), ("applied", "2"), ("pending", "3")])
    );
    expect_code(&migrate(project.path(), url, &["deploy"]), 0);
    expect_code(&migrate(project.path(), url, &["drift"]), 0);
    expect_code(&migrate(project.path(), url, &["status"]), 0);

    let middle = migrate(project.path(), None, &["rollback-sql", "2"]);
    expect_code(&middle, 0);
    assert!(
        stdout(&middle).contains("ALTER TABLE public.users DROP COLUMN email;"),
        "{}",
        stdout(&middle)
    );
    let unknown = migrate(project.path(), None, &["rollback-sql", "9"]);
    expect_code(&unknown, 2);
    assert!(stderr(&unknown).contains("no migration has version 9"));
}

#[test]
fn rollback_sql_prefers_the_down_file() {
    let project = TempDir::with(&[
        ("migrations/1_users.up.sql", USERS),
        ("migrations/1_users.down.sql", "DROP TABLE users;\n"),
    ]);
    let output = migrate(project.path(), None, &["rollback-sql", "1"]);
    expect_code(&output, 0);
    assert_eq!(
        stdout(&output),
        "-- rollback of migration 1 (1_users.up.sql)\n-- from its down file, as written\nDROP TABLE users;\n"
    );
    let derived = migrate(project.path(), None, &["rollback-sql", "1", "--derive"]);
    expect_code(&derived, 0);
    assert!(
        stdout(&derived).contains("DROP SEQUENCE")
            || stdout(&derived).contains("DROP TABLE public.users;")
    );
}

#[test]
fn rollback_sql_of_a_data_migration_says_rows_are_not_undone() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", USERS),
        (
            "migrations/2_seed.sql",
            "-- the first user\nINSERT INTO users (name) VALUES ('admin');\nUPDATE users SET name = 'root';\n",
        ),
    ]);
    let output = migrate(project.path(), None, &["rollback-sql", "2"]);
    expect_code(&output, 0);
    assert_eq!(
        stdout(&output),
        "-- rollback of migration 2 (2_seed.sql)\n\
         -- derived from the schema before and after it: restores the schema, not data\n\
         -- the migration also changes rows (2 INSERT, UPDATE, DELETE or COPY statements): they are not undone\n\
         -- the migration changes no schema object: nothing to undo\n"
    );
}

/// An aggregate the migration created is named with `DROP AGGREGATE`
/// (PostgreSQL's DROP FUNCTION refuses one); one it dropped is a manual
/// step that says "aggregate".
#[test]
fn rollback_sql_names_aggregates_as_aggregates() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", USERS),
        (
            "migrations/2_sum.sql",
            "CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';\n\
             CREATE AGGREGATE mysum(int) (SFUNC = add2, STYPE = int);\n\
             CREATE AGGREGATE collect_ordered(float8 ORDER BY float8) (SFUNC = array_append, STYPE = float8[]);\n\
             CREATE FUNCTION joined(sep text, VARIADIC parts text[]) RETURNS text LANGUAGE sql AS 'SELECT array_to_string(parts, sep)';\n",
        ),
        ("migrations/3_unsum.sql", "DROP AGGREGATE mysum(int);\n"),
    ]);
    let created = migrate(project.path(), None, &["rollback-sql", "2"]);
    expect_code(&created, 0);
    let sql = stdout(&created);
    assert!(
        sql.contains(
            "--   DROP FUNCTION public.add2(integer, integer), public.joined(text, VARIADIC text[]);\n"
        ),
        "{sql}"
    );
    // PostgreSQL names an ordered-set aggregate with ORDER BY between its
    // direct and aggregated arguments.
    assert!(
        sql.contains(
            "--   DROP AGGREGATE public.collect_ordered(double precision ORDER BY double precision);\n"
        ),
        "{sql}"
    );
    assert!(
        sql.contains("--   DROP AGGREGATE public.mysum(integer);\n"),
        "{sql}"
    );
    let dropped = migrate(project.path(), None, &["rollback-sql", "3"]);
    expect_code(&dropped, 1);
    let sql = stdout(&dropped);
    assert!(
        sql.contains("-- MANUAL STEP: aggregate public.mysum(integer) was dropped or changed by the migration"),
        "{sql}"
    );
}

/// What the schemas before and after a migration cannot tell is a manual
/// step: named, counted in the header, and exit status 1.
#[test]
fn rollback_sql_names_manual_steps_and_exits_1() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", USERS),
        (
            "migrations/2_touch.sql",
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
             CREATE TRIGGER users_touch BEFORE UPDATE OF name ON users FOR EACH ROW EXECUTE FUNCTION touch();\n",
        ),
        (
            "migrations/3_untouch.sql",
            "DROP TRIGGER users_touch ON users;\nDROP FUNCTION touch();\n",
        ),
    ]);
    // Undoing the creation: the trigger goes, the function is named.
    let created = migrate(project.path(), None, &["rollback-sql", "2"]);
    expect_code(&created, 0);
    let sql = stdout(&created);
    assert!(
        sql.contains("DROP TRIGGER users_touch ON public.users;"),
        "{sql}"
    );
    assert!(sql.contains("--   DROP FUNCTION public.touch();"), "{sql}");
    // Undoing the drop: neither definition is in the schema.
    let dropped = migrate(project.path(), None, &["rollback-sql", "3"]);
    expect_code(&dropped, 1);
    expect_test::expect![[r#"
        -- rollback of migration 3 (3_untouch.sql)
        -- derived from the schema before and after it: restores the schema, not data
        -- 2 MANUAL STEPS: this SQL alone does not restore the schema; each is marked MANUAL STEP below
        -- MANUAL STEP: function public.touch() was dropped or changed by the migration: create it again as it was, before the statements below (the schema does not keep its body)

        -- MANUAL STEP: restore trigger users_touch on public.users, dropped by the migration; no statement can do it
        -- create trigger users_touch on public.users as the migrations do: the schema does not keep its definition
    "#]]
    .assert_eq(&stdout(&dropped));
}

#[test]
fn status_shows_failed_edited_and_missing_and_resolve_recovers() {
    let database = TestDatabase::new("cli_status");
    let url = Some(database.url.as_str());
    let project = project();
    expect_code(
        &migrate(project.path(), url, &["deploy", "--target", "2"]),
        0,
    );

    // A non-transactional migration whose second statement fails.
    project.write(
        "migrations/3_posts.sql",
        "-- no-transaction\nCREATE TABLE posts (id bigint);\nALTER TABLE nope ADD COLUMN x int;\n",
    );
    // (The fold refuses it before the database sees it; --no-check lets
    // the server fail it, as it fails what the fold cannot foresee.)
    let deploy = migrate(project.path(), url, &["deploy", "--no-check"]);
    expect_code(&deploy, 1);
    assert!(
        stdout(&deploy).contains("[1/1] FAILED 3 (3_posts.sql)"),
        "{}",
        stdout(&deploy)
    );
    assert!(
        stderr(&deploy).contains("relation \"nope\" does not exist"),
        "{}",
        stderr(&deploy)
    );

    let status = migrate(project.path(), url, &["status"]);
    expect_code(&status, 1);
    assert_eq!(
        states(&status),
        pairs(&[("applied", "1"), ("applied", "2"), ("failed", "3")])
    );
    assert!(
        stdout(&status).contains("statement 2 failed: relation \"nope\" does not exist"),
        "{}",
        stdout(&status)
    );
    // A deploy refuses until a person resolves it.
    let refused = migrate(project.path(), url, &["deploy", "--no-check"]);
    expect_code(&refused, 1);
    assert!(stderr(&refused).contains("resolve"), "{}", stderr(&refused));

    // The person undoes the half-applied migration and tells migrate.
    database
        .client()
        .batch_execute("DROP TABLE posts")
        .expect("undo by hand");
    expect_code(
        &migrate(project.path(), url, &["resolve", "--rolled-back", "3"]),
        0,
    );
    project.write("migrations/3_posts.sql", POSTS);
    expect_code(&migrate(project.path(), url, &["deploy"]), 0);

    // An applied migration edited afterwards, another deleted.
    project.write(
        "migrations/2_email.sql",
        "ALTER TABLE users ADD COLUMN email varchar(255);\n",
    );
    fs::remove_file(project.path().join("migrations/3_posts.sql")).expect("delete");
    let status = migrate(project.path(), url, &["status", "--json"]);
    expect_code(&status, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout(&status)).expect("JSON");
    let states: Vec<&str> = json["migrations"]
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["state"].as_str().expect("state"))
        .collect();
    assert_eq!(states, ["applied", "edited", "missing"]);

    // resolve --applied records a migration applied outside migrate.
    project.write("migrations/2_email.sql", EMAIL);
    project.write("migrations/3_posts.sql", POSTS);
    project.write(
        "migrations/4_tags.sql",
        "CREATE TABLE tags (name text PRIMARY KEY);\n",
    );
    database
        .client()
        .batch_execute("CREATE TABLE tags (name text PRIMARY KEY)")
        .expect("applied by hand");
    expect_code(
        &migrate(project.path(), url, &["resolve", "--applied", "4"]),
        0,
    );
    let status = migrate(project.path(), url, &["status"]);
    expect_code(&status, 0);
    assert!(states_all(&status, "applied"), "{}", stdout(&status));
    expect_code(&migrate(project.path(), url, &["drift"]), 0);

    let usage = migrate(project.path(), url, &["resolve"]);
    expect_code(&usage, 2);
}

fn states_all(output: &Output, state: &str) -> bool {
    let states = states(output);
    !states.is_empty() && states.iter().all(|(s, _)| s == state)
}

#[test]
fn baseline_adopts_a_database_only_when_it_matches() {
    let database = TestDatabase::new("cli_baseline");
    let url = Some(database.url.as_str());
    let project = project();
    // The database was made by hand, up to migration 2, minus the email column.
    database
        .client()
        .batch_execute(USERS)
        .expect("users by hand");
    let refused = migrate(project.path(), url, &["baseline", "2"]);
    expect_code(&refused, 1);
    assert!(
        stderr(&refused)
            .contains("the database does not match the migrations up to 2: nothing was recorded"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("ALTER TABLE public.users ADD COLUMN email text;"));
    let status = migrate(project.path(), url, &["status"]);
    expect_code(&status, 1);
    assert!(states_all(&status, "pending"), "{}", stdout(&status));

    database
        .client()
        .batch_execute(EMAIL)
        .expect("email by hand");
    let adopted = migrate(project.path(), url, &["baseline", "2"]);
    expect_code(&adopted, 0);
    assert!(
        stdout(&adopted).contains("2 recorded as applied"),
        "{}",
        stdout(&adopted)
    );
    let status = migrate(project.path(), url, &["status"]);
    expect_code(&status, 1);
    assert_eq!(
        states(&status),
        pairs(&[("applied", "1"), ("applied", "2"), ("pending", "3")])
    );
    expect_code(&migrate(project.path(), url, &["deploy"]), 0);
    expect_code(&migrate(project.path(), url, &["drift"]), 0);
    expect_code(&migrate(project.path(), url, &["status"]), 0);
}

#[test]
fn diff_between_directories_databases_and_empty() {
    let database = TestDatabase::new("cli_diff");
    let project = project();
    let older = TempDir::with(&[("migrations/1_users.sql", USERS)]);
    let older_dir = older.path().join("migrations");
    let newer_dir = project.path().join("migrations");

    let output = migrate(
        project.path(),
        None,
        &[
            "diff",
            "--from",
            older_dir.to_str().expect("UTF-8"),
            "--to",
            "migrations",
        ],
    );
    expect_code(&output, 0);
    let sql = stdout(&output);
    assert!(
        sql.contains("ALTER TABLE public.users ADD COLUMN email text;"),
        "{sql}"
    );
    assert!(sql.contains("CREATE TABLE public.posts ("), "{sql}");
    assert!(!sql.contains("DROP"), "{sql}");

    // The SQL from empty builds the schema.
    let from_empty = migrate(
        project.path(),
        None,
        &["diff", "--from", "empty", "--to", "migrations"],
    );
    expect_code(&from_empty, 0);
    let script = stdout(&from_empty);
    assert!(script.contains("CREATE TABLE public.posts ("), "{script}");
    // It runs on an empty database (`posts` references `users`, created
    // after it in name order: foreign keys come once every table exists),
    // and leaves no drift against the migrations.
    let built = TestDatabase::new("cli_diff_empty");
    built
        .client()
        .batch_execute(&script)
        .unwrap_or_else(|error| panic!("{error}\n{script}"));
    let drift = migrate(project.path(), Some(built.url.as_str()), &["drift"]);
    expect_code(&drift, 0);
    expect_code(
        &migrate(project.path(), Some(database.url.as_str()), &["deploy"]),
        0,
    );
    let same = migrate(
        project.path(),
        None,
        &[
            "diff",
            "--from",
            &database.url,
            "--to",
            newer_dir.to_str().expect("UTF-8"),
            "--exit-code",
        ],
    );
    expect_code(&same, 0);
    assert!(
        stdout(&same).starts_with("-- the SQL that turns the database postgres://"),
        "{}",
        stdout(&same)
    );
    assert!(stdout(&same).ends_with("\n-- the schemas are the same\n"));
    let back = migrate(
        project.path(),
        None,
        &[
            "diff",
            "--from",
            &database.url,
            "--to",
            older_dir.to_str().expect("UTF-8"),
            "--exit-code",
        ],
    );
    expect_code(&back, 1);
    assert!(stdout(&back).contains("-- LOSES DATA"), "{}", stdout(&back));
    assert!(
        stdout(&back).contains("DROP TABLE public.posts;"),
        "{}",
        stdout(&back)
    );
    // Source and target, not drift; plpgsql is never a difference.
    assert!(
        stdout(&back).contains(&format!(
            "table public.posts: in the database {}, not in the migrations in {}",
            database.url,
            older_dir.display()
        )),
        "{}",
        stdout(&back)
    );
    let from_empty = migrate(
        project.path(),
        None,
        &["diff", "--from", "empty", "--to", &database.url],
    );
    expect_code(&from_empty, 0);
    assert!(
        !stdout(&from_empty).contains("plpgsql"),
        "{}",
        stdout(&from_empty)
    );
}

#[test]
fn check_reports_errors_at_their_place_and_describes() {
    let project = project();
    project.write(
        "queries.sql",
        "SELECT id, name, email FROM users WHERE id = $1;\n\nSELECT nme FROM users;\nSELECT p.title, u.name FROM posts p LEFT JOIN users u ON u.id = p.user_id WHERE p.id = $1;\n",
    );
    let output = migrate(project.path(), None, &["check", "queries.sql"]);
    expect_code(&output, 1);
    let text = stdout(&output);
    assert!(
        text.starts_with("queries.sql:3:8: column \"nme\" does not exist"),
        "{text}"
    );
    assert!(text.contains("did you mean \"name\"?"), "{text}");
    assert!(text.ends_with("3 statements checked, 1 error\n"), "{text}");

    let described = migrate(
        project.path(),
        None,
        &["check", "--describe", "queries.sql"],
    );
    expect_code(&described, 1);
    let lines: Vec<serde_json::Value> = stdout(&described)
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        serde_json::json!({"params": ["int8"], "columns": [
            {"name": "id", "type": "int8", "nullable": false},
            {"name": "name", "type": "text", "nullable": false},
            {"name": "email", "type": "text", "nullable": true},
        ]})
    );
    assert!(lines[1]["error"].as_str().expect("error").contains("nme"));
    assert_eq!(lines[2]["columns"][1]["nullable"], true, "{}", lines[2]);

    let json = migrate(project.path(), None, &["check", "--json", "queries.sql"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON");
    assert_eq!(json["errors"], 1);
    assert_eq!(json["problems"][0]["line"], 3);

    project.write("good.sql", "SELECT name FROM users;\n");
    expect_code(&migrate(project.path(), None, &["check", "good.sql"]), 0);
}

#[test]
fn new_follows_the_directory_layout_and_numbering() {
    // A new project: sqlx, a timestamp.
    let empty = TempDir::with(&[]);
    let output = migrate(empty.path(), None, &["new", "Create users!"]);
    expect_code(&output, 0);
    let files = empty.files("migrations");
    assert_eq!(files.len(), 1);
    let (version, rest) = files[0].split_once('_').expect("version_name");
    assert_eq!(version.len(), 14, "{}", files[0]);
    assert!(version.starts_with("20"), "{}", files[0]);
    assert_eq!(rest, "create_users.sql");
    // The next one sorts after it and the directory still folds.
    expect_code(&migrate(empty.path(), None, &["new", "add email"]), 0);
    let files = empty.files("migrations");
    assert_eq!(files.len(), 2);
    assert!(files[0] < files[1], "{files:?}");
    expect_code(&migrate(empty.path(), None, &["schema"]), 0);

    // Small sequential numbers stay sequential.
    let numbered = project();
    expect_code(&migrate(numbered.path(), None, &["new", "tags"]), 0);
    assert!(
        numbered
            .files("migrations")
            .contains(&"4_tags.sql".to_owned())
    );

    // sqlx with up/down pairs.
    let reversible = TempDir::with(&[
        ("migrations/1_users.up.sql", USERS),
        ("migrations/1_users.down.sql", "DROP TABLE users;\n"),
    ]);
    expect_code(&migrate(reversible.path(), None, &["new", "email"]), 0);
    let files = reversible.files("migrations");
    assert!(
        files.iter().any(|f| f.ends_with("_email.up.sql")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("_email.down.sql")),
        "{files:?}"
    );

    // Flyway: the next V number.
    let flyway = TempDir::with(&[("db/V1_9__a.sql", USERS), ("db/V1_10__b.sql", EMAIL)]);
    expect_code(
        &migrate(flyway.path(), None, &["new", "posts", "--migrations", "db"]),
        0,
    );
    assert!(
        flyway.files("db").contains(&"V1_11__posts.sql".to_owned()),
        "{:?}",
        flyway.files("db")
    );

    // diesel, Prisma, goose, dbmate: the tool's own shape.
    let diesel = TempDir::with(&[
        ("migrations/2020-01-01-000000_users/up.sql", USERS),
        (
            "migrations/2020-01-01-000000_users/down.sql",
            "DROP TABLE users;\n",
        ),
    ]);
    expect_code(&migrate(diesel.path(), None, &["new", "email"]), 0);
    let files = diesel.files("migrations");
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(
        files
            .iter()
            .any(|f| f.len() == "2020-01-01-000000_email/up.sql".len()
                && f.ends_with("_email/up.sql")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("_email/down.sql")),
        "{files:?}"
    );

    let prisma = TempDir::with(&[("migrations/20200101000000_init/migration.sql", USERS)]);
    expect_code(&migrate(prisma.path(), None, &["new", "email"]), 0);
    assert!(
        prisma
            .files("migrations")
            .iter()
            .any(|f| f.ends_with("_email/migration.sql"))
    );

    let goose = TempDir::with(&[(
        "migrations/20200101000000_init.sql",
        &format!("-- +goose Up\n{USERS}-- +goose Down\nDROP TABLE users;\n"),
    )]);
    expect_code(&migrate(goose.path(), None, &["new", "email"]), 0);
    let file = goose
        .files("migrations")
        .into_iter()
        .find(|f| f.ends_with("_email.sql"))
        .expect("goose file");
    assert!(
        fs::read_to_string(goose.path().join("migrations").join(file))
            .expect("read")
            .starts_with("-- +goose Up\n")
    );

    let dbmate = TempDir::with(&[(
        "migrations/20200101000000_init.sql",
        &format!("-- migrate:up\n{USERS}-- migrate:down\nDROP TABLE users;\n"),
    )]);
    expect_code(&migrate(dbmate.path(), None, &["new", "email"]), 0);
    let file = dbmate
        .files("migrations")
        .into_iter()
        .find(|f| f.ends_with("_email.sql"))
        .expect("dbmate file");
    assert!(
        fs::read_to_string(dbmate.path().join("migrations").join(file))
            .expect("read")
            .starts_with("-- migrate:up\n")
    );
    expect_code(&migrate(dbmate.path(), None, &["schema"]), 0);

    expect_code(&migrate(empty.path(), None, &["new", "!!!"]), 2);
}

#[test]
fn urls_come_from_direct_url_database_url_and_dotenv() {
    let database = TestDatabase::new("cli_urls");
    let project = project();
    // DIRECT_URL wins over a pooled DATABASE_URL that would not work.
    let output = Command::new(env!("CARGO_BIN_EXE_migrate"))
        .args(["deploy"])
        .current_dir(project.path())
        .env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/pooled")
        .env("DIRECT_URL", &database.url)
        .output()
        .expect("run");
    expect_code(&output, 0);

    // A .env file, when the environment has neither.
    project.write(".env", format!("DATABASE_URL={}\n", database.url));
    let status = migrate(project.path(), None, &["status"]);
    expect_code(&status, 0);
    assert!(states_all(&status, "applied"), "{}", stdout(&status));

    // Neither: a usage error.
    fs::remove_file(project.path().join(".env")).expect("remove .env");
    let none = migrate(project.path(), None, &["status"]);
    expect_code(&none, 2);
    assert!(
        stderr(&none).contains("set DATABASE_URL"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn no_command_prints_a_password() {
    let project = project();
    let secret = "hunter2-Secret";
    let unreachable = format!("postgres://app:{secret}@127.0.0.1:1/app");
    let key_value = format!("host=127.0.0.1 port=1 user=app password={secret} dbname=app");
    let bad_option = format!("postgres://app:{secret}@127.0.0.1:5432/app?sslmode=nonsense");
    for url in [&unreachable, &key_value, &bad_option] {
        for args in [
            &["status"][..],
            &["deploy"],
            &["drift"],
            &["resolve", "--applied", "1"],
            &["baseline", "1"],
        ] {
            let output = migrate(project.path(), Some(url), args);
            expect_code(&output, 2);
            let all = format!("{}{}", stdout(&output), stderr(&output));
            assert!(all.contains("cannot connect to"), "{args:?}: {all}");
            assert!(
                !all.contains(secret),
                "{args:?} printed the password: {all}"
            );
        }
        let diff = migrate(
            project.path(),
            None,
            &["diff", "--from", url, "--to", "migrations"],
        );
        expect_code(&diff, 2);
        let all = format!("{}{}", stdout(&diff), stderr(&diff));
        assert!(!all.contains(secret), "diff printed the password: {all}");
    }
    let help = migrate(project.path(), Some(&unreachable), &["deploy", "--help"]);
    expect_code(&help, 0);
    assert!(!stdout(&help).contains(secret));
    assert!(stdout(&help).contains("DIRECT_URL"));
    let help = migrate(project.path(), None, &["--help"]);
    assert!(
        stdout(&help).contains("Exit status: 0"),
        "{}",
        stdout(&help)
    );
}

#[test]
fn deploy_applies_a_corpus_set_and_finds_no_drift() {
    let database = TestDatabase::new("cli_deploy_kestra");
    let dir = corpus_dir().join("kestra").join("migrations");
    let dir = dir.to_str().expect("UTF-8 path");
    let here = corpus_dir();
    let url = Some(database.url.as_str());
    let deploy = migrate(
        &here,
        url,
        &["deploy", "--migrations", dir, "--fail-on-drift"],
    );
    expect_code(&deploy, 0);
    assert!(
        stdout(&deploy).contains("[26/26] applied 1_27 (V1_27__escape_fulltext.sql)"),
        "{}",
        stdout(&deploy)
    );
    let status = migrate(&here, url, &["status", "--migrations", dir]);
    expect_code(&status, 0);
    assert!(
        stdout(&status).ends_with("26 applied\n"),
        "{}",
        stdout(&status)
    );
    expect_code(&migrate(&here, url, &["drift", "--migrations", dir]), 0);
}

/// The script from `empty` builds real schemas: tables in any order of
/// their foreign keys, views over views, indexes, enums. It runs on an
/// empty database, which then has no drift against the migrations; the
/// triggers, whose definitions the schema does not keep, are named as
/// manual steps.
/// (kestra and crates.io need functions the script cannot create, hatchet
/// partitioned tables whose keys the schema does not keep: the script says
/// so in comments.)
#[test]
fn diff_from_empty_builds_corpus_schemas() {
    for set in ["labrinth", "inbox_zero"] {
        let database = TestDatabase::new(&format!("cli_from_empty_{set}"));
        let dir = corpus_dir().join(set).join("migrations");
        let dir = dir.to_str().expect("UTF-8 path");
        let here = corpus_dir();
        let diff = migrate(&here, None, &["diff", "--from", "empty", "--to", dir]);
        expect_code(&diff, 0);
        let script = stdout(&diff);
        database
            .client()
            .batch_execute(&script)
            .unwrap_or_else(|error| panic!("{set}: {error}"));
        let drift = migrate(
            &here,
            Some(database.url.as_str()),
            &["drift", "--migrations", dir],
        );
        expect_code(&drift, 0);
        // The triggers are named for the user to create: the schema does
        // not keep their definitions.
        let n_named = script
            .lines()
            .filter(|line| line.starts_with("-- MANUAL STEP: create trigger "))
            .count();
        if set == "inbox_zero" {
            assert!(n_named > 0, "{script}");
        }
    }
    // The functions the script cannot create are named.
    let dir = corpus_dir().join("kestra").join("migrations");
    let diff = migrate(
        &corpus_dir(),
        None,
        &[
            "diff",
            "--from",
            "empty",
            "--to",
            dir.to_str().expect("UTF-8 path"),
        ],
    );
    expect_code(&diff, 0);
    let script = stdout(&diff);
    assert!(
        script.starts_with("-- the SQL that turns an empty database into the migrations in ")
            && script.contains("\n-- not included: "),
        "{}",
        &script[..script.len().min(500)]
    );
    assert!(
        script.contains("--   public.state_fromtext(text)\n"),
        "{}",
        &script[..script.len().min(2000)]
    );
}
