//! Test and benchmark support: open a backend if the machine has an adapter, skip visibly if
//! it has none, and fail when the caller says the machine must have one (CI with a software
//! Vulkan driver sets `CG3_REQUIRE_GPU`, so a missing driver cannot turn the GPU tests
//! green). The crate reads no environment: tests read the variable and pass what it says.

use super::{GpuBackend, GpuError};
use crate::atlas::AtlasRepository;

/// The variable through which CI demands an adapter.
pub const REQUIRE_GPU_VAR: &str = "CG3_REQUIRE_GPU";

/// Whether a value of [`REQUIRE_GPU_VAR`] demands an adapter (`1`, `true`, `yes`; not
/// unset, empty, `0`, `false` or `no`).
#[must_use]
pub fn gpu_required(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        !v.is_empty()
            && v != "0"
            && !v.eq_ignore_ascii_case("false")
            && !v.eq_ignore_ascii_case("no")
    })
}

impl GpuBackend {
    /// A backend for tests and benchmarks: `Ok(Some)` with an adapter; `Ok(None)` after
    /// printing `SKIPPED: no GPU adapter ...` when there is none and an adapter is not
    /// `required` (see [`gpu_required`]).
    ///
    /// # Errors
    /// [`GpuError::NoAdapter`] when there is no adapter and one is required; any other
    /// start-up error always (an adapter that exists but fails is a failure, not a skip).
    pub fn try_new_for_tests(
        repo: &AtlasRepository,
        required: bool,
    ) -> Result<Option<Self>, GpuError> {
        match Self::new(repo) {
            Ok(b) => Ok(Some(b)),
            Err(GpuError::NoAdapter(why)) if !required => {
                eprintln!(
                    "SKIPPED: no GPU adapter ({why}); install a driver (e.g. `apt-get install \
                     mesa-vulkan-drivers`) or set CG3_REQUIRE_GPU=1 to make this a failure"
                );
                Ok(None)
            }
            Err(GpuError::NoAdapter(why)) => Err(GpuError::NoAdapter(format!(
                "an adapter is required ({REQUIRE_GPU_VAR}) but there is none: {why}"
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

#[cfg(test)]
mod tests {
    use super::gpu_required;

    #[test]
    fn only_a_yes_value_requires_an_adapter() {
        for yes in ["1", "true", "YES", " 1 "] {
            assert!(gpu_required(Some(yes)), "{yes}");
        }
        for no in [None, Some(""), Some("0"), Some("false"), Some("No")] {
            assert!(!gpu_required(no), "{no:?}");
        }
    }
}
