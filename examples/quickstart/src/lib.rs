//! The quick start's application logic: apply the embedded migrations, then print the report and
//! the status. `main` connects to `DATABASE_URL` and calls [`start`]; the integration tests call
//! it too.

use std::io::Write;

use migrate_runtime::{embed_migrations, Migrations};

/// The files of `migrations/`, checked by PostgreSQL's parser and the rules at build time.
pub static MIGRATIONS: Migrations = embed_migrations!("migrations");

/// Why the quick start stopped.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The connection to `DATABASE_URL` failed (the messages never hold the password).
    #[error("could not connect to DATABASE_URL")]
    Connect(#[source] postgres::Error),
    /// Applying or reading the migrations failed; the message names the migration.
    #[error(transparent)]
    Migrate(#[from] migrate_runtime::Error),
    /// Writing the output failed.
    #[error("could not write the output")]
    Output(#[from] std::io::Error),
}

/// An error and its causes on one line, `what: why: why`. A cause whose text the message already
/// ends with is not repeated.
pub fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// Connects to `database_url` (plain connection) and runs [`start`].
pub fn start_with_url(database_url: &str, out: &mut impl Write) -> Result<(), StartError> {
    let mut client =
        postgres::Client::connect(database_url, postgres::NoTls).map_err(StartError::Connect)?;
    start(&mut client, out)
}

/// Applies the pending migrations and writes the report, a blank line and the status to `out`.
pub fn start(client: &mut postgres::Client, out: &mut impl Write) -> Result<(), StartError> {
    let report = MIGRATIONS.run(client)?;
    writeln!(out, "{report}\n")?;
    let status = MIGRATIONS.runner().status(client)?;
    writeln!(out, "{status}")?;
    Ok(())
}
