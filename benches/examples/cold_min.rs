//! A cat's compositing and PNG, timed one at a time (median and 10th percentile of 4,000),
//! hot and after writing over a buffer of the given size (KiB, default 3,072: more than this
//! box's 1.25 MiB L2 per core), which is what a render thread meets after the async threads'
//! work on its core. `cargo run --release -p benches --example cold_min -- 512`.

use std::hint::black_box;
use std::time::Instant;

use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan};

fn main() {
    let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled atlases");
    let params = CatParams::from_json(&benches::typical_cat()).expect("valid params");
    let spec = CatSpec::resolve(&params, &repo).expect("resolves");
    let plan = Plan::for_cat(&spec);
    let mut cpu = CpuBackend::new();
    let canvas = cpu.render(&repo, &plan).to_vec();
    let mut out = Vec::with_capacity(16 * 1024);
    let kib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3072);
    let mut junk = vec![0u8; kib << 10];
    for evict in [false, true, false, true] {
        let mut enc = Vec::new();
        let mut comp = Vec::new();
        for i in 0..4000u32 {
            if evict {
                for b in junk.iter_mut().step_by(64) {
                    *b = b.wrapping_add(i as u8);
                }
                black_box(&junk);
            }
            let t = Instant::now();
            black_box(cpu.render(&repo, black_box(&plan))[1234]);
            comp.push(t.elapsed().as_nanos());
            if evict {
                for b in junk.iter_mut().step_by(64) {
                    *b = b.wrapping_add(i as u8);
                }
                black_box(&junk);
            }
            let t = Instant::now();
            out.clear();
            pipeline::encode_png_into(&mut out, 50, 50, black_box(&canvas)).expect("encodes");
            enc.push(t.elapsed().as_nanos());
        }
        enc.sort_unstable();
        comp.sort_unstable();
        println!(
            "evict {evict}: composite median {} ns p10 {}, PNG median {} ns p10 {}",
            comp[2000], comp[400], enc[2000], enc[400]
        );
    }
}
