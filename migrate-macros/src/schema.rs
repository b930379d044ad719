//! Where the macros get the schema from, loaded once per compiler process.
//!
//! 1. `$OUT_DIR/migrate/schema.json`, written by `migrate_build::compile()`
//!    in the crate's build script.
//! 2. Otherwise `MIGRATE_MIGRATIONS_DIR` (absolute, or relative to the
//!    crate's `CARGO_MANIFEST_DIR`), with the optional `MIGRATE_LAYOUT`: the
//!    macros fold that directory themselves. For tests (trybuild runs no
//!    build script) and for crates without a build script.
//!
//! Either is cached in a static keyed by its path and modification time, so
//! a crate with 500 queries loads or folds its schema once, and a long-lived
//! process (rust-analyzer) sees edits.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use migrate_core::Schema;

/// The environment variable naming a migrations directory to fold instead of
/// reading what a build script wrote.
pub const MIGRATIONS_DIR_VAR: &str = "MIGRATE_MIGRATIONS_DIR";
/// The layout of the directory in `MIGRATE_MIGRATIONS_DIR` (detected when unset).
pub const LAYOUT_VAR: &str = "MIGRATE_LAYOUT";

type Cached = (Option<SystemTime>, Result<Arc<Schema>, String>);

fn cache() -> &'static Mutex<HashMap<PathBuf, Cached>> {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Cached>>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The schema the macros check against, or the error message to show.
pub fn load() -> Result<Arc<Schema>, String> {
    let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
    let written = out_dir
        .as_ref()
        .map(|dir| dir.join("migrate").join("schema.json"));
    if let Some(path) = &written
        && let Ok(metadata) = std::fs::metadata(path)
    {
        return cached(path, metadata.modified().ok(), || read_schema(path));
    }
    if let Some(dir) = std::env::var_os(MIGRATIONS_DIR_VAR) {
        let dir = match std::env::var_os("CARGO_MANIFEST_DIR") {
            Some(base) => Path::new(&base).join(dir),
            None => PathBuf::from(dir),
        };
        let layout = std::env::var(LAYOUT_VAR).ok();
        return cached(&dir, newest_mtime(&dir), || {
            fold_dir(&dir, layout.as_deref())
        });
    }
    match written {
        Some(path) => Err(format!(
            "{} not found: the build script of this crate does not call migrate_build::compile(); \
             add `migrate_build::compile();` to `fn main()` in build.rs \
             (or set {MIGRATIONS_DIR_VAR} to the migrations directory)",
            path.display()
        )),
        None => Err(no_build_script()),
    }
}

/// The directory the build script wrote into (`$OUT_DIR/migrate`), and the
/// file in it that holds the SHA-256 of the schema it wrote there
/// (`schema.sha256`, written beside `schema.json`); `None` without
/// `OUT_DIR`.
pub fn digest_file() -> Option<(PathBuf, PathBuf)> {
    let dir = PathBuf::from(std::env::var_os("OUT_DIR")?).join("migrate");
    let file = dir.join("schema.sha256");
    Some((dir, file))
}

/// The SHA-256 in `file` (see [`digest_file`]), as hex; `None` when it is
/// missing or not one.
pub fn read_digest(file: &Path) -> Option<String> {
    let digest = std::fs::read_to_string(file).ok()?;
    let digest = digest.trim();
    (digest.len() == 64 && digest.bytes().all(|byte| byte.is_ascii_hexdigit()))
        .then(|| digest.to_owned())
}

fn read_schema(path: &Path) -> Result<Schema, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    serde_json::from_str(&text).map_err(|error| {
        format!(
            "cannot parse {} ({error}): is migrate-build the same version as migrate?",
            path.display()
        )
    })
}

fn no_build_script() -> String {
    format!(
        "migrate's query macros check SQL against the schema your migrations build, and this crate has no build script that folds them.\n\
         Add to Cargo.toml:\n    [build-dependencies]\n    migrate-build = \"0.1\"\n\
         and a build.rs next to it:\n    fn main() {{ migrate_build::compile(); }}\n\
         (or set the environment variable {MIGRATIONS_DIR_VAR} to the migrations directory)"
    )
}

fn cached(
    key: &Path,
    stamp: Option<SystemTime>,
    load: impl FnOnce() -> Result<Schema, String>,
) -> Result<Arc<Schema>, String> {
    // A poisoned lock only means another expansion panicked; the map is still sound.
    let mut cache = cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((cached_stamp, schema)) = cache.get(key)
        && *cached_stamp == stamp
    {
        return schema.clone();
    }
    let schema = load().map(Arc::new);
    cache.insert(key.to_path_buf(), (stamp, schema.clone()));
    schema
}

/// The newest modification time of a directory and the files in it (one level
/// deep, as the layouts nest at most one level).
fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    let mut newest = std::fs::metadata(dir).and_then(|m| m.modified()).ok();
    let mut stack = vec![(dir.to_path_buf(), 0)];
    while let Some((current, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if let Ok(modified) = metadata.modified() {
                newest = newest.max(Some(modified));
            }
            if metadata.is_dir() && depth < 2 {
                stack.push((entry.path(), depth + 1));
            }
        }
    }
    newest
}

fn fold_dir(dir: &Path, layout: Option<&str>) -> Result<Schema, String> {
    let layout = match layout {
        Some(name) => Some(
            name.parse::<migrate_build::discover::Layout>()
                .map_err(|error| format!("{LAYOUT_VAR}: {error}"))?,
        ),
        None => None,
    };
    if !dir.is_dir() {
        return Err(format!(
            "{MIGRATIONS_DIR_VAR} names {}, which is not a directory",
            dir.display()
        ));
    }
    let base = dir.parent().unwrap_or(dir);
    migrate_build::builder::fold_directory(dir, layout, base)
        .map(|folded| folded.schema)
        .map_err(|error| format!("the migrations in {} do not fold:\n{error}", dir.display()))
}
