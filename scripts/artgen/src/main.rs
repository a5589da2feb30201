//! `artgen [--out DIR]`: writes `DIR/sprites/*.png` and `DIR/data/*.json` (default: the
//! current folder). Run at the repository root to refresh the committed atlases:
//! `cargo run --release -p artgen -- --out .`

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut out = PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => {
                out = PathBuf::from(
                    args.next()
                        .ok_or_else(|| anyhow::anyhow!("--out needs a folder"))?,
                )
            }
            "-h" | "--help" => {
                println!(
                    "usage: artgen [--out DIR]   (writes DIR/sprites/*.png and DIR/data/*.json)"
                );
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}; usage: artgen [--out DIR]"),
        }
    }
    let started = std::time::Instant::now();
    let report = artgen::generate(&out)?;
    let sheets = report
        .files
        .iter()
        .filter(|f| f.starts_with("sprites/"))
        .count();
    println!(
        "artgen: wrote {} files ({sheets} sheets) under {} in {:.1} s",
        report.files.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "artgen: sprites/ total {} bytes ({:.2} MB)",
        report.sprites_bytes,
        report.sprites_bytes as f64 / 1_000_000.0
    );
    Ok(())
}
