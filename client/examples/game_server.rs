//! A toy game server: walks a procedural world chunk by chunk, asks the renderer for each
//! chunk's texture through `RendererClient`, and prints the `LoadChunk` events it would send
//! to players as JSON lines on stdout. While the renderer is down it keeps going and sends
//! chunks without textures; when the renderer is back it fetches the missing textures and
//! prints `ChunkTexture` updates.
//!
//! ```text
//! cargo run -p renderer-client --example game_server -- \
//!     --url http://127.0.0.1:8001 --count 50 --interval-ms 200
//! ```
//! Logs (`RUST_LOG=renderer.client=debug`) go to stderr.

use std::collections::VecDeque;
use std::time::Duration;

use renderer_client::{
    ChunkJson, ChunkOutcome, CircuitState, ClientConfig, EntityJson, EntityKindJson, RendererClient,
};
use serde_json::json;

const SIZE: u32 = 16;

struct Args {
    url: String,
    count: u64,
    interval: Duration,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: "http://127.0.0.1:8001".into(),
        count: 0,
        interval: Duration::from_millis(250),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--url" => a.url = value()?,
            "--count" => a.count = value()?.parse()?,
            "--interval-ms" => a.interval = Duration::from_millis(value()?.parse()?),
            other => anyhow::bail!("unknown flag {other}; use --url, --count, --interval-ms"),
        }
    }
    Ok(a)
}

/// A stable hash of world coordinates (no `rand`: the world must be the same every run).
fn hash2(x: i64, y: i64, salt: u64) -> u64 {
    let mut z = (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
        ^ salt;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Smooth-ish height in 0..256: bilinear value noise on an 8-tile lattice.
fn height(tx: i64, ty: i64) -> u64 {
    let (cx, cy) = (tx.div_euclid(8), ty.div_euclid(8));
    let (fx, fy) = (tx.rem_euclid(8) as u64, ty.rem_euclid(8) as u64);
    let v = |x, y| hash2(x, y, 1) % 256;
    let top = v(cx, cy) * (8 - fx) + v(cx + 1, cy) * fx;
    let bottom = v(cx, cy + 1) * (8 - fx) + v(cx + 1, cy + 1) * fx;
    (top * (8 - fy) + bottom * fy) / 64
}

/// The chunk at `(cx, cy)`: terrain from the height field, a road every 24 tile rows, and
/// trees, rocks and bushes scattered on grass.
fn make_chunk(cx: i64, cy: i64) -> ChunkJson {
    let mut ground = Vec::new();
    let mut road = Vec::new();
    let mut entities = Vec::new();
    for y in 0..i64::from(SIZE) {
        for x in 0..i64::from(SIZE) {
            let (tx, ty) = (cx * i64::from(SIZE) + x, cy * i64::from(SIZE) + y);
            let h = height(tx, ty);
            let tile = match h {
                0..=70 => "water",
                71..=90 => "sand",
                _ if hash2(tx, ty, 2).is_multiple_of(9) => "grass_flowers",
                _ if hash2(tx, ty, 3).is_multiple_of(2) => "grass_2",
                _ => "grass",
            };
            ground.push(Some(tile.to_owned()));
            let on_road = ty.rem_euclid(24) == 5 && h > 70;
            road.push(on_road.then(|| "path".to_owned()));
            if h > 100 && !on_road && hash2(tx, ty, 4).is_multiple_of(11) {
                let kind = ["tree", "tree_pine", "rock", "bush", "bush_berries"]
                    [(hash2(tx, ty, 5) % 5) as usize];
                let tall = kind.starts_with("tree");
                entities.push(EntityJson {
                    x: (x * 32) as i32,
                    y: (y * 32) as i32 - if tall { 32 } else { 0 },
                    z: y as i32,
                    flip: hash2(tx, ty, 6).is_multiple_of(2),
                    kind: EntityKindJson::Tile(kind.to_owned()),
                });
            }
        }
    }
    ChunkJson {
        chunk_x: cx,
        chunk_y: cy,
        tileset: "terrain".into(),
        width: SIZE,
        height: SIZE,
        tile_size: 32,
        layers: vec![ground, road],
        entities,
    }
}

fn emit(event: &str, chunk: &ChunkJson, outcome: &ChunkOutcome) {
    let mut line = json!({"event": event, "chunkX": chunk.chunk_x, "chunkY": chunk.chunk_y,
                          "texture": outcome.url()});
    match outcome {
        ChunkOutcome::Texture(t) => line["hash"] = json!(t.hash),
        ChunkOutcome::Unavailable { reason } => line["textureMissing"] = json!(reason.code()),
    }
    println!("{line}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "renderer.client=info".into()),
        )
        .init();
    let args = args()?;
    let mut config = ClientConfig::new(&args.url);
    config.timeout = Duration::from_secs(1);
    config.breaker_cooldown = Duration::from_secs(3);
    config.health_interval = Duration::from_secs(1);
    let client = RendererClient::new(config)?;
    let health = client.spawn_health_check();

    // Chunks sent without a texture, oldest first; retried once the renderer is back.
    let mut missing: VecDeque<ChunkJson> = VecDeque::new();
    let mut tick = tokio::time::interval(args.interval);
    let mut n: u64 = 0;
    while args.count == 0 || n < args.count {
        tick.tick().await;
        // Walk the world in rows of 8 chunks.
        let (cx, cy) = ((n % 8) as i64, (n / 8) as i64);
        n += 1;
        let chunk = make_chunk(cx, cy);
        let outcome = client.render_chunk(&chunk).await;
        emit("LoadChunk", &chunk, &outcome);
        if matches!(outcome, ChunkOutcome::Unavailable { .. }) {
            missing.push_back(chunk);
        }
        // Back-fill a few missing textures per tick while things look good.
        if client.is_healthy() && client.breaker_state() == CircuitState::Closed {
            for _ in 0..4 {
                let Some(chunk) = missing.pop_front() else {
                    break;
                };
                let outcome = client.render_chunk(&chunk).await;
                if matches!(outcome, ChunkOutcome::Texture(_)) {
                    emit("ChunkTexture", &chunk, &outcome);
                } else {
                    missing.push_front(chunk);
                    break;
                }
            }
        }
    }
    health.abort();
    eprintln!(
        "done: {n} chunks, {} still without texture; client stats {}",
        missing.len(),
        serde_json::to_string(&client.stats())?
    );
    Ok(())
}
