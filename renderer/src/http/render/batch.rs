//! `POST /render/batch`: a base cat and its variants as one sprite sheet, CatGenerator's
//! request and answer.

use std::time::{Instant, SystemTime};

use axum::extract::State;
use axum::response::Response;
use pipeline::StageKind;
use serde_json::{Map, Value, json};

use crate::http::error::ApiError;
use crate::http::extract::{self, JsonBytes};
use crate::http::responses::{BodyErrors, Internal, Refusals};
use crate::job::JobInput;
use crate::state::AppState;
use crate::wire::render::{
    BatchOptions, BatchRequest, BatchResponse, DataUrl, FrameEntry, SourceEntry,
};
use pipeline::sheet::SheetLayout;

use crate::render_path::RenderKey;

use super::{json_written, meta, params_object, plan_of};

/// Largest sheet, px (CatGenerator's 16 MP budget).
pub const MAX_SHEET_PIXELS: u64 = 16 * 1024 * 1024;

/// `POST /render/batch`.
#[utoipa::path(post, path = "/render/batch", tag = "cats",
    summary = "Render a base cat and its variants as one sprite sheet",
    request_body = BatchRequest,
    responses(
        (status = 200, description = "The sheet and its frame table", body = BatchResponse),
        BodyErrors, Refusals, Internal))]
pub async fn render_batch(
    State(state): State<AppState>,
    JsonBytes(body): JsonBytes,
) -> Result<Response, ApiError> {
    let (started, t0) = (SystemTime::now(), Instant::now());
    let req: BatchRequest<'_> = extract::parse(&body)?;
    let max = state.config.max_batch.get();
    let count = req.variants.len() + usize::from(req.options.include_base);
    if count == 0 {
        return Err(ApiError::invalid(
            "variants",
            "at least one variant (or includeBase) is needed",
        ));
    }
    if count > max {
        return Err(ApiError::invalid(
            "variants",
            format!("{count} frames requested; at most {max} per batch (CG3_MAX_BATCH)"),
        ));
    }
    let tile = req.options.tile_size.unwrap_or(50);
    if tile == 0 || u64::from(tile) * u64::from(tile) > MAX_SHEET_PIXELS {
        return Err(ApiError::invalid(
            "options.tileSize",
            "must be a whole number in 1..=4096",
        ));
    }
    let layer = frame_layer(&req.options)?;
    let n = u32::try_from(count).map_err(|_| ApiError::Internal)?;
    let columns = match req.options.columns {
        Some(0) => return Err(ApiError::invalid("options.columns", "must be at least 1")),
        Some(c) => c.min(n),
        None => (f64::from(n).sqrt().ceil() as u32).max(1),
    };
    let layout = SheetLayout {
        count: n,
        columns,
        tile,
    };
    if u64::from(layout.width()) * u64::from(layout.height()) > MAX_SHEET_PIXELS {
        return Err(ApiError::invalid(
            "options",
            format!(
                "sheet of {}×{} px is larger than {MAX_SHEET_PIXELS} pixels; use a smaller tileSize or fewer frames",
                layout.width(),
                layout.height()
            ),
        ));
    }
    let base: Map<String, Value> = params_object(req.payload, "payload.params")?.into();
    let mut frames: Vec<Frame> = Vec::with_capacity(count);
    if req.options.include_base {
        frames.push(Frame {
            id: json!("base"),
            label: Value::Null,
            group: Value::Null,
            params: base.clone(),
        });
    }
    for (i, v) in req.variants.iter().enumerate() {
        let field = |k: &str| format!("variants[{i}].{k}");
        // CatGenerator's order: the base, then the variant's params, then its overrides.
        let mut obj = base.clone();
        for (key, part) in [("params", &v.params), ("overrides", &v.overrides)] {
            match part {
                None | Some(Value::Null) => {}
                Some(Value::Object(m)) => {
                    obj.extend(m.iter().map(|(k, val)| (k.clone(), val.clone())));
                }
                Some(_) => return Err(ApiError::invalid(field(key), "must be a JSON object")),
            }
        }
        if let Some(n) = &v.sprite_number
            && !n.is_null()
        {
            obj.insert("spriteNumber".into(), n.clone());
        }
        frames.push(Frame {
            id: v.id.clone(),
            label: v.label.clone().unwrap_or(Value::Null),
            group: v.group.clone().unwrap_or(Value::Null),
            params: obj,
        });
    }
    let mut plans = Vec::with_capacity(count);
    let mut canonical = Vec::with_capacity(count);
    for (i, frame) in frames.iter().enumerate() {
        let (params, plan) = plan_of(&state, &frame.params)
            .map_err(|e| prefix_field(e, i, req.options.include_base))?;
        canonical.push(params.canonical_json());
        plans.push(match layer {
            Some(kinds) => plan.layer_only(kinds),
            None => plan,
        });
    }
    let sources = req.options.include_sources;
    let key = RenderKey::Sheet {
        frames: &canonical,
        layout,
        layer: req.options.layer_id.as_deref().filter(|_| layer.is_some()),
        sources,
    };
    let (out, cached) = state
        .path
        .render(key, || {
            Ok::<_, ApiError>(JobInput::Sheet {
                plans,
                layout,
                sources,
            })
        })
        .await?;
    let table: Vec<FrameEntry> = frames
        .iter()
        .zip(0u32..)
        .map(|(f, i)| {
            let (column, row) = layout.cell_of(i);
            FrameEntry {
                id: f.id.clone(),
                label: f.label.clone(),
                group: f.group.clone(),
                index: i,
                column,
                row,
                x: column * tile,
                y: row * tile,
                width: tile,
                height: tile,
            }
        })
        .collect();
    let sources = sources.then(|| {
        frames
            .iter()
            .zip(&out.frames)
            .map(|(f, png)| SourceEntry {
                id: f.id.clone(),
                image: DataUrl::png(png),
            })
            .collect::<Vec<_>>()
    });
    let answer = BatchResponse {
        sheet: DataUrl::png(&out.png),
        width: layout.width(),
        height: layout.height(),
        tile_size: tile,
        columns,
        rows: layout.rows(),
        frames: table,
        meta: meta(&state, started, t0, cached),
        sources,
    };
    Ok(json_written(|buf| answer.write_json(buf)))
}

/// One frame of a batch: what the table echoes and the parameters it renders.
struct Frame {
    id: Value,
    label: Value,
    group: Value,
    params: Map<String, Value>,
}

/// CatGenerator's layer ids and the stages that draw each.
pub const LAYER_IDS: &[(&str, &[StageKind])] = &[
    ("base", &[StageKind::Base, StageKind::TortiePatches]),
    ("tint", &[StageKind::Tint]),
    ("whitePatches", &[StageKind::WhitePatches]),
    ("points", &[StageKind::Points]),
    ("vitiligo", &[StageKind::Vitiligo]),
    ("eyes", &[StageKind::Eyes]),
    ("scarsPrimary", &[StageKind::Scars]),
    ("scarsSecondary", &[StageKind::MissingParts]),
    ("skin", &[StageKind::Skin]),
    ("lineart", &[StageKind::Lineart]),
    ("accessories", &[StageKind::Accessories]),
    ("lighting", &[StageKind::Shading]),
];

/// `options.frameMode` of a batch: every frame whole, or one layer of each alone.
pub const FRAME_MODES: [&str; 2] = ["composed", "layer"];

/// The stages each frame shows alone when `frameMode` is `layer`.
fn frame_layer(o: &BatchOptions) -> Result<Option<&'static [StageKind]>, ApiError> {
    match o.frame_mode.as_deref() {
        None | Some("composed") => Ok(None),
        Some("layer") => {
            let allowed: Vec<String> = LAYER_IDS.iter().map(|(id, _)| (*id).to_owned()).collect();
            let id = o
                .layer_id
                .as_deref()
                .ok_or_else(|| ApiError::InvalidParams {
                    field: Some("options.layerId".into()),
                    message: format!(
                        "is required when frameMode is layer; allowed: {}",
                        allowed.join(", ")
                    ),
                    allowed: allowed.clone(),
                })?;
            LAYER_IDS
                .iter()
                .find(|(name, _)| *name == id)
                .map(|(_, kinds)| Some(*kinds))
                .ok_or_else(|| ApiError::InvalidParams {
                    field: Some("options.layerId".into()),
                    message: format!("unknown value `{id}`; allowed: {}", allowed.join(", ")),
                    allowed,
                })
        }
        Some(other) => Err(ApiError::InvalidParams {
            field: Some("options.frameMode".into()),
            message: format!(
                "unknown value `{other}`; allowed: {}",
                FRAME_MODES.join(", ")
            ),
            allowed: FRAME_MODES.map(str::to_owned).to_vec(),
        }),
    }
}

fn prefix_field(e: ApiError, i: usize, with_base: bool) -> ApiError {
    match e {
        ApiError::InvalidParams {
            field,
            message,
            allowed,
        } => {
            let at = match (with_base, i) {
                (true, 0) => "payload.params".to_owned(),
                (true, i) => format!("variants[{}]", i - 1),
                (false, i) => format!("variants[{i}]"),
            };
            ApiError::InvalidParams {
                field: Some(field.map_or(at.clone(), |f| format!("{at}.{f}"))),
                message,
                allowed,
            }
        }
        other => other,
    }
}
