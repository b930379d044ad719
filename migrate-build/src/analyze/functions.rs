//! The built-in functions migrate knows: their signatures (so that
//! parameters and literals take the argument types), result types and
//! nullability. User functions come from `Schema::functions`.

use migrate_core::SqlType;
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgOperator, FunctionArgumentClause,
    FunctionArgumentList, FunctionArguments, WindowType,
};

use super::overloads::{self, Resolution};
use super::pg_functions::{self, ProcKind};
use super::query::object_name_parts;
use super::scope::{did_you_mean, fold_ident};
use super::types::{self, Category, Ty};
use super::{Analyzer, Typed, TypedField};
use crate::diagnostic::Diagnostic;

/// One overload: argument specs and result spec.
///
/// Specs: a `typname` (`text`, `int4`, `text[]`), `any` (anything, left
/// untyped), `elem` (any non-array, polymorphic), `array` (any array,
/// polymorphic), `num` (any number); a trailing `...` repeats the last spec.
/// Results: a `typname`, `$N` (type of argument N), `$N[]` (array of it),
/// `$N.elem` (element of array argument N), `common` (common type of all).
struct Overload {
    args: &'static [&'static str],
    returns: &'static str,
}

macro_rules! o {
    ($args:expr, $returns:expr) => {
        Overload {
            args: $args,
            returns: $returns,
        }
    };
}

/// How a function is called, beyond its arguments.
struct Shape<'a> {
    /// `WITHIN GROUP (ORDER BY ..)` expressions.
    ordered: &'a [Typed],
    /// The name each argument is passed by (`make_interval(days => 1)`),
    /// `None` for one passed by position; empty when none is named.
    arg_names: &'a [Option<String>],
    /// Called with `OVER (..)`.
    over: bool,
    /// The function's name as written, schema included: PostgreSQL names
    /// it so when no function matches.
    called: &'a str,
    /// The last argument is passed with `VARIADIC`: an array for the
    /// variadic argument as a whole.
    variadic: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Aggregate,
    Window,
    /// Returns a set (unnest, generate_series in the select list).
    Set,
}

/// Never null whatever the arguments (`now()`), or null only when an
/// argument is (`count`, `coalesce` handled separately).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Nulls {
    Never,
    Maybe,
}

fn catalogue(name: &str) -> Option<(Kind, Nulls, &'static [Overload])> {
    use Kind::{Aggregate, Scalar, Set, Window};
    use Nulls::{Maybe, Never};
    Some(match name {
        "count" => (Aggregate, Never, &[o!(&[], "int8"), o!(&["any"], "int8")]),
        "min" | "max" => (
            Aggregate,
            Maybe,
            &[o!(&["ord"], "$0"), o!(&["array"], "$0")],
        ),
        "array_agg" => (
            Aggregate,
            Maybe,
            &[o!(&["elem"], "$0[]"), o!(&["array"], "$0")],
        ),
        "string_agg" => (
            Aggregate,
            Maybe,
            &[
                o!(&["text", "text"], "text"),
                o!(&["bytea", "bytea"], "bytea"),
            ],
        ),
        "bool_and" | "bool_or" | "every" => (Aggregate, Maybe, &[o!(&["bool"], "bool")]),
        "json_agg" => (Aggregate, Maybe, &[o!(&["any"], "json")]),
        "jsonb_agg" => (Aggregate, Maybe, &[o!(&["any"], "jsonb")]),
        "json_object_agg" => (Aggregate, Maybe, &[o!(&["any", "any"], "json")]),
        "jsonb_object_agg" => (Aggregate, Maybe, &[o!(&["any", "any"], "jsonb")]),
        "bit_and" | "bit_or" => (Aggregate, Maybe, &[o!(&["num"], "$0")]),
        "row_number" | "rank" | "dense_rank" => (Window, Never, &[o!(&[], "int8")]),
        "percent_rank" | "cume_dist" => (Window, Never, &[o!(&[], "float8")]),
        "ntile" => (Window, Maybe, &[o!(&["int4"], "int4")]),
        "lag" | "lead" => (
            Window,
            Maybe,
            &[
                o!(&["elem"], "$0"),
                o!(&["elem", "int4"], "$0"),
                o!(&["elem", "int4", "elem"], "$0"),
            ],
        ),
        "first_value" | "last_value" => (Window, Maybe, &[o!(&["elem"], "$0")]),
        "nth_value" => (Window, Maybe, &[o!(&["elem", "int4"], "$0")]),
        "nullif" => (Scalar, Maybe, &[o!(&["elem", "elem"], "common")]),
        "greatest" | "least" => (Scalar, Maybe, &[o!(&["elem", "elem..."], "common")]),
        "lower" | "upper" | "initcap" | "reverse" | "md5" | "quote_ident" | "quote_literal"
        | "quote_nullable" => (Scalar, Maybe, &[o!(&["text"], "text")]),
        "length" | "char_length" | "character_length" => (
            Scalar,
            Maybe,
            &[o!(&["text"], "int4"), o!(&["bytea"], "int4")],
        ),
        "octet_length" | "bit_length" => (
            Scalar,
            Maybe,
            &[o!(&["text"], "int4"), o!(&["bytea"], "int4")],
        ),
        "concat" => (Scalar, Never, &[o!(&["any..."], "text")]),
        "concat_ws" => (Scalar, Maybe, &[o!(&["text", "any..."], "text")]),
        "format" => (Scalar, Maybe, &[o!(&["text", "any..."], "text")]),
        "substr" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "int4"], "text"),
                o!(&["text", "int4", "int4"], "text"),
            ],
        ),
        "replace" | "translate" => (Scalar, Maybe, &[o!(&["text", "text", "text"], "text")]),
        "left" | "right" | "repeat" => (Scalar, Maybe, &[o!(&["text", "int4"], "text")]),
        "lpad" | "rpad" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "int4"], "text"),
                o!(&["text", "int4", "text"], "text"),
            ],
        ),
        "split_part" => (Scalar, Maybe, &[o!(&["text", "text", "int4"], "text")]),
        "strpos" => (Scalar, Maybe, &[o!(&["text", "text"], "int4")]),
        "starts_with" => (Scalar, Maybe, &[o!(&["text", "text"], "bool")]),
        "btrim" | "ltrim" | "rtrim" => (
            Scalar,
            Maybe,
            &[o!(&["text"], "text"), o!(&["text", "text"], "text")],
        ),
        "regexp_replace" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "text", "text"], "text"),
                o!(&["text", "text", "text", "text"], "text"),
            ],
        ),
        "regexp_match" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "text"], "text[]"),
                o!(&["text", "text", "text"], "text[]"),
            ],
        ),
        "regexp_like" => (Scalar, Maybe, &[o!(&["text", "text"], "bool")]),
        "encode" => (Scalar, Maybe, &[o!(&["bytea", "text"], "text")]),
        "decode" => (Scalar, Maybe, &[o!(&["text", "text"], "bytea")]),
        "sha224" | "sha256" | "sha384" | "sha512" => (Scalar, Maybe, &[o!(&["bytea"], "bytea")]),
        "to_char" => (
            Scalar,
            Maybe,
            &[
                o!(&["timestamptz", "text"], "text"),
                o!(&["timestamp", "text"], "text"),
                o!(&["interval", "text"], "text"),
                o!(&["numeric", "text"], "text"),
            ],
        ),
        "to_number" => (Scalar, Maybe, &[o!(&["text", "text"], "numeric")]),
        "to_date" => (Scalar, Maybe, &[o!(&["text", "text"], "date")]),
        "to_timestamp" => (
            Scalar,
            Maybe,
            &[
                o!(&["float8"], "timestamptz"),
                o!(&["text", "text"], "timestamptz"),
            ],
        ),
        "now"
        | "transaction_timestamp"
        | "statement_timestamp"
        | "clock_timestamp"
        | "current_timestamp" => (Scalar, Never, &[o!(&[], "timestamptz")]),
        "localtimestamp" => (Scalar, Never, &[o!(&[], "timestamp")]),
        "current_date" => (Scalar, Never, &[o!(&[], "date")]),
        "timeofday" => (Scalar, Never, &[o!(&[], "text")]),
        "date_trunc" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "timestamptz"], "timestamptz"),
                o!(&["text", "timestamp"], "timestamp"),
                o!(&["text", "interval"], "interval"),
                o!(&["text", "timestamptz", "text"], "timestamptz"),
            ],
        ),
        "date_part" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "timestamptz"], "float8"),
                o!(&["text", "timestamp"], "float8"),
                o!(&["text", "interval"], "float8"),
                o!(&["text", "date"], "float8"),
            ],
        ),
        "date_bin" => (
            Scalar,
            Maybe,
            &[
                o!(&["interval", "timestamptz", "timestamptz"], "timestamptz"),
                o!(&["interval", "timestamp", "timestamp"], "timestamp"),
            ],
        ),
        "age" => (
            Scalar,
            Maybe,
            &[
                o!(&["timestamptz"], "interval"),
                o!(&["timestamptz", "timestamptz"], "interval"),
                o!(&["timestamp", "timestamp"], "interval"),
            ],
        ),
        "timezone" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "timestamptz"], "timestamp"),
                o!(&["text", "timestamp"], "timestamptz"),
            ],
        ),
        "make_interval" => (Scalar, Maybe, &[o!(&["int4..."], "interval")]),
        "make_date" => (Scalar, Maybe, &[o!(&["int4", "int4", "int4"], "date")]),
        "justify_days" | "justify_hours" | "justify_interval" => {
            (Scalar, Maybe, &[o!(&["interval"], "interval")])
        }
        "isfinite" => (Scalar, Maybe, &[o!(&["timestamptz"], "bool")]),
        "abs" => (Scalar, Maybe, &[o!(&["num"], "$0")]),
        "round" | "trunc" => (
            Scalar,
            Maybe,
            &[
                o!(&["float8"], "float8"),
                o!(&["numeric"], "numeric"),
                o!(&["numeric", "int4"], "numeric"),
            ],
        ),
        "ceil" | "ceiling" | "floor" | "sign" => (
            Scalar,
            Maybe,
            &[o!(&["float8"], "float8"), o!(&["numeric"], "numeric")],
        ),
        "sqrt" | "exp" | "ln" | "log10" | "cbrt" => (
            Scalar,
            Maybe,
            &[o!(&["float8"], "float8"), o!(&["numeric"], "numeric")],
        ),
        "power" | "pow" => (
            Scalar,
            Maybe,
            &[
                o!(&["float8", "float8"], "float8"),
                o!(&["numeric", "numeric"], "numeric"),
            ],
        ),
        "mod" => (Scalar, Maybe, &[o!(&["num", "num"], "common")]),
        "random" => (Scalar, Never, &[o!(&[], "float8")]),
        "array_length" | "array_upper" | "array_lower" => {
            (Scalar, Maybe, &[o!(&["array", "int4"], "int4")])
        }
        "cardinality" | "array_ndims" => (Scalar, Maybe, &[o!(&["array"], "int4")]),
        "array_dims" => (Scalar, Maybe, &[o!(&["array"], "text")]),
        "array_position" => (
            Scalar,
            Maybe,
            &[
                o!(&["array", "$0.elem"], "int4"),
                o!(&["array", "$0.elem", "int4"], "int4"),
            ],
        ),
        "array_positions" => (Scalar, Maybe, &[o!(&["array", "$0.elem"], "int4[]")]),
        "array_append" | "array_remove" => (Scalar, Maybe, &[o!(&["array", "$0.elem"], "$0")]),
        "array_prepend" => (Scalar, Maybe, &[o!(&["$1.elem", "array"], "$1")]),
        "array_cat" => (Scalar, Maybe, &[o!(&["array", "$0"], "$0")]),
        "array_replace" => (Scalar, Maybe, &[o!(&["array", "$0.elem", "$0.elem"], "$0")]),
        "array_to_string" => (
            Scalar,
            Maybe,
            &[
                o!(&["array", "text"], "text"),
                o!(&["array", "text", "text"], "text"),
            ],
        ),
        "string_to_array" => (
            Scalar,
            Maybe,
            &[
                o!(&["text", "text"], "text[]"),
                o!(&["text", "text", "text"], "text[]"),
            ],
        ),
        "array_to_json" => (Scalar, Maybe, &[o!(&["array"], "json")]),
        "unnest" => (Set, Maybe, &[o!(&["array"], "$0.elem")]),
        "generate_series" => (
            Set,
            Maybe,
            &[
                o!(&["int4", "int4"], "int4"),
                o!(&["int4", "int4", "int4"], "int4"),
                o!(&["int8", "int8"], "int8"),
                o!(&["int8", "int8", "int8"], "int8"),
                o!(&["numeric", "numeric"], "numeric"),
                o!(&["timestamptz", "timestamptz", "interval"], "timestamptz"),
                o!(&["timestamp", "timestamp", "interval"], "timestamp"),
            ],
        ),
        "jsonb_build_object" | "jsonb_build_array" => (Scalar, Never, &[o!(&["any..."], "jsonb")]),
        "json_build_object" | "json_build_array" => (Scalar, Never, &[o!(&["any..."], "json")]),
        "to_jsonb" => (Scalar, Maybe, &[o!(&["poly"], "jsonb")]),
        "to_json" => (Scalar, Maybe, &[o!(&["poly"], "json")]),
        "row_to_json" => (Scalar, Maybe, &[o!(&["any"], "json")]),
        "jsonb_set" | "jsonb_insert" => (
            Scalar,
            Maybe,
            &[
                o!(&["jsonb", "text[]", "jsonb"], "jsonb"),
                o!(&["jsonb", "text[]", "jsonb", "bool"], "jsonb"),
            ],
        ),
        "jsonb_typeof" | "jsonb_pretty" => (Scalar, Maybe, &[o!(&["jsonb"], "text")]),
        "json_typeof" => (Scalar, Maybe, &[o!(&["json"], "text")]),
        "jsonb_array_length" => (Scalar, Maybe, &[o!(&["jsonb"], "int4")]),
        "json_array_length" => (Scalar, Maybe, &[o!(&["json"], "int4")]),
        "jsonb_strip_nulls" => (Scalar, Maybe, &[o!(&["jsonb"], "jsonb")]),
        "jsonb_extract_path" => (Scalar, Maybe, &[o!(&["jsonb", "text..."], "jsonb")]),
        "jsonb_extract_path_text" => (Scalar, Maybe, &[o!(&["jsonb", "text..."], "text")]),
        "jsonb_array_elements" => (Set, Maybe, &[o!(&["jsonb"], "jsonb")]),
        "jsonb_array_elements_text" => (Set, Maybe, &[o!(&["jsonb"], "text")]),
        "jsonb_object_keys" => (Set, Maybe, &[o!(&["jsonb"], "text")]),
        "jsonb_exists" => (Scalar, Maybe, &[o!(&["jsonb", "text"], "bool")]),
        "gen_random_uuid" | "uuid_generate_v4" | "uuid_generate_v1" => {
            (Scalar, Never, &[o!(&[], "uuid")])
        }
        "nextval" => (Scalar, Never, &[o!(&["regclass"], "int8")]),
        "currval" => (Scalar, Never, &[o!(&["regclass"], "int8")]),
        "setval" => (
            Scalar,
            Never,
            &[
                o!(&["regclass", "int8"], "int8"),
                o!(&["regclass", "int8", "bool"], "int8"),
            ],
        ),
        "lastval" => (Scalar, Never, &[o!(&[], "int8")]),
        "pg_advisory_lock" | "pg_advisory_xact_lock" | "pg_advisory_unlock_all" => (
            Scalar,
            Maybe,
            &[o!(&["int8"], "void"), o!(&["int4", "int4"], "void")],
        ),
        "pg_try_advisory_lock" | "pg_try_advisory_xact_lock" | "pg_advisory_unlock" => (
            Scalar,
            Maybe,
            &[o!(&["int8"], "bool"), o!(&["int4", "int4"], "bool")],
        ),
        "pg_notify" => (Scalar, Maybe, &[o!(&["text", "text"], "void")]),
        "current_setting" => (
            Scalar,
            Maybe,
            &[o!(&["text"], "text"), o!(&["text", "bool"], "text")],
        ),
        "set_config" => (Scalar, Maybe, &[o!(&["text", "text", "bool"], "text")]),
        "version" => (Scalar, Never, &[o!(&[], "text")]),
        "num_nulls" | "num_nonnulls" => (Scalar, Never, &[o!(&["any..."], "int4")]),
        "to_tsvector" => (
            Scalar,
            Maybe,
            &[
                o!(&["text"], "tsvector"),
                o!(&["regconfig", "text"], "tsvector"),
            ],
        ),
        "to_tsquery" | "plainto_tsquery" | "phraseto_tsquery" | "websearch_to_tsquery" => (
            Scalar,
            Maybe,
            &[
                o!(&["text"], "tsquery"),
                o!(&["regconfig", "text"], "tsquery"),
            ],
        ),
        "ts_rank" | "ts_rank_cd" => (Scalar, Maybe, &[o!(&["tsvector", "tsquery"], "float4")]),
        "pg_sleep" => (Scalar, Maybe, &[o!(&["float8"], "void")]),
        "txid_current" => (Scalar, Never, &[o!(&[], "int8")]),
        _ => return None,
    })
}

impl Analyzer<'_> {
    /// Types a function call (scalar, aggregate or window).
    pub(crate) fn function(&mut self, function: &Function, span: std::ops::Range<usize>) -> Typed {
        let Function {
            name,
            uses_odbc_syntax: _,
            parameters: _, // ClickHouse parametric aggregates
            args,
            within_group,
            filter,
            null_treatment: _,
            over,
        } = function;
        // ROW(a, b): a row, like (a, b).
        if let Some(items) = super::expr::row_constructor(function) {
            let items: Vec<Typed> = items.iter().map(|item| self.expr(item)).collect();
            return self.row(&items, span);
        }
        let parts = object_name_parts(name);
        let function_name = parts.last().cloned().unwrap_or_default();
        // ARRAY(SELECT x ...): an array of the subquery's one column.
        if function_name == "array"
            && let FunctionArguments::Subquery(query) = args
        {
            let outputs = self.subquery(query);
            let (element_nullable, fields) = match outputs.as_slice() {
                [only] => (
                    only.typed.nullable
                        || (only.typed.ty.as_known().is_some_and(|ty| ty.array)
                            && only.typed.element_nullable),
                    only.typed.fields.clone(),
                ),
                _ => (true, None),
            };
            let ty = match outputs.as_slice() {
                [only] => match only.typed.ty.clone() {
                    Ty::Known(ty) => Ty::Known(if ty.array { ty } else { ty.into_array() }),
                    Ty::Unknown | Ty::Param(_) => Ty::Known(SqlType::builtin("text").into_array()),
                    Ty::Error => Ty::Error,
                },
                _ => {
                    self.error(Diagnostic::error(
                        "subquery must return only one column",
                        span.clone(),
                    ));
                    Ty::Error
                }
            };
            let mut array = Typed::new(ty, false, span).named("array");
            array.element_nullable = element_nullable;
            array.fields = fields;
            return array;
        }
        // Written like a call, but a construct of PostgreSQL's grammar that
        // takes no argument names.
        let construct = parts.len() == 1
            && matches!(
                function_name.as_str(),
                "coalesce" | "nullif" | "greatest" | "least" | "grouping"
            );
        let mut typed_args = Vec::new();
        let mut arg_names: Vec<Option<String>> = Vec::new();
        // A misplaced or repeated argument name, reported as PostgreSQL does
        // before it looks for the function.
        let mut misnamed = false;
        let mut star = false;
        let mut distinct = false;
        match args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(query) => {
                let outputs = self.subquery(query);
                typed_args.extend(outputs.into_iter().map(|o| o.typed));
            }
            FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment,
                args,
                clauses,
            }) => {
                distinct = matches!(
                    duplicate_treatment,
                    Some(sqlparser::ast::DuplicateTreatment::Distinct)
                );
                for arg in args {
                    let (name, arg) = self.function_arg(arg, construct, &mut misnamed);
                    match arg {
                        FunctionArgExpr::Expr(expr) => {
                            let typed = self.expr(expr);
                            misnamed |= self.check_argument_name(name.as_ref(), &typed, &arg_names);
                            typed_args.push(typed);
                            arg_names.push(name.map(|(name, _)| name));
                        }
                        FunctionArgExpr::Wildcard
                        | FunctionArgExpr::WildcardWithOptions(_)
                        | FunctionArgExpr::QualifiedWildcard(_) => star = true,
                    }
                }
                for clause in clauses {
                    match clause {
                        FunctionArgumentClause::OrderBy(items) => {
                            for item in items {
                                self.expr(&item.expr);
                            }
                        }
                        FunctionArgumentClause::Where(expr)
                        | FunctionArgumentClause::Limit(expr) => {
                            self.expr(expr);
                        }
                        _ => {}
                    }
                }
            }
        }
        // count(DISTINCT x) sorts or hashes x: it needs an equality operator.
        if distinct {
            for arg in &typed_args {
                let at = arg.span.clone();
                self.check_sortable(arg, "DISTINCT", at);
            }
        }
        let ordered: Vec<Typed> = within_group
            .iter()
            .map(|item| self.expr(&item.expr))
            .collect();
        if let Some(filter) = filter {
            let typed = self.scalar_expr("FILTER", filter);
            self.coerce_condition(&typed, "FILTER");
        }
        if !self.check_window_placement(function, span.clone())
            || !self.check_aggregate_placement(function, span.clone())
        {
            for arg in &typed_args {
                self.poison(arg);
            }
            return Typed::new(Ty::Error, true, span).named(function_name);
        }
        if let Some(WindowType::WindowSpec(spec)) = over {
            match self
                .levels
                .last_mut()
                .and_then(|level| level.windows.as_mut())
            {
                Some(windows) => windows.push(spec.clone()),
                None => self.window_spec(spec),
            }
        }
        if misnamed {
            for arg in &typed_args {
                self.poison(arg);
            }
            return Typed::new(Ty::Error, true, span).named(function_name);
        }
        if arg_names.iter().all(Option::is_none) {
            arg_names.clear();
        }
        let called = parts.join(".");
        let variadic = self.passed_variadic(&typed_args, span.start);
        let shape = Shape {
            ordered: &ordered,
            arg_names: &arg_names,
            over: over.is_some(),
            called: &called,
            variadic,
        };
        let mut typed = self.call(&parts, &function_name, &typed_args, star, &shape, span);
        if function_name == "array_agg"
            && parts.len() == 1
            && over.is_none()
            && let [element] = typed_args.as_slice()
        {
            // The array holds the aggregated values (or, for arrays, their
            // elements: PostgreSQL refuses to accumulate a NULL array).
            let element_is_array = element.ty.as_known().is_some_and(|ty| ty.array);
            let filtered_not_null = filter
                .as_deref()
                .is_some_and(|filter| self.filters_out_null(filter, element));
            typed.element_nullable = if element_is_array {
                element.element_nullable
            } else {
                element.nullable && !filtered_not_null
            };
            typed.fields = element.fields.clone();
        }
        typed.name = Some(function_name);
        typed
    }

    /// Whether the aggregate's `FILTER (WHERE ..)` keeps only rows where
    /// `argument` is not null: `x IS NOT NULL`, alone or in an AND, over
    /// the argument's very text.
    fn filters_out_null(&self, filter: &Expr, argument: &Typed) -> bool {
        let text = |span: std::ops::Range<usize>| {
            self.source
                .text
                .get(span)
                .map(|text| text.trim().to_owned())
        };
        let argument_text = text(argument.span.clone());
        let mut conditions = vec![filter];
        while let Some(condition) = conditions.pop() {
            match condition {
                Expr::Nested(inner) => conditions.push(inner),
                Expr::BinaryOp {
                    left,
                    op: sqlparser::ast::BinaryOperator::And,
                    right,
                } => {
                    conditions.push(left);
                    conditions.push(right);
                }
                Expr::IsNotNull(tested) => {
                    let tested = text(self.span(tested.as_ref()));
                    if tested.is_some() && tested == argument_text {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    /// Whether the last of `args` of a call starting at `start` is passed
    /// with `VARIADIC`. The keyword was blanked before parsing: its
    /// argument starts where one was noted, after the argument before it
    /// (a VARIADIC of a call nested in the last argument starts after that
    /// argument does).
    pub(crate) fn passed_variadic(&self, args: &[Typed], start: usize) -> bool {
        args.last().is_some_and(|last| {
            let floor = args
                .len()
                .checked_sub(2)
                .map_or(start, |before| args[before].span.end);
            self.variadic_args
                .iter()
                .any(|&at| at >= floor && at <= last.span.start)
        })
    }

    /// The name an argument is passed by, folded as PostgreSQL folds names,
    /// and its span. PostgreSQL 15 takes `name => value` and `name :=
    /// value` (read as `=>`, see `rewrite_tokens`) with a plain name, in a
    /// function call: anything else is a syntax error at the operator.
    /// One argument of a call's list: its name, if it has one (an
    /// ill-written name reported, `misnamed` set and the name dropped), and
    /// what it passes.
    pub(crate) fn function_arg<'a>(
        &mut self,
        arg: &'a FunctionArg,
        construct: bool,
        misnamed: &mut bool,
    ) -> (
        Option<(String, std::ops::Range<usize>)>,
        &'a FunctionArgExpr,
    ) {
        let (name, arg) = match arg {
            FunctionArg::Unnamed(arg) => (Ok(None), arg),
            FunctionArg::Named {
                name,
                arg,
                operator,
            } => {
                let name = Expr::Identifier(name.clone());
                (
                    self.argument_name(&name, operator, construct).map(Some),
                    arg,
                )
            }
            FunctionArg::ExprNamed {
                name,
                arg,
                operator,
            } => (self.argument_name(name, operator, construct).map(Some), arg),
        };
        let name = name.unwrap_or_else(|()| {
            *misnamed = true;
            None
        });
        (name, arg)
    }

    pub(crate) fn argument_name(
        &mut self,
        name: &Expr,
        operator: &FunctionArgOperator,
        construct: bool,
    ) -> Result<(String, std::ops::Range<usize>), ()> {
        let span = self.span(name);
        if let Expr::Identifier(ident) = name
            && matches!(
                operator,
                FunctionArgOperator::RightArrow | FunctionArgOperator::Assignment
            )
            && !construct
        {
            return Ok((fold_ident(ident), span));
        }
        let text = &self.source.text;
        let after = span.end.min(text.len());
        let start = after + (text[after..].len() - text[after..].trim_start().len());
        let rest = &text[start..];
        let width = if rest.starts_with("=>") || rest.starts_with(":=") {
            2
        } else {
            rest.chars().next().map_or(0, char::len_utf8)
        };
        let word = &rest[..width];
        self.error(Diagnostic::error(
            format!("syntax error at or near \"{word}\""),
            start..start + width,
        ));
        Err(())
    }

    /// PostgreSQL's checks of argument names before it looks for the
    /// function: arguments passed by position come first, and no name is
    /// given twice. Whether the argument breaks one.
    pub(crate) fn check_argument_name(
        &mut self,
        name: Option<&(String, std::ops::Range<usize>)>,
        typed: &Typed,
        previous: &[Option<String>],
    ) -> bool {
        match name {
            None if previous.iter().any(Option::is_some) => {
                self.error(Diagnostic::error(
                    "positional argument cannot follow named argument",
                    typed.span.clone(),
                ));
                true
            }
            Some((name, span)) if previous.iter().flatten().any(|seen| seen == name) => {
                self.error(Diagnostic::error(
                    format!("argument name \"{name}\" used more than once"),
                    span.clone(),
                ));
                true
            }
            _ => false,
        }
    }

    fn call(
        &mut self,
        parts: &[String],
        name: &str,
        args: &[Typed],
        star: bool,
        shape: &Shape<'_>,
        span: std::ops::Range<usize>,
    ) -> Typed {
        let builtin_schema = parts.len() == 1 || parts[0] == "pg_catalog";
        let by_name = !shape.arg_names.is_empty();
        if builtin_schema && !by_name {
            match name {
                "coalesce" => {
                    let ty = self.common(args, "COALESCE");
                    let ty = if ty == Ty::Unknown {
                        Ty::known("text")
                    } else {
                        ty
                    };
                    let nullable = args.iter().all(|a| a.nullable);
                    let mut typed = Typed::new(ty, nullable, span);
                    typed.fields = super::expr::common_fields(args);
                    return typed;
                }
                "sum" => return self.sum_avg(args, true, span),
                "nullif" if args.len() == 2 => {
                    // NULLIF(a, b) is `CASE WHEN a = b THEN NULL ELSE a END`.
                    self.operator("=", &args[0], &args[1], span.clone());
                    // The result has the type the `=` operator took its left
                    // side as: varchar compares as text.
                    let ty = match self.retyped(args[0].clone()).ty {
                        Ty::Unknown => Ty::known("text"),
                        Ty::Known(ty) => {
                            let mut base = types::base_type(self.schema, &ty);
                            if base.is_builtin() && !base.array && base.name == "varchar" {
                                base = SqlType::builtin("text");
                            }
                            Ty::Known(base)
                        }
                        other => other,
                    };
                    return Typed::new(ty, true, span);
                }
                "greatest" | "least" if !args.is_empty() => {
                    let ty = self.common(args, &name.to_uppercase());
                    let ty = if ty == Ty::Unknown {
                        Ty::known("text")
                    } else {
                        ty
                    };
                    return Typed::new(ty, args.iter().all(|a| a.nullable), span);
                }
                // GROUPING(a, b, ..): a bit mask of the arguments a grouping
                // set leaves out.
                "grouping" if !args.is_empty() => {
                    return Typed::new(Ty::known("int4"), false, span);
                }
                "avg" => return self.sum_avg(args, false, span),
                _ => {}
            }
        }
        // Arguments passed by name, or several overloads of the
        // migrations that could take the call: PostgreSQL's choice.
        let mut user_choice = None;
        let mut user_resolved = false;
        if shape.ordered.is_empty()
            && let Some(overloads) = self.user_overloads(parts)
            && (by_name
                || overloads
                    .iter()
                    .filter(|function| super::query::takes(function, args.len(), 0, shape.variadic))
                    .count()
                    > 1)
        {
            user_resolved = true;
            match self.resolve_user_call(
                &overloads,
                args,
                shape.arg_names,
                shape.variadic,
                shape.called,
                span.clone(),
            ) {
                Ok(chosen) => user_choice = chosen,
                Err(()) => return Typed::new(Ty::Error, true, span),
            }
        }
        let resolved = user_choice.is_some();
        // Where each argument goes among the declared ones, when not in order.
        let user_choice_positions = user_choice
            .as_ref()
            .map(|(_, positions)| positions.clone())
            .filter(|positions| positions.iter().enumerate().any(|(index, &at)| index != at));
        // A user function with that name and arity wins over our catalogue.
        let user_function = match user_choice {
            Some((function, _)) => Some(function),
            None if by_name || user_resolved => None,
            None => self.user_function(parts, args.len(), shape.ordered.len(), shape.variadic),
        };
        if let Some(function) = user_function {
            if !resolved {
                self.coerce_user_arguments(&function, args, shape.ordered, shape.variadic);
            }
            if let Some(returns) = &function.returns {
                let types: Vec<Ty> = match &user_choice_positions {
                    Some(positions) => {
                        let mut types = vec![Ty::Unknown; function.arguments.len()];
                        for (arg, &at) in args.iter().zip(positions) {
                            if let Some(slot) = types.get_mut(at) {
                                *slot = arg.ty.clone();
                            }
                        }
                        types
                    }
                    None => args
                        .iter()
                        .chain(shape.ordered)
                        .map(|arg| arg.ty.clone())
                        .collect(),
                };
                let ty = self.polymorphic_result(&function, returns, &types);
                if let Ty::Known(resolved) = &ty {
                    self.coerce_polymorphic_arguments(
                        &function,
                        returns,
                        resolved,
                        args,
                        shape,
                        user_choice_positions.as_deref(),
                    );
                }
                let mut typed = Typed::new(ty, true, span);
                // Two or more output arguments: a record of them.
                if function.outputs.len() > 1 {
                    typed.fields = Some(
                        function
                            .outputs
                            .iter()
                            .map(|output| TypedField {
                                ty: self.polymorphic_result(&function, &output.ty, &types),
                                nullable: true,
                            })
                            .collect(),
                    );
                }
                return typed;
            }
        }
        if let [.., last] = parts
            && self
                .schema
                .functions
                .iter()
                .filter(|(name, _)| &name.name == last)
                .flat_map(|(_, overloads)| overloads)
                .any(|function| function.procedure && function.arguments.len() == args.len())
        {
            let called = shape.called;
            let shown = self.argument_list(args, shape.arg_names);
            self.error(
                Diagnostic::error(format!("{called}({shown}) is a procedure"), span.clone())
                    .with_help("to call a procedure, use CALL"),
            );
            for arg in args {
                self.poison(arg);
            }
            return Typed::new(Ty::Error, true, span);
        }
        // PostgreSQL's own overload resolution over the generated overloads
        // decides whether the call exists and its type; the hand catalogue
        // adds what it knows of nullability, and types the calls migrate
        // cannot resolve for sure.
        // A call qualified by the schema an extension of the catalogue was
        // created in resolves over the overloads the catalogue has.
        let in_extension_schema = !builtin_schema
            && crate::extensions::installed(self.schema).any(|(extension, in_schema)| {
                in_schema == parts[0] && extension.functions.binary_search(&name).is_ok()
            })
            && !self.schema.functions.keys().any(|n| n.name == name);
        if builtin_schema || in_extension_schema {
            let never_null = shape.ordered.is_empty()
                && catalogue(name).is_some_and(|(_, nulls, _)| nulls == Nulls::Never);
            if let Some(typed) =
                self.generated_call(name, args, star, shape, never_null, span.clone())
            {
                return typed;
            }
        }
        // The hand catalogue has no ordered-set aggregates, nor argument
        // names: it matches arguments by position.
        let catalogue_entry =
            if builtin_schema && shape.ordered.is_empty() && !by_name && !shape.variadic {
                catalogue(name)
            } else {
                None
            };
        let Some((kind, nulls, overloads)) = catalogue_entry else {
            let called = shape.called;
            if self.schema.functions.keys().any(|n| n.name == name) {
                let shown = self.argument_list(args, shape.arg_names);
                self.error(
                    Diagnostic::error(format!("function {called}({shown}) does not exist"), span.clone())
                        .with_help("no function matches the given name and argument types; you might need to add explicit type casts"),
                );
                return Typed::new(Ty::Error, true, span);
            }
            if let Some(refused) =
                self.refuse_missing_function(parts, called, args, shape.arg_names, span.clone())
            {
                return refused;
            }
            // An argument already reported: nothing more to say.
            if overloads::knows(self.schema, name)
                && args
                    .iter()
                    .chain(shape.ordered)
                    .any(|arg| arg.ty.clone() == Ty::Error)
            {
                for arg in args {
                    self.poison(arg);
                }
                return Typed::new(Ty::Error, true, span);
            }
            let message = if builtin_schema && pg_functions::BUILTIN.binary_search(&name).is_ok() {
                let shown = self.argument_list(args, shape.arg_names);
                format!(
                    "migrate cannot tell which function {name}({shown}) PostgreSQL calls; its result is not typed"
                )
            } else {
                format!("migrate does not know the function {name}; its result is not typed")
            };
            self.warn(message, span.clone());
            for arg in args {
                self.poison(arg);
            }
            return Typed::new(Ty::Error, true, span);
        };
        let _ = star;
        let current: Vec<Ty> = args.iter().map(|a| a.ty.clone()).collect();
        // Among the overloads that fit, the one with the most arguments of
        // exactly the right type wins (PostgreSQL's func_select_candidate).
        let exact = |overload: &Overload| {
            current
                .iter()
                .enumerate()
                .filter(|(index, ty)| {
                    ty.as_known().is_some_and(|ty| {
                        let base = types::base_type(self.schema, ty);
                        self.named_type(spec_at(overload, *index))
                            .is_some_and(|spec| types::same_type(&spec, &base))
                    })
                })
                .count()
        };
        // Untyped arguments: a string-category candidate wins; candidates of
        // different categories are ambiguous (func_select_candidate).
        let fitting: Vec<&Overload> = overloads
            .iter()
            .filter(|overload| self.matches(overload, &current))
            .collect();
        let mut fitting = fitting;
        for (index, ty) in current.iter().enumerate() {
            if !matches!(ty, Ty::Param(_) | Ty::Unknown) || fitting.len() < 2 {
                continue;
            }
            let category_at = |overload: &Overload| {
                self.named_type(spec_at(overload, index))
                    .filter(|_| !spec_at(overload, index).starts_with('$'))
                    .map(|t| types::category(self.schema, &t))
            };
            let categories: Vec<Option<types::Category>> =
                fitting.iter().map(|o| category_at(o)).collect();
            if categories.contains(&Some(types::Category::String)) {
                fitting.retain(|o| category_at(o) == Some(types::Category::String));
            } else if categories
                .iter()
                .any(|c| c.is_some() && *c != categories[0])
            {
                let shown = self.argument_list(args, shape.arg_names);
                self.error(
                    Diagnostic::error(format!("function {name}({shown}) is not unique"), span.clone())
                        .with_help("could not choose a best candidate function; you might need to add explicit type casts"),
                );
                for arg in args {
                    self.poison(arg);
                }
                return Typed::new(Ty::Error, true, span);
            }
        }
        let mut best: Option<(&Overload, usize)> = None;
        for overload in fitting {
            {
                let score = exact(overload);
                if best.is_none_or(|(_, best_score)| score > best_score) {
                    best = Some((overload, score));
                }
            }
        }
        let Some(overload) = best.map(|(overload, _)| overload) else {
            let shown = self.argument_list(args, shape.arg_names);
            self.error(
                Diagnostic::error(format!("function {}({shown}) does not exist", shape.called), span.clone())
                    .with_help("no function matches the given name and argument types; you might need to add explicit type casts"),
            );
            for arg in args {
                self.poison(arg);
            }
            return Typed::new(Ty::Error, true, span);
        };
        // Untyped arguments take the overload's argument types.
        let mut polymorphic: Option<SqlType> = None;
        for (index, ty) in current.iter().enumerate() {
            if let Ty::Known(ty) = ty
                && matches!(spec_at(overload, index), "elem" | "array" | "ord")
                && polymorphic.is_none()
            {
                polymorphic = Some(ty.clone());
            }
        }
        let mut targets: Vec<Option<SqlType>> = Vec::with_capacity(args.len());
        for (index, arg) in args.iter().enumerate() {
            let spec = spec_at(overload, index);
            let polymorphic_spec = matches!(spec, "poly" | "array" | "elem" | "ord");
            if polymorphic_spec && polymorphic.is_none() && arg.ty.clone() == Ty::Unknown {
                self.error(Diagnostic::error(
                    "could not determine polymorphic type because input has type unknown",
                    span.clone(),
                ));
            }
            let target = match spec {
                "any" | "poly" => None,
                // The preferred type of the numeric category.
                "num" if polymorphic.is_none() => Some(SqlType::builtin("float8")),
                "num" => polymorphic.clone(),
                "elem" | "ord" => polymorphic.clone().filter(|p| !p.array),
                "array" => polymorphic.clone().filter(|p| p.array),
                s if s.starts_with('$') => self.spec_type(s, &current),
                s => self.named_type(s),
            };
            if let Some(target) = &target {
                self.coerce_implicit(arg, target);
            }
            targets.push(target);
        }
        // Untyped literals (`abs(NULL)`) have the type they were resolved to.
        let current: Vec<Ty> = args
            .iter()
            .zip(&targets)
            .map(|(arg, target)| match (arg.ty.clone(), target) {
                (Ty::Unknown, Some(target)) => Ty::Known(target.clone()),
                (ty, _) => ty,
            })
            .collect();
        let ty = match overload.returns {
            "common" => match types::common_of(self.schema, &current) {
                Ok(ty) => ty,
                Err(_) => Ty::Error,
            },
            r if r.starts_with('$') => self.spec_type(r, &current).map_or(Ty::Error, Ty::Known),
            r => self.named_type(r).map_or(Ty::Error, Ty::Known),
        };
        // min/max exist for text, not varchar: varchar is read as text.
        let ty = match ty {
            Ty::Known(ty)
                if matches!(name, "min" | "max")
                    && ty.is_builtin()
                    && !ty.array
                    && ty.name == "varchar" =>
            {
                Ty::known("text")
            }
            other => other,
        };
        let nullable = match (kind, nulls) {
            (_, Nulls::Never) => false,
            (Kind::Window, _) | (Kind::Aggregate, _) | (Kind::Set, _) | (Kind::Scalar, _) => true,
        };
        Typed::new(ty, nullable, span)
    }

    /// Untyped arguments (literals, parameters) of a user function declared
    /// of the polymorphic family its result `returns` is of take the type
    /// the call resolved it to (`resolved`), as PostgreSQL coerces them.
    /// `positions`: the declared argument each of `args` fills, when the
    /// call passes them by name out of order.
    fn coerce_polymorphic_arguments(
        &mut self,
        function: &migrate_core::Function,
        returns: &SqlType,
        resolved: &SqlType,
        args: &[Typed],
        shape: &Shape<'_>,
        positions: Option<&[usize]>,
    ) {
        let Some(family) = super::query::polymorphic_family(&returns.name) else {
            return;
        };
        let element = if family.arrays.contains(&returns.name.as_str()) && resolved.array {
            resolved.element()
        } else {
            resolved.clone()
        };
        let all: Vec<(&SqlType, &Typed)> = match positions {
            Some(positions) => positions
                .iter()
                .zip(args)
                .filter_map(|(&at, arg)| Some((function.arguments.get(at)?, arg)))
                .collect(),
            None => function
                .arguments
                .iter()
                .zip(args.iter().chain(shape.ordered))
                .collect(),
        };
        for (declared, arg) in all {
            if !declared.is_builtin() {
                continue;
            }
            if family.elements.contains(&declared.name.as_str()) {
                self.coerce_implicit(arg, &element);
            } else if family.arrays.contains(&declared.name.as_str()) {
                self.coerce_implicit(arg, &element.clone().into_array());
            }
        }
    }

    /// Types a call of a built-in function through the overloads generated
    /// from `pg_proc`, as PostgreSQL resolves them; the result is nullable
    /// unless the hand catalogue knows it `never_null`. `None` when migrate
    /// cannot tell for sure what PostgreSQL would pick.
    fn generated_call(
        &mut self,
        name: &str,
        args: &[Typed],
        star: bool,
        shape: &Shape<'_>,
        never_null: bool,
        span: std::ops::Range<usize>,
    ) -> Option<Typed> {
        // `count(*)` is the hand catalogue's. An ordered-set aggregate
        // takes no argument names migrate knows of.
        let by_name = !shape.arg_names.is_empty();
        if star || (by_name && !shape.ordered.is_empty()) || !overloads::knows(self.schema, name) {
            return None;
        }
        let all: Vec<Typed> = args.iter().chain(shape.ordered).cloned().collect();
        let mut inputs = Vec::with_capacity(all.len());
        for arg in &all {
            inputs.push(match arg.ty.clone() {
                Ty::Known(ty) => Some(ty),
                Ty::Unknown | Ty::Param(_) => None,
                // Already reported, or not typed: nothing to say for sure.
                Ty::Error => return None,
            });
        }
        let call = overloads::Call {
            name,
            args: &inputs,
            arg_names: shape.arg_names,
            within_group: !shape.ordered.is_empty(),
            literal: matches!(all.as_slice(), [only] if only.ty.clone() == Ty::Unknown),
            variadic: shape.variadic,
        };
        let problem = match overloads::resolve(self.schema, &call) {
            Resolution::Found(chosen) => {
                for (arg, target) in all.iter().zip(&chosen.targets) {
                    if let Some(target) = target {
                        self.coerce_implicit(arg, target);
                    }
                }
                match (chosen.kind, shape.over) {
                    (ProcKind::Aggregate, _) if all.is_empty() => Diagnostic::error(
                        format!(
                            "{name}(*) must be used to call a parameterless aggregate function"
                        ),
                        span.clone(),
                    ),
                    (ProcKind::Window, false) => Diagnostic::error(
                        format!("window function {name} requires an OVER clause"),
                        span.clone(),
                    ),
                    (ProcKind::Scalar, true) => Diagnostic::error(
                        format!(
                            "OVER specified, but {name} is not a window function nor an aggregate function"
                        ),
                        span.clone(),
                    ),
                    _ => {
                        let ty = Ty::Known(chosen.returns);
                        return Some(Typed::new(ty, !never_null || chosen.set, span));
                    }
                }
            }
            Resolution::NotFound => {
                let shown = self.argument_list(&all, shape.arg_names);
                // An argument name no overload has is the likely mistake.
                let known = overloads::argument_names(self.schema, name);
                let misspelt = shape
                    .arg_names
                    .iter()
                    .flatten()
                    .filter(|given| !known.contains(&given.as_str()))
                    .find_map(|given| did_you_mean(given, known.iter().copied()));
                let help = misspelt.unwrap_or_else(|| {
                    "no function matches the given name and argument types; you might need to add explicit type casts".to_owned()
                });
                Diagnostic::error(
                    format!("function {}({shown}) does not exist", shape.called),
                    span.clone(),
                )
                .with_help(help)
            }
            Resolution::Ambiguous => {
                let shown = self.argument_list(&all, shape.arg_names);
                Diagnostic::error(format!("function {name}({shown}) is not unique"), span.clone())
                    .with_help("could not choose a best candidate function; you might need to add explicit type casts")
            }
            Resolution::UnknownPolymorphic => Diagnostic::error(
                "could not determine polymorphic type because input has type unknown",
                span.clone(),
            ),
            Resolution::Unsure => return None,
        };
        self.error(problem);
        for arg in &all {
            self.poison(arg);
        }
        Some(Typed::new(Ty::Error, true, span))
    }

    /// The arguments as PostgreSQL shows them in `function f(..) does not
    /// exist`: their types, each after the name it is passed by.
    /// PostgreSQL's "function ... does not exist" for a call of `parts`
    /// that no function can take: a name PostgreSQL has not built in, the
    /// migrations did not create, and no extension they installed may hold
    /// (in the schema the call names, when it names one), with a
    /// did-you-mean or the extension that has it. `None` when such a
    /// function may exist beyond what migrate models (the caller warns).
    pub(crate) fn refuse_missing_function(
        &mut self,
        parts: &[String],
        called: &str,
        args: &[Typed],
        arg_names: &[Option<String>],
        span: std::ops::Range<usize>,
    ) -> Option<Typed> {
        let name = parts.last().map(String::as_str).unwrap_or_default();
        let builtin_schema = parts.len() == 1 || parts[0] == "pg_catalog";
        if let [schema, _] = parts
            && !self.may_exist_in(schema, name)
        {
            let shown = self.argument_list(args, arg_names);
            let extension = extension_with_function(name);
            let installed_in = extension.and_then(|extension| {
                self.schema
                    .extensions
                    .get(extension)
                    .map(|installed| installed.schema.clone())
            });
            let help = match (extension, installed_in) {
                (Some(extension), Some(installed_in)) => format!(
                    "the extension {extension} has {name} in schema {installed_in}: call {installed_in}.{name}"
                ),
                (Some(extension), None) if schema != "pg_catalog" => format!(
                    "{name} comes with the extension {extension}, which no migration creates: add `CREATE EXTENSION \"{extension}\" SCHEMA {schema};` to a migration"
                ),
                _ => "no function matches the given name and argument types; you might need to add explicit type casts".to_owned(),
            };
            return Some(self.no_such_function(called, &shown, help, args, span));
        }
        if builtin_schema && !self.may_exist(name) {
            let shown = self.argument_list(args, arg_names);
            let extension = extension_with_function(name);
            let help = match (extension, self.closest_function(name)) {
                (Some(extension), _) => format!(
                    "{name} comes with the extension {extension}, which no migration creates: add `CREATE EXTENSION \"{extension}\";` to a migration"
                ),
                (None, Some(known)) => format!("did you mean \"{known}\"?"),
                (None, None) => "no function matches the given name and argument types; you might need to add explicit type casts".to_owned(),
            };
            return Some(self.no_such_function(called, &shown, help, args, span));
        }
        // Functions of the migrations by that name, none of which takes
        // the call (the caller tried them), and nothing else by that name.
        if builtin_schema
            && self.schema.functions.keys().any(|n| n.name == name)
            && pg_functions::BUILTIN.binary_search(&name).is_err()
            && !self.extension_may_hold(name)
        {
            let shown = self.argument_list(args, arg_names);
            let help = "no function matches the given name and argument types; you might need to add explicit type casts".to_owned();
            return Some(self.no_such_function(called, &shown, help, args, span));
        }
        None
    }

    /// PostgreSQL's "function ... does not exist", with `help`; the
    /// arguments' parameters get no type from the call.
    fn no_such_function(
        &mut self,
        called: &str,
        shown: &str,
        help: String,
        args: &[Typed],
        span: std::ops::Range<usize>,
    ) -> Typed {
        self.error(
            Diagnostic::error(
                format!("function {called}({shown}) does not exist"),
                span.clone(),
            )
            .with_help(help),
        );
        for arg in args {
            self.poison(arg);
        }
        Typed::new(Ty::Error, true, span)
    }

    pub(crate) fn argument_list(&self, args: &[Typed], arg_names: &[Option<String>]) -> String {
        args.iter()
            .enumerate()
            .map(|(index, arg)| {
                let ty = match arg.ty.clone() {
                    Ty::Known(ty) => types::display(&ty),
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

    /// `$0`, `$0[]`, `$0.elem`.
    fn spec_type(&self, spec: &str, current: &[Ty]) -> Option<SqlType> {
        let rest = &spec[1..];
        let (index, suffix) = rest.split_at(rest.find(['.', '[']).unwrap_or(rest.len()));
        let index: usize = index.parse().ok()?;
        let ty = current.get(index)?.as_known()?.clone();
        match suffix {
            "" => Some(ty),
            "[]" => Some(if ty.array { ty } else { ty.into_array() }),
            ".elem" => Some(ty.element()),
            _ => None,
        }
    }

    fn named_type(&self, spec: &str) -> Option<SqlType> {
        match spec.strip_suffix("[]") {
            Some(element) => Some(SqlType::builtin(element).into_array()),
            None => Some(SqlType::builtin(spec)),
        }
    }

    fn matches(&self, overload: &Overload, args: &[Ty]) -> bool {
        let variadic = overload.args.last().is_some_and(|a| a.ends_with("..."));
        let fixed = if variadic {
            overload.args.len() - 1
        } else {
            overload.args.len()
        };
        if args.len() < fixed || (!variadic && args.len() != fixed) {
            return false;
        }
        for (index, ty) in args.iter().enumerate() {
            let Ty::Known(ty) = ty else { continue };
            let spec = spec_at(overload, index);
            let fits = match spec {
                "any" | "poly" => true,
                "elem" => !ty.array,
                // Types with a btree ordering min/max know.
                "ord" => {
                    !ty.array
                        && matches!(
                            types::category(self.schema, ty),
                            Category::Numeric
                                | Category::String
                                | Category::DateTime
                                | Category::Timespan
                                | Category::Enum
                                | Category::Network
                        )
                }
                "array" => ty.array,
                "num" => types::category(self.schema, ty) == Category::Numeric,
                s if s.starts_with('$') => match self.spec_type(s, args) {
                    Some(target) => types::implicitly_castable(self.schema, ty, &target),
                    None => true,
                },
                s => match self.named_type(s) {
                    Some(target) => {
                        types::implicitly_castable(self.schema, ty, &target)
                            || (target.name == "regclass"
                                && types::category(self.schema, ty) == Category::String)
                    }
                    None => true,
                },
            };
            if !fits {
                return false;
            }
        }
        true
    }

    /// `sum`: int2/int4 give int8, int8 gives numeric; `avg`: integers and
    /// numeric give numeric, floats give float8.
    fn sum_avg(&mut self, args: &[Typed], sum: bool, span: std::ops::Range<usize>) -> Typed {
        let name = if sum { "sum" } else { "avg" };
        let [arg] = args else {
            self.error(Diagnostic::error(
                format!("function {name} takes one argument"),
                span.clone(),
            ));
            return Typed::new(Ty::Error, true, span);
        };
        // pgvector's sum(vector) and avg(vector) return the vector type.
        if let Ty::Known(ty) = arg.ty.clone()
            && let Some(ext) = crate::extensions::typname(self.schema, &ty)
            && let Some(proc) = crate::extensions::installed(self.schema)
                .flat_map(|(extension, _)| extension.procs)
                .find(|proc| proc.name == name && proc.args == [ext.as_str()])
        {
            let returns = crate::extensions::sql_type(self.schema, proc.returns);
            return Typed::new(Ty::Known(returns), true, span);
        }
        let ty = match arg.ty.clone() {
            Ty::Known(ty) => {
                let base = types::base_type(self.schema, &ty);
                let result = match (base.name.as_str(), sum, base.array) {
                    ("int2" | "int4", true, false) => Some("int8"),
                    ("int8" | "numeric", true, false) => Some("numeric"),
                    ("float4", true, false) => Some("float4"),
                    ("float8", true, false) => Some("float8"),
                    ("interval", _, false) => Some("interval"),
                    ("money", true, false) => Some("money"),
                    ("int2" | "int4" | "int8" | "numeric", false, false) => Some("numeric"),
                    ("float4" | "float8", false, false) => Some("float8"),
                    _ => None,
                };
                match result {
                    Some(result) => Ty::known(result),
                    None => {
                        self.error(
                            Diagnostic::error(
                                format!("function {name}({}) does not exist", types::display(&ty)),
                                span.clone(),
                            )
                            .with_help("no function matches the given name and argument types; you might need to add explicit type casts"),
                        );
                        Ty::Error
                    }
                }
            }
            Ty::Error => Ty::Error,
            Ty::Param(_) | Ty::Unknown => {
                self.error(Diagnostic::error(
                    format!("function {name}(unknown) is not unique"),
                    span.clone(),
                ));
                Ty::Error
            }
        };
        Typed::new(ty, true, span)
    }

    /// Whether a function called `name` may exist on the search path: one
    /// PostgreSQL has built in, one the migrations created, or one an
    /// extension they installed may hold (any name, for an extension
    /// migrate has no list of).
    fn may_exist(&self, name: &str) -> bool {
        pg_functions::BUILTIN.binary_search(&name).is_ok()
            || self.schema.functions.keys().any(|n| n.name == name)
            || self.extension_may_hold(name)
    }

    /// Whether an extension the migrations installed may hold a function
    /// called `name` (any name, for an extension migrate has no list of).
    fn extension_may_hold(&self, name: &str) -> bool {
        self.schema
            .extensions
            .keys()
            .any(|extension| match extension_function_names(extension) {
                Some(names) => names.binary_search(&name).is_ok(),
                None => extension != "plpgsql",
            })
    }

    /// Whether a function called `name` may exist in `schema`, for a call
    /// qualified by it: one PostgreSQL has built in (in `pg_catalog`), one
    /// the migrations created there, or one an extension they installed in
    /// that schema may hold. True for a schema migrate does not model
    /// (`information_schema`, one the migrations did not create).
    fn may_exist_in(&self, schema: &str, name: &str) -> bool {
        let modelled = schema == "pg_catalog" || self.schema.namespaces.contains_key(schema);
        if !modelled {
            return true;
        }
        (schema == "pg_catalog" && pg_functions::BUILTIN.binary_search(&name).is_ok())
            || self
                .schema
                .functions
                .keys()
                .any(|n| n.schema == schema && n.name == name)
            || self
                .schema
                .extensions
                .iter()
                .filter(|(_, extension)| extension.schema == schema)
                .any(|(extension, _)| match extension_function_names(extension) {
                    Some(names) => names.binary_search(&name).is_ok(),
                    None => extension != "plpgsql",
                })
    }

    /// The function the user most likely meant by a name that does not
    /// exist: the nearest built-in, user or extension function name.
    fn closest_function(&self, name: &str) -> Option<String> {
        let extension_names = self.schema.extensions.keys().flat_map(|extension| {
            extension_function_names(extension)
                .unwrap_or_default()
                .iter()
                .copied()
        });
        let user_names = self.schema.functions.keys().map(|n| n.name.as_str());
        pg_functions::BUILTIN
            .iter()
            .copied()
            .filter(|known| !known.starts_with('_'))
            .chain(extension_names)
            .chain(user_names)
            // The distance is at least the difference of the lengths: a
            // name too long or too short for the limit is not compared (a
            // 10,000-character name was compared with every function).
            .filter(|known| {
                name.len().abs_diff(known.len()) <= (name.len().min(known.len()) / 3).max(1)
            })
            .map(|known| (strsim::damerau_levenshtein(name, known), known))
            .filter(|(distance, known)| *distance <= (name.len().min(known.len()) / 3).max(1))
            .min()
            .map(|(_, known)| known.to_owned())
    }
}

/// The function names an extension of the catalogue installs.
fn extension_function_names(extension: &str) -> Option<&'static [&'static str]> {
    crate::extensions::find(extension).map(|entry| entry.functions)
}

/// The extension of the catalogue that has a function called `name`.
fn extension_with_function(name: &str) -> Option<&'static str> {
    crate::extensions::providing_function(name).map(|entry| entry.name)
}

/// Whether migrate knows the built-in function `name` (and so whether it
/// is a plain scalar function or an aggregate).
pub(crate) fn is_known_function(name: &str) -> bool {
    catalogue(name).is_some_and(|(kind, _, _)| kind == Kind::Scalar)
        || matches!(name, "coalesce" | "nullif" | "greatest" | "least")
        || overloads::only_scalar(name)
}

fn spec_at(overload: &Overload, index: usize) -> &'static str {
    match overload.args.get(index) {
        Some(spec) => spec.trim_end_matches("..."),
        None => overload
            .args
            .last()
            .map_or("any", |spec| spec.trim_end_matches("...")),
    }
}

#[cfg(test)]
mod tests {
    use super::pg_functions::{BUILTIN, BUILTIN_OVERLOADS, CASTS, TYPES};
    use migrate_test_support::TestDatabase;

    fn sorted_and_unique(names: &[&str]) -> bool {
        names.windows(2).all(|pair| pair[0] < pair[1])
    }

    /// The generated lists are what the server says, so that a name missing
    /// from them (reported as "does not exist") really does not exist.
    #[test]
    fn the_function_lists_match_the_server() {
        let db = TestDatabase::new("fn_names");
        let mut client = db.client();
        let live: Vec<String> = client
            .query(
                "SELECT DISTINCT proname::text FROM pg_proc
                 WHERE pronamespace = 'pg_catalog'::regnamespace ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        assert!(sorted_and_unique(BUILTIN));
        assert_eq!(
            BUILTIN,
            live.iter().map(String::as_str).collect::<Vec<_>>(),
            "regenerate with scripts/pg-function-names.sh"
        );
        for extension in ["pgcrypto", "pg_trgm", "uuid-ossp"] {
            client
                .batch_execute(&format!("CREATE EXTENSION \"{extension}\""))
                .unwrap();
            let installed: Vec<String> = client
                .query(
                    "SELECT DISTINCT p.proname::text FROM pg_depend d
                     JOIN pg_extension e ON e.oid = d.refobjid
                     JOIN pg_proc p ON p.oid = d.objid
                     WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
                       AND e.extname = $1
                     ORDER BY 1",
                    &[&extension],
                )
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect();
            let listed = crate::extensions::find(extension)
                .map(|entry| entry.functions.to_vec())
                .unwrap_or_default();
            assert_eq!(listed, installed, "{extension}");
        }
    }

    /// The generated overloads and type facts are what the server says, so
    /// that resolution over them picks what PostgreSQL picks.
    #[test]
    fn the_overloads_and_casts_match_the_server() {
        let db = TestDatabase::new("fn_overloads");
        let mut client = db.client();
        let live: Vec<String> = client
            .query(
                "SELECT format('%s(%s) [%s] %s%s', p.proname,
                    array_to_string(array(SELECT t.typname FROM unnest(p.proargtypes::oid[])
                        WITH ORDINALITY a(oid, n) JOIN pg_type t ON t.oid = a.oid ORDER BY n), ','),
                    (SELECT CASE WHEN bool_or(n.name <> '')
                                 THEN string_agg(n.name, ',' ORDER BY n.i) ELSE '' END
                     FROM unnest(p.proargnames, p.proargmodes) WITH ORDINALITY n(name, mode, i)
                     WHERE n.mode IS NULL OR n.mode IN ('i', 'b', 'v')),
                    CASE WHEN p.proretset THEN 'setof ' ELSE '' END, r.typname)
                 FROM pg_proc p JOIN pg_type r ON r.oid = p.prorettype
                 WHERE p.pronamespace = 'pg_catalog'::regnamespace
                   AND p.prokind IN ('f', 'a', 'w') AND p.provariadic = 0
                   AND NOT EXISTS (
                     SELECT FROM unnest(p.proargtypes::oid[] || p.prorettype) o
                     JOIN pg_type t ON t.oid = o
                     WHERE t.typname IN ('internal', 'cstring', 'trigger', 'event_trigger',
                        'language_handler', 'fdw_handler', 'index_am_handler', 'tsm_handler',
                        'table_am_handler', 'pg_ddl_command', 'unknown'))
                 ORDER BY 1",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect();
        let mut listed: Vec<String> = BUILTIN_OVERLOADS
            .iter()
            .filter(|proc| !proc.variadic)
            .map(|proc| {
                let set = if proc.set { "setof " } else { "" };
                format!(
                    "{}({}) [{}] {set}{}",
                    proc.name,
                    proc.args.join(","),
                    proc.arg_names.join(","),
                    proc.returns
                )
            })
            .collect();
        let mut live = live;
        listed.sort();
        live.sort();
        let missing: Vec<&String> = live.iter().filter(|o| !listed.contains(o)).collect();
        let extra: Vec<&String> = listed.iter().filter(|o| !live.contains(o)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "regenerate with scripts/pg-function-names.sh: missing {missing:?}, not on the server {extra:?}"
        );
        assert!(
            BUILTIN_OVERLOADS
                .windows(2)
                .all(|pair| pair[0].name <= pair[1].name)
        );
        let casts: Vec<(String, String, i8, i8)> = client
            .query(
                "SELECT s.typname::text, t.typname::text, c.castcontext, c.castmethod
                 FROM pg_cast c
                 JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
                 WHERE s.typnamespace = 'pg_catalog'::regnamespace
                   AND t.typnamespace = 'pg_catalog'::regnamespace",
                &[],
            )
            .unwrap()
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
            .collect();
        assert_eq!(casts.len(), CASTS.len());
        for (source, target, context, method) in &casts {
            let listed = CASTS
                .binary_search_by(|(s, t, ..)| (*s, *t).cmp(&(source.as_str(), target.as_str())))
                .map(|index| (CASTS[index].2, CASTS[index].3));
            assert_eq!(
                listed,
                Ok((*context as u8 as char, *method as u8 as char)),
                "{source} -> {target}"
            );
        }
        assert!(TYPES.windows(2).all(|pair| pair[0].0 < pair[1].0));
    }
}
