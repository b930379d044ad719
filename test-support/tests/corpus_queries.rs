//! Every query of the five sqlx offline caches in the corpus (labrinth,
//! defguard, bors, underway, zero2prod: 982 queries that run in production
//! against exactly these migrations) compiles as `migrate::query!`.
//!
//! For each set a crate is generated whose build script folds that set's
//! migrations, with one function per cache entry calling `migrate::query!`
//! on the entry's SQL with the arguments a sqlx user passes for the
//! parameter types PostgreSQL gave sqlx (`i64` for `int8`, `&str` for
//! `text`, `&[i64]` for `int8[]`, `Vec<IpAddr>` for `inet[]`, ...; a value of
//! the enum or composite type below for a user type), and reading each
//! column of the rows as the type sqlx's user reads it (`Option<T>` where
//! sqlx recorded the column nullable, `T` or `Option<T>` where it did not
//! know; an array's elements as `T` or, where migrate cannot prove them
//! non-null, `Option<T>`). The PostgreSQL enums and composites the cache names become
//! `#[derive(migrate::Enum)]` and `#[derive(migrate::Composite)]` types
//! spelt from sqlx's own record of their labels and fields (so the derives
//! hold the fold's labels and attributes to PostgreSQL's), mapped to their
//! SQL types as a project maps them. A `"col: Type"` override in the SQL
//! stands for a type of the user's: the crate defines each such name that is
//! not a type of std or chrono, as the user's project did (a newtype over
//! the column's Rust type with the driver's `FromSql`, or the derived type
//! of the column's enum or composite).
//!
//! The five crates are members of one workspace, checked by one
//! `cargo check` in a target directory of their own
//! (`target/corpus-queries`), so the dependencies compile once and a later
//! run rebuilds only the five crates. Each error is counted against the
//! query whose function it is in; a control function per crate with a
//! misspelt column and a wrong argument must fail, so that the count cannot
//! pass because nothing was checked.
//!
//! `cargo test -p migrate-test-support --test corpus_queries -- --nocapture`
//! prints the figures per set.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use migrate_test_support::{GeneratedWorkspace, corpus_dir, project_root, raw_literal, sqlx_cache};
use serde_json::Value;

/// The sets with a `sqlx-cache/`, and how many queries each holds.
const SETS: &[(&str, usize)] = &[
    ("labrinth", 398),
    ("defguard", 425),
    ("bors", 45),
    ("underway", 96),
    ("zero2prod", 18),
];

/// The errors of each crate's control function: the misspelt column, the
/// argument of the wrong type, the column read as the wrong type.
const CONTROL_ERRORS: usize = 3;

/// One entry of a set's sqlx offline cache.
struct Entry {
    /// `query-<sha256>.json`.
    file: String,
    query: String,
    /// sqlx's `type_info` of each parameter.
    params: Vec<Value>,
    /// (name as sqlx wrote it, override suffix included; `type_info`;
    /// nullable: `None` when sqlx did not know).
    columns: Vec<(String, Value, Option<bool>)>,
}

fn cache_of(set: &str) -> Vec<Entry> {
    sqlx_cache(set)
        .into_iter()
        .map(|(file, json)| {
            let describe = &json["describe"];
            let nullable = describe["nullable"].as_array().cloned().unwrap_or_default();
            Entry {
                file,
                query: json["query"].as_str().expect("the query").to_owned(),
                params: describe["parameters"]["Left"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
                columns: describe["columns"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                    .map(|(index, column)| {
                        (
                            column["name"].as_str().expect("a name").to_owned(),
                            column["type_info"].clone(),
                            nullable.get(index).and_then(Value::as_bool),
                        )
                    })
                    .collect(),
            }
        })
        .collect()
}

/// A PostgreSQL enum or composite the cache names, as the crate defines it.
enum UserType {
    Enum(Vec<String>),
    /// (field, sqlx `type_info`).
    Composite(Vec<(String, Value)>),
}

/// What a crate defines: its user types by SQL name (schema-qualified as
/// sqlx writes them outside `public`), and the override names.
#[derive(Default)]
struct Definitions {
    user_types: BTreeMap<String, UserType>,
    /// Override name to the `type_info`s of the columns it stands for.
    overrides: BTreeMap<String, Vec<Value>>,
}

impl Definitions {
    fn collect(&mut self, ty: &Value) {
        let Some(custom) = ty.get("Custom") else {
            return;
        };
        let name = custom["name"].as_str().expect("a custom type's name");
        let kind = &custom["kind"];
        if let Some(element) = kind.get("Array") {
            return self.collect(element);
        }
        if let Some(labels) = kind.get("Enum").and_then(Value::as_array) {
            let labels = labels
                .iter()
                .map(|label| label.as_str().expect("a label").to_owned())
                .collect();
            self.user_types
                .insert(name.to_owned(), UserType::Enum(labels));
        } else if let Some(fields) = kind.get("Composite").and_then(Value::as_array) {
            let fields: Vec<(String, Value)> = fields
                .iter()
                .map(|field| {
                    (
                        field[0].as_str().expect("a field name").to_owned(),
                        field[1].clone(),
                    )
                })
                .collect();
            for (_, field_type) in &fields {
                self.collect(field_type);
            }
            self.user_types
                .insert(name.to_owned(), UserType::Composite(fields));
        } else {
            panic!("a custom type the generator does not know: {custom}");
        }
    }
}

/// `task_state` → `TaskState`; a Rust identifier for a label or SQL name.
fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if !out.starts_with(|c: char| c.is_ascii_alphabetic()) {
        out.insert(0, 'V');
    }
    out
}

/// The Rust type the crate defines for a user type: `underway.task_state`
/// is `crate::types::TaskState`.
fn user_type_ident(sql_name: &str) -> String {
    pascal(sql_name.rsplit('.').next().unwrap_or(sql_name))
}

/// A `type_info` as the Rust type a sqlx user reads it as, or `None` for
/// a type the user reads only through an override (an anonymous record).
fn rust_type(ty: &Value) -> Option<String> {
    if let Some(custom) = ty.get("Custom") {
        let kind = &custom["kind"];
        if let Some(element) = kind.get("Array") {
            return Some(format!("Vec<{}>", rust_type(element)?));
        }
        let name = custom["name"].as_str()?;
        return Some(format!("crate::types::{}", user_type_ident(name)));
    }
    let name = ty.as_str().expect("a type name");
    if let Some(element) = name.strip_suffix("Array") {
        return Some(format!(
            "Vec<{}>",
            rust_type(&Value::String(element.to_owned()))?
        ));
    }
    Some(
        match name {
            "Bool" => "bool",
            "Int2" => "i16",
            "Int4" => "i32",
            "Int8" => "i64",
            "Float4" => "f32",
            "Float8" => "f64",
            "Text" | "Varchar" | "Bpchar" | "Name" => "String",
            "Bytea" => "Vec<u8>",
            "Uuid" => "uuid::Uuid",
            "Date" => "chrono::NaiveDate",
            "Time" => "chrono::NaiveTime",
            "Timestamp" => "chrono::NaiveDateTime",
            "Timestamptz" => "chrono::DateTime<chrono::Utc>",
            "Json" | "Jsonb" => "serde_json::Value",
            "Numeric" => "rust_decimal::Decimal",
            "Inet" => "std::net::IpAddr",
            "Interval" => "migrate::types::Interval",
            "Int4Range" => "migrate::types::Range<i32>",
            "Int8Range" => "migrate::types::Range<i64>",
            "Void" => "()",
            "Record" => return None,
            other => panic!("a sqlx type the generator does not know: {other}"),
        }
        .to_owned(),
    )
}

/// An owned value of a `type_info`'s Rust type, as a sqlx user builds one.
fn owned_value(ty: &Value, definitions: &Definitions) -> String {
    if let Some(custom) = ty.get("Custom") {
        let kind = &custom["kind"];
        if let Some(element) = kind.get("Array") {
            return format!("vec![{}]", owned_value(element, definitions));
        }
        let name = custom["name"].as_str().expect("a name");
        let ident = user_type_ident(name);
        return match &definitions.user_types[name] {
            UserType::Enum(labels) => format!("crate::types::{ident}::{}", pascal(&labels[0])),
            UserType::Composite(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(field, ty)| {
                        format!(
                            "{}: Some({})",
                            field_ident(field),
                            owned_value(ty, definitions)
                        )
                    })
                    .collect();
                format!("crate::types::{ident} {{ {} }}", fields.join(", "))
            }
        };
    }
    let name = ty.as_str().expect("a type name");
    match name {
        "Text" | "Varchar" | "Bpchar" | "Name" => "String::from(\"text\")".to_owned(),
        "Bytea" => "b\"bytes\".to_vec()".to_owned(),
        _ => value(ty, definitions),
    }
}

/// The argument a sqlx user passes for a parameter of a `type_info`:
/// borrowed where sqlx users borrow (`&str`, `&[u8]`, slices).
fn value(ty: &Value, definitions: &Definitions) -> String {
    if let Some(custom) = ty.get("Custom") {
        let kind = &custom["kind"];
        if let Some(element) = kind.get("Array") {
            return format!("vec![{}]", owned_value(element, definitions));
        }
        return owned_value(ty, definitions);
    }
    let name = ty.as_str().expect("a type name");
    if let Some(element) = name.strip_suffix("Array") {
        let element = Value::String(element.to_owned());
        return match name {
            // The case: the parameter's own type, a `Vec<IpAddr>`.
            "InetArray" => format!("vec![{}]", value(&element, definitions)),
            _ => format!("&[{}][..]", value(&element, definitions)),
        };
    }
    match name {
        "Bool" => "true",
        "Int2" => "1_i16",
        "Int4" => "1_i32",
        "Int8" => "1_i64",
        "Float4" => "1.5_f32",
        "Float8" => "1.5_f64",
        "Text" | "Varchar" | "Bpchar" | "Name" => "\"text\"",
        "Bytea" => "b\"bytes\".as_slice()",
        "Uuid" => "uuid::Uuid::nil()",
        "Date" => "chrono::NaiveDate::default()",
        "Time" => "chrono::NaiveTime::default()",
        "Timestamp" => "chrono::NaiveDateTime::default()",
        "Timestamptz" => "chrono::DateTime::<chrono::Utc>::default()",
        "Json" | "Jsonb" => "serde_json::json!({\"key\": 1})",
        "Numeric" => "rust_decimal::Decimal::ONE",
        "Inet" => "std::net::IpAddr::from([127, 0, 0, 1])",
        "Interval" => "migrate::types::Interval::new(1, 2, 3)",
        "Int4Range" => "migrate::types::Range::closed_open(1_i32, 10)",
        "Int8Range" => "migrate::types::Range::closed_open(1_i64, 10)",
        other => panic!("a parameter type the generator does not know: {other}"),
    }
    .to_owned()
}

/// A column name as a Rust field: raw for keywords.
fn field_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "as", "async", "await", "break", "const", "continue", "crate", "do", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
        "move", "mut", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type",
        "unsafe", "use", "where", "while", "yield",
    ];
    if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// sqlx's column name split into the name, its nullability override
/// (`Some(false)` for `!`, `Some(true)` for `?`) and its Rust type override.
fn column_override(name: &str) -> (&str, Option<bool>, Option<&str>) {
    let (name, ty) = match name.split_once(':') {
        Some((name, ty)) => (name.trim_end(), Some(ty.trim())),
        None => (name, None),
    };
    if let Some(name) = name.strip_suffix('!') {
        return (name, Some(false), ty);
    }
    if let Some(name) = name.strip_suffix('?') {
        return (name, Some(true), ty);
    }
    (name, None, ty)
}

/// The names an override may use that std, chrono and the prelude define:
/// the crate brings these into scope and defines every other name.
const KNOWN_OVERRIDE_TYPES: &[(&str, &str)] = &[
    ("IpAddr", "use std::net::IpAddr;"),
    ("NaiveDateTime", "use chrono::NaiveDateTime;"),
    ("DateTime", "use chrono::DateTime;"),
    ("Utc", "use chrono::Utc;"),
];

/// The identifiers an override type is written with (`Vec<IpAddr>`:
/// `Vec`, `IpAddr`).
fn type_names(ty: &str) -> Vec<&str> {
    ty.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|word| !word.is_empty())
        .collect()
}

fn is_prelude_type(name: &str) -> bool {
    matches!(
        name,
        "Vec"
            | "Option"
            | "String"
            | "bool"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "u32"
            | "f32"
            | "f64"
            | "_"
    )
}

/// The crate's `src/lib.rs` and the SQL types its build script maps, with
/// the line range of each query's function.
struct Generated {
    lib: String,
    mapped: Vec<(String, String)>,
    /// (first line, last line, cache file), lines counted from 1.
    functions: Vec<(usize, usize, String)>,
    /// The control function's lines.
    control: (usize, usize),
}

fn generate(entries: &[Entry]) -> Generated {
    let mut definitions = Definitions::default();
    for entry in entries {
        for ty in &entry.params {
            definitions.collect(ty);
        }
        for (name, ty, _) in &entry.columns {
            definitions.collect(ty);
            if let (_, _, Some(rust)) = column_override(name) {
                for word in type_names(rust) {
                    if !is_prelude_type(word)
                        && !KNOWN_OVERRIDE_TYPES.iter().any(|(known, _)| *known == word)
                    {
                        definitions
                            .overrides
                            .entry(word.to_owned())
                            .or_default()
                            .push(ty.clone());
                    }
                }
            }
        }
    }

    let mut lib = String::new();
    lib.push_str(
        "//! Generated by migrate's corpus_queries test: every query of a sqlx cache as migrate::query!.\n\
         #![allow(dead_code, unused_imports, clippy::all)]\n\n",
    );
    for (_, import) in KNOWN_OVERRIDE_TYPES {
        lib.push_str(import);
        lib.push('\n');
    }
    lib.push_str("use types::*;\n\n");
    // migrate reads an array whose elements it cannot prove non-null as
    // `Vec<Option<T>>` (any PostgreSQL array may hold NULL; sqlx's `Vec<T>`
    // fails at run time on one): where sqlx's user reads `Vec<T>`, either.
    lib.push_str(
        "/// A column read as `T` (an array's elements as `Option` too).\n\
         pub trait Same<T> {}\n\
         impl<T> Same<T> for T {}\n\
         impl<T> Same<Vec<T>> for Vec<Option<T>> {}\n\
         impl<T> Same<Option<Vec<T>>> for Option<Vec<Option<T>>> {}\n\
         pub fn same<T, C: Same<T>>(_: &C) {}\n\
         /// A column read as `T` or `Option<T>`, where sqlx did not know whether it is nullable.\n\
         pub trait Is<T> {}\n\
         impl<T> Is<T> for T {}\n\
         impl<T> Is<T> for Option<T> {}\n\
         impl<T> Is<Vec<T>> for Vec<Option<T>> {}\n\
         impl<T> Is<Vec<T>> for Option<Vec<Option<T>>> {}\n\
         pub fn column<T, C: Is<T>>(_: &C) {}\n\n",
    );

    // The user types, and what the build script maps to them.
    let mut mapped = Vec::new();
    lib.push_str("pub mod types {\n    use super::*;\n");
    let mut defined: BTreeSet<String> = BTreeSet::new();
    for (sql_name, user_type) in &definitions.user_types {
        let ident = user_type_ident(sql_name);
        assert!(
            defined.insert(ident.clone()),
            "two user types are named {ident}"
        );
        mapped.push((sql_name.clone(), format!("crate::types::{ident}")));
        match user_type {
            UserType::Enum(labels) => {
                let _ = writeln!(
                    lib,
                    "    #[derive(Clone, Copy, Debug, PartialEq, Eq, migrate::Enum)]\n    #[migrate(type_name = {sql_name:?})]\n    pub enum {ident} {{"
                );
                for label in labels {
                    let _ = writeln!(
                        lib,
                        "        #[migrate(rename = {label:?})]\n        {},",
                        pascal(label)
                    );
                }
                lib.push_str("    }\n");
            }
            UserType::Composite(fields) => {
                let _ = writeln!(
                    lib,
                    "    #[derive(Clone, Debug, PartialEq, migrate::Composite)]\n    #[migrate(type_name = {sql_name:?})]\n    pub struct {ident} {{"
                );
                for (field, ty) in fields {
                    let rust = rust_type(ty).expect("a composite field's Rust type");
                    let _ = writeln!(lib, "        pub {}: Option<{rust}>,", field_ident(field));
                }
                lib.push_str("    }\n");
            }
        }
    }
    // Each override name: the column's user type under the user's name, or
    // a newtype over the column's Rust type reading what it reads.
    for (name, types) in &definitions.overrides {
        if defined.contains(name) {
            continue;
        }
        let rust: BTreeSet<Option<String>> = types.iter().map(rust_type).collect();
        match rust.iter().next() {
            Some(Some(inner)) if rust.len() == 1 && inner.starts_with("crate::types::") => {
                let _ = writeln!(lib, "    pub type {name} = {inner};");
            }
            Some(Some(inner)) if rust.len() == 1 => {
                let _ = writeln!(
                    lib,
                    "    /// A user's newtype over `{inner}`.\n    #[derive(Debug)]\n    pub struct {name}(pub {inner});\n    \
                     impl<'a> migrate::postgres::types::FromSql<'a> for {name} {{\n        \
                     fn from_sql(ty: &migrate::postgres::types::Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {{\n            \
                     <{inner} as migrate::postgres::types::FromSql>::from_sql(ty, raw).map(Self)\n        }}\n        \
                     fn accepts(ty: &migrate::postgres::types::Type) -> bool {{\n            \
                     <{inner} as migrate::postgres::types::FromSql>::accepts(ty)\n        }}\n    }}"
                );
            }
            _ => {
                // An anonymous record, or a name over several SQL types: a
                // type of the user's that parses the value itself.
                let _ = writeln!(
                    lib,
                    "    /// A user's type that reads the value itself.\n    #[derive(Debug)]\n    pub struct {name};\n    \
                     impl<'a> migrate::postgres::types::FromSql<'a> for {name} {{\n        \
                     fn from_sql(_: &migrate::postgres::types::Type, _: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {{\n            \
                     Ok(Self)\n        }}\n        \
                     fn accepts(_: &migrate::postgres::types::Type) -> bool {{\n            true\n        }}\n    }}"
                );
            }
        }
    }
    lib.push_str("}\n\n");

    let mut functions = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let first = lib.lines().count() + 1;
        let args: Vec<String> = entry
            .params
            .iter()
            .map(|ty| value(ty, &definitions))
            .collect();
        let _ = writeln!(
            lib,
            "/// {}\npub fn q{index}(client: &mut migrate::postgres::Client) {{",
            entry.file
        );
        let mut call = format!("migrate::query!({}", raw_literal(&entry.query));
        for arg in &args {
            call.push_str(", ");
            call.push_str(arg);
        }
        call.push(')');
        if entry.columns.is_empty() {
            let _ = writeln!(lib, "    let _ = {call}.execute(client);\n}}\n");
            functions.push((first, lib.lines().count(), entry.file.clone()));
            continue;
        }
        let _ = writeln!(
            lib,
            "    let Ok(rows) = {call}.fetch_all(client) else {{ return }};\n    for row in rows {{"
        );
        for (name, ty, nullable) in &entry.columns {
            let (field, nullable_override, rust_override) = column_override(name);
            let rust = match rust_override {
                Some(rust) if rust != "_" => Some(rust.to_owned()),
                _ => rust_type(ty),
            };
            let Some(rust) = rust else {
                continue;
            };
            let field = field_ident(field);
            let line = match nullable_override.or(*nullable) {
                // `!` and sqlx's "not null": the type itself. migrate may
                // know more than sqlx only where sqlx did not know.
                Some(false) if rust_override.is_none() || nullable_override.is_some() => {
                    format!("        same::<{rust}, _>(&row.{field});")
                }
                Some(true) => format!("        same::<Option<{rust}>, _>(&row.{field});"),
                _ => format!("        column::<{rust}, _>(&row.{field});"),
            };
            lib.push_str(&line);
            lib.push('\n');
        }
        lib.push_str("    }\n}\n\n");
        let last = lib.lines().count();
        functions.push((first, last, entry.file.clone()));
    }

    // The control: a misspelt column, an argument of the wrong type and a
    // column read as the wrong type.
    let first = lib.lines().count() + 1;
    lib.push_str(
        "/// The control: three errors the check must find.\n\
         pub fn control(client: &mut migrate::postgres::Client) {\n    \
         let _ = migrate::query!(\"SELECT no_such_column_anywhere FROM pg_class\").fetch_all(&mut *client);\n    \
         let _ = migrate::query!(\"SELECT relname FROM pg_class WHERE relpages = $1\", \"not an int\").fetch_all(&mut *client);\n    \
         let Ok(rows) = migrate::query!(\"SELECT relname FROM pg_class\").fetch_all(client) else { return };\n    \
         for row in rows {\n        let _: i32 = row.relname;\n    }\n\
         }\n",
    );
    let control = (first, lib.lines().count());
    Generated {
        lib,
        mapped,
        functions,
        control,
    }
}

/// The workspace's packages of the facade and the build helper, by path.
fn manifest(set: &str, root: &Path) -> String {
    let root = root.display().to_string();
    format!(
        "[package]\nname = \"corpus-{set}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         migrate = {{ package = \"pgfold\", path = {root:?}, features = [\"chrono\", \"uuid\", \"rust_decimal\"] }}\n\
         chrono = {{ version = \"0.4\", default-features = false }}\n\
         uuid = {{ version = \"1\", default-features = false }}\n\
         rust_decimal = {{ version = \"1\", default-features = false }}\n\
         serde_json = \"1\"\n\n\
         [build-dependencies]\n\
         migrate-build = {{ package = \"pgfold-build\", path = {:?} }}\n\n\
         # The queries are under test, not the migrations' hazards.\n\
         [package.metadata.migrate.lint]\nall = \"allow\"\n",
        format!("{root}/migrate-build"),
    )
}

fn build_script(set: &str, mapped: &[(String, String)]) -> String {
    let migrations = corpus_dir()
        .join(set)
        .join("migrations")
        .canonicalize()
        .expect("the set's migrations");
    let mut script = format!(
        "fn main() -> Result<(), migrate_build::Error> {{\n    migrate_build::Builder::new()\n        .migrations({:?})\n",
        migrations.display().to_string()
    );
    for (sql, rust) in mapped {
        let _ = writeln!(script, "        .rust_type({sql:?}, {rust:?})");
    }
    script.push_str("        .compile()?;\n    Ok(())\n}\n");
    script
}

/// Per set: the failing cache files with their errors, the control's
/// errors, and the warnings.
#[derive(Default)]
struct Outcome {
    failures: BTreeMap<String, Vec<String>>,
    control_errors: usize,
    elsewhere: Vec<String>,
    warnings: usize,
}

#[test]
fn every_sqlx_cache_query_compiles_as_migrate_query() {
    let root = project_root().canonicalize().expect("the project root");
    let workspace = GeneratedWorkspace::new("corpus-queries");
    let mut generated = BTreeMap::new();
    let mut entries_of = BTreeMap::new();
    for &(set, expected) in SETS {
        let entries = cache_of(set);
        assert_eq!(entries.len(), expected, "{set}: cache entries");
        let crate_code = generate(&entries);
        workspace.write(&format!("{set}/Cargo.toml"), manifest(set, &root));
        workspace.write(
            &format!("{set}/build.rs"),
            build_script(set, &crate_code.mapped),
        );
        workspace.write(&format!("{set}/src/lib.rs"), &crate_code.lib);
        generated.insert(set, crate_code);
        entries_of.insert(set, entries);
    }
    let members: Vec<&str> = SETS.iter().map(|(set, _)| *set).collect();
    let output = workspace.cargo("check", &members);

    let mut outcomes: BTreeMap<&str, Outcome> = BTreeMap::new();
    for message in output.messages {
        let Some(set) = message
            .target
            .strip_prefix("corpus_")
            .and_then(|set| SETS.iter().find(|(name, _)| *name == set))
            .map(|(name, _)| *name)
        else {
            continue;
        };
        let rendered = message.rendered;
        let outcome = outcomes.entry(set).or_default();
        match message.level.as_str() {
            "error" => {}
            // The checker's warnings (where it cannot follow), which
            // migrate shows as deprecation notes: counted, not failures.
            "warning" => {
                if rendered.contains("migrate_sql_warning") {
                    outcome.warnings += 1;
                    println!("{set}: {rendered}");
                }
                continue;
            }
            _ => continue,
        }
        // The line in src/lib.rs the error is at (its primary span, or
        // where the macro that made it was called).
        let crate_code = &generated[set];
        match message.line {
            Some(line) if (crate_code.control.0..=crate_code.control.1).contains(&line) => {
                outcome.control_errors += 1;
            }
            Some(line) => match crate_code
                .functions
                .iter()
                .find(|(first, last, _)| (*first..=*last).contains(&line))
            {
                Some((_, _, file)) => outcome
                    .failures
                    .entry(file.clone())
                    .or_default()
                    .push(rendered),
                None => outcome.elsewhere.push(rendered),
            },
            None => outcome.elsewhere.push(rendered),
        }
    }

    let mut problems = Vec::new();
    let (mut n_compiled, mut n_total) = (0, 0);
    for &(set, _) in SETS {
        let outcome = outcomes.remove(set).unwrap_or_default();
        let n_entries = entries_of[set].len();
        // A crate that was not checked (its build script failed) compiled nothing.
        let checked = outcome.control_errors == CONTROL_ERRORS;
        let n_failed = if checked {
            outcome.failures.len()
        } else {
            n_entries
        };
        for (file, errors) in &outcome.failures {
            println!("{set} {file}:\n{}", errors.join("\n"));
        }
        for error in &outcome.elsewhere {
            println!("{set} (outside the queries): {error}");
        }
        println!(
            "{set}: {} of {n_entries} compile ({} warnings of the checker; control: {} errors)",
            n_entries - n_failed,
            outcome.warnings,
            outcome.control_errors
        );
        n_compiled += n_entries - n_failed;
        n_total += n_entries;
        if n_failed > 0 {
            problems.push(format!("{set}: {n_failed} queries do not compile"));
        }
        if !outcome.elsewhere.is_empty() {
            problems.push(format!(
                "{set}: {} errors outside the queries",
                outcome.elsewhere.len()
            ));
        }
        if !checked {
            problems.push(format!(
                "{set}: the control has {} errors, not {CONTROL_ERRORS}: the check did not run as expected",
                outcome.control_errors
            ));
        }
    }
    println!("all sets: {n_compiled} of {n_total} compile");
    assert!(
        problems.is_empty(),
        "{problems:#?}\ncargo's stderr:\n{}",
        output.stderr
    );
}
