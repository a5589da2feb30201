//! CatGenerator parameters JSON → typed params → spec → plan → CPU render → PNG.
//! Properties: no panic; the object read in place (as `POST /render` reads it) gives the cat,
//! or the error, that the `serde_json::Map` gives; the canonical JSON (the cache key) parses
//! back to itself.
#![no_main]

#[path = "common.rs"]
mod common;

use std::cell::RefCell;

use libfuzzer_sys::fuzz_target;
use pipeline::{CatParams, CatSpec, CpuBackend, Plan, encode_png};

thread_local! {
    static CPU: RefCell<CpuBackend> = RefCell::new(CpuBackend::new());
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let parsed = CatParams::from_json(&value);
    if value.is_object() {
        let in_place: serde_json_borrow::Value<'_> =
            serde_json::from_slice(data).expect("what parsed as a Value parses in place");
        let in_place = CatParams::from_object(in_place.as_object().expect("an object"));
        assert_eq!(in_place, parsed, "read in place and from the map");
    }
    let Ok(params) = parsed else {
        return;
    };
    let canonical = params.canonical_json();
    let again: serde_json::Value =
        serde_json::from_str(&canonical).expect("canonical JSON is JSON");
    let again = CatParams::from_json(&again).expect("canonical JSON parses back");
    assert_eq!(
        again.canonical_json(),
        canonical,
        "canonical JSON is a fixed point"
    );
    let Ok(spec) = CatSpec::resolve(&params, &common::REPO) else {
        return;
    };
    let plan = Plan::for_cat(&spec);
    CPU.with_borrow_mut(|cpu| {
        let canvas = cpu.render(&common::REPO, &plan);
        encode_png(50, 50, canvas).expect("a 50x50 canvas encodes");
    });
});
