#!/usr/bin/env bash
# Builds the release CLI and regenerates the measured sections of ACCURACY.md (text accuracy, then
# Document OCR field accuracy) and (optionally) BENCHMARKS.md. Each section records the exact
# command, date, machine and git commit.
#
# Usage: scripts/eval-all.sh [--bench] [extra `jikji eval` args…]
# Env:   TESTDATA (default ../shared/testdata), JIKJI_MODELS (default ./models), THREADS (bench, default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
testdata=${TESTDATA:-../shared/testdata}
bench=0
if [ "${1:-}" = "--bench" ]; then bench=1; shift; fi

cargo build --release -p jikji-cli
jikji=target/release/jikji

"$jikji" eval --all --testdata "$testdata" --markdown --out ACCURACY.md "$@"
"$jikji" eval --document --testdata "$testdata" --markdown --out ACCURACY.md
echo "eval-all: wrote ACCURACY.md"

if [ $bench = 1 ]; then
  [ -x .venv-bench/bin/python ] || scripts/setup-bench.sh
  "$jikji" bench --images "$testdata/sroie/images" --threads "${THREADS:-1}" --out BENCHMARKS.md
  echo "eval-all: wrote BENCHMARKS.md"
fi
