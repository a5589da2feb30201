//! One batch of cats on the device: plans encoded into jobs and ops, split into passes
//! pipelined over two readback buffers, the readback copied out on several threads.

use std::sync::mpsc;

use super::error::GpuError;

use super::layout::{GROUPS_PER_JOB, GpuParams, encode_plans};
use super::setup::scoped;
use super::{GpuBackend, resources::*};
use crate::atlas::AtlasRepository;
use crate::cell::CELL_BYTES;
use crate::plan::Plan;

/// Jobs per pass below which a batch is not split for pipelining.
pub(super) const PIPELINE_MIN_PASS: usize = 1024;

/// A submitted pass, not yet waited for.
pub(super) struct Pass {
    pub(super) submission: wgpu::SubmissionIndex,
    /// Index in the batch of its first plan.
    pub(super) first: usize,
    pub(super) out_bytes: u64,
    /// The readback slot and the channel its map callback answers on.
    pub(super) mapped: Option<(usize, mpsc::Receiver<Result<(), wgpu::BufferAsyncError>>)>,
}

impl GpuBackend {
    /// Renders every plan and writes the cats one after another into `out` (replacing its
    /// contents): `plans.len() * 10_000` bytes of RGBA8, 50×50 each.
    ///
    /// # Errors
    /// Any [`GpuError`]; `out` then holds an unspecified prefix of the results.
    pub fn render_batch(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        // Resized, not cleared: a reused `out` is not zero-filled again on every batch.
        out.resize(plans.len() * CELL_BYTES, 0);
        let threads = self.copy_threads;
        self.render_batch_with(repo, plans, |first, pixels| {
            let at = first * CELL_BYTES;
            parallel_copy(&mut out[at..at + pixels.len()], pixels, threads);
        })
    }

    /// Renders every plan and hands the results to `each` straight from the mapped readback
    /// buffer, without a copy: `each(first, pixels)` receives the cats of plans
    /// `first..first + pixels.len() / 10_000`, once per pass, in order.
    ///
    /// Large batches run as several passes, pipelined: the device renders and transfers
    /// pass `k + 1` into a second readback buffer while `each` reads pass `k`.
    ///
    /// # Errors
    /// Any [`GpuError`].
    pub fn render_batch_with(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        mut each: impl FnMut(usize, &[u8]),
    ) -> Result<(), GpuError> {
        self.check_repo(repo)?;
        // Runs of plans the shader can draw go to the device; plans with CatGenerator's
        // float stages are drawn by the CPU twin, in order.
        let mut start = 0;
        while start < plans.len() {
            let on_cpu = plans[start].has_float_ops();
            let len = plans[start..]
                .iter()
                .position(|p| p.has_float_ops() != on_cpu)
                .unwrap_or(plans.len() - start);
            let run = &plans[start..start + len];
            if on_cpu {
                for (i, plan) in run.iter().enumerate() {
                    each(start + i, self.float_cpu.render(repo, plan));
                }
            } else {
                self.render_device_run(run, |first, pixels| each(start + first, pixels))?;
            }
            start += len;
        }
        Ok(())
    }

    /// [`Self::render_batch_with`] for plans the shader draws.
    pub(super) fn render_device_run(
        &mut self,
        plans: &[&Plan],
        mut each: impl FnMut(usize, &[u8]),
    ) -> Result<(), GpuError> {
        if plans.is_empty() {
            return Ok(());
        }
        // Four passes give the copy of one pass the next one's device time to hide in;
        // below PIPELINE_MIN_PASS jobs per pass the fixed cost of a pass outweighs that.
        let per_pass = if plans.len() >= 2 * PIPELINE_MIN_PASS {
            plans.len().div_ceil(4).max(PIPELINE_MIN_PASS)
        } else {
            plans.len()
        }
        .min(self.max_jobs_per_pass);
        let device = self.device.clone();
        scoped(&device, || {
            let mut chunks = plans.chunks(per_pass).enumerate();
            let mut result = Ok(());
            let mut in_flight = match chunks.next() {
                Some((i, chunk)) => Some(self.submit(chunk, i * per_pass, Some(i % 2))?),
                None => None,
            };
            // After an error, passes already in flight are still waited for and unmapped,
            // so the next batch finds its readback buffers usable.
            while let Some(current) = in_flight.take() {
                if result.is_ok()
                    && let Some((i, chunk)) = chunks.next()
                {
                    match self.submit(chunk, i * per_pass, Some(i % 2)) {
                        Ok(next) => in_flight = Some(next),
                        Err(e) => result = Err(e),
                    }
                }
                let consumer = if result.is_ok() {
                    Some(&mut each)
                } else {
                    None
                };
                let finished = self.finish(current, consumer);
                if result.is_ok() {
                    result = finished;
                }
            }
            result
        })?
    }

    /// Renders every plan and waits until the device has finished, without reading the
    /// results back (for benchmarks of the compute alone).
    ///
    /// # Errors
    /// Any [`GpuError`].
    pub fn render_batch_no_readback(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
    ) -> Result<(), GpuError> {
        self.check_repo(repo)?;
        let device = self.device.clone();
        scoped(&device, || {
            for (i, chunk) in plans.chunks(self.max_jobs_per_pass).enumerate() {
                let pass = self.submit(chunk, i * self.max_jobs_per_pass, None)?;
                self.finish(pass, None::<&mut fn(usize, &[u8])>)?;
            }
            Ok(())
        })?
    }

    pub(super) fn check_repo(&self, repo: &AtlasRepository) -> Result<(), GpuError> {
        self.health.check_lost()?;
        if repo.fingerprint() == self.fingerprint {
            Ok(())
        } else {
            Err(GpuError::WrongRepository)
        }
    }

    /// Encodes and submits one dispatch of at most `max_jobs_per_pass` plans (non-empty),
    /// copying the output into readback buffer `slot` when given and asking for its map.
    ///
    /// The job, op, params and output buffers are shared by consecutive passes: queue
    /// writes and dispatches execute in submission order, so pass `k + 1` overwrites them
    /// only after pass `k` has copied its output out. Only the readback buffer, which the
    /// host reads while the device works on, needs one per pass in flight.
    pub(super) fn submit(
        &mut self,
        plans: &[&Plan],
        first: usize,
        slot: Option<usize>,
    ) -> Result<Pass, GpuError> {
        let dims = self.write_composite(plans, first)?;
        let n = plans.len() as u32;
        let out_bytes = u64::from(n) * CELL_BYTES as u64;
        if let Some(slot) = slot {
            self.readback[slot].ensure(&self.device, out_bytes);
        }
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("composite batch"),
            });
        self.record_composite(&mut encoder, dims);
        if let Some(slot) = slot {
            encoder.copy_buffer_to_buffer(
                self.out.get(),
                0,
                self.readback[slot].get(),
                0,
                out_bytes,
            );
        }
        let submission = self.queue.submit([encoder.finish()]);
        let mapped = slot.map(|slot| (slot, self.map_readback(slot, out_bytes)));
        Ok(Pass {
            submission,
            first,
            out_bytes,
            mapped,
        })
    }

    /// Encodes `plans` (at most `max_jobs_per_pass`) into the job, op and params buffers and
    /// makes sure the output buffer holds their cats; returns the dispatch's y and z sizes.
    pub(super) fn write_composite(
        &mut self,
        plans: &[&Plan],
        first: usize,
    ) -> Result<(u32, u32), GpuError> {
        self.host_jobs.clear();
        self.host_ops.clear();
        encode_plans(
            plans,
            first,
            self.cells,
            &mut self.host_jobs,
            &mut self.host_ops,
        )?;
        let n = plans.len() as u32;
        let out_bytes = u64::from(n) * CELL_BYTES as u64;
        let groups_y = n.min(self.max_groups_per_dimension);
        let groups_z = n.div_ceil(groups_y);

        let mut grown = false;
        grown |= self.jobs.ensure(&self.device, byte_len(&self.host_jobs));
        grown |= self
            .ops
            .ensure(&self.device, byte_len(&self.host_ops).max(16));
        grown |= self.out.ensure(&self.device, out_bytes);
        if grown || self.bind_group.is_none() {
            self.bind_group = Some(self.make_bind_group());
        }
        let params = GpuParams {
            job_count: n,
            groups_y,
            reserved: [0; 2],
        };
        self.queue
            .write_buffer(&self.params, 0, bytemuck::bytes_of(&params));
        self.queue
            .write_buffer(self.jobs.get(), 0, bytemuck::cast_slice(&self.host_jobs));
        if !self.host_ops.is_empty() {
            self.queue
                .write_buffer(self.ops.get(), 0, bytemuck::cast_slice(&self.host_ops));
        }
        Ok((groups_y, groups_z))
    }

    /// Records the composite dispatch `write_composite` prepared.
    pub(super) fn record_composite(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        (groups_y, groups_z): (u32, u32),
    ) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("composite"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, self.bind_group.as_ref(), &[]);
        pass.dispatch_workgroups(GROUPS_PER_JOB, groups_y, groups_z);
    }

    /// Asks for the first `bytes` of readback buffer `slot` to be mapped once the work
    /// submitted so far is done; the receiver answers when it is.
    pub(super) fn map_readback(
        &self,
        slot: usize,
        bytes: u64,
    ) -> mpsc::Receiver<Result<(), wgpu::BufferAsyncError>> {
        let (tx, rx) = mpsc::channel();
        self.readback[slot]
            .get()
            .slice(..bytes)
            .map_async(wgpu::MapMode::Read, move |r| {
                // The receiver lives until the pass is finished; a failed send only
                // means the batch already returned an error.
                let _ = tx.send(r);
            });
        rx
    }

    /// Waits for a submitted pass and hands its mapped results to `each`. The readback
    /// buffer is unmapped on every path, errors included.
    pub(super) fn finish(
        &mut self,
        pass: Pass,
        each: Option<&mut impl FnMut(usize, &[u8])>,
    ) -> Result<(), GpuError> {
        let waited = self.device.poll(wgpu::PollType::Wait {
            submission_index: Some(pass.submission),
            timeout: Some(self.pass_timeout),
        });
        let healthy = || -> Result<(), GpuError> {
            self.health.check_lost()?;
            waited.as_ref().map_err(|e| match e {
                wgpu::PollError::Timeout => GpuError::DeviceLost(format!(
                    "the device did not finish a pass within {:?}",
                    self.pass_timeout
                )),
                e => GpuError::Readback(e.to_string()),
            })?;
            self.health.take_uncaptured()
        };
        let Some((slot, rx)) = pass.mapped else {
            return healthy();
        };
        let mapped = rx.try_recv();
        let buffer = self.readback[slot].get();
        let result = healthy().and_then(|()| {
            match &mapped {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(GpuError::Readback(e.to_string())),
                Err(_) => {
                    return Err(GpuError::Readback(
                        "the device finished but the readback buffer was not mapped".into(),
                    ));
                }
            }
            let view = buffer
                .slice(..pass.out_bytes)
                .get_mapped_range()
                .map_err(|e| GpuError::Readback(e.to_string()))?;
            if let Some(each) = each {
                each(pass.first, &view);
            }
            Ok(())
        });
        // Mapped, or a map still pending (which unmapping cancels); a failed map left
        // nothing to unmap.
        if !matches!(mapped, Ok(Err(_))) {
            buffer.unmap();
        }
        result
    }

    pub(super) fn make_bind_group(&self) -> wgpu::BindGroup {
        let mut entries = vec![
            entry(0, &self.params),
            entry(1, self.jobs.get()),
            entry(2, self.ops.get()),
            entry(3, self.out.get()),
        ];
        for (i, buffer) in self.atlas.iter().enumerate() {
            entries.push(entry(4 + i as u32, buffer));
        }
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("composite.wgsl bind group"),
            layout: &self.bind_group_layout,
            entries: &entries,
        })
    }
}

/// Copies `src` into `dst` on up to `threads` threads, in pieces of at least 4 MiB: one
/// core cannot read a large mapped readback buffer as fast as the device fills it.
fn parallel_copy(dst: &mut [u8], src: &[u8], threads: usize) {
    const MIN_PIECE: usize = 4 << 20;
    let pieces = (src.len() / MIN_PIECE).clamp(1, threads.max(1));
    if pieces == 1 {
        dst.copy_from_slice(src);
        return;
    }
    let piece = src.len().div_ceil(pieces);
    std::thread::scope(|s| {
        for (d, from) in dst.chunks_mut(piece).zip(src.chunks(piece)) {
            s.spawn(move || d.copy_from_slice(from));
        }
    });
}
