//! Every shared corpus set is found, ordered and classified as the tool that
//! wrote it did: the order and the transaction mode equal `apply_log.tsv`.

use std::fs;

use migrate_build::discover::{Layout, discover};
use migrate_test_support::corpus_dir;

/// One row of `apply_log.tsv`: the file as the corpus applied it, and
/// whether it ran outside a transaction.
struct Applied {
    file: String,
    transactional: bool,
}

fn apply_log(set: &str) -> Vec<Applied> {
    let path = corpus_dir().join(set).join("apply_log.tsv");
    let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    let mut rows: Vec<(usize, Applied)> = text
        .lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let order: usize = fields[0].parse().expect("order is a number");
            let single_tx = match fields[2] {
                "True" => true,
                "False" => false,
                other => panic!("single_tx {other:?}"),
            };
            // `ok_without_tx`: the harness tried one transaction, PostgreSQL
            // refused (CREATE INDEX CONCURRENTLY), and it ran the file
            // outside one, as the tool (Prisma) does. So it is not transactional.
            let transactional = single_tx && fields[3] != "ok_without_tx";
            (
                order,
                Applied {
                    file: fields[1].to_owned(),
                    transactional,
                },
            )
        })
        .collect();
    rows.sort_by_key(|(order, _)| *order);
    rows.into_iter().map(|(_, applied)| applied).collect()
}

fn check_set(set: &str, layout: Layout) {
    let dir = corpus_dir().join(set).join("migrations");
    let discovered = discover(&dir, None).unwrap_or_else(|error| panic!("{set}: {error}"));
    assert_eq!(discovered.layout, layout, "{set}: detected layout");
    let log = apply_log(set);
    let found: Vec<(&str, bool)> = discovered
        .migrations
        .iter()
        .map(|migration| (migration.path.as_str(), migration.transactional))
        .collect();
    let expected: Vec<(&str, bool)> = log
        .iter()
        .map(|applied| (applied.file.as_str(), applied.transactional))
        .collect();
    assert_eq!(found, expected, "{set}: order and transaction mode");
    let n_outside = found
        .iter()
        .filter(|(_, transactional)| !transactional)
        .count();
    let n_statements: usize = discovered
        .migrations
        .iter()
        .map(|migration| migrate_build::split::split_statements(&migration.up).len())
        .sum();
    println!(
        "{set}: {layout} layout, {} migrations ({} outside a transaction), {n_statements} statements, {} entries ignored",
        found.len(),
        n_outside,
        discovered.ignored.len()
    );
    for migration in &discovered.migrations {
        assert_eq!(migration.checksum, migrate_core::checksum(&migration.up));
        assert_eq!(migration.statements.is_empty(), migration.transactional);
        // `up` is where the file says it is.
        let file = fs::read_to_string(dir.join(&migration.path)).expect("readable");
        assert_eq!(
            &file[migration.up_offset..migration.up_offset + migration.up.len()],
            migration.up,
            "{}",
            migration.path
        );
    }
}

#[test]
fn crates_io_is_diesel() {
    check_set("crates_io", Layout::Diesel);
}

#[test]
fn inbox_zero_is_prisma() {
    check_set("inbox_zero", Layout::Prisma);
}

#[test]
fn labrinth_is_sqlx() {
    check_set("labrinth", Layout::Sqlx);
}

#[test]
fn kestra_is_flyway() {
    check_set("kestra", Layout::Refinery);
}

#[test]
fn hatchet_is_goose() {
    check_set("hatchet", Layout::Goose);
}
