//! Reading the live schema of a database into the model, through `pg_catalog`.
//!
//! [`introspect`] runs a fixed list of catalog queries ([`QUERIES`], shared
//! with the async [`introspect_async`]) and assembles a
//! [`migrate_core::Schema`] shaped as the fold shapes one: types by
//! `pg_type.typname` with their modifiers decoded from the typmod, defaults
//! and check expressions as `pg_get_expr` prints them, constraint columns
//! by name.
//!
//! Left out, because no migration file creates them directly:
//! - the system schemas (`pg_catalog`, `information_schema`, `pg_toast`,
//!   temporary schemas) and everything in them;
//! - objects that belong to an extension (`pg_depend.deptype = 'e'`): the
//!   extension itself is recorded instead;
//! - the relations named in [`IntrospectOptions::exclude`] (the migration
//!   history table), with their indexes, constraints and sequences;
//! - constraints and indexes a partition inherits from its partitioned
//!   parent (`pg_constraint.conparentid`, index partitions), and check
//!   constraints an inheriting table got from its parent (`conislocal`);
//! - triggers PostgreSQL creates itself (`tgisinternal`) or clones into
//!   partitions;
//! - the constructor functions of range types.
//!
//! ```no_run
//! use migrate_core::Name;
//! use migrate_runtime::introspect::{IntrospectOptions, introspect};
//!
//! let mut client = postgres::Client::connect("postgres://localhost/app", postgres::NoTls)?;
//! let options = IntrospectOptions::default().exclude(Name::public("_migrate_history"));
//! let schema = introspect(&mut client, &options)?;
//! for (name, relation) in &schema.relations {
//!     println!("{name}: {} columns", relation.columns.len());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};

use migrate_core::{
    Column, Constraint, ConstraintKind, Extension, ForeignKeyAction, Function, Identity, Index,
    Name, Namespace, OutputArgument, Relation, RelationKind, Schema, Sequence, SqlType, Trigger,
    TriggerEvent, TriggerTiming, UserType, UserTypeKind,
};
use postgres::{SimpleQueryMessage, SimpleQueryRow};

use crate::Error;

/// What [`introspect`] leaves out besides the system schemas and
/// extension-owned objects.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntrospectOptions {
    /// Relations to leave out (the migration history table), with their
    /// indexes, constraints and owned sequences.
    pub exclude: Vec<Name>,
    /// Schemas to leave out entirely, with everything in them.
    pub exclude_schemas: Vec<String>,
}

impl IntrospectOptions {
    /// Leave out `relation` (typically the migration history table).
    pub fn exclude(mut self, relation: Name) -> Self {
        self.exclude.push(relation);
        self
    }

    /// Leave out everything in `schema`.
    pub fn exclude_schema(mut self, schema: &str) -> Self {
        self.exclude_schemas.push(schema.to_owned());
        self
    }
}

/// One catalog query: what it reads, for error messages, and its SQL.
#[derive(Clone, Copy, Debug)]
pub struct CatalogQuery {
    /// What the query reads (`columns`), for messages.
    pub what: &'static str,
    /// The query.
    pub sql: &'static str,
}

macro_rules! catalog_queries {
    ($($index:ident = $what:literal : $sql:expr;)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        enum Q { $($index,)* }
        /// The catalog queries [`introspect`] and [`introspect_async`] run, in order.
        pub const QUERIES: &[CatalogQuery] = &[$(CatalogQuery { what: $what, sql: $sql },)*];
    };
}

catalog_queries! {
    TYPES = "type names": "SELECT t.oid::int8, n.nspname, t.typname, t.typelem::int8, \
        t.typsubscript = 'array_subscript_handler'::regproc AS is_array \
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace";
    NAMESPACES = "schemas": namespaces_query();
    RELATIONS = "relations": relations_query();
    COLUMNS = "columns": columns_query();
    CONSTRAINTS = "constraints": constraints_query();
    INDEXES = "indexes": indexes_query();
    USER_TYPES = "types": user_types_query();
    TYPE_ATTRIBUTES = "composite type attributes": "SELECT t.oid::int8, a.attname, a.atttypid::int8, a.atttypmod \
        FROM pg_type t JOIN pg_attribute a ON a.attrelid = t.typrelid \
        WHERE t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY t.oid, a.attnum";
    DOMAIN_CHECKS = "domain constraints": "SELECT co.contypid::int8, co.conname, pg_get_expr(co.conbin, 0), \
        co.convalidated FROM pg_constraint co WHERE co.contypid <> 0 AND co.contype = 'c' ORDER BY co.oid";
    SEQUENCES = "sequences": sequences_query();
    EXTENSIONS = "extensions": "SELECT e.extname, n.nspname, e.extversion FROM pg_extension e \
        JOIN pg_namespace n ON n.oid = e.extnamespace ORDER BY e.extname";
    FUNCTIONS = "functions": functions_query();
    TRIGGERS = "triggers": "SELECT t.tgrelid::int8, t.tgname, t.tgtype::int4 FROM pg_trigger t \
        WHERE NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgrelid, t.tgname";
    VIEW_DEPENDENCIES = "view dependencies": "SELECT DISTINCT r.ev_class::int8, d.refobjid::int8 \
        FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
        AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> r.ev_class ORDER BY 1, 2";
    INHERITS = "inheritance": "SELECT i.inhrelid::int8, i.inhparent::int8 FROM pg_inherits i ORDER BY i.inhrelid, i.inhseqno";
}

// The queries that share the namespace and extension filters are literals
// built by `concat!` from these two macros, so that `QUERIES` stays a
// `const` without formatting at run time.
macro_rules! not_extension_member {
    ($catalog:literal, $oid:literal) => {
        concat!(
            "NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '",
            $catalog,
            "'::regclass AND e.objid = ",
            $oid,
            " AND e.deptype = 'e')"
        )
    };
}

macro_rules! user_namespace {
    () => {
        "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') \
         AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'"
    };
}

const fn namespaces_query() -> &'static str {
    concat!(
        "SELECT n.nspname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE ",
        user_namespace!(),
        " AND ",
        not_extension_member!("pg_namespace", "n.oid"),
        " ORDER BY n.nspname"
    )
}

const fn relations_query() -> &'static str {
    concat!(
        "SELECT c.oid::int8, n.nspname, c.relname, c.relkind::text, c.relpersistence::text, \
         obj_description(c.oid, 'pg_class'), \
         CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ",
        user_namespace!(),
        " AND ",
        not_extension_member!("pg_class", "c.oid"),
        " ORDER BY n.nspname, c.relname"
    )
}

const fn columns_query() -> &'static str {
    concat!(
        "SELECT a.attrelid::int8, a.attname, a.atttypid::int8, a.atttypmod, a.attnotnull, \
         pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text, a.attgenerated::text, \
         CASE WHEN a.attcollation <> t.typcollation THEN co.collname END, \
         col_description(a.attrelid, a.attnum) \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum \
         LEFT JOIN pg_collation co ON co.oid = a.attcollation \
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND ",
        user_namespace!(),
        " ORDER BY a.attrelid, a.attnum"
    )
}

const fn constraints_query() -> &'static str {
    concat!(
        "SELECT co.conrelid::int8, co.conname, co.contype::text, \
         array_to_json(ARRAY(SELECT a.attname::text FROM unnest(co.conkey) WITH ORDINALITY k(num, ord) \
               JOIN pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.num ORDER BY k.ord)), \
         co.confrelid::int8, \
         array_to_json(ARRAY(SELECT a.attname::text FROM unnest(co.confkey) WITH ORDINALITY k(num, ord) \
               JOIN pg_attribute a ON a.attrelid = co.confrelid AND a.attnum = k.num ORDER BY k.ord)), \
         co.confdeltype::text, co.confupdtype::text, co.condeferrable, co.condeferred, \
         co.convalidated, CASE WHEN co.contype = 'c' THEN pg_get_expr(co.conbin, co.conrelid) END, \
         pg_get_constraintdef(co.oid), COALESCE(i.indnullsnotdistinct, false) \
         FROM pg_constraint co \
         JOIN pg_class c ON c.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_index i ON i.indexrelid = co.conindid \
         WHERE co.contype IN ('p', 'u', 'f', 'c', 'x') AND co.conparentid = 0 AND co.conislocal AND ",
        user_namespace!(),
        " ORDER BY co.conrelid, co.oid"
    )
}

const fn indexes_query() -> &'static str {
    concat!(
        "SELECT ic.oid::int8, n.nspname, ic.relname, i.indrelid::int8, i.indisunique, am.amname, \
         i.indnkeyatts::int4, \
         array_to_json(ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0 \
                 THEN (SELECT a.attname::text FROM pg_attribute a \
                       WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) \
                 ELSE pg_get_indexdef(i.indexrelid, k, false) END \
               FROM generate_series(1, i.indnatts) k ORDER BY k)), \
         array_to_json(i.indoption::int2[]), pg_get_expr(i.indpred, i.indrelid), \
         (SELECT co.conname FROM pg_constraint co WHERE co.conindid = i.indexrelid \
            AND co.conrelid = i.indrelid AND co.contype IN ('p', 'u', 'x') LIMIT 1), \
         i.indnullsnotdistinct, \
         EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid), \
         array_to_json(ARRAY(SELECT CASE WHEN oc.opcdefault THEN '' ELSE oc.opcname::text END \
               FROM generate_series(1, i.indnkeyatts) k \
               JOIN pg_opclass oc ON oc.oid = i.indclass[k - 1] ORDER BY k)), \
         array_to_json(ARRAY(SELECT CASE WHEN i.indkey[k - 1] <> 0 AND i.indcollation[k - 1] <> 0 \
                 AND i.indcollation[k - 1] <> (SELECT a.attcollation FROM pg_attribute a \
                       WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]) \
                 THEN (SELECT pg_catalog.quote_ident(cl.collname) FROM pg_collation cl \
                       WHERE cl.oid = i.indcollation[k - 1]) ELSE '' END \
               FROM generate_series(1, i.indnkeyatts) k ORDER BY k)) \
         FROM pg_index i \
         JOIN pg_class ic ON ic.oid = i.indexrelid \
         JOIN pg_namespace n ON n.oid = ic.relnamespace \
         JOIN pg_am am ON am.oid = ic.relam \
         WHERE ",
        user_namespace!(),
        " AND ",
        not_extension_member!("pg_class", "ic.oid"),
        " ORDER BY n.nspname, ic.relname"
    )
}

const fn user_types_query() -> &'static str {
    concat!(
        "SELECT t.oid::int8, n.nspname, t.typname, t.typtype::text, obj_description(t.oid, 'pg_type'), \
         array_to_json(ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)), \
         t.typbasetype::int8, t.typtypmod, t.typnotnull, pg_get_expr(t.typdefaultbin, 0), \
         (SELECT r.rngsubtype::int8 FROM pg_range r WHERE r.rngtypid = t.oid) \
         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
         WHERE (t.typtype IN ('e', 'd', 'r') \
                OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))) AND ",
        user_namespace!(),
        " AND ",
        not_extension_member!("pg_type", "t.oid"),
        " ORDER BY n.nspname, t.typname"
    )
}

const fn sequences_query() -> &'static str {
    concat!(
        "SELECT c.oid::int8, n.nspname, c.relname, s.seqtypid::int8, s.seqstart, s.seqincrement, \
         d.refobjid::int8, a.attname::text, d.deptype::text \
         FROM pg_sequence s \
         JOIN pg_class c ON c.oid = s.seqrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 \
         LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
         WHERE ",
        user_namespace!(),
        " AND ",
        not_extension_member!("pg_class", "c.oid"),
        " ORDER BY n.nspname, c.relname"
    )
}

const fn functions_query() -> &'static str {
    concat!(
        "SELECT n.nspname, p.proname, array_to_json(p.proargtypes::oid[]::int8[]), p.prorettype::int8, \
         p.proretset, p.prokind::text, p.provariadic <> 0, \
         (SELECT a.aggnumdirectargs::int8 FROM pg_aggregate a WHERE a.aggfnoid = p.oid AND a.aggkind <> 'n'), \
         p.pronargdefaults::int8, array_to_json(p.proallargtypes::int8[]), \
         array_to_json(p.proargmodes::text[]), array_to_json(p.proargnames) \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ",
        user_namespace!(),
        " AND ",
        not_extension_member!("pg_proc", "p.oid"),
        // Constructors PostgreSQL makes for a range type belong to the type.
        " AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass \
         AND i.objid = p.oid AND i.deptype = 'i')",
        " ORDER BY n.nspname, p.proname, p.oid"
    )
}

/// Reads the live schema of the database `client` is connected to, in one
/// round trip: every query of [`QUERIES`] goes in one simple-query message
/// (which PostgreSQL runs in one implicit transaction, so all of them see
/// the same snapshot).
///
/// `client` may be a [`postgres::Client`] or a [`postgres::Transaction`]; in
/// a transaction, the preamble's `SET LOCAL`s last until it ends.
pub fn introspect(
    client: &mut impl postgres::GenericClient,
    options: &IntrospectOptions,
) -> Result<Schema, Error> {
    let messages = client
        .simple_query(&all_queries())
        .map_err(|source| Error::database("cannot read the schema from pg_catalog", source))?;
    assemble(&split_results(messages), options)
}

/// [`introspect`] on a `tokio_postgres` client: the same queries, the same result.
#[cfg(feature = "tokio")]
pub async fn introspect_async(
    client: &tokio_postgres::Client,
    options: &IntrospectOptions,
) -> Result<Schema, Error> {
    let messages = client
        .simple_query(&all_queries())
        .await
        .map_err(|source| Error::database("cannot read the schema from pg_catalog", source))?;
    assemble(&split_results(messages), options)
}

/// Sent first, `LOCAL` to this batch's implicit transaction:
/// - JIT off: the catalog queries are small but their estimates are not
///   (set-returning subqueries count as a thousand rows), and on a server
///   with JIT on, compiling them costs a second where running them costs
///   milliseconds;
/// - `search_path` = `public`: `pg_get_expr` and `pg_get_viewdef` qualify
///   the names that the search path does not reach, so the text of
///   defaults and checks must not depend on the session's setting. The
///   fold prints them as a session with the default path would.
const PREAMBLE: &[&str] = &["SET LOCAL jit = off", "SET LOCAL search_path = public"];

/// The catalog queries as one simple-query text, for a caller that sends
/// them with other statements (the runner, with the release of its lock);
/// [`from_messages`] reads their answers.
pub(crate) fn batch_sql() -> String {
    all_queries()
}

/// The schema from the answers to [`batch_sql`].
pub(crate) fn from_messages(
    messages: Vec<SimpleQueryMessage>,
    options: &IntrospectOptions,
) -> Result<Schema, Error> {
    assemble(&split_results(messages), options)
}

/// [`QUERIES`] as one text, after [`PREAMBLE`].
fn all_queries() -> String {
    PREAMBLE
        .iter()
        .copied()
        .chain(QUERIES.iter().map(|query| query.sql))
        .collect::<Vec<_>>()
        .join(";\n")
}

/// The rows of each query, in order (the preamble's result left out).
fn split_results(messages: Vec<SimpleQueryMessage>) -> Vec<Vec<SimpleQueryRow>> {
    let mut results = Vec::with_capacity(QUERIES.len() + 1);
    let mut current = Vec::new();
    for message in messages {
        match message {
            SimpleQueryMessage::Row(row) => current.push(row),
            SimpleQueryMessage::CommandComplete(_) => results.push(std::mem::take(&mut current)),
            _ => {}
        }
    }
    results.drain(..PREAMBLE.len().min(results.len()));
    results
}

/// A `pg_type` row, enough to name a type.
struct TypeRow {
    schema: String,
    name: String,
    element: i64,
    is_array: bool,
}

struct Catalog<'a> {
    types: HashMap<i64, TypeRow>,
    relations: HashMap<i64, Name>,
    options: &'a IntrospectOptions,
}

impl Catalog<'_> {
    /// The model's type for a type oid and typmod.
    fn sql_type(&self, oid: i64, typmod: i32) -> SqlType {
        let Some(row) = self.types.get(&oid) else {
            return SqlType::builtin(&format!("oid {oid}"));
        };
        let (row, array) = match (row.is_array, self.types.get(&row.element)) {
            (true, Some(element)) => (element, true),
            _ => (row, false),
        };
        let mut ty = if row.schema == "pg_catalog" {
            SqlType::builtin(&row.name)
        } else {
            SqlType::user(&row.schema, &row.name)
        };
        if row.schema == "pg_catalog" {
            ty.modifiers = decode_typmod(&row.name, typmod);
        }
        if array {
            ty = ty.into_array();
        }
        ty
    }

    fn excluded_schema(&self, schema: &str) -> bool {
        self.options.exclude_schemas.iter().any(|s| s == schema)
    }

    fn excluded_relation(&self, name: &Name) -> bool {
        self.excluded_schema(&name.schema) || self.options.exclude.contains(name)
    }
}

/// Type modifiers as the model keeps them, from `atttypmod`.
fn decode_typmod(typname: &str, typmod: i32) -> Vec<i64> {
    if typmod < 0 {
        return Vec::new();
    }
    let typmod = i64::from(typmod);
    match typname {
        "varchar" | "bpchar" if typmod >= 4 => vec![typmod - 4],
        "numeric" if typmod >= 4 => {
            let packed = typmod - 4;
            let precision = (packed >> 16) & 0xffff;
            // PostgreSQL 15 keeps the scale in 11 bits, sign-extended.
            let scale = ((packed & 0x7ff) ^ 1024) - 1024;
            vec![precision, scale]
        }
        "time" | "timetz" | "timestamp" | "timestamptz" | "bit" | "varbit" => vec![typmod],
        // pgvector's dimensions, as the fold keeps them (`vector(3)`).
        "vector" | "halfvec" | "sparsevec" => vec![typmod],
        "interval" => {
            let precision = typmod & 0xffff;
            if precision == 0xffff {
                Vec::new()
            } else {
                vec![precision]
            }
        }
        _ => Vec::new(),
    }
}

/// A catalog value read from the text the simple-query protocol carries.
/// Arrays come as JSON (`array_to_json` in the queries).
trait FromCatalog: Sized {
    /// `None` when the text is not a value of this type.
    fn from_catalog(text: Option<&str>) -> Option<Self>;
}

impl FromCatalog for String {
    fn from_catalog(text: Option<&str>) -> Option<Self> {
        text.map(str::to_owned)
    }
}

impl FromCatalog for Option<String> {
    fn from_catalog(text: Option<&str>) -> Option<Self> {
        Some(text.map(str::to_owned))
    }
}

impl FromCatalog for i64 {
    fn from_catalog(text: Option<&str>) -> Option<Self> {
        text?.parse().ok()
    }
}

impl FromCatalog for Option<i64> {
    fn from_catalog(text: Option<&str>) -> Option<Self> {
        match text {
            None => Some(None),
            Some(text) => text.parse().ok().map(Some),
        }
    }
}

impl FromCatalog for i32 {
    fn from_catalog(text: Option<&str>) -> Option<Self> {
        text?.parse().ok()
    }
}

impl FromCatalog for bool {
    fn from_catalog(text: Option<&str>) -> Option<Self> {
        match text? {
            "t" => Some(true),
            "f" => Some(false),
            _ => None,
        }
    }
}

macro_rules! json_arrays {
    ($($element:ty),*) => {$(
        impl FromCatalog for Vec<$element> {
            fn from_catalog(text: Option<&str>) -> Option<Self> {
                match text {
                    None => Some(Vec::new()),
                    Some(json) => serde_json::from_str(json).ok(),
                }
            }
        }
    )*};
}

json_arrays!(String, i64, i16);

fn get<T: FromCatalog>(row: &SimpleQueryRow, index: usize, query: Q) -> Result<T, Error> {
    let what = QUERIES[query as usize].what;
    let text = row
        .try_get(index)
        .map_err(|source| Error::database(format!("cannot read {what}"), source))?;
    T::from_catalog(text).ok_or_else(|| Error::Introspection {
        message: format!(
            "unexpected value {text:?} in column {} of the {what} query",
            index + 1
        ),
    })
}

fn relation_kind(relkind: &str) -> Option<RelationKind> {
    Some(match relkind {
        "r" => RelationKind::Table,
        "p" => RelationKind::PartitionedTable,
        "v" => RelationKind::View,
        "m" => RelationKind::MaterializedView,
        "f" => RelationKind::ForeignTable,
        _ => return None,
    })
}

fn foreign_key_action(code: &str) -> ForeignKeyAction {
    match code {
        "r" => ForeignKeyAction::Restrict,
        "c" => ForeignKeyAction::Cascade,
        "n" => ForeignKeyAction::SetNull,
        "d" => ForeignKeyAction::SetDefault,
        _ => ForeignKeyAction::NoAction,
    }
}

/// Builds the schema from the rows of [`QUERIES`], in order.
fn assemble(results: &[Vec<SimpleQueryRow>], options: &IntrospectOptions) -> Result<Schema, Error> {
    let rows = |query: Q| results.get(query as usize).map_or(&[][..], Vec::as_slice);
    let mut catalog = Catalog {
        types: HashMap::new(),
        relations: HashMap::new(),
        options,
    };
    for row in rows(Q::TYPES) {
        let oid: i64 = get(row, 0, Q::TYPES)?;
        catalog.types.insert(
            oid,
            TypeRow {
                schema: get(row, 1, Q::TYPES)?,
                name: get(row, 2, Q::TYPES)?,
                element: get(row, 3, Q::TYPES)?,
                is_array: get(row, 4, Q::TYPES)?,
            },
        );
    }

    let mut schema = Schema::default();
    for row in rows(Q::NAMESPACES) {
        let name: String = get(row, 0, Q::NAMESPACES)?;
        if catalog.excluded_schema(&name) {
            continue;
        }
        let comment: Option<String> = get(row, 1, Q::NAMESPACES)?;
        schema.namespaces.insert(name, Namespace { comment });
    }

    // Relations, then their columns, constraints, triggers and parents.
    let mut relation_oids: BTreeMap<i64, Name> = BTreeMap::new();
    let mut all_relations: HashMap<i64, Name> = HashMap::new();
    for row in rows(Q::RELATIONS) {
        let oid: i64 = get(row, 0, Q::RELATIONS)?;
        let name = Name::new(
            &get::<String>(row, 1, Q::RELATIONS)?,
            &get::<String>(row, 2, Q::RELATIONS)?,
        );
        all_relations.insert(oid, name.clone());
        let relkind: String = get(row, 3, Q::RELATIONS)?;
        let Some(kind) = relation_kind(&relkind) else {
            continue;
        };
        if catalog.excluded_relation(&name) {
            continue;
        }
        let mut relation = Relation::new(kind);
        relation.unlogged = get::<String>(row, 4, Q::RELATIONS)? == "u";
        relation.comment = get(row, 5, Q::RELATIONS)?;
        relation.definition = get::<Option<String>>(row, 6, Q::RELATIONS)?
            .map(|definition| definition.trim().trim_end_matches(';').to_owned());
        relation_oids.insert(oid, name.clone());
        schema.relations.insert(name, relation);
    }
    catalog.relations = all_relations;
    for row in rows(Q::COLUMNS) {
        let oid: i64 = get(row, 0, Q::COLUMNS)?;
        let Some(name) = relation_oids.get(&oid) else {
            continue;
        };
        let Some(relation) = schema.relations.get_mut(name) else {
            continue;
        };
        let column_name: String = get(row, 1, Q::COLUMNS)?;
        let type_oid: i64 = get(row, 2, Q::COLUMNS)?;
        let typmod: i32 = get(row, 3, Q::COLUMNS)?;
        let mut column = Column::new(&column_name, catalog.sql_type(type_oid, typmod));
        column.not_null = get(row, 4, Q::COLUMNS)?;
        let expression: Option<String> = get(row, 5, Q::COLUMNS)?;
        column.identity = match get::<String>(row, 6, Q::COLUMNS)?.as_str() {
            "a" => Some(Identity::Always),
            "d" => Some(Identity::ByDefault),
            _ => None,
        };
        if get::<String>(row, 7, Q::COLUMNS)? == "s" {
            column.generated = expression;
        } else {
            column.default = expression;
        }
        column.collation = get(row, 8, Q::COLUMNS)?;
        column.comment = get(row, 9, Q::COLUMNS)?;
        relation.columns.push(column);
    }

    for row in rows(Q::CONSTRAINTS) {
        let oid: i64 = get(row, 0, Q::CONSTRAINTS)?;
        let Some(table) = relation_oids.get(&oid) else {
            continue;
        };
        let constraint_name: String = get(row, 1, Q::CONSTRAINTS)?;
        let columns: Vec<String> = get(row, 3, Q::CONSTRAINTS)?;
        let kind = match get::<String>(row, 2, Q::CONSTRAINTS)?.as_str() {
            "p" => ConstraintKind::PrimaryKey { columns },
            "u" => ConstraintKind::Unique {
                columns,
                nulls_not_distinct: get(row, 13, Q::CONSTRAINTS)?,
            },
            "f" => {
                let referenced: i64 = get(row, 4, Q::CONSTRAINTS)?;
                let references = catalog
                    .relations
                    .get(&referenced)
                    .cloned()
                    .unwrap_or_else(|| Name::new("", &format!("oid {referenced}")));
                ConstraintKind::ForeignKey {
                    columns,
                    references,
                    referenced_columns: get(row, 5, Q::CONSTRAINTS)?,
                    on_delete: foreign_key_action(&get::<String>(row, 6, Q::CONSTRAINTS)?),
                    on_update: foreign_key_action(&get::<String>(row, 7, Q::CONSTRAINTS)?),
                }
            }
            "c" => ConstraintKind::Check {
                expression: get::<Option<String>>(row, 11, Q::CONSTRAINTS)?.unwrap_or_default(),
            },
            _ => ConstraintKind::Exclusion {
                definition: get(row, 12, Q::CONSTRAINTS)?,
            },
        };
        let constraint = Constraint {
            name: constraint_name,
            kind,
            deferrable: get(row, 8, Q::CONSTRAINTS)?,
            initially_deferred: get(row, 9, Q::CONSTRAINTS)?,
            not_valid: !get::<bool>(row, 10, Q::CONSTRAINTS)?,
        };
        if let Some(relation) = schema.relations.get_mut(table) {
            relation.constraints.push(constraint);
        }
    }

    for row in rows(Q::TRIGGERS) {
        let oid: i64 = get(row, 0, Q::TRIGGERS)?;
        let Some(table) = relation_oids.get(&oid) else {
            continue;
        };
        let tgtype: i32 = get(row, 2, Q::TRIGGERS)?;
        let timing = if tgtype & 2 != 0 {
            TriggerTiming::Before
        } else if tgtype & 64 != 0 {
            TriggerTiming::InsteadOf
        } else {
            TriggerTiming::After
        };
        let mut events = Vec::new();
        for (bit, event) in [
            (4, TriggerEvent::Insert),
            (16, TriggerEvent::Update),
            (8, TriggerEvent::Delete),
            (32, TriggerEvent::Truncate),
        ] {
            if tgtype & bit != 0 {
                events.push(event);
            }
        }
        let trigger = Trigger {
            name: get(row, 1, Q::TRIGGERS)?,
            timing,
            events,
            for_each_row: tgtype & 1 != 0,
        };
        if let Some(relation) = schema.relations.get_mut(table) {
            relation.triggers.push(trigger);
        }
    }

    let mut parents_seen = BTreeSet::new();
    for row in rows(Q::INHERITS) {
        let child: i64 = get(row, 0, Q::INHERITS)?;
        let parent: i64 = get(row, 1, Q::INHERITS)?;
        // The first parent (lowest inhseqno) is the one the model keeps.
        if !parents_seen.insert(child) {
            continue;
        }
        let (Some(child), Some(parent)) =
            (relation_oids.get(&child), catalog.relations.get(&parent))
        else {
            continue;
        };
        if let Some(relation) = schema.relations.get_mut(child) {
            relation.parent = Some(parent.clone());
        }
    }

    for row in rows(Q::VIEW_DEPENDENCIES) {
        let view: i64 = get(row, 0, Q::VIEW_DEPENDENCIES)?;
        let dependency: i64 = get(row, 1, Q::VIEW_DEPENDENCIES)?;
        let (Some(view), Some(dependency)) =
            (relation_oids.get(&view), catalog.relations.get(&dependency))
        else {
            continue;
        };
        if let Some(relation) = schema.relations.get_mut(view)
            && !relation.depends_on.contains(dependency)
        {
            relation.depends_on.push(dependency.clone());
        }
    }

    for row in rows(Q::INDEXES) {
        let name = Name::new(
            &get::<String>(row, 1, Q::INDEXES)?,
            &get::<String>(row, 2, Q::INDEXES)?,
        );
        let table_oid: i64 = get(row, 3, Q::INDEXES)?;
        let Some(table) = relation_oids.get(&table_oid) else {
            continue;
        };
        let is_partition_of_parent_index: bool = get(row, 12, Q::INDEXES)?;
        if is_partition_of_parent_index || catalog.excluded_schema(&name.schema) {
            continue;
        }
        let n_key_columns = usize::try_from(get::<i32>(row, 6, Q::INDEXES)?).unwrap_or(0);
        let mut columns: Vec<String> = get(row, 7, Q::INDEXES)?;
        let options: Vec<i16> = get(row, 8, Q::INDEXES)?;
        let operator_classes: Vec<String> = get(row, 13, Q::INDEXES)?;
        let collations: Vec<String> = get(row, 14, Q::INDEXES)?;
        let method: String = get(row, 5, Q::INDEXES)?;
        let include = columns.split_off(n_key_columns.min(columns.len()));
        let keys = columns
            .into_iter()
            .enumerate()
            .map(|(position, mut key)| {
                // A collation other than the column's, then a non-default
                // operator class, follow the key as in pg_get_indexdef:
                // `name COLLATE "C" text_pattern_ops`, `doc jsonb_path_ops`.
                if let Some(collation) = collations.get(position)
                    && !collation.is_empty()
                {
                    key = format!("{key} COLLATE {collation}");
                }
                if let Some(class) = operator_classes.get(position)
                    && !class.is_empty()
                {
                    key = format!("{key} {class}");
                }
                let option = options.get(position).copied().unwrap_or(0);
                key_with_ordering(key, option, &method)
            })
            .collect();
        schema.indexes.insert(
            name,
            Index {
                table: table.clone(),
                unique: get(row, 4, Q::INDEXES)?,
                method,
                keys,
                include,
                predicate: get(row, 9, Q::INDEXES)?,
                constraint: get(row, 10, Q::INDEXES)?,
                nulls_not_distinct: get(row, 11, Q::INDEXES)?,
            },
        );
    }

    let mut type_names: HashMap<i64, Name> = HashMap::new();
    for row in rows(Q::USER_TYPES) {
        let oid: i64 = get(row, 0, Q::USER_TYPES)?;
        let name = Name::new(
            &get::<String>(row, 1, Q::USER_TYPES)?,
            &get::<String>(row, 2, Q::USER_TYPES)?,
        );
        if catalog.excluded_schema(&name.schema) {
            continue;
        }
        let kind = match get::<String>(row, 3, Q::USER_TYPES)?.as_str() {
            "e" => UserTypeKind::Enum {
                labels: get(row, 5, Q::USER_TYPES)?,
            },
            "d" => UserTypeKind::Domain {
                base: catalog.sql_type(get(row, 6, Q::USER_TYPES)?, get(row, 7, Q::USER_TYPES)?),
                not_null: get(row, 8, Q::USER_TYPES)?,
                default: get(row, 9, Q::USER_TYPES)?,
                checks: Vec::new(),
            },
            "r" => UserTypeKind::Range {
                subtype: catalog
                    .sql_type(get::<Option<i64>>(row, 10, Q::USER_TYPES)?.unwrap_or(0), -1),
            },
            _ => UserTypeKind::Composite {
                attributes: Vec::new(),
            },
        };
        type_names.insert(oid, name.clone());
        schema.types.insert(
            name,
            UserType {
                kind,
                comment: get(row, 4, Q::USER_TYPES)?,
            },
        );
    }
    for row in rows(Q::TYPE_ATTRIBUTES) {
        let oid: i64 = get(row, 0, Q::TYPE_ATTRIBUTES)?;
        let Some(name) = type_names.get(&oid) else {
            continue;
        };
        let attribute: String = get(row, 1, Q::TYPE_ATTRIBUTES)?;
        let ty = catalog.sql_type(
            get(row, 2, Q::TYPE_ATTRIBUTES)?,
            get(row, 3, Q::TYPE_ATTRIBUTES)?,
        );
        if let Some(UserType {
            kind: UserTypeKind::Composite { attributes },
            ..
        }) = schema.types.get_mut(name)
        {
            attributes.push((attribute, ty));
        }
    }
    for row in rows(Q::DOMAIN_CHECKS) {
        let oid: i64 = get(row, 0, Q::DOMAIN_CHECKS)?;
        let Some(name) = type_names.get(&oid) else {
            continue;
        };
        let check = Constraint {
            name: get(row, 1, Q::DOMAIN_CHECKS)?,
            kind: ConstraintKind::Check {
                expression: get::<Option<String>>(row, 2, Q::DOMAIN_CHECKS)?.unwrap_or_default(),
            },
            not_valid: !get::<bool>(row, 3, Q::DOMAIN_CHECKS)?,
            deferrable: false,
            initially_deferred: false,
        };
        if let Some(UserType {
            kind: UserTypeKind::Domain { checks, .. },
            ..
        }) = schema.types.get_mut(name)
        {
            checks.push(check);
        }
    }

    for row in rows(Q::SEQUENCES) {
        let name = Name::new(
            &get::<String>(row, 1, Q::SEQUENCES)?,
            &get::<String>(row, 2, Q::SEQUENCES)?,
        );
        let owner_oid: Option<i64> = get(row, 6, Q::SEQUENCES)?;
        let owner_column: Option<String> = get(row, 7, Q::SEQUENCES)?;
        let owned_by = match (
            owner_oid.and_then(|oid| catalog.relations.get(&oid)),
            owner_column,
        ) {
            (Some(table), Some(column)) => Some((table.clone(), column)),
            _ => None,
        };
        let owned_by_excluded = owned_by
            .as_ref()
            .is_some_and(|(table, _)| catalog.excluded_relation(table));
        if owned_by_excluded || catalog.excluded_schema(&name.schema) {
            continue;
        }
        schema.sequences.insert(
            name,
            Sequence {
                data_type: catalog.sql_type(get(row, 3, Q::SEQUENCES)?, -1),
                owned_by,
                start: Some(get(row, 4, Q::SEQUENCES)?),
                increment: Some(get(row, 5, Q::SEQUENCES)?),
            },
        );
    }

    for row in rows(Q::EXTENSIONS) {
        let name: String = get(row, 0, Q::EXTENSIONS)?;
        schema.extensions.insert(
            name,
            Extension {
                schema: get(row, 1, Q::EXTENSIONS)?,
                version: get(row, 2, Q::EXTENSIONS)?,
            },
        );
    }

    for row in rows(Q::FUNCTIONS) {
        let name = Name::new(
            &get::<String>(row, 0, Q::FUNCTIONS)?,
            &get::<String>(row, 1, Q::FUNCTIONS)?,
        );
        if catalog.excluded_schema(&name.schema) {
            continue;
        }
        let arguments: Vec<i64> = get(row, 2, Q::FUNCTIONS)?;
        let returns: i64 = get(row, 3, Q::FUNCTIONS)?;
        let kind: String = get(row, 5, Q::FUNCTIONS)?;
        let returns = catalog.sql_type(returns, -1);
        let untyped = kind == "p"
            || (returns.is_builtin()
                && matches!(returns.name.as_str(), "trigger" | "event_trigger"));
        let function = Function {
            arguments: arguments
                .into_iter()
                .map(|oid| catalog.sql_type(oid, -1))
                .collect(),
            returns: (!untyped).then_some(returns),
            returns_set: get(row, 4, Q::FUNCTIONS)?,
            aggregate: kind == "a",
            variadic: get(row, 6, Q::FUNCTIONS)?,
            direct_arguments: get::<Option<i64>>(row, 7, Q::FUNCTIONS)?
                .and_then(|n| usize::try_from(n).ok()),
            defaults: usize::try_from(get::<i64>(row, 8, Q::FUNCTIONS)?).unwrap_or(0),
            outputs: output_arguments(
                &catalog,
                &get::<Vec<i64>>(row, 9, Q::FUNCTIONS)?,
                &get::<Vec<String>>(row, 10, Q::FUNCTIONS)?,
                &get::<Vec<String>>(row, 11, Q::FUNCTIONS)?,
            ),
            procedure: kind == "p",
            argument_names: input_argument_names(
                &get::<Vec<String>>(row, 10, Q::FUNCTIONS)?,
                &get::<Vec<String>>(row, 11, Q::FUNCTIONS)?,
            ),
        };
        schema.functions.entry(name).or_default().push(function);
    }

    Ok(schema)
}

/// The OUT, INOUT and TABLE arguments of a function, from `proallargtypes`,
/// `proargmodes` and `proargnames` (each empty where the catalog holds NULL:
/// no output arguments, or none named).
fn output_arguments(
    catalog: &Catalog<'_>,
    all_types: &[i64],
    modes: &[String],
    names: &[String],
) -> Vec<OutputArgument> {
    modes
        .iter()
        .zip(all_types)
        .enumerate()
        .filter(|(_, (mode, _))| matches!(mode.as_str(), "o" | "b" | "t"))
        .map(|(position, (mode, oid))| OutputArgument {
            name: names.get(position).cloned().unwrap_or_default(),
            ty: catalog.sql_type(*oid, -1),
            position,
            input: mode == "b",
        })
        .collect()
}

/// The names of the input arguments (modes `i`, `b`, `v`; every argument
/// when `proargmodes` is NULL) from `proargnames`: empty for one without,
/// and none at all when no input argument has a name.
fn input_argument_names(modes: &[String], names: &[String]) -> Vec<String> {
    let inputs: Vec<String> = names
        .iter()
        .enumerate()
        .filter(|(position, _)| {
            modes
                .get(*position)
                .is_none_or(|mode| matches!(mode.as_str(), "i" | "b" | "v"))
        })
        .map(|(_, name)| name.clone())
        .collect();
    if inputs.iter().all(String::is_empty) {
        Vec::new()
    } else {
        inputs
    }
}

/// An index key with the ordering `pg_get_indexdef` would print after it
/// (`indoption` bit 0 is DESC, bit 1 NULLS FIRST; only btree orders).
fn key_with_ordering(key: String, option: i16, method: &str) -> String {
    if method != "btree" {
        return key;
    }
    let descending = option & 1 != 0;
    let nulls_first = option & 2 != 0;
    match (descending, nulls_first) {
        (false, false) | (true, true) => {
            if descending {
                format!("{key} DESC")
            } else {
                key
            }
        }
        (true, false) => format!("{key} DESC NULLS LAST"),
        (false, true) => format!("{key} NULLS FIRST"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmods_decode_to_modifiers() {
        assert_eq!(decode_typmod("varchar", 259), vec![255]);
        assert_eq!(decode_typmod("varchar", -1), Vec::<i64>::new());
        assert_eq!(decode_typmod("numeric", (10 << 16) + 2 + 4), vec![10, 2]);
        assert_eq!(decode_typmod("numeric", (10 << 16) + 4), vec![10, 0]);
        assert_eq!(decode_typmod("timestamptz", 3), vec![3]);
        assert_eq!(
            decode_typmod("interval", 0x7fff_0000 | 0xffff),
            Vec::<i64>::new()
        );
        assert_eq!(decode_typmod("bpchar", 5), vec![1]);
    }

    #[test]
    fn index_keys_carry_their_ordering() {
        assert_eq!(key_with_ordering("a".into(), 0, "btree"), "a");
        assert_eq!(key_with_ordering("a".into(), 3, "btree"), "a DESC");
        assert_eq!(
            key_with_ordering("a".into(), 1, "btree"),
            "a DESC NULLS LAST"
        );
        assert_eq!(key_with_ordering("a".into(), 2, "btree"), "a NULLS FIRST");
        assert_eq!(key_with_ordering("a".into(), 3, "gin"), "a");
    }
}
