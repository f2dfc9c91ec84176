"""The PyTorch rebuild of korean-rec-v1 (torch_model.py) gives onnxruntime's logits.

    python3 -m unittest training/test_torch_parity.py -v      # needs torch (training/requirements-gpu.txt)

Skipped, with a message, where torch is not importable (CI and .venv-training have no torch) or v1's
model.onnx is missing. Line images: real scanned receipt lines (SROIE boxes) and Korean ID-card/receipt fields
from photographs of the synthetic documents, from ../shared/testdata when present, plus synthetic lines of
synth.py's eval split (held-out fonts) when the Debian fonts are installed; each line at its own width and
squeezed/stretched to fixed widths (8 .. 800), one by one and as one right-padded batch.
"""

import glob
import json
import os
import sys
import unittest

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

try:
    import torch
    import torch_model
except ImportError as e:  # CI / .venv-training: no torch
    torch = None
    TORCH_MISSING = f"torch not importable ({e}); install training/requirements-gpu.txt to run the parity check"

V1 = os.path.join(common.V1_DIR, "model.onnx")
TESTDATA = os.path.join(os.path.dirname(common.REPO), "shared", "testdata")
TOL = 1e-3
WIDTHS = (8, 48, 128, 320, 800)


def _crop(img, box, margin=0.15):
    xs, ys = box[0::2], box[1::2]
    h = max(ys) - min(ys)
    m = int(h * margin)
    return img.crop((max(0, min(xs) - m), max(0, min(ys) - m), min(img.width, max(xs) + m),
                     min(img.height, max(ys) + m)))


def line_images():
    """[(name, PIL image)] of the line images available here."""
    out = []
    gt = os.path.join(TESTDATA, "sroie", "gt.jsonl")
    if os.path.exists(gt):
        with open(gt, encoding="utf-8") as f:
            rec = json.loads(f.readline())
        img = Image.open(os.path.join(TESTDATA, "sroie", rec["image"]))
        lines = [ln for ln in rec["lines"] if "box" in ln]
        for ln in lines[:4]:
            out.append((f"sroie {ln['text']!r}", _crop(img, ln["box"])))
    photos = sorted(glob.glob(os.path.join(TESTDATA, "synthetic-docs", "*-photo.json")))
    for path in [p for p in photos if "receipt" in p or "idcard" in p][:2]:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        img = Image.open(path[:-5] + ".jpg")
        fields = [(k, v) for k, v in doc.get("fields", {}).items() if isinstance(v, dict) and "box" in v]
        for k, v in fields[:2]:
            out.append((f"{os.path.basename(path)[:-5]} {k} {v.get('text', '')!r}", _crop(img, v["box"])))
    try:
        import synth
        cs = common.load_charset(os.path.join(common.V1_DIR, "charset.txt"))
        c2i = common.char_to_class(cs)
        fonts, corpus = synth.list_fonts("eval"), synth.load_corpus(synth.DEV_CORPUS, c2i, "eval")
        for i in range(4):
            img, text, font = synth.make_line(5, "eval", i, fonts, corpus, c2i)
            out.append((f"synth {font} {text!r}", img))
    except SystemExit:  # synth.py exits when the fonts are missing
        pass
    return out


@unittest.skipIf(torch is None, TORCH_MISSING if torch is None else "")
@unittest.skipUnless(os.path.exists(V1), "models/korean-rec-v1/model.onnx missing (scripts/setup-models.sh)")
class TorchParityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
        cls.model = torch_model.from_onnx(V1)
        cls.sess = common.session(V1)
        cls.charset = common.load_charset(os.path.join(common.V1_DIR, "charset.txt"))
        cls.lines = line_images()

    def compare(self, x, what):
        ref = self.sess.run(["logits"], {"x": x})[0]
        with torch.no_grad():
            got = self.model(torch.from_numpy(x)).numpy()
        self.assertEqual(got.shape, ref.shape, what)
        diff = float(np.abs(got - ref).max())
        print(f"  {what}: W {x.shape[-1]}, N {x.shape[0]}, max |torch - ort| {diff:.2e}", file=sys.stderr)
        self.assertLess(diff, TOL, what)
        for n in range(x.shape[0]):
            self.assertEqual(common.greedy_decode(got[n], self.charset), common.greedy_decode(ref[n], self.charset), what)
        return diff

    def test_parameter_count(self):
        # v1's README: 3,513,930 parameters with BatchNorm; folded into the convs, each of the 1,280 conv
        # channels keeps one bias instead of BatchNorm's weight and bias.
        self.assertEqual(sum(p.numel() for p in self.model.parameters()), 3_513_930 - 1_280)

    def test_line_images_at_their_width(self):
        self.assertGreaterEqual(len(self.lines), 4, "too few line images (no testdata and no fonts?)")
        worst = max(self.compare(common.to_input(img)[None], name) for name, img in self.lines)
        print(f"  worst over {len(self.lines)} lines at their own width: {worst:.2e}", file=sys.stderr)

    def test_fixed_widths(self):
        for name, img in self.lines[::3]:
            g = img.convert("L")
            for w in WIDTHS:
                x = common.to_input(g.resize((max(1, round(w * g.height / common.HEIGHT)), g.height)))
                x = x[:, :, :w] if x.shape[-1] > w else np.pad(x, ((0, 0), (0, 0), (0, w - x.shape[-1])))
                self.compare(x[None], f"{name} at W {w}")

    def test_padded_batch(self):
        xs = [common.to_input(img) for _, img in self.lines]
        self.compare(common.stack_padded(xs), f"batch of {len(xs)} lines, right-padded")

    def test_random_input(self):
        x = np.random.default_rng(0).uniform(-1, 1, (3, 1, 48, 96)).astype(np.float32)
        self.compare(x, "uniform noise")


if __name__ == "__main__":
    unittest.main()
