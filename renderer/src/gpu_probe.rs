//! `renderer gpu-probe`, and the child process `CG3_BACKEND=auto` runs it in before it
//! loads any GPU driver itself.
//!
//! Enumerating adapters loads every installed driver into the process for good: on a host
//! with Mesa but no GPU, lavapipe and its LLVM stay resident (about 60 MB) although `auto`
//! then renders on the CPU. Asked in a child process, the server loads a driver only when
//! the child found an adapter it will use, and a driver that crashes while probing takes
//! the child down, not the server.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pipeline::gpu::{GpuAdapterInfo, GpuOptions};
use serde::{Deserialize, Serialize};

/// The exit status of `renderer gpu-probe` when no adapter is usable (0 when one is).
pub const UNUSABLE_EXIT: u8 = 3;

/// Flags of `renderer gpu-probe`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GpuProbeArgs {
    /// Use the first adapter whose name contains this (as `CG3_GPU_ADAPTER`).
    #[arg(long)]
    pub adapter: Option<String>,
    /// Accept a software rasteriser such as lavapipe (as `CG3_GPU_ALLOW_SOFTWARE=true`).
    #[arg(long)]
    pub allow_software: bool,
}

/// What `renderer gpu-probe` prints: one JSON line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum ProbeVerdict {
    /// The server would open this adapter.
    Usable {
        /// The adapter.
        adapter: GpuAdapterInfo,
    },
    /// No adapter the server would use; why.
    Unusable {
        /// The reason, as the backend gives it.
        reason: String,
    },
}

/// Probes in this process (the `gpu-probe` command itself).
#[must_use]
pub fn run(args: &GpuProbeArgs) -> ProbeVerdict {
    let options = GpuOptions {
        adapter_name: args.adapter.clone(),
        allow_software: args.allow_software,
        ..GpuOptions::default()
    };
    match pipeline::gpu::probe(&options) {
        Ok(adapter) => ProbeVerdict::Usable { adapter },
        Err(e) => ProbeVerdict::Unusable {
            reason: e.to_string(),
        },
    }
}

/// Why a child probe gave no verdict.
#[derive(Debug, thiserror::Error)]
pub enum ProbeFailure {
    /// The child could not be started (no executable path, no process); the caller may
    /// probe in-process instead.
    #[error("cannot start the probe process: {0}")]
    Spawn(String),
    /// The child ran but crashed, hung or answered nonsense: a driver to stay away from.
    #[error("the probe process failed: {0}")]
    Child(String),
}

/// Runs `exe gpu-probe` with `args` and waits up to `timeout` for its verdict.
///
/// # Errors
/// [`ProbeFailure`] when no verdict came back.
pub fn in_child(
    exe: &std::path::Path,
    args: &GpuProbeArgs,
    timeout: Duration,
) -> Result<ProbeVerdict, ProbeFailure> {
    let mut cmd = Command::new(exe);
    cmd.arg("gpu-probe");
    if let Some(name) = &args.adapter {
        cmd.args(["--adapter", name]);
    }
    if args.allow_software {
        cmd.arg("--allow-software");
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| ProbeFailure::Spawn(format!("{}: {e}", exe.display())))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ProbeFailure::Child(format!(
                    "no answer within {} s",
                    timeout.as_secs()
                )));
            }
            Err(e) => return Err(ProbeFailure::Child(e.to_string())),
        }
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out);
    }
    let line = out.lines().rev().find(|l| !l.trim().is_empty());
    match line.map(serde_json::from_str::<ProbeVerdict>) {
        Some(Ok(verdict)) if status.success() || status.code() == Some(UNUSABLE_EXIT.into()) => {
            Ok(verdict)
        }
        _ => Err(ProbeFailure::Child(format!("exited with {status}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verdict_is_one_json_line_that_reads_back() {
        let v = ProbeVerdict::Unusable {
            reason: "no GPU adapter".into(),
        };
        let line = serde_json::to_string(&v).expect("serialises");
        assert!(line.contains(r#""verdict":"unusable""#), "{line}");
        assert_eq!(
            serde_json::from_str::<ProbeVerdict>(&line).expect("parses"),
            v
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_child_that_crashes_or_prints_nonsense_is_a_failure_not_a_verdict() {
        let args = GpuProbeArgs::default();
        // `false` exits 1 and prints nothing; `echo` prints something that is not JSON.
        for exe in ["false", "echo"] {
            match in_child(std::path::Path::new(exe), &args, Duration::from_secs(5)) {
                Err(ProbeFailure::Child(_)) => {}
                other => panic!("{exe}: {other:?}"),
            }
        }
        match in_child(
            std::path::Path::new("/no/such/renderer"),
            &args,
            Duration::from_secs(5),
        ) {
            Err(ProbeFailure::Spawn(_)) => {}
            other => panic!("{other:?}"),
        }
    }
}
