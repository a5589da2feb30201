//! The `/render.png` query dialect: a URI's query string, as the handler gets it → its
//! decoding and Pixel Cat Maker pairs (`pipeline::query::query_string_to_params`, the
//! handler's own call) → params → spec → plan.
#![no_main]

#[path = "common.rs"]
mod common;

use axum::http::Uri;
use libfuzzer_sys::fuzz_target;
use pipeline::query::{QUERY_SCALES, query_string_to_params};
use pipeline::{CatParams, CatSpec, Plan};

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = format!("/render.png?{query}").parse::<Uri>() else {
        return;
    };
    let Ok((object, scale)) = query_string_to_params(uri.query().unwrap_or("")) else {
        return;
    };
    assert!(QUERY_SCALES.contains(&scale), "scale {scale} escaped its range");
    let Ok(params) = CatParams::from_map(&object) else {
        return;
    };
    if let Ok(spec) = CatSpec::resolve(&params, &common::REPO) {
        let _ = Plan::for_cat(&spec);
    }
});
