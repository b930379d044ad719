//! How deep a statement's tree can be, and a stack deep enough to walk it.
//!
//! sqlparser reads a chain of operators (`1+1+...`, `x::int::int...`,
//! `a AND b AND ...`, `SELECT .. UNION SELECT ..`, `int[][]...`) in a loop,
//! but into a tree as deep as the chain is long; its `Display` and `Spanned`,
//! the drop of that tree, the fold's deparse and the analyzer's walk then
//! recurse once per link. In a debug build (how cargo builds proc macros)
//! one link costs up to about 20 KiB of stack, so rustc's 8 MiB would end
//! near 400 links. Nesting by parentheses is bounded elsewhere: PostgreSQL's
//! grammar stops at 10,000 states and sqlparser at 50 nested expressions.
//!
//! Two things keep such chains from overflowing the stack:
//! - [`on_large_stack`]: the fold of a migration and the description of a
//!   query run on a thread of their own with [`STACK_BYTES`] of stack
//!   (reserved, not used: pages are touched only by deep statements);
//! - [`chain_bound`]: before a statement is parsed, an upper bound of how
//!   deep its tree can be is counted from its tokens, without a tree, by
//!   sqlparser's precedences (`1*1*1+1*1*1+...` is as deep as its `+` are
//!   many, not as its operators); past [`MAX_CHAIN`] the statement is not
//!   walked at all, and the caller says so in a diagnostic. A unit test
//!   holds the bound against the depth of sqlparser's own trees for
//!   thousands of mixed expressions.
//!
//! Before both, [`postgres_stack_refusal`] finds a chain PostgreSQL itself
//! refuses ("stack depth limit exceeded"), to give its error: the same pass
//! gives how deep arithmetic nests in PostgreSQL's tree.

use std::cell::Cell;
use std::ops::Range;

use crate::Diagnostic;

pub(crate) mod print;
mod shape;

pub(crate) use shape::shape;
use shape::shape_of_tokens;

/// The stack of the thread the fold and `describe` run on: 1.5 GiB,
/// reserved, not used. A statement at [`MAX_CHAIN`] uses about a third of
/// it in a debug build; the most a link costs is an AND or OR where the
/// fold's own printer does not walk (a view's ORDER BY, a window), written
/// by sqlparser's `Display` at about 8.9 KiB a link: 1.14 GB at the 128,000
/// [`AND_OR_PER_LINK`] allows, which 1 GiB would not hold.
pub(crate) const STACK_BYTES: usize = 3 << 29;

/// The longest chain of operators migrate follows in one statement. At the
/// default `max_stack_depth` (2 MB), PostgreSQL itself stops every chain
/// of one operator before it (see [`postgres_stack_refusal`]), so past it
/// only a mix of operators is "cannot follow"; chains of `AND` and `OR` it
/// flattens and takes at any length.
pub const MAX_CHAIN: usize = 16_000;

/// How many links of an `AND` or `OR` chain count as one link toward
/// [`MAX_CHAIN`] in a migration. The fold walks such chains in a loop and
/// writes views, CHECKs, defaults, generated columns and index predicates
/// without sqlparser's recursive `Display` and `Spanned` on a chain (see
/// `depth/print.rs`); what still recurses through one, measured in a debug
/// build by the resident pages of the fold thread's stack over 40,000
/// `AND`s (`depth::print::tests::stack_per_link_of_the_fold`), is 80 bytes
/// a link at the top of a clause (the drop of sqlparser's tree), 4.3 KiB
/// under a CASE in a default, a generated column or an index predicate
/// (the `clone` of the CASE, written from a copy), and 5.3 KiB under a CASE
/// in a CHECK or in a view (sqlparser's `Spanned` of the CASE, as for a
/// query). So a migration of up to `MAX_CHAIN * AND_OR_PER_LINK` (128,000)
/// `AND`s is folded, as a query is; a chain where the printer does not
/// walk (a view's ORDER BY) is written by `Display`, 8.9 KiB a link, which
/// [`STACK_BYTES`] is sized for; past it the statement is not folded, with a warning that says
/// it is migrate's own limit (PostgreSQL takes any length).
pub const AND_OR_PER_LINK: usize = 8;

/// [`AND_OR_PER_LINK`] for a query `describe` checks: `describe` walks
/// AND/OR chains in a loop, and what still recurses through them takes,
/// in a debug build (measured by the resident pages of the thread's stack
/// over 40,000 `AND`s), 80 bytes a link in a WHERE (the drop of
/// sqlparser's tree), but 5.3 KiB under a CASE, in a subquery or a FILTER,
/// whose span sqlparser's `Spanned` measures through the chain. So a query
/// of up to `MAX_CHAIN * QUERY_AND_OR_PER_LINK` (128,000) `AND`s is
/// followed (about 680 MB of the stack at worst; 256,000 under a CASE
/// overflowed 1 GiB); past it, migrate says so, a limit of its own
/// (PostgreSQL 15 takes 2,000,000 and more). The same as the fold's.
pub const QUERY_AND_OR_PER_LINK: usize = AND_OR_PER_LINK;

thread_local! {
    /// Whether this thread is already one [`on_large_stack`] started.
    static ON_LARGE_STACK: Cell<bool> = const { Cell::new(false) };
}

/// Runs `work` on a thread with [`STACK_BYTES`] of stack, or in place when
/// already on one (or when no thread can be started: then deep statements
/// may still overflow, as before).
pub(crate) fn on_large_stack<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    if ON_LARGE_STACK.with(Cell::get) {
        return work();
    }
    let mut work = Some(work);
    let slot = &mut work;
    let result = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("migrate-deep-stack".to_owned())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, move || {
                ON_LARGE_STACK.with(|flag| flag.set(true));
                slot.take().map(|work| (work(), crate::work::take()))
            });
        match spawned {
            Ok(handle) => Some(match handle.join() {
                Ok(result) => result.map(|(result, counts)| {
                    crate::work::add(counts);
                    result
                }),
                Err(panic) => std::panic::resume_unwind(panic),
            }),
            Err(_) => None,
        }
    });
    match (result.flatten(), work) {
        (Some(result), _) => result,
        (None, Some(work)) => work(),
        // The thread took the work and returned nothing: it cannot (a panic
        // is resumed above), but run nothing twice.
        (None, None) => unreachable!("the work ran and gave no result"),
    }
}

/// [`chain_bound`] of `sql` when it is past [`MAX_CHAIN`]. Every token
/// counted adds at most two links (a bracket) and takes at least a byte, so
/// a text of at most `MAX_CHAIN / 2` bytes is not lexed at all: nearly
/// every statement is that short, and lexing it again cost the fold about
/// a twelfth of its time.
pub(crate) fn past_max_chain(sql: &str) -> Option<usize> {
    past_max_chain_with(sql, AND_OR_PER_LINK)
}

/// [`past_max_chain`] for a query `describe` checks (see
/// [`QUERY_AND_OR_PER_LINK`]).
pub(crate) fn past_max_chain_in_query(sql: &str) -> Option<usize> {
    past_max_chain_with(sql, QUERY_AND_OR_PER_LINK)
}

fn past_max_chain_with(sql: &str, and_or_per_link: usize) -> Option<usize> {
    if sql.len() <= MAX_CHAIN / 2 {
        return None;
    }
    Some(chain_bound(sql, and_or_per_link)).filter(|&bound| bound > MAX_CHAIN)
}

/// An upper bound of the depth of the tree sqlparser builds for `sql`,
/// counted from PostgreSQL's tokens in one pass (see [`shape`]). Text after
/// a lexer error is not counted (PostgreSQL's grammar refuses the
/// statement anyway).
///
/// `and_or_per_link` links of AND or OR count as one.
pub(crate) fn chain_bound(sql: &str, and_or_per_link: usize) -> usize {
    shape(sql, and_or_per_link).bound
}

/// A chain PostgreSQL refuses with "stack depth limit exceeded": its kind,
/// its length, and the bytes from its first operator to its last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StackRefusal {
    pub kind: &'static str,
    pub links: usize,
    pub span: Range<usize>,
}

/// The longest chain of each kind PostgreSQL 15 takes at its default
/// `max_stack_depth` (2 MB), and a little more for builds whose frames
/// differ. Measured on x86-64, the longest taken by a Parse message were
/// 7,704 `+` (or `-`, or `||`), 13,097 casts, 10,913 `IS NULL` and 7,273
/// `UNION`s (PREPARE takes a few fewer, and a simple query of `+` only
/// 4,091, its planner recursing too). What PostgreSQL runs out of stack
/// for is the depth of its tree: arithmetic nested 7,700 deep by PREPARE
/// in any mix (`1*1+1*1+...` with a spine of 7,699 `+`, `1*1*1+...` of
/// 7,698, 7,700 `*`, `/` or `||`, 7,699 `^`), so "operators" counts that
/// depth. AND and OR PostgreSQL flattens and takes at any length. A chain
/// that sits deeper (in a subquery, a view) leaves PostgreSQL less stack,
/// so past these lengths it always refuses.
const POSTGRES_CHAIN_LIMITS: [(&str, usize); 4] = [
    ("operators", 7_800),
    ("casts", 13_200),
    ("IS NULL tests", 11_000),
    ("set operations", 7_350),
];

/// The longest chain in `sql` that PostgreSQL refuses for want of stack,
/// if there is one. The lengths counted are lower bounds of the depth of
/// PostgreSQL's tree: how deep arithmetic (`+ - * / % ^ ||`) nests, by
/// precedence ([`shape`]: `1*1+1*1+...` is as deep as its `+` are many,
/// plus one), a run of one operator (`::`, `IS [NOT] NULL`) with nothing
/// between its links but operands (names, literals, parenthesized groups,
/// a cast's type name), and the `UNION`s and `EXCEPT`s of one parenthesis
/// level. Any other operator ends a run, and arithmetic whose nesting is
/// unclear (after two operands in a row: a function call, a type of two
/// words) counts from there anew, so no statement PostgreSQL takes is
/// refused.
pub(crate) fn postgres_stack_refusal(sql: &str) -> Option<StackRefusal> {
    use crate::syntax::TokenClass;

    // Every link takes two bytes at least (`1+`).
    if sql.len() < 2 * 7_000 {
        return None;
    }
    #[derive(Default)]
    struct Level {
        /// The kind of the run (an index into POSTGRES_CHAIN_LIMITS), its
        /// links and where it starts.
        run: Option<(usize, usize, usize)>,
        set_operations: usize,
        set_start: usize,
        /// After `::`, until the next operator: the type's name.
        in_type_name: bool,
        /// After `IS` (and `NOT`): a `NULL` ends an `IS NULL` test.
        after_is: bool,
        /// Whether the token before ends an operand (so a `-` is binary).
        after_operand: bool,
    }
    let mut levels = vec![Level::default()];
    let mut refusal: Option<StackRefusal> = None;
    let mut note = |kind: usize, links: usize, span: Range<usize>| {
        let (name, limit) = POSTGRES_CHAIN_LIMITS[kind];
        if links > limit && refusal.as_ref().is_none_or(|r| r.links < links) {
            refusal = Some(StackRefusal {
                kind: name,
                links,
                span,
            });
        }
    };
    let tokens = crate::syntax::tokens(sql);
    for (range, class) in tokens.iter().cloned() {
        let text = &sql[range.clone()];
        let Some(level) = levels.last_mut() else {
            break;
        };
        // The kind of link this token is, if it is one.
        let link = match class {
            TokenClass::Punctuation(b'(' | b'[') => {
                levels.push(Level::default());
                continue;
            }
            TokenClass::Punctuation(b')' | b']') => {
                if levels.len() > 1 {
                    levels.pop();
                }
                if let Some(level) = levels.last_mut() {
                    level.after_operand = true;
                }
                continue;
            }
            // Arithmetic: counted by `shape`, below.
            TokenClass::Punctuation(b'+' | b'-') if level.after_operand => None,
            // A sign: part of the operand that follows.
            TokenClass::Punctuation(b'+' | b'-') => {
                level.in_type_name = false;
                continue;
            }
            TokenClass::Operator if text == "||" => None,
            TokenClass::Operator if text == "::" => Some(1),
            TokenClass::Keyword
                if text.eq_ignore_ascii_case("isnull") || text.eq_ignore_ascii_case("notnull") =>
            {
                Some(2)
            }
            TokenClass::Keyword if text.eq_ignore_ascii_case("null") && level.after_is => Some(2),
            TokenClass::Keyword if text.eq_ignore_ascii_case("is") => {
                level.after_is = true;
                level.after_operand = false;
                continue;
            }
            TokenClass::Keyword if text.eq_ignore_ascii_case("not") && level.after_is => continue,
            TokenClass::Keyword
                if text.eq_ignore_ascii_case("union") || text.eq_ignore_ascii_case("except") =>
            {
                if level.set_operations == 0 {
                    level.set_start = range.start;
                }
                level.set_operations += 1;
                let links = level.set_operations;
                let span = level.set_start..range.end;
                level.run = None;
                level.after_operand = false;
                note(3, links, span);
                continue;
            }
            // Operands.
            TokenClass::Identifier | TokenClass::Literal | TokenClass::Punctuation(b'.') => {
                level.after_operand = true;
                level.in_type_name = false;
                level.after_is = false;
                continue;
            }
            // A cast's type is one word here (`::int`): a second word
            // (`varying`, `with time zone`) ends the run, as any keyword.
            TokenClass::Keyword
                if level.in_type_name
                    || ["true", "false", "null"]
                        .iter()
                        .any(|word| text.eq_ignore_ascii_case(word)) =>
            {
                level.after_operand = true;
                level.in_type_name = false;
                level.after_is = false;
                continue;
            }
            _ => None,
        };
        level.after_is = false;
        level.in_type_name = link == Some(1);
        // A NULL test ends an operand; an operator waits for one.
        level.after_operand = link == Some(2);
        match link {
            Some(kind) => {
                let (links, start) = match level.run {
                    Some((run_kind, links, start)) if run_kind == kind => (links + 1, start),
                    _ => (1, range.start),
                };
                level.run = Some((kind, links, start));
                note(kind, links, start..range.end);
            }
            None => level.run = None,
        }
    }
    let shape = shape_of_tokens(sql, &tokens, 1);
    note(0, shape.arithmetic, shape.arithmetic_span);
    refusal
}

/// PostgreSQL's error for a chain it has no stack for, with its hint.
pub(crate) fn stack_refusal_diagnostic(refusal: StackRefusal, base: usize) -> Diagnostic {
    Diagnostic::error(
        "stack depth limit exceeded",
        base + refusal.span.start..base + refusal.span.end,
    )
    .with_note(format!(
        "PostgreSQL, at its default max_stack_depth of 2 MB, follows up to about {} chained {}; this chain has {}",
        POSTGRES_CHAIN_LIMITS
            .iter()
            .find(|(name, _)| *name == refusal.kind)
            .map_or(0, |(_, limit)| *limit),
        refusal.kind,
        refusal.links
    ))
    .with_help(
        "Increase the configuration parameter \"max_stack_depth\" (currently 2048kB), after ensuring the platform's stack depth limit is adequate.",
    )
}

/// Past this many nested parentheses, `describe` asks PostgreSQL's grammar
/// before sqlparser. sqlparser 0.63's look-ahead for a subquery is
/// quadratic in the `(` that open it (`INSERT INTO t` followed by 16,000
/// `(` takes half a second in a release build); PostgreSQL's parser is
/// linear and refuses such a run (unbalanced, or past its 10,000 states),
/// so a statement it refuses never reaches sqlparser, and one it takes
/// (nested at most 10,000 deep) costs sqlparser at most about 0.2 s.
pub(crate) const NESTING_ASKED_FIRST: usize = 1_000;

/// Whether `sql` nests parentheses or brackets deeper than
/// [`NESTING_ASKED_FIRST`], counted over PostgreSQL's tokens (a `(` in a
/// string or a comment is not one). A text too short to nest so deep is not
/// lexed.
pub(crate) fn nests_deeper_than_asked_first(sql: &str) -> bool {
    use crate::syntax::TokenClass;

    if sql.len() <= NESTING_ASKED_FIRST {
        return false;
    }
    let mut depth = 0usize;
    for (_, class) in crate::syntax::tokens(sql) {
        match class {
            TokenClass::Punctuation(b'(' | b'[') => {
                depth += 1;
                if depth > NESTING_ASKED_FIRST {
                    return true;
                }
            }
            TokenClass::Punctuation(b')' | b']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The words of the diagnostic for a statement past [`MAX_CHAIN`], where
/// `and_or_per_link` ANDs or ORs count as one link.
pub(crate) fn too_deep_message(bound: usize, and_or_per_link: usize) -> String {
    format!(
        "migrate cannot follow this statement: it chains up to {bound} operators, set operations or array brackets, more than the {MAX_CHAIN} it follows without running out of stack (an AND or OR counts as 1/{and_or_per_link}: up to {} of them); this is migrate's own limit, PostgreSQL takes chains of AND and OR of any length",
        MAX_CHAIN * and_or_per_link
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bound(sql: &str) -> usize {
        chain_bound(sql, AND_OR_PER_LINK)
    }

    #[test]
    fn counts_chains_not_lists() {
        assert_eq!(bound("SELECT 1+1+1"), 2);
        // A link per byte at most (so two is safe): `[` is the densest
        // token.
        let brackets = format!("SELECT a{}", "[".repeat(MAX_CHAIN / 2));
        assert_eq!(bound(&brackets), MAX_CHAIN / 2);
        assert_eq!(past_max_chain(&"[".repeat(MAX_CHAIN / 2)), None);
        let past = format!("SELECT a{}", "[".repeat(MAX_CHAIN + 1));
        assert_eq!(past_max_chain(&past), Some(bound(&past)));
        assert_eq!(bound("SELECT 1+1, 1+1, 1+1"), 1);
        assert_eq!(bound("SELECT 1::int::int"), 2);
        let nested = |n: usize| format!("INSERT INTO t {}", "(".repeat(n));
        assert!(!nests_deeper_than_asked_first(&nested(NESTING_ASKED_FIRST)));
        assert!(nests_deeper_than_asked_first(&nested(
            NESTING_ASKED_FIRST + 1
        )));
        let quoted = format!("SELECT '{}'", "(".repeat(2 * NESTING_ASKED_FIRST));
        assert!(!nests_deeper_than_asked_first(&quoted));
        // AND and OR count an eighth; the operands between them start anew.
        let ands = format!("SELECT 1 WHERE {}", vec!["a = 1"; 101].join(" AND "));
        assert_eq!(bound(&ands), 14);
        // BETWEEN's AND is not one of them.
        assert_eq!(bound("SELECT a+a BETWEEN 1 AND 2+2+2"), 3);
        assert_eq!(bound("SELECT (1+1)+(1+1)"), 3);
        assert_eq!(bound("SELECT 1 UNION SELECT 1, 2 UNION SELECT 3"), 2);
        assert_eq!(bound("SELECT CASE WHEN a=1 THEN 1 WHEN a=2 THEN 2 END"), 2);
        assert_eq!(bound("CREATE TABLE t (a int[][][])"), 4);
        let values: Vec<String> = (0..1000).map(|i| format!("({i}, -{i})")).collect();
        assert_eq!(
            bound(&format!("INSERT INTO t VALUES {}", values.join(", "))),
            2
        );
        // Strings and comments hold no operators.
        assert_eq!(bound("SELECT '1+1+1' -- + + +\n"), 0);
    }

    /// A link per operator of a chain, not per operator of a level: the
    /// `*` runs of `1*1*1+1*1*1+...` hang off the `+` spine, and PostgreSQL
    /// takes 6,000 of them (the old count made 18,000 links of it).
    #[test]
    fn mixed_chains_are_as_deep_as_their_spine() {
        let terms = |term: &str, op: &str, n: usize| vec![term; n].join(op);
        let mixed = format!("SELECT {}", terms("1*1*1", "+", 6_000));
        assert_eq!(bound(&mixed), 6_001);
        assert_eq!(past_max_chain(&mixed), None);
        assert_eq!(shape(&mixed, 1).arithmetic, 6_001);
        // One operator 20,000 times is still past the bound.
        let single = format!("SELECT {}", terms("1", "+", 20_001));
        assert_eq!(past_max_chain(&single), Some(20_000));
        let single = format!("SELECT {}", terms("1", "*", 20_001));
        assert_eq!(past_max_chain(&single), Some(20_000));
        // Precedence climbs: `^` over `*` over `+` over `||` over `=`.
        assert_eq!(bound("SELECT a+b*c^d+e*f^g"), 4);
        assert_eq!(bound("SELECT a^b*c+d||e=f"), 5);
        assert_eq!(bound("SELECT a=b||c+d*e^f"), 5);
        let alternation = format!("SELECT {}", terms("a+b*c^d", "||", 3_000));
        assert_eq!(bound(&alternation), 3_002);
        // Prefix operators add a link to their operand; a unary minus binds
        // less than `^` and more than `*`.
        assert_eq!(bound("SELECT - - - 1"), 3);
        assert_eq!(bound("SELECT -a^b"), 2);
        assert_eq!(bound("SELECT -a*b"), 2);
        assert_eq!(bound("SELECT NOT NOT NOT a = b"), 4);
        assert_eq!(bound("SELECT NOT a AND b"), 2);
        assert_eq!(bound("SELECT NOT a = b OR NOT c = d"), 3);
        // Postfix operators: over everything of higher precedence before.
        assert_eq!(bound("SELECT a+b IS NULL"), 2);
        assert_eq!(bound("SELECT a+b::int::int"), 3);
        assert_eq!(bound("SELECT x IS NULL IS NULL"), 2);
        assert_eq!(bound("SELECT a[1][2]+b"), 3);
        // CASE ... END is an operand: a chain goes on through it.
        let through_case = format!(
            "SELECT {}+CASE WHEN a THEN 1 END+{}",
            terms("1", "+", 3_000),
            terms("1", "+", 3_000)
        );
        assert_eq!(bound(&through_case), 6_000);
        // Clauses after an expression end it.
        let clauses = format!(
            "SELECT {} FROM t WHERE {} ORDER BY {}",
            terms("1", "+", 7_000),
            terms("1", "+", 7_000),
            terms("1", "+", 7_000)
        );
        assert_eq!(bound(&clauses), 6_999);
        // `IS DISTINCT FROM` is one operator, not a clause.
        let distinct = format!("SELECT {}", terms("a", " IS DISTINCT FROM ", 7_001));
        assert_eq!(bound(&distinct), 7_000);
        // Two operands in a row (a type's words) may be one tree: the bound
        // follows the chain through them.
        let two_words = format!(
            "SELECT {}+x::double precision+{}",
            terms("1", "+", 3_000),
            terms("1", "+", 3_000)
        );
        assert!(bound(&two_words) >= 6_000);
    }

    #[test]
    fn runs_nested_work_in_place() {
        let depth = on_large_stack(|| on_large_stack(|| ON_LARGE_STACK.with(Cell::get)));
        assert!(depth);
    }
}
