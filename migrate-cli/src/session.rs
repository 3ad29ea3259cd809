//! What every database command starts with: the folder, checked by the build's checker and
//! turned into the runner's set, then a connection, and the runner with the common options.

use std::path::Path;

use migrate_lint::{Config, Outcome};
use migrate_runtime::Tenancy;
use migrate_runtime::{Migrations, Runner};
use postgres::Client;

use crate::args::DbArgs;
use crate::connect::{Redactor, Target};
use crate::failure::Failure;
use crate::{load, render};

/// The checked folder as the runner's set, and its `migrate.toml` (the tenancy it declares, the
/// trace's budget); the errors as code frames (exit 1) when it has any.
pub fn checked(dir: &Path) -> Result<(Migrations, Config), Failure> {
    let outcome: Outcome = load::check(dir);
    let shown = dir.display().to_string();
    match load::migrations(&outcome) {
        Ok(set) => {
            let warnings = outcome.warnings().count();
            if warnings > 0 {
                eprintln!(
                    "warning: {shown} has {warnings} lint warning(s); `migrate lint --dir {shown}` \
                     shows them"
                );
            }
            Ok((set, outcome.config))
        }
        Err(errors) => {
            for d in errors {
                eprintln!("{}", render::frame(d));
            }
            Err(Failure::findings(format!(
                "{}\n  = help: fix the files (`migrate lint --dir {shown}` checks them); nothing was \
                 done to the database",
                render::summary(&shown, outcome.checked(), &outcome.diagnostics)
                    .trim_start_matches("error: ")
            )))
        }
    }
}

/// The checked folder's runner with the common options, then the command's own (`options`),
/// its set and the tenancy its `migrate.toml` declares, without connecting; notes on stderr
/// each setting of `migrate.toml` the run overrides, as the runner will use it.
pub fn runner(
    args: &DbArgs,
    options: impl FnOnce(Runner) -> Runner,
) -> Result<(Runner, Migrations, Option<Tenancy>), Failure> {
    let (migrations, config) = checked(&args.folder.dir)?;
    let mut runner = migrations.runner();
    if args.history_schema.is_some() || args.history_table.is_some() {
        let table = runner.table().clone();
        runner = runner.history_table(
            args.history_schema.as_deref().unwrap_or(table.schema()),
            args.history_table.as_deref().unwrap_or(table.table()),
        );
    }
    if let Some(wait) = args.lock_wait {
        runner = runner.lock_wait(wait);
    }
    let runner = options(runner);
    for note in runner.overrides() {
        eprintln!("note: {note}");
    }
    Ok((runner, migrations, config.tenancy))
}

/// A connected session: the runner with the options, the client, and what to redact.
pub struct Session {
    /// The runner over the checked folder, with the history table and lock wait asked for and
    /// the command's own options.
    pub runner: Runner,
    /// The checked folder.
    pub migrations: Migrations,
    /// The connection.
    pub client: Client,
    /// Keeps the password out of messages.
    redactor: Redactor,
    /// `user@host:port/database`, for messages.
    pub target: String,
    /// The resolved connection settings (a fleet's tenants are derived from them).
    pub settings: Target,
    /// The tenancy the folder's `migrate.toml` declares.
    pub tenancy: Option<Tenancy>,
}

impl Session {
    /// Checks the folder (errors: exit 1, before connecting), then connects (exit 2).
    pub fn open(args: &DbArgs) -> Result<Self, Failure> {
        Self::open_with(args, |runner| runner)
    }

    /// [`Session::open`], with the command's own runner options (`options`) applied after the
    /// common ones (see [`runner`]).
    pub fn open_with(
        args: &DbArgs,
        options: impl FnOnce(Runner) -> Runner,
    ) -> Result<Self, Failure> {
        let (runner, migrations, tenancy) = runner(args, options)?;
        let target = Target::resolve(args.database_url.as_deref(), |name| {
            std::env::var(name).ok()
        })?;
        let client = target.connect()?;
        Ok(Self {
            runner,
            migrations,
            client,
            redactor: target.redactor().clone(),
            target: target.describe(),
            settings: target,
            tenancy,
        })
    }

    /// A runner error as a failure, with the password redacted from its message.
    pub fn fail(&self, error: migrate_runtime::Error) -> Failure {
        let mut failure = Failure::from(error);
        failure.message = self.redactor.redact(&failure.message);
        failure
    }
}
