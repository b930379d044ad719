//! User-defined aggregates, which sqlparser does not parse: `CREATE [OR
//! REPLACE] AGGREGATE`, `DROP AGGREGATE`, `ALTER AGGREGATE .. RENAME TO /
//! SET SCHEMA`, read token by token; `ALTER FUNCTION` and `ALTER PROCEDURE`
//! likewise.
//!
//! An aggregate is a [`Function`] with `aggregate` set: its arguments are
//! the input types, its result the final function's (when it has one and
//! the fold knows it) or else the state type, as `pg_proc.prorettype`
//! holds. Ordered-set aggregates keep how many arguments are direct, and a
//! VARIADIC last argument is marked, as `pg_proc` and `pg_aggregate` do. An
//! aggregate with an argument type the fold cannot name is not recorded,
//! as for functions.

use migrate_core::{Function, Name, SqlType};
use sqlparser::ast::{DataType, ObjectName};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::unparsed::Tokens;
use super::{Fallible, Folder, Stmt, names};

/// What an ALTER names: an aggregate, a plain function or a procedure.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Routine {
    Aggregate,
    Function,
    Procedure,
}

impl Routine {
    fn is(self, function: &Function) -> bool {
        match self {
            Routine::Aggregate => function.aggregate,
            Routine::Function => !function.aggregate && !function.procedure,
            Routine::Procedure => function.procedure,
        }
    }
}

/// The argument list `( .. )` of an aggregate, as written.
struct ArgumentTexts {
    /// Each argument's type; for an ordered-set aggregate the direct ones,
    /// then those after `ORDER BY`.
    texts: Vec<String>,
    /// Each argument's name, empty for one without; empty when none has
    /// one (as [`Function::argument_names`]).
    names: Vec<String>,
    /// The last argument is VARIADIC.
    variadic: bool,
    /// For an ordered-set aggregate, how many arguments come before
    /// `ORDER BY`.
    direct: Option<usize>,
    /// The index after the list.
    after: usize,
}

/// The argument types of `( .. )` starting at `open`: `None` when one is
/// not a type the fold can name; `(*)` takes none.
fn argument_texts(stmt: &Stmt, tokens: &Tokens, open: usize) -> Option<ArgumentTexts> {
    let list = tokens.parenthesised(open);
    let (&first, &last) = (list.first()?, list.last()?);
    let inner = &tokens.tokens[first + 1..last];
    if matches!(inner, [star] if star.token == Token::Mul) {
        return Some(ArgumentTexts {
            texts: Vec::new(),
            names: Vec::new(),
            variadic: false,
            direct: None,
            after: last + 1,
        });
    }
    let mut pieces = Vec::new();
    let mut depth = 0;
    let mut start = first + 1;
    let mut direct = None;
    let mut index = first + 1;
    while index <= last {
        match tokens.tokens[index].token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket if depth > 0 => depth -= 1,
            Token::Comma if depth == 0 => {
                pieces.push(start..index);
                start = index + 1;
            }
            Token::RParen => pieces.push(start..index),
            _ => {}
        }
        // `direct ORDER BY aggregated`: an ordered-set aggregate.
        if depth == 0 && direct.is_none() && tokens.keywords_at(index, &["ORDER", "BY"]) {
            if index > start {
                pieces.push(start..index);
            }
            direct = Some(pieces.len());
            index += 2;
            start = index;
            continue;
        }
        index += 1;
    }
    let n_pieces = pieces.len();
    let mut variadic = false;
    let mut names = Vec::new();
    let texts = pieces
        .into_iter()
        .enumerate()
        .map(|(at, piece)| {
            let mut piece = piece;
            // [IN | VARIADIC] [name] type: the mode goes. VARIADIC is only
            // followed on the last argument of a plain aggregate.
            if tokens.keywords_at(piece.start, &["VARIADIC"]) {
                if direct.is_some() || at + 1 != n_pieces {
                    return None;
                }
                variadic = true;
                piece.start += 1;
            } else if tokens.keywords_at(piece.start, &["IN"]) {
                piece.start += 1;
            }
            let text = |range: std::ops::Range<usize>| -> Option<String> {
                let first = tokens.tokens.get(range.start)?;
                let last = tokens.tokens.get(range.end.checked_sub(1)?)?;
                let span = stmt.span(first.span).start..stmt.span(last.span).end;
                Some(stmt.text[span.start - stmt.base..span.end - stmt.base].to_owned())
            };
            let whole = text(piece.clone())?;
            if parse_type(&whole).is_some() {
                names.push(String::new());
                return Some(whole);
            }
            let rest =
                text(piece.start + 1..piece.end).filter(|rest| parse_type(rest).is_some())?;
            names.push(match &tokens.tokens.get(piece.start)?.token {
                Token::Word(word) => names::ident(&sqlparser::ast::Ident {
                    value: word.value.clone(),
                    quote_style: word.quote_style,
                    span: sqlparser::tokenizer::Span::empty(),
                }),
                _ => String::new(),
            });
            Some(rest)
        })
        .collect::<Option<Vec<String>>>()?;
    if names.iter().all(String::is_empty) {
        names.clear();
    }
    Some(ArgumentTexts {
        texts,
        names,
        variadic,
        direct,
        after: last + 1,
    })
}

/// A type as PostgreSQL names it in a message (`integer`, not `int4`).
pub(super) fn shown_type(ty: &SqlType) -> String {
    match migrate_core::builtin_data_type(&ty.name) {
        Some(shown) if ty.is_builtin() && !ty.array && ty.modifiers.is_empty() => shown.to_owned(),
        _ => ty.to_string(),
    }
}

/// `text` as one whole data type.
fn parse_type(text: &str) -> Option<DataType> {
    let dialect = PostgreSqlDialect {};
    let mut parser = Parser::new(&dialect).try_with_sql(text).ok()?;
    let data_type = parser.parse_data_type().ok()?;
    (parser.peek_token().token == Token::EOF).then_some(data_type)
}

/// The `KEY = value` options of the list `( .. )` starting at `open`, keys
/// upper-cased, values as written.
fn options(stmt: &Stmt, tokens: &Tokens, open: usize) -> Vec<(String, String)> {
    let list = tokens.parenthesised(open);
    let (Some(&first), Some(&last)) = (list.first(), list.last()) else {
        return Vec::new();
    };
    let mut options = Vec::new();
    let mut index = first + 1;
    while index < last {
        let key = tokens.keyword(index).unwrap_or_default();
        if tokens.tokens.get(index + 1).map(|t| &t.token) != Some(&Token::Eq) {
            index += 1;
            continue;
        }
        let value_start = index + 2;
        let mut depth = 0;
        let mut end = value_start;
        while end < last {
            match tokens.tokens[end].token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                Token::Comma if depth == 0 => break,
                _ => {}
            }
            end += 1;
        }
        if end > value_start {
            let start = stmt.span(tokens.tokens[value_start].span).start - stmt.base;
            let stop = stmt.span(tokens.tokens[end - 1].span).end - stmt.base;
            options.push((key, stmt.text[start..stop].to_owned()));
        }
        index = end + 1;
    }
    options
}

impl Folder {
    /// The aggregate statements; `Some(())` when handled.
    pub(super) fn aggregate_unparsed(
        &mut self,
        stmt: &Stmt,
        tokens: &Tokens,
    ) -> Fallible<Option<()>> {
        if tokens.keywords_at(0, &["CREATE", "AGGREGATE"]) {
            return self.create_aggregate(stmt, tokens, 2, false).map(Some);
        }
        if tokens.keywords_at(0, &["CREATE", "OR", "REPLACE", "AGGREGATE"]) {
            return self.create_aggregate(stmt, tokens, 4, true).map(Some);
        }
        if tokens.keywords_at(0, &["DROP", "AGGREGATE"]) {
            self.drop_aggregate(stmt, tokens);
            return Ok(Some(()));
        }
        if tokens.keywords_at(0, &["ALTER", "AGGREGATE"]) {
            return self
                .alter_routine(stmt, tokens, Routine::Aggregate)
                .map(Some);
        }
        // sqlparser does not read ALTER PROCEDURE, nor every ALTER FUNCTION.
        if tokens.keywords_at(0, &["ALTER", "PROCEDURE"]) {
            return self
                .alter_routine(stmt, tokens, Routine::Procedure)
                .map(Some);
        }
        if tokens.keywords_at(0, &["ALTER", "FUNCTION"]) {
            return self
                .alter_routine(stmt, tokens, Routine::Function)
                .map(Some);
        }
        Ok(None)
    }

    /// ALTER AGGREGATE or ALTER FUNCTION, which sqlparser parses: read by
    /// tokens all the same.
    pub(super) fn alter_routine_statement(
        &mut self,
        stmt: &Stmt,
        routine: Routine,
    ) -> Fallible<()> {
        match Tokens::new(stmt.text) {
            Some(tokens) => self.alter_routine(stmt, &tokens, routine),
            None => Ok(()),
        }
    }

    /// The argument types as the model holds them; `None` when one cannot be named.
    fn aggregate_arguments(&self, stmt: &Stmt, texts: &[String]) -> Option<Vec<SqlType>> {
        texts
            .iter()
            .map(|text| {
                let data_type = parse_type(text)?;
                self.resolve_type(stmt, &data_type).ok().map(|r| r.ty)
            })
            .collect()
    }

    fn create_aggregate(
        &mut self,
        stmt: &Stmt,
        tokens: &Tokens,
        name_at: usize,
        or_replace: bool,
    ) -> Fallible<()> {
        let Some((object_name, next)) = tokens.object_name(name_at) else {
            return Err(stmt.error_at_start("syntax error: aggregate name expected"));
        };
        let name = self.new_name(stmt, &object_name)?;
        let open_is = |index: usize| {
            matches!(
                tokens.tokens.get(index).map(|t| &t.token),
                Some(Token::LParen)
            )
        };
        if !open_is(next) {
            return Err(stmt.error_at_start("syntax error: aggregate arguments expected"));
        }
        // The modern form has two lists; the old one only the options, with BASETYPE.
        let first_list_end = tokens.parenthesised(next).last().copied().unwrap_or(next);
        let (argument_texts, options_at) = if open_is(first_list_end + 1) {
            match argument_texts(stmt, tokens, next) {
                Some(list) => {
                    let after = list.after;
                    (Some(list), after)
                }
                None => (None, first_list_end + 1),
            }
        } else {
            let base = options(stmt, tokens, next)
                .into_iter()
                .find(|(key, _)| key == "BASETYPE")
                .map(|(_, value)| value);
            let texts = match base.as_deref() {
                Some(any) if any.trim_matches('"').eq_ignore_ascii_case("any") => None,
                Some(base) => Some(ArgumentTexts {
                    texts: vec![base.to_owned()],
                    names: Vec::new(),
                    variadic: false,
                    direct: None,
                    after: next,
                }),
                None => None,
            };
            (texts, next)
        };
        let options = options(stmt, tokens, options_at);
        let option = |key: &str| {
            options
                .iter()
                .find(|(found, _)| found == key)
                .map(|(_, value)| value.as_str())
        };
        let Some(list) = argument_texts else {
            return Ok(());
        };
        let Some(arguments) = self.aggregate_arguments(stmt, &list.texts) else {
            return Ok(());
        };
        let state = option("STYPE")
            .and_then(parse_type)
            .and_then(|data_type| self.resolve_type(stmt, &data_type).ok())
            .map(|resolved| resolved.ty);
        let returns = match option("FINALFUNC") {
            Some(final_function) => self.final_function_result(final_function, state.as_ref()),
            None => state,
        };
        let existing = self
            .schema
            .functions
            .get(&name)
            .and_then(|overloads| overloads.iter().find(|f| f.arguments == arguments));
        if let Some(existing) = existing
            && or_replace
            && existing.returns.is_some()
            && returns.is_some()
            && existing.returns != returns
        {
            return Err(stmt
                .error(
                    stmt.span_of_object_name(&object_name),
                    "cannot change return type of existing function",
                )
                .with_help(super::objects::drop_first_hint(&name, existing)));
        }
        if let Some(existing) = existing
            && or_replace
        {
            super::objects::check_input_names_kept(
                stmt,
                stmt.span_of_object_name(&object_name),
                &name,
                existing,
                &list.names,
            )?;
        }
        if existing.is_some() && !or_replace {
            return Err(stmt.error(
                stmt.span_of_object_name(&object_name),
                format!(
                    "function \"{}\" already exists with same argument types",
                    name.name
                ),
            ));
        }
        let overloads = self.schema.functions.entry(name).or_default();
        overloads.retain(|function| function.arguments != arguments);
        overloads.push(Function {
            arguments,
            returns,
            returns_set: false,
            aggregate: true,
            variadic: list.variadic,
            direct_arguments: list.direct,
            defaults: 0,
            outputs: Vec::new(),
            procedure: false,
            argument_names: list.names,
        });
        Ok(())
    }

    /// What the final function `text` (a name) returns when called on the
    /// state: the overload taking the state type first, or the only one.
    fn final_function_result(&self, text: &str, state: Option<&SqlType>) -> Option<SqlType> {
        let parsed = Tokens::new(text)?;
        let (object_name, _) = parsed.object_name(0)?;
        let parts = names::object_name_parts(&object_name);
        let (schema, object) = match parts.as_slice() {
            [object] => (None, object.clone()),
            [schema, object] => (Some(schema.as_str()), object.clone()),
            _ => return None,
        };
        let name = self.lookup(schema, &object, |candidate| {
            self.schema.functions.contains_key(candidate)
        })?;
        let overloads = &self.schema.functions[&name];
        let on_state = overloads
            .iter()
            .find(|function| state.is_some() && function.arguments.first() == state)
            .or(match overloads.as_slice() {
                [only] => Some(only),
                _ => None,
            })?;
        on_state.returns.clone()
    }

    /// `name(args)` at `at`: the name in the model, if recorded, and its
    /// argument types, and the index after the list.
    fn existing_aggregate(
        &self,
        stmt: &Stmt,
        tokens: &Tokens,
        at: usize,
    ) -> Option<(ObjectName, Name, Vec<SqlType>, usize)> {
        self.existing_routine(stmt, tokens, at, Routine::Aggregate)
    }

    /// `name(args)` at `at`, or a function's or procedure's `name` alone
    /// when one of its kind has that name: the name in the model, if
    /// recorded, its input argument types, and the index after them. A
    /// procedure may be named by all its arguments, OUT ones too.
    fn existing_routine(
        &self,
        stmt: &Stmt,
        tokens: &Tokens,
        at: usize,
        routine: Routine,
    ) -> Option<(ObjectName, Name, Vec<SqlType>, usize)> {
        let (object_name, next) = tokens.object_name(at)?;
        let listed = if tokens.tokens.get(next).map(|t| &t.token) == Some(&Token::LParen) {
            let list = argument_texts(stmt, tokens, next)?;
            Some((self.aggregate_arguments(stmt, &list.texts)?, list.after))
        } else {
            None
        };
        if listed.is_none() && routine == Routine::Aggregate {
            return None;
        }
        let (schema, object) = Self::split_name(stmt, &object_name).ok()?;
        let matching = |function: &Function| {
            routine.is(function)
                && listed.as_ref().is_none_or(|(arguments, _)| {
                    &function.arguments == arguments
                        || (function.procedure && &function.call_arguments() == arguments)
                })
        };
        let name = self.lookup(schema.as_deref(), &object, |candidate| {
            self.schema
                .functions
                .get(candidate)
                .is_some_and(|overloads| overloads.iter().any(matching))
        })?;
        let mut found = self.schema.functions[&name].iter().filter(|f| matching(f));
        let function = found.next()?;
        // A name alone must leave one to alter.
        if listed.is_none() && found.next().is_some() {
            return None;
        }
        let after = listed.as_ref().map_or(next, |(_, after)| *after);
        Some((object_name, name, function.arguments.clone(), after))
    }

    /// DROP AGGREGATE [IF EXISTS] name(args) [, ..]: an aggregate the fold
    /// did not record is not an error, its signature was never known.
    fn drop_aggregate(&mut self, stmt: &Stmt, tokens: &Tokens) {
        let mut at = if tokens.keywords_at(2, &["IF", "EXISTS"]) {
            4
        } else {
            2
        };
        loop {
            let Some((_, next)) = tokens.object_name(at) else {
                return;
            };
            let after = tokens
                .parenthesised(next)
                .last()
                .map_or(next + 1, |close| close + 1);
            if let Some((_, name, arguments, _)) = self.existing_aggregate(stmt, tokens, at)
                && let Some(overloads) = self.schema.functions.get_mut(&name)
            {
                overloads.retain(|function| function.arguments != arguments);
                if overloads.is_empty() {
                    self.schema.functions.remove(&name);
                }
            }
            if tokens.tokens.get(after).map(|t| &t.token) != Some(&Token::Comma) {
                return;
            }
            at = after + 1;
        }
    }

    /// ALTER AGGREGATE|FUNCTION|PROCEDURE name(args) RENAME TO new | SET
    /// SCHEMA s; OWNER TO and the rest change nothing the model holds.
    fn alter_routine(&mut self, stmt: &Stmt, tokens: &Tokens, routine: Routine) -> Fallible<()> {
        let Some((object_name, old, arguments, next)) =
            self.existing_routine(stmt, tokens, 2, routine)
        else {
            return Ok(());
        };
        let new = if tokens.keywords_at(next, &["RENAME", "TO"]) {
            let Some((new_name, _)) = tokens.object_name(next + 2) else {
                return Ok(());
            };
            let new = names::object_name_parts(&new_name)
                .pop()
                .unwrap_or_default();
            Name::new(&old.schema, &new)
        } else if tokens.keywords_at(next, &["SET", "SCHEMA"]) {
            let Some((schema_name, _)) = tokens.object_name(next + 2) else {
                return Ok(());
            };
            let schema = names::object_name_parts(&schema_name)
                .pop()
                .unwrap_or_default();
            if !self.schema.namespaces.contains_key(&schema) {
                return Err(stmt.error(
                    stmt.span_of_object_name(&schema_name),
                    format!("schema \"{schema}\" does not exist"),
                ));
            }
            Name::new(&schema, &old.name)
        } else {
            return Ok(());
        };
        if new == old {
            return Ok(());
        }
        let clash = self
            .schema
            .functions
            .get(&new)
            .is_some_and(|overloads| overloads.iter().any(|f| f.arguments == arguments));
        if clash {
            let shown: Vec<String> = arguments.iter().map(shown_type).collect();
            return Err(stmt.error(
                stmt.span_of_object_name(&object_name),
                format!(
                    "function {}({}) already exists in schema \"{}\"",
                    new.name,
                    shown.join(", "),
                    new.schema
                ),
            ));
        }
        let mut moved = None;
        if let Some(overloads) = self.schema.functions.get_mut(&old) {
            if let Some(index) = overloads
                .iter()
                .position(|f| routine.is(f) && f.arguments == arguments)
            {
                moved = Some(overloads.remove(index));
            }
            if overloads.is_empty() {
                self.schema.functions.remove(&old);
            }
        }
        if let Some(function) = moved {
            self.schema.functions.entry(new).or_default().push(function);
        }
        Ok(())
    }
}
