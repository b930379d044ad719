//! The sqlx query macros of a crate's Rust sources, read as sqlx's own
//! macros read them.
//!
//! Every `.rs` file under the package directory (sources, tests, examples,
//! benches; not `target/`, hidden directories or nested packages) is read
//! into a token stream, and every invocation of `query!`, `query_as!`,
//! `query_scalar!`, `query_file!`, `query_file_as!`, `query_file_scalar!`
//! and their `_unchecked` forms is found, nested in other macros too
//! (`tokio::join!(sqlx::query!(..)...)`). A call is `sqlx::name!(..)`, or
//! `name!(..)` in a file that imports it from sqlx (`use sqlx::query;`,
//! `use sqlx::{query_as, ...}`, `use sqlx::*`).
//!
//! The SQL is what sqlx's `expand_query!` takes: a string literal (raw or
//! not), or string literals joined by `+`, their values concatenated; for
//! the `query_file` forms, the file at the literal's path, relative to the
//! package's manifest directory (sqlx refuses absolute paths and paths
//! without a directory).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::{LitStr, Token};

/// The query macros, with whether the SQL comes from a file and whether a
/// record type comes before it.
const MACROS: &[(&str, Source, bool)] = &[
    ("query", Source::Text, false),
    ("query_unchecked", Source::Text, false),
    ("query_as", Source::Text, true),
    ("query_as_unchecked", Source::Text, true),
    ("query_scalar", Source::Text, false),
    ("query_scalar_unchecked", Source::Text, false),
    ("query_file", Source::File, false),
    ("query_file_unchecked", Source::File, false),
    ("query_file_as", Source::File, true),
    ("query_file_as_unchecked", Source::File, true),
    ("query_file_scalar", Source::File, false),
    ("query_file_scalar_unchecked", Source::File, false),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Text,
    File,
}

/// One query macro call.
#[derive(Debug)]
pub struct Call {
    /// The Rust file.
    pub file: PathBuf,
    /// 1-based line and column of the SQL's literal.
    pub line: usize,
    pub column: usize,
    pub sql: String,
    /// Where the SQL text lies, for diagnostics.
    pub origin: Origin,
}

#[derive(Debug)]
pub enum Origin {
    /// In the Rust file. With `opening`, the literal's value is its source
    /// text after an opening that many characters wide (`"`, `r#"`: no
    /// escapes, no `+`), so a position in the SQL is a position in the file.
    Literal { opening: Option<usize> },
    /// In a `.sql` file read by a `query_file` macro.
    File(PathBuf),
}

/// A call the scanner found but cannot read as sqlx would.
#[derive(Debug)]
pub struct Skipped {
    pub file: PathBuf,
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Scan {
    pub calls: Vec<Call>,
    pub skipped: Vec<Skipped>,
}

/// The query macro calls of the package at `package_dir`, files in sorted
/// order, calls in source order.
pub fn scan_package(package_dir: &Path) -> Scan {
    let mut files = Vec::new();
    rust_files(package_dir, true, &mut files);
    files.sort();
    let mut scan = Scan::default();
    for file in files {
        let Ok(source) = std::fs::read_to_string(&file) else {
            continue;
        };
        scan_source(&file, &source, package_dir, &mut scan);
    }
    scan
}

fn rust_files(dir: &Path, top: bool, out: &mut Vec<PathBuf>) {
    if !top && dir.join("Cargo.toml").is_file() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name.starts_with('.') || (top && name == "target") {
                continue;
            }
            rust_files(&path, false, out);
        } else if kind.is_file() && name.ends_with(".rs") {
            out.push(path);
        }
    }
}

/// The calls of one Rust file. A file that does not lex as Rust is left
/// alone: the compiler reports it.
pub fn scan_source(file: &Path, source: &str, package_dir: &Path, scan: &mut Scan) {
    let Ok(tokens) = source.parse::<TokenStream>() else {
        return;
    };
    let imports = sqlx_imports(tokens.clone());
    let mut walker = Walker {
        file,
        package_dir,
        imports: &imports,
        scan,
    };
    walker.walk(tokens);
}

/// The names a file imports from sqlx; `*` for a glob import.
fn sqlx_imports(tokens: TokenStream) -> BTreeSet<String> {
    let mut imports = BTreeSet::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        match tree {
            TokenTree::Ident(ident) if ident == "use" => {
                let mut path = Vec::new();
                for tree in trees.by_ref() {
                    if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ';') {
                        break;
                    }
                    path.push(tree);
                }
                let mut names = Vec::new();
                flatten(path, &mut names);
                names.retain(|name| name != ":");
                match names.as_slice() {
                    // `use sqlx::*;` brings the macros; `use sqlx::postgres::*;` does not.
                    [sqlx, glob] if sqlx == "sqlx" && glob == "*" => {
                        imports.insert("*".to_owned());
                    }
                    [sqlx, rest @ ..] if sqlx == "sqlx" => {
                        imports.extend(rest.iter().filter(|name| *name != "*").cloned());
                    }
                    _ => {}
                }
            }
            TokenTree::Group(group) => imports.extend(sqlx_imports(group.stream())),
            _ => {}
        }
    }
    imports
}

fn flatten(trees: Vec<TokenTree>, out: &mut Vec<String>) {
    for tree in trees {
        match tree {
            TokenTree::Ident(ident) => out.push(ident.to_string()),
            TokenTree::Punct(punct) if punct.as_char() == '*' => out.push("*".to_owned()),
            TokenTree::Punct(punct) if punct.as_char() == ':' => out.push(":".to_owned()),
            TokenTree::Group(group) => flatten(group.stream().into_iter().collect(), out),
            _ => {}
        }
    }
}

struct Walker<'a> {
    file: &'a Path,
    package_dir: &'a Path,
    imports: &'a BTreeSet<String>,
    scan: &'a mut Scan,
}

impl Walker<'_> {
    fn walk(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        for (index, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Ident(ident) => {
                    let name = ident.to_string();
                    let Some(&(_, source, record)) = MACROS.iter().find(|(n, ..)| *n == name)
                    else {
                        continue;
                    };
                    let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(group))) =
                        (trees.get(index + 1), trees.get(index + 2))
                    else {
                        continue;
                    };
                    if bang.as_char() != '!' || group.delimiter() == Delimiter::None {
                        continue;
                    }
                    if !self.is_sqlx(&trees[..index], &name) {
                        continue;
                    }
                    self.call(group.stream(), source, record, ident.span());
                }
                TokenTree::Group(group) => self.walk(group.stream()),
                _ => {}
            }
        }
    }

    /// `sqlx::name` (or `::sqlx::name`), or `name` imported from sqlx.
    fn is_sqlx(&self, before: &[TokenTree], name: &str) -> bool {
        let colons =
            |at: usize| matches!(before.get(at), Some(TokenTree::Punct(p)) if p.as_char() == ':');
        let n = before.len();
        if n >= 3 && colons(n - 1) && colons(n - 2) {
            return matches!(&before[n - 3], TokenTree::Ident(ident) if ident == "sqlx");
        }
        self.imports.contains(name) || self.imports.contains("*")
    }

    fn call(&mut self, input: TokenStream, source: Source, record: bool, span: proc_macro2::Span) {
        let mut trees: Vec<TokenTree> = input.into_iter().collect();
        if record {
            // `query_as!(Record, "...")`: the path before the first comma.
            let Some(comma) = trees
                .iter()
                .position(|tree| matches!(tree, TokenTree::Punct(p) if p.as_char() == ','))
            else {
                return self.skip(span, "the macro takes a record type, then the SQL");
            };
            trees.drain(..=comma);
        }
        // The SQL runs to the first comma outside groups (the arguments follow).
        let end = trees
            .iter()
            .position(|tree| matches!(tree, TokenTree::Punct(p) if p.as_char() == ','))
            .unwrap_or(trees.len());
        let sql_tokens: TokenStream = trees[..end].iter().cloned().collect();
        let parsed = match source {
            Source::Text => Punctuated::<LitStr, Token![+]>::parse_separated_nonempty
                .parse2(sql_tokens)
                .map(|literals| literals.into_iter().collect::<Vec<_>>()),
            Source::File => (|input: ParseStream| input.parse::<LitStr>())
                .parse2(sql_tokens)
                .map(|literal| vec![literal]),
        };
        let literals = match parsed {
            Ok(literals) => literals,
            Err(_) => {
                return self.skip(
                    span,
                    match source {
                        Source::Text => {
                            "the SQL is not a string literal (or literals joined by `+`), which sqlx's macros require"
                        }
                        Source::File => "the path is not a string literal",
                    },
                );
            }
        };
        let first = &literals[0];
        let start = first.span().start();
        let (line, column) = (start.line, start.column + 1);
        match source {
            Source::Text => {
                let sql: String = literals.iter().map(LitStr::value).collect();
                let opening = match literals.as_slice() {
                    [only] => verbatim_opening(only),
                    _ => None,
                };
                let origin = Origin::Literal { opening };
                self.scan.calls.push(Call {
                    file: self.file.to_path_buf(),
                    line,
                    column,
                    sql,
                    origin,
                });
            }
            Source::File => {
                let relative = PathBuf::from(first.value());
                if relative.is_absolute() {
                    return self.skip(
                        first.span(),
                        "absolute paths will only work on the current machine (sqlx refuses them)",
                    );
                }
                if relative.parent().is_none_or(|p| p.as_os_str().is_empty()) {
                    return self.skip(
                        first.span(),
                        "paths relative to the current file's directory are not supported by sqlx",
                    );
                }
                let path = self.package_dir.join(&relative);
                match std::fs::read_to_string(&path) {
                    Ok(sql) => self.scan.calls.push(Call {
                        file: self.file.to_path_buf(),
                        line,
                        column,
                        sql,
                        origin: Origin::File(path),
                    }),
                    Err(error) => self.skip(
                        first.span(),
                        &format!("failed to read query file at {}: {error}", path.display()),
                    ),
                }
            }
        }
    }

    fn skip(&mut self, span: proc_macro2::Span, reason: &str) {
        let start = span.start();
        self.scan.skipped.push(Skipped {
            file: self.file.to_path_buf(),
            line: start.line,
            column: start.column + 1,
            reason: reason.to_owned(),
        });
    }
}

/// When the literal's value is its own source text (no escapes, no line
/// continuations), the width of its opening (`"`, `r#"`).
fn verbatim_opening(literal: &LitStr) -> Option<usize> {
    let text = literal.token().to_string();
    let quote = text.find('"')?;
    // `"..."`, `r"..."`, `r#"..."#`: the hashes close the literal too.
    let hashes = text[..quote].trim_start_matches('r');
    let closing = format!("\"{hashes}");
    let inner = text.get(quote + 1..)?.strip_suffix(closing.as_str())?;
    (inner == literal.value()).then_some(quote + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(source: &str) -> Scan {
        let mut scan = Scan::default();
        scan_source(Path::new("src/lib.rs"), source, Path::new("."), &mut scan);
        scan
    }

    #[test]
    fn reads_the_forms_sqlx_reads() {
        let found = scan(
            r###"use sqlx::postgres::*;
fn f() {
    query!("SELECT 0");
    sqlx::query_as!(Row, "SELECT " + "2", x);
    ::sqlx::query_scalar!(r#"SELECT "3""#);
    migrate::query!("SELECT 4");
    let _ = vec![sqlx::query_unchecked!("SELECT\n5", a, b)];
    sqlx::query!(SQL);
}
"###,
        );
        let calls: Vec<(usize, usize, &str)> = found
            .calls
            .iter()
            .map(|call| (call.line, call.column, call.sql.as_str()))
            .collect();
        assert_eq!(
            calls,
            [
                (4, 26, "SELECT 2"),
                (5, 27, "SELECT \"3\""),
                (7, 41, "SELECT\n5"),
            ]
        );
        // Verbatim literals map SQL positions to the file; `+` and escapes do not.
        let openings: Vec<Option<usize>> = found
            .calls
            .iter()
            .map(|call| match call.origin {
                Origin::Literal { opening } => opening,
                Origin::File(_) => None,
            })
            .collect();
        assert_eq!(openings, [None, Some(3), None]);
        assert_eq!(found.skipped.len(), 1);
        assert_eq!(found.skipped[0].line, 8);
    }

    #[test]
    fn imported_names_count_only_from_sqlx() {
        let found =
            scan("use sqlx::{query_scalar, Row};\nfn f() { query_scalar!(\"SELECT 1\"); }\n");
        assert_eq!(found.calls.len(), 1);
        let found = scan("use sqlx::*;\nfn f() { query!(\"SELECT 1\"); }\n");
        assert_eq!(found.calls.len(), 1);
        let found = scan("use other::query;\nfn f() { query!(\"SELECT 1\"); }\n");
        assert!(found.calls.is_empty());
    }
}
