//! [`Outcome`]: every way a piece of work or a request ends, one enum for every counter
//! labelled `outcome` — `renderer_jobs_total`, `renderer_chunk_requests_total`,
//! `renderer_texture_fetches_total` — so a label means the same in each. Each family lists
//! the outcomes it can have ([`Outcome::JOBS`], [`Outcome::CHUNKS`], [`Outcome::FETCHES`]),
//! all of them exported from the start, at 0.

use std::sync::atomic::{AtomicU64, Ordering};

/// How work or a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Rendered for this request (a job that succeeded).
    Rendered,
    /// Found in a local store (result cache, texture store).
    Cached,
    /// Found in the shared store (Redis), put there by another replica.
    Shared,
    /// Answered by identical work already in flight.
    Coalesced,
    /// A texture evicted here, rendered again from its recipe.
    Rerendered,
    /// Refused as malformed, too large or invalid (4xx).
    Invalid,
    /// Nothing by that name (404).
    NotFound,
    /// Refused: the queue is full.
    QueueFull,
    /// Refused: the breaker is open.
    CircuitOpen,
    /// Refused: the service is draining.
    ShuttingDown,
    /// The deadline passed before the work was done.
    DeadlineExceeded,
    /// The client left before the work began.
    Cancelled,
    /// The backend failed (or re-rendering failed).
    Failed,
    /// The backend panicked.
    Panicked,
}

impl Outcome {
    /// Number of variants.
    pub const COUNT: usize = 14;

    /// Render jobs (`renderer_jobs_total`).
    pub const JOBS: &[Self] = &[
        Self::Rendered,
        Self::Failed,
        Self::Panicked,
        Self::QueueFull,
        Self::CircuitOpen,
        Self::ShuttingDown,
        Self::DeadlineExceeded,
        Self::Cancelled,
    ];

    /// `POST /render/chunk` requests (`renderer_chunk_requests_total`).
    pub const CHUNKS: &[Self] = &[
        Self::Rendered,
        Self::Cached,
        Self::Shared,
        Self::Coalesced,
        Self::Invalid,
        Self::QueueFull,
        Self::CircuitOpen,
        Self::ShuttingDown,
        Self::DeadlineExceeded,
        Self::Failed,
    ];

    /// `GET /textures/{hash}.png` requests (`renderer_texture_fetches_total`).
    pub const FETCHES: &[Self] = &[
        Self::Cached,
        Self::Shared,
        Self::Rerendered,
        Self::NotFound,
        Self::Failed,
    ];

    /// The label value.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Rendered => "rendered",
            Self::Cached => "cached",
            Self::Shared => "shared",
            Self::Coalesced => "coalesced",
            Self::Rerendered => "rerendered",
            Self::Invalid => "invalid",
            Self::NotFound => "not_found",
            Self::QueueFull => "queue_full",
            Self::CircuitOpen => "circuit_open",
            Self::ShuttingDown => "shutting_down",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
            Self::Panicked => "panicked",
        }
    }
}

/// One counter per [`Outcome`], for one family; `shown` is what the family exports.
#[derive(Debug)]
pub struct OutcomeCounters {
    counts: [AtomicU64; Outcome::COUNT],
    /// The outcomes this family can have, in export order.
    pub shown: &'static [Outcome],
}

impl OutcomeCounters {
    /// Zeroed counters exporting `shown`.
    #[must_use]
    pub fn new(shown: &'static [Outcome]) -> Self {
        Self {
            counts: std::array::from_fn(|_| AtomicU64::new(0)),
            shown,
        }
    }

    /// Counts one `o`.
    pub fn count(&self, o: Outcome) {
        debug_assert!(self.shown.contains(&o), "{o:?} is not exported here");
        self.counts[o as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// How many `o` so far.
    #[must_use]
    pub fn get(&self, o: Outcome) -> u64 {
        self.counts[o as usize].load(Ordering::Relaxed)
    }

    /// `(label, count)` for every exported outcome.
    pub fn series(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.shown.iter().map(|&o| (o.label(), self.get(o)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_names_distinct_outcomes_and_the_count_is_right() {
        assert_eq!(Outcome::Panicked as usize + 1, Outcome::COUNT);
        for family in [Outcome::JOBS, Outcome::CHUNKS, Outcome::FETCHES] {
            let mut labels: Vec<_> = family.iter().map(|o| o.label()).collect();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(labels.len(), family.len());
        }
    }
}
