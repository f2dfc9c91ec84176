#!/usr/bin/env bash
# The project's test command: installs/verifies the models, then runs every test of the workspace.
# Unit tests need no model files; integration tests run the real models on ../shared/testdata.
# Release mode: the integration tests run real OCR, which is ~10x slower in a debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-models.sh
cargo test --workspace --release "$@"
