//! The operator's day with the built binary against the real PostgreSQL:
//! nothing hangs, an interrupted deploy cleans up after itself, a
//! migration never queues the service behind it.

use std::fs;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use migrate_test_support::{TempDir, TestDatabase};

mod common;
use common::all_output;

/// Runs the binary in `dir` with `DATABASE_URL` set to `url`.
fn migrate(dir: &Path, url: &str, args: &[&str]) -> Output {
    command(dir, url, args)
        .output()
        .expect("run the migrate binary")
}

fn command(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_migrate"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DIRECT_URL")
        .env("DATABASE_URL", url)
        .env("NO_COLOR", "1");
    command
}

/// A local port where something that is not PostgreSQL listens.
fn impostor(serve: fn(std::net::TcpStream)) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a local port");
    let port = listener.local_addr().expect("its address").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    port
}

#[test]
fn no_command_hangs_on_a_port_that_is_not_postgresql() {
    let project = TempDir::with(&[("migrations/1_users.sql", "CREATE TABLE users (id int);\n")]);
    let silent = impostor(|mut stream| {
        let mut buffer = [0_u8; 512];
        while matches!(stream.read(&mut buffer), Ok(n) if n > 0) {}
    });
    let garbage = impostor(|mut stream| {
        let mut buffer = [0_u8; 512];
        let _ = stream.read(&mut buffer);
        let _ = stream.write_all(b"-ERR unknown command\r\n");
    });
    for args in [&["status"][..], &["deploy"], &["drift"]] {
        let url = format!("postgres://u:p4ssw0rd@127.0.0.1:{silent}/x?connect_timeout=1");
        let output = migrate(project.path(), &url, args);
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.contains(&format!(
                "error: cannot connect to 127.0.0.1:{silent} (database \"x\", user \"u\"): no answer to PostgreSQL's startup handshake within 1 s"
            )),
            "{args:?}: {text}"
        );
        assert!(!text.contains("p4ssw0rd"), "{text}");

        let url = format!("postgres://u:p4ssw0rd@127.0.0.1:{garbage}/x?sslmode=disable");
        let output = migrate(project.path(), &url, args);
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {text}");
        assert!(
            text.contains("the server answered something that is not PostgreSQL's protocol"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("bytes remaining"), "{text}");
    }
}

/// A migration that sleeps for ten minutes when the session's
/// `migrate_test.sleep` says so (the URL's `options`), else not at all.
const SLEEP: &str = "SELECT pg_sleep(coalesce(nullif(current_setting('migrate_test.sleep', true), ''), '0')::float8);\n";

fn sleepy_project(transactional: bool) -> TempDir {
    let slow = format!(
        "{}CREATE TABLE slow (id int);\n{SLEEP}CREATE TABLE never (id int);\n",
        if transactional {
            ""
        } else {
            "-- no-transaction\n"
        }
    );
    TempDir::with(&[
        ("migrations/1_users.sql", "CREATE TABLE users (id int);\n"),
        ("migrations/2_slow.sql", &slow),
        ("migrations/3_after.sql", "CREATE TABLE after (id int);\n"),
    ])
}

fn sleeping_url(db: &TestDatabase) -> String {
    format!("{}?options=-c%20migrate_test.sleep%3D600", db.url)
}

/// Waits until the migration's `pg_sleep` runs on the server in the test's own
/// database (tests run in parallel, each sleeping in its own), failing the
/// test (rather than hanging CI) after a minute.
fn wait_for_sleep(admin: &mut postgres::Client) {
    let started = std::time::Instant::now();
    loop {
        let n: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(coalesce%' AND pid <> pg_backend_pid()",
                &[],
            )
            .unwrap()
            .get(0);
        if n == 1 {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the migration never started sleeping"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

fn spawn_deploy(dir: &Path, url: &str) -> std::process::Child {
    command(dir, url, &["deploy"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start migrate deploy")
}

fn send(child: &std::process::Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

fn advisory_locks(admin: &mut postgres::Client) -> i64 {
    admin
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND d.datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0)
}

fn relation_exists(admin: &mut postgres::Client, name: &str) -> bool {
    admin
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&name])
        .unwrap()
        .get(0)
}

#[test]
fn an_interrupted_transactional_deploy_rolls_back_unlocks_and_says_so() {
    let project = sleepy_project(true);
    for (signal, exit_code) in [("INT", 130), ("TERM", 143)] {
        let db = TestDatabase::new("cli_ops_sigint_tx");
        let mut admin = db.client();
        let deploy = spawn_deploy(project.path(), &sleeping_url(&db));
        wait_for_sleep(&mut admin);

        // status shows the migration as running, with the server process.
        let status = migrate(project.path(), &db.url, &["status"]);
        let text = all_output(&status);
        assert_eq!(status.status.code(), Some(1), "{text}");
        assert!(
            text.contains("applied  1  1_users.sql  applied 20"),
            "{text}"
        );
        assert!(
            text.contains("running  2  2_slow.sql: being applied by server process pid "),
            "{text}"
        );
        assert!(text.contains("pending  3  3_after.sql\n"), "{text}");

        // A second deploy waits for the lock, says who holds it, and stops
        // at once on a signal.
        let mut waiting = spawn_deploy(project.path(), &db.url);
        let mut stderr = std::io::BufReader::new(waiting.stderr.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(
            line.starts_with("waiting for the migration lock held by server process pid "),
            "{line}"
        );
        assert!(
            line.contains("-- migrate: applying 2 (2_slow.sql)"),
            "{line}"
        );
        send(&waiting, signal);
        let output = waiting.wait_with_output().unwrap();
        let mut rest = String::new();
        stderr.read_to_string(&mut rest).unwrap();
        assert_eq!(output.status.code(), Some(exit_code), "{rest}");
        assert!(
            rest.contains(
                "error: interrupted before a migration started: nothing more was applied"
            ),
            "{rest}"
        );

        send(&deploy, signal);
        let output = deploy.wait_with_output().unwrap();
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(exit_code), "{text}");
        assert!(
            text.contains(
                "[1/3] 1 (1_users.sql): applied\n[2/3] 2 (2_slow.sql): INTERRUPTED: rolled back, nothing of it applied\n[3/3] 3 (3_after.sql): not started\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("error: interrupted while applying migration 2 (2_slow.sql): its statement was cancelled on the server and its transaction rolled back"),
            "{text}"
        );
        assert!(
            text.contains(
                "1 of 3 pending migrations were applied; `migrate deploy` again applies the rest"
            ),
            "{text}"
        );
        assert_eq!(advisory_locks(&mut admin), 0);
        assert!(!relation_exists(&mut admin, "slow"));

        let status = migrate(project.path(), &db.url, &["status"]);
        let text = all_output(&status);
        assert!(text.contains("pending  2  2_slow.sql\n"), "{text}");
        let again = migrate(project.path(), &db.url, &["deploy"]);
        assert_eq!(again.status.code(), Some(0), "{}", all_output(&again));
        assert!(relation_exists(&mut admin, "after"));
    }
}

#[test]
fn an_interrupted_non_transactional_deploy_is_recorded_at_its_statement() {
    let project = sleepy_project(false);
    for (signal, exit_code) in [("INT", 130), ("TERM", 143)] {
        let db = TestDatabase::new("cli_ops_sigint_notx");
        let mut admin = db.client();
        let deploy = spawn_deploy(project.path(), &sleeping_url(&db));
        wait_for_sleep(&mut admin);
        let status = migrate(project.path(), &db.url, &["status"]);
        let text = all_output(&status);
        assert!(
            text.contains("running  2  2_slow.sql: being applied by server process pid "),
            "{text}"
        );
        assert!(text.contains(", 1 statements done"), "{text}");

        send(&deploy, signal);
        let output = deploy.wait_with_output().unwrap();
        let text = all_output(&output);
        assert_eq!(output.status.code(), Some(exit_code), "{text}");
        assert!(
            text.contains(
                "[2/3] 2 (2_slow.sql): INTERRUPTED at statement 2 of 3: recorded as failed\n"
            ),
            "{text}"
        );
        assert_eq!(advisory_locks(&mut admin), 0);
        assert!(relation_exists(&mut admin, "slow"));
        assert!(!relation_exists(&mut admin, "never"));

        let status = migrate(project.path(), &db.url, &["status"]);
        let text = all_output(&status);
        assert!(
            text.contains("failed   2  2_slow.sql: statement 2 failed: canceling statement due to user request"),
            "{text}"
        );
        // Undo by hand what it did, say so, and deploy again.
        admin.batch_execute("DROP TABLE slow").unwrap();
        let resolve = migrate(project.path(), &db.url, &["resolve", "--rolled-back", "2"]);
        assert_eq!(resolve.status.code(), Some(0), "{}", all_output(&resolve));
        let again = migrate(project.path(), &db.url, &["deploy"]);
        assert_eq!(again.status.code(), Some(0), "{}", all_output(&again));
        assert!(relation_exists(&mut admin, "never"));
        assert!(relation_exists(&mut admin, "after"));
    }
}

#[test]
fn deploy_refuses_what_the_fold_rejects_before_touching_the_database() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", "CREATE TABLE users (id int);\n"),
        (
            "migrations/2_half.sql",
            "-- no-transaction\nCREATE TABLE half (id int);\nALTER TABLE missing ADD COLUMN x int;\n",
        ),
    ]);
    let db = TestDatabase::new("cli_ops_preflight");
    let output = migrate(project.path(), &db.url, &["deploy"]);
    let text = all_output(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("relation \"missing\" does not exist"),
        "{text}"
    );
    assert!(text.contains("2_half.sql:3:"), "{text}");
    let mut admin = db.client();
    assert!(!relation_exists(&mut admin, "users"));
    assert!(!relation_exists(&mut admin, "half"));
    assert!(!relation_exists(&mut admin, "_migrate_history"));
}

#[test]
fn an_edited_migration_is_accepted_explicitly_and_resolve_checks_what_is_left() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", "CREATE TABLE users (id int);\n"),
        (
            "migrations/2_email.sql",
            "ALTER TABLE users ADD COLUMN email text;\n",
        ),
    ]);
    let db = TestDatabase::new("cli_ops_edited");
    let deploy = migrate(project.path(), &db.url, &["deploy"]);
    assert_eq!(deploy.status.code(), Some(0), "{}", all_output(&deploy));

    // A comment added afterwards: edited, and deploy refuses.
    fs::write(
        project.path().join("migrations/2_email.sql"),
        "-- the address users sign in with\nALTER TABLE users ADD COLUMN email text;\n",
    )
    .unwrap();
    let status = migrate(project.path(), &db.url, &["status"]);
    assert!(
        all_output(&status).contains("edited   2"),
        "{}",
        all_output(&status)
    );
    let refused = migrate(project.path(), &db.url, &["deploy"]);
    assert_eq!(refused.status.code(), Some(1));

    // resolve --applied on an applied version says so, and names the way out.
    let applied = migrate(project.path(), &db.url, &["resolve", "--applied", "2"]);
    let text = all_output(&applied);
    assert_eq!(applied.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: migration 2 is already recorded as applied (finished at "),
        "{text}"
    );
    assert!(
        text.contains("record the file's checksum with `migrate resolve --accept-checksum 2`"),
        "{text}"
    );
    let accept = migrate(
        project.path(),
        &db.url,
        &["resolve", "--accept-checksum", "2"],
    );
    let text = all_output(&accept);
    assert_eq!(accept.status.code(), Some(0), "{text}");
    assert!(
        text.starts_with("migration 2: its file's checksum is recorded in place of the applied one, accepted by migrate-cli "),
        "{text}"
    );
    assert!(text.contains(" as postgres at 20"), "{text}");
    let status = migrate(project.path(), &db.url, &["status"]);
    assert_eq!(status.status.code(), Some(0), "{}", all_output(&status));
    let again = migrate(project.path(), &db.url, &["resolve", "--applied", "1"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        all_output(&again).starts_with("migration 1 is already recorded as applied (finished at ")
    );

    // baseline on a database past the version: says so, exit 0.
    let baseline = migrate(project.path(), &db.url, &["baseline", "1"]);
    let text = all_output(&baseline);
    assert_eq!(baseline.status.code(), Some(0), "{text}");
    assert_eq!(
        text,
        "the database is already at or past 1: migrations up to 2 (2_email.sql) are recorded as applied; there is nothing to baseline (0 left to deploy)\n"
    );

    // resolve --rolled-back checks, by the fold, that what it created is gone.
    fs::write(
        project.path().join("migrations/3_posts.sql"),
        "CREATE TABLE posts (id serial PRIMARY KEY);\nALTER TABLE users ADD COLUMN nickname text;\n",
    )
    .unwrap();
    let deploy = migrate(project.path(), &db.url, &["deploy"]);
    assert_eq!(deploy.status.code(), Some(0), "{}", all_output(&deploy));
    let refused = migrate(project.path(), &db.url, &["resolve", "--rolled-back", "3"]);
    let text = all_output(&refused);
    assert_eq!(refused.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error: what migration 3 created is still in the database: relation public.posts, column nickname of public.users; undo it first"),
        "{text}"
    );
    let mut admin = db.client();
    admin
        .batch_execute("DROP TABLE posts; ALTER TABLE users DROP COLUMN nickname")
        .unwrap();
    let resolved = migrate(project.path(), &db.url, &["resolve", "--rolled-back", "3"]);
    assert_eq!(resolved.status.code(), Some(0), "{}", all_output(&resolved));
    let status = migrate(project.path(), &db.url, &["status"]);
    assert!(
        all_output(&status).contains("pending  3"),
        "{}",
        all_output(&status)
    );
}

#[test]
fn the_cli_finds_the_project_from_a_subdirectory_and_flags_override() {
    let project = TempDir::with(&[
        (
            "Cargo.toml",
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[package.metadata.migrate]\nmigrations = \"db/migs\"\n",
        ),
        ("src/lib.rs", ""),
        ("db/migs/1_users.sql", "CREATE TABLE users (id int);\n"),
    ]);
    let db = TestDatabase::new("cli_ops_project");
    let subdirectory = project.path().join("src");
    let status = migrate(&subdirectory, &db.url, &["status"]);
    let text = all_output(&status);
    assert_eq!(status.status.code(), Some(1), "{text}");
    assert!(text.contains("pending  1  1_users.sql"), "{text}");

    // Several words make one name; the file goes where Cargo.toml says.
    let new = migrate(&subdirectory, &db.url, &["new", "add", "users", "email"]);
    let text = all_output(&new);
    assert_eq!(new.status.code(), Some(0), "{text}");
    assert!(text.starts_with("created "), "{text}");
    assert!(
        text.trim_end().ends_with("/db/migs/2_add_users_email.sql"),
        "{text}"
    );
    assert!(!subdirectory.join("migrations").exists());
    assert!(!project.path().join("migrations").exists());
    let created: Vec<_> = fs::read_dir(project.path().join("db/migs"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(created.len(), 2, "{created:?}");

    let deploy = migrate(&subdirectory, &db.url, &["deploy"]);
    assert_eq!(deploy.status.code(), Some(0), "{}", all_output(&deploy));

    // A flag wins over Cargo.toml; a directory that is not there is a setup
    // error (2), as is an empty one; a migration PostgreSQL rejects is a
    // finding (1).
    let missing = migrate(
        &subdirectory,
        &db.url,
        &["status", "--migrations", "nowhere"],
    );
    assert_eq!(missing.status.code(), Some(2), "{}", all_output(&missing));
    fs::create_dir_all(project.path().join("empty")).unwrap();
    let empty = migrate(
        project.path(),
        &db.url,
        &["schema", "--migrations", "empty"],
    );
    assert_eq!(empty.status.code(), Some(2), "{}", all_output(&empty));
    fs::write(
        project.path().join("db/migs/9_bad.sql"),
        "ALTER TABLE nope ADD COLUMN x int;\n",
    )
    .unwrap();
    let bad = migrate(&subdirectory, &db.url, &["schema"]);
    assert_eq!(bad.status.code(), Some(1), "{}", all_output(&bad));
    for command in [
        "new",
        "schema",
        "lint",
        "check",
        "status",
        "deploy",
        "drift",
        "diff",
        "resolve",
        "baseline",
        "rollback-sql",
    ] {
        let help = migrate(project.path(), &db.url, &[command, "--help"]);
        let text = all_output(&help);
        assert!(
            text.contains("2 for usage and setup errors"),
            "{command} --help: {text}"
        );
    }
}

#[test]
fn every_reporting_command_speaks_json_with_its_version() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", "CREATE TABLE users (id int);\n"),
        (
            "migrations/2_rename.sql",
            "ALTER TABLE users RENAME COLUMN id TO user_id;\n",
        ),
    ]);
    let db = TestDatabase::new("cli_ops_json");
    let document = |args: &[&str]| -> serde_json::Value {
        let output = migrate(project.path(), &db.url, args);
        let document: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|error| panic!("{args:?}: {error}: {}", all_output(&output)));
        assert_eq!(
            document["migrate_version"],
            env!("CARGO_PKG_VERSION"),
            "{args:?}"
        );
        document
    };
    let deployed = document(&["deploy", "--json"]);
    assert_eq!(deployed["applied"][1]["version"], "2");
    for args in [
        &["status", "--json"][..],
        &["drift", "--json"],
        &["lint", "--json"],
        &["diff", "--from", "empty", "--to", "migrations", "--json"],
        &["resolve", "--applied", "1", "--json"],
        &["baseline", "1", "--json"],
    ] {
        document(args);
    }
    let rollback = document(&["rollback-sql", "--json"]);
    assert!(
        rollback["sql"]
            .as_str()
            .unwrap()
            .contains("ALTER TABLE public.users RENAME COLUMN user_id TO id;"),
        "{rollback}"
    );
}

#[test]
fn reset_database_create_drop_and_completions() {
    let project = TempDir::with(&[("migrations/1_users.sql", "CREATE TABLE users (id int);\n")]);
    let db = TestDatabase::new("cli_ops_reset");
    let mut admin = db.client();
    admin.batch_execute("CREATE TABLE stray (id int)").unwrap();
    drop(admin);
    let reset = migrate(project.path(), &db.url, &["reset"]);
    assert_eq!(reset.status.code(), Some(0), "{}", all_output(&reset));
    assert_eq!(
        all_output(&reset),
        format!(
            "database {} dropped, created, and 1 migration applied\n",
            db.name
        )
    );
    let mut admin = db.client();
    assert!(relation_exists(&mut admin, "users"));
    assert!(!relation_exists(&mut admin, "stray"));
    drop(admin);

    let remote = "postgres://app:secret@db.example.com/app";
    let refused = migrate(project.path(), remote, &["reset"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        all_output(&refused).contains("refusing to reset a database on another machine (postgres://app:***@db.example.com/app)"),
        "{}",
        all_output(&refused)
    );

    let dropped = migrate(project.path(), &db.url, &["database", "drop"]);
    assert_eq!(dropped.status.code(), Some(0), "{}", all_output(&dropped));
    assert_eq!(
        all_output(&dropped),
        format!("dropped database {}\n", db.name)
    );
    let created = migrate(project.path(), &db.url, &["database", "create"]);
    assert_eq!(
        all_output(&created),
        format!("created database {}\n", db.name)
    );
    let again = migrate(project.path(), &db.url, &["database", "create"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(
        all_output(&again),
        format!("database exists already: {}\n", db.name)
    );

    let completions = migrate(project.path(), &db.url, &["completions", "bash"]);
    assert_eq!(completions.status.code(), Some(0));
    let script = String::from_utf8_lossy(&completions.stdout);
    assert!(script.contains("rollback-sql"), "{script}");
}

#[test]
fn colours_where_asked_never_with_no_color() {
    let project = TempDir::with(&[("migrations/1_users.sql", "CREATE TABLE users (id int);\n")]);
    let db = TestDatabase::new("cli_ops_colour");
    let run = |no_color: bool| {
        let mut command = command(project.path(), &db.url, &["status"]);
        command.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
        if no_color {
            command.env("NO_COLOR", "1");
        }
        command.output().unwrap()
    };
    let coloured = run(false);
    assert!(
        String::from_utf8_lossy(&coloured.stdout).contains("\u{1b}["),
        "{}",
        all_output(&coloured)
    );
    let plain = run(true);
    assert!(
        !all_output(&plain).contains('\u{1b}'),
        "{}",
        all_output(&plain)
    );
    assert!(all_output(&plain).contains("pending  1  1_users.sql"));
}

/// A migration whose statement catches the cancel request and sleeps on,
/// as a statement that does not answer a cancel would behave.
const STUBBORN: &str = "DO $$\nBEGIN\n  LOOP\n    BEGIN\n      PERFORM pg_sleep(coalesce(nullif(current_setting('migrate_test.sleep', true), ''), '0')::float8);\n      EXIT;\n    EXCEPTION WHEN query_canceled THEN\n      RAISE NOTICE 'cancel ignored';\n    END;\n  END LOOP;\nEND\n$$;\n";

fn sleepers(admin: &mut postgres::Client) -> i64 {
    admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' AND query LIKE '%pg_sleep(coalesce%' AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap()
        .get(0)
}

#[test]
fn a_second_signal_exits_at_once_when_the_server_ignores_the_cancel() {
    let project = TempDir::with(&[
        ("migrations/1_users.sql", "CREATE TABLE users (id int);\n"),
        ("migrations/2_stubborn.sql", STUBBORN),
    ]);
    let db = TestDatabase::new("cli_ops_second_signal");
    let mut admin = db.client();
    let mut deploy = spawn_deploy(project.path(), &sleeping_url(&db));
    wait_for_sleep(&mut admin);
    let mut stderr = std::io::BufReader::new(deploy.stderr.take().unwrap());

    send(&deploy, "INT");
    let mut line = String::new();
    while !line.starts_with("SIGINT: stopping") {
        line.clear();
        let read = std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
        assert!(read > 0, "the deploy ended before saying it was stopping");
    }
    // The cancel was sent and ignored: the deploy waits for the server.
    send(&deploy, "INT");
    let output = deploy.wait_with_output().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(output.status.code(), Some(130), "{rest}");
    assert!(
        rest.contains("interrupted again: exiting at once"),
        "{rest}"
    );
    // It did not wait: the server is still running the statement.
    assert_eq!(sleepers(&mut admin), 1);

    // Ending the server's session rolls the migration back and frees the lock.
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(coalesce%' AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    let started = std::time::Instant::now();
    while sleepers(&mut admin) > 0 || advisory_locks(&mut admin) > 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the terminated session never went away"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = migrate(project.path(), &db.url, &["status"]);
    let text = all_output(&status);
    assert!(text.contains("pending  2  2_stubborn.sql\n"), "{text}");
}

#[test]
fn on_a_terminal_the_running_migration_shows_its_elapsed_time() {
    let project = sleepy_project(true);
    let db = TestDatabase::new("cli_ops_elapsed");
    // `script` gives the deploy a pseudo-terminal, as a user's shell would.
    let url = format!("{}?options=-c%20migrate_test.sleep%3D3", db.url);
    let shell_command = format!("'{}' deploy", env!("CARGO_BIN_EXE_migrate"));
    let output = Command::new("script")
        .args(["-q", "-e", "-c", &shell_command, "/dev/null"])
        .current_dir(project.path())
        .env_remove("DIRECT_URL")
        .env("DATABASE_URL", &url)
        .env("NO_COLOR", "1")
        .output()
        .expect("run the deploy under script(1)");
    let text = all_output(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    // The line is rewritten each second: `... applying 2 (2_slow.sql) N s`,
    // and a three-second migration reaches at least one second.
    let ticks: Vec<u64> = text
        .split("applying 2 (2_slow.sql) ")
        .skip(1)
        .filter_map(|rest| rest.split(" s").next()?.parse().ok())
        .collect();
    assert!(ticks.iter().any(|&seconds| seconds >= 1), "{text:?}");
    assert!(ticks.windows(2).all(|pair| pair[0] <= pair[1]), "{ticks:?}");
}
