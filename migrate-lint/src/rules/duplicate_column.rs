//! `duplicate-column`: a column named twice in one `CREATE TABLE`, one `ALTER TABLE` (two `ADD
//! COLUMN`), one `INSERT` column list or one `UPDATE ... SET` parses, but PostgreSQL rejects the
//! statement when it runs (42701 "specified more than once", "already exists", "multiple
//! assignments to same column"). A second `ADD COLUMN IF NOT EXISTS` is skipped, and assignments
//! to different elements or fields of one column (`SET a[1] = 1, a[2] = 2`) are fine: neither is
//! reported.

use pg_query::protobuf::{AlterTableType, ResTarget};
use pg_query::{Node, NodeEnum};

use super::examples::ORDERS;
use crate::diagnostic::{Hit, Severity};
use crate::objects::cmd_column;
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "duplicate-column",
    family: Family::Syntax,
    severity: Severity::Error,
    reason: "a column named twice in `CREATE TABLE`, in the `ADD COLUMN`s of one `ALTER TABLE`, \
             in an `INSERT` column list or in an `UPDATE ... SET` makes PostgreSQL reject the \
             statement (42701)",
    help: "remove the second one, or rename it",
    allowable: false,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL,
    user_id bigint
);
",
        ),
        good: ORDERS,
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    // Each name, where it is, and whether PostgreSQL skips it when it is there already.
    let (what, named): (&str, Vec<(&str, usize, bool)>) = match ctx.node {
        NodeEnum::CreateStmt(s) => (
            "is defined twice in `CREATE TABLE`",
            s.table_elts
                .iter()
                .filter_map(|e| match e.node.as_ref() {
                    Some(NodeEnum::ColumnDef(c)) => {
                        Some((c.colname.as_str(), ctx.at(c.location), false))
                    }
                    _ => None,
                })
                .collect(),
        ),
        NodeEnum::AlterTableStmt(_) => (
            "is added twice by one `ALTER TABLE`",
            ctx.alter_table_cmds_at()
                .into_iter()
                .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAddColumn)
                .filter_map(|(_, cmd, at)| {
                    cmd_column(cmd).map(|c| (c.colname.as_str(), at, cmd.missing_ok))
                })
                .collect(),
        ),
        NodeEnum::InsertStmt(s) => (
            "is named twice in the `INSERT` column list",
            whole_columns(ctx, &s.cols),
        ),
        NodeEnum::UpdateStmt(s) => (
            "is set twice by `UPDATE`",
            whole_columns(ctx, &s.target_list),
        ),
        _ => return Vec::new(),
    };
    named
        .iter()
        .enumerate()
        .filter(|&(i, (name, _, skipped))| {
            !skipped && named[..i].iter().any(|(earlier, ..)| earlier == name)
        })
        .map(|(_, &(name, at, _))| {
            Hit::new(
                at,
                format!(
                    "column `{}` {what}: PostgreSQL rejects the statement",
                    ident(name)
                ),
            )
        })
        .collect()
}

/// The columns of a target list assigned as a whole (not `a[1]` or `a.field`).
fn whole_columns<'a>(ctx: &StatementCtx<'_>, targets: &'a [Node]) -> Vec<(&'a str, usize, bool)> {
    targets
        .iter()
        .filter_map(|t| match t.node.as_ref() {
            Some(NodeEnum::ResTarget(t)) if t.indirection.is_empty() => Some(&**t),
            _ => None,
        })
        .map(|t: &ResTarget| (t.name.as_str(), ctx.at(t.location), false))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, passes};

    /// Each checked on PostgreSQL: it fails with 42701.
    #[test]
    fn fires_on_a_column_named_twice() {
        let sql = "CREATE TABLE IF NOT EXISTS t (\n  a int,\n  b int,\n  a text\n);";
        assert_eq!(
            findings(&RULE, sql),
            [(
                4,
                3,
                "column `a` is defined twice in `CREATE TABLE`: PostgreSQL rejects the statement"
                    .to_owned()
            )]
        );
        for sql in [
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ADD COLUMN a text;",
            "INSERT INTO t (a, b, a) VALUES (1, 2, 3);",
            "UPDATE t SET a = 1, a = 2;",
            "UPDATE t SET (a, b) = (1, 2), a = 3;",
            "DO $$ BEGIN UPDATE t SET \"A\" = 1, \"A\" = 2; END $$;",
        ] {
            assert_eq!(findings(&RULE, sql).len(), 1, "{sql}");
        }
    }

    #[test]
    fn passes_distinct_columns_and_parts_of_one_column() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS t (a int, \"A\" int, b int);",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ALTER COLUMN a SET NOT NULL;",
            // PostgreSQL skips the second one with a notice.
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a int, ADD COLUMN IF NOT EXISTS a text;",
            "INSERT INTO t (a, b) VALUES (1, 2);",
            "UPDATE t SET a[1] = 1, a[2] = 2;",
            "UPDATE t SET a = 1, b = a;",
            "SELECT a, a FROM t;",
        ] {
            passes(&RULE, sql);
        }
    }
}
