//! `CircuitBreaker`: closed → open after N consecutive backend failures → half-open after the
//! reset time, where one probe decides closed or open again. Time comes from a [`Clock`] so
//! tests move it by hand instead of sleeping.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use serde::Serialize;

/// A source of "now".
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }
}

impl ManualClock {
    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock()
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Work flows.
    Closed,
    /// Work is refused until the reset time passed.
    Open,
    /// One probe is allowed through.
    HalfOpen,
}

impl CircuitState {
    /// `closed`, `open` or `half_open`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    /// 0 closed, 1 open, 2 half-open (the metric's value).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
        }
    }
}

#[derive(Debug)]
struct Inner {
    state: CircuitState,
    failures: usize,
    opened_at: Instant,
    /// When the half-open probe was let through; a probe that never reports back (dropped
    /// before work) stops blocking after another reset period.
    probe_since: Option<Instant>,
}

/// The breaker shared by handlers (admission) and workers (outcomes).
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: usize,
    reset: Duration,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
}

impl CircuitBreaker {
    /// A closed breaker.
    #[must_use]
    pub fn new(threshold: usize, reset: Duration, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now();
        Self {
            threshold: threshold.max(1),
            reset,
            clock,
            inner: Mutex::new(Inner {
                state: CircuitState::Closed,
                failures: 0,
                opened_at: now,
                probe_since: None,
            }),
        }
    }

    /// Asks to send one job. `Err(retry_after)` while open, or while a half-open probe is out.
    ///
    /// # Errors
    /// The time until a probe may be tried.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        let now = self.clock.now();
        let mut s = self.inner.lock();
        match s.state {
            CircuitState::Closed => Ok(()),
            CircuitState::Open => {
                let ready_at = s.opened_at + self.reset;
                if now >= ready_at {
                    s.state = CircuitState::HalfOpen;
                    s.probe_since = Some(now);
                    tracing::info!(target: "renderer.breaker", "circuit half-open: probing");
                    Ok(())
                } else {
                    Err(ready_at - now)
                }
            }
            CircuitState::HalfOpen => match s.probe_since {
                Some(t) if now < t + self.reset => Err((t + self.reset) - now),
                _ => {
                    s.probe_since = Some(now);
                    Ok(())
                }
            },
        }
    }

    /// A job succeeded.
    pub fn record_success(&self) {
        let mut s = self.inner.lock();
        match s.state {
            CircuitState::Closed => s.failures = 0,
            CircuitState::HalfOpen => {
                s.state = CircuitState::Closed;
                s.failures = 0;
                s.probe_since = None;
                tracing::info!(target: "renderer.breaker", "circuit closed");
            }
            // A job admitted before the breaker opened says nothing about now.
            CircuitState::Open => {}
        }
    }

    /// A job failed on the server side.
    pub fn record_failure(&self) {
        let now = self.clock.now();
        let mut s = self.inner.lock();
        match s.state {
            CircuitState::Closed => {
                s.failures += 1;
                if s.failures >= self.threshold {
                    s.state = CircuitState::Open;
                    s.opened_at = now;
                    tracing::warn!(
                        target: "renderer.breaker",
                        failures = s.failures,
                        "circuit open"
                    );
                }
            }
            CircuitState::HalfOpen => {
                s.state = CircuitState::Open;
                s.opened_at = now;
                s.probe_since = None;
                tracing::warn!(target: "renderer.breaker", "probe failed: circuit open again");
            }
            CircuitState::Open => {}
        }
    }

    /// The current state (open turns half-open only when a request asks).
    #[must_use]
    pub fn state(&self) -> CircuitState {
        self.inner.lock().state
    }

    /// Seconds until an open breaker lets a probe through (0 otherwise).
    #[must_use]
    pub fn retry_after(&self) -> Duration {
        let s = self.inner.lock();
        if s.state == CircuitState::Open {
            (s.opened_at + self.reset).saturating_duration_since(self.clock.now())
        } else {
            Duration::ZERO
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker(n: usize) -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::default());
        (
            CircuitBreaker::new(n, Duration::from_secs(12), clock.clone()),
            clock,
        )
    }

    #[test]
    fn opens_after_the_threshold_of_consecutive_failures() {
        let (b, _) = breaker(3);
        b.record_failure();
        b.record_failure();
        assert!(b.try_acquire().is_ok());
        b.record_failure();
        assert_eq!(b.state(), CircuitState::Open);
        let wait = b.try_acquire().expect_err("must fail");
        assert_eq!(wait, Duration::from_secs(12));
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let (b, _) = breaker(2);
        b.record_failure();
        b.record_success();
        b.record_failure();
        assert_eq!(b.state(), CircuitState::Closed);
    }

    #[test]
    fn half_open_lets_one_probe_through_and_a_success_closes() {
        let (b, clock) = breaker(1);
        b.record_failure();
        clock.advance(Duration::from_secs(11));
        assert!(b.try_acquire().is_err());
        clock.advance(Duration::from_secs(1));
        assert!(b.try_acquire().is_ok());
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert!(b.try_acquire().is_err(), "only one probe at a time");
        b.record_success();
        assert_eq!(b.state(), CircuitState::Closed);
        assert!(b.try_acquire().is_ok());
    }

    #[test]
    fn a_failed_probe_opens_the_breaker_for_another_reset_period() {
        let (b, clock) = breaker(1);
        b.record_failure();
        clock.advance(Duration::from_secs(12));
        assert!(b.try_acquire().is_ok());
        b.record_failure();
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(
            b.try_acquire().expect_err("must fail"),
            Duration::from_secs(12)
        );
    }

    #[test]
    fn a_lost_probe_stops_blocking_after_a_reset_period() {
        let (b, clock) = breaker(1);
        b.record_failure();
        clock.advance(Duration::from_secs(12));
        assert!(b.try_acquire().is_ok());
        clock.advance(Duration::from_secs(12));
        assert!(b.try_acquire().is_ok());
    }
}
