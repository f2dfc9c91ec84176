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

--hard (ID cards): variants `NAME-hardK` with, in addition, a hologram band, rotation up to 20 degrees
plus stronger perspective, a procedural patterned table (wood, gingham, marble), a glare spot and the card
500-700 px wide. Without --hard the output is unchanged (same draws in the same order).

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
from PIL import Image, ImageDraw, ImageFilter


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


def light_and_noise(a, rng):
    """Thermal fading with speckle, uneven light (gradient + vignette) and moire on an HxWx3 float array."""
    H, W = a.shape[:2]
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
    return a


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
    a = light_and_noise(np.asarray(page, dtype=np.float32), rng)
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


# ---------------------------------------------------------------------------------------------------
# --hard: an ID card photographed badly (tilted and rotated, on a patterned table, with a hologram
# overlay and a glare spot, at low resolution).

def smooth_noise(nrng, H, W, cy, cx):
    """Smooth value noise, about N(0, 1), with features of about cy x cx pixels."""
    g = nrng.standard_normal((max(2, int(H / cy) + 2), max(2, int(W / cx) + 2))).astype(np.float32)
    return np.asarray(Image.fromarray(g, "F").resize((W, H), Image.BICUBIC))


def table_pattern(rng, nrng, W, H):
    """A procedural table top: wood grain, a checked (gingham) tablecloth or marble. HxWx3 float."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    kind = rng.choice(["wood", "gingham", "marble"])
    if kind == "wood":
        if rng.random() < 0.5:
            yy, xx = xx, yy  # grain across or along
        plank = rng.uniform(90, 220)
        idx = np.floor(yy / plank)
        t = yy / rng.uniform(6, 16) + 2.5 * smooth_noise(nrng, H, W, 25, 300) + 7.3 * idx
        grain = (0.5 + 0.5 * np.sin(2 * np.pi * t)) ** 3
        base = np.array([rng.uniform(110, 190), rng.uniform(70, 120), rng.uniform(35, 70)], np.float32)
        shade = 0.8 + 0.2 * np.sin(idx * 2.1 + rng.uniform(0, 6))  # planks differ in tone
        a = base * (shade * (1 - 0.3 * grain))[..., None]
        seam = np.abs(yy - (idx + 0.5) * plank) > plank / 2 - 2
        a[seam] *= 0.45
    elif kind == "gingham":
        ang = rng.uniform(0, np.pi / 2)
        u = xx * np.cos(ang) + yy * np.sin(ang)
        v = -xx * np.sin(ang) + yy * np.cos(ang)
        sw = rng.uniform(14, 45)
        f = ((np.floor(u / sw) % 2) + (np.floor(v / sw) % 2)) / 2 * rng.uniform(0.75, 0.95)
        colour = np.array(rng.choice([(200, 30, 40), (30, 60, 170), (30, 130, 60), (20, 20, 20)]), np.float32)
        white = np.array([rng.uniform(225, 250)] * 3, np.float32)
        a = white * (1 - f[..., None]) + colour * f[..., None]
    else:
        fbm = sum(smooth_noise(nrng, H, W, c, c) / (i + 1) for i, c in enumerate((240, 120, 60, 30)))
        ang = rng.uniform(0, np.pi)
        t = (xx * np.cos(ang) + yy * np.sin(ang)) / rng.uniform(120, 300) + rng.uniform(0.8, 1.6) * fbm
        veins = np.exp(-np.abs(np.sin(np.pi * t)) * rng.uniform(6, 14))
        base = np.array([rng.uniform(195, 235)] * 3, np.float32) + np.array([6, 3, 0], np.float32) * rng.uniform(-1, 1)
        a = base * (1 - rng.uniform(0.3, 0.6) * veins - 0.04 * fbm)[..., None]
    return np.clip(a + nrng.normal(0, 3, (H, W, 1)), 0, 255)


def hsv_rgb(h, s, v):
    r = np.clip(np.abs(h * 6 - 3) - 1, 0, 1)
    g = np.clip(2 - np.abs(h * 6 - 2), 0, 1)
    b = np.clip(2 - np.abs(h * 6 - 4), 0, 1)
    return v * (1 - s + s * np.stack([r, g, b], -1))


def hologram(img, rng):
    """A translucent iridescent band of guilloche waves across part of the flat card (no boxes move)."""
    w, h = img.size
    a = np.asarray(img.convert("RGB"), dtype=np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
    phi = rng.choice([-1, 1]) * rng.uniform(0.35, 1.1)  # a diagonal band
    s = (xx - cx) * np.cos(phi) + (yy - cy) * np.sin(phi)
    t = -(xx - cx) * np.sin(phi) + (yy - cy) * np.cos(phi)
    env = np.exp(-(t / rng.uniform(0.08, 0.2) / w) ** 4)
    per, amp, per2, ph = rng.uniform(10, 22), rng.uniform(0.6, 2.0), rng.uniform(60, 160), rng.uniform(0, 6)
    p1 = (0.5 + 0.5 * np.cos(2 * np.pi * (t / per + amp * np.sin(2 * np.pi * s / per2 + ph)))) ** 4
    p2 = (0.5 + 0.5 * np.cos(2 * np.pi * (t / per - amp * np.sin(2 * np.pi * s / per2 + ph)))) ** 4
    pat = np.maximum(p1, p2)
    hue = (s / rng.uniform(150, 400) + t / 300 + rng.uniform(0, 1)) % 1
    rgb = 255 * hsv_rgb(hue, rng.uniform(0.5, 0.85), 1.0)
    alpha = (rng.uniform(0.15, 0.3) * env * (0.35 + 0.65 * pat))[..., None]
    a = a * (1 - alpha) + rgb * alpha
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def degrade_hard(img, doc, rng):
    """degrade() made harder: rotation up to 20 degrees plus stronger perspective, a patterned table,
    a hologram band, a glare spot, and the card 500-700 px wide in the photo."""
    w, h = img.size
    img = hologram(img, rng)
    # Geometry: keystone (one edge shorter), corner jitter, in-plane rotation, placed on a canvas.
    c = np.array([(0, 0), (w, 0), (w, h), (0, h)], float) - (w / 2, h / 2)
    k = rng.uniform(0.04, 0.18)
    side = rng.randrange(4)  # which edge is farther from the camera
    if side == 0:
        c[:2, 0] *= 1 - k
    elif side == 1:
        c[1:3, 1] *= 1 - k
    elif side == 2:
        c[2:, 0] *= 1 - k
    else:
        c[[0, 3], 1] *= 1 - k
    c += [(rng.uniform(-0.04, 0.04) * w, rng.uniform(-0.04, 0.04) * h) for _ in range(4)]
    th = np.radians(rng.uniform(-20, 20))
    c = c @ np.array([[np.cos(th), np.sin(th)], [-np.sin(th), np.cos(th)]])
    m = int(0.1 * max(w, h))
    lo = c.min(0)
    span = c.max(0) - lo
    W, H = int(span[0] + 2 * m + rng.uniform(0, 0.3) * w), int(span[1] + 2 * m + rng.uniform(0, 0.3) * h)
    off = (rng.uniform(m, W - m - span[0]), rng.uniform(m, H - m - span[1]))
    dst = [tuple(p - lo + off) for p in c]
    fwd = homography([(0, 0), (w, 0), (w, h), (0, h)], dst)
    inv = np.linalg.inv(fwd)
    coeffs = tuple((inv / inv[2, 2]).reshape(-1)[:8])
    nrng = np.random.default_rng(rng.randrange(1 << 30))
    table = table_pattern(rng, nrng, W, H)
    rounded = Image.new("L", (w, h), 0)
    ImageDraw.Draw(rounded).rounded_rectangle((0, 0, w - 1, h - 1), radius=round(0.034 * w), fill=255)
    mask = rounded.transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    # A soft shadow under the card.
    sh = np.asarray(mask.filter(ImageFilter.GaussianBlur(rng.uniform(6, 18))), np.float32) / 255
    dx, dy = int(rng.uniform(-12, 12)), int(rng.uniform(2, 16))
    sh = np.roll(np.roll(sh, dy, 0), dx, 1)
    table *= (1 - rng.uniform(0.25, 0.55) * sh)[..., None]
    warped = np.asarray(img.convert("RGB").transform((W, H), Image.PERSPECTIVE, coeffs, Image.BICUBIC), np.float32)
    ma = (np.asarray(mask, np.float32) / 255)[..., None]
    move_boxes(doc, fwd)
    a = light_and_noise(warped * ma + table * (1 - ma), rng)
    # Glare: a specular highlight on the (glossy) card, with a soft halo.
    gx, gy = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.9) * h
    g = fwd @ (gx, gy, 1.0)
    gx, gy = g[0] / g[2], g[1] / g[2]
    ax = rng.uniform(0.035, 0.09) * w  # the washed-out core spans a few characters, not a field
    bx = ax * rng.uniform(0.3, 0.7)
    ga = rng.uniform(0, np.pi)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    u = (xx - gx) * np.cos(ga) + (yy - gy) * np.sin(ga)
    v = -(xx - gx) * np.sin(ga) + (yy - gy) * np.cos(ga)
    r2 = (u / ax) ** 2 + (v / bx) ** 2
    peak = rng.uniform(0.5, 0.85)
    glare = (peak * np.exp(-0.5 * r2) + 0.25 * peak * np.exp(-r2 / 18))[..., None] * ma
    a = a + (255 - a) * np.clip(glare, 0, 1)
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    out = out.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.4)))
    # Low resolution: the card 500-700 px wide.
    s = rng.uniform(500, 700) / w
    out = out.resize((max(1, int(W * s)), max(1, int(H * s))), Image.BILINEAR)
    move_boxes(doc, np.diag([s, s, 1.0]))
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
    ap.add_argument("--hard", action="store_true",
                    help="ID-card hard cases (rotation <=20 deg + perspective, patterned table, hologram, glare, "
                         "card 500-700 px wide); writes NAME-hardK instead of NAME-simK")
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
            jpeg = degrade_hard(img, doc, rng) if args.hard else degrade(img, doc, rng, args.tilt)
            tag = f"{'hard' if args.hard else 'sim'}{k}"
            doc["id"] = f"{doc0.get('id', stem)}-{tag}"
            doc["photo"] = True
            with open(os.path.join(args.out, f"{stem}-{tag}.jpg"), "wb") as f:
                f.write(jpeg)
            with open(os.path.join(args.out, f"{stem}-{tag}.json"), "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False)
            n += 1
    print(f"photosim: wrote {n} variants to {args.out}")


if __name__ == "__main__":
    main()
