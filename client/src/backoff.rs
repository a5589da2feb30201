//! Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
//! Jitter"): attempt `n` waits a uniform random time in `[0, min(max, base * 2^n)]`, so many
//! game servers retrying at once spread out instead of arriving together.

use std::time::Duration;

/// Delay schedule for retries.
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    rng: u64,
}

impl Backoff {
    /// A schedule starting at `base`, capped at `max`, jittered from `seed`.
    #[must_use]
    pub fn new(base: Duration, max: Duration, seed: u64) -> Self {
        Self {
            base,
            max,
            // Zero would make xorshift stick at zero.
            rng: seed | 1,
        }
    }

    /// The wait before retry number `attempt` (0 = first retry). With `retry_after` (the
    /// server's `Retry-After`), at least that long; `None` when the server asks for longer
    /// than `max`, meaning "give up now rather than stall the caller".
    pub fn delay(&mut self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let cap = self
            .base
            .saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX))
            .min(self.max);
        let jittered = cap.mul_f64(self.unit());
        match retry_after {
            Some(ra) if ra > self.max => None,
            Some(ra) => Some(jittered.max(ra)),
            None => Some(jittered),
        }
    }

    /// Uniform in `[0, 1)` from xorshift64*.
    fn unit(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (r >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A seed that differs between processes and calls (std's `RandomState` is randomly keyed).
#[must_use]
pub fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0x5eed);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_under_the_doubling_cap_and_vary() {
        let mut b = Backoff::new(Duration::from_millis(10), Duration::from_millis(70), 7);
        let mut seen = Vec::new();
        for attempt in 0..6 {
            let cap = Duration::from_millis((10u64 << attempt).min(70));
            for _ in 0..50 {
                let d = b.delay(attempt, None).expect("no retry-after");
                assert!(d <= cap, "{d:?} > {cap:?}");
                seen.push(d);
            }
        }
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 100, "jitter spreads the delays");
    }

    #[test]
    fn retry_after_is_a_floor_and_too_long_a_wait_gives_up() {
        let mut b = Backoff::new(Duration::from_millis(10), Duration::from_secs(1), 3);
        let ra = Duration::from_millis(500);
        assert!(b.delay(0, Some(ra)).expect("within max") >= ra);
        assert_eq!(b.delay(0, Some(Duration::from_secs(5))), None);
    }
}
