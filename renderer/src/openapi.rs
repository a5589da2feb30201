//! The OpenAPI 3 description of every route, written by hand next to the handlers it
//! describes.

use serde_json::{Value, json};

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn png(desc: &str) -> Value {
    json!({"description": desc, "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}})
}

/// The names `vocabulary` (the `/vocabulary` document) lists under `key`; palette colours
/// join the game's for `colour`.
fn names(vocabulary: &Value, key: &str) -> Vec<Value> {
    let mut out: Vec<Value> = vocabulary[key].as_array().cloned().unwrap_or_default();
    if key == "colour"
        && let Some(palettes) = vocabulary["paletteColours"].as_array()
    {
        for p in palettes {
            out.extend(p["colours"].as_array().cloned().unwrap_or_default());
        }
    }
    out
}

/// The document, with the names this server accepts (from its `/vocabulary`) and its chunk
/// limits, so schema-driven clients and testers generate what the server takes.
#[must_use]
pub fn document(vocabulary: &Value, limits: &pipeline::chunk::ChunkLimits) -> Value {
    let named = |key: &str| json!({"type": "string", "enum": names(vocabulary, key)});
    let tilesets: Vec<Value> = vocabulary["tilesets"]
        .as_array()
        .map(|t| t.iter().map(|t| t["name"].clone()).collect())
        .unwrap_or_default();
    let unavailable = err("queue_full, circuit_open or shutting_down; see Retry-After");
    let q = |name: &str, ty: &str, desc: &str| json!({"name": name, "in": "query", "required": false, "description": desc, "schema": {"type": ty}});
    let mut png_params: Vec<Value> = [
        "peltName",
        "colour",
        "tortieBase",
        "tortiePattern",
        "tortieColour",
        "tortieMask",
        "tint",
        "skinColour",
        "eyeColour",
        "eyeColour2",
        "whitePatches",
        "points",
        "whitePatchesTint",
        "vitiligo",
        "accessory",
        "scar",
    ]
    .iter()
    .map(|n| q(n, "string", "name; empty = absent"))
    .collect();
    // The names the server knows, where the query parameter takes one of a list.
    for (param, key) in [
        ("peltName", "peltName"),
        ("colour", "colour"),
        ("tortieBase", "tortieBase"),
        ("tortiePattern", "tortieBase"),
        ("tortieColour", "colour"),
        ("tortieMask", "tortieMask"),
        ("tint", "tint"),
        ("skinColour", "skinColour"),
        ("eyeColour", "eyeColour"),
        ("eyeColour2", "eyeColour"),
        ("whitePatches", "whitePatches"),
        ("points", "points"),
        ("whitePatchesTint", "whitePatchesTint"),
        ("vitiligo", "vitiligo"),
        ("accessory", "accessories"),
        ("scar", "scars"),
    ] {
        if let Some(p) = png_params.iter_mut().find(|p| p["name"] == param) {
            let mut allowed = names(vocabulary, key);
            allowed.push(json!(""));
            p["schema"]["enum"] = Value::Array(allowed);
        }
    }
    for n in ["isTortie", "shading", "reverse", "dead", "darkForest"] {
        png_params.push(q(n, "string", "true, false, 1 or 0"));
    }
    let ranged = |name: &str, desc: &str, min: u32, max: u32| {
        let mut p = q(name, "integer", desc);
        p["schema"]["minimum"] = json!(min);
        p["schema"]["maximum"] = json!(max);
        p
    };
    png_params.push(ranged("spriteNumber", "pose (default 8)", 0, 20));
    png_params.push(ranged("opacity", "percent (default 100)", 0, 100));
    png_params.push(ranged("scale", "nearest-neighbour upscale", 1, 16));
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "renderer", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Renders ClanGen-style cat sprites. Errors: {\"error\": {\"code\", \"message\", \"field\"?, \"allowed\"?}}. On every route: a request head over CG3_MAX_HEADER_BYTES gets 431; past CG3_MAX_CONNECTIONS open connections, /health and /ready still answer and every other route gets 503 too_many_connections (Retry-After: 1)."},
        "paths": {
            "/render": {"post": {
                "summary": "Render one cat (CatGenerator-compatible)",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RenderRequest"}}}},
                "responses": {
                    "200": {"description": "JSON with a data URL, or the PNG itself with Accept: image/png",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RenderResponse"}},
                                        "image/png": {"schema": {"type": "string", "format": "binary"}}}},
                    "400": err("malformed_json"), "408": err("body_timeout: not received whole within CG3_BODY_READ_TIMEOUT_MS"), "413": err("body_too_large"), "422": err("invalid_params"),
                    "503": unavailable, "504": err("deadline_exceeded"), "500": err("internal")}}},
            "/render/batch": {"post": {
                "summary": "Render a base cat and its variants as one sprite sheet",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}}}},
                "responses": {
                    "200": {"description": "sheet and frame table", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/BatchResponse"}}}},
                    "400": err("malformed_json"), "408": err("body_timeout: not received whole within CG3_BODY_READ_TIMEOUT_MS"), "413": err("body_too_large"), "422": err("invalid_params (including too many variants)"),
                    "503": unavailable, "504": err("deadline_exceeded")}}},
            "/render.png": {"get": {
                "summary": "Render from Pixel Cat Maker URL parameters",
                "parameters": png_params,
                "responses": {"200": png("the cat; strong ETag, immutable caching"), "304": {"description": "If-None-Match matched"},
                              "422": err("invalid_params"), "503": unavailable, "504": err("deadline_exceeded")}}},
            "/render/chunk": {"post": {
                "summary": "Compose a chunk texture (tile layers + entities); returns its content-addressed URL",
                "description": "Limits (422 naming the field when exceeded): CG3_CHUNK_MAX_GRID tiles a side, tileSize in CG3_CHUNK_MIN_TILE_SIZE..=CG3_CHUNK_MAX_TILE_SIZE, CG3_CHUNK_MAX_CANVAS px a side, CG3_CHUNK_MAX_LAYERS layers, CG3_CHUNK_MAX_ENTITIES entities, entities within CG3_CHUNK_MAX_OFFSET px of the canvas. Identical chunks (any key order or whitespace, any chunkX/chunkY) share one hash and URL.",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChunkRequest"}}}},
                "responses": {
                    "200": {"description": "the texture's URL and size", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChunkResponse"}}}},
                    "400": err("malformed_json"), "408": err("body_timeout: not received whole within CG3_BODY_READ_TIMEOUT_MS"), "413": err("body_too_large"),
                    "422": err("invalid_params: unknown tileset/tile/sprite group/cat name, wrong layer length, limits; `field` names it, `allowed` lists names where short"),
                    "503": unavailable, "504": err("deadline_exceeded"), "500": err("internal")}}},
            "/textures/{hash}.png": {"get": {
                "summary": "A chunk texture by hash (re-rendered from its recipe if it was evicted)",
                "parameters": [{"name": "hash", "in": "path", "required": true, "description": "64 lowercase hex digits from POST /render/chunk", "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
                "responses": {"200": png("the texture; Cache-Control: public, max-age=31536000, immutable; strong ETag"),
                              "304": {"description": "If-None-Match matched"},
                              "404": err("not_found: malformed hash, or unknown (no texture and no recipe: POST the chunk again)"),
                              "503": err("queue_full, circuit_open, shutting_down, or shared_store_unavailable (unknown here and Redis cannot be asked now: another replica may know it); see Retry-After"),
                              "504": err("deadline_exceeded")}}},
            "/sprites/index.json": {"get": {"summary": "spritesIndex.json", "responses": {"200": {"description": "group → sheet and offset", "content": {"application/json": {}}}}}},
            "/sprites/offsets.json": {"get": {"summary": "spritesOffsetMap.json", "responses": {"200": {"description": "pose → cell", "content": {"application/json": {}}}}}},
            "/sprites/{sheet}.png": {"get": {"summary": "A whole sheet named by the index",
                "parameters": [{"name": "sheet", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": png("the sheet"), "404": err("not_found")}}},
            "/sprites/{group}/{pose}.png": {"get": {"summary": "One 50×50 cell",
                "parameters": [{"name": "group", "in": "path", "required": true, "schema": {"type": "string"}},
                               {"name": "pose", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0, "maximum": 20}}],
                "responses": {"200": png("the cell"), "404": err("not_found")}}},
            "/health": {"get": {"summary": "Liveness and queue state (never queued)",
                "responses": {"200": {"description": "health", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}}}},
            "/ready": {"get": {"summary": "Readiness: atlases loaded and not draining",
                "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics (renderer_*)",
                "responses": {"200": {"description": "text exposition", "content": {"text/plain": {}}}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {}}}}}},
            "/": {"get": {"summary": "The playground page: cat maker, layer inspector, pose strip, chunk painter, service status", "responses": {"200": {"description": "HTML (strong ETag, 304)", "content": {"text/html": {}}}}}},
            "/": {"get": {"summary": "The playground: a page that builds cats and chunks against this server", "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
            "/playground/{file}": {"get": {"summary": "The playground's app.js and style.css", "parameters": [{"name": "file", "in": "path", "required": true, "schema": {"type": "string", "enum": ["app.js", "style.css"]}}],
                "responses": {"200": {"description": "the file (strong ETag, 304)"}, "404": err("not_found")}}},
            "/vocabulary": {"get": {"summary": "Every allowed value of every cat parameter (the lists 422 errors quote), palette colours by palette, and each tileset's tiles",
                "responses": {"200": {"description": "vocabulary", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
            "/docs": {"get": {"summary": "This reference as a page (rendered from /openapi.json, no network)", "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}}}},
            "/palettes": {"get": {"summary": "Palette colours in CatGenerator's shape: [{id, label, description, colors}]",
                "description": "Every palette file loaded (CG3_PALETTE_ROOT, else <data root>/palettes, else the bundled ones). Any colour name works as colour, tortieColour or tortie[].colour.",
                "responses": {"200": {"description": "palettes", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "label": {"type": "string"}, "description": {"type": "string", "nullable": true}, "colors": {"type": "object"}}}}}}}}}}
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                "code": {"type": "string", "enum": ["invalid_params", "malformed_json", "body_too_large", "body_timeout", "too_many_connections", "queue_full", "circuit_open", "deadline_exceeded", "not_found", "method_not_allowed", "shutting_down", "shared_store_unavailable", "internal"]},
                "message": {"type": "string"}, "field": {"type": "string"}, "allowed": {"type": "array", "items": {"type": "string"}}}}}},
            "CatParams": {"type": "object", "description": "CatGenerator parameters (peltName, colour (a game or palette colour, see /palettes), spriteNumber, isTortie, tortie (layers {pattern, colour, mask}; null slots skipped), tortiePattern/tortieColour/tortieMask, tint, whitePatches, points, whitePatchesTint, vitiligo, eyeColour, eyeColour2, skinColour, scars/scarSlots/scar, accessories/accessory, shading, dead, darkForest, darkForestTint, opacity, reverse). CatGenerator's aliases are read too: eyeColor, eyeColor2, skinColor, sprite_number, darkMode; booleans may be \"true\"/\"false\".", "additionalProperties": true},
            "Payload": {"type": "object", "properties": {"spriteNumber": {"type": "integer", "minimum": 0, "maximum": 20}, "params": {"$ref": "#/components/schemas/CatParams"}}},
            "RenderRequest": {"type": "object", "required": ["payload"], "properties": {
                "payload": {"$ref": "#/components/schemas/Payload"},
                "options": {"type": "object", "properties": {"collectLayers": {"type": "boolean"}, "includeLayerImages": {"type": "boolean"}, "diagnostics": {"type": "boolean", "default": true}}}}},
            "Meta": {"type": "object", "properties": {"started_at": {"type": "number", "description": "seconds since the epoch"}, "finished_at": {"type": "number", "description": "seconds since the epoch"},
                "duration_ms": {"type": "number"}, "memory_pressure": {"type": "boolean", "description": "the queue is 80 % full or more"},
                "queue_pressure": {"type": "number", "description": "queue fill 0..1"}, "started": {"type": "string", "format": "date-time"},
                "cached": {"type": "boolean"}, "backend": {"type": "string"}}},
            "RenderResponse": {"type": "object", "required": ["image", "meta"], "properties": {
                "image": {"type": "string", "description": "data:image/png;base64,..."},
                "meta": {"$ref": "#/components/schemas/Meta"},
                "layers": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "string"}, "label": {"type": "string"}, "duration_ms": {"type": "number"},
                    "diagnostics": {"type": "array", "items": {"type": "string"}, "description": "ops:N, opaque_pixels:N, changed_pixels:N (CatGenerator's string list)"},
                    "stats": {"type": "object", "properties": {"ops": {"type": "integer"}, "opaque_pixels": {"type": "integer"}, "changed_pixels": {"type": "integer"}}},
                    "blend_mode": {"type": "string", "nullable": true}, "image": {"type": "string"}}}}}},
            "BatchRequest": {"type": "object", "properties": {
                "payload": {"$ref": "#/components/schemas/Payload"},
                "variants": {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
                    "id": {}, "label": {}, "group": {}, "spriteNumber": {"type": "integer"},
                    "params": {"type": "object", "description": "merged onto the base parameters, then overrides"},
                    "overrides": {"type": "object"}}}},
                "options": {"type": "object", "properties": {"tileSize": {"type": "integer", "default": 50, "minimum": 1, "description": "any size; frames scaled nearest-neighbour; the sheet at most 16 MP"},
                    "columns": {"type": "integer", "minimum": 1}, "includeSources": {"type": "boolean", "description": "also each frame as its own 50×50 PNG (sources)"},
                    "includeBase": {"type": "boolean", "default": true},
                    "frameMode": {"type": "string", "enum": ["composed", "layer"], "default": "composed"},
                    "layerId": {"type": "string", "enum": ["base", "tint", "whitePatches", "points", "vitiligo", "eyes", "scarsPrimary", "scarsSecondary", "skin", "lineart", "accessories", "lighting"]}}}}},
            "BatchResponse": {"type": "object", "required": ["sheet", "width", "height", "tileSize", "frames"], "properties": {
                "sheet": {"type": "string", "description": "data:image/png;base64,..."},
                "sources": {"type": "array", "items": {"type": "object", "properties": {"id": {}, "image": {"type": "string"}}}}, "width": {"type": "integer"}, "height": {"type": "integer"}, "tileSize": {"type": "integer"},
                "columns": {"type": "integer"}, "rows": {"type": "integer"}, "meta": {"$ref": "#/components/schemas/Meta"},
                "frames": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {}, "label": {}, "group": {}, "index": {"type": "integer"}, "column": {"type": "integer"}, "row": {"type": "integer"},
                    "x": {"type": "integer"}, "y": {"type": "integer"}, "width": {"type": "integer"}, "height": {"type": "integer"}}}}}},
            "ChunkRequest": {"type": "object", "required": ["tileset", "width", "height", "tileSize"], "properties": {
                "chunkX": {"type": "integer", "description": "echoed; not part of the hash"},
                "chunkY": {"type": "integer", "description": "echoed; not part of the hash"},
                "tileset": {"type": "string", "enum": tilesets, "description": "a tileset of data/tilesets (terrain is bundled)"},
                "width": {"type": "integer", "minimum": 1, "maximum": limits.max_grid, "description": "tiles"},
                "height": {"type": "integer", "minimum": 1, "maximum": limits.max_grid, "description": "tiles"},
                "tileSize": {"type": "integer", "minimum": limits.tile_size.start(), "maximum": limits.tile_size.end(), "description": "px per tile on the texture; tiles are scaled nearest-neighbour; width × tileSize and height × tileSize at most the canvas limit"},
                "layers": {"type": "array", "description": "drawn first to last; each row-major with width × height entries",
                           "items": {"type": "array", "items": {"type": "string", "nullable": true}}},
                "entities": {"type": "array", "items": {"$ref": "#/components/schemas/ChunkEntity"}}}},
            "ChunkEntity": {"type": "object", "required": ["x", "y"], "description": "exactly one of sprite, cat, tile",
                "properties": {
                    "x": {"type": "integer", "description": "left edge, px; may be negative (clipped)"},
                    "y": {"type": "integer", "description": "top edge, px"},
                    "z": {"type": "integer", "default": 0, "description": "draw order; ties keep list order"},
                    "flip": {"type": "boolean", "default": false},
                    "sprite": {"type": "object", "required": ["group"], "properties": {"group": {"type": "string"}, "pose": {"type": "integer", "minimum": 0, "maximum": 20, "default": 8}}},
                    "cat": {"$ref": "#/components/schemas/CatParams"},
                    "tile": {"type": "string", "description": "a tile or sprite of the tileset (tree, rock, …)"}}},
            "ChunkResponse": {"type": "object", "required": ["textureUrl", "hash", "width", "height", "cached"], "properties": {
                "textureUrl": {"type": "string", "example": "/textures/<hash>.png"},
                "hash": {"type": "string", "description": "64 hex digits: blake3 of the canonical request and the art"},
                "width": {"type": "integer", "description": "px"}, "height": {"type": "integer", "description": "px"},
                "cached": {"type": "boolean", "description": "true when the texture store already held it"},
                "renderMs": {"type": "number", "description": "time spent on this request"},
                "chunkX": {"type": "integer"}, "chunkY": {"type": "integer"}}},
            "Health": {"type": "object", "properties": {
                "status": {"type": "string", "enum": ["ok", "degraded", "draining"]}, "queue_size": {"type": "integer"}, "queue_capacity": {"type": "integer"},
                "workers": {"type": "integer"}, "busy_workers": {"type": "integer"}, "circuit_open": {"type": "boolean"},
                "circuit_state": {"type": "string", "enum": ["closed", "open", "half_open"]}, "backend": {"type": "string", "description": "cpu, gpu or auto(gpu+cpu)"},
                "gpu": {"$ref": "#/components/schemas/GpuHealth"},
                "rendered": {"type": "integer"}, "rejected": {"type": "integer"}, "failed": {"type": "integer"}, "cache_hits": {"type": "integer"}}}
        }}
    });
    let cat = &mut doc["components"]["schemas"]["CatParams"];
    cat["required"] = json!(["peltName"]);
    cat["properties"] = json!({
        "peltName": named("peltName"), "colour": named("colour"),
        "tortieBase": named("tortieBase"), "tortiePattern": named("tortieBase"),
        "tortieColour": named("colour"), "tortieMask": named("tortieMask"),
        "tint": named("tint"), "skinColour": named("skinColour"),
        "eyeColour": named("eyeColour"), "eyeColour2": named("eyeColour"),
        "whitePatches": named("whitePatches"), "points": named("points"),
        "whitePatchesTint": named("whitePatchesTint"), "vitiligo": named("vitiligo"),
        "accessories": {"type": "array", "items": named("accessories")},
        "scars": {"type": "array", "items": named("scars")},
        "isTortie": {"type": "boolean"}, "shading": {"type": "boolean"},
        "dead": {"type": "boolean"}, "darkForest": {"type": "boolean"},
        "reverse": {"type": "boolean"},
        "spriteNumber": {"type": "integer", "minimum": 0, "maximum": 20},
        "opacity": {"type": "integer", "minimum": 0, "maximum": 100}});
    // Added apart: one more schema inside the literal above exceeds `json!`'s recursion limit.
    doc["components"]["schemas"]["GpuHealth"] = json!({"type": "object", "nullable": true,
        "description": "the GPU adapter; null when rendering on the CPU alone",
        "properties": {
            "adapter": {"type": "string"}, "api": {"type": "string", "example": "Vulkan"},
            "deviceType": {"type": "string", "example": "DiscreteGpu"}, "software": {"type": "boolean"},
            "state": {"type": "string", "enum": ["closed", "open", "half_open"], "description": "GPU-local breaker (auto mode)"},
            "deviceOpen": {"type": "boolean"}}});
    doc
}
