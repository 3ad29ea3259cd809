//! `cluster-administration`: databases, tablespaces, server settings and server-side libraries
//! belong to the PostgreSQL server, not to the schema of one database. A migration runs inside one
//! database, in a transaction, on every environment the application is deployed to: `CREATE
//! DATABASE`, `ALTER SYSTEM` and `CREATE TABLESPACE` refuse to run in a transaction block at all,
//! need privileges an application should not have, and describe the machine rather than the
//! schema. They belong to provisioning (infrastructure code, the hosting provider's settings).

use pg_query::protobuf::ObjectType;
use pg_query::NodeEnum;

use crate::diagnostic::{Hit, Severity};
use crate::objects::object_name;
use crate::quote::{ident, literal, qualified};
use crate::rule::{Check, Example, Examples, Family, Rule, StatementCtx};
use crate::rules::examples::USERS;

pub(crate) static RULE: Rule = Rule {
    name: "cluster-administration",
    family: Family::Forbidden,
    severity: Severity::Error,
    reason: "`CREATE/ALTER/DROP DATABASE`, `ALTER SYSTEM`, tablespaces and `LOAD` administer the \
             server, not the schema of the database the migration runs in",
    help: "do this in provisioning (infrastructure code, the hosting provider's settings, a setup \
           script run by an administrator), not in a schema migration",
    allowable: false,
    autofix: None,
    examples: Examples::Shown(&[Example {
        before: &[USERS],
        bad: (
            "002_crypto.sql",
            "CREATE EXTENSION IF NOT EXISTS pgcrypto;
ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';
",
        ),
        good: (
            "002_crypto.sql",
            "-- shared_preload_libraries is set by the server's provisioning.
CREATE EXTENSION IF NOT EXISTS pgcrypto;
",
        ),
    }]),
    check: Check::Statement {
        down_files: true,
        check,
    },
};

const DATABASE_HELP: &str = "create, configure and drop databases in provisioning \
    (infrastructure code, `createdb`, the hosting provider's console); a migration runs inside \
    the database it changes";
const TABLESPACE_HELP: &str = "tablespaces are directories on the database server: create and \
    manage them in provisioning, by an administrator; a migration may only name an existing one";
const SYSTEM_HELP: &str = "set server parameters in `postgresql.conf` or the hosting provider's \
    parameter settings; for one database or role use `ALTER DATABASE ... SET` or `ALTER ROLE \
    ... SET` in provisioning";
const LOAD_HELP: &str = "`LOAD` only affects the migration's own session: preload the library \
    with `shared_preload_libraries` in the server configuration, or use `CREATE EXTENSION IF NOT \
    EXISTS`";

fn check(ctx: &StatementCtx<'_>) -> Vec<Hit> {
    let named = |kind: ObjectType, object: Option<&pg_query::protobuf::Node>, subname: &str| {
        let name = match object {
            Some(o) if subname.is_empty() => qualified(&object_name(o)),
            _ => ident(subname),
        };
        match kind {
            ObjectType::ObjectDatabase => Some(("ALTER DATABASE", name, DATABASE_HELP)),
            ObjectType::ObjectTablespace => Some(("ALTER TABLESPACE", name, TABLESPACE_HELP)),
            _ => None,
        }
    };
    let found = match ctx.node {
        NodeEnum::CreatedbStmt(s) => Some(("CREATE DATABASE", ident(&s.dbname), DATABASE_HELP)),
        NodeEnum::DropdbStmt(s) => Some(("DROP DATABASE", ident(&s.dbname), DATABASE_HELP)),
        NodeEnum::AlterDatabaseStmt(s) => Some(("ALTER DATABASE", ident(&s.dbname), DATABASE_HELP)),
        NodeEnum::AlterDatabaseSetStmt(s) => {
            Some(("ALTER DATABASE", ident(&s.dbname), DATABASE_HELP))
        }
        NodeEnum::AlterDatabaseRefreshCollStmt(s) => {
            Some(("ALTER DATABASE", ident(&s.dbname), DATABASE_HELP))
        }
        NodeEnum::RenameStmt(s) => named(s.rename_type(), s.object.as_deref(), &s.subname),
        NodeEnum::AlterOwnerStmt(s) => named(s.object_type(), s.object.as_deref(), ""),
        NodeEnum::AlterSystemStmt(s) => {
            let name = s
                .setstmt
                .as_ref()
                .map_or_else(String::new, |v| v.name.clone());
            Some(("ALTER SYSTEM", name, SYSTEM_HELP))
        }
        NodeEnum::CreateTableSpaceStmt(s) => Some((
            "CREATE TABLESPACE",
            ident(&s.tablespacename),
            TABLESPACE_HELP,
        )),
        NodeEnum::DropTableSpaceStmt(s) => {
            Some(("DROP TABLESPACE", ident(&s.tablespacename), TABLESPACE_HELP))
        }
        NodeEnum::AlterTableSpaceOptionsStmt(s) => Some((
            "ALTER TABLESPACE",
            ident(&s.tablespacename),
            TABLESPACE_HELP,
        )),
        NodeEnum::AlterTableMoveAllStmt(s) => Some((
            "ALTER ... ALL IN TABLESPACE",
            ident(&s.orig_tablespacename),
            TABLESPACE_HELP,
        )),
        NodeEnum::LoadStmt(s) => Some(("LOAD", literal(&s.filename), LOAD_HELP)),
        _ => None,
    };
    found
        .map(|(what, name, help)| {
            let subject = if name.is_empty() {
                format!("`{what}`")
            } else {
                format!("`{what} {name}`")
            };
            ctx.hit(format!(
                "{subject} administers the server, not the schema: it has no place in a migration"
            ))
            .help(help)
        })
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::RULE;
    use crate::rule::ScriptKind;
    use crate::rules::testing::{findings, findings_in, fires, passes};

    #[test]
    fn fires_on_databases_tablespaces_system_settings_and_load() {
        for sql in [
            "CREATE DATABASE app;",
            "CREATE DATABASE app WITH OWNER app ENCODING 'UTF8';",
            "DROP DATABASE app;",
            "DROP DATABASE IF EXISTS app WITH (FORCE);",
            "ALTER DATABASE app SET timezone TO 'UTC';",
            "ALTER DATABASE app RESET ALL;",
            "ALTER DATABASE app CONNECTION LIMIT 10;",
            "ALTER DATABASE app RENAME TO app2;",
            "ALTER DATABASE app OWNER TO admin;",
            "ALTER DATABASE app REFRESH COLLATION VERSION;",
            "ALTER SYSTEM SET work_mem = '64MB';",
            "ALTER SYSTEM RESET ALL;",
            "CREATE TABLESPACE fast LOCATION '/ssd/pg';",
            "DROP TABLESPACE IF EXISTS fast;",
            "ALTER TABLESPACE fast SET (random_page_cost = 1.1);",
            "ALTER TABLESPACE fast RENAME TO faster;",
            "ALTER TABLESPACE fast OWNER TO admin;",
            "ALTER TABLE ALL IN TABLESPACE slow SET TABLESPACE fast;",
            "LOAD 'auto_explain';",
        ] {
            fires(&RULE, sql);
        }
    }

    #[test]
    fn the_message_names_the_statement_and_the_help_says_where_it_belongs() {
        let sql = "CREATE TABLE IF NOT EXISTS t (id int);\n\nCREATE DATABASE analytics;";
        let found = findings(&RULE, sql);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1), (3, 1));
        assert_eq!(
            found[0].2,
            "`CREATE DATABASE analytics` administers the server, not the schema: it has no place \
             in a migration"
        );
        assert!(
            fires(&RULE, "ALTER SYSTEM SET work_mem = '64MB';").contains("ALTER SYSTEM work_mem")
        );
        let (_, diagnostics, _) = crate::check::check_script(
            "t.sql",
            "CREATE TABLESPACE fast LOCATION '/ssd';",
            ScriptKind::Up,
            &crate::rule::Policy::default(),
        );
        let d = diagnostics.iter().find(|d| d.rule == RULE.name).unwrap();
        assert!(d.help.contains("provisioning"), "{}", d.help);
    }

    #[test]
    fn fires_in_down_files_and_cannot_be_allowed() {
        assert_eq!(
            findings_in(&RULE, "DROP DATABASE app;", ScriptKind::Down).len(),
            1
        );
        fires(
            &RULE,
            "-- migrate:allow(cluster-administration) we know\nDROP DATABASE app;",
        );
        assert!(crate::rules::allowable(RULE.name).is_err());
    }

    #[test]
    fn passes_schema_statements_and_text_that_only_mentions_them() {
        for sql in [
            "CREATE TABLE IF NOT EXISTS t (id int) TABLESPACE pg_default;",
            "ALTER ROLE app SET search_path = app, public;",
            "ALTER TABLE t RENAME TO t2;",
            "ALTER SCHEMA app OWNER TO admin;",
            "GRANT CONNECT ON DATABASE app TO reader;",
            "SELECT 'CREATE DATABASE app';",
            "-- CREATE DATABASE app;\nSELECT 1;",
            "CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN \
             EXECUTE 'ALTER SYSTEM SET work_mem = 1'; END $$;",
        ] {
            passes(&RULE, sql);
        }
    }
}
