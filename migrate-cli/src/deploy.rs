//! `migrate deploy`: the runtime's apply, one line per migration.
//!
//! One run of the runtime, so the migration lock is taken once for the
//! whole deploy: it refuses a failed, edited, missing or out-of-order
//! migration before anything is applied, then applies the pending
//! migrations, and its progress events print a line as each one finishes. On a terminal a progress line shows the migration running;
//! elsewhere (CI logs) only plain lines are written, without escape codes.

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use migrate_build::fold::Folder;
use migrate_runtime::DriftPolicy;

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::migrations::{MigrationsArgs, embedded, position};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    migrations: MigrationsArgs,
    #[command(flatten)]
    database: DatabaseArgs,
    /// Apply migrations up to and including this version only.
    #[arg(long, value_name = "VERSION")]
    target: Option<String>,
    /// Show what would be applied, changing nothing.
    #[arg(long)]
    dry_run: bool,
    /// Exit with status 1 when the schema differs from the migrations after
    /// deploying (by default the differences are printed as warnings).
    #[arg(long)]
    fail_on_drift: bool,
    /// How long to wait for another deploy's migration lock, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    lock_wait: u64,
    /// PostgreSQL's lock_timeout for each migration, in milliseconds (0: no
    /// limit). A migration that waits longer for a table is rolled back and
    /// tried again, so the service's queries never queue behind it for
    /// longer; a migration sets its own with `-- migrate:lock_timeout 30s`.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    lock_timeout: u64,
    /// How many times a migration that ran out of lock_timeout is tried
    /// again (after 1 s, then twice as long each time, up to 30 s).
    #[arg(long, value_name = "N", default_value_t = migrate_runtime::DEFAULT_LOCK_RETRIES)]
    lock_retries: u32,
}

pub fn run(args: Args) -> Result<(), Failure> {
    let discovered = args.migrations.discover()?;
    if let Some(target) = &args.target {
        position(&discovered.migrations, target)?;
    }
    let migrations = embedded(&discovered.migrations, None);
    let mut client = args.database.connect()?;
    let runner = args
        .database
        .runner(&migrations)?
        .drift(DriftPolicy::Off)
        .lock_wait(Duration::from_secs(args.lock_wait))
        .lock_timeout((args.lock_timeout > 0).then(|| Duration::from_millis(args.lock_timeout)))
        .lock_retries(args.lock_retries, migrate_runtime::DEFAULT_LOCK_RETRY_DELAY);
    let runner = match &args.target {
        Some(target) => {
            let index = position(&discovered.migrations, target)?;
            runner.target(&discovered.migrations[index].version)
        }
        None => runner,
    };

    if args.dry_run {
        let plan = runner.dry_run(true).run(&mut client)?;
        let mut text = String::new();
        for migration in &plan.applied {
            text.push_str(&format!(
                "would apply {} ({})\n",
                migration.version, migration.path
            ));
        }
        text.push_str(&format!(
            "{} to apply, {} applied already (dry run: nothing changed)\n",
            plan.applied.len(),
            plan.already_applied
        ));
        return crate::output::print(&text);
    }

    // One run, so one hold of the lock for the whole deploy; the runner's
    // progress events print a line as each migration finishes.
    let terminal = std::io::stdout().is_terminal();
    let progress = Mutex::new(Progress::default());
    let print = |event: migrate_runtime::Progress<'_>| {
        let mut progress = progress.lock().unwrap_or_else(PoisonError::into_inner);
        let mut stdout = std::io::stdout().lock();
        match event {
            migrate_runtime::Progress::Planned { pending, .. } => progress.pending = pending,
            migrate_runtime::Progress::Applying {
                index,
                pending,
                migration,
            } => {
                progress.running = Some((migration.version.to_owned(), migration.path.to_owned()));
                if terminal {
                    let _ = write!(
                        stdout,
                        "\r\x1b[2K{} {}/{pending} applying {} ({})",
                        bar(index, pending),
                        index + 1,
                        migration.version,
                        migration.path
                    );
                    let _ = stdout.flush();
                }
            }
            migrate_runtime::Progress::Applied {
                index,
                pending,
                applied,
            } => {
                progress.running = None;
                progress.done = index + 1;
                if terminal {
                    let _ = write!(stdout, "\r\x1b[2K");
                }
                let _ = writeln!(
                    stdout,
                    "[{}/{pending}] applied {} ({}) in {:.1} ms",
                    index + 1,
                    applied.version,
                    applied.path,
                    applied.duration.as_secs_f64() * 1000.0
                );
                let _ = stdout.flush();
            }
            _ => {}
        }
    };
    let started = std::time::Instant::now();
    let result = runner.on_progress(&print).run(&mut client);
    let progress = progress
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    let report = match result {
        Ok(report) => report,
        Err(error) => {
            // Refused before anything was applied (a failed, edited, missing
            // or out-of-order migration): the runner's message says it all.
            let Some((version, path)) = &progress.running else {
                return Err(error.into());
            };
            let mut stdout = std::io::stdout().lock();
            if terminal {
                let _ = write!(stdout, "\r\x1b[2K");
            }
            let _ = writeln!(
                stdout,
                "[{}/{}] FAILED {version} ({path})",
                progress.done + 1,
                progress.pending
            );
            let _ = stdout.flush();
            return Err(Failure::new(format_args!(
                "{error}\n{} of {} pending migrations were applied before it",
                progress.done, progress.pending
            )));
        }
    };
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "{} applied in {:.1} s, {} were applied already",
        report.applied.len(),
        started.elapsed().as_secs_f64(),
        report.already_applied
    );
    let _ = stdout.flush();
    drop(stdout);
    check_drift(&args, &discovered.migrations, &mut client)
}

/// After a full deploy: whether the database now holds what the migrations
/// fold to. Skipped when the fold itself reports errors.
fn check_drift(
    args: &Args,
    migrations: &[migrate_core::Migration],
    client: &mut postgres::Client,
) -> Result<(), Failure> {
    let last = match &args.target {
        Some(target) => position(migrations, target)?,
        None => migrations.len().saturating_sub(1),
    };
    let mut folder = Folder::new();
    for migration in &migrations[..=last.min(migrations.len().saturating_sub(1))] {
        if folder.apply(migration).iter().any(|d| d.is_error()) {
            eprintln!(
                "warning: drift not checked: the migrations do not fold cleanly (see `migrate schema`)"
            );
            return Ok(());
        }
    }
    if migrations.is_empty() {
        return Ok(());
    }
    let differences =
        migrate_runtime::drift::check(client, folder.schema(), &args.database.history_name()?)?;
    if differences.is_empty() {
        return Ok(());
    }
    let level = if args.fail_on_drift {
        "error"
    } else {
        "warning"
    };
    eprintln!(
        "{level}: the database differs from the migrations in {} place{} (`migrate drift` prints the SQL that removes it):",
        differences.len(),
        if differences.len() == 1 { "" } else { "s" }
    );
    for difference in &differences {
        eprintln!("  {}", difference.message);
    }
    if args.fail_on_drift {
        return Err(Failure::findings());
    }
    Ok(())
}

/// Where a deploy is, from the runner's progress events.
#[derive(Default)]
struct Progress {
    /// How many migrations the deploy applies.
    pending: usize,
    /// How many of them are applied.
    done: usize,
    /// The one being applied (version, path), until it is.
    running: Option<(String, String)>,
}

/// `[=====>    ]`
fn bar(done: usize, total: usize) -> String {
    const WIDTH: usize = 24;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    let mut bar = String::from("[");
    bar.push_str(&"=".repeat(filled));
    if filled < WIDTH {
        bar.push('>');
        bar.push_str(&" ".repeat(WIDTH - filled - 1));
    }
    bar.push(']');
    bar
}
