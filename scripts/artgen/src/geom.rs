//! Points, shapes as signed distance functions, and the few smooth functions the art uses.
//!
//! Only `+ - * /` and `sqrt` (all correctly rounded by IEEE 754) are used on floats, plus a
//! polynomial sine written here: the platform's `sin`/`exp` may differ between C libraries,
//! and the atlases must be the same everywhere.

use std::ops::{Add, Mul, Sub};

/// A point or vector in cell pixels (x right, y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct V2 {
    /// Horizontal coordinate.
    pub x: f32,
    /// Vertical coordinate, growing downwards.
    pub y: f32,
}

/// Shorthand constructor.
pub const fn v2(x: f32, y: f32) -> V2 {
    V2 { x, y }
}

impl Add for V2 {
    type Output = V2;
    fn add(self, o: V2) -> V2 {
        v2(self.x + o.x, self.y + o.y)
    }
}

impl Sub for V2 {
    type Output = V2;
    fn sub(self, o: V2) -> V2 {
        v2(self.x - o.x, self.y - o.y)
    }
}

impl Mul<f32> for V2 {
    type Output = V2;
    fn mul(self, k: f32) -> V2 {
        v2(self.x * k, self.y * k)
    }
}

impl V2 {
    /// Dot product.
    pub fn dot(self, o: V2) -> f32 {
        self.x * o.x + self.y * o.y
    }

    /// Euclidean length.
    pub fn len(self) -> f32 {
        self.dot(self).sqrt()
    }

    /// Rotated by the angle whose cosine and sine are given.
    pub fn rot(self, (c, s): (f32, f32)) -> V2 {
        v2(self.x * c - self.y * s, self.x * s + self.y * c)
    }

    /// Linear interpolation towards `o`.
    pub fn lerp(self, o: V2, t: f32) -> V2 {
        self + (o - self) * t
    }
}

/// `x` clamped into `[0, 1]`.
pub fn sat(x: f32) -> f32 {
    x.clamp(0.0, 1.0)
}

/// Hermite step between `a` and `b`.
pub fn smoothstep(a: f32, b: f32, x: f32) -> f32 {
    let t = sat((x - a) / (b - a));
    t * t * (3.0 - 2.0 * t)
}

/// Linear interpolation.
pub fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

/// Anti-aliased coverage of a pixel whose centre lies at signed distance `d` (negative
/// inside): a one-pixel soft border, which is what gives every layer partial alpha.
pub fn coverage(d: f32) -> f32 {
    sat(0.5 - d)
}

/// Sine by range reduction and an odd polynomial (error below 1e-4): deterministic on every
/// platform, unlike `f32::sin`.
pub fn sin(x: f32) -> f32 {
    const TAU: f32 = std::f32::consts::TAU;
    const PI: f32 = std::f32::consts::PI;
    let mut t = x - TAU * (x / TAU + 0.5).floor();
    // Now t in [-PI, PI); fold into [-PI/2, PI/2].
    if t > PI / 2.0 {
        t = PI - t;
    } else if t < -PI / 2.0 {
        t = -PI - t;
    }
    let t2 = t * t;
    t * (1.0 + t2 * (-1.0 / 6.0 + t2 * (1.0 / 120.0 + t2 * (-1.0 / 5040.0 + t2 / 362_880.0))))
}

/// Cosine, from [`sin`].
pub fn cos(x: f32) -> f32 {
    sin(x + std::f32::consts::FRAC_PI_2)
}

/// `(cos a, sin a)`, the argument of [`V2::rot`].
pub fn angle(a: f32) -> (f32, f32) {
    (cos(a), sin(a))
}

/// Triangle wave of period 1 in `[0, 1]`: 0 at integers, 1 at half-integers.
pub fn tri(x: f32) -> f32 {
    let f = x - x.floor();
    1.0 - (2.0 * f - 1.0).abs()
}

/// Smooth union of two distances (polynomial smooth minimum, blend width `k`).
pub fn smin(a: f32, b: f32, k: f32) -> f32 {
    let h = (k - (a - b).abs()).max(0.0) / k;
    a.min(b) - h * h * k * 0.25
}

/// A primitive shape, measured by its signed distance.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// Disc of centre `c` and radius `r`.
    Circle { c: V2, r: f32 },
    /// Ellipse of centre `c`, radii `r`, rotated by `rot` (cosine, sine).
    Ellipse { c: V2, r: V2, rot: (f32, f32) },
    /// Segment `a`–`b` thickened by a radius going linearly from `ra` to `rb`.
    Capsule { a: V2, b: V2, ra: f32, rb: f32 },
    /// Triangle with its corners rounded by `round`.
    Triangle { p: [V2; 3], round: f32 },
}

impl Shape {
    /// Axis-aligned ellipse.
    pub fn ellipse(c: V2, rx: f32, ry: f32) -> Shape {
        Shape::Ellipse {
            c,
            r: v2(rx, ry),
            rot: (1.0, 0.0),
        }
    }

    /// Ellipse rotated by `a` radians (clockwise on screen, since y points down).
    pub fn ellipse_rot(c: V2, rx: f32, ry: f32, a: f32) -> Shape {
        Shape::Ellipse {
            c,
            r: v2(rx, ry),
            rot: angle(a),
        }
    }

    /// Capsule of constant radius.
    pub fn capsule(a: V2, b: V2, r: f32) -> Shape {
        Shape::Capsule { a, b, ra: r, rb: r }
    }

    /// Signed distance from `p` (negative inside), in pixels.
    pub fn sdf(&self, p: V2) -> f32 {
        match *self {
            Shape::Circle { c, r } => (p - c).len() - r,
            Shape::Ellipse { c, r, rot } => {
                // Into the ellipse frame (inverse rotation), then Quilez's first-order bound.
                let q = (p - c).rot((rot.0, -rot.1));
                let k0 = v2(q.x / r.x, q.y / r.y).len();
                let k1 = v2(q.x / (r.x * r.x), q.y / (r.y * r.y)).len();
                if k1 < 1e-6 {
                    -r.x.min(r.y)
                } else {
                    k0 * (k0 - 1.0) / k1
                }
            }
            Shape::Capsule { a, b, ra, rb } => {
                let (pa, ba) = (p - a, b - a);
                let h = sat(pa.dot(ba) / ba.dot(ba).max(1e-6));
                (pa - ba * h).len() - lerp(ra, rb, h)
            }
            Shape::Triangle {
                p: [a, b, c],
                round,
            } => triangle_sdf(p, a, b, c) - round,
        }
    }

    /// The same shape scaled by `k` about `o`, then moved by `t`.
    pub fn transformed(&self, o: V2, k: f32, t: V2) -> Shape {
        let f = |p: V2| o + (p - o) * k + t;
        match *self {
            Shape::Circle { c, r } => Shape::Circle { c: f(c), r: r * k },
            Shape::Ellipse { c, r, rot } => Shape::Ellipse {
                c: f(c),
                r: r * k,
                rot,
            },
            Shape::Capsule { a, b, ra, rb } => Shape::Capsule {
                a: f(a),
                b: f(b),
                ra: ra * k,
                rb: rb * k,
            },
            Shape::Triangle { p, round } => Shape::Triangle {
                p: [f(p[0]), f(p[1]), f(p[2])],
                round: round * k,
            },
        }
    }
}

/// Exact signed distance to a triangle (Inigo Quilez's formulation).
fn triangle_sdf(p: V2, p0: V2, p1: V2, p2: V2) -> f32 {
    let (e0, e1, e2) = (p1 - p0, p2 - p1, p0 - p2);
    let (v0, v1, v2_) = (p - p0, p - p1, p - p2);
    let pq = |v: V2, e: V2| v - e * sat(v.dot(e) / e.dot(e));
    let (pq0, pq1, pq2) = (pq(v0, e0), pq(v1, e1), pq(v2_, e2));
    let s = (e0.x * e2.y - e0.y * e2.x).signum();
    let d0 = (pq0.dot(pq0), s * (v0.x * e0.y - v0.y * e0.x));
    let d1 = (pq1.dot(pq1), s * (v1.x * e1.y - v1.y * e1.x));
    let d2 = (pq2.dot(pq2), s * (v2_.x * e2.y - v2_.y * e2.x));
    let dist = d0.0.min(d1.0).min(d2.0);
    let sign = d0.1.min(d1.1).min(d2.1);
    -dist.sqrt() * sign.signum()
}

/// Smooth value noise in `[0, 1]` with lattice spacing `cell` pixels.
pub fn value_noise(p: V2, cell: f32, seed: u64) -> f32 {
    let (x, y) = (p.x / cell, p.y / cell);
    let (ix, iy) = (x.floor(), y.floor());
    let (fx, fy) = (x - ix, y - iy);
    let (ix, iy) = (ix as i32, iy as i32);
    let sx = fx * fx * (3.0 - 2.0 * fx);
    let sy = fy * fy * (3.0 - 2.0 * fy);
    let l = crate::rng::lattice;
    let top = lerp(l(ix, iy, seed), l(ix + 1, iy, seed), sx);
    let bottom = lerp(l(ix, iy + 1, seed), l(ix + 1, iy + 1, seed), sx);
    lerp(top, bottom, sy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_sine_matches_the_library_closely() {
        let mut x = -10.0f32;
        while x < 10.0 {
            assert!((sin(x) - x.sin()).abs() < 2e-4, "x = {x}");
            assert!((cos(x) - x.cos()).abs() < 2e-4, "x = {x}");
            x += 0.01;
        }
    }

    #[test]
    fn shapes_are_negative_inside_and_positive_outside() {
        let shapes = [
            Shape::Circle {
                c: v2(10.0, 10.0),
                r: 3.0,
            },
            Shape::ellipse_rot(v2(10.0, 10.0), 4.0, 2.0, 0.5),
            Shape::capsule(v2(8.0, 10.0), v2(12.0, 10.0), 2.0),
            Shape::Triangle {
                p: [v2(7.0, 12.0), v2(10.0, 6.0), v2(13.0, 12.0)],
                round: 0.0,
            },
        ];
        for s in shapes {
            assert!(s.sdf(v2(10.0, 10.0)) < 0.0, "{s:?}");
            assert!(s.sdf(v2(30.0, 30.0)) > 0.0, "{s:?}");
        }
    }
}
