//! `CpuRenderBackend`: the reference backend — cats, sheets and layers on `pipeline`'s CPU
//! executor, chunks through a [`ChunkRenderer`].

use std::sync::Arc;
use std::time::Instant;

use pipeline::{AtlasRepository, CpuBackend};

use super::chunk::ChunkRenderer;
use super::{BackendError, BackendFactory, ChunkAccelerator, RenderBackend};
use crate::job::{JobInput, JobOutput};
use pipeline::encode_cell;
use pipeline::layers::render_layers;
use pipeline::sheet::render_sheet;

/// The CPU reference backend.
#[derive(Debug)]
pub struct CpuRenderBackend {
    repo: Arc<AtlasRepository>,
    cpu: CpuBackend,
    chunks: ChunkRenderer,
    /// Composes the chunks it takes, when set.
    accelerator: Option<Arc<dyn ChunkAccelerator>>,
}

impl CpuRenderBackend {
    /// A backend rendering from `repo`.
    #[must_use]
    pub fn new(repo: Arc<AtlasRepository>) -> Self {
        Self {
            repo,
            cpu: CpuBackend::new(),
            chunks: ChunkRenderer::default(),
            accelerator: None,
        }
    }

    /// A backend rendering from `repo` that offers every chunk to `accelerator` first.
    #[must_use]
    pub fn with_accelerator(
        repo: Arc<AtlasRepository>,
        accelerator: Arc<dyn ChunkAccelerator>,
    ) -> Self {
        Self {
            accelerator: Some(accelerator),
            ..Self::new(repo)
        }
    }

    /// A factory of CPU backends sharing `repo`.
    #[must_use]
    pub fn factory(repo: Arc<AtlasRepository>) -> BackendFactory {
        Arc::new(move |_role| Box::new(Self::new(repo.clone())))
    }

    fn render_one(&mut self, job: &JobInput) -> Result<JobOutput, BackendError> {
        let enc = |e: pipeline::encode::EncodeError| BackendError::Encode(e.to_string());
        match job {
            JobInput::Cat {
                plan,
                scale,
                layers: None,
            } => Ok(JobOutput::new(
                encode_cell(self.cpu.render(&self.repo, plan), *scale).map_err(enc)?,
                Vec::new(),
                Vec::new(),
            )),
            JobInput::Cat {
                plan,
                scale,
                layers: Some(images),
            } => {
                let (canvas, layers) = render_layers(
                    &mut self.cpu,
                    &self.repo,
                    plan,
                    *images,
                    *scale,
                    Instant::now,
                )
                .map_err(enc)?;
                Ok(JobOutput::new(
                    encode_cell(&canvas, *scale).map_err(enc)?,
                    layers,
                    Vec::new(),
                ))
            }
            JobInput::Sheet {
                plans,
                layout,
                sources,
            } => {
                let (png, frames) =
                    render_sheet(&mut self.cpu, &self.repo, plans, *layout, *sources)
                        .map_err(enc)?;
                Ok(JobOutput::new(png, Vec::new(), frames))
            }
            JobInput::Cell { cell } => {
                let canvas = self.repo.cell_canvas(*cell);
                Ok(JobOutput::new(
                    encode_cell(&canvas, 1).map_err(enc)?,
                    Vec::new(),
                    Vec::new(),
                ))
            }
            JobInput::Chunk { plan, level } => Ok(JobOutput::new(
                self.chunks
                    .render_png(&self.repo, plan, *level, self.accelerator.as_deref())?,
                Vec::new(),
                Vec::new(),
            )),
        }
    }
}

impl RenderBackend for CpuRenderBackend {
    fn name(&self) -> &'static str {
        "cpu"
    }

    fn render_batch(&mut self, jobs: &[JobInput]) -> Vec<Result<JobOutput, BackendError>> {
        jobs.iter().map(|j| self.render_one(j)).collect()
    }
}
