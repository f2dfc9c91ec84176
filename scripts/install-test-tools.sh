#!/usr/bin/env bash
# Tools the tests start themselves, installed from crates.io (cache-aware: nothing to do when the
# pinned version is already installed).
#
# s3s-fs: a real S3-compatible server over a folder (the batch tests' object storage: signed SigV4
# requests, path style, ListObjectsV2/GetObject/PutObject). Pinned and --locked; it builds in about
# 5.5 min on a 2-core machine under load (Garage 2.5.0, the alternative, takes ~11 min).
set -euo pipefail
S3S_FS_VERSION=0.14.1
bin="${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs"
if [[ -x "$bin" ]] && "$bin" --version 2>/dev/null | grep -q "$S3S_FS_VERSION"; then
    echo "s3s-fs $S3S_FS_VERSION already installed"
else
    echo "installing s3s-fs $S3S_FS_VERSION from crates.io"
    cargo install s3s-fs --version "$S3S_FS_VERSION" --locked --features binary
fi
