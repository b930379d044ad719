//! The statement checks behind [`lint`](super::lint).
//!
//! The AST is only read here, never converted into the model: each check
//! matches the variants it flags and leaves the rest (`..` in the patterns
//! names fields no rule looks at).

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use migrate_core::{ConstraintKind, Migration, Name, RelationKind, Schema, SqlType, UserTypeKind};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeOperation, ColumnDef, ColumnOption, Expr,
    FromTable, Ident, ObjectName, ObjectNamePart, ObjectType, Statement, TableConstraint,
    TableFactor, TableObject,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;

use super::{Finding, Level};
use crate::diagnostic::Diagnostic;
use crate::fold::{Folder, Stmt};
use crate::split::{is_transaction_control, needs_no_transaction, split_statements};

/// Functions whose result changes from row to row: a default calling one
/// is evaluated for every existing row, which rewrites the table.
const VOLATILE_FUNCTIONS: &[&str] = &[
    "random",
    "gen_random_uuid",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "txid_current",
];

/// Every finding of every migration, before levels are applied (all at
/// [`Level::Warn`]); suppressed ones are already left out.
pub(super) fn check(migrations: &[Migration]) -> Vec<Finding> {
    crate::depth::on_large_stack(|| check_on_this_stack(migrations))
}

fn check_on_this_stack(migrations: &[Migration]) -> Vec<Finding> {
    let mut folder = Folder::new();
    let mut findings = Vec::new();
    for migration in migrations {
        // The checker reads the schema before the migration from the folder,
        // which applies it only afterwards; what must outlive that is the
        // enum labels, and only a statement naming TYPE changes them (a copy
        // of the whole schema per migration was quadratic).
        let enums_before = if contains_word_type(&migration.up) {
            enum_labels(folder.schema())
        } else {
            Vec::new()
        };
        let mut checker = Checker::new(migration, folder.schema(), &folder);
        checker.run();
        let Checker {
            findings: mut found,
            statements,
            ddl_on_existing,
            first_data_change,
            renamed_labels,
            ..
        } = checker;
        if ddl_on_existing && let Some((index, span, what)) = first_data_change {
            let finding = finding(
                migration,
                "mixed-ddl-and-data",
                Diagnostic::warning(
                    format!(
                        "this migration changes the schema of existing tables and also changes their rows ({what}): the data change runs inside the schema change's transaction and holds its locks for as long as it takes"
                    ),
                    span,
                )
                .with_help(
                    "split it: the schema change (expand) in one migration, the backfill in a migration of its own or a batched job, the contract step in a later release",
                ),
            );
            found.push((index, finding));
        }
        let _ = folder.apply(migration);
        for (name, mut labels) in removed_enum_labels(&enums_before, folder.schema()) {
            labels.retain(|label| !renamed_labels.contains(&(name.clone(), label.clone())));
            if labels.is_empty() {
                continue;
            }
            let (index, span) = statement_naming(migration, &statements, &name.name);
            let shown = labels
                .iter()
                .map(|label| format!("\"{label}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let finding = finding(
                migration,
                "enum-label-removed",
                Diagnostic::warning(
                    format!(
                        "enum type \"{}\" loses label{} {shown}: rows and running code that still use {} fail",
                        name.name,
                        if labels.len() == 1 { "" } else { "s" },
                        if labels.len() == 1 { "it" } else { "them" },
                    ),
                    span,
                )
                .with_help(
                    "keep the label until no deployed code writes it: move rows to another label in a backfill, ship the code, then recreate the type in a later release",
                ),
            );
            found.push((index, finding));
        }
        found.sort_by_key(|(_, finding)| finding.diagnostic.span.start);
        for (index, finding) in found {
            let allowed = statements
                .get(index)
                .is_some_and(|statement| statement.allows(finding.rule));
            if !allowed {
                findings.push(finding);
            }
        }
    }
    findings
}

fn finding(migration: &Migration, rule: &'static str, diagnostic: Diagnostic) -> Finding {
    Finding {
        rule,
        level: Level::Warn,
        diagnostic: diagnostic.in_file(&migration.path),
        version: migration.version.clone(),
    }
}

/// One statement of the migration: where it is and what its comments allow.
struct StatementInfo {
    span: Range<usize>,
    text: String,
    /// Rule ids named by `-- migrate:lint allow ...` lines before it.
    allowed: BTreeSet<String>,
}

impl StatementInfo {
    fn allows(&self, rule: &str) -> bool {
        self.allowed.contains(rule) || self.allowed.contains("all")
    }
}

/// The rule ids of `-- migrate:lint allow a, b` lines in `comments`.
fn allowed_rules(comments: &str) -> BTreeSet<String> {
    let mut allowed = BTreeSet::new();
    for line in comments.lines() {
        let line = line.trim_start();
        let Some(rest) = line.strip_prefix("--") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("migrate:lint") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("allow") else {
            continue;
        };
        allowed.extend(
            rest.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|id| !id.is_empty())
                .map(str::to_owned),
        );
    }
    allowed
}

/// The first statement whose text names `name` as a type being created,
/// else the first statement naming it; the first statement otherwise.
fn statement_naming(
    migration: &Migration,
    statements: &[StatementInfo],
    name: &str,
) -> (usize, Range<usize>) {
    let lower = name.to_ascii_lowercase();
    let mentions = |statement: &StatementInfo| statement.text.to_ascii_lowercase().contains(&lower);
    let create = statements.iter().position(|statement| {
        let text = statement.text.to_ascii_lowercase();
        text.starts_with("create type") && text.contains(&lower)
    });
    let index = create
        .or_else(|| statements.iter().position(mentions))
        .unwrap_or(0);
    let span = statements
        .get(index)
        .map_or(migration.up_offset..migration.up_offset, |statement| {
            statement.span.clone()
        });
    (index, span)
}

/// Every enum type of `schema` with its labels.
fn enum_labels(schema: &Schema) -> Vec<(Name, Vec<String>)> {
    crate::work::count("types copied by lint", schema.types.len());
    schema
        .types
        .iter()
        .filter_map(|(name, user_type)| match &user_type.kind {
            UserTypeKind::Enum { labels } => Some((name.clone(), labels.clone())),
            _ => None,
        })
        .collect()
}

/// Whether `sql` holds the word `type` in any case (in a string too: a
/// `DO` block's `EXECUTE 'ALTER TYPE ..'`).
fn contains_word_type(sql: &str) -> bool {
    sql.as_bytes()
        .windows(4)
        .any(|window| window.eq_ignore_ascii_case(b"type"))
}

/// Labels of enum types (existing before and after) that the migration
/// removed; a type renamed away and recreated under its old name counts.
fn removed_enum_labels(before: &[(Name, Vec<String>)], after: &Schema) -> Vec<(Name, Vec<String>)> {
    let mut removed = Vec::new();
    for (name, old) in before {
        let Some(new_type) = after.types.get(name) else {
            continue;
        };
        let UserTypeKind::Enum { labels: new } = &new_type.kind else {
            continue;
        };
        let gone: Vec<String> = old
            .iter()
            .filter(|label| !new.contains(label))
            .cloned()
            .collect();
        if !gone.is_empty() {
            removed.push((name.clone(), gone));
        }
    }
    removed
}

/// Lints one migration against the schema before it.
struct Checker<'a> {
    migration: &'a Migration,
    before: &'a Schema,
    /// The fold before this migration, for resolving type names.
    folder: &'a Folder,
    statements: Vec<StatementInfo>,
    /// (statement index, finding).
    findings: Vec<(usize, Finding)>,
    /// Whether a statement altered, dropped or indexed an existing table.
    ddl_on_existing: bool,
    /// The first UPDATE/INSERT/DELETE on an existing table.
    first_data_change: Option<(usize, Range<usize>, String)>,
    /// Check expressions added in this migration, by table (a valid
    /// `CHECK (c IS NOT NULL)` makes a later SET NOT NULL skip its scan).
    checks: HashMap<Name, Vec<String>>,
    /// Enum labels renamed by `ALTER TYPE .. RENAME VALUE` (already flagged).
    renamed_labels: Vec<(Name, String)>,
}

impl<'a> Checker<'a> {
    fn new(migration: &'a Migration, before: &'a Schema, folder: &'a Folder) -> Self {
        let sql = migration.up.as_str();
        let mut statements = Vec::new();
        let mut previous_end = 0;
        for statement in split_statements(sql) {
            let comments = &sql[previous_end..statement.span.start];
            previous_end = statement.span.end;
            statements.push(StatementInfo {
                span: migration.up_offset + statement.span.start
                    ..migration.up_offset + statement.span.end,
                text: statement.text.to_owned(),
                allowed: allowed_rules(comments),
            });
        }
        Self {
            migration,
            before,
            folder,
            statements,
            findings: Vec::new(),
            ddl_on_existing: false,
            first_data_change: None,
            checks: HashMap::new(),
            renamed_labels: Vec::new(),
        }
    }

    fn push(&mut self, index: usize, rule: &'static str, diagnostic: Diagnostic) {
        let finding = finding(self.migration, rule, diagnostic);
        self.findings.push((index, finding));
    }

    fn run(&mut self) {
        let n_statements = self
            .statements
            .iter()
            .filter(|statement| !is_transaction_control(&statement.text))
            .count();
        // Other statements that a transaction could hold: a failure after
        // them leaves the migration half applied.
        let mixed = self.statements.iter().any(|statement| {
            !is_transaction_control(&statement.text) && !needs_no_transaction(&statement.text)
        });
        let mut in_transaction_block = false;
        for index in 0..self.statements.len() {
            let text = self.statements[index].text.clone();
            let base = self.statements[index].span.start;
            let stmt = Stmt::new(&text, base);
            if is_transaction_control(&text) {
                let first = text
                    .split_whitespace()
                    .next()
                    .unwrap_or("")
                    .to_ascii_uppercase();
                in_transaction_block = matches!(first.as_str(), "BEGIN" | "START");
                continue;
            }
            if needs_no_transaction(&text) {
                self.concurrently(
                    index,
                    &stmt,
                    in_transaction_block,
                    mixed.then_some(n_statements),
                );
            }
            if crate::depth::past_max_chain(&text).is_some() {
                // The fold has said it cannot follow it.
                continue;
            }
            let Ok(parsed) = Parser::parse_sql(&PostgreSqlDialect {}, &text) else {
                // What sqlparser cannot read is not linted (the fold has
                // already said what it made of it).
                continue;
            };
            for statement in &parsed {
                self.statement(index, &stmt, statement);
            }
        }
    }

    fn concurrently(
        &mut self,
        index: usize,
        stmt: &Stmt,
        in_transaction_block: bool,
        mixed_with: Option<usize>,
    ) {
        // `CREATE UNIQUE INDEX CONCURRENTLY`: the words up to the keyword.
        let words: Vec<&str> = stmt.text.split_whitespace().take(6).collect();
        let what = match words
            .iter()
            .position(|word| word.eq_ignore_ascii_case("concurrently"))
        {
            Some(at) => words[..=at].join(" "),
            None => crate::fold::first_words(stmt.text),
        };
        let span = stmt.find("CONCURRENTLY");
        if in_transaction_block {
            self.push(
                index,
                "concurrently-in-transaction",
                Diagnostic::warning(
                    format!("{what} cannot run inside a transaction block"),
                    span,
                )
                .with_help(
                    "move the statement out of BEGIN/COMMIT, into a migration of its own that runs outside a transaction",
                ),
            );
        } else if let Some(n_statements) = mixed_with {
            self.push(
                index,
                "concurrently-in-transaction",
                Diagnostic::warning(
                    format!(
                        "{what} cannot run inside a transaction block, and this migration has {n_statements} statements: it runs them one by one outside a transaction, so a failure leaves it half applied"
                    ),
                    span,
                )
                .with_help(
                    "put the CONCURRENTLY statement alone in a migration of its own, marked to run outside a transaction",
                ),
            );
        }
    }

    fn statement(&mut self, index: usize, stmt: &Stmt, statement: &Statement) {
        match statement {
            Statement::Drop {
                object_type: ObjectType::Table,
                names,
                ..
            } => {
                for name in names {
                    let Some(table) = self.existing_table(name) else {
                        continue;
                    };
                    self.ddl_on_existing = true;
                    self.push(
                        index,
                        "drop-table",
                        Diagnostic::warning(
                            format!(
                                "dropping table \"{}\" breaks the running code that still uses it, and its data is gone",
                                table.name
                            ),
                            stmt.span_of_object_name(name),
                        )
                        .with_help(
                            "contract last: ship code that no longer uses the table first, then drop it in a later release's migration",
                        ),
                    );
                }
            }
            Statement::AlterTable(alter) => {
                let Some(table) = self.existing_table(&alter.name) else {
                    return;
                };
                self.ddl_on_existing = true;
                for operation in &alter.operations {
                    self.alter_table(index, stmt, &table, operation);
                }
            }
            Statement::CreateIndex(create) => {
                let Some(table) = self.existing_table(&create.table_name) else {
                    return;
                };
                self.ddl_on_existing = true;
                let partitioned = self
                    .before
                    .relation(&table)
                    .is_some_and(|relation| relation.kind == RelationKind::PartitionedTable);
                if !create.concurrently && !partitioned {
                    self.push(
                        index,
                        "index-without-concurrently",
                        Diagnostic::warning(
                            format!(
                                "creating an index on existing table \"{}\" without CONCURRENTLY blocks writes to the table until the index is built",
                                table.name
                            ),
                            stmt.start(),
                        )
                        .with_help(
                            "use CREATE INDEX CONCURRENTLY, alone in a migration that runs outside a transaction",
                        ),
                    );
                }
            }
            Statement::AlterType(alter) => {
                if let AlterTypeOperation::RenameValue(rename) = &alter.operation
                    && let Some(name) = self.existing_type(&alter.name)
                {
                    self.renamed_labels
                        .push((name.clone(), rename.from.value.clone()));
                    self.push(
                        index,
                        "enum-label-removed",
                        Diagnostic::warning(
                            format!(
                                "renaming label \"{}\" of enum type \"{}\" to \"{}\" breaks running code that still writes \"{}\"",
                                rename.from.value, name.name, rename.to.value, rename.from.value
                            ),
                            stmt.find(&format!("'{}'", rename.from.value)),
                        )
                        .with_help(
                            "add the new label (ALTER TYPE .. ADD VALUE), move rows and code to it, and drop the old one only after no deployed code uses it",
                        ),
                    );
                }
            }
            Statement::Insert(insert) => {
                if let TableObject::TableName(name) = &insert.table {
                    self.data_change(index, stmt, name, "INSERT");
                }
            }
            Statement::Update(update) => {
                if let TableFactor::Table { name, .. } = &update.table.relation {
                    self.data_change(index, stmt, name, "UPDATE");
                }
            }
            Statement::Delete(delete) => {
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &delete.from;
                for table in from {
                    if let TableFactor::Table { name, .. } = &table.relation {
                        self.data_change(index, stmt, name, "DELETE");
                    }
                }
            }
            _ => {}
        }
    }

    fn data_change(&mut self, index: usize, stmt: &Stmt, name: &ObjectName, what: &str) {
        if self.first_data_change.is_some() {
            return;
        }
        if let Some(table) = self.existing_table(name) {
            self.first_data_change =
                Some((index, stmt.start(), format!("{what} on \"{}\"", table.name)));
        }
    }

    fn alter_table(
        &mut self,
        index: usize,
        stmt: &Stmt,
        table: &Name,
        operation: &AlterTableOperation,
    ) {
        let Some(relation) = self.before.relation(table) else {
            return;
        };
        match operation {
            AlterTableOperation::DropColumn { column_names, .. } => {
                for column in column_names {
                    let name = ident(column);
                    if relation.column(&name).is_none() {
                        continue;
                    }
                    self.push(
                        index,
                        "drop-column",
                        Diagnostic::warning(
                            format!(
                                "dropping column \"{name}\" of \"{}\" breaks the running code that still reads or writes it, and its data is gone",
                                table.name
                            ),
                            stmt.span_of_ident(column),
                        )
                        .with_help(
                            "contract last: ship code that no longer uses the column first, then drop it in a later release's migration",
                        ),
                    );
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let old = ident(old_column_name);
                if relation.column(&old).is_none() {
                    return;
                }
                self.push(
                    index,
                    "rename-column",
                    Diagnostic::warning(
                        format!(
                            "renaming column \"{old}\" of \"{}\" to \"{}\" breaks the running code that still uses \"{old}\"",
                            table.name,
                            ident(new_column_name)
                        ),
                        stmt.span_of_ident(old_column_name),
                    )
                    .with_help(
                        "expand: add the new column and write both (a trigger can), backfill it; ship code that reads the new one; contract: drop the old column in a later release",
                    ),
                );
            }
            AlterTableOperation::RenameTable { table_name } => {
                let (sqlparser::ast::RenameTableNameKind::As(new)
                | sqlparser::ast::RenameTableNameKind::To(new)) = table_name;
                self.push(
                    index,
                    "rename-table",
                    Diagnostic::warning(
                        format!(
                            "renaming table \"{}\" to \"{}\" breaks the running code that still uses \"{}\"",
                            table.name,
                            last_part(new),
                            table.name
                        ),
                        stmt.span_of_object_name(new),
                    )
                    .with_help(
                        "expand: create the new table (or rename and leave a view under the old name), ship code that uses the new name; contract: drop the old name in a later release",
                    ),
                );
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                let name = ident(column_name);
                let Some(column) = relation.column(&name) else {
                    return;
                };
                match op {
                    AlterColumnOperation::SetNotNull => {
                        if column.not_null || self.has_not_null_check(table, &name) {
                            return;
                        }
                        self.push(
                            index,
                            "set-not-null",
                            Diagnostic::warning(
                                format!(
                                    "SET NOT NULL on column \"{name}\" of existing table \"{}\" scans the whole table while holding an ACCESS EXCLUSIVE lock",
                                    table.name
                                ),
                                stmt.span_of_ident(column_name),
                            )
                            .with_help(format!(
                                "add CHECK (\"{name}\" IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it in a later migration, then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check"
                            )),
                        );
                    }
                    AlterColumnOperation::SetDataType {
                        data_type, using, ..
                    } => {
                        let new = self.folder.resolve_type(stmt, data_type).ok().map(|r| r.ty);
                        let old = &column.ty;
                        let rewrites = match &new {
                            Some(new) => using.is_some() || !binary_coercible(old, new),
                            None => true,
                        };
                        if !rewrites {
                            return;
                        }
                        let mut shown =
                            new.map_or_else(|| data_type.to_string(), |ty| ty.to_string());
                        if shown == old.to_string() {
                            // An enum recreated under its old name, say.
                            shown = format!("a new type named {shown}");
                        }
                        self.push(
                            index,
                            "rewriting-type-change",
                            Diagnostic::warning(
                                format!(
                                    "changing column \"{name}\" of \"{}\" from {old} to {shown} rewrites the table and its indexes while holding an ACCESS EXCLUSIVE lock (reads and writes wait), and running code may not read the new type",
                                    table.name
                                ),
                                stmt.span_of_ident(column_name),
                            )
                            .with_help(
                                "expand: add a column of the new type and write both; backfill it in batches; ship code that reads it; contract: drop the old column",
                            ),
                        );
                    }
                    _ => {}
                }
            }
            AlterTableOperation::AddColumn { column_def, .. } => {
                self.add_column(index, stmt, table, column_def);
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                let kind = match constraint {
                    TableConstraint::Unique(_) | TableConstraint::PrimaryKey(_) => {
                        let what = if matches!(constraint, TableConstraint::Unique(_)) {
                            "unique"
                        } else {
                            "primary key"
                        };
                        self.push(
                            index,
                            "index-without-concurrently",
                            Diagnostic::warning(
                                format!(
                                    "adding a {what} constraint to existing table \"{}\" builds its index while holding an ACCESS EXCLUSIVE lock: reads and writes wait until it is built",
                                    table.name
                                ),
                                stmt.span_of(constraint),
                            )
                            .with_help(format!(
                                "CREATE UNIQUE INDEX CONCURRENTLY in a migration of its own, then ADD CONSTRAINT .. {} USING INDEX",
                                what.to_uppercase()
                            )),
                        );
                        return;
                    }
                    TableConstraint::ForeignKey(_) => "foreign key",
                    TableConstraint::Check(check) => {
                        if !*not_valid {
                            // A valid check proves NOT NULL for a later SET NOT NULL.
                            self.checks
                                .entry(table.clone())
                                .or_default()
                                .push(check.expr.to_string());
                        }
                        "check constraint"
                    }
                    _ => return,
                };
                if *not_valid {
                    return;
                }
                self.push(
                    index,
                    "constraint-without-not-valid",
                    Diagnostic::warning(
                        format!(
                            "adding a {kind} to existing table \"{}\" without NOT VALID checks every row while holding a lock that blocks writes",
                            table.name
                        ),
                        stmt.span_of(constraint),
                    )
                    .with_help(
                        "add it with NOT VALID (new rows are checked at once), then VALIDATE CONSTRAINT in a later migration: validation takes a lock that lets writes through",
                    ),
                );
            }
            _ => {}
        }
    }

    fn add_column(&mut self, index: usize, stmt: &Stmt, table: &Name, column_def: &ColumnDef) {
        let name = ident(&column_def.name);
        let mut not_null = false;
        let mut default: Option<&Expr> = None;
        let mut generated = false;
        for option in &column_def.options {
            match &option.option {
                ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => not_null = true,
                ColumnOption::Default(expr) => default = Some(expr),
                ColumnOption::Generated { .. } => generated = true,
                _ => {}
            }
        }
        let type_name = column_def.data_type.to_string().to_ascii_lowercase();
        let serial = matches!(
            type_name.as_str(),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
        );
        let volatile = default
            .and_then(volatile_call)
            .or_else(|| serial.then(|| format!("nextval() (the {type_name} shorthand)")));
        if let Some(call) = volatile {
            let span = default.map_or_else(
                || stmt.span_of_ident(&column_def.name),
                |expr| stmt.span_of(expr),
            );
            self.push(
                index,
                "volatile-default",
                Diagnostic::warning(
                    format!(
                        "adding column \"{name}\" to existing table \"{}\" with the volatile default {call} rewrites the whole table while holding an ACCESS EXCLUSIVE lock",
                        table.name
                    ),
                    span,
                ),
            );
            if let Some((_, finding)) = self.findings.last_mut() {
                finding.diagnostic.help = Some(
                    "add the column without a default, then SET DEFAULT in another statement (new rows get it), and backfill existing rows in batches".to_owned(),
                );
            }
            return;
        }
        if not_null && default.is_none() && !generated && !serial {
            self.push(
                index,
                "required-column",
                Diagnostic::warning(
                    format!(
                        "adding NOT NULL column \"{name}\" without a default to existing table \"{}\" fails if the table has rows, and running code that inserts without it breaks",
                        table.name
                    ),
                    stmt.span_of_ident(&column_def.name),
                )
                .with_help(format!(
                    "add the column nullable or with a constant default, backfill it, then add CHECK (\"{name}\" IS NOT NULL) NOT VALID, VALIDATE it, and SET NOT NULL"
                )),
            );
        }
    }

    /// Whether a valid `CHECK (column IS NOT NULL)` exists before the
    /// migration or was added earlier in it.
    fn has_not_null_check(&self, table: &Name, column: &str) -> bool {
        let wanted = format!("{column} is not null");
        let matches = |expression: &str| {
            expression
                .to_ascii_lowercase()
                .replace(['(', ')', '"'], "")
                .contains(&wanted)
        };
        let before = self.before.relation(table).is_some_and(|relation| {
            relation.constraints.iter().any(|constraint| {
                !constraint.not_valid
                    && matches!(&constraint.kind, ConstraintKind::Check { expression } if matches(expression))
            })
        });
        before
            || self
                .checks
                .get(table)
                .is_some_and(|checks| checks.iter().any(|check| matches(check)))
    }

    /// A table (or other relation) that existed before the migration.
    fn existing_table(&self, name: &ObjectName) -> Option<Name> {
        let parts = object_name_parts(name);
        match parts.as_slice() {
            [table] => {
                let public = Name::public(table);
                if self.before.relations.contains_key(&public) {
                    return Some(public);
                }
                self.before
                    .relations
                    .keys()
                    .find(|key| key.name == *table && key.schema != crate::fold::TEMP_SCHEMA)
                    .cloned()
            }
            [.., schema, table] => {
                let name = Name::new(schema, table);
                self.before.relations.contains_key(&name).then_some(name)
            }
            [] => None,
        }
    }

    fn existing_type(&self, name: &ObjectName) -> Option<Name> {
        let parts = object_name_parts(name);
        match parts.as_slice() {
            [type_name] => self
                .before
                .types
                .keys()
                .find(|key| key.name == *type_name)
                .cloned(),
            [.., schema, type_name] => {
                let name = Name::new(schema, type_name);
                self.before.types.contains_key(&name).then_some(name)
            }
            [] => None,
        }
    }
}

/// The first volatile function a default calls, as `name()`.
fn volatile_call(expr: &Expr) -> Option<String> {
    let text = expr.to_string().to_ascii_lowercase();
    VOLATILE_FUNCTIONS.iter().find_map(|function| {
        let at = text.find(&format!("{function}("))?;
        // Not the tail of a longer name (`my_random(`).
        let before = text[..at].chars().next_back();
        let standalone = before.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        standalone.then(|| format!("{function}()"))
    })
}

/// Whether PostgreSQL changes `old` into `new` without rewriting the table
/// (a binary-coercible change whose new modifier accepts every old value).
pub(crate) fn binary_coercible(old: &SqlType, new: &SqlType) -> bool {
    if old == new {
        return true;
    }
    if old.array != new.array || !old.is_builtin() || !new.is_builtin() {
        return false;
    }
    // A missing modifier is "no limit".
    let widens = |old_limit: Option<&i64>, new_limit: Option<&i64>| match (old_limit, new_limit) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(old), Some(new)) => new >= old,
    };
    match (old.name.as_str(), new.name.as_str()) {
        ("varchar", "varchar") | ("bit varying", "varbit") | ("varbit", "varbit") => {
            widens(old.modifiers.first(), new.modifiers.first())
        }
        ("varchar", "text") | ("text", "varchar") => new.modifiers.is_empty(),
        ("bpchar", "varchar") | ("bpchar", "text") => false,
        ("numeric", "numeric") => match (old.modifiers.as_slice(), new.modifiers.as_slice()) {
            (_, []) => true,
            ([], [_, ..]) => false,
            ([old_precision, old_scale @ ..], [new_precision, new_scale @ ..]) => {
                let old_scale = old_scale.first().copied().unwrap_or(0);
                let new_scale = new_scale.first().copied().unwrap_or(0);
                new_scale == old_scale && new_precision >= old_precision
            }
        },
        // Precision of time types: a wider one keeps every value.
        ("timestamp", "timestamp")
        | ("timestamptz", "timestamptz")
        | ("time", "time")
        | ("timetz", "timetz")
        | ("interval", "interval") => widens(old.modifiers.first(), new.modifiers.first()),
        ("cidr", "inet") | ("xml", "text") => new.modifiers.is_empty(),
        _ => false,
    }
}

/// An identifier as PostgreSQL stores it: unquoted ones in lower case.
fn ident(ident: &Ident) -> String {
    match ident.quote_style {
        Some(_) => ident.value.clone(),
        None => ident.value.to_ascii_lowercase(),
    }
}

fn object_name_parts(name: &ObjectName) -> Vec<String> {
    name.0
        .iter()
        .map(|part| match part {
            ObjectNamePart::Identifier(part) => ident(part),
            ObjectNamePart::Function(function) => function.to_string(),
        })
        .collect()
}

fn last_part(name: &ObjectName) -> String {
    object_name_parts(name).pop().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_coercible_changes() {
        let varchar = |n: i64| SqlType::builtin("varchar").with_modifiers(vec![n]);
        let numeric = |p: i64, s: i64| SqlType::builtin("numeric").with_modifiers(vec![p, s]);
        assert!(binary_coercible(&varchar(20), &varchar(40)));
        assert!(!binary_coercible(&varchar(40), &varchar(20)));
        assert!(binary_coercible(&varchar(20), &SqlType::builtin("text")));
        assert!(binary_coercible(&varchar(20), &SqlType::builtin("varchar")));
        assert!(binary_coercible(&numeric(10, 2), &numeric(12, 2)));
        assert!(!binary_coercible(&numeric(10, 2), &numeric(12, 3)));
        assert!(binary_coercible(
            &numeric(10, 2),
            &SqlType::builtin("numeric")
        ));
        assert!(!binary_coercible(
            &SqlType::builtin("int4"),
            &SqlType::builtin("int8")
        ));
        assert!(!binary_coercible(
            &SqlType::builtin("timestamp"),
            &SqlType::builtin("timestamptz")
        ));
    }

    #[test]
    fn suppression_comments_name_rules() {
        let allowed = allowed_rules("-- why\n-- migrate:lint allow drop-column, rename-table\n");
        assert_eq!(
            allowed.into_iter().collect::<Vec<_>>(),
            ["drop-column", "rename-table"]
        );
        assert!(allowed_rules("-- migrate:lint deny drop-column").is_empty());
    }
}
