//! The accept loop: every TCP connection the service holds, bounded so that slow or greedy
//! clients cannot starve the others.
//!
//! - **Connection cap** (`CG3_MAX_CONNECTIONS`): connections beyond it go to a small
//!   overflow lane ([`OVERFLOW_SLOTS`] connections, each allowed one request head within
//!   [`OVERFLOW_HEAD_TIMEOUT`]): `/health` and `/ready` are answered as usual, so probes keep
//!   working while the cap is reached; everything else gets 503 `too_many_connections`, and
//!   the connection is closed. When the lane is full, a new connection evicts the oldest one
//!   in it (closed without an answer): a flood of idle connections cannot keep a probe out,
//!   since a probe sends its request head at once.
//! - **Header-read timeout** (`CG3_HEADER_READ_TIMEOUT_MS`): a request head (request line
//!   and headers) must arrive whole within it. hyper starts that clock whenever the
//!   connection waits for a head, so it is also the idle keep-alive timeout: a slowloris and
//!   an idle connection are both closed when it runs out.
//! - **Header size** (`CG3_MAX_HEADER_BYTES`): larger request heads get 431.
//! - The body deadline (`CG3_BODY_READ_TIMEOUT_MS`) is enforced where bodies are read, in
//!   [`crate::http::extract`].
//!
//! Only HTTP/1.1 (and 1.0) is spoken: every client of ours (browsers through a proxy, nginx,
//! game servers, k6) uses it, and HTTP/2's own idle rules would need bounds of their own.
//! Pipelined requests are answered in order on their connection.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, oneshot};
use tower::ServiceExt;

use crate::config::Config;
use crate::connection_threads::{ConnectionThreads, Seat};
use crate::http::error::ApiError;
use crate::metrics::{ConnectionEnd, Metrics};

/// Connections served past the cap, one request each, so that probes still get through.
pub const OVERFLOW_SLOTS: usize = 128;
/// How long an overflow connection may take to send its one request head.
pub const OVERFLOW_HEAD_TIMEOUT: Duration = Duration::from_millis(500);
/// hyper's smallest allowed read buffer.
const MIN_READ_BUFFER: usize = 8192;

/// The bounds the accept loop applies, from [`Config`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Most connections served normally at once.
    pub max_connections: usize,
    /// Deadline for a whole request head, and for an idle keep-alive connection.
    pub header_read_timeout: Duration,
    /// Largest request head, bytes.
    pub max_header_bytes: usize,
}

impl ConnectionLimits {
    /// The limits `config` sets.
    #[must_use]
    pub fn of(config: &Config) -> Self {
        Self {
            max_connections: config.max_connections.get(),
            header_read_timeout: config.header_read_timeout,
            max_header_bytes: config.max_header_bytes.get(),
        }
    }

    fn http1(&self, head_timeout: Duration) -> hyper::server::conn::http1::Builder {
        let mut b = hyper::server::conn::http1::Builder::new();
        b.timer(TokioTimer::new())
            .header_read_timeout(head_timeout)
            .max_buf_size(self.max_header_bytes.max(MIN_READ_BUFFER))
            .max_header_size(self.max_header_bytes);
        b
    }
}

/// Accepts connections on `listener` and serves `router` on them until `stop` resolves;
/// returns the handle that drains the connections still open (see [`drain`]). Each
/// connection is served on one of `threads`, the one with the fewest connections when it
/// arrives. One connection's failure ends that connection only; accept errors such as
/// running out of file descriptors are logged and retried after a pause.
pub async fn accept_until(
    listener: TcpListener,
    threads: &ConnectionThreads,
    router: Router,
    limits: ConnectionLimits,
    metrics: Arc<Metrics>,
    stop: impl Future<Output = ()>,
) -> GracefulShutdown {
    let graceful = GracefulShutdown::new();
    let normal = Arc::new(Semaphore::new(limits.max_connections));
    let overflow = Arc::new(OverflowLane::default());
    let main_builder = Arc::new(limits.http1(limits.header_read_timeout));
    let overflow_builder = Arc::new({
        let mut b = limits.http1(OVERFLOW_HEAD_TIMEOUT.min(limits.header_read_timeout));
        b.keep_alive(false);
        b
    });
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_per_connection(&e) => continue,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed; pausing");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let seat = threads.seat();
        let stream = match seat.adopt(stream) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "could not hand a connection to its thread; closed");
                continue;
            }
        };
        if let Ok(permit) = normal.clone().try_acquire_owned() {
            let service = TowerToHyperService::new(router.clone());
            let conn = main_builder.serve_connection(TokioIo::new(stream), service);
            spawn_connection(
                seat,
                graceful.watch(conn),
                Some(permit),
                metrics.clone(),
                None,
            );
        } else {
            let (id, evicted) = overflow.enter();
            let router = router.clone();
            let service =
                hyper::service::service_fn(move |req| overflow_answer(router.clone(), req));
            let conn = overflow_builder.serve_connection(TokioIo::new(stream), service);
            let lane = Some((overflow.clone(), id, evicted));
            spawn_connection(seat, graceful.watch(conn), None, metrics.clone(), lane);
        }
    }
    graceful
}

/// Waits for the connections still open to finish their requests (idle ones are closed
/// now), for at most `grace`. Returns true when all finished in time.
pub async fn drain(graceful: GracefulShutdown, grace: Duration) -> bool {
    tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_ok()
}

/// The overflow lane's slots, oldest first, each with the sender that evicts it.
#[derive(Debug, Default)]
struct OverflowLane {
    slots: parking_lot::Mutex<VecDeque<(u64, oneshot::Sender<()>)>>,
    next: AtomicU64,
}

impl OverflowLane {
    /// Takes a slot, evicting the oldest connection when all [`OVERFLOW_SLOTS`] are taken;
    /// the receiver fires when this connection is evicted in turn.
    fn enter(&self) -> (u64, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let mut slots = self.slots.lock();
        if slots.len() >= OVERFLOW_SLOTS
            && let Some((_, oldest)) = slots.pop_front()
        {
            let _ = oldest.send(());
        }
        slots.push_back((id, tx));
        (id, rx)
    }

    /// Frees the slot of a connection that ended by itself.
    fn leave(&self, id: u64) {
        self.slots.lock().retain(|(slot, _)| *slot != id);
    }
}

/// Runs one connection on its own task on `seat`'s thread, holding its slot until it ends.
/// An overflow connection (`lane`) counts as `overflow` however it closed, or as `evicted`.
fn spawn_connection<F>(
    seat: Seat,
    conn: F,
    permit: Option<OwnedSemaphorePermit>,
    metrics: Arc<Metrics>,
    lane: Option<(Arc<OverflowLane>, u64, oneshot::Receiver<()>)>,
) where
    F: Future<Output = Result<(), hyper::Error>> + Send + 'static,
{
    metrics.connection_opened();
    seat.spawn(async move {
        let end = match lane {
            None => ended(conn.await),
            Some((lane, id, evicted)) => {
                let end = tokio::select! {
                    r = conn => {
                        ended(r);
                        ConnectionEnd::Overflow
                    }
                    _ = evicted => ConnectionEnd::Evicted,
                };
                lane.leave(id);
                end
            }
        };
        metrics.connection_closed(end);
        drop(permit);
    });
}

fn ended(result: Result<(), hyper::Error>) -> ConnectionEnd {
    match result {
        Ok(()) => ConnectionEnd::Closed,
        Err(e) if e.is_timeout() => ConnectionEnd::HeaderTimeout,
        Err(e) => {
            tracing::debug!(error = %e, "connection ended with an error");
            ConnectionEnd::Error
        }
    }
}

/// The overflow lane's one answer: probes go through, everything else is refused.
async fn overflow_answer(
    router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    match req.uri().path() {
        "/health" | "/ready" => router.oneshot(req.map(Body::new)).await,
        _ => Ok(axum::response::IntoResponse::into_response(
            ApiError::TooManyConnections,
        )),
    }
}

/// Accept errors that concern one connection only; the listener itself is fine.
fn is_per_connection(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_overflow_lane_evicts_its_oldest_connection_first() {
        let lane = OverflowLane::default();
        let mut receivers: Vec<_> = (0..OVERFLOW_SLOTS).map(|_| lane.enter()).collect();
        for (_, rx) in &mut receivers {
            assert!(rx.try_recv().is_err(), "no eviction while a slot is free");
        }
        let (_, mut newest) = lane.enter();
        assert!(receivers[0].1.try_recv().is_ok(), "the oldest is evicted");
        assert!(receivers[1].1.try_recv().is_err(), "only the oldest");
        assert!(newest.try_recv().is_err());
        // A connection that ends by itself frees its slot: the next one evicts nobody.
        lane.leave(receivers[5].0);
        let _next = lane.enter();
        assert!(receivers[1].1.try_recv().is_err());
        assert_eq!(lane.slots.lock().len(), OVERFLOW_SLOTS);
    }
}
