//! Lineart: the silhouette's outline plus softer inner lines (neck, thigh, legs, ear bases,
//! mouth), in the living, dead, Dark Forest and April Fools styles.

use crate::geom::{coverage, v2};
use crate::paint::{Paint, Rgb};
use crate::palette::hsv;
use crate::silhouette::{PIXELS, Part, PoseMap, pixel_centre};
use crate::sketch::stroke;

/// Line styles, one per lineart group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `lines`: near-black.
    Alive,
    /// `lineartdead`: grey-violet.
    Dead,
    /// `lineartdf`: dark red.
    DarkForest,
    /// `aprilfoolslineart`: rainbow.
    AprilFools,
    /// `aprilfoolslineartdead`: dashed violet.
    AprilFoolsDead,
    /// `aprilfoolslineartdf`: dashed orange-red.
    AprilFoolsDarkForest,
}

impl Style {
    /// The style of a lineart group name, if it is one.
    pub fn of_group(name: &str) -> Option<Style> {
        Some(match name {
            "lines" => Style::Alive,
            "lineartdead" => Style::Dead,
            "lineartdf" => Style::DarkForest,
            "aprilfoolslineart" => Style::AprilFools,
            "aprilfoolslineartdead" => Style::AprilFoolsDead,
            "aprilfoolslineartdf" => Style::AprilFoolsDarkForest,
            _ => return None,
        })
    }

    fn colour(self, i: usize) -> Rgb {
        match self {
            Style::Alive => [30.0, 23.0, 26.0],
            Style::Dead => [86.0, 78.0, 108.0],
            Style::DarkForest => [98.0, 18.0, 30.0],
            Style::AprilFools => {
                let p = pixel_centre(i);
                hsv(((p.x + p.y) / 24.0).floor() / 6.0, 0.8, 0.85)
            }
            Style::AprilFoolsDead => [120.0, 90.0, 170.0],
            Style::AprilFoolsDarkForest => [200.0, 70.0, 30.0],
        }
    }

    /// Dashed styles drop every other short run of the outline.
    fn dashed(self, i: usize) -> bool {
        let p = pixel_centre(i);
        matches!(self, Style::AprilFoolsDead | Style::AprilFoolsDarkForest)
            && ((p.x + p.y) / 3.0).floor() as i32 % 2 == 1
    }
}

/// Paints the lineart of one pose in `style`.
pub fn draw(map: &PoseMap, style: Style) -> Paint {
    let mut paint = Paint::clear([0.0, 0.0, 0.0]);
    for i in 0..PIXELS {
        let d = map.d[i];
        // Outer line about 1.6 px wide, centred just inside the edge.
        let mut a = coverage((d + 0.7).abs() - 0.8);
        if d < -1.2 {
            // Inner lines: boundaries of parts that lie over the rest of the body.
            for part in [
                Part::Head,
                Part::Haunch,
                Part::FrontLegs,
                Part::EarNear,
                Part::EarFar,
                Part::Tail,
            ] {
                let pd = map.part_dist(part, i);
                a = a.max(coverage(pd.abs() - 0.45) * 0.7);
            }
        }
        if a > 0.0 && !style.dashed(i) {
            paint.set(i, style.colour(i), a);
        }
    }
    // A mouth line under the nose.
    let f = &map.figure;
    if f.eyes_open {
        let hk = f.eye_r / 1.6;
        let rgb = style.colour(0);
        stroke(
            &mut paint,
            f.nose + v2(0.8 * hk, 1.0 * hk),
            f.mouth,
            0.35 * hk.max(0.9),
            rgb,
            0.6,
        );
    }
    paint
}
