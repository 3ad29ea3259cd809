//! The schema model: what the files of the folder, checked in version order, and the earlier
//! statements of the file being checked created, altered and dropped: tables with their columns
//! (type with its modifiers, nullability, default, generated) and constraints, indexes, views,
//! sequences, types (enum values, composite attributes), domains, functions and procedures
//! (volatility, language), extensions.
//!
//! An object the model never saw (made outside the folder, by a file it could not parse, or by
//! dynamic SQL) is **unknown**: it may exist, with any definition, and rules that would only
//! guess about it stay as they are without the model. The folder is taken as the source of
//! truth: `CREATE TABLE IF NOT EXISTS t` of a table the model never saw records `t` as written.
//!
//! [`Schema::apply`] updates the model with one statement, through one function per kind of
//! statement; the rules read it through [`Schema::relation`], [`Schema::column`] and
//! [`Schema::function`].

use std::collections::HashMap;
use std::sync::Arc;

use pg_query::protobuf::{
    a_const, AlterEnumStmt, AlterFunctionStmt, AlterObjectSchemaStmt, AlterTableCmd,
    AlterTableStmt, AlterTableType, BoolExprType, ColumnDef, CompositeTypeStmt, ConstrType,
    Constraint, CreateDomainStmt, CreateFunctionStmt, CreateSeqStmt, CreateStmt, CreateTableAsStmt,
    DefElem, DefineStmt, DropBehavior, DropStmt, IndexStmt, NullTestType, ObjectType, RangeVar,
    RenameStmt, TypeName, VariableSetKind, ViewStmt,
};
use pg_query::{Node, NodeEnum, NodeRef};

use crate::objects::{added_constraint_name, cmd_column, cmd_constraint, object_name, strings};
use crate::quote::ident;

/// The first PostgreSQL major version whose `SET NOT NULL` reads no row when a validated
/// `CHECK (col IS NOT NULL)` proves the column.
pub(crate) const CHECK_PROVES_NOT_NULL: u32 = 12;

/// What the model knows of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Known<T> {
    /// Never seen (or seen in two schemas under one name): it may exist, with any definition.
    Unknown,
    /// Dropped, or renamed away, by an earlier statement.
    Absent,
    /// Created by an earlier statement, as the model describes it.
    Present(T),
}

/// A relation: a table, view, materialized view, sequence, index or foreign table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Relation {
    /// What kind of relation.
    pub kind: ObjectType,
    /// The position, in version order, of the file that created it.
    pub file: usize,
    /// The columns of a table, in order; empty for other relations.
    pub columns: Vec<Column>,
    /// Whether `columns` lists every column: false when some came from elsewhere (`LIKE`,
    /// `INHERITS`, `PARTITION OF`, `OF type`, `AS SELECT`).
    pub complete: bool,
    /// The names of its constraints the model knows.
    pub constraints: Vec<String>,
    /// Its `CHECK` constraints.
    pub checks: Vec<CheckConstraint>,
    /// The indexes the model saw built on it: `CREATE INDEX`, and the `PRIMARY KEY` and
    /// `UNIQUE` constraints of its `CREATE TABLE` and `ADD CONSTRAINT`.
    pub indexes: Vec<TableIndex>,
}

/// An index of a table, as a column type change needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TableIndex {
    /// Its name as SQL writes it, in backquotes (`an unnamed index` when the model does not know
    /// it), and the
    /// name parts under which the model follows the index, when it does (a `CREATE INDEX`).
    pub name: String,
    followed: Option<Vec<String>>,
    /// The columns it keys on as they are.
    pub keys: Vec<String>,
    /// The columns its expressions and predicate read (`lower(email)`, `WHERE deleted_at IS
    /// NULL`).
    pub computed: Vec<String>,
}

/// What changing a column's type does to its table, as PostgreSQL decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeChange {
    /// The stored values change: the table and all its indexes are rewritten.
    Rewrites,
    /// The values stay as they are and so does their ordering: only the indexes whose
    /// expression or predicate reads the column are rebuilt.
    KeepsValues,
    /// The values stay as they are but not their ordering (another collation; `timestamp` and
    /// `timestamptz` under a UTC session): every index on the column is rebuilt.
    RebuildsIndexes,
}

/// A `CHECK` constraint of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckConstraint {
    /// Its name.
    pub name: String,
    /// Whether it is validated: added without `NOT VALID`, or validated since.
    pub valid: bool,
    /// The columns it proves not `NULL`: those of each `col IS NOT NULL` it is, or holds as a
    /// term of its `AND`s. (PostgreSQL also reads strict conditions such as `col > 0` as
    /// proof; the model does not.)
    pub not_null: Vec<String>,
}

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// Its name, as PostgreSQL folds it.
    pub name: String,
    /// Its type.
    pub ty: ColumnType,
    /// `NOT NULL` (or part of the primary key).
    pub not_null: bool,
    /// Whether it has a default.
    pub default: bool,
    /// Whether it is generated: an identity or a generated expression.
    pub generated: Generated,
}

/// How a column's values are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Generated {
    /// Written by the statements that insert and update rows.
    No,
    /// `GENERATED ... AS IDENTITY`.
    Identity,
    /// `GENERATED ALWAYS AS (...) STORED` (or `VIRTUAL`).
    Expression,
}

/// A column type as written: its name without `pg_catalog`, its numeric modifiers
/// (`varchar(64)` is `varchar` with `[64]`), whether it is an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnType {
    /// Name parts, `pg_catalog` left out: `["varchar"]`, `["app", "mood"]`.
    pub name: Vec<String>,
    /// The modifiers, when all are integer constants; `None` otherwise.
    pub typmods: Option<Vec<i32>>,
    /// `[]`.
    pub array: bool,
    /// `COLLATE` name parts; empty for the type's default collation.
    pub collation: Vec<String>,
}

impl ColumnType {
    /// The type a `TypeName` names.
    pub fn of(t: &TypeName) -> Self {
        let mut name = strings(&t.names);
        if name.len() > 1 && name[0] == "pg_catalog" {
            name.remove(0);
        }
        let typmods = t
            .typmods
            .iter()
            .map(|m| match m.node.as_ref() {
                Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                    Some(a_const::Val::Ival(i)) => Some(i.ival),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        Self {
            name,
            typmods,
            array: !t.array_bounds.is_empty(),
            collation: Vec::new(),
        }
    }

    /// The type of a column definition, with its `COLLATE`.
    pub fn of_column(c: &ColumnDef) -> Self {
        let mut ty = c
            .type_name
            .as_ref()
            .map_or_else(|| Self::of(&TypeName::default()), Self::of);
        ty.collation = c
            .coll_clause
            .as_ref()
            .map(|cc| strings(&cc.collname))
            .unwrap_or_default();
        ty
    }

    /// Whether it is the built-in type of this name.
    fn is(&self, builtin: &str) -> bool {
        !self.array && self.name.len() == 1 && self.name[0] == builtin
    }
}

/// A type: an enum with its values, or another kind whose details the rules do not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Type {
    /// `CREATE TYPE ... AS ENUM`: its values in order.
    Enum(Vec<String>),
    /// A composite type, with its attributes.
    Composite(Vec<String>),
    /// `CREATE DOMAIN`, with the names of its constraints.
    Domain(Vec<String>),
    /// A range or base type.
    Other,
}

/// How a function's result may change between calls with the same arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Volatility {
    /// `IMMUTABLE`.
    Immutable,
    /// `STABLE`.
    Stable,
    /// `VOLATILE`, the default.
    Volatile,
}

/// A function or procedure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Function {
    /// Its argument types as written (name parts joined by dots, `[]` for arrays).
    pub args: Vec<String>,
    /// Its volatility.
    pub volatility: Volatility,
    /// Its language, lower case: `sql`, `plpgsql`, `c`, ...
    pub language: String,
    /// `CREATE PROCEDURE`.
    pub procedure: bool,
    /// A `sql` function whose body is `SELECT <constant>`: PostgreSQL inlines a call of it
    /// into that constant, whatever its volatility says.
    pub constant: bool,
    /// A PL/pgSQL procedure whose body `COMMIT`s or `ROLLBACK`s: a `CALL` of it cannot run
    /// inside a transaction block.
    pub controls_transactions: bool,
}

/// One name's entry in a namespace. An object is shared between the copies of the model the
/// editor server keeps (`Folder`'s), and copied when one of them changes it: a copy of the
/// model copies the names, not the objects.
#[derive(Debug, Clone, PartialEq)]
enum Slot<T> {
    /// Created.
    Present(Arc<T>),
    /// Dropped or renamed away.
    Absent,
}

/// Objects of one kind, by schema and name (as PostgreSQL folds them). An unqualified name is
/// taken to be in `public`: a folder that sets another `search_path` and names objects both ways
/// leaves them unknown (the model sees two objects), never wrongly known.
#[derive(Debug, Clone, PartialEq)]
struct Namespace<T>(HashMap<(String, String), Slot<T>>);

impl<T> Default for Namespace<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

/// `(schema, name)` of name parts: `["app", "users"]` -> `("app", "users")`, `["users"]` ->
/// `("public", "users")`.
fn key(name: &[String]) -> Option<(String, String)> {
    let (last, qualifiers) = name.split_last()?;
    let schema = qualifiers.last().map_or("public", String::as_str);
    Some((schema.to_owned(), last.clone()))
}

impl<T: Clone> Namespace<T> {
    fn get(&self, name: &[String]) -> Known<&T> {
        match key(name).and_then(|k| self.0.get(&k)) {
            Some(Slot::Present(object)) => Known::Present(object),
            Some(Slot::Absent) => Known::Absent,
            None => Known::Unknown,
        }
    }

    fn get_mut(&mut self, name: &[String]) -> Option<&mut T> {
        match key(name).and_then(|k| self.0.get_mut(&k)) {
            Some(Slot::Present(object)) => Some(Arc::make_mut(object)),
            _ => None,
        }
    }

    fn insert(&mut self, name: &[String], object: T) {
        if let Some(k) = key(name) {
            self.0.insert(k, Slot::Present(Arc::new(object)));
        }
    }

    /// Takes an object out: dropped, or renamed away.
    fn remove(&mut self, name: &[String]) -> Option<T> {
        match self.0.insert(key(name)?, Slot::Absent) {
            Some(Slot::Present(object)) => Some(Arc::unwrap_or_clone(object)),
            _ => None,
        }
    }

    /// Makes an object unknown again.
    fn forget(&mut self, name: &[String]) {
        if let Some(k) = key(name) {
            self.0.remove(&k);
        }
    }

    /// Renames an object, or moves it to another schema: the old name is gone, the new one
    /// holds what the model knew (unknown when it knew nothing).
    fn rename(&mut self, old: &[String], new: &[String]) {
        match self.remove(old) {
            Some(object) => self.insert(new, object),
            None => self.forget(new),
        }
    }

    /// Every object of a schema is gone.
    fn drop_schema(&mut self, schema: &str) {
        for ((s, _), slot) in &mut self.0 {
            if s == schema {
                *slot = Slot::Absent;
            }
        }
    }

    /// The objects present.
    fn present_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.0.values_mut().filter_map(|slot| match slot {
            Slot::Present(object) => Some(Arc::make_mut(object)),
            Slot::Absent => None,
        })
    }
}

/// The model of the database the files build, as of the statement being checked.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Schema {
    relations: Namespace<Relation>,
    types: Namespace<Type>,
    /// Functions and procedures by name, each with its overloads.
    functions: Namespace<Vec<Function>>,
    extensions: Namespace<()>,
    /// The position in version order of the file being checked.
    file: usize,
    /// Whether an earlier statement of this file set the session's TimeZone to UTC.
    utc: bool,
}

impl Schema {
    /// Starts the next file in version order.
    pub fn next_file(&mut self) {
        self.file += 1;
        self.utc = false;
    }

    /// Whether an earlier statement of this file set the session's TimeZone to a zone with no
    /// offset and no daylight saving time (`SET [LOCAL] timezone = 'UTC'`, `'Etc/UTC'`,
    /// `'GMT'`, `0`): what the server's own default is, the model does not know.
    pub fn utc(&self) -> bool {
        self.utc
    }

    /// A table, view, sequence, index or materialized view.
    pub fn relation(&self, relation: &RangeVar) -> Known<&Relation> {
        self.relations.get(&relation_name(relation))
    }

    /// Whether the model saw this file create the relation (also in a guarded `DO` block).
    pub fn created_here(&self, relation: &RangeVar) -> bool {
        matches!(self.relation(relation), Known::Present(r) if r.file == self.file)
    }

    /// A column of a table: unknown when the table is, or when the model does not know all of
    /// its columns and this one is not among those it knows.
    pub fn column(&self, relation: &RangeVar, column: &str) -> Known<&Column> {
        match self.relation(relation) {
            Known::Present(table) => match table.columns.iter().find(|c| c.name == column) {
                Some(c) => Known::Present(c),
                None if table.complete => Known::Absent,
                None => Known::Unknown,
            },
            Known::Absent => Known::Absent,
            Known::Unknown => Known::Unknown,
        }
    }

    /// Whether `column` of the table is known to hold no `NULL` already: it is `NOT NULL`, or,
    /// when `checks_prove` (PostgreSQL 12 and later, [`CHECK_PROVES_NOT_NULL`]), a validated
    /// `CHECK (column IS NOT NULL)` proves it. `SET NOT NULL` then reads no row (checked on
    /// PostgreSQL: the table's `seq_scan` counter does not move).
    pub fn proves_not_null(&self, relation: &RangeVar, column: &str, checks_prove: bool) -> bool {
        let Known::Present(table) = self.relation(relation) else {
            return false;
        };
        table.columns.iter().any(|c| c.name == column && c.not_null)
            || checks_prove
                && table
                    .checks
                    .iter()
                    .any(|c| c.valid && c.not_null.iter().any(|n| n == column))
    }

    /// The overloads of a function or procedure, by its (possibly qualified) name.
    pub fn function(&self, name: &[String]) -> Known<&[Function]> {
        match self.functions.get(name) {
            Known::Present(overloads) => Known::Present(overloads.as_slice()),
            Known::Absent => Known::Absent,
            Known::Unknown => Known::Unknown,
        }
    }

    /// A type or domain. No rule asks yet (the `DO`-block and transaction checks follow enum
    /// values themselves); the model's tests do.
    #[cfg(test)]
    pub fn type_(&self, name: &[String]) -> Known<&Type> {
        self.types.get(name)
    }

    /// An extension.
    pub fn extension(&self, name: &str) -> Known<()> {
        match self.extensions.get(&[name.to_owned()]) {
            Known::Present(()) => Known::Present(()),
            Known::Absent => Known::Absent,
            Known::Unknown => Known::Unknown,
        }
    }

    /// Updates the model with what one statement does. A statement it does not model leaves it
    /// as it was.
    pub fn apply(&mut self, node: &NodeEnum) {
        match node {
            NodeEnum::CreateStmt(s) => self.create_table(s),
            NodeEnum::CreateTableAsStmt(s) => self.create_table_as(s),
            NodeEnum::ViewStmt(s) => self.create_view(s),
            NodeEnum::CreateSeqStmt(s) => self.create_sequence(s),
            NodeEnum::IndexStmt(s) => self.create_index(s),
            NodeEnum::AlterTableStmt(s) => self.alter_table(s),
            NodeEnum::CreateEnumStmt(s) => self.create_type(
                &strings(&s.type_name),
                Type::Enum(s.vals.iter().filter_map(string).collect()),
            ),
            NodeEnum::AlterEnumStmt(s) => self.alter_enum(s),
            NodeEnum::CompositeTypeStmt(s) => self.create_composite(s),
            NodeEnum::CreateRangeStmt(s) => self.create_type(&strings(&s.type_name), Type::Other),
            NodeEnum::DefineStmt(s) => self.define(s),
            NodeEnum::CreateDomainStmt(s) => self.create_domain(s),
            NodeEnum::AlterDomainStmt(s) => self.alter_domain(&strings(&s.type_name), s),
            NodeEnum::CreateFunctionStmt(s) => self.create_function(s),
            NodeEnum::AlterFunctionStmt(s) => self.alter_function(s),
            NodeEnum::CreateExtensionStmt(s)
                if self.extension(&s.extname) != Known::Present(()) =>
            {
                self.extensions.insert(std::slice::from_ref(&s.extname), ());
            }
            NodeEnum::DropStmt(s) => self.drop(s),
            NodeEnum::VariableSetStmt(s)
                if s.name == "timezone" || s.kind() == VariableSetKind::VarResetAll =>
            {
                self.utc = s.kind() == VariableSetKind::VarSetValue
                    && !s.args.is_empty()
                    && s.args.iter().all(is_utc);
            }
            NodeEnum::RenameStmt(s) => self.rename(s),
            NodeEnum::AlterObjectSchemaStmt(s) => self.set_schema(s),
            _ => {}
        }
    }

    /// A new relation, unless `IF NOT EXISTS` finds one the model knows.
    fn create_relation(&mut self, name: &[String], if_not_exists: bool, relation: Relation) {
        if if_not_exists && matches!(self.relations.get(name), Known::Present(_)) {
            return;
        }
        self.relations.insert(name, relation);
    }

    fn relation_of(&self, kind: ObjectType, columns: Vec<Column>, complete: bool) -> Relation {
        Relation {
            kind,
            file: self.file,
            columns,
            complete,
            constraints: Vec::new(),
            checks: Vec::new(),
            indexes: Vec::new(),
        }
    }

    fn create_table(&mut self, s: &CreateStmt) {
        let Some(relation) = s.relation.as_ref() else {
            return;
        };
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        let mut complete =
            s.inh_relations.is_empty() && s.partbound.is_none() && s.of_typename.is_none();
        for element in &s.table_elts {
            match element.node.as_ref() {
                Some(NodeEnum::ColumnDef(c)) => {
                    columns.push(column(c));
                    constraints.extend(as_table_constraints(c));
                }
                Some(NodeEnum::Constraint(c)) => constraints.push(c.as_ref().clone()),
                _ => complete = false,
            }
        }
        let mut table = self.relation_of(ObjectType::ObjectTable, columns, complete);
        for constraint in &constraints {
            add_constraint(&mut table, &relation.relname, constraint);
        }
        self.create_relation(&relation_name(relation), s.if_not_exists, table);
    }

    fn create_table_as(&mut self, s: &CreateTableAsStmt) {
        let Some(relation) = s.into.as_ref().and_then(|i| i.rel.as_ref()) else {
            return;
        };
        let kind = match s.objtype() {
            ObjectType::ObjectMatview => ObjectType::ObjectMatview,
            _ => ObjectType::ObjectTable,
        };
        let table = self.relation_of(kind, Vec::new(), false);
        self.create_relation(&relation_name(relation), s.if_not_exists, table);
    }

    fn create_view(&mut self, s: &ViewStmt) {
        if let Some(view) = s.view.as_ref() {
            let relation = self.relation_of(ObjectType::ObjectView, Vec::new(), false);
            self.relations.insert(&relation_name(view), relation);
        }
    }

    fn create_sequence(&mut self, s: &CreateSeqStmt) {
        if let Some(sequence) = s.sequence.as_ref() {
            let relation = self.relation_of(ObjectType::ObjectSequence, Vec::new(), true);
            self.create_relation(&relation_name(sequence), s.if_not_exists, relation);
        }
    }

    fn create_index(&mut self, s: &IndexStmt) {
        let schema = s.relation.as_ref().map(|r| r.schemaname.clone());
        let name: Option<Vec<String>> = (!s.idxname.is_empty()).then(|| {
            schema
                .into_iter()
                .filter(|s| !s.is_empty())
                .chain([s.idxname.clone()])
                .collect()
        });
        if let Some(name) = &name {
            if s.if_not_exists && matches!(self.relations.get(name), Known::Present(_)) {
                return;
            }
            let index = self.relation_of(ObjectType::ObjectIndex, Vec::new(), true);
            self.relations.insert(name, index);
        }
        let (keys, computed) = index_columns(s);
        if let Some(table) = s
            .relation
            .as_ref()
            .and_then(|t| self.relations.get_mut(&relation_name(t)))
        {
            table.indexes.push(TableIndex {
                name: name.as_ref().and_then(|n| n.last()).map_or_else(
                    || "an unnamed index".to_owned(),
                    |n| format!("`{}`", ident(n)),
                ),
                followed: name,
                keys,
                computed,
            });
        }
    }

    /// The indexes PostgreSQL rebuilds when `column` of a table the model knows changes type
    /// as `change` says, as SQL names them; `None` when the model cannot tell (it does not know
    /// all the table's columns, so indexes may have come from elsewhere).
    pub fn rebuilt_indexes(
        &self,
        relation: &RangeVar,
        column: &str,
        change: TypeChange,
    ) -> Option<Vec<String>> {
        let Known::Present(table) = self.relation(relation) else {
            return None;
        };
        if change == TypeChange::RebuildsIndexes && !table.complete {
            return None;
        }
        let reads = |i: &TableIndex| match change {
            TypeChange::KeepsValues => i.computed.iter().any(|c| c == column),
            _ => i.computed.iter().chain(&i.keys).any(|c| c == column),
        };
        let alive = |i: &TableIndex| match &i.followed {
            Some(name) => matches!(self.relations.get(name), Known::Present(_)),
            None => true,
        };
        Some(
            table
                .indexes
                .iter()
                .filter(|i| reads(i) && alive(i))
                .map(|i| i.name.clone())
                .collect(),
        )
    }

    fn alter_table(&mut self, s: &AlterTableStmt) {
        let Some(relation) = s.relation.as_ref() else {
            return;
        };
        let name = relation_name(relation);
        let composite = s.objtype() == ObjectType::ObjectType;
        for cmd in &s.cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                continue;
            };
            if composite {
                self.alter_composite(&name, cmd);
            } else if let Some(table) = self.relations.get_mut(&name) {
                alter_table_cmd(table, relation, cmd);
            }
        }
    }

    fn alter_composite(&mut self, name: &[String], cmd: &AlterTableCmd) {
        let Some(Type::Composite(attributes)) = self.types.get_mut(name) else {
            return;
        };
        match cmd.subtype() {
            AlterTableType::AtAddColumn => {
                if let Some(c) = cmd_column(cmd).filter(|c| !attributes.contains(&c.colname)) {
                    attributes.push(c.colname.clone());
                }
            }
            AlterTableType::AtDropColumn => attributes.retain(|a| *a != cmd.name),
            _ => {}
        }
    }

    /// A new type, unless the model knows one of that name (`CREATE TYPE` fails then, and
    /// the model keeps what it knew).
    fn create_type(&mut self, name: &[String], ty: Type) {
        if !matches!(self.types.get(name), Known::Present(_)) {
            self.types.insert(name, ty);
        }
    }

    fn create_composite(&mut self, s: &CompositeTypeStmt) {
        let Some(name) = s.typevar.as_ref().map(relation_name) else {
            return;
        };
        let attributes = s
            .coldeflist
            .iter()
            .filter_map(|c| match c.node.as_ref() {
                Some(NodeEnum::ColumnDef(c)) => Some(c.colname.clone()),
                _ => None,
            })
            .collect();
        self.create_type(&name, Type::Composite(attributes));
    }

    fn define(&mut self, s: &DefineStmt) {
        if s.kind() == ObjectType::ObjectType {
            self.create_type(&strings(&s.defnames), Type::Other);
        }
    }

    fn alter_enum(&mut self, s: &AlterEnumStmt) {
        let Some(Type::Enum(values)) = self.types.get_mut(&strings(&s.type_name)) else {
            return;
        };
        if !s.old_val.is_empty() {
            if let Some(value) = values.iter_mut().find(|v| **v == s.old_val) {
                value.clone_from(&s.new_val);
            }
        } else if !values.contains(&s.new_val) {
            values.push(s.new_val.clone());
        }
    }

    fn create_domain(&mut self, s: &CreateDomainStmt) {
        let constraints = s
            .constraints
            .iter()
            .filter_map(|c| match c.node.as_ref() {
                Some(NodeEnum::Constraint(c)) if !c.conname.is_empty() => Some(c.conname.clone()),
                _ => None,
            })
            .collect();
        self.create_type(&strings(&s.domainname), Type::Domain(constraints));
    }

    fn alter_domain(&mut self, name: &[String], s: &pg_query::protobuf::AlterDomainStmt) {
        let Some(Type::Domain(constraints)) = self.types.get_mut(name) else {
            return;
        };
        match s.subtype.as_str() {
            "C" => {
                if let Some(NodeEnum::Constraint(c)) = s.def.as_ref().and_then(|d| d.node.as_ref())
                {
                    if !c.conname.is_empty() {
                        constraints.push(c.conname.clone());
                    }
                }
            }
            "X" => constraints.retain(|c| *c != s.name),
            _ => {}
        }
    }

    fn create_function(&mut self, s: &CreateFunctionStmt) {
        let name = strings(&s.funcname);
        let args = s
            .parameters
            .iter()
            .filter_map(|p| match p.node.as_ref() {
                Some(NodeEnum::FunctionParameter(p)) => p.arg_type.as_ref().map(signature),
                _ => None,
            })
            .collect();
        let language = option_string(&s.options, "language")
            .unwrap_or_else(|| "sql".to_owned())
            .to_lowercase();
        let controls_transactions = s.is_procedure
            && language == "plpgsql"
            && body(&s.options).is_some_and(|b| crate::plpgsql::controls_transactions(&b));
        let constant = language == "sql" && body(&s.options).is_some_and(|b| selects_constant(&b));
        let function = Function {
            args,
            volatility: volatility(&s.options).unwrap_or(Volatility::Volatile),
            language,
            procedure: s.is_procedure,
            controls_transactions,
            constant,
        };
        if let Some(overloads) = self.functions.get_mut(&name) {
            overloads.retain(|f| f.args != function.args);
            overloads.push(function);
        } else {
            self.functions.insert(&name, vec![function]);
        }
    }

    fn alter_function(&mut self, s: &AlterFunctionStmt) {
        let Some(func) = s.func.as_ref() else { return };
        let Some(volatility) = volatility(&s.actions) else {
            return;
        };
        let args: Vec<String> = func
            .objargs
            .iter()
            .filter_map(|a| match a.node.as_ref() {
                Some(NodeEnum::TypeName(t)) => Some(signature(t)),
                _ => None,
            })
            .collect();
        let name = strings(&func.objname);
        if let Some(overloads) = self.functions.get_mut(&name) {
            for f in overloads
                .iter_mut()
                .filter(|f| func.args_unspecified || f.args == args)
            {
                f.volatility = volatility;
            }
        }
    }

    fn drop(&mut self, s: &DropStmt) {
        let kind = s.remove_type();
        let cascade = s.behavior() == DropBehavior::DropCascade;
        for object in &s.objects {
            let name = object_name(object);
            match kind {
                ObjectType::ObjectTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectSequence
                | ObjectType::ObjectIndex
                | ObjectType::ObjectForeignTable => {
                    self.relations.remove(&name);
                }
                ObjectType::ObjectType | ObjectType::ObjectDomain => {
                    self.types.remove(&name);
                    if cascade {
                        self.drop_columns_of_type(&name);
                    }
                }
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine => self.drop_function(object, &name),
                ObjectType::ObjectExtension => {
                    self.extensions.remove(&name);
                }
                ObjectType::ObjectSchema => {
                    if let [schema] = name.as_slice() {
                        self.relations.drop_schema(schema);
                        self.types.drop_schema(schema);
                        self.functions.drop_schema(schema);
                    }
                }
                _ => {}
            }
        }
        if cascade {
            self.forget_views();
        }
    }

    /// `DROP FUNCTION f(int)` drops one overload; `DROP FUNCTION f` the only one.
    fn drop_function(&mut self, object: &Node, name: &[String]) {
        let args = match object.node.as_ref() {
            Some(NodeEnum::ObjectWithArgs(f)) if !f.args_unspecified => Some(
                f.objargs
                    .iter()
                    .filter_map(|a| match a.node.as_ref() {
                        Some(NodeEnum::TypeName(t)) => Some(signature(t)),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        };
        let left = match (self.functions.get_mut(name), args) {
            (Some(overloads), Some(args)) => {
                overloads.retain(|f| f.args != args);
                overloads.len()
            }
            _ => 0,
        };
        if left == 0 {
            self.functions.remove(name);
        }
    }

    /// `DROP TYPE ... CASCADE` drops the columns of that type.
    fn drop_columns_of_type(&mut self, name: &[String]) {
        let Some(last) = name.last() else { return };
        for relation in self.relations.present_mut() {
            relation.columns.retain(|c| c.ty.name.last() != Some(last));
        }
    }

    /// A `CASCADE` may drop views the model cannot see depend on what was dropped.
    fn forget_views(&mut self) {
        self.relations.0.retain(|_, slot| {
            !matches!(slot, Slot::Present(r)
                if matches!(r.kind, ObjectType::ObjectView | ObjectType::ObjectMatview))
        });
    }

    fn rename(&mut self, s: &RenameStmt) {
        let kind = s.rename_type();
        let relation = s.relation.as_ref().map(relation_name);
        let object = s.object.as_deref().map(object_name);
        let renamed = |old: &[String]| -> Vec<String> {
            let mut new = old.to_vec();
            if let Some(last) = new.last_mut() {
                last.clone_from(&s.newname);
            }
            new
        };
        match (kind, relation, object) {
            (
                ObjectType::ObjectTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview
                | ObjectType::ObjectSequence
                | ObjectType::ObjectIndex
                | ObjectType::ObjectForeignTable,
                Some(old),
                _,
            ) => {
                let new = renamed(&old);
                self.relations.rename(&old, &new);
            }
            (ObjectType::ObjectColumn, Some(table), _) => {
                if let Some(table) = self.relations.get_mut(&table) {
                    match table.columns.iter_mut().find(|c| c.name == s.subname) {
                        Some(column) => column.name.clone_from(&s.newname),
                        None => table.complete = false,
                    }
                    for name in table.checks.iter_mut().flat_map(|c| &mut c.not_null) {
                        if *name == s.subname {
                            name.clone_from(&s.newname);
                        }
                    }
                }
            }
            (ObjectType::ObjectTabconstraint, Some(table), _) => {
                if let Some(table) = self.relations.get_mut(&table) {
                    table.constraints.retain(|c| *c != s.subname);
                    table.constraints.push(s.newname.clone());
                    for check in table.checks.iter_mut().filter(|c| c.name == s.subname) {
                        check.name.clone_from(&s.newname);
                    }
                }
            }
            (ObjectType::ObjectType | ObjectType::ObjectDomain, _, Some(old)) => {
                let new = renamed(&old);
                self.types.rename(&old, &new);
            }
            (
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine,
                _,
                Some(old),
            ) => {
                let new = renamed(&old);
                self.functions.rename(&old, &new);
            }
            _ => {}
        }
    }

    fn set_schema(&mut self, s: &AlterObjectSchemaStmt) {
        let moved = |old: &[String]| -> Vec<String> {
            vec![s.newschema.clone(), old.last().cloned().unwrap_or_default()]
        };
        match (s.object_type(), s.relation.as_ref(), s.object.as_deref()) {
            (_, Some(relation), _) => {
                let old = relation_name(relation);
                self.relations.rename(&old, &moved(&old));
            }
            (ObjectType::ObjectType | ObjectType::ObjectDomain, _, Some(object)) => {
                let old = object_name(object);
                self.types.rename(&old, &moved(&old));
            }
            (
                ObjectType::ObjectFunction
                | ObjectType::ObjectProcedure
                | ObjectType::ObjectRoutine,
                _,
                Some(object),
            ) => {
                let old = object_name(object);
                self.functions.rename(&old, &moved(&old));
            }
            (ObjectType::ObjectExtension, _, _) => {}
            (_, None, Some(object)) => self.types.forget(&object_name(object)),
            _ => {}
        }
    }
}

/// `["schema", "name"]` or `["name"]`.
fn relation_name(relation: &RangeVar) -> Vec<String> {
    crate::objects::relation_name(relation)
}

fn string(node: &Node) -> Option<String> {
    match node.node.as_ref() {
        Some(NodeEnum::String(s)) => Some(s.sval.clone()),
        _ => None,
    }
}

/// A type as a function signature compares it: name parts joined by dots, `[]` for arrays.
fn signature(t: &TypeName) -> String {
    let ty = ColumnType::of(t);
    format!("{}{}", ty.name.join("."), if ty.array { "[]" } else { "" })
}

fn def_elems(options: &[Node]) -> impl Iterator<Item = &DefElem> {
    options.iter().filter_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) => Some(&**d),
        _ => None,
    })
}

/// The string value of an option: `LANGUAGE plpgsql` -> `plpgsql`.
fn option_string(options: &[Node], name: &str) -> Option<String> {
    def_elems(options)
        .filter(|d| d.defname == name)
        .find_map(|d| d.arg.as_deref().and_then(string))
}

/// The body of a function (`AS '...'`, its first string; a C function's is its object file).
fn body(options: &[Node]) -> Option<String> {
    let arg = def_elems(options)
        .find(|d| d.defname == "as")?
        .arg
        .as_deref()?;
    match arg.node.as_ref()? {
        NodeEnum::List(list) => list.items.first().and_then(string),
        _ => string(arg),
    }
}

/// `IMMUTABLE`, `STABLE` or `VOLATILE` among a function's options.
fn volatility(options: &[Node]) -> Option<Volatility> {
    match option_string(options, "volatility")?.as_str() {
        "immutable" => Some(Volatility::Immutable),
        "stable" => Some(Volatility::Stable),
        "volatile" => Some(Volatility::Volatile),
        _ => None,
    }
}

fn column_constraints(c: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    c.constraints.iter().filter_map(|c| match c.node.as_ref() {
        Some(NodeEnum::Constraint(c)) => Some(&**c),
        _ => None,
    })
}

/// A column as a `ColumnDef` defines it.
fn column(c: &ColumnDef) -> Column {
    let mut column = Column {
        name: c.colname.clone(),
        ty: ColumnType::of_column(c),
        not_null: c.is_not_null,
        default: c.raw_default.is_some(),
        generated: Generated::No,
    };
    for constraint in column_constraints(c) {
        match constraint.contype() {
            ConstrType::ConstrNotnull | ConstrType::ConstrPrimary => column.not_null = true,
            ConstrType::ConstrDefault => column.default = true,
            ConstrType::ConstrIdentity => {
                column.generated = Generated::Identity;
                column.not_null = true;
            }
            ConstrType::ConstrGenerated => column.generated = Generated::Expression,
            _ => {}
        }
    }
    column
}

/// The constraints written on a column, as the table constraints they are: `id int PRIMARY KEY`
/// is `PRIMARY KEY (id)`.
fn as_table_constraints(c: &ColumnDef) -> Vec<Constraint> {
    let this = || {
        vec![Node {
            node: Some(NodeEnum::String(pg_query::protobuf::String {
                sval: c.colname.clone(),
            })),
        }]
    };
    column_constraints(c)
        .filter_map(|constraint| {
            let mut constraint = constraint.clone();
            match constraint.contype() {
                ConstrType::ConstrPrimary | ConstrType::ConstrUnique => constraint.keys = this(),
                ConstrType::ConstrForeign => constraint.fk_attrs = this(),
                ConstrType::ConstrCheck => {}
                _ => return None,
            }
            Some(constraint)
        })
        .collect()
}

/// Records a table constraint: its name, and `NOT NULL` on the columns of a primary key.
fn add_constraint(table: &mut Relation, table_name: &str, constraint: &Constraint) {
    if constraint.contype() == ConstrType::ConstrPrimary {
        let keys = strings(&constraint.keys);
        for column in table.columns.iter_mut().filter(|c| keys.contains(&c.name)) {
            column.not_null = true;
        }
    }
    let name = if constraint.conname.is_empty() {
        let relation = RangeVar {
            relname: table_name.to_owned(),
            ..RangeVar::default()
        };
        let cmd = AlterTableCmd {
            def: Some(Box::new(Node {
                node: Some(NodeEnum::Constraint(Box::new(constraint.clone()))),
            })),
            ..AlterTableCmd::default()
        };
        added_constraint_name(Some(&relation), &cmd).or_else(|| check_name(table_name, constraint))
    } else {
        Some(constraint.conname.clone())
    };
    if matches!(
        constraint.contype(),
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique
    ) {
        table.indexes.push(TableIndex {
            name: name.as_deref().map_or_else(
                || "an unnamed index".to_owned(),
                |n| format!("`{}`", ident(n)),
            ),
            followed: None,
            keys: strings(&constraint.keys),
            computed: Vec::new(),
        });
    }
    if let Some(name) = name.filter(|n| !table.constraints.contains(n)) {
        if constraint.contype() == ConstrType::ConstrCheck {
            table.checks.push(CheckConstraint {
                name: name.clone(),
                valid: !constraint.skip_validation,
                not_null: constraint
                    .raw_expr
                    .as_deref()
                    .map(not_null_columns)
                    .unwrap_or_default(),
            });
        }
        table.constraints.push(name);
    }
}

/// The name PostgreSQL gives an unnamed `CHECK` constraint: `users_email_check` when it names
/// one column, `users_check` otherwise (checked on PostgreSQL 15). A name already taken gets a
/// number from PostgreSQL, which the model does not follow.
fn check_name(table: &str, constraint: &Constraint) -> Option<String> {
    if constraint.contype() != ConstrType::ConstrCheck {
        return None;
    }
    let mut columns: Vec<&str> = constraint
        .raw_expr
        .as_deref()
        .and_then(|expr| expr.node.as_ref())
        .map(|expr| {
            expr.nodes()
                .into_iter()
                .filter_map(|(n, ..)| match n {
                    pg_query::NodeRef::ColumnRef(c) => match c.fields.last()?.node.as_ref()? {
                        NodeEnum::String(s) => Some(s.sval.as_str()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    columns.sort_unstable();
    columns.dedup();
    Some(match columns.as_slice() {
        [column] => format!("{table}_{column}_check"),
        _ => format!("{table}_check"),
    })
}

/// The columns a `CHECK` expression proves not `NULL`: `col IS NOT NULL`, alone or as a term of
/// `AND`s.
fn not_null_columns(expr: &Node) -> Vec<String> {
    match expr.node.as_ref() {
        Some(NodeEnum::NullTest(t)) if t.nulltesttype() == NullTestType::IsNotNull => t
            .arg
            .as_deref()
            .and_then(|arg| match arg.node.as_ref() {
                Some(NodeEnum::ColumnRef(c)) => match c.fields.as_slice() {
                    [field] => string(field),
                    _ => None,
                },
                _ => None,
            })
            .into_iter()
            .collect(),
        Some(NodeEnum::BoolExpr(b)) if b.boolop() == BoolExprType::AndExpr => {
            b.args.iter().flat_map(not_null_columns).collect()
        }
        _ => Vec::new(),
    }
}

/// What one `ALTER TABLE` sub-command does to a table the model knows.
fn alter_table_cmd(table: &mut Relation, relation: &RangeVar, cmd: &AlterTableCmd) {
    let column = |table: &mut Relation| -> Option<usize> {
        table.columns.iter().position(|c| c.name == cmd.name)
    };
    match cmd.subtype() {
        AlterTableType::AtAddColumn => {
            if let Some(def) = cmd_column(cmd) {
                if !table.columns.iter().any(|c| c.name == def.colname) {
                    table.columns.push(self::column(def));
                    for constraint in as_table_constraints(def) {
                        add_constraint(table, &relation.relname, &constraint);
                    }
                }
            }
        }
        AlterTableType::AtDropColumn => {
            if let Some(i) = column(table) {
                table.columns.remove(i);
            }
            // PostgreSQL drops the constraints on the column with it.
            table.checks.retain(|c| !c.not_null.contains(&cmd.name));
        }
        AlterTableType::AtAddConstraint => {
            if let Some(constraint) = cmd_constraint(cmd) {
                add_constraint(table, &relation.relname, constraint);
            }
        }
        AlterTableType::AtDropConstraint => {
            table.constraints.retain(|c| *c != cmd.name);
            table.checks.retain(|c| c.name != cmd.name);
        }
        AlterTableType::AtValidateConstraint => {
            for check in table.checks.iter_mut().filter(|c| c.name == cmd.name) {
                check.valid = true;
            }
        }
        _ => {
            if let Some(i) = column(table) {
                alter_column(&mut table.columns[i], cmd);
            }
        }
    }
}

/// What an `ALTER COLUMN` sub-command does to a column the model knows.
fn alter_column(column: &mut Column, cmd: &AlterTableCmd) {
    match cmd.subtype() {
        AlterTableType::AtAlterColumnType => {
            if let Some(c) = cmd_column(cmd) {
                column.ty = ColumnType::of_column(c);
            }
        }
        AlterTableType::AtSetNotNull => column.not_null = true,
        AlterTableType::AtDropNotNull => column.not_null = false,
        AlterTableType::AtColumnDefault => column.default = cmd.def.is_some(),
        AlterTableType::AtAddIdentity => column.generated = Generated::Identity,
        AlterTableType::AtDropIdentity | AlterTableType::AtDropExpression => {
            column.generated = Generated::No;
        }
        _ => {}
    }
}

/// Whether a `sql` function's body is one `SELECT` of a constant (`SELECT 1`, `SELECT 'a'::text`).
fn selects_constant(body: &str) -> bool {
    let Ok(parsed) = pg_query::parse(body, 0) else {
        return false;
    };
    let [statement] = parsed.protobuf.stmts.as_slice() else {
        return false;
    };
    let Some(NodeEnum::SelectStmt(select)) = statement.stmt.as_ref().and_then(|s| s.node.as_ref())
    else {
        return false;
    };
    let constant = |node: &Node| match node.node.as_ref() {
        Some(NodeEnum::AConst(_)) => true,
        Some(NodeEnum::TypeCast(c)) => {
            matches!(
                c.arg.as_deref().and_then(|a| a.node.as_ref()),
                Some(NodeEnum::AConst(_))
            )
        }
        _ => false,
    };
    select.from_clause.is_empty()
        && matches!(select.target_list.as_slice(), [target] if matches!(
            target.node.as_ref(),
            Some(NodeEnum::ResTarget(t)) if t.val.as_deref().is_some_and(constant)
        ))
}

/// Whether a `SET TIME ZONE` value names a zone without offset or daylight saving time.
fn is_utc(value: &Node) -> bool {
    const ZONES: [&str; 14] = [
        "utc",
        "etc/utc",
        "gmt",
        "etc/gmt",
        "z",
        "zulu",
        "etc/zulu",
        "uct",
        "etc/uct",
        "universal",
        "etc/universal",
        "greenwich",
        "gmt0",
        "etc/gmt0",
    ];
    match value.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
            Some(a_const::Val::Sval(s)) => ZONES.contains(&s.sval.to_lowercase().as_str()),
            Some(a_const::Val::Ival(i)) => i.ival == 0,
            _ => false,
        },
        _ => false,
    }
}

/// The columns an index keys on as they are, and those its expressions and predicate read.
fn index_columns(s: &IndexStmt) -> (Vec<String>, Vec<String>) {
    let elements = s.index_params.iter().filter_map(|p| match p.node.as_ref() {
        Some(NodeEnum::IndexElem(e)) => Some(e),
        _ => None,
    });
    let keys = elements
        .clone()
        .filter(|e| !e.name.is_empty())
        .map(|e| e.name.clone())
        .collect();
    let expressions = elements.filter_map(|e| e.expr.as_deref());
    let mut columns: Vec<String> = expressions
        .chain(s.where_clause.as_deref())
        .filter_map(|n| n.node.as_ref())
        .flat_map(|n| n.nodes())
        .filter_map(|(n, ..)| match n {
            NodeRef::ColumnRef(c) => strings(&c.fields).pop(),
            _ => None,
        })
        .collect();
    columns.sort_unstable();
    columns.dedup();
    (keys, columns)
}

/// What changing a column of type `old` to `new` (without `USING`) does, with `utc` when the
/// session's TimeZone is UTC. The stored values stay as they are for a larger or no `varchar`
/// limit, `varchar` to `text`, `text` to unlimited `varchar`, a larger `numeric` precision with
/// the same scale, or no `numeric` limit; with another collation too, which changes their
/// ordering (every index on the column is rebuilt); and for `timestamp` to `timestamptz` and
/// back under a UTC session (PostgreSQL 12 and later; the index's operator class changes).
/// Checked on PostgreSQL (the `relfilenode` of the table and of each index); arrays of these
/// types are rewritten.
pub(crate) fn type_change(old: &ColumnType, new: &ColumnType, utc: bool) -> TypeChange {
    let times = |t: &ColumnType| !t.array && (t.is("timestamp") || t.is("timestamptz"));
    if utc && times(old) && times(new) && old.name != new.name {
        return TypeChange::RebuildsIndexes;
    }
    let collated = |t: &ColumnType| ColumnType {
        collation: Vec::new(),
        ..t.clone()
    };
    match (
        keeps_values(&collated(old), &collated(new)),
        old.collation == new.collation,
    ) {
        (false, _) => TypeChange::Rewrites,
        (true, true) => TypeChange::KeepsValues,
        (true, false) => TypeChange::RebuildsIndexes,
    }
}

/// Whether `old` to `new`, both in the same collation, keeps every stored value as it is.
fn keeps_values(old: &ColumnType, new: &ColumnType) -> bool {
    let widens = |old: &[i32], new: &[i32]| match (old, new) {
        (_, []) => true,
        ([], _) => false,
        ([o], [n]) => n >= o,
        ([op, os], [np, ns]) | ([op, os], [np, ns, ..]) => np >= op && ns == os,
        _ => false,
    };
    let (Some(old_mods), Some(new_mods)) = (old.typmods.as_deref(), new.typmods.as_deref()) else {
        return false;
    };
    let varying = |t: &ColumnType| t.is("varchar") || t.is("text");
    if old == new && !old.array {
        return true;
    }
    if varying(old) && varying(new) {
        let old_mods = if old.is("text") { &[][..] } else { old_mods };
        return new.is("text") || widens(old_mods, new_mods);
    }
    if old.is("numeric") && new.is("numeric") {
        let scale = |m: &[i32]| match m {
            [p] => vec![*p, 0],
            m => m.to_vec(),
        };
        return widens(&scale(old_mods), &scale(new_mods));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model after these statements, each file its own.
    fn model(files: &[&str]) -> Schema {
        let mut schema = Schema::default();
        for sql in files {
            schema.next_file();
            for stmt in pg_query::parse(sql, 0).unwrap().protobuf.stmts {
                schema.apply(stmt.stmt.unwrap().node.as_ref().unwrap());
            }
        }
        schema
    }

    fn table(name: &str) -> RangeVar {
        let parts: Vec<&str> = name.split('.').collect();
        RangeVar {
            schemaname: if parts.len() > 1 {
                parts[0].to_owned()
            } else {
                String::new()
            },
            relname: parts.last().unwrap().to_string(),
            ..RangeVar::default()
        }
    }

    fn column(schema: &Schema, t: &str, c: &str) -> Option<Column> {
        match schema.column(&table(t), c) {
            Known::Present(c) => Some(c.clone()),
            _ => None,
        }
    }

    fn ty(sql_type: &str) -> ColumnType {
        let schema = model(&[&format!("CREATE TABLE IF NOT EXISTS x (c {sql_type})")]);
        column(&schema, "x", "c").unwrap().ty
    }

    #[test]
    fn tables_and_columns_follow_create_alter_rename_and_drop() {
        let schema = model(&[
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email varchar(64) \
             NOT NULL, name text DEFAULT 'x', tag int GENERATED ALWAYS AS (id) STORED);",
            "ALTER TABLE users ADD COLUMN age int, ALTER COLUMN email TYPE varchar(320), \
             ALTER COLUMN name SET NOT NULL, DROP COLUMN tag; \
             ALTER TABLE users RENAME COLUMN age TO years; \
             CREATE TABLE old (a int); DROP TABLE old; \
             CREATE TABLE t (a int); ALTER TABLE t RENAME TO u;",
        ]);
        let id = column(&schema, "users", "id").unwrap();
        assert!(id.not_null);
        assert_eq!(id.ty.name, ["int8"]);
        let email = column(&schema, "public.users", "email").unwrap();
        assert_eq!(email.ty.typmods, Some(vec![320]));
        assert!(email.not_null);
        let name = column(&schema, "users", "name").unwrap();
        assert!(name.not_null && name.default);
        assert_eq!(schema.column(&table("users"), "tag"), Known::Absent);
        assert_eq!(schema.column(&table("users"), "age"), Known::Absent);
        assert!(column(&schema, "users", "years").is_some());
        assert_eq!(schema.column(&table("other.users"), "id"), Known::Unknown);
        assert_eq!(schema.relation(&table("old")), Known::Absent);
        assert_eq!(schema.relation(&table("t")), Known::Absent);
        assert!(matches!(schema.relation(&table("u")), Known::Present(r) if r.file == 2));
        assert!(matches!(schema.relation(&table("users")), Known::Present(r)
            if r.file == 1 && r.constraints == ["users_pkey"]));
        assert_eq!(schema.relation(&table("never_seen")), Known::Unknown);
    }

    #[test]
    fn tables_built_from_elsewhere_know_only_the_columns_written() {
        let schema = model(&[
            "CREATE TABLE p (a int); CREATE TABLE c (b int) INHERITS (p); \
             CREATE TABLE l (LIKE p, b int); CREATE TABLE s AS SELECT 1 AS x;",
        ]);
        assert_eq!(schema.column(&table("p"), "z"), Known::Absent);
        assert_eq!(schema.column(&table("c"), "a"), Known::Unknown);
        assert!(column(&schema, "c", "b").is_some());
        assert_eq!(schema.column(&table("l"), "a"), Known::Unknown);
        assert_eq!(schema.column(&table("s"), "x"), Known::Unknown);
    }

    #[test]
    fn unqualified_names_are_in_public() {
        let schema = model(&["CREATE TABLE a.t (x int); CREATE TABLE t (y int);"]);
        assert!(column(&schema, "a.t", "x").is_some());
        assert!(column(&schema, "t", "y").is_some());
        assert!(column(&schema, "public.t", "y").is_some());
        assert_eq!(schema.relation(&table("b.t")), Known::Unknown);
    }

    #[test]
    fn types_functions_and_extensions() {
        let schema = model(&[
            "CREATE TYPE mood AS ENUM ('a', 'b'); ALTER TYPE mood ADD VALUE 'c'; \
             ALTER TYPE mood RENAME VALUE 'a' TO 'z'; CREATE DOMAIN d AS int; \
             ALTER DOMAIN d ADD CONSTRAINT pos CHECK (VALUE > 0); \
             CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$; \
             CREATE FUNCTION g(int) RETURNS int STABLE LANGUAGE sql AS 'SELECT 1'; \
             CREATE FUNCTION g(text) RETURNS int LANGUAGE sql AS 'SELECT 1'; \
             ALTER FUNCTION f() IMMUTABLE; DROP FUNCTION g(text); \
             CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TYPE gone AS (a int); \
             DROP TYPE gone;",
        ]);
        assert_eq!(
            schema.type_(&["mood".to_owned()]),
            Known::Present(&Type::Enum(vec!["z".into(), "b".into(), "c".into()]))
        );
        assert_eq!(
            schema.type_(&["d".to_owned()]),
            Known::Present(&Type::Domain(vec!["pos".into()]))
        );
        assert_eq!(schema.type_(&["gone".to_owned()]), Known::Absent);
        let Known::Present(f) = schema.function(&["f".to_owned()]) else {
            panic!()
        };
        assert_eq!(
            (f[0].volatility, f[0].language.as_str()),
            (Volatility::Immutable, "plpgsql")
        );
        let Known::Present(g) = schema.function(&["public".into(), "g".into()]) else {
            panic!()
        };
        assert_eq!(g.len(), 1);
        assert_eq!(
            (g[0].volatility, g[0].args.as_slice()),
            (Volatility::Stable, &["int4".to_owned()][..])
        );
        assert_eq!(schema.extension("pgcrypto"), Known::Present(()));
        assert_eq!(schema.extension("postgis"), Known::Unknown);
    }

    #[test]
    fn checks_know_their_names_validity_and_the_columns_they_prove_not_null() {
        let schema = model(&[
            "CREATE TABLE t (a int, b int CHECK (b IS NOT NULL), c int);",
            "ALTER TABLE t ADD CONSTRAINT n CHECK (a IS NOT NULL AND c > 0) NOT VALID; \
             ALTER TABLE t ADD CHECK (c > 0 AND a > 0); ALTER TABLE t ADD CHECK (c IS NOT NULL); \
             ALTER TABLE t RENAME COLUMN c TO d;",
        ]);
        let Known::Present(t) = schema.relation(&table("t")) else {
            panic!()
        };
        let checks: Vec<(&str, bool, Vec<&str>)> = t
            .checks
            .iter()
            .map(|c| {
                let columns = c.not_null.iter().map(String::as_str).collect();
                (c.name.as_str(), c.valid, columns)
            })
            .collect();
        assert_eq!(
            checks,
            [
                ("t_b_check", true, vec!["b"]),
                ("n", false, vec!["a"]),
                ("t_check", true, vec![]),
                ("t_c_check", true, vec!["d"]),
            ]
        );
        assert!(schema.proves_not_null(&table("t"), "b", true));
        assert!(schema.proves_not_null(&table("t"), "d", true));
        assert!(!schema.proves_not_null(&table("t"), "a", true));
        // Before PostgreSQL 12 no check proves anything to `SET NOT NULL`.
        assert!(!schema.proves_not_null(&table("t"), "b", false));
        let validated = model(&[
            "CREATE TABLE t (a int);",
            "ALTER TABLE t ADD CONSTRAINT n CHECK (a IS NOT NULL) NOT VALID; \
             ALTER TABLE t VALIDATE CONSTRAINT n;",
        ]);
        assert!(validated.proves_not_null(&table("t"), "a", true));
        let dropped = model(&[
            "CREATE TABLE t (a int, CHECK (a IS NOT NULL));",
            "ALTER TABLE t DROP CONSTRAINT t_a_check;",
        ]);
        assert!(!dropped.proves_not_null(&table("t"), "a", true));
    }

    #[test]
    fn column_types_read_their_modifiers() {
        assert_eq!(ty("varchar(64)").typmods, Some(vec![64]));
        assert_eq!(ty("character varying").name, ["varchar"]);
        assert_eq!(ty("numeric(10, 2)").typmods, Some(vec![10, 2]));
        assert!(ty("text[]").array);
        assert_eq!(ty("app.mood").name, ["app", "mood"]);
    }

    /// Each pair as PostgreSQL treats it: checked on a server, where the table's
    /// `relfilenode` stays the same exactly for the pairs marked `true`.
    #[test]
    fn type_changes_that_keep_the_stored_values() {
        for (old, new, keeps) in [
            ("varchar(64)", "varchar(255)", true),
            ("varchar(64)", "varchar(64)", true),
            ("varchar(64)", "text", true),
            ("varchar(64)", "varchar", true),
            ("varchar", "text", true),
            ("text", "varchar", true),
            ("numeric(10,2)", "numeric(12,2)", true),
            ("numeric(12,2)", "numeric", true),
            ("varchar(255)", "varchar(10)", false),
            ("text", "varchar(300)", false),
            ("varchar", "varchar(20)", false),
            ("numeric(10,2)", "numeric(12,3)", false),
            ("varchar(64)[]", "varchar(100)[]", false),
            ("int", "bigint", false),
            ("timestamp", "timestamptz", false),
            ("text COLLATE \"C\"", "varchar COLLATE \"C\"", true),
        ] {
            let expected = if keeps {
                TypeChange::KeepsValues
            } else {
                TypeChange::Rewrites
            };
            assert_eq!(
                type_change(&ty(old), &ty(new), false),
                expected,
                "{old} -> {new}"
            );
        }
        for (old, new, utc) in [
            ("varchar", "varchar COLLATE \"C\"", false),
            ("text COLLATE \"C\"", "varchar", false),
            ("timestamp", "timestamptz", true),
            ("timestamptz", "timestamp", true),
        ] {
            assert_eq!(
                type_change(&ty(old), &ty(new), utc),
                TypeChange::RebuildsIndexes,
                "{old} -> {new}"
            );
        }
        assert_eq!(
            type_change(&ty("timestamp[]"), &ty("timestamptz[]"), true),
            TypeChange::Rewrites
        );
        assert_eq!(
            type_change(&ty("varchar(10)"), &ty("varchar(5) COLLATE \"C\""), false),
            TypeChange::Rewrites
        );
    }
}
