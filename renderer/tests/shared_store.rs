//! Two replicas, one Redis: a texture URL handed out by one is served by the other; Redis
//! stopped: renders go on from local stores and `/health` says degraded; Redis back: health
//! recovers by itself. Needs Debian's `redis-server` (`.ci/run` installs it) and skips
//! visibly without it.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::http::StatusCode;
use common::{call, config, cpu_state, get, post_json};
use serde_json::json;

fn skip(why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// A throwaway `redis-server` on a free loopback port, stopped on drop.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self { child, port });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port())
}

fn chunk() -> serde_json::Value {
    json!({"tileset": "terrain", "width": 3, "height": 2, "tileSize": 16,
           "layers": [["grass", "sand", "grass", "water", "grass", "path"]],
           "entities": [{"x": 4, "y": 2, "z": 1, "cat": {"peltName": "Tabby", "colour": "MOSS"}}]})
}

async fn wait_for(mut ok: impl AsyncFnMut() -> bool, what: &str) {
    for _ in 0..100 {
        if ok().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_texture_url_from_one_replica_is_served_by_another_and_redis_outages_degrade_only() {
    let port = free_port();
    let Some(redis) = Redis::start(port) else {
        return skip("redis-server is not installed (apt-get install redis-server)");
    };
    let url = redis.url();
    let a = cpu_state(config(|c| c.redis_url = Some(url.clone())));
    let b = cpu_state(config(|c| c.redis_url = Some(url.clone())));
    wait_for(
        async || call(&b, get("/health")).await.json()["shared"]["state"] == "ok",
        "the link",
    )
    .await;

    // Replica A renders and hands out the URL; B never saw the chunk.
    let r = call(&a, post_json("/render/chunk", &chunk())).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{:?}",
        String::from_utf8_lossy(&r.body)
    );
    let url_path = r.json()["textureUrl"].as_str().expect("url").to_owned();
    let from_a = call(&a, get(&url_path)).await;
    let mut from_b = call(&b, get(&url_path)).await;
    for _ in 0..50 {
        if from_b.status == StatusCode::OK {
            break;
        }
        // The recipe is written in the background right after A answered.
        tokio::time::sleep(Duration::from_millis(50)).await;
        from_b = call(&b, get(&url_path)).await;
    }
    assert_eq!(from_b.status, StatusCode::OK);
    assert_eq!(
        from_a.body, from_b.body,
        "identical bytes from either replica"
    );
    let h = call(&b, get("/health")).await.json();
    assert!(h["shared"]["hits"].as_u64() >= Some(1), "{h}");
    let metrics = String::from_utf8_lossy(&call(&b, get("/metrics")).await.body).into_owned();
    let hits = metrics
        .lines()
        .find_map(|l| l.strip_prefix("renderer_shared_recipes_total{outcome=\"hit\"} "))
        .and_then(|v| v.parse::<u64>().ok());
    assert!(hits >= Some(1), "{metrics}");
    assert!(metrics.contains("renderer_shared_up 1"), "{metrics}");

    // A hash that exists nowhere is a clear 404.
    let nowhere = format!("/textures/{}.png", "ab".repeat(32));
    assert_eq!(call(&b, get(&nowhere)).await.status, StatusCode::NOT_FOUND);

    // Redis stops: renders still succeed, health says degraded with a reason.
    drop(redis);
    let r = call(
        &a,
        post_json(
            "/render/chunk",
            &json!({"tileset": "terrain", "width": 2, "height": 2,
        "tileSize": 16, "layers": [["grass", "grass", "sand", "sand"]]}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    wait_for(
        async || call(&a, get("/health")).await.json()["status"] == "degraded",
        "degraded health",
    )
    .await;
    let h = call(&a, get("/health")).await.json();
    assert!(
        h["shared"]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty()),
        "{h}"
    );
    assert_eq!(
        call(&a, get("/ready")).await.status,
        StatusCode::OK,
        "still ready while degraded"
    );
    // What A handed out before the outage it still serves itself.
    assert_eq!(call(&a, get(&url_path)).await.status, StatusCode::OK);

    // Redis back on the same port: health recovers without a restart.
    let Some(_redis) = Redis::start(port) else {
        panic!("redis-server did not restart");
    };
    wait_for(
        async || call(&a, get("/health")).await.json()["status"] == "ok",
        "recovery",
    )
    .await;
}

#[tokio::test]
async fn an_unreachable_redis_at_start_degrades_but_serves() {
    // Nothing listens there.
    let s = cpu_state(config(|c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{}/", free_port()))
    }));
    let r = call(&s, post_json("/render/chunk", &chunk())).await;
    assert_eq!(r.status, StatusCode::OK);
    let h = call(&s, get("/health")).await.json();
    assert_eq!(h["status"], "degraded", "{h}");
    assert_eq!(h["shared"]["state"], "degraded");
}
