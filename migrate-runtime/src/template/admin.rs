//! The admin connection: connecting, its errors, the statements every part sends, and running
//! the blocking client off an async runtime's thread.

use postgres::tls::{MakeTlsConnect, TlsConnect};
use postgres::Socket;

use super::url::describe;
use super::TemplateError;
use crate::sql::quote_ident;

/// A TLS connector of the `postgres` crate (the same as `tokio-postgres`'s), for the admin
/// connection and the template's build, and for a fleet's connections:
/// `postgres::NoTls` (the default), `postgres_openssl::MakeTlsConnector`,
/// `postgres_native_tls::MakeTlsConnector`. Implemented for every type that fits; name it in
/// your own bounds.
pub trait MakeTls:
    MakeTlsConnect<
        Socket,
        Stream: Send + 'static,
        TlsConnect: Send + TlsConnect<Socket, Future: Send>,
    > + Clone
    + Send
    + Sync
    + 'static
{
}

impl<T> MakeTls for T where
    T: MakeTlsConnect<
            Socket,
            Stream: Send + 'static,
            TlsConnect: Send + TlsConnect<Socket, Future: Send>,
        > + Clone
        + Send
        + Sync
        + 'static
{
}

/// Runs `f` on a thread of its own: the sync `postgres` client must not run on an async
/// runtime's thread, and the helpers must work in `#[tokio::test]` and async handlers too.
pub(crate) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

pub(crate) fn connect(
    config: &postgres::Config,
    tls: impl MakeTls,
) -> Result<postgres::Client, TemplateError> {
    config
        .connect(tls)
        .map_err(|source| TemplateError::Connect {
            target: describe(config),
            source,
        })
}

pub(crate) fn admin_error(action: String) -> impl FnOnce(postgres::Error) -> TemplateError {
    move |source| TemplateError::Admin { action, source }
}

pub(crate) fn drop_sql(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
}

/// Parses the admin connection string.
pub(crate) fn parse(admin_url: &str) -> Result<postgres::Config, TemplateError> {
    admin_url
        .parse()
        .map_err(|source| TemplateError::InvalidUrl { source })
}
