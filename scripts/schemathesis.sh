#!/usr/bin/env bash
# The API description must tell the truth: run schemathesis (pinned in
# scripts/requirements-schemathesis.txt, installed into .venv-schemathesis) against the
# /openapi.json of a real `jikji serve` — temporary SQLite data dir, admin API on, the installed
# models — and fail on any failure (undocumented status or body, schema-valid request refused,
# schema-invalid request accepted, wrong method not 405, 5xx, …).
#
# Bounded for CI (about 1–2 minutes): JIKJI_SCHEMATHESIS_EXAMPLES cases per operation and phase
# (default 30), a fixed seed (JIKJI_SCHEMATHESIS_SEED, default 1) so that a CI run is repeatable;
# try other seeds locally to look further.
#
# Usage: scripts/schemathesis.sh [extra schemathesis run options]
# (JIKJI_SCHEMATHESIS_KEEP=1 keeps the temporary directory with the server log and config.)
set -euo pipefail
cd "$(dirname "$0")/.."

EXAMPLES=${JIKJI_SCHEMATHESIS_EXAMPLES:-30}
SEED=${JIKJI_SCHEMATHESIS_SEED:-1}
VENV=$(realpath -m "${JIKJI_SCHEMATHESIS_VENV:-.venv-schemathesis}")
REQ=scripts/requirements-schemathesis.txt
BIN=target/release/jikji

# 1. schemathesis, pinned (reinstalled when the requirements file changes)
stamp="$VENV/.requirements.sha256"
want=$(sha256sum "$REQ" | cut -d' ' -f1)
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "schemathesis: installing $REQ into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
    echo "$want" > "$stamp"
fi

# 2. the server: release binary, temporary data dir, admin token, models
# (after pip, which may need a proxy: from here on everything talks to 127.0.0.1, and python and
# schemathesis would honour proxy variables)
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
[ -x "$BIN" ] || cargo build --release -p jikji-cli
MODELS=${JIKJI_MODELS:-./models}
if [ ! -f "$MODELS/ppocrv6-small/det.onnx" ]; then
    echo "schemathesis: models missing under $MODELS (run scripts/setup-models.sh)" >&2
    exit 1
fi
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    if [ -n "${JIKJI_SCHEMATHESIS_KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
cat > "$TMP/jikji.toml" <<EOF
listen = "127.0.0.1:$PORT"
data_dir = "$TMP/data"
models = "$MODELS"
admin_token = "$TOKEN"
# Every generated request comes from 127.0.0.1, and schemathesis sends wrong tokens on purpose
# (ignored_auth): without this the login throttle would answer 429 to the rest of the run.
admin_auth_free_failures = 1000000
workers = 1
queue = 16
request_timeout_secs = 30
url_timeout_secs = 2
# Batch jobs: no local folder is allowed (batch_local_roots empty), and S3 sources without an
# endpoint go to a closed local port, so generated jobs are refused at once (400) instead of
# waiting on a network that CI does not have.
[s3]
endpoint = "http://127.0.0.1:9"
EOF
# HTTP from python3 (no curl needed): GET /readyz answers 200, and POST JSON with the admin token.
ready() { python3 -c "import urllib.request as u; u.urlopen('$BASE/readyz', timeout=2)" 2>/dev/null; }
"$BIN" serve --config "$TMP/jikji.toml" > "$TMP/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    if ready; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$TMP/serve.log" >&2; echo "schemathesis: server died" >&2; exit 1; fi
    sleep 0.5
done
ready || { cat "$TMP/serve.log" >&2; echo "schemathesis: server not ready" >&2; exit 1; }

# 3. one general domain, so that the OCR routes are exercised past the domain and secret checks
domain() {
    python3 - "$BASE/admin/v1/domains" "$TOKEN" "$1" <<'PY'
import sys, urllib.request as u
req = u.Request(sys.argv[1], data=sys.argv[3].encode(), method="POST",
                headers={"Authorization": "Bearer " + sys.argv[2], "Content-Type": "application/json"})
print(u.urlopen(req, timeout=10).read().decode())
PY
}
GENERAL=$(domain '{"name":"schemathesis general","table_detection":true}')
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
GID=$(echo "$GENERAL" | field 'd["domain"]["id"]')
GKEY=$(echo "$GENERAL" | field 'd["domain"]["invoke_key"]')
GSECRET=$(echo "$GENERAL" | field 'd["secret"]')

# 4. schemathesis. The OCR routes get the general domain's id, key and secret, so that requests
#    reach the body checks. On these routes a schema-valid request may still be answered 400: the
#    CLOVA contract (spec §12) rejects with 400 what the domain or the deliberately lenient parser
#    decides and no JSON Schema states exactly: the operation against the domain type (0022:
#    /infer and /document on a general domain), `data` that is not base64 in any accepted form,
#    a `lang` list that does not parse, an image URL that is refused, a missing `version` on
#    General but not on Document. So positive_data_acceptance also expects 400 there; every other
#    check (undocumented status or body, 5xx, schema-invalid data accepted, wrong method not 405,
#    ...) applies in full. /infer's "no released template" is 500/1021 by the spec.
#    The template admin routes likewise: whether a template's regions lie inside its sample, the sample
#    decodes and holds static text to match on, is decided on the image, not by a schema, so a
#    schema-valid body may be answered 400 there too; and the OCR Reader's routes (corrections,
#    searchable PDF): whether the upload decodes, has the page asked for and holds the polygon.
#    The console's try-it route is an OCR route (same answers). Accounts: a schema-valid login is still answered 401 (no such user), a new
#    user's name may be taken (400), the last admin may not go (409), the admin token has no
#    password to change (409). A schema-valid batch job may be answered 400 too: whether its domain exists
#    and serves the operation, and its folder or bucket can be listed, is decided by the server.
#    The daily usage report may answer 400 too: a range that starts after it ends or spans over
#    366 days is two schema-valid days.
cat > "$TMP/schemathesis.toml" <<EOF
[[operations]]
include-path-regex = "^/custom/v1/.*/(general|document/[^/]*)$"
parameters = { "domainId" = $GID, "invokeKey" = "$GKEY", "X-OCR-SECRET" = "$GSECRET" }
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]

[[operations]]
include-path-regex = "^/custom/v1/.*/infer$"
parameters = { "domainId" = $GID, "invokeKey" = "$GKEY", "X-OCR-SECRET" = "$GSECRET" }
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]
checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "500"]

[[operations]]
include-path-regex = "^/admin/v1/domains/.*/templates"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]

[[operations]]
include-path-regex = "^/admin/v1/domains/.*/try/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]

[[operations]]
include-path-regex = "^/admin/v1/(session|users|tokens)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429"]

[[operations]]
include-path-regex = "^/admin/v1/(domains/.*/corrections|searchable-pdf)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]

[[operations]]
include-path-regex = "^/admin/v1/batch/jobs$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]

[[operations]]
include-path-regex = "^/admin/v1/domains/.*/usage/daily$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "404", "409", "429", "5xx"]
EOF
# Two passes: the admin API can rotate, patch or delete any domain id it draws, including the one
# the OCR routes use, so the OCR routes run first, then everything else.
# (run from the temporary directory: schemathesis keeps a cache in ./.schemathesis)
run() {
    (cd "$TMP" && "$VENV/bin/schemathesis" --config-file "$TMP/schemathesis.toml" run "$BASE/openapi.json" \
        --checks all \
        --header "Authorization: Bearer $TOKEN" \
        --max-examples "$EXAMPLES" \
        --seed "$SEED" \
        --workers 1 \
        --request-timeout 40 \
        --suppress-health-check all \
        "$@")
}
set +e
run --include-path-regex '^/custom/v1/' "$@"
rc1=$?
run --exclude-path-regex '^/custom/v1/' "$@"
rc2=$?
set -e
rc=$(( rc1 != 0 ? rc1 : rc2 ))
if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "schemathesis: the server died during the run" >&2
    tail -50 "$TMP/serve.log" >&2
    exit 1
fi
if [ $rc -ne 0 ]; then
    echo "schemathesis: failures (exit $rc); server log tail:" >&2
    tail -20 "$TMP/serve.log" >&2
fi
exit $rc
