//! Names of the objects statements create and drop, and what earlier statements of a file did.
//!
//! Two rule families need to know the file's history: idempotency (a `CREATE TYPE` is guarded by
//! an earlier `DROP TYPE IF EXISTS` of the same type) and lock hazards (an index on a table created
//! in the same file locks nobody).

use pg_query::protobuf::{AlterTableType, ObjectType, RangeVar};
use pg_query::{Node, NodeEnum};

/// An object a statement creates or drops: its kind and its (possibly qualified) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ObjectKey {
    pub kind: ObjectType,
    /// Name parts as PostgreSQL folds them: `["public", "users"]`, `["users", "users_email_key"]`.
    pub name: Vec<String>,
}

impl ObjectKey {
    pub fn new(kind: ObjectType, name: Vec<String>) -> Self {
        Self { kind, name }
    }

    /// Same kind, and one name is the other with fewer qualifiers (`users` and `public.users`).
    fn same_object(&self, other: &ObjectKey) -> bool {
        let (short, long) = if self.name.len() <= other.name.len() {
            (&self.name, &other.name)
        } else {
            (&other.name, &self.name)
        };
        self.kind == other.kind && !short.is_empty() && long.ends_with(short)
    }
}

/// What the statements before the current one, in the same file, created and dropped.
#[derive(Debug, Default)]
pub(crate) struct Earlier {
    created: Vec<ObjectKey>,
    dropped_if_exists: Vec<ObjectKey>,
}

impl Earlier {
    /// Whether an earlier statement of the file created this object.
    pub fn created(&self, key: &ObjectKey) -> bool {
        self.created.iter().any(|k| k.same_object(key))
    }

    /// Whether a table (or a materialized view) was created earlier in this file, so nothing
    /// else can be holding it or reading it yet.
    pub fn created_relation(&self, relation: &RangeVar) -> bool {
        let name = relation_name(relation);
        [ObjectType::ObjectTable, ObjectType::ObjectMatview]
            .into_iter()
            .any(|kind| self.created(&ObjectKey::new(kind, name.clone())))
    }

    /// Whether an earlier `DROP ... IF EXISTS` of the file removed this object, which makes a
    /// statement without an idempotent form safe to run again.
    pub fn dropped_if_exists(&self, key: &ObjectKey) -> bool {
        self.dropped_if_exists.iter().any(|k| k.same_object(key))
    }

    /// Adds what one statement creates and drops.
    pub fn record(&mut self, node: &NodeEnum) {
        self.created.extend(creates(node));
        self.dropped_if_exists.extend(drops_if_exists(node));
    }
}

/// `["schema", "name"]` or `["name"]`.
pub(crate) fn relation_name(relation: &RangeVar) -> Vec<String> {
    [&relation.schemaname, &relation.relname]
        .into_iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect()
}

/// A relation as written in a message: `schema.name` or `name`.
pub(crate) fn display_relation(relation: Option<&RangeVar>) -> String {
    relation.map_or_else(String::new, |r| relation_name(r).join("."))
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

fn qualified(relation: Option<&RangeVar>, name: &str) -> Vec<String> {
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

fn creates(node: &NodeEnum) -> Vec<ObjectKey> {
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
            qualified(s.relation.as_ref(), &s.trigname),
        ),
        NodeEnum::CreatePolicyStmt(s) => key(
            ObjectType::ObjectPolicy,
            qualified(s.table.as_ref(), &s.policy_name),
        ),
        NodeEnum::AlterTableStmt(_) => alter_table_cmds(node)
            .filter_map(|(relation, cmd)| match cmd.subtype() {
                AlterTableType::AtAddConstraint => constraint_name(cmd).map(|name| {
                    ObjectKey::new(ObjectType::ObjectTabconstraint, qualified(relation, name))
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn drops_if_exists(node: &NodeEnum) -> Vec<ObjectKey> {
    match node {
        NodeEnum::DropStmt(s) if s.missing_ok => s
            .objects
            .iter()
            .map(|o| ObjectKey::new(s.remove_type(), object_name(o)))
            .collect(),
        NodeEnum::DropRoleStmt(s) if s.missing_ok => s
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
            .filter(|(_, cmd)| cmd.missing_ok)
            .filter_map(|(relation, cmd)| match cmd.subtype() {
                AlterTableType::AtDropConstraint => Some(ObjectKey::new(
                    ObjectType::ObjectTabconstraint,
                    qualified(relation, &cmd.name),
                )),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The name of the constraint an `ADD CONSTRAINT` sub-command adds, when it has one.
pub(crate) fn constraint_name(cmd: &pg_query::protobuf::AlterTableCmd) -> Option<&str> {
    match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
        Some(NodeEnum::Constraint(c)) if !c.conname.is_empty() => Some(&c.conname),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earlier(sql: &str) -> Earlier {
        let mut earlier = Earlier::default();
        for stmt in pg_query::parse(sql, 0).unwrap().protobuf.stmts {
            earlier.record(stmt.stmt.unwrap().node.as_ref().unwrap());
        }
        earlier
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
        assert!(e.dropped_if_exists(&key(ObjectType::ObjectType, &["mood"])));
    }

    #[test]
    fn constraint_trigger_and_policy_drops_are_keyed_by_table() {
        let e = earlier(
            "ALTER TABLE t DROP CONSTRAINT IF EXISTS c; DROP TRIGGER IF EXISTS trg ON s.t; \
             DROP POLICY IF EXISTS p ON t; DROP INDEX idx;",
        );
        assert!(e.dropped_if_exists(&key(ObjectType::ObjectTabconstraint, &["t", "c"])));
        assert!(e.dropped_if_exists(&key(ObjectType::ObjectTrigger, &["s", "t", "trg"])));
        assert!(e.dropped_if_exists(&key(ObjectType::ObjectPolicy, &["t", "p"])));
        assert!(!e.dropped_if_exists(&key(ObjectType::ObjectIndex, &["idx"])));
    }
}
