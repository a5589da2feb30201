//! The render routes: `POST /render`, `POST /render/batch`, `GET /render.png`. Handlers only
//! validate and plan; the work goes through [`crate::state::App::render`].

use std::time::{Instant, SystemTime};

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use pipeline::plan::Plan;
use pipeline::{CatParams, CatSpec};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::extract::JsonBody;
use crate::backend::{JobInput, JobOutput};
use crate::render::SheetLayout;
use crate::state::AppState;
use crate::time::rfc3339;

/// `payload` of a render request.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payload {
    /// Overrides `params.spriteNumber`.
    #[serde(default)]
    pub sprite_number: Option<Value>,
    /// CatGenerator parameters.
    #[serde(default)]
    pub params: Option<Value>,
}

/// `options` of `POST /render`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenderOptions {
    /// Return one entry per stage.
    #[serde(default)]
    pub collect_layers: bool,
    /// Include each stage's image.
    #[serde(default)]
    pub include_layer_images: bool,
    /// Include per-stage diagnostics (default true).
    #[serde(default)]
    pub diagnostics: Option<bool>,
}

/// `POST /render` body.
#[derive(Debug, Deserialize)]
pub struct RenderRequest {
    /// The cat.
    pub payload: Payload,
    /// What to return.
    #[serde(default)]
    pub options: RenderOptions,
}

fn params_object(payload: &Payload, field: &str) -> Result<Map<String, Value>, ApiError> {
    let mut obj = match &payload.params {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(ApiError::invalid(field, "must be a JSON object")),
    };
    if let Some(n) = &payload.sprite_number
        && !n.is_null()
    {
        obj.insert("spriteNumber".into(), n.clone());
    }
    Ok(obj)
}

fn plan_of(state: &AppState, obj: &Map<String, Value>) -> Result<(CatParams, Plan), ApiError> {
    let params = CatParams::from_map(obj)?;
    let spec = CatSpec::resolve(&params, &state.repo)?;
    let plan = Plan::for_cat(&spec);
    Ok((params, plan))
}

fn data_url(png: &[u8]) -> String {
    let mut s = String::with_capacity(22 + png.len() * 4 / 3 + 4);
    s.push_str("data:image/png;base64,");
    base64::engine::general_purpose::STANDARD.encode_string(png, &mut s);
    s
}

fn wants_png(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|p| p.trim().starts_with("image/png")))
}

/// A strong ETag of the bytes.
#[must_use]
pub fn etag_of(bytes: &[u8]) -> String {
    let h = blake3::hash(bytes);
    format!("\"{}\"", &h.to_hex()[..32])
}

/// The PNG answer: immutable caching, strong ETag, 304 on a matching `If-None-Match`.
pub fn png_response(headers: &HeaderMap, png: axum::body::Bytes) -> Response {
    let etag = etag_of(&png);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut h = HeaderMap::new();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if matches {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    (h, png).into_response()
}

fn meta(state: &AppState, started: SystemTime, t0: Instant, cached: bool) -> Value {
    let finished = SystemTime::now();
    json!({
        "started_at": rfc3339(started),
        "finished_at": rfc3339(finished),
        "duration_ms": t0.elapsed().as_secs_f64() * 1e3,
        // Share of the queue in use: the service's pressure signal (0 = idle, 1 = refusing).
        "memory_pressure": state.queue.len() as f64 / state.queue.capacity() as f64,
        "cached": cached,
        "backend": state.backend,
    })
}

/// `POST /render`.
pub async fn render(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<RenderRequest>,
) -> Result<Response, ApiError> {
    let (started, t0) = (SystemTime::now(), Instant::now());
    let obj = params_object(&req.payload, "payload.params")?;
    let (params, plan) = plan_of(&state, &obj)?;
    let o = &req.options;
    let layers = o.collect_layers.then_some(o.include_layer_images);
    let mode: &[u8] = match layers {
        None => b"plain",
        Some(false) => b"layers",
        Some(true) => b"layers+images",
    };
    let key = state.key(&[b"cat", params.canonical_json().as_bytes(), b"1", mode]);
    let (out, cached) = state
        .render(
            key,
            JobInput::Cat {
                plan,
                scale: 1,
                layers,
            },
        )
        .await?;
    if wants_png(&headers) {
        return Ok(png_response(&headers, out.png.clone()));
    }
    let mut body = json!({
        "image": data_url(&out.png),
        "meta": meta(&state, started, t0, cached),
    });
    if o.collect_layers {
        body["layers"] = layers_json(&out, o.diagnostics.unwrap_or(true), o.include_layer_images);
    }
    Ok(Json(body).into_response())
}

fn layers_json(out: &JobOutput, diagnostics: bool, images: bool) -> Value {
    out.layers
        .iter()
        .map(|l| {
            let mut v = json!({
                "id": l.kind.id(),
                "label": l.kind.label(),
                "duration_ms": l.duration_ms,
                "blend_mode": l.blend,
            });
            if diagnostics {
                v["diagnostics"] = json!(l.diagnostics);
            }
            if images && let Some(png) = &l.png {
                v["image"] = json!(data_url(png));
            }
            v
        })
        .collect()
}

/// One variant of a batch.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// The client's name for the frame.
    pub id: Value,
    /// Pose override.
    #[serde(default)]
    pub sprite_number: Option<Value>,
    /// Fields merged onto the base parameters.
    #[serde(default)]
    pub overrides: Option<Value>,
    /// Full parameters replacing the base.
    #[serde(default)]
    pub params: Option<Value>,
}

/// `options` of a batch.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchOptions {
    /// Tile side in px, a multiple of 50 (default 50).
    #[serde(default)]
    pub tile_size: Option<u32>,
    /// Tiles per row (default: a near-square sheet).
    #[serde(default)]
    pub columns: Option<u32>,
    /// Echo each frame's resolved parameters.
    #[serde(default)]
    pub include_sources: bool,
    /// Put the base cat first, as frame `base`.
    #[serde(default)]
    pub include_base: bool,
}

/// `POST /render/batch` body.
#[derive(Debug, Deserialize)]
pub struct BatchRequest {
    /// The base cat.
    #[serde(default)]
    pub payload: Payload,
    /// The variants.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Layout.
    #[serde(default)]
    pub options: BatchOptions,
}

/// Largest sheet side, px.
const MAX_SHEET_SIDE: u32 = 8192;

/// `POST /render/batch`.
pub async fn render_batch(
    State(state): State<AppState>,
    JsonBody(req): JsonBody<BatchRequest>,
) -> Result<Response, ApiError> {
    let (started, t0) = (SystemTime::now(), Instant::now());
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
    if tile == 0 || tile % 50 != 0 || tile > 800 {
        return Err(ApiError::invalid(
            "options.tileSize",
            "must be a multiple of 50 in 50..=800",
        ));
    }
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
    if layout.width() > MAX_SHEET_SIDE || layout.height() > MAX_SHEET_SIDE {
        return Err(ApiError::invalid(
            "options",
            format!(
                "sheet of {}×{} px is larger than {MAX_SHEET_SIDE} px a side; use a smaller tileSize or other columns",
                layout.width(),
                layout.height()
            ),
        ));
    }
    let base = params_object(&req.payload, "payload.params")?;
    let mut frames: Vec<(Value, Map<String, Value>)> = Vec::with_capacity(count);
    if req.options.include_base {
        frames.push((json!("base"), base.clone()));
    }
    for (i, v) in req.variants.iter().enumerate() {
        let field = |k: &str| format!("variants[{i}].{k}");
        let mut obj = match &v.params {
            None | Some(Value::Null) => base.clone(),
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(ApiError::invalid(field("params"), "must be a JSON object")),
        };
        match &v.overrides {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, val) in m {
                    obj.insert(k.clone(), val.clone());
                }
            }
            Some(_) => {
                return Err(ApiError::invalid(
                    field("overrides"),
                    "must be a JSON object",
                ));
            }
        }
        if let Some(n) = &v.sprite_number
            && !n.is_null()
        {
            obj.insert("spriteNumber".into(), n.clone());
        }
        frames.push((v.id.clone(), obj));
    }
    let mut plans = Vec::with_capacity(count);
    let mut canon = Vec::with_capacity(count);
    let mut h = blake3::Hasher::new();
    for (i, (_, obj)) in frames.iter().enumerate() {
        let (params, plan) =
            plan_of(&state, obj).map_err(|e| prefix_field(e, i, req.options.include_base))?;
        let c = params.canonical_json();
        h.update(c.as_bytes());
        h.update(b"\n");
        canon.push(c);
        plans.push(plan);
    }
    let geometry = format!("{tile}x{columns}");
    let key = state.key(&[b"sheet", h.finalize().as_bytes(), geometry.as_bytes()]);
    let (out, cached) = state.render(key, JobInput::Sheet { plans, layout }).await?;
    let table: Vec<Value> = frames
        .iter()
        .enumerate()
        .map(|(i, (id, _))| {
            let (col, row) = layout.cell_of(i as u32);
            let mut f = json!({
                "id": id, "index": i, "column": col, "row": row,
                "x": col * tile, "y": row * tile, "width": tile, "height": tile,
            });
            if req.options.include_sources {
                f["params"] = serde_json::from_str(&canon[i]).unwrap_or(Value::Null);
            }
            f
        })
        .collect();
    Ok(Json(json!({
        "image": data_url(&out.png),
        "width": layout.width(),
        "height": layout.height(),
        "tileSize": tile,
        "columns": columns,
        "rows": layout.rows(),
        "frames": table,
        "meta": meta(&state, started, t0, cached),
    }))
    .into_response())
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

/// Pixel Cat Maker's URL parameters: name → how to convert the text.
const QUERY_FIELDS: &[(&str, Kind)] = &[
    ("peltName", Kind::Text),
    ("colour", Kind::Text),
    ("spriteNumber", Kind::Int),
    ("isTortie", Kind::Bool),
    ("tortieBase", Kind::Text),
    ("tortiePattern", Kind::Text),
    ("tortieColour", Kind::Text),
    ("tortieMask", Kind::Text),
    ("tint", Kind::Text),
    ("skinColour", Kind::Text),
    ("eyeColour", Kind::Text),
    ("eyeColour2", Kind::Text),
    ("whitePatches", Kind::Text),
    ("points", Kind::Text),
    ("whitePatchesTint", Kind::Text),
    ("vitiligo", Kind::Text),
    ("accessory", Kind::Text),
    ("scar", Kind::Text),
    ("shading", Kind::Bool),
    ("reverse", Kind::Bool),
    ("dead", Kind::Bool),
    ("darkForest", Kind::Bool),
    ("opacity", Kind::Int),
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Int,
    Bool,
}

/// Converts Pixel Cat Maker query pairs to a CatGenerator params object and a scale.
///
/// # Errors
/// 422 naming the field for a bad boolean, number or scale.
pub fn query_to_params(pairs: &[(String, String)]) -> Result<(Map<String, Value>, u32), ApiError> {
    let mut obj = Map::new();
    let mut scale = 1;
    for (k, v) in pairs {
        if v.is_empty() {
            continue;
        }
        if k == "scale" {
            scale = v
                .parse::<u32>()
                .ok()
                .filter(|s| (1..=16).contains(s))
                .ok_or_else(|| ApiError::invalid("scale", "must be a whole number in 1..=16"))?;
            continue;
        }
        let Some((_, kind)) = QUERY_FIELDS.iter().find(|(name, _)| name == k) else {
            continue;
        };
        let value = match kind {
            Kind::Text => Value::String(v.clone()),
            Kind::Int => Value::from(
                v.parse::<i64>()
                    .map_err(|_| ApiError::invalid(k.clone(), "must be a whole number"))?,
            ),
            Kind::Bool => Value::Bool(match v.to_ascii_lowercase().as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(ApiError::invalid(k.clone(), "must be true, false, 1 or 0")),
            }),
        };
        obj.insert(k.clone(), value);
    }
    Ok((obj, scale))
}

/// `GET /render.png`.
pub async fn render_png(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(pairs) = query.map_err(|e| ApiError::InvalidParams {
        field: None,
        message: format!("bad query string: {}", e.body_text()),
        allowed: Vec::new(),
    })?;
    let (obj, scale) = query_to_params(&pairs)?;
    let (params, plan) = plan_of(&state, &obj)?;
    let scale_text = scale.to_string();
    let key = state.key(&[
        b"cat",
        params.canonical_json().as_bytes(),
        scale_text.as_bytes(),
        b"plain",
    ]);
    let (out, _) = state
        .render(
            key,
            JobInput::Cat {
                plan,
                scale,
                layers: None,
            },
        )
        .await?;
    Ok(png_response(&headers, out.png.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn query_parameters_become_typed_json_and_empty_means_absent() {
        let (obj, scale) = query_to_params(&pairs(&[
            ("peltName", "Tabby"),
            ("spriteNumber", "3"),
            ("shading", "1"),
            ("reverse", "false"),
            ("tint", ""),
            ("scale", "4"),
            ("unrelated", "x"),
        ]))
        .expect("valid");
        assert_eq!(obj["peltName"], json!("Tabby"));
        assert_eq!(obj["spriteNumber"], json!(3));
        assert_eq!(obj["shading"], json!(true));
        assert_eq!(obj["reverse"], json!(false));
        assert!(!obj.contains_key("tint"));
        assert!(!obj.contains_key("unrelated"));
        assert_eq!(scale, 4);
    }

    #[test]
    fn bad_booleans_and_scales_name_their_field() {
        let e = query_to_params(&pairs(&[("dead", "yes")])).expect_err("must fail");
        assert!(matches!(e, ApiError::InvalidParams { field: Some(f), .. } if f == "dead"));
        let e = query_to_params(&pairs(&[("scale", "17")])).expect_err("must fail");
        assert!(matches!(e, ApiError::InvalidParams { field: Some(f), .. } if f == "scale"));
    }
}
