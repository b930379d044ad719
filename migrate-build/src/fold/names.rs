//! Identifiers as PostgreSQL stores them, and the names it generates for
//! constraints, indexes and sequences nobody named.

use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// `NAMEDATALEN - 1`: the longest name PostgreSQL keeps, in bytes.
pub(crate) const MAX_NAME_BYTES: usize = 63;

/// An identifier as stored: unquoted ones are folded to lower case, and
/// every name is cut to 63 bytes (on a character boundary).
pub(crate) fn ident(ident: &Ident) -> String {
    let Ident {
        value,
        quote_style,
        span: _, // only for diagnostics
    } = ident;
    let folded = match quote_style {
        Some(_) => value.clone(),
        None => value.to_ascii_lowercase(),
    };
    truncate(&folded, MAX_NAME_BYTES).to_owned()
}

/// The parts of a dotted name, each folded as [`ident`] does.
pub(crate) fn object_name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(part) => ident(part),
            ObjectNamePart::Function(function) => function.to_string(),
        })
        .collect()
}

/// `name` cut to at most `max` bytes without splitting a character.
pub(crate) fn truncate(name: &str, max: usize) -> &str {
    if name.len() <= max {
        return name;
    }
    let mut end = max;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, shortening the
/// longer of `name1` and `name2` until the whole fits in 63 bytes.
pub(crate) fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = 0;
    if !label.is_empty() {
        overhead += label.len() + 1;
    }
    if name2.is_some() {
        overhead += 1;
    }
    let available = MAX_NAME_BYTES.saturating_sub(overhead);
    let mut name1_len = name1.len();
    let mut name2_len = name2.map_or(0, str::len);
    while name1_len + name2_len > available {
        if name1_len > name2_len {
            name1_len -= 1;
        } else {
            name2_len -= 1;
        }
    }
    let mut out = truncate(name1, name1_len).to_owned();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(truncate(name2, name2_len));
    }
    if !label.is_empty() {
        out.push('_');
        out.push_str(label);
    }
    out
}

/// PostgreSQL's `ChooseConstraintName` / `ChooseRelationName`: the first of
/// `name1_name2_label`, `name1_name2_label1`, `..label2` that `taken` says
/// is free.
pub(crate) fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    mut taken: impl FnMut(&str) -> bool,
) -> String {
    let mut pass = 0;
    loop {
        let modified_label = if pass == 0 {
            label.to_owned()
        } else {
            format!("{label}{pass}")
        };
        let candidate = make_object_name(name1, name2, &modified_label);
        if !taken(&candidate) {
            return candidate;
        }
        pass += 1;
    }
}

/// The column part of a generated name: the columns joined by `_`
/// (PostgreSQL's `ChooseIndexNameAddition`), stopping once 63 bytes are used.
pub(crate) fn columns_addition<S: AsRef<str>>(columns: &[S]) -> String {
    let mut out = String::new();
    for column in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(column.as_ref());
        if out.len() > MAX_NAME_BYTES {
            break;
        }
    }
    out
}

/// `did you mean "x"?` for the closest candidate, when one is close enough.
pub(crate) fn did_you_mean<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    // PostgreSQL keeps 63 bytes of a name: comparing more only costs time
    // (Jaro-Winkler is quadratic in the length).
    let wanted_lower: String = wanted.to_lowercase().chars().take(64).collect();
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == wanted {
            continue;
        }
        let candidate_lower: String = candidate.to_lowercase().chars().take(64).collect();
        let score = strsim::jaro_winkler(&wanted_lower, &candidate_lower);
        if score >= 0.8 && best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| format!("did you mean \"{candidate}\"?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_follow_postgres() {
        let taken = |_: &str| false;
        assert_eq!(choose_name("users", None, "pkey", taken), "users_pkey");
        assert_eq!(
            choose_name("users", Some("email"), "key", |name| name
                == "users_email_key"),
            "users_email_key1"
        );
        let long = "a".repeat(40);
        let column = "b".repeat(40);
        let name = choose_name(&long, Some(&column), "fkey", taken);
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_{}_fkey", "a".repeat(29), "b".repeat(28)));
        assert_eq!(columns_addition(&["a", "b"]), "a_b");
    }
}
