//! `renderer serve`: configuration → atlases → workers → HTTP, and the shutdown sequence:
//!
//! 1. SIGTERM/SIGINT (or the test's trigger) → readiness false, the queue stops taking work,
//!    new renders get 503 `shutting_down`.
//! 2. The listener stops accepting ([`crate::connections`]); idle connections close,
//!    in-flight requests (and the queued jobs they wait on) finish, for at most the grace
//!    period.
//! 3. Workers finish what the queue still holds and exit; the process exits 0.
//!
//! `CG3_BACKEND` picks the workers' backends in [`crate::select`]: `cpu`, `gpu` (one GPU
//! worker doing all the work; start-up fails without an adapter) or `auto` (worker 0 on the
//! GPU when there is one, the rest on the CPU).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::config::{Config, LogFormat, SETTINGS, env_help};
use crate::connection_threads::ConnectionThreads;
use crate::state::{AtlasFiles, Service};

/// Flags of `renderer serve`: `--config` and one flag per [`SETTINGS`] entry (each
/// overriding its `CG3_*` variable), built from that table so a setting is declared once.
#[derive(Debug, Clone, Default)]
pub struct ServeArgs {
    /// Optional TOML file.
    pub config: Option<PathBuf>,
    /// The flags that were given, as `(file key, raw value)` pairs for [`Config::load`].
    pub flags: Vec<(&'static str, String)>,
}

impl clap::FromArgMatches for ServeArgs {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(m)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        if let Some(p) = m.get_one::<PathBuf>("config") {
            self.config = Some(p.clone());
        }
        for s in SETTINGS {
            if let Some(v) = m.get_one::<String>(s.key) {
                self.flags.retain(|(k, _)| *k != s.key);
                self.flags.push((s.key, v.clone()));
            }
        }
        Ok(())
    }
}

impl clap::Args for ServeArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let cmd = cmd.after_help(env_help()).arg(
            clap::Arg::new("config")
                .long("config")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("Optional TOML file (keys: the settings below, lower case, without CG3_)"),
        );
        SETTINGS.iter().fold(cmd, |cmd, s| {
            cmd.arg(
                clap::Arg::new(s.key)
                    .long(s.flag().trim_start_matches('-').to_owned())
                    .value_name("VALUE")
                    .help(format!("{} [env: {}]", s.help, s.env_var())),
            )
        })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

/// Sets up `tracing` output.
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}

/// Loads the atlases named by `config` and starts the workers.
///
/// # Errors
/// When the atlases cannot be loaded, the backend is unavailable, or threads fail.
pub fn build_state(config: Config) -> anyhow::Result<Service> {
    let paths = crate::atlas_paths::resolve(
        config.sprite_root.as_deref(),
        config.data_root.as_deref(),
        config.palette_root.as_deref(),
    );
    let t = Instant::now();
    let repo = crate::atlas_paths::load(&paths)?;
    for w in crate::atlas_paths::report_warnings(&repo) {
        tracing::warn!("{w}");
    }
    tracing::info!(
        groups = repo.report().groups,
        sheets = repo.report().sheets,
        palette_colours = repo.palettes().len(),
        ms = t.elapsed().as_millis() as u64,
        "atlases loaded"
    );
    let read = |name: &str| -> anyhow::Result<axum::body::Bytes> {
        let direct = paths.data_root.join(name);
        std::fs::read(&direct)
            .map(Into::into)
            .with_context(|| format!("reading {}", direct.display()))
    };
    let tilesets = pipeline::chunk::TilesetRegistry::load(&paths).with_context(|| {
        format!(
            "loading tilesets from {}",
            paths.data_root.join("tilesets").display()
        )
    })?;
    tracing::info!(tilesets = ?tilesets.names(), "tilesets loaded");
    let files = AtlasFiles {
        sprite_root: paths.sprite_root.clone(),
        index: read("spritesIndex.json")?,
        offsets: read("spritesOffsetMap.json")?,
        tilesets: Arc::new(tilesets),
    };
    crate::select::start_app_probing_gpu(config, Arc::new(repo), files)
}

/// Serves `service` on `listener` until `shutdown` resolves, then drains (module docs):
/// connections first, then the worker pool, which this function owns from here on.
/// Returns true when everything admitted was answered within the grace period.
///
/// # Errors
/// When the listener fails.
pub async fn serve(
    listener: TcpListener,
    service: Service,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<bool> {
    let Service { state, pool } = service;
    let grace = state.config.shutdown_grace;
    let threads = if state.config.pin_connections {
        ConnectionThreads::pinned(state.config.async_thread_count())?
    } else {
        ConnectionThreads::shared(tokio::runtime::Handle::current())
    };
    tracing::info!(
        addr = %listener.local_addr()?,
        workers = state.workers,
        async_threads = threads.thread_count(),
        backend = state.backend,
        "listening"
    );
    let stop = {
        let state = state.clone();
        async move {
            shutdown.await;
            tracing::info!(grace_s = grace.as_secs(), "shutdown: draining");
            state.begin_drain();
        }
    };
    let connections = crate::connections::accept_until(
        listener,
        &threads,
        crate::http::app(state.clone()),
        crate::connections::ConnectionLimits::of(&state.config),
        state.metrics.clone(),
        stop,
    )
    .await;
    let mut clean = crate::connections::drain(connections, grace).await;
    if !clean {
        tracing::warn!("grace period over with requests still open");
    }
    let finished = tokio::task::spawn_blocking(move || {
        let finished = pool.shutdown(grace);
        // Pinned connections still open past the grace period are dropped with their
        // threads (shared ones with the runtime, when `run` returns).
        threads.stop();
        finished
    })
    .await
    .unwrap_or(false);
    clean &= finished;
    tracing::info!(clean, "shutdown complete");
    Ok(clean)
}

/// Resolves on SIGTERM or SIGINT.
pub async fn signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `renderer serve` from parsed flags.
///
/// # Errors
/// Configuration, atlas, bind or runtime failures.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(
        args.config.as_deref(),
        |k| std::env::var(k).ok(),
        &args.flags,
    )?;
    init_logging(config.log_format);
    let addr = format!("{}:{}", config.host, config.port);
    // Start-up, the accept loop and signals, and (unless pinned, `ConnectionThreads`) the
    // connections too.
    let rt = if config.pin_connections {
        tokio::runtime::Builder::new_current_thread()
            // Its blocking pool's threads (start-up, shutdown), so no thread is mistaken for
            // one answering HTTP.
            .thread_name("blocking")
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(config.async_thread_count())
            .enable_all()
            .build()
    }
    .context("starting the async runtime")?;
    rt.block_on(async move {
        let service = tokio::task::spawn_blocking(move || build_state(config)).await??;
        let listener = TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        serve(listener, service, signal()).await?;
        anyhow::Ok(())
    })
}
