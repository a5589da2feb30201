//! HTTP contract tests through the router (no socket): every route and every error path.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, config, cpu_state, get, nz, post_json};
use pipeline::atlas::decode_png;
use serde_json::{Value, json};

fn cat() -> serde_json::Value {
    json!({"peltName": "Tabby", "colour": "GINGER", "shading": true})
}

fn png_of_data_url(s: &str) -> pipeline::atlas::RgbaImage {
    use base64::Engine as _;
    let b64 = s
        .strip_prefix("data:image/png;base64,")
        .expect("png data url");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    decode_png(std::io::Cursor::new(bytes), "t").expect("png")
}

#[tokio::test]
async fn render_returns_a_data_url_and_meta_and_params_sprite_number_wins_as_in_catgenerator() {
    let s = cpu_state(config(|_| {}));
    let r = call(&s, post_json("/render", &json!({"payload": {"spriteNumber": 2, "params": {"spriteNumber": 9, "peltName": "Tabby", "colour": "GINGER"}}}))).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert!(r.headers.contains_key("x-request-id"));
    let v = r.json();
    let img = png_of_data_url(v["image"].as_str().expect("image"));
    assert_eq!((img.width, img.height), (50, 50));
    for k in [
        "started_at",
        "finished_at",
        "duration_ms",
        "memory_pressure",
    ] {
        assert!(v["meta"].get(k).is_some(), "meta.{k} missing: {v}");
    }
    let same = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&spriteNumber=2"),
    )
    .await;
    let other = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&spriteNumber=9"),
    )
    .await;
    let px = |b: &[u8]| {
        decode_png(std::io::Cursor::new(b.to_vec()), "t")
            .expect("png")
            .pixels
    };
    // CatGenerator: `params.setdefault("spriteNumber", payload.spriteNumber)`.
    assert_eq!(img.pixels, px(&other.body));
    assert_ne!(img.pixels, px(&same.body));
}

#[tokio::test]
async fn render_with_accept_png_answers_the_png_bytes() {
    let s = cpu_state(config(|_| {}));
    let req = Request::post("/render")
        .header("content-type", "application/json")
        .header("accept", "image/png")
        .body(Body::from(
            json!({"payload": {"params": cat()}}).to_string(),
        ))
        .expect("request");
    let r = call(&s, req).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "image/png");
    assert!(r.body.starts_with(b"\x89PNG"));
}

#[tokio::test]
async fn render_collects_layers_with_diagnostics_and_optional_images() {
    let s = cpu_state(config(|_| {}));
    let body = json!({"payload": {"params": cat()}, "options": {"collectLayers": true, "includeLayerImages": true}});
    let v = call(&s, post_json("/render", &body)).await.json();
    let layers = v["layers"].as_array().expect("layers");
    let ids: Vec<&str> = layers
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.first(), Some(&"base"));
    assert!(
        ids.contains(&"shading") && ids.contains(&"lineart"),
        "{ids:?}"
    );
    for l in layers {
        assert!(
            l["label"].is_string()
                && l["duration_ms"].is_number()
                && l["stats"]["ops"].is_number()
                && l["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().all(Value::is_string))
        );
        assert!(l.get("blend_mode").is_some());
    }
    let last = png_of_data_url(
        layers.last().expect("last")["image"]
            .as_str()
            .expect("image"),
    );
    assert_eq!(
        last.pixels,
        png_of_data_url(v["image"].as_str().expect("image")).pixels
    );

    let plain = json!({"payload": {"params": cat()}, "options": {"collectLayers": true, "diagnostics": false}});
    let v = call(&s, post_json("/render", &plain)).await.json();
    let first = &v["layers"][0];
    assert!(
        first.get("image").is_none()
            && first["diagnostics"] == json!([])
            && first.get("stats").is_none(),
        "{first}"
    );
    let none = call(
        &s,
        post_json("/render", &json!({"payload": {"params": cat()}})),
    )
    .await
    .json();
    assert!(none.get("layers").is_none());
}

#[tokio::test]
async fn a_repeated_render_is_served_from_the_cache() {
    let s = cpu_state(config(|_| {}));
    let body = json!({"payload": {"params": cat()}});
    let a = call(&s, post_json("/render", &body)).await.json();
    let b = call(&s, post_json("/render", &body)).await.json();
    assert_eq!(a["meta"]["cached"], json!(false));
    assert_eq!(b["meta"]["cached"], json!(true));
    assert_eq!(a["image"], b["image"]);
    let h = call(&s, get("/health")).await.json();
    assert_eq!(h["cache_hits"], json!(1));
    assert_eq!(h["rendered"], json!(1));
}

#[tokio::test]
async fn a_cache_hit_is_answered_without_planning_the_cat_again() {
    use renderer::job::JobInput;
    use renderer::render_path::RenderKey;
    let s = cpu_state(config(|_| {}));
    let Value::Object(map) = cat() else {
        unreachable!("an object")
    };
    let params = pipeline::CatParams::from_map(&map).expect("valid");
    let planned = std::cell::Cell::new(0);
    for round in 0..2 {
        let key = RenderKey::Cat {
            params: &params,
            scale: 1,
            layers: None,
        };
        let (_, cached) = s
            .path
            .render(key, || {
                planned.set(planned.get() + 1);
                let spec = pipeline::CatSpec::resolve(&params, &s.repo).expect("resolves");
                Ok::<_, renderer::error::RenderError>(JobInput::Cat {
                    plan: pipeline::Plan::for_cat(&spec),
                    scale: 1,
                    layers: None,
                })
            })
            .await
            .expect("renders");
        assert_eq!(cached, round == 1);
    }
    assert_eq!(planned.get(), 1, "the hit must not plan");
}

#[tokio::test]
async fn unknown_names_are_422_with_the_field_and_allowed_values() {
    let s = cpu_state(config(|_| {}));
    let r = call(
        &s,
        post_json(
            "/render",
            &json!({"payload": {"params": {"peltName": "Tabby", "colour": "PURPLE"}}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = &r.json()["error"];
    assert_eq!(e["code"], "invalid_params");
    assert_eq!(e["field"], "colour");
    assert!(
        e["allowed"]
            .as_array()
            .expect("allowed")
            .iter()
            .any(|a| a == "GINGER")
    );
    let r = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&spriteNumber=21"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "spriteNumber");
    let r = call(&s, post_json("/render", &json!({"payload": {"params": {"peltName": "Tabby", "colour": "GINGER", "whitePatches": "NOPE"}}}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "whitePatches");
    // Refused cats are neither rendered nor counted as cache misses.
    let m = call(&s, get("/metrics")).await;
    let text = String::from_utf8_lossy(&m.body);
    assert!(
        text.lines().any(|l| l == "renderer_cache_misses_total 0"),
        "{text}"
    );
}

#[tokio::test]
async fn malformed_json_is_a_400_json_error_and_wrong_shapes_are_422() {
    let s = cpu_state(config(|_| {}));
    let req = Request::post("/render")
        .header("content-type", "application/json")
        .body(Body::from("{\"payload\": "))
        .expect("request");
    let r = call(&s, req).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.code(), "malformed_json");
    let r = call(
        &s,
        post_json(
            "/render",
            &json!({"payload": {"params": cat()}, "options": {"collectLayers": "yes"}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.code(), "invalid_params");
    let r = call(&s, post_json("/render", &json!({"nothing": 1}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_json_error() {
    let s = cpu_state(config(|c| c.max_body_bytes = nz(100)));
    let big = json!({"payload": {"params": cat()}, "pad": "x".repeat(500)});
    let r = call(&s, post_json("/render", &big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.code(), "body_too_large");
}

#[tokio::test]
async fn render_png_sets_immutable_caching_and_a_strong_etag_and_answers_304() {
    let s = cpu_state(config(|_| {}));
    let r = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&shading=true&tint=&scale=2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = r.headers["etag"].to_str().expect("etag").to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"));
    assert_eq!(
        etag,
        format!("\"{:032x}\"", xxhash_rust::xxh3::xxh3_128(&r.body)),
        "the ETag is the content's hash"
    );
    let img = decode_png(std::io::Cursor::new(r.body.to_vec()), "t").expect("png");
    assert_eq!(img.width, 100);
    let again = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&shading=true&tint=&scale=2"),
    )
    .await;
    assert_eq!(
        again.headers["etag"],
        etag.as_str(),
        "from the result cache, the same tag"
    );
    let req = Request::get("/render.png?peltName=Tabby&colour=GINGER&shading=true&tint=&scale=2")
        .header("if-none-match", &etag)
        .body(Body::empty())
        .expect("request");
    let r = call(&s, req).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    // Compared weakly, as on /textures/ and the playground (RFC 9110 §13.1.2).
    let req = Request::get("/render.png?peltName=Tabby&colour=GINGER&shading=true&tint=&scale=2")
        .header("if-none-match", format!("\"other\", W/{etag}"))
        .body(Body::empty())
        .expect("request");
    assert_eq!(call(&s, req).await.status, StatusCode::NOT_MODIFIED);
    let r = call(&s, get("/render.png?peltName=Tabby&colour=GINGER&scale=0")).await;
    assert_eq!(r.json()["error"]["field"], "scale");
    let r = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&dead=maybe"),
    )
    .await;
    assert_eq!(r.json()["error"]["field"], "dead");
    // Escapes decode as a form would: `%47` is `G`, `+` a space (a name with a space is
    // unknown, so the field is named), invalid UTF-8 is replaced rather than refused.
    let escaped = call(
        &s,
        get("/render.png?peltName=Tab%62y&colour=%47INGER&shading=true&tint=&scale=2"),
    )
    .await;
    assert_eq!(escaped.status, StatusCode::OK);
    assert_eq!(escaped.headers["etag"], etag.as_str(), "the same cat");
    let r = call(&s, get("/render.png?peltName=Tabby&colour=GIN+GER")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "colour");
    let r = call(&s, get("/render.png?peltName=Tabby&colour=%FF")).await;
    assert_eq!(r.json()["error"]["field"], "colour");
}

#[tokio::test]
async fn batch_renders_one_sheet_with_a_frame_table() {
    let s = cpu_state(config(|_| {}));
    let body = json!({
        "payload": {"params": cat()},
        "variants": [
            {"id": "black", "overrides": {"colour": "BLACK"}},
            {"id": "pose0", "spriteNumber": 0},
            {"id": "full", "params": {"peltName": "SingleColour", "colour": "WHITE"}}
        ],
        "options": {"tileSize": 100, "columns": 2, "includeBase": true, "includeSources": true}
    });
    let r = call(&s, post_json("/render/batch", &body)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    let v = r.json();
    let sheet = png_of_data_url(v["sheet"].as_str().expect("sheet"));
    assert_eq!((sheet.width, sheet.height), (200, 200));
    let frames = v["frames"].as_array().expect("frames");
    assert_eq!(frames.len(), 4);
    assert_eq!(frames[0]["id"], "base");
    assert_eq!(frames[3]["id"], "full");
    assert_eq!(
        (frames[3]["column"].clone(), frames[3]["row"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(
        (frames[3]["x"].clone(), frames[3]["y"].clone()),
        (json!(100), json!(100))
    );
    // Each frame's own image comes back in `sources`, at 50×50.
    let sources = v["sources"].as_array().expect("sources");
    assert_eq!(sources.len(), 4);
    assert_eq!(sources[1]["id"], "black");
    let black = png_of_data_url(sources[1]["image"].as_str().expect("image"));
    let direct = call(
        &s,
        get("/render.png?peltName=Tabby&colour=BLACK&shading=true"),
    )
    .await;
    let direct = decode_png(std::io::Cursor::new(direct.body.to_vec()), "t").expect("png");
    assert_eq!(black.pixels, direct.pixels);
    // The frame of the base equals the single render, upscaled ×2.
    let single = call(
        &s,
        get("/render.png?peltName=Tabby&colour=GINGER&shading=true&scale=2"),
    )
    .await;
    let single = decode_png(std::io::Cursor::new(single.body.to_vec()), "t").expect("png");
    for y in 0..100 {
        assert_eq!(
            &sheet.pixels[y * 800..y * 800 + 400],
            &single.pixels[y * 400..(y + 1) * 400]
        );
    }
}

#[tokio::test]
async fn batch_limits_and_bad_variants_are_422_naming_the_field() {
    let s = cpu_state(config(|c| c.max_batch = nz(2)));
    let many = json!({"payload": {"params": cat()}, "variants": [{"id": 1}, {"id": 2}, {"id": 3}]});
    let r = call(&s, post_json("/render/batch", &many)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "variants");
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .expect("msg")
            .contains("at most 2")
    );
    let bad = json!({"payload": {"params": cat()}, "variants": [{"id": 1}, {"id": 2, "overrides": {"colour": "PURPLE"}}],
        "options": {"includeBase": false}});
    let r = call(&s, post_json("/render/batch", &bad)).await;
    assert_eq!(r.json()["error"]["field"], "variants[1].colour");
    let tile =
        json!({"payload": {"params": cat()}, "variants": [{"id": 1}], "options": {"tileSize": 0}});
    assert_eq!(
        call(&s, post_json("/render/batch", &tile)).await.json()["error"]["field"],
        "options.tileSize"
    );
    let huge = json!({"payload": {"params": cat()}, "variants": [], "options": {"tileSize": 4097}});
    assert_eq!(
        call(&s, post_json("/render/batch", &huge)).await.json()["error"]["field"],
        "options.tileSize"
    );
}

#[tokio::test]
async fn sprite_routes_serve_the_index_offsets_sheets_and_single_cells() {
    let s = cpu_state(config(|_| {}));
    let idx = call(&s, get("/sprites/index.json")).await;
    assert_eq!(idx.status, StatusCode::OK);
    let index = idx.json();
    let (group, entry) = index
        .as_object()
        .expect("object")
        .iter()
        .next()
        .expect("a group");
    let sheet = entry["spritesheet"].as_str().expect("sheet");
    assert!(
        call(&s, get("/sprites/offsets.json"))
            .await
            .json()
            .is_array()
    );
    let r = call(&s, get(&format!("/sprites/{sheet}.png"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.starts_with(b"\x89PNG"));
    // Served as it is on disk, which new art may change under the same URL: revalidated,
    // and a revalidation is a 304 without the body.
    assert_eq!(r.headers["cache-control"], "no-cache");
    let etag = r.headers["etag"].clone();
    let on_disk = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../sprites/{sheet}.png")),
    )
    .expect("the bundled sheet");
    assert_eq!(r.body.as_ref(), on_disk.as_slice(), "the file itself");
    let again = Request::get(format!("/sprites/{sheet}.png"))
        .header("if-none-match", etag)
        .body(Body::empty())
        .expect("request");
    let r = call(&s, again).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert!(r.body.is_empty());
    let enc: String = group.replace(' ', "%20");
    let r = call(&s, get(&format!("/sprites/{enc}/8.png"))).await;
    assert_eq!(r.status, StatusCode::OK, "{group}");
    let cell = decode_png(std::io::Cursor::new(r.body.to_vec()), "t").expect("png");
    assert_eq!((cell.width, cell.height), (50, 50));
    for path in [
        "/sprites/nope.png",
        "/sprites/..%2Fdata%2FspritesIndex.json",
        "/sprites/%2E%2E%2FCargo.toml",
    ] {
        let r = call(&s, get(path)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.code(), "not_found");
    }
    let r = call(&s, get(&format!("/sprites/{enc}/21.png"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        call(&s, get("/sprites/nogroup/1.png")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn group_names_with_spaces_are_url_decoded() {
    let s = cpu_state(config(|_| {}));
    let Some(group) = s
        .repo
        .group_names()
        .iter()
        .find(|g| g.contains(' '))
        .cloned()
    else {
        eprintln!("skipped: the bundled art has no group name with a space");
        return;
    };
    let r = call(
        &s,
        get(&format!("/sprites/{}/0.png", group.replace(' ', "%20"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn health_ready_metrics_and_openapi_answer() {
    let s = cpu_state(config(|_| {}));
    let _ = call(&s, get("/render.png?peltName=Tabby&colour=GINGER")).await;
    let h = call(&s, get("/health")).await.json();
    for k in [
        "status",
        "queue_size",
        "queue_capacity",
        "workers",
        "busy_workers",
        "circuit_open",
        "circuit_state",
        "backend",
        "rendered",
        "rejected",
        "failed",
        "cache_hits",
    ] {
        assert!(h.get(k).is_some(), "health.{k} missing: {h}");
    }
    assert_eq!(h["status"], "ok");
    assert_eq!(h["queue_capacity"], 120);
    assert_eq!(h["backend"], "cpu");
    let r = call(&s, get("/ready")).await;
    assert_eq!(r.status, StatusCode::OK);
    let m = call(&s, get("/metrics")).await;
    let text = String::from_utf8_lossy(&m.body);
    for name in [
        "renderer_queue_depth",
        "renderer_jobs_total{outcome=\"rendered\"} 1",
        "renderer_render_seconds_bucket",
        "renderer_queue_wait_seconds_count",
        "renderer_cache_misses_total",
        "renderer_circuit_state 0",
        "renderer_batch_size_bucket",
        "route=\"/render.png\"",
    ] {
        assert!(text.contains(name), "{name} missing from metrics:\n{text}");
    }
    if cfg!(target_os = "linux") {
        let peak = text
            .lines()
            .find_map(|l| l.strip_prefix("renderer_process_peak_resident_bytes "))
            .and_then(|v| v.parse::<u64>().ok());
        assert!(peak > Some(1 << 20), "peak RSS missing or tiny:\n{text}");
    }
    let doc = call(&s, get("/openapi.json")).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    // The names and limits are this server's own, so schema-driven tools send what it takes.
    let schemas = &doc["components"]["schemas"];
    let pelts = schemas["CatParams"]["properties"]["peltName"]["enum"]
        .as_array()
        .expect("peltName enum");
    assert!(pelts.iter().any(|p| p == "Tabby"), "{pelts:?}");
    assert_eq!(
        schemas["CatParams"]["required"],
        serde_json::json!(["peltName"])
    );
    let colours = schemas["CatParams"]["properties"]["colour"]["enum"]
        .as_array()
        .expect("colour enum");
    assert!(colours.iter().any(|c| c == "GINGER") && colours.iter().any(|c| c == "MOSS"));
    let chunk = &schemas["ChunkRequest"]["properties"];
    assert_eq!(chunk["tileset"]["enum"], serde_json::json!(["terrain"]));
    assert_eq!(
        (
            chunk["tileSize"]["minimum"].as_u64(),
            chunk["tileSize"]["maximum"].as_u64()
        ),
        (Some(8), Some(128))
    );
    for p in [
        "/render",
        "/render/batch",
        "/render.png",
        "/sprites/index.json",
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(doc["paths"].get(p).is_some(), "{p} not in openapi");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json_errors() {
    let s = cpu_state(config(|_| {}));
    let r = call(&s, get("/nope")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.code(), "not_found");
    let r = call(&s, get("/render")).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.code(), "method_not_allowed");
}

#[tokio::test]
async fn draining_makes_ready_false_and_refuses_new_work_with_503_and_retry_after() {
    let s = cpu_state(config(|_| {}));
    s.begin_drain();
    assert_eq!(
        call(&s, get("/ready")).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    let r = call(&s, get("/render.png?peltName=Tabby&colour=BLACK")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.code(), "shutting_down");
    assert!(r.headers.contains_key("retry-after"));
    assert_eq!(call(&s, get("/health")).await.json()["status"], "draining");
}

#[tokio::test]
async fn a_panicking_backend_is_a_500_without_detail_and_the_worker_survives() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    let control = Arc::new(renderer::backend::testing::TestControl::default());
    let s = common::test_state(
        config(|c| c.worker_count = nz(1)),
        control.clone(),
        common::system_clock(),
    );
    control.panic.store(true, Ordering::SeqCst);
    let r = call(&s, get("/render.png?peltName=Tabby&colour=GINGER")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.code(), "internal");
    assert!(!String::from_utf8_lossy(&r.body).contains("panic"));
    control.panic.store(false, Ordering::SeqCst);
    let r = call(&s, get("/render.png?peltName=Tabby&colour=GINGER")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(call(&s, get("/health")).await.json()["failed"], 1);
}

#[tokio::test]
async fn identical_concurrent_requests_are_rendered_once() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;
    let control = Arc::new(renderer::backend::testing::TestControl::default());
    control.set_delay(std::time::Duration::from_millis(200));
    let s = common::test_state(
        config(|c| c.worker_count = nz(2)),
        control.clone(),
        common::system_clock(),
    );
    let reqs = (0..6).map(|_| {
        let s = s.clone();
        async move { call(&s, get("/render.png?peltName=Tabby&colour=SILVER")).await }
    });
    let all = futures_join(reqs).await;
    assert!(all.iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(control.batches.load(Ordering::SeqCst), 1);
}

async fn futures_join<F: std::future::Future<Output = common::Resp> + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<common::Resp> {
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("joins"));
    }
    out
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_route_exists() {
    let s = cpu_state(config(|_| {}));
    let doc = call(&s, get("/openapi.json")).await.json();
    // Path parameters compared by position: `/textures/{hash}.png` is `/textures/{file}`.
    let shape = |p: &str| {
        p.split('/')
            .map(|seg| if seg.contains('{') { "{}" } else { seg })
            .collect::<Vec<_>>()
            .join("/")
    };
    let routed: std::collections::BTreeSet<(String, String)> = renderer::http::ROUTES
        .iter()
        .map(|(p, m)| (shape(p), (*m).to_owned()))
        .collect();
    let documented: std::collections::BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .expect("operations")
                .keys()
                .map(move |m| (shape(p), m.clone()))
        })
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from /openapi.json: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented but not routed: {unrouted:?}"
    );
}
