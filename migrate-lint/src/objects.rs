//! Names of the objects statements create and drop, and what earlier statements of a file did.
//!
//! Two rule families need to know the file's history: idempotency (a `CREATE TYPE` is guarded by
//! an earlier `DROP TYPE IF EXISTS` of the same type) and lock hazards (an index on a table created
//! in the same file locks nobody).

use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, DropStmt, FuncCall,
    FunctionParameterMode, ObjectType, ObjectWithArgs, OnCommitAction, RangeVar, RenameStmt,
    RoleSpec, RoleSpecType, TypeName,
};
use pg_query::{Node, NodeEnum};

use crate::quote::{ident, qualified};

/// An object a statement creates or drops: its kind and its (possibly qualified) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectKey {
    pub kind: ObjectType,
    /// Name parts as PostgreSQL folds them: `["public", "users"]`, `["users", "users_email_key"]`,
    /// a column's `["users", "email"]`.
    pub name: Vec<String>,
    /// A function's or procedure's input argument types, when the statement gives them: its
    /// identity is its name and these (`DROP FUNCTION f(int)` does not drop `f(text)`). `None`:
    /// any (`DROP FUNCTION f` drops the only `f`), or an object of another kind.
    pub args: Option<Vec<String>>,
}

impl ObjectKey {
    pub fn new(kind: ObjectType, name: Vec<String>) -> Self {
        Self {
            kind,
            name,
            args: None,
        }
    }

    /// Same kind, one name is the other with fewer qualifiers (`users` and `public.users`),
    /// and, for routines whose argument types both are known, the same argument types.
    fn same_object(&self, other: &ObjectKey) -> bool {
        let (short, long) = if self.name.len() <= other.name.len() {
            (&self.name, &other.name)
        } else {
            (&other.name, &self.name)
        };
        let same_args = match (&self.args, &other.args) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        self.kind == other.kind && !short.is_empty() && long.ends_with(short) && same_args
    }
}

/// A type as a routine's identity sees it: its name without `pg_catalog` (which the parser adds
/// to `int` and `varchar`, making them `int4` and `varchar` as written so), `[]` for an array;
/// type modifiers do not count (`f(varchar(10))` is `f(varchar)`).
fn signature_type(t: &TypeName) -> String {
    let names: Vec<String> = strings(&t.names)
        .into_iter()
        .skip_while(|n| n == "pg_catalog")
        .collect();
    let array = if t.array_bounds.is_empty() { "" } else { "[]" };
    format!("{}{array}", names.join("."))
}

/// The input argument types of a `CREATE FUNCTION/PROCEDURE`: `IN`, `INOUT` and `VARIADIC`
/// parameters, not `OUT` and `TABLE` columns.
fn parameter_types(parameters: &[Node]) -> Vec<String> {
    parameters
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::FunctionParameter(p))
                if !matches!(
                    p.mode(),
                    FunctionParameterMode::FuncParamOut | FunctionParameterMode::FuncParamTable
                ) =>
            {
                p.arg_type.as_ref().map(signature_type)
            }
            _ => None,
        })
        .collect()
}

/// What the statements before the current one, in the same file, created and dropped, and what
/// the statements after it create.
#[derive(Debug, Default)]
pub(crate) struct Earlier {
    /// What earlier statements created, each with when (see `step`).
    created: Vec<(usize, ObjectKey)>,
    /// What earlier statements dropped, each with when.
    dropped: Vec<(usize, ObjectKey)>,
    /// The temporary tables earlier statements created `ON COMMIT DROP`.
    dropped_at_commit: Vec<ObjectKey>,
    /// Counts the drops and creates recorded, to order them: a statement's drops come before
    /// its creates.
    step: usize,
    /// What each statement of the file creates, with the statement's index.
    ahead: Vec<(usize, ObjectKey)>,
    /// What each statement of the file drops, with the statement's index.
    drops_ahead: Vec<(usize, ObjectKey)>,
    /// The columns each statement renames, with the statement's index: the column under its
    /// old name and under its new one. Not among what a statement drops and creates: on the
    /// second run a `RENAME` fails (the old name is gone), so it neither removes nor makes
    /// anything then.
    renames_ahead: Vec<(usize, ObjectKey, ObjectKey)>,
    /// The line each statement starts on, by index.
    lines: Vec<(usize, usize)>,
    /// The index of the statement being checked.
    now: usize,
}

/// A later statement that drops or renames a column (see [`Earlier::column_gone_on_rerun`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnGone<'a> {
    /// The line the statement starts on.
    pub line: usize,
    /// The column's new name, when the statement renames it.
    pub renamed_to: Option<&'a str>,
}

impl Earlier {
    /// Knows what each statement of the file creates: `(index, line, statement)` triples, a
    /// statement that a `DO` block runs under the index and line of the `DO`.
    pub fn new<'a>(statements: impl IntoIterator<Item = (usize, usize, &'a NodeEnum)>) -> Self {
        let mut earlier = Self::default();
        for (i, line, node) in statements {
            if earlier.lines.last().is_none_or(|&(last, _)| last != i) {
                earlier.lines.push((i, line));
            }
            earlier
                .ahead
                .extend(creates(node).into_iter().map(|key| (i, key)));
            earlier
                .drops_ahead
                .extend(drops(node).into_iter().map(|key| (i, key)));
            if let NodeEnum::RenameStmt(s) = node {
                if let Some((from, to)) = renamed_column(s) {
                    earlier.renames_ahead.push((i, from, to));
                }
            }
        }
        earlier
    }

    /// Moves to the statement of this index: what it and later statements create is ahead.
    pub fn enter(&mut self, index: usize) {
        self.now = index;
    }

    /// Whether an earlier statement of the file created this object.
    pub fn created(&self, key: &ObjectKey) -> bool {
        self.created.iter().any(|(_, k)| k.same_object(key))
    }

    /// When an earlier statement last created (or dropped) the object: `None` if none did.
    fn last(events: &[(usize, ObjectKey)], key: &ObjectKey) -> Option<usize> {
        events
            .iter()
            .filter(|(_, k)| k.same_object(key))
            .map(|(step, _)| *step)
            .max()
    }

    /// Whether a later statement of the file creates this object again, so that dropping it
    /// without `IF EXISTS` succeeds when the file runs a second time: the first run left it.
    pub fn created_later(&self, key: &ObjectKey) -> bool {
        self.ahead
            .iter()
            .any(|(i, k)| *i > self.now && k.same_object(key))
    }

    /// Whether a later statement of the file drops anything.
    pub fn drops_later(&self) -> bool {
        self.drops_ahead.iter().any(|(i, _)| *i > self.now)
            || self.renames_ahead.iter().any(|(i, ..)| *i > self.now)
    }

    /// Whether a later statement of the file drops this table (or materialized view, or view)
    /// and none after that creates it again, while no earlier statement created it: when the
    /// file runs a second time it is gone before this statement.
    pub fn gone_on_rerun(&self, relation: &RangeVar) -> bool {
        let name = relation_name(relation);
        [
            ObjectType::ObjectTable,
            ObjectType::ObjectMatview,
            ObjectType::ObjectView,
        ]
        .into_iter()
        .any(|kind| {
            let key = ObjectKey::new(kind, name.clone());
            let last_drop = self
                .drops_ahead
                .iter()
                .filter(|(i, k)| *i > self.now && k.same_object(&key))
                .map(|(i, _)| *i)
                .max();
            last_drop.is_some_and(|dropped| {
                !self.created(&key)
                    && !self
                        .ahead
                        .iter()
                        .any(|(i, k)| *i >= dropped && k.same_object(&key))
            })
        })
    }

    /// The last later statement of the file that drops or renames this column of the table
    /// `relation` (name parts), when none after it adds the column again (or renames another
    /// column to its name), no earlier statement added it and the table is not dropped and
    /// created again earlier in the file: when the file runs a second time the column is gone
    /// before this statement.
    pub fn column_gone_on_rerun(
        &self,
        relation: &[String],
        column: &str,
    ) -> Option<ColumnGone<'_>> {
        let key = column_key(relation, column);
        let table = ObjectKey::new(ObjectType::ObjectTable, relation.to_vec());
        let gone = self.removed_later(&key, true)?;
        let fresh = self.dropped(&table) && self.created(&table);
        if fresh || self.created(&key) {
            return None;
        }
        Some(ColumnGone {
            line: self
                .lines
                .iter()
                .find(|&&(i, _)| i == gone)
                .map_or(0, |&(_, line)| line),
            renamed_to: self
                .renames_ahead
                .iter()
                .find(|(i, from, _)| *i == gone && from.same_object(&key))
                .and_then(|(_, _, to)| to.name.last())
                .map(String::as_str),
        })
    }

    /// Whether a later statement of the file drops this column of the table `relation` (name
    /// parts), or renames it to a name an earlier statement dropped, and none after it adds it
    /// again: each run ends without it, so the second run adds it again and removes it again.
    /// (A `RENAME` to a name nothing dropped before fails on the second run, which then keeps
    /// the column it added: `ADD COLUMN tmp; ...; RENAME tmp TO new` adds a second `tmp`.)
    pub fn column_dropped_later(&self, relation: &[String], column: &str) -> bool {
        self.removed_later(&column_key(relation, column), false)
            .is_some()
    }

    /// The index of the last later statement that drops or renames the column `key`, when none
    /// after it adds the column again (or renames another column to its name). With
    /// `any_rename` false, a `RENAME` counts only when an earlier statement dropped (or renamed
    /// away) its new name, so that it runs again on the second run.
    fn removed_later(&self, key: &ObjectKey, any_rename: bool) -> Option<usize> {
        let runs_again = |i: usize, to: &ObjectKey| {
            any_rename
                || self
                    .drops_ahead
                    .iter()
                    .any(|(j, k)| *j < i && k.same_object(to))
                || self
                    .renames_ahead
                    .iter()
                    .any(|(j, from, _)| *j < i && from.same_object(to))
        };
        let renamed = self
            .renames_ahead
            .iter()
            .filter(|(i, _, to)| runs_again(*i, to))
            .map(|(i, from, _)| (i, from));
        let gone = self
            .drops_ahead
            .iter()
            .map(|(i, k)| (i, k))
            .chain(renamed)
            .filter(|&(i, k)| *i > self.now && k.same_object(key))
            .map(|(i, _)| *i)
            .max()?;
        let renamed_to = self.renames_ahead.iter().map(|(i, _, to)| (i, to));
        let back = self
            .ahead
            .iter()
            .map(|(i, k)| (i, k))
            .chain(renamed_to)
            .any(|(i, k)| *i >= gone && k.same_object(key));
        (!back).then_some(gone)
    }

    /// Whether a table (or a materialized view) was created earlier in this file, so nothing
    /// else can be holding it or reading it yet.
    pub fn created_relation(&self, relation: &RangeVar) -> bool {
        let name = relation_name(relation);
        [ObjectType::ObjectTable, ObjectType::ObjectMatview]
            .into_iter()
            .any(|kind| self.created(&ObjectKey::new(kind, name.clone())))
    }

    /// Whether an earlier `DROP` of the file (with or without `IF EXISTS`) removed this object,
    /// which makes a statement adding to it without an idempotent form (an attribute to a type,
    /// a constraint to a domain) safe to run again: on the second run the `DROP` removes what the
    /// first run made (a `DROP` without `IF EXISTS` succeeds then, and on the first run the
    /// object existed, or the file failed there). For a statement creating the object itself,
    /// see [`Earlier::removed`].
    pub fn dropped(&self, key: &ObjectKey) -> bool {
        Self::last(&self.dropped, key).is_some()
    }

    /// Whether an earlier `DROP TABLE` of the file removed this table, and with it the
    /// constraints, triggers, policies and rules on it.
    pub fn dropped_table(&self, relation: &RangeVar) -> bool {
        Self::last(&self.dropped, &table_key(relation)).is_some()
    }

    /// Whether the object is gone at this statement when the file runs again, so that creating
    /// it succeeds: an earlier statement dropped it (or the table it belongs to, `relation`), and
    /// none created it since. A `DROP` guards one create: after a statement created the object
    /// again, it exists on the second run too, and a second create fails on every run.
    pub fn removed(&self, key: &ObjectKey, relation: Option<&RangeVar>) -> bool {
        let table = relation.and_then(|r| Self::last(&self.dropped, &table_key(r)));
        Self::last(&self.dropped, key).max(table) > Self::last(&self.created, key)
    }

    /// Whether an earlier `DROP TABLE` or `DROP MATERIALIZED VIEW` of the file removed this
    /// relation, and with it its indexes.
    pub fn dropped_relation(&self, relation: &RangeVar) -> bool {
        let name = relation_name(relation);
        [ObjectType::ObjectTable, ObjectType::ObjectMatview]
            .into_iter()
            .any(|kind| Self::last(&self.dropped, &ObjectKey::new(kind, name.clone())).is_some())
    }

    /// Whether an earlier statement of the file created this table `TEMP ... ON COMMIT DROP`:
    /// each run fills a new one, gone when the migration commits.
    pub fn dropped_at_commit(&self, relation: &RangeVar) -> bool {
        let key = table_key(relation);
        self.dropped_at_commit.iter().any(|k| k.same_object(&key))
    }

    /// Adds what one statement drops, then what it creates.
    pub fn record(&mut self, node: &NodeEnum) {
        if let Some(relation) = on_commit_drop(node) {
            self.dropped_at_commit.push(table_key(relation));
        }
        self.step += 1;
        let step = self.step;
        self.dropped
            .extend(drops(node).into_iter().map(|k| (step, k)));
        self.step += 1;
        let step = self.step;
        self.created
            .extend(creates(node).into_iter().map(|k| (step, k)));
    }
}

/// The table a `CREATE TEMP TABLE ... ON COMMIT DROP` (or `... AS`) creates: it is dropped when
/// the transaction that created it commits, so creating it is safe to run again.
pub(crate) fn on_commit_drop(node: &NodeEnum) -> Option<&RangeVar> {
    let drop = OnCommitAction::OncommitDrop;
    match node {
        NodeEnum::CreateStmt(s) if s.oncommit() == drop => s.relation.as_ref(),
        NodeEnum::CreateTableAsStmt(s) => s
            .into
            .as_ref()
            .filter(|i| i.on_commit() == drop)
            .and_then(|i| i.rel.as_ref()),
        _ => None,
    }
}

/// The key of a table.
fn table_key(relation: &RangeVar) -> ObjectKey {
    ObjectKey::new(ObjectType::ObjectTable, relation_name(relation))
}

/// `["schema", "name"]` or `["name"]`.
pub(crate) fn relation_name(relation: &RangeVar) -> Vec<String> {
    [&relation.schemaname, &relation.relname]
        .into_iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect()
}

/// The relation a name of parts names, the inverse of [`relation_name`] (`None` for no parts).
pub(crate) fn range_var(name: &[String]) -> Option<RangeVar> {
    let (relname, qualifiers) = name.split_last()?;
    Some(RangeVar {
        schemaname: qualifiers.last().cloned().unwrap_or_default(),
        relname: relname.clone(),
        ..RangeVar::default()
    })
}

/// A relation as written in SQL: `schema.name` or `name`, quoted as needed (`"Step"`).
pub(crate) fn display_relation(relation: Option<&RangeVar>) -> String {
    relation.map_or_else(String::new, |r| qualified(&relation_name(r)))
}

/// A role as written in SQL: its name quoted as needed, or `CURRENT_USER`, `PUBLIC`, ...
pub(crate) fn display_role(role: &RoleSpec) -> String {
    match role.roletype() {
        RoleSpecType::RolespecCurrentRole => "CURRENT_ROLE".to_owned(),
        RoleSpecType::RolespecCurrentUser => "CURRENT_USER".to_owned(),
        RoleSpecType::RolespecSessionUser => "SESSION_USER".to_owned(),
        RoleSpecType::RolespecPublic => "PUBLIC".to_owned(),
        _ => ident(&role.rolename),
    }
}

/// The name parts of a node naming an object: a list of strings, a string, a type name or a
/// function with its arguments.
pub(crate) fn object_name(node: &Node) -> Vec<String> {
    match node.node.as_ref() {
        Some(NodeEnum::List(list)) => strings(&list.items),
        Some(NodeEnum::String(s)) => vec![s.sval.clone()],
        Some(NodeEnum::TypeName(t)) => strings(&t.names),
        Some(NodeEnum::ObjectWithArgs(f)) => strings(&f.objname),
        _ => Vec::new(),
    }
}

/// The `String` nodes of a list, in order.
pub(crate) fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

fn on_relation(relation: Option<&RangeVar>, name: &str) -> Vec<String> {
    let mut parts = relation.map(relation_name).unwrap_or_default();
    parts.push(name.to_owned());
    parts
}

/// The `ALTER TABLE` sub-commands of a statement, with the table they apply to.
pub(crate) fn alter_table_cmds(
    node: &NodeEnum,
) -> impl Iterator<Item = (Option<&RangeVar>, &pg_query::protobuf::AlterTableCmd)> {
    let (relation, cmds) = match node {
        NodeEnum::AlterTableStmt(s) => (s.relation.as_ref(), s.cmds.as_slice()),
        _ => (None, &[][..]),
    };
    cmds.iter().filter_map(move |c| match c.node.as_ref() {
        Some(NodeEnum::AlterTableCmd(cmd)) => Some((relation, &**cmd)),
        _ => None,
    })
}

/// The objects a statement creates (a function with its argument types).
pub(crate) fn creates(node: &NodeEnum) -> Vec<ObjectKey> {
    let key = |kind, name| vec![ObjectKey::new(kind, name)];
    match node {
        NodeEnum::CreateStmt(s) => s
            .relation
            .as_ref()
            .map_or_else(Vec::new, |r| key(ObjectType::ObjectTable, relation_name(r))),
        NodeEnum::CreateTableAsStmt(s) => {
            let kind = match s.objtype() {
                ObjectType::ObjectMatview => ObjectType::ObjectMatview,
                _ => ObjectType::ObjectTable,
            };
            s.into
                .as_ref()
                .and_then(|i| i.rel.as_ref())
                .map_or_else(Vec::new, |r| key(kind, relation_name(r)))
        }
        NodeEnum::IndexStmt(s) if !s.idxname.is_empty() => {
            let schema = s.relation.as_ref().map(|r| r.schemaname.clone());
            let name = schema
                .into_iter()
                .filter(|s| !s.is_empty())
                .chain([s.idxname.clone()])
                .collect();
            key(ObjectType::ObjectIndex, name)
        }
        NodeEnum::CreateSchemaStmt(s) => key(ObjectType::ObjectSchema, vec![s.schemaname.clone()]),
        NodeEnum::CreateSeqStmt(s) => s.sequence.as_ref().map_or_else(Vec::new, |r| {
            key(ObjectType::ObjectSequence, relation_name(r))
        }),
        NodeEnum::ViewStmt(s) => s
            .view
            .as_ref()
            .map_or_else(Vec::new, |r| key(ObjectType::ObjectView, relation_name(r))),
        NodeEnum::CompositeTypeStmt(s) => s
            .typevar
            .as_ref()
            .map_or_else(Vec::new, |r| key(ObjectType::ObjectType, relation_name(r))),
        NodeEnum::CreateEnumStmt(s) => key(ObjectType::ObjectType, strings(&s.type_name)),
        NodeEnum::CreateRangeStmt(s) => key(ObjectType::ObjectType, strings(&s.type_name)),
        NodeEnum::CreateDomainStmt(s) => key(ObjectType::ObjectDomain, strings(&s.domainname)),
        NodeEnum::CreateTrigStmt(s) => key(
            ObjectType::ObjectTrigger,
            on_relation(s.relation.as_ref(), &s.trigname),
        ),
        NodeEnum::CreatePolicyStmt(s) => key(
            ObjectType::ObjectPolicy,
            on_relation(s.table.as_ref(), &s.policy_name),
        ),
        NodeEnum::RuleStmt(s) => key(
            ObjectType::ObjectRule,
            on_relation(s.relation.as_ref(), &s.rulename),
        ),
        NodeEnum::CreateFunctionStmt(s) => {
            let kind = if s.is_procedure {
                ObjectType::ObjectProcedure
            } else {
                ObjectType::ObjectFunction
            };
            vec![ObjectKey {
                args: Some(parameter_types(&s.parameters)),
                ..ObjectKey::new(kind, strings(&s.funcname))
            }]
        }
        NodeEnum::DefineStmt(s)
            if matches!(
                s.kind(),
                ObjectType::ObjectType | ObjectType::ObjectAggregate
            ) =>
        {
            key(s.kind(), strings(&s.defnames))
        }
        NodeEnum::AlterTableStmt(_) => alter_table_cmds(node)
            .filter_map(|(relation, cmd)| match cmd.subtype() {
                AlterTableType::AtAddConstraint => {
                    added_constraint_name(relation, cmd).map(|name| {
                        ObjectKey::new(
                            ObjectType::ObjectTabconstraint,
                            on_relation(relation, &name),
                        )
                    })
                }
                AlterTableType::AtAddColumn => cmd_column(cmd).map(|column| {
                    ObjectKey::new(
                        ObjectType::ObjectColumn,
                        on_relation(relation, &column.colname),
                    )
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The key of column `column` of the table `relation` (name parts).
pub(crate) fn column_key(relation: &[String], column: &str) -> ObjectKey {
    let name = relation
        .iter()
        .cloned()
        .chain([column.to_owned()])
        .collect();
    ObjectKey::new(ObjectType::ObjectColumn, name)
}

/// A `RENAME COLUMN`'s column under its old name and under its new one.
fn renamed_column(s: &RenameStmt) -> Option<(ObjectKey, ObjectKey)> {
    if s.rename_type() != ObjectType::ObjectColumn {
        return None;
    }
    let column = |name: &str| {
        ObjectKey::new(
            ObjectType::ObjectColumn,
            on_relation(s.relation.as_ref(), name),
        )
    };
    Some((column(&s.subname), column(&s.newname)))
}

fn drops(node: &NodeEnum) -> Vec<ObjectKey> {
    match node {
        NodeEnum::AlterDomainStmt(s) if s.subtype == "X" => {
            let mut name = strings(&s.type_name);
            name.push(s.name.clone());
            vec![ObjectKey::new(ObjectType::ObjectDomconstraint, name)]
        }
        NodeEnum::DropStmt(s) => dropped(s).collect(),
        NodeEnum::DropRoleStmt(s) => s
            .roles
            .iter()
            .filter_map(|r| match r.node.as_ref() {
                Some(NodeEnum::RoleSpec(r)) => Some(ObjectKey::new(
                    ObjectType::ObjectRole,
                    vec![r.rolename.clone()],
                )),
                _ => None,
            })
            .collect(),
        NodeEnum::AlterTableStmt(_) => alter_table_cmds(node)
            .filter_map(|(relation, cmd)| match cmd.subtype() {
                AlterTableType::AtDropConstraint => Some(ObjectKey::new(
                    ObjectType::ObjectTabconstraint,
                    on_relation(relation, &cmd.name),
                )),
                AlterTableType::AtDropColumn => Some(ObjectKey::new(
                    ObjectType::ObjectColumn,
                    on_relation(relation, &cmd.name),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The objects a `DROP` statement names, a routine with its argument types when given.
pub(crate) fn dropped(s: &DropStmt) -> impl Iterator<Item = ObjectKey> + '_ {
    s.objects.iter().map(|o| {
        let args = match o.node.as_ref() {
            Some(NodeEnum::ObjectWithArgs(f)) if !f.args_unspecified => Some(
                f.objargs
                    .iter()
                    .filter_map(|n| match n.node.as_ref() {
                        Some(NodeEnum::TypeName(t)) => Some(signature_type(t)),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => None,
        };
        ObjectKey {
            args,
            ..ObjectKey::new(s.remove_type(), object_name(o))
        }
    })
}

/// The objects of a `DROP` statement as written: `app.users, orders`.
pub(crate) fn dropped_names(s: &DropStmt) -> String {
    let names: Vec<String> = s
        .objects
        .iter()
        .map(|o| display_object(s.remove_type(), o))
        .collect();
    names.join(", ")
}

/// A `DROP` statement as written, without its `CASCADE`: `DROP TABLE IF EXISTS users, orders`.
pub(crate) fn display_drop(s: &DropStmt) -> String {
    format!(
        "DROP {}{}{} {}",
        kind_keyword(s.remove_type()),
        if s.concurrent { " CONCURRENTLY" } else { "" },
        if s.missing_ok { " IF EXISTS" } else { "" },
        dropped_names(s)
    )
}

/// The keywords naming a kind of object in SQL: `MATERIALIZED VIEW` for `DROP MATERIALIZED VIEW`.
pub(crate) fn kind_keyword(kind: ObjectType) -> &'static str {
    use ObjectType as O;
    match kind {
        O::ObjectAccessMethod => "ACCESS METHOD",
        O::ObjectAggregate => "AGGREGATE",
        O::ObjectAttribute => "ATTRIBUTE",
        O::ObjectCast => "CAST",
        O::ObjectColumn => "COLUMN",
        O::ObjectCollation => "COLLATION",
        O::ObjectConversion => "CONVERSION",
        O::ObjectDatabase => "DATABASE",
        O::ObjectDomain => "DOMAIN",
        O::ObjectDomconstraint | O::ObjectTabconstraint => "CONSTRAINT",
        O::ObjectEventTrigger => "EVENT TRIGGER",
        O::ObjectExtension => "EXTENSION",
        O::ObjectFdw => "FOREIGN DATA WRAPPER",
        O::ObjectForeignServer => "SERVER",
        O::ObjectForeignTable => "FOREIGN TABLE",
        O::ObjectFunction => "FUNCTION",
        O::ObjectIndex => "INDEX",
        O::ObjectLanguage => "LANGUAGE",
        O::ObjectLargeobject => "LARGE OBJECT",
        O::ObjectMatview => "MATERIALIZED VIEW",
        O::ObjectOpclass => "OPERATOR CLASS",
        O::ObjectOperator => "OPERATOR",
        O::ObjectOpfamily => "OPERATOR FAMILY",
        O::ObjectPolicy => "POLICY",
        O::ObjectProcedure => "PROCEDURE",
        O::ObjectPublication => "PUBLICATION",
        O::ObjectRole => "ROLE",
        O::ObjectRoutine => "ROUTINE",
        O::ObjectRule => "RULE",
        O::ObjectSchema => "SCHEMA",
        O::ObjectSequence => "SEQUENCE",
        O::ObjectSubscription => "SUBSCRIPTION",
        O::ObjectStatisticExt => "STATISTICS",
        O::ObjectTable => "TABLE",
        O::ObjectTablespace => "TABLESPACE",
        O::ObjectTransform => "TRANSFORM",
        O::ObjectTrigger => "TRIGGER",
        O::ObjectTsconfiguration => "TEXT SEARCH CONFIGURATION",
        O::ObjectTsdictionary => "TEXT SEARCH DICTIONARY",
        O::ObjectTsparser => "TEXT SEARCH PARSER",
        O::ObjectTstemplate => "TEXT SEARCH TEMPLATE",
        O::ObjectType => "TYPE",
        O::ObjectUserMapping => "USER MAPPING",
        O::ObjectView => "VIEW",
        _ => "OBJECT",
    }
}

/// An object of a `DROP` statement as written in SQL: `users`, `app.f(int, text)`,
/// `trg ON users`, `(text AS mood)`.
pub(crate) fn display_object(kind: ObjectType, node: &Node) -> String {
    match node.node.as_ref() {
        Some(NodeEnum::ObjectWithArgs(f)) => display_routine(f),
        Some(NodeEnum::TypeName(t)) => display_type(t),
        Some(NodeEnum::List(list)) if kind == ObjectType::ObjectCast => {
            let types: Vec<String> = list
                .items
                .iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::TypeName(t)) => Some(display_type(t)),
                    _ => None,
                })
                .collect();
            format!("({})", types.join(" AS "))
        }
        _ => display_name(kind, &object_name(node)),
    }
}

/// A name as written in SQL after its kind's keywords, quoted as needed: `app.users`, or
/// `trg ON app.users` for the objects that belong to a table, `name USING btree` for operator
/// classes and families.
pub(crate) fn display_name(kind: ObjectType, name: &[String]) -> String {
    use ObjectType as O;
    match (kind, name) {
        (O::ObjectTrigger | O::ObjectPolicy | O::ObjectRule, [table @ .., last])
            if !table.is_empty() =>
        {
            format!("{} ON {}", ident(last), qualified(table))
        }
        (O::ObjectOpclass | O::ObjectOpfamily, [method, rest @ ..]) if !rest.is_empty() => {
            format!("{} USING {}", qualified(rest), ident(method))
        }
        _ => qualified(name),
    }
}

/// A function, procedure, aggregate or operator with its argument types when given: `f(int)`.
fn display_routine(f: &ObjectWithArgs) -> String {
    let name = qualified(&strings(&f.objname));
    if f.args_unspecified {
        return name;
    }
    let args: Vec<String> = f
        .objargs
        .iter()
        .map(|n| match n.node.as_ref() {
            Some(NodeEnum::TypeName(t)) => display_type(t),
            _ => "NONE".to_owned(),
        })
        .collect();
    format!("{name}({})", args.join(", "))
}

/// A type name as PostgreSQL accepts it back, written by PostgreSQL's own deparser: `int`,
/// `varchar(320)`, `app."Mood"[]`, `interval day to second`.
pub(crate) fn display_type(t: &TypeName) -> String {
    const TEMPLATE: &str = "SELECT NULL::x";
    let deparsed = pg_query::parse(TEMPLATE, 0).ok().and_then(|tree| {
        let mut tree = tree.protobuf;
        let cast = tree
            .stmts
            .first_mut()
            .and_then(|raw| raw.stmt.as_deref_mut())
            .and_then(|stmt| match stmt.node.as_mut()? {
                NodeEnum::SelectStmt(select) => select.target_list.first_mut(),
                _ => None,
            })
            .and_then(|target| match target.node.as_mut()? {
                NodeEnum::ResTarget(target) => target.val.as_deref_mut(),
                _ => None,
            })
            .and_then(|val| match val.node.as_mut()? {
                NodeEnum::TypeCast(cast) => Some(cast),
                _ => None,
            })?;
        cast.type_name = Some(t.clone());
        let sql = pg_query::deparse(&tree, pg_query::DeparseOptions::default()).ok()?;
        sql.strip_prefix("SELECT NULL::").map(str::to_owned)
    });
    deparsed.unwrap_or_else(|| qualified(&strings(&t.names)))
}

/// The name of the constraint an `ADD CONSTRAINT` sub-command adds, when it has one.
pub(crate) fn constraint_name(cmd: &pg_query::protobuf::AlterTableCmd) -> Option<&str> {
    match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) if !c.conname.is_empty() => Some(&c.conname),
        _ => None,
    }
}

/// The name of the constraint an `ADD CONSTRAINT` sub-command adds: the one written, or for an
/// unnamed primary key, unique constraint or foreign key the one PostgreSQL chooses
/// (`users_pkey`, `users_email_key`, `orders_user_id_fkey`) when it fits in 63 bytes.
pub(crate) fn added_constraint_name(
    relation: Option<&RangeVar>,
    cmd: &AlterTableCmd,
) -> Option<String> {
    let constraint = cmd_constraint(cmd)?;
    if !constraint.conname.is_empty() {
        return Some(constraint.conname.clone());
    }
    let (columns, suffix) = match constraint.contype() {
        ConstrType::ConstrPrimary => (Vec::new(), "pkey"),
        ConstrType::ConstrUnique => (strings(&constraint.keys), "key"),
        ConstrType::ConstrForeign => (strings(&constraint.fk_attrs), "fkey"),
        _ => return None,
    };
    let table = &relation?.relname;
    let name = [table.as_str()]
        .into_iter()
        .chain(columns.iter().map(String::as_str))
        .chain([suffix])
        .collect::<Vec<_>>()
        .join("_");
    (name.len() <= MAX_IDENTIFIER).then_some(name)
}

/// The longest identifier PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`): longer ones are
/// truncated.
pub(crate) const MAX_IDENTIFIER: usize = 63;

/// The column an `ADD COLUMN` or `ALTER COLUMN ... TYPE` sub-command defines.
pub(crate) fn cmd_column(cmd: &AlterTableCmd) -> Option<&ColumnDef> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnDef(column) => Some(column),
        _ => None,
    }
}

/// The constraint an `ADD CONSTRAINT` sub-command adds.
pub(crate) fn cmd_constraint(cmd: &AlterTableCmd) -> Option<&Constraint> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::Constraint(constraint) => Some(constraint),
        _ => None,
    }
}

/// The function calls in an expression, outer calls first. Sub-queries are not entered.
pub(crate) fn function_calls(node: &Node) -> Vec<&FuncCall> {
    fn walk<'a>(node: &'a Node, calls: &mut Vec<&'a FuncCall>) {
        let children: Vec<&Node> = match node.node.as_ref() {
            Some(NodeEnum::FuncCall(f)) => {
                calls.push(f);
                f.args.iter().collect()
            }
            Some(NodeEnum::TypeCast(c)) => c.arg.as_deref().into_iter().collect(),
            Some(NodeEnum::CollateClause(c)) => c.arg.as_deref().into_iter().collect(),
            Some(NodeEnum::NullTest(t)) => t.arg.as_deref().into_iter().collect(),
            Some(NodeEnum::AExpr(e)) => e.lexpr.iter().chain(&e.rexpr).map(|b| &**b).collect(),
            Some(NodeEnum::CaseExpr(c)) => c
                .arg
                .iter()
                .chain(&c.defresult)
                .map(|b| &**b)
                .chain(&c.args)
                .collect(),
            Some(NodeEnum::CaseWhen(w)) => w.expr.iter().chain(&w.result).map(|b| &**b).collect(),
            Some(NodeEnum::BoolExpr(e)) => e.args.iter().collect(),
            Some(NodeEnum::CoalesceExpr(e)) => e.args.iter().collect(),
            Some(NodeEnum::MinMaxExpr(e)) => e.args.iter().collect(),
            Some(NodeEnum::RowExpr(e)) => e.args.iter().collect(),
            Some(NodeEnum::AArrayExpr(e)) => e.elements.iter().collect(),
            Some(NodeEnum::List(l)) => l.items.iter().collect(),
            _ => Vec::new(),
        };
        for child in children {
            walk(child, calls);
        }
    }
    let mut calls = Vec::new();
    walk(node, &mut calls);
    calls
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earlier(sql: &str) -> Earlier {
        let nodes: Vec<NodeEnum> = pg_query::parse(sql, 0)
            .unwrap()
            .protobuf
            .stmts
            .into_iter()
            .map(|s| s.stmt.unwrap().node.unwrap())
            .collect();
        let mut earlier = Earlier::new(nodes.iter().enumerate().map(|(i, n)| (i, i + 1, n)));
        for (i, node) in nodes.iter().enumerate() {
            earlier.enter(i);
            earlier.record(node);
        }
        earlier
    }

    #[test]
    fn what_later_statements_create_is_ahead() {
        let nodes: Vec<NodeEnum> = pg_query::parse(
            "DROP VIEW v; CREATE VIEW v AS SELECT 1; \
             ALTER TABLE t ADD PRIMARY KEY (a), ADD UNIQUE (a, b), ADD FOREIGN KEY (c) \
             REFERENCES u; CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
            0,
        )
        .unwrap()
        .protobuf
        .stmts
        .into_iter()
        .map(|s| s.stmt.unwrap().node.unwrap())
        .collect();
        let mut e = Earlier::new(nodes.iter().enumerate().map(|(i, n)| (i, i + 1, n)));
        e.enter(0);
        assert!(e.created_later(&key(ObjectType::ObjectView, &["public", "v"])));
        for name in ["t_pkey", "t_a_b_key", "t_c_fkey"] {
            assert!(e.created_later(&key(ObjectType::ObjectTabconstraint, &["t", name])));
        }
        assert!(e.created_later(&key(ObjectType::ObjectFunction, &["f"])));
        e.enter(1);
        assert!(!e.created_later(&key(ObjectType::ObjectView, &["v"])));
    }

    fn key(kind: ObjectType, name: &[&str]) -> ObjectKey {
        ObjectKey::new(kind, name.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn qualified_and_unqualified_names_match() {
        let e = earlier("CREATE TABLE app.users (id int); DROP TYPE IF EXISTS Mood;");
        assert!(e.created(&key(ObjectType::ObjectTable, &["users"])));
        assert!(e.created(&key(ObjectType::ObjectTable, &["app", "users"])));
        assert!(!e.created(&key(ObjectType::ObjectTable, &["other", "users"])));
        assert!(!e.created(&key(ObjectType::ObjectView, &["users"])));
        assert!(e.dropped(&key(ObjectType::ObjectType, &["mood"])));
    }

    #[test]
    fn drops_with_and_without_if_exists_are_keyed_by_table() {
        let e = earlier(
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS c; DROP TRIGGER IF EXISTS trg ON s.t; \
             DROP POLICY IF EXISTS p ON t; DROP INDEX idx;",
        );
        assert!(e.dropped(&key(ObjectType::ObjectTabconstraint, &["t", "c"])));
        assert!(e.dropped(&key(ObjectType::ObjectTrigger, &["s", "t", "trg"])));
        assert!(e.dropped(&key(ObjectType::ObjectPolicy, &["t", "p"])));
        assert!(e.dropped(&key(ObjectType::ObjectIndex, &["idx"])));
        assert!(!e.dropped(&key(ObjectType::ObjectIndex, &["other"])));
    }

    #[test]
    fn a_drop_guards_only_the_next_create() {
        let c = key(ObjectType::ObjectTabconstraint, &["t", "c"]);
        let once = earlier("ALTER TABLE t DROP CONSTRAINT IF EXISTS c;");
        assert!(once.removed(&c, None));
        let again = earlier(
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS c; \
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
        );
        assert!(!again.removed(&c, None));
        assert!(again.dropped(&c));
        let same_statement =
            earlier("ALTER TABLE t DROP CONSTRAINT IF EXISTS c, ADD CONSTRAINT c CHECK (a > 0);");
        assert!(!same_statement.removed(&c, None));
        let table = RangeVar {
            relname: "t".to_owned(),
            ..RangeVar::default()
        };
        let rebuilt = earlier("DROP TABLE IF EXISTS t; CREATE TABLE t (a int);");
        assert!(rebuilt.removed(&c, Some(&table)));
        assert!(rebuilt.dropped_table(&table));
        let added = earlier(
            "DROP TABLE IF EXISTS t; CREATE TABLE t (a int); \
             ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);",
        );
        assert!(!added.removed(&c, Some(&table)));
    }
}
