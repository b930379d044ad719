//! Default expressions as PostgreSQL prints them back
//! (`information_schema.columns.column_default`, `pg_get_expr`):
//! `'x'::character varying`, `now()`, `CURRENT_TIMESTAMP`, `'-1'::integer`,
//! `(CURRENT_TIMESTAMP + '14 days'::interval)`.
//!
//! This is a small deparser for the forms defaults take in practice; an
//! expression it does not know is printed as sqlparser prints it.

use migrate_core::SqlType;
use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments,
    UnaryOperator, Value, ValueWithSpan,
};

use super::{Folder, Stmt};

impl Folder {
    /// The default as PostgreSQL prints it, or `None` for `DEFAULT NULL`
    /// where PostgreSQL stores no default (see [`stored_null`]).
    pub(crate) fn render_default(
        &self,
        stmt: &Stmt,
        expr: &Expr,
        column_type: &SqlType,
    ) -> Option<String> {
        if is_null(expr) {
            return stored_null(expr, column_type);
        }
        Some(self.deparse(stmt, expr, Some(column_type)))
    }

    /// `expr` printed by PostgreSQL's rules; `context` is the type a bare
    /// literal takes (the column's type for a default).
    fn deparse(&self, stmt: &Stmt, expr: &Expr, context: Option<&SqlType>) -> String {
        match expr {
            Expr::Value(ValueWithSpan { value, span: _ }) => literal(value, context, false),
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr: inner,
            } => match inner.as_ref() {
                Expr::Value(ValueWithSpan {
                    value: Value::Number(number, _),
                    span: _,
                }) => format!("'-{number}'::{}", number_type(number)),
                other => format!("(- {})", self.deparse(stmt, other, context)),
            },
            Expr::Nested(inner) => self.deparse(stmt, inner, context),
            Expr::Cast {
                kind: CastKind::DoubleColon | CastKind::Cast,
                expr: inner,
                data_type,
                format: _,
            } => {
                let Ok(resolved) = self.resolve_type(stmt, data_type) else {
                    return expr.to_string();
                };
                let target = format_type_for_cast(self, &resolved.ty);
                match inner.as_ref() {
                    Expr::Value(ValueWithSpan {
                        value: Value::SingleQuotedString(text) | Value::EscapedStringLiteral(text),
                        span: _,
                    }) if is_regclass(&resolved.ty) => regclass_literal(text),
                    Expr::Value(ValueWithSpan {
                        value: Value::SingleQuotedString(text) | Value::EscapedStringLiteral(text),
                        span: _,
                    }) => {
                        let text =
                            normalise_datetime(text, &resolved.ty).unwrap_or_else(|| text.clone());
                        format!("{}::{target}", quote_literal(&text))
                    }
                    Expr::Array(array) if array.elem.is_empty() => format!("ARRAY[]::{target}"),
                    row if let Some(fields) = row_fields(row)
                        && let Some(row) = self.row_of_composite(fields, &resolved.ty) =>
                    {
                        format!("{row}::{target}")
                    }
                    Expr::Value(ValueWithSpan {
                        value: Value::Null,
                        span: _,
                    }) => {
                        format!("NULL::{target}")
                    }
                    other => format!("({})::{target}", self.deparse(stmt, other, None)),
                }
            }
            Expr::Interval(interval) => match interval.value.as_ref() {
                Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(text),
                    span: _,
                }) => {
                    let plain = interval.leading_field.is_none()
                        && interval.last_field.is_none()
                        && interval.leading_precision.is_none()
                        && interval.fractional_seconds_precision.is_none();
                    let text = plain
                        .then(|| normalise_interval(text))
                        .flatten()
                        .unwrap_or_else(|| text.clone());
                    format!("{}::interval", quote_literal(&text))
                }
                _ => expr.to_string(),
            },
            Expr::TypedString(typed) => {
                let Ok(resolved) = self.resolve_type(stmt, &typed.data_type) else {
                    return expr.to_string();
                };
                match &typed.value.value {
                    Value::SingleQuotedString(text) => format!(
                        "{}::{}",
                        quote_literal(text),
                        format_type_for_cast(self, &resolved.ty)
                    ),
                    _ => expr.to_string(),
                }
            }
            Expr::BinaryOp { .. } => {
                // `({left} {op} {right})`, a left-deep chain (`a AND b AND
                // ...`, which PostgreSQL takes at any length) walked in a
                // loop: its parentheses opened first, one link closing each.
                let mut links = Vec::new();
                let mut first = expr;
                while let Expr::BinaryOp { left, op, right } = first {
                    links.push((op, right));
                    first = left;
                }
                let mut out = "(".repeat(links.len());
                out.push_str(&self.deparse(stmt, first, None));
                for (op, right) in links.into_iter().rev() {
                    out.push(' ');
                    match op {
                        BinaryOperator::StringConcat => out.push_str("||"),
                        other => out.push_str(&other.to_string()),
                    }
                    out.push(' ');
                    out.push_str(&self.deparse(stmt, right, None));
                    out.push(')');
                }
                out
            }
            Expr::Array(array) => {
                let elements: Vec<String> = array
                    .elem
                    .iter()
                    .map(|element| self.deparse(stmt, element, None))
                    .collect();
                format!("ARRAY[{}]", elements.join(", "))
            }
            Expr::Function(function) => self.deparse_function(stmt, function),
            Expr::AtTimeZone {
                timestamp,
                time_zone,
            } => format!(
                "({} AT TIME ZONE {})",
                self.deparse(stmt, timestamp, None),
                self.deparse(stmt, time_zone, Some(&SqlType::builtin("text")))
            ),
            Expr::Identifier(ident) => ident.value.clone(),
            other => crate::depth::print::expr_text(other),
        }
    }

    /// `ROW(..)` cast to a composite type, as PostgreSQL prints it: each
    /// field coerced to its attribute's type, the coercion shown
    /// (`ROW(5, (2.0)::double precision)`). `None` for fields other than
    /// literals, or a type that is not a composite the fold knows.
    fn row_of_composite(&self, fields: Vec<&Expr>, ty: &SqlType) -> Option<String> {
        if ty.array || ty.is_builtin() {
            return None;
        }
        let composite = self
            .schema
            .types
            .get(&migrate_core::Name::new(&ty.schema, &ty.name))?;
        let migrate_core::UserTypeKind::Composite { attributes } = &composite.kind else {
            return None;
        };
        if attributes.len() != fields.len() {
            return None;
        }
        let mut shown = Vec::new();
        for (field, (_, attribute)) in fields.iter().zip(attributes) {
            if attribute.array || !attribute.is_builtin() {
                return None;
            }
            let cast = format_type_for_cast(self, attribute);
            let (value, negative) = match field {
                Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr,
                } => (expr.as_ref(), true),
                other => (*other, false),
            };
            let Expr::Value(ValueWithSpan { value, span: _ }) = value else {
                return None;
            };
            shown.push(match value {
                Value::Null if !negative => format!("NULL::{cast}"),
                Value::Boolean(_) if !negative => literal(value, None, false),
                Value::SingleQuotedString(text) if !negative => {
                    if attribute.modifiers.is_empty() {
                        literal(value, Some(attribute), false)
                    } else {
                        format!("{}::{cast}", quote_literal(text))
                    }
                }
                Value::Number(number, _) => {
                    let literal_type = number_type(number);
                    let own = migrate_core::builtin_data_type(&attribute.name)
                        == Some(literal_type)
                        && attribute.modifiers.is_empty();
                    match (own, negative) {
                        (true, false) => number.clone(),
                        (true, true) => format!("'-{number}'::{literal_type}"),
                        (false, false) => format!("({number})::{cast}"),
                        (false, true) => return None,
                    }
                }
                _ => return None,
            });
        }
        Some(format!("ROW({})", shown.join(", ")))
    }

    fn deparse_function(&self, stmt: &Stmt, function: &Function) -> String {
        let name = function.name.to_string();
        let upper = name.to_ascii_uppercase();
        let sql_value_function = matches!(
            upper.as_str(),
            "CURRENT_TIMESTAMP"
                | "CURRENT_DATE"
                | "CURRENT_TIME"
                | "LOCALTIMESTAMP"
                | "LOCALTIME"
                | "CURRENT_USER"
                | "CURRENT_ROLE"
                | "SESSION_USER"
                | "USER"
                | "CURRENT_CATALOG"
                | "CURRENT_SCHEMA"
        );
        match &function.args {
            FunctionArguments::None if sql_value_function => upper,
            FunctionArguments::None => name.to_lowercase(),
            FunctionArguments::List(list) if sql_value_function => {
                // CURRENT_TIMESTAMP(3)
                let args: Vec<String> = list.args.iter().map(|arg| arg.to_string()).collect();
                format!("{upper}({})", args.join(", "))
            }
            FunctionArguments::List(list) => {
                // The sequence functions take a regclass: `nextval('s')`
                // prints as `nextval('s'::regclass)`.
                let takes_regclass = matches!(
                    name.to_ascii_lowercase().as_str(),
                    "nextval" | "currval" | "setval" | "pg_catalog.nextval"
                );
                let args: Vec<String> = list
                    .args
                    .iter()
                    .enumerate()
                    .map(|(position, arg)| match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) => {
                            let context = if takes_regclass && position == 0 {
                                SqlType::builtin("regclass")
                            } else {
                                SqlType::builtin("text")
                            };
                            self.deparse(stmt, expr, Some(&context))
                        }
                        other => other.to_string(),
                    })
                    .collect();
                let name = if function.name.0.len() == 1 && !name.starts_with('"') {
                    name.to_lowercase()
                } else {
                    name
                };
                format!("{name}({})", args.join(", "))
            }
            FunctionArguments::Subquery(_) => function.to_string(),
        }
    }
}

/// `DEFAULT NULL` as PostgreSQL stores it. It drops a default that is a
/// null constant once coerced to the column's type, which is the case
/// unless the coercion calls the type's length function: a column of
/// `varchar(n)`, `char(n)`, `numeric(p, s)`, `timestamp(p)`, `time(p)`,
/// `bit(n)`, `varbit(n)` (or an array of one) keeps `NULL::character
/// varying`, `NULL::bpchar`, ... (checked against the server by
/// `tests/fold_attributes_pg.rs`). A null cast to another type is left as
/// no default.
fn stored_null(expr: &Expr, column_type: &SqlType) -> Option<String> {
    let length_coerced = matches!(
        column_type.name.as_str(),
        "varchar"
            | "bpchar"
            | "numeric"
            | "timestamp"
            | "timestamptz"
            | "time"
            | "timetz"
            | "bit"
            | "varbit"
    );
    if !column_type.is_builtin() || !length_coerced || column_type.modifiers.is_empty() {
        return None;
    }
    let mut plain = column_type.clone();
    plain.modifiers.clear();
    let printed = match (plain.name.as_str(), plain.array) {
        ("bit", false) => "\"bit\"".to_owned(),
        ("bit", true) => "\"bit\"[]".to_owned(),
        _ => type_for_cast_plain(&plain),
    };
    let mut inner = expr;
    loop {
        match inner {
            Expr::Nested(nested) => inner = nested,
            Expr::Cast { expr: casted, .. } => {
                // Only a cast to the column's own type keeps the shape.
                if !same_base_type(inner, column_type) {
                    return None;
                }
                inner = casted;
            }
            _ => break,
        }
    }
    Some(format!("NULL::{printed}"))
}

/// Whether the cast `expr` names `column_type`'s base type.
fn same_base_type(expr: &Expr, column_type: &SqlType) -> bool {
    let Expr::Cast { data_type, .. } = expr else {
        return false;
    };
    let written = data_type.to_string().to_ascii_lowercase();
    let base = written.split('(').next().unwrap_or("").trim();
    let name = match base {
        "varchar" | "character varying" => "varchar",
        "char" | "character" | "bpchar" => "bpchar",
        "numeric" | "decimal" => "numeric",
        "timestamp" | "timestamp without time zone" => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "time" | "time without time zone" => "time",
        "timetz" | "time with time zone" => "timetz",
        "bit" => "bit",
        "varbit" | "bit varying" => "varbit",
        _ => return false,
    };
    name == column_type.name
}

/// The fields of `ROW(a, b)` or `(a, b)`.
fn row_fields(expr: &Expr) -> Option<Vec<&Expr>> {
    match expr {
        Expr::Tuple(fields) => Some(fields.iter().collect()),
        Expr::Nested(inner) => row_fields(inner),
        Expr::Function(function)
            if function.name.0.len() == 1
                && function.name.to_string().eq_ignore_ascii_case("row") =>
        {
            let FunctionArguments::List(list) = &function.args else {
                return None;
            };
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

fn is_null(expr: &Expr) -> bool {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::Null,
            span: _,
        }) => true,
        Expr::Nested(inner) => is_null(inner),
        Expr::Cast { expr, .. } => is_null(expr),
        _ => false,
    }
}

/// A literal: numbers and booleans print bare, strings take the type of
/// their context (`'x'::character varying`).
fn literal(value: &Value, context: Option<&SqlType>, _negated: bool) -> String {
    match value {
        Value::Number(number, _) => number.clone(),
        Value::Boolean(true) => "true".to_owned(),
        Value::Boolean(false) => "false".to_owned(),
        Value::Null => "NULL".to_owned(),
        Value::SingleQuotedString(text) | Value::EscapedStringLiteral(text) => match context {
            Some(ty)
                if !ty.array
                    && ty.is_builtin()
                    && matches!(
                        ty.name.as_str(),
                        "int2" | "int4" | "int8" | "numeric" | "float4" | "float8"
                    )
                    && text.trim().parse::<f64>().is_ok() =>
            {
                let trimmed = text.trim();
                if let Some(positive) = trimmed.strip_prefix('-') {
                    format!("'-{positive}'::{}", number_type(positive))
                } else {
                    trimmed.to_owned()
                }
            }
            Some(ty) if !ty.array && ty.is_builtin() && ty.name == "bool" => {
                match text.trim().to_ascii_lowercase().as_str() {
                    "t" | "true" | "yes" | "y" | "on" | "1" => "true".to_owned(),
                    _ => "false".to_owned(),
                }
            }
            Some(ty) if is_regclass(ty) => regclass_literal(text),
            Some(ty) => {
                let text = normalise_datetime(text, ty).unwrap_or_else(|| text.clone());
                format!("{}::{}", quote_literal(&text), type_for_cast_plain(ty))
            }
            None => format!("{}::text", quote_literal(text)),
        },
        other => other.to_string(),
    }
}

/// The type a numeric literal has: `integer`, `bigint` or `numeric`.
fn number_type(number: &str) -> &'static str {
    if number.contains(['.', 'e', 'E']) {
        "numeric"
    } else if number.parse::<i32>().is_ok() {
        "integer"
    } else if number.parse::<i64>().is_ok() {
        "bigint"
    } else {
        "numeric"
    }
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `format_type` of a literal's type without its modifier, as a cast
/// prints it: `character varying`, `text[]`, `"TaskStatus"`, `bpchar`.
fn type_for_cast_plain(ty: &SqlType) -> String {
    let base = if ty.is_builtin() {
        match ty.name.as_str() {
            "bpchar" => "bpchar".to_owned(),
            name => migrate_core::builtin_data_type(name)
                .unwrap_or(name)
                .to_owned(),
        }
    } else if ty.schema == "public" {
        quote_ident(&ty.name)
    } else {
        format!("{}.{}", quote_ident(&ty.schema), quote_ident(&ty.name))
    };
    if ty.array { format!("{base}[]") } else { base }
}

/// The type named in an explicit cast, with its modifier when it had one.
fn format_type_for_cast(_folder: &Folder, ty: &SqlType) -> String {
    if ty.is_builtin() && !ty.modifiers.is_empty() {
        return ty.to_string();
    }
    type_for_cast_plain(ty)
}

pub(crate) use migrate_core::ddl::quote_ident;

/// A date or timestamp literal as PostgreSQL prints the stored value
/// (session time zone UTC): `'epoch'` is `1970-01-01 00:00:00+00` for
/// `timestamptz`. `None` when the literal is not a plain date and time
/// (`now`, an offset other than UTC): it is then kept as written.
fn normalise_datetime(text: &str, ty: &SqlType) -> Option<String> {
    if ty.array || !ty.is_builtin() {
        return None;
    }
    let kind = ty.name.as_str();
    if kind == "interval" && ty.modifiers.is_empty() {
        return normalise_interval(text);
    }
    if !matches!(kind, "timestamp" | "timestamptz" | "date") {
        return None;
    }
    let text = text.trim();
    let (date, time, utc) = if text.eq_ignore_ascii_case("epoch") {
        ("1970-01-01".to_owned(), "00:00:00".to_owned(), true)
    } else {
        let date = text.get(..10)?;
        let bytes = date.as_bytes();
        let digits_ok = bytes.iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        if !digits_ok {
            return None;
        }
        let rest = text[10..].trim_start_matches(['T', ' ']);
        let (clock, zone) = match rest.find(['Z', 'z', '+', '-', ' ']) {
            Some(at) => (&rest[..at], rest[at..].trim()),
            None => (rest, ""),
        };
        let utc = matches!(
            zone,
            "" | "Z" | "z" | "+00" | "+00:00" | "+0000" | "UTC" | "utc"
        );
        if !utc {
            return None;
        }
        let mut parts = clock.split(':');
        let hours = parts.next().filter(|p| !p.is_empty()).unwrap_or("00");
        let minutes = parts.next().unwrap_or("00");
        let seconds = parts.next().unwrap_or("00");
        if hours.len() != 2
            || minutes.len() != 2
            || !hours
                .bytes()
                .chain(minutes.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
        let fraction = fraction.trim_end_matches('0');
        let seconds = if fraction.is_empty() {
            whole.to_owned()
        } else {
            format!("{whole}.{fraction}")
        };
        (date.to_owned(), format!("{hours}:{minutes}:{seconds}"), utc)
    };
    Some(match kind {
        "date" => date,
        "timestamp" => format!("{date} {time}"),
        _ if utc => format!("{date} {time}+00"),
        _ => return None,
    })
}

/// An interval literal as PostgreSQL prints the stored value (IntervalStyle
/// `postgres`): `'15 minutes'` is `00:15:00`, `'1 year 13 months'` is
/// `2 years 1 mon`. `None` for a form it does not read (fractions of days
/// or months, ISO 8601, units glued to numbers): kept as written.
pub(crate) fn normalise_interval(text: &str) -> Option<String> {
    const MICROS_PER_SECOND: i128 = 1_000_000;
    let lower = text.trim().to_ascii_lowercase();
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    if words.first() == Some(&"@") {
        words.remove(0);
    }
    let ago = words.last() == Some(&"ago");
    if ago {
        words.pop();
    }
    if words.is_empty() {
        return None;
    }
    let (mut months, mut days, mut micros) = (0i64, 0i64, 0i128);
    let mut index = 0;
    while index < words.len() {
        let word = words[index];
        if word.contains(':') {
            micros += clock_micros(word)?;
            index += 1;
            continue;
        }
        let (sign, digits) = match word.strip_prefix('-') {
            Some(rest) => (-1, rest),
            None => (1, word.strip_prefix('+').unwrap_or(word)),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty()
            || !whole
                .bytes()
                .chain(fraction.bytes())
                .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        let unit = words.get(index + 1).copied();
        index += 2;
        let micros_per = match unit {
            // A bare number is seconds.
            None => {
                index -= 1;
                Some(MICROS_PER_SECOND)
            }
            Some("microsecond" | "microseconds" | "us" | "usec" | "usecs") => Some(1),
            Some("millisecond" | "milliseconds" | "ms" | "msec" | "msecs") => Some(1_000),
            Some("second" | "seconds" | "sec" | "secs" | "s") => Some(MICROS_PER_SECOND),
            Some("minute" | "minutes" | "min" | "mins" | "m") => Some(60 * MICROS_PER_SECOND),
            Some("hour" | "hours" | "hr" | "hrs" | "h") => Some(3_600 * MICROS_PER_SECOND),
            _ => None,
        };
        if let Some(per) = micros_per {
            let scale = 10i128.checked_pow(u32::try_from(fraction.len()).ok()?)?;
            let fraction_value: i128 = if fraction.is_empty() {
                0
            } else {
                fraction.parse().ok()?
            };
            if (fraction_value * per) % scale != 0 {
                return None;
            }
            micros += i128::from(sign) * (i128::from(whole) * per + fraction_value * per / scale);
            continue;
        }
        if !fraction.is_empty() {
            return None;
        }
        let value = sign * whole;
        match unit? {
            "day" | "days" | "d" => days += value,
            "week" | "weeks" | "w" => days += 7 * value,
            "month" | "months" | "mon" | "mons" => months += value,
            "year" | "years" | "yr" | "yrs" | "y" => months += 12 * value,
            "decade" | "decades" => months += 120 * value,
            "century" | "centuries" => months += 1_200 * value,
            "millennium" | "millennia" | "millenniums" => months += 12_000 * value,
            _ => return None,
        }
    }
    if ago {
        (months, days, micros) = (-months, -days, -micros);
    }
    let mut out = String::new();
    let mut before_negative = false;
    for (value, unit) in [(months / 12, "year"), (months % 12, "mon"), (days, "day")] {
        if value == 0 {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if before_negative && value > 0 {
            out.push('+');
        }
        out.push_str(&format!(
            "{value} {unit}{}",
            if value == 1 { "" } else { "s" }
        ));
        before_negative = value < 0;
    }
    if out.is_empty() || micros != 0 {
        if !out.is_empty() {
            out.push(' ');
        }
        if micros < 0 {
            out.push('-');
        } else if before_negative {
            out.push('+');
        }
        let total = micros.unsigned_abs();
        let seconds = total / 1_000_000;
        let fraction = total % 1_000_000;
        out.push_str(&format!(
            "{:02}:{:02}:{:02}",
            seconds / 3_600,
            seconds / 60 % 60,
            seconds % 60
        ));
        if fraction != 0 {
            let digits = format!("{fraction:06}");
            out.push('.');
            out.push_str(digits.trim_end_matches('0'));
        }
    }
    Some(out)
}

/// `[-]hh:mm[:ss[.fraction]]` in microseconds.
fn clock_micros(word: &str) -> Option<i128> {
    let (sign, clock) = match word.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, word.strip_prefix('+').unwrap_or(word)),
    };
    let mut parts = clock.split(':');
    let hours: i128 = parts.next()?.parse().ok()?;
    let minutes: i128 = parts.next()?.parse().ok()?;
    let seconds = parts.next().unwrap_or("0");
    if parts.next().is_some() || minutes >= 60 {
        return None;
    }
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let whole: i128 = whole.parse().ok()?;
    if whole >= 60 || fraction.len() > 6 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fraction: i128 = format!("{fraction:0<6}").parse().ok()?;
    Some(sign * (((hours * 60 + minutes) * 60 + whole) * 1_000_000 + fraction))
}

fn is_regclass(ty: &SqlType) -> bool {
    ty.is_builtin() && !ty.array && ty.name == "regclass"
}

/// A relation name given as text to `regclass`, as PostgreSQL prints the
/// resolved relation: `'public.Users_id_seq'` is `'"Users_id_seq"'::regclass`
/// (unquoted parts fold to lower case; `public` is visible, so dropped).
fn regclass_literal(text: &str) -> String {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices().peekable();
            let mut end = quoted.len();
            while let Some((index, c)) = chars.next() {
                if c == '"' {
                    if matches!(chars.peek(), Some((_, '"'))) {
                        chars.next();
                        value.push('"');
                        continue;
                    }
                    end = index + 1;
                    break;
                }
                value.push(c);
            }
            (value, &quoted[end..])
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            (rest[..end].trim().to_ascii_lowercase(), &rest[end..])
        };
        parts.push(part);
        match after.trim_start().strip_prefix('.') {
            Some(next) => rest = next.trim_start(),
            None => break,
        }
    }
    let shown = match parts.as_slice() {
        [schema, name] if schema != "public" => {
            format!("{}.{}", quote_ident(schema), quote_ident(name))
        }
        [.., name] => quote_ident(name),
        [] => String::new(),
    };
    format!("{}::regclass", quote_literal(&shown))
}
