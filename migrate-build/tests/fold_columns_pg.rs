//! `columns_tsv` of the fold against PostgreSQL's own
//! `information_schema.columns`, on a migration that exercises column
//! types, nullability and the default expressions PostgreSQL prints back
//! (casts, negative numbers, SQL value functions, regclass, enums in other
//! schemas, domains). The two must be equal line for line.

use migrate_build::fold::fold_sql;
use migrate_build::render::columns_tsv;
use migrate_test_support::{TestDatabase, tsv_unquoted};

const MIGRATION: &str = r#"
CREATE TYPE "Status" AS ENUM ('PENDING', 'DONE');
CREATE SCHEMA other;
CREATE TYPE other.mood AS ENUM ('ok');
CREATE SEQUENCE "Counter";
CREATE DOMAIN email AS varchar(255) NOT NULL;
CREATE TABLE d (
    a varchar(20) DEFAULT 'x',
    b timestamp NOT NULL DEFAULT now(),
    c timestamp(3) DEFAULT CURRENT_TIMESTAMP,
    c2 timestamptz DEFAULT current_timestamp(3),
    e boolean DEFAULT false,
    f text[] DEFAULT '{}',
    g integer DEFAULT -1,
    h bigint DEFAULT 0,
    i "Status" NOT NULL DEFAULT 'PENDING',
    j jsonb DEFAULT '{}'::jsonb,
    k text[] DEFAULT ARRAY[]::TEXT[],
    l timestamptz DEFAULT CURRENT_TIMESTAMP + interval '14 days',
    m timestamptz DEFAULT 'epoch',
    n timestamp DEFAULT '1970-01-01',
    o text DEFAULT NULL,
    p numeric DEFAULT 1.5,
    q text DEFAULT 'it''s',
    r uuid DEFAULT gen_random_uuid(),
    s text DEFAULT lower('ABC'),
    t int DEFAULT nextval('"Counter"'),
    u other.mood DEFAULT 'ok',
    v email,
    w char(2) DEFAULT 'ab',
    x numeric(10,2) DEFAULT 0.00,
    y bigint DEFAULT -5000000000,
    z double precision DEFAULT -1.5,
    aa text DEFAULT 'a' || 'b',
    ab int[] DEFAULT ARRAY[1,2],
    ac date DEFAULT CURRENT_DATE,
    ad interval DEFAULT '1 day',
    ae varchar(10) DEFAULT 'x'::text,
    af timestamptz DEFAULT timezone('utc', now()),
    ag text DEFAULT current_user,
    ah jsonb DEFAULT '[]',
    ai smallint DEFAULT 1,
    aj real DEFAULT 0,
    ak uuid DEFAULT '00000000-0000-0000-0000-000000000000',
    al timestamp DEFAULT '2024-01-02 03:04:05.600',
    am serial,
    an bigint GENERATED ALWAYS AS IDENTITY,
    ao int GENERATED ALWAYS AS (g * 2) STORED,
    ap "char",
    aq float(10),
    ar time(3) with time zone,
    as1 timestamp DEFAULT (now() AT TIME ZONE 'utc'),
    as2 text DEFAULT md5(random()::text),
    as3 timestamp DEFAULT now()::timestamp,
    "CamelCase" text DEFAULT 'y'
);
CREATE TYPE retry AS (a int, b bigint, c numeric, d float8, e text, f varchar(5), g boolean, h int2);
CREATE TABLE intervals (
    i1 interval DEFAULT '0',
    i2 interval DEFAULT interval '30 seconds',
    i3 interval NOT NULL DEFAULT interval '15 minutes',
    i4 interval DEFAULT '1 day 2 hours',
    i5 interval DEFAULT '-1 hour',
    i6 interval DEFAULT '1 year 13 months',
    i7 interval DEFAULT '1.5 seconds',
    i8 interval DEFAULT '36 hours',
    i9 interval DEFAULT '1 week',
    i10 interval DEFAULT '2 days ago',
    i11 interval DEFAULT '-1 day 2 hours',
    i12 interval DEFAULT '00:30',
    i13 interval DEFAULT '1 mon -1 day',
    i14 interval DEFAULT '100 ms',
    i15 interval DEFAULT '14 days',
    i16 interval DEFAULT '30 seconds'::interval,
    r1 retry DEFAULT row(5, 5, 5, 2.0, 'x', 'y', true, 1)::retry,
    r2 retry DEFAULT row(-1, 2.5, 2.5, 5, 'it''s', 'z', 't', 3)::retry,
    r3 retry DEFAULT (1, 2, 3, 4, 'a', 'b', false, 5)::retry,
    r4 retry DEFAULT row(null, null, null, null, null, null, null, null)::retry
);
CREATE TABLE "Other" (id serial PRIMARY KEY, d_a varchar(20));
ALTER TABLE "Other" ADD COLUMN later int NOT NULL DEFAULT 7;
ALTER TABLE "Other" ALTER COLUMN d_a TYPE text;
CREATE VIEW v AS SELECT id, d_a AS label FROM "Other";
"#;

/// The rows as psql prints them: tab-separated, no quoting.
fn postgres_rows(db: &TestDatabase, migration: &str) -> Vec<String> {
    db.client()
        .batch_execute(migration)
        .expect("PostgreSQL runs the migration");
    db.information_schema_columns()
}

/// The fold's rows with the CSV quoting of `columns_tsv` undone.
fn fold_rows(migration: &str) -> Vec<String> {
    let folded = fold_sql(migration);
    assert!(folded.diagnostics.is_empty(), "{:?}", folded.diagnostics);
    tsv_unquoted(&columns_tsv(&folded.schema))
}

#[test]
fn columns_and_defaults_equal_information_schema() {
    let db = TestDatabase::new("fold_columns");
    let expected = postgres_rows(&db, MIGRATION);
    let actual = fold_rows(MIGRATION);
    let differences: Vec<String> = expected
        .iter()
        .zip(&actual)
        .filter(|(want, got)| want != got)
        .map(|(want, got)| format!("postgres: {want}\nfold:     {got}"))
        .collect();
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert_eq!(expected.len(), actual.len(), "{expected:#?}\n{actual:#?}");
}

/// ALTER TABLE statements with several actions, one of which sqlparser
/// does not read: the others are folded, in PostgreSQL's order of passes.
const SEVERAL_ACTIONS: &str = r#"
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, x int, c_ref int, CONSTRAINT c FOREIGN KEY (c_ref) REFERENCES parent (id) DEFERRABLE);
CREATE INDEX t_x_idx ON t (x);
ALTER TABLE t ALTER CONSTRAINT c NOT DEFERRABLE, ALTER COLUMN x SET NOT NULL;
ALTER TABLE t ADD CONSTRAINT t_pid_fkey FOREIGN KEY (pid) REFERENCES parent (id), ADD COLUMN pid int;
ALTER TABLE t ALTER COLUMN later SET NOT NULL, ADD COLUMN later int DEFAULT 0;
ALTER TABLE t CLUSTER ON t_x_idx, ADD COLUMN y text, ALTER COLUMN x TYPE bigint, DROP COLUMN c_ref;
ALTER TABLE t SET WITHOUT CLUSTER, ALTER COLUMN y SET DEFAULT 'a', ALTER CONSTRAINT t_pid_fkey DEFERRABLE INITIALLY DEFERRED;
"#;

#[test]
fn several_actions_equal_what_postgres_holds() {
    let db = TestDatabase::new("fold_actions");
    let expected = postgres_rows(&db, SEVERAL_ACTIONS);
    let actual = fold_rows(SEVERAL_ACTIONS);
    assert_eq!(expected.join("\n"), actual.join("\n"));
    // Constraints with their deferrability, as pg_constraint holds them.
    let mut client = db.client();
    let expected: Vec<String> = client
        .query(
            "SELECT conname::text, condeferrable, condeferred FROM pg_constraint
             WHERE conrelid = 't'::regclass ORDER BY conname",
            &[],
        )
        .expect("pg_constraint")
        .iter()
        .map(|row| {
            format!(
                "{} {} {}",
                row.get::<_, String>(0),
                row.get::<_, bool>(1),
                row.get::<_, bool>(2)
            )
        })
        .collect();
    let folded = fold_sql(SEVERAL_ACTIONS).schema;
    let mut actual: Vec<String> = folded.relations[&migrate_core::Name::public("t")]
        .constraints
        .iter()
        .map(|constraint| {
            format!(
                "{} {} {}",
                constraint.name, constraint.deferrable, constraint.initially_deferred
            )
        })
        .collect();
    actual.sort();
    assert_eq!(expected, actual);
}
