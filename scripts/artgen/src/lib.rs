//! Generator of the project's own cat atlases, in CatGenerator's legacy layout.
//!
//! Everything is drawn from code: seeded, float math limited to correctly rounded
//! operations, so the same source always gives the same pixels. The names come from the
//! committed `vocabulary.json` (extracted once from CatGenerator's index).
//!
//! # Layout
//!
//! | module | job |
//! |---|---|
//! | [`rng`] | SplitMix64 and string hashing: all randomness |
//! | [`geom`] | points, signed-distance shapes, deterministic sine, noise |
//! | [`silhouette`] | the 21 cat figures and their per-pixel maps |
//! | [`paint`], [`sketch`] | a float cell canvas and anti-aliased shape drawing |
//! | [`palette`] | colours for coat, eye, skin and accessory names |
//! | [`layers`] | one module per kind of layer (coat, patches, eyes, …) |
//! | [`vocabulary`] | the group names to produce |
//! | [`sheets`] | which group goes where; rendering sheets in parallel |
//! | [`index`], [`pelt_info`], [`tints`], [`json`] | the JSON files |
//! | [`png_io`] | PNG encoding (fixed settings) and decoding |
//!
//! [`generate`] writes `sprites/<sheet>.png` and `data/…json` under a folder.

pub mod geom;
pub mod index;
pub mod json;
pub mod layers;
pub mod paint;
pub mod palette;
pub mod pelt_info;
pub mod png_io;
pub mod rng;
pub mod sheets;
pub mod silhouette;
pub mod sketch;
pub mod tints;
pub mod vocabulary;

use std::path::{Path, PathBuf};

/// One generated file, in memory.
#[derive(Debug, Clone)]
pub struct GeneratedFile {
    /// Path relative to the output folder, with `/` separators.
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Builds every output file in memory, rendering on `threads` threads.
///
/// # Errors
/// Fails if the vocabulary is malformed or a PNG cannot be encoded.
pub fn build(threads: usize) -> anyhow::Result<Vec<GeneratedFile>> {
    let vocab = vocabulary::Vocabulary::load()?;
    let plan = sheets::plan(&vocab);
    let mut files = vec![
        GeneratedFile {
            path: "data/spritesIndex.json".into(),
            bytes: index::sprites_index(&plan)?.into_bytes(),
        },
        GeneratedFile {
            path: "data/spritesOffsetMap.json".into(),
            bytes: index::offset_map()?.into_bytes(),
        },
        GeneratedFile {
            path: "data/peltInfo.json".into(),
            bytes: pelt_info::pelt_info(&vocab)?.into_bytes(),
        },
        GeneratedFile {
            path: "data/tints/tint.json".into(),
            bytes: tints::tint(&vocab)?.into_bytes(),
        },
        GeneratedFile {
            path: "data/tints/white_patches_tint.json".into(),
            bytes: tints::white_patches_tint(&vocab)?.into_bytes(),
        },
    ];
    let images = sheets::render(&plan, &vocab, threads);
    let encoded = encode_all(&images, threads)?;
    for (sheet, bytes) in plan.iter().zip(encoded) {
        files.push(GeneratedFile {
            path: format!("sprites/{}.png", sheet.name),
            bytes,
        });
    }
    Ok(files)
}

/// Encodes the sheets in parallel, keeping their order.
fn encode_all(images: &[sheets::Image], threads: usize) -> anyhow::Result<Vec<Vec<u8>>> {
    let chunk = images.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = images
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(png_io::encode)
                        .collect::<anyhow::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for h in handles {
            let part = h
                .join()
                .map_err(|_| anyhow::anyhow!("a PNG encoder thread panicked"))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct Report {
    /// Files written, relative to the output folder.
    pub files: Vec<String>,
    /// Total size of the PNGs under `sprites/`, bytes.
    pub sprites_bytes: u64,
}

/// Threads to use: all cores the OS grants.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(4)
}

/// Writes all atlases and data files under `out`.
///
/// # Errors
/// Fails on any I/O error, naming the file.
pub fn generate(out: &Path) -> anyhow::Result<Report> {
    let files = build(default_threads())?;
    let mut report = Report {
        files: Vec::new(),
        sprites_bytes: 0,
    };
    for f in files {
        let path: PathBuf = out.join(&f.path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))?;
        }
        std::fs::write(&path, &f.bytes)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
        if f.path.starts_with("sprites/") {
            report.sprites_bytes += f.bytes.len() as u64;
        }
        report.files.push(f.path);
    }
    Ok(report)
}
