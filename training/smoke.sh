#!/usr/bin/env bash
# CI smoke run of the training pipeline (training/README.md), ~1-2 minutes on 2 cores:
# venv + fonts (setup.sh), unit tests, a few dozen synthetic lines + 8 "user corrections", a few
# head fine-tuning steps, export, the exported model checked in onnxruntime (SHA256SUMS, decodes), and,
# when target/release/jikji exists, `jikji eval` of v1 and the exported model on a tiny page set written
# here in the testdata format. Exits non-zero on any failure.
# (JIKJI_TRAINING_KEEP=1 keeps the temporary directory.)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
PY=$(training/setup.sh | tail -1)
TMP=$(mktemp -d)
cleanup() { if [ -n "${JIKJI_TRAINING_KEEP:-}" ]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

echo "== unit tests"
"$PY" -m unittest discover -s training -p 'test_*.py'

echo "== synthetic lines"
"$PY" training/synth.py --out "$TMP/train" --count 48 --split train --seed 1 --jobs 2
"$PY" training/synth.py --out "$TMP/eval" --count 24 --split eval --seed 1 --jobs 2
"$PY" training/synth.py --out "$TMP/corrections" --count 8 --split train --seed 99 --jobs 1
rm "$TMP/corrections/manifest.jsonl"
# User corrections arrive as the OCR Reader exports them (`jikji reader export`, unpacked): images/ID.png
# and labels.tsv with `images/ID.png<TAB>label` lines. Half of them are laid out so, half as NAME.png +
# NAME.txt in a second folder, and both folders are read.
mkdir -p "$TMP/corrections/images" "$TMP/corrections2"
n=0
for t in "$TMP"/corrections/*.txt; do
    stem=$(basename "$t" .txt)
    if [ $((n % 2)) -eq 0 ]; then
        mv "$TMP/corrections/$stem.png" "$TMP/corrections/images/$stem.png"
        printf 'images/%s.png\t%s\n' "$stem" "$(cat "$t")" >> "$TMP/corrections/labels.tsv"
        rm "$t"
    else
        mv "$TMP/corrections/$stem.png" "$t" "$TMP/corrections2/"
    fi
    n=$((n + 1))
done

JIKJI_ARGS=()
BIN=target/release/jikji
MODELS=${JIKJI_MODELS:-$PWD/models}
if [ -x "$BIN" ] && [ -f "$MODELS/ppocrv6-small/det.onnx" ]; then
    echo "== tiny page set for jikji eval"
    "$PY" - "$TMP/pages" <<'PY'
import json, os, sys
sys.path.insert(0, "training")
import numpy as np
from PIL import Image, ImageDraw, ImageFont
import synth
out = sys.argv[1]
os.makedirs(os.path.join(out, "images"))
lines = [["영수증 2026-11-03 14:05", "아메리카노 2 9,000원", "합계 12,000원", "TEL 02-123-4567"],
         ["오늘은 날씨가 맑습니다.", "주차는 지하 이층입니다.", "수량 3개 1,300", "감사합니다 또 오세요"]]
font = ImageFont.truetype(synth.list_fonts("eval")[0], 32)
with open(os.path.join(out, "gt.jsonl"), "w", encoding="utf-8") as f:
    for p, texts in enumerate(lines):
        img = Image.new("RGB", (640, 60 + 70 * len(texts)), "white")
        d = ImageDraw.Draw(img)
        recs = []
        for i, t in enumerate(texts):
            x, y = 40, 40 + 70 * i
            d.text((x, y), t, font=font, fill="black")
            l, tp, r, b = d.textbbox((x, y), t, font=font)
            recs.append({"text": t, "box": [l, tp, r, tp, r, b, l, b]})
        name = f"images/page{p}.png"
        img.save(os.path.join(out, name))
        f.write(json.dumps({"image": name, "lines": recs}, ensure_ascii=False) + "\n")
PY
    mkdir -p "$TMP/jikji-bin" && cp "$BIN" "$TMP/jikji-bin/jikji"
    JIKJI_ARGS=(--jikji "$TMP/jikji-bin/jikji" --jikji-models "$MODELS" --jikji-gt "$TMP/pages")
elif [ -n "${JIKJI_REQUIRE_MODELS:-}" ] && [ -x "$BIN" ]; then
    echo "smoke: models missing under $MODELS" >&2; exit 1
else
    echo "== (no $BIN or no models: jikji eval skipped)"
fi

echo "== fine-tune (head, a few steps) + export + eval"
"$PY" training/finetune.py --train "$TMP/train" --eval "$TMP/eval" --corrections "$TMP/corrections" "$TMP/corrections2" \
    --mix 0.5 --out "$TMP/out" --steps 8 --log-every 4 "${JIKJI_ARGS[@]}"

echo "== exported model"
(cd "$TMP/out" && sha256sum -c SHA256SUMS)
"$PY" - "$TMP/out" "$TMP/eval" <<'PY'
import glob, os, sys
sys.path.insert(0, "training")
from PIL import Image
import common
out, ev = sys.argv[1:]
cs = common.load_charset(os.path.join(out, "charset.txt"))
assert cs == common.load_charset(os.path.join(common.V1_DIR, "charset.txt")), "charset changed"
sess = common.session(os.path.join(out, "model.onnx"))
assert [i.name for i in sess.get_inputs()] == ["x"] and [o.name for o in sess.get_outputs()] == ["logits"]
img = sorted(glob.glob(os.path.join(ev, "*.png")))[0]
x = common.to_input(Image.open(img))[None]
(logits,) = sess.run(["logits"], {"x": x})
assert logits.shape == (1, x.shape[-1] // 4, len(cs) + 1), logits.shape
pred = common.greedy_decode(logits[0], cs)
gt = open(img[:-4] + ".txt", encoding="utf-8").read().strip()
print(f"decoded {os.path.basename(img)}: {pred!r} (gt {gt!r})")
assert pred, "empty decode"
for f in ("README.md", "train.log", "eval.json"):
    assert os.path.getsize(os.path.join(out, f)) > 0, f
PY
cat "$TMP/out/README.md"
echo "training smoke: ok ($(( $(date +%s) - start ))s)"
