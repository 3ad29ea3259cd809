//! The template protocol: one builder at a time per server (an advisory lock), building under a
//! temporary name, marked a template before it takes its name; then each new database is a
//! clone of it.

use std::time::Duration;

use postgres::error::SqlState;

use super::admin::{admin_error, connect, drop_sql, MakeTls};
use super::constants::{DEFAULT_TEMPLATE_LOCK_WAIT, TEMPLATE_LOCK};
use super::names::{build_name, check_prefix, is_stale_template, template_name};
use super::url::with_dbname_config;
use super::{Fingerprint, TemplateError};
use crate::sql::quote_ident;
use crate::Runner;

/// A fingerprinted template of one migration set, and its options: what the tenant and the test
/// databases are cloned from.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    pub(crate) runner: Runner,
    pub(crate) prefix: String,
    pub(crate) prune_stale: bool,
    pub(crate) lock_wait: Duration,
}

impl Template {
    /// The template of everything `runner` applies, named with `prefix`, no pruning, lock wait
    /// [`DEFAULT_TEMPLATE_LOCK_WAIT`].
    pub(crate) fn new(runner: Runner, prefix: &str) -> Self {
        Self {
            runner,
            prefix: prefix.to_owned(),
            prune_stale: false,
            lock_wait: DEFAULT_TEMPLATE_LOCK_WAIT,
        }
    }

    pub(crate) fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.runner)
    }

    /// `<prefix>_<fingerprint>`.
    pub(crate) fn name(&self) -> String {
        template_name(&self.prefix, self.fingerprint())
    }

    pub(crate) fn check_prefix(&self) -> Result<(), TemplateError> {
        check_prefix(&self.prefix)
    }

    /// `CREATE DATABASE name TEMPLATE <template>`, building the template first when it is
    /// missing (connecting to the build with `tls`). `kind` names the new database in errors
    /// ("tenant database", "test database"). A name that exists is [`TemplateError::Exists`],
    /// and nothing changes.
    pub(crate) fn create_database(
        &self,
        admin: &mut postgres::Client,
        admin_config: &postgres::Config,
        name: &str,
        kind: &str,
        tls: &impl MakeTls,
    ) -> Result<(), TemplateError> {
        let template = self.name();
        let create = format!(
            "CREATE DATABASE {} TEMPLATE {}",
            quote_ident(name),
            quote_ident(&template)
        );
        let created = match admin.batch_execute(&create) {
            Err(e) if e.code() == Some(&SqlState::INVALID_CATALOG_NAME) => {
                self.build(admin, admin_config, &template, tls)?;
                admin.batch_execute(&create)
            }
            other => other,
        };
        created.map_err(|source| {
            if source.code() == Some(&SqlState::DUPLICATE_DATABASE) {
                TemplateError::Exists {
                    name: name.to_owned(),
                }
            } else {
                admin_error(format!(
                    "create the {kind} {name} from the template {template}"
                ))(source)
            }
        })
    }

    /// Builds the template unless another builder did while this one waited for the lock.
    /// The lock is a session lock of `admin`: it also goes away when the connection does.
    fn build(
        &self,
        admin: &mut postgres::Client,
        admin_config: &postgres::Config,
        template: &str,
        tls: &impl MakeTls,
    ) -> Result<(), TemplateError> {
        lock(admin, self.lock_wait)?;
        let built = if database_exists(admin, template)? {
            Ok(())
        } else {
            self.build_locked(admin, admin_config, template, tls)
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
        tls: &impl MakeTls,
    ) -> Result<(), TemplateError> {
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
        let migrated = connect(&with_dbname_config(admin_config, &build), tls.clone()).and_then(
            |mut client| {
                self.runner
                    .run(&mut client)
                    .map_err(|source| TemplateError::Migrate {
                        template: template.to_owned(),
                        source,
                    })
            },
        );
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
fn lock(admin: &mut postgres::Client, wait: Duration) -> Result<(), TemplateError> {
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
            Err(TemplateError::LockTimeout { waited: wait })
        }
        Err(e) => Err(admin_error("take the template lock".into())(e)),
    }
}

fn database_exists(admin: &mut postgres::Client, name: &str) -> Result<bool, TemplateError> {
    admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .map(|row| row.is_some())
        .map_err(admin_error(format!("look up the database {name}")))
}

/// Drops the templates of `prefix` other than `current`.
fn prune(admin: &mut postgres::Client, prefix: &str, current: &str) -> Result<(), TemplateError> {
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
