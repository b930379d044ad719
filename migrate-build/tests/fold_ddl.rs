//! Data-driven snapshots of the fold: a migration in, the folded schema (as
//! PostgreSQL's catalogs would show it) and every diagnostic (rendered as a
//! user reads it) out. Re-bless with `UPDATE_EXPECT=1`.

use std::fmt::Write;

use expect_test::{Expect, expect};
use migrate_build::fold::fold_sql;
use migrate_core::{ConstraintKind, RelationKind, Schema, UserTypeKind};

/// Folds `sql` and prints the schema and the diagnostics.
fn check(sql: &str, expected: Expect) {
    let folded = fold_sql(sql);
    let mut out = dump(&folded.schema);
    for diagnostic in &folded.diagnostics {
        let _ = writeln!(out, "{}", diagnostic.render(sql));
    }
    expected.assert_eq(&out);
}

fn dump(schema: &Schema) -> String {
    let mut out = String::new();
    for (name, namespace) in &schema.namespaces {
        if name != "public" || namespace.comment.is_some() {
            let _ = writeln!(out, "schema {name}{}", comment(&namespace.comment));
        }
    }
    for (name, extension) in &schema.extensions {
        let _ = writeln!(out, "extension {name} in {}", extension.schema);
    }
    for (name, user_type) in &schema.types {
        let kind = match &user_type.kind {
            UserTypeKind::Enum { labels } => format!("enum ({})", labels.join(", ")),
            UserTypeKind::Domain {
                base,
                not_null,
                default,
                ..
            } => format!(
                "domain over {base}{}{}",
                if *not_null { " not null" } else { "" },
                default
                    .as_ref()
                    .map(|d| format!(" default {d}"))
                    .unwrap_or_default()
            ),
            UserTypeKind::Composite { attributes } => {
                let attributes: Vec<String> =
                    attributes.iter().map(|(n, t)| format!("{n} {t}")).collect();
                format!("composite ({})", attributes.join(", "))
            }
            UserTypeKind::Range { subtype } => format!("range over {subtype}"),
        };
        let _ = writeln!(out, "type {name}: {kind}{}", comment(&user_type.comment));
    }
    for (name, relation) in &schema.relations {
        let kind = match relation.kind {
            RelationKind::Table => "table",
            RelationKind::PartitionedTable => "partitioned table",
            RelationKind::View => "view",
            RelationKind::MaterializedView => "materialized view",
            RelationKind::ForeignTable => "foreign table",
        };
        let parent = relation
            .parent
            .as_ref()
            .map(|p| format!(" (child of {p})"))
            .unwrap_or_default();
        let _ = writeln!(out, "{kind} {name}{parent}{}", comment(&relation.comment));
        for column in &relation.columns {
            let data_type = schema.information_schema_data_type(&column.ty);
            let _ = writeln!(
                out,
                "  {} {} [{data_type}]{}{}{}{}{}",
                column.name,
                column.ty,
                if column.not_null { " not null" } else { "" },
                column
                    .default
                    .as_ref()
                    .map(|d| format!(" default {d}"))
                    .unwrap_or_default(),
                column
                    .identity
                    .map(|i| format!(" identity {i:?}"))
                    .unwrap_or_default(),
                column
                    .generated
                    .as_ref()
                    .map(|g| format!(" generated ({g})"))
                    .unwrap_or_default(),
                comment(&column.comment),
            );
        }
        for constraint in &relation.constraints {
            let what = match &constraint.kind {
                ConstraintKind::PrimaryKey { columns } => {
                    format!("primary key ({})", columns.join(", "))
                }
                ConstraintKind::Unique { columns, .. } => {
                    format!("unique ({})", columns.join(", "))
                }
                ConstraintKind::ForeignKey {
                    columns,
                    references,
                    referenced_columns,
                    on_delete,
                    ..
                } => format!(
                    "foreign key ({}) references {references} ({}) on delete {on_delete:?}",
                    columns.join(", "),
                    referenced_columns.join(", ")
                ),
                ConstraintKind::Check { expression } => format!("check ({expression})"),
                ConstraintKind::Exclusion { definition } => definition.clone(),
            };
            let _ = writeln!(
                out,
                "  constraint {}: {what}{}",
                constraint.name,
                if constraint.not_valid {
                    " not valid"
                } else {
                    ""
                }
            );
        }
        for trigger in &relation.triggers {
            let _ = writeln!(
                out,
                "  trigger {} {:?} {:?}",
                trigger.name, trigger.timing, trigger.events
            );
        }
    }
    for (name, index) in &schema.indexes {
        let _ = writeln!(
            out,
            "index {name} on {}{} using {} ({}){}",
            index.table,
            if index.unique { " unique" } else { "" },
            index.method,
            index.keys.join(", "),
            index
                .predicate
                .as_ref()
                .map(|p| format!(" where {p}"))
                .unwrap_or_default()
        );
    }
    for (name, sequence) in &schema.sequences {
        let owner = sequence
            .owned_by
            .as_ref()
            .map(|(table, column)| format!(" owned by {table}.{column}"))
            .unwrap_or_default();
        let _ = writeln!(out, "sequence {name} as {}{owner}", sequence.data_type);
    }
    for (name, functions) in &schema.functions {
        for function in functions {
            let arguments: Vec<String> =
                function.arguments.iter().map(ToString::to_string).collect();
            let returns = function
                .returns
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "{} {name}({}) returns {}{returns}",
                if function.aggregate {
                    "aggregate"
                } else {
                    "function"
                },
                arguments.join(", "),
                if function.returns_set { "setof " } else { "" }
            );
        }
    }
    out
}

fn comment(comment: &Option<String>) -> String {
    comment
        .as_ref()
        .map(|c| format!(" -- {c}"))
        .unwrap_or_default()
}

#[test]
fn column_types_as_postgres_stores_them() {
    check(
        r#"
CREATE TABLE t (
    a serial,
    b bigserial,
    c smallserial,
    d varchar(40),
    e character varying,
    f numeric(10, 2),
    g numeric(7),
    h decimal,
    i timestamp(3),
    j timestamptz,
    k timestamp with time zone,
    l char,
    m char(5),
    n "char",
    o float(10),
    p float(30),
    q double precision,
    r real,
    s text[],
    u int[][],
    v uuid,
    w jsonb,
    x bit(3),
    y interval,
    z time(6) with time zone,
    aa bool,
    ab int2,
    ac bytea,
    ad inet
);
"#,
        expect![[r#"
            table public.t
              a integer [integer] not null default nextval('t_a_seq'::regclass)
              b bigint [bigint] not null default nextval('t_b_seq'::regclass)
              c smallint [smallint] not null default nextval('t_c_seq'::regclass)
              d character varying(40) [character varying]
              e character varying [character varying]
              f numeric(10,2) [numeric]
              g numeric(7,0) [numeric]
              h numeric [numeric]
              i timestamp(3) without time zone [timestamp without time zone]
              j timestamp with time zone [timestamp with time zone]
              k timestamp with time zone [timestamp with time zone]
              l character(1) [character]
              m character(5) [character]
              n "char" ["char"]
              o real [real]
              p double precision [double precision]
              q double precision [double precision]
              r real [real]
              s text[] [ARRAY]
              u integer[] [ARRAY]
              v uuid [uuid]
              w jsonb [jsonb]
              x bit(3) [bit]
              y interval [interval]
              z time(6) with time zone [time with time zone]
              aa boolean [boolean]
              ab smallint [smallint]
              ac bytea [bytea]
              ad inet [inet]
            sequence public.t_a_seq as integer owned by public.t.a
            sequence public.t_b_seq as bigint owned by public.t.b
            sequence public.t_c_seq as smallint owned by public.t.c
        "#]],
    );
}

#[test]
fn defaults_print_as_postgres_prints_them() {
    check(
        r#"
CREATE TYPE "Status" AS ENUM ('PENDING', 'DONE');
CREATE TABLE d (
    a varchar(20) DEFAULT 'x',
    b timestamp NOT NULL DEFAULT now(),
    c timestamp(3) DEFAULT CURRENT_TIMESTAMP,
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
    s text DEFAULT lower('ABC')
);
"#,
        expect![[r#"
            type public."Status": enum (PENDING, DONE)
            table public.d
              a character varying(20) [character varying] default 'x'::character varying
              b timestamp without time zone [timestamp without time zone] not null default now()
              c timestamp(3) without time zone [timestamp without time zone] default CURRENT_TIMESTAMP
              e boolean [boolean] default false
              f text[] [ARRAY] default '{}'::text[]
              g integer [integer] default '-1'::integer
              h bigint [bigint] default 0
              i public."Status" [USER-DEFINED] not null default 'PENDING'::"Status"
              j jsonb [jsonb] default '{}'::jsonb
              k text[] [ARRAY] default ARRAY[]::text[]
              l timestamp with time zone [timestamp with time zone] default (CURRENT_TIMESTAMP + '14 days'::interval)
              m timestamp with time zone [timestamp with time zone] default '1970-01-01 00:00:00+00'::timestamp with time zone
              n timestamp without time zone [timestamp without time zone] default '1970-01-01 00:00:00'::timestamp without time zone
              o text [text]
              p numeric [numeric] default 1.5
              q text [text] default 'it''s'::text
              r uuid [uuid] default gen_random_uuid()
              s text [text] default lower('ABC'::text)
        "#]],
    );
}

#[test]
fn constraints_get_postgres_names() {
    check(
        r#"
CREATE TABLE users (id bigserial PRIMARY KEY, email text UNIQUE, age int CHECK (age > 0));
CREATE SEQUENCE "Counter";
CREATE TABLE counted (a int DEFAULT nextval('"Counter"'), b int DEFAULT nextval('public."Counter"'::regclass));
CREATE TABLE posts (
    id int,
    author_id bigint REFERENCES users ON DELETE CASCADE,
    editor_id bigint,
    slug text,
    lo int,
    hi int,
    PRIMARY KEY (id),
    UNIQUE (author_id, slug),
    FOREIGN KEY (editor_id) REFERENCES users (id),
    CHECK (lo < hi),
    CHECK (lo > 0),
    CONSTRAINT posts_slug_check CHECK (slug <> '')
);
ALTER TABLE posts ADD CHECK (lo > 1);
CREATE INDEX ON posts (slug);
CREATE INDEX ON posts (slug);
CREATE UNIQUE INDEX ON posts (lower(slug));
CREATE INDEX posts_partial ON posts USING gin (slug) WHERE lo > 0;
CREATE TABLE a_table_with_a_really_quite_long_name_that_goes_on (a_column_with_a_long_name_too int UNIQUE);
CREATE TABLE tree (id int PRIMARY KEY, parent_id int REFERENCES tree);
"#,
        expect![[r#"
            table public.a_table_with_a_really_quite_long_name_that_goes_on
              a_column_with_a_long_name_too integer [integer]
              constraint a_table_with_a_really_quite_l_a_column_with_a_long_name_too_key: unique (a_column_with_a_long_name_too)
            table public.counted
              a integer [integer] default nextval('"Counter"'::regclass)
              b integer [integer] default nextval('"Counter"'::regclass)
            table public.posts
              id integer [integer] not null
              author_id bigint [bigint]
              editor_id bigint [bigint]
              slug text [text]
              lo integer [integer]
              hi integer [integer]
              constraint posts_check: check (lo < hi)
              constraint posts_lo_check: check (lo > 0)
              constraint posts_slug_check: check (slug <> '')
              constraint posts_pkey: primary key (id)
              constraint posts_author_id_slug_key: unique (author_id, slug)
              constraint posts_author_id_fkey: foreign key (author_id) references public.users (id) on delete Cascade
              constraint posts_editor_id_fkey: foreign key (editor_id) references public.users (id) on delete NoAction
              constraint posts_lo_check1: check (lo > 1)
            table public.tree
              id integer [integer] not null
              parent_id integer [integer]
              constraint tree_pkey: primary key (id)
              constraint tree_parent_id_fkey: foreign key (parent_id) references public.tree (id) on delete NoAction
            table public.users
              id bigint [bigint] not null default nextval('users_id_seq'::regclass)
              email text [text]
              age integer [integer]
              constraint users_age_check: check (age > 0)
              constraint users_pkey: primary key (id)
              constraint users_email_key: unique (email)
            index public.a_table_with_a_really_quite_l_a_column_with_a_long_name_too_key on public.a_table_with_a_really_quite_long_name_that_goes_on unique using btree (a_column_with_a_long_name_too)
            index public.posts_author_id_slug_key on public.posts unique using btree (author_id, slug)
            index public.posts_lower_idx on public.posts unique using btree (lower(slug))
            index public.posts_partial on public.posts using gin (slug) where lo > 0
            index public.posts_pkey on public.posts unique using btree (id)
            index public.posts_slug_idx on public.posts using btree (slug)
            index public.posts_slug_idx1 on public.posts using btree (slug)
            index public.tree_pkey on public.tree unique using btree (id)
            index public.users_email_key on public.users unique using btree (email)
            index public.users_pkey on public.users unique using btree (id)
            sequence public."Counter" as bigint
            sequence public.users_id_seq as bigint owned by public.users.id
        "#]],
    );
}

#[test]
fn identity_and_generated_columns() {
    check(
        r#"
CREATE TABLE t (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    n int GENERATED BY DEFAULT AS IDENTITY,
    doubled int GENERATED ALWAYS AS (n * 2) STORED
);
ALTER TABLE t ADD COLUMN m int;
ALTER TABLE t ALTER COLUMN m ADD GENERATED ALWAYS AS IDENTITY;
"#,
        expect![[r#"
            table public.t
              id bigint [bigint] not null identity Always
              n integer [integer] not null identity ByDefault
              doubled integer [integer] generated (n * 2)
              m integer [integer] not null identity Always
              constraint t_pkey: primary key (id)
            index public.t_pkey on public.t unique using btree (id)
            sequence public.t_id_seq as bigint owned by public.t.id
            sequence public.t_m_seq as integer owned by public.t.m
            sequence public.t_n_seq as integer owned by public.t.n
        "#]],
    );
}

#[test]
fn partitions_inheritance_like_and_create_table_as() {
    check(
        r#"
CREATE TABLE events (id bigint NOT NULL, at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE base (id int NOT NULL, name text);
CREATE TABLE child (extra text) INHERITS (base);
CREATE TABLE copy (LIKE base INCLUDING DEFAULTS);
CREATE TABLE summary AS SELECT id, name FROM base;
CREATE TEMP TABLE scratch (x int);
DROP TABLE scratch;
"#,
        expect![[r#"
            table public.base
              id integer [integer] not null
              name text [text]
            table public.child (child of public.base)
              id integer [integer] not null
              name text [text]
              extra text [text]
            table public.copy
              id integer [integer] not null
              name text [text]
            partitioned table public.events
              id bigint [bigint] not null
              at timestamp with time zone [timestamp with time zone] not null default now()
              constraint events_pkey: primary key (id, at)
            table public.events_2024 (child of public.events)
              id bigint [bigint] not null
              at timestamp with time zone [timestamp with time zone] not null default now()
              constraint events_2024_pkey: primary key (id, at)
            table public.summary
              id integer [integer]
              name text [text]
            index public.events_2024_pkey on public.events_2024 unique using btree (id, at)
            index public.events_pkey on public.events unique using btree (id, at)
        "#]],
    );
}

#[test]
fn enums_keep_their_label_order() {
    check(
        r#"
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE person (m mood DEFAULT 'ok');
ALTER TYPE mood ADD VALUE 'happy';
ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';
ALTER TYPE mood ADD VALUE 'glad' AFTER 'ok';
ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad';
ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';
ALTER TYPE mood RENAME TO feeling;
"#,
        expect![[r#"
            type public.feeling: enum (sad, meh, fine, glad, happy)
            table public.person
              m public.feeling [USER-DEFINED] default 'fine'::feeling
        "#]],
    );
}

#[test]
fn domains_composites_ranges() {
    check(
        r#"
CREATE DOMAIN email AS varchar(255) NOT NULL CHECK (VALUE LIKE '%@%');
CREATE TYPE pair AS (a int, b text);
CREATE TYPE span AS RANGE (subtype = timestamptz);
CREATE TABLE contact (e email, p pair, s span, es email[]);
"#,
        expect![[r#"
            type public.email: domain over character varying(255) not null
            type public.pair: composite (a integer, b text)
            type public.span: range over timestamp with time zone
            table public.contact
              e public.email [character varying]
              p public.pair [USER-DEFINED]
              s public.span [USER-DEFINED]
              es public.email[] [ARRAY]
        "#]],
    );
}

#[test]
fn views_and_drop_cascade() {
    check(
        r#"
CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL);
CREATE VIEW v AS SELECT id, name AS label FROM t;
CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t;
CREATE TABLE r (t_id int REFERENCES t);
ALTER TABLE t DROP COLUMN name CASCADE;
DROP TABLE t CASCADE;
"#,
        expect![[r#"
            table public.r
              t_id integer [integer]
        "#]],
    );
}

#[test]
fn alter_table_forms() {
    check(
        r#"
CREATE TABLE t (id int, a text, b varchar(10) DEFAULT 'b', c int NOT NULL);
ALTER TABLE t ADD COLUMN d int NOT NULL DEFAULT 0, ADD COLUMN IF NOT EXISTS a text;
ALTER TABLE t ALTER COLUMN a TYPE integer USING a::integer;
ALTER TABLE t ALTER COLUMN a SET DEFAULT 7, ALTER COLUMN b DROP DEFAULT;
ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN c DROP NOT NULL;
ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY (id);
ALTER TABLE t ADD CONSTRAINT t_a_positive CHECK (a > 0) NOT VALID;
ALTER TABLE t VALIDATE CONSTRAINT t_a_positive;
ALTER TABLE t RENAME CONSTRAINT t_a_positive TO t_a_check;
ALTER TABLE t RENAME COLUMN a TO aa;
ALTER TABLE t DROP COLUMN IF EXISTS zz;
ALTER TABLE t DROP COLUMN c;
ALTER TABLE t RENAME TO things;
ALTER TABLE IF EXISTS nothing ADD COLUMN x int;
ALTER TABLE things DROP CONSTRAINT t_pk;
ALTER TABLE things DROP CONSTRAINT IF EXISTS t_pk;
"#,
        expect![[r#"
            table public.things
              id integer [integer] not null
              aa integer [integer] not null default 7
              b character varying(10) [character varying]
              d integer [integer] not null default 0
              constraint t_a_check: check (aa > 0)
        "#]],
    );
}

#[test]
fn sequences_schemas_extensions_comments() {
    check(
        r#"
CREATE SCHEMA app;
SET search_path TO app, public;
CREATE TABLE items (id serial PRIMARY KEY);
CREATE SEQUENCE counter START 10 INCREMENT 2;
CREATE SEQUENCE public.other AS integer;
ALTER SEQUENCE counter OWNED BY items.id;
ALTER SEQUENCE other RENAME TO renamed;
CREATE EXTENSION IF NOT EXISTS ltree SCHEMA public;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA app;
CREATE TABLE paths (p ltree);
COMMENT ON TABLE items IS 'things';
COMMENT ON COLUMN items.id IS 'the key';
COMMENT ON SCHEMA app IS 'the app';
DROP SEQUENCE IF EXISTS nope;
"#,
        expect![[r#"
            schema app -- the app
            extension ltree in public
            extension pgcrypto in app
            table app.items -- things
              id integer [integer] not null default nextval('app.items_id_seq'::regclass) -- the key
              constraint items_pkey: primary key (id)
            table app.paths
              p public.ltree [USER-DEFINED]
            index app.items_pkey on app.items unique using btree (id)
            sequence app.counter as bigint owned by app.items.id
            sequence app.items_id_seq as integer owned by app.items.id
            sequence public.renamed as integer
        "#]],
    );
}

#[test]
fn statements_that_change_no_shape_are_accepted() {
    check(
        r#"
BEGIN;
CREATE TABLE t (id int);
INSERT INTO t VALUES (1);
UPDATE t SET id = 2;
DELETE FROM t;
GRANT SELECT ON t TO public;
CREATE FUNCTION f(a int, b text) RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE t ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON t USING (true);
REINDEX TABLE t;
ANALYZE t;
ANALYZE t, t;
COMMENT ON FUNCTION f(int, text) IS 'f';
CREATE STATISTICS s ON id, id FROM t;
CREATE FUNCTION gone(a int) RETURNS int LANGUAGE sql AS $$ SELECT a $$;
CREATE FUNCTION gone(a text) RETURNS text LANGUAGE sql AS $$ SELECT a $$;
DROP FUNCTION gone(int);
COMMIT;
"#,
        expect![[r#"
            table public.t
              id integer [integer]
              trigger t_touch Before [Insert, Update]
            function public.f(integer, text) returns bigint
            function public.gone(text) returns text
            function public.touch() returns trigger
        "#]],
    );
}

#[test]
fn forms_sqlparser_rejects_are_recognised() {
    check(
        r#"
CREATE TABLE t (id int, at date) PARTITION BY RANGE (at);
CREATE INDEX t_at_idx ON ONLY t (at);
CREATE INDEX t_id_idx ON t (id);
ALTER INDEX IF EXISTS t_id_idx RENAME TO t_id_index;
ALTER INDEX IF EXISTS missing RENAME TO whatever;
DROP INDEX CONCURRENTLY IF EXISTS t_at_idx;
DROP INDEX CONCURRENTLY t_id_index;
CREATE SEQUENCE s START 5 INCREMENT 1 NO MAXVALUE;
ALTER TABLE t ALTER CONSTRAINT nothing DEFERRABLE;
ALTER TRIGGER nothing ON t RENAME TO other;
"#,
        expect![[r#"
            partitioned table public.t
              id integer [integer]
              at date [date]
            sequence public.s as bigint
            error: constraint "nothing" of relation "t" does not exist
              --> inline.sql:10:32
               |
            10 | ALTER TABLE t ALTER CONSTRAINT nothing DEFERRABLE;
               |                                ^^^^^^^
            error: trigger "nothing" for table "t" does not exist
              --> inline.sql:11:15
               |
            11 | ALTER TRIGGER nothing ON t RENAME TO other;
               |               ^^^^^^^
        "#]],
    );
}

#[test]
fn more_forms_sqlparser_rejects() {
    check(
        r#"
CREATE SCHEMA archive;
CREATE TABLE p (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE c (id int, at date);
ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE d PARTITION OF p FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE p DETACH PARTITION d;
ALTER TABLE d SET SCHEMA archive;
CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY, other int);
ALTER TABLE k ALTER COLUMN id DROP IDENTITY;
ALTER TABLE k ALTER COLUMN id SET STATISTICS 100;
CREATE TABLE u (id int PRIMARY KEY);
CREATE TABLE r (u_id int CONSTRAINT r_u_fk REFERENCES u);
ALTER TABLE r ALTER CONSTRAINT r_u_fk DEFERRABLE INITIALLY DEFERRED;
CREATE VIEW v AS SELECT id FROM u;
ALTER VIEW v RENAME COLUMN id TO user_id;
ALTER VIEW v RENAME TO users_view;
CREATE DOMAIN positive AS int;
ALTER DOMAIN positive SET NOT NULL;
CREATE TYPE kind AS ENUM ('a');
ALTER TYPE kind SET SCHEMA archive;
ALTER TYPE archive.kind OWNER TO postgres;
ALTER SCHEMA archive RENAME TO old;
CREATE TABLE uses (k old.kind, p positive);
CREATE TABLE ident (id int GENERATED BY DEFAULT AS IDENTITY (START WITH 10 INCREMENT BY 1) PRIMARY KEY);
CREATE TABLE base (id int NOT NULL DEFAULT 1, name text DEFAULT 'x');
CREATE TABLE copied (LIKE base INCLUDING ALL);
"#,
        expect![[r#"
            schema old
            type old.kind: enum (a)
            type public.positive: domain over integer not null
            table old.d
              id integer [integer]
              at date [date]
            table public.base
              id integer [integer] not null default 1
              name text [text] default 'x'::text
            table public.c (child of public.p)
              id integer [integer]
              at date [date]
            table public.copied
              id integer [integer] not null default 1
              name text [text] default 'x'::text
            table public.ident
              id integer [integer] not null identity ByDefault
              constraint ident_pkey: primary key (id)
            table public.k
              id integer [integer] not null
              other integer [integer]
            partitioned table public.p
              id integer [integer]
              at date [date]
            table public.r
              u_id integer [integer]
              constraint r_u_fk: foreign key (u_id) references public.u (id) on delete NoAction
            table public.u
              id integer [integer] not null
              constraint u_pkey: primary key (id)
            view public.users_view
              user_id integer [integer]
            table public.uses
              k old.kind [USER-DEFINED]
              p public.positive [integer]
            index public.ident_pkey on public.ident unique using btree (id)
            index public.u_pkey on public.u unique using btree (id)
            sequence public.ident_id_seq as integer owned by public.ident.id
        "#]],
    );
}

#[test]
fn do_blocks_and_directives() {
    check(
        r#"
DO $$ BEGIN
    CREATE TYPE level AS ENUM ('low', 'high');
EXCEPTION WHEN duplicate_object THEN null;
END $$;
DO $$ BEGIN
    CREATE TYPE level AS ENUM ('low', 'high');
EXCEPTION WHEN duplicate_object THEN null;
END $$;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'size') THEN
        CREATE TYPE size AS ENUM ('s', 'm');
    END IF;
END
$$;
DO $$ BEGIN UPDATE nothing SET x = 1; END $$;
DO $$ DECLARE r record; BEGIN FOR r IN SELECT 1 LOOP EXECUTE 'CREATE TABLE made_at_run_time (id int)'; END LOOP; END $$;
-- migrate:assume CREATE TABLE made (id int);
DO $$ BEGIN EXECUTE 'CREATE TABLE made (id int)'; END $$;
-- migrate:ignore
DO $$ BEGIN EXECUTE 'CREATE INDEX whatever ON made (id)'; END $$;
"#,
        expect![[r#"
            type public.level: enum (low, high)
            type public.size: enum (s, m)
            table public.made
              id integer [integer]
            warning: this FOR loop runs SQL built at run time (EXECUTE), which the fold cannot see; the fold assumed the loop changes no table, column or type and folded the rest of the DO block
              --> inline.sql:18:31
               |
            18 | DO $$ DECLARE r record; BEGIN FOR r IN SELECT 1 LOOP EXECUTE 'CREATE TABLE made_at_run_time (id int)'; END LOOP; END $$;
               |                               ^^^^^^^^^^^^^^^^^^^^^^
               = help: if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`
        "#]],
    );
}

#[test]
fn do_block_bodies_are_read_statement_by_statement() {
    // Static DDL around a loop of EXECUTE is folded in order; the loop is
    // warned about where it stands. Nested dollar quotes both ways.
    check(
        r#"CREATE TABLE events (id bigint PRIMARY KEY, key text);
DO $$
DECLARE
    snapshot_xmin bigint;
    r record;
BEGIN
    SELECT txid_current() INTO snapshot_xmin;
    CREATE TABLE events_new (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, key text NOT NULL);
    FOR r IN SELECT relname FROM pg_class WHERE relname LIKE 'events_2%' LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', r.relname, r.relname || '_old');
    END LOOP;
    LOCK TABLE events IN ACCESS EXCLUSIVE MODE;
    INSERT INTO events_new (key) SELECT key FROM events;
    DROP TABLE events;
    ALTER TABLE events_new RENAME TO events;
    CREATE FUNCTION events_touch() RETURNS trigger AS $BODY$ BEGIN RETURN NULL; END; $BODY$ LANGUAGE plpgsql;
    CREATE TRIGGER events_touch AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION events_touch();
END $$;
DO $body$
BEGIN
    CREATE FUNCTION noop() RETURNS void AS $$ BEGIN PERFORM 1; END; $$ LANGUAGE plpgsql;
    ALTER TABLE events ADD COLUMN seen_at timestamptz;
END $body$;
"#,
        expect![[r#"
            table public.events
              id bigint [bigint] not null identity ByDefault
              key text [text] not null
              seen_at timestamp with time zone [timestamp with time zone]
              constraint events_new_pkey: primary key (id)
              trigger events_touch After [Insert]
            index public.events_new_pkey on public.events unique using btree (id)
            sequence public.events_new_id_seq as bigint owned by public.events.id
            function public.events_touch() returns trigger
            function public.noop() returns void
            warning: this FOR loop runs SQL built at run time (EXECUTE), which the fold cannot see; the fold assumed the loop changes no table, column or type and folded the rest of the DO block
             --> inline.sql:9:5
              |
            9 |     FOR r IN SELECT relname FROM pg_class WHERE relname LIKE 'events_2%' LOOP
              |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
              = help: if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`
        "#]],
    );
    // Loops that run no DDL change nothing; loops over constants are
    // unrolled; other loops that run DDL are warned about; an EXECUTE of
    // constant SQL is folded; directives inside the body state what they do
    // or silence them.
    check(
        r#"CREATE TABLE t (id int);
DO $$
DECLARE
    n int := 0;
BEGIN
    WHILE n < 3 LOOP
        n := n + 1;
        UPDATE t SET id = n;
    END LOOP;
    FOREACH n IN ARRAY ARRAY[1, 2] LOOP
        CREATE TABLE IF NOT EXISTS made_in_a_loop (id int);
    END LOOP;
    WHILE n < 3 LOOP
        CREATE TABLE IF NOT EXISTS made_in_a_while (id int);
        n := n + 1;
    END LOOP;
    EXECUTE 'ALTER TABLE t ADD COLUMN hidden int';
    -- migrate:assume ALTER TABLE t ADD COLUMN tag text;
    EXECUTE format('ALTER TABLE %I ADD COLUMN tag text', 't');
    -- migrate:ignore
    FOR n IN 1..2 LOOP
        EXECUTE format('ANALYZE %I', 't');
    END LOOP;
    CREATE INDEX t_tag_idx ON t (tag);
END $$;
"#,
        expect![[r#"
            table public.made_in_a_loop
              id integer [integer]
            table public.t
              id integer [integer]
              hidden integer [integer]
              tag text [text]
            index public.t_tag_idx on public.t using btree (tag)
            warning: this WHILE loop runs DDL as many times as it turns, which the fold cannot know; the fold assumed the loop changes no table, column or type and folded the rest of the DO block
              --> inline.sql:13:5
               |
            13 |     WHILE n < 3 LOOP
               |     ^^^^^^^^^^^^^^^^
               = help: if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`
        "#]],
    );
    // What the fold does not know makes the whole block "assumed no
    // change": a CASE statement, DDL under a condition it cannot evaluate,
    // a RETURN, DDL that reads a variable of the block. So does a statement
    // that fails after a loop it cannot see.
    check(
        r#"CREATE TABLE t (id int);
DO $$
DECLARE
    last_id int := 10;
BEGIN
    CREATE TEMP TABLE recent AS SELECT id FROM t WHERE id > last_id;
    ALTER TABLE t ADD COLUMN after_variable int;
END $$;
DO $$
BEGIN
    CREATE TABLE before_case (id int);
    CASE 1 WHEN 1 THEN ALTER TABLE t ADD COLUMN one int; END CASE;
END $$;
DO $$
BEGIN
    IF now() > '2020-01-01' THEN
        ALTER TABLE t ADD COLUMN later int;
    END IF;
END $$;
DO $$
BEGIN
    ALTER TABLE t ADD COLUMN returned int;
    RETURN;
END $$;
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT 'made' AS name LOOP
        EXECUTE format('CREATE TABLE %I (id int)', r.name);
    END LOOP;
    ALTER TABLE made ADD COLUMN extra int;
    ALTER TABLE t ADD COLUMN kept_back int;
END $$;
"#,
        expect![[r#"
            table public.t
              id integer [integer]
            warning: the fold cannot read this DO statement and assumed it changes no table, column or type
             --> inline.sql:2:1
              |
            2 | DO $$
              | ^^
              = help: state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`
            warning: the fold cannot read this DO statement and assumed it changes no table, column or type
             --> inline.sql:9:1
              |
            9 | DO $$
              | ^^
              = help: state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`
            warning: the fold cannot read this DO statement and assumed it changes no table, column or type
              --> inline.sql:14:1
               |
            14 | DO $$
               | ^^
               = help: state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`
            warning: the fold cannot read this DO statement and assumed it changes no table, column or type
              --> inline.sql:20:1
               |
            20 | DO $$
               | ^^
               = help: state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`
            warning: statements of this DO block fail in the fold without what its loops or EXECUTE change, which the fold cannot see; it assumed the whole block changes no table, column or type
              --> inline.sql:25:1
               |
            25 | DO $$
               | ^^
               = help: state what the block changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`
        "#]],
    );
}

#[test]
fn execute_of_sql_known_before_the_block_runs_is_folded() {
    // Constant strings, `||`, format() with %I/%s of constants and of
    // variables assigned only literals, %L of anything (a placeholder
    // value): folded as the statements they build. A name read at run time
    // keeps the warning, pointing at its EXECUTE and saying why.
    check(
        r#"CREATE TABLE t (id int);
DO $$
DECLARE
    suffix text := 'at';
    owner_name text;
    table_name text;
    n int;
BEGIN
    SELECT current_user INTO owner_name;
    EXECUTE 'ALTER TABLE t ADD COLUMN ' || 'created_' || suffix || ' timestamptz';
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I text NOT NULL DEFAULT %L', 't', 'Owner', owner_name);
    EXECUTE format('ALTER TABLE %1$I ALTER COLUMN %2$I DROP DEFAULT, ADD COLUMN n%3$s int', 't', 'Owner', 2);
    suffix := 'ed';
    EXECUTE format('CREATE TABLE %s (id int)', 'logg' || suffix);
    FOREACH table_name IN ARRAY ARRAY['logged', 't'] LOOP
        FOR n IN REVERSE 3..1 BY 2 LOOP
            EXECUTE format('ALTER TABLE %I ADD COLUMN c%s int', table_name, n);
        END LOOP;
    END LOOP;
    -- A loop over constants that does not fold cleanly each time (here
    -- PostgreSQL fails on "nowhere") is warned about whole, not unrolled.
    FOREACH table_name IN ARRAY ARRAY['t', 'nowhere'] LOOP
        EXECUTE format('ALTER TABLE %I ADD COLUMN half int', table_name);
    END LOOP;
    SELECT relname INTO table_name FROM pg_class LIMIT 1;
    EXECUTE format('ALTER TABLE %I ADD COLUMN x int', table_name);
    -- No shape, whatever the run-time parts: no warning.
    EXECUTE format('GRANT SELECT ON %I TO %I', table_name, current_user);
    -- Enum labels are shape: a value known only at run time is warned about.
    EXECUTE format('CREATE TYPE mood AS ENUM (%L)', owner_name);
    -- So is a default from one that stays when the block ends.
    EXECUTE format('ALTER TABLE t ADD COLUMN made_by text DEFAULT %L', owner_name);
END $$;
"#,
        expect![[r#"
            table public.logged
              id integer [integer]
              c3 integer [integer]
              c1 integer [integer]
            table public.t
              id integer [integer]
              created_at timestamp with time zone [timestamp with time zone]
              Owner text [text] not null
              n2 integer [integer]
              c3 integer [integer]
              c1 integer [integer]
              made_by text [text] default '?'::text
            warning: this FOREACH loop turns over values known before the block runs, but a turn does not fold cleanly (relation "nowhere" does not exist); the fold assumed the loop changes no table, column or type and folded the rest of the DO block
              --> inline.sql:22:5
               |
            22 |     FOREACH table_name IN ARRAY ARRAY['t', 'nowhere'] LOOP
               |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
               = help: if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`
            warning: this EXECUTE runs SQL whose shape depends on the variable "table_name" in a %I, which the fold cannot know before the block runs; it assumed the statement changes no table, column or type and folded the rest of the DO block
              --> inline.sql:26:5
               |
            26 |     EXECUTE format('ALTER TABLE %I ADD COLUMN x int', table_name);
               |     ^^^^^^^
               = help: if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`
            warning: this EXECUTE runs SQL whose shape depends on a value known only at run time in a type's definition, which the fold cannot know before the block runs; it assumed the statement changes no table, column or type and folded the rest of the DO block
              --> inline.sql:30:5
               |
            30 |     EXECUTE format('CREATE TYPE mood AS ENUM (%L)', owner_name);
               |     ^^^^^^^
               = help: if it changes the schema, state what with a `-- migrate:assume <SQL>;` comment line right before it, inside the DO block; or silence this warning there with `-- migrate:ignore`
            warning: this DO block gives column "made_by" of relation "t" a default built from a value it knows only when it runs; the fold holds '?' in its place
             --> inline.sql:2:1
              |
            2 | DO $$
              | ^^
              = help: if the default matters, state the statement with its value in a `-- migrate:assume <SQL>;` comment line right before its EXECUTE, inside the DO block
        "#]],
    );
    // What PostgreSQL rejects when the block runs is an error: a syntax
    // error in the built SQL (inside the string when it is written there),
    // what the fold finds wrong with it, format()'s own errors.
    check(
        r#"CREATE TABLE t (id int);
DO $$
BEGIN
    EXECUTE 'ALTER TABEL t ADD COLUMN a int';
    EXECUTE format('ALTER TABLE %I ADD COLUMN id int', 't');
    EXECUTE format('ALTER TABLE %I ADD COLUMN %s int', 't');
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', 't', 'x y') || ' NOT NUL';
END $$;
"#,
        expect![[r#"
            table public.t
              id integer [integer]
            error: syntax error at or near "TABEL"
             --> inline.sql:4:20
              |
            4 |     EXECUTE 'ALTER TABEL t ADD COLUMN a int';
              |                    ^^^^^
              = help: did you mean "TABLE"?
            error: column "id" of relation "t" already exists
             --> inline.sql:5:47
              |
            5 |     EXECUTE format('ALTER TABLE %I ADD COLUMN id int', 't');
              |                                               ^^
            error: too few arguments for format()
             --> inline.sql:6:5
              |
            6 |     EXECUTE format('ALTER TABLE %I ADD COLUMN %s int', 't');
              |     ^^^^^^^
            error: syntax error at or near "NUL"
             --> inline.sql:7:77
              |
            7 |     EXECUTE format('ALTER TABLE %I ADD COLUMN %I int', 't', 'x y') || ' NOT NUL';
              |                                                                             ^^^
              = help: did you mean "NULL"?
        "#]],
    );
}

#[test]
fn several_actions_are_folded_one_by_one() {
    // sqlparser rejects each of these statements for one action; the
    // others are folded all the same, in PostgreSQL's order of passes (a
    // column added after the constraint or NOT NULL that names it), and an
    // action the fold does not know is reported alone, where it stands.
    check(
        r#"CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE t (id int PRIMARY KEY, x int, c_ref int, CONSTRAINT c FOREIGN KEY (c_ref) REFERENCES parent (id) DEFERRABLE);
CREATE INDEX t_x_idx ON t (x);
ALTER TABLE t ALTER CONSTRAINT c NOT DEFERRABLE, ALTER COLUMN x SET NOT NULL;
ALTER TABLE t ADD CONSTRAINT t_pid_fkey FOREIGN KEY (pid) REFERENCES parent (id), ADD COLUMN pid int;
ALTER TABLE t ALTER COLUMN later SET NOT NULL, ADD COLUMN later int DEFAULT 0;
ALTER TABLE t CLUSTER ON t_x_idx, ADD COLUMN y text, ALTER COLUMN x TYPE bigint, DROP COLUMN c_ref;
ALTER TABLE t SET WITHOUT CLUSTER, ALTER COLUMN y SET DEFAULT 'a', ALTER CONSTRAINT t_pid_fkey DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE t INHERIT parent, ADD COLUMN z int;
"#,
        expect![[r#"
            table public.parent
              id integer [integer] not null
              constraint parent_pkey: primary key (id)
            table public.t
              id integer [integer] not null
              x bigint [bigint] not null
              pid integer [integer]
              later integer [integer] not null default 0
              y text [text] default 'a'::text
              z integer [integer]
              constraint t_pkey: primary key (id)
              constraint t_pid_fkey: foreign key (pid) references public.parent (id) on delete NoAction
            index public.parent_pkey on public.parent unique using btree (id)
            index public.t_pkey on public.t unique using btree (id)
            index public.t_x_idx on public.t using btree (x)
            warning: the fold cannot read this ALTER TABLE action and assumed it changes no table, column or type
             --> inline.sql:9:15
              |
            9 | ALTER TABLE t INHERIT parent, ADD COLUMN z int;
              |               ^^^^^^^^^^^^^^
              = help: state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`
        "#]],
    );
}

#[test]
fn errors_use_postgres_wording_and_point_at_the_sql() {
    check(
        r#"CREATE TABLE users (id int PRIMARY KEY, email text, updated_at timestamptz);
ALTER TABLE user ADD COLUMN x int;
ALTER TABLE users DROP COLUMN updatd_at;
ALTER TABLE users ADD COLUMN email text;
ALTER TABLE users ADD COLUMN status statuss;
ALTER TABLE users ADD PRIMARY KEY (email);
CREATE TABLE users (id int);
CREATE TABLE twice (a int, a text);
DROP TABLE nothing;
ALTER TABLE users DROP CONSTRAINT users_pky;
ALTER TABLE users ALTER COLUMN nope SET NOT NULL;
CREATE INDEX ON users (emial);
ALTER TABLE users ADD FOREIGN KEY (id) REFERENCES accounts (id);
CREATE TYPE t AS ENUM ('a');
ALTER TYPE t ADD VALUE 'a';
ALTER TYPE t ADD VALUE 'b' BEFORE 'z';
CREATE VIEW v AS SELECT id FROM users;
DROP TABLE users;
ALTER TABLE users DROP COLUMN id;
DROP INDEX users_pkey;
ALTER TABLE users ALTER COLUMN id DROP NOT NULL;
CREATE TABLE refs (email text REFERENCES users (email));
CREATE SEQUENCE used;
CREATE TABLE uses_seq (n int DEFAULT nextval('used'));
DROP SEQUENCE used;
CREATE TABLE parent_t (id int);
CREATE TABLE child_t () INHERITS (parent_t);
DROP TABLE parent_t;
"#,
        expect![[r#"
            type public.t: enum (a)
            table public.child_t (child of public.parent_t)
              id integer [integer]
            table public.parent_t
              id integer [integer]
            table public.refs
              email text [text]
            table public.users
              id integer [integer] not null
              email text [text]
              updated_at timestamp with time zone [timestamp with time zone]
              constraint users_pkey: primary key (id)
            table public.uses_seq
              n integer [integer] default nextval('used'::regclass)
            view public.v
              id integer [integer]
            index public.users_pkey on public.users unique using btree (id)
            sequence public.used as bigint
            error: syntax error at or near "user"
             --> inline.sql:2:13
              |
            2 | ALTER TABLE user ADD COLUMN x int;
              |             ^^^^
              = help: "user" is a reserved keyword; to use it as a name, quote it: "user"
            error: column "updatd_at" of relation "users" does not exist
             --> inline.sql:3:31
              |
            3 | ALTER TABLE users DROP COLUMN updatd_at;
              |                               ^^^^^^^^^
              = help: did you mean "updated_at"?
            error: column "email" of relation "users" already exists
             --> inline.sql:4:30
              |
            4 | ALTER TABLE users ADD COLUMN email text;
              |                              ^^^^^
            error: type "statuss" does not exist
             --> inline.sql:5:37
              |
            5 | ALTER TABLE users ADD COLUMN status statuss;
              |                                     ^^^^^^^
            error: multiple primary keys for table "users" are not allowed
             --> inline.sql:6:36
              |
            6 | ALTER TABLE users ADD PRIMARY KEY (email);
              |                                    ^^^^^
            error: relation "users" already exists
             --> inline.sql:7:14
              |
            7 | CREATE TABLE users (id int);
              |              ^^^^^
            error: column "a" specified more than once
             --> inline.sql:8:28
              |
            8 | CREATE TABLE twice (a int, a text);
              |                            ^
            error: table "nothing" does not exist
             --> inline.sql:9:12
              |
            9 | DROP TABLE nothing;
              |            ^^^^^^^
            error: constraint "users_pky" of relation "users" does not exist
              --> inline.sql:10:35
               |
            10 | ALTER TABLE users DROP CONSTRAINT users_pky;
               |                                   ^^^^^^^^^
               = help: did you mean "users_pkey"?
            error: column "nope" of relation "users" does not exist
              --> inline.sql:11:32
               |
            11 | ALTER TABLE users ALTER COLUMN nope SET NOT NULL;
               |                                ^^^^
            error: column "emial" does not exist
              --> inline.sql:12:24
               |
            12 | CREATE INDEX ON users (emial);
               |                        ^^^^^
               = help: did you mean "email"?
            error: relation "accounts" does not exist
              --> inline.sql:13:51
               |
            13 | ALTER TABLE users ADD FOREIGN KEY (id) REFERENCES accounts (id);
               |                                                   ^^^^^^^^
            error: enum label "a" already exists
              --> inline.sql:15:24
               |
            15 | ALTER TYPE t ADD VALUE 'a';
               |                        ^^^
            error: "z" is not an existing enum label
              --> inline.sql:16:35
               |
            16 | ALTER TYPE t ADD VALUE 'b' BEFORE 'z';
               |                                   ^^^
            error: cannot drop table users because other objects depend on it
              --> inline.sql:18:12
               |
            18 | DROP TABLE users;
               |            ^^^^^
               = help: view v depends on table users; use DROP ... CASCADE to drop the dependent objects too
            error: cannot drop column id of table users because other objects depend on it
              --> inline.sql:19:31
               |
            19 | ALTER TABLE users DROP COLUMN id;
               |                               ^^
               = help: view v depends on column id of table users; use DROP ... CASCADE to drop the dependent objects too
            error: cannot drop index users_pkey because constraint users_pkey on table users requires it
              --> inline.sql:20:12
               |
            20 | DROP INDEX users_pkey;
               |            ^^^^^^^^^^
               = help: you can drop constraint users_pkey on table users instead
            error: column "id" is in a primary key
              --> inline.sql:21:32
               |
            21 | ALTER TABLE users ALTER COLUMN id DROP NOT NULL;
               |                                ^^
            error: there is no unique constraint matching given keys for referenced table "users"
              --> inline.sql:22:42
               |
            22 | CREATE TABLE refs (email text REFERENCES users (email));
               |                                          ^^^^^^^^^^^^
            error: cannot drop sequence used because other objects depend on it
              --> inline.sql:25:15
               |
            25 | DROP SEQUENCE used;
               |               ^^^^
               = help: default value for column n of table uses_seq depends on sequence used; use DROP ... CASCADE to drop the dependent objects too
            error: cannot drop table parent_t because other objects depend on it
              --> inline.sql:28:12
               |
            28 | DROP TABLE parent_t;
               |            ^^^^^^^^
               = help: table child_t depends on table parent_t; use DROP ... CASCADE to drop the dependent objects too
        "#]],
    );
}

#[test]
fn do_block_guards_on_the_catalogs_are_evaluated() {
    check(
        r#"
CREATE TABLE t (id int);
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'name') THEN
        ALTER TABLE t ADD COLUMN name text;
    END IF;
END $$;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'name') THEN
        ALTER TABLE t RENAME COLUMN name TO title;
    END IF;
END $$;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_class c WHERE c.relname = 'missing') THEN
        DROP TABLE missing;
    END IF;
END $$;
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 't_pkey') THEN
        ALTER TABLE t ADD CONSTRAINT t_pkey PRIMARY KEY (id);
    END IF;
END $$;
"#,
        expect![[r#"
            table public.t
              id integer [integer] not null
              title text [text]
              constraint t_pkey: primary key (id)
            index public.t_pkey on public.t unique using btree (id)
        "#]],
    );
}

#[test]
fn assumed_sql_is_checked_where_the_directive_is() {
    check(
        r#"CREATE TABLE t (id int);
-- migrate:assume ALTER TABLE t ADD COLUMN id int;
DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN id int'; END $$;
"#,
        expect![[r#"
            table public.t
              id integer [integer]
            error: column "id" of relation "t" already exists
             --> inline.sql:2:44
              |
            2 | -- migrate:assume ALTER TABLE t ADD COLUMN id int;
              |                                            ^^
        "#]],
    );
}

#[test]
fn diagnostics_point_into_the_file_past_its_header() {
    // A goose file: the up SQL starts after the `-- +goose Up` line.
    let file = "-- +goose Up\nCREATE TABLE t (id int);\nALTER TABLE t DROP COLUMN nope;\n\n-- +goose Down\nDROP TABLE t;\n";
    let up_offset = file.find("CREATE").unwrap();
    let up_end = file.find("-- +goose Down").unwrap();
    let migration = migrate_core::Migration {
        version: "1".to_owned(),
        name: "init".to_owned(),
        path: "1_init.sql".to_owned(),
        up: file[up_offset..up_end].to_owned(),
        up_offset,
        lines_before_up: 1,
        down: Some("DROP TABLE t;\n".to_owned()),
        transactional: true,
        statements: Vec::new(),
        checksum: migrate_core::checksum(file),
    };
    let mut folder = migrate_build::fold::Folder::new();
    let diagnostics = folder.apply(&migration);
    let rendered: Vec<String> = diagnostics.iter().map(|d| d.render(file)).collect();
    expect![[r#"
        error: column "nope" of relation "t" does not exist
         --> 1_init.sql:3:27
          |
        3 | ALTER TABLE t DROP COLUMN nope;
          |                           ^^^^"#]]
    .assert_eq(&rendered.join("\n"));
    assert!(
        folder
            .schema()
            .relations
            .contains_key(&migrate_core::Name::public("t"))
    );
}

/// CREATE AGGREGATE over one that exists, OR REPLACE changing the result
/// type, a rename onto another aggregate, DROP FUNCTION of an aggregate:
/// PostgreSQL's errors, at the aggregate's name.
#[test]
fn aggregate_errors() {
    check(
        "CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
CREATE FUNCTION half(int) RETURNS numeric LANGUAGE sql AS 'SELECT $1 / 2.0';
CREATE AGGREGATE mysum(int) (SFUNC = add2, STYPE = int);
CREATE AGGREGATE other(int) (SFUNC = add2, STYPE = int);
CREATE AGGREGATE mysum(integer) (SFUNC = add2, STYPE = int);
CREATE OR REPLACE AGGREGATE mysum(int) (SFUNC = add2, STYPE = int, FINALFUNC = half);
ALTER AGGREGATE other(int) RENAME TO mysum;
CREATE AGGREGATE nowhere.agg(int) (SFUNC = add2, STYPE = int);
DROP FUNCTION other(int);",
        expect![[r#"
            function public.add2(integer, integer) returns integer
            function public.half(integer) returns numeric
            aggregate public.mysum(integer) returns integer
            aggregate public.other(integer) returns integer
            error: function "mysum" already exists with same argument types
             --> inline.sql:5:18
              |
            5 | CREATE AGGREGATE mysum(integer) (SFUNC = add2, STYPE = int);
              |                  ^^^^^
            error: cannot change return type of existing function
             --> inline.sql:6:29
              |
            6 | CREATE OR REPLACE AGGREGATE mysum(int) (SFUNC = add2, STYPE = int, FINALFUNC = half);
              |                             ^^^^^
              = help: Use DROP AGGREGATE mysum(integer) first.
            error: function mysum(integer) already exists in schema "public"
             --> inline.sql:7:17
              |
            7 | ALTER AGGREGATE other(int) RENAME TO mysum;
              |                 ^^^^^
            error: schema "nowhere" does not exist
             --> inline.sql:8:18
              |
            8 | CREATE AGGREGATE nowhere.agg(int) (SFUNC = add2, STYPE = int);
              |                  ^^^^^^^^^^^
            error: "other" is an aggregate function
             --> inline.sql:9:15
              |
            9 | DROP FUNCTION other(int);
              |               ^^^^^
              = help: Use DROP AGGREGATE to drop aggregate functions.
        "#]],
    );
}

#[test]
fn syntax_errors_are_postgres_own_and_all_reported() {
    check(
        r#"CREATE TABEL notes (id int);
CREATE TABLE tags (id int NOT NUL, name text);
ALTER TABLE tags ADD COLUM c int;
ALTER TABLE tags ADD COLUMN ok int;
CREATE TABLE user (id int);
SELECT 'unterminated;
"#,
        expect![[r#"
            error: syntax error at or near "TABEL"
             --> inline.sql:1:8
              |
            1 | CREATE TABEL notes (id int);
              |        ^^^^^
              = help: did you mean "TABLE"?
            error: syntax error at or near "NUL"
             --> inline.sql:2:31
              |
            2 | CREATE TABLE tags (id int NOT NUL, name text);
              |                               ^^^
              = help: did you mean "NULL"?
            error: syntax error at or near "int"
             --> inline.sql:3:30
              |
            3 | ALTER TABLE tags ADD COLUM c int;
              |                              ^^^
              = help: did you mean "COLUMN" instead of "COLUM"?
            error: relation "tags" does not exist
             --> inline.sql:4:13
              |
            4 | ALTER TABLE tags ADD COLUMN ok int;
              |             ^^^^
            error: syntax error at or near "user"
             --> inline.sql:5:14
              |
            5 | CREATE TABLE user (id int);
              |              ^^^^
              = help: "user" is a reserved keyword; to use it as a name, quote it: "user"
            error: unterminated quoted string at or near "'unterminated;..."
             --> inline.sql:6:8
              |
            6 | SELECT 'unterminated;
              |        ^^^^^^^^^^^^^^
        "#]],
    );
}

#[test]
fn sql_in_do_blocks_is_checked_as_plpgsql_compiles_it() {
    // PL/pgSQL has the parser check every SQL statement of the block, also
    // in a branch that does not run; PERFORM is checked as SELECT, and a
    // statement with an INTO target is PL/pgSQL's to read.
    check(
        r#"CREATE TABLE t (id int);
DO $$
DECLARE n int;
BEGIN
  IF false THEN
    ALTER TABLE t ADD COLUM x int;
  END IF;
  PERFORM count(*) FROM t;
  SELECT count(*) INTO n FROM t;
  INSERT INTO t VALUES (1) RETURNING id INTO n;
  ALTER TABLE t ADD COLUMN y int;
END $$;
"#,
        expect![[r#"
            table public.t
              id integer [integer]
              y integer [integer]
            error: syntax error at or near "int"
             --> inline.sql:6:31
              |
            6 |     ALTER TABLE t ADD COLUM x int;
              |                               ^^^
              = help: did you mean "COLUMN" instead of "COLUM"?
        "#]],
    );
}

/// CREATE OR REPLACE of a function, procedure or aggregate may give a name to an
/// input argument that had none, never change or drop one it had (a call
/// may pass the argument by it): PostgreSQL's error and hint, checked
/// against the server.
#[test]
fn replacing_a_routine_keeps_its_input_names() {
    check(
        "CREATE FUNCTION f(a int, b int DEFAULT 2) RETURNS int LANGUAGE sql AS 'SELECT a + b';
CREATE OR REPLACE FUNCTION f(x int, b int DEFAULT 2) RETURNS int LANGUAGE sql AS 'SELECT x + b';
CREATE OR REPLACE FUNCTION f(int, b int DEFAULT 2) RETURNS int LANGUAGE sql AS 'SELECT $1 + b';
CREATE FUNCTION g(int, int) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE FUNCTION g(a int, int) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE p(a int, OUT b int) LANGUAGE plpgsql AS $$ BEGIN b := a; END $$;
CREATE OR REPLACE PROCEDURE p(z int, OUT b int) LANGUAGE plpgsql AS $$ BEGIN b := z; END $$;
CREATE SCHEMA s;
CREATE FUNCTION s.h(a int) RETURNS int LANGUAGE sql AS 'SELECT a';
CREATE OR REPLACE FUNCTION s.h(b int) RETURNS int LANGUAGE sql AS 'SELECT b';
CREATE FUNCTION add2(int, int) RETURNS int LANGUAGE sql AS 'SELECT $1 + $2';
CREATE AGGREGATE agg(x int) (SFUNC = add2, STYPE = int);
CREATE OR REPLACE AGGREGATE agg(y int) (SFUNC = add2, STYPE = int);
CREATE OR REPLACE AGGREGATE agg(int) (SFUNC = add2, STYPE = int);
CREATE AGGREGATE agg2(int) (SFUNC = add2, STYPE = int);
CREATE OR REPLACE AGGREGATE agg2(z int) (SFUNC = add2, STYPE = int);",
        expect![[r#"
            schema s
            function public.add2(integer, integer) returns integer
            aggregate public.agg(integer) returns integer
            aggregate public.agg2(integer) returns integer
            function public.f(integer, integer) returns integer
            function public.g(integer, integer) returns integer
            function public.p(integer) returns 
            function s.h(integer) returns integer
            error: cannot change name of input parameter "a"
             --> inline.sql:2:28
              |
            2 | CREATE OR REPLACE FUNCTION f(x int, b int DEFAULT 2) RETURNS int LANGUAGE sql AS 'SELECT x + b';
              |                            ^
              = help: Use DROP FUNCTION f(integer,integer) first.
            error: cannot change name of input parameter "a"
             --> inline.sql:3:28
              |
            3 | CREATE OR REPLACE FUNCTION f(int, b int DEFAULT 2) RETURNS int LANGUAGE sql AS 'SELECT $1 + b';
              |                            ^
              = help: Use DROP FUNCTION f(integer,integer) first.
            error: cannot change name of input parameter "a"
             --> inline.sql:7:29
              |
            7 | CREATE OR REPLACE PROCEDURE p(z int, OUT b int) LANGUAGE plpgsql AS $$ BEGIN b := z; END $$;
              |                             ^
              = help: Use DROP PROCEDURE p(integer) first.
            error: cannot change name of input parameter "a"
              --> inline.sql:10:28
               |
            10 | CREATE OR REPLACE FUNCTION s.h(b int) RETURNS int LANGUAGE sql AS 'SELECT b';
               |                            ^^^
               = help: Use DROP FUNCTION s.h(integer) first.
            error: cannot change name of input parameter "x"
              --> inline.sql:13:29
               |
            13 | CREATE OR REPLACE AGGREGATE agg(y int) (SFUNC = add2, STYPE = int);
               |                             ^^^
               = help: Use DROP AGGREGATE agg(integer) first.
            error: cannot change name of input parameter "x"
              --> inline.sql:14:29
               |
            14 | CREATE OR REPLACE AGGREGATE agg(int) (SFUNC = add2, STYPE = int);
               |                             ^^^
               = help: Use DROP AGGREGATE agg(integer) first.
        "#]],
    );
}
