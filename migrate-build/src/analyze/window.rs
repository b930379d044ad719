//! Window specifications, `OVER (PARTITION BY .. ORDER BY .. frame)` and
//! the WINDOW clause, typed as PostgreSQL's `transformWindowDefinitions`
//! does: partitions, orderings, then the frame offsets.
//!
//! A ROWS or GROUPS offset is a bigint. A RANGE offset is added to and
//! subtracted from the one ORDER BY value by an `in_range` support function
//! of the column type's btree operator family, and takes the offset type
//! of the one PostgreSQL picks.

use migrate_core::SqlType;
use sqlparser::ast::{
    Expr, Function, FunctionArguments, Interval, WindowFrame, WindowFrameBound, WindowFrameUnits,
    WindowSpec,
};

use super::grouping::{argument_expr, is_aggregate_call, is_subquery, walk};
use super::types::{self, Ty};
use super::{Analyzer, Typed};
use crate::diagnostic::Diagnostic;

/// The offset types of the `in_range` support functions PostgreSQL 15 has
/// for an ORDER BY column of the built-in type `column` (`pg_amproc`,
/// btree support procedure 3, by left type).
fn in_range_offsets(column: &str) -> &'static [&'static str] {
    match column {
        "int2" | "int4" => &["int8", "int4", "int2"],
        "int8" => &["int8"],
        "float4" | "float8" => &["float8"],
        "numeric" => &["numeric"],
        "date" | "timestamp" | "timestamptz" | "time" | "timetz" | "interval" => &["interval"],
        _ => &[],
    }
}

/// A frame offset as PostgreSQL reads it. The parser reads one that starts
/// with a string (`'1 day' PRECEDING`) as an interval literal; PostgreSQL
/// reads it as an untyped string the frame gives a type to.
fn unparsed_interval(offset: &Expr) -> &Expr {
    match offset {
        Expr::Interval(Interval {
            value,
            leading_field: None,
            leading_precision: None,
            last_field: None,
            fractional_seconds_precision: None,
        }) => value,
        other => other,
    }
}

/// The type a btree operator class takes for a column of the built-in
/// type `column`, as PostgreSQL names it in messages: varchar sorts with
/// text's class.
fn sort_type_name(column: &SqlType) -> String {
    if column.name == "varchar" {
        return "text".to_owned();
    }
    types::display(column)
}

impl Analyzer<'_> {
    /// Types a window specification; window functions are not allowed in
    /// it.
    pub(crate) fn window_spec(&mut self, spec: &WindowSpec) {
        let WindowSpec {
            window_name: _, // a window it copies: its own clauses were typed where it stands
            partition_by,
            order_by,
            window_frame,
        } = spec;
        let outer_clause = self.windowless_clause.replace("window definitions");
        for expr in partition_by {
            self.expr(expr);
        }
        let order_types: Vec<Ty> = order_by
            .iter()
            .map(|item| {
                let typed = self.expr(&item.expr);
                typed.ty.clone()
            })
            .collect();
        if let Some(frame) = window_frame {
            self.window_frame(spec, frame, &order_types);
        }
        self.windowless_clause = outer_clause;
    }

    /// PostgreSQL's checks of where a window function stands, made once
    /// its arguments are typed: not in a clause that forbids them, and not
    /// inside the arguments of another window function or of an aggregate.
    /// Whether the call may stand where it is.
    pub(crate) fn check_window_placement(
        &mut self,
        function: &Function,
        span: std::ops::Range<usize>,
    ) -> bool {
        let nested_message = if function.over.is_some() {
            if let Some(clause) = self.windowless_clause {
                self.error(Diagnostic::error(
                    format!("window functions are not allowed in {clause}"),
                    span,
                ));
                return false;
            }
            "window function calls cannot be nested"
        } else if is_aggregate_call(self.schema, function) {
            "aggregate function calls cannot contain window function calls"
        } else {
            return true;
        };
        let FunctionArguments::List(list) = &function.args else {
            return true;
        };
        let mut nested = None;
        for expr in list.args.iter().filter_map(argument_expr) {
            walk(expr, &mut |inner| {
                if nested.is_some() {
                    return false;
                }
                if let Expr::Function(call) = inner
                    && call.over.is_some()
                {
                    nested = Some(self.span(inner));
                    return false;
                }
                !is_subquery(inner)
            });
        }
        match nested {
            Some(at) => {
                self.error(Diagnostic::error(nested_message, at));
                false
            }
            None => true,
        }
    }

    fn window_frame(&mut self, spec: &WindowSpec, frame: &WindowFrame, order_types: &[Ty]) {
        let WindowFrame {
            units,
            start_bound,
            end_bound,
        } = frame;
        let offsets: Vec<&Expr> = std::iter::once(start_bound)
            .chain(end_bound)
            .filter_map(|bound| match bound {
                WindowFrameBound::CurrentRow => None,
                WindowFrameBound::Preceding(offset) | WindowFrameBound::Following(offset) => {
                    offset.as_deref().map(unparsed_interval)
                }
            })
            .collect();
        let Some(first_offset) = offsets.first() else {
            return;
        };
        // RANGE needs the one ORDER BY value to add the offset to; a window
        // that copies another's ORDER BY is not checked.
        let mut range_column = None;
        if *units == WindowFrameUnits::Range && spec.window_name.is_none() {
            match order_types {
                [only] => range_column = Some(only.clone()),
                _ => {
                    let at = self.window_paren(spec, first_offset);
                    self.error(Diagnostic::error(
                        "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                        at..at + 1,
                    ));
                    return;
                }
            }
        }
        let construct = match units {
            WindowFrameUnits::Rows => "ROWS",
            WindowFrameUnits::Range => "RANGE",
            WindowFrameUnits::Groups => "GROUPS",
        };
        let outer_aggregate_clause = self.aggregateless_clause.replace(match units {
            WindowFrameUnits::Rows => "window ROWS",
            WindowFrameUnits::Range => "window RANGE",
            WindowFrameUnits::Groups => "window GROUPS",
        });
        for offset in offsets {
            let typed = self.expr(offset);
            let well_typed = match &range_column {
                Some(column) => self.range_offset(column, &typed),
                None if *units == WindowFrameUnits::Range => true,
                None => self.coerce_to_int8(&typed, construct),
            };
            if well_typed {
                self.check_no_variables(offset, construct);
            }
        }
        self.aggregateless_clause = outer_aggregate_clause;
    }

    /// `argument of ROWS must be type bigint, not type boolean`; whether
    /// the offset converts.
    fn coerce_to_int8(&mut self, typed: &Typed, construct: &str) -> bool {
        let int8 = SqlType::builtin("int8");
        if let Ty::Known(ty) = typed.ty.clone()
            && !types::assignable(self.schema, &ty, &int8)
        {
            self.error(Diagnostic::error(
                format!(
                    "argument of {construct} must be type bigint, not type {}",
                    types::display(&ty)
                ),
                typed.span.clone(),
            ));
            return false;
        }
        self.coerce_implicit(typed, &int8);
        true
    }

    /// Gives a RANGE offset the type of the `in_range` function PostgreSQL
    /// picks for the ORDER BY column (`transformFrameOffset`): the one
    /// whose offset type is the offset's own, or, for an untyped offset,
    /// the column's; else the only one the offset converts to implicitly.
    /// Whether one was found.
    fn range_offset(&mut self, column: &Ty, typed: &Typed) -> bool {
        let Ty::Known(column) = column else {
            return true;
        };
        let column = types::base_type(self.schema, column);
        // Only built-in scalar types are modelled: the others' operator
        // families and their names in messages are not.
        if !column.is_builtin() || column.array {
            return true;
        }
        let offsets = in_range_offsets(&column.name);
        if offsets.is_empty() {
            self.poison(typed);
            self.error(Diagnostic::error(
                format!(
                    "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {}",
                    sort_type_name(&column)
                ),
                typed.span.clone(),
            ));
            return false;
        }
        let offset_ty = typed.ty.clone();
        let offset_known = offset_ty.as_known().cloned();
        let preferred = offset_known.clone().unwrap_or_else(|| column.clone());
        let candidates: Vec<SqlType> = offsets
            .iter()
            .map(|name| SqlType::builtin(name))
            .filter(|candidate| match &offset_known {
                Some(offset) => types::implicitly_castable(self.schema, offset, candidate),
                None => matches!(offset_ty, Ty::Unknown | Ty::Param(_)),
            })
            .collect();
        let chosen = match candidates
            .iter()
            .find(|candidate| types::same_type(candidate, &preferred))
        {
            Some(exact) => exact.clone(),
            None => match candidates.as_slice() {
                [only] => only.clone(),
                [] => {
                    if offset_ty == Ty::Error {
                        return false;
                    }
                    let offset = offset_known
                        .as_ref()
                        .map_or_else(String::new, types::display);
                    let diagnostic = Diagnostic::error(
                        format!(
                            "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {} and offset type {offset}",
                            sort_type_name(&column)
                        ),
                        typed.span.clone(),
                    )
                    .with_help("cast the offset value to an appropriate type");
                    self.poison(typed);
                    self.error(diagnostic);
                    return false;
                }
                _ => {
                    let offset = offset_known
                        .as_ref()
                        .map_or_else(String::new, types::display);
                    self.error(
                        Diagnostic::error(
                            format!(
                                "RANGE with offset PRECEDING/FOLLOWING has multiple interpretations for column type {} and offset type {offset}",
                                sort_type_name(&column)
                            ),
                            typed.span.clone(),
                        )
                        .with_help("cast the offset value to the exact intended type"),
                    );
                    return false;
                }
            },
        };
        self.coerce_implicit(typed, &chosen);
        true
    }

    /// `argument of ROWS must not contain variables`: a frame offset is
    /// fixed for the whole partition, so it may not read the row.
    fn check_no_variables(&mut self, offset: &Expr, construct: &str) {
        let mut variable = None;
        walk(offset, &mut |expr| {
            if variable.is_some() {
                return false;
            }
            if matches!(expr, Expr::Identifier(_) | Expr::CompoundIdentifier(_)) {
                if self.column_ref(expr).is_some() {
                    variable = Some(self.span(expr));
                }
                return false;
            }
            true
        });
        if let Some(span) = variable {
            self.error(Diagnostic::error(
                format!("argument of {construct} must not contain variables"),
                span,
            ));
        }
    }

    /// Where a window specification starts, its `(` after OVER or `AS`:
    /// the first `(` before what it holds first that follows one of them.
    fn window_paren(&self, spec: &WindowSpec, first_offset: &Expr) -> usize {
        let first = spec
            .window_name
            .as_ref()
            .map(|name| self.source.range(name.span).start)
            .or_else(|| spec.partition_by.first().map(|expr| self.span(expr).start))
            .or_else(|| {
                spec.order_by
                    .first()
                    .map(|item| self.span(&item.expr).start)
            })
            .unwrap_or_else(|| self.span(first_offset).start);
        let text = &self.source.text;
        let mut end = first.min(text.len());
        while let Some(paren) = text[..end].rfind('(') {
            let before = text[..paren].trim_end().to_ascii_lowercase();
            if before.ends_with("over") || before.ends_with("as") {
                return paren;
            }
            end = paren;
        }
        first
    }
}
