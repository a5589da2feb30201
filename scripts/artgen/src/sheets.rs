//! The atlas plan (which group goes on which sheet, where) and the rendering of sheets.
//!
//! Sheets reuse the legacy names (`singlecolours`, `whitepatches` …). Groups fill a sheet
//! row by row, at most [`MAX_COLUMNS`] groups across; group `g` of a sheet sits at
//! `(150 * (g % cols), 350 * (g / cols))`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::layers::{Layer, lineart};
use crate::silhouette::{CELL, POSES, PoseMap};
use crate::vocabulary::Vocabulary;

/// Width of a group: 3 cells.
pub const GROUP_W: usize = 3 * CELL;
/// Height of a group: 7 cells.
pub const GROUP_H: usize = 7 * CELL;
/// Groups per row at most.
pub const MAX_COLUMNS: usize = 10;

/// One group: its name in `spritesIndex.json` and what it holds.
#[derive(Debug, Clone)]
pub struct Group {
    /// Group name (key of `spritesIndex.json`).
    pub name: String,
    /// What to draw.
    pub layer: Layer,
}

/// One sheet: a PNG file and the groups on it.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// File name without `.png`.
    pub name: String,
    /// Groups in placement order.
    pub groups: Vec<Group>,
}

impl Sheet {
    /// Groups per row.
    pub fn columns(&self) -> usize {
        self.groups.len().clamp(1, MAX_COLUMNS)
    }

    /// Pixel size (width, height).
    pub fn size(&self) -> (usize, usize) {
        let cols = self.columns();
        let rows = self.groups.len().div_ceil(cols).max(1);
        (cols * GROUP_W, rows * GROUP_H)
    }

    /// Pixel offset of group number `g`.
    pub fn offset(&self, g: usize) -> (usize, usize) {
        let cols = self.columns();
        ((g % cols) * GROUP_W, (g / cols) * GROUP_H)
    }
}

/// The legacy sheet name for the groups of an accessory prefix.
fn accessory_sheet(prefix: &str) -> String {
    match prefix {
        "acc_herbs" => "medcatherbs".to_owned(),
        "acc_wild" => "wild".to_owned(),
        "collars" => "collars".to_owned(),
        other => format!("{}_accessories", other.trim_start_matches("acc_")),
    }
}

/// The whole plan, in a fixed order: the order of the sheets and of `spritesIndex.json`.
pub fn plan(v: &Vocabulary) -> Vec<Sheet> {
    let mut sheets = Vec::new();
    let mut sheet = |name: &str, groups: Vec<Group>| {
        sheets.push(Sheet {
            name: name.to_owned(),
            groups,
        })
    };
    let group = |name: String, layer: Layer| Group { name, layer };

    for (name, style) in [
        ("lineart", "lines"),
        ("lineartdead", "lineartdead"),
        ("lineartdf", "lineartdf"),
        ("aprilfoolslineart", "aprilfoolslineart"),
        ("aprilfoolslineartdead", "aprilfoolslineartdead"),
        ("aprilfoolslineartdf", "aprilfoolslineartdf"),
    ] {
        if let Some(s) = lineart::Style::of_group(style) {
            sheet(name, vec![group(style.to_owned(), Layer::Lines(s))]);
        }
    }
    sheet(
        "shadersnewwhite",
        vec![group("shaders".into(), Layer::Shaders)],
    );
    sheet(
        "lightingnew",
        vec![group("lighting".into(), Layer::Lighting)],
    );
    sheet(
        "fademask",
        (0..3)
            .map(|s| group(format!("fademask{s}"), Layer::FadeMask(s)))
            .collect(),
    );
    sheet(
        "fadestarclan",
        (0..3)
            .map(|s| {
                group(
                    format!("fadestarclan{s}"),
                    Layer::Fog {
                        dark_forest: false,
                        stage: s,
                    },
                )
            })
            .collect(),
    );
    sheet(
        "fadedarkforest",
        (0..3)
            .map(|s| {
                group(
                    format!("fadedf{s}"),
                    Layer::Fog {
                        dark_forest: true,
                        stage: s,
                    },
                )
            })
            .collect(),
    );
    for prefix in &v.pelt_prefixes {
        let groups = v
            .colours
            .iter()
            .map(|c| {
                group(
                    format!("{prefix}{c}"),
                    Layer::Coat {
                        pattern: prefix.clone(),
                        colour: c.clone(),
                    },
                )
            })
            .collect();
        sheet(&format!("{prefix}colours"), groups);
    }
    sheet(
        "tortiepatchesmasks",
        v.tortie_masks
            .iter()
            .map(|m| group(format!("tortiemask{m}"), Layer::TortieMask(m.clone())))
            .collect(),
    );
    sheet(
        "whitepatches",
        v.white_patches
            .iter()
            .map(|w| group(format!("white{w}"), Layer::White(w.clone())))
            .collect(),
    );
    sheet(
        "eyes",
        v.eye_colours
            .iter()
            .map(|c| {
                group(
                    format!("eyes{c}"),
                    Layer::Eyes {
                        colour: c.clone(),
                        both: true,
                    },
                )
            })
            .collect(),
    );
    sheet(
        "eyes2",
        v.eye_colours
            .iter()
            .map(|c| {
                group(
                    format!("eyes2{c}"),
                    Layer::Eyes {
                        colour: c.clone(),
                        both: false,
                    },
                )
            })
            .collect(),
    );
    sheet(
        "skin",
        v.skins
            .iter()
            .map(|c| group(format!("skin{c}"), Layer::Skin(c.clone())))
            .collect(),
    );
    sheet(
        "scars",
        v.scars1
            .iter()
            .chain(&v.scars3)
            .map(|s| group(format!("scars{s}"), Layer::Scar(s.clone())))
            .collect(),
    );
    sheet(
        "missingscars",
        v.scars2
            .iter()
            .map(|s| group(format!("scars{s}"), Layer::Missing(s.clone())))
            .collect(),
    );
    for acc in &v.accessories {
        let groups = acc
            .names
            .iter()
            .map(|n| {
                group(
                    format!("{}{n}", acc.prefix),
                    Layer::Accessory {
                        prefix: acc.prefix.clone(),
                        name: n.clone(),
                    },
                )
            })
            .collect();
        sheet(&accessory_sheet(&acc.prefix), groups);
    }
    sheets
}

/// A rendered sheet: RGBA8 rows, `width * height * 4` bytes.
#[derive(Debug, Clone)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// RGBA8 pixels, row by row.
    pub rgba: Vec<u8>,
}

/// Renders every sheet of `plan`, spreading groups over `threads` worker threads. The
/// result does not depend on the thread count: each group is a pure function of its name.
pub fn render(plan: &[Sheet], vocab: &Vocabulary, threads: usize) -> Vec<Image> {
    let poses: Vec<PoseMap> = crate::silhouette::all_poses();
    let images: Vec<Mutex<Image>> = plan
        .iter()
        .map(|s| {
            let (width, height) = s.size();
            Mutex::new(Image {
                width,
                height,
                rgba: vec![0; width * height * 4],
            })
        })
        .collect();
    let jobs: Vec<(usize, usize)> = plan
        .iter()
        .enumerate()
        .flat_map(|(s, sheet)| (0..sheet.groups.len()).map(move |g| (s, g)))
        .collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| {
                loop {
                    let job = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&(s, g)) = jobs.get(job) else { break };
                    let block = render_group(&plan[s].groups[g].layer, &poses, vocab);
                    let (ox, oy) = plan[s].offset(g);
                    // A poisoned lock means another worker panicked; its panic is re-raised
                    // by `scope`, so carrying on with the data is harmless.
                    let mut img = images[s].lock().unwrap_or_else(|e| e.into_inner());
                    let width = img.width;
                    for y in 0..GROUP_H {
                        let dst = ((oy + y) * width + ox) * 4;
                        img.rgba[dst..dst + GROUP_W * 4]
                            .copy_from_slice(&block[y * GROUP_W * 4..(y + 1) * GROUP_W * 4]);
                    }
                }
            });
        }
    });
    images
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect()
}

/// One group as a 150×350 RGBA8 block, pose `n` at cell `(n % 3, n / 3)`.
pub fn render_group(layer: &Layer, poses: &[PoseMap], vocab: &Vocabulary) -> Vec<u8> {
    let mut block = vec![0u8; GROUP_W * GROUP_H * 4];
    for (n, map) in poses.iter().enumerate().take(POSES) {
        let (cx, cy) = ((n % 3) * CELL, (n / 3) * CELL);
        let cell = layer.draw(map, vocab).to_rgba8();
        for (i, px) in cell.iter().enumerate() {
            let (x, y) = (cx + i % CELL, cy + i / CELL);
            let o = (y * GROUP_W + x) * 4;
            block[o..o + 4].copy_from_slice(px);
        }
    }
    block
}
