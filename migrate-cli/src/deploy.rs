//! `migrate deploy`: the runtime's apply, one line per migration.
//!
//! First the migrations are folded, offline: one that PostgreSQL would
//! reject stops the deploy before the database is touched. Then one run of
//! the runtime, so the migration lock is taken once for the whole deploy:
//! it refuses a failed, edited, missing or out-of-order migration before
//! anything is applied, then applies the pending migrations, and its
//! progress events print a line as each one finishes. On a terminal a
//! progress line shows the migration running and for how long; elsewhere
//! (CI logs) only plain lines are written, without escape codes. While the
//! run waits for another deploy's lock, or for a table a transaction holds,
//! a line says who holds it, again every few seconds.
//!
//! Ctrl-C or SIGTERM cancels the running statement on the server (the
//! driver's cancel token), so the migration's transaction rolls back (a
//! non-transactional migration is recorded as failed at its statement);
//! the lock is released, each migration's state is printed, and the
//! command exits 130 (SIGINT) or 143 (SIGTERM). A second signal exits at
//! once; the server then ends the statement when it notices the closed
//! connection (`client_connection_check_interval`).

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use migrate_build::fold::Folder;
use migrate_runtime::{DriftPolicy, Interrupt};

use crate::Failure;
use crate::db::DatabaseArgs;
use crate::migrations::{MigrationsArgs, bookkeeping_snapshot, embedded, position};

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
    /// Apply without folding the migrations first. The fold refuses what
    /// PostgreSQL would reject before anything is applied; skip it only
    /// when it is wrong about a migration (and tell us).
    #[arg(long)]
    no_check: bool,
    /// Print one JSON document (what was applied) instead of progress lines.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<(), Failure> {
    // Preflight: what PostgreSQL would reject never reaches it, not even
    // the first statements of a non-transactional migration.
    let (discovered, layout) = if args.no_check {
        let discovered = args.migrations.discover()?;
        (discovered.migrations, discovered.layout)
    } else {
        let folded = migrate_build::builder::fold_directory_from(
            &args.migrations.dir()?,
            args.migrations.layout()?,
            &args.migrations.start()?,
            std::path::Path::new(""),
        )?;
        (folded.migrations, folded.layout)
    };
    if let Some(target) = &args.target {
        position(&discovered, target)?;
    }
    // The tool's bookkeeping table, which the fold assumed, is created with
    // migrate's history table.
    let snapshot = bookkeeping_snapshot(args.migrations.tool_for(layout)?);
    let migrations = embedded(&discovered, Some(&snapshot));
    let (mut client, canceller) = args.database.connect_cancellable()?;
    // Should this process die, the server stops a running statement once it
    // sees the connection closed (PostgreSQL 14 and later; older ones
    // refuse the setting, which is then simply not there).
    let _ = client.batch_execute("SET client_connection_check_interval = '1s'");
    let runner = args
        .database
        .runner(&migrations)?
        .drift(DriftPolicy::Off)
        .lock_wait(Duration::from_secs(args.lock_wait))
        .lock_timeout((args.lock_timeout > 0).then(|| Duration::from_millis(args.lock_timeout)))
        .lock_retries(args.lock_retries, migrate_runtime::DEFAULT_LOCK_RETRY_DELAY);
    let runner = match &args.target {
        Some(target) => {
            let index = position(&discovered, target)?;
            runner.target(&discovered[index].version)
        }
        None => runner,
    };

    if args.dry_run {
        let plan = runner.dry_run(true).run(&mut client)?;
        if args.json {
            return crate::output::print(&crate::output::json_document(serde_json::json!({
                "dry_run": true,
                "would_apply": plan.applied.iter().map(|m| serde_json::json!({"version": m.version, "path": m.path})).collect::<Vec<_>>(),
                "already_applied": plan.already_applied,
            })));
        }
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

    // Ctrl-C and SIGTERM: the first stops the run cleanly, the second at once.
    let interrupt = Arc::new(Interrupt::new());
    let signal = Arc::new(AtomicI32::new(0));
    listen_for_signals(Arc::clone(&interrupt), Arc::clone(&signal), canceller)?;

    // One run, so one hold of the lock for the whole deploy; the runner's
    // progress events print a line as each migration finishes.
    let terminal = std::io::stdout().is_terminal() && !args.json;
    let progress = Arc::new(Mutex::new(Progress {
        quiet: args.json,
        ..Progress::default()
    }));
    let print = |event: migrate_runtime::Progress<'_>| {
        let mut progress = progress.lock().unwrap_or_else(PoisonError::into_inner);
        on_progress(&mut progress, event, terminal);
    };
    let finished = Arc::new(AtomicBool::new(false));
    if terminal {
        tick_elapsed_time(Arc::clone(&progress), Arc::clone(&finished));
    }
    let started = Instant::now();
    let result = runner
        .interrupt(&interrupt)
        .on_progress(&print)
        .run(&mut client);
    finished.store(true, Ordering::SeqCst);
    let progress = std::mem::take(&mut *progress.lock().unwrap_or_else(PoisonError::into_inner));
    let report = match result {
        Ok(report) => report,
        Err(migrate_runtime::Error::Interrupted(interrupted)) => {
            return Err(interrupted_failure(
                &interrupted,
                &progress,
                signal.load(Ordering::SeqCst),
                terminal,
            ));
        }
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
    if args.json {
        crate::output::print(&crate::output::json_document(serde_json::json!({
            "dry_run": false,
            "applied": report.applied.iter().map(|m| serde_json::json!({
                "version": m.version,
                "path": m.path,
                "duration_ms": m.duration.as_secs_f64() * 1000.0,
            })).collect::<Vec<_>>(),
            "already_applied": report.already_applied,
            "elapsed_ms": started.elapsed().as_secs_f64() * 1000.0,
        })))?;
        return check_drift(&args, &discovered, layout, &mut client);
    }
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
    check_drift(&args, &discovered, layout, &mut client)
}

/// A thread that turns the first SIGINT or SIGTERM into an interruption of
/// the run (cancelling its statement on the server) and the second into an
/// immediate exit.
fn listen_for_signals(
    interrupt: Arc<Interrupt>,
    signal: Arc<AtomicI32>,
    canceller: crate::db::Canceller,
) -> Result<(), Failure> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|error| Failure::usage(format_args!("cannot handle signals: {error}")))?;
    std::thread::Builder::new()
        .name("migrate-signals".to_owned())
        .spawn(move || {
            for received in signals.forever() {
                if signal.swap(received, Ordering::SeqCst) != 0 {
                    eprintln!("\ninterrupted again: exiting at once");
                    std::process::exit(128 + received);
                }
                eprintln!(
                    "\n{}: stopping: the running statement is cancelled on the server, its migration rolled back and the lock released (again to exit at once)",
                    signal_name(received)
                );
                interrupt.interrupt(|| {
                    if let Err(error) = canceller.cancel() {
                        eprintln!("warning: cannot cancel the running statement: {error}");
                    }
                });
            }
        })
        .map_err(|error| Failure::usage(format_args!("cannot handle signals: {error}")))?;
    Ok(())
}

fn signal_name(signal: i32) -> &'static str {
    match signal {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

/// Each migration's state after an interruption, and the exit code of the
/// signal (130 for SIGINT, 143 for SIGTERM).
fn interrupted_failure(
    interrupted: &migrate_runtime::Interrupted,
    progress: &Progress,
    signal: i32,
    terminal: bool,
) -> Failure {
    let mut text = String::new();
    if terminal {
        text.push_str("\r\x1b[2K");
    }
    let mut states = Vec::new();
    for (position, (version, path)) in progress.planned.iter().enumerate() {
        let state = if position < progress.done {
            "applied".to_owned()
        } else if progress.running.as_ref().is_some_and(|(v, _)| v == version) {
            match interrupted.statement {
                Some(statement) if !interrupted.transactional => format!(
                    "INTERRUPTED at statement {statement} of {}: recorded as failed",
                    interrupted.n_statements
                ),
                _ => "INTERRUPTED: rolled back, nothing of it applied".to_owned(),
            }
        } else {
            "not started".to_owned()
        };
        text.push_str(&format!(
            "[{}/{}] {version} ({path}): {state}\n",
            position + 1,
            progress.planned.len()
        ));
        states.push(serde_json::json!({"version": version, "path": path, "state": state}));
    }
    if progress.quiet {
        text = crate::output::json_document(serde_json::json!({
            "interrupted": true,
            "migrations": states,
        }));
    }
    let _ = crate::output::print(&text);
    let code = if signal == 0 { 130 } else { 128 + signal };
    Failure::with_code(
        format_args!(
            "{interrupted}\n{} of {} pending migrations were applied; `migrate deploy` again applies the rest",
            progress.done,
            progress.planned.len()
        ),
        u8::try_from(code).unwrap_or(130),
    )
}

/// Prints what a progress event says.
fn on_progress(progress: &mut Progress, event: migrate_runtime::Progress<'_>, terminal: bool) {
    let mut stdout = std::io::stdout().lock();
    match event {
        migrate_runtime::Progress::Planned {
            pending,
            migrations,
            ..
        } => {
            progress.pending = pending;
            progress.planned = migrations
                .iter()
                .map(|migration| (migration.version.to_owned(), migration.path.to_owned()))
                .collect();
        }
        migrate_runtime::Progress::Applying {
            index,
            pending,
            migration,
        } => {
            progress.running = Some((migration.version.to_owned(), migration.path.to_owned()));
            progress.running_since = Some(Instant::now());
            if terminal {
                let _ = write!(stdout, "{}", running_line(progress, index, pending));
                let _ = stdout.flush();
            }
        }
        migrate_runtime::Progress::Applied {
            index,
            pending,
            applied,
        } => {
            progress.running = None;
            progress.running_since = None;
            progress.done = index + 1;
            if progress.quiet {
                return;
            }
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
        migrate_runtime::Progress::Waiting {
            holder,
            waited,
            timeout,
        } => {
            let who = holder.map_or_else(|| "another session".to_owned(), ToString::to_string);
            eprintln!(
                "waiting for the migration lock held by {who} (waited {} s of {} s)",
                waited.as_secs(),
                timeout.as_secs()
            );
        }
        migrate_runtime::Progress::LockRetry {
            migration,
            attempt,
            retries,
            delay,
            lock_timeout,
            blockers,
        } => {
            if terminal {
                let _ = write!(stdout, "\r\x1b[2K");
                let _ = stdout.flush();
            }
            let waited = lock_timeout.map_or("its lock wait".to_owned(), |timeout| {
                format!("lock_timeout ({} ms)", timeout.as_millis())
            });
            let by = blockers
                .first()
                .map(|holder| format!(", held by {holder}"))
                .unwrap_or_default();
            eprintln!(
                "migration {} ({}) waited {waited} for its table locks{by}: rolled back so that queries do not queue behind it; retry {attempt} of {retries} in {:.1} s",
                migration.version,
                migration.path,
                delay.as_secs_f64()
            );
        }
        _ => {}
    }
}

/// `[=====>    ] 2/5 applying V (path) 12 s`, from the start of the line.
fn running_line(progress: &Progress, index: usize, pending: usize) -> String {
    let Some((version, path)) = &progress.running else {
        return String::new();
    };
    let elapsed = progress
        .running_since
        .map(|since| format!(" {} s", since.elapsed().as_secs()))
        .unwrap_or_default();
    format!(
        "\r\x1b[2K{} {}/{pending} applying {version} ({path}){elapsed}",
        bar(index, pending),
        index + 1,
    )
}

/// On a terminal, rewrites the running migration's line each second with
/// its elapsed time, until `finished`.
fn tick_elapsed_time(progress: Arc<Mutex<Progress>>, finished: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new()
        .name("migrate-progress".to_owned())
        .spawn(move || {
            while !finished.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_secs(1));
                let progress = progress.lock().unwrap_or_else(PoisonError::into_inner);
                if finished.load(Ordering::SeqCst) || progress.running.is_none() {
                    continue;
                }
                let line = running_line(&progress, progress.done, progress.pending);
                let mut stdout = std::io::stdout().lock();
                let _ = write!(stdout, "{line}");
                let _ = stdout.flush();
            }
        });
}

/// After a full deploy: whether the database now holds what the migrations
/// fold to. Skipped when the fold itself reports errors.
fn check_drift(
    args: &Args,
    migrations: &[migrate_core::Migration],
    layout: migrate_build::discover::Layout,
    client: &mut postgres::Client,
) -> Result<(), Failure> {
    let last = match &args.target {
        Some(target) => position(migrations, target)?,
        None => migrations.len().saturating_sub(1),
    };
    let start = args.migrations.start()?;
    let assumed = match &start.assumed {
        Some(path) => Some(migrate_build::prelude::AssumedFile::read(
            path,
            &path.display().to_string(),
        )?),
        None => None,
    };
    let mut folder = Folder::new();
    let before = migrate_build::prelude::Before::new(layout, start.tool, assumed);
    if folder.start_from(&before).iter().any(|d| d.is_error()) {
        eprintln!(
            "warning: drift not checked: the assumed-objects file does not fold cleanly (see `migrate schema`)"
        );
        return Ok(());
    }
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
    /// Since when it runs.
    running_since: Option<Instant>,
    /// The migrations the deploy applies (version, path), in order.
    planned: Vec<(String, String)>,
    /// No progress lines on stdout (`--json`).
    quiet: bool,
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
