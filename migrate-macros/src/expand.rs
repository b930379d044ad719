//! What the query macros expand to. Plain functions over `proc_macro2`, so
//! unit tests reach them without a compiler in the loop.

use std::path::PathBuf;

use migrate_build::Diagnostic;
use migrate_build::analyze::{self, Described};
use migrate_build::diagnostic::LineIndex;
use migrate_core::{Name, Schema, SqlType, UserTypeKind};
use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Expr, LitStr, Path, Token};

use crate::schema::TypeMap;
use crate::types::{NoRustType, RustType, column_rust_type, rust_type};
use crate::{cache, schema};

/// Which macro is expanding.
#[derive(Clone)]
pub enum Kind {
    /// `query!`: an anonymous record per row.
    Record,
    /// `query_as!(Type, ..)`: rows into the user's struct.
    As(Path),
    /// `query_scalar!`: the single column's value per row.
    Scalar,
    /// `sql!`: only checks; yields the SQL.
    Sql,
}

/// A macro's input after parsing.
pub struct Input {
    pub kind: Kind,
    /// The SQL, or the path of the file holding it.
    pub literal: LitStr,
    /// Whether `literal` names a file (`query_file*!`).
    pub from_file: bool,
    pub args: Vec<Expr>,
    /// The source file that calls the macro, when the compiler tells.
    pub caller_file: Option<PathBuf>,
}

impl Input {
    /// Parses `[Type,] "SQL or path" [, arg]* [,]`.
    pub fn parse(
        kind_of: impl FnOnce(Option<Path>) -> Kind,
        with_type: bool,
        from_file: bool,
        input: ParseStream,
    ) -> syn::Result<Self> {
        let ty = if with_type {
            let path: Path = input.parse()?;
            input.parse::<Token![,]>()?;
            Some(path)
        } else {
            None
        };
        let literal: LitStr = input.parse()?;
        let mut args = Vec::new();
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
            let rest = Punctuated::<Expr, Token![,]>::parse_terminated(input)?;
            args.extend(rest);
        }
        Ok(Self {
            kind: kind_of(ty),
            literal,
            from_file,
            args,
            caller_file: None,
        })
    }
}

/// Expands a query macro. Never fails: errors become `compile_error!` next to
/// a well-typed stub.
pub fn expand(input: Input) -> TokenStream {
    let span = input.literal.span();
    let (sql, file_label, file_path) = if input.from_file {
        match read_sql_file(&literal_value(&input.literal), input.caller_file.as_deref()) {
            Ok((sql, path)) => (sql, Some(literal_value(&input.literal)), Some(path)),
            Err(message) => return stub(&input, vec![compile_error(span, &message)]),
        }
    } else {
        (literal_value(&input.literal), None, None)
    };
    // A query expanded before, against the same schema, by the same
    // macros: what its check found is read back instead of found again.
    let key = cache::Key::new(&sql);
    let prepared = match key.as_ref().and_then(cache::Key::load) {
        Some(prepared) => prepared,
        None => match check(&sql, file_label.as_deref()) {
            Ok(prepared) => {
                if let Some(key) = &key {
                    key.store(&prepared);
                }
                prepared
            }
            Err(messages) => {
                let errors = messages
                    .iter()
                    .map(|message| compile_error(span, message))
                    .collect();
                return stub(&input, errors);
            }
        },
    };
    match generate(&input, &sql, &prepared, file_path) {
        Ok(tokens) => tokens,
        Err(errors) => stub(&input, errors),
    }
}

/// The text of a string literal. syn's `LitStr::value` unescapes it
/// character by character, in syn, which the recommended profile leaves
/// unoptimised (this crate alone is optimised, for a quick clean build): a
/// literal without escapes, as SQL usually is, is its text between the
/// quotes, taken here.
fn literal_value(literal: &LitStr) -> String {
    let token = literal.token().to_string();
    match token
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        Some(text) if !text.contains('\\') => text.to_owned(),
        _ => literal.value(),
    }
}

/// Checks `sql` against the schema: what the generated code needs, or the
/// error messages, in the order of their place in the SQL.
fn check(sql: &str, file_label: Option<&str>) -> Result<Prepared, Vec<String>> {
    let schema = schema::load().map_err(|message| vec![message])?;
    let types = schema::types().map_err(|message| vec![message])?;
    let described = analyze::describe(&schema, sql).map_err(|mut diagnostics| {
        diagnostics.sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.span.end));
        // One walk of the SQL for all of them: a query with thousands of
        // errors on one long line once took seconds to report.
        let index = LineIndex::new(sql);
        diagnostics
            .iter()
            .map(|diagnostic| render(diagnostic, &index, file_label))
            .collect::<Vec<_>>()
    })?;
    record_uses(sql, file_label, &described);
    Ok(prepare(&schema, &types, &described))
}

/// A diagnostic of the query as the user reads it: message, `line:col` in
/// the SQL, the line with carets, help.
fn render(diagnostic: &Diagnostic, index: &LineIndex<'_>, file: Option<&str>) -> String {
    let mut diagnostic = diagnostic.clone();
    diagnostic.file = file.map(PathBuf::from);
    let rendered = index.render(&diagnostic);
    let rendered = rendered
        .strip_prefix("error: ")
        .or_else(|| rendered.strip_prefix("warning: "))
        .unwrap_or(&rendered);
    // rustc puts its own `-->` (the macro call) under the message: name the
    // position inside the SQL in words instead.
    let (line, column) = index.line_col(diagnostic.span.start);
    let location = match file {
        Some(file) => format!("{file}:{line}:{column}"),
        None => format!("{line}:{column}"),
    };
    let place = match file {
        Some(file) => format!("at line {line}, column {column} of {file}"),
        None => format!("at line {line}, column {column} of the SQL"),
    };
    rendered.replacen(&format!("--> {location}"), &place, 1)
}

/// Reads `query_file!`'s file: relative to `CARGO_MANIFEST_DIR`, or failing
/// that to the directory of the file that calls the macro.
fn read_sql_file(
    relative: &str,
    caller_file: Option<&std::path::Path>,
) -> Result<(String, PathBuf), String> {
    let base = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut path = base.join(relative);
    if !path.is_file()
        && let Some(dir) = caller_file.and_then(std::path::Path::parent)
        && dir.join(relative).is_file()
    {
        path = dir.join(relative);
    }
    let sql = migrate_build::discover::read_sql_file(&path).map_err(|error| {
        // The error's own words name the absolute path; the user wrote `relative`.
        let why = match error {
            migrate_build::Error::Io { source, .. } => source.to_string(),
            migrate_build::Error::NotAFile { kind, .. } => {
                format!("it is {kind}, and SQL is read only from regular files")
            }
            migrate_build::Error::TooLarge { size, .. } => format!(
                "it is {size} bytes, more than the {} bytes (64 MiB) read from one SQL file",
                migrate_build::discover::MAX_FILE_BYTES
            ),
            other => other.to_string(),
        };
        format!(
            "cannot read {relative} (relative to CARGO_MANIFEST_DIR, or to the file calling the macro): {why}"
        )
    })?;
    Ok((sql, path))
}

/// One error, shown at `span`.
struct Problem {
    span: Span,
    message: String,
}

fn compile_error(span: Span, message: &str) -> Problem {
    Problem {
        span,
        message: message.to_owned(),
    }
}

impl Problem {
    /// `::core::compile_error!("..")` at the problem's span, without `;`.
    fn call(&self) -> TokenStream {
        let message = &self.message;
        quote_spanned!(self.span=> ::core::compile_error!(#message))
    }
}

/// What a macro expands to after an error: the errors, and a value of the
/// type the call would have had where that type is known (`sql!`,
/// `query_as!`). Elsewhere the last error stands as the value itself:
/// `compile_error!` in expression position has rustc's error type, so later
/// uses of the rows (`row.id`, `n + 1`) report nothing more. (In type
/// position it would expand to `()`, which does not silence them.)
fn stub(input: &Input, errors: Vec<Problem>) -> TokenStream {
    let literal = &input.literal;
    let args = input.args.iter().map(|arg| quote!(let _ = &(#arg);));
    let mut calls: Vec<TokenStream> = errors.iter().map(Problem::call).collect();
    if let Kind::Sql = input.kind {
        return quote!({ #(#calls;)* #literal });
    }
    let value = match &input.kind {
        Kind::As(path) => quote!(::migrate::__private::Query::<'static, #path>::stub()),
        Kind::Record | Kind::Scalar | Kind::Sql => match calls.pop() {
            Some(last) => last,
            // Not reached: a stub is made for an error.
            None => quote!(::migrate::__private::Query::<
                'static,
                ::migrate::__private::InvalidQuery,
            >::stub()),
        },
    };
    quote!({
        #(#args)*
        #(#calls;)*
        #value
    })
}

/// What a query's check found, in the terms of the generated code: the
/// Rust type of each parameter and how each column is read. All that
/// [`generate`] needs, and what [`cache`] keeps.
pub struct Prepared {
    /// Per parameter: its Rust type, or why it has none.
    pub params: Vec<Result<Param, String>>,
    /// Per column: how it is read, or why it cannot be.
    pub getters: Vec<Result<Getter, String>>,
    pub warnings: Vec<Diagnostic>,
}

/// The Rust type a parameter's argument must have.
pub struct Param {
    /// As code.
    pub ty: String,
    /// See [`RustType::lenient`].
    pub lenient: bool,
    /// See [`RustType::mapped`].
    pub mapped: bool,
    /// How the parameter is sent, so that the query runs without a round
    /// trip to ask the server its type: a built-in type's `typname`
    /// (`int8`, `_text`); for a type of the schema's own, whose OID only the
    /// server knows, `enum:<typname>`, `enum[]:<typname>` or
    /// `domain:<typname>:<base typname>`, `composite:<typname>:<attribute
    /// typnames, comma-separated>` (sent as an unspecified type the server
    /// infers, see the facade's `execute`); `None` for the rest (an array
    /// of composites or domains, a composite with an attribute of the
    /// schema's own type), which the driver prepares.
    pub wire: Option<String>,
}

fn prepare(schema: &Schema, types: &TypeMap, described: &Described) -> Prepared {
    Prepared {
        params: described
            .params
            .iter()
            .enumerate()
            .map(|(index, ty)| {
                rust_type(schema, types, ty)
                    .map(|rust| Param {
                        ty: rust.ty,
                        lenient: rust.lenient,
                        mapped: rust.mapped,
                        wire: wire_type(schema, ty),
                    })
                    .map_err(|missing| missing.for_param(index + 1))
            })
            .collect(),
        getters: described
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| column_getter(schema, types, index, column))
            .collect(),
        warnings: described.warnings.clone(),
    }
}

/// See [`Param::wire`].
fn wire_type(schema: &Schema, ty: &SqlType) -> Option<String> {
    if ty.is_builtin() {
        if ty.name.contains(' ') {
            return None;
        }
        return Some(if ty.array {
            format!("_{}", ty.name)
        } else {
            ty.name.clone()
        });
    }
    // A domain is sent as its base type's value, an enum as its label;
    // through domains over domains, as PostgreSQL allows.
    let mut ty = ty.clone();
    for _ in 0..16 {
        // What the driver's type check compares is the name alone.
        if ty.name.contains([' ', ':']) {
            return None;
        }
        let user = schema.user_type(&Name::new(&ty.schema, &ty.name))?;
        match &user.kind {
            UserTypeKind::Enum { .. } if ty.array => return Some(format!("enum[]:{}", ty.name)),
            UserTypeKind::Enum { .. } => return Some(format!("enum:{}", ty.name)),
            // An array of domains carries the domain's OID in each value.
            UserTypeKind::Domain { .. } if ty.array => return None,
            UserTypeKind::Domain { base, .. } if base.is_builtin() => {
                let base = wire_type(schema, base)?;
                return Some(format!("domain:{}:{base}", ty.name));
            }
            UserTypeKind::Domain { base, .. } => ty = base.clone(),
            // Its binary form names each attribute's type: known here when
            // every one is built in.
            UserTypeKind::Composite { attributes } if !ty.array => {
                let mut fields = Vec::new();
                for (_, attribute) in attributes {
                    if !attribute.is_builtin() {
                        return None;
                    }
                    fields.push(wire_type(schema, attribute)?);
                }
                return Some(format!("composite:{}:{}", ty.name, fields.join(",")));
            }
            UserTypeKind::Composite { .. } | UserTypeKind::Range { .. } => return None,
        }
    }
    None
}

/// The parameters' wire types as the facade reads them: `typname`s
/// separated by spaces, `?` for one the server must name.
fn wire_types(params: &[Result<Param, String>]) -> String {
    let mut out = String::new();
    for (index, param) in params.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        match param.as_ref().ok().and_then(|param| param.wire.as_deref()) {
            Some(name) => out.push_str(name),
            None => out.push('?'),
        }
    }
    out
}

fn generate(
    input: &Input,
    sql: &str,
    prepared: &Prepared,
    file_path: Option<PathBuf>,
) -> Result<TokenStream, Vec<Problem>> {
    let span = input.literal.span();
    let mut errors = Vec::new();
    let n_params = prepared.params.len();
    let n_args = input.args.len();
    // `sql!` takes no arguments: its user binds them with their own client.
    let checks_arguments = !matches!(input.kind, Kind::Sql);
    if checks_arguments && n_params != n_args {
        let list: Vec<String> = (1..=n_params).map(|i| format!("${i}")).collect();
        let message = match n_params {
            0 => format!(
                "the query has no parameters, but {n_args} argument{} {} given",
                plural(n_args),
                if n_args == 1 { "was" } else { "were" }
            ),
            _ => format!(
                "expected {n_params} argument{} for the query's parameter{} {}, got {n_args}",
                plural(n_params),
                plural(n_params),
                list.join(", ")
            ),
        };
        let at = input
            .args
            .get(n_params)
            .map_or(span, syn::spanned::Spanned::span);
        errors.push(compile_error(at, &message));
    }
    let mut args = Tokens::new(Span::call_site());
    for (arg, param) in input.args.iter().zip(&prepared.params) {
        // The first token's span: what `Spanned::span` gives on stable
        // Rust, which cannot join spans, without walking the expression.
        let arg_tokens = arg.to_token_stream();
        let arg_span = arg_tokens
            .clone()
            .into_iter()
            .next()
            .map_or(span, |first| first.span());
        match param {
            Ok(rust) => {
                // Spanned at the argument: a type error points there.
                // `::migrate::__private::Encode::<T>::arg(&(ARG)),`: a trait
                // method rather than a function with a bound, so that a type
                // error ends at the argument instead of going on into
                // migrate's own source.
                let (check, method) = match (rust.lenient, rust.mapped) {
                    (true, _) => ("Encode", "arg_lenient"),
                    (false, true) => ("EncodeMapped", "arg"),
                    (false, false) => ("Encode", "arg"),
                };
                args.span = arg_span;
                args.path(&["migrate", "__private", check]);
                args.punct_joint(':');
                args.punct(':');
                args.punct('<');
                args.ty(&rust.ty);
                args.punct('>');
                args.punct_joint(':');
                args.punct(':');
                args.ident(method);
                let mut value = Tokens::new(arg_span);
                value.punct('&');
                value.group(Delimiter::Parenthesis, arg_tokens);
                args.group(Delimiter::Parenthesis, value.into_stream());
                args.punct(',');
            }
            Err(message) => errors.push(compile_error(arg_span, message)),
        }
    }
    let file_label = input.from_file.then(|| literal_value(&input.literal));
    let warnings = warnings(&prepared.warnings, sql, file_label.as_deref(), span);
    if let Kind::Sql = input.kind {
        if !errors.is_empty() {
            return Err(errors);
        }
        let literal = &input.literal;
        return Ok(quote!({ #warnings #literal }));
    }
    let mut getters = Vec::new();
    for getter in &prepared.getters {
        match getter {
            Ok(getter) => getters.push(getter),
            Err(message) => errors.push(compile_error(span, message)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // The rest is written as text and parsed once: building it token by
    // token (`quote!`) crosses from the macro to the compiler for every
    // group and interpolation, which was most of a query's expansion time.
    let mut block = String::new();
    if let Some(path) = file_path {
        // Rebuild when the SQL file changes.
        block.push_str(&format!(
            "const _: &str = ::core::include_str!({:?});",
            path.display().to_string()
        ));
    }
    if !matches!(input.kind, Kind::As(_))
        && let Some(getter) = getters
            .iter()
            .find(|getter| getter.wildcard && getter.ty == "_")
    {
        let name = &getter.name;
        return Err(vec![compile_error(
            span,
            &format!(
                "column \"{name}\": `: _` reads a column as the type of query_as!'s struct field, and this macro has no struct; name a Rust type (`AS \"{name}: MyType\"`), or use query_as!"
            ),
        )]);
    }
    // What follows the text: code whose spans matter (`query_as!`'s).
    let mut spanned = TokenStream::new();
    let constructor = match &input.kind {
        Kind::Record => record_map(&mut block, &getters)
            .map_err(|message| vec![compile_error(span, &message)])?,
        Kind::As(path) => {
            // Tokens, not text: its type errors point at the struct's path.
            let map =
                as_map(path, &getters).map_err(|message| vec![compile_error(span, &message)])?;
            spanned = quote!(#map __migrate_map);
            "new"
        }
        Kind::Scalar => {
            let [getter] = getters.as_slice() else {
                return Err(vec![compile_error(
                    span,
                    &format!(
                        "query_scalar! needs a query that returns exactly one column; this one returns {}",
                        getters.len()
                    ),
                )]);
            };
            let body = if getter.plain {
                // The value as `get` returns it: no `?` to compile per query.
                "::migrate::__private::get(row, 0)".to_owned()
            } else {
                format!("::migrate::__private::Ok({})", getter.read)
            };
            block.push_str(&format!(
                "#[allow(clippy::all)] let __migrate_map: ::migrate::__private::MapRow<{}> = |row| {body}; __migrate_map",
                getter.ty
            ));
            "new"
        }
        // `sql!` returned above.
        Kind::Sql => "new",
    };
    // `::migrate::__private::Query::CONSTRUCTOR(SQL, TYPES, [ARGS], { BLOCK })`,
    // built token by token and handed to the compiler at once: `quote!`
    // crosses from the macro to the compiler at each interpolation.
    let mut body = Tokens::new(Span::call_site());
    body.trees.push(sql_literal(input, sql).into());
    body.punct(',');
    body.trees
        .push(Literal::string(&wire_types(&prepared.params)).into());
    body.punct(',');
    body.group(Delimiter::Bracket, args.into_stream());
    body.punct(',');
    let spanned_empty = !matches!(input.kind, Kind::As(_));
    let block = code(&block);
    // Joining streams is one more crossing: only when there is more.
    let inner = if prepared.warnings.is_empty() && spanned_empty {
        block
    } else {
        let mut inner = warnings;
        inner.extend(block);
        inner.extend(spanned);
        inner
    };
    body.group(Delimiter::Brace, inner);
    let mut call = Tokens::new(Span::call_site());
    call.path(&["migrate", "__private", "Query", constructor]);
    call.group(Delimiter::Parenthesis, body.into_stream());
    Ok(call.into_stream())
}

/// Tokens of generated code, built one by one with one span and collected
/// into a stream once.
struct Tokens {
    trees: Vec<TokenTree>,
    span: Span,
}

impl Tokens {
    fn new(span: Span) -> Self {
        Self {
            trees: Vec::new(),
            span,
        }
    }

    fn ident(&mut self, name: &str) {
        self.trees.push(Ident::new(name, self.span).into());
    }

    fn punct(&mut self, ch: char) {
        self.push_punct(ch, Spacing::Alone);
    }

    fn punct_joint(&mut self, ch: char) {
        self.push_punct(ch, Spacing::Joint);
    }

    fn push_punct(&mut self, ch: char, spacing: Spacing) {
        let mut punct = Punct::new(ch, spacing);
        punct.set_span(self.span);
        self.trees.push(punct.into());
    }

    /// `::a::b::c`.
    fn path(&mut self, segments: &[&str]) {
        for segment in segments {
            self.punct_joint(':');
            self.punct(':');
            self.ident(segment);
        }
    }

    /// A Rust type written as code: a plain name or a `::`-path of plain
    /// names built here, anything else parsed.
    fn ty(&mut self, ty: &str) {
        if is_plain_ident(ty) {
            return self.ident(ty);
        }
        if let Some(path) = ty.strip_prefix("::")
            && path.split("::").all(is_plain_ident)
        {
            return self.path(&path.split("::").collect::<Vec<_>>());
        }
        self.extend(code(ty));
    }

    fn group(&mut self, delimiter: Delimiter, stream: TokenStream) {
        let mut group = Group::new(delimiter, stream);
        group.set_span(self.span);
        self.trees.push(group.into());
    }

    fn extend(&mut self, stream: TokenStream) {
        self.trees.extend(stream);
    }

    fn into_stream(self) -> TokenStream {
        self.trees.into_iter().collect()
    }
}

/// Generated code, written as text, as tokens. The text is ours and always
/// parses; were it not to, the compiler would show the tokens it got.
fn code(text: &str) -> TokenStream {
    // Inside the compiler, straight to its lexer: `proc_macro2` would lex the
    // text a first time itself, to check it, which costs more than the rest.
    let parsed = if proc_macro::is_available() {
        text.parse::<proc_macro::TokenStream>()
            .map(TokenStream::from)
            .ok()
    } else {
        text.parse::<TokenStream>().ok()
    };
    parsed.unwrap_or_else(|| {
        let message = format!("migrate generated code that does not parse (a bug): {text}");
        quote!(::core::compile_error!(#message))
    })
}

/// The SQL as a string literal: the user's own, or the file's text.
fn sql_literal(input: &Input, sql: &str) -> Literal {
    if input.from_file {
        LitStr::new(sql, input.literal.span()).token()
    } else {
        input.literal.token()
    }
}

/// The analyzer's warnings as compiler warnings. A proc macro cannot emit a
/// warning on stable Rust; the use of a deprecated constant whose note is the
/// message can, and it is silenced like any deprecation warning.
fn warnings(warnings: &[Diagnostic], sql: &str, file: Option<&str>, span: Span) -> TokenStream {
    let index = LineIndex::new(sql);
    warnings
        .iter()
        .map(|warning| {
            let note = render(warning, &index, file);
            quote_spanned!(span=> {
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const migrate_sql_warning: () = ();
                let () = migrate_sql_warning;
            })
        })
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How one output column is read.
pub struct Getter {
    pub name: String,
    /// The Rust type of the value, `Option` included, as code.
    pub ty: String,
    /// An expression of that type reading it from `row`, with `?`, as code.
    pub read: String,
    /// `read` is `get(row, index)?` for a type of migrate's choice, which
    /// the driver reads by itself.
    pub plain: bool,
    /// sqlx's wildcard override `"name: _"`: `query_as!` reads the column
    /// as its struct field's type, unchecked (`read` is `get_lenient`);
    /// `ty` is the column's own Rust type, `_` where it has none.
    pub wildcard: bool,
}

fn column_getter(
    schema: &Schema,
    types: &TypeMap,
    index: usize,
    column: &analyze::OutputColumn,
) -> Result<Getter, String> {
    let (ty, read, plain) = match &column.rust_type {
        Some(wildcard) if wildcard == "_" => {
            let read = format!("::migrate::__private::get_lenient(row, {index})?");
            let plain_column = analyze::OutputColumn {
                rust_type: None,
                ..column.clone()
            };
            // The column's own type serves `query!` and `query_scalar!`.
            let ty = column_getter(schema, types, index, &plain_column)
                .map_or_else(|_| "_".to_owned(), |getter| getter.ty);
            return Ok(Getter {
                name: column.name.clone(),
                ty,
                read,
                plain: false,
                wildcard: true,
            });
        }
        Some(written) => {
            syn::parse_str::<syn::Type>(written).map_err(|error| {
                format!(
                    "column \"{}\": `{written}` is not a Rust type: {error}",
                    column.name
                )
            })?;
            let ty = if column.nullable {
                format!("::core::option::Option<{written}>")
            } else {
                written.clone()
            };
            // `record[]` (`array_agg(ROW(..))`), which the driver's `Vec`
            // does not read: each element through the user's type.
            let getter = if column.ty.is_builtin() && column.ty.array && column.ty.name == "record"
            {
                "get_records"
            } else {
                "get"
            };
            // Not `plain`: a type of the user's own that the driver cannot
            // read is reported on its own column, not on a tuple of all.
            (
                ty,
                format!("::migrate::__private::{getter}(row, {index})?"),
                false,
            )
        }
        None if column.ty.is_builtin() && column.ty.name == "record" && column.fields.is_some() => {
            let (tuple, arrays) = record_tuple(schema, types, column)?;
            let ty = match (column.ty.array, column.element_nullable) {
                (false, _) => tuple,
                (true, true) => {
                    format!("::std::vec::Vec<::core::option::Option<{tuple}>>")
                }
                (true, false) => format!("::std::vec::Vec<{tuple}>"),
            };
            let ty = if column.nullable {
                format!("::core::option::Option<{ty}>")
            } else {
                ty
            };
            // Named, not inferred: `RecordTuple`'s impls over `Option` and
            // `Vec` would send inference round them without end.
            let read = format!("::migrate::__private::get_record::<{ty}, {arrays}>(row, {index})?");
            (ty, read, false)
        }
        None => {
            let RustType { ty, lenient, .. } =
                column_rust_type(schema, types, &column.ty, column.element_nullable)
                    .map_err(|missing| missing.for_column(&column.name))?;
            if ty == "()" {
                // `void`: nothing to read, and never absent but for a
                // function that was not called (NULL input to a strict one).
                return Ok(Getter {
                    name: column.name.clone(),
                    ty,
                    read: "()".to_owned(),
                    plain: false,
                    wildcard: false,
                });
            }
            let full = if column.nullable {
                format!("::core::option::Option<{ty}>")
            } else {
                ty
            };
            // The type comes from where the value goes (field, return
            // type): fewer tokens per query, one `get` per Rust type.
            let getter = if lenient { "get_lenient" } else { "get" };
            let read = format!("::migrate::__private::{getter}(row, {index})?");
            (full, read, !lenient)
        }
    };
    Ok(Getter {
        name: column.name.clone(),
        ty,
        read,
        plain,
        wildcard: false,
    })
}

/// The widest anonymous record read as a tuple (the facade's `RecordTuple`).
const MAX_RECORD_TUPLE: usize = 12;

/// The tuple an anonymous record column's rows come back as: each field's
/// Rust type, an `Option` where the field may be NULL; and the mask of the
/// fields that are arrays of a type of the migrations (`RecordTuple`'s
/// `ARRAYS`: the record's binary form names their types by oids the
/// driver does not know as arrays).
fn record_tuple(
    schema: &Schema,
    types: &TypeMap,
    column: &analyze::OutputColumn,
) -> Result<(String, u16), String> {
    let name = &column.name;
    let fields = column.fields.as_deref().unwrap_or_default();
    let ways_out = format!(
        "read it into a struct with #[derive(migrate::Composite)] named in its alias (`AS \"{name}: MyRow\"`), or select its fields one by one"
    );
    if fields.is_empty() || fields.len() > MAX_RECORD_TUPLE {
        return Err(format!(
            "column \"{name}\" is a record of {} fields, and migrate reads records of 1 to {MAX_RECORD_TUPLE} fields as tuples: {ways_out}",
            fields.len()
        ));
    }
    let mut tuple = String::from("(");
    let mut arrays = 0_u16;
    for (position, field) in fields.iter().enumerate() {
        let number = position + 1;
        if field.ty.array && !field.ty.is_builtin() {
            arrays |= 1 << position;
        }
        let rust = column_rust_type(schema, types, &field.ty, true).map_err(|missing| {
            let why = match missing {
                NoRustType::Unmapped(ty) | NoRustType::Row(ty) => {
                    format!("is of type {ty}, which has no Rust type in migrate")
                }
                NoRustType::TextOnly(ty, _) => {
                    format!("is of type {ty}, which PostgreSQL sends only as text")
                }
                NoRustType::Polymorphic(ty) | NoRustType::NotReceived { ty, .. } => {
                    format!("is of type {ty}, which migrate cannot read")
                }
                NoRustType::Other(message) => format!("cannot be read: {message}"),
            };
            format!(
                "field {number} of the record in column \"{name}\" {why}: cast the field in SQL, or {ways_out}"
            )
        })?;
        if rust.ty == "()" {
            return Err(format!(
                "field {number} of the record in column \"{name}\" is of type void, which a record cannot carry to Rust: {ways_out}"
            ));
        }
        if field.nullable {
            tuple.push_str(&format!("::core::option::Option<{}>,", rust.ty));
        } else {
            tuple.push_str(&format!("{},", rust.ty));
        }
    }
    tuple.push(')');
    Ok((tuple, arrays))
}

/// A Rust identifier for a column name, as code: raw for keywords, an error
/// for names that cannot be one.
fn field_ident(name: &str) -> Result<String, String> {
    // Most column names are plain ASCII identifiers: take those as they are,
    // as parsing a string goes through the compiler once per call.
    if is_plain_ident(name) {
        return Ok(name.to_owned());
    }
    if let Ok(ident) = syn::parse_str::<Ident>(name) {
        return Ok(ident.to_string());
    }
    let raw = format!("r#{name}");
    if syn::parse_str::<Ident>(&raw).is_ok() {
        return Ok(raw);
    }
    Err(format!(
        "column \"{name}\" cannot be a Rust field name; give it an alias: `AS some_name`"
    ))
}

/// `[a-z_][a-z0-9_]*` (any case), and not a Rust keyword.
fn is_plain_ident(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
        "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
        "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv",
        "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true",
        "try", "type", "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while",
        "yield",
    ];
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&name)
}

fn fields(getters: &[&Getter]) -> Result<Vec<String>, String> {
    let mut idents: Vec<String> = Vec::new();
    for getter in getters {
        let ident = field_ident(&getter.name)?;
        if idents.contains(&ident) {
            return Err(format!(
                "two columns are named \"{}\": give one an alias (`AS other_name`) so that each becomes its own field",
                getter.name
            ));
        }
        idents.push(ident);
    }
    Ok(idents)
}

/// The widest row `migrate::__private::get_row` reads as a tuple.
const MAX_ROW_TUPLE: usize = 12;

/// Writes `query!`'s record struct and what reads a row into it, and
/// returns the `Query` constructor that takes it.
fn record_map(out: &mut String, getters: &[&Getter]) -> Result<&'static str, String> {
    let idents = fields(getters)?;
    // No derives: each would be one more impl to compile per query, and
    // a rebuild compiles every query again (`query_as!` takes a struct
    // of the user's own, with whatever derives it needs). No `#[allow]` of
    // dead code or naming lints either: the compiler does not report those
    // in an external macro's expansion, and the attribute cost each query
    // about 4 % of its rebuild.
    out.push_str("#[repr(C)] struct Record {");
    for (ident, getter) in idents.iter().zip(getters) {
        out.push_str(&format!("pub {ident}: {},", getter.ty));
    }
    out.push('}');
    // When the driver reads every column by itself, the row is read as a
    // whole by code shared with every query of the same column types, and
    // moved into the record as it is: no code of this query's own but the
    // struct. Sound because the struct just written is `#[repr(C)]` with
    // the columns' types in the columns' order, as `Whole` asks.
    if (1..=MAX_ROW_TUPLE).contains(&getters.len()) && getters.iter().all(|getter| getter.plain) {
        let types: Vec<&str> = getters.iter().map(|getter| getter.ty.as_str()).collect();
        out.push_str(&format!(
            "unsafe {{ ::migrate::__private::Whole::<::migrate::__private::Columns{}<{}>, Record>::new() }}",
            getters.len(),
            types.join(", ")
        ));
        return Ok("record");
    }
    out.push_str(
        "#[allow(clippy::all)] let __migrate_map: ::migrate::__private::MapRow<Record> = |row| ::migrate::__private::Ok(Record {",
    );
    for (ident, getter) in idents.iter().zip(getters) {
        out.push_str(&format!("{ident}: {},", getter.read));
    }
    out.push_str("}); __migrate_map");
    Ok("new")
}

fn as_map(path: &Path, getters: &[&Getter]) -> Result<TokenStream, String> {
    let idents = fields(getters)?;
    let idents = idents.iter().map(|ident| code(ident));
    let path_span = syn::spanned::Spanned::span(path);
    let inits = idents.zip(getters).map(|(ident, getter)| {
        let read = code(&getter.read);
        if getter.wildcard {
            // `"name: _"`: the field's type, whatever it is, as sqlx.
            return quote!(#ident: #read);
        }
        let ty = code(&getter.ty);
        // The value is bound first so that a type error spans only the
        // tokens spanned at the struct's path, not the whole macro call.
        // A type named after the column names it in that error; braced, it
        // shadows nothing in the value namespace (`row`), and its block
        // names no other type it could shadow.
        let value = quote_spanned!(path_span=>
            ::migrate::__private::IntoField::<_, #ident>::into_field(value)
        );
        quote!(#ident: {
            let value: #ty = #read;
            {
                #[allow(non_camel_case_types, dead_code)]
                struct #ident {}
                #value
            }
        })
    });
    Ok(quote!(
        #[allow(clippy::all)]
        let __migrate_map: ::migrate::__private::MapRow<#path> = |row| {
            ::migrate::__private::Ok(#path {
                #(#inits,)*
            })
        };
    ))
}

/// `embed!()`: includes what the build script wrote.
pub fn embed() -> TokenStream {
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        let message = "migrate::embed!() includes the migrations a build script prepared, and this crate has no build script.\n\
             Add to Cargo.toml:\n    [build-dependencies]\n    migrate-build = \"0.1\"\n\
             and a build.rs next to it:\n    fn main() { migrate_build::compile(); }";
        return quote!(::core::compile_error!(#message));
    };
    let path = PathBuf::from(out_dir).join("migrate").join("embed.rs");
    if !path.is_file() {
        let message = format!(
            "migrate::embed!() found no {}: the build script of this crate does not call migrate_build::compile(); add `migrate_build::compile();` to `fn main()` in build.rs",
            path.display()
        );
        return quote!(::core::compile_error!(#message));
    }
    let path = path.display().to_string();
    quote!(::core::include!(#path))
}

/// Saves which tables and columns the query uses under
/// `$OUT_DIR/migrate/uses/`, for `migrate lint`'s rolling-deploy check. Only
/// crates with a build script have an `OUT_DIR`; failing to write the file
/// must not fail the build of a correct query, so errors are ignored.
fn record_uses(sql: &str, location: Option<&str>, described: &Described) {
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let dir = PathBuf::from(out_dir).join("migrate").join("uses");
    let _ = migrate_build::lint::record_query_uses(&dir, sql, location, &described.uses);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text taken between the quotes is what syn's unescaping gives,
    /// and anything with an escape, a raw string or a suffix goes to syn.
    #[test]
    fn literal_value_is_syns() {
        for source in [
            r#""SELECT 1""#,
            r#""""#,
            r#""SELECT 'é' AS \"x\"\n""#,
            r#""a \
                b""#,
            r##"r#"SELECT "x" FROM t"#"##,
            r#""SELECT 1"suffix"#,
        ] {
            let literal: LitStr = syn::parse_str(source).unwrap();
            assert_eq!(literal_value(&literal), literal.value(), "{source}");
        }
    }
}
