//! Where the database is (`--database-url`, `DATABASE_URL`, the libpq `PG*` variables), how to
//! reach it (TLS as `sslmode` asks), and how to talk about it without showing the password.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use postgres::config::{Host, SslMode};
use postgres::{Client, Config};
use postgres_openssl::MakeTlsConnector;

use crate::failure::Failure;

/// How long to wait for the server when neither the URL nor `PGCONNECT_TIMEOUT` says.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the connection settings came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--database-url`.
    Flag,
    /// The `DATABASE_URL` variable.
    DatabaseUrl,
    /// The `PG*` variables (and libpq's defaults).
    PgVariables,
}

impl Source {
    fn describe(self) -> &'static str {
        match self {
            Source::Flag => "--database-url",
            Source::DatabaseUrl => "DATABASE_URL",
            Source::PgVariables => "the PG* variables (PGHOST, PGPORT, PGUSER, PGDATABASE, ...)",
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

/// Certificate checks beyond what `postgres::Config` knows (it stops at `sslmode=require`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verify {
    /// `verify-ca` (the chain) or `verify-full` (the chain and the host name); `None`: the
    /// certificate is not verified (`prefer`, `require`).
    pub mode: Option<VerifyMode>,
    /// `sslrootcert` / `PGSSLROOTCERT`: the CA certificates to trust.
    pub root_cert: Option<PathBuf>,
}

/// libpq's verifying `sslmode`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerifyMode {
    /// The server's certificate must chain to a trusted CA.
    Ca,
    /// As `Ca`, and its name must match the host connected to.
    Full,
}

impl VerifyMode {
    fn parse(value: &str) -> Option<Self> {
        match value {
            "verify-ca" => Some(VerifyMode::Ca),
            "verify-full" => Some(VerifyMode::Full),
            _ => None,
        }
    }
}

/// Takes `sslmode=verify-ca|verify-full` and `sslrootcert=...` out of a URL's query or a
/// key=value string (the client's parser knows neither), leaving `sslmode=require` in their
/// place. Pure.
fn take_verify_options(url: &str) -> (String, Verify) {
    let mut verify = Verify::default();
    let mut keep = |pair: &str| -> Option<String> {
        let (key, value) = pair.split_once('=')?;
        let value = value.trim_matches('\'');
        match key {
            "sslmode" => VerifyMode::parse(value).map(|mode| {
                verify.mode = Some(mode);
                "sslmode=require".to_owned()
            }),
            "sslrootcert" => {
                verify.root_cert = Some(PathBuf::from(percent_decode(value)));
                Some(String::new())
            }
            _ => None,
        }
    };
    if url.contains("://") {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_owned(), verify);
        };
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| keep(pair).unwrap_or_else(|| pair.to_owned()))
            .filter(|pair| !pair.is_empty())
            .collect();
        let url = if pairs.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", pairs.join("&"))
        };
        (url, verify)
    } else {
        let words: Vec<String> = url
            .split_whitespace()
            .map(|word| keep(word).unwrap_or_else(|| word.to_owned()))
            .filter(|word| !word.is_empty())
            .collect();
        (words.join(" "), verify)
    }
}

/// Replaces every secret (the password, in every spelling seen) by `***`.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_owned());
        }
        // Longest first, so that a secret containing another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// The text with every secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        self.secrets
            .iter()
            .fold(text.to_owned(), |text, secret| text.replace(secret, "***"))
    }
}

impl Target {
    /// Resolves the settings from the flag, then `DATABASE_URL`, then the `PG*` variables;
    /// `env` reads a variable. A password missing from the URL comes from `PGPASSWORD`, as in
    /// libpq. Pure: the environment is passed in.
    pub fn resolve(
        flag: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Failure> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut redactor = Redactor::default();
        if let Some(password) = env("PGPASSWORD") {
            redactor.add(&password);
        }
        let (url, source) = match (flag, env("DATABASE_URL")) {
            (Some(url), _) => (Some(url.to_owned()), Source::Flag),
            (None, Some(url)) => (Some(url), Source::DatabaseUrl),
            (None, None) => (None, Source::PgVariables),
        };
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
        let fail = |what: String| {
            Failure::usage(format!(
                "could not connect to {} (settings from {}): {}\n  = help: check the URL or \
                 the PG* variables, that the server is running and accepts connections from \
                 here, and the user and password",
                self.describe(),
                self.source.describe(),
                self.redactor.redact(&what)
            ))
        };
        let mut builder = SslConnector::builder(SslMethod::tls())
            .map_err(|e| fail(format!("cannot set up TLS: {e}")))?;
        match self.verify.mode {
            None => builder.set_verify(SslVerifyMode::NONE),
            Some(_) => {
                builder.set_verify(SslVerifyMode::PEER);
                if let Some(file) = self.root_cert() {
                    // As libpq: the file is the only trust, not added to the system's store.
                    let store = X509StoreBuilder::new()
                        .map_err(|e| fail(format!("cannot set up TLS: {e}")))?;
                    builder.set_cert_store(store.build());
                    builder.set_ca_file(&file).map_err(|e| {
                        fail(format!(
                            "cannot read the root certificate {} (sslrootcert): {e}",
                            file.display()
                        ))
                    })?;
                }
            }
        }
        let mut tls = MakeTlsConnector::new(builder.build());
        if self.verify.mode == Some(VerifyMode::Ca) {
            tls.set_callback(|connect, _| {
                connect.set_verify_hostname(false);
                Ok(())
            });
        }
        self.config.connect(tls).map_err(|e| fail(error_chain(&e)))
    }
}

impl Target {
    /// The CA certificates to trust when verifying: `sslrootcert` / `PGSSLROOTCERT`, else
    /// libpq's `~/.postgresql/root.crt` when it exists, else (`None`) the system's store.
    fn root_cert(&self) -> Option<PathBuf> {
        self.verify.root_cert.clone().or_else(|| {
            let home = std::env::var_os("HOME")?;
            let file = PathBuf::from(home).join(".postgresql/root.crt");
            file.exists().then_some(file)
        })
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

/// Completes `config` from the libpq variables: everything missing, as libpq does. `sslmode`
/// only when no URL was given (a URL that does not name one means libpq's default, `prefer`).
fn fill_from_pg_variables(
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

/// The password of a connection string in every spelling that may be printed: as written
/// (percent-encoded, or quoted with backslash escapes) and as meant. Found where
/// `postgres::Config` reads it: in a `postgres://` or `postgresql://` URL, after the first `:` of
/// the text before the first `@`, and in a `password=` query parameter; in a key-value string, in
/// each `password = value` pair, the value quoted (`'...'`) or not, a backslash escaping the
/// next character. Without failing, so that the password is redacted even from the message about a
/// string that does not parse (an unterminated value runs to the end).
fn conninfo_passwords(conninfo: &str) -> Vec<String> {
    let pairs = match ["postgres://", "postgresql://"]
        .iter()
        .find_map(|scheme| conninfo.strip_prefix(scheme))
    {
        Some(rest) => url_passwords(rest),
        None => key_value_passwords(conninfo),
    };
    let mut found: Vec<String> = pairs
        .into_iter()
        .flat_map(|(written, meant)| [written.to_owned(), meant])
        .collect();
    found.retain(|p| !p.is_empty());
    found
}

/// `(as written, as meant)` for each password of a URL, `rest` following its scheme.
fn url_passwords(rest: &str) -> Vec<(&str, String)> {
    let mut found = Vec::new();
    let after_credentials = match rest.split_once('@') {
        Some((credentials, after)) => {
            if let Some((_, password)) = credentials.split_once(':') {
                found.push((password, percent_decode(password)));
            }
            after
        }
        None => rest,
    };
    if let Some((_, query)) = after_credentials.split_once('?') {
        for pair in query.split('&') {
            if let Some((key, value)) = pair.split_once('=') {
                if percent_decode(key) == "password" {
                    found.push((value, percent_decode(value)));
                }
            }
        }
    }
    found
}

/// `(as written, as meant)` for each `password = value` of a key-value string.
fn key_value_passwords(conninfo: &str) -> Vec<(&str, String)> {
    let mut found = Vec::new();
    let mut chars = conninfo.char_indices().peekable();
    fn skip_whitespace(chars: &mut std::iter::Peekable<std::str::CharIndices>) {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    }
    loop {
        skip_whitespace(&mut chars);
        let Some(&(key_start, _)) = chars.peek() else {
            break;
        };
        let mut key_end = conninfo.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() || c == '=' {
                key_end = i;
                break;
            }
            chars.next();
        }
        let key = &conninfo[key_start..key_end];
        skip_whitespace(&mut chars);
        if key.is_empty() || chars.next_if(|&(_, c)| c == '=').is_none() {
            break;
        }
        skip_whitespace(&mut chars);
        let quoted = chars.next_if(|&(_, c)| c == '\'').is_some();
        let start = chars.peek().map_or(conninfo.len(), |&(i, _)| i);
        let (mut end, mut meant) = (conninfo.len(), String::new());
        while let Some(&(i, c)) = chars.peek() {
            if (quoted && c == '\'') || (!quoted && c.is_whitespace()) {
                end = i;
                break;
            }
            chars.next();
            let c = if c == '\\' {
                match chars.next() {
                    Some((_, escaped)) => escaped,
                    None => break,
                }
            } else {
                c
            };
            meant.push(c);
        }
        if quoted {
            chars.next(); // the closing quote
        }
        if key == "password" {
            found.push((&conninfo[start..end], meant));
        }
    }
    found
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
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
    fn passwords_are_redacted_in_every_spelling() {
        let t =
            Target::resolve(Some("postgresql://u:p%40ss@h/db?sslmode=require"), env(&[])).unwrap();
        assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
        let text = "url postgresql://u:p%40ss@h/db password p@ss";
        assert_eq!(
            t.redactor().redact(text),
            "url postgresql://u:***@h/db password ***"
        );
        assert!(!t.describe().contains("p@ss"));
    }

    /// Passwords of every shape: spaces, quotes, backslashes, the URL's delimiters, `%`,
    /// non-ASCII; generated from a fixed seed, so a failure is reproducible.
    fn generated_passwords() -> Vec<String> {
        const ALPHABET: &[char] = &[
            'a', 'Z', '0', '9', ' ', '\t', '\'', '"', '\\', '@', ':', '/', '?', '&', '=', '%', '#',
            '+', ',', ';', '[', ']', 'é', '€', '🦀',
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut passwords: Vec<String> = ["x y", "it's", "back\\slash", "%41", "p@ss:w/rd?"]
            .map(String::from)
            .into();
        for _ in 0..500 {
            let len = 8 + (next() % 12) as usize;
            passwords.push(
                (0..len)
                    .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                    .collect(),
            );
        }
        passwords
    }

    fn percent_encode(text: &str) -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }

    /// Each way of writing `password` in a connection string.
    fn spellings(password: &str) -> [String; 5] {
        let quoted = password.replace('\\', "\\\\").replace('\'', "\\'");
        let unquoted: String = password
            .chars()
            .flat_map(|c| match c {
                '\\' | '\'' => vec!['\\', c],
                c if c.is_whitespace() => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let encoded = percent_encode(password);
        [
            format!("host=h user=u password='{quoted}' dbname=d"),
            format!("host=h password = '{quoted}'"),
            format!("host=h user=u password={unquoted} dbname=d"),
            format!("postgresql://u:{encoded}@h:5432/d?sslmode=disable"),
            format!("postgres://u@h/d?application_name=x&password={encoded}"),
        ]
    }

    #[test]
    fn every_spelling_of_every_generated_password_is_redacted() {
        for password in generated_passwords() {
            for conninfo in spellings(&password) {
                let config = Config::from_str(&conninfo)
                    .unwrap_or_else(|e| panic!("{conninfo:?} does not parse: {e}"));
                // The spelling means this password to the driver that connects with it.
                assert_eq!(
                    config.get_password(),
                    Some(password.as_bytes()),
                    "{conninfo:?}"
                );
                let target = Target::resolve(Some(&conninfo), env(&[])).unwrap();
                let shown = target
                    .redactor()
                    .redact(&format!("{conninfo} | {password}"));
                assert!(!shown.contains(&password), "{password:?} in {shown:?}");
                let written = conninfo_passwords(&conninfo);
                for spelling in &written {
                    assert!(
                        !shown.contains(spelling.as_str()),
                        "{spelling:?} in {shown:?}"
                    );
                }
                assert!(
                    written.contains(&password),
                    "{password:?} not in {written:?}"
                );
            }
        }
    }

    #[test]
    fn passwords_are_found_in_strings_that_do_not_parse() {
        for (conninfo, expected) in [
            ("host=h password='x y' port=notaport", vec!["x y"]),
            (
                "host=h password='unterminated secret",
                vec!["unterminated secret"],
            ),
            ("password=a\\ b port", vec!["a\\ b", "a b"]),
            (
                "postgresql://u:s%20cret@h:notaport/db",
                vec!["s%20cret", "s cret"],
            ),
            ("postgresql://u:pa?ss@h/db", vec!["pa?ss"]),
        ] {
            let mut found = conninfo_passwords(conninfo);
            found.dedup();
            assert_eq!(found, expected, "{conninfo}");
        }
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

    #[test]
    fn an_invalid_url_does_not_show_its_password() {
        let err =
            Target::resolve(Some("postgresql://u:hunter2@h:notaport/db"), env(&[])).unwrap_err();
        assert!(!err.message.contains("hunter2"), "{}", err.message);
        let err = Target::resolve(Some("postgresql://u@h/db?sslmode=bogus"), env(&[])).unwrap_err();
        assert!(err.message.contains("sslmode"), "{}", err.message);
    }
}
