//! Statements sqlparser rejects but PostgreSQL accepts, and the directive
//! comments that tell the fold what a statement does.
//!
//! Shape-changing forms the corpus holds get a small recogniser each, so
//! the fold stays exact: `ALTER SEQUENCE`, `DROP INDEX CONCURRENTLY`,
//! `ALTER INDEX IF EXISTS .. RENAME`, `CREATE INDEX .. ON ONLY`,
//! `CREATE EXTENSION .. SCHEMA s`, `CREATE SEQUENCE` with its options in any
//! order, `ALTER TRIGGER .. RENAME`. Shape-neutral forms (`REINDEX`,
//! `ANALYZE t1, t2`, `COMMENT ON FUNCTION`, `CREATE STATISTICS`,
//! `CREATE FUNCTION .. COST n`, ...) are recognised by their leading
//! keywords and skipped. `DO` blocks are read by `plpgsql.rs`; anything
//! else gets a warning that the fold assumed no change.

use migrate_core::{ConstraintKind, Name, Sequence, SqlType};
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::table::ConstraintSpec;
use super::{Fallible, Folder, Stmt, names};

/// What a directive comment before a statement says.
pub(crate) enum Directive<'a> {
    /// `-- migrate:ignore`: fold nothing, warn about nothing.
    Ignore,
    /// `-- migrate:assume <SQL>`: fold this SQL instead; each piece with its
    /// byte offset in the text searched.
    Assume(Vec<(&'a str, usize)>),
}

/// The directive in the comments between the previous statement and this one.
pub(crate) fn directive(before: &str) -> Option<Directive<'_>> {
    let mut assumed = Vec::new();
    let mut offset = 0;
    for line in before.split_inclusive('\n') {
        let line_offset = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        let Some(comment) = trimmed.strip_prefix("--") else {
            continue;
        };
        let body = comment.trim_start();
        if body.trim_end() == "migrate:ignore" {
            return Some(Directive::Ignore);
        }
        if let Some(sql) = body.strip_prefix("migrate:assume") {
            let sql = sql.trim_end();
            let start = line_offset
                + (line.len() - line.trim_start().len())
                + 2
                + (comment.len() - body.len())
                + "migrate:assume".len();
            assumed.push((sql, start));
        }
    }
    (!assumed.is_empty()).then_some(Directive::Assume(assumed))
}

/// The significant tokens of a statement (no whitespace or comments).
pub(super) struct Tokens {
    pub(super) tokens: Vec<TokenWithSpan>,
}

impl Tokens {
    pub(super) fn new(text: &str) -> Option<Self> {
        let dialect = PostgreSqlDialect {};
        let tokens = Tokenizer::new(&dialect, text)
            .tokenize_with_location()
            .ok()?;
        Some(Self {
            tokens: tokens
                .into_iter()
                .filter(|token| !matches!(token.token, Token::Whitespace(_) | Token::EOF))
                .collect(),
        })
    }

    /// The upper-cased keyword (unquoted word) at `index`.
    pub(super) fn keyword(&self, index: usize) -> Option<String> {
        match &self.tokens.get(index)?.token {
            Token::Word(word) if word.quote_style.is_none() => {
                Some(word.value.to_ascii_uppercase())
            }
            _ => None,
        }
    }

    /// Whether the token at `index` is the keyword `word` (upper case), as
    /// [`Tokens::keyword`] would say without building the upper-cased copy.
    pub(super) fn is_keyword(&self, index: usize, word: &str) -> bool {
        match self.tokens.get(index).map(|token| &token.token) {
            Some(Token::Word(found)) if found.quote_style.is_none() => {
                found.value.eq_ignore_ascii_case(word)
            }
            _ => false,
        }
    }

    /// Whether the keywords starting at `index` are `words`.
    pub(super) fn keywords_at(&self, index: usize, words: &[&str]) -> bool {
        words
            .iter()
            .enumerate()
            .all(|(offset, word)| self.is_keyword(index + offset, word))
    }

    /// Position of the first occurrence of keyword `word` at or after `from`.
    pub(super) fn find_keyword(&self, from: usize, word: &str) -> Option<usize> {
        (from..self.tokens.len()).find(|index| self.is_keyword(*index, word))
    }

    /// The indexes of the tokens from the `(` at `open` to its matching `)`.
    pub(super) fn parenthesised(&self, open: usize) -> Vec<usize> {
        let mut depth = 0;
        for index in open..self.tokens.len() {
            match self.tokens[index].token {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return (open..=index).collect();
                    }
                }
                _ => {}
            }
        }
        Vec::new()
    }

    /// A dotted name starting at `index`, and the index after it.
    pub(super) fn object_name(&self, index: usize) -> Option<(ObjectName, usize)> {
        let mut parts = Vec::new();
        let mut at = index;
        while let Some(TokenWithSpan {
            token: Token::Word(word),
            span,
        }) = self.tokens.get(at)
        {
            parts.push(ObjectNamePart::Identifier(Ident {
                value: word.value.clone(),
                quote_style: word.quote_style,
                span: *span,
            }));
            at += 1;
            if matches!(self.tokens.get(at).map(|t| &t.token), Some(Token::Period)) {
                at += 1;
            } else {
                break;
            }
        }
        (!parts.is_empty()).then_some((ObjectName(parts), at))
    }
}

/// Leading keywords of statements that change no shape.
const SHAPE_NEUTRAL: &[&[&str]] = &[
    &["REINDEX"],
    &["ANALYZE"],
    &["ANALYSE"],
    &["VACUUM"],
    &["CLUSTER"],
    &["CHECKPOINT"],
    &["GRANT"],
    &["REVOKE"],
    &["COMMENT", "ON"],
    &["SECURITY", "LABEL"],
    &["CREATE", "STATISTICS"],
    &["ALTER", "STATISTICS"],
    &["DROP", "STATISTICS"],
    &["CREATE", "FUNCTION"],
    &["CREATE", "OR", "REPLACE", "FUNCTION"],
    &["CREATE", "PROCEDURE"],
    &["CREATE", "OR", "REPLACE", "PROCEDURE"],
    &["ALTER", "FUNCTION"],
    &["ALTER", "PROCEDURE"],
    &["DROP", "FUNCTION"],
    &["DROP", "PROCEDURE"],
    &["CREATE", "POLICY"],
    &["ALTER", "POLICY"],
    &["DROP", "POLICY"],
    &["CREATE", "PUBLICATION"],
    &["ALTER", "PUBLICATION"],
    &["DROP", "PUBLICATION"],
    &["CREATE", "SUBSCRIPTION"],
    &["ALTER", "DEFAULT", "PRIVILEGES"],
    &["CREATE", "RULE"],
    &["CREATE", "OR", "REPLACE", "RULE"],
    &["DROP", "RULE"],
    &["CREATE", "OPERATOR"],
    &["DROP", "OPERATOR"],
    &["CREATE", "CAST"],
    &["DROP", "CAST"],
    &["CREATE", "TEXT", "SEARCH"],
    &["ALTER", "TEXT", "SEARCH"],
    &["CREATE", "COLLATION"],
    &["CREATE", "ROLE"],
    &["ALTER", "ROLE"],
    &["DROP", "ROLE"],
    &["CREATE", "USER"],
    &["ALTER", "USER"],
    &["ALTER", "DATABASE"],
    &["ALTER", "SYSTEM"],
    &["ALTER", "EXTENSION"],
    &["ALTER", "LARGE", "OBJECT"],
    &["REFRESH", "MATERIALIZED", "VIEW"],
    &["SET"],
    &["RESET"],
    &["SELECT"],
    &["INSERT"],
    &["UPDATE"],
    &["DELETE"],
    &["COPY"],
    &["TRUNCATE"],
    &["LOCK"],
    &["NOTIFY"],
    &["LISTEN"],
    &["BEGIN"],
    &["START", "TRANSACTION"],
    &["COMMIT"],
    &["END"],
    &["ROLLBACK"],
    &["SAVEPOINT"],
    &["RELEASE"],
    &["DISCARD"],
    &["CALL"],
    &["WITH"],
    &["PREPARE"],
    &["EXECUTE"],
    &["DEALLOCATE"],
    &["EXPLAIN"],
    &["CREATE", "TRIGGER"],
    &["CREATE", "OR", "REPLACE", "TRIGGER"],
    &["CREATE", "CONSTRAINT", "TRIGGER"],
    &["DROP", "TRIGGER"],
    &["CREATE", "EVENT", "TRIGGER"],
    &["ALTER", "EVENT", "TRIGGER"],
];

impl Folder {
    /// A statement sqlparser rejected.
    /// Its error is put in words only if the warning needs it: most such
    /// statements are recognised, and the wording costs more than the test.
    pub(crate) fn unparsed(
        &mut self,
        stmt: &Stmt,
        parse_error: &sqlparser::parser::ParserError,
    ) -> Fallible<()> {
        // PostgreSQL's parser took the statement (see `syntax`): what sqlparser
        // cannot even tokenise is still valid SQL the fold cannot read.
        let Some(tokens) = Tokens::new(stmt.text) else {
            self.diagnostics.push(
                stmt.warning_at_start(format!(
                    "the fold cannot read this statement ({parse_error}) and assumed it changes no table, column or type"
                ))
                .with_help(
                    "state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`",
                ),
            );
            return Ok(());
        };
        if let Some(actions) = alter_table_actions(&tokens)
            && actions.len() > 1
        {
            self.actions_one_by_one(stmt, &tokens, &actions);
            return Ok(());
        }
        if let Some(handled) = self.aggregate_unparsed(stmt, &tokens)? {
            return Ok(handled);
        }
        if let Some(handled) = self.recognise(stmt, &tokens)? {
            return Ok(handled);
        }
        if tokens.keywords_at(0, &["DO"]) && self.do_block(stmt, &tokens) {
            return Ok(());
        }
        if SHAPE_NEUTRAL
            .iter()
            .any(|words| tokens.keywords_at(0, words))
        {
            return Ok(());
        }
        let words: Vec<String> = (0..2).filter_map(|index| tokens.keyword(index)).collect();
        self.diagnostics.push(
            stmt.warning_at_start(format!(
                "the fold cannot read this {} statement and assumed it changes no table, column or type",
                words.join(" ")
            ))
            .with_help(
                "state what it changes with a `-- migrate:assume <SQL>;` comment line right before it, or silence this warning with `-- migrate:ignore`",
            ),
        );
        Ok(())
    }

    /// The shape-changing forms sqlparser rejects; `Some(())` when handled.
    fn recognise(&mut self, stmt: &Stmt, tokens: &Tokens) -> Fallible<Option<()>> {
        // GENERATED .. AS IDENTITY (START WITH 1 ..): the sequence options
        // change no shape and sqlparser rejects them in CREATE/ALTER TABLE.
        let identity_lists: Vec<Vec<usize>> = (0..tokens.tokens.len())
            .filter(|index| {
                tokens.keywords_at(*index, &["IDENTITY"])
                    && matches!(
                        tokens.tokens.get(index + 1).map(|t| &t.token),
                        Some(Token::LParen)
                    )
            })
            .map(|index| tokens.parenthesised(index + 1))
            .filter(|list| list.len() >= 2)
            .collect();
        // sqlparser takes the options in one order only: put them in it.
        if !identity_lists.is_empty()
            && let Some(reordered) = self.reorder_identity_options(stmt, tokens, &identity_lists)
            && let Ok(mut parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &reordered)
        {
            let reparsed = Stmt::new(&reordered, stmt.base);
            for statement in &mut parsed {
                self.apply_statement(&reparsed, statement)?;
            }
            return Ok(Some(()));
        }
        let identity_options: Vec<usize> = identity_lists.concat();
        if !identity_options.is_empty() {
            let blanked = self.blanked(stmt, tokens, &identity_options);
            if Parser::parse_sql(&PostgreSqlDialect {}, &blanked).is_ok() {
                return self
                    .reparse_without_tokens(stmt, tokens, &identity_options)
                    .map(Some);
            }
        }
        // CREATE TABLE t (LIKE s INCLUDING ALL): sqlparser knows only
        // INCLUDING/EXCLUDING DEFAULTS.
        if tokens.keywords_at(0, &["CREATE", "TABLE"]) && tokens.find_keyword(2, "LIKE").is_some() {
            let mut options = Vec::new();
            let mut with_defaults = false;
            let mut with_constraints = false;
            let mut with_indexes = false;
            let mut index = 0;
            while index < tokens.tokens.len() {
                let including = tokens.keywords_at(index, &["INCLUDING"]);
                if including || tokens.keywords_at(index, &["EXCLUDING"]) {
                    let option = tokens.keyword(index + 1).unwrap_or_default();
                    if matches!(option.as_str(), "ALL" | "DEFAULTS") {
                        with_defaults = including;
                    }
                    if matches!(option.as_str(), "ALL" | "CONSTRAINTS") {
                        with_constraints = including;
                    }
                    if matches!(option.as_str(), "ALL" | "INDEXES") {
                        with_indexes = including;
                    }
                    options.extend([index, index + 1]);
                    index += 2;
                } else {
                    index += 1;
                }
            }
            let blanked = self.blanked(stmt, tokens, &options);
            if let Ok(parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &blanked)
                && let [Statement::CreateTable(create)] = parsed.as_slice()
            {
                let reparsed = Stmt::new(&blanked, stmt.base);
                self.create_table(&reparsed, create)?;
                if (with_constraints || with_indexes)
                    && let Some(
                        sqlparser::ast::CreateTableLikeKind::Parenthesized(like)
                        | sqlparser::ast::CreateTableLikeKind::Plain(like),
                    ) = &create.like
                {
                    let source = self.existing_relation(&reparsed, &like.name)?;
                    let target = self.existing_relation(&reparsed, &create.name)?;
                    let span = reparsed.span_of_object_name(&like.name);
                    // INCLUDING CONSTRAINTS copies checks under their own
                    // names; INCLUDING INDEXES re-creates primary key, unique
                    // and exclusion constraints named for the new table.
                    // Foreign keys are never copied.
                    let specs = self.schema.relations[&source]
                        .constraints
                        .iter()
                        .filter_map(|constraint| match &constraint.kind {
                            ConstraintKind::Check { .. } if with_constraints => {
                                Some(ConstraintSpec::new(
                                    Some(constraint.name.clone()),
                                    constraint.kind.clone(),
                                    span.clone(),
                                ))
                            }
                            ConstraintKind::PrimaryKey { .. }
                            | ConstraintKind::Unique { .. }
                            | ConstraintKind::Exclusion { .. }
                                if with_indexes =>
                            {
                                Some(ConstraintSpec::new(
                                    None,
                                    constraint.kind.clone(),
                                    span.clone(),
                                ))
                            }
                            _ => None,
                        })
                        .collect();
                    self.add_constraints(&reparsed, &target, specs)?;
                }
                if with_defaults
                    && let Some(
                        sqlparser::ast::CreateTableLikeKind::Parenthesized(like)
                        | sqlparser::ast::CreateTableLikeKind::Plain(like),
                    ) = &create.like
                {
                    let source = self.existing_relation(&reparsed, &like.name)?;
                    let target = self.existing_relation(&reparsed, &create.name)?;
                    let defaults: Vec<(String, Option<String>)> = self.schema.relations[&source]
                        .columns
                        .iter()
                        .map(|column| (column.name.clone(), column.default.clone()))
                        .collect();
                    let relation = self.relation_mut(&target);
                    for (name, default) in defaults {
                        if let Some(column) = relation.column_mut(&name) {
                            column.default = default;
                        }
                    }
                }
                return Ok(Some(()));
            }
        }
        // CREATE [UNIQUE] INDEX ... ON ONLY t: the index on the parent alone.
        if tokens.keywords_at(0, &["CREATE"]) {
            let index_at = if tokens.keywords_at(1, &["UNIQUE", "INDEX"]) {
                2
            } else {
                1
            };
            if tokens.keywords_at(index_at, &["INDEX"])
                && let Some(on) = tokens.find_keyword(index_at, "ON")
                && tokens.keywords_at(on + 1, &["ONLY"])
            {
                return self.reparse_without(stmt, tokens, on + 1).map(Some);
            }
        }
        // CREATE DOMAIN d AS t NOT NULL ...: sqlparser has no NOT NULL for domains.
        if tokens.keywords_at(0, &["CREATE", "DOMAIN"]) {
            let mut blanked = stmt.text.to_owned();
            let mut not_null = false;
            for index in 2..tokens.tokens.len() {
                let null_here = tokens.keywords_at(index, &["NULL"]);
                let after_not = index > 0 && tokens.keywords_at(index - 1, &["NOT"]);
                let before_null = tokens.keywords_at(index, &["NOT", "NULL"]);
                if null_here || before_null {
                    if null_here && after_not {
                        not_null = true;
                    }
                    if let Some(range) = self.token_range(stmt, tokens, index) {
                        blanked.replace_range(range.clone(), &" ".repeat(range.len()));
                    }
                }
            }
            let reparsed = Stmt::new(&blanked, stmt.base);
            let Ok(parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &blanked) else {
                return Ok(None);
            };
            let [Statement::CreateDomain(create)] = parsed.as_slice() else {
                return Ok(None);
            };
            self.create_domain(&reparsed, create)?;
            if not_null {
                let name = self.new_name(stmt, &create.name)?;
                if let Some(migrate_core::UserType {
                    kind: migrate_core::UserTypeKind::Domain { not_null, .. },
                    ..
                }) = self.schema.types.get_mut(&name)
                {
                    *not_null = true;
                }
            }
            return Ok(Some(()));
        }
        // DROP INDEX CONCURRENTLY [IF EXISTS] a, b [CASCADE]
        if tokens.keywords_at(0, &["DROP", "INDEX"]) {
            let mut at = 2;
            if tokens.keywords_at(at, &["CONCURRENTLY"]) {
                at += 1;
            }
            let if_exists = tokens.keywords_at(at, &["IF", "EXISTS"]);
            if if_exists {
                at += 2;
            }
            while let Some((name, next)) = tokens.object_name(at) {
                if matches!(tokens.keyword(at).as_deref(), Some("CASCADE" | "RESTRICT")) {
                    break;
                }
                let (schema, object) = Self::split_name(stmt, &name)?;
                let found = self.lookup(schema.as_deref(), &object, |c| {
                    self.schema.indexes.contains_key(c)
                });
                self.drop_index(stmt, &name, found, &object, if_exists)?;
                at = next;
                if matches!(tokens.tokens.get(at).map(|t| &t.token), Some(Token::Comma)) {
                    at += 1;
                } else {
                    break;
                }
            }
            return Ok(Some(()));
        }
        // ALTER INDEX [IF EXISTS] a RENAME TO b; other ALTER INDEX forms change no shape.
        if tokens.keywords_at(0, &["ALTER", "INDEX"]) {
            let mut at = 2;
            let if_exists = tokens.keywords_at(at, &["IF", "EXISTS"]);
            if if_exists {
                at += 2;
            }
            if let Some((name, next)) = tokens.object_name(at)
                && tokens.keywords_at(next, &["RENAME", "TO"])
                && let Some((new, _)) = tokens.object_name(next + 2)
            {
                self.rename_index(stmt, &name, &new, if_exists)?;
            }
            return Ok(Some(()));
        }
        // CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]
        if tokens.keywords_at(0, &["CREATE", "EXTENSION"]) {
            let mut at = 2;
            let if_not_exists = tokens.keywords_at(at, &["IF", "NOT", "EXISTS"]);
            if if_not_exists {
                at += 3;
            }
            let Some((name, _)) = tokens.object_name(at) else {
                return Ok(None);
            };
            let extension = names::object_name_parts(&name).join(".");
            let schema = match tokens
                .find_keyword(at, "SCHEMA")
                .and_then(|s| tokens.object_name(s + 1))
            {
                Some((schema, _)) => names::object_name_parts(&schema).join("."),
                None => self.creation_schema(stmt, stmt.start())?,
            };
            let cascade = tokens.find_keyword(at, "CASCADE").is_some();
            self.add_extension(stmt, &extension, if_not_exists, cascade, schema, None)?;
            return Ok(Some(()));
        }
        // CREATE SEQUENCE [IF NOT EXISTS] name [options in any order]
        if tokens.keywords_at(0, &["CREATE", "SEQUENCE"]) {
            let mut at = 2;
            let if_not_exists = tokens.keywords_at(at, &["IF", "NOT", "EXISTS"]);
            if if_not_exists {
                at += 3;
            }
            let Some((name, _)) = tokens.object_name(at) else {
                return Ok(None);
            };
            let sequence_name = self.new_name(stmt, &name)?;
            if self.class_name_taken(&sequence_name.schema, &sequence_name.name) {
                if if_not_exists {
                    return Ok(Some(()));
                }
                return Err(stmt.error(
                    stmt.span_of_object_name(&name),
                    format!("relation \"{}\" already exists", sequence_name.name),
                ));
            }
            let data_type = match tokens
                .find_keyword(at, "AS")
                .and_then(|a| tokens.keyword(a + 1))
            {
                Some(word) => match word.as_str() {
                    "SMALLINT" | "INT2" => SqlType::builtin("int2"),
                    "INTEGER" | "INT" | "INT4" => SqlType::builtin("int4"),
                    _ => SqlType::builtin("int8"),
                },
                None => SqlType::builtin("int8"),
            };
            let owned_by = match tokens.find_keyword(at, "OWNED") {
                Some(owned) if tokens.keywords_at(owned + 1, &["BY"]) => {
                    match tokens.object_name(owned + 2) {
                        Some((owner, _)) => self.sequence_owner(stmt, &owner)?,
                        None => None,
                    }
                }
                _ => None,
            };
            self.schema.sequences.insert(
                sequence_name,
                Sequence {
                    data_type,
                    owned_by,
                    start: None,
                    increment: None,
                },
            );
            return Ok(Some(()));
        }
        // ALTER SEQUENCE [IF EXISTS] name { OWNED BY t.c | RENAME TO n | AS type | options }
        if tokens.keywords_at(0, &["ALTER", "SEQUENCE"]) {
            let mut at = 2;
            let if_exists = tokens.keywords_at(at, &["IF", "EXISTS"]);
            if if_exists {
                at += 2;
            }
            let Some((name, next)) = tokens.object_name(at) else {
                return Ok(None);
            };
            let (schema, object) = Self::split_name(stmt, &name)?;
            let Some(sequence_name) = self.lookup(schema.as_deref(), &object, |c| {
                self.schema.sequences.contains_key(c)
            }) else {
                if if_exists {
                    return Ok(Some(()));
                }
                return Err(stmt.error(
                    stmt.span_of_object_name(&name),
                    format!("relation \"{object}\" does not exist"),
                ));
            };
            if tokens.keywords_at(next, &["RENAME", "TO"]) {
                if let Some((new, _)) = tokens.object_name(next + 2) {
                    let new_object = names::object_name_parts(&new).pop().unwrap_or_default();
                    if self.class_name_taken(&sequence_name.schema, &new_object) {
                        return Err(stmt.error(
                            stmt.span_of_object_name(&new),
                            format!("relation \"{new_object}\" already exists"),
                        ));
                    }
                    let sequence = self
                        .schema
                        .sequences
                        .remove(&sequence_name)
                        .expect("found above");
                    let new_name = Name::new(&sequence_name.schema, &new_object);
                    self.schema.sequences.insert(new_name.clone(), sequence);
                    self.renamed_sequence(&sequence_name, &new_name);
                }
                return Ok(Some(()));
            }
            if let Some(owned) = tokens.find_keyword(next, "OWNED")
                && tokens.keywords_at(owned + 1, &["BY"])
                && let Some((owner, _)) = tokens.object_name(owned + 2)
            {
                let owner = self.sequence_owner(stmt, &owner)?;
                if let Some(sequence) = self.schema.sequences.get_mut(&sequence_name) {
                    sequence.owned_by = owner;
                }
            }
            if let Some(as_at) = tokens.find_keyword(next, "AS") {
                let data_type = match tokens.keyword(as_at + 1).as_deref() {
                    Some("SMALLINT" | "INT2") => Some(SqlType::builtin("int2")),
                    Some("INTEGER" | "INT" | "INT4") => Some(SqlType::builtin("int4")),
                    Some("BIGINT" | "INT8") => Some(SqlType::builtin("int8")),
                    _ => None,
                };
                if let (Some(data_type), Some(sequence)) =
                    (data_type, self.schema.sequences.get_mut(&sequence_name))
                {
                    sequence.data_type = data_type;
                }
            }
            return Ok(Some(()));
        }
        // ALTER TRIGGER name ON table RENAME TO new
        if tokens.keywords_at(0, &["ALTER", "TRIGGER"]) {
            if let (Some((trigger, next)), Some(rename)) =
                (tokens.object_name(2), tokens.find_keyword(2, "RENAME"))
                && tokens.keywords_at(next, &["ON"])
                && let (Some((table_name, _)), Some((new, _))) =
                    (tokens.object_name(next + 1), tokens.object_name(rename + 2))
            {
                let table = self.existing_relation(stmt, &table_name)?;
                let old = names::object_name_parts(&trigger).pop().unwrap_or_default();
                let new = names::object_name_parts(&new).pop().unwrap_or_default();
                let relation = self.relation_mut(&table);
                match relation.triggers.iter_mut().find(|t| t.name == old) {
                    Some(found) => found.name = new,
                    None => {
                        return Err(stmt.error(
                            stmt.span_of_object_name(&trigger),
                            format!(
                                "trigger \"{old}\" for table \"{}\" does not exist",
                                table.name
                            ),
                        ));
                    }
                }
            }
            return Ok(Some(()));
        }
        if tokens.keywords_at(0, &["ALTER", "TABLE"]) {
            return self.alter_table_unparsed(stmt, tokens);
        }
        if tokens.keywords_at(0, &["ALTER", "VIEW"])
            || tokens.keywords_at(0, &["ALTER", "MATERIALIZED", "VIEW"])
        {
            return self.alter_view_unparsed(stmt, tokens);
        }
        if tokens.keywords_at(0, &["ALTER", "TYPE"]) {
            return self.alter_type_unparsed(stmt, tokens);
        }
        if tokens.keywords_at(0, &["ALTER", "DOMAIN"]) {
            return self.alter_domain_unparsed(stmt, tokens);
        }
        // CREATE FUNCTION ... COST n: record the signature without COST.
        if (tokens.keywords_at(0, &["CREATE", "FUNCTION"])
            || tokens.keywords_at(0, &["CREATE", "OR", "REPLACE", "FUNCTION"]))
            && let Some(cost) = tokens.find_keyword(2, "COST")
        {
            let mut blanked = stmt.text.to_owned();
            for index in [cost, cost + 1] {
                if let Some(range) = self.token_range(stmt, tokens, index) {
                    blanked.replace_range(range.clone(), &" ".repeat(range.len()));
                }
            }
            if let Ok(parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &blanked)
                && let [Statement::CreateFunction(create)] = parsed.as_slice()
            {
                let _ = self.create_function(stmt, create, false);
            }
            return Ok(Some(()));
        }
        Ok(None)
    }

    /// Parses the statement again with the token at `index` blanked out
    /// (offsets stay the same, so diagnostics still point right).
    fn reparse_without(&mut self, stmt: &Stmt, tokens: &Tokens, index: usize) -> Fallible<()> {
        self.reparse_without_tokens(stmt, tokens, &[index])
    }

    /// The statement with the tokens at `indexes` blanked out (offsets and
    /// lines stay where they were, so diagnostics still point right).
    fn blanked(&self, stmt: &Stmt, tokens: &Tokens, indexes: &[usize]) -> String {
        let mut blanked = stmt.text.to_owned();
        for index in indexes {
            // A space per byte, so that the text keeps its length and the
            // next token's offsets still fall where they did.
            if let Some(range) = self.token_range(stmt, tokens, *index)
                && let Some(token) = blanked.get(range.clone())
            {
                let spaces: String = token
                    .chars()
                    .flat_map(|c| {
                        let (blank, n) = if c == '\n' {
                            ('\n', 1)
                        } else {
                            (' ', c.len_utf8())
                        };
                        std::iter::repeat_n(blank, n)
                    })
                    .collect();
                blanked.replace_range(range, &spaces);
            }
        }
        blanked
    }

    /// The statement with each identity option list (token indexes, with
    /// its parentheses) in the one order sqlparser 0.63 reads: INCREMENT,
    /// MINVALUE, MAXVALUE, START, CACHE, CYCLE. PostgreSQL takes any order.
    /// The text keeps its length, so spans into it still hold. `None` when a
    /// list holds something else (the caller then drops the options).
    fn reorder_identity_options(
        &self,
        stmt: &Stmt,
        tokens: &Tokens,
        lists: &[Vec<usize>],
    ) -> Option<String> {
        let mut text = stmt.text.to_owned();
        for list in lists {
            let inner: Vec<usize> = list[1..list.len() - 1]
                .iter()
                .copied()
                .filter(|index| !matches!(tokens.tokens[*index].token, Token::Whitespace(_)))
                .collect();
            let (first, last) = (*inner.first()?, *inner.last()?);
            // Each option: its rank in sqlparser's order and its text.
            let mut options: Vec<(Option<u8>, std::ops::Range<usize>)> = Vec::new();
            for index in inner {
                let range = self.token_range(stmt, tokens, index)?;
                let rank = match tokens.keyword(index).as_deref() {
                    Some("INCREMENT") => Some(0),
                    Some("MINVALUE") => Some(1),
                    Some("MAXVALUE") => Some(2),
                    Some("START") => Some(3),
                    Some("CACHE") => Some(4),
                    Some("CYCLE") => Some(5),
                    Some("NO") => {
                        options.push((None, range));
                        continue;
                    }
                    _ => None,
                };
                match (rank, options.last_mut()) {
                    // NO MINVALUE, NO MAXVALUE, NO CYCLE
                    (Some(rank), Some((pending @ None, option))) => {
                        *pending = Some(rank);
                        option.end = range.end;
                    }
                    (Some(rank), _) => options.push((Some(rank), range)),
                    (None, Some((_, option))) => option.end = range.end,
                    (None, None) => return None,
                }
            }
            if options.iter().any(|(rank, _)| rank.is_none()) {
                return None;
            }
            options.sort_by_key(|(rank, _)| *rank);
            let region = self.token_range(stmt, tokens, first)?.start
                ..self.token_range(stmt, tokens, last)?.end;
            let mut replacement = options
                .iter()
                .map(|(_, option)| stmt.text[option.clone()].replace('\n', " "))
                .collect::<Vec<_>>()
                .join(" ");
            if replacement.len() > region.len() {
                return None;
            }
            replacement.push_str(&" ".repeat(region.len() - replacement.len()));
            text.replace_range(region, &replacement);
        }
        Some(text)
    }

    fn reparse_without_tokens(
        &mut self,
        stmt: &Stmt,
        tokens: &Tokens,
        indexes: &[usize],
    ) -> Fallible<()> {
        let blanked = self.blanked(stmt, tokens, indexes);
        let reparsed = Stmt::new(&blanked, stmt.base);
        match Parser::parse_sql(&PostgreSqlDialect {}, &blanked) {
            Ok(mut parsed) => {
                for statement in &mut parsed {
                    self.apply_statement(&reparsed, statement)?;
                }
                Ok(())
            }
            Err(error) => {
                self.diagnostics.push(stmt.warning_at_start(format!(
                    "the fold cannot read this statement and assumed it changes nothing ({error})"
                )));
                Ok(())
            }
        }
    }

    /// Byte range in the statement text of token `index`.
    fn token_range(
        &self,
        stmt: &Stmt,
        tokens: &Tokens,
        index: usize,
    ) -> Option<std::ops::Range<usize>> {
        let token = tokens.tokens.get(index)?;
        let range = stmt.span(token.span);
        Some(range.start - stmt.base..range.end - stmt.base)
    }

    /// After a sequence rename, `nextval('old'::regclass)` defaults print the new name.
    fn renamed_sequence(&mut self, old: &Name, new: &Name) {
        let old_default = format!("nextval('{}'::regclass)", super::table::regclass_text(old));
        let new_default = format!("nextval('{}'::regclass)", super::table::regclass_text(new));
        for relation in self.schema.relations.values_mut() {
            for column in &mut relation.columns {
                if column.default.as_deref() == Some(old_default.as_str()) {
                    column.default = Some(new_default.clone());
                }
            }
        }
    }
}

/// The token ranges of the actions of `ALTER TABLE [IF EXISTS] [ONLY] name
/// [*] action, action ..`, split at the commas outside parentheses and
/// brackets; `None` for another statement.
fn alter_table_actions(tokens: &Tokens) -> Option<Vec<std::ops::Range<usize>>> {
    if !tokens.keywords_at(0, &["ALTER", "TABLE"]) {
        return None;
    }
    let mut at = 2;
    if tokens.keywords_at(at, &["IF", "EXISTS"]) {
        at += 2;
    }
    if tokens.keywords_at(at, &["ONLY"]) {
        at += 1;
    }
    let (_, mut first) = tokens.object_name(at)?;
    if matches!(tokens.tokens.get(first).map(|t| &t.token), Some(Token::Mul)) {
        first += 1;
    }
    let mut start = first;
    let mut end = tokens.tokens.len();
    if matches!(
        tokens.tokens.last().map(|t| &t.token),
        Some(Token::SemiColon)
    ) {
        end -= 1;
    }
    let mut actions = Vec::new();
    let mut depth = 0i32;
    for index in first..end {
        match tokens.tokens[index].token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => {
                actions.push(start..index);
                start = index + 1;
            }
            _ => {}
        }
    }
    actions.push(start..end);
    Some(actions)
}

/// The pass of PostgreSQL's ALTER TABLE an action (by its keywords) runs
/// in, as `alter::operation_pass` gives it for the actions sqlparser reads.
fn action_pass(tokens: &Tokens, action: &std::ops::Range<usize>) -> u8 {
    use super::alter::{
        PASS_ADD_COLUMN, PASS_ADD_CONSTRAINT, PASS_ALTER_TYPE, PASS_COLUMN_ATTRIBUTES,
        PASS_DEFAULTS, PASS_DROP, PASS_MISC,
    };
    let at = action.start;
    if tokens.keywords_at(at, &["DROP"]) {
        return PASS_DROP;
    }
    if tokens.keywords_at(at, &["ADD"]) {
        return match tokens.keyword(at + 1).as_deref() {
            Some("CONSTRAINT" | "PRIMARY" | "UNIQUE" | "CHECK" | "FOREIGN" | "EXCLUDE") => {
                PASS_ADD_CONSTRAINT
            }
            _ => PASS_ADD_COLUMN,
        };
    }
    if !tokens.keywords_at(at, &["ALTER"]) || tokens.keywords_at(at + 1, &["CONSTRAINT"]) {
        return PASS_MISC;
    }
    let column = if tokens.keywords_at(at + 1, &["COLUMN"]) {
        at + 2
    } else {
        at + 1
    };
    let operation = column + 1;
    if tokens.keywords_at(operation, &["DROP"]) {
        PASS_DROP
    } else if tokens.keywords_at(operation, &["TYPE"])
        || tokens.keywords_at(operation, &["SET", "DATA", "TYPE"])
    {
        PASS_ALTER_TYPE
    } else if tokens.keywords_at(operation, &["SET", "NOT", "NULL"]) {
        PASS_COLUMN_ATTRIBUTES
    } else if tokens.keywords_at(operation, &["SET", "DEFAULT"])
        || tokens.keywords_at(operation, &["ADD", "GENERATED"])
    {
        PASS_DEFAULTS
    } else {
        PASS_MISC
    }
}

impl Folder {
    /// An ALTER TABLE with several actions that sqlparser rejects (one of
    /// them is a form it does not read): each action is folded as an
    /// ALTER TABLE of its own, in PostgreSQL's order of passes, so that the
    /// ones the fold knows are folded and each other one is reported alone.
    /// Offsets stay those of the file (the other actions are blanked).
    fn actions_one_by_one(
        &mut self,
        stmt: &Stmt,
        tokens: &Tokens,
        actions: &[std::ops::Range<usize>],
    ) {
        let all: Vec<usize> = (actions[0].start..actions[actions.len() - 1].end).collect();
        let mut ordered: Vec<&std::ops::Range<usize>> = actions.iter().collect();
        ordered.sort_by_key(|action| action_pass(tokens, action));
        for action in ordered {
            let others: Vec<usize> = all
                .iter()
                .copied()
                .filter(|index| !action.contains(index))
                .collect();
            let alone = self.blanked(stmt, tokens, &others);
            let before = self.diagnostics.len();
            self.statement(&Stmt::new(&alone, stmt.base));
            // A warning about the whole statement points at its first
            // word: say which action it is about.
            let shown = self
                .token_range(stmt, tokens, action.start)
                .zip(self.token_range(stmt, tokens, action.end.saturating_sub(1)))
                .map(|(first, last)| stmt.base + first.start..stmt.base + last.end);
            for diagnostic in &mut self.diagnostics[before..] {
                if !diagnostic.is_error()
                    && diagnostic.span == stmt.start()
                    && let Some(span) = shown.clone()
                {
                    diagnostic.span = span;
                    diagnostic.message = diagnostic
                        .message
                        .replace("this ALTER TABLE statement", "this ALTER TABLE action")
                        .replace("this statement", "this action");
                }
            }
        }
    }

    /// ALTER TABLE forms sqlparser rejects; each recognised one is a
    /// single action.
    fn alter_table_unparsed(&mut self, stmt: &Stmt, tokens: &Tokens) -> Fallible<Option<()>> {
        let mut at = 2;
        let if_exists = tokens.keywords_at(at, &["IF", "EXISTS"]);
        if if_exists {
            at += 2;
        }
        if tokens.keywords_at(at, &["ONLY"]) {
            at += 1;
        }
        let Some((name, next)) = tokens.object_name(at) else {
            return Ok(None);
        };
        let (schema, object) = Self::split_name(stmt, &name)?;
        let Some(table) = self.find_relation(schema.as_deref(), &object) else {
            if if_exists {
                return Ok(Some(()));
            }
            return Err(self.missing_relation(stmt, &name, &object));
        };
        // Actions that change no shape: storage, clustering, ownership.
        let neutral: [&[&str]; 8] = [
            &["CLUSTER", "ON"],
            &["SET", "WITHOUT", "CLUSTER"],
            &["SET", "WITHOUT", "OIDS"],
            &["SET", "TABLESPACE"],
            &["SET", "ACCESS", "METHOD"],
            &["RESET"],
            &["REPLICA", "IDENTITY"],
            &["OWNER", "TO"],
        ];
        let sets_options = tokens.keywords_at(next, &["SET"])
            && matches!(
                tokens.tokens.get(next + 1).map(|t| &t.token),
                Some(Token::LParen)
            );
        if sets_options || neutral.iter().any(|words| tokens.keywords_at(next, words)) {
            return Ok(Some(()));
        }
        // ATTACH / DETACH PARTITION child
        if tokens.keywords_at(next, &["ATTACH", "PARTITION"])
            || tokens.keywords_at(next, &["DETACH", "PARTITION"])
        {
            let attach = tokens.keywords_at(next, &["ATTACH"]);
            let Some((child_name, _)) = tokens.object_name(next + 2) else {
                return Ok(None);
            };
            let child = self.existing_relation(stmt, &child_name)?;
            self.relation_mut(&child).parent = attach.then(|| table.clone());
            return Ok(Some(()));
        }
        // SET SCHEMA s
        if tokens.keywords_at(next, &["SET", "SCHEMA"]) {
            let Some((schema_name, _)) = tokens.object_name(next + 2) else {
                return Ok(None);
            };
            let new_schema = names::object_name_parts(&schema_name).join(".");
            if !self.schema.namespaces.contains_key(&new_schema) {
                return Err(stmt.error(
                    stmt.span_of_object_name(&schema_name),
                    format!("schema \"{new_schema}\" does not exist"),
                ));
            }
            self.move_relation(&table, &new_schema);
            return Ok(Some(()));
        }
        // ALTER CONSTRAINT c [NOT] DEFERRABLE [INITIALLY DEFERRED | IMMEDIATE]
        if tokens.keywords_at(next, &["ALTER", "CONSTRAINT"]) {
            let Some((constraint_name, after)) = tokens.object_name(next + 2) else {
                return Ok(None);
            };
            let constraint = names::object_name_parts(&constraint_name)
                .pop()
                .unwrap_or_default();
            let count = tokens.tokens.len();
            let not_deferrable =
                (after..count).any(|i| tokens.keywords_at(i, &["NOT", "DEFERRABLE"]));
            let deferrable = !not_deferrable && tokens.find_keyword(after, "DEFERRABLE").is_some();
            let initially_deferred =
                (after..count).any(|i| tokens.keywords_at(i, &["INITIALLY", "DEFERRED"]));
            let relation = self.relation_mut(&table);
            let Some(found) = relation
                .constraints
                .iter_mut()
                .find(|c| c.name == constraint)
            else {
                return Err(stmt.error(
                    stmt.span_of_object_name(&constraint_name),
                    format!(
                        "constraint \"{constraint}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                ));
            };
            found.deferrable = deferrable;
            found.initially_deferred = initially_deferred;
            return Ok(Some(()));
        }
        // ALTER [COLUMN] c <action>
        if tokens.keywords_at(next, &["ALTER"]) {
            let column_at = if tokens.keywords_at(next + 1, &["COLUMN"]) {
                next + 2
            } else {
                next + 1
            };
            let Some((column_name, action)) = tokens.object_name(column_at) else {
                return Ok(None);
            };
            let Some(ObjectNamePart::Identifier(column_ident)) = column_name.0.last() else {
                return Ok(None);
            };
            let column = names::ident(column_ident);
            if self.schema.relations[&table].column(&column).is_none() {
                return Err(self.missing_column(stmt, &table, column_ident));
            }
            if tokens.keywords_at(action, &["DROP", "IDENTITY"]) {
                let if_exists = tokens.keywords_at(action + 2, &["IF", "EXISTS"]);
                let relation = self.relation_mut(&table);
                let Some(column_mut) = relation.column_mut(&column) else {
                    return Ok(None);
                };
                if column_mut.identity.take().is_none() && !if_exists {
                    return Err(stmt.error(
                        stmt.span_of_ident(column_ident),
                        format!(
                            "column \"{column}\" of relation \"{}\" is not an identity column",
                            table.name
                        ),
                    ));
                }
                let owner = Some((table.clone(), column.clone()));
                self.schema
                    .sequences
                    .retain(|_, sequence| sequence.owned_by != owner);
                return Ok(Some(()));
            }
            if tokens.keywords_at(action, &["SET", "GENERATED"]) {
                let always = tokens.keywords_at(action + 2, &["ALWAYS"]);
                let relation = self.relation_mut(&table);
                let Some(column_mut) = relation.column_mut(&column) else {
                    return Ok(None);
                };
                if column_mut.identity.is_none() {
                    return Err(stmt.error(
                        stmt.span_of_ident(column_ident),
                        format!(
                            "column \"{column}\" of relation \"{}\" is not an identity column",
                            table.name
                        ),
                    ));
                }
                column_mut.identity = Some(if always {
                    migrate_core::Identity::Always
                } else {
                    migrate_core::Identity::ByDefault
                });
                return Ok(Some(()));
            }
            let neutral: [&[&str]; 7] = [
                &["SET", "STATISTICS"],
                &["SET", "STORAGE"],
                &["SET", "COMPRESSION"],
                &["RESET"],
                &["RESTART"],
                &["SET", "INCREMENT"],
                &["SET", "START"],
            ];
            let sets_options = tokens.keywords_at(action, &["SET"])
                && matches!(
                    tokens.tokens.get(action + 1).map(|t| &t.token),
                    Some(Token::LParen)
                );
            if sets_options
                || neutral
                    .iter()
                    .any(|words| tokens.keywords_at(action, words))
            {
                return Ok(Some(()));
            }
        }
        Ok(None)
    }

    /// ALTER [MATERIALIZED] VIEW name { RENAME TO n | RENAME [COLUMN] a TO b
    /// | SET SCHEMA s | OWNER TO .. | SET (..) | ALTER COLUMN .. }.
    fn alter_view_unparsed(&mut self, stmt: &Stmt, tokens: &Tokens) -> Fallible<Option<()>> {
        let mut at = if tokens.keywords_at(1, &["MATERIALIZED"]) {
            3
        } else {
            2
        };
        let if_exists = tokens.keywords_at(at, &["IF", "EXISTS"]);
        if if_exists {
            at += 2;
        }
        let Some((name, next)) = tokens.object_name(at) else {
            return Ok(None);
        };
        let (schema, object) = Self::split_name(stmt, &name)?;
        let Some(view) = self.find_relation(schema.as_deref(), &object) else {
            if if_exists {
                return Ok(Some(()));
            }
            return Err(self.missing_relation(stmt, &name, &object));
        };
        if tokens.keywords_at(next, &["RENAME", "TO"]) {
            if let Some((new, _)) = tokens.object_name(next + 2) {
                self.rename_relation(stmt, &view, &new)?;
            }
            return Ok(Some(()));
        }
        if tokens.keywords_at(next, &["RENAME"]) {
            let column_at = if tokens.keywords_at(next + 1, &["COLUMN"]) {
                next + 2
            } else {
                next + 1
            };
            if let Some((old, after)) = tokens.object_name(column_at)
                && tokens.keywords_at(after, &["TO"])
                && let Some((new, _)) = tokens.object_name(after + 1)
            {
                let old = names::object_name_parts(&old).pop().unwrap_or_default();
                let new = names::object_name_parts(&new).pop().unwrap_or_default();
                let relation = self.relation_mut(&view);
                match relation.column_mut(&old) {
                    Some(column) => column.name = new,
                    None => {
                        return Err(stmt.error_at_start(format!(
                            "column \"{old}\" of relation \"{}\" does not exist",
                            view.name
                        )));
                    }
                }
            }
            return Ok(Some(()));
        }
        if tokens.keywords_at(next, &["SET", "SCHEMA"]) {
            if let Some((schema_name, _)) = tokens.object_name(next + 2) {
                let new_schema = names::object_name_parts(&schema_name).join(".");
                self.move_relation(&view, &new_schema);
            }
            return Ok(Some(()));
        }
        // OWNER TO, SET (options), ALTER COLUMN .. SET DEFAULT: no shape.
        Ok(Some(()))
    }

    /// ALTER TYPE forms sqlparser rejects: OWNER TO, SET SCHEMA.
    fn alter_type_unparsed(&mut self, stmt: &Stmt, tokens: &Tokens) -> Fallible<Option<()>> {
        let Some((name, next)) = tokens.object_name(2) else {
            return Ok(None);
        };
        if tokens.keywords_at(next, &["OWNER", "TO"]) {
            return Ok(Some(()));
        }
        if tokens.keywords_at(next, &["SET", "SCHEMA"]) {
            let (schema, object) = Self::split_name(stmt, &name)?;
            let Some(found) = self.find_type(schema.as_deref(), &object) else {
                return Err(stmt.error(
                    stmt.span_of_object_name(&name),
                    format!("type \"{object}\" does not exist"),
                ));
            };
            if let Some((schema_name, _)) = tokens.object_name(next + 2) {
                let new_schema = names::object_name_parts(&schema_name).join(".");
                self.move_type(&found, &new_schema);
                return Ok(Some(()));
            }
        }
        Ok(None)
    }

    /// ALTER DOMAIN d { SET NOT NULL | DROP NOT NULL | DROP DEFAULT | .. }.
    fn alter_domain_unparsed(&mut self, stmt: &Stmt, tokens: &Tokens) -> Fallible<Option<()>> {
        let Some((name, next)) = tokens.object_name(2) else {
            return Ok(None);
        };
        let (schema, object) = Self::split_name(stmt, &name)?;
        let Some(found) = self.find_type(schema.as_deref(), &object) else {
            return Err(stmt.error(
                stmt.span_of_object_name(&name),
                format!("type \"{object}\" does not exist"),
            ));
        };
        let Some(migrate_core::UserType {
            kind:
                migrate_core::UserTypeKind::Domain {
                    not_null, default, ..
                },
            ..
        }) = self.schema.types.get_mut(&found)
        else {
            return Err(stmt.error(
                stmt.span_of_object_name(&name),
                format!("\"{object}\" is not a domain"),
            ));
        };
        if tokens.keywords_at(next, &["SET", "NOT", "NULL"]) {
            *not_null = true;
        } else if tokens.keywords_at(next, &["DROP", "NOT", "NULL"]) {
            *not_null = false;
        } else if tokens.keywords_at(next, &["DROP", "DEFAULT"]) {
            *default = None;
        } else if tokens.keywords_at(next, &["SET", "DEFAULT"]) {
            // The domain's own default is not a column default: no column shape.
            return Ok(Some(()));
        }
        // ADD/DROP/VALIDATE CONSTRAINT, OWNER TO, RENAME CONSTRAINT: no column shape.
        Ok(Some(()))
    }
}

/// Keywords through which PL/pgSQL can change a shape.
pub(super) const DDL_KEYWORDS: [&str; 6] =
    ["CREATE", "ALTER", "DROP", "EXECUTE", "COMMENT", "RENAME"];

/// Whether SQL or PL/pgSQL text holds a statement that may change a shape.
/// Read with PostgreSQL's lexer, as PL/pgSQL reads a body: text it cannot
/// read may hold anything.
pub(crate) fn may_run_ddl(text: &str) -> bool {
    crate::syntax::has_keyword(text, &DDL_KEYWORDS).unwrap_or(true)
}
