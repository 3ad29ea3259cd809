//! Transaction structure: the file's optional outer `BEGIN; ... COMMIT;`, and statements
//! PostgreSQL refuses to run inside a transaction block.

use std::ops::Range;

use pg_query::protobuf::{AlterTableType, ReindexObjectType, TransactionStmtKind};
use pg_query::NodeEnum;

use crate::diagnostic::Severity;
use crate::model::TransactionMode;
use crate::objects::alter_table_cmds;
use crate::parse::ParsedStatement;
use crate::rules::{Check, Family, Hit, Rule};

pub(crate) static UNTRANSACTED: Rule = Rule {
    name: "untransacted",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "a statement before the file's `BEGIN` or after its `COMMIT` would run outside the \
             migration's transaction",
    help: "move the statement between `BEGIN;` and `COMMIT;`, or remove the `BEGIN;`/`COMMIT;` \
           lines (every migration runs in a transaction anyway)",
    allowable: false,
    check: Check::Stage,
};

pub(crate) static TRANSACTION_CONTROL: Rule = Rule {
    name: "transaction-control",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "the runner opens and commits each migration's transaction together with its \
             history row; a second `BEGIN`, a `COMMIT`/`ROLLBACK` in the middle or a `BEGIN` \
             without `COMMIT` breaks that",
    help: "keep at most one outer `BEGIN;` ... `COMMIT;` around the whole file, or none",
    allowable: false,
    check: Check::Stage,
};

pub(crate) static NEEDS_NO_TRANSACTION: Rule = Rule {
    name: "needs-no-transaction",
    family: Family::Transactions,
    severity: Severity::Error,
    reason: "PostgreSQL refuses this statement inside a transaction block, so the migration \
             would fail at run time",
    help: "start the file with `-- migrate:no-transaction`; its statements then run one by one, \
           outside a transaction, and must be idempotent",
    allowable: false,
    check: Check::Stage,
};

pub(crate) static UNNEEDED_NO_TRANSACTION: Rule = Rule {
    name: "unneeded-no-transaction",
    family: Family::Transactions,
    severity: Severity::Warning,
    reason: "`-- migrate:no-transaction` gives up atomicity; no statement of this file needs it",
    help: "remove `-- migrate:no-transaction` so the file runs in one transaction",
    allowable: true,
    check: Check::Stage,
};

/// What the structure check decided about a file.
#[derive(Debug)]
pub(crate) struct Structure {
    pub mode: TransactionMode,
    /// Indexes of the statements that run: the file's outer `BEGIN`/`COMMIT` excluded.
    pub run: Range<usize>,
}

/// Checks the transaction structure of a file. `no_transaction` is the offset of the header
/// directive, when present.
pub(crate) fn check(
    statements: &[ParsedStatement],
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
    // The outer wrapper: the first BEGIN and the first COMMIT after it.
    let wrapper = match no_transaction {
        Some(_) => None,
        None => (0..statements.len())
            .find(|&i| is_begin(i))
            .and_then(|begin| {
                (begin + 1..statements.len())
                    .find(|&i| is_commit(i))
                    .map(|commit| (begin, commit))
            }),
    };
    let (mode, run) = match (no_transaction, wrapper) {
        (Some(_), _) => (TransactionMode::None, 0..statements.len()),
        (None, Some((begin, commit))) => (TransactionMode::Single, begin + 1..commit),
        (None, None) => (TransactionMode::Single, 0..statements.len()),
    };
    for i in 0..statements.len() {
        let Some(kind) = kind(i) else {
            if !run.contains(&i) {
                hits.push((
                    &UNTRANSACTED,
                    hit(
                        i,
                        "statement outside the file's BEGIN/COMMIT",
                        UNTRANSACTED.help,
                    ),
                ));
            }
            continue;
        };
        let savepoint = matches!(
            kind,
            TransactionStmtKind::TransStmtSavepoint
                | TransactionStmtKind::TransStmtRelease
                | TransactionStmtKind::TransStmtRollbackTo
        );
        let in_wrapper = wrapper.is_some_and(|(begin, commit)| i == begin || i == commit);
        if in_wrapper || (savepoint && mode == TransactionMode::Single) {
            continue;
        }
        let sql = keyword(kind);
        let problem = match mode {
            TransactionMode::None => hit(
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
        hits.push((&TRANSACTION_CONTROL, problem));
    }
    if let Some((begin, _)) = wrapper {
        if let NodeEnum::TransactionStmt(t) = &statements[begin].node {
            if !t.options.is_empty() {
                hits.push((
                    &TRANSACTION_CONTROL,
                    hit(
                        begin,
                        "`BEGIN` with options: the runner opens the transaction itself",
                        "write `BEGIN;` and put `SET TRANSACTION ...;` as the first statement",
                    ),
                ));
            }
        }
    }

    let refused: Vec<(usize, &str)> = run
        .clone()
        .filter_map(|i| refused_in_transaction(&statements[i].node).map(|what| (i, what)))
        .collect();
    match (mode, no_transaction) {
        (TransactionMode::Single, _) => {
            for (i, what) in refused {
                hits.push((
                    &NEEDS_NO_TRANSACTION,
                    hit(
                        i,
                        &format!("{what} cannot run inside a transaction block"),
                        NEEDS_NO_TRANSACTION.help,
                    ),
                ));
            }
        }
        (TransactionMode::None, Some(at)) if refused.is_empty() => {
            hits.push((
                &UNNEEDED_NO_TRANSACTION,
                Hit::new(
                    at,
                    "`-- migrate:no-transaction`, but no statement needs to run outside a \
                     transaction",
                ),
            ));
        }
        _ => {}
    }
    (Structure { mode, run }, hits)
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
