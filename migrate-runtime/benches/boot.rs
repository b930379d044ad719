//! Benchmark of the boot-time runner (issue 4), against the local PostgreSQL.
//!
//! 1. Round trips: with 500 migrations applied, a boot with nothing to do.
//!    The runner connects through a small TCP proxy that counts the
//!    messages after which the client waits for the server (`Query` and
//!    `Sync`), so the count does not trust the runner's own code.
//! 2. Time: applying each of the five shared corpus sets to an empty
//!    database, the runner against `psql -f` with the same SQL in the same
//!    order and transaction modes, one connection each, process start and
//!    connection included for both.
//!
//! Run: `cargo bench -p pgfold-runtime --bench boot`
//! (`MIGRATE_BENCH_ITERATIONS`, default 3, repeats part 2 and keeps the median;
//! `MIGRATE_BENCH_DUMP_DIR` writes the migrations of each set there as JSON,
//! to time other runners on the same ones.)

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use migrate_build::discover::discover;
use migrate_core::Migration;
use migrate_runtime::{DriftPolicy, Error, Migrations};
use migrate_test_support::{corpus_dir, server_url, with_database};
use postgres::NoTls;

const SETS: [&str; 5] = ["crates_io", "inbox_zero", "labrinth", "kestra", "hatchet"];

fn main() {
    round_trips();
    corpus_apply();
}

// ---------------------------------------------------------------- part 1

fn round_trips() {
    println!("== no-op boot with 500 migrations applied");
    let database = Database::create("rt_bench_noop");
    let specs: Vec<Migration> = (1..=500)
        .map(|i| {
            let up = format!("CREATE TABLE t{i} (id bigint PRIMARY KEY, note text);\n");
            migration(
                &format!("{i:04}"),
                &format!("create_t{i}"),
                &up,
                true,
                Vec::new(),
            )
        })
        .collect();
    let folded = migrate_build::fold::fold(&specs);
    let set = embed(&specs, &serde_json::to_string(&folded.schema).unwrap());
    let mut direct = database.client();
    let report = set
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut direct)
        .unwrap();
    assert_eq!(report.applied.len(), 500);

    let proxy = Proxy::start();
    for policy in [DriftPolicy::Off, DriftPolicy::Warn] {
        let mut client = postgres::Client::connect(&proxy.url(&database.name), NoTls).unwrap();
        proxy.round_trips.store(0, Ordering::SeqCst);
        let started = Instant::now();
        let report = set.runner().drift(policy).run(&mut client).unwrap();
        let elapsed = started.elapsed();
        let round_trips = proxy.round_trips.load(Ordering::SeqCst);
        assert!(report.applied.is_empty());
        println!(
            "drift {policy:?}: {round_trips} round trips after connecting, {:.2} ms (drift checked: {}, {} differences)",
            ms(elapsed),
            report.drift_checked,
            report.drift.len()
        );
    }
    let mut times = Vec::new();
    for _ in 0..50 {
        let started = Instant::now();
        set.runner()
            .drift(DriftPolicy::Off)
            .run(&mut direct)
            .unwrap();
        times.push(started.elapsed());
    }
    times.sort();
    println!(
        "no-op boot, drift off, direct: median {:.2} ms, min {:.2} ms over 50 runs",
        ms(times[25]),
        ms(times[0])
    );
}

/// Counts the client's `Query` and `Sync` messages: one round trip each.
struct Proxy {
    port: u16,
    round_trips: Arc<AtomicUsize>,
}

impl Proxy {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let round_trips = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&round_trips);
        let upstream = upstream_address();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let server = TcpStream::connect(&upstream).unwrap();
                // The proxy writes each message in two pieces: no Nagle delay.
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let counter = Arc::clone(&counter);
                let (mut client_read, mut server_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let (mut server_read, mut client_write) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut server_read, &mut client_write);
                });
                std::thread::spawn(move || {
                    let _ = forward_counting(&mut client_read, &mut server_write, &counter);
                });
            }
        });
        Self { port, round_trips }
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

fn upstream_address() -> String {
    let url = server_url();
    let after_at = url.rsplit('@').next().unwrap_or("127.0.0.1:5432");
    let host_port = after_at.split('/').next().unwrap_or("127.0.0.1:5432");
    if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

fn forward_counting(
    from: &mut TcpStream,
    to: &mut TcpStream,
    round_trips: &AtomicUsize,
) -> std::io::Result<()> {
    // Startup message: length, then body, no type byte.
    let mut length = [0u8; 4];
    from.read_exact(&mut length)?;
    let mut body = vec![0u8; u32::from_be_bytes(length) as usize - 4];
    from.read_exact(&mut body)?;
    to.write_all(&length)?;
    to.write_all(&body)?;
    loop {
        let mut header = [0u8; 5];
        from.read_exact(&mut header)?;
        let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
        let mut body = vec![0u8; length - 4];
        from.read_exact(&mut body)?;
        if header[0] == b'Q' || header[0] == b'S' {
            round_trips.fetch_add(1, Ordering::SeqCst);
        }
        to.write_all(&header)?;
        to.write_all(&body)?;
    }
}

// ---------------------------------------------------------------- part 2

fn corpus_apply() {
    let iterations: usize = std::env::var("MIGRATE_BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    println!("\n== applying the corpus sets to an empty database (median of {iterations})");
    let work = std::env::temp_dir().join(format!("migrate_runtime_bench_{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let (mut total_runner, mut total_psql) = (Duration::ZERO, Duration::ZERO);
    for set in SETS {
        let dir = corpus_dir().join(set).join("migrations");
        let mut migrations = discover(&dir, None)
            .unwrap_or_else(|error| panic!("{set}: {error}"))
            .migrations;
        // Keep the migrations the runner applies (hatchet's last one needs a
        // table made by a Go migration that the corpus does not carry).
        let n_total = migrations.len();
        let n_ok = applicable(&migrations);
        migrations.truncate(n_ok);
        if let Some(dump) = std::env::var_os("MIGRATE_BENCH_DUMP_DIR") {
            // For comparing other runners on exactly these migrations.
            let path = Path::new(&dump).join(format!("{set}.json"));
            std::fs::write(&path, serde_json::to_string(&migrations).unwrap()).unwrap();
        }
        let script = work.join(format!("{set}.sql"));
        std::fs::write(&script, psql_script(&migrations)).unwrap();
        let embedded = embed(&migrations, "{}");

        let mut runner_times = Vec::new();
        let mut psql_times = Vec::new();
        for _ in 0..iterations {
            let database = Database::create(&format!("rt_bench_psql_{set}"));
            let started = Instant::now();
            let output = Command::new("psql")
                .args([
                    "-X",
                    "-q",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-d",
                    &database.url,
                    "-f",
                ])
                .arg(&script)
                .output()
                .expect("psql runs");
            psql_times.push(started.elapsed());
            assert!(
                output.status.success(),
                "{set}: psql failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            drop(database);

            let database = Database::create(&format!("rt_bench_runner_{set}"));
            let started = Instant::now();
            let mut client = postgres::Client::connect(&database.url, NoTls).unwrap();
            let report = embedded
                .runner()
                .drift(DriftPolicy::Off)
                .run(&mut client)
                .unwrap_or_else(|error| panic!("{set}: {error}"));
            runner_times.push(started.elapsed());
            assert_eq!(report.applied.len(), n_ok);
        }
        runner_times.sort();
        psql_times.sort();
        let (runner, psql) = (runner_times[iterations / 2], psql_times[iterations / 2]);
        total_runner += runner;
        total_psql += psql;
        println!(
            "{set:<11} {n_ok:>3}/{n_total:<3} migrations   runner {:>8.1} ms   psql {:>8.1} ms   ratio {:.2}",
            ms(runner),
            ms(psql),
            runner.as_secs_f64() / psql.as_secs_f64()
        );
    }
    println!(
        "{:<11} {:>11}   runner {:>8.1} ms   psql {:>8.1} ms   ratio {:.2}",
        "all sets",
        "",
        ms(total_runner),
        ms(total_psql),
        total_runner.as_secs_f64() / total_psql.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// How many leading migrations the runner applies without error.
fn applicable(migrations: &[Migration]) -> usize {
    let database = Database::create("rt_bench_probe");
    let mut client = database.client();
    match embed(migrations, "{}")
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut client)
    {
        Ok(report) => report.applied.len(),
        Err(Error::MigrationFailed(failed)) => {
            println!("  (stops at {})", failed);
            migrations
                .iter()
                .position(|m| m.version == failed.version)
                .unwrap_or(0)
        }
        Err(error) => panic!("{error}"),
    }
}

/// What psql runs: each migration's up SQL in order, wrapped in
/// BEGIN/COMMIT when transactional, statement by statement when not.
fn psql_script(migrations: &[Migration]) -> String {
    let mut script = String::new();
    for migration in migrations {
        if migration.transactional {
            script.push_str("BEGIN;\n");
            script.push_str(&migration.up);
            script.push_str("\n;\nCOMMIT;\n");
        } else if migration.statements.is_empty() {
            script.push_str(&migration.up);
            script.push_str("\n;\n");
        } else {
            for statement in &migration.statements {
                script.push_str(statement);
                script.push_str("\n;\n");
            }
        }
    }
    script
}

// ---------------------------------------------------------------- helpers

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn migration(
    version: &str,
    name: &str,
    up: &str,
    transactional: bool,
    statements: Vec<String>,
) -> Migration {
    Migration {
        version: version.to_owned(),
        name: name.to_owned(),
        path: format!("{version}_{name}.sql"),
        up: up.to_owned(),
        up_offset: 0,
        lines_before_up: 0,
        down: None,
        transactional,
        statements,
        checksum: migrate_core::checksum(up),
    }
}

/// What the build helper embeds, built at run time and leaked.
fn embed(migrations: &[Migration], schema_json: &str) -> &'static Migrations {
    Box::leak(Box::new(Migrations::leak(migrations, schema_json)))
}

/// A scratch database, dropped with the value.
struct Database {
    name: String,
    url: String,
}

impl Database {
    fn create(prefix: &str) -> Self {
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = postgres::Client::connect(&server_url(), NoTls).unwrap();
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let url = with_database(&server_url(), &name);
        Self { name, url }
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, NoTls).unwrap()
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&server_url(), NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
