//! Renders one typical cat N times: a fixed workload for instruction counting
//! (`valgrind --tool=callgrind`), immune to the machine's load.
//!
//! `cargo run --release -p pipeline --example render_loop -- N`

use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan};

fn main() -> anyhow::Result<()> {
    let n: usize = std::env::args().nth(1).map_or(Ok(1000), |a| a.parse())?;
    let repo = AtlasRepository::load(&AtlasPaths::bundled())?;
    let params = CatParams::from_json(&serde_json::json!({
        "spriteNumber": 8, "peltName": "Tabby", "colour": "GINGER", "isTortie": true,
        "tortiePattern": "Speckled", "tortieColour": "BLACK", "tortieMask": "ONE",
        "tint": "pink", "whitePatches": "TUXEDO", "whitePatchesTint": "offwhite",
        "eyeColour": "GREEN", "eyeColour2": "BLUE", "scars": ["ONE"], "shading": true,
        "skinColour": "PINK", "accessories": ["MAPLE LEAF"]
    }))?;
    let plan = Plan::for_cat(&CatSpec::resolve(&params, &repo)?);
    let mut cpu = CpuBackend::new();
    let mut sum = 0u64;
    for _ in 0..n {
        sum += u64::from(std::hint::black_box(cpu.render(&repo, &plan))[1234]);
    }
    println!("{} ops per cat, checksum {sum}", plan.ops.len());
    Ok(())
}
