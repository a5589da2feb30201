//! `POST /render` and `POST /render/batch`: the request bodies (CatGenerator's
//! `RenderRequest` and `BatchRenderRequest`) and the answers.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json_borrow::Value as Borrowed;
use utoipa::ToSchema;

use super::cat::CatParamsJson;
use pipeline::layers::StageDiagnostics;

/// `payload` of a render request.
// Read in place: its names borrow from the request body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
// `serde_json_borrow` reads a `Value<'de>` from `'de` exactly: the body's lifetime is 'a.
#[serde(bound(deserialize = "'a: 'de"))]
pub struct Payload<'a> {
    /// The pose when `params` gives none.
    #[serde(default, borrow)]
    #[schema(value_type = Option<u8>, maximum = 20)]
    pub sprite_number: Option<Borrowed<'a>>,
    /// CatGenerator parameters.
    #[serde(default, borrow)]
    #[schema(value_type = Option<CatParamsJson>)]
    pub params: Option<Borrowed<'a>>,
}

/// `options` of `POST /render`.
#[derive(Debug, Default, Deserialize, ToSchema)]
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(bound(deserialize = "'a: 'de"))]
pub struct RenderRequest<'a> {
    /// The cat.
    #[serde(borrow)]
    pub payload: Payload<'a>,
    /// What to return.
    #[serde(default)]
    pub options: RenderOptions,
}

/// One variant of a batch.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// The client's name for the frame.
    pub id: Value,
    /// A label echoed in the frame table.
    #[serde(default)]
    pub label: Option<Value>,
    /// A group name echoed in the frame table.
    #[serde(default)]
    pub group: Option<Value>,
    /// Pose override.
    #[serde(default)]
    #[schema(value_type = Option<u8>, maximum = 20)]
    pub sprite_number: Option<Value>,
    /// Fields merged onto the base parameters.
    #[serde(default)]
    #[schema(value_type = Option<CatParamsJson>)]
    pub overrides: Option<Value>,
    /// Parameters merged onto the base before `overrides` (CatGenerator's order).
    #[serde(default)]
    #[schema(value_type = Option<CatParamsJson>)]
    pub params: Option<Value>,
}

/// `options` of a batch (CatGenerator's `BatchRenderOptions`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchOptions {
    /// Tile side in px, any whole number ≥ 1 (default 50); frames are scaled
    /// nearest-neighbour, and the sheet must be at most 16 MP.
    #[serde(default)]
    pub tile_size: Option<u32>,
    /// Tiles per row (default: a near-square sheet).
    #[serde(default)]
    pub columns: Option<u32>,
    /// Also return each frame's own 50×50 image (`sources`).
    #[serde(default)]
    pub include_sources: bool,
    /// Put the base cat first, as frame `base` (default true, as CatGenerator).
    #[serde(default = "yes")]
    pub include_base: bool,
    /// `composed` (default) or `layer`: each frame shows one layer (`layerId`) alone.
    #[serde(default)]
    pub frame_mode: Option<String>,
    /// The layer shown when `frameMode` is `layer` (CatGenerator's layer ids).
    #[serde(default)]
    pub layer_id: Option<String>,
}

const fn yes() -> bool {
    true
}

impl Default for BatchOptions {
    fn default() -> Self {
        Self {
            tile_size: None,
            columns: None,
            include_sources: false,
            include_base: true,
            frame_mode: None,
            layer_id: None,
        }
    }
}

/// `POST /render/batch` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(bound(deserialize = "'a: 'de"))]
pub struct BatchRequest<'a> {
    /// The base cat.
    #[serde(default, borrow)]
    pub payload: Payload<'a>,
    /// The variants.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// Layout.
    #[serde(default)]
    pub options: BatchOptions,
}

/// CatGenerator's `RenderMeta`: times as seconds since the epoch, `memory_pressure` true when
/// the queue is 80 % full or more; the rest are ours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Meta {
    /// When the request began, s since the epoch.
    pub started_at: f64,
    /// When the answer was ready, s since the epoch.
    pub finished_at: f64,
    /// Time spent on the request, ms.
    pub duration_ms: f64,
    /// The queue is 80 % full or more.
    pub memory_pressure: bool,
    /// Queue fill, 0..=1 (1 = refusing).
    pub queue_pressure: f64,
    /// When the request began, RFC 3339.
    #[schema(format = DateTime)]
    pub started: String,
    /// Served from the result cache.
    pub cached: bool,
    /// `cpu`, `gpu` or `auto(gpu+cpu)`.
    pub backend: String,
}

/// `POST /render`'s answer (JSON; with `Accept: image/png` the PNG itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RenderResponse {
    /// `data:image/png;base64,…`.
    #[schema(value_type = String)]
    pub image: DataUrl,
    /// Timing and queue state.
    pub meta: Meta,
    /// One entry per CatGenerator layer, when `options.collectLayers`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layers: Option<Vec<LayerEntry>>,
}

/// One stage of a render, as CatGenerator's layer inspector shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LayerEntry {
    /// The stage's id (`base`, `tint`, `eyes`, …).
    pub id: String,
    /// Its label.
    pub label: String,
    /// Time the stage took, ms.
    pub duration_ms: f64,
    /// The blend of the stage's last op that draws on the cat.
    pub blend_mode: Option<pipeline::BlendMode>,
    /// `ops:…`, `opaque_pixels:…`, `changed_pixels:…` (CatGenerator joins them with `, `);
    /// empty when `options.diagnostics` is false.
    pub diagnostics: Vec<String>,
    /// The same counts as numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<StageDiagnostics>,
    /// The cat after this stage, `data:image/png;base64,…`, when
    /// `options.includeLayerImages`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub image: Option<DataUrl>,
}

/// `POST /render/batch`'s answer: one sheet and where each frame is on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchResponse {
    /// `data:image/png;base64,…`.
    #[schema(value_type = String)]
    pub sheet: DataUrl,
    /// Sheet width, px.
    pub width: u32,
    /// Sheet height, px.
    pub height: u32,
    /// Frame side, px.
    pub tile_size: u32,
    /// Frames a row.
    pub columns: u32,
    /// Rows.
    pub rows: u32,
    /// Each frame's place, in request order (the base first when included).
    pub frames: Vec<FrameEntry>,
    /// Timing and queue state.
    pub meta: Meta,
    /// Each frame as its own 50×50 PNG, when `options.includeSources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceEntry>>,
}

/// One frame of a sheet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FrameEntry {
    /// The variant's `id` (`base` for the base cat).
    pub id: Value,
    /// The variant's `label`, echoed.
    pub label: Value,
    /// The variant's `group`, echoed.
    pub group: Value,
    /// Position in the list.
    pub index: u32,
    /// Column on the sheet.
    pub column: u32,
    /// Row on the sheet.
    pub row: u32,
    /// Left edge, px.
    pub x: u32,
    /// Top edge, px.
    pub y: u32,
    /// Frame width, px.
    pub width: u32,
    /// Frame height, px.
    pub height: u32,
}

/// One frame as its own image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SourceEntry {
    /// The variant's `id`.
    pub id: Value,
    /// `data:image/png;base64,…`.
    #[schema(value_type = String)]
    pub image: DataUrl,
}

/// A PNG as a `data:image/png;base64,…` URL. Its text never needs escaping in JSON (the
/// prefix and base64 have no quotes, backslashes or control characters, and reading one
/// back refuses them), which lets [`RenderResponse::write_json`] copy it into the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataUrl(String);

impl DataUrl {
    const PREFIX: &str = "data:image/png;base64,";

    /// The data URL of `png`'s bytes (standard base64, padded).
    #[must_use]
    pub fn png(png: &[u8]) -> Self {
        let b64 = base64_simd::STANDARD;
        let mut s = String::with_capacity(Self::PREFIX.len() + b64.encoded_length(png.len()));
        s.push_str(Self::PREFIX);
        b64.encode_append(png, &mut s);
        Self(s)
    }

    /// The URL.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for DataUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DataUrl {
    /// A JSON string without quotes, backslashes or control characters (a data URL read
    /// back from an answer has none), so it can be copied into JSON unescaped.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        if text.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
            return Err(serde::de::Error::custom(
                "a data URL has no quotes, backslashes or control characters",
            ));
        }
        Ok(Self(text))
    }
}

impl RenderResponse {
    /// The answer's JSON, byte for byte what `serde_json::to_writer` writes, with the image
    /// URLs (the cat's and its layers') copied in where serde_json would scan each 4–5 KB
    /// for characters to escape (they have none: [`DataUrl`]). That scan, or checking the
    /// URL as a `RawValue`, was a twentieth of an uncached `POST /render`'s instructions.
    ///
    /// # Errors
    /// As `serde_json::to_writer` (none for these types).
    pub fn write_json(self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        // The data URLs and a little: the buffer grows once.
        let urls = self.image.0.len()
            + (self.layers.iter().flatten())
                .filter_map(|l| l.image.as_ref())
                .map(|i| i.0.len() + 512)
                .sum::<usize>();
        out.reserve(urls + 1024);
        out.extend_from_slice(br#"{"image":""#);
        out.extend_from_slice(self.image.as_str().as_bytes());
        out.extend_from_slice(br#"","meta":"#);
        serde_json::to_writer(&mut *out, &self.meta)?;
        if let Some(layers) = self.layers {
            out.extend_from_slice(br#","layers":["#);
            for (i, mut layer) in layers.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let image = layer.image.take();
                serde_json::to_writer(&mut *out, &layer)?;
                if let Some(url) = image {
                    // `image` is a layer's last field, left out when `None`: the object just
                    // written lacks only it, before its closing brace.
                    out.pop();
                    out.extend_from_slice(br#","image":""#);
                    out.extend_from_slice(url.as_str().as_bytes());
                    out.extend_from_slice(br#""}"#);
                }
            }
            out.push(b']');
        }
        out.push(b'}');
        Ok(())
    }
}

impl BatchResponse {
    /// The answer's JSON, byte for byte what `serde_json::to_writer` writes, with the data
    /// URLs (the sheet's, each source's) copied in as [`RenderResponse::write_json`] does.
    ///
    /// # Errors
    /// As `serde_json::to_writer` (none for these types); and if `sheet` stops being the
    /// struct's first field, which the byte-equality test catches first.
    pub fn write_json(mut self, out: &mut Vec<u8>) -> serde_json::Result<()> {
        const SHEET: &[u8] = br#"{"sheet":""#;
        let sheet = std::mem::replace(&mut self.sheet, DataUrl(String::new()));
        let sources = self.sources.take();
        // The data URLs, and about 200 bytes for each frame's place in the table.
        let urls = sheet.0.len()
            + (sources.iter().flatten())
                .map(|s| s.image.0.len() + 64)
                .sum::<usize>();
        out.reserve(urls + 200 * self.frames.len() + 1024);
        let start = out.len();
        serde_json::to_writer(&mut *out, &self)?;
        // `sheet` is the first field, written empty: the URL goes between its quotes. (A
        // field moved before it fails here, and so does the byte-equality test below.)
        let at = start + SHEET.len();
        if out.get(start..at) != Some(SHEET) {
            return Err(serde::ser::Error::custom("`sheet` is not the first field"));
        }
        out.splice(at..at, sheet.0.bytes());
        if let Some(sources) = sources {
            // `sources` is the last field, left out when `None`.
            out.pop();
            out.extend_from_slice(br#","sources":["#);
            for (i, source) in sources.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(br#"{"id":"#);
                serde_json::to_writer(&mut *out, &source.id)?;
                out.extend_from_slice(br#","image":""#);
                out.extend_from_slice(source.image.as_str().as_bytes());
                out.extend_from_slice(br#""}"#);
            }
            out.extend_from_slice(b"]}");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    #[test]
    fn a_data_url_is_the_standard_base64_of_its_bytes() {
        let reference = base64::engine::general_purpose::STANDARD;
        // Every padding case, the SIMD encoder's block sizes and their edges, and a cat's size.
        let bytes: Vec<u8> = (0..3422u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in (0..=100).chain([255, 256, 257, 1024, 3422]) {
            let url = DataUrl::png(&bytes[..len]);
            let want = format!("data:image/png;base64,{}", reference.encode(&bytes[..len]));
            assert_eq!(url.as_str(), want, "{len} bytes");
        }
    }

    #[test]
    fn a_data_url_serialises_as_a_json_string_and_reads_back() {
        let url = DataUrl::png(&[0xff, 0x00, 0x7f, 0x80]);
        let json = serde_json::to_string(&url).expect("serialises");
        assert_eq!(json, "\"data:image/png;base64,/wB/gA==\"");
        let text: String = serde_json::from_str(&json).expect("a JSON string");
        assert_eq!(text, url.as_str());
        let back: DataUrl = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, url);
        assert_ne!(back, DataUrl::png(&[0xff]));
    }

    #[test]
    fn the_written_answer_is_what_serde_json_writes() {
        let meta = Meta {
            started_at: 1.5,
            finished_at: 2.25,
            duration_ms: 0.125,
            memory_pressure: false,
            queue_pressure: 0.5,
            started: "2026-12-01T00:00:00.000Z".into(),
            cached: true,
            backend: "cpu".into(),
        };
        let layer = LayerEntry {
            id: "base".into(),
            label: "Base \"coat\"".into(),
            duration_ms: 0.5,
            blend_mode: None,
            diagnostics: vec!["ops:1".into()],
            stats: None,
            image: Some(DataUrl::png(&[1, 2, 3])),
        };
        let bare = LayerEntry {
            id: "tint".into(),
            image: None,
            stats: Some(StageDiagnostics {
                ops: 2,
                opaque_pixels: 900,
                changed_pixels: 12,
            }),
            ..layer.clone()
        };
        let layer_sets = [
            None,
            Some(vec![]),
            Some(vec![layer.clone()]),
            Some(vec![bare.clone(), layer.clone(), bare, layer]),
        ];
        for layers in layer_sets {
            let answer = RenderResponse {
                image: DataUrl::png(&[0xff, 0, 0x7f, 0x80, 9]),
                meta: meta.clone(),
                layers,
            };
            let mut written = Vec::new();
            answer.clone().write_json(&mut written).expect("writes");
            let serde = serde_json::to_vec(&answer).expect("serialises");
            assert_eq!(
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&serde)
            );
            let back: RenderResponse = serde_json::from_slice(&written).expect("reads back");
            assert_eq!(back, answer);
        }
    }

    #[test]
    fn the_written_batch_answer_is_what_serde_json_writes() {
        let meta = Meta {
            started_at: 3.5,
            finished_at: 4.0,
            duration_ms: 12.25,
            memory_pressure: true,
            queue_pressure: 0.875,
            started: "2026-12-01T00:00:00.000Z".into(),
            cached: false,
            backend: "cpu".into(),
        };
        let frame = FrameEntry {
            id: Value::from("base"),
            label: Value::Null,
            group: Value::from("a \"group\""),
            index: 0,
            column: 0,
            row: 0,
            x: 0,
            y: 0,
            width: 50,
            height: 50,
        };
        let source = |id: Value| SourceEntry {
            id,
            image: DataUrl::png(&[0xfe, 7]),
        };
        for sources in [
            None,
            Some(vec![]),
            Some(vec![
                source(Value::from("base")),
                source(Value::from(3)),
                source(serde_json::json!({"k": ["x\ny"]})),
            ]),
        ] {
            let answer = BatchResponse {
                sheet: DataUrl::png(&[1, 2, 3, 4, 5, 6, 7]),
                width: 100,
                height: 50,
                tile_size: 50,
                columns: 2,
                rows: 1,
                frames: vec![frame.clone(), frame.clone()],
                meta: meta.clone(),
                sources,
            };
            let mut written = b"prefix".to_vec();
            answer.clone().write_json(&mut written).expect("writes");
            let serde = serde_json::to_vec(&answer).expect("serialises");
            assert_eq!(
                String::from_utf8_lossy(&written[6..]),
                String::from_utf8_lossy(&serde)
            );
            let back: BatchResponse = serde_json::from_slice(&written[6..]).expect("reads back");
            assert_eq!(back, answer);
        }
    }

    #[test]
    fn reading_a_data_url_refuses_what_would_need_escaping_and_non_strings() {
        for bad in [r#""a\"b""#, r#""a\\b""#, r#""a\nb""#, "42", "{}"] {
            assert!(serde_json::from_str::<DataUrl>(bad).is_err(), "{bad}");
        }
    }
}
