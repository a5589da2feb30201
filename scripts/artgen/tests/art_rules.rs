//! The art obeys the rules the compositing tests rely on: soft alpha on every kind of layer,
//! opaque shaders, opaque white missing-part cells with soft holes, invisible RGB that is not
//! all zero, layers aligned to their pose, and output independent of the thread count.

use std::collections::HashMap;
use std::sync::OnceLock;

use artgen::sheets::{self, Image, Sheet};
use artgen::silhouette::{CELL, POSES};
use artgen::vocabulary::Vocabulary;

type Px = [u8; 4];

struct Atlas {
    plan: Vec<Sheet>,
    images: Vec<Image>,
    at: HashMap<String, (usize, usize, usize)>,
}

impl Atlas {
    /// Pose `pose` of group `name`, as 2500 RGBA pixels.
    fn cell(&self, name: &str, pose: usize) -> Vec<Px> {
        let &(s, gx, gy) = self
            .at
            .get(name)
            .unwrap_or_else(|| panic!("no group {name}"));
        let img = &self.images[s];
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
    }

    fn groups(&self) -> impl Iterator<Item = &str> {
        self.plan
            .iter()
            .flat_map(|s| s.groups.iter().map(|g| g.name.as_str()))
    }
}

fn atlas() -> &'static Atlas {
    static ATLAS: OnceLock<Atlas> = OnceLock::new();
    ATLAS.get_or_init(|| {
        let vocab = Vocabulary::load().expect("vocabulary loads");
        let plan = sheets::plan(&vocab);
        let images = sheets::render(&plan, &vocab, artgen::default_threads());
        let mut at = HashMap::new();
        for (s, sheet) in plan.iter().enumerate() {
            for (g, group) in sheet.groups.iter().enumerate() {
                let (x, y) = sheet.offset(g);
                at.insert(group.name.clone(), (s, x, y));
            }
        }
        Atlas { plan, images, at }
    })
}

fn partial(cell: &[Px]) -> usize {
    cell.iter().filter(|p| p[3] > 0 && p[3] < 255).count()
}

#[test]
fn every_group_except_shaders_has_soft_alpha() {
    let a = atlas();
    for name in a.groups() {
        if name == "shaders" {
            continue;
        }
        let soft: usize = (0..POSES).map(|n| partial(&a.cell(name, n))).sum();
        assert!(soft > 0, "{name} has no partial alpha in any pose");
    }
}

#[test]
fn every_group_draws_something_in_every_pose() {
    let a = atlas();
    for name in a.groups() {
        for n in 0..POSES {
            let cell = a.cell(name, n);
            assert!(cell.iter().any(|p| p[3] > 0), "{name} pose {n} is empty");
        }
    }
}

#[test]
fn shaders_are_opaque_grey_and_darker_towards_the_belly() {
    let a = atlas();
    for n in 0..POSES {
        let cell = a.cell("shaders", n);
        assert!(
            cell.iter().all(|p| p[3] == 255),
            "shaders pose {n} is not opaque"
        );
        assert!(
            cell.iter().all(|p| p[0] >= 150 && p[0] == p[1]),
            "shaders pose {n} is not grey in 150..=255"
        );
        let body = a.cell("singleWHITE", n);
        let inside: Vec<(usize, u8)> = (0..CELL * CELL)
            .filter(|&i| body[i][3] == 255)
            .map(|i| (i / CELL, cell[i][0]))
            .collect();
        let top = inside.iter().map(|p| p.0).min().unwrap_or(0);
        let bottom = inside.iter().map(|p| p.0).max().unwrap_or(0);
        let mean = |lo: usize, hi: usize| {
            let v: Vec<f64> = inside
                .iter()
                .filter(|p| p.0 >= lo && p.0 <= hi)
                .map(|p| f64::from(p.1))
                .collect();
            v.iter().sum::<f64>() / v.len().max(1) as f64
        };
        let third = (bottom - top) / 3;
        assert!(
            mean(bottom - third, bottom) < mean(top, top + third),
            "shaders pose {n} is not darker at the bottom"
        );
    }
}

#[test]
fn missing_parts_are_opaque_white_with_soft_transparent_holes() {
    let a = atlas();
    let v = Vocabulary::load().expect("vocabulary loads");
    for name in &v.scars2 {
        let group = format!("scars{name}");
        let mut holes = 0;
        let mut soft = 0;
        for n in 0..POSES {
            let cell = a.cell(&group, n);
            assert!(
                cell.iter().all(|p| p[..3] == [255, 255, 255]),
                "{group} pose {n} is not white"
            );
            assert!(
                cell.iter().filter(|p| p[3] == 255).count() > CELL * CELL * 3 / 4,
                "{group} pose {n} is mostly hole"
            );
            holes += cell.iter().filter(|p| p[3] == 0).count();
            soft += partial(&cell);
        }
        assert!(
            holes > 0 && soft > 0,
            "{group} lacks a hole or a soft hole edge"
        );
    }
}

#[test]
fn some_transparent_pixels_carry_rgb() {
    let a = atlas();
    for name in [
        "tabbyGINGER",
        "lighting",
        "eyesGREEN",
        "whiteTUXEDO",
        "tortiemaskONE",
        "scarsNOTAIL",
    ] {
        let cell = a.cell(name, 7);
        let coloured = cell
            .iter()
            .filter(|p| p[3] == 0 && p[..3] != [0, 0, 0])
            .count();
        assert!(coloured > 0, "{name} has no transparent pixel with RGB");
    }
    // And some layers keep them black, so both cases are exercised.
    assert!(a.cell("lines", 7).contains(&[0, 0, 0, 0]));
}

#[test]
fn layers_stay_inside_their_pose_silhouette() {
    let a = atlas();
    for n in 0..POSES {
        let body = a.cell("singleBLACK", n);
        for name in [
            "tortiemaskONE",
            "whiteTUXEDO",
            "whiteFULLWHITE",
            "whiteSEALPOINT",
            "skinPINK",
            "scarsSNOUT",
            "eyesBLUE",
        ] {
            let cell = a.cell(name, n);
            let outside = (0..CELL * CELL)
                .filter(|&i| cell[i][3] > 0 && body[i][3] == 0)
                .count();
            assert_eq!(
                outside, 0,
                "{name} pose {n} paints {outside} pixels outside the cat"
            );
        }
    }
}

#[test]
fn eyes2_holds_only_the_second_eye_of_eyes() {
    let a = atlas();
    for n in 0..POSES {
        let both = a.cell("eyesGREEN", n);
        let one = a.cell("eyes2GREEN", n);
        let count = |c: &[Px]| c.iter().filter(|p| p[3] > 0).count();
        assert!(count(&one) > 0 && count(&one) < count(&both), "pose {n}");
        assert!(
            (0..CELL * CELL).all(|i| one[i][3] == 0 || both[i][3] > 0),
            "pose {n}: eyes2 outside eyes"
        );
    }
}

#[test]
fn fade_masks_fade_more_at_each_stage() {
    let a = atlas();
    for n in 0..POSES {
        let mean: Vec<f64> = (0..3)
            .map(|s| {
                a.cell(&format!("fademask{s}"), n)
                    .iter()
                    .map(|p| f64::from(p[3]))
                    .sum::<f64>()
                    / 2500.0
            })
            .collect();
        assert!(
            mean[0] > 180.0 && mean[0] > mean[1] && mean[1] > mean[2] && mean[2] < 80.0,
            "pose {n}: {mean:?}"
        );
    }
}

#[test]
fn sheets_are_whole_groups_and_groups_do_not_overlap() {
    let a = atlas();
    for (sheet, img) in a.plan.iter().zip(&a.images) {
        assert_eq!(
            (img.width % 150, img.height % 350),
            (0, 0),
            "{}",
            sheet.name
        );
        let mut seen = std::collections::HashSet::new();
        for g in 0..sheet.groups.len() {
            assert!(
                seen.insert(sheet.offset(g)),
                "{}: two groups at {:?}",
                sheet.name,
                sheet.offset(g)
            );
        }
    }
}

#[test]
fn rendering_does_not_depend_on_the_thread_count() {
    let vocab = Vocabulary::load().expect("vocabulary loads");
    let plan: Vec<Sheet> = sheets::plan(&vocab)
        .into_iter()
        .filter(|s| {
            ["eyes2", "missingscars", "fademask", "snake_accessories"].contains(&s.name.as_str())
        })
        .collect();
    let one = sheets::render(&plan, &vocab, 1);
    let three = sheets::render(&plan, &vocab, 3);
    for ((a, b), sheet) in one.iter().zip(&three).zip(&plan) {
        assert!(
            a.rgba == b.rgba,
            "{} differs between 1 and 3 threads",
            sheet.name
        );
    }
}
