//! The README's "Use it" section is exactly what works: a scratch crate is
//! made of its own snippets (read from README.md now, not copied here), its
//! crates of this workspace taken by path, built and run against a fresh
//! database; the error sample is what the build really prints for the
//! misspelt query it shows; the install command names the package whose
//! binary is `migrate`; a migration PostgreSQL would reject fails the
//! build with the report, not a panic.
//!
//! The scratch crate builds in a target directory of its own
//! (`target/readme-example`): the first run compiles its dependencies
//! (minutes), later ones only the example.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use migrate_test_support::{TestDatabase, project_root};

/// A fenced block of the README, with the file the line before it names
/// (`` `build.rs`: ``), if any.
struct Block {
    file: Option<String>,
    language: String,
    text: String,
}

/// The fenced blocks of the README's "Use it" section, in order.
fn use_it_blocks(readme: &str) -> Vec<Block> {
    let start = readme.find("\n## Use it\n").expect("a \"Use it\" section");
    let section = &readme[start + 1..];
    let end = section[3..]
        .find("\n## ")
        .map_or(section.len(), |at| at + 3);
    let section = &section[..end];
    let mut blocks = Vec::new();
    let mut lines = section.lines();
    let mut label: Option<String> = None;
    while let Some(line) = lines.next() {
        if let Some(language) = line.strip_prefix("```") {
            let mut text = String::new();
            for inner in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                text.push_str(inner);
                text.push('\n');
            }
            blocks.push(Block {
                file: label.take(),
                language: language.split(',').next().unwrap_or_default().to_owned(),
                text,
            });
        } else if let Some(file) = line
            .strip_prefix('`')
            .and_then(|rest| rest.split_once('`'))
            .filter(|(_, after)| after.starts_with(':') || after.starts_with(" ("))
            .map(|(file, _)| file.to_owned())
        {
            // `` `src/main.rs`: `` (possibly followed by words in parentheses).
            label = Some(file);
        }
    }
    blocks
}

/// The workspace's packages: name to directory, and the one with a `migrate` binary.
fn workspace_packages() -> (BTreeMap<String, PathBuf>, String) {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(project_root())
        .output()
        .expect("run cargo metadata");
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let mut packages = BTreeMap::new();
    let mut cli = String::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("a name").to_owned();
        let manifest = PathBuf::from(package["manifest_path"].as_str().expect("a manifest"));
        let has_migrate_binary = package["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .any(|target| target["name"] == "migrate" && target["kind"][0] == "bin");
        if has_migrate_binary {
            cli = name.clone();
        }
        packages.insert(name, manifest.parent().expect("a directory").to_path_buf());
    }
    (packages, cli)
}

/// The README's dependency lines with this workspace's packages taken by path.
fn with_paths(toml: &str, packages: &BTreeMap<String, PathBuf>) -> String {
    let mut out = String::new();
    for line in toml.lines() {
        let rewritten = line.split_once(" = ").and_then(|(name, value)| {
            let path = packages.get(name.trim())?;
            let path = format!("path = {:?}", path.display().to_string());
            Some(match value.trim().strip_prefix('{') {
                Some(fields) => format!("{name} = {{ {path},{fields}"),
                None => format!("{name} = {{ {path}, version = {} }}", value.trim()),
            })
        });
        out.push_str(rewritten.as_deref().unwrap_or(line));
        out.push('\n');
    }
    out
}

fn cargo(dir: &Path, args: &[&str], url: &str) -> std::process::Output {
    Command::new(env!("CARGO"))
        .args(args)
        .current_dir(dir)
        .env(
            "CARGO_TARGET_DIR",
            project_root().join("target").join("readme-example"),
        )
        .env("DATABASE_URL", url)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo")
}

#[test]
fn the_readme_use_it_section_builds_runs_and_fails_as_it_says() {
    let readme = std::fs::read_to_string(project_root().join("README.md")).expect("README.md");
    let blocks = use_it_blocks(&readme);
    let (packages, cli) = workspace_packages();

    let dir = std::env::temp_dir().join(format!("migrate-readme-example-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut main_rs = String::new();
    let mut sample = None;
    let mut install = None;
    for block in &blocks {
        match (block.file.as_deref(), block.language.as_str()) {
            (Some("Cargo.toml"), _) => {
                let manifest = format!(
                    "[package]\nname = \"readme-example\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n{}",
                    with_paths(&block.text, &packages)
                );
                std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
            }
            (Some(file), _) => {
                let path = dir.join(file);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &block.text).unwrap();
                if file == "src/main.rs" {
                    main_rs = block.text.clone();
                }
            }
            (None, "text") => sample = Some(block.text.clone()),
            (None, "sh") => install = Some(block.text.clone()),
            _ => {}
        }
    }
    assert!(!main_rs.is_empty(), "no src/main.rs in the README's Use it");
    // Pinned as the workspace is, so that the versions are those tested.
    std::fs::copy(project_root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    // It builds and runs against a fresh database.
    let db = TestDatabase::new("readme");
    let run = cargo(&dir, &["run", "--quiet"], &db.url);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "cargo run failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.starts_with("1 ada@example.com 20"),
        "{stdout}\n{stderr}"
    );

    // The error sample is what the build prints for the query it shows.
    let sample = sample.expect("an error sample");
    let misspelt = sample
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("1 | "))
        .expect("the sample shows the SQL");
    let select = main_rs
        .lines()
        .find_map(|line| {
            let start = line.find("query!(\"SELECT")? + "query!(\"".len();
            let end = start + line[start..].find('"')?;
            Some(line[start..end].to_owned())
        })
        .expect("a SELECT in main.rs");
    std::fs::write(
        dir.join("src/main.rs"),
        main_rs.replacen(&select, misspelt, 1),
    )
    .unwrap();
    let build = cargo(&dir, &["build", "--quiet"], &db.url);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!build.status.success());
    assert!(
        stderr.contains(&sample),
        "the README's sample:\n{sample}\nis not what the build prints:\n{stderr}"
    );

    // A migration PostgreSQL would reject fails the build with the report
    // as Cargo's own errors: no panic, no backtrace hint, no rerun lines.
    std::fs::write(dir.join("src/main.rs"), &main_rs).unwrap();
    std::fs::write(
        dir.join("migrations/20240102000000_bad.sql"),
        "ALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE accounts ADD COLUMN x int;\n",
    )
    .unwrap();
    let build = cargo(&dir, &["build", "--quiet"], &db.url);
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(!build.status.success());
    for expected in [
        "error: readme-example@0.1.0: relation \"accounts\" does not exist\n",
        "error: readme-example@0.1.0:  --> migrations/20240102000000_bad.sql:2:13\n",
        "error: readme-example@0.1.0: 2 | ALTER TABLE accounts ADD COLUMN x int;\n",
        "error: readme-example@0.1.0:   |             ^^^^^^^^\n",
        "error: readme-example@0.1.0: PostgreSQL would reject the migrations in migrations: 1 error, listed above\n",
    ] {
        assert!(stderr.contains(expected), "{expected} not in:\n{stderr}");
    }
    for unwanted in ["panicked", "RUST_BACKTRACE", "rerun-if-changed"] {
        assert!(!stderr.contains(unwanted), "{unwanted} in:\n{stderr}");
    }

    // The install command names the package whose binary is `migrate`.
    let install = install.expect("an install command");
    assert_eq!(install.trim(), format!("cargo install {cli}"));
    let _ = std::fs::remove_dir_all(&dir);
}
