//! The client-side circuit breaker: after `threshold` consecutive failed calls it opens and
//! calls fail at once (no socket, no wait) for `cooldown`; then it lets one probe through
//! (half-open) and closes on its success. A healthy `/health` answer while open also allows
//! the probe early, so textures come back as soon as the renderer does.
//!
//! Time is passed in, so tests drive it without sleeping.

use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Where the breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls fail fast until the cooldown ends.
    Open,
    /// One probe call is in flight; others fail fast.
    HalfOpen,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    failures: u32,
    opened_at: Option<Instant>,
}

/// Thread-safe breaker shared by all calls of one client.
#[derive(Debug)]
pub struct ClientBreaker {
    threshold: u32,
    cooldown: Duration,
    inner: Mutex<Inner>,
}

impl ClientBreaker {
    /// A closed breaker.
    #[must_use]
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                failures: 0,
                opened_at: None,
            }),
        }
    }

    /// Whether a call may go out at `now`; when open past the cooldown this admits the one
    /// probe and moves to half-open.
    pub fn try_acquire(&self, now: Instant) -> bool {
        let mut s = self.inner.lock();
        match s.state {
            BreakerState::Closed => true,
            BreakerState::HalfOpen => false,
            BreakerState::Open => {
                let cooled = s
                    .opened_at
                    .is_none_or(|t| now.saturating_duration_since(t) >= self.cooldown);
                if cooled {
                    s.state = BreakerState::HalfOpen;
                }
                cooled
            }
        }
    }

    /// A call succeeded (or failed for the caller's reasons, e.g. a 4xx): close.
    pub fn record_success(&self) {
        let mut s = self.inner.lock();
        s.state = BreakerState::Closed;
        s.failures = 0;
        s.opened_at = None;
    }

    /// A call failed for the renderer's reasons; returns true when this opened the breaker.
    pub fn record_failure(&self, now: Instant) -> bool {
        let mut s = self.inner.lock();
        s.failures = s.failures.saturating_add(1);
        let open = s.state == BreakerState::HalfOpen || s.failures >= self.threshold;
        let opened = open && s.state != BreakerState::Open;
        if open {
            s.state = BreakerState::Open;
            s.opened_at = Some(now);
        }
        opened
    }

    /// The health check saw the renderer answer: end the cooldown early so the next call
    /// probes.
    pub fn health_ok(&self) {
        let mut s = self.inner.lock();
        if s.state == BreakerState::Open {
            s.opened_at = None;
        }
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> BreakerState {
        self.inner.lock().state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_probes_after_the_cooldown_and_closes_on_success() {
        let b = ClientBreaker::new(3, Duration::from_secs(5));
        let t0 = Instant::now();
        assert!(!b.record_failure(t0));
        assert!(!b.record_failure(t0));
        assert!(b.try_acquire(t0));
        assert!(b.record_failure(t0), "third failure opens");
        assert!(!b.try_acquire(t0 + Duration::from_secs(4)));
        assert!(b.try_acquire(t0 + Duration::from_secs(5)), "the probe");
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert!(
            !b.try_acquire(t0 + Duration::from_secs(5)),
            "only one probe"
        );
        b.record_success();
        assert_eq!(b.state(), BreakerState::Closed);
    }

    #[test]
    fn a_failed_probe_reopens_for_another_cooldown() {
        let b = ClientBreaker::new(1, Duration::from_secs(5));
        let t0 = Instant::now();
        b.record_failure(t0);
        let t1 = t0 + Duration::from_secs(6);
        assert!(b.try_acquire(t1));
        b.record_failure(t1);
        assert_eq!(b.state(), BreakerState::Open);
        assert!(!b.try_acquire(t1 + Duration::from_secs(4)));
    }

    #[test]
    fn a_healthy_check_ends_the_cooldown_early() {
        let b = ClientBreaker::new(1, Duration::from_secs(60));
        let t0 = Instant::now();
        b.record_failure(t0);
        assert!(!b.try_acquire(t0));
        b.health_ok();
        assert!(b.try_acquire(t0));
    }
}
