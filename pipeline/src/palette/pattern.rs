//! Procedural pattern tiles of CatGenerator V3 palette colours (its `patterns.py`): a small
//! tile of float colours, repeated over the 50×50 sprite and multiplied onto it.
//!
//! Each generator follows NumPy's types where CatGenerator's does: `float32` tiles built
//! from `float32` colours, and `float64` blend factors (distances, gradients) converted to
//! `float32` at the end. Drawn here: every type CatGenerator computes with NumPy (26: the
//! textile and stripe types and the geometric world motifs). The types it rasterises from
//! SVG templates of its own (emblem flags, most world motifs) are known by name and refused
//! with [`PatternError::NotDrawnHere`]: their geometry is CatGenerator's code, not ours to
//! copy. An operator converts them with `scripts/catgen/export_svg_patterns.py`, which runs
//! their own CatGenerator checkout and writes each as an `svg` pattern (cg3's extension),
//! rasterised here by resvg.

use std::sync::OnceLock;

use serde_json::Value;

use crate::cell::CELL;

/// Why a pattern cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The definition is malformed; CatGenerator skips the pattern's multiply then.
    #[error("invalid pattern: {0}")]
    Invalid(String),
    /// A type CatGenerator draws from SVG templates of its own, which cg3 does not ship.
    #[error(
        "pattern type `{0}` is drawn from CatGenerator's SVG templates; convert the palette \
         folder with scripts/catgen/export_svg_patterns.py and point CG3_PALETTE_ROOT at the result"
    )]
    NotDrawnHere(String),
}

/// Pattern types CatGenerator V3 knows but this renderer does not draw.
const NOT_DRAWN_HERE: &[&str] = &[
    "flag_canada",
    "flag_switzerland",
    "flag_uk",
    "flag_turkey",
    "flag_israel",
    "flag_scotland",
    "flag_jamaica",
    "flag_china",
    "flag_australia",
    "seigaiha",
    "asanoha",
    "shippo",
    "islamic_star",
    "fleur_de_lis",
    "paisley",
    "greek_key",
    "art_deco_fan",
    "kikko",
    "sayagata",
    "chinese_lattice",
    "ruyi_cloud",
    "batik_kawung",
    "batik_parang",
    "karakusa",
    "kolam",
    "mudcloth",
    "adinkra",
    "tachiwaki",
    "bishamon_kikko",
    "quatrefoil",
    "herringbone",
    "trellis",
    "damask",
    "chainmail",
    "four_point_star_motif",
    "celtic_knot",
];

/// The pattern types drawn here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Tartan,
    Gingham,
    Houndstooth,
    Pinstripe,
    Chevron,
    Polkadot,
    Argyle,
    Buffalo,
    Checkerboard,
    Windowpane,
    Diagonal,
    Basketweave,
    Flag,
    Uroko,
    EightPointStar,
    Kente,
    Shweshwe,
    ChineseCoin,
    Dancheong,
    SameKomon,
    Kanoko,
    Hishi,
    NordicSnowflake,
    NordicDiamond,
    NativeStep,
    Camouflage,
    /// cg3's extension: an SVG document rasterised at `tileSize` (what CatGenerator's SVG
    /// pattern types produce; `scripts/catgen/export_svg_patterns.py` writes them).
    Svg,
}

impl Kind {
    fn from_name(s: &str) -> Option<Self> {
        Some(match s {
            "tartan" => Self::Tartan,
            "gingham" => Self::Gingham,
            "houndstooth" => Self::Houndstooth,
            "pinstripe" => Self::Pinstripe,
            "chevron" => Self::Chevron,
            "polkadot" => Self::Polkadot,
            "argyle" => Self::Argyle,
            "buffalo" => Self::Buffalo,
            "checkerboard" => Self::Checkerboard,
            "windowpane" => Self::Windowpane,
            "diagonal" => Self::Diagonal,
            "basketweave" => Self::Basketweave,
            "flag" => Self::Flag,
            "uroko" => Self::Uroko,
            "eight_point_star" => Self::EightPointStar,
            "kente" => Self::Kente,
            "shweshwe" => Self::Shweshwe,
            "chinese_coin" => Self::ChineseCoin,
            "dancheong" => Self::Dancheong,
            "same_komon" => Self::SameKomon,
            "kanoko" => Self::Kanoko,
            "hishi" => Self::Hishi,
            "nordic_snowflake" => Self::NordicSnowflake,
            "nordic_diamond" => Self::NordicDiamond,
            "native_step" => Self::NativeStep,
            "camouflage" => Self::Camouflage,
            "svg" => Self::Svg,
            _ => return None,
        })
    }
}

type Rgb = [f32; 3];

#[derive(Debug, Clone, PartialEq)]
struct Stripe {
    color: Rgb,
    width: i64,
    offset: i64,
}

/// A parsed pattern definition.
#[derive(Debug, Clone, PartialEq)]
struct Definition {
    kind: Kind,
    tile_size: usize,
    background: Rgb,
    foreground: Rgb,
    stripes: Vec<Stripe>,
    spacing: i64,
    /// The document of an `svg` pattern.
    svg: Option<String>,
}

/// A generated tile: `h` rows of `w` colours.
#[derive(Debug, Clone, PartialEq)]
struct Tile {
    w: usize,
    h: usize,
    px: Vec<Rgb>,
}

/// A pattern, its tile generated on first use (most palette colours are never drawn).
#[derive(Debug)]
pub struct PatternTile {
    def: Definition,
    tile: OnceLock<Tile>,
}

impl PatternTile {
    /// Parses a `pattern` object as CatGenerator's `PatternDefinition.from_dict` does.
    ///
    /// # Errors
    /// [`PatternError`].
    pub fn from_definition(v: &Value) -> Result<Self, PatternError> {
        let bad = |m: &str| PatternError::Invalid(m.to_owned());
        let obj = v.as_object().ok_or_else(|| bad("not an object"))?;
        let ty = obj
            .get("type")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("missing `type`"))?;
        let kind = match Kind::from_name(ty) {
            Some(k) => k,
            None if NOT_DRAWN_HERE.contains(&ty) => {
                return Err(PatternError::NotDrawnHere(ty.to_owned()));
            }
            None => {
                return Err(PatternError::Invalid(format!(
                    "unknown pattern type `{ty}`"
                )));
            }
        };
        let tile_size = match obj.get("tileSize") {
            None => 8,
            Some(t) => t
                .as_i64()
                .filter(|t| (1..=256).contains(t))
                .ok_or_else(|| bad("tileSize must be a whole number in 1..=256"))?
                as usize,
        };
        let colour = |v: &Value| -> Result<Rgb, PatternError> {
            let a = v
                .as_array()
                .filter(|a| a.len() == 3)
                .ok_or_else(|| bad("a colour must be [r, g, b]"))?;
            let mut out = [0.0; 3];
            for (o, x) in out.iter_mut().zip(a) {
                *o = x.as_f64().ok_or_else(|| bad("a colour must be numbers"))? as f32 / 255.0;
            }
            Ok(out)
        };
        let int = |v: Option<&Value>, default: i64| -> Result<i64, PatternError> {
            v.map_or(Ok(default), |v| {
                v.as_i64()
                    .ok_or_else(|| bad("widths, offsets and spacing are whole numbers"))
            })
        };
        let mut stripes = Vec::new();
        if let Some(list) = obj.get("stripes") {
            for s in list
                .as_array()
                .ok_or_else(|| bad("stripes must be a list"))?
            {
                let s = s.as_object().ok_or_else(|| bad("a stripe is an object"))?;
                stripes.push(Stripe {
                    color: colour(
                        s.get("color")
                            .ok_or_else(|| bad("a stripe needs `color`"))?,
                    )?,
                    width: int(s.get("width"), 1)?,
                    offset: int(s.get("offset"), 0)?,
                });
            }
        }
        let background = match obj.get("background") {
            None => [128.0 / 255.0; 3],
            Some(b) => colour(b)?,
        };
        let foreground = match obj.get("foreground") {
            Some(f) if !f.is_null() && f.as_array().is_none_or(|a| !a.is_empty()) => colour(f)?,
            _ => [1.0; 3],
        };
        let def = Definition {
            kind,
            tile_size,
            background,
            foreground,
            stripes,
            spacing: int(obj.get("spacing"), 6)?,
            svg: obj.get("svg").and_then(Value::as_str).map(str::to_owned),
        };
        if def.kind == Kind::Svg && def.svg.is_none() {
            return Err(bad("an svg pattern needs `svg`, the document"));
        }
        if def.kind == Kind::Flag
            && !def.stripes.is_empty()
            && def.stripes.iter().map(|s| s.width).sum::<i64>() == 0
        {
            return Err(bad("flag stripes have a total width of 0"));
        }
        Ok(Self {
            def,
            tile: OnceLock::new(),
        })
    }

    /// The tile colour over sprite pixel (`x`, `y`) (`np.tile` repeats the tile from the
    /// top-left corner).
    #[inline]
    #[must_use]
    pub fn at(&self, x: usize, y: usize) -> Rgb {
        let t = self.tile.get_or_init(|| generate(&self.def));
        t.px[(y % t.h) * t.w + x % t.w]
    }
}

fn blend_half(a: Rgb, b: Rgb) -> Rgb {
    std::array::from_fn(|c| 0.5 * a[c] + 0.5 * b[c])
}

fn clip(c: Rgb) -> Rgb {
    c.map(|v| v.clamp(0.0, 1.0))
}

/// `(1 - t) * a + t * b` with `t` a float64 factor, converted to float32.
fn lerp64(a: Rgb, b: Rgb, t: f64) -> Rgb {
    std::array::from_fn(|c| ((1.0 - t) * f64::from(a[c]) + t * f64::from(b[c])) as f32)
}

fn generate(d: &Definition) -> Tile {
    let ts = d.tile_size;
    let (bg, fg) = (d.background, d.foreground);
    let square = |ts: usize, f: &dyn Fn(usize, usize) -> Rgb| Tile {
        w: ts,
        h: ts,
        px: (0..ts * ts).map(|i| f(i % ts, i / ts)).collect(),
    };
    match d.kind {
        Kind::Tartan => {
            let mut t = square(ts, &|_, _| bg);
            for s in &d.stripes {
                for i in 0..s.width.max(0) {
                    let idx = (s.offset + i).rem_euclid(ts as i64) as usize;
                    for x in 0..ts {
                        t.px[idx * ts + x] = blend_half(t.px[idx * ts + x], s.color);
                    }
                    for y in 0..ts {
                        t.px[y * ts + idx] = blend_half(t.px[y * ts + idx], s.color);
                    }
                }
            }
            t.px.iter_mut().for_each(|p| *p = clip(*p));
            t
        }
        Kind::Gingham => {
            let half = ts / 2;
            let mid = blend_half(bg, fg);
            square(ts, &|x, y| match (y < half, x < half) {
                (true, true) => bg,
                (false, false) => fg,
                _ => mid,
            })
        }
        Kind::Houndstooth => {
            let half = (ts / 2).max(2);
            let step = (half / 4).max(1);
            square(ts, &|x, y| {
                let (cy, cx) = (y % half, x % half);
                let quadrant = (y / half % 2) * 2 + x / half % 2;
                let dark = (cx / step) * step <= cy;
                let inverted = quadrant == 1 || quadrant == 2;
                if dark != inverted { fg } else { bg }
            })
        }
        Kind::Pinstripe => {
            let spacing = d.spacing.max(2) as usize;
            square(ts, &|x, _| if x.is_multiple_of(spacing) { fg } else { bg })
        }
        Kind::Chevron => {
            let w = d.spacing.max(2) as usize;
            let half = CELL / 2;
            square(CELL, &|x, y| {
                let mx = if x < half { x } else { CELL - 1 - x };
                if (y + mx) % w < w / 2 { fg } else { bg }
            })
        }
        Kind::Polkadot => {
            let n = ts as f64;
            let radius = n / 3.0;
            square(ts, &|x, y| {
                let dx = x as f64 + 0.5 - n / 2.0;
                let dy = y as f64 + 0.5 - n / 2.0;
                let dist = (dx * dx + dy * dy).sqrt();
                let t = ((radius - dist) / 0.8).clamp(0.0, 1.0);
                lerp64(bg, fg, t)
            })
        }
        Kind::Argyle => {
            let c = ts as f64 / 2.0;
            let n = ts as i64;
            square(ts, &|x, y| {
                let diamond =
                    ((x as f64 + 0.5 - c).abs() / c + (y as f64 + 0.5 - c).abs() / c) <= 1.0;
                let mut p = if diamond { fg } else { bg };
                let (xi, yi) = (x as i64, y as i64);
                if (xi + yi).rem_euclid(n) == 0 || (xi - yi).rem_euclid(n) == 0 {
                    if d.stripes.is_empty() {
                        p = blend_half(bg, fg);
                    } else {
                        for s in &d.stripes {
                            p = blend_half(p, s.color);
                        }
                    }
                }
                clip(p)
            })
        }
        Kind::Buffalo => {
            let half = ts / 2;
            let dark: Rgb = std::array::from_fn(|c| 0.3 * bg[c] + 0.15 * fg[c]);
            square(ts, &|x, y| {
                clip(match (y < half, x < half) {
                    (true, true) => bg,
                    (false, false) => dark,
                    _ => fg,
                })
            })
        }
        Kind::Checkerboard => {
            let half = (ts / 2).max(1);
            square(ts, &|x, y| {
                if (y / half + x / half).is_multiple_of(2) {
                    bg
                } else {
                    fg
                }
            })
        }
        Kind::Windowpane => square(ts, &|x, y| if x == 0 || y == 0 { fg } else { bg }),
        Kind::Diagonal => {
            let w = d.spacing.max(2) as usize;
            square(CELL, &|x, y| if (x + y) % (w * 2) < w { fg } else { bg })
        }
        Kind::Basketweave => {
            let half = (ts / 2).max(1);
            let div = half.saturating_sub(1).max(1) as f64;
            square(ts, &|x, y| {
                if (y / half + x / half).is_multiple_of(2) {
                    clip(lerp64(bg, fg, (x % half) as f64 / div * 0.15))
                } else {
                    clip(lerp64(fg, bg, (y % half) as f64 / div * 0.15))
                }
            })
        }
        Kind::Flag => {
            let mut rows = vec![bg; ts];
            if d.stripes.is_empty() {
                rows[ts / 2..].fill(fg);
            } else {
                let total: i64 = d.stripes.iter().map(|s| s.width).sum();
                let mut y = 0usize;
                for (i, s) in d.stripes.iter().enumerate() {
                    let h = if i == d.stripes.len() - 1 {
                        ts - y
                    } else {
                        let share = (ts as i64 * s.width) as f64 / total as f64;
                        (share.round_ties_even() as i64).max(1) as usize
                    };
                    let end = (y + h).min(ts);
                    rows[y..end].fill(s.color);
                    y = end;
                    if y >= ts {
                        break;
                    }
                }
            }
            square(ts, &|_, y| rows[y])
        }
        Kind::Svg => rasterise(d.svg.as_deref().unwrap_or_default(), ts),
        kind => motif(kind, ts, bg, fg),
    }
}

/// An SVG document drawn at `ts`×`ts` by resvg, as CatGenerator draws its SVG patterns with
/// cairosvg (scaled to the output size) and PIL (`convert("RGB")`: straight colour, alpha
/// dropped). A document that does not parse gives CatGenerator's fallback, a 0.5 grey tile.
fn rasterise(svg: &str, ts: usize) -> Tile {
    use resvg::{tiny_skia, usvg};
    let grey = Tile {
        w: ts,
        h: ts,
        px: vec![[0.5; 3]; ts * ts],
    };
    // cairosvg draws the document's viewBox into the output size with the document's own
    // `preserveAspectRatio` (letterboxed for the default `meet`): the same as giving the
    // root element that size.
    let Some(sized) = sized_root(svg, ts) else {
        return grey;
    };
    let Ok(tree) = usvg::Tree::from_str(&sized, &usvg::Options::default()) else {
        return grey;
    };
    let side = ts as u32;
    let Some(mut pixmap) = tiny_skia::Pixmap::new(side, side) else {
        return grey;
    };
    let size = tree.size();
    let transform =
        tiny_skia::Transform::from_scale(side as f32 / size.width(), side as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Tile {
        w: ts,
        h: ts,
        px: pixmap
            .pixels()
            .iter()
            .map(|p| {
                let c = p.demultiply();
                [c.red(), c.green(), c.blue()].map(|v| f32::from(v) / 255.0)
            })
            .collect(),
    }
}

/// `svg` with its root element sized `ts`×`ts` (a document without a viewBox gets one from
/// its own width and height first, so its content still scales). `None` without a root.
fn sized_root(svg: &str, ts: usize) -> Option<String> {
    let start = svg.find("<svg")?;
    let end = start + svg[start..].find('>')?;
    let tag = &svg[start..end];
    let attr = |name: &str| -> Option<(usize, usize, &str)> {
        for quote in ['"', '\''] {
            let key = format!(" {name}={quote}");
            if let Some(at) = tag.find(&key) {
                let value_start = at + key.len();
                let len = tag[value_start..].find(quote)?;
                return Some((
                    at,
                    value_start + len + 1,
                    &tag[value_start..value_start + len],
                ));
            }
        }
        None
    };
    let number = |v: &str| v.trim().trim_end_matches("px").parse::<f64>().ok();
    let mut new_tag = tag.to_owned();
    // Remove width and height (the later one first, so the first one's offsets stay valid).
    let mut spans: Vec<(usize, usize)> = ["width", "height"]
        .iter()
        .filter_map(|n| attr(n).map(|(a, b, _)| (a, b)))
        .collect();
    spans.sort_unstable();
    for (a, b) in spans.into_iter().rev() {
        new_tag.replace_range(a..b, "");
    }
    let mut extra = format!(" width=\"{ts}\" height=\"{ts}\"");
    if attr("viewBox").is_none() {
        let w = attr("width").and_then(|(_, _, v)| number(v))?;
        let h = attr("height").and_then(|(_, _, v)| number(v))?;
        extra.push_str(&format!(" viewBox=\"0 0 {w} {h}\""));
    }
    new_tag.push_str(&extra);
    Some(format!("{}{new_tag}{}", &svg[..start], &svg[end..]))
}

/// `np.where(mask, fg, bg)` over a `ts`×`ts` tile.
fn masked(ts: usize, bg: Rgb, fg: Rgb, mask: impl Fn(usize, usize) -> bool) -> Tile {
    Tile {
        w: ts,
        h: ts,
        px: (0..ts * ts)
            .map(|i| if mask(i % ts, i / ts) { fg } else { bg })
            .collect(),
    }
}

/// The geometric world motifs: masks over distances from the tile's centre or grid cells.
/// Distances are float64 (`np.mgrid` integers meet Python floats) unless CatGenerator casts
/// them to float32 first (`uroko`, `same_komon`, `kanoko`).
fn motif(kind: Kind, ts: usize, bg: Rgb, fg: Rgb) -> Tile {
    let n = ts as f64;
    let center = n / 2.0;
    // |x + 0.5 - centre|, |y + 0.5 - centre|.
    let off = move |x: usize, y: usize| {
        (
            (x as f64 + 0.5 - center).abs(),
            (y as f64 + 0.5 - center).abs(),
        )
    };
    match kind {
        Kind::Uroko => {
            let half = (ts / 2).max(2);
            masked(ts, bg, fg, |x, y| {
                let cy = (y % half) as f32 / half as f32;
                let cx = (x % half) as f32 / half as f32;
                let up = cy < 1.0 - (2.0 * cx - 1.0).abs();
                let flipped = (y / half + x / half) % 2 == 1;
                up != flipped
            })
        }
        Kind::EightPointStar => masked(ts, bg, fg, |x, y| {
            let (dx, dy) = off(x, y);
            let side = n * 0.22;
            (dx <= side && dy <= side) || dx + dy <= n * 0.4
        }),
        Kind::Kente => {
            let half = (ts / 2).max(2);
            let sw = (half / 3).max(2);
            let mid = blend_half(bg, fg);
            let t = masked(ts, mid, fg, |x, y| {
                if (y / half + x / half).is_multiple_of(2) {
                    y % sw < sw / 2
                } else {
                    x % sw < sw / 2
                }
            });
            Tile {
                px: t.px.into_iter().map(clip).collect(),
                ..t
            }
        }
        Kind::Shweshwe => {
            let spacing = (ts / 4).max(3);
            let half = spacing / 2;
            let h = half as i64;
            masked(ts, bg, fg, |x, y| {
                let d = |a: usize, b: usize| {
                    ((a % spacing) as i64 - h).abs() + ((b % spacing) as i64 - h).abs()
                };
                (d(y, x) as f64) <= half as f64 * 0.7
                    || (d(y + half, x + half) as f64) <= half as f64 * 0.5
            })
        }
        Kind::ChineseCoin => masked(ts, bg, fg, |x, y| {
            let (dx, dy) = off(x, y);
            let hole = n * 0.12;
            (dx * dx + dy * dy).sqrt() <= n * 0.42 && !(dx <= hole && dy <= hole)
        }),
        Kind::Dancheong => {
            let ring = (n / 6.0).max(1.5);
            masked(ts, bg, fg, |x, y| {
                let (dx, dy) = off(x, y);
                ((dx.max(dy) / ring) as i64) % 2 == 0
            })
        }
        Kind::SameKomon | Kind::Kanoko => {
            let spacing = if kind == Kind::SameKomon {
                (ts / 4).max(2)
            } else {
                (ts / 3).max(2)
            };
            let half = spacing / 2;
            let hf = half as f32;
            masked(ts, bg, fg, |x, y| {
                let shift = (y / spacing % 2) * half;
                let cy = (y % spacing) as f32 - hf;
                let cx = ((x + shift) % spacing) as f32 - hf;
                let dist = (cx * cx + cy * cy).sqrt();
                if kind == Kind::SameKomon {
                    dist < (half as f64 * 0.6) as f32
                } else {
                    dist > (half as f64 * 0.25) as f32 && dist < (half as f64 * 0.7) as f32
                }
            })
        }
        Kind::Hishi => masked(ts, bg, fg, |x, y| {
            let (dx, dy) = off(x, y);
            let d = dx / center + dy / center;
            (d - 0.6).abs() < 0.08 || (d - 0.85).abs() < 0.06
        }),
        Kind::NordicSnowflake => masked(ts, bg, fg, |x, y| {
            let (dx, dy) = off(x, y);
            let arm = n * 0.08;
            let diag_w = n * 0.06;
            let s = dx + dy;
            let cross = (dx < arm || dy < arm) && s < center * 0.9;
            let diag = (dx - dy).abs() < diag_w && s < center * 0.85;
            let dots = s > center * 0.6 && s < center * 0.75 && (dx < arm * 2.0 || dy < arm * 2.0);
            cross || diag || dots
        }),
        Kind::NordicDiamond => masked(ts, bg, fg, |x, y| {
            let (dx, dy) = off(x, y);
            let arm = n * 0.06;
            (dx / center + dy / center - 0.7).abs() < 0.1 || (dx < arm && dy < arm)
        }),
        Kind::NativeStep => {
            let step = (ts / 6).max(1) as f64;
            masked(ts, bg, fg, |x, y| {
                let (dx, dy) = off(x, y);
                (dx / step).floor() * step + (dy / step).floor() * step <= center * 0.7
            })
        }
        Kind::Camouflage => {
            let pi = std::f64::consts::PI;
            let (f1, f2, f3) = (2.0 * pi / n, 2.0 * pi * 2.0 / n, 2.0 * pi * 3.0 / n);
            masked(ts, bg, fg, |x, y| {
                let (xf, yf) = (x as f64, y as f64);
                let (s, d) = ((x + y) as f64, x as f64 - y as f64);
                let v1 = (xf * f1).sin() + (yf * f2).sin();
                let v2 = (s * f1).sin() + (d * f2).cos();
                let v3 = (xf * f3 + 1.0).sin() + (yf * f2 + 2.0).cos();
                v1 + v2 * 0.7 + v3 * 0.5 > 0.5
            })
        }
        // The textile types are drawn in `generate`.
        _ => masked(ts, bg, fg, |_, _| false),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn known_but_undrawn_types_are_named_and_unknown_ones_are_invalid() {
        let e = PatternTile::from_definition(&json!({"type": "seigaiha"})).unwrap_err();
        assert_eq!(e, PatternError::NotDrawnHere("seigaiha".into()));
        let e = PatternTile::from_definition(&json!({"type": "zigzagzoo"})).unwrap_err();
        assert!(matches!(e, PatternError::Invalid(_)));
        let e =
            PatternTile::from_definition(&json!({"type": "tartan", "tileSize": 0})).unwrap_err();
        assert!(matches!(e, PatternError::Invalid(_)));
    }

    #[test]
    fn tiles_repeat_from_the_top_left_corner() {
        let p = PatternTile::from_definition(&json!({
            "type": "checkerboard", "tileSize": 4, "background": [255, 0, 0], "foreground": [0, 0, 255]
        }))
        .expect("valid");
        assert_eq!(p.at(0, 0), [1.0, 0.0, 0.0]);
        assert_eq!(p.at(2, 0), [0.0, 0.0, 1.0]);
        assert_eq!(p.at(4, 0), [1.0, 0.0, 0.0]);
        assert_eq!(p.at(49, 49), p.at(1, 1));
    }

    #[test]
    fn flag_stripes_split_the_height_by_weight_with_the_rest_in_the_last() {
        let p = PatternTile::from_definition(&json!({
            "type": "flag", "tileSize": 50, "background": [0, 0, 0],
            "stripes": [{"color": [255, 0, 0], "width": 1}, {"color": [0, 255, 0], "width": 2}]
        }))
        .expect("valid");
        // round(50 * 1 / 3) = 17 rows of red, then 33 of green.
        assert_eq!(p.at(0, 16), [1.0, 0.0, 0.0]);
        assert_eq!(p.at(0, 17), [0.0, 1.0, 0.0]);
    }
}
