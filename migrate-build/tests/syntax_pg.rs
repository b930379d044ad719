//! Differential test of `migrate_build::syntax` against PostgreSQL's parser.
//!
//! Every statement of every shared corpus set, and mutations of each, go to
//! the server as a Parse message (a prepared statement, never executed).
//! PostgreSQL's parser runs first: an error it raises comes from `scan.l`,
//! `gram.y` or `parser.c`, which the error's file field tells; any other
//! error (an unknown table, say) comes after the parser took the text. The
//! checker must give the same verdict, with the same message at the same
//! position.
//!
//! Mutations, as typos make them: a letter of a keyword dropped, doubled or
//! swapped with the next (the verdicts must agree on every one); a token
//! deleted, a parenthesis or comma removed, two neighbouring tokens swapped
//! (counted both ways; the checker must never refuse what PostgreSQL takes).
//! CI runs a seeded sample; `MIGRATE_SYNTAX_FULL=1` runs every keyword typo
//! and 30 structural mutations a statement.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use migrate_build::discover::discover;
use migrate_build::split::split_statements;
use migrate_build::syntax::{TokenClass, check, tokens};
use migrate_test_support::{TestDatabase, corpus_dir};
use postgres::Client;

/// PostgreSQL's verdict on a text.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accepted,
    /// The parser's message and the 1-based character position.
    Rejected(String, u32),
}

fn postgres(client: &mut Client, sql: &str) -> Verdict {
    let error = match client.prepare(sql) {
        Ok(_) => return Verdict::Accepted,
        Err(error) => error,
    };
    let Some(db) = error.as_db_error() else {
        panic!("lost the server on {sql:?}: {error}");
    };
    if !matches!(db.file(), Some("scan.l" | "gram.y" | "parser.c")) {
        return Verdict::Accepted;
    }
    let position = match db.position() {
        Some(postgres::error::ErrorPosition::Original(position)) => *position,
        _ => 0,
    };
    Verdict::Rejected(db.message().to_owned(), position)
}

fn ours(sql: &str) -> Verdict {
    match check(sql).into_iter().next() {
        None => Verdict::Accepted,
        Some(error) => {
            let position = sql[..error.span.start].chars().count() as u32 + 1;
            Verdict::Rejected(error.message, position)
        }
    }
}

/// Whether two verdicts agree; the checker cuts a long "at or near" text at
/// its first line, PostgreSQL quotes it whole.
fn agree(postgres: &Verdict, ours: &Verdict) -> bool {
    match (postgres, ours) {
        (Verdict::Accepted, Verdict::Accepted) => true,
        (Verdict::Rejected(theirs, at), Verdict::Rejected(mine, our_at)) => {
            at == our_at
                && (theirs == mine
                    || mine
                        .strip_suffix("...\"")
                        .is_some_and(|prefix| theirs.starts_with(prefix)))
        }
        _ => false,
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    agree: usize,
    /// PostgreSQL rejects, the checker accepts.
    missed: Vec<(String, String)>,
    /// PostgreSQL accepts, the checker rejects: a false error.
    false_errors: Vec<(String, String)>,
    /// Both reject, with another message or position.
    worded_apart: Vec<(String, String)>,
}

impl Tally {
    fn record(&mut self, sql: &str, postgres: Verdict, ours: Verdict) {
        self.cases += 1;
        if agree(&postgres, &ours) {
            self.agree += 1;
            return;
        }
        let detail = format!("postgres: {postgres:?}; migrate: {ours:?}");
        let entry = (sql.to_owned(), detail);
        match (&postgres, &ours) {
            (Verdict::Rejected(..), Verdict::Accepted) => self.missed.push(entry),
            (Verdict::Accepted, Verdict::Rejected(..)) => self.false_errors.push(entry),
            _ => self.worded_apart.push(entry),
        }
    }
}

/// Statements of every set, each once.
fn corpus_statements() -> Vec<String> {
    let mut seen = HashSet::new();
    let mut statements = Vec::new();
    let mut sets: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("the shared corpus")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("migrations").is_dir())
        .map(|entry| entry.path())
        .collect();
    sets.sort();
    assert_eq!(sets.len(), 9, "the nine shared sets");
    for set in sets {
        let discovered = discover(&set.join("migrations"), None).expect("discovery");
        for migration in &discovered.migrations {
            for statement in split_statements(&migration.up) {
                if seen.insert(statement.text.to_owned()) {
                    statements.push(statement.text.to_owned());
                }
            }
        }
    }
    statements
}

/// A small deterministic generator (xorshift), so CI samples the same cases.
struct Seeded(u64);

impl Seeded {
    fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % bound.max(1) as u64) as usize
    }
}

/// Typos of one keyword: each letter dropped, doubled, swapped with the next.
fn keyword_typos(sql: &str, span: std::ops::Range<usize>) -> Vec<String> {
    let word = &sql[span.clone()];
    let letters: Vec<char> = word.chars().collect();
    let mut typos = Vec::new();
    let rebuild = |letters: &[char]| {
        let mut text = String::with_capacity(sql.len() + 1);
        text.push_str(&sql[..span.start]);
        text.extend(letters);
        text.push_str(&sql[span.end..]);
        text
    };
    for index in 0..letters.len() {
        let mut dropped = letters.clone();
        dropped.remove(index);
        if !dropped.is_empty() {
            typos.push(rebuild(&dropped));
        }
        let mut doubled = letters.clone();
        doubled.insert(index, letters[index]);
        typos.push(rebuild(&doubled));
        if index + 1 < letters.len() && letters[index] != letters[index + 1] {
            let mut swapped = letters.clone();
            swapped.swap(index, index + 1);
            typos.push(rebuild(&swapped));
        }
    }
    typos
}

/// Structural mutations: a token deleted, a `(`, `)` or `,` removed, two
/// neighbouring tokens swapped.
fn structural(
    sql: &str,
    spans: &[(std::ops::Range<usize>, TokenClass)],
) -> Vec<(&'static str, String)> {
    let mut mutations = Vec::new();
    let without =
        |span: &std::ops::Range<usize>| format!("{}{}", &sql[..span.start], &sql[span.end..]);
    for (index, (span, class)) in spans.iter().enumerate() {
        let kind = match class {
            TokenClass::Punctuation(b'(' | b')' | b',') => "parenthesis or comma removed",
            _ => "token deleted",
        };
        mutations.push((kind, without(span)));
        if let Some((next, _)) = spans.get(index + 1) {
            let swapped = format!(
                "{}{}{}{}{}",
                &sql[..span.start],
                &sql[next.clone()],
                &sql[span.end..next.start],
                &sql[span.clone()],
                &sql[next.end..]
            );
            mutations.push(("two tokens swapped", swapped));
        }
    }
    mutations
}

/// PostgreSQL's verdicts over a few connections: the round trips, not the
/// server, take the time.
const CONNECTIONS: usize = 4;

fn verdicts(clients: &mut [Client], cases: &[(&'static str, String)]) -> Vec<Verdict> {
    let chunk = cases.len().div_ceil(clients.len()).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = cases
            .chunks(chunk)
            .zip(clients.iter_mut())
            .map(|(part, client)| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(_, sql)| postgres(client, sql))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a verdict worker"))
            .collect()
    })
}

#[test]
fn the_checker_gives_postgres_verdict_on_the_corpus_and_its_typos() {
    let full = std::env::var_os("MIGRATE_SYNTAX_FULL").is_some();
    let database = TestDatabase::new("syntax");
    let statements = corpus_statements();
    let mut random = Seeded(0x9e37_79b9_7f4a_7c15);
    // Each text once, by its hash: a long statement's typos are many copies.
    let mut seen: HashSet<u64> = HashSet::new();
    let mut tallies: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut clients: Vec<Client> = (0..CONNECTIONS).map(|_| database.client()).collect();

    // Statements a batch at a time, so that memory stays bounded.
    for batch in statements.chunks(64) {
        let mut cases: Vec<(&'static str, String)> = Vec::new();
        let mut add = |kind: &'static str, sql: String| {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&sql, &mut hasher);
            if seen.insert(std::hash::Hasher::finish(&hasher)) {
                cases.push((kind, sql));
            }
        };
        for statement in batch {
            add("original statement", statement.clone());
            let spans = tokens(statement);
            let keywords: Vec<_> = spans
                .iter()
                .filter(|(span, class)| {
                    *class == TokenClass::Keyword
                        && statement[span.clone()]
                            .bytes()
                            .all(|b| b.is_ascii_alphabetic())
                })
                .map(|(span, _)| span.clone())
                .collect();
            if full {
                for span in &keywords {
                    for typo in keyword_typos(statement, span.clone()) {
                        add("keyword letter dropped, doubled or swapped", typo);
                    }
                }
            } else if !keywords.is_empty() {
                // Three typos of one keyword a statement.
                let span = &keywords[random.below(keywords.len())];
                let all = keyword_typos(statement, span.clone());
                for _ in 0..3 {
                    add(
                        "keyword letter dropped, doubled or swapped",
                        all[random.below(all.len())].clone(),
                    );
                }
            }
            // Structural mutations of a random few tokens: 2 a statement in
            // CI, 30 in a full run.
            let mut others = structural(statement, &spans);
            for _ in 0..others.len().min(if full { 30 } else { 2 }) {
                let index = random.below(others.len());
                let (kind, mutated) = others.swap_remove(index);
                add(kind, mutated);
            }
        }
        let verdicts = verdicts(&mut clients, &cases);
        for ((kind, sql), verdict) in cases.iter().zip(verdicts) {
            tallies
                .entry(kind)
                .or_default()
                .record(sql, verdict, ours(sql));
        }
    }

    let mut report = String::new();
    for (kind, tally) in &tallies {
        writeln!(
            report,
            "{kind}: {} cases, {} agree; postgres rejects and migrate accepts: {}; \
             postgres accepts and migrate rejects: {}; both reject, worded apart: {}",
            tally.cases,
            tally.agree,
            tally.missed.len(),
            tally.false_errors.len(),
            tally.worded_apart.len()
        )
        .unwrap();
    }
    println!("{report}");
    let show = |cases: &[(String, String)]| {
        cases
            .iter()
            .take(15)
            .map(|(sql, detail)| format!("  {detail}\n    {}", sql.replace('\n', "\n    ")))
            .collect::<Vec<_>>()
            .join("\n")
    };
    for (kind, tally) in &tallies {
        if !tally.missed.is_empty() {
            println!(
                "{kind}: postgres rejects, migrate accepts:\n{}",
                show(&tally.missed)
            );
        }
        if !tally.worded_apart.is_empty() {
            println!("{kind}: worded apart:\n{}", show(&tally.worded_apart));
        }
    }
    for (kind, tally) in &tallies {
        assert!(
            tally.false_errors.is_empty(),
            "{kind}: migrate refuses what PostgreSQL takes:\n{}",
            show(&tally.false_errors)
        );
    }
    for kind in [
        "original statement",
        "keyword letter dropped, doubled or swapped",
    ] {
        let tally = &tallies[kind];
        assert_eq!(
            tally.agree,
            tally.cases,
            "{kind}: verdicts differ:\n{}\n{}",
            show(&tally.missed),
            show(&tally.worded_apart)
        );
    }
}
