//! Differential test of how `describe` types calls of PostgreSQL's built-in
//! functions against the live server. For every overload whose arguments
//! are all of common types called with typed NULLs; calls with untyped NULLs
//! and with one typed argument among untyped ones (PostgreSQL's rules for
//! unknown literals); calls with one untyped parameter among typed
//! arguments (the parameter takes the overload's type); type names called
//! on each common type (a cast or a function); the functions of a few
//! contrib extensions; and hand-written polymorphic, variadic and
//! ordered-set calls: `describe` accepts exactly when `PREPARE` accepts and
//! gives the parameter and result types PostgreSQL describes.
//!
//! A call migrate cannot type for sure is accepted with a warning; such
//! calls are counted apart and must stay rare.

use migrate_build::analyze::describe;
use migrate_core::Schema;
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_test_support::TestDatabase;

/// Argument types the generated calls use; those `describe` cannot cast
/// to are left out when the test starts.
const COMMON_TYPES: &[&str] = &[
    "bool",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "numeric",
    "text",
    "varchar",
    "bpchar",
    "name",
    "bytea",
    "date",
    "time",
    "timetz",
    "timestamp",
    "timestamptz",
    "interval",
    "uuid",
    "json",
    "jsonb",
    "inet",
    "cidr",
    "macaddr",
    "money",
    "bit",
    "varbit",
    "tsvector",
    "tsquery",
    "regclass",
    "regconfig",
    "oid",
    "xml",
    "point",
    "int4range",
    "int8range",
    "numrange",
    "tstzrange",
    "daterange",
    "_int4",
    "_int8",
    "_text",
    "_float8",
    "_numeric",
    "_jsonb",
];

/// Polymorphic, variadic and ordered-set calls, typed and untyped.
const HAND_WRITTEN: &[&str] = &[
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM (VALUES (1.5::float8)) v (x)",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY x) FROM (VALUES ('1 day'::interval)) v (x)",
    "SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY x) FROM (VALUES (1::int4)) v (x)",
    "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM (VALUES ('a'::text)) v (x)",
    "SELECT mode() WITHIN GROUP (ORDER BY x) FROM (VALUES (1::int8)) v (x)",
    "SELECT rank(3) WITHIN GROUP (ORDER BY x) FROM (VALUES (1)) v (x)",
    "SELECT percentile_cont('a') WITHIN GROUP (ORDER BY x) FROM (VALUES (1)) v (x)",
    "SELECT percentile_cont(0.5) FROM (VALUES (1)) v (x)",
    "SELECT width_bucket(5, ARRAY[1, 10, 100])",
    "SELECT width_bucket(5.5, ARRAY[1, 10, 100])",
    "SELECT width_bucket(5.5, 0, 10, 4)",
    "SELECT width_bucket(now(), ARRAY[now()])",
    "SELECT age(now())",
    "SELECT age(now(), '2020-01-01')",
    "SELECT age('2020-01-01')",
    "SELECT make_interval(1, 2)",
    "SELECT make_interval(days => 1)",
    "SELECT to_tsvector('english', 'a b')",
    "SELECT to_tsvector(NULL)",
    "SELECT jsonb_path_query_first('{}'::jsonb, '$.a')",
    "SELECT jsonb_path_query_first('{}', '$.a')",
    "SELECT jsonb_path_exists('{}'::jsonb, '$.a', '{}', true)",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT pg_advisory_xact_lock(1, 2)",
    "SELECT pg_advisory_xact_lock(1::int8, 2)",
    "SELECT inet_client_addr()",
    "SELECT array_fill(1, ARRAY[3])",
    "SELECT array_fill(NULL, ARRAY[3])",
    "SELECT array_fill('x'::text, ARRAY[3], ARRAY[0])",
    "SELECT array_reverse_not_a_function(1)",
    "SELECT array_shape(ARRAY[1])",
    "SELECT cardinality(NULL)",
    "SELECT array_length(NULL, 1)",
    "SELECT array_ndims(ARRAY['a'])",
    "SELECT array_sample(ARRAY[1], 1)",
    "SELECT trim_array(ARRAY[1, 2, 3], 1)",
    "SELECT trim_array(ARRAY['a'::text], 1)",
    "SELECT array_to_tsvector(ARRAY['a'])",
    "SELECT lower(int4range(1, 5))",
    "SELECT upper(numrange(1, 5))",
    "SELECT isempty(daterange('2020-01-01', '2020-02-01'))",
    "SELECT range_merge(int4range(1, 2), int4range(3, 4))",
    "SELECT int4range(1, 5)",
    "SELECT tstzrange(now(), now() + interval '1 day')",
    "SELECT lower(NULL::int8range)",
    "SELECT multirange(int4range(1, 2))",
    "SELECT num_nonnulls(1, 'a', NULL)",
    "SELECT jsonb_build_object('a', 1, 'b', now())",
    "SELECT json_build_array()",
    "SELECT jsonb_extract_path('{}'::jsonb, 'a', 'b')",
    "SELECT json_extract_path_text('{}'::json, 'a')",
    "SELECT concat_ws(',')",
    "SELECT concat()",
    "SELECT format('%s %s', 1, now())",
    "SELECT jsonb_populate_record(NULL::users, '{}')",
    "SELECT to_json(ARRAY[1])",
    "SELECT array_to_json(ARRAY[now()])",
    "SELECT greatest(1, 2.5)",
    "SELECT enum_first(NULL::\"Mood\")",
    "SELECT enum_range(NULL::\"Mood\")",
    "SELECT enum_range('happy'::\"Mood\", NULL)",
    "SELECT enum_first(1)",
    "SELECT text(1)",
    "SELECT text(now())",
    "SELECT int4('1')",
    "SELECT float8(1)",
    "SELECT date(now())",
    "SELECT row_number()",
    "SELECT lower('a') OVER ()",
    "SELECT ntile(4) OVER ()",
    "SELECT cume_dist() OVER (ORDER BY 1)",
    "SELECT nth_value('a'::text, 2) OVER ()",
    "SELECT first_value(x) OVER () FROM (VALUES (1::int2)) v (x)",
    "SELECT stddev(x) FROM (VALUES (1::int4)) v (x)",
    "SELECT var_pop(x) FROM (VALUES (1::float4)) v (x)",
    "SELECT corr(x, x) FROM (VALUES (1::int4)) v (x)",
    "SELECT regr_slope(x, 1) FROM (VALUES (1::float8)) v (x)",
    "SELECT bit_xor(x) FROM (VALUES (1::int8)) v (x)",
    "SELECT xmlagg(NULL::xml)",
    "SELECT any_value(1)",
    "SELECT string_agg(x, ',') FROM (VALUES ('a'::varchar)) v (x)",
    "SELECT array_agg(x) FROM (VALUES (ARRAY[1])) v (x)",
    "SELECT sum(x) FROM (VALUES (1::int2)) v (x)",
    "SELECT round(1.5::float8, 2)",
    "SELECT round(1.5, 2)",
    "SELECT round(1)",
    "SELECT log(2, 8)",
    "SELECT log(8.0)",
    "SELECT div(7, 2)",
    "SELECT gcd(4, 6::int8)",
    "SELECT scale(1.5)",
    "SELECT md5(NULL)",
    "SELECT overlay('abc' placing 'x' from 2)",
    "SELECT position('a' in 'abc')",
    "SELECT pg_typeof(1)",
    "SELECT pg_column_size(1)",
    "SELECT generate_subscripts(ARRAY[1], 1)",
    "SELECT regexp_matches('a', 'a')",
    "SELECT regexp_split_to_array('a b', ' ')",
    "SELECT regexp_count('a', 'a')",
    "SELECT regexp_substr('a', 'a', 1, 1, 'i')",
    "SELECT regexp_instr('a', 'a')",
    "SELECT string_to_table('a,b', ',')",
    "SELECT unistr('a')",
    "SELECT to_hex(255)",
    "SELECT to_hex(255::int8)",
    "SELECT chr(65)",
    "SELECT ascii('a')",
    "SELECT host('127.0.0.1'::inet)",
    "SELECT host('127.0.0.1')",
    "SELECT family('127.0.0.1')",
    "SELECT date_part('year', NULL)",
    "SELECT extract_not_a_function(1)",
    "SELECT make_timestamptz(2020, 1, 1, 0, 0, 0)",
    "SELECT make_timestamptz(2020, 1, 1, 0, 0, 0, 'UTC')",
    "SELECT make_time(1, 2, 3.5)",
    "SELECT date_add(now(), interval '1 day')",
    "SELECT to_timestamp(1)",
    "SELECT to_char(1, '9')",
    "SELECT to_char(now()::date, 'YYYY')",
    "SELECT num_nulls()",
    "SELECT has_table_privilege('users', 'select')",
    "SELECT has_table_privilege('postgres', 'users', 'select')",
    "SELECT pg_get_userbyid(10)",
    "SELECT current_schemas(true)",
    "SELECT quote_literal(1)",
    "SELECT quote_literal(NULL)",
    "SELECT jsonb_agg_strict(x) FROM (VALUES (1)) v (x)",
    "SELECT json_object_agg_unique('a', 1)",
    "SELECT array_cat(ARRAY[1], ARRAY[1.5])",
    "SELECT array_cat(NULL, NULL)",
    "SELECT array_append(NULL, NULL)",
    "SELECT array_append(ARRAY[1], 'a')",
    "SELECT array_remove(ARRAY[now()], NULL)",
    "SELECT array_position(NULL, 1)",
    "SELECT range_intersect_agg(x) FROM (VALUES (int4range(1, 2))) v (x)",
    "SELECT ts_headline('a b', to_tsquery('a'))",
    "SELECT ts_rank(to_tsvector('a'), to_tsquery('a'), 1)",
    "SELECT setweight(to_tsvector('a'), 'A')",
    "SELECT jsonb_set_lax('{}', '{a}', '1')",
    "SELECT jsonb_to_tsvector('{}'::jsonb, '\"all\"')",
    "SELECT websearch_to_tsquery('simple', 'a')",
    "SELECT pg_size_pretty(1::int8)",
    "SELECT pg_size_pretty(1)",
    "SELECT pg_size_pretty(1.5)",
    "SELECT pg_size_pretty(NULL)",
    "SELECT similarity(name, $1) FROM users",
    "SELECT word_similarity($1, name) > 0.5 FROM users",
    "SELECT show_trgm(name) FROM users",
    "SELECT crypt($1, gen_salt('bf'))",
    "SELECT digest(name, 'sha256') FROM users",
    "SELECT digest($1, 'sha256')",
    "SELECT uuid_generate_v4()",
    "SELECT uuid_generate_v5(uuid_ns_url(), 'x')",
    "SELECT levenshtein(name, $1) FROM users",
    "SELECT soundex(NULL)",
    "SELECT normal_rand(1, 0, 1)",
];

const SCHEMA: &str = r#"
CREATE EXTENSION pg_trgm;
CREATE EXTENSION pgcrypto;
CREATE EXTENSION "uuid-ossp";
CREATE EXTENSION fuzzystrmatch;
CREATE EXTENSION tablefunc;
CREATE TYPE "Mood" AS ENUM ('happy', 'sad');
CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);
"#;

#[derive(Default)]
struct Tally {
    calls: usize,
    both_accept: usize,
    both_reject: usize,
    types_agree: usize,
    untyped: Vec<String>,
    disagree: Vec<String>,
}

fn check(client: &mut postgres::Client, schema: &Schema, sql: &str, tally: &mut Tally) {
    tally.calls += 1;
    let ours = describe(schema, sql);
    let theirs = client.prepare(sql);
    // Not typed for sure: accepted with a warning, whatever PostgreSQL says.
    if let Ok(described) = &ours
        && described
            .warnings
            .iter()
            .any(|w| w.message.contains("its result is not typed"))
    {
        tally.untyped.push(sql.to_owned());
        return;
    }
    let disagreement = match (ours, theirs) {
        (Ok(described), Ok(statement)) => {
            tally.both_accept += 1;
            let pg: Vec<String> = statement
                .columns()
                .iter()
                .map(|c| c.type_().name().to_owned())
                .collect();
            let migrate: Vec<String> = described.columns.iter().map(|c| c.ty.udt_name()).collect();
            let pg_params: Vec<String> = statement
                .params()
                .iter()
                .map(|t| t.name().to_owned())
                .collect();
            let migrate_params: Vec<String> =
                described.params.iter().map(|t| t.udt_name()).collect();
            if pg_params != migrate_params {
                Some(format!(
                    "params: postgres {pg_params:?}, migrate {migrate_params:?}"
                ))
            } else if pg == migrate {
                tally.types_agree += 1;
                None
            } else {
                Some(format!("postgres {pg:?}, migrate {migrate:?}"))
            }
        }
        (Err(_), Err(_)) => {
            tally.both_reject += 1;
            None
        }
        (Err(errors), Ok(_)) => Some(format!(
            "migrate rejects, postgres accepts: {}",
            errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        (Ok(_), Err(error)) => Some(format!(
            "postgres rejects ({}), migrate accepts",
            error
                .as_db_error()
                .map_or(error.to_string(), |e| e.message().to_owned())
        )),
    };
    if let Some(disagreement) = disagreement {
        tally.disagree.push(format!("{sql}\n    {disagreement}"));
    }
}

/// A type name as a cast writes it.
fn cast_type(typname: &str) -> String {
    match typname.strip_prefix('_') {
        Some(element) => format!("{element}[]"),
        None => typname.to_owned(),
    }
}

struct Overload {
    name: String,
    args: Vec<String>,
    kind: String,
    direct_args: usize,
}

/// Every built-in overload a query can call (none of its types internal to
/// the server, as the generated table has them), with its argument
/// `typname`s.
fn callable_overloads(client: &mut postgres::Client, which: &str) -> Vec<Overload> {
    client
        .query(
            &format!(
                "SELECT p.proname::text,
                    array(SELECT t.typname::text FROM unnest(p.proargtypes::oid[])
                          WITH ORDINALITY a(oid, n) JOIN pg_type t ON t.oid = a.oid ORDER BY n),
                    CASE WHEN p.prokind = 'a' AND g.aggkind <> 'n' THEN 'o'
                         ELSE p.prokind::text END,
                    coalesce(g.aggnumdirectargs, 0)::int4
             FROM pg_proc p LEFT JOIN pg_aggregate g ON g.aggfnoid = p.oid
             WHERE ({which})
               AND p.prokind IN ('f', 'a', 'w') AND p.provariadic = 0
               AND NOT EXISTS (
                 SELECT FROM unnest(p.proargtypes::oid[] || p.prorettype) o
                 JOIN pg_type t ON t.oid = o
                 WHERE t.typname IN ('internal', 'cstring', 'trigger', 'event_trigger',
                    'language_handler', 'fdw_handler', 'index_am_handler', 'tsm_handler',
                    'table_am_handler', 'pg_ddl_command', 'unknown'))
             ORDER BY 1, 2"
            ),
            &[],
        )
        .expect("pg_proc")
        .iter()
        .map(|row| Overload {
            name: row.get(0),
            args: row.get(1),
            kind: row.get(2),
            direct_args: row.get::<_, i32>(3) as usize,
        })
        .collect()
}

fn call(overload: &Overload, args: &[String]) -> String {
    let name = format!("\"{}\"", overload.name);
    match overload.kind.as_str() {
        "o" => format!(
            "SELECT {name}({}) WITHIN GROUP (ORDER BY {})",
            args[..overload.direct_args].join(", "),
            args[overload.direct_args..].join(", ")
        ),
        "w" => format!("SELECT {name}({}) OVER ()", args.join(", ")),
        _ => format!("SELECT {name}({})", args.join(", ")),
    }
}

#[test]
fn builtin_function_calls_agree_with_postgres() {
    let db = TestDatabase::new("functions_pg");
    let mut client = db.client();
    client.batch_execute(SCHEMA).expect("schema applies");
    let schema = introspect(&mut client, &IntrospectOptions::default()).expect("introspect");
    // The types `describe` reads in a cast as PostgreSQL does.
    let castable: Vec<&str> = COMMON_TYPES
        .iter()
        .copied()
        .filter(|ty| {
            let sql = format!("SELECT NULL::{}", cast_type(ty));
            describe(&schema, &sql)
                .is_ok_and(|d| d.columns.first().is_some_and(|c| c.ty.udt_name() == *ty))
        })
        .collect();
    assert!(castable.len() >= 35, "{castable:?}");
    let overloads = callable_overloads(&mut client, "p.pronamespace = 'pg_catalog'::regnamespace");

    let mut typed = Tally::default();
    let mut untyped_calls: Vec<String> = Vec::new();
    let mut param_calls: Vec<String> = Vec::new();
    let mut mixed_calls: Vec<String> = Vec::new();
    for overload in &overloads {
        if overload
            .args
            .iter()
            .all(|arg| castable.contains(&arg.as_str()))
        {
            let args: Vec<String> = overload
                .args
                .iter()
                .map(|arg| format!("NULL::{}", cast_type(arg)))
                .collect();
            check(&mut client, &schema, &call(overload, &args), &mut typed);
            // The same with one typed argument among untyped NULLs, and
            // with one untyped parameter among typed arguments.
            for index in 0..args.len() {
                let mut with_param = args.clone();
                with_param[index] = "$1".to_owned();
                param_calls.push(call(overload, &with_param));
                if args.len() > 1 {
                    let mut mixed = vec!["NULL".to_owned(); args.len()];
                    mixed[index] = args[index].clone();
                    mixed_calls.push(call(overload, &mixed));
                }
            }
        }
        untyped_calls.push(call(
            overload,
            &vec!["NULL".to_owned(); overload.args.len()],
        ));
    }
    untyped_calls.sort();
    untyped_calls.dedup();
    mixed_calls.sort();
    mixed_calls.dedup();
    let mut untyped = Tally::default();
    for sql in &untyped_calls {
        check(&mut client, &schema, sql, &mut untyped);
    }
    let mut mixed = Tally::default();
    for sql in &mixed_calls {
        check(&mut client, &schema, sql, &mut mixed);
    }
    param_calls.sort();
    param_calls.dedup();
    let mut params = Tally::default();
    for sql in &param_calls {
        check(&mut client, &schema, sql, &mut params);
    }
    // Type names called as functions (casts or functions, as PostgreSQL
    // decides) on a value of each common type.
    let mut casts = Tally::default();
    for target in castable.iter().filter(|ty| !ty.starts_with('_')) {
        if !overloads.iter().any(|o| o.name == *target) {
            continue;
        }
        for source in &castable {
            let sql = format!("SELECT \"{target}\"(NULL::{})", cast_type(source));
            check(&mut client, &schema, &sql, &mut casts);
        }
    }
    // The functions of the extensions the schema creates, called with typed
    // and with untyped NULLs.
    let mut extension = Tally::default();
    let mut extension_calls = Vec::new();
    for overload in callable_overloads(
        &mut client,
        "p.oid IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e')",
    ) {
        if overload
            .args
            .iter()
            .all(|arg| castable.contains(&arg.as_str()))
        {
            let args: Vec<String> = overload
                .args
                .iter()
                .map(|arg| format!("NULL::{}", cast_type(arg)))
                .collect();
            extension_calls.push(call(&overload, &args));
        }
        extension_calls.push(call(
            &overload,
            &vec!["NULL".to_owned(); overload.args.len()],
        ));
    }
    extension_calls.sort();
    extension_calls.dedup();
    for sql in &extension_calls {
        check(&mut client, &schema, sql, &mut extension);
    }
    let mut hand = Tally::default();
    for sql in HAND_WRITTEN {
        check(&mut client, &schema, sql, &mut hand);
    }

    let mut failures = Vec::new();
    for (what, tally) in [
        ("overloads called with typed NULLs", &typed),
        ("calls with untyped NULLs", &untyped),
        ("calls with one typed argument", &mixed),
        ("calls with one untyped parameter", &params),
        ("type names called on each common type", &casts),
        ("extension functions", &extension),
        ("hand-written calls", &hand),
    ] {
        println!(
            "{what}: {} calls, {} accepted by both ({} typed alike, {} left untyped with a warning), {} rejected by both, {} disagreements",
            tally.calls,
            tally.both_accept,
            tally.types_agree,
            tally.untyped.len(),
            tally.both_reject,
            tally.disagree.len(),
        );
        for sql in &tally.untyped {
            println!("UNTYPED {sql}");
        }
        for disagreement in &tally.disagree {
            println!("DISAGREE {disagreement}");
        }
        failures.extend(tally.disagree.iter().cloned());
    }
    assert!(failures.is_empty(), "{} disagreements", failures.len());
    assert!(typed.calls >= 1000, "{} typed calls", typed.calls);
    // Every call of a built-in function is typed; only extension functions
    // of types migrate has no list of (crosstab2 returns a type of
    // tablefunc's) are left untyped.
    for tally in [&typed, &untyped, &mixed, &params, &casts, &hand] {
        assert!(tally.untyped.is_empty(), "{:?}", tally.untyped);
    }
    assert!(extension.types_agree >= 100, "{}", extension.types_agree);
}
