//! Drawing shapes onto a [`Paint`], anti-aliased, visiting only each shape's bounding box.

use crate::geom::{Shape, V2, coverage, v2};
use crate::paint::{Paint, Rgb};
use crate::silhouette::{CELL, pixel_centre};

impl Shape {
    /// A box (min, max) that contains every pixel the shape can touch, with one pixel of
    /// margin for the soft edge.
    pub fn bounds(&self) -> (V2, V2) {
        let (lo, hi) = match *self {
            Shape::Circle { c, r } => (c - v2(r, r), c + v2(r, r)),
            Shape::Ellipse { c, r, .. } => {
                let m = r.x.max(r.y);
                (c - v2(m, m), c + v2(m, m))
            }
            Shape::Capsule { a, b, ra, rb } => {
                let m = ra.max(rb);
                (
                    v2(a.x.min(b.x) - m, a.y.min(b.y) - m),
                    v2(a.x.max(b.x) + m, a.y.max(b.y) + m),
                )
            }
            Shape::Triangle { p, round } => {
                let xs = p.map(|q| q.x);
                let ys = p.map(|q| q.y);
                let min = |a: [f32; 3]| a[0].min(a[1]).min(a[2]);
                let max = |a: [f32; 3]| a[0].max(a[1]).max(a[2]);
                (
                    v2(min(xs) - round, min(ys) - round),
                    v2(max(xs) + round, max(ys) + round),
                )
            }
        };
        (lo - v2(1.5, 1.5), hi + v2(1.5, 1.5))
    }
}

/// Pixel indices inside a bounding box, clipped to the cell.
pub fn pixels_in((lo, hi): (V2, V2)) -> impl Iterator<Item = usize> {
    let clip = |v: f32| (v.floor().max(0.0) as usize).min(CELL);
    let (x0, x1) = (clip(lo.x), clip(hi.x + 1.0));
    let (y0, y1) = (clip(lo.y), clip(hi.y + 1.0));
    (y0..y1).flat_map(move |y| (x0..x1).map(move |x| y * CELL + x))
}

/// Paints `shape` in `rgb` at opacity `alpha`, with a soft one-pixel border.
pub fn fill(paint: &mut Paint, shape: &Shape, rgb: Rgb, alpha: f32) {
    for i in pixels_in(shape.bounds()) {
        let c = coverage(shape.sdf(pixel_centre(i)));
        if c > 0.0 {
            paint.over(i, rgb, c * alpha);
        }
    }
}

/// Paints `shape` with a colour chosen per pixel.
pub fn fill_with(paint: &mut Paint, shape: &Shape, alpha: f32, rgb: impl Fn(V2) -> Rgb) {
    for i in pixels_in(shape.bounds()) {
        let p = pixel_centre(i);
        let c = coverage(shape.sdf(p));
        if c > 0.0 {
            paint.over(i, rgb(p), c * alpha);
        }
    }
}

/// A line of radius `r` from `a` to `b`.
pub fn stroke(paint: &mut Paint, a: V2, b: V2, r: f32, rgb: Rgb, alpha: f32) {
    fill(paint, &Shape::capsule(a, b, r), rgb, alpha);
}

/// A polyline of radius `r` through `pts`.
pub fn polyline(paint: &mut Paint, pts: &[V2], r: f32, rgb: Rgb, alpha: f32) {
    for w in pts.windows(2) {
        stroke(paint, w[0], w[1], r, rgb, alpha);
    }
}
