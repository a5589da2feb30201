//! The `/health` snapshot: read from atomics and the queue's length, never from the queue
//! itself, so it answers while renders are piled up.

use serde::Serialize;

use crate::metrics::Outcome;
use crate::state::App;

/// `/health` body.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    /// `ok`, `degraded` (breaker not closed) or `draining`.
    pub status: &'static str,
    /// Jobs waiting.
    pub queue_size: usize,
    /// Queue bound.
    pub queue_capacity: usize,
    /// Worker threads.
    pub workers: usize,
    /// Workers rendering now.
    pub busy_workers: usize,
    /// True while the breaker refuses work.
    pub circuit_open: bool,
    /// `closed`, `open` or `half_open`.
    pub circuit_state: &'static str,
    /// Backend name.
    pub backend: &'static str,
    /// Jobs rendered.
    pub rendered: u64,
    /// Requests refused (queue full, breaker open, draining).
    pub rejected: u64,
    /// Jobs failed (backend error or panic).
    pub failed: u64,
    /// Answers served from the cache.
    pub cache_hits: u64,
}

impl Health {
    /// Takes the snapshot.
    #[must_use]
    pub fn of(app: &App) -> Self {
        let m = &app.metrics;
        let state = app.breaker.state();
        Self {
            status: if app.is_draining() {
                "draining"
            } else if state == crate::breaker::CircuitState::Closed {
                "ok"
            } else {
                "degraded"
            },
            queue_size: app.queue.len(),
            queue_capacity: app.queue.capacity(),
            workers: app.workers,
            busy_workers: app.busy_workers(),
            circuit_open: state == crate::breaker::CircuitState::Open,
            circuit_state: state.name(),
            backend: app.backend,
            rendered: m.outcome_count(Outcome::Ok),
            rejected: m.outcome_count(Outcome::QueueFull)
                + m.outcome_count(Outcome::CircuitOpen)
                + m.outcome_count(Outcome::ShuttingDown),
            failed: m.outcome_count(Outcome::Failed) + m.outcome_count(Outcome::Panicked),
            cache_hits: m.cache_hits(),
        }
    }
}
