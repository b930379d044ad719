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
            _ => self.warn(
                "migrate does not check the names in this statement; PostgreSQL resolves them when it runs",
                statement_span,
            ),
        }
        true
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
