//! Drift injected into a live database one kind at a time: each is found,
//! said in words, and its fix SQL removes it.

use expect_test::{Expect, expect};
use migrate_core::{Name, Schema};
use migrate_runtime::drift::{self, DifferenceKind};
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_test_support::TestDatabase;

const SCHEMA: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    name text DEFAULT 'anon',
    mood mood DEFAULT 'ok',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE posts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title text NOT NULL,
    tags text[] DEFAULT '{}',
    score numeric(10, 2) CHECK (score >= 0)
);
CREATE INDEX posts_user_id_idx ON posts (user_id);
CREATE UNIQUE INDEX users_lower_email_idx ON users (lower(email));
CREATE VIEW active_users AS SELECT id, email, mood FROM users WHERE mood <> 'sad';
CREATE TABLE _migrate_history (version text PRIMARY KEY);
INSERT INTO users (email, mood) VALUES ('a@example.com', 'happy'), ('b@example.com', 'ok');
INSERT INTO posts (user_id, title, score) VALUES (1, 'hello', 1.5);
"#;

fn history() -> Name {
    Name::public("_migrate_history")
}

/// The schema SCHEMA creates, read from a database of its own.
fn expected() -> Schema {
    let db = TestDatabase::new("drift_expected");
    let mut client = db.client();
    client.batch_execute(SCHEMA).unwrap();
    introspect(
        &mut client,
        &IntrospectOptions::default().exclude(history()),
    )
    .unwrap()
}

/// Applies SCHEMA, then `injection`; checks the drift found against
/// `report`, applies every fix and checks that no drift is left.
fn inject(injection: &str, kinds: &[DifferenceKind], report: Expect) {
    let expected = expected();
    let db = TestDatabase::new("drift");
    let mut client = db.client();
    client.batch_execute(SCHEMA).unwrap();
    assert_eq!(
        drift::check(&mut client, &expected, &history()).unwrap(),
        Vec::new(),
        "no drift before the injection"
    );
    client.batch_execute(injection).unwrap();
    let differences = drift::check(&mut client, &expected, &history()).unwrap();
    let found: Vec<DifferenceKind> = differences.iter().map(|d| d.kind).collect();
    assert_eq!(found, kinds);
    let rendered: Vec<String> = differences.iter().map(ToString::to_string).collect();
    report.assert_eq(&rendered.join("\n"));
    let script = drift::fix_script(&differences);
    client
        .batch_execute(&script)
        .unwrap_or_else(|error| panic!("the fix script failed: {error}\n{script}"));
    let left = drift::check(&mut client, &expected, &history()).unwrap();
    assert!(
        left.is_empty(),
        "drift left after the fixes: {:#?}",
        left.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
}

#[test]
fn added_column() {
    inject(
        "ALTER TABLE users ADD COLUMN nickname text NOT NULL DEFAULT ''",
        &[DifferenceKind::Unexpected],
        expect![[r#"
            column public.users.nickname exists (text NOT NULL DEFAULT ''::text) but no migration creates it
                ALTER TABLE public.users DROP COLUMN nickname;"#]],
    );
}

#[test]
fn dropped_column() {
    inject(
        "DELETE FROM posts; ALTER TABLE posts DROP COLUMN title",
        &[DifferenceKind::Missing],
        expect![[r#"
            column public.posts.title is missing (expected text NOT NULL)
                ALTER TABLE public.posts ADD COLUMN title text;
                -- give every existing row a value for it, then:
                ALTER TABLE public.posts ALTER COLUMN title SET NOT NULL;"#]],
    );
}

#[test]
fn retyped_column() {
    inject(
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(50)",
        &[DifferenceKind::Changed],
        expect![[r#"
            column public.users.name: expected text NULL DEFAULT 'anon'::text, found character varying(50) NULL DEFAULT 'anon'::text
                DROP VIEW public.active_users;
                ALTER TABLE public.users ALTER COLUMN name DROP DEFAULT;
                ALTER TABLE public.users ALTER COLUMN name TYPE text USING name::text;
                ALTER TABLE public.users ALTER COLUMN name SET DEFAULT 'anon'::text;
                CREATE VIEW public.active_users (id, email, mood) AS
                SELECT users.id,
                    users.email,
                    users.mood
                   FROM users
                  WHERE (users.mood <> 'sad'::mood);"#]],
    );
}

#[test]
fn retyped_column_read_by_a_view() {
    inject(
        "DROP VIEW active_users; ALTER TABLE users ALTER COLUMN email TYPE text; \
         CREATE VIEW active_users AS SELECT id, email::varchar(255) AS email, mood FROM users WHERE mood <> 'sad'",
        &[DifferenceKind::Changed],
        expect![[r#"
            column public.users.email: expected character varying(255) NOT NULL, found text NOT NULL
                DROP VIEW public.active_users;
                DROP INDEX public.users_lower_email_idx;
                ALTER TABLE public.users ALTER COLUMN email TYPE character varying(255) USING email::character varying(255);
                CREATE UNIQUE INDEX users_lower_email_idx ON public.users (lower((email)::text));
                CREATE VIEW public.active_users (id, email, mood) AS
                SELECT users.id,
                    users.email,
                    users.mood
                   FROM users
                  WHERE (users.mood <> 'sad'::mood);"#]],
    );
}

#[test]
fn collation_changed() {
    inject(
        "ALTER TABLE posts ALTER COLUMN title TYPE text COLLATE \"C\"",
        &[DifferenceKind::Changed],
        expect![[r#"
            column public.posts.title: expected text NOT NULL, found text COLLATE "C" NOT NULL
                ALTER TABLE public.posts ALTER COLUMN title TYPE text COLLATE "default" USING title::text;"#]],
    );
}

#[test]
fn nullability_changed() {
    inject(
        "ALTER TABLE users ALTER COLUMN created_at DROP NOT NULL",
        &[DifferenceKind::Changed],
        expect![[r#"
            column public.users.created_at: expected timestamp with time zone NOT NULL DEFAULT now(), found timestamp with time zone NULL DEFAULT now()
                ALTER TABLE public.users ALTER COLUMN created_at SET NOT NULL;"#]],
    );
}

#[test]
fn dropped_index() {
    inject(
        "DROP INDEX users_lower_email_idx",
        &[DifferenceKind::Missing],
        expect![[r#"
            index public.users_lower_email_idx is missing (expected CREATE UNIQUE INDEX users_lower_email_idx ON public.users (lower((email)::text)))
                CREATE UNIQUE INDEX users_lower_email_idx ON public.users (lower((email)::text));"#]],
    );
}

#[test]
fn added_enum_label() {
    inject(
        "ALTER TYPE mood ADD VALUE 'meh' AFTER 'ok'",
        &[DifferenceKind::Changed],
        expect![[r#"
            enum public.mood: expected labels ('sad', 'ok', 'happy'), found ('sad', 'ok', 'meh', 'happy')
                DROP VIEW public.active_users;
                ALTER TYPE public.mood RENAME TO mood__old;
                CREATE TYPE public.mood AS ENUM ('sad', 'ok', 'happy');
                ALTER TABLE public.users ALTER COLUMN mood DROP DEFAULT;
                ALTER TABLE public.users ALTER COLUMN mood TYPE public.mood USING mood::text::public.mood;
                ALTER TABLE public.users ALTER COLUMN mood SET DEFAULT 'ok'::mood;
                DROP TYPE public.mood__old;
                CREATE VIEW public.active_users (id, email, mood) AS
                SELECT users.id,
                    users.email,
                    users.mood
                   FROM users
                  WHERE (users.mood <> 'sad'::mood);"#]],
    );
}

#[test]
fn removed_enum_label() {
    inject(
        "ALTER TYPE mood RENAME TO mood_old; CREATE TYPE mood AS ENUM ('ok', 'happy'); \
         DROP VIEW active_users; \
         ALTER TABLE users ALTER COLUMN mood DROP DEFAULT; \
         ALTER TABLE users ALTER COLUMN mood TYPE mood USING mood::text::mood; \
         ALTER TABLE users ALTER COLUMN mood SET DEFAULT 'ok'; DROP TYPE mood_old; \
         CREATE VIEW active_users AS SELECT id, email, mood FROM users WHERE mood <> 'happy'",
        &[DifferenceKind::Changed],
        expect![[r#"
            enum public.mood: expected labels ('sad', 'ok', 'happy'), found ('ok', 'happy')
                ALTER TYPE public.mood ADD VALUE 'sad' BEFORE 'ok';"#]],
    );
}

#[test]
fn changed_default() {
    inject(
        "ALTER TABLE users ALTER COLUMN name SET DEFAULT 'someone'",
        &[DifferenceKind::Changed],
        expect![[r#"
            column public.users.name: expected text NULL DEFAULT 'anon'::text, found text NULL DEFAULT 'someone'::text
                ALTER TABLE public.users ALTER COLUMN name SET DEFAULT 'anon'::text;"#]],
    );
}

#[test]
fn dropped_view() {
    inject(
        "DROP VIEW active_users",
        &[DifferenceKind::Missing],
        expect![[r#"
            view public.active_users is missing
                CREATE VIEW public.active_users (id, email, mood) AS
                SELECT users.id,
                    users.email,
                    users.mood
                   FROM users
                  WHERE (users.mood <> 'sad'::mood);"#]],
    );
}

#[test]
fn dropped_and_extra_constraints() {
    inject(
        "ALTER TABLE posts DROP CONSTRAINT posts_user_id_fkey; \
         ALTER TABLE posts ADD CONSTRAINT posts_title_check CHECK (title <> '')",
        &[DifferenceKind::Unexpected, DifferenceKind::Missing],
        expect![[r#"
            constraint posts_title_check on public.posts (CHECK ((title <> ''::text))) exists but no migration creates it
                ALTER TABLE public.posts DROP CONSTRAINT posts_title_check;
            constraint posts_user_id_fkey on public.posts is missing (expected FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE)
                ALTER TABLE public.posts ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;"#]],
    );
}

#[test]
fn extra_table_and_sequence() {
    inject(
        "CREATE TABLE audit (id serial PRIMARY KEY, at timestamptz); CREATE SEQUENCE stray",
        &[DifferenceKind::Unexpected, DifferenceKind::Unexpected],
        expect![[r#"
            table public.audit exists but no migration creates it
                DROP TABLE public.audit;
            sequence public.stray exists but no migration creates it
                DROP SEQUENCE public.stray;"#]],
    );
}

#[test]
fn the_history_table_is_not_drift() {
    let expected = expected();
    let db = TestDatabase::new("drift_history");
    let mut client = db.client();
    client.batch_execute(SCHEMA).unwrap();
    client
        .batch_execute("ALTER TABLE _migrate_history ADD COLUMN applied_at timestamptz")
        .unwrap();
    assert_eq!(
        drift::check(&mut client, &expected, &history()).unwrap(),
        Vec::new()
    );
}
