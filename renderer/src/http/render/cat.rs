//! `POST /render` (one cat, optionally each stage) and `GET /render.png` (Pixel Cat Maker's
//! URL dialect).

use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use crate::http::error::ApiError;
use crate::http::extract::{self, JsonBytes};
use crate::http::responses::{BodyErrors, Internal, PngBytes, Refusals};
use crate::job::{JobInput, JobOutput};
use crate::state::AppState;
use crate::wire::error::ErrorBody;
use crate::wire::render::{DataUrl, LayerEntry, RenderOptions, RenderRequest, RenderResponse};

use crate::render_path::RenderKey;

use pipeline::CatParams;

use super::{json_written, meta, output_response, params_object, plan_cat, wants_png};

/// `POST /render`.
#[utoipa::path(post, path = "/render", tag = "cats",
    summary = "Render one cat (CatGenerator-compatible)",
    request_body = RenderRequest,
    responses(
        (status = 200, description = "JSON with a data URL, or the PNG itself with `Accept: image/png`",
         content((RenderResponse = "application/json"), (PngBytes = "image/png"))),
        (status = 304, description = "`If-None-Match` matched (with `Accept: image/png`)"),
        BodyErrors, Refusals, Internal))]
pub async fn render(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let (started, t0) = (SystemTime::now(), Instant::now());
    let (params, o) = read_cat(body)?;
    let layers = o.collect_layers.then_some(o.include_layer_images);
    let key = RenderKey::Cat {
        params: &params,
        scale: 1,
        layers,
    };
    let (out, cached) = state
        .path
        .render(key, || {
            Ok::<_, ApiError>(JobInput::Cat {
                plan: plan_cat(&state, &params)?,
                scale: 1,
                layers,
            })
        })
        .await?;
    if wants_png(&headers) {
        return Ok(output_response(&headers, &out));
    }
    let layers = o
        .collect_layers
        .then(|| layer_entries(&out, o.diagnostics.unwrap_or(true), o.include_layer_images));
    let answer = RenderResponse {
        image: DataUrl::png(&out.png),
        meta: meta(&state, started, t0, cached),
        layers,
    };
    Ok(json_written(|buf| answer.write_json(buf)))
}

/// The cat and the options of a `POST /render` body, read with the cat's names borrowed
/// from the body, which is then dropped rather than held through the render (it may be a
/// slice of the connection's read buffer).
fn read_cat(body: Bytes) -> Result<(CatParams, RenderOptions), ApiError> {
    let req: RenderRequest<'_> = extract::parse(&body)?;
    let obj = params_object(req.payload, "payload.params")?;
    Ok((CatParams::from_object(&obj)?, req.options))
}

fn layer_entries(out: &JobOutput, diagnostics: bool, images: bool) -> Vec<LayerEntry> {
    out.layers
        .iter()
        .map(|l| {
            let d = l.diagnostics;
            LayerEntry {
                id: l.kind.id().to_owned(),
                label: l.kind.label().to_owned(),
                duration_ms: l.duration_ms,
                blend_mode: l.blend,
                // CatGenerator's frontend joins these strings (`diagnostics.join(", ")`).
                diagnostics: if diagnostics {
                    vec![
                        format!("ops:{}", d.ops),
                        format!("opaque_pixels:{}", d.opaque_pixels),
                        format!("changed_pixels:{}", d.changed_pixels),
                    ]
                } else {
                    Vec::new()
                },
                stats: diagnostics.then_some(d),
                image: l.png.as_deref().filter(|_| images).map(DataUrl::png),
            }
        })
        .collect()
}

/// `GET /render.png`. Its query dialect is `pipeline::query`; the document lists its
/// parameters from that module's table ([`crate::http::openapi`]).
#[utoipa::path(get, path = "/render.png", tag = "cats",
    summary = "Render from Pixel Cat Maker URL parameters",
    responses(
        (status = 200, description = "The cat; strong ETag, immutable caching", body = PngBytes, content_type = "image/png"),
        (status = 304, description = "`If-None-Match` matched"),
        (status = 422, description = "invalid_params: `field` names the parameter", body = ErrorBody),
        Refusals, Internal))]
pub async fn render_png(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, ApiError> {
    // The request's own URI (its bytes are shared, not copied): the query decodes from it.
    let (obj, scale) = pipeline::query::query_string_to_params(uri.query().unwrap_or(""))?;
    let params = CatParams::from_map(&obj)?;
    let key = RenderKey::Cat {
        params: &params,
        scale,
        layers: None,
    };
    let (out, _) = state
        .path
        .render(key, || {
            Ok::<_, ApiError>(JobInput::Cat {
                plan: plan_cat(&state, &params)?,
                scale,
                layers: None,
            })
        })
        .await?;
    Ok(output_response(&headers, &out))
}
