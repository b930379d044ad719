//! Folding migrations into the schema PostgreSQL would hold.
//!
//! A [`Folder`] applies migrations one at a time, statement by statement,
//! to a [`Schema`]: each statement is split out with
//! [`split_statements`](crate::split::split_statements), parsed alone by
//! sqlparser (PostgreSQL dialect) and converted into changes of the model.
//! What PostgreSQL would reject (a missing table, a duplicate column, an
//! unknown type) becomes an error [`Diagnostic`] pointing into the migration
//! file; the statement is skipped and folding goes on, so that one run
//! reports every error.
//!
//! Statements that change no shape (DML, GRANT, policies, ANALYZE, ...) are
//! accepted silently. A statement sqlparser cannot parse is recognised by
//! its leading keywords (see `unparsed.rs`); when the fold cannot tell what
//! it does (a `DO` block, say) it warns that it assumed no change.
//!
//! # What it understands
//!
//! - Schemas and `SET search_path` (each migration starts from `public`, as
//!   in a session of its own); temporary tables live until the migration ends.
//! - `CREATE TABLE` (also `IF NOT EXISTS`, partitioned, `PARTITION OF`,
//!   `INHERITS`, `LIKE .. INCLUDING`, `AS SELECT`, `SELECT .. INTO`), column
//!   types as `pg_type` names them (`serial` is `int4` with an owned
//!   sequence and a `nextval` default, `char` is `bpchar(1)`, `float(p)`,
//!   arrays, domains, enums, composite and range types, extension types),
//!   NOT NULL, defaults printed as PostgreSQL prints them, identity and
//!   generated columns.
//! - Primary key, unique, foreign key, check and exclusion constraints and
//!   indexes, with the names PostgreSQL generates (`t_pkey`, `t_a_b_key`,
//!   `t_a_fkey`, `t_a_check`, `t_a_idx`, 63-byte truncation, numeric
//!   suffixes on collision).
//! - Every `ALTER TABLE` action PostgreSQL has that changes a shape (columns,
//!   types, defaults, NOT NULL, constraints, identity, renames, `SET SCHEMA`,
//!   `ATTACH`/`DETACH PARTITION`), in PostgreSQL's order of passes; in a
//!   statement with several actions, one the fold does not know is warned
//!   about alone and the others are folded; `ALTER TYPE .. ADD VALUE [BEFORE|AFTER]`,
//!   `RENAME VALUE`, `RENAME TO`, `SET SCHEMA`; `ALTER DOMAIN`, `ALTER VIEW`,
//!   `ALTER INDEX`, `ALTER SEQUENCE`, `ALTER SCHEMA .. RENAME`.
//! - Views and materialized views (output columns typed by
//!   [`analyze`](crate::analyze)), sequences, extensions, comments,
//!   functions' signatures, triggers.
//! - `DROP` of every kind with `IF EXISTS`, and `CASCADE`'s effect on
//!   dependent views, foreign keys, inheriting tables, defaults and columns.
//! - `DO` blocks, read statement by statement (`plpgsql.rs`): the static
//!   DDL of the body is folded in order, past a `DECLARE` section,
//!   assignments, DML, `SELECT .. INTO`, `PERFORM`, `RAISE`, `LOCK TABLE`;
//!   guards `IF [NOT] EXISTS (SELECT .. FROM <catalog> WHERE col = 'x' AND
//!   ..)` are evaluated against the folded schema (for
//!   `information_schema.columns`/`tables`/`table_constraints`, `pg_type`,
//!   `pg_class`, `pg_indexes`, `pg_constraint`, ...), with `ELSIF`/`ELSE`;
//!   a block with `EXCEPTION WHEN duplicate_object THEN null` (the "create
//!   if missing" idiom) is rolled back when it fails that way. An
//!   `EXECUTE` of SQL the block builds from what it knows before it runs
//!   (`EXECUTE 'ALTER TABLE ..'`, `EXECUTE format('.. %I .. %L', 't', v)`)
//!   is folded as the statements it builds, and a loop over constants
//!   (`FOR i IN 1..3`, `FOREACH t IN ARRAY ARRAY['a', 'b']`) is unrolled
//!   when every turn folds cleanly. Any other loop that runs DDL, and an
//!   `EXECUTE` whose SQL's shape depends on run-time data, are assumed to
//!   change nothing, with a warning at each; a construct the reader does
//!   not know makes the whole block assumed to change nothing, with a
//!   warning. A `DO` block without DDL changes nothing.
//!
//! # Directives
//!
//! A comment line right before a statement tells the fold what to do with it:
//!
//! - `-- migrate:assume <SQL>;` folds `<SQL>` instead of the statement (one or
//!   more such lines, each holding whole statements). Use it to state what
//!   a `DO` block or a dynamic `EXECUTE` does:
//!
//!   ```sql
//!   -- migrate:assume ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;
//!   DO $$ BEGIN ... END $$;
//!   ```
//!
//!   Inside a `DO` body, a directive right before a loop or an `EXECUTE`
//!   the fold warns about applies to that loop or `EXECUTE` alone; the rest
//!   of the block is still folded.
//! - `-- migrate:ignore` folds nothing for the statement and silences the
//!   warning: the statement is known to change no shape.
//!
//! ```
//! use migrate_build::fold::fold_sql;
//!
//! let folded = fold_sql("CREATE TABLE users (id serial PRIMARY KEY, name varchar(40) NOT NULL);");
//! assert!(folded.diagnostics.is_empty());
//! let users = &folded.schema.relations[&migrate_core::Name::public("users")];
//! assert_eq!(users.columns[0].default.as_deref(), Some("nextval('users_id_seq'::regclass)"));
//! ```

mod aggregates;
mod alter;
mod before;
mod defaults;
mod history;
mod names;
mod objects;
mod plpgsql;
mod table;
mod types;
mod unparsed;

use std::ops::Range;

use migrate_core::{Migration, Name, Schema};
use sqlparser::ast::{ObjectName, Spanned, Statement};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Span};

use crate::diagnostic::Diagnostic;
use crate::split::split_statements;

/// Where temporary tables live while their migration is folded; they are
/// dropped when it ends, as they are when its session ends.
pub(crate) const TEMP_SCHEMA: &str = "pg_temp";

/// Internal result: an error diagnostic ends the statement.
pub(crate) type Fallible<T> = Result<T, Diagnostic>;

/// Folds migrations into a [`Schema`], one at a time.
#[derive(Clone, Debug)]
pub struct Folder {
    pub(crate) schema: Schema,
    /// `SET search_path`: where unqualified names are looked up and created.
    pub(crate) search_path: Vec<String>,
    /// Warnings and errors of the statement being folded.
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// The (table, column) pairs each view reads, for DROP COLUMN.
    pub(crate) view_columns: std::collections::HashMap<Name, Vec<(Name, String)>>,
    /// Functions (by unqualified name) whose body runs DDL.
    pub(crate) ddl_functions: std::collections::HashSet<String>,
    /// Calls of such functions the fold could not follow.
    pub(crate) unfollowed: Vec<Unfollowed>,
    /// Path of the migration being folded, for messages.
    pub(crate) current_path: String,
    /// Its up SQL, where it starts in the file and the lines before it:
    /// the lines of renames and drops in [`migrate_core::History`].
    pub(crate) current_up: (String, usize, usize),
    /// The table CREATE TABLE is building, which its own foreign keys may
    /// reference before it is in the schema.
    pub(crate) creating: Option<Name>,
    /// The constraint names of the schema, as (schema, name), when known:
    /// built when a generated name is chosen, kept across plain `CREATE
    /// TABLE`s (which only add constraints, each through `add_constraint`,
    /// which records it), dropped by every other statement. Scanning every
    /// relation for each generated name made a migration of many tables
    /// with keys quadratic.
    pub(crate) constraint_names:
        std::cell::RefCell<Option<std::collections::HashSet<(String, String)>>>,
}

/// A call of a DDL-running function whose effect the fold cannot know:
/// relations named after its text arguments may exist without the fold
/// knowing them.
#[derive(Clone, Debug)]
pub(crate) struct Unfollowed {
    /// `create_partitions('events', 4)`.
    pub call: String,
    /// Its string arguments: the names it likely builds on.
    pub prefixes: Vec<String>,
    /// The migration that made the call.
    pub location: String,
}

/// The result of folding a whole history.
#[derive(Clone, Debug)]
pub struct Folded {
    pub schema: Schema,
    /// Errors and warnings of every migration, in order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Folded {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

impl Default for Folder {
    fn default() -> Self {
        Self::new()
    }
}

impl Folder {
    /// A folder holding an empty database (only the `public` schema).
    pub fn new() -> Self {
        Self {
            schema: Schema::new(),
            search_path: vec!["public".to_owned()],
            diagnostics: Vec::new(),
            view_columns: std::collections::HashMap::new(),
            ddl_functions: std::collections::HashSet::new(),
            unfollowed: Vec::new(),
            current_path: String::new(),
            current_up: (String::new(), 0, 0),
            creating: None,
            constraint_names: std::cell::RefCell::new(None),
        }
    }

    /// Applies one migration; returns its diagnostics (errors and warnings),
    /// with `file` set to the migration's path and spans into that file.
    ///
    /// It runs on a thread with a large stack; a statement that chains more
    /// than [`crate::MAX_CHAIN`] operators is not folded, with a warning
    /// (see `depth.rs`).
    pub fn apply(&mut self, migration: &Migration) -> Vec<Diagnostic> {
        crate::depth::on_large_stack(|| self.apply_on_this_stack(migration))
    }

    fn apply_on_this_stack(&mut self, migration: &Migration) -> Vec<Diagnostic> {
        // Each migration runs in a session of its own.
        self.search_path = vec!["public".to_owned()];
        self.current_path = migration.path.clone();
        self.current_up = (
            migration.up.clone(),
            migration.up_offset,
            migration.lines_before_up,
        );
        let sql = migration.up.as_str();
        let statements = split_statements(sql);
        // PostgreSQL's parser reads the whole file before it runs any of it:
        // its syntax errors are reported first, each where it stands, and a
        // statement with one is not folded.
        let mut syntax_errors = crate::syntax::check(sql).into_iter().peekable();
        let mut previous_end = 0;
        for (index, statement) in statements.iter().enumerate() {
            // Up to where the next statement starts, the `;` included.
            let reach = statements
                .get(index + 1)
                .map_or(sql.len(), |next| next.span.start);
            let mut refused = false;
            while let Some(error) = syntax_errors.next_if(|error| error.span.start < reach) {
                refused |= error.span.start >= statement.span.start
                    || error.statement_start >= statement.span.start;
                self.diagnostics
                    .push(syntax_diagnostic(error, migration.up_offset));
            }
            // The comments between the previous statement and this one.
            let before_start = previous_end;
            let before = &sql[before_start..statement.span.start];
            previous_end = statement.span.end;
            if refused {
                continue;
            }
            match unparsed::directive(before) {
                Some(unparsed::Directive::Ignore) => continue,
                Some(unparsed::Directive::Assume(assumed)) => {
                    self.assume(&assumed, migration.up_offset + before_start);
                    continue;
                }
                None => {}
            }
            let stmt = Stmt::new(statement.text, migration.up_offset + statement.span.start);
            self.statement(&stmt);
        }
        for error in syntax_errors {
            self.diagnostics
                .push(syntax_diagnostic(error, migration.up_offset));
        }
        self.drop_temporary_tables();
        self.constraint_names.take();
        let mut diagnostics = std::mem::take(&mut self.diagnostics);
        for diagnostic in &mut diagnostics {
            diagnostic.file = Some(migration.path.clone().into());
        }
        diagnostics
    }

    /// Folds the SQL of `-- migrate:assume` lines found in a text that
    /// starts at file offset `base`.
    pub(crate) fn assume(&mut self, assumed: &[(&str, usize)], base: usize) {
        for (text, offset) in assumed {
            if !self.syntax_holds(text, base + offset) {
                continue;
            }
            for inner in split_statements(text) {
                self.statement(&Stmt::new(inner.text, base + offset + inner.span.start));
            }
        }
    }

    /// Whether PostgreSQL's parser takes `text` (found at file offset
    /// `base`); its errors are recorded when not.
    pub(crate) fn syntax_holds(&mut self, text: &str, base: usize) -> bool {
        let errors = crate::syntax::check(text);
        let holds = errors.is_empty();
        for error in errors {
            self.diagnostics.push(syntax_diagnostic(error, base));
        }
        holds
    }

    fn drop_temporary_tables(&mut self) {
        /// The keys of `map` in the temporary schema, found by range: a
        /// walk of every key after each migration made many migrations
        /// quadratic.
        fn temporary<V>(map: &std::collections::BTreeMap<Name, V>) -> Vec<Name> {
            map.range(Name::new(TEMP_SCHEMA, "")..)
                .map(|(name, _)| name)
                .take_while(|name| {
                    crate::work::count("names walked for temporary objects", 1);
                    name.schema == TEMP_SCHEMA
                })
                .cloned()
                .collect()
        }
        for name in temporary(&self.schema.relations) {
            self.drop_relation_cascade(&name);
        }
        for name in temporary(&self.schema.indexes) {
            self.schema.indexes.remove(&name);
        }
        for name in temporary(&self.schema.sequences) {
            self.schema.sequences.remove(&name);
        }
    }

    /// The schema folded so far.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    pub fn into_schema(self) -> Schema {
        self.schema
    }

    /// Folds one statement, recording its diagnostics.
    fn statement(&mut self, stmt: &Stmt) {
        // A goose StatementBegin/End block holds several statements: fold
        // them one by one, so that one statement sqlparser cannot read does
        // not hide the others (and nothing is parsed twice).
        let pieces = if stmt.text.contains(';') {
            split_statements(stmt.text)
        } else {
            Vec::new()
        };
        if pieces.len() > 1 {
            for piece in pieces {
                self.statement(&Stmt::new(piece.text, stmt.base + piece.span.start));
            }
            return;
        }
        if let Some(refusal) = crate::depth::postgres_stack_refusal(stmt.text) {
            self.diagnostics
                .push(crate::depth::stack_refusal_diagnostic(refusal, stmt.base));
            return;
        }
        if let Some(bound) = crate::depth::past_max_chain(stmt.text) {
            self.diagnostics.push(Diagnostic::warning(
                format!(
                    "{}; the statement is not folded",
                    crate::depth::too_deep_message(bound, crate::depth::AND_OR_PER_LINK)
                ),
                stmt.base..stmt.base + stmt.text.len(),
            ));
            return;
        }
        // sqlparser reads CREATE PROCEDURE only in SQL Server's form;
        // PostgreSQL's is CREATE FUNCTION's without RETURNS.
        if let Some(as_function) = objects::procedure_as_function(stmt.text)
            && let Ok(parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &as_function)
            && let [Statement::CreateFunction(create)] = parsed.as_slice()
        {
            self.constraint_names.take();
            if let Err(error) = self.create_function(stmt, create, true) {
                self.diagnostics.push(error);
            }
            return;
        }
        let parsed = Parser::parse_sql(&PostgreSqlDialect {}, stmt.text);
        // Only a plain CREATE TABLE that folds cleanly keeps the constraint
        // names known (see `constraint_names`); whatever else a statement
        // does, they are read again after it.
        let keeps_names = parsed
            .as_ref()
            .is_ok_and(|parsed| parsed.iter().all(only_adds_constraints));
        if !keeps_names {
            self.constraint_names.take();
        }
        match parsed {
            Ok(mut parsed) => {
                for statement in &mut parsed {
                    if let Err(error) = self.apply_statement(stmt, statement) {
                        self.constraint_names.take();
                        self.diagnostics.push(error);
                    }
                }
            }
            Err(parse_error) => {
                self.note_function_body(stmt);
                if let Err(error) = self.unparsed(stmt, &parse_error) {
                    self.diagnostics.push(error);
                }
            }
        }
        if !keeps_names {
            // A DO block may have rolled back names recorded inside it.
            self.constraint_names.take();
        }
    }

    /// Looks `name` up in `schema`, or along the search path: the first
    /// schema where `exists` holds.
    pub(crate) fn lookup(
        &self,
        schema: Option<&str>,
        name: &str,
        exists: impl Fn(&Name) -> bool,
    ) -> Option<Name> {
        match schema {
            Some(schema) => {
                let candidate = Name::new(schema, name);
                exists(&candidate).then_some(candidate)
            }
            None => self
                .search_path
                .iter()
                .map(|schema| Name::new(schema, name))
                .find(|candidate| exists(candidate)),
        }
    }

    /// A relation (table, view, ...) by schema and name; temporary tables
    /// (schema `pg_temp`) come first, as in PostgreSQL.
    pub(crate) fn find_relation(&self, schema: Option<&str>, name: &str) -> Option<Name> {
        if schema.is_none() {
            let temporary = Name::new(TEMP_SCHEMA, name);
            if self.schema.relations.contains_key(&temporary) {
                return Some(temporary);
            }
        }
        self.lookup(schema, name, |candidate| {
            self.schema.relations.contains_key(candidate)
        })
    }

    /// Where an unqualified new object goes: the first schema of the search
    /// path that exists.
    pub(crate) fn creation_schema(&self, stmt: &Stmt, span: Range<usize>) -> Fallible<String> {
        self.search_path
            .iter()
            .find(|schema| self.schema.namespaces.contains_key(*schema))
            .cloned()
            .ok_or_else(|| stmt.error(span, "no schema has been selected to create in"))
    }

    /// The name a new object gets: qualified as written, or in the creation schema.
    pub(crate) fn new_name(&self, stmt: &Stmt, name: &ObjectName) -> Fallible<Name> {
        let span = stmt.span_of_object_name(name);
        let parts = names::object_name_parts(name);
        match parts.as_slice() {
            [object] => Ok(Name::new(&self.creation_schema(stmt, span)?, object)),
            [schema, object] | [_, schema, object] => {
                if !self.schema.namespaces.contains_key(schema) {
                    return Err(stmt.error(span, format!("schema \"{schema}\" does not exist")));
                }
                Ok(Name::new(schema, object))
            }
            _ => Err(stmt.error(
                span,
                format!("improper qualified name (too many dotted names): {name}"),
            )),
        }
    }

    /// The schema (if written) and name of an existing object's name.
    pub(crate) fn split_name(stmt: &Stmt, name: &ObjectName) -> Fallible<(Option<String>, String)> {
        let parts = names::object_name_parts(name);
        match parts.as_slice() {
            [object] => Ok((None, object.clone())),
            [schema, object] | [_, schema, object] => Ok((Some(schema.clone()), object.clone())),
            _ => Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("improper qualified name (too many dotted names): {name}"),
            )),
        }
    }

    /// An existing relation, or PostgreSQL's `relation "x" does not exist`
    /// with a suggestion.
    pub(crate) fn existing_relation(&self, stmt: &Stmt, name: &ObjectName) -> Fallible<Name> {
        let (schema, object) = Self::split_name(stmt, name)?;
        if let Some(found) = self.find_relation(schema.as_deref(), &object) {
            return Ok(found);
        }
        Err(self.missing_relation(stmt, name, &object))
    }

    pub(crate) fn missing_relation(
        &self,
        stmt: &Stmt,
        name: &ObjectName,
        object: &str,
    ) -> Diagnostic {
        let shown = names::object_name_parts(name).join(".");
        // The call whose text argument is the longest prefix of the name.
        let unfollowed = self
            .unfollowed
            .iter()
            .filter_map(|call| {
                call.prefixes
                    .iter()
                    .filter(|prefix| !prefix.is_empty() && object.starts_with(prefix.as_str()))
                    .map(String::len)
                    .max()
                    .map(|length| (length, call))
            })
            .max_by_key(|(length, _)| *length)
            .map(|(_, call)| call);
        if let Some(call) = unfollowed {
            return Diagnostic::warning(
                format!(
                    "relation \"{shown}\" is not in the folded schema; {} in {} may have created it, so the fold skipped this statement",
                    call.call, call.location
                ),
                stmt.span_of_object_name(name),
            )
            .with_help("state what the call creates with a `-- migrate:assume CREATE TABLE ...;` line right before it");
        }
        let error = stmt.error(
            stmt.span_of_object_name(name),
            format!("relation \"{shown}\" does not exist"),
        );
        let candidates = self.schema.relations.keys().map(|name| name.name.as_str());
        match names::did_you_mean(object, candidates) {
            Some(help) => error.with_help(help),
            None => error,
        }
    }

    /// Whether a `pg_class` name (relation, index, sequence) is taken in `schema`.
    pub(crate) fn class_name_taken(&self, schema: &str, name: &str) -> bool {
        let key = Name::new(schema, name);
        self.schema.relations.contains_key(&key)
            || self.schema.indexes.contains_key(&key)
            || self.schema.sequences.contains_key(&key)
    }

    /// Whether a constraint of that name exists anywhere in `schema`
    /// (PostgreSQL picks generated constraint names unique per schema).
    pub(crate) fn constraint_name_taken(&self, schema: &str, name: &str) -> bool {
        let mut names = self.constraint_names.borrow_mut();
        let names = names.get_or_insert_with(|| {
            self.schema
                .relations
                .iter()
                .flat_map(|(key, relation)| {
                    crate::work::count("constraints read for names", relation.constraints.len());
                    relation
                        .constraints
                        .iter()
                        .map(|constraint| (key.schema.clone(), constraint.name.clone()))
                })
                .collect()
        });
        names.contains(&(schema.to_owned(), name.to_owned()))
    }

    /// Records a constraint added to a relation of `schema`, for
    /// [`Folder::constraint_name_taken`].
    pub(crate) fn note_constraint_name(&self, schema: &str, name: &str) {
        if let Some(names) = self.constraint_names.borrow_mut().as_mut() {
            names.insert((schema.to_owned(), name.to_owned()));
        }
    }

    /// Folds one parsed statement.
    ///
    /// It is `&mut` only so that a view's text can be written with its
    /// chains taken out (see `depth::print`); it is left as it was.
    fn apply_statement(&mut self, stmt: &Stmt, statement: &mut Statement) -> Fallible<()> {
        match statement {
            Statement::CreateTable(create) => self.create_table(stmt, create),
            Statement::AlterTable(alter) => self.alter_table(stmt, alter),
            Statement::CreateIndex(create) => self.create_index(stmt, create),
            Statement::Drop {
                object_type,
                if_exists,
                names,
                cascade,
                restrict: _,  // the default behaviour
                purge: _,     // not PostgreSQL
                temporary: _, // not PostgreSQL
                table: _,     // MySQL's DROP INDEX .. ON t
            } => self.drop(stmt, *object_type, *if_exists, names, *cascade),
            Statement::CreateView(create) => self.create_view(stmt, create),
            Statement::CreateSchema {
                schema_name,
                if_not_exists,
                or_replace: _, // not PostgreSQL
                with: _,
                options: _,
                default_collate_spec: _,
                clone: _,
            } => self.create_schema(stmt, schema_name, *if_not_exists),
            Statement::CreateType {
                name,
                representation,
            } => self.create_type(stmt, name, representation.as_ref()),
            Statement::AlterType(alter) => self.alter_type(stmt, alter),
            Statement::AlterSchema(alter) => self.alter_schema(stmt, alter),
            Statement::CreateDomain(create) => self.create_domain(stmt, create),
            Statement::DropDomain(drop) => self.drop_domain(stmt, drop),
            Statement::CreateExtension(create) => self.create_extension(stmt, create),
            Statement::DropExtension(drop) => self.drop_extension(stmt, drop),
            Statement::CreateSequence {
                temporary: _,
                if_not_exists,
                name,
                data_type,
                sequence_options,
                owned_by,
            } => self.create_sequence(
                stmt,
                name,
                *if_not_exists,
                data_type.as_ref(),
                sequence_options,
                owned_by.as_ref(),
            ),
            Statement::Comment {
                object_type,
                object_name,
                comment,
                if_exists: _,
            } => self.comment(stmt, *object_type, object_name, comment.as_deref()),
            Statement::CreateFunction(create) => self.create_function(stmt, create, false),
            Statement::DropProcedure {
                if_exists: _,
                proc_desc,
                drop_behavior: _, // dependent objects are not tracked for procedures
            } => self.drop_routines(stmt, proc_desc),
            Statement::DropFunction(drop) => self.drop_function(stmt, drop),
            // sqlparser reads ALTER AGGREGATE and ALTER FUNCTION; the fold
            // reads them by tokens, as it does CREATE and DROP AGGREGATE and
            // ALTER PROCEDURE, which sqlparser does not.
            Statement::AlterFunction(alter) => self.alter_routine_statement(
                stmt,
                match alter.kind {
                    sqlparser::ast::AlterFunctionKind::Aggregate => aggregates::Routine::Aggregate,
                    sqlparser::ast::AlterFunctionKind::Function => aggregates::Routine::Function,
                },
            ),
            Statement::CreateTrigger(create) => self.create_trigger(stmt, create),
            Statement::DropTrigger(drop) => self.drop_trigger(stmt, drop),
            Statement::AlterIndex { name, operation } => self.alter_index(stmt, name, operation),
            Statement::Set(set) => {
                self.set(set);
                Ok(())
            }
            Statement::Query(query) => {
                self.query_side_effects(stmt, query);
                Ok(())
            }
            Statement::RenameTable(_) => {
                Err(stmt.error_at_start("syntax error at or near \"RENAME\""))
            }
            // Statements that change no shape of the schema.
            Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
            | Statement::Truncate(_)
            | Statement::Copy { .. }
            | Statement::Grant(_)
            | Statement::Revoke(_)
            | Statement::CreateRole(_)
            | Statement::AlterRole { .. }
            | Statement::CreatePolicy(_)
            | Statement::AlterPolicy(_)
            | Statement::DropPolicy(_)
            | Statement::StartTransaction { .. }
            | Statement::Commit { .. }
            | Statement::Rollback { .. }
            | Statement::Savepoint { .. }
            | Statement::ReleaseSavepoint { .. }
            | Statement::Analyze(_)
            | Statement::Vacuum(_)
            | Statement::Lock(_)
            | Statement::LockTables { .. }
            | Statement::Discard { .. }
            | Statement::Reset(_)
            | Statement::NOTIFY { .. }
            | Statement::LISTEN { .. }
            | Statement::UNLISTEN { .. }
            | Statement::Call(_)
            | Statement::Execute { .. }
            | Statement::Prepare { .. }
            | Statement::Deallocate { .. }
            | Statement::Explain { .. }
            | Statement::CreateProcedure { .. }
            | Statement::Declare { .. }
            | Statement::Fetch { .. }
            | Statement::Close { .. }
            | Statement::ShowVariable { .. }
            | Statement::CreateCollation(_)
            | Statement::CreateOperator(_)
            | Statement::CreateOperatorFamily(_)
            | Statement::CreateOperatorClass(_)
            | Statement::CreateTextSearch(_)
            | Statement::CreateServer(_) => Ok(()),
            other => {
                self.diagnostics.push(stmt.warning_at_start(format!(
                    "the fold does not know what this statement changes and assumed no change: {}",
                    first_words(&other.to_string())
                ))
                .with_help("state its effect with a `-- migrate:assume <SQL>;` line right before it, or silence this with `-- migrate:ignore`"));
                Ok(())
            }
        }
    }
}

/// Whether `statement` can change the schema's constraints only by adding
/// them to a new table through `add_constraint`: a CREATE TABLE of columns
/// and constraints, without a parent, a source or a query to copy from.
fn only_adds_constraints(statement: &Statement) -> bool {
    match statement {
        Statement::CreateTable(create) => {
            create.like.is_none()
                && create.inherits.as_ref().is_none_or(Vec::is_empty)
                && create.partition_of.is_none()
                && create.query.is_none()
                && create.clone.is_none()
        }
        _ => false,
    }
}

/// A syntax error of PostgreSQL's parser, at file offset `base` + its span.
pub(crate) fn syntax_diagnostic(error: crate::syntax::SyntaxError, base: usize) -> Diagnostic {
    let span = base + error.span.start..base + error.span.end;
    let diagnostic = Diagnostic::error(error.message, span);
    match error.help {
        Some(help) => diagnostic.with_help(help),
        None => diagnostic,
    }
}

/// The first few words of a statement, for messages.
pub(crate) fn first_words(text: &str) -> String {
    text.split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Folds every migration in order.
pub fn fold(migrations: &[Migration]) -> Folded {
    fold_with(&crate::prelude::Before::default(), migrations)
}

/// Folds a whole history from what exists before migration 1 (see
/// [`crate::prelude`]): the tool's bookkeeping table, migrate's history
/// table and the assumed-objects file, in that order. The diagnostics of the
/// assumed-objects file come first, with its path.
pub fn fold_with(before: &crate::prelude::Before, migrations: &[Migration]) -> Folded {
    let mut folder = Folder::new();
    let mut diagnostics = folder.start_from(before);
    for migration in migrations {
        diagnostics.extend(folder.apply(migration));
    }
    Folded {
        schema: folder.into_schema(),
        diagnostics,
    }
}

/// Convenience for tests and tools: folds one SQL text as one migration
/// named `inline.sql`.
pub fn fold_sql(sql: &str) -> Folded {
    let migration = Migration {
        checksum: migrate_core::checksum(sql),
        ..Migration::new(
            "0".to_owned(),
            "inline".to_owned(),
            "inline.sql".to_owned(),
            sql.to_owned(),
        )
    };
    fold(std::slice::from_ref(&migration))
}

/// One statement being folded: its text and where it sits in the file.
pub(crate) struct Stmt<'a> {
    pub text: &'a str,
    /// Byte offset of `text` in the migration file.
    pub base: usize,
    /// Byte offsets (in `text`) where each line starts, found when a span
    /// is first asked for: most statements never need one.
    line_starts: std::cell::OnceCell<Vec<usize>>,
    /// Every character is one byte: a column is a byte count, found
    /// without walking its line (a 20,000-token line made that quadratic).
    ascii: bool,
}

impl<'a> Stmt<'a> {
    pub(crate) fn new(text: &'a str, base: usize) -> Self {
        Self {
            text,
            base,
            line_starts: std::cell::OnceCell::new(),
            ascii: text.is_ascii(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut line_starts = vec![0];
            line_starts.extend(self.text.match_indices('\n').map(|(i, _)| i + 1));
            line_starts
        })
    }

    /// Byte offset in `text` of a sqlparser location (1-based line and
    /// column in characters).
    fn offset(&self, location: Location) -> Option<usize> {
        if location.line == 0 {
            return None;
        }
        let line_start = *self.line_starts().get(location.line as usize - 1)?;
        let line = &self.text[line_start..];
        let column = location.column.saturating_sub(1) as usize;
        if self.ascii {
            return Some(line_start + column.min(line.len()));
        }
        let within = line
            .char_indices()
            .nth(column)
            .map_or(line.len(), |(i, _)| i);
        Some(line_start + within)
    }

    /// File byte range of a sqlparser span; the first word of the statement
    /// when the span is unknown.
    pub(crate) fn span(&self, span: Span) -> Range<usize> {
        match (self.offset(span.start), self.offset(span.end)) {
            (Some(start), Some(end)) if end >= start => self.base + start..self.base + end,
            (Some(start), _) => self.base + start..self.base + start + 1,
            _ => self.start(),
        }
    }

    /// The file range of the statement's first word.
    pub(crate) fn start(&self) -> Range<usize> {
        let len = self
            .text
            .find(|c: char| c.is_whitespace() || c == '(' || c == ';')
            .unwrap_or(self.text.len());
        self.base..self.base + len
    }

    pub(crate) fn span_of_object_name(&self, name: &ObjectName) -> Range<usize> {
        self.span(name.span())
    }

    pub(crate) fn span_of_ident(&self, ident: &sqlparser::ast::Ident) -> Range<usize> {
        self.span(ident.span)
    }

    pub(crate) fn span_of<T: Spanned>(&self, node: &T) -> Range<usize> {
        self.span(node.span())
    }

    /// File range of the first occurrence of `needle` (case-insensitive,
    /// ASCII) in the statement, or its first word.
    pub(crate) fn find(&self, needle: &str) -> Range<usize> {
        let haystack = self.text.to_ascii_lowercase();
        match haystack.find(&needle.to_ascii_lowercase()) {
            Some(at) => self.base + at..self.base + at + needle.len(),
            None => self.start(),
        }
    }

    pub(crate) fn error(&self, span: Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message, span)
    }

    pub(crate) fn error_at_start(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message, self.start())
    }

    pub(crate) fn warning_at_start(&self, message: impl Into<String>) -> Diagnostic {
        Diagnostic::warning(message, self.start())
    }
}
