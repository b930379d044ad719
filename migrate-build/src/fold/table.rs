//! CREATE TABLE, columns, table constraints and CREATE INDEX.

use std::ops::Range;

use migrate_core::{
    Column, Constraint, ConstraintKind, ForeignKeyAction, Identity, Index, Name, Relation,
    RelationKind, Sequence, SqlType,
};
use sqlparser::ast::{
    BinaryOperator, CheckConstraint, ColumnDef, ColumnOption, ColumnOptionDef,
    ConstraintCharacteristics, CreateIndex, CreateTable, CreateTableLikeKind, DeferrableInitial,
    Expr, ForeignKeyConstraint, GeneratedAs, Ident, IndexColumn, NullsDistinctOption, ObjectName,
    PrimaryKeyConstraint, ReferentialAction, SequenceOptions, TableConstraint, UniqueConstraint,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{Fallible, Folder, Stmt, names};

/// A column, its inline constraints and the sequence it owns.
pub(crate) type ColumnParts = (Column, Vec<ConstraintSpec>, Option<(Name, Sequence)>);

/// A constraint as written, before it gets its name.
pub(crate) struct ConstraintSpec {
    pub name: Option<String>,
    pub kind: ConstraintKind,
    pub span: Range<usize>,
    pub not_valid: bool,
    pub deferrable: bool,
    pub initially_deferred: bool,
    /// The access method of the index behind a primary key, unique or
    /// exclusion constraint.
    pub method: String,
    pub include: Vec<String>,
    /// For a primary key or unique constraint added `USING INDEX`.
    pub using_index: Option<String>,
}

impl Folder {
    pub(crate) fn create_table(&mut self, stmt: &Stmt, create: &CreateTable) -> Fallible<()> {
        // CreateTable serves a dozen dialects; the fields other than
        // PostgreSQL's cannot come out of the PostgreSQL dialect.
        let CreateTable {
            or_replace: _, // not PostgreSQL
            temporary,
            unlogged,
            external: _,
            dynamic: _,
            global: _,
            if_not_exists,
            transient: _,
            volatile: _,
            iceberg: _,
            snapshot: _,
            name,
            columns: _,     // read by create_table_elements
            constraints: _, // read by create_table_elements
            hive_distribution: _,
            hive_formats: _,
            table_options: _, // WITH (fillfactor ...), TABLESPACE: storage, not shape
            file_format: _,
            location: _,
            query: _, // read by create_table_elements
            without_rowid: _,
            like,
            clone: _,
            version: _,
            comment: _,   // not PostgreSQL syntax (COMMENT ON is)
            on_commit: _, // ON COMMIT of a temporary table: gone with the session anyway
            on_cluster: _,
            primary_key: _,
            order_by: _,
            partition_by,
            cluster_by: _,
            clustered_by: _,
            inherits,
            partition_of,
            for_values: _, // the partition bounds: not shape
            strict: _,
            copy_grants: _,
            enable_schema_evolution: _,
            change_tracking: _,
            data_retention_time_in_days: _,
            max_data_extension_time_in_days: _,
            default_ddl_collation: _,
            with_aggregation_policy: _,
            with_row_access_policy: _,
            with_storage_lifecycle_policy: _,
            with_tags: _,
            external_volume: _,
            with_connection: _,
            base_location: _,
            catalog: _,
            catalog_sync: _,
            storage_serialization_policy: _,
            target_lag: _,
            warehouse: _,
            refresh_mode: _,
            initialize: _,
            require_user: _,
            diststyle: _,
            distkey: _,
            sortkey: _,
            backup: _,
            multiset: _,
            fallback: _,
            with_data: _, // CREATE TABLE AS .. WITH [NO] DATA: rows, not shape
        } = create;
        let table_name = if *temporary {
            let (_, object) = Self::split_name(stmt, name)?;
            Name::new(super::TEMP_SCHEMA, &object)
        } else {
            self.new_name(stmt, name)?
        };
        if self.class_name_taken(&table_name.schema, &table_name.name) {
            if *if_not_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("relation \"{}\" already exists", table_name.name),
            ));
        }
        let kind = if partition_by.is_some() {
            RelationKind::PartitionedTable
        } else {
            RelationKind::Table
        };
        let mut relation = Relation::new(kind);
        relation.unlogged = *unlogged;
        let mut specs: Vec<ConstraintSpec> = Vec::new();

        // Columns inherited from a partition parent, INHERITS parents or LIKE.
        if let Some(parent) = partition_of {
            let parent_name = self.existing_relation(stmt, parent)?;
            let parent_relation = &self.schema.relations[&parent_name];
            relation.columns = parent_relation.columns.clone();
            for column in &mut relation.columns {
                column.comment = None;
            }
            for constraint in &parent_relation.constraints {
                let kind = match &constraint.kind {
                    ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. } => {
                        constraint.kind.clone()
                    }
                    ConstraintKind::Check { .. } => {
                        relation.constraints.push(constraint.clone());
                        continue;
                    }
                    ConstraintKind::ForeignKey { .. } | ConstraintKind::Exclusion { .. } => {
                        continue;
                    }
                };
                specs.push(ConstraintSpec::new(None, kind, stmt.start()));
            }
            relation.parent = Some(parent_name);
        }
        for parent in inherits.iter().flatten() {
            let parent_name = self.existing_relation(stmt, parent)?;
            let parent_relation = &self.schema.relations[&parent_name];
            for column in &parent_relation.columns {
                if relation.column(&column.name).is_none() {
                    let mut inherited = column.clone();
                    inherited.comment = None;
                    relation.columns.push(inherited);
                }
            }
            relation.parent = Some(parent_name);
        }
        if let Some(like) = like {
            let like = match like {
                CreateTableLikeKind::Parenthesized(like) | CreateTableLikeKind::Plain(like) => like,
            };
            let source = self.existing_relation(stmt, &like.name)?;
            let with_defaults = matches!(
                like.defaults,
                Some(sqlparser::ast::CreateTableLikeDefaults::Including)
            );
            for column in &self.schema.relations[&source].columns {
                let mut copied = Column::new(&column.name, column.ty.clone());
                copied.not_null = column.not_null;
                if with_defaults {
                    copied.default = column.default.clone();
                }
                relation.columns.push(copied);
            }
        }

        let mut sequences = Vec::new();
        self.creating = Some(table_name.clone());
        let result =
            self.create_table_elements(stmt, create, &table_name, relation, specs, &mut sequences);
        self.creating = None;
        let (relation, specs) = result?;
        for (sequence_name, sequence) in sequences {
            self.schema.sequences.insert(sequence_name, sequence);
        }
        self.schema.relations.insert(table_name.clone(), relation);
        self.add_constraints(stmt, &table_name, specs)
    }

    /// The columns and constraints of CREATE TABLE, and CREATE TABLE AS's query.
    fn create_table_elements(
        &mut self,
        stmt: &Stmt,
        create: &CreateTable,
        table_name: &Name,
        mut relation: Relation,
        mut specs: Vec<ConstraintSpec>,
        sequences: &mut Vec<(Name, Sequence)>,
    ) -> Fallible<(Relation, Vec<ConstraintSpec>)> {
        let CreateTable {
            columns,
            constraints,
            query,
            inherits,
            partition_of,
            ..
        } = create;
        for column_def in columns {
            let column_name = names::ident(&column_def.name);
            let inherited = relation.column(&column_name).is_some();
            if inherited && partition_of.is_none() && inherits.is_none() {
                return Err(stmt.error(
                    stmt.span_of_ident(&column_def.name),
                    format!("column \"{column_name}\" specified more than once"),
                ));
            }
            let (column, column_specs, sequence) =
                self.column_definition(stmt, table_name, column_def, &relation, sequences)?;
            specs.extend(column_specs);
            if let Some(sequence) = sequence {
                sequences.push(sequence);
            }
            match relation.column_mut(&column_name) {
                // A partition or child may add options to an inherited column.
                Some(existing) if partition_of.is_some() || inherits.is_some() => {
                    existing.not_null |= column.not_null;
                    if column.default.is_some() {
                        existing.default = column.default;
                    }
                }
                _ => relation.columns.push(column),
            }
        }
        for constraint in constraints {
            specs.push(self.table_constraint(stmt, constraint, false)?);
        }

        if let Some(query) = query {
            let described = crate::analyze::describe_query(&self.schema, query);
            match described {
                Ok(outputs) => {
                    for (position, output) in outputs.into_iter().enumerate() {
                        let name = columns
                            .get(position)
                            .map(|column| names::ident(&column.name))
                            .unwrap_or(output.name);
                        if relation.column(&name).is_none() {
                            relation.columns.push(Column::new(&name, output.ty));
                        }
                    }
                }
                Err(_) => self.diagnostics.push(stmt.warning_at_start(
                    "the fold could not work out the columns of this CREATE TABLE AS query; the table has none",
                )),
            }
        }

        Ok((relation, specs))
    }

    /// One column of CREATE TABLE or ALTER TABLE ADD COLUMN: the column, its
    /// inline constraints, and the sequence a `serial` or identity column owns.
    pub(crate) fn column_definition(
        &self,
        stmt: &Stmt,
        table: &Name,
        column_def: &ColumnDef,
        relation: &Relation,
        pending_sequences: &[(Name, Sequence)],
    ) -> Fallible<ColumnParts> {
        let ColumnDef {
            name,
            data_type,
            options,
        } = column_def;
        let column_name = names::ident(name);
        let resolved = self.resolve_type(stmt, data_type).map_err(|mut error| {
            if error.span == stmt.start() {
                error.span = stmt.span_of(column_def);
            }
            error
        })?;
        let mut column = Column::new(&column_name, resolved.ty.clone());
        let mut specs = Vec::new();
        let mut sequence = None;
        let mut wants_sequence = resolved.serial;
        let mut identity_options: &[SequenceOptions] = &[];
        for ColumnOptionDef {
            name: constraint_name,
            option,
        } in options
        {
            let constraint_name = constraint_name.as_ref().map(names::ident);
            match option {
                ColumnOption::Null => column.not_null = false,
                ColumnOption::NotNull => column.not_null = true,
                ColumnOption::Default(expr) => {
                    if resolved.serial {
                        return Err(stmt.error(
                            stmt.span_of(expr),
                            format!(
                                "multiple default values specified for column \"{column_name}\" of table \"{}\"",
                                table.name
                            ),
                        ));
                    }
                    column.default = self.render_default(stmt, expr, &column.ty);
                }
                ColumnOption::PrimaryKey(primary_key) => {
                    column.not_null = true;
                    let mut spec = self.primary_key_spec(stmt, primary_key, Some(&column_name))?;
                    spec.name = spec.name.or(constraint_name);
                    specs.push(spec);
                }
                ColumnOption::Unique(unique) => {
                    let mut spec = self.unique_spec(stmt, unique, Some(&column_name))?;
                    spec.name = spec.name.or(constraint_name);
                    specs.push(spec);
                }
                ColumnOption::ForeignKey(foreign_key) => {
                    let mut spec = self.foreign_key_spec(stmt, foreign_key, Some(&column_name))?;
                    spec.name = spec.name.or(constraint_name);
                    specs.push(spec);
                }
                ColumnOption::Check(check) => {
                    let mut spec = self.check_spec(stmt, check);
                    spec.name = spec.name.or(constraint_name);
                    specs.push(spec);
                }
                ColumnOption::Collation(collation) => {
                    column.collation = Some(collation.to_string())
                }
                ColumnOption::Generated {
                    generated_as,
                    sequence_options,
                    generation_expr,
                    generation_expr_mode: _, // STORED is the only mode PostgreSQL 15 has
                    generated_keyword: _,
                } => match generation_expr {
                    Some(expr) => column.generated = Some(crate::depth::print::expr_text(expr)),
                    None => {
                        column.identity = Some(match generated_as {
                            GeneratedAs::Always => Identity::Always,
                            GeneratedAs::ByDefault | GeneratedAs::ExpStored => Identity::ByDefault,
                        });
                        column.not_null = true;
                        wants_sequence = true;
                        identity_options = sequence_options.as_deref().unwrap_or_default();
                    }
                },
                ColumnOption::Comment(comment) => column.comment = Some(comment.clone()),
                ColumnOption::Materialized(_)
                | ColumnOption::Ephemeral(_)
                | ColumnOption::Alias(_)
                | ColumnOption::DialectSpecific(_)
                | ColumnOption::CharacterSet(_)
                | ColumnOption::OnUpdate(_)
                | ColumnOption::Options(_)
                | ColumnOption::Identity(_)
                | ColumnOption::OnConflict(_)
                | ColumnOption::Policy(_)
                | ColumnOption::Tags(_)
                | ColumnOption::Srid(_)
                | ColumnOption::Invisible => {
                    return Err(stmt.error(
                        stmt.span_of(column_def),
                        format!("syntax error at or near \"{option}\""),
                    ));
                }
            }
        }
        if wants_sequence {
            let sequence_name =
                names::choose_name(&table.name, Some(&column_name), "seq", |candidate| {
                    self.class_name_taken(&table.schema, candidate)
                        || pending_sequences
                            .iter()
                            .any(|(name, _)| name.name == candidate)
                });
            let sequence_name = Name::new(&table.schema, &sequence_name);
            if resolved.serial {
                column.not_null = true;
                column.default = Some(format!(
                    "nextval('{}'::regclass)",
                    regclass_text(&sequence_name)
                ));
            }
            let mut owned = Sequence {
                data_type: if resolved.serial {
                    resolved.ty.clone()
                } else {
                    column.ty.clone()
                },
                owned_by: Some((table.clone(), column_name.clone())),
                start: None,
                increment: None,
            };
            super::objects::apply_sequence_options(&mut owned, identity_options);
            sequence = Some((sequence_name, owned));
        }
        let _ = relation;
        Ok((column, specs, sequence))
    }

    /// A table constraint as written in CREATE TABLE or ALTER TABLE ADD.
    pub(crate) fn table_constraint(
        &self,
        stmt: &Stmt,
        constraint: &TableConstraint,
        not_valid: bool,
    ) -> Fallible<ConstraintSpec> {
        let mut spec = match constraint {
            TableConstraint::PrimaryKey(primary_key) => {
                self.primary_key_spec(stmt, primary_key, None)?
            }
            TableConstraint::Unique(unique) => self.unique_spec(stmt, unique, None)?,
            TableConstraint::ForeignKey(foreign_key) => {
                self.foreign_key_spec(stmt, foreign_key, None)?
            }
            TableConstraint::Check(check) => self.check_spec(stmt, check),
            TableConstraint::Exclude(exclude) => {
                let mut spec = ConstraintSpec::new(
                    exclude.name.as_ref().map(names::ident),
                    ConstraintKind::Exclusion {
                        // As pg_get_constraintdef prints it: without `CONSTRAINT name`.
                        definition: sqlparser::ast::ExcludeConstraint {
                            name: None,
                            ..exclude.clone()
                        }
                        .to_string(),
                    },
                    stmt.span_of(constraint),
                );
                spec.method = exclude
                    .index_method
                    .as_ref()
                    .map_or("btree".to_owned(), names::ident);
                spec.include = exclude.include.iter().map(names::ident).collect();
                characteristics(&mut spec, exclude.characteristics.as_ref());
                spec
            }
            TableConstraint::PrimaryKeyUsingIndex(using)
            | TableConstraint::UniqueUsingIndex(using) => {
                let index_name = names::ident(&using.index_name);
                let kind = if matches!(constraint, TableConstraint::PrimaryKeyUsingIndex(_)) {
                    ConstraintKind::PrimaryKey {
                        columns: Vec::new(),
                    }
                } else {
                    ConstraintKind::Unique {
                        columns: Vec::new(),
                        nulls_not_distinct: false,
                    }
                };
                let mut spec = ConstraintSpec::new(
                    using.name.as_ref().map(names::ident),
                    kind,
                    stmt.span_of(constraint),
                );
                spec.using_index = Some(index_name);
                characteristics(&mut spec, using.characteristics.as_ref());
                spec
            }
            TableConstraint::Index(_) | TableConstraint::FulltextOrSpatial(_) => {
                return Err(stmt.error(
                    stmt.span_of(constraint),
                    "syntax error: INDEX and KEY table constraints are MySQL's",
                ));
            }
        };
        spec.not_valid = not_valid;
        Ok(spec)
    }

    fn primary_key_spec(
        &self,
        stmt: &Stmt,
        primary_key: &PrimaryKeyConstraint,
        column: Option<&str>,
    ) -> Fallible<ConstraintSpec> {
        let PrimaryKeyConstraint {
            name,
            index_name: _, // MySQL
            index_type,
            columns,
            include,
            index_options: _, // MySQL
            characteristics: constraint_characteristics,
        } = primary_key;
        let columns = match column {
            Some(column) => vec![column.to_owned()],
            None => index_columns(stmt, columns)?,
        };
        let mut spec = ConstraintSpec::new(
            name.as_ref().map(names::ident),
            ConstraintKind::PrimaryKey { columns },
            stmt.span_of(primary_key),
        );
        if let Some(method) = index_type {
            spec.method = method.to_string().to_lowercase();
        }
        spec.include = include.iter().map(names::ident).collect();
        characteristics(&mut spec, constraint_characteristics.as_ref());
        Ok(spec)
    }

    fn unique_spec(
        &self,
        stmt: &Stmt,
        unique: &UniqueConstraint,
        column: Option<&str>,
    ) -> Fallible<ConstraintSpec> {
        let UniqueConstraint {
            name,
            index_name: _,         // MySQL
            index_type_display: _, // MySQL's KEY / INDEX spelling
            index_type,
            columns,
            include,
            index_options: _, // MySQL
            characteristics: constraint_characteristics,
            nulls_distinct,
        } = unique;
        let columns = match column {
            Some(column) => vec![column.to_owned()],
            None => index_columns(stmt, columns)?,
        };
        let mut spec = ConstraintSpec::new(
            name.as_ref().map(names::ident),
            ConstraintKind::Unique {
                columns,
                nulls_not_distinct: matches!(nulls_distinct, NullsDistinctOption::NotDistinct),
            },
            stmt.span_of(unique),
        );
        if let Some(method) = index_type {
            spec.method = method.to_string().to_lowercase();
        }
        spec.include = include.iter().map(names::ident).collect();
        characteristics(&mut spec, constraint_characteristics.as_ref());
        Ok(spec)
    }

    fn foreign_key_spec(
        &self,
        stmt: &Stmt,
        foreign_key: &ForeignKeyConstraint,
        column: Option<&str>,
    ) -> Fallible<ConstraintSpec> {
        let ForeignKeyConstraint {
            name,
            index_name: _, // MySQL
            columns,
            foreign_table,
            referred_columns,
            on_delete,
            on_update,
            match_kind: _, // MATCH FULL/SIMPLE changes no shape
            characteristics: constraint_characteristics,
        } = foreign_key;
        let columns = match column {
            Some(column) => vec![column.to_owned()],
            None => columns.iter().map(names::ident).collect(),
        };
        let (schema, object) = Self::split_name(stmt, foreign_table)?;
        let references = match &self.creating {
            // A self-reference in CREATE TABLE.
            Some(creating)
                if creating.name == object
                    && schema
                        .as_deref()
                        .is_none_or(|schema| schema == creating.schema) =>
            {
                creating.clone()
            }
            _ => self.existing_relation(stmt, foreign_table)?,
        };
        let mut spec = ConstraintSpec::new(
            name.as_ref().map(names::ident),
            ConstraintKind::ForeignKey {
                columns,
                references,
                referenced_columns: referred_columns.iter().map(names::ident).collect(),
                on_delete: action(on_delete.as_ref()),
                on_update: action(on_update.as_ref()),
            },
            stmt.span_of(foreign_key),
        );
        characteristics(&mut spec, constraint_characteristics.as_ref());
        Ok(spec)
    }

    fn check_spec(&self, stmt: &Stmt, check: &CheckConstraint) -> ConstraintSpec {
        let CheckConstraint {
            name,
            expr,
            no_inherit: _, // changes no shape
            enforced: _,   // PostgreSQL 18
        } = check;
        ConstraintSpec::new(
            name.as_ref().map(names::ident),
            ConstraintKind::Check {
                expression: check_expression(expr),
            },
            // Not `Spanned` on the whole chain: 5.3 KiB of stack a link.
            stmt.span(crate::depth::print::expr_span(expr)),
        )
    }

    /// Names and adds constraints to a table, in PostgreSQL's order: checks
    /// first, then the constraints backed by an index, then foreign keys.
    pub(crate) fn add_constraints(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        specs: Vec<ConstraintSpec>,
    ) -> Fallible<()> {
        let rank = |spec: &ConstraintSpec| match spec.kind {
            ConstraintKind::Check { .. } => 0,
            ConstraintKind::PrimaryKey { .. }
            | ConstraintKind::Unique { .. }
            | ConstraintKind::Exclusion { .. } => 1,
            ConstraintKind::ForeignKey { .. } => 2,
        };
        let mut specs = specs;
        specs.sort_by_key(rank);
        // A primary key or unique constraint that repeats another of the
        // same statement (`PRIMARY KEY UNIQUE`) makes no index of its own:
        // the primary key is kept, else the first, named if either was.
        let is_key = |spec: &ConstraintSpec| {
            matches!(
                spec.kind,
                ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }
            ) && spec.using_index.is_none()
        };
        let same_index = |a: &ConstraintSpec, b: &ConstraintSpec| {
            let nulls = |spec: &ConstraintSpec| match spec.kind {
                ConstraintKind::Unique {
                    nulls_not_distinct, ..
                } => nulls_not_distinct,
                _ => false,
            };
            a.kind.columns() == b.kind.columns()
                && a.include == b.include
                && a.method == b.method
                && nulls(a) == nulls(b)
                && a.deferrable == b.deferrable
                && a.initially_deferred == b.initially_deferred
        };
        let primary = specs.iter().position(|spec| {
            matches!(spec.kind, ConstraintKind::PrimaryKey { .. }) && is_key(spec)
        });
        let mut slots: Vec<Option<ConstraintSpec>> = specs.into_iter().map(Some).collect();
        for position in 0..slots.len() {
            if Some(position) == primary {
                continue;
            }
            let Some(spec) = slots[position].take() else {
                continue;
            };
            if !is_key(&spec) {
                slots[position] = Some(spec);
                continue;
            }
            // The primary key first, then the keys kept before this one.
            let prior = primary.into_iter().chain(0..position).find(|&other| {
                slots[other]
                    .as_ref()
                    .is_some_and(|prior| is_key(prior) && same_index(prior, &spec))
            });
            match prior.and_then(|other| slots[other].as_mut()) {
                Some(prior) => {
                    if prior.name.is_none() {
                        prior.name = spec.name;
                    }
                }
                None => slots[position] = Some(spec),
            }
        }
        let kept = slots.into_iter().flatten();
        for spec in kept {
            self.add_constraint(stmt, table, spec)?;
        }
        Ok(())
    }

    pub(crate) fn add_constraint(
        &mut self,
        stmt: &Stmt,
        table: &Name,
        spec: ConstraintSpec,
    ) -> Fallible<()> {
        let ConstraintSpec {
            name,
            mut kind,
            span,
            not_valid,
            deferrable,
            initially_deferred,
            method,
            include,
            using_index,
        } = spec;
        let relation = &self.schema.relations[table];
        // Constraints added USING INDEX take the index's columns.
        if let Some(index_name) = &using_index {
            let Some(index) = self
                .schema
                .indexes
                .get(&Name::new(&table.schema, index_name))
            else {
                return Err(stmt.error(span, format!("index \"{index_name}\" does not exist")));
            };
            let columns = index.keys.clone();
            match &mut kind {
                ConstraintKind::PrimaryKey { columns: target }
                | ConstraintKind::Unique {
                    columns: target, ..
                } => *target = columns,
                _ => {}
            }
        }
        for column in kind.columns() {
            if relation.column(column).is_none() {
                let mut error = stmt.error(
                    span.clone(),
                    format!("column \"{column}\" named in key does not exist"),
                );
                if let Some(help) =
                    names::did_you_mean(column, relation.columns.iter().map(|c| c.name.as_str()))
                {
                    error = error.with_help(help);
                }
                return Err(error);
            }
        }
        if matches!(kind, ConstraintKind::PrimaryKey { .. }) && relation.primary_key().is_some() {
            return Err(stmt.error(
                span,
                format!(
                    "multiple primary keys for table \"{}\" are not allowed",
                    table.name
                ),
            ));
        }
        if let ConstraintKind::ForeignKey {
            references,
            referenced_columns,
            columns,
            ..
        } = &mut kind
        {
            let target = &self.schema.relations[references];
            if referenced_columns.is_empty() {
                match target.primary_key() {
                    Some(primary_key) => *referenced_columns = primary_key.kind.columns().to_vec(),
                    None => {
                        return Err(stmt.error(
                            span,
                            format!(
                                "there is no primary key for referenced table \"{}\"",
                                references.name
                            ),
                        ));
                    }
                }
            }
            for column in referenced_columns.iter() {
                if target.column(column).is_none() {
                    return Err(stmt.error(
                        span,
                        format!("column \"{column}\" referenced in foreign key constraint does not exist"),
                    ));
                }
            }
            let mut wanted: Vec<&String> = referenced_columns.iter().collect();
            wanted.sort();
            let matches_key = |key: &[String]| {
                let mut key: Vec<&String> = key.iter().collect();
                key.sort();
                key == wanted
            };
            let unique_constraint = target.constraints.iter().any(|constraint| {
                matches!(
                    constraint.kind,
                    ConstraintKind::PrimaryKey { .. } | ConstraintKind::Unique { .. }
                ) && matches_key(constraint.kind.columns())
            });
            // Only when no constraint matches: a scan of every index for
            // each foreign key made many tables with keys quadratic.
            let unique_index = !unique_constraint
                && self.schema.indexes.values().any(|index| {
                    index.table == *references
                        && index.unique
                        && index.predicate.is_none()
                        && matches_key(&index.keys)
                });
            if !unique_constraint && !unique_index {
                return Err(stmt.error(
                    span,
                    format!(
                        "there is no unique constraint matching given keys for referenced table \"{}\"",
                        references.name
                    ),
                ));
            }
            if referenced_columns.len() != columns.len() {
                return Err(stmt.error(
                    span,
                    "number of referencing and referenced columns for foreign key disagree",
                ));
            }
        }
        let index_backed = matches!(
            kind,
            ConstraintKind::PrimaryKey { .. }
                | ConstraintKind::Unique { .. }
                | ConstraintKind::Exclusion { .. }
        );
        let name = match name {
            Some(name) => {
                if relation.constraints.iter().any(|c| c.name == name) {
                    return Err(stmt.error(
                        span,
                        format!(
                            "constraint \"{name}\" for relation \"{}\" already exists",
                            table.name
                        ),
                    ));
                }
                if index_backed
                    && using_index.as_deref() != Some(name.as_str())
                    && self.class_name_taken(&table.schema, &name)
                {
                    return Err(stmt.error(span, format!("relation \"{name}\" already exists")));
                }
                name
            }
            None => match &kind {
                ConstraintKind::PrimaryKey { .. } => match &using_index {
                    Some(index) => index.clone(),
                    None => names::choose_name(&table.name, None, "pkey", |c| {
                        self.class_name_taken(&table.schema, c)
                    }),
                },
                ConstraintKind::Unique { columns, .. } => match &using_index {
                    Some(index) => index.clone(),
                    None => names::choose_name(
                        &table.name,
                        Some(&names::columns_addition(columns)),
                        "key",
                        |c| self.class_name_taken(&table.schema, c),
                    ),
                },
                ConstraintKind::Exclusion { definition } => {
                    let columns = exclusion_columns(definition);
                    names::choose_name(
                        &table.name,
                        Some(&names::columns_addition(&columns)),
                        "excl",
                        |c| self.class_name_taken(&table.schema, c),
                    )
                }
                ConstraintKind::ForeignKey { columns, .. } => names::choose_name(
                    &table.name,
                    Some(&names::columns_addition(columns)),
                    "fkey",
                    |c| self.constraint_name_taken(&table.schema, c),
                ),
                ConstraintKind::Check { expression } => {
                    let referenced = referenced_columns(expression, relation);
                    let column = match referenced.as_slice() {
                        [single] => Some(single.as_str()),
                        _ => None,
                    };
                    names::choose_name(&table.name, column, "check", |c| {
                        self.constraint_name_taken(&table.schema, c)
                    })
                }
            },
        };
        if index_backed {
            let index_key = Name::new(&table.schema, &name);
            if let Some(old) = &using_index {
                // The index is renamed to the constraint's name.
                if let Some(index) = self.schema.indexes.remove(&Name::new(&table.schema, old)) {
                    self.schema.indexes.insert(index_key.clone(), index);
                }
            } else {
                self.schema.indexes.insert(
                    index_key.clone(),
                    Index {
                        table: table.clone(),
                        unique: !matches!(kind, ConstraintKind::Exclusion { .. }),
                        method,
                        keys: kind.columns().to_vec(),
                        include,
                        predicate: None,
                        constraint: Some(name.clone()),
                        nulls_not_distinct: matches!(
                            kind,
                            ConstraintKind::Unique {
                                nulls_not_distinct: true,
                                ..
                            }
                        ),
                    },
                );
            }
            if let Some(index) = self.schema.indexes.get_mut(&index_key) {
                index.constraint = Some(name.clone());
            }
        }
        self.note_constraint_name(&table.schema, &name);
        let relation = self
            .schema
            .relations
            .get_mut(table)
            .expect("the table was looked up above");
        if let ConstraintKind::PrimaryKey { columns } = &kind {
            for column in columns {
                if let Some(column) = relation.column_mut(column) {
                    column.not_null = true;
                }
            }
        }
        relation.constraints.push(Constraint {
            name,
            kind,
            not_valid,
            deferrable,
            initially_deferred,
        });
        Ok(())
    }

    pub(crate) fn create_index(&mut self, stmt: &Stmt, create: &CreateIndex) -> Fallible<()> {
        let CreateIndex {
            name,
            table_name,
            using,
            columns,
            unique,
            concurrently: _, // how, not what
            r#async: _,      // not PostgreSQL
            if_not_exists,
            include,
            nulls_distinct,
            with: _, // storage parameters
            predicate,
            index_options: _, // MySQL
            alter_options: _, // MySQL
        } = create;
        let table = self.existing_relation(stmt, table_name)?;
        let method = using.as_ref().map_or("btree".to_owned(), |method| {
            method.to_string().to_lowercase()
        });
        let keys: Vec<String> = columns
            .iter()
            .map(|column| index_key_as_printed(column, &method))
            .collect();
        let index_name = match name {
            Some(name) => {
                let (schema, object) = Self::split_name(stmt, name)?;
                if schema
                    .as_deref()
                    .is_some_and(|schema| schema != table.schema)
                {
                    return Err(stmt.error(
                        stmt.span_of_object_name(name),
                        "cannot create index in a schema other than its table's",
                    ));
                }
                if self.class_name_taken(&table.schema, &object) {
                    if *if_not_exists {
                        return Ok(());
                    }
                    return Err(stmt.error(
                        stmt.span_of_object_name(name),
                        format!("relation \"{object}\" already exists"),
                    ));
                }
                object
            }
            None => {
                let mut column_names: Vec<String> = Vec::new();
                for column in columns {
                    let base = index_column_name(&column.column.expr);
                    let mut candidate = base.clone();
                    let mut suffix = 0;
                    while column_names.contains(&candidate) {
                        suffix += 1;
                        candidate = format!("{base}{suffix}");
                    }
                    column_names.push(candidate);
                }
                names::choose_name(
                    &table.name,
                    Some(&names::columns_addition(&column_names)),
                    // PostgreSQL says `key` only for constraints: a unique index is `_idx`.
                    "idx",
                    |c| self.class_name_taken(&table.schema, c),
                )
            }
        };
        let relation = &self.schema.relations[&table];
        for column in columns {
            let key = &index_key(&column.column.expr);
            if let Expr::Identifier(ident) = &column.column.expr
                && relation.column(key).is_none()
            {
                let mut error = stmt.error(
                    stmt.span_of_ident(ident),
                    format!("column \"{key}\" does not exist"),
                );
                if let Some(help) =
                    names::did_you_mean(key, relation.columns.iter().map(|c| c.name.as_str()))
                {
                    error = error.with_help(help);
                }
                return Err(error);
            }
        }
        self.schema.indexes.insert(
            Name::new(&table.schema, &index_name),
            Index {
                table,
                unique: *unique,
                method,
                keys,
                include: include.iter().map(names::ident).collect(),
                predicate: predicate.as_ref().map(crate::depth::print::expr_text),
                constraint: None,
                nulls_not_distinct: *nulls_distinct == Some(false),
            },
        );
        Ok(())
    }
}

impl ConstraintSpec {
    pub(crate) fn new(name: Option<String>, kind: ConstraintKind, span: Range<usize>) -> Self {
        Self {
            name,
            kind,
            span,
            not_valid: false,
            deferrable: false,
            initially_deferred: false,
            method: "btree".to_owned(),
            include: Vec::new(),
            using_index: None,
        }
    }
}

/// A CHECK expression as PostgreSQL stores it, as far as the drift
/// comparison needs: PostgreSQL keeps `x BETWEEN a AND b` as
/// `x >= a AND x <= b` (and `NOT BETWEEN` as `x < a OR x > b`).
///
/// It writes what sqlparser's `Display` of the expanded expression would,
/// but walks a chain of binary operators (`a AND b AND ...`, which
/// PostgreSQL takes at any length) in a loop: only what the chain's links
/// hold is recursed into. A copy of the tree with BETWEEN expanded, then
/// printed, recursed once per link in both steps.
pub(crate) fn check_expression(expr: &Expr) -> String {
    let mut out = String::new();
    write_expanded(expr, &mut out);
    out
}

/// Writes `expr` with BETWEEN expanded (see [`check_expression`]).
fn write_expanded(expr: &Expr, out: &mut String) {
    let mut links = Vec::new();
    let mut first = expr;
    while let Expr::BinaryOp { left, op, right } = first {
        links.push((op, right));
        first = left;
    }
    write_operand(first, out);
    for (op, right) in links.into_iter().rev() {
        // As sqlparser writes a binary operation: `{left} {op} {right}`.
        out.push(' ');
        out.push_str(&op.to_string());
        out.push(' ');
        write_expanded(right, out);
    }
}

/// Writes an expression that is not a binary operation: sqlparser writes
/// its frame, with a hole for each operand, and the operands are written
/// into the holes by [`write_expanded`].
fn write_operand(expr: &Expr, out: &mut String) {
    let hole =
        |index: usize| Expr::Identifier(sqlparser::ast::Ident::new(format!("{HOLE}{index}")));
    let binary = |left: Expr, op: BinaryOperator, right: Expr| Expr::BinaryOp {
        left: Box::new(left),
        op,
        right: Box::new(right),
    };
    let (frame, operands): (Expr, Vec<&Expr>) = match expr {
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => {
            let (low_op, high_op, join) = if *negated {
                (BinaryOperator::Lt, BinaryOperator::Gt, BinaryOperator::Or)
            } else {
                (
                    BinaryOperator::GtEq,
                    BinaryOperator::LtEq,
                    BinaryOperator::And,
                )
            };
            let frame = Expr::Nested(Box::new(binary(
                binary(hole(0), low_op, hole(1)),
                join,
                binary(hole(0), high_op, hole(2)),
            )));
            (frame, vec![&**expr, &**low, &**high])
        }
        Expr::UnaryOp { op, expr } => (
            Expr::UnaryOp {
                op: *op,
                expr: Box::new(hole(0)),
            },
            vec![&**expr],
        ),
        Expr::Nested(inner) => (Expr::Nested(Box::new(hole(0))), vec![&**inner]),
        other => {
            out.push_str(&crate::depth::print::expr_text(other));
            return;
        }
    };
    let frame = frame.to_string();
    let mut rest = frame.as_str();
    while let Some(at) = rest.find(HOLE) {
        out.push_str(&rest[..at]);
        let digit = at + HOLE.len();
        let index = usize::from(rest.as_bytes()[digit] - b'0');
        write_expanded(operands[index], out);
        rest = &rest[digit + 1..];
    }
    out.push_str(rest);
}

/// A name no operand's text is searched for: only a frame of
/// [`write_operand`], written by sqlparser from holes and operators, is.
const HOLE: &str = "__migrate_hole_";

fn characteristics(spec: &mut ConstraintSpec, characteristics: Option<&ConstraintCharacteristics>) {
    if let Some(ConstraintCharacteristics {
        deferrable,
        initially,
        enforced: _, // PostgreSQL 18
    }) = characteristics
    {
        spec.deferrable = deferrable.unwrap_or(false);
        spec.initially_deferred = matches!(initially, Some(DeferrableInitial::Deferred));
    }
}

fn action(action: Option<&ReferentialAction>) -> ForeignKeyAction {
    match action {
        None | Some(ReferentialAction::NoAction) => ForeignKeyAction::NoAction,
        Some(ReferentialAction::Restrict) => ForeignKeyAction::Restrict,
        Some(ReferentialAction::Cascade) => ForeignKeyAction::Cascade,
        Some(ReferentialAction::SetNull) => ForeignKeyAction::SetNull,
        Some(ReferentialAction::SetDefault) => ForeignKeyAction::SetDefault,
    }
}

/// The plain columns of a PRIMARY KEY / UNIQUE list.
fn index_columns(stmt: &Stmt, columns: &[IndexColumn]) -> Fallible<Vec<String>> {
    columns
        .iter()
        .map(|column| match &column.column.expr {
            Expr::Identifier(ident) => Ok(names::ident(ident)),
            other => Err(stmt.error(
                stmt.span_of(other),
                "syntax error: a key column must be a column name",
            )),
        })
        .collect()
}

/// An index key as stored: a column name, or the expression as written.
fn index_key(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(ident) => names::ident(ident),
        other => other.to_string(),
    }
}

/// An index key as `pg_get_indexdef` prints it: the column or expression,
/// a non-default operator class, and for btree the ordering when it is
/// not the default (`priority DESC`, `doc jsonb_path_ops`, `a NULLS FIRST`).
fn index_key_as_printed(column: &IndexColumn, method: &str) -> String {
    let IndexColumn {
        column: order_by,
        operator_class,
    } = column;
    let mut key = index_key(&order_by.expr);
    if let Some(class) = operator_class {
        key.push(' ');
        key.push_str(&names::object_name_parts(class).join("."));
    }
    if method == "btree" {
        let descending = matches!(
            order_by.options.sort,
            Some(sqlparser::ast::OrderBySort::Desc)
        );
        let nulls_first = order_by.options.nulls_first.unwrap_or(descending);
        match (descending, nulls_first) {
            (true, true) => key.push_str(" DESC"),
            (true, false) => key.push_str(" DESC NULLS LAST"),
            (false, true) => key.push_str(" NULLS FIRST"),
            (false, false) => {}
        }
    }
    key
}

/// The name PostgreSQL gives an index column when it picks the index's
/// name: the column, the function called, or `expr`.
fn index_column_name(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(ident) => names::ident(ident),
        Expr::Function(function) => function
            .name
            .0
            .last()
            .and_then(|part| part.as_ident())
            .map_or("expr".to_owned(), names::ident),
        Expr::Cast { expr, .. } | Expr::Nested(expr) => index_column_name(expr),
        _ => "expr".to_owned(),
    }
}

/// Columns of `relation` an expression mentions (each once), for naming a
/// CHECK constraint.
pub(crate) fn referenced_columns(expression: &str, relation: &Relation) -> Vec<String> {
    let dialect = PostgreSqlDialect {};
    let Ok(tokens) = Tokenizer::new(&dialect, expression).tokenize() else {
        return Vec::new();
    };
    let mut found: Vec<String> = Vec::new();
    let mut iter = tokens
        .iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .peekable();
    let mut previous_was_dot = false;
    while let Some(token) = iter.next() {
        let next_is_paren = matches!(iter.peek(), Some(Token::LParen));
        if let Token::Word(word) = token {
            let name = match word.quote_style {
                Some(_) => word.value.clone(),
                None => word.value.to_ascii_lowercase(),
            };
            if !next_is_paren
                && !previous_was_dot
                && relation.column(&name).is_some()
                && !found.contains(&name)
            {
                found.push(name);
            }
        }
        previous_was_dot = matches!(token, Token::Period | Token::DoubleColon);
    }
    found
}

fn exclusion_columns(definition: &str) -> Vec<String> {
    // EXCLUDE USING gist (col WITH &&, ...): the column names in the list.
    let Some(open) = definition.find('(') else {
        return Vec::new();
    };
    definition[open + 1..]
        .split(',')
        .filter_map(|element| element.split_whitespace().next())
        .map(|column| column.trim_matches('"').to_owned())
        .collect()
}

/// How `regclass` prints a sequence: quoted where needed, qualified
/// outside `public`.
pub(crate) fn regclass_text(name: &Name) -> String {
    let object = super::defaults::quote_ident(&name.name);
    if name.schema == "public" {
        object
    } else {
        format!("{}.{object}", super::defaults::quote_ident(&name.schema))
    }
}

#[allow(dead_code)]
fn ident_span(stmt: &Stmt, ident: &Ident) -> Range<usize> {
    stmt.span(ident.span)
}

#[allow(dead_code)]
fn object_span(stmt: &Stmt, name: &ObjectName) -> Range<usize> {
    stmt.span_of_object_name(name)
}

#[allow(dead_code)]
fn builtin(name: &str) -> SqlType {
    SqlType::builtin(name)
}

#[cfg(test)]
mod check_expression_tests {
    use sqlparser::parser::Parser;

    use super::*;

    fn expanded(sql: &str) -> String {
        let expr = Parser::new(&PostgreSqlDialect {})
            .try_with_sql(sql)
            .and_then(|mut parser| parser.parse_expr())
            .expect("an expression");
        check_expression(&expr)
    }

    /// Written as sqlparser writes the expression, BETWEEN expanded as
    /// PostgreSQL stores it.
    #[test]
    fn writes_between_expanded_and_the_rest_as_sqlparser_does() {
        for (sql, written) in [
            ("a BETWEEN 1 AND 2", "(a >= 1 AND a <= 2)"),
            ("a NOT BETWEEN 1 AND b + 2", "(a < 1 OR a > b + 2)"),
            (
                "NOT (x > 0 AND -y < 3) OR z IS NULL",
                "NOT (x > 0 AND -y < 3) OR z IS NULL",
            ),
            (
                "a > 1 AND lower(b) = 'x' AND (c BETWEEN 1 AND 2 OR d)",
                "a > 1 AND lower(b) = 'x' AND ((c >= 1 AND c <= 2) OR d)",
            ),
            ("a = ANY (ARRAY[1, 2])", "a = ANY(ARRAY[1, 2])"),
        ] {
            assert_eq!(expanded(sql), written, "{sql}");
        }
    }
}
