//! The `/health` snapshot of an [`App`] (the types are [`crate::health`]'s).

use crate::health::Health;
use crate::metrics::Outcome;

use super::App;

impl App {
    /// The `/health` snapshot: read from atomics and the queue's length, never from the
    /// queue itself, so it answers while renders are piled up.
    #[must_use]
    pub fn health(&self) -> Health {
        let app = self;
        let m = &app.metrics;
        let state = app.path.breaker.state();
        let shared = app.path.shared.as_ref().map(|s| s.health());
        let shared_ok = shared.as_ref().is_none_or(|s| s.reason.is_none());
        Health {
            status: if app.is_draining() {
                "draining"
            } else if state == crate::breaker::CircuitState::Closed && shared_ok {
                "ok"
            } else {
                "degraded"
            },
            queue_size: app.path.queue.len(),
            queue_capacity: app.path.queue.capacity(),
            workers: app.workers,
            busy_workers: app.busy_workers(),
            circuit_open: state == crate::breaker::CircuitState::Open,
            circuit_state: state.name(),
            backend: app.backend,
            gpu: app.gpu.as_ref().map(|g| g.gpu_health()),
            rendered: m.outcome_count(Outcome::Ok),
            rejected: m.outcome_count(Outcome::QueueFull)
                + m.outcome_count(Outcome::CircuitOpen)
                + m.outcome_count(Outcome::ShuttingDown),
            failed: m.outcome_count(Outcome::Failed) + m.outcome_count(Outcome::Panicked),
            cache_hits: m.cache_hits(),
            shared,
        }
    }
}
