//! Prometheus metrics, hand-written: atomic counters and fixed-bucket histograms rendered as
//! the text exposition format. Names start with `renderer_`.
//!
//! The GPU worker's are `renderer_gpu_batch_size` (cats per GPU call),
//! `renderer_gpu_chunks_total` (chunk textures composed on the device),
//! `renderer_gpu_failures_total` and `renderer_gpu_fallback_jobs_total` (cats and chunks
//! alike); every job the GPU worker answers is labelled `backend="gpu"` in the render-time
//! and queue-wait histograms.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;

/// Job outcomes counted by `renderer_jobs_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Rendered.
    Ok,
    /// The backend failed.
    Failed,
    /// The backend panicked.
    Panicked,
    /// Refused: queue full.
    QueueFull,
    /// Refused: breaker open.
    CircuitOpen,
    /// Refused: draining.
    ShuttingDown,
    /// Dropped before work: deadline passed.
    DeadlineExceeded,
    /// Dropped before work: the client went away.
    Cancelled,
}

impl Outcome {
    const ALL: [Self; 8] = [
        Self::Ok,
        Self::Failed,
        Self::Panicked,
        Self::QueueFull,
        Self::CircuitOpen,
        Self::ShuttingDown,
        Self::DeadlineExceeded,
        Self::Cancelled,
    ];

    const fn label(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Failed => "failed",
            Self::Panicked => "panicked",
            Self::QueueFull => "queue_full",
            Self::CircuitOpen => "circuit_open",
            Self::ShuttingDown => "shutting_down",
            Self::DeadlineExceeded => "deadline_exceeded",
            Self::Cancelled => "cancelled",
        }
    }
}

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

const SECONDS_BUCKETS: [f64; 14] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
    5.0,
];
const BATCH_BUCKETS: [f64; 8] = [1.0, 2.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0];

#[derive(Debug, Clone)]
struct Histogram {
    buckets: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(buckets: &'static [f64]) -> Self {
        Self {
            buckets,
            counts: vec![0; buckets.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, v: f64) {
        for (b, c) in self.buckets.iter().zip(&mut self.counts) {
            if v <= *b {
                *c += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (b, c) in self.buckets.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        // An unlabelled series is written without braces.
        let set = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{set} {}", self.sum);
        let _ = writeln!(out, "{name}_count{set} {}", self.count);
    }
}

/// Gauges read at scrape time from their owners.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gauges {
    /// Jobs waiting.
    pub queue_depth: usize,
    /// Queue bound.
    pub queue_capacity: usize,
    /// Workers rendering now.
    pub busy_workers: usize,
    /// Worker threads.
    pub workers: usize,
    /// Bytes held by the result cache.
    pub cache_bytes: usize,
    /// Entries in the result cache.
    pub cache_entries: usize,
    /// 0 closed, 1 open, 2 half-open.
    pub circuit_state: u8,
    /// 1 while draining.
    pub draining: bool,
    /// Resident memory, where the system reports it.
    pub memory: Option<crate::process::ProcessMemory>,
    /// Bytes of atlas cells converted to planes so far (they grow with the cells traffic
    /// touches, up to every cell, and are kept).
    pub atlas_planar_bytes: usize,
}

/// The service's counters and histograms.
#[derive(Debug)]
pub struct Metrics {
    outcomes: [AtomicU64; 8],
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
    coalesced: AtomicU64,
    queue_wait: Mutex<BTreeMap<(&'static str, &'static str), Histogram>>,
    render_time: Mutex<BTreeMap<(&'static str, &'static str), Histogram>>,
    batch_sizes: Mutex<BTreeMap<&'static str, Histogram>>,
    http: Mutex<BTreeMap<(String, u16), u64>>,
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
            outcomes: std::array::from_fn(|_| AtomicU64::new(0)),
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
            queue_wait: Mutex::default(),
            render_time: Mutex::default(),
            batch_sizes: Mutex::default(),
            http: Mutex::default(),
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
    /// Counts one job outcome.
    pub fn outcome(&self, o: Outcome) {
        self.outcomes[o as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Jobs with this outcome so far.
    #[must_use]
    pub fn outcome_count(&self, o: Outcome) -> u64 {
        self.outcomes[o as usize].load(Ordering::Relaxed)
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
        (h.count, h.count - h.counts.first().copied().unwrap_or(0))
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
        *self
            .http
            .lock()
            .entry((route.to_owned(), status))
            .or_insert(0) += 1;
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn render(&self, g: &Gauges) -> String {
        let mut out = String::with_capacity(8192);
        let gauge = |out: &mut String, name: &str, help: &str, v: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        };
        if let Some(m) = g.memory {
            gauge(
                &mut out,
                "renderer_process_resident_bytes",
                "Resident memory now (VmRSS).",
                m.rss_bytes,
            );
            gauge(
                &mut out,
                "renderer_process_peak_resident_bytes",
                "Most resident memory since start (VmHWM).",
                m.peak_rss_bytes,
            );
        }
        gauge(
            &mut out,
            "renderer_atlas_planar_bytes",
            "Atlas cells converted to planes for the CPU backend so far (kept; at most every cell).",
            g.atlas_planar_bytes as u64,
        );
        gauge(
            &mut out,
            "renderer_queue_depth",
            "Jobs waiting in the queue.",
            g.queue_depth as u64,
        );
        gauge(
            &mut out,
            "renderer_queue_capacity",
            "Queue bound.",
            g.queue_capacity as u64,
        );
        gauge(
            &mut out,
            "renderer_workers",
            "Render worker threads.",
            g.workers as u64,
        );
        gauge(
            &mut out,
            "renderer_busy_workers",
            "Workers rendering now.",
            g.busy_workers as u64,
        );
        gauge(
            &mut out,
            "renderer_cache_bytes",
            "Bytes held by the result cache.",
            g.cache_bytes as u64,
        );
        gauge(
            &mut out,
            "renderer_cache_entries",
            "Entries in the result cache.",
            g.cache_entries as u64,
        );
        gauge(
            &mut out,
            "renderer_circuit_state",
            "Breaker state: 0 closed, 1 open, 2 half-open.",
            u64::from(g.circuit_state),
        );
        gauge(
            &mut out,
            "renderer_draining",
            "1 while shutting down.",
            u64::from(g.draining),
        );

        gauge(
            &mut out,
            "renderer_connections_open",
            "TCP connections open now (normal and overflow lane).",
            self.connections_open(),
        );
        out.push_str("# HELP renderer_connections_total Connections by how they ended or were turned away.\n# TYPE renderer_connections_total counter\n");
        for end in ConnectionEnd::ALL {
            let _ = writeln!(
                out,
                "renderer_connections_total{{end=\"{}\"}} {}",
                end.label(),
                self.connection_ends(end)
            );
        }

        out.push_str("# HELP renderer_jobs_total Render jobs by outcome.\n# TYPE renderer_jobs_total counter\n");
        for o in Outcome::ALL {
            let _ = writeln!(
                out,
                "renderer_jobs_total{{outcome=\"{}\"}} {}",
                o.label(),
                self.outcome_count(o)
            );
        }
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
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        for (name, help, map) in [
            (
                "renderer_queue_wait_seconds",
                "Time jobs waited in the queue.",
                &self.queue_wait,
            ),
            (
                "renderer_render_seconds",
                "Render time per job, encoding included.",
                &self.render_time,
            ),
        ] {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
            for ((kind, backend), h) in map.lock().iter() {
                h.write(
                    &mut out,
                    name,
                    &format!("kind=\"{kind}\",backend=\"{backend}\""),
                );
            }
        }
        let name = "renderer_batch_size";
        let _ = writeln!(
            out,
            "# HELP {name} Jobs per backend call.\n# TYPE {name} histogram"
        );
        for (backend, h) in self.batch_sizes.lock().iter() {
            h.write(&mut out, name, &format!("backend=\"{backend}\""));
        }
        let name = "renderer_gpu_batch_size";
        let _ = writeln!(
            out,
            "# HELP {name} Cats per GPU call (a sheet counts every tile).\n# TYPE {name} histogram"
        );
        self.gpu_batch_sizes.lock().write(&mut out, name, "");
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
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        let name = "renderer_http_responses_total";
        let _ = writeln!(
            out,
            "# HELP {name} HTTP responses by matched route and status.\n# TYPE {name} counter"
        );
        for ((route, status), n) in self.http.lock().iter() {
            let _ = writeln!(out, "{name}{{route=\"{route}\",status=\"{status}\"}} {n}");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_counted() {
        let m = Metrics::default();
        m.render_time("cat", "cpu", Duration::from_micros(80));
        m.render_time("cat", "cpu", Duration::from_millis(3));
        let text = m.render(&Gauges::default());
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
