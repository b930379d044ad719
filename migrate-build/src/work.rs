//! Counters of the work done where a return to quadratic cost once hid
//! (issue 13): constraints read to choose a generated name, keys walked to
//! find temporary objects, FROM entries examined to resolve a qualified
//! name. Tests read them to check that work grows linearly with the input,
//! without timing anything; outside tests they compile to nothing.

#[cfg(test)]
use std::cell::RefCell;
#[cfg(test)]
use std::collections::BTreeMap;

#[cfg(test)]
thread_local! {
    static COUNTS: RefCell<BTreeMap<&'static str, usize>> = const { RefCell::new(BTreeMap::new()) };
}

/// Counts `n` units of work of kind `what` (in tests only).
#[inline]
pub(crate) fn count(what: &'static str, n: usize) {
    #[cfg(test)]
    COUNTS.with(|counts| *counts.borrow_mut().entry(what).or_default() += n);
    #[cfg(not(test))]
    let _ = (what, n);
}

/// This thread's counts, taken (in tests only; nothing otherwise).
#[cfg(test)]
pub(crate) type Counts = BTreeMap<&'static str, usize>;
#[cfg(not(test))]
pub(crate) type Counts = ();

pub(crate) fn take() -> Counts {
    #[cfg(test)]
    return COUNTS.with(|counts| std::mem::take(&mut *counts.borrow_mut()));
}

/// Adds counts taken on another thread (the large stack's) to this one's.
pub(crate) fn add(counts: Counts) {
    #[cfg(test)]
    for (what, n) in counts {
        count(what, n);
    }
    #[cfg(not(test))]
    let () = counts;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::describe;
    use crate::fold::{fold, fold_sql};

    fn migration(i: usize, up: String) -> migrate_core::Migration {
        migrate_core::Migration::new(i.to_string(), format!("m{i}"), format!("{i}_m{i}.sql"), up)
    }

    /// The counts of `work` at a size of `n` and `4 * n`; fails if `what`
    /// grows more than about linearly (16 times would be quadratic).
    fn grows_linearly(what: &'static str, n: usize, work: impl Fn(usize)) {
        let at = |size: usize| {
            take();
            work(size);
            take().get(what).copied().unwrap_or(0)
        };
        let (small, large) = (at(n), at(4 * n));
        assert!(small > 0, "{what}: nothing counted");
        assert!(
            large <= 5 * small,
            "{what}: {small} at {n}, {large} at {}",
            4 * n
        );
    }

    #[test]
    fn generated_constraint_names_read_each_constraint_about_once() {
        grows_linearly("constraints read for names", 100, |n| {
            let mut sql = String::from("CREATE TABLE t0 (id int PRIMARY KEY);\n");
            for i in 1..=n {
                sql.push_str(&format!(
                    "CREATE TABLE t{i} (id int PRIMARY KEY, p int REFERENCES t0 (id), CHECK (id > 0));\n"
                ));
            }
            assert!(fold_sql(&sql).diagnostics.is_empty());
        });
    }

    #[test]
    fn temporary_objects_are_found_without_walking_every_relation() {
        grows_linearly("names walked for temporary objects", 100, |n| {
            let migrations: Vec<migrate_core::Migration> = (1..=n)
                .map(|i| migration(i, format!("CREATE TABLE t{i} (id int PRIMARY KEY);")))
                .collect();
            assert!(fold(&migrations).diagnostics.is_empty());
        });
    }

    /// Lint reads the enum labels before a migration only when it names
    /// TYPE: a copy of the schema before every migration was quadratic.
    #[test]
    fn lint_copies_the_schema_only_before_migrations_naming_a_type() {
        grows_linearly("types copied by lint", 100, |n| {
            // n enums, one migration naming TYPE, n that do not.
            let enums: Vec<String> = (0..n)
                .map(|i| format!("CREATE TYPE e{i} AS ENUM ('a');"))
                .collect();
            let mut migrations = vec![
                migration(0, enums.concat()),
                migration(1, "ALTER TYPE e0 ADD VALUE 'b';".to_owned()),
            ];
            migrations
                .extend((2..n + 2).map(|i| migration(i, format!("CREATE TABLE t{i} (id int);"))));
            crate::lint::lint(&migrations, &crate::lint::LintConfig::default());
        });
    }

    #[test]
    fn a_having_chain_is_matched_with_the_group_by_in_linear_work() {
        grows_linearly("nodes written to match GROUP BY", 500, |n| {
            let schema = fold_sql("CREATE TABLE t (x int);").schema;
            let sql = format!(
                "SELECT x + 1 FROM t GROUP BY x + 1 HAVING count(*){} > 0",
                " + 1".repeat(n)
            );
            assert!(describe(&schema, &sql).is_ok());
        });
    }

    #[test]
    fn a_chain_of_joins_examines_each_entry_about_once() {
        grows_linearly("FROM entries examined", 100, |n| {
            let schema = fold_sql("CREATE TABLE t (id int);").schema;
            let mut sql = String::from("SELECT t0.id FROM t t0");
            for i in 1..=n {
                sql.push_str(&format!(" JOIN t t{i} ON t{i}.id = t{}.id", i - 1));
            }
            assert!(describe(&schema, &sql).is_ok());
        });
    }
}
