//! The admin connection: connecting, its errors, the statements every part sends, and running
//! the blocking client off an async runtime's thread.

use super::url::describe;
use super::TestDatabaseError;
use crate::history::quote_ident;

/// Runs `f` on a thread of its own: the sync `postgres` client must not run on an async
/// runtime's thread, and a test helper must work in `#[tokio::test]` too.
pub(super) fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

pub(super) fn connect(config: &postgres::Config) -> Result<postgres::Client, TestDatabaseError> {
    config
        .connect(postgres::NoTls)
        .map_err(|source| TestDatabaseError::Connect {
            target: describe(config),
            source,
        })
}

pub(super) fn admin_error(action: String) -> impl FnOnce(postgres::Error) -> TestDatabaseError {
    move |source| TestDatabaseError::Admin { action, source }
}

pub(super) fn drop_sql(name: &str) -> String {
    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_ident(name))
}
