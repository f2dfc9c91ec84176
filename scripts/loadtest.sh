#!/usr/bin/env bash
# Load test of the HTTP service (loopback only, bounded in time: about 4 x SECONDS plus the build).
# Writes docs/loadtest-latest.md. Extra arguments go to the example, e.g.
#   scripts/loadtest.sh --seconds 10 --workers 1 --queue 4
#   scripts/loadtest.sh --fake-ms 50          # without models: a stand-in engine sleeping 50 ms/page
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p jikji-server --example loadtest
exec timeout 600 target/release/examples/loadtest "$@"
