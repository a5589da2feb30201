//! `renderer`: serves the API (default) or renders cats from files.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use renderer::cli::RenderArgs;
use renderer::serve::ServeArgs;

#[derive(Debug, Parser)]
#[command(
    name = "renderer",
    version,
    about = "ClanGen-style cat sprite renderer",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand: serve with these flags.
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve(Box<ServeArgs>),
    /// Render cats from a JSON or JSONL file of parameters.
    Render(RenderArgs),
    /// GET a local endpoint (default /health); exit 0 on 200 (container health checks).
    Probe(renderer::probe::ProbeArgs),
    /// Print, as one JSON line, the GPU adapter the server would use (exit 0) or why there is
    /// none (exit 3, `UNUSABLE_EXIT`). `CG3_BACKEND=auto` runs this in a child process at start-up.
    #[cfg(feature = "gpu")]
    GpuProbe(renderer::gpu_probe::GpuProbeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Render(args)) => renderer::cli::run(&args).map(|ok| {
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }),
        Some(Command::Probe(args)) => renderer::probe::run(&args).map(|status| {
            println!("{status}");
            ExitCode::SUCCESS
        }),
        #[cfg(feature = "gpu")]
        Some(Command::GpuProbe(args)) => {
            let verdict = renderer::gpu_probe::run(&args);
            match serde_json::to_string(&verdict) {
                Ok(line) => println!("{line}"),
                Err(e) => eprintln!("error: {e}"),
            }
            Ok(match verdict {
                renderer::gpu_probe::ProbeVerdict::Usable { .. } => ExitCode::SUCCESS,
                renderer::gpu_probe::ProbeVerdict::Unusable { .. } => {
                    ExitCode::from(renderer::gpu_probe::UNUSABLE_EXIT)
                }
            })
        }
        Some(Command::Serve(args)) => renderer::serve::run(&args).map(|()| ExitCode::SUCCESS),
        None => renderer::serve::run(&cli.serve).map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|e| {
        eprintln!("error: {e:#}");
        ExitCode::FAILURE
    })
}
