//! `CALL p(..)`: a procedure of the migrations, found as PostgreSQL 15
//! finds it, and the row its OUT and INOUT arguments make.
//!
//! Since PostgreSQL 14 a CALL passes every argument of the procedure, OUT
//! ones included (as NULL or any expression of their type), so a procedure
//! is matched on all its arguments; Describe gives one row whose columns are
//! its output arguments, none for a procedure without.

use sqlparser::ast::{Function, FunctionArg, FunctionArgExpr, FunctionArguments};

use super::query::object_name_parts;
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
        let mut by_name = false;
        if let FunctionArguments::List(list) = &call.args {
            for arg in &list.args {
                let expr = match arg {
                    FunctionArg::Unnamed(expr) => expr,
                    FunctionArg::Named { arg, .. } | FunctionArg::ExprNamed { arg, .. } => {
                        by_name = true;
                        arg
                    }
                };
                if let FunctionArgExpr::Expr(expr) = expr {
                    args.push(self.expr(expr));
                }
            }
        }
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
        let chosen = if by_name {
            // The model keeps no input argument names: a call by name is
            // taken when the name leaves one procedure to call.
            let mut procedures = overloads.iter().filter(|function| function.procedure);
            match (procedures.next(), procedures.next()) {
                (Some(only), None) => {
                    self.warn(
                        "migrate does not check arguments passed by name to a procedure",
                        span.clone(),
                    );
                    for arg in &args {
                        self.poison(arg);
                    }
                    return procedure_row(only, span);
                }
                _ => None,
            }
        } else {
            let mut matching = overloads
                .iter()
                .filter(|function| function.procedure && self.call_matches(function, &args));
            match (matching.next(), matching.next()) {
                (Some(only), None) => Some(only),
                // More than one: PostgreSQL's ranking is not followed here.
                (Some(first), Some(_)) => {
                    self.warn(
                        format!(
                            "migrate cannot tell which procedure {} a CALL chooses; the first is described",
                            parts.join(".")
                        ),
                        span.clone(),
                    );
                    Some(first)
                }
                (None, _) => None,
            }
        };
        let Some(procedure) = chosen else {
            let shown = self.call_argument_list(&args);
            let called = parts.join(".");
            let is_function = !by_name
                && overloads
                    .iter()
                    .any(|function| !function.procedure && self.call_matches(function, &args));
            let diagnostic = if is_function {
                Diagnostic::error(
                    format!("{called}({shown}) is not a procedure"),
                    span.clone(),
                )
                .with_help("to call a function, use SELECT")
            } else {
                Diagnostic::error(
                    format!("procedure {called}({shown}) does not exist"),
                    span.clone(),
                )
                .with_help("no procedure matches the given name and argument types; you might need to add explicit type casts")
            };
            self.error(diagnostic);
            for arg in &args {
                self.poison(arg);
            }
            return Vec::new();
        };
        let procedure = procedure.clone();
        for (arg, declared) in args.iter().zip(procedure.call_arguments()) {
            if !super::query::is_pseudo_type(&declared) {
                self.coerce_implicit(arg, &declared);
            }
        }
        procedure_row(&procedure, span)
    }

    /// Whether a CALL of `args` can call `function`: as many arguments as
    /// it takes (trailing ones with defaults may be left out, but not where
    /// it has OUT arguments: PostgreSQL then matches all of them), each of a
    /// type that casts implicitly to the declared one.
    fn call_matches(&self, function: &migrate_core::Function, args: &[Typed]) -> bool {
        let declared = function.call_arguments();
        let defaults = if declared.len() > function.arguments.len() {
            0
        } else {
            function.defaults
        };
        if args.len() > declared.len() || args.len() + defaults < declared.len() {
            return false;
        }
        args.iter()
            .zip(&declared)
            .all(|(arg, declared)| match &arg.ty {
                Ty::Known(ty) => {
                    super::query::is_pseudo_type(declared)
                        || types::same_type(ty, declared)
                        || types::implicitly_castable(self.schema, ty, declared)
                }
                Ty::Param(_) | Ty::Unknown | Ty::Error => true,
            })
    }

    /// The argument types as PostgreSQL lists them in its message.
    fn call_argument_list(&self, args: &[Typed]) -> String {
        args.iter()
            .map(|arg| match &arg.ty {
                Ty::Known(ty) => types::display(ty),
                Ty::Param(n) => self
                    .params
                    .get(n - 1)
                    .cloned()
                    .flatten()
                    .map_or_else(|| "unknown".to_owned(), |ty| types::display(&ty)),
                _ => "unknown".to_owned(),
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
