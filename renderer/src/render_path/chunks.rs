//! The chunk side of the [`RenderPath`]: plan on the request's task, then texture store →
//! identical in-flight work → breaker → bounded queue → worker → texture store; and the
//! fetch path, which re-renders an evicted texture from its recipe.

use std::sync::Arc;

use pipeline::chunk::{ChunkPlan, ChunkRequest};
use serde_json::Value;

use crate::cache::Key;
use crate::coalesce::Shared;
use crate::error::RenderError;
use crate::job::JobInput;
use crate::metrics::Outcome;
use crate::shared::Lookup;
use crate::textures::store::{Texture, parse_hash};

use super::{RenderKey, RenderPath};

/// Where a texture came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// The texture store.
    Cached,
    /// The shared store (Redis): another replica rendered it.
    Shared,
    /// A worker, for this request.
    Rendered,
    /// Identical work already in flight.
    Coalesced,
}

impl Served {
    /// The outcome a chunk request served this way counts as.
    #[must_use]
    pub const fn outcome(self) -> Outcome {
        match self {
            Self::Cached => Outcome::Cached,
            Self::Shared => Outcome::Shared,
            Self::Rendered => Outcome::Rendered,
            Self::Coalesced => Outcome::Coalesced,
        }
    }
}

/// A parsed and resolved chunk request, ready to render.
#[derive(Debug)]
pub struct PlannedChunk {
    /// The request as parsed (its chunk coordinates are echoed back).
    pub request: ChunkRequest,
    /// The resolved plan.
    pub plan: Arc<ChunkPlan>,
    /// The texture's hash.
    pub hash: Key,
}

impl RenderPath {
    /// Parses, limit-checks and resolves a chunk request. Cheap (no pixels), so it runs on
    /// the request's task.
    ///
    /// # Errors
    /// 422 naming the field for anything out of limits or unknown.
    pub fn plan_chunk(&self, body: &Value) -> Result<PlannedChunk, RenderError> {
        let t = &self.textures;
        let request = ChunkRequest::from_json(body, &t.limits)?;
        let plan = ChunkPlan::resolve(&request, &self.repo, &t.tilesets)?;
        let Some(hash) = parse_hash(&plan.hash) else {
            tracing::error!(hash = %plan.hash, "chunk hash is not 64 hex digits");
            return Err(RenderError::Internal);
        };
        Ok(PlannedChunk {
            request,
            plan: Arc::new(plan),
            hash,
        })
    }

    /// The texture of a planned chunk: from the store, or rendered on the worker pool. Its
    /// recipe is recorded on success, so the texture can be rendered again after eviction.
    ///
    /// # Errors
    /// As [`RenderPath::render`]: refusals, deadlines and backend failures.
    pub async fn chunk_texture(
        &self,
        planned: &PlannedChunk,
    ) -> Result<(Arc<Texture>, Served), RenderError> {
        let t = &self.textures;
        let hex = &planned.plan.hash;
        let found = if let Some(hit) = t.store.get(&planned.hash) {
            self.metrics.texture_store(true);
            (hit, Served::Cached)
        } else {
            self.metrics.texture_store(false);
            match self.shared_texture(planned.hash, hex).await {
                Some(hit) => (hit, Served::Shared),
                None => {
                    self.render_texture(planned.hash, planned.plan.clone())
                        .await?
                }
            }
        };
        let recipe = planned.request.canonical_json();
        t.recipes.insert(planned.hash, &recipe);
        if let Some(shared) = self.shared.clone() {
            // The recipe is in Redis (or, while Redis is away, in the backlog) before the URL
            // is handed out, so a crash right after answering loses no URL. Every hand-out
            // refreshes its retention. A texture is written once, by its renderer, in the
            // background.
            shared.put_recipe(hex, &recipe).await;
            if found.1 == Served::Rendered {
                let (hex, png) = (hex.clone(), found.0.png.clone());
                tokio::spawn(async move { shared.put_texture(&hex, &png).await });
            }
        }
        Ok(found)
    }

    /// A texture another replica put in the shared store, kept locally from then on.
    /// `None` without a shared layer, when textures are not shared, when Redis lacks it or
    /// is slow, or when the bytes are not a PNG (then it is rendered instead).
    async fn shared_texture(&self, hash: Key, hex: &str) -> Option<Arc<Texture>> {
        let png = self.shared.as_ref()?.get_texture(hex).await?;
        let Some((w, h)) = png_size(&png) else {
            tracing::warn!(hash = hex, "the shared texture is not a PNG; rendering it");
            return None;
        };
        let texture = Arc::new(Texture::new(png.into(), w, h));
        self.textures.store.insert(hash, texture.clone());
        Some(texture)
    }

    /// `GET /textures/{hash}.png`: the stored texture, or one rendered again from its recipe.
    ///
    /// # Errors
    /// 404 for a malformed hash or one with neither texture nor recipe; otherwise as
    /// [`RenderPath::chunk_texture`].
    pub async fn fetch_texture(&self, hex: &str) -> Result<(Arc<Texture>, Served), RenderError> {
        let result = self.fetch_inner(hex).await;
        self.metrics.texture_fetch(match &result {
            Ok((_, Served::Cached)) => Outcome::Cached,
            Ok((_, Served::Shared)) => Outcome::Shared,
            Ok(_) => Outcome::Rerendered,
            Err(RenderError::NotFound(_)) => Outcome::NotFound,
            Err(_) => Outcome::Failed,
        });
        result
    }

    async fn fetch_inner(&self, hex: &str) -> Result<(Arc<Texture>, Served), RenderError> {
        let t = &self.textures;
        let unknown = || RenderError::NotFound(format!("no texture `{hex}`"));
        let hash = parse_hash(hex).ok_or_else(unknown)?;
        if let Some(hit) = t.store.get(&hash) {
            self.metrics.texture_store(true);
            return Ok((hit, Served::Cached));
        }
        self.metrics.texture_store(false);
        if let Some(hit) = self.shared_texture(hash, hex).await {
            return Ok((hit, Served::Shared));
        }
        let plan = match t.recipes.get(&hash) {
            Some(recipe) => self.plan_recipe(&recipe, hex)?,
            None => self.shared_recipe(hash, hex).await?,
        };
        tracing::debug!(
            hash = hex,
            "texture evicted; rendering it again from its recipe"
        );
        let (texture, served) = self.render_texture(hash, plan).await?;
        // Re-rendered here: share the bytes so the next replica need not.
        if let Some(shared) = self.shared.clone()
            && served == Served::Rendered
        {
            let (hex, png) = (hex.to_owned(), texture.png.clone());
            tokio::spawn(async move { shared.put_texture(&hex, &png).await });
        }
        Ok((texture, served))
    }

    /// The plan of a recipe another replica shared through Redis (kept locally from then
    /// on).
    ///
    /// # Errors
    /// 404 without a shared layer, when Redis has no such recipe, or when the recipe names
    /// atlases or tilesets this replica does not have (a replica of another version); 503
    /// `shared_store_unavailable` when Redis cannot be asked now, since another replica (or
    /// this one, later) may still know the texture.
    async fn shared_recipe(&self, hash: Key, hex: &str) -> Result<Arc<ChunkPlan>, RenderError> {
        let unknown = || RenderError::NotFound(format!("no texture `{hex}`"));
        let shared = self.shared.as_ref().ok_or_else(unknown)?;
        let recipe = match shared.get_recipe(hex).await {
            Lookup::Found(r) => r,
            Lookup::Absent => return Err(unknown()),
            Lookup::Unavailable => return Err(RenderError::SharedUnavailable),
        };
        let t = &self.textures;
        let plan = serde_json::from_str::<Value>(&recipe)
            .ok()
            .and_then(|v| ChunkRequest::from_json(&v, &t.limits).ok())
            .and_then(|r| ChunkPlan::resolve(&r, &self.repo, &t.tilesets).ok())
            .filter(|p| p.hash == hex);
        let Some(plan) = plan else {
            tracing::warn!(
                hash = hex,
                "a shared recipe does not resolve to its hash here; another version?"
            );
            return Err(unknown());
        };
        t.recipes.insert(hash, &recipe);
        Ok(Arc::new(plan))
    }

    /// Rebuilds the plan of a stored recipe and checks it still names `hex`.
    fn plan_recipe(&self, recipe: &str, hex: &str) -> Result<Arc<ChunkPlan>, RenderError> {
        let t = &self.textures;
        // Recipes are our own canonical JSON, parsed and checked before: failing here is
        // a bug, not a client error.
        let bug = |what: String| {
            tracing::error!(hash = hex, "recipe unusable: {what}");
            RenderError::Internal
        };
        let value: Value = serde_json::from_str(recipe).map_err(|e| bug(e.to_string()))?;
        let request = ChunkRequest::from_json(&value, &t.limits).map_err(|e| bug(e.to_string()))?;
        let plan = ChunkPlan::resolve(&request, &self.repo, &t.tilesets)
            .map_err(|e| bug(e.to_string()))?;
        if plan.hash != hex {
            return Err(bug(format!("it now hashes to {}", plan.hash)));
        }
        Ok(Arc::new(plan))
    }

    /// Renders `plan` on the worker pool (joining identical work in flight) and stores it.
    async fn render_texture(
        &self,
        hash: Key,
        plan: Arc<ChunkPlan>,
    ) -> Result<(Arc<Texture>, Served), RenderError> {
        let (w, h) = (plan.width_px(), plan.height_px());
        // Shares the coalescer with cat renders; the key's kind keeps the spaces apart.
        let key = self.digest(&RenderKey::Chunk { hash: &hash });
        let work = || async {
            let level = self.textures.png_level;
            let result = self.run_job(JobInput::Chunk { plan, level }).await;
            if let Ok(out) = &result {
                let t = Arc::new(Texture::new(out.png.clone(), w, h));
                self.textures.store.insert(hash, t);
            }
            result
        };
        let (result, shared) = self
            .coalescer
            .run(key, work)
            .await
            .ok_or(RenderError::Internal)?;
        let out = result?;
        if shared == Shared::Followed {
            self.metrics.coalesced();
        }
        // The leader stored it before answering, unless the store is tiny.
        let texture = self
            .textures
            .store
            .get(&hash)
            .unwrap_or_else(|| Arc::new(Texture::new(out.png.clone(), w, h)));
        let served = match shared {
            Shared::Led => Served::Rendered,
            Shared::Followed => Served::Coalesced,
        };
        Ok((texture, served))
    }
}

/// Width and height from a PNG's IHDR chunk; `None` when `bytes` is not a PNG.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.get(..8)? != SIGNATURE || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    (w > 0 && h > 0).then_some((w, h))
}

#[cfg(test)]
mod tests {
    use super::png_size;

    #[test]
    fn png_size_reads_the_header_and_refuses_what_is_not_a_png() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&7u32.to_be_bytes());
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0]);
        assert_eq!(png_size(&png), Some((7, 3)));
        assert_eq!(png_size(&png[..20]), None, "truncated");
        assert_eq!(png_size(b"GIF89a not a png at all"), None);
        png[1] = b'Q';
        assert_eq!(png_size(&png), None, "a damaged signature");
    }
}
