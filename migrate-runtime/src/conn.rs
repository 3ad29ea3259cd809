//! The one place where the sync and async clients differ: how a query string reaches the server.
//!
//! Every operation is written once, as `async` code over [`Connection`]. The async runner awaits it
//! on a `tokio_postgres::Client`; the sync runner drives the very same future with [`block_on`] on
//! a `postgres::Client`, whose queries block and therefore complete on the first poll.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use postgres::SimpleQueryMessage;

/// A PostgreSQL session that runs simple-protocol query strings (one round trip each).
pub(crate) trait Connection {
    /// Sends `sql` (one or several `;`-separated statements) and collects the answer.
    async fn query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, postgres::Error>;

    /// Sleeps on the client, outside any transaction (between two attempts of a migration).
    async fn pause(&mut self, duration: std::time::Duration);

    /// Sends `sql` without waiting for the answer and ignores any error: used from destructors (a
    /// panic unwinding, a future dropped mid-operation) to release the advisory lock.
    fn send_and_forget(&mut self, sql: &str);
}

/// The sync client.
pub(crate) struct Blocking<'c>(pub(crate) &'c mut postgres::Client);

impl Connection for Blocking<'_> {
    async fn query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, postgres::Error> {
        self.0.simple_query(sql)
    }

    async fn pause(&mut self, duration: std::time::Duration) {
        std::thread::sleep(duration);
    }

    fn send_and_forget(&mut self, sql: &str) {
        let _ = self.0.simple_query(sql);
    }
}

/// The async client.
#[cfg(feature = "tokio")]
pub(crate) struct NonBlocking<'c>(pub(crate) &'c tokio_postgres::Client);

#[cfg(feature = "tokio")]
impl Connection for NonBlocking<'_> {
    async fn query(&mut self, sql: &str) -> Result<Vec<SimpleQueryMessage>, postgres::Error> {
        self.0.simple_query(sql).await
    }

    async fn pause(&mut self, duration: std::time::Duration) {
        tokio::time::sleep(duration).await;
    }

    fn send_and_forget(&mut self, sql: &str) {
        // tokio-postgres queues the request on the connection's channel during the first poll;
        // the connection task sends it even though nobody waits for the answer. Requests run in
        // order, so this runs after any query still in flight.
        let _ = poll_once(self.0.simple_query(sql));
    }
}

/// Runs a future whose every await completes at once (the sync client's), to its end.
///
/// # Panics
/// When the future is not ready after one poll: only the blocking connection may be used here.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    match poll_once(future) {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("a blocking PostgreSQL operation returned Pending"),
    }
}

fn poll_once<F: Future>(future: F) -> Poll<F::Output> {
    let waker = noop_waker();
    let mut context = Context::from_waker(&waker);
    pin!(future).poll(&mut context)
}

fn noop_waker() -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(|_| RAW, |_| {}, |_| {}, |_| {});
    const RAW: RawWaker = RawWaker::new(std::ptr::null(), &VTABLE);
    // SAFETY: every function of the vtable ignores the (null) data pointer.
    unsafe { Waker::from_raw(RAW) }
}
