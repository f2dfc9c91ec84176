#!/usr/bin/env bash
# Batch benchmarks (BENCHMARKS.md, "Batch jobs"):
#  1. throughput of one `jikji serve` replica (2 workers) vs two replicas (1 worker each) on the same
#     machine, sharing one job through one PostgreSQL queue — what coordination costs;
#  2. `jikji batch run` (embedded) over 1,000 small images: the rate and ETA it shows, sampled every
#     5 s, against the real finish.
# Needs target/release/jikji, the models ($JIKJI_MODELS or ./models) and PostgreSQL
# ($JIKJI_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test, psql on the PATH).
# Usage: scripts/bench-batch.sh [N for the replica runs, default 300] [N for the ETA run, default 1000]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/target/release/jikji
models=${JIKJI_MODELS:-$PWD/models}
pg=${JIKJI_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
export PGOPTIONS="--client-min-messages=warning"  # no NOTICE/DETAIL lines of the schema drops in the table
n_rep=${1:-300}
n_eta=${2:-1000}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# Small text-like pages: 200x48 PNG, white with dark bars of varying widths (words), seeded.
images() {
python3 - "$1" "$2" <<'PY'
import os, random, struct, sys, zlib
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out, exist_ok=True)
def png(w, h, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
rng = random.Random(7)
for i in range(n):
    w, h = 200, 48
    rows = [[255] * w for _ in range(h)]
    x = 8
    while x < w - 20:
        ww = rng.randint(8, 40)
        for y in range(16, 30):
            for xx in range(x, min(x + ww, w - 8)):
                if (xx + y) % 3:
                    rows[y][xx] = 20
        x += ww + rng.randint(6, 14)
    open(os.path.join(out, f"{i:04d}.png"), "wb").write(png(w, h, rows))
PY
}

json_field() { python3 -c "import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

replicas() {  # $1 = replicas, $2 = workers each
    local k=$1 w=$2 schema="jikji_bench_$$_$1"
    psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
    local db="$pg?options[search_path]=$schema"
    local dom; dom=$("$bin" domain create --name bench --json --database-url "$db" | json_field 'v["domain"]["id"]')
    local ports=()
    for r in $(seq 1 "$k"); do
        local port=$((18700 + 10 * k + r))
        ports+=("$port")
        "$bin" serve --listen "127.0.0.1:$port" --database-url "$db" --models "$models" \
            --workers "$w" --batch-workers "$w" --threads-per-worker 1 >/dev/null 2>&1 &
        pids+=($!)
    done
    for p in "${ports[@]}"; do
        until curl -sf "http://127.0.0.1:$p/readyz" >/dev/null; do sleep 0.2; done
    done
    local job; job=$("$bin" batch run --detach --json --database-url "$db" --domain "$dom" \
        --folder "$work/rep" --output "$work/out-$k" | json_field 'v["id"]')
    local state=""
    while [[ "$state" != "done" ]]; do
        sleep 0.5
        state=$("$bin" batch status "$job" --json --database-url "$db" | json_field 'v["state"]')
    done
    local secs; secs=$("$bin" batch status "$job" --json --database-url "$db" | json_field '(v["finished_at"]-v["started_at"])/1000')
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    pids=()
    psql -q "$pg" -c "DROP SCHEMA $schema CASCADE" >/dev/null
    python3 -c "print(f'| {$k} replica(s) x {$w} worker(s) | {$n_rep} | {$secs:.1f} | {$n_rep/$secs:.2f} |')"
}

images "$work/rep" "$n_rep"
echo "| setup | inputs | seconds (first claim to done) | inputs/s |"
echo "|---|---|---|---|"
replicas 1 2
replicas 2 1
replicas 1 2
replicas 2 1

# 2. Embedded run over n_eta images; sample the shown rate and ETA every 5 s.
images "$work/eta" "$n_eta"
data="$work/data"
dom=$("$bin" domain create --name eta --json --data-dir "$data" | json_field 'v["domain"]["id"]')
t0=$(date +%s.%N)
"$bin" batch run --data-dir "$data" --domain "$dom" --folder "$work/eta" --output "$work/out-eta" \
    --models "$models" --workers 2 >/dev/null 2>"$work/run.log" &
run=$!
pids+=($run)
: > "$work/samples"
while kill -0 "$run" 2>/dev/null; do
    sleep 5
    "$bin" batch status 1 --json --data-dir "$data" 2>/dev/null \
        | python3 -c "import json,sys,time; v=json.load(sys.stdin); print(time.time()-$t0, v['done']+v['failed'], v['rate_per_sec'], v['eta_secs'] if v['eta_secs'] is not None else -1)" \
        >> "$work/samples" || true
done
t1=$(date +%s.%N)
python3 - "$work/samples" "$t0" "$t1" "$n_eta" <<'PY'
import sys
samples = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
t0, t1, n = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
total = t1 - t0
print(f"\n`jikji batch run --workers 2` over {n} images: {total:.1f} s wall (model loading included), {n/total:.2f} inputs/s")
print("\n| elapsed s | finished | shown rate/s | shown ETA s | real time left s | ETA error |")
print("|---|---|---|---|---|---|")
for t, done, rate, eta in samples:
    if eta < 0 or done >= n:
        continue
    left = total - t
    print(f"| {t:.0f} | {int(done)} | {rate:.2f} | {eta:.0f} | {left:.0f} | {100*(eta-left)/left:+.0f} % |")
PY
