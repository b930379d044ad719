//! A query naming a column or table a migration renamed or dropped hears
//! which migration did it, at which line.

use std::path::PathBuf;

use migrate_build::analyze::describe;
use migrate_build::discover::discover;
use migrate_build::fold::fold;

/// A Prisma-layout migrations directory under the system's temporary
/// directory, removed on drop.
struct Project(PathBuf);

impl Project {
    fn with(files: &[(&str, &str)]) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "migrate-provenance-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        for (file, contents) in files {
            let path = dir.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, contents).unwrap();
        }
        Self(dir)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_renamed_or_dropped_name_says_by_which_migration() {
    let project = Project::with(&[
        (
            "20240101000000_init/migration.sql",
            "CREATE TABLE \"User\" (id bigint PRIMARY KEY, \"displayName\" text, nickname text);\nCREATE TABLE legacy (id int);\n",
        ),
        (
            "20240420000000_rename_display_name/migration.sql",
            "-- the Rust side says display_name\nALTER TABLE \"User\" RENAME COLUMN \"displayName\" TO display_name;\n\nALTER TABLE \"User\" DROP COLUMN nickname;\n",
        ),
        (
            "20240501000000_drop_legacy/migration.sql",
            "DROP TABLE legacy;\n",
        ),
    ]);
    let discovered = discover(&project.0, None).unwrap();
    let folded = fold(&discovered.migrations);
    assert!(!folded.has_errors(), "{:?}", folded.diagnostics);

    let render = |sql: &str| -> String {
        describe(&folded.schema, sql)
            .expect_err("an error")
            .iter()
            .map(|diagnostic| diagnostic.render(sql))
            .collect::<Vec<_>>()
            .join("\n")
    };
    expect_test::expect![[r#"
        error: column "displayName" does not exist
         --> 1:12
          |
        1 | SELECT id, "displayName" FROM "User"
          |            ^^^^^^^^^^^^^
          = note: renamed to "display_name" by 20240420000000_rename_display_name/migration.sql:2
          = help: did you mean "display_name"?"#]]
    .assert_eq(&render("SELECT id, \"displayName\" FROM \"User\""));
    let dropped = render("SELECT nickname FROM \"User\"");
    assert!(
        dropped.contains("= note: dropped by 20240420000000_rename_display_name/migration.sql:4"),
        "{dropped}"
    );
    let table = render("SELECT id FROM legacy");
    assert!(
        table.contains("= note: dropped by 20240501000000_drop_legacy/migration.sql:1"),
        "{table}"
    );
}

#[test]
fn a_misspelt_type_in_a_migration_gets_a_did_you_mean() {
    let project = Project::with(&[(
        "1_events.sql",
        "CREATE TABLE events (id int, happened_on datee, at timestampz);\n",
    )]);
    let discovered = discover(&project.0, None).unwrap();
    let folded = fold(&discovered.migrations);
    let errors: Vec<String> = folded
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        ["type \"datee\" does not exist (help: did you mean \"date\"?)",],
        "the fold stops at the first error of a statement"
    );
}
