//! How many threads the pipeline's parallel steps (chunk bands, PNG strips) may use.

/// The cores this process may use (its CPU affinity and cgroup quota included), at least 1.
#[must_use]
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
