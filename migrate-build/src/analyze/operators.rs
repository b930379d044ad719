//! The built-in binary operators: which argument types they take, what they
//! return, and how an untyped side (a parameter or a string literal) takes
//! its type from the other side, as PostgreSQL's operator resolution does.

use migrate_core::{Schema, SqlType};
use sqlparser::ast::BinaryOperator;

use super::types::{self, Category, Ty};
use super::{Analyzer, Typed};
use crate::diagnostic::Diagnostic;
use crate::extensions::{self, Operator};

/// The operator as PostgreSQL spells it, `None` for ones we do not type.
pub(crate) fn operator_name(op: &BinaryOperator) -> Option<String> {
    Some(
        match op {
            BinaryOperator::Plus => "+",
            BinaryOperator::Minus => "-",
            BinaryOperator::Multiply => "*",
            BinaryOperator::Divide => "/",
            BinaryOperator::Modulo => "%",
            BinaryOperator::StringConcat => "||",
            BinaryOperator::Gt => ">",
            BinaryOperator::Lt => "<",
            BinaryOperator::GtEq => ">=",
            BinaryOperator::LtEq => "<=",
            BinaryOperator::Eq => "=",
            BinaryOperator::NotEq => "<>",
            BinaryOperator::BitwiseOr => "|",
            BinaryOperator::BitwiseAnd => "&",
            BinaryOperator::PGBitwiseXor => "#",
            BinaryOperator::PGBitwiseShiftLeft => "<<",
            BinaryOperator::PGBitwiseShiftRight => ">>",
            BinaryOperator::PGExp => "^",
            BinaryOperator::PGOverlap => "&&",
            BinaryOperator::PGRegexMatch => "~",
            BinaryOperator::PGRegexIMatch => "~*",
            BinaryOperator::PGRegexNotMatch => "!~",
            BinaryOperator::PGRegexNotIMatch => "!~*",
            BinaryOperator::PGLikeMatch => "~~",
            BinaryOperator::PGILikeMatch => "~~*",
            BinaryOperator::PGNotLikeMatch => "!~~",
            BinaryOperator::PGNotILikeMatch => "!~~*",
            BinaryOperator::PGStartsWith => "^@",
            BinaryOperator::Arrow => "->",
            BinaryOperator::LongArrow => "->>",
            BinaryOperator::HashArrow => "#>",
            BinaryOperator::HashLongArrow => "#>>",
            BinaryOperator::AtAt => "@@",
            BinaryOperator::AtArrow => "@>",
            BinaryOperator::ArrowAt => "<@",
            BinaryOperator::HashMinus => "#-",
            BinaryOperator::AtQuestion => "@?",
            BinaryOperator::Question => "?",
            BinaryOperator::QuestionAnd => "?&",
            BinaryOperator::QuestionPipe => "?|",
            // The geometric ones sqlparser names, which extensions also
            // define (`<->` of pg_trgm and pgvector, `<=>` of pgvector).
            BinaryOperator::Spaceship => "<=>",
            BinaryOperator::DoubleHash => "##",
            BinaryOperator::LtDashGt => "<->",
            BinaryOperator::AndLt => "&<",
            BinaryOperator::AndGt => "&>",
            BinaryOperator::LtLtPipe => "<<|",
            BinaryOperator::PipeGtGt => "|>>",
            BinaryOperator::AndLtPipe => "&<|",
            BinaryOperator::PipeAndGt => "|&>",
            BinaryOperator::LtCaret => "<^",
            BinaryOperator::GtCaret => ">^",
            BinaryOperator::QuestionHash => "?#",
            BinaryOperator::QuestionDash => "?-",
            BinaryOperator::QuestionDashPipe => "?-|",
            BinaryOperator::QuestionDoublePipe => "?||",
            BinaryOperator::At => "@",
            BinaryOperator::TildeEq => "~=",
            BinaryOperator::PGCustomBinaryOperator(parts) => {
                return parts.last().cloned();
            }
            BinaryOperator::Custom(op) => return Some(op.clone()),
            _ => return None,
        }
        .to_owned(),
    )
}

fn is_comparison(op: &str) -> bool {
    matches!(op, "=" | "<>" | "!=" | "<" | ">" | "<=" | ">=")
}

fn is_text_match(op: &str) -> bool {
    matches!(
        op,
        "~" | "~*" | "!~" | "!~*" | "~~" | "~~*" | "!~~" | "!~~*" | "^@"
    )
}

/// What an untyped operand becomes next to a typed one.
pub(crate) fn untyped_operand(
    schema: &Schema,
    op: &str,
    other: &SqlType,
    other_is_left: bool,
) -> SqlType {
    let base = types::base_type(schema, other);
    // varchar has no operators of its own: `varchar = $1` resolves to
    // `text = text`, so the parameter is text (an array of varchar, text[]).
    let mut other = base.clone();
    other.modifiers.clear();
    if other.name == "varchar" && other.is_builtin() {
        other.name = "text".to_owned();
    }
    let other = &other;
    let json = !base.array && (base.name == "jsonb" || base.name == "json");
    if other_is_left && json {
        return match op {
            "->" | "->>" | "?" | "-" => SqlType::builtin("text"),
            "#>" | "#>>" | "?|" | "?&" | "#-" => SqlType::builtin("text").into_array(),
            "@?" | "@@" => SqlType::builtin("jsonpath"),
            "||" if base.name == "json" => SqlType::builtin("text"),
            _ => other.clone(),
        };
    }
    if is_text_match(op) {
        return SqlType::builtin("text");
    }
    // `unknown - text`: only jsonb - text has a text on the right.
    if op == "-"
        && !other_is_left
        && !base.array
        && types::category(schema, &base) == Category::String
    {
        return SqlType::builtin("jsonb");
    }
    match op {
        "||" if base.array => other.clone(),
        "||" if base.name == "jsonb" => other.clone(),
        "||" => SqlType::builtin("text"),
        "+" | "-"
            if matches!(base.name.as_str(), "timestamptz" | "timestamp" | "date")
                && !base.array =>
        {
            if op == "-" && other_is_left {
                other.clone()
            } else if base.name == "date" && op == "+" {
                SqlType::builtin("int4")
            } else {
                SqlType::builtin("interval")
            }
        }
        "*" | "/" if base.name == "interval" => SqlType::builtin("float8"),
        _ => other.clone(),
    }
}

impl Analyzer<'_> {
    /// Types `left op right`, deciding untyped operands and reporting an
    /// operator PostgreSQL does not have.
    pub(crate) fn operator(
        &mut self,
        op: &str,
        left: &Typed,
        right: &Typed,
        span: std::ops::Range<usize>,
    ) -> Typed {
        self.operator_impl(op, left, right, span, None)
    }

    /// [`Self::operator`] with the span an error is reported at.
    pub(crate) fn operator_at(
        &mut self,
        op: &str,
        left: &Typed,
        right: &Typed,
        at: std::ops::Range<usize>,
    ) -> Typed {
        let span = left.span.start..right.span.end;
        self.operator_impl(op, left, right, span, Some(at))
    }

    fn operator_impl(
        &mut self,
        op: &str,
        left: &Typed,
        right: &Typed,
        span: std::ops::Range<usize>,
        at: Option<std::ops::Range<usize>>,
    ) -> Typed {
        let mut left_ty = left.ty.clone();
        let mut right_ty = right.ty.clone();
        let (left_untyped, right_untyped) = (
            matches!(left_ty, Ty::Param(_) | Ty::Unknown),
            matches!(right_ty, Ty::Param(_) | Ty::Unknown),
        );
        // PostgreSQL reports an operator error at the operator itself.
        let operator_span = at
            .or_else(|| self.operator_span(op, left, right))
            .unwrap_or(span.clone());
        let nullable = left.nullable || right.nullable;
        let untyped = |t: &Ty| matches!(t, Ty::Param(_) | Ty::Unknown);
        if left_ty == Ty::Error || right_ty == Ty::Error {
            self.poison(left);
            self.poison(right);
            let ty = if is_comparison(op) || is_text_match(op) {
                Ty::known("bool")
            } else {
                Ty::Error
            };
            return Typed::new(ty, nullable, span);
        }
        if let Some(typed) =
            self.extension_operator(op, (left, &left_ty), (right, &right_ty), nullable, &span)
        {
            return typed;
        }
        // date + unknown: date + integer, date + interval and date + time all fit.
        let date = |t: &Ty| {
            t.as_known()
                .is_some_and(|t| types::base_type(self.schema, t).udt_name() == "date")
        };
        if op == "+"
            && ((date(&left_ty) && untyped(&right_ty)) || (untyped(&left_ty) && date(&right_ty)))
        {
            self.poison(left);
            self.poison(right);
            let shown = |t: &Ty| match t {
                Ty::Known(t) => types::display(t),
                _ => "unknown".to_owned(),
            };
            self.error(
                Diagnostic::error(
                    format!(
                        "operator is not unique: {} + {}",
                        shown(&left_ty),
                        shown(&right_ty)
                    ),
                    operator_span,
                )
                .with_help("could not choose a best candidate operator; you might need to add explicit type casts"),
            );
            return Typed::new(Ty::Error, nullable, span);
        }
        if untyped(&left_ty) && untyped(&right_ty) {
            let text = SqlType::builtin("text");
            self.coerce_implicit(left, &text);
            self.coerce_implicit(right, &text);
            left_ty = Ty::Known(text.clone());
            right_ty = Ty::Known(text);
        } else if untyped(&left_ty) {
            if let Ty::Known(other) = &right_ty {
                let target = untyped_operand(self.schema, op, other, false);
                self.coerce_implicit(left, &target);
                left_ty = Ty::Known(target);
            }
        } else if untyped(&right_ty)
            && let Ty::Known(other) = &left_ty
        {
            let target = untyped_operand(self.schema, op, other, true);
            self.coerce_implicit(right, &target);
            right_ty = Ty::Known(target);
        }
        let (Ty::Known(l), Ty::Known(r)) = (&left_ty, &right_ty) else {
            return Typed::new(Ty::Error, nullable, span);
        };
        let outcome = match binary_result(self.schema, op, l, r) {
            // Between built-in types we model every operator PostgreSQL has.
            Outcome::Unknown
                if fully_modelled(self.schema, l)
                    && fully_modelled(self.schema, r)
                    && modelled_operator(op) =>
            {
                Outcome::NoSuchOperator
            }
            other => other,
        };
        match outcome {
            Outcome::Returns(ty) => Typed::new(Ty::Known(ty), nullable, span),
            Outcome::Unknown => Typed::new(
                if is_comparison(op) || is_text_match(op) {
                    Ty::known("bool")
                } else {
                    Ty::Error
                },
                nullable,
                span,
            ),
            Outcome::NoSuchOperator => {
                self.error(
                    Diagnostic::error(
                        format!(
                            "operator does not exist: {} {op} {}",
                            if left_untyped { "unknown".to_owned() } else { types::display(l) },
                            if right_untyped { "unknown".to_owned() } else { types::display(r) },
                        ),
                        operator_span,
                    )
                    .with_help(
                        "no operator matches the given name and argument types; you might need to add explicit type casts",
                    ),
                );
                Typed::new(
                    if is_comparison(op) {
                        Ty::known("bool")
                    } else {
                        Ty::Error
                    },
                    nullable,
                    span,
                )
            }
        }
    }
}

impl Analyzer<'_> {
    /// `left op right` by an operator of an extension the schema creates
    /// (`<->` of pg_trgm or pgvector, `@>` of ltree, `->` of hstore), as
    /// PostgreSQL's `oper_select_candidate` picks among them: an exact
    /// match (an untyped side taking the other side's type), else the one
    /// candidate the typed sides convert to implicitly, untyped sides
    /// preferring a string type. `None` when no extension operator
    /// applies, or when both sides are built-in types a built-in operator
    /// already takes: the built-in rules decide then.
    fn extension_operator(
        &mut self,
        op: &str,
        (left, left_ty): (&Typed, &Ty),
        (right, right_ty): (&Typed, &Ty),
        nullable: bool,
        span: &std::ops::Range<usize>,
    ) -> Option<Typed> {
        let candidates: Vec<&Operator> = extensions::operators(self.schema, op)
            .filter(|candidate| !candidate.left.is_empty())
            .collect();
        if candidates.is_empty() {
            return None;
        }
        let known = |t: &Ty| t.as_known().map(|t| types::base_type(self.schema, t));
        let (l, r) = (known(left_ty), known(right_ty));
        let extension_type = |t: &Option<SqlType>| {
            t.as_ref()
                .is_some_and(|t| extensions::type_of(self.schema, t).is_some())
        };
        if !extension_type(&l) && !extension_type(&r) {
            let (l, r) = match (&l, &r) {
                (Some(l), Some(r)) => (l.clone(), r.clone()),
                (Some(l), None) => (l.clone(), untyped_operand(self.schema, op, l, true)),
                (None, Some(r)) => (untyped_operand(self.schema, op, r, false), r.clone()),
                (None, None) => return None,
            };
            if let Outcome::Returns(_) = binary_result(self.schema, op, &l, &r) {
                return None;
            }
        }
        let name = |t: &Option<SqlType>| {
            t.as_ref()
                .and_then(|t| extensions::any_typname(self.schema, t))
        };
        let (l_name, r_name) = (name(&l), name(&r));
        let (l_exact, r_exact) = (
            l_name.clone().or_else(|| r_name.clone()),
            r_name.clone().or_else(|| l_name.clone()),
        );
        let exact = candidates.iter().copied().find(|candidate| {
            Some(candidate.left) == l_exact.as_deref()
                && Some(candidate.right) == r_exact.as_deref()
        });
        let chosen = match exact {
            Some(chosen) => chosen,
            None => {
                let fits = |input: &Option<SqlType>, declared: &str| match input {
                    None => true,
                    Some(input) => types::implicitly_castable(
                        self.schema,
                        input,
                        &extensions::sql_type(self.schema, declared),
                    ),
                };
                let fitting: Vec<&Operator> = candidates
                    .iter()
                    .copied()
                    .filter(|candidate| fits(&l, candidate.left) && fits(&r, candidate.right))
                    .collect();
                let exact_count = |candidate: &Operator| {
                    usize::from(l_name.as_deref() == Some(candidate.left))
                        + usize::from(r_name.as_deref() == Some(candidate.right))
                };
                let best = fitting.iter().map(|c| exact_count(c)).max()?;
                let mut fitting: Vec<&Operator> = fitting
                    .into_iter()
                    .filter(|c| exact_count(c) == best)
                    .collect();
                if fitting.len() > 1 {
                    // An untyped side prefers the string category.
                    let string = |declared: &str| {
                        types::category(self.schema, &extensions::sql_type(self.schema, declared))
                            == Category::String
                    };
                    fitting.retain(|c| {
                        (l.is_some() || string(c.left)) && (r.is_some() || string(c.right))
                    });
                }
                match fitting.as_slice() {
                    [only] => *only,
                    _ => return None,
                }
            }
        };
        if l.is_none() {
            self.coerce_implicit(left, &extensions::sql_type(self.schema, chosen.left));
        }
        if r.is_none() {
            self.coerce_implicit(right, &extensions::sql_type(self.schema, chosen.right));
        }
        let returns = extensions::sql_type(self.schema, chosen.returns);
        Some(Typed::new(Ty::Known(returns), nullable, span.clone()))
    }

    /// Where `op` is written between its operands.
    pub(crate) fn operator_span(
        &self,
        op: &str,
        left: &Typed,
        right: &Typed,
    ) -> Option<std::ops::Range<usize>> {
        let text = &self.source.text;
        let (from, to) = (left.span.end, right.span.start);
        if from >= to
            || to > text.len()
            || !text.is_char_boundary(from)
            || !text.is_char_boundary(to)
        {
            return None;
        }
        let between = &text[from..to];
        let spelled = match op {
            "~~" => "like",
            _ => op,
        };
        let found = between.to_ascii_lowercase().find(spelled)?;
        Some(from + found..from + found + spelled.len())
    }
}

/// Types whose operators [`binary_result`] knows completely.
fn fully_modelled(schema: &Schema, ty: &SqlType) -> bool {
    let base = types::base_type(schema, ty);
    if base.array {
        return fully_modelled(schema, &base.element());
    }
    matches!(
        types::category(schema, &base),
        Category::Numeric
            | Category::String
            | Category::Boolean
            | Category::DateTime
            | Category::Timespan
            | Category::Enum
    ) || (base.is_builtin() && matches!(base.name.as_str(), "uuid" | "json" | "jsonb" | "bytea"))
}

fn modelled_operator(op: &str) -> bool {
    is_comparison(op)
        || is_text_match(op)
        || matches!(
            op,
            "+" | "-" | "*" | "/" | "%" | "||" | "->" | "->>" | "#>" | "#>>" | "@>" | "<@" | "&&"
        )
}

enum Outcome {
    Returns(SqlType),
    NoSuchOperator,
    /// An operator we do not know (extensions, custom): not checked.
    Unknown,
}

fn numeric_rank(name: &str) -> Option<u8> {
    Some(match name {
        "int2" => 0,
        "int4" => 1,
        "int8" => 2,
        "numeric" => 3,
        "float4" => 4,
        "float8" => 5,
        _ => return None,
    })
}

fn wider(a: &str, b: &str) -> SqlType {
    let (ra, rb) = (numeric_rank(a).unwrap_or(1), numeric_rank(b).unwrap_or(1));
    // int2 op int2 is int2, int2 op int4 is int4; float4 with numeric is float8.
    let name = if ra >= rb { a } else { b };
    let name = if (a == "float4" && b == "numeric") || (a == "numeric" && b == "float4") {
        "float8"
    } else {
        name
    };
    SqlType::builtin(name)
}

pub(crate) fn comparable(schema: &Schema, l: &SqlType, r: &SqlType) -> bool {
    let l = types::base_type(schema, l);
    let r = types::base_type(schema, r);
    if l.array || r.array {
        return l.array && r.array && comparable(schema, &l.element(), &r.element());
    }
    // xid = int4 (`xmax = 0`, the upsert idiom).
    if matches!(
        (l.name.as_str(), r.name.as_str()),
        ("xid", "int4") | ("int4", "xid") | ("xid", "xid")
    ) {
        return true;
    }
    let (lc, rc) = (types::category(schema, &l), types::category(schema, &r));
    if lc != rc {
        return matches!(
            (l.name.as_str(), r.name.as_str()),
            ("time", "interval") | ("interval", "time")
        );
    }
    match lc {
        Category::Numeric
        | Category::String
        | Category::Boolean
        | Category::Timespan
        | Category::Network
        | Category::BitString => true,
        Category::DateTime => {
            let time = |n: &str| n == "time" || n == "timetz";
            time(&l.name) == time(&r.name)
        }
        Category::Enum | Category::Range | Category::Composite => types::same_type(&l, &r),
        Category::User => {
            types::same_type(&l, &r) && !matches!(l.name.as_str(), "json" | "xml" | "point")
        }
        Category::Geometric => types::same_type(&l, &r),
        Category::Pseudo => true,
        Category::Array => true,
    }
}

fn binary_result(schema: &Schema, op: &str, l: &SqlType, r: &SqlType) -> Outcome {
    use Outcome::{NoSuchOperator, Returns, Unknown};
    let bool_type = || Returns(SqlType::builtin("bool"));
    let lb = types::base_type(schema, l);
    let rb = types::base_type(schema, r);
    let (lc, rc) = (types::category(schema, &lb), types::category(schema, &rb));
    if lc == Category::Pseudo || rc == Category::Pseudo {
        return Unknown;
    }
    let name = |t: &SqlType| {
        if t.array {
            String::new()
        } else {
            t.name.clone()
        }
    };
    let (ln, rn) = (name(&lb), name(&rb));
    if is_comparison(op) {
        return if comparable(schema, &lb, &rb) {
            bool_type()
        } else {
            NoSuchOperator
        };
    }
    if is_text_match(op) {
        if ln == "bytea" && rn == "bytea" && op.contains("~~") {
            return bool_type();
        }
        return if lc == Category::String && rc == Category::String {
            bool_type()
        } else if lc == Category::String || rc == Category::String {
            NoSuchOperator
        } else {
            Unknown
        };
    }
    match op {
        "+" | "-" | "*" | "/" | "%" | "^" => {
            if lc == Category::Numeric && rc == Category::Numeric {
                if op == "^" {
                    return Returns(SqlType::builtin(if ln == "numeric" || rn == "numeric" {
                        "numeric"
                    } else {
                        "float8"
                    }));
                }
                return Returns(wider(&ln, &rn));
            }
            let result = match (ln.as_str(), op, rn.as_str()) {
                ("timestamptz", "+" | "-", "interval") | ("interval", "+", "timestamptz") => {
                    "timestamptz"
                }
                ("timestamp", "+" | "-", "interval") | ("interval", "+", "timestamp") => {
                    "timestamp"
                }
                ("date", "+" | "-", "interval") | ("interval", "+", "date") => "timestamp",
                ("date", "+" | "-", "int4" | "int2") | ("int4" | "int2", "+", "date") => "date",
                ("date", "-", "date") => "int4",
                ("date", "+", "time") | ("time", "+", "date") => "timestamp",
                ("timestamptz", "-", "timestamptz") | ("timestamp", "-", "timestamp") => "interval",
                ("timestamptz", "-", "timestamp" | "date")
                | ("timestamp" | "date", "-", "timestamptz") => "interval",
                ("timestamp", "-", "date") | ("date", "-", "timestamp") => "interval",
                ("interval", "+" | "-", "interval") => "interval",
                ("interval", "*" | "/", _) if rc == Category::Numeric => "interval",
                (_, "*", "interval") if lc == Category::Numeric => "interval",
                ("time", "+" | "-", "interval") => "time",
                ("time", "-", "time") => "interval",
                ("jsonb", "-", "int4" | "int2") => "jsonb",
                ("jsonb", "-", _) if rc == Category::String => "jsonb",
                ("inet", "-", "inet") => "int8",
                ("inet", "+" | "-", "int8" | "int4") => "inet",
                _ => {
                    if lb.array && op == "-" {
                        return Unknown;
                    }
                    if ln == "jsonb" && rb.array && rb.name == "text" && op == "-" {
                        return Returns(SqlType::builtin("jsonb"));
                    }
                    let known = |c: Category| {
                        matches!(
                            c,
                            Category::Numeric
                                | Category::String
                                | Category::Boolean
                                | Category::DateTime
                                | Category::Timespan
                                | Category::Enum
                                | Category::Array
                        ) || matches!(ln.as_str(), "jsonb" | "json" | "uuid" | "bytea")
                    };
                    return if known(lc) && known(rc) {
                        NoSuchOperator
                    } else {
                        Unknown
                    };
                }
            };
            Returns(SqlType::builtin(result))
        }
        "||" => {
            if lb.array && rb.array {
                return if comparable(schema, &lb.element(), &rb.element()) {
                    Returns(l.clone())
                } else {
                    NoSuchOperator
                };
            }
            // array || element, element || array: one common element type.
            if lb.array || rb.array {
                let (l_element, r_element) = (lb.element(), rb.element());
                return match types::common_type(schema, &[l_element, r_element]) {
                    Some(element) => Returns(element.into_array()),
                    None => NoSuchOperator,
                };
            }
            if ln == "jsonb" && rn == "jsonb" {
                return Returns(SqlType::builtin("jsonb"));
            }
            if ln == "bytea" && rn == "bytea" {
                return Returns(SqlType::builtin("bytea"));
            }
            if lc == Category::String || rc == Category::String {
                return Returns(SqlType::builtin("text"));
            }
            if lc == Category::BitString && rc == Category::BitString {
                return Returns(SqlType::builtin("varbit"));
            }
            if ln == "tsvector" && rn == "tsvector" {
                return Returns(SqlType::builtin("tsvector"));
            }
            NoSuchOperator
        }
        "->" | "->>" | "#>" | "#>>" | "#-" => {
            if ln != "jsonb" && ln != "json" {
                return NoSuchOperator;
            }
            let path = rb.array && rb.name == "text";
            let valid = match op {
                "->" | "->>" => {
                    !rb.array && (rc == Category::String || matches!(rn.as_str(), "int4" | "int2"))
                }
                _ => path,
            };
            if !valid {
                return NoSuchOperator;
            }
            Returns(match op {
                "->>" | "#>>" => SqlType::builtin("text"),
                _ => SqlType::builtin(&ln),
            })
        }
        "?" | "?|" | "?&" => {
            if ln == "jsonb" {
                bool_type()
            } else {
                Unknown
            }
        }
        "@>" | "<@" | "&&" => {
            if lb.array && rb.array {
                return if comparable(schema, &lb.element(), &rb.element()) {
                    bool_type()
                } else {
                    NoSuchOperator
                };
            }
            if ln == "jsonb" && rn == "jsonb" && op != "&&" {
                return bool_type();
            }
            if ln == "json" || ln == "jsonb" {
                return NoSuchOperator;
            }
            if lc == Category::Range || rc == Category::Range {
                return bool_type();
            }
            Unknown
        }
        "@@" | "@?" => bool_type(),
        "&" | "|" | "#" | "<<" | ">>" => {
            if lc == Category::Numeric && rc == Category::Numeric && ln.starts_with("int") {
                if op == "<<" || op == ">>" {
                    return Returns(lb.clone());
                }
                return Returns(wider(&ln, &rn));
            }
            if lc == Category::Range || lc == Category::Network || lc == Category::BitString {
                return if op == "<<" || op == ">>" {
                    bool_type()
                } else {
                    Returns(lb.clone())
                };
            }
            Unknown
        }
        _ => Unknown,
    }
}
