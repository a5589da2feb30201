//! Shared test support: the bundled atlases loaded once, state builders, a router caller and
//! a tiny HTTP/1.1 client for real-socket tests.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use pipeline::chunk::TilesetRegistry;
use pipeline::{AtlasPaths, AtlasRepository};
use renderer::backend::testing::{TestBackend, TestControl};
use renderer::breaker::{Clock, SystemClock};
use renderer::config::Config;
use renderer::state::{App, AppState, AtlasFiles, Service};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tower::ServiceExt;

pub fn repo() -> Arc<AtlasRepository> {
    static REPO: OnceLock<Arc<AtlasRepository>> = OnceLock::new();
    REPO.get_or_init(|| {
        Arc::new(AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled art loads"))
    })
    .clone()
}

pub fn files() -> AtlasFiles {
    let p = AtlasPaths::bundled();
    AtlasFiles {
        index: std::fs::read(p.data_root.join("spritesIndex.json"))
            .expect("index")
            .into(),
        offsets: std::fs::read(p.data_root.join("spritesOffsetMap.json"))
            .expect("offsets")
            .into(),
        tilesets: tilesets(),
        sprite_root: p.sprite_root,
    }
}

/// The bundled tilesets (`terrain`), loaded once.
pub fn tilesets() -> Arc<TilesetRegistry> {
    static SETS: OnceLock<Arc<TilesetRegistry>> = OnceLock::new();
    SETS.get_or_init(|| {
        Arc::new(TilesetRegistry::load(&AtlasPaths::bundled()).expect("bundled tilesets load"))
    })
    .clone()
}

pub fn config(f: impl FnOnce(&mut Config)) -> Config {
    let mut c = Config::default();
    f(&mut c);
    c
}

/// A CPU service: its state and the worker pool `serve` takes over.
pub fn cpu_service(cfg: Config) -> Service {
    App::start(cfg, repo(), files()).expect("starts")
}

/// A CPU service's state alone; its worker threads end when the state is dropped.
pub fn cpu_state(cfg: Config) -> AppState {
    cpu_service(cfg).state
}

/// A service on the test backend `control` drives.
pub fn test_service(cfg: Config, control: Arc<TestControl>, clock: Arc<dyn Clock>) -> Service {
    let factory = TestBackend::factory(repo(), control);
    App::start_with(cfg, repo(), files(), factory, clock).expect("starts")
}

/// [`test_service`]'s state alone.
pub fn test_state(cfg: Config, control: Arc<TestControl>, clock: Arc<dyn Clock>) -> AppState {
    test_service(cfg, control, clock).state
}

pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

pub fn nz(n: usize) -> std::num::NonZeroUsize {
    std::num::NonZeroUsize::new(n).expect("non-zero")
}

/// A response: status, headers, body.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

pub async fn call(state: &AppState, req: Request<Body>) -> Resp {
    let resp = renderer::app(state.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body");
    Resp {
        status,
        headers,
        body,
    }
}

pub fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

pub fn post_json(uri: &str, body: &serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request")
}

/// One request over a fresh connection (`Connection: close`).
pub async fn raw(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> Resp {
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw_bytes(addr, req.as_bytes()).await
}

/// Sends `bytes` as they are over a fresh connection and reads until the server closes it.
pub async fn raw_bytes(addr: std::net::SocketAddr, bytes: &[u8]) -> Resp {
    let mut s = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    s.write_all(bytes).await.expect("writes");
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut buf))
        .await
        .expect("answer within 30 s")
        .expect("reads");
    parse_response(&buf)
}

/// Parses one HTTP/1.1 response (the first, when several were pipelined).
pub fn parse_response(buf: &[u8]) -> Resp {
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header end");
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status line");
    let mut headers = HeaderMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(
                axum::http::HeaderName::from_bytes(k.trim().as_bytes()).expect("name"),
                v.trim().parse().expect("value"),
            );
        }
    }
    let mut body = buf[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
        body = dechunk(&body);
    }
    Resp {
        status: StatusCode::from_u16(status).expect("status"),
        headers,
        body: body.into(),
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(std::str::from_utf8(&b[..end]).expect("hex").trim(), 16)
            .expect("size");
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[end + 2..end + 2 + n]);
        b = &b[end + 4 + n..];
    }
    out
}

/// Serves `service` on a fresh loopback port through `renderer::serve::serve`: its address,
/// the sender that starts the graceful shutdown, and the task that returns whether it drained.
pub async fn serve_on_loopback(
    service: Service,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<bool>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        renderer::serve::serve(listener, service, async {
            let _ = rx.await;
        })
        .await
        .expect("serves")
    });
    (addr, tx, server)
}
