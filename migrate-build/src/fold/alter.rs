//! ALTER TABLE and what renaming or dropping a column or table drags along.

use migrate_core::{ConstraintKind, Identity, Name};
use sqlparser::ast::{
    AlterColumnOperation, AlterTable, AlterTableOperation, DropBehavior, GeneratedAs, Ident,
    ObjectName, RenameTableNameKind,
};

use super::{Fallible, Folder, Stmt, names};

impl Folder {
    pub(crate) fn alter_table(&mut self, stmt: &Stmt, alter: &AlterTable) -> Fallible<()> {
        let AlterTable {
            name,
            if_exists,
            only: _, // ONLY: the change is the same for the fold
            operations,
            location: _,   // Hive
            on_cluster: _, // ClickHouse
            table_type: _, // Snowflake ICEBERG/DYNAMIC
            end_token: _,
        } = alter;
        let (schema, object) = Self::split_name(stmt, name)?;
        let Some(table) = self.find_relation(schema.as_deref(), &object) else {
            if *if_exists {
                return Ok(());
            }
            return Err(self.missing_relation(stmt, name, &object));
        };
        // PostgreSQL runs the actions pass by pass (drops, type changes,
        // new columns, constraints, ...), each pass in the order written.
        let mut ordered: Vec<&AlterTableOperation> = operations.iter().collect();
        ordered.sort_by_key(|operation| operation_pass(operation));
        let mut table = table;
        for operation in ordered {
            table = self.alter_table_operation(stmt, &table, operation)?;
        }
        Ok(())
    }

    /// Applies one action of ALTER TABLE; returns the table's name after it
    /// (RENAME TO changes it).
    fn alter_table_operation(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        operation: &AlterTableOperation,
    ) -> Fallible<Name> {
        match operation {
            AlterTableOperation::AddColumn {
                column_keyword: _,
                if_not_exists,
                column_def,
                column_position: _, // MySQL
            } => {
                let column_name = names::ident(&column_def.name);
                let relation = &self.schema.relations[table];
                if relation.column(&column_name).is_some() {
                    if *if_not_exists {
                        return Ok(table.clone());
                    }
                    return Err(stmt.error(
                        stmt.span_of_ident(&column_def.name),
                        format!(
                            "column \"{column_name}\" of relation \"{}\" already exists",
                            table.name
                        ),
                    ));
                }
                let (column, specs, sequence) =
                    self.column_definition(stmt, table, column_def, relation, &[])?;
                if let Some((sequence_name, sequence)) = sequence {
                    self.schema.sequences.insert(sequence_name, sequence);
                }
                self.relation_mut(table).columns.push(column);
                self.add_constraints(stmt, table, specs)?;
            }
            AlterTableOperation::DropColumn {
                has_column_keyword: _,
                column_names,
                if_exists,
                drop_behavior,
            } => {
                let cascade = matches!(drop_behavior, Some(DropBehavior::Cascade));
                for column in column_names {
                    self.drop_column(stmt, table, column, *if_exists, cascade)?;
                }
            }
            AlterTableOperation::AlterColumn { column_name, op } => {
                self.alter_column(stmt, table, column_name, op)?;
            }
            AlterTableOperation::AddConstraint {
                constraint,
                not_valid,
            } => {
                let spec = self.table_constraint(stmt, constraint, *not_valid)?;
                self.add_constraint(stmt, table, spec)?;
            }
            AlterTableOperation::DropConstraint {
                if_exists,
                name,
                drop_behavior: _, // dependent FKs on a dropped unique index: not tracked
            } => {
                let constraint_name = names::ident(name);
                let relation = self.relation_mut(table);
                let Some(position) = relation
                    .constraints
                    .iter()
                    .position(|c| c.name == constraint_name)
                else {
                    if *if_exists {
                        return Ok(table.clone());
                    }
                    return Err(self.missing_constraint(stmt, table, name));
                };
                let removed = relation.constraints.remove(position);
                if matches!(
                    removed.kind,
                    ConstraintKind::PrimaryKey { .. }
                        | ConstraintKind::Unique { .. }
                        | ConstraintKind::Exclusion { .. }
                ) {
                    self.schema
                        .indexes
                        .remove(&Name::new(&table.schema, &constraint_name));
                }
            }
            AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => self.rename_column(stmt, table, old_column_name, new_column_name)?,
            AlterTableOperation::RenameTable { table_name } => {
                let new = match table_name {
                    RenameTableNameKind::As(name) | RenameTableNameKind::To(name) => name,
                };
                return self.rename_relation(stmt, table, new);
            }
            AlterTableOperation::RenameConstraint { old_name, new_name } => {
                let old = names::ident(old_name);
                let new = names::ident(new_name);
                let relation = &self.schema.relations[table];
                if relation.constraints.iter().any(|c| c.name == new) {
                    return Err(stmt.error(
                        stmt.span_of_ident(new_name),
                        format!(
                            "constraint \"{new}\" for relation \"{}\" already exists",
                            table.name
                        ),
                    ));
                }
                let Some(position) = relation.constraints.iter().position(|c| c.name == old) else {
                    return Err(self.missing_constraint(stmt, table, old_name));
                };
                let index_backed = matches!(
                    relation.constraints[position].kind,
                    ConstraintKind::PrimaryKey { .. }
                        | ConstraintKind::Unique { .. }
                        | ConstraintKind::Exclusion { .. }
                );
                if index_backed && self.class_name_taken(&table.schema, &new) {
                    return Err(stmt.error(
                        stmt.span_of_ident(new_name),
                        format!("relation \"{new}\" already exists"),
                    ));
                }
                self.relation_mut(table).constraints[position].name = new.clone();
                if index_backed
                    && let Some(mut index) =
                        self.schema.indexes.remove(&Name::new(&table.schema, &old))
                {
                    index.constraint = Some(new.clone());
                    self.schema
                        .indexes
                        .insert(Name::new(&table.schema, &new), index);
                }
            }
            AlterTableOperation::ValidateConstraint { name } => {
                let constraint_name = names::ident(name);
                let error = self.missing_constraint(stmt, table, name);
                let relation = self.relation_mut(table);
                match relation
                    .constraints
                    .iter_mut()
                    .find(|c| c.name == constraint_name)
                {
                    Some(constraint) => constraint.not_valid = false,
                    None => return Err(error),
                }
            }
            AlterTableOperation::SetLogged => self.relation_mut(table).unlogged = false,
            AlterTableOperation::SetUnlogged => self.relation_mut(table).unlogged = true,
            // Actions that change no shape.
            AlterTableOperation::EnableRowLevelSecurity
            | AlterTableOperation::DisableRowLevelSecurity
            | AlterTableOperation::ForceRowLevelSecurity
            | AlterTableOperation::NoForceRowLevelSecurity
            | AlterTableOperation::EnableTrigger { .. }
            | AlterTableOperation::DisableTrigger { .. }
            | AlterTableOperation::EnableAlwaysTrigger { .. }
            | AlterTableOperation::EnableReplicaTrigger { .. }
            | AlterTableOperation::EnableRule { .. }
            | AlterTableOperation::DisableRule { .. }
            | AlterTableOperation::EnableAlwaysRule { .. }
            | AlterTableOperation::EnableReplicaRule { .. }
            | AlterTableOperation::ReplicaIdentity { .. }
            | AlterTableOperation::OwnerTo { .. }
            | AlterTableOperation::SetOptionsParens { .. } => {}
            // Other dialects' actions (ClickHouse projections and partitions,
            // MySQL's CHANGE/MODIFY/ALGORITHM, Snowflake clustering, ...): the
            // PostgreSQL dialect does not produce them, PostgreSQL rejects them.
            other @ (AlterTableOperation::AddProjection { .. }
            | AlterTableOperation::DropProjection { .. }
            | AlterTableOperation::MaterializeProjection { .. }
            | AlterTableOperation::ClearProjection { .. }
            | AlterTableOperation::AttachPartition { .. }
            | AlterTableOperation::DetachPartition { .. }
            | AlterTableOperation::FreezePartition { .. }
            | AlterTableOperation::UnfreezePartition { .. }
            | AlterTableOperation::DropPrimaryKey { .. }
            | AlterTableOperation::DropForeignKey { .. }
            | AlterTableOperation::DropIndex { .. }
            | AlterTableOperation::RenamePartitions { .. }
            | AlterTableOperation::AddPartitions { .. }
            | AlterTableOperation::DropPartitions { .. }
            | AlterTableOperation::ChangeColumn { .. }
            | AlterTableOperation::ModifyColumn { .. }
            | AlterTableOperation::SwapWith { .. }
            | AlterTableOperation::SetTblProperties { .. }
            | AlterTableOperation::ClusterBy { .. }
            | AlterTableOperation::DropClusteringKey
            | AlterTableOperation::AlterSortKey { .. }
            | AlterTableOperation::SuspendRecluster
            | AlterTableOperation::ResumeRecluster
            | AlterTableOperation::Refresh { .. }
            | AlterTableOperation::Suspend
            | AlterTableOperation::Resume
            | AlterTableOperation::Algorithm { .. }
            | AlterTableOperation::Lock { .. }
            | AlterTableOperation::AutoIncrement { .. }) => {
                // PostgreSQL's grammar took the statement (see `syntax`):
                // sqlparser read this action as another dialect's, and the
                // fold does not know what PostgreSQL makes of it.
                self.diagnostics.push(
                    stmt.warning_at_start(format!(
                        "the fold does not know the ALTER TABLE action `{}` and assumed it changes no table, column or type; the other actions are folded",
                        super::first_words(&other.to_string())
                    ))
                    .with_help("state what it changes with a `-- migrate:assume <SQL>;` comment line right before the statement, or silence this warning with `-- migrate:ignore`"),
                );
            }
        }
        Ok(table.clone())
    }

    fn alter_column(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        column_ident: &Ident,
        operation: &AlterColumnOperation,
    ) -> Fallible<()> {
        let column_name = names::ident(column_ident);
        if self.schema.relations[table].column(&column_name).is_none() {
            return Err(self.missing_column(stmt, table, column_ident));
        }
        match operation {
            AlterColumnOperation::SetNotNull => {
                self.column_mut(table, &column_name).not_null = true
            }
            AlterColumnOperation::DropNotNull => {
                let in_primary_key = self.schema.relations[table]
                    .primary_key()
                    .is_some_and(|pk| pk.kind.columns().contains(&column_name));
                if in_primary_key {
                    return Err(stmt.error(
                        stmt.span_of_ident(column_ident),
                        format!("column \"{column_name}\" is in a primary key"),
                    ));
                }
                let column = self.column_mut(table, &column_name);
                if column.identity.is_some() {
                    return Err(stmt.error(
                        stmt.span_of_ident(column_ident),
                        format!(
                            "column \"{column_name}\" of relation \"{}\" is an identity column",
                            table.name
                        ),
                    ));
                }
                column.not_null = false;
            }
            AlterColumnOperation::SetDefault { value } => {
                let ty = self.schema.relations[table]
                    .column(&column_name)
                    .map(|column| column.ty.clone())
                    .unwrap_or_else(|| migrate_core::SqlType::builtin("text"));
                let default = self.render_default(stmt, value, &ty);
                self.column_mut(table, &column_name).default = default;
            }
            AlterColumnOperation::DropDefault => {
                self.column_mut(table, &column_name).default = None
            }
            AlterColumnOperation::SetDataType {
                data_type,
                using: _, // how rows convert, not the shape
                had_set: _,
            } => {
                let resolved = self.resolve_type(stmt, data_type)?;
                if resolved.serial {
                    return Err(stmt.error(
                        stmt.span_of_ident(column_ident),
                        format!(
                            "type \"{}\" does not exist",
                            data_type.to_string().to_lowercase()
                        ),
                    ));
                }
                self.column_mut(table, &column_name).ty = resolved.ty;
            }
            AlterColumnOperation::AddGenerated {
                generated_as,
                sequence_options: _,
            } => {
                let sequence_name =
                    names::choose_name(&table.name, Some(&column_name), "seq", |candidate| {
                        self.class_name_taken(&table.schema, candidate)
                    });
                let ty = self.schema.relations[table]
                    .column(&column_name)
                    .map(|column| column.ty.clone())
                    .unwrap_or_else(|| migrate_core::SqlType::builtin("int4"));
                self.schema.sequences.insert(
                    Name::new(&table.schema, &sequence_name),
                    migrate_core::Sequence {
                        data_type: ty,
                        owned_by: Some((table.clone(), column_name.clone())),
                        start: None,
                        increment: None,
                    },
                );
                let column = self.column_mut(table, &column_name);
                column.identity = Some(match generated_as {
                    Some(GeneratedAs::Always) => Identity::Always,
                    _ => Identity::ByDefault,
                });
                column.not_null = true;
            }
        }
        Ok(())
    }

    pub(crate) fn drop_column(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        column_ident: &Ident,
        if_exists: bool,
        cascade: bool,
    ) -> Fallible<()> {
        let column_name = names::ident(column_ident);
        let relation = &self.schema.relations[table];
        if relation.column(&column_name).is_none() {
            if if_exists {
                return Ok(());
            }
            return Err(self.missing_column(stmt, table, column_ident));
        }
        // Views reading the column, and foreign keys of other tables on it.
        let dependent_views: Vec<Name> = self
            .schema
            .relations
            .iter()
            .filter(|(_, view)| view.depends_on.contains(table))
            .filter(
                |(view_name, view)| match self.view_columns.get(*view_name) {
                    Some(uses) => uses
                        .iter()
                        .any(|(used_table, used)| used_table == table && *used == column_name),
                    None => view
                        .definition
                        .as_deref()
                        .is_some_and(|definition| mentions_word(definition, &column_name)),
                },
            )
            .map(|(name, _)| name.clone())
            .collect();
        let dependent_foreign_keys = self.foreign_keys_referencing(table, Some(&column_name));
        if !cascade {
            if let Some(view) = dependent_views.first() {
                return Err(stmt
                    .error(
                        stmt.span_of_ident(column_ident),
                        format!(
                            "cannot drop column {column_name} of table {} because other objects depend on it",
                            table.name
                        ),
                    )
                    .with_help(format!(
                        "view {} depends on column {column_name} of table {}; use DROP ... CASCADE to drop the dependent objects too",
                        view.name, table.name
                    )));
            }
            if let Some((other, constraint)) = dependent_foreign_keys
                .iter()
                .find(|(other, _)| other != table)
            {
                return Err(stmt
                    .error(
                        stmt.span_of_ident(column_ident),
                        format!(
                            "cannot drop column {column_name} of table {} because other objects depend on it",
                            table.name
                        ),
                    )
                    .with_help(format!(
                        "constraint {constraint} on table {} depends on column {column_name} of table {}; use DROP ... CASCADE to drop the dependent objects too",
                        other.name, table.name
                    )));
            }
        }
        for view in dependent_views {
            self.drop_relation_cascade(&view);
        }
        for (other, constraint) in dependent_foreign_keys {
            if let Some(relation) = self.schema.relations.get_mut(&other) {
                relation.constraints.retain(|c| c.name != constraint);
            }
        }
        // Constraints and indexes on the column go with it.
        let relation = self.relation_mut(table);
        let mut dropped_constraints = Vec::new();
        relation.constraints.retain(|constraint| {
            let uses_column = match &constraint.kind {
                ConstraintKind::Check { expression } => mentions_word(expression, &column_name),
                ConstraintKind::Exclusion { definition } => mentions_word(definition, &column_name),
                other => other.columns().contains(&column_name),
            };
            if uses_column {
                dropped_constraints.push(constraint.name.clone());
            }
            !uses_column
        });
        relation.columns.retain(|column| column.name != column_name);
        let schema = table.schema.clone();
        self.schema.indexes.retain(|name, index| {
            if &index.table != table {
                return true;
            }
            if name.schema == schema && dropped_constraints.contains(&name.name) {
                return false;
            }
            let uses_column = index
                .keys
                .iter()
                .chain(&index.include)
                .any(|key| mentions_word(key, &column_name))
                || index
                    .predicate
                    .as_deref()
                    .is_some_and(|p| mentions_word(p, &column_name));
            !uses_column
        });
        self.schema.sequences.retain(|_, sequence| {
            sequence.owned_by.as_ref() != Some(&(table.clone(), column_name.clone()))
        });
        self.record_change(stmt, table, Some(&column_name), None);
        Ok(())
    }

    fn rename_column(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        old_ident: &Ident,
        new_ident: &Ident,
    ) -> Fallible<()> {
        let old = names::ident(old_ident);
        let new = names::ident(new_ident);
        let relation = &self.schema.relations[table];
        if relation.column(&old).is_none() {
            // PostgreSQL names no relation here, unlike for other ALTERs.
            let mut error = self.missing_column(stmt, table, old_ident);
            error.message = format!("column \"{old}\" does not exist");
            return Err(error);
        }
        if relation.column(&new).is_some() {
            return Err(stmt.error(
                stmt.span_of_ident(new_ident),
                format!(
                    "column \"{new}\" of relation \"{}\" already exists",
                    table.name
                ),
            ));
        }
        let rename = |columns: &mut Vec<String>| {
            for column in columns.iter_mut() {
                if *column == old {
                    *column = new.clone();
                }
            }
        };
        self.column_mut(table, &old).name = new.clone();
        for (name, relation) in self.schema.relations.iter_mut() {
            for constraint in &mut relation.constraints {
                match &mut constraint.kind {
                    ConstraintKind::PrimaryKey { columns }
                    | ConstraintKind::Unique { columns, .. }
                        if name == table =>
                    {
                        rename(columns)
                    }
                    ConstraintKind::ForeignKey {
                        columns,
                        references,
                        referenced_columns,
                        ..
                    } => {
                        if name == table {
                            rename(columns);
                        }
                        if references == table {
                            rename(referenced_columns);
                        }
                    }
                    _ => {}
                }
            }
        }
        // Expressions that name the column print its new name.
        if let Some(relation) = self.schema.relations.get_mut(table) {
            for constraint in &mut relation.constraints {
                if let ConstraintKind::Check { expression } = &mut constraint.kind {
                    *expression = replace_word(expression, &old, &new);
                }
            }
            for column in &mut relation.columns {
                if let Some(generated) = &mut column.generated {
                    *generated = replace_word(generated, &old, &new);
                }
            }
        }
        for index in self.schema.indexes.values_mut() {
            if &index.table == table {
                for key in &mut index.keys {
                    *key = replace_word(key, &old, &new);
                }
                if let Some(predicate) = &mut index.predicate {
                    *predicate = replace_word(predicate, &old, &new);
                }
            }
        }
        for uses in self.view_columns.values_mut() {
            for (used_table, column) in uses.iter_mut() {
                if used_table == table && *column == old {
                    *column = new.clone();
                }
            }
        }
        for index in self.schema.indexes.values_mut() {
            if &index.table == table {
                rename(&mut index.keys);
                rename(&mut index.include);
            }
        }
        for sequence in self.schema.sequences.values_mut() {
            if let Some((owner, column)) = &mut sequence.owned_by
                && owner == table
                && *column == old
            {
                *column = new.clone();
            }
        }
        self.record_change(stmt, table, Some(&old), Some(&new));
        Ok(())
    }

    /// ALTER TABLE/VIEW/SEQUENCE ... RENAME TO: the relation keeps its
    /// schema; everything that points at it follows.
    pub(crate) fn rename_relation(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        new: &ObjectName,
    ) -> Fallible<Name> {
        let parts = names::object_name_parts(new);
        let Some(new_object) = parts.last() else {
            return Err(stmt.error_at_start("syntax error"));
        };
        let new_name = Name::new(&table.schema, new_object);
        if self.class_name_taken(&table.schema, new_object) {
            return Err(stmt.error(
                stmt.span_of_object_name(new),
                format!("relation \"{new_object}\" already exists"),
            ));
        }
        let Some(relation) = self.schema.relations.remove(table) else {
            return Ok(table.clone());
        };
        self.schema.relations.insert(new_name.clone(), relation);
        self.repoint_relation(table, &new_name);
        self.record_change(stmt, table, None, Some(new_object));
        Ok(new_name)
    }

    /// Makes everything that referred to relation `old` refer to `new`.
    pub(crate) fn repoint_relation(&mut self, old: &Name, new: &Name) {
        for relation in self.schema.relations.values_mut() {
            for constraint in &mut relation.constraints {
                if let ConstraintKind::ForeignKey { references, .. } = &mut constraint.kind
                    && references == old
                {
                    *references = new.clone();
                }
            }
            if relation.parent.as_ref() == Some(old) {
                relation.parent = Some(new.clone());
            }
            for dependency in &mut relation.depends_on {
                if dependency == old {
                    *dependency = new.clone();
                }
            }
        }
        for uses in self.view_columns.values_mut() {
            for (used_table, _) in uses.iter_mut() {
                if used_table == old {
                    *used_table = new.clone();
                }
            }
        }
        if let Some(uses) = self.view_columns.remove(old) {
            self.view_columns.insert(new.clone(), uses);
        }
        for index in self.schema.indexes.values_mut() {
            if &index.table == old {
                index.table = new.clone();
            }
        }
        for sequence in self.schema.sequences.values_mut() {
            if let Some((owner, _)) = &mut sequence.owned_by
                && owner == old
            {
                *owner = new.clone();
            }
        }
    }

    /// Foreign keys (table, constraint name) that reference `table` (or
    /// one of its columns).
    pub(crate) fn foreign_keys_referencing(
        &self,
        table: &Name,
        column: Option<&str>,
    ) -> Vec<(Name, String)> {
        let mut found = Vec::new();
        for (name, relation) in &self.schema.relations {
            for constraint in &relation.constraints {
                if let ConstraintKind::ForeignKey {
                    references,
                    referenced_columns,
                    ..
                } = &constraint.kind
                {
                    let matches_column =
                        column.is_none_or(|column| referenced_columns.iter().any(|c| c == column));
                    if references == table && matches_column {
                        found.push((name.clone(), constraint.name.clone()));
                    }
                }
            }
        }
        found
    }

    pub(crate) fn relation_mut(&mut self, table: &Name) -> &mut migrate_core::Relation {
        self.schema
            .relations
            .get_mut(table)
            .expect("callers look the table up first")
    }

    fn column_mut(&mut self, table: &Name, column: &str) -> &mut migrate_core::Column {
        self.relation_mut(table)
            .column_mut(column)
            .expect("callers look the column up first")
    }

    pub(crate) fn missing_column(
        &self,
        stmt: &Stmt,
        table: &Name,
        column: &Ident,
    ) -> crate::Diagnostic {
        let column_name = names::ident(column);
        let error = stmt.error(
            stmt.span_of_ident(column),
            format!(
                "column \"{column_name}\" of relation \"{}\" does not exist",
                table.name
            ),
        );
        let relation = &self.schema.relations[table];
        match names::did_you_mean(
            &column_name,
            relation.columns.iter().map(|c| c.name.as_str()),
        ) {
            Some(help) => error.with_help(help),
            None => error,
        }
    }

    fn missing_constraint(&self, stmt: &Stmt, table: &Name, name: &Ident) -> crate::Diagnostic {
        let constraint_name = names::ident(name);
        let error = stmt.error(
            stmt.span_of_ident(name),
            format!(
                "constraint \"{constraint_name}\" of relation \"{}\" does not exist",
                table.name
            ),
        );
        let relation = &self.schema.relations[table];
        match names::did_you_mean(
            &constraint_name,
            relation.constraints.iter().map(|c| c.name.as_str()),
        ) {
            Some(help) => error.with_help(help),
            None => error,
        }
    }
}

/// The pass of PostgreSQL's ALTER TABLE (`AlterTablePass` in
/// `tablecmds.c`) an action runs in: drops first, then type changes, new
/// columns, constraints, column attributes, defaults, the rest.
fn operation_pass(operation: &AlterTableOperation) -> u8 {
    match operation {
        AlterTableOperation::DropColumn { .. } | AlterTableOperation::DropConstraint { .. } => {
            PASS_DROP
        }
        AlterTableOperation::AddColumn { .. } => PASS_ADD_COLUMN,
        AlterTableOperation::AddConstraint { .. } => PASS_ADD_CONSTRAINT,
        AlterTableOperation::AlterColumn { op, .. } => match op {
            AlterColumnOperation::DropNotNull | AlterColumnOperation::DropDefault => PASS_DROP,
            AlterColumnOperation::SetDataType { .. } => PASS_ALTER_TYPE,
            AlterColumnOperation::SetNotNull => PASS_COLUMN_ATTRIBUTES,
            AlterColumnOperation::SetDefault { .. } | AlterColumnOperation::AddGenerated { .. } => {
                PASS_DEFAULTS
            }
        },
        _ => PASS_MISC,
    }
}

/// The passes `operation_pass` and the fold of actions sqlparser rejects use.
pub(crate) const PASS_DROP: u8 = 0;
pub(crate) const PASS_ALTER_TYPE: u8 = 1;
pub(crate) const PASS_ADD_COLUMN: u8 = 4;
pub(crate) const PASS_ADD_CONSTRAINT: u8 = 5;
pub(crate) const PASS_COLUMN_ATTRIBUTES: u8 = 6;
pub(crate) const PASS_DEFAULTS: u8 = 9;
pub(crate) const PASS_MISC: u8 = 10;

/// Whether `text` mentions `word` as a whole identifier (quoted or not).
pub(crate) fn mentions_word(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut start = 0;
    while let Some(found) = text[start..].find(word) {
        let at = start + found;
        let end = at + word.len();
        let before_ok = at == 0 || !is_ident(bytes[at - 1]);
        let after_ok = end >= bytes.len() || !is_ident(bytes[end]);
        if before_ok && after_ok {
            return true;
        }
        start = at + 1;
        while !text.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

/// `text` with every whole-identifier occurrence of `word` replaced.
pub(crate) fn replace_word(text: &str, word: &str, replacement: &str) -> String {
    let bytes = text.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut start = 0;
    while let Some(found) = text[start..].find(word) {
        let at = start + found;
        let end = at + word.len();
        let before_ok = at == 0 || !is_ident(bytes[at - 1]);
        let after_ok = end >= bytes.len() || !is_ident(bytes[end]);
        if before_ok && after_ok && !word.is_empty() {
            out.push_str(&text[copied..at]);
            out.push_str(replacement);
            copied = end;
            start = end;
        } else {
            start = at + 1;
            while start < text.len() && !text.is_char_boundary(start) {
                start += 1;
            }
        }
        if start >= text.len() {
            break;
        }
    }
    out.push_str(&text[copied..]);
    out
}
