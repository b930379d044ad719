//! What each query's check found, kept across rebuilds.
//!
//! rustc keeps no proc macro output: every rebuild of a crate expands every
//! query again, and parsing and checking the SQL was the largest part of
//! that. The result ([`Prepared`]) depends only on the SQL, the schema and
//! the macros' own code, so it is kept in
//! `$OUT_DIR/migrate/prepared/<key>`, where the key hashes all three:
//!
//! - the SQL, as the macro got it;
//! - the schema, as the build script wrote it (`schema.json`, hashed once
//!   per compiler process);
//! - the code: a hash of the sources of `migrate-macros`, `migrate-build`
//!   and `migrate-core` that this crate's build script takes (when they are
//!   beside it, as in the workspace or a git checkout), their versions, and
//!   the features that choose Rust types.
//!
//! Only a clean result is kept: a query with an error or a warning is
//! checked again on every build, so its diagnostics are never lost. Without
//! a build script (`MIGRATE_MIGRATIONS_DIR`) nothing is kept. Writes go to a
//! temporary file renamed into place, so two compilers of one crate (check
//! and build) never read half an entry; a file that does not read back as
//! an entry is a miss.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::expand::{Getter, Param, Prepared};
use crate::schema;

/// Changes when the format of an entry does.
const FORMAT: &str = "migrate-prepared 3";

/// Where one query's entry is.
pub struct Key {
    path: PathBuf,
}

impl Key {
    /// The entry of `sql` against the schema the build script wrote, or
    /// `None` when there is no such schema (nothing is kept then).
    pub fn new(sql: &str) -> Option<Self> {
        let (dir, digest_file) = schema::digest_file()?;
        let mut hasher = shared_prefix(&dir, &digest_file)?;
        // Types mapped by a derive alone choose Rust types as the manifest's do.
        hash_part(&mut hasher, &schema::derived_fingerprint());
        hash_part(&mut hasher, sql);
        Some(Self::named(&dir, hasher))
    }

    /// The entry of `sql` against the schema of SHA-256 `schema`, under
    /// `dir`.
    #[cfg(test)]
    fn in_dir(dir: &Path, schema: &str, sql: &str) -> Self {
        let mut hasher = prefix(schema);
        hash_part(&mut hasher, sql);
        Self::named(dir, hasher)
    }

    /// The entry under `dir` named by the first half of what `hasher`
    /// hashed, in hex.
    fn named(dir: &Path, hasher: Sha256) -> Self {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let digest = hasher.finalize();
        let mut name = String::with_capacity(32);
        for byte in &digest[..16] {
            name.push(char::from(HEX[usize::from(byte >> 4)]));
            name.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
        Self {
            path: dir.join("prepared").join(name),
        }
    }

    /// The entry, if one was kept and reads back whole.
    pub fn load(&self) -> Option<Prepared> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        parse(&text)
    }

    /// Keeps `prepared` if it is clean. Failing to write only costs the next
    /// build the check, so errors are ignored.
    pub fn store(&self, prepared: &Prepared) {
        let Some(text) = render(prepared) else {
            return;
        };
        let Some(dir) = self.path.parent() else {
            return;
        };
        let _ = std::fs::create_dir_all(dir);
        let temporary = self
            .path
            .with_extension(format!("{}.tmp", std::process::id()));
        if std::fs::write(&temporary, text).is_ok()
            && std::fs::rename(&temporary, &self.path).is_err()
        {
            let _ = std::fs::remove_file(&temporary);
        }
    }
}

/// What every key of the schema of SHA-256 `schema` hashes before its SQL.
fn prefix(schema: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    for part in [
        FORMAT,
        env!("MIGRATE_MACROS_SOURCES"),
        env!("CARGO_PKG_VERSION"),
        migrate_build::VERSION,
        migrate_core::VERSION,
        crate::types::FEATURES,
        schema,
    ] {
        hash_part(&mut hasher, part);
    }
    hasher
}

/// One part of a key, delimited by its length.
fn hash_part(hasher: &mut Sha256, part: &str) {
    hasher.update(part.len().to_le_bytes());
    hasher.update(part.as_bytes());
}

/// [`prefix`] of the schema the build script wrote, hashed once per
/// written schema: the digest file is read again only when its
/// modification time changes (a long-lived process such as rust-analyzer
/// sees rebuilds). `None` without a digest.
fn shared_prefix(dir: &Path, digest_file: &Path) -> Option<Sha256> {
    type Shared = Option<(PathBuf, SystemTime, Sha256)>;
    static SHARED: Mutex<Shared> = Mutex::new(None);
    let stamp = std::fs::metadata(digest_file)
        .and_then(|metadata| metadata.modified())
        .ok()?;
    // A poisoned lock only means another expansion panicked; the value is
    // still sound.
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((shared_dir, shared_stamp, hasher)) = &*shared
        && shared_dir == dir
        && *shared_stamp == stamp
    {
        return Some(hasher.clone());
    }
    let hasher = prefix(&schema::read_digest(digest_file)?);
    *shared = Some((dir.to_owned(), stamp, hasher.clone()));
    Some(hasher)
}

/// One line per parameter (`p <0 driver, 1 lenient, 2 mapped> <wire type or ?> <type>`) and per column
/// (`c <plain> <name>\t<type>\t<read>`), between the format line and
/// `end` (so that a cut entry is not taken for a shorter one); `None` for
/// a result with an error or a warning, or with a tab or line break in a
/// name (the format has no escapes).
fn render(prepared: &Prepared) -> Option<String> {
    if !prepared.warnings.is_empty() {
        return None;
    }
    let mut text = format!("{FORMAT}\n");
    for param in &prepared.params {
        let param = param.as_ref().ok()?;
        if has_separator(&param.ty) {
            return None;
        }
        let flag = match (param.lenient, param.mapped) {
            (true, _) => 1,
            (false, true) => 2,
            (false, false) => 0,
        };
        let wire = param.wire.as_deref().unwrap_or("?");
        if wire.contains(' ') {
            return None;
        }
        let _ = writeln!(text, "p {flag} {wire} {}", param.ty);
    }
    for getter in &prepared.getters {
        let getter = getter.as_ref().ok()?;
        if [&getter.name, &getter.ty, &getter.read]
            .iter()
            .any(|part| has_separator(part))
        {
            return None;
        }
        let _ = writeln!(
            text,
            "c {} {}\t{}\t{}",
            if getter.wildcard {
                2
            } else {
                u8::from(getter.plain)
            },
            getter.name,
            getter.ty,
            getter.read
        );
    }
    text.push_str("end\n");
    Some(text)
}

fn has_separator(text: &str) -> bool {
    text.contains(['\t', '\n', '\r'])
}

fn parse(text: &str) -> Option<Prepared> {
    let mut lines = text.lines();
    if lines.next()? != FORMAT {
        return None;
    }
    let mut prepared = Prepared {
        params: Vec::new(),
        getters: Vec::new(),
        warnings: Vec::new(),
    };
    for line in lines.by_ref() {
        if line == "end" {
            return lines.next().is_none().then_some(prepared);
        }
        let (kind, rest) = line.split_once(' ')?;
        let (flag, rest) = rest.split_once(' ')?;
        let (flag, mapped) = match flag {
            "0" => (false, false),
            "1" => (true, false),
            // A parameter's mapped type, a column's wildcard.
            "2" => (false, true),
            _ => return None,
        };
        match kind {
            "p" if prepared.getters.is_empty() => {
                let (wire, ty) = rest.split_once(' ')?;
                prepared.params.push(Ok(Param {
                    ty: ty.to_owned(),
                    lenient: flag,
                    mapped,
                    wire: (wire != "?").then(|| wire.to_owned()),
                }));
            }
            "c" => {
                let mut parts = rest.split('\t');
                let (Some(name), Some(ty), Some(read), None) =
                    (parts.next(), parts.next(), parts.next(), parts.next())
                else {
                    return None;
                };
                prepared.getters.push(Ok(Getter {
                    name: name.to_owned(),
                    ty: ty.to_owned(),
                    read: read.to_owned(),
                    plain: flag,
                    wildcard: mapped,
                }));
            }
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Prepared {
        Prepared {
            params: vec![
                Ok(Param {
                    ty: "i64".to_owned(),
                    lenient: false,
                    mapped: false,
                    wire: Some("int8".to_owned()),
                }),
                Ok(Param {
                    ty: "::std::string::String".to_owned(),
                    lenient: true,
                    mapped: false,
                    wire: None,
                }),
                Ok(Param {
                    ty: "crate::TaskStatus".to_owned(),
                    lenient: false,
                    mapped: true,
                    wire: None,
                }),
            ],
            getters: vec![
                Ok(Getter {
                    name: "display name".to_owned(),
                    ty: "::core::option::Option<i32>".to_owned(),
                    read: "::migrate::__private::get(row, 0)?".to_owned(),
                    plain: true,
                    wildcard: false,
                }),
                Ok(Getter {
                    name: "embedding".to_owned(),
                    ty: "_".to_owned(),
                    read: "::migrate::__private::get_lenient(row, 1)?".to_owned(),
                    plain: false,
                    wildcard: true,
                }),
            ],
            warnings: Vec::new(),
        }
    }

    fn lines(prepared: &Prepared) -> Vec<String> {
        let params = prepared.params.iter().map(|param| {
            param.as_ref().map(|param| {
                format!(
                    "{} {} {:?} {}",
                    param.lenient, param.mapped, param.wire, param.ty
                )
            })
        });
        let getters = prepared.getters.iter().map(|getter| {
            getter.as_ref().map(|getter| {
                format!(
                    "{} {} {} {} {}",
                    getter.plain, getter.wildcard, getter.name, getter.ty, getter.read
                )
            })
        });
        params
            .chain(getters)
            .map(|line| line.unwrap_or_else(|error| error.clone()))
            .collect()
    }

    #[test]
    fn the_key_changes_with_the_schema_and_the_sql() {
        let dir = Path::new("out");
        let schema = "a".repeat(64);
        let other_schema = "b".repeat(64);
        let sql = "SELECT 1";
        let key = Key::in_dir(dir, &schema, sql).path;
        assert_eq!(key, Key::in_dir(dir, &schema, sql).path);
        assert!(key.starts_with("out/prepared"));
        assert_ne!(key, Key::in_dir(dir, &other_schema, sql).path);
        assert_ne!(key, Key::in_dir(dir, &schema, "SELECT 2").path);
        // Parts are delimited: moving text from one to the next is another key.
        assert_ne!(
            Key::in_dir(dir, "ab", "c").path,
            Key::in_dir(dir, "a", "bc").path
        );
    }

    #[test]
    fn an_entry_reads_back_as_it_was_written() {
        let prepared = sample();
        let text = render(&prepared).expect("a clean result is kept");
        let read = parse(&text).expect("an entry reads back");
        assert_eq!(lines(&read), lines(&prepared));
    }

    #[test]
    fn results_with_errors_or_separators_are_not_kept() {
        let mut with_error = sample();
        with_error.params.push(Err("no Rust type".to_owned()));
        assert!(render(&with_error).is_none());
        let mut with_tab = sample();
        with_tab.getters[0].as_mut().unwrap().name = "a\tb".to_owned();
        assert!(render(&with_tab).is_none());
    }

    #[test]
    fn a_damaged_entry_is_a_miss() {
        let text = render(&sample()).unwrap();
        for cut in 1..text.len() - 1 {
            assert!(parse(&text[..cut]).is_none(), "{:?}", &text[..cut]);
        }
        assert!(parse("migrate-prepared 0\n").is_none());
        assert!(parse(&text.replace("c 1", "c 3")).is_none());
        assert!(parse(&text.replace('\t', " ")).is_none());
    }
}
