//! What exists before migration 1, held against PostgreSQL: each tool's
//! bookkeeping table as the fold models it equals what the tool's DDL makes
//! on the server; the runtime creates it where the fold assumed it (so
//! underway's first migration, which copies `_sqlx_migrations`, deploys on a
//! fresh database); the assumed-objects file is folded first, never applied
//! and never reported as drift.

use migrate_build::discover::{Layout, discover};
use migrate_build::fold::{fold, fold_with};
use migrate_build::prelude::{AssumedFile, Before, Tool};
use migrate_core::{Migration, Name, PreludeKind, Schema};
use migrate_runtime::drift::compare;
use migrate_runtime::introspect::{IntrospectOptions, introspect};
use migrate_runtime::{DriftPolicy, Migrations};
use migrate_test_support::{TestDatabase, corpus_dir};

/// The fold's schema with its prelude forgotten, so that `compare` looks at
/// every object, bookkeeping tables included.
fn everything(schema: &Schema) -> Schema {
    let mut schema = schema.clone();
    schema.prelude = Default::default();
    schema
}

fn migration(path: &str, sql: &str) -> Migration {
    Migration {
        version: path.split('_').next().unwrap_or("1").to_owned(),
        name: path.to_owned(),
        path: path.to_owned(),
        up: sql.to_owned(),
        up_offset: 0,
        lines_before_up: 0,
        down: None,
        transactional: true,
        statements: Vec::new(),
        checksum: migrate_core::checksum(sql),
    }
}

fn runner_migrations(migrations: &[Migration], schema: &Schema) -> &'static Migrations {
    let snapshot = serde_json::to_string(schema).unwrap();
    Box::leak(Box::new(Migrations::leak(migrations, &snapshot)))
}

#[test]
fn each_bookkeeping_table_folds_as_postgresql_creates_it() {
    let mut checked = Vec::new();
    for tool in Tool::ALL {
        let Some(table) = tool.table() else {
            continue;
        };
        let layout = match tool {
            Tool::Flyway => Layout::Refinery,
            Tool::Sqlx => Layout::Sqlx,
            Tool::Refinery => Layout::Refinery,
            Tool::Diesel => Layout::Diesel,
            Tool::Prisma => Layout::Prisma,
            Tool::Goose => Layout::Goose,
            Tool::Dbmate => Layout::Dbmate,
            Tool::Migrate => unreachable!(),
        };
        let folded = fold_with(&Before::new(layout, Some(tool), None), &[]);
        assert!(
            folded.diagnostics.is_empty(),
            "{}: {:?}",
            tool.name(),
            folded.diagnostics
        );
        let expected = everything(&folded.schema);
        let name = Name::public(table);
        assert!(expected.relations.contains_key(&name), "{}", tool.name());
        assert!(
            folded.schema.prelude.contains(PreludeKind::Relation, &name),
            "{}: not recorded as existing before migration 1",
            tool.name()
        );

        let database = TestDatabase::new(&format!("prelude_{}", tool.name()));
        let mut client = database.client();
        // As the runtime does: the tool's table, twice (it must be harmless
        // when the tool made it already), and migrate's history table.
        client.batch_execute(tool.sql()).unwrap();
        client.batch_execute(tool.sql()).unwrap();
        client
            .batch_execute(&migrate_core::history_table_sql("public._migrate_history"))
            .unwrap();
        let actual = introspect(&mut client, &IntrospectOptions::default()).unwrap();
        assert!(actual.relations.contains_key(&name));
        let differences = compare(&expected, &actual);
        let listed: Vec<&str> = differences.iter().map(|d| d.message.as_str()).collect();
        assert!(
            differences.is_empty(),
            "{}: the fold of its bookkeeping table differs from PostgreSQL's:\n{}",
            tool.name(),
            listed.join("\n")
        );
        // And drift, which leaves what existed before migration 1 out, sees
        // nothing of it either way.
        assert!(compare(&folded.schema, &actual).is_empty());
        assert!(compare(&folded.schema, &introspect_empty()).is_empty());
        // Queries may read it: the checker types it as the server does.
        let query = format!("SELECT * FROM {table}");
        let described = migrate_build::analyze::describe(&folded.schema, &query)
            .unwrap_or_else(|errors| panic!("{}: {query}: {errors:?}", tool.name()));
        let prepared = client.prepare(&query).unwrap();
        let from_server: Vec<(String, String)> = prepared
            .columns()
            .iter()
            .map(|column| (column.name().to_owned(), column.type_().name().to_owned()))
            .collect();
        let from_checker: Vec<(String, String)> = described
            .columns
            .iter()
            .map(|column| (column.name.clone(), column.ty.udt_name().to_owned()))
            .collect();
        assert_eq!(from_checker, from_server, "{}: {query}", tool.name());
        let n_columns = expected.relations[&name].columns.len();
        checked.push(format!("{}: {table} ({n_columns} columns)", tool.name()));
    }
    println!("{}", checked.join("\n"));
    assert_eq!(checked.len(), 7);
}

fn introspect_empty() -> Schema {
    let database = TestDatabase::new("prelude_empty");
    introspect(&mut database.client(), &IntrospectOptions::default()).unwrap()
}

#[test]
fn migrations_may_use_the_bookkeeping_tables() {
    // A diesel project that puts a trigger on diesel's table, a sqlx one that
    // deletes from sqlx's: both fold only because the table is assumed.
    let diesel = migration(
        "1_trigger.sql",
        "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n\
         CREATE TRIGGER stamp BEFORE INSERT ON __diesel_schema_migrations FOR EACH ROW EXECUTE FUNCTION stamp();\n",
    );
    let folded = fold_with(
        &Before::new(Layout::Diesel, None, None),
        std::slice::from_ref(&diesel),
    );
    assert!(folded.diagnostics.is_empty(), "{:?}", folded.diagnostics);
    let bare = fold(&[diesel]);
    assert!(bare.has_errors(), "without the prelude it must not fold");
    let sqlx = migration(
        "1_forget.sql",
        "DELETE FROM _sqlx_migrations WHERE version = 1;\n",
    );
    let folded = fold_with(&Before::new(Layout::Sqlx, None, None), &[sqlx]);
    assert!(folded.diagnostics.is_empty(), "{:?}", folded.diagnostics);
}

#[test]
fn underways_first_migration_deploys_on_a_fresh_database() {
    let dir = corpus_dir().join("underway").join("migrations");
    let discovered = discover(&dir, None).unwrap();
    let folded = fold_with(
        &Before::new(discovered.layout, None, None),
        &discovered.migrations,
    );
    let errors: Vec<_> = folded.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(fold(&discovered.migrations).has_errors());

    let database = TestDatabase::new("prelude_underway");
    let mut client = database.client();
    let report = runner_migrations(&discovered.migrations, &folded.schema)
        .runner()
        .drift(DriftPolicy::Warn)
        .run(&mut client)
        .unwrap_or_else(|error| panic!("underway does not deploy: {error}"));
    println!(
        "underway: {} migrations applied, {} differences",
        report.applied.len(),
        report.drift.len()
    );
    assert_eq!(report.applied.len(), discovered.migrations.len());
    assert!(report.drift_checked);
    let listed: Vec<&str> = report.drift.iter().map(|d| d.message.as_str()).collect();
    assert!(report.drift.is_empty(), "{}", listed.join("\n"));
    // sqlx's table was created empty, underway's copy of it by migration 1.
    for table in ["public._sqlx_migrations", "underway._sqlx_migrations"] {
        let rows = client
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .unwrap()
            .get::<_, i64>(0);
        assert_eq!(rows, 0, "{table}");
    }
}

#[test]
fn a_database_where_the_tool_ran_before_keeps_its_rows() {
    // A team moving from sqlx to migrate: sqlx's table is there with its
    // rows; the runtime leaves it as it is.
    let sqlx = migration("1_users.sql", "CREATE TABLE users (id bigint);\n");
    let folded = fold_with(
        &Before::new(Layout::Sqlx, None, None),
        std::slice::from_ref(&sqlx),
    );
    let database = TestDatabase::new("prelude_kept");
    let mut client = database.client();
    client.batch_execute(Tool::Sqlx.sql()).unwrap();
    client
        .batch_execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (1, 'users', true, '\\x00', 1)",
        )
        .unwrap();
    runner_migrations(&[sqlx], &folded.schema)
        .run(&mut client)
        .unwrap();
    let rows: i64 = client
        .query_one("SELECT count(*) FROM _sqlx_migrations", &[])
        .unwrap()
        .get(0);
    assert_eq!(rows, 1);
}

const ASSUMED: &str = "CREATE SCHEMA auth;\n\
    CREATE TABLE auth.users (id uuid PRIMARY KEY, email text);\n\
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$ SELECT NULL::uuid $$;\n";

#[test]
fn the_assumed_objects_file_is_folded_first_never_applied_never_drift() {
    let profiles = migration(
        "1_profiles.sql",
        "CREATE TABLE profiles (id uuid PRIMARY KEY REFERENCES auth.users (id), name text DEFAULT auth.uid()::text);\n",
    );
    let bare = fold_with(
        &Before::new(Layout::Sqlx, None, None),
        std::slice::from_ref(&profiles),
    );
    assert!(bare.has_errors(), "without the file, auth.users is missing");
    let before = Before::new(
        Layout::Sqlx,
        None,
        Some(AssumedFile::inline("db/assumed.sql", ASSUMED)),
    );
    let folded = fold_with(&before, std::slice::from_ref(&profiles));
    assert!(folded.diagnostics.is_empty(), "{:?}", folded.diagnostics);
    let users = Name::new("auth", "users");
    assert!(folded.schema.relations.contains_key(&users));
    assert!(
        folded
            .schema
            .prelude
            .contains(PreludeKind::Relation, &users)
    );
    assert_eq!(
        folded.schema.prelude.assumed().count(),
        // schema auth, auth.users, its key's index, auth.uid()
        4,
        "{:?}",
        folded.schema.prelude.objects
    );
    let own = folded.schema.without_prelude();
    assert!(!own.relations.contains_key(&users));
    assert!(own.relations.contains_key(&Name::public("profiles")));
    let migrations = runner_migrations(std::slice::from_ref(&profiles), &folded.schema);

    // Never applied: where the other service has not made auth.users, the
    // deploy fails as PostgreSQL says.
    let empty = TestDatabase::new("prelude_assumed_missing");
    let error = migrations
        .runner()
        .drift(DriftPolicy::Off)
        .run(&mut empty.client())
        .unwrap_err();
    assert!(
        error.to_string().contains("schema \"auth\" does not exist"),
        "{error}"
    );

    // Where it has (with a column more than the file states), the deploy
    // goes through and the drift check says nothing of auth.
    let database = TestDatabase::new("prelude_assumed");
    let mut client = database.client();
    client.batch_execute(ASSUMED).unwrap();
    client
        .batch_execute("ALTER TABLE auth.users ADD COLUMN phone text")
        .unwrap();
    let report = migrations
        .runner()
        .drift(DriftPolicy::Fail)
        .run(&mut client)
        .unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(report.applied.len(), 1);
    assert!(report.drift_checked && report.drift.is_empty());
    let n_users_columns: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n_users_columns, 3, "the runtime changed auth.users");
    // A difference in what the migrations made is still found.
    client
        .batch_execute("ALTER TABLE profiles ADD COLUMN extra int")
        .unwrap();
    let actual = introspect(&mut client, &IntrospectOptions::default()).unwrap();
    let differences = compare(&folded.schema, &actual);
    assert_eq!(differences.len(), 1, "{differences:?}");
    assert!(differences[0].object.contains("profiles"));
}
