//! Counters for every outcome of the client, cheap to bump from any task.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters (relaxed atomics: they are statistics, not synchronisation).
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Calls that returned a texture.
    pub textures: AtomicU64,
    /// Calls refused at once because the breaker was open.
    pub breaker_open: AtomicU64,
    /// Calls that ended on connection errors.
    pub unreachable: AtomicU64,
    /// Calls that ended on 503 (overloaded or draining).
    pub overloaded: AtomicU64,
    /// Calls whose attempt ran past the timeout.
    pub timeouts: AtomicU64,
    /// Calls the renderer rejected with 4xx (our request was wrong).
    pub rejected: AtomicU64,
    /// Calls that ended on other 5xx or an unreadable answer.
    pub server_errors: AtomicU64,
    /// Retries sent (attempts after the first).
    pub retries: AtomicU64,
    /// Health checks that found the renderer answering.
    pub health_ok: AtomicU64,
    /// Health checks that did not.
    pub health_failed: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// See [`ClientStats::textures`].
    pub textures: u64,
    /// See [`ClientStats::breaker_open`].
    pub breaker_open: u64,
    /// See [`ClientStats::unreachable`].
    pub unreachable: u64,
    /// See [`ClientStats::overloaded`].
    pub overloaded: u64,
    /// See [`ClientStats::timeouts`].
    pub timeouts: u64,
    /// See [`ClientStats::rejected`].
    pub rejected: u64,
    /// See [`ClientStats::server_errors`].
    pub server_errors: u64,
    /// See [`ClientStats::retries`].
    pub retries: u64,
    /// See [`ClientStats::health_ok`].
    pub health_ok: u64,
    /// See [`ClientStats::health_failed`].
    pub health_failed: u64,
}

impl ClientStats {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    #[must_use]
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        StatsSnapshot {
            textures: g(&self.textures),
            breaker_open: g(&self.breaker_open),
            unreachable: g(&self.unreachable),
            overloaded: g(&self.overloaded),
            timeouts: g(&self.timeouts),
            rejected: g(&self.rejected),
            server_errors: g(&self.server_errors),
            retries: g(&self.retries),
            health_ok: g(&self.health_ok),
            health_failed: g(&self.health_failed),
        }
    }
}
