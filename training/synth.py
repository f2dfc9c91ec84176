"""Synthetic Korean text-line images for fine-tuning and evaluating the line recogniser.

    python3 training/synth.py --out DIR --count 2000 --split train [--corpus FILE] [--seed 1]

Writes DIR/NNNNNN.png (grayscale line crop, height 48) + DIR/NNNNNN.txt (the normalised label) and
DIR/manifest.jsonl (file, text, font, seed). Text: corpus lines (cut into pieces of a few words) mixed
with generated receipt strings; only characters of charset.txt. Fonts: Debian fonts-nanum,
fonts-unfonts-core, fonts-baekmuk; the `eval` split uses only the held-out fonts (EVAL_FONTS), the
`train` split only the others. Every line is drawn from its own generator seeded with (seed, split,
index): the same arguments give the same files, with any number of --jobs.
"""

import argparse
import glob
import io
import json
import os
import sys
import zlib
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FONT_DIRS = ["/usr/share/fonts/truetype/nanum", "/usr/share/fonts/truetype/unfonts-core",
             "/usr/share/fonts/truetype/baekmuk"]
if os.environ.get("JIKJI_FONT_DIRS"):  # fonts copied elsewhere (a machine without the Debian packages)
    FONT_DIRS = os.environ["JIKJI_FONT_DIRS"].split(":")
# Held out for evaluation (whole families, bold included): the two fonts v1 itself never saw (its README) plus one Baekmuk serif, so that
# the eval split measures fonts outside both v1's and the fine-tune's training.
EVAL_FONTS = {"NanumBarunGothic", "UnBatang", "batang"}
# Not printed text (handwriting / decorative) or without Hangul: never used.
SKIP_FONTS = {"NanumPen", "NanumBrush", "UnPilgi", "UnPilgiBold", "UnGungseo", "hline"}
SPLITS = {"train": 0, "eval": 1}

EVAL_TEXT_EVERY = 10         # 1 corpus line in 10 is eval-only text
RENDER_SIZE = (28, 44)       # font px before the crop is resized to height 48: around the target size
RECEIPT_SHARE = 0.4          # share of generated receipt strings (prices, dates, phones) vs corpus text
MAX_CHARS = 24               # longest corpus piece: ~24 Hangul at height 48 is ~600-800 px, inside 800
INVERT_P = 0.08              # light text on dark (signs, screenshots)
LOWRES_P = 0.3               # render small then upscale (phone photos of small print)
LOWRES_SCALE = (0.35, 0.7)
SKEW_P = 0.5                 # perspective / shear of a few degrees (a detector box is never exact)
SKEW_DEG = 3.0
LIGHT_P = 0.4                # uneven lighting: a linear gradient across the line
THERMAL_P = 0.25             # thermal-receipt fading: low ink contrast, patchy along x
BLUR_P = 0.4
BLUR_RADIUS = (0.3, 1.2)
NOISE_P = 0.5
NOISE_SIGMA = (2.0, 10.0)
JPEG_P = 0.5
JPEG_QUALITY = (25, 75)

DEV_CORPUS = os.path.join(HERE, "dev_corpus.txt")


def list_fonts(split):
    fonts = []
    for d in FONT_DIRS:
        fonts += glob.glob(os.path.join(d, "*.ttf")) + glob.glob(os.path.join(d, "*.otf"))
    fonts = sorted(f for f in fonts if os.path.splitext(os.path.basename(f))[0] not in SKIP_FONTS)
    held = [f for f in fonts if os.path.basename(f).startswith(tuple(EVAL_FONTS))]  # whole families
    if not fonts:
        sys.exit("synth: no Korean fonts; apt-get install -y fonts-nanum fonts-unfonts-core fonts-baekmuk")
    if not held:  # only a few fonts installed: hold out every fourth
        held = fonts[::4]
    chosen = held if split == "eval" else [f for f in fonts if f not in held]
    return chosen or fonts


# --- text ---------------------------------------------------------------------------------------

def load_corpus(path, c2i, split):
    """Normalised corpus lines whose characters are all in the charset; a fixed tenth of them (by CRC of
    the line, EVAL_TEXT_EVERY) belongs to the eval split only, the rest to train, so eval text is unseen."""
    lines = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            t = common.normalise(line)
            if t and common.encode(t, c2i) is not None and \
                    (zlib.crc32(t.encode()) % EVAL_TEXT_EVERY == 0) == (split == "eval"):
                lines.append(t)
    if not lines:
        sys.exit(f"synth: no usable {split} line in {path}")
    return lines


def corpus_piece(rng, lines):
    words = lines[rng.integers(len(lines))].split(" ")
    n = int(rng.integers(1, 6))
    start = int(rng.integers(max(1, len(words) - n + 1)))
    text = " ".join(words[start:start + n])
    return text[:MAX_CHARS].strip() or words[0][:MAX_CHARS]


ITEMS = ["아메리카노", "카페라떼", "김밥", "라면", "생수 500ml", "우유", "삼각김밥", "봉투", "소주", "맥주",
         "과자", "두부", "계란 10구", "사과", "주차권", "배달비", "커피", "샌드위치", "떡볶이", "순대"]
LABELS = ["합계", "총액", "받을금액", "부가세", "과세물품", "면세물품", "할인", "결제금액", "카드", "현금",
          "승인번호", "거래일시", "전화", "TEL", "사업자번호", "대표", "매출일", "POS", "영수증", "주문번호"]


def price(rng):
    v = int(rng.choice([rng.integers(1, 100) * 100, rng.integers(1, 1000) * 10, rng.integers(1, 300) * 1000]))
    s = f"{v:,}"
    return s + rng.choice(["", "", "원", " 원"]) if rng.random() < 0.85 else "₩" + s


def receipt_string(rng):
    r = lambda a, b: int(rng.integers(a, b + 1))  # noqa: E731
    date = f"{r(2019, 2027)}-{r(1, 12):02d}-{r(1, 28):02d}"
    if rng.random() < 0.3:
        date = date.replace("-", rng.choice(["/", "."]))
    time = f"{r(0, 23):02d}:{r(0, 59):02d}" + (f":{r(0, 59):02d}" if rng.random() < 0.3 else "")
    phone = rng.choice([f"02-{r(100, 9999)}-{r(1000, 9999)}", f"0{r(31, 64)}-{r(100, 999)}-{r(1000, 9999)}",
                        f"010-{r(1000, 9999)}-{r(1000, 9999)}", f"1588-{r(1000, 9999)}"])
    item = str(rng.choice(ITEMS))
    label = str(rng.choice(LABELS))
    forms = [
        lambda: f"{item} {r(1, 12)} {price(rng)}",
        lambda: f"{item} {price(rng)} {r(1, 5)} {price(rng)}",
        lambda: f"{label} : {price(rng)}",
        lambda: f"{label}: {r(10000000, 99999999)}",
        lambda: f"{date} {time}",
        lambda: f"[{label}] {date} {time}",
        lambda: f"TEL {phone}" if rng.random() < 0.5 else f"전화 {phone}",
        lambda: f"{r(100, 999)}-{r(10, 99)}-{r(10000, 99999)}",
        lambda: f"#{r(1, 9999)} {item}",
        lambda: f"★{item}★ {price(rng)}",
        lambda: f"수량 {r(1, 20)}개 {price(rng)}",
        lambda: f"{item} x{r(1, 9)}",
        lambda: f"{r(1, 99)}.{r(0, 9)}kg {price(rng)}",
        lambda: f"{label} {r(1000, 9999)}-{r(1000, 9999)}-****-{r(1000, 9999)}",
    ]
    return forms[int(rng.integers(len(forms)))]()


def pick_text(rng, corpus):
    return receipt_string(rng) if rng.random() < RECEIPT_SHARE else corpus_piece(rng, corpus)


# --- rendering ----------------------------------------------------------------------------------

_NOTDEF = {}


def has_glyphs(font, text):
    """False when a character renders as the font's .notdef box (tofu)."""
    key = font.path
    if key not in _NOTDEF:
        _NOTDEF[key] = (font.getmask("\uffff").getbbox(), bytes(font.getmask("\uffff")))
    box, data = _NOTDEF[key]
    for c in set(text) - {" "}:
        m = font.getmask(c)
        if m.getbbox() == box and bytes(m) == data:
            return False
    return True


def render(rng, text, font):
    """Dark text on a light background (or inverted), cropped around the text with a random margin
    like a detector box, before degradations."""
    asc, desc = font.getmetrics()
    left, top, right, bottom = font.getbbox(text)
    h = asc + desc
    pad_x, pad_y = int(h * rng.uniform(0.05, 0.5)), int(h * rng.uniform(0.05, 0.3))
    w_img, h_img = right - min(left, 0) + 2 * pad_x, h + 2 * pad_y
    paper = int(rng.integers(200, 256))
    ink = int(rng.integers(0, 70))
    img = Image.new("L", (w_img, h_img), paper)
    ImageDraw.Draw(img).text((pad_x - min(left, 0), pad_y), text, font=font, fill=ink)
    return img, paper, ink


def degrade(rng, img, paper):
    a = np.asarray(img, np.float32)
    h, w = a.shape
    if rng.random() < THERMAL_P:          # faded thermal print: ink pulled towards the paper, patchy in x
        ink_mask = (paper - a) / max(paper, 1)
        fade = rng.uniform(0.35, 0.8) * (1 + 0.25 * np.sin(np.linspace(0, rng.uniform(2, 12), w)
                                                             + rng.uniform(0, 6)))
        a = paper - ink_mask * paper * np.clip(fade, 0.2, 1.0)[None, :]
    if rng.random() < LIGHT_P:            # uneven light: gradient along a random direction
        ang = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:h, 0:w]
        g = (np.cos(ang) * xx / max(w, 1) + np.sin(ang) * yy / max(h, 1))
        a = a * (1 - rng.uniform(0.1, 0.5) * (g - g.min()) / (np.ptp(g) + 1e-6))
    img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if rng.random() < SKEW_P:             # shear + small rotation + perspective
        sh = np.tan(np.radians(rng.uniform(-SKEW_DEG, SKEW_DEG)))      # horizontal shear (italic-like)
        rot = np.tan(np.radians(rng.uniform(-SKEW_DEG, SKEW_DEG) / 2))  # vertical shear (slight rotation)
        keystone = rng.uniform(-0.05, 0.05) / w                          # scale changes by <= 5% across
        coeffs = (1, sh, -sh * h / 2, rot, 1, -rot * w / 2, keystone, 0)
        img = img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BILINEAR, fillcolor=int(paper))
    if rng.random() < LOWRES_P:           # small print photographed from afar
        s = rng.uniform(*LOWRES_SCALE)
        small = img.resize((max(4, int(w * s)), max(4, int(h * s))), Image.BILINEAR)
        img = small.resize((w, h), Image.BILINEAR)
    if rng.random() < BLUR_P:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(*BLUR_RADIUS)))
    if rng.random() < NOISE_P:
        a = np.asarray(img, np.float32) + rng.normal(0, rng.uniform(*NOISE_SIGMA), (h, w))
        img = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
    if rng.random() < INVERT_P:
        img = Image.fromarray(255 - np.asarray(img))
    if rng.random() < JPEG_P:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=int(rng.integers(*JPEG_QUALITY)))
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return img


def to_height(img):
    w = min(common.MAX_WIDTH, max(1, round(img.width * common.HEIGHT / img.height)))
    return img.resize((w, common.HEIGHT), Image.BILINEAR)


_FONTS = {}


def make_line(seed, split, index, fonts, corpus, c2i):
    """(image at height 48, label, font path) of line `index`; deterministic in (seed, split, index)."""
    rng = np.random.default_rng([seed, SPLITS[split], index])
    for _ in range(20):
        text = common.normalise(pick_text(rng, corpus))
        path = fonts[int(rng.integers(len(fonts)))]
        size = int(rng.integers(*RENDER_SIZE))
        key = (path, size)
        if key not in _FONTS:
            _FONTS[key] = ImageFont.truetype(path, size)
        font = _FONTS[key]
        if text and common.encode(text, c2i) is not None and has_glyphs(font, text):
            img, paper, _ = render(rng, text, font)
            return to_height(degrade(rng, img, paper)), text, os.path.basename(path)
    raise RuntimeError(f"synth: no renderable text for line {index}")


_W = {}


def _init(seed, split, corpus_path, charset_path):
    c2i = common.char_to_class(common.load_charset(charset_path))
    _W.update(seed=seed, split=split, fonts=list_fonts(split), corpus=load_corpus(corpus_path, c2i, split), c2i=c2i)


def _job(args):
    index, out = args
    img, text, font = make_line(_W["seed"], _W["split"], index, _W["fonts"], _W["corpus"], _W["c2i"])
    name = f"{index:06d}"
    img.save(os.path.join(out, name + ".png"))
    with open(os.path.join(out, name + ".txt"), "w", encoding="utf-8") as f:
        f.write(text + "\n")
    return {"file": name + ".png", "text": text, "font": font, "seed": [_W["seed"], SPLITS[_W["split"]], index]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--split", choices=SPLITS, default="train")
    ap.add_argument("--corpus", default=DEV_CORPUS, help="UTF-8 text, one sentence per line")
    ap.add_argument("--charset", default=os.path.join(common.V1_DIR, "charset.txt"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    init = (a.seed, a.split, a.corpus, a.charset)
    tasks = [(i, a.out) for i in range(a.count)]
    if a.jobs > 1:
        with Pool(a.jobs, _init, init) as pool:
            rows = pool.map(_job, tasks, chunksize=16)
    else:
        _init(*init)
        rows = [_job(t) for t in tasks]
    with open(os.path.join(a.out, "manifest.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    fonts = sorted({r["font"] for r in rows})
    print(f"synth: {len(rows)} {a.split} lines in {a.out} (seed {a.seed}, fonts: {', '.join(fonts)})")


if __name__ == "__main__":
    main()
