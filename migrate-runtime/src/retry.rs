//! Lock-safe DDL: a short `lock_timeout` and bounded retries with backoff for each
//! transactional migration, after GitLab's `with_lock_retries`.
//!
//! A migration whose `ALTER TABLE` waits for a lock behind one long query blocks every later
//! query on that table for as long as it waits. So each transactional migration runs with a
//! short `lock_timeout`: unless one is configured, [`DEFAULT_LOCK_TIMEOUT`] on the first attempt,
//! doubled on each retry up to [`MAX_DEFAULT_LOCK_TIMEOUT`], which bounds how long the
//! application's queries wait behind it. When it expires (SQLSTATE `55P03`) the transaction is
//! rolled back, which lets the queued queries through, the runner sleeps (client side, holding no
//! snapshot and no transaction) and runs the migration again, at most [`DEFAULT_LOCK_RETRIES`]
//! more times. The sleeps grow: [`DEFAULT_RETRY_DELAY`], doubled after each attempt up to
//! [`MAX_RETRY_DELAY`], each with jitter (between half and all of it) so that replicas retrying
//! together do not march in step. The last attempt waits no longer than the others: when its
//! `lock_timeout` expires too, the migration fails, rolled back, naming the sessions that
//! blocked it, and the next run starts over.
//!
//! PostgreSQL cannot say who blocked a wait that has ended, and the waiting session cannot ask
//! while it waits. After a lock timeout the runner therefore names the likely blockers: the
//! sessions that hold a lock on a table whose name the script mentions, in a transaction open
//! since before the wait began (`pg_locks`, `pg_stat_activity`). Each retry is logged with them
//! (`tracing` warning), and the error after the last one names them.
//!
//! `lock_retries = 0` (`Runner::lock_retries(0)`, `--lock-retries 0`) turns all of this off: no
//! default `lock_timeout`, a lock timeout fails the migration at once.
//! `-- migrate:no-transaction` files are not retried and get no default `lock_timeout` (a
//! concurrent index build waits for older transactions through the same lock machinery, and a
//! timeout there would leave an invalid index behind).

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use migrate_core::{
    DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, DEFAULT_RETRY_DELAY, MAX_DEFAULT_LOCK_TIMEOUT,
    MAX_RETRY_DELAY,
};

use crate::sql::quote_literal;

/// SQLSTATE `lock_not_available`: `lock_timeout` expired.
pub(crate) const LOCK_NOT_AVAILABLE: &str = "55P03";

/// How transactional migrations wait for locks: the retries after a lock timeout and the first
/// sleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LockRetries {
    /// Retries after the first attempt; zero: off.
    pub(crate) retries: u32,
    /// The sleep before the first retry.
    pub(crate) delay: Duration,
}

impl Default for LockRetries {
    fn default() -> Self {
        Self {
            retries: DEFAULT_LOCK_RETRIES,
            delay: DEFAULT_RETRY_DELAY,
        }
    }
}

impl LockRetries {
    /// The `lock_timeout` of attempt `attempt` (1-based) of a transactional migration: the
    /// configured one wins; otherwise, when retries are on, [`DEFAULT_LOCK_TIMEOUT`] doubled for
    /// each earlier attempt, capped at [`MAX_DEFAULT_LOCK_TIMEOUT`]; none when they are off.
    pub(crate) fn lock_timeout(
        &self,
        configured: Option<Duration>,
        attempt: u32,
    ) -> Option<Duration> {
        let doublings = attempt.saturating_sub(1).min(16);
        let default = DEFAULT_LOCK_TIMEOUT
            .saturating_mul(1 << doublings)
            .min(MAX_DEFAULT_LOCK_TIMEOUT);
        configured.or((self.retries > 0).then_some(default))
    }

    /// The sleep after failed attempt `attempt` (1-based): the first delay doubled for each
    /// earlier retry, capped at [`MAX_RETRY_DELAY`], scaled by `0.5 + jitter / 2` (`jitter` in
    /// `[0, 1)`).
    pub(crate) fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        let base = self
            .delay
            .saturating_mul(1 << doublings)
            .min(MAX_RETRY_DELAY.max(self.delay));
        base.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }
}

/// A number in `[0, 1)` that differs between processes and calls (std's per-instance random
/// hash keys; no random number generator dependency for this).
pub(crate) fn jitter() -> f64 {
    let bits = RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// The sessions other than this one that hold a lock on a table (or index, view, sequence)
/// named in `script_text`, in a transaction open for at least `waited`: the likely blockers of
/// a lock wait that just timed out. At most five, oldest transaction first; read the answer
/// with [`crate::lock::parse_holders`].
pub(crate) fn blockers_sql(script_text: &str, waited: Duration) -> String {
    let time = |column: &str| {
        format!("to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
    format!(
        "SELECT a.pid, a.application_name, a.client_addr::text, {backend_start}, {query_start}, \
         a.state, left(a.query, 200) \
         FROM pg_catalog.pg_stat_activity a \
         WHERE a.pid <> pg_backend_pid() \
         AND a.xact_start <= clock_timestamp() - interval '{ms} milliseconds' \
         AND a.pid IN (SELECT l.pid FROM pg_catalog.pg_locks l \
           JOIN pg_catalog.pg_class c ON c.oid = l.relation \
           WHERE l.locktype = 'relation' AND l.granted \
           AND c.relnamespace <> 'pg_catalog'::regnamespace \
           AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) \
           AND strpos(lower({text}), lower(c.relname)) > 0) \
         ORDER BY a.xact_start LIMIT 5",
        backend_start = time("a.backend_start"),
        query_start = time("a.query_start"),
        ms = waited.as_millis(),
        text = quote_literal(script_text),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_lock_timeout_wins_and_off_means_none() {
        let on = LockRetries::default();
        let off = LockRetries { retries: 0, ..on };
        for attempt in 1..=6 {
            assert_eq!(
                on.lock_timeout(Some(Duration::ZERO), attempt),
                Some(Duration::ZERO)
            );
            assert_eq!(
                on.lock_timeout(Some(Duration::from_millis(300)), attempt),
                Some(Duration::from_millis(300))
            );
            assert_eq!(off.lock_timeout(None, attempt), None);
            assert_eq!(
                off.lock_timeout(Some(Duration::from_secs(1)), attempt),
                Some(Duration::from_secs(1))
            );
        }
    }

    #[test]
    fn the_default_lock_timeout_doubles_up_to_a_fraction_of_a_second() {
        let on = LockRetries::default();
        let timeouts: Vec<Option<Duration>> = (1..=5)
            .map(|attempt| on.lock_timeout(None, attempt))
            .collect();
        let ms = |n| Some(Duration::from_millis(n));
        assert_eq!(timeouts, [ms(100), ms(200), ms(200), ms(200), ms(200)]);
        assert_eq!(
            on.lock_timeout(None, u32::MAX),
            Some(MAX_DEFAULT_LOCK_TIMEOUT)
        );
    }

    #[test]
    fn sleeps_double_up_to_the_cap_with_jitter_between_half_and_all() {
        let r = LockRetries::default();
        let secs = |attempt, jitter| r.backoff(attempt, jitter).as_secs_f64();
        assert_eq!(secs(1, 1.0), 1.0);
        assert_eq!(secs(2, 1.0), 2.0);
        assert_eq!(secs(3, 1.0), 4.0);
        assert_eq!(secs(6, 1.0), 30.0);
        assert_eq!(secs(40, 1.0), 30.0);
        assert_eq!(secs(1, 0.0), 0.5);
        assert_eq!(secs(3, 0.5), 3.0);
        let j = jitter();
        assert!((0.0..1.0).contains(&j), "{j}");
    }

    #[test]
    fn the_blockers_query_quotes_the_script() {
        let sql = blockers_sql("ALTER TABLE 'x'", Duration::from_millis(250));
        assert!(
            sql.contains("strpos(lower(E'ALTER TABLE ''x'''), lower(c.relname))"),
            "{sql}"
        );
        assert!(sql.contains("interval '250 milliseconds'"), "{sql}");
    }
}
