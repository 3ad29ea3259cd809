//! Why a command stopped, and the exit code that says so (see `migrate --help`).

use std::fmt;
use std::process::ExitCode;

use migrate_runtime::{Error, Refusal, Remedy};

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
            Error::Database { .. }
            | Error::Unreachable { .. }
            | Error::UnknownVersion { .. }
            | Error::RepairRefused {
                refusal: Refusal::NoReason,
                ..
            } => Code::Usage,
            _ => Code::Findings,
        };
        Self {
            code,
            message: describe(error),
        }
    }
}

/// A runner error in the command line's words: the runner's statement of the fact, then what
/// to do (`= help: `) as flags and commands, never as the library's builder methods.
pub fn describe(error: &Error) -> String {
    let mut message = error.fact().to_string();
    for help in cli_help(error) {
        message.push_str("\n  = help: ");
        message.push_str(help);
    }
    message
}

/// A remedy in the command line's words.
pub fn in_flag_terms(remedy: Remedy) -> Option<&'static str> {
    Some(match remedy {
        Remedy::LockWait => "on the command line, wait longer with `--lock-wait 5m`",
        Remedy::LockTimeout => {
            "to let it wait longer for its tables, raise `migrate apply --lock-timeout` or \
             `--lock-retries`"
        }
        Remedy::ForceBaseline => "on the command line: `migrate baseline VERSION --force`",
        Remedy::HistoryTable => {
            "to leave that table alone, choose another one with `--history-schema` and \
             `--history-table`"
        }
        Remedy::RestartChanged => {
            "`migrate apply` resumes the file only while its text is the one that ran: restore \
             that text to finish it, or, when it was changed on purpose, `migrate repair \
             forget-failure VERSION --reason TEXT` runs it again from its first statement"
        }
        Remedy::SessionConnection => {
            "on the command line, point `--database-url` at PostgreSQL itself or at a \
             session-mode pool"
        }
        Remedy::AllowOutOfOrder => {
            "on the command line, `migrate apply --allow-out-of-order` applies an older \
             pending migration"
        }
        Remedy::AllowModified => {
            "`migrate verify` lists the applied migrations whose file changed; when a file was \
             changed on purpose, `migrate repair accept-checksum VERSION --reason TEXT` records \
             its new checksum"
        }
        Remedy::RepairOutOfOrder => {
            "on the command line, `--allow-out-of-order` makes the repair anyway; `migrate apply \
             --allow-out-of-order` then applies the older migration"
        }
        // No flag accepts missing migrations: the findings say to restore the files.
        _ => return None,
    })
}

/// What to do about `error` on the command line: its remedies in flag terms, and the command
/// line's own advice when the database could not be queried.
pub fn cli_help(error: &Error) -> Vec<&'static str> {
    let mut help: Vec<&'static str> = error
        .remedies()
        .into_iter()
        .filter_map(in_flag_terms)
        .collect();
    if let Error::Database { .. } | Error::Unreachable { .. } = error {
        help.push(
            "check that the server is up and that the role may read and write the history table",
        );
    }
    help
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
    use migrate_runtime::{
        Finding, FindingKind, HistoryTable, Irreversible, Operation, Pooler, Severity,
    };
    use std::time::Duration;

    #[test]
    fn runner_errors_map_to_the_documented_codes_with_command_line_advice() {
        let unknown = Error::UnknownVersion {
            version: 9.into(),
            known: vec![1.into(), 2.into()],
        };
        assert_eq!(Failure::from(unknown).code, Code::Usage);
        let used = Failure::from(Error::BaselineNotEmpty {
            table: HistoryTable::default(),
            rows: 2,
        });
        assert_eq!(used.code, Code::Findings);
        assert!(used
            .message
            .ends_with("= help: on the command line: `migrate baseline VERSION --force`"));
        let cannot = Failure::from(Error::CannotRollBack {
            version: 3.into(),
            name: "x".to_owned(),
            reason: Irreversible::NoDownFile,
        });
        assert_eq!(cannot.code, Code::Findings);
        assert!(!cannot.message.contains("= help"));
    }

    #[test]
    fn a_validation_error_gets_the_help_of_each_of_its_findings_in_flag_terms() {
        let finding = |kind| Finding {
            severity: Severity::Error,
            kind,
        };
        let error = Error::Validation(vec![
            finding(FindingKind::OutOfOrder {
                version: 2.into(),
                name: "b".to_owned(),
                newest_applied: 3.into(),
            }),
            finding(FindingKind::Modified {
                version: 3.into(),
                name: "c".to_owned(),
                applied: "aa".to_owned(),
                embedded: "ab".to_owned(),
            }),
        ]);
        assert!(error
            .to_string()
            .contains("Runner::allow_out_of_order(true)"));
        let cli = Failure::from_runtime(&error).message;
        assert!(
            !cli.contains("Runner::") && !cli.contains("allow_"),
            "{cli}"
        );
        assert!(
            cli.contains("= help: on the command line, `migrate apply --allow-out-of-order`"),
            "{cli}"
        );
        assert!(
            cli.ends_with(
                "= help: `migrate verify` lists the applied migrations whose file changed; when \
                 a file was changed on purpose, `migrate repair accept-checksum VERSION --reason \
                 TEXT` records its new checksum"
            ),
            "{cli}"
        );
    }

    #[test]
    fn the_command_line_words_each_remedy_as_flags_and_the_library_as_builder_methods() {
        let errors = [
            Error::BaselineNotEmpty {
                table: HistoryTable::default(),
                rows: 2,
            },
            Error::LockTimeout {
                key: 1,
                waited: Duration::from_secs(1),
                holder: None,
            },
            Error::HistoryShape {
                table: HistoryTable::default(),
                differences: vec!["column checksum (text) is missing".to_owned()],
            },
            Error::TransactionPooler {
                operation: Operation::Rollback,
                pooler: Pooler::LockAlreadyHeld { pid: 7 },
                no_transaction: Vec::new(),
            },
        ];
        for error in errors {
            let library = error.to_string();
            let cli = Failure::from_runtime(&error).message;
            assert_eq!(error.remedies().len(), 1, "{library}");
            assert!(!cli.contains("Runner::"), "{cli}");
            assert!(cli.contains("= help: ") && cli.contains("--"), "{cli}");
            assert!(cli.starts_with(&error.fact().to_string()), "{cli}");
            // The library's message names its builder method (the pooler's: the client given).
            assert!(
                library.contains("Runner::") || library.contains("Give the runner a client"),
                "{library}"
            );
            assert!(!library.contains("--"), "{library}");
        }
    }
}
