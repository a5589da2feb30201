//! `RendererClient` against a scripted fake renderer on 127.0.0.1:0: textures, retries on
//! 503 and refused connections, no retries on 4xx or timeouts, the breaker, health checks.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use parking_lot::Mutex;
use renderer_client::{
    ChunkJson, ChunkOutcome, CircuitState, ClientConfig, EntityJson, EntityKindJson,
    RendererClient, Unavailable,
};
use serde_json::{Value, json};

/// One scripted answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    retry_after: Option<&'static str>,
    body: String,
    delay: Duration,
}

fn ok_reply() -> Reply {
    Reply {
        status: 200,
        retry_after: None,
        // The server's own answer type, so the fake cannot drift from it.
        body: serde_json::to_string(&renderer_client::ChunkResponse {
            texture_url: "/textures/abc123.png".into(),
            hash: "abc123".into(),
            width: 64,
            height: 32,
            cached: false,
            render_ms: 1.5,
            chunk_x: 0,
            chunk_y: 0,
        })
        .expect("serialises"),
        delay: Duration::ZERO,
    }
}

fn status(code: u16) -> Reply {
    Reply {
        status: code,
        retry_after: None,
        body: json!({"error": {"code": "x", "message": format!("scripted {code}")}}).to_string(),
        delay: Duration::ZERO,
    }
}

#[derive(Default)]
struct Fake {
    script: Mutex<VecDeque<Reply>>,
    hits: AtomicUsize,
    bodies: Mutex<Vec<Value>>,
}

async fn chunk(State(f): State<Arc<Fake>>, body: String) -> Response {
    f.hits.fetch_add(1, Ordering::SeqCst);
    if let Ok(v) = serde_json::from_str(&body) {
        f.bodies.lock().push(v);
    }
    let r = f.script.lock().pop_front().unwrap_or_else(ok_reply);
    tokio::time::sleep(r.delay).await;
    let mut h = HeaderMap::new();
    if let Some(ra) = r.retry_after {
        h.insert("retry-after", ra.parse().expect("header"));
    }
    let code = StatusCode::from_u16(r.status).expect("status");
    (code, h, r.body).into_response()
}

async fn start(script: Vec<Reply>) -> (Arc<Fake>, SocketAddr) {
    let fake = Arc::new(Fake::default());
    fake.script.lock().extend(script);
    let app = Router::new()
        .route("/render/chunk", post(chunk))
        .route("/health", get(|| async { "{\"status\":\"ok\"}" }))
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, addr)
}

/// The fake renderer behind TLS with a fresh self-signed certificate for `localhost`;
/// returns the address and the certificate's PEM.
async fn start_tls(fake: Arc<Fake>) -> (SocketAddr, String) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    let app = Router::new()
        .route("/render/chunk", post(chunk))
        .route("/health", get(|| async { "{\"status\":\"ok\"}" }))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper_util::service::TowerToHyperService::new(app);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, cert.cert.pem())
}

/// A port nobody listens on (bound, then released).
async fn dead_addr() -> SocketAddr {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    l.local_addr().expect("addr")
}

fn config(addr: SocketAddr) -> ClientConfig {
    let mut c = ClientConfig::new(format!("http://{addr}"));
    c.timeout = Duration::from_millis(500);
    c.backoff_base = Duration::from_millis(1);
    c.backoff_max = Duration::from_millis(20);
    c.breaker_cooldown = Duration::from_secs(60);
    c
}

fn chunk_json() -> ChunkJson {
    ChunkJson {
        chunk_x: 3,
        chunk_y: -2,
        tileset: "terrain".into(),
        width: 2,
        height: 1,
        tile_size: 32,
        layers: vec![vec![Some("grass".into()), None]],
        entities: vec![EntityJson {
            x: 4,
            y: -8,
            z: 1,
            flip: true,
            kind: EntityKindJson::Tile("tree".into()),
        }],
    }
}

fn client(c: ClientConfig) -> RendererClient {
    RendererClient::new(c).expect("valid config")
}

#[tokio::test]
async fn a_texture_answer_gives_an_absolute_url_and_the_hash() {
    let (fake, addr) = start(vec![]).await;
    let c = client(config(addr));
    let out = c.render_chunk(&chunk_json()).await;
    let ChunkOutcome::Texture(t) = out else {
        panic!("expected a texture, got {out:?}")
    };
    assert_eq!(t.url, format!("http://{addr}/textures/abc123.png"));
    assert_eq!((t.hash.as_str(), t.width, t.height), ("abc123", 64, 32));
    assert_eq!(fake.hits.load(Ordering::SeqCst), 1);
    assert_eq!(c.stats().textures, 1);
}

#[tokio::test]
async fn the_body_sent_is_a_chunk_request_the_pipeline_parses() {
    let (fake, addr) = start(vec![]).await;
    client(config(addr)).render_chunk(&chunk_json()).await;
    let body = fake.bodies.lock()[0].clone();
    assert_eq!(body["chunkX"], 3);
    assert_eq!(body["tileSize"], 32);
    assert_eq!(body["entities"][0]["tile"], "tree");
    let req = pipeline::chunk::ChunkRequest::from_json(&body, &Default::default())
        .expect("the server-side parser accepts the client's body");
    assert_eq!((req.chunk_x, req.width, req.entities.len()), (3, 2, 1));
    assert!(req.entities[0].flip);
}

#[tokio::test]
async fn two_503s_are_retried_and_the_third_attempt_brings_the_texture() {
    let mut busy = status(503);
    busy.retry_after = Some("0");
    let (fake, addr) = start(vec![busy.clone(), busy]).await;
    let c = client(config(addr));
    let out = c.render_chunk(&chunk_json()).await;
    assert!(matches!(out, ChunkOutcome::Texture(_)), "{out:?}");
    assert_eq!(fake.hits.load(Ordering::SeqCst), 3);
    assert_eq!(c.stats().retries, 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_we_wait_gives_up_at_once() {
    let mut busy = status(503);
    busy.retry_after = Some("30");
    let (fake, addr) = start(vec![busy]).await;
    let c = client(config(addr));
    let out = c.render_chunk(&chunk_json()).await;
    assert_eq!(
        out,
        ChunkOutcome::Unavailable {
            reason: Unavailable::Overloaded
        }
    );
    assert_eq!(fake.hits.load(Ordering::SeqCst), 1);
    assert_eq!(c.stats().overloaded, 1);
}

#[tokio::test]
async fn a_4xx_is_never_retried_and_never_opens_the_breaker() {
    let (fake, addr) = start(vec![status(422), status(400)]).await;
    let mut cfg = config(addr);
    cfg.breaker_threshold = 1;
    let c = client(cfg);
    for code in [422, 400] {
        let out = c.render_chunk(&chunk_json()).await;
        let ChunkOutcome::Unavailable {
            reason: Unavailable::Rejected { status, message },
        } = out
        else {
            panic!("expected a rejection, got {out:?}")
        };
        assert_eq!(status, code);
        assert_eq!(message, format!("scripted {code}"));
    }
    assert_eq!(fake.hits.load(Ordering::SeqCst), 2);
    assert_eq!(c.breaker_state(), CircuitState::Closed);
    assert_eq!(c.stats().rejected, 2);
}

#[tokio::test]
async fn a_timeout_is_not_retried() {
    let mut slow = ok_reply();
    slow.delay = Duration::from_millis(400);
    let (fake, addr) = start(vec![slow]).await;
    let mut cfg = config(addr);
    cfg.timeout = Duration::from_millis(50);
    let c = client(cfg);
    let out = c.render_chunk(&chunk_json()).await;
    assert_eq!(
        out,
        ChunkOutcome::Unavailable {
            reason: Unavailable::Timeout
        }
    );
    assert_eq!(fake.hits.load(Ordering::SeqCst), 1);
    assert_eq!(c.stats().timeouts, 1);
}

#[tokio::test]
async fn a_dead_renderer_is_retried_then_the_breaker_opens_and_calls_fail_fast() {
    let mut cfg = config(dead_addr().await);
    cfg.breaker_threshold = 2;
    cfg.max_retries = 1;
    let c = client(cfg);
    for _ in 0..2 {
        let out = c.render_chunk(&chunk_json()).await;
        assert!(
            matches!(
                out,
                ChunkOutcome::Unavailable {
                    reason: Unavailable::Unreachable(_)
                }
            ),
            "{out:?}"
        );
    }
    assert_eq!(c.breaker_state(), CircuitState::Open);
    let out = c.render_chunk(&chunk_json()).await;
    assert_eq!(
        out,
        ChunkOutcome::Unavailable {
            reason: Unavailable::BreakerOpen
        }
    );
    let s = c.stats();
    assert_eq!((s.unreachable, s.retries, s.breaker_open), (2, 2, 1));
    assert!(!c.check_health().await);
    assert!(!c.is_healthy());
}

#[tokio::test]
async fn a_healthy_check_lets_a_probe_through_and_success_closes_the_breaker() {
    let (fake, addr) = start(vec![status(500)]).await;
    let mut cfg = config(addr);
    cfg.breaker_threshold = 1;
    let c = client(cfg);
    let out = c.render_chunk(&chunk_json()).await;
    assert_eq!(
        out,
        ChunkOutcome::Unavailable {
            reason: Unavailable::ServerError { status: 500 }
        }
    );
    assert_eq!(c.breaker_state(), CircuitState::Open);
    // The 60 s cooldown has not passed: fail fast without a request.
    assert!(matches!(
        c.render_chunk(&chunk_json()).await,
        ChunkOutcome::Unavailable {
            reason: Unavailable::BreakerOpen
        }
    ));
    assert_eq!(fake.hits.load(Ordering::SeqCst), 1);
    assert!(c.check_health().await);
    let out = c.render_chunk(&chunk_json()).await;
    assert!(matches!(out, ChunkOutcome::Texture(_)), "{out:?}");
    assert_eq!(c.breaker_state(), CircuitState::Closed);
}

#[tokio::test]
async fn the_background_health_check_runs_until_aborted() {
    let (_fake, addr) = start(vec![]).await;
    let mut cfg = config(addr);
    cfg.health_interval = Duration::from_millis(10);
    let c = client(cfg);
    let task = c.spawn_health_check();
    for _ in 0..200 {
        if c.stats().health_ok >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    assert!(c.stats().health_ok >= 2, "{:?}", c.stats());
    assert!(c.is_healthy());
}

#[test]
fn only_absolute_http_and_https_base_urls_are_accepted() {
    for bad in ["renderer:8001", "ftp://x", "/relative", ""] {
        assert!(
            RendererClient::new(ClientConfig::new(bad)).is_err(),
            "{bad}"
        );
    }
    for good in ["http://renderer:8001", "https://renderer.example"] {
        assert!(
            RendererClient::new(ClientConfig::new(good)).is_ok(),
            "{good}"
        );
    }
}

#[tokio::test]
async fn a_renderer_behind_tls_serves_textures_to_a_client_that_trusts_its_certificate() {
    let fake = Arc::new(Fake::default());
    let (addr, pem) = start_tls(fake.clone()).await;
    let base = format!("https://localhost:{}", addr.port());

    // Trusting only the WebPKI roots, the self-signed certificate is refused: TLS is real.
    let mut untrusting = config(addr);
    untrusting.base_url = base.clone();
    untrusting.max_retries = 0;
    let out = client(untrusting).render_chunk(&chunk_json()).await;
    let ChunkOutcome::Unavailable {
        reason: Unavailable::Unreachable(why),
    } = out
    else {
        panic!("an untrusted certificate must fail, got {out:?}")
    };
    assert!(why.to_lowercase().contains("certificate"), "{why}");
    assert_eq!(fake.hits.load(Ordering::SeqCst), 0);

    let mut trusting = config(addr);
    trusting.base_url = base.clone();
    trusting.extra_root_certificates = vec![pem.into_bytes()];
    let c = client(trusting);
    let out = c.render_chunk(&chunk_json()).await;
    let ChunkOutcome::Texture(t) = out else {
        panic!("expected a texture over TLS, got {out:?}")
    };
    assert_eq!(t.url, format!("{base}/textures/abc123.png"));
    assert_eq!(fake.hits.load(Ordering::SeqCst), 1);
    assert!(c.check_health().await, "health over TLS");
}
