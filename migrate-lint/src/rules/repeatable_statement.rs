//! `repeatable-statement`: a repeatable migration (`R__{name}.sql`) runs again each time its text
//! changes, on a database that already has what its last version made. Only statements that
//! define an object again by construction belong there: views, functions, procedures, triggers,
//! rules, aggregates and policies (their `OR REPLACE` or earlier `DROP ... IF EXISTS` is what the
//! idempotency rules check, as in any file), privileges, comments, owners, `DROP ... IF EXISTS`
//! of those objects, `DO` blocks (whose statements are checked like any file's), `SET LOCAL` and
//! `set_config`, and the schemas and extensions they need. A table, an index, a type or a row
//! changes once, in order: a versioned migration. A repeatable also runs in one transaction: a
//! `-- migrate:no-transaction` header is refused (see [`no_transaction`]).

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::display_drop;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "repeatable-statement",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "a repeatable migration (`R__{name}.sql`) runs again whenever its text changes: a \
             statement that changes a table, an index, a type or rows does it again on a \
             database that has it, or never reaches one when guarded",
    help: "keep views, functions, procedures, triggers, policies, grants and comments in the \
           repeatable migration; put the change of tables, indexes, types and rows in a \
           versioned migration (`{version}_{name}.sql`)",
    // Reference data kept in a repeatable migration, written to be re-run (`INSERT ... ON
    // CONFLICT DO UPDATE`), is a choice a person can confirm, with its reason.
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "R__reporting.sql",
            "CREATE TABLE IF NOT EXISTS signups (day date, count bigint);
CREATE OR REPLACE VIEW daily_signups AS
    SELECT created_at::date AS day, count(*) AS count FROM users GROUP BY 1;
",
        ),
        good: (
            "R__reporting.sql",
            "CREATE OR REPLACE VIEW daily_signups AS
    SELECT created_at::date AS day, count(*) AS count FROM users GROUP BY 1;
GRANT SELECT ON daily_signups TO PUBLIC;
COMMENT ON VIEW daily_signups IS 'Sign-ups per day';
",
        ),
    }]),
    check: Check::Repeatable(check),
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    // What a `DO` block runs is checked by the other rules, as in any file: the block is the
    // statement that runs again.
    if !ctx.own_text() {
        return Vec::new();
    }
    match refused(ctx.node) {
        Some(what) => vec![ctx
            .hit(format!(
                "`{what}` in a repeatable migration runs again each time the file changes"
            ))
            .help(
                "move the statement to a versioned migration (`{version}_{name}.sql`): a \
                 repeatable migration holds views, functions, procedures, triggers and policies \
                 defined again (with OR REPLACE), grants and comments",
            )],
        None => Vec::new(),
    }
}

/// The kinds of object a repeatable migration defines again, and may drop with `IF EXISTS`.
const REDEFINED: &[ObjectType] = &[
    ObjectType::ObjectView,
    ObjectType::ObjectFunction,
    ObjectType::ObjectProcedure,
    ObjectType::ObjectRoutine,
    ObjectType::ObjectAggregate,
    ObjectType::ObjectTrigger,
    ObjectType::ObjectRule,
    ObjectType::ObjectPolicy,
];

/// How a statement that does not belong in a repeatable migration is named in the message;
/// `None` for one that does.
fn refused(node: &NodeEnum) -> Option<String> {
    let accepted = match node {
        NodeEnum::ViewStmt(_)
        | NodeEnum::CreateFunctionStmt(_)
        | NodeEnum::CreateTrigStmt(_)
        | NodeEnum::RuleStmt(_)
        | NodeEnum::CreatePolicyStmt(_)
        | NodeEnum::AlterPolicyStmt(_)
        | NodeEnum::GrantStmt(_)
        | NodeEnum::GrantRoleStmt(_)
        | NodeEnum::AlterDefaultPrivilegesStmt(_)
        | NodeEnum::CommentStmt(_)
        | NodeEnum::SecLabelStmt(_)
        | NodeEnum::AlterOwnerStmt(_)
        | NodeEnum::DoStmt(_)
        | NodeEnum::VariableSetStmt(_)
        | NodeEnum::CreateSchemaStmt(_)
        | NodeEnum::CreateExtensionStmt(_) => true,
        NodeEnum::DefineStmt(s) => s.kind() == ObjectType::ObjectAggregate,
        // Without `IF EXISTS`, `missing-if-exists` says so, as in any file.
        NodeEnum::DropStmt(s) => REDEFINED.contains(&s.remove_type()),
        NodeEnum::SelectStmt(s) => sets_config_only(s),
        _ => false,
    };
    if accepted {
        return None;
    }
    Some(match node {
        NodeEnum::DropStmt(s) => display_drop(s),
        node => statement_words(node),
    })
}

/// Whether a `SELECT` only calls `set_config` (the function form of `SET LOCAL`), which the
/// `session-setting` rule checks ends with the transaction.
fn sets_config_only(s: &pg_query::protobuf::SelectStmt) -> bool {
    s.into_clause.is_none()
        && s.from_clause.is_empty()
        && !s.target_list.is_empty()
        && s.target_list.iter().all(|target| {
            let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
                return false;
            };
            let Some(NodeEnum::FuncCall(call)) = target.val.as_ref().and_then(|v| v.node.as_ref())
            else {
                return false;
            };
            call.funcname.last().and_then(|n| n.node.as_ref())
                == Some(&NodeEnum::String(pg_query::protobuf::String {
                    sval: "set_config".to_owned(),
                }))
        })
}

/// The statement's leading words as PostgreSQL names its kind (`CREATE TABLE`, `INSERT`).
fn statement_words(node: &NodeEnum) -> String {
    let words = match node {
        NodeEnum::CreateStmt(_) => "CREATE TABLE",
        NodeEnum::CreateTableAsStmt(s) if s.objtype() == ObjectType::ObjectMatview => {
            "CREATE MATERIALIZED VIEW"
        }
        NodeEnum::CreateTableAsStmt(_) => "CREATE TABLE AS",
        NodeEnum::AlterTableStmt(_) => "ALTER TABLE",
        NodeEnum::IndexStmt(_) => "CREATE INDEX",
        NodeEnum::InsertStmt(_) => "INSERT",
        NodeEnum::UpdateStmt(_) => "UPDATE",
        NodeEnum::DeleteStmt(_) => "DELETE",
        NodeEnum::MergeStmt(_) => "MERGE",
        NodeEnum::TruncateStmt(_) => "TRUNCATE",
        NodeEnum::CopyStmt(_) => "COPY",
        NodeEnum::SelectStmt(_) => "SELECT",
        NodeEnum::CreateSeqStmt(_) => "CREATE SEQUENCE",
        NodeEnum::AlterSeqStmt(_) => "ALTER SEQUENCE",
        NodeEnum::CreateEnumStmt(_) => "CREATE TYPE ... AS ENUM",
        NodeEnum::AlterEnumStmt(_) => "ALTER TYPE ... ADD VALUE",
        NodeEnum::CompositeTypeStmt(_) => "CREATE TYPE",
        NodeEnum::CreateDomainStmt(_) => "CREATE DOMAIN",
        NodeEnum::RenameStmt(_) => "ALTER ... RENAME",
        NodeEnum::CallStmt(_) => "CALL",
        NodeEnum::CreateRoleStmt(_) => "CREATE ROLE",
        NodeEnum::RefreshMatViewStmt(_) => "REFRESH MATERIALIZED VIEW",
        NodeEnum::ReindexStmt(_) => "REINDEX",
        NodeEnum::VacuumStmt(_) => "VACUUM or ANALYZE",
        _ => "this statement",
    };
    words.to_owned()
}

/// The finding of a `-- migrate:no-transaction` header (at `at`) in a repeatable migration: it
/// runs in one transaction with the row that records it, so that a failure leaves nothing
/// applied and nothing recorded.
pub(crate) fn no_transaction(at: usize) -> Hit {
    Hit::new(
        at,
        "a repeatable migration runs in one transaction with the row that records it: \
         `-- migrate:no-transaction` is refused",
    )
    .help(
        "remove the header; a statement that cannot run in a transaction (an index built \
         concurrently, a vacuum) belongs in a versioned migration",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check_script_after;
    use crate::rule::{Policy, ScriptKind};

    /// `line:column message` of every finding in a repeatable migration holding `sql`, checked
    /// after `001_init.sql` (the `users` table).
    fn found(sql: &str) -> Vec<String> {
        let (_, diagnostics, _) = check_script_after(
            &[USERS.1],
            "R__x.sql",
            sql,
            ScriptKind::Repeatable,
            &Policy::default(),
        );
        diagnostics
            .into_iter()
            .map(|d| {
                let p = d.position.expect("a position");
                format!("{}:{} {} {}", p.line, p.column, d.rule, d.message)
            })
            .collect()
    }

    #[test]
    fn what_defines_an_object_again_passes() {
        let sql = "CREATE OR REPLACE VIEW v AS SELECT id FROM users;
DROP VIEW IF EXISTS old_v;
CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';
CREATE OR REPLACE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f();
DROP POLICY IF EXISTS own ON users;
CREATE POLICY own ON users USING (true);
GRANT SELECT ON v TO PUBLIC;
REVOKE ALL ON v FROM PUBLIC;
COMMENT ON VIEW v IS 'ids';
ALTER FUNCTION f() OWNER TO CURRENT_USER;
SET LOCAL search_path = public;
SELECT set_config('app.mode', 'x', true);
CREATE SCHEMA IF NOT EXISTS reporting;
DO $$ BEGIN IF to_regclass('x') IS NULL THEN RAISE NOTICE 'none'; END IF; END $$;
";
        assert_eq!(found(sql), Vec::<String>::new());
    }

    #[test]
    fn a_change_of_tables_types_or_rows_is_an_error_naming_it() {
        let sql = "CREATE TABLE IF NOT EXISTS t (id int);
ALTER TABLE users ADD COLUMN IF NOT EXISTS name text;
CREATE INDEX IF NOT EXISTS users_email ON users (email);
INSERT INTO users (email) SELECT 'a' WHERE false;
DROP TABLE IF EXISTS t;
SELECT count(*) FROM users;
";
        let found: Vec<String> = found(sql)
            .into_iter()
            .filter(|f| f.contains(RULE.name))
            .collect();
        assert_eq!(
            found,
            [
                "1:1 repeatable-statement `CREATE TABLE` in a repeatable migration runs again \
                 each time the file changes",
                "2:1 repeatable-statement `ALTER TABLE` in a repeatable migration runs again \
                 each time the file changes",
                "3:1 repeatable-statement `CREATE INDEX` in a repeatable migration runs again \
                 each time the file changes",
                "4:1 repeatable-statement `INSERT` in a repeatable migration runs again each \
                 time the file changes",
                "5:1 repeatable-statement `DROP TABLE IF EXISTS t` in a repeatable migration \
                 runs again each time the file changes",
                "6:1 repeatable-statement `SELECT` in a repeatable migration runs again each \
                 time the file changes",
            ]
        );
    }

    #[test]
    fn the_other_rules_check_a_repeatable_as_any_file_and_its_do_blocks() {
        // Without `OR REPLACE` or `IF EXISTS`, the idempotency rules say so; a `DO` block's
        // statements are checked by the rules of any file, not refused as the block's own.
        let found = found(
            "CREATE VIEW v AS SELECT id FROM users;\n\
             DO $$ BEGIN INSERT INTO users (email) VALUES ('a'); END $$;\n\
             DROP VIEW w;\n",
        );
        assert_eq!(
            found
                .iter()
                .map(|f| f.split(' ').take(2).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>(),
            [
                "1:1 missing-or-replace",
                "2:13 unguarded-insert",
                "3:1 missing-if-exists"
            ]
        );
    }

    #[test]
    fn a_repeatable_without_a_transaction_is_refused() {
        let found = found("-- migrate:no-transaction\nCREATE OR REPLACE VIEW v AS SELECT 1;\n");
        assert!(
            found.iter().any(|f| f.starts_with(
                "1:1 repeatable-statement a repeatable migration runs \
                                       in one transaction"
            )),
            "{found:?}"
        );
    }

    #[test]
    fn versioned_files_are_not_checked_by_it() {
        let (_, diagnostics, _) = check_script_after(
            &[USERS.1],
            "002_x.sql",
            "CREATE TABLE IF NOT EXISTS t (id int);\n",
            ScriptKind::Up,
            &Policy::default(),
        );
        assert!(diagnostics.iter().all(|d| d.rule != RULE.name));
    }
}
