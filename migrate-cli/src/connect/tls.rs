//! TLS as libpq's `sslmode` asks: the certificate options the client's parser does not know
//! (`verify-ca`, `verify-full`, `sslrootcert`), and the connector that applies them.

use std::path::{Path, PathBuf};

use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use postgres_openssl::MakeTlsConnector;

use super::conninfo::{self, percent_decode};

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
    pub(super) fn parse(value: &str) -> Option<Self> {
        match value {
            "verify-ca" => Some(VerifyMode::Ca),
            "verify-full" => Some(VerifyMode::Full),
            _ => None,
        }
    }
}

/// Takes `sslmode=verify-ca|verify-full` and `sslrootcert=...` out of a URL's query or a
/// key=value string (the client's parser knows neither), leaving `sslmode=require` in their
/// place and every other character as it was. Pure.
pub(super) fn take_verify_options(conninfo: &str) -> (String, Verify) {
    let mut verify = Verify::default();
    // What replaces an option, given its key and its value as meant (empty: removed); `None`:
    // not ours, kept as written.
    let mut replace = |key: &str, value: String| -> Option<&'static str> {
        match key {
            "sslmode" => VerifyMode::parse(&value).map(|mode| {
                verify.mode = Some(mode);
                "sslmode=require"
            }),
            "sslrootcert" => {
                verify.root_cert = Some(PathBuf::from(value));
                Some("")
            }
            _ => None,
        }
    };
    let Some(url) = conninfo::url(conninfo) else {
        let mut out = String::new();
        let mut copied = 0;
        for pair in conninfo::pairs(conninfo) {
            if let Some(with) = replace(pair.key, pair.meant) {
                out.push_str(&conninfo[copied..pair.span.start]);
                out.push_str(with);
                copied = pair.span.end;
            }
        }
        out.push_str(&conninfo[copied..]);
        return (out, verify);
    };
    let Some(query) = url.query else {
        return (conninfo.to_owned(), verify);
    };
    let params: Vec<&str> = conninfo::params(query)
        .map(|param| {
            param
                .pair
                .and_then(|(key, value)| replace(&key, percent_decode(value)))
                .unwrap_or(param.raw)
        })
        .filter(|param| !param.is_empty())
        .collect();
    let out = if params.is_empty() {
        url.base.to_owned()
    } else {
        format!("{}?{}", url.base, params.join("&"))
    };
    (out, verify)
}

/// A connector as `verify` asks: `None` encrypts without verifying the certificate (as libpq's
/// `prefer` and `require`), `verify-ca` checks its chain, `verify-full` also its name.
/// `root_cert`, when given, is the only trust. `Err` says what failed.
pub(super) fn connector(
    mode: Option<VerifyMode>,
    root_cert: Option<&Path>,
) -> Result<MakeTlsConnector, String> {
    let mut builder =
        SslConnector::builder(SslMethod::tls()).map_err(|e| format!("cannot set up TLS: {e}"))?;
    match mode {
        None => builder.set_verify(SslVerifyMode::NONE),
        Some(_) => {
            builder.set_verify(SslVerifyMode::PEER);
            if let Some(file) = root_cert {
                // As libpq: the file is the only trust, not added to the system's store.
                let store =
                    X509StoreBuilder::new().map_err(|e| format!("cannot set up TLS: {e}"))?;
                builder.set_cert_store(store.build());
                builder.set_ca_file(file).map_err(|e| {
                    format!(
                        "cannot read the root certificate {} (sslrootcert): {e}",
                        file.display()
                    )
                })?;
            }
        }
    }
    let mut tls = MakeTlsConnector::new(builder.build());
    if mode == Some(VerifyMode::Ca) {
        tls.set_callback(|connect, _| {
            connect.set_verify_hostname(false);
            Ok(())
        });
    }
    Ok(tls)
}

/// The CA certificates to trust when verifying: `given` (`sslrootcert` / `PGSSLROOTCERT`), else
/// libpq's `~/.postgresql/root.crt` when it exists, else (`None`) the system's store.
pub(super) fn root_cert(given: Option<&Path>) -> Option<PathBuf> {
    given.map(Path::to_path_buf).or_else(|| {
        let home = std::env::var_os("HOME")?;
        let file = PathBuf::from(home).join(".postgresql/root.crt");
        file.exists().then_some(file)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_options_are_taken_out_and_the_rest_is_kept_as_written() {
        let (kv, verify) = take_verify_options(
            "host=h\tpassword='a  b'  sslmode = verify-full sslrootcert='/ca dir/r%20.crt' x=1",
        );
        // libpq reads a key-value value as written: no percent-decoding.
        assert_eq!(kv, "host=h\tpassword='a  b'  sslmode=require  x=1");
        assert_eq!(
            verify,
            Verify {
                mode: Some(VerifyMode::Full),
                root_cert: Some(PathBuf::from("/ca dir/r%20.crt")),
            }
        );
        // The query starts after the credentials, which may hold a `?`.
        let (url, verify) =
            take_verify_options("postgresql://u:p?w@h/d?sslmode=verify-ca&sslrootcert=%2Fca.pem");
        assert_eq!(url, "postgresql://u:p?w@h/d?sslmode=require");
        assert_eq!(verify.mode, Some(VerifyMode::Ca));
        assert_eq!(verify.root_cert, Some(PathBuf::from("/ca.pem")));
        let plain = "postgresql://u@h/d?sslmode=require&application_name=x";
        assert_eq!(
            take_verify_options(plain),
            (plain.to_owned(), Verify::default())
        );
    }
}
