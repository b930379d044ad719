//! Helpers shared by the runtime's tests: migrations built at run time (and
//! leaked, as the runtime wants `&'static` data, as a binary embeds it).
#![allow(dead_code)]

use migrate_runtime::{EmbeddedMigration, Migrations};

/// A migration spec: version, SQL, and for a non-transactional one its statements.
pub struct Spec {
    pub version: String,
    pub sql: String,
    pub statements: Option<Vec<String>>,
}

/// A transactional migration.
pub fn tx(version: &str, sql: &str) -> Spec {
    Spec {
        version: version.to_owned(),
        sql: sql.to_owned(),
        statements: None,
    }
}

/// A non-transactional migration made of `statements`.
pub fn no_tx(version: &str, statements: &[&str]) -> Spec {
    Spec {
        version: version.to_owned(),
        sql: statements.join(";\n") + ";\n",
        statements: Some(statements.iter().map(|s| (*s).to_owned()).collect()),
    }
}

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// One embedded migration, leaked.
pub fn embed(spec: &Spec) -> EmbeddedMigration {
    let statements: &'static [&'static str] = match &spec.statements {
        Some(statements) => Box::leak(
            statements
                .iter()
                .map(|s| leak(s.clone()))
                .collect::<Vec<_>>()
                .into_boxed_slice(),
        ),
        None => &[],
    };
    EmbeddedMigration {
        version: leak(spec.version.clone()),
        name: leak(format!("m{}", spec.version)),
        path: leak(format!("{}_m{}.sql", spec.version, spec.version)),
        sql: leak(spec.sql.clone()),
        lines_before_up: 0,
        down: None,
        checksum: leak(migrate_core::checksum(&spec.sql)),
        transactional: spec.statements.is_none(),
        statements,
    }
}

/// The migrations of `specs`, in order, leaked.
pub fn migrations(specs: &[Spec]) -> &'static Migrations {
    let embedded: Vec<EmbeddedMigration> = specs.iter().map(embed).collect();
    let embedded: &'static [EmbeddedMigration] = Box::leak(embedded.into_boxed_slice());
    Box::leak(Box::new(
        Migrations::new(embedded, "{}").with_package("runtime-tests", "0.0.0"),
    ))
}

/// `n` transactional migrations, each creating table `t<i>` and logging
/// itself in `applied_log`, the first also creating the log.
pub fn numbered(n: usize) -> Vec<Spec> {
    (1..=n)
        .map(|i| {
            let mut sql = String::new();
            if i == 1 {
                sql.push_str("CREATE TABLE applied_log (version int NOT NULL, at timestamptz DEFAULT now());\n");
            }
            sql.push_str(&format!(
                "CREATE TABLE t{i} (id bigint PRIMARY KEY, note text);\nINSERT INTO applied_log (version) VALUES ({i});\n"
            ));
            tx(&format!("{i:04}"), &sql)
        })
        .collect()
}

/// Versions in the history table, in apply order, with their success flag.
pub fn history(client: &mut postgres::Client) -> Vec<(String, bool)> {
    client
        .query(
            "SELECT version, success FROM public._migrate_history ORDER BY installed_rank",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

/// Names of the ordinary tables in `public`, sorted.
pub fn tables(client: &mut postgres::Client) -> Vec<String> {
    client
        .query(
            "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// Sessions holding any advisory lock in the current database.
pub fn advisory_holders(client: &mut postgres::Client) -> i64 {
    client
        .query_one(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
             WHERE l.locktype = 'advisory' AND l.granted AND d.datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0)
}

/// The migration sets child processes can run, by name.
pub fn named_set(name: &str) -> &'static Migrations {
    match name {
        "concurrent" => migrations(&concurrent_set()),
        "slow" => migrations(&slow_set()),
        "stuck_no_tx" => migrations(&stuck_no_tx_set()),
        other => panic!("unknown migration set {other}"),
    }
}

/// Eight transactional migrations and a non-transactional one.
pub fn concurrent_set() -> Vec<Spec> {
    let mut specs = numbered(8);
    specs.push(no_tx(
        "0009",
        &[
            "CREATE INDEX CONCURRENTLY t1_note ON t1 (note)",
            "INSERT INTO applied_log (version) VALUES (9)",
        ],
    ));
    specs
}

/// Twelve transactional migrations that each take a few milliseconds, so
/// that a kill lands inside one of them most of the time.
pub fn slow_set() -> Vec<Spec> {
    numbered(12)
        .into_iter()
        .map(|mut spec| {
            spec.sql.push_str("SELECT pg_sleep(0.004);\n");
            spec
        })
        .collect()
}

/// A non-transactional migration that hangs in its second statement.
pub fn stuck_no_tx_set() -> Vec<Spec> {
    vec![
        tx("1", "CREATE TABLE before (id int);"),
        no_tx(
            "2",
            &[
                "CREATE TABLE n1 (id int)",
                "SELECT pg_sleep(600)",
                "CREATE TABLE n2 (id int)",
            ],
        ),
    ]
}

/// The environment variable that makes a test binary act as a child runner.
pub const CHILD_ENV: &str = "MIGRATE_RUNTIME_TEST_CHILD";

/// Entry point of a child runner process: connects to the URL in
/// `MIGRATE_RUNTIME_TEST_CHILD` (`<set> <url>`), runs the set, and prints
/// `RESULT ok <applied>` or `RESULT err <message>`.
pub fn child_main() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (set, url) = spec.split_once(' ').expect("<set> <url>");
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("child connects");
    println!("\nCONNECTED");
    match named_set(set)
        .runner()
        .drift(migrate_runtime::DriftPolicy::Off)
        .run(&mut client)
    {
        Ok(report) => println!("RESULT ok {}", report.applied.len()),
        Err(error) => {
            println!("RESULT err {error}");
            std::process::exit(1);
        }
    }
}

/// Starts this test binary as a child runner of `set` on `url`.
pub fn spawn_child(entry_test: &str, set: &str, url: &str) -> std::process::Child {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            entry_test,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, format!("{set} {url}"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Drops and recreates `public`, for a fresh start within one test database.
pub fn reset(client: &mut postgres::Client) {
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .unwrap();
}

/// Waits until no session holds an advisory lock in the database (a killed
/// runner's backend has gone away).
pub fn wait_for_no_lock(client: &mut postgres::Client) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while advisory_holders(client) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "a killed runner's lock was never released"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Asserts that the schema matches the history: migration `i` of a
/// [`numbered`]-style set created table `t<i>` and logged itself, and is in
/// the history, all three or none. Returns how many are applied.
pub fn assert_schema_matches_history(client: &mut postgres::Client, n: usize) -> usize {
    let tables = tables(client);
    let history: Vec<String> = if tables.contains(&"_migrate_history".to_owned()) {
        history(client)
            .into_iter()
            .map(|(version, success)| {
                assert!(success, "migration {version} recorded as failed");
                version
            })
            .collect()
    } else {
        Vec::new()
    };
    let logged: Vec<i32> = if tables.contains(&"applied_log".to_owned()) {
        client
            .query("SELECT version FROM applied_log ORDER BY version", &[])
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect()
    } else {
        Vec::new()
    };
    let mut n_applied = 0;
    for i in 1..=n {
        let version = format!("{i:04}");
        let recorded = history.contains(&version);
        let created = tables.contains(&format!("t{i}"));
        let n_logged = logged.iter().filter(|&&v| v == i as i32).count();
        assert_eq!(
            (recorded, created, n_logged),
            (recorded, recorded, usize::from(recorded)),
            "migration {version}: recorded {recorded}, table created {created}, logged {n_logged} times; history {history:?}, tables {tables:?}"
        );
        if recorded {
            n_applied += 1;
        }
    }
    let prefix: Vec<String> = (1..=n_applied).map(|i| format!("{i:04}")).collect();
    assert_eq!(history, prefix, "migrations apply in order");
    n_applied
}
