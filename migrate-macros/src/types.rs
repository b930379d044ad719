//! Which Rust type a SQL type becomes in generated code.

use migrate_core::{Name, Schema, SqlType, UserTypeKind};

use crate::schema::TypeMap;

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
    " bit-vec=",
    cfg!(feature = "bit-vec"),
    " cidr=",
    cfg!(feature = "cidr"),
);

/// How a value of a SQL type is read from a row and passed as an argument.
#[derive(Clone, Debug)]
pub struct RustType {
    /// The Rust type, without `Option`, as code: `i64`,
    /// `::std::string::String`. Text, not tokens: the generated code is
    /// written as text and parsed once per query (see `expand`).
    pub ty: String,
    /// The Rust type's binary form is the SQL type's, but the driver does
    /// not map one to the other by itself (an enum label as `String`, `xml`
    /// as `String`, `regclass` as `u32`): read it with `get_lenient` and pass
    /// arguments with `arg_lenient`, which skip the driver's type check.
    pub lenient: bool,
    /// The project mapped the SQL type to this Rust type
    /// (`[package.metadata.migrate.types]`): arguments must have it.
    pub mapped: bool,
}

/// Why a SQL type has no Rust type.
#[derive(Clone, Debug)]
pub enum NoRustType {
    /// migrate maps the type to none: the user casts or overrides.
    Unmapped(String),
    /// A composite type, a table's row or an anonymous record, which a
    /// struct with `#[derive(migrate::Composite)]` reads.
    Row(String),
    /// A type migrate reads but cannot pass as a parameter: the type, why,
    /// and the way out.
    NotReceived {
        ty: String,
        why: &'static str,
        way_out: String,
    },
    /// A type PostgreSQL sends only as text (no `typsend`): `aclitem`,
    /// `gtsvector`. The type, and whether it is an array.
    TextOnly(String, bool),
    /// A polymorphic pseudo-type (`anyarray`, a column of `pg_stats`): the
    /// value carries its real type only at run time.
    Polymorphic(String),
    /// Anything else, said in full (a feature to turn on).
    Other(String),
}

impl NoRustType {
    /// The message for column `name`, with the ways out.
    pub fn for_column(&self, name: &str) -> String {
        match self {
            Self::Unmapped(ty) => format!(
                "column \"{name}\" is of type {ty}, which has no Rust type in migrate: \
                 cast it in SQL to a type that has one (`{name}::text AS {name}`), \
                 or name a Rust type of your own that implements postgres' FromSql in its alias (`AS \"{name}: MyType\"`)"
            ),
            Self::Row(ty) => format!(
                "column \"{name}\" is of type {ty}, which has no Rust type in migrate: \
                 read it into a struct with #[derive(migrate::Composite)], named in its alias \
                 (`AS \"{name}: MyRow\"`) or mapped once in `[package.metadata.migrate.types]`, \
                 or select its fields one by one"
            ),
            // Read: only parameters are refused.
            Self::NotReceived { ty, .. } => {
                format!("column \"{name}\" is of type {ty}, which migrate cannot read")
            }
            Self::TextOnly(ty, array) => {
                let text = if *array { "text[]" } else { "text" };
                format!(
                    "column \"{name}\" is of type {ty}, which PostgreSQL sends only as text \
                     (it has no binary form, so no Rust type can read it): \
                     cast it in SQL to {text} (`{name}::{text} AS {name}`)"
                )
            }
            Self::Polymorphic(ty) => format!(
                "column \"{name}\" is of type {ty}, a polymorphic type whose values carry their \
                 real type only at run time: cast it in SQL to the type it holds \
                 (`{name}::text::integer[] AS {name}`) or to text (`{name}::text AS {name}`)"
            ),
            Self::Other(message) => format!("column \"{name}\": {message}"),
        }
    }

    /// The message for parameter `$n`, with the way out.
    pub fn for_param(&self, n: usize) -> String {
        match self {
            Self::Unmapped(ty) => format!(
                "parameter ${n} is of type {ty}, which has no Rust type in migrate: \
                 cast it in SQL from a type that has one (`${n}::text::{ty}`)"
            ),
            Self::Row(ty) => format!(
                "parameter ${n} is of type {ty}, which has no Rust type in migrate: \
                 map it to a struct with #[derive(migrate::Composite)] in `[package.metadata.migrate.types]`"
            ),
            Self::NotReceived { ty, why, way_out } => {
                let way_out = way_out.replace("$n", &format!("${n}"));
                format!("parameter ${n} is of type {ty}, which {why}: {way_out}")
            }
            Self::TextOnly(ty, _) => format!(
                "parameter ${n} is of type {ty}, which PostgreSQL receives only as text \
                 (it has no binary form): pass text and cast it in SQL (`${n}::text::{ty}`)"
            ),
            Self::Polymorphic(ty) => format!(
                "parameter ${n} is of type {ty}, a polymorphic type that no value is sent as: \
                 cast the parameter in SQL to the type it stands for (`${n}::integer[]`)"
            ),
            Self::Other(message) => format!("parameter ${n}: {message}"),
        }
    }
}

/// Why migrate reads a built-in type but passes none (see [`rust_type`]),
/// and the way out for a parameter `$n`. `None` for a type it passes.
fn not_received(ty: &SqlType) -> Option<(&'static str, String)> {
    if !ty.is_builtin() {
        return None;
    }
    let name = ty.name.as_str();
    let shown = ty.to_string();
    Some(match name {
        // PostgreSQL takes an int2vector or oidvector only with a lower
        // bound of 0, the driver sends 1.
        "int2vector" | "oidvector" => (
            "PostgreSQL receives in binary only with a lower bound of 0, which the postgres driver does not send",
            format!("pass its text and cast it in SQL (`$n::text::{shown}`)"),
        ),
        // Their receive functions refuse every value, and so do their
        // input functions.
        "pg_node_tree"
        | "pg_ndistinct"
        | "pg_dependencies"
        | "pg_mcv_list"
        | "pg_brin_bloom_summary"
        | "pg_brin_minmax_multi_summary"
        | "gtsvector" => (
            "PostgreSQL receives from no client, in binary or as text (migrate reads it, never passes it)",
            "compare its text instead (`column::text = $n`)".to_owned(),
        ),
        // `record_recv` cannot tell an anonymous record's fields.
        "record" => (
            "PostgreSQL receives from no client (an anonymous record has no declared fields)",
            "pass its fields as parameters of their own (`ROW($n, ...)`)".to_owned(),
        ),
        "void" => (
            "holds no value to pass",
            "take the parameter out of the SQL".to_owned(),
        ),
        _ => return None,
    })
}

/// The Rust type of a parameter of type `ty`, or why there is none. An
/// array is a `Vec` of its element's type (which also takes a `Vec` of
/// `Option`s, see the facade's `Accepts`).
pub fn rust_type(schema: &Schema, types: &TypeMap, ty: &SqlType) -> Result<RustType, NoRustType> {
    if let Some((why, way_out)) = not_received(ty) {
        return Err(NoRustType::NotReceived {
            ty: ty.to_string(),
            why,
            way_out,
        });
    }
    column_rust_type(schema, types, ty, false)
}

/// The Rust type of a column of type `ty`: an array whose elements may be
/// NULL (`element_nullable`, see the analyzer's `OutputColumn`) is a `Vec`
/// of `Option`s, so that every value PostgreSQL holds can be read.
pub fn column_rust_type(
    schema: &Schema,
    types: &TypeMap,
    ty: &SqlType,
    element_nullable: bool,
) -> Result<RustType, NoRustType> {
    let element =
        element_type(schema, types, &ty.element(), 0).map_err(|missing| match missing {
            NoRustType::TextOnly(..) if ty.array => NoRustType::TextOnly(ty.to_string(), true),
            missing => missing,
        })?;
    if !ty.array {
        return Ok(element);
    }
    if element.ty == "()" {
        return Err(NoRustType::Unmapped(ty.to_string()));
    }
    let inner = element.ty;
    let ty = if element_nullable {
        format!("::std::vec::Vec<::core::option::Option<{inner}>>")
    } else {
        format!("::std::vec::Vec<{inner}>")
    };
    Ok(RustType {
        ty,
        lenient: element.lenient,
        mapped: element.mapped,
    })
}

/// The functions and ranges of the facade's `types` module, as code.
const TYPES: &str = "::migrate::__private::types";

fn element_type(
    schema: &Schema,
    types: &TypeMap,
    ty: &SqlType,
    depth: usize,
) -> Result<RustType, NoRustType> {
    let plain = |ty: &str| RustType {
        ty: ty.to_owned(),
        lenient: false,
        mapped: false,
    };
    let lenient = |ty: &str| RustType {
        ty: ty.to_owned(),
        lenient: true,
        mapped: false,
    };
    // The project's own choice first: its Rust type reads and writes the
    // SQL type itself (a derive, or its own FromSql and ToSql).
    if let Some(rust) = types.get(ty) {
        return Ok(RustType {
            ty: rust.to_owned(),
            lenient: false,
            mapped: true,
        });
    }
    if !ty.is_builtin() {
        let name = Name::new(&ty.schema, &ty.name);
        if schema.user_type(&name).is_none()
            && let Some(mapped) = extension_type(schema, ty)
        {
            return mapped.map_err(NoRustType::Other);
        }
        // A table's row type (`SELECT b FROM builds b`).
        if schema.user_type(&name).is_none() && schema.relation(&name).is_some() {
            return Err(NoRustType::Row(ty.to_string()));
        }
        let user = schema
            .user_type(&name)
            .ok_or_else(|| NoRustType::Other(format!("type {ty} is not known to migrate")))?;
        return match &user.kind {
            UserTypeKind::Enum { .. } => Ok(lenient("::std::string::String")),
            UserTypeKind::Domain { base, .. } if depth < 16 && !base.array => {
                element_type(schema, types, base, depth + 1)
            }
            UserTypeKind::Domain { base, .. } => rust_type(schema, types, base),
            UserTypeKind::Composite { .. } => Err(NoRustType::Row(ty.to_string())),
            UserTypeKind::Range { subtype } if depth < 16 => {
                let bound = element_type(schema, types, subtype, depth + 1)?;
                Ok(RustType {
                    ty: format!("{TYPES}::Range<{}>", bound.ty),
                    ..bound
                })
            }
            UserTypeKind::Range { .. } => Err(NoRustType::Unmapped(ty.to_string())),
        };
    }
    let range = |subtype: &str| -> Result<RustType, NoRustType> {
        let bound = element_type(schema, types, &SqlType::builtin(subtype), depth + 1)?;
        Ok(plain(&format!("{TYPES}::Range<{}>", bound.ty)))
    };
    let multirange = |subtype: &str| -> Result<RustType, NoRustType> {
        let bound = element_type(schema, types, &SqlType::builtin(subtype), depth + 1)?;
        Ok(plain(&format!("{TYPES}::Multirange<{}>", bound.ty)))
    };
    Ok(match ty.name.as_str() {
        "bool" => plain("bool"),
        "int2" => plain("i16"),
        "int4" => plain("i32"),
        "int8" => plain("i64"),
        "float4" => plain("f32"),
        "float8" => plain("f64"),
        "char" => plain("i8"),
        "oid" => plain("u32"),
        // The oid family, and the 32-bit transaction and command counters:
        // an unsigned 32-bit integer on the wire, as `oid`.
        "regclass" | "regtype" | "regproc" | "regprocedure" | "regoper" | "regoperator"
        | "regconfig" | "regdictionary" | "regnamespace" | "regrole" | "regcollation" | "xid"
        | "cid" => lenient("u32"),
        "text" | "varchar" | "bpchar" | "name" | "citext" | "unknown" => {
            plain("::std::string::String")
        }
        // Sent as their text.
        "xml" | "refcursor" | "pg_node_tree" | "cstring" => lenient("::std::string::String"),
        // Sent as arrays of their element, which the driver takes them for.
        "int2vector" => plain("::std::vec::Vec<i16>"),
        "oidvector" => plain("::std::vec::Vec<u32>"),
        "bytea" => plain("::std::vec::Vec<u8>"),
        "json" | "jsonb" => plain("::migrate::__private::serde_json::Value"),
        "inet" => plain("::std::net::IpAddr"),
        "void" => plain("()"),
        "interval" => plain(&format!("{TYPES}::Interval")),
        "timetz" => plain(&format!("{TYPES}::TimeTz")),
        "money" => plain(&format!("{TYPES}::Money")),
        "macaddr" => plain(&format!("{TYPES}::MacAddr")),
        "macaddr8" => plain(&format!("{TYPES}::MacAddr8")),
        "pg_lsn" => plain("::migrate::__private::postgres::types::PgLsn"),
        "point" => plain(&format!("{TYPES}::Point")),
        "line" => plain(&format!("{TYPES}::Line")),
        "lseg" => plain(&format!("{TYPES}::LineSegment")),
        "box" => plain(&format!("{TYPES}::Rect")),
        "path" => plain(&format!("{TYPES}::Path")),
        "polygon" => plain(&format!("{TYPES}::Polygon")),
        "circle" => plain(&format!("{TYPES}::Circle")),
        "tsvector" => plain(&format!("{TYPES}::TsVector")),
        "tsquery" => plain(&format!("{TYPES}::TsQuery")),
        "jsonpath" => plain(&format!("{TYPES}::JsonPath")),
        "xid8" => plain(&format!("{TYPES}::Xid8")),
        "tid" => plain(&format!("{TYPES}::Tid")),
        "pg_snapshot" | "txid_snapshot" => plain(&format!("{TYPES}::Snapshot")),
        // Read only, as the bytes PostgreSQL sends (see `not_received`).
        "pg_ndistinct" => plain(&format!("{TYPES}::NDistinct")),
        "pg_dependencies" => plain(&format!("{TYPES}::Dependencies")),
        "pg_mcv_list" => plain(&format!("{TYPES}::McvList")),
        "pg_brin_bloom_summary" => plain(&format!("{TYPES}::BrinBloomSummary")),
        "pg_brin_minmax_multi_summary" => plain(&format!("{TYPES}::BrinMinmaxMultiSummary")),
        // No `typsend`: PostgreSQL sends them only as text.
        "aclitem" | "gtsvector" => return Err(NoRustType::TextOnly(ty.to_string(), false)),
        "anyarray"
        | "anycompatiblearray"
        | "anyelement"
        | "anynonarray"
        | "anycompatible"
        | "anycompatiblenonarray"
        | "anyrange"
        | "anycompatiblerange"
        | "anymultirange"
        | "anycompatiblemultirange"
        | "anyenum" => {
            return Err(NoRustType::Polymorphic(ty.to_string()));
        }
        "int4multirange" => multirange("int4")?,
        "int8multirange" => multirange("int8")?,
        "nummultirange" => multirange("numeric")?,
        "datemultirange" => multirange("date")?,
        "tsmultirange" => multirange("timestamp")?,
        "tstzmultirange" => multirange("timestamptz")?,
        "int4range" => range("int4")?,
        "int8range" => range("int8")?,
        "numrange" => range("numeric")?,
        "daterange" => range("date")?,
        "tsrange" => range("timestamp")?,
        "tstzrange" => range("timestamptz")?,
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
        // The driver reads an inet into an `IpAddr` without its netmask; a
        // cidr is its netmask, so it needs the `cidr` crate's type.
        "cidr" => gated(
            ty,
            "cidr",
            cfg!(feature = "cidr"),
            "::migrate::__private::cidr::IpCidr",
        )?,
        "bit" | "varbit" => gated(
            ty,
            "bit-vec",
            cfg!(feature = "bit-vec"),
            "::migrate::__private::bit_vec::BitVec",
        )?,
        "record" => return Err(NoRustType::Row(ty.to_string())),
        _ => return Err(NoRustType::Unmapped(ty.to_string())),
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
        lenient: false,
        mapped: false,
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

fn gated(ty: &SqlType, feature: &str, enabled: bool, rust: &str) -> Result<RustType, NoRustType> {
    if enabled {
        Ok(RustType {
            ty: rust.to_owned(),
            lenient: false,
            mapped: false,
        })
    } else {
        Err(NoRustType::Other(format!(
            "type {} needs the `{feature}` feature of migrate (in Cargo.toml: `migrate = {{ features = [\"{feature}\"] }}`)",
            ty.element()
        )))
    }
}

fn date_time(ty: &SqlType) -> Result<RustType, NoRustType> {
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
    Err(NoRustType::Other(format!(
        "type {} needs the `chrono` or the `time` feature of migrate (in Cargo.toml: `migrate = {{ features = [\"chrono\"] }}`)",
        ty.element()
    )))
}

#[cfg(test)]
mod tests {
    use migrate_core::{Name, UserType};

    use super::*;

    /// The column's Rust type, and the parameter's error where only a
    /// parameter has none.
    fn shown(schema: &Schema, ty: &SqlType) -> String {
        let types = TypeMap::default();
        match (
            column_rust_type(schema, &types, ty, false),
            rust_type(schema, &types, ty),
        ) {
            (Ok(rust), param) => format!(
                "{}{}{}",
                rust.ty,
                if rust.lenient { " (lenient)" } else { "" },
                match param {
                    Ok(_) => String::new(),
                    Err(missing) => format!("; {}", missing.for_param(1)),
                }
            ),
            (Err(missing), _) => format!("error: {}", missing.for_column("x")),
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
            SqlType::builtin("void"),
            SqlType::builtin("int8range").into_array(),
            SqlType::builtin("regclass"),
            SqlType::builtin("tsvector"),
            SqlType::builtin("aclitem"),
            SqlType::builtin("aclitem").into_array(),
            SqlType::builtin("pg_snapshot"),
            SqlType::builtin("pg_ndistinct"),
            SqlType::builtin("anyarray"),
        ];
        let shown: Vec<String> = cases.iter().map(|ty| shown(&schema, ty)).collect();
        expect_test::expect![[r#"
            [
                "i64",
                "::std::vec::Vec<i32>",
                "::std::vec::Vec<u8>",
                "::migrate::__private::serde_json::Value",
                "::std::string::String (lenient)",
                "::std::vec::Vec<::std::string::String> (lenient)",
                "::std::string::String",
                "::migrate::__private::types::Interval",
                "(); parameter $1 is of type void, which holds no value to pass: take the parameter out of the SQL",
                "::std::vec::Vec<::migrate::__private::types::Range<i64>>",
                "u32 (lenient)",
                "::migrate::__private::types::TsVector",
                "error: column \"x\" is of type aclitem, which PostgreSQL sends only as text (it has no binary form, so no Rust type can read it): cast it in SQL to text (`x::text AS x`)",
                "error: column \"x\" is of type aclitem[], which PostgreSQL sends only as text (it has no binary form, so no Rust type can read it): cast it in SQL to text[] (`x::text[] AS x`)",
                "::migrate::__private::types::Snapshot",
                "::migrate::__private::types::NDistinct; parameter $1 is of type pg_ndistinct, which PostgreSQL receives from no client, in binary or as text (migrate reads it, never passes it): compare its text instead (`column::text = $1`)",
                "error: column \"x\" is of type anyarray, a polymorphic type whose values carry their real type only at run time: cast it in SQL to the type it holds (`x::text::integer[] AS x`) or to text (`x::text AS x`)",
            ]
        "#]]
        .assert_debug_eq(&shown);
    }
}
