//! End-to-end tests of the `renderer` binary: `render` (single, JSONL, layers, scale) and
//! the server's start-up checks and SIGTERM exit.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use pipeline::atlas::decode_png;
use pipeline::plan::Plan;
use pipeline::{AtlasPaths, AtlasRepository, CatParams, CatSpec, CpuBackend};

const BIN: &str = env!("CARGO_BIN_EXE_renderer");

/// A fresh folder under the system's temp dir, removed again when the test is done.
struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp(name: &str) -> TempDir {
    let d = std::env::temp_dir().join(format!("renderer-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    TempDir(d)
}

fn decode(path: &Path) -> pipeline::atlas::RgbaImage {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode_png(std::io::Cursor::new(bytes), "t").expect("decodes")
}

fn reference(json: &str) -> Vec<u8> {
    let repo = AtlasRepository::load(&AtlasPaths::bundled()).expect("bundled art loads");
    let params = CatParams::from_json(&serde_json::from_str(json).expect("json")).expect("params");
    let plan = Plan::for_cat(&CatSpec::resolve(&params, &repo).expect("resolves"));
    CpuBackend::new().render(&repo, &plan).to_vec()
}

const CAT: &str =
    r#"{"peltName":"Tabby","colour":"GINGER","spriteNumber":3,"shading":true,"reverse":true}"#;

#[test]
fn a_single_cat_renders_to_the_same_pixels_as_the_library() {
    let dir = temp("single");
    std::fs::write(dir.join("cat.json"), CAT).expect("write");
    let out = Command::new(BIN)
        .args(["render", "--params"])
        .arg(dir.join("cat.json"))
        .arg("-o")
        .arg(dir.join("cat.png"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = decode(&dir.join("cat.png"));
    assert_eq!((img.width, img.height), (50, 50));
    assert_eq!(img.pixels, reference(CAT));
    assert!(
        img.pixels.chunks(4).any(|p| p[3] > 0),
        "the cat is not empty"
    );
}

#[test]
fn scale_upscales_nearest_neighbour() {
    let dir = temp("scale");
    std::fs::write(dir.join("cat.json"), CAT).expect("write");
    let out = Command::new(BIN)
        .args(["render", "--scale", "3", "--params"])
        .arg(dir.join("cat.json"))
        .arg("-o")
        .arg(dir.join("big.png"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = decode(&dir.join("big.png"));
    assert_eq!((img.width, img.height), (150, 150));
    let small = reference(CAT);
    for (y, x) in [(0, 0), (20, 31), (49, 49), (25, 10)] {
        let s = &small[(y * 50 + x) * 4..][..4];
        let b = &img.pixels[((y * 3 + 2) * 150 + x * 3 + 1) * 4..][..4];
        assert_eq!(s, b, "pixel {x},{y}");
    }
}

#[test]
fn jsonl_renders_one_png_per_line_and_reports_bad_lines_without_stopping() {
    let dir = temp("jsonl");
    let lines = [
        r#"{"peltName":"Tabby","colour":"GINGER"}"#,
        "",
        r#"{"peltName":"Tabby","colour":"PURPLE"}"#,
        "not json",
        r#"{"peltName":"SingleColour","colour":"BLACK","spriteNumber":0}"#,
    ];
    std::fs::write(dir.join("cats.jsonl"), lines.join("\n")).expect("write");
    let out = Command::new(BIN)
        .args(["render", "--params"])
        .arg(dir.join("cats.jsonl"))
        .arg("--out-dir")
        .arg(dir.join("out"))
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "failed lines make the exit non-zero");
    assert!(stderr.contains("2 rendered, 2 failed"), "{stderr}");
    assert!(
        stderr.contains("line 3") && stderr.contains("`colour`") && stderr.contains("PURPLE"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 4") && stderr.contains("malformed JSON"),
        "{stderr}"
    );
    let names: Vec<String> = {
        let mut v: Vec<String> = std::fs::read_dir(dir.join("out"))
            .expect("out dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names, ["000000.png", "000004.png"]);
    assert_eq!(
        decode(&dir.join("out/000004.png")).pixels,
        reference(lines[4])
    );
}

#[test]
fn layers_writes_each_stage_canvas_named_by_its_order_and_the_last_equals_the_cat() {
    let dir = temp("layers");
    std::fs::write(dir.join("cat.json"), CAT).expect("write");
    let out = Command::new(BIN)
        .args(["render", "--params"])
        .arg(dir.join("cat.json"))
        .arg("-o")
        .arg(dir.join("cat.png"))
        .arg("--layers")
        .arg(dir.join("layers"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.join("layers"))
        .expect("layers dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.first().map(String::as_str), Some("00_base.png"));
    assert!(
        names.iter().any(|n| n.ends_with("_shading.png")),
        "{names:?}"
    );
    let last = names.last().expect("some layers");
    assert!(last.ends_with("_flip.png"), "{names:?}");
    assert_eq!(
        decode(&dir.join("layers").join(last)).pixels,
        decode(&dir.join("cat.png")).pixels
    );
}

#[test]
fn a_bad_environment_value_stops_start_up_naming_the_variable() {
    let out = Command::new(BIN)
        .env("CG3_WORKER_COUNT", "zero")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CG3_WORKER_COUNT"), "{stderr}");
}

#[test]
fn probe_fails_when_nothing_listens() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let out = Command::new(BIN)
        .args(["probe", "--port", &port.to_string(), "--timeout-ms", "500"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("connecting"), "{stderr}");
}

#[test]
fn help_lists_the_environment_variables() {
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    for var in [
        "CG3_PORT",
        "CG3_MAX_QUEUE_SIZE",
        "CG3_CIRCUIT_RESET_SECONDS",
        "CG3_LOG_FORMAT",
    ] {
        assert!(text.contains(var), "{var} missing from --help:\n{text}");
    }
}

/// The server's log lines on stdout.
type LogLines = std::io::Lines<BufReader<std::process::ChildStdout>>;

/// Starts `renderer serve` on a free port with JSON logs and `env`; returns the child, the
/// rest of its log, the lines logged up to `listening`, and the address it listens on.
fn start_server(env: &[(&str, &str)]) -> (std::process::Child, LogLines, Vec<String>, String) {
    let (child, lines, seen, listening) = start_server_with_line(env);
    let addr = listening["addr"].as_str().expect("addr field").to_owned();
    (child, lines, seen, addr)
}

/// [`start_server`], returning the `listening` line itself (parsed) instead of its address.
fn start_server_with_line(
    env: &[(&str, &str)],
) -> (
    std::process::Child,
    LogLines,
    Vec<String>,
    serde_json::Value,
) {
    let mut child = Command::new(BIN)
        .args(["serve", "--port", "0", "--log-format", "json"])
        .env("RUST_LOG", "info")
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    loop {
        let Some(Ok(line)) = lines.next() else {
            let _ = child.kill();
            let status = child.wait();
            panic!("the server stopped logging before `listening` ({status:?}): {seen:?}");
        };
        if line.contains("listening") {
            let v: serde_json::Value = serde_json::from_str(&line).expect("json log line");
            return (child, lines, seen, v);
        }
        seen.push(line);
    }
}

#[cfg(unix)]
#[test]
fn the_server_answers_and_exits_zero_on_sigterm() {
    answers_and_exits_zero_on_sigterm(&[]);
}

#[cfg(unix)]
#[test]
fn the_server_with_pinned_connections_answers_and_exits_zero_on_sigterm() {
    answers_and_exits_zero_on_sigterm(&[("CG3_PIN_CONNECTIONS", "true")]);
}

#[cfg(unix)]
fn answers_and_exits_zero_on_sigterm(env: &[(&str, &str)]) {
    let (mut child, lines, _, addr) = start_server(env);
    let mut s = TcpStream::connect(&addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s.write_all(b"GET /render.png?peltName=Tabby&colour=GINGER HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("writes");
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).expect("reads");
    assert!(
        resp.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&resp[..resp.len().min(200)])
    );
    // `renderer probe`, the image's health check: 0 on 200, non-zero otherwise.
    let port = addr.rsplit(':').next().expect("port").to_owned();
    let probe = |path: &str| {
        Command::new(BIN)
            .args(["probe", "--port", &port, "--path", path])
            .output()
            .expect("probe runs")
    };
    let ok = probe("/health");
    assert!(ok.status.success(), "{ok:?}");
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("200"),
        "{ok:?}"
    );
    assert!(probe("/ready").status.success());
    let missing = probe("/no-such-route");
    assert!(!missing.status.success());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("404"),
        "{missing:?}"
    );
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let code = child.wait().expect("exits");
    assert!(code.success(), "exit status {code:?}");
}

/// Under `CG3_BACKEND=auto` with no adapter the server would use (here: none, or only
/// lavapipe, which `auto` does not take), the adapters are enumerated in a child process and
/// no GPU driver is ever mapped into the server.
#[cfg(target_os = "linux")]
#[test]
fn auto_without_a_usable_gpu_loads_no_driver_into_the_server() {
    let probe = Command::new(BIN).arg("gpu-probe").output().expect("runs");
    let verdict: serde_json::Value =
        serde_json::from_slice(&probe.stdout).expect("gpu-probe prints one JSON line");
    if verdict["verdict"] == "usable" {
        eprintln!(
            "SKIPPED: this machine has a usable GPU ({verdict}): `auto` is meant to load its driver"
        );
        return;
    }
    assert_eq!(probe.status.code(), Some(3), "{probe:?}");
    let (mut child, _, logged, _) = start_server(&[("CG3_BACKEND", "auto")]);
    let probed_in_child = logged
        .iter()
        .any(|l| l.contains("probed in a child process"));
    let maps = std::fs::read_to_string(format!("/proc/{}/maps", child.id())).expect("maps");
    let _ = child.kill();
    let _ = child.wait();
    assert!(probed_in_child, "the start-up log names the child probe");
    for driver in ["libvulkan", "libLLVM", "libEGL", "libGL"] {
        assert!(
            !maps.contains(driver),
            "{driver} is mapped into the server:\n{}",
            maps.lines()
                .filter(|l| l.contains(driver))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// `CG3_ASYNC_THREADS` sizes the async runtime: the `listening` line reports the runtime's
/// own worker count (tokio's metrics, not the setting read back).
#[test]
fn the_async_runtime_has_the_configured_number_of_threads() {
    for n in [1u64, 3] {
        let (mut child, _, _, listening) =
            start_server_with_line(&[("CG3_ASYNC_THREADS", &n.to_string())]);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(listening["async_threads"], n, "{listening}");
    }
}

/// With `CG3_PIN_CONNECTIONS` the async threads are the process's own `async-N` threads,
/// as many as `CG3_ASYNC_THREADS`, and no tokio worker threads answer HTTP.
#[cfg(target_os = "linux")]
#[test]
fn pinned_connections_run_on_as_many_threads_of_their_own() {
    let (mut child, _, _, listening) =
        start_server_with_line(&[("CG3_ASYNC_THREADS", "3"), ("CG3_PIN_CONNECTIONS", "true")]);
    let names: Vec<String> = std::fs::read_dir(format!("/proc/{}/task", child.id()))
        .expect("tasks")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|n| n.trim().to_owned())
        .collect();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(listening["async_threads"], 3, "{listening}");
    let pinned = names.iter().filter(|n| n.starts_with("async-")).count();
    assert_eq!(pinned, 3, "{names:?}");
    assert!(
        !names.iter().any(|n| n == "tokio-rt-worker"),
        "a current-thread runtime accepts; no tokio worker threads: {names:?}"
    );
}
