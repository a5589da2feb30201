//! NumPy's arithmetic as CatGenerator V3 runs it (NumPy 2, NEP 50 promotion), for the two
//! float stages only CatGenerator draws: palette tints and the Dark Forest multiply.
//!
//! NumPy keeps an array in `float32` while it meets only `float32` arrays and Python scalars
//! (which adopt the array's type), and moves it to `float64` as soon as it meets a NumPy
//! `float64` scalar (such as `np.clip(0.2, 0.0, 1.0)`). [`Num`] carries that type with the
//! value so every operation rounds where NumPy's does. Rust never fuses `a * b + c` into an
//! FMA, and neither does NumPy, so each step rounds once, as there.

/// A value of a NumPy array: its dtype and the value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Num {
    /// A `float32` element.
    F32(f32),
    /// A `float64` element.
    F64(f64),
}

impl Num {
    /// `np.asarray(u8, float32) / 255.0`.
    #[must_use]
    pub fn unit(v: u8) -> Self {
        Self::F32(f32::from(v) / 255.0)
    }

    /// The value as `float64` (exact for either type).
    #[must_use]
    pub fn f64(self) -> f64 {
        match self {
            Self::F32(x) => f64::from(x),
            Self::F64(x) => x,
        }
    }

    /// `self ∘ other` for two arrays (or an array and a NumPy scalar): `float32` only when
    /// both are.
    fn bin(self, other: Self, f32op: fn(f32, f32) -> f32, f64op: fn(f64, f64) -> f64) -> Self {
        match (self, other) {
            (Self::F32(a), Self::F32(b)) => Self::F32(f32op(a, b)),
            (a, b) => Self::F64(f64op(a.f64(), b.f64())),
        }
    }

    /// `python_float - self`: the Python scalar takes the array's type.
    #[must_use]
    pub fn rsub_py(self, s: f64) -> Self {
        match self {
            Self::F32(x) => Self::F32(s as f32 - x),
            Self::F64(x) => Self::F64(s - x),
        }
    }

    /// `python_float * self`.
    #[must_use]
    pub fn mul_py(self, s: f64) -> Self {
        match self {
            Self::F32(x) => Self::F32(s as f32 * x),
            Self::F64(x) => Self::F64(s * x),
        }
    }

    /// `self <= python_float`.
    #[must_use]
    pub fn le_py(self, s: f64) -> bool {
        match self {
            Self::F32(x) => x <= s as f32,
            Self::F64(x) => x <= s,
        }
    }

    /// `np.clip(self, 0.0, 1.0)`.
    #[must_use]
    pub fn clip01(self) -> Self {
        match self {
            Self::F32(x) => Self::F32(x.clamp(0.0, 1.0)),
            Self::F64(x) => Self::F64(x.clamp(0.0, 1.0)),
        }
    }

    /// Stored into a `float32` array (`arr[...] = value`).
    #[must_use]
    pub fn to_f32(self) -> f32 {
        match self {
            Self::F32(x) => x,
            Self::F64(x) => x as f32,
        }
    }
}

impl std::ops::Mul for Num {
    type Output = Self;

    /// `self * other`.
    fn mul(self, other: Self) -> Self {
        self.bin(other, |a, b| a * b, |a, b| a * b)
    }
}

impl std::ops::Add for Num {
    type Output = Self;

    /// `self + other`.
    fn add(self, other: Self) -> Self {
        self.bin(other, |a, b| a + b, |a, b| a + b)
    }
}

/// `np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8)` for a `float32` element.
#[must_use]
pub fn to_u8(x: f32) -> u8 {
    (x * 255.0).round_ties_even().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float32_stays_float32_until_a_float64_scalar_arrives() {
        let a = Num::unit(200);
        assert!(matches!(a * Num::unit(3), Num::F32(_)));
        assert!(matches!(a.mul_py(0.5), Num::F32(_)));
        assert!(matches!(a * Num::F64(0.2), Num::F64(_)));
    }

    #[test]
    fn unit_values_come_back_to_the_same_byte() {
        for v in 0..=255u8 {
            assert_eq!(to_u8(Num::unit(v).to_f32()), v);
        }
    }

    #[test]
    fn rint_rounds_halves_to_even() {
        // 0.5 / 255 * 255 lands on exactly 0.5 in f32 only for crafted inputs; test rint.
        assert_eq!((2.5f32).round_ties_even(), 2.0);
        assert_eq!((3.5f32).round_ties_even(), 4.0);
    }
}
