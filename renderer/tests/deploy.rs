//! The deployment files in `deploy/` name only settings the service has, and the image and
//! the probes use endpoints and subcommands that exist. (hadolint, kubernetes-validate and
//! `nginx -t` check the files' own syntax in `scripts/deploy-check.sh`; the cluster test
//! runs `deploy/nginx.conf`.)

mod common;

use std::path::{Path, PathBuf};

use renderer::config::SETTINGS;

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("deploy/ is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every `CG3_…` word in `text`.
fn setting_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("CG3_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end].trim_end_matches('_');
        // `CG3_*` in prose is every setting, not one.
        if name != "CG3" {
            out.push(name.to_owned());
        }
        rest = &tail[end..];
    }
    out
}

#[test]
fn deploy_files_name_only_settings_the_service_reads() {
    let known: Vec<String> = SETTINGS.iter().map(|s| s.env_var()).collect();
    let mut all = Vec::new();
    files(&deploy_dir(), &mut all);
    let mut seen = 0;
    for path in &all {
        let text = std::fs::read_to_string(path).expect("text file");
        for name in setting_names(&text) {
            seen += 1;
            assert!(
                known.contains(&name),
                "{} names {name}, which is not a setting (docs/configuration.md lists them)",
                path.display()
            );
        }
    }
    assert!(
        seen > 10,
        "deploy/ should configure the service ({seen} names found)"
    );
}

#[test]
fn the_checker_catches_a_misspelt_setting() {
    assert_eq!(
        setting_names("CG3_REDIS_URL: x\n  CG3_REDIS_RETENTION: 5 # CG3_* all"),
        ["CG3_REDIS_URL", "CG3_REDIS_RETENTION"]
    );
    let known: Vec<String> = SETTINGS.iter().map(|s| s.env_var()).collect();
    assert!(!known.contains(&"CG3_REDIS_RETENTION".to_owned()));
}

#[tokio::test]
async fn probes_and_health_checks_use_routes_and_subcommands_that_exist() {
    let k8s = std::fs::read_to_string(deploy_dir().join("k8s/deployment.yaml")).expect("read");
    for route in ["path: /ready", "path: /health"] {
        assert!(k8s.contains(route), "deployment.yaml lacks {route}");
    }
    let docker = std::fs::read_to_string(deploy_dir().join("Dockerfile")).expect("read");
    assert!(
        docker.contains(r#"CMD ["renderer", "probe", "--path", "/health"]"#),
        "the HEALTHCHECK runs `renderer probe` (tested in tests/cli.rs)"
    );
    let hpa = std::fs::read_to_string(deploy_dir().join("k8s/hpa.yaml")).expect("read");
    let rules = std::fs::read_to_string(deploy_dir().join("k8s/prometheus-adapter-rules.yaml"))
        .expect("read");
    // The metric the HPA scales on is one /metrics exports, and the probed routes answer.
    let state = common::cpu_state(common::config(|_| {}));
    let metrics = common::call(&state, common::get("/metrics")).await.body;
    assert!(String::from_utf8_lossy(&metrics).contains("\nrenderer_queue_depth "));
    for route in ["/ready", "/health"] {
        let r = common::call(&state, common::get(route)).await;
        assert_eq!(r.status, axum::http::StatusCode::OK, "{route}");
    }
    assert!(hpa.contains("name: renderer_queue_depth"));
    assert!(rules.contains("renderer_queue_depth{"));
}
