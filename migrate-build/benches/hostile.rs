//! Scaling of the slow paths of issue 13: each shape of hostile input at a
//! size N and 4N, release build, the ratio printed (about 4 is linear, 16
//! quadratic). Run it through `scripts/bench-hostile.sh`.
//!
//! Environment: `MIGRATE_BENCH_SCALE` multiplies every N (default 1).
//! `MIGRATE_BENCH_ONLY=<words>` runs only the shapes whose name contains
//! them; with `MIGRATE_BENCH_ONCE=<n>` as well, it runs them once at size
//! `n`, untimed, for an instruction count under
//! `valgrind --tool=callgrind`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use migrate_build::analyze::describe;
use migrate_build::diagnostic::LineIndex;
use migrate_build::fold::{fold, fold_sql};
use migrate_build::lint::{LintConfig, lint};
use migrate_core::{Migration, Schema};

fn migration(version: usize, sql: String) -> Migration {
    Migration {
        version: version.to_string(),
        name: format!("m{version}"),
        path: format!("{version}_m{version}.sql"),
        up_offset: 0,
        lines_before_up: 0,
        down: None,
        transactional: true,
        statements: Vec::new(),
        checksum: migrate_core::checksum(&sql),
        up: sql,
    }
}

/// The best of three runs of `work(n)`.
fn time(work: &dyn Fn(usize), n: usize) -> Duration {
    (0..3)
        .map(|_| {
            let start = Instant::now();
            work(n);
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let scale: usize = std::env::var("MIGRATE_BENCH_SCALE")
        .ok()
        .and_then(|scale| scale.parse().ok())
        .unwrap_or(1);
    let schema: Schema = fold_sql("CREATE TABLE t (id int, x int, name text);").schema;
    let describe_sql = |sql: String| {
        black_box(describe(&schema, &sql).ok());
    };
    type Shape<'a> = (&'a str, usize, Box<dyn Fn(usize) + 'a>);
    let shapes: Vec<Shape> = vec![
        (
            "DO block, one line of n terms (fold)",
            5_000,
            Box::new(|n| {
                let terms = vec!["1"; n].join(" + ");
                black_box(fold_sql(&format!("DO $$ BEGIN PERFORM {terms}; END $$;")));
            }),
        ),
        (
            "n UNIONs (describe)",
            2_000,
            Box::new(|n| describe_sql(vec!["SELECT x FROM t"; n].join(" UNION "))),
        ),
        (
            "n additions (describe)",
            2_000,
            Box::new(|n| describe_sql(format!("SELECT {}", vec!["x"; n].join(" + ")))),
        ),
        (
            "HAVING of n additions under a grouped expression (describe)",
            1_500,
            Box::new(|n| {
                describe_sql(format!(
                    "SELECT x + 1 FROM t GROUP BY x + 1 HAVING count(*){} > 0",
                    " + 1".repeat(n)
                ))
            }),
        ),
        (
            "n ANDs (describe)",
            15_000,
            Box::new(|n| {
                describe_sql(format!(
                    "SELECT x FROM t WHERE {}",
                    vec!["x = 1"; n].join(" AND ")
                ))
            }),
        ),
        (
            "n joins (describe)",
            500,
            Box::new(|n| {
                let joins: String = (1..n)
                    .map(|i| format!(" JOIN t t{i} ON t{i}.id = t0.id"))
                    .collect();
                describe_sql(format!("SELECT t0.x FROM t t0{joins}"))
            }),
        ),
        (
            "unknown function of n characters (describe, did-you-mean)",
            2_500,
            Box::new(|n| describe_sql(format!("SELECT {}(1)", "f".repeat(n)))),
        ),
        (
            "INSERT INTO t followed by n '(' (describe)",
            4_000,
            Box::new(|n| describe_sql(format!("INSERT INTO t {}", "(".repeat(n)))),
        ),
        (
            "n tables with keys in one migration (fold)",
            1_000,
            Box::new(|n| {
                let sql: String = (0..n)
                    .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, u int UNIQUE);\n"))
                    .collect();
                black_box(fold_sql(&sql));
            }),
        ),
        (
            "n tables with foreign keys and checks in one migration (fold)",
            1_000,
            Box::new(|n| {
                let sql: String = (0..n)
                    .map(|i| {
                        format!(
                            "CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t{}(id) CHECK (p > 0));\n",
                            i.saturating_sub(1)
                        )
                    })
                    .collect();
                black_box(fold_sql(&sql));
            }),
        ),
        (
            "n one-table migrations (fold + lint)",
            1_000,
            Box::new(|n| {
                let migrations: Vec<Migration> = (0..n)
                    .map(|i| migration(i + 1, format!("CREATE TABLE t{i} (id int PRIMARY KEY);")))
                    .collect();
                black_box(fold(&migrations));
                black_box(lint(&migrations, &LintConfig::default()));
            }),
        ),
        (
            "select list of n known and unknown columns (describe)",
            2_000,
            Box::new(|n| {
                describe_sql(format!(
                    "SELECT t.id, {} FROM t",
                    vec!["name, x_, t.x"; n].join(", ")
                ))
            }),
        ),
        (
            "n unknown columns on one line, described and rendered (as the macros report them)",
            2_000,
            Box::new(|n| {
                let sql = format!("SELECT {}x FROM t", "nope, ".repeat(n));
                if let Err(errors) = describe(&schema, &sql) {
                    let index = LineIndex::new(&sql);
                    for error in &errors {
                        black_box(index.render(error));
                    }
                }
            }),
        ),
        (
            "n broken statements, each a syntax error with a did-you-mean (fold)",
            1_000,
            Box::new(|n| {
                black_box(fold_sql(&"CREATE TABEL t (id int);\n".repeat(n)));
            }),
        ),
        (
            "n reserved words in a select list (describe)",
            20_000,
            Box::new(|n| describe_sql(format!("SELECT {} FROM t", vec!["x AS to"; n].join(", ")))),
        ),
    ];
    let only = std::env::var("MIGRATE_BENCH_ONLY").unwrap_or_default();
    let shapes: Vec<Shape> = shapes
        .into_iter()
        .filter(|(name, _, _)| name.contains(&only))
        .collect();
    if let Some(n) = std::env::var("MIGRATE_BENCH_ONCE")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        for (name, _, work) in &shapes {
            println!("{name}: n = {n}");
            work(n);
        }
        return;
    }
    println!(
        "{:<60} {:>8} {:>11} {:>11} {:>6}",
        "shape", "N", "time N", "time 4N", "ratio"
    );
    for (name, n, work) in &shapes {
        let n = n * scale;
        let small = time(work.as_ref(), n);
        let large = time(work.as_ref(), 4 * n);
        println!(
            "{name:<60} {n:>8} {:>9.1}ms {:>9.1}ms {:>6.1}",
            small.as_secs_f64() * 1e3,
            large.as_secs_f64() * 1e3,
            large.as_secs_f64() / small.as_secs_f64().max(1e-9)
        );
    }
}
