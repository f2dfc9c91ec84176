"""Shared pieces of the synthetic-document generators (scripts/gen-bizdocs/gen_receipts_namecards.py,
scripts/gen-bizdocs/gen_bizlicense_creditcard.py, and the glyph and box helpers of scripts/gen-idcards).

Font directories and the size jitter, the 사업자등록번호 check digit, glyph test, box helpers, the common part
of a drawn document (image + ground truth: `lines`, `fields`, saving JPEG + JSON) and the command-line loop.
Imported by the scripts through `sys.path` (this folder); nothing here draws from a random generator except
`Doc.font_size` and `rand_date`, each with the generator it is given.
"""

import argparse
import datetime as dt
import json
import math
import os
import random

from PIL import Image, ImageDraw

NANUM = "/usr/share/fonts/truetype/nanum/"
UNFONTS = "/usr/share/fonts/truetype/unfonts-core/"
BAEKMUK = "/usr/share/fonts/truetype/baekmuk/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"

SIZE_JITTER = 0.10


# ---------------------------------------------------------------------------------------------------
# Numbers and dates.

def biz_check_digit(d9):
    """The 사업자등록번호 check digit of its first nine digits (ints or digit characters): weights
    1,3,7,1,3,7,1,3,5, plus (d9*5)//10, then 10 - sum mod 10."""
    w = [1, 3, 7, 1, 3, 7, 1, 3, 5]
    s = sum(int(c) * k for c, k in zip(d9, w)) + (int(d9[8]) * 5) // 10
    return (10 - s % 10) % 10


def rand_date(rng, start, end):
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


# ---------------------------------------------------------------------------------------------------
# Drawing with ground truth.

_NOTDEF = {}


def has_glyph(font, ch):
    """False when the font would draw its .notdef box (tofu) for ch."""
    def render(c):
        im = Image.new("L", (2 * font.size, 2 * font.size))
        ImageDraw.Draw(im).text((0, 0), c, font=font, fill=255)
        return im.tobytes()

    key = (font.path, font.size)
    if key not in _NOTDEF:
        _NOTDEF[key] = render("\U000F0000")
    r = render(ch)
    return r != _NOTDEF[key] and any(r)


def quad(b):
    x0, y0, x1, y1 = b
    return [x0, y0, x1, y0, x1, y1, x0, y1]


def union(*bs):
    return (min(b[0] for b in bs), min(b[1] for b in bs), max(b[2] for b in bs), max(b[3] for b in bs))


def pad(b):
    return (math.floor(b[0]) - 1, math.floor(b[1]) - 1, math.ceil(b[2]) + 1, math.ceil(b[3]) + 1)


def anchored(xy, s, font, tracking, anchor_x):
    """The rounded top-left (x, y) of line s drawn at xy with anchor_x 'l', 'c' or 'r' (tracking: extra px
    between characters)."""
    x, y = xy
    width = font.getlength(s) + tracking * max(0, len(s) - 1)
    if anchor_x == "c":
        x -= width / 2
    elif anchor_x == "r":
        x -= width
    return round(x), round(y)


class Doc:
    """An image plus its ground truth (the scripts' Doc classes add the drawing of text)."""

    def __init__(self, rng, doc_type, doc_id, w, h, bg=(255, 255, 255)):
        self.rng, self.w, self.h = rng, w, h
        self.img = Image.new("RGB", (w, h), bg)
        self.d = ImageDraw.Draw(self.img)
        self.doc = {"type": doc_type, "id": doc_id, "photo": False, "image": {"w": w, "h": h},
                    "documentBox": [0, 0, w, 0, w, h, 0, h], "fields": {}, "lines": []}

    def font_size(self, size, jitter=True):
        """size jittered by +-SIZE_JITTER (one draw from self.rng when jitter), at least 8."""
        f = 1 + self.rng.uniform(-SIZE_JITTER, SIZE_JITTER) if jitter else 1
        return max(8, round(size * f))

    def line(self, s, box, role=None):
        ln = {"text": s, "box": quad(box)}
        if role:
            ln["role"] = role
        self.doc["lines"].append(ln)

    def field(self, key, text, box, line_boxes=None):
        f = {"text": text, "box": quad(box)}
        if line_boxes and len(line_boxes) > 1:
            f["lineBoxes"] = [quad(b) for b in line_boxes]
        self.doc["fields"][key] = f

    def save(self, out_dir):
        stem = os.path.join(out_dir, self.doc["id"])
        self.img.save(stem + ".jpg", "JPEG", quality=92)
        with open(stem + ".json", "w", encoding="utf-8") as f:
            json.dump(self.doc, f, ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------------------------------
# Command line.

def main(description, makers, prog, build=None):
    """OUT_DIR [--n 3] [--seed 101] [--types A,B]: writes n documents of each type, document k of a type
    drawn from random.Random(f"{seed}/{type}/{k}"). makers: type -> maker(rng, doc_id, k) returning a Doc;
    build(maker, rng, doc_id, k), when given, calls the maker instead (e.g. to redraw until it fits)."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=3, help="documents per type")
    ap.add_argument("--seed", type=int, default=101)
    known = ",".join(makers)
    ap.add_argument("--types", default=known, help=f"comma-separated: {known}")
    args = ap.parse_args()
    types = [t.strip() for t in args.types.split(",") if t.strip()]
    for t in types:
        if t not in makers:
            ap.error(f"unknown type {t!r} (known: {', '.join(makers)})")
    os.makedirs(args.out_dir, exist_ok=True)
    for doc_type in types:
        for k in range(args.n):
            rng = random.Random(f"{args.seed}/{doc_type}/{k}")
            doc_id = f"{doc_type}-s{args.seed}-{k:04d}"
            maker = makers[doc_type]
            doc = build(maker, rng, doc_id, k) if build else maker(rng, doc_id, k)
            doc.save(args.out_dir)
    print(f"{prog}: wrote {len(types) * args.n} documents to {args.out_dir}")
