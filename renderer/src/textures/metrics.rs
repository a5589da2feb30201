//! [`ChunkMetrics`]: chunk requests by outcome, texture fetches by outcome, texture store
//! hits and misses, re-renders from recipes, and the stores' sizes, as Prometheus text
//! appended to `/metrics`.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Textures;

/// How a `POST /render/chunk` ended (`renderer_chunk_requests_total{outcome}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// Composed by a worker for this request.
    Rendered,
    /// Found in the texture store.
    Cached,
    /// Found in the shared store (Redis), put there by another replica.
    Shared,
    /// Answered by identical in-flight work.
    Coalesced,
    /// 4xx: malformed, too large or invalid.
    Invalid,
    /// 503: queue full.
    QueueFull,
    /// 503: breaker open.
    CircuitOpen,
    /// 503: draining.
    ShuttingDown,
    /// 504.
    DeadlineExceeded,
    /// 500: the backend failed or panicked.
    Failed,
}

impl ChunkOutcome {
    const ALL: [Self; 10] = [
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

    const fn label(self) -> &'static str {
        match self {
            Self::Rendered => "rendered",
            Self::Cached => "cached",
            Self::Shared => "shared",
            Self::Coalesced => "coalesced",
            Self::Invalid => "invalid",
            Self::QueueFull => "queue_full",
            Self::CircuitOpen => "circuit_open",
            Self::ShuttingDown => "shutting_down",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::Failed => "failed",
        }
    }
}

/// How a `GET /textures/{hash}.png` ended (`renderer_texture_fetches_total{outcome}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchOutcome {
    /// Served from the store.
    Hit,
    /// Served from the shared store (Redis).
    SharedHit,
    /// Evicted, rendered again from its recipe.
    Rerendered,
    /// Malformed hash, or no texture and no recipe.
    NotFound,
    /// Re-rendering was refused or failed (503/504/500).
    Failed,
}

impl FetchOutcome {
    const ALL: [Self; 5] = [
        Self::Hit,
        Self::SharedHit,
        Self::Rerendered,
        Self::NotFound,
        Self::Failed,
    ];

    const fn label(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::SharedHit => "shared_hit",
            Self::Rerendered => "rerendered",
            Self::NotFound => "not_found",
            Self::Failed => "failed",
        }
    }
}

/// The counters.
#[derive(Debug, Default)]
pub struct ChunkMetrics {
    chunks: [AtomicU64; ChunkOutcome::ALL.len()],
    fetches: [AtomicU64; FetchOutcome::ALL.len()],
    store_hits: AtomicU64,
    store_misses: AtomicU64,
}

impl ChunkMetrics {
    /// Counts one chunk request.
    pub fn chunk(&self, o: ChunkOutcome) {
        self.chunks[o as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Chunk requests with this outcome so far.
    #[must_use]
    pub fn chunk_count(&self, o: ChunkOutcome) -> u64 {
        self.chunks[o as usize].load(Ordering::Relaxed)
    }

    /// Counts one texture fetch.
    pub fn fetch(&self, o: FetchOutcome) {
        self.fetches[o as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Texture fetches with this outcome so far (`Rerendered` = re-renders from recipes).
    #[must_use]
    pub fn fetch_count(&self, o: FetchOutcome) -> u64 {
        self.fetches[o as usize].load(Ordering::Relaxed)
    }

    /// Counts a texture store lookup.
    pub fn store(&self, hit: bool) {
        let c = if hit {
            &self.store_hits
        } else {
            &self.store_misses
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Appends the Prometheus text for these counters and `t`'s store sizes to `out`.
    pub fn render_into(&self, out: &mut String, t: &Textures) {
        let name = "renderer_chunk_requests_total";
        let _ = writeln!(
            out,
            "# HELP {name} POST /render/chunk requests by outcome.\n# TYPE {name} counter"
        );
        for o in ChunkOutcome::ALL {
            let _ = writeln!(
                out,
                "{name}{{outcome=\"{}\"}} {}",
                o.label(),
                self.chunk_count(o)
            );
        }
        let name = "renderer_texture_fetches_total";
        let _ = writeln!(
            out,
            "# HELP {name} GET /textures requests by outcome (rerendered = from a recipe).\n# TYPE {name} counter"
        );
        for o in FetchOutcome::ALL {
            let _ = writeln!(
                out,
                "{name}{{outcome=\"{}\"}} {}",
                o.label(),
                self.fetch_count(o)
            );
        }
        for (name, help, v) in [
            (
                "renderer_texture_store_hits_total",
                "Texture store lookups that found the texture.",
                &self.store_hits,
            ),
            (
                "renderer_texture_store_misses_total",
                "Texture store lookups that did not.",
                &self.store_misses,
            ),
        ] {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        for (name, help, v) in [
            (
                "renderer_texture_store_bytes",
                "Bytes held by the texture store.",
                t.store.bytes(),
            ),
            (
                "renderer_texture_store_entries",
                "Textures held.",
                t.store.len(),
            ),
            (
                "renderer_texture_recipes",
                "Recipes held for re-rendering evicted textures.",
                t.recipes.len(),
            ),
            (
                "renderer_texture_recipe_bytes",
                "Bytes of recipe JSON held.",
                t.recipes.bytes(),
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
    }
}
