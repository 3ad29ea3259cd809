//! Where the database is (`--database-url`, `DATABASE_URL`, the libpq `PG*` variables), how to
//! reach it (TLS as `sslmode` asks), and how to talk about it without showing the password.
//!
//! One module per responsibility: [`conninfo`] reads connection strings as the driver does,
//! [`pg_env`] the libpq variables, [`tls`] the certificate options and the connector, [`redact`]
//! the password's spellings; this module resolves the settings from those sources and connects.

mod conninfo;
mod pg_env;
mod redact;
mod tls;

use std::str::FromStr;
use std::time::Duration;

use postgres::Client;
use postgres_openssl::MakeTlsConnector;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::Config;

use crate::failure::Failure;
use pg_env::fill_from_pg_variables;
use redact::conninfo_passwords;
pub use redact::Redactor;
use tls::take_verify_options;
pub use tls::{Verify, VerifyMode};

/// How long to wait for the server when neither the URL nor `PGCONNECT_TIMEOUT` says.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the connection settings came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--database-url`.
    Flag,
    /// The `DATABASE_URL` variable.
    DatabaseUrl,
    /// The `PG*` variables (and libpq's defaults).
    PgVariables,
    /// The variable a fleet file's server names (`url_env`).
    Variable(String),
}

impl Source {
    fn describe(&self) -> &str {
        match self {
            Source::Flag => "--database-url",
            Source::DatabaseUrl => "DATABASE_URL",
            Source::PgVariables => "the PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...)",
            Source::Variable(name) => name,
        }
    }
}

/// Resolved connection settings, and the secrets to keep out of every message.
#[derive(Debug, Clone)]
pub struct Target {
    /// The client configuration.
    pub config: Config,
    /// Where it came from.
    pub source: Source,
    /// Whether and how the server's certificate is verified.
    pub verify: Verify,
    redactor: Redactor,
}

impl Target {
    /// Resolves the settings from the flag, then `DATABASE_URL`, then the `PG*` variables;
    /// `env` reads a variable. A password missing from the URL comes from `PGPASSWORD`, as in
    /// libpq. Pure: the environment is passed in.
    pub fn resolve(
        flag: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        let (url, source) = match (flag, env("DATABASE_URL").filter(|v| !v.is_empty())) {
            (Some(url), _) => (Some(url.to_owned()), Source::Flag),
            (None, Some(url)) => (Some(url), Source::DatabaseUrl),
            (None, None) => (None, Source::PgVariables),
        };
        Self::settle(url, source, env)
    }

    /// The settings of the URL in the variable `variable` (a fleet's server), completed by
    /// the `PG*` variables as [`Target::resolve`] completes `--database-url`'s.
    pub fn from_variable(
        variable: &str,
        url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        Self::settle(
            Some(url.to_owned()),
            Source::Variable(variable.to_owned()),
            env,
        )
    }

    /// The settings of `url` (from `source`), else of the `PG*` variables alone.
    fn settle(
        url: Option<String>,
        source: Source,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut redactor = Redactor::default();
        if let Some(password) = env("PGPASSWORD") {
            redactor.add(&password);
        }
        let mut verify = Verify::default();
        let mut config = match &url {
            Some(url) => {
                for secret in conninfo_passwords(url) {
                    redactor.add(&secret);
                }
                let (url, from_url) = take_verify_options(url);
                verify = from_url;
                Config::from_str(&url).map_err(|e| {
                    Failure::usage(format!(
                        "the database URL from {} is invalid: {}\n  = help: write \
                         postgresql://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require \
                         (sslmode: disable, prefer, require, verify-ca or verify-full)",
                        source.describe(),
                        redactor.redact(&error_chain(&e))
                    ))
                })?
            }
            None => Config::new(),
        };
        fill_from_pg_variables(&mut config, &mut verify, &env, url.is_none())
            .map_err(|e| Failure::usage(redactor.redact(&e)))?;
        let require = config.get_ssl_mode() == SslMode::Require;
        if verify.mode.is_none() && verify.root_cert.is_some() && require {
            // libpq: `require` with a root certificate given behaves as `verify-ca`.
            verify.mode = Some(VerifyMode::Ca);
        }
        if verify.mode.is_some() {
            config.ssl_mode(SslMode::Require);
        }
        if let Some(password) = config.get_password() {
            redactor.add(&String::from_utf8_lossy(password));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("migrate");
        }
        Ok(Self {
            config,
            source,
            verify,
            redactor,
        })
    }

    /// The redactor for anything printed about this connection.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// `user@host:port/database`, without the password.
    pub fn describe(&self) -> String {
        let config = &self.config;
        let hosts: Vec<String> = config
            .get_hosts()
            .iter()
            .enumerate()
            .map(|(i, host)| {
                let host = match host {
                    Host::Tcp(name) => name.clone(),
                    Host::Unix(path) => path.display().to_string(),
                };
                match config.get_ports().get(i).or(config.get_ports().first()) {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                }
            })
            .collect();
        let user = config.get_user().unwrap_or("(current user)");
        let db = config.get_dbname().unwrap_or(user);
        format!("{user}@{}/{db}", hosts.join(","))
    }

    /// Connects, with TLS as `sslmode` asks: `prefer` and `require` encrypt without verifying
    /// the certificate (as libpq), `verify-ca` checks its chain, `verify-full` also its name.
    pub fn connect(&self) -> Result<Client, Failure> {
        let tls = self.tls()?;
        postgres::Config::from(self.config.clone())
            .connect(tls)
            .map_err(|e| self.unreachable(error_chain(&e)))
    }

    /// The TLS connector `sslmode` asks for, for this connection's settings and for others
    /// derived from them (a fleet's tenants): see [`Target::connect`].
    pub fn tls(&self) -> Result<MakeTlsConnector, Failure> {
        let root_cert = tls::root_cert(self.verify.root_cert.as_deref());
        tls::connector(self.verify.mode, root_cert.as_deref()).map_err(|e| self.unreachable(e))
    }

    /// Could not connect, because of `what`, with the settings' source and the fix.
    fn unreachable(&self, what: String) -> Failure {
        Failure::usage(format!(
            "could not connect to {} (settings from {}): {}\n  = help: check the URL or \
             the PG* variables, that the server is running and accepts connections from \
             here, and the user and password",
            self.describe(),
            self.source.describe(),
            self.redactor.redact(&what)
        ))
    }
}

/// An error and its sources, `: ` separated.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    pub(super) fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn the_flag_wins_over_database_url_and_pg_variables() {
        let vars = [
            ("DATABASE_URL", "postgresql://a@envhost/envdb"),
            ("PGHOST", "pghost"),
        ];
        let t = Target::resolve(
            Some("postgresql://u:secret@flaghost:5433/flagdb"),
            env(&vars),
        )
        .unwrap();
        assert_eq!(t.source, Source::Flag);
        assert_eq!(t.describe(), "u@flaghost:5433/flagdb");
        let t = Target::resolve(None, env(&vars)).unwrap();
        assert_eq!(t.source, Source::DatabaseUrl);
        assert_eq!(t.describe(), "a@envhost:5432/envdb");
    }

    #[test]
    fn pg_variables_build_the_connection() {
        let vars = [
            ("PGHOST", "db.example"),
            ("PGPORT", "6543"),
            ("PGUSER", "app"),
            ("PGPASSWORD", "pw"),
            ("PGDATABASE", "prod"),
            ("PGSSLMODE", "require"),
        ];
        let t = Target::resolve(None, env(&vars)).unwrap();
        assert_eq!(t.source, Source::PgVariables);
        assert_eq!(t.describe(), "app@db.example:6543/prod");
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        assert!(Target::resolve(None, env(&[("PGSSLMODE", "verify-everything")])).is_err());
    }

    #[test]
    fn a_url_takes_its_missing_password_from_pgpassword() {
        let t = Target::resolve(Some("postgresql://u@h/db"), env(&[("PGPASSWORD", "pw")])).unwrap();
        assert_eq!(t.config.get_password(), Some(&b"pw"[..]));
    }

    #[test]
    fn verify_modes_and_root_certificates_are_read_from_urls_and_variables() {
        let url = "postgresql://u@h/db?sslmode=verify-full&sslrootcert=%2Fca%20dir%2Froot.crt\
                   &application_name=x";
        let t = Target::resolve(Some(url), env(&[])).unwrap();
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(t.config.get_application_name(), Some("x"));
        assert_eq!(
            t.verify,
            Verify {
                mode: Some(VerifyMode::Full),
                root_cert: Some(PathBuf::from("/ca dir/root.crt")),
            }
        );
        let t = Target::resolve(Some("host=h user=u sslmode=verify-ca"), env(&[])).unwrap();
        assert_eq!(t.verify.mode, Some(VerifyMode::Ca));
        let t = Target::resolve(None, env(&[("PGSSLMODE", "verify-ca")])).unwrap();
        assert_eq!(t.verify.mode, Some(VerifyMode::Ca));
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        // libpq: `require` with a root certificate verifies the chain.
        let t = Target::resolve(
            Some("postgresql://u@h/db?sslmode=require"),
            env(&[("PGSSLROOTCERT", "/ca.pem")]),
        )
        .unwrap();
        assert_eq!(t.verify.mode, Some(VerifyMode::Ca));
        let t = Target::resolve(Some("postgresql://u@h/db?sslmode=require"), env(&[])).unwrap();
        assert_eq!(t.verify, Verify::default());
    }
}
