//! One metrics registry: every counter and histogram of the service ([`Metrics`]), written
//! as Prometheus text by one writer ([`text::Exposition`]) together with one [`Snapshot`] of
//! the gauges — the same snapshot `/health` shows. Names start with `renderer_`; every
//! `outcome` label comes from one enum ([`Outcome`]).
//!
//! # Layout
//!
//! - this file: [`Metrics`], [`Snapshot`], [`ConnectionEnd`], `/metrics`' text.
//! - [`outcome`]: [`Outcome`] and the per-family counters.
//! - [`histogram`]: fixed-bucket histograms.
//! - [`http`]: responses by route and status, counted without a lock per request.
//! - [`text`]: the text writer.
//!
//! The GPU worker's are `renderer_gpu_batch_size` (cats per GPU call),
//! `renderer_gpu_chunks_total` (chunk textures composed on the device),
//! `renderer_gpu_failures_total` and `renderer_gpu_fallback_jobs_total` (cats and chunks
//! alike); every job the GPU worker answers is labelled `backend="gpu"` in the render-time
//! and queue-wait histograms.

pub mod histogram;
pub mod http;
pub mod outcome;
pub mod text;

pub use outcome::{Outcome, OutcomeCounters};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

use self::histogram::{BATCH_BUCKETS, Histogram, SECONDS_BUCKETS};
use self::text::{Exposition, Kind};
use crate::breaker::CircuitState;
use crate::health::GpuHealth;
use crate::shared::SharedHealth;

/// How a TCP connection ended (or was turned away), counted by
/// `renderer_connections_total{end}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionEnd {
    /// The client or the server closed it normally.
    Closed,
    /// No whole request head within the header-read timeout (slowloris, idle keep-alive).
    HeaderTimeout,
    /// An I/O or protocol error.
    Error,
    /// Over the connection cap: served in the overflow lane (probes only, one request).
    Overflow,
    /// Over the cap, in the overflow lane, and evicted by a newer connection before it was
    /// answered (closed without an answer).
    Evicted,
}

impl ConnectionEnd {
    const ALL: [Self; 5] = [
        Self::Closed,
        Self::HeaderTimeout,
        Self::Error,
        Self::Overflow,
        Self::Evicted,
    ];

    const fn label(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::HeaderTimeout => "header_timeout",
            Self::Error => "error",
            Self::Overflow => "overflow",
            Self::Evicted => "evicted",
        }
    }
}

/// The service's state at one instant, read from its owners: what `/metrics` exports as
/// gauges and `/health` shows.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Jobs waiting.
    pub queue_depth: usize,
    /// Queue bound.
    pub queue_capacity: usize,
    /// Refusals that found the workers without progress since the previous refusal (each
    /// gave its thread's time slice to them), since start.
    pub queue_stalled_refusals: u64,
    /// Workers rendering now.
    pub busy_workers: usize,
    /// Worker threads.
    pub workers: usize,
    /// `cpu`, `gpu`, `auto(gpu+cpu)`.
    pub backend: &'static str,
    /// Bytes held by the result cache.
    pub cache_bytes: usize,
    /// Entries in the result cache.
    pub cache_entries: usize,
    /// The service breaker.
    pub circuit: CircuitState,
    /// While draining.
    pub draining: bool,
    /// Resident memory, where the system reports it.
    pub memory: Option<crate::process::ProcessMemory>,
    /// Bytes of the atlas store (distinct blocks, cell tables, facts), fixed after load.
    pub atlas_store_bytes: usize,
    /// Bytes held by the texture store.
    pub texture_store_bytes: usize,
    /// Textures held.
    pub texture_store_entries: usize,
    /// Recipes held for re-rendering evicted textures.
    pub texture_recipes: usize,
    /// Bytes of recipe JSON held.
    pub texture_recipe_bytes: usize,
    /// The GPU, when there is one.
    pub gpu: Option<GpuHealth>,
    /// The shared layer (Redis), when configured.
    pub shared: Option<SharedHealth>,
}

impl Snapshot {
    /// The snapshot with the process's resident memory read now.
    #[must_use]
    pub fn with_memory(mut self) -> Self {
        self.memory = crate::process::ProcessMemory::read();
        self
    }
}

/// The service's counters and histograms.
#[derive(Debug)]
pub struct Metrics {
    jobs: OutcomeCounters,
    chunk_requests: OutcomeCounters,
    texture_fetches: OutcomeCounters,
    texture_store_hits: AtomicU64,
    texture_store_misses: AtomicU64,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    coalesced: AtomicU64,
    queue_wait: Mutex<BTreeMap<(&'static str, &'static str), Histogram>>,
    render_time: Mutex<BTreeMap<(&'static str, &'static str), Histogram>>,
    batch_sizes: Mutex<BTreeMap<&'static str, Histogram>>,
    http: http::HttpCounts,
    gpu_failures: AtomicU64,
    gpu_fallback_jobs: AtomicU64,
    gpu_chunks: AtomicU64,
    gpu_batch_sizes: Mutex<Histogram>,
    connections_open: AtomicU64,
    connection_ends: [AtomicU64; ConnectionEnd::ALL.len()],
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            jobs: OutcomeCounters::new(Outcome::JOBS),
            chunk_requests: OutcomeCounters::new(Outcome::CHUNKS),
            texture_fetches: OutcomeCounters::new(Outcome::FETCHES),
            texture_store_hits: AtomicU64::new(0),
            texture_store_misses: AtomicU64::new(0),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
            queue_wait: Mutex::default(),
            render_time: Mutex::default(),
            batch_sizes: Mutex::default(),
            http: http::HttpCounts::default(),
            gpu_failures: AtomicU64::new(0),
            gpu_fallback_jobs: AtomicU64::new(0),
            gpu_chunks: AtomicU64::new(0),
            gpu_batch_sizes: Mutex::new(Histogram::new(&BATCH_BUCKETS)),
            connections_open: AtomicU64::new(0),
            connection_ends: std::array::from_fn(|_| AtomicU64::new(0)),
        }
    }
}

impl Metrics {
    /// Counts how one render job ended.
    pub fn outcome(&self, o: Outcome) {
        self.jobs.count(o);
    }

    /// Jobs that ended as `o` so far.
    #[must_use]
    pub fn outcome_count(&self, o: Outcome) -> u64 {
        self.jobs.get(o)
    }

    /// Counts how one `POST /render/chunk` ended.
    pub fn chunk_request(&self, o: Outcome) {
        self.chunk_requests.count(o);
    }

    /// Chunk requests that ended as `o` so far.
    #[must_use]
    pub fn chunk_requests(&self, o: Outcome) -> u64 {
        self.chunk_requests.get(o)
    }

    /// Counts how one `GET /textures/{hash}.png` ended.
    pub fn texture_fetch(&self, o: Outcome) {
        self.texture_fetches.count(o);
    }

    /// Texture fetches that ended as `o` so far (`Rerendered` = re-renders from recipes).
    #[must_use]
    pub fn texture_fetches(&self, o: Outcome) -> u64 {
        self.texture_fetches.get(o)
    }

    /// Counts a texture store lookup.
    pub fn texture_store(&self, hit: bool) {
        let c = if hit {
            &self.texture_store_hits
        } else {
            &self.texture_store_misses
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a cache lookup.
    pub fn cache(&self, hit: bool) {
        let c = if hit {
            &self.cache_hits
        } else {
            &self.cache_misses
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Cache hits so far.
    #[must_use]
    pub fn cache_hits(&self) -> u64 {
        self.cache_hits.load(Ordering::Relaxed)
    }

    /// Counts a request that joined identical in-flight work.
    pub fn coalesced(&self) {
        self.coalesced.fetch_add(1, Ordering::Relaxed);
    }

    /// Records time spent queued.
    pub fn queue_wait(&self, kind: &'static str, backend: &'static str, d: Duration) {
        self.queue_wait
            .lock()
            .entry((kind, backend))
            .or_insert_with(|| Histogram::new(&SECONDS_BUCKETS))
            .observe(d.as_secs_f64());
    }

    /// Records render time of one job (its share of the batch).
    pub fn render_time(&self, kind: &'static str, backend: &'static str, d: Duration) {
        self.render_time
            .lock()
            .entry((kind, backend))
            .or_insert_with(|| Histogram::new(&SECONDS_BUCKETS))
            .observe(d.as_secs_f64());
    }

    /// Records a batch size.
    pub fn batch_size(&self, backend: &'static str, n: usize) {
        self.batch_sizes
            .lock()
            .entry(backend)
            .or_insert_with(|| Histogram::new(&BATCH_BUCKETS))
            .observe(n as f64);
    }

    /// Records the cats one GPU call rendered (sheets count every tile).
    pub fn gpu_batch(&self, cats: usize) {
        self.gpu_batch_sizes.lock().observe(cats as f64);
    }

    /// GPU calls so far, and how many of them rendered more than one cat.
    #[must_use]
    pub fn gpu_batches(&self) -> (u64, u64) {
        let h = self.gpu_batch_sizes.lock();
        // Bucket 0 is `le="1"` (BATCH_BUCKETS starts at 1).
        let single = h.buckets().next().map_or(0, |(_, c)| c);
        (h.count(), h.count() - single)
    }

    /// Counts one chunk composed on the GPU.
    pub fn gpu_chunk(&self) {
        self.gpu_chunks.fetch_add(1, Ordering::Relaxed);
    }

    /// Chunks composed on the GPU so far.
    #[must_use]
    pub fn gpu_chunks(&self) -> u64 {
        self.gpu_chunks.load(Ordering::Relaxed)
    }

    /// Counts one failed GPU call (device error, readback, a device that would not open).
    pub fn gpu_failure(&self) {
        self.gpu_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// Failed GPU calls so far.
    #[must_use]
    pub fn gpu_failures(&self) -> u64 {
        self.gpu_failures.load(Ordering::Relaxed)
    }

    /// Counts jobs meant for the GPU that the GPU worker rendered on the CPU instead.
    pub fn gpu_fallback(&self, jobs: usize) {
        self.gpu_fallback_jobs
            .fetch_add(jobs as u64, Ordering::Relaxed);
    }

    /// Jobs rendered on the CPU in place of the GPU so far.
    #[must_use]
    pub fn gpu_fallback_jobs(&self) -> u64 {
        self.gpu_fallback_jobs.load(Ordering::Relaxed)
    }

    /// One more connection open.
    pub fn connection_opened(&self) {
        self.connections_open.fetch_add(1, Ordering::Relaxed);
    }

    /// One connection fewer open, ended as `end`.
    pub fn connection_closed(&self, end: ConnectionEnd) {
        self.connections_open.fetch_sub(1, Ordering::Relaxed);
        self.connection_end(end);
    }

    /// Counts a connection ending (or turned away) as `end`.
    pub fn connection_end(&self, end: ConnectionEnd) {
        self.connection_ends[end as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Connections open now.
    pub fn connections_open(&self) -> u64 {
        self.connections_open.load(Ordering::Relaxed)
    }

    /// Connections that ended (or were turned away) as `end`.
    pub fn connection_ends(&self, end: ConnectionEnd) -> u64 {
        self.connection_ends[end as usize].load(Ordering::Relaxed)
    }

    /// Counts one HTTP response by matched route and status.
    pub fn http(&self, route: &str, status: u16) {
        self.http.count(route, status);
    }

    /// The Prometheus text of every counter and histogram, and of `snap`'s gauges.
    #[must_use]
    pub fn prometheus_text(&self, snap: &Snapshot) -> String {
        let mut x = Exposition::new();
        self.write_gauges(&mut x, snap);
        self.write_work(&mut x);
        self.write_textures(&mut x, snap);
        if let Some(shared) = &snap.shared {
            write_shared(&mut x, shared);
        }
        x.finish()
    }

    fn write_gauges(&self, x: &mut Exposition, g: &Snapshot) {
        if let Some(m) = g.memory {
            x.gauge(
                "renderer_process_resident_bytes",
                "Resident memory now (VmRSS).",
                m.rss_bytes,
            );
            x.gauge(
                "renderer_process_peak_resident_bytes",
                "Most resident memory since start (VmHWM).",
                m.peak_rss_bytes,
            );
        }
        for (name, help, v) in [
            (
                "renderer_atlas_store_bytes",
                "The atlas store: distinct planar blocks, cell tables and facts (fixed after load).",
                g.atlas_store_bytes,
            ),
            (
                "renderer_queue_depth",
                "Jobs waiting in the queue.",
                g.queue_depth,
            ),
            ("renderer_queue_capacity", "Queue bound.", g.queue_capacity),
            ("renderer_workers", "Render worker threads.", g.workers),
            (
                "renderer_busy_workers",
                "Workers rendering now.",
                g.busy_workers,
            ),
            (
                "renderer_cache_bytes",
                "Bytes held by the result cache.",
                g.cache_bytes,
            ),
            (
                "renderer_cache_entries",
                "Entries in the result cache.",
                g.cache_entries,
            ),
        ] {
            x.gauge(name, help, v as u64);
        }
        x.counter(
            "renderer_queue_stalled_refusals_total",
            "queue_full refusals that found the workers without progress since the previous \
             refusal, and gave up their thread's time slice to them (workers short of CPU, or all on \
             long jobs).",
            g.queue_stalled_refusals,
        );
        x.gauge(
            "renderer_circuit_state",
            "Breaker state: 0 closed, 1 open, 2 half-open.",
            u64::from(g.circuit.code()),
        );
        x.gauge(
            "renderer_draining",
            "1 while shutting down.",
            u64::from(g.draining),
        );
        x.gauge(
            "renderer_connections_open",
            "TCP connections open now (normal and overflow lane).",
            self.connections_open(),
        );
    }

    fn write_work(&self, x: &mut Exposition) {
        x.family(
            "renderer_connections_total",
            "Connections by how they ended or were turned away.",
            Kind::Counter,
            "end",
            ConnectionEnd::ALL
                .iter()
                .map(|&e| (e.label(), self.connection_ends(e))),
        );
        x.family(
            "renderer_jobs_total",
            "Render jobs by outcome.",
            Kind::Counter,
            "outcome",
            self.jobs.series(),
        );
        for (name, help, v) in [
            (
                "renderer_cache_hits_total",
                "Result cache hits.",
                &self.cache_hits,
            ),
            (
                "renderer_cache_misses_total",
                "Result cache misses.",
                &self.cache_misses,
            ),
            (
                "renderer_coalesced_total",
                "Requests answered by identical in-flight work.",
                &self.coalesced,
            ),
        ] {
            x.counter(name, help, v.load(Ordering::Relaxed));
        }
        // Each histogram family is written under its own lock (scrapes are rare; writers
        // wait at most for one family's text).
        let labels =
            |(kind, backend): &(&str, &str)| format!("kind=\"{kind}\",backend=\"{backend}\"");
        x.histograms(
            "renderer_queue_wait_seconds",
            "Time jobs waited in the queue.",
            self.queue_wait.lock().iter().map(|(k, h)| (labels(k), h)),
        );
        x.histograms(
            "renderer_render_seconds",
            "Render time per job, encoding included.",
            self.render_time.lock().iter().map(|(k, h)| (labels(k), h)),
        );
        x.histograms(
            "renderer_batch_size",
            "Jobs per backend call.",
            self.batch_sizes
                .lock()
                .iter()
                .map(|(backend, h)| (format!("backend=\"{backend}\""), h)),
        );
        x.histograms(
            "renderer_gpu_batch_size",
            "Cats per GPU call (a sheet counts every tile).",
            [("", &*self.gpu_batch_sizes.lock())],
        );
        for (name, help, v) in [
            (
                "renderer_gpu_chunks_total",
                "Chunk textures composed on the GPU.",
                &self.gpu_chunks,
            ),
            (
                "renderer_gpu_failures_total",
                "GPU calls that failed (the jobs fell back to the CPU in auto mode).",
                &self.gpu_failures,
            ),
            (
                "renderer_gpu_fallback_jobs_total",
                "Jobs meant for the GPU rendered on the CPU (GPU failed or its breaker open).",
                &self.gpu_fallback_jobs,
            ),
        ] {
            x.counter(name, help, v.load(Ordering::Relaxed));
        }
        let http: Vec<_> = self
            .http
            .snapshot()
            .into_iter()
            .map(|(route, status, n)| (format!("route=\"{route}\",status=\"{status}\""), n))
            .collect();
        x.labelled(
            "renderer_http_responses_total",
            "HTTP responses by matched route and status.",
            Kind::Counter,
            http,
        );
    }

    fn write_textures(&self, x: &mut Exposition, g: &Snapshot) {
        x.family(
            "renderer_chunk_requests_total",
            "POST /render/chunk requests by outcome.",
            Kind::Counter,
            "outcome",
            self.chunk_requests.series(),
        );
        x.family(
            "renderer_texture_fetches_total",
            "GET /textures requests by outcome (rerendered = from a recipe).",
            Kind::Counter,
            "outcome",
            self.texture_fetches.series(),
        );
        x.counter(
            "renderer_texture_store_hits_total",
            "Texture store lookups that found the texture.",
            self.texture_store_hits.load(Ordering::Relaxed),
        );
        x.counter(
            "renderer_texture_store_misses_total",
            "Texture store lookups that did not.",
            self.texture_store_misses.load(Ordering::Relaxed),
        );
        for (name, help, v) in [
            (
                "renderer_texture_store_bytes",
                "Bytes held by the texture store.",
                g.texture_store_bytes,
            ),
            (
                "renderer_texture_store_entries",
                "Textures held.",
                g.texture_store_entries,
            ),
            (
                "renderer_texture_recipes",
                "Recipes held for re-rendering evicted textures.",
                g.texture_recipes,
            ),
            (
                "renderer_texture_recipe_bytes",
                "Bytes of recipe JSON held.",
                g.texture_recipe_bytes,
            ),
        ] {
            x.gauge(name, help, v as u64);
        }
    }
}

/// The shared layer: lookups by kind and outcome, errors, backlog, and whether it answers.
fn write_shared(x: &mut Exposition, h: &SharedHealth) {
    x.labelled(
        "renderer_shared_lookups_total",
        "Shared store (Redis) lookups by kind and outcome.",
        Kind::Counter,
        [
            ("kind=\"recipe\",outcome=\"hit\"", h.hits),
            ("kind=\"recipe\",outcome=\"miss\"", h.misses),
            ("kind=\"texture\",outcome=\"hit\"", h.texture_hits),
            ("kind=\"texture\",outcome=\"miss\"", h.texture_misses),
        ],
    );
    x.counter(
        "renderer_shared_errors_total",
        "Shared store (Redis) calls that failed or timed out.",
        h.errors,
    );
    x.gauge(
        "renderer_shared_backlog",
        "Recipes waiting for Redis to answer again.",
        h.backlog as u64,
    );
    x.gauge(
        "renderer_shared_up",
        "1 while the shared store answers, 0 while degraded.",
        u64::from(h.reason.is_none()),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_snapshot() -> Snapshot {
        Snapshot {
            queue_depth: 0,
            queue_capacity: 1,
            queue_stalled_refusals: 0,
            busy_workers: 0,
            workers: 1,
            backend: "cpu",
            cache_bytes: 0,
            cache_entries: 0,
            circuit: CircuitState::Closed,
            draining: false,
            memory: None,
            atlas_store_bytes: 0,
            texture_store_bytes: 0,
            texture_store_entries: 0,
            texture_recipes: 0,
            texture_recipe_bytes: 0,
            gpu: None,
            shared: None,
        }
    }

    #[test]
    fn every_outcome_family_is_exported_from_the_start_with_one_enum_s_labels() {
        let m = Metrics::default();
        m.chunk_request(Outcome::Cached);
        let text = m.prometheus_text(&test_snapshot());
        assert!(
            text.contains("renderer_jobs_total{outcome=\"rendered\"} 0"),
            "{text}"
        );
        assert!(text.contains("renderer_chunk_requests_total{outcome=\"cached\"} 1"));
        assert!(text.contains("renderer_texture_fetches_total{outcome=\"cached\"} 0"));
        assert!(text.contains("renderer_queue_stalled_refusals_total 0"));
        assert!(
            !text.contains("renderer_shared_up"),
            "no shared layer, no shared metrics"
        );
    }

    #[test]
    fn histograms_are_cumulative_and_counted() {
        let m = Metrics::default();
        m.render_time("cat", "cpu", Duration::from_micros(80));
        m.render_time("cat", "cpu", Duration::from_millis(3));
        let text = m.prometheus_text(&test_snapshot());
        assert!(
            text.contains(
                "renderer_render_seconds_bucket{kind=\"cat\",backend=\"cpu\",le=\"0.0001\"} 1"
            ),
            "{text}"
        );
        assert!(text.contains(
            "renderer_render_seconds_bucket{kind=\"cat\",backend=\"cpu\",le=\"0.005\"} 2"
        ));
        assert!(text.contains("renderer_render_seconds_count{kind=\"cat\",backend=\"cpu\"} 2"));
    }
}
