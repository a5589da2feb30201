//! Criterion benchmarks live in `benches/`; this library holds what several of them share.

/// The encoder the service used before pipeline's own, kept as the baseline the `cpu` and
/// `chunk` benches compare against: the `png` crate at `Compression::Fast` (fdeflate,
/// adaptive filter), RGBA8.
///
/// # Panics
/// When `pixels` is not `width * height * 4` bytes (a bench set-up error).
#[must_use]
pub fn png_crate_fast(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc.write_header().expect("header");
    w.write_image_data(pixels).expect("data");
    w.finish().expect("finish");
    out
}

/// The benchmark cat: 13 layers (base, tortie patch, tint, white patches, eyes + eyes2,
/// scar, shading + lighting, lineart, skin, accessory).
pub fn typical_cat() -> serde_json::Value {
    serde_json::json!({
        "spriteNumber": 8, "peltName": "Tabby", "colour": "GINGER", "isTortie": true,
        "tortiePattern": "Speckled", "tortieColour": "BLACK", "tortieMask": "ONE",
        "tint": "pink", "whitePatches": "TUXEDO", "whitePatchesTint": "offwhite",
        "eyeColour": "GREEN", "eyeColour2": "BLUE", "scars": ["ONE"], "shading": true,
        "skinColour": "PINK", "accessories": ["MAPLE LEAF"]
    })
}

/// The minimum over 2,000 batches of 50 calls of `f`, in nanoseconds per call: on a shared,
/// noisy machine the steadiest estimate of what one call costs (the examples `png_min` and
/// `request_min`).
pub fn min_ns(mut f: impl FnMut()) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..2000 {
        let t = std::time::Instant::now();
        for _ in 0..50 {
            f();
        }
        best = best.min(t.elapsed().as_nanos() as f64 / 50.0);
    }
    best
}
