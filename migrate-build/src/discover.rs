//! Finding migration files and ordering them as their tool would.
//!
//! Owner: the discover/split work (see ARCHITECTURE.md). Contract:
//! `discover(dir, layout) -> Result<Discovered, Error>`.

/// The tool whose file layout a migrations directory follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// `<version>_<name>.sql`, `<version>_<name>.up.sql` + `.down.sql`.
    Sqlx,
    /// `V<version>__<name>.sql` (refinery and Flyway).
    Refinery,
    /// `<version>_<name>/up.sql` + `down.sql` + `metadata.toml`.
    Diesel,
    /// `<timestamp>_<name>/migration.sql`.
    Prisma,
    /// `<version>_<name>.sql` with `-- +goose Up` / `-- +goose Down`.
    Goose,
    /// `<version>_<name>.sql` with `-- migrate:up` / `-- migrate:down`.
    Dbmate,
}
