//! Which function or procedure of the migrations a call names, chosen
//! among the overloads of its name as PostgreSQL 15 chooses
//! (`FuncnameGetCandidates`, `MatchNamedCall` and `func_get_detail`):
//!
//! 1. each overload is laid out for the call: arguments passed by position
//!    fill the first declared ones, those passed by name the one of that
//!    name; trailing arguments with defaults may be left out; a VARIADIC
//!    one takes the extra arguments one by one, unless the call passes an
//!    array with `VARIADIC`, and is never filled by name otherwise;
//! 2. two overloads laid out alike are one call PostgreSQL cannot choose
//!    between (`f(int)` beside `f(int, int DEFAULT 1)`), unless only one of
//!    them spreads a VARIADIC argument: the other wins;
//! 3. an overload whose types are exactly the arguments' wins; else those
//!    each argument converts to implicitly are kept, and several are
//!    narrowed down by `func_select_candidate`'s rules: most exact
//!    matches, then most preferred types, then the category of untyped
//!    arguments (string first), then the one type all typed arguments
//!    share. What is left over is "not unique".

use migrate_core::{Function, Name, Schema, SqlType};

use super::candidates::{Overloads, select_candidate};
use super::types::{self, Category, Ty};
use super::{Analyzer, Typed};
use crate::diagnostic::Diagnostic;

impl Analyzer<'_> {
    /// The overloads the migrations create under the name `parts` names.
    pub(crate) fn user_overloads(&self, parts: &[String]) -> Option<Vec<Function>> {
        let name = match parts {
            [name] => Name::public(name),
            [schema, name] => Name::new(schema, name),
            _ => return None,
        };
        self.schema.functions.get(&name).cloned()
    }

    /// The overload of `overloads` (the migrations' own) a call of `args`
    /// in a query takes, as PostgreSQL chooses it, with its arguments
    /// typed, and the declared argument each fills; `None` when none takes
    /// it (a built-in function of that name may). `Err` when the call is
    /// refused, in PostgreSQL's words at `span` (`called` is the name as
    /// written): the overload is a procedure, or PostgreSQL cannot choose.
    pub(crate) fn resolve_user_call(
        &mut self,
        overloads: &[Function],
        args: &[Typed],
        arg_names: &[Option<String>],
        variadic: bool,
        called: &str,
        span: std::ops::Range<usize>,
    ) -> Result<Option<(Function, Vec<usize>)>, ()> {
        let mut inputs = Vec::with_capacity(args.len());
        for arg in args {
            inputs.push(match &arg.ty {
                Ty::Known(ty) => Some(ty.clone()),
                Ty::Param(n) => self.params.get(n - 1).cloned().flatten(),
                Ty::Unknown => None,
                // Already reported: nothing more to say.
                Ty::Error => {
                    for arg in args {
                        self.poison(arg);
                    }
                    return Err(());
                }
            });
        }
        let resolved = resolve(
            self.schema,
            overloads,
            &RoutineCall {
                args: &inputs,
                arg_names,
                variadic,
                all_arguments: false,
            },
        );
        let diagnostic = match resolved {
            Resolved::Found {
                index,
                targets,
                positions,
            } if !overloads[index].procedure => {
                for (arg, target) in args.iter().zip(&targets) {
                    if !super::query::is_pseudo_type(target) {
                        self.coerce_implicit(arg, target);
                    }
                }
                return Ok(Some((overloads[index].clone(), positions)));
            }
            Resolved::NotFound => return Ok(None),
            Resolved::Found { .. } => {
                let shown = self.argument_list(args, arg_names);
                Diagnostic::error(format!("{called}({shown}) is a procedure"), span)
                    .with_help("to call a procedure, use CALL")
            }
            Resolved::Ambiguous => {
                let shown = self.argument_list(args, arg_names);
                Diagnostic::error(format!("function {called}({shown}) is not unique"), span)
                    .with_help("could not choose a best candidate function; you might need to add explicit type casts")
            }
        };
        self.error(diagnostic);
        for arg in args {
            self.poison(arg);
        }
        Err(())
    }
}

/// A call as resolution sees it.
pub(crate) struct RoutineCall<'a> {
    /// Argument types; `None` for an untyped literal or a parameter whose
    /// type is not decided yet.
    pub(crate) args: &'a [Option<SqlType>],
    /// The name each argument is passed by, `None` for one passed by
    /// position (those come first); empty when none is named.
    pub(crate) arg_names: &'a [Option<String>],
    /// The last argument is passed with `VARIADIC`.
    pub(crate) variadic: bool,
    /// A CALL: since PostgreSQL 14 it passes the OUT arguments too, so an
    /// overload is matched on all its arguments.
    pub(crate) all_arguments: bool,
}

/// What resolving a call over the overloads of its name gives.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// The overload at this index of the list, with the type each argument
    /// of the call is passed as and the declared argument it fills (the
    /// VARIADIC one for each it spreads over), in the call's order.
    Found {
        index: usize,
        targets: Vec<SqlType>,
        positions: Vec<usize>,
    },
    /// No overload takes the call: `function f(..) does not exist`.
    NotFound,
    /// `function f(..) is not unique`.
    Ambiguous,
}

/// An overload laid out for the call.
struct Candidate {
    index: usize,
    /// The declared type each argument of the call fills, in call order;
    /// an element type where a VARIADIC argument is spread.
    targets: Vec<SqlType>,
    /// The declared argument each argument of the call fills.
    positions: Vec<usize>,
    /// It spreads a VARIADIC argument over several (or one) arguments.
    spread: bool,
    /// Another overload is laid out alike: PostgreSQL cannot choose.
    duplicate: bool,
}

/// The overload of `overloads` a call takes, as PostgreSQL chooses it.
pub(crate) fn resolve(schema: &Schema, overloads: &[Function], call: &RoutineCall<'_>) -> Resolved {
    let mut candidates: Vec<Candidate> = Vec::new();
    for (index, function) in overloads.iter().enumerate() {
        if function.aggregate && function.direct_arguments.is_some() {
            continue;
        }
        let Some((positions, spread)) = lay_out(function, call) else {
            continue;
        };
        let targets = declared_types(function, call, &positions, spread);
        if let Some(same) = candidates
            .iter_mut()
            .find(|candidate| same_types(&candidate.targets, &targets))
        {
            match (same.spread, spread) {
                (true, false) => {
                    *same = Candidate {
                        index,
                        targets,
                        positions,
                        spread,
                        duplicate: false,
                    };
                }
                (false, true) => {}
                _ => same.duplicate = true,
            }
            continue;
        }
        candidates.push(Candidate {
            index,
            targets,
            positions,
            spread,
            duplicate: false,
        });
    }
    let exact = candidates.iter().find(|candidate| {
        call.args
            .iter()
            .zip(&candidate.targets)
            .all(|(arg, target)| {
                arg.as_ref()
                    .is_some_and(|arg| !polymorphic(target) && types::same_type(arg, target))
            })
    });
    let chosen = match exact {
        Some(exact) => exact,
        None => {
            let inputs: Vec<Option<SqlType>> = call
                .args
                .iter()
                .map(|arg| arg.as_ref().map(|ty| types::base_type(schema, ty)))
                .collect();
            let fitting: Vec<&Candidate> = candidates
                .iter()
                .filter(|candidate| coercible(schema, &inputs, &candidate.targets))
                .collect();
            match fitting.as_slice() {
                [] => return Resolved::NotFound,
                [only] => only,
                _ => match select_candidate(&Routines(schema), &inputs, &fitting) {
                    Some(chosen) => chosen,
                    None => return Resolved::Ambiguous,
                },
            }
        }
    };
    if chosen.duplicate {
        return Resolved::Ambiguous;
    }
    Resolved::Found {
        index: chosen.index,
        targets: chosen.targets.clone(),
        positions: chosen.positions.clone(),
    }
}

/// The arguments `function` declares that a call may pass: its input
/// ones, or for a CALL all of them.
fn declared(function: &Function, call: &RoutineCall<'_>) -> Vec<SqlType> {
    if call.all_arguments {
        function.call_arguments()
    } else {
        function.arguments.clone()
    }
}

/// The type each argument of the call is passed as: the declared type of
/// the argument it fills, the element type where a VARIADIC one spreads.
fn declared_types(
    function: &Function,
    call: &RoutineCall<'_>,
    positions: &[usize],
    spread: bool,
) -> Vec<SqlType> {
    let declared = declared(function, call);
    positions
        .iter()
        .map(|&at| {
            if spread && at + 1 == declared.len() {
                declared[at].element()
            } else {
                declared[at].clone()
            }
        })
        .collect()
}

/// `function` laid out for `call`: the declared argument each argument
/// of the call fills, and whether a VARIADIC argument is spread; `None`
/// when it cannot take the call.
fn lay_out(function: &Function, call: &RoutineCall<'_>) -> Option<(Vec<usize>, bool)> {
    let names = if call.all_arguments {
        function.call_argument_names()
    } else {
        (0..function.arguments.len())
            .map(|index| function.argument_name(index).unwrap_or_default().to_owned())
            .collect()
    };
    let n_declared = names.len();
    let n_args = call.args.len();
    let by_name = call.arg_names.iter().any(Option::is_some);
    // Defaults count from the end of the arguments matched, OUT ones of
    // a CALL included, as PostgreSQL counts them.
    let defaults = function.defaults;
    if by_name {
        // Arguments passed by name never spread a VARIADIC one; its array
        // is passed whole with `VARIADIC`.
        if function.variadic != call.variadic {
            return None;
        }
        let positions = named_positions(n_declared, defaults, &names, call.arg_names)?;
        return Some((positions, false));
    }
    if call.variadic {
        // An array for the VARIADIC argument as a whole: only a VARIADIC
        // overload, with the argument at its place.
        return (function.variadic && n_args == n_declared).then(|| ((0..n_args).collect(), false));
    }
    if function.variadic && n_args >= n_declared {
        let positions = (0..n_args).map(|at| at.min(n_declared - 1)).collect();
        return Some((positions, true));
    }
    if n_args <= n_declared && n_args + defaults >= n_declared {
        return Some(((0..n_args).collect(), false));
    }
    None
}

/// PostgreSQL's `MatchNamedCall`: the declared argument each argument of
/// the call fills, in the call's order. `None` when there are more
/// arguments than declared, a name matches no argument or one already
/// filled, or an argument without a default is left out.
fn named_positions(
    n_declared: usize,
    defaults: usize,
    names: &[String],
    arg_names: &[Option<String>],
) -> Option<Vec<usize>> {
    if arg_names.len() > n_declared {
        return None;
    }
    let mut filled = vec![false; n_declared];
    let mut positions = Vec::with_capacity(arg_names.len());
    for name in arg_names {
        let at = match name {
            None => positions.len(),
            Some(name) => names.iter().position(|declared| declared == name)?,
        };
        if filled[at] {
            return None;
        }
        filled[at] = true;
        positions.push(at);
    }
    let first_default = n_declared.saturating_sub(defaults);
    filled[..first_default]
        .iter()
        .all(|filled| *filled)
        .then_some(positions)
}

fn same_types(a: &[SqlType], b: &[SqlType]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(a, b)| types::same_type(a, b))
}

/// A polymorphic or other pseudo-type argument: it takes any value here
/// (whether the polymorphic ones agree is not followed).
fn polymorphic(ty: &SqlType) -> bool {
    super::query::is_pseudo_type(ty)
}

/// `can_coerce_type`: every typed argument converts implicitly.
fn coercible(schema: &Schema, inputs: &[Option<SqlType>], targets: &[SqlType]) -> bool {
    inputs
        .iter()
        .zip(targets)
        .all(|(input, target)| match input {
            None => true,
            Some(input) => {
                polymorphic(target)
                    || types::same_type(input, target)
                    || types::implicitly_castable(schema, input, target)
            }
        })
}

/// `(typcategory, typispreferred)` of a declared type.
fn category_of(schema: &Schema, ty: &SqlType) -> (char, bool) {
    if let Some(info) = super::overloads::type_category(ty) {
        return info;
    }
    let category = match types::category(schema, ty) {
        Category::Array => 'A',
        Category::Boolean => 'B',
        Category::DateTime => 'D',
        Category::Enum => 'E',
        Category::Geometric => 'G',
        Category::Network => 'I',
        Category::Numeric => 'N',
        Category::Pseudo => 'P',
        Category::Range => 'R',
        Category::String => 'S',
        Category::Timespan => 'T',
        Category::User => 'U',
        Category::BitString => 'V',
        Category::Composite => 'C',
    };
    (category, false)
}

/// The migrations' routines, for `func_select_candidate`'s narrowing.
struct Routines<'s>(&'s Schema);

impl Overloads for Routines<'_> {
    type Candidate = Candidate;
    type Declared = SqlType;

    fn declared<'c>(&self, candidate: &'c Candidate) -> &'c [SqlType] {
        &candidate.targets
    }

    fn is_exact(&self, input: &SqlType, declared: &SqlType) -> bool {
        types::same_type(input, &types::base_type(self.0, declared))
    }

    fn declared_category(&self, declared: &SqlType) -> (char, bool) {
        category_of(self.0, declared)
    }

    fn fits(&self, inputs: &[Option<SqlType>], candidate: &Candidate) -> bool {
        coercible(self.0, inputs, &candidate.targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(arguments: &[&str], names: &[&str], defaults: usize) -> Function {
        Function {
            arguments: arguments.iter().map(|ty| SqlType::builtin(ty)).collect(),
            returns: Some(SqlType::builtin("int4")),
            returns_set: false,
            aggregate: false,
            variadic: false,
            direct_arguments: None,
            defaults,
            outputs: Vec::new(),
            procedure: false,
            argument_names: names.iter().map(|name| (*name).to_owned()).collect(),
        }
    }

    fn resolve_names(
        overloads: &[Function],
        args: &[Option<&str>],
        names: &[Option<&str>],
    ) -> Resolved {
        let args: Vec<Option<SqlType>> = args.iter().map(|ty| ty.map(SqlType::builtin)).collect();
        let names: Vec<Option<String>> = names.iter().map(|name| name.map(str::to_owned)).collect();
        resolve(
            &Schema::new(),
            overloads,
            &RoutineCall {
                args: &args,
                arg_names: &names,
                variadic: false,
                all_arguments: false,
            },
        )
    }

    #[test]
    fn named_arguments_fill_their_places_and_defaults_the_rest() {
        let overloads = [function(&["int4", "text", "bool"], &["a", "b", "c"], 2)];
        assert_eq!(
            resolve_names(&overloads, &[None, Some("int4")], &[Some("b"), Some("a")]),
            Resolved::Found {
                index: 0,
                targets: vec![SqlType::builtin("text"), SqlType::builtin("int4")],
                positions: vec![1, 0],
            }
        );
        // `a` has no default; `x` is no argument's name; `a` given twice.
        assert_eq!(
            resolve_names(&overloads, &[None], &[Some("b")]),
            Resolved::NotFound
        );
        assert_eq!(
            resolve_names(&overloads, &[None], &[Some("x")]),
            Resolved::NotFound
        );
        assert_eq!(
            resolve_names(&overloads, &[None, None], &[None, Some("a")]),
            Resolved::NotFound
        );
    }

    #[test]
    fn overloads_laid_out_alike_are_not_unique() {
        let overloads = [
            function(&["int4"], &["x"], 0),
            function(&["int4", "int4"], &["x", "y"], 1),
        ];
        assert_eq!(
            resolve_names(&overloads, &[Some("int4")], &[]),
            Resolved::Ambiguous
        );
        assert_eq!(
            resolve_names(&overloads, &[Some("int4"), None], &[]),
            Resolved::Found {
                index: 1,
                targets: vec![SqlType::builtin("int4"), SqlType::builtin("int4")],
                positions: vec![0, 1],
            }
        );
    }

    #[test]
    fn an_untyped_argument_prefers_the_string_category() {
        let overloads = [
            function(&["int4"], &["a"], 0),
            function(&["text"], &["a"], 0),
        ];
        assert_eq!(
            resolve_names(&overloads, &[None], &[Some("a")]),
            Resolved::Found {
                index: 1,
                targets: vec![SqlType::builtin("text")],
                positions: vec![0],
            }
        );
        let numbers = [
            function(&["int4"], &["a"], 0),
            function(&["int8"], &["a"], 0),
        ];
        assert_eq!(resolve_names(&numbers, &[None], &[]), Resolved::Ambiguous);
        assert_eq!(
            resolve_names(&numbers, &[Some("int2")], &[]),
            Resolved::Ambiguous
        );
        assert_eq!(
            resolve_names(&numbers, &[Some("int8")], &[]),
            Resolved::Found {
                index: 1,
                targets: vec![SqlType::builtin("int8")],
                positions: vec![0],
            }
        );
    }
}
