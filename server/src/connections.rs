//! The connection layer (issue 26): syncgate's capacity is counted in open connections (every
//! phone waiting in Ping holds one for up to an hour), so connections are accepted and served
//! here, with limits of their own, instead of by `axum::serve`:
//! - a request's head must arrive within `header_timeout` (an idle keep-alive connection is
//!   closed after it too; a Ping waiting for changes has sent its head and is not touched);
//! - the head is at most 64 KB (431 beyond), and a body that stalls for `header_timeout`
//!   between two pieces ends the request;
//! - one client address holds at most `unfinished_per_address` connections that are
//!   unfinished (no request head yet) or unauthenticated (no request yet whose credentials or
//!   session were accepted); the newest beyond is closed (addresses of trusted proxies are not
//!   counted: their clients are behind them). A connection leaves the count when the door or
//!   the console accepts who is on it (`http::Share::release`), so phones waiting in Ping behind one
//!   carrier address are not counted, and a client that keeps a connection alive with refused
//!   requests is;
//! - near the open-files limit new connections are answered 503 with `Retry-After` instead of
//!   failing `accept` in a loop;
//! - a phone's plain requests to the door are read and answered without hyper
//!   (`phone_connections`): a phone waiting in Ping holds its socket and its request's state,
//!   not hyper's two 8 KB buffers; any other request hands the connection to hyper;
//! - on shutdown the listener closes, the door's waiting Pings are answered (`Waiting::drain`), and what is in
//!   flight gets `drain` to finish.

use crate::eas::door::Door;
use crate::http::Share;
use crate::phone_connections::{self, Ended, Rewind};
use app::domain::proxies::Cidr;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::http::MAX_HEAD_BYTES;
/// File descriptors kept for the database, the key file, mail and logs, below the limit.
const RESERVED_FILES: u64 = 256;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    pub header_timeout: Duration,
    pub unfinished_per_address: usize,
    /// Open connections at most; `None`: the open-files limit less what the process needs.
    pub max_connections: Option<usize>,
    /// How long in-flight requests may take to finish after a shutdown signal.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(20),
            unfinished_per_address: 100,
            max_connections: None,
            drain: Duration::from_secs(30),
        }
    }
}

/// Raises the soft open-files limit to the hard one (each connection is a file) and returns
/// how many connections may be open, logging both limits.
pub fn raise_open_files_limit() -> u64 {
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap_or((1024, 1024));
    let now = rlimit::increase_nofile_limit(hard).unwrap_or(soft);
    tracing::info!(
        soft_before = soft,
        hard,
        soft_now = now,
        "open-files limit (raise the hard limit with systemd LimitNOFILE= or ulimit -Hn)"
    );
    now.saturating_sub(RESERVED_FILES).max(16)
}

/// Per address, the connections still waiting for a complete request head.
#[derive(Default)]
struct Unfinished {
    by_address: Mutex<HashMap<IpAddr, usize>>,
}

/// One unfinished or unauthenticated connection; counted until it is released (see `Share`)
/// or the connection ends.
struct UnfinishedSlot {
    table: Arc<Unfinished>,
    address: IpAddr,
}

impl Unfinished {
    fn claim(table: &Arc<Unfinished>, address: IpAddr, cap: usize) -> Option<UnfinishedSlot> {
        let mut map = table.by_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(address).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(UnfinishedSlot {
            table: table.clone(),
            address,
        })
    }
}

impl Drop for UnfinishedSlot {
    fn drop(&mut self) {
        let mut map = self
            .table
            .by_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.address);
            }
        }
    }
}

/// Counts an open connection while it lives.
struct OpenSlot(Arc<AtomicUsize>);

impl Drop for OpenSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `app` (and phones' plain requests with `door`) on `listener` until `shutdown`
/// resolves, then drains: the door's waiting Pings are answered, and in-flight requests get
/// `limits.drain` to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    door: Door,
    limits: Limits,
    trusted_proxies: Vec<Cidr>,
    shutdown: impl Future<Output = ()>,
) {
    let max_open = limits
        .max_connections
        .unwrap_or_else(|| usize::try_from(raise_open_files_limit()).unwrap_or(usize::MAX));
    let open = Arc::new(AtomicUsize::new(0));
    let unfinished = Arc::new(Unfinished::default());
    // Turns true at shutdown; every connection holds a receiver until it ends, so the drain
    // waits for them all (`closed`).
    let (stop, _) = watch::channel(false);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_header_size(MAX_HEAD_BYTES)
        // Bounds what one connection can pin before its head is parsed.
        .max_buf_size(MAX_HEAD_BYTES + 16 * 1024)
        .keep_alive(true);
    let builder = Arc::new(builder);
    // Each connection holds a pointer to it, not a copy of its state.
    let door = Arc::new(door);
    tokio::pin!(shutdown);
    let mut exhausted_logged = false;
    loop {
        let accepted = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Out of files (EMFILE/ENFILE): wait for connections to close instead of
                // spinning on accept.
                if !exhausted_logged {
                    tracing::warn!(error = %e, "accept failed; new connections wait");
                    exhausted_logged = true;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        exhausted_logged = false;
        if open.load(Ordering::Relaxed) >= max_open {
            tokio::spawn(refuse_busy(stream));
            continue;
        }
        let slot = if trusted_proxies.iter().any(|c| c.contains(peer.ip())) {
            None
        } else {
            match Unfinished::claim(&unfinished, peer.ip(), limits.unfinished_per_address) {
                Some(slot) => Some(slot),
                None => {
                    tracing::debug!(address = %peer.ip(), "too many unfinished connections; closed");
                    drop(stream);
                    continue;
                }
            }
        };
        open.fetch_add(1, Ordering::Relaxed);
        let open_slot = OpenSlot(open.clone());
        let _ = stream.set_nodelay(true);
        let share = Share::new(slot.map(|s| Box::new(s) as Box<dyn Send>));
        let (app, door, builder) = (app.clone(), door.clone(), builder.clone());
        let mut stopping = stop.subscribe();
        let timeout = limits.header_timeout;
        tokio::spawn(async move {
            let _open = open_slot;
            let served = phone_connections::Served {
                door: &door,
                peer,
                share: &share,
                timeout,
                stopping: &mut stopping,
            };
            // A phone's plain requests are served without hyper; anything else is hyper's
            // (boxed: a phone's task is not sized for hyper's connection state).
            if let Ended::Handoff(rest) = phone_connections::serve(stream, served).await {
                let service = connection_service(app, peer, share.clone(), timeout);
                let conn = builder.serve_connection(TokioIo::new(rest), service);
                if let Err(e) = Box::pin(until_stopped(conn, stopping)).await {
                    tracing::debug!(error = %e, "connection ended");
                }
            }
            // The place goes with the connection, even if something still holds one of its
            // requests (each carries a clone of the share).
            share.release();
        });
    }
    drop(listener);
    tracing::info!("draining: no new connections; waiting requests are answered");
    // Stopping first: a Ping the drain answers says `connection: close`.
    let _ = stop.send(true);
    door.waiting.drain();
    tokio::select! {
        () = stop.closed() => tracing::info!("drained"),
        () = tokio::time::sleep(limits.drain) => {
            tracing::warn!(secs = limits.drain.as_secs(), "drain period over; closing what is left");
        }
    }
}

/// Serves a hyper connection until it ends; once the server stops, it finishes the request in
/// flight and closes.
async fn until_stopped<S>(
    conn: hyper::server::conn::http1::Connection<TokioIo<Rewind>, S>,
    mut stopping: watch::Receiver<bool>,
) -> hyper::Result<()>
where
    S: hyper::service::HttpService<Incoming, ResBody = axum::body::Body>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    tokio::pin!(conn);
    tokio::select! {
        ended = conn.as_mut() => return ended,
        _ = stopping.wait_for(|s| *s) => {}
    }
    conn.as_mut().graceful_shutdown();
    conn.await
}

/// What one connection's requests go through: each carries the connection's `Share`; the
/// peer's address is given to the app; a stalled body ends.
fn connection_service(
    app: Router,
    peer: SocketAddr,
    share: Share,
    body_timeout: Duration,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Future<Output = Result<axum::response::Response, std::convert::Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(|body| {
            axum::body::Body::new(tower_http::timeout::TimeoutBody::new(body_timeout, body))
        });
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(share.clone());
        app.clone().oneshot(request)
    })
}

/// Near the open-files limit: a plain 503 the client can act on, then close.
async fn refuse_busy(mut stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n\
Content-Type: text/plain\r\nContent-Length: 31\r\nConnection: close\r\n\r\n\
Too many connections: try later";
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(BUSY)).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_share_and_gets_it_back() {
        let table = Arc::new(Unfinished::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let first = Unfinished::claim(&table, a, 2).expect("first");
        let _second = Unfinished::claim(&table, a, 2).expect("second");
        assert!(Unfinished::claim(&table, a, 2).is_none(), "third refused");
        assert!(Unfinished::claim(&table, b, 2).is_some(), "another address");
        drop(first);
        assert!(Unfinished::claim(&table, a, 2).is_some(), "a slot freed");
    }
}
