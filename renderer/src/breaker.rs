//! `CircuitBreaker`: the service's (and the GPU-local) breaker — the one state machine,
//! [`renderer_client::breaker::Breaker`], behind a lock, with time from a [`Clock`] so
//! tests move it by hand instead of sleeping, and a log line for each change of state.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
pub use renderer_client::breaker::CircuitState;
use renderer_client::breaker::{Admission, Breaker, Transition};
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

/// The breaker shared by handlers (admission) and workers (outcomes).
#[derive(Debug)]
pub struct CircuitBreaker {
    clock: Arc<dyn Clock>,
    inner: Mutex<Breaker>,
}

impl CircuitBreaker {
    /// A closed breaker.
    #[must_use]
    pub fn new(threshold: usize, reset: Duration, clock: Arc<dyn Clock>) -> Self {
        let now = clock.now();
        Self {
            clock,
            inner: Mutex::new(Breaker::new(threshold, reset, now)),
        }
    }

    /// Asks to send one job. `Err(retry_after)` while open, or while a half-open probe is out.
    ///
    /// # Errors
    /// The time until a probe may be tried.
    pub fn try_acquire(&self) -> Result<(), Duration> {
        let admission = self.inner.lock().try_acquire(self.clock.now());
        match admission {
            Admission::Admitted => Ok(()),
            Admission::Probe => {
                tracing::info!(target: "renderer.breaker", "circuit half-open: probing");
                Ok(())
            }
            Admission::Refused(wait) => Err(wait),
        }
    }

    /// A job succeeded.
    pub fn record_success(&self) {
        let change = self.inner.lock().record_success();
        log(change);
    }

    /// A job failed on the server side.
    pub fn record_failure(&self) {
        let change = self.inner.lock().record_failure(self.clock.now());
        log(change);
    }

    /// The current state (open turns half-open only when a request asks).
    #[must_use]
    pub fn state(&self) -> CircuitState {
        self.inner.lock().state()
    }

    /// How long until an open breaker lets a probe through (zero otherwise).
    #[must_use]
    pub fn retry_after(&self) -> Duration {
        self.inner.lock().retry_after(self.clock.now())
    }
}

fn log(change: Option<Transition>) {
    match change {
        Some(Transition::Opened) => tracing::warn!(target: "renderer.breaker", "circuit open"),
        Some(Transition::Reopened) => {
            tracing::warn!(target: "renderer.breaker", "probe failed: circuit open again");
        }
        Some(Transition::Closed) => tracing::info!(target: "renderer.breaker", "circuit closed"),
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The state machine's rules are tested in `renderer_client::breaker`; these check that
    // the service's breaker feeds it the clock.

    #[test]
    fn the_clock_moves_an_open_breaker_to_its_probe_and_a_success_closes_it() {
        let clock = Arc::new(ManualClock::default());
        let b = CircuitBreaker::new(2, Duration::from_secs(12), clock.clone());
        b.record_failure();
        b.record_failure();
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.try_acquire(), Err(Duration::from_secs(12)));
        clock.advance(Duration::from_secs(5));
        assert_eq!(b.retry_after(), Duration::from_secs(7));
        clock.advance(Duration::from_secs(7));
        assert_eq!(b.try_acquire(), Ok(()));
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert!(b.try_acquire().is_err(), "only one probe at a time");
        b.record_success();
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(b.retry_after(), Duration::ZERO);
    }
}
