//! The 21 cat figures, one per pose, built from ellipses, capsules and triangles.
//!
//! Every layer of a pose is drawn from the same [`PoseMap`], so eyes sit on the head,
//! collars on the neck and holes on the ear of *that* pose. The cats face left; "near" is
//! the ear, eye or leg on the left of the image.
//!
//! | poses | figure |
//! |---|---|
//! | 0–2 | kitten: the sitting cat at 0.62 scale, big head |
//! | 3–5 | adolescent: sitting at 0.8 |
//! | 6–8 | adult sitting; the three differ by tail (curled up, wrapped, raised) and head |
//! | 9–11 | long fur: adult with fluffed outline, ruff and bushy tail |
//! | 12–14 | senior: hunched, head low |
//! | 15, 16, 17 | paralyzed lying adult, long-furred adult, young |
//! | 18, 19 | sick, curled up with eyes shut: adult, young |
//! | 20 | newborn: a tiny curled bean |

use crate::geom::{Shape, V2, angle, coverage, smin, tri, v2};

/// Side of a sprite cell in pixels.
pub const CELL: usize = 50;
/// Pixels in one cell.
pub const PIXELS: usize = CELL * CELL;
/// Number of poses in a group.
pub const POSES: usize = 21;

/// The body parts a figure is made of; layers address them by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Torso and chest.
    Body,
    /// The hind quarters, drawn as their own part so the lineart can outline the thigh.
    Haunch,
    /// Skull, cheeks and muzzle.
    Head,
    /// Ear on the left of the image.
    EarNear,
    /// Ear on the right of the image.
    EarFar,
    /// The tail, a chain of tapered capsules.
    Tail,
    /// Front legs and their paws.
    FrontLegs,
    /// Hind paws and dragging hind legs.
    BackLegs,
}

/// Number of [`Part`] kinds.
pub const PART_KINDS: usize = 8;

impl Part {
    /// Index into per-part arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One figure: its shapes and the anchor points layers hang things on.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Shapes, each tagged with the part it belongs to.
    pub parts: Vec<(Part, Shape)>,
    /// Tail spine: points with the tail radius there, from base to tip.
    pub tail: Vec<(V2, f32)>,
    /// Near and far eye centres.
    pub eyes: [V2; 2],
    /// Eye radius.
    pub eye_r: f32,
    /// False for the sick and newborn poses, whose eyes are shut.
    pub eyes_open: bool,
    /// Centre of the skull.
    pub head: V2,
    /// Skull radius.
    pub head_r: f32,
    /// Tip of the nose.
    pub nose: V2,
    /// Corner of the mouth, where herbs and prey are held.
    pub mouth: V2,
    /// Near and far ear tips.
    pub ear_tips: [V2; 2],
    /// Centre of the collar band, its half width and half height.
    pub neck: V2,
    /// Collar half extents (x, y).
    pub neck_r: V2,
    /// Tilt of the collar band, radians.
    pub neck_tilt: f32,
    /// Top of the back, where saddles, pelts and insects sit.
    pub back: V2,
    /// Middle of the chest.
    pub chest: V2,
    /// Middle of the belly (the lowest soft part).
    pub belly: V2,
    /// Paws, front near first: the places for pads, socks and burns.
    pub paws: Vec<V2>,
    /// Global scale relative to the adult figure; patterns scale with it.
    pub scale: f32,
    /// Point the scale was applied about: the origin of pattern coordinates.
    pub origin: V2,
    /// Extra fur, in pixels, for the long-furred poses.
    pub fluff: f32,
}

/// Which template a pose uses, and how it is varied.
#[derive(Debug, Clone, Copy)]
enum Template {
    Sitting { variant: usize, senior: bool },
    Lying,
    Curled,
}

/// How each pose is built: template, scale, relative head size and fur.
fn recipe(pose: usize) -> (Template, f32, f32, f32) {
    let sit = |variant, senior| Template::Sitting { variant, senior };
    match pose {
        0..=2 => (sit(pose, false), 0.62, 1.28, 0.0),
        3..=5 => (sit(pose - 3, false), 0.80, 1.10, 0.0),
        6..=8 => (sit(pose - 6, false), 1.0, 1.0, 0.0),
        9..=11 => (sit(pose - 9, false), 1.0, 1.0, 1.1),
        12..=14 => (sit(pose - 12, true), 0.97, 1.0, 0.0),
        15 => (Template::Lying, 1.0, 1.0, 0.0),
        16 => (Template::Lying, 1.0, 1.0, 1.1),
        17 => (Template::Lying, 0.7, 1.15, 0.0),
        18 => (Template::Curled, 1.0, 1.0, 0.0),
        19 => (Template::Curled, 0.7, 1.15, 0.0),
        _ => (Template::Curled, 0.5, 1.3, 0.0),
    }
}

/// The ground line all figures stand on, and the point they are scaled about.
const GROUND: V2 = v2(25.0, 46.0);

impl Figure {
    /// The figure of pose `pose` (0..21).
    pub fn for_pose(pose: usize) -> Figure {
        let (template, scale, head_k, fluff) = recipe(pose);
        let mut f = match template {
            Template::Sitting { variant, senior } => sitting(variant, senior),
            Template::Lying => lying(),
            Template::Curled => curled(),
        };
        if fluff > 0.0 {
            f.add_long_fur();
        }
        f.fluff = fluff;
        if pose == 20 || pose == 18 || pose == 19 {
            f.eyes_open = false;
        }
        f.scale_head(head_k);
        f.scale_all(scale);
        f
    }

    /// Thicker tail, a ruff and cheek tufts.
    fn add_long_fur(&mut self) {
        for (p, r) in &mut self.tail {
            *r *= 1.55;
            // Keep the bushier tail (and its tufts) inside the cell.
            p.y = p.y.min(46.6 - *r);
            p.x = p.x.clamp(3.4 + *r, 46.6 - *r);
        }
        self.parts.retain(|(p, _)| *p != Part::Tail);
        self.parts.extend(tail_shapes(&self.tail));
        let h = self.head;
        self.parts.push((
            Part::Body,
            Shape::ellipse(self.chest + v2(0.5, -1.0), 6.5, 5.5),
        ));
        self.parts.push((
            Part::Head,
            Shape::Triangle {
                p: [h + v2(-8.5, 1.0), h + v2(-10.0, 5.0), h + v2(-6.0, 5.5)],
                round: 0.5,
            },
        ));
        self.parts.push((
            Part::Head,
            Shape::Triangle {
                p: [h + v2(5.5, 1.0), h + v2(9.5, 5.5), h + v2(4.0, 6.0)],
                round: 0.5,
            },
        ));
    }

    /// Scales the head and everything on it about the neck.
    fn scale_head(&mut self, k: f32) {
        if (k - 1.0).abs() < 1e-6 {
            return;
        }
        let o = self.neck;
        let f = |p: V2| o + (p - o) * k;
        for (part, s) in &mut self.parts {
            if matches!(part, Part::Head | Part::EarNear | Part::EarFar) {
                *s = s.transformed(o, k, v2(0.0, 0.0));
            }
        }
        self.eyes = [f(self.eyes[0]), f(self.eyes[1])];
        self.eye_r *= k;
        self.head = f(self.head);
        self.head_r *= k;
        self.nose = f(self.nose);
        self.mouth = f(self.mouth);
        self.ear_tips = [f(self.ear_tips[0]), f(self.ear_tips[1])];
    }

    /// Scales the whole figure about the ground point.
    fn scale_all(&mut self, k: f32) {
        let o = GROUND;
        let f = |p: V2| o + (p - o) * k;
        for (_, s) in &mut self.parts {
            *s = s.transformed(o, k, v2(0.0, 0.0));
        }
        for (p, r) in &mut self.tail {
            *p = f(*p);
            *r *= k;
        }
        self.eyes = [f(self.eyes[0]), f(self.eyes[1])];
        self.eye_r *= k;
        self.head = f(self.head);
        self.head_r *= k;
        self.nose = f(self.nose);
        self.mouth = f(self.mouth);
        self.ear_tips = [f(self.ear_tips[0]), f(self.ear_tips[1])];
        self.neck = f(self.neck);
        self.neck_r = self.neck_r * k;
        self.back = f(self.back);
        self.chest = f(self.chest);
        self.belly = f(self.belly);
        for p in &mut self.paws {
            *p = f(*p);
        }
        self.scale = k;
        self.origin = o;
        self.fluff *= k.max(0.7);
    }
}

/// Capsules along a tail spine.
fn tail_shapes(tail: &[(V2, f32)]) -> Vec<(Part, Shape)> {
    tail.windows(2)
        .map(|w| {
            (
                Part::Tail,
                Shape::Capsule {
                    a: w[0].0,
                    b: w[1].0,
                    ra: w[0].1,
                    rb: w[1].1,
                },
            )
        })
        .collect()
}

/// Head, cheeks, muzzle and ears around skull centre `h`, the ears turned by `tilt` radians.
fn head_parts(h: V2, tilt: f32) -> (Vec<(Part, Shape)>, [V2; 2]) {
    let r = angle(tilt);
    let at = |d: V2| h + d.rot(r);
    let near = [at(v2(-7.4, -2.2)), at(v2(-6.6, -11.6)), at(v2(-2.2, -6.6))];
    let far = [at(v2(1.0, -7.1)), at(v2(5.2, -11.4)), at(v2(6.7, -2.6))];
    let parts = vec![
        (Part::Head, Shape::Circle { c: h, r: 7.2 }),
        (
            Part::Head,
            Shape::ellipse_rot(at(v2(0.0, 2.2)), 8.2, 5.6, tilt),
        ),
        (
            Part::Head,
            Shape::ellipse_rot(at(v2(-4.6, 3.0)), 3.7, 2.9, tilt),
        ),
        (
            Part::EarNear,
            Shape::Triangle {
                p: near,
                round: 0.6,
            },
        ),
        (Part::EarFar, Shape::Triangle { p: far, round: 0.6 }),
    ];
    (parts, [near[1], far[1]])
}

/// Anchors on the face of a head at `h` turned by `tilt`: eyes, nose, mouth.
fn face(h: V2, tilt: f32) -> ([V2; 2], V2, V2) {
    let r = angle(tilt);
    let at = |d: V2| h + d.rot(r);
    (
        [at(v2(-3.9, -0.2)), at(v2(1.7, -0.5))],
        at(v2(-7.4, 1.9)),
        at(v2(-5.4, 4.6)),
    )
}

/// The sitting adult; `variant` 0, 1, 2 moves tail and head; `senior` hunches it.
fn sitting(variant: usize, senior: bool) -> Figure {
    let (head_shift, tilt) = match variant {
        0 => (v2(0.0, 0.0), 0.0),
        1 => (v2(1.2, 1.0), 0.18),
        _ => (v2(-0.8, -1.2), -0.15),
    };
    let senior_shift = if senior { v2(-1.8, 2.8) } else { v2(0.0, 0.0) };
    let h = v2(19.0, 18.5) + head_shift + senior_shift;
    let body_tilt = if senior { -0.42 } else { -0.28 };
    let mut parts = vec![
        (
            Part::Body,
            Shape::ellipse_rot(v2(27.0, 34.0), 8.6, 11.5, body_tilt),
        ),
        (
            Part::Body,
            Shape::Circle {
                c: v2(21.5, 29.5 + senior_shift.y * 0.4),
                r: 6.0,
            },
        ),
        (Part::Haunch, Shape::ellipse(v2(31.0, 38.2), 8.4, 7.0)),
        (
            Part::FrontLegs,
            Shape::capsule(v2(18.6, 31.0), v2(17.6, 43.4), 2.4),
        ),
        (
            Part::FrontLegs,
            Shape::capsule(v2(24.0, 32.0), v2(24.0, 43.4), 2.3),
        ),
        (Part::FrontLegs, Shape::ellipse(v2(16.9, 44.0), 3.0, 1.7)),
        (Part::FrontLegs, Shape::ellipse(v2(23.4, 44.0), 2.8, 1.6)),
        (Part::BackLegs, Shape::ellipse(v2(35.2, 44.1), 4.3, 1.8)),
    ];
    let (head, ear_tips) = head_parts(h, tilt);
    parts.extend(head);
    let thin = if senior { 0.85 } else { 1.0 };
    let tail: Vec<(V2, f32)> = match variant {
        0 => vec![
            (v2(36.0, 40.0), 2.6),
            (v2(41.0, 38.0), 2.4),
            (v2(44.0, 32.5), 2.1),
            (v2(43.0, 26.5), 1.8),
            (v2(40.0, 24.5), 1.5),
        ],
        1 => vec![
            (v2(37.0, 42.5), 2.6),
            (v2(33.0, 45.4), 2.4),
            (v2(25.0, 46.2), 2.1),
            (v2(16.0, 46.0), 1.8),
            (v2(11.5, 44.6), 1.5),
        ],
        _ => vec![
            (v2(36.5, 37.5), 2.6),
            (v2(40.5, 31.0), 2.3),
            (v2(41.5, 23.0), 2.0),
            (v2(39.5, 17.0), 1.7),
            (v2(36.0, 15.5), 1.5),
        ],
    }
    .into_iter()
    .map(|(p, r)| (p, r * thin))
    .collect();
    parts.extend(tail_shapes(&tail));
    let (eyes, nose, mouth) = face(h, tilt);
    Figure {
        parts,
        tail,
        eyes,
        eye_r: 1.6,
        eyes_open: true,
        head: h,
        head_r: 7.2,
        nose,
        mouth,
        ear_tips,
        neck: h + v2(2.2, 7.0),
        neck_r: v2(6.2, 2.0),
        neck_tilt: -0.3,
        back: v2(30.5, 26.5),
        chest: v2(21.5, 30.0),
        belly: v2(27.0, 41.0),
        paws: vec![v2(16.9, 44.0), v2(23.4, 44.0), v2(35.2, 44.1)],
        scale: 1.0,
        origin: GROUND,
        fluff: 0.0,
    }
}

/// Lying on the belly, head up, hind legs dragging: the paralyzed poses.
fn lying() -> Figure {
    let h = v2(13.5, 30.5);
    let mut parts = vec![
        (
            Part::Body,
            Shape::ellipse_rot(v2(28.5, 38.8), 13.5, 6.4, -0.04),
        ),
        (
            Part::Body,
            Shape::Circle {
                c: v2(18.5, 37.5),
                r: 6.0,
            },
        ),
        (Part::Haunch, Shape::ellipse(v2(36.5, 38.6), 7.4, 6.0)),
        (
            Part::FrontLegs,
            Shape::capsule(v2(15.5, 41.5), v2(8.0, 44.0), 2.2),
        ),
        (
            Part::FrontLegs,
            Shape::capsule(v2(20.0, 42.5), v2(12.5, 44.6), 2.2),
        ),
        (Part::FrontLegs, Shape::ellipse(v2(7.0, 44.3), 2.8, 1.6)),
        (Part::FrontLegs, Shape::ellipse(v2(11.6, 44.8), 2.8, 1.5)),
        (
            Part::BackLegs,
            Shape::capsule(v2(37.5, 42.0), v2(44.5, 44.5), 2.3),
        ),
        (Part::BackLegs, Shape::ellipse(v2(45.0, 44.6), 2.6, 1.5)),
    ];
    let (head, ear_tips) = head_parts(h, -0.05);
    parts.extend(head);
    let tail = vec![
        (v2(41.5, 36.5), 2.4),
        (v2(44.5, 37.2), 2.1),
        (v2(46.0, 40.0), 1.8),
        (v2(45.5, 43.0), 1.5),
    ];
    parts.extend(tail_shapes(&tail));
    let (eyes, nose, mouth) = face(h, -0.05);
    Figure {
        parts,
        tail,
        eyes,
        eye_r: 1.6,
        eyes_open: true,
        head: h,
        head_r: 7.2,
        nose,
        mouth,
        ear_tips,
        neck: h + v2(3.0, 6.5),
        neck_r: v2(5.0, 2.0),
        neck_tilt: -0.9,
        back: v2(30.0, 32.8),
        chest: v2(18.5, 38.0),
        belly: v2(29.0, 43.0),
        paws: vec![v2(7.0, 44.3), v2(11.6, 44.8), v2(45.0, 44.6)],
        scale: 1.0,
        origin: GROUND,
        fluff: 0.0,
    }
}

/// Curled up asleep, head resting on the paws, tail around the front: the sick poses.
fn curled() -> Figure {
    let h = v2(16.0, 37.0);
    let tilt = -0.45;
    let mut parts = vec![
        (
            Part::Body,
            Shape::ellipse_rot(v2(28.5, 37.5), 13.0, 8.6, 0.05),
        ),
        (Part::Haunch, Shape::ellipse(v2(34.5, 36.5), 8.0, 8.0)),
        (Part::FrontLegs, Shape::ellipse(v2(21.0, 44.6), 5.0, 1.9)),
        (Part::BackLegs, Shape::ellipse(v2(38.5, 44.6), 3.6, 1.7)),
    ];
    let (head, ear_tips) = head_parts(h, tilt);
    parts.extend(head);
    let tail = vec![
        (v2(41.0, 41.5), 2.4),
        (v2(35.0, 45.2), 2.3),
        (v2(26.0, 46.4), 2.0),
        (v2(17.0, 46.0), 1.7),
        (v2(11.0, 44.5), 1.4),
    ];
    parts.extend(tail_shapes(&tail));
    let (eyes, nose, mouth) = face(h, tilt);
    Figure {
        parts,
        tail,
        eyes,
        eye_r: 1.6,
        eyes_open: true,
        head: h,
        head_r: 7.2,
        nose,
        mouth,
        ear_tips,
        neck: h + v2(6.2, 1.0),
        neck_r: v2(4.6, 1.0),
        neck_tilt: 1.25,
        back: v2(30.0, 29.5),
        chest: v2(22.0, 40.0),
        belly: v2(29.0, 44.0),
        paws: vec![v2(19.0, 44.6), v2(23.5, 44.6), v2(38.5, 44.6)],
        scale: 1.0,
        origin: GROUND,
        fluff: 0.0,
    }
}

/// A figure rasterised: distances per pixel, shared by every layer of that pose.
#[derive(Debug, Clone)]
pub struct PoseMap {
    /// Pose number, 0..21.
    pub pose: usize,
    /// The figure the maps were computed from.
    pub figure: Figure,
    /// Signed distance to the whole silhouette, fur included (negative inside).
    pub d: Vec<f32>,
    /// Signed distance to each part, indexed by [`Part::index`].
    pub part_d: Vec<Vec<f32>>,
    /// Position along the tail (0 base, 1 tip) of the nearest tail point.
    pub tail_t: Vec<f32>,
    /// Topmost and bottommost rows that have any coverage.
    pub rows: (f32, f32),
}

impl PoseMap {
    /// Rasterises pose `pose`.
    pub fn new(pose: usize) -> PoseMap {
        let figure = Figure::for_pose(pose);
        let mut d = vec![0.0; PIXELS];
        let mut part_d = vec![vec![f32::MAX; PIXELS]; PART_KINDS];
        let mut tail_t = vec![0.0; PIXELS];
        let seg_len: Vec<f32> = figure
            .tail
            .windows(2)
            .map(|w| (w[1].0 - w[0].0).len())
            .collect();
        let total: f32 = seg_len.iter().sum::<f32>().max(1e-3);
        let (mut top, mut bottom) = (CELL as f32, 0.0f32);
        for (i, di) in d.iter_mut().enumerate() {
            let p = pixel_centre(i);
            let mut all = f32::MAX;
            for (part, shape) in &figure.parts {
                let s = shape.sdf(p);
                let slot = &mut part_d[part.index()][i];
                *slot = slot.min(s);
                all = if all == f32::MAX {
                    s
                } else {
                    smin(all, s, 1.6)
                };
            }
            if figure.fluff > 0.0 {
                // Tufts: a sawtooth along the outline, only where fur grows (not ears, paws).
                let furry = part_d[Part::Body.index()][i]
                    .min(part_d[Part::Tail.index()][i])
                    .min(part_d[Part::Haunch.index()][i])
                    .min(part_d[Part::Head.index()][i]);
                if furry <= all + 0.5 {
                    all -= figure.fluff * (0.35 + 0.9 * tri((p.x * 0.8 + p.y * 0.55) * 0.42));
                }
            }
            *di = all;
            // Arc position on the nearest tail segment.
            let mut best = (f32::MAX, 0.0);
            let mut acc = 0.0;
            for (k, w) in figure.tail.windows(2).enumerate() {
                let (a, b) = (w[0].0, w[1].0);
                let (pa, ba) = (p - a, b - a);
                let h = crate::geom::sat(pa.dot(ba) / ba.dot(ba).max(1e-6));
                let dist = (pa - ba * h).len();
                if dist < best.0 {
                    best = (dist, (acc + h * seg_len[k]) / total);
                }
                acc += seg_len[k];
            }
            tail_t[i] = best.1;
            if coverage(all) > 0.0 {
                top = top.min(p.y);
                bottom = bottom.max(p.y);
            }
        }
        PoseMap {
            pose,
            figure,
            d,
            part_d,
            tail_t,
            rows: (top, bottom),
        }
    }

    /// Silhouette coverage of pixel `i`, in `[0, 1]`.
    pub fn cov(&self, i: usize) -> f32 {
        coverage(self.d[i])
    }

    /// Coverage of one part at pixel `i`.
    pub fn part_cov(&self, part: Part, i: usize) -> f32 {
        coverage(self.part_d[part.index()][i])
    }

    /// Distance to one part at pixel `i`.
    pub fn part_dist(&self, part: Part, i: usize) -> f32 {
        self.part_d[part.index()][i]
    }

    /// The part nearest to (or most inside at) pixel `i`.
    pub fn part_at(&self, i: usize) -> Part {
        const ALL: [Part; PART_KINDS] = [
            Part::Body,
            Part::Haunch,
            Part::Head,
            Part::EarNear,
            Part::EarFar,
            Part::Tail,
            Part::FrontLegs,
            Part::BackLegs,
        ];
        let mut best = (Part::Body, f32::MAX);
        for p in ALL {
            let d = self.part_d[p.index()][i];
            if d < best.1 {
                best = (p, d);
            }
        }
        best.0
    }

    /// Pixel `i` in pattern coordinates: adult-sized units around the ground point, so
    /// stripes keep their spacing relative to the body whatever the pose's scale.
    pub fn local(&self, i: usize) -> V2 {
        (pixel_centre(i) - self.figure.origin) * (1.0 / self.figure.scale)
    }

    /// A cell point in pattern coordinates (see [`PoseMap::local`]).
    pub fn local_of(&self, p: V2) -> V2 {
        (p - self.figure.origin) * (1.0 / self.figure.scale)
    }

    /// Silhouette distance at pixel `(x, y)`; far outside when off the cell.
    pub fn dist_at(&self, x: i32, y: i32) -> f32 {
        if (0..CELL as i32).contains(&x) && (0..CELL as i32).contains(&y) {
            self.d[y as usize * CELL + x as usize]
        } else {
            100.0
        }
    }

    /// Vertical position of pixel `i` within the figure: 0 at its top row, 1 at its bottom.
    pub fn height_t(&self, i: usize) -> f32 {
        let (top, bottom) = self.rows;
        crate::geom::sat((pixel_centre(i).y - top) / (bottom - top).max(1.0))
    }
}

/// Centre of pixel `i` of a cell.
pub fn pixel_centre(i: usize) -> V2 {
    v2((i % CELL) as f32 + 0.5, (i / CELL) as f32 + 0.5)
}

/// All 21 pose maps, in pose order.
pub fn all_poses() -> Vec<PoseMap> {
    (0..POSES).map(PoseMap::new).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pose_has_a_soft_edged_figure_inside_the_cell() {
        for map in all_poses() {
            let covered = (0..PIXELS).filter(|&i| map.cov(i) > 0.0).count();
            let partial = (0..PIXELS)
                .filter(|&i| map.cov(i) > 0.0 && map.cov(i) < 1.0)
                .count();
            assert!(
                covered > 150,
                "pose {} covers only {covered} pixels",
                map.pose
            );
            assert!(partial > 20, "pose {} has no soft edge", map.pose);
            // Nothing touches the cell border, so no figure is cut.
            for k in 0..CELL {
                for i in [k, k * CELL, k * CELL + CELL - 1, (CELL - 1) * CELL + k] {
                    assert!(
                        map.cov(i) == 0.0,
                        "pose {} touches the border at {i}",
                        map.pose
                    );
                }
            }
        }
    }

    #[test]
    fn poses_within_a_triple_differ() {
        let maps = all_poses();
        for t in 0..5 {
            for (a, b) in [(0, 1), (1, 2), (0, 2)] {
                let (ma, mb) = (&maps[t * 3 + a], &maps[t * 3 + b]);
                let diff = (0..PIXELS)
                    .filter(|&i| (ma.cov(i) - mb.cov(i)).abs() > 0.5)
                    .count();
                assert!(diff > 30, "poses {} and {} barely differ", ma.pose, mb.pose);
            }
        }
    }
}
