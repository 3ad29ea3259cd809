//! The history table: its name, its expected shape, and the SQL text that reads and writes it.
//!
//! Every statement is built here as text for the simple query protocol (one round trip, and
//! several statements in one string when they belong together), quoted with the tools of
//! [`crate::sql`]; [`crate::read`] runs the reads and parses their answers.

use migrate_core::{PgVersion, Version, DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE};

use postgres::SimpleQueryMessage;

use crate::embedded::Migration;
use crate::fnv::fnv1a;
use crate::sql::{self, dollar_tag, quote_ident, quote_literal};

/// The columns the history table must have, with their types as `format_type` spells them.
pub(crate) const COLUMNS: [(&str, &str); 8] = [
    ("version", "numeric"),
    ("name", "text"),
    ("checksum", "text"),
    ("applied_at", "timestamp with time zone"),
    ("execution_ms", "bigint"),
    ("success", "boolean"),
    ("error", "text"),
    ("statements_done", "integer"),
];

/// Where the runner records applied migrations: `public.schema_migrations` unless configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryTable {
    schema: String,
    table: String,
}

impl Default for HistoryTable {
    fn default() -> Self {
        Self::new(DEFAULT_HISTORY_SCHEMA, DEFAULT_HISTORY_TABLE)
    }
}

impl HistoryTable {
    /// A history table `schema.table`. The names are used as written (case and all): they are
    /// always quoted.
    pub fn new(schema: impl Into<String>, table: impl Into<String>) -> Self {
        Self {
            schema: schema.into(),
            table: table.into(),
        }
    }

    /// The schema name.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// `"schema"."table"`, quoted for SQL.
    pub fn qualified(&self) -> String {
        format!("{}.{}", quote_ident(&self.schema), quote_ident(&self.table))
    }

    /// The key of the session-level advisory lock (`pg_advisory_lock(bigint)`) that serialises
    /// migrators of this table: the 64-bit FNV-1a hash of `migrate-runtime`, the schema and the
    /// table (NUL separated), as a signed integer. Two history tables never share it unless their
    /// names collide in 64 bits.
    ///
    /// Public and stable: every version of this crate, on every platform, computes the same key
    /// (changing it would let an old and a new release, deployed side by side, migrate one
    /// database at once), so operators and other tools may rely on it, to find the migrator in
    /// `pg_locks` or to hold migrations off by taking the lock themselves.
    pub fn lock_key(&self) -> i64 {
        advisory_key(&["migrate-runtime", &self.schema, &self.table])
    }

    /// The key of the transaction-level advisory lock each transactional migration takes first
    /// in its own transaction: like [`HistoryTable::lock_key`], with `migrate-runtime-xact`.
    /// A key of its own, so that a migrator waiting for it never waits for the whole run of a
    /// migrator holding the session lock (whose concurrent index builds would wait for the
    /// waiter's snapshot in turn). Public and stable for the same reasons.
    pub fn guard_key(&self) -> i64 {
        advisory_key(&["migrate-runtime-xact", &self.schema, &self.table])
    }

    /// The columns and primary key of the table, or NULLs when it does not exist.
    fn shape_select(&self) -> String {
        let regclass = format!("to_regclass({})", quote_literal(&self.qualified()));
        format!(
            "SELECT (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, NULL), ',' ORDER BY a.attnum) \
                     FROM pg_catalog.pg_attribute a \
                     WHERE a.attrelid = {regclass} AND a.attnum > 0 AND NOT a.attisdropped) AS columns, \
                    (SELECT string_agg(a.attname, ',' ORDER BY a.attnum) \
                     FROM pg_catalog.pg_index i \
                     JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) \
                     WHERE i.indrelid = {regclass} AND i.indisprimary) AS primary_key"
        )
    }

    /// One query: the table's shape and all its rows. Fails with `42P01` when the table does not
    /// exist and `42703` when a column is missing.
    pub(crate) fn read_sql(&self, detail: Detail) -> String {
        let applied_at =
            "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
        let applied_at = match detail {
            Detail::Full => applied_at.to_owned(),
            Detail::Lean => format!("CASE WHEN success THEN NULL ELSE {applied_at} END"),
        };
        format!(
            "SELECT s.columns, s.primary_key, h.* FROM ({shape}) s LEFT JOIN (\
             SELECT version, name, checksum, {applied_at} AS applied_at, \
             execution_ms, success, error, statements_done FROM {table}) h ON true",
            shape = self.shape_select(),
            table = self.qualified()
        )
    }

    /// The start-up read: versions, checksums and outcomes, nothing else. Without the shape
    /// check and the other columns it costs about what the peers' single `SELECT` costs, and it
    /// is enough to see that nothing is to be done ([`crate::plan::glance`]); a run that has
    /// something to do reads the whole rows with [`HistoryTable::read_sql`] before writing.
    ///
    /// A first statement in the same string reads the server backend's pid and the server's
    /// version (see [`split_backend`]): the runner compares the pid with later ones to detect a
    /// transaction pooler, and the version with the migrations' target.
    pub(crate) fn applied_sql(&self) -> String {
        format!(
            "{BACKEND};\nSELECT version, checksum, success FROM {}",
            self.qualified()
        )
    }

    /// Creates the history table when missing (see [`HistoryTable::create_sql`]) before the
    /// migration lock is taken, serialised with other migrators by the transaction-level lock
    /// [`HistoryTable::guard_key`], and reads the backend's pid and the server's version (see
    /// [`split_backend`]).
    pub(crate) fn create_guarded_sql(&self) -> String {
        format!(
            "{BACKEND};\nBEGIN; SELECT pg_advisory_xact_lock({});\n{};\nCOMMIT",
            self.guard_key(),
            self.create_sql()
        )
    }

    /// The shape query alone, to name the differences when [`HistoryTable::read_sql`] fails.
    pub(crate) fn shape_sql(&self) -> String {
        self.shape_select()
    }

    /// Creates the schema (only when missing, so no `CREATE` privilege on the database is needed
    /// when it exists) and the table.
    pub(crate) fn create_sql(&self) -> String {
        let schema_literal = quote_literal(&self.schema);
        let create_schema = format!("CREATE SCHEMA {}", quote_ident(&self.schema));
        let tag = dollar_tag(&create_schema);
        format!(
            "DO {tag}BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = {schema_literal}) \
             THEN {create_schema}; END IF; END{tag};\n\
             CREATE TABLE IF NOT EXISTS {table} (\
             version numeric(38, 0) PRIMARY KEY, \
             name text NOT NULL, \
             checksum text NOT NULL, \
             applied_at timestamptz NOT NULL DEFAULT now(), \
             execution_ms bigint, \
             success boolean NOT NULL, \
             error text, \
             statements_done integer)",
            table = self.qualified()
        )
    }

    /// Writes the row of one migration, holding the history's invariants in SQL whatever the
    /// locks did:
    /// - a success row is inserted after deleting a failed or progress row of that version, and
    ///   fails with `unique_violation` (see [`HistoryTable::applied_elsewhere`]) when another
    ///   migrator recorded the version first, committed or not (the insert waits for the
    ///   other transaction); in a migration's transaction this fails the migration too;
    /// - a failure or progress row replaces only a row that is not a success: it never undoes
    ///   another migrator's success.
    pub(crate) fn record_sql(&self, record: &Record<'_>) -> String {
        let execution_ms = match record.execution_ms {
            ExecutionMs::Measured(ms) => ms.to_string(),
            ExecutionMs::Later => "NULL".to_owned(),
        };
        let error = record
            .error
            .map_or_else(|| "NULL".to_owned(), quote_literal);
        let insert = format!(
            "INSERT INTO {table} AS h (version, name, checksum, applied_at, execution_ms, success, error, statements_done) \
             VALUES ({version}, {name}, {checksum}, now(), {execution_ms}, {success}, {error}, {done})",
            table = self.qualified(),
            version = record.version,
            name = quote_literal(record.name),
            checksum = quote_literal(record.checksum),
            success = record.success,
            done = record.statements_done,
        );
        if record.success {
            format!(
                "DELETE FROM {table} WHERE version = {version} AND NOT success;\n{insert}",
                table = self.qualified(),
                version = record.version,
            )
        } else {
            format!(
                "{insert} ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, \
                 applied_at = EXCLUDED.applied_at, execution_ms = EXCLUDED.execution_ms, success = EXCLUDED.success, \
                 error = EXCLUDED.error, statements_done = EXCLUDED.statements_done \
                 WHERE NOT h.success"
            )
        }
    }

    /// Whether a failed query failed because another migrator recorded the version as applied
    /// first (the success row of [`HistoryTable::record_sql`] hit this table's primary key).
    pub(crate) fn applied_elsewhere(&self, error: &postgres::error::DbError) -> bool {
        error.code() == &postgres::error::SqlState::UNIQUE_VIOLATION
            && error.schema() == Some(self.schema.as_str())
            && error.table() == Some(self.table.as_str())
    }

    /// Sets the `execution_ms` of a row written with [`ExecutionMs::Later`]: the time since the
    /// query string began (the migration and its row travel together).
    pub(crate) fn execution_sql(&self, version: Version) -> String {
        format!(
            "UPDATE {} SET execution_ms = {SINCE_STATEMENT_START} WHERE version = {version}",
            self.qualified()
        )
    }

    /// Forgets one migration (after its down file ran).
    pub(crate) fn delete_sql(&self, version: Version) -> String {
        format!("DELETE FROM {} WHERE version = {version}", self.qualified())
    }
}

/// An advisory lock key: the 64-bit FNV-1a hash of `parts` joined by NUL, as a signed integer.
fn advisory_key(parts: &[&str]) -> i64 {
    fnv1a(parts.join("\0").bytes()) as i64
}

/// How a row's `execution_ms` is computed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ExecutionMs {
    /// Measured by the runner.
    Measured(i64),
    /// Not known yet: NULL, set at the end of the migration's transaction by
    /// [`HistoryTable::execution_sql`].
    Later,
}

/// The milliseconds since the start of the current query string, computed on the server.
pub(crate) const SINCE_STATEMENT_START: &str =
    "(extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::bigint";

/// How much of each history row to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    /// Everything (`status`).
    Full,
    /// `applied_at` of failed rows only (empty for the others): formatting a thousand
    /// timestamps is most of the start-up query's time, and only findings show it.
    Lean,
}

/// A history row to write.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record<'a> {
    pub(crate) version: Version,
    pub(crate) name: &'a str,
    pub(crate) checksum: &'a str,
    pub(crate) execution_ms: ExecutionMs,
    pub(crate) success: bool,
    pub(crate) error: Option<&'a str>,
    pub(crate) statements_done: usize,
}

impl<'a> Record<'a> {
    /// The success row of a migration recorded without being run by this runner (a baseline,
    /// the versions a checkpoint stands for, a repair's mark-applied): its name, checksum and
    /// statement count, no execution time.
    pub(crate) fn unrun(migration: &'a Migration) -> Self {
        Record {
            version: migration.version(),
            name: migration.name(),
            checksum: migration.checksum(),
            execution_ms: ExecutionMs::Measured(0),
            success: true,
            error: None,
            statements_done: migration.up().statements().len(),
        }
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// The migration's version.
    pub version: Version,
    /// The migration's name when it was recorded.
    pub name: String,
    /// The checksum of the file that ran.
    pub checksum: String,
    /// When it was recorded (UTC, ISO 8601).
    pub applied_at: String,
    /// How long it ran, in milliseconds.
    pub execution_ms: Option<i64>,
    /// Whether it completed. `false`: it failed (see `error`) or a no-transaction file was
    /// interrupted after `statements_done` statements.
    pub success: bool,
    /// The error of the last failed attempt.
    pub error: Option<String>,
    /// How many statements completed (the resume point of a no-transaction file).
    pub statements_done: Option<i32>,
}

/// A history row as the start-up read sees it ([`HistoryTable::applied_sql`]).
/// It borrows the checksum from the server's answer: a start-up over a thousand rows allocates
/// nothing per row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applied<'a> {
    pub(crate) version: Version,
    pub(crate) checksum: &'a str,
    pub(crate) success: bool,
}

/// What reading the history found.
#[derive(Debug, Clone)]
pub(crate) enum History {
    /// The table does not exist yet.
    Missing,
    /// The table exists; its rows, by ascending version.
    Rows(Vec<HistoryRow>),
}

impl History {
    pub(crate) fn rows(&self) -> &[HistoryRow] {
        match self {
            History::Missing => &[],
            History::Rows(rows) => rows,
        }
    }
}

/// The first statement of [`HistoryTable::applied_sql`] and
/// [`HistoryTable::create_guarded_sql`]: the backend's pid and the server's
/// `server_version_num`.
const BACKEND: &str = "SELECT pg_backend_pid(), current_setting('server_version_num')";

/// What the first statement of a start-up query read: the backend's pid and the server's major
/// version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Backend {
    pub(crate) pid: Option<i32>,
    pub(crate) server: Option<PgVersion>,
}

/// Splits the answer of a query string whose first statement is [`BACKEND`]: what it read, and
/// the messages of the other statements.
pub(crate) fn split_backend(messages: &[SimpleQueryMessage]) -> (Backend, &[SimpleQueryMessage]) {
    let end = messages
        .iter()
        .position(|m| matches!(m, SimpleQueryMessage::CommandComplete(_)))
        .map_or(messages.len(), |i| i + 1);
    let (first, rest) = messages.split_at(end);
    let row = sql::rows(first).next();
    let backend = Backend {
        pid: row.and_then(|row| sql::parse(row.get(0))),
        server: row
            .and_then(|row| sql::parse(row.get(1)))
            .map(PgVersion::from_server_version_num),
    };
    (backend, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_identifiers_and_literals() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's a\\b"), "E'it''s a\\\\b'");
        assert_eq!(
            HistoryTable::new("My Schema", "t").qualified(),
            "\"My Schema\".\"t\""
        );
    }

    #[test]
    fn lock_key_depends_on_the_table() {
        let a = HistoryTable::default().lock_key();
        assert_eq!(a, HistoryTable::default().lock_key());
        assert_ne!(a, HistoryTable::new("public", "other").lock_key());
        assert_ne!(a, HistoryTable::default().guard_key());
        // Stable: every version of the runtime migrating one database takes the same locks.
        assert_eq!(a, 2_914_760_422_556_115_633);
        assert_eq!(
            HistoryTable::default().guard_key(),
            -559_337_998_069_085_730
        );
    }
}
