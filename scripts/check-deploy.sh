#!/usr/bin/env bash
# The deployment examples must at least parse and say what docs/deployment.md promises: every YAML
# file under deploy/ is loaded with PyYAML (from scripts/requirements-schemathesis.txt's pin, in
# .venv-schemathesis, created when missing), and the Kubernetes and compose files are checked for
# the parts the documentation relies on (probes on /readyz and /healthz, resource requests, a CPU
# HorizontalPodAutoscaler, PostgreSQL and an object store in the compose file).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=$(realpath -m "${JIKJI_SCHEMATHESIS_VENV:-.venv-schemathesis}")
PY=python3
if ! "$PY" -c 'import yaml' 2>/dev/null; then
    if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import yaml' 2>/dev/null; then
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check "$(grep -i '^PyYAML==' scripts/requirements-schemathesis.txt)"
    fi
    PY="$VENV/bin/python"
fi
"$PY" - <<'PY'
import glob, sys, yaml

docs = {}
for path in sorted(glob.glob("deploy/**/*.yaml", recursive=True)):
    with open(path) as f:
        docs[path] = [d for d in yaml.safe_load_all(f) if d is not None]
    print(f"ok  {path}: {len(docs[path])} document(s)")
assert docs, "no YAML under deploy/"

def kind(k):
    return [d for ds in docs.values() for d in ds if d.get("kind") == k]

(dep,) = kind("Deployment")
(c,) = dep["spec"]["template"]["spec"]["containers"]
assert c["readinessProbe"]["httpGet"]["path"] == "/readyz", c["readinessProbe"]
assert c["livenessProbe"]["httpGet"]["path"] == "/healthz", c["livenessProbe"]
assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"], c["resources"]
(svc,) = kind("Service")
assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"], "service selects the pods"
(hpa,) = kind("HorizontalPodAutoscaler")
assert hpa["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"]
assert any(m["resource"]["name"] == "cpu" for m in hpa["spec"]["metrics"]), hpa["spec"]["metrics"]

compose = docs["deploy/compose.yaml"][0]
services = compose["services"]
for s in ("postgres", "objectstore", "jikji"):
    assert s in services, f"compose service {s} missing"
env = services["jikji"]["environment"]
assert env["JIKJI_DATABASE_URL"].startswith("postgres://"), env["JIKJI_DATABASE_URL"]
print("deploy: checks passed")
PY
