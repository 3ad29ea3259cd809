//! Who holds the migration lock, or blocks a migration: the sessions read from `pg_locks` and
//! `pg_stat_activity` ([`LockHolder`]), and the sign of a transaction pooler ([`Pooler`]).

use std::fmt;

use postgres::SimpleQueryMessage;

use crate::sql;

/// Why the runner believes its connection goes through a transaction pooler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooler {
    /// Two statements of one client session ran on different server backends.
    BackendChanged {
        /// The backend of the first statement of the run.
        first: i32,
        /// The backend of a later one.
        later: i32,
    },
    /// The server backend already held the migration lock when this client asked for it: it
    /// was taken by another client of the same server connection.
    LockAlreadyHeld {
        /// The backend.
        pid: i32,
    },
}

impl fmt::Display for Pooler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pooler::BackendChanged { first, later } => write!(
                f,
                "two statements of one session ran on different server backends (pid {first}, then pid {later})"
            ),
            Pooler::LockAlreadyHeld { pid } => write!(
                f,
                "server backend pid {pid} already held the migration lock, taken by another client of that pooled server connection"
            ),
        }
    }
}

/// The session holding the migration lock, from `pg_locks` and `pg_stat_activity`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Its backend process id.
    pub pid: i32,
    /// Its `application_name`.
    pub application_name: String,
    /// Its client address, when connected over TCP.
    pub client_addr: Option<String>,
    /// When it connected (UTC, ISO 8601).
    pub backend_start: Option<String>,
    /// When its current (or last) query started (UTC, ISO 8601).
    pub query_start: Option<String>,
    /// Its state (`active`, `idle`, ...), when visible to this role.
    pub state: Option<String>,
    /// Its current (or last) query, shortened, when visible to this role.
    pub query: Option<String>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pid {} (application_name '{}'",
            self.pid, self.application_name
        )?;
        if let Some(addr) = &self.client_addr {
            write!(f, ", from {addr}")?;
        }
        if let Some(start) = &self.backend_start {
            write!(f, ", connected since {start}")?;
        }
        if let Some(state) = &self.state {
            write!(f, ", {state}")?;
        }
        if let Some(start) = &self.query_start {
            write!(f, " since {start}")?;
        }
        if let Some(query) = &self.query {
            write!(f, ": {query}")?;
        }
        write!(f, ")")
    }
}

/// The granted rows of `pg_locks` of the advisory lock `key` in this database that satisfy
/// `condition` (on `l`). A bigint key is stored in `pg_locks` as `classid` (high 32 bits),
/// `objid` (low 32 bits) and `objsubid = 1`.
pub(super) fn lock_rows_sql(key: i64, condition: &str) -> String {
    let bits = key as u64;
    let (high, low) = (bits >> 32, bits & 0xffff_ffff);
    format!(
        "SELECT l.pid FROM pg_catalog.pg_locks l \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {high} AND l.objid = {low} \
         AND l.objsubid = 1 AND {condition} \
         AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())"
    )
}

/// The session holding the advisory lock `key` in this database.
pub(super) fn holder_sql(key: i64) -> String {
    let time = |column: &str| {
        format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
    format!(
        "SELECT a.pid, a.application_name, a.client_addr::text, {backend_start}, {query_start}, \
         a.state, left(a.query, 200) \
         FROM pg_catalog.pg_stat_activity a WHERE a.pid IN ({locks})",
        backend_start = time("a.backend_start"),
        query_start = time("a.query_start"),
        locks = lock_rows_sql(key, "true"),
    )
}

/// The sessions of an answer whose columns are those of [`holder_sql`].
pub(crate) fn parse_holders(messages: &[SimpleQueryMessage]) -> Vec<LockHolder> {
    sql::rows(messages)
        .filter_map(|row| {
            let text = |i: usize| row.get(i).map(str::to_owned);
            Some(LockHolder {
                pid: sql::parse(row.get(0))?,
                application_name: text(1).unwrap_or_default(),
                client_addr: text(2),
                backend_start: text(3),
                query_start: text(4),
                state: text(5),
                query: text(6),
            })
        })
        .collect()
}
