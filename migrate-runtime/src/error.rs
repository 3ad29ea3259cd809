//! Everything that can go wrong, as one enum. Each error states the fact (what, where, with
//! typed fields); what the caller can change to get past it is a typed [`Remedy`], which each
//! front end words in its own terms: this type's `Display` names the builder method, the
//! `migrate` command its flag.

use std::fmt;
use std::time::Duration;

use crate::apply::MigrationFailure;
use crate::history::HistoryTable;
use crate::lock::{LockHolder, Pooler};
use crate::peer::PeerHistory;
use crate::plan::Finding;
use crate::remedy::{self, Remedy};
use crate::repair::{Refusal, RepairAction};
use crate::report::Operation;
use migrate_core::Version;

/// An error of a migration operation.
///
/// `Display` is the fact followed by the [`Remedy`] in the words of this crate's API (e.g.
/// "raise Runner::lock_wait"); [`Error::fact`] is the fact alone, for a front end that words
/// the remedy itself.
#[non_exhaustive]
pub enum Error {
    /// A query of the runner itself (not of a migration) failed.
    ///
    /// The message holds the client's error with its causes (SQLSTATE, detail, hint), so
    /// `source()` does not return it again: error reporters print it once.
    Database {
        /// What the runner was doing, e.g. "read the history table".
        action: &'static str,
        /// The client's error, e.g. for its [`SqlState`](postgres::error::SqlState).
        error: postgres::Error,
    },

    /// A fleet's target could not be reached: its server is down, or refused the connection.
    Unreachable {
        /// The target's server, when the fleet names its servers.
        server: Option<String>,
        /// Where the target was looked for, without the password: database, hosts, ports and
        /// user.
        address: String,
        /// The client's error.
        error: postgres::Error,
    },

    /// A migration PostgreSQL rejected. The database is as it was before that migration.
    Migration(Box<MigrationFailure>),

    /// Validation found problems before anything was applied; nothing was changed.
    Validation(Vec<Finding>),

    /// The history table exists with another shape; it was not changed.
    HistoryShape {
        /// The table.
        table: HistoryTable,
        /// One entry per difference, e.g. `column checksum is missing`.
        differences: Vec<String>,
    },

    /// The history table holds a value the runner cannot read.
    HistoryRow {
        /// The table.
        table: HistoryTable,
        /// What is wrong.
        problem: String,
    },

    /// Another migrator held the advisory lock for longer than the configured wait.
    LockTimeout {
        /// The advisory lock key.
        key: i64,
        /// How long the runner waited.
        waited: Duration,
        /// The session holding the lock, when it could be read.
        holder: Option<Box<LockHolder>>,
    },

    /// `run_to`, `rollback_to` or `baseline` named a version that is not embedded.
    UnknownVersion {
        /// The version asked for.
        version: Version,
        /// The embedded versions, in order.
        known: Vec<Version>,
    },

    /// A rollback needs a down file that does not exist.
    CannotRollBack {
        /// The version that cannot be reverted.
        version: Version,
        /// Its name as the history recorded it.
        name: String,
        /// Why.
        reason: Irreversible,
    },

    /// The connection goes through a transaction pooler and the operation needs a session of
    /// its own (a no-transaction migration is pending, or a rollback or baseline was asked);
    /// nothing was changed.
    TransactionPooler {
        /// What was refused.
        operation: Operation,
        /// How the pooler showed.
        pooler: Pooler,
        /// For [`Operation::Apply`]: the pending `-- migrate:no-transaction` migrations, each
        /// with its file; only the session lock keeps two migrators from running their
        /// statements at once. Empty for a rollback or a baseline, which hold the session lock
        /// throughout.
        no_transaction: Vec<(Version, String)>,
    },

    /// A concurrent index build of a no-transaction migration finished but left its index
    /// INVALID (e.g. `IF NOT EXISTS` skipped an invalid index of that name).
    InvalidIndex {
        /// The index, quoted as SQL names it.
        index: String,
        /// The building statement, `file:line:col`.
        location: String,
    },

    /// Under the lock, `run`, `run_to` or `rollback_to` found steps outside the versions given
    /// to [`Runner::only`](crate::Runner::only) (the history changed after they were
    /// confirmed); nothing was run.
    NotConfirmed {
        /// `Apply` or `Rollback`.
        operation: Operation,
        /// The versions it would have run without confirmation.
        unconfirmed: Vec<Version>,
    },

    /// `baseline` on a history table that already holds rows.
    BaselineNotEmpty {
        /// The table.
        table: HistoryTable,
        /// How many rows it holds.
        rows: usize,
    },

    /// A repair was refused: it would leave the history inconsistent, there is nothing to
    /// repair, or it has no reason; nothing was changed.
    RepairRefused {
        /// The action asked for.
        action: RepairAction,
        /// The version.
        version: Version,
        /// Why it was refused.
        refusal: Refusal,
    },

    /// `baseline_from_history` found rows in the other tool's history it cannot trust, or no
    /// such table; nothing was recorded.
    PeerHistory {
        /// The table read.
        table: PeerHistory,
        /// One entry per problem, each naming its version.
        problems: Vec<String>,
    },

    /// `drift`: the history says versions are applied that this build does not embed, so the
    /// schema they built cannot be rebuilt; nothing was compared.
    NotEmbedded {
        /// The applied versions this build lacks.
        versions: Vec<Version>,
    },

    /// `drift`: an ignore pattern (`[drift] ignore`, `Runner::drift_ignore`) does not read.
    DriftIgnore {
        /// What is wrong with it and what to write.
        problem: String,
    },

    /// `drift` could not build, read or drop its throwaway database.
    Throwaway {
        /// The throwaway database's name.
        database: String,
        /// What it was doing, e.g. "create".
        action: String,
        /// Whether the database is still on the server (its drop failed); otherwise nothing
        /// of it is left.
        left: bool,
        /// Why it failed: the client's error, or the error of a migration applied to it.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why an applied migration cannot be rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Irreversible {
    /// The history records it, but this build does not embed it.
    NotEmbedded,
    /// It has no `.down.sql` file.
    NoDownFile,
}

impl fmt::Display for Irreversible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Irreversible::NotEmbedded => "it is applied but not embedded in this build",
            Irreversible::NoDownFile => "it has no .down.sql file",
        })
    }
}

impl Error {
    pub(crate) fn db(action: &'static str) -> impl FnOnce(postgres::Error) -> Error {
        move |error| Error::Database { action, error }
    }

    /// The findings, when this is a validation error.
    pub fn findings(&self) -> &[Finding] {
        match self {
            Error::Validation(findings) => findings,
            _ => &[],
        }
    }

    /// The failure, when a migration PostgreSQL rejected caused this error.
    pub fn migration_failure(&self) -> Option<&MigrationFailure> {
        match self {
            Error::Migration(failure) => Some(failure),
            _ => None,
        }
    }

    /// What the caller can change to get past this error, if a setting can: none, one, or
    /// for a validation error those of its findings (each once, in order).
    pub fn remedies(&self) -> Vec<Remedy> {
        if let Error::Validation(findings) = self {
            return remedy::distinct(findings.iter().filter_map(|f| f.kind.remedy()));
        }
        let remedy = match self {
            Error::LockTimeout { .. } => Some(Remedy::LockWait),
            Error::BaselineNotEmpty { .. } => Some(Remedy::ForceBaseline),
            Error::HistoryShape { .. } => Some(Remedy::HistoryTable),
            Error::TransactionPooler { .. } => Some(Remedy::SessionConnection),
            Error::RepairRefused { refusal, .. } => refusal.remedy(),
            Error::Migration(failure)
                if failure.lock_timed_out() && !failure.blocked_by.is_empty() =>
            {
                Some(Remedy::LockTimeout)
            }
            Error::Migration(failure) if failure.statements_done.is_some() => {
                Some(Remedy::RestartChanged)
            }
            _ => None,
        };
        remedy.into_iter().collect()
    }

    /// The fact alone, without the remedy that `Display` words in this crate's API terms.
    pub fn fact(&self) -> impl fmt::Display + '_ {
        Fact(self)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fact = self.fact().to_string();
        // A remedy ends a one-line fact, or takes a line of its own after a longer one.
        let separator = if fact.contains('\n') { "\n  " } else { ". " };
        f.write_str(&fact)?;
        for remedy in self.remedies() {
            write!(f, "{separator}{}", remedy.in_builder_terms())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Written out, not derived: a derived `Debug` is `#[inline]`, so every crate that boxes an
/// `Error` (`?` into `Box<dyn Error>`, as the quick start's `main` does) compiled it again, with
/// the `Debug` of every type it holds: about 0.1 s of each build of such an application crate
/// (`scripts/bench-build`). It prints what the derive printed.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Database { action, error } => f
                .debug_struct("Database")
                .field("action", action)
                .field("error", error)
                .finish(),
            Error::Unreachable {
                server,
                address,
                error,
            } => f
                .debug_struct("Unreachable")
                .field("server", server)
                .field("address", address)
                .field("error", error)
                .finish(),
            Error::Migration(inner) => f.debug_tuple("Migration").field(inner).finish(),
            Error::Validation(inner) => f.debug_tuple("Validation").field(inner).finish(),
            Error::HistoryShape { table, differences } => f
                .debug_struct("HistoryShape")
                .field("table", table)
                .field("differences", differences)
                .finish(),
            Error::HistoryRow { table, problem } => f
                .debug_struct("HistoryRow")
                .field("table", table)
                .field("problem", problem)
                .finish(),
            Error::LockTimeout {
                key,
                waited,
                holder,
            } => f
                .debug_struct("LockTimeout")
                .field("key", key)
                .field("waited", waited)
                .field("holder", holder)
                .finish(),
            Error::UnknownVersion { version, known } => f
                .debug_struct("UnknownVersion")
                .field("version", version)
                .field("known", known)
                .finish(),
            Error::CannotRollBack {
                version,
                name,
                reason,
            } => f
                .debug_struct("CannotRollBack")
                .field("version", version)
                .field("name", name)
                .field("reason", reason)
                .finish(),
            Error::TransactionPooler {
                operation,
                pooler,
                no_transaction,
            } => f
                .debug_struct("TransactionPooler")
                .field("operation", operation)
                .field("pooler", pooler)
                .field("no_transaction", no_transaction)
                .finish(),
            Error::InvalidIndex { index, location } => f
                .debug_struct("InvalidIndex")
                .field("index", index)
                .field("location", location)
                .finish(),
            Error::NotConfirmed {
                operation,
                unconfirmed,
            } => f
                .debug_struct("NotConfirmed")
                .field("operation", operation)
                .field("unconfirmed", unconfirmed)
                .finish(),
            Error::BaselineNotEmpty { table, rows } => f
                .debug_struct("BaselineNotEmpty")
                .field("table", table)
                .field("rows", rows)
                .finish(),
            Error::RepairRefused {
                action,
                version,
                refusal,
            } => f
                .debug_struct("RepairRefused")
                .field("action", action)
                .field("version", version)
                .field("refusal", refusal)
                .finish(),
            Error::PeerHistory { table, problems } => f
                .debug_struct("PeerHistory")
                .field("table", table)
                .field("problems", problems)
                .finish(),
            Error::NotEmbedded { versions } => f
                .debug_struct("NotEmbedded")
                .field("versions", versions)
                .finish(),
            Error::DriftIgnore { problem } => f
                .debug_struct("DriftIgnore")
                .field("problem", problem)
                .finish(),
            Error::Throwaway {
                database,
                action,
                left,
                source,
            } => f
                .debug_struct("Throwaway")
                .field("database", database)
                .field("action", action)
                .field("left", left)
                .field("source", source)
                .finish(),
        }
    }
}

/// The fact of an error: what went wrong and where, with what is true whatever the front end.
struct Fact<'a>(&'a Error);

impl fmt::Display for Fact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::Database { action, error } => {
                write!(f, "could not {action}: {}", describe(error))
            }
            Error::Unreachable {
                server,
                address,
                error,
            } => {
                write!(f, "could not connect to ")?;
                if let Some(server) = server {
                    write!(f, "server {server} ")?;
                }
                write!(f, "({address}): {}", describe(error))
            }
            Error::Migration(failure) => write!(f, "{failure}"),
            Error::Validation(findings) => {
                write!(f, "validation failed, nothing was applied:")?;
                for finding in findings {
                    write!(f, "\n  {}", finding.fact())?;
                }
                Ok(())
            }
            Error::HistoryShape { table, differences } => write!(
                f,
                "the history table {} exists but does not have the expected shape: {}. \
                 It was left unchanged: migrate it by hand to the documented columns \
                 (version numeric(38, 0) primary key, name text, checksum text, applied_at \
                 timestamptz, execution_ms bigint, success boolean, error text, \
                 statements_done integer)",
                table.qualified(),
                differences.join("; ")
            ),
            Error::HistoryRow { table, problem } => write!(
                f,
                "the history table {} holds an unreadable row: {problem}",
                table.qualified()
            ),
            Error::LockTimeout {
                key,
                waited,
                holder,
            } => {
                write!(
                    f,
                    "timed out after {waited:?} waiting for the migration lock (advisory lock \
                     {key}) held by "
                )?;
                match holder {
                    Some(holder) => write!(f, "{holder}")?,
                    None => write!(f, "a session that has since released it")?,
                }
                write!(
                    f,
                    ". Wait for that migrator to finish, or end it (SELECT \
                     pg_terminate_backend(pid))"
                )
            }
            Error::UnknownVersion { version, known } => {
                let known: Vec<String> = known.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "version {version} is not one of the embedded migrations; use one of: {}",
                    known.join(", ")
                )
            }
            Error::CannotRollBack {
                version,
                name,
                reason,
            } => write!(
                f,
                "cannot roll back migration {version} ({name}): {reason}; nothing was rolled \
                 back. Add the down file, or roll back to a version at or after {version}"
            ),
            Error::TransactionPooler {
                operation,
                pooler,
                no_transaction,
            } => {
                let operation = verb(*operation);
                write!(
                    f,
                    "refusing to {operation} through a transaction pooler: {pooler}, as \
                     PgBouncer's pool_mode = transaction does. "
                )?;
                if no_transaction.is_empty() {
                    write!(
                        f,
                        "To {operation} safely the runner holds the session lock throughout"
                    )?;
                } else {
                    let files: Vec<String> = no_transaction
                        .iter()
                        .map(|(version, path)| format!("{version} ({path})"))
                        .collect();
                    write!(
                        f,
                        "Pending migration {} is marked `-- migrate:no-transaction`: its \
                         statements run outside any transaction, where only the session lock \
                         keeps two migrators from running them at the same time",
                        files.join(", ")
                    )?;
                }
                write!(
                    f,
                    ", and a pooled connection cannot hold it. Nothing was changed; the \
                     transactional migrations alone are safe through the pooler"
                )
            }
            Error::InvalidIndex { index, location } => write!(
                f,
                "index {index} built at {location} is INVALID after its build: queries do not \
                 use it but every write maintains it. The next run drops it (DROP INDEX \
                 CONCURRENTLY) and builds it again from that statement; if it stays invalid, \
                 look for the cause in the server log (a unique violation, a cancelled build)"
            ),
            Error::NotConfirmed {
                operation,
                unconfirmed,
            } => {
                let refused = verb(*operation);
                let would = match operation {
                    Operation::Rollback => "revert",
                    _ => refused,
                };
                let versions: Vec<String> = unconfirmed.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "refusing to {refused}: the history changed after the steps were \
                     confirmed, and it would now also {would} {}, which were not confirmed. \
                     Nothing was changed; look at the history (`migrate status`) and run the \
                     command again",
                    versions.join(", ")
                )
            }
            Error::BaselineNotEmpty { table, rows } => write!(
                f,
                "refusing to baseline: the history table {} already holds {rows} row(s)",
                table.qualified()
            ),
            Error::RepairRefused {
                action,
                version,
                refusal,
            } => f.write_str(&refusal.describe(*action, *version)),
            Error::NotEmbedded { versions } => {
                let versions: Vec<String> = versions.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "cannot compare: the history says {} applied, but this build does not \
                     embed them, so the schema they built cannot be rebuilt. Run drift with a \
                     build that has every applied migration (the release that applied them)",
                    versions.join(", ")
                )
            }
            Error::DriftIgnore { problem } => {
                write!(f, "a drift ignore pattern does not read: {problem}")
            }
            Error::Throwaway {
                database,
                action,
                left,
                source,
            } => {
                let source = match source.downcast_ref::<postgres::Error>() {
                    Some(error) => describe(error),
                    None => source.to_string(),
                };
                let after = if *left {
                    format!(
                        "it is still on the server: drop it with DROP DATABASE \"{database}\" \
                         WITH (FORCE)"
                    )
                } else {
                    "nothing of it is left on the server".to_owned()
                };
                write!(
                    f,
                    "could not {action} the throwaway database {database}: {source}; {after}"
                )
            }
            Error::PeerHistory { table, problems } => write!(
                f,
                "refusing to baseline from {table}, nothing was recorded: {}",
                problems.join("; ")
            ),
        }
    }
}

/// What `operation` does, as an error message says it was refused.
fn verb(operation: Operation) -> &'static str {
    match operation {
        Operation::Apply => "apply",
        Operation::Rollback => "roll back",
        Operation::Baseline => "record a baseline",
        Operation::Repair => "repair the history",
        Operation::Drift => "compare the schema",
    }
}

/// The client's error with its cause: `postgres::Error` alone prints only "db error" or "error
/// connecting to server"; the server's message (or the I/O error) is its source.
pub(crate) fn describe(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let severity = db
            .parsed_severity()
            .map_or_else(|| "ERROR".to_owned(), |s| s.to_string());
        let mut text = format!("{severity} {}: {}", db.code().code(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" (detail: {detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!(" (hint: {hint})"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod describe_tests {
    #[test]
    fn a_connection_error_shows_its_cause() {
        let error = postgres::Client::connect(
            "host=127.0.0.1 port=1 user=x connect_timeout=1",
            postgres::NoTls,
        )
        .err()
        .expect("nothing listens on port 1");
        let text = super::describe(&error);
        assert!(text.starts_with("error connecting to server: "), "{text}");
        assert!(text.len() > "error connecting to server: ".len(), "{text}");
    }
}

#[cfg(test)]
mod remedy_tests {
    use super::*;
    use crate::plan::{FindingKind, Severity};

    /// A validation error with an out-of-order migration and a modified one.
    fn validation() -> Error {
        let finding = |kind| Finding {
            severity: Severity::Error,
            kind,
        };
        Error::Validation(vec![
            finding(FindingKind::OutOfOrder {
                version: Version::new(2),
                name: "b".to_owned(),
                newest_applied: Version::new(3),
            }),
            finding(FindingKind::Modified {
                version: Version::new(3),
                name: "c".to_owned(),
                applied: "aa".to_owned(),
                embedded: "ab".to_owned(),
            }),
        ])
    }

    #[test]
    fn display_words_the_remedy_as_the_builder_method_and_fact_leaves_it_out() {
        let cases = [
            (
                Error::LockTimeout {
                    key: 1,
                    waited: Duration::from_secs(1),
                    holder: None,
                },
                Remedy::LockWait,
                "Runner::lock_wait",
            ),
            (
                Error::BaselineNotEmpty {
                    table: HistoryTable::default(),
                    rows: 3,
                },
                Remedy::ForceBaseline,
                "Runner::force_baseline(true)",
            ),
            (
                Error::HistoryShape {
                    table: HistoryTable::new("app", "history"),
                    differences: vec!["column checksum (text) is missing".to_owned()],
                },
                Remedy::HistoryTable,
                "Runner::history_table",
            ),
        ];
        for (error, remedy, method) in cases {
            assert_eq!(error.remedies(), [remedy]);
            let fact = error.fact().to_string();
            let display = error.to_string();
            assert!(!fact.contains("Runner::"), "{fact}");
            assert_eq!(display, format!("{fact}. {}", remedy.in_builder_terms()));
            assert!(display.contains(method), "{display}");
        }
        let validation = validation();
        assert_eq!(
            validation.remedies(),
            [Remedy::AllowOutOfOrder, Remedy::AllowModified]
        );
        let fact = validation.fact().to_string();
        assert!(!fact.contains("allow_"), "{fact}");
        assert_eq!(
            validation.to_string(),
            format!(
                "{fact}\n  {}\n  {}",
                Remedy::AllowOutOfOrder.in_builder_terms(),
                Remedy::AllowModified.in_builder_terms()
            )
        );
        let unknown = Error::UnknownVersion {
            version: Version::new(9),
            known: vec![Version::new(1), Version::new(2)],
        };
        assert!(unknown.remedies().is_empty());
        assert_eq!(
            unknown.to_string(),
            "version 9 is not one of the embedded migrations; use one of: 1, 2"
        );
    }
}

#[cfg(test)]
mod debug_tests {
    use super::*;

    /// `Debug` is written out (see its impl); it prints what `#[derive(Debug)]` printed, which
    /// is what `unwrap` and `{:?}` show users.
    #[test]
    fn debug_prints_what_the_derive_printed() {
        let io =
            || Box::new(std::io::Error::other("gone")) as Box<dyn std::error::Error + Send + Sync>;
        let cases = [
            (
                Error::DriftIgnore {
                    problem: "bad".to_owned(),
                },
                r#"DriftIgnore { problem: "bad" }"#,
            ),
            (
                Error::NotEmbedded {
                    versions: vec![Version::new(3)],
                },
                "NotEmbedded { versions: [Version(3)] }",
            ),
            (Error::Validation(Vec::new()), "Validation([])"),
            (
                Error::LockTimeout {
                    key: 7,
                    waited: Duration::from_secs(2),
                    holder: None,
                },
                "LockTimeout { key: 7, waited: 2s, holder: None }",
            ),
            (
                Error::Throwaway {
                    database: "t".to_owned(),
                    action: "drop".to_owned(),
                    left: true,
                    source: io(),
                },
                r#"Throwaway { database: "t", action: "drop", left: true, source: Custom { kind: Other, error: "gone" } }"#,
            ),
        ];
        for (error, debug) in cases {
            assert_eq!(format!("{error:?}"), debug);
        }
        let pretty = Error::BaselineNotEmpty {
            table: HistoryTable::default(),
            rows: 2,
        };
        assert_eq!(
            format!("{pretty:#?}"),
            format!(
                "BaselineNotEmpty {{\n    table: {},\n    rows: 2,\n}}",
                format!("{:#?}", HistoryTable::default()).replace('\n', "\n    ")
            )
        );
    }
}
