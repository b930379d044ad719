//! The rolling-deploy check on labrinth: its 416 real queries, described
//! against the schema of the whole history, saved as a uses file and
//! checked against the migrations (as `migrate lint --uses` does).

use migrate_build::analyze::describe;
use migrate_build::discover::discover;
use migrate_build::fold::fold;
use migrate_build::lint::{LintConfig, QueryUses, TableColumn, UsesFile, rolling_deploy};

#[test]
fn labrinth_queries_against_labrinth_migrations() {
    let set = migrate_test_support::corpus_dir().join("labrinth");
    let migrations = discover(&set.join("migrations"), None).unwrap().migrations;
    let schema = fold(&migrations).schema;
    let queries_text = std::fs::read_to_string(set.join("queries.txt")).unwrap();
    let mut queries = Vec::new();
    let mut n_failed = 0;
    for sql in queries_text
        .split("\n-- ---\n")
        .map(str::trim)
        .filter(|q| !q.is_empty())
    {
        match describe(&schema, sql) {
            Ok(described) => queries.push(QueryUses {
                sql: sql.to_owned(),
                location: None,
                uses: described.uses.iter().map(TableColumn::from).collect(),
            }),
            Err(_) => n_failed += 1,
        }
    }
    let uses = UsesFile {
        format: 1,
        package: Some("labrinth".to_owned()),
        last_migration: None,
        queries,
    };
    // Round trip through the file format.
    let uses: UsesFile = serde_json::from_str(&uses.to_json()).unwrap();
    let findings = rolling_deploy(
        &migrations,
        &uses,
        "the current code",
        &LintConfig::default(),
    );
    println!(
        "{} queries described ({n_failed} not), {} used objects, {} findings",
        uses.queries.len(),
        uses.queries.iter().map(|q| q.uses.len()).sum::<usize>(),
        findings.len()
    );
    for finding in &findings {
        println!("{} {}", finding.version, finding.diagnostic.message);
    }
    assert!(uses.queries.len() >= 300, "most queries describe");
    // Columns dropped and added back later: a rolling deploy of each of
    // these migrations broke the code of its time if that code used them.
    let flagged: Vec<String> = findings
        .iter()
        .map(|f| format!("{} {}", f.version, f.diagnostic.message))
        .collect();
    expect_test::expect![[r#"
        20221107171016 column "paypal_email" of "users" is dropped or renamed while a query of the current code still uses it: `INSERT INTO users ( id, username, email, avatar_url, raw_...`
        20230421174120 column "report_id" of "threads" is dropped or renamed while a query of the current code still uses it: `SELECT r.id, rt.name, r.mod_id, r.version_id, r.user_id, ...`
        20231114175920 column "stripe_customer_id" of "users" is dropped or renamed while a query of the current code still uses it: `INSERT INTO users ( id, username, email, avatar_url, raw_...`"#]].assert_eq(&flagged.join("\n"));
    // Every finding is at the deny level by default, and names a migration.
    assert!(
        findings
            .iter()
            .all(|f| f.is_denied() && !f.version.is_empty())
    );
}
