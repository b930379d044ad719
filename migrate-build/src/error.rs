use std::path::PathBuf;

/// Everything that can go wrong in migrate-build.
///
/// `Debug` prints the same readable report as `Display`, so that
/// `fn main() -> Result<(), migrate_build::Error>` in a build script shows it.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The migrations directory does not fit a layout, or two files clash.
    #[error("{0}")]
    Layout(String),
    /// A migration (or another file migrate reads SQL from) is not a
    /// regular file nor a symbolic link to one: a FIFO, a device, a socket.
    #[error(
        "{} is {kind}: SQL is read only from regular files (or symbolic links to them)",
        path.display()
    )]
    NotAFile { path: PathBuf, kind: &'static str },
    /// A migration (or another file migrate reads SQL from) is larger than
    /// [`crate::discover::MAX_FILE_BYTES`].
    #[error(
        "{} is {size} bytes, more than the {} bytes (64 MiB) migrate reads from one SQL file",
        path.display(),
        crate::discover::MAX_FILE_BYTES
    )]
    TooLarge { path: PathBuf, size: u64 },
    /// The migrations directory does not exist.
    #[error("migrations directory {} does not exist", dir.display())]
    MissingDirectory { dir: PathBuf },
    /// The migrations directory holds no migration.
    #[error("no migrations in {}", dir.display())]
    NoMigrations { dir: PathBuf },
    /// Two migrations have the same version (as their tool compares versions).
    #[error(
        "two migrations have version {version}: {} and {}",
        first.display(),
        second.display()
    )]
    DuplicateVersion {
        version: String,
        first: PathBuf,
        second: PathBuf,
    },
    /// The migrations contain SQL PostgreSQL would reject; the report
    /// renders every diagnostic with its file, line and carets.
    #[error("{report}")]
    Fold { report: String, n_errors: usize },
    /// The build helper's configuration (`[package.metadata.migrate]`,
    /// `[workspace.metadata.migrate]`, the build script's environment) is wrong.
    #[error("{0}")]
    Config(String),
    /// Lint findings at the `deny` level (see [`crate::lint`]); the report
    /// lists each with its file, line and help.
    #[error("{report}")]
    Lint { report: String, n_denied: usize },
    /// A file could not be written into `OUT_DIR`.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}
