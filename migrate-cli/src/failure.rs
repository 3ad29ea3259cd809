//! Why a command stopped, and the exit code that says so (see `migrate --help`).

use std::fmt;
use std::process::ExitCode;

use migrate_runtime::{Error, FindingKind};

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 1: findings (lint or validation errors, a checksum mismatch) or a failed migration.
    Findings,
    /// 2: bad usage, or the database could not be reached or queried.
    Usage,
    /// 3: `status --exit-code` found pending migrations.
    Pending,
}

impl From<Code> for ExitCode {
    fn from(code: Code) -> ExitCode {
        match code {
            Code::Findings => ExitCode::from(1),
            Code::Usage => ExitCode::from(2),
            Code::Pending => ExitCode::from(3),
        }
    }
}

/// A command that stopped: the exit code and the message for stderr (already printed when
/// `message` is empty).
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub code: Code,
    /// What went wrong, where, and what to do; printed after `error: `.
    pub message: String,
}

impl Failure {
    /// Exit 2 with this message.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: Code::Usage,
            message: message.into(),
        }
    }

    /// Exit 1 with this message (empty: the findings were printed already).
    pub fn findings(message: impl Into<String>) -> Self {
        Self {
            code: Code::Findings,
            message: message.into(),
        }
    }

    /// Exit 3: migrations are pending (the status that says which was printed already).
    pub fn pending() -> Self {
        Self {
            code: Code::Pending,
            message: String::new(),
        }
    }

    /// The exit code a runner error means, with its message.
    pub fn from_runtime(error: &Error) -> Self {
        let code = match error {
            Error::Database { .. } | Error::UnknownVersion { .. } => Code::Usage,
            _ => Code::Findings,
        };
        let mut message = error.to_string();
        if let Some(help) = cli_help(error) {
            message.push_str("\n  = help: ");
            message.push_str(help);
        }
        Self { code, message }
    }
}

/// What the runner's advice means on the command line (its messages name the library's
/// builder methods).
pub fn cli_help(error: &Error) -> Option<&'static str> {
    let findings = error.findings();
    let has = |kind: fn(&FindingKind) -> bool| findings.iter().any(|f| kind(&f.kind));
    Some(match error {
        Error::Database { .. } => {
            "check that the server is up and that the role may read and write the history table"
        }
        Error::BaselineNotEmpty { .. } => "on the command line: `migrate baseline VERSION --force`",
        Error::LockTimeout { .. } => "on the command line, wait longer with `--lock-wait 5m`",
        Error::TransactionPooler { .. } => {
            "on the command line, point `--database-url` at PostgreSQL itself or at a \
             session-mode pool"
        }
        Error::Validation(_) if has(|k| matches!(k, FindingKind::OutOfOrder { .. })) => {
            "on the command line, `migrate apply --allow-out-of-order` applies an older \
             pending migration"
        }
        Error::Validation(_) if has(|k| matches!(k, FindingKind::Modified { .. })) => {
            "`migrate verify` lists the applied migrations whose file changed"
        }
        _ => return None,
    })
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure::from_runtime(&error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_errors_map_to_the_documented_codes_with_command_line_advice() {
        let unknown = Error::UnknownVersion {
            version: 9.into(),
            known: "1, 2".to_owned(),
        };
        assert_eq!(Failure::from(unknown).code, Code::Usage);
        let used = Failure::from(Error::BaselineNotEmpty {
            table: "\"public\".\"schema_migrations\"".to_owned(),
            rows: 2,
        });
        assert_eq!(used.code, Code::Findings);
        assert!(used
            .message
            .ends_with("= help: on the command line: `migrate baseline VERSION --force`"));
        let cannot = Failure::from(Error::CannotRollBack {
            version: 3.into(),
            name: "x".to_owned(),
            reason: "it has no .down.sql file".to_owned(),
        });
        assert_eq!(cannot.code, Code::Findings);
        assert!(!cannot.message.contains("= help"));
    }
}
