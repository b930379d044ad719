//! `CALL p(..)`: a procedure of the migrations, found as PostgreSQL 15
//! finds it, and the row its OUT and INOUT arguments make.
//!
//! Since PostgreSQL 14 a CALL passes every argument of the procedure, OUT
//! ones included (as NULL or any expression of their type), so a procedure
//! is matched on all its arguments, by position or by name, among the
//! overloads of its name as `routines.rs` chooses; Describe gives one row
//! whose columns are its output arguments, none for a procedure without.

use sqlparser::ast::{Function, FunctionArgExpr, FunctionArguments};

use super::query::object_name_parts;
use super::routines;
use super::types::{self, Ty};
use super::{Analyzer, Out, Typed};
use crate::diagnostic::Diagnostic;
use migrate_core::Name;

impl Analyzer<'_> {
    /// A CALL statement: its arguments typed against the procedure's, its
    /// output arguments as the row it returns.
    pub(crate) fn call_statement(&mut self, call: &Function) -> Vec<Out> {
        let span = self.span(&call.name);
        let parts = object_name_parts(&call.name);
        let mut args = Vec::new();
        let mut arg_names: Vec<Option<String>> = Vec::new();
        // A misplaced or repeated argument name, reported as PostgreSQL
        // does before it looks for the procedure.
        let mut misnamed = false;
        if let FunctionArguments::List(list) = &call.args {
            for arg in &list.args {
                let (name, expr) = self.function_arg(arg, false, &mut misnamed);
                if let FunctionArgExpr::Expr(expr) = expr {
                    let typed = self.expr(expr);
                    misnamed |= self.check_argument_name(name.as_ref(), &typed, &arg_names);
                    args.push(typed);
                    arg_names.push(name.map(|(name, _)| name));
                }
            }
        }
        if misnamed {
            for arg in &args {
                self.poison(arg);
            }
            return Vec::new();
        }
        if arg_names.iter().all(Option::is_none) {
            arg_names.clear();
        }
        let variadic = self.passed_variadic(&args, span.start);
        let name = match parts.as_slice() {
            [name] => Name::public(name),
            [schema, name] => Name::new(schema, name),
            _ => {
                self.warn(
                    "migrate does not check a CALL of a name of three parts",
                    span,
                );
                return Vec::new();
            }
        };
        let overloads = self
            .schema
            .functions
            .get(&name)
            .cloned()
            .unwrap_or_default();
        let mut inputs = Vec::with_capacity(args.len());
        for arg in &args {
            inputs.push(match &arg.ty {
                Ty::Known(ty) => Some(ty.clone()),
                Ty::Param(n) => self.params.get(n - 1).cloned().flatten(),
                Ty::Unknown => None,
                // Already reported: nothing more to say.
                Ty::Error => {
                    for arg in &args {
                        self.poison(arg);
                    }
                    return Vec::new();
                }
            });
        }
        let resolved = routines::resolve(
            self.schema,
            &overloads,
            &routines::RoutineCall {
                args: &inputs,
                arg_names: &arg_names,
                variadic,
                all_arguments: true,
            },
        );
        let shown = self.call_argument_list(&args, &arg_names);
        let called = parts.join(".");
        let diagnostic = match resolved {
            routines::Resolved::Found {
                index, targets, ..
            } if overloads[index].procedure => {
                for (arg, target) in args.iter().zip(&targets) {
                    if !super::query::is_pseudo_type(target) {
                        self.coerce_implicit(arg, target);
                    }
                }
                return procedure_row(&overloads[index], span);
            }
            routines::Resolved::Found { .. } => {
                Diagnostic::error(format!("{called}({shown}) is not a procedure"), span.clone())
                    .with_help("to call a function, use SELECT")
            }
            routines::Resolved::NotFound => Diagnostic::error(
                format!("procedure {called}({shown}) does not exist"),
                span.clone(),
            )
            .with_help("no procedure matches the given name and argument types; you might need to add explicit type casts"),
            routines::Resolved::Ambiguous => Diagnostic::error(
                format!("procedure {called}({shown}) is not unique"),
                span.clone(),
            )
            .with_help("could not choose a best candidate procedure; you might need to add explicit type casts"),
        };
        self.error(diagnostic);
        for arg in &args {
            self.poison(arg);
        }
        Vec::new()
    }

    /// The argument types as PostgreSQL lists them in its message, each
    /// passed by name after its name (`a => integer`).
    fn call_argument_list(&self, args: &[Typed], arg_names: &[Option<String>]) -> String {
        args.iter()
            .enumerate()
            .map(|(index, arg)| {
                let ty = match &arg.ty {
                    Ty::Known(ty) => types::display(ty),
                    Ty::Param(n) => self
                        .params
                        .get(n - 1)
                        .cloned()
                        .flatten()
                        .map_or_else(|| "unknown".to_owned(), |ty| types::display(&ty)),
                    _ => "unknown".to_owned(),
                };
                match arg_names.get(index).and_then(Option::as_ref) {
                    Some(name) => format!("{name} => {ty}"),
                    None => ty,
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The row a CALL of `procedure` returns: one column per output argument.
fn procedure_row(procedure: &migrate_core::Function, span: std::ops::Range<usize>) -> Vec<Out> {
    procedure
        .outputs
        .iter()
        .enumerate()
        .map(|(index, output)| {
            let name = output.column_name(index + 1);
            Out {
                name: name.clone(),
                typed: Typed::new(Ty::Known(output.ty.clone()), true, span.clone()).named(name),
            }
        })
        .collect()
}
