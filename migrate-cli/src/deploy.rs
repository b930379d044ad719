//! `migrate deploy`: the runtime's apply, one line per migration.
//!
//! The runner first plans without changing anything (a dry run refuses a
//! failed, edited, missing or out-of-order migration before anything is
//! applied), then applies the pending migrations one at a time, each under
//! the migration lock, so that every line is printed as its migration
//! finishes. On a terminal a progress line shows the migration running;
//! elsewhere (CI logs) only plain lines are written, without escape codes.

use std::io::{IsTerminal, Write};

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
    /// How long to wait for another deploy's lock, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    lock_timeout: u64,
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
        .lock_timeout(std::time::Duration::from_secs(args.lock_timeout));
    let runner = match &args.target {
        Some(target) => {
            let index = position(&discovered.migrations, target)?;
            runner.target(&discovered.migrations[index].version)
        }
        None => runner,
    };

    let plan = runner.clone().dry_run(true).run(&mut client)?;
    let n_pending = plan.applied.len();
    if args.dry_run {
        let mut text = String::new();
        for migration in &plan.applied {
            text.push_str(&format!(
                "would apply {} ({})\n",
                migration.version, migration.path
            ));
        }
        text.push_str(&format!(
            "{n_pending} to apply, {} applied already (dry run: nothing changed)\n",
            plan.already_applied
        ));
        return crate::output::print(&text);
    }

    let terminal = std::io::stdout().is_terminal();
    let mut stdout = std::io::stdout().lock();
    let started = std::time::Instant::now();
    for (done, pending) in plan.applied.iter().enumerate() {
        if terminal {
            let _ = write!(
                stdout,
                "\r\x1b[2K{} {}/{n_pending} applying {} ({})",
                bar(done, n_pending),
                done + 1,
                pending.version,
                pending.path
            );
            let _ = stdout.flush();
        }
        let result = runner.clone().target(&pending.version).run(&mut client);
        if terminal {
            let _ = write!(stdout, "\r\x1b[2K");
        }
        match result {
            Ok(report) => {
                for applied in &report.applied {
                    let _ = writeln!(
                        stdout,
                        "[{}/{n_pending}] applied {} ({}) in {:.1} ms",
                        done + 1,
                        applied.version,
                        applied.path,
                        applied.duration.as_secs_f64() * 1000.0
                    );
                }
            }
            Err(error) => {
                let _ = writeln!(
                    stdout,
                    "[{}/{n_pending}] FAILED {} ({})",
                    done + 1,
                    pending.version,
                    pending.path
                );
                let _ = stdout.flush();
                return Err(Failure::new(format_args!(
                    "{error}\n{done} of {n_pending} pending migrations were applied before it"
                )));
            }
        }
    }
    let _ = writeln!(
        stdout,
        "{n_pending} applied in {:.1} s, {} were applied already",
        started.elapsed().as_secs_f64(),
        plan.already_applied
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
