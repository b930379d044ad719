//! What exists before the first migration (see [`migrate_core::Prelude`]).
//!
//! - **The tool's bookkeeping table.** Each migration tool creates a table of
//!   its own before it applies migration 1, and migrations may use it
//!   (underway copies sqlx's with `CREATE TABLE .. (LIKE
//!   public._sqlx_migrations INCLUDING ALL)`). The fold starts from that
//!   table as the tool's source creates it on PostgreSQL ([`Tool::sql`]),
//!   and from migrate's own history table (`public._migrate_history`), and
//!   the runtime creates the tool's table, empty, when it creates its
//!   history table, so that what the fold assumed holds where migrate
//!   deploys.
//! - **The assumed-objects file** (`assumed` in `[package.metadata.migrate]`,
//!   `--assumed` on the command line): SQL stating what the migrations use
//!   and never create (a table of a service the application runs beside,
//!   a schema or function another migrator owns). It is folded before
//!   migration 1, never applied by the runtime, never compared for drift,
//!   and `migrate schema` shows its objects as assumed.
//!
//! ```
//! use migrate_build::discover::Layout;
//! use migrate_build::prelude::Before;
//! use migrate_build::fold::fold_with;
//!
//! let before = Before::new(Layout::Sqlx, None, None);
//! let folded = fold_with(&before, &[]);
//! assert!(folded.diagnostics.is_empty());
//! assert!(folded.schema.relations.contains_key(&migrate_core::Name::public("_sqlx_migrations")));
//! assert!(folded.schema.without_prelude().relations.is_empty());
//! ```

use std::path::Path;
use std::str::FromStr;

use crate::Error;
use crate::discover::Layout;

/// The tool that applies the migrations, whose bookkeeping table exists
/// before migration 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Sqlx,
    Refinery,
    Flyway,
    Diesel,
    Prisma,
    Goose,
    Dbmate,
    /// migrate alone: no table but its own history table.
    Migrate,
}

impl Tool {
    /// Every tool, in the order the documentation lists them.
    pub const ALL: [Tool; 8] = [
        Tool::Sqlx,
        Tool::Refinery,
        Tool::Flyway,
        Tool::Diesel,
        Tool::Prisma,
        Tool::Goose,
        Tool::Dbmate,
        Tool::Migrate,
    ];

    /// The tool a layout belongs to (refinery's for `V1__name.sql`; name
    /// `flyway` as the tool when Flyway applies them).
    pub fn of_layout(layout: Layout) -> Tool {
        match layout {
            Layout::Sqlx => Tool::Sqlx,
            Layout::Refinery => Tool::Refinery,
            Layout::Diesel => Tool::Diesel,
            Layout::Prisma => Tool::Prisma,
            Layout::Goose => Tool::Goose,
            Layout::Dbmate => Tool::Dbmate,
        }
    }

    /// Its name as configuration spells it.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Sqlx => "sqlx",
            Tool::Refinery => "refinery",
            Tool::Flyway => "flyway",
            Tool::Diesel => "diesel",
            Tool::Prisma => "prisma",
            Tool::Goose => "goose",
            Tool::Dbmate => "dbmate",
            Tool::Migrate => "migrate",
        }
    }

    /// Its bookkeeping table, unqualified (created in `public`).
    pub fn table(self) -> Option<&'static str> {
        match self {
            Tool::Sqlx => Some("_sqlx_migrations"),
            Tool::Refinery => Some("refinery_schema_history"),
            Tool::Flyway => Some("flyway_schema_history"),
            Tool::Diesel => Some("__diesel_schema_migrations"),
            Tool::Prisma => Some("_prisma_migrations"),
            Tool::Goose => Some("goose_db_version"),
            Tool::Dbmate => Some("schema_migrations"),
            Tool::Migrate => None,
        }
    }

    /// The SQL that leaves its bookkeeping table as the tool's own code
    /// leaves it on PostgreSQL (the tool's current release, default table
    /// name), written to be run again without harm. Facts taken from each
    /// tool's source:
    /// - sqlx 0.8 (`sqlx-postgres`, `ensure_migrations_table`);
    /// - refinery (`refinery_core`, the assert-table query, `int4` versions);
    /// - Flyway (`createMetaDataTable.sql` for PostgreSQL: primary key
    ///   `<table>_pk`, index `<table>_s_idx`);
    /// - diesel (`setup_migration_table.sql`);
    /// - Prisma (the schema engine's PostgreSQL flavour);
    /// - goose v3 (`dialectquery/postgres.go`: an identity key since 3.16);
    /// - dbmate (`driver/postgres`: `version varchar(255)`).
    pub fn sql(self) -> &'static str {
        match self {
            Tool::Sqlx => {
                "CREATE TABLE IF NOT EXISTS _sqlx_migrations (\n    version bigint PRIMARY KEY,\n    description text NOT NULL,\n    installed_on timestamptz NOT NULL DEFAULT now(),\n    success boolean NOT NULL,\n    checksum bytea NOT NULL,\n    execution_time bigint NOT NULL\n);\n"
            }
            Tool::Refinery => {
                "CREATE TABLE IF NOT EXISTS refinery_schema_history (\n    version int4 PRIMARY KEY,\n    name varchar(255),\n    applied_on varchar(255),\n    checksum varchar(255)\n);\n"
            }
            Tool::Flyway => {
                "CREATE TABLE IF NOT EXISTS flyway_schema_history (\n    installed_rank integer NOT NULL,\n    version varchar(50),\n    description varchar(200) NOT NULL,\n    type varchar(20) NOT NULL,\n    script varchar(1000) NOT NULL,\n    checksum integer,\n    installed_by varchar(100) NOT NULL,\n    installed_on timestamp NOT NULL DEFAULT now(),\n    execution_time integer NOT NULL,\n    success boolean NOT NULL,\n    CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank)\n);\nCREATE INDEX IF NOT EXISTS flyway_schema_history_s_idx ON flyway_schema_history (success);\n"
            }
            Tool::Diesel => {
                "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\n    version varchar(50) PRIMARY KEY NOT NULL,\n    run_on timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP\n);\n"
            }
            Tool::Prisma => {
                "CREATE TABLE IF NOT EXISTS _prisma_migrations (\n    id varchar(36) PRIMARY KEY NOT NULL,\n    checksum varchar(64) NOT NULL,\n    finished_at timestamptz,\n    migration_name varchar(255) NOT NULL,\n    logs text,\n    rolled_back_at timestamptz,\n    started_at timestamptz NOT NULL DEFAULT now(),\n    applied_steps_count integer NOT NULL DEFAULT 0\n);\n"
            }
            Tool::Goose => {
                "CREATE TABLE IF NOT EXISTS goose_db_version (\n    id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,\n    version_id bigint NOT NULL,\n    is_applied boolean NOT NULL,\n    tstamp timestamp NOT NULL DEFAULT now()\n);\n"
            }
            Tool::Dbmate => {
                "CREATE TABLE IF NOT EXISTS schema_migrations (\n    version varchar(255) PRIMARY KEY\n);\n"
            }
            Tool::Migrate => "",
        }
    }
}

impl FromStr for Tool {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let lower = name.to_ascii_lowercase();
        Tool::ALL
            .into_iter()
            .find(|tool| tool.name() == lower)
            .ok_or_else(|| {
                let names: Vec<&str> = Tool::ALL.iter().map(|tool| tool.name()).collect();
                format!(
                    "unknown migration tool `{name}`: expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// What the fold starts from. The default is an empty database (what
/// [`crate::fold::fold`] starts from).
#[derive(Clone, Debug, Default)]
pub struct Before {
    /// The tool whose bookkeeping table exists before migration 1, beside
    /// migrate's own history table; `None` for an empty database.
    pub tool: Option<Tool>,
    /// The assumed-objects file.
    pub assumed: Option<AssumedFile>,
}

impl Before {
    /// What a migrations directory of `layout` starts from: its tool's
    /// bookkeeping table (`tool` when named, else the layout's) and
    /// migrate's history table, then the assumed-objects file.
    pub fn new(layout: Layout, tool: Option<Tool>, assumed: Option<AssumedFile>) -> Self {
        Self {
            tool: Some(tool.unwrap_or(Tool::of_layout(layout))),
            assumed,
        }
    }
}

/// The assumed-objects file, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumedFile {
    /// Its path as diagnostics carry it (they are rendered against it).
    pub path: String,
    /// Its path as `migrate schema` shows it.
    pub shown: String,
    pub sql: String,
}

impl AssumedFile {
    /// Reads the file at `path`, shown as `shown`.
    pub fn read(path: &Path, shown: &str) -> Result<Self, Error> {
        let sql = std::fs::read_to_string(path).map_err(|error| {
            Error::Config(format!(
                "cannot read the assumed-objects file {shown}: {error}"
            ))
        })?;
        Ok(Self {
            path: path.display().to_string(),
            shown: shown.to_owned(),
            sql,
        })
    }

    /// An assumed-objects file given as text (tests, tools).
    pub fn inline(shown: &str, sql: &str) -> Self {
        Self {
            path: shown.to_owned(),
            shown: shown.to_owned(),
            sql: sql.to_owned(),
        }
    }
}

/// migrate's own history table where the runtime puts it by default.
pub const MIGRATE_HISTORY: (&str, &str) = ("public", "_migrate_history");
