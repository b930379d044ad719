//! Types as the analyser sees them: PostgreSQL's type categories, implicit
//! casts, the common type of `CASE`/`COALESCE`/`UNION`, and SQL type names.

use migrate_core::{Name, Schema, SqlType, UserTypeKind};
use sqlparser::ast::{
    ArrayElemTypeDef, CharacterLength, DataType, ExactNumberInfo, ObjectName, ObjectNamePart,
    TimezoneInfo,
};

/// The type of an expression while it is being analysed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    /// A known type.
    Known(SqlType),
    /// An untyped literal (`'abc'`, `NULL`): PostgreSQL's `unknown`.
    Unknown,
    /// A use of `$n` (1-based) met while its type was undecided. It stays
    /// untyped even once a later use decides the type, as PostgreSQL's
    /// Param node does: operators, functions and common types treat it as
    /// unknown, and coercing it to another type than the one decided is an
    /// error ([`super::Analyzer::set_param`]). A use met after the type was
    /// decided is `Known`.
    Param(usize),
    /// After an error was reported or for a construct we do not type: accept anything.
    Error,
}

impl Ty {
    pub(crate) fn known(name: &str) -> Self {
        Ty::Known(SqlType::builtin(name))
    }

    pub(crate) fn as_known(&self) -> Option<&SqlType> {
        match self {
            Ty::Known(ty) => Some(ty),
            _ => None,
        }
    }
}

/// `pg_type.typcategory` of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Category {
    Array,
    Boolean,
    DateTime,
    Enum,
    Geometric,
    Network,
    Numeric,
    Pseudo,
    Range,
    String,
    Timespan,
    User,
    BitString,
    Composite,
}

pub(crate) fn category(schema: &Schema, ty: &SqlType) -> Category {
    if ty.array {
        return Category::Array;
    }
    if !ty.is_builtin() {
        return match schema
            .user_type(&Name::new(&ty.schema, &ty.name))
            .map(|t| &t.kind)
        {
            Some(UserTypeKind::Enum { .. }) => Category::Enum,
            Some(UserTypeKind::Domain { base, .. }) => category(schema, base),
            Some(UserTypeKind::Range { .. }) => Category::Range,
            Some(UserTypeKind::Composite { .. }) => Category::Composite,
            // An extension's type has the category the catalogue records
            // (citext is a string type).
            None => match crate::extensions::type_of(schema, ty) {
                Some((_, found)) => match found.category {
                    'S' => Category::String,
                    'N' => Category::Numeric,
                    'B' => Category::Boolean,
                    'D' => Category::DateTime,
                    'G' => Category::Geometric,
                    'I' => Category::Network,
                    'V' => Category::BitString,
                    'T' => Category::Timespan,
                    _ => Category::User,
                },
                None => Category::User,
            },
        };
    }
    match ty.name.as_str() {
        "bool" => Category::Boolean,
        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8" | "oid" | "money"
        | "regclass" | "regtype" | "regproc" => Category::Numeric,
        "text" | "varchar" | "bpchar" | "name" | "char" => Category::String,
        "date" | "time" | "timetz" | "timestamp" | "timestamptz" => Category::DateTime,
        "interval" => Category::Timespan,
        "inet" | "cidr" => Category::Network,
        "bit" | "varbit" => Category::BitString,
        "point" | "line" | "lseg" | "box" | "path" | "polygon" | "circle" => Category::Geometric,
        "int4range" | "int8range" | "numrange" | "tsrange" | "tstzrange" | "daterange" => {
            Category::Range
        }
        "record" | "void" | "trigger" | "unknown" | "anyelement" | "anyarray" => Category::Pseudo,
        _ => Category::User,
    }
}

/// The base type of a domain (or the type itself).
pub(crate) fn base_type(schema: &Schema, ty: &SqlType) -> SqlType {
    if ty.is_builtin() || ty.array {
        return ty.clone();
    }
    match schema
        .user_type(&Name::new(&ty.schema, &ty.name))
        .map(|t| &t.kind)
    {
        Some(UserTypeKind::Domain { base, .. }) => base_type(schema, base),
        _ => ty.clone(),
    }
}

/// The labels of an enum type.
pub(crate) fn enum_labels<'s>(schema: &'s Schema, ty: &SqlType) -> Option<&'s [String]> {
    if ty.array {
        return None;
    }
    match &schema.user_type(&Name::new(&ty.schema, &ty.name))?.kind {
        UserTypeKind::Enum { labels } => Some(labels),
        _ => None,
    }
}

/// Position of a numeric type in the implicit-cast ladder.
fn numeric_rank(name: &str) -> Option<u8> {
    Some(match name {
        "int2" => 0,
        "int4" => 1,
        "int8" => 2,
        "numeric" => 3,
        "float4" => 4,
        "float8" => 5,
        _ => return None,
    })
}

fn datetime_rank(name: &str) -> Option<u8> {
    Some(match name {
        "date" => 0,
        "timestamp" => 1,
        "timestamptz" => 2,
        _ => return None,
    })
}

/// Whether a value of `from` may be used where `to` is expected without an
/// explicit cast (PostgreSQL's implicit casts, plus binary-compatible ones).
pub(crate) fn implicitly_castable(schema: &Schema, from: &SqlType, to: &SqlType) -> bool {
    let from = base_type(schema, from);
    let to_base = base_type(schema, to);
    if same_type(&from, &to_base) {
        return true;
    }
    if from.array != to_base.array {
        return false;
    }
    if from.array {
        return implicitly_castable(schema, &from.element(), &to_base.element())
            && category(schema, &from.element()) == category(schema, &to_base.element())
            && category(schema, &from.element()) != Category::Numeric
            || same_type(&from.element(), &to_base.element());
    }
    if !from.is_builtin() || !to_base.is_builtin() {
        return crate::extensions::cast_context(schema, &from, &to_base) == Some('i');
    }
    let (f, t) = (from.name.as_str(), to_base.name.as_str());
    if let (Some(a), Some(b)) = (numeric_rank(f), numeric_rank(t)) {
        return a <= b;
    }
    if let (Some(a), Some(b)) = (datetime_rank(f), datetime_rank(t)) {
        return a <= b;
    }
    let strings = ["text", "varchar", "bpchar", "name"];
    if strings.contains(&f) && strings.contains(&t) {
        return true;
    }
    matches!(
        (f, t),
        ("cidr", "inet") | ("time", "interval") | ("time", "timetz")
    )
}

/// Whether an assignment (INSERT value, UPDATE SET) of `from` into a column of
/// type `to` is accepted: implicit casts, assignment casts (narrowing numbers,
/// timestamptz to timestamp, json to jsonb) and anything to a string type.
pub(crate) fn assignable(schema: &Schema, from: &SqlType, to: &SqlType) -> bool {
    if implicitly_castable(schema, from, to) {
        return true;
    }
    let from = base_type(schema, from);
    let to = base_type(schema, to);
    // Anything, arrays too, goes into a string column by I/O conversion.
    if !to.array && category(schema, &to) == Category::String {
        return true;
    }
    if from.array != to.array {
        return false;
    }
    let from_category = category(schema, &from);
    let to_category = category(schema, &to);
    if from.array {
        return assignable(schema, &from.element(), &to.element());
    }
    if to_category == Category::String {
        return true;
    }
    if from_category == to_category
        && matches!(
            from_category,
            Category::Numeric | Category::DateTime | Category::String | Category::BitString
        )
    {
        return true;
    }
    matches!(
        (from.name.as_str(), to.name.as_str()),
        ("json", "jsonb") | ("jsonb", "json")
    ) || crate::extensions::cast_context(schema, &from, &to) == Some('a')
}

/// Whether `CAST(x AS to)` exists for an `x` of type `from`: implicit and
/// assignment casts, I/O conversion to and from strings, int4 and bool,
/// the date/time family, json to jsonb and jsonb to scalars.
pub(crate) fn explicitly_castable(schema: &Schema, from: &SqlType, to: &SqlType) -> bool {
    if assignable(schema, from, to) {
        return true;
    }
    let (from_base, to_base) = (base_type(schema, from), base_type(schema, to));
    if crate::extensions::cast_context(schema, &from_base, &to_base).is_some() {
        return true;
    }
    let from = base_type(schema, from);
    let to = base_type(schema, to);
    if from.array != to.array {
        return false;
    }
    if from.array {
        return explicitly_castable(schema, &from.element(), &to.element());
    }
    let (fc, tc) = (category(schema, &from), category(schema, &to));
    if fc == Category::String || tc == Category::String {
        return true;
    }
    if matches!(fc, Category::Pseudo | Category::User | Category::Composite)
        && !(from.is_builtin() && matches!(from.name.as_str(), "json" | "jsonb" | "uuid" | "bytea"))
    {
        // Extension and composite types: not modelled, not rejected.
        return true;
    }
    if tc == Category::Pseudo || (tc == Category::User && !to.is_builtin()) {
        return true;
    }
    matches!(
        (from.name.as_str(), to.name.as_str()),
        ("int4", "bool")
            | ("bool", "int4")
            | (
                "date" | "timestamp" | "timestamptz",
                "date" | "timestamp" | "timestamptz"
            )
            | ("timestamp" | "timestamptz" | "interval" | "timetz", "time")
            | ("time", "timetz" | "interval")
            | ("timestamptz", "timetz")
            | ("json", "jsonb")
            | ("jsonb", "json")
            | (
                "jsonb",
                "bool" | "numeric" | "int2" | "int4" | "int8" | "float4" | "float8"
            )
            | ("int4" | "int8", "bit")
            | ("bit", "int4" | "int8")
            | (
                "int4" | "int8" | "int2",
                "oid" | "regclass" | "regtype" | "regproc"
            )
            | ("int4" | "int8" | "numeric", "money")
            | ("money", "numeric")
    ) || (fc == Category::Numeric && tc == Category::Numeric)
        || (fc == Category::DateTime && tc == Category::DateTime && from.name != "date")
}

/// Same type ignoring modifiers.
pub(crate) fn same_type(a: &SqlType, b: &SqlType) -> bool {
    a.schema == b.schema && a.name == b.name && a.array == b.array
}

/// The type of `CASE`, `COALESCE`, `UNION` branches (PostgreSQL's
/// `select_common_type`): the first known type, widened to the preferred one
/// of the category when later branches need it. `None` when two branches
/// cannot be reconciled.
pub(crate) fn common_type(schema: &Schema, types: &[SqlType]) -> Option<SqlType> {
    let mut result = types.first()?.clone();
    for ty in &types[1..] {
        if same_type(&result, ty) {
            if result.modifiers != ty.modifiers {
                result.modifiers.clear();
            }
            continue;
        }
        if implicitly_castable(schema, ty, &result) {
            result.modifiers.clear();
            continue;
        }
        if implicitly_castable(schema, &result, ty) {
            result = ty.clone();
            result.modifiers.clear();
            continue;
        }
        return None;
    }
    Some(result)
}

/// Like [`common_type`] but over possibly untyped branches: all-unknown
/// gives text. On failure: the common type so far, the type that does not
/// fit, and its index (PostgreSQL reports the error there).
pub(crate) fn common_of(
    schema: &Schema,
    types: &[Ty],
) -> Result<Ty, Box<(SqlType, SqlType, usize)>> {
    if types.contains(&Ty::Error) {
        return Ok(Ty::Error);
    }
    let mut common: Option<SqlType> = None;
    for (index, ty) in types.iter().enumerate() {
        let Ty::Known(ty) = ty else { continue };
        common = match common {
            None => Some(ty.clone()),
            Some(so_far) => match common_type(schema, &[so_far.clone(), ty.clone()]) {
                Some(next) => Some(next),
                None => return Err(Box::new((so_far, ty.clone(), index))),
            },
        };
    }
    Ok(Ty::Known(
        common.unwrap_or_else(|| SqlType::builtin("text")),
    ))
}

/// A type as PostgreSQL's `format_type` prints it in messages, without the
/// schema for types on the search path: `integer`, `character varying`,
/// `"TaskStatus"`, `text[]`.
pub(crate) fn display(ty: &SqlType) -> String {
    if ty.is_builtin() {
        let mut bare = ty.clone();
        bare.modifiers.clear();
        return bare.to_string();
    }
    let mut out = if ty.schema == "public" {
        quote_ident(&ty.name)
    } else {
        format!("{}.{}", quote_ident(&ty.schema), quote_ident(&ty.name))
    };
    if ty.array {
        out.push_str("[]");
    }
    out
}

pub(crate) use migrate_core::ddl::quote_ident;

/// Resolves a SQL type as written in a cast to the catalogue type.
/// `Err` carries the name of a type that does not exist.
pub(crate) fn resolve_data_type(schema: &Schema, data_type: &DataType) -> Result<SqlType, String> {
    let builtin = |name: &str| Ok(SqlType::builtin(name));
    let length = |length: &Option<CharacterLength>| match length {
        Some(CharacterLength::IntegerLength { length, unit: _ }) => vec![*length as i64],
        Some(CharacterLength::Max) | None => Vec::new(),
    };
    let precision = |info: &ExactNumberInfo| match info {
        ExactNumberInfo::None => Vec::new(),
        ExactNumberInfo::Precision(p) => vec![*p as i64],
        ExactNumberInfo::PrecisionAndScale(p, s) => vec![*p as i64, *s],
    };
    match data_type {
        DataType::Character(l) | DataType::Char(l) => {
            Ok(SqlType::builtin("bpchar").with_modifiers(length(l)))
        }
        DataType::CharacterVarying(l) | DataType::CharVarying(l) | DataType::Varchar(l) => {
            Ok(SqlType::builtin("varchar").with_modifiers(length(l)))
        }
        DataType::Uuid => builtin("uuid"),
        DataType::Numeric(info) | DataType::Decimal(info) | DataType::Dec(info) => {
            Ok(SqlType::builtin("numeric").with_modifiers(precision(info)))
        }
        DataType::Float(info) => match info {
            ExactNumberInfo::Precision(p) if *p <= 24 => builtin("float4"),
            _ => builtin("float8"),
        },
        DataType::Int2(_) | DataType::SmallInt(_) => builtin("int2"),
        DataType::Int(_) | DataType::Int4(_) | DataType::Integer(_) => builtin("int4"),
        DataType::Int8(_) | DataType::BigInt(_) => builtin("int8"),
        DataType::Float4 | DataType::Real => builtin("float4"),
        DataType::Float8 | DataType::DoublePrecision | DataType::Double(ExactNumberInfo::None) => {
            builtin("float8")
        }
        DataType::Bool | DataType::Boolean => builtin("bool"),
        DataType::Date => builtin("date"),
        DataType::Time(p, tz) => {
            let name = if *tz == TimezoneInfo::WithTimeZone || *tz == TimezoneInfo::Tz {
                "timetz"
            } else {
                "time"
            };
            Ok(
                SqlType::builtin(name)
                    .with_modifiers(p.map(|p| vec![p as i64]).unwrap_or_default()),
            )
        }
        DataType::Timestamp(p, tz) => {
            let name = if *tz == TimezoneInfo::WithTimeZone || *tz == TimezoneInfo::Tz {
                "timestamptz"
            } else {
                "timestamp"
            };
            Ok(
                SqlType::builtin(name)
                    .with_modifiers(p.map(|p| vec![p as i64]).unwrap_or_default()),
            )
        }
        DataType::Interval { .. } => builtin("interval"),
        DataType::JSON => builtin("json"),
        DataType::JSONB => builtin("jsonb"),
        DataType::Regclass => builtin("regclass"),
        DataType::Text => builtin("text"),
        DataType::Bytea => builtin("bytea"),
        DataType::Bit(l) => {
            Ok(SqlType::builtin("bit").with_modifiers(vec![l.map(|l| l as i64).unwrap_or(1)]))
        }
        DataType::BitVarying(l) | DataType::VarBit(l) => Ok(SqlType::builtin("varbit")
            .with_modifiers(l.map(|l| vec![l as i64]).unwrap_or_default())),
        DataType::TsVector => builtin("tsvector"),
        DataType::TsQuery => builtin("tsquery"),
        DataType::Array(element) => match element {
            ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::Parenthesis(inner)
            | ArrayElemTypeDef::Qualified(inner, _) => {
                Ok(resolve_data_type(schema, inner)?.into_array())
            }
            ArrayElemTypeDef::None => Err("array".to_owned()),
        },
        DataType::Custom(name, modifiers) => resolve_type_name(schema, name, modifiers),
        other => resolve_type_name_str(schema, None, &other.to_string().to_lowercase(), &[]),
    }
}

fn resolve_type_name(
    schema: &Schema,
    name: &ObjectName,
    modifiers: &[String],
) -> Result<SqlType, String> {
    let parts: Vec<String> = name
        .0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(ident) => crate::analyze::scope::fold_ident(ident),
            ObjectNamePart::Function(function) => crate::analyze::scope::fold_ident(&function.name),
        })
        .collect();
    let modifiers: Vec<i64> = modifiers.iter().filter_map(|m| m.parse().ok()).collect();
    // A quoted name is the exact `typname` ("char" is the one-byte type,
    // char is bpchar), as the fold reads it.
    let quoted = name
        .0
        .last()
        .and_then(|part| part.as_ident())
        .is_some_and(|ident| ident.quote_style.is_some());
    if let [typname] | [_, typname] = parts.as_slice()
        && quoted
        && (parts.len() == 1 || parts[0] == "pg_catalog")
        && migrate_core::builtin_data_type(typname).is_some()
        && schema.user_type(&Name::new("public", typname)).is_none()
    {
        return Ok(SqlType::builtin(typname).with_modifiers(modifiers));
    }
    match parts.as_slice() {
        [name] => resolve_type_name_str(schema, None, name, &modifiers),
        [schema_name, name] => resolve_type_name_str(schema, Some(schema_name), name, &modifiers),
        _ => Err(name.to_string()),
    }
}

fn resolve_type_name_str(
    schema: &Schema,
    schema_name: Option<&str>,
    name: &str,
    modifiers: &[i64],
) -> Result<SqlType, String> {
    if schema_name.is_none() || schema_name == Some("pg_catalog") {
        let builtin = match name {
            "int" | "integer" | "int4" => Some("int4"),
            "smallint" | "int2" => Some("int2"),
            "bigint" | "int8" => Some("int8"),
            "serial" | "serial4" => Some("int4"),
            "bigserial" | "serial8" => Some("int8"),
            "boolean" | "bool" => Some("bool"),
            "real" | "float4" => Some("float4"),
            "float8" | "double precision" => Some("float8"),
            "decimal" | "numeric" => Some("numeric"),
            "character varying" | "varchar" => Some("varchar"),
            "character" | "char" | "bpchar" => Some("bpchar"),
            "timestamp with time zone" | "timestamptz" => Some("timestamptz"),
            "timestamp without time zone" | "timestamp" => Some("timestamp"),
            "time with time zone" | "timetz" => Some("timetz"),
            "time without time zone" | "time" => Some("time"),
            other if migrate_core::builtin_data_type(other).is_some() => Some(other),
            _ => None,
        };
        if let Some(builtin) = builtin {
            return Ok(SqlType::builtin(builtin).with_modifiers(modifiers.to_vec()));
        }
    }
    let qualified = schema_name;
    let schema_name = schema_name.unwrap_or("public");
    if schema.user_type(&Name::new(schema_name, name)).is_none()
        && let Some((ty, ..)) = crate::extensions::by_typname(schema, name)
        && qualified.is_none_or(|qualified| qualified == ty.schema)
    {
        return Ok(ty.with_modifiers(modifiers.to_vec()));
    }
    if schema.user_type(&Name::new(schema_name, name)).is_some() {
        return Ok(SqlType::user(schema_name, name));
    }
    // A table's row type is a type too.
    if schema.relation(&Name::new(schema_name, name)).is_some() {
        return Ok(SqlType::user(schema_name, name));
    }
    if let Some(element) = name.strip_prefix('_')
        && let Ok(element) = resolve_type_name_str(schema, Some(schema_name), element, modifiers)
    {
        return Ok(element.into_array());
    }
    Err(name.to_owned())
}

/// The name PostgreSQL's grammar gives a type in a cast, used as the output
/// column name of `'x'::type`: `int4` for `integer`, `varchar`, `TaskStatus`.
pub(crate) fn type_column_name(ty: &SqlType) -> String {
    ty.name.clone()
}
