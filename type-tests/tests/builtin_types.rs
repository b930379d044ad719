//! Every base, range, multirange and pseudo-type of PostgreSQL's
//! `pg_catalog`, as the server lists them, through the query macros.
//!
//! The list comes from the server (`pg_type`, arrays left out), and each
//! type must be in [`EXPECTED`], which says what the macros do with it:
//!
//! - [`Expect::RoundTrip`]: a value of the type, read as a column, is passed
//!   back as a parameter and compared with what PostgreSQL holds (as
//!   text); NULL is read and passed; where PostgreSQL has the array type, an
//!   array holding the value and NULL is read and passed back too;
//! - [`Expect::ReadOnly`]: a value is read (and NULL, and an array where
//!   there is one), and a parameter of the type is the compile error given;
//! - [`Expect::Refused`]: a column and a parameter of the type are each the
//!   compile error given;
//! - [`Expect::NotAValue`]: no query a client sends yields or takes a value
//!   of the type (`trigger`, `internal`, ...).
//!
//! The round trips and read cases are written into one generated crate, the
//! refusals into another (one function each), both with a build script that
//! folds `migrations/`; they are built by one `cargo build` in a target
//! directory of their own (`target/builtin-types`), so the dependencies
//! compile once. The first crate's binary then runs against a database of
//! its own. A type the server lists and the table does not, a type of the
//! table the server does not list, a refusal that compiles or says
//! something else, a round trip that does not compile or comes back
//! different: each fails the test, named.
//!
//! `cargo test -p migrate-type-tests --test builtin_types -- --nocapture`
//! prints the figures.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use migrate_test_support::{GeneratedWorkspace, TestDatabase, project_root, raw_literal};

/// What the macros do with a built-in type.
enum Expect {
    /// SQL that yields a value of the type.
    RoundTrip(&'static str),
    /// A query of one row and one column of the type (`"v!"` where the
    /// value is never NULL), the same for an array of it where PostgreSQL
    /// has one, and the message of a parameter of the type.
    ReadOnly {
        query: &'static str,
        array: Option<&'static str>,
        param: &'static str,
    },
    /// The messages of a column named `v` of the type, of a column of its
    /// array type where there is one, and of a parameter `$1`.
    Refused {
        column: &'static str,
        array: Option<&'static str>,
        param: &'static str,
    },
    /// Why no query a client sends has a value of the type.
    NotAValue(&'static str),
}

use Expect::{NotAValue, ReadOnly, Refused, RoundTrip};

const RECEIVES_NO_VALUE: &str = "which PostgreSQL receives from no client, in binary or as text (migrate reads it, never passes it): compare its text instead (`column::text = $1`)";
const POLYMORPHIC_PARAM: &str = "a polymorphic type that no value is sent as: cast the parameter in SQL to the type it stands for (`$1::integer[]`)";
const POLYMORPHIC_COLUMN: &str = "a polymorphic type whose values carry their real type only at run time: cast it in SQL to the type it holds (`v::text::integer[] AS v`) or to text (`v::text AS v`)";

/// Every type `pg_catalog` holds in PostgreSQL 15, arrays left out, by
/// `typname`.
const EXPECTED: &[(&str, Expect)] = &[
    (
        "aclitem",
        Refused {
            column: "column \"v\" is of type aclitem, which PostgreSQL sends only as text (it has no binary form, so no Rust type can read it): cast it in SQL to text (`v::text AS v`)",
            array: Some(
                "column \"v\" is of type aclitem[], which PostgreSQL sends only as text (it has no binary form, so no Rust type can read it): cast it in SQL to text[] (`v::text[] AS v`)",
            ),
            param: "parameter $1 is of type aclitem, which PostgreSQL receives only as text (it has no binary form): pass text and cast it in SQL (`$1::text::aclitem`)",
        },
    ),
    (
        "any",
        NotAValue("a function's argument of any type, written only in signatures"),
    ),
    (
        "anyarray",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anycompatible",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anycompatiblearray",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anycompatiblemultirange",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anycompatiblenonarray",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anycompatiblerange",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anyelement",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anyenum",
        NotAValue("PostgreSQL casts nothing to anyenum, NULL neither"),
    ),
    (
        "anymultirange",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anynonarray",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    (
        "anyrange",
        Refused {
            column: POLYMORPHIC_COLUMN,
            array: None,
            param: POLYMORPHIC_PARAM,
        },
    ),
    ("bit", RoundTrip("'101'")),
    ("bool", RoundTrip("'true'")),
    ("box", RoundTrip("'(2,3),(0,1)'")),
    ("bpchar", RoundTrip("'ab'")),
    ("bytea", RoundTrip(r"'\x0102ff'")),
    ("char", RoundTrip("'a'")),
    ("cid", RoundTrip("'3'")),
    ("cidr", RoundTrip("'10.1.0.0/16'")),
    ("circle", RoundTrip("'<(1.5,-2),4>'")),
    ("cstring", RoundTrip("'c'")),
    ("date", RoundTrip("'2024-02-29'")),
    (
        "datemultirange",
        RoundTrip("'{[2024-01-01,2024-02-01),[2024-03-01,2024-04-01)}'"),
    ),
    ("daterange", RoundTrip("'[2024-01-01,2024-02-01)'")),
    (
        "event_trigger",
        NotAValue("what an event trigger function returns, never a value"),
    ),
    (
        "fdw_handler",
        NotAValue("what a foreign-data wrapper's handler returns, never a value"),
    ),
    ("float4", RoundTrip("'1.5'")),
    ("float8", RoundTrip("'-2.25'")),
    (
        "gtsvector",
        Refused {
            column: "column \"v\" is of type gtsvector, which PostgreSQL sends only as text (it has no binary form, so no Rust type can read it): cast it in SQL to text (`v::text AS v`)",
            array: Some(
                "column \"v\" is of type gtsvector[], which PostgreSQL sends only as text (it has no binary form, so no Rust type can read it): cast it in SQL to text[] (`v::text[] AS v`)",
            ),
            param: RECEIVES_NO_VALUE,
        },
    ),
    (
        "index_am_handler",
        NotAValue("what an index access method's handler returns, never a value"),
    ),
    // The driver reads an inet as an `IpAddr`, without its netmask.
    ("inet", RoundTrip("'10.0.0.1'")),
    ("int2", RoundTrip("'7'")),
    (
        "int2vector",
        ReadOnly {
            query: "SELECT '1 3'::int2vector AS \"v!\"",
            array: Some("SELECT ARRAY['1 3'::int2vector, NULL] AS \"v!\""),
            param: "which PostgreSQL receives in binary only with a lower bound of 0, which the postgres driver does not send: pass its text and cast it in SQL (`$1::text::int2vector`)",
        },
    ),
    ("int4", RoundTrip("'42'")),
    ("int4multirange", RoundTrip("'{[1,3),[5,8)}'")),
    ("int4range", RoundTrip("'[1,10)'")),
    ("int8", RoundTrip("'9000000000'")),
    ("int8multirange", RoundTrip("'{[1,3)}'")),
    ("int8range", RoundTrip("'[1,9000000000)'")),
    (
        "internal",
        NotAValue("a pointer inside the server; PostgreSQL casts nothing to it"),
    ),
    (
        "interval",
        RoundTrip("'1 year 2 mons 3 days 00:00:04.000005'"),
    ),
    ("json", RoundTrip(r#"'{"a":[1,2]}'"#)),
    ("jsonb", RoundTrip(r#"'{"a": [1, 2]}'"#)),
    ("jsonpath", RoundTrip(r#"'$."a"[*]?(@ > 1)'"#)),
    (
        "language_handler",
        NotAValue("what a procedural language's handler returns, never a value"),
    ),
    ("line", RoundTrip("'{1,-1,0.5}'")),
    ("lseg", RoundTrip("'[(0,0),(1.5,-2)]'")),
    ("macaddr", RoundTrip("'08:00:2b:01:02:03'")),
    ("macaddr8", RoundTrip("'08:00:2b:01:02:03:04:05'")),
    ("money", RoundTrip("'12.34'")),
    ("name", RoundTrip("'n'")),
    ("numeric", RoundTrip("'1.50'")),
    ("nummultirange", RoundTrip("'{[1.5,2.5)}'")),
    ("numrange", RoundTrip("'[1.5,2.5)'")),
    ("oid", RoundTrip("'23'")),
    (
        "oidvector",
        ReadOnly {
            query: "SELECT '23 25'::oidvector AS \"v!\"",
            array: Some("SELECT ARRAY['23 25'::oidvector, NULL] AS \"v!\""),
            param: "which PostgreSQL receives in binary only with a lower bound of 0, which the postgres driver does not send: pass its text and cast it in SQL (`$1::text::oidvector`)",
        },
    ),
    ("path", RoundTrip("'[(0,0),(1.5,-2)]'")),
    // No value of a BRIN summary reaches a client (pageinspect shows them
    // as text): NULL is read.
    (
        "pg_brin_bloom_summary",
        ReadOnly {
            query: "SELECT NULL::pg_brin_bloom_summary AS v",
            array: None,
            param: RECEIVES_NO_VALUE,
        },
    ),
    (
        "pg_brin_minmax_multi_summary",
        ReadOnly {
            query: "SELECT NULL::pg_brin_minmax_multi_summary AS v",
            array: None,
            param: RECEIVES_NO_VALUE,
        },
    ),
    (
        "pg_ddl_command",
        NotAValue(
            "seen only by event trigger functions (pg_event_trigger_ddl_commands()); PostgreSQL neither sends nor receives it",
        ),
    ),
    (
        "pg_dependencies",
        ReadOnly {
            query: "SELECT stxddependencies AS \"v!\" FROM pg_statistic_ext_data LIMIT 1",
            array: None,
            param: RECEIVES_NO_VALUE,
        },
    ),
    ("pg_lsn", RoundTrip("'16/B374D848'")),
    (
        "pg_mcv_list",
        ReadOnly {
            query: "SELECT stxdmcv AS \"v!\" FROM pg_statistic_ext_data LIMIT 1",
            array: None,
            param: RECEIVES_NO_VALUE,
        },
    ),
    (
        "pg_ndistinct",
        ReadOnly {
            query: "SELECT stxdndistinct AS \"v!\" FROM pg_statistic_ext_data LIMIT 1",
            array: None,
            param: RECEIVES_NO_VALUE,
        },
    ),
    (
        "pg_node_tree",
        ReadOnly {
            query: "SELECT adbin AS \"v!\" FROM pg_attrdef LIMIT 1",
            array: None,
            param: RECEIVES_NO_VALUE,
        },
    ),
    ("pg_snapshot", RoundTrip("'10:20:10,14,15'")),
    ("point", RoundTrip("'(1.5,-2)'")),
    ("polygon", RoundTrip("'((0,0),(1,0),(0,1))'")),
    (
        "record",
        ReadOnly {
            query: "SELECT ROW(1, 'a'::text) AS \"v!\"",
            array: Some("SELECT ARRAY[ROW(1, 'a'::text), ROW(2, NULL::text)] AS \"v!\""),
            param: "which PostgreSQL receives from no client (an anonymous record has no declared fields): pass its fields as parameters of their own (`ROW($1, ...)`)",
        },
    ),
    ("refcursor", RoundTrip("'cursor'")),
    ("regclass", RoundTrip("'pg_class'")),
    ("regcollation", RoundTrip(r#"'"C"'"#)),
    ("regconfig", RoundTrip("'english'")),
    ("regdictionary", RoundTrip("'simple'")),
    ("regnamespace", RoundTrip("'pg_catalog'")),
    ("regoper", RoundTrip("'||/'")),
    ("regoperator", RoundTrip("'+(integer,integer)'")),
    ("regproc", RoundTrip("'now'")),
    ("regprocedure", RoundTrip("'now()'")),
    ("regrole", RoundTrip("'postgres'")),
    ("regtype", RoundTrip("'integer'")),
    (
        "table_am_handler",
        NotAValue("what a table access method's handler returns, never a value"),
    ),
    ("text", RoundTrip("'t'")),
    ("tid", RoundTrip("'(1,2)'")),
    ("time", RoundTrip("'13:05:00.000007'")),
    ("timestamp", RoundTrip("'2024-02-29 13:05:00.5'")),
    ("timestamptz", RoundTrip("'2024-02-29 13:05:00+02'")),
    ("timetz", RoundTrip("'13:05:00.000007+02'")),
    (
        "trigger",
        NotAValue("what a trigger function returns, never a value"),
    ),
    (
        "tsm_handler",
        NotAValue("what a table sampling method's handler returns, never a value"),
    ),
    (
        "tsmultirange",
        RoundTrip("'{[2024-01-01 00:00,2024-02-01 00:00)}'"),
    ),
    ("tsquery", RoundTrip("'fat:* & !rat'")),
    (
        "tsrange",
        RoundTrip("'[2024-01-01 00:00,2024-02-01 00:00)'"),
    ),
    (
        "tstzmultirange",
        RoundTrip("'{[2024-01-01 00:00+00,2024-02-01 00:00+00)}'"),
    ),
    (
        "tstzrange",
        RoundTrip("'[2024-01-01 00:00+00,2024-02-01 00:00+00)'"),
    ),
    ("tsvector", RoundTrip("'a:1A fat:2,4C cat'")),
    ("txid_snapshot", RoundTrip("'10:20:10,14,15'")),
    (
        "unknown",
        NotAValue(
            "PostgreSQL gives an untyped literal's column the type text, and a parameter the type its use decides (`$1::unknown` alone: could not determine data type of parameter $1)",
        ),
    ),
    ("uuid", RoundTrip("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'")),
    ("varbit", RoundTrip("'101'")),
    ("varchar", RoundTrip("'v'")),
    (
        "void",
        ReadOnly {
            query: "SELECT pg_sleep(0) AS \"v!\"",
            array: None,
            param: "which holds no value to pass: take the parameter out of the SQL",
        },
    ),
    ("xid", RoundTrip("'5'")),
    ("xid8", RoundTrip("'5'")),
    ("xml", RoundTrip("'<a>b</a>'")),
];

/// The schema both crates fold, and the database the round trips run in:
/// a column default (for `pg_node_tree`) and extended statistics (for
/// `pg_ndistinct`, `pg_dependencies` and `pg_mcv_list`, once analysed).
const MIGRATION: &str = "CREATE TABLE pairs (a integer NOT NULL DEFAULT 1, b integer NOT NULL);\n\
     CREATE STATISTICS pairs_ab (ndistinct, dependencies, mcv) ON a, b FROM pairs;\n";

/// Run once the migration is applied.
const DATA: &str =
    "INSERT INTO pairs SELECT n % 10, n % 5 FROM generate_series(1, 1000) n; ANALYZE pairs;";

/// A type as the server lists it.
struct ServerType {
    name: String,
    has_array: bool,
}

fn server_types(client: &mut postgres::Client) -> Vec<ServerType> {
    client
        .query(
            "SELECT t.typname::text, t.typarray <> 0
             FROM pg_type t
             WHERE t.typnamespace = 'pg_catalog'::regnamespace
               AND t.typtype IN ('b', 'p', 'r', 'm')
               AND NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
             ORDER BY 1",
            &[],
        )
        .expect("list the built-in types")
        .iter()
        .map(|row| ServerType {
            name: row.get(0),
            has_array: row.get(1),
        })
        .collect()
}

/// A generated source file and, per function, its first and last lines and
/// what it checks (`int4`, `aclitem: column`).
#[derive(Default)]
struct Source {
    text: String,
    functions: Vec<(usize, usize, String)>,
}

impl Source {
    fn function(&mut self, label: String, body: &str) {
        let first = self.text.lines().count() + 1;
        self.text.push_str(body);
        let last = self.text.lines().count();
        self.functions.push((first, last, label));
    }

    fn label_at(&self, line: usize) -> Option<&str> {
        self.functions
            .iter()
            .find(|(first, last, _)| (*first..=*last).contains(&line))
            .map(|(_, _, label)| label.as_str())
    }
}

/// The type as SQL names it, whatever its name: `pg_catalog."char"`.
fn sql_type(name: &str) -> String {
    format!("pg_catalog.\"{name}\"")
}

/// The round trip of one type, as a function of the binary.
fn round_trip(name: &str, sample: &str, has_array: bool) -> String {
    let ty = sql_type(name);
    let value = format!("{sample}::{ty}");
    let mut body = format!(
        "fn trip_{name}(client: &mut postgres::Client) -> Result<(), String> {{\n\
         \x20   let value = migrate::query_scalar!({read}).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
         \x20   let row = migrate::query!({back}, &value).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
         \x20   if !row.same {{ return Err(\"the value came back different\".to_owned()); }}\n\
         \x20   let absent = row.absent;\n\
         \x20   if absent.is_some() {{ return Err(\"NULL was read as a value\".to_owned()); }}\n\
         \x20   let null = migrate::query_scalar!({null}, &absent).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
         \x20   if !null {{ return Err(\"None was passed as a value\".to_owned()); }}\n",
        read = raw_literal(&format!("SELECT {value} AS \"v!\"")),
        back = raw_literal(&format!(
            "SELECT $1::{ty}::text = ({value})::text AS \"same!\", NULL::{ty} AS absent"
        )),
        null = raw_literal(&format!("SELECT $1::{ty} IS NULL AS \"null!\"")),
    );
    if has_array {
        let _ = write!(
            body,
            "    let many = migrate::query_scalar!({many}, &value).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
             \x20   if many.len() != 2 || many[1].is_some() {{ return Err(\"the array came back wrong\".to_owned()); }}\n\
             \x20   let same = migrate::query_scalar!({back}, &many).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
             \x20   if !same {{ return Err(\"the array came back different\".to_owned()); }}\n",
            many = raw_literal(&format!("SELECT ARRAY[$1::{ty}, NULL] AS \"v!\"")),
            back = raw_literal(&format!(
                "SELECT $1::{ty}[]::text = ARRAY[{value}, NULL]::text AS \"same!\""
            )),
        );
    }
    body.push_str("    Ok(())\n}\n\n");
    body
}

/// The reading of a type migrate passes no value of.
fn read_only(name: &str, query: &str, array: Option<&str>) -> String {
    let ty = sql_type(name);
    let mut body = format!(
        "fn trip_{name}(client: &mut postgres::Client) -> Result<(), String> {{\n\
         \x20   let value = migrate::query_scalar!({query}).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
         \x20   println!(\"read {name}: {{value:?}}\");\n",
        query = raw_literal(query),
    );
    let null = match name {
        // `()`, NULL or not.
        "void" => None,
        // A NULL record with no fields is no tuple.
        "record" => Some("SELECT (SELECT ROW(1, 'a'::text) WHERE false) AS v".to_owned()),
        _ => Some(format!("SELECT NULL::{ty} AS v")),
    };
    if let Some(null) = null {
        let _ = write!(
            body,
            "    let absent = migrate::query_scalar!({null}).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
             \x20   if absent.is_some() {{ return Err(\"NULL was read as a value\".to_owned()); }}\n",
            null = raw_literal(&null),
        );
    }
    if let Some(array) = array {
        let _ = write!(
            body,
            "    let many = migrate::query_scalar!({array}).fetch_one(&mut *client).map_err(|e| format!(\"{{e:?}}\"))?;\n\
             \x20   if many.len() != 2 {{ return Err(\"the array came back wrong\".to_owned()); }}\n",
            array = raw_literal(array),
        );
    }
    body.push_str("    Ok(())\n}\n\n");
    body
}

fn manifest(name: &str, root: &Path, binary: bool) -> String {
    let root = root.display();
    let postgres = if binary { "postgres = \"0.19\"\n" } else { "" };
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         migrate = {{ package = \"pgfold\", path = \"{root}\", features = [\"chrono\", \"uuid\", \"rust_decimal\", \"bit-vec\", \"cidr\"] }}\n\
         {postgres}\n\
         [build-dependencies]\n\
         migrate-build = {{ package = \"pgfold-build\", path = \"{root}/migrate-build\" }}\n"
    )
}

const BUILD_SCRIPT: &str = "fn main() -> Result<(), migrate_build::Error> {\n    \
     migrate_build::Builder::new().migrations(\"../migrations\").compile()?;\n    Ok(())\n}\n";

#[test]
fn every_built_in_type_round_trips_or_is_a_documented_compile_error() {
    let db = TestDatabase::new("builtin_types");
    let mut client = db.client();
    let listed = server_types(&mut client);
    let expected: BTreeMap<&str, &Expect> = EXPECTED
        .iter()
        .map(|(name, expect)| (*name, expect))
        .collect();
    let mut failures = Vec::new();
    for ty in &listed {
        if !expected.contains_key(ty.name.as_str()) {
            failures.push(format!(
                "{}: PostgreSQL has it, and this test does not say what the macros do with it \
                 (map it in migrate-macros/src/types.rs and give it a RoundTrip here, or a documented error)",
                ty.name
            ));
        }
    }
    for name in expected.keys() {
        if !listed.iter().any(|ty| ty.name == *name) {
            failures.push(format!("{name}: in the table, not in the server's pg_type"));
        }
    }

    let mut trips = Source::default();
    trips.text.push_str("#![allow(clippy::all)]\n\n");
    let mut refusals = Source::default();
    let mut n_not_a_value = 0;
    for ty in &listed {
        let Some(expect) = expected.get(ty.name.as_str()) else {
            continue;
        };
        let name = ty.name.as_str();
        let sql = sql_type(name);
        match expect {
            RoundTrip(sample) => {
                trips.function(name.to_owned(), &round_trip(name, sample, ty.has_array));
            }
            ReadOnly { query, array, .. } => {
                trips.function(name.to_owned(), &read_only(name, query, *array));
                let param = raw_literal(&format!("SELECT $1::{sql} IS NULL AS n"));
                refusals.function(
                    format!("{name}: param"),
                    &format!(
                        "pub fn param_{name}() {{\n    let _ = migrate::query!({param}, 0_i32);\n}}\n\n"
                    ),
                );
            }
            Refused { array, .. } => {
                let column = raw_literal(&format!("SELECT NULL::{sql} AS v"));
                refusals.function(
                    format!("{name}: column"),
                    &format!(
                        "pub fn column_{name}() {{\n    let _ = migrate::query!({column});\n}}\n\n"
                    ),
                );
                if array.is_some() {
                    let column = raw_literal(&format!("SELECT NULL::{sql}[] AS v"));
                    refusals.function(
                        format!("{name}: array"),
                        &format!(
                            "pub fn array_{name}() {{\n    let _ = migrate::query!({column});\n}}\n\n"
                        ),
                    );
                }
                let param = raw_literal(&format!("SELECT $1::{sql} IS NULL AS n"));
                refusals.function(
                    format!("{name}: param"),
                    &format!(
                        "pub fn param_{name}() {{\n    let _ = migrate::query!({param}, 0_i32);\n}}\n\n"
                    ),
                );
            }
            NotAValue(why) => {
                println!("{name}: never a value: {why}");
                n_not_a_value += 1;
            }
        }
    }
    let mut main = String::from(
        "fn main() {\n    let url = std::env::var(\"BUILTIN_TYPES_URL\").expect(\"BUILTIN_TYPES_URL\");\n    \
         let mut client = postgres::Client::connect(&url, postgres::NoTls).expect(\"connect\");\n    \
         let mut failed = false;\n",
    );
    for (_, _, name) in &trips.functions {
        let _ = writeln!(
            main,
            "    match trip_{name}(&mut client) {{ Ok(()) => println!(\"ok {name}\"), Err(error) => {{ failed = true; println!(\"FAIL {name}: {{error}}\"); }} }}"
        );
    }
    main.push_str("    std::process::exit(i32::from(failed));\n}\n");
    trips.text.push_str(&main);

    // The crates, in a workspace of their own.
    let root = project_root().canonicalize().expect("the project root");
    let workspace = GeneratedWorkspace::new("builtin-types");
    for (name, source, binary) in [("trips", &trips, true), ("refusals", &refusals, false)] {
        workspace.write(
            &format!("{name}/Cargo.toml"),
            manifest(&format!("builtin_{name}"), &root, binary),
        );
        workspace.write(&format!("{name}/build.rs"), BUILD_SCRIPT);
        let file = if binary { "src/main.rs" } else { "src/lib.rs" };
        workspace.write(&format!("{name}/{file}"), &source.text);
    }
    workspace.write("migrations/1_pairs.sql", MIGRATION);
    let output = workspace.cargo("build", &["trips", "refusals"]);

    // Each compiler error, by the function it is in.
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in output.messages {
        if message.level != "error" {
            continue;
        }
        let source = match message.target.as_str() {
            "builtin_trips" => &trips,
            "builtin_refusals" => &refusals,
            _ => continue,
        };
        let label = source
            .label_at(message.line.unwrap_or(0))
            .unwrap_or("elsewhere")
            .to_owned();
        errors.entry(label).or_default().push(message.message);
    }

    // The refusals: each function fails with its documented message.
    let mut n_refusals = 0;
    for (_, _, label) in &refusals.functions {
        let (name, what) = label.split_once(": ").expect("a label");
        let wanted = match (expected[name], what) {
            (Refused { column, .. }, "column") => column.to_string(),
            (
                Refused {
                    array: Some(array), ..
                },
                "array",
            ) => array.to_string(),
            (Refused { param, .. } | ReadOnly { param, .. }, "param") => param.to_string(),
            _ => unreachable!("{label}"),
        };
        let found = errors.remove(label).unwrap_or_default();
        if found.iter().any(|message| message.contains(&wanted)) {
            n_refusals += 1;
        } else {
            failures.push(format!(
                "{label}: expected the compile error `{wanted}`, got {found:#?}"
            ));
        }
    }
    for (label, messages) in &errors {
        failures.push(format!("{label}: does not compile: {messages:#?}"));
    }
    if !output.success && errors.is_empty() && trips.functions.is_empty() {
        failures.push(output.stderr.clone());
    }

    // The round trips, when their crate built.
    let binary = workspace.target_dir().join("debug/builtin_trips");
    let mut n_trips = 0;
    if !errors.keys().any(|label| !label.contains(": ")) && binary.exists() {
        client.batch_execute(MIGRATION).unwrap();
        client.batch_execute(DATA).unwrap();
        let run = Command::new(&binary)
            .env("BUILTIN_TYPES_URL", &db.url)
            .output()
            .expect("run the round trips");
        let stdout = String::from_utf8_lossy(&run.stdout);
        print!("{stdout}");
        n_trips = stdout
            .lines()
            .filter(|line| line.starts_with("ok "))
            .count();
        let failed: Vec<String> = stdout
            .lines()
            .filter(|line| line.starts_with("FAIL "))
            .map(str::to_owned)
            .collect();
        if n_trips + failed.len() < trips.functions.len() {
            failures.push(format!(
                "the round trips stopped: {}",
                String::from_utf8_lossy(&run.stderr)
            ));
        }
        failures.extend(failed);
    } else if failures.is_empty() {
        failures.push(format!("the round trips did not build:\n{}", output.stderr));
    }
    println!(
        "{} built-in types: {n_trips} of {} read (and passed where PostgreSQL takes them), \
         {n_refusals} documented compile errors, {n_not_a_value} never a value",
        listed.len(),
        trips.functions.len(),
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
