#!/usr/bin/env bash
# Load test of the HTTP service (loopback only, bounded in time: a few minutes plus the build).
# Writes docs/loadtest-latest.md: a run with the real engine (needs models/, see
# scripts/setup-models.sh), then a run with a stand-in engine sleeping 50 ms per page, which isolates
# the server's own overhead from the engine's timing noise.
#   scripts/loadtest.sh                      # defaults: --seconds 10 --workers 1 --queue 4
#   scripts/loadtest.sh --seconds 5 --workers 2
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p jikji-server --example loadtest
bin=target/release/examples/loadtest
timeout 600 "$bin" "$@"
timeout 300 "$bin" "$@" --fake-ms 50 --append
# Hostile files against the real `jikji serve --workers 2` (crates/jikji-cli/tests/hostile_serve.rs): nine
# 3 GiB flate-bomb PDFs at once, then the 5000-page, huge-MediaBox, recursive-XObject, header-bomb and
# truncated files; the server's peak RSS is appended to the report.
hostile=$(timeout 600 cargo test --release -p jikji-cli --test hostile_serve -- --nocapture 2>&1 | tee /dev/stderr | grep -E "server peak RSS|test result")
{
  echo
  echo "## Hostile files (nine flate bombs at once, then every other attack; \`jikji serve --workers 2\`)"
  echo
  echo '```'
  echo "$hostile"
  echo '```'
} >> docs/loadtest-latest.md
