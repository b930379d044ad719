//! The extension catalogue against PostgreSQL itself. For each extension of
//! the catalogue the server can install, the server lists what
//! `CREATE EXTENSION` brought (every binary operator, every function
//! overload a query can call); each becomes a probe query
//! (`SELECT NULL::citext = NULL::citext`, `SELECT similarity(NULL::text,
//! NULL::text)`) that the server prepares and `describe` types over the
//! fold of the same `CREATE EXTENSION`. Both must accept it and agree on
//! the result type; and `SELECT *` of each table and view it creates.
//! Then a migration using the common extensions and real
//! queries over it, described by both; the `DROP EXTENSION` rules; and
//! pgvector (not installable here) against the facts of its documentation.

use migrate_build::analyze::describe;
use migrate_build::fold::fold_sql;
use migrate_core::{Schema, SqlType};
use migrate_test_support::TestDatabase;

/// The extensions the issue names, and a few more of the catalogue.
const EXTENSIONS: &[&str] = &[
    "pgcrypto",
    "uuid-ossp",
    "pg_stat_statements",
    "pg_buffercache",
    "citext",
    "hstore",
    "ltree",
    "pg_trgm",
    "btree_gist",
    "fuzzystrmatch",
    "postgis",
    "cube",
    "earthdistance",
    "intarray",
    "isn",
    "seg",
    "unaccent",
    "tablefunc",
];

/// `_text` for text[], as `pg_type.typname` and the driver name types.
fn typname(ty: &SqlType) -> String {
    if ty.array {
        format!("_{}", ty.name)
    } else {
        ty.name.clone()
    }
}

fn fold_ok(sql: &str) -> Schema {
    let folded = fold_sql(sql);
    let errors: Vec<String> = folded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{sql}: {errors:?}");
    folded.schema
}

fn available(db: &TestDatabase, extension: &str) -> bool {
    db.client()
        .query_opt(
            "SELECT 1 FROM pg_available_extensions WHERE name = $1",
            &[&extension],
        )
        .expect("pg_available_extensions")
        .is_some()
}

/// What one probe gave.
#[derive(Default)]
struct Tally {
    probes: usize,
    agree: usize,
    /// `describe` refused SQL the server accepted: a false error.
    refused: Vec<String>,
    /// Accepted by both, typed differently (or not typed) by `describe`.
    differ: Vec<String>,
    /// Operators sqlparser cannot read (`^<@` of ltree, `@>>` of
    /// postgis): `describe` says it cannot check the statement.
    unread: Vec<String>,
    /// A built-in type migrate does not know yet (`regdictionary`).
    builtin_gap: Vec<String>,
}

#[test]
fn catalogue_operators_and_functions_type_as_the_server_describes() {
    let mut failures = Vec::new();
    let mut missing = Vec::new();
    let mut unread = Vec::new();
    for extension in EXTENSIONS {
        let db = TestDatabase::new("ext_catalogue");
        if !available(&db, extension) {
            missing.push(*extension);
            continue;
        }
        let create = format!("CREATE EXTENSION \"{extension}\" CASCADE;");
        let mut client = db.client();
        client.batch_execute(&create).expect("create extension");
        let schema = fold_ok(&create);
        let members = |catalog: &str| {
            format!(
                "SELECT d.objid FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid \
                 WHERE d.classid = '{catalog}'::regclass AND d.deptype = 'e' AND e.extname = '{extension}'"
            )
        };
        let mut probes: Vec<String> = client
            .query(
                &format!(
                    "SELECT format('SELECT NULL::%s %s NULL::%s', format_type(o.oprleft, NULL), \
                     o.oprname, format_type(o.oprright, NULL)) FROM pg_operator o \
                     WHERE o.oid IN ({}) AND o.oprleft <> 0 ORDER BY 1",
                    members("pg_operator")
                ),
                &[],
            )
            .expect("operators")
            .iter()
            .map(|row| row.get(0))
            .collect();
        // Every overload a query can call, with arguments of its declared
        // types (a variadic one given one element).
        let functions: Vec<String> = client
            .query(
                &format!(
                    "SELECT format('SELECT %s(%s)', quote_ident(p.proname), \
                       coalesce(string_agg(format('NULL::%s', format_type( \
                         CASE WHEN p.provariadic <> 0 AND a.n = p.pronargs THEN p.provariadic ELSE a.oid END, NULL)), \
                         ', ' ORDER BY a.n), '')) \
                     FROM pg_proc p LEFT JOIN unnest(p.proargtypes::oid[]) WITH ORDINALITY a(oid, n) ON true \
                     LEFT JOIN pg_aggregate g ON g.aggfnoid = p.oid \
                     WHERE p.oid IN ({}) AND p.prokind IN ('f', 'a') AND coalesce(g.aggkind, 'n') = 'n' \
                       AND NOT EXISTS (SELECT FROM unnest(p.proargtypes::oid[] || p.prorettype) o \
                         JOIN pg_type t ON t.oid = o WHERE t.typtype = 'p' AND t.typname NOT IN ('void', 'record') \
                           OR t.typname IN ('internal', 'cstring', '_cstring')) \
                     GROUP BY p.oid, p.proname ORDER BY 1",
                    members("pg_proc")
                ),
                &[],
            )
            .expect("functions")
            .iter()
            .map(|row| row.get(0))
            .collect();
        probes.extend(functions);
        // Its tables and views, every column.
        let relations: Vec<String> = client
            .query(
                &format!(
                    "SELECT format('SELECT * FROM %I', c.relname) FROM pg_class c \
                     WHERE c.oid IN ({}) AND c.relkind IN ('r', 'v', 'm') ORDER BY 1",
                    members("pg_class")
                ),
                &[],
            )
            .expect("relations")
            .iter()
            .map(|row| row.get(0))
            .collect();
        probes.extend(relations);
        let mut tally = Tally::default();
        for probe in &probes {
            let Ok(prepared) = client.prepare(probe) else {
                // Ambiguous for the server too (NULLs of the same types as
                // several overloads): not a probe.
                continue;
            };
            tally.probes += 1;
            let expected = prepared
                .columns()
                .iter()
                .map(|c| c.type_().name())
                .collect::<Vec<_>>()
                .join(", ");
            match describe(&schema, probe) {
                Err(errors) => {
                    let message = errors.first().map_or("", |e| e.message.as_str());
                    let line = format!("{probe}: {message}");
                    let builtin_type = message
                        .strip_prefix("type \"")
                        .and_then(|rest| rest.strip_suffix("\" does not exist"))
                        .is_some_and(|name| {
                            client
                                .query_opt(
                                    "SELECT 1 FROM pg_type WHERE typname = $1 \
                                     AND typnamespace = 'pg_catalog'::regnamespace",
                                    &[&name],
                                )
                                .expect("pg_type")
                                .is_some()
                        });
                    if message.starts_with("migrate cannot check this statement") {
                        tally.unread.push(line);
                    } else if builtin_type {
                        tally.builtin_gap.push(line);
                    } else {
                        tally.refused.push(line);
                    }
                }
                Ok(described) => {
                    let got = Some(
                        described
                            .columns
                            .iter()
                            .map(|c| typname(&c.ty))
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                    // The server describes a domain as its base type.
                    let base = got
                        .as_deref()
                        .filter(|got| !got.contains(','))
                        .and_then(|got| {
                            client
                                .query_opt(
                                    "SELECT b.typname::text FROM pg_type t \
                                 JOIN pg_type b ON b.oid = t.typbasetype WHERE t.typname = $1",
                                    &[&got],
                                )
                                .expect("pg_type")
                                .map(|row| row.get::<_, String>(0))
                        });
                    if got.as_deref() == Some(expected.as_str())
                        || base.as_deref() == Some(expected.as_str())
                    {
                        tally.agree += 1;
                    } else {
                        tally
                            .differ
                            .push(format!("{probe}: server {expected}, migrate {got:?}"));
                    }
                }
            }
        }
        println!(
            "{extension}: {} probes, {} typed as the server does ({:.1} %), {} refused, {} typed otherwise, \
             {} not read by sqlparser, {} over a built-in type migrate lacks",
            tally.probes,
            tally.agree,
            100.0 * tally.agree as f64 / tally.probes.max(1) as f64,
            tally.refused.len(),
            tally.differ.len(),
            tally.unread.len(),
            tally.builtin_gap.len(),
        );
        unread.extend(tally.unread.iter().cloned());
        for line in tally
            .refused
            .iter()
            .chain(&tally.differ)
            .chain(&tally.unread)
            .chain(&tally.builtin_gap)
            .take(12)
        {
            println!("    {line}");
        }
        assert!(tally.probes > 0, "{extension}: no probe");
        if !tally.refused.is_empty() {
            failures.push(format!(
                "{extension}: {} false errors, first: {}",
                tally.refused.len(),
                tally.refused[0]
            ));
        }
        if !tally.differ.is_empty() {
            failures.push(format!(
                "{extension}: {} typed otherwise, first: {}",
                tally.differ.len(),
                tally.differ[0]
            ));
        }
    }
    // The contrib modules come with the server; postgis is installed by
    // .ci/ensure-services.
    assert!(missing.is_empty(), "not installable here: {missing:?}");
    assert!(failures.is_empty(), "{failures:#?}");
    // Operators sqlparser's tokenizer splits (ltree's `^@>`, `^~`, postgis'
    // `@>>`, pgvector's `<#>`) are read whole.
    assert!(unread.is_empty(), "{unread:#?}");
}

/// A migration over the common extensions, one of them in a schema of its
/// own, and the queries an application runs over it.
const MIGRATION: &str = r#"
CREATE SCHEMA ext;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS ltree WITH SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS pgcrypto;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA ext;
CREATE EXTENSION hstore;
CREATE EXTENSION fuzzystrmatch;
CREATE EXTENSION btree_gist;
CREATE EXTENSION postgis;
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    other_id uuid NOT NULL DEFAULT ext.uuid_generate_v4(),
    email citext NOT NULL UNIQUE,
    name text NOT NULL,
    password_hash text NOT NULL,
    path ltree NOT NULL,
    attributes hstore,
    home geometry(Point, 4326),
    area geography
);
CREATE INDEX users_name_trgm ON users USING gist (name gist_trgm_ops);
CREATE INDEX users_path ON users USING gist (path);
"#;

const QUERIES: &[&str] = &[
    "SELECT id, email, path, attributes FROM users WHERE email = $1",
    "SELECT email FROM users WHERE email LIKE $1",
    "SELECT name, similarity(name, $1) AS score FROM users WHERE name % $1 ORDER BY name <-> $1 LIMIT 10",
    "SELECT name <-> $1 AS distance, word_similarity($1, name) FROM users",
    "SELECT gen_random_uuid(), crypt($1, gen_salt('bf')), digest($1, 'sha256')",
    "SELECT id FROM users WHERE password_hash = crypt($1, password_hash)",
    "SELECT ext.uuid_generate_v4(), ext.uuid_generate_v5(ext.uuid_ns_url(), $1)",
    "SELECT path FROM users WHERE path <@ $1",
    "SELECT path FROM users WHERE path ~ $1::lquery",
    "SELECT nlevel(path), subltree(path, 0, 1), path || 'x' FROM users",
    "SELECT attributes -> 'colour', attributes ? 'size', akeys(attributes) FROM users",
    "SELECT levenshtein(name, $1), soundex(name), dmetaphone(name) FROM users",
    "SELECT ST_Distance(home, ST_SetSRID(ST_MakePoint($1, $2), 4326)) FROM users",
    "SELECT ST_AsText(home), ST_X(home), ST_DWithin(area, $1::geography, 1000) FROM users",
    "SELECT id FROM users WHERE home && ST_MakeEnvelope($1, $2, $3, $4, 4326)",
    "UPDATE users SET email = $1, path = $2 WHERE id = $3 RETURNING email",
    "SELECT srid, auth_name, proj4text FROM spatial_ref_sys WHERE srid = $1",
    "SELECT (ST_Dump(home)).geom FROM users",
    "SELECT f_table_name, srid, type FROM geometry_columns",
    "INSERT INTO users (email, name, password_hash, path) VALUES ($1, $2, crypt($3, gen_salt('bf')), text2ltree($4)) RETURNING id",
];

/// Parameter and column types as the server prepares them.
fn server_describes(client: &mut postgres::Client, sql: &str) -> (Vec<String>, Vec<String>) {
    let statement = client
        .prepare(sql)
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
    (
        statement
            .params()
            .iter()
            .map(|t| t.name().to_owned())
            .collect(),
        statement
            .columns()
            .iter()
            .map(|c| c.type_().name().to_owned())
            .collect(),
    )
}

#[test]
fn queries_over_extensions_type_as_the_server_describes() {
    let db = TestDatabase::new("ext_queries");
    let mut client = db.client();
    client.batch_execute(MIGRATION).expect("migration");
    let schema = fold_ok(MIGRATION);
    let mut differ = Vec::new();
    for sql in QUERIES {
        let expected = server_describes(&mut client, sql);
        let described = describe(&schema, sql).unwrap_or_else(|errors| {
            panic!(
                "{sql}: {:?}",
                errors.iter().map(|e| &e.message).collect::<Vec<_>>()
            )
        });
        let got = (
            described.params.iter().map(typname).collect::<Vec<_>>(),
            described
                .columns
                .iter()
                .map(|c| typname(&c.ty))
                .collect::<Vec<_>>(),
        );
        if got != expected {
            differ.push(format!("{sql}\n  server  {expected:?}\n  migrate {got:?}"));
        }
    }
    println!(
        "{} of {} queries typed as the server does",
        QUERIES.len() - differ.len(),
        QUERIES.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// `DROP EXTENSION` as PostgreSQL has it: a column of one of its types
/// stops it, `CASCADE` drops the column, an extension that requires it
/// stops it too; and `CREATE EXTENSION` of one that requires another.
#[test]
fn drop_extension_fails_and_cascades_as_the_server_does() {
    let cases: &[(&str, &str)] = &[
        (
            "CREATE EXTENSION citext; CREATE TABLE t (id int, email citext);",
            "DROP EXTENSION citext",
        ),
        (
            "CREATE EXTENSION cube; CREATE EXTENSION earthdistance;",
            "DROP EXTENSION cube",
        ),
        ("", "CREATE EXTENSION earthdistance"),
        ("", "DROP EXTENSION citext"),
        ("CREATE EXTENSION citext;", "CREATE EXTENSION citext"),
        ("", "CREATE TABLE t (c citext)"),
        ("CREATE EXTENSION citext;", "CREATE TABLE t (c citext(3))"),
    ];
    for (setup, statement) in cases {
        let db = TestDatabase::new("ext_drop");
        let mut client = db.client();
        client.batch_execute(setup).expect("setup");
        let server = client
            .batch_execute(statement)
            .expect_err("the server refuses it");
        let server = server
            .as_db_error()
            .map(|e| e.message().to_owned())
            .unwrap_or_default();
        let sql = format!("{setup}\n{statement};");
        let folded = fold_sql(&sql);
        let errors: Vec<&str> = folded
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(errors, [server.as_str()], "{sql}");
    }
    // CASCADE: the column goes with the extension, on both sides.
    let sql = "CREATE EXTENSION citext; CREATE TABLE t (id int, email citext);\n\
               DROP EXTENSION citext CASCADE;";
    let db = TestDatabase::new("ext_drop");
    let mut client = db.client();
    client.batch_execute(sql).expect("cascade");
    let server: Vec<String> = client
        .query(
            "SELECT attname::text FROM pg_attribute WHERE attrelid = 't'::regclass AND attnum > 0 \
             AND NOT attisdropped ORDER BY attnum",
            &[],
        )
        .expect("columns")
        .iter()
        .map(|row| row.get(0))
        .collect();
    let schema = fold_ok(sql);
    let table = schema
        .relations
        .iter()
        .find(|(name, _)| name.name == "t")
        .map(|(_, relation)| relation)
        .expect("table t");
    let folded: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
    assert_eq!(folded, server);
    assert!(!schema.extensions.contains_key("citext"));
    // And CREATE ... CASCADE creates what it requires.
    let schema = fold_ok("CREATE EXTENSION earthdistance CASCADE;");
    assert!(schema.extensions.contains_key("cube"));
}

/// An extension outside the catalogue: recorded, with a warning naming it.
#[test]
fn an_extension_outside_the_catalogue_is_named_in_a_warning() {
    let folded = fold_sql("CREATE EXTENSION timescaledb;");
    let messages: Vec<String> = folded
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{:?}: {} / {}",
                d.severity,
                d.message,
                d.help.clone().unwrap_or_default()
            )
        })
        .collect();
    expect_test::expect![[r#"
        [
            "Warning: extension \"timescaledb\" is not in migrate's extension catalogue: the types, functions and operators it creates are not known to the fold, and queries that use them are checked only in part / state the objects of \"timescaledb\" that your migrations and queries use (`CREATE TYPE ...;`, `CREATE FUNCTION ...;`) in the assumed-objects file (`assumed` in `[package.metadata.migrate]`), which the fold reads before migration 1 and the runtime never applies",
        ]
    "#]]
    .assert_debug_eq(&messages);
    assert!(folded.schema.extensions.contains_key("timescaledb"));
}

/// pgvector, from the facts of its documentation: `vector(n)`, `halfvec`,
/// `sparsevec`, the distance operators and functions. Not installable on
/// PostgreSQL 15 here, so held by a snapshot rather than by the server.
#[test]
fn pgvector_types_operators_and_functions_from_its_documentation() {
    let schema = fold_ok(
        "CREATE EXTENSION IF NOT EXISTS vector;
         CREATE TABLE items (
             id bigserial PRIMARY KEY,
             embedding vector(3) NOT NULL,
             half halfvec(3),
             sparse sparsevec(5)
         );",
    );
    let queries = [
        "SELECT id, embedding <-> $1 AS l2 FROM items ORDER BY embedding <-> $1 LIMIT 5",
        "SELECT embedding <=> '[1,2,3]' AS cosine, embedding <#> '[1,2,3]' AS inner, embedding <+> $1 AS l1 FROM items",
        "SELECT half <-> $1, sparse <=> $2 FROM items",
        "SELECT l2_distance(embedding, $1), cosine_distance(embedding, $1), inner_product(half, half), vector_dims(embedding), vector_norm(embedding) FROM items",
        "SELECT avg(embedding), sum(embedding) FROM items",
        "SELECT embedding + embedding, embedding - $1, embedding || embedding FROM items",
        "SELECT subvector(embedding, 1, 2), l2_normalize(half), binary_quantize(embedding) FROM items",
        "SELECT binary_quantize(embedding) <~> binary_quantize(embedding) FROM items",
        "SELECT id FROM items WHERE embedding = $1",
        "INSERT INTO items (embedding) VALUES ($1) RETURNING id",
        "SELECT embedding::real[], '[1,2]'::vector(2), ARRAY[1,2,3]::vector FROM items",
        "SELECT embedding <-> half FROM items",
    ];
    let mut shown = String::new();
    for sql in queries {
        shown.push_str(sql);
        shown.push('\n');
        match describe(&schema, sql) {
            Ok(described) => {
                let params: Vec<String> = described.params.iter().map(typname).collect();
                let columns: Vec<String> = described
                    .columns
                    .iter()
                    .map(|c| format!("{} {}", c.name, typname(&c.ty)))
                    .collect();
                shown.push_str(&format!("  params {params:?}\n  columns {columns:?}\n"));
            }
            Err(errors) => {
                for error in errors {
                    shown.push_str(&format!("  error: {}\n", error.message));
                }
            }
        }
    }
    expect_test::expect![[r#"
        SELECT id, embedding <-> $1 AS l2 FROM items ORDER BY embedding <-> $1 LIMIT 5
          params ["vector"]
          columns ["id int8", "l2 float8"]
        SELECT embedding <=> '[1,2,3]' AS cosine, embedding <#> '[1,2,3]' AS inner, embedding <+> $1 AS l1 FROM items
          params ["vector"]
          columns ["cosine float8", "inner float8", "l1 float8"]
        SELECT half <-> $1, sparse <=> $2 FROM items
          params ["halfvec", "sparsevec"]
          columns ["?column? float8", "?column? float8"]
        SELECT l2_distance(embedding, $1), cosine_distance(embedding, $1), inner_product(half, half), vector_dims(embedding), vector_norm(embedding) FROM items
          params ["vector"]
          columns ["l2_distance float8", "cosine_distance float8", "inner_product float8", "vector_dims int4", "vector_norm float8"]
        SELECT avg(embedding), sum(embedding) FROM items
          params []
          columns ["avg vector", "sum vector"]
        SELECT embedding + embedding, embedding - $1, embedding || embedding FROM items
          params ["vector"]
          columns ["?column? vector", "?column? vector", "?column? vector"]
        SELECT subvector(embedding, 1, 2), l2_normalize(half), binary_quantize(embedding) FROM items
          params []
          columns ["subvector vector", "l2_normalize halfvec", "binary_quantize bit"]
        SELECT binary_quantize(embedding) <~> binary_quantize(embedding) FROM items
          params []
          columns ["?column? float8"]
        SELECT id FROM items WHERE embedding = $1
          params ["vector"]
          columns ["id int8"]
        INSERT INTO items (embedding) VALUES ($1) RETURNING id
          params ["vector"]
          columns ["id int8"]
        SELECT embedding::real[], '[1,2]'::vector(2), ARRAY[1,2,3]::vector FROM items
          params []
          columns ["embedding _float4", "vector vector", "array vector"]
        SELECT embedding <-> half FROM items
          params []
          columns ["?column? float8"]
    "#]].assert_eq(&shown);
}

/// The migration above deployed and introspected: drift finds nothing the
/// fold and the server disagree on (extension types, their modifiers).
#[test]
fn a_migration_over_extensions_shows_no_drift() {
    use migrate_runtime::introspect::{IntrospectOptions, introspect};
    let db = TestDatabase::new("ext_drift");
    let mut client = db.client();
    client.batch_execute(MIGRATION).expect("migration");
    let expected = fold_ok(MIGRATION);
    let actual = introspect(&mut client, &IntrospectOptions::default()).expect("introspect");
    let differences: Vec<String> = migrate_runtime::drift::compare(&expected, &actual)
        .iter()
        .map(|difference| format!("{difference:?}"))
        .collect();
    assert!(differences.is_empty(), "{differences:#?}");
}
