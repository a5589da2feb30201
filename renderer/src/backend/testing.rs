//! Backends for tests: controllable failures, delays and panics around the CPU backend.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use std::sync::Arc;

use pipeline::AtlasRepository;

use super::cpu::CpuRenderBackend;
use super::{BackendError, BackendFactory, RenderBackend};
use crate::job::{JobInput, JobOutput};

/// Switches shared by every [`TestBackend`] of one factory.
#[derive(Debug, Default)]
pub struct TestControl {
    /// Every job fails while set.
    pub fail: AtomicBool,
    /// Every batch panics while set.
    pub panic: AtomicBool,
    /// Each batch sleeps this long first (a stand-in for a slow device).
    pub delay_ms: AtomicU64,
    /// Batches started, for assertions.
    pub batches: AtomicU64,
}

impl TestControl {
    /// Sets or clears failing.
    pub fn set_fail(&self, on: bool) {
        self.fail.store(on, Ordering::SeqCst);
    }

    /// Sets the per-batch delay.
    pub fn set_delay(&self, d: Duration) {
        self.delay_ms.store(
            u64::try_from(d.as_millis()).unwrap_or(u64::MAX),
            Ordering::SeqCst,
        );
    }
}

/// The CPU backend wrapped in [`TestControl`] switches.
#[derive(Debug)]
pub struct TestBackend {
    inner: CpuRenderBackend,
    control: Arc<TestControl>,
}

impl TestBackend {
    /// A factory of test backends sharing `control`.
    #[must_use]
    pub fn factory(repo: Arc<AtlasRepository>, control: Arc<TestControl>) -> BackendFactory {
        Arc::new(move |_role| {
            Box::new(Self {
                inner: CpuRenderBackend::new(repo.clone()),
                control: control.clone(),
            })
        })
    }
}

impl RenderBackend for TestBackend {
    fn name(&self) -> &'static str {
        "test"
    }

    fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
        self.control.batches.fetch_add(1, Ordering::SeqCst);
        let delay = self.control.delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        assert!(
            !self.control.panic.load(Ordering::SeqCst),
            "test backend told to panic"
        );
        if self.control.fail.load(Ordering::SeqCst) {
            return jobs
                .iter()
                .map(|_| Err(BackendError::Failed("test backend told to fail".into())))
                .collect();
        }
        self.inner.render_batch(jobs)
    }
}
