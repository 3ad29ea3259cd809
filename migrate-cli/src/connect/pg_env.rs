//! The libpq environment variables (`PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`, ...): what they
//! add to the settings a URL left out, or the whole settings without a URL.

use std::path::PathBuf;
use std::time::Duration;

use postgres::config::SslMode;
use tokio_postgres::Config;

use super::tls::{Verify, VerifyMode};

/// Completes `config` from the libpq variables: everything missing, as libpq does. `sslmode`
/// only when no URL was given (a URL that does not name one means libpq's default, `prefer`).
pub(super) fn fill_from_pg_variables(
    config: &mut Config,
    verify: &mut Verify,
    env: &dyn Fn(&str) -> Option<String>,
    no_url: bool,
) -> Result<(), String> {
    if config.get_hosts().is_empty() {
        let hosts = env("PGHOST").unwrap_or_else(|| "localhost".to_owned());
        for host in hosts.split(',') {
            config.host(host);
        }
    }
    if config.get_ports().is_empty() {
        if let Some(port) = env("PGPORT") {
            let port = port
                .parse::<u16>()
                .map_err(|_| format!("PGPORT `{port}` is not a port number"))?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        if let Some(user) = env("PGUSER") {
            config.user(&user);
        }
    }
    if config.get_password().is_none() {
        if let Some(password) = env("PGPASSWORD") {
            config.password(password);
        }
    }
    if config.get_dbname().is_none() {
        if let Some(db) = env("PGDATABASE") {
            config.dbname(&db);
        }
    }
    if config.get_application_name().is_none() {
        if let Some(name) = env("PGAPPNAME") {
            config.application_name(&name);
        }
    }
    if config.get_connect_timeout().is_none() {
        if let Some(seconds) = env("PGCONNECT_TIMEOUT") {
            let seconds = seconds
                .parse::<u64>()
                .map_err(|_| format!("PGCONNECT_TIMEOUT `{seconds}` is not a number of seconds"))?;
            config.connect_timeout(Duration::from_secs(seconds));
        }
    }
    if verify.root_cert.is_none() {
        verify.root_cert = env("PGSSLROOTCERT").map(PathBuf::from);
    }
    if no_url {
        if let Some(mode) = env("PGSSLMODE") {
            verify.mode = VerifyMode::parse(&mode);
            config.ssl_mode(match mode.as_str() {
                "disable" => SslMode::Disable,
                "allow" | "prefer" => SslMode::Prefer,
                "require" | "verify-ca" | "verify-full" => SslMode::Require,
                other => {
                    return Err(format!(
                        "PGSSLMODE `{other}` is not supported: use disable, prefer, require, \
                         verify-ca or verify-full"
                    ))
                }
            });
        }
    }
    Ok(())
}
