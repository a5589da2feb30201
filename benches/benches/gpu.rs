//! GPU backend throughput against the CPU backend on the same machine, in cats per second
//! (criterion's elements/s), at batch sizes 1, 64, 1024 and 8192:
//!
//! - `gpu_readback`: `render_batch` into a `Vec` (compute + one readback + copy);
//! - `gpu_mapped`: `render_batch_with`, reading each cat's last byte straight from the
//!   mapped readback buffer (no copy);
//! - `gpu_no_readback`: compute only, waiting for the device;
//! - `gpu_readback_png`: `render_batch` plus PNG encoding of every cat on all CPU threads;
//! - `cpu_single_thread` / `cpu_all_threads`: `CpuBackend` (one per thread) into a `Vec`.
//!
//! Inputs: seeded random cats over the bundled art (a synthetic atlas until it exists).
//! Without a GPU adapter the GPU groups are skipped with a message; on a software adapter
//! (lavapipe, llvmpipe) they stop at 1024. Batch sizes can be overridden with
//! `CG3_BENCH_BATCHES=1,64,1024,8192,65536`.
//!
//! `cargo bench -p benches --bench gpu` (filter: `-- gpu_readback`).

#[path = "../../tests/tests/gpu_support/mod.rs"]
mod gpu_support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gpu_support::{CatGen, plan_of, synthetic_repository};
use pipeline::gpu::GpuBackend;
use pipeline::{AtlasPaths, AtlasRepository, CELL_BYTES, CpuBackend, Plan, encode_png_into};

/// `CG3_BENCH_BATCHES` when set (and valid), else 1, 64, 1024, 8192.
fn batch_sizes() -> (Vec<usize>, bool) {
    let chosen = std::env::var("CG3_BENCH_BATCHES")
        .ok()
        .and_then(|v| {
            v.split(',')
                .map(|s| s.trim().parse().ok())
                .collect::<Option<Vec<usize>>>()
        })
        .filter(|v| !v.is_empty() && v.iter().all(|&n| n > 0));
    let explicit = chosen.is_some();
    (chosen.unwrap_or_else(|| vec![1, 64, 1024, 8192]), explicit)
}

fn repository() -> (AtlasRepository, &'static str) {
    let paths = AtlasPaths::bundled();
    if paths.data_root.join("spritesIndex.json").is_file()
        && let Ok(repo) = AtlasRepository::load(&paths)
    {
        return (repo, "bundled art");
    }
    (synthetic_repository(0xBE7C4), "synthetic atlas")
}

/// Renders `plans` on all threads, each with its own `CpuBackend`, into `out`.
fn cpu_all_threads(repo: &AtlasRepository, plans: &[&Plan], out: &mut [u8], threads: usize) {
    let per = plans.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (chunk, dst) in plans.chunks(per).zip(out.chunks_mut(per * CELL_BYTES)) {
            s.spawn(move || {
                let mut cpu = CpuBackend::new();
                for (plan, cell) in chunk.iter().zip(dst.chunks_exact_mut(CELL_BYTES)) {
                    cell.copy_from_slice(cpu.render(repo, plan));
                }
            });
        }
    });
}

/// Encodes every 50×50 cat of `pixels` as a PNG on all threads; returns the total size.
fn encode_all(pixels: &[u8], threads: usize) -> usize {
    let cats = pixels.len() / CELL_BYTES;
    let per = cats.div_ceil(threads).max(1) * CELL_BYTES;
    std::thread::scope(|s| {
        let handles: Vec<_> = pixels
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    let mut png = Vec::with_capacity(4096);
                    let mut total = 0;
                    for cat in part.chunks_exact(CELL_BYTES) {
                        png.clear();
                        // 50×50 RGBA8 of exactly CELL_BYTES: cannot fail.
                        #[expect(clippy::expect_used, reason = "sizes are fixed")]
                        encode_png_into(&mut png, 50, 50, cat).expect("encodes");
                        total += png.len();
                    }
                    total
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    })
}

fn benches(c: &mut Criterion) {
    let (repo, source) = repository();
    let (sizes, explicit) = batch_sizes();
    let largest = sizes.iter().copied().max().unwrap_or(1);
    let mut cats = CatGen::new(&repo, 0x000B_E7C4);
    let plans: Vec<Plan> = (0..largest)
        .map(|_| plan_of(&repo, &cats.next_json()))
        .collect();
    let refs: Vec<&Plan> = plans.iter().collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ops: usize = plans.iter().map(|p| p.ops.len()).sum();
    eprintln!(
        "inputs: {largest} random cats over the {source}, {:.1} ops per cat; {threads} CPU threads",
        ops as f64 / largest as f64
    );
    let mut out = Vec::with_capacity(largest * CELL_BYTES);

    match GpuBackend::new(&repo) {
        Err(e) => eprintln!("SKIPPED: GPU benchmarks: {e}"),
        Ok(mut gpu) => {
            eprintln!(
                "GPU adapter: {}; {} MB of atlas in {} binding(s); {} jobs per pass",
                gpu.adapter_info(),
                gpu.atlas_bytes() / 1_000_000,
                gpu.atlas_bindings_used(),
                gpu.max_jobs_per_pass()
            );
            // A software rasteriser takes seconds per 8192-cat batch; keep its default run
            // to a few minutes.
            let gpu_sizes: Vec<usize> = if gpu.adapter_info().software && !explicit {
                eprintln!("software adapter: GPU batch sizes capped at 1024");
                sizes.iter().copied().filter(|&n| n <= 1024).collect()
            } else {
                sizes.clone()
            };
            let mut group = c.benchmark_group("gpu_readback");
            for &n in &gpu_sizes {
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
                    b.iter(|| {
                        gpu.render_batch(&repo, &refs[..n], &mut out)
                            .unwrap_or_else(|e| panic!("{e}"));
                        black_box(out.len())
                    });
                });
            }
            group.finish();

            let mut group = c.benchmark_group("gpu_mapped");
            for &n in &gpu_sizes {
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
                    b.iter(|| {
                        let mut sum = 0u64;
                        gpu.render_batch_with(&repo, &refs[..n], |_, px| {
                            for cat in px.chunks_exact(CELL_BYTES) {
                                sum += u64::from(cat[CELL_BYTES - 1]);
                            }
                        })
                        .unwrap_or_else(|e| panic!("{e}"));
                        black_box(sum)
                    });
                });
            }
            group.finish();

            let mut group = c.benchmark_group("gpu_no_readback");
            for &n in &gpu_sizes {
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
                    b.iter(|| {
                        gpu.render_batch_no_readback(&repo, &refs[..n])
                            .unwrap_or_else(|e| panic!("{e}"));
                    });
                });
            }
            group.finish();

            let mut group = c.benchmark_group("gpu_readback_png");
            for &n in &gpu_sizes {
                group.throughput(Throughput::Elements(n as u64));
                group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
                    b.iter(|| {
                        gpu.render_batch(&repo, &refs[..n], &mut out)
                            .unwrap_or_else(|e| panic!("{e}"));
                        black_box(encode_all(&out, threads))
                    });
                });
            }
            group.finish();
        }
    }

    out.resize(largest * CELL_BYTES, 0);
    let mut group = c.benchmark_group("cpu_single_thread");
    let mut cpu = CpuBackend::new();
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                for (plan, cell) in refs[..n].iter().zip(out.chunks_exact_mut(CELL_BYTES)) {
                    cell.copy_from_slice(cpu.render(&repo, plan));
                }
                black_box(out[0])
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("cpu_all_threads");
    for &n in &sizes {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                cpu_all_threads(&repo, &refs[..n], &mut out[..n * CELL_BYTES], threads);
                black_box(out[0])
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = gpu;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = benches
}
criterion_main!(gpu);
