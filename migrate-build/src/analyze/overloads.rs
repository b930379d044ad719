//! PostgreSQL's own overload resolution (`func_get_detail` and
//! `func_select_candidate` in parse_func.c, `can_coerce_type` and the
//! polymorphic rules of parse_coerce.c) over the overloads generated from
//! `pg_proc` into [`pg_functions`]. It types the built-in functions the hand
//! catalogue in `functions.rs` does not list.

use migrate_core::{Name, Schema, SqlType, UserTypeKind};

use super::candidates::{Overloads, select_candidate};
use super::pg_functions::{self, BUILTIN_OVERLOADS, CASTS, Proc, ProcKind, RANGES, TYPES};
use super::types;
use crate::extensions;

/// What resolving a call against the generated overloads gives.
#[derive(Debug)]
pub(crate) enum Resolution {
    /// One overload is chosen.
    Found(Chosen),
    /// PostgreSQL's `function f(..) does not exist`.
    NotFound,
    /// PostgreSQL's `function f(..) is not unique`.
    Ambiguous,
    /// `could not determine polymorphic type because input has type unknown`.
    UnknownPolymorphic,
    /// Overloads migrate has no list of may be the ones PostgreSQL picks.
    Unsure,
}

#[derive(Debug)]
pub(crate) struct Chosen {
    pub(crate) returns: SqlType,
    /// The type each argument is coerced to (`None` for `"any"`).
    pub(crate) targets: Vec<Option<SqlType>>,
    /// Returns a set of rows: in a select list, a row per element.
    pub(crate) set: bool,
    pub(crate) kind: ProcKind,
}

/// The call as resolution sees it.
pub(crate) struct Call<'a> {
    pub(crate) name: &'a str,
    /// Argument types, domains included; `None` for an untyped literal or
    /// a parameter whose type is not decided yet.
    pub(crate) args: &'a [Option<SqlType>],
    /// The name each argument is passed by (`days => 1`), `None` for one
    /// passed by position; those come first. Empty when none is named.
    pub(crate) arg_names: &'a [Option<String>],
    /// `WITHIN GROUP (ORDER BY ..)`: only ordered-set aggregates fit, and
    /// the ordering expressions are the last arguments in `args`.
    pub(crate) within_group: bool,
    /// The one argument is an untyped literal (not a parameter).
    pub(crate) literal: bool,
    /// The last argument is passed with `VARIADIC`: only variadic
    /// overloads fit, with it as the array of their variadic argument.
    pub(crate) variadic: bool,
}

/// Whether PostgreSQL has overloads of `name` that the generated table
/// leaves out (they take or return a type internal to the server, or a type
/// of an extension): then "does not exist" cannot be told for sure.
fn partial(schema: &Schema, name: &str) -> bool {
    pg_functions::PARTIAL.binary_search(&name).is_ok() || extensions::partial(schema, name)
}

/// A candidate: an overload with its argument list expanded to the call's
/// arity (variadic arguments repeated, defaulted ones cut off).
struct Candidate {
    proc: &'static Proc,
    args: Vec<&'static str>,
    variadic: bool,
    /// In pg_catalog, not from an extension.
    builtin: bool,
    /// Another overload has the very same expanded signature.
    duplicate: bool,
}

pub(crate) fn resolve(schema: &Schema, call: &Call<'_>) -> Resolution {
    let resolver = Resolver { schema };
    let extensions: Vec<&[Proc]> = installed(schema).collect();
    // Every extension the schema installs is one migrate has the overloads of.
    let extensions_known = schema
        .extensions
        .keys()
        .all(|extension| extension == "plpgsql" || extensions::find(extension).is_some());
    // Functions of that name the migrations create are candidates too.
    let user_overloads = schema.functions.keys().any(|name| name.name == call.name);
    let sure = extensions_known && !user_overloads && !partial(schema, call.name);
    let procs = named(BUILTIN_OVERLOADS, call.name)
        .iter()
        .chain(extensions.iter().flat_map(|procs| named(procs, call.name)));
    let n_args = call.args.len();
    let by_name = call.arg_names.iter().any(Option::is_some);
    let mut candidates: Vec<Candidate> = Vec::new();
    let n_builtin = named(BUILTIN_OVERLOADS, call.name).len();
    for (index, proc) in procs.enumerate() {
        if (proc.kind == ProcKind::Ordered) != call.within_group {
            continue;
        }
        let n_declared = proc.args.len();
        let args: Vec<&'static str> = if call.variadic {
            if !proc.variadic || n_args != n_declared {
                continue;
            }
            let mut args = proc.args.to_vec();
            let Some(array) = args.last().and_then(|element| array_of(element)) else {
                continue;
            };
            *args
                .last_mut()
                .expect("a variadic overload has an argument") = array;
            args
        } else if by_name {
            // Arguments passed by name never fill a variadic one.
            if proc.variadic {
                continue;
            }
            match argument_positions(proc, call.arg_names) {
                Some(positions) => positions.iter().map(|&at| proc.args[at]).collect(),
                None => continue,
            }
        } else if proc.variadic && n_args >= n_declared {
            let mut args = proc.args.to_vec();
            let element = args[n_declared - 1];
            args.resize(n_args, element);
            args
        } else if n_args <= n_declared && n_args + usize::from(proc.defaults) >= n_declared {
            proc.args[..n_args].to_vec()
        } else {
            continue;
        };
        let builtin = index < n_builtin;
        if let Some(same) = candidates.iter_mut().find(|c| c.args == args) {
            // pg_catalog comes first on the search path; then PostgreSQL
            // prefers the overload that is not variadic.
            if same.builtin != builtin {
                continue;
            }
            match (same.variadic, proc.variadic) {
                (true, false) => {
                    *same = Candidate {
                        proc,
                        args,
                        variadic: false,
                        builtin,
                        duplicate: false,
                    }
                }
                (false, true) => {}
                _ => same.duplicate = true,
            }
            continue;
        }
        candidates.push(Candidate {
            proc,
            args,
            variadic: proc.variadic,
            builtin,
            duplicate: false,
        });
    }
    // A type name called as a function with one argument may be a cast
    // (`text(1)`), which PostgreSQL tries before inexact matches.
    let maybe_cast = n_args == 1 && !by_name && resolver.type_info(call.name).is_some();
    let inputs: Vec<Option<SqlType>> = call
        .args
        .iter()
        .map(|arg| arg.as_ref().map(|ty| types::base_type(schema, ty)))
        .collect();
    let exact = candidates.iter().position(|candidate| {
        call.args
            .iter()
            .zip(&candidate.args)
            .all(|(arg, declared)| {
                arg.as_ref().is_some_and(|ty| {
                    !polymorphic(declared) && resolver.typname(ty).as_deref() == Some(declared)
                })
            })
    });
    let chosen = match exact {
        Some(index) => &candidates[index],
        // A type name called on one argument is a cast to that type when
        // the cast is no function of its own: from an untyped literal,
        // between binary-compatible types, or by text I/O.
        None if maybe_cast && resolver.is_cast(call, &inputs[0]) => {
            let ty = resolver.sql_type(call.name);
            return Resolution::Found(Chosen {
                returns: ty.clone(),
                targets: vec![Some(ty)],
                set: false,
                kind: ProcKind::Scalar,
            });
        }
        None => {
            let fitting: Vec<&Candidate> = candidates
                .iter()
                .filter(|candidate| resolver.coercible(&inputs, &candidate.args))
                .collect();
            match fitting.as_slice() {
                [] if sure => return Resolution::NotFound,
                [] => return Resolution::Unsure,
                [only] => *only,
                _ => match select_candidate(&resolver, &inputs, &fitting) {
                    Some(chosen) => chosen,
                    None if sure => return Resolution::Ambiguous,
                    None => return Resolution::Unsure,
                },
            }
        }
    };
    if chosen.duplicate {
        return if sure {
            Resolution::Ambiguous
        } else {
            Resolution::Unsure
        };
    }
    resolver.finish(chosen, &inputs)
}

/// PostgreSQL's `MatchNamedCall`: the declared argument each argument of a
/// call fills, in the call's order: those passed by position the first
/// ones, those passed by name the one of that name. `None` when the
/// overload has no argument names, a name matches none or one already
/// filled, or an argument without a default is left out.
fn argument_positions(proc: &Proc, arg_names: &[Option<String>]) -> Option<Vec<usize>> {
    let n_declared = proc.args.len();
    if proc.arg_names.is_empty() || arg_names.len() > n_declared {
        return None;
    }
    let mut filled = vec![false; n_declared];
    let mut positions = Vec::with_capacity(arg_names.len());
    for name in arg_names {
        let at = match name {
            None => positions.len(),
            Some(name) => proc
                .arg_names
                .iter()
                .position(|declared| declared == name)?,
        };
        if filled[at] {
            return None;
        }
        filled[at] = true;
        positions.push(at);
    }
    let first_default = n_declared - usize::from(proc.defaults);
    filled[..first_default]
        .iter()
        .all(|filled| *filled)
        .then_some(positions)
}

/// The overloads of `name` in a list sorted by name.
fn named<'p>(procs: &'p [Proc], name: &str) -> &'p [Proc] {
    let start = procs.partition_point(|p| p.name < name);
    let end = start + procs[start..].partition_point(|p| p.name == name);
    &procs[start..end]
}

/// `(castcontext, castmethod)` of the cast from `source` to `target`.
fn builtin_cast(source: &str, target: &str) -> Option<(char, char)> {
    CASTS
        .binary_search_by(|(s, t, ..)| (*s, *t).cmp(&(source, target)))
        .ok()
        .map(|index| (CASTS[index].2, CASTS[index].3))
}

/// `(typcategory, typispreferred, array element)` of a built-in type.
fn builtin_type_info(typname: &str) -> Option<(char, bool, &'static str)> {
    TYPES
        .binary_search_by(|(name, ..)| name.cmp(&typname))
        .ok()
        .map(|index| {
            let (_, category, preferred, element) = TYPES[index];
            (category, preferred, element)
        })
}

/// `(typcategory, typispreferred)` of a built-in type, from the generated
/// table; `None` for a user type.
pub(crate) fn type_category(ty: &SqlType) -> Option<(char, bool)> {
    let (category, preferred, _) = builtin_type_info(&builtin_typname(ty)?)?;
    Some((category, preferred))
}

/// The array type of the element type `element` a variadic argument
/// repeats, as a name of the generated table: `_text` for `text`,
/// `anyarray` for `"any"`, which takes an array of anything.
fn array_of(element: &str) -> Option<&'static str> {
    match element {
        "any" | "anyelement" => Some("anyarray"),
        "anycompatible" => Some("anycompatiblearray"),
        _ => TYPES
            .iter()
            .find(|(_, _, _, of)| *of == element)
            .map(|(name, ..)| *name),
    }
}

fn polymorphic(declared: &str) -> bool {
    declared.starts_with("any") && declared != "any"
}

/// `int4`, `_text` for a built-in type; `None` for a user type.
fn builtin_typname(ty: &SqlType) -> Option<String> {
    if !ty.is_builtin() {
        return None;
    }
    Some(if ty.array {
        format!("_{}", ty.name)
    } else {
        ty.name.clone()
    })
}

/// The type a `typname` of the generated tables stands for.
fn builtin_sql_type(typname: &str) -> SqlType {
    match builtin_type_info(typname) {
        Some((_, _, element)) if !element.is_empty() => SqlType::builtin(element).into_array(),
        _ => SqlType::builtin(typname),
    }
}

/// What the polymorphic arguments of a candidate say their types are.
#[derive(Default)]
struct Polymorphic {
    /// `anyelement` and its family.
    element: Option<SqlType>,
    array: Option<SqlType>,
    range: Option<SqlType>,
    multirange: Option<SqlType>,
    /// The common type of the `anycompatible` family, `None` when every
    /// such argument is untyped (PostgreSQL takes text then).
    compatible: Option<SqlType>,
    compatible_range: Option<SqlType>,
    has_compatible: bool,
    has_element_family: bool,
}

/// The built-in overloads and the extensions', for
/// `func_select_candidate`'s narrowing.
impl Overloads for Resolver<'_> {
    type Candidate = Candidate;
    type Declared = &'static str;

    fn declared<'c>(&self, candidate: &'c Candidate) -> &'c [&'static str] {
        &candidate.args
    }

    fn is_exact(&self, input: &SqlType, declared: &&'static str) -> bool {
        self.typname(input).as_deref() == Some(*declared)
    }

    fn declared_category(&self, declared: &&'static str) -> (char, bool) {
        self.type_info(declared)
            .map_or(('U', false), |(c, p, _)| (c, p))
    }

    fn fits(&self, inputs: &[Option<SqlType>], candidate: &Candidate) -> bool {
        self.coercible(inputs, &candidate.args)
    }
}

struct Resolver<'s> {
    schema: &'s Schema,
}

impl Resolver<'_> {
    /// The `typname` of a type as the tables name it: built in, or a type
    /// of an extension the schema creates; `None` for a user type.
    fn typname(&self, ty: &SqlType) -> Option<String> {
        builtin_typname(ty).or_else(|| extensions::typname(self.schema, ty))
    }

    /// `(typcategory, typispreferred, array element)` of a `typname`.
    fn type_info(&self, typname: &str) -> Option<(char, bool, &'static str)> {
        if let Some(info) = builtin_type_info(typname) {
            return Some(info);
        }
        let (ty, category, preferred) = extensions::by_typname(self.schema, typname)?;
        let element = if ty.array {
            extensions::installed(self.schema)
                .flat_map(|(extension, _)| extension.types)
                .find(|t| t.array == typname)
                .map_or("", |t| t.name)
        } else {
            ""
        };
        Some((category, preferred, element))
    }

    /// `(castcontext, castmethod)` of a cast, built in or an extension's.
    fn cast(&self, source: &str, target: &str) -> Option<(char, char)> {
        builtin_cast(source, target).or_else(|| {
            extensions::casts(self.schema)
                .find(|(s, t, ..)| *s == source && *t == target)
                .map(|(.., context, method)| (*context, *method))
        })
    }

    /// The type a `typname` of the tables stands for.
    fn sql_type(&self, typname: &str) -> SqlType {
        if builtin_type_info(typname).is_none()
            && let Some((ty, ..)) = extensions::by_typname(self.schema, typname)
        {
            return ty;
        }
        builtin_sql_type(typname)
    }

    /// Whether `name(arg)` is a cast (`func_get_detail`'s coercion case):
    /// from an untyped literal, or when `find_coercion_pathway` finds a
    /// binary-compatible cast or one through text (not from a row to a
    /// string type).
    fn is_cast(&self, call: &Call<'_>, input: &Option<SqlType>) -> bool {
        let Some((target_category, ..)) = self.type_info(call.name) else {
            return false;
        };
        let Some(input) = input else {
            // An untyped parameter converts through text to a string type.
            return call.literal || target_category == 'S';
        };
        if self.typname(input).as_deref() == Some(call.name) {
            return true;
        }
        let (category, _) = self.category(input);
        let declared = self
            .typname(input)
            .and_then(|source| self.cast(&source, call.name));
        match declared {
            Some((_, method)) => method == 'b' || (method == 'i' && category != 'C'),
            // Arrays convert element by element: a function of its own.
            None if input.array && self.type_info(call.name).is_some_and(|(c, ..)| c == 'A') => {
                false
            }
            None => (target_category == 'S' && category != 'C') || category == 'S',
        }
    }

    fn category(&self, ty: &SqlType) -> (char, bool) {
        if let Some(name) = self.typname(ty) {
            return self
                .type_info(&name)
                .map_or(('U', false), |(category, preferred, _)| {
                    (category, preferred)
                });
        }
        if ty.array {
            return ('A', false);
        }
        let name = Name::new(&ty.schema, &ty.name);
        match self.schema.user_type(&name).map(|t| &t.kind) {
            Some(UserTypeKind::Enum { .. }) => ('E', false),
            Some(UserTypeKind::Range { .. }) => ('R', false),
            Some(UserTypeKind::Composite { .. }) => ('C', false),
            Some(UserTypeKind::Domain { base, .. }) => self.category(base),
            None if self.schema.relation(&name).is_some() => ('C', false),
            None => ('U', false),
        }
    }

    fn is_enum(&self, ty: &SqlType) -> bool {
        self.category(ty).0 == 'E' && !ty.array
    }

    fn is_composite(&self, ty: &SqlType) -> bool {
        self.category(ty).0 == 'C' && !ty.array
    }

    /// The subtype of a range type and its multirange, when migrate knows them.
    fn range_parts(&self, ty: &SqlType) -> Option<(SqlType, Option<SqlType>)> {
        if ty.array {
            return None;
        }
        if ty.is_builtin() {
            return RANGES.iter().find(|(range, ..)| *range == ty.name).map(
                |(_, subtype, multirange)| {
                    (
                        builtin_sql_type(subtype),
                        Some(SqlType::builtin(multirange)),
                    )
                },
            );
        }
        match &self
            .schema
            .user_type(&Name::new(&ty.schema, &ty.name))?
            .kind
        {
            UserTypeKind::Range { subtype } => Some((types::base_type(self.schema, subtype), None)),
            _ => None,
        }
    }

    fn multirange_subtype(&self, ty: &SqlType) -> Option<(SqlType, SqlType)> {
        let name = self.typname(ty)?;
        RANGES
            .iter()
            .find(|(.., multirange)| *multirange == name)
            .map(|(range, subtype, _)| (builtin_sql_type(subtype), SqlType::builtin(range)))
    }

    /// Whether `from` goes where `to` is expected without a cast written
    /// (`find_coercion_pathway` in the implicit context).
    fn implicit(&self, from: &SqlType, to: &SqlType) -> bool {
        if types::same_type(from, to) {
            return true;
        }
        if from.array && to.array {
            return self.implicit(&from.element(), &to.element());
        }
        if to.is_builtin() && !to.array && to.name == "record" && self.is_composite(from) {
            return true;
        }
        if to.is_builtin() && to.array && to.name == "record" && self.is_composite(&from.element())
        {
            return true;
        }
        match (self.typname(from), self.typname(to)) {
            (Some(from), Some(to)) => self
                .cast(&from, &to)
                .is_some_and(|(context, _)| context == 'i'),
            _ => false,
        }
    }

    /// `can_coerce_type`: every typed argument converts implicitly, and the
    /// polymorphic ones agree.
    fn coercible(&self, inputs: &[Option<SqlType>], declared: &[&str]) -> bool {
        for (input, declared) in inputs.iter().zip(declared) {
            let Some(input) = input else { continue };
            if *declared == "any" || polymorphic(declared) {
                continue;
            }
            if !self.implicit(input, &self.sql_type(declared)) {
                return false;
            }
        }
        self.polymorphic(inputs, declared).is_some()
    }

    /// `check_generic_type_consistency`.
    fn polymorphic(&self, inputs: &[Option<SqlType>], declared: &[&str]) -> Option<Polymorphic> {
        let mut found = Polymorphic::default();
        let mut non_array = false;
        let mut enumeration = false;
        let mut compatible_non_array = false;
        let mut compatible: Vec<SqlType> = Vec::new();
        let agree = |slot: &mut Option<SqlType>, ty: SqlType| match slot {
            Some(seen) => types::same_type(seen, &ty),
            None => {
                *slot = Some(ty);
                true
            }
        };
        for (input, declared) in inputs.iter().zip(declared) {
            match *declared {
                "anyelement" | "anynonarray" | "anyenum" | "anyarray" | "anyrange"
                | "anymultirange" => found.has_element_family = true,
                "anycompatible"
                | "anycompatiblenonarray"
                | "anycompatiblearray"
                | "anycompatiblerange"
                | "anycompatiblemultirange" => found.has_compatible = true,
                _ => {}
            }
            non_array |= *declared == "anynonarray";
            enumeration |= *declared == "anyenum";
            compatible_non_array |= *declared == "anycompatiblenonarray";
            let Some(input) = input else { continue };
            let fits = match *declared {
                "anyelement" | "anynonarray" | "anyenum" => {
                    agree(&mut found.element, input.clone())
                }
                "anyarray" => input.array && agree(&mut found.array, input.clone()),
                "anyrange" => {
                    self.range_parts(input).is_some() && agree(&mut found.range, input.clone())
                }
                "anymultirange" => {
                    self.multirange_subtype(input).is_some()
                        && agree(&mut found.multirange, input.clone())
                }
                "anycompatible" | "anycompatiblenonarray" => {
                    compatible.push(input.clone());
                    true
                }
                "anycompatiblearray" => {
                    compatible.push(input.element());
                    input.array
                }
                "anycompatiblerange" => match self.range_parts(input) {
                    Some((subtype, _)) => {
                        compatible.push(subtype);
                        agree(&mut found.compatible_range, input.clone())
                    }
                    None => false,
                },
                // anycompatiblemultirange: no built-in function takes one
                // without an anycompatiblerange beside it.
                "anycompatiblemultirange" => false,
                _ => true,
            };
            if !fits {
                return None;
            }
        }
        if let Some(array) = &found.array
            && !agree(&mut found.element, array.element())
        {
            return None;
        }
        if let Some(multirange) = &found.multirange {
            let (_, range) = self.multirange_subtype(multirange)?;
            if !agree(&mut found.range, range) {
                return None;
            }
        }
        if let Some(range) = &found.range {
            let (subtype, _) = self.range_parts(range)?;
            if !agree(&mut found.element, subtype) {
                return None;
            }
        }
        if let Some(element) = &found.element {
            if non_array && element.array {
                return None;
            }
            if enumeration && !self.is_enum(element) {
                return None;
            }
        }
        if !compatible.is_empty() {
            let common = self.common_type(&compatible)?;
            if let Some(range) = &found.compatible_range {
                let (subtype, _) = self.range_parts(range)?;
                if !types::same_type(&subtype, &common) {
                    return None;
                }
            }
            if compatible_non_array && common.array {
                return None;
            }
            found.compatible = Some(common);
        }
        Some(found)
    }

    /// `select_common_type` over typed values, then every one must convert.
    fn common_type(&self, values: &[SqlType]) -> Option<SqlType> {
        let mut common = values.first()?.clone();
        let (mut category, mut preferred) = self.category(&common);
        for ty in &values[1..] {
            if types::same_type(ty, &common) {
                continue;
            }
            let (next_category, next_preferred) = self.category(ty);
            if next_category != category {
                return None;
            }
            if !preferred && self.implicit(&common, ty) && !self.implicit(ty, &common) {
                common = ty.clone();
                category = next_category;
                preferred = next_preferred;
            }
        }
        common.modifiers.clear();
        values
            .iter()
            .all(|ty| self.implicit(ty, &common))
            .then_some(common)
    }

    /// The result type and argument targets of the chosen overload
    /// (`enforce_generic_type_consistency` for the polymorphic ones).
    fn finish(&self, chosen: &Candidate, inputs: &[Option<SqlType>]) -> Resolution {
        let Some(found) = self.polymorphic(inputs, &chosen.args) else {
            return Resolution::Unsure;
        };
        let element = found
            .element
            .clone()
            .or_else(|| found.array.as_ref().map(SqlType::element));
        if found.has_element_family && element.is_none() {
            return Resolution::UnknownPolymorphic;
        }
        let compatible = if found.has_compatible {
            Some(
                found
                    .compatible
                    .clone()
                    .unwrap_or_else(|| SqlType::builtin("text")),
            )
        } else {
            None
        };
        let concrete = |declared: &str| -> Result<Option<SqlType>, ()> {
            Ok(Some(match declared {
                "any" => return Ok(None),
                "anyelement" | "anynonarray" | "anyenum" => element.clone().ok_or(())?,
                "anyarray" => match (&found.array, &element) {
                    (Some(array), _) => array.clone(),
                    (None, Some(element)) if !element.array => element.clone().into_array(),
                    _ => return Err(()),
                },
                "anyrange" => found.range.clone().ok_or(())?,
                "anymultirange" => match (&found.multirange, &found.range) {
                    (Some(multirange), _) => multirange.clone(),
                    (None, Some(range)) => self.range_parts(range).and_then(|(_, m)| m).ok_or(())?,
                    _ => return Err(()),
                },
                "anycompatible" | "anycompatiblenonarray" => compatible.clone().ok_or(())?,
                "anycompatiblearray" => match &compatible {
                    Some(common) if !common.array => common.clone().into_array(),
                    _ => return Err(()),
                },
                "anycompatiblerange" => found.compatible_range.clone().ok_or(())?,
                other if polymorphic(other) => return Err(()),
                other => self.sql_type(other),
            }))
        };
        let mut targets = Vec::with_capacity(chosen.args.len());
        for declared in &chosen.args {
            match concrete(declared) {
                Ok(target) => targets.push(target),
                Err(()) => return Resolution::Unsure,
            }
        }
        let returns = match concrete(chosen.proc.returns) {
            Ok(Some(returns)) => returns,
            _ => return Resolution::Unsure,
        };
        Resolution::Found(Chosen {
            returns,
            targets,
            set: chosen.proc.set,
            kind: chosen.proc.kind,
        })
    }
}

/// Whether the generated overloads know a function called `name`: built
/// in, or from an extension the schema creates.
pub(crate) fn knows(schema: &Schema, name: &str) -> bool {
    !named(BUILTIN_OVERLOADS, name).is_empty()
        || installed(schema).any(|procs| !named(procs, name).is_empty())
}

/// The argument names of the generated overloads of `name`, without
/// repeats, for `did you mean` on a name no overload has.
pub(crate) fn argument_names(schema: &Schema, name: &str) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    let procs = named(BUILTIN_OVERLOADS, name)
        .iter()
        .chain(installed(schema).flat_map(|procs| named(procs, name)));
    for proc in procs {
        for arg_name in proc.arg_names {
            if !arg_name.is_empty() && !names.contains(arg_name) {
                names.push(arg_name);
            }
        }
    }
    names
}

/// The overloads of the extensions the schema creates: the catalogue's,
/// which include those over the extension's own types.
fn installed(schema: &Schema) -> impl Iterator<Item = &'static [Proc]> + '_ {
    extensions::installed(schema).map(|(entry, _)| entry.procs)
}

/// Whether every built-in function called `name` is a plain scalar one
/// (not an aggregate or window function).
pub(crate) fn only_scalar(name: &str) -> bool {
    let procs = named(BUILTIN_OVERLOADS, name);
    !procs.is_empty()
        && pg_functions::PARTIAL.binary_search(&name).is_err()
        && procs.iter().all(|p| p.kind == ProcKind::Scalar)
}
