//! Minimum-of-batches timing of the cat PNG writer against `fdeflate` on the same filtered
//! rows: on a shared, noisy machine the minimum over many short batches is the steadiest
//! estimate of what one encode costs. `cargo run --release -p benches --example png_min`;
//! with the argument `ours-only` (`png-only`) it runs our deflate alone (the whole PNG
//! writer) two million times, for `perf`.

use std::hint::black_box;
use std::time::Instant;

use benches::min_ns;
use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan};

fn main() {
    let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases");
    let params = CatParams::from_json(&benches::typical_cat()).expect("valid params");
    let spec = CatSpec::resolve(&params, &repo).expect("resolves");
    let plan = Plan::for_cat(&spec);
    let canvas = CpuBackend::new().render(&repo, &plan).to_vec();
    let row = 200;
    let mut up = Vec::new();
    for (y, cur) in canvas.chunks_exact(row).enumerate() {
        up.push(2);
        if y == 0 {
            up.extend_from_slice(cur);
        } else {
            let above = &canvas[(y - 1) * row..y * row];
            up.extend(cur.iter().zip(above).map(|(c, a)| c.wrapping_sub(*a)));
        }
    }
    let mut out = Vec::with_capacity(16 * 1024);
    if std::env::args().nth(1).as_deref() == Some("png-only") {
        for _ in 0..2_000_000 {
            out.clear();
            pipeline::encode_png_into(&mut out, 50, 50, black_box(&canvas)).expect("encodes");
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("ours-only") {
        for _ in 0..2_000_000 {
            out.clear();
            pipeline::encode::zlib_filtered(&mut out, black_box(&up));
        }
        return;
    }
    for round in 0..3 {
        let png = min_ns(|| {
            out.clear();
            pipeline::encode_png_into(&mut out, 50, 50, black_box(&canvas)).expect("encodes");
        });
        let ours = min_ns(|| {
            out.clear();
            pipeline::encode::zlib_filtered(&mut out, black_box(&up));
        });
        let fde = min_ns(|| {
            out.clear();
            let mut c = fdeflate::Compressor::new(&mut out).expect("in memory");
            c.write_data(black_box(&up)).expect("in memory");
            c.finish().expect("in memory");
        });
        println!(
            "round {round}: whole PNG {png:.0} ns, SpriteDeflate {ours:.0} ns, fdeflate {fde:.0} ns"
        );
    }
    let mut cell = [0u8; pipeline::CELL_BYTES];
    cell.copy_from_slice(&canvas);
    for scale in [2, 4, 8, 16] {
        let png = pipeline::encode_cell(&cell, scale).expect("encodes");
        let n = 200;
        let t = Instant::now();
        for _ in 0..n {
            black_box(pipeline::encode_cell(black_box(&cell), scale).expect("encodes"));
        }
        println!(
            "scale {scale}: {} bytes, {:.1} us per cat (mean of {n})",
            png.len(),
            t.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        );
    }
}
