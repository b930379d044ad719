//! The query macros as users meet them: every failing case in
//! `tests/ui/<category>/` has its compiler output committed next to it
//! (`.stderr`, re-bless with `TRYBUILD=overwrite`), and `tests/ui/pass/`
//! must compile and run.
//!
//! trybuild runs no build script, so the macros fold `tests/ui/migrations`
//! themselves, as `MIGRATE_MIGRATIONS_DIR` tells them to.

#[test]
fn ui() {
    let migrations = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/migrations");
    // SAFETY: this test binary has this one test, so no other thread reads
    // the environment while it is written.
    unsafe { std::env::set_var("MIGRATE_MIGRATIONS_DIR", migrations) };
    let cases = trybuild::TestCases::new();
    for category in ["unknown", "arity", "types", "syntax", "setup", "derive"] {
        cases.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
    cases.pass("tests/ui/pass/*.rs");
    // The same query fails without the `uuid` feature and compiles with it.
    // CI runs this test both ways (see .ci/run).
    if cfg!(feature = "uuid") {
        cases.pass("tests/ui/features/uuid_with_feature.rs");
    } else {
        cases.compile_fail("tests/ui/features/uuid_without_feature.rs");
    }
    // Runs the cases above now, before the migrations change.
    drop(cases);

    // A project that maps "TaskStatus" to its own enum, as
    // `[package.metadata.migrate.types]` does through a build script.
    // SAFETY: as above.
    unsafe { std::env::set_var("MIGRATE_TYPES", r#"{"TaskStatus": "crate::TaskStatus"}"#) };
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/mapped/str_*.rs");
    cases.pass("tests/ui/mapped/pass_*.rs");
    drop(cases);
    // SAFETY: as above.
    unsafe { std::env::remove_var("MIGRATE_TYPES") };

    // Migrations with typos: PostgreSQL's syntax errors, all of them.
    let typos = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ui/typo_migrations");
    // SAFETY: as above.
    unsafe { std::env::set_var("MIGRATE_MIGRATIONS_DIR", typos) };
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/typo/*.rs");
}
