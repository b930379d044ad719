//! The built-in functions migrate knows: their signatures (so that
//! parameters and literals take the argument types), result types and
//! nullability. User functions come from `Schema::functions`.

use migrate_core::SqlType;
use sqlparser::ast::{
    Function, FunctionArg, FunctionArgExpr, FunctionArgumentClause, FunctionArgumentList,
    FunctionArguments, WindowSpec, WindowType,
};

use super::query::object_name_parts;
use super::types::{self, Category, Ty};
use super::{Analyzer, Typed};
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
        let parts = object_name_parts(name);
        let function_name = parts.last().cloned().unwrap_or_default();
        // ARRAY(SELECT x ...): an array of the subquery's one column.
        if function_name == "array"
            && let FunctionArguments::Subquery(query) = args
        {
            let outputs = self.subquery(query);
            let ty = match outputs.as_slice() {
                [only] => match self.current(&only.typed.ty) {
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
            return Typed::new(ty, false, span).named("array");
        }
        let mut typed_args = Vec::new();
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
                    match arg {
                        FunctionArg::Unnamed(arg)
                        | FunctionArg::Named { arg, .. }
                        | FunctionArg::ExprNamed { arg, .. } => match arg {
                            FunctionArgExpr::Expr(expr) => typed_args.push(self.expr(expr)),
                            FunctionArgExpr::Wildcard
                            | FunctionArgExpr::WildcardWithOptions(_)
                            | FunctionArgExpr::QualifiedWildcard(_) => star = true,
                        },
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
        for item in within_group {
            self.expr(&item.expr);
        }
        if let Some(filter) = filter {
            let typed = self.expr(filter);
            self.coerce_condition(&typed, "FILTER");
        }
        if let Some(WindowType::WindowSpec(spec)) = over {
            self.window_spec(spec);
        }
        let mut typed = self.call(&parts, &function_name, &typed_args, star, span);
        typed.name = Some(function_name);
        typed
    }

    pub(crate) fn window_spec(&mut self, spec: &WindowSpec) {
        let WindowSpec {
            window_name: _,
            partition_by,
            order_by,
            window_frame: _,
        } = spec;
        for expr in partition_by {
            self.expr(expr);
        }
        for item in order_by {
            self.expr(&item.expr);
        }
    }

    fn call(
        &mut self,
        parts: &[String],
        name: &str,
        args: &[Typed],
        star: bool,
        span: std::ops::Range<usize>,
    ) -> Typed {
        let builtin_schema = parts.len() == 1 || parts[0] == "pg_catalog";
        if builtin_schema {
            match name {
                "coalesce" => {
                    let ty = self.common(args, "COALESCE");
                    let ty = if ty == Ty::Unknown {
                        Ty::known("text")
                    } else {
                        ty
                    };
                    let nullable = args.iter().all(|a| a.nullable);
                    return Typed::new(ty, nullable, span);
                }
                "sum" => return self.sum_avg(args, true, span),
                "nullif" if args.len() == 2 => {
                    // NULLIF(a, b) is `CASE WHEN a = b THEN NULL ELSE a END`.
                    self.operator("=", &args[0], &args[1], span.clone());
                    // The result has the type the `=` operator took its left
                    // side as: varchar compares as text.
                    let ty = match self.current(&args[0].ty) {
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
                "avg" => return self.sum_avg(args, false, span),
                _ => {}
            }
        }
        // A user function with that name and arity wins over our catalogue.
        if let Some(returns) = self.user_function(parts, args.len()) {
            return Typed::new(Ty::Known(returns), true, span);
        }
        let catalogue_entry = if builtin_schema {
            catalogue(name)
        } else {
            None
        };
        let Some((kind, nulls, overloads)) = catalogue_entry else {
            if self.schema.functions.keys().any(|n| n.name == name) {
                let shown = self.argument_list(args);
                self.error(
                    Diagnostic::error(format!("function {name}({shown}) does not exist"), span.clone())
                        .with_help("no function matches the given name and argument types; you might need to add explicit type casts"),
                );
                return Typed::new(Ty::Error, true, span);
            }
            if builtin_schema && let Some(known) = likely_typo(name) {
                let shown = self.argument_list(args);
                self.error(
                    Diagnostic::error(
                        format!("function {name}({shown}) does not exist"),
                        span.clone(),
                    )
                    .with_help(format!("did you mean \"{known}\"?")),
                );
                return Typed::new(Ty::Error, true, span);
            }
            self.warn(
                format!("migrate does not know the function {name}; its result is not typed"),
                span.clone(),
            );
            for arg in args {
                self.poison(arg);
            }
            return Typed::new(Ty::Error, true, span);
        };
        let _ = star;
        let current: Vec<Ty> = args.iter().map(|a| self.current(&a.ty)).collect();
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
                let shown = self.argument_list(args);
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
            let shown = self.argument_list(args);
            self.error(
                Diagnostic::error(format!("function {name}({shown}) does not exist"), span.clone())
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
            if polymorphic_spec && polymorphic.is_none() && self.current(&arg.ty) == Ty::Unknown {
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
            .map(|(arg, target)| match (self.current(&arg.ty), target) {
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

    fn argument_list(&self, args: &[Typed]) -> String {
        args.iter()
            .map(|a| match self.current(&a.ty) {
                Ty::Known(ty) => types::display(&ty),
                _ => "unknown".to_owned(),
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
        let ty = match self.current(&arg.ty) {
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
}

/// Whether migrate knows the built-in function `name` (and so whether it
/// is a plain scalar function or an aggregate).
pub(crate) fn is_known_function(name: &str) -> bool {
    catalogue(name).is_some_and(|(kind, _, _)| kind == Kind::Scalar)
        || matches!(name, "coalesce" | "nullif" | "greatest" | "least")
}

/// Names in the catalogue, for typo detection.
const KNOWN: &[&str] = &[
    "count",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "json_agg",
    "jsonb_agg",
    "row_number",
    "rank",
    "dense_rank",
    "lag",
    "lead",
    "nullif",
    "greatest",
    "least",
    "lower",
    "upper",
    "length",
    "concat",
    "substr",
    "replace",
    "split_part",
    "btrim",
    "ltrim",
    "rtrim",
    "regexp_replace",
    "encode",
    "decode",
    "to_char",
    "to_timestamp",
    "now",
    "date_trunc",
    "date_part",
    "date_bin",
    "timezone",
    "round",
    "floor",
    "random",
    "array_length",
    "cardinality",
    "array_position",
    "array_append",
    "array_remove",
    "array_to_string",
    "string_to_array",
    "unnest",
    "generate_series",
    "jsonb_build_object",
    "json_build_object",
    "to_jsonb",
    "jsonb_set",
    "jsonb_typeof",
    "jsonb_array_length",
    "gen_random_uuid",
    "nextval",
    "coalesce",
    "sum",
    "avg",
];

/// A known function `name` is probably a misspelling of: one edit away,
/// and not itself a function PostgreSQL has that we do not list.
fn likely_typo(name: &str) -> Option<&'static str> {
    if name.len() < 4 {
        return None;
    }
    KNOWN
        .iter()
        .copied()
        .find(|known| strsim::damerau_levenshtein(name, known) == 1 && known.len() >= 4)
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
