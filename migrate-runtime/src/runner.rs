//! The runner: options, the lock, and applying migrations.

use std::time::{Duration, Instant};

use crate::apply::{Apply, apply_statements, apply_transactional, invalid_indexes};
use crate::conn::{self, Conn, Rows, statements};
use crate::holder::{LockHolder, advisory_holder_query, holders};
use crate::plan::{self, HistoryRow, PlanOptions};
use crate::sql::{self, ident, literal};
use crate::{EmbeddedMigration, Error, Interrupt, Migrations};

/// What to do when the live schema differs from the embedded snapshot after migrating.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriftPolicy {
    /// Do not look.
    Off,
    /// Log each difference as a warning (the default).
    #[default]
    Warn,
    /// Fail with [`Error::Drift`].
    Fail,
}

/// How a person resolved a failed or interrupted migration (`migrate resolve`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Resolution {
    /// Its effect is complete in the database (finished by hand): record it
    /// as applied. Also records a migration applied outside migrate.
    Applied,
    /// Its effect was undone (or never happened): forget it, so that the
    /// next run applies it again.
    RolledBack,
    /// It is applied, and its file was edited since in a way that matches
    /// the database (a comment, a fix also made by hand): record the file's
    /// checksum in place of the applied one, with who accepted it and when
    /// (columns `checksum_accepted_by`, `checksum_accepted_at` and
    /// `checksum_before`, added to the history table the first time).
    AcceptChecksum,
}

/// One migration the runner applied (or, in a dry run, would apply).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// Its version.
    pub version: String,
    /// Its name.
    pub name: String,
    /// Its file.
    pub path: String,
    /// How long it took, client side (zero in a dry run).
    pub duration: Duration,
}

/// What a run did.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Report {
    /// The migrations applied by this run, in order; in a dry run, those that
    /// would have been.
    pub applied: Vec<Applied>,
    /// How many embedded migrations were applied already.
    pub already_applied: usize,
    /// Applied versions this binary does not carry (only with `allow_missing`).
    pub missing: Vec<String>,
    /// True for a dry run: nothing was changed.
    pub dry_run: bool,
    /// Differences between the live schema and the snapshot, each with the
    /// SQL that would fix it (empty when none were found or drift was not checked).
    pub drift: Vec<crate::drift::Difference>,
    /// Whether drift was checked.
    pub drift_checked: bool,
    /// How long the run took, lock wait included.
    pub elapsed: Duration,
}

/// A run with options. Made by [`Migrations::runner`].
///
/// A run:
/// 1. takes a session advisory lock (`pg_try_advisory_lock`, polled with
///    backoff up to the lock timeout) on the caller's connection;
/// 2. reads the history once the lock is held, in the same round trip
///    (creating the table first when it is missing);
/// 3. refuses failed or interrupted non-transactional migrations, edited
///    migrations, applied migrations the binary lacks and new migrations
///    older than the newest applied one (the last two unless allowed);
/// 4. applies each pending migration: a transactional one and its history
///    row in one transaction, a non-transactional one statement by
///    statement, recording progress;
/// 5. releases the lock (also on error and on panic) and checks drift, in
///    one round trip.
///
/// So a run with nothing to apply costs two round trips after connecting.
/// Each migration starts with the `search_path` the session had when the
/// run began (a migration's `SET search_path` does not carry over to the
/// next), and the session has it back when the run ends.
///
/// **Why the caller's connection holds the lock** rather than a second
/// connection: the lock then guards exactly the session that changes the
/// schema. Were the lock on a side connection, killing that connection's
/// backend would let another runner in while this one still applies
/// migrations. Here, a killed backend takes the lock and the open
/// transaction with it. The lock is released explicitly on success and on
/// error, by a drop guard on panic or cancellation, and by the server when
/// the connection dies. Each migration's transaction also checks that its
/// session still holds the lock before it commits anything, so a
/// transaction-mode pooler (PgBouncer) can never half-apply.
///
/// ```no_run
/// # use migrate_runtime::{Migrations, DriftPolicy};
/// # use std::time::Duration;
/// # static MIGRATIONS: Migrations = Migrations::new(&[], "{}");
/// let mut client = postgres::Client::connect("postgres://localhost/app", postgres::NoTls)?;
/// let report = MIGRATIONS
///     .runner()
///     .history_table("ops", "schema_history")
///     .lock_wait(Duration::from_secs(300))
///     .lock_timeout(Some(Duration::from_secs(10)))
///     .drift(DriftPolicy::Fail)
///     .run(&mut client)?;
/// println!("applied {} migrations", report.applied.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a runner does nothing until `run` is called"]
pub struct Runner<'a> {
    migrations: &'a Migrations,
    history_schema: String,
    history_table: String,
    lock_wait: Duration,
    lock_timeout: Option<Duration>,
    lock_retries: u32,
    lock_retry_delay: Duration,
    interrupt: Option<&'a Interrupt>,
    target: Option<String>,
    dry_run: bool,
    drift: DriftPolicy,
    allow_missing: bool,
    allow_out_of_order: bool,
    applied_by: Option<String>,
    on_progress: Option<ProgressHook<'a>>,
}

/// What a run is doing, for progress output: see [`Runner::on_progress`].
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Progress<'e> {
    /// The lock is held and the history read: `pending` migrations are
    /// about to be applied, `already_applied` were before. Not sent in a
    /// dry run.
    Planned {
        /// How many migrations this run applies.
        pending: usize,
        /// How many embedded migrations were applied already.
        already_applied: usize,
        /// The migrations this run applies, in order.
        migrations: &'e [&'e EmbeddedMigration],
    },
    /// The pending migration at `index` (from 0) is about to be applied.
    Applying {
        /// Its place among the pending migrations, from 0.
        index: usize,
        /// How many migrations this run applies.
        pending: usize,
        /// The migration.
        migration: &'e EmbeddedMigration,
    },
    /// The run waits for the migration lock another run holds: sent when
    /// it starts waiting and every few seconds after.
    Waiting {
        /// Who holds the lock, when it could be found.
        holder: Option<&'e LockHolder>,
        /// How long the run has waited.
        waited: Duration,
        /// How long it waits at most.
        timeout: Duration,
    },
    /// A migration ran out of `lock_timeout`, was rolled back, and will be
    /// tried again after `delay`.
    LockRetry {
        /// The migration.
        migration: &'e EmbeddedMigration,
        /// The attempt that gave up, from 1.
        attempt: u32,
        /// How many retries the run allows.
        retries: u32,
        /// The pause before the next attempt.
        delay: Duration,
        /// The `lock_timeout` each attempt waits.
        lock_timeout: Option<Duration>,
        /// Transactions holding tables when it gave up, the oldest first.
        blockers: &'e [LockHolder],
    },
    /// The pending migration at `index` was applied and recorded.
    Applied {
        /// Its place among the pending migrations, from 0.
        index: usize,
        /// How many migrations this run applies.
        pending: usize,
        /// What was applied, with its duration.
        applied: &'e Applied,
    },
}

/// A progress callback, shown in `Debug` by its presence only.
#[derive(Clone, Copy)]
struct ProgressHook<'a>(&'a (dyn Fn(Progress<'_>) + Send + Sync));

impl std::fmt::Debug for ProgressHook<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProgressHook")
    }
}

/// The default history table's schema.
pub const DEFAULT_HISTORY_SCHEMA: &str = "public";
/// The default history table's name.
pub const DEFAULT_HISTORY_TABLE: &str = "_migrate_history";
/// The longest pause between two attempts at the lock: short enough that a
/// waiting replica starts soon after the holder finishes, long enough that
/// many waiting replicas cost the server nothing.
const MAX_LOCK_POLL_INTERVAL: Duration = Duration::from_millis(250);

/// How long a run waits for another run's migration lock by default.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// PostgreSQL's `lock_timeout` for each migration by default: the longest
/// the service's queries on a table may queue behind a migration waiting
/// for that table.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times a migration that ran out of `lock_timeout` is tried
/// again by default.
pub const DEFAULT_LOCK_RETRIES: u32 = 10;

/// The pause before the first retry by default; it doubles for each next
/// one, up to 30 s.
pub const DEFAULT_LOCK_RETRY_DELAY: Duration = Duration::from_secs(1);

/// How often a run waiting for the migration lock says who holds it.
const WAITING_REPORT_INTERVAL: Duration = Duration::from_secs(5);

impl<'a> Runner<'a> {
    pub(crate) fn new(migrations: &'a Migrations) -> Self {
        Self {
            migrations,
            history_schema: DEFAULT_HISTORY_SCHEMA.to_owned(),
            history_table: DEFAULT_HISTORY_TABLE.to_owned(),
            lock_wait: DEFAULT_LOCK_WAIT,
            lock_timeout: Some(DEFAULT_LOCK_TIMEOUT),
            lock_retries: DEFAULT_LOCK_RETRIES,
            lock_retry_delay: DEFAULT_LOCK_RETRY_DELAY,
            interrupt: None,
            target: None,
            dry_run: false,
            drift: DriftPolicy::default(),
            allow_missing: false,
            allow_out_of_order: false,
            applied_by: None,
            on_progress: None,
        }
    }

    /// The history table (default `public._migrate_history`). Both names are
    /// taken literally (quoted), never looked up through `search_path`. The
    /// schema is created if missing.
    pub fn history_table(mut self, schema: &str, table: &str) -> Self {
        schema.clone_into(&mut self.history_schema);
        table.clone_into(&mut self.history_table);
        self
    }

    /// How long to wait for another run's migration lock (default 60 s).
    pub fn lock_wait(mut self, timeout: Duration) -> Self {
        self.lock_wait = timeout;
        self
    }

    /// PostgreSQL's `lock_timeout` for each migration (default 5 s; `None`
    /// for no limit). A DDL statement waiting for a table lock makes every
    /// query that arrives after it wait too: a migration stuck behind one
    /// long transaction would stop the service. With a `lock_timeout` the
    /// migration gives up waiting after that long, rolls back, and is tried
    /// again after a pause (see [`Runner::lock_retries`]), letting the
    /// queued queries through meanwhile. A migration sets its own with a
    /// line `-- migrate:lock_timeout 30s` (`500ms`, `2min`, `off`).
    pub fn lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// How many times a migration that ran out of `lock_timeout` is tried
    /// again (default 10), and the pause before the first retry (default
    /// 1 s), which doubles for each next one up to 30 s. Each retry is
    /// logged and reported to [`Runner::on_progress`]; when none is left the
    /// run fails with [`Error::LocksNotAvailable`], naming the transactions
    /// that held the tables.
    pub fn lock_retries(mut self, retries: u32, first_delay: Duration) -> Self {
        self.lock_retries = retries;
        self.lock_retry_delay = first_delay;
        self
    }

    /// Lets another thread stop the run cleanly: see [`Interrupt`].
    pub fn interrupt(mut self, interrupt: &'a Interrupt) -> Self {
        self.interrupt = Some(interrupt);
        self
    }

    /// Applies migrations up to and including `version` only.
    pub fn target(mut self, version: &str) -> Self {
        self.target = Some(version.to_owned());
        self
    }

    /// Checks everything and reports what would be applied, changing nothing
    /// (the history table is not even created).
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// What to do about drift found after migrating (default: warn).
    pub fn drift(mut self, policy: DriftPolicy) -> Self {
        self.drift = policy;
        self
    }

    /// Accepts applied migrations that this binary does not carry (an older
    /// binary booting after a newer one), logging them instead of failing.
    pub fn allow_missing(mut self, allow: bool) -> Self {
        self.allow_missing = allow;
        self
    }

    /// Applies new migrations that sort before the newest applied one
    /// instead of refusing them.
    pub fn allow_out_of_order(mut self, allow: bool) -> Self {
        self.allow_out_of_order = allow;
        self
    }

    /// Who is recorded in the history's `applied_by` column, usually the
    /// binary's name and version. Defaults to the package named by the
    /// embedding, else the running executable's file name.
    pub fn applied_by(mut self, who: &str) -> Self {
        self.applied_by = Some(who.to_owned());
        self
    }

    /// Calls `hook` as the run goes, under the lock: once the plan is made,
    /// before each pending migration and after it is applied, for progress
    /// output. The hook runs on the caller's thread (in `run_async`, inside
    /// the future) and should return quickly: the lock is held meanwhile.
    ///
    /// ```no_run
    /// # use migrate_runtime::{Migrations, Progress};
    /// # static MIGRATIONS: Migrations = Migrations::new(&[], "{}");
    /// # let mut client = postgres::Client::connect("postgres://localhost/app", postgres::NoTls)?;
    /// let print = |event: Progress<'_>| {
    ///     if let Progress::Applied { index, pending, applied } = event {
    ///         println!("[{}/{pending}] applied {}", index + 1, applied.version);
    ///     }
    /// };
    /// MIGRATIONS.runner().on_progress(&print).run(&mut client)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_progress(mut self, hook: &'a (dyn Fn(Progress<'_>) + Send + Sync)) -> Self {
        self.on_progress = Some(ProgressHook(hook));
        self
    }

    /// The history table, schema-qualified and quoted.
    pub fn qualified_history_table(&self) -> String {
        format!(
            "{}.{}",
            ident(&self.history_schema),
            ident(&self.history_table)
        )
    }

    /// The advisory lock key this runner takes (derived from the history table).
    pub fn lock_key(&self) -> i64 {
        sql::lock_key(&self.history_schema, &self.history_table)
    }

    /// Brings the database up to date.
    pub fn run(&self, client: &mut postgres::Client) -> Result<Report, Error> {
        let started = Instant::now();
        let mut report = conn::block_on(self.migrate(conn::Blocking(client)))?;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// [`Runner::run`] for a `tokio_postgres` client, with identical semantics.
    #[cfg(feature = "tokio")]
    pub async fn run_async(&self, client: &tokio_postgres::Client) -> Result<Report, Error> {
        let started = Instant::now();
        let mut report = self.migrate(conn::Async(client)).await?;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Records how a person resolved migration `version` (the work of
    /// `migrate resolve`), under the migration lock.
    pub fn resolve(
        &self,
        client: &mut postgres::Client,
        version: &str,
        resolution: Resolution,
    ) -> Result<(), Error> {
        conn::block_on(self.resolve_with(conn::Blocking(client), version, resolution))
    }

    /// [`Runner::resolve`] for a `tokio_postgres` client.
    #[cfg(feature = "tokio")]
    pub async fn resolve_async(
        &self,
        client: &tokio_postgres::Client,
        version: &str,
        resolution: Resolution,
    ) -> Result<(), Error> {
        self.resolve_with(conn::Async(client), version, resolution)
            .await
    }

    async fn resolve_with<C: Conn>(
        &self,
        conn: C,
        version: &str,
        resolution: Resolution,
    ) -> Result<(), Error> {
        let mut session = Session {
            conn,
            key: self.lock_key(),
            lock: LockState::Free,
            in_transaction: false,
            pid: None,
            search_path: None,
        };
        let acquired = self.acquire(&mut session, false).await?;
        let qualified = self.qualified_history_table();
        let mut query = String::new();
        if !acquired.history_exists {
            query.push_str(&sql::create_history(
                &self.history_schema,
                &self.history_table,
                !acquired.schema_exists,
            ));
        }
        let embedded = self.migrations.iter().find(|m| m.version == version);
        let version_literal = literal(version);
        match resolution {
            Resolution::Applied => {
                query.push_str(&format!(
                    "UPDATE {qualified} SET success = true, finished_at = COALESCE(finished_at, pg_catalog.clock_timestamp()) \
                     WHERE version = {version_literal};\n"
                ));
                if let Some(migration) = embedded {
                    query.push_str(&format!(
                        "INSERT INTO {qualified} (version, name, checksum, transactional, started_at, finished_at, success, applied_by) \
                         SELECT {version_literal}, {}, {}, {}, pg_catalog.clock_timestamp(), pg_catalog.clock_timestamp(), true, {} \
                         WHERE NOT EXISTS (SELECT 1 FROM {qualified} WHERE version = {version_literal});\n",
                        literal(migration.name),
                        literal(migration.checksum),
                        migration.transactional,
                        literal(&format!("{} (resolve --applied)", self.applied_by_value())),
                    ));
                }
            }
            Resolution::RolledBack => {
                query.push_str(&format!(
                    "DELETE FROM {qualified} WHERE version = {version_literal};\n"
                ));
            }
            Resolution::AcceptChecksum => {
                let Some(migration) = embedded else {
                    return Err(Error::UnknownVersion {
                        version: version.to_owned(),
                    });
                };
                query.push_str(&format!(
                    "ALTER TABLE {qualified} ADD COLUMN IF NOT EXISTS checksum_before text, \
                     ADD COLUMN IF NOT EXISTS checksum_accepted_by text, \
                     ADD COLUMN IF NOT EXISTS checksum_accepted_at timestamptz;\n\
                     UPDATE {qualified} SET checksum_before = checksum, checksum = {}, \
                     checksum_accepted_by = {} || ' as ' || session_user, \
                     checksum_accepted_at = pg_catalog.clock_timestamp() \
                     WHERE version = {version_literal} AND success AND checksum <> {};\n",
                    literal(migration.checksum),
                    literal(&self.applied_by_value()),
                    literal(migration.checksum),
                ));
            }
        }
        query.push_str(&format!(
            "SELECT count(*) FROM {qualified} WHERE version = {version_literal}"
        ));
        let messages = session.conn.simple_query(&query).await.map_err(|e| {
            Error::database(
                format!("cannot resolve migration {version} in {qualified}"),
                e,
            )
        })?;
        let results = statements(&messages);
        let remaining = parse_i32(
            results
                .last()
                .and_then(|rows| rows.first())
                .and_then(|row| row.first()),
        );
        if matches!(resolution, Resolution::Applied | Resolution::AcceptChecksum)
            && remaining != Some(1)
        {
            return Err(Error::UnknownVersion {
                version: version.to_owned(),
            });
        }
        event!(info, "resolved migration {version} as {resolution:?}");
        session.unlock().await
    }

    /// The migrations this runner applies.
    pub fn migrations(&self) -> &Migrations {
        self.migrations
    }

    /// The history table's schema and name, unquoted.
    pub fn history_table_names(&self) -> (&str, &str) {
        (&self.history_schema, &self.history_table)
    }

    /// Applies the drift policy: `Warn` logs differences (and a check that
    /// could not run), `Fail` turns either into an error.
    fn finish_drift(
        &self,
        report: &mut Report,
        found: Result<Vec<crate::drift::Difference>, Error>,
    ) -> Result<(), Error> {
        let differences = match found {
            Ok(differences) => differences,
            Err(error) if self.drift == DriftPolicy::Fail => return Err(error),
            Err(error) => {
                event!(warn, "cannot check the schema for drift: {error}");
                return Ok(());
            }
        };
        report.drift_checked = true;
        report.drift = differences;
        if report.drift.is_empty() {
            event!(debug, "no schema drift");
            return Ok(());
        }
        if self.drift == DriftPolicy::Fail {
            let lines: Vec<String> = report.drift.iter().map(ToString::to_string).collect();
            return Err(Error::Drift {
                report: lines.join("\n"),
            });
        }
        for difference in &report.drift {
            event!(warn, "schema drift: {difference}");
        }
        Ok(())
    }

    fn applied_by_value(&self) -> String {
        if let Some(who) = &self.applied_by {
            return who.clone();
        }
        if let Some((name, version)) = self.migrations.package() {
            return format!("{name} {version}");
        }
        std::env::current_exe()
            .ok()
            .and_then(|path| {
                path.file_name()
                    .map(|name| name.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// Everything a run does, shared by `run` and `run_async`.
    ///
    /// A run with nothing to apply costs two round trips: one takes the
    /// lock and reads the history (see [`Runner::acquire`]), the other
    /// releases the lock and, unless the drift policy is off, reads the live
    /// schema (see [`Runner::release`]).
    async fn migrate<C: Conn>(&self, conn: C) -> Result<Report, Error> {
        if self.history_schema.is_empty() || self.history_table.is_empty() {
            return Err(Error::InvalidOption {
                message: "the history table's schema and name must not be empty".to_owned(),
            });
        }
        let key = self.lock_key();
        let mut session = Session {
            conn,
            key,
            lock: LockState::Free,
            in_transaction: false,
            pid: None,
            search_path: None,
        };
        let acquired = self.acquire(&mut session, true).await?;
        // On error the guard's Drop rolls back and unlocks.
        let mut report = self.migrate_locked(&mut session, &acquired).await?;
        let expected = match self.drift {
            DriftPolicy::Off => None,
            _ => Some(self.migrations.schema()),
        };
        let found = self
            .release(&mut session, !report.applied.is_empty(), expected)
            .await?;
        if let Some(found) = found {
            self.finish_drift(&mut report, found)?;
        }
        Ok(report)
    }

    /// Releases the lock after a successful run, in one round trip with
    /// what goes with it: the check that the server process is still the one
    /// holding the lock (a transaction-mode pooler would have moved us), the
    /// session's `search_path` as the run found it (a migration may have
    /// changed it), and the catalog queries of the drift check, which run
    /// after the release as they always did. Returns the drift check's
    /// differences when `expected` (the snapshot) was given.
    async fn release<C: Conn>(
        &self,
        session: &mut Session<C>,
        any_applied: bool,
        expected: Option<Result<migrate_core::Schema, Error>>,
    ) -> Result<Option<Result<Vec<crate::drift::Difference>, Error>>, Error> {
        let mut query = String::new();
        let mut n_before_catalog = 0;
        if let Some(pid) = session.pid {
            query.push_str(&sql::same_process(pid));
            query.push_str(";\n");
            n_before_catalog += 1;
        }
        if any_applied && let Some(path) = &session.search_path {
            query.push_str(&sql::set_search_path(path));
            query.push_str(";\n");
            n_before_catalog += 1;
        }
        query.push_str(&sql::unlock(session.key));
        n_before_catalog += 1;
        let (expected, snapshot_error) = match expected {
            None => (None, None),
            Some(Ok(schema)) => (Some(schema), None),
            Some(Err(error)) => (None, Some(error)),
        };
        if expected.is_some() {
            query.push_str(";\n");
            query.push_str(&crate::introspect::batch_sql());
        }
        // Until the answer says otherwise, the lock may still be held.
        session.lock = LockState::Unknown;
        let messages = match session.conn.simple_query(&query).await {
            Ok(messages) => {
                session.lock = LockState::Free;
                messages
            }
            Err(error) => {
                if let (Some(first_pid), Some(second_pid)) =
                    (session.pid, process_changed_to(&error))
                {
                    return Err(Error::TransactionPooler {
                        first_pid,
                        second_pid,
                    });
                }
                // The release ran before the failing catalog query, unless
                // the batch failed as a whole: make sure, then report.
                session.release_if_held().await?;
                let error = Error::database("cannot read the schema from pg_catalog", error);
                return Ok(expected.map(|_| Err(error)));
            }
        };
        if let Some(error) = snapshot_error {
            return Ok(Some(Err(error)));
        }
        let Some(expected) = expected else {
            return Ok(None);
        };
        let catalog = skip_statements(messages, n_before_catalog);
        Ok(Some(crate::drift_hook::differences(
            self, &expected, catalog,
        )))
    }

    /// Takes the advisory lock, polling with backoff, and with
    /// `read_history` reads the history in the same round trip.
    ///
    /// One simple-query message, which PostgreSQL runs in one implicit
    /// transaction (so on one server process, even behind a pooler):
    /// 1. `READ COMMITTED` for that transaction, so that each statement sees
    ///    what committed before it started, whatever the session's default;
    /// 2. whether this session holds the lock already (then it is shared
    ///    with other clients);
    /// 3. the try, with what the rest of the run needs to know;
    /// 4. a statement that fails on purpose when the history table does not
    ///    exist, carrying the try's answer in its error, so that the next
    ///    statement is never analysed (it would fail without the answer);
    /// 5. the history, read only when the lock was taken. Its snapshot is
    ///    taken after the lock, so it sees every migration committed by the
    ///    runner that held the lock before.
    async fn acquire<C: Conn>(
        &self,
        session: &mut Session<C>,
        read_history: bool,
    ) -> Result<Acquired, Error> {
        let key = session.key;
        let regclass = literal(&self.qualified_history_table());
        let regnamespace = literal(&ident(&self.history_schema));
        let mut query = String::new();
        if read_history {
            query.push_str("SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\n");
        }
        query.push_str(&format!(
            "SELECT pg_catalog.set_config('{HELD_BEFORE_SETTING}', \
             (EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE {} AND l.pid = pg_catalog.pg_backend_pid() AND l.granted))::text, true);\n\
             SELECT t.taken, pg_catalog.pg_backend_pid(), \
             pg_catalog.to_regclass({regclass}) IS NOT NULL, \
             pg_catalog.to_regnamespace({regnamespace}) IS NOT NULL, pg_catalog.current_database(), \
             pg_catalog.set_config('{LOCK_TAKEN_SETTING}', t.taken::text, true) \
             FROM (SELECT pg_catalog.pg_try_advisory_lock({key}) AS taken) t",
            sql::lock_condition(key),
        ));
        if read_history {
            query.push_str(&format!(
                ";\nSELECT CASE WHEN pg_catalog.to_regclass({regclass}) IS NULL THEN \
                 ({} || pg_catalog.current_setting('{LOCK_TAKEN_SETTING}') \
                 || ' ' || pg_catalog.current_setting('{HELD_BEFORE_SETTING}') \
                 || ' ' || pg_catalog.pg_backend_pid() \
                 || ' ' || (pg_catalog.to_regnamespace({regnamespace}) IS NOT NULL)::text \
                 || ' ' || pg_catalog.current_database())::integer END;\n{}",
                literal(sql::NO_HISTORY_SENTINEL),
                sql::select_history(
                    &self.history_schema,
                    &self.history_table,
                    Some(&format!(
                        "pg_catalog.current_setting('{LOCK_TAKEN_SETTING}') = 'true'"
                    )),
                ),
            ));
        }
        let started = Instant::now();
        let mut delay = Duration::from_millis(10);
        let mut jitter = Jitter::new();
        let mut next_report: Option<Duration> = None;
        loop {
            let attempt = match session.conn.simple_query(&query).await {
                Ok(messages) => Attempt::from_results(statements(&messages), read_history),
                Err(error) => match Attempt::from_no_history(&error) {
                    Some(attempt) => attempt,
                    None => {
                        // Whether the try ran is unknown: the guard releases
                        // the lock only if this session holds it.
                        session.lock = LockState::Unknown;
                        // Class 42 (an unknown column, a missing privilege)
                        // can only come from reading the history table.
                        let history_error = error
                            .code()
                            .is_some_and(|code| code.code().starts_with("42"));
                        return Err(if history_error && read_history {
                            Error::HistoryTable {
                                table: self.qualified_history_table(),
                                message: db_message(&error),
                            }
                        } else {
                            Error::database("cannot take the migration lock", error)
                        });
                    }
                },
            };
            if attempt.taken {
                // The try succeeded; the guard gives back this hold.
                session.lock = LockState::Held;
                session.pid = attempt.pid;
                if attempt.held_before {
                    return Err(Error::SharedSession {
                        pid: attempt.pid.unwrap_or_default(),
                    });
                }
                if next_report.is_some() {
                    event!(
                        info,
                        "took the migration lock after waiting {:?}",
                        started.elapsed()
                    );
                }
                return Ok(Acquired {
                    pid: attempt.pid,
                    history_exists: attempt.history_exists,
                    schema_exists: attempt.schema_exists,
                    history: attempt.history,
                });
            }
            let waited = started.elapsed();
            if waited >= self.lock_wait {
                let holder = self.lock_holder(session).await;
                return Err(Error::LockTimeout {
                    waited,
                    key,
                    database: attempt.database,
                    holder_pid: holder.as_ref().map(|holder| holder.pid),
                    holder_application: holder.map(|holder| holder.application_name),
                });
            }
            if self.interrupt.is_some_and(Interrupt::is_interrupted) {
                return Err(Error::Interrupted(Box::default()));
            }
            if next_report.is_none_or(|at| waited >= at) {
                next_report = Some(waited + WAITING_REPORT_INTERVAL);
                let holder = self.lock_holder(session).await;
                let who = match &holder {
                    Some(holder) => holder.to_string(),
                    None => "another session".to_owned(),
                };
                event!(
                    info,
                    "waiting for the migration lock held by {who} (waited {} s of {} s)",
                    waited.as_secs(),
                    self.lock_wait.as_secs()
                );
                self.progress(Progress::Waiting {
                    holder: holder.as_ref(),
                    waited,
                    timeout: self.lock_wait,
                });
            }
            let remaining = self.lock_wait.saturating_sub(waited);
            let sleep = jitter
                .apply(delay)
                .min(remaining)
                .max(Duration::from_millis(1));
            session.conn.sleep(sleep).await;
            delay = (delay * 2).min(MAX_LOCK_POLL_INTERVAL);
        }
    }

    /// The server process holding the migration lock (best effort).
    async fn lock_holder<C: Conn>(&self, session: &mut Session<C>) -> Option<LockHolder> {
        holders(&mut session.conn, &advisory_holder_query(session.key))
            .await
            .into_iter()
            .next()
    }

    /// The server process holding this runner's migration lock, with what
    /// it runs: for a run applying a transactional migration,
    /// [`LockHolder::applying`] names the migration. `None` when no run
    /// holds the lock. Takes no lock and changes nothing.
    pub fn lock_holder_now(
        &self,
        client: &mut postgres::Client,
    ) -> Result<Option<LockHolder>, Error> {
        let messages = client
            .simple_query(&advisory_holder_query(self.lock_key()))
            .map_err(|e| Error::database("cannot read pg_locks", e))?;
        Ok(statements(&messages)
            .iter()
            .flat_map(crate::holder::parse_holders)
            .next())
    }

    async fn migrate_locked<C: Conn>(
        &self,
        session: &mut Session<C>,
        acquired: &Acquired,
    ) -> Result<Report, Error> {
        let qualified = self.qualified_history_table();
        let history = match &acquired.history {
            Some(rows) => parse_history(rows, &qualified)?,
            None => self.create_and_read_history(session, acquired).await?,
        };

        let migrations = self.migrations.as_slice();
        let planned = plan::plan(
            migrations,
            &history,
            PlanOptions {
                target: self.target.as_deref(),
                allow_missing: self.allow_missing,
                allow_out_of_order: self.allow_out_of_order,
            },
        );
        let planned = match planned {
            Err(Error::Dirty(mut dirty)) => {
                dirty.invalid_indexes = invalid_indexes(session).await;
                return Err(Error::Dirty(dirty));
            }
            other => other?,
        };
        for version in &planned.missing {
            event!(
                warn,
                "migration {version} is recorded in {qualified} but not carried by this binary (allowed)"
            );
        }
        let mut report = Report {
            already_applied: planned.already_applied,
            missing: planned.missing.clone(),
            dry_run: self.dry_run,
            ..Report::default()
        };
        if self.dry_run {
            report.applied = planned
                .pending
                .iter()
                .map(|&index| applied(&migrations[index], Duration::ZERO))
                .collect();
            for migration in &report.applied {
                event!(
                    info,
                    "dry run: would apply migration {} ({})",
                    migration.version,
                    migration.path
                );
            }
            return Ok(report);
        }
        let n_pending = planned.pending.len();
        let pending: Vec<&EmbeddedMigration> = planned
            .pending
            .iter()
            .map(|&index| &migrations[index])
            .collect();
        self.progress(Progress::Planned {
            pending: n_pending,
            already_applied: planned.already_applied,
            migrations: &pending,
        });
        let applied_by = self.applied_by_value();
        // Every directive is read before anything is applied.
        for &index in &planned.pending {
            crate::apply::migration_lock_timeout(&migrations[index], self.lock_timeout)?;
        }
        let progress = |event: Progress<'_>| self.progress(event);
        let apply = Apply {
            qualified: &qualified,
            applied_by: &applied_by,
            lock_timeout: self.lock_timeout,
            lock_retries: self.lock_retries,
            retry_delay: self.lock_retry_delay,
            interrupt: self.interrupt,
            progress: &progress,
        };
        for (position, &index) in planned.pending.iter().enumerate() {
            let migration = &migrations[index];
            if apply.interrupted() {
                return Err(Error::Interrupted(Box::default()));
            }
            self.progress(Progress::Applying {
                index: position,
                pending: n_pending,
                migration,
            });
            let started = Instant::now();
            if migration.transactional {
                apply_transactional(session, &apply, migration).await?;
            } else {
                apply_statements(session, &apply, migration).await?;
            }
            let duration = started.elapsed();
            event!(
                info,
                "applied migration {} ({}) in {:.1} ms",
                migration.version,
                migration.path,
                duration.as_secs_f64() * 1000.0
            );
            report.applied.push(applied(migration, duration));
            if let Some(done) = report.applied.last() {
                self.progress(Progress::Applied {
                    index: position,
                    pending: n_pending,
                    applied: done,
                });
            }
        }
        if report.applied.is_empty() {
            event!(
                debug,
                "database is up to date ({} migrations applied)",
                report.already_applied
            );
        }
        Ok(report)
    }

    /// When the lock was taken without reading the history (the table did
    /// not exist): one round trip that checks that the server process is
    /// the one that took the lock (else a transaction-mode pooler moved us
    /// and the first statement aborts the rest), creates the table (not in a
    /// dry run) and reads it.
    async fn create_and_read_history<C: Conn>(
        &self,
        session: &mut Session<C>,
        acquired: &Acquired,
    ) -> Result<Vec<HistoryRow>, Error> {
        let (schema, table) = (&self.history_schema, &self.history_table);
        let qualified = self.qualified_history_table();
        let pooler_error = |error: &postgres::Error| match (acquired.pid, process_changed_to(error))
        {
            (Some(first_pid), Some(second_pid)) => Some(Error::TransactionPooler {
                first_pid,
                second_pid,
            }),
            _ => None,
        };
        if let Some(pid) = acquired.pid
            && !acquired.history_exists
            && !self.dry_run
        {
            // Before creating anything in a fresh database, one more look at
            // the server process: a transaction-mode pooler may send two
            // transactions in a row to one process (PgBouncer does after
            // an error), and a third one elsewhere.
            if let Err(error) = session.conn.simple_query(&sql::same_process(pid)).await {
                return Err(pooler_error(&error)
                    .unwrap_or_else(|| Error::database("cannot check the server process", error)));
            }
        }
        let mut query = String::new();
        if let Some(pid) = acquired.pid {
            query.push_str(&sql::same_process(pid));
            query.push_str(";\n");
        }
        if !acquired.history_exists && !self.dry_run {
            query.push_str(&sql::create_history(schema, table, !acquired.schema_exists));
            // The migration tool's own table, which the fold assumed exists
            // before migration 1: empty, unless the tool made it already.
            query.push_str(&self.migrations.bookkeeping_sql());
        }
        let read_history = acquired.history_exists || !self.dry_run;
        if read_history {
            query.push_str(&sql::select_history(schema, table, None));
        } else {
            query.push_str("SELECT 1");
        }
        let messages = session.conn.simple_query(&query).await.map_err(|e| {
            if let Some(error) = pooler_error(&e) {
                error
            } else if e.as_db_error().is_some() && acquired.history_exists {
                Error::HistoryTable {
                    table: qualified.clone(),
                    message: db_message(&e),
                }
            } else {
                Error::database(format!("cannot read the history table {qualified}"), e)
            }
        })?;
        let results = statements(&messages);
        match results.last() {
            Some(rows) if read_history => parse_history(rows, &qualified),
            _ => Ok(Vec::new()),
        }
    }

    fn progress(&self, event: Progress<'_>) {
        if let Some(hook) = self.on_progress {
            (hook.0)(event);
        }
    }
}

/// Transaction-local settings the lock round trip passes between its
/// statements.
const LOCK_TAKEN_SETTING: &str = "migrate.lock_taken";
const HELD_BEFORE_SETTING: &str = "migrate.lock_held_before";

/// What one try at the lock found.
struct Attempt {
    taken: bool,
    held_before: bool,
    pid: Option<i32>,
    history_exists: bool,
    schema_exists: bool,
    database: String,
    /// The history's rows, when the lock was taken and they were read.
    history: Option<Rows>,
}

impl Attempt {
    /// From the answers of the lock round trip (see [`Runner::acquire`]).
    fn from_results(mut results: Vec<Rows>, read_history: bool) -> Self {
        let skip = usize::from(read_history);
        let cell = |statement: usize, column: usize| -> Option<String> {
            results
                .get(skip + statement)
                .and_then(|rows| rows.first())
                .and_then(|row| row.get(column).cloned().flatten())
        };
        let taken = cell(1, 0).as_deref() == Some("t");
        let history_exists = cell(1, 2).as_deref() == Some("t");
        Self {
            taken,
            held_before: cell(0, 0).as_deref() == Some("true"),
            pid: cell(1, 1).and_then(|pid| pid.parse().ok()),
            history_exists,
            schema_exists: cell(1, 3).as_deref() == Some("t"),
            database: cell(1, 4).unwrap_or_default(),
            history: if read_history && taken && history_exists {
                results.get_mut(skip + 3).map(std::mem::take)
            } else {
                None
            },
        }
    }

    /// From the error the lock round trip fails with on purpose when the
    /// history table does not exist: `<sentinel><taken> <held before> <pid>
    /// <schema exists> <database>`.
    fn from_no_history(error: &postgres::Error) -> Option<Self> {
        let message = error.as_db_error()?.message();
        let start = message.find(sql::NO_HISTORY_SENTINEL)? + sql::NO_HISTORY_SENTINEL.len();
        // The value is quoted in the message: up to the last quote.
        let end = message.rfind('"').filter(|&end| end > start)?;
        let mut fields = message[start..end].splitn(5, ' ');
        let mut flag = || fields.next().map(|field| field == "true");
        let taken = flag()?;
        let held_before = flag()?;
        let pid = fields.next()?.parse().ok();
        let schema_exists = fields.next()? == "true";
        let database = fields.next().unwrap_or_default().to_owned();
        Some(Self {
            taken,
            held_before,
            pid,
            history_exists: false,
            schema_exists,
            database,
            history: None,
        })
    }
}

struct Acquired {
    pid: Option<i32>,
    history_exists: bool,
    schema_exists: bool,
    /// The history's rows, when read with the lock.
    history: Option<Rows>,
}

/// Whether the session holds the migration lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockState {
    Free,
    Held,
    /// A round trip that may have taken or released it failed.
    Unknown,
}

/// The connection while the lock is held: dropping it without releasing
/// (an error, a panic, a cancelled future) rolls back any open transaction
/// and releases the lock.
pub(crate) struct Session<C: Conn> {
    pub(crate) conn: C,
    pub(crate) key: i64,
    pub(crate) lock: LockState,
    pub(crate) in_transaction: bool,
    /// The server process that took the lock.
    pub(crate) pid: Option<i32>,
    /// The `search_path` the first migration started with, which every
    /// later one starts with too and the session gets back at the end.
    pub(crate) search_path: Option<String>,
}

impl<C: Conn> Session<C> {
    async fn unlock(&mut self) -> Result<(), Error> {
        let query = sql::unlock(self.key);
        self.lock = LockState::Free;
        self.conn
            .simple_query(&query)
            .await
            .map_err(|e| Error::database("cannot release the migration lock", e))?;
        Ok(())
    }

    /// Releases the lock if this session holds it (its state unknown).
    async fn release_if_held(&mut self) -> Result<(), Error> {
        let query = sql::unlock_if_held(self.key);
        self.conn
            .simple_query(&query)
            .await
            .map_err(|e| Error::database("cannot release the migration lock", e))?;
        self.lock = LockState::Free;
        Ok(())
    }
}

impl<C: Conn> Drop for Session<C> {
    fn drop(&mut self) {
        if self.in_transaction {
            self.conn.send_in_drop("ROLLBACK");
        }
        match self.lock {
            LockState::Free => {}
            LockState::Held => self.conn.send_in_drop(&sql::unlock(self.key)),
            LockState::Unknown => self.conn.send_in_drop(&sql::unlock_if_held(self.key)),
        }
    }
}

/// The messages of the statements after the first `n` of a simple query.
fn skip_statements(
    messages: Vec<postgres::SimpleQueryMessage>,
    n: usize,
) -> Vec<postgres::SimpleQueryMessage> {
    let mut seen = 0;
    messages
        .into_iter()
        .skip_while(|message| {
            if seen >= n {
                return false;
            }
            if matches!(message, postgres::SimpleQueryMessage::CommandComplete(_)) {
                seen += 1;
            }
            true
        })
        .collect()
}

fn applied(migration: &EmbeddedMigration, duration: Duration) -> Applied {
    Applied {
        version: migration.version.to_owned(),
        name: migration.name.to_owned(),
        path: migration.path.to_owned(),
        duration,
    }
}

fn parse_history(rows: &Rows, qualified: &str) -> Result<Vec<HistoryRow>, Error> {
    rows.iter()
        .map(|row| {
            let column = |index: usize| row.get(index).cloned().flatten();
            let version = column(0).ok_or_else(|| Error::HistoryTable {
                table: qualified.to_owned(),
                message: "a row has no version".to_owned(),
            })?;
            Ok(HistoryRow {
                name: column(1).unwrap_or_default(),
                checksum: column(2).unwrap_or_default(),
                success: column(3).as_deref() == Some("t"),
                finished: column(4).as_deref() == Some("t"),
                failed_statement: column(5).and_then(|v| v.parse().ok()),
                statements_done: column(6).and_then(|v| v.parse().ok()),
                error: column(7),
                version,
            })
        })
        .collect()
}

fn parse_i32(value: Option<&Option<String>>) -> Option<i32> {
    value
        .and_then(|v| v.as_deref())
        .and_then(|v| v.parse().ok())
}

pub(crate) fn db_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => error.to_string(),
    }
}

pub(crate) fn error_position(error: &postgres::Error) -> Option<usize> {
    match error.as_db_error()?.position()? {
        postgres::error::ErrorPosition::Original(position) => Some(*position as usize),
        _ => None,
    }
}

/// The server process named by the pid check's error, when it failed.
pub(crate) fn process_changed_to(error: &postgres::Error) -> Option<i32> {
    let message = error.as_db_error()?.message();
    let start = message.find(sql::PROCESS_CHANGED_SENTINEL)? + sql::PROCESS_CHANGED_SENTINEL.len();
    let digits: String = message[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

pub(crate) fn is_lock_lost(error: &postgres::Error) -> bool {
    error
        .as_db_error()
        .is_some_and(|db| db.message().contains(sql::LOCK_NOT_HELD_SENTINEL))
}

/// Spreads the backoff of many runners waiting at once.
struct Jitter(u64);

impl Jitter {
    fn new() -> Self {
        static RUNNERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::from(d.subsec_nanos()));
        let runner = RUNNERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let seed = nanos
            ^ (u64::from(std::process::id()) << 32)
            ^ runner.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Self(seed | 1)
    }

    /// `delay` scaled by a random factor in [0.5, 1.5).
    fn apply(&mut self, delay: Duration) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        let factor = 0.5 + (self.0 % 1000) as f64 / 1000.0;
        delay.mul_f64(factor)
    }
}
