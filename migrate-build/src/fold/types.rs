//! SQL type names as written (`integer`, `varchar(20)`, `serial`, `"TaskStatus"[]`)
//! to the type PostgreSQL stores ([`SqlType`]).

use migrate_core::{Name, SqlType};
use sqlparser::ast::{
    ArrayElemTypeDef, CharacterLength, DataType, ExactNumberInfo, GeometricTypeKind, ObjectName,
    TimezoneInfo,
};

use super::{Fallible, Folder, Stmt, names};

/// What a column type resolved to: the stored type, and whether it was one
/// of the `serial` shorthands (which also create a sequence and a default).
pub(crate) struct ResolvedType {
    pub ty: SqlType,
    pub serial: bool,
}

impl Folder {
    /// Resolves a type as written in a column definition, cast or domain.
    pub(crate) fn resolve_type(&self, stmt: &Stmt, data_type: &DataType) -> Fallible<ResolvedType> {
        let plain = |ty: SqlType| Ok(ResolvedType { ty, serial: false });
        let builtin = |name: &str| plain(SqlType::builtin(name));
        match data_type {
            DataType::Character(length) | DataType::Char(length) => plain(
                SqlType::builtin("bpchar").with_modifiers(vec![char_length(length).unwrap_or(1)]),
            ),
            DataType::CharacterVarying(length)
            | DataType::CharVarying(length)
            | DataType::Varchar(length) => plain(
                SqlType::builtin("varchar")
                    .with_modifiers(char_length(length).into_iter().collect()),
            ),
            DataType::Uuid => builtin("uuid"),
            DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => {
                let modifiers = match info {
                    ExactNumberInfo::None => Vec::new(),
                    ExactNumberInfo::Precision(precision) => vec![*precision as i64, 0],
                    ExactNumberInfo::PrecisionAndScale(precision, scale) => {
                        vec![*precision as i64, *scale]
                    }
                };
                plain(SqlType::builtin("numeric").with_modifiers(modifiers))
            }
            DataType::Float(info) => match info {
                ExactNumberInfo::Precision(precision) if *precision <= 24 => builtin("float4"),
                _ => builtin("float8"),
            },
            DataType::Int2(_) | DataType::SmallInt(_) => builtin("int2"),
            DataType::Int(_) | DataType::Int4(_) | DataType::Integer(_) => builtin("int4"),
            DataType::Int8(_) | DataType::BigInt(_) => builtin("int8"),
            DataType::Float4 | DataType::Real => builtin("float4"),
            DataType::Float8
            | DataType::DoublePrecision
            | DataType::Double(ExactNumberInfo::None) => builtin("float8"),
            DataType::Bool | DataType::Boolean => builtin("bool"),
            DataType::Date => builtin("date"),
            DataType::Time(precision, timezone) => {
                let name = match timezone {
                    TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => "timetz",
                    TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => "time",
                };
                plain(
                    SqlType::builtin(name)
                        .with_modifiers(precision.iter().map(|p| *p as i64).collect()),
                )
            }
            DataType::Timestamp(precision, timezone) => {
                let name = match timezone {
                    TimezoneInfo::WithTimeZone | TimezoneInfo::Tz => "timestamptz",
                    TimezoneInfo::None | TimezoneInfo::WithoutTimeZone => "timestamp",
                };
                plain(
                    SqlType::builtin(name)
                        .with_modifiers(precision.iter().map(|p| *p as i64).collect()),
                )
            }
            DataType::Interval {
                fields: _,
                precision: _,
            } => builtin("interval"),
            DataType::JSON => builtin("json"),
            DataType::JSONB => builtin("jsonb"),
            DataType::Regclass => builtin("regclass"),
            DataType::Text => builtin("text"),
            DataType::Bytea => builtin("bytea"),
            DataType::Bit(length) => {
                plain(SqlType::builtin("bit").with_modifiers(vec![length.map_or(1, |n| n as i64)]))
            }
            DataType::BitVarying(length) | DataType::VarBit(length) => plain(
                SqlType::builtin("varbit")
                    .with_modifiers(length.iter().map(|n| *n as i64).collect()),
            ),
            DataType::TsVector => builtin("tsvector"),
            DataType::TsQuery => builtin("tsquery"),
            DataType::Trigger => builtin("trigger"),
            DataType::GeometricType(kind) => builtin(match kind {
                GeometricTypeKind::Point => "point",
                GeometricTypeKind::Line => "line",
                GeometricTypeKind::LineSegment => "lseg",
                GeometricTypeKind::GeometricBox => "box",
                GeometricTypeKind::GeometricPath => "path",
                GeometricTypeKind::Polygon => "polygon",
                GeometricTypeKind::Circle => "circle",
            }),
            DataType::Array(element) => {
                let element = match element {
                    ArrayElemTypeDef::SquareBracket(element, _)
                    | ArrayElemTypeDef::AngleBracket(element)
                    | ArrayElemTypeDef::Parenthesis(element)
                    | ArrayElemTypeDef::Qualified(element, _) => element,
                    ArrayElemTypeDef::None => {
                        return Err(stmt.error_at_start("type \"array\" does not exist"));
                    }
                };
                let resolved = self.resolve_type(stmt, element)?;
                if resolved.serial {
                    return Err(stmt.error_at_start("array of serial is not implemented"));
                }
                plain(resolved.ty.into_array())
            }
            DataType::Custom(name, modifiers) => self.resolve_named_type(stmt, name, modifiers),
            // Every other variant is another dialect's spelling that
            // PostgreSQL does not know (TINYINT, NVARCHAR, STRING, ...).
            other => Err(stmt.error_at_start(format!(
                "type \"{}\" does not exist",
                other.to_string().to_lowercase()
            ))),
        }
    }

    /// A type written as a name: `serial`, `timestamptz`, `citext`, `"TaskStatus"`.
    fn resolve_named_type(
        &self,
        stmt: &Stmt,
        name: &ObjectName,
        modifiers: &[String],
    ) -> Fallible<ResolvedType> {
        let parts = names::object_name_parts(name);
        let span = stmt.span_of_object_name(name);
        let numeric_modifiers: Vec<i64> = modifiers
            .iter()
            .filter_map(|m| m.trim().parse().ok())
            .collect();
        let (schema, type_name) = match parts.as_slice() {
            [type_name] => (None, type_name.clone()),
            [schema, type_name] => (Some(schema.clone()), type_name.clone()),
            _ => {
                return Err(stmt.error(
                    span,
                    format!("improper qualified name (too many dotted names): {name}"),
                ));
            }
        };
        let quoted = name
            .0
            .last()
            .and_then(|part| part.as_ident())
            .is_some_and(|ident| ident.quote_style.is_some());
        if quoted && (schema.is_none() || schema.as_deref() == Some("pg_catalog")) {
            // A quoted name is the exact `typname` ("char" is the one-byte type),
            // never an alias.
            if migrate_core::builtin_data_type(&type_name).is_some()
                && self.find_type(schema.as_deref(), &type_name).is_none()
            {
                return Ok(ResolvedType {
                    ty: SqlType::builtin(&type_name).with_modifiers(numeric_modifiers),
                    serial: false,
                });
            }
        } else if (schema.is_none() || schema.as_deref() == Some("pg_catalog"))
            && let Some(resolved) = builtin_by_name(&type_name, &numeric_modifiers)
        {
            return Ok(resolved);
        }
        if let Some(found) = self.find_type(schema.as_deref(), &type_name) {
            return Ok(ResolvedType {
                ty: SqlType::user(&found.schema, &found.name).with_modifiers(numeric_modifiers),
                serial: false,
            });
        }
        if let Some(ty) = self.extension_type(schema.as_deref(), &type_name) {
            if !modifiers.is_empty() && !self.extension_type_takes_modifiers(&ty) {
                return Err(stmt.error(
                    span,
                    format!("type modifier is not allowed for type \"{type_name}\""),
                ));
            }
            // The model keeps a modifier as the server's introspection
            // reads it back: pgvector's dimensions (`atttypmod` is the
            // number); postgis' `geometry(Point, 4326)` packs the shape and
            // the SRID into one number migrate does not decode, so none.
            let modifiers = if matches!(ty.name.as_str(), "vector" | "halfvec" | "sparsevec") {
                numeric_modifiers
            } else {
                Vec::new()
            };
            return Ok(ResolvedType {
                ty: ty.with_modifiers(modifiers),
                serial: false,
            });
        }
        // A table's row type is a type too.
        if let Some(found) = self.find_relation(schema.as_deref(), &type_name) {
            return Ok(ResolvedType {
                ty: SqlType::user(&found.schema, &found.name),
                serial: false,
            });
        }
        let shown = match &schema {
            Some(schema) => format!("{schema}.{type_name}"),
            None => type_name.clone(),
        };
        let mut error = stmt.error(span, format!("type \"{shown}\" does not exist"));
        let candidates = self
            .schema
            .types
            .keys()
            .map(|name| name.name.as_str())
            .chain(BUILTIN_TYPE_NAMES.iter().copied());
        if let Some(suggestion) = names::did_you_mean(&type_name, candidates) {
            error = error.with_help(suggestion);
        }
        Err(error)
    }

    /// The type a user type name refers to, following the search path.
    pub(crate) fn find_type(&self, schema: Option<&str>, name: &str) -> Option<Name> {
        self.lookup(schema, name, |candidate| {
            self.schema.types.contains_key(candidate)
        })
    }
}

/// The built-in type names a did-you-mean offers, as a migration writes them.
const BUILTIN_TYPE_NAMES: &[&str] = &[
    "integer",
    "bigint",
    "smallint",
    "serial",
    "bigserial",
    "smallserial",
    "text",
    "varchar",
    "char",
    "boolean",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "numeric",
    "decimal",
    "real",
    "float4",
    "float8",
    "money",
    "bytea",
    "json",
    "jsonb",
    "uuid",
    "inet",
    "cidr",
    "macaddr",
    "bit",
    "varbit",
    "tsvector",
    "tsquery",
    "xml",
    "point",
    "int4range",
    "int8range",
    "numrange",
    "tsrange",
    "tstzrange",
    "daterange",
    "oid",
];

fn char_length(length: &Option<CharacterLength>) -> Option<i64> {
    match length {
        Some(CharacterLength::IntegerLength { length, unit: _ }) => Some(*length as i64),
        Some(CharacterLength::Max) | None => None,
    }
}

/// Built-in types and their aliases by the (already case-folded) name.
fn builtin_by_name(name: &str, modifiers: &[i64]) -> Option<ResolvedType> {
    let serial = |typname: &str| ResolvedType {
        ty: SqlType::builtin(typname),
        serial: true,
    };
    let typname = match name {
        "serial" | "serial4" => return Some(serial("int4")),
        "bigserial" | "serial8" => return Some(serial("int8")),
        "smallserial" | "serial2" => return Some(serial("int2")),
        "int" | "integer" | "int4" => "int4",
        "smallint" | "int2" => "int2",
        "bigint" | "int8" => "int8",
        "real" | "float4" => "float4",
        "float" | "float8" => "float8",
        "boolean" | "bool" => "bool",
        "decimal" | "numeric" => "numeric",
        "varchar" => "varchar",
        "character" | "char" | "bpchar" => {
            let modifiers = if modifiers.is_empty() && name != "bpchar" {
                vec![1]
            } else {
                modifiers.to_vec()
            };
            return Some(ResolvedType {
                ty: SqlType::builtin("bpchar").with_modifiers(modifiers),
                serial: false,
            });
        }
        "timestamptz" => "timestamptz",
        "timetz" => "timetz",
        other if migrate_core::builtin_data_type(other).is_some() => other,
        _ => return None,
    };
    let modifiers = match typname {
        "int2" | "int4" | "int8" | "float4" | "float8" | "bool" | "text" => Vec::new(),
        "numeric" if modifiers.len() == 1 => vec![modifiers[0], 0],
        _ => modifiers.to_vec(),
    };
    Some(ResolvedType {
        ty: SqlType::builtin(typname).with_modifiers(modifiers),
        serial: false,
    })
}
