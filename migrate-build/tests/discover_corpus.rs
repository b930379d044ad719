//! Every shared corpus set is found, ordered and classified as the tool that
//! wrote it did: the order and the transaction mode equal `apply_log.tsv`.

use std::fs;

use migrate_build::discover::{Layout, discover};
use migrate_build::split::split_statements;
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
    // A file that wraps itself in BEGIN ... COMMIT ran outside the harness's
    // transaction; migrate runs it as its own transaction instead, with the
    // file's BEGIN and COMMIT blanked out (checked below).
    let own_transaction = |file: &str| {
        let up = discovered
            .migrations
            .iter()
            .find(|migration| migration.path == file)
            .expect("found");
        let text = fs::read_to_string(dir.join(file)).expect("readable");
        text[up.up_offset..up.up_offset + up.up.len()] != up.up
    };
    let expected: Vec<(&str, bool)> = log
        .iter()
        .map(|applied| {
            let file = applied.file.as_str();
            (file, applied.transactional || own_transaction(file))
        })
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
    let mut n_own_transaction = 0;
    for migration in &discovered.migrations {
        assert_eq!(migration.statements.is_empty(), migration.transactional);
        // `up` is where the file says it is.
        let file = fs::read_to_string(dir.join(&migration.path)).expect("readable");
        let in_file = &file[migration.up_offset..migration.up_offset + migration.up.len()];
        assert_eq!(
            migration.lines_before_up,
            file[..migration.up_offset].matches('\n').count()
        );
        // The checksum is the file's.
        assert_eq!(migration.checksum, migrate_core::checksum(in_file));
        if in_file == migration.up {
            continue;
        }
        // Its own BEGIN and COMMIT became spaces; nothing else changed.
        n_own_transaction += 1;
        let blanked: Vec<&str> = split_statements(in_file)
            .into_iter()
            .filter(|statement| migration.up[statement.span.clone()].trim().is_empty())
            .map(|statement| statement.text)
            .collect();
        assert_eq!(blanked, ["BEGIN", "COMMIT"], "{}", migration.path);
        assert_eq!(
            split_statements(&migration.up).len() + 2,
            split_statements(in_file).len(),
            "{}",
            migration.path
        );
    }
    if n_own_transaction > 0 {
        println!("{set}: {n_own_transaction} migrations run their own transaction as migrate's");
    }
}

#[test]
fn crates_io_is_diesel() {
    check_set("crates_io", Layout::Diesel);
}

#[test]
fn inbox_zero_is_prisma() {
    check_set("inbox_zero", Layout::Prisma);
    // Five of its files wrap themselves in BEGIN ... COMMIT.
    let dir = corpus_dir().join("inbox_zero").join("migrations");
    let discovered = discover(&dir, None).expect("discovered");
    let n_blanked = discovered
        .migrations
        .iter()
        .filter(|migration| {
            let file = fs::read_to_string(dir.join(&migration.path)).expect("readable");
            file[migration.up_offset..migration.up_offset + migration.up.len()] != migration.up
        })
        .count();
    assert_eq!(n_blanked, 5);
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
