//! `#[derive(migrate::Enum)]` and `#[derive(migrate::Composite)]`: a Rust
//! type that reads and writes a PostgreSQL enum or composite type, checked
//! at compile time against the type the migrations fold to.
//!
//! Both name their PostgreSQL type with `#[migrate(type_name = "..")]`
//! (schema-qualified outside `public`). An enum's variants become labels as
//! sqlx spells them: the variant's name, `#[migrate(rename = "..")]` on a
//! variant, or `#[migrate(rename_all = "..")]` on the enum (`lowercase`,
//! `UPPERCASE`, `snake_case`, `SCREAMING_SNAKE_CASE`, `kebab-case`,
//! `camelCase`, `PascalCase`). A composite's fields are its attributes by
//! name (`#[migrate(rename = "..")]` on a field), each of the attribute's
//! Rust type or an `Option` of it. Where the schema cannot be loaded (a
//! crate without migrations) nothing is checked: the queries that use the
//! type are.

use migrate_core::{Name, Schema, SqlType, UserTypeKind};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::schema;
use crate::types::rust_type;

/// What `#[migrate(..)]` said on the type or on one of its variants or fields.
#[derive(Default)]
struct Attributes {
    type_name: Option<LitStr>,
    rename: Option<LitStr>,
    rename_all: Option<LitStr>,
}

fn attributes(attrs: &[syn::Attribute]) -> syn::Result<Attributes> {
    let mut found = Attributes::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("migrate")) {
        attr.parse_nested_meta(|meta| {
            let slot = if meta.path.is_ident("type_name") {
                &mut found.type_name
            } else if meta.path.is_ident("rename") {
                &mut found.rename
            } else if meta.path.is_ident("rename_all") {
                &mut found.rename_all
            } else {
                return Err(meta.error(
                    "unknown migrate attribute: expected `type_name`, `rename` or `rename_all`",
                ));
            };
            *slot = Some(meta.value()?.parse()?);
            Ok(())
        })?;
    }
    Ok(found)
}

/// The words of a Rust identifier: `HTTPServerError` is `HTTP`, `Server`,
/// `Error`; `in_progress` is `in`, `progress`.
fn words(ident: &str) -> Vec<String> {
    let chars: Vec<char> = ident.chars().collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (index, &c) in chars.iter().enumerate() {
        if c == '_' || c == '-' {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let previous = index.checked_sub(1).map(|i| chars[i]);
        let next = chars.get(index + 1);
        let starts_word = c.is_uppercase()
            && previous.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(|n| n.is_lowercase()))
            });
        if starts_word && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn capitalised(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `ident` as `rename_all` spells it, as sqlx does.
fn renamed(ident: &str, rule: &str) -> Option<String> {
    let words = words(ident);
    let lower: Vec<String> = words.iter().map(|word| word.to_lowercase()).collect();
    Some(match rule {
        "lowercase" => ident.to_lowercase(),
        "UPPERCASE" => ident.to_uppercase(),
        "snake_case" => lower.join("_"),
        "SCREAMING_SNAKE_CASE" => lower.join("_").to_uppercase(),
        "kebab-case" => lower.join("-"),
        "camelCase" => {
            let mut out = lower.first().cloned().unwrap_or_default();
            for word in words.iter().skip(1) {
                out.push_str(&capitalised(word));
            }
            out
        }
        "PascalCase" => words.iter().map(|word| capitalised(word)).collect(),
        _ => return None,
    })
}

/// The type the derive names, looked up in the folded schema: `Ok(None)`
/// when there is no schema to check against.
fn schema_and_name(type_name: &str) -> (Option<std::sync::Arc<Schema>>, Name) {
    let name = match type_name.split_once('.') {
        Some((schema, name)) => Name::new(schema, name),
        None => Name::public(type_name),
    };
    (schema::load().ok(), name)
}

fn quoted_list(labels: &[String]) -> String {
    if labels.is_empty() {
        return "(none)".to_owned();
    }
    labels
        .iter()
        .map(|label| format!("'{label}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `tokens` with every span set to `span`.
fn respanned(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(group) = &tree {
                let mut inner =
                    proc_macro2::Group::new(group.delimiter(), respanned(group.stream(), span));
                inner.set_span(span);
                tree = inner.into();
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

fn error(span: Span, message: &str) -> TokenStream {
    quote_spanned!(span=> ::core::compile_error!(#message);)
}

/// `T` as a mapped type: the arguments a parameter of it takes are `T`, and
/// through the facade's impls `Option<T>`, `Vec<T>`, `Vec<Option<T>>`, `&[T]`.
fn encode_impls(ident: &syn::Ident) -> TokenStream {
    quote! {
        #[automatically_derived]
        impl ::migrate::__private::MappedType for #ident {}
        #[automatically_derived]
        impl ::migrate::__private::EncodeMapped<#ident> for #ident {}
    }
}

/// `#[derive(migrate::Enum)]`.
pub fn derive_enum(input: &DeriveInput) -> TokenStream {
    match enum_tokens(input) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

fn enum_tokens(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            "#[derive(migrate::Enum)] is for an enum whose variants are a PostgreSQL enum's labels",
        ));
    };
    let attrs = attributes(&input.attrs)?;
    let Some(type_name) = attrs.type_name else {
        return Err(syn::Error::new(
            ident.span(),
            format!(
                "name the PostgreSQL enum `{ident}` reads and writes: #[migrate(type_name = \"...\")]"
            ),
        ));
    };
    let rule = attrs.rename_all.as_ref().map(LitStr::value);
    if let (Some(rule), Some(literal)) = (&rule, &attrs.rename_all)
        && renamed("x", rule).is_none()
    {
        return Err(syn::Error::new(
            literal.span(),
            "unknown rename_all rule: expected lowercase, UPPERCASE, snake_case, SCREAMING_SNAKE_CASE, kebab-case, camelCase or PascalCase",
        ));
    }
    let mut variants = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            return Err(syn::Error::new(
                variant.span(),
                "a variant of a PostgreSQL enum is a label: it holds no fields",
            ));
        }
        let own = attributes(&variant.attrs)?;
        let name = variant.ident.to_string();
        let label = match (own.rename, &rule) {
            (Some(rename), _) => rename.value(),
            (None, Some(rule)) => renamed(&name, rule).unwrap_or(name),
            (None, None) => name,
        };
        variants.push((&variant.ident, label));
    }
    let sql_name = type_name.value();
    let mut tokens = TokenStream::new();
    let (schema, name) = schema_and_name(&sql_name);
    if let Some(schema) = schema {
        let labels: Vec<String> = variants.iter().map(|(_, label)| label.clone()).collect();
        match schema.user_type(&name).map(|user| &user.kind) {
            Some(UserTypeKind::Enum { labels: sql_labels }) => {
                let missing: Vec<String> = sql_labels
                    .iter()
                    .filter(|label| !labels.contains(label))
                    .cloned()
                    .collect();
                let extra: Vec<String> = labels
                    .iter()
                    .filter(|label| !sql_labels.contains(label))
                    .cloned()
                    .collect();
                if !missing.is_empty() || !extra.is_empty() {
                    let mut message = format!(
                        "enum `{ident}` does not match the PostgreSQL enum {sql_name}:\n  \
                         labels of {sql_name} in the migrations: {}\n  \
                         labels of `{ident}`:{} {}",
                        quoted_list(sql_labels),
                        " ".repeat(sql_name.len().saturating_sub(ident.to_string().len() + 2)),
                        quoted_list(&labels),
                    );
                    if !extra.is_empty() {
                        message.push_str(&format!(
                            "\n  {} not a label of {sql_name}",
                            match extra.len() {
                                1 => format!("{} is", quoted_list(&extra)),
                                _ => format!("{} are", quoted_list(&extra)),
                            }
                        ));
                    }
                    if !missing.is_empty() {
                        message.push_str(&format!(
                            "\n  {} of {sql_name} {} no variant",
                            quoted_list(&missing),
                            if missing.len() == 1 { "has" } else { "have" }
                        ));
                    }
                    message.push_str(
                        "\n  = help: rename a variant with #[migrate(rename = \"..\")], or spell them all with #[migrate(rename_all = \"..\")]",
                    );
                    tokens.extend(error(ident.span(), &message));
                }
            }
            Some(_) => tokens.extend(error(
                type_name.span(),
                &format!("type {sql_name} is not an enum"),
            )),
            None => tokens.extend(error(
                type_name.span(),
                &format!("type \"{sql_name}\" does not exist in the migrations"),
            )),
        }
    }
    let short_name = name.name.clone();
    let to_arms = variants.iter().map(|(variant, label)| {
        let bytes = LitStr::new(label, Span::call_site());
        quote!(Self::#variant => #bytes)
    });
    let from_arms = variants.iter().map(|(variant, label)| {
        let bytes = syn::LitByteStr::new(label.as_bytes(), Span::call_site());
        quote!(#bytes => ::core::result::Result::Ok(Self::#variant))
    });
    let encode = encode_impls(ident);
    tokens.extend(quote! {
        #[automatically_derived]
        impl ::migrate::__private::postgres::types::ToSql for #ident {
            fn to_sql(
                &self,
                _: &::migrate::__private::postgres::types::Type,
                out: &mut ::migrate::__private::postgres::types::private::BytesMut,
            ) -> ::core::result::Result<
                ::migrate::__private::postgres::types::IsNull,
                ::std::boxed::Box<dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send>,
            > {
                let label: &str = match self { #(#to_arms,)* };
                out.extend_from_slice(label.as_bytes());
                ::core::result::Result::Ok(::migrate::__private::postgres::types::IsNull::No)
            }

            fn accepts(ty: &::migrate::__private::postgres::types::Type) -> bool {
                ty.name() == #short_name
            }

            ::migrate::__private::postgres::types::to_sql_checked!();
        }

        #[automatically_derived]
        impl<'__migrate> ::migrate::__private::postgres::types::FromSql<'__migrate> for #ident {
            fn from_sql(
                _: &::migrate::__private::postgres::types::Type,
                raw: &'__migrate [u8],
            ) -> ::core::result::Result<
                Self,
                ::std::boxed::Box<dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send>,
            > {
                match raw {
                    #(#from_arms,)*
                    other => ::core::result::Result::Err(::std::format!(
                        "{:?} is not a label that {} knows",
                        ::std::string::String::from_utf8_lossy(other),
                        ::core::stringify!(#ident)
                    ).into()),
                }
            }

            fn accepts(ty: &::migrate::__private::postgres::types::Type) -> bool {
                ty.name() == #short_name
            }
        }

        #encode
    });
    Ok(tokens)
}

/// `#[derive(migrate::Composite)]`.
pub fn derive_composite(input: &DeriveInput) -> TokenStream {
    match composite_tokens(input) {
        Ok(tokens) => tokens,
        Err(error) => error.to_compile_error(),
    }
}

/// The attributes of a composite type or of a table's row type.
fn composite_attributes(schema: &Schema, name: &Name) -> Option<Vec<(String, SqlType)>> {
    if let Some(UserTypeKind::Composite { attributes }) =
        schema.user_type(name).map(|user| &user.kind)
    {
        return Some(attributes.clone());
    }
    schema.relation(name).map(|relation| {
        relation
            .columns
            .iter()
            .map(|column| (column.name.clone(), column.ty.clone()))
            .collect()
    })
}

fn composite_tokens(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            ident.span(),
            "#[derive(migrate::Composite)] is for a struct whose fields are a PostgreSQL composite type's attributes",
        ));
    };
    let Fields::Named(named) = &data.fields else {
        return Err(syn::Error::new(
            ident.span(),
            "#[derive(migrate::Composite)] needs named fields, one per attribute",
        ));
    };
    let attrs = attributes(&input.attrs)?;
    let mut fields = Vec::new();
    for field in &named.named {
        let own = attributes(&field.attrs)?;
        let Some(field_ident) = &field.ident else {
            continue;
        };
        let sql = own.rename.map_or_else(
            || field_ident.to_string().trim_start_matches("r#").to_owned(),
            |rename| rename.value(),
        );
        fields.push((field_ident, &field.ty, sql));
    }
    // Without a type name: an anonymous record (`(a, b) AS "x: Pair"`),
    // read by position; nothing to check it against.
    let sql_name = attrs
        .type_name
        .as_ref()
        .map_or_else(|| "record".to_owned(), LitStr::value);
    let (schema, name) = schema_and_name(&sql_name);
    let mut tokens = TokenStream::new();
    // The fields in the attributes' order, which is the order of the binary
    // form; without a schema, in the struct's order.
    let mut ordered: Vec<usize> = (0..fields.len()).collect();
    if let (Some(schema), Some(type_name)) = (schema, &attrs.type_name) {
        let types = schema::types().unwrap_or_default();
        match composite_attributes(&schema, &name) {
            Some(sql_attributes) => {
                let sql_names: Vec<String> =
                    sql_attributes.iter().map(|(name, _)| name.clone()).collect();
                let rust_names: Vec<String> =
                    fields.iter().map(|(_, _, sql)| sql.clone()).collect();
                let missing: Vec<String> = sql_names
                    .iter()
                    .filter(|name| !rust_names.contains(name))
                    .cloned()
                    .collect();
                for (field_ident, _, sql) in &fields {
                    if !sql_names.contains(sql) {
                        tokens.extend(error(
                            field_ident.span(),
                            &format!(
                                "field `{field_ident}` is not an attribute of {sql_name}, whose attributes are {}",
                                sql_names.join(", ")
                            ),
                        ));
                    }
                }
                if !missing.is_empty() {
                    tokens.extend(error(
                        ident.span(),
                        &format!(
                            "struct `{ident}` has no field for {} of {sql_name}: its attributes are {}; the struct's fields are {}",
                            missing.join(", "),
                            sql_names.join(", "),
                            rust_names.join(", ")
                        ),
                    ));
                }
                if tokens.is_empty() {
                    ordered = sql_names
                        .iter()
                        .filter_map(|name| rust_names.iter().position(|rust| rust == name))
                        .collect();
                    for (index, (_, sql_ty)) in sql_attributes.iter().enumerate() {
                        let (_, field_ty, _) = &fields[ordered[index]];
                        if let Ok(expected) = rust_type(&schema, &types, sql_ty) {
                            let Ok(expected) = expected.ty.parse::<TokenStream>() else {
                                continue;
                            };
                            // Spanned at the field, so that a mismatch
                            // points there.
                            let span = field_ty.span();
                            let expected = respanned(expected, span);
                            tokens.extend(quote_spanned!(span=>
                                const _: () = <#expected as ::migrate::__private::AttributeField<#field_ty>>::FITS;
                            ));
                        }
                    }
                }
            }
            None => tokens.extend(error(
                type_name.span(),
                &format!(
                    "type \"{sql_name}\" does not exist in the migrations (neither a composite type nor a table)"
                ),
            )),
        }
    }
    let n_fields = fields.len();
    let short_name = name.name.clone();
    let reads = ordered.iter().map(|&index| {
        let (field_ident, _, _) = &fields[index];
        quote!(#field_ident: reader.attribute()?)
    });
    let writes = ordered.iter().map(|&index| {
        let (field_ident, _, _) = &fields[index];
        quote!(writer.field(&self.#field_ident)?;)
    });
    let encode = encode_impls(ident);
    let reader = format_ident!("reader");
    tokens.extend(quote! {
        #[automatically_derived]
        impl<'__migrate> ::migrate::__private::postgres::types::FromSql<'__migrate> for #ident {
            fn from_sql(
                ty: &::migrate::__private::postgres::types::Type,
                raw: &'__migrate [u8],
            ) -> ::core::result::Result<
                Self,
                ::std::boxed::Box<dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send>,
            > {
                let mut #reader = ::migrate::__private::CompositeReader::new(ty, raw, #n_fields)?;
                ::core::result::Result::Ok(Self { #(#reads,)* })
            }

            fn accepts(ty: &::migrate::__private::postgres::types::Type) -> bool {
                ty.name() == #short_name || ty.name() == "record"
            }
        }

        #[automatically_derived]
        impl ::migrate::__private::postgres::types::ToSql for #ident {
            fn to_sql(
                &self,
                ty: &::migrate::__private::postgres::types::Type,
                out: &mut ::migrate::__private::postgres::types::private::BytesMut,
            ) -> ::core::result::Result<
                ::migrate::__private::postgres::types::IsNull,
                ::std::boxed::Box<dyn ::std::error::Error + ::core::marker::Sync + ::core::marker::Send>,
            > {
                let mut writer = ::migrate::__private::CompositeWriter::new(ty, out, #n_fields)?;
                #(#writes)*
                ::core::result::Result::Ok(::migrate::__private::postgres::types::IsNull::No)
            }

            fn accepts(ty: &::migrate::__private::postgres::types::Type) -> bool {
                ty.name() == #short_name
            }

            ::migrate::__private::postgres::types::to_sql_checked!();
        }

        #encode
    });
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_as_sqlx_does() {
        let cases = [
            ("InProgress", "lowercase"),
            ("InProgress", "UPPERCASE"),
            ("InProgress", "snake_case"),
            ("InProgress", "SCREAMING_SNAKE_CASE"),
            ("InProgress", "kebab-case"),
            ("InProgress", "camelCase"),
            ("in_progress", "PascalCase"),
            ("HTTPError", "snake_case"),
            ("Todo", "UPPERCASE"),
        ];
        let renamed: Vec<String> = cases
            .iter()
            .map(|(ident, rule)| renamed(ident, rule).unwrap_or_default())
            .collect();
        expect_test::expect![[r#"
            [
                "inprogress",
                "INPROGRESS",
                "in_progress",
                "IN_PROGRESS",
                "in-progress",
                "inProgress",
                "InProgress",
                "http_error",
                "TODO",
            ]
        "#]]
        .assert_debug_eq(&renamed);
    }
}
