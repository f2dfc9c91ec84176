#!/usr/bin/env bash
# End-to-end test of the web console in a real browser: Debian's chromium (apt, installed when
# missing) driven by playwright-core (pinned in tests/e2e/package-lock.json; no browser download),
# against a fresh `jikji serve` on a free loopback port with a temporary data dir and the installed
# models. It logs in, creates a domain, tries an image and checks its boxes, runs a batch job, corrects a word in the
# OCR Reader and checks the searchable PDF with pdftotext (poppler-utils, installed when missing),
# builds a template by drawing on a sample, releases it and tests it on a second image, and saves
# a screenshot of every page under $JIKJI_E2E_ARTIFACTS (default target/e2e-artifacts).
# JIKJI_E2E_UPDATE_SCREENSHOTS=1 also copies them to docs/screenshots/ (the README shows those).
#
# It fails (never skips) when chromium, node or npm cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=target/release/jikji
ARTIFACTS=$(realpath -m "${JIKJI_E2E_ARTIFACTS:-target/e2e-artifacts}")
CHROMIUM=${JIKJI_CHROMIUM:-/usr/bin/chromium}
IMAGE=${JIKJI_E2E_IMAGE:-$ROOT/../shared/testdata/synthetic-docs/bizlicense-s1-0000.jpg}
# two certificates of the same (corporate) form: the template's sample and the image it is tested on
TEMPLATE_SAMPLE=${JIKJI_E2E_TEMPLATE_SAMPLE:-$ROOT/../shared/testdata/synthetic-docs/bizlicense-s1-0001.jpg}
TEMPLATE_TEST=${JIKJI_E2E_TEMPLATE_TEST:-$ROOT/../shared/testdata/synthetic-docs/bizlicense-s1-0002.jpg}

# 1. the browser and the driver
if [ ! -x "$CHROMIUM" ]; then
    echo "e2e: installing chromium (apt)"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium
fi
[ -x "$CHROMIUM" ] || { echo "e2e: no chromium at $CHROMIUM" >&2; exit 1; }
# Korean glyphs for the screenshots (the UI is Korean by default)
if ! fc-list :lang=ko 2>/dev/null | grep -q .; then
    echo "e2e: installing a Korean font (apt fonts-nanum)"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q fonts-nanum
fi
command -v pdftotext >/dev/null || {
    echo "e2e: installing poppler-utils (apt, for pdftotext)"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q poppler-utils
}
command -v pdftotext >/dev/null || { echo "e2e: pdftotext is missing" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || {
    echo "e2e: installing nodejs and npm (apt)"
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nodejs npm
}
command -v node >/dev/null || { echo "e2e: node is missing" >&2; exit 1; }
(cd tests/e2e && npm ci --no-audit --no-fund --silent)
for f in "$IMAGE" "$TEMPLATE_SAMPLE" "$TEMPLATE_TEST"; do
    [ -f "$f" ] || { echo "e2e: test image $f missing" >&2; exit 1; }
done

# 2. the server (everything from here on talks to 127.0.0.1 only)
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
[ -x "$BIN" ] || cargo build --release -p jikji-cli
MODELS=${JIKJI_MODELS:-./models}
[ -f "$MODELS/ppocrv6-small/det.onnx" ] || { echo "e2e: models missing under $MODELS (run scripts/setup-models.sh)" >&2; exit 1; }
TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
USER_NAME=e2e-admin
PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
echo "$PASSWORD" | "$BIN" user create --username "$USER_NAME" --role admin --data-dir "$TMP/data" > /dev/null
# the batch page reads a folder under this root and writes its results beside
mkdir -p "$TMP/batch/in"
cp "$IMAGE" "$TMP/batch/in/a.jpg"
cp "$TEMPLATE_SAMPLE" "$TMP/batch/in/b.jpg"
"$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$TMP/data" --models "$MODELS" --workers 1 \
    --batch-local-root "$TMP/batch" > "$TMP/serve.log" 2>&1 &
SERVER_PID=$!
ready() { python3 -c "import urllib.request as u; u.urlopen('$BASE/readyz', timeout=2)" 2>/dev/null; }
for _ in $(seq 1 120); do
    if ready; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$TMP/serve.log" >&2; echo "e2e: server died" >&2; exit 1; fi
    sleep 0.5
done
ready || { cat "$TMP/serve.log" >&2; echo "e2e: server not ready" >&2; exit 1; }

# 3. the test
rm -rf "$ARTIFACTS"
set +e
(cd tests/e2e && JIKJI_BASE="$BASE" JIKJI_E2E_USER="$USER_NAME" JIKJI_E2E_PASSWORD="$PASSWORD" \
    JIKJI_E2E_IMAGE="$IMAGE" JIKJI_E2E_TEMPLATE_SAMPLE="$TEMPLATE_SAMPLE" JIKJI_E2E_TEMPLATE_TEST="$TEMPLATE_TEST" \
    JIKJI_E2E_BATCH_DIR="$TMP/batch" JIKJI_E2E_ARTIFACTS="$ARTIFACTS" JIKJI_CHROMIUM="$CHROMIUM" node console.e2e.mjs)
rc=$?
set -e
if [ $rc -ne 0 ]; then
    echo "e2e: failed; server log tail:" >&2
    tail -30 "$TMP/serve.log" >&2
    exit $rc
fi
if [ "${JIKJI_E2E_UPDATE_SCREENSHOTS:-}" = 1 ]; then
    mkdir -p docs/screenshots
    cp "$ARTIFACTS"/*.png docs/screenshots/
    echo "e2e: docs/screenshots updated"
fi
echo "e2e: screenshots in $ARTIFACTS"
