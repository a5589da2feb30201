//! `JobQueue`: the bounded queue between handlers and workers. Full → the job is handed back
//! at once (the handler answers 503); nothing ever waits for room.
//!
//! # Lanes
//!
//! Every worker takes from the shared lane. An app with a GPU worker in `auto` mode also
//! has a GPU lane that only the GPU worker takes from (it prefers it, then the shared lane):
//! a [`Router`] installed at start-up picks each job's lane in [`JobQueue::try_submit`], so
//! work worth a GPU round trip (large chunks) cannot land on a CPU worker. CPU-only apps
//! have no router and one lane.
//!
//! The bound is ONE over both lanes: a depth counter is reserved before a job is sent and
//! released when a worker takes it ([`Intake`]), so the jobs waiting never exceed the
//! capacity however many handlers submit at once, and [`JobQueue::len`] counts both lanes.
//! After [`JobQueue::close`] workers still drain what their lanes hold; the GPU worker
//! drains the GPU lane.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use tokio::sync::oneshot;

use crate::backend::{JobInput, JobOutput};

/// Why a job ended without output.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// The backend failed (server-side).
    #[error("render failed: {0}")]
    Backend(String),
    /// The backend panicked.
    #[error("render panicked")]
    Panicked,
    /// The deadline passed before a worker took the job.
    #[error("deadline exceeded before work started")]
    DeadlineExceeded,
}

/// What the worker sends back.
pub type JobResult = Result<Arc<JobOutput>, JobError>;

/// A queued job.
#[derive(Debug)]
pub struct Job {
    /// The work.
    pub input: JobInput,
    /// Where the answer goes; a closed receiver means the client left.
    pub reply: oneshot::Sender<JobResult>,
    /// Work that has not started by then is dropped.
    pub deadline: Instant,
    /// When it was queued (for the queue-wait histogram).
    pub enqueued: Instant,
}

/// Why a job was not queued.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The queue is at capacity.
    #[error("queue full")]
    Full,
    /// The queue no longer takes work (shutting down).
    #[error("queue closed")]
    Closed,
}

/// Which channel a job waits in (module docs, "Lanes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Taken by every worker.
    Shared,
    /// Taken by the GPU worker alone; jobs routed here on a queue without a GPU lane go to
    /// the shared one.
    Gpu,
}

/// Picks a job's lane at submit time; installed by the GPU app ([`JobQueue::with_router`]).
pub type Router = Arc<dyn Fn(&JobInput) -> Lane + Send + Sync>;

/// A channel's two ends.
#[derive(Debug, Clone)]
struct Channel {
    tx: Sender<Job>,
    rx: Receiver<Job>,
}

impl Channel {
    fn bounded(capacity: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(capacity);
        Self { tx, rx }
    }
}

/// The bounded queue.
#[derive(Clone)]
pub struct JobQueue {
    shared: Channel,
    /// The GPU lane and the router that fills it; `None` in CPU-only apps.
    gpu: Option<(Channel, Router)>,
    /// Jobs reserved or waiting in either lane: the one bound, checked before a send.
    depth: Arc<AtomicUsize>,
    capacity: usize,
    closed: Arc<AtomicBool>,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobQueue")
            .field("depth", &self.len())
            .field("capacity", &self.capacity)
            .field("gpu_lane", &self.gpu.is_some())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

impl JobQueue {
    /// A queue holding at most `capacity` jobs, with the shared lane only.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            // Each channel could take the whole bound; the depth counter keeps their sum in it.
            shared: Channel::bounded(capacity),
            gpu: None,
            depth: Arc::new(AtomicUsize::new(0)),
            capacity,
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// A queue holding at most `capacity` jobs over both lanes, `router` picking each job's.
    #[must_use]
    pub fn with_router(capacity: usize, router: Router) -> Self {
        let mut q = Self::new(capacity);
        q.gpu = Some((Channel::bounded(q.capacity), router));
        q
    }

    /// The lane `input` would be queued in now.
    #[must_use]
    pub fn lane_for(&self, input: &JobInput) -> Lane {
        match &self.gpu {
            Some((_, route)) => route(input),
            None => Lane::Shared,
        }
    }

    /// Queues a job in the lane the router picks, or refuses it at once.
    ///
    /// # Errors
    /// [`SubmitError::Full`] at capacity, [`SubmitError::Closed`] after [`Self::close`].
    pub fn try_submit(&self, job: Job) -> Result<(), SubmitError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(SubmitError::Closed);
        }
        let Ok(before) = self
            .depth
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |d| {
                (d < self.capacity).then_some(d + 1)
            })
        else {
            return Err(SubmitError::Full);
        };
        let tx = match (&self.gpu, self.lane_for(&job.input)) {
            (Some((lane, _)), Lane::Gpu) => &lane.tx,
            _ => &self.shared.tx,
        };
        match tx.try_send(job) {
            Ok(()) => {
                let len = before + 1;
                if len * 5 > self.capacity * 4 {
                    tracing::warn!(
                        target: "renderer.queue",
                        depth = len,
                        capacity = self.capacity,
                        "queue above 80% of capacity"
                    );
                }
                Ok(())
            }
            // Neither happens while the depth bound holds and the queue owns both ends;
            // the reservation is given back all the same.
            Err(TrySendError::Full(_)) => {
                self.depth.fetch_sub(1, Ordering::AcqRel);
                Err(SubmitError::Full)
            }
            Err(TrySendError::Disconnected(_)) => {
                self.depth.fetch_sub(1, Ordering::AcqRel);
                Err(SubmitError::Closed)
            }
        }
    }

    /// Jobs waiting, in both lanes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.depth.load(Ordering::Acquire)
    }

    /// True when nothing waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bound.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Stops taking new work; queued jobs still get done.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
    }

    /// True after [`Self::close`].
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// A worker's end: the shared lane, plus the GPU lane (first) for the GPU worker.
    #[must_use]
    pub fn intake(&self, gpu_worker: bool) -> Intake {
        Intake {
            lane: self
                .gpu
                .as_ref()
                .filter(|_| gpu_worker)
                .map(|(c, _)| c.rx.clone()),
            shared: self.shared.rx.clone(),
            depth: self.depth.clone(),
        }
    }
}

/// Where one worker takes jobs from; taking a job releases its place in the bound.
#[derive(Debug, Clone)]
pub struct Intake {
    /// The GPU lane, for the GPU worker only.
    lane: Option<Receiver<Job>>,
    shared: Receiver<Job>,
    depth: Arc<AtomicUsize>,
}

impl Intake {
    /// The next job, GPU lane first, waiting up to `timeout` for one.
    ///
    /// # Errors
    /// [`RecvTimeoutError::Timeout`] when none came; `Disconnected` when the queue is gone.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Job, RecvTimeoutError> {
        if let Some(job) = self.try_recv() {
            return Ok(job);
        }
        let job = match &self.lane {
            None => self.shared.recv_timeout(timeout)?,
            Some(lane) => crossbeam_channel::select! {
                recv(lane) -> j => j.map_err(|_| RecvTimeoutError::Disconnected)?,
                recv(self.shared) -> j => j.map_err(|_| RecvTimeoutError::Disconnected)?,
                default(timeout) => return Err(RecvTimeoutError::Timeout),
            },
        };
        Ok(self.taken(job))
    }

    /// A job if one waits now, GPU lane first.
    #[must_use]
    pub fn try_recv(&self) -> Option<Job> {
        self.lane
            .as_ref()
            .and_then(|l| l.try_recv().ok())
            .or_else(|| self.shared.try_recv().ok())
            .map(|job| self.taken(job))
    }

    /// True when the lanes this worker takes from are empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shared.is_empty() && self.lane.as_ref().is_none_or(Receiver::is_empty)
    }

    fn taken(&self, job: Job) -> Job {
        self.depth.fetch_sub(1, Ordering::AcqRel);
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::plan::Plan;

    /// A cat job; `scale` 2 marks it for the GPU lane under [`by_scale`].
    fn job_scaled(scale: u32) -> (Job, oneshot::Receiver<JobResult>) {
        let (tx, rx) = oneshot::channel();
        (
            Job {
                input: JobInput::Cat {
                    plan: Plan::default(),
                    scale,
                    layers: None,
                },
                reply: tx,
                deadline: Instant::now(),
                enqueued: Instant::now(),
            },
            rx,
        )
    }

    fn job() -> (Job, oneshot::Receiver<JobResult>) {
        job_scaled(1)
    }

    fn scale_of(job: &Job) -> u32 {
        match job.input {
            JobInput::Cat { scale, .. } => scale,
            _ => 0,
        }
    }

    /// Scale-2 cats to the GPU lane, everything else to the shared one.
    fn by_scale() -> JobQueue {
        laned(4)
    }

    fn laned(capacity: usize) -> JobQueue {
        JobQueue::with_router(
            capacity,
            Arc::new(|input: &JobInput| match input {
                JobInput::Cat { scale: 2, .. } => Lane::Gpu,
                _ => Lane::Shared,
            }),
        )
    }

    #[test]
    fn a_full_queue_refuses_at_once() {
        let q = JobQueue::new(2);
        assert!(q.try_submit(job().0).is_ok());
        assert!(q.try_submit(job().0).is_ok());
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Full)));
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn a_closed_queue_refuses_new_work_but_keeps_what_it_holds() {
        let q = JobQueue::new(2);
        assert!(q.try_submit(job().0).is_ok());
        q.close();
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Closed)));
        assert!(q.intake(false).try_recv().is_some());
        assert!(q.is_empty());
    }

    #[test]
    fn without_a_router_every_job_is_shared_and_the_gpu_worker_takes_them_too() {
        let q = JobQueue::new(4);
        assert_eq!(q.lane_for(&job_scaled(2).0.input), Lane::Shared);
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        assert!(
            q.intake(false).try_recv().is_some(),
            "a CPU worker takes it"
        );
        assert!(q.intake(true).try_recv().is_some());
        assert!(q.is_empty());
    }

    #[test]
    fn routed_jobs_wait_in_the_gpu_lane_which_cpu_workers_never_take() {
        let q = by_scale();
        let (cpu, gpu) = (q.intake(false), q.intake(true));
        assert_eq!(q.lane_for(&job_scaled(2).0.input), Lane::Gpu);
        assert_eq!(q.lane_for(&job_scaled(1).0.input), Lane::Shared);
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        assert!(q.try_submit(job_scaled(1).0).is_ok());
        assert_eq!(q.len(), 2, "len counts both lanes");
        assert_eq!(cpu.try_recv().map(|j| scale_of(&j)), Some(1));
        assert!(cpu.try_recv().is_none(), "the GPU lane is not the CPU's");
        assert!(cpu.is_empty());
        assert!(
            matches!(
                cpu.recv_timeout(Duration::from_millis(30)),
                Err(RecvTimeoutError::Timeout)
            ),
            "a CPU worker waits past a GPU-lane job"
        );
        assert_eq!(q.len(), 1);
        assert!(!gpu.is_empty());
        assert_eq!(gpu.try_recv().map(|j| scale_of(&j)), Some(2));
        assert!(q.is_empty());
    }

    #[test]
    fn the_gpu_worker_prefers_its_lane_then_takes_shared_work() {
        let q = by_scale();
        let gpu = q.intake(true);
        assert!(q.try_submit(job_scaled(1).0).is_ok());
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        let first = gpu.recv_timeout(Duration::from_secs(1)).expect("a job");
        assert_eq!(scale_of(&first), 2, "lane first, though queued second");
        assert_eq!(gpu.try_recv().map(|j| scale_of(&j)), Some(1));
        assert!(gpu.is_empty() && q.is_empty());
    }

    #[test]
    fn a_waiting_gpu_worker_wakes_for_either_lane() {
        for scale in [1, 2] {
            let q = by_scale();
            let gpu = q.intake(true);
            let submitter = {
                let q = q.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(20));
                    assert!(q.try_submit(job_scaled(scale).0).is_ok());
                })
            };
            let got = gpu.recv_timeout(Duration::from_secs(5)).expect("woken");
            assert_eq!(scale_of(&got), scale);
            submitter.join().expect("submitter");
            assert!(q.is_empty());
        }
    }

    #[test]
    fn one_bound_covers_both_lanes() {
        let q = laned(3);
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        assert!(q.try_submit(job_scaled(1).0).is_ok());
        assert!(matches!(
            q.try_submit(job_scaled(1).0),
            Err(SubmitError::Full)
        ));
        assert!(matches!(
            q.try_submit(job_scaled(2).0),
            Err(SubmitError::Full)
        ));
        assert_eq!(q.len(), 3);
        // Taking from the GPU lane frees room for shared work.
        assert!(q.intake(true).try_recv().is_some());
        assert!(q.try_submit(job_scaled(1).0).is_ok());
        assert!(matches!(
            q.try_submit(job_scaled(1).0),
            Err(SubmitError::Full)
        ));
    }

    #[test]
    fn concurrent_submitters_never_overshoot_the_bound_across_lanes() {
        const CAP: usize = 37;
        for _ in 0..20 {
            let q = laned(CAP);
            let barrier = Arc::new(std::sync::Barrier::new(16));
            let accepted: usize = (0..16)
                .map(|t| {
                    let (q, barrier) = (q.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        (0..20)
                            .filter(|i| q.try_submit(job_scaled(1 + (t + i) % 2).0).is_ok())
                            .count()
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().expect("submitter"))
                .sum();
            assert_eq!(accepted, CAP, "exactly the bound is accepted");
            assert_eq!(q.len(), CAP);
            let gpu = q.intake(true);
            let held = std::iter::from_fn(|| gpu.try_recv()).count();
            assert_eq!(held, CAP, "the lanes hold no more than the bound");
            assert!(q.is_empty());
        }
    }

    #[test]
    fn concurrent_submitters_and_takers_keep_the_depth_exact() {
        const CAP: usize = 8;
        let q = laned(CAP);
        let done = Arc::new(AtomicBool::new(false));
        let takers: Vec<_> = [true, false, false]
            .into_iter()
            .map(|gpu| {
                let (intake, done, q) = (q.intake(gpu), done.clone(), q.clone());
                std::thread::spawn(move || {
                    let mut taken = 0usize;
                    while !done.load(Ordering::Acquire) || !intake.is_empty() {
                        assert!(q.len() <= CAP, "depth above the bound");
                        if intake.recv_timeout(Duration::from_millis(1)).is_ok() {
                            taken += 1;
                        }
                    }
                    taken
                })
            })
            .collect();
        let accepted: usize = (0..8)
            .map(|t| {
                let q = q.clone();
                std::thread::spawn(move || {
                    (0..500)
                        .filter(|i| q.try_submit(job_scaled(1 + (t + i) % 2).0).is_ok())
                        .count()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().expect("submitter"))
            .sum();
        done.store(true, Ordering::Release);
        let taken: usize = takers.into_iter().map(|h| h.join().expect("taker")).sum();
        assert_eq!(taken, accepted, "every accepted job was taken once");
        assert!(q.is_empty());
    }

    #[test]
    fn a_closed_queue_still_hands_out_both_lanes_until_drained() {
        let q = by_scale();
        assert!(q.try_submit(job_scaled(2).0).is_ok());
        assert!(q.try_submit(job_scaled(1).0).is_ok());
        q.close();
        assert!(matches!(
            q.try_submit(job_scaled(2).0),
            Err(SubmitError::Closed)
        ));
        let (cpu, gpu) = (q.intake(false), q.intake(true));
        assert!(cpu.try_recv().is_some());
        assert!(cpu.is_empty(), "a CPU worker may exit now");
        assert!(
            !gpu.is_empty(),
            "the GPU worker must not: its lane holds a job"
        );
        assert!(gpu.try_recv().is_some());
        assert!(gpu.is_empty() && q.is_empty());
    }
}
