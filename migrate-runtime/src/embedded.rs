//! The migrations a binary carries, as the build helper embeds them.

use crate::Error;
use crate::runner::Runner;

/// One migration as embedded in a binary. Every field is `&'static`, so the
/// build helper can generate a `static` holding them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EmbeddedMigration {
    /// The version as written in the file or directory name (`20230730073019`, `1.10`).
    pub version: &'static str,
    /// The human part of the name (`create_users`).
    pub name: &'static str,
    /// Path of the file holding the up SQL, relative to the migrations directory.
    pub path: &'static str,
    /// The SQL that applies the migration.
    pub sql: &'static str,
    /// How many lines of the file come before `sql` (non-zero for goose and
    /// dbmate files, whose up section follows a marker line), so that an
    /// error names the file's line.
    pub lines_before_up: usize,
    /// The SQL that reverts it, when the layout has one.
    pub down: Option<&'static str>,
    /// Hex SHA-256 of `sql` as computed by [`migrate_core::checksum`]
    /// (a leading BOM and CRLF line ends do not count).
    pub checksum: &'static str,
    /// False when the migration must run outside a transaction, statement by statement.
    pub transactional: bool,
    /// For a non-transactional migration, its statements in order: the
    /// runtime sends them one at a time and never parses SQL itself.
    pub statements: &'static [&'static str],
}

/// All of a binary's migrations in the order they apply, plus the schema
/// snapshot (JSON of [`migrate_core::Schema`]) they fold to.
///
/// ```
/// use migrate_runtime::{EmbeddedMigration, Migrations};
///
/// static MIGRATIONS: Migrations = Migrations::new(
///     &[EmbeddedMigration {
///         version: "1",
///         name: "create_users",
///         path: "1_create_users.sql",
///         sql: "CREATE TABLE users (id bigint PRIMARY KEY);\n",
///         lines_before_up: 0,
///         down: None,
///         checksum: "0d5c5f1a",
///         transactional: true,
///         statements: &[],
///     }],
///     "{}",
/// );
/// assert_eq!(MIGRATIONS.iter().count(), 1);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Migrations {
    migrations: &'static [EmbeddedMigration],
    schema_json: &'static str,
    package: Option<(&'static str, &'static str)>,
}

impl Migrations {
    /// Migrations in apply order and the JSON of the schema they fold to.
    pub const fn new(migrations: &'static [EmbeddedMigration], schema_json: &'static str) -> Self {
        Self {
            migrations,
            schema_json,
            package: None,
        }
    }

    /// Migrations found at run time rather than embedded by the build (the
    /// `migrate` command, tests, benchmarks). The runner takes `'static`
    /// data, as a binary embeds it, so the text is leaked: call this once per
    /// set of migrations in a process, not in a loop.
    pub fn leak(migrations: &[migrate_core::Migration], schema_json: &str) -> Self {
        fn leak(text: &str) -> &'static str {
            Box::leak(text.to_owned().into_boxed_str())
        }
        let embedded: Vec<EmbeddedMigration> = migrations
            .iter()
            .map(|migration| EmbeddedMigration {
                version: leak(&migration.version),
                name: leak(&migration.name),
                path: leak(&migration.path),
                sql: leak(&migration.up),
                lines_before_up: migration.lines_before_up,
                down: migration.down.as_deref().map(leak),
                checksum: leak(&migration.checksum),
                transactional: migration.transactional,
                statements: Box::leak(
                    migration
                        .statements
                        .iter()
                        .map(|statement| leak(statement))
                        .collect::<Vec<_>>()
                        .into_boxed_slice(),
                ),
            })
            .collect();
        Self::new(Box::leak(embedded.into_boxed_slice()), leak(schema_json))
    }

    /// Names the package that embeds the migrations (its name and version,
    /// as `env!("CARGO_PKG_NAME")` and `env!("CARGO_PKG_VERSION")` give them
    /// in the embedding crate), recorded as `applied_by` in the history.
    /// Without it the runner records the running executable's name.
    pub const fn with_package(mut self, name: &'static str, version: &'static str) -> Self {
        self.package = Some((name, version));
        self
    }

    /// The migrations in apply order.
    pub fn iter(&self) -> impl Iterator<Item = &EmbeddedMigration> {
        self.migrations.iter()
    }

    /// The migrations as a slice, in apply order.
    pub fn as_slice(&self) -> &'static [EmbeddedMigration] {
        self.migrations
    }

    /// The raw JSON of the schema snapshot.
    pub fn schema_json(&self) -> &'static str {
        self.schema_json
    }

    /// The package recorded as `applied_by`, when the embedding named one.
    pub fn package(&self) -> Option<(&'static str, &'static str)> {
        self.package
    }

    /// The schema the migrations fold to, parsed from the embedded snapshot.
    pub fn schema(&self) -> Result<migrate_core::Schema, Error> {
        serde_json::from_str(self.schema_json).map_err(|source| Error::Snapshot { source })
    }

    /// The SQL that creates the migration tool's bookkeeping table, as the
    /// fold assumed it before migration 1 (see `migrate_core::Prelude`);
    /// empty when there is none or the snapshot cannot be read. The runner
    /// runs it when it creates its history table. Read from the snapshot
    /// only then: a database migrated before pays nothing.
    pub fn bookkeeping_sql(&self) -> String {
        serde_json::from_str::<serde_json::Value>(self.schema_json)
            .ok()
            .and_then(|snapshot| {
                snapshot
                    .get("prelude")?
                    .get("bookkeeping_sql")?
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_default()
    }

    /// A runner with options (history table, lock timeout, target, dry run,
    /// drift policy, ...). `runner().run(client)` is [`Migrations::run`].
    pub fn runner(&self) -> Runner<'_> {
        Runner::new(self)
    }

    /// Brings the database up to date with the default options: see
    /// [`Runner`] for what that means.
    pub fn run(&self, client: &mut postgres::Client) -> Result<crate::Report, Error> {
        self.runner().run(client)
    }

    /// Records how a person resolved a failed or interrupted migration,
    /// with the default options: see [`Runner::resolve`].
    pub fn resolve(
        &self,
        client: &mut postgres::Client,
        version: &str,
        resolution: crate::Resolution,
    ) -> Result<(), Error> {
        self.runner().resolve(client, version, resolution)
    }

    /// [`Migrations::run`] for a `tokio_postgres` client, with identical semantics.
    #[cfg(feature = "tokio")]
    pub async fn run_async(&self, client: &tokio_postgres::Client) -> Result<crate::Report, Error> {
        self.runner().run_async(client).await
    }
}
