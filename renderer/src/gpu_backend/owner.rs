//! [`GpuRenderBackend`]: the device owner's backend — plain cats and sheets of a batch go
//! to the device in one call, the readback is encoded on several threads; everything else
//! (layer capture, fallbacks, chunks) on its internal CPU backend.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use pipeline::plan::Plan;
use pipeline::{CELL_BYTES, Canvas};

use crate::backend::{BackendError, CpuRenderBackend, RenderBackend};
use crate::job::{JobInput, JobOutput};
use pipeline::encode_cell;
use pipeline::sheet::SheetCanvas;

use super::GpuShared;
use super::shared::{Verdict, Work};

/// The GPU worker's backend (module docs).
#[derive(Debug)]
pub struct GpuRenderBackend {
    shared: Arc<GpuShared>,
    /// Renders what the device does not: layer capture, fallbacks, chunks (offered to the
    /// device first, as on every worker).
    cpu: CpuRenderBackend,
    /// The last cat readback, reused between batches.
    pixels: Vec<u8>,
}

impl GpuRenderBackend {
    /// The GPU backend of `shared` (it should hold the GPU role; see [`GpuShared::factory`]).
    #[must_use]
    pub fn new(shared: Arc<GpuShared>) -> Self {
        shared.owner_alive.store(true, Ordering::Release);
        Self {
            cpu: CpuRenderBackend::with_accelerator(shared.repo.clone(), shared.clone()),
            shared,
            pixels: Vec::new(),
        }
    }

    /// Renders one job on the internal CPU backend.
    fn on_cpu(&mut self, job: &JobInput) -> Result<JobOutput, BackendError> {
        self.cpu
            .render_batch(std::slice::from_ref(job))
            .pop()
            .unwrap_or_else(|| Err(BackendError::Failed("CPU backend gave no result".into())))
    }
}

/// A job the GPU renders: its index in the batch and its plans' range in the readback.
struct GpuJob<'a> {
    index: usize,
    first: usize,
    kind: GpuKind<'a>,
}

enum GpuKind<'a> {
    Cat {
        scale: u32,
    },
    Sheet {
        layout: &'a pipeline::sheet::SheetLayout,
        count: usize,
    },
}

impl RenderBackend for GpuRenderBackend {
    fn name(&self) -> &'static str {
        "gpu"
    }

    fn max_batch(&self) -> usize {
        self.shared.settings.max_batch
    }

    fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
        let mut results: Vec<Option<Result<JobOutput, BackendError>>> =
            (0..jobs.len()).map(|_| None).collect();
        let mut plans: Vec<&Plan> = Vec::new();
        let mut gpu_jobs: Vec<GpuJob<'_>> = Vec::new();
        for (index, job) in jobs.iter().enumerate() {
            let first = plans.len();
            match job {
                JobInput::Cat {
                    plan,
                    scale,
                    layers: None,
                } => {
                    plans.push(plan);
                    gpu_jobs.push(GpuJob {
                        index,
                        first,
                        kind: GpuKind::Cat { scale: *scale },
                    });
                }
                JobInput::Sheet {
                    plans: tiles,
                    layout,
                    sources: false,
                } => {
                    plans.extend(tiles.iter());
                    gpu_jobs.push(GpuJob {
                        index,
                        first,
                        kind: GpuKind::Sheet {
                            layout,
                            count: tiles.len(),
                        },
                    });
                }
                // Layer capture, chunks (composed on the device when large) and any later
                // kind: the CPU path.
                _ => results[index] = Some(self.on_cpu(job)),
            }
        }
        if !gpu_jobs.is_empty() {
            match self
                .shared
                .attempt(Work::Cats(&plans), gpu_jobs.len(), &mut self.pixels)
            {
                Verdict::Encode => {
                    let encoded =
                        encode_all(&gpu_jobs, &self.pixels, self.shared.settings.encode_threads);
                    for (index, r) in encoded {
                        results[index] = Some(r);
                    }
                }
                Verdict::Fail(e) => {
                    for j in &gpu_jobs {
                        results[j.index] = Some(Err(e.clone()));
                    }
                }
                // The client still gets its image.
                Verdict::Cpu => {
                    for j in &gpu_jobs {
                        results[j.index] = Some(self.on_cpu(&jobs[j.index]));
                    }
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(BackendError::Failed("job left unrendered".into()))))
            .collect()
    }
}

impl Drop for GpuRenderBackend {
    /// Stops the CPU workers borrowing the device, then frees it, so no device outlives its
    /// owner (the pool drops a panicked owner before building its successor).
    fn drop(&mut self) {
        self.shared.owner_alive.store(false, Ordering::Release);
        self.shared.close_device();
    }
}

/// Encodes every GPU job's PNG from the readback, on up to `threads` threads.
fn encode_all(
    jobs: &[GpuJob<'_>],
    pixels: &[u8],
    threads: usize,
) -> Vec<(usize, Result<JobOutput, BackendError>)> {
    let threads = threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        return jobs
            .iter()
            .map(|j| (j.index, encode_one(j, pixels)))
            .collect();
    }
    let per = jobs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|j| (j.index, encode_one(j, pixels)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(jobs.chunks(per))
            .flat_map(|(h, part)| {
                h.join().unwrap_or_else(|_| {
                    // An encoder panic is answered as a failure of its jobs, not re-raised
                    // across the scope.
                    part.iter()
                        .map(|j| {
                            (
                                j.index,
                                Err(BackendError::Encode("encoder thread panicked".into())),
                            )
                        })
                        .collect()
                })
            })
            .collect()
    })
}

/// Cat `i` of the readback.
fn cell(pixels: &[u8], i: usize) -> Result<&Canvas, BackendError> {
    pixels
        .get(i * CELL_BYTES..(i + 1) * CELL_BYTES)
        .and_then(|s| <&Canvas>::try_from(s).ok())
        .ok_or_else(|| BackendError::Failed(format!("GPU readback lacks cat {i}")))
}

fn encode_one(job: &GpuJob<'_>, pixels: &[u8]) -> Result<JobOutput, BackendError> {
    let enc = |e: pipeline::encode::EncodeError| BackendError::Encode(e.to_string());
    let png = match job.kind {
        GpuKind::Cat { scale } => encode_cell(cell(pixels, job.first)?, scale).map_err(enc)?,
        GpuKind::Sheet { layout, count } => {
            let mut sheet = SheetCanvas::new(*layout);
            for i in 0..count {
                sheet.put(i, cell(pixels, job.first + i)?);
            }
            sheet.encode().map_err(enc)?
        }
    };
    Ok(JobOutput::new(png, Vec::new(), Vec::new()))
}
