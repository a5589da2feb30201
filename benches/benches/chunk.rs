//! Chunk composition: the bundled terrain tileset, 32 px tiles, two layers (ground
//! everywhere, a path overlay on a quarter of the tiles) and ~20 entities per 512² of
//! canvas, at 256², 512², 1024² and 2048². Seeded, so runs compare.
//!
//! - `chunk/compose_cpu`, `chunk/compose_gpu`: tileset entities only; the GPU figure
//!   includes the upload of the request and the readback of the canvas into a `Vec`.
//! - `chunk/encode_png`: the PNG encoding of each canvas, which every mode does on the CPU.
//! - `chunk/with_cats_{cpu,gpu}`: the 512² chunk with a quarter of its entities whole cats
//!   (composited per chunk on both backends).
//!
//! The GPU groups run when an adapter opens (`WGPU_*` variables pick it, as in the
//! service), and say `SKIPPED` otherwise.
//!
//! `cargo bench -p benches --bench chunk`

use std::hint::black_box;

use benches::png_crate_fast;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pipeline::chunk::{ChunkComposer, ChunkLimits, ChunkPlan, ChunkRequest, TilesetRegistry};
use pipeline::encode::{ZlibLevel, encode_png_into_threads, encode_texture_into};
use pipeline::gpu::GpuBackend;
use pipeline::{AtlasPaths, AtlasRepository};
use serde_json::{Value, json};

/// SplitMix64, so every run composes the same chunks.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// The bench chunk of `tiles`×`tiles` tiles; every `cat_every`-th entity is a cat
/// (0: none).
fn request(tiles: u64, rng: &mut Rng, cat_every: u64) -> Value {
    let ground = [
        "grass",
        "grass_2",
        "grass_flowers",
        "dirt",
        "sand",
        "water",
        "stone",
    ];
    let overlay = ["path", "path_n", "path_e", "path_ne", "path_inner_sw"];
    let cells = tiles * tiles;
    let base: Vec<&str> = (0..cells).map(|_| ground[rng.below(7) as usize]).collect();
    let top: Vec<Value> = (0..cells)
        .map(|_| {
            if rng.below(4) == 0 {
                json!(overlay[rng.below(5) as usize])
            } else {
                Value::Null
            }
        })
        .collect();
    let px = tiles * 32;
    // ~20 entities per 512×512.
    let count = (20 * cells / 256).max(5);
    let sprites = [
        "tree",
        "tree_pine",
        "rock",
        "rock_small",
        "bush",
        "bush_berries",
    ];
    let colours = ["GINGER", "BLACK", "WHITE", "SILVER", "CREAM"];
    let entities: Vec<Value> = (0..count)
        .map(|i| {
            let mut e = json!({"x": rng.below(px) as i64 - 16, "y": rng.below(px) as i64 - 32,
                               "z": rng.below(4), "flip": rng.below(2) == 1});
            if cat_every != 0 && i % cat_every == 0 {
                e["cat"] = json!({"peltName": "Tabby", "colour": colours[rng.below(5) as usize],
                                  "spriteNumber": rng.below(21), "shading": true,
                                  "eyeColour": "GREEN", "skinColour": "PINK"});
            } else {
                e["tile"] = json!(sprites[rng.below(6) as usize]);
            }
            e
        })
        .collect();
    json!({"tileset": "terrain", "width": tiles, "height": tiles, "tileSize": 32,
           "layers": [base, top], "entities": entities})
}

fn bench(c: &mut Criterion) {
    let registry = TilesetRegistry::load(&AtlasPaths::bundled()).expect("bundled tilesets");
    let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases");
    let limits = ChunkLimits::default();
    let plan = |tiles: u64, cat_every: u64| {
        let v = request(tiles, &mut Rng(tiles), cat_every);
        let req = ChunkRequest::from_json(&v, &limits).expect("valid request");
        ChunkPlan::resolve(&req, &repo, &registry).expect("resolves")
    };
    let sizes: Vec<(String, ChunkPlan)> = [8u64, 16, 32, 64]
        .into_iter()
        .map(|t| (format!("{}px", t * 32), plan(t, 0)))
        .collect();
    let with_cats = plan(16, 4);
    let mut gpu = GpuBackend::new(&repo)
        .inspect(|g| eprintln!("GPU adapter: {}", g.adapter_info()))
        .map_err(|e| eprintln!("SKIPPED chunk/compose_gpu: {e}"))
        .ok();

    let mut composer = ChunkComposer::new();
    let mut out = Vec::new();
    let mut group = c.benchmark_group("chunk/compose_cpu");
    for (name, plan) in &sizes {
        group.throughput(Throughput::Elements(u64::from(
            plan.width_px() * plan.height_px(),
        )));
        group.bench_with_input(BenchmarkId::from_parameter(name), plan, |b, p| {
            b.iter(|| {
                composer.compose_into(black_box(p), &repo, &mut out);
                black_box(&out);
            });
        });
    }
    group.finish();
    if let Some(gpu) = gpu.as_mut() {
        let mut group = c.benchmark_group("chunk/compose_gpu");
        for (name, plan) in &sizes {
            group.throughput(Throughput::Elements(u64::from(
                plan.width_px() * plan.height_px(),
            )));
            group.bench_with_input(BenchmarkId::from_parameter(name), plan, |b, p| {
                b.iter(|| {
                    gpu.compose_chunk(&repo, black_box(p), &mut out)
                        .expect("GPU chunk");
                    black_box(&out);
                });
            });
        }
        group.finish();
    }

    // The PNG each texture is served as (zlib-rs strips, on the CPU in every mode), at the
    // two levels worth choosing between (`chunk/encode_png/level{1,2}/{size}`; the default
    // is `ZlibLevel::DEFAULT`, `CG3_TEXTURE_PNG_LEVEL` sets it).
    let mut group = c.benchmark_group("chunk/encode_png");
    for (name, plan) in &sizes {
        composer.compose_into(plan, &repo, &mut out);
        group.throughput(Throughput::Elements(u64::from(
            plan.width_px() * plan.height_px(),
        )));
        let (w, h) = (plan.width_px(), plan.height_px());
        for level in [1, 2].map(|l| ZlibLevel::new(l).expect("a zlib level")) {
            let mut png = Vec::new();
            encode_texture_into(&mut png, w, h, &out, level).expect("encodes");
            println!(
                "chunk {name} PNG bytes at level {}: {}",
                level.get(),
                png.len()
            );
            let id = BenchmarkId::new(format!("level{}", level.get()), name);
            group.bench_function(id, |b| {
                b.iter(|| {
                    png.clear();
                    encode_texture_into(&mut png, w, h, black_box(&out), level).expect("encodes");
                    black_box(&png);
                });
            });
        }
        let before = png_crate_fast(w, h, &out);
        println!(
            "chunk {name} PNG bytes with the png crate (Compression::Fast): {}",
            before.len()
        );
        group.bench_function(BenchmarkId::new("png_crate_fast", name), |b| {
            b.iter(|| black_box(png_crate_fast(plan.width_px(), plan.height_px(), &out).len()));
        });
        // The size trade-off: our sprite deflate (one thread, what cats use) against the
        // zlib-rs strips every texture is encoded with.
        let mut one = Vec::new();
        encode_png_into_threads(&mut one, w, h, &out, 1).expect("encodes");
        println!(
            "chunk {name} PNG bytes on one thread (our deflate): {}",
            one.len()
        );
        group.bench_function(BenchmarkId::new("one_thread", name), |b| {
            b.iter(|| {
                one.clear();
                encode_png_into_threads(&mut one, w, h, black_box(&out), 1).expect("encodes");
                black_box(&one);
            });
        });
    }
    group.finish();

    c.bench_function("chunk/with_cats_cpu/512px", |b| {
        b.iter(|| {
            composer.compose_into(black_box(&with_cats), &repo, &mut out);
            black_box(&out);
        });
    });
    if let Some(gpu) = gpu.as_mut() {
        c.bench_function("chunk/with_cats_gpu/512px", |b| {
            b.iter(|| {
                gpu.compose_chunk(&repo, black_box(&with_cats), &mut out)
                    .expect("GPU chunk");
                black_box(&out);
            });
        });
    }

    // The async side of a request: parse + resolve + hash, no pixels.
    let v = request(16, &mut Rng(16), 0);
    c.bench_function("chunk/parse_resolve_hash/512px", |b| {
        b.iter(|| {
            let req = ChunkRequest::from_json(black_box(&v), &limits).expect("valid");
            ChunkPlan::resolve(&req, &repo, &registry).expect("resolves")
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
