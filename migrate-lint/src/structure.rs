//! Transaction structure: the file's optional outer `BEGIN; ... COMMIT;`, and statements
//! PostgreSQL refuses to run inside a transaction block.

use std::ops::Range;

use pg_query::protobuf::{AlterTableType, ReindexObjectType, TransactionStmtKind};
use pg_query::NodeEnum;

use crate::diagnostic::Hit;
use crate::objects::{alter_table_cmds, strings};
use crate::parse::ParsedStatement;
use crate::plpgsql::Block;
use crate::quote::{literal, qualified};
use crate::rule::Rule;
use crate::rules::{needs_no_transaction, transaction_control, untransacted};
use crate::schema::{Known, Schema};
use migrate_core::Transaction;

/// What the structure check decided about a file.
#[derive(Debug)]
pub(crate) struct Structure {
    pub mode: Transaction,
    /// Indexes of the statements that run: the file's outer `BEGIN`/`COMMIT` excluded.
    pub run: Range<usize>,
    /// `unneeded-no-transaction`, as far as the file alone tells: the file pipeline reports it
    /// unless a `CALL` needs the header, which takes the schema ([`committing_call`]).
    pub unneeded: Option<Hit>,
}

/// Checks the transaction structure of a file. `blocks` holds what each statement that is a
/// `DO` block runs; `no_transaction` is the offset of the header directive, when present.
pub(crate) fn check(
    statements: &[ParsedStatement],
    blocks: &[Option<Block>],
    no_transaction: Option<usize>,
) -> (Structure, Vec<(&'static Rule, Hit)>) {
    let mut hits = Vec::new();
    let kind = |i: usize| match &statements[i].node {
        NodeEnum::TransactionStmt(t) => Some(t.kind()),
        _ => None,
    };
    let hit = |i: usize, message: &str, help: &str| {
        Hit::new(statements[i].range.start, message).help(help)
    };

    let is_begin = |i: usize| {
        matches!(
            kind(i),
            Some(TransactionStmtKind::TransStmtBegin | TransactionStmtKind::TransStmtStart)
        )
    };
    let is_commit = |i: usize| kind(i) == Some(TransactionStmtKind::TransStmtCommit);
    // The outer wrapper: the first BEGIN and the last COMMIT after it, so that a COMMIT in
    // between is reported as what it is, not the statements after it as untransacted.
    let wrapper = match no_transaction {
        Some(_) => None,
        None => (0..statements.len())
            .find(|&i| is_begin(i))
            .and_then(|begin| {
                (begin + 1..statements.len())
                    .rev()
                    .find(|&i| is_commit(i))
                    .map(|commit| (begin, commit))
            }),
    };
    let (mode, run) = match (no_transaction, wrapper) {
        (Some(_), _) => (Transaction::None, 0..statements.len()),
        (None, Some((begin, commit))) => (Transaction::Single, begin + 1..commit),
        (None, None) => (Transaction::Single, 0..statements.len()),
    };
    for i in 0..statements.len() {
        // In a transaction, a savepoint is a statement of the migration like any other: fine
        // inside the file's BEGIN/COMMIT, untransacted outside it.
        let savepoint = |k: &TransactionStmtKind| {
            matches!(
                k,
                TransactionStmtKind::TransStmtSavepoint
                    | TransactionStmtKind::TransStmtRelease
                    | TransactionStmtKind::TransStmtRollbackTo
            )
        };
        let kind = kind(i).filter(|k| !(mode == Transaction::Single && savepoint(k)));
        let Some(kind) = kind else {
            if !run.contains(&i) {
                hits.push((
                    &untransacted::RULE,
                    hit(
                        i,
                        "statement outside the file's BEGIN/COMMIT",
                        untransacted::RULE.help,
                    ),
                ));
            }
            continue;
        };
        let in_wrapper = wrapper.is_some_and(|(begin, commit)| i == begin || i == commit);
        if in_wrapper {
            continue;
        }
        let sql = keyword(kind);
        let problem = match mode {
            Transaction::None => hit(
                i,
                &format!("`{sql}` in a `-- migrate:no-transaction` file"),
                "remove it: such a file runs each statement on its own, outside any transaction",
            ),
            _ if is_begin(i) && !(i + 1..statements.len()).any(is_commit) => hit(
                i,
                &format!("`{sql}` without a matching `COMMIT`"),
                "end the file with `COMMIT;`, or remove the `BEGIN;`",
            ),
            _ if is_begin(i) => hit(
                i,
                &format!("a second `{sql}`: the file already has an outer transaction"),
                "keep one `BEGIN;` at the top and one `COMMIT;` at the end",
            ),
            _ => hit(
                i,
                &format!("`{sql}` in the middle of the migration"),
                "remove it: the runner commits the migration together with its history row, or \
                 rolls both back",
            ),
        };
        hits.push((&transaction_control::RULE, problem));
    }
    if let Some((begin, _)) = wrapper {
        if let NodeEnum::TransactionStmt(t) = &statements[begin].node {
            if !t.options.is_empty() {
                hits.push((
                    &transaction_control::RULE,
                    hit(
                        begin,
                        &format!(
                            "`{}` with options: the runner opens the transaction itself",
                            keyword(t.kind())
                        ),
                        "write `BEGIN;` and put `SET TRANSACTION ...;` as the first statement",
                    ),
                ));
            }
        }
    }

    let mut refused: Vec<Hit> = Vec::new();
    for i in run.clone() {
        if let Some(what) = refused_in_transaction(&statements[i].node) {
            refused.push(hit(
                i,
                &format!("{what} cannot run inside a transaction block"),
                needs_no_transaction::RULE.help,
            ));
        }
        for control in blocks[i].iter().flat_map(|b| &b.controls) {
            refused.push(
                Hit::new(
                    control.at,
                    format!(
                        "`{}` in a `DO` block cannot run inside a transaction block",
                        control.keyword
                    ),
                )
                .help(needs_no_transaction::RULE.help),
            );
        }
    }
    refused.extend(new_enum_value_uses(&statements[run.clone()]));
    let mut unneeded = None;
    match (mode, no_transaction) {
        (Transaction::Single, _) => {
            hits.extend(
                refused
                    .into_iter()
                    .map(|hit| (&needs_no_transaction::RULE, hit)),
            );
        }
        (Transaction::None, Some(at)) if refused.is_empty() => {
            unneeded = Some(Hit::new(
                at,
                "`-- migrate:no-transaction`, but no statement needs to run outside a transaction",
            ));
        }
        _ => {}
    }
    (
        Structure {
            mode,
            run,
            unneeded,
        },
        hits,
    )
}

/// A `CALL` of a procedure the folder created (as `schema` knows it) whose PL/pgSQL body
/// `COMMIT`s or `ROLLBACK`s: PostgreSQL refuses that inside a transaction block ("invalid
/// transaction termination", 2D000), so the file needs the `no-transaction` header.
pub(crate) fn committing_call(node: &NodeEnum, at: usize, schema: &Schema) -> Option<Hit> {
    let NodeEnum::CallStmt(call) = node else {
        return None;
    };
    let name = strings(&call.funccall.as_ref()?.funcname);
    let Known::Present(overloads) = schema.function(&name) else {
        return None;
    };
    overloads
        .iter()
        .any(|f| f.procedure && f.controls_transactions)
        .then(|| {
            Hit::new(
                at,
                format!(
                    "`CALL {}` runs a procedure that COMMITs or ROLLBACKs, which cannot run \
                     inside a transaction block",
                    name.join(".")
                ),
            )
            .help(needs_no_transaction::RULE.help)
        })
}

/// Uses of an enum value that an earlier `ALTER TYPE ... ADD VALUE` of the same statements
/// added: PostgreSQL refuses them until the transaction that added the value commits ("unsafe
/// use of new value", 55P04). A use is the value as a constant cast to the type, or in the
/// definition of a column of the type (`DEFAULT 'sad'`); a bare string in a column of the type
/// needs the schema: [`NewEnumValues`] finds it.
fn new_enum_value_uses(statements: &[ParsedStatement]) -> Vec<Hit> {
    let mut added: Vec<(Vec<String>, &str)> = Vec::new();
    let mut uses: Vec<Hit> = Vec::new();
    for statement in statements {
        if !added.is_empty() {
            let tree = serde_json::to_value(&statement.node).unwrap_or_default();
            for (type_name, value, at) in typed_constants(&tree) {
                let Some((enum_name, _)) = added
                    .iter()
                    .find(|(name, v)| *v == value && same_type(name, &type_name))
                else {
                    continue;
                };
                if uses.iter().any(|u| u.at == at) {
                    continue;
                }
                uses.push(new_value_hit(at, &value, enum_name));
            }
        }
        if let Some(new) = added_value(&statement.node) {
            added.push(new);
        }
    }
    uses
}

/// The enum type and the value an `ALTER TYPE ... ADD VALUE` adds.
fn added_value(node: &NodeEnum) -> Option<(Vec<String>, &str)> {
    match node {
        NodeEnum::AlterEnumStmt(s) if !s.new_val.is_empty() && s.old_val.is_empty() => {
            Some((strings(&s.type_name), s.new_val.as_str()))
        }
        _ => None,
    }
}

/// The finding of a use of `value`, added to `enum_name` earlier in the transaction.
fn new_value_hit(at: usize, value: &str, enum_name: &[String]) -> Hit {
    Hit::new(
        at,
        format!(
            "{} is new: `ALTER TYPE {} ADD VALUE` adds it earlier in the same transaction, and \
             PostgreSQL refuses to use a new enum value before that transaction commits",
            literal(value),
            qualified(enum_name)
        ),
    )
    .help(
        "move the statements that use the new value to a later migration, or start the file \
         with `-- migrate:no-transaction` (each statement then commits on its own)",
    )
}

/// The enum values added by the earlier statements of a file, to find the uses the file's
/// structure alone cannot see: a bare string assigned to, compared with or inserted into a
/// column whose type the schema model knows to be that enum (`UPDATE jobs SET state =
/// 'archived'`, `WHERE state IN (...)`, `INSERT INTO jobs VALUES (...)`). PostgreSQL stops each
/// with 55P04 "unsafe use of new value" (checked on PostgreSQL 15).
#[derive(Debug, Default)]
pub(crate) struct NewEnumValues(Vec<(Vec<String>, String)>);

impl NewEnumValues {
    /// Notes the value a statement adds, if it is an `ALTER TYPE ... ADD VALUE`.
    pub(crate) fn record(&mut self, node: &NodeEnum) {
        if let Some((name, value)) = added_value(node) {
            self.0.push((name, value.to_owned()));
        }
    }

    /// The uses of an added value in a column of its type by an `UPDATE`, `DELETE` or
    /// `INSERT`. (A value cast to the type is found by the structure check.)
    pub(crate) fn column_uses(&self, node: &NodeEnum, schema: &Schema) -> Vec<Hit> {
        if self.0.is_empty() {
            return Vec::new();
        }
        let (relation, mut pairs) = match node {
            NodeEnum::UpdateStmt(s) => (
                s.relation.as_ref(),
                s.target_list
                    .iter()
                    .filter_map(|t| match t.node.as_ref() {
                        Some(NodeEnum::ResTarget(r)) => Some((r.name.clone(), r.val.as_deref()?)),
                        _ => None,
                    })
                    .collect(),
            ),
            NodeEnum::DeleteStmt(s) => (s.relation.as_ref(), Vec::new()),
            NodeEnum::InsertStmt(s) => (s.relation.as_ref(), inserted(s, schema)),
            _ => return Vec::new(),
        };
        let Some(relation) = relation else {
            return Vec::new();
        };
        pairs.extend(compared(node));
        let mut hits: Vec<Hit> = Vec::new();
        for (column, value) in pairs {
            let Known::Present(c) = schema.column(relation, &column) else {
                continue;
            };
            for (text, at) in bare_strings(value) {
                let new = self
                    .0
                    .iter()
                    .find(|(name, v)| *v == text && !c.ty.array && same_type(name, &c.ty.name));
                if let Some((name, _)) = new {
                    if !hits.iter().any(|h| h.at == at) {
                        hits.push(new_value_hit(at, &text, name));
                    }
                }
            }
        }
        hits
    }
}

/// The columns of an `INSERT ... VALUES` with the value each row gives them: the columns named,
/// or the table's own when none are named and the model knows them all.
fn inserted<'a>(
    s: &'a pg_query::protobuf::InsertStmt,
    schema: &Schema,
) -> Vec<(String, &'a pg_query::Node)> {
    let mut columns: Vec<String> = s
        .cols
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::ResTarget(r)) => Some(r.name.clone()),
            _ => None,
        })
        .collect();
    if columns.is_empty() {
        if let Some(Known::Present(table)) = s.relation.as_ref().map(|r| schema.relation(r)) {
            if table.complete {
                columns = table.columns.iter().map(|c| c.name.clone()).collect();
            }
        }
    }
    let Some(NodeEnum::SelectStmt(select)) = s.select_stmt.as_deref().and_then(|n| n.node.as_ref())
    else {
        return Vec::new();
    };
    select
        .values_lists
        .iter()
        .filter_map(|row| match row.node.as_ref() {
            Some(NodeEnum::List(l)) => Some(l.items.iter()),
            _ => None,
        })
        .flat_map(|items| columns.iter().cloned().zip(items))
        .collect()
}

/// `column = 'v'`, `column <> 'v'`, `column IN ('v', ...)` anywhere in a statement: the column
/// (its last name part) with the other side.
fn compared(node: &NodeEnum) -> Vec<(String, &pg_query::Node)> {
    let column = |n: &pg_query::Node| match n.node.as_ref() {
        Some(NodeEnum::ColumnRef(c)) => strings(&c.fields).pop(),
        _ => None,
    };
    node.nodes()
        .into_iter()
        .filter_map(|(n, ..)| match n {
            pg_query::NodeRef::AExpr(e) => Some(e),
            _ => None,
        })
        .flat_map(|e| {
            let (l, r) = (e.lexpr.as_deref(), e.rexpr.as_deref());
            [(l, r), (r, l)]
                .into_iter()
                .filter_map(|(a, b)| Some((column(a?)?, b?)))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The string constants written bare (not cast) in a value: the value itself, or each item of
/// a list (`IN (...)`), with their offsets.
fn bare_strings(value: &pg_query::Node) -> Vec<(String, usize)> {
    let one = |n: &pg_query::Node| match n.node.as_ref() {
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(pg_query::protobuf::a_const::Val::Sval(s)) => {
                Some((s.sval.clone(), usize::try_from(c.location).ok()?))
            }
            _ => None,
        },
        _ => None,
    };
    match value.node.as_ref() {
        Some(NodeEnum::List(l)) => l.items.iter().filter_map(one).collect(),
        _ => one(value).into_iter().collect(),
    }
}

/// Whether two written type names can name the same type: the same name, and the same schema
/// when both give one.
fn same_type(a: &[String], b: &[String]) -> bool {
    a.last() == b.last() && (a.len() < 2 || b.len() < 2 || a == b)
}

/// The string constants of a statement (its parse tree as JSON) written as values of a named
/// type: cast to it (`'sad'::mood`), or in the definition of a column of it (`x mood DEFAULT
/// 'sad'`). Each with the type's name parts and the constant's offset.
fn typed_constants(tree: &serde_json::Value) -> Vec<(Vec<String>, String, usize)> {
    let mut found = Vec::new();
    let mut walk = vec![tree];
    while let Some(value) = walk.pop() {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map {
                    if key == "TypeCast" || key == "ColumnDef" {
                        let names = type_names(inner.get("type_name"));
                        if !names.is_empty() {
                            for (value, at) in constants(inner) {
                                found.push((names.clone(), value, at));
                            }
                        }
                    }
                    walk.push(inner);
                }
            }
            serde_json::Value::Array(items) => walk.extend(items),
            _ => {}
        }
    }
    found
}

/// The name parts of a serialised `TypeName`.
fn type_names(type_name: Option<&serde_json::Value>) -> Vec<String> {
    type_name
        .and_then(|t| t.get("names"))
        .and_then(serde_json::Value::as_array)
        .map_or_else(Vec::new, |names| {
            names
                .iter()
                .filter_map(|n| n.pointer("/node/String/sval")?.as_str())
                .map(str::to_owned)
                .collect()
        })
}

/// The string constants below a serialised node, with their offsets.
fn constants(node: &serde_json::Value) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut walk = vec![node];
    while let Some(value) = walk.pop() {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(constant) = map.get("AConst") {
                    let value = constant.pointer("/val/Sval/sval").and_then(|v| v.as_str());
                    let at = constant.get("location").and_then(serde_json::Value::as_u64);
                    if let (Some(value), Some(at)) = (value, at) {
                        found.push((value.to_owned(), at as usize));
                    }
                }
                walk.extend(map.values());
            }
            serde_json::Value::Array(items) => walk.extend(items),
            _ => {}
        }
    }
    found
}

/// The statement's keywords, for messages.
fn keyword(kind: TransactionStmtKind) -> &'static str {
    match kind {
        TransactionStmtKind::TransStmtBegin => "BEGIN",
        TransactionStmtKind::TransStmtStart => "START TRANSACTION",
        TransactionStmtKind::TransStmtCommit => "COMMIT",
        TransactionStmtKind::TransStmtRollback => "ROLLBACK",
        TransactionStmtKind::TransStmtSavepoint => "SAVEPOINT",
        TransactionStmtKind::TransStmtRelease => "RELEASE SAVEPOINT",
        TransactionStmtKind::TransStmtRollbackTo => "ROLLBACK TO SAVEPOINT",
        TransactionStmtKind::TransStmtPrepare => "PREPARE TRANSACTION",
        TransactionStmtKind::TransStmtCommitPrepared => "COMMIT PREPARED",
        TransactionStmtKind::TransStmtRollbackPrepared => "ROLLBACK PREPARED",
        TransactionStmtKind::Undefined => "transaction control",
    }
}

/// What a statement is, when PostgreSQL refuses to run it inside a transaction block.
pub(crate) fn refused_in_transaction(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => Some("`CREATE INDEX CONCURRENTLY`"),
        NodeEnum::DropStmt(s) if s.concurrent => Some("`DROP INDEX CONCURRENTLY`"),
        NodeEnum::ReindexStmt(s)
            if s.params.iter().any(|p| {
                matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")
            }) =>
        {
            Some("`REINDEX CONCURRENTLY`")
        }
        NodeEnum::ReindexStmt(s)
            if matches!(
                s.kind(),
                ReindexObjectType::ReindexObjectSchema
                    | ReindexObjectType::ReindexObjectSystem
                    | ReindexObjectType::ReindexObjectDatabase
            ) =>
        {
            Some("`REINDEX SCHEMA/SYSTEM/DATABASE`")
        }
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => Some("`VACUUM`"),
        NodeEnum::ClusterStmt(s) if s.relation.is_none() => Some("`CLUSTER` without a table"),
        NodeEnum::AlterTableStmt(_) => alter_table_cmds(node)
            .any(|(_, cmd)| {
                cmd.subtype() == AlterTableType::AtDetachPartition
                    && matches!(
                        cmd.def.as_ref().and_then(|d| d.node.as_ref()),
                        Some(NodeEnum::PartitionCmd(p)) if p.concurrent
                    )
            })
            .then_some("`DETACH PARTITION CONCURRENTLY`"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_script;
    use crate::diagnostic::Severity;
    use crate::rule::{Policy, ScriptKind};
    use crate::rules::testing::{findings, findings_after, passes};
    use crate::rules::unneeded_no_transaction;

    const RULES: [&Rule; 4] = [
        &untransacted::RULE,
        &transaction_control::RULE,
        &needs_no_transaction::RULE,
        &unneeded_no_transaction::RULE,
    ];

    /// `(rule, line, column, message)` of every transaction finding of an up file.
    fn structure_findings(sql: &str) -> Vec<(&'static str, usize, usize, String)> {
        let (_, diagnostics, _) = check_script("t.sql", sql, ScriptKind::Up, &Policy::default());
        diagnostics
            .into_iter()
            .filter(|d| RULES.iter().any(|r| r.name == d.rule))
            .map(|d| {
                let p = d.position.unwrap();
                (d.rule, p.line, p.column, d.message)
            })
            .collect()
    }

    /// The mode and the text of the statements that run.
    fn runs(sql: &str) -> (Transaction, Vec<&str>) {
        let (script, _, _) = check_script("t.sql", sql, ScriptKind::Up, &Policy::default());
        let (mode, ranges, _) = script.expect("the file parses");
        (mode, ranges.into_iter().map(|r| &sql[r]).collect())
    }

    fn assert_clean(sql: &str) {
        let found = structure_findings(sql);
        assert!(
            found.is_empty(),
            "no transaction finding expected in:\n{sql}\n{found:?}"
        );
    }

    #[test]
    fn an_outer_begin_commit_is_accepted_and_not_run() {
        for sql in [
            "BEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\nCOMMIT;\n",
            "-- header\nbegin;\n\nCREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\n\ncommit;",
            "START TRANSACTION;\nCREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\nEND;",
            "BEGIN TRANSACTION;\nCREATE TABLE IF NOT EXISTS t (id int);\nSELECT 1;\nCOMMIT WORK;",
        ] {
            assert_clean(sql);
            assert_eq!(
                runs(sql),
                (
                    Transaction::Single,
                    vec!["CREATE TABLE IF NOT EXISTS t (id int)", "SELECT 1"]
                ),
                "{sql}"
            );
        }
        assert_eq!(
            runs("SELECT 1;\nSELECT 2;"),
            (Transaction::Single, vec!["SELECT 1", "SELECT 2"])
        );
    }

    #[test]
    fn statements_before_begin_or_after_commit_are_untransacted() {
        let sql = "SET search_path = app;\nBEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\n";
        assert_eq!(
            structure_findings(sql),
            vec![
                (
                    "untransacted",
                    1,
                    1,
                    "statement outside the file's BEGIN/COMMIT".to_owned()
                ),
                (
                    "untransacted",
                    5,
                    1,
                    "statement outside the file's BEGIN/COMMIT".to_owned()
                ),
            ]
        );
        // A savepoint outside the wrapper runs outside the transaction too.
        let found = findings(
            &untransacted::RULE,
            "BEGIN;\nSELECT 1;\nCOMMIT;\nSAVEPOINT s;",
        );
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (4, 1));
    }

    #[test]
    fn a_second_begin_is_transaction_control() {
        let sql = "BEGIN;\nSELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;";
        assert_eq!(
            structure_findings(sql),
            vec![(
                "transaction-control",
                3,
                1,
                "a second `BEGIN`: the file already has an outer transaction".to_owned()
            )]
        );
    }

    #[test]
    fn commit_or_rollback_in_the_middle_is_transaction_control() {
        for (sql, line, message) in [
            (
                "SELECT 1;\nCOMMIT;\nSELECT 2;",
                2,
                "`COMMIT` in the middle of the migration",
            ),
            (
                "SELECT 1;\nROLLBACK;\nSELECT 2;",
                2,
                "`ROLLBACK` in the middle of the migration",
            ),
            (
                "BEGIN;\nSELECT 1;\nROLLBACK;\nSELECT 2;\nCOMMIT;",
                3,
                "`ROLLBACK` in the middle of the migration",
            ),
            (
                "BEGIN;\nSELECT 1;\nCOMMIT;\nSELECT 2;\nCOMMIT;",
                3,
                "`COMMIT` in the middle of the migration",
            ),
            (
                "SELECT 1;\nABORT;\nSELECT 2;",
                2,
                "`ROLLBACK` in the middle of the migration",
            ),
        ] {
            let found = structure_findings(sql);
            assert_eq!(
                found,
                vec![("transaction-control", line, 1, message.to_owned())],
                "{sql}"
            );
        }
        // Two transactions in one file: the second `BEGIN` and the first `COMMIT` are reported.
        let found = structure_findings("BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;");
        let rules: Vec<_> = found.iter().map(|f| (f.0, f.1)).collect();
        assert_eq!(
            rules,
            vec![("transaction-control", 3), ("transaction-control", 4)]
        );
    }

    #[test]
    fn begin_without_commit_is_transaction_control() {
        let sql = "BEGIN;\nCREATE TABLE IF NOT EXISTS t (id int);\n";
        assert_eq!(
            structure_findings(sql),
            vec![(
                "transaction-control",
                1,
                1,
                "`BEGIN` without a matching `COMMIT`".to_owned()
            )]
        );
        let found = structure_findings("START TRANSACTION;\nSELECT 1;\nROLLBACK;");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0]
            .3
            .contains("`START TRANSACTION` without a matching `COMMIT`"));
        assert_eq!(found[1].3, "`ROLLBACK` in the middle of the migration");
    }

    #[test]
    fn begin_with_options_is_transaction_control() {
        for (sql, keyword) in [
            (
                "BEGIN ISOLATION LEVEL SERIALIZABLE;\nSELECT 1;\nCOMMIT;",
                "BEGIN",
            ),
            (
                "START TRANSACTION READ WRITE;\nSELECT 1;\nCOMMIT;",
                "START TRANSACTION",
            ),
        ] {
            let found = structure_findings(sql);
            assert_eq!(
                found,
                vec![(
                    "transaction-control",
                    1,
                    1,
                    format!("`{keyword}` with options: the runner opens the transaction itself")
                )],
                "{sql}"
            );
        }
        assert_clean("BEGIN;\nSET TRANSACTION ISOLATION LEVEL SERIALIZABLE;\nSELECT 1;\nCOMMIT;");
    }

    #[test]
    fn savepoints_inside_the_transaction_are_fine() {
        assert_clean(
            "BEGIN;\nSAVEPOINT a;\nSELECT 1;\nROLLBACK TO SAVEPOINT a;\nRELEASE SAVEPOINT a;\n\
             COMMIT;",
        );
        assert_clean("SAVEPOINT a;\nSELECT 1;\nRELEASE a;");
        let found = structure_findings("-- migrate:no-transaction\nSAVEPOINT a;\nVACUUM t;");
        assert_eq!(
            found,
            vec![(
                "transaction-control",
                2,
                1,
                "`SAVEPOINT` in a `-- migrate:no-transaction` file".to_owned()
            )]
        );
    }

    #[test]
    fn statements_refused_in_a_transaction_need_the_header() {
        for (sql, what) in [
            (
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
                "`CREATE INDEX CONCURRENTLY`",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
                "`CREATE INDEX CONCURRENTLY`",
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS i;",
                "`DROP INDEX CONCURRENTLY`",
            ),
            ("REINDEX INDEX CONCURRENTLY i;", "`REINDEX CONCURRENTLY`"),
            ("REINDEX (CONCURRENTLY) TABLE t;", "`REINDEX CONCURRENTLY`"),
            ("REINDEX SCHEMA app;", "`REINDEX SCHEMA/SYSTEM/DATABASE`"),
            ("VACUUM t;", "`VACUUM`"),
            ("VACUUM (ANALYZE) t;", "`VACUUM`"),
            (
                "ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;",
                "`DETACH PARTITION CONCURRENTLY`",
            ),
        ] {
            let found = structure_findings(&format!("SELECT 1;\n{sql}"));
            assert_eq!(
                found,
                vec![(
                    "needs-no-transaction",
                    2,
                    1,
                    format!("{what} cannot run inside a transaction block")
                )],
                "{sql}"
            );
            // Inside the file's own BEGIN/COMMIT too.
            let wrapped = format!("BEGIN;\n{sql}\nCOMMIT;");
            assert_eq!(
                findings(&needs_no_transaction::RULE, &wrapped).len(),
                1,
                "{wrapped}"
            );
            // With the header, the file runs statement by statement.
            let header = format!("-- migrate:no-transaction\n{sql}\n");
            assert_clean(&header);
            let (mode, statements) = runs(&header);
            assert_eq!(mode, Transaction::None);
            assert_eq!(statements, vec![sql.trim_end_matches(';')]);
        }
        for sql in [
            "ANALYZE t;",
            "REINDEX INDEX i;",
            "CREATE INDEX IF NOT EXISTS i ON t (a);",
            "DROP INDEX IF EXISTS i;",
            "ALTER TABLE events DETACH PARTITION events_2020;",
            "CLUSTER t USING t_pkey;",
        ] {
            passes(&needs_no_transaction::RULE, sql);
        }
    }

    /// PostgreSQL: `invalid transaction termination` (2D000) inside a transaction block; fine
    /// when the `DO` is sent on its own, as a `-- migrate:no-transaction` file sends it.
    #[test]
    fn commit_or_rollback_in_a_do_block_needs_the_header_and_is_pointed_at() {
        let sql = "CREATE TABLE IF NOT EXISTS t (id int);\n\
                   DO $$\nBEGIN\n  UPDATE t SET id = id;\n  COMMIT;\nEND $$;\n\
                   DO $$ BEGIN IF false THEN ROLLBACK; END IF; END $$;";
        assert_eq!(
            structure_findings(sql),
            vec![
                (
                    "needs-no-transaction",
                    5,
                    3,
                    "`COMMIT` in a `DO` block cannot run inside a transaction block".to_owned()
                ),
                (
                    "needs-no-transaction",
                    7,
                    27,
                    "`ROLLBACK` in a `DO` block cannot run inside a transaction block".to_owned()
                ),
            ]
        );
        // With the header: no finding, and the header is not called unneeded.
        assert_clean(&format!("-- migrate:no-transaction\n{sql}"));
        for sql in [
            "DO $$ BEGIN UPDATE t SET id = id; END $$;",
            "DO $$ BEGIN RAISE NOTICE 'COMMIT'; END $$;",
            "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;",
        ] {
            passes(&needs_no_transaction::RULE, sql);
        }
    }

    /// PostgreSQL: `unsafe use of new value "sad" of enum type mood` (55P04) until the
    /// transaction that added the value commits.
    #[test]
    fn a_new_enum_value_used_in_the_same_transaction_needs_the_header() {
        let sql = "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad';\n\
                   CREATE TABLE IF NOT EXISTS m (x mood DEFAULT 'sad');\n\
                   SELECT 'ok'::mood, 'sad'::public.mood;";
        assert_eq!(
            structure_findings(sql),
            vec![
                (
                    "needs-no-transaction",
                    2,
                    46,
                    "'sad' is new: `ALTER TYPE mood ADD VALUE` adds it earlier in the same \
                     transaction, and PostgreSQL refuses to use a new enum value before that \
                     transaction commits"
                        .to_owned()
                ),
                (
                    "needs-no-transaction",
                    3,
                    20,
                    structure_findings(sql)[0].3.clone()
                ),
            ]
        );
        assert_clean(&format!("-- migrate:no-transaction\n{sql}"));
        for sql in [
            // Another value, another type, a use before the value is added, text that only
            // looks like the value.
            "ALTER TYPE mood ADD VALUE 'sad';\nSELECT 'ok'::mood;",
            "ALTER TYPE mood ADD VALUE 'sad';\nSELECT 'sad'::other;",
            "SELECT 'sad'::mood;\nALTER TYPE mood ADD VALUE 'sad';",
            "ALTER TYPE mood ADD VALUE 'sad';\nCREATE TABLE IF NOT EXISTS n (x text DEFAULT 'sad');",
            "ALTER TYPE mood ADD VALUE 'sad';\nSELECT 'sad';",
            "ALTER TYPE app.mood ADD VALUE 'sad';\nSELECT 'sad'::other.mood;",
        ] {
            passes(&needs_no_transaction::RULE, sql);
        }
    }

    /// PostgreSQL 15 stops each of these with 55P04 too: the value is not cast, but the
    /// column it is assigned to, compared with or inserted into has the enum's type.
    #[test]
    fn a_new_enum_value_in_a_column_of_its_type_needs_the_header() {
        let earlier = ["CREATE TYPE job_state AS ENUM ('new', 'done');\n\
                        CREATE TABLE IF NOT EXISTS jobs (id int, state job_state, note text);"];
        let add = "ALTER TYPE job_state ADD VALUE IF NOT EXISTS 'archived';\n";
        let uses = |sql: &str| -> Vec<(usize, usize)> {
            findings_after(
                &needs_no_transaction::RULE,
                &earlier,
                &format!("{add}{sql}"),
            )
            .into_iter()
            .map(|(line, column, _)| (line, column))
            .collect()
        };
        assert_eq!(
            uses("UPDATE jobs SET state = 'archived' WHERE id = 2;"),
            [(2, 25)]
        );
        assert_eq!(
            uses("DELETE FROM jobs WHERE state = 'archived';"),
            [(2, 32)]
        );
        assert_eq!(
            uses("SELECT 1;\nUPDATE jobs SET note = 'x' WHERE state IN ('done', 'archived');"),
            [(3, 52)]
        );
        assert_eq!(uses("INSERT INTO jobs VALUES (3, 'archived');"), [(2, 29)]);
        assert_eq!(
            uses("INSERT INTO jobs (state, id) VALUES ('new', 1), ('archived', 3);"),
            [(2, 50)]
        );
        // The cast form is the structure check's, reported once.
        assert_eq!(
            uses("UPDATE jobs SET state = 'archived'::job_state;").len(),
            1
        );
        for sql in [
            "UPDATE jobs SET state = 'done' WHERE state = 'new';",
            "UPDATE jobs SET note = 'archived';",
            "INSERT INTO jobs (note) VALUES ('archived');",
            "UPDATE other SET state = 'archived';",
        ] {
            assert_eq!(uses(sql), [], "{sql}");
        }
        let unknown = "UPDATE jobs SET state = 'archived';";
        assert_eq!(
            findings(&needs_no_transaction::RULE, &format!("{add}{unknown}")),
            []
        );
        let header = format!("-- migrate:no-transaction\n{add}UPDATE jobs SET state = 'archived';");
        assert_eq!(
            findings_after(&unneeded_no_transaction::RULE, &earlier, &header),
            []
        );
    }

    #[test]
    fn a_call_of_a_procedure_of_the_folder_that_commits_needs_the_header() {
        let create = "CREATE OR REPLACE PROCEDURE batch() LANGUAGE plpgsql AS $$\n\
                      BEGIN\n  UPDATE t SET a = 1;\n  COMMIT;\nEND $$;\n";
        let in_transaction = format!("{create}CALL batch();\n");
        assert_eq!(
            structure_findings(&in_transaction),
            [(
                "needs-no-transaction",
                6,
                1,
                "`CALL batch` runs a procedure that COMMITs or ROLLBACKs, which cannot run \
                 inside a transaction block"
                    .to_owned()
            )]
        );
        // With the header it runs, and the header is needed.
        let alone = format!("-- migrate:no-transaction\n{in_transaction}");
        assert!(structure_findings(&alone).is_empty());
        // A procedure that does not end transactions, or one the model never saw: nothing.
        let quiet = "CREATE OR REPLACE PROCEDURE quiet() LANGUAGE plpgsql AS $$\n\
                     BEGIN UPDATE t SET a = 1; END $$;\nCALL quiet();\nCALL elsewhere();\n";
        assert!(structure_findings(quiet).is_empty());
        let rollback = "CREATE OR REPLACE PROCEDURE undo() LANGUAGE plpgsql AS $$\n\
                        BEGIN IF true THEN ROLLBACK; END IF; END $$;\nCALL public.undo();\n";
        assert_eq!(structure_findings(rollback)[0].0, "needs-no-transaction");
        let with_header = format!("-- migrate:no-transaction\n{quiet}");
        assert_eq!(
            structure_findings(&with_header)[0].0,
            "unneeded-no-transaction"
        );
    }

    #[test]
    fn an_unneeded_header_is_a_warning() {
        let sql = "-- migrate:no-transaction\nCREATE TABLE IF NOT EXISTS t (id int);";
        let (_, diagnostics, _) = check_script("t.sql", sql, ScriptKind::Up, &Policy::default());
        let d: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.rule == unneeded_no_transaction::RULE.name)
            .collect();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].severity, Severity::Warning);
        assert_eq!(d[0].location(), "t.sql:1:1");
        assert_eq!(runs(sql).0, Transaction::None);
        // It can be allowed in the file's header.
        passes(
            &unneeded_no_transaction::RULE,
            "-- migrate:no-transaction\n\
             -- migrate:allow-file(unneeded-no-transaction) runs outside a transaction on purpose\n\
             CREATE TABLE IF NOT EXISTS t (id int);",
        );
    }

    #[test]
    fn begin_and_commit_in_a_no_transaction_file_are_errors() {
        let sql = "-- migrate:no-transaction\nBEGIN;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i \
                   ON t (a);\nCOMMIT;";
        assert_eq!(
            structure_findings(sql),
            vec![
                (
                    "transaction-control",
                    2,
                    1,
                    "`BEGIN` in a `-- migrate:no-transaction` file".to_owned()
                ),
                (
                    "transaction-control",
                    4,
                    1,
                    "`COMMIT` in a `-- migrate:no-transaction` file".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn transaction_words_in_bodies_strings_and_comments_do_not_count() {
        for sql in [
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  \
             PERFORM 1;\nEND;\n$$;",
            "CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $body$\nBEGIN\n  COMMIT;\n  \
             ROLLBACK;\nEND\n$body$;",
            "DO $$ BEGIN PERFORM 1; END $$;",
            "SELECT 'BEGIN; COMMIT; ROLLBACK;';",
            "-- BEGIN;\nSELECT 1;\n/* COMMIT; */",
            "BEGIN;\nDO $$ BEGIN PERFORM 'COMMIT'; END $$;\nSELECT 'COMMIT';\nCOMMIT;",
            "SELECT E'VACUUM t; CREATE INDEX CONCURRENTLY i ON t (a);';",
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE sql AS \
             'CREATE INDEX CONCURRENTLY i ON t (a)';",
        ] {
            assert_clean(sql);
        }
    }
}
