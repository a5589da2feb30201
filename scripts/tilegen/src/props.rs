//! Entity sprites (trees, rocks, bushes) with partial alpha: soft ground shadows and
//! half-transparent rims, so chunk composition exercises real alpha blending.

use crate::img::{Img, rgb, shade};
use crate::rng::Rng;

const SHADOW: [u8; 4] = [16, 32, 16, 80];

fn in_ellipse(x: i32, y: i32, cx: i32, cy: i32, rx: i32, ry: i32) -> bool {
    let (dx, dy) = (x - cx, y - cy);
    dx * dx * ry * ry + dy * dy * rx * rx <= rx * rx * ry * ry
}

fn shadow(img: &mut Img, cx: i32, cy: i32, rx: i32, ry: i32) {
    for y in cy - ry..=cy + ry {
        for x in cx - rx..=cx + rx {
            if in_ellipse(x, y, cx, cy, rx, ry) {
                img.put(x, y, SHADOW);
            }
        }
    }
}

/// Paints every pixel where `inside` holds: lit towards the top-left, speckled, and with a
/// darker half-transparent rim where the shape meets the outside.
fn body(img: &mut Img, rng: &mut Rng, base: [u8; 4], inside: impl Fn(i32, i32) -> bool) {
    let (w, h) = (img.w as i32, img.h as i32);
    for y in 0..h {
        for x in 0..w {
            if !inside(x, y) {
                continue;
            }
            let rim = [(0, 1), (0, -1), (1, 0), (-1, 0)]
                .iter()
                .any(|&(dx, dy)| !inside(x + dx, y + dy));
            // Light falls from the top-left: brighter up and left of the shape's pixels.
            let light = 16 + (3 - (x + y) / 12).clamp(-3, 3);
            let jitter = rng.below(5) as i32 - 2;
            let mut c = shade(base, (light + jitter / 2).clamp(10, 22) as u32);
            if rim {
                c = shade(c, 11);
                c[3] = 200;
            }
            img.put(x, y, c);
        }
    }
}

/// A broadleaf tree, 32×64: shadow, trunk, round canopy.
pub fn tree(name: &str) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = Img::new(32, 64);
    shadow(&mut img, 16, 60, 11, 3);
    for y in 36..61 {
        for x in 13..19 {
            let c = match x {
                13 => rgb(122, 84, 48),
                18 => rgb(72, 48, 28),
                _ => rgb(96, 64, 36),
            };
            img.put(x, y, c);
        }
    }
    let blobs = [(16, 20, 13), (8, 29, 8), (24, 29, 8), (16, 10, 9)];
    body(&mut img, &mut rng, rgb(60, 128, 52), |x, y| {
        blobs
            .iter()
            .any(|&(cx, cy, r)| (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
    });
    img
}

/// A pine, 32×64: shadow, trunk, three stacked triangles.
pub fn pine(name: &str) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = Img::new(32, 64);
    shadow(&mut img, 16, 60, 10, 3);
    for y in 46..61 {
        for x in 14..18 {
            img.put(
                x,
                y,
                if x == 14 {
                    rgb(110, 74, 42)
                } else {
                    rgb(84, 56, 32)
                },
            );
        }
    }
    let tiers = [(2, 16, 6), (12, 18, 9), (24, 22, 13)];
    body(&mut img, &mut rng, rgb(40, 100, 64), |x, y| {
        tiers.iter().any(|&(top, height, half)| {
            y >= top && y < top + height && (x - 16).abs() * height <= (y - top) * half
        })
    });
    img
}

/// A boulder (`small`: a stone), 32×32 with its shadow.
pub fn rock(name: &str, small: bool) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = Img::new(32, 32);
    let (cy, rx, ry) = if small { (24, 6, 4) } else { (19, 11, 8) };
    shadow(&mut img, 17, cy + ry - 1, rx + 1, 3);
    body(&mut img, &mut rng, rgb(132, 130, 126), |x, y| {
        in_ellipse(x, y, 16, cy, rx, ry) || in_ellipse(x, y, 13, cy - ry / 2, rx / 2, ry / 2 + 1)
    });
    img
}

/// A bush (`berries`: with red berries), 32×32 with its shadow.
pub fn bush(name: &str, berries: bool) -> Img {
    let mut rng = Rng::for_name(name);
    let mut img = Img::new(32, 32);
    shadow(&mut img, 16, 28, 12, 2);
    let blobs = [(10, 21, 7), (22, 21, 7), (16, 15, 8)];
    let inside = |x: i32, y: i32| {
        blobs
            .iter()
            .any(|&(cx, cy, r)| (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r)
    };
    body(&mut img, &mut rng, rgb(70, 138, 58), inside);
    if berries {
        let mut placed = 0;
        while placed < 7 {
            let x = 5 + rng.below(22) as i32;
            let y = 9 + rng.below(18) as i32;
            if inside(x - 1, y) && inside(x + 1, y) && inside(x, y + 1) {
                img.put(x, y, rgb(204, 40, 52));
                img.put(x, y + 1, rgb(150, 28, 40));
                placed += 1;
            }
        }
    }
    img
}
