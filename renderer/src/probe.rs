//! `renderer probe`: one HTTP GET of a local endpoint, exit 0 on 200. The container's
//! HEALTHCHECK and a Kubernetes exec probe use it, so the runtime image needs no curl.

use std::io::{Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs as _};
use std::time::Duration;

use anyhow::{Context, bail};

/// Flags of `renderer probe`.
#[derive(Debug, Clone, clap::Args)]
pub struct ProbeArgs {
    /// Path to GET.
    #[arg(long, default_value = "/health")]
    pub path: String,
    /// Host to connect to.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (default: `CG3_PORT`, else 8001).
    #[arg(long, env = "CG3_PORT", default_value_t = 8001)]
    pub port: u16,
    /// Give up after this many milliseconds.
    #[arg(long, default_value_t = 2000)]
    pub timeout_ms: u64,
}

/// GETs the path; `Ok` with the status line when it is 200.
///
/// # Errors
/// When the server cannot be reached in time or answers anything but 200.
pub fn run(args: &ProbeArgs) -> anyhow::Result<String> {
    let timeout = Duration::from_millis(args.timeout_ms.max(1));
    let addr = (args.host.as_str(), args.port)
        .to_socket_addrs()
        .with_context(|| format!("resolving {}", args.host))?
        .next()
        .with_context(|| format!("{} has no address", args.host))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {} HTTP/1.0\r\nHost: {}\r\nConnection: close\r\n\r\n",
        args.path, args.host
    )?;
    // The status line fits in the first read's worth; the body is not needed.
    let mut head = [0u8; 256];
    let n = stream.read(&mut head).context("reading the answer")?;
    let text = String::from_utf8_lossy(&head[..n]);
    let status = text.lines().next().unwrap_or_default().to_owned();
    match status.split_whitespace().nth(1) {
        Some("200") => Ok(status),
        _ => bail!("GET {} answered {status:?}", args.path),
    }
}
