//! Composes a few cats from freshly generated atlases with the blend rules of
//! `spec/compositing.md` and writes an upscaled contact sheet, for eyeballing the art:
//! `cargo run --release -p artgen --example preview -- OUT.png [SCALE] [POSES,…] [FIRST_ROW] [ROWS]`,
//! or one pose of every group of a sheet: `… --example preview -- --sheet NAME OUT.png [SCALE] [POSE]`.

use std::collections::HashMap;

use artgen::sheets::{self, Image};
use artgen::silhouette::{CELL, POSES};

type Cell = Vec<[u8; 4]>;

fn blit(d: &mut Cell, s: &Cell) {
    for (d, s) in d.iter_mut().zip(s) {
        if d[3] == 0 {
            *d = *s;
            continue;
        }
        let (sa, da) = (u32::from(s[3]), u32::from(d[3]));
        for c in 0..3 {
            d[c] = ((u32::from(d[c]) * (256 - sa) + u32::from(s[c]) * (sa + 1)) >> 8) as u8;
        }
        d[3] = (sa + da - sa * da / 255) as u8;
    }
}

fn rgb_mul(d: &mut Cell, s: &Cell) {
    for (d, s) in d.iter_mut().zip(s) {
        for c in 0..3 {
            d[c] = ((u32::from(d[c]) * u32::from(s[c]) + 255) >> 8) as u8;
        }
    }
}

fn rgba_mul(d: &mut Cell, s: &Cell) {
    for (d, s) in d.iter_mut().zip(s) {
        for c in 0..4 {
            d[c] = ((u32::from(d[c]) * u32::from(s[c]) + 255) >> 8) as u8;
        }
    }
}

fn rgba_min(d: &mut Cell, s: &Cell) {
    for (d, s) in d.iter_mut().zip(s) {
        for c in 0..4 {
            d[c] = d[c].min(s[c]);
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--sheet") {
        return sheet_view(&args[2..]);
    }
    let out = args.get(1).cloned().unwrap_or_else(|| "preview.png".into());
    let scale: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(4);
    let poses: Vec<usize> = match args.get(3) {
        Some(list) => list
            .split(',')
            .filter_map(|p| p.parse().ok())
            .filter(|&p| p < POSES)
            .collect(),
        None => (0..POSES).collect(),
    };
    let first_row: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(0);
    let row_count: usize = args
        .get(5)
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    let vocab = artgen::vocabulary::Vocabulary::load()?;
    let plan = sheets::plan(&vocab);
    let images = sheets::render(&plan, &vocab, artgen::default_threads());
    let mut where_: HashMap<String, (usize, usize, usize)> = HashMap::new();
    for (s, sheet) in plan.iter().enumerate() {
        for (g, group) in sheet.groups.iter().enumerate() {
            let (x, y) = sheet.offset(g);
            where_.insert(group.name.clone(), (s, x, y));
        }
    }
    let cell = |group: &str, pose: usize| -> Cell {
        let &(s, gx, gy) = where_
            .get(group)
            .unwrap_or_else(|| panic!("no group {group}"));
        let img: &Image = &images[s];
        let (cx, cy) = (gx + (pose % 3) * CELL, gy + (pose / 3) * CELL);
        (0..CELL * CELL)
            .map(|i| {
                let o = ((cy + i / CELL) * img.width + cx + i % CELL) * 4;
                [
                    img.rgba[o],
                    img.rgba[o + 1],
                    img.rgba[o + 2],
                    img.rgba[o + 3],
                ]
            })
            .collect()
    };
    // Rows of cats: (base, tortie, white, eyes, eyes2, scars, missing, accessory, dead).
    let cats: Vec<[&str; 9]> = vec![
        [
            "tabbyGINGER",
            "",
            "whiteTUXEDO",
            "eyesGREEN",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "singleBLACK",
            "",
            "",
            "eyesYELLOW",
            "eyes2BLUE",
            "scarsSNOUT",
            "",
            "collarsREDBELL",
            "",
        ],
        [
            "classicGREY",
            "tortiemaskONE:singleGINGER",
            "whitePAWS",
            "eyesAMBER",
            "",
            "",
            "scarsNOLEFTEAR",
            "acc_herbsPOPPY",
            "",
        ],
        [
            "rosetteGOLDEN",
            "",
            "whiteCOLOURPOINT",
            "eyesBLUE",
            "",
            "scarsBURNBELLY",
            "scarsHALFTAIL",
            "acc_wildBLUE FEATHERS",
            "",
        ],
        [
            "marbledBROWN",
            "tortiemaskBRINDLE:mackerelCREAM",
            "",
            "eyesHAZEL",
            "",
            "",
            "",
            "acc_smallAnimalBROWN RABBIT",
            "",
        ],
        [
            "smokeDARKGREY",
            "",
            "whiteVITILIGO",
            "eyesCOPPER",
            "",
            "",
            "scarsNOTAIL",
            "acc_flowerDAISIES",
            "dead",
        ],
        [
            "maskedCREAM",
            "",
            "whiteFULLWHITE",
            "eyesSUNLITICE",
            "",
            "scarsLEFTBLIND",
            "",
            "collarsREDHARNESS",
            "",
        ],
        [
            "speckledSILVER",
            "",
            "whiteBLAZE",
            "eyesEMERALD",
            "",
            "",
            "",
            "acc_craftedBLUERAINCOAT",
            "df",
        ],
        [
            "bengalGOLDEN-BROWN",
            "",
            "",
            "eyesGOLD",
            "",
            "",
            "scarsNOPAW",
            "acc_snakeKINGSNAKE",
            "",
        ],
        [
            "singlestripeLILAC",
            "",
            "whiteBELLY",
            "eyesSAGE",
            "",
            "",
            "",
            "acc_aliveInsectBLUE SNAIL",
            "",
        ],
        [
            "sokokeDARKGINGER",
            "",
            "",
            "eyesGREEN",
            "",
            "",
            "",
            "acc_wildMONARCH BUTTERFLY",
            "",
        ],
        [
            "tickedCHOCOLATE",
            "",
            "whiteANY",
            "eyesBRONZE",
            "",
            "",
            "",
            "collarsPINKBOW",
            "",
        ],
        [
            "agoutiPALEGINGER",
            "",
            "whiteSEALPOINT",
            "eyesBLUE",
            "",
            "",
            "",
            "acc_wildYELLOWCROWN",
            "",
        ],
        [
            "mackerelGHOST",
            "",
            "",
            "eyesCYAN",
            "",
            "scarsTAILSCAR",
            "",
            "collarsSPIKES",
            "",
        ],
    ];
    let name = |s: &str| s.split(':').next().unwrap_or(s).to_owned();
    let cats: Vec<[&str; 9]> = cats.into_iter().skip(first_row).take(row_count).collect();
    let (cols, rows) = (poses.len(), cats.len());
    let (w, h) = (cols * CELL * scale, rows * CELL * scale);
    let mut rgba = vec![0u8; w * h * 4];
    for (r, cat) in cats.iter().enumerate() {
        for (col, &pose) in poses.iter().enumerate() {
            let mut c = cell(cat[0], pose);
            if !cat[1].is_empty() {
                let (mask, patch) = cat[1].split_once(':').unwrap_or((cat[1], "singleGINGER"));
                let mut p = cell(patch, pose);
                rgba_mul(&mut p, &cell(mask, pose));
                blit(&mut c, &p);
            }
            if !cat[2].is_empty() {
                blit(&mut c, &cell(cat[2], pose));
            }
            let mut eyes = cell(cat[3], pose);
            if !cat[4].is_empty() {
                blit(&mut eyes, &cell(cat[4], pose));
            }
            blit(&mut c, &eyes);
            if !cat[5].is_empty() {
                blit(&mut c, &cell(cat[5], pose));
            }
            let dead = !cat[8].is_empty();
            if !dead {
                rgb_mul(&mut c, &cell("shaders", pose));
                blit(&mut c, &cell("lighting", pose));
            }
            let lines = match cat[8] {
                "dead" => "lineartdead",
                "df" => "lineartdf",
                _ => "lines",
            };
            blit(&mut c, &cell(lines, pose));
            blit(&mut c, &cell("skinPINK", pose));
            if !cat[6].is_empty() {
                rgba_min(&mut c, &cell(cat[6], pose));
            }
            if !cat[7].is_empty() {
                blit(&mut c, &cell(&name(cat[7]), pose));
            }
            if dead {
                rgba_mul(&mut c, &cell("fademask1", pose));
                let mut fog = cell(
                    if cat[8] == "df" {
                        "fadedf1"
                    } else {
                        "fadestarclan1"
                    },
                    pose,
                );
                blit(&mut fog, &c);
                c = fog;
            }
            for (i, px) in c.iter().enumerate() {
                // Composite over a checker so alpha is visible.
                let (x, y) = (i % CELL, i / CELL);
                let bg = if (x / 5 + y / 5) % 2 == 0 {
                    200u32
                } else {
                    170
                };
                let a = u32::from(px[3]);
                let o = [0, 1, 2].map(|k| ((u32::from(px[k]) * a + bg * (255 - a)) / 255) as u8);
                for dy in 0..scale {
                    for dx in 0..scale {
                        let px_x = (col * CELL + x) * scale + dx;
                        let px_y = (r * CELL + y) * scale + dy;
                        let q = (px_y * w + px_x) * 4;
                        rgba[q..q + 3].copy_from_slice(&o);
                        rgba[q + 3] = 255;
                    }
                }
            }
        }
    }
    let bytes = artgen::png_io::encode(&Image {
        width: w,
        height: h,
        rgba,
    })?;
    std::fs::write(&out, bytes)?;
    println!("wrote {out}");
    Ok(())
}

/// Every group of one sheet at one pose, upscaled, over a dark checker (white art on
/// white would be invisible), ten groups to a row.
fn sheet_view(args: &[String]) -> anyhow::Result<()> {
    let name = args
        .first()
        .cloned()
        .unwrap_or_else(|| "whitepatches".into());
    let out = args.get(1).cloned().unwrap_or_else(|| "sheet.png".into());
    let scale: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(3);
    let pose: usize = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
        .min(POSES - 1);
    let vocab = artgen::vocabulary::Vocabulary::load()?;
    let plan: Vec<_> = sheets::plan(&vocab)
        .into_iter()
        .filter(|s| s.name == name)
        .collect();
    anyhow::ensure!(!plan.is_empty(), "no sheet {name}");
    let img = sheets::render(&plan, &vocab, artgen::default_threads()).remove(0);
    let n = plan[0].groups.len();
    let cols = n.min(10);
    let rows = n.div_ceil(cols);
    let (w, h) = (cols * CELL * scale, rows * CELL * scale);
    let mut rgba = vec![255u8; w * h * 4];
    for g in 0..n {
        let (gx, gy) = plan[0].offset(g);
        let (cx, cy) = (gx + (pose % 3) * CELL, gy + (pose / 3) * CELL);
        for y in 0..CELL * scale {
            for x in 0..CELL * scale {
                let (sx, sy) = (x / scale, y / scale);
                let o = ((cy + sy) * img.width + cx + sx) * 4;
                let px = &img.rgba[o..o + 4];
                let bg = if (sx / 5 + sy / 5) % 2 == 0 {
                    60u32
                } else {
                    40
                };
                let a = u32::from(px[3]);
                let q = (((g / cols) * CELL * scale + y) * w + (g % cols) * CELL * scale + x) * 4;
                for k in 0..3 {
                    rgba[q + k] = ((u32::from(px[k]) * a + bg * (255 - a)) / 255) as u8;
                }
            }
        }
    }
    std::fs::write(
        &out,
        artgen::png_io::encode(&Image {
            width: w,
            height: h,
            rgba,
        })?,
    )?;
    println!("wrote {out}");
    Ok(())
}
