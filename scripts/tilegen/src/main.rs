//! Writes `sprites/tilesets/terrain.png` and `data/tilesets/terrain.json` under the
//! workspace root (or under the folder given as the first argument).

use std::path::PathBuf;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let root = std::env::args_os().nth(1).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.."),
        PathBuf::from,
    );
    let out = tilegen::generate();
    let png_path = root
        .join("sprites/tilesets")
        .join(format!("{}.png", tilegen::NAME));
    let json_path = root
        .join("data/tilesets")
        .join(format!("{}.json", tilegen::NAME));
    for p in [&png_path, &json_path] {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
    }
    std::fs::write(&png_path, tilegen::encode_png(&out.atlas)?)
        .with_context(|| format!("writing {}", png_path.display()))?;
    std::fs::write(&json_path, &out.json)
        .with_context(|| format!("writing {}", json_path.display()))?;
    println!(
        "wrote {} ({}×{}) and {}",
        png_path.display(),
        out.atlas.w,
        out.atlas.h,
        json_path.display()
    );
    Ok(())
}
