#!/usr/bin/env python3
"""Seeded generator of NEW synthetic Korean business registration certificates and credit card fronts.

Purpose: measure Jikji's Document OCR (`jikji eval --document`) on 사업자등록증 and 신용카드 images that no
extraction rule was tuned on: other names, numbers, addresses, dates, fonts, label spellings and layouts than
the three development seeds of `../shared/testdata/synthetic-docs`.

Writes, for each type and k in 0..n-1, the flat image `TYPE-sSEED-000K.jpg` (JPEG q92) and its ground truth
`TYPE-sSEED-000K.json` in the synthetic-docs format (see that directory's README.md): fields with the exact
printed text and 8-int boxes tight around the ink (+1 px, measured on a rendered mask), `lineBoxes` for fields
on several lines, and every drawn text line in `lines` (roles `title`, `label`, `stamp`).

* `bizlicense` (A4 at 150 dpi, 1240x1754): 법인사업자 (even k) and 일반과세자 (odd k) certificates; labels
  letter-spaced, justified with spaces or plain (`상 호` / `상          호` / `상호`, `사업장 소재지` /
  `사업장소재지`); the colon in the value, after the label or absent; 1-3 업태 and 1-4 종목 on one comma-
  separated line or one per line; dates `2015 년 03 월 12 일`, `2015년 03월 12일` or `2015년 3월 12일`;
  a red seal (role `stamp`) beside or over the tax office; Nanum Myeongjo/Gothic, UnBatang, UnDotum or
  Baekmuk fonts; sizes +-10 %, positions jittered a few %. Business numbers carry a valid check digit,
  법인등록번호 a valid check digit too.
* `creditcard` (1012x638, ID-1 at 300 dpi): embossed (light relief text with shadow) or flat-printed,
  solid or gradient backgrounds, 4-4-4-4 numbers with real IIN ranges (Visa, Mastercard, JCB, UnionPay) and a
  valid Luhn digit, `MM/YY` validity with a `VALID THRU` label stacked, inline or absent, Latin upper-case
  names, positions varied.

Usage:
    python3 scripts/gen-bizdocs/gen_bizlicense_creditcard.py OUT_DIR [--n 3] [--seed 101] [--types bizlicense,creditcard]
    python3 scripts/photo-sim/photosim.py --src OUT_DIR --out OUT_DIR --variants 1 --seed 101
    target/release/jikji eval --document --gt OUT_DIR --quiet

Needs Python 3 + Pillow (+ numpy for the gradients) and the Debian Nanum, UnFonts, Baekmuk and DejaVu fonts;
nothing is downloaded. Never run in CI. NOTHING GENERATED MAY BE COMMITTED: the images hold personal-data
look-alikes (valid-looking business, corporate and card numbers, names, addresses). Everything is made up.
"""
import datetime as dt
import math
import os
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docgen"))
import docgen  # noqa: E402
from docgen import (BAEKMUK, DEJAVU, NANUM, UNFONTS as UNF, biz_check_digit, has_glyph, pad,  # noqa: E402
                    rand_date, union)

# Font families for the certificate: (regular, bold). A document picks one body family and one title family.
CERT_FAMILIES = [
    (NANUM + "NanumMyeongjo.ttf", NANUM + "NanumMyeongjoBold.ttf"),
    (NANUM + "NanumGothic.ttf", NANUM + "NanumGothicBold.ttf"),
    (UNF + "UnBatang.ttf", UNF + "UnBatangBold.ttf"),
    (UNF + "UnDotum.ttf", UNF + "UnDotumBold.ttf"),
    (BAEKMUK + "batang.ttf", BAEKMUK + "batang.ttf"),
    (BAEKMUK + "dotum.ttf", BAEKMUK + "dotum.ttf"),
    (NANUM + "NanumBarunGothic.ttf", NANUM + "NanumBarunGothicBold.ttf"),
]
CARD_KO = [NANUM + f for f in ("NanumSquareB.ttf", "NanumGothicBold.ttf", "NanumBarunGothicBold.ttf",
                               "NanumSquareRoundB.ttf")] + [UNF + "UnDotumBold.ttf"]
EMBOSS_FONTS = [DEJAVU + "DejaVuSansMono-Bold.ttf", NANUM + "NanumGothicCodingBold.ttf",
                DEJAVU + "DejaVuSans-Bold.ttf"]
PRINT_FONTS = [DEJAVU + "DejaVuSans.ttf", DEJAVU + "DejaVuSansMono.ttf", NANUM + "NanumSquareR.ttf",
               NANUM + "NanumBarunGothic.ttf", NANUM + "NanumGothic.ttf", DEJAVU + "DejaVuSans-Bold.ttf"]
LATIN_BOLD = [DEJAVU + "DejaVuSans-Bold.ttf", NANUM + "NanumSquareB.ttf", NANUM + "NanumBarunGothicBold.ttf"]
LATIN_BOLD_OBLIQUE = DEJAVU + "DejaVuSans-BoldOblique.ttf"
SEAL_FONTS = [NANUM + "NanumMyeongjo.ttf", UNF + "UnBatang.ttf", NANUM + "NanumMyeongjoBold.ttf"]

# ---------------------------------------------------------------------------------------------------
# Made-up content pools (real province / district names and tax office names, made-up roads and names).
SURNAMES = "김김김이이이박박최정강조윤장임한오서신권황안송류홍전고문양손배백허남심노하곽성차주우구민유나진"
GIVEN = "민준서연지우현도하윤수영성진예은주원재희승태경아솔철형열선혜정호동규석훈빈채나리미소다인유상찬"
ROMAN_SUR = {"김": "KIM", "이": "LEE", "박": "PARK", "최": "CHOI", "정": "JUNG", "강": "KANG", "조": "CHO",
             "윤": "YOON", "장": "JANG", "임": "LIM", "한": "HAN", "오": "OH", "서": "SEO", "신": "SHIN",
             "권": "KWON", "황": "HWANG", "안": "AHN", "송": "SONG", "류": "RYU", "홍": "HONG", "전": "JEON",
             "고": "KO", "문": "MOON", "양": "YANG", "손": "SON", "배": "BAE", "백": "BAEK", "허": "HEO",
             "남": "NAM", "심": "SHIM", "노": "NOH", "하": "HA", "곽": "KWAK", "성": "SUNG", "차": "CHA",
             "주": "JOO", "우": "WOO", "구": "KOO", "민": "MIN", "유": "YOO", "나": "NA", "진": "JIN"}
ROMAN_GIVEN = {"민": "MIN", "준": "JUN", "서": "SEO", "연": "YEON", "지": "JI", "우": "WOO", "현": "HYUN",
               "도": "DO", "하": "HA", "윤": "YUN", "수": "SU", "영": "YOUNG", "성": "SEONG", "진": "JIN",
               "예": "YE", "은": "EUN", "주": "JU", "원": "WON", "재": "JAE", "희": "HEE", "승": "SEUNG",
               "태": "TAE", "경": "KYUNG", "아": "A", "솔": "SOL", "철": "CHEOL", "형": "HYEONG",
               "열": "YEOL", "선": "SUN", "혜": "HYE", "정": "JEONG", "호": "HO", "동": "DONG", "규": "GYU",
               "석": "SEOK", "훈": "HOON", "빈": "BIN", "채": "CHAE", "나": "NA", "리": "RI", "미": "MI",
               "소": "SO", "다": "DA", "인": "IN", "유": "YU", "상": "SANG", "찬": "CHAN"}

REGIONS = {
    "서울특별시": ["강남구", "서초구", "송파구", "마포구", "영등포구", "성동구", "금천구", "구로구", "중구", "종로구"],
    "부산광역시": ["해운대구", "수영구", "부산진구", "연제구", "사상구"],
    "대구광역시": ["수성구", "달서구", "동구"],
    "인천광역시": ["연수구", "남동구", "미추홀구", "서구"],
    "광주광역시": ["서구", "북구", "광산구"],
    "대전광역시": ["유성구", "서구", "대덕구"],
    "울산광역시": ["남구", "울주군"],
    "세종특별자치시": [""],
    "경기도": ["성남시 분당구", "수원시 영통구", "고양시 일산동구", "용인시 기흥구", "안양시 동안구", "화성시",
            "부천시", "김포시"],
    "강원특별자치도": ["춘천시", "원주시"],
    "충청북도": ["청주시 흥덕구", "충주시"],
    "충청남도": ["천안시 서북구", "아산시"],
    "전북특별자치도": ["전주시 덕진구", "익산시"],
    "전라남도": ["순천시", "여수시", "나주시"],
    "경상북도": ["포항시 남구", "구미시"],
    "경상남도": ["창원시 의창구", "김해시", "양산시"],
    "제주특별자치도": ["제주시", "서귀포시"],
}
ROAD_STEMS = ["한누리", "새빛", "푸른들", "다솜", "햇살", "미리내", "온누리", "바람개비", "은하수", "꽃마을",
              "산들", "나래", "하늬", "가온", "별마루", "도담", "해오름", "샘터", "구름다리", "물빛"]
DONGS = ["역삼동", "삼성동", "서초동", "문정동", "상암동", "여의도동", "성수동", "가산동", "구로동", "우동",
         "좌동", "범어동", "송도동", "논현동", "치평동", "봉명동", "삼산동", "정자동", "삼평동", "영통동",
         "장항동", "비산동", "노형동"]
BUILDINGS = ["타워", "빌딩", "비즈센터", "프라자", "오피스텔", "지식산업센터", "스퀘어", "테크노밸리", "벤처타운"]
BUILDING_STEMS = ["한빛", "대성", "동일", "에이스", "미래", "청솔", "우림", "SK V1", "현대", "금강", "신화", "태평"]

CORP_STEMS = ["한결", "누리", "다온", "세움", "새봄", "라온", "가람", "미르", "해담", "온빛", "한솔", "아름",
              "대한", "코리아", "글로벌", "동방", "하나로", "제일", "우성", "태광", "신성", "정우", "그린", "스마트"]
CORP_TAILS = ["테크", "시스템", "솔루션", "엔지니어링", "산업", "건설", "물산", "네트웍스", "바이오", "푸드",
              "소프트", "디자인", "에너지", "로지스", "메디칼", "파트너스", "랩스", "컴퍼니", "정밀", "전자"]
SHOP_TAILS = ["상사", "식당", "디자인", "스튜디오", "공방", "마트", "카페", "인테리어", "컴퓨터", "세탁소",
              "부동산", "정비", "문구", "베이커리", "학원", "기획", "유통", "수산", "약국", "떡집"]
EMAIL_STEMS = ["info", "office", "tax", "admin", "account", "biz", "contact"]
EMAIL_DOMAINS = ["naver.com", "daum.net", "gmail.com", "hanmail.net", "nate.com"]

# (업태, [종목, ...]): real 업태 names and typical 종목.
BIZ_KINDS = [
    ("제조업", ["전자부품", "금속가공", "플라스틱 제품", "식품 제조", "의류 제조", "기계부품"]),
    ("도매 및 소매업", ["전자상거래업", "컴퓨터 및 주변기기", "의류 소매", "식료품 도매", "화장품 소매"]),
    ("도소매", ["전자상거래", "잡화", "건축자재", "사무용품"]),
    ("서비스", ["광고 대행업", "경영 컨설팅", "인력 공급", "행사 대행", "전시 기획"]),
    ("정보통신업", ["응용 소프트웨어 개발 및 공급업", "소프트웨어 개발", "포털 및 인터넷 정보매개 서비스업",
               "시스템 통합 자문"]),
    ("건설업", ["실내건축공사업", "전기공사업", "토목공사", "조경공사"]),
    ("음식점업", ["한식", "커피전문점", "분식", "제과점", "일식"]),
    ("부동산업", ["비주거용 건물 임대업", "부동산 중개", "주거용 건물 임대업"]),
    ("교육 서비스업", ["외국어학원", "입시학원", "컴퓨터학원", "온라인 교육"]),
    ("운수업", ["화물운송", "택배", "용달화물"]),
    ("전문, 과학 및 기술 서비스업", ["광고 대행업", "엔지니어링 서비스", "시각 디자인업", "연구개발"]),
    ("숙박 및 음식점업", ["한식 음식점업", "기타 주점업", "펜션"]),
]

# Tax offices with their office code (the first three digits of the business numbers they issue).
TAX_OFFICES = [("종로", 101), ("남대문", 104), ("용산", 106), ("영등포", 107), ("동작", 108), ("마포", 105),
               ("강남", 211), ("역삼", 220), ("서초", 114), ("삼성", 120), ("송파", 215), ("잠실", 230),
               ("관악", 119), ("금천", 119), ("구로", 113), ("성동", 206), ("반포", 114), ("수원", 124),
               ("동수원", 135), ("성남", 129), ("분당", 144), ("용인", 142), ("고양", 128), ("부천", 130),
               ("인천", 121), ("남인천", 131), ("부산진", 605), ("해운대", 617), ("수영", 617), ("동래", 607),
               ("대구", 503), ("수성", 515), ("광주", 409), ("서광주", 410), ("대전", 305), ("북대전", 314),
               ("울산", 610), ("청주", 301), ("천안", 312), ("전주", 402), ("창원", 609), ("김해", 615),
               ("포항", 506), ("제주", 616), ("춘천", 221), ("원주", 224), ("세종", 320)]
# 법인등록번호: registry office code (4 digits) + kind (11 주식회사, 13 합자, 14 유한, 71 사단법인 ...).
CORP_REG_OFFICES = ["1101", "1101", "1301", "1311", "1344", "1358", "1201", "1801", "1701", "1601",
                    "2001", "1501", "1611", "2201", "1946", "2841"]
CORP_KINDS = [("주식회사 {}", "11"), ("(주){}", "11"), ("{} 주식회사", "11"), ("{}(주)", "11"),
              ("주식회사 {}", "11"), ("유한회사 {}", "14")]
ISSUE_REASONS = ["신규", "정정", "재발급", "신규", "신규"]

# Credit cards: issuer, brand weights, product names.
ISSUERS = ["신한카드", "KB국민카드", "삼성카드", "현대카드", "롯데카드", "하나카드", "우리카드", "NH농협카드",
           "BC카드", "IBK기업은행", "씨티카드", "카카오뱅크"]
PRODUCTS = ["Deep Dream", "Mr.Life", "GOLD", "PLATINUM", "the Green", "Check", "LIKIT", "Signature", "Classic",
            "taptap O", "LOCA", "ZERO Edition2", "Diamond", "My WAY", "World Elite", "the Pink"]
BRANDS = {  # brand: IIN prefixes (16-digit numbers only)
    "VISA": ["4"],
    "mastercard": ["51", "52", "53", "54", "55", "2221", "2720", "2500"],
    "JCB": ["3528", "3540", "3566", "3589"],
    "UnionPay": ["62", "6210", "6250"],
}


# ---------------------------------------------------------------------------------------------------
# Numbers, dates, names, addresses.

def biz_number(rng, office_code, corporate):
    """###-##-##### with the NTS check digit (weights 1,3,7,1,3,7,1,3,5 + (d9*5)//10)."""
    mid = rng.choice([81, 86, 87, 88, 81, 81]) if corporate else rng.randrange(1, 80)
    d = f"{office_code:03d}{mid:02d}{rng.randrange(0, 10000):04d}"
    d += str(biz_check_digit(d))
    return f"{d[:3]}-{d[3:5]}-{d[5:]}"


def corp_reg_number(rng, kind):
    """######-####### 법인등록번호: office(4) kind(2) serial(6) check (weights 1,2,1,2..., mod 10)."""
    d = rng.choice(CORP_REG_OFFICES) + kind + f"{rng.randrange(0, 1000000):06d}"
    s = sum(int(c) * (1 if i % 2 == 0 else 2) for i, c in enumerate(d))
    d += str((10 - s % 10) % 10)
    return f"{d[:6]}-{d[6:]}"


def luhn_complete(prefix, length=16, rng=None):
    d = prefix + "".join(str(rng.randrange(10)) for _ in range(length - 1 - len(prefix)))
    total = 0
    for i, c in enumerate(reversed(d)):  # the check digit will sit right of d: double every other from it
        v = int(c)
        if i % 2 == 0:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return d + str((10 - total % 10) % 10)


def luhn_ok(num):
    digits = [int(c) for c in num if c.isdigit()]
    total = 0
    for i, v in enumerate(reversed(digits)):
        if i % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        total += v
    return total % 10 == 0


def fmt_date(d, style):
    if style == "spaced":
        return f"{d.year} 년 {d.month:02d} 월 {d.day:02d} 일"
    if style == "compact":
        return f"{d.year}년 {d.month:02d}월 {d.day:02d}일"
    return f"{d.year}년 {d.month}월 {d.day}일"


def korean_name(rng):
    sur = rng.choice(SURNAMES)
    giv = rng.sample(GIVEN, 2)
    return sur + "".join(giv), sur, giv


def address(rng, prov=None):
    """One-line business address: 시/도 구 road number, floor (dong, building)."""
    prov = prov or rng.choice(list(REGIONS))
    dist = rng.choice(REGIONS[prov])
    stem = rng.choice(ROAD_STEMS)
    r = rng.random()
    road = (stem + "로") if r < 0.45 else (stem + "길") if r < 0.7 else f"{stem}로{rng.randrange(2, 80)}번길"
    num = str(rng.randrange(1, 400)) + (f"-{rng.randrange(1, 40)}" if rng.random() < 0.3 else "")
    head = " ".join(p for p in (prov, dist, road, num) if p)
    r = rng.random()
    if r < 0.45:
        tail = f", {rng.randrange(1, 25)}층 ({rng.choice(DONGS)}, {rng.choice(BUILDING_STEMS)}{rng.choice(BUILDINGS)})"
    elif r < 0.7:
        tail = f", {rng.randrange(1, 12)}층 {rng.randrange(1, 20):d}{rng.randrange(1, 30):02d}호 ({rng.choice(DONGS)})"
    elif r < 0.85:
        tail = f", {rng.randrange(1, 4)}층 ({rng.choice(DONGS)})"
    else:
        tail = f" ({rng.choice(DONGS)})"
    return head + tail


def wrap(text, font, max_w, tracking=0):
    """Greedy word wrap on spaces (keeps the exact spaces between words of a line)."""
    words = text.split(" ")
    lines, cur = [], ""
    for w in words:
        cand = w if not cur else cur + " " + w
        if cur and font.getlength(cand) + tracking * len(cand) > max_w:
            lines.append(cur)
            cur = w
        else:
            cur = cand
    lines.append(cur)
    return lines


# ---------------------------------------------------------------------------------------------------
# Drawing with ground truth (after scripts/gen-idcards/gen_idcards.py).

def ink_bbox(xy, s, font):
    """The bounding box of the ink of s drawn at xy (Pillow's textbbox includes the side bearings, a few px
    on some fonts): rendered on a small mask at the same sub-pixel position, coverage > 12 %."""
    x, y = xy
    bb = font.getbbox(s)
    m = font.size // 2 + 4
    ox, oy = math.floor(x + bb[0]) - m, math.floor(y + bb[1]) - m
    w, h = math.ceil(bb[2] - bb[0]) + 2 * m, math.ceil(bb[3] - bb[1]) + 2 * m
    im = Image.new("L", (w, h))
    ImageDraw.Draw(im).text((x - ox, y - oy), s, font=font, fill=255)
    b = im.point(lambda v: 255 if v > 32 else 0).getbbox()
    if b is None:
        return (x, y, x, y)
    return (b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy)


class Doc(docgen.Doc):
    """An image plus its ground truth."""

    def font(self, path, size, jitter=True):
        return ImageFont.truetype(path, self.font_size(size, jitter))

    def text(self, xy, s, font, fill, role=None, tracking=0, anchor_x="l", record=True, emboss=None):
        """Draws one text line at xy (top of the font's ascent line, Pillow's 'la'); records it in `lines`.

        anchor_x: 'l', 'c' or 'r'. emboss: (shadow, highlight) colours for a relief effect (the shadow is
        ink too: the box covers it)."""
        missing = [ch for ch in s if not ch.isspace() and not has_glyph(font, ch)]
        if missing:
            raise ValueError(f"font {font.path} has no glyph for {missing} in {s!r}")
        x, y = docgen.anchored(xy, s, font, tracking, anchor_x)
        layers = [((0, 0), fill)]
        if emboss:
            shadow, light = emboss
            layers = [((2, 3), shadow), ((-1, -1), light), ((0, 0), fill)]
        boxes = []
        for (ox, oy), colour in layers:
            cx = x + ox
            for ch in (s if tracking else [s]):
                self.d.text((cx, y + oy), ch, font=font, fill=colour)
                if ch.strip():
                    boxes.append(ink_bbox((cx, y + oy), ch, font))
                if tracking:
                    cx += font.getlength(ch) + tracking
        box = pad(union(*boxes))
        if record:
            self.line(s, box, role)
        return Drawn(self, x, y, s, font, tracking, box, bool(emboss))

    def seal(self, x0, y0, size, chars, rows=3):
        """A square red seal, characters in columns right to left (the GT text keeps reading order)."""
        x0, y0 = round(x0), round(y0)
        red = (self.rng.randrange(190, 215), self.rng.randrange(30, 60), self.rng.randrange(30, 60))
        seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        sd = ImageDraw.Draw(seal)
        bw = max(4, size // 18)
        sd.rectangle((1, 1, size - 2, size - 2), outline=red + (235,), width=bw)
        ncol = max(1, math.ceil(len(chars) / rows))
        inner = size - 2 * (bw + 6)
        cw, chh = inner / ncol, inner / rows
        f = ImageFont.truetype(self.rng.choice(SEAL_FONTS), int(min(cw, chh) * 0.85))
        for i, c in enumerate(chars):
            col, row = i // rows, i % rows
            cx = size - bw - 6 - cw * (col + 0.5)
            cy = bw + 6 + chh * (row + 0.5)
            sd.text((cx, cy), c, font=f, fill=red + (215,), anchor="mm")
        alpha = seal.getchannel("A")
        grain = Image.frombytes("L", (size, size), bytes(0 if self.rng.random() < 0.2 else 255
                                                         for _ in range(size * size)))
        seal.putalpha(Image.composite(alpha, Image.new("L", (size, size), 0), grain))
        seal = seal.rotate(self.rng.uniform(-4, 4), resample=Image.BICUBIC, expand=False)
        self.img.paste(seal, (x0, y0), seal)
        self.line(chars, (x0, y0, x0 + size, y0 + size), "stamp")


class Drawn:
    """A drawn line; `.sub(i, j)` is the padded box of characters [i, j) of it."""

    def __init__(self, doc, x, y, s, font, tracking, box, emboss):
        self.doc, self.x, self.y, self.s, self.font, self.tracking, self.box = doc, x, y, s, font, tracking, box
        self.emboss = emboss

    def sub(self, i, j=None):
        j = len(self.s) if j is None else j
        boxes = []
        offsets = [(2, 3), (-1, -1), (0, 0)] if self.emboss else [(0, 0)]
        for ox, oy in offsets:
            if not self.tracking:
                x = self.x + self.font.getlength(self.s[:i])
                boxes.append(ink_bbox((x + ox, self.y + oy), self.s[i:j], self.font))
            else:
                cx = self.x
                for k, ch in enumerate(self.s):
                    if i <= k < j and ch.strip():
                        boxes.append(ink_bbox((cx + ox, self.y + oy), ch, self.font))
                    cx += self.font.getlength(ch) + self.tracking
        b = pad(union(*boxes))
        return (max(b[0], self.box[0]), max(b[1], self.box[1]), min(b[2], self.box[2]), min(b[3], self.box[3]))

    @property
    def right(self):
        return self.box[2]


# ---------------------------------------------------------------------------------------------------
# 사업자등록증

BW, BH = 1240, 1754


def paper(doc, rng):
    """Off-white paper with faint wavy security lines and a double frame (graphics only)."""
    base = rng.randrange(247, 254)
    arr = np.full((BH, BW, 3), base, np.int16)
    arr[..., 2] -= rng.randrange(0, 5)
    arr += np.random.default_rng(rng.randrange(1 << 30)).integers(-2, 3, (BH, BW, 1), dtype=np.int16)
    doc.img.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)))
    doc.d = ImageDraw.Draw(doc.img)
    c = (base - 8,) * 3
    for _ in range(rng.randrange(6, 14)):
        y0, amp, per, ph = rng.uniform(0, BH), rng.uniform(6, 20), rng.uniform(250, 600), rng.uniform(0, 6)
        doc.d.line([(x, y0 + amp * math.sin(ph + 2 * math.pi * x / per)) for x in range(0, BW, 8)], fill=c)
    m = rng.randrange(60, 80)
    style = rng.random()
    ink = (rng.randrange(20, 50),) * 3
    if style < 0.5:
        doc.d.rectangle((m, m, BW - m, BH - m), outline=ink, width=4)
        doc.d.rectangle((m + 9, m + 9, BW - m - 9, BH - m - 9), outline=(120, 120, 120), width=1)
    elif style < 0.8:
        doc.d.rectangle((m, m, BW - m, BH - m), outline=ink, width=2)
    # else: no frame
    return m


def spaced_label(label, style, font, target_w):
    """A row label in the document's style: 'plain' as written, 'single' one space between the letters of
    short labels, 'justify' letters spread with runs of spaces to about target_w (as the samples do)."""
    if style == "plain" or "(" in label or " " in label or len(label) > 6:
        return label
    chars = list(label)
    if style == "single" or len(chars) < 2:
        return " ".join(chars)
    best = " ".join(chars)
    for n in range(1, 16):
        s = (" " * n).join(chars)
        if font.getlength(s) > target_w + 4:
            break
        best = s
    return best


def make_bizlicense(rng, doc_id, k):
    corporate = k % 2 == 0
    doc = Doc(rng, "bizlicense", doc_id, BW, BH)
    margin = paper(doc, rng)
    reg, bold = rng.choice(CERT_FAMILIES)
    title_path = rng.choice([bold, rng.choice(CERT_FAMILIES)[1]])
    scale = rng.uniform(0.92, 1.08)
    ink = (rng.randrange(10, 45),) * 3
    dx = rng.uniform(-0.02, 0.02) * BW
    dy = rng.uniform(-0.015, 0.015) * BH

    def fsize(s):
        return doc.font(reg, s * scale, jitter=False)

    office, code = rng.choice(TAX_OFFICES)
    tax_office = office + "세무서장"
    regnum = biz_number(rng, code, corporate)
    rep, _, _ = korean_name(rng)
    today = dt.date(2025, 12, 31)
    open_d = rand_date(rng, dt.date(1995, 1, 1), dt.date(2025, 6, 30))
    issue_d = rand_date(rng, max(open_d, dt.date(2012, 1, 1)), today)  # the current form; reissued since
    date_styles = ["spaced", "compact", "compact", "loose"]

    # Header: 발급번호, title, tax type, 등록번호.
    if rng.random() < 0.8:
        s = f"발급번호 : {rng.randrange(100, 999)}-{issue_d.year}-{rng.randrange(1, 4)}-{rng.randrange(10**7, 10**8)}"
        if rng.random() < 0.4:
            s = s.replace(" : ", ": ")
        doc.text((margin + rng.uniform(25, 45), margin + rng.uniform(22, 40)), s, fsize(20), ink)
    cx = BW / 2 + dx
    y = 190 * scale + dy + rng.uniform(-10, 10)
    tfont = doc.font(title_path, 64 * scale)
    if rng.random() < 0.6:
        doc.text((cx, y), "사 업 자 등 록 증", tfont, ink, role="title", anchor_x="c")
    else:
        doc.text((cx, y), "사업자등록증", tfont, ink, role="title", anchor_x="c", tracking=round(tfont.size * 0.1))
    y += tfont.size * 1.55
    tax_type = "(법인사업자)" if corporate else "(일반과세자)"
    d = doc.text((cx, y), tax_type, doc.font(reg, 34 * scale), ink, anchor_x="c")
    doc.field("taxType", tax_type, d.box)
    y += 34 * scale * 2.5
    nfont = doc.font(rng.choice([bold, reg]), 38 * scale)
    sep = rng.choice([" : ", ": ", " : "])
    s = "등록번호" + sep + regnum
    d = doc.text((cx, y), s, nfont, ink, anchor_x="c")
    doc.field("registerNumber", regnum, d.sub(len(s) - len(regnum)))
    y += nfont.size * 2.9

    # Body content and style, decided before drawing so that the layout can be fitted to the page.
    lfont = doc.font(reg, 30 * scale)
    vfont = doc.font(reg, 30 * scale)
    sub_font = doc.font(reg, 28 * scale)
    fine = doc.font(reg, 27 * scale)
    label_style = rng.choice(["justify", "justify", "single", "plain"])
    colon = rng.choice(["value", "value", "label", "none"])
    label_colon = rng.choice([" :", ":"])
    lx = round(margin + rng.uniform(55, 95) + dx)
    vx = round(lx + rng.uniform(300, 340) * scale)
    right = BW - margin - 40
    step = rng.uniform(62, 70) * scale
    line_h = vfont.size * rng.uniform(1.35, 1.5)
    sojae = rng.choice(["사업장 소재지", "사업장소재지"])
    bonjeom = rng.choice(["본 점 소 재 지", "본점 소재지", "본점소재지"]) if label_style != "plain" else \
        rng.choice(["본점 소재지", "본점소재지"])
    if corporate:
        stem = rng.choice(CORP_STEMS) + rng.choice(CORP_TAILS)
        pattern, kind = rng.choice(CORP_KINDS)
        name = pattern.format(stem)
        bis_addr = address(rng)
        head_addr = bis_addr if rng.random() < 0.5 else address(rng)
        rows = [("법인명(단체명)", "corpName", name), ("대표자", "repName", rep),
                ("개업연월일", "openDate", fmt_date(open_d, rng.choice(date_styles))),
                ("법인등록번호", "corpRegisterNum", corp_reg_number(rng, kind)),
                (sojae, "bisAddress", bis_addr), (bonjeom, "headAddress", head_addr)]
    else:
        name = rng.choice(CORP_STEMS + [rep[1:], rep[:1] + rep[2:]]) + rng.choice(SHOP_TAILS)
        latest = open_d.replace(year=open_d.year - 19, day=min(open_d.day, 28))
        birth = rand_date(rng, dt.date(1950, 1, 1), max(latest, dt.date(1951, 1, 1)))
        rows = [("상호", "companyName", name), ("성명", "repName", rep),
                ("생년월일", "birth", fmt_date(birth, rng.choice(date_styles))),
                ("개업연월일", "openDate", fmt_date(open_d, rng.choice(date_styles))),
                (sojae, "bisAddress", address(rng))]
        if rng.random() < 0.5:  # 개업연월일 above 생년월일 on some forms
            rows[2], rows[3] = rows[3], rows[2]
    rows = [(lab, key, val, wrap(val, vfont, right - vx) if key.endswith("Address") else [val])
            for lab, key, val in rows]
    kinds = rng.sample(BIZ_KINDS, rng.choice([1, 1, 1, 2, 2, 3]))
    types = [t for t, _ in kinds]
    items = []
    for _, its in kinds:
        items += rng.sample(its, rng.choice([1, 1, 2]))
    items = items[:4]
    vx2 = vx + round(sub_font.getlength("업태") + rng.uniform(18, 30))
    # 업태/종목 layout: 'one_line' (each comma-separated on one line), 'stacked' (one value per line, 종목
    # under 업태) or 'pairs' (업태 values left, 종목 label and values right, row by row).
    kind_layout = rng.choice(["one_line", "stacked", "pairs"])
    col2 = vx2 + max(vfont.getlength(t) for t in types) + rng.uniform(40, 70)
    vx3 = col2 + sub_font.getlength("종목") + rng.uniform(18, 30)
    if kind_layout == "one_line" and not all(vfont.getlength(", ".join(v)) < right - vx2 for v in (types, items)):
        kind_layout = "stacked"
    if kind_layout == "pairs" and max(vfont.getlength(t) for t in items) > right - vx3:
        kind_layout = "stacked"
    kind_lines = {"one_line": 2, "stacked": len(types) + len(items), "pairs": max(len(types), len(items))}[kind_layout]
    kind_gaps = 1 if kind_layout == "pairs" else 2
    optional = [rng.random() < 0.7, rng.random() < 0.8, rng.random() < 0.7]  # 공동사업자, 단위과세, e-mail
    mail = f"{rng.choice(EMAIL_STEMS)}{rng.randrange(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    reason = rng.choice(ISSUE_REASONS)
    gap_date = rng.uniform(60, 140)
    date_gap = 34 * scale * rng.uniform(2.6, 3.3)
    # Fit: the body, the date and the tax office must end above the footer.
    bottom_block = gap_date + date_gap + 52 * scale * 1.4 + 60 * scale
    limit = BH - margin - 120 - bottom_block

    def body_height(step, line_h, optional):
        h = sum(step + (len(lines) - 1) * line_h for _, _, _, lines in rows)
        h += kind_lines * line_h + kind_gaps * 0.3 * (step - line_h) + (step - line_h)
        return h + step * (1 + sum(optional))

    for _ in range(12):
        if y + body_height(step, line_h, optional) <= limit:
            break
        if step > line_h * 1.25:
            step *= 0.95
        elif line_h > vfont.size * 1.2:
            line_h *= 0.96
        elif any(optional):
            optional[optional.index(True)] = False
    target_w = lfont.getlength("개 업 연 월 일")  # the widest short label, letter-spaced
    colon_w = round(vfont.getlength(": "))

    def label(lab, yy):
        s = spaced_label(lab, label_style, lfont, target_w)
        if colon == "label":
            s += label_colon
        doc.text((lx, yy), s, lfont, ink, role="label")

    def value_lines(key, lines, yy):
        boxes = []
        for i, ln in enumerate(lines):
            prefix = ": " if colon == "value" and i == 0 else ""
            d = doc.text((vx - (colon_w if prefix else 0), yy + i * line_h), prefix + ln, vfont, ink)
            boxes.append(d.sub(len(prefix)))
        doc.field(key, " ".join(lines), union(*boxes), boxes)

    for lab, key, val, lines in rows:
        label(lab, y)
        value_lines(key, lines, y)
        y += step + (len(lines) - 1) * line_h

    # 사업의 종류: 업태 / 종목, several values comma-separated on one line or one per line.
    label("사업의종류" if label_style != "plain" else rng.choice(["사업의 종류", "사업의종류"]), y)
    if kind_layout == "pairs":
        col2, vx3 = round(col2), round(vx3)
        if colon == "value":
            doc.text((vx - colon_w, y + 3), ": 업태", sub_font, ink, role="label")
        else:
            doc.text((vx, y + 3), "업태", sub_font, ink, role="label")
        doc.text((col2, y + 3), "종목", sub_font, ink, role="label")
        for key, vals, x in (("bisType", types, vx2), ("bisItem", items, vx3)):
            boxes = [doc.text((x, y + i * line_h), v, vfont, ink).box for i, v in enumerate(vals)]
            doc.field(key, ", ".join(vals), union(*boxes), boxes)
        y += kind_lines * line_h + (step - line_h) * 0.3
    for sub, key, vals in (("업태", "bisType", types), ("종목", "bisItem", items)):
        if kind_layout == "pairs":
            break
        if colon == "value" and sub == "업태":
            doc.text((vx - colon_w, y + 3), ": " + sub, sub_font, ink, role="label")
        else:
            doc.text((vx, y + 3), sub, sub_font, ink, role="label")
        groups = [", ".join(vals)] if kind_layout == "one_line" else vals
        boxes = []
        for i, g in enumerate(groups):
            boxes.append(doc.text((vx2, y + i * line_h), g, vfont, ink).box)
        doc.field(key, ", ".join(vals), union(*boxes), boxes)
        y += len(groups) * line_h + (step - line_h) * 0.3
    y += step - line_h

    # Remaining rows (not fields).
    label("발급사유", y)
    if colon == "value":
        doc.text((vx - colon_w, y), ": " + reason, vfont, ink)
    else:
        doc.text((vx, y), reason, vfont, ink)
    y += step
    if optional[0]:
        label("공동사업자", y)
        if colon == "value":
            doc.text((vx - colon_w, y), ":", vfont, ink)
        y += step
    if optional[1]:
        doc.text((lx, y), "사업자 단위 과세 적용사업자 여부 :  여(  )  부( V )", fine, ink)
        y += step
    if optional[2]:
        doc.text((lx, y), "전자세금계산서 전용 전자우편주소 : " + mail, fine, ink)
        y += step

    # Issue date, tax office and its seal.
    y = min(max(y + gap_date, BH * 0.74 + dy), max(y + 30, limit + gap_date))
    cx = BW / 2 + dx + rng.uniform(-20, 20)
    date_s = fmt_date(issue_d, rng.choice(date_styles))
    d = doc.text((cx, y), date_s, doc.font(reg, 34 * scale), ink, anchor_x="c")
    doc.field("issuanceDate", date_s, d.box)
    y += date_gap
    ofont = doc.font(rng.choice([bold, title_path]), 52 * scale)
    d = doc.text((cx, y), tax_office, ofont, ink, anchor_x="c", tracking=round(ofont.size * rng.choice([0, 0.1, 0.2])))
    doc.field("taxOffice", tax_office, d.box)
    size = round(rng.uniform(105, 130) * scale)
    th = d.box[3] - d.box[1]
    if rng.random() < 0.5:  # beside
        sx = d.box[2] + rng.uniform(0, 10)
    else:  # over the last characters, like a seal stamped on the name
        sx = d.box[2] - size * rng.uniform(0.45, 0.7)
    doc.seal(sx, d.box[1] + th / 2 - size / 2 + rng.uniform(-8, 8), size, tax_office + "인")

    if rng.random() < 0.8:
        fx, fy = margin + 40 + dx, BH - margin - 70
        d = doc.text((fx, fy), "국세청", doc.font(NANUM + "NanumGothicBold.ttf", 30), (30, 60, 110))
        doc.text((d.right + 16, fy + 8), "National Tax Service", doc.font(DEJAVU + "DejaVuSans.ttf", 17), (30, 60, 110))
    return doc


# ---------------------------------------------------------------------------------------------------
# 신용카드

CW, CH = 1012, 638


def card_background(doc, rng):
    """Solid or gradient card colour with a few translucent circles or stripes; returns (mean RGB, dark)."""
    c1 = np.array([rng.randrange(0, 256) for _ in range(3)], np.float32)
    c2 = np.clip(c1 + np.array([rng.uniform(-120, 120) for _ in range(3)]), 0, 255).astype(np.float32)
    kind = rng.choice(["solid", "linear", "linear", "diagonal", "radial"])
    yy, xx = np.mgrid[0:CH, 0:CW].astype(np.float32)
    if kind == "solid":
        t = np.zeros((CH, CW), np.float32)
    elif kind == "linear":
        t = xx / CW
    elif kind == "diagonal":
        t = (xx / CW + yy / CH) / 2
    else:
        t = np.clip(np.hypot(xx - CW * 0.3, yy - CH * 0.2) / (CW * 0.9), 0, 1)
    arr = c1[None, None, :] * (1 - t[..., None]) + c2[None, None, :] * t[..., None]
    img = Image.fromarray(arr.astype(np.uint8))
    over = Image.new("RGBA", (CW, CH), (0, 0, 0, 0))
    od = ImageDraw.Draw(over)
    deco = rng.choice(["circles", "stripes", "none"])
    for _ in range(rng.randrange(2, 5) if deco != "none" else 0):
        a = rng.randrange(12, 30)
        col = (255, 255, 255, a) if rng.random() < 0.6 else (0, 0, 0, a)
        if deco == "circles":
            r = rng.uniform(100, 320)
            x, y = rng.uniform(0, CW), rng.uniform(0, CH)
            od.ellipse((x - r, y - r, x + r, y + r), fill=col)
        else:
            x = rng.uniform(-200, CW)
            w = rng.uniform(40, 160)
            od.polygon([(x, 0), (x + w, 0), (x + w + 300, CH), (x + 300, CH)], fill=col)
    img = Image.alpha_composite(img.convert("RGBA"), over).convert("RGB")
    # Rounded corners on a white scan background.
    mask = Image.new("L", (CW, CH), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, CW - 1, CH - 1), radius=36, fill=255)
    doc.img.paste(img, (0, 0), mask)
    doc.d = ImageDraw.Draw(doc.img)
    mean = np.asarray(img, np.float32).reshape(-1, 3).mean(0)
    lum = 0.299 * mean[0] + 0.587 * mean[1] + 0.114 * mean[2]
    return lum < 140


def chip(doc, rng, x, y):
    w, h = rng.randrange(118, 140), rng.randrange(90, 106)
    gold = rng.choice([(214, 180, 100), (200, 200, 205), (220, 190, 120)])
    line = tuple(v - 70 for v in gold)
    doc.d.rounded_rectangle((x, y, x + w, y + h), radius=14, fill=gold, outline=line, width=2)
    doc.d.line([(x + w * 0.36, y), (x + w * 0.36, y + h)], fill=line, width=2)
    doc.d.line([(x + w * 0.64, y), (x + w * 0.64, y + h)], fill=line, width=2)
    for fy in (0.35, 0.65):
        doc.d.line([(x, y + h * fy), (x + w * 0.36, y + h * fy)], fill=line, width=2)
        doc.d.line([(x + w * 0.64, y + h * fy), (x + w, y + h * fy)], fill=line, width=2)
    if rng.random() < 0.7:  # contactless waves
        cx, cy = x + w + 55, y + h / 2
        col = (240, 240, 240) if rng.random() < 0.5 else (60, 60, 60)
        for r in (14, 24, 34):
            doc.d.arc((cx - r, cy - r, cx + r, cy + r), -50, 50, fill=col, width=3)
    return w, h


def roman_name(rng):
    _, sur, giv = korean_name(rng)
    while sur not in ROMAN_SUR or any(g not in ROMAN_GIVEN for g in giv):
        _, sur, giv = korean_name(rng)
    g = [ROMAN_GIVEN[c] for c in giv]
    style = rng.random()
    given = " ".join(g) if style < 0.4 else "".join(g) if style < 0.75 else "-".join(g)
    if rng.random() < 0.15:
        return f"{given} {ROMAN_SUR[sur]}"
    return f"{ROMAN_SUR[sur]} {given}"


def make_creditcard(rng, doc_id, k):
    doc = Doc(rng, "creditcard", doc_id, CW, CH)
    dark = card_background(doc, rng)
    embossed = k % 2 == 0 if rng.random() < 0.7 else rng.random() < 0.5
    light_ink = (rng.randrange(235, 256), rng.randrange(235, 256), rng.randrange(235, 256))
    dark_ink = (rng.randrange(15, 50),) * 3
    ink = light_ink if dark else dark_ink
    dx, dy = rng.uniform(-0.02, 0.02) * CW, rng.uniform(-0.02, 0.02) * CH

    issuer = rng.choice(ISSUERS)
    brand = rng.choice(list(BRANDS))
    number = luhn_complete(rng.choice(BRANDS[brand]), 16, rng)
    number_s = " ".join(number[i:i + 4] for i in range(0, 16, 4))
    assert luhn_ok(number_s)
    exp = rand_date(rng, dt.date(2026, 1, 1), dt.date(2031, 12, 31))
    valid = f"{exp.month:02d}/{exp.year % 100:02d}"
    name = roman_name(rng)

    # Issuer and product name on the top edge (issuer left or right).
    ifont = doc.font(rng.choice(CARD_KO), 46)
    pfont = doc.font(rng.choice(LATIN_BOLD), 26)
    top = 58 + dy + rng.uniform(-8, 8)
    issuer_left = rng.random() < 0.7
    if issuer_left:
        d = doc.text((58 + dx, top), issuer, ifont, ink)
        doc.field("issuer", issuer, d.box)
        if rng.random() < 0.8:
            doc.text((CW - 58 + dx, top + 12), rng.choice(PRODUCTS), pfont, ink, anchor_x="r")
    else:
        d = doc.text((CW - 58 + dx, top), issuer, ifont, ink, anchor_x="r")
        doc.field("issuer", issuer, d.box)
        if rng.random() < 0.8:
            doc.text((58 + dx, top + 12), rng.choice(PRODUCTS), pfont, ink)
    chip(doc, rng, round(90 + dx + rng.uniform(-10, 20)), round(185 + dy + rng.uniform(-15, 20)))

    # Number.
    if embossed:
        if dark:  # gold, silver or white tipping foil on a dark card, dark foil on a light one
            metal = rng.choice([(232, 214, 150), (226, 226, 230), (245, 245, 245), (236, 200, 120)])
            shadow, highlight = tuple(max(0, v - 150) for v in metal), (255, 255, 255)
        else:
            metal = rng.choice([(40, 40, 40), (25, 30, 60), (70, 60, 40)])
            shadow, highlight = (150, 150, 150), tuple(min(255, v + 90) for v in metal)
        relief = (shadow, highlight)
        nfont = doc.font(rng.choice(EMBOSS_FONTS), 58)
        vfont = doc.font(nfont.path, 38)
        name_font = doc.font(rng.choice(EMBOSS_FONTS), 36)
        num_ink = val_ink = name_ink = metal
    else:
        relief = None
        nfont = doc.font(rng.choice(PRINT_FONTS), rng.choice([44, 50, 54]))
        vfont = doc.font(rng.choice(PRINT_FONTS), 32)
        name_font = doc.font(rng.choice(PRINT_FONTS), 30)
        num_ink = val_ink = name_ink = ink
    ny = 360 + dy + rng.uniform(-25, 25)
    x0 = 78 + dx + rng.uniform(-10, 15)
    avail = CW - 78 - x0 + dx
    gw = nfont.getlength("0000")
    gap = min(rng.uniform(0.35, 1.0) * gw, (avail - 4 * gw) / 3) if rng.random() < 0.8 else nfont.getlength(" ")
    boxes = []
    x = x0
    for g in range(4):
        d = doc.text((x, ny), number[4 * g:4 * g + 4], nfont, num_ink, record=False, emboss=relief)
        boxes.append(d.box)
        x += gw + gap
    nb = union(*boxes)
    doc.line(number_s, nb)
    doc.field("number", number_s, nb)

    # Validity (label stacked / inline / MONTH/YEAR above / none) under the number, centred or at its left,
    # or on the name's row; the name bottom left.
    lab_style = rng.choice(["stacked", "stacked", "inline", "month_year", "none"])
    lab_font = doc.font(rng.choice(LATIN_BOLD), 15)
    name_row = rng.random() < 0.3

    def validity(vx, vy):
        if lab_style == "stacked":
            a = doc.text((vx, vy), "VALID", lab_font, ink, anchor_x="r")
            doc.text((a.right, vy + lab_font.size * 1.2), "THRU", lab_font, ink, anchor_x="r")
            vxx = vx + 12
        elif lab_style == "inline":
            a = doc.text((vx, vy + vfont.size * 0.35), "VALID THRU", lab_font, ink)
            vxx = a.right + 14
        elif lab_style == "month_year":
            doc.text((vx + 12, vy - lab_font.size * 1.3), "MONTH/YEAR", lab_font, ink)
            vxx = vx + 12
        else:
            vxx = vx
        d = doc.text((vxx, vy), valid, vfont, val_ink, emboss=relief)
        doc.field("validThru", valid, d.box)
        return d

    name_x = 78 + dx + rng.uniform(-8, 12)
    brand_font = {"VISA": (LATIN_BOLD_OBLIQUE, 52), "JCB": (LATIN_BOLD[0], 48), "UnionPay": (LATIN_BOLD[0], 42),
                  "mastercard": (DEJAVU + "DejaVuSans.ttf", 18)}[brand]
    brand_font = doc.font(*brand_font)
    brand_left = CW - 58 - (180 if brand == "mastercard" else brand_font.getlength(brand))
    valid_w = (vfont.getlength(valid) + 16 + (lab_font.getlength("VALID THRU") + 14 if lab_style == "inline" else 0))
    lab_left = lab_font.getlength("VALID") if lab_style == "stacked" else 0
    if name_row and name_x + name_font.getlength(name) + 40 + lab_left + valid_w > brand_left - 30:
        name_row = False
    if name_row:
        name_y = CH - 100 + dy + rng.uniform(-10, 8)
        d = doc.text((name_x, name_y), name, name_font, name_ink, emboss=relief)
        doc.field("name", name, d.box)
        vx = min(max(d.right + 40 + lab_left, 500 + rng.uniform(-20, 40)), brand_left - 30 - valid_w)
        validity(vx, name_y + (name_font.size - vfont.size) / 2)
    else:
        vy = nb[3] + rng.uniform(30, 55)
        vx = (CW / 2 - 60 + dx + rng.uniform(-40, 40)) if rng.random() < 0.6 else x0 + rng.uniform(0, 30)
        if lab_style == "stacked":
            vx = max(vx, x0 + lab_font.getlength("VALID") + 2)
        d = validity(vx, vy)
        name_y = max(d.box[3] + 22, CH - 92 + dy + rng.uniform(-12, 8))
        d = doc.text((name_x, name_y), name, name_font, name_ink, emboss=relief)
        doc.field("name", name, d.box)
    by = CH - 100 + dy
    if brand == "VISA":
        doc.text((CW - 58, by), "VISA", brand_font, ink, anchor_x="r")
    elif brand == "mastercard":
        r = 34
        cx = CW - 58 - 2 * r - 20
        cy = by + 10
        doc.d.ellipse((cx - r - 22, cy - r, cx + r - 22, cy + r), fill=(235, 0, 27))
        over = Image.new("RGBA", (CW, CH), (0, 0, 0, 0))
        ImageDraw.Draw(over).ellipse((cx - r + 22, cy - r, cx + r + 22, cy + r), fill=(247, 158, 27, 220))
        doc.img.paste(over, (0, 0), over)
        doc.d = ImageDraw.Draw(doc.img)
        doc.text((cx, cy + r + 4), "mastercard", brand_font, ink, anchor_x="c")
    else:
        doc.text((CW - 58, by), brand, brand_font, ink, anchor_x="r")
    if rng.random() < 0.3:
        doc.img = doc.img.filter(ImageFilter.GaussianBlur(0.4))
        doc.d = ImageDraw.Draw(doc.img)
    return doc


MAKERS = {"bizlicense": make_bizlicense, "creditcard": make_creditcard}


def main():
    docgen.main(__doc__, MAKERS, "gen_bizlicense_creditcard")


if __name__ == "__main__":
    main()
