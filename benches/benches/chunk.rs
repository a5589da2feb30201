//! Chunk composition on the CPU: the bundled terrain tileset, 32 px tiles, two layers
//! (ground everywhere, a path overlay on a quarter of the tiles) and ~20 tileset entities
//! per 512² of canvas, at 256², 512², 1024² and 2048². Seeded, so runs compare.
//!
//! `cargo bench -p benches --bench chunk`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pipeline::chunk::{ChunkComposer, ChunkLimits, ChunkPlan, ChunkRequest, TilesetRegistry};
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

fn request(tiles: u64, rng: &mut Rng) -> Value {
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
    let entities: Vec<Value> = (0..count)
        .map(|_| {
            json!({"x": rng.below(px) as i64 - 16, "y": rng.below(px) as i64 - 32,
                   "z": rng.below(4), "flip": rng.below(2) == 1,
                   "tile": sprites[rng.below(6) as usize]})
        })
        .collect();
    json!({"tileset": "terrain", "width": tiles, "height": tiles, "tileSize": 32,
           "layers": [base, top], "entities": entities})
}

fn bench(c: &mut Criterion) {
    let registry = TilesetRegistry::load(&AtlasPaths::bundled()).expect("bundled tilesets");
    // Tileset entities need no cat art; an empty repository keeps the bench independent of it.
    let repo = AtlasRepository::from_parts(
        Default::default(),
        &Default::default(),
        Vec::new(),
        Default::default(),
    );
    let limits = ChunkLimits::default();
    let mut group = c.benchmark_group("chunk/compose_cpu");
    let mut composer = ChunkComposer::new();
    let mut out = Vec::new();
    for tiles in [8u64, 16, 32, 64] {
        let v = request(tiles, &mut Rng(tiles));
        let req = ChunkRequest::from_json(&v, &limits).expect("valid request");
        let plan = ChunkPlan::resolve(&req, &repo, &registry).expect("resolves");
        let side = tiles * 32;
        group.throughput(Throughput::Elements(side * side));
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("{side}px")),
            &plan,
            |b, p| {
                b.iter(|| {
                    composer.compose_into(black_box(p), &repo, &mut out);
                    black_box(&out);
                });
            },
        );
    }
    group.finish();

    // The async side of a request: parse + resolve + hash, no pixels.
    let v = request(16, &mut Rng(16));
    c.bench_function("chunk/parse_resolve_hash/512px", |b| {
        b.iter(|| {
            let req = ChunkRequest::from_json(black_box(&v), &limits).expect("valid");
            ChunkPlan::resolve(&req, &repo, &registry).expect("resolves")
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
