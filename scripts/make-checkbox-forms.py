#!/usr/bin/env python3
"""Generates the checkbox / boxed-digit questionnaire that `crates/jikji-template/tests/forms.rs` reads.

Template OCR's `CHECKBOX` and `MULTI_BOX` fields need forms that have them; none of the test sets
does, so this script draws one: a health questionnaire (건강 상태 설문지) with a name, a date of
birth and a phone number in printed boxes (one digit per box), ten yes/no questions with a checkbox
each side, and the date it was filled in. It writes

* `forms/survey-sample.jpg` — the flat sample a template author starts from (some boxes ticked);
* `forms/survey-NN.jpg` and `forms/survey-NN-photo.jpg` — other copies: other names, digits and
  ticks, flat and as a phone photo (perspective, rotation, uneven light, blur, JPEG);
* `forms/survey.json` — the template (regions in the sample's pixels, the `TemplateDef` of the
  admin API) and every copy's answers.

The images are committed (a user's clone and CI do not run this); run it again only to change the
form. Needs Pillow and Debian's `fonts-nanum`. Deterministic (fixed seed).

    python3 scripts/make-checkbox-forms.py crates/jikji-template/tests/forms
"""

import json
import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/nanum")
LABEL_FONT = FONT_DIR / "NanumGothic.ttf"
TITLE_FONT = FONT_DIR / "NanumGothicBold.ttf"
VALUE_FONT = FONT_DIR / "NanumMyeongjo.ttf"

W, H = 1000, 1400
COPIES = 6

QUESTIONS = [
    "최근 2주 이내 발열이 있었습니까?",
    "기침이나 인후통이 있습니까?",
    "현재 복용 중인 약이 있습니까?",
    "알레르기가 있습니까?",
    "최근 1년 이내 수술을 받았습니까?",
    "흡연을 하십니까?",
    "주 3회 이상 운동을 하십니까?",
    "수면 시간이 6시간 미만입니까?",
    "가족 중 고혈압 환자가 있습니까?",
    "건강검진을 받은 적이 있습니까?",
]

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = "민서지현우준하은도윤수아예진성훈영호경희재원태연동혁소정유나"


def font(path, size):
    return ImageFont.truetype(str(path), size)


def name(rng):
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2))


def draw_box(d, x, y, s, width=3):
    d.rectangle([x, y, x + s, y + s], outline=(25, 25, 25), width=width)


def tick(d, x, y, s, rng):
    """A pen mark in the box at (x, y) of side s: a check mark or a cross, in blue or black."""
    colour = rng.choice([(20, 40, 160), (15, 15, 15), (30, 30, 110)])
    w = rng.randint(3, 6)
    j = lambda: rng.uniform(-0.08, 0.08) * s
    if rng.random() < 0.7:
        pts = [
            (x + 0.15 * s + j(), y + 0.5 * s + j()),
            (x + 0.42 * s + j(), y + 0.82 * s + j()),
            (x + 0.95 * s + j(), y + 0.05 * s + j() - rng.uniform(0, 0.3) * s),
        ]
        d.line(pts, fill=colour, width=w, joint="curve")
    else:
        d.line([(x + 0.15 * s + j(), y + 0.15 * s + j()), (x + 0.85 * s + j(), y + 0.85 * s + j())], fill=colour, width=w)
        d.line([(x + 0.85 * s + j(), y + 0.15 * s + j()), (x + 0.15 * s + j(), y + 0.85 * s + j())], fill=colour, width=w)


def render(values, rng):
    """The flat form filled with `values`; returns the image and the template regions."""
    img = Image.new("RGB", (W, H), (252, 252, 250))
    d = ImageDraw.Draw(img)
    lf, tf, vf, sf = font(LABEL_FONT, 26), font(TITLE_FONT, 44), font(VALUE_FONT, 30), font(LABEL_FONT, 22)
    fields = []
    title = "건강 상태 설문지"
    tw = d.textlength(title, font=tf)
    d.text(((W - tw) / 2, 70), title, font=tf, fill=(10, 10, 10))
    title_region = {"x": (W - tw) / 2 - 15, "y": 60, "width": tw + 30, "height": 70}
    d.line([(60, 150), (W - 60, 150)], fill=(40, 40, 40), width=3)

    # Name: a printed value after the label.
    y = 190
    d.text((80, y), "성      명", font=lf, fill=(10, 10, 10))
    d.text((260, y - 2), values["name"], font=vf, fill=(10, 10, 10))
    d.line([(250, y + 40), (620, y + 40)], fill=(90, 90, 90), width=1)
    fields.append({"name": "name", "region": {"x": 250, "y": y - 12, "width": 370, "height": 54}, "valueType": "HANGUL"})

    # Boxed digits: date of birth (8) and phone (11).
    for label, key, n, y in [("생년월일", "birth", 8, 270), ("연  락  처", "phone", 11, 350)]:
        d.text((80, y + 10), label, font=lf, fill=(10, 10, 10))
        bw, bh, x0 = 46, 56, 260
        for k in range(n):
            d.rectangle([x0 + k * bw, y, x0 + (k + 1) * bw, y + bh], outline=(25, 25, 25), width=2)
            ch = values[key][k]
            cw = d.textlength(ch, font=vf)
            d.text((x0 + k * bw + (bw - cw) / 2 + rng.uniform(-3, 3), y + 9 + rng.uniform(-3, 3)), ch, font=vf, fill=(10, 10, 10))
        fields.append(
            {
                "name": key,
                "region": {"x": x0, "y": y, "width": n * bw, "height": bh},
                "valueType": "NUMERIC",
                "type": "MULTI_BOX",
                "boxes": n,
            }
        )

    # Questions with yes/no boxes.
    y = 460
    d.text((80, y), "다음 질문에 해당하는 곳에 표시하여 주십시오.", font=lf, fill=(10, 10, 10))
    d.text((735, y), "예", font=lf, fill=(10, 10, 10))
    d.text((835, y), "아니오", font=lf, fill=(10, 10, 10))
    s = 34
    for q, text in enumerate(QUESTIONS):
        y = 520 + q * 62
        d.text((80, y), f"{q + 1}. {text}", font=lf, fill=(10, 10, 10))
        for side, bx in [("yes", 735), ("no", 850)]:
            draw_box(d, bx, y - 2, s)
            if values["ticks"][q] == side:
                tick(d, bx, y - 2, s, rng)
            pad = 0.15 * s
            fields.append(
                {
                    "name": f"q{q + 1}_{side}",
                    "region": {"x": bx - pad, "y": y - 2 - pad, "width": s + 2 * pad, "height": s + 2 * pad},
                    "type": "CHECKBOX",
                }
            )

    # Date filled in and the declaration.
    y = 1180
    d.text((80, y), "위 내용은 사실과 다름이 없음을 확인합니다.", font=lf, fill=(10, 10, 10))
    d.text((80, y + 70), "작  성  일", font=lf, fill=(10, 10, 10))
    d.text((260, y + 68), values["date"], font=vf, fill=(10, 10, 10))
    fields.append({"name": "date", "region": {"x": 250, "y": y + 56, "width": 400, "height": 54}, "valueType": "DATE"})
    d.text((80, 1330), "한국건강관리협회", font=sf, fill=(60, 60, 60))
    return img, {"name": "health-survey", "title": title_region, "fields": fields}


def values_for(rng):
    y, m, dd = rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28)
    fy, fm, fd = 2026, rng.randint(1, 12), rng.randint(1, 28)
    ticks = [rng.choice(["yes", "no", "no", "yes", "none"] if q % 4 == 0 else ["yes", "no"]) for q in range(len(QUESTIONS))]
    return {
        "name": name(rng),
        "birth": f"{y:04d}{m:02d}{dd:02d}",
        "phone": "010" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        "date": f"{fy}년 {fm}월 {fd}일",
        "ticks": ticks,
    }


def photo(img, rng):
    """The flat page as a phone photo: on a desk, in perspective, turned a little, unevenly lit."""
    bg = Image.new("RGB", (int(W * 1.2), int(H * 1.2)), tuple(rng.randint(90, 140) for _ in range(3)))
    bg.paste(img, (int(W * 0.1), int(H * 0.1)))
    bg = bg.rotate(rng.uniform(-5, 5), resample=Image.BICUBIC, fillcolor=(110, 100, 90))
    bw, bh = bg.size
    jit = lambda: rng.uniform(-0.04, 0.04)
    src = [(bw * (0.02 + jit()), bh * (0.02 + jit())), (bw * (0.98 + jit()), bh * (0.02 + jit())),
           (bw * (0.98 + jit()), bh * (0.98 + jit())), (bw * (0.02 + jit()), bh * (0.98 + jit()))]
    out_w, out_h = 1100, 1500
    dst = [(0, 0), (out_w, 0), (out_w, out_h), (0, out_h)]
    coeffs = perspective_coeffs(dst, src)
    p = bg.transform((out_w, out_h), Image.PERSPECTIVE, coeffs, Image.BICUBIC)
    # Light falling off towards one corner.
    cx, cy = rng.uniform(0, out_w), rng.uniform(0, out_h)
    shade = Image.new("L", (out_w // 10, out_h // 10))
    for yy in range(shade.height):
        for xx in range(shade.width):
            dist = math.hypot(xx * 10 - cx, yy * 10 - cy) / math.hypot(out_w, out_h)
            shade.putpixel((xx, yy), int(255 * (1.0 - 0.35 * dist)))
    shade = shade.resize((out_w, out_h), Image.BILINEAR)
    p = Image.composite(p, Image.new("RGB", p.size, (0, 0, 0)), shade)
    return p.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.1)))


def perspective_coeffs(dst, src):
    """PIL's PERSPECTIVE coefficients mapping output points `dst` to input points `src`."""
    a = []
    for (x, y), (u, v) in zip(dst, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    # Gauss-Jordan elimination with partial pivoting on the 8x9 augmented matrix.
    n = 8
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(a[r][c]))
        a[c], a[p] = a[p], a[c]
        for r in range(n):
            if r != c:
                f = a[r][c] / a[c][c]
                a[r] = [x - f * y for x, y in zip(a[r], a[c])]
    return [a[r][n] / a[r][r] for r in range(n)]


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "crates/jikji-template/tests/forms")
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20261204)
    sample_values = values_for(rng)
    sample, template = render(sample_values, rng)
    for f in template["fields"]:
        if f.get("type") == "CHECKBOX":
            q, side = f["name"][1:].split("_")
            f["sampleChecked"] = sample_values["ticks"][int(q) - 1] == side
    sample.save(out / "survey-sample.jpg", quality=88)
    copies = []
    for n in range(COPIES):
        v = values_for(rng)
        img, _ = render(v, rng)
        stem = f"survey-{n:02d}"
        if n < 2:
            img.save(out / f"{stem}.jpg", quality=85)
            copies.append({"image": f"{stem}.jpg", "values": v})
        photo(img, rng).save(out / f"{stem}-photo.jpg", quality=80)
        copies.append({"image": f"{stem}-photo.jpg", "values": v})
    doc = {"template": template, "sample": {"image": "survey-sample.jpg", "values": sample_values}, "copies": copies}
    (out / "survey.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
