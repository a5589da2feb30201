//! Accessories: one small object per name, built from a handful of motifs (sprig, flower,
//! berries, feathers, wings, collar …). The motif comes from the group prefix and the words
//! of the name, the colour from the colour words in the name or a hash of it, and the
//! place from the pose's anchors (mouth, ear, neck, back, paws, tail).

use crate::geom::{Shape, V2, angle, v2};
use crate::paint::{Paint, Rgb, mix, shade};
use crate::palette::{self, hsv};
use crate::rng::Rng;
use crate::silhouette::PoseMap;
use crate::sketch::{fill, fill_with, polyline, stroke};

/// The kinds of object accessories are drawn as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Motif {
    Collar(CollarKind),
    Sprig,
    Flower,
    Berries,
    Stalk,
    Feathers,
    Wings { in_mouth: bool },
    Crown,
    Blanket,
    Raincoat,
    Paws,
    Prey,
    Insect,
    Snail,
    Snake,
    Chimes,
    Item,
    TailWrap,
    Antlers,
}

/// Collar variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CollarKind {
    Plain,
    Bell,
    Bow,
    Nylon,
    Spikes,
    Harness,
}

fn classify(prefix: &str, name: &str) -> Motif {
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    if prefix == "collars" || has(&["HARNESS", "COLLAR"]) {
        return Motif::Collar(if has(&["HARNESS"]) {
            CollarKind::Harness
        } else if has(&["BELL"]) && prefix == "collars" {
            CollarKind::Bell
        } else if has(&["BOW"]) {
            CollarKind::Bow
        } else if has(&["NYLON"]) {
            CollarKind::Nylon
        } else if has(&["SPIKES", "TEETH"]) {
            CollarKind::Spikes
        } else {
            CollarKind::Plain
        });
    }
    match prefix {
        "acc_tail2" => return Motif::TailWrap,
        "acc_snake" => return Motif::Snake,
        "acc_smallAnimal" => return Motif::Prey,
        "acc_deadInsect" => return Motif::Wings { in_mouth: true },
        "acc_fruit" => return Motif::Berries,
        _ => {}
    }
    if has(&["RAINCOAT"]) {
        Motif::Raincoat
    } else if has(&["PELT", "WOOL", "MANE"]) {
        Motif::Blanket
    } else if has(&["PAWS"]) {
        Motif::Paws
    } else if has(&["CROWN", "WREATH", "HEADPIECE"]) {
        Motif::Crown
    } else if has(&["FEATHER", "LORIKEET"]) {
        Motif::Feathers
    } else if has(&[
        "WING",
        "BUTTERFLY",
        "MOTH",
        "CICADA",
        "LUNA",
        "COMET",
        "MONARCH",
    ]) {
        Motif::Wings { in_mouth: false }
    } else if has(&["ANTLER", "SKULL"]) {
        Motif::Antlers
    } else if has(&["SNAIL", "SHELL"]) {
        Motif::Snail
    } else if has(&["ISOPOD", "LADYBUG", "WORM"]) || name == "BEE" {
        Motif::Insect
    } else if has(&["CHIMES", "LANTERN", "CHARM", "ANKLET", "TAILWRAP"]) {
        Motif::Chimes
    } else if has(&[
        "BERR",
        "CHERRY",
        "HOLLY",
        "JUNIPER",
        "YEW",
        "ACORN",
        "PINECONE",
        "PUMPKIN",
        "HONEYCOMB",
        "DRIEDORANGE",
    ]) {
        Motif::Berries
    } else if has(&[
        "STALK", "WHEAT", "RYE", "CATTAIL", "STICK", "REEDS", "BAMBOO", "VINE", "SEAWEED",
    ]) {
        Motif::Stalk
    } else if has(&[
        "LEAF",
        "LEAVES",
        "FERN",
        "IVY",
        "CLOVER",
        "LAUREL",
        "MINT",
        "MOSS",
        "HERB",
        "NETTLE",
        "MISTLETOE",
        "BRANCH",
        "FIDDLEHEAD",
        "MUSHROOM",
        "SEED",
    ]) {
        Motif::Sprig
    } else if has(&[
        "POPPY",
        "DAISY",
        "BELL",
        "FORGET",
        "LILY",
        "SNAPDRAGON",
        "HEATHER",
        "GORSE",
        "LAVENDER",
        "PETAL",
        "BULB",
        "FLOWER",
        "BLOSSOM",
        "ROSE",
        "TULIP",
        "PANSIES",
        "ORCHID",
        "MARIGOLD",
        "PRIMROSE",
        "GLORY",
        "WISTERIA",
        "DIANTHUS",
        "ALLIUM",
        "HESPERIS",
        "FRANGIPANI",
        "CATNIP",
        "BLEEDING",
        "CORSAGE",
        "POINSETTIA",
        "CALLUNA",
        "FORSYTHIA",
        "DOGWOOD",
        "CORAL",
        "SANVITALIA",
        "CATKIN",
    ]) {
        Motif::Flower
    } else if prefix == "acc_crafted"
        || has(&[
            "EGG",
            "BEAR",
            "TOAST",
            "POT",
            "BAG",
            "RADIO",
            "DRAGON",
            "TIDE",
            "ZOOKEEPER",
            "BILBY",
            "STOAT",
            "MUD",
        ])
    {
        Motif::Item
    } else if prefix == "acc_herbs" || prefix == "acc_plant2" {
        Motif::Sprig
    } else {
        Motif::Flower
    }
}

/// Paints accessory `prefix` + `name` for one pose.
pub fn draw(map: &PoseMap, prefix: &str, name: &str) -> Paint {
    let f = &map.figure;
    let colour = palette::accessory(name);
    let second = palette::hashed(&format!("{name}/2"), 0.6, 0.85);
    let mut rng = Rng::for_name(name, 5);
    let mut paint = Paint::clear([0.0, 0.0, 0.0]);
    let p = &mut paint;
    let k = f.scale;
    let hk = f.eye_r / 1.6;
    let leaf_green = mix([70.0, 140.0, 60.0], colour, 0.25);
    match classify(prefix, name) {
        Motif::Collar(kind) => collar(p, map, kind, colour, name),
        Motif::Sprig => {
            let at = f.mouth + v2(-0.5, 1.5) * hk;
            sprig(
                p,
                at,
                hk,
                if name.contains("DRY") {
                    [150.0, 130.0, 80.0]
                } else {
                    leaf_green
                },
                &mut rng,
            );
        }
        Motif::Flower => {
            let at = f.ear_tips[0].lerp(f.head, 0.55) + v2(-1.0, 0.0) * hk;
            stroke(p, at, at + v2(2.5, 3.0) * hk, 0.45 * hk, leaf_green, 0.9);
            let petal = if name.contains("DAISY") {
                [246.0, 246.0, 240.0]
            } else {
                colour
            };
            let size = rng.range(2.2, 3.2);
            flower(p, at, size * hk, petal, [250.0, 220.0, 70.0]);
            for j in 0..rng.below(3) {
                let o = v2(3.0 + 1.5 * j as f32, -1.5 + 2.0 * j as f32) * hk;
                flower(
                    p,
                    at + o,
                    (size - 0.6) * hk,
                    shade(petal, 1.1 - 0.1 * j as f32),
                    second,
                );
            }
        }
        Motif::Berries => {
            let at = f.mouth + v2(-1.0, 2.0) * hk;
            sprig(p, at, hk * 0.8, leaf_green, &mut rng);
            let fruit = if palette::accessory(name) == palette::hashed(name, 0.55, 0.8) {
                [190.0, 30.0, 50.0]
            } else {
                colour
            };
            for j in 0..(3 + rng.below(3)) {
                let o = v2(rng.range(-2.5, 2.0), rng.range(-0.5, 2.5)) * hk;
                let r = rng.range(0.9, 1.4) * hk;
                fill(
                    p,
                    &Shape::Circle { c: at + o, r },
                    shade(fruit, 0.85 + 0.08 * j as f32),
                    1.0,
                );
                fill(
                    p,
                    &Shape::Circle {
                        c: at + o + v2(-0.35, -0.35) * r,
                        r: r * 0.3,
                    },
                    [255.0, 255.0, 255.0],
                    0.6,
                );
            }
        }
        Motif::Stalk => {
            let a = f.mouth + v2(3.5, 1.0) * hk;
            let b = f.mouth + v2(-6.0, -3.0) * hk;
            stroke(
                p,
                a,
                b,
                0.6 * hk,
                mix([150.0, 130.0, 70.0], colour, 0.4),
                1.0,
            );
            for j in 0..4 {
                let c = b.lerp(a, 0.1 + 0.12 * j as f32);
                fill(
                    p,
                    &Shape::ellipse_rot(c, 1.4 * hk, 0.7 * hk, 0.4),
                    mix([210.0, 180.0, 90.0], colour, 0.3),
                    0.95,
                );
            }
        }
        Motif::Feathers => {
            let base = f.ear_tips[1].lerp(f.head, 0.5) + v2(2.0, 0.0) * hk;
            let n = 2 + rng.below(2);
            for j in 0..n {
                let tilt = 0.5 + 0.35 * j as f32;
                let dir = v2(0.0, -1.0).rot(angle(tilt));
                let tip = base + dir * (9.0 * hk);
                let c = base.lerp(tip, 0.55);
                let col = if j % 2 == 0 {
                    colour
                } else {
                    mix(colour, second, 0.5)
                };
                fill(
                    p,
                    &Shape::ellipse_rot(c, 1.6 * hk, 4.4 * hk, tilt),
                    col,
                    0.95,
                );
                stroke(p, base, tip, 0.3 * hk, shade(col, 0.55), 0.9);
            }
        }
        Motif::Wings { in_mouth } => {
            let (at, s) = if in_mouth {
                (f.mouth + v2(-1.5, 2.5) * hk, hk * 0.8)
            } else {
                (f.back + v2(0.0, -1.0) * k, k)
            };
            for (side, tilt) in [(-1.0f32, -0.6f32), (1.0, 0.6)] {
                fill_with(
                    p,
                    &Shape::ellipse_rot(at + v2(side * 2.6, -1.5) * s, 3.0 * s, 2.0 * s, tilt),
                    0.88,
                    |q| {
                        if (q - at).len() > 3.2 * s {
                            shade(colour, 0.7)
                        } else {
                            colour
                        }
                    },
                );
                fill(
                    p,
                    &Shape::ellipse_rot(at + v2(side * 2.0, 1.3) * s, 2.0 * s, 1.3 * s, -tilt),
                    mix(colour, second, 0.4),
                    0.88,
                );
            }
            fill(
                p,
                &Shape::ellipse(at, 0.6 * s, 2.4 * s),
                [40.0, 32.0, 30.0],
                1.0,
            );
        }
        Motif::Crown => {
            let c = f.head + v2(0.0, -0.55 * f.head_r);
            for j in 0..7 {
                let t = j as f32 / 6.0 - 0.5;
                let q = c + v2(t * 1.8 * f.head_r, (t * t) * 3.0 * hk - 1.0 * hk);
                let col = if j % 2 == 0 { colour } else { second };
                fill(p, &Shape::Circle { c: q, r: 1.25 * hk }, col, 0.95);
            }
        }
        Motif::Blanket | Motif::Raincoat => {
            let alpha = if matches!(classify(prefix, name), Motif::Raincoat) {
                0.92
            } else {
                0.97
            };
            let body = f.back.lerp(f.belly, 0.3);
            let shape = Shape::ellipse_rot(body, 8.0 * k, 5.0 * k, -0.2);
            fill_with(p, &shape, alpha, |q| {
                let stripe = ((q.x + q.y) / 3.0).floor() as i32 % 3 == 0;
                if stripe { shade(colour, 0.85) } else { colour }
            });
            clip_to_body(p, map, 1.0);
        }
        Motif::Paws => {
            let mud = mix([110.0, 80.0, 55.0], colour, 0.3);
            for paw in &f.paws {
                fill(
                    p,
                    &Shape::ellipse(*paw + v2(0.0, -1.0) * k, 3.4 * k, 2.6 * k),
                    mud,
                    0.8,
                );
            }
            clip_to_body(p, map, 0.0);
        }
        Motif::Prey => {
            let at = f.mouth + v2(-2.5, 3.5) * hk;
            let fur = if name.contains("WHITE") {
                [236.0, 232.0, 226.0]
            } else {
                colour
            };
            let big = name.contains("RABBIT") || name.contains("SQUIRREL");
            let s = if big { 1.25 } else { 0.95 } * hk;
            fill(p, &Shape::ellipse_rot(at, 3.2 * s, 2.0 * s, 0.5), fur, 1.0);
            fill(
                p,
                &Shape::Circle {
                    c: at + v2(-2.6, -1.6) * s,
                    r: 1.5 * s,
                },
                shade(fur, 0.95),
                1.0,
            );
            if name.contains("RABBIT") {
                stroke(
                    p,
                    at + v2(-2.8, -2.6) * s,
                    at + v2(-4.0, -5.0) * s,
                    0.55 * s,
                    shade(fur, 0.9),
                    1.0,
                );
            }
            if name.contains("VITILIGO") || name.contains("AND WHITE") {
                fill(
                    p,
                    &Shape::Circle {
                        c: at + v2(0.8, 0.2) * s,
                        r: 1.2 * s,
                    },
                    [240.0, 238.0, 232.0],
                    1.0,
                );
            }
            polyline(
                p,
                &[
                    at + v2(2.8, 1.2) * s,
                    at + v2(4.0, 3.5) * s,
                    at + v2(3.6, 5.0) * s,
                ],
                0.35 * s * if name.contains("SQUIRREL") { 3.0 } else { 1.0 },
                shade(fur, 0.8),
                0.95,
            );
            fill(
                p,
                &Shape::Circle {
                    c: at + v2(-3.1, -1.9) * s,
                    r: 0.35 * s,
                },
                [20.0, 20.0, 20.0],
                1.0,
            );
        }
        Motif::Insect | Motif::Snail => {
            let at = f.back + v2(-1.0, -0.5) * k;
            if classify(prefix, name) == Motif::Snail {
                let shell = mix([170.0, 120.0, 70.0], colour, 0.5);
                fill(
                    p,
                    &Shape::ellipse(at + v2(0.5, 0.8) * k, 3.0 * k, 1.0 * k),
                    [200.0, 190.0, 170.0],
                    1.0,
                );
                fill_with(p, &Shape::Circle { c: at, r: 2.0 * k }, 1.0, |q| {
                    let r = (q - at).len() / k;
                    if (r * 1.6).floor() as i32 % 2 == 0 {
                        shell
                    } else {
                        shade(shell, 0.7)
                    }
                });
            } else {
                fill_with(p, &Shape::ellipse(at, 2.4 * k, 1.6 * k), 1.0, |q| {
                    if ((q.x - at.x) / k).floor() as i32 % 2 == 0 {
                        colour
                    } else {
                        shade(colour, 0.6)
                    }
                });
                fill(
                    p,
                    &Shape::Circle {
                        c: at + v2(-2.3, 0.0) * k,
                        r: 0.9 * k,
                    },
                    [30.0, 28.0, 28.0],
                    1.0,
                );
            }
        }
        Motif::Snake => {
            let pts: Vec<V2> = (0..9)
                .map(|j| {
                    let t = j as f32 / 8.0;
                    f.neck.lerp(f.back, t) + v2(0.0, crate::geom::sin(t * 9.0) * 1.8 * k)
                })
                .collect();
            for (j, w) in pts.windows(2).enumerate() {
                let col = if j % 2 == 0 { colour } else { second };
                stroke(p, w[0], w[1], 1.2 * k, col, 1.0);
            }
            fill(
                p,
                &Shape::ellipse(pts[0] + v2(-1.0, 0.3) * k, 1.8 * k, 1.2 * k),
                colour,
                1.0,
            );
        }
        Motif::Chimes => {
            let at = f.neck + v2(-1.0, 1.5) * k;
            stroke(
                p,
                at + v2(-3.0, 0.0) * k,
                at + v2(3.0, 0.0) * k,
                0.45 * k,
                [120.0, 90.0, 60.0],
                1.0,
            );
            for j in 0..3 {
                let x = (j as f32 - 1.0) * 2.4 * k;
                let top = at + v2(x, 0.0);
                let len = (2.5 + j as f32) * k;
                stroke(
                    p,
                    top,
                    top + v2(0.0, len),
                    0.25 * k.max(0.9),
                    [90.0, 90.0, 100.0],
                    0.8,
                );
                fill(
                    p,
                    &Shape::Circle {
                        c: top + v2(0.0, len),
                        r: 0.9 * k,
                    },
                    if j == 1 { second } else { colour },
                    1.0,
                );
            }
        }
        Motif::Item => {
            let at = f.paws[0] + v2(-2.0, -2.5) * k;
            let shape = if rng.chance(0.5) {
                Shape::ellipse(at, 2.6 * k, 2.2 * k)
            } else {
                Shape::Triangle {
                    p: [
                        at + v2(-2.6, 2.2) * k,
                        at + v2(2.6, 2.2) * k,
                        at + v2(0.0, -2.6) * k,
                    ],
                    round: 0.4 * k,
                }
            };
            fill_with(p, &shape, 1.0, |q| {
                if q.y < at.y {
                    colour
                } else {
                    shade(colour, 0.8)
                }
            });
            fill(
                p,
                &Shape::Circle {
                    c: at + v2(0.6, -0.4) * k,
                    r: 0.8 * k,
                },
                second,
                1.0,
            );
        }
        Motif::TailWrap => {
            let n = f.tail.len();
            for (j, (q, r)) in f.tail.iter().enumerate().skip(n / 3) {
                fill(
                    p,
                    &Shape::Circle {
                        c: *q,
                        r: r + 0.6 * k,
                    },
                    if j % 2 == 0 { colour } else { second },
                    0.9,
                );
            }
            clip_to_body(p, map, 1.5);
        }
        Motif::Antlers => {
            let bone = mix([236.0, 226.0, 200.0], colour, 0.2);
            for tip in f.ear_tips {
                let base = tip.lerp(f.head, 0.5);
                let top = base + v2(0.0, -6.0) * hk;
                stroke(p, base, top, 0.55 * hk, bone, 1.0);
                stroke(
                    p,
                    base.lerp(top, 0.5),
                    base.lerp(top, 0.5) + v2(-2.0, -1.5) * hk,
                    0.45 * hk,
                    bone,
                    1.0,
                );
            }
        }
    }
    paint
}

/// Fades out whatever lies farther than `grow` pixels outside the silhouette.
fn clip_to_body(p: &mut Paint, map: &PoseMap, grow: f32) {
    for i in 0..crate::silhouette::PIXELS {
        p.fade(i, crate::geom::coverage(map.d[i] - grow));
    }
}

/// A stem with two to five leaves, held at `at`; angle, count and leaf size vary by name.
fn sprig(p: &mut Paint, at: V2, s: f32, green: Rgb, rng: &mut Rng) {
    let droop = rng.range(1.0, 4.5);
    let tip = at + v2(-6.5, droop) * s;
    stroke(
        p,
        at + v2(2.5, -0.5) * s,
        tip,
        0.45 * s,
        shade(green, 0.7),
        1.0,
    );
    let n = 2 + rng.below(4);
    let size = rng.range(2.0, 3.0);
    for j in 0..n {
        let t = 0.25 + 0.75 * j as f32 / n as f32;
        let side = if j % 2 == 0 { -1.0 } else { 1.0 };
        let c = at.lerp(tip, t) + v2(0.0, side * 1.1) * s;
        let tilt = side * rng.range(0.3, 0.9);
        fill_with(
            p,
            &Shape::ellipse_rot(c, size * s, 1.1 * s, tilt),
            1.0,
            |q| if q.y < c.y { shade(green, 1.15) } else { green },
        );
    }
}

/// A five-petalled flower of radius `r`.
fn flower(p: &mut Paint, c: V2, r: f32, petal: Rgb, centre: Rgb) {
    for j in 0..5 {
        let dir = v2(0.0, -1.0).rot(angle(j as f32 * std::f32::consts::TAU / 5.0));
        fill(
            p,
            &Shape::Circle {
                c: c + dir * (r * 0.55),
                r: r * 0.45,
            },
            petal,
            1.0,
        );
    }
    fill(p, &Shape::Circle { c, r: r * 0.3 }, centre, 1.0);
}

/// A collar band across the neck, with its bell, bow, spikes or harness straps.
fn collar(p: &mut Paint, map: &PoseMap, kind: CollarKind, colour: Rgb, name: &str) {
    let f = &map.figure;
    let k = f.scale;
    let (c, r) = (f.neck, f.neck_r);
    let rot = angle(f.neck_tilt);
    // A shallow U across the front of the neck: ends up, middle down.
    let a = c + v2(-r.x, -0.6 * r.y).rot(rot);
    let b = c + v2(r.x, -0.6 * r.y).rot(rot);
    let low = c + v2(0.0, r.y).rot(rot);
    let width = if kind == CollarKind::Nylon { 0.7 } else { 1.0 } * k.max(0.8);
    let rainbow = name.contains("RAINBOW") || name.contains("MULTI");
    for (s, e) in [(a, low), (low, b)] {
        let shape = Shape::capsule(s, e, width);
        fill_with(p, &shape, 1.0, |q| {
            if rainbow {
                hsv(((q.x - a.x) / 8.0).floor() / 6.0, 0.75, 0.95)
            } else {
                colour
            }
        });
    }
    match kind {
        CollarKind::Bell => fill_with(
            p,
            &Shape::Circle {
                c: low + v2(0.0, 1.6) * k,
                r: 1.3 * k,
            },
            1.0,
            |q| {
                if q.y > low.y + 2.0 * k {
                    [170.0, 130.0, 30.0]
                } else {
                    [236.0, 200.0, 60.0]
                }
            },
        ),
        CollarKind::Bow => {
            for side in [-1.0f32, 1.0] {
                let t = Shape::Triangle {
                    p: [
                        low,
                        low + v2(side * 2.6, -1.4) * k,
                        low + v2(side * 2.6, 1.4) * k,
                    ],
                    round: 0.3 * k,
                };
                fill(p, &t, shade(colour, 1.1), 1.0);
            }
            fill(
                p,
                &Shape::Circle { c: low, r: 0.8 * k },
                shade(colour, 0.8),
                1.0,
            );
        }
        CollarKind::Nylon => fill(
            p,
            &Shape::ellipse(low, 1.0 * k, 0.9 * k),
            [200.0, 200.0, 210.0],
            1.0,
        ),
        CollarKind::Spikes => {
            for j in 0..5 {
                let q = a.lerp(b, 0.1 + 0.2 * j as f32) + v2(0.0, 0.8) * k;
                let t = Shape::Triangle {
                    p: [
                        q + v2(-0.8, 0.0) * k,
                        q + v2(0.8, 0.0) * k,
                        q + v2(0.0, 2.0) * k,
                    ],
                    round: 0.1,
                };
                fill(p, &t, [236.0, 236.0, 230.0], 1.0);
            }
        }
        CollarKind::Harness => {
            let belly = f.belly + v2(0.0, -1.0) * k;
            stroke(p, low, f.chest.lerp(belly, 0.6), 0.9 * k, colour, 1.0);
            stroke(
                p,
                f.back + v2(-2.0, 0.0) * k,
                belly + v2(-2.0, 0.0) * k,
                0.9 * k,
                colour,
                1.0,
            );
            fill(
                p,
                &Shape::Circle {
                    c: f.chest.lerp(belly, 0.6),
                    r: 0.9 * k,
                },
                [200.0, 200.0, 210.0],
                1.0,
            );
            clip_to_body(p, map, 0.5);
        }
        CollarKind::Plain => {}
    }
    // Collars wrap the neck: nothing far outside the figure.
    for i in 0..crate::silhouette::PIXELS {
        if map.d[i] > 2.5 {
            p.fade(i, 0.0);
        }
    }
}
