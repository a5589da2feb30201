//! Chunk textures through the router: `POST /render/chunk` → `GET /textures/{hash}.png`
//! equals `ChunkComposer` output; hashing is canonical; ETag/304; eviction re-renders from the
//! recipe; unknown hashes, bad input and limits answer the right 4xx; a full queue is a 503.
//! With the `client` feature: `RendererClient` against the real server, stopped and restarted.

mod common;

use std::io::Cursor;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, config, cpu_state, get, nz, post_json, repo, test_state, tilesets};
use pipeline::atlas::{RgbaImage, decode_png};
use pipeline::chunk::{ChunkComposer, ChunkLimits, ChunkPlan, ChunkRequest};
use pipeline::encode::ZlibLevel;
use renderer::backend::testing::TestControl;
use renderer::config::Config;
use renderer::state::AppState;
use renderer::textures::Texture;
use serde_json::{Value, json};

/// A 4×3 terrain chunk with a partial second layer, a tree, a cat sprite cell and a cat.
fn chunk() -> Value {
    let ground: Vec<Value> = (0..12)
        .map(|i| json!(["grass", "grass_2", "dirt", "grass_flowers"][i % 4]))
        .collect();
    let mut paths = vec![Value::Null; 12];
    paths[5] = json!("path");
    paths[6] = json!("path");
    json!({
        "chunkX": 7, "chunkY": -3, "tileset": "terrain", "width": 4, "height": 3, "tileSize": 32,
        "layers": [ground, paths],
        "entities": [
            {"x": 40, "y": -20, "z": 2, "tile": "tree"},
            {"x": 10, "y": 30, "z": 1, "flip": true, "sprite": {"group": "tabbyGINGER", "pose": 3}},
            {"x": 70, "y": 40, "cat": {"peltName": "Tabby", "colour": "GINGER"}}
        ]
    })
}

/// The same chunk with one ground tile changed (a different texture).
fn chunk_variant(n: usize) -> Value {
    let mut c = chunk();
    c["layers"][0][n % 12] = json!("sand");
    c["layers"][0][(n / 12) % 12] = json!("stone");
    c
}

/// What `ChunkComposer` makes of `body`, outside the service.
fn composed(body: &Value) -> RgbaImage {
    let req = ChunkRequest::from_json(body, &ChunkLimits::default()).expect("valid request");
    let plan = ChunkPlan::resolve(&req, &repo(), &tilesets()).expect("resolves");
    ChunkComposer::new().compose(&plan, &repo())
}

fn decode(png: &[u8]) -> RgbaImage {
    decode_png(Cursor::new(png), "texture").expect("a PNG")
}

fn state_with(f: impl FnOnce(&mut Config)) -> AppState {
    cpu_state(config(f))
}

async fn post_chunk(s: &AppState, body: &Value) -> common::Resp {
    call(s, post_json("/render/chunk", body)).await
}

async fn post_text(s: &AppState, text: impl Into<String>) -> common::Resp {
    let req = Request::post("/render/chunk")
        .header("content-type", "application/json")
        .body(Body::from(text.into()))
        .expect("request");
    call(s, req).await
}

async fn metrics(s: &AppState) -> String {
    String::from_utf8(call(s, get("/metrics")).await.body.to_vec()).expect("utf-8")
}

#[tokio::test]
async fn a_chunk_renders_and_its_texture_url_serves_the_composers_exact_pixels() {
    let s = state_with(|_| {});
    let r = post_chunk(&s, &chunk()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.json());
    let j = r.json();
    let hash = j["hash"].as_str().expect("hash").to_owned();
    assert_eq!(hash.len(), 64);
    assert_eq!(j["textureUrl"], format!("/textures/{hash}.png"));
    assert_eq!(
        (j["width"].as_u64(), j["height"].as_u64()),
        (Some(128), Some(96))
    );
    assert_eq!(j["cached"], false);
    assert!(j["renderMs"].as_f64().is_some_and(|ms| ms >= 0.0));
    assert_eq!(
        (j["chunkX"].as_i64(), j["chunkY"].as_i64()),
        (Some(7), Some(-3))
    );

    let png = call(&s, get(j["textureUrl"].as_str().expect("url"))).await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.headers["content-type"], "image/png");
    assert_eq!(
        png.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = png.headers["etag"].to_str().expect("ascii");
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let got = decode(&png.body);
    let want = composed(&chunk());
    assert_eq!((got.width, got.height), (want.width, want.height));
    assert!(
        got.pixels == want.pixels,
        "served texture differs from ChunkComposer output"
    );
    // The chunk draws something over the whole canvas (the ground layer is opaque).
    assert!(got.pixels.chunks_exact(4).all(|p| p[3] == 255));
}

#[tokio::test]
async fn the_texture_png_level_changes_the_bytes_never_the_pixels_or_the_url() {
    // A larger chunk, so the levels' sizes differ by more than headers.
    let mut body = chunk();
    let tiles = ["grass", "grass_2", "dirt", "grass_flowers", "sand", "stone"];
    let ground: Vec<Value> = (0..256)
        .map(|i| json!(tiles[(i * 7 + i / 16) % 6]))
        .collect();
    body["width"] = json!(16);
    body["height"] = json!(16);
    body["layers"] = json!([ground]);
    let want = composed(&body);
    let mut served = Vec::new();
    for level in [1, 2, 9] {
        let s = state_with(|c| {
            c.texture_png_level = ZlibLevel::new(level).expect("a level");
        });
        let j = post_chunk(&s, &body).await.json();
        let png = call(&s, get(j["textureUrl"].as_str().expect("url"))).await;
        assert_eq!(png.status, StatusCode::OK);
        assert!(decode(&png.body).pixels == want.pixels, "level {level}");
        served.push((j["hash"].clone(), png.body.len()));
    }
    assert!(served.iter().all(|(hash, _)| *hash == served[0].0));
    let sizes: Vec<usize> = served.iter().map(|s| s.1).collect();
    assert!(
        sizes[2] < sizes[1] && sizes[1] < sizes[0],
        "bytes at levels 1, 2, 9: {sizes:?}"
    );
}

#[tokio::test]
async fn the_same_chunk_twice_gets_the_same_url_and_the_second_is_cached() {
    let s = state_with(|_| {});
    let a = post_chunk(&s, &chunk()).await.json();
    let mut moved = chunk();
    // Chunk coordinates are echoed, not hashed: the same pixels elsewhere share a texture.
    moved["chunkX"] = json!(100);
    let b = post_chunk(&s, &moved).await.json();
    assert_eq!(a["textureUrl"], b["textureUrl"]);
    assert_eq!(
        (a["cached"].clone(), b["cached"].clone()),
        (json!(false), json!(true))
    );
    assert_eq!(b["chunkX"], 100);
    let other = post_chunk(&s, &chunk_variant(1)).await.json();
    assert_ne!(
        other["hash"], a["hash"],
        "different tiles, different texture"
    );
    let m = metrics(&s).await;
    assert!(
        m.contains("renderer_chunk_requests_total{outcome=\"rendered\"} 2"),
        "{m}"
    );
    assert!(m.contains("renderer_chunk_requests_total{outcome=\"cached\"} 1"));
    assert!(m.contains("renderer_texture_store_entries 2"));
}

#[tokio::test]
async fn key_order_whitespace_and_spelled_out_defaults_do_not_change_the_hash() {
    let s = state_with(|_| {});
    let a = post_chunk(&s, &chunk()).await.json();
    // Same chunk: keys reversed, whitespace everywhere, defaults (z 0, flip false) spelled
    // out, whole floats for integers.
    let c = chunk();
    let mut text = String::from("{\n  ");
    let obj = c.as_object().expect("object");
    let keys: Vec<&String> = obj.keys().rev().collect();
    for (i, k) in keys.iter().enumerate() {
        let mut v = obj[k.as_str()].clone();
        if k.as_str() == "entities" {
            v[2]["z"] = json!(0);
            v[2]["flip"] = json!(false);
        }
        if k.as_str() == "tileSize" {
            v = json!(32.0);
        }
        let sep = if i + 1 < keys.len() { ",\n\t " } else { "\n" };
        text.push_str(&format!(
            "{:?} :  {}{sep}",
            k,
            serde_json::to_string_pretty(&v).expect("json")
        ));
    }
    text.push('}');
    let b = post_text(&s, text).await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.json());
    assert_eq!(b.json()["hash"], a["hash"]);
    assert_eq!(b.json()["cached"], true);
}

#[tokio::test]
async fn the_texture_has_a_strong_etag_and_if_none_match_gives_304() {
    let s = state_with(|_| {});
    let url = post_chunk(&s, &chunk()).await.json()["textureUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let first = call(&s, get(&url)).await;
    let etag = first.headers["etag"].clone();
    let again = Request::get(&url)
        .header("if-none-match", etag.clone())
        .body(Body::empty())
        .expect("request");
    let r = call(&s, again).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    assert_eq!(r.headers["etag"], etag);
    assert_eq!(
        r.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let listed = Request::get(&url)
        .header(
            "if-none-match",
            format!("\"nope\", {}", etag.to_str().expect("ascii")),
        )
        .body(Body::empty())
        .expect("request");
    assert_eq!(call(&s, listed).await.status, StatusCode::NOT_MODIFIED);
    let stale = Request::get(&url)
        .header("if-none-match", "\"something-else\"")
        .body(Body::empty())
        .expect("request");
    let r = call(&s, stale).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, first.body);
}

/// PNG bytes of each body, rendered by a separate service.
async fn pngs(bodies: &[Value]) -> Vec<Vec<u8>> {
    let s = state_with(|_| {});
    let mut out = Vec::new();
    for b in bodies {
        let url = post_chunk(&s, b).await.json()["textureUrl"]
            .as_str()
            .expect("url")
            .to_owned();
        out.push(call(&s, get(&url)).await.body.to_vec());
    }
    out
}

#[tokio::test]
async fn a_texture_evicted_from_a_tiny_store_is_rendered_again_from_its_recipe() {
    let (a, b) = (chunk(), chunk_variant(5));
    let sizes: Vec<usize> = pngs(&[a.clone(), b.clone()])
        .await
        .into_iter()
        .map(|p| Texture::new(p.into(), 1, 1).weight())
        .collect();
    // Room for either texture, never both.
    let budget = sizes[0].max(sizes[1]);
    assert!(budget < sizes[0] + sizes[1]);
    let s = state_with(|c| c.texture_cache_bytes = budget);
    let ja = post_chunk(&s, &a).await.json();
    let jb = post_chunk(&s, &b).await.json();
    assert_eq!(s.path.textures.store.len(), 1, "b evicted a");
    // a is gone from the store: fetching it renders it again from its recipe.
    let url_a = ja["textureUrl"].as_str().expect("url").to_owned();
    let r = call(&s, get(&url_a)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(decode(&r.body).pixels == composed(&a).pixels);
    // Now b was evicted by a's re-render; it comes back too, identical.
    let r = call(&s, get(jb["textureUrl"].as_str().expect("url"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(decode(&r.body).pixels == composed(&b).pixels);
    let m = metrics(&s).await;
    assert!(
        m.contains("renderer_texture_fetches_total{outcome=\"rerendered\"} 2"),
        "{m}"
    );
    assert!(m.contains("renderer_texture_recipes 2"), "{m}");

    // A store of zero bytes keeps nothing: every fetch re-renders, still identical.
    let s = state_with(|c| c.texture_cache_bytes = 0);
    let url = post_chunk(&s, &a).await.json()["textureUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    for _ in 0..2 {
        let r = call(&s, get(&url)).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(decode(&r.body).pixels == composed(&a).pixels);
    }
    assert!(s.path.textures.store.is_empty());
}

#[tokio::test]
async fn a_hash_without_a_recipe_and_a_malformed_name_are_404_json() {
    let s = state_with(|c| c.texture_recipes = 1);
    let unknown = format!("/textures/{}.png", "0".repeat(64));
    let r = call(&s, get(&unknown)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");
    let a = post_chunk(&s, &chunk()).await.json();
    let hash = a["hash"].as_str().expect("hash").to_owned();
    for bad in [
        "/textures/abc.png".to_owned(),
        format!("/textures/{hash}"),
        format!("/textures/{hash}.jpg"),
        format!("/textures/{}.png", hash.to_uppercase()),
        format!("/textures/{hash}.png.png"),
        "/textures/..%2F..%2FCargo.toml".to_owned(),
        "/textures/%2e%2e.png".to_owned(),
    ] {
        let r = call(&s, get(&bad)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(r.code(), "not_found", "{bad}");
    }
    // With one recipe kept and a store of zero bytes, an older hash is simply unknown.
    let s = state_with(|c| {
        c.texture_recipes = 1;
        c.texture_cache_bytes = 0;
    });
    let old = post_chunk(&s, &chunk()).await.json();
    post_chunk(&s, &chunk_variant(2)).await;
    let r = call(&s, get(old["textureUrl"].as_str().expect("url"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");
}

/// `(what, body, expected status, expected field)`.
fn bad_inputs() -> Vec<(&'static str, Value, u16, &'static str)> {
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = small();
        f(&mut c);
        c
    };
    vec![
        (
            "grid too wide",
            with(&|c| c["width"] = json!(5)),
            422,
            "width",
        ),
        (
            "grid too tall",
            with(&|c| c["height"] = json!(0)),
            422,
            "height",
        ),
        (
            "tile too large",
            with(&|c| c["tileSize"] = json!(48)),
            422,
            "tileSize",
        ),
        (
            "tile too small",
            with(&|c| c["tileSize"] = json!(4)),
            422,
            "tileSize",
        ),
        (
            "canvas too wide",
            with(&|c| {
                c["width"] = json!(4);
                c["tileSize"] = json!(32);
                c["layers"] = json!([]);
            }),
            422,
            "width",
        ),
        (
            "too many layers",
            with(&|c| {
                let l = c["layers"][0].clone();
                c["layers"] = json!([l.clone(), l.clone(), l]);
            }),
            422,
            "layers",
        ),
        (
            "too many entities",
            with(&|c| {
                c["entities"] = json!(vec![json!({"x": 0, "y": 0, "tile": "rock"}); 3]);
            }),
            422,
            "entities",
        ),
        (
            "entity too far out",
            with(&|c| c["entities"][0]["x"] = json!(-17)),
            422,
            "entities[0].x",
        ),
        (
            "unknown tileset",
            with(&|c| c["tileset"] = json!("lava")),
            422,
            "tileset",
        ),
        (
            "missing tileset",
            with(&|c| {
                c.as_object_mut().expect("object").remove("tileset");
            }),
            422,
            "tileset",
        ),
        (
            "wrong layer length",
            with(&|c| c["layers"][0] = json!(["grass"])),
            422,
            "layers[0]",
        ),
        (
            "unknown tile",
            with(&|c| c["layers"][0][1] = json!("lava")),
            422,
            "layers[0][1]",
        ),
        (
            "sprite used as ground",
            with(&|c| c["layers"][0][0] = json!("tree")),
            422,
            "layers[0][0]",
        ),
        (
            "tile not a name",
            with(&|c| c["layers"][0][2] = json!(3)),
            422,
            "layers[0][2]",
        ),
        (
            "unknown entity tile",
            with(&|c| c["entities"][0]["tile"] = json!("castle")),
            422,
            "entities[0].tile",
        ),
        (
            "unknown sprite group",
            with(&|c| {
                c["entities"][0] = json!({"x": 0, "y": 0, "sprite": {"group": "nope", "pose": 1}});
            }),
            422,
            "entities[0].sprite.group",
        ),
        (
            "pose out of range",
            with(&|c| {
                c["entities"][0] =
                    json!({"x": 0, "y": 0, "sprite": {"group": "tabbyGINGER", "pose": 21}});
            }),
            422,
            "entities[0].sprite.pose",
        ),
        (
            "bad cat colour",
            with(&|c| {
                c["entities"][0] =
                    json!({"x": 0, "y": 0, "cat": {"peltName": "Tabby", "colour": "PLAID"}});
            }),
            422,
            "entities[0].cat.colour",
        ),
        (
            "two kinds at once",
            with(&|c| c["entities"][0]["sprite"] = json!({"group": "tabbyGINGER"})),
            422,
            "entities[0]",
        ),
        ("not an object", json!([1, 2]), 422, "request"),
    ]
}

/// A valid 2×2 chunk within the small limits below.
fn small() -> Value {
    json!({"tileset": "terrain", "width": 2, "height": 2, "tileSize": 16,
           "layers": [["grass", "dirt", "sand", "water"]],
           "entities": [{"x": 4, "y": 4, "tile": "rock"}]})
}

fn small_limits(c: &mut Config) {
    c.chunk_limits = ChunkLimits {
        max_grid: 4,
        tile_size: 8..=32,
        max_canvas: 64,
        max_layers: 2,
        max_entities: 2,
        max_offset: 16,
    };
    c.max_body_bytes = nz(4096);
}

#[tokio::test]
async fn every_limit_and_bad_input_answers_the_right_4xx_naming_the_field() {
    let s = state_with(small_limits);
    let ok = post_chunk(&s, &small()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.json());
    for (what, body, status, field) in bad_inputs() {
        let r = post_chunk(&s, &body).await;
        assert_eq!(r.status.as_u16(), status, "{what}: {}", r.json());
        let e = &r.json()["error"];
        assert_eq!(e["code"], "invalid_params", "{what}");
        assert_eq!(e["field"], field, "{what}: {e}");
    }
    // Unknown names list what is allowed (when the list is short enough to be useful).
    let r = post_chunk(&s, &bad_inputs()[8].1).await.json();
    assert!(
        r["error"]["allowed"]
            .as_array()
            .expect("allowed")
            .contains(&json!("terrain"))
    );
    let r = post_chunk(&s, &bad_inputs()[11].1).await.json();
    assert!(
        r["error"]["allowed"]
            .as_array()
            .expect("allowed")
            .contains(&json!("grass"))
    );

    let r = post_text(&s, "{\"tileset\": ").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "malformed_json");
    let mut big = small();
    big["pad"] = json!("x".repeat(5000));
    let r = post_chunk(&s, &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "body_too_large");

    let m = metrics(&s).await;
    let invalid = bad_inputs().len() + 2 + 2;
    assert!(
        m.contains(&format!(
            "renderer_chunk_requests_total{{outcome=\"invalid\"}} {invalid}"
        )),
        "{m}"
    );
}

#[tokio::test]
async fn limits_follow_the_configuration() {
    // A 3×3 chunk: refused under a grid limit of 2, accepted under 3.
    let mut c = small();
    c["width"] = json!(3);
    c["height"] = json!(3);
    c["layers"] = json!([]);
    let tight = state_with(|c| c.chunk_limits.max_grid = 2);
    let r = post_chunk(&tight, &c).await;
    assert_eq!(r.json()["error"]["field"], "width");
    let loose = state_with(|c| c.chunk_limits.max_grid = 3);
    assert_eq!(post_chunk(&loose, &c).await.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_refuses_chunks_with_503_and_retry_after() {
    let control = Arc::new(TestControl::default());
    control.set_delay(Duration::from_millis(300));
    let s = test_state(
        config(|c| {
            c.worker_count = nz(1);
            c.max_queue_size = nz(1);
        }),
        control,
        common::system_clock(),
    );
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let s = s.clone();
            // Distinct chunks, so nothing coalesces.
            tokio::spawn(async move { post_chunk(&s, &chunk_variant(i * 13 + 1)).await })
        })
        .collect();
    let mut ok = 0;
    let mut full = 0;
    for t in tasks {
        let r = t.await.expect("joins");
        match r.status {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(r.code(), "queue_full");
                assert!(r.headers.contains_key("retry-after"));
                full += 1;
            }
            other => panic!("unexpected {other}: {:?}", r.body),
        }
    }
    assert!(ok >= 1 && full >= 1, "ok {ok}, full {full}");
    let m = metrics(&s).await;
    assert!(
        m.contains(&format!(
            "renderer_chunk_requests_total{{outcome=\"queue_full\"}} {full}"
        )),
        "{m}"
    );
}

#[tokio::test]
async fn openapi_describes_both_routes() {
    let s = state_with(|_| {});
    let doc = call(&s, get("/openapi.json")).await.json();
    assert!(doc["paths"]["/render/chunk"]["post"]["requestBody"].is_object());
    assert!(doc["paths"]["/textures/{hash}.png"]["get"]["responses"]["304"].is_object());
    for schema in ["ChunkRequest", "ChunkEntity", "ChunkResponse"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

mod with_client {
    use std::net::SocketAddr;
    use std::time::Instant;

    use renderer_client::{ChunkJson, ChunkOutcome, ClientConfig, RendererClient, Unavailable};
    use tokio::net::TcpListener;
    use tokio::sync::oneshot;

    use super::*;

    /// Serves a fresh state on `listener` until the returned sender fires.
    fn serve(listener: TcpListener) -> (oneshot::Sender<()>, tokio::task::JoinHandle<bool>) {
        let (tx, rx) = oneshot::channel::<()>();
        let service = common::cpu_service(config(|c| c.shutdown_grace = Duration::from_secs(2)));
        let server = tokio::spawn(async move {
            renderer::serve::serve(listener, service, async {
                let _ = rx.await;
            })
            .await
            .expect("serves")
        });
        (tx, server)
    }

    fn chunk_json() -> ChunkJson {
        serde_json::from_value(chunk()).expect("the client type reads the same JSON")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_client_gets_a_texture_loses_the_server_and_gets_it_back_on_restart() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let (stop, server) = serve(listener);

        let mut cfg = ClientConfig::new(format!("http://{addr}"));
        cfg.timeout = Duration::from_millis(800);
        cfg.max_retries = 1;
        cfg.backoff_base = Duration::from_millis(10);
        cfg.backoff_max = Duration::from_millis(50);
        let budget = cfg.timeout * (1 + cfg.max_retries) + cfg.backoff_max * cfg.max_retries;
        let client = RendererClient::new(cfg).expect("client");

        let out = client.render_chunk(&chunk_json()).await;
        let ChunkOutcome::Texture(first) = out else {
            panic!("expected a texture, got {out:?}")
        };
        assert_eq!(
            first.url,
            format!("http://{addr}/textures/{}.png", first.hash)
        );
        assert_eq!((first.width, first.height), (128, 96));
        let path = first.url.trim_start_matches(&format!("http://{addr}"));
        let png = common::raw(addr, "GET", path, "").await;
        assert_eq!(png.status, StatusCode::OK);
        assert!(decode(&png.body).pixels == composed(&chunk()).pixels);

        stop.send(()).expect("server listening");
        assert!(server.await.expect("joins"), "drained cleanly");
        let t = Instant::now();
        let out = client.render_chunk(&chunk_json()).await;
        assert!(
            matches!(
                out,
                ChunkOutcome::Unavailable {
                    reason: Unavailable::Unreachable(_)
                }
            ),
            "{out:?}"
        );
        assert!(t.elapsed() <= budget, "{:?} > {budget:?}", t.elapsed());

        let listener = TcpListener::bind(addr).await.expect("the same port again");
        let (stop, server) = serve(listener);
        let out = client.render_chunk(&chunk_json()).await;
        let ChunkOutcome::Texture(again) = out else {
            panic!("expected a texture after the restart, got {out:?}")
        };
        assert_eq!(again, first, "same chunk, same art: same texture URL");
        stop.send(()).expect("server listening");
        assert!(server.await.expect("joins"));
    }
}
