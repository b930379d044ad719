//! `discover` on small directories written by each test: every layout, and
//! every error as the user reads it.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use expect_test::{Expect, expect};
use migrate_build::discover::{Discovered, Layout, discover};
use migrate_test_support::TempDir;

fn render(discovered: &Discovered) -> String {
    let mut out = format!("layout: {}\n", discovered.layout);
    if !discovered.ignored.is_empty() {
        writeln!(out, "ignored: {}", discovered.ignored.join(", ")).unwrap();
    }
    for migration in &discovered.migrations {
        writeln!(
            out,
            "{} {:?} {} {}offset={}",
            migration.version,
            migration.name,
            migration.path,
            if migration.transactional {
                ""
            } else {
                "NO TRANSACTION "
            },
            migration.up_offset,
        )
        .unwrap();
        writeln!(out, "  up: {:?}", migration.up).unwrap();
        if let Some(down) = &migration.down {
            writeln!(out, "  down: {down:?}").unwrap();
        }
        for statement in &migration.statements {
            writeln!(out, "  statement: {statement:?}").unwrap();
        }
    }
    out
}

fn check(files: &[(&str, &str)], layout: Option<Layout>, expect: Expect) {
    let dir = TempDir::with(files);
    let discovered = discover(dir.path(), layout).unwrap_or_else(|error| panic!("{error}"));
    // `up` is where the file says it is (a file's own BEGIN and COMMIT
    // blanked out), and the checksum is the file's.
    for migration in &discovered.migrations {
        let file = fs::read_to_string(dir.path().join(&migration.path)).expect("readable");
        let in_file = &file[migration.up_offset..migration.up_offset + migration.up.len()];
        assert_eq!(migration.checksum, migrate_core::checksum(in_file));
        assert_eq!(
            migration.lines_before_up,
            file[..migration.up_offset].matches('\n').count()
        );
        assert!(
            in_file
                .bytes()
                .zip(migration.up.bytes())
                .all(|(file_byte, up_byte)| file_byte == up_byte
                    || (up_byte == b' ' && file_byte != b'\n')),
            "{in_file:?} became {:?}",
            migration.up
        );
    }
    expect.assert_eq(&render(&discovered));
}

/// The error as the user reads it, with the temporary directory as `$DIR`.
fn error_text(dir: &Path, layout: Option<Layout>) -> String {
    match discover(dir, layout) {
        Ok(discovered) => panic!("expected an error, got {}", render(&discovered)),
        Err(error) => {
            let text = error.to_string();
            assert_eq!(format!("{error:?}"), text, "Debug reads as Display");
            text.replace(&dir.display().to_string(), "$DIR")
        }
    }
}

fn check_error(files: &[(&str, &str)], layout: Option<Layout>, expect: Expect) {
    let dir = TempDir::with(files);
    expect.assert_eq(&error_text(dir.path(), layout));
}

#[test]
fn sqlx_orders_numerically_and_pairs_up_with_down() {
    check(
        &[
            ("10_later.sql", "SELECT 10;"),
            ("9_earlier.sql", "SELECT 9;"),
            ("1_init.up.sql", "CREATE TABLE a (id int);"),
            ("1_init.down.sql", "DROP TABLE a;"),
            (
                "20_index.sql",
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);\nANALYZE a;",
            ),
            ("README.md", "# migrations"),
            (".gitkeep", ""),
        ],
        None,
        expect![[r#"
            layout: sqlx
            ignored: README.md
            1 "init" 1_init.up.sql offset=0
              up: "CREATE TABLE a (id int);"
              down: "DROP TABLE a;"
            9 "earlier" 9_earlier.sql offset=0
              up: "SELECT 9;"
            10 "later" 10_later.sql offset=0
              up: "SELECT 10;"
            20 "index" 20_index.sql NO TRANSACTION offset=0
              up: "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);\nANALYZE a;"
              statement: "CREATE INDEX CONCURRENTLY i ON a (id)"
              statement: "ANALYZE a"
        "#]],
    );
}

#[test]
fn sqlx_directive_alone_makes_a_migration_non_transactional() {
    check(
        &[
            ("1_vacuum.sql", "-- no-transaction\nSELECT 1; SELECT 2;"),
            ("2_plain.sql", "SELECT 1; -- no-transaction\n"),
        ],
        None,
        expect![[r#"
            layout: sqlx
            1 "vacuum" 1_vacuum.sql NO TRANSACTION offset=0
              up: "-- no-transaction\nSELECT 1; SELECT 2;"
              statement: "SELECT 1"
              statement: "SELECT 2"
            2 "plain" 2_plain.sql offset=0
              up: "SELECT 1; -- no-transaction\n"
        "#]],
    );
}

#[test]
fn statements_refused_in_a_transaction_and_own_transactions_are_detected() {
    check(
        &[
            ("1_index.sql", "CREATE INDEX CONCURRENTLY i ON t (a);"),
            ("2_own.sql", "BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\n"),
            (
                "4_own_after_statements.sql",
                "UPDATE t SET a = 0;\nstart transaction;\nUPDATE t SET a = 1;\nEND;\n",
            ),
            // Other shapes run statement by statement, as the file says.
            (
                "5_own_then_more.sql",
                "BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\nUPDATE t SET a = 2;\n",
            ),
            (
                "6_own_rollback.sql",
                "BEGIN;\nUPDATE t SET a = 1;\nROLLBACK;\n",
            ),
            (
                "7_own_isolation.sql",
                "BEGIN ISOLATION LEVEL SERIALIZABLE;\nUPDATE t SET a = 1;\nCOMMIT;\n",
            ),
            (
                "8_own_concurrently.sql",
                "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;\n",
            ),
            (
                "3_function.sql",
                "CREATE FUNCTION f() RETURNS void AS $$ BEGIN VACUUM; END $$ LANGUAGE plpgsql;",
            ),
        ],
        None,
        expect![[r#"
            layout: sqlx
            1 "index" 1_index.sql NO TRANSACTION offset=0
              up: "CREATE INDEX CONCURRENTLY i ON t (a);"
              statement: "CREATE INDEX CONCURRENTLY i ON t (a)"
            2 "own" 2_own.sql offset=0
              up: "     ;\nUPDATE t SET a = 1;\n      ;\n"
            3 "function" 3_function.sql offset=0
              up: "CREATE FUNCTION f() RETURNS void AS $$ BEGIN VACUUM; END $$ LANGUAGE plpgsql;"
            4 "own_after_statements" 4_own_after_statements.sql offset=0
              up: "UPDATE t SET a = 0;\n                 ;\nUPDATE t SET a = 1;\n   ;\n"
            5 "own_then_more" 5_own_then_more.sql NO TRANSACTION offset=0
              up: "BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\nUPDATE t SET a = 2;\n"
              statement: "BEGIN"
              statement: "UPDATE t SET a = 1"
              statement: "COMMIT"
              statement: "UPDATE t SET a = 2"
            6 "own_rollback" 6_own_rollback.sql NO TRANSACTION offset=0
              up: "BEGIN;\nUPDATE t SET a = 1;\nROLLBACK;\n"
              statement: "BEGIN"
              statement: "UPDATE t SET a = 1"
              statement: "ROLLBACK"
            7 "own_isolation" 7_own_isolation.sql NO TRANSACTION offset=0
              up: "BEGIN ISOLATION LEVEL SERIALIZABLE;\nUPDATE t SET a = 1;\nCOMMIT;\n"
              statement: "BEGIN ISOLATION LEVEL SERIALIZABLE"
              statement: "UPDATE t SET a = 1"
              statement: "COMMIT"
            8 "own_concurrently" 8_own_concurrently.sql NO TRANSACTION offset=0
              up: "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;\n"
              statement: "BEGIN"
              statement: "CREATE INDEX CONCURRENTLY i ON t (a)"
              statement: "COMMIT"
        "#]],
    );
}

#[test]
fn byte_order_mark_is_not_part_of_the_sql() {
    check(
        &[("1_bom.sql", "\u{feff}SELECT 1;\r\n")],
        None,
        expect![[r#"
            layout: sqlx
            1 "bom" 1_bom.sql offset=3
              up: "SELECT 1;\r\n"
        "#]],
    );
}

#[test]
fn flyway_orders_version_segments_numerically() {
    check(
        &[
            ("V1_10__tenth.sql", "SELECT 110;"),
            ("V1_9__ninth.sql", "SELECT 19;"),
            ("V1__first.sql", "SELECT 1;"),
            ("V1.9.1__patch.sql", "SELECT 191;"),
            ("U2__unversioned.sql", "SELECT 2;"),
            ("V10__ten.sql", "SELECT 10;"),
            ("V11__vacuum.sql", "SELECT 11;"),
            (
                "V11__vacuum.sql.conf",
                "# Flyway script configuration\nexecuteInTransaction = false\n",
            ),
        ],
        None,
        expect![[r#"
            layout: refinery
            1 "first" V1__first.sql offset=0
              up: "SELECT 1;"
            1_9 "ninth" V1_9__ninth.sql offset=0
              up: "SELECT 19;"
            1.9.1 "patch" V1.9.1__patch.sql offset=0
              up: "SELECT 191;"
            1_10 "tenth" V1_10__tenth.sql offset=0
              up: "SELECT 110;"
            2 "unversioned" U2__unversioned.sql offset=0
              up: "SELECT 2;"
            10 "ten" V10__ten.sql offset=0
              up: "SELECT 10;"
            11 "vacuum" V11__vacuum.sql NO TRANSACTION offset=0
              up: "SELECT 11;"
              statement: "SELECT 11"
        "#]],
    );
}

#[test]
fn diesel_directories_with_metadata() {
    check(
        &[
            ("00000000000000_diesel_initial_setup/up.sql", "SELECT 0;"),
            ("00000000000000_diesel_initial_setup/down.sql", "SELECT -0;"),
            (
                "2024-02-12-120203_add_index/up.sql",
                "CREATE INDEX CONCURRENTLY i ON t (a);",
            ),
            (
                "2024-02-12-120203_add_index/down.sql",
                "DROP INDEX CONCURRENTLY i;",
            ),
            (
                "2024-02-12-120203_add_index/metadata.toml",
                "run_in_transaction = false\n",
            ),
            ("20140924113530_first/up.sql", "CREATE TABLE t (a int);"),
            ("2026-07-30-140000-0000_no_down/up.sql", "SELECT 1;"),
            (
                "2026-07-30-140000-0000_no_down/metadata.toml",
                "# nothing\n",
            ),
            ("data_oauth_github.sql", "INSERT INTO t VALUES (1);"),
            ("README.md", "# migrations"),
        ],
        None,
        expect![[r#"
            layout: diesel
            ignored: README.md, data_oauth_github.sql
            00000000000000 "diesel_initial_setup" 00000000000000_diesel_initial_setup/up.sql offset=0
              up: "SELECT 0;"
              down: "SELECT -0;"
            20140924113530 "first" 20140924113530_first/up.sql offset=0
              up: "CREATE TABLE t (a int);"
            2024-02-12-120203 "add_index" 2024-02-12-120203_add_index/up.sql NO TRANSACTION offset=0
              up: "CREATE INDEX CONCURRENTLY i ON t (a);"
              down: "DROP INDEX CONCURRENTLY i;"
              statement: "CREATE INDEX CONCURRENTLY i ON t (a)"
            2026-07-30-140000-0000 "no_down" 2026-07-30-140000-0000_no_down/up.sql offset=0
              up: "SELECT 1;"
        "#]],
    );
}

#[test]
fn diesel_metadata_alone_makes_a_migration_non_transactional() {
    check(
        &[
            ("1_a/up.sql", "SELECT 1;"),
            ("1_a/metadata.toml", "run_in_transaction = false"),
        ],
        None,
        expect![[r#"
            layout: diesel
            1 "a" 1_a/up.sql NO TRANSACTION offset=0
              up: "SELECT 1;"
              statement: "SELECT 1"
        "#]],
    );
}

#[test]
fn prisma_directories_in_name_order_with_equal_timestamps() {
    check(
        &[
            ("migration_lock.toml", "provider = \"postgresql\"\n"),
            ("20260228000000_draft/migration.sql", "SELECT 2;"),
            ("20260228000000_add_values/migration.sql", "SELECT 1;"),
            (
                "20230730073019_init/migration.sql",
                "CREATE TABLE \"User\" (id text);",
            ),
        ],
        None,
        expect![[r#"
            layout: prisma
            ignored: migration_lock.toml
            20230730073019_init "init" 20230730073019_init/migration.sql offset=0
              up: "CREATE TABLE \"User\" (id text);"
            20260228000000_add_values "add_values" 20260228000000_add_values/migration.sql offset=0
              up: "SELECT 1;"
            20260228000000_draft "draft" 20260228000000_draft/migration.sql offset=0
              up: "SELECT 2;"
        "#]],
    );
}

#[test]
fn goose_sections_blocks_and_no_transaction() {
    check(
        &[
            (
                "20240115180414_init.sql",
                "-- +goose Up\nCREATE TABLE a (id int);\n\n-- +goose Down\nDROP TABLE a;\n",
            ),
            (
                "20240122014727_function.sql",
                "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS 'SELECT 1; SELECT 2;' LANGUAGE sql;\n-- +goose StatementEnd\n",
            ),
            (
                "3_index.sql",
                "-- +goose no transaction\n-- +goose up\nCREATE INDEX CONCURRENTLY i ON a (id);\nCREATE INDEX CONCURRENTLY j ON a (id);\n-- +goose down\nDROP INDEX i;\n",
            ),
            ("20251226153622_v1_0_66.go", "package migrations"),
        ],
        None,
        expect![[r#"
            layout: goose
            ignored: 20251226153622_v1_0_66.go
            3 "index" 3_index.sql NO TRANSACTION offset=38
              up: "CREATE INDEX CONCURRENTLY i ON a (id);\nCREATE INDEX CONCURRENTLY j ON a (id);\n"
              down: "DROP INDEX i;\n"
              statement: "CREATE INDEX CONCURRENTLY i ON a (id)"
              statement: "CREATE INDEX CONCURRENTLY j ON a (id)"
            20240115180414 "init" 20240115180414_init.sql offset=13
              up: "CREATE TABLE a (id int);\n\n"
              down: "DROP TABLE a;\n"
            20240122014727 "function" 20240122014727_function.sql offset=13
              up: "-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS 'SELECT 1; SELECT 2;' LANGUAGE sql;\n-- +goose StatementEnd\n"
        "#]],
    );
}

#[test]
fn dbmate_sections_and_transaction_option() {
    check(
        &[
            (
                "20200101000000_create.sql",
                "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n",
            ),
            (
                "20200102000000_index.sql",
                "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- migrate:down\n",
            ),
            (
                "20200103000000_comments_first.sql",
                "-- a header\n/* more */\n-- migrate:up\nSELECT 'up';\n",
            ),
        ],
        None,
        expect![[r#"
            layout: dbmate
            20200101000000 "create" 20200101000000_create.sql offset=14
              up: "CREATE TABLE a (id int);\n\n"
              down: "DROP TABLE a;\n"
            20200102000000 "index" 20200102000000_index.sql NO TRANSACTION offset=32
              up: "CREATE INDEX CONCURRENTLY i ON a (id);\n"
              down: ""
              statement: "CREATE INDEX CONCURRENTLY i ON a (id)"
            20200103000000 "comments_first" 20200103000000_comments_first.sql offset=37
              up: "SELECT 'up';\n"
        "#]],
    );
}

#[test]
fn a_named_layout_is_followed() {
    // Without the name these files would be read as goose's: with it, the
    // whole file is sqlx's up migration.
    check(
        &[("1_a.sql", "-- +goose Up\nSELECT 1;\n")],
        Some(Layout::Sqlx),
        expect![[r#"
            layout: sqlx
            1 "a" 1_a.sql offset=0
              up: "-- +goose Up\nSELECT 1;\n"
        "#]],
    );
}

#[test]
fn layouts_parse_from_their_tool_names() {
    let names = [
        "sqlx", "plain", "refinery", "Flyway", "diesel", "prisma", "goose", "DBMATE",
    ];
    let parsed: Vec<String> = names
        .iter()
        .map(|name| {
            name.parse::<Layout>()
                .map(|layout| layout.to_string())
                .unwrap()
        })
        .collect();
    assert_eq!(
        parsed,
        [
            "sqlx", "sqlx", "refinery", "refinery", "diesel", "prisma", "goose", "dbmate"
        ]
    );
    for layout in Layout::ALL {
        assert_eq!(layout.name().parse::<Layout>().unwrap(), layout);
    }
    expect![[r#"unknown migrations layout `liquibase`: expected one of sqlx, refinery, flyway, diesel, prisma, goose, dbmate"#]]
        .assert_eq(&"liquibase".parse::<Layout>().unwrap_err().to_string());
}

#[test]
fn error_missing_directory() {
    let dir = TempDir::new();
    let error = discover(&dir.path().join("missing"), None).unwrap_err();
    expect![[r#"migrations directory $DIR/missing does not exist"#]].assert_eq(
        &error
            .to_string()
            .replace(&dir.path().display().to_string(), "$DIR"),
    );
}

#[test]
fn error_empty_directory() {
    check_error(
        &[("README.md", "# none yet")],
        None,
        expect![[r#"no migrations in $DIR"#]],
    );
    // A named layout with nothing of its kind.
    check_error(
        &[("README.md", "# none yet")],
        Some(Layout::Diesel),
        expect![[r#"no migrations in $DIR"#]],
    );
}

#[test]
fn error_duplicate_versions() {
    check_error(
        &[("1_a.sql", "SELECT 1;"), ("01_b.sql", "SELECT 1;")],
        None,
        expect![[r#"two migrations have version 1: $DIR/01_b.sql and $DIR/1_a.sql"#]],
    );
    check_error(
        &[("1_a.up.sql", "SELECT 1;"), ("1_a.sql", "SELECT 1;")],
        None,
        expect![[r#"two migrations have version 1: $DIR/1_a.sql and $DIR/1_a.up.sql"#]],
    );
    check_error(
        &[("V1__a.sql", "SELECT 1;"), ("V1.0__b.sql", "SELECT 1;")],
        None,
        expect![[r#"two migrations have version 1: $DIR/V1.0__b.sql and $DIR/V1__a.sql"#]],
    );
    check_error(
        &[("1_a/up.sql", "SELECT 1;"), ("1_b/up.sql", "SELECT 1;")],
        None,
        expect![[r#"two migrations have version 1: $DIR/1_a and $DIR/1_b"#]],
    );
    check_error(
        &[
            ("2_a.sql", "-- +goose Up\nSELECT 1;"),
            ("002_b.sql", "-- +goose Up\nSELECT 1;"),
        ],
        None,
        expect![[r#"two migrations have version 2: $DIR/002_b.sql and $DIR/2_a.sql"#]],
    );
    check_error(
        &[
            ("2_a.sql", "-- migrate:up\nSELECT 1;"),
            ("2_b.sql", "-- migrate:up\nSELECT 1;"),
        ],
        None,
        expect![[r#"two migrations have version 2: $DIR/2_a.sql and $DIR/2_b.sql"#]],
    );
}

#[test]
fn error_unreadable_file() {
    let dir = TempDir::with(&[("1_a.sql", "SELECT 1;")]);
    dir.write("2_latin1.sql", b"COMMENT ON TABLE t IS 'caf\xe9';");
    expect![[r#"cannot read $DIR/2_latin1.sql: stream did not contain valid UTF-8"#]]
        .assert_eq(&error_text(dir.path(), None));
}

#[test]
fn error_name_fits_no_layout() {
    check_error(
        &[("1_a.sql", "SELECT 1;"), ("create_users.sql", "SELECT 1;")],
        None,
        expect![[
            r#"$DIR/create_users.sql does not fit the sqlx layout (detected from 1_a.sql): expected files named <version>_<name>.sql, or <version>_<name>.up.sql with <version>_<name>.down.sql"#
        ]],
    );
    check_error(
        &[("V1__a.sql", "SELECT 1;"), ("V1_a.sql", "SELECT 1;")],
        None,
        expect![[
            r#"$DIR/V1_a.sql does not fit the refinery layout (detected from V1__a.sql): expected files named V<version>__<name>.sql (or refinery's U<version>__<name>.sql), the version made of numbers separated by '.' or '_'"#
        ]],
    );
    check_error(
        &[
            ("1_a/up.sql", "SELECT 1;"),
            ("seeds/users.sql", "SELECT 1;"),
        ],
        None,
        expect![[
            r#"$DIR/seeds does not fit the diesel layout (detected from 1_a): expected directories named <version>_<name> holding up.sql (and down.sql, metadata.toml)"#
        ]],
    );
    check_error(
        &[("1_a.sql", "SELECT 1;"), ("seeds/users.sql", "SELECT 1;")],
        None,
        expect![[
            r#"$DIR/seeds does not fit the sqlx layout (detected from 1_a.sql): expected files named <version>_<name>.sql, or <version>_<name>.up.sql with <version>_<name>.down.sql"#
        ]],
    );
    check_error(
        &[("1_a.sql", "SELECT 1;")],
        Some(Layout::Refinery),
        expect![[
            r#"$DIR/1_a.sql does not fit the refinery layout (as configured): expected files named V<version>__<name>.sql (or refinery's U<version>__<name>.sql), the version made of numbers separated by '.' or '_'"#
        ]],
    );
    check_error(
        &[("create_users.sql", "SELECT 1;")],
        None,
        expect![[
            r#"$DIR/create_users.sql fits no migrations layout: expected sqlx (files named <version>_<name>.sql, or <version>_<name>.up.sql with <version>_<name>.down.sql); refinery (files named V<version>__<name>.sql (or refinery's U<version>__<name>.sql), the version made of numbers separated by '.' or '_'); diesel (directories named <version>_<name> holding up.sql (and down.sql, metadata.toml)); prisma (directories named <timestamp>_<name> holding migration.sql); goose (files named <version>_<name>.sql with a `-- +goose Up` line); dbmate (files named <version>_<name>.sql with a `-- migrate:up` line)"#
        ]],
    );
}

#[test]
fn error_mixed_layouts() {
    check_error(
        &[("V1__a.sql", "SELECT 1;"), ("2_b.sql", "SELECT 1;")],
        None,
        expect![[
            r#"$DIR mixes two migrations layouts: sqlx (2_b.sql) and refinery (V1__a.sql); keep one layout per directory, or name the layout to use"#
        ]],
    );
    check_error(
        &[
            ("1_a/up.sql", "SELECT 1;"),
            ("2_b/migration.sql", "SELECT 1;"),
        ],
        None,
        expect![[
            r#"$DIR mixes two migrations layouts: diesel (1_a) and prisma (2_b); keep one layout per directory, or name the layout to use"#
        ]],
    );
    check_error(
        &[
            ("1_a.sql", "-- +goose Up\nSELECT 1;"),
            ("2_b.sql", "-- migrate:up\nSELECT 1;"),
        ],
        None,
        expect![[
            r#"$DIR mixes two migrations layouts: goose (1_a.sql) and dbmate (2_b.sql); keep one layout per directory, or name the layout to use"#
        ]],
    );
}

#[test]
fn error_flyway_repeatable() {
    check_error(
        &[
            ("V1__a.sql", "SELECT 1;"),
            ("R__views.sql", "CREATE VIEW v AS SELECT 1;"),
        ],
        None,
        expect![[
            r#"$DIR/R__views.sql is a Flyway repeatable migration, which migrate does not support: migrations are applied once each, in version order; give it a version (V<version>__<name>.sql) or apply it another way"#
        ]],
    );
}

#[test]
fn error_sections_missing_or_repeated() {
    check_error(
        &[
            ("1_a.sql", "-- +goose Up\nSELECT 1;"),
            ("2_b.sql", "SELECT 2;"),
        ],
        None,
        expect![[r#"$DIR/2_b.sql has no `-- +goose Up` line: goose would apply nothing from it"#]],
    );
    check_error(
        &[(
            "1_a.sql",
            "-- +goose Up\nSELECT 1;\n-- +goose Up\nSELECT 2;",
        )],
        None,
        expect![[r#"$DIR/1_a.sql:3: a second `-- +goose Up` line: a file holds one up section"#]],
    );
    check_error(
        &[
            ("1_a.sql", "-- migrate:up\nSELECT 1;"),
            ("2_b.sql", "-- migrate:down\nSELECT 2;"),
        ],
        None,
        expect![[
            r#"$DIR/2_b.sql has no `-- migrate:up` line: dbmate would apply nothing from it"#
        ]],
    );
    check_error(
        &[("1_a.sql", "SET search_path = app;\n-- +goose Up\nSELECT 1;")],
        None,
        expect![
            "$DIR/1_a.sql:1: SQL before the `-- +goose Up` line, which goose does not apply: move it into the up section"
        ],
    );
    check_error(
        &[(
            "1_a.sql",
            "-- migrate:down\nSELECT 0;\n-- migrate:up\nSELECT 1;",
        )],
        None,
        expect![
            "$DIR/1_a.sql: `-- migrate:down` comes before `-- migrate:up`; dbmate requires the up section first"
        ],
    );
    check_error(
        &[("0_a.sql", "-- +goose Up\nSELECT 1;")],
        None,
        expect![[r#"$DIR/0_a.sql: goose versions start at 1"#]],
    );
}

#[test]
fn error_down_without_up() {
    check_error(
        &[("1_a.up.sql", "SELECT 1;"), ("2_b.down.sql", "SELECT 2;")],
        None,
        expect![[
            r#"$DIR/2_b.down.sql is a down migration without its up migration: expected 2_b.up.sql next to it"#
        ]],
    );
}

#[test]
fn error_invalid_diesel_metadata() {
    check_error(
        &[
            ("1_a/up.sql", "SELECT 1;"),
            ("1_a/metadata.toml", "run_in_transaction = \"no\"\n"),
        ],
        None,
        expect![[
            r#"$DIR/1_a/metadata.toml: invalid metadata.toml: invalid type: string "no", expected a boolean"#
        ]],
    );
}

/// The error `discover` gives for `dir`, with the directory's path replaced
/// by `<dir>`.
fn discover_error(dir: &TempDir) -> String {
    let error = discover(dir.path(), None).expect_err("discovery should refuse the directory");
    error
        .to_string()
        .replace(&dir.path().display().to_string(), "<dir>")
}

/// A FIFO named like a migration is refused before it is opened: opening it
/// would wait for a writer that never comes.
#[cfg(unix)]
#[test]
fn a_fifo_named_like_a_migration_is_an_error_not_a_wait() {
    let dir = TempDir::with(&[("1_a.sql", "CREATE TABLE a (id int);")]);
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("2_b.sql"))
        .status()
        .expect("run mkfifo");
    assert!(status.success());
    expect![[r#"<dir>/2_b.sql is a FIFO: SQL is read only from regular files (or symbolic links to them)"#]]
        .assert_eq(&discover_error(&dir));
}

/// A symbolic link to `/dev/zero` would be read without end.
#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_an_error_not_an_endless_read() {
    let dir = TempDir::with(&[("1_a.sql", "CREATE TABLE a (id int);")]);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("2_b.sql")).expect("symlink");
    expect![[r#"<dir>/2_b.sql is a character device: SQL is read only from regular files (or symbolic links to them)"#]]
        .assert_eq(&discover_error(&dir));
}

/// A symbolic link to a regular file is read, as the tools read it.
#[cfg(unix)]
#[test]
fn a_link_to_a_regular_file_is_read() {
    let dir = TempDir::with(&[("1_a.sql", "CREATE TABLE a (id int);")]);
    let shared = TempDir::with(&[("b.sql", "CREATE TABLE b (id int);")]);
    std::os::unix::fs::symlink(shared.path().join("b.sql"), dir.path().join("2_b.sql"))
        .expect("symlink");
    let discovered = discover(dir.path(), None).expect("discover");
    let ups: Vec<&str> = discovered
        .migrations
        .iter()
        .map(|m| m.up.as_str())
        .collect();
    assert_eq!(
        ups,
        ["CREATE TABLE a (id int);", "CREATE TABLE b (id int);"]
    );
}

/// A migration past the documented limit is refused by its size, before
/// it is read (the file is sparse: nothing is written to disk).
#[test]
fn a_migration_larger_than_the_limit_is_refused_by_its_size() {
    let dir = TempDir::with(&[("1_a.sql", "CREATE TABLE a (id int);")]);
    let file = fs::File::create(dir.path().join("2_big.sql")).expect("create");
    file.set_len(migrate_build::discover::MAX_FILE_BYTES + 1)
        .expect("set length");
    expect![[r#"<dir>/2_big.sql is 67108865 bytes, more than the 67108864 bytes (64 MiB) migrate reads from one SQL file"#]]
        .assert_eq(&discover_error(&dir));
}
