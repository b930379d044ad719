//! Times refinery and sqlx::migrate applying the shared corpus sets to an
//! empty database, on exactly the migrations the runner's boot benchmark
//! applies (`migrate-runtime/benches/boot.rs`, which writes them as JSON when
//! `MIGRATE_BENCH_DUMP_DIR` is set).
//!
//! Each tool gets a fresh database per set and per iteration; its time is
//! wall time from connecting to the end of the run, connection included, as
//! the boot benchmark times the runner and psql. Each tool's migrations are
//! built from the JSON before the clock starts, as the runner's embedded set
//! is. A tool that fails is reported with its own error, as it comes: the
//! migrations are not adapted to either tool beyond what its documented
//! interface asks for.
//!
//! - refinery (sync, `postgres::Client`): `V<n>__<name>` with sequential
//!   versions in the set's order; refinery has no non-transactional mode, so
//!   every migration runs in a transaction.
//! - sqlx: one `Migration` per migration, with sequential versions, and
//!   `no_tx` set where the migration is non-transactional, as sqlx's
//!   `-- no-transaction` directive does; applied on one `PgConnection`.
//!
//! Run: `scripts/bench-anchors.sh`, or by hand
//! `cargo run --release -- <dump dir>`. Connects to
//! `MIGRATE_TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
//! `MIGRATE_BENCH_ITERATIONS` (default 3) repeats each run and keeps the
//! median. Prints one tab-separated line per set and tool:
//! `set`, `tool`, `ms`, `ok` or `failed: <error>`.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use migrate_core::Migration;
use postgres::NoTls;
use sqlx::Connection;
use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrationSource, MigrationType, Migrator};

const SETS: [&str; 5] = ["crates_io", "inbox_zero", "labrinth", "kestra", "hatchet"];

/// Every database this program creates starts with this, so a leftover one
/// is easy to find and drop.
const DATABASE_PREFIX: &str = "anchors_bench";

fn main() -> ExitCode {
    let Some(dump_dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!(
            "usage: migrate-bench-anchors <dir>\n\
             <dir> holds one <set>.json per corpus set, as written by \
             `MIGRATE_BENCH_DUMP_DIR=<dir> cargo bench -p pgfold-runtime --bench boot`"
        );
        return ExitCode::FAILURE;
    };
    let iterations: usize = std::env::var("MIGRATE_BENCH_ITERATIONS")
        .ok()
        .and_then(|value| value.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3);
    let server = std::env::var("MIGRATE_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the tokio runtime for sqlx: {error}");
            return ExitCode::FAILURE;
        }
    };

    for set in SETS {
        let migrations = match load(&dump_dir, set) {
            Ok(migrations) => migrations,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        };
        // Built before the clock starts, as the runner's embedded set is
        // (and sqlx's `migrate!()`): only connecting and applying are timed.
        let refinery_migrations = match refinery_migrations(&migrations) {
            Ok(built) => built,
            Err(message) => {
                eprintln!("{set}: refinery does not take the migrations: {message}");
                return ExitCode::FAILURE;
            }
        };
        let migrator = match runtime.block_on(sqlx_migrator(&migrations)) {
            Ok(migrator) => migrator,
            Err(message) => {
                eprintln!("{set}: sqlx does not take the migrations: {message}");
                return ExitCode::FAILURE;
            }
        };
        let mut refinery_runs = Vec::new();
        let mut sqlx_runs = Vec::new();
        for _ in 0..iterations {
            match time_on_fresh_database(&server, "refinery", set, |url| {
                apply_refinery(url, &refinery_migrations, &migrations)
            }) {
                Ok(run) => refinery_runs.push(run),
                Err(message) => {
                    eprintln!("{message}");
                    return ExitCode::FAILURE;
                }
            }
            match time_on_fresh_database(&server, "sqlx", set, |url| {
                runtime.block_on(apply_sqlx(url, &migrator, &migrations))
            }) {
                Ok(run) => sqlx_runs.push(run),
                Err(message) => {
                    eprintln!("{message}");
                    return ExitCode::FAILURE;
                }
            }
        }
        print_median(set, "refinery", refinery_runs);
        print_median(set, "sqlx", sqlx_runs);
    }
    ExitCode::SUCCESS
}

/// One timed run: how long it took and the tool's error, if any.
struct Run {
    elapsed: Duration,
    outcome: Result<(), String>,
}

fn print_median(set: &str, tool: &str, mut runs: Vec<Run>) {
    runs.sort_by_key(|run| run.elapsed);
    let median = &runs[runs.len() / 2];
    let outcome = match &median.outcome {
        Ok(()) => "ok".to_owned(),
        Err(error) => format!("failed: {}", one_line(error)),
    };
    println!(
        "{set}\t{tool}\t{:.1}\t{outcome}",
        median.elapsed.as_secs_f64() * 1000.0
    );
}

fn load(dump_dir: &Path, set: &str) -> Result<Vec<Migration>, String> {
    let path = dump_dir.join(format!("{set}.json"));
    let json = std::fs::read_to_string(&path).map_err(|error| {
        format!(
            "cannot read {}: {error}\n(write it with `MIGRATE_BENCH_DUMP_DIR=<dir> cargo bench -p pgfold-runtime --bench boot`)",
            path.display()
        )
    })?;
    serde_json::from_str(&json)
        .map_err(|error| format!("{} is not a list of migrations: {error}", path.display()))
}

/// Creates an empty database, times `apply` on it, and drops it.
fn time_on_fresh_database(
    server: &str,
    tool: &str,
    set: &str,
    apply: impl FnOnce(&str) -> Result<(), String>,
) -> Result<Run, String> {
    let name = format!("{DATABASE_PREFIX}_{tool}_{set}_{}", std::process::id());
    let mut admin = postgres::Client::connect(server, NoTls)
        .map_err(|error| format!("cannot connect to {server}: {}", chain(&error)))?;
    // Two round trips: neither statement runs inside a transaction block.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .and_then(|()| admin.batch_execute(&format!("CREATE DATABASE {name}")))
        .map_err(|error| format!("cannot create database {name}: {}", chain(&error)))?;
    let url = with_database(server, &name);
    let started = Instant::now();
    let outcome = apply(&url);
    let elapsed = started.elapsed();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .map_err(|error| format!("cannot drop database {name}: {}", chain(&error)))?;
    Ok(Run { elapsed, outcome })
}

// ---------------------------------------------------------------- refinery

/// `V<n>__<name>` with sequential versions, in the set's order.
fn refinery_migrations(migrations: &[Migration]) -> Result<Vec<refinery::Migration>, String> {
    migrations
        .iter()
        .enumerate()
        .map(|(index, migration)| {
            let name = format!("V{}__{}", index + 1, word_characters(&migration.name));
            refinery::Migration::unapplied(&name, &migration.up)
                .map_err(|error| format!("{}: {}", migration.path, chain(&error)))
        })
        .collect()
}

fn apply_refinery(
    url: &str,
    refinery_migrations: &[refinery::Migration],
    migrations: &[Migration],
) -> Result<(), String> {
    let mut client = postgres::Client::connect(url, NoTls)
        .map_err(|error| format!("connect: {}", chain(&error)))?;
    match refinery::Runner::new(refinery_migrations).run(&mut client) {
        Ok(_report) => Ok(()),
        Err(error) => {
            // refinery reports what it applied; the failing one is the next.
            let n_applied = error
                .report()
                .map_or(0, |report| report.applied_migrations().len());
            let at = migrations.get(n_applied).map_or_else(String::new, |m| {
                format!(" (at {}, V{})", m.path, n_applied + 1)
            });
            Err(format!("{}{at}", chain(&error)))
        }
    }
}

/// refinery names must match `\w+` after `V<n>__`.
fn word_characters(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

// ---------------------------------------------------------------- sqlx

/// Sequential versions in the set's order, `no_tx` where the migration is
/// non-transactional.
async fn sqlx_migrator(migrations: &[Migration]) -> Result<Migrator, String> {
    let source = Source(
        migrations
            .iter()
            .enumerate()
            .map(|(index, migration)| {
                sqlx::migrate::Migration::new(
                    index as i64 + 1,
                    Cow::Owned(migration.name.clone()),
                    MigrationType::Simple,
                    Cow::Owned(migration.up.clone()),
                    !migration.transactional,
                )
            })
            .collect(),
    );
    Migrator::new(source).await.map_err(|error| chain(&error))
}

async fn apply_sqlx(
    url: &str,
    migrator: &Migrator,
    migrations: &[Migration],
) -> Result<(), String> {
    let mut connection = sqlx::PgConnection::connect(url)
        .await
        .map_err(|error| format!("connect: {}", chain(&error)))?;
    migrator.run(&mut connection).await.map_err(|error| {
        let at = match &error {
            sqlx::migrate::MigrateError::ExecuteMigration(_, version) => migrations
                .get(*version as usize - 1)
                .map_or_else(String::new, |m| format!(" ({})", m.path)),
            _ => String::new(),
        };
        format!("{}{at}", chain(&error))
    })
}

/// The migrations, already in memory, as sqlx resolves a directory.
#[derive(Debug)]
struct Source(Vec<sqlx::migrate::Migration>);

impl MigrationSource<'static> for Source {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<sqlx::migrate::Migration>, BoxDynError>> + Send>>
    {
        Box::pin(async move { Ok(self.0) })
    }
}

// ---------------------------------------------------------------- helpers

/// An error with its sources, `outer: inner: ...`, skipping a source whose
/// text the outer message already shows.
fn chain(error: &dyn StdError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `url` pointing at `database` instead of its own.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(base, query)| (base, Some(query)));
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{database}?{query}"),
        None => format!("{base}/{database}"),
    }
}
