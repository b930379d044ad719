//! Name resolution: the relations a query block sees in its FROM clause,
//! the blocks around it (for correlated subqueries), and the CTEs in force.

use std::collections::HashMap;

use migrate_core::{Name, SqlType};

use super::ColumnUse;
use sqlparser::ast::{Ident, WindowSpec};

/// An identifier as PostgreSQL stores it: unquoted ones fold to lower case.
pub(crate) fn fold_ident(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_lowercase(),
    }
}

/// One column a FROM item offers.
#[derive(Clone, Debug)]
pub(crate) struct ScopeColumn {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// See [`super::Typed::element_nullable`].
    pub element_nullable: bool,
    /// Merged into a USING/NATURAL join column: reachable only qualified.
    pub merged_away: bool,
    /// The table or view column it reads (see `OutputColumn::origin`).
    pub origin: Option<ColumnUse>,
}

/// A FROM item by the name queries refer to it with (its alias, or the
/// relation's name).
#[derive(Clone, Debug)]
pub(crate) struct RangeEntry {
    /// The name the query uses for it (`u` in `users u`); `None` for an
    /// unaliased subquery or join, whose columns are reachable unqualified only.
    pub refname: Option<String>,
    /// Schema of a base relation, for `public.users.id`.
    pub schema: Option<String>,
    /// The base relation, when this is a table or view: column uses are recorded against it.
    pub relation: Option<Name>,
    /// The name of the relation when an alias hides it (for PostgreSQL's
    /// `invalid reference to FROM-clause entry` hint).
    pub hidden_name: Option<String>,
    pub columns: Vec<ScopeColumn>,
    /// Visible to the expressions being analysed now (LATERAL and join order).
    pub visible: bool,
    /// A FROM item whose columns migrate does not know (an unknown table
    /// function): any column reference may resolve to it.
    pub opaque: bool,
}

/// A column of a join's USING list (or NATURAL join) after merging.
#[derive(Clone, Debug)]
pub(crate) struct MergedColumn {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// Where unqualified references resolve for use-tracking: the entry and column.
    pub sources: Vec<(usize, usize)>,
}

/// A column in the order `*` expands to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StarColumn {
    Entry(usize, usize),
    Merged(usize),
}

/// The FROM namespace of one query block.
#[derive(Clone, Debug, Default)]
pub(crate) struct Level {
    /// Added through [`Level::push_entry`] only, which keeps `by_refname`.
    pub entries: Vec<RangeEntry>,
    /// The entries by `refname`, in order: a qualified reference is found
    /// without scanning every entry (a scan per reference made a chain of
    /// joins quadratic).
    by_refname: HashMap<String, Vec<usize>>,
    pub merged: Vec<MergedColumn>,
    /// What `*` expands to.
    pub star: Vec<StarColumn>,
    /// Output columns of the block by name, for ORDER BY/GROUP BY output aliases.
    pub outputs: Vec<(String, usize)>,
    /// Entries an outer join null-extends, with their columns' nullability
    /// before it did (a strict WHERE condition on them undoes it).
    pub nulled: Vec<(usize, Vec<bool>)>,
    /// In a SELECT block, the inline window specifications (`OVER (...)`)
    /// met so far: PostgreSQL analyses them last, with the WINDOW clause.
    /// `None` elsewhere, where they are typed where they stand.
    pub windows: Option<Vec<WindowSpec>>,
}

/// What an unqualified or qualified column reference resolved to.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub ty: SqlType,
    pub nullable: bool,
    pub element_nullable: bool,
    /// The base relation and column, for use-tracking.
    pub relation: Option<Name>,
    /// The table or view column it reads (see `OutputColumn::origin`).
    pub origin: Option<ColumnUse>,
}

pub(crate) enum Lookup {
    Found(Box<Resolved>),
    Ambiguous,
    NotFound,
}

impl Level {
    /// Adds a FROM item; its index.
    pub(crate) fn push_entry(&mut self, entry: RangeEntry) -> usize {
        let index = self.entries.len();
        if let Some(refname) = &entry.refname {
            self.by_refname
                .entry(refname.clone())
                .or_default()
                .push(index);
        }
        self.entries.push(entry);
        index
    }

    /// Removes the last FROM item added.
    pub(crate) fn pop_entry(&mut self) {
        let index = self.entries.len().wrapping_sub(1);
        if let Some(RangeEntry {
            refname: Some(refname),
            ..
        }) = self.entries.pop()
            && let Some(indexes) = self.by_refname.get_mut(&refname)
        {
            indexes.retain(|&i| i != index);
        }
    }

    /// Unqualified `name` in this level.
    pub(crate) fn lookup(&self, name: &str) -> Lookup {
        let mut found: Vec<Resolved> = Vec::new();
        for merged in &self.merged {
            if merged.name == name {
                let relation = merged
                    .sources
                    .first()
                    .and_then(|(entry, _)| self.entries[*entry].relation.clone());
                found.push(Resolved {
                    ty: merged.ty.clone(),
                    nullable: merged.nullable,
                    element_nullable: true,
                    relation,
                    // COALESCE of the joined columns, or one of them: which
                    // one PostgreSQL reports is not followed.
                    origin: None,
                });
            }
        }
        for entry in self.entries.iter().filter(|e| e.visible) {
            for column in &entry.columns {
                if column.name == name && !column.merged_away {
                    found.push(Resolved {
                        ty: column.ty.clone(),
                        nullable: column.nullable,
                        element_nullable: column.element_nullable,
                        relation: entry.relation.clone(),
                        origin: column.origin.clone(),
                    });
                }
            }
        }
        match found.len() {
            0 => Lookup::NotFound,
            1 => Lookup::Found(Box::new(found.remove(0))),
            _ => Lookup::Ambiguous,
        }
    }

    /// The entry called `table` (optionally in `schema`).
    pub(crate) fn entry(&self, schema: Option<&str>, table: &str) -> Option<usize> {
        self.by_refname.get(table)?.iter().copied().find(|&index| {
            crate::work::count("FROM entries examined", 1);
            let entry = &self.entries[index];
            entry.visible
                && match schema {
                    None => true,
                    Some(schema) => entry.schema.as_deref() == Some(schema),
                }
        })
    }

    /// All names unqualified references could have meant, for `did you mean`.
    pub(crate) fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .entries
            .iter()
            .filter(|e| e.visible)
            .flat_map(|entry| entry.columns.iter().map(|c| c.name.clone()))
            .collect();
        names.extend(self.merged.iter().map(|m| m.name.clone()));
        names
    }
}

/// The closest candidate to `name`, when close enough to be a likely typo.
pub(crate) fn did_you_mean<'c>(
    name: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<String> {
    // PostgreSQL keeps 63 bytes of a name: comparing more only costs time
    // (Jaro-Winkler is quadratic in the length).
    let name: String = name.to_lowercase().chars().take(64).collect();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        let candidate_lower: String = candidate.to_lowercase().chars().take(64).collect();
        let score = strsim::jaro_winkler(&name, &candidate_lower);
        if score >= 0.8 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| format!("did you mean \"{candidate}\"?"))
}
