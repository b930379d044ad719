//! `EXECUTE` in `DO` blocks against PostgreSQL itself: the fold of SQL that
//! a block builds from what it knows before it runs (constant strings,
//! `||`, `format()` with `%I`, `%s`, `%L`, positions and widths, variables
//! assigned only literals, `quote_ident` and friends, loops over constant
//! ranges and arrays) equals what the
//! server holds after running the same blocks; and where the server
//! rejects a block when it runs it, the fold fails with the same words.

use migrate_build::fold::fold_sql;
use migrate_build::render::columns_tsv;
use migrate_test_support::{TestDatabase, tsv_unquoted};

const MIGRATION: &str = r#"
CREATE TABLE accounts (id int PRIMARY KEY);
DO $$
BEGIN
    EXECUTE 'CREATE TABLE audit (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY)';
    EXECUTE 'ALTER TABLE audit ADD COLUMN note text; ALTER TABLE audit ADD COLUMN seen boolean NOT NULL DEFAULT false';
END $$;
DO $$
DECLARE
    admin_name text;
    owner_column text := 'Owner';
    suffix text := 'at';
    kind text;
    target text;
BEGIN
    SELECT 'somebody' INTO admin_name;
    admin_name := coalesce(admin_name, 'admin');
    -- A value from run time in a value position, dropped right after (the
    -- shape of defguard's audit columns).
    EXECUTE format(
        'ALTER TABLE accounts
            ADD COLUMN modified_at timestamp without time zone NOT NULL DEFAULT CURRENT_TIMESTAMP,
            ADD COLUMN modified_by text NOT NULL DEFAULT %L',
        admin_name
    );
    EXECUTE 'ALTER TABLE accounts ALTER COLUMN modified_by DROP DEFAULT';
    -- Names quoted as quote_ident quotes them, positions, widths, %%.
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I text DEFAULT %L', 'accounts', owner_column, 'it''s');
    EXECUTE format('ALTER TABLE %1$I ADD COLUMN %2$I int, ADD COLUMN %3$s%4$s int', 'accounts', 'select', 'n', 2);
    EXECUTE format('ALTER TABLE accounts ADD COLUMN %-8s varchar(%s) CHECK (code LIKE %L)', 'code', 12, 'A%%');
    EXECUTE format('ALTER TABLE accounts ADD COLUMN created_%s timestamptz DEFAULT %L', suffix, 'epoch');
    suffix := 'on';
    EXECUTE 'ALTER TABLE accounts ADD COLUMN updated_' || suffix || ' date';
    EXECUTE 'ALTER TABLE accounts ADD COLUMN ' || quote_ident('Mixed Case') || ' int DEFAULT ' || quote_literal(7);
    EXECUTE concat('ALTER TABLE accounts ADD COLUMN ', 'level', NULL, ' smallint DEFAULT ', quote_nullable(NULL));
    -- Guards the fold evaluates against its own schema.
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'level') THEN
        EXECUTE 'ALTER TABLE accounts ADD COLUMN never int';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'account_kind') THEN
        EXECUTE format('CREATE TYPE %I AS ENUM (%L, %L)', 'account_kind', 'personal', 'team');
    END IF;
    kind := 'account_kind';
    EXECUTE format('ALTER TABLE accounts ADD COLUMN kind %s NOT NULL DEFAULT %L', kind, 'team');
    EXECUTE format('CREATE TABLE %I.%I (LIKE %I INCLUDING DEFAULTS)', 'public', 'Accounts Copy', 'accounts');
    -- Loops over values known before the block runs.
    FOREACH target IN ARRAY ARRAY['audit', 'Accounts Copy'] LOOP
        FOR i IN 1..5 BY 2 LOOP
            EXECUTE format('ALTER TABLE %I ADD COLUMN extra_%s int', target, i);
        END LOOP;
    END LOOP;
END $$;
"#;

/// information_schema.columns as psql prints it.
fn postgres_rows(db: &TestDatabase) -> Vec<String> {
    db.client()
        .batch_execute(MIGRATION)
        .expect("PostgreSQL runs the migration");
    db.information_schema_columns()
}

/// The fold's rows with the CSV quoting of `columns_tsv` undone.
fn fold_rows() -> Vec<String> {
    let folded = fold_sql(MIGRATION);
    assert!(
        folded.diagnostics.is_empty(),
        "every EXECUTE is folded, none warned about: {:#?}",
        folded.diagnostics
    );
    tsv_unquoted(&columns_tsv(&folded.schema))
}

#[test]
fn folded_execute_equals_what_postgres_holds() {
    let db = TestDatabase::new("execute_fold");
    let expected = postgres_rows(&db);
    let actual = fold_rows();
    assert_eq!(
        expected.join("\n"),
        actual.join("\n"),
        "postgres (left) and the fold (right) differ"
    );
    // The constraint the CHECK made, and the enum, under the same names.
    let mut client = db.client();
    let row = client
        .query_one(
            "SELECT (SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint
                     WHERE conrelid = 'accounts'::regclass),
                    (SELECT string_agg(enumlabel, ',' ORDER BY enumsortorder) FROM pg_enum
                     WHERE enumtypid = 'account_kind'::regtype)",
            &[],
        )
        .expect("catalog");
    let folded = fold_sql(MIGRATION).schema;
    let accounts = &folded.relations[&migrate_core::Name::public("accounts")];
    let mut constraints: Vec<&str> = accounts
        .constraints
        .iter()
        .map(|constraint| constraint.name.as_str())
        .collect();
    constraints.sort_unstable();
    assert_eq!(row.get::<_, String>(0), constraints.join(","));
    let labels = match &folded.types[&migrate_core::Name::public("account_kind")].kind {
        migrate_core::UserTypeKind::Enum { labels } => labels.join(","),
        other => panic!("account_kind folded as {other:?}"),
    };
    assert_eq!(row.get::<_, String>(1), labels);
}

#[test]
fn blocks_postgres_rejects_when_it_runs_them_fail_the_fold_in_its_words() {
    let db = TestDatabase::new("execute_rejects");
    let mut client = db.client();
    let setup = "CREATE TABLE t (id int);";
    client.batch_execute(setup).expect("setup");
    let blocks = [
        "DO $$ BEGIN EXECUTE 'ALTER TABEL t ADD COLUMN a int'; END $$;",
        "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN b int NOT NUL', 't'); END $$;",
        "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN id int', 't'); END $$;",
        "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN %s int', 't'); END $$;",
        "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN c %d', 't', 1); END $$;",
        "DO $$ DECLARE name text; BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN c int', name); END $$;",
        "DO $$ DECLARE q text; BEGIN EXECUTE q; END $$;",
        "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN d int' || NULL; END $$;",
        "DO $$ BEGIN EXECUTE format('ALTER TABLE %I ADD COLUMN e int', 'T'); END $$;",
    ];
    let mut disagreements = Vec::new();
    for block in blocks {
        let postgres = match client.batch_execute(block) {
            Ok(()) => "accepted".to_owned(),
            Err(error) => error
                .as_db_error()
                .map_or_else(|| error.to_string(), |db| db.message().to_owned()),
        };
        let folded = fold_sql(&format!("{setup}\n{block}"));
        let fold = folded
            .diagnostics
            .iter()
            .find(|diagnostic| diagnostic.is_error())
            .map_or_else(|| "accepted".to_owned(), |error| error.message.clone());
        if postgres != fold {
            disagreements.push(format!(
                "{block}\n  postgres: {postgres}\n  fold:     {fold}"
            ));
        }
        assert_ne!(
            postgres, "accepted",
            "{block}: the case must be one PostgreSQL rejects"
        );
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
