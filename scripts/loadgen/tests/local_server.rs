//! `loadgen::run` against a tiny axum server on `127.0.0.1:0`: 200s and 503s are timed
//! apart, chunk bodies arrive distinct and valid, and nothing holds a run past its deadline.

use std::collections::HashSet;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use loadgen::scenario::{ChunkShape, Kind};
use loadgen::{Plan, run};
use serde_json::{Value, json};

/// What the fake renderer saw.
#[derive(Default)]
struct Seen {
    /// Cat requests so far (odd ones are rejected).
    cats: AtomicU64,
    /// Every chunk body, as received.
    chunks: Mutex<Vec<Value>>,
}

/// A fake renderer: every other cat is a slow 200, the rest immediate 503s; chunks answer
/// like the real one; `/health` takes `health_delay`.
async fn serve(health_delay: Duration) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let app = Router::new()
        .route(
            "/render.png",
            get(|State(s): State<Arc<Seen>>| async move {
                if s.cats.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            }),
        )
        .route(
            "/render/chunk",
            post(
                |State(s): State<Arc<Seen>>, axum::Json(body): axum::Json<Value>| async move {
                    s.chunks.lock().expect("lock").push(body);
                    axum::Json(json!({"hash": "00", "cached": false, "renderMs": 1.5}))
                },
            ),
        )
        .route(
            "/health",
            get(move || async move {
                tokio::time::sleep(health_delay).await;
                "{}"
            }),
        )
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}"), seen)
}

/// `run` blocks: off the runtime that serves the fake renderer.
async fn blocking_run(p: Plan) -> loadgen::report::RunReport {
    tokio::task::spawn_blocking(move || run(&p))
        .await
        .expect("joined")
        .expect("run")
}

fn plan(url: &str, scenarios: Vec<(Kind, usize)>, duration_ms: u64) -> Plan {
    Plan {
        target: url.parse().expect("url"),
        scenarios,
        duration: Duration::from_millis(duration_ms),
        warmup: Duration::ZERO,
        timeout: Duration::from_secs(10),
        distinct: None,
        chunk: ChunkShape {
            tiles: 4,
            ..ChunkShape::default()
        },
        threads: 2,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_is_split_by_status_and_every_chunk_arrives_distinct() {
    let (url, seen) = serve(Duration::ZERO).await;
    let p = plan(
        &url,
        vec![(Kind::Varied, 4), (Kind::Chunk, 2), (Kind::Health, 1)],
        400,
    );
    let report = blocking_run(p).await;
    let [cats, chunks, health] = &report.scenarios[..] else {
        panic!("three scenarios: {report:?}");
    };

    let ok = cats.stats.ok.summary().expect("some 200s");
    let rejected = cats.stats.rejected.summary().expect("some 503s");
    assert!(ok.p50_ms >= 20.0, "200s wait 20 ms: {ok:?}");
    assert!(
        rejected.p50_ms < ok.p50_ms,
        "503s are immediate and timed apart: {rejected:?} vs {ok:?}"
    );
    assert_eq!(cats.stats.error_count(), 0, "{:?}", cats.stats.errors);

    let n = chunks.stats.ok.count();
    assert!(n > 0);
    assert_eq!(chunks.stats.server_ms.count(), n);
    assert_eq!((chunks.stats.store_hits, chunks.stats.bad_bodies), (0, 0));
    let bodies = seen.chunks.lock().expect("lock");
    let grounds: HashSet<String> = bodies.iter().map(|b| b["layers"][0].to_string()).collect();
    assert_eq!(grounds.len(), bodies.len(), "every chunk differs");
    assert!(
        bodies
            .iter()
            .all(|b| b["tileset"] == "terrain" && b["width"] == 4)
    );

    assert!(health.stats.ok.count() > 0);
    let table = report.table();
    assert!(table.contains("chunk: 0 of"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_never_answers_cannot_hold_a_run_past_its_deadline() {
    let (url, _) = serve(Duration::from_secs(60)).await;
    let t0 = Instant::now();
    let report = blocking_run(plan(&url, vec![(Kind::Health, 2)], 300)).await;
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    let s = &report.scenarios[0].stats;
    // Cut by the deadline, not by their own timeout: dropped uncounted.
    assert_eq!((s.ok.count(), s.error_count()), (0, 0));

    let mut short = plan(&url, vec![(Kind::Health, 1)], 300);
    short.timeout = Duration::from_millis(50);
    let report = blocking_run(short).await;
    let s = &report.scenarios[0].stats;
    assert!(s.errors.get("timeout").is_some_and(|&n| n >= 2), "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_port_counts_connect_errors_and_stops_on_time() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let t0 = Instant::now();
    let mut p = plan(
        &format!("http://127.0.0.1:{port}"),
        vec![(Kind::Cached, 2)],
        200,
    );
    p.distinct = NonZeroU64::new(3);
    let report = blocking_run(p).await;
    assert!(t0.elapsed() < Duration::from_secs(2));
    let s = &report.scenarios[0].stats;
    assert!(s.errors.get("connect").is_some_and(|&n| n > 0), "{s:?}");
    assert_eq!(s.ok.count(), 0);
}
