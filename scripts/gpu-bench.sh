#!/usr/bin/env bash
# GPU benchmark of Jikji (issue #15): SROIE pages/s, p50/p99 page latency and GPU memory on one device,
# bounded to finish in under 10 minutes on the reference machine (one H200, 16 cores).
#
#   scripts/setup-models.sh --gpu          # once, where the wheels can be fetched (several GB)
#   scripts/gpu-bench.sh [--device cuda:0] [--workers 4] [--clients 16] [--rounds 4] [--out FILE]
#
# Runs the `stages` profiler (crates/jikji-pipeline/examples/stages.rs) twice on the same images:
#   1. one request at a time (1 worker, 1 client): latency and the per-stage profile table;
#   2. throughput: W workers (each its own sessions on the device) fed by C concurrent clients.
# GPU memory is sampled with nvidia-smi every 200 ms during both (peak used MiB is reported). With
# `--device cpu` (or no usable GPU: the engine falls back to the CPU and says why) the same script runs
# on a CPU machine — that is how it is rehearsed; nvidia-smi figures are then "n/a".
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
device=cuda:0 workers=4 clients=16 rounds=4 threads=1 lang=en
images=${JIKJI_BENCH_IMAGES:-../shared/testdata/sroie/images}
out=${JIKJI_BENCH_OUT:-gpu-bench-$(date -u +%Y%m%dT%H%M%SZ).md}
step_limit=240 # seconds per step: two steps + build check stay under 10 minutes
while [ $# -gt 0 ]; do
  case $1 in
    --device) device=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --images) images=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --step-limit) step_limit=$2; shift 2 ;;
    *) echo "gpu-bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
bin=target/release/examples/stages
if [ ! -x "$bin" ]; then
  cargo build --release -p jikji-pipeline --example stages
fi
shopt -s nullglob
files=("$images"/*.jpg "$images"/*.png)
[ ${#files[@]} -gt 0 ] || { echo "gpu-bench: no images in $images" >&2; exit 1; }

sampler=
mem_log=$(mktemp); trap '[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true; rm -f "$mem_log"' EXIT
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu_name=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | head -n1)
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 >"$mem_log" 2>/dev/null &
  sampler=$!
else
  gpu_name="none (nvidia-smi not found)"
fi

run() { # run LABEL ARGS... : the stages profiler, its stdout kept
  echo "gpu-bench: $1" >&2
  shift
  timeout "$step_limit" "$bin" --quiet --lang "$lang" --device "$device" --threads "$threads" "$@" "${files[@]}" \
    2> >(grep -v ' page [0-9]*:' >&2)
}
single=$(run "1 client, 1 worker" --table --workers 1 --clients 1 --rounds 1)
many=$(run "$clients clients, $workers workers, $rounds rounds" --workers "$workers" --clients "$clients" --rounds "$rounds")
peak=n/a
if [ -s "$mem_log" ]; then peak="$(sort -n "$mem_log" | tail -n1) MiB"; fi

{
  echo "## GPU benchmark ($(date -u +%Y-%m-%d\ %H:%M) UTC)"
  echo
  echo "- Command: \`scripts/gpu-bench.sh --device $device --workers $workers --clients $clients --rounds $rounds\`"
  echo "- Git commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); GPU: $gpu_name"
  echo "- Images: ${#files[@]} from \`$images\`, lang $lang; peak GPU memory used (nvidia-smi, whole device): $peak"
  echo
  echo "One request at a time:"
  echo
  echo '```'
  echo "$single" | grep '^summary'
  echo '```'
  echo "$single" | sed -n '/^[0-9]* pages,/,$p'
  echo
  echo "Throughput:"
  echo
  echo '```'
  echo "$many" | grep '^summary'
  echo '```'
} | tee "$out"
echo "gpu-bench: written to $out" >&2
