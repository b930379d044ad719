//! The fold equals the database on what drift compares, one attribute at a
//! time: each case is run by PostgreSQL in a fresh database and folded, and
//! drift (`migrate_runtime::drift::compare`) must find no difference
//! between the two. Each case is one the shared corpus showed wrong.

use migrate_build::fold::fold_sql;
use migrate_runtime::drift::compare;
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_test_support::TestDatabase;

/// Differences between PostgreSQL's catalog after `sql` and the fold of `sql`.
fn differences(prefix: &str, sql: &str) -> Vec<String> {
    let folded = fold_sql(sql);
    assert!(
        !folded.has_errors(),
        "{prefix}: the fold refuses it: {:?}",
        folded.diagnostics
    );
    let database = TestDatabase::new(prefix);
    let mut client = database.client();
    client
        .batch_execute(sql)
        .unwrap_or_else(|error| panic!("{prefix}: PostgreSQL refuses it: {error}"));
    let actual = introspect(&mut client, &IntrospectOptions::default()).unwrap();
    compare(&folded.schema, &actual)
        .into_iter()
        .map(|difference| difference.message)
        .collect()
}

#[test]
fn deferrable_foreign_keys() {
    let found = differences(
        "attr_deferrable",
        "CREATE TABLE a (id int PRIMARY KEY);\n\
         CREATE TABLE b (\n\
             a1 int REFERENCES a (id) DEFERRABLE INITIALLY DEFERRED,\n\
             a2 int REFERENCES a (id) DEFERRABLE,\n\
             a3 int,\n\
             a4 int,\n\
             a5 int,\n\
             CONSTRAINT b_a3_fkey FOREIGN KEY (a3) REFERENCES a (id) DEFERRABLE INITIALLY DEFERRED,\n\
             CONSTRAINT b_a4_key UNIQUE (a4) DEFERRABLE INITIALLY IMMEDIATE\n\
         );\n\
         ALTER TABLE b ADD CONSTRAINT b_a5_fkey FOREIGN KEY (a5) REFERENCES a (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;\n",
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn null_defaults_as_postgresql_stores_them() {
    let found = differences(
        "attr_null_default",
        "CREATE TABLE people (\n\
             email varchar(100) DEFAULT NULL,\n\
             name text DEFAULT NULL,\n\
             age int DEFAULT NULL,\n\
             born timestamp DEFAULT NULL,\n\
             tags text[] DEFAULT NULL,\n\
             code char DEFAULT NULL,\n\
             price numeric(5, 2) DEFAULT NULL,\n\
             seen timestamptz(0) DEFAULT NULL,\n\
             flags bit(3) DEFAULT NULL,\n\
             mask varbit(4) DEFAULT NULL,\n\
             names varchar(10)[] DEFAULT NULL,\n\
             plain varchar DEFAULT NULL,\n\
             cast_same varchar(5) DEFAULT NULL::varchar,\n\
             cast_text text DEFAULT NULL::text\n\
         );\n\
         ALTER TABLE people ADD COLUMN nick varchar(20) DEFAULT NULL;\n",
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn interval_defaults_as_postgresql_prints_them() {
    let found = differences(
        "attr_interval",
        "CREATE TABLE jobs (\n\
             a interval DEFAULT interval '0',\n\
             b interval DEFAULT interval '15 minutes',\n\
             c interval DEFAULT interval '30 seconds',\n\
             d interval DEFAULT interval '14 days',\n\
             e interval DEFAULT '90 minutes'::interval,\n\
             f interval DEFAULT '1 year 14 months 2 weeks 25 hours'::interval,\n\
             g interval DEFAULT '1 day',\n\
             h timestamptz DEFAULT CURRENT_TIMESTAMP + interval '1 hour'\n\
         );\n",
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn constraint_options() {
    let found = differences(
        "attr_constraints",
        "CREATE TABLE a (id int PRIMARY KEY, code text UNIQUE, x int, y int, UNIQUE (x, y));\n\
         CREATE TABLE b (\n\
             id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n\
             a1 int REFERENCES a ON DELETE SET NULL ON UPDATE CASCADE,\n\
             a2 int REFERENCES a (id) ON DELETE RESTRICT,\n\
             a3 text REFERENCES a (code) MATCH FULL ON DELETE SET DEFAULT,\n\
             x int, y int,\n\
             n int CHECK (n > 0),\n\
             m int CONSTRAINT m_small CHECK (m < 10) NO INHERIT,\n\
             FOREIGN KEY (x, y) REFERENCES a (x, y) ON DELETE CASCADE,\n\
             UNIQUE NULLS NOT DISTINCT (n),\n\
             EXCLUDE USING btree (m WITH =)\n\
         );\n\
         ALTER TABLE b ADD CONSTRAINT b_n_m CHECK (n < m) NOT VALID;\n\
         ALTER TABLE b ADD CONSTRAINT b_a2_key UNIQUE (a2) DEFERRABLE INITIALLY DEFERRED;\n",
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn index_options() {
    let found = differences(
        "attr_indexes",
        "CREATE TABLE t (id int, name text, body jsonb, at timestamptz, n int);\n\
         CREATE INDEX t_desc ON t (at DESC NULLS LAST, id);\n\
         CREATE INDEX t_nulls_first ON t (n NULLS FIRST);\n\
         CREATE UNIQUE INDEX t_lower ON t (lower(name)) WHERE n > 0;\n\
         CREATE INDEX t_gin ON t USING gin (body jsonb_path_ops);\n\
         CREATE INDEX t_include ON t (id) INCLUDE (name);\n\
         CREATE INDEX t_fill ON t (n) WITH (fillfactor = 70);\n\
         CREATE INDEX t_hash ON t USING hash (name);\n\
         CREATE INDEX t_brin ON t USING brin (at);\n\
         CREATE INDEX t_collate ON t (name COLLATE \"C\" text_pattern_ops);\n\
         CREATE UNIQUE INDEX t_nnd ON t (n) NULLS NOT DISTINCT;\n",
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}
