//! A TCP proxy in front of a PostgreSQL server that counts the round trips its clients make: the
//! messages that end a request and make the server answer with `ReadyForQuery`, i.e. simple
//! queries (`Q`) and extended-protocol `Sync`s (`S`, one per prepare and per execute).
//!
//! Standard library only: the peers benchmark (`bench/driver`) includes this file too.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

/// The proxy; it runs until the test process ends.
pub struct CountingProxy {
    port: u16,
    queries: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Starts a proxy on a free local port, forwarding to the server at `host:port`.
    pub fn to(host: String, port: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let local = listener.local_addr().unwrap().port();
        let queries = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&queries);
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let upstream = TcpStream::connect((host.as_str(), port)).unwrap();
                // Forward each message at once (no Nagle delay): the proxy must not add latency.
                let _ = (client.set_nodelay(true), upstream.set_nodelay(true));
                let (client_read, server_write) =
                    (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                thread::spawn(move || copy(upstream, client));
                let counter = Arc::clone(&counter);
                thread::spawn(move || forward_counting(client_read, server_write, &counter));
            }
        });
        Self {
            port: local,
            queries,
        }
    }

    /// The local port clients connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Round trips since the last [`CountingProxy::take`].
    pub fn take(&self) -> usize {
        self.queries.swap(0, Ordering::SeqCst)
    }
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Both);
}

fn forward_counting(mut from: TcpStream, mut to: TcpStream, queries: &AtomicUsize) {
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
            if header[0] == b'Q' || header[0] == b'S' {
                queries.fetch_add(1, Ordering::SeqCst);
            }
            to.write_all(&header)?;
            to.write_all(&body)?;
        }
    })();
    let _ = to.shutdown(Shutdown::Both);
}
