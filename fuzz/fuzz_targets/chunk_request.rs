//! Chunk request JSON → validated request → plan → CPU composition → PNG.
//! Limits are the defaults except a 512 px canvas, so one input stays fast.
//! Property: no panic; the canonical JSON parses back to the same request and hash.
#![no_main]

#[path = "common.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use pipeline::chunk::{ChunkLimits, ChunkPlan, ChunkRequest, compose_chunk};
use pipeline::encode_png;

fuzz_target!(|data: &[u8]| {
    let limits = ChunkLimits {
        max_canvas: 512,
        ..ChunkLimits::default()
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(req) = ChunkRequest::from_json(&value, &limits) else {
        return;
    };
    let canonical = req.canonical_json();
    let again: serde_json::Value =
        serde_json::from_str(&canonical).expect("canonical JSON is JSON");
    let again = ChunkRequest::from_json(&again, &limits).expect("canonical JSON parses back");
    assert_eq!(
        again.canonical_json(),
        canonical,
        "canonical JSON is a fixed point"
    );
    let Ok(plan) = ChunkPlan::resolve(&req, &common::REPO, &common::TILESETS) else {
        return;
    };
    let image = compose_chunk(&plan, &common::REPO);
    assert_eq!(
        (image.width, image.height),
        (plan.width_px(), plan.height_px())
    );
    encode_png(image.width, image.height, &image.pixels).expect("a composed chunk encodes");
});
