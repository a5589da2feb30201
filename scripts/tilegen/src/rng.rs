//! Seeded randomness written here, not borrowed: the tileset must never change because a
//! dependency changed its algorithm.

/// SplitMix64 (Steele, Lea and Flood 2014): tiny, fast, and good enough for art.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose whole future is fixed by the tile's name, so adding a tile never
    /// changes the pixels of another.
    #[must_use]
    pub fn for_name(name: &str) -> Self {
        // FNV-1a: a stable string hash (std's hasher may change between releases).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self { state: h }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform integer in `0..n` (`n > 0`); the modulo bias is irrelevant for art.
    pub fn below(&mut self, n: u32) -> u32 {
        (self.next_u64() % u64::from(n.max(1))) as u32
    }

    /// Picks an entry of `weighted` (value, weight) with probability proportional to weight.
    pub fn pick<T: Copy>(&mut self, weighted: &[(T, u32)]) -> T {
        let total: u32 = weighted.iter().map(|w| w.1).sum();
        let mut r = self.below(total);
        for &(v, w) in weighted {
            if r < w {
                return v;
            }
            r -= w;
        }
        weighted[weighted.len() - 1].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_gives_the_same_stream_and_another_name_another() {
        let a: Vec<u64> = (0..4).map(|_| Rng::for_name("grass").next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::for_name("grass").next_u64(),
            Rng::for_name("dirt").next_u64()
        );
    }
}
