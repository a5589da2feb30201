//! CatGenerator's frontend and Discord bot against us: the request shapes their code builds
//! (`beastyrabbit/beastypage` at 86c99fd: `frontend/lib/cat-v3/api.ts`,
//! `frontend/app/api/preview/[id]/route.ts`, `frontend/lib/streamer/steps.js`,
//! `SingleCatPlusClient.tsx`, `OBSSpinClient.tsx`, `catSettingsHelpers.ts`, the bot's
//! palette catalog), each answered and parsed the way that code parses it.

mod common;

use axum::http::{Request, StatusCode};
use common::{call, config, cpu_state, get, post_json};
use pipeline::atlas::decode_png;
use serde_json::{Value, json};

fn png(data_url: &Value) -> pipeline::atlas::RgbaImage {
    use base64::Engine as _;
    let s = data_url.as_str().expect("a data URL string");
    let b64 = s
        .strip_prefix("data:image/png;base64,")
        .expect("png data url");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    decode_png(std::io::Cursor::new(bytes), "t").expect("png")
}

/// `renderCatV3`'s body and its parse: `image`, `meta`, optional `layers`.
async fn render_v3(
    s: &renderer::state::AppState,
    sprite: Value,
    params: Value,
) -> pipeline::atlas::RgbaImage {
    let r = call(
        s,
        post_json(
            "/render",
            &json!({"payload": {"spriteNumber": sprite, "params": params},
                    "options": {"collectLayers": false, "includeLayerImages": false}}),
        ),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{params}: {:?}",
        String::from_utf8_lossy(&r.body)
    );
    let v = r.json();
    assert!(v["meta"]["duration_ms"].is_number());
    png(&v["image"])
}

/// `renderCatBatchV3`: a batch that must succeed, its JSON answer.
async fn batch_ok(s: &renderer::state::AppState, body: &Value) -> Value {
    let r = call(s, post_json("/render/batch", body)).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    r.json()
}

fn tabby() -> Value {
    json!({"peltName": "Tabby", "colour": "GINGER", "eyeColour": "GREEN", "skinColour": "PINK",
           "shading": true, "spriteNumber": 8})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().expect("object") {
        base[k] = v.clone();
    }
    base
}

#[tokio::test]
async fn render_answers_with_catgenerators_meta_and_layer_types() {
    let s = cpu_state(config(|_| {}));
    // RenderLayerDebugger / CatRendererComparison: `layer.diagnostics.join(", ")`,
    // `meta.duration_ms.toFixed(2)`, `meta.memory_pressure ? … : …`.
    let r = call(
        &s,
        post_json(
            "/render",
            &json!({"payload": {"spriteNumber": 8, "params": tabby()},
                    "options": {"collectLayers": true, "includeLayerImages": true}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let meta = &v["meta"];
    assert!(meta["started_at"].is_number() && meta["finished_at"].is_number());
    assert!(meta["duration_ms"].is_number() && meta["memory_pressure"].is_boolean());
    let layers = v["layers"].as_array().expect("layers");
    assert!(!layers.is_empty());
    for l in layers {
        assert!(l["id"].is_string() && l["label"].is_string() && l["duration_ms"].is_number());
        let d = l["diagnostics"].as_array().expect("diagnostics is a list");
        assert!(!d.is_empty() && d.iter().all(Value::is_string), "{l}");
        png(&l["image"]);
    }
}

#[tokio::test]
async fn the_preview_route_gets_a_360_px_sheet_under_sheet() {
    let s = cpu_state(config(|_| {}));
    // frontend/app/api/preview/[id]/route.ts
    let body = json!({"payload": {"spriteNumber": 8, "params": tabby()}, "variants": [],
        "options": {"includeBase": true, "includeSources": false, "columns": 1, "tileSize": 360}});
    let v = batch_ok(&s, &body).await;
    let sheet = png(&v["sheet"]);
    assert_eq!((sheet.width, sheet.height), (360, 360));
    assert_eq!(v["tileSize"], 360);
    // Nearest neighbour as PIL: output pixel x reads floor((x + 0.5) * 50 / 360).
    let cat = render_v3(&s, json!(8), tabby()).await;
    for (y, x) in [(0usize, 0usize), (180, 181), (359, 359), (100, 250)] {
        let (sy, sx) = (
            ((y as f64 + 0.5) * 50.0 / 360.0) as usize,
            ((x as f64 + 0.5) * 50.0 / 360.0) as usize,
        );
        assert_eq!(
            &sheet.pixels[(y * 360 + x) * 4..(y * 360 + x) * 4 + 4],
            &cat.pixels[(sy * 50 + sx) * 4..(sy * 50 + sx) * 4 + 4]
        );
    }
}

#[tokio::test]
async fn batch_frames_echo_label_and_group_and_variant_params_merge_onto_the_base() {
    let s = cpu_state(config(|_| {}));
    // renderCatBatchV3 with variants as the streamer and builder pages send them.
    let body = json!({
        "payload": {"spriteNumber": 8, "params": tabby()},
        "variants": [
            {"id": "acc-1", "label": "Maple leaf", "group": "accessories", "params": {"colour": "BLACK"}},
            {"id": "acc-2", "label": null, "overrides": {"colour": "WHITE"}, "spriteNumber": 0}
        ],
        "options": {"columns": 3, "includeSources": true}
    });
    let v = batch_ok(&s, &body).await;
    let frames = v["frames"].as_array().expect("frames");
    // includeBase defaults to true, as CatGenerator's.
    assert_eq!(frames.len(), 3);
    assert_eq!(frames[0]["id"], "base");
    assert_eq!(
        (frames[1]["label"].clone(), frames[1]["group"].clone()),
        (json!("Maple leaf"), json!("accessories"))
    );
    assert!(frames[2]["label"].is_null() && frames[2]["group"].is_null());
    let sources = v["sources"].as_array().expect("sources");
    // A partial `params` keeps the base's other fields (pelt, eyes, shading).
    let merged = render_v3(&s, json!(8), with(tabby(), json!({"colour": "BLACK"}))).await;
    assert_eq!(png(&sources[1]["image"]).pixels, merged.pixels);
    let posed = render_v3(
        &s,
        json!(0),
        with(tabby(), json!({"colour": "WHITE", "spriteNumber": 0})),
    )
    .await;
    assert_eq!(png(&sources[2]["image"]).pixels, posed.pixels);
}

#[tokio::test]
async fn layer_frames_show_one_layer_alone() {
    let s = cpu_state(config(|_| {}));
    // SingleCatPlusClient / OBSSpinClient preview accessory and scar options as layers.
    let base = with(tabby(), json!({"accessories": ["MAPLE LEAF"]}));
    let body = json!({"payload": {"spriteNumber": 8, "params": base}, "variants": [],
        "options": {"frameMode": "layer", "layerId": "accessories", "includeSources": true}});
    let layer = png(&batch_ok(&s, &body).await["sources"][0]["image"]);
    let whole = render_v3(&s, json!(8), base.clone()).await;
    let opaque =
        |img: &pipeline::atlas::RgbaImage| img.pixels.chunks(4).filter(|p| p[3] > 0).count();
    assert!(
        opaque(&layer) > 0 && opaque(&layer) < opaque(&whole) / 2,
        "the accessory alone"
    );
    let bad = json!({"payload": {"params": tabby()}, "options": {"frameMode": "layer", "layerId": "wings"}});
    let r = call(&s, post_json("/render/batch", &bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "options.layerId");
    assert!(
        r.json()["error"]["allowed"]
            .as_array()
            .expect("allowed")
            .contains(&json!("scarsPrimary"))
    );
}

#[tokio::test]
async fn tortie_rolls_before_any_layer_and_empty_slots_render() {
    let s = cpu_state(config(|_| {}));
    let plain = render_v3(&s, json!(8), tabby()).await;
    // Single Cat Plus / OBS spin: isTortie before the tortie layers are rolled.
    let early = render_v3(
        &s,
        json!(8),
        with(tabby(), json!({"isTortie": true, "tortie": []})),
    )
    .await;
    assert_eq!(
        early.pixels, plain.pixels,
        "isTortie without layers is the plain coat"
    );
    // lib/streamer/steps.js: null slots in tortie, scars, accessories; a layer without mask.
    let slots = with(
        tabby(),
        json!({"isTortie": true,
        "tortie": [null, {"pattern": "Smoke", "colour": "BLACK", "mask": "ONE"}, null],
        "scars": [null, "ONE"], "accessories": [null]}),
    );
    let a = render_v3(&s, json!(8), slots).await;
    assert_ne!(a.pixels, plain.pixels);
    let unmasked = with(
        tabby(),
        json!({"isTortie": true, "tortie": [{"pattern": "Smoke", "colour": "BLACK"}]}),
    );
    let b = render_v3(&s, json!(8), unmasked).await;
    let masked = render_v3(
        &s,
        json!(8),
        with(
            tabby(),
            json!({"isTortie": true,
        "tortie": [{"pattern": "Smoke", "colour": "BLACK", "mask": "ONE"}]}),
        ),
    )
    .await;
    // Drawn whole, the patch changes more of the coat than the masked one.
    let changed = |img: &pipeline::atlas::RgbaImage| {
        img.pixels
            .chunks(4)
            .zip(plain.pixels.chunks(4))
            .filter(|(x, y)| x != y)
            .count()
    };
    assert!(
        changed(&b) > changed(&masked),
        "an unmasked patch covers more of the coat"
    );
}

#[tokio::test]
async fn aliases_string_booleans_and_raw_accessory_groups_are_read() {
    let s = cpu_state(config(|_| {}));
    let canonical = render_v3(
        &s,
        json!(3),
        with(
            tabby(),
            json!({"spriteNumber": 3, "eyeColour": "BLUE",
        "skinColour": "BLACK", "reverse": true, "accessories": ["MAPLE LEAF"]}),
        ),
    )
    .await;
    let aliased = render_v3(
        &s,
        json!(3),
        json!({"peltName": "Tabby", "colour": "GINGER", "shading": "true",
        "sprite_number": 3, "eyeColor": "BLUE", "skinColor": "BLACK", "reverse": "1",
        "accessories": ["acc_herbsMAPLE LEAF"]}),
    )
    .await;
    assert_eq!(canonical.pixels, aliased.pixels);
}

#[tokio::test]
async fn a_living_dark_forest_cat_is_drawn_dark_and_dead_ones_stay_game_exact() {
    let s = cpu_state(config(|_| {}));
    let plain = render_v3(&s, json!(8), tabby()).await;
    let df = render_v3(&s, json!(8), with(tabby(), json!({"darkForest": true}))).await;
    let dark_mode = render_v3(&s, json!(8), with(tabby(), json!({"darkMode": true}))).await;
    assert_ne!(df.pixels, plain.pixels);
    assert_eq!(df.pixels, dark_mode.pixels);
    // Redder and darker where the coat is opaque.
    let sum = |img: &pipeline::atlas::RgbaImage, c: usize| -> u64 {
        img.pixels
            .chunks(4)
            .filter(|p| p[3] == 255)
            .map(|p| u64::from(p[c]))
            .sum()
    };
    assert!(sum(&df, 1) < sum(&plain, 1) / 2);
    let untinted = render_v3(
        &s,
        json!(8),
        with(
            tabby(),
            json!({"darkForest": true, "darkForestTint": false}),
        ),
    )
    .await;
    assert_ne!(untinted.pixels, df.pixels);
    let dead = with(tabby(), json!({"dead": true, "darkForest": true}));
    let dead_default = render_v3(&s, json!(8), dead.clone()).await;
    let dead_untinted = render_v3(
        &s,
        json!(8),
        with(dead.clone(), json!({"darkForestTint": false})),
    )
    .await;
    assert_eq!(
        dead_default.pixels, dead_untinted.pixels,
        "dead cats keep the game's output"
    );
    let dead_tinted = render_v3(&s, json!(8), with(dead, json!({"darkForestTint": true}))).await;
    assert_ne!(dead_tinted.pixels, dead_default.pixels);
}

#[tokio::test]
async fn palette_colours_work_wherever_a_colour_goes_and_unknown_names_list_them() {
    let s = cpu_state(config(|_| {}));
    let white = render_v3(&s, json!(8), with(tabby(), json!({"colour": "WHITE"}))).await;
    let moss = render_v3(&s, json!(8), with(tabby(), json!({"colour": "moss"}))).await;
    assert_ne!(moss.pixels, white.pixels);
    let pattern = render_v3(
        &s,
        json!(8),
        with(tabby(), json!({"colour": "CG_HEATHER_TARTAN"})),
    )
    .await;
    assert_ne!(pattern.pixels, white.pixels);
    for extra in [
        json!({"isTortie": true, "tortiePattern": "Smoke", "tortieColour": "FERN", "tortieMask": "ONE"}),
        json!({"isTortie": true, "tortie": [{"pattern": "Smoke", "colour": "CG_PICNIC_GINGHAM", "mask": "TWO"}]}),
        json!({"whitePatches": "TUXEDO", "whitePatchesTint": "MOSS"}),
        json!({"whitePatches": "TUXEDO", "whitePatchesTint": "GINGER"}),
    ] {
        render_v3(&s, json!(8), with(tabby(), extra)).await;
    }
    let r = call(
        &s,
        post_json(
            "/render",
            &json!({"payload": {"params": with(tabby(), json!({"colour": "PLAID"}))}}),
        ),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let e = &r.json()["error"];
    assert_eq!(e["field"], "colour");
    let allowed = e["allowed"].as_array().expect("allowed");
    assert!(allowed.contains(&json!("GINGER")) && allowed.contains(&json!("MOSS")));
}

#[tokio::test]
async fn the_palette_catalog_has_catgenerators_shape() {
    let s = cpu_state(config(|_| {}));
    let r = call(&s, get("/palettes")).await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let list = v.as_array().expect("a list of palettes");
    assert!(list.len() >= 2);
    for p in list {
        assert!(
            p["id"].is_string() && p["label"].is_string() && p["colors"].is_object(),
            "{p}"
        );
        assert!(p.get("description").is_some());
    }
    // The bot rolls a colour from the catalog and renders it.
    let name = list[0]["colors"]
        .as_object()
        .expect("colors")
        .keys()
        .next()
        .expect("a colour")
        .clone();
    render_v3(&s, json!(8), with(tabby(), json!({"colour": name}))).await;
}

#[tokio::test]
async fn docs_page_is_served_and_cors_is_a_setting() {
    let s = cpu_state(config(|_| {}));
    let r = call(&s, get("/docs")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&r.body).contains("openapi.json"));
    let origin = |uri: &str| {
        Request::builder()
            .uri(uri)
            .header("origin", "https://catgen.example")
            .body(axum::body::Body::empty())
            .expect("request")
    };
    let off = call(&s, origin("/health")).await;
    assert!(
        !off.headers.contains_key("access-control-allow-origin"),
        "CORS is off by default"
    );
    let on = cpu_state(config(|c| {
        c.allowed_origins = vec!["https://catgen.example".into()]
    }));
    let r = call(&on, origin("/health")).await;
    assert_eq!(
        r.headers["access-control-allow-origin"],
        "https://catgen.example"
    );
    let other = Request::builder()
        .uri("/health")
        .header("origin", "https://elsewhere.example")
        .body(axum::body::Body::empty())
        .expect("request");
    assert!(
        !call(&on, other)
            .await
            .headers
            .contains_key("access-control-allow-origin")
    );
}

/// A small deterministic generator (SplitMix64) for the random replay below.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[tokio::test]
async fn random_cats_in_every_shape_the_frontend_and_bot_send_are_answered() {
    let s = cpu_state(config(|_| {}));
    let pelts = [
        "Tabby",
        "SingleColour",
        "Smoke",
        "Bengal",
        "Mackerel",
        "Speckled",
        "Masked",
    ];
    let colours = [
        "GINGER",
        "BLACK",
        "WHITE",
        "CREAM",
        "moss",
        "FERN",
        "CG_HEATHER_TARTAN",
        "CG_CRANBERRY_DOTS",
        "CG_SUNRISE_BANDS",
        "CG_QUILT_SVG",
    ];
    let masks = ["ONE", "TWO", "FOUR", "MOTTLED", "HALF"];
    let mut rng = Rng(0xca7);
    for i in 0..120 {
        // catSettingsHelpers.ts afterlife modes: off, dark forest (living), StarClan (dead).
        let mut cat = json!({
            "peltName": rng.pick(&pelts), "colour": rng.pick(&colours),
            "spriteNumber": rng.next() % 21, "eyeColour": rng.pick(&["YELLOW", "BLUE", "GREEN"]),
            "skinColour": rng.pick(&["PINK", "BLACK"]), "shading": rng.chance(50),
            "reverse": rng.chance(30), "source": "discordkitten",
        });
        match rng.next() % 4 {
            0 => cat["darkForest"] = json!(true),
            1 => cat["darkMode"] = json!("true"),
            2 => {
                cat["dead"] = json!(true);
                cat["opacity"] = json!(rng.next() % 101);
            }
            _ => {}
        }
        if rng.chance(50) {
            cat["isTortie"] = json!(true);
            let layers: Vec<Value> = (0..rng.next() % 4)
                .map(|_| {
                    if rng.chance(20) {
                        Value::Null
                    } else {
                        let mut l =
                            json!({"pattern": rng.pick(&pelts), "colour": rng.pick(&colours)});
                        if rng.chance(80) {
                            l["mask"] = json!(rng.pick(&masks));
                        }
                        l
                    }
                })
                .collect();
            cat["tortie"] = json!(layers);
        }
        cat["scars"] = json!([Value::Null, rng.pick(&["ONE", "TWO", "NOTAIL"])]);
        cat["accessories"] = json!([Value::Null, rng.pick(&["MAPLE LEAF", "collarsBLUE"])]);
        if rng.chance(30) {
            cat["whitePatches"] = json!("TUXEDO");
            cat["whitePatchesTint"] = json!(rng.pick(&["none", "cream", "MOSS", "GINGER"]));
        }
        // The Discord bot sends no options; the frontend sends collectLayers sometimes.
        let body = if rng.chance(50) {
            json!({"payload": {"spriteNumber": cat["spriteNumber"], "params": cat}})
        } else {
            json!({"payload": {"spriteNumber": cat["spriteNumber"], "params": cat},
                   "options": {"collectLayers": true, "includeLayerImages": rng.chance(50)}})
        };
        let r = call(&s, post_json("/render", &body)).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "cat {i}: {cat}: {}",
            String::from_utf8_lossy(&r.body)
        );
        let img = png(&r.json()["image"]);
        assert_eq!((img.width, img.height), (50, 50));
        // And as a one-frame preview sheet at a random size.
        if i % 10 == 0 {
            let tile = 1 + rng.next() % 400;
            let body = json!({"payload": {"spriteNumber": 8, "params": cat}, "variants": [],
                "options": {"includeBase": true, "columns": 1, "tileSize": tile}});
            let sheet = png(&batch_ok(&s, &body).await["sheet"]);
            assert_eq!(
                (u64::from(sheet.width), u64::from(sheet.height)),
                (tile, tile)
            );
        }
    }
}
