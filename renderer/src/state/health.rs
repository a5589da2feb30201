//! `/health`: a view of the same [`Snapshot`] `/metrics` exports (the types are
//! [`crate::health`]'s).

use crate::breaker::CircuitState;
use crate::health::Health;
use crate::metrics::{Metrics, Outcome, Snapshot};

use super::App;

impl App {
    /// The `/health` body, from a fresh [`App::snapshot`].
    #[must_use]
    pub fn health(&self) -> Health {
        health_of(self.snapshot(), &self.metrics)
    }
}

/// `/health` of `snap`, with the job counters of `m`.
#[must_use]
pub fn health_of(snap: Snapshot, m: &Metrics) -> Health {
    let shared_ok = snap.shared.as_ref().is_none_or(|s| s.reason.is_none());
    Health {
        status: if snap.draining {
            "draining"
        } else if snap.circuit == CircuitState::Closed && shared_ok {
            "ok"
        } else {
            "degraded"
        },
        queue_size: snap.queue_depth,
        queue_capacity: snap.queue_capacity,
        workers: snap.workers,
        busy_workers: snap.busy_workers,
        circuit_open: snap.circuit == CircuitState::Open,
        circuit_state: snap.circuit.name(),
        backend: snap.backend,
        gpu: snap.gpu,
        rendered: m.outcome_count(Outcome::Rendered),
        rejected: m.outcome_count(Outcome::QueueFull)
            + m.outcome_count(Outcome::CircuitOpen)
            + m.outcome_count(Outcome::ShuttingDown),
        failed: m.outcome_count(Outcome::Failed) + m.outcome_count(Outcome::Panicked),
        cache_hits: m.cache_hits(),
        shared: snap.shared,
    }
}
