//! Procedural macros of migrate. Use them through the `migrate` crate, which
//! documents them: `migrate::query!`, `migrate::query_as!`,
//! `migrate::query_scalar!`, `migrate::query_file!`, `migrate::query_file_as!`,
//! `migrate::query_file_scalar!`, `migrate::sql!` and `migrate::embed!`.
//!
//! Each macro parses its input with syn and hands it to [`expand`], plain
//! code over `proc_macro2` that checks the SQL with
//! `migrate_build::analyze::describe` against the schema [`schema::load`]
//! finds (once per compiler process).

use proc_macro::TokenStream;
use syn::parse::Parser;

mod cache;
mod derive;
mod derived;
mod expand;
mod schema;
mod types;

use expand::{Input, Kind};

fn run(
    tokens: TokenStream,
    with_type: bool,
    from_file: bool,
    kind: impl FnOnce(Option<syn::Path>) -> Kind,
) -> TokenStream {
    let parser = |stream: syn::parse::ParseStream| Input::parse(kind, with_type, from_file, stream);
    match parser.parse(tokens) {
        Ok(mut input) => {
            input.caller_file = proc_macro::Span::call_site().local_file();
            expand::expand(input).into()
        }
        Err(error) => error.to_compile_error().into(),
    }
}

fn path_kind(path: Option<syn::Path>) -> Kind {
    match path {
        Some(path) => Kind::As(path),
        None => Kind::Record,
    }
}

/// See `migrate::query!`.
#[proc_macro]
pub fn query(tokens: TokenStream) -> TokenStream {
    run(tokens, false, false, |_| Kind::Record)
}

/// See `migrate::query_as!`.
#[proc_macro]
pub fn query_as(tokens: TokenStream) -> TokenStream {
    run(tokens, true, false, path_kind)
}

/// See `migrate::query_scalar!`.
#[proc_macro]
pub fn query_scalar(tokens: TokenStream) -> TokenStream {
    run(tokens, false, false, |_| Kind::Scalar)
}

/// See `migrate::query_file!`.
#[proc_macro]
pub fn query_file(tokens: TokenStream) -> TokenStream {
    run(tokens, false, true, |_| Kind::Record)
}

/// See `migrate::query_file_as!`.
#[proc_macro]
pub fn query_file_as(tokens: TokenStream) -> TokenStream {
    run(tokens, true, true, path_kind)
}

/// See `migrate::query_file_scalar!`.
#[proc_macro]
pub fn query_file_scalar(tokens: TokenStream) -> TokenStream {
    run(tokens, false, true, |_| Kind::Scalar)
}

/// See `migrate::sql!`.
#[proc_macro]
pub fn sql(tokens: TokenStream) -> TokenStream {
    run(tokens, false, false, |_| Kind::Sql)
}

/// See `migrate::embed!`.
#[proc_macro]
pub fn embed(tokens: TokenStream) -> TokenStream {
    if !tokens.is_empty() {
        return syn::Error::new(
            proc_macro2::Span::call_site(),
            "migrate::embed!() takes no arguments: configure the migrations directory in build.rs",
        )
        .to_compile_error()
        .into();
    }
    expand::embed().into()
}

/// See `migrate::Enum`.
#[proc_macro_derive(Enum, attributes(migrate))]
pub fn derive_enum(tokens: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(tokens) {
        Ok(input) => derive::derive_enum(&input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// See `migrate::Composite`.
#[proc_macro_derive(Composite, attributes(migrate))]
pub fn derive_composite(tokens: TokenStream) -> TokenStream {
    match syn::parse::<syn::DeriveInput>(tokens) {
        Ok(input) => derive::derive_composite(&input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}
