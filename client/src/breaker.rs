//! [`Breaker`], the one circuit-breaker state machine: the service's breaker (admission of
//! render work), the GPU-local breaker and this client's breaker are all this type behind a
//! lock. Time is passed in, so the state machine never reads a clock and tests drive it
//! without sleeping.
//!
//! Closed → open after `threshold` consecutive failures → after `reset`, half-open: one probe
//! goes through and decides closed (success) or open for another `reset` (failure). A probe
//! that never reports back (its caller gave up before the work) stops blocking after another
//! `reset`, so a lost probe cannot keep the breaker half-open forever. Outcomes of work
//! admitted before the breaker opened say nothing about now and are ignored while open.

use std::time::{Duration, Instant};

/// Where the breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Work flows.
    Closed,
    /// Work is refused until the reset time has passed.
    Open,
    /// One probe is out; other work is refused until it reports.
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

    /// 0 closed, 1 open, 2 half-open (the value of a gauge).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
        }
    }
}

/// What [`Breaker::try_acquire`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Closed: go ahead.
    Admitted,
    /// The one half-open probe: go ahead, and report how it went.
    Probe,
    /// Refused; a probe may be tried after this long.
    Refused(Duration),
}

/// A change of state worth a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Closed → open: the threshold of consecutive failures was reached.
    Opened,
    /// Half-open → open: the probe failed.
    Reopened,
    /// Half-open → closed: the probe succeeded.
    Closed,
}

/// The state machine. Not synchronised: callers hold it behind their own lock.
#[derive(Debug, Clone)]
pub struct Breaker {
    threshold: usize,
    reset: Duration,
    state: CircuitState,
    failures: usize,
    /// While open: when a probe may go.
    ready_at: Instant,
    /// While half-open: when the probe went out.
    probe_since: Option<Instant>,
}

impl Breaker {
    /// A closed breaker that opens after `threshold` (at least 1) consecutive failures and
    /// stays open for `reset`.
    #[must_use]
    pub fn new(threshold: usize, reset: Duration, now: Instant) -> Self {
        Self {
            threshold: threshold.max(1),
            reset,
            state: CircuitState::Closed,
            failures: 0,
            ready_at: now,
            probe_since: None,
        }
    }

    /// Asks to send one unit of work at `now`.
    pub fn try_acquire(&mut self, now: Instant) -> Admission {
        match self.state {
            CircuitState::Closed => Admission::Admitted,
            CircuitState::Open if now >= self.ready_at => {
                self.state = CircuitState::HalfOpen;
                self.probe_since = Some(now);
                Admission::Probe
            }
            CircuitState::Open => Admission::Refused(self.ready_at - now),
            CircuitState::HalfOpen => match self.probe_since {
                Some(t) if now < t + self.reset => Admission::Refused(t + self.reset - now),
                // The last probe never reported back: let another one go.
                _ => {
                    self.probe_since = Some(now);
                    Admission::Probe
                }
            },
        }
    }

    /// The work succeeded.
    pub fn record_success(&mut self) -> Option<Transition> {
        match self.state {
            CircuitState::Closed => {
                self.failures = 0;
                None
            }
            CircuitState::HalfOpen => {
                self.state = CircuitState::Closed;
                self.failures = 0;
                self.probe_since = None;
                Some(Transition::Closed)
            }
            CircuitState::Open => None,
        }
    }

    /// The work failed for the far side's reasons, at `now`.
    pub fn record_failure(&mut self, now: Instant) -> Option<Transition> {
        match self.state {
            CircuitState::Closed => {
                self.failures += 1;
                (self.failures >= self.threshold).then(|| {
                    self.open(now);
                    Transition::Opened
                })
            }
            CircuitState::HalfOpen => {
                self.open(now);
                Some(Transition::Reopened)
            }
            CircuitState::Open => None,
        }
    }

    /// Outside evidence that the far side is back (a healthy health check): while open, the
    /// next acquire at or after `now` is the probe.
    pub fn end_cooldown(&mut self, now: Instant) {
        if self.state == CircuitState::Open {
            self.ready_at = self.ready_at.min(now);
        }
    }

    /// The current state (open turns half-open only when work asks).
    #[must_use]
    pub fn state(&self) -> CircuitState {
        self.state
    }

    /// How long until an open breaker lets a probe through (zero otherwise).
    #[must_use]
    pub fn retry_after(&self, now: Instant) -> Duration {
        if self.state == CircuitState::Open {
            self.ready_at.saturating_duration_since(now)
        } else {
            Duration::ZERO
        }
    }

    fn open(&mut self, now: Instant) {
        self.state = CircuitState::Open;
        self.ready_at = now + self.reset;
        self.probe_since = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESET: Duration = Duration::from_secs(12);

    fn secs(t0: Instant, s: u64) -> Instant {
        t0 + Duration::from_secs(s)
    }

    #[test]
    fn opens_after_the_threshold_of_consecutive_failures() {
        let t0 = Instant::now();
        let mut b = Breaker::new(3, RESET, t0);
        assert_eq!(b.record_failure(t0), None);
        assert_eq!(b.record_failure(t0), None);
        assert_eq!(b.try_acquire(t0), Admission::Admitted);
        assert_eq!(b.record_failure(t0), Some(Transition::Opened));
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.try_acquire(t0), Admission::Refused(RESET));
        assert_eq!(b.retry_after(secs(t0, 2)), Duration::from_secs(10));
    }

    #[test]
    fn a_success_resets_the_failure_count() {
        let t0 = Instant::now();
        let mut b = Breaker::new(2, RESET, t0);
        b.record_failure(t0);
        b.record_success();
        b.record_failure(t0);
        assert_eq!(b.state(), CircuitState::Closed);
        assert_eq!(
            b.record_failure(t0),
            Some(Transition::Opened),
            "two in a row now"
        );
    }

    #[test]
    fn half_open_lets_one_probe_through_and_a_success_closes() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, RESET, t0);
        b.record_failure(t0);
        assert!(matches!(b.try_acquire(secs(t0, 11)), Admission::Refused(_)));
        assert_eq!(b.try_acquire(secs(t0, 12)), Admission::Probe);
        assert_eq!(b.state(), CircuitState::HalfOpen);
        assert!(
            matches!(b.try_acquire(secs(t0, 12)), Admission::Refused(_)),
            "only one probe at a time"
        );
        assert_eq!(b.record_success(), Some(Transition::Closed));
        assert_eq!(b.try_acquire(secs(t0, 12)), Admission::Admitted);
    }

    #[test]
    fn a_failed_probe_opens_the_breaker_for_another_reset_period() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, RESET, t0);
        b.record_failure(t0);
        let t1 = secs(t0, 12);
        assert_eq!(b.try_acquire(t1), Admission::Probe);
        assert_eq!(b.record_failure(t1), Some(Transition::Reopened));
        assert_eq!(b.try_acquire(t1), Admission::Refused(RESET));
    }

    #[test]
    fn a_lost_probe_stops_blocking_after_a_reset_period() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, RESET, t0);
        b.record_failure(t0);
        assert_eq!(b.try_acquire(secs(t0, 12)), Admission::Probe);
        assert!(matches!(b.try_acquire(secs(t0, 23)), Admission::Refused(_)));
        assert_eq!(b.try_acquire(secs(t0, 24)), Admission::Probe);
    }

    #[test]
    fn outcomes_of_work_admitted_before_opening_are_ignored_while_open() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, RESET, t0);
        b.record_failure(t0);
        assert_eq!(b.record_success(), None);
        assert_eq!(
            b.record_failure(secs(t0, 11)),
            None,
            "does not extend the reset"
        );
        assert_eq!(b.state(), CircuitState::Open);
        assert_eq!(b.try_acquire(secs(t0, 12)), Admission::Probe);
    }

    #[test]
    fn outside_evidence_ends_the_cooldown_early() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, Duration::from_secs(60), t0);
        b.record_failure(t0);
        assert!(matches!(b.try_acquire(t0), Admission::Refused(_)));
        b.end_cooldown(secs(t0, 1));
        assert_eq!(b.try_acquire(secs(t0, 1)), Admission::Probe);
        b.end_cooldown(secs(t0, 2));
        assert_eq!(b.state(), CircuitState::HalfOpen, "no effect unless open");
    }
}
