//! Test and benchmark support: open a backend if the machine has an adapter, skip visibly if
//! it has none, and fail when `CG3_REQUIRE_GPU` says the machine must have one (CI with a
//! software Vulkan driver sets it, so a missing driver cannot turn the GPU tests green).
//! The service never calls this; it is the one place the crate reads a `CG3_*` variable.

use super::{GpuBackend, GpuError};
use crate::atlas::AtlasRepository;

/// Whether `CG3_REQUIRE_GPU` demands an adapter (`1`, `true`, `yes`; not `0` or empty).
#[must_use]
pub fn gpu_required() -> bool {
    std::env::var("CG3_REQUIRE_GPU").is_ok_and(|v| {
        let v = v.trim();
        !v.is_empty()
            && v != "0"
            && !v.eq_ignore_ascii_case("false")
            && !v.eq_ignore_ascii_case("no")
    })
}

impl GpuBackend {
    /// A backend for tests and benchmarks: `Ok(Some)` with an adapter; `Ok(None)` after
    /// printing `SKIPPED: no GPU adapter ...` when there is none and `CG3_REQUIRE_GPU` is
    /// unset.
    ///
    /// # Errors
    /// [`GpuError::NoAdapter`] when there is no adapter and `CG3_REQUIRE_GPU=1`; any other
    /// start-up error always (an adapter that exists but fails is a failure, not a skip).
    pub fn try_new_for_tests(repo: &AtlasRepository) -> Result<Option<Self>, GpuError> {
        match Self::new(repo) {
            Ok(b) => Ok(Some(b)),
            Err(GpuError::NoAdapter(why)) if !gpu_required() => {
                eprintln!(
                    "SKIPPED: no GPU adapter ({why}); install a driver (e.g. `apt-get install \
                     mesa-vulkan-drivers`) or set CG3_REQUIRE_GPU=1 to make this a failure"
                );
                Ok(None)
            }
            Err(GpuError::NoAdapter(why)) => Err(GpuError::NoAdapter(format!(
                "CG3_REQUIRE_GPU is set but there is no adapter: {why}"
            ))),
            Err(e) => Err(e),
        }
    }
}

impl GpuBackend {
    /// Destroys the device under the backend, as a driver reset would, so tests can drive
    /// the real device-loss path: every later call must answer [`GpuError::DeviceLost`]
    /// (or another [`GpuError`]), never panic. The backend is useless afterwards.
    pub fn lose_device_for_tests(&self) {
        self.device.destroy();
        // wgpu reports the loss from its next maintenance of the device; one non-blocking
        // poll runs it (a blocking wait on a destroyed device may never return).
        let _ = self.device.poll(wgpu::PollType::Poll);
    }
}
