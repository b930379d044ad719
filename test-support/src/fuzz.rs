//! Seeded mutations of SQL for the fuzz tests (issue 13): real corpus text,
//! cut, repeated, swapped and spliced, with hostile characters and tokens
//! inserted. Deterministic for a seed, so that CI reproduces a failure.
//!
//! ```
//! use migrate_test_support::fuzz::{Rng, mutate};
//!
//! let mut rng = Rng(13);
//! let others = vec!["SELECT 1".to_owned()];
//! let mutant = mutate(&mut rng, "SELECT id FROM users", &others);
//! assert!(mutant.len() < 100_000);
//! ```

/// splitmix64: small, seeded, the same on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What the mutations insert: characters and tokens that once broke
/// something, or that change how SQL is read.
pub const HOSTILE: &[&str] = &[
    "\u{a0}",
    "\u{2028}",
    "\r",
    "\r\n",
    "\t",
    "\n",
    "'",
    "\"",
    "$$",
    "$a$",
    "--",
    "/*",
    "*/",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    "::int",
    "[]",
    " IS NULL",
    " + 1",
    " AND true",
    " UNION SELECT 1",
    " NOT ",
    "E'\\",
    "U&'",
    "\u{feff}",
    "é",
    "\u{1f600}",
    "\0",
    " SELECT ",
    " FROM ",
    " WHERE ",
    " JOIN t ON true",
    " CHECK (",
    " DEFAULT ",
    " GENERATED ALWAYS AS (",
    " DO $$ BEGIN ",
    " END $$",
    "-- migrate:ignore\n",
    "-- +goose StatementBegin\n",
    "-- +goose StatementEnd\n",
];

/// The character boundaries of `text`, to cut it only between characters.
fn boundaries(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect()
}

/// A random range of `text` on character boundaries, at most `max` bytes.
fn range(rng: &mut Rng, text: &str, max: usize) -> (usize, usize) {
    let bounds = boundaries(text);
    let start = *rng.pick(&bounds);
    let ends: Vec<usize> = bounds
        .iter()
        .copied()
        .filter(|end| *end >= start && *end - start <= max)
        .collect();
    (start, *rng.pick(&ends))
}

/// One to four mutations of `text`, some taking from `others`.
pub fn mutate(rng: &mut Rng, text: &str, others: &[String]) -> String {
    let mut out = text.to_owned();
    for _ in 0..=rng.below(4) {
        let (start, end) = range(rng, &out, 64);
        out = match rng.below(8) {
            0 => format!("{}{}", &out[..start], &out[end..]),
            1 => format!("{}{}{}", &out[..start], rng.pick(HOSTILE), &out[start..]),
            2 => {
                let piece = &out[start..end];
                // Now and then a long chain: `+ 1 + 1 ...`, `::int::int ...`.
                let most = if rng.below(8) == 0 { 2_000 } else { 8 };
                let times = 1 + rng.below(most);
                format!("{}{}{}", &out[..end], piece.repeat(times), &out[end..])
            }
            3 => {
                let other = rng.pick(others);
                let (from, to) = range(rng, other, 200);
                format!("{}{}{}", &out[..start], &other[from..to], &out[end..])
            }
            4 => out[..start].to_owned(),
            // Cut, and end on something hostile: a statement ending in a CR
            // or a no-break space made the error's rendering panic.
            7 => format!("{}{}", &out[..start], rng.pick(HOSTILE)),
            5 => format!(
                "{}{}{}",
                &out[..start],
                out[start..end].to_uppercase(),
                &out[end..]
            ),
            _ => {
                let (other_start, other_end) = range(rng, &out, 64);
                let (a, b) = if other_start >= end {
                    ((start, end), (other_start, other_end))
                } else if other_end <= start {
                    ((other_start, other_end), (start, end))
                } else {
                    continue;
                };
                format!(
                    "{}{}{}{}{}",
                    &out[..a.0],
                    &out[b.0..b.1],
                    &out[a.1..b.0],
                    &out[a.0..a.1],
                    &out[b.1..]
                )
            }
        };
    }
    out
}
