#!/usr/bin/env bash
# CI smoke run of the cargo-fuzz targets in fuzz/ (docs/fuzzing.md): keeps them building and
# runs each for FUZZ_SECONDS (default 60) from the committed seed corpus. A crash, hang (>20 s),
# or run over 2 GiB RSS fails the script; the reproducer is left in fuzz/artifacts/<target>/.
#
# Only the stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets it accept the -Z sanitizer flags
# cargo-fuzz passes. New inputs found go to a scratch directory, not the committed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.1
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
SANITIZER=${FUZZ_SANITIZER:-address}
TARGETS=(decode json_request multipart base64_data)

if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

export RUSTC_BOOTSTRAP=1
start=$(date +%s)
cargo fuzz build -O -a -s "$SANITIZER"
echo "fuzz-smoke: build took $(( $(date +%s) - start )) s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for t in "${TARGETS[@]}"; do
    mkdir -p "$scratch/$t"
    echo "fuzz-smoke: $t for ${FUZZ_SECONDS}s"
    rc=0
    JIKJI_FUZZ_PANIC_DIR="fuzz/artifacts/$t/third-party-panics" \
    cargo fuzz run -O -a -s "$SANITIZER" "$t" "$scratch/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 >"$scratch/$t.log" 2>&1 || rc=$?
    grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb|jikji-fuzz)' \
        "$scratch/$t.log" || true
    if [ "$rc" -ne 0 ]; then
        tail -n 60 "$scratch/$t.log"
        echo "fuzz-smoke: $t failed (exit $rc); reproducer in fuzz/artifacts/$t/"
        exit 1
    fi
done
echo "fuzz-smoke: total $(( $(date +%s) - start )) s"
