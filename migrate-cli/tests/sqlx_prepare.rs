//! `migrate sqlx-prepare` against the five sqlx offline caches of the
//! corpus (labrinth, defguard, bors, underway, zero2prod: each written by
//! sqlx 0.8 against a live database migrated by exactly these migrations):
//! a crate calling `sqlx::query!` with every cached query is prepared from
//! the migrations alone, and its `.sqlx` is compared with the committed
//! cache file by file. File names (hashes), queries, parameter types,
//! column names and `type_info` must be equal; nullability is counted per
//! set, each difference by kind (sqlx's unknown against migrate's proof,
//! and the rest listed). Plus the command's own behaviour on a small crate:
//! the macro forms sqlx reads, `--check`, unused entries, errors at their
//! Rust line.
//!
//! `cargo test -p pgfold-cli --test sqlx_prepare -- --nocapture` prints the
//! figures.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use migrate_test_support::{corpus_dir, raw_literal, sqlx_cache};
use serde_json::Value;

const SETS: &[&str] = &["labrinth", "defguard", "bors", "underway", "zero2prod"];

/// A crate under the system's temporary directory, removed on drop.
struct Crate {
    path: PathBuf,
}

impl Crate {
    fn new(manifest_extra: &str, files: &[(&str, &str)]) -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "migrate-sqlx-prepare-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(path.join("src")).expect("create the crate");
        fs::write(
            path.join("Cargo.toml"),
            format!(
                "[package]\nname = \"prepared\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n{manifest_extra}"
            ),
        )
        .expect("write Cargo.toml");
        for (name, contents) in files {
            let file = path.join(name);
            fs::create_dir_all(file.parent().unwrap()).expect("create a directory");
            fs::write(file, contents).expect("write a file");
        }
        Self { path }
    }

    fn prepare(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_migrate"))
            .arg("sqlx-prepare")
            .args(args)
            .current_dir(&self.path)
            .env_remove("SQLX_OFFLINE_DIR")
            .env_remove("DATABASE_URL")
            .output()
            .expect("run the migrate binary")
    }

    fn cache(&self) -> BTreeMap<String, Value> {
        read_cache(&self.path.join(".sqlx"))
    }
}

impl Drop for Crate {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// The `.sqlx` files a prepared crate wrote (the corpus' own are read by
/// `sqlx_cache`).
fn read_cache(dir: &Path) -> BTreeMap<String, Value> {
    let Ok(entries) = fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let text = fs::read_to_string(&path).expect("read a cache file");
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&text).expect("a cache file is JSON"),
            )
        })
        .collect()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[track_caller]
fn expect_code(output: &Output, expected: i32) {
    assert_eq!(output.status.code(), Some(expected), "{}", text(output));
}

/// Nullability per column: how migrate's value stands to sqlx's.
#[derive(Default)]
struct Nullability {
    equal: usize,
    /// sqlx recorded null (unknown: an expression); migrate proves a value.
    sqlx_unknown_migrate_false: usize,
    sqlx_unknown_migrate_true: usize,
    /// The column's alias overrides it (`"id!"`, `"name?"`): sqlx's macros
    /// never read the recorded value.
    overridden: usize,
    /// sqlx knew, and migrate says otherwise.
    other: Vec<String>,
}

#[test]
fn corpus_caches_are_written_as_sqlx_wrote_them() {
    corpus_caches(&[]);
}

/// `--nullability sqlx`: the same files, nullability by sqlx's rule.
#[test]
fn corpus_caches_with_sqlx_nullability() {
    corpus_caches(&["--nullability", "sqlx"]);
}

fn corpus_caches(args: &[&str]) {
    let mut failures = Vec::new();
    let mut summary = Vec::new();
    for set in SETS {
        let committed: BTreeMap<String, Value> = sqlx_cache(set).into_iter().collect();
        let mut source = String::from("// Every query of the committed cache.\nfn queries() {\n");
        for entry in committed.values() {
            let sql = entry["query"].as_str().expect("query");
            source.push_str(&format!("    sqlx::query!({});\n", raw_literal(sql)));
        }
        source.push_str("}\n");
        let migrations = corpus_dir().join(set).join("migrations");
        let krate = Crate::new(
            &format!(
                "\n[package.metadata.migrate]\nmigrations = {:?}\n",
                migrations.display().to_string()
            ),
            &[("src/lib.rs", &source)],
        );
        let output = krate.prepare(args);
        if output.status.code() != Some(0) {
            failures.push(format!("{set}: sqlx-prepare failed:\n{}", text(&output)));
            continue;
        }
        let written = krate.cache();
        let names_equal = committed
            .keys()
            .filter(|k| written.contains_key(*k))
            .count();
        for name in committed.keys().filter(|k| !written.contains_key(*k)) {
            failures.push(format!("{set}: {name} not written"));
        }
        for name in written.keys().filter(|k| !committed.contains_key(*k)) {
            failures.push(format!("{set}: {name} written but not in sqlx's cache"));
        }
        // Where the whole description agrees, the bytes must too: sqlx's
        // pretty-printing, key order and final newline.
        let mut n_identical = 0;
        for (name, theirs) in &committed {
            if written.get(name) == Some(theirs) {
                let path = |dir: &Path| dir.join(name);
                let ours = fs::read(path(&krate.path.join(".sqlx"))).expect("ours");
                let theirs =
                    fs::read(path(&corpus_dir().join(set).join("sqlx-cache"))).expect("theirs");
                if ours == theirs {
                    n_identical += 1;
                } else {
                    failures.push(format!("{set}: {name}: same JSON, other bytes"));
                }
            }
        }
        let mut n_types_equal = 0;
        let mut nullability = Nullability::default();
        for (name, theirs) in &committed {
            let Some(ours) = written.get(name) else {
                continue;
            };
            let fields_equal = ["db_name", "query", "hash"]
                .iter()
                .all(|field| ours[field] == theirs[field]);
            let ours_describe = &ours["describe"];
            let theirs_describe = &theirs["describe"];
            if fields_equal
                && ours_describe["parameters"] == theirs_describe["parameters"]
                && ours_describe["columns"] == theirs_describe["columns"]
            {
                n_types_equal += 1;
            } else {
                failures.push(format!(
                    "{set}: {name} differs:\nsqlx:    {theirs}\nmigrate: {ours}"
                ));
                continue;
            }
            let columns = theirs_describe["columns"].as_array().expect("columns");
            for (index, column) in columns.iter().enumerate() {
                let label = column["name"].as_str().unwrap_or_default();
                let sqlx = theirs_describe["nullable"][index].as_bool();
                let migrate = ours_describe["nullable"][index].as_bool();
                let overridden =
                    label.ends_with('!') || label.ends_with('?') || label.contains(':');
                match (sqlx, migrate) {
                    _ if sqlx == migrate => nullability.equal += 1,
                    _ if overridden => {
                        nullability.overridden += 1;
                        println!(
                            "OVERRIDDEN {set} {name} {label:?}: sqlx {sqlx:?}, migrate {migrate:?}"
                        );
                    }
                    (None, Some(false)) => nullability.sqlx_unknown_migrate_false += 1,
                    (None, Some(true)) => nullability.sqlx_unknown_migrate_true += 1,
                    _ => nullability.other.push(format!(
                        "{set} {name} column {label:?}: sqlx {sqlx:?}, migrate {migrate:?}"
                    )),
                }
            }
        }
        summary.push(format!(
            "{set}: {names_equal}/{} file names equal, {n_types_equal}/{} with equal query, parameter types, column names and type_info, {n_identical} byte for byte; nullability: {} equal, {} overridden by the alias, {} sqlx unknown where migrate proves non-null, {} sqlx unknown where migrate says nullable, {} other",
            committed.len(),
            committed.len(),
            nullability.equal,
            nullability.overridden,
            nullability.sqlx_unknown_migrate_false,
            nullability.sqlx_unknown_migrate_true,
            nullability.other.len(),
        ));
        for other in &nullability.other {
            summary.push(format!("    {other}"));
        }
        // sqlx knew, and migrate says otherwise: never, in either mode.
        failures.extend(nullability.other);
        // With sqlx's rule, every column sqlx's macros read agrees.
        if args.contains(&"sqlx")
            && nullability.sqlx_unknown_migrate_false + nullability.sqlx_unknown_migrate_true > 0
        {
            failures.push(format!(
                "{set}: sqlx's rule left columns otherwise than sqlx"
            ));
        }
    }
    for line in &summary {
        println!("{line}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

const MIGRATION: &str = "\
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    email text,
    mood mood
);
";

const BAD_QUERY: &str = r#"    let _ = sqlx::query!(
        "SELECT id,
                emial FROM users"
    );
"#;

fn sources(bad: bool) -> String {
    format!(
        r##"use sqlx::query_as;

pub fn queries() {{
    let _ = sqlx::query!("SELECT id, name FROM users WHERE id = $1", 1i64);
    let _ = query_as!(User, r#"SELECT email as "email?" FROM users"#);
    let _ = sqlx::query_scalar_unchecked!("SELECT count(*) " + "FROM users");
    let _ = tokio::join!(sqlx::query_file!("queries/mood.sql"));
    let _ = other::query!("SELECT this is not sqlx's");
    let _ = sqlx::query!(SQL);
{}}}
"##,
        if bad { BAD_QUERY } else { "" }
    )
}

/// The macro forms sqlx reads, an error at its Rust line, `--check`, and an
/// entry no query uses.
#[test]
fn prepares_checks_and_removes() {
    let sources_with_error = sources(true);
    let krate = Crate::new(
        "",
        &[
            ("migrations/20240101000000_init.sql", MIGRATION),
            ("queries/mood.sql", "SELECT mood FROM users\n"),
            ("src/lib.rs", &sources_with_error),
        ],
    );
    let output = krate.prepare(&[]);
    expect_code(&output, 1);
    let printed = text(&output);
    // The literal opens on line 11; the misspelt column is on the next.
    assert!(
        printed.contains(
            "src/lib.rs:12:17: column \"emial\" does not exist (help: did you mean \"email\"?)"
        ),
        "{printed}"
    );
    assert!(
        printed.contains(
            "src/lib.rs:9:19: warning: query macro not prepared: the SQL is not a string literal"
        ),
        "{printed}"
    );
    let expected: Vec<String> = [
        "SELECT id, name FROM users WHERE id = $1",
        r#"SELECT email as "email?" FROM users"#,
        "SELECT count(*) FROM users",
        "SELECT mood FROM users\n",
    ]
    .iter()
    .map(|sql| format!("query-{}.json", sha256(sql)))
    .collect();
    let cache = krate.cache();
    let mut names: Vec<&String> = cache.keys().collect();
    names.sort();
    let mut wanted: Vec<&String> = expected.iter().collect();
    wanted.sort();
    assert_eq!(names, wanted, "{printed}");
    let first = &cache[&expected[0]];
    assert_eq!(
        first["describe"],
        serde_json::json!({
            "columns": [
                {"ordinal": 0, "name": "id", "type_info": "Int8"},
                {"ordinal": 1, "name": "name", "type_info": "Text"}
            ],
            "parameters": {"Left": ["Int8"]},
            "nullable": [false, false]
        })
    );
    assert_eq!(
        cache[&expected[3]]["describe"]["columns"][0]["type_info"],
        serde_json::json!({"Custom": {"name": "mood", "kind": {"Enum": ["happy", "sad"]}}})
    );
    // `count(*)` is never null: migrate proves it, sqlx leaves it unknown.
    assert_eq!(
        cache[&expected[2]]["describe"]["nullable"],
        serde_json::json!([false])
    );
    let sqlx_rule = krate.prepare(&["--check", "--nullability", "sqlx"]);
    expect_code(&sqlx_rule, 1);
    assert!(
        text(&sqlx_rule).contains(&format!(".sqlx/{}: differs", expected[2])),
        "{}",
        text(&sqlx_rule)
    );

    // Without the bad query: clean, and `--check` agrees.
    fs::write(krate.path.join("src/lib.rs"), sources(false)).unwrap();
    expect_code(&krate.prepare(&[]), 0);
    expect_code(&krate.prepare(&["--check"]), 0);

    // An entry no query uses, and one edited by hand.
    let stale = krate.path.join(".sqlx/query-0000.json");
    fs::write(&stale, "{}\n").unwrap();
    let edited = krate.path.join(".sqlx").join(&expected[0]);
    let original = fs::read_to_string(&edited).unwrap();
    fs::write(&edited, original.replace("\"Int8\"", "\"Int4\"")).unwrap();
    let check = krate.prepare(&["--check"]);
    expect_code(&check, 1);
    let printed = text(&check);
    assert!(
        printed.contains(".sqlx/query-0000.json: no query uses it"),
        "{printed}"
    );
    assert!(
        printed.contains(&format!(
            ".sqlx/{}: differs from what the migrations give",
            expected[0]
        )),
        "{printed}"
    );
    assert!(stale.exists(), "--check writes nothing");
    let json = krate.prepare(&["--check", "--json"]);
    expect_code(&json, 1);
    let document: Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    let mut kinds: Vec<&str> = document["differences"]
        .as_array()
        .expect("differences")
        .iter()
        .map(|difference| difference["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["differs", "unused"], "{document}");
    assert_eq!(document["entries"], 4, "{document}");
    let output = krate.prepare(&[]);
    expect_code(&output, 0);
    assert!(
        text(&output).contains("(1 changed, 1 removed)"),
        "{}",
        text(&output)
    );
    assert!(!stale.exists());
    assert_eq!(fs::read_to_string(&edited).unwrap(), original);
}
