#!/usr/bin/env python3
"""Renders a dev set of table pages with exact HTML ground truth.

Each page is an HTML document (a title, a paragraph, one table, a note) rendered to PNG by headless
Debian `chromium` (`apt-get install -y chromium fonts-nanum fonts-noto-cjk`); the table's ground truth
is the same table as plain HTML (`<table><tr><td rowspan=.. colspan=..>text</td>…`), written before
rendering, so it is exact. Styles: ruled, borderless, zebra, merged cells, long numeric columns and
receipt-like item blocks, in Korean and English. Every page also gets a photo-like variant (small
perspective warp, blur, uneven light, JPEG) made with Pillow.

Usage: gen_tables.py OUT_DIR [--n 16] [--seed 7]
Writes OUT_DIR/images/*.png|jpg and OUT_DIR/gt.jsonl with
{"image": "images/t00.png", "html": "<table>…</table>", "style": "ruled", "variant": "flat"}.
Needs Pillow (pip install pillow); nothing is downloaded.
"""
import argparse
import html
import json
import os
import random
import subprocess
import tempfile

from PIL import Image, ImageFilter, ImageEnhance

KO_ITEMS = ["아메리카노", "카페라떼", "녹차", "김밥", "라면", "떡볶이", "생수", "볼펜", "복사용지", "프린터 토너",
            "사과", "배추", "우유", "계란", "쌀 10kg", "택배비", "주차요금", "교통비", "식대", "회의비"]
EN_ITEMS = ["Coffee", "Green tea", "Sandwich", "Printer paper", "Ballpoint pen", "Toner cartridge",
            "Apples", "Milk 1L", "Eggs (12)", "Parking", "Taxi fare", "Lunch", "Office chair", "USB cable",
            "Monitor", "Desk lamp", "Shipping", "Service fee", "Notebook", "Stapler"]
KO_HEAD = [["품목", "수량", "단가", "금액"], ["구분", "1월", "2월", "3월", "합계"], ["날짜", "내용", "입금", "출금", "잔액"],
           ["성명", "부서", "직급", "연락처"], ["항목", "기준", "결과", "비고"]]
EN_HEAD = [["Item", "Qty", "Unit price", "Amount"], ["Region", "Q1", "Q2", "Q3", "Total"],
           ["Date", "Description", "Debit", "Credit", "Balance"], ["Name", "Department", "Title", "Phone"],
           ["Test", "Reference", "Result", "Note"]]
KO_NAMES = ["김민준", "이서연", "박지호", "최수아", "정도윤", "강하은", "조예준", "윤지우"]
EN_NAMES = ["John Smith", "Mary Jones", "David Lee", "Sarah Kim", "James Park", "Emma Brown"]
KO_DEPT = ["총무팀", "영업부", "개발팀", "인사팀", "재무팀"]
EN_DEPT = ["Sales", "R&D", "Finance", "HR", "Legal"]
KO_TITLE = ["사원", "대리", "과장", "차장", "부장"]
EN_TITLE = ["Manager", "Engineer", "Analyst", "Director", "Intern"]

STYLES = ["ruled", "borderless", "zebra", "merged", "numeric", "receipt"]

CSS = {
    "ruled": "table{border-collapse:collapse} td{border:1px solid #222;padding:6px 10px}",
    "borderless": "table{border-collapse:collapse} td{padding:5px 14px} tr:first-child td{border-bottom:2px solid #333;font-weight:bold}",
    "zebra": "table{border-collapse:collapse} td{padding:6px 12px} tr:nth-child(even) td{background:#e6ecf2} tr:first-child td{background:#3b5b7a;color:#fff;font-weight:bold}",
    "merged": "table{border-collapse:collapse} td{border:1px solid #333;padding:6px 10px;text-align:center}",
    "numeric": "table{border-collapse:collapse} td{border-top:1px solid #999;border-bottom:1px solid #999;padding:5px 12px;text-align:right} td:first-child{text-align:left}",
    "receipt": "table{border-collapse:collapse;font-family:'NanumGothicCoding','DejaVu Sans Mono',monospace} td{padding:2px 10px} td:not(:first-child){text-align:right} tr:first-child td{border-bottom:1px dashed #000}",
}


def money(r, lo=100, hi=2_000_000):
    return f"{r.randrange(lo, hi) // 10 * 10:,}"


def table_rows(r, style, ko):
    """Returns rows of cells: (text, rowspan, colspan); spans only in 'merged' tables."""
    if style == "merged":
        return merged_rows(r, ko)
    if style == "receipt":
        items = r.sample(KO_ITEMS if ko else EN_ITEMS, r.randint(4, 9))
        head = ["상품명", "수량", "금액"] if ko else ["Item", "Qty", "Amount"]
        rows = [[(h, 1, 1) for h in head]]
        for it in items:
            rows.append([(it, 1, 1), (str(r.randint(1, 5)), 1, 1), (money(r, 500, 90000), 1, 1)])
        rows.append([("합계" if ko else "TOTAL", 1, 1), ("", 1, 1), (money(r, 10000, 300000), 1, 1)])
        return rows
    hi = r.randrange(len(KO_HEAD))
    head = (KO_HEAD if ko else EN_HEAD)[hi]
    n = r.randint(3, 10) if style != "numeric" else r.randint(6, 14)
    rows = [[(h, 1, 1) for h in head]]
    for i in range(n):
        if hi == 0:
            row = [r.choice(KO_ITEMS if ko else EN_ITEMS), str(r.randint(1, 20)), money(r, 500, 50000), money(r)]
        elif hi == 1:
            row = [r.choice(["서울", "부산", "대구", "인천", "광주"] if ko else ["North", "South", "East", "West", "Central"])]
            row += [money(r, 1000, 999999) for _ in range(4)]
        elif hi == 2:
            row = [f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}", r.choice(KO_ITEMS if ko else EN_ITEMS)]
            d = r.random() < 0.5
            row += [money(r) if d else "", "" if d else money(r), money(r, 100000, 99_999_999)]
        elif hi == 3:
            row = [r.choice(KO_NAMES if ko else EN_NAMES), r.choice(KO_DEPT if ko else EN_DEPT),
                   r.choice(KO_TITLE if ko else EN_TITLE), f"010-{r.randint(1000, 9999)}-{r.randint(1000, 9999)}"]
        else:
            row = [r.choice(["혈압", "혈당", "콜레스테롤", "체중", "시력"] if ko else ["Glucose", "Sodium", "Iron", "Calcium", "Protein"]),
                   f"{r.randint(10, 99)}-{r.randint(100, 199)}", str(r.randint(10, 250)), r.choice(["정상", "주의", ""] if ko else ["normal", "high", ""])]
        rows.append([(t, 1, 1) for t in row])
    return rows


def merged_rows(r, ko):
    years = ["2022", "2023", "2024"]
    groups = (["매출", "비용", "이익"] if ko else ["Revenue", "Costs", "Profit"])[: r.randint(2, 3)]
    subs = (["국내", "해외"] if ko else ["Domestic", "Overseas"])
    first = "구분" if ko else "Category"
    rows = [[(first, 2, 2), ("연도별 실적" if ko else "Results by year", 1, len(years))],
            [(y, 1, 1) for y in years]]
    for g in groups:
        for k, s in enumerate(subs):
            row = [(g, len(subs), 1)] if k == 0 else []
            row.append((s, 1, 1))
            row += [(money(r, 1000, 99999), 1, 1) for _ in years]
            rows.append(row)
    if r.random() < 0.6:
        rows.append([("합계" if ko else "Total", 1, 2)] + [(money(r, 10000, 999999), 1, 1) for _ in years])
    return rows


def gt_html(rows):
    out = ["<table>"]
    for row in rows:
        out.append("<tr>")
        for text, rs, cs in row:
            a = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            out.append(f"<td{a}>{html.escape(text)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def page_html(r, rows, style, ko):
    title = r.choice(["거래 내역서", "월별 실적 보고", "견적서", "검사 결과표", "직원 명부"] if ko else
                     ["Statement of account", "Monthly report", "Quotation", "Test results", "Staff list"])
    para = ("아래 표는 참고용으로 작성되었습니다. 문의 사항은 담당자에게 연락하여 주십시오." if ko else
            "The table below is provided for reference. Please contact the office with any questions.")
    font = r.choice(["'NanumGothic'", "'NanumMyeongjo'", "'Noto Sans CJK KR'", "'Noto Serif CJK KR'"])
    size = r.choice([14, 15, 16, 18])
    return f"""<!doctype html><html><head><meta charset="utf-8"><style>
body{{margin:40px 50px;font-family:{font},sans-serif;font-size:{size}px;background:#fff;color:#111}}
h1{{font-size:{size + 8}px}} p{{margin:12px 0 20px}} {CSS[style]}</style></head><body>
<h1>{html.escape(title)}</h1><p>{html.escape(para)}</p>
{gt_html(rows)}
<p>{"작성일" if ko else "Date"}: 2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}</p></body></html>"""


def render(page, png, width, height):
    with tempfile.NamedTemporaryFile("w", suffix=".html", delete=False, encoding="utf-8") as f:
        f.write(page)
        path = f.name
    try:
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--window-size={width},{height}", f"--screenshot={png}", f"file://{path}"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    finally:
        os.unlink(path)


def crop_to_content(img, margin=30):
    g = img.convert("L").point(lambda v: 255 if v < 245 else 0)
    box = g.getbbox()
    if not box:
        return img
    x0, y0, x1, y1 = box
    return img.crop((max(0, x0 - margin), max(0, y0 - margin), min(img.width, x1 + margin), min(img.height, y1 + margin)))


def photo(img, r):
    w, h = img.size
    d = 0.04
    # Perspective: each corner moved inward by up to d of the size (a phone held slightly off-axis).
    src = [(r.uniform(0, d) * w, r.uniform(0, d) * h), (w - r.uniform(0, d) * w, r.uniform(0, d) * h),
           (w - r.uniform(0, d) * w, h - r.uniform(0, d) * h), (r.uniform(0, d) * w, h - r.uniform(0, d) * h)]
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    coeffs = perspective_coeffs(dst, src)
    out = img.transform((w, h), Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=(235, 232, 225))
    # Uneven light: a horizontal gradient multiplied in.
    grad = Image.linear_gradient("L").rotate(r.choice([0, 90, 180, 270])).resize((w, h))
    grad = grad.point(lambda v: 200 + v * 55 // 255)
    out = Image.composite(out, Image.new("RGB", (w, h), (0, 0, 0)), grad)
    out = ImageEnhance.Brightness(out).enhance(1.1)
    out = out.filter(ImageFilter.GaussianBlur(r.uniform(0.6, 1.2)))
    return out


def perspective_coeffs(dst, src):
    """Coefficients for PIL's PERSPECTIVE transform mapping output points `dst` to input points `src`."""
    import numpy as np
    m = []
    for (x, y), (u, v) in zip(dst, src):
        m.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        m.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(m, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return list(np.linalg.solve(a, b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    r = random.Random(a.seed)
    os.makedirs(os.path.join(a.out, "images"), exist_ok=True)
    lines = []
    for i in range(a.n):
        style = STYLES[i % len(STYLES)]
        ko = (i // len(STYLES)) % 2 == 0 if i % 2 == 0 else (i // len(STYLES)) % 2 == 1
        rows = table_rows(r, style, ko)
        html_gt = gt_html(rows)
        png = os.path.join(a.out, "images", f"t{i:02d}.png")
        render(page_html(r, rows, style, ko), png, 1000, 1300)
        img = crop_to_content(Image.open(png).convert("RGB"))
        img.save(png)
        lines.append({"image": f"images/t{i:02d}.png", "html": html_gt, "style": style,
                      "lang": "ko" if ko else "en", "variant": "flat"})
        jpg = os.path.join(a.out, "images", f"t{i:02d}_photo.jpg")
        photo(img, r).save(jpg, quality=r.randint(45, 75))
        lines.append({"image": f"images/t{i:02d}_photo.jpg", "html": html_gt, "style": style,
                      "lang": "ko" if ko else "en", "variant": "photo"})
    with open(os.path.join(a.out, "gt.jsonl"), "w", encoding="utf-8") as f:
        for l in lines:
            f.write(json.dumps(l, ensure_ascii=False) + "\n")
    print(f"{len(lines)} images in {a.out}")


if __name__ == "__main__":
    main()
