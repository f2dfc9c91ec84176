#!/usr/bin/env bash
# Template OCR against General OCR over HTTP (BENCHMARKS.md, "Template OCR over HTTP"): one
# `jikji serve` (embedded SQLite, 1 worker), a General domain and a Template domain with N released
# templates (default 10), the same image posted to both, one request at a time; prints the median and
# p90 of each and the ratio. The templates are the questionnaire of
# crates/jikji-template/tests/forms (its regions and flat sample) under N names: every one of them
# matches the page's text, the matcher's worst case (real template sets differ in their text, and the
# anchor index then shortlists few; see ACCURACY.md "Template OCR" for 1/10/100 templates).
# Needs target/release/jikji and the models ($JIKJI_MODELS or ./models).
# Usage: scripts/bench-template.sh [templates, default 10] [requests each, default 15] [image]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/target/release/jikji
forms=$PWD/crates/jikji-template/tests/forms
n_templates=${1:-10}
n_requests=${2:-15}
image=${3:-$forms/survey-02-photo.jpg}
work=$(mktemp -d)
port=${JIKJI_BENCH_PORT:-18093}
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export JIKJI_DATA_DIR=$work/data JIKJI_PUBLIC_URL=http://127.0.0.1:$port
[ -n "${JIKJI_MODELS:-}" ] || export JIKJI_MODELS=$PWD/models

python3 -c "import json,sys; json.dump(json.load(open(sys.argv[1]))['template'], open(sys.argv[2], 'w'), ensure_ascii=False)" \
  "$forms/survey.json" "$work/regions.json"
general=$("$bin" domain create --name general --type general --json 2>/dev/null)
template=$("$bin" domain create --name forms --type template --json 2>/dev/null)
tdomain=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['domain']['id'])" "$template")
for i in $(seq 1 "$n_templates"); do
  sed "s/\"health-survey\"/\"survey-$i\"/" "$work/regions.json" > "$work/r$i.json"
  id=$("$bin" template create --domain "$tdomain" --regions "$work/r$i.json" --sample "$forms/survey-sample.jpg" --json 2>/dev/null \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
  "$bin" template release --domain "$tdomain" "$id" --json > /dev/null
done

"$bin" serve --listen "127.0.0.1:$port" --workers 1 > "$work/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$port/readyz" > /dev/null && break
  sleep 1
done

python3 - "$general" "$template" "$image" "$n_requests" "$n_templates" <<'PY'
import base64, json, statistics, sys, time, urllib.request
general, template = json.loads(sys.argv[1]), json.loads(sys.argv[2])
image, n, n_templates = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
data = base64.b64encode(open(image, "rb").read()).decode()
body = json.dumps({"version": "V2", "requestId": "b", "timestamp": 0,
                   "images": [{"format": image.rsplit(".", 1)[-1], "name": "x", "data": data}]}).encode()

def post(domain, path):
    url = domain["invoke_url"] + path
    req = urllib.request.Request(url, body, {"Content-Type": "application/json", "X-OCR-SECRET": domain["secret"]})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        answer = json.load(r)
    return (time.perf_counter() - t) * 1000, answer

# One warm-up each, then alternate so that both see the same machine load.
post(general, "/general")
_, first = post(template, "/infer")
img = first["images"][0]
assert img["inferResult"] == "SUCCESS", img.get("message")
times = {"general": [], "template": []}
for _ in range(n):
    times["general"].append(post(general, "/general")[0])
    times["template"].append(post(template, "/infer")[0])
q = lambda v, p: sorted(v)[min(len(v) - 1, int(p * len(v)))]
med = {k: statistics.median(v) for k, v in times.items()}
print(f"image {image.rsplit('/', 1)[-1]}, {n} requests each, {n_templates} released templates, 1 worker")
print("| | median ms | p90 ms |")
print("|---|---|---|")
for k, v in times.items():
    print(f"| {k} | {med[k]:.0f} | {q(v, 0.9):.0f} |")
print(f"template / general (median): {med['template'] / med['general']:.3f} "
      f"(matched {img['matchedTemplate']['name']}, {len(img['fields'])} fields)")
PY
