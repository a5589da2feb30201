//! `loadgen`: the command line of the load generator (see the library's docs for the layout).
//!
//! ```text
//! loadgen --url http://127.0.0.1:18001 --scenario varied:32 --scenario health:1 --duration 10
//! loadgen --url http://127.0.0.1:18001 --scenario chunk:8 --tiles 16 --tile-size 32 --json chunk.json
//! loadgen get http://127.0.0.1:18001/ready --wait 10     # waits for a 200, prints the body
//! ```

use std::io::Write as _;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use loadgen::client::{Target, get_once};
use loadgen::scenario::{ChunkShape, ScenarioSpec};
use loadgen::{Plan, run};

/// Closed-loop HTTP/1 load generator for the renderer: latency per status class.
#[derive(Debug, Parser)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// One GET; prints the body of a 200, exits 1 otherwise.
    Get {
        /// The URL (http only).
        url: Target,
        /// Keep trying for this many seconds until a 200 (server start-up).
        #[arg(long, default_value_t = 0.0)]
        wait: f64,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// The server's base URL (http only).
    #[arg(long, default_value = "http://127.0.0.1:8001")]
    url: Target,
    /// `name[:connections]`, repeatable: cached, varied, chunk, health. Several run at once.
    #[arg(short, long = "scenario", default_value = "cached")]
    scenarios: Vec<ScenarioSpec>,
    /// Connections of a scenario given without `:connections`.
    #[arg(short, long, default_value = "16")]
    connections: NonZeroUsize,
    /// Seconds measured.
    #[arg(short, long, default_value_t = 10.0)]
    duration: f64,
    /// Seconds of load before measuring (not counted).
    #[arg(long, default_value_t = 0.0)]
    warmup: f64,
    /// Longest wait for one answer, ms; longer counts as a `timeout` error.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
    /// Load threads, each driving its share of the connections (default: the number of
    /// cores, at most 4).
    #[arg(long)]
    threads: Option<NonZeroUsize>,
    /// At most this many distinct requests per scenario (default: all distinct).
    #[arg(long)]
    distinct: Option<NonZeroU64>,
    /// Chunk: tiles along each side.
    #[arg(long, default_value_t = 16)]
    tiles: u32,
    /// Chunk: tile size in pixels.
    #[arg(long, default_value_t = 32)]
    tile_size: u32,
    /// Chunk: entities per chunk (default: about 20 per 512² of canvas, at least 5).
    #[arg(long)]
    entities: Option<u32>,
    /// Chunk: how many of the entities are whole cats.
    #[arg(long, default_value_t = 0)]
    chunk_cats: u32,
    /// Seed of the chunk variation.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn seconds(name: &str, s: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s).with_context(|| format!("--{name} {s}: not a number of seconds"))
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let threads = cli.run.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        NonZeroUsize::get,
    );
    match cli.command {
        Some(Command::Get { url, wait }) => {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("starting the tokio runtime")?;
            rt.block_on(get(&url, seconds("wait", wait)?))
        }
        None => load(cli.run, threads),
    }
}

async fn get(url: &Target, wait: Duration) -> anyhow::Result<ExitCode> {
    let until = tokio::time::Instant::now() + wait;
    loop {
        let last = match get_once(url, Duration::from_secs(5)).await {
            Ok((200, body)) => {
                std::io::stdout().write_all(&body)?;
                println!();
                return Ok(ExitCode::SUCCESS);
            }
            Ok((status, body)) => format!("status {status}: {}", String::from_utf8_lossy(&body)),
            Err(e) => format!("{e:#}"),
        };
        if tokio::time::Instant::now() >= until {
            eprintln!("loadgen get {}{}: {last}", url, url.path);
            return Ok(ExitCode::FAILURE);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn load(args: RunArgs, threads: usize) -> anyhow::Result<ExitCode> {
    let duration = seconds("duration", args.duration)?;
    anyhow::ensure!(!duration.is_zero(), "--duration must be above 0");
    let plan = Plan {
        target: args.url,
        scenarios: args
            .scenarios
            .iter()
            .map(|s| (s.kind, s.connections.unwrap_or(args.connections).get()))
            .collect(),
        duration,
        warmup: seconds("warmup", args.warmup)?,
        timeout: Duration::from_millis(args.timeout_ms.max(1)),
        distinct: args.distinct,
        chunk: ChunkShape {
            tiles: args.tiles,
            tile_size: args.tile_size,
            entities: args.entities,
            cats: args.chunk_cats,
            seed: args.seed,
        },
        threads,
    };
    let conns: usize = plan.scenarios.iter().map(|s| s.1).sum();
    println!(
        "loadgen: {} for {:.1} s (+{:.1} s warm-up), {conns} connections, {threads} load threads",
        plan.target,
        duration.as_secs_f64(),
        plan.warmup.as_secs_f64(),
    );
    let report = run(&plan)?;
    print!("{}", report.table());
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.to_json())?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}
