//! Closed-loop HTTP/1 load generator for the renderer service.
//!
//! Each connection is a keep-alive HTTP/1 connection that sends its next request as soon as
//! the previous one answered, until a fixed deadline. Latency is kept per status class (200,
//! 503, other), so rejections and renders are measured apart, which wrk's Lua API could not
//! do. Several scenarios can run at once against one server (e.g. 32 connections of cats and
//! one of `/health`), all in one process and one measured window.
//!
//! # Layout
//!
//! - [`scenario`]: what is sent: `cached`, `varied` (4,788 distinct cats), `chunk` (seeded,
//!   distinct `POST /render/chunk` bodies of the bundled terrain tileset), `health`.
//! - [`client`]: the target, the HTTP/1 connection, the closed loop with its deadline.
//! - [`report`]: histograms per status class, the table and the JSON.
//! - [`run`] (here): deals the connections over load threads (one single-threaded runtime
//!   each), waits for the deadline, merges the counts per scenario.
//! - `main.rs`: the command line (`loadgen --scenario varied:32 …`, `loadgen get URL`).

pub mod client;
pub mod report;
pub mod scenario;

use std::num::NonZeroU64;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use crate::client::{Job, Target, Window};
use crate::report::{RunReport, ScenarioReport, Stats};
use crate::scenario::{ChunkShape, Generator, Kind};

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The server.
    pub target: Target,
    /// Scenarios and their connection counts, in report order.
    pub scenarios: Vec<(Kind, usize)>,
    /// Measured time.
    pub duration: Duration,
    /// Unmeasured time before it (requests sent then are not counted).
    pub warmup: Duration,
    /// Longest wait for one answer; longer is a `timeout` error.
    pub timeout: Duration,
    /// At most this many distinct requests per scenario.
    pub distinct: Option<NonZeroU64>,
    /// Chunk size and content.
    pub chunk: ChunkShape,
    /// Load threads (each runs its share of the connections).
    pub threads: usize,
}

/// After the deadline, how long a connection task may take to hand back its counts. Every
/// wait inside is bounded by the deadline, so this is a safety net, not a wait.
const JOIN_GRACE: Duration = Duration::from_secs(5);

/// Runs `plan` to its deadline and reports. Blocks the calling thread.
///
/// Connections are dealt round-robin over `plan.threads` OS threads, each with its own
/// single-threaded tokio runtime, so a connection and its HTTP/1 driver always wake each
/// other on the same thread (as wrk's per-thread event loops do). Compared with one
/// work-stealing runtime this left more of a shared 2-core box to the server under test.
///
/// # Errors
/// A runtime could not start, or a connection task panicked or did not stop within
/// five seconds (`JOIN_GRACE`) of the deadline.
pub fn run(plan: &Plan) -> anyhow::Result<RunReport> {
    let target = Arc::new(plan.target.clone());
    let threads = plan.threads.max(1);
    let mut per_thread: Vec<Vec<(usize, Job)>> = (0..threads).map(|_| Vec::new()).collect();
    // The window starts once every thread is about to run: building runtimes takes time.
    let record_from = Instant::now() + plan.warmup + Duration::from_millis(20);
    let window = Window {
        record_from,
        end: record_from + plan.duration,
    };
    let mut k = 0;
    for (i, &(kind, connections)) in plan.scenarios.iter().enumerate() {
        let generator = Arc::new(Generator::new(kind, plan.distinct, plan.chunk));
        let next = Arc::new(AtomicU64::new(0));
        for _ in 0..connections {
            per_thread[k % threads].push((
                i,
                Job {
                    target: Arc::clone(&target),
                    generator: Arc::clone(&generator),
                    next: Arc::clone(&next),
                    window,
                    timeout: plan.timeout,
                },
            ));
            k += 1;
        }
    }
    let handles: Vec<_> = per_thread
        .into_iter()
        .enumerate()
        .map(|(t, jobs)| {
            std::thread::Builder::new()
                .name(format!("loadgen-{t}"))
                .spawn(move || drive_all(jobs, window.end))
        })
        .collect::<Result<_, _>>()?;
    let mut stats: Vec<Stats> = plan.scenarios.iter().map(|_| Stats::default()).collect();
    for h in handles {
        let results = h
            .join()
            .map_err(|_| anyhow::anyhow!("a load thread panicked"))??;
        for (i, s) in results {
            stats[i].merge(&s);
        }
    }
    let secs = plan.duration.as_secs_f64();
    Ok(RunReport {
        url: plan.target.to_string(),
        secs,
        warmup_secs: plan.warmup.as_secs_f64(),
        threads,
        scenarios: plan
            .scenarios
            .iter()
            .zip(stats)
            .map(|(&(kind, connections), stats)| ScenarioReport {
                name: kind.name().to_owned(),
                connections,
                secs,
                stats,
            })
            .collect(),
    })
}

/// One load thread: its connections on a single-threaded runtime, until `end`.
fn drive_all(jobs: Vec<(usize, Job)>, end: Instant) -> anyhow::Result<Vec<(usize, Stats)>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let results = rt.block_on(async {
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(i, job)| (i, tokio::spawn(client::drive(job))))
            .collect();
        let mut out = Vec::new();
        for (i, h) in handles {
            let abort = h.abort_handle();
            match timeout_at(end + JOIN_GRACE, h).await {
                Ok(Ok(s)) => out.push((i, s)),
                Ok(Err(e)) => anyhow::bail!("a connection task failed: {e}"),
                Err(_) => {
                    abort.abort();
                    anyhow::bail!("a connection did not stop at the deadline");
                }
            }
        }
        Ok(out)
    });
    // HTTP/1 drivers of connections still open are parked; do not wait for them.
    rt.shutdown_timeout(Duration::from_millis(50));
    results
}
