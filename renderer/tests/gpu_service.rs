//! The GPU backend through the service.
//!
//! With an adapter (lavapipe on CI: `CG3_REQUIRE_GPU=1`): `CG3_BACKEND=gpu` answers
//! `/render`, `/render.png` and `/render/batch` with exactly the CPU's pixels, batches
//! concurrent requests into one GPU call, and `/health` names the adapter. Without one
//! those tests print `SKIPPED:` and return.
//!
//! A real device destroyed under a batch (as a driver reset would): `auto` answers from the
//! CPU, reports the device closed, and the next batch opens a new one.
//!
//! Always (a fake device injected through `start_gpu_app`, a manual clock): `auto` answers
//! with CPU pixels when the GPU fails, opens the GPU-local breaker after N failures and
//! probes after the reset time; a lost device is reopened; strict `gpu` turns GPU failures
//! into job failures; a panicked GPU worker comes back with a GPU backend and one device.
//! Chunks: with several workers in `auto`, every chunk of at least `CG3_GPU_CHUNK_MIN_PIXELS`
//! is composed by the (fake) device, whichever worker takes it, and answers the CPU's
//! pixels; smaller chunks stay on the CPU; a failing device falls back (auto) or fails the
//! job (strict); with the GPU breaker open, large chunks compose on the CPU until a probe
//! closes it; without a GPU worker the device is not reopened.
#![cfg(feature = "gpu")]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use common::{Resp, call, config, cpu_state, files, get, nz, post_json, repo};
use pipeline::atlas::decode_png;
use pipeline::chunk::{ChunkComposer, ChunkPlan};
use pipeline::compare::compare_rgba;
use pipeline::gpu::{GpuAdapterInfo, GpuBackend, GpuError};
use pipeline::plan::Plan;
use pipeline::{AtlasRepository, CpuBackend};
use renderer::backend::{RenderBackend as _, WorkerRole};
use renderer::breaker::{Clock, ManualClock};
use renderer::config::{BackendChoice, Config};
use renderer::gpu_backend::{GpuDevice, GpuMode, GpuOpener, GpuSettings, GpuShared};
use renderer::job::JobInput;
use renderer::metrics::Outcome;
use renderer::select::{start_app, start_gpu_app};
use renderer::worker::WorkerPool;
use renderer::{AppState, Service};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

/// The adapter the real-GPU tests run on, or `None` after a `SKIPPED:` line naming `test`
/// (never with `CG3_REQUIRE_GPU=1`: then a missing adapter fails the test).
fn adapter(test: &str) -> Option<GpuAdapterInfo> {
    match GpuBackend::try_new_for_tests(&repo(), gpu_required_here()) {
        Ok(Some(b)) => Some(b.adapter_info().clone()),
        Ok(None) => {
            use std::io::Write as _;
            // Straight to the process's stderr: the harness hides `eprintln!` of a passing
            // test, and a skip must stay visible.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: gpu_service::{test}: no GPU adapter"
            );
            None
        }
        Err(e) => panic!("GPU adapter unusable: {e}"),
    }
}

/// A started GPU service: derefs to its state; [`shut`] drains and joins its pool.
#[derive(Debug)]
struct Running {
    state: AppState,
    pool: parking_lot::Mutex<Option<WorkerPool>>,
}

impl From<Service> for Running {
    fn from(s: Service) -> Self {
        Self {
            state: s.state,
            pool: parking_lot::Mutex::new(Some(s.pool)),
        }
    }
}

impl std::ops::Deref for Running {
    type Target = AppState;
    fn deref(&self) -> &AppState {
        &self.state
    }
}

fn gpu_state(choice: BackendChoice, f: impl FnOnce(&mut Config)) -> Running {
    let cfg = config(|c| {
        c.backend = choice;
        c.render_timeout = Duration::from_secs(60);
        f(c);
    });
    start_app(cfg, repo(), files())
        .expect("GPU state starts")
        .into()
}

/// Drains and joins the workers, so the device is dropped before the process exits
/// (lavapipe can crash at teardown otherwise).
fn shut(running: &Running) {
    running.begin_drain();
    let pool = running.pool.lock().take();
    if let Some(pool) = pool {
        assert!(pool.shutdown(Duration::from_secs(30)), "workers finish");
    }
}

fn pixels(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = decode_png(std::io::Cursor::new(png.to_vec()), "t").expect("png");
    (img.width, img.height, img.pixels)
}

fn data_url_png(v: &Value) -> Vec<u8> {
    use base64::Engine as _;
    // A cat answers `image`, a sheet `sheet` (CatGenerator's key).
    let s = v["image"]
        .as_str()
        .or_else(|| v["sheet"].as_str())
        .expect("image or sheet");
    let b64 = s.strip_prefix("data:image/png;base64,").expect("data url");
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64")
}

/// Asserts two PNGs decode to the same size and pixels.
fn assert_same_image(what: &str, expected: &[u8], actual: &[u8]) {
    let (ew, eh, e) = pixels(expected);
    let (aw, ah, a) = pixels(actual);
    assert_eq!((aw, ah), (ew, eh), "{what}: size");
    if let Some(m) = compare_rgba(ew as usize, &e, &a) {
        panic!("{what}: GPU differs from CPU: {m:?}");
    }
}

fn ok(r: &Resp, what: &str) {
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{what}: {}",
        String::from_utf8_lossy(&r.body)
    );
}

/// The 13-layer benchmark cat (tortie, tint, white patches, two eyes, scar, accessory).
fn typical_cat() -> Value {
    json!({
        "spriteNumber": 8, "peltName": "Tabby", "colour": "GINGER", "isTortie": true,
        "tortiePattern": "Speckled", "tortieColour": "BLACK", "tortieMask": "ONE",
        "tint": "pink", "whitePatches": "TUXEDO", "whitePatchesTint": "offwhite",
        "eyeColour": "GREEN", "eyeColour2": "BLUE", "scars": ["ONE"], "shading": true,
        "skinColour": "PINK", "accessories": ["MAPLE LEAF"]
    })
}

fn cats() -> Vec<Value> {
    let mut out = vec![
        typical_cat(),
        json!({"peltName": "Tabby", "colour": "GINGER", "shading": true}),
        json!({"peltName": "SingleColour", "colour": "WHITE", "spriteNumber": 0}),
    ];
    for (k, v) in [
        ("reverse", json!(true)),
        ("dead", json!(true)),
        ("darkForest", json!(true)),
        ("opacity", json!(40)),
        ("spriteNumber", json!(3)),
    ] {
        let mut c = typical_cat();
        c[k] = v;
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// Real GPU

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn render_on_the_gpu_answers_exactly_the_cpu_pixels() {
    if adapter("render_on_the_gpu_answers_exactly_the_cpu_pixels").is_none() {
        return;
    }
    let gpu = gpu_state(BackendChoice::Gpu, |_| {});
    let cpu = cpu_state(config(|_| {}));
    for (i, cat) in cats().into_iter().enumerate() {
        let body = json!({"payload": {"params": cat}});
        let g = call(&gpu, post_json("/render", &body)).await;
        let c = call(&cpu, post_json("/render", &body)).await;
        ok(&g, "gpu /render");
        ok(&c, "cpu /render");
        assert_eq!(g.json()["meta"]["backend"], "gpu");
        assert_same_image(
            &format!("cat {i}"),
            &data_url_png(&c.json()),
            &data_url_png(&g.json()),
        );
    }
    for uri in [
        "/render.png?peltName=Tabby&colour=GINGER&spriteNumber=5&scale=3",
        "/render.png?peltName=Tabby&colour=BLACK&reverse=true&scale=2",
    ] {
        let g = call(&gpu, get(uri)).await;
        let c = call(&cpu, get(uri)).await;
        ok(&g, uri);
        assert_same_image(uri, &c.body, &g.body);
    }
    // Layer capture goes through the GPU worker's CPU path and still answers.
    let layered = json!({"payload": {"params": typical_cat()}, "options": {"collectLayers": true}});
    let g = call(&gpu, post_json("/render", &layered)).await;
    ok(&g, "layers on the gpu worker");
    assert!(!g.json()["layers"].as_array().expect("layers").is_empty());
    assert!(gpu.metrics.gpu_batches().0 >= 10, "cats went to the GPU");
    assert_eq!(gpu.metrics.gpu_failures(), 0);
    shut(&gpu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_chunks_compose_on_the_real_gpu_with_the_cpu_pixels() {
    if adapter("large_chunks_compose_on_the_real_gpu_with_the_cpu_pixels").is_none() {
        return;
    }
    // Auto with two workers (one GPU, one CPU) and the software adapter allowed, so CI's
    // lavapipe runs it; the threshold sends the 256² chunks to the device.
    let gpu = gpu_state(BackendChoice::Auto, |c| {
        c.worker_count = nz(2);
        c.gpu_allow_software = true;
        c.gpu_chunk_min_pixels = MIN_PIXELS;
    });
    let bodies: Vec<Value> = (0..4).map(large).chain((0..2).map(small)).collect();
    let pngs = chunk_pngs(&gpu, &bodies).await;
    assert_cpu_pixels("real GPU chunk", &bodies, &pngs).await;
    assert_eq!(
        gpu.metrics.gpu_chunks(),
        4,
        "the large chunks, and only they"
    );
    assert_eq!(gpu.metrics.gpu_failures(), 0);
    assert_eq!(gpu.metrics.gpu_fallback_jobs(), 0);
    shut(&gpu);
}

/// A real device that destroys itself (as a driver reset would) when told to.
#[derive(Debug)]
struct LosableGpu {
    inner: GpuBackend,
    lose: Arc<AtomicBool>,
}

impl LosableGpu {
    fn maybe_lose(&self) {
        if self.lose.swap(false, Ordering::SeqCst) {
            self.inner.lose_device_for_tests();
        }
    }
}

impl GpuDevice for LosableGpu {
    fn info(&self) -> GpuAdapterInfo {
        self.inner.adapter_info().clone()
    }

    fn render(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        self.maybe_lose();
        self.inner.render_batch(repo, plans, out)
    }

    fn compose_chunk(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        self.maybe_lose();
        self.inner.compose_chunk(repo, plan, out)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_device_loss_falls_back_to_the_cpu_and_a_new_device_takes_over() {
    if adapter("a_real_device_loss_falls_back_to_the_cpu_and_a_new_device_takes_over").is_none() {
        return;
    }
    let lose = Arc::new(AtomicBool::new(false));
    let opens = Arc::new(AtomicUsize::new(0));
    let opener: GpuOpener = {
        let (lose, opens) = (lose.clone(), opens.clone());
        Arc::new(move |repo| {
            opens.fetch_add(1, Ordering::SeqCst);
            let options = pipeline::gpu::GpuOptions {
                allow_software: true,
                ..pipeline::gpu::GpuOptions::default()
            };
            let inner = GpuBackend::with_options(repo, &options)?;
            Ok(Box::new(LosableGpu {
                inner,
                lose: lose.clone(),
            }) as Box<dyn GpuDevice>)
        })
    };
    let cfg = config(|c| {
        c.worker_count = nz(1);
        c.cache_bytes = 0;
        c.render_timeout = Duration::from_secs(60);
        c.gpu_allow_software = true;
        c.gpu_chunk_min_pixels = MIN_PIXELS;
    });
    let s = start_gpu_app(
        cfg,
        repo(),
        files(),
        GpuMode::Auto,
        Arc::new(ManualClock::default()),
        opener,
    )
    .map(Running::from)
    .expect("starts");
    let cpu = cpu_state(config(|c| c.cache_bytes = 0));
    let uri = "/render.png?peltName=Tabby&colour=GINGER&spriteNumber=4&shading=true";
    let expected = call(&cpu, get(uri)).await.body;

    let first = call(&s, get(uri)).await;
    ok(&first, "before the loss");
    assert_same_image("before the loss", &expected, &first.body);
    assert_eq!(s.metrics.gpu_failures(), 0);

    // The driver resets under a cat batch: the client still gets its cat, from the CPU.
    lose.store(true, Ordering::SeqCst);
    let lost = call(&s, get(uri)).await;
    ok(&lost, "during the loss");
    assert_same_image("during the loss", &expected, &lost.body);
    assert_eq!(s.metrics.gpu_failures(), 1);
    assert_eq!(s.metrics.gpu_fallback_jobs(), 1);
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["deviceOpen"],
        false
    );

    // The next batch opens a new device and renders there.
    let again = call(&s, get(uri)).await;
    ok(&again, "after the loss");
    assert_same_image("after the loss", &expected, &again.body);
    assert_eq!(opens.load(Ordering::SeqCst), 2, "a new device was opened");
    assert_eq!(s.metrics.gpu_failures(), 1, "the new device works");

    // And the same for a chunk on the GPU.
    lose.store(true, Ordering::SeqCst);
    let pngs = chunk_pngs(&s, &[large(1)]).await;
    assert_cpu_pixels("chunk during a loss", &[large(1)], &pngs).await;
    assert_eq!(s.metrics.gpu_failures(), 2);
    let pngs = chunk_pngs(&s, &[large(2)]).await;
    assert_cpu_pixels("chunk after a loss", &[large(2)], &pngs).await;
    assert_eq!(opens.load(Ordering::SeqCst), 3);
    assert_eq!(
        s.metrics.gpu_chunks(),
        1,
        "the chunk after the loss ran on the GPU"
    );
    shut(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_rendered_on_the_gpu_equals_the_cpu_sheet() {
    if adapter("a_sheet_rendered_on_the_gpu_equals_the_cpu_sheet").is_none() {
        return;
    }
    let gpu = gpu_state(BackendChoice::Gpu, |_| {});
    let cpu = cpu_state(config(|_| {}));
    let body = json!({
        "payload": {"params": typical_cat()},
        "variants": [
            {"id": "black", "overrides": {"colour": "BLACK"}},
            {"id": "pose0", "spriteNumber": 0},
            {"id": "flip", "overrides": {"reverse": true}},
            {"id": "full", "params": {"peltName": "SingleColour", "colour": "WHITE"}}
        ],
        "options": {"tileSize": 100, "columns": 2, "includeBase": true}
    });
    let g = call(&gpu, post_json("/render/batch", &body)).await;
    let c = call(&cpu, post_json("/render/batch", &body)).await;
    ok(&g, "gpu sheet");
    ok(&c, "cpu sheet");
    assert_same_image("sheet", &data_url_png(&c.json()), &data_url_png(&g.json()));
    assert_eq!(
        gpu.metrics.gpu_batches(),
        (1, 1),
        "the five tiles went to the GPU as one call"
    );
    shut(&gpu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_are_batched_into_one_gpu_call() {
    if adapter("concurrent_requests_are_batched_into_one_gpu_call").is_none() {
        return;
    }
    let gpu = gpu_state(BackendChoice::Gpu, |c| c.cache_bytes = 0);
    let uris: Vec<String> = ["GINGER", "BLACK"]
        .iter()
        .flat_map(|colour| {
            (0..=20).map(move |pose| {
                format!("/render.png?peltName=Tabby&colour={colour}&spriteNumber={pose}")
            })
        })
        .collect();
    let tasks: Vec<_> = uris
        .iter()
        .map(|uri| {
            let (s, uri) = (gpu.clone(), uri.clone());
            tokio::spawn(async move { call(&s, get(&uri)).await })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task"));
    }
    let cpu = cpu_state(config(|_| {}));
    for (uri, g) in uris.iter().zip(&answers) {
        ok(g, uri);
        let c = call(&cpu, get(uri)).await;
        assert_same_image(uri, &c.body, &g.body);
    }
    let (calls, multi) = gpu.metrics.gpu_batches();
    assert!(
        multi >= 1,
        "{} requests in {calls} GPU calls, none with more than one cat",
        uris.len()
    );
    let text = call(&gpu, get("/metrics")).await;
    let text = String::from_utf8_lossy(&text.body).into_owned();
    assert!(
        text.contains(&format!("renderer_gpu_batch_size_count {calls}")),
        "{text}"
    );
    assert!(text.contains("renderer_gpu_failures_total 0"), "{text}");
    shut(&gpu);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_names_the_adapter_and_the_backend_mode() {
    let Some(info) = adapter("health_names_the_adapter_and_the_backend_mode") else {
        return;
    };
    let gpu = gpu_state(BackendChoice::Gpu, |c| c.worker_count = nz(3));
    let h = call(&gpu, get("/health")).await.json();
    assert_eq!(h["backend"], "gpu");
    assert_eq!(h["workers"], 1, "one GPU worker does all the work");
    assert_eq!(h["gpu"]["adapter"], info.name.as_str());
    assert_eq!(h["gpu"]["api"], info.backend.as_str());
    assert_eq!(h["gpu"]["deviceType"], info.device_type.as_str());
    assert_eq!(h["gpu"]["software"], info.software);
    assert_eq!(h["gpu"]["state"], "closed");
    assert_eq!(h["gpu"]["deviceOpen"], true);
    shut(&gpu);

    let auto = gpu_state(BackendChoice::Auto, |c| {
        c.worker_count = nz(3);
        // CI's adapter is lavapipe, which auto skips unless told otherwise.
        c.gpu_allow_software = true;
    });
    let h = call(&auto, get("/health")).await.json();
    assert_eq!(h["backend"], "auto(gpu+cpu)");
    assert_eq!(h["workers"], 3, "worker 0 on the GPU, two on the CPU");
    assert_eq!(h["gpu"]["adapter"], info.name.as_str());
    let r = call(&auto, get("/render.png?peltName=Tabby&colour=GINGER")).await;
    ok(&r, "auto render");
    shut(&auto);

    if info.software {
        // By default auto leaves a software rasteriser alone: the CPU backend is faster.
        let auto = gpu_state(BackendChoice::Auto, |_| {});
        let h = call(&auto, get("/health")).await.json();
        assert_eq!(
            h["backend"], "cpu",
            "auto must not pick a software adapter by default"
        );
        assert_eq!(h["gpu"], Value::Null);
        shut(&auto);
    }

    let cpu = gpu_state(BackendChoice::Cpu, |_| {});
    let h = call(&cpu, get("/health")).await.json();
    assert_eq!(h["backend"], "cpu");
    assert_eq!(h["gpu"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// A fake device: renders with the CPU backend unless told to fail, lose itself or panic.

#[derive(Debug, Default)]
struct FakeControl {
    fail: AtomicBool,
    lose_once: AtomicBool,
    panic: AtomicBool,
    no_adapter: AtomicBool,
    /// `render` calls.
    calls: AtomicUsize,
    /// `compose_chunk` calls.
    chunk_calls: AtomicUsize,
    /// Devices opened.
    opens: AtomicUsize,
    /// Devices alive now, and the most alive at once.
    live: AtomicUsize,
    max_live: AtomicUsize,
}

#[derive(Debug)]
struct FakeGpu {
    control: Arc<FakeControl>,
    cpu: CpuBackend,
    chunks: ChunkComposer,
}

impl FakeControl {
    /// The failure the fake was told to give, if any (a loss only once).
    fn trouble(&self) -> Result<(), GpuError> {
        assert!(!self.panic.load(Ordering::SeqCst), "fake GPU told to panic");
        if self.lose_once.swap(false, Ordering::SeqCst) {
            return Err(GpuError::DeviceLost("fake device lost".into()));
        }
        if self.fail.load(Ordering::SeqCst) {
            return Err(GpuError::Internal("fake GPU told to fail".into()));
        }
        Ok(())
    }
}

impl GpuDevice for FakeGpu {
    fn info(&self) -> GpuAdapterInfo {
        GpuAdapterInfo {
            name: "fake adapter".into(),
            backend: "Vulkan".into(),
            device_type: "Cpu".into(),
            software: true,
            driver: String::new(),
        }
    }

    fn render(
        &mut self,
        repo: &AtlasRepository,
        plans: &[&Plan],
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        self.control.calls.fetch_add(1, Ordering::SeqCst);
        self.control.trouble()?;
        out.clear();
        for p in plans {
            out.extend_from_slice(self.cpu.render(repo, p));
        }
        Ok(())
    }

    fn compose_chunk(
        &mut self,
        repo: &AtlasRepository,
        plan: &ChunkPlan,
        out: &mut Vec<u8>,
    ) -> Result<(), GpuError> {
        let c = &self.control;
        c.chunk_calls.fetch_add(1, Ordering::SeqCst);
        c.trouble()?;
        self.chunks.compose_into(plan, repo, out);
        Ok(())
    }
}

impl Drop for FakeGpu {
    fn drop(&mut self) {
        self.control.live.fetch_sub(1, Ordering::SeqCst);
    }
}

fn fake_opener(control: &Arc<FakeControl>) -> GpuOpener {
    let control = control.clone();
    Arc::new(move |_repo| {
        if control.no_adapter.load(Ordering::SeqCst) {
            return Err(GpuError::NoAdapter("fake: none".into()));
        }
        control.opens.fetch_add(1, Ordering::SeqCst);
        let live = control.live.fetch_add(1, Ordering::SeqCst) + 1;
        control.max_live.fetch_max(live, Ordering::SeqCst);
        Ok(Box::new(FakeGpu {
            control: control.clone(),
            cpu: CpuBackend::new(),
            chunks: ChunkComposer::new(),
        }) as Box<dyn GpuDevice>)
    })
}

/// A fake-GPU service in `mode` with ONE worker (so every job meets the GPU backend),
/// threshold 3, reset 12 s, no cache.
fn fake_state(
    mode: GpuMode,
    control: &Arc<FakeControl>,
    clock: Arc<dyn Clock>,
) -> anyhow::Result<Running> {
    fake_app(mode, control, clock, |_| {})
}

/// [`fake_state`] with further settings; chunks of at least [`MIN_PIXELS`] go to the GPU.
fn fake_app(
    mode: GpuMode,
    control: &Arc<FakeControl>,
    clock: Arc<dyn Clock>,
    f: impl FnOnce(&mut Config),
) -> anyhow::Result<Running> {
    let cfg = config(|c| {
        c.worker_count = nz(1);
        c.circuit_failure_threshold = nz(3);
        c.circuit_reset = Duration::from_secs(12);
        c.cache_bytes = 0;
        c.render_timeout = Duration::from_secs(60);
        c.gpu_chunk_min_pixels = MIN_PIXELS;
        // The fake adapter says it is software; auto uses it only when allowed.
        c.gpu_allow_software = true;
        f(c);
    });
    start_gpu_app(cfg, repo(), files(), mode, clock, fake_opener(control)).map(Running::from)
}

fn pose(n: u32) -> String {
    format!("/render.png?peltName=Tabby&colour=GINGER&shading=true&spriteNumber={n}")
}

fn calls(c: &FakeControl) -> usize {
    c.calls.load(Ordering::SeqCst)
}

#[tokio::test]
async fn auto_answers_with_cpu_pixels_when_the_gpu_fails_and_its_breaker_opens_then_probes() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_state(GpuMode::Auto, &control, clock.clone()).expect("starts");
    let cpu = cpu_state(config(|_| {}));
    control.fail.store(true, Ordering::SeqCst);
    for n in 0..3 {
        let r = call(&s, get(&pose(n))).await;
        ok(&r, "fallback render");
        assert_same_image("fallback", &call(&cpu, get(&pose(n))).await.body, &r.body);
        assert_eq!(calls(&control), n as usize + 1, "the GPU was tried");
    }
    let h = call(&s, get("/health")).await.json();
    assert_eq!(h["gpu"]["state"], "open", "{h}");
    assert_eq!(h["status"], "ok", "the service breaker saw no failure: {h}");
    assert_eq!(h["backend"], "auto(gpu+cpu)");
    assert_eq!(h["gpu"]["adapter"], "fake adapter");
    assert_eq!(s.metrics.gpu_failures(), 3);
    assert_eq!(s.metrics.gpu_fallback_jobs(), 3);
    assert_eq!(s.metrics.outcome_count(Outcome::Failed), 0);

    // Open: the GPU is not tried; the CPU answers.
    let r = call(&s, get(&pose(3))).await;
    ok(&r, "breaker open");
    assert_same_image("open", &call(&cpu, get(&pose(3))).await.body, &r.body);
    assert_eq!(calls(&control), 3);
    clock.advance(Duration::from_secs(11));
    ok(&call(&s, get(&pose(4))).await, "still open");
    assert_eq!(calls(&control), 3, "no probe before the reset time");
    assert_eq!(s.metrics.gpu_fallback_jobs(), 5);

    // Reset time over, GPU healthy again: one probe closes the breaker.
    clock.advance(Duration::from_secs(1));
    control.fail.store(false, Ordering::SeqCst);
    let r = call(&s, get(&pose(5))).await;
    ok(&r, "probe");
    assert_eq!(calls(&control), 4, "the probe went to the GPU");
    assert_same_image("probe", &call(&cpu, get(&pose(5))).await.body, &r.body);
    let h = call(&s, get("/health")).await.json();
    assert_eq!(h["gpu"]["state"], "closed", "{h}");
    ok(&call(&s, get(&pose(6))).await, "closed");
    assert_eq!(calls(&control), 5);
    assert_eq!(s.metrics.gpu_fallback_jobs(), 5);
    let text = String::from_utf8_lossy(&call(&s, get("/metrics")).await.body).into_owned();
    assert!(text.contains("renderer_gpu_failures_total 3"), "{text}");
    assert!(
        text.contains("renderer_gpu_fallback_jobs_total 5"),
        "{text}"
    );
}

#[tokio::test]
async fn a_failed_probe_keeps_the_gpu_off_for_another_reset_period() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_state(GpuMode::Auto, &control, clock.clone()).expect("starts");
    control.fail.store(true, Ordering::SeqCst);
    for n in 0..3 {
        ok(&call(&s, get(&pose(n))).await, "fallback");
    }
    clock.advance(Duration::from_secs(12));
    ok(&call(&s, get(&pose(3))).await, "failed probe, CPU answers");
    assert_eq!(calls(&control), 4);
    ok(&call(&s, get(&pose(4))).await, "open again");
    assert_eq!(calls(&control), 4, "open again after a failed probe");
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["state"],
        "open"
    );
}

#[tokio::test]
async fn a_lost_device_is_dropped_and_reopened_by_the_next_attempt() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_state(GpuMode::Auto, &control, clock).expect("starts");
    assert_eq!(control.opens.load(Ordering::SeqCst), 1);
    control.lose_once.store(true, Ordering::SeqCst);
    ok(&call(&s, get(&pose(0))).await, "lost: CPU answers");
    assert_eq!(
        control.live.load(Ordering::SeqCst),
        0,
        "the lost device was dropped"
    );
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["deviceOpen"],
        false
    );
    ok(&call(&s, get(&pose(1))).await, "reopened");
    assert_eq!(control.opens.load(Ordering::SeqCst), 2);
    assert_eq!(calls(&control), 2, "the new device rendered");
    assert_eq!(control.max_live.load(Ordering::SeqCst), 1);
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["deviceOpen"],
        true
    );
    assert_eq!(s.metrics.gpu_fallback_jobs(), 1);
}

#[tokio::test]
async fn strict_gpu_mode_turns_gpu_failures_into_job_failures() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_state(GpuMode::Strict, &control, clock).expect("starts");
    assert_eq!(call(&s, get("/health")).await.json()["backend"], "gpu");
    control.fail.store(true, Ordering::SeqCst);
    let r = call(&s, get(&pose(0))).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(s.metrics.outcome_count(Outcome::Failed), 1);
    assert_eq!(s.metrics.gpu_failures(), 1);
    assert_eq!(
        s.metrics.gpu_fallback_jobs(),
        0,
        "no CPU fallback in strict mode"
    );
    control.fail.store(false, Ordering::SeqCst);
    ok(&call(&s, get(&pose(1))).await, "GPU healthy again");
}

#[tokio::test]
async fn a_panicked_gpu_worker_is_rebuilt_on_the_gpu_without_a_second_device() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_state(GpuMode::Strict, &control, clock).expect("starts");
    control.panic.store(true, Ordering::SeqCst);
    let r = call(&s, get(&pose(0))).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(s.metrics.outcome_count(Outcome::Panicked), 1);
    control.panic.store(false, Ordering::SeqCst);
    ok(&call(&s, get(&pose(1))).await, "after the rebuild");
    assert_eq!(calls(&control), 2, "the rebuilt worker rendered on the GPU");
    assert_eq!(control.opens.load(Ordering::SeqCst), 2, "a new device");
    assert_eq!(
        control.max_live.load(Ordering::SeqCst),
        1,
        "never two at once"
    );
}

#[test]
fn without_an_adapter_strict_refuses_to_start_and_auto_renders_on_the_cpu() {
    let control = Arc::new(FakeControl::default());
    control.no_adapter.store(true, Ordering::SeqCst);
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::default());
    let e = fake_state(GpuMode::Strict, &control, clock.clone()).expect_err("must fail");
    let msg = format!("{e:#}");
    assert!(msg.contains("CG3_BACKEND"), "{msg}");
    assert!(msg.contains("no GPU adapter"), "{msg}");
    let s = fake_state(GpuMode::Auto, &control, clock).expect("auto starts");
    assert_eq!(s.backend, "cpu");
    assert!(s.gpu.is_none());
}

#[test]
fn the_gpu_adapter_setting_picks_by_name_and_an_unknown_name_refuses_to_start() {
    // With or without an adapter on this machine, no adapter is called this: the service's
    // setting must reach the opener, which names what it looked for and what it found.
    let cfg = config(|c| {
        c.backend = BackendChoice::Gpu;
        c.gpu_adapter = Some("no-such-adapter-xyz".into());
    });
    let e = start_app(cfg, repo(), files()).expect_err("no adapter has that name");
    let msg = format!("{e:#}");
    assert!(msg.contains("no-such-adapter-xyz"), "{msg}");
    // The name of the adapter this machine has (lavapipe: `llvmpipe`) picks it.
    let Some(info) = adapter("the_gpu_adapter_setting_picks_by_name") else {
        return;
    };
    let wanted = info.name.to_lowercase();
    let s = gpu_state(BackendChoice::Gpu, |c| c.gpu_adapter = Some(wanted.clone()));
    assert_eq!(
        s.gpu.as_ref().map(|g| g.gpu_health().adapter),
        Some(info.name.clone())
    );
    shut(&s);
}

// ---------------------------------------------------------------------------------------
// Chunks on the (fake) GPU

/// `CG3_GPU_CHUNK_MIN_PIXELS` of the fake apps: between a small and a large chunk.
const MIN_PIXELS: u64 = 128 * 128;

/// A `side`×`side` terrain chunk of 32 px tiles with a tree, a sprite cell and a cat; `n`
/// (below 256) picks the first eight ground tiles, so every `n` is its own texture.
fn chunk_body(side: usize, n: usize) -> Value {
    let names = ["grass", "grass_2", "dirt", "grass_flowers"];
    let mut ground: Vec<Value> = (0..side * side).map(|i| json!(names[i % 4])).collect();
    for (bit, tile) in ground.iter_mut().take(8).enumerate() {
        *tile = json!(if n >> bit & 1 == 1 { "sand" } else { "stone" });
    }
    json!({
        "chunkX": n, "chunkY": 0, "tileset": "terrain", "width": side, "height": side,
        "tileSize": 32, "layers": [ground],
        "entities": [
            {"x": 40, "y": -20, "z": 2, "tile": "tree"},
            {"x": 10, "y": 30, "z": 1, "flip": true, "sprite": {"group": "tabbyGINGER", "pose": 3}},
            {"x": 70, "y": 40, "cat": {"peltName": "Tabby", "colour": "GINGER"}}
        ]
    })
}

/// 256×256 px: at least [`MIN_PIXELS`].
fn large(n: usize) -> Value {
    chunk_body(8, n)
}

/// 64×64 px: below [`MIN_PIXELS`].
fn small(n: usize) -> Value {
    chunk_body(2, n)
}

/// `POST /render/chunk`, then the texture it names: its PNG.
async fn chunk_png(s: &AppState, body: &Value) -> Vec<u8> {
    let r = call(s, post_json("/render/chunk", body)).await;
    ok(&r, "POST /render/chunk");
    let url = r.json()["textureUrl"].as_str().expect("url").to_owned();
    let png = call(s, get(&url)).await;
    ok(&png, &url);
    png.body.to_vec()
}

/// Every chunk body's texture, requested concurrently.
async fn chunk_pngs(s: &AppState, bodies: &[Value]) -> Vec<Vec<u8>> {
    let tasks: Vec<_> = bodies
        .iter()
        .map(|b| {
            let (s, b) = (s.clone(), b.clone());
            tokio::spawn(async move { chunk_png(&s, &b).await })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("task"));
    }
    out
}

/// Asserts each texture decodes to the CPU-only service's pixels for the same body.
async fn assert_cpu_pixels(what: &str, bodies: &[Value], pngs: &[Vec<u8>]) {
    let cpu = cpu_state(config(|_| {}));
    for (i, (body, png)) in bodies.iter().zip(pngs).enumerate() {
        assert_same_image(&format!("{what} {i}"), &chunk_png(&cpu, body).await, png);
    }
}

fn chunk_calls(c: &FakeControl) -> usize {
    c.chunk_calls.load(Ordering::SeqCst)
}

/// The value of one `/metrics` series (`name{labels}`), 0 when absent.
async fn metric(s: &AppState, series: &str) -> u64 {
    let text = String::from_utf8_lossy(&call(s, get("/metrics")).await.body).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0)
}

/// The job `POST /render/chunk` would queue for `body`.
fn chunk_job(s: &AppState, body: &Value) -> JobInput {
    let planned = s.path.plan_chunk(body).expect("plans");
    JobInput::Chunk {
        plan: planned.plan,
        level: s.path.textures.png_level,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_composes_every_large_chunk_on_the_gpu_and_small_ones_on_the_cpu() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_app(GpuMode::Auto, &control, clock, |c| c.worker_count = nz(4)).expect("starts");
    assert_eq!(s.workers, 4, "one GPU worker, three CPU workers");

    // One at a time, so any idle worker takes each: every one must reach the device.
    let bodies: Vec<Value> = (0..12).map(large).collect();
    let mut pngs = Vec::new();
    for (n, body) in bodies.iter().enumerate() {
        pngs.push(chunk_png(&s, body).await);
        assert_eq!(
            chunk_calls(&control),
            n + 1,
            "large chunk {n} went to a CPU worker"
        );
    }
    assert_cpu_pixels("large chunk", &bodies, &pngs).await;
    // And many at once.
    let bodies: Vec<Value> = (12..20).map(large).collect();
    let pngs = chunk_pngs(&s, &bodies).await;
    assert_eq!(chunk_calls(&control), 20);
    assert_eq!(s.metrics.gpu_chunks(), 20);
    assert_cpu_pixels("large chunk", &bodies, &pngs).await;

    let bodies: Vec<Value> = (0..8).map(small).collect();
    let pngs = chunk_pngs(&s, &bodies).await;
    assert_eq!(chunk_calls(&control), 20, "small chunks stay on the CPU");
    assert_cpu_pixels("small chunk", &bodies, &pngs).await;

    assert_eq!(metric(&s, "renderer_gpu_chunks_total").await, 20);
    assert_eq!(s.metrics.gpu_failures(), 0);
    assert_eq!(s.metrics.gpu_fallback_jobs(), 0);
    shut(&s);
}

#[test]
fn every_worker_composes_large_chunks_on_the_device_while_a_gpu_worker_exists() {
    let control = Arc::new(FakeControl::default());
    let cfg = config(|c| c.gpu_chunk_min_pixels = MIN_PIXELS);
    let shared = GpuShared::open(
        repo(),
        GpuSettings::from_config(&cfg, GpuMode::Auto),
        Arc::new(renderer::metrics::Metrics::default()),
        Arc::new(ManualClock::default()),
        fake_opener(&control),
    )
    .expect("opens");
    let factory = shared.factory();
    let mut gpu_worker = factory(WorkerRole::DeviceOwner);
    let mut cpu_worker = factory(WorkerRole::Cpu);
    assert_eq!((gpu_worker.name(), cpu_worker.name()), ("gpu", "cpu"));
    let state = cpu_state(config(|_| {}));
    let job = |body: &Value| chunk_job(&state, body);
    let png = |r: Vec<Result<renderer::job::JobOutput, _>>| {
        let mut r = r;
        r.pop().expect("one result").expect("rendered").png.to_vec()
    };

    // A CPU worker holds the device for the composition only, and encodes itself.
    let from_cpu_worker = png(cpu_worker.render_batch(&[job(&large(1))]));
    assert_eq!(chunk_calls(&control), 1, "the CPU worker used the device");
    let from_gpu_worker = png(gpu_worker.render_batch(&[job(&large(1))]));
    assert_eq!(chunk_calls(&control), 2, "so did the GPU worker");
    assert_eq!(
        from_cpu_worker, from_gpu_worker,
        "same pixels, same PNG bytes"
    );
    let cpu_only =
        png(renderer::backend::CpuRenderBackend::new(repo()).render_batch(&[job(&large(1))]));
    assert_eq!(from_cpu_worker, cpu_only);
    png(cpu_worker.render_batch(&[job(&small(1))]));
    assert_eq!(chunk_calls(&control), 2, "a small chunk stays on the CPU");

    // Without a GPU worker (shutting down) the device is freed and never reopened.
    drop(gpu_worker);
    assert_eq!(
        control.live.load(Ordering::SeqCst),
        0,
        "the device was freed"
    );
    let late = png(cpu_worker.render_batch(&[job(&large(1))]));
    assert_eq!(late, cpu_only);
    assert_eq!(chunk_calls(&control), 2);
    assert_eq!(control.opens.load(Ordering::SeqCst), 1, "not reopened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_or_lost_gpu_in_auto_still_answers_large_chunks_with_cpu_pixels() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_app(GpuMode::Auto, &control, clock, |c| {
        c.worker_count = nz(3);
        c.circuit_failure_threshold = nz(5);
    })
    .expect("starts");
    control.fail.store(true, Ordering::SeqCst);
    for n in 0..2 {
        let png = chunk_png(&s, &large(n)).await;
        assert_cpu_pixels("fallback chunk", &[large(n)], &[png]).await;
    }
    assert_eq!(chunk_calls(&control), 2, "the GPU was tried for each");
    assert_eq!(s.metrics.gpu_failures(), 2);
    assert_eq!(s.metrics.gpu_fallback_jobs(), 2);
    assert_eq!(s.metrics.gpu_chunks(), 0);
    assert_eq!(s.metrics.outcome_count(Outcome::Failed), 0);
    assert_eq!(metric(&s, "renderer_gpu_fallback_jobs_total").await, 2);
    let h = call(&s, get("/health")).await.json();
    assert_eq!(h["status"], "ok", "the service breaker saw no failure: {h}");
    assert_eq!(h["gpu"]["state"], "closed", "two failures of five: {h}");

    // A lost device is dropped exactly as for cats, and the next large chunk reopens one.
    control.fail.store(false, Ordering::SeqCst);
    control.lose_once.store(true, Ordering::SeqCst);
    let png = chunk_png(&s, &large(2)).await;
    assert_cpu_pixels("lost device", &[large(2)], &[png]).await;
    assert_eq!(control.live.load(Ordering::SeqCst), 0, "dropped");
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["deviceOpen"],
        false
    );
    let png = chunk_png(&s, &large(3)).await;
    assert_cpu_pixels("reopened", &[large(3)], &[png]).await;
    assert_eq!(control.opens.load(Ordering::SeqCst), 2);
    assert_eq!(control.max_live.load(Ordering::SeqCst), 1);
    assert_eq!(s.metrics.gpu_chunks(), 1, "the new device composed it");
    assert_eq!(s.metrics.gpu_fallback_jobs(), 3);
    shut(&s);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_gpu_breaker_open_large_chunks_compose_on_the_cpu_until_a_probe_closes_it() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_app(GpuMode::Auto, &control, clock.clone(), |c| {
        c.worker_count = nz(3);
    })
    .expect("starts");
    control.fail.store(true, Ordering::SeqCst);
    for n in 0..3 {
        chunk_png(&s, &large(n)).await;
    }
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["state"],
        "open"
    );
    let bodies: Vec<Value> = (3..15).map(large).collect();
    let pngs = chunk_pngs(&s, &bodies).await;
    assert_cpu_pixels("breaker open", &bodies, &pngs).await;
    assert_eq!(chunk_calls(&control), 3, "no GPU call while open");
    assert_eq!(s.metrics.gpu_fallback_jobs(), 15);

    // After the reset time the next large chunk probes the device and closes the breaker.
    clock.advance(Duration::from_secs(12));
    control.fail.store(false, Ordering::SeqCst);
    let png = chunk_png(&s, &large(15)).await;
    assert_cpu_pixels("probe", &[large(15)], &[png]).await;
    assert_eq!(chunk_calls(&control), 4);
    assert_eq!(s.metrics.gpu_chunks(), 1);
    assert_eq!(
        call(&s, get("/health")).await.json()["gpu"]["state"],
        "closed"
    );
    shut(&s);
}

#[tokio::test]
async fn strict_gpu_mode_fails_a_large_chunk_the_gpu_fails_and_keeps_small_ones_on_the_cpu() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_state(GpuMode::Strict, &control, clock).expect("starts");
    control.fail.store(true, Ordering::SeqCst);
    let r = call(&s, post_json("/render/chunk", &large(0))).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.code(), "internal");
    assert_eq!(chunk_calls(&control), 1);
    assert_eq!(s.metrics.outcome_count(Outcome::Failed), 1);
    assert_eq!(s.metrics.gpu_failures(), 1);
    assert_eq!(
        s.metrics.gpu_fallback_jobs(),
        0,
        "no CPU fallback in strict mode"
    );

    // The one (GPU) worker composes small chunks on its CPU path, even with the GPU failing.
    let png = chunk_png(&s, &small(0)).await;
    assert_cpu_pixels("small chunk", &[small(0)], &[png]).await;
    assert_eq!(
        chunk_calls(&control),
        1,
        "a small chunk is not sent to the device"
    );

    control.fail.store(false, Ordering::SeqCst);
    let png = chunk_png(&s, &large(1)).await;
    assert_cpu_pixels("large chunk", &[large(1)], &[png]).await;
    assert_eq!(chunk_calls(&control), 2);
    assert_eq!(s.metrics.gpu_chunks(), 1);
}

#[tokio::test]
async fn a_zero_minimum_sends_every_chunk_to_the_gpu() {
    let control = Arc::new(FakeControl::default());
    let clock = Arc::new(ManualClock::default());
    let s = fake_app(GpuMode::Strict, &control, clock, |c| {
        c.gpu_chunk_min_pixels = 0;
    })
    .expect("starts");
    let png = chunk_png(&s, &small(0)).await;
    assert_cpu_pixels("small chunk", &[small(0)], &[png]).await;
    assert_eq!(chunk_calls(&control), 1);
    assert_eq!(s.metrics.gpu_chunks(), 1);
}

/// Whether this run demands an adapter (CI sets `CG3_REQUIRE_GPU=1`).
fn gpu_required_here() -> bool {
    pipeline::gpu::gpu_required(
        std::env::var(pipeline::gpu::REQUIRE_GPU_VAR)
            .ok()
            .as_deref(),
    )
}
