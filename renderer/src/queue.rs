//! `JobQueue`: the bounded queue between handlers and workers. Full → the job is handed back
//! at once (the handler answers 503); nothing ever waits for room.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, TrySendError};
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

/// The bounded queue.
#[derive(Debug, Clone)]
pub struct JobQueue {
    /// The channel's only sender: [`Self::close`] drops it, so workers blocked on the
    /// receiver take what is still queued and then see the channel disconnected.
    tx: Arc<parking_lot::RwLock<Option<Sender<Job>>>>,
    rx: Receiver<Job>,
    capacity: usize,
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
        }
    }

    /// Queues a job or refuses it at once.
    ///
    /// # Errors
    /// [`SubmitError::Full`] at capacity, [`SubmitError::Closed`] after [`Self::close`].
    pub fn try_submit(&self, job: Job) -> Result<(), SubmitError> {
        let tx = self.tx.read();
        let Some(tx) = tx.as_ref() else {
            return Err(SubmitError::Closed);
        };
        match tx.try_send(job) {
            Ok(()) => {
                let len = tx.len();
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
                Ok(())
            }
            Err(TrySendError::Full(_)) => Err(SubmitError::Full),
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::Closed),
        }
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

    /// The workers' end.
    #[must_use]
    pub fn receiver(&self) -> Receiver<Job> {
        self.rx.clone()
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
