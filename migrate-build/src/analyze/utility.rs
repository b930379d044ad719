//! Utility statements: everything but SELECT, INSERT, UPDATE, DELETE and
//! MERGE (`TRUNCATE t`, `LOCK t`, `NOTIFY c`, `SET x = 1`, `SHOW x`,
//! `EXPLAIN ...`, `REFRESH MATERIALIZED VIEW v`, `ALTER SEQUENCE s ...`).
//!
//! PostgreSQL's Parse accepts every utility statement its grammar takes and
//! resolves names only when it runs one; migrate checks the names the ones
//! sqlx users run name (a relation that does not exist, or is of the wrong
//! kind, is the error PostgreSQL would raise at run time), describes the
//! rows of those that return some (`SHOW`, `EXPLAIN`), and accepts the rest
//! with no parameters and no rows, warning where it leaves names unchecked.
//! VACUUM, ANALYZE, COMMENT ON and GRANT/REVOKE are read by their words
//! whichever way sqlparser takes them (`utility_by_words`): the relations and
//! columns they name are checked, their roles are not.
//! Those sqlparser cannot read are recognised by their leading words, after
//! PostgreSQL's grammar (`syntax::check`) accepted them.

use std::ops::Range;

use migrate_core::{Name, Relation, RelationKind, SqlType};
use sqlparser::ast::{ObjectName, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

use super::scope::did_you_mean;
use super::types::Ty;
use super::{Analyzer, Out, Typed};
use crate::diagnostic::Diagnostic;

/// What a utility statement needs of the relation it names.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wanted {
    /// TRUNCATE: a table (partitioned or foreign too).
    Table,
    /// LOCK: a table or a view.
    TableOrView,
    /// REFRESH MATERIALIZED VIEW.
    MaterializedView,
    /// ALTER SEQUENCE.
    Sequence,
}

/// Statements with nothing in them to check against the schema.
fn checks_nothing(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::NOTIFY { .. }
            | Statement::LISTEN { .. }
            | Statement::UNLISTEN { .. }
            | Statement::Set(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
            | Statement::Discard { .. }
            | Statement::Deallocate { .. }
    )
}

impl Analyzer<'_> {
    /// A utility statement sqlparser read: its names checked where migrate
    /// knows what they must be, its rows described.
    pub(crate) fn utility(&mut self, statement: &Statement) -> Vec<Out> {
        match statement {
            Statement::Call(call) => self.call_statement(call),
            Statement::Truncate(truncate) => {
                for target in &truncate.table_names {
                    self.named_relation(&target.name, Wanted::Table, false);
                }
                Vec::new()
            }
            Statement::Lock(lock) => {
                for target in &lock.tables {
                    self.named_relation(&target.name, Wanted::TableOrView, false);
                }
                Vec::new()
            }
            Statement::ShowVariable { variable } => {
                let span = self.span(statement);
                let words: Vec<String> = variable.iter().map(|i| i.value.to_lowercase()).collect();
                if words == ["all"] {
                    ["name", "setting", "description"]
                        .into_iter()
                        .map(|name| text_column(name, span.clone()))
                        .collect()
                } else {
                    vec![text_column(&setting_column_name(&words.join(" ")), span)]
                }
            }
            Statement::Explain {
                statement: inner,
                format,
                options,
                ..
            } => {
                let span = self.span(statement);
                // Its parameters are those of the statement it explains.
                self.statement(inner);
                let format = format
                    .as_ref()
                    .map(|f| f.to_string().to_lowercase())
                    .or_else(|| {
                        options.iter().flatten().find_map(|option| {
                            (option.name.value.eq_ignore_ascii_case("format"))
                                .then(|| option.arg.as_ref().map(|a| a.to_string().to_lowercase()))
                                .flatten()
                        })
                    })
                    .unwrap_or_default();
                let ty = if format.contains("json") {
                    "json"
                } else if format.contains("xml") {
                    "xml"
                } else {
                    "text"
                };
                vec![Out {
                    name: "QUERY PLAN".to_owned(),
                    typed: Typed::new(Ty::known(ty), true, span),
                }]
            }
            other if checks_nothing(other) => Vec::new(),
            Statement::Vacuum(_)
            | Statement::Analyze(_)
            | Statement::Comment { .. }
            | Statement::Grant(_)
            | Statement::Revoke(_)
                if self.utility_words(|analyzer, words| analyzer.utility_by_words(words)) =>
            {
                Vec::new()
            }
            other => {
                let span = self.span(other);
                self.warn(
                    "migrate does not check the names in this statement; PostgreSQL resolves them when it runs",
                    span,
                );
                Vec::new()
            }
        }
    }

    /// The relation a utility statement names, checked as PostgreSQL
    /// checks it when it runs the statement.
    fn named_relation(&mut self, name: &ObjectName, wanted: Wanted, if_exists: bool) {
        let parts = super::query::object_name_parts(name);
        let span = self.span(name);
        self.check_relation(&parts, span, wanted, if_exists);
    }

    fn check_relation(
        &mut self,
        parts: &[String],
        span: Range<usize>,
        wanted: Wanted,
        if_exists: bool,
    ) {
        let name = match parts {
            [table] => Name::public(table),
            [schema, table] => Name::new(schema, table),
            _ => return,
        };
        let shown = parts.join(".");
        if let Some(relation) = self.schema.relation(&name) {
            if let Some(message) = wrong_kind(relation, wanted, &name.name) {
                self.error(Diagnostic::error(message, span));
            } else {
                self.record_use(&name, None);
            }
            return;
        }
        if self.schema.sequences.contains_key(&name) {
            let message = match wanted {
                Wanted::Sequence => return,
                Wanted::Table => format!("\"{}\" is not a table", name.name),
                Wanted::TableOrView => format!("cannot lock relation \"{}\"", name.name),
                Wanted::MaterializedView => {
                    format!("\"{}\" is not a table or materialized view", name.name)
                }
            };
            self.error(Diagnostic::error(message, span));
            return;
        }
        if if_exists {
            return;
        }
        let candidates: Vec<&str> = match wanted {
            Wanted::Sequence => self
                .schema
                .sequences
                .keys()
                .filter(|n| n.schema == name.schema)
                .map(|n| n.name.as_str())
                .collect(),
            _ => self
                .schema
                .relations
                .keys()
                .filter(|n| n.schema == name.schema)
                .map(|n| n.name.as_str())
                .collect(),
        };
        let mut diagnostic =
            Diagnostic::error(format!("relation \"{shown}\" does not exist"), span);
        diagnostic.help = did_you_mean(&name.name, candidates);
        self.error(diagnostic);
    }

    /// A utility statement sqlparser cannot read and PostgreSQL's grammar
    /// accepts, recognised by its leading words. False when it is not a
    /// utility statement (a query sqlparser cannot read: a gap of migrate's).
    pub(crate) fn unparsed_utility(&mut self) -> bool {
        let text = self.source.text.clone();
        let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, &text).tokenize_with_location()
        else {
            return false;
        };
        let words: Vec<&TokenWithSpan> = tokens
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        let keyword = |index: usize| -> String {
            match words.get(index).map(|t| &t.token) {
                Some(Token::Word(word)) if word.quote_style.is_none() => {
                    word.value.to_ascii_lowercase()
                }
                _ => String::new(),
            }
        };
        let first = keyword(0);
        if first.is_empty()
            || matches!(
                first.as_str(),
                "select" | "with" | "insert" | "update" | "delete" | "merge" | "values" | "table"
            )
        {
            return false;
        }
        let statement_span = 0..text.trim_end().trim_end_matches(';').len();
        match (first.as_str(), keyword(1).as_str(), keyword(2).as_str()) {
            ("refresh", "materialized", "view") => {
                let mut at = 3;
                if keyword(at) == "concurrently" {
                    at += 1;
                }
                if let Some((parts, span)) = self.name_at(&words, at) {
                    self.check_relation(&parts, span, Wanted::MaterializedView, false);
                }
            }
            ("alter", "sequence", _) => {
                let mut at = 2;
                let if_exists = keyword(2) == "if" && keyword(3) == "exists";
                if if_exists {
                    at += 2;
                }
                if let Some((parts, span)) = self.name_at(&words, at) {
                    self.check_relation(&parts, span, Wanted::Sequence, if_exists);
                }
            }
            ("checkpoint", _, _) => {}
            _ if self.utility_by_words(&words) => {}
            _ => self.warn(
                "migrate does not check the names in this statement; PostgreSQL resolves them when it runs",
                statement_span,
            ),
        }
        true
    }

    /// Runs `check` over the statement's words (whitespace left out); false
    /// when the statement does not tokenize.
    fn utility_words(&mut self, check: impl FnOnce(&mut Self, &[&TokenWithSpan]) -> bool) -> bool {
        let text = self.source.text.clone();
        let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, &text).tokenize_with_location()
        else {
            return false;
        };
        let words: Vec<&TokenWithSpan> = tokens
            .iter()
            .filter(|t| !matches!(t.token, Token::Whitespace(_)))
            .collect();
        check(self, &words)
    }

    /// A possibly qualified name starting at `words[index]`: its parts,
    /// folded as PostgreSQL folds them, and its span.
    fn name_at(
        &self,
        words: &[&TokenWithSpan],
        index: usize,
    ) -> Option<(Vec<String>, Range<usize>)> {
        let mut parts = Vec::new();
        let mut span: Option<Range<usize>> = None;
        let mut at = index;
        loop {
            let Token::Word(word) = &words.get(at)?.token else {
                return None;
            };
            parts.push(match word.quote_style {
                Some(_) => word.value.clone(),
                None => word.value.to_lowercase(),
            });
            let range = self.source.range(words[at].span);
            span = Some(span.map_or(range.clone(), |s| s.start..range.end));
            if words.get(at + 1).map(|t| &t.token) != Some(&Token::Period) {
                break;
            }
            at += 2;
        }
        Some((parts, span?))
    }
}

/// PostgreSQL's message when a relation is not of the kind a statement
/// needs, or `None` when it is.
fn wrong_kind(relation: &Relation, wanted: Wanted, name: &str) -> Option<String> {
    let kind = relation.kind;
    let fits = match wanted {
        Wanted::Table => matches!(
            kind,
            RelationKind::Table | RelationKind::PartitionedTable | RelationKind::ForeignTable
        ),
        Wanted::TableOrView => kind != RelationKind::MaterializedView,
        Wanted::MaterializedView => kind == RelationKind::MaterializedView,
        Wanted::Sequence => false,
    };
    if fits {
        return None;
    }
    Some(match wanted {
        Wanted::Table => format!("\"{name}\" is not a table"),
        Wanted::TableOrView => format!("cannot lock relation \"{name}\""),
        Wanted::MaterializedView if kind == RelationKind::Table => {
            format!("\"{name}\" is not a materialized view")
        }
        Wanted::MaterializedView => format!("\"{name}\" is not a table or materialized view"),
        Wanted::Sequence => format!("\"{name}\" is not a sequence"),
    })
}

/// How a utility statement's words name relations and columns.
enum Named {
    /// VACUUM and ANALYZE: any relation (PostgreSQL skips with a warning
    /// one it cannot process); columns of tables and materialized views.
    Maintained,
    /// GRANT and REVOKE `ON [TABLE]`: any relation; column privileges.
    Granted,
    /// GRANT and REVOKE `ON SEQUENCE`.
    GrantedSequence,
}

impl<'s> Analyzer<'s> {
    /// VACUUM, ANALYZE, COMMENT ON and GRANT/REVOKE, read by their words
    /// (sqlparser reads them in shapes of other dialects, or not at all):
    /// the relations and columns they name checked as PostgreSQL checks
    /// them when it runs the statement. False for another statement.
    pub(crate) fn utility_by_words(&mut self, words: &[&TokenWithSpan]) -> bool {
        let keyword = |index: usize| keyword_at(words, index);
        match keyword(0).as_str() {
            "vacuum" | "analyze" | "analyse" => {
                let mut at = 1;
                if matches!(words.get(at).map(|t| &t.token), Some(Token::LParen)) {
                    at = after_parentheses(words, at);
                }
                while matches!(
                    keyword(at).as_str(),
                    "full" | "freeze" | "verbose" | "analyze" | "analyse"
                ) {
                    at += 1;
                }
                self.relation_list(words, at, &Named::Maintained);
                true
            }
            "comment" if keyword(1) == "on" => {
                self.comment_on(words);
                true
            }
            "grant" | "revoke" => {
                self.grant(words);
                true
            }
            _ => false,
        }
    }

    /// `name [(column, ..)] [, ..]` from `words[at]` to the end (or to
    /// TO/FROM for GRANT and REVOKE), each checked as `named` says.
    fn relation_list(&mut self, words: &[&TokenWithSpan], mut at: usize, named: &Named) {
        self.relation_list_with_columns(words, &mut at, named, &[]);
    }

    fn relation_list_with_columns(
        &mut self,
        words: &[&TokenWithSpan],
        at: &mut usize,
        named: &Named,
        granted_columns: &[(String, Range<usize>)],
    ) {
        loop {
            let Some((parts, span, next)) = self.name_and_end(words, *at) else {
                return;
            };
            *at = next;
            let mut columns = granted_columns.to_vec();
            if matches!(words.get(*at).map(|t| &t.token), Some(Token::LParen)) {
                let (listed, next) = self.column_list(words, *at);
                columns.extend(listed);
                *at = next;
            }
            self.named_relation_columns(&parts, span, &columns, named);
            match words.get(*at).map(|t| &t.token) {
                Some(Token::Comma) => *at += 1,
                _ => return,
            }
        }
    }

    /// Checks one relation a utility statement names, and its columns.
    fn named_relation_columns(
        &mut self,
        parts: &[String],
        span: Range<usize>,
        columns: &[(String, Range<usize>)],
        named: &Named,
    ) {
        let Some((name, relation)) = self.utility_relation(parts, span.clone()) else {
            return;
        };
        if matches!(named, Named::GrantedSequence) {
            if !self.schema.sequences.contains_key(&name) {
                self.error(Diagnostic::error(
                    format!("\"{}\" is not a sequence", name.name),
                    span,
                ));
            }
            return;
        }
        let checks_columns = match named {
            Named::Maintained => matches!(
                relation.kind,
                RelationKind::Table
                    | RelationKind::PartitionedTable
                    | RelationKind::MaterializedView
            ),
            Named::Granted => !self.schema.sequences.contains_key(&name),
            Named::GrantedSequence => false,
        };
        if !checks_columns {
            return;
        }
        self.record_use(&name, None);
        for (column, column_span) in columns {
            self.relation_column(&name, relation, column, column_span.clone());
        }
    }

    /// `column` of `relation`, or PostgreSQL's error.
    fn relation_column(
        &mut self,
        name: &Name,
        relation: &'s Relation,
        column: &str,
        span: Range<usize>,
    ) {
        if relation.columns.iter().any(|c| c.name == column) {
            self.record_use(name, Some(column));
            return;
        }
        let mut diagnostic = Diagnostic::error(
            format!(
                "column \"{column}\" of relation \"{}\" does not exist",
                name.name
            ),
            span,
        );
        diagnostic.help = did_you_mean(column, relation.columns.iter().map(|c| c.name.as_str()));
        self.error(diagnostic);
    }

    /// The relation `parts` names, found as PostgreSQL's search path finds
    /// it (`pg_catalog` first, then `public`), or `relation "x" does not
    /// exist` reported.
    fn utility_relation(
        &mut self,
        parts: &[String],
        span: Range<usize>,
    ) -> Option<(Name, &'s Relation)> {
        let name = match parts {
            [table] => {
                let system = Name::new("pg_catalog", table);
                if self.relation(&system).is_some() {
                    system
                } else {
                    Name::public(table)
                }
            }
            [schema, table] => Name::new(schema, table),
            // A database-qualified name: not followed.
            _ => return None,
        };
        if let Some(relation) = self.relation(&name) {
            return Some((name, relation));
        }
        let candidates: Vec<&str> = self
            .schema
            .relations
            .keys()
            .chain(self.schema.sequences.keys())
            .filter(|n| n.schema == name.schema)
            .map(|n| n.name.as_str())
            .collect();
        let mut diagnostic = Diagnostic::error(
            format!("relation \"{}\" does not exist", parts.join(".")),
            span,
        );
        diagnostic.help = did_you_mean(&name.name, candidates);
        self.error(diagnostic);
        None
    }

    /// `COMMENT ON kind name IS ..`: a table, view, materialized view,
    /// foreign table or sequence of that kind, or a column of a relation.
    /// Other objects (types, functions, indexes, ..) are not checked.
    fn comment_on(&mut self, words: &[&TokenWithSpan]) {
        let keyword = |index: usize| keyword_at(words, index);
        let (kind, at) = match (keyword(2).as_str(), keyword(3).as_str()) {
            ("materialized", "view") => (Some(RelationKind::MaterializedView), 4),
            ("foreign", "table") => (Some(RelationKind::ForeignTable), 4),
            ("table", _) => (Some(RelationKind::Table), 3),
            ("view", _) => (Some(RelationKind::View), 3),
            ("sequence", _) => (None, 3),
            ("column", _) => {
                let Some((mut parts, span, end)) = self.name_and_end(words, 3) else {
                    return;
                };
                let Some(column) = parts.pop() else {
                    return;
                };
                if parts.is_empty() {
                    self.error(Diagnostic::error("column name must be qualified", span));
                    return;
                }
                // `t.c`: the relation is the words before the last two.
                let column_span = self.source.range(words[end - 1].span);
                let relation_span = span.start..self.source.range(words[end - 3].span).end;
                if let Some((name, relation)) = self.utility_relation(&parts, relation_span) {
                    self.record_use(&name, None);
                    self.relation_column(&name, relation, &column, column_span);
                }
                return;
            }
            _ => {
                self.warn(
                    "migrate does not check the names in this statement; PostgreSQL resolves them when it runs",
                    self.utility_span(),
                );
                return;
            }
        };
        let Some((parts, span, _)) = self.name_and_end(words, at) else {
            return;
        };
        let Some((name, relation)) = self.utility_relation(&parts, span.clone()) else {
            return;
        };
        let is_sequence = self.schema.sequences.contains_key(&name);
        let (fits, what) = match kind {
            None => (is_sequence, "a sequence"),
            Some(RelationKind::Table) => (
                !is_sequence
                    && matches!(
                        relation.kind,
                        RelationKind::Table | RelationKind::PartitionedTable
                    ),
                "a table",
            ),
            Some(RelationKind::View) => (
                !is_sequence && relation.kind == RelationKind::View,
                "a view",
            ),
            Some(RelationKind::MaterializedView) => (
                !is_sequence && relation.kind == RelationKind::MaterializedView,
                "a materialized view",
            ),
            Some(_) => (
                !is_sequence && relation.kind == RelationKind::ForeignTable,
                "a foreign table",
            ),
        };
        if fits {
            self.record_use(&name, None);
        } else {
            self.error(Diagnostic::error(
                format!("\"{}\" is not {what}", name.name),
                span,
            ));
        }
    }

    /// `GRANT privileges ON [TABLE | SEQUENCE] names TO ..` and its REVOKE:
    /// the relations, and the columns of column privileges
    /// (`GRANT SELECT (a, b) ON t`). Roles, and grants on other objects, are
    /// not checked: a warning says so.
    fn grant(&mut self, words: &[&TokenWithSpan]) {
        let keyword = |index: usize| keyword_at(words, index);
        // The privileges, with their column lists, up to ON.
        let mut at = 1;
        let mut columns = Vec::new();
        while at < words.len() && keyword(at) != "on" {
            if matches!(words[at].token, Token::LParen) {
                let (listed, next) = self.column_list(words, at);
                columns.extend(listed);
                at = next;
            } else {
                at += 1;
            }
        }
        if at >= words.len() {
            // GRANT role TO role.
            self.warn(
                "migrate does not check the roles in this statement; PostgreSQL resolves them when it runs",
                self.utility_span(),
            );
            return;
        }
        at += 1;
        let named = match keyword(at).as_str() {
            "table" => {
                at += 1;
                Named::Granted
            }
            "sequence" => {
                at += 1;
                Named::GrantedSequence
            }
            "all" | "function" | "functions" | "procedure" | "procedures" | "routine"
            | "routines" | "schema" | "database" | "domain" | "type" | "language" | "large"
            | "tablespace" | "foreign" | "parameter" => {
                self.warn(
                    "migrate does not check the names in this statement; PostgreSQL resolves them when it runs",
                    self.utility_span(),
                );
                return;
            }
            _ => Named::Granted,
        };
        self.relation_list_with_columns(words, &mut at, &named, &columns);
        self.warn(
            "migrate checks the relations and columns of this statement, not its roles; PostgreSQL resolves them when it runs",
            self.utility_span(),
        );
    }

    /// `(a, "B", c)` at `words[at]`: the names, folded, with their spans,
    /// and the index after the closing parenthesis.
    fn column_list(
        &self,
        words: &[&TokenWithSpan],
        at: usize,
    ) -> (Vec<(String, Range<usize>)>, usize) {
        let mut columns = Vec::new();
        let mut index = at + 1;
        while let Some(token) = words.get(index) {
            match &token.token {
                Token::RParen => return (columns, index + 1),
                Token::Word(word) => columns.push((
                    match word.quote_style {
                        Some(_) => word.value.clone(),
                        None => word.value.to_lowercase(),
                    },
                    self.source.range(token.span),
                )),
                _ => {}
            }
            index += 1;
        }
        (columns, index)
    }

    /// [`Self::name_at`], and the index of the word after the name.
    fn name_and_end(
        &self,
        words: &[&TokenWithSpan],
        at: usize,
    ) -> Option<(Vec<String>, Range<usize>, usize)> {
        let (parts, span) = self.name_at(words, at)?;
        let end = at + parts.len() * 2 - 1;
        Some((parts, span, end))
    }

    /// The statement's span, its `;` left out.
    fn utility_span(&self) -> Range<usize> {
        0..self.source.text.trim_end().trim_end_matches(';').len()
    }
}

/// The lowercased unquoted word at `words[index]`, or "".
fn keyword_at(words: &[&TokenWithSpan], index: usize) -> String {
    match words.get(index).map(|t| &t.token) {
        Some(Token::Word(word)) if word.quote_style.is_none() => word.value.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The index after the parenthesis that closes the one at `words[at]`.
fn after_parentheses(words: &[&TokenWithSpan], at: usize) -> usize {
    let mut depth = 0_usize;
    for (index, token) in words.iter().enumerate().skip(at) {
        match token.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return index + 1;
                }
            }
            _ => {}
        }
    }
    words.len()
}

fn text_column(name: &str, span: Range<usize>) -> Out {
    Out {
        name: name.to_owned(),
        typed: Typed::new(Ty::Known(SqlType::builtin("text")), true, span),
    }
}

/// The column `SHOW name` returns: the setting's name as PostgreSQL spells
/// it (`SHOW timezone` gives a column `TimeZone`).
fn setting_column_name(name: &str) -> String {
    match name {
        "datestyle" => "DateStyle",
        "intervalstyle" => "IntervalStyle",
        "timezone" | "time zone" => "TimeZone",
        "transaction isolation level" => "transaction_isolation",
        "session authorization" => "session_authorization",
        other => other,
    }
    .to_owned()
}
