//! The advisory lock that serialises migrators (replicas starting together).
//!
//! A session-level advisory lock on [`HistoryTable::lock_key`], taken with a bounded wait
//! (default [`DEFAULT_LOCK_WAIT`](crate::DEFAULT_LOCK_WAIT)). On timeout the error names the holder from `pg_locks` and
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
//!
//! Through a transaction pooler (PgBouncer's `pool_mode = transaction`) a session lock means
//! nothing: each statement may run on another server connection, the lock stays with whichever
//! took it, and the next client of that server connection "holds" it too. So each attempt
//! first checks that it runs on the server backend the run started on, and that this backend
//! does not already hold the lock (a direct session never does); when either fails it takes
//! nothing and reports the pooler ([`Pooler`]), and the run goes on without a session lock: each
//! transactional migration guards itself in its own transaction (see `apply`), and the
//! no-transaction ones are refused before anything runs. This is detection, not proof: a
//! pooler that happens to hand out the same backend to every statement looks like a direct
//! connection; the release then finds the lock on another backend, retries, and as a last
//! resort terminates the idle pooled server connection holding it (see [`Locked::release`]), so
//! no lock is left behind.

use std::time::{Duration, Instant};

use postgres::SimpleQueryMessage;

use crate::conn::Connection;
use crate::error::Error;
use crate::history::HistoryTable;
use crate::report::Operation;
use crate::sql::{self, first_value};

mod holder;

pub(crate) use holder::parse_holders;
use holder::{holder_sql, lock_rows_sql};
pub use holder::{LockHolder, Pooler};

/// How long a waiting migrator sleeps (on the server) between two attempts at the lock.
pub(crate) const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The lock, with the connection it is held on; or, behind a transaction pooler, no lock and
/// why.
pub(crate) struct Locked<'c, C: Connection> {
    conn: &'c mut C,
    key: i64,
    held: bool,
    /// The server backend the lock was taken on.
    backend: i32,
    pooler: Option<Pooler>,
}

impl<'c, C: Connection> Locked<'c, C> {
    /// Waits at most `wait` for the lock of `table`. `backend`: the server backend the run's
    /// first statement ran on, when known.
    pub(crate) async fn acquire(
        conn: &'c mut C,
        table: &HistoryTable,
        wait: Duration,
        backend: Option<i32>,
    ) -> Result<Self, Error> {
        let key = table.lock_key();
        // From here on the lock may be held (the server may grant it even if we stop waiting
        // for the answer): the destructor releases it.
        let mut locked = Locked {
            conn,
            key,
            held: true,
            backend: 0,
            pooler: None,
        };
        let started = Instant::now();
        let attempt = attempt_sql(key, backend);
        loop {
            let answer = locked
                .conn
                .query(&attempt)
                .await
                .map_err(Error::db("take the migration lock"))?;
            match parse_attempt(&answer, backend) {
                Attempt::Taken(backend) => {
                    locked.backend = backend;
                    return Ok(locked);
                }
                Attempt::Pooled(pooler) => {
                    locked.held = false;
                    locked.pooler = Some(pooler);
                    tracing::warn!(
                        "the connection goes through a transaction pooler ({pooler}): \
                         running without the session lock, each transactional migration \
                         guarded in its own transaction"
                    );
                    return Ok(locked);
                }
                Attempt::Busy => {}
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
            holder: parse_holders(&holder).into_iter().next().map(Box::new),
        })
    }

    /// The connection, to work under the lock.
    pub(crate) fn conn(&mut self) -> &mut C {
        self.conn
    }

    /// The transaction pooler the attempt detected (then no lock is held).
    pub(crate) fn pooler(&self) -> Option<Pooler> {
        self.pooler
    }

    /// Refuses an operation that needs the session lock throughout (a rollback, a baseline)
    /// when the connection goes through a transaction pooler.
    pub(crate) fn session_required(&self, operation: Operation) -> Result<(), Error> {
        match self.pooler {
            None => Ok(()),
            Some(pooler) => Err(Error::TransactionPooler {
                operation,
                pooler,
                no_transaction: Vec::new(),
            }),
        }
    }

    /// Releases the lock. When the backend that answers does not hold it, the connection went
    /// through a transaction pooler that happened to give the run one backend until the lock
    /// was taken: the release is retried (each statement may reach another backend) for at
    /// most [`RELEASE_WAIT`]. Only one backend can hold the lock, and the detection keeps any
    /// other client of that backend from taking it, so a successful unlock releases this run's
    /// lock. When no retry reaches it (a pooler hands its most recently used server connection
    /// to a lone client), the pooled server connection holding it is terminated if it is idle:
    /// the only way to release a session lock from another session (the pooler opens a new
    /// server connection in its place).
    pub(crate) async fn release(mut self) -> Result<(), Error> {
        if !self.held {
            return Ok(());
        }
        let started = Instant::now();
        let sql = release_sql(self.key);
        let mut attempts = 0;
        let released = loop {
            attempts += 1;
            let answer = self
                .conn
                .query(&sql)
                .await
                .map_err(Error::db("release the migration lock"))?;
            if first_value(&answer) == Some("t") {
                break true;
            }
            if started.elapsed() >= RELEASE_WAIT {
                break false;
            }
        };
        self.held = false;
        if attempts == 1 {
            return Ok(());
        }
        let (key, backend) = (self.key, self.backend);
        let outcome = if released {
            format!("it was released after {attempts} attempts")
        } else {
            match self.conn.query(&terminate_sql(key, backend)).await {
                Ok(answer) if first_value(&answer) == Some("t") => format!(
                    "no release reached that backend, so the idle pooled server connection \
                     holding it (pid {backend}) was terminated"
                ),
                Ok(_) => format!(
                    "no release reached that backend, and pid {backend} is busy or gone: \
                     if it still holds the lock, end it with SELECT pg_terminate_backend({backend})"
                ),
                Err(error) => format!(
                    "no release reached that backend, and terminating pid {backend} failed \
                     ({error}): end it with SELECT pg_terminate_backend({backend})"
                ),
            }
        };
        tracing::warn!(
            key,
            backend,
            "the connection goes through a transaction pooler: the migration lock (advisory \
             lock {key}) was taken on server backend pid {backend} and the release reached other \
             backends; {outcome}. Run migrations over a direct connection or session pooling"
        );
        Ok(())
    }
}

/// How long [`Locked::release`] retries when the lock is held by another backend of a pool.
pub(crate) const RELEASE_WAIT: Duration = Duration::from_secs(1);

/// Terminates `backend` if it is idle (no transaction of any client of the pooler in flight)
/// and holds the advisory lock `key`; `t` when it did, waiting up to 5 s for the backend to
/// exit.
fn terminate_sql(key: i64, backend: i32) -> String {
    format!(
        "SELECT pg_terminate_backend(a.pid, 5000) FROM pg_catalog.pg_stat_activity a \
         WHERE a.pid = {backend} AND a.state = 'idle' AND a.pid IN ({locks})",
        locks = lock_rows_sql(key, "true")
    )
}

/// One release: `t` when this backend held the lock; otherwise a short sleep, then `f`.
fn release_sql(key: i64) -> String {
    format!(
        "SELECT CASE WHEN pg_advisory_unlock({key}) THEN 't' \
         ELSE (SELECT 'f' FROM pg_sleep(0.01)) END"
    )
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

/// One attempt: the backend's pid, then `p` (pooled: not the run's first backend, or this
/// backend holds the lock already; nothing taken), `t` (taken), or, after a [`POLL_INTERVAL`]
/// sleep, `f`.
fn attempt_sql(key: i64, backend: Option<i32>) -> String {
    let other_backend = backend.map_or_else(
        || "false".to_owned(),
        |pid| format!("pg_backend_pid() <> {pid}"),
    );
    format!(
        "SELECT pg_backend_pid(), CASE WHEN {other_backend} OR EXISTS ({held}) THEN 'p' \
         WHEN pg_try_advisory_lock({key}) THEN 't' \
         ELSE (SELECT 'f' FROM pg_sleep({})) END",
        POLL_INTERVAL.as_secs_f64(),
        held = lock_rows_sql(key, "l.pid = pg_backend_pid()"),
    )
}

/// What one attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// Taken, on this backend.
    Taken(i32),
    Busy,
    Pooled(Pooler),
}

fn parse_attempt(messages: &[SimpleQueryMessage], backend: Option<i32>) -> Attempt {
    let row = sql::rows(messages)
        .next()
        .map(|row| (row.get(0), row.get(1)));
    let pid = row.and_then(|(pid, _)| pid?.parse().ok()).unwrap_or(0);
    match row.and_then(|(_, outcome)| outcome) {
        Some("t") => Attempt::Taken(pid),
        Some("p") => Attempt::Pooled(match backend {
            Some(first) if first != pid => Pooler::BackendChanged { first, later: pid },
            _ => Pooler::LockAlreadyHeld { pid },
        }),
        _ => Attempt::Busy,
    }
}
