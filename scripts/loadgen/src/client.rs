//! The HTTP side: the target address, one keep-alive HTTP/1 connection per task, and the
//! closed loop that sends a connection's next request when the previous one answered.
//!
//! Every wait is bounded by the run's end: connecting, waiting for the connection to be
//! ready and each request (which also has its own timeout). A request still in flight at the
//! end is dropped uncounted, as wrk does; one that runs past its own timeout is an error.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode, Uri, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until, timeout_at};

use crate::report::Stats;
use crate::scenario::{Generator, Kind, Outgoing};

/// Why a URL cannot be a target.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// Not a URL.
    #[error("`{0}` is not a URL")]
    Invalid(String),
    /// Only plain `http://host:port` servers are driven.
    #[error("`{0}`: only http:// URLs (no TLS) are supported")]
    Scheme(String),
}

/// The server under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `host:port`, to connect to and to send as `Host`.
    pub authority: String,
    /// Path of a `GET` URL (the `get` command); `/` otherwise.
    pub path: String,
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let uri: Uri = s.parse().map_err(|_| TargetError::Invalid(s.to_owned()))?;
        if uri.scheme_str() != Some("http") {
            return Err(TargetError::Scheme(s.to_owned()));
        }
        let auth = uri
            .authority()
            .ok_or_else(|| TargetError::Invalid(s.to_owned()))?;
        let authority = format!("{}:{}", auth.host(), auth.port_u16().unwrap_or(80));
        let path = uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string);
        Ok(Self { authority, path })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}", self.authority)
    }
}

/// A request sender on one open connection.
type Sender = SendRequest<Full<Bytes>>;

/// Opens a keep-alive HTTP/1 connection; its driver runs on its own task until the sender is
/// dropped or the server closes.
async fn connect(target: &Target) -> Result<Sender, &'static str> {
    let stream = TcpStream::connect(&target.authority)
        .await
        .map_err(|_| "connect")?;
    // Requests are small and latency is what we measure: do not wait to coalesce packets.
    stream.set_nodelay(true).map_err(|_| "connect")?;
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| "handshake")?;
    tokio::spawn(async move {
        // Its errors surface on the sender; nothing to do with them here.
        let _ = conn.await;
    });
    Ok(sender)
}

fn build(target: &Target, out: Outgoing) -> Request<Full<Bytes>> {
    let mut b = Request::builder()
        .method(out.method)
        .uri(out.path)
        .header(header::HOST, &target.authority);
    if out.body.is_some() {
        b = b.header(header::CONTENT_TYPE, "application/json");
    }
    b.body(Full::new(out.body.unwrap_or_default()))
        .unwrap_or_else(|e| unreachable!("generated requests are valid: {e}"))
}

/// A short, fixed name for a transport failure (the table and JSON group by it).
fn error_kind(e: &hyper::Error) -> &'static str {
    if e.is_incomplete_message() {
        "incomplete answer"
    } else if e.is_closed() || e.is_canceled() {
        "connection closed"
    } else if e.is_parse() {
        "bad answer"
    } else if e.is_timeout() {
        "timeout"
    } else {
        "other"
    }
}

/// When a run measures.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// Requests sent before this (the warm-up) are not counted.
    pub record_from: Instant,
    /// The run's end: nothing waits past it.
    pub end: Instant,
}

/// What one connection task needs.
#[derive(Debug, Clone)]
pub struct Job {
    /// The server.
    pub target: Arc<Target>,
    /// The scenario's requests.
    pub generator: Arc<Generator>,
    /// The scenario's request counter, shared by its connections.
    pub next: Arc<AtomicU64>,
    /// When to count and when to stop.
    pub window: Window,
    /// Longest wait for one answer.
    pub timeout: Duration,
}

/// After a failed connect, wait this long before the next try (a refused port would
/// otherwise spin a core).
const RECONNECT_PAUSE: Duration = Duration::from_millis(20);

/// One closed-loop connection until the window ends.
pub async fn drive(job: Job) -> Stats {
    let Window { record_from, end } = job.window;
    let mut stats = Stats::default();
    let mut conn: Option<Sender> = None;
    let mut opened = 0u64;
    loop {
        if Instant::now() >= end {
            break;
        }
        if conn.as_ref().is_none_or(SendRequest::is_closed) {
            conn = None;
            match timeout_at(end, connect(&job.target)).await {
                Err(_) => break,
                Ok(Err(kind)) => {
                    if Instant::now() >= record_from {
                        stats.record_error(kind);
                    }
                    sleep_until((Instant::now() + RECONNECT_PAUSE).min(end)).await;
                    continue;
                }
                Ok(Ok(s)) => {
                    opened += 1;
                    conn = Some(s);
                }
            }
        }
        let Some(sender) = conn.as_mut() else {
            continue;
        };
        match timeout_at(end, sender.ready()).await {
            Err(_) => break,
            Ok(Err(_)) => {
                // Closed between requests (the server may close after an error answer):
                // not a failed request, just a new connection.
                conn = None;
                continue;
            }
            Ok(Ok(())) => {}
        }
        let n = job.next.fetch_add(1, Ordering::Relaxed);
        let request = build(&job.target, job.generator.request(n));
        let t0 = Instant::now();
        let cut_by_end = t0 + job.timeout >= end;
        let limit = (t0 + job.timeout).min(end);
        let answer = timeout_at(limit, async {
            let resp = sender.send_request(request).await?;
            let status = resp.status();
            let body = resp.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body))
        })
        .await;
        let latency = t0.elapsed();
        let counted = t0 >= record_from;
        match answer {
            Err(_) if cut_by_end => break,
            Err(_) => {
                if counted {
                    stats.record_error("timeout");
                }
                conn = None;
            }
            Ok(Err(e)) => {
                if counted {
                    stats.record_error(error_kind(&e));
                }
                conn = None;
            }
            Ok(Ok((status, body))) => {
                if counted {
                    stats.record_status(status.as_u16(), latency);
                    if job.generator.kind() == Kind::Chunk && status == StatusCode::OK {
                        inspect_chunk_answer(&mut stats, &body);
                    }
                }
            }
        }
    }
    stats.reconnects = opened.saturating_sub(1);
    stats
}

/// Counts texture-store hits and the server's `renderMs` of a chunk answer.
fn inspect_chunk_answer(stats: &mut Stats, body: &[u8]) {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) else {
        stats.bad_bodies += 1;
        return;
    };
    match (v["cached"].as_bool(), v["renderMs"].as_f64()) {
        (Some(cached), Some(ms)) if v["hash"].is_string() => {
            if cached {
                stats.store_hits += 1;
            }
            // Whole microseconds; a negative value cannot happen, 0 is clamped to 1 µs.
            stats
                .server_ms
                .record_us((ms.max(0.0) * 1e3).round() as u64);
        }
        _ => stats.bad_bodies += 1,
    }
}

/// One `GET` on a fresh connection: status and body.
///
/// # Errors
/// The connection or the request failed, or took longer than `timeout`.
pub async fn get_once(target: &Target, timeout: Duration) -> anyhow::Result<(u16, Bytes)> {
    let fut = async {
        let mut sender = connect(target)
            .await
            .map_err(|k| anyhow::anyhow!("{k} to {} failed", target.authority))?;
        let out = Outgoing {
            method: hyper::Method::GET,
            path: target.path.clone(),
            body: None,
        };
        let resp = sender.send_request(build(target, out)).await?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        Ok((status, body))
    };
    tokio::time::timeout(timeout, fut)
        .await
        .map_err(|_| anyhow::anyhow!("no answer from {} within {timeout:?}", target.authority))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_to_host_port_and_path() {
        let t: Target = "http://127.0.0.1:18001".parse().expect("valid");
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("127.0.0.1:18001", "/")
        );
        assert_eq!(t.to_string(), "http://127.0.0.1:18001");
        let t: Target = "http://localhost/ready".parse().expect("valid");
        assert_eq!(
            (t.authority.as_str(), t.path.as_str()),
            ("localhost:80", "/ready")
        );
        assert!(matches!(
            "https://x:1".parse::<Target>(),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            "not a url".parse::<Target>(),
            Err(TargetError::Invalid(_))
        ));
    }

    #[test]
    fn chunk_answers_count_store_hits_server_time_and_bad_bodies() {
        let mut s = Stats::default();
        inspect_chunk_answer(&mut s, br#"{"hash":"ab","cached":true,"renderMs":2.5}"#);
        inspect_chunk_answer(&mut s, br#"{"hash":"cd","cached":false,"renderMs":4.0}"#);
        inspect_chunk_answer(&mut s, b"<html>");
        inspect_chunk_answer(&mut s, br#"{"cached":false}"#);
        assert_eq!((s.store_hits, s.bad_bodies, s.server_ms.count()), (1, 2, 2));
    }
}
