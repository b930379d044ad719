//! Types mapped by their derive alone: a `#[derive(migrate::Enum)]` or
//! `#[derive(migrate::Composite)]` with `#[migrate(type_name = "..")]` in
//! the package's library maps that PostgreSQL type to itself, as if
//! `[package.metadata.migrate.types]` named it (which wins where both do).
//!
//! The library's sources are read once per compiler process: every file
//! under `src/` but the binaries' (`src/main.rs`, `src/bin/`), its module
//! path taken from its place (`src/a/b.rs` and `src/a/b/mod.rs` are
//! `a::b`), and only files that contain `type_name` are parsed, with syn,
//! inline modules followed. A query of the library names the type
//! `crate::a::b::T`; one of another target of the package (a binary, an
//! integration test) `::library::a::b::T`. So the type must be public
//! along that path; a module declared with `#[path]` is not followed.

use std::path::{Path, PathBuf};

/// One mapping found: the PostgreSQL type and the Rust type's path, as
/// code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub sql_type: String,
    pub rust_type: String,
}

/// The mappings of the package at `manifest_dir`, for the target being
/// compiled (`crate_name`, and whether it is a binary), sorted by SQL
/// type. Files that cannot be read or parsed are left out (the compiler
/// reports what is wrong in them).
pub fn scan(manifest_dir: &Path, crate_name: &str, is_binary: bool) -> Vec<Derived> {
    let src = manifest_dir.join("src");
    let Some(library) = library_name(manifest_dir) else {
        return Vec::new();
    };
    if !src.join("lib.rs").is_file() {
        return Vec::new();
    }
    let root = if crate_name == library && !is_binary {
        "crate".to_owned()
    } else {
        format!("::{library}")
    };
    let mut files = Vec::new();
    collect_files(&src, &src, &mut files);
    files.sort();
    let mut found = Vec::new();
    for (file, module) in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        if !text.contains("type_name") {
            continue;
        }
        let Ok(parsed) = syn::parse_file(&text) else {
            continue;
        };
        let mut path = vec![root.clone()];
        path.extend(module);
        find_in_items(&parsed.items, &mut path, &mut found);
    }
    found.sort_by(|a, b| a.sql_type.cmp(&b.sql_type));
    found.dedup_by(|a, b| a.sql_type == b.sql_type);
    found
}

/// The library's crate name: `[lib] name` in Cargo.toml, else the
/// package's name with `-` as `_`.
fn library_name(manifest_dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(manifest_dir.join("Cargo.toml")).ok()?;
    let mut section = "";
    let mut package_name = None;
    let mut library_name = None;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() != "name" {
            continue;
        }
        let value = value.trim().trim_matches('"').to_owned();
        match section {
            "[package]" => package_name = Some(value),
            "[lib]" => library_name = Some(value),
            _ => {}
        }
    }
    library_name
        .or(package_name)
        .map(|name| name.replace('-', "_"))
}

/// The `.rs` files under `dir` with their module paths, the binaries' left
/// out.
fn collect_files(src: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<String>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(src) else {
            continue;
        };
        if path.is_dir() {
            if relative != Path::new("bin") {
                collect_files(src, &path, out);
            }
            continue;
        }
        if path.extension().is_none_or(|ext| ext != "rs") || relative == Path::new("main.rs") {
            continue;
        }
        let mut module: Vec<String> = relative
            .with_extension("")
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        if module
            .last()
            .is_some_and(|last| last == "mod" || last == "lib")
        {
            module.pop();
        }
        out.push((path, module));
    }
}

/// The derives among `items`, inline modules followed.
fn find_in_items(items: &[syn::Item], path: &mut Vec<String>, found: &mut Vec<Derived>) {
    for item in items {
        let (attrs, ident) = match item {
            syn::Item::Enum(item) => (&item.attrs, &item.ident),
            syn::Item::Struct(item) => (&item.attrs, &item.ident),
            syn::Item::Mod(module) => {
                if let Some((_, content)) = &module.content {
                    path.push(module.ident.to_string());
                    find_in_items(content, path, found);
                    path.pop();
                }
                continue;
            }
            _ => continue,
        };
        if !derives_migrate_type(attrs) {
            continue;
        }
        if let Some(sql_type) = type_name(attrs) {
            found.push(Derived {
                sql_type,
                rust_type: format!("{}::{ident}", path.join("::")),
            });
        }
    }
}

/// `#[derive(.., migrate::Enum | migrate::Composite | Enum | Composite, ..)]`.
fn derives_migrate_type(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        if !attr.path().is_ident("derive") {
            return false;
        }
        let mut derives = false;
        let _ = attr.parse_nested_meta(|meta| {
            let segments: Vec<String> = meta
                .path
                .segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect();
            derives |= matches!(
                segments
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .as_slice(),
                ["migrate", "Enum" | "Composite"] | ["Enum" | "Composite"]
            );
            Ok(())
        });
        derives
    })
}

/// The `type_name` of `#[migrate(type_name = "..")]`.
fn type_name(attrs: &[syn::Attribute]) -> Option<String> {
    let mut name = None;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("migrate")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("type_name") {
                let value: syn::LitStr = meta.value()?.parse()?;
                name = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_derives_with_their_module_paths() {
        let dir = std::env::temp_dir().join(format!("migrate-derived-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/model")).unwrap();
        std::fs::create_dir_all(dir.join("src/bin")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"my-app\"\n\n[dependencies]\nname = \"x\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/lib.rs"),
            "pub mod model;\n#[derive(migrate::Enum)]\n#[migrate(type_name = \"mood\", rename_all = \"lowercase\")]\npub enum Mood { Happy }\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/model/mod.rs"),
            "pub mod inner { use migrate::Composite; #[derive(Debug, Composite)] #[migrate(type_name = \"billing.pair\")] pub struct Pair { a: i32 } }\n\
             #[derive(enum_map::Enum)] #[migrate(type_name = \"other\")] pub enum NotOurs { A }\n\
             #[derive(migrate::Enum)] pub enum NoName { A }\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("src/bin/tool.rs"),
            "#[derive(migrate::Enum)] #[migrate(type_name = \"bin_only\")] enum B { A }",
        )
        .unwrap();
        let shown = |found: Vec<Derived>| -> Vec<String> {
            found
                .iter()
                .map(|d| format!("{} = {}", d.sql_type, d.rust_type))
                .collect()
        };
        assert_eq!(
            shown(scan(&dir, "my_app", false)),
            [
                "billing.pair = crate::model::inner::Pair",
                "mood = crate::Mood"
            ]
        );
        assert_eq!(
            shown(scan(&dir, "my_app", true)),
            [
                "billing.pair = ::my_app::model::inner::Pair",
                "mood = ::my_app::Mood"
            ]
        );
        assert_eq!(
            shown(scan(&dir, "roundtrip", false)),
            [
                "billing.pair = ::my_app::model::inner::Pair",
                "mood = ::my_app::Mood"
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
