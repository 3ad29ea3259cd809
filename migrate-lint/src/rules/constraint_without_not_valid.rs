//! `constraint-without-not-valid`: `ALTER TABLE ... ADD CONSTRAINT` of a `FOREIGN KEY` or a
//! `CHECK` reads every row of the table to validate it, while holding a lock that blocks writes
//! (and, for a foreign key, also writes to the referenced table). `ADD CONSTRAINT ... NOT VALID`
//! is instant: it enforces the constraint for new rows only. `VALIDATE CONSTRAINT`, in a later
//! migration, then checks the old rows under a lock that lets reads and writes go on. A `CHECK` on
//! a column added by `ADD COLUMN` is checked on every row too (even when the new column is `NULL`
//! in all of them), under `ADD COLUMN`'s `ACCESS EXCLUSIVE` lock that also blocks reads; a column
//! constraint cannot be `NOT VALID`, so the fix is the column without it, then the constraint.
//! `ADD COLUMN ... DEFAULT ... REFERENCES` is the same for a foreign key (it also takes a
//! `SHARE ROW EXCLUSIVE` lock on the referenced table); without a default every value of the new
//! column is `NULL` and PostgreSQL skips the check (`tests/tests/rewrites.rs`). `ALTER DOMAIN ... ADD CONSTRAINT ... CHECK`
//! checks every column of the domain's type, under a `SHARE` lock on each table. A table or
//! domain created earlier in the same file is empty and not reported. (`CREATE TABLE ...
//! REFERENCES` also takes `SHARE ROW EXCLUSIVE` on the referenced table, but only for the
//! instant it takes to create an empty table, and no form avoids it: not reported.)

use pg_query::protobuf::{
    AlterDomainStmt, AlterTableType, ColumnDef, ConstrType, Constraint, ObjectType, RangeVar,
};
use pg_query::{Node, NodeEnum};

use super::examples::ORDERS;
use crate::diagnostic::{Hit, Severity};
use crate::objects::{cmd_column, cmd_constraint, display_relation, strings, ObjectKey};
use crate::quote::{ident, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "constraint-without-not-valid",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "adding a `FOREIGN KEY` or `CHECK` constraint to an existing table (also with \
             `ADD COLUMN ... CHECK` or `... DEFAULT ... REFERENCES`), or a `CHECK` to an existing domain, \
             scans all the rows while blocking writes",
    help: "add the constraint with `NOT VALID` (after an `ADD COLUMN` without it), then \
           `VALIDATE CONSTRAINT` it in a later migration",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[
            USERS,
            ORDERS,
        ],
        bad: (
            "003_orders_user_fk.sql",
            "ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey;
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
",
        ),
        good: (
            "003_orders_user_fk.sql",
            "-- Validated in 004 without blocking writes.
ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_user_id_fkey;
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    if let NodeEnum::AlterDomainStmt(s) = ctx.node {
        return domain_check(ctx, s).into_iter().collect();
    }
    ctx.existing_table_cmds()
        .flat_map(|(relation, cmd, _)| {
            match cmd.subtype() {
                AlterTableType::AtAddConstraint => {
                    cmd_constraint(cmd).map(|c| (c, None)).into_iter().collect()
                }
                AlterTableType::AtAddColumn => cmd_column(cmd)
                    .map(|column| {
                        column
                            .constraints
                            .iter()
                            .filter_map(|n| match n.node.as_ref() {
                                Some(NodeEnum::Constraint(c))
                                    if c.contype() == ConstrType::ConstrCheck
                                        || (c.contype() == ConstrType::ConstrForeign
                                            && has_default(column)) =>
                                {
                                    Some((&**c, Some(&column.colname)))
                                }
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            }
            .into_iter()
            .filter(|(c, _)| !c.skip_validation && c.is_enforced)
            .filter_map(move |(c, column)| constraint_hit(ctx, relation, c, column))
        })
        .collect()
}

/// Whether an added column has a default other than `NULL`: PostgreSQL then checks a foreign
/// key on it against every row; without one every value is `NULL` and it skips the check.
fn has_default(column: &ColumnDef) -> bool {
    let null = |e: &Node| matches!(e.node.as_ref(), Some(NodeEnum::AConst(c)) if c.isnull);
    column.raw_default.as_deref().is_some_and(|e| !null(e))
        || column.constraints.iter().any(|n| {
            matches!(n.node.as_ref(), Some(NodeEnum::Constraint(c))
                if c.contype() == ConstrType::ConstrDefault
                    && c.raw_expr.as_deref().is_some_and(|e| !null(e)))
        })
}

/// The finding for one `FOREIGN KEY` or `CHECK` constraint validated as it is added; `column` is
/// the column when the constraint belongs to an `ADD COLUMN` (which cannot be `NOT VALID`).
fn constraint_hit(
    ctx: &StatementCtx<'_>,
    relation: &RangeVar,
    c: &Constraint,
    column: Option<&String>,
) -> Option<Hit> {
    let kind = match c.contype() {
        ConstrType::ConstrForeign => "FOREIGN KEY",
        ConstrType::ConstrCheck => "CHECK",
        _ => return None,
    };
    let table = display_relation(Some(relation));
    let suffix = if kind == "CHECK" { "check" } else { "fkey" };
    let name = match (c.conname.is_empty(), column) {
        (false, _) => ident(&c.conname),
        (true, Some(column)) => ident(&format!("{}_{column}_{suffix}", relation.relname)),
        (true, None) => "<name>".to_owned(),
    };
    let then = format!(
        "`ALTER TABLE {table} ADD CONSTRAINT {name} {kind} ... NOT VALID`, then \
         `ALTER TABLE {table} VALIDATE CONSTRAINT {name}` in a later migration"
    );
    let Some(column) = column else {
        let what = if c.conname.is_empty() {
            format!("`{kind}` constraint")
        } else {
            format!("`{kind}` constraint `{name}`")
        };
        return Some(
            Hit::new(
                ctx.at(c.location),
                format!(
                    "adding the {what} to `{table}` without `NOT VALID` scans the whole table \
                     while blocking writes"
                ),
            )
            .help(format!("write {then}")),
        );
    };
    let column = ident(column);
    let (written, referenced) = if kind == "CHECK" {
        ("CHECK", "")
    } else {
        ("REFERENCES", " (and writes to the table it references)")
    };
    Some(
        Hit::new(
            ctx.at(c.location),
            format!(
                "`ADD COLUMN {column} ... {written}` checks every row of `{table}` under the \
                 `ACCESS EXCLUSIVE` lock of `ADD COLUMN`, which blocks reads and \
                 writes{referenced}"
            ),
        )
        .help(format!(
            "write `ALTER TABLE {table} ADD COLUMN {column} ...` without the `{written}`, then \
             {then}"
        )),
    )
}

/// `ALTER DOMAIN d ADD CONSTRAINT c CHECK (...)` of a domain not created earlier in the file:
/// PostgreSQL checks every column of the domain's type in every table, under a `SHARE` lock on
/// each (checked with `pg_locks`). `NOT VALID` is instant; the later `VALIDATE CONSTRAINT`
/// scans under the same `SHARE` lock (PostgreSQL 15), but in a migration of its own.
fn domain_check(ctx: &StatementCtx<'_>, s: &AlterDomainStmt) -> Option<Hit> {
    let Some(NodeEnum::Constraint(c)) = s.def.as_deref().and_then(|d| d.node.as_ref()) else {
        return None;
    };
    let name = strings(&s.type_name);
    if s.subtype != "C"
        || c.contype() != ConstrType::ConstrCheck
        || c.skip_validation
        || ctx
            .earlier
            .created(&ObjectKey::new(ObjectType::ObjectDomain, name.clone()))
    {
        return None;
    }
    let domain = qualified(&name);
    let constraint = if c.conname.is_empty() {
        "<name>".to_owned()
    } else {
        ident(&c.conname)
    };
    Some(
        Hit::new(
            ctx.at(c.location),
            format!(
                "adding a `CHECK` constraint to the domain `{domain}` without `NOT VALID` checks \
                 every column of that type in every table, under a `SHARE` lock that blocks \
                 writes to them"
            ),
        )
        .help(format!(
            "write `ALTER DOMAIN {domain} ADD CONSTRAINT {constraint} CHECK ... NOT VALID` \
             (instant: it checks new values), then `ALTER DOMAIN {domain} VALIDATE CONSTRAINT \
             {constraint}` in a later migration, where its scan holds no other lock of this one"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, helps, passes};

    #[test]
    fn fires_on_foreign_keys_and_checks_of_existing_tables() {
        for sql in [
            "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) \
             REFERENCES users (id);",
            "ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users;",
            "ALTER TABLE app.orders ADD CONSTRAINT positive CHECK (amount > 0);",
            "ALTER TABLE orders ADD CHECK (amount > 0) NO INHERIT;",
            "CREATE TABLE IF NOT EXISTS users (id int);\n\
             ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users;",
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount int CHECK (amount > 0);",
            "ALTER TABLE app.orders ADD COLUMN amount int NOT NULL DEFAULT 1 \
             CONSTRAINT positive CHECK (amount > 0);",
        ] {
            fires(&RULE, sql);
        }
        let down = "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn points_at_each_constraint_and_says_what_to_write() {
        let sql = "ALTER TABLE orders\n  ADD CONSTRAINT positive CHECK (amount > 0),\n  \
                   ADD CONSTRAINT ok CHECK (amount < 10) NOT VALID,\n  \
                   ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (2, 7));
        assert_eq!(
            found[0].2,
            "adding the `CHECK` constraint `positive` to `orders` without `NOT VALID` scans the \
             whole table while blocking writes"
        );
        assert_eq!((found[1].0, found[1].1), (4, 7));
        let (_, diagnostics, _) = crate::check::check_script(
            "t.sql",
            sql,
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let helps: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.rule == RULE.name)
            .map(|d| d.help.as_str())
            .collect();
        assert_eq!(
            helps[1],
            "write `ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY ... NOT VALID`, \
             then `ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk` in a later migration"
        );
    }

    #[test]
    fn a_check_on_an_added_column_is_split_in_the_fix() {
        let sql = "ALTER TABLE app.\"Orders\" ADD COLUMN amount int CHECK (amount > 0), \
                   ADD COLUMN note text;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (1, 48));
        assert_eq!(
            found[0].2,
            "`ADD COLUMN amount ... CHECK` checks every row of `app.\"Orders\"` under the \
             `ACCESS EXCLUSIVE` lock of `ADD COLUMN`, which blocks reads and writes"
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `ALTER TABLE app.\"Orders\" ADD COLUMN amount ...` without the `CHECK`, \
              then `ALTER TABLE app.\"Orders\" ADD CONSTRAINT \"Orders_amount_check\" CHECK \
              ... NOT VALID`, then `ALTER TABLE app.\"Orders\" VALIDATE CONSTRAINT \
              \"Orders_amount_check\"` in a later migration"
            ]
        );
    }

    #[test]
    fn a_foreign_key_on_an_added_column_is_split_in_the_fix() {
        let sql = "ALTER TABLE orders ADD COLUMN IF NOT EXISTS user_id bigint DEFAULT 1 \
                   REFERENCES users;";
        assert_eq!(
            fires(&RULE, sql),
            "`ADD COLUMN user_id ... REFERENCES` checks every row of `orders` under the `ACCESS \
             EXCLUSIVE` lock of `ADD COLUMN`, which blocks reads and writes (and writes to the \
             table it references)"
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `ALTER TABLE orders ADD COLUMN user_id ...` without the `REFERENCES`, then \
              `ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY ... NOT \
              VALID`, then `ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey` in a \
              later migration"
            ]
        );
    }

    #[test]
    fn a_check_added_to_an_existing_domain() {
        let sql = "ALTER DOMAIN app.positive ADD CONSTRAINT positive_check CHECK (VALUE > 0);";
        assert_eq!(
            findings(&RULE, sql),
            [(
                1,
                31,
                "adding a `CHECK` constraint to the domain `app.positive` without `NOT VALID` \
                 checks every column of that type in every table, under a `SHARE` lock that \
                 blocks writes to them"
                    .to_owned()
            )]
        );
        assert_eq!(
            helps(&RULE, sql),
            [
                "write `ALTER DOMAIN app.positive ADD CONSTRAINT positive_check CHECK ... NOT \
              VALID` (instant: it checks new values), then `ALTER DOMAIN app.positive VALIDATE \
              CONSTRAINT positive_check` in a later migration, where its scan holds no other \
              lock of this one"
            ]
        );
        fires(&RULE, "ALTER DOMAIN d ADD CHECK (VALUE <> '');");
        for sql in [
            "ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0) NOT VALID;",
            "ALTER DOMAIN d VALIDATE CONSTRAINT c;",
            "ALTER DOMAIN d SET NOT NULL;",
            "ALTER DOMAIN d DROP CONSTRAINT IF EXISTS c;",
            "DROP DOMAIN IF EXISTS d;\nCREATE DOMAIN d AS int;\n\
             ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE > 0);",
        ] {
            passes(&RULE, sql);
        }
    }

    #[test]
    fn passes_not_valid_other_constraints_new_tables_text_and_allowed() {
        for sql in [
            "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users \
             NOT VALID;",
            "ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0) NOT VALID;",
            "ALTER TABLE orders VALIDATE CONSTRAINT positive;",
            "ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0) NOT ENFORCED;",
            "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id;",
            "CREATE TABLE IF NOT EXISTS orders (id int, user_id int);\n\
             ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users;",
            "CREATE TABLE IF NOT EXISTS orders (id int, user_id int REFERENCES users, \
             CHECK (id > 0));",
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS amount int NOT NULL DEFAULT 0;",
            "ALTER TABLE orders ADD COLUMN IF NOT EXISTS code text UNIQUE;",
            "CREATE TABLE IF NOT EXISTS orders (id int);\n\
             ALTER TABLE orders ADD COLUMN user_id int DEFAULT 1 REFERENCES users;",
            "ALTER TABLE orders ADD COLUMN user_id int REFERENCES users;",
            "ALTER TABLE orders ADD COLUMN user_id int DEFAULT NULL REFERENCES users;",
            "CREATE TABLE IF NOT EXISTS orders (id int);\n\
             ALTER TABLE orders ADD COLUMN amount int CHECK (amount > 0);",
            "SELECT 'ALTER TABLE orders ADD CHECK (amount > 0)';",
            "-- ALTER TABLE orders ADD CHECK (amount > 0);\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(constraint-without-not-valid) reviewed\nDO $$ BEGIN ALTER TABLE orders ADD CHECK (amount > 0); END $$;",
            "-- migrate:allow(constraint-without-not-valid) small table\n\
             ALTER TABLE orders ADD CONSTRAINT positive CHECK (amount > 0);",
        ] {
            passes(&RULE, sql);
        }
    }
}
