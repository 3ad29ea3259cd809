//! PostgreSQL as the judge of the checker: each up file of a folder is applied to a real
//! database, then run again statement by statement inside a transaction that is rolled back, and
//! PostgreSQL's verdict is set beside the checker's (`scripts/oracle DIR` prints it).
//!
//! - An idempotency finding on a statement that re-runs without error and changes no row is
//!   **false**, unless the statement changed no row on its first run either (an `INSERT ...
//!   SELECT` from a table still empty here): PostgreSQL cannot tell then, and it is not judged.
//! - A statement that fails on the re-run, or changes rows again, with no idempotency finding is a
//!   **miss**.
//! - A file that PostgreSQL refuses inside a transaction (SQLSTATE 25001, or 2D000 for a
//!   `COMMIT` in a `DO` block) without a `needs-no-transaction` finding is a miss too.
//!
//! The checker runs without the folder's `migrate.toml` (so `legacy_until` hides nothing) and
//! without its allows: every finding is judged.

use std::fmt;
use std::path::Path;

use migrate_lint::discover::{read_dir, Entry};
use migrate_lint::{check_entries, Diagnostic, Family, CONFIG_FILE};
use postgres::error::ErrorPosition;
use postgres::{Client, SimpleQueryMessage};

/// What PostgreSQL says of one statement run a second time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rerun {
    /// It ran again and changed nothing.
    Fine,
    /// It ran again and changed this many rows again.
    ChangedRows(u64),
    /// It ran again and created or removed catalog objects (e.g. a second unnamed index).
    ChangedSchema,
    /// It failed, with this SQLSTATE and message.
    Failed(String, String),
    /// It cannot run inside a transaction; not judged.
    NotInTransaction,
    /// It changed no row on either run, so the database cannot tell whether a second run
    /// would change rows where the first one does (e.g. `INSERT ... SELECT` from a table that is
    /// empty here); not judged.
    NoRows,
}

/// One statement judged.
#[derive(Debug, Clone)]
pub struct Judged {
    /// `file:line`.
    pub location: String,
    /// The idempotency rules the checker reported on it.
    pub findings: Vec<&'static str>,
    /// PostgreSQL's verdict.
    pub rerun: Rerun,
}

impl Judged {
    /// A finding PostgreSQL contradicts.
    pub fn is_false_finding(&self) -> bool {
        !self.findings.is_empty() && self.rerun == Rerun::Fine
    }

    /// A failure (or a second change) the checker did not report.
    pub fn is_miss(&self) -> bool {
        self.findings.is_empty()
            && matches!(
                self.rerun,
                Rerun::Failed(..) | Rerun::ChangedRows(_) | Rerun::ChangedSchema
            )
    }
}

/// The verdicts over a folder.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Every statement of every file that applied.
    pub statements: Vec<Judged>,
    /// Files PostgreSQL refused in a transaction with no `needs-no-transaction` finding.
    pub transaction_misses: Vec<String>,
    /// Files that could not be applied at all (the judgement stops at the first).
    pub not_applied: Vec<String>,
}

impl Verdict {
    /// The false idempotency findings.
    pub fn false_findings(&self) -> Vec<&Judged> {
        self.statements
            .iter()
            .filter(|j| j.is_false_finding())
            .collect()
    }

    /// The misses (statements, and files refused in a transaction).
    pub fn misses(&self) -> Vec<String> {
        self.statements
            .iter()
            .filter(|j| j.is_miss())
            .map(|j| format!("{} {:?}", j.location, j.rerun))
            .chain(self.transaction_misses.iter().cloned())
            .collect()
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for judged in self.false_findings() {
            writeln!(
                f,
                "false  {} {}: re-runs fine",
                judged.location,
                judged.findings.join(",")
            )?;
        }
        for miss in self.misses() {
            writeln!(f, "miss   {miss}")?;
        }
        for file in &self.not_applied {
            writeln!(f, "stop   {file}")?;
        }
        let found = self
            .statements
            .iter()
            .filter(|j| !j.findings.is_empty())
            .count();
        let unjudged = self
            .statements
            .iter()
            .filter(|j| !j.findings.is_empty() && j.rerun == Rerun::NoRows)
            .count();
        write!(
            f,
            "{} statements re-run; {} with an idempotency finding: {} confirmed by PostgreSQL, {} \
             false, {} not judged (no row changed by either run); {} misses",
            self.statements.len(),
            found,
            found - self.false_findings().len() - unjudged,
            self.false_findings().len(),
            unjudged,
            self.misses().len()
        )
    }
}

/// Judges the folder `dir` on `client`'s (empty) database.
pub fn judge(dir: &Path, client: &mut Client) -> Result<Verdict, String> {
    let entries: Vec<Entry> = read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .into_iter()
        .filter(|e| e.name != CONFIG_FILE)
        .collect();
    let display = dir.display().to_string();
    let outcome = check_entries(&display, entries);
    let mut files: Vec<(u128, String)> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sql") && !n.ends_with(".down.sql"))
        .filter_map(|n| Some((n.split('_').next()?.parse().ok()?, n)))
        .collect();
    files.sort();
    let mut verdict = Verdict::default();
    for (_, name) in files {
        let path = format!("{display}/{name}");
        let sql = std::fs::read_to_string(dir.join(&name)).map_err(|e| e.to_string())?;
        let of_file: Vec<&Diagnostic> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.path == path)
            .collect();
        let no_transaction = sql.contains("-- migrate:no-transaction");
        let Ok(statements) = pg_query::split_with_parser(&sql) else {
            verdict
                .not_applied
                .push(format!("{path}: PostgreSQL cannot parse it"));
            break;
        };
        // The first run, statement by statement (in one transaction unless the file opts out),
        // counting the rows each changes.
        let mut first_rows = Vec::with_capacity(statements.len());
        let failed = (|| {
            if !no_transaction {
                client.batch_execute("BEGIN").map_err(|e| (e, None))?;
            }
            for statement in &statements {
                let messages = client
                    .simple_query(statement)
                    .map_err(|e| (e, Some(*statement)))?;
                first_rows.push(changed_rows(&messages));
            }
            if !no_transaction {
                client.batch_execute("COMMIT").map_err(|e| (e, None))?;
            }
            Ok::<_, (postgres::Error, Option<&str>)>(())
        })()
        .err();
        if let Some((e, statement)) = failed {
            if !no_transaction {
                let _ = client.batch_execute("ROLLBACK");
                let code = e.code().map_or("", |c| c.code());
                let needs = of_file.iter().any(|d| d.rule == "needs-no-transaction");
                if (code == "25001" || code == "2D000") && !needs {
                    verdict.transaction_misses.push(format!(
                        "{path}: fails in a transaction ({code}) without needs-no-transaction"
                    ));
                }
            }
            verdict
                .not_applied
                .push(describe(&e, &path, &sql, statement));
            break;
        }
        // The second run, statement by statement, rolled back. A statement's change of the
        // catalog counts only when the file's second run as a whole changes it (a `DROP ... IF
        // EXISTS` and the `CREATE` after it change nothing together).
        let server = |e: postgres::Error| describe(&e, &path, &sql, None);
        client.batch_execute("BEGIN").map_err(server)?;
        let file_before = catalog_size(client).map_err(server)?;
        let first_judged = verdict.statements.len();
        for (statement, first_rows) in statements.iter().zip(first_rows) {
            // The file's own `BEGIN` and `COMMIT` would end the transaction that rolls the
            // second run back; they change nothing to re-run.
            if is_transaction_control(statement) {
                continue;
            }
            let start = statement.as_ptr() as usize - sql.as_ptr() as usize;
            let (first, last) = lines(&sql, start, start + statement.len());
            let findings: Vec<&'static str> = of_file
                .iter()
                .filter(|d| {
                    d.position
                        .is_some_and(|p| p.line >= first && p.line <= last)
                        && migrate_lint::rules::find(d.rule)
                            .is_some_and(|r| r.family == Family::Idempotency)
                })
                .map(|d| d.rule)
                .collect();
            let before = catalog_size(client).map_err(server)?;
            client.batch_execute("SAVEPOINT oracle").map_err(server)?;
            let rerun = match client.simple_query(statement) {
                Ok(messages) => {
                    client
                        .batch_execute("RELEASE SAVEPOINT oracle")
                        .map_err(server)?;
                    let changed = changed_rows(&messages);
                    if changed > 0 && is_dml(statement) {
                        Rerun::ChangedRows(changed)
                    } else if first_rows == 0 && is_dml(statement) {
                        Rerun::NoRows
                    } else if catalog_size(client).map_err(server)? != before {
                        Rerun::ChangedSchema
                    } else {
                        Rerun::Fine
                    }
                }
                Err(e) => {
                    client
                        .batch_execute("ROLLBACK TO SAVEPOINT oracle")
                        .map_err(server)?;
                    let code = e.code().map_or("", |c| c.code()).to_owned();
                    if code == "25001" {
                        Rerun::NotInTransaction
                    } else {
                        let message = e
                            .as_db_error()
                            .map_or(e.to_string(), |d| d.message().to_owned());
                        Rerun::Failed(code, message)
                    }
                }
            };
            verdict.statements.push(Judged {
                location: format!("{path}:{first}"),
                findings,
                rerun,
            });
        }
        if catalog_size(client).map_err(server)? == file_before {
            for judged in &mut verdict.statements[first_judged..] {
                if judged.rerun == Rerun::ChangedSchema {
                    judged.rerun = Rerun::Fine;
                }
            }
        }
        client.batch_execute("ROLLBACK").map_err(server)?;
    }
    Ok(verdict)
}

/// PostgreSQL's error in full (`postgres::Error` alone prints only "db error"): severity,
/// SQLSTATE, message, detail and hint, at `path:line:col` of the position the server gives in
/// `statement` (a slice of the file's text `sql`), else at the statement's first line, else (an
/// error at `COMMIT`, a deferred constraint) at the file.
fn describe(error: &postgres::Error, path: &str, sql: &str, statement: Option<&str>) -> String {
    let Some(db) = error.as_db_error() else {
        let mut text = format!("{path}: {error}");
        let mut cause = std::error::Error::source(error);
        while let Some(c) = cause {
            text.push_str(&format!(": {c}"));
            cause = c.source();
        }
        return text;
    };
    let location = statement.map_or_else(
        || path.to_owned(),
        |statement| {
            let start = statement.as_ptr() as usize - sql.as_ptr() as usize;
            match db.position() {
                // A 1-based character offset into the statement sent.
                Some(ErrorPosition::Original(position)) => {
                    let within = statement
                        .char_indices()
                        .nth((*position as usize).saturating_sub(1))
                        .map_or(statement.len(), |(i, _)| i);
                    let before = &sql[..start + within];
                    let line = before.matches('\n').count() + 1;
                    let column = before[before.rfind('\n').map_or(0, |i| i + 1)..]
                        .chars()
                        .count()
                        + 1;
                    format!("{path}:{line}:{column}")
                }
                _ => format!("{path}:{}", lines(sql, start, start + statement.len()).0),
            }
        },
    );
    let severity = db
        .parsed_severity()
        .map_or_else(|| "ERROR".to_owned(), |s| s.to_string());
    let mut text = format!(
        "{location}: {severity} {}: {}",
        db.code().code(),
        db.message()
    );
    if let Some(detail) = db.detail() {
        text.push_str(&format!(" (detail: {detail})"));
    }
    if let Some(hint) = db.hint() {
        text.push_str(&format!(" (hint: {hint})"));
    }
    text
}

/// The rows a statement's messages say it changed.
fn changed_rows(messages: &[SimpleQueryMessage]) -> u64 {
    messages
        .iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .sum()
}

/// The first and last line (1-based) of the statement at `start..end`, leading blanks and
/// comments aside.
fn lines(sql: &str, start: usize, end: usize) -> (usize, usize) {
    let text = &sql[start..end];
    let mut skip = 0;
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start();
        skip += rest.len() - trimmed.len();
        rest = trimmed;
        if let Some(comment) = rest.strip_prefix("--") {
            let line_end = comment.find('\n').map_or(comment.len(), |i| i + 1);
            skip += 2 + line_end;
            rest = &comment[line_end..];
        } else {
            break;
        }
    }
    let line_of = |offset: usize| sql[..offset].matches('\n').count() + 1;
    (line_of(start + skip.min(text.len())), line_of(end))
}

/// How many catalog objects exist: a statement that changes it re-created or removed something.
fn catalog_size(client: &mut Client) -> Result<String, postgres::Error> {
    let messages = client.simple_query(
        "SELECT (SELECT count(*) FROM pg_class) + (SELECT count(*) FROM pg_constraint) \
             + (SELECT count(*) FROM pg_trigger) + (SELECT count(*) FROM pg_proc) \
             + (SELECT count(*) FROM pg_attribute WHERE NOT attisdropped)",
    )?;
    Ok(messages
        .iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .unwrap_or_default())
}

fn is_dml(statement: &str) -> bool {
    ["INSERT", "UPDATE", "DELETE", "WITH", "MERGE"].contains(&first_word(statement).as_str())
}

fn is_transaction_control(statement: &str) -> bool {
    [
        "BEGIN",
        "START",
        "COMMIT",
        "END",
        "ROLLBACK",
        "ABORT",
        "SAVEPOINT",
        "RELEASE",
    ]
    .contains(&first_word(statement).as_str())
}

/// The statement's first word, upper case, leading blank and comment lines aside.
fn first_word(statement: &str) -> String {
    statement
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or("")
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}
