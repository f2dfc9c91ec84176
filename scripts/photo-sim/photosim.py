#!/usr/bin/env python3
"""Print-and-photograph variants of the synthetic documents, with their ground truth carried along.

Reads the flat (scan-like) images of a synthetic-docs directory (`NAME.json` next to `NAME.jpg`, the format
`jikji eval --gt DIR` reads) and writes, for each, `--variants` degraded copies into `--out` with the same
JSON, every box (lines, fields, document box) moved by the same geometry:

* perspective: the page photographed at an angle (each corner moved up to `--tilt` of the page size),
  on a dark table;
* uneven light: a brightness gradient and a vignette;
* thermal fading: ink lightened towards the paper, with speckle;
* moire: a faint sinusoidal interference pattern;
* blur (Gaussian), low resolution (downscaled), JPEG compression.

Each variant draws its own parameters from a seeded generator (`--seed`), so a run is reproducible.
Usage: photosim.py --src ../shared/testdata/synthetic-docs --out /tmp/photo-sim [--variants 1] [--seed 7]
Then: jikji eval --gt /tmp/photo-sim --lang ko
"""
import argparse
import io
import json
import os
import random

import numpy as np
from PIL import Image, ImageFilter


def homography(src, dst):
    """3x3 matrix H with dst ~ H @ src for four point pairs."""
    a, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    h = np.linalg.solve(np.array(a, float), np.array(b, float))
    return np.append(h, 1.0).reshape(3, 3)


def apply(h, box):
    """Maps a flat box [x1,y1,...,x4,y4] through H."""
    pts = np.array(box, float).reshape(-1, 2)
    p = np.c_[pts, np.ones(len(pts))] @ h.T
    return [round(float(v), 1) for v in (p[:, :2] / p[:, 2:3]).reshape(-1)]


def move_boxes(doc, h):
    for line in doc.get("lines", []):
        if "box" in line:
            line["box"] = apply(h, line["box"])
    for f in doc.get("fields", {}).values():
        for k in ("box", "maskBox"):
            if isinstance(f, dict) and k in f:
                f[k] = apply(h, f[k])
    if "documentBox" in doc:
        doc["documentBox"] = apply(h, doc["documentBox"])


def degrade(img, doc, rng, tilt):
    w, h = img.size
    # Perspective onto a larger canvas (the table around the page).
    m = int(0.08 * max(w, h))
    W, H = w + 2 * m, h + 2 * m
    src = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + m + rng.uniform(-tilt, tilt) * w, y + m + rng.uniform(-tilt, tilt) * h) for x, y in src]
    fwd = homography(src, dst)
    inv = np.linalg.inv(fwd)
    coeffs = (inv / inv[2, 2]).reshape(-1)[:8]
    table = tuple(int(rng.uniform(40, 110)) for _ in range(3))
    page = Image.new("RGB", (W, H), table)
    warped = img.convert("RGB").transform((W, H), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC)
    mask = Image.new("L", (w, h), 255).transform((W, H), Image.PERSPECTIVE, tuple(coeffs), Image.BICUBIC)
    page.paste(warped, (0, 0), mask)
    move_boxes(doc, fwd)
    a = np.asarray(page, dtype=np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    # Thermal fading: ink pulled towards paper, with speckle.
    fade = rng.uniform(0.0, 0.5)
    a = 255 - (255 - a) * (1 - fade)
    a += np.random.default_rng(rng.randrange(1 << 30)).normal(0, rng.uniform(2, 8), a.shape[:2])[..., None]
    # Uneven light: a linear gradient and a vignette.
    ang = rng.uniform(0, 2 * np.pi)
    grad = 1 - rng.uniform(0.1, 0.4) * np.clip(0.5 + np.cos(ang) * (xx / W - 0.5) + np.sin(ang) * (yy / H - 0.5), 0, 1)
    vign = 1 - rng.uniform(0.0, 0.3) * (((xx - W / 2) / W) ** 2 + ((yy - H / 2) / H) ** 2) * 2
    a *= (grad * vign)[..., None]
    # Moire: a faint interference pattern.
    period = rng.uniform(3, 7)
    a += rng.uniform(0, 6) * np.sin(2 * np.pi * (xx * np.cos(ang) + yy * np.sin(ang)) / period)[..., None]
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.4)))
    # Low resolution.
    s = rng.uniform(0.45, 0.9)
    out = out.resize((max(1, int(W * s)), max(1, int(H * s))), Image.BILINEAR)
    scale = np.diag([s, s, 1.0])
    move_boxes(doc, scale)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=rng.randrange(35, 75))
    doc["image"] = {"w": out.width, "h": out.height}
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variants", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--tilt", type=float, default=0.04, help="largest corner move, fraction of page size")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    n = 0
    for name in sorted(os.listdir(args.src)):
        if not name.endswith(".json"):
            continue
        doc0 = json.load(open(os.path.join(args.src, name), encoding="utf-8"))
        if doc0.get("photo"):
            continue
        stem = name[:-5]
        img_path = next((os.path.join(args.src, stem + e) for e in (".jpg", ".png", ".jpeg")
                         if os.path.exists(os.path.join(args.src, stem + e))), None)
        if img_path is None:
            continue
        img = Image.open(img_path)
        for k in range(args.variants):
            doc = json.loads(json.dumps(doc0))
            jpeg = degrade(img, doc, rng, args.tilt)
            doc["id"] = f"{doc0.get('id', stem)}-sim{k}"
            doc["photo"] = True
            with open(os.path.join(args.out, f"{stem}-sim{k}.jpg"), "wb") as f:
                f.write(jpeg)
            with open(os.path.join(args.out, f"{stem}-sim{k}.json"), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            n += 1
    print(f"photosim: wrote {n} variants to {args.out}")


if __name__ == "__main__":
    main()
