//! Ground tiles (32×32, opaque): grass, dirt, sand, water, stone, and the edge and corner
//! variants of paths (dirt on grass) and shores (water on sand).

use crate::TILE;
use crate::img::{Img, rgb, shade};
use crate::rng::Rng;

/// Fills a tile with pixels drawn from a weighted palette.
fn speckle(rng: &mut Rng, palette: &[([u8; 4], u32)]) -> Img {
    let mut img = Img::new(TILE, TILE);
    for p in &mut img.px {
        *p = rng.pick(palette);
    }
    img
}

/// Grass: mottled greens with short light and dark blades.
pub fn grass(name: &str) -> Img {
    let mut rng = Rng::for_name(name);
    let base = rgb(86, 156, 64);
    let mut img = speckle(
        &mut rng,
        &[
            (base, 70),
            (rgb(74, 140, 56), 16),
            (rgb(98, 170, 72), 12),
            (rgb(64, 124, 48), 2),
        ],
    );
    for _ in 0..18 {
        let x = rng.below(TILE) as i32;
        let y = rng.below(TILE) as i32;
        let c = if rng.below(2) == 0 {
            rgb(116, 186, 84)
        } else {
            rgb(58, 114, 44)
        };
        for dy in 0..2 + rng.below(2) as i32 {
            img.put(x, y - dy, c);
        }
    }
    img
}

/// Grass with a few small flowers.
pub fn grass_flowers(name: &str) -> Img {
    let mut img = grass(name);
    let mut rng = Rng::for_name(&format!("{name}/flowers"));
    let petals = [rgb(240, 240, 232), rgb(240, 206, 70), rgb(232, 140, 170)];
    for _ in 0..5 {
        let x = 2 + rng.below(TILE - 4) as i32;
        let y = 2 + rng.below(TILE - 4) as i32;
        let p = petals[rng.below(3) as usize];
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            img.put(x + dx, y + dy, p);
        }
        img.put(x, y, rgb(250, 214, 60));
    }
    img
}

/// Dirt (and the path surface): browns with pebbles.
pub fn dirt(name: &str, lighter: bool) -> Img {
    let mut rng = Rng::for_name(name);
    let k = if lighter { 18 } else { 16 };
    let mut img = speckle(
        &mut rng,
        &[
            (shade(rgb(134, 96, 62), k), 66),
            (shade(rgb(120, 84, 54), k), 18),
            (shade(rgb(146, 106, 70), k), 12),
            (shade(rgb(100, 70, 44), k), 4),
        ],
    );
    for _ in 0..6 {
        let x = rng.below(TILE - 1) as i32;
        let y = rng.below(TILE - 1) as i32;
        let c = if rng.below(2) == 0 {
            rgb(150, 140, 128)
        } else {
            rgb(170, 128, 88)
        };
        img.put(x, y, c);
        img.put(x + 1, y, shade(c, 13));
    }
    img
}

/// Sand: pale yellows with faint ripples.
pub fn sand(name: &str) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = speckle(
        &mut rng,
        &[
            (rgb(222, 200, 140), 70),
            (rgb(214, 190, 130), 18),
            (rgb(232, 212, 154), 12),
        ],
    );
    for row in [5, 13, 21, 29] {
        for x in 0..TILE as i32 {
            // A wave of period 16 px so ripples meet across tile borders.
            let y = row + [0, 0, 1, 1, 1, 0, 0, -1, -1, -1, 0, 0, 1, 0, 0, -1][(x % 16) as usize];
            if rng.below(5) != 0 {
                img.put(x, y, rgb(204, 180, 122));
            }
        }
    }
    img
}

/// Water: blues with short wave highlights.
pub fn water(name: &str) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = speckle(
        &mut rng,
        &[
            (rgb(58, 110, 190), 72),
            (rgb(52, 100, 178), 16),
            (rgb(66, 122, 200), 12),
        ],
    );
    for _ in 0..7 {
        let x = rng.below(TILE - 4) as i32;
        let y = 1 + rng.below(TILE - 2) as i32;
        let len = 3 + rng.below(3) as i32;
        for dx in 0..len {
            img.put(x + dx, y, rgb(128, 176, 232));
            img.put(x + dx, y + 1, rgb(46, 90, 164));
        }
    }
    img
}

/// Stone floor: cobbles in offset rows with dark mortar.
pub fn stone(name: &str) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = Img::new(TILE, TILE);
    let mortar = rgb(78, 76, 74);
    for p in &mut img.px {
        *p = mortar;
    }
    for row in 0..4 {
        let y0 = row * 8;
        // Even rows start at 0, odd rows half a stone in, so joints do not line up.
        let mut x0: i32 = if row % 2 == 0 { 0 } else { -5 };
        while x0 < TILE as i32 {
            let w = 8 + rng.below(4) as i32;
            let grey = 128 + rng.below(36) as u8;
            let c = rgb(grey, grey - 2, grey - 6);
            for y in y0 + 1..y0 + 8 {
                for x in x0 + 1..x0 + w {
                    let k = match (x == x0 + 1 || y == y0 + 1, x == x0 + w - 1 || y == y0 + 7) {
                        (true, _) => 18,
                        (_, true) => 13,
                        _ if rng.below(6) == 0 => 15,
                        _ => 16,
                    };
                    img.put(x.rem_euclid(TILE as i32), y, shade(c, k));
                }
            }
            x0 += w;
        }
    }
    img
}

/// Which sides of a tile show the outer material.
#[derive(Debug, Clone, Copy, Default)]
pub struct Edges {
    /// North side.
    pub n: bool,
    /// East side.
    pub e: bool,
    /// South side.
    pub s: bool,
    /// West side.
    pub w: bool,
    /// Inner corner: only the north-east corner square shows the outer material.
    pub inner: Option<(bool, bool)>,
}

/// Depth of the border at position `t` along an edge: a fixed wobble, the same for every
/// tile, so an edge tile meets its neighbours without a seam.
fn depth(t: i32) -> i32 {
    5 + [0, 1, 1, 2, 2, 1, 0, 1][(t % 8) as usize]
}

/// `inner` where the tile is inside, `outer` along the named edges, with a one-pixel darker
/// rim on the inner side of the border.
pub fn edged(inner: &Img, outer: &Img, edges: Edges) -> Img {
    let last = TILE as i32 - 1;
    let is_outer = |x: i32, y: i32| -> bool {
        if x < 0 || y < 0 || x > last || y > last {
            return false;
        }
        let side = (edges.n && y < depth(x))
            || (edges.s && last - y < depth(x))
            || (edges.w && x < depth(y))
            || (edges.e && last - x < depth(y));
        let corner = edges.inner.is_some_and(|(north, east)| {
            let dy = if north { y } else { last - y };
            let dx = if east { last - x } else { x };
            dy < depth(x) && dx < depth(y)
        });
        side || corner
    };
    let mut img = Img::new(TILE, TILE);
    for y in 0..TILE as i32 {
        for x in 0..TILE as i32 {
            let c = if is_outer(x, y) {
                outer.get(x, y)
            } else if [(0, 1), (0, -1), (1, 0), (-1, 0)]
                .iter()
                .any(|&(dx, dy)| is_outer(x + dx, y + dy))
            {
                shade(inner.get(x, y), 12)
            } else {
                inner.get(x, y)
            };
            img.put(x, y, c);
        }
    }
    img
}

/// The thirteen edge variants of a material bordered by another, by name suffix:
/// `` (none), `_n`, `_e`, `_s`, `_w` (one side), `_ne`, `_nw`, `_se`, `_sw` (two sides: outer
/// corners) and `_inner_ne`, `_inner_nw`, `_inner_se`, `_inner_sw` (corner square only).
pub fn edge_variants() -> Vec<(&'static str, Edges)> {
    let one = |n, e, s, w| Edges {
        n,
        e,
        s,
        w,
        inner: None,
    };
    let inner = |north, east| Edges {
        inner: Some((north, east)),
        ..Edges::default()
    };
    vec![
        ("_n", one(true, false, false, false)),
        ("_e", one(false, true, false, false)),
        ("_s", one(false, false, true, false)),
        ("_w", one(false, false, false, true)),
        ("_ne", one(true, true, false, false)),
        ("_nw", one(true, false, false, true)),
        ("_se", one(false, true, true, false)),
        ("_sw", one(false, false, true, true)),
        ("_inner_ne", inner(true, true)),
        ("_inner_nw", inner(true, false)),
        ("_inner_se", inner(false, true)),
        ("_inner_sw", inner(false, false)),
    ]
}
