//! [`Recolour`]: what a palette colour does to the `WHITE` pelt sprite, and the Dark Forest
//! multiply, both computed as CatGenerator V3's NumPy code computes them.
//!
//! A flat colour (`multiply`, then `screen`, then `overlay`, each with an optional alpha)
//! maps every channel value on its own, so it is stored as three 256-entry tables built with
//! the float arithmetic once. A pattern multiplies each pixel by its tile's colour there, so
//! it is computed per pixel (then the `screen`/`overlay` steps).

use serde_json::Value;

use super::numeric::{Num, to_u8};
use super::pattern::{PatternError, PatternTile};
use crate::cell::CELL;

/// One blend step of a flat colour: `(1 - alpha) * rgb + alpha * blend(rgb, colour)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// `np.array(rgb, float32) / 255.0`.
    colour: [f32; 3],
    /// `np.clip(alpha, 0.0, 1.0)`, a NumPy float64.
    alpha: f64,
}

/// The `screen` and `overlay` steps that follow the multiply or the pattern.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct After {
    screen: Option<Step>,
    overlay: Option<Step>,
}

/// What a palette colour does to a sprite.
#[derive(Debug)]
pub enum Recolour {
    /// A flat colour: `table[channel][value]`.
    Table(Box<[[u8; 256]; 3]>),
    /// A procedural pattern (multiplied per pixel), then `screen`/`overlay`.
    Pattern {
        /// The tile, generated on first use.
        tile: PatternTile,
        /// What follows the pattern.
        after: After,
    },
    /// A colour this renderer cannot draw, with why (a malformed definition, or a pattern
    /// type not drawn here yet).
    Unusable(String),
}

impl Recolour {
    /// Reads one colour definition of a palette file.
    #[must_use]
    pub fn from_definition(def: &Value) -> Self {
        match Self::parse(def) {
            Ok(r) => r,
            Err(why) => Self::Unusable(why),
        }
    }

    fn parse(def: &Value) -> Result<Self, String> {
        let obj = def.as_object().ok_or("the definition is not an object")?;
        let step = |key: &str| -> Result<Option<Step>, String> {
            // CatGenerator tests each with Python truthiness: absent, null or [] do nothing.
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(a)) if a.is_empty() => Ok(None),
                Some(v) => parse_step(v).map(Some).map_err(|e| format!("`{key}`: {e}")),
            }
        };
        let after = After {
            screen: step("screen")?,
            overlay: step("overlay")?,
        };
        let pattern = obj.get("pattern").filter(|p| truthy(p));
        if let Some(p) = pattern {
            return Ok(match PatternTile::from_definition(p) {
                Ok(tile) => Self::Pattern { tile, after },
                // CatGenerator logs a failed pattern and skips the multiply.
                Err(PatternError::Invalid(_)) => Self::Table(Box::new(table(None, after))),
                Err(e @ PatternError::NotDrawnHere(_)) => Self::Unusable(e.to_string()),
            });
        }
        Ok(Self::Table(Box::new(table(step("multiply")?, after))))
    }

    /// Why this colour cannot be drawn, if it cannot.
    #[must_use]
    pub fn unusable(&self) -> Option<&str> {
        match self {
            Self::Unusable(why) => Some(why),
            _ => None,
        }
    }

    /// The recoloured RGB of the pixel at (`x`, `y`) of a 50×50 sprite.
    #[inline]
    #[must_use]
    pub fn pixel(&self, x: usize, y: usize, rgb: [u8; 3]) -> [u8; 3] {
        match self {
            Self::Table(t) => [
                t[0][rgb[0] as usize],
                t[1][rgb[1] as usize],
                t[2][rgb[2] as usize],
            ],
            Self::Pattern { tile, after } => {
                let p = tile.at(x, y);
                std::array::from_fn(|c| {
                    let v = Num::unit(rgb[c]) * Num::F32(p[c]);
                    finish(after_steps(v, c, *after))
                })
            }
            Self::Unusable(_) => rgb,
        }
    }

    /// Recolours a 50×50 RGBA8 image in place (alpha is kept).
    pub fn apply_rgba(&self, pixels: &mut [u8]) {
        for (i, px) in pixels.chunks_exact_mut(4).enumerate() {
            let [r, g, b] = self.pixel(i % CELL, i / CELL, [px[0], px[1], px[2]]);
            px[..3].copy_from_slice(&[r, g, b]);
        }
    }

    /// Whether a pixel with RGB `(0, 0, 0)` keeps it (true of multiplies and patterns, not
    /// of a screen): the CPU backend keeps its "no colour under zero alpha" facts then.
    #[must_use]
    pub fn keeps_black(&self) -> bool {
        match self {
            Self::Table(t) => t.iter().all(|c| c[0] == 0),
            Self::Pattern { after, .. } => after.screen.is_none() && after.overlay.is_none(),
            Self::Unusable(_) => true,
        }
    }
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Object(o) => !o.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::String(s) => !s.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
    }
}

fn parse_step(v: &Value) -> Result<Step, String> {
    let a = v
        .as_array()
        .ok_or("must be a list [r, g, b] or [r, g, b, alpha]")?;
    let num = |i: usize| -> Result<f64, String> {
        a.get(i)
            .and_then(Value::as_f64)
            .ok_or_else(|| format!("entry {i} must be a number"))
    };
    let colour = [
        num(0)? as f32 / 255.0,
        num(1)? as f32 / 255.0,
        num(2)? as f32 / 255.0,
    ];
    let alpha = if a.len() >= 4 {
        let raw = num(3)?;
        if raw > 1.0 { raw / 255.0 } else { raw }
    } else {
        1.0
    };
    Ok(Step {
        colour,
        alpha: alpha.clamp(0.0, 1.0),
    })
}

/// `(1.0 - alpha) * rgb + alpha * blended`, alpha a NumPy float64.
fn mix(rgb: Num, blended: Num, alpha: f64) -> Num {
    Num::F64(1.0 - alpha) * rgb + Num::F64(alpha) * blended
}

fn multiply(rgb: Num, s: Step, c: usize) -> Num {
    mix(rgb, rgb * Num::F32(s.colour[c]), s.alpha)
}

fn screen(rgb: Num, s: Step, c: usize) -> Num {
    let inv = Num::F32(s.colour[c]).rsub_py(1.0);
    mix(rgb, (rgb.rsub_py(1.0) * inv).rsub_py(1.0), s.alpha)
}

fn overlay(rgb: Num, s: Step, c: usize) -> Num {
    let col = Num::F32(s.colour[c]);
    let blended = if rgb.le_py(0.5) {
        rgb.mul_py(2.0) * col
    } else {
        (rgb.rsub_py(1.0).mul_py(2.0) * col.rsub_py(1.0)).rsub_py(1.0)
    };
    mix(rgb, blended, s.alpha)
}

fn after_steps(mut v: Num, c: usize, after: After) -> Num {
    if let Some(s) = after.screen {
        v = screen(v, s, c);
    }
    if let Some(s) = after.overlay {
        v = overlay(v, s, c);
    }
    v
}

/// `np.clip(rgb, 0, 1)`, stored into the float32 array, then to a byte.
fn finish(v: Num) -> u8 {
    to_u8(v.clip01().to_f32())
}

fn table(multiply_step: Option<Step>, after: After) -> [[u8; 256]; 3] {
    std::array::from_fn(|c| {
        std::array::from_fn(|v| {
            let mut x = Num::unit(v as u8);
            if let Some(s) = multiply_step {
                x = multiply(x, s, c);
            }
            finish(after_steps(x, c, after))
        })
    })
}

/// The colour CatGenerator V3 multiplies a Dark Forest cat by, and the alpha of that layer.
pub const DARK_FOREST_TINT: ([u8; 3], u8) = ([120, 30, 30], 200);

/// One pixel of CatGenerator V3's Dark Forest stage: a fill of [`DARK_FOREST_TINT`] whose
/// alpha is the pixel's alpha × 200/255, multiplied onto the pixel in float32
/// (`image_ops.multiply`); alpha is kept and RGB under zero alpha becomes 0.
#[must_use]
pub fn dark_forest_tint_px(px: [u8; 4]) -> [u8; 4] {
    let ([r, g, b], a) = DARK_FOREST_TINT;
    let base_alpha = f32::from(px[3]) / 255.0;
    if base_alpha <= 0.0 {
        return [0, 0, 0, to_u8(base_alpha)];
    }
    let overlay_alpha_byte = to_u8(base_alpha * (f64::from(a) / 255.0) as f32);
    let oa = f32::from(overlay_alpha_byte) / 255.0;
    let channel = |d: u8, s: u8| {
        let base = f32::from(d) / 255.0;
        let multiplied = base * (f32::from(s) / 255.0);
        to_u8(oa * multiplied + (1.0 - oa) * base)
    };
    [
        channel(px[0], r),
        channel(px[1], g),
        channel(px[2], b),
        to_u8(base_alpha),
    ]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_plain_multiply_is_the_float32_product_rounded_half_to_even() {
        let r = Recolour::from_definition(&json!({"multiply": [128, 64, 255]}));
        let Recolour::Table(t) = &r else {
            panic!("a flat colour is a table")
        };
        for v in 0..=255u8 {
            let want = ((f32::from(v) / 255.0) * (128.0f32 / 255.0) * 255.0).round_ties_even();
            assert_eq!(t[0][v as usize], want as u8, "value {v}");
        }
        assert!(r.keeps_black());
    }

    #[test]
    fn a_screen_lifts_black_and_says_so() {
        let r = Recolour::from_definition(
            &json!({"multiply": [10, 10, 10], "screen": [255, 0, 0, 0.5]}),
        );
        assert!(!r.keeps_black());
        assert!(r.pixel(0, 0, [0, 0, 0])[0] > 100);
    }

    #[test]
    fn malformed_steps_are_unusable_with_a_reason() {
        let r = Recolour::from_definition(&json!({"multiply": [10, "x", 10]}));
        assert!(
            r.unusable().is_some_and(|w| w.contains("multiply")),
            "{r:?}"
        );
    }

    #[test]
    fn dark_forest_keeps_alpha_and_clears_colour_under_zero_alpha() {
        assert_eq!(dark_forest_tint_px([200, 100, 50, 0]), [0, 0, 0, 0]);
        for a in 1..=255u8 {
            assert_eq!(dark_forest_tint_px([255, 255, 255, a])[3], a);
        }
        let [r, g, b, _] = dark_forest_tint_px([255, 255, 255, 255]);
        assert!(r > g && g == b && r < 255, "{r} {g} {b}");
    }
}
