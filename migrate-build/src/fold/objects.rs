//! Schemas, types, domains, extensions, sequences, views, functions,
//! triggers, comments, DROP and SET search_path.

use migrate_core::{
    Column, Constraint, ConstraintKind, Extension, Function, Name, Namespace, OutputArgument,
    Relation, RelationKind, Sequence, SqlType, Trigger, TriggerEvent, TriggerTiming, UserType,
    UserTypeKind,
};
use sqlparser::ast::{
    AlterIndexOperation, AlterType, AlterTypeAddValue, AlterTypeAddValuePosition,
    AlterTypeOperation, AlterTypeRename, AlterTypeRenameValue, CommentObject, CreateDomain,
    CreateExtension, CreateFunction, CreateTrigger, CreateView, DataType, DropDomain,
    DropExtension, DropTrigger, Expr, FunctionReturnType, ObjectName, ObjectType, Query,
    SchemaName, SelectItem, SequenceOptions, Set, SetExpr, TableConstraint,
    TriggerEvent as ParsedTriggerEvent, TriggerObject, TriggerObjectKind, TriggerPeriod,
    UserDefinedTypeCompositeAttributeDef, UserDefinedTypeRangeOption,
    UserDefinedTypeRepresentation, Value, ValueWithSpan,
};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::{Fallible, Folder, Stmt, names};
use crate::diagnostic::Diagnostic;
use crate::extensions;

impl Folder {
    pub(crate) fn create_schema(
        &mut self,
        stmt: &Stmt,
        schema_name: &SchemaName,
        if_not_exists: bool,
    ) -> Fallible<()> {
        let name = match schema_name {
            SchemaName::Simple(name) | SchemaName::NamedAuthorization(name, _) => {
                names::object_name_parts(name).join(".")
            }
            SchemaName::UnnamedAuthorization(role) => names::ident(role),
        };
        if self.schema.namespaces.contains_key(&name) {
            if if_not_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.find(&name),
                format!("schema \"{name}\" already exists"),
            ));
        }
        self.schema.namespaces.insert(name, Namespace::default());
        Ok(())
    }

    pub(crate) fn create_type(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        representation: Option<&UserDefinedTypeRepresentation>,
    ) -> Fallible<()> {
        let type_name = self.new_name(stmt, name)?;
        let kind = match representation {
            Some(UserDefinedTypeRepresentation::Enum { labels }) => UserTypeKind::Enum {
                labels: labels.iter().map(|label| label.value.clone()).collect(),
            },
            Some(UserDefinedTypeRepresentation::Composite { attributes }) => {
                let mut resolved = Vec::new();
                for UserDefinedTypeCompositeAttributeDef {
                    name,
                    data_type,
                    collation: _, // changes no shape
                } in attributes
                {
                    resolved.push((names::ident(name), self.resolve_type(stmt, data_type)?.ty));
                }
                UserTypeKind::Composite {
                    attributes: resolved,
                }
            }
            Some(UserDefinedTypeRepresentation::Range { options }) => {
                let mut subtype = None;
                // SUBTYPE is the shape; opclass, collation, canonical and diff are not.
                for option in options {
                    if let UserDefinedTypeRangeOption::Subtype(data_type) = option {
                        subtype = Some(self.resolve_type(stmt, data_type)?.ty);
                    }
                }
                let Some(subtype) = subtype else {
                    return Err(stmt.error_at_start("type attribute \"subtype\" is required"));
                };
                UserTypeKind::Range { subtype }
            }
            // A shell type (`CREATE TYPE t;`) or a base type with I/O functions:
            // nothing a column can use yet.
            _ => return Ok(()),
        };
        if self.schema.types.contains_key(&type_name)
            || self.schema.relations.contains_key(&type_name)
        {
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("type \"{}\" already exists", type_name.name),
            ));
        }
        self.schema.types.insert(
            type_name,
            UserType {
                kind,
                comment: None,
            },
        );
        Ok(())
    }

    pub(crate) fn alter_schema(
        &mut self,
        stmt: &Stmt,
        alter: &sqlparser::ast::AlterSchema,
    ) -> Fallible<()> {
        let sqlparser::ast::AlterSchema {
            name,
            if_exists,
            operations,
        } = alter;
        let schema = names::object_name_parts(name).join(".");
        if !self.schema.namespaces.contains_key(&schema) {
            if *if_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("schema \"{schema}\" does not exist"),
            ));
        }
        for operation in operations {
            match operation {
                sqlparser::ast::AlterSchemaOperation::Rename { name: new } => {
                    let new_schema = names::object_name_parts(new).join(".");
                    if self.schema.namespaces.contains_key(&new_schema) {
                        return Err(stmt.error(
                            stmt.span_of_object_name(new),
                            format!("schema \"{new_schema}\" already exists"),
                        ));
                    }
                    self.rename_namespace(&schema, &new_schema);
                }
                sqlparser::ast::AlterSchemaOperation::OwnerTo { .. } => {}
                other => {
                    return Err(stmt.error_at_start(format!(
                        "syntax error: ALTER SCHEMA {other} is not PostgreSQL"
                    )));
                }
            }
        }
        Ok(())
    }

    /// ALTER SCHEMA old RENAME TO new: every object in it moves.
    fn rename_namespace(&mut self, old: &str, new: &str) {
        let namespace = self.schema.namespaces.remove(old).unwrap_or_default();
        self.schema.namespaces.insert(new.to_owned(), namespace);
        for relation in names_in(&self.schema.relations, old) {
            self.move_relation(&relation, new);
        }
        for type_name in names_in(&self.schema.types, old) {
            self.move_type(&type_name, new);
        }
        rename_schema_keys(&mut self.schema.sequences, old, new);
        rename_schema_keys(&mut self.schema.functions, old, new);
        for extension in self.schema.extensions.values_mut() {
            if extension.schema == old {
                extension.schema = new.to_owned();
            }
        }
        for entry in &mut self.search_path {
            if entry == old {
                *entry = new.to_owned();
            }
        }
    }

    /// ALTER TABLE .. SET SCHEMA: the relation, its indexes and the
    /// sequences it owns move to `schema`.
    pub(crate) fn move_relation(&mut self, name: &Name, schema: &str) {
        let Some(relation) = self.schema.relations.remove(name) else {
            return;
        };
        let new = Name::new(schema, &name.name);
        self.schema.relations.insert(new.clone(), relation);
        let indexes: Vec<Name> = self
            .schema
            .indexes
            .iter()
            .filter(|(_, index)| &index.table == name)
            .map(|(index_name, _)| index_name.clone())
            .collect();
        for index_name in indexes {
            if let Some(index) = self.schema.indexes.remove(&index_name) {
                self.schema
                    .indexes
                    .insert(Name::new(schema, &index_name.name), index);
            }
        }
        let owned: Vec<Name> = self
            .schema
            .sequences
            .iter()
            .filter(|(_, sequence)| {
                sequence
                    .owned_by
                    .as_ref()
                    .is_some_and(|(owner, _)| owner == name)
            })
            .map(|(sequence_name, _)| sequence_name.clone())
            .collect();
        for sequence_name in owned {
            if let Some(sequence) = self.schema.sequences.remove(&sequence_name) {
                let moved = Name::new(schema, &sequence_name.name);
                self.schema.sequences.insert(moved.clone(), sequence);
                let old_default = format!(
                    "nextval('{}'::regclass)",
                    super::table::regclass_text(&sequence_name)
                );
                let new_default = format!(
                    "nextval('{}'::regclass)",
                    super::table::regclass_text(&moved)
                );
                for relation in self.schema.relations.values_mut() {
                    for column in &mut relation.columns {
                        if column.default.as_deref() == Some(old_default.as_str()) {
                            column.default = Some(new_default.clone());
                        }
                    }
                }
            }
        }
        self.repoint_relation(name, &new);
    }

    /// ALTER TYPE .. SET SCHEMA.
    pub(crate) fn move_type(&mut self, name: &Name, schema: &str) {
        let Some(user_type) = self.schema.types.remove(name) else {
            return;
        };
        let new = Name::new(schema, &name.name);
        self.schema.types.insert(new.clone(), user_type);
        self.retype(name, &new);
    }

    pub(crate) fn alter_type(&mut self, stmt: &Stmt, alter: &AlterType) -> Fallible<()> {
        let AlterType { name, operation } = alter;
        let (schema, object) = Self::split_name(stmt, name)?;
        let Some(type_name) = self.find_type(schema.as_deref(), &object) else {
            let mut error = stmt.error(
                stmt.span_of_object_name(name),
                format!("type \"{object}\" does not exist"),
            );
            if let Some(help) =
                names::did_you_mean(&object, self.schema.types.keys().map(|n| n.name.as_str()))
            {
                error = error.with_help(help);
            }
            return Err(error);
        };
        match operation {
            AlterTypeOperation::Rename(AlterTypeRename { new_name }) => {
                let new = Name::new(&type_name.schema, &names::ident(new_name));
                if self.schema.types.contains_key(&new) || self.schema.relations.contains_key(&new)
                {
                    return Err(stmt.error(
                        stmt.span_of_ident(new_name),
                        format!("type \"{}\" already exists", new.name),
                    ));
                }
                let user_type = self.schema.types.remove(&type_name).expect("found above");
                self.schema.types.insert(new.clone(), user_type);
                self.retype(&type_name, &new);
            }
            AlterTypeOperation::AddValue(AlterTypeAddValue {
                if_not_exists,
                value,
                position,
            }) => {
                let Some(UserTypeKind::Enum { labels }) =
                    self.schema.types.get_mut(&type_name).map(|t| &mut t.kind)
                else {
                    return Err(stmt.error(
                        stmt.span_of_object_name(name),
                        format!("\"{object}\" is not an enum"),
                    ));
                };
                let label = value.value.clone();
                if labels.contains(&label) {
                    if *if_not_exists {
                        return Ok(());
                    }
                    return Err(stmt.error(
                        stmt.find(&format!("'{label}'")),
                        format!("enum label \"{label}\" already exists"),
                    ));
                }
                let at = match position {
                    None => labels.len(),
                    Some(AlterTypeAddValuePosition::Before(neighbour))
                    | Some(AlterTypeAddValuePosition::After(neighbour)) => {
                        let Some(index) = labels.iter().position(|l| *l == neighbour.value) else {
                            return Err(stmt.error(
                                stmt.find(&format!("'{}'", neighbour.value)),
                                format!("\"{}\" is not an existing enum label", neighbour.value),
                            ));
                        };
                        if matches!(position, Some(AlterTypeAddValuePosition::After(_))) {
                            index + 1
                        } else {
                            index
                        }
                    }
                };
                labels.insert(at, label);
            }
            AlterTypeOperation::RenameValue(AlterTypeRenameValue { from, to }) => {
                let Some(UserTypeKind::Enum { labels }) =
                    self.schema.types.get_mut(&type_name).map(|t| &mut t.kind)
                else {
                    return Err(stmt.error(
                        stmt.span_of_object_name(name),
                        format!("\"{object}\" is not an enum"),
                    ));
                };
                if labels.contains(&to.value) {
                    return Err(stmt.error(
                        stmt.find(&format!("'{}'", to.value)),
                        format!("enum label \"{}\" already exists", to.value),
                    ));
                }
                let Some(label) = labels.iter_mut().find(|l| **l == from.value) else {
                    return Err(stmt.error(
                        stmt.find(&format!("'{}'", from.value)),
                        format!("\"{}\" is not an existing enum label", from.value),
                    ));
                };
                *label = to.value.clone();
                // Defaults hold the label's oid: they print the new label.
                let cast = format!("::{}", type_cast_name(&type_name));
                let old_default = format!("'{}'{cast}", from.value.replace('\'', "''"));
                let new_default = format!("'{}'{cast}", to.value.replace('\'', "''"));
                for relation in self.schema.relations.values_mut() {
                    for column in &mut relation.columns {
                        if column.default.as_deref() == Some(old_default.as_str()) {
                            column.default = Some(new_default.clone());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// After a type rename: every use of `old` names `new`.
    pub(crate) fn retype(&mut self, old: &Name, new: &Name) {
        let old_cast = format!("::{}", type_cast_name(old));
        let new_cast = format!("::{}", type_cast_name(new));
        let fix = |ty: &mut SqlType| {
            if ty.schema == old.schema && ty.name == old.name {
                ty.schema = new.schema.clone();
                ty.name = new.name.clone();
            }
        };
        for relation in self.schema.relations.values_mut() {
            for column in &mut relation.columns {
                if column.ty.schema == old.schema && column.ty.name == old.name {
                    column.ty.schema = new.schema.clone();
                    column.ty.name = new.name.clone();
                    if let Some(default) = &mut column.default {
                        *default = default.replace(&old_cast, &new_cast);
                    }
                }
            }
        }
        for user_type in self.schema.types.values_mut() {
            match &mut user_type.kind {
                UserTypeKind::Domain { base, .. } => fix(base),
                UserTypeKind::Composite { attributes } => {
                    attributes.iter_mut().for_each(|(_, ty)| fix(ty))
                }
                UserTypeKind::Range { subtype } => fix(subtype),
                UserTypeKind::Enum { .. } => {}
            }
        }
        for sequence in self.schema.sequences.values_mut() {
            fix(&mut sequence.data_type);
        }
    }

    pub(crate) fn create_domain(&mut self, stmt: &Stmt, create: &CreateDomain) -> Fallible<()> {
        let CreateDomain {
            name,
            data_type,
            collation: _, // changes no shape
            default,
            constraints,
        } = create;
        let domain_name = self.new_name(stmt, name)?;
        if self.schema.types.contains_key(&domain_name) {
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("type \"{}\" already exists", domain_name.name),
            ));
        }
        let base = self.resolve_type(stmt, data_type)?.ty;
        let default = default
            .as_ref()
            .and_then(|expr| self.render_default(stmt, expr, &base));
        let not_null = false;
        let mut checks = Vec::new();
        for constraint in constraints {
            if let TableConstraint::Check(check) = constraint {
                let name =
                    check.name.as_ref().map(names::ident).unwrap_or_else(|| {
                        names::make_object_name(&domain_name.name, None, "check")
                    });
                checks.push(Constraint {
                    name,
                    kind: ConstraintKind::Check {
                        expression: super::table::check_expression(&check.expr),
                    },
                    not_valid: false,
                    deferrable: false,
                    initially_deferred: false,
                });
            }
        }
        // NOT NULL: sqlparser rejects it; the recogniser in unparsed.rs sets it.
        self.schema.types.insert(
            domain_name,
            UserType {
                kind: UserTypeKind::Domain {
                    base,
                    not_null,
                    default,
                    checks,
                },
                comment: None,
            },
        );
        Ok(())
    }

    pub(crate) fn drop_domain(&mut self, stmt: &Stmt, drop: &DropDomain) -> Fallible<()> {
        let DropDomain {
            if_exists,
            name,
            drop_behavior,
        } = drop;
        let cascade = matches!(drop_behavior, Some(sqlparser::ast::DropBehavior::Cascade));
        self.drop_type(stmt, name, *if_exists, cascade)
    }

    pub(crate) fn create_extension(
        &mut self,
        stmt: &Stmt,
        create: &CreateExtension,
    ) -> Fallible<()> {
        let CreateExtension {
            name,
            if_not_exists,
            cascade,
            schema,
            version,
        } = create;
        let schema = match schema {
            Some(schema) => names::ident(schema),
            None => self.creation_schema(stmt, stmt.start())?,
        };
        let version = version.as_ref().map(|v| v.value.clone());
        self.add_extension(
            stmt,
            &names::ident(name),
            *if_not_exists,
            *cascade,
            schema,
            version,
        )
    }

    /// `CREATE EXTENSION`: the extension and, through the catalogue, its
    /// types, functions and operators. One outside the catalogue is
    /// recorded with a warning: what it creates is not known.
    pub(crate) fn add_extension(
        &mut self,
        stmt: &Stmt,
        name: &str,
        if_not_exists: bool,
        cascade: bool,
        schema: String,
        version: Option<String>,
    ) -> Fallible<()> {
        if self.schema.extensions.contains_key(name) {
            if if_not_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.find(name),
                format!("extension \"{name}\" already exists"),
            ));
        }
        if !self.schema.namespaces.contains_key(&schema) {
            return Err(stmt.error(
                stmt.find(&schema),
                format!("schema \"{schema}\" does not exist"),
            ));
        }
        match extensions::find(name) {
            Some(entry) => {
                for required in entry.requires {
                    if self.schema.extensions.contains_key(*required) {
                        continue;
                    }
                    if !cascade {
                        return Err(stmt
                            .error(
                                stmt.find(name),
                                format!("required extension \"{required}\" is not installed"),
                            )
                            .with_help(
                                "Use CREATE EXTENSION ... CASCADE to install required extensions too.",
                            ));
                    }
                    self.add_extension(stmt, required, false, true, schema.clone(), None)?;
                }
            }
            None if name == "plpgsql" => {}
            None => self.diagnostics.push(
                Diagnostic::warning(
                    format!(
                        "extension \"{name}\" is not in migrate's extension catalogue: the types, functions and operators it creates are not known to the fold, and queries that use them are checked only in part"
                    ),
                    stmt.find(name),
                )
                .with_help(format!(
                    "state the objects of \"{name}\" that your migrations and queries use (`CREATE TYPE ...;`, `CREATE FUNCTION ...;`) in the assumed-objects file (`assumed` in `[package.metadata.migrate]`), which the fold reads before migration 1 and the runtime never applies"
                )),
            ),
        }
        self.schema
            .extensions
            .insert(name.to_owned(), Extension { schema, version });
        Ok(())
    }

    pub(crate) fn drop_extension(&mut self, stmt: &Stmt, drop: &DropExtension) -> Fallible<()> {
        let DropExtension {
            names: extension_names,
            if_exists,
            cascade_or_restrict,
        } = drop;
        let cascade = matches!(
            cascade_or_restrict,
            Some(sqlparser::ast::ReferentialAction::Cascade)
        );
        let dropped: Vec<String> = extension_names.iter().map(names::ident).collect();
        for name in &dropped {
            if !self.schema.extensions.contains_key(name) {
                if *if_exists {
                    continue;
                }
                return Err(stmt.error(
                    stmt.find(name),
                    format!("extension \"{name}\" does not exist"),
                ));
            }
        }
        for name in &dropped {
            self.drop_one_extension(stmt, name, &dropped, cascade)?;
        }
        Ok(())
    }

    /// Drops an extension and what it created; what depends on those (a
    /// column of one of its types, an extension that requires it) fails
    /// the statement, or goes too with `CASCADE`.
    fn drop_one_extension(
        &mut self,
        stmt: &Stmt,
        name: &str,
        dropped: &[String],
        cascade: bool,
    ) -> Fallible<()> {
        let Some(installed) = self.schema.extensions.get(name).cloned() else {
            return Ok(());
        };
        let requiring: Vec<&str> = self
            .schema
            .extensions
            .keys()
            .filter(|other| !dropped.contains(other))
            .filter(|other| {
                extensions::find(other).is_some_and(|entry| entry.requires.contains(&name))
            })
            .map(|other| extensions::find(other).map_or("", |entry| entry.name))
            .collect();
        if let Some(other) = requiring.first()
            && !cascade
        {
            return Err(stmt
                .error(
                    stmt.find(name),
                    format!("cannot drop extension {name} because other objects depend on it"),
                )
                .with_help(format!(
                    "extension {other} depends on extension {name}; use DROP ... CASCADE to drop the dependent objects too"
                )));
        }
        let type_names: Vec<&str> = extensions::find(name)
            .map(|entry| entry.types.iter().map(|t| t.name).collect())
            .unwrap_or_default();
        let users: Vec<(Name, String, String)> = self
            .schema
            .relations
            .iter()
            .flat_map(|(table, relation)| {
                relation
                    .columns
                    .iter()
                    .filter(|column| {
                        column.ty.schema == installed.schema
                            && !column.ty.is_builtin()
                            && type_names.contains(&column.ty.name.as_str())
                    })
                    .map(|column| (table.clone(), column.name.clone(), column.ty.name.clone()))
            })
            .collect();
        if let Some((table, column, type_name)) = users.first()
            && !cascade
        {
            return Err(stmt
                .error(
                    stmt.find(name),
                    format!("cannot drop extension {name} because other objects depend on it"),
                )
                .with_help(format!(
                    "column {column} of table {} depends on type {type_name}; use DROP ... CASCADE to drop the dependent objects too",
                    table.name
                )));
        }
        for (table, column, _) in users {
            if let Some(relation) = self.schema.relations.get_mut(&table) {
                relation.columns.retain(|c| c.name != column);
            }
        }
        self.schema.extensions.remove(name);
        for other in requiring {
            self.drop_one_extension(stmt, other, dropped, cascade)?;
        }
        Ok(())
    }

    /// Whether an extension's type takes modifiers (`vector(3)`).
    pub(crate) fn extension_type_takes_modifiers(&self, ty: &SqlType) -> bool {
        extensions::type_of(&self.schema, ty).is_some_and(|(_, found)| found.modifiers)
    }

    /// The type an extension installed gives a name, if any.
    pub(crate) fn extension_type(&self, schema: Option<&str>, name: &str) -> Option<SqlType> {
        self.schema
            .extensions
            .iter()
            .find_map(|(extension, installed)| {
                let provides = extensions::find(extension)
                    .is_some_and(|entry| entry.types.iter().any(|t| t.name == name));
                let visible = match schema {
                    Some(schema) => schema == installed.schema,
                    None => self.search_path.contains(&installed.schema),
                };
                (provides && visible).then(|| SqlType::user(&installed.schema, name))
            })
    }

    pub(crate) fn create_sequence(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        if_not_exists: bool,
        data_type: Option<&DataType>,
        options: &[SequenceOptions],
        owned_by: Option<&ObjectName>,
    ) -> Fallible<()> {
        let sequence_name = self.new_name(stmt, name)?;
        if self.class_name_taken(&sequence_name.schema, &sequence_name.name) {
            if if_not_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("relation \"{}\" already exists", sequence_name.name),
            ));
        }
        let data_type = match data_type {
            Some(data_type) => self.resolve_type(stmt, data_type)?.ty,
            None => SqlType::builtin("int8"),
        };
        let mut sequence = Sequence {
            data_type,
            owned_by: None,
            start: None,
            increment: None,
        };
        apply_sequence_options(&mut sequence, options);
        if let Some(owner) = owned_by {
            sequence.owned_by = self.sequence_owner(stmt, owner)?;
        }
        self.schema.sequences.insert(sequence_name, sequence);
        Ok(())
    }

    /// `OWNED BY table.column` (or `NONE`).
    pub(crate) fn sequence_owner(
        &self,
        stmt: &Stmt,
        owner: &ObjectName,
    ) -> Fallible<Option<(Name, String)>> {
        let mut parts = names::object_name_parts(owner);
        if parts.len() == 1 && parts[0] == "none" {
            return Ok(None);
        }
        let Some(column) = parts.pop() else {
            return Ok(None);
        };
        let table_name = parts.pop().unwrap_or_default();
        let schema = parts.pop();
        let Some(table) = self.find_relation(schema.as_deref(), &table_name) else {
            return Err(stmt.error(
                stmt.span_of_object_name(owner),
                format!("relation \"{table_name}\" does not exist"),
            ));
        };
        if self.schema.relations[&table].column(&column).is_none() {
            return Err(stmt.error(
                stmt.span_of_object_name(owner),
                format!("column \"{column}\" of relation \"{table_name}\" does not exist"),
            ));
        }
        Ok(Some((table, column)))
    }

    pub(crate) fn comment(
        &mut self,
        stmt: &Stmt,
        object_type: CommentObject,
        object_name: &ObjectName,
        comment: Option<&str>,
    ) -> Fallible<()> {
        let comment = comment.map(str::to_owned);
        match object_type {
            CommentObject::Table | CommentObject::View | CommentObject::MaterializedView => {
                let table = self.existing_relation(stmt, object_name)?;
                self.relation_mut(&table).comment = comment;
            }
            CommentObject::Column => {
                let mut parts = object_name.0.clone();
                let Some(column) = parts.pop() else {
                    return Err(stmt.error_at_start("column name must be qualified"));
                };
                if parts.is_empty() {
                    return Err(stmt.error(
                        stmt.span_of_object_name(object_name),
                        "column name must be qualified",
                    ));
                }
                let table_name = ObjectName(parts);
                let table = self.existing_relation(stmt, &table_name)?;
                let Some(column_ident) = column.as_ident() else {
                    return Err(stmt.error_at_start("syntax error"));
                };
                let column_name = names::ident(column_ident);
                match self.relation_mut(&table).column_mut(&column_name) {
                    Some(column) => column.comment = comment,
                    None => return Err(self.missing_column(stmt, &table, column_ident)),
                }
            }
            CommentObject::Schema => {
                let name = names::object_name_parts(object_name).join(".");
                match self.schema.namespaces.get_mut(&name) {
                    Some(namespace) => namespace.comment = comment,
                    None => {
                        return Err(stmt.error(
                            stmt.span_of_object_name(object_name),
                            format!("schema \"{name}\" does not exist"),
                        ));
                    }
                }
            }
            CommentObject::Type | CommentObject::Domain => {
                let (schema, object) = Self::split_name(stmt, object_name)?;
                match self.find_type(schema.as_deref(), &object) {
                    Some(found) => {
                        if let Some(user_type) = self.schema.types.get_mut(&found) {
                            user_type.comment = comment;
                        }
                    }
                    None => {
                        return Err(stmt.error(
                            stmt.span_of_object_name(object_name),
                            format!("type \"{object}\" does not exist"),
                        ));
                    }
                }
            }
            // Comments on other objects are not part of the model.
            _ => {}
        }
        Ok(())
    }

    /// CREATE FUNCTION, or CREATE PROCEDURE (`procedure`) read as one: the
    /// input arguments make the signature, the OUT and INOUT ones the row a
    /// call returns (`RETURNS TABLE (..)` too). Without `RETURNS`, a
    /// function returns its one output argument's type, or `record` for
    /// two or more, as PostgreSQL records it.
    pub(crate) fn create_function(
        &mut self,
        stmt: &Stmt,
        create: &CreateFunction,
        procedure: bool,
    ) -> Fallible<()> {
        let name = self.new_name(stmt, &create.name)?;
        let body = match &create.function_body {
            Some(
                sqlparser::ast::CreateFunctionBody::AsBeforeOptions { body, .. }
                | sqlparser::ast::CreateFunctionBody::AsAfterOptions(body),
            ) => match body {
                Expr::Value(ValueWithSpan {
                    value: Value::DollarQuotedString(quoted),
                    span: _,
                }) => Some(quoted.value.as_str()),
                Expr::Value(ValueWithSpan {
                    value: Value::SingleQuotedString(text),
                    span: _,
                }) => Some(text.as_str()),
                _ => None,
            },
            _ => None,
        };
        if body.is_some_and(super::unparsed::may_run_ddl) {
            self.ddl_functions.insert(name.name.clone());
        } else {
            self.ddl_functions.remove(&name.name);
        }
        let mut arguments = Vec::new();
        let mut argument_names = Vec::new();
        let mut outputs = Vec::new();
        let mut variadic = false;
        let mut defaults = 0;
        for (position, argument) in create.args.iter().flatten().enumerate() {
            // Polymorphic and exotic argument types: the function is not recorded.
            let Ok(resolved) = self.resolve_type(stmt, &argument.data_type) else {
                return Ok(());
            };
            let mode = argument.mode.as_ref();
            if matches!(
                mode,
                Some(sqlparser::ast::ArgMode::Out | sqlparser::ast::ArgMode::InOut)
            ) {
                outputs.push(OutputArgument {
                    name: argument.name.as_ref().map(names::ident).unwrap_or_default(),
                    ty: resolved.ty.clone(),
                    position,
                    input: matches!(mode, Some(sqlparser::ast::ArgMode::InOut)),
                });
            }
            if matches!(mode, Some(sqlparser::ast::ArgMode::Out)) {
                continue;
            }
            // Arguments after one with a default have defaults too.
            if argument.default_expr.is_some() {
                defaults += 1;
            }
            // Only the last input argument can be VARIADIC.
            variadic = matches!(mode, Some(sqlparser::ast::ArgMode::Variadic));
            arguments.push(resolved.ty);
            argument_names.push(argument.name.as_ref().map(names::ident).unwrap_or_default());
        }
        if argument_names.iter().all(String::is_empty) {
            argument_names.clear();
        }
        let (returns, returns_set) = match &create.return_type {
            // RETURNS TABLE (..): its columns are output arguments.
            Some(FunctionReturnType::DataType(DataType::Table(Some(columns)))) => {
                for column in columns {
                    let Ok(resolved) = self.resolve_type(stmt, &column.data_type) else {
                        return Ok(());
                    };
                    outputs.push(OutputArgument {
                        name: names::ident(&column.name),
                        ty: resolved.ty,
                        position: arguments.len() + outputs.len(),
                        input: false,
                    });
                }
                (Some(outputs_type(&outputs)), true)
            }
            Some(FunctionReturnType::DataType(data_type)) => {
                (self.resolve_type(stmt, data_type).ok().map(|r| r.ty), false)
            }
            Some(FunctionReturnType::SetOf(data_type)) => {
                (self.resolve_type(stmt, data_type).ok().map(|r| r.ty), true)
            }
            None if !procedure && !outputs.is_empty() => (Some(outputs_type(&outputs)), false),
            None => (None, false),
        };
        if create.or_replace
            && let Some(existing) = self
                .schema
                .functions
                .get(&name)
                .and_then(|overloads| overloads.iter().find(|f| f.arguments == arguments))
        {
            check_input_names_kept(
                stmt,
                stmt.span_of_object_name(&create.name),
                &name,
                existing,
                &argument_names,
            )?;
        }
        let overloads = self.schema.functions.entry(name).or_default();
        overloads.retain(|function| function.arguments != arguments);
        overloads.push(Function {
            arguments,
            returns,
            returns_set,
            aggregate: false,
            variadic,
            direct_arguments: None,
            defaults,
            outputs,
            procedure,
            argument_names,
        });
        Ok(())
    }

    /// DROP FUNCTION: the overloads named go from `schema.functions`. A
    /// function the fold did not record (one with polymorphic arguments,
    /// say) is not an error: its signature was never known.
    pub(crate) fn drop_function(
        &mut self,
        stmt: &Stmt,
        drop: &sqlparser::ast::DropFunction,
    ) -> Fallible<()> {
        let sqlparser::ast::DropFunction {
            if_exists: _,
            func_desc,
            drop_behavior: _, // dependent objects are not tracked for functions
        } = drop;
        self.drop_routines(stmt, func_desc)
    }

    /// DROP FUNCTION or DROP PROCEDURE of these descriptions. A procedure
    /// is named by its input arguments, or by all of them (OUT ones too).
    pub(crate) fn drop_routines(
        &mut self,
        stmt: &Stmt,
        func_desc: &[sqlparser::ast::FunctionDesc],
    ) -> Fallible<()> {
        for description in func_desc {
            let Ok((schema, object)) = Self::split_name(stmt, &description.name) else {
                continue;
            };
            let Some(name) = self.lookup(schema.as_deref(), &object, |candidate| {
                self.schema.functions.contains_key(candidate)
            }) else {
                continue;
            };
            let arguments: Option<Vec<SqlType>> = description.args.as_ref().map(|arguments| {
                arguments
                    .iter()
                    .filter(|argument| !matches!(argument.mode, Some(sqlparser::ast::ArgMode::Out)))
                    .filter_map(|argument| self.resolve_type(stmt, &argument.data_type).ok())
                    .map(|resolved| resolved.ty)
                    .collect()
            });
            let is_aggregate = arguments.as_ref().is_some_and(|arguments| {
                self.schema.functions[&name]
                    .iter()
                    .any(|function| function.aggregate && &function.arguments == arguments)
            });
            if is_aggregate {
                return Err(stmt
                    .error(
                        stmt.span_of_object_name(&description.name),
                        format!("\"{object}\" is an aggregate function"),
                    )
                    .with_help("Use DROP AGGREGATE to drop aggregate functions."));
            }
            if let Some(overloads) = self.schema.functions.get_mut(&name) {
                match &arguments {
                    Some(arguments) => overloads.retain(|function| {
                        &function.arguments != arguments
                            && !(function.procedure && &function.call_arguments() == arguments)
                    }),
                    None => overloads.clear(),
                }
                if overloads.is_empty() {
                    self.schema.functions.remove(&name);
                }
            }
        }
        Ok(())
    }

    pub(crate) fn create_trigger(&mut self, stmt: &Stmt, create: &CreateTrigger) -> Fallible<()> {
        let table = self.existing_relation(stmt, &create.table_name)?;
        let name = names::object_name_parts(&create.name)
            .pop()
            .unwrap_or_default();
        let timing = match create.period {
            Some(TriggerPeriod::Before) => TriggerTiming::Before,
            Some(TriggerPeriod::InsteadOf) => TriggerTiming::InsteadOf,
            Some(TriggerPeriod::After) | Some(TriggerPeriod::For) | None => TriggerTiming::After,
        };
        let events = create
            .events
            .iter()
            .map(|event| match event {
                ParsedTriggerEvent::Insert => TriggerEvent::Insert,
                ParsedTriggerEvent::Update(_) => TriggerEvent::Update,
                ParsedTriggerEvent::Delete => TriggerEvent::Delete,
                ParsedTriggerEvent::Truncate => TriggerEvent::Truncate,
            })
            .collect();
        let for_each_row = matches!(
            create.trigger_object,
            Some(TriggerObjectKind::ForEach(TriggerObject::Row))
                | Some(TriggerObjectKind::For(TriggerObject::Row))
        );
        let relation = self.relation_mut(&table);
        if relation.triggers.iter().any(|trigger| trigger.name == name) {
            if create.or_replace {
                relation.triggers.retain(|trigger| trigger.name != name);
            } else {
                return Err(stmt.error(
                    stmt.span_of_object_name(&create.name),
                    format!(
                        "trigger \"{name}\" for relation \"{}\" already exists",
                        table.name
                    ),
                ));
            }
        }
        relation.triggers.push(Trigger {
            name,
            timing,
            events,
            for_each_row,
        });
        Ok(())
    }

    pub(crate) fn drop_trigger(&mut self, stmt: &Stmt, drop: &DropTrigger) -> Fallible<()> {
        let DropTrigger {
            if_exists,
            trigger_name,
            table_name,
            option: _,
        } = drop;
        let Some(table_name) = table_name else {
            return Ok(());
        };
        let (schema, object) = Self::split_name(stmt, table_name)?;
        let Some(table) = self.find_relation(schema.as_deref(), &object) else {
            if *if_exists {
                return Ok(());
            }
            return Err(self.missing_relation(stmt, table_name, &object));
        };
        let name = names::object_name_parts(trigger_name)
            .pop()
            .unwrap_or_default();
        let relation = self.relation_mut(&table);
        let before = relation.triggers.len();
        relation.triggers.retain(|trigger| trigger.name != name);
        if relation.triggers.len() == before && !if_exists {
            return Err(stmt.error(
                stmt.span_of_object_name(trigger_name),
                format!(
                    "trigger \"{name}\" for table \"{}\" does not exist",
                    table.name
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn alter_index(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        operation: &AlterIndexOperation,
    ) -> Fallible<()> {
        let AlterIndexOperation::RenameIndex { index_name } = operation;
        self.rename_index(stmt, name, index_name, false)
    }

    /// ALTER INDEX [IF EXISTS] a RENAME TO b.
    pub(crate) fn rename_index(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        new: &ObjectName,
        if_exists: bool,
    ) -> Fallible<()> {
        let (schema, object) = Self::split_name(stmt, name)?;
        let found = self.lookup(schema.as_deref(), &object, |candidate| {
            self.schema.indexes.contains_key(candidate)
        });
        let Some(index_name) = found else {
            // ALTER INDEX also renames other relations, as PostgreSQL allows.
            if let Some(relation) = self.find_relation(schema.as_deref(), &object) {
                self.rename_relation(stmt, &relation, new)?;
                return Ok(());
            }
            if if_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("relation \"{object}\" does not exist"),
            ));
        };
        let new_object = names::object_name_parts(new).pop().unwrap_or_default();
        if self.class_name_taken(&index_name.schema, &new_object) {
            return Err(stmt.error(
                stmt.span_of_object_name(new),
                format!("relation \"{new_object}\" already exists"),
            ));
        }
        let mut index = self
            .schema
            .indexes
            .remove(&index_name)
            .expect("found above");
        if let Some(constraint_name) = &index.constraint {
            if let Some(relation) = self.schema.relations.get_mut(&index.table) {
                for constraint in &mut relation.constraints {
                    if constraint.name == *constraint_name {
                        constraint.name = new_object.clone();
                    }
                }
            }
            index.constraint = Some(new_object.clone());
        }
        self.schema
            .indexes
            .insert(Name::new(&index_name.schema, &new_object), index);
        Ok(())
    }

    pub(crate) fn set(&mut self, set: &Set) {
        if let Set::SingleAssignment {
            scope: _,
            hivevar: _,
            variable,
            values,
        } = set
            && variable.to_string().eq_ignore_ascii_case("search_path")
        {
            self.search_path = search_path_values(values);
        }
    }

    /// Records whether a CREATE FUNCTION/PROCEDURE body runs DDL.
    pub(crate) fn note_function_body(&mut self, stmt: &Stmt) {
        let head: String = stmt
            .text
            .chars()
            .take(40)
            .collect::<String>()
            .to_ascii_uppercase();
        let head: Vec<&str> = head.split_whitespace().collect();
        let is_function = matches!(
            head.as_slice(),
            ["CREATE", "FUNCTION" | "PROCEDURE", ..]
                | ["CREATE", "OR", "REPLACE", "FUNCTION" | "PROCEDURE", ..]
        );
        if !is_function {
            return;
        }
        let dialect = PostgreSqlDialect {};
        let Ok(tokens) = Tokenizer::new(&dialect, stmt.text).tokenize() else {
            return;
        };
        let mut words = tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_)));
        let mut name = None;
        let mut previous_was_keyword = false;
        for token in words.by_ref() {
            if let Token::Word(word) = token {
                if previous_was_keyword {
                    name = Some(match word.quote_style {
                        Some(_) => word.value.clone(),
                        None => word.value.to_ascii_lowercase(),
                    });
                    // A qualified name: keep the last part.
                    previous_was_keyword = false;
                    continue;
                }
                previous_was_keyword = word.quote_style.is_none()
                    && matches!(
                        word.value.to_ascii_uppercase().as_str(),
                        "FUNCTION" | "PROCEDURE"
                    );
            } else if matches!(token, Token::Period) && name.is_some() {
                previous_was_keyword = true;
            } else if matches!(token, Token::LParen) && name.is_some() {
                break;
            }
        }
        let Some(name) = name else {
            return;
        };
        let runs_ddl = tokens.iter().any(|token| match token {
            Token::DollarQuotedString(body) => super::unparsed::may_run_ddl(&body.value),
            Token::SingleQuotedString(body) => {
                body.len() > 20 && super::unparsed::may_run_ddl(body)
            }
            _ => false,
        });
        if runs_ddl {
            self.ddl_functions.insert(name);
        } else {
            self.ddl_functions.remove(&name);
        }
    }

    /// `SELECT pg_catalog.set_config('search_path', '', false)` as pg_dump writes it.
    pub(crate) fn query_side_effects(&mut self, stmt: &Stmt, query: &Query) {
        let SetExpr::Select(select) = query.body.as_ref() else {
            return;
        };
        if let Some(into) = &select.into {
            // SELECT ... INTO [TEMP] TABLE t: a new table with the query's columns.
            let sqlparser::ast::SelectInto {
                temporary,
                unlogged,
                table: _, // the TABLE keyword
                targets,
            } = into;
            let target = targets.first().and_then(|target| match target {
                Expr::Identifier(ident) => Some(ObjectName(vec![
                    sqlparser::ast::ObjectNamePart::Identifier(ident.clone()),
                ])),
                Expr::CompoundIdentifier(parts) => Some(ObjectName(
                    parts
                        .iter()
                        .cloned()
                        .map(sqlparser::ast::ObjectNamePart::Identifier)
                        .collect(),
                )),
                _ => None,
            });
            if let Some(target) = &target {
                let name = if *temporary {
                    Self::split_name(stmt, target)
                        .map(|(_, object)| Name::new(super::TEMP_SCHEMA, &object))
                } else {
                    self.new_name(stmt, target)
                };
                let name = match name {
                    Ok(name) => name,
                    Err(error) => {
                        self.diagnostics.push(error);
                        return;
                    }
                };
                if self.class_name_taken(&name.schema, &name.name) {
                    self.diagnostics.push(stmt.error(
                        stmt.span_of_object_name(target),
                        format!("relation \"{}\" already exists", name.name),
                    ));
                    return;
                }
                let mut without_into = query.clone();
                if let SetExpr::Select(select) = without_into.body.as_mut() {
                    select.into = None;
                }
                let mut relation = Relation::new(RelationKind::Table);
                relation.unlogged = *unlogged;
                match crate::analyze::describe_query(&self.schema, &without_into) {
                    Ok(outputs) => {
                        for output in outputs {
                            relation.columns.push(Column::new(&output.name, output.ty));
                        }
                    }
                    Err(_) => self.diagnostics.push(stmt.warning_at_start(
                        "the fold could not work out the columns of this SELECT INTO; the table has none",
                    )),
                }
                self.schema.relations.insert(name, relation);
            }
            return;
        }
        for item in &select.projection {
            let (SelectItem::UnnamedExpr(Expr::Function(function))
            | SelectItem::ExprWithAlias {
                expr: Expr::Function(function),
                ..
            }) = item
            else {
                continue;
            };
            let called = function
                .name
                .0
                .last()
                .and_then(|part| part.as_ident())
                .map(names::ident)
                .unwrap_or_default();
            if self.ddl_functions.contains(&called) {
                let arguments = function.args.to_string();
                let prefixes = arguments
                    .split('\'')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect();
                self.diagnostics.push(
                    stmt.warning_at_start(format!(
                        "the fold cannot follow {called}(), whose body runs DDL, and assumed this call changes nothing"
                    ))
                    .with_help("state what it creates with a `-- migrate:assume <SQL>;` line right before the call, or silence this with `-- migrate:ignore`"),
                );
                self.unfollowed.push(super::Unfollowed {
                    call: format!("{called}{arguments}"),
                    prefixes,
                    location: self.current_path.clone(),
                });
            }
            if !function
                .name
                .to_string()
                .to_ascii_lowercase()
                .ends_with("set_config")
            {
                continue;
            }
            let arguments = function.args.to_string();
            let strings: Vec<&str> = arguments.split('\'').skip(1).step_by(2).collect();
            if let [setting, value, ..] = strings.as_slice()
                && setting.eq_ignore_ascii_case("search_path")
            {
                self.search_path = value
                    .split(',')
                    .map(|part| part.trim().trim_matches('"').to_owned())
                    .filter(|part| !part.is_empty() && part != "$user")
                    .collect();
            }
        }
    }

    pub(crate) fn create_view(&mut self, stmt: &Stmt, create: &mut CreateView) -> Fallible<()> {
        let CreateView {
            or_alter: _, // SQL Server
            or_replace,
            materialized,
            secure: _, // Snowflake
            name,
            name_before_not_exists: _,
            columns,
            query,
            options: _,                // WITH (check_option, ...): no shape
            cluster_by: _,             // BigQuery
            comment: _,                // not PostgreSQL syntax
            with_no_schema_binding: _, // Redshift
            if_not_exists,
            temporary,
            copy_grants: _, // Snowflake
            to: _,          // ClickHouse
            params: _,      // MySQL ALGORITHM/DEFINER
        } = create;
        if *temporary {
            return Ok(());
        }
        let view_name = self.new_name(stmt, name)?;
        if self.class_name_taken(&view_name.schema, &view_name.name) {
            let is_view = self
                .schema
                .relations
                .get(&view_name)
                .is_some_and(|r| r.kind == RelationKind::View);
            if *if_not_exists {
                return Ok(());
            }
            if !(*or_replace && is_view) {
                return Err(stmt.error(
                    stmt.span_of_object_name(name),
                    format!("relation \"{}\" already exists", view_name.name),
                ));
            }
        }
        let mut relation = Relation::new(if *materialized {
            RelationKind::MaterializedView
        } else {
            RelationKind::View
        });
        match crate::analyze::describe_query(&self.schema, query) {
            Ok(outputs) => {
                for (position, output) in outputs.into_iter().enumerate() {
                    let column_name = columns
                        .get(position)
                        .map(|column| names::ident(&column.name))
                        .unwrap_or(output.name);
                    relation.columns.push(Column::new(&column_name, output.ty));
                }
            }
            Err(_) => self.diagnostics.push(stmt.warning_at_start(
                "the fold could not work out the output columns of this view; it has none in the schema",
            )),
        }
        let definition = crate::depth::print::query_text(query);
        match crate::analyze::describe(&self.schema, &definition) {
            Ok(described) => {
                let mut tables = Vec::new();
                let mut columns = Vec::new();
                for used in described.uses {
                    if !tables.contains(&used.table) {
                        tables.push(used.table.clone());
                    }
                    if let Some(column) = used.column {
                        columns.push((used.table, column));
                    }
                }
                relation.depends_on = tables;
                self.view_columns.insert(view_name.clone(), columns);
            }
            Err(_) => {
                relation.depends_on = self.relations_mentioned(&definition);
                self.view_columns.remove(&view_name);
            }
        }
        relation.definition = Some(definition);
        self.schema.relations.insert(view_name, relation);
        Ok(())
    }

    /// Relations whose names appear in `sql` (for view dependencies).
    fn relations_mentioned(&self, sql: &str) -> Vec<Name> {
        let dialect = PostgreSqlDialect {};
        let Ok(tokens) = Tokenizer::new(&dialect, sql).tokenize() else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for token in tokens {
            if let Token::Word(word) = token {
                let name = match word.quote_style {
                    Some(_) => word.value,
                    None => word.value.to_ascii_lowercase(),
                };
                if let Some(relation) = self.find_relation(None, &name)
                    && !found.contains(&relation)
                {
                    found.push(relation);
                }
            }
        }
        found
    }

    pub(crate) fn drop(
        &mut self,
        stmt: &Stmt,
        object_type: ObjectType,
        if_exists: bool,
        object_names: &[ObjectName],
        cascade: bool,
    ) -> Fallible<()> {
        for name in object_names {
            match object_type {
                ObjectType::Table | ObjectType::View | ObjectType::MaterializedView => {
                    self.drop_relation(stmt, object_type, name, if_exists, cascade)?;
                }
                ObjectType::Index => {
                    let (schema, object) = Self::split_name(stmt, name)?;
                    let found = self.lookup(schema.as_deref(), &object, |c| {
                        self.schema.indexes.contains_key(c)
                    });
                    self.drop_index(stmt, name, found, &object, if_exists)?;
                }
                ObjectType::Sequence => {
                    let (schema, object) = Self::split_name(stmt, name)?;
                    let found = self.lookup(schema.as_deref(), &object, |c| {
                        self.schema.sequences.contains_key(c)
                    });
                    match found {
                        Some(found) => {
                            // Defaults calling nextval() on it depend on it.
                            let call = format!(
                                "nextval('{}'::regclass)",
                                super::table::regclass_text(&found)
                            );
                            let users: Vec<(Name, String)> = self
                                .schema
                                .relations
                                .iter()
                                .flat_map(|(table, relation)| {
                                    relation
                                        .columns
                                        .iter()
                                        .filter(|column| {
                                            column
                                                .default
                                                .as_deref()
                                                .is_some_and(|d| d.contains(&call))
                                        })
                                        .map(move |column| (table.clone(), column.name.clone()))
                                })
                                .collect();
                            if let Some((table, column)) = users.first()
                                && !cascade
                            {
                                return Err(stmt
                                    .error(
                                        stmt.span_of_object_name(name),
                                        format!(
                                            "cannot drop sequence {object} because other objects depend on it"
                                        ),
                                    )
                                    .with_help(format!(
                                        "default value for column {column} of table {} depends on sequence {object}; use DROP ... CASCADE to drop the dependent objects too",
                                        table.name
                                    )));
                            }
                            for (table, column) in users {
                                if let Some(column) = self
                                    .schema
                                    .relations
                                    .get_mut(&table)
                                    .and_then(|relation| relation.column_mut(&column))
                                {
                                    column.default = None;
                                }
                            }
                            self.schema.sequences.remove(&found);
                        }
                        None if if_exists => {}
                        None => {
                            return Err(stmt.error(
                                stmt.span_of_object_name(name),
                                format!("sequence \"{object}\" does not exist"),
                            ));
                        }
                    }
                }
                ObjectType::Type => self.drop_type(stmt, name, if_exists, cascade)?,
                ObjectType::Schema => {
                    let schema = names::object_name_parts(name).join(".");
                    if !self.schema.namespaces.contains_key(&schema) {
                        if if_exists {
                            continue;
                        }
                        return Err(stmt.error(
                            stmt.span_of_object_name(name),
                            format!("schema \"{schema}\" does not exist"),
                        ));
                    }
                    let tables: Vec<Name> = self
                        .schema
                        .relations
                        .keys()
                        .filter(|relation| relation.schema == schema)
                        .cloned()
                        .collect();
                    if !cascade && !tables.is_empty() {
                        return Err(stmt.error(
                            stmt.span_of_object_name(name),
                            format!(
                                "cannot drop schema {schema} because other objects depend on it"
                            ),
                        ));
                    }
                    for table in tables {
                        self.drop_relation_cascade(&table);
                    }
                    self.schema
                        .types
                        .retain(|type_name, _| type_name.schema != schema);
                    self.schema
                        .sequences
                        .retain(|sequence, _| sequence.schema != schema);
                    self.schema
                        .functions
                        .retain(|function, _| function.schema != schema);
                    self.schema.namespaces.remove(&schema);
                }
                ObjectType::Role
                | ObjectType::User
                | ObjectType::Database
                | ObjectType::Collation => {}
                ObjectType::Stage | ObjectType::Stream | ObjectType::Warehouse => {
                    return Err(
                        stmt.error_at_start(format!("syntax error at or near \"{object_type}\""))
                    );
                }
            }
        }
        Ok(())
    }

    pub(crate) fn drop_index(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        found: Option<Name>,
        object: &str,
        if_exists: bool,
    ) -> Fallible<()> {
        match found {
            Some(found) => {
                if let Some(constraint) = &self.schema.indexes[&found].constraint {
                    let table = &self.schema.indexes[&found].table;
                    return Err(stmt
                        .error(
                            stmt.span_of_object_name(name),
                            format!(
                                "cannot drop index {object} because constraint {constraint} on table {} requires it",
                                table.name
                            ),
                        )
                        .with_help(format!(
                            "you can drop constraint {constraint} on table {} instead",
                            table.name
                        )));
                }
                self.schema.indexes.remove(&found);
                Ok(())
            }
            None if if_exists => Ok(()),
            None => {
                let mut error = stmt.error(
                    stmt.span_of_object_name(name),
                    format!("index \"{object}\" does not exist"),
                );
                if let Some(help) =
                    names::did_you_mean(object, self.schema.indexes.keys().map(|n| n.name.as_str()))
                {
                    error = error.with_help(help);
                }
                Err(error)
            }
        }
    }

    fn drop_relation(
        &mut self,
        stmt: &Stmt,
        object_type: ObjectType,
        name: &ObjectName,
        if_exists: bool,
        cascade: bool,
    ) -> Fallible<()> {
        let (schema, object) = Self::split_name(stmt, name)?;
        let kind_word = match object_type {
            ObjectType::View => "view",
            ObjectType::MaterializedView => "materialized view",
            _ => "table",
        };
        let Some(found) = self.find_relation(schema.as_deref(), &object) else {
            if if_exists {
                return Ok(());
            }
            let mut error = stmt.error(
                stmt.span_of_object_name(name),
                format!("{kind_word} \"{object}\" does not exist"),
            );
            if let Some(help) = names::did_you_mean(
                &object,
                self.schema.relations.keys().map(|n| n.name.as_str()),
            ) {
                error = error.with_help(help);
            }
            return Err(error);
        };
        let kind = self.schema.relations[&found].kind;
        let kind_matches = match object_type {
            ObjectType::View => kind == RelationKind::View,
            ObjectType::MaterializedView => kind == RelationKind::MaterializedView,
            _ => matches!(
                kind,
                RelationKind::Table | RelationKind::PartitionedTable | RelationKind::ForeignTable
            ),
        };
        if !kind_matches {
            return Err(stmt
                .error(
                    stmt.span_of_object_name(name),
                    format!("\"{object}\" is not a {kind_word}"),
                )
                .with_help(format!(
                    "use DROP {} to remove {}",
                    drop_keyword(kind),
                    article(kind)
                )));
        }
        if !cascade {
            // Inheriting tables (not partitions, which go with their parent).
            let child = self
                .schema
                .relations
                .iter()
                .find(|(other, relation)| {
                    relation.parent.as_ref() == Some(&found)
                        && kind != RelationKind::PartitionedTable
                        && *other != &found
                })
                .map(|(other, _)| other.clone());
            if let Some(child) = child {
                return Err(stmt
                    .error(
                        stmt.span_of_object_name(name),
                        format!("cannot drop {kind_word} {object} because other objects depend on it"),
                    )
                    .with_help(format!(
                        "table {} depends on table {object}; use DROP ... CASCADE to drop the dependent objects too",
                        child.name
                    )));
            }
            let dependent_view = self
                .schema
                .relations
                .iter()
                .find(|(other, relation)| *other != &found && relation.depends_on.contains(&found))
                .map(|(other, relation)| (other.clone(), relation.kind));
            if let Some((view, view_kind)) = dependent_view {
                return Err(stmt
                    .error(
                        stmt.span_of_object_name(name),
                        format!("cannot drop {kind_word} {object} because other objects depend on it"),
                    )
                    .with_help(format!(
                        "{} {} depends on {kind_word} {object}; use DROP ... CASCADE to drop the dependent objects too",
                        if view_kind == RelationKind::MaterializedView { "materialized view" } else { "view" },
                        view.name
                    )));
            }
            let foreign_key = self
                .foreign_keys_referencing(&found, None)
                .into_iter()
                .find(|(other, _)| other != &found);
            if let Some((other, constraint)) = foreign_key {
                return Err(stmt
                    .error(
                        stmt.span_of_object_name(name),
                        format!("cannot drop {kind_word} {object} because other objects depend on it"),
                    )
                    .with_help(format!(
                        "constraint {constraint} on table {} depends on {kind_word} {object}; use DROP ... CASCADE to drop the dependent objects too",
                        other.name
                    )));
            }
        }
        self.record_change(stmt, &found, None, None);
        self.drop_relation_cascade(&found);
        Ok(())
    }

    /// Drops a relation with everything that depends on it: views reading
    /// it, foreign keys pointing at it, its indexes, owned sequences and
    /// partitions.
    pub(crate) fn drop_relation_cascade(&mut self, name: &Name) {
        if self.schema.relations.remove(name).is_none() {
            return;
        }
        let dependents: Vec<Name> = self
            .schema
            .relations
            .iter()
            .filter(|(_, relation)| {
                relation.depends_on.contains(name) || (relation.parent.as_ref() == Some(name))
            })
            .map(|(other, _)| other.clone())
            .collect();
        for (other, constraint) in self.foreign_keys_referencing(name, None) {
            if let Some(relation) = self.schema.relations.get_mut(&other) {
                relation.constraints.retain(|c| c.name != constraint);
            }
        }
        self.schema.indexes.retain(|_, index| &index.table != name);
        self.schema.sequences.retain(|_, sequence| {
            sequence
                .owned_by
                .as_ref()
                .is_none_or(|(owner, _)| owner != name)
        });
        for dependent in dependents {
            let is_child_table = self
                .schema
                .relations
                .get(&dependent)
                .is_some_and(|r| r.parent.as_ref() == Some(name) && !r.is_view());
            if is_child_table {
                // Partitions go with their parent; inheriting tables only lose the link.
                self.drop_relation_cascade(&dependent);
            } else {
                self.drop_relation_cascade(&dependent);
            }
        }
    }

    fn drop_type(
        &mut self,
        stmt: &Stmt,
        name: &ObjectName,
        if_exists: bool,
        cascade: bool,
    ) -> Fallible<()> {
        let (schema, object) = Self::split_name(stmt, name)?;
        let Some(found) = self.find_type(schema.as_deref(), &object) else {
            if if_exists {
                return Ok(());
            }
            return Err(stmt.error(
                stmt.span_of_object_name(name),
                format!("type \"{object}\" does not exist"),
            ));
        };
        let users: Vec<(Name, String)> = self
            .schema
            .relations
            .iter()
            .flat_map(|(table, relation)| {
                relation
                    .columns
                    .iter()
                    .filter(|column| {
                        column.ty.schema == found.schema && column.ty.name == found.name
                    })
                    .map(move |column| (table.clone(), column.name.clone()))
            })
            .collect();
        if let Some((table, column)) = users.first()
            && !cascade
        {
            return Err(stmt
                    .error(
                        stmt.span_of_object_name(name),
                        format!("cannot drop type {object} because other objects depend on it"),
                    )
                    .with_help(format!(
                        "column {column} of table {} depends on type {object}; use DROP ... CASCADE to drop the dependent objects too",
                        table.name
                    )));
        }
        for (table, column) in users {
            if let Some(relation) = self.schema.relations.get_mut(&table) {
                relation.columns.retain(|c| c.name != column);
            }
        }
        self.schema.types.remove(&found);
        Ok(())
    }
}

/// `SET search_path TO a, "B", public`.
fn search_path_values(values: &[Expr]) -> Vec<String> {
    let mut path = Vec::new();
    for value in values {
        let text = match value {
            Expr::Identifier(ident) => names::ident(ident),
            Expr::Value(ValueWithSpan {
                value: Value::SingleQuotedString(text),
                span: _,
            }) => text.clone(),
            other => other.to_string(),
        };
        for part in text.split(',') {
            let part = part.trim().trim_matches('"').to_owned();
            if !part.is_empty() && part != "$user" {
                path.push(part);
            }
        }
    }
    path
}

/// The names in `map` that live in `schema`.
fn names_in<T>(map: &std::collections::BTreeMap<Name, T>, schema: &str) -> Vec<Name> {
    map.keys()
        .filter(|name| name.schema == schema)
        .cloned()
        .collect()
}

/// Moves every entry of `map` from schema `old` to schema `new`.
fn rename_schema_keys<T>(map: &mut std::collections::BTreeMap<Name, T>, old: &str, new: &str) {
    for name in names_in(map, old) {
        if let Some(value) = map.remove(&name) {
            map.insert(Name::new(new, &name.name), value);
        }
    }
}

/// `CREATE [OR REPLACE] PROCEDURE ..` with `PROCEDURE` written as
/// `FUNCTION ` (the same length, so spans stay true); `None` for any other
/// statement.
pub(crate) fn procedure_as_function(text: &str) -> Option<String> {
    let mut words = Vec::new();
    let mut at = 0;
    while words.len() < 4 {
        let rest = &text[at..];
        let start = at + (rest.len() - rest.trim_start().len());
        let len = text[start..]
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(text.len() - start);
        if len == 0 {
            break;
        }
        words.push((start, &text[start..start + len]));
        at = start + len;
    }
    let is = |index: usize, word: &str| {
        words
            .get(index)
            .is_some_and(|(_, found)| found.eq_ignore_ascii_case(word))
    };
    let procedure = if is(0, "CREATE") && is(1, "PROCEDURE") {
        1
    } else if is(0, "CREATE") && is(1, "OR") && is(2, "REPLACE") && is(3, "PROCEDURE") {
        3
    } else {
        return None;
    };
    let (start, word) = words[procedure];
    Some(format!(
        "{}FUNCTION {}",
        &text[..start],
        &text[start + word.len()..]
    ))
}

/// PostgreSQL's rule for `CREATE OR REPLACE` of `existing`: an input
/// argument that had a name keeps it (one may be given a name it did not
/// have), since a call may pass it by that name. The error is reported at
/// `span`.
pub(super) fn check_input_names_kept(
    stmt: &Stmt,
    span: std::ops::Range<usize>,
    name: &Name,
    existing: &Function,
    new_names: &[String],
) -> Fallible<()> {
    for (index, old) in existing.argument_names.iter().enumerate() {
        if old.is_empty() || new_names.get(index) == Some(old) {
            continue;
        }
        return Err(stmt
            .error(
                span,
                format!("cannot change name of input parameter \"{old}\""),
            )
            .with_help(drop_first_hint(name, existing)));
    }
    Ok(())
}

/// PostgreSQL's hint on a `CREATE OR REPLACE` it refuses: `Use DROP
/// FUNCTION f(integer,text) first.`, the routine as `format_procedure`
/// prints it (schema-qualified outside `public`).
pub(super) fn drop_first_hint(name: &Name, existing: &Function) -> String {
    let routine = if existing.procedure {
        "PROCEDURE"
    } else if existing.aggregate {
        "AGGREGATE"
    } else {
        "FUNCTION"
    };
    let qualified = if name.schema == "public" {
        super::defaults::quote_ident(&name.name)
    } else {
        format!(
            "{}.{}",
            super::defaults::quote_ident(&name.schema),
            super::defaults::quote_ident(&name.name)
        )
    };
    let signature = existing
        .arguments
        .iter()
        .map(super::aggregates::shown_type)
        .collect::<Vec<_>>()
        .join(",");
    format!("Use DROP {routine} {qualified}({signature}) first.")
}

/// What a function of these output arguments returns: the one's type, or
/// `record` for two or more.
fn outputs_type(outputs: &[OutputArgument]) -> SqlType {
    match outputs {
        [only] => only.ty.clone(),
        _ => SqlType::builtin("record"),
    }
}

/// The options the model keeps (START, INCREMENT) of CREATE SEQUENCE or of an
/// identity column's sequence.
pub(crate) fn apply_sequence_options(sequence: &mut Sequence, options: &[SequenceOptions]) {
    for option in options {
        match option {
            SequenceOptions::StartWith(expr, _) => sequence.start = integer(expr),
            SequenceOptions::IncrementBy(expr, _) => sequence.increment = integer(expr),
            _ => {}
        }
    }
}

fn integer(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::Value(ValueWithSpan {
            value: Value::Number(number, _),
            span: _,
        }) => number.parse().ok(),
        Expr::UnaryOp { expr, .. } => integer(expr).map(|n| -n),
        _ => None,
    }
}

/// How a type is named in a cast that PostgreSQL prints: `"TaskStatus"`,
/// `my_schema.status`.
pub(crate) fn type_cast_name(name: &Name) -> String {
    let object = super::defaults::quote_ident(&name.name);
    if name.schema == "public" {
        object
    } else {
        format!("{}.{object}", super::defaults::quote_ident(&name.schema))
    }
}

fn drop_keyword(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::View => "VIEW",
        RelationKind::MaterializedView => "MATERIALIZED VIEW",
        RelationKind::ForeignTable => "FOREIGN TABLE",
        RelationKind::Table | RelationKind::PartitionedTable => "TABLE",
    }
}

fn article(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::View => "a view",
        RelationKind::MaterializedView => "a materialized view",
        RelationKind::ForeignTable => "a foreign table",
        RelationKind::Table | RelationKind::PartitionedTable => "a table",
    }
}
