//! CPU backend: one typical cat (~12 layers) composited, planned + composited, and
//! composited + PNG-encoded; and the PNG encoding alone, ours against the `png` crate's
//! fastest setting (the encoder used before, kept here as the baseline). Seeded input: the
//! same cat every run.

use std::hint::black_box;

use benches::{png_crate_fast, typical_cat};
use criterion::{Criterion, criterion_group, criterion_main};
use pipeline::{
    AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan, encode_png_into,
};

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
    png_parts(c, &canvas);
    etag(c, &canvas);
}

/// The strong ETag's hash over the benchmark cat's PNG: blake3 (before 2026-11-30 evening)
/// against xxh3-128 (the renderer's `etag_text` now).
fn etag(c: &mut Criterion, canvas: &[u8]) {
    let mut png = Vec::new();
    encode_png_into(&mut png, 50, 50, canvas).expect("encodes");
    println!("cat PNG for the ETag: {} bytes", png.len());
    let mut g = c.benchmark_group("cpu_cat_etag");
    g.bench_function("blake3", |b| {
        b.iter(|| black_box(blake3::hash(black_box(&png)).as_bytes()[0]));
    });
    g.bench_function("xxh3_128", |b| {
        b.iter(|| black_box(xxhash_rust::xxh3::xxh3_128(black_box(&png))));
    });
    g.finish();
}

/// Where a cat's PNG time goes (issue 11): the `Up` filter, `fdeflate` on the filtered rows,
/// and, for comparison, `fdeflate` on unfiltered rows (the `None` filter); the checksums cost
/// well under a microsecond.
fn png_parts(c: &mut Criterion, canvas: &[u8]) {
    const ROW: usize = 50 * 4;
    let filter = |up: bool| {
        let mut f = Vec::with_capacity(50 * (ROW + 1));
        for (y, cur) in canvas.chunks_exact(ROW).enumerate() {
            if up && y > 0 {
                let above = &canvas[(y - 1) * ROW..y * ROW];
                f.push(2);
                f.extend(cur.iter().zip(above).map(|(c, a)| c.wrapping_sub(*a)));
            } else {
                f.push(0);
                f.extend_from_slice(cur);
            }
        }
        f
    };
    let deflate = |rows: &[u8], z: &mut Vec<u8>| {
        z.clear();
        let mut c = fdeflate::Compressor::new(&mut *z).expect("in memory");
        c.write_data(rows).expect("in memory");
        c.finish().expect("in memory");
    };
    let (up, none) = (filter(true), filter(false));
    let mut z = Vec::with_capacity(16 * 1024);
    deflate(&up, &mut z);
    let up_bytes = z.len();
    z.clear();
    pipeline::encode::zlib_filtered(&mut z, &up);
    println!("cat zlib bytes, SpriteDeflate: Up {}", z.len());
    deflate(&none, &mut z);
    println!("cat zlib bytes: Up {up_bytes}, None {}", z.len());
    let mut g = c.benchmark_group("cpu_cat_png_parts");
    g.bench_function("filter_up", |b| b.iter(|| black_box(filter(true).len())));
    g.bench_function("fdeflate_up", |b| {
        b.iter(|| deflate(black_box(&up), &mut z))
    });
    g.bench_function("sprite_deflate_up", |b| {
        b.iter(|| {
            z.clear();
            pipeline::encode::zlib_filtered(&mut z, black_box(&up));
        });
    });
    g.bench_function("fdeflate_none", |b| {
        b.iter(|| deflate(black_box(&none), &mut z));
    });
    g.bench_function("crc32", |b| {
        b.iter(|| black_box(crc32fast::hash(black_box(&up))));
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
