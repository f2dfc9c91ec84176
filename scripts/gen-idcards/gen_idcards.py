#!/usr/bin/env python3
"""Seeded generator of NEW synthetic Korean identity documents with exact ground truth.

Purpose: measure Jikji's ID-card field extraction (`jikji eval --document`) on documents it has never
seen: other names, numbers, addresses, dates, fonts and a little layout jitter, so that extraction
rules tuned to the three development seeds of `../shared/testdata/synthetic-docs` would show.

Writes, for each type `idcard` (주민등록증), `driverlicense` (운전면허증), `aliencard` (외국인등록증) and its back and
k in 0..n-1, the flat card image `TYPE-sSEED-000K.jpg` (1012x638, JPEG q92) and its ground truth
`TYPE-sSEED-000K.json` in the synthetic-docs format (see that directory's README.md): fields with
exact text and 8-int boxes tight around the ink (+1 px, from Pillow's textbbox), `lineBoxes` for
two-line addresses, `masked`/`maskBox` for registration numbers, and every drawn text line in `lines`.
Licences k = 0, 1 (mod 4) carry a `장기기증` mark on the 조건 row (field `organDonation`), drawn with its
own generator so that the other fields of a seed do not change.

Usage:
    python3 scripts/gen-idcards/gen_idcards.py OUT_DIR [--n 4] [--seed 2]
    python3 scripts/photo-sim/photosim.py --src OUT_DIR --out OUT_DIR --variants 1 --seed 2
    target/release/jikji eval --document --gt OUT_DIR --quiet

Needs Python 3 + Pillow and the Debian `fonts-nanum` (and DejaVu) fonts; nothing is downloaded.
Never run in CI. NOTHING GENERATED MAY BE COMMITTED: the images hold personal-data look-alikes
(valid-looking resident/alien registration numbers, names, addresses). Everything is made up.
"""
import argparse
import datetime as dt
import json
import math
import os
import random
import sys

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docgen"))
from docgen import has_glyph, quad, rand_date, union  # noqa: E402  (scripts/docgen, shared with gen-bizdocs)

W, H = 1012, 638
NANUM = "/usr/share/fonts/truetype/nanum/"
DEJAVU = "/usr/share/fonts/truetype/dejavu/"

# Font choices (seeded per document). Hanja need NanumGothic / NanumBarunGothic (the others lack them).
KO_REGULAR = [NANUM + f for f in ("NanumGothic.ttf", "NanumBarunGothic.ttf", "NanumSquareR.ttf")]
KO_BOLD = [NANUM + f for f in ("NanumGothicBold.ttf", "NanumBarunGothicBold.ttf", "NanumSquareB.ttf")]
KO_HANJA_BOLD = [NANUM + f for f in ("NanumGothicBold.ttf", "NanumBarunGothicBold.ttf")]
KO_SERIF = [NANUM + f for f in ("NanumMyeongjo.ttf", "NanumMyeongjoBold.ttf")]
LATIN_BOLD = [DEJAVU + "DejaVuSans-Bold.ttf", NANUM + "NanumSquareB.ttf", NANUM + "NanumBarunGothicBold.ttf"]
LATIN_REGULAR = [DEJAVU + "DejaVuSans.ttf", NANUM + "NanumBarunGothic.ttf", NANUM + "NanumGothic.ttf"]
MONO_BOLD = [DEJAVU + "DejaVuSansMono-Bold.ttf", NANUM + "NanumGothicCodingBold.ttf"]

# ---------------------------------------------------------------------------------------------------
# Layouts: (x, y, font size) of each element on the 1012x638 card, after the development samples.
# A document moves all of them by a global offset (JITTER_GLOBAL of the card size) plus a small
# per-element offset (JITTER_ELEM), and scales each font size by 1 +- SIZE_JITTER.
JITTER_GLOBAL = 0.02
JITTER_ELEM = 0.008
SIZE_JITTER = 0.10

IDCARD = {
    "title": (52, 50, 62), "name": (60, 160, 44), "personalNum": (60, 242, 38),
    "address1": (60, 325, 30), "address2": (60, 369, 30),
    "issueDate_cx": (470, 470, 30), "authority_cx": (610, 536, 36),
    "photo": (700, 110, 950, 430), "stamp_size": 92,
}
DRIVERLICENSE = {
    "band_h": 118, "title": (48, 20, 52), "title_en": (52, 80, 22), "type_right": (965, 42, 40),
    "num": (48, 150, 42), "photo": (48, 222, 278, 518), "code_cx": (163, 538, 22),
    "name": (310, 228, 36), "personalNum": (520, 234, 32),
    "address1": (310, 295, 26), "address2": (310, 333, 26),
    "renew": (310, 390, 22, 28), "condition": (310, 430, 22, 28),
    "issueDate": (560, 488, 28), "authority_right": (893, 548, 36), "stamp_size": 84,
    "organ": (700, 22),  # 장기기증 mark: x, font size; on the 조건 row
}
# The back of the alien card: two ruled tables (체류기간 연장 허가, 체류지 변경 신고), each a bilingual
# header row and BACK_ROWS body rows; column edges in card x, rows in card y.
ALIENCARD_BACK = {
    "permit_heading": (44, 24, 24), "permit_top": 64, "permit_cols": (40, 330, 620, 972),
    "report_heading": (44, 316, 24), "report_top": 356, "report_cols": (40, 250, 800, 972),
    "header_h": 58, "row_h": 46, "label_size": 20, "label_en_size": 14, "entry_size": 21,
    "notice": (44, 590, 15),
}
BACK_ROWS = 3
ALIENCARD = {
    "band_h": 110, "title": (44, 28, 52), "title_en": (386, 50, 26), "photo": (44, 150, 284, 450),
    "label_x": 320, "value_x": 540, "rows_y": (142, 204, 266, 328, 390), "issue_y": 474,
    "label_size": 22, "label_en_size": 17, "value_size": 28,
    "authority_right": (893, 560, 36), "stamp_size": 80,
}

# ---------------------------------------------------------------------------------------------------
# Made-up content pools (real province / district names, made-up roads, names from common syllables).
SURNAMES = "김김김이이이박박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차주우구민유나진"
GIVEN = "민준서연지우현도하윤수영성진예은주원재희승태경아솔철형열선혜정호동규석훈빈채나리미소다인유상찬"
HANJA = {"김": "金", "이": "李", "박": "朴", "최": "崔", "정": "鄭", "강": "姜", "조": "趙", "윤": "尹",
         "장": "張", "임": "林"}
HANJA_GIVEN = {"민": "民", "준": "俊", "서": "瑞", "연": "延", "지": "志", "호": "浩", "수": "秀",
               "아": "雅", "우": "宇", "현": "賢", "영": "英", "성": "成", "진": "珍", "희": "熙"}

REGIONS = {
    "서울특별시": ["강남구", "서초구", "송파구", "마포구", "동작구", "노원구", "관악구", "종로구", "은평구"],
    "부산광역시": ["해운대구", "수영구", "부산진구", "동래구", "사하구"],
    "대구광역시": ["수성구", "달서구", "북구"],
    "인천광역시": ["연수구", "남동구", "미추홀구", "부평구"],
    "광주광역시": ["서구", "북구", "광산구"],
    "대전광역시": ["유성구", "서구", "중구"],
    "울산광역시": ["남구", "울주군"],
    "세종특별자치시": [""],
    "경기도": ["성남시 분당구", "수원시 영통구", "고양시 일산동구", "용인시 수지구", "남양주시", "화성시", "파주시"],
    "강원특별자치도": ["춘천시", "원주시", "강릉시"],
    "충청북도": ["청주시 흥덕구", "충주시"],
    "충청남도": ["천안시 서북구", "아산시", "공주시"],
    "전북특별자치도": ["전주시 완산구", "군산시", "익산시"],
    "전라남도": ["순천시", "여수시", "목포시"],
    "경상북도": ["포항시 남구", "구미시", "경주시"],
    "경상남도": ["창원시 성산구", "김해시", "진주시"],
    "제주특별자치도": ["제주시", "서귀포시"],
}
ROAD_STEMS = ["올림픽", "효자", "정자일", "압구정", "매봉", "중앙", "새솔", "푸른숲", "한빛", "은행나무", "별빛",
              "소나무", "동백", "무지개", "청솔", "희망", "달맞이", "가람", "솔샘", "느티"]
DONGS = ["역삼동", "대치동", "수내동", "정자동", "합정동", "우동", "범어동", "청담동", "서현동", "중동", "상동",
         "월평동", "봉명동", "송도동", "연산동", "행신동", "영통동", "도안동"]
APTS = ["래미안", "푸르지오", "한양", "롯데캐슬", "자이", "힐스테이트", "아이파크", "더샵", "현대", "삼성"]

LICENSE_TYPES = ["1종보통", "2종보통", "1종대형", "2종소형", "1종특수(대형견인)", "1종보통", "2종보통"]
LICENSE_REGION_NAMES = ["서울", "부산", "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주",
                        "대구", "인천", "광주", "대전", "울산"]
POLICE = ["서울경찰청장", "경기남부경찰청장", "경기북부경찰청장", "부산경찰청장", "대전지방경찰청장",
          "전북지방경찰청장", "인천경찰청장", "경찰청장", "대구경찰청장", "충남경찰청장"]
CONDITIONS = ["A", "G", "C", "A,G", "B", "E"]

VISAS = [("비전문취업", "E-9"), ("재외동포", "F-4"), ("유학", "D-2"), ("방문취업", "H-2"), ("결혼이민", "F-6"),
         ("기업투자", "D-8"), ("구직", "D-10"), ("영주", "F-5"), ("거주", "F-2"), ("특정활동", "E-7")]
IMMIGRATION = ["서울출입국·외국인청장", "서울남부출입국·외국인사무소장", "인천출입국·외국인청장",
               "부산출입국·외국인청장", "대전출입국·외국인사무소장", "수원출입국·외국인청장",
               "광주출입국·외국인사무소장", "대구출입국·외국인사무소장", "제주출입국·외국인청장"]
# nationality -> (family names, given names by sex, order): "fg" = FAMILY GIVEN.
FOREIGN_NAMES = {
    "VIETNAM": (["NGUYEN", "TRAN", "LE", "PHAM", "HOANG"], {"M": ["VAN AN", "VAN HUNG", "DUC TUAN", "MINH KHOA"],
                                                          "F": ["THI LAN", "THI MAI", "THU HA", "NGOC ANH"]}),
    "CHINA": (["WANG", "LI", "ZHANG", "LIU", "CHEN", "ZHAO"], {"M": ["WEI", "LEI", "HAORAN", "JIANGUO"],
                                                             "F": ["JING", "YAN", "XIAOHONG", "MEILING"]}),
    "PHILIPPINES": (["SANTOS", "REYES", "CRUZ", "GARCIA"], {"M": ["JOSE MIGUEL", "MARK ANTHONY", "JOHN PAUL"],
                                                           "F": ["MARIA CRISTINA", "ANGELICA", "JOY ANN"]}),
    "UZBEKISTAN": (["KARIMOV", "RAHIMOV", "TURSUNOV"], {"M": ["BOBUR", "AZIZ", "SHERZOD"],
                                                         "F": ["DILNOZA", "MADINA", "NIGORA"]}),
    "NEPAL": (["GURUNG", "SHRESTHA", "TAMANG", "RAI"], {"M": ["RAM BAHADUR", "BIKASH", "SURESH"],
                                                       "F": ["SITA", "ANJALI", "PURNIMA"]}),
    "INDONESIA": (["SETIAWAN", "SANTOSO", "WIBOWO"], {"M": ["AGUS", "BUDI", "RIZKY"],
                                                     "F": ["SRI WAHYUNI", "DEWI", "PUTRI"]}),
    "CAMBODIA": (["CHAN", "SOK", "KIM"], {"M": ["DARA", "VIBOL"], "F": ["SOPHEAP", "SREYMOM"]}),
    "THAILAND": (["CHAIYA", "SRISUK", "BOONMA"], {"M": ["SOMCHAI", "ANAN"], "F": ["KANYA", "MALAI"]}),
    "MONGOLIA": (["BATBAYAR", "GANBOLD"], {"M": ["TEMUULEN", "BAT-ERDENE"], "F": ["OYUNAA", "SARNAI"]}),
    "SRI LANKA": (["PERERA", "FERNANDO", "SILVA"], {"M": ["KASUN", "NUWAN"], "F": ["NIMALI", "DILINI"]}),
}


# ---------------------------------------------------------------------------------------------------
# Numbers, dates, names, addresses.

def check_digit(d12):
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    s = sum(int(c) * w for c, w in zip(d12, weights))
    return str((11 - s % 11) % 10)


def reg_number(rng, birth, alien=False, female=None):
    """YYMMDD-GXXXXXC with G consistent with century and sex (1-4 resident, 5-8 alien)."""
    if female is None:
        female = rng.random() < 0.5
    base = 5 if alien else 1
    g = base + (2 if birth.year >= 2000 else 0) + (1 if female else 0)
    d12 = birth.strftime("%y%m%d") + str(g) + "".join(str(rng.randrange(10)) for _ in range(5))
    return f"{d12[:6]}-{d12[6:]}{check_digit(d12)}"


def korean_name(rng, hanja):
    """(name, nameHanja or None): surname + 2 syllables; hanja ones from syllables with known hanja."""
    if hanja:
        sur = rng.choice(list(HANJA))
        giv = rng.sample(list(HANJA_GIVEN), 2)
        return sur + "".join(giv), "(" + HANJA[sur] + "".join(HANJA_GIVEN[g] for g in giv) + ")"
    return rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)), None


def address(rng):
    """(line1, line2): province district road number / unit (dong, building)."""
    prov = rng.choice(list(REGIONS))
    dist = rng.choice(REGIONS[prov])
    stem = rng.choice(ROAD_STEMS)
    r = rng.random()
    road = (stem + "로") if r < 0.4 else (stem + "길") if r < 0.75 else f"{stem}로{rng.randrange(2, 60)}길"
    line1 = " ".join(p for p in (prov, dist, road, str(rng.randrange(1, 450))) if p)
    if rng.random() < 0.65:
        line2 = (f"{rng.randrange(101, 130)}동 {rng.randrange(1, 26)}{rng.randrange(1, 5):02d}호 "
                 f"({rng.choice(DONGS)}, {rng.choice(APTS)}아파트)")
    else:
        fl = rng.randrange(1, 6)
        line2 = f"{fl}층 {fl}{rng.randrange(1, 10):02d}호 ({rng.choice(DONGS)})"
    return line1, line2, prov, dist


def idcard_authority(rng, prov, dist):
    if not dist:
        return prov + "장"  # 세종특별자치시장
    parts = dist.split()
    last = parts[-1]
    head = prov if len(parts) == 1 else prov + " " + parts[0]
    if rng.random() < 0.3 and len(parts) == 2:
        head = parts[0]
    return f"{head} {last}{'청장' if last.endswith('구') else '수' if last.endswith('군') else '장'}"


# ---------------------------------------------------------------------------------------------------
# Drawing with ground truth.

class Card:
    """An image plus its ground truth, with a seeded layout jitter."""

    def __init__(self, rng, doc_type, doc_id, bg):
        self.rng = rng
        self.img = Image.new("RGB", (W, H), (255, 255, 255))
        self.d = ImageDraw.Draw(self.img)
        self.doc = {"type": doc_type, "id": doc_id, "photo": False, "image": {"w": W, "h": H},
                    "documentBox": [0, 0, W, 0, W, H, 0, H], "fields": {}, "lines": []}
        self.dx = rng.uniform(-JITTER_GLOBAL, JITTER_GLOBAL) * W
        self.dy = rng.uniform(-JITTER_GLOBAL, JITTER_GLOBAL) * H
        self.d.rounded_rectangle((0, 0, W - 1, H - 1), radius=34, fill=bg)
        self._guilloche(bg)

    def _guilloche(self, bg):
        """Faint wavy security lines and a rosette (graphics only, not in `lines`)."""
        rng, d = self.rng, self.d
        c = tuple(max(0, v - 28) for v in bg)
        for k in range(rng.randrange(5, 9)):
            y0, amp, per, ph = rng.uniform(60, H - 40), rng.uniform(8, 30), rng.uniform(180, 420), rng.uniform(0, 6)
            pts = [(x, y0 + amp * math.sin(ph + 2 * math.pi * x / per)) for x in range(20, W - 20, 6)]
            d.line(pts, fill=c, width=1)
        cx, cy, r = rng.uniform(300, 520), rng.uniform(250, 380), rng.uniform(120, 190)
        c2 = tuple(max(0, v - 14) for v in bg)
        for k in range(36):
            a = 2 * math.pi * k / 36
            d.line([(cx, cy), (cx + r * math.cos(a), cy + r * math.sin(a))], fill=c2, width=1)

    def j(self, x, y, jx=True):
        """A layout position moved by the document's and the element's jitter (jx=False: an element of a
        left-aligned column, which keeps the column's x)."""
        e = JITTER_ELEM
        ex = self.rng.uniform(-e, e) * W if jx else 0
        return (round(x + self.dx + ex), round(y + self.dy + self.rng.uniform(-e, e) * H))

    def font(self, path, size):
        return ImageFont.truetype(path, max(8, round(size * (1 + self.rng.uniform(-SIZE_JITTER, SIZE_JITTER)))))

    def text(self, xy, s, font, fill, role=None, tracking=0, anchor_x="l"):
        """Draws one text line; returns {substring start: box} helper via self.sub. Records it in lines.

        anchor_x: 'l' (xy is the left), 'c' (centre) or 'r' (right end)."""
        x, y = xy
        missing = [ch for ch in s if not ch.isspace() and not has_glyph(font, ch)]
        if missing:
            raise ValueError(f"font {font.path} has no glyph for {missing} in {s!r}")
        width = self._advance(s, font, tracking)
        if anchor_x == "c":
            x -= width / 2
        elif anchor_x == "r":
            x -= width
        x = round(x)
        boxes = []
        if tracking:
            cx = x
            for ch in s:
                self.d.text((cx, y), ch, font=font, fill=fill)
                if not ch.isspace():
                    boxes.append(self.d.textbbox((cx, y), ch, font=font))
                cx += font.getlength(ch) + tracking
        else:
            self.d.text((x, y), s, font=font, fill=fill)
            boxes.append(self.d.textbbox((x, y), s, font=font))
        box = self._pad(union(*boxes))
        line = {"text": s, "box": quad(box)}
        if role:
            line["role"] = role
        self.doc["lines"].append(line)
        return _Drawn(self, x, y, s, font, tracking, box)

    def _advance(self, s, font, tracking):
        return font.getlength(s) + tracking * max(0, len(s) - 1) if tracking else font.getlength(s)

    @staticmethod
    def _pad(b):
        return (math.floor(b[0]) - 1, math.floor(b[1]) - 1, math.ceil(b[2]) + 1, math.ceil(b[3]) + 1)

    def field(self, key, text, box, **extra):
        f = {"text": text, "box": quad(box)}
        f.update(extra)
        self.doc["fields"][key] = f

    def photo(self, rect, shade):
        x0, y0, x1, y1 = rect
        x0, y0 = self.j(x0, y0)
        x1, y1 = x0 + (rect[2] - rect[0]), y0 + (rect[3] - rect[1])
        self.d.rectangle((x0, y0, x1, y1), fill=(shade, shade, shade))
        w, h = x1 - x0, y1 - y0
        head = (x0 + w * 0.27, y0 + h * 0.16, x0 + w * 0.73, y0 + h * 0.58)
        self.d.ellipse(head, fill=(shade - 30,) * 3)
        self.d.chord((x0 + w * 0.04, y0 + h * 0.63, x1 - w * 0.04, y1 + h * 0.45), 180, 360, fill=(shade - 30,) * 3)

    def stamp(self, xy, size, chars):
        """A red seal; its characters are written in columns right to left (the GT text keeps that order)."""
        x0, y0 = round(min(xy[0], W - size - 10)), round(xy[1])
        red = (200, 50, 50)
        seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        sd = ImageDraw.Draw(seal)
        bw = max(4, size // 16)  # a thick border, like the samples' seals
        sd.rectangle((1, 1, size - 2, size - 2), outline=red + (230,), width=bw)
        ncol = max(1, math.ceil(len(chars) / 2))
        inner = size - 2 * (bw + 6)
        cw, ch = inner / ncol, inner / 2
        f = ImageFont.truetype(NANUM + "NanumMyeongjo.ttf", int(min(cw, ch) * 0.8))
        for i, c in enumerate(chars):
            col, row = i // 2, i % 2
            cx = size - bw - 6 - cw * (col + 0.5)
            cy = bw + 6 + ch * (row + 0.5)
            sd.text((cx, cy), c, font=f, fill=red + (200,), anchor="mm")
        # Grain: the ink of a rubber stamp is patchy.
        alpha = seal.getchannel("A")
        grain = Image.frombytes("L", (size, size), bytes(0 if self.rng.random() < 0.25 else 255
                                                         for _ in range(size * size)))
        seal.putalpha(Image.composite(alpha, Image.new("L", (size, size), 0), grain))
        self.img.paste(seal, (x0, y0), seal)
        self.doc["lines"].append({"text": chars, "box": quad((x0, y0, x0 + size, y0 + size)), "role": "stamp"})

    def save(self, out_dir):
        stem = os.path.join(out_dir, self.doc["id"])
        self.img.save(stem + ".jpg", "JPEG", quality=92)
        with open(stem + ".json", "w", encoding="utf-8") as f:
            json.dump(self.doc, f, ensure_ascii=False, indent=1)


class _Drawn:
    """A drawn line; `.sub(i, j)` is the padded box of characters [i, j) of it."""

    def __init__(self, card, x, y, s, font, tracking, box):
        self.card, self.x, self.y, self.s, self.font, self.tracking, self.box = card, x, y, s, font, tracking, box

    def sub(self, i, j=None):
        j = len(self.s) if j is None else j
        if not self.tracking:
            x = self.x + self.font.getlength(self.s[:i])
            b = Card._pad(self.card.d.textbbox((x, self.y), self.s[i:j], font=self.font))
            # Kept inside the whole line's box (rounding of the sub-string's start).
            return (max(b[0], self.box[0]), max(b[1], self.box[1]), min(b[2], self.box[2]), min(b[3], self.box[3]))
        boxes, cx = [], self.x
        for k, ch in enumerate(self.s):
            if i <= k < j and not ch.isspace():
                boxes.append(self.card.d.textbbox((cx, self.y), ch, font=self.font))
            cx += self.font.getlength(ch) + self.tracking
        return Card._pad(union(*boxes))

    @property
    def right(self):
        return self.box[2]


def reg_field(card, key, drawn, start=0):
    """A registration number field (+ masked form and the box of its 7 back digits)."""
    num = drawn.s[start:start + 14]
    card.field(key, num, drawn.sub(start, start + 14), masked=num[:7] + "*" * 7,
               maskBox=quad(drawn.sub(start + 7, start + 14)))


def address_field(card, d1, d2):
    card.field("address", d1.s + " " + d2.s, union(d1.box, d2.box), lineBoxes=[quad(d1.box), quad(d2.box)])


# ---------------------------------------------------------------------------------------------------
# Document types.

def make_idcard(rng, doc_id, k):
    L = IDCARD
    bg = tuple(rng.randrange(236, 250) for _ in range(3))
    c = Card(rng, "idcard", doc_id, bg)
    ink = (rng.randrange(20, 50),) * 3
    birth = rand_date(rng, dt.date(1950, 1, 1), dt.date(2006, 12, 31))
    issue = rand_date(rng, max(birth.replace(year=birth.year + 17), dt.date(1999, 1, 1)), dt.date(2025, 12, 31))
    has_hanja = k % 3 == 1  # name in hanja on every third card
    name, hanja = korean_name(rng, has_hanja)
    a1, a2, prov, dist = address(rng)
    if rng.random() < 0.5:  # issued where the holder lives, or elsewhere
        p2 = rng.choice(list(REGIONS))
        prov, dist = p2, rng.choice(REGIONS[p2])
    authority = idcard_authority(rng, prov, dist)
    regular = rng.choice(KO_REGULAR)

    x, y, s = L["title"]
    c.text(c.j(x, y), "주민등록증", c.font(rng.choice(KO_REGULAR[:2] + KO_BOLD[:2]), s), ink, role="title")
    x, y, s = L["name"]
    nfont = c.font(rng.choice(KO_HANJA_BOLD if hanja else KO_BOLD), s)
    d = c.text(c.j(x, y, jx=False), name + (hanja or ""), nfont, ink)
    c.field("name", name, d.sub(0, len(name)))
    if hanja:
        c.field("nameHanja", hanja, d.sub(len(name)))
    x, y, s = L["personalNum"]
    d = c.text(c.j(x, y, jx=False), reg_number(rng, birth), c.font(rng.choice(KO_REGULAR), s), ink,
               tracking=rng.choice([0, 0, 2]))
    reg_field(c, "personalNum", d)
    afont = c.font(regular, L["address1"][2])
    x, y, _ = L["address1"]
    x, y = c.j(x, y, jx=False)
    d1 = c.text((x, y), a1, afont, ink)
    d2 = c.text((x, y + (L["address2"][1] - L["address1"][1])), a2, afont, ink)
    address_field(c, d1, d2)
    x, y, s = L["issueDate_cx"]
    date = f"{issue.year}. {issue.month}. {issue.day}" + ("." if rng.random() < 0.6 else "")
    d = c.text(c.j(x, y), date, c.font(rng.choice(KO_SERIF + KO_REGULAR[:1]), s), ink, anchor_x="c")
    c.field("issueDate", date, d.box)
    x, y, s = L["authority_cx"]
    afont = c.font(rng.choice(KO_SERIF + KO_BOLD[:1]), s)
    # Letter spacing up to ~0.12 em, as on the samples (about 4 px at 38 px).
    d = c.text(c.j(x, y), authority, afont, ink, tracking=round(rng.choice([0, 0.06, 0.12]) * afont.size),
               anchor_x="c")
    c.field("authority", authority, d.box)
    c.photo(L["photo"], rng.randrange(150, 175))
    size = L["stamp_size"]
    seal = authority.replace(" ", "")[-5:] + "인"
    c.stamp((d.right - size * 0.4, d.box[1] - size * 0.4), size, seal)
    return c


def license_num(rng, first_year, region_name):
    tail = f"{first_year % 100:02d}-{rng.randrange(0, 1000000):06d}-{rng.randrange(0, 100):02d}"
    if not region_name:
        return f"{rng.randrange(11, 29)}-{tail}"
    return f"{rng.choice(LICENSE_REGION_NAMES)} {tail}"


def make_driverlicense(rng, doc_id, k):
    L = DRIVERLICENSE
    bg = tuple(rng.randrange(232, 246) for _ in range(3))
    c = Card(rng, "driverlicense", doc_id, bg)
    band = (rng.randrange(225, 240), rng.randrange(210, 228), rng.randrange(195, 215))
    c.d.rounded_rectangle((0, 0, W - 1, L["band_h"] + c.dy), radius=34, fill=band)
    c.d.rectangle((0, 40, W - 1, L["band_h"] + c.dy), fill=band)
    ink = (rng.randrange(25, 45),) * 3
    birth = rand_date(rng, dt.date(1950, 1, 1), dt.date(2005, 12, 31))
    first = rand_date(rng, max(birth.replace(year=birth.year + 18), dt.date(1985, 1, 1)), dt.date(2025, 6, 30))
    issue = rand_date(rng, first, dt.date(2025, 12, 31))
    renew_year = issue.year + 10
    name, _ = korean_name(rng, False)
    a1, a2, _, _ = address(rng)
    kind = rng.choice(LICENSE_TYPES)

    x, y, s = L["title"]
    c.text(c.j(x, y), "자동차운전면허증", c.font(rng.choice(KO_REGULAR), s), ink, role="title")
    x, y, s = L["title_en"]
    c.text(c.j(x, y), "Driver's License", c.font(rng.choice(LATIN_REGULAR), s), ink, role="title")
    x, y, s = L["type_right"]
    red = (rng.randrange(150, 190), 30, 30)
    d = c.text(c.j(x, y), kind, c.font(rng.choice(KO_BOLD), s), red, anchor_x="r")
    c.d.rectangle((d.box[0] - 12, d.box[1] - 8, d.box[2] + 12, d.box[3] + 8), outline=red, width=3)
    c.field("type", kind, d.box)
    x, y, s = L["num"]
    num = license_num(rng, first.year, region_name=k % 2 == 1)  # both formats
    nfonts = KO_BOLD if k % 2 == 1 else LATIN_BOLD[:1] + KO_BOLD  # DejaVu has no Hangul
    d = c.text(c.j(x, y), num, c.font(rng.choice(nfonts), s), (25, 30, 70))
    c.field("num", num, d.box)
    c.photo(L["photo"], rng.randrange(150, 175))
    x, y, s = L["code_cx"]
    code = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(6))
    d = c.text(c.j(x, y), code, c.font(rng.choice(MONO_BOLD), s), ink, anchor_x="c")
    c.field("code", code, d.box)
    x, y, s = L["name"]
    d = c.text(c.j(x, y, jx=False), name, c.font(rng.choice(KO_BOLD), s), ink)
    c.field("name", name, d.box)
    x, y, s = L["personalNum"]
    x, y = c.j(x, y)
    d = c.text((max(x, d.right + 40), y), reg_number(rng, birth), c.font(rng.choice(LATIN_REGULAR), s), ink)
    reg_field(c, "personalNum", d)
    afont = c.font(rng.choice(KO_BOLD + KO_REGULAR[:1]), L["address1"][2])
    x, y, _ = L["address1"]
    x, y = c.j(x, y, jx=False)
    d1 = c.text((x, y), a1, afont, ink)
    d2 = c.text((x, y + (L["address2"][1] - L["address1"][1])), a2, afont, ink)
    address_field(c, d1, d2)
    grey = (rng.randrange(80, 110),) * 3
    lfont = c.font(rng.choice(KO_REGULAR), L["renew"][2])
    vfont = c.font(rng.choice(LATIN_REGULAR), L["renew"][3])
    x, y, _, _ = L["renew"]
    x, y = c.j(x, y, jx=False)
    lab = c.text((x, y + 2), rng.choice(["적성검사기간", "갱신기간"]), lfont, grey, role="label")
    start, end = f"{renew_year}.01.01", f"{renew_year}.12.31"
    sep = rng.choice([" ~ ", "~"])
    d = c.text((lab.right + 16, y), start + sep + end, vfont, ink)
    c.field("renewStartDate", start, d.sub(0, len(start)))
    c.field("renewEndDate", end, d.sub(len(start) + len(sep)))
    x, y, _, _ = L["condition"]
    x, y = c.j(x, y, jx=False)
    cond = rng.choice(CONDITIONS) if k % 4 in (1, 2) else None  # 조건 blank on half
    if cond:  # label and value as one line, as in the samples
        lab = c.text((x, y), "조건", lfont, grey)
        c.doc["lines"].pop()
        d = c.text((lab.right + 22, y - 2), cond, vfont, ink)
        c.doc["lines"].pop()
        c.doc["lines"].append({"text": "조건 " + cond, "box": quad(union(lab.box, d.box))})
        c.field("condition", cond, d.box)
    else:
        c.text((x, y), "조건", lfont, grey)
    if k % 4 in (0, 1):  # the organ-donation mark on half (with and without 조건); its own generator,
        # so the other fields of a seed stay as they were before the mark existed
        organ_mark(c, random.Random(c.doc["id"] + "/organ"), L["organ"], y, c.doc["lines"][-1]["box"][2])
    x, y, s = L["issueDate"]
    date = issue.strftime("%Y.%m.%d.")
    d = c.text(c.j(x, y), date, c.font(rng.choice(LATIN_REGULAR), s), ink)
    c.field("issueDate", date, d.box)
    x, y, s = L["authority_right"]
    authority = rng.choice(POLICE)
    d = c.text(c.j(x, y), authority, c.font(rng.choice(KO_BOLD), s), ink, anchor_x="r")
    c.field("authority", authority, d.box)
    size = L["stamp_size"]
    c.stamp((d.right + 7, d.box[1] - 35), size, authority[-5:] + "인")
    return c


def organ_mark(c, rng, layout, row_y, left_end):
    """The 장기기증 (organ donor) mark: small text in a rounded box on the 조건 row, right of it."""
    x0, size = layout
    font = ImageFont.truetype(rng.choice(KO_BOLD), max(8, round(size * (1 + rng.uniform(-SIZE_JITTER, SIZE_JITTER)))))
    x = max(round(x0 + c.dx + rng.uniform(-0.02, 0.02) * W), left_end + 60)
    y = round(row_y + rng.uniform(-2, 3))
    colour = rng.choice([(40, 110, 60), (30, 70, 140), (170, 40, 60), (60, 60, 60)])
    d = c.text((x, y), "장기기증", font, colour)
    px, py = rng.randrange(10, 15), rng.randrange(6, 10)  # a border as far from the ink as the 종 box's
    c.d.rounded_rectangle((d.box[0] - px, d.box[1] - py, d.box[2] + px, d.box[3] + py),
                          radius=py + 4, outline=colour, width=2)
    c.field("organDonation", "장기기증", d.box)


def make_aliencard(rng, doc_id, k):
    L = ALIENCARD
    bg = (rng.randrange(228, 240), rng.randrange(238, 246), rng.randrange(234, 244))
    c = Card(rng, "aliencard", doc_id, bg)
    band = (rng.randrange(50, 90), rng.randrange(40, 70), rng.randrange(110, 150))
    bh = L["band_h"] + c.dy
    c.d.rounded_rectangle((0, 0, W - 1, bh), radius=34, fill=band)
    c.d.rectangle((0, 40, W - 1, bh), fill=band)
    ink = (rng.randrange(20, 40),) * 3
    label_ink = (rng.randrange(60, 90),) * 3
    female = rng.random() < 0.5
    birth = rand_date(rng, dt.date(1960, 1, 1), dt.date(2005, 12, 31))
    issue = rand_date(rng, max(birth.replace(year=birth.year + 18), dt.date(2005, 1, 1)), dt.date(2025, 12, 31))
    nation = list(FOREIGN_NAMES)[(rng.randrange(len(FOREIGN_NAMES)) + 3 * k) % len(FOREIGN_NAMES)]
    fams, givens = FOREIGN_NAMES[nation]
    sex = "F" if female else "M"
    name = f"{rng.choice(fams)} {rng.choice(givens[sex])}"
    visa_ko, visa = rng.choice(VISAS)

    x, y, s = L["title"]
    white = (250, 250, 252)
    d = c.text(c.j(x, y), "외국인등록증", c.font(rng.choice(KO_REGULAR), s), white, role="title")
    x, y, s = L["title_en"]
    x, y = c.j(x, y)
    c.text((max(x, d.right + 22), y), rng.choice(["RESIDENCE CARD", "ALIEN REGISTRATION CARD"]),
           c.font(rng.choice(LATIN_BOLD), s), (215, 210, 240), role="title")
    c.photo(L["photo"], rng.randrange(165, 185))
    kfont = c.font(rng.choice(KO_REGULAR), L["label_size"])
    efont = c.font(rng.choice(LATIN_REGULAR), L["label_en_size"])
    vfont = c.font(rng.choice(LATIN_BOLD), L["value_size"])
    vkfont = c.font(rng.choice(KO_BOLD), L["value_size"])  # the status line holds Hangul (기업투자(D-8))
    lx, vx = L["label_x"], L["value_x"]
    rows = [("외국인등록번호", "Reg. No.", reg_number(rng, birth, alien=True, female=female)),
            ("성명", "Name", name), ("성별", "Sex", sex), ("국가/지역", "Country/Region", nation),
            ("체류자격", "Status", f"{visa_ko}({visa})")]
    keys = ["alienRegNum", "name", "sex", "nationality", "visaType"]
    for (ko, en, val), ry, key in zip(rows, L["rows_y"], keys):
        x, y = c.j(lx, ry, jx=False)
        c.text((x, y), ko, kfont, label_ink, role="label")
        c.text((x, y + 31), en, efont, label_ink, role="label")
        d = c.text(c.j(vx, ry + 9, jx=False), val, vfont if key != "visaType" else vkfont, ink)
        if key == "alienRegNum":
            reg_field(c, key, d)
        elif key == "visaType":  # the GT field is the code with its parentheses, as in the samples
            c.field(key, val[len(visa_ko):], d.sub(len(visa_ko)))
        else:
            c.field(key, val, d.box)
    x, y = c.j(lx, L["issue_y"] + 2, jx=False)
    c.text((x, y), "발급일자", kfont, label_ink, role="label")
    date = issue.strftime("%Y.%m.%d.")
    d = c.text(c.j(vx, L["issue_y"], jx=False), date, c.font(rng.choice(LATIN_REGULAR), L["value_size"]), ink)
    c.field("issueDate", date, d.box)
    x, y, s = L["authority_right"]
    authority = rng.choice(IMMIGRATION)
    d = c.text(c.j(x, y), authority, c.font(rng.choice(KO_BOLD), s), ink, anchor_x="r")
    c.field("authority", authority, d.box)
    c.stamp((d.right + 9, d.box[1] - 35), L["stamp_size"], "출입국장")
    return c


def add_years(d, n):
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


def back_table(c, rng, cols, top, labels, ink):
    """A ruled table: the bilingual header row and BACK_ROWS empty body rows; returns the body rows'
    (top, bottom) in card y (jittered with the card)."""
    L = ALIENCARD_BACK
    x0, y0 = c.dx + cols[0], c.dy + top
    x1 = c.dx + cols[-1]
    rule = (rng.randrange(120, 160),) * 3
    ys = [y0, y0 + L["header_h"]] + [y0 + L["header_h"] + L["row_h"] * (i + 1) for i in range(BACK_ROWS)]
    for y in ys:
        c.d.line([(x0, y), (x1, y)], fill=rule, width=2)
    for x in cols:
        c.d.line([(c.dx + x, ys[0]), (c.dx + x, ys[-1])], fill=rule, width=2)
    kfont = c.font(rng.choice(KO_REGULAR), L["label_size"])
    efont = c.font(rng.choice(LATIN_REGULAR), L["label_en_size"])
    for (ko, en), a, b in zip(labels, cols, cols[1:]):
        cx = c.dx + (a + b) / 2
        c.text((cx, y0 + 6), ko, kfont, ink, role="label", anchor_x="c")
        c.text((cx, y0 + 32), en, efont, ink, role="label", anchor_x="c")
    return list(zip(ys[1:-1], ys[2:]))


def confirm_stamp(c, rng, cols, row):
    """Some offices stamp the 확인 cell: a small red seal (role stamp), or nothing."""
    if rng.random() < 0.6:
        size = 38
        x = c.dx + (cols[-2] + cols[-1]) / 2 - size / 2 + rng.uniform(-20, 20)
        c.stamp((x, row[0] + (row[1] - row[0] - size) / 2), size, "출입국")


def make_aliencard_back(rng, doc_id, k):
    """The back of an 외국인등록증: extensions of stay (허가일자 / 만료일자 / 확인) and changes of
    residence (신고일 / 체류지 / 확인), 1-3 and 0-2 rows filled in by the office's printer. Fields
    `permissionDate[i]`, `expiryDate[i]`, `reportDate[i]`, `residence[i]` (i: the filled row)."""
    L = ALIENCARD_BACK
    bg = (rng.randrange(228, 240), rng.randrange(238, 246), rng.randrange(234, 244))
    c = Card(rng, "aliencard", doc_id, bg)
    ink = (rng.randrange(60, 90),) * 3
    entry = (rng.randrange(10, 40), rng.randrange(10, 40), rng.randrange(40, 90))  # the printer's ink
    hfont = c.font(rng.choice(KO_BOLD), L["permit_heading"][2])
    hefont = c.font(rng.choice(LATIN_REGULAR), 16)
    date_font = c.font(rng.choice(LATIN_REGULAR + MONO_BOLD), L["entry_size"])
    addr_font = c.font(rng.choice(KO_REGULAR), L["entry_size"] - 1)
    spaced = rng.random() < 0.3
    fmt = (lambda d: f"{d.year}. {d.month:02d}. {d.day:02d}.") if spaced else (lambda d: d.strftime("%Y.%m.%d."))

    for key, heading, en in (("permit", "체류기간 연장 허가", "Extension of Period of Sojourn"),
                             ("report", "체류지 변경 신고", "Report on Change of Residence")):
        x, y, _ = L[key + "_heading"]
        d = c.text(c.j(x, y), heading, hfont, ink, role="title")
        c.text((d.right + 16, d.y + 6), en, hefont, ink, role="title")

    cols = L["permit_cols"]
    rows = back_table(c, rng, cols, L["permit_top"], [("허가일자", "Date of Permission"),
                                                     ("만료일자", "Date of Expiry"), ("확인", "Confirmation")], ink)
    n_permits = rng.choice([1, 1, 2, 2, 3])
    start = rand_date(rng, dt.date(2014, 1, 1), dt.date(2021, 12, 31))
    for i in range(n_permits):
        permit = start
        expiry = add_years(permit, rng.choice([1, 2, 3])) - dt.timedelta(days=1)
        top, bottom = rows[i]
        for key, day, a, b in (("permissionDate", permit, cols[0], cols[1]),
                               ("expiryDate", expiry, cols[1], cols[2])):
            s = fmt(day)
            cx = c.dx + (a + b) / 2 + rng.uniform(-12, 12)
            d = c.text((cx, top + 10 + rng.uniform(-2, 2)), s, date_font, entry, anchor_x="c")
            c.field(f"{key}[{i}]", s, d.box)
        confirm_stamp(c, rng, cols, rows[i])
        start = expiry - dt.timedelta(days=rng.randrange(5, 60))

    cols = L["report_cols"]
    rows = back_table(c, rng, cols, L["report_top"], [("신고일", "Date of Report"), ("체류지", "Address"),
                                                     ("확인", "Confirmation")], ink)
    n_reports = rng.choice([0, 1, 1, 2])
    day = rand_date(rng, dt.date(2014, 1, 1), dt.date(2023, 12, 31))
    for i in range(n_reports):
        top, bottom = rows[i]
        s = fmt(day)
        d = c.text(((c.dx + (cols[0] + cols[1]) / 2), top + 10), s, date_font, entry, anchor_x="c")
        c.field(f"reportDate[{i}]", s, d.box)
        line1, line2, _, _ = address(rng)
        addr = line1 + " " + line2.split(" (")[0]
        if addr_font.getlength(addr) > cols[2] - cols[1] - 24:
            addr = line1
        d = c.text((c.dx + cols[1] + 12 + rng.uniform(0, 8), top + 11), addr, addr_font, entry)
        c.field(f"residence[{i}]", addr, d.box)
        confirm_stamp(c, rng, cols, rows[i])
        day += dt.timedelta(days=rng.randrange(90, 900))

    x, y, s = L["notice"]
    c.text(c.j(x, y), "이 카드를 습득하신 분은 가까운 우체통에 넣어 주십시오. If found, please drop it in a mailbox.",
           c.font(rng.choice(KO_REGULAR), s), ink)
    return c


MAKERS = {"idcard": make_idcard, "driverlicense": make_driverlicense, "aliencard": make_aliencard,
          "aliencard-back": make_aliencard_back}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=4, help="documents per type")
    ap.add_argument("--seed", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for doc_type, make in MAKERS.items():
        for k in range(args.n):
            rng = random.Random(f"{args.seed}/{doc_type}/{k}")
            make(rng, f"{doc_type}-s{args.seed}-{k:04d}", k).save(args.out_dir)
    print(f"gen_idcards: wrote {len(MAKERS) * args.n} documents to {args.out_dir}")


if __name__ == "__main__":
    main()
