//! CPU backend: one typical cat (~12 layers) composited, planned + composited, and
//! composited + PNG-encoded; and the PNG encoding alone, ours against the `png` crate's
//! fastest setting (the encoder used before, kept here as the baseline). Seeded input: the
//! same cat every run.

use std::hint::black_box;

use benches::png_crate_fast;
use criterion::{Criterion, criterion_group, criterion_main};
use pipeline::{
    AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan, encode_png_into,
};

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

fn bench(c: &mut Criterion) {
    let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases");
    let params = CatParams::from_json(&typical_cat()).expect("valid params");
    let spec = CatSpec::resolve(&params, &repo).expect("resolves");
    let mut plan = Plan::for_cat(&spec);
    let mut cpu = CpuBackend::new();
    let mut png = Vec::with_capacity(16 * 1024);

    let mut g = c.benchmark_group("cpu_cat");
    g.bench_function("composite", |b| {
        b.iter(|| black_box(cpu.render(&repo, black_box(&plan))[1234]));
    });
    g.bench_function("plan_and_composite", |b| {
        b.iter(|| {
            plan.build(black_box(&spec));
            black_box(cpu.render(&repo, &plan)[1234])
        });
    });
    g.bench_function("parse_resolve_plan_composite", |b| {
        let json = typical_cat();
        b.iter(|| {
            let p = CatParams::from_json(black_box(&json)).expect("valid");
            let s = CatSpec::resolve(&p, &repo).expect("resolves");
            plan.build(&s);
            black_box(cpu.render(&repo, &plan)[1234])
        });
    });
    let canvas = cpu.render(&repo, &plan).to_vec();
    png.clear();
    encode_png_into(&mut png, 50, 50, &canvas).expect("encodes");
    let ours = png.len();
    let theirs = png_crate_fast(50, 50, &canvas).len();
    println!("cat PNG bytes: ours {ours}, png crate (Compression::Fast) {theirs}");
    g.bench_function("png", |b| {
        b.iter(|| {
            png.clear();
            encode_png_into(&mut png, 50, 50, black_box(&canvas)).expect("encodes");
            black_box(png.len())
        });
    });
    g.bench_function("png_crate_fast", |b| {
        b.iter(|| black_box(png_crate_fast(50, 50, black_box(&canvas)).len()));
    });
    g.bench_function("composite_and_png", |b| {
        b.iter(|| {
            let canvas = cpu.render(&repo, &plan);
            png.clear();
            encode_png_into(&mut png, 50, 50, canvas).expect("encodes");
            black_box(png.len())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
