//! Which Rust type a SQL type becomes in generated code.

use migrate_core::{Name, Schema, SqlType, UserTypeKind};

/// The features that choose Rust types, for [`crate::cache`]'s key.
pub const FEATURES: &str = concat!(
    "uuid=",
    cfg!(feature = "uuid"),
    " rust_decimal=",
    cfg!(feature = "rust_decimal"),
    " chrono=",
    cfg!(feature = "chrono"),
    " time=",
    cfg!(feature = "time"),
);

/// How a value of a SQL type is read from a row and passed as an argument.
#[derive(Clone, Debug)]
pub struct RustType {
    /// The Rust type, without `Option`, as code: `i64`,
    /// `::std::string::String`. Text, not tokens: the generated code is
    /// written as text and parsed once per query (see `expand`).
    pub ty: String,
    /// The value's binary form is its text but the driver does not map the
    /// SQL type to `String` by itself (an enum): read it with
    /// `get_text*` and pass arguments leniently.
    pub text: bool,
    /// The type is an array (`Vec<..>`).
    pub array: bool,
}

/// The Rust type of `ty`, or why there is none.
pub fn rust_type(schema: &Schema, ty: &SqlType) -> Result<RustType, String> {
    let element = element_type(schema, &ty.element(), 0)?;
    if !ty.array {
        return Ok(element);
    }
    let inner = element.ty;
    Ok(RustType {
        ty: format!("::std::vec::Vec<{inner}>"),
        text: element.text,
        array: true,
    })
}

fn element_type(schema: &Schema, ty: &SqlType, depth: usize) -> Result<RustType, String> {
    let plain = |ty: &str| RustType {
        ty: ty.to_owned(),
        text: false,
        array: false,
    };
    if !ty.is_builtin() {
        if schema.user_type(&Name::new(&ty.schema, &ty.name)).is_none()
            && let Some(mapped) = extension_type(schema, ty)
        {
            return mapped;
        }
        let user = schema
            .user_type(&Name::new(&ty.schema, &ty.name))
            .ok_or_else(|| format!("type {ty} is not known to migrate"))?;
        return match &user.kind {
            UserTypeKind::Enum { .. } => Ok(RustType {
                ty: "::std::string::String".to_owned(),
                text: true,
                array: false,
            }),
            UserTypeKind::Domain { base, .. } if depth < 16 && !base.array => {
                element_type(schema, base, depth + 1)
            }
            UserTypeKind::Domain { base, .. } => rust_type(schema, base),
            UserTypeKind::Composite { .. } => Err(format!(
                "composite type {ty} has no Rust type in migrate yet; select its fields one by one (`(x).field`)"
            )),
            UserTypeKind::Range { .. } => Err(format!(
                "range type {ty} has no Rust type in migrate yet; select its bounds with lower() and upper()"
            )),
        };
    }
    Ok(match ty.name.as_str() {
        "bool" => plain("bool"),
        "int2" => plain("i16"),
        "int4" => plain("i32"),
        "int8" => plain("i64"),
        "float4" => plain("f32"),
        "float8" => plain("f64"),
        "char" => plain("i8"),
        "oid" => plain("u32"),
        "text" | "varchar" | "bpchar" | "name" | "citext" | "unknown" => {
            plain("::std::string::String")
        }
        "bytea" => plain("::std::vec::Vec<u8>"),
        "json" | "jsonb" => plain("::migrate::__private::serde_json::Value"),
        "inet" => plain("::std::net::IpAddr"),
        "uuid" => gated(
            ty,
            "uuid",
            cfg!(feature = "uuid"),
            "::migrate::__private::uuid::Uuid",
        )?,
        "numeric" => gated(
            ty,
            "rust_decimal",
            cfg!(feature = "rust_decimal"),
            "::migrate::__private::rust_decimal::Decimal",
        )?,
        "date" | "time" | "timestamp" | "timestamptz" => date_time(ty)?,
        _ => {
            return Err(format!(
                "type {ty} has no Rust type in migrate yet; cast it in SQL (`::text`)"
            ));
        }
    })
}

/// The extension types a driver or a well-kept crate reads: the postgres
/// driver takes citext and ltree's types as `String` (it matches them by
/// name) and hstore as `HashMap<String, Option<String>>`. The others
/// (pgvector's `vector`, postgis' `geometry`, ...) have no mapping here: the
/// error names the two ways out. `None` for a type no extension made.
fn extension_type(schema: &Schema, ty: &SqlType) -> Option<Result<RustType, String>> {
    let (_, extension) = EXTENSION_TYPES.iter().find(|(name, extension)| {
        *name == ty.name
            && schema
                .extensions
                .get(*extension)
                .is_some_and(|installed| installed.schema == ty.schema)
    })?;
    let plain = |rust: &str| RustType {
        ty: rust.to_owned(),
        text: false,
        array: false,
    };
    Some(match ty.name.as_str() {
        "citext" | "ltree" | "lquery" | "ltxtquery" => Ok(plain("::std::string::String")),
        "hstore" => Ok(plain(
            "::std::collections::HashMap<::std::string::String, ::core::option::Option<::std::string::String>>",
        )),
        name => Err(format!(
            "type {name} of the extension {extension} has no Rust type in migrate; cast it through text in SQL (`column::text`, `$1::text::{name}`), or for a column name a Rust type that implements the postgres driver's `FromSql` with an override (`AS \"column: MyType\"`)"
        )),
    })
}

/// Extension types the error above is worded for: those of the extension
/// catalogue a column is likely to have.
const EXTENSION_TYPES: &[(&str, &str)] = &[
    ("citext", "citext"),
    ("ltree", "ltree"),
    ("lquery", "ltree"),
    ("ltxtquery", "ltree"),
    ("hstore", "hstore"),
    ("vector", "vector"),
    ("halfvec", "vector"),
    ("sparsevec", "vector"),
    ("geometry", "postgis"),
    ("geography", "postgis"),
    ("box2d", "postgis"),
    ("box3d", "postgis"),
    ("cube", "cube"),
    ("seg", "seg"),
    ("ean13", "isn"),
    ("isbn", "isn"),
    ("issn", "isn"),
    ("ismn", "isn"),
    ("upc", "isn"),
];

fn gated(ty: &SqlType, feature: &str, enabled: bool, rust: &str) -> Result<RustType, String> {
    if enabled {
        Ok(RustType {
            ty: rust.to_owned(),
            text: false,
            array: false,
        })
    } else {
        Err(format!(
            "type {} needs the `{feature}` feature of migrate (in Cargo.toml: `migrate = {{ features = [\"{feature}\"] }}`)",
            ty.element()
        ))
    }
}

fn date_time(ty: &SqlType) -> Result<RustType, String> {
    let chrono = match ty.name.as_str() {
        "date" => "::migrate::__private::chrono::NaiveDate",
        "time" => "::migrate::__private::chrono::NaiveTime",
        "timestamp" => "::migrate::__private::chrono::NaiveDateTime",
        _ => "::migrate::__private::chrono::DateTime<::migrate::__private::chrono::Utc>",
    };
    let time = match ty.name.as_str() {
        "date" => "::migrate::__private::time::Date",
        "time" => "::migrate::__private::time::Time",
        "timestamp" => "::migrate::__private::time::PrimitiveDateTime",
        _ => "::migrate::__private::time::OffsetDateTime",
    };
    if cfg!(feature = "chrono") {
        return gated(ty, "chrono", true, chrono);
    }
    if cfg!(feature = "time") {
        return gated(ty, "time", true, time);
    }
    Err(format!(
        "type {} needs the `chrono` or the `time` feature of migrate (in Cargo.toml: `migrate = {{ features = [\"chrono\"] }}`)",
        ty.element()
    ))
}

#[cfg(test)]
mod tests {
    use migrate_core::{Name, UserType};

    use super::*;

    fn shown(schema: &Schema, ty: &SqlType) -> String {
        match rust_type(schema, ty) {
            Ok(rust) => format!("{}{}", rust.ty, if rust.text { " (text)" } else { "" }),
            Err(message) => format!("error: {message}"),
        }
    }

    #[test]
    fn maps_sql_types_to_rust_types() {
        let mut schema = Schema::new();
        schema.types.insert(
            Name::public("mood"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["happy".to_owned()],
                },
                comment: None,
            },
        );
        schema.types.insert(
            Name::public("email"),
            UserType {
                kind: UserTypeKind::Domain {
                    base: SqlType::builtin("varchar"),
                    not_null: false,
                    default: None,
                    checks: Vec::new(),
                },
                comment: None,
            },
        );
        let cases = [
            SqlType::builtin("int8"),
            SqlType::builtin("int4").into_array(),
            SqlType::builtin("bytea"),
            SqlType::builtin("jsonb"),
            SqlType::user("public", "mood"),
            SqlType::user("public", "mood").into_array(),
            SqlType::user("public", "email"),
            SqlType::builtin("interval"),
        ];
        let shown: Vec<String> = cases.iter().map(|ty| shown(&schema, ty)).collect();
        expect_test::expect![[r#"
            [
                "i64",
                "::std::vec::Vec<i32>",
                "::std::vec::Vec<u8>",
                "::migrate::__private::serde_json::Value",
                "::std::string::String (text)",
                "::std::vec::Vec<::std::string::String> (text)",
                "::std::string::String",
                "error: type interval has no Rust type in migrate yet; cast it in SQL (`::text`)",
            ]
        "#]]
        .assert_debug_eq(&shown);
    }
}
