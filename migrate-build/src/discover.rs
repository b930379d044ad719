//! Finding migration files and ordering them as their tool would.
//!
//! Owner: the discover/split work (see ARCHITECTURE.md). Contract:
//! `discover(dir, layout) -> Result<Discovered, Error>`.
//!
//! [`discover`] reads one migrations directory (not its subdirectories'
//! subdirectories), works out which tool's [`Layout`] it follows unless told,
//! and returns every migration in the order that tool applies them:
//!
//! | layout | entries | order |
//! |---|---|---|
//! | sqlx | `<version>_<name>.sql`, or `.up.sql` + `.down.sql` | numeric version |
//! | refinery / Flyway | `V<version>__<name>.sql`, refinery's `U<version>__<name>.sql` | version segments, numerically (`1_10` after `1_9`) |
//! | diesel | `<version>_<name>/up.sql` (+ `down.sql`, `metadata.toml`) | version without dashes, as text |
//! | Prisma | `<timestamp>_<name>/migration.sql` | directory name, as text |
//! | goose | `<version>_<name>.sql` with `-- +goose Up` | numeric version |
//! | dbmate | `<version>_<name>.sql` with `-- migrate:up` | file name, as text |
//!
//! [`Migration::version`] is the version as the name writes it (`1_10`,
//! `2024-02-12-120203`), except for Prisma, where it is the whole directory
//! name: Prisma identifies a migration by it, and two may share a timestamp.
//! Two migrations whose versions the tool would take as equal (`1_a.sql` and
//! `01_b.sql` for sqlx, `V1` and `V1.0` for Flyway) are an error.
//!
//! What is ignored (and listed in [`Discovered::ignored`]): entries whose
//! name starts with `.`, every file that does not end in `.sql` (`README.md`,
//! Prisma's `migration_lock.toml`, goose's Go migrations, which cannot be
//! read without running Go), directories that hold no `.sql` file, and, in
//! the directory layouts (diesel, Prisma), loose files next to the migration
//! directories, as diesel and Prisma themselves ignore them. Anything else
//! that fits no layout is an error naming it.
//!
//! Migration files are read only when they are regular files (or symbolic
//! links to them) of at most [`MAX_FILE_BYTES`] (64 MiB): a FIFO or a
//! device named like a migration is an error naming it, never a read that
//! blocks or runs on without end ([`read_sql_file`]).
//!
//! A migration runs outside a transaction ([`Migration::transactional`] is
//! false, and [`Migration::statements`] lists its statements for the runtime
//! to send one by one) when its layout says so (sqlx's `-- no-transaction`
//! first line, diesel's `run_in_transaction = false`, goose's
//! `-- +goose NO TRANSACTION`, dbmate's `transaction:false`, Flyway's
//! `executeInTransaction=false` in `V<version>__<name>.sql.conf`), when one of its
//! statements cannot run in a transaction block
//! ([`needs_no_transaction`]), or when it controls its own transaction
//! ([`is_transaction_control`]) in a way a wrapping transaction would break.
//!
//! A file that wraps itself in one plain `BEGIN ... COMMIT` (five Prisma
//! migrations of inbox-zero do) runs as the runner's transaction instead, so
//! that its history row commits with it: its `BEGIN` and `COMMIT` become
//! spaces in [`Migration::up`] (every position stays where it is in the
//! file), while [`Migration::checksum`] stays the file's. Other shapes (a
//! `ROLLBACK`, two transactions, statements after the `COMMIT`, an isolation
//! level) run outside a transaction, statement by statement, as the file says.
//!
//! ```no_run
//! use std::path::Path;
//!
//! let discovered = migrate_build::discover::discover(Path::new("migrations"), None)?;
//! for migration in &discovered.migrations {
//!     println!("{} {} ({})", migration.version, migration.name, discovered.layout);
//! }
//! # Ok::<(), migrate_build::Error>(())
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use migrate_core::Migration;

use crate::Error;
use crate::split::{
    SqlStatement, is_plain_begin, is_plain_commit, is_transaction_control, needs_no_transaction,
    split_statements,
};

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

impl Layout {
    /// Every layout, in the order the documentation lists them.
    pub const ALL: [Layout; 6] = [
        Layout::Sqlx,
        Layout::Refinery,
        Layout::Diesel,
        Layout::Prisma,
        Layout::Goose,
        Layout::Dbmate,
    ];

    /// The tool's name as configuration spells it: `sqlx`, `refinery`, ...
    pub fn name(self) -> &'static str {
        match self {
            Layout::Sqlx => "sqlx",
            Layout::Refinery => "refinery",
            Layout::Diesel => "diesel",
            Layout::Prisma => "prisma",
            Layout::Goose => "goose",
            Layout::Dbmate => "dbmate",
        }
    }

    /// What a migration looks like in this layout, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Layout::Sqlx => {
                "files named <version>_<name>.sql, or <version>_<name>.up.sql with <version>_<name>.down.sql"
            }
            Layout::Refinery => {
                "files named V<version>__<name>.sql (or refinery's U<version>__<name>.sql), the version made of numbers separated by '.' or '_'"
            }
            Layout::Diesel => {
                "directories named <version>_<name> holding up.sql (and down.sql, metadata.toml)"
            }
            Layout::Prisma => "directories named <timestamp>_<name> holding migration.sql",
            Layout::Goose => "files named <version>_<name>.sql with a `-- +goose Up` line",
            Layout::Dbmate => "files named <version>_<name>.sql with a `-- migrate:up` line",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a layout by its tool's name, case-insensitively: `sqlx` (or
/// `plain`), `refinery` or `flyway`, `diesel`, `prisma`, `goose`, `dbmate`.
impl FromStr for Layout {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "sqlx" | "plain" => Layout::Sqlx,
            "refinery" | "flyway" => Layout::Refinery,
            "diesel" => Layout::Diesel,
            "prisma" => Layout::Prisma,
            "goose" => Layout::Goose,
            "dbmate" => Layout::Dbmate,
            _ => {
                return Err(Error::Layout(format!(
                    "unknown migrations layout `{name}`: expected one of sqlx, refinery, flyway, diesel, prisma, goose, dbmate"
                )));
            }
        })
    }
}

/// A migrations directory, read and ordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The layout named by the caller, or detected.
    pub layout: Layout,
    /// Every migration in the order its tool applies them.
    pub migrations: Vec<Migration>,
    /// Entries that were skipped (see the module documentation), relative
    /// to the directory with `/` separators, so that a tool can mention them.
    pub ignored: Vec<String>,
}

/// Reads the migrations in `dir`, following `layout` or, when `None`,
/// the layout the directory's entries show.
///
/// Errors: a missing directory or one without migrations, an unreadable
/// file (also one that is not UTF-8), an entry that fits no layout or not the
/// detected one, two layouts in one directory, two migrations with the same
/// version, a goose or dbmate file without its up section, a Flyway
/// repeatable migration (`R__`), an invalid diesel `metadata.toml`.
pub fn discover(dir: &Path, layout: Option<Layout>) -> Result<Discovered, Error> {
    let entries = read_entries(dir)?;
    let layout = match layout {
        Some(layout) => LayoutChoice::Named(layout),
        None => detect(dir, &entries)?,
    };
    let mut ignored: Vec<String> = entries
        .iter()
        .filter(|entry| matches!(entry.kind, EntryKind::Ignored))
        .map(|entry| entry.name.clone())
        .collect();
    let mut candidates = Vec::new();
    for entry in &entries {
        match fits(layout.layout(), &entry.kind) {
            Fit::Yes => candidates.push(entry),
            Fit::Ignore => {
                if !matches!(entry.kind, EntryKind::Ignored) {
                    ignored.push(entry.name.clone());
                }
            }
            Fit::No => return Err(does_not_fit(dir, entry, &layout)),
        }
    }
    if candidates.is_empty() {
        return Err(Error::NoMigrations {
            dir: dir.to_path_buf(),
        });
    }
    let mut migrations = match layout.layout() {
        Layout::Sqlx => sqlx_migrations(dir, &candidates)?,
        Layout::Refinery => refinery_migrations(dir, &candidates)?,
        Layout::Diesel => directory_migrations(dir, &candidates, Layout::Diesel)?,
        Layout::Prisma => directory_migrations(dir, &candidates, Layout::Prisma)?,
        Layout::Goose | Layout::Dbmate => sectioned_migrations(dir, &candidates, layout.layout())?,
    };
    for migration in &mut migrations {
        finish(migration);
    }
    if layout.layout() == Layout::Refinery {
        // Read with their migrations.
        ignored.retain(|name| !name.ends_with(".sql.conf"));
    }
    ignored.sort();
    Ok(Discovered {
        layout: layout.layout(),
        migrations,
        ignored,
    })
}

/// Fills what every layout derives the same way: the transaction mode from
/// the statements, the statements themselves, the checksum.
fn finish(migration: &mut Migration) {
    // The checksum is the file's, whatever is blanked out below.
    migration.checksum = migrate_core::checksum(&migration.up);
    if let Some(spans) = own_transaction(&split_statements(&migration.up), migration.transactional)
    {
        // Run as the runner's transaction, with its history row in it: the
        // file's BEGIN and COMMIT become spaces, so that every position in
        // `up` stays where it is in the file.
        for span in spans {
            migration
                .up
                .replace_range(span.clone(), &" ".repeat(span.len()));
        }
        migration.transactional = true;
    }
    let statements = split_statements(&migration.up);
    // A statement PostgreSQL refuses in a transaction block, or a file that
    // runs its own BEGIN/COMMIT: wrapping either in a transaction breaks it.
    if statements.iter().any(|statement| {
        needs_no_transaction(statement.text) || is_transaction_control(statement.text)
    }) {
        migration.transactional = false;
    }
    if !migration.transactional {
        migration.statements = statements
            .iter()
            .map(|statement| statement.text.to_owned())
            .collect();
    }
}

/// A migration that wraps its statements in one transaction of its own:
/// one plain `BEGIN` (or `START TRANSACTION`), one plain `COMMIT` (or `END`)
/// as its last statement, no other transaction control, and nothing that
/// PostgreSQL refuses in a transaction. Statements before the `BEGIN` count
/// only when the layout runs the file in a transaction anyway (as Prisma
/// does, by sending the file as one query): the `BEGIN` then takes them into
/// the same transaction. Returns the byte spans of the two statements,
/// when they can be blanked out without moving anything (plain ASCII).
///
/// Any other shape (a `ROLLBACK`, two transactions, statements after the
/// `COMMIT`, an isolation level) keeps running outside a transaction,
/// statement by statement, as the file says.
fn own_transaction(
    statements: &[SqlStatement<'_>],
    transactional: bool,
) -> Option<[Range<usize>; 2]> {
    if statements
        .iter()
        .any(|statement| needs_no_transaction(statement.text))
    {
        return None;
    }
    let mut control = statements
        .iter()
        .enumerate()
        .filter(|(_, statement)| is_transaction_control(statement.text));
    let (begin_index, begin) = control.next()?;
    let (commit_index, commit) = control.next()?;
    if control.next().is_some()
        || commit_index + 1 != statements.len()
        || !is_plain_begin(begin.text)
        || !is_plain_commit(commit.text)
        || (begin_index > 0 && !transactional)
        || !begin.text.is_ascii()
        || !commit.text.is_ascii()
    {
        return None;
    }
    Some([begin.span.clone(), commit.span.clone()])
}

/// One entry of the migrations directory, classified by its name alone.
struct Entry {
    /// The file or directory name.
    name: String,
    kind: EntryKind,
}

enum EntryKind {
    /// Not a migration in any layout: skipped whatever the layout.
    Ignored,
    /// `<digits>_<rest>.sql`: sqlx, goose or dbmate.
    NumberedFile { version: String, rest: String },
    /// `V<version>__<name>.sql` or `U<version>__<name>.sql`.
    VersionedFile { version: String, name: String },
    /// `R__<name>.sql`.
    RepeatableFile,
    /// Any other `.sql` file.
    OtherSqlFile,
    /// `<version>_<name>/` holding `up.sql`.
    DieselDirectory { version: String, name: String },
    /// `<version>_<name>/` holding `migration.sql`.
    PrismaDirectory { name: String },
    /// A directory holding `.sql` files but neither `up.sql` nor
    /// `migration.sql`, or named without a version.
    OtherDirectory,
}

fn read_entries(dir: &Path) -> Result<Vec<Entry>, Error> {
    let read_dir = match fs::read_dir(dir) {
        Ok(read_dir) => read_dir,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingDirectory {
                dir: dir.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(Error::Io {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut entries = Vec::new();
    for dir_entry in read_dir {
        let dir_entry = dir_entry.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir_entry.path();
        let Some(name) = dir_entry.file_name().to_str().map(str::to_owned) else {
            return Err(Error::Layout(format!(
                "{}: the name is not valid UTF-8",
                path.display()
            )));
        };
        if name.starts_with('.') {
            continue;
        }
        // Follows symbolic links, as the tools do.
        let kind = if path.is_dir() {
            classify_directory(&path, &name)?
        } else {
            classify_file(&name)
        };
        entries.push(Entry { name, kind });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

fn classify_file(name: &str) -> EntryKind {
    let Some(stem) = name.strip_suffix(".sql") else {
        return EntryKind::Ignored;
    };
    if stem.starts_with("R__") {
        return EntryKind::RepeatableFile;
    }
    if let Some(rest) = stem.strip_prefix('V').or_else(|| stem.strip_prefix('U'))
        && let Some((version, name)) = rest.split_once("__")
        && is_dotted_version(version)
        && !name.is_empty()
    {
        return EntryKind::VersionedFile {
            version: version.to_owned(),
            name: name.to_owned(),
        };
    }
    if let Some((version, rest)) = stem.split_once('_')
        && !version.is_empty()
        && version.bytes().all(|byte| byte.is_ascii_digit())
        && !rest.is_empty()
    {
        return EntryKind::NumberedFile {
            version: version.to_owned(),
            rest: rest.to_owned(),
        };
    }
    EntryKind::OtherSqlFile
}

/// `1`, `1_10`, `2.3.1`: numbers separated by single dots or underscores.
fn is_dotted_version(version: &str) -> bool {
    !version.is_empty()
        && version
            .split(['.', '_'])
            .all(|segment| !segment.is_empty() && segment.bytes().all(|byte| byte.is_ascii_digit()))
}

fn classify_directory(path: &Path, name: &str) -> Result<EntryKind, Error> {
    let has_up = path.join("up.sql").is_file();
    let has_migration = path.join("migration.sql").is_file();
    let versioned = name.split_once('_').filter(|(version, rest)| {
        !version.is_empty()
            && version
                .bytes()
                .all(|byte| byte.is_ascii_digit() || byte == b'-')
            && version.bytes().any(|byte| byte.is_ascii_digit())
            && !rest.is_empty()
    });
    match (has_up, has_migration, versioned) {
        (true, false, Some((version, rest))) => Ok(EntryKind::DieselDirectory {
            version: version.to_owned(),
            name: rest.to_owned(),
        }),
        (false, true, Some((_, rest))) => Ok(EntryKind::PrismaDirectory {
            name: rest.to_owned(),
        }),
        (true, _, _) | (_, true, _) => Ok(EntryKind::OtherDirectory),
        (false, false, _) => {
            let read_dir = fs::read_dir(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
            let holds_sql = read_dir.flatten().any(|entry| {
                entry
                    .file_name()
                    .to_str()
                    .is_some_and(|name| name.ends_with(".sql"))
            });
            Ok(if holds_sql {
                EntryKind::OtherDirectory
            } else {
                EntryKind::Ignored
            })
        }
    }
}

/// A layout and how it was chosen, for error messages.
enum LayoutChoice {
    Named(Layout),
    /// Detected from the entry with this name.
    Detected(Layout, String),
}

impl LayoutChoice {
    fn layout(&self) -> Layout {
        match self {
            LayoutChoice::Named(layout) | LayoutChoice::Detected(layout, _) => *layout,
        }
    }
}

enum Fit {
    Yes,
    /// Not a migration of this layout, but the tool ignores it too.
    Ignore,
    No,
}

fn fits(layout: Layout, kind: &EntryKind) -> Fit {
    let is_file = matches!(
        kind,
        EntryKind::NumberedFile { .. }
            | EntryKind::VersionedFile { .. }
            | EntryKind::RepeatableFile
            | EntryKind::OtherSqlFile
    );
    match (layout, kind) {
        (_, EntryKind::Ignored) => Fit::Ignore,
        (Layout::Sqlx | Layout::Goose | Layout::Dbmate, EntryKind::NumberedFile { .. }) => Fit::Yes,
        // Rejected with its own message while reading.
        (Layout::Refinery, EntryKind::VersionedFile { .. } | EntryKind::RepeatableFile) => Fit::Yes,
        (Layout::Diesel, EntryKind::DieselDirectory { .. }) => Fit::Yes,
        (Layout::Prisma, EntryKind::PrismaDirectory { .. }) => Fit::Yes,
        (Layout::Diesel | Layout::Prisma, _) if is_file => Fit::Ignore,
        _ => Fit::No,
    }
}

/// The layout each kind of entry suggests, when it suggests one.
fn suggested_layout(kind: &EntryKind) -> Option<Layout> {
    match kind {
        EntryKind::NumberedFile { .. } => Some(Layout::Sqlx),
        EntryKind::VersionedFile { .. } | EntryKind::RepeatableFile => Some(Layout::Refinery),
        EntryKind::DieselDirectory { .. } => Some(Layout::Diesel),
        EntryKind::PrismaDirectory { .. } => Some(Layout::Prisma),
        EntryKind::Ignored | EntryKind::OtherSqlFile | EntryKind::OtherDirectory => None,
    }
}

fn detect(dir: &Path, entries: &[Entry]) -> Result<LayoutChoice, Error> {
    let first_of = |layout: Layout| {
        entries
            .iter()
            .position(|entry| suggested_layout(&entry.kind) == Some(layout))
    };
    let directory_layouts: Vec<(Layout, usize)> = [Layout::Diesel, Layout::Prisma]
        .into_iter()
        .filter_map(|layout| first_of(layout).map(|index| (layout, index)))
        .collect();
    let file_layouts: Vec<(Layout, usize)> = [Layout::Sqlx, Layout::Refinery]
        .into_iter()
        .filter_map(|layout| first_of(layout).map(|index| (layout, index)))
        .collect();
    // Diesel and Prisma ignore loose files, so a directory layout wins over them.
    let candidates = if directory_layouts.is_empty() {
        file_layouts
    } else {
        directory_layouts
    };
    let (layout, index) = match candidates.as_slice() {
        [] => {
            if let Some(entry) = entries
                .iter()
                .find(|entry| !matches!(entry.kind, EntryKind::Ignored))
            {
                return Err(Error::Layout(format!(
                    "{} fits no migrations layout: expected {}",
                    dir.join(&entry.name).display(),
                    Layout::ALL
                        .iter()
                        .map(|layout| format!("{} ({})", layout.name(), layout.expected()))
                        .collect::<Vec<_>>()
                        .join("; ")
                )));
            }
            return Err(Error::NoMigrations {
                dir: dir.to_path_buf(),
            });
        }
        [single] => *single,
        [(first, first_index), (second, second_index), ..] => {
            return Err(mixed(
                dir,
                (*first, &entries[*first_index]),
                (*second, &entries[*second_index]),
            ));
        }
    };
    if layout != Layout::Sqlx {
        return Ok(LayoutChoice::Detected(layout, entries[index].name.clone()));
    }
    // sqlx, goose and dbmate name files alike: the contents tell them apart.
    let mut goose = None;
    let mut dbmate = None;
    for (index, entry) in entries.iter().enumerate() {
        if !matches!(entry.kind, EntryKind::NumberedFile { .. }) {
            continue;
        }
        let text = read_text(&dir.join(&entry.name))?;
        if goose.is_none() && marker_lines(&text, is_goose_up).next().is_some() {
            goose = Some(index);
        }
        if dbmate.is_none() && marker_lines(&text, is_dbmate_up).next().is_some() {
            dbmate = Some(index);
        }
    }
    match (goose, dbmate) {
        (Some(goose), Some(dbmate)) => Err(mixed(
            dir,
            (Layout::Goose, &entries[goose]),
            (Layout::Dbmate, &entries[dbmate]),
        )),
        (Some(goose), None) => Ok(LayoutChoice::Detected(
            Layout::Goose,
            entries[goose].name.clone(),
        )),
        (None, Some(dbmate)) => Ok(LayoutChoice::Detected(
            Layout::Dbmate,
            entries[dbmate].name.clone(),
        )),
        (None, None) => Ok(LayoutChoice::Detected(
            Layout::Sqlx,
            entries[index].name.clone(),
        )),
    }
}

fn mixed(dir: &Path, first: (Layout, &Entry), second: (Layout, &Entry)) -> Error {
    Error::Layout(format!(
        "{} mixes two migrations layouts: {} ({}) and {} ({}); keep one layout per directory, or name the layout to use",
        dir.display(),
        first.0,
        first.1.name,
        second.0,
        second.1.name,
    ))
}

fn does_not_fit(dir: &Path, entry: &Entry, layout: &LayoutChoice) -> Error {
    let how = match layout {
        LayoutChoice::Named(_) => "as configured".to_owned(),
        LayoutChoice::Detected(_, from) => format!("detected from {from}"),
    };
    let layout = layout.layout();
    Error::Layout(format!(
        "{} does not fit the {layout} layout ({how}): expected {}",
        dir.join(&entry.name).display(),
        layout.expected()
    ))
}

/// The largest SQL file migrate reads: 64 MiB. A migration (or a
/// `query_file!` file) larger than that is an error naming it rather than a
/// build that reads on without end.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a file that migrate takes SQL (or a tool's settings) from: only a
/// regular file, or a symbolic link to one, of at most [`MAX_FILE_BYTES`].
///
/// A FIFO, a socket or a device (a symbolic link to `/dev/zero`) is an error
/// before it is opened, so that reading never blocks or runs on without end;
/// the size is checked before reading and bounded while reading (a file that
/// grows, or one whose size the system does not report).
pub fn read_sql_file(path: &Path) -> Result<String, Error> {
    use std::io::Read;

    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let metadata = fs::metadata(path).map_err(io_error)?;
    if !metadata.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
            kind: file_kind(&metadata.file_type()),
        });
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: metadata.len(),
        });
    }
    let file = fs::File::open(path).map_err(io_error)?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    String::from_utf8(bytes).map_err(|_| {
        io_error(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "stream did not contain valid UTF-8",
        ))
    })
}

/// What a path that is not a regular file is, in words.
fn file_kind(file_type: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_dir() {
        return "a directory";
    }
    "not a regular file"
}

fn read_text(path: &Path) -> Result<String, Error> {
    read_sql_file(path)
}

/// The text of a migration file without a leading byte order mark, and the
/// offset where that text starts in the file.
fn read_sql(path: &Path) -> Result<(String, usize), Error> {
    let text = read_text(path)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(stripped) => (stripped.to_owned(), '\u{feff}'.len_utf8()),
        None => (text, 0),
    })
}

fn new_migration(version: &str, name: &str, path: String) -> Migration {
    Migration::new(version.to_owned(), name.to_owned(), path, String::new())
}

/// Compares decimal numbers of any length without parsing them.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Flyway's version order: segments compared as numbers, missing ones as
/// zero, so that `1_10` follows `1_9` and `1.0` equals `1`.
fn compare_dotted(a: &str, b: &str) -> Ordering {
    let mut a_segments = a.split(['.', '_']);
    let mut b_segments = b.split(['.', '_']);
    loop {
        match (a_segments.next(), b_segments.next()) {
            (None, None) => return Ordering::Equal,
            (a_segment, b_segment) => {
                let ordering = compare_numbers(a_segment.unwrap_or("0"), b_segment.unwrap_or("0"));
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
        }
    }
}

/// Sorts `items` by `compare` on their version and fails on two equal ones.
fn sort_unique<T>(
    dir: &Path,
    items: &mut [T],
    version_of: impl Fn(&T) -> (&str, &str),
    compare: impl Fn(&str, &str) -> Ordering,
) -> Result<(), Error> {
    items.sort_by(|a, b| compare(version_of(a).0, version_of(b).0));
    for pair in items.windows(2) {
        let (first_version, first_path) = version_of(&pair[0]);
        let (second_version, second_path) = version_of(&pair[1]);
        if compare(first_version, second_version) == Ordering::Equal {
            return Err(Error::DuplicateVersion {
                version: second_version.to_owned(),
                first: dir.join(first_path),
                second: dir.join(second_path),
            });
        }
    }
    Ok(())
}

fn sqlx_migrations(dir: &Path, candidates: &[&Entry]) -> Result<Vec<Migration>, Error> {
    struct Found<'a> {
        version: &'a str,
        name: &'a str,
        file: &'a str,
    }
    let mut ups = Vec::new();
    let mut downs = Vec::new();
    for entry in candidates {
        let EntryKind::NumberedFile { version, rest } = &entry.kind else {
            continue;
        };
        if let Some(name) = rest.strip_suffix(".down") {
            downs.push(Found {
                version,
                name,
                file: &entry.name,
            });
        } else {
            let name = rest.strip_suffix(".up").unwrap_or(rest);
            ups.push(Found {
                version,
                name,
                file: &entry.name,
            });
        }
    }
    sort_unique(
        dir,
        &mut ups,
        |found| (found.version, found.file),
        compare_numbers,
    )?;
    sort_unique(
        dir,
        &mut downs,
        |found| (found.version, found.file),
        compare_numbers,
    )?;
    let mut migrations = Vec::with_capacity(ups.len());
    for up in &ups {
        let (text, offset) = read_sql(&dir.join(up.file))?;
        let mut migration = new_migration(up.version, up.name, up.file.to_owned());
        migration.transactional = !text.starts_with("-- no-transaction");
        migration.up = text;
        migration.up_offset = offset;
        if let Some(down) = downs
            .iter()
            .find(|down| compare_numbers(down.version, up.version) == Ordering::Equal)
        {
            migration.down = Some(read_sql(&dir.join(down.file))?.0);
        }
        migrations.push(migration);
    }
    if let Some(orphan) = downs.iter().find(|down| {
        !ups.iter()
            .any(|up| compare_numbers(down.version, up.version) == Ordering::Equal)
    }) {
        return Err(Error::Layout(format!(
            "{} is a down migration without its up migration: expected {}_{}.up.sql next to it",
            dir.join(orphan.file).display(),
            orphan.version,
            orphan.name
        )));
    }
    Ok(migrations)
}

fn refinery_migrations(dir: &Path, candidates: &[&Entry]) -> Result<Vec<Migration>, Error> {
    let mut found = Vec::new();
    for entry in candidates {
        match &entry.kind {
            EntryKind::VersionedFile { version, name } => found.push((version, name, &entry.name)),
            EntryKind::RepeatableFile => {
                return Err(Error::Layout(format!(
                    "{} is a Flyway repeatable migration, which migrate does not support: \
                     migrations are applied once each, in version order; give it a version \
                     (V<version>__<name>.sql) or apply it another way",
                    dir.join(&entry.name).display()
                )));
            }
            _ => {}
        }
    }
    sort_unique(
        dir,
        &mut found,
        |(version, _, file)| (version.as_str(), file.as_str()),
        compare_dotted,
    )?;
    let mut migrations = Vec::with_capacity(found.len());
    for (version, name, file) in found {
        let (text, offset) = read_sql(&dir.join(file))?;
        let mut migration = new_migration(version, name, file.clone());
        migration.up = text;
        migration.up_offset = offset;
        // Flyway's script configuration, `V1__x.sql.conf`.
        let config = dir.join(format!("{file}.conf"));
        if config.is_file() {
            migration.transactional = !read_text(&config)?.lines().any(|line| {
                line.split_once('=').is_some_and(|(key, value)| {
                    key.trim() == "executeInTransaction"
                        && value.trim().eq_ignore_ascii_case("false")
                })
            });
        }
        migrations.push(migration);
    }
    Ok(migrations)
}

/// diesel's `metadata.toml`.
#[derive(serde::Deserialize)]
struct DieselMetadata {
    #[serde(default = "default_true")]
    run_in_transaction: bool,
}

fn default_true() -> bool {
    true
}

fn directory_migrations(
    dir: &Path,
    candidates: &[&Entry],
    layout: Layout,
) -> Result<Vec<Migration>, Error> {
    let mut found = Vec::new();
    for entry in candidates {
        match &entry.kind {
            EntryKind::DieselDirectory { version, name } if layout == Layout::Diesel => {
                // diesel compares versions as text without their dashes.
                found.push((version.replace('-', ""), version, name, &entry.name));
            }
            // Prisma identifies a migration by its directory name and allows
            // two with the same timestamp, so the whole name is the version.
            EntryKind::PrismaDirectory { name, .. } if layout == Layout::Prisma => {
                found.push((entry.name.clone(), &entry.name, name, &entry.name));
            }
            _ => {}
        }
    }
    sort_unique(
        dir,
        &mut found,
        |(key, _, _, directory)| (key.as_str(), directory.as_str()),
        |a, b| a.cmp(b),
    )?;
    let mut migrations = Vec::with_capacity(found.len());
    for (_, version, name, directory) in found {
        let up_file = if layout == Layout::Diesel {
            "up.sql"
        } else {
            "migration.sql"
        };
        let path = dir.join(directory);
        let (text, offset) = read_sql(&path.join(up_file))?;
        let mut migration = new_migration(version, name, format!("{directory}/{up_file}"));
        migration.up = text;
        migration.up_offset = offset;
        if layout == Layout::Diesel {
            let down = path.join("down.sql");
            if down.is_file() {
                migration.down = Some(read_sql(&down)?.0);
            }
            let metadata_path = path.join("metadata.toml");
            if metadata_path.is_file() {
                let metadata: DieselMetadata = toml::from_str(&read_text(&metadata_path)?)
                    .map_err(|error| {
                        Error::Layout(format!(
                            "{}: invalid metadata.toml: {}",
                            metadata_path.display(),
                            error.message()
                        ))
                    })?;
                migration.transactional = metadata.run_in_transaction;
            }
        }
        migrations.push(migration);
    }
    Ok(migrations)
}

/// The byte ranges of the lines of `text` that `is_marker` accepts.
fn marker_lines<'a>(
    text: &'a str,
    is_marker: impl Fn(&str) -> bool + 'a,
) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        while start < text.len() {
            let end = text[start..]
                .find('\n')
                .map_or(text.len(), |newline| start + newline + 1);
            let line = start..end;
            start = end;
            if is_marker(text[line.clone()].trim()) {
                return Some(line);
            }
        }
        None
    })
}

/// The command of a `-- +goose <command>` line, lower-cased; goose reads
/// its annotations case-insensitively.
fn goose_command(line: &str) -> Option<String> {
    let rest = line.strip_prefix("--")?.trim_start();
    let command = rest.strip_prefix("+goose")?;
    Some(command.trim().to_ascii_lowercase())
}

fn is_goose_up(line: &str) -> bool {
    goose_command(line).is_some_and(|command| command == "up")
}

fn is_goose_down(line: &str) -> bool {
    goose_command(line).is_some_and(|command| command == "down")
}

fn is_goose_no_transaction(line: &str) -> bool {
    goose_command(line).is_some_and(|command| command == "no transaction")
}

/// The options of a `-- migrate:<direction> [option:value ...]` line.
fn dbmate_options<'a>(line: &'a str, direction: &str) -> Option<&'a str> {
    let rest = line.strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("migrate:")?;
    let options = rest.strip_prefix(direction)?;
    (options.is_empty() || options.starts_with(char::is_whitespace)).then_some(options)
}

fn is_dbmate_up(line: &str) -> bool {
    dbmate_options(line, "up").is_some()
}

fn is_dbmate_down(line: &str) -> bool {
    dbmate_options(line, "down").is_some()
}

/// The 1-based line of byte `offset` in `text`.
fn line_number(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The text from the end of `marker` to the next of `others` (or the end).
fn section(
    text: &str,
    marker: &std::ops::Range<usize>,
    others: &[usize],
) -> std::ops::Range<usize> {
    let end = others
        .iter()
        .copied()
        .filter(|&other| other >= marker.end)
        .min()
        .unwrap_or(text.len());
    marker.end..end
}

fn sectioned_migrations(
    dir: &Path,
    candidates: &[&Entry],
    layout: Layout,
) -> Result<Vec<Migration>, Error> {
    let mut found = Vec::new();
    for entry in candidates {
        if let EntryKind::NumberedFile { version, rest } = &entry.kind {
            found.push((version, rest, &entry.name));
        }
    }
    if layout == Layout::Goose {
        sort_unique(
            dir,
            &mut found,
            |(version, _, file)| (version.as_str(), file.as_str()),
            compare_numbers,
        )?;
    } else {
        // dbmate applies files in the order of their names, and identifies
        // them by the version as written.
        found.sort_by(|a, b| a.2.cmp(b.2));
        let mut by_version: Vec<_> = found.iter().collect();
        sort_unique(
            dir,
            &mut by_version,
            |(version, _, file)| (version.as_str(), file.as_str()),
            |a, b| a.cmp(b),
        )?;
    }
    if layout == Layout::Goose
        && let Some((_, _, file)) = found
            .iter()
            .find(|(version, _, _)| version.bytes().all(|byte| byte == b'0'))
    {
        return Err(Error::Layout(format!(
            "{}: goose versions start at 1",
            dir.join(file).display()
        )));
    }
    let mut migrations = Vec::with_capacity(found.len());
    for (version, name, file) in found {
        let path = dir.join(file);
        let (text, offset) = read_sql(&path)?;
        let mut migration = new_migration(version, name, file.clone());
        let (ups, downs): (Vec<_>, Vec<_>) = if layout == Layout::Goose {
            (
                marker_lines(&text, is_goose_up).collect(),
                marker_lines(&text, is_goose_down).collect(),
            )
        } else {
            (
                marker_lines(&text, is_dbmate_up).collect(),
                marker_lines(&text, is_dbmate_down).collect(),
            )
        };
        let marker = if layout == Layout::Goose {
            "-- +goose Up"
        } else {
            "-- migrate:up"
        };
        let up_marker = match ups.as_slice() {
            [up] => up.clone(),
            [] => {
                return Err(Error::Layout(format!(
                    "{} has no `{marker}` line: {layout} would apply nothing from it",
                    path.display()
                )));
            }
            [_, second, ..] => {
                let line = line_number(&text, second.start);
                return Err(Error::Layout(format!(
                    "{}:{line}: a second `{marker}` line: a file holds one up section",
                    path.display()
                )));
            }
        };
        let starts: Vec<usize> = ups.iter().chain(&downs).map(|line| line.start).collect();
        let first_marker = starts.iter().copied().min().unwrap_or(up_marker.start);
        // SQL outside the sections would be silently skipped: refuse it.
        if let Some(statement) = split_statements(&text[..first_marker]).first() {
            let line = line_number(&text, statement.span.start);
            return Err(Error::Layout(format!(
                "{}:{line}: SQL before the `{marker}` line, which {layout} does not apply: move it into the up section",
                path.display()
            )));
        }
        if layout == Layout::Dbmate
            && let Some(down) = downs.first()
            && down.start < up_marker.start
        {
            return Err(Error::Layout(format!(
                "{}: `-- migrate:down` comes before `-- migrate:up`; dbmate requires the up section first",
                path.display()
            )));
        }
        let up = section(&text, &up_marker, &starts);
        migration.up = text[up.clone()].to_owned();
        migration.up_offset = offset + up.start;
        migration.lines_before_up = text[..up.start].matches('\n').count();
        if let Some(down_marker) = downs.first() {
            let down = section(&text, down_marker, &starts);
            migration.down = Some(text[down].to_owned());
        }
        migration.transactional = if layout == Layout::Goose {
            marker_lines(&text, is_goose_no_transaction)
                .next()
                .is_none()
        } else {
            let options = dbmate_options(text[up_marker.clone()].trim(), "up").unwrap_or("");
            !options
                .split_whitespace()
                .any(|option| option.eq_ignore_ascii_case("transaction:false"))
        };
        migrations.push(migration);
    }
    Ok(migrations)
}
