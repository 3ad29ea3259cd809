//! `volatile-default`: since PostgreSQL 11, `ADD COLUMN ... DEFAULT <constant>` is instant: the
//! default is stored once and read for the old rows. A volatile default (`gen_random_uuid()`,
//! `random()`, `clock_timestamp()`, `nextval(...)`, ...) must be computed for every existing row,
//! so PostgreSQL rewrites the whole table under an `ACCESS EXCLUSIVE` lock that blocks reads and
//! writes. A `serial` column or an identity column is the same: each old row gets a sequence
//! value. `now()` and `CURRENT_TIMESTAMP` are stable, not volatile: evaluated once, no rewrite.
//! A table created earlier in the same file is not reported. When `migrate.toml` targets
//! PostgreSQL 10 (`postgres = 10`), every default but `NULL` rewrites the table, as it does
//! there.

use pg_query::protobuf::{AlterTableType, ColumnDef, ConstrType, Constraint, FuncCall};
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::{cmd_column, display_relation, display_type, function_calls, strings};
use crate::quote::{ident, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;
use crate::rules::newer_than_target::VIRTUAL_GENERATED;
use crate::schema::{Known, Volatility};

pub(crate) static RULE: Rule = Rule {
    name: "volatile-default",
    family: Family::LockHazards,
    severity: Severity::Warning,
    reason: "`ADD COLUMN` with a volatile default, a `serial` type, an identity or a stored \
             generated expression rewrites the existing table under an `ACCESS EXCLUSIVE` lock",
    help: "add the column without a default, then `SET DEFAULT` for new rows and fill the \
           existing rows in batches",
    allowable: true,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_users_token.sql",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();\n",
        ),
        good: (
            "002_users_token.sql",
            "-- Existing rows are filled in batches by the application.
ALTER TABLE users ADD COLUMN IF NOT EXISTS token uuid;
ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

/// The first version where `ADD COLUMN ... DEFAULT <constant>` stores the default once instead
/// of writing it into every row.
pub(crate) const INSTANT_DEFAULT: u32 = 11;

/// Built-in and common extension functions marked `VOLATILE` that appear in column defaults.
const VOLATILE: &[&str] = &[
    "random",
    "random_normal",
    "gen_random_uuid",
    "gen_random_bytes",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "clock_timestamp",
    "timeofday",
    "nextval",
    "currval",
    "lastval",
    "setseed",
];

/// `serial` types and the integer type each stands for.
pub(crate) const SERIALS: &[(&str, &str)] = &[
    ("smallserial", "smallint"),
    ("serial2", "smallint"),
    ("serial", "integer"),
    ("serial4", "integer"),
    ("bigserial", "bigint"),
    ("serial8", "bigint"),
];

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    ctx.existing_table_cmds()
        .filter(|(_, cmd, _)| cmd.subtype() == AlterTableType::AtAddColumn)
        .filter_map(|(relation, cmd, _)| {
            let column = cmd_column(cmd)?;
            let table = display_relation(Some(relation));
            serial(ctx, &table, column)
                .or_else(|| identity(ctx, &table, column))
                .or_else(|| stored(ctx, &table, column))
                .or_else(|| volatile_default(ctx, &table, column))
                .or_else(|| stored_default(ctx, &table, column))
        })
        .collect()
}

/// `ADD COLUMN id bigserial`.
fn serial(ctx: &StatementCtx<'_>, table: &str, column: &ColumnDef) -> Option<Hit> {
    let type_name = column.type_name.as_ref()?;
    let last = strings(&type_name.names).pop()?;
    let (_, integer) = SERIALS.iter().find(|(s, _)| *s == last)?;
    let name = ident(&column.colname);
    Some(
        Hit::new(
            ctx.at(type_name.location),
            format!(
                "`ADD COLUMN {name} {}` to `{table}` gives every existing row a sequence value: \
                 it rewrites the table under an `ACCESS EXCLUSIVE` lock",
                display_type(type_name)
            ),
        )
        .help(format!(
            "add `{name} {integer}` without a default, then `ALTER TABLE {table} ALTER COLUMN \
             {name} SET DEFAULT nextval('<sequence>')` and fill the existing rows in batches"
        )),
    )
}

/// `ADD COLUMN id bigint GENERATED ... AS IDENTITY`.
fn identity(ctx: &StatementCtx<'_>, table: &str, column: &ColumnDef) -> Option<Hit> {
    let identity = constraints(column).find(|c| c.contype() == ConstrType::ConstrIdentity)?;
    let name = ident(&column.colname);
    let column_type = column
        .type_name
        .as_ref()
        .map_or_else(String::new, display_type);
    Some(
        Hit::new(
            ctx.at(identity.location),
            format!(
                "`ADD COLUMN {name} ... GENERATED AS IDENTITY` to `{table}` gives every existing \
                 row a sequence value: it rewrites the table under an `ACCESS EXCLUSIVE` lock"
            ),
        )
        .help(format!(
            "add `{name} {column_type}` without a default, fill the existing rows in batches, \
             then make it `NOT NULL` and `ADD GENERATED BY DEFAULT AS IDENTITY` in later \
             migrations"
        )),
    )
}

/// `ADD COLUMN total int GENERATED ALWAYS AS (price * n) STORED`.
fn stored(ctx: &StatementCtx<'_>, table: &str, column: &ColumnDef) -> Option<Hit> {
    let generated = constraints(column)
        .find(|c| c.contype() == ConstrType::ConstrGenerated && c.generated_kind == STORED)?;
    let name = ident(&column.colname);
    let column_type = column
        .type_name
        .as_ref()
        .map_or_else(String::new, display_type);
    Some(
        Hit::new(
            ctx.at(generated.location),
            format!(
                "`ADD COLUMN {name} ... GENERATED ALWAYS AS (...) STORED` to `{table}` computes \
                 the expression for every existing row: it rewrites the table under an `ACCESS \
                 EXCLUSIVE` lock"
            ),
        )
        .help(format!(
            "add `{name} {column_type}` as a plain column, fill it in batches and keep it up to \
             date with a trigger{}",
            if ctx.target.at_least(VIRTUAL_GENERATED) {
                "; or make it `VIRTUAL` (computed when read, no rewrite)"
            } else {
                ""
            }
        )),
    )
}

/// How `pg_query` marks a `STORED` generated column (`VIRTUAL` is `v`).
const STORED: &str = "s";

/// Whether a call is to a volatile function: a built-in one, or one of the folder the schema
/// model knows is `VOLATILE` in every overload, unless it is a `sql` function PostgreSQL
/// inlines into a constant.
fn volatile_call(ctx: &StatementCtx<'_>, call: &FuncCall) -> bool {
    let name = strings(&call.funcname);
    if name.last().is_some_and(|n| VOLATILE.contains(&n.as_str())) {
        return true;
    }
    match ctx.schema.function(&name) {
        Known::Present(overloads) => overloads
            .iter()
            .all(|f| f.volatility == Volatility::Volatile && !f.constant),
        Known::Absent | Known::Unknown => false,
    }
}

/// `ADD COLUMN token uuid DEFAULT gen_random_uuid()`.
fn volatile_default(ctx: &StatementCtx<'_>, table: &str, column: &ColumnDef) -> Option<Hit> {
    let default = constraints(column)
        .filter(|c| c.contype() == ConstrType::ConstrDefault)
        .filter_map(|c| c.raw_expr.as_deref())
        .chain(column.raw_default.as_deref())
        .next()?;
    let call = function_calls(default)
        .into_iter()
        .find(|f| volatile_call(ctx, f))?;
    let function = format!(
        "{}({})",
        qualified(&strings(&call.funcname)),
        if call.args.is_empty() { "" } else { "..." }
    );
    let name = ident(&column.colname);
    let column_type = column
        .type_name
        .as_ref()
        .map_or_else(String::new, display_type);
    Some(
        Hit::new(
            ctx.at(call.location),
            format!(
                "`ADD COLUMN {name}` to `{table}` with the volatile default `{function}` \
                 rewrites the table under an `ACCESS EXCLUSIVE` lock"
            ),
        )
        .help(format!(
            "add `{name} {column_type}` without a default, then `ALTER TABLE {table} ALTER \
             COLUMN {name} SET DEFAULT {function}` for new rows, and fill the existing rows in \
             batches"
        )),
    )
}

/// `ADD COLUMN active boolean DEFAULT true` when the target is older than
/// [`INSTANT_DEFAULT`]: the default is written into every existing row.
fn stored_default(ctx: &StatementCtx<'_>, table: &str, column: &ColumnDef) -> Option<Hit> {
    if ctx.target.at_least(INSTANT_DEFAULT) {
        return None;
    }
    let default = constraints(column)
        .filter(|c| c.contype() == ConstrType::ConstrDefault)
        .filter_map(|c| c.raw_expr.as_deref())
        .chain(column.raw_default.as_deref())
        .find(|d| !matches!(d.node.as_ref(), Some(NodeEnum::AConst(c)) if c.isnull))?;
    let name = ident(&column.colname);
    let column_type = column
        .type_name
        .as_ref()
        .map_or_else(String::new, display_type);
    let location = match default.node.as_ref() {
        Some(NodeEnum::AConst(c)) => c.location,
        _ => column.location,
    };
    Some(
        Hit::new(
            ctx.at(location),
            format!(
                "`ADD COLUMN {name}` to `{table}` with a default rewrites the table under an \
                 `ACCESS EXCLUSIVE` lock: before PostgreSQL {INSTANT_DEFAULT} the default is \
                 written into every row, and {}",
                ctx.target
            ),
        )
        .help(format!(
            "add `{name} {column_type}` without a default, then `ALTER TABLE {table} ALTER \
             COLUMN {name} SET DEFAULT ...` for new rows, and fill the existing rows in batches"
        )),
    )
}

fn constraints(column: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    column
        .constraints
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::Constraint(c)) => Some(&**c),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{
        findings, findings_after, findings_in, findings_targeting, fires, helps, helps_targeting,
        passes,
    };

    #[test]
    fn fires_on_volatile_defaults_serials_and_identities() {
        for sql in [
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS token uuid DEFAULT gen_random_uuid();",
            "ALTER TABLE users ADD COLUMN token uuid NOT NULL DEFAULT public.uuid_generate_v4();",
            "ALTER TABLE users ADD COLUMN r float8 DEFAULT random();",
            "ALTER TABLE users ADD COLUMN code text DEFAULT md5(random()::text);",
            "ALTER TABLE users ADD COLUMN at timestamptz DEFAULT clock_timestamp();",
            "ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('users_n_seq');",
            "ALTER TABLE users ADD COLUMN n int DEFAULT coalesce(NULL, (random() * 10)::int);",
            "ALTER TABLE users ADD COLUMN id2 bigserial;",
            "ALTER TABLE users ADD COLUMN id2 serial PRIMARY KEY;",
            "ALTER TABLE users ADD COLUMN n smallserial;",
            "ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;",
            "ALTER TABLE users ADD COLUMN total int GENERATED ALWAYS AS (a * 2) STORED;",
            "CREATE TABLE IF NOT EXISTS other (id int);\n\
             ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        ] {
            fires(&RULE, sql);
        }
        let down = "ALTER TABLE users ADD COLUMN id2 bigserial;";
        assert_eq!(findings_in(&RULE, down, ScriptKind::Down).len(), 1);
    }

    #[test]
    fn points_at_the_call_or_the_type_and_names_the_column() {
        let sql = "ALTER TABLE app.users\n  ADD COLUMN token uuid DEFAULT gen_random_uuid(),\n  \
                   ADD COLUMN created timestamptz DEFAULT now(),\n  ADD COLUMN seq bigserial;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].0, found[0].1), (2, 33));
        assert_eq!(
            found[0].2,
            "`ADD COLUMN token` to `app.users` with the volatile default `gen_random_uuid()` \
             rewrites the table under an `ACCESS EXCLUSIVE` lock"
        );
        assert_eq!((found[1].0, found[1].1), (4, 18));
        assert!(found[1]
            .2
            .starts_with("`ADD COLUMN seq bigserial` to `app.users`"));
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
        assert!(helps[0].starts_with(
            "add `token uuid` without a default, then `ALTER TABLE app.users ALTER COLUMN token \
             SET DEFAULT gen_random_uuid()` for new rows"
        ));
        assert!(helps[1].starts_with("add `seq bigint` without a default"));
    }

    #[test]
    fn passes_constant_and_stable_defaults_new_tables_text_and_allowed() {
        for sql in [
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS active boolean NOT NULL DEFAULT true;",
            "ALTER TABLE users ADD COLUMN created timestamptz DEFAULT now();",
            "ALTER TABLE users ADD COLUMN created timestamptz DEFAULT CURRENT_TIMESTAMP;",
            "ALTER TABLE users ADD COLUMN day date DEFAULT statement_timestamp()::date;",
            "ALTER TABLE users ADD COLUMN xid bigint DEFAULT txid_current();",
            "ALTER TABLE users ADD COLUMN tags text[] DEFAULT '{}';",
            "ALTER TABLE users ADD COLUMN token uuid;",
            "ALTER TABLE users ADD COLUMN total int GENERATED ALWAYS AS (a * 2) VIRTUAL;",
            "ALTER TABLE users ADD COLUMN total int GENERATED ALWAYS AS (a * 2);",
            "CREATE TABLE IF NOT EXISTS t (a int);\n\
             ALTER TABLE t ADD COLUMN total int GENERATED ALWAYS AS (a * 2) STORED;",
            "ALTER TABLE users ALTER COLUMN token SET DEFAULT gen_random_uuid();",
            "CREATE TABLE IF NOT EXISTS users (id int);\n\
             ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
            "CREATE TABLE IF NOT EXISTS users (id bigserial, token uuid DEFAULT gen_random_uuid());",
            "SELECT 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()';",
            "-- ALTER TABLE users ADD COLUMN id2 bigserial;\nSELECT 1;",
            // Inside a `DO` block, allowed like any other: above the `DO`.
            "-- migrate:allow(volatile-default) reviewed\nDO $$ BEGIN ALTER TABLE users ADD COLUMN id2 bigserial; END $$;",
            "-- migrate:allow(volatile-default) users has a few hundred rows\n\
             ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        ] {
            passes(&RULE, sql);
        }
    }

    /// Checked on PostgreSQL: the table's `relfilenode` changes for a volatile `plpgsql`
    /// function and for a `sql` one whose body calls `random()` (crates.io's `random_string`,
    /// which `migrate trace` sees rewrite `emails`), and stays the same for a stable or
    /// immutable one, and for a volatile `sql` function that PostgreSQL inlines to a constant.
    #[test]
    fn knows_the_volatility_of_the_folders_functions() {
        let earlier = [
            "CREATE OR REPLACE FUNCTION app.next_code() RETURNS text LANGUAGE plpgsql AS \
             $$ BEGIN RETURN md5(random()::text); END $$;\n\
             CREATE OR REPLACE FUNCTION today() RETURNS date STABLE LANGUAGE plpgsql AS \
             $$ BEGIN RETURN current_date; END $$;\n\
             CREATE OR REPLACE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';\n\
             CREATE OR REPLACE FUNCTION fixed() RETURNS int LANGUAGE plpgsql AS \
             $$ BEGIN RETURN 1; END $$;",
            "ALTER FUNCTION fixed() IMMUTABLE;",
            "CREATE FUNCTION random_string(int4) RETURNS text AS $$\n  SELECT (array_to_string(\
             array(SELECT substr('abc', floor(random() * 3)::int4 + 1, 1) FROM \
             generate_series(1, $1)), ''))\n$$ LANGUAGE SQL;",
        ];
        let sql = "ALTER TABLE users ADD COLUMN token text NOT NULL DEFAULT random_string(26);";
        assert_eq!(findings_after(&RULE, &earlier, sql).len(), 1);
        let sql = "ALTER TABLE users ADD COLUMN code text DEFAULT app.next_code();";
        let found = findings_after(&RULE, &earlier, sql);
        assert_eq!(
            found,
            [(
                1,
                48,
                "`ADD COLUMN code` to `users` with the volatile default `app.next_code()` \
                 rewrites the table under an `ACCESS EXCLUSIVE` lock"
                    .to_owned()
            )]
        );
        assert_eq!(findings(&RULE, sql), []);
        // `next_code()` is `public.next_code()`, which the folder never made: unknown.
        for sql in [
            "ALTER TABLE users ADD COLUMN code text DEFAULT next_code();",
            "ALTER TABLE users ADD COLUMN d date DEFAULT today();",
            "ALTER TABLE users ADD COLUMN n int DEFAULT one();",
            "ALTER TABLE users ADD COLUMN n int DEFAULT fixed();",
            "ALTER TABLE users ADD COLUMN n int DEFAULT unknown_function();",
        ] {
            assert_eq!(findings_after(&RULE, &earlier, sql), [], "{sql}");
        }
    }

    #[test]
    fn a_stored_generated_column_rewrites_an_existing_table() {
        let sql = "ALTER TABLE app.orders ADD COLUMN total int GENERATED ALWAYS AS (n * 2) STORED;";
        assert_eq!(
            fires(&RULE, sql),
            "`ADD COLUMN total ... GENERATED ALWAYS AS (...) STORED` to `app.orders` computes the \
             expression for every existing row: it rewrites the table under an `ACCESS \
             EXCLUSIVE` lock"
        );
    }

    /// Checked on PostgreSQL 15 (`tests/tests/target_version.rs`): a constant default keeps the
    /// table's `relfilenode`. Before 11 every default was written into each row (the release
    /// notes of PostgreSQL 11), so a target of 10 reports it.
    #[test]
    fn before_11_every_default_rewrites() {
        let sql = "ALTER TABLE users ADD COLUMN active boolean NOT NULL DEFAULT true;";
        assert!(helps(&RULE, sql).is_empty());
        assert_eq!(
            helps_targeting(&RULE, 10, sql),
            ["add `active boolean` without a default, then `ALTER TABLE users ALTER COLUMN active \
              SET DEFAULT ...` for new rows, and fill the existing rows in batches"]
        );
        assert_eq!(
            findings_targeting(&RULE, 10, sql),
            [(
                1,
                62,
                "`ADD COLUMN active` to `users` with a default rewrites the table under an \
                 `ACCESS EXCLUSIVE` lock: before PostgreSQL 11 the default is written into \
                 every row, and migrate.toml declares `postgres = 10`"
                    .to_owned()
            )]
        );
        for sql in [
            "ALTER TABLE users ADD COLUMN note text DEFAULT NULL;",
            "ALTER TABLE users ADD COLUMN note text;",
        ] {
            assert!(helps_targeting(&RULE, 10, sql).is_empty(), "{sql}");
        }
    }

    #[test]
    fn suggests_virtual_columns_to_targets_that_have_them() {
        let sql = "ALTER TABLE t ADD COLUMN total int GENERATED ALWAYS AS (n * 2) STORED;";
        assert!(!helps(&RULE, sql)[0].contains("VIRTUAL"));
        assert!(helps_targeting(&RULE, 18, sql)[0]
            .ends_with("; or make it `VIRTUAL` (computed when read, no rewrite)"));
    }
}
