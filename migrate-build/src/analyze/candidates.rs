//! `func_select_candidate` of parse_func.c: PostgreSQL's narrowing of
//! several overloads a call fits down to one, shared by the migrations'
//! routines (`routines.rs`) and the built-in overloads (`overloads.rs`),
//! which differ only in how a declared type is written and looked up.

use migrate_core::SqlType;

use super::types;

/// What narrowing needs to know of one kind of overload.
pub(super) trait Overloads {
    type Candidate;
    /// A declared argument type as this kind of overload writes it.
    type Declared;
    /// The declared type each argument of the call fills, in call order.
    fn declared<'c>(&self, candidate: &'c Self::Candidate) -> &'c [Self::Declared];
    /// The argument's type is exactly the declared one.
    fn is_exact(&self, input: &SqlType, declared: &Self::Declared) -> bool;
    /// The declared type's `typcategory` and `typispreferred`.
    fn declared_category(&self, declared: &Self::Declared) -> (char, bool);
    /// Each of `inputs` converts implicitly to the candidate's types.
    fn fits(&self, inputs: &[Option<SqlType>], candidate: &Self::Candidate) -> bool;
}

/// `func_select_candidate`: narrows several fitting candidates down to
/// one, or none when the call is ambiguous. `inputs` are the arguments'
/// types, `None` for an untyped literal.
pub(super) fn select_candidate<'c, O: Overloads>(
    overloads: &O,
    inputs: &[Option<SqlType>],
    candidates: &[&'c O::Candidate],
) -> Option<&'c O::Candidate> {
    let same = |input: &Option<SqlType>, declared: &O::Declared| {
        input
            .as_ref()
            .is_some_and(|ty| overloads.is_exact(ty, declared))
    };
    let keep_best = |candidates: Vec<&'c O::Candidate>, score: &dyn Fn(&O::Candidate) -> usize| {
        let best = candidates.iter().map(|c| score(c)).max().unwrap_or(0);
        candidates
            .into_iter()
            .filter(|c| score(c) == best)
            .collect::<Vec<_>>()
    };
    // Most exact matches.
    let exact = |candidate: &O::Candidate| {
        inputs
            .iter()
            .zip(overloads.declared(candidate))
            .filter(|(input, declared)| same(input, declared))
            .count()
    };
    let candidates = keep_best(candidates.to_vec(), &exact);
    if let [only] = candidates.as_slice() {
        return Some(only);
    }
    // Then most exact-or-preferred matches where a coercion is needed.
    let preferred = |candidate: &O::Candidate| {
        inputs
            .iter()
            .zip(overloads.declared(candidate))
            .filter(|(input, declared)| {
                input.is_some()
                    && (same(input, declared) || overloads.declared_category(declared).1)
            })
            .count()
    };
    let mut candidates = keep_best(candidates, &preferred);
    if let [only] = candidates.as_slice() {
        return Some(only);
    }
    // Untyped arguments: the category all candidates agree on, or the
    // string category when one of them has it; then its preferred type.
    let unknowns: Vec<usize> = (0..inputs.len())
        .filter(|&index| inputs[index].is_none())
        .collect();
    if unknowns.is_empty() {
        return None;
    }
    let mut slots: Vec<(char, bool)> = Vec::new();
    let mut resolved = true;
    for &index in &unknowns {
        let mut slot: Option<(char, bool)> = None;
        let mut conflict = false;
        for candidate in &candidates {
            let (category, is_preferred) =
                overloads.declared_category(&overloads.declared(candidate)[index]);
            slot = Some(match slot {
                None => (category, is_preferred),
                Some((slot_category, slot_preferred)) if slot_category == category => {
                    (slot_category, slot_preferred || is_preferred)
                }
                Some(_) if category == 'S' => (category, is_preferred),
                Some(other) => {
                    conflict |= other.0 != 'S';
                    other
                }
            });
        }
        let slot = slot.unwrap_or(('X', false));
        if conflict && slot.0 != 'S' {
            resolved = false;
            break;
        }
        slots.push(slot);
    }
    if resolved {
        let kept: Vec<&'c O::Candidate> = candidates
            .iter()
            .copied()
            .filter(|candidate| {
                unknowns.iter().zip(&slots).all(|(&index, slot)| {
                    let (category, is_preferred) =
                        overloads.declared_category(&overloads.declared(candidate)[index]);
                    category == slot.0 && (!slot.1 || is_preferred)
                })
            })
            .collect();
        if !kept.is_empty() {
            candidates = kept;
        }
        if let [only] = candidates.as_slice() {
            return Some(only);
        }
    }
    // Last: untyped arguments take the one type all typed ones share.
    if unknowns.len() < inputs.len() {
        let mut known = inputs.iter().flatten();
        let first = known.next()?;
        if known.all(|ty| types::same_type(ty, first)) {
            let assumed: Vec<Option<SqlType>> = inputs
                .iter()
                .map(|input| Some(input.clone().unwrap_or_else(|| first.clone())))
                .collect();
            let fitting: Vec<&'c O::Candidate> = candidates
                .iter()
                .copied()
                .filter(|candidate| overloads.fits(&assumed, candidate))
                .collect();
            if let [only] = fitting.as_slice() {
                return Some(only);
            }
        }
    }
    None
}
