//! Two replicas, one Redis: a texture URL handed out by one is served by the other (from
//! the shared PNG when textures are shared, else rendered from the shared recipe); the
//! layering local store → shared texture → recipe → render → 404; Redis stopped: renders go
//! on from local stores and `/health` says degraded; Redis back: health recovers by itself.
//! Needs Debian's `redis-server` (`.ci/run` installs it) and skips visibly without it.

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

/// The value of the metric line starting with `prefix` (name and labels).
fn metric(text: &[u8], prefix: &str) -> Option<u64> {
    String::from_utf8_lossy(text)
        .lines()
        .find_map(|l| l.strip_prefix(prefix)?.trim().parse().ok())
}

/// A Redis connection for looking behind the service's back.
async fn redis_conn(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("connects")
}

/// `GET path` on `state` until it is no longer 404 (shared writes happen in the background).
async fn get_eventually(state: &renderer::state::AppState, path: &str) -> common::Resp {
    let mut r = call(state, get(path)).await;
    for _ in 0..50 {
        if r.status != StatusCode::NOT_FOUND {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        r = call(state, get(path)).await;
    }
    r
}

/// Waits until `state`'s shared layer is connected.
async fn linked(state: &renderer::state::AppState) {
    wait_for(
        async || call(state, get("/health")).await.json()["shared"]["state"] == "ok",
        "the link",
    )
    .await;
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
    linked(&b).await;

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
        .find_map(|l| {
            l.strip_prefix("renderer_shared_lookups_total{kind=\"recipe\",outcome=\"hit\"} ")
        })
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
    let during_path = r.json()["textureUrl"].as_str().expect("url").to_owned();
    // B never saw it and cannot ask Redis: "try again" (503), not "no such texture" (404),
    // so a load balancer retries the replica that knows it.
    let r = call(&b, get(&during_path)).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["error"]["code"], "shared_store_unavailable");
    assert!(r.headers.contains_key("retry-after"), "{:?}", r.headers);
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
    // The URL handed out during the outage waited in A's backlog and now works on B too
    // (this Redis came back empty: nothing else could have told B).
    let during_a = call(&a, get(&during_path)).await;
    let during_b = get_eventually(&b, &during_path).await;
    assert_eq!(during_b.status, StatusCode::OK);
    assert_eq!(during_a.body, during_b.body);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_layers_local_then_shared_texture_then_recipe_then_404() {
    use redis::AsyncCommands as _;
    let Some(redis) = Redis::start(free_port()) else {
        return skip("redis-server is not installed (apt-get install redis-server)");
    };
    let url = redis.url();
    let replica = |texture_max_bytes: usize| {
        let url = url.clone();
        cpu_state(config(move |c| {
            c.redis_url = Some(url);
            c.redis_retention = Duration::from_secs(60);
            c.redis_texture_max_bytes = texture_max_bytes;
        }))
    };
    let (a, b) = (replica(1 << 20), replica(1 << 20));
    linked(&a).await;
    let r = call(&a, post_json("/render/chunk", &chunk())).await;
    assert_eq!(r.status, StatusCode::OK);
    let path = r.json()["textureUrl"].as_str().expect("url").to_owned();
    let hex = path
        .trim_start_matches("/textures/")
        .trim_end_matches(".png")
        .to_owned();
    let from_a = call(&a, get(&path)).await;
    assert_eq!(from_a.status, StatusCode::OK);

    // Both kinds are in Redis with the retention TTL.
    let mut conn = redis_conn(&url).await;
    for key in [
        format!("cg3:v1:recipe:{hex}"),
        format!("cg3:v1:texture:{hex}"),
    ] {
        let mut ttl: i64 = -2;
        for _ in 0..50 {
            ttl = conn.ttl(&key).await.expect("TTL");
            if ttl > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!((1..=60).contains(&ttl), "{key}: TTL {ttl}");
    }

    // B serves the shared PNG without rendering: identical bytes, a shared hit.
    let from_b = get_eventually(&b, &path).await;
    assert_eq!(from_b.status, StatusCode::OK);
    assert_eq!(from_a.body, from_b.body);
    let m = call(&b, get("/metrics")).await.body;
    let fetches = "renderer_texture_fetches_total{outcome=";
    assert_eq!(metric(&m, &format!("{fetches}\"shared\"}} ")), Some(1));
    assert_eq!(metric(&m, &format!("{fetches}\"rerendered\"}} ")), Some(0));
    // …and keeps it locally from then on.
    assert_eq!(call(&b, get(&path)).await.status, StatusCode::OK);
    let m = call(&b, get("/metrics")).await.body;
    assert_eq!(metric(&m, &format!("{fetches}\"cached\"}} ")), Some(1));
    // A POST of the same chunk on a third replica is answered from Redis, not rendered.
    let c = replica(1 << 20);
    linked(&c).await;
    let r = call(&c, post_json("/render/chunk", &chunk())).await;
    assert_eq!(r.json()["cached"], true, "{}", r.json());
    let m = call(&c, get("/metrics")).await.body;
    assert_eq!(
        metric(&m, "renderer_chunk_requests_total{outcome=\"shared\"} "),
        Some(1)
    );

    // A damaged shared PNG is not served: the replica renders from the recipe instead.
    let () = conn
        .set(format!("cg3:v1:texture:{hex}"), b"not a png".as_slice())
        .await
        .expect("SET");
    let d = replica(1 << 20);
    linked(&d).await;
    let from_d = call(&d, get(&path)).await;
    assert_eq!(from_d.status, StatusCode::OK);
    assert_eq!(from_d.body, from_a.body, "rendered again, identically");
    let m = call(&d, get("/metrics")).await.body;
    assert_eq!(metric(&m, &format!("{fetches}\"rerendered\"}} ")), Some(1));

    // Textures over the cap stay out of Redis; the recipe still travels.
    let small = replica(16);
    linked(&small).await;
    let other = json!({"tileset": "terrain", "width": 2, "height": 1, "tileSize": 16,
                       "layers": [["sand", "water"]]});
    let r = call(&small, post_json("/render/chunk", &other)).await;
    let other_path = r.json()["textureUrl"].as_str().expect("url").to_owned();
    let other_hex = other_path
        .trim_start_matches("/textures/")
        .trim_end_matches(".png");
    // The recipe arrives in the background; by then the texture would have, too.
    wait_for(
        async || {
            conn.exists::<_, bool>(format!("cg3:v1:recipe:{other_hex}"))
                .await
                .unwrap_or(false)
        },
        "the recipe",
    )
    .await;
    let exists: bool = conn
        .exists(format!("cg3:v1:texture:{other_hex}"))
        .await
        .expect("EXISTS");
    assert!(!exists, "a PNG over CG3_REDIS_TEXTURE_MAX_BYTES was shared");
    assert_eq!(
        get_eventually(&b, &other_path).await.status,
        StatusCode::OK,
        "rendered from the shared recipe"
    );

    // Redis flushed: a replica that never saw the chunk answers 404, never 500; the one
    // that rendered it still serves it.
    let () = redis::cmd("FLUSHALL")
        .query_async(&mut conn)
        .await
        .expect("FLUSHALL");
    let e = replica(1 << 20);
    linked(&e).await;
    let r = call(&e, get(&path)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["error"]["code"], "not_found", "{}", r.json());
    assert_eq!(call(&a, get(&path)).await.status, StatusCode::OK);
}
