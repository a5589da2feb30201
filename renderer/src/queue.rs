//! `JobQueue`: the bounded queue between handlers and workers. Full → the job is handed back
//! at once (the handler answers 503); nothing ever waits for room.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossbeam_channel::{Receiver, Sender, TrySendError};
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

/// The bounded queue.
#[derive(Debug, Clone)]
pub struct JobQueue {
    tx: Sender<Job>,
    rx: Receiver<Job>,
    capacity: usize,
    closed: Arc<AtomicBool>,
    /// Never sends; dropped by [`Self::close`], which wakes every worker waiting on
    /// [`Self::closed_signal`] at once (the job channel's own sender lives as long as the
    /// app's state, so its disconnection cannot be the signal).
    closing: Arc<parking_lot::Mutex<Option<Sender<()>>>>,
    closed_rx: Receiver<()>,
}

impl JobQueue {
    /// A queue holding at most `capacity` jobs.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded(capacity.max(1));
        let (closing, closed_rx) = crossbeam_channel::bounded(0);
        Self {
            tx,
            rx,
            capacity: capacity.max(1),
            closed: Arc::new(AtomicBool::new(false)),
            closing: Arc::new(parking_lot::Mutex::new(Some(closing))),
            closed_rx,
        }
    }

    /// Queues a job or refuses it at once.
    ///
    /// # Errors
    /// [`SubmitError::Full`] at capacity, [`SubmitError::Closed`] after [`Self::close`].
    pub fn try_submit(&self, job: Job) -> Result<(), SubmitError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(SubmitError::Closed);
        }
        match self.tx.try_send(job) {
            Ok(()) => {
                let len = self.tx.len();
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
            Err(TrySendError::Full(_)) => Err(SubmitError::Full),
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::Closed),
        }
    }

    /// Jobs waiting.
    #[must_use]
    pub fn len(&self) -> usize {
        self.tx.len()
    }

    /// True when nothing waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tx.is_empty()
    }

    /// The bound.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Stops taking new work; queued jobs still get done.
    pub fn close(&self) {
        self.closed.store(true, Ordering::Release);
        drop(self.closing.lock().take());
    }

    /// Ready (disconnected) once [`Self::close`] ran: workers wait on it beside the jobs.
    #[must_use]
    pub fn closed_signal(&self) -> Receiver<()> {
        self.closed_rx.clone()
    }

    /// True after [`Self::close`].
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
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
    fn the_closed_signal_is_pending_until_close_then_ready_for_every_holder() {
        let q = JobQueue::new(2);
        let (a, b) = (q.closed_signal(), q.closed_signal());
        assert_eq!(a.try_recv(), Err(crossbeam_channel::TryRecvError::Empty));
        q.close();
        for s in [a, b] {
            assert_eq!(
                s.try_recv(),
                Err(crossbeam_channel::TryRecvError::Disconnected)
            );
        }
        assert!(q.is_closed());
    }
}
