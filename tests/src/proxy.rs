//! A TCP proxy in front of a PostgreSQL server that counts the round trips its clients make: the
//! messages that end a request and make the server answer with `ReadyForQuery`, i.e. simple
//! queries (`Q`) and extended-protocol `Sync`s (`S`, one per prepare and per execute).
//!
//! It also drops connections, for the fault tests: [`CountingProxy::trip_at`] picks a request;
//! when it comes, the proxy forwards it to the server or holds it back, and from then on passes
//! nothing more to the clients; [`CountingProxy::cut`] then closes every connection on both
//! sides, as a network failure would. The client never hears the answer, whatever the server
//! did with the request.
//!
//! Standard library only: the peers benchmark (`bench/driver`) includes this file too.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// The proxy; it runs until the test process ends.
pub struct CountingProxy {
    port: u16,
    shared: Arc<Shared>,
}

/// What the proxy's threads share.
#[derive(Default)]
struct Shared {
    /// Requests since the last [`CountingProxy::take`].
    queries: AtomicUsize,
    /// Requests since the proxy started.
    requests: AtomicUsize,
    /// The armed trip, if any.
    trip: Mutex<Option<Trip>>,
    /// From a trip to the next cut: nothing goes to the clients.
    silenced: AtomicBool,
    /// Both sockets of each open connection, by connection number.
    open: Mutex<HashMap<usize, [TcpStream; 2]>>,
}

/// A request to stop at (see [`CountingProxy::trip_at`]).
struct Trip {
    /// Its number in [`Shared::requests`].
    at: usize,
    forward: bool,
    reached: Sender<String>,
}

impl CountingProxy {
    /// Starts a proxy on a free local port, forwarding to the server at `host:port`.
    pub fn to(host: String, port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let local = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let accepting = Arc::clone(&shared);
        thread::spawn(move || {
            for (number, client) in listener.incoming().flatten().enumerate() {
                let upstream = TcpStream::connect((host.as_str(), port)).unwrap();
                // Forward each message at once (no Nagle delay): the proxy must not add latency.
                let _ = (client.set_nodelay(true), upstream.set_nodelay(true));
                let (client_read, server_write) =
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                accepting.open.lock().unwrap().insert(
                    number,
                    [client.try_clone().unwrap(), upstream.try_clone().unwrap()],
                );
                let shared = Arc::clone(&accepting);
                thread::spawn(move || answer(upstream, client, &shared));
                let shared = Arc::clone(&accepting);
                thread::spawn(move || {
                    forward_counting(client_read, server_write, &shared);
                    shared.open.lock().unwrap().remove(&number);
                });
            }
        });
        Self {
            port: local,
            shared,
        }
    }

    /// The local port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Round trips since the last [`CountingProxy::take`].
    pub fn take(&self) -> usize {
        self.shared.queries.swap(0, Ordering::SeqCst)
    }

    /// Stops at the `n`-th request from now (1: the next one), of any client: the proxy
    /// forwards it to the server when `forward` (otherwise the server never sees it), passes
    /// nothing more to the clients until [`CountingProxy::cut`], and sends the request's first
    /// 100 characters on the returned channel.
    pub fn trip_at(&self, n: usize, forward: bool) -> Receiver<String> {
        let (reached, receiver) = mpsc::channel();
        *self.shared.trip.lock().unwrap() = Some(Trip {
            at: self.shared.requests.load(Ordering::SeqCst) + n,
            forward,
            reached,
        });
        receiver
    }

    /// Closes every open connection on both sides (the server and the client each see the
    /// other end go away), then lets new connections through as before.
    pub fn cut(&self) {
        for [client, server] in self.shared.open.lock().unwrap().drain().map(|(_, s)| s) {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
        self.shared.silenced.store(false, Ordering::SeqCst);
    }
}

impl Shared {
    /// Counts a request; the trip, when it stops at this one.
    fn count(&self) -> Option<Trip> {
        self.queries.fetch_add(1, Ordering::SeqCst);
        let number = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let mut trip = self.trip.lock().unwrap();
        if trip.as_ref().is_some_and(|t| t.at == number) {
            self.silenced.store(true, Ordering::SeqCst);
            return trip.take();
        }
        None
    }
}

/// Copies the server's answers to the client while the proxy is not silenced.
fn answer(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buffer = [0; 16 * 1024];
    let _ = (|| -> std::io::Result<()> {
        loop {
            let read = from.read(&mut buffer)?;
            if read == 0 {
                return Ok(());
            }
            while shared.silenced.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(1));
            }
            to.write_all(&buffer[..read])?;
        }
    })();
    let _ = to.shutdown(Shutdown::Both);
}

fn forward_counting(mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let _ = (|| -> std::io::Result<()> {
        // Untyped start-up packets: SSL/GSS requests, then the startup message.
        loop {
            let mut length = [0; 4];
            from.read_exact(&mut length)?;
            let mut body = vec![0; u32::from_be_bytes(length) as usize - 4];
            from.read_exact(&mut body)?;
            to.write_all(&length)?;
            to.write_all(&body)?;
            let code = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
            if code != 80_877_103 && code != 80_877_104 {
                break;
            }
        }
        loop {
            let mut header = [0; 5];
            from.read_exact(&mut header)?;
            let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
            let mut body = vec![0; length - 4];
            from.read_exact(&mut body)?;
            let trip = match header[0] {
                b'Q' | b'S' => shared.count(),
                _ => None,
            };
            if trip.as_ref().is_none_or(|t| t.forward) {
                to.write_all(&header)?;
                to.write_all(&body)?;
            }
            if let Some(trip) = trip {
                let text = String::from_utf8_lossy(&body);
                let text = text.trim_end_matches('\0');
                let _ = trip.reached.send(match header[0] {
                    b'Q' => text.chars().take(100).collect(),
                    _ => "Sync".to_owned(),
                });
            }
        }
    })();
    let _ = to.shutdown(Shutdown::Both);
}
