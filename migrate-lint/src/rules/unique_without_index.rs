//! `unique-without-index`: `ALTER TABLE ... ADD PRIMARY KEY` or `ADD UNIQUE` (also as a column
//! constraint of `ADD COLUMN`) builds the unique index in the statement, holding an
//! `ACCESS EXCLUSIVE` lock on the table that blocks reads and writes for the whole build. The
//! index can be built first with `CREATE UNIQUE INDEX CONCURRENTLY` (in a
//! `-- migrate:no-transaction` file), then attached with `ADD CONSTRAINT ... USING INDEX`, which
//! only renames it. `NOT VALID` is no way out: PostgreSQL refuses it for both kinds. A table
//! created earlier in the same file is not reported.

use pg_query::protobuf::{AlterTableType, ConstrType, Constraint, RangeVar};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::{cmd_column, cmd_constraint, display_relation, strings};
use crate::quote::ident;
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "unique-without-index",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ADD PRIMARY KEY` or `ADD UNIQUE` on an existing table builds the index under an \
             `ACCESS EXCLUSIVE` lock that blocks reads and writes",
    help: "build the index with `CREATE UNIQUE INDEX CONCURRENTLY` in a migration that starts \
           with `-- migrate:no-transaction`, then `ADD CONSTRAINT ... USING INDEX` in a later \
           migration",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_users_email_unique.sql",
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_key;
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
",
        ),
        good: (
            "002_users_email_unique.sql",
            "-- migrate:no-transaction
-- 003 adds the constraint: ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.existing_table_cmds()
        .flat_map(|(relation, cmd, _)| {
            match cmd.subtype() {
                AlterTableType::AtAddConstraint => cmd_constraint(cmd)
                    .map(|c| (c, strings(&c.keys), None))
                    .into_iter()
                    .collect(),
                AlterTableType::AtAddColumn => cmd_column(cmd)
                    .map(|column| {
                        column
                            .constraints
                            .iter()
                            .filter_map(|n| match n.node.as_ref() {
                                Some(NodeEnum::Constraint(c)) => Some((
                                    &**c,
                                    vec![column.colname.clone()],
                                    Some(&column.colname),
                                )),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => Vec::new(),
            }
            .into_iter()
            .filter_map(move |(c, columns, added)| key_hit(ctx, relation, c, &columns, added))
        })
        .collect()
}

/// The finding for one `PRIMARY KEY` or `UNIQUE` constraint that builds its own index; `added`
/// is the column when the constraint belongs to an `ADD COLUMN`.
fn key_hit(
    ctx: &StatementCtx<'_>,
    relation: &RangeVar,
    c: &Constraint,
    columns: &[String],
    added: Option<&String>,
) -> Option<Hit> {
    let (kind, suffix) = match c.contype() {
        ConstrType::ConstrPrimary => ("PRIMARY KEY", "pkey".to_owned()),
        ConstrType::ConstrUnique => ("UNIQUE", format!("{}_key", columns.join("_"))),
        _ => return None,
    };
    if !c.indexname.is_empty() {
        return None;
    }
    let table = display_relation(Some(relation));
    let name = if c.conname.is_empty() {
        ident(&format!("{}_{suffix}", relation.relname))
    } else {
        ident(&c.conname)
    };
    let list: Vec<String> = columns.iter().map(|col| ident(col)).collect();
    let list = if list.is_empty() {
        "...".to_owned()
    } else {
        list.join(", ")
    };
    let first = added.map_or_else(String::new, |col| {
        format!(
            "write `ALTER TABLE {table} ADD COLUMN {} ...` without `{kind}`; then ",
            ident(col)
        )
    });
    let not_null = if kind == "PRIMARY KEY" {
        " (with its columns already `NOT NULL`, or it scans the table to set them)"
    } else {
        ""
    };
    Some(
        Hit::new(
            ctx.at(c.location),
            format!(
                "`{kind} ({list})` on `{table}` builds its index under an `ACCESS EXCLUSIVE` \
                 lock that blocks reads and writes to `{table}` for the whole build"
            ),
        )
        .help(format!(
            "{first}write `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} \
             ({list})` in a migration of its own that starts with `-- migrate:no-transaction`, \
             then `ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name}` in a \
             later migration{not_null}"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, helps, passes};

    #[test]
    fn fires_on_keys_that_build_their_index_on_existing_tables() {
        for sql in [
            "ALTER TABLE users ADD PRIMARY KEY (id);",
            "ALTER TABLE app.users ADD CONSTRAINT users_email_key UNIQUE (email);",
            "ALTER TABLE users ADD UNIQUE (email) DEFERRABLE INITIALLY DEFERRED;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS code text UNIQUE;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS code text CONSTRAINT c PRIMARY KEY;",
            "CREATE TABLE IF NOT EXISTS other (id int);\nALTER TABLE users ADD PRIMARY KEY (id);",
        ] {
            fires(&RULE, sql);
        }
        let down = "ALTER TABLE users ADD PRIMARY KEY (id);";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn points_at_each_key_and_never_advises_not_valid() {
        let sql = "ALTER TABLE app.\"Users\"\n  ADD PRIMARY KEY (id),\n  \
                   ADD CONSTRAINT users_email_key UNIQUE (email, \"Org\"),\n  \
                   ADD COLUMN code text UNIQUE;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].0, found[0].1), (2, 7));
        assert_eq!((found[1].0, found[1].1), (3, 7));
        assert_eq!(
            found[0].2,
            "`PRIMARY KEY (id)` on `app.\"Users\"` builds its index under an `ACCESS EXCLUSIVE` \
             lock that blocks reads and writes to `app.\"Users\"` for the whole build"
        );
        let helps = helps(&RULE, sql);
        assert_eq!(
            helps,
            [
                "write `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Users_pkey\" ON \
                 app.\"Users\" (id)` in a migration of its own that starts with \
                 `-- migrate:no-transaction`, then `ALTER TABLE app.\"Users\" ADD CONSTRAINT \
                 \"Users_pkey\" PRIMARY KEY USING INDEX \"Users_pkey\"` in a later migration \
                 (with its columns already `NOT NULL`, or it scans the table to set them)",
                "write `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON \
                 app.\"Users\" (email, \"Org\")` in a migration of its own that starts with \
                 `-- migrate:no-transaction`, then `ALTER TABLE app.\"Users\" ADD CONSTRAINT \
                 users_email_key UNIQUE USING INDEX users_email_key` in a later migration",
                "write `ALTER TABLE app.\"Users\" ADD COLUMN code ...` without `UNIQUE`; then \
                 write `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"Users_code_key\" ON \
                 app.\"Users\" (code)` in a migration of its own that starts with \
                 `-- migrate:no-transaction`, then `ALTER TABLE app.\"Users\" ADD CONSTRAINT \
                 \"Users_code_key\" UNIQUE USING INDEX \"Users_code_key\"` in a later migration",
            ]
        );
        assert!(helps.iter().all(|h| !h.contains("NOT VALID")));
    }

    #[test]
    fn passes_using_index_other_constraints_new_tables_text_and_allowed() {
        for sql in [
            "ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id;",
            "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS code text NOT NULL DEFAULT '';",
            "ALTER TABLE users ADD CONSTRAINT positive CHECK (id > 0) NOT VALID;",
            "ALTER TABLE users DROP CONSTRAINT IF EXISTS users_pkey;",
            "CREATE TABLE IF NOT EXISTS users (id int);\nALTER TABLE users ADD PRIMARY KEY (id);",
            "CREATE TABLE IF NOT EXISTS app.users (id int);\n\
             ALTER TABLE users ADD COLUMN code text UNIQUE;",
            "CREATE TABLE IF NOT EXISTS users (id int PRIMARY KEY, email text UNIQUE);",
            "SELECT 'ALTER TABLE users ADD PRIMARY KEY (id)';",
            "-- ALTER TABLE users ADD PRIMARY KEY (id);\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(unique-without-index) reviewed\nDO $$ BEGIN ALTER TABLE users ADD PRIMARY KEY (id); END $$;",
            "-- migrate:allow(unique-without-index) ten rows\n\
             ALTER TABLE users ADD UNIQUE (email);",
        ] {
            passes(&RULE, sql);
        }
    }
}
