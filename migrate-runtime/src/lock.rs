//! The advisory lock that serialises migrators (replicas starting together).
//!
//! A session-level advisory lock on [`HistoryTable::lock_key`], taken with a bounded wait
//! (default [`DEFAULT_LOCK_WAIT`]). On timeout the error names the holder from `pg_locks` and
//! `pg_stat_activity`.
//!
//! The wait is a poll: `pg_try_advisory_lock`, and when it fails a [`POLL_INTERVAL`] sleep in the
//! same statement (one round trip per attempt). It is NOT a blocking `pg_advisory_lock`: a
//! session blocked in a statement holds a snapshot, and the holder's
//! `CREATE INDEX CONCURRENTLY` waits for every older snapshot to go away, so the two would
//! deadlock (the 16-process test found this). Between two polls the waiter holds no snapshot.
//!
//! The lock is released by [`Locked::release`] on success and by [`Locked`]'s destructor on every
//! other path: an error, a panic unwinding, or an async operation's future dropped mid-way (the
//! destructor queues `ROLLBACK` and `pg_advisory_unlock` on the connection without waiting).
//! A session that ends releases its locks too, so a killed process never leaves one behind.

use std::time::{Duration, Instant};

use postgres::SimpleQueryMessage;

use crate::conn::Connection;
use crate::error::{Error, LockHolder};
use crate::history::HistoryTable;

/// How long a migrator waits for another one to finish before giving up, unless
/// [`crate::Runner::lock_wait`] says otherwise.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// How long a waiting migrator sleeps (on the server) between two attempts at the lock.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The held lock, with the connection it is held on.
pub(crate) struct Locked<'c, C: Connection> {
    conn: &'c mut C,
    key: i64,
    held: bool,
}

impl<'c, C: Connection> Locked<'c, C> {
    /// Waits at most `wait` for the lock of `table`.
    pub(crate) async fn acquire(
        conn: &'c mut C,
        table: &HistoryTable,
        wait: Duration,
    ) -> Result<Self, Error> {
        let key = table.lock_key();
        // From here on the lock may be held (the server may grant it even if we stop waiting
        // for the answer): the destructor releases it.
        let mut locked = Locked {
            conn,
            key,
            held: true,
        };
        let started = Instant::now();
        let attempt = attempt_sql(key);
        loop {
            let answer = locked
                .conn
                .query(&attempt)
                .await
                .map_err(Error::db("take the migration lock"))?;
            if first_value(&answer) == Some("t") {
                return Ok(locked);
            }
            if started.elapsed() >= wait {
                break;
            }
        }
        locked.held = false;
        let holder = locked
            .conn
            .query(&holder_sql(key))
            .await
            .map_err(Error::db("find the holder of the migration lock"))?;
        Err(Error::LockTimeout {
            key,
            waited: started.elapsed(),
            holder: parse_holder(&holder).map(Box::new),
        })
    }

    /// The connection, to work under the lock.
    pub(crate) fn conn(&mut self) -> &mut C {
        self.conn
    }

    /// Releases the lock.
    pub(crate) async fn release(mut self) -> Result<(), Error> {
        let sql = format!("SELECT pg_advisory_unlock({})", self.key);
        self.conn
            .query(&sql)
            .await
            .map_err(Error::db("release the migration lock"))?;
        self.held = false;
        Ok(())
    }
}

impl<C: Connection> Drop for Locked<'_, C> {
    fn drop(&mut self) {
        if self.held {
            // A migration's transaction may be open (and aborted): end it first, or the unlock
            // would be refused. Outside a transaction ROLLBACK only warns.
            self.conn.send_and_forget("ROLLBACK");
            self.conn
                .send_and_forget(&format!("SELECT pg_advisory_unlock({})", self.key));
        }
    }
}

/// One attempt: `t` when the lock was taken; otherwise sleeps [`POLL_INTERVAL`], then `f`.
fn attempt_sql(key: i64) -> String {
    format!(
        "SELECT CASE WHEN pg_try_advisory_lock({key}) THEN 't' \
         ELSE (SELECT 'f' FROM pg_sleep({})) END",
        POLL_INTERVAL.as_secs_f64()
    )
}

fn first_value(messages: &[SimpleQueryMessage]) -> Option<&str> {
    messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => row.get(0),
        _ => None,
    })
}

/// The session holding the advisory lock `key` in this database. A bigint key is stored in
/// `pg_locks` as `classid` (high 32 bits), `objid` (low 32 bits) and `objsubid = 1`.
fn holder_sql(key: i64) -> String {
    let bits = key as u64;
    let (high, low) = (bits >> 32, bits & 0xffff_ffff);
    let time = |column: &str| {
        format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
    format!(
        "SELECT a.pid, a.application_name, a.client_addr::text, {backend_start}, {query_start}, \
         a.state, left(a.query, 200) \
         FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid \
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {high} AND l.objid = {low} \
         AND l.objsubid = 1 \
         AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())",
        backend_start = time("a.backend_start"),
        query_start = time("a.query_start"),
    )
}

fn parse_holder(messages: &[SimpleQueryMessage]) -> Option<LockHolder> {
    messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => {
            let text = |i: usize| row.get(i).map(str::to_owned);
            Some(LockHolder {
                pid: row.get(0)?.parse().ok()?,
                application_name: text(1).unwrap_or_default(),
                client_addr: text(2),
                backend_start: text(3),
                query_start: text(4),
                state: text(5),
                query: text(6),
            })
        }
        _ => None,
    })
}
