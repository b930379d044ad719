//! sqlx 0.8's offline cache format: one `query-<sha256 of the SQL>.json`
//! per distinct query, as `sqlx-macros-core` serialises its `QueryData`
//! for PostgreSQL (`serde_json` pretty-printed, two-space indent, a final
//! newline), with the keys in the order of sqlx's structs.
//!
//! A type is named as sqlx's `PgTypeInfo` serialises it: a built-in type
//! sqlx knows by OID is the name of its `PgType` variant (`Int8`,
//! `TimestamptzArray`); any other type is `{"Custom": {"name", "kind"}}`,
//! the name as `oid::regtype::text` prints it (schema-qualified outside
//! `public`, quoted as `quote_ident` quotes) and the kind as sqlx reads it
//! from `pg_type`: an enum's labels, a composite's fields, an array's or a
//! domain's or a range's element type, else `Simple`.

use migrate_core::ddl::quote_ident;
use migrate_core::{Schema, SqlType, UserTypeKind};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// One cache file's content.
#[derive(Debug, Serialize)]
pub struct QueryData {
    pub db_name: &'static str,
    pub query: String,
    pub describe: Describe,
    pub hash: String,
}

#[derive(Debug, Serialize)]
pub struct Describe {
    pub columns: Vec<Column>,
    pub parameters: Parameters,
    /// `true`, `false`, or `null` where nullability is unknown.
    pub nullable: Vec<Option<bool>>,
}

/// sqlx's `Option<Either<Vec<TypeInfo>, usize>>`: PostgreSQL always gives
/// the types, `Left`.
#[derive(Debug, Serialize)]
pub enum Parameters {
    Left(Vec<TypeInfo>),
}

#[derive(Debug, Serialize)]
pub struct Column {
    pub ordinal: usize,
    pub name: String,
    pub type_info: TypeInfo,
}

/// sqlx's `PgTypeInfo` as it serialises.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum TypeInfo {
    Custom(CustomType),
    /// A `PgType` variant sqlx maps from a built-in OID.
    #[serde(untagged)]
    Builtin(&'static str),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CustomType {
    pub name: String,
    pub kind: Kind,
}

/// sqlx's `PgTypeKind`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Kind {
    Simple,
    Pseudo,
    Domain(Box<TypeInfo>),
    Composite(Vec<(String, TypeInfo)>),
    Array(Box<TypeInfo>),
    Enum(Vec<String>),
    Range(Box<TypeInfo>),
}

impl QueryData {
    pub fn new(query: &str, describe: Describe) -> Self {
        Self {
            db_name: "PostgreSQL",
            query: query.to_owned(),
            describe,
            hash: hash(query),
        }
    }

    /// The file name sqlx looks for: `query-<hash>.json`.
    pub fn file_name(&self) -> String {
        file_name(&self.query)
    }

    /// The file's bytes, exactly as sqlx writes them.
    pub fn to_json(&self) -> String {
        let mut json = serde_json::to_string_pretty(self).unwrap_or_default();
        json.push('\n');
        json
    }
}

/// The SHA-256 of the query text, in lower-case hex, as sqlx names its
/// files.
pub fn hash(query: &str) -> String {
    Sha256::digest(query.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn file_name(query: &str) -> String {
    format!("query-{}.json", hash(query))
}

/// How sqlx names `ty` when it asks PostgreSQL about it.
pub fn type_info(schema: &Schema, ty: &SqlType) -> TypeInfo {
    type_info_at(schema, ty, 0)
}

/// Composites may hold composites; a type that holds itself cannot be made
/// in PostgreSQL, but the depth is bounded all the same.
const MAX_TYPE_DEPTH: usize = 32;

fn type_info_at(schema: &Schema, ty: &SqlType, depth: usize) -> TypeInfo {
    if ty.is_builtin()
        && let Some(variant) = builtin_variant(&ty.name, ty.array)
    {
        return TypeInfo::Builtin(variant);
    }
    let element = SqlType {
        modifiers: Vec::new(),
        array: false,
        ..ty.clone()
    };
    let name = regtype_name(&element);
    if ty.array {
        let element = type_info_at(schema, &element, depth + 1);
        return TypeInfo::Custom(CustomType {
            name: format!("{name}[]"),
            kind: Kind::Array(Box::new(element)),
        });
    }
    let kind = if depth > MAX_TYPE_DEPTH {
        Kind::Simple
    } else {
        element_kind(schema, &element, depth)
    };
    TypeInfo::Custom(CustomType { name, kind })
}

/// What sqlx reads from `pg_type` for a type that is not an array.
fn element_kind(schema: &Schema, ty: &SqlType, depth: usize) -> Kind {
    let name = migrate_core::Name::new(&ty.schema, &ty.name);
    if let Some(user) = schema.types.get(&name) {
        return match &user.kind {
            UserTypeKind::Enum { labels } => Kind::Enum(labels.clone()),
            UserTypeKind::Domain { base, .. } => {
                Kind::Domain(Box::new(type_info_at(schema, base, depth + 1)))
            }
            UserTypeKind::Composite { attributes } => Kind::Composite(
                attributes
                    .iter()
                    .map(|(field, ty)| (field.clone(), type_info_at(schema, ty, depth + 1)))
                    .collect(),
            ),
            UserTypeKind::Range { subtype } => {
                Kind::Range(Box::new(type_info_at(schema, subtype, depth + 1)))
            }
        };
    }
    // A table's or view's row type.
    if let Some(relation) = schema.relation(&name) {
        return Kind::Composite(
            relation
                .columns
                .iter()
                .map(|column| {
                    (
                        column.name.clone(),
                        type_info_at(schema, &column.ty, depth + 1),
                    )
                })
                .collect(),
        );
    }
    if ty.is_builtin() && PSEUDO_TYPES.contains(&ty.name.as_str()) {
        return Kind::Pseudo;
    }
    // `int2vector` and `oidvector` are arrays in `pg_type` (category A).
    match (ty.is_builtin(), ty.name.as_str()) {
        (true, "int2vector") => Kind::Array(Box::new(TypeInfo::Builtin("Int2"))),
        (true, "oidvector") => Kind::Array(Box::new(TypeInfo::Builtin("Oid"))),
        _ => Kind::Simple,
    }
}

/// `oid::regtype::text` of a type that is not an array: built-in types not
/// in sqlx's list are printed by `format_type` under their `typname`
/// (those with an SQL-standard name are all in the list); others are
/// qualified unless in `public`, each part quoted as `quote_ident` quotes.
fn regtype_name(ty: &SqlType) -> String {
    if ty.is_builtin() {
        return ty.name.clone();
    }
    if ty.schema == "public" {
        quote_ident(&ty.name)
    } else {
        format!("{}.{}", quote_ident(&ty.schema), quote_ident(&ty.name))
    }
}

/// The pseudo-types of `pg_type` (`typtype = 'p'`) sqlx does not map.
const PSEUDO_TYPES: &[&str] = &[
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblemultirange",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "cstring",
    "event_trigger",
    "fdw_handler",
    "index_am_handler",
    "internal",
    "language_handler",
    "pg_ddl_command",
    "table_am_handler",
    "trigger",
    "tsm_handler",
];

/// The `PgType` variant sqlx 0.8 gives a built-in type it knows by OID
/// (`PgType::try_from_oid`), by `typname` and whether it is the array.
fn builtin_variant(typname: &str, array: bool) -> Option<&'static str> {
    let (scalar, array_variant) = match typname {
        "bool" => ("Bool", "BoolArray"),
        "bytea" => ("Bytea", "ByteaArray"),
        "char" => ("Char", "CharArray"),
        "name" => ("Name", "NameArray"),
        "int8" => ("Int8", "Int8Array"),
        "int2" => ("Int2", "Int2Array"),
        "int4" => ("Int4", "Int4Array"),
        "text" => ("Text", "TextArray"),
        "oid" => ("Oid", "OidArray"),
        "json" => ("Json", "JsonArray"),
        "point" => ("Point", "PointArray"),
        "lseg" => ("Lseg", "LsegArray"),
        "path" => ("Path", "PathArray"),
        "box" => ("Box", "BoxArray"),
        "polygon" => ("Polygon", "PolygonArray"),
        "line" => ("Line", "LineArray"),
        "cidr" => ("Cidr", "CidrArray"),
        "float4" => ("Float4", "Float4Array"),
        "float8" => ("Float8", "Float8Array"),
        "circle" => ("Circle", "CircleArray"),
        "macaddr8" => ("Macaddr8", "Macaddr8Array"),
        "macaddr" => ("Macaddr", "MacaddrArray"),
        "money" => ("Money", "MoneyArray"),
        "inet" => ("Inet", "InetArray"),
        "bpchar" => ("Bpchar", "BpcharArray"),
        "varchar" => ("Varchar", "VarcharArray"),
        "date" => ("Date", "DateArray"),
        "time" => ("Time", "TimeArray"),
        "timestamp" => ("Timestamp", "TimestampArray"),
        "timestamptz" => ("Timestamptz", "TimestamptzArray"),
        "interval" => ("Interval", "IntervalArray"),
        "timetz" => ("Timetz", "TimetzArray"),
        "bit" => ("Bit", "BitArray"),
        "varbit" => ("Varbit", "VarbitArray"),
        "numeric" => ("Numeric", "NumericArray"),
        "record" => ("Record", "RecordArray"),
        "uuid" => ("Uuid", "UuidArray"),
        "jsonb" => ("Jsonb", "JsonbArray"),
        "int4range" => ("Int4Range", "Int4RangeArray"),
        "numrange" => ("NumRange", "NumRangeArray"),
        "tsrange" => ("TsRange", "TsRangeArray"),
        "tstzrange" => ("TstzRange", "TstzRangeArray"),
        "daterange" => ("DateRange", "DateRangeArray"),
        "int8range" => ("Int8Range", "Int8RangeArray"),
        "jsonpath" => ("Jsonpath", "JsonpathArray"),
        // sqlx maps `unknown` and `void` but not their arrays (`void` has none).
        "unknown" if !array => return Some("Unknown"),
        "void" if !array => return Some("Void"),
        _ => return None,
    };
    Some(if array { array_variant } else { scalar })
}

#[cfg(test)]
mod tests {
    use migrate_core::{Name, UserType};

    use super::*;

    fn json(info: &TypeInfo) -> String {
        serde_json::to_string(info).unwrap()
    }

    #[test]
    fn builtin_types_are_sqlx_variants() {
        let schema = Schema::new();
        assert_eq!(
            json(&type_info(&schema, &SqlType::builtin("int8"))),
            "\"Int8\""
        );
        assert_eq!(
            json(&type_info(
                &schema,
                &SqlType::builtin("varchar").into_array()
            )),
            "\"VarcharArray\""
        );
        assert_eq!(
            json(&type_info(&schema, &SqlType::builtin("tsvector"))),
            r#"{"Custom":{"name":"tsvector","kind":"Simple"}}"#
        );
        assert_eq!(
            json(&type_info(&schema, &SqlType::builtin("xml").into_array())),
            r#"{"Custom":{"name":"xml[]","kind":{"Array":{"Custom":{"name":"xml","kind":"Simple"}}}}}"#
        );
    }

    #[test]
    fn user_types_are_named_as_regtype_prints_them() {
        let mut schema = Schema::new();
        schema.types.insert(
            Name::new("queue", "State"),
            UserType {
                kind: UserTypeKind::Enum {
                    labels: vec!["new".into(), "done".into()],
                },
                comment: None,
            },
        );
        schema.types.insert(
            Name::public("pair"),
            UserType {
                kind: UserTypeKind::Composite {
                    attributes: vec![("n".into(), SqlType::builtin("int4"))],
                },
                comment: None,
            },
        );
        assert_eq!(
            json(&type_info(&schema, &SqlType::user("queue", "State"))),
            r#"{"Custom":{"name":"queue.\"State\"","kind":{"Enum":["new","done"]}}}"#
        );
        assert_eq!(
            json(&type_info(
                &schema,
                &SqlType::user("public", "pair").into_array()
            )),
            r#"{"Custom":{"name":"pair[]","kind":{"Array":{"Custom":{"name":"pair","kind":{"Composite":[["n","Int4"]]}}}}}}"#
        );
    }

    #[test]
    fn file_is_named_by_the_sha256_of_the_query() {
        assert_eq!(
            file_name("SELECT 1"),
            "query-e004ebd5b5532a4b85984a62f8ad48a81aa3460c1ca07701f386135d72cdecf5.json"
        );
    }
}
