use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ddl::quote_ident;

/// A column or expression type as PostgreSQL stores it in `pg_type` and
/// `pg_attribute.atttypmod`.
///
/// Built-in types live in `pg_catalog` and are named as `pg_type.typname`
/// spells them (`int4`, `varchar`, `timestamptz`, `bpchar`), not as SQL
/// spells them (`integer`, `character varying`). The fold normalises.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SqlType {
    /// Schema of the type: `pg_catalog` for built-in types.
    pub schema: String,
    /// `pg_type.typname` of the element type.
    pub name: String,
    /// Type modifiers: `varchar(20)` is `[20]`, `numeric(10,2)` is `[10, 2]`,
    /// `timestamp(3)` is `[3]`; empty when none were given.
    pub modifiers: Vec<i64>,
    /// An array of the type (PostgreSQL does not distinguish dimensions).
    pub array: bool,
}

impl SqlType {
    /// A built-in type by its `typname`: `SqlType::builtin("int4")`.
    pub fn builtin(name: &str) -> Self {
        Self {
            schema: "pg_catalog".to_owned(),
            name: name.to_owned(),
            modifiers: Vec::new(),
            array: false,
        }
    }

    /// A user-defined type (enum, domain, composite) in `schema`.
    pub fn user(schema: &str, name: &str) -> Self {
        Self {
            schema: schema.to_owned(),
            name: name.to_owned(),
            modifiers: Vec::new(),
            array: false,
        }
    }

    /// The same type with modifiers.
    pub fn with_modifiers(mut self, modifiers: Vec<i64>) -> Self {
        self.modifiers = modifiers;
        self
    }

    /// The array type whose elements are this type.
    pub fn into_array(mut self) -> Self {
        self.array = true;
        self
    }

    /// The element type of an array, or the type itself.
    pub fn element(&self) -> Self {
        Self {
            array: false,
            ..self.clone()
        }
    }

    /// Whether this is a built-in type.
    pub fn is_builtin(&self) -> bool {
        self.schema == "pg_catalog"
    }

    /// `information_schema.columns.udt_name`: `int4`, `_text`, `TaskStatus`.
    pub fn udt_name(&self) -> String {
        if self.array {
            format!("_{}", self.name)
        } else {
            self.name.clone()
        }
    }
}

impl fmt::Display for SqlType {
    /// The type as `format_type` would print it: `character varying(20)`,
    /// `integer[]`, `public."TaskStatus"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_builtin() {
            let base = builtin_data_type(&self.name).unwrap_or(&self.name);
            match (self.name.as_str(), self.modifiers.as_slice()) {
                (_, []) => f.write_str(base)?,
                ("timestamp" | "timestamptz" | "time" | "timetz", [precision]) => {
                    let (head, tail) = base.split_once(' ').unwrap_or((base, ""));
                    write!(f, "{head}({precision})")?;
                    if !tail.is_empty() {
                        write!(f, " {tail}")?;
                    }
                }
                (_, modifiers) => {
                    let list: Vec<String> = modifiers.iter().map(i64::to_string).collect();
                    write!(f, "{base}({})", list.join(","))?;
                }
            }
        } else {
            write!(
                f,
                "{}.{}",
                quote_ident(&self.schema),
                quote_ident(&self.name)
            )?;
        }
        if self.array {
            f.write_str("[]")?;
        }
        Ok(())
    }
}

/// `information_schema.columns.data_type` of a built-in type, by `typname`:
/// `int4` is `integer`, `varchar` is `character varying`. `None` for a name
/// that is not a built-in type.
pub fn builtin_data_type(typname: &str) -> Option<&'static str> {
    Some(match typname {
        "bool" => "boolean",
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "float4" => "real",
        "float8" => "double precision",
        "numeric" => "numeric",
        "money" => "money",
        "text" => "text",
        "varchar" => "character varying",
        "bpchar" => "character",
        "char" => "\"char\"",
        "name" => "name",
        "bytea" => "bytea",
        "date" => "date",
        "time" => "time without time zone",
        "timetz" => "time with time zone",
        "timestamp" => "timestamp without time zone",
        "timestamptz" => "timestamp with time zone",
        "interval" => "interval",
        "json" => "json",
        "jsonb" => "jsonb",
        "jsonpath" => "jsonpath",
        "uuid" => "uuid",
        "xml" => "xml",
        "inet" => "inet",
        "cidr" => "cidr",
        "macaddr" => "macaddr",
        "macaddr8" => "macaddr8",
        "bit" => "bit",
        "varbit" => "bit varying",
        "tsvector" => "tsvector",
        "tsquery" => "tsquery",
        "oid" => "oid",
        "regclass" => "regclass",
        "regtype" => "regtype",
        "regproc" => "regproc",
        "regprocedure" => "regprocedure",
        "regoper" => "regoper",
        "regoperator" => "regoperator",
        "regconfig" => "regconfig",
        "regdictionary" => "regdictionary",
        "regnamespace" => "regnamespace",
        "regrole" => "regrole",
        "regcollation" => "regcollation",
        "int2vector" => "int2vector",
        "oidvector" => "oidvector",
        "refcursor" => "refcursor",
        "aclitem" => "aclitem",
        "pg_node_tree" => "pg_node_tree",
        "pg_ndistinct" => "pg_ndistinct",
        "pg_dependencies" => "pg_dependencies",
        "pg_mcv_list" => "pg_mcv_list",
        "pg_brin_bloom_summary" => "pg_brin_bloom_summary",
        "pg_brin_minmax_multi_summary" => "pg_brin_minmax_multi_summary",
        "gtsvector" => "gtsvector",
        "point" => "point",
        "line" => "line",
        "lseg" => "lseg",
        "box" => "box",
        "path" => "path",
        "polygon" => "polygon",
        "circle" => "circle",
        "int4range" => "int4range",
        "int8range" => "int8range",
        "numrange" => "numrange",
        "tsrange" => "tsrange",
        "tstzrange" => "tstzrange",
        "daterange" => "daterange",
        "int4multirange" => "int4multirange",
        "int8multirange" => "int8multirange",
        "nummultirange" => "nummultirange",
        "tsmultirange" => "tsmultirange",
        "tstzmultirange" => "tstzmultirange",
        "datemultirange" => "datemultirange",
        "pg_lsn" => "pg_lsn",
        "txid_snapshot" => "txid_snapshot",
        "pg_snapshot" => "pg_snapshot",
        "xid" => "xid",
        "xid8" => "xid8",
        "cid" => "cid",
        "tid" => "tid",
        "record" => "record",
        "void" => "void",
        "trigger" => "trigger",
        "unknown" => "unknown",
        "anyelement" => "anyelement",
        "anyarray" => "anyarray",
        "cstring" => "cstring",
        "internal" => "internal",
        "event_trigger" => "event_trigger",
        "pg_ddl_command" => "pg_ddl_command",
        "fdw_handler" => "fdw_handler",
        "index_am_handler" => "index_am_handler",
        "language_handler" => "language_handler",
        "table_am_handler" => "table_am_handler",
        "tsm_handler" => "tsm_handler",
        "anynonarray" => "anynonarray",
        "anyenum" => "anyenum",
        "anyrange" => "anyrange",
        "anymultirange" => "anymultirange",
        "anycompatible" => "anycompatible",
        "anycompatiblearray" => "anycompatiblearray",
        "anycompatiblenonarray" => "anycompatiblenonarray",
        "anycompatiblerange" => "anycompatiblerange",
        "anycompatiblemultirange" => "anycompatiblemultirange",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::SqlType;

    #[test]
    fn displays_like_format_type() {
        let cases = [
            (SqlType::builtin("int4"), "integer"),
            (
                SqlType::builtin("varchar").with_modifiers(vec![20]),
                "character varying(20)",
            ),
            (
                SqlType::builtin("numeric").with_modifiers(vec![10, 2]),
                "numeric(10,2)",
            ),
            (
                SqlType::builtin("timestamptz").with_modifiers(vec![3]),
                "timestamp(3) with time zone",
            ),
            (SqlType::builtin("text").into_array(), "text[]"),
            (
                SqlType::user("public", "TaskStatus"),
                "public.\"TaskStatus\"",
            ),
        ];
        for (ty, expected) in cases {
            assert_eq!(ty.to_string(), expected);
        }
        assert_eq!(SqlType::builtin("text").into_array().udt_name(), "_text");
    }
}
