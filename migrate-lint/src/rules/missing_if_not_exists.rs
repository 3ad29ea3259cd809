//! `missing-if-not-exists`: a `CREATE` or `ADD` that has an `IF NOT EXISTS` form but does not use
//! it fails when the migration runs a second time (after a partial apply, or against a database
//! that already has the object). A `CREATE TEMP TABLE ... ON COMMIT DROP` is not reported: the
//! table is gone when the transaction that created it commits.

use pg_query::protobuf::{AlterTableType, ObjectType, RangeVar};
use pg_query::NodeEnum;

use super::examples::ORDERS;
use crate::diagnostic::{Hit, Severity};
use crate::fix::{Edit, Fix};
use crate::objects::{
    alter_table_cmds, column_key, display_relation, on_commit_drop, relation_name, strings,
    ObjectKey,
};
use crate::quote::{ident, literal, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "missing-if-not-exists",
    family: Family::Idempotency,
    severity: Severity::Error,
    reason: "`CREATE TABLE/INDEX/SCHEMA/SEQUENCE/EXTENSION/MATERIALIZED VIEW/FOREIGN \
             TABLE/SERVER`, `ADD COLUMN` and `ADD VALUE` without `IF NOT EXISTS` fail when the \
             object already exists",
    help: "add `IF NOT EXISTS`",
    allowable: true,
    autofix: Some("adds `IF NOT EXISTS`"),
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_add_orders.sql",
            "CREATE TABLE orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL
);
",
        ),
        good: ORDERS,
    }]),
    check: Check::Statement {
        down_files: false,
        check,
    },
};

/// The fix: `IF NOT EXISTS` inserted at `at` (`text` spaced for where it goes).
fn insert(at: Option<usize>, text: &str) -> Option<Fix> {
    at.map(|at| Fix::edits("add `IF NOT EXISTS`", vec![Edit::insert(at, text)]))
}

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    // `IF NOT EXISTS` goes right after the keyword that names the kind of object.
    let after = |words: &[&str]| insert(ctx.after_words(ctx.start(), words), " IF NOT EXISTS");
    let missing = |what: &str, name: &str, fixed: &str, key: Option<ObjectKey>, fix| {
        if key.is_some_and(|k| ctx.earlier.removed(&k, None)) {
            return None;
        }
        Some(
            ctx.hit(format!(
                "`{what} {name}` without `IF NOT EXISTS` fails when it already exists"
            ))
            .help(format!("write `{fixed} {name}`"))
            .fix(fix),
        )
    };
    let hit = match ctx.node {
        // Gone when the migration's transaction commits (in a file without one, at once).
        node if on_commit_drop(node).is_some() => None,
        NodeEnum::CreateForeignTableStmt(f)
            if f.base_stmt.as_ref().is_some_and(|s| !s.if_not_exists) =>
        {
            let relation = f.base_stmt.as_ref().and_then(|s| s.relation.as_ref());
            let key =
                relation.map(|r| ObjectKey::new(ObjectType::ObjectForeignTable, relation_name(r)));
            missing(
                "CREATE FOREIGN TABLE",
                &display_relation(relation),
                "CREATE FOREIGN TABLE IF NOT EXISTS",
                key,
                after(&["TABLE"]),
            )
        }
        NodeEnum::CreateForeignServerStmt(s) if !s.if_not_exists => missing(
            "CREATE SERVER",
            &ident(&s.servername),
            "CREATE SERVER IF NOT EXISTS",
            Some(ObjectKey::new(
                ObjectType::ObjectForeignServer,
                vec![s.servername.clone()],
            )),
            after(&["SERVER"]),
        ),
        NodeEnum::CreateStmt(s) if !s.if_not_exists => {
            let name = display_relation(s.relation.as_ref());
            let key = s
                .relation
                .as_ref()
                .map(|r| ObjectKey::new(ObjectType::ObjectTable, relation_name(r)));
            missing(
                "CREATE TABLE",
                &name,
                "CREATE TABLE IF NOT EXISTS",
                key,
                after(&["TABLE"]),
            )
        }
        // An unnamed index cannot use IF NOT EXISTS: `unnamed-index` reports it.
        // An index on a table or materialized view the file dropped earlier went with it.
        NodeEnum::IndexStmt(s)
            if s.relation
                .as_ref()
                .is_some_and(|r| ctx.earlier.dropped_relation(r)) =>
        {
            None
        }
        NodeEnum::IndexStmt(s) if !s.if_not_exists && !s.idxname.is_empty() => {
            let keyword = if s.unique {
                "CREATE UNIQUE INDEX"
            } else {
                "CREATE INDEX"
            };
            let fixed = format!(
                "{keyword}{} IF NOT EXISTS",
                if s.concurrent { " CONCURRENTLY" } else { "" }
            );
            let key = ObjectKey::new(ObjectType::ObjectIndex, vec![s.idxname.clone()]);
            let at = ctx.after_words(ctx.start(), &["INDEX"]);
            let at = match s.concurrent {
                true => at.and_then(|at| ctx.after_words_at(at, &["CONCURRENTLY"])),
                false => at,
            };
            let fix = insert(at, " IF NOT EXISTS");
            missing(keyword, &ident(&s.idxname), &fixed, Some(key), fix)
        }
        NodeEnum::CreateSchemaStmt(s) if !s.if_not_exists => {
            let key = ObjectKey::new(ObjectType::ObjectSchema, vec![s.schemaname.clone()]);
            missing(
                "CREATE SCHEMA",
                &ident(&s.schemaname),
                "CREATE SCHEMA IF NOT EXISTS",
                Some(key),
                after(&["SCHEMA"]),
            )
        }
        NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => {
            let name = display_relation(s.sequence.as_ref());
            let key = s
                .sequence
                .as_ref()
                .map(|r| ObjectKey::new(ObjectType::ObjectSequence, relation_name(r)));
            missing(
                "CREATE SEQUENCE",
                &name,
                "CREATE SEQUENCE IF NOT EXISTS",
                key,
                after(&["SEQUENCE"]),
            )
        }
        NodeEnum::CreateExtensionStmt(s) if !s.if_not_exists => missing(
            "CREATE EXTENSION",
            &ident(&s.extname),
            "CREATE EXTENSION IF NOT EXISTS",
            Some(ObjectKey::new(
                ObjectType::ObjectExtension,
                vec![s.extname.clone()],
            )),
            after(&["EXTENSION"]),
        ),
        NodeEnum::CreateTableAsStmt(s) if !s.if_not_exists => {
            let relation = s.into.as_ref().and_then(|i| i.rel.as_ref());
            let name = display_relation(relation);
            let (what, kind, keyword) = match s.objtype() {
                ObjectType::ObjectMatview => (
                    "CREATE MATERIALIZED VIEW",
                    ObjectType::ObjectMatview,
                    "VIEW",
                ),
                _ => ("CREATE TABLE", ObjectType::ObjectTable, "TABLE"),
            };
            let key = relation.map(|r| ObjectKey::new(kind, relation_name(r)));
            let fixed = format!("{what} IF NOT EXISTS");
            missing(what, &name, &fixed, key, after(&[keyword]))
        }
        // `RENAME VALUE` sets `old_val` too; it has no `IF NOT EXISTS` form (see `non-idempotent`).
        NodeEnum::AlterEnumStmt(s)
            if !s.new_val.is_empty() && s.old_val.is_empty() && !s.skip_if_new_val_exists =>
        {
            let name = qualified(&strings(&s.type_name));
            let value = literal(&s.new_val);
            Some(
                ctx.hit(format!(
                    "`ALTER TYPE {name} ADD VALUE {value}` without `IF NOT EXISTS` fails when \
                     the value already exists"
                ))
                .help(format!(
                    "write `ALTER TYPE {name} ADD VALUE IF NOT EXISTS {value}`"
                ))
                .fix(after(&["ADD", "VALUE"])),
            )
        }
        _ => None,
    };
    // `ALTER TYPE ... ADD ATTRIBUTE` is an `ADD COLUMN` to a composite type, without an
    // `IF NOT EXISTS` form.
    // A column dropped before, by an earlier sub-command of the statement or an earlier
    // statement of the file, is gone when the second run adds it again; so is one that a later
    // statement drops (or renames to a name dropped before) and none adds again: the first run
    // ended without it, and the second run removes it again.
    let is_type =
        matches!(ctx.node, NodeEnum::AlterTableStmt(s) if s.objtype() == ObjectType::ObjectType);
    let cmds: Vec<_> = alter_table_cmds(ctx.node).collect();
    let dropped_before = |i: usize, relation: Option<&RangeVar>, name: &str| {
        let table = relation.map(relation_name).unwrap_or_default();
        cmds[..i]
            .iter()
            .any(|(_, cmd)| cmd.subtype() == AlterTableType::AtDropColumn && cmd.name == name)
            || ctx.earlier.dropped(&column_key(&table, name))
            || ctx.earlier.column_dropped_later(&table, name)
    };
    let add_columns = cmds
        .iter()
        .enumerate()
        .filter(|_| !is_type)
        .filter(|(_, (_, cmd))| cmd.subtype() == AlterTableType::AtAddColumn && !cmd.missing_ok)
        .filter_map(
            |(i, &(relation, cmd))| match cmd.def.as_ref()?.node.as_ref()? {
                NodeEnum::ColumnDef(column) if !dropped_before(i, relation, &column.colname) => {
                    Some((relation, column))
                }
                _ => None,
            },
        )
        .map(|(relation, column)| {
            Hit::new(
                ctx.at(column.location),
                format!(
                    "`ADD COLUMN {}` to `{}` without `IF NOT EXISTS` fails when the column \
                     already exists",
                    ident(&column.colname),
                    display_relation(relation)
                ),
            )
            .help(format!(
                "write `ADD COLUMN IF NOT EXISTS {}`",
                ident(&column.colname)
            ))
            .fix(insert(
                ctx.own_text().then(|| ctx.at(column.location)),
                "IF NOT EXISTS ",
            ))
        });
    hit.into_iter().chain(add_columns).collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rules::testing::{findings, fires, fixed, passes};

    #[test]
    fn fires_on_creates_without_if_not_exists() {
        for sql in [
            "CREATE TABLE users (id bigint PRIMARY KEY);",
            "CREATE UNLOGGED TABLE app.cache (k text);",
            "CREATE INDEX users_email ON users (email);",
            "CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);",
            "CREATE SCHEMA app;",
            "CREATE SEQUENCE ids;",
            "CREATE EXTENSION pgcrypto;",
            "CREATE MATERIALIZED VIEW totals AS SELECT 1 AS n;",
            "CREATE TABLE copy AS SELECT 1 AS n;",
            "ALTER TYPE mood ADD VALUE 'meh';",
            // A temporary table that outlives the transaction, or a table kept after it.
            "CREATE TEMP TABLE staging (id int);",
            "CREATE TEMP TABLE staging (id int) ON COMMIT DELETE ROWS;",
            "CREATE FOREIGN TABLE remote_users (id int) SERVER remote;",
            "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw;",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn points_at_each_added_column() {
        let sql = "ALTER TABLE users\n  ADD COLUMN IF NOT EXISTS a int,\n  ADD COLUMN b int,\n  \
                   ADD c int;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (3, 14));
        assert!(found[1].2.contains("`ADD COLUMN c` to `users`"));
    }

    #[test]
    fn passes_idempotent_forms_and_guarded_creates() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY);",
            "CREATE INDEX IF NOT EXISTS users_email ON users (email);",
            "CREATE SCHEMA IF NOT EXISTS app;",
            "CREATE SEQUENCE IF NOT EXISTS ids;",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
            "CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT 1 AS n;",
            "CREATE FOREIGN TABLE IF NOT EXISTS remote_users (id int) SERVER remote;",
            "CREATE SERVER IF NOT EXISTS remote FOREIGN DATA WRAPPER postgres_fdw;",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;",
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';",
            "ALTER TYPE mood RENAME VALUE 'meh' TO 'fine';",
            "ALTER TYPE address ADD ATTRIBUTE zip text;",
            // Gone when the transaction that created it commits.
            "CREATE TEMP TABLE staging (id int) ON COMMIT DROP;",
            "CREATE TEMPORARY TABLE staging ON COMMIT DROP AS SELECT 1 AS id;",
            "-- migrate:no-transaction\nCREATE TEMP TABLE staging (id int) ON COMMIT DROP;",
            "SELECT 'CREATE TABLE users (id int)';",
            // A guarded `DO` block skips what was done already.
            "DO $$ BEGIN CREATE TABLE users (id int); EXCEPTION WHEN duplicate_table THEN NULL; END $$;",
            "-- migrate:allow(drop-table) rebuilt from scratch\n\
             DROP TABLE IF EXISTS scratch;\nCREATE TABLE scratch (id int);",
            "-- migrate:allow(missing-if-not-exists) created once by design\n\
             CREATE TABLE users (id int);",
        ] {
            passes(&RULE, sql);
        }
    }

    /// PostgreSQL re-runs these (tests/tests/oracle.rs): the drop removes what the first run
    /// added, so the `ADD COLUMN` finds no column.
    #[test]
    fn passes_a_column_dropped_before_it_is_added() {
        for sql in [
            "ALTER TABLE users DROP COLUMN kind, ADD COLUMN kind text NOT NULL;",
            "ALTER TABLE users DROP COLUMN IF EXISTS kind;\nALTER TABLE public.users ADD kind text;",
            "ALTER TABLE users ADD COLUMN tmp int;\nUPDATE users SET tmp = 1;\n\
             ALTER TABLE users DROP COLUMN tmp;",
            "ALTER TABLE users ADD COLUMN kind_new text;\nALTER TABLE users DROP COLUMN kind;\n\
             ALTER TABLE users RENAME COLUMN kind_new TO kind;",
        ] {
            passes(&RULE, sql);
        }
        // Another column, or another table's, does not make room.
        fires(
            &RULE,
            "ALTER TABLE users DROP COLUMN kind, ADD COLUMN sort text;",
        );
        fires(
            &RULE,
            "ALTER TABLE orders DROP COLUMN kind;\nALTER TABLE users ADD COLUMN kind text;",
        );
        // Renamed away later: the second run adds `kind` again, and its `RENAME` fails (`kind_old`
        // exists), leaving one more column.
        fires(
            &RULE,
            "ALTER TABLE users ADD COLUMN kind text;\nALTER TABLE users RENAME kind TO kind_old;",
        );
        // The second run's `RENAME` fails (`kind_old` exists), so `kind` is still there.
        fires(
            &RULE,
            "ALTER TABLE users RENAME COLUMN kind TO kind_old;\n\
             ALTER TABLE users ADD COLUMN kind text;",
        );
    }

    #[test]
    fn the_message_names_the_object_and_the_fix() {
        let message = fires(&RULE, "CREATE TABLE app.users (id int);");
        assert_eq!(
            message,
            "`CREATE TABLE app.users` without `IF NOT EXISTS` fails when it already exists"
        );
    }

    #[test]
    fn the_fix_adds_if_not_exists_where_postgresql_reads_it() {
        for (sql, want) in [
            (
                "/* TABLE */ CREATE UNLOGGED TABLE app.cache (k text); -- TABLE",
                "/* TABLE */ CREATE UNLOGGED TABLE IF NOT EXISTS app.cache (k text); -- TABLE",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);",
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);",
            ),
            (
                "create schema app;",
                "create schema IF NOT EXISTS app;",
            ),
            (
                "CREATE SEQUENCE ids;",
                "CREATE SEQUENCE IF NOT EXISTS ids;",
            ),
            (
                "CREATE EXTENSION pgcrypto;",
                "CREATE EXTENSION IF NOT EXISTS pgcrypto;",
            ),
            (
                "CREATE MATERIALIZED VIEW totals AS SELECT 1 AS n;",
                "CREATE MATERIALIZED VIEW IF NOT EXISTS totals AS SELECT 1 AS n;",
            ),
            (
                "CREATE TABLE copy AS SELECT 'CREATE TABLE' AS n;",
                "CREATE TABLE IF NOT EXISTS copy AS SELECT 'CREATE TABLE' AS n;",
            ),
            (
                "ALTER TYPE mood ADD VALUE 'meh';",
                "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'meh';",
            ),
            (
                "CREATE TEMP TABLE staging (id int);",
                "CREATE TEMP TABLE IF NOT EXISTS staging (id int);",
            ),
            (
                "CREATE FOREIGN TABLE remote_users (id int) SERVER remote;",
                "CREATE FOREIGN TABLE IF NOT EXISTS remote_users (id int) SERVER remote;",
            ),
            (
                "CREATE SERVER remote FOREIGN DATA WRAPPER postgres_fdw;",
                "CREATE SERVER IF NOT EXISTS remote FOREIGN DATA WRAPPER postgres_fdw;",
            ),
            (
                "ALTER TABLE users\n  ADD COLUMN b int,\n  ADD \"C\" int;",
                "ALTER TABLE users\n  ADD COLUMN IF NOT EXISTS b int,\n  ADD IF NOT EXISTS \"C\" int;",
            ),
        ] {
            assert_eq!(fixed(&RULE, sql), want);
        }
    }

    /// What a `DO` block runs may be a string literal: its offsets are not the file's.
    #[test]
    fn what_a_do_block_runs_has_no_fix() {
        let sql = "DO $$ BEGIN EXECUTE 'CREATE TABLE t (id int)'; END $$;";
        let (_, found, _) = crate::check::check_script(
            "t.sql",
            sql,
            crate::rule::ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        assert!(found.iter().all(|d| d.fix.is_none()), "{found:?}");
    }
}
