//! The playground's server side: the embedded page and files (ETags, 304, 404), the
//! `/vocabulary` its pickers read (the same lists the 422 errors quote), and the
//! `/render.png?params=` form its preview uses. The page itself is tested in chromium by
//! `scripts/browser/playground.test.mjs`.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{call, config, cpu_state, get, post_json};
use serde_json::{Value, json};

#[tokio::test]
async fn the_page_and_its_files_are_served_with_etags_and_304() {
    let s = cpu_state(config(|_| {}));
    for (path, kind) in [
        ("/", "text/html"),
        ("/playground/app.js", "text/javascript"),
        ("/playground/style.css", "text/css"),
    ] {
        let r = call(&s, get(path)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert!(
            r.headers["content-type"]
                .to_str()
                .expect("ascii")
                .starts_with(kind)
        );
        let etag = r.headers["etag"].clone();
        let again = Request::builder()
            .uri(path)
            .header("if-none-match", etag)
            .body(Body::empty())
            .expect("request");
        assert_eq!(
            call(&s, again).await.status,
            StatusCode::NOT_MODIFIED,
            "{path}"
        );
    }
    let page = call(&s, get("/")).await;
    let html = String::from_utf8_lossy(&page.body);
    // Relative URLs only, so the page works behind a path prefix.
    assert!(html.contains("src=\"playground/app.js\"") && !html.contains("src=\"/"));
    let missing = call(&s, get("/playground/nope.js")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn the_vocabulary_lists_what_the_errors_allow() {
    let s = cpu_state(config(|_| {}));
    let v: Value = call(&s, get("/vocabulary")).await.json();
    for key in [
        "peltName",
        "colour",
        "paletteColours",
        "tortieMask",
        "tint",
        "whitePatches",
        "points",
        "vitiligo",
        "eyeColour",
        "skinColour",
        "scars",
        "accessories",
        "tilesets",
    ] {
        assert!(!v[key].as_array().expect(key).is_empty(), "{key}");
    }
    let bad = json!({"payload": {"params": {"peltName": "Tabby", "isTortie": true,
        "tortie": [{"pattern": "Smoke", "colour": "BLACK", "mask": "NOPE"}]}}});
    let err = call(&s, post_json("/render", &bad)).await.json();
    assert_eq!(err["error"]["allowed"], v["tortieMask"]);
    let terrain = v["tilesets"]
        .as_array()
        .expect("tilesets")
        .iter()
        .find(|t| t["name"] == "terrain");
    assert!(terrain.is_some_and(|t| t["ground"].as_array().is_some_and(|g| !g.is_empty())));
}

#[tokio::test]
async fn render_png_takes_the_whole_cat_as_json_in_params() {
    let s = cpu_state(config(|_| {}));
    let cat = json!({"peltName": "Smoke", "colour": "MOSS", "isTortie": true,
        "tortie": [{"pattern": "Tabby", "colour": "GINGER", "mask": "ONE"}]});
    let q = format!(
        "/render.png?scale=2&params={}",
        url_escape(&cat.to_string())
    );
    let by_query = call(&s, get(&q)).await;
    assert_eq!(by_query.status, StatusCode::OK);
    let by_post = call(
        &s,
        Request::builder()
            .method("POST")
            .uri("/render")
            .header("content-type", "application/json")
            .header("accept", "image/png")
            .body(Body::from(json!({"payload": {"params": cat}}).to_string()))
            .expect("request"),
    )
    .await;
    let decode = |b: &[u8]| {
        pipeline::atlas::decode_png(std::io::Cursor::new(b.to_vec()), "t")
            .expect("png")
            .pixels
    };
    let big = decode(&by_query.body);
    let small = decode(&by_post.body);
    assert_eq!(big.len(), small.len() * 4);
    assert_eq!(&big[..4], &small[..4]);
    let bad = call(&s, get("/render.png?params=%7Bnope")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["field"], "params");
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
