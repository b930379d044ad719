//! Hashes the sources the macros' output depends on, for the key of the
//! entries `src/cache.rs` keeps across rebuilds: this crate's, and those of
//! `migrate-build` and `migrate-core` when they are beside it (a workspace
//! or a git checkout, where they change without a new version). A published
//! version's sources never change, and its version is in the key too.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let mut hasher = DefaultHasher::new();
    for dir in [
        manifest.join("src"),
        manifest.join("../migrate-build/src"),
        manifest.join("../migrate-core/src"),
    ] {
        if dir.is_dir() {
            println!("cargo:rerun-if-changed={}", dir.display());
            hash_dir(&dir, &dir, &mut hasher);
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!(
        "cargo:rustc-env=MIGRATE_MACROS_SOURCES={:016x}",
        hasher.finish()
    );
}

/// Every file under `dir`, in a fixed order: its path below `root`, then
/// its bytes.
fn hash_dir(root: &Path, dir: &Path, hasher: &mut DefaultHasher) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|entry| entry.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            hash_dir(root, &path, hasher);
        } else if let Ok(bytes) = std::fs::read(&path) {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            hasher.write(relative.to_string_lossy().as_bytes());
            hasher.write_usize(bytes.len());
            hasher.write(&bytes);
        }
    }
}
