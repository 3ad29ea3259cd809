//! The template protocol: one builder at a time per server (an advisory lock), building under a
//! temporary name, marked a template before it takes its name; then each test database is a
//! clone of it.

use std::time::Duration;

use postgres::error::SqlState;

use super::admin::{admin_error, connect, drop_sql};
use super::names::{build_name, is_stale_template};
use super::url::with_dbname_config;
use super::{TestDatabaseError, TestDatabases};
use crate::history::quote_ident;

/// The advisory lock (two-`int4` form, so it never meets the runner's `bigint` keys) that
/// serialises template builds on a server: "migr", "tpl0".
pub(super) const TEMPLATE_LOCK: (i32, i32) = (0x6d69_6772, 0x7470_6c30);

impl TestDatabases {
    /// Builds the template unless another builder did while this one waited for the lock.
    /// The lock is a session lock of `admin`: it also goes away when the connection does.
    pub(super) fn build_template(
        &self,
        admin: &mut postgres::Client,
        admin_config: &postgres::Config,
        template: &str,
    ) -> Result<(), TestDatabaseError> {
        lock(admin, self.lock_wait)?;
        let built = if database_exists(admin, template)? {
            Ok(())
        } else {
            self.build_locked(admin, admin_config, template)
        };
        let unlocked = admin
            .batch_execute(&format!(
                "SELECT pg_advisory_unlock({}, {})",
                TEMPLATE_LOCK.0, TEMPLATE_LOCK.1
            ))
            .map_err(admin_error("release the template lock".into()));
        built.and(unlocked)
    }

    fn build_locked(
        &self,
        admin: &mut postgres::Client,
        admin_config: &postgres::Config,
        template: &str,
    ) -> Result<(), TestDatabaseError> {
        let build = build_name(template);
        let started = std::time::Instant::now();
        let execute = |admin: &mut postgres::Client, sql: &str, action: String| {
            admin.batch_execute(sql).map_err(admin_error(action))
        };
        // A build left behind by a killed process: nobody else builds while we hold the lock.
        execute(
            admin,
            &drop_sql(&build),
            format!("drop the unfinished template build {build}"),
        )?;
        execute(
            admin,
            &format!("CREATE DATABASE {}", quote_ident(&build)),
            format!("create the database {build} to build the template in"),
        )?;
        let migrated = connect(&with_dbname_config(admin_config, &build)).and_then(|mut client| {
            self.runner
                .run(&mut client)
                .map_err(|source| TestDatabaseError::Migrate {
                    template: template.to_owned(),
                    source,
                })
        });
        if let Err(error) = migrated {
            let _ = admin.batch_execute(&drop_sql(&build));
            return Err(error);
        }
        execute(
            admin,
            &format!(
                "ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false",
                quote_ident(&build)
            ),
            format!("mark {build} as a template"),
        )?;
        execute(
            admin,
            &format!(
                "ALTER DATABASE {} RENAME TO {}",
                quote_ident(&build),
                quote_ident(template)
            ),
            format!("rename the finished template {build} to {template}"),
        )?;
        tracing::info!(%template, elapsed = ?started.elapsed(), "built template database");
        if self.prune_stale {
            prune(admin, &self.prefix, template)?;
        }
        Ok(())
    }
}

/// Takes the template lock, waiting at most `wait`.
fn lock(admin: &mut postgres::Client, wait: Duration) -> Result<(), TestDatabaseError> {
    let sql = format!(
        "SET lock_timeout = {}; SELECT pg_advisory_lock({}, {})",
        wait.as_millis().max(1),
        TEMPLATE_LOCK.0,
        TEMPLATE_LOCK.1
    );
    let locked = admin.batch_execute(&sql);
    // The SET is rolled back with the implicit transaction on failure; reset it on success.
    let _ = admin.batch_execute("RESET lock_timeout");
    match locked {
        Ok(()) => Ok(()),
        Err(e) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
            Err(TestDatabaseError::LockTimeout { waited: wait })
        }
        Err(e) => Err(admin_error("take the template lock".into())(e)),
    }
}

fn database_exists(admin: &mut postgres::Client, name: &str) -> Result<bool, TestDatabaseError> {
    admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .map(|row| row.is_some())
        .map_err(admin_error(format!("look up the database {name}")))
}

/// Drops the templates of `prefix` other than `current`.
fn prune(
    admin: &mut postgres::Client,
    prefix: &str,
    current: &str,
) -> Result<(), TestDatabaseError> {
    let templates = admin
        .query("SELECT datname FROM pg_database WHERE datistemplate", &[])
        .map_err(admin_error("list the template databases".into()))?;
    for name in templates
        .iter()
        .map(|row| row.get::<_, String>(0))
        .filter(|name| is_stale_template(prefix, current, name))
    {
        let sql = format!(
            "ALTER DATABASE {} WITH IS_TEMPLATE false",
            quote_ident(&name)
        );
        admin
            .batch_execute(&sql)
            .and_then(|()| admin.batch_execute(&drop_sql(&name)))
            .map_err(admin_error(format!("drop the stale template {name}")))?;
        tracing::info!(template = %name, "dropped stale template database");
    }
    Ok(())
}

pub(super) fn create_from_template_sql(name: &str, template: &str) -> String {
    format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_ident(name),
        quote_ident(template)
    )
}
