//! Expressions: column references, literals, parameters, casts, CASE,
//! subqueries, and the coercions that decide parameter types.

use migrate_core::SqlType;
use sqlparser::ast::{
    AccessExpr, Array, BinaryOperator, CaseWhen, CeilFloorKind, DateTimeField, Expr, Ident,
    Interval, Subscript, TrimWhereField, TypedString, UnaryOperator, Value,
};

use super::scope::{Lookup, did_you_mean, fold_ident};
use super::types::{self, Category, Ty};
use super::{Analyzer, Typed, TypedField};
use crate::diagnostic::Diagnostic;

impl Analyzer<'_> {
    /// Types one expression, reporting what is wrong in it.
    pub(crate) fn expr(&mut self, expr: &Expr) -> Typed {
        let span = self.span(expr);
        match expr {
            Expr::Identifier(ident) => self.identifier(ident),
            Expr::CompoundIdentifier(parts) => self.compound_identifier(parts, span),
            Expr::Value(value) => self.value(&value.value, span),
            Expr::TypedString(TypedString {
                data_type,
                value,
                uses_odbc_syntax: _,
            }) => {
                let literal = Typed {
                    literal: literal_text(&value.value),
                    ..Typed::new(Ty::Unknown, false, span.clone())
                };
                self.cast(literal, data_type, span, false)
            }
            Expr::Cast {
                kind: _,
                expr: inner,
                data_type,
                format: _,
            } => {
                let typed = self.expr(inner);
                let array_constructor = matches!(inner.as_ref(), Expr::Array(array) if array.named);
                self.cast(typed, data_type, span, array_constructor)
            }
            Expr::Nested(inner) => {
                let mut typed = self.expr(inner);
                typed.span = span;
                typed
            }
            Expr::BinaryOp { left, op, right } => self.binary_op(left, op, right, span),
            Expr::UnaryOp { op, expr: inner } => self.unary_op(op, inner, span),
            Expr::IsNull(inner)
            | Expr::IsNotNull(inner)
            | Expr::IsUnknown(inner)
            | Expr::IsNotUnknown(inner) => {
                self.expr(inner);
                Typed::new(Ty::known("bool"), false, span)
            }
            Expr::IsTrue(inner)
            | Expr::IsNotTrue(inner)
            | Expr::IsFalse(inner)
            | Expr::IsNotFalse(inner) => {
                let typed = self.expr(inner);
                self.coerce_condition(&typed, "IS TRUE");
                Typed::new(Ty::known("bool"), false, span)
            }
            Expr::IsDistinctFrom(left, right) | Expr::IsNotDistinctFrom(left, right)
                if row_items(left).is_some() && row_items(right).is_some() =>
            {
                // Rows: member by member, as `=` would.
                let at = self.between_operands(left, right, "is");
                self.rows_compared(left, right, "=", at);
                Typed::new(Ty::known("bool"), false, span)
            }
            Expr::IsDistinctFrom(left, right) | Expr::IsNotDistinctFrom(left, right) => {
                let left = self.expr(left);
                let right = self.expr(right);
                self.operator("=", &left, &right, span.clone());
                Typed::new(Ty::known("bool"), false, span)
            }
            Expr::InList {
                expr: inner,
                list,
                negated: _,
            } if row_items(inner).is_some() => {
                // (a, b) IN ((1, 'x'), ($1, $2)): each row compared with the
                // left one member by member (PostgreSQL's transformAExprIn).
                let lefts: Vec<Typed> = row_items(inner)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| self.expr(e))
                    .collect();
                let inner_span = self.span(inner.as_ref());
                let keyword = self.keyword_between("in", inner_span.end, span.end);
                for item in list {
                    let Some(items) = row_items(item) else {
                        let typed = self.expr(item);
                        self.poison(&typed);
                        self.warn(
                            "migrate does not check a row compared with something other than a row",
                            typed.span,
                        );
                        continue;
                    };
                    let rights: Vec<Typed> = items.iter().map(|e| self.expr(e)).collect();
                    self.members_compared(&lefts, &rights, "=", keyword.clone());
                }
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::InList {
                expr: inner,
                list,
                negated: _,
            } => {
                let left = self.expr(inner);
                let items: Vec<Typed> = list.iter().map(|e| self.expr(e)).collect();
                let nullable = left.nullable || items.iter().any(|t| t.nullable);
                // As PostgreSQL's transformAExprIn: items without column
                // references share one common type with the left side when
                // there are several of them; everything else is compared
                // one by one (x = a OR x = b).
                let keyword = self.keyword_between("in", left.span.end, span.end);
                let (vars, nonvars): (Vec<usize>, Vec<usize>) =
                    (0..items.len()).partition(|&i| mentions_column(&list[i]));
                let mut one_by_one = vars;
                let mut grouped = false;
                if nonvars.len() > 1 {
                    let mut all = vec![left.clone()];
                    all.extend(nonvars.iter().map(|&i| items[i].clone()));
                    let types: Vec<Ty> = all.iter().map(|t| t.ty.clone()).collect();
                    if let Ok(common) = types::common_of(self.schema, &types) {
                        grouped = true;
                        if let Ty::Known(common) = &common {
                            for item in &all {
                                self.coerce_implicit(item, common);
                            }
                            // The comparison itself must exist.
                            let probe = Typed::new(
                                Ty::Known(common.clone()),
                                false,
                                keyword.end..keyword.end,
                            );
                            let mut left_probe = probe.clone();
                            left_probe.span = left.span.start..keyword.start;
                            self.operator_at("=", &left_probe, &probe, keyword.clone());
                        }
                    }
                }
                if !grouped {
                    one_by_one.extend(nonvars);
                }
                one_by_one.sort_unstable();
                // An untyped parameter on the left is coerced by each
                // comparison in turn; they must agree ([`Analyzer::set_param`]).
                for index in one_by_one {
                    let mut left = left.clone();
                    left.span = left.span.start..keyword.start;
                    let mut item = items[index].clone();
                    item.span = keyword.end.max(item.span.start)..item.span.end;
                    self.operator_at("=", &left, &item, keyword.clone());
                }
                Typed::new(Ty::known("bool"), nullable, span)
            }
            Expr::InSubquery {
                expr: inner,
                subquery,
                negated: _,
            } => {
                // PostgreSQL reports at the IN keyword.
                let inner_span = self.span(inner.as_ref());
                let keyword = self.keyword_between("in", inner_span.end, span.end);
                self.against_subquery(inner, "=", subquery, keyword);
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::InUnnest {
                expr: inner,
                array_expr,
                negated: _,
            } => {
                self.expr(inner);
                self.expr(array_expr);
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::Between {
                expr: inner,
                negated: _,
                low,
                high,
            } => {
                // PostgreSQL rewrites `a BETWEEN b AND c` into `a >= b AND
                // a <= c` before typing it: the first comparison is typed
                // before `c` is, and `a` is typed again for the second
                // (`id BETWEEN $1 AND $1 + 99` makes `$1` the type of `id`).
                // NOT BETWEEN (`a < b OR a > c`) and SYMMETRIC (both orders)
                // type the same.
                let value = self.expr(inner);
                let low = self.expr(low);
                self.operator(">=", &value, &low, span.clone());
                let value = self.retyped(value);
                let high = self.expr(high);
                self.operator("<=", &value, &high, span.clone());
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::Like {
                expr: inner,
                pattern,
                escape_char,
                any: _,
                negated: _,
            }
            | Expr::ILike {
                expr: inner,
                pattern,
                escape_char,
                any: _,
                negated: _,
            }
            | Expr::SimilarTo {
                expr: inner,
                pattern,
                escape_char,
                negated: _,
            } => {
                let value = self.expr(inner);
                let pattern = self.expr(pattern);
                if let Some(escape) = escape_char {
                    let escape = self.expr(escape);
                    self.coerce_implicit(&escape, &SqlType::builtin("text"));
                }
                self.operator("~~", &value, &pattern, span.clone());
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::RLike {
                expr: inner,
                pattern,
                ..
            } => {
                let value = self.expr(inner);
                let pattern = self.expr(pattern);
                self.operator("~", &value, &pattern, span.clone());
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::AnyOp {
                left,
                compare_op,
                right,
                is_some: _,
            }
            | Expr::AllOp {
                left,
                compare_op,
                right,
            } => self.quantified(left, compare_op, right, span),
            Expr::Function(function) => self.function(function, span),
            Expr::Case {
                case_token: _,
                end_token: _,
                operand,
                conditions,
                else_result,
            } => self.case(operand.as_deref(), conditions, else_result.as_deref(), span),
            Expr::Exists {
                subquery,
                negated: _,
            } => {
                self.subquery(subquery);
                Typed::new(Ty::known("bool"), false, span).named("exists")
            }
            Expr::Subquery(query) => {
                // The span starts at the opening parenthesis, as PostgreSQL's.
                let span = {
                    let before =
                        self.source.text[..span.start.min(self.source.text.len())].trim_end();
                    match before.strip_suffix('(') {
                        Some(rest) => rest.len()..span.end,
                        None => span,
                    }
                };
                let outputs = self.subquery(query);
                match outputs.as_slice() {
                    [only] => {
                        let ty = only.typed.ty.clone();
                        let ty = if ty == Ty::Unknown {
                            Ty::known("text")
                        } else {
                            ty
                        };
                        let mut typed = Typed::new(ty, true, span).named(only.name.clone());
                        typed.element_nullable = only.typed.element_nullable;
                        typed.fields = only.typed.fields.clone();
                        typed
                    }
                    [] => Typed::new(Ty::Error, true, span),
                    _ => {
                        let start = self.source.text[..span.start]
                            .trim_end()
                            .strip_suffix('(')
                            .map_or(span.start, str::len);
                        self.error(Diagnostic::error(
                            "subquery must return only one column",
                            start..span.end,
                        ));
                        Typed::new(Ty::Error, true, span)
                    }
                }
            }
            Expr::Array(Array { elem, named: _ }) => self.array(elem, span),
            Expr::Tuple(items) => {
                let items: Vec<Typed> = items.iter().map(|item| self.expr(item)).collect();
                self.row(&items, span)
            }
            Expr::Interval(Interval { value, .. }) => {
                let typed = self.expr(value);
                self.coerce_implicit(&typed, &SqlType::builtin("interval"));
                Typed::new(Ty::known("interval"), typed.nullable, span).named("interval")
            }
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                let value = self.expr(timestamp);
                let zone = self.expr(time_zone);
                self.coerce_implicit(&zone, &SqlType::builtin("text"));
                let ty = match value.ty.clone() {
                    Ty::Known(ty) if ty.name == "timestamp" => Ty::known("timestamptz"),
                    Ty::Known(ty) if ty.name == "timetz" || ty.name == "time" => {
                        Ty::known("timetz")
                    }
                    Ty::Error => Ty::Error,
                    Ty::Param(n) => {
                        self.set_param(n, &SqlType::builtin("timestamptz"), value.span.clone());
                        Ty::known("timestamp")
                    }
                    _ => Ty::known("timestamp"),
                };
                Typed::new(ty, true, span).named("timezone")
            }
            Expr::Extract {
                field,
                syntax: _,
                expr: inner,
            } => {
                let typed = self.expr(inner);
                let _: &DateTimeField = field;
                if let Ty::Param(n) = typed.ty.clone() {
                    self.set_param(n, &SqlType::builtin("timestamptz"), typed.span.clone());
                }
                Typed::new(Ty::known("numeric"), true, span).named("extract")
            }
            Expr::Ceil { expr: inner, field } | Expr::Floor { expr: inner, field } => {
                let typed = self.expr(inner);
                let _: &CeilFloorKind = field;
                let name = if matches!(expr, Expr::Ceil { .. }) {
                    "ceil"
                } else {
                    "floor"
                };
                let ty = match typed.ty.clone() {
                    Ty::Known(ty) if ty.name == "numeric" => Ty::known("numeric"),
                    Ty::Error => Ty::Error,
                    Ty::Param(n) => {
                        self.set_param(n, &SqlType::builtin("float8"), typed.span.clone());
                        Ty::known("float8")
                    }
                    _ => Ty::known("float8"),
                };
                Typed::new(ty, true, span).named(name)
            }
            Expr::Position { expr: needle, r#in } => {
                let needle = self.expr(needle);
                let haystack = self.expr(r#in);
                self.coerce_implicit(&needle, &SqlType::builtin("text"));
                self.coerce_implicit(&haystack, &SqlType::builtin("text"));
                Typed::new(Ty::known("int4"), true, span).named("position")
            }
            Expr::Substring {
                expr: inner,
                substring_from,
                substring_for,
                special: _,
                shorthand: _,
            } => {
                let value = self.expr(inner);
                self.coerce_implicit(&value, &SqlType::builtin("text"));
                for part in [substring_from, substring_for].into_iter().flatten() {
                    let typed = self.expr(part);
                    self.coerce_implicit(&typed, &SqlType::builtin("int4"));
                }
                let ty = match value.ty.clone() {
                    Ty::Known(ty) if ty.name == "bytea" => Ty::known("bytea"),
                    _ => Ty::known("text"),
                };
                Typed::new(ty, true, span).named("substring")
            }
            Expr::Trim {
                trim_where,
                trim_what,
                expr: inner,
                trim_characters,
            } => {
                let value = self.expr(inner);
                self.coerce_implicit(&value, &SqlType::builtin("text"));
                for part in trim_what.iter() {
                    let typed = self.expr(part);
                    self.coerce_implicit(&typed, &SqlType::builtin("text"));
                }
                for part in trim_characters.iter().flatten() {
                    let typed = self.expr(part);
                    self.coerce_implicit(&typed, &SqlType::builtin("text"));
                }
                let name = match trim_where {
                    Some(TrimWhereField::Leading) => "ltrim",
                    Some(TrimWhereField::Trailing) => "rtrim",
                    Some(TrimWhereField::Both) | None => "btrim",
                };
                Typed::new(Ty::known("text"), true, span).named(name)
            }
            Expr::Overlay {
                expr: inner,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                for part in [inner, overlay_what] {
                    let typed = self.expr(part);
                    self.coerce_implicit(&typed, &SqlType::builtin("text"));
                }
                for part in std::iter::once(overlay_from).chain(overlay_for.iter()) {
                    let typed = self.expr(part);
                    self.coerce_implicit(&typed, &SqlType::builtin("int4"));
                }
                Typed::new(Ty::known("text"), true, span).named("overlay")
            }
            Expr::Collate { expr: inner, .. } => {
                let mut typed = self.expr(inner);
                if let Ty::Param(n) = typed.ty.clone() {
                    self.set_param(n, &SqlType::builtin("text"), typed.span.clone());
                    typed.ty = Ty::known("text");
                }
                typed
            }
            Expr::CompoundFieldAccess { root, access_chain } => {
                self.field_access(root, access_chain, span)
            }
            Expr::IsJson { expr: inner, .. } | Expr::IsNormalized { expr: inner, .. } => {
                self.expr(inner);
                Typed::new(Ty::known("bool"), true, span)
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(..) => Typed::new(Ty::Error, true, span),
            Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => {
                for expr in sets.iter().flatten() {
                    self.expr(expr);
                }
                Typed::new(Ty::Error, true, span)
            }
            Expr::JsonAccess { .. }
            | Expr::Convert { .. }
            | Expr::Prefixed { .. }
            | Expr::Struct { .. }
            | Expr::Named { .. }
            | Expr::Dictionary(_)
            | Expr::Map(_)
            | Expr::MatchAgainst { .. }
            | Expr::OuterJoin(_)
            | Expr::Prior(_)
            | Expr::Lambda(_)
            | Expr::MemberOf(_) => {
                self.warn(
                    "migrate does not understand this expression; it is not checked",
                    span.clone(),
                );
                Typed::new(Ty::Error, true, span)
            }
        }
    }

    fn identifier(&mut self, ident: &Ident) -> Typed {
        let span = self.source.range(ident.span);
        let name = fold_ident(ident);
        if ident.quote_style.is_none() {
            // SQL-standard value functions written without parentheses.
            let special = match name.as_str() {
                "current_date" => Some("date"),
                "current_time" => Some("timetz"),
                "current_timestamp" => Some("timestamptz"),
                "localtime" => Some("time"),
                "localtimestamp" => Some("timestamp"),
                "current_user" | "session_user" | "user" | "current_role" => Some("name"),
                "current_schema" | "current_catalog" => Some("name"),
                _ => None,
            };
            if let Some(ty) = special
                && !self.column_visible(&name)
            {
                return Typed::new(Ty::known(ty), false, span).named(name);
            }
        }
        self.check_reserved(ident);
        self.column(None, &name, span)
    }

    /// Whether a FROM entry is a table (which has system columns).
    fn is_table(&self, entry: &super::scope::RangeEntry) -> bool {
        entry
            .relation
            .as_ref()
            .and_then(|name| self.relation(name))
            .is_some_and(|relation| !relation.is_view())
    }

    fn column_visible(&self, name: &str) -> bool {
        self.levels
            .iter()
            .any(|level| !matches!(level.lookup(name), Lookup::NotFound))
    }

    fn compound_identifier(&mut self, parts: &[Ident], span: std::ops::Range<usize>) -> Typed {
        if let Some(first) = parts.first() {
            self.check_reserved(first);
        }
        let names: Vec<String> = parts.iter().map(fold_ident).collect();
        let column_span = parts
            .last()
            .map_or(span.clone(), |ident| self.source.range(ident.span));
        match names.as_slice() {
            [table, column] => self.column(Some((None, table)), column, span),
            [schema, table, column] => self.column(Some((Some(schema), table)), column, span),
            [_, schema, table, column] => self.column(Some((Some(schema), table)), column, span),
            _ => {
                let _ = column_span;
                Typed::new(Ty::Error, true, span)
            }
        }
    }

    /// Resolves `name` or `table.name`, searching outward for correlated references.
    pub(crate) fn column(
        &mut self,
        qualifier: Option<(Option<&String>, &String)>,
        name: &str,
        span: std::ops::Range<usize>,
    ) -> Typed {
        match qualifier {
            Some((schema, table)) => {
                for depth in (0..self.levels.len()).rev() {
                    let Some(entry_index) =
                        self.levels[depth].entry(schema.map(String::as_str), table)
                    else {
                        continue;
                    };
                    let entry = &self.levels[depth].entries[entry_index];
                    if let Some(column) = entry.columns.iter().find(|c| c.name == name) {
                        let mut typed =
                            Typed::new(Ty::Known(column.ty.clone()), column.nullable, span)
                                .named(name);
                        typed.origin = column.origin.clone();
                        typed.element_nullable = column.element_nullable;
                        if let Some(relation) = entry.relation.clone() {
                            self.record_use(&relation, Some(name));
                        }
                        return typed;
                    }
                    if entry.opaque {
                        return Typed::new(Ty::Error, true, span).named(name);
                    }
                    if let Some(ty) = system_column(name)
                        && self.is_table(entry)
                    {
                        return Typed::new(Ty::known(ty), false, span).named(name);
                    }
                    // `t` may be a column of composite type: `(t).field` is rare; report.
                    let help = did_you_mean(name, entry.columns.iter().map(|c| c.name.as_str()));
                    let mut diagnostic = Diagnostic::error(
                        format!("column {}.{} does not exist", table, name),
                        span.clone(),
                    );
                    diagnostic.help = help;
                    self.error(diagnostic);
                    return Typed::new(Ty::Error, true, span).named(name);
                }
                self.missing_from_entry(table, span.clone());
                Typed::new(Ty::Error, true, span).named(name)
            }
            None => {
                for depth in (0..self.levels.len()).rev() {
                    match self.levels[depth].lookup(name) {
                        Lookup::Found(resolved) => {
                            let resolved = *resolved;
                            if let Some(relation) = &resolved.relation {
                                self.record_use(relation, Some(name));
                            }
                            let mut typed =
                                Typed::new(Ty::Known(resolved.ty), resolved.nullable, span)
                                    .named(name);
                            typed.origin = resolved.origin;
                            typed.element_nullable = resolved.element_nullable;
                            return typed;
                        }
                        Lookup::Ambiguous => {
                            self.error(Diagnostic::error(
                                format!("column reference \"{name}\" is ambiguous"),
                                span.clone(),
                            ));
                            return Typed::new(Ty::Error, true, span).named(name);
                        }
                        Lookup::NotFound => {}
                    }
                }
                if self
                    .levels
                    .iter()
                    .any(|level| level.entries.iter().any(|e| e.visible && e.opaque))
                {
                    return Typed::new(Ty::Error, true, span).named(name);
                }
                if let Some(ty) = system_column(name) {
                    for level in self.levels.iter().rev() {
                        let tables = level
                            .entries
                            .iter()
                            .filter(|e| e.visible && self.is_table(e))
                            .count();
                        match tables {
                            0 => continue,
                            1 => return Typed::new(Ty::known(ty), false, span).named(name),
                            _ => {
                                self.error(Diagnostic::error(
                                    format!("column reference \"{name}\" is ambiguous"),
                                    span.clone(),
                                ));
                                return Typed::new(Ty::Error, true, span).named(name);
                            }
                        }
                    }
                }
                // A whole-row reference: `SELECT u FROM users u`. Null where
                // an outer join null-extends the entry (no row matched).
                for depth in (0..self.levels.len()).rev() {
                    let level = &self.levels[depth];
                    if let Some(entry_index) = level.entry(None, name) {
                        let entry = &level.entries[entry_index];
                        let nullable = level.nulled.iter().any(|(e, _)| *e == entry_index);
                        let Some(relation) = &entry.relation else {
                            // A subquery's, a CTE's or a function's row: an
                            // anonymous record of its columns.
                            let mut typed =
                                Typed::new(Ty::known("record"), nullable, span).named(name);
                            typed.fields = Some(
                                entry
                                    .columns
                                    .iter()
                                    .map(|column| TypedField {
                                        ty: Ty::Known(column.ty.clone()),
                                        nullable: column.nullable,
                                    })
                                    .collect(),
                            );
                            return typed;
                        };
                        let ty = SqlType::user(&relation.schema, &relation.name);
                        return Typed::new(Ty::Known(ty), nullable, span).named(name);
                    }
                }
                let candidates: Vec<String> = self
                    .levels
                    .iter()
                    .rev()
                    .flat_map(|level| level.column_names())
                    .collect();
                let mut diagnostic =
                    Diagnostic::error(format!("column \"{name}\" does not exist"), span.clone());
                diagnostic.help = did_you_mean(name, candidates.iter().map(String::as_str));
                // A column of an entry out of reach here (beside a subquery
                // that is not LATERAL, or MERGE's target in WHEN NOT MATCHED).
                let unreachable = self.levels.iter().rev().find_map(|level| {
                    level
                        .entries
                        .iter()
                        .filter(|entry| !entry.visible)
                        .find(|entry| entry.columns.iter().any(|c| c.name == name))
                        .and_then(|entry| entry.refname.clone())
                });
                if diagnostic.help.is_none()
                    && let Some(table) = unreachable
                {
                    diagnostic.help = Some(format!(
                        "there is a column named \"{name}\" in table \"{table}\", but it cannot be referenced from this part of the query"
                    ));
                }
                self.error(diagnostic);
                Typed::new(Ty::Error, true, span).named(name)
            }
        }
    }

    fn value(&mut self, value: &Value, span: std::ops::Range<usize>) -> Typed {
        match value {
            Value::Number(number, _) => {
                let ty = if number.contains(['.', 'e', 'E']) {
                    "numeric"
                } else if number.parse::<i32>().is_ok() {
                    "int4"
                } else if number.parse::<i64>().is_ok() {
                    "int8"
                } else {
                    "numeric"
                };
                Typed::new(Ty::known(ty), false, span)
            }
            Value::Boolean(_) => Typed::new(Ty::known("bool"), false, span),
            Value::Null => Typed::new(Ty::Unknown, true, span),
            Value::Placeholder(placeholder) => self.param(placeholder, span),
            Value::HexStringLiteral(_) => Typed::new(Ty::known("varbit"), false, span),
            other => match literal_text(other) {
                Some(text) => Typed {
                    literal: Some(text),
                    ..Typed::new(Ty::Unknown, false, span)
                },
                None => {
                    self.warn("migrate does not understand this literal", span.clone());
                    Typed::new(Ty::Error, false, span)
                }
            },
        }
    }

    fn param(&mut self, placeholder: &str, span: std::ops::Range<usize>) -> Typed {
        let Some(n) = placeholder
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n >= 1)
        else {
            self.error(Diagnostic::error(
                format!("syntax error at or near \"{placeholder}\""),
                span.clone(),
            ));
            return Typed::new(Ty::Error, true, span);
        };
        if n > 65535 {
            self.error(Diagnostic::error(
                format!("there is no parameter ${n}"),
                span.clone(),
            ));
            return Typed::new(Ty::Error, true, span);
        }
        if self.params.len() < n {
            self.params.resize(n, None);
            self.param_spans.resize(n, None);
        }
        if self.param_spans[n - 1].is_none() {
            self.param_spans[n - 1] = Some(span.clone());
        }
        // Met after something decided its type, it has that type; met
        // before, it stays untyped ([`Ty::Param`]).
        let ty = match &self.params[n - 1] {
            Some(ty) => Ty::Known(ty.clone()),
            None => {
                self.untyped_uses.push((n, span.clone()));
                Ty::Param(n)
            }
        };
        Typed::new(ty, true, span)
    }

    fn cast(
        &mut self,
        typed: Typed,
        data_type: &sqlparser::ast::DataType,
        span: std::ops::Range<usize>,
        array_constructor: bool,
    ) -> Typed {
        let target = match types::resolve_data_type(self.schema, data_type) {
            Ok(target) => target,
            Err(name) => {
                self.error(Diagnostic::error(
                    format!("type \"{name}\" does not exist"),
                    span.clone(),
                ));
                return Typed::new(Ty::Error, typed.nullable, span);
            }
        };
        // `$1::unknown` leaves the parameter's type undecided, as
        // PostgreSQL's variable_coerce_param_hook does: a later cast or use
        // decides it, or nothing does and it cannot be determined.
        if matches!(typed.ty, Ty::Param(_))
            && target.is_builtin()
            && !target.array
            && target.name == "unknown"
        {
            let mut typed = typed;
            typed.span = span.start.min(typed.span.start)..span.end.max(typed.span.end);
            return typed;
        }
        match typed.ty.clone() {
            Ty::Param(n) => self.set_param(n, &target, typed.span.clone()),
            Ty::Unknown => {
                if let Some(text) = &typed.literal {
                    self.check_literal(text, &target, typed.span.clone());
                }
            }
            Ty::Known(from) if !types::explicitly_castable(self.schema, &from, &target) => {
                // PostgreSQL points at the `::` (or at CAST).
                let text = &self.source.text;
                let after = typed.span.end.min(text.len());
                // The first `::` after the operand that is not inside a
                // string; CAST(x AS t) has none and points at the start.
                let at = text[after..]
                    .find("::")
                    .filter(|n| !text[after..after + n].contains('\''))
                    .map_or(span.start..span.start, |n| after + n..after + n + 2);
                self.error(Diagnostic::error(
                    format!(
                        "cannot cast type {} to {}",
                        types::display(&from),
                        types::display(&target)
                    ),
                    at,
                ));
            }
            _ => {}
        }
        // The cast's own span runs to the end of its type name, so that an
        // enclosing cast looks for its `::` after this one.
        let span = {
            let text = &self.source.text;
            let after = typed.span.end.max(span.start).min(text.len());
            match text[after..]
                .find("::")
                .filter(|n| !text[after..after + n].contains('\''))
            {
                Some(n) => {
                    let type_start = after + n + 2;
                    let rest = &text[type_start..];
                    let rest_trimmed = rest.trim_start();
                    let skipped = rest.len() - rest_trimmed.len();
                    let length = rest_trimmed
                        .find(|c: char| {
                            !(c.is_alphanumeric() || matches!(c, '_' | '"' | '[' | ']' | '.'))
                        })
                        .unwrap_or(rest_trimmed.len());
                    span.start.min(typed.span.start)..(type_start + skipped + length).max(span.end)
                }
                None => span,
            }
        };
        // Where PostgreSQL has no node for the cast, the value keeps its
        // own position (`CAST(1 AS int)` is at `1`, not at CAST): a cast to
        // the type and modifiers the value already has, a literal (a
        // constant of the type), an `ARRAY[..]` cast to an array type
        // (built of the element type).
        let no_node = match &typed.ty {
            Ty::Known(from) => *from == target,
            Ty::Unknown => true,
            Ty::Param(_) | Ty::Error => false,
        } || (array_constructor && target.array);
        let span = if no_node {
            typed.span.start.max(span.start)..span.end
        } else {
            span
        };
        // A cast is named after what it casts when that has a real name,
        // else after the type.
        let (name, weak_name) = match &typed.name {
            Some(name) if !typed.weak_name => (name.clone(), false),
            _ => (types::type_column_name(&target), true),
        };
        // An array cast element by element keeps its NULL elements and
        // makes none; an array literal has one where its text says NULL.
        let element_nullable = match (&typed.ty, &typed.literal) {
            (Ty::Known(from), _) if from.array => typed.element_nullable,
            (Ty::Unknown, Some(text)) => text.to_ascii_uppercase().contains("NULL"),
            _ => true,
        };
        let fields = if target.is_builtin() && target.name == "record" {
            typed.fields.clone()
        } else {
            None
        };
        Typed {
            ty: Ty::Known(target),
            nullable: typed.nullable,
            name: Some(name),
            span,
            literal: None,
            weak_name,
            origin: None,
            element_nullable,
            fields,
        }
    }

    /// Checks a string literal against the type it becomes, as PostgreSQL
    /// does when it parses the constant.
    pub(crate) fn check_literal(
        &mut self,
        text: &str,
        target: &SqlType,
        span: std::ops::Range<usize>,
    ) {
        if let Some(labels) = types::enum_labels(self.schema, target) {
            if !labels.iter().any(|label| label == text) {
                let help = did_you_mean(text, labels.iter().map(String::as_str));
                let mut diagnostic = Diagnostic::error(
                    format!(
                        "invalid input value for enum {}: \"{text}\"",
                        types::quote_ident(&target.name)
                    ),
                    span,
                );
                diagnostic.help = help.or_else(|| {
                    Some(format!(
                        "the labels are {}",
                        labels
                            .iter()
                            .map(|l| format!("\"{l}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                });
                self.error(diagnostic);
            }
            return;
        }
        let base = types::base_type(self.schema, target);
        if base.array {
            let trimmed = text.trim_start();
            if !trimmed.starts_with('{') && !trimmed.starts_with('[') {
                self.error(
                    Diagnostic::error(format!("malformed array literal: \"{text}\""), span)
                        .with_help("an array literal is written '{a,b}', or use ARRAY[..]"),
                );
            }
            return;
        }
        if !base.is_builtin() {
            return;
        }
        if (base.name == "json" || base.name == "jsonb")
            && serde_json::from_str::<serde_json::Value>(text).is_err()
        {
            self.error(Diagnostic::error(
                "invalid input syntax for type json",
                span,
            ));
            return;
        }
        let trimmed = text.trim();
        let (valid, type_name) = match base.name.as_str() {
            "int2" => (trimmed.parse::<i16>().is_ok(), "smallint"),
            "int4" => (trimmed.parse::<i32>().is_ok(), "integer"),
            "int8" => (trimmed.parse::<i64>().is_ok(), "bigint"),
            "bool" => (
                matches!(
                    trimmed.to_ascii_lowercase().as_str(),
                    "t" | "true"
                        | "f"
                        | "false"
                        | "y"
                        | "yes"
                        | "n"
                        | "no"
                        | "on"
                        | "off"
                        | "1"
                        | "0"
                        | "tr"
                        | "tru"
                        | "fa"
                        | "fal"
                        | "fals"
                        | "ye"
                        | "of"
                ),
                "boolean",
            ),
            "uuid" => (valid_uuid(trimmed), "uuid"),
            "numeric" => (valid_number(trimmed), "numeric"),
            "float8" => (valid_number(trimmed), "double precision"),
            "float4" => (valid_number(trimmed), "real"),
            "date" => (valid_datetime(trimmed), "date"),
            "timestamp" => (valid_datetime(trimmed), "timestamp without time zone"),
            "timestamptz" => (valid_datetime(trimmed), "timestamp with time zone"),
            _ => return,
        };
        if !valid {
            self.error(Diagnostic::error(
                format!("invalid input syntax for type {type_name}: \"{text}\""),
                span,
            ));
        }
    }

    /// An untyped expression used where `target` is expected: parameters take
    /// the type, string literals are checked against it.
    pub(crate) fn coerce_implicit(&mut self, typed: &Typed, target: &SqlType) {
        match typed.ty.clone() {
            Ty::Param(n) => self.set_param(n, target, typed.span.clone()),
            Ty::Unknown => {
                if let Some(text) = &typed.literal {
                    self.check_literal(text, target, typed.span.clone());
                }
            }
            _ => {}
        }
    }

    /// The common type of a list (IN, CASE results, COALESCE, ARRAY[..]):
    /// untyped members take it.
    pub(crate) fn common(&mut self, items: &[Typed], construct: &str) -> Ty {
        let types: Vec<Ty> = items.iter().map(|t| t.ty.clone()).collect();
        match types::common_of(self.schema, &types) {
            Ok(Ty::Known(ty)) => {
                for item in items {
                    self.coerce_implicit(item, &ty);
                }
                Ty::Known(ty)
            }
            Ok(other) => other,
            Err(failure) => {
                let (a, b, index) = *failure;
                let span = items.get(index).map_or(0..0, |t| t.span.clone());
                for item in items {
                    self.poison(item);
                }
                self.error(Diagnostic::error(
                    format!(
                        "{construct} types {} and {} cannot be matched",
                        types::display(&a),
                        types::display(&b)
                    ),
                    span,
                ));
                Ty::Error
            }
        }
    }

    fn case(
        &mut self,
        operand: Option<&Expr>,
        conditions: &[CaseWhen],
        else_result: Option<&Expr>,
        span: std::ops::Range<usize>,
    ) -> Typed {
        let mut operand = operand.map(|o| self.expr(o));
        // An untyped operand is text before any WHEN is compared with it,
        // as PostgreSQL's transformCaseExpr has it.
        if let Some(operand) = &mut operand
            && matches!(operand.ty, Ty::Param(_) | Ty::Unknown)
        {
            let text = SqlType::builtin("text");
            self.coerce_implicit(operand, &text);
            operand.ty = Ty::Known(text);
            operand.literal = None;
        }
        let mut results = Vec::new();
        let mut previous_end = operand.as_ref().map_or(span.start, |o| o.span.end);
        for CaseWhen { condition, result } in conditions {
            let condition = self.expr(condition);
            match &operand {
                Some(operand) => {
                    // PostgreSQL reports the comparison at its WHEN.
                    let when = self.keyword_between("when", previous_end, condition.span.start);
                    self.operator_at("=", operand, &condition, when);
                }
                None => self.coerce_condition(&condition, "CASE/WHEN"),
            }
            let result = self.expr(result);
            previous_end = result.span.end;
            results.push(result);
        }
        let mut nullable = else_result.is_none();
        // PostgreSQL unifies the ELSE branch first, then the THEN ones.
        if let Some(else_result) = else_result {
            let typed = self.expr(else_result);
            results.insert(0, typed);
        }
        nullable |= results.iter().any(|r| r.nullable);
        let ty = self.common(&results, "CASE");
        let ty = if ty == Ty::Unknown {
            Ty::known("text")
        } else {
            ty
        };
        // Named after the ELSE result when that has a real name, as PostgreSQL does.
        let (name, weak_name) = match (else_result, results.first()) {
            (Some(_), Some(first)) if first.name.is_some() && !first.weak_name => {
                (first.name.clone().unwrap_or_default(), false)
            }
            _ => ("case".to_owned(), true),
        };
        let mut typed = Typed::new(ty, nullable, span).named(name);
        typed.weak_name = weak_name;
        typed.fields = common_fields(&results);
        typed
    }

    /// A row constructor, `ROW(a, b)` or `(a, b)`: an anonymous record of
    /// its items' types. An item of unknown type (`'x'`) is text, as
    /// PostgreSQL resolves it when the row is output.
    pub(crate) fn row(&mut self, items: &[Typed], span: std::ops::Range<usize>) -> Typed {
        let fields = items
            .iter()
            .map(|item| TypedField {
                ty: match &item.ty {
                    Ty::Unknown => Ty::known("text"),
                    other => other.clone(),
                },
                nullable: item.nullable,
            })
            .collect();
        let mut typed = Typed::new(Ty::known("record"), false, span).named("row");
        typed.fields = Some(fields);
        typed
    }

    fn array(&mut self, elements: &[Expr], span: std::ops::Range<usize>) -> Typed {
        let typed: Vec<Typed> = elements.iter().map(|e| self.expr(e)).collect();
        if typed.is_empty() {
            // Only valid under a cast, which gives it its type.
            return Typed::new(Ty::Unknown, false, span).named("array");
        }
        let ty = self.common(&typed, "ARRAY");
        let ty = match ty {
            Ty::Known(ty) if ty.array => Ty::Known(ty),
            Ty::Known(ty) => Ty::Known(ty.into_array()),
            Ty::Unknown | Ty::Param(_) => Ty::Known(SqlType::builtin("text").into_array()),
            Ty::Error => Ty::Error,
        };
        let mut array = Typed::new(ty, false, span).named("array");
        // `ARRAY[ARRAY[..], ..]` holds the inner arrays' elements.
        array.element_nullable = typed.iter().any(|element| {
            element.nullable
                || (element.ty.as_known().is_some_and(|ty| ty.array) && element.element_nullable)
        });
        // An array of rows keeps their fields when they agree.
        array.fields = common_fields(&typed);
        array
    }

    fn field_access(
        &mut self,
        root: &Expr,
        chain: &[AccessExpr],
        span: std::ops::Range<usize>,
    ) -> Typed {
        let mut typed = self.expr(root);
        for access in chain {
            match access {
                AccessExpr::Subscript(Subscript::Index { index }) => {
                    let index = self.expr(index);
                    let ty = typed.ty.clone();
                    match ty {
                        Ty::Known(ty) if ty.array => {
                            self.coerce_implicit(&index, &SqlType::builtin("int4"));
                            typed.ty = Ty::Known(ty.element());
                        }
                        Ty::Known(ty) if ty.name == "jsonb" => {
                            self.coerce_implicit(&index, &SqlType::builtin("text"));
                        }
                        Ty::Known(ty) => {
                            self.error(Diagnostic::error(
                                format!(
                                    "cannot subscript type {} because it does not support subscripting",
                                    types::display(&ty)
                                ),
                                span.clone(),
                            ));
                            typed.ty = Ty::Error;
                        }
                        _ => typed.ty = Ty::Error,
                    }
                    typed.nullable = true;
                }
                AccessExpr::Subscript(Subscript::Slice {
                    lower_bound,
                    upper_bound,
                    stride,
                }) => {
                    for bound in [lower_bound, upper_bound, stride].into_iter().flatten() {
                        let bound = self.expr(bound);
                        self.coerce_implicit(&bound, &SqlType::builtin("int4"));
                    }
                    typed.nullable = true;
                }
                AccessExpr::Dot(field) => {
                    // (composite).field
                    let name = match field {
                        Expr::Identifier(ident) => fold_ident(ident),
                        _ => String::new(),
                    };
                    let field_ty = match typed.ty.clone() {
                        Ty::Known(ty) => self.composite_field(&ty, &name),
                        _ => None,
                    };
                    typed.ty = field_ty.map_or(Ty::Error, Ty::Known);
                    typed.name = Some(name);
                    typed.nullable = true;
                }
            }
        }
        typed.span = span;
        typed
    }

    fn composite_field(&self, ty: &SqlType, field: &str) -> Option<SqlType> {
        let name = migrate_core::Name::new(&ty.schema, &ty.name);
        if let Some(relation) = self
            .schema
            .relation(&name)
            .or_else(|| crate::extensions::relation(self.schema, &name))
            .or_else(|| crate::extensions::composite(self.schema, &name))
        {
            return relation.column(field).map(|c| c.ty.clone());
        }
        match &self.schema.user_type(&name)?.kind {
            migrate_core::UserTypeKind::Composite { attributes } => attributes
                .iter()
                .find(|(n, _)| n == field)
                .map(|(_, t)| t.clone()),
            _ => None,
        }
    }

    /// A subquery in an expression: it sees the enclosing blocks.
    pub(crate) fn subquery(&mut self, query: &sqlparser::ast::Query) -> Vec<super::Out> {
        self.query(query, true)
    }

    fn unary_op(
        &mut self,
        op: &UnaryOperator,
        inner: &Expr,
        span: std::ops::Range<usize>,
    ) -> Typed {
        // `-1` is a negative literal, typed like the number.
        let typed = self.expr(inner);
        // The operator sits just before its operand.
        let span = {
            let before =
                self.source.text[..typed.span.start.min(self.source.text.len())].trim_end();
            match before.chars().last() {
                Some('-' | '+') => before.len() - 1..span.end,
                _ => span,
            }
        };
        match op {
            UnaryOperator::Not => {
                self.coerce_condition(&typed, "NOT");
                Typed::new(Ty::known("bool"), typed.nullable, span)
            }
            UnaryOperator::Minus | UnaryOperator::Plus => {
                let ty = match typed.ty.clone() {
                    Ty::Known(ty) => {
                        let category = types::category(self.schema, &ty);
                        if !matches!(category, Category::Numeric | Category::Timespan) {
                            self.error(
                                Diagnostic::error(
                                    format!(
                                        "operator does not exist: {} {}",
                                        if *op == UnaryOperator::Minus { "-" } else { "+" },
                                        types::display(&ty)
                                    ),
                                    span.clone(),
                                )
                                .with_help("no operator matches the given name and argument type; you might need to add an explicit type cast"),
                            );
                            Ty::Error
                        } else {
                            Ty::Known(ty)
                        }
                    }
                    Ty::Param(n) => {
                        self.set_param(n, &SqlType::builtin("int4"), typed.span.clone());
                        Ty::known("int4")
                    }
                    other => other,
                };
                Typed {
                    ty,
                    nullable: typed.nullable,
                    name: None,
                    span,
                    literal: None,
                    weak_name: false,
                    origin: None,
                    element_nullable: true,
                    fields: None,
                }
            }
            _ => {
                let ty = typed.ty.clone();
                Typed::new(
                    if matches!(ty, Ty::Known(_)) {
                        ty
                    } else {
                        Ty::Error
                    },
                    true,
                    span,
                )
            }
        }
    }

    fn binary_op(
        &mut self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        span: std::ops::Range<usize>,
    ) -> Typed {
        if matches!(op, BinaryOperator::And | BinaryOperator::Or) {
            return self.bool_chain(left, op, right, span);
        }
        // (a, b) = ($1, $2), ROW(a, b) < ROW(c, d): compared member by
        // member; (a, b) = (SELECT x, y ...) against the subquery's columns.
        if row_items(left).is_some()
            && let Some(name) = super::operators::operator_name(op)
        {
            if let Expr::Subquery(query) = right {
                let at = self.between_operands(left, right, &name);
                self.against_subquery(left, &name, query, at);
                return Typed::new(Ty::known("bool"), true, span);
            }
            if row_items(right).is_some() {
                let at = self.between_operands(left, right, &name);
                self.rows_compared(left, right, &name, at);
                return Typed::new(Ty::known("bool"), true, span);
            }
        }
        let left = self.expr(left);
        let right = self.expr(right);
        match self
            .joined_operator(&left, &right)
            .or_else(|| super::operators::operator_name(op))
        {
            Some(name) => self.operator(&name, &left, &right, span),
            None => Typed::new(Ty::Error, true, span),
        }
    }

    /// `a AND b AND ...` (or `OR`): PostgreSQL flattens such a chain and
    /// takes it at any length, so its operands are walked in a loop, not
    /// by one recursion per link. Diagnostics come in the order the
    /// recursion gave: the first two operands typed, then checked, then
    /// each further operand typed and checked.
    fn bool_chain(
        &mut self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        span: std::ops::Range<usize>,
    ) -> Typed {
        let clause = if *op == BinaryOperator::And {
            "AND"
        } else {
            "OR"
        };
        // The operands right to left, down the chain's left spine.
        let mut operands = vec![right];
        let mut first = left;
        while let Expr::BinaryOp {
            left: inner_left,
            op: inner_op,
            right: inner_right,
        } = first
            && inner_op == op
        {
            operands.push(inner_right);
            first = inner_left;
        }
        let second = operands.pop().unwrap_or(right);
        let first = self.expr(first);
        let second = self.expr(second);
        self.coerce_condition(&first, clause);
        self.coerce_condition(&second, clause);
        let mut nullable = first.nullable || second.nullable;
        for operand in operands.into_iter().rev() {
            let typed = self.expr(operand);
            self.coerce_condition(&typed, clause);
            nullable |= typed.nullable;
        }
        Typed::new(Ty::known("bool"), nullable, span)
    }

    /// The operator written between two operands where sqlparser read a
    /// stand-in for one it splits (see `join_operators`).
    fn joined_operator(&self, left: &Typed, right: &Typed) -> Option<String> {
        self.joined_operators
            .iter()
            .find(|(at, _)| (left.span.end..right.span.start).contains(at))
            .map(|(_, name)| name.clone())
    }

    /// `left op ANY (right)` / `ALL`: right is an array or a subquery.
    fn quantified(
        &mut self,
        left: &Expr,
        op: &BinaryOperator,
        right: &Expr,
        span: std::ops::Range<usize>,
    ) -> Typed {
        let Some(op) = super::operators::operator_name(op) else {
            self.expr(left);
            self.expr(right);
            return Typed::new(Ty::known("bool"), true, span);
        };
        if let Expr::Subquery(query) = right {
            let at = self.between_operands(left, right, &op);
            self.against_subquery(left, &op, query, at);
            return Typed::new(Ty::known("bool"), true, span);
        }
        let left = self.expr(left);
        let right = self.expr(right);
        let left_ty = left.ty.clone();
        let right_ty = right.ty.clone();
        match (&left_ty, &right_ty) {
            (_, Ty::Known(array)) if array.array => {
                let element = Typed::new(Ty::Known(array.element()), true, right.span.clone());
                self.operator(&op, &left, &element, span.clone());
            }
            (_, Ty::Known(other)) => {
                let at = self
                    .operator_span(&op, &left, &right)
                    .unwrap_or(right.span.clone());
                self.poison(&left);
                self.error(Diagnostic::error(
                    format!(
                        "op ANY/ALL (array) requires array on right side, not {}",
                        types::display(other)
                    ),
                    at,
                ));
            }
            (Ty::Known(element), Ty::Param(_)) if element.array => {
                let at = self
                    .operator_span(&op, &left, &right)
                    .unwrap_or(right.span.clone());
                self.poison(&right);
                self.error(Diagnostic::error(
                    format!(
                        "could not find array type for data type {}",
                        types::display(element)
                    ),
                    at,
                ));
            }
            (Ty::Known(element), Ty::Param(n)) => {
                let element = super::operators::untyped_operand(self.schema, &op, element, true);
                let probe = Typed::new(Ty::Unknown, true, right.span.clone());
                self.operator(&op, &left, &probe, span.clone());
                self.set_param(*n, &element.into_array(), right.span.clone());
            }
            (Ty::Known(element), Ty::Unknown) => {
                // '{a,b}' literal: its elements are not checked.
                let _ = element;
            }
            (Ty::Param(l), Ty::Param(r)) => {
                self.set_param(*l, &SqlType::builtin("text"), left.span.clone());
                self.set_param(
                    *r,
                    &SqlType::builtin("text").into_array(),
                    right.span.clone(),
                );
            }
            _ => {}
        }
        Typed::new(Ty::known("bool"), true, span)
    }
}

impl Analyzer<'_> {
    /// `left op` each column of a subquery (`x IN (SELECT ..)`, `x = ANY
    /// (SELECT ..)`, `(a, b) NOT IN (SELECT a, b ..)`, `(a, b) = (SELECT ..)`),
    /// as PostgreSQL's transformSubLink: the subquery first, then the left
    /// side, a row standing for its members, compared column by column.
    /// Errors are reported at `at` (the operator).
    fn against_subquery(
        &mut self,
        left: &Expr,
        op: &str,
        query: &sqlparser::ast::Query,
        at: std::ops::Range<usize>,
    ) {
        let outputs = self.subquery(query);
        let lefts: Vec<Typed> = match row_items(left) {
            Some(items) => items.iter().map(|e| self.expr(e)).collect(),
            None => vec![self.expr(left)],
        };
        if outputs.is_empty() {
            return;
        }
        if lefts.len() != outputs.len() {
            for left in &lefts {
                self.poison(left);
            }
            let message = if lefts.len() < outputs.len() {
                "subquery has too many columns"
            } else {
                "subquery has too few columns"
            };
            self.error(Diagnostic::error(message, at));
            return;
        }
        for (left, output) in lefts.iter().zip(&outputs) {
            let mut right = output.typed.clone();
            right.span = at.end..at.end;
            let mut left = left.clone();
            left.span = left.span.start..at.start.max(left.span.start);
            self.operator_at(op, &left, &right, at.clone());
        }
    }

    /// Two row constructors compared member by member with `op`.
    fn rows_compared(&mut self, left: &Expr, right: &Expr, op: &str, at: std::ops::Range<usize>) {
        let lefts: Vec<Typed> = row_items(left)
            .unwrap_or_default()
            .into_iter()
            .map(|e| self.expr(e))
            .collect();
        let rights: Vec<Typed> = row_items(right)
            .unwrap_or_default()
            .into_iter()
            .map(|e| self.expr(e))
            .collect();
        self.members_compared(&lefts, &rights, op, at);
    }

    /// The members of two rows compared pairwise with `op`; rows of
    /// different lengths are PostgreSQL's error, at `at` (the operator).
    fn members_compared(
        &mut self,
        lefts: &[Typed],
        rights: &[Typed],
        op: &str,
        at: std::ops::Range<usize>,
    ) {
        if lefts.len() != rights.len() {
            for typed in lefts.iter().chain(rights) {
                self.poison(typed);
            }
            self.error(Diagnostic::error(
                "unequal number of entries in row expressions",
                at,
            ));
            return;
        }
        for (l, r) in lefts.iter().zip(rights) {
            self.operator_at(op, l, r, at.clone());
        }
    }

    /// Where operator `op` is written between two expressions (for its
    /// errors), or the start of the right one.
    fn between_operands(&self, left: &Expr, right: &Expr, op: &str) -> std::ops::Range<usize> {
        let (left, right) = (self.span(left), self.span(right));
        let text = &self.source.text;
        let from = left.end.min(text.len());
        let to = right.start.min(text.len()).max(from);
        if text.is_char_boundary(from) && text.is_char_boundary(to) {
            let between = text[from..to].to_ascii_lowercase();
            let spelled = match op {
                "~~" => "like",
                other => other,
            };
            if let Some(found) = between.find(spelled) {
                return from + found..from + found + spelled.len();
            }
            // `= ANY`, `IN`: the first word or symbol after the left side.
            let trimmed = between.trim_start();
            let start = from + (between.len() - trimmed.len());
            let len = trimmed
                .find(|c: char| c.is_whitespace() || c == '(')
                .unwrap_or(trimmed.len());
            if len > 0 {
                return start..start + len;
            }
        }
        right.start..right.start
    }

    /// The span of `keyword` (lower case) in the SQL between two offsets,
    /// or the start of that range.
    pub(crate) fn keyword_between(
        &self,
        keyword: &str,
        from: usize,
        to: usize,
    ) -> std::ops::Range<usize> {
        let text = &self.source.text;
        let to = to.min(text.len());
        if from >= to || !text.is_char_boundary(from) || !text.is_char_boundary(to) {
            return from..from;
        }
        let lower = text[from..to].to_ascii_lowercase();
        let mut search = 0;
        while let Some(found) = lower[search..].find(keyword) {
            let start = search + found;
            let end = start + keyword.len();
            let bytes = lower.as_bytes();
            let word = |i: usize| {
                bytes
                    .get(i)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
            };
            if (start == 0 || !word(start - 1)) && !word(end) {
                return from + start..from + end;
            }
            search = end;
        }
        from..from
    }
}

/// Whether an expression refers to a column (PostgreSQL's
/// `contain_vars_of_level(.., 0)`, without looking into subqueries).
/// The members of a row constructor: `(a, b)` or `ROW(a, b)` (`ROW()`,
/// `ROW(a)` too), which PostgreSQL's grammar reads as a row, not as a call
/// of a function `row`. `None` for anything else.
pub(crate) fn row_items(expr: &Expr) -> Option<Vec<&Expr>> {
    match expr {
        Expr::Tuple(items) => Some(items.iter().collect()),
        Expr::Function(function) => row_constructor(function),
        _ => None,
    }
}

/// The members of `ROW(..)` written as a call.
pub(crate) fn row_constructor(function: &sqlparser::ast::Function) -> Option<Vec<&Expr>> {
    use sqlparser::ast::{FunctionArg, FunctionArgExpr, FunctionArguments, ObjectNamePart};
    let [ObjectNamePart::Identifier(name)] = function.name.0.as_slice() else {
        return None;
    };
    if name.quote_style.is_some()
        || !name.value.eq_ignore_ascii_case("row")
        || function.over.is_some()
        || function.filter.is_some()
        || !function.within_group.is_empty()
    {
        return None;
    }
    match &function.args {
        FunctionArguments::None => Some(Vec::new()),
        FunctionArguments::List(list)
            if list.duplicate_treatment.is_none() && list.clauses.is_empty() =>
        {
            list.args
                .iter()
                .map(|arg| match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => Some(expr),
                    _ => None,
                })
                .collect()
        }
        _ => None,
    }
}

fn mentions_column(expr: &Expr) -> bool {
    match expr {
        Expr::Identifier(ident) => {
            !matches!(
                ident.value.to_lowercase().as_str(),
                "current_date"
                    | "current_time"
                    | "current_timestamp"
                    | "localtime"
                    | "localtimestamp"
                    | "current_user"
                    | "session_user"
                    | "user"
                    | "current_role"
                    | "current_schema"
                    | "current_catalog"
            ) || ident.quote_style.is_some()
        }
        Expr::CompoundIdentifier(_) => true,
        Expr::BinaryOp { left, right, .. } => mentions_column(left) || mentions_column(right),
        Expr::UnaryOp { expr, .. }
        | Expr::Nested(expr)
        | Expr::Cast { expr, .. }
        | Expr::IsNull(expr)
        | Expr::IsNotNull(expr)
        | Expr::Collate { expr, .. } => mentions_column(expr),
        Expr::Function(function) => match &function.args {
            sqlparser::ast::FunctionArguments::List(list) => {
                list.args.iter().any(|arg| match arg {
                    sqlparser::ast::FunctionArg::Unnamed(
                        sqlparser::ast::FunctionArgExpr::Expr(e),
                    )
                    | sqlparser::ast::FunctionArg::Named {
                        arg: sqlparser::ast::FunctionArgExpr::Expr(e),
                        ..
                    } => mentions_column(e),
                    _ => false,
                })
            }
            _ => false,
        },
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            operand.as_deref().is_some_and(mentions_column)
                || else_result.as_deref().is_some_and(mentions_column)
                || conditions
                    .iter()
                    .any(|c| mentions_column(&c.condition) || mentions_column(&c.result))
        }
        Expr::Array(array) => array.elem.iter().any(mentions_column),
        Expr::Tuple(items) => items.iter().any(mentions_column),
        Expr::CompoundFieldAccess { root, .. } => mentions_column(root),
        _ => false,
    }
}

/// The type of a system column every table has.
fn system_column(name: &str) -> Option<&'static str> {
    Some(match name {
        "ctid" => "tid",
        "xmin" | "xmax" => "xid",
        "cmin" | "cmax" => "cid",
        "tableoid" => "oid",
        _ => return None,
    })
}

/// The text of a string literal of any quoting style.
pub(crate) fn literal_text(value: &Value) -> Option<String> {
    match value {
        Value::SingleQuotedString(text)
        | Value::EscapedStringLiteral(text)
        | Value::UnicodeStringLiteral(text)
        | Value::NationalStringLiteral(text)
        | Value::TripleSingleQuotedString(text)
        | Value::TripleDoubleQuotedString(text) => Some(text.clone()),
        Value::DollarQuotedString(dollar) => Some(dollar.value.clone()),
        _ => None,
    }
}

fn valid_number(text: &str) -> bool {
    text.parse::<f64>().is_ok()
}

/// A loose check: PostgreSQL reads many date spellings, so only text that
/// cannot be one (no digit, not a special value) is rejected.
fn valid_datetime(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        || matches!(
            text.to_ascii_lowercase().as_str(),
            "now"
                | "today"
                | "tomorrow"
                | "yesterday"
                | "epoch"
                | "infinity"
                | "-infinity"
                | "allballs"
        )
}

fn valid_uuid(text: &str) -> bool {
    let text = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(text);
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// The fields of rows that come together (the elements of an array, the
/// branches of CASE, COALESCE or UNION): those of each when each is a row
/// of known fields and they agree in number and type (their nullability
/// joined), else none. An untyped NULL among them is no row and no bar.
pub(crate) fn common_fields<'t>(
    elements: impl IntoIterator<Item = &'t Typed>,
) -> Option<Vec<TypedField>> {
    let mut rows = elements
        .into_iter()
        .filter(|element| !(element.ty == Ty::Unknown && element.fields.is_none()));
    let first = rows.next()?;
    let mut fields = first.fields.clone()?;
    for element in rows {
        let other = element.fields.as_ref()?;
        if other.len() != fields.len() {
            return None;
        }
        for (field, other) in fields.iter_mut().zip(other) {
            if field.ty != other.ty {
                return None;
            }
            field.nullable |= other.nullable;
        }
    }
    Some(fields)
}
