//! The lock model: which lock a statement takes on each table it names, which of those locks
//! block the application, what long work a statement does, and the locks a file holds until it
//! commits.
//!
//! Every level claimed here was read from `pg_locks` on a real server (the test
//! `tests/tests/locks.rs` runs each kind of statement in a transaction and compares): a statement
//! the model does not know gets no claim, and a rule then stays silent rather than guess.
//!
//! A pure reader of parse trees: it imports only `objects` (names of relations).

use std::borrow::Cow;
use std::fmt;

use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ConstrType, Constraint, ObjectType, RangeVar,
};
use pg_query::{NodeEnum, NodeRef};

use crate::objects::{
    cmd_column, cmd_constraint, display_relation, object_name, range_var, relation_name,
};

/// PostgreSQL's table-level lock modes, weakest first (the order of `LOCK TABLE ... IN x MODE`
/// and of PostgreSQL's lock mode numbers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `ACCESS SHARE`: `SELECT`. Conflicts only with `ACCESS EXCLUSIVE`.
    AccessShare,
    /// `ROW SHARE`: `SELECT ... FOR UPDATE`, the referenced table of `VALIDATE` of a foreign key.
    RowShare,
    /// `ROW EXCLUSIVE`: `INSERT`, `UPDATE`, `DELETE`, `MERGE`.
    RowExclusive,
    /// `SHARE UPDATE EXCLUSIVE`: `VALIDATE CONSTRAINT`, `CREATE INDEX CONCURRENTLY`,
    /// `ANALYZE`, `COMMENT ON`. Conflicts with itself and stronger, not with reads or writes.
    ShareUpdateExclusive,
    /// `SHARE`: `CREATE INDEX`. Blocks writes.
    Share,
    /// `SHARE ROW EXCLUSIVE`: `CREATE TRIGGER`, `ADD FOREIGN KEY` (on both tables). Blocks
    /// writes.
    ShareRowExclusive,
    /// `EXCLUSIVE`: `REFRESH MATERIALIZED VIEW CONCURRENTLY`. Blocks writes.
    Exclusive,
    /// `ACCESS EXCLUSIVE`: most `ALTER TABLE` forms, `DROP`, `TRUNCATE`. Blocks reads and
    /// writes.
    AccessExclusive,
}

impl Level {
    /// Every level, weakest first.
    pub const ALL: [Level; 8] = [
        Level::AccessShare,
        Level::RowShare,
        Level::RowExclusive,
        Level::ShareUpdateExclusive,
        Level::Share,
        Level::ShareRowExclusive,
        Level::Exclusive,
        Level::AccessExclusive,
    ];

    /// The level as SQL names it: `ACCESS EXCLUSIVE`.
    pub fn name(self) -> &'static str {
        match self {
            Level::AccessShare => "ACCESS SHARE",
            Level::RowShare => "ROW SHARE",
            Level::RowExclusive => "ROW EXCLUSIVE",
            Level::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Level::Share => "SHARE",
            Level::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Level::Exclusive => "EXCLUSIVE",
            Level::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The level as `pg_locks.mode` shows it: `AccessExclusiveLock`.
    pub fn mode(self) -> &'static str {
        match self {
            Level::AccessShare => "AccessShareLock",
            Level::RowShare => "RowShareLock",
            Level::RowExclusive => "RowExclusiveLock",
            Level::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            Level::Share => "ShareLock",
            Level::ShareRowExclusive => "ShareRowExclusiveLock",
            Level::Exclusive => "ExclusiveLock",
            Level::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// The level of a `pg_locks.mode` (`AccessExclusiveLock`).
    pub fn from_mode(mode: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.mode() == mode)
    }

    /// The level of PostgreSQL's lock mode number (1 = `ACCESS SHARE` ... 8), as `LOCK TABLE`'s
    /// parse tree carries it.
    fn from_number(mode: i32) -> Option<Level> {
        Level::ALL
            .into_iter()
            .zip(1..)
            .find_map(|(l, n)| (n == mode).then_some(l))
    }

    /// Whether the level blocks the application's reads of the table (`SELECT` waits).
    pub fn blocks_reads(self) -> bool {
        self == Level::AccessExclusive
    }

    /// Whether the level blocks the application's writes of the table (`INSERT`, `UPDATE`,
    /// `DELETE` wait): `SHARE` and stronger.
    pub fn blocks_writes(self) -> bool {
        self >= Level::Share
    }

    /// What the level blocks of the application: 2 reads and writes, 1 writes, 0 neither.
    pub(crate) fn blocking(self) -> u8 {
        u8::from(self.blocks_writes()) + u8::from(self.blocks_reads())
    }
}

/// The level as SQL names it: `ACCESS EXCLUSIVE`.
impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The locks a statement takes: each table it names with the strongest level it takes on it,
/// in the order the statement names them; `None` when the model does not know the statement.
/// A `DROP` names its tables without a `RangeVar` of the tree: those are made here.
pub(crate) fn takes<'a>(node: &'a NodeEnum) -> Option<Vec<(Cow<'a, RangeVar>, Level)>> {
    let mut locks: Vec<(&'a RangeVar, Level)> = Vec::new();
    let mut dropped: Vec<RangeVar> = Vec::new();
    let mut add = |relation: &'a RangeVar, level: Level| locks.push((relation, level));
    match node {
        NodeEnum::SelectStmt(s) if s.locking_clause.is_empty() && s.into_clause.is_none() => {
            reads(node, &mut add)?;
        }
        NodeEnum::InsertStmt(_) | NodeEnum::UpdateStmt(_) | NodeEnum::DeleteStmt(_) => {
            add(dml_target(node)?, Level::RowExclusive);
            reads(node, &mut add)?;
        }
        NodeEnum::AlterTableStmt(s) if s.objtype() == ObjectType::ObjectTable => {
            let relation = s.relation.as_ref()?;
            for (_, cmd) in crate::objects::alter_table_cmds(node) {
                add(relation, alter_table_level(cmd)?);
                if let Some(referenced) = cmd_references(cmd) {
                    add(referenced, Level::ShareRowExclusive);
                }
                if let Some(partition) = cmd_partition(cmd) {
                    add(partition, Level::AccessExclusive);
                }
            }
        }
        NodeEnum::IndexStmt(s) if !s.concurrent => add(s.relation.as_ref()?, Level::Share),
        NodeEnum::CreateTrigStmt(s) => add(s.relation.as_ref()?, Level::ShareRowExclusive),
        NodeEnum::LockStmt(s) => {
            let level = Level::from_number(s.mode)?;
            for relation in range_vars(&s.relations) {
                add(relation, level);
            }
        }
        NodeEnum::TruncateStmt(s) => {
            for relation in range_vars(&s.relations) {
                add(relation, Level::AccessExclusive);
            }
        }
        NodeEnum::CreateStmt(s) if s.inh_relations.is_empty() && s.partbound.is_none() => {
            add(s.relation.as_ref()?, Level::AccessExclusive);
            let mut constraints = Vec::new();
            for element in &s.table_elts {
                match element.node.as_ref() {
                    Some(NodeEnum::ColumnDef(c)) => constraints.extend(&c.constraints),
                    Some(NodeEnum::Constraint(_)) => constraints.push(element),
                    // `LIKE other`: not modelled.
                    Some(NodeEnum::TableLikeClause(_)) => return None,
                    _ => {}
                }
            }
            for constraint in constraints
                .into_iter()
                .filter_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::Constraint(c)) => Some(&**c),
                    _ => None,
                })
            {
                if let Some(referenced) = references(constraint) {
                    add(referenced, Level::ShareRowExclusive);
                }
            }
        }
        NodeEnum::RefreshMatViewStmt(s) => add(
            s.relation.as_ref()?,
            match s.concurrent {
                true => Level::Exclusive,
                false => Level::AccessExclusive,
            },
        ),
        // `DROP TABLE | VIEW | MATERIALIZED VIEW`: ACCESS EXCLUSIVE on each, until the commit
        // (its readers wait, then find it gone or, created again, the new one).
        NodeEnum::DropStmt(s)
            if matches!(
                s.remove_type(),
                ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview
            ) =>
        {
            dropped.extend(s.objects.iter().filter_map(|o| range_var(&object_name(o))));
        }
        _ => return None,
    }
    let locks = locks
        .into_iter()
        .map(|(r, level)| (Cow::Borrowed(r), level))
        .chain(
            dropped
                .into_iter()
                .map(|r| (Cow::Owned(r), Level::AccessExclusive)),
        );
    Some(strongest(locks))
}

/// The table an `INSERT`, `UPDATE` or `DELETE` writes.
fn dml_target(node: &NodeEnum) -> Option<&RangeVar> {
    match node {
        NodeEnum::InsertStmt(s) => s.relation.as_ref(),
        NodeEnum::UpdateStmt(s) => s.relation.as_ref(),
        NodeEnum::DeleteStmt(s) => s.relation.as_ref(),
        _ => None,
    }
}

/// How many `INSERT`, `UPDATE`, `DELETE` and `MERGE` a statement holds, itself included.
fn writes(node: &NodeEnum) -> usize {
    node.nodes()
        .iter()
        .filter(|(n, ..)| {
            matches!(
                n,
                NodeRef::InsertStmt(_)
                    | NodeRef::UpdateStmt(_)
                    | NodeRef::DeleteStmt(_)
                    | NodeRef::MergeStmt(_)
            )
        })
        .count()
}

/// Each table once, with the strongest level taken on it, in the order first named.
fn strongest<'a>(
    locks: impl Iterator<Item = (Cow<'a, RangeVar>, Level)>,
) -> Vec<(Cow<'a, RangeVar>, Level)> {
    let mut merged: Vec<(Cow<'a, RangeVar>, Level)> = Vec::new();
    for (relation, level) in locks {
        match merged
            .iter_mut()
            .find(|(r, _)| same_table(&relation_name(r), &relation_name(&relation)))
        {
            Some((_, held)) => *held = (*held).max(level),
            None => merged.push((relation, level)),
        }
    }
    merged
}

/// Whether two names are of the same table: one is the other with fewer qualifiers.
pub(crate) fn same_table(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    !short.is_empty() && long.ends_with(short)
}

/// The tables a statement reads (`FROM`, joins, sub-queries), each with `ACCESS SHARE`; the name
/// of a `WITH` query is not a table. `None` when a `WITH` query writes: not modelled.
fn reads<'a>(node: &'a NodeEnum, add: &mut impl FnMut(&'a RangeVar, Level)) -> Option<()> {
    if writes(node) > usize::from(dml_target(node).is_some()) {
        return None;
    }
    for relation in read_tables(node) {
        add(relation, Level::AccessShare);
    }
    Some(())
}

/// The tables named in a statement, but the names of its `WITH` queries.
fn read_tables(node: &NodeEnum) -> Vec<&RangeVar> {
    let nodes = node.nodes();
    let ctes: Vec<&str> = nodes
        .iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::CommonTableExpr(c) => Some(c.ctename.as_str()),
            _ => None,
        })
        .collect();
    nodes
        .into_iter()
        .filter_map(|(n, ..)| match n {
            NodeRef::RangeVar(r) if !(r.schemaname.is_empty() && ctes.contains(&&*r.relname)) => {
                Some(r)
            }
            _ => None,
        })
        .collect()
}

/// The `RangeVar`s of a list of nodes.
fn range_vars(nodes: &[pg_query::Node]) -> impl Iterator<Item = &RangeVar> {
    nodes.iter().filter_map(|n| match n.node.as_ref() {
        Some(NodeEnum::RangeVar(r)) => Some(r),
        _ => None,
    })
}

/// The table a foreign key references.
fn references(c: &Constraint) -> Option<&RangeVar> {
    (c.contype() == ConstrType::ConstrForeign)
        .then_some(c.pktable.as_ref())
        .flatten()
}

/// The table a sub-command's new foreign key references (`ADD CONSTRAINT ... FOREIGN KEY`, or
/// `ADD COLUMN ... REFERENCES`).
fn cmd_references(cmd: &AlterTableCmd) -> Option<&RangeVar> {
    match cmd.subtype() {
        AlterTableType::AtAddConstraint => cmd_constraint(cmd).and_then(references),
        AlterTableType::AtAddColumn => {
            cmd_column(cmd)?
                .constraints
                .iter()
                .find_map(|n| match n.node.as_ref() {
                    Some(NodeEnum::Constraint(c)) => references(c),
                    _ => None,
                })
        }
        _ => None,
    }
}

/// The level one `ALTER TABLE` sub-command takes on its table; `None` for those the model does
/// not know.
fn alter_table_level(cmd: &AlterTableCmd) -> Option<Level> {
    use AlterTableType as T;
    Some(match cmd.subtype() {
        T::AtAddConstraint => match cmd_constraint(cmd)?.contype() {
            ConstrType::ConstrForeign => Level::ShareRowExclusive,
            _ => Level::AccessExclusive,
        },
        T::AtValidateConstraint
        | T::AtSetStatistics
        | T::AtSetOptions
        | T::AtResetOptions
        | T::AtClusterOn
        | T::AtDropCluster
        | T::AtAttachPartition => Level::ShareUpdateExclusive,
        T::AtEnableTrig
        | T::AtEnableAlwaysTrig
        | T::AtEnableReplicaTrig
        | T::AtDisableTrig
        | T::AtEnableTrigAll
        | T::AtDisableTrigAll
        | T::AtEnableTrigUser
        | T::AtDisableTrigUser => Level::ShareRowExclusive,
        T::AtAddColumn
        | T::AtDropColumn
        | T::AtAlterColumnType
        | T::AtColumnDefault
        | T::AtSetNotNull
        | T::AtDropNotNull
        | T::AtDropConstraint
        | T::AtSetStorage
        | T::AtSetCompression
        | T::AtChangeOwner
        | T::AtSetLogged
        | T::AtSetUnLogged
        | T::AtSetTableSpace
        | T::AtSetAccessMethod
        | T::AtAddIdentity
        | T::AtSetIdentity
        | T::AtDropIdentity
        | T::AtDropExpression
        | T::AtReplicaIdentity
        | T::AtEnableRowSecurity
        | T::AtDisableRowSecurity
        | T::AtForceRowSecurity
        | T::AtNoForceRowSecurity
        | T::AtEnableRule
        | T::AtDisableRule => Level::AccessExclusive,
        T::AtDetachPartition if !detach_concurrently(cmd) => Level::AccessExclusive,
        _ => return None,
    })
}

/// The `PartitionCmd` of an `ATTACH` or `DETACH PARTITION` sub-command.
fn partition_cmd(cmd: &AlterTableCmd) -> Option<&pg_query::protobuf::PartitionCmd> {
    match cmd.def.as_ref()?.node.as_ref()? {
        NodeEnum::PartitionCmd(p) => Some(p),
        _ => None,
    }
}

/// Whether a `DETACH PARTITION` sub-command is `CONCURRENTLY`.
fn detach_concurrently(cmd: &AlterTableCmd) -> bool {
    partition_cmd(cmd).is_some_and(|p| p.concurrent)
}

/// The partition an `ATTACH` or `DETACH PARTITION` sub-command names.
fn cmd_partition(cmd: &AlterTableCmd) -> Option<&RangeVar> {
    partition_cmd(cmd)?.name.as_ref()
}

/// Long work a statement does on a table: it reads or writes every row (or many).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Work {
    /// `UPDATE`, `DELETE`: writes the rows it matches.
    Writes,
    /// `INSERT ... SELECT`, `CREATE TABLE ... AS`: reads the rows of the table it selects from.
    Reads,
    /// `VALIDATE CONSTRAINT`: checks every row.
    Validates,
    /// `SET NOT NULL`, `ADD CONSTRAINT ... CHECK` or `FOREIGN KEY` without `NOT VALID`: checks
    /// every row.
    Scans,
    /// `CREATE INDEX`, `ADD PRIMARY KEY`, `ADD UNIQUE`, `REINDEX TABLE`: builds an index over
    /// every row.
    BuildsIndex,
    /// `CLUSTER`, `SET LOGGED`, `SET UNLOGGED`, `SET ACCESS METHOD`, `SET TABLESPACE`,
    /// `REFRESH MATERIALIZED VIEW`: writes the whole table again.
    Rewrites,
}

impl Work {
    /// What the statement does to the table, after its own text: "writes the rows of".
    pub(crate) fn verb(self) -> &'static str {
        match self {
            Work::Writes => "writes the rows of",
            Work::Reads => "reads the rows of",
            Work::Validates | Work::Scans => "checks every row of",
            Work::BuildsIndex => "builds an index over every row of",
            Work::Rewrites => "rewrites every row of",
        }
    }
}

/// The long work a statement does: each table whose rows it reads or writes (a table read by an
/// `INSERT ... SELECT`, the table an `UPDATE` writes, a constraint validated, an index built, a
/// rewrite). `proven(table, column)` says whether the column is known to hold no `NULL` (a
/// validated `CHECK (column IS NOT NULL)`): its `SET NOT NULL` then reads no row.
pub(crate) fn long_work(
    node: &NodeEnum,
    proven: impl Fn(&RangeVar, &str) -> bool,
) -> Vec<(&RangeVar, Work)> {
    match node {
        NodeEnum::UpdateStmt(_) | NodeEnum::DeleteStmt(_) => dml_target(node)
            .map(|r| (r, Work::Writes))
            .into_iter()
            .collect(),
        NodeEnum::InsertStmt(s) if s.select_stmt.is_some() => read_tables(node)
            .into_iter()
            .filter(|r| {
                !s.relation
                    .as_ref()
                    .is_some_and(|target| std::ptr::eq(*r, target))
            })
            .map(|r| (r, Work::Reads))
            .collect(),
        NodeEnum::CreateTableAsStmt(s) if !s.into.as_ref().is_some_and(|i| i.skip_data) => {
            match s.query.as_deref().and_then(|n| n.node.as_ref()) {
                Some(query) => read_tables(query)
                    .into_iter()
                    .map(|r| (r, Work::Reads))
                    .collect(),
                None => Vec::new(),
            }
        }
        NodeEnum::AlterTableStmt(s) if s.objtype() == ObjectType::ObjectTable => {
            let Some(relation) = s.relation.as_ref() else {
                return Vec::new();
            };
            crate::objects::alter_table_cmds(node)
                .filter(|(_, cmd)| {
                    !(cmd.subtype() == AlterTableType::AtSetNotNull && proven(relation, &cmd.name))
                })
                .filter_map(|(_, cmd)| cmd_work(cmd))
                .map(|work| (relation, work))
                .take(1)
                .collect()
        }
        NodeEnum::IndexStmt(s) if !s.concurrent => {
            s.relation.iter().map(|r| (r, Work::BuildsIndex)).collect()
        }
        NodeEnum::ReindexStmt(s)
            if s.kind() == pg_query::protobuf::ReindexObjectType::ReindexObjectTable =>
        {
            s.relation.iter().map(|r| (r, Work::BuildsIndex)).collect()
        }
        NodeEnum::ClusterStmt(s) => s.relation.iter().map(|r| (r, Work::Rewrites)).collect(),
        NodeEnum::RefreshMatViewStmt(s) => s.relation.iter().map(|r| (r, Work::Rewrites)).collect(),
        _ => Vec::new(),
    }
}

/// The long work of one `ALTER TABLE` sub-command.
fn cmd_work(cmd: &AlterTableCmd) -> Option<Work> {
    use AlterTableType as T;
    let checked = |c: &Constraint| !c.skip_validation && c.is_enforced;
    match cmd.subtype() {
        T::AtValidateConstraint => Some(Work::Validates),
        T::AtSetNotNull => Some(Work::Scans),
        T::AtSetLogged | T::AtSetUnLogged | T::AtSetAccessMethod | T::AtSetTableSpace => {
            Some(Work::Rewrites)
        }
        T::AtAddConstraint => {
            let c = cmd_constraint(cmd)?;
            constraint_work(c).filter(|_| checked(c))
        }
        // A new column is NULL in every row unless it has a default: PostgreSQL then checks no
        // row against a foreign key (measured: no scan; `migrate trace --judge` on OpenTDF).
        T::AtAddColumn => {
            let column = cmd_column(cmd)?;
            let constraints = || {
                column
                    .constraints
                    .iter()
                    .filter_map(|n| match n.node.as_ref() {
                        Some(NodeEnum::Constraint(c)) => Some(&**c),
                        _ => None,
                    })
            };
            let default = column.raw_default.is_some()
                || constraints().any(|c| c.contype() == ConstrType::ConstrDefault);
            constraints()
                .filter(|c| default || c.contype() != ConstrType::ConstrForeign)
                .filter_map(|c| constraint_work(c).filter(|_| checked(c)))
                .max_by_key(|w| *w == Work::BuildsIndex)
        }
        _ => None,
    }
}

/// The work of adding a constraint to a table with rows: a check of every row, or an index
/// build. `None` for a constraint that needs neither (`NOT NULL` on a new column, `DEFAULT`).
fn constraint_work(c: &Constraint) -> Option<Work> {
    match c.contype() {
        ConstrType::ConstrCheck | ConstrType::ConstrForeign => Some(Work::Scans),
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique | ConstrType::ConstrExclusion
            if c.indexname.is_empty() =>
        {
            Some(Work::BuildsIndex)
        }
        _ => None,
    }
}

/// The lock a file holds on a table since an earlier statement took it.
#[derive(Debug, Clone)]
pub(crate) struct HeldLock {
    /// The table's name parts.
    pub table: Vec<String>,
    /// The table as written in SQL.
    pub display: String,
    /// The strongest level taken on it so far.
    pub level: Level,
    /// The statement that took it, shortened (`ALTER TABLE users ADD COLUMN ...`).
    pub statement: String,
    /// Where that statement is: `path:line`.
    pub at: String,
    /// Whether the file dropped the table: its readers wait for the commit only to find it gone,
    /// unless the file creates it again.
    pub dropped: bool,
}

/// The locks a file holds on tables that existed before it: what its earlier statements took,
/// until the file's transaction commits. In a file without a transaction each statement commits
/// alone and nothing is held after it (but what a `DO` block's statements took, until the
/// block ends).
#[derive(Debug, Default)]
pub(crate) struct Held {
    locks: Vec<HeldLock>,
}

impl Held {
    /// Forgets every lock: the transaction that held them committed.
    pub fn release(&mut self) {
        self.locks.clear();
    }

    /// Adds the locks a statement took, at `path:line` with text `sql`, on the tables for which
    /// `new` is false (a table created earlier in the file is seen by nobody else). A level
    /// only grows: a weaker lock leaves the stronger one held.
    pub fn record(
        &mut self,
        node: &NodeEnum,
        sql: &str,
        at: String,
        new: impl Fn(&RangeVar) -> bool,
    ) {
        let drops = matches!(node, NodeEnum::DropStmt(_));
        for (relation, level) in takes(node).unwrap_or_default() {
            let relation = &*relation;
            if new(relation) {
                continue;
            }
            let table = relation_name(relation);
            match self.locks.iter_mut().find(|h| same_table(&h.table, &table)) {
                Some(held) => {
                    held.dropped |= drops;
                    if held.level < level {
                        held.level = level;
                        held.statement = brief(sql);
                        held.at.clone_from(&at);
                    }
                }
                None => self.locks.push(HeldLock {
                    table,
                    display: display_relation(Some(relation)),
                    level,
                    statement: brief(sql),
                    at: at.clone(),
                    dropped: drops,
                }),
            }
        }
    }

    /// The held locks, in the order first taken.
    pub fn locks(&self) -> &[HeldLock] {
        &self.locks
    }
}

/// A statement's text on one line, cut after about 80 characters: `ALTER TABLE users ADD
/// COLUMN ...`.
pub(crate) fn brief(sql: &str) -> String {
    const MAX: usize = 80;
    let words: Vec<&str> = sql.split_whitespace().collect();
    let mut out = String::new();
    for word in &words {
        if !out.is_empty() && out.len() + 1 + word.len() > MAX {
            out.push_str(" ...");
            return out;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The locks one statement takes, as the checker's model claims them: each table it names (as
/// written, `schema.name` or `name`) with the strongest level it takes on it; `None` when the
/// model makes no claim about the statement.
pub type Claim = Option<Vec<(String, Level)>>;

/// The locks each statement of `sql` takes, as the checker's model claims them (a [`Claim`] per
/// statement). An error when PostgreSQL's
/// parser rejects the text.
///
/// ```
/// use migrate_lint::locks::{statement_locks, Level};
/// let locks = statement_locks("ALTER TABLE users ADD COLUMN email text; VACUUM users").unwrap();
/// assert_eq!(locks[0], Some(vec![("users".to_owned(), Level::AccessExclusive)]));
/// assert_eq!(locks[1], None);
/// ```
pub fn statement_locks(sql: &str) -> Result<Vec<Claim>, String> {
    let parsed = crate::parse::parse(sql).map_err(|hit| hit.message)?;
    Ok(parsed
        .statements
        .iter()
        .map(|s| {
            takes(&s.node).map(|locks| {
                locks
                    .into_iter()
                    .map(|(r, level)| (display_relation(Some(&r)), level))
                    .collect()
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{brief, statement_locks, Level};

    #[test]
    fn claims_merge_per_table_and_unknown_statements_get_none() {
        let locks = statement_locks(
            "UPDATE app.users SET n = 1 FROM users u WHERE u.id = users.id;\n\
             LOCK TABLE a, b IN SHARE MODE;\n\
             WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved;\n\
             CREATE INDEX CONCURRENTLY i ON a (x);\n\
             DROP INDEX i;",
        )
        .unwrap();
        assert_eq!(
            locks,
            [
                Some(vec![("app.users".to_owned(), Level::RowExclusive)]),
                Some(vec![
                    ("a".to_owned(), Level::Share),
                    ("b".to_owned(), Level::Share)
                ]),
                None,
                None,
                None,
            ]
        );
    }

    #[test]
    fn levels_read_as_postgresql_names_them() {
        for (level, number) in Level::ALL.into_iter().zip(1..) {
            assert_eq!(Level::from_number(number), Some(level));
            assert_eq!(Level::from_mode(level.mode()), Some(level));
        }
        assert_eq!(Level::from_number(9), None);
        assert_eq!(
            Level::ALL.map(Level::blocking),
            [0, 0, 0, 0, 1, 1, 1, 2],
            "SHARE and stronger block writes, ACCESS EXCLUSIVE reads too"
        );
    }

    #[test]
    fn a_statement_is_shortened_on_one_line() {
        assert_eq!(
            brief("ALTER TABLE users\n    ADD COLUMN a int"),
            "ALTER TABLE users ADD COLUMN a int"
        );
        let long = format!("UPDATE users SET {}", "a = 1, ".repeat(20));
        let short = brief(&long);
        assert!(short.ends_with(" ..."), "{short}");
        assert!(short.len() <= 84, "{short}");
    }
}
