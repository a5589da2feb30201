//! Renders a JSON-lines file of cat parameters into one upscaled sheet (the README picture).
//!
//! `cargo run --release -p pipeline --example sample_sheet -- CATS.jsonl OUT.png [COLUMNS] [SCALE]`

use anyhow::{Context, bail};
use pipeline::cpu::place_cell;
use pipeline::encode::upscale_nearest;
use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend, Plan, encode_png};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, rest @ ..] = args.as_slice() else {
        bail!("usage: sample_sheet CATS.jsonl OUT.png [COLUMNS] [SCALE]");
    };
    let columns: usize = rest.first().map_or(Ok(8), |c| c.parse())?;
    let scale: usize = rest.get(1).map_or(Ok(4), |c| c.parse())?;
    let repo = AtlasRepository::load(&AtlasPaths::bundled())?;
    let text = std::fs::read_to_string(input).with_context(|| format!("reading {input}"))?;
    let cats: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let rows = cats.len().div_ceil(columns);
    let (w, h) = (columns * 50, rows * 50);
    let mut sheet = vec![0u8; w * h * 4];
    let mut cpu = CpuBackend::new();
    for (i, json) in cats.iter().enumerate() {
        let params = CatParams::from_json(json).with_context(|| format!("line {}", i + 1))?;
        let spec = CatSpec::resolve(&params, &repo).with_context(|| format!("line {}", i + 1))?;
        let cat = cpu.render(&repo, &Plan::for_cat(&spec));
        place_cell(&mut sheet, w, (i % columns) * 50, (i / columns) * 50, cat);
    }
    let big = upscale_nearest(w, h, &sheet, scale);
    std::fs::write(
        output,
        encode_png((w * scale) as u32, (h * scale) as u32, &big)?,
    )?;
    println!(
        "wrote {output}: {} cats, {}×{} px",
        cats.len(),
        w * scale,
        h * scale
    );
    Ok(())
}
