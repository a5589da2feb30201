//! Real-socket tests (server on 127.0.0.1:0): a saturated queue refuses with 503 +
//! Retry-After while `/health` answers; a queued job whose client hung up is never rendered;
//! the breaker opens and recovers under a hand-moved clock; a graceful drain answers every
//! admitted request.

mod common;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use common::{config, nz, raw, serve_on_loopback as start, test_service};
use renderer::backend::testing::TestControl;
use renderer::breaker::ManualClock;

fn cat(pose: usize) -> String {
    format!("/render.png?peltName=Tabby&colour=GINGER&spriteNumber={pose}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_queue_rejects_with_503_and_retry_after_while_health_still_answers() {
    let control = Arc::new(TestControl::default());
    control.set_delay(Duration::from_millis(300));
    let service = test_service(
        config(|c| {
            c.worker_count = nz(1);
            c.max_queue_size = nz(2);
            c.cache_bytes = 0;
        }),
        control,
        common::system_clock(),
    );
    let (addr, stop, server) = start(service).await;
    let reqs: Vec<_> = (0..10)
        .map(|i| tokio::spawn(async move { raw(addr, "GET", &cat(i), "").await }))
        .collect();
    // While the worker sleeps on its first job, health must still answer and see the load.
    let mut saw_load = false;
    for _ in 0..50 {
        let h = raw(addr, "GET", "/health", "").await;
        assert_eq!(h.status, StatusCode::OK);
        let v = h.json();
        if v["busy_workers"] == 1 && v["queue_size"].as_u64() > Some(0) {
            saw_load = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(saw_load, "health never saw a busy worker with a queue");
    let mut ok = 0;
    let mut refused = 0;
    for r in reqs {
        let r = r.await.expect("joins");
        match r.status {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(r.code(), "queue_full");
                assert_eq!(r.headers["retry-after"], "1");
            }
            s => panic!("unexpected {s}: {:?}", r.body),
        }
    }
    assert!(
        (1..=3).contains(&ok),
        "1 rendering + 2 queued at most, got {ok}"
    );
    assert_eq!(ok + refused, 10);
    let h = raw(addr, "GET", "/health", "").await.json();
    assert_eq!(h["rejected"], refused);
    // The refusals came while the worker slept on its first batch, so some found it without
    // progress since the previous refusal; the first never does (nothing to compare with).
    let metrics =
        String::from_utf8_lossy(&raw(addr, "GET", "/metrics", "").await.body).into_owned();
    let stalled: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("renderer_queue_stalled_refusals_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no stalled-refusal counter: {metrics}"));
    assert!(
        (1..refused).contains(&stalled),
        "{stalled} stalled of {refused} refusals"
    );
    let _ = stop.send(());
    assert!(server.await.expect("joins"));
}

/// DESIGN §6: a queued job whose client went away is dropped before work. The client hangs
/// up while its job waits behind a slow one; the worker then takes it, finds nobody
/// waiting, and renders nothing for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queued_job_whose_client_hung_up_is_dropped_unrendered() {
    use std::sync::atomic::Ordering;
    use tokio::io::AsyncWriteExt;

    let control = Arc::new(TestControl::default());
    // Long enough for the second request to be sent, queued and abandoned on a busy box.
    control.set_delay(Duration::from_millis(1000));
    let service = test_service(
        config(|c| {
            c.worker_count = nz(1);
            c.max_queue_size = nz(4);
            c.cache_bytes = 0;
        }),
        control.clone(),
        common::system_clock(),
    );
    let (addr, stop, server) = start(service).await;
    let first = tokio::spawn(async move { raw(addr, "GET", &cat(0), "").await });
    let health = || async { raw(addr, "GET", "/health", "").await.json() };
    let mut busy = false;
    for _ in 0..100 {
        if health().await["busy_workers"] == 1 {
            busy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(busy, "the first cat never reached the worker");
    let mut leaver = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connects");
    let request = format!("GET {} HTTP/1.1\r\nHost: t\r\n\r\n", cat(1));
    leaver.write_all(request.as_bytes()).await.expect("sends");
    let mut queued = false;
    for _ in 0..100 {
        if health().await["queue_size"] == 1 {
            queued = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(queued, "the second cat never waited in the queue");
    drop(leaver);
    assert_eq!(first.await.expect("joins").status, StatusCode::OK);
    // The worker takes the second job right after the first; give it that moment.
    let mut metrics = String::new();
    for _ in 0..100 {
        metrics =
            String::from_utf8_lossy(&raw(addr, "GET", "/metrics", "").await.body).into_owned();
        if metrics.contains("renderer_jobs_total{outcome=\"cancelled\"} 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        metrics.contains("renderer_jobs_total{outcome=\"cancelled\"} 1"),
        "the job of the client that left is counted as cancelled: {metrics}"
    );
    assert_eq!(
        control.batches.load(Ordering::SeqCst),
        1,
        "only the first cat was rendered"
    );
    assert_eq!(health().await["queue_size"], 0);
    let _ = stop.send(());
    assert!(server.await.expect("joins"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_queue_full_refusal_is_held_for_the_shed_delay_and_still_refused() {
    let control = Arc::new(TestControl::default());
    control.set_delay(Duration::from_millis(1500));
    let service = test_service(
        config(|c| {
            c.worker_count = nz(1);
            c.max_queue_size = nz(1);
            c.cache_bytes = 0;
            c.shed_delay = Duration::from_millis(250);
        }),
        control,
        common::system_clock(),
    );
    let (addr, stop, server) = start(service).await;
    // One job on the worker, then one queued behind it: the queue is full. (One at a time:
    // an idle worker takes everything queued as one batch.)
    let wait_for = |busy: u64, queued: u64| async move {
        for _ in 0..400 {
            let h = raw(addr, "GET", "/health", "").await.json();
            if h["busy_workers"] == busy && h["queue_size"] == queued {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("never saw {busy} busy worker(s) and {queued} queued job(s)");
    };
    let mut busy = vec![tokio::spawn(
        async move { raw(addr, "GET", &cat(0), "").await },
    )];
    wait_for(1, 0).await;
    busy.push(tokio::spawn(
        async move { raw(addr, "GET", &cat(1), "").await },
    ));
    wait_for(1, 1).await;
    let t = std::time::Instant::now();
    let r = raw(addr, "GET", &cat(7), "").await;
    let held = t.elapsed();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), "queue_full");
    assert!(
        held >= Duration::from_millis(250),
        "answered after {held:?}"
    );
    for b in busy {
        assert_eq!(b.await.expect("joins").status, StatusCode::OK);
    }
    let _ = stop.send(());
    assert!(server.await.expect("joins"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn breaker_opens_after_n_failures_and_recovers_after_the_reset_time() {
    let control = Arc::new(TestControl::default());
    let clock = Arc::new(ManualClock::default());
    let service = test_service(
        config(|c| {
            c.worker_count = nz(1);
            c.circuit_failure_threshold = nz(3);
            c.circuit_reset = Duration::from_secs(12);
            c.cache_bytes = 0;
        }),
        control.clone(),
        clock.clone(),
    );
    let (addr, stop, server) = start(service).await;
    control.set_fail(true);
    // Client errors never count.
    for _ in 0..5 {
        let r = raw(addr, "GET", "/render.png?peltName=Tabby&colour=PURPLE", "").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for i in 0..3 {
        let r = raw(addr, "GET", &cat(i), "").await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(r.code(), "internal");
    }
    let r = raw(addr, "GET", &cat(5), "").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), "circuit_open");
    assert_eq!(r.headers["retry-after"], "12");
    let h = raw(addr, "GET", "/health", "").await.json();
    assert_eq!(
        (h["circuit_open"].clone(), h["circuit_state"].clone()),
        (true.into(), "open".into())
    );

    control.set_fail(false);
    clock.advance(Duration::from_secs(11));
    assert_eq!(
        raw(addr, "GET", &cat(6), "").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    clock.advance(Duration::from_secs(1));
    let probe = raw(addr, "GET", &cat(7), "").await;
    assert_eq!(probe.status, StatusCode::OK);
    let h = raw(addr, "GET", "/health", "").await.json();
    assert_eq!(h["circuit_state"], "closed");
    assert_eq!(raw(addr, "GET", &cat(8), "").await.status, StatusCode::OK);
    let metrics = raw(addr, "GET", "/metrics", "").await;
    assert!(
        String::from_utf8_lossy(&metrics.body)
            .contains("renderer_jobs_total{outcome=\"circuit_open\"} 2")
    );
    let _ = stop.send(());
    assert!(server.await.expect("joins"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_drain_answers_every_admitted_request() {
    graceful_drain_answers_every_admitted_request_when(false).await;
}

/// The same with each connection pinned to a thread of its own runtime
/// (`CG3_PIN_CONNECTIONS`): the drain waits on connections served by other runtimes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_drain_answers_every_admitted_request_on_pinned_connections() {
    graceful_drain_answers_every_admitted_request_when(true).await;
}

async fn graceful_drain_answers_every_admitted_request_when(pin_connections: bool) {
    let control = Arc::new(TestControl::default());
    control.set_delay(Duration::from_millis(100));
    let service = test_service(
        config(|c| {
            c.worker_count = nz(1);
            c.max_queue_size = nz(16);
            c.cache_bytes = 0;
            c.shutdown_grace = Duration::from_secs(20);
            c.async_threads = Some(nz(2));
            c.pin_connections = pin_connections;
        }),
        control,
        common::system_clock(),
    );
    let state = service.state.clone();
    let (addr, stop, server) = start(service).await;
    let reqs: Vec<_> = (0..6)
        .map(|i| tokio::spawn(async move { raw(addr, "GET", &cat(i), "").await }))
        .collect();
    // Wait until every request is admitted (rendering or queued).
    for _ in 0..200 {
        if state.path.queue.len() + state.busy_workers() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(
        state.path.queue.len() >= 4,
        "requests queued behind the slow worker"
    );
    let _ = stop.send(());
    for r in reqs {
        let r = r.await.expect("joins");
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    }
    assert!(server.await.expect("joins"), "drain finished within grace");
    assert!(state.is_draining());
    assert_eq!(state.path.queue.len(), 0);
}
