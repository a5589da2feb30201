//! `WorkerPool`: dedicated render threads (never tokio's). Each owns a backend, takes up to a
//! batch of jobs, drops those whose deadline passed or whose client left, renders the rest
//! under `catch_unwind`, and reports each outcome to the breaker and metrics.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use tokio::sync::oneshot;

use crate::backend::{BackendFactory, RenderBackend, WorkerRole};
use crate::breaker::CircuitBreaker;
use crate::job::JobInput;
use crate::metrics::{Metrics, Outcome};
use crate::queue::{Job, JobError, JobQueue, JobReceiver, JobResult};

/// The render threads.
#[derive(Debug)]
pub struct WorkerPool {
    handles: Vec<JoinHandle<()>>,
    busy: Arc<AtomicUsize>,
    backend: &'static str,
    queue: JobQueue,
    /// Disconnects when the last worker thread has ended (each holds a sender).
    all_done: Receiver<()>,
}

/// What every worker shares.
#[derive(Clone)]
struct Shared {
    rx: JobReceiver,
    breaker: Arc<CircuitBreaker>,
    metrics: Arc<Metrics>,
    busy: Arc<AtomicUsize>,
    factory: BackendFactory,
}

impl WorkerPool {
    /// Starts `count` threads taking work from `queue`.
    ///
    /// # Errors
    /// When the OS refuses a thread.
    pub fn start(
        count: usize,
        factory: BackendFactory,
        queue: &JobQueue,
        breaker: Arc<CircuitBreaker>,
        metrics: Arc<Metrics>,
    ) -> std::io::Result<Self> {
        let busy = Arc::new(AtomicUsize::new(0));
        let (done, all_done) = crossbeam_channel::bounded(0);
        let shared = Shared {
            rx: queue.receiver(),
            breaker,
            metrics,
            busy: busy.clone(),
            factory,
        };
        let mut handles = Vec::with_capacity(count);
        let mut name = "none";
        for i in 0..count.max(1) {
            let shared = shared.clone();
            let role = if i == 0 {
                WorkerRole::DeviceOwner
            } else {
                WorkerRole::Cpu
            };
            let backend = (shared.factory)(role);
            if i == 0 {
                name = backend.name();
            }
            handles.push(
                std::thread::Builder::new()
                    .name(format!("render-{i}"))
                    .spawn({
                        // Never sends: dropped when this thread ends, however it ends.
                        let done: Sender<()> = done.clone();
                        move || {
                            run(backend, role, &shared);
                            drop(done);
                        }
                    })?,
            );
        }
        drop((shared, done));
        Ok(Self {
            handles,
            busy,
            backend: name,
            queue: queue.clone(),
            all_done,
        })
    }

    /// The shared busy-worker counter.
    #[must_use]
    pub fn busy_counter(&self) -> Arc<AtomicUsize> {
        self.busy.clone()
    }

    /// Workers rendering right now.
    #[must_use]
    pub fn busy(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    /// Number of threads.
    #[must_use]
    pub fn workers(&self) -> usize {
        self.handles.len()
    }

    /// The backend's name.
    #[must_use]
    pub fn backend(&self) -> &'static str {
        self.backend
    }

    /// Closes the queue and waits up to `grace` for the workers to finish what it holds.
    /// Returns true when every worker finished in time.
    pub fn shutdown(self, grace: Duration) -> bool {
        self.queue.close();
        let deadline = Instant::now() + grace;
        // Nothing is ever sent: this returns when the last worker drops its `done` sender
        // (disconnected), or at the deadline.
        let all = matches!(
            self.all_done.recv_deadline(deadline),
            Err(RecvTimeoutError::Disconnected)
        );
        for h in self.handles {
            if h.is_finished() {
                let _ = h.join();
            }
        }
        all
    }
}

struct Pending {
    reply: oneshot::Sender<JobResult>,
    enqueued: Instant,
}

fn run(mut backend: Box<dyn RenderBackend>, role: WorkerRole, s: &Shared) {
    let mut inputs: Vec<JobInput> = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    loop {
        // Sleeps until a job comes; once the queue is closed (its sender dropped) the
        // channel still hands out what was queued, then reports disconnection.
        let Ok(first) = s.rx.recv() else {
            return;
        };
        let max = backend.max_batch().max(1);
        let now = Instant::now();
        take(s, first, now, &mut inputs, &mut pending);
        while inputs.len() < max {
            match s.rx.try_recv() {
                Ok(job) => take(s, job, now, &mut inputs, &mut pending),
                Err(_) => break,
            }
        }
        if inputs.is_empty() {
            continue;
        }
        s.busy.fetch_add(1, Ordering::Relaxed);
        let panicked = render_batch(&mut backend, s, &inputs, &mut pending, now);
        if panicked {
            // Its state may be half-updated: start from a fresh one. The old one is dropped
            // first so a backend owning a device (the GPU worker's) frees it, and its GPU
            // role, before the factory builds the successor.
            drop(backend);
            backend = (s.factory)(role);
        }
        s.busy.fetch_sub(1, Ordering::Relaxed);
        inputs.clear();
        pending.clear();
    }
}

/// Keeps a job for this batch unless its client left or its deadline passed.
fn take(
    s: &Shared,
    job: Job,
    now: Instant,
    inputs: &mut Vec<JobInput>,
    pending: &mut Vec<Pending>,
) {
    if job.reply.is_closed() {
        s.metrics.outcome(Outcome::Cancelled);
    } else if now >= job.deadline {
        s.metrics.outcome(Outcome::DeadlineExceeded);
        let _ = job.reply.send(Err(JobError::DeadlineExceeded));
    } else {
        inputs.push(job.input);
        pending.push(Pending {
            reply: job.reply,
            enqueued: job.enqueued,
        });
    }
}

/// Renders one batch and answers its jobs; true when the backend panicked (rebuild it).
fn render_batch(
    backend: &mut Box<dyn RenderBackend>,
    s: &Shared,
    inputs: &[JobInput],
    pending: &mut Vec<Pending>,
    taken: Instant,
) -> bool {
    let name = backend.name();
    for (p, input) in pending.iter().zip(inputs) {
        s.metrics.queue_wait(
            input.kind(),
            name,
            taken.saturating_duration_since(p.enqueued),
        );
    }
    s.metrics.batch_size(name, inputs.len());
    let started = Instant::now();
    let results = catch_unwind(AssertUnwindSafe(|| backend.render_batch(inputs)));
    let per_job = started.elapsed() / inputs.len().max(1) as u32;
    match results {
        Ok(results) => {
            let mut results = results.into_iter();
            for (p, input) in pending.drain(..).zip(inputs) {
                let answer = match results.next() {
                    Some(Ok(out)) => {
                        s.breaker.record_success();
                        s.metrics.outcome(Outcome::Rendered);
                        s.metrics.render_time(input.kind(), name, per_job);
                        Ok(Arc::new(out))
                    }
                    Some(Err(e)) => {
                        s.breaker.record_failure();
                        s.metrics.outcome(Outcome::Failed);
                        tracing::error!(target: "renderer.worker", error = %e, "render failed");
                        Err(JobError::Backend(e.to_string()))
                    }
                    None => {
                        s.breaker.record_failure();
                        s.metrics.outcome(Outcome::Failed);
                        tracing::error!(target: "renderer.worker", "backend returned too few results");
                        Err(JobError::Backend("missing result".into()))
                    }
                };
                let _ = p.reply.send(answer);
            }
            false
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(target: "renderer.worker", panic = %msg, jobs = inputs.len(), "backend panicked; rebuilding it");
            for p in pending.drain(..) {
                s.breaker.record_failure();
                s.metrics.outcome(Outcome::Panicked);
                let _ = p.reply.send(Err(JobError::Panicked));
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use pipeline::plan::Plan;

    use super::*;
    use crate::backend::BackendError;
    use crate::breaker::SystemClock;
    use crate::job::JobOutput;

    /// Answers every job once `gate` lets it (a receiver that yields one unit per batch).
    struct Gated {
        gate: Arc<Mutex<Receiver<()>>>,
    }

    impl RenderBackend for Gated {
        fn name(&self) -> &'static str {
            "gated"
        }

        fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
            let _ = self.gate.lock().expect("gate").recv();
            jobs.iter()
                .map(|_| Ok(JobOutput::new(Vec::new(), Vec::new(), Vec::new())))
                .collect()
        }
    }

    fn pool(workers: usize) -> (WorkerPool, JobQueue, Sender<()>) {
        let (open, gate) = crossbeam_channel::unbounded();
        let gate = Arc::new(Mutex::new(gate));
        let factory: BackendFactory =
            Arc::new(move |_| Box::new(Gated { gate: gate.clone() }) as Box<dyn RenderBackend>);
        let queue = JobQueue::new(8);
        let breaker = Arc::new(CircuitBreaker::new(
            5,
            Duration::from_secs(1),
            Arc::new(SystemClock),
        ));
        let pool = WorkerPool::start(workers, factory, &queue, breaker, Arc::default())
            .expect("threads start");
        (pool, queue, open)
    }

    fn submit(queue: &JobQueue) -> tokio::sync::oneshot::Receiver<crate::queue::JobResult> {
        let (reply, rx) = oneshot::channel();
        let now = Instant::now();
        queue
            .try_submit(Job {
                input: JobInput::Cat {
                    plan: Plan::default(),
                    scale: 1,
                    layers: None,
                },
                reply,
                deadline: now + Duration::from_secs(60),
                enqueued: now,
            })
            .expect("queued");
        rx
    }

    #[test]
    fn shutdown_finishes_the_queued_jobs_then_every_worker_ends() {
        let (pool, queue, open) = pool(2);
        let replies: Vec<_> = (0..5).map(|_| submit(&queue)).collect();
        for _ in 0..5 {
            open.send(()).expect("gate open");
        }
        assert!(pool.shutdown(Duration::from_secs(30)), "all workers ended");
        for mut r in replies {
            assert!(
                matches!(r.try_recv(), Ok(Ok(_))),
                "every queued job answered"
            );
        }
    }

    #[test]
    fn idle_workers_end_when_the_queue_closes() {
        let (pool, _queue, _open) = pool(3);
        // Nothing queued: the close signal alone wakes and ends all three.
        assert!(pool.shutdown(Duration::from_secs(30)));
    }

    #[test]
    fn shutdown_reports_a_worker_still_busy_at_the_deadline() {
        let (pool, queue, open) = pool(1);
        let _reply = submit(&queue);
        // The gate stays shut: the worker is inside render_batch when the grace runs out.
        assert!(!pool.shutdown(Duration::from_millis(200)));
        drop(open); // lets the worker finish and end
    }
}
