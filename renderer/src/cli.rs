//! `renderer render`: one cat from a JSON file, or one PNG per line of a JSONL file.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use pipeline::plan::Plan;
use pipeline::{AtlasRepository, CatParams, CatSpec, CpuBackend, ParamError};
use serde_json::Value;

use pipeline::encode_cell;
use pipeline::layers::render_layers;

/// Flags of `renderer render`.
#[derive(Debug, Clone, clap::Args)]
pub struct RenderArgs {
    /// A JSON object of CatGenerator parameters, or a JSONL file (one object per line).
    #[arg(long)]
    pub params: PathBuf,
    /// Output PNG for a single cat.
    #[arg(short = 'o', long = "out")]
    pub out: Option<PathBuf>,
    /// Output folder for JSONL input: `000000.png`, `000001.png`, … by 0-based line number.
    #[arg(long)]
    pub out_dir: Option<PathBuf>,
    /// Folder of sheet PNGs (default: bundled `sprites/`).
    #[arg(long, env = "CG3_SPRITE_ROOT")]
    pub sprite_root: Option<PathBuf>,
    /// Folder of index/offset/tint JSON (default: bundled `data/`).
    #[arg(long, env = "CG3_DATA_ROOT")]
    pub data_root: Option<PathBuf>,
    /// Folder of CatGenerator palette JSON (default: `<data root>/palettes`, else bundled).
    #[arg(long, env = "CG3_PALETTE_ROOT")]
    pub palette_root: Option<PathBuf>,
    /// Also write each stage's canvas as `NN_<stage>.png` into this folder (a subfolder per
    /// line for JSONL).
    #[arg(long)]
    pub layers: Option<PathBuf>,
    /// Nearest-neighbour upscale factor, 1–16.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=16))]
    pub scale: u32,
}

/// Runs the command; `Ok(false)` when some JSONL lines failed (already reported).
///
/// # Errors
/// When the atlases cannot be loaded, the input cannot be read, or a single cat fails.
pub fn run(args: &RenderArgs) -> anyhow::Result<bool> {
    let repo = crate::atlas_paths::load(&crate::atlas_paths::resolve(
        args.sprite_root.as_deref(),
        args.data_root.as_deref(),
        args.palette_root.as_deref(),
    ))?;
    for w in crate::atlas_paths::report_warnings(&repo) {
        eprintln!("warning: {w}");
    }
    let mut cpu = CpuBackend::new();
    let lines_mode = args.out_dir.is_some()
        || args
            .params
            .extension()
            .is_some_and(|e| e == "jsonl" || e == "ndjson");
    if lines_mode {
        let Some(out_dir) = &args.out_dir else {
            bail!("JSONL input needs --out-dir");
        };
        return run_lines(args, &repo, &mut cpu, out_dir);
    }
    let Some(out) = &args.out else {
        bail!("a single cat needs -o/--out");
    };
    let text = std::fs::read_to_string(&args.params)
        .with_context(|| format!("reading {}", args.params.display()))?;
    let value: Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not JSON", args.params.display()))?;
    let plan = plan_for(&value, &repo).map_err(|e| anyhow::anyhow!("{e}"))?;
    render_one(
        &mut cpu,
        &repo,
        &plan,
        out,
        args.layers.as_deref(),
        args.scale,
    )?;
    Ok(true)
}

fn run_lines(
    args: &RenderArgs,
    repo: &AtlasRepository,
    cpu: &mut CpuBackend,
    out_dir: &Path,
) -> anyhow::Result<bool> {
    std::fs::create_dir_all(out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let file = std::fs::File::open(&args.params)
        .with_context(|| format!("opening {}", args.params.display()))?;
    let (mut rendered, mut failed) = (0usize, 0usize);
    for (n, line) in BufReader::new(file).lines().enumerate() {
        let line = line.with_context(|| format!("reading line {}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let name = format!("{n:06}");
        let result = serde_json::from_str::<Value>(&line)
            .map_err(|e| format!("malformed JSON: {e}"))
            .and_then(|v| plan_for(&v, repo).map_err(|e| describe(&e)))
            .and_then(|plan| {
                let layers = args.layers.as_ref().map(|d| d.join(&name));
                render_one(
                    cpu,
                    repo,
                    &plan,
                    &out_dir.join(format!("{name}.png")),
                    layers.as_deref(),
                    args.scale,
                )
                .map_err(|e| format!("{e:#}"))
            });
        match result {
            Ok(()) => rendered += 1,
            Err(msg) => {
                failed += 1;
                eprintln!("line {} ({name}.png): {msg}", n + 1);
            }
        }
    }
    eprintln!("{rendered} rendered, {failed} failed");
    Ok(failed == 0)
}

fn describe(e: &ParamError) -> String {
    let mut s = format!("field `{}`: {}", e.field, e.message);
    if !e.allowed.is_empty() && !e.message.contains("allowed") {
        let _ = write!(s, " (allowed: {})", e.allowed.join(", "));
    }
    s
}

/// Parses and resolves one cat.
///
/// # Errors
/// [`ParamError`] naming the bad field.
pub fn plan_for(value: &Value, repo: &AtlasRepository) -> Result<Plan, ParamError> {
    let params = CatParams::from_json(value)?;
    let spec = CatSpec::resolve(&params, repo)?;
    Ok(Plan::for_cat(&spec))
}

fn render_one(
    cpu: &mut CpuBackend,
    repo: &AtlasRepository,
    plan: &Plan,
    out: &Path,
    layers_dir: Option<&Path>,
    scale: u32,
) -> anyhow::Result<()> {
    let png = if let Some(dir) = layers_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let (canvas, layers) =
            render_layers(cpu, repo, plan, true, scale, std::time::Instant::now)?;
        for (i, layer) in layers.iter().enumerate() {
            if let Some(png) = &layer.png {
                let path = dir.join(format!("{i:02}_{}.png", layer.kind.id()));
                std::fs::write(&path, png)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
        }
        encode_cell(&canvas, scale)?
    } else {
        encode_cell(cpu.render(repo, plan), scale)?
    };
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(out, png).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
