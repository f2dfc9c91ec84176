#!/usr/bin/env bash
# GPU run of issue #11: full fine-tune of korean-rec-v1 (training/finetune_torch.py) in about 10 minutes on one
# H200 with 16 CPU cores, everything written to one folder:
#
#   training/gpu-finetune.sh OUT [--eval DIR] [finetune_torch.py options: --corpus FILE, --corrections DIR
#                                 --mix 0.3, --freeze-cnn, --jikji target/release/jikji, --minutes M, ...]
#   training/gpu-finetune.sh --rehearse OUT [...]    # CPU, 20 steps of 8 lines, 64 eval lines (~1-2 min)
#
# OUT gets model.onnx, charset.txt, train.log, eval.json, README.md, SHA256SUMS (finetune.py's layout) and
# run.log (this script's whole output: setup, timings, warnings).
#
# Python: $JIKJI_TRAINING_PYTHON when set (an interpreter that already has torch, onnx, onnxruntime, pillow and
# numpy, e.g. a GPU image's python3 on a machine without network), else the venv .venv-gpu (or $JIKJI_GPU_VENV)
# with training/requirements-gpu.txt, reinstalled when that file changes (torch pulls several GB of CUDA libraries:
# do it before the clock matters). Fonts: the Debian packages (training/setup.sh installs them), or
# JIKJI_FONT_DIRS=dir1:dir2 where they were copied (synth.py reads it). Held-out lines: --eval DIR of
# pre-generated `synth.py --split eval` lines, else 600 (64 when rehearsing) are generated here, seed 1.
#
# Sizing for one H200 + 16 cores (a guess: no GPU was available to measure it; check `lines/s` and `data wait`
# in train.log on the first real run):
# - Training lines are drawn on the fly by DataLoader workers; synth.make_line + preprocessing take ~5 ms per
#   line on one core of the dev machine, so 15 workers (cores - 1; the main process feeds the GPU) give about
#   3,000 lines/s, ~12 steps/s at batch 256.
# - One training step at batch 256 (lines ~320 px wide: ~1.5 GFLOP forward per line, ~1.2 TFLOP per step with the
#   backward pass, two bidirectional LSTMs over ~80 time steps) should take well under 100 ms on an H200 in bf16,
#   so the workers, not the GPU, are expected to limit the run: `data wait` near 100% says so (then more
#   workers do not exist; a larger batch is free), near 0% says the GPU limits (then lower the batch or freeze
#   the CNN). At 3,000 lines/s, 8 minutes are ~1.4 M lines, ~5,600 steps: a substantial fine-tune (v1 itself saw
#   2.3 M lines), so give it a real corpus (--corpus, e.g. training/corpus.py's output), not only the small
#   development list, or its LSTMs learn that list's words.
# - Budget: 8 minutes of training; then export (+ check) ~5 s, evaluation of v1 and the new model on 600 lines in
#   onnxruntime ~10-20 s, plus jikji eval when asked; worker start and eval-line generation a few seconds. Venv
#   installation is not counted.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)   # paths given as arguments stay relative to the caller's directory
start=$(date +%s)

REHEARSE=""
if [ "${1:-}" = "--rehearse" ]; then REHEARSE=1; shift; fi
if [ $# -lt 1 ] || [[ "$1" == -* ]]; then
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
OUT=$1; shift
EVAL=""
ARGS=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--eval" ]; then EVAL=$2; shift 2; else ARGS+=("$1"); shift; fi
done
mkdir -p "$OUT"
OUT=$(realpath "$OUT")
exec > >(tee "$OUT/run.log") 2>&1
say() { echo "gpu-finetune [$(( $(date +%s) - start ))s]: $*"; }

# --- python with torch
if [ -n "${JIKJI_TRAINING_PYTHON:-}" ]; then
    PY=$JIKJI_TRAINING_PYTHON
    say "using $PY (JIKJI_TRAINING_PYTHON)"
else
    VENV=$(realpath -m "${JIKJI_GPU_VENV:-$ROOT/.venv-gpu}")
    REQ=$ROOT/training/requirements-gpu.txt
    stamp="$VENV/.requirements.sha256"
    want=$(sha256sum "$REQ" | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing $REQ into $VENV (torch and its CUDA libraries: several GB)"
        python3 -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
        echo "$want" > "$stamp"
    fi
    PY=$VENV/bin/python
fi
"$PY" -c 'import torch, onnx, onnxruntime, PIL, numpy' || {
    echo "gpu-finetune: $PY lacks torch/onnx/onnxruntime/pillow/numpy (training/requirements-gpu.txt)" >&2; exit 1; }

# --- fonts
if [ -z "${JIKJI_FONT_DIRS:-}" ]; then
    for d in nanum unfonts-core baekmuk; do
        if [ ! -d "/usr/share/fonts/truetype/$d" ]; then
            say "Debian Korean fonts missing: installing them (training/setup.sh); offline, copy them and set JIKJI_FONT_DIRS"
            "$ROOT/training/setup.sh" >/dev/null
            break
        fi
    done
fi

# --- device and sizes
if [ -n "$REHEARSE" ]; then
    DEVICE=cpu
    SIZE=(--max-steps 20 --batch 8 --workers 1 --warmup 5 --log-every 5 --minutes 3)
    EVAL_COUNT=64
    say "REHEARSAL: CPU, 20 steps of 8 lines, $EVAL_COUNT eval lines (checks the pipeline, trains nothing useful)"
else
    if "$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
        DEVICE=cuda
        "$PY" -c 'import torch; print("gpu-finetune: torch", torch.__version__, "on", torch.cuda.get_device_name(0))'
    else
        DEVICE=cpu
        for _ in 1 2 3; do
            echo "gpu-finetune: WARNING: NO CUDA DEVICE: training on the CPU; 8 minutes there are a few hundred lines, not a fine-tune" >&2
        done
    fi
    WORKERS=$(( $(nproc) > 1 ? $(nproc) - 1 : 1 ))
    SIZE=(--batch 256 --workers "$WORKERS" --log-every 100 --minutes 8)
    EVAL_COUNT=600
fi

# --- held-out evaluation lines
if [ -z "$EVAL" ]; then
    EVAL=$(mktemp -d)/synth-eval
    "$PY" "$ROOT/training/synth.py" --split eval --count "$EVAL_COUNT" --seed 1 --jobs "$(nproc)" --out "$EVAL"
fi
say "held-out lines: $EVAL"

# --- train, export, evaluate
say "finetune_torch.py --device $DEVICE ${SIZE[*]} ${ARGS[*]}"
PYTHONUNBUFFERED=1 "$PY" -W ignore::UserWarning "$ROOT/training/finetune_torch.py" --eval "$EVAL" --out "$OUT" \
    --device "$DEVICE" "${SIZE[@]}" "${ARGS[@]}"
(cd "$OUT" && sha256sum -c SHA256SUMS)
say "done: $OUT ($(ls "$OUT" | tr '\n' ' '))"
