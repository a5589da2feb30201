//! `JobQueue`: the bounded queue between handlers and workers. Full → the job is handed back
//! at once (the handler answers 503); nothing ever waits for room.
//!
//! A full queue whose workers took nothing since the previous refusal is a queue whose
//! workers are not running: where they share a core with the threads that refuse (one
//! core, or more threads than cores), the refusing thread would otherwise keep that core
//! for its whole time slice, answering 503s while the runnable workers wait, and the renders
//! fall to a few a slice (measured: 0.08× capacity on one core). So such a refusal gives up
//! the rest of the refusing thread's time slice (`sched_yield`); on a core with nothing else
//! to run the call returns at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvError, Sender, TryRecvError, TrySendError};
use tokio::sync::oneshot;

use crate::job::{JobInput, JobOutput};
use crate::log_throttle::LogThrottle;

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

/// How far the workers got, as the refusals see it.
#[derive(Debug)]
struct Progress {
    /// Jobs the workers took, ever.
    taken: AtomicU64,
    /// `taken` as the previous refusal read it (`u64::MAX` before the first).
    at_last_refusal: AtomicU64,
    /// Refusals that found `taken` unchanged since the previous one, and yielded.
    stalled_refusals: AtomicU64,
}

impl Progress {
    /// Counts a refusal; true when the workers took nothing since the previous one.
    fn refusal_is_stalled(&self) -> bool {
        let taken = self.taken.load(Ordering::Relaxed);
        let stalled = self.at_last_refusal.swap(taken, Ordering::Relaxed) == taken;
        if stalled {
            self.stalled_refusals.fetch_add(1, Ordering::Relaxed);
        }
        stalled
    }
}

/// The bounded queue.
#[derive(Debug, Clone)]
pub struct JobQueue {
    /// The channel's only sender: [`Self::close`] drops it, so workers blocked on the
    /// receiver take what is still queued and then see the channel disconnected.
    tx: Arc<parking_lot::RwLock<Option<Sender<Job>>>>,
    rx: Receiver<Job>,
    capacity: usize,
    progress: Arc<Progress>,
}

/// A worker's end of the queue: every job it hands out counts as progress.
#[derive(Debug, Clone)]
pub struct JobReceiver {
    rx: Receiver<Job>,
    progress: Arc<Progress>,
}

impl JobReceiver {
    /// Sleeps until a job comes; after [`JobQueue::close`], hands out what is still queued,
    /// then fails.
    ///
    /// # Errors
    /// The queue is closed and empty.
    pub fn recv(&self) -> Result<Job, RecvError> {
        let job = self.rx.recv()?;
        self.progress.taken.fetch_add(1, Ordering::Relaxed);
        Ok(job)
    }

    /// A job if one waits.
    ///
    /// # Errors
    /// Nothing waits, or the queue is closed and empty.
    pub fn try_recv(&self) -> Result<Job, TryRecvError> {
        let job = self.rx.try_recv()?;
        self.progress.taken.fetch_add(1, Ordering::Relaxed);
        Ok(job)
    }
}

impl JobQueue {
    /// A queue holding at most `capacity` jobs.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
        Self {
            tx: Arc::new(parking_lot::RwLock::new(Some(tx))),
            rx,
            capacity: capacity.max(1),
            progress: Arc::new(Progress {
                taken: AtomicU64::new(0),
                at_last_refusal: AtomicU64::new(u64::MAX),
                stalled_refusals: AtomicU64::new(0),
            }),
        }
    }

    /// Queues a job or refuses it at once. A refusal while the workers have taken nothing
    /// since the previous one also gives up the calling thread's time slice (see the
    /// module's note); it never waits for room.
    ///
    /// # Errors
    /// [`SubmitError::Full`] at capacity, [`SubmitError::Closed`] after [`Self::close`].
    pub fn try_submit(&self, job: Job) -> Result<(), SubmitError> {
        let refused = {
            let guard = self.tx.read();
            let Some(tx) = guard.as_ref() else {
                return Err(SubmitError::Closed);
            };
            match tx.try_send(job) {
                Ok(()) => {
                    self.note_depth(tx.len());
                    return Ok(());
                }
                Err(e) => e,
            }
        };
        match refused {
            TrySendError::Full(_) => {
                if self.progress.refusal_is_stalled() {
                    // A system call that returns at once when nothing else waits for this
                    // core, and otherwise lets a starved worker run; it blocks nothing,
                    // and the lock above is released first.
                    std::thread::yield_now();
                }
                Err(SubmitError::Full)
            }
            TrySendError::Disconnected(_) => Err(SubmitError::Closed),
        }
    }

    /// Logs (throttled) a queue above 80 % after a submission.
    fn note_depth(&self, len: usize) {
        if len * 5 > self.capacity * 4 {
            // Under load this holds for most submissions: one line per 10 s.
            static NEAR_FULL: LogThrottle = LogThrottle::new(Duration::from_secs(10));
            if let Some(times) = NEAR_FULL.tick() {
                tracing::warn!(
                    target: "renderer.queue",
                    depth = len,
                    capacity = self.capacity,
                    times,
                    "queue above 80% of capacity"
                );
            }
        }
    }

    /// Refusals that found the workers without progress since the previous one (and gave
    /// up their thread's time slice to them), since start.
    #[must_use]
    pub fn stalled_refusals(&self) -> u64 {
        self.progress.stalled_refusals.load(Ordering::Relaxed)
    }

    /// Jobs waiting.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rx.len()
    }

    /// True when nothing waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rx.is_empty()
    }

    /// The bound.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Stops taking new work; queued jobs still get done. Drops the channel's sender.
    pub fn close(&self) {
        drop(self.tx.write().take());
    }

    /// True after [`Self::close`].
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.tx.read().is_none()
    }

    /// A worker's end.
    #[must_use]
    pub fn receiver(&self) -> JobReceiver {
        JobReceiver {
            rx: self.rx.clone(),
            progress: self.progress.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pipeline::plan::Plan;

    fn job() -> (Job, oneshot::Receiver<JobResult>) {
        let (tx, rx) = oneshot::channel();
        (
            Job {
                input: JobInput::Cat {
                    plan: Plan::default(),
                    scale: 1,
                    layers: None,
                },
                reply: tx,
                deadline: Instant::now(),
                enqueued: Instant::now(),
            },
            rx,
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
    fn refusals_without_worker_progress_count_as_stalled() {
        let q = JobQueue::new(1);
        let rx = q.receiver();
        assert!(q.try_submit(job().0).is_ok());
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Full)));
        assert_eq!(
            q.stalled_refusals(),
            0,
            "the first refusal has nothing to compare"
        );
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Full)));
        assert_eq!(
            q.stalled_refusals(),
            1,
            "nothing taken since the previous refusal"
        );
        assert!(rx.try_recv().is_ok());
        assert!(q.try_submit(job().0).is_ok());
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Full)));
        assert_eq!(q.stalled_refusals(), 1, "a job was taken in between");
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Full)));
        assert_eq!(q.stalled_refusals(), 2);
        assert!(rx.recv().is_ok(), "blocking takes count too");
        assert!(q.try_submit(job().0).is_ok());
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Full)));
        assert_eq!(q.stalled_refusals(), 2);
    }

    #[test]
    fn a_closed_queue_refuses_new_work_but_keeps_what_it_holds() {
        let q = JobQueue::new(2);
        assert!(q.try_submit(job().0).is_ok());
        q.close();
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Closed)));
        assert!(q.receiver().try_recv().is_ok());
    }

    #[test]
    fn closing_hands_out_what_is_queued_then_disconnects_every_receiver() {
        let q = JobQueue::new(2);
        let (a, b) = (q.receiver(), q.receiver());
        assert!(q.try_submit(job().0).is_ok());
        q.close();
        assert!(q.is_closed());
        assert!(matches!(q.try_submit(job().0), Err(SubmitError::Closed)));
        assert!(b.recv().is_ok(), "the job queued before closing");
        for r in [a, b] {
            assert!(
                r.recv().is_err(),
                "then disconnected: a blocked worker wakes and ends"
            );
        }
    }
}
