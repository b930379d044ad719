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
/// Without a build script: the PostgreSQL types mapped to Rust types, as
/// the JSON object a build script writes (`{"task_status": "crate::TaskStatus"}`).
pub const TYPES_VAR: &str = "MIGRATE_TYPES";

/// PostgreSQL types mapped to Rust types by the project: what the build
/// script wrote from `[package.metadata.migrate.types]`, or `MIGRATE_TYPES`.
#[derive(Debug, Default)]
pub struct TypeMap {
    /// (schema, name, Rust type); the schema is `None` for an unqualified
    /// name, which means `public` or a built-in type.
    entries: Vec<(Option<String>, String, String)>,
}

impl TypeMap {
    fn parse(json: &str) -> Result<Self, String> {
        let map: std::collections::BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|error| {
                format!("the mapped types are not a JSON object of strings: {error}")
            })?;
        let entries = map
            .into_iter()
            .map(|(sql, rust)| match sql.split_once('.') {
                Some((schema, name)) => (Some(schema.to_owned()), name.to_owned(), rust),
                None => (None, sql, rust),
            })
            .collect();
        Ok(Self { entries })
    }

    /// Adds the mappings of derives, but for SQL types the project already
    /// mapped.
    fn add_derived(&mut self, derived: &[crate::derived::Derived]) {
        for mapping in derived {
            let (schema, name) = match mapping.sql_type.split_once('.') {
                Some((schema, name)) => (Some(schema.to_owned()), name.to_owned()),
                None => (None, mapping.sql_type.clone()),
            };
            let taken = self.entries.iter().any(|(s, n, _)| {
                *n == name
                    && (s == &schema
                        || s.as_deref().unwrap_or("public")
                            == schema.as_deref().unwrap_or("public"))
            });
            if !taken {
                self.entries.push((schema, name, mapping.rust_type.clone()));
            }
        }
    }

    /// The Rust type the project maps `ty` (an element type) to.
    pub fn get(&self, ty: &migrate_core::SqlType) -> Option<&str> {
        self.entries
            .iter()
            .find(|(schema, name, _)| {
                *name == ty.name
                    && match schema {
                        Some(schema) => *schema == ty.schema,
                        None => ty.schema == "public" || ty.is_builtin(),
                    }
            })
            .map(|(_, _, rust)| rust.as_str())
    }
}

/// The mapped types, read once per compiler process and crate (a proc
/// macro server may serve several crates).
pub fn types() -> Result<Arc<TypeMap>, String> {
    type Loaded = (String, Result<Arc<TypeMap>, String>);
    static TYPES: Mutex<Option<Loaded>> = Mutex::new(None);
    let written = std::env::var_os("OUT_DIR")
        .map(|dir| PathBuf::from(dir).join("migrate").join("types.json"));
    let from_env = std::env::var(TYPES_VAR).ok();
    let key = format!("{written:?} {from_env:?}");
    let mut loaded = TYPES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((loaded_key, types)) = &*loaded
        && *loaded_key == key
    {
        return types.clone();
    }
    let types = match (written, from_env) {
        (Some(path), _) if path.is_file() => std::fs::read_to_string(&path)
            .map_err(|error| error.to_string())
            .and_then(|text| TypeMap::parse(&text))
            .map_err(|error| format!("{}: {error}", path.display())),
        (_, Some(text)) => TypeMap::parse(&text).map_err(|error| format!("{TYPES_VAR}: {error}")),
        _ => Ok(TypeMap::default()),
    };
    let types = types.map(|mut types| {
        types.add_derived(derived());
        Arc::new(types)
    });
    *loaded = Some((key, types.clone()));
    types
}

/// The types the crate's library maps by their derive alone (see
/// [`crate::derived`]), found once per compiler process and crate.
pub fn derived() -> &'static [crate::derived::Derived] {
    type Found = HashMap<String, &'static [crate::derived::Derived]>;
    static FOUND: Mutex<Option<Found>> = Mutex::new(None);
    let Some(manifest_dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return &[];
    };
    let crate_name = std::env::var("CARGO_CRATE_NAME").unwrap_or_default();
    let is_binary = std::env::var_os("CARGO_BIN_NAME").is_some();
    let key = format!("{manifest_dir:?} {crate_name} {is_binary}");
    let mut found = FOUND
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let found = found.get_or_insert_with(HashMap::new);
    found.entry(key).or_insert_with(|| {
        let scanned = crate::derived::scan(Path::new(&manifest_dir), &crate_name, is_binary);
        // Kept for the life of the process, as the schema is.
        Box::leak(scanned.into_boxed_slice())
    })
}

/// The derive-found mappings as text, for [`crate::cache`]'s key.
pub fn derived_fingerprint() -> String {
    derived()
        .iter()
        .map(|mapping| format!("{}={}\n", mapping.sql_type, mapping.rust_type))
        .collect()
}

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
