//! Slow and greedy clients against a real socket: each is cut off by its documented setting
//! (header-read timeout, body deadline, header size, connection cap) while `/health` keeps
//! answering, and `/metrics` counts how connections ended.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{config, cpu_service, nz, parse_response, raw, raw_bytes, serve_on_loopback};
use renderer::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<bool>,
}

impl Server {
    async fn start(cfg: Config) -> Self {
        let (addr, stop, task) = serve_on_loopback(cpu_service(cfg)).await;
        Self { addr, stop, task }
    }

    async fn stop(self) -> bool {
        let _ = self.stop.send(());
        self.task.await.expect("joins")
    }

    /// The counter `line_start` names, read again every 50 ms for up to 3 s until it
    /// reaches `at_least`: a connection just dropped on our side may not be closed on the
    /// server's yet, so `/metrics` itself can land in the overflow lane (503) for a moment,
    /// and connections still in the accept backlog keep being counted.
    async fn metric_reaching(&self, line_start: &str, at_least: u64) -> u64 {
        let mut last = None;
        for _ in 0..60 {
            let m = raw(self.addr, "GET", "/metrics", "").await;
            let text = String::from_utf8_lossy(&m.body).into_owned();
            last = text
                .lines()
                .find_map(|l| l.strip_prefix(line_start))
                .and_then(|v| v.trim().parse().ok())
                .or(last);
            if last.is_some_and(|v| v >= at_least) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        last.unwrap_or_else(|| panic!("no {line_start} in /metrics"))
    }
}

/// Reads until the server closes the connection; returns what it sent and how long it took.
async fn read_until_closed(s: &mut TcpStream, limit: Duration) -> (Vec<u8>, Duration) {
    let t = Instant::now();
    let mut buf = Vec::new();
    tokio::time::timeout(limit, s.read_to_end(&mut buf))
        .await
        .expect("the server closes the connection in time")
        .ok();
    (buf, t.elapsed())
}

async fn health_is_fast(addr: SocketAddr) {
    let t = Instant::now();
    let h = raw(addr, "GET", "/health", "").await;
    assert_eq!(h.status, StatusCode::OK);
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "/health took {:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_request_head_is_cut_off_at_the_header_read_timeout() {
    a_trickled_request_head_is_cut_off_at_the_header_read_timeout_when(false).await;
}

/// The same with `CG3_PIN_CONNECTIONS`: hyper's timers run on the connection's own runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_request_head_is_cut_off_at_the_header_read_timeout_on_pinned_connections() {
    a_trickled_request_head_is_cut_off_at_the_header_read_timeout_when(true).await;
}

async fn a_trickled_request_head_is_cut_off_at_the_header_read_timeout_when(pin_connections: bool) {
    let server = Server::start(config(|c| {
        c.header_read_timeout = Duration::from_millis(400);
        c.pin_connections = pin_connections;
    }))
    .await;
    let mut slow = TcpStream::connect(server.addr).await.expect("connects");
    // A slowloris: a byte of the head every 100 ms, never finishing it.
    let trickle = async {
        for b in b"GET /health HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaa" {
            if slow.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), trickle).await;
    health_is_fast(server.addr).await;
    let (_, waited) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(waited < Duration::from_secs(5));
    assert!(
        server
            .metric_reaching("renderer_connections_total{end=\"header_timeout\"}", 1)
            .await
            >= 1
    );
    assert!(server.stop().await, "drains cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout() {
    an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout_when(false).await;
}

/// The same with `CG3_PIN_CONNECTIONS`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout_on_pinned_connections()
{
    an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout_when(true).await;
}

async fn an_idle_keep_alive_connection_is_closed_at_the_header_read_timeout_when(
    pin_connections: bool,
) {
    let server = Server::start(config(|c| {
        c.header_read_timeout = Duration::from_millis(300);
        c.pin_connections = pin_connections;
    }))
    .await;
    let mut s = TcpStream::connect(server.addr).await.expect("connects");
    s.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("writes");
    let t = Instant::now();
    let (buf, _) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert_eq!(parse_response(&buf).status, StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(250),
        "kept alive until the timeout"
    );
    assert!(server.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_slower_than_its_deadline_gets_408() {
    let server = Server::start(config(|c| {
        c.body_read_timeout = Duration::from_millis(300);
    }))
    .await;
    let mut s = TcpStream::connect(server.addr).await.expect("connects");
    s.write_all(
        b"POST /render HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"peltName\":",
    )
    .await
    .expect("writes");
    let (buf, waited) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    let r = parse_response(&buf);
    assert_eq!(r.status, StatusCode::REQUEST_TIMEOUT);
    assert_eq!(r.code(), "body_timeout");
    assert!(waited < Duration::from_secs(3));
    health_is_fast(server.addr).await;
    assert!(server.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_over_the_size_limit_gets_431() {
    let server = Server::start(config(|c| c.max_header_bytes = nz(8192))).await;
    let big = "a".repeat(20_000);
    let r = raw_bytes(
        server.addr,
        format!("GET /health HTTP/1.1\r\nHost: t\r\nX-Big: {big}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    // Just under the limit is served.
    let ok = raw_bytes(
        server.addr,
        format!(
            "GET /health HTTP/1.1\r\nHost: t\r\nX-Big: {}\r\nConnection: close\r\n\r\n",
            "a".repeat(7_000)
        )
        .as_bytes(),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(server.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_cap_probes_answer_and_renders_get_503() {
    let server = Server::start(config(|c| c.max_connections = nz(2))).await;
    // Two idle connections take the two slots (the header timeout is 30 s by default).
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).await.expect("connects");
        s.write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            .await
            .expect("writes");
        let mut first = [0u8; 12];
        s.read_exact(&mut first).await.expect("answered");
        held.push(s);
    }
    health_is_fast(server.addr).await;
    let ready = raw(server.addr, "GET", "/ready", "").await;
    assert_eq!(ready.status, StatusCode::OK);
    let render = raw(
        server.addr,
        "GET",
        "/render.png?peltName=Tabby&colour=GINGER&spriteNumber=1",
        "",
    )
    .await;
    assert_eq!(render.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(render.code(), "too_many_connections");
    assert_eq!(render.headers["retry-after"], "1");
    // A slot freed is a slot served normally again.
    drop(held.pop());
    let mut served = None;
    for _ in 0..50 {
        let r = raw(
            server.addr,
            "GET",
            "/render.png?peltName=Tabby&colour=GINGER&spriteNumber=1",
            "",
        )
        .await;
        if r.status == StatusCode::OK {
            served = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(served.is_some(), "a freed slot serves renders again");
    drop(held);
    assert!(
        server
            .metric_reaching("renderer_connections_total{end=\"overflow\"}", 3)
            .await
            >= 3
    );
    assert!(server.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_requests_are_answered_in_order() {
    let server = Server::start(config(|_| {})).await;
    let r = raw_bytes(
        server.addr,
        b"GET /health HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nGET /ready HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    )
    .await;
    let text = String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(r.status, StatusCode::OK);
    let later: Vec<_> = text
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &text[i + 9..i + 12])
        .collect();
    assert_eq!(later, ["404", "200"], "then /nope, then /ready");
    assert!(server.stop().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_do_not_hold_up_a_graceful_shutdown() {
    idle_connections_do_not_hold_up_a_graceful_shutdown_when(false).await;
}

/// The same with `CG3_PIN_CONNECTIONS`: the idle connections sit on two other runtimes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_do_not_hold_up_a_graceful_shutdown_on_pinned_connections() {
    idle_connections_do_not_hold_up_a_graceful_shutdown_when(true).await;
}

async fn idle_connections_do_not_hold_up_a_graceful_shutdown_when(pin_connections: bool) {
    let server = Server::start(config(|c| {
        c.shutdown_grace = Duration::from_secs(5);
        c.async_threads = Some(nz(2));
        c.pin_connections = pin_connections;
    }))
    .await;
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(server.addr).await.expect("connects"));
    }
    health_is_fast(server.addr).await;
    let t = Instant::now();
    assert!(server.stop().await, "drained cleanly");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "idle connections closed at once, took {:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_past_the_cap_cannot_keep_a_probe_out() {
    a_flood_of_idle_connections_past_the_cap_cannot_keep_a_probe_out_when(false).await;
}

/// The same with `CG3_PIN_CONNECTIONS`: evictions reach connections on other runtimes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_connections_past_the_cap_cannot_keep_a_probe_out_on_pinned_connections() {
    a_flood_of_idle_connections_past_the_cap_cannot_keep_a_probe_out_when(true).await;
}

async fn a_flood_of_idle_connections_past_the_cap_cannot_keep_a_probe_out_when(
    pin_connections: bool,
) {
    let server = Server::start(config(|c| {
        c.max_connections = nz(1);
        c.async_threads = Some(nz(2));
        c.pin_connections = pin_connections;
    }))
    .await;
    let slots = renderer::connections::OVERFLOW_SLOTS;
    // One connection takes the only slot; more idle ones than the overflow lane holds follow,
    // all sending nothing (each would hold its overflow slot for 500 ms).
    let mut flood = Vec::new();
    for _ in 0..slots + 40 {
        flood.push(TcpStream::connect(server.addr).await.expect("connects"));
    }
    // Give the server time to accept them all, then probe: the probe evicts the oldest.
    tokio::time::sleep(Duration::from_millis(100)).await;
    health_is_fast(server.addr).await;
    // Free the normal slot so /metrics (not a probe) is served again.
    drop(flood);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Every flood connection went through the lane and is counted, evicted or timed out at
    // its 500 ms head deadline: which, depends on how fast this machine connected them
    // (the eviction order itself is unit-tested in `connections.rs`).
    let flooded = u64::try_from(slots).expect("small") + 39;
    let overflow = server
        .metric_reaching("renderer_connections_total{end=\"overflow\"}", 0)
        .await;
    let evicted = server
        .metric_reaching(
            "renderer_connections_total{end=\"evicted\"}",
            flooded.saturating_sub(overflow),
        )
        .await;
    assert!(
        evicted + overflow >= flooded,
        "evicted {evicted}, overflow {overflow}"
    );
    assert!(server.stop().await);
}
