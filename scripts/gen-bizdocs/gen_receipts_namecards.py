#!/usr/bin/env python3
"""Seeded generator of NEW synthetic Korean receipts (영수증) and name cards (명함) with exact ground truth.

Purpose: measure Jikji's Document OCR (`jikji eval --document`) on receipts and name cards nobody tuned rules
on: other stores, items, label wordings, date formats, layouts, fonts and a little layout jitter, so that
extraction rules fitted to the development seeds of `../shared/testdata/synthetic-docs` would show.

Writes, for each type `receipt` (thermal-printer card receipt, 576 px wide) and `namecard` (1063x591) and
k in 0..n-1, the flat image `TYPE-sSEED-000K.jpg` (JPEG q92) and its ground truth `TYPE-sSEED-000K.json` in
the synthetic-docs format (see that directory's README.md): fields with exact text and 8-int boxes tight
around the ink (+1 px; the ink box of the string rendered on its own, so side bearings do not widen it),
`lineBoxes` for fields printed on several lines, and every drawn text line in `lines`. A document whose
text would overlap (another line, the logo, a colour band) or leave the image is drawn again, going on
with the same generator, so the output stays deterministic per seed.

What varies per document (all drawn from random.Random(f"{seed}/{type}/{k}")):
  receipt:  store type (mart, restaurant, cafe, convenience store, bakery, pharmacy, hardware store) and
            its items (2-8), item table layout (one row per item, or name line + numbers line, with or
            without a 단가 column), label wordings (합계/합 계/총액/..., 부가세/부 가 세/부가가치세/VAT,
            승인번호/승인No/승인NO.), date format (2024-03-05, 2024/03/05, 2024.03.05, with or without the
            weekday) and time (HH:MM or HH:MM:SS), masked card-number formats, order of the blocks, fonts
            (Nanum Gothic/Barun/Coding/Square, UnDotum, Baekmuk), font sizes +-10 %, margins and spacing.
  namecard: layout (logo block left, logo on top centred, two-panel, name right-aligned), Korean-only or
            Korean+English (company, English name, department), which optional lines are printed (fax,
            homepage, department), contact label wording (Tel./T./전화, M./Mobile/H.P/휴대폰, ...), phone
            separators (-, . or +82), one- or two-line addresses, fonts (Nanum Gothic/Barun/Square/Myeongjo, UnDotum,
            UnBatang, Baekmuk, DejaVu for Latin), colours, font sizes +-10 %, positions jittered a few %.

Business numbers (###-##-#####) carry a valid check digit; names, numbers, phone numbers, e-mail
addresses and roads are made up (addresses use real province and district names).

Usage:
    python3 scripts/gen-bizdocs/gen_receipts_namecards.py OUT_DIR [--n 3] [--seed 101] [--types receipt,namecard]
    python3 scripts/photo-sim/photosim.py --src OUT_DIR --out OUT_DIR --variants 1 --seed 101
    target/release/jikji eval --document --gt OUT_DIR --quiet

Needs Python 3 + Pillow and the fonts under /usr/share/fonts (Nanum, UnFonts, Baekmuk, DejaVu); nothing is
downloaded. NOTHING GENERATED MAY BE COMMITTED.
"""
import datetime as dt
import math
import os
import sys

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "docgen"))
import docgen  # noqa: E402
from docgen import BAEKMUK, DEJAVU, NANUM, UNFONTS as UN, biz_check_digit, has_glyph, pad, union  # noqa: E402

FALLBACK = NANUM + "NanumGothic.ttf"  # used for a line whose chosen font lacks a glyph

# Receipt fonts (thermal printers: gothic faces, often monospaced).
RC_REGULAR = [NANUM + "NanumGothic.ttf", NANUM + "NanumBarunGothic.ttf", NANUM + "NanumGothicCoding.ttf",
              UN + "UnDotum.ttf", BAEKMUK + "gulim.ttf", BAEKMUK + "dotum.ttf", NANUM + "NanumSquareR.ttf"]
RC_BOLD = [NANUM + "NanumGothicBold.ttf", NANUM + "NanumBarunGothicBold.ttf", NANUM + "NanumGothicCodingBold.ttf",
           UN + "UnDotumBold.ttf", NANUM + "NanumSquareB.ttf"]
RC_NUM_BOLD = [DEJAVU + "DejaVuSansMono-Bold.ttf", NANUM + "NanumGothicCodingBold.ttf",
               NANUM + "NanumGothicBold.ttf"]

# Name-card fonts.
NC_REGULAR = [NANUM + "NanumGothic.ttf", NANUM + "NanumBarunGothic.ttf", NANUM + "NanumSquareR.ttf",
              NANUM + "NanumMyeongjo.ttf", UN + "UnDotum.ttf", UN + "UnBatang.ttf", BAEKMUK + "dotum.ttf"]
NC_BOLD = [NANUM + "NanumGothicBold.ttf", NANUM + "NanumBarunGothicBold.ttf", NANUM + "NanumSquareB.ttf",
           NANUM + "NanumMyeongjoBold.ttf", UN + "UnDotumBold.ttf", UN + "UnBatangBold.ttf"]
NC_LATIN = [DEJAVU + "DejaVuSans.ttf", NANUM + "NanumBarunGothic.ttf", DEJAVU + "DejaVuSerif.ttf",
            NANUM + "NanumGothic.ttf", DEJAVU + "DejaVuSansCondensed.ttf"]
NC_LATIN_BOLD = [DEJAVU + "DejaVuSans-Bold.ttf", DEJAVU + "DejaVuSerif-Bold.ttf", NANUM + "NanumSquareB.ttf"]

# ---------------------------------------------------------------------------------------------------
# Made-up content pools.
SURNAMES = {"김": "Kim", "이": "Lee", "박": "Park", "최": "Choi", "정": "Jung", "강": "Kang", "조": "Cho",
            "윤": "Yoon", "장": "Jang", "임": "Lim", "한": "Han", "오": "Oh", "서": "Seo", "신": "Shin",
            "권": "Kwon", "황": "Hwang", "안": "Ahn", "송": "Song", "류": "Ryu", "홍": "Hong", "고": "Ko",
            "문": "Moon", "손": "Son", "배": "Bae", "백": "Baek", "허": "Heo", "남": "Nam", "노": "Noh"}
GIVEN = {"민": "min", "준": "jun", "서": "seo", "연": "yeon", "지": "ji", "우": "woo", "현": "hyun",
         "도": "do", "하": "ha", "윤": "yun", "수": "su", "영": "young", "성": "sung", "진": "jin", "예": "ye",
         "은": "eun", "주": "ju", "원": "won", "재": "jae", "희": "hee", "승": "seung", "태": "tae",
         "경": "kyung", "아": "a", "솔": "sol", "철": "chul", "형": "hyung", "선": "sun", "혜": "hye",
         "호": "ho", "동": "dong", "규": "gyu", "석": "seok", "훈": "hoon", "빈": "bin", "채": "chae",
         "나": "na", "리": "ri", "소": "so", "다": "da", "인": "in", "유": "yu", "상": "sang", "찬": "chan"}
WESTERN = ["Grace", "Paul", "Chris", "David", "Daniel", "Jenny", "Sarah", "Kevin", "Brian", "Julia", "Alex",
           "Sophie", "Eric", "Helen", "James", "Lucy", "Sam", "Emma", "Ryan", "Tony"]

REGIONS = {
    "서울특별시": ["강남구", "서초구", "송파구", "마포구", "영등포구", "구로구", "금천구", "중구", "성동구", "광진구"],
    "부산광역시": ["해운대구", "수영구", "부산진구", "동래구", "연제구"],
    "대구광역시": ["수성구", "달서구", "중구"],
    "인천광역시": ["연수구", "남동구", "부평구", "서구"],
    "광주광역시": ["서구", "북구", "광산구"],
    "대전광역시": ["유성구", "서구", "대덕구"],
    "울산광역시": ["남구", "중구"],
    "경기도": ["성남시 분당구", "수원시 팔달구", "고양시 일산서구", "용인시 기흥구", "안양시 동안구", "부천시",
            "화성시", "평택시", "김포시"],
    "강원특별자치도": ["춘천시", "원주시", "속초시"],
    "충청북도": ["청주시 상당구", "제천시"],
    "충청남도": ["천안시 동남구", "당진시", "논산시"],
    "전북특별자치도": ["전주시 덕진구", "정읍시"],
    "전라남도": ["순천시", "광양시", "나주시"],
    "경상북도": ["포항시 북구", "안동시", "경산시"],
    "경상남도": ["창원시 의창구", "양산시", "거제시"],
    "제주특별자치도": ["제주시", "서귀포시"],
}
AREA = {"서울특별시": "02", "부산광역시": "051", "대구광역시": "053", "인천광역시": "032", "광주광역시": "062",
        "대전광역시": "042", "울산광역시": "052", "경기도": "031", "강원특별자치도": "033", "충청북도": "043",
        "충청남도": "041", "전북특별자치도": "063", "전라남도": "061", "경상북도": "054", "경상남도": "055",
        "제주특별자치도": "064"}
ROAD_STEMS = ["새말", "큰나무", "물빛", "햇살", "바람개비", "구름다리", "솔바람", "꽃마을", "두레", "너울", "금빛",
              "샘내", "한울", "들꽃", "산마루", "별마당", "노을", "새싹", "다솜", "미리내"]
DONGS = ["역삼동", "대치동", "서현동", "야탑동", "망원동", "문래동", "가산동", "송도동", "연산동", "범어동",
         "둔산동", "봉명동", "상무동", "화명동", "정자동", "백석동", "동천동"]
BUILDINGS = ["미래타워", "한울빌딩", "누리프라자", "센트럴스퀘어", "다온빌딩", "그린오피스텔", "스카이뷰",
             "비즈니스센터", "하나프라자", "IT밸리"]

# Companies for name cards: (Korean stem, English stem) x (Korean kind, English kind, domain word).
CO_STEMS = [("한누리", "Hannuri"), ("새솔", "Saesol"), ("다온", "Daon"), ("가온", "Gaon"), ("세움", "Seum"),
            ("푸른솔", "Pureunsol"), ("미리내", "Mirinae"), ("하늘빛", "Haneulbit"), ("그린웨이", "Greenway"),
            ("모아", "Moa"), ("스텔라", "Stella"), ("온누리", "Onnuri"), ("한결", "Hangyeol")]
CO_KINDS = [("식품", "Foods", "foods"), ("산업", "Industries", "ind"), ("테크", "Tech", "tech"),
            ("물산", "Trading", "trading"), ("건설", "Construction", "const"), ("디자인", "Design", "design"),
            ("소프트", "Soft", "soft"), ("바이오", "Bio", "bio"), ("에너지", "Energy", "energy"),
            ("컨설팅", "Consulting", "consulting"), ("로지스", "Logis", "logis"), ("전자", "Electronics", "elec")]
POSITIONS = ["대표이사", "이사", "상무", "본부장", "부장", "차장", "과장", "대리", "주임", "사원", "팀장", "실장",
             "수석연구원", "책임연구원", "선임연구원", "연구원", "매니저", "수석디자이너", "파트장", "전무"]
DEPTS = [("경영지원팀", "Management Support"), ("영업1팀", "Sales Team 1"), ("해외영업부", "Global Sales"),
         ("마케팅팀", "Marketing"), ("연구개발본부", "R&D Center"), ("품질관리팀", "Quality Control"),
         ("재무회계팀", "Finance & Accounting"), ("디자인실", "Design Lab"), ("인사팀", "Human Resources"),
         ("기술지원팀", "Technical Support"), ("구매팀", "Purchasing"), ("플랫폼개발실", "Platform Development")]

# Receipt stores: kind -> (name stems, name suffixes, items [(name, unit price)]).
STORES = {
    "mart": (["행복", "알뜰", "우리동네", "싱싱", "이웃", "새날"], ["마트", "할인마트", "슈퍼", "식자재마트"],
             [("신라면 5입", 4480), ("서울우유 1L", 2980), ("계란 30구", 7990), ("양파 1.5kg", 3980),
              ("삼겹살 600g", 15600), ("햇반 210g", 1650), ("콜라 1.5L", 3280), ("바나나", 3990),
              ("고추장 500g", 6480), ("키친타올 6롤", 5900), ("샴푸 780ml", 11900), ("대파 1단", 2480),
              ("생수 2L*6", 4290), ("참기름 320ml", 8900), ("애호박", 1580)]),
    "restaurant": (["고향", "할매", "옛날", "본가", "청기와", "토담"], ["국밥", "칼국수", "갈비", "식당", "순대국",
                                                                   "한정식"],
                   [("순대국밥", 9000), ("돼지국밥", 9500), ("수육(소)", 22000), ("공기밥", 1000),
                    ("소주", 5000), ("맥주", 5000), ("물냉면", 10000), ("비빔밥", 9000), ("김치전", 13000),
                    ("제육볶음", 11000), ("칼국수", 8500), ("만두(6개)", 6000), ("음료수", 2000)]),
    "cafe": (["카페", "커피", "브루"], [" 온도", " 모먼트", " 숲", "하우스", " 오월", " 라움"],
             [("아메리카노", 4500), ("카페라떼", 5000), ("바닐라라떼", 5500), ("아이스티", 4800),
              ("카라멜마끼아또", 5800), ("치즈케이크", 6500), ("크로플", 5500), ("레몬에이드", 5900),
              ("샷추가", 500), ("콜드브루", 5300)]),
    "convenience": (["CU", "GS25", "세븐일레븐", "이마트24"], [" 역삼점", " 정자역점", " 해운대점", " 중앙점",
                                                              " 대학로점"],
                    [("삼각김밥 참치", 1500), ("바나나우유", 1700), ("컵라면 큰사발", 1800), ("생수 500ml", 950),
                     ("도시락 제육", 4900), ("초코바", 1200), ("커피 캔", 1600), ("우산", 8000),
                     ("담배", 4500), ("아이스크림", 1800)]),
    "bakery": (["밀", "오븐", "보리", "달콤"], ["베이커리", "제과", "빵집", "브레드"],
               [("소금빵", 3200), ("식빵", 5500), ("크루아상", 3800), ("단팥빵", 2500), ("바게트", 4500),
                ("마늘바게트", 4800), ("에그타르트", 2800), ("생크림케이크", 28000), ("우유식빵", 6000)]),
    "pharmacy": (["온누리", "건강한", "365", "늘푸른"], ["약국"],
                 [("타이레놀 500mg", 3000), ("판콜에이", 2500), ("박카스D", 900), ("후시딘", 6000),
                  ("밴드 20매", 2500), ("마스크 5매", 4000), ("종합비타민", 18000), ("인공눈물", 8000)]),
    "hardware": (["대성", "제일", "삼화", "동아"], ["철물", "공구상사", "철물점"],
                 [("전동드릴 비트", 12000), ("실리콘 건", 7500), ("장갑 10켤레", 9000), ("절연테이프", 1500),
                  ("나사 세트", 6500), ("건전지 AA 4입", 4000), ("줄자 5m", 8500), ("케이블타이", 3000)]),
}
CARD_COMPANIES = ["신한카드", "삼성카드", "현대카드", "KB국민카드", "롯데카드", "하나카드", "우리카드", "BC카드",
                  "NH농협카드", "씨티카드", "KB국민", "신한", "삼성", "현대"]
WEEKDAYS = "월화수목금토일"


# ---------------------------------------------------------------------------------------------------
# Numbers, names, addresses.

def biz_number(rng):
    """###-##-##### with a valid 사업자등록번호 check digit."""
    d = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(8)]
    d.append(biz_check_digit(d))
    s = "".join(map(str, d))
    return f"{s[:3]}-{s[3:5]}-{s[5:]}"


def biz_number_ok(num):
    d = [int(c) for c in num.replace("-", "")]
    return biz_check_digit(d) == d[9]


def person(rng):
    """(Korean name, surname romanised, given name romanised)."""
    sur = rng.choice(list(SURNAMES))
    g = rng.sample(list(GIVEN), 2)
    return sur + "".join(g), SURNAMES[sur], GIVEN[g[0]] + GIVEN[g[1]]


def region(rng):
    prov = rng.choice(list(REGIONS))
    return prov, rng.choice(REGIONS[prov])


def road_address(rng, prov, dist, comma):
    """Address words: province, district, road, number (+ ',' when comma), floor/room, (dong, building)."""
    stem = rng.choice(ROAD_STEMS)
    r = rng.random()
    road = stem + "로" if r < 0.45 else stem + "길" if r < 0.75 else f"{stem}로{rng.randrange(2, 80)}번길"
    words = [prov] + dist.split() + [road, str(rng.randrange(1, 480)) + ("," if comma else "")]
    r = rng.random()
    if r < 0.35:
        words.append(f"{rng.randrange(2, 25)}층")
    elif r < 0.7:
        fl = rng.randrange(1, 15)
        words += [f"{fl}층", f"{fl}{rng.randrange(1, 20):02d}호"]
    elif r < 0.85:
        words.append(f"{rng.randrange(101, 120)}호")
    else:
        words[-1] = words[-1].rstrip(",")
    if rng.random() < 0.5:
        words += ["(" + rng.choice(DONGS) + ",", rng.choice(BUILDINGS) + ")"]
    return words


def phone(rng, area, sep="-"):
    if area == "02":
        mid = rng.randrange(200, 9999)
        return f"02{sep}{mid}{sep}{rng.randrange(10000):04d}"
    return f"{area}{sep}{rng.randrange(200, 999)}{sep}{rng.randrange(10000):04d}"


def won(n):
    return f"{n:,}"


# ---------------------------------------------------------------------------------------------------
# Drawing with ground truth.

_FONTS = {}


def load_font(path, size):
    key = (path, size)
    if key not in _FONTS:
        _FONTS[key] = ImageFont.truetype(path, size)
    return _FONTS[key]


def ink_box(x, y, s, font, threshold=40):
    """The box (x0, y0, x1, y1), x1/y1 exclusive, of the pixels that drawing s at (x, y) inks (coverage
    above threshold/255): rendered on its own, with the same sub-pixel offset as on the page."""
    b = font.getbbox(s)
    ox, oy = math.floor(x + b[0]) - 4, math.floor(y + b[1]) - 4
    w, h = math.ceil(x + b[2]) - ox + 8, math.ceil(y + b[3]) - oy + 8
    im = Image.new("L", (max(1, w), max(1, h)), 0)
    ImageDraw.Draw(im).text((x - ox, y - oy), s, font=font, fill=255)
    bb = im.point(lambda v: 255 if v > threshold else 0).getbbox()
    if bb is None:
        raise ValueError(f"nothing inked for {s!r}")
    return (ox + bb[0], oy + bb[1], ox + bb[2], oy + bb[3])


class LayoutError(Exception):
    """A drawn document whose text does not fit; the maker draws it again (same rng, so deterministic)."""


class Doc(docgen.Doc):
    """An image plus its ground truth."""

    def __init__(self, rng, doc_type, doc_id, w, h, bg):
        super().__init__(rng, doc_type, doc_id, w, h, bg)
        self.keepout = []  # graphics no text may overlap: (x0, y0, x1, y1)

    def font(self, path, size):
        return load_font(path, self.font_size(size))

    def text(self, xy, s, font, fill, role=None, anchor_x="l", tracking=0, record=True):
        """Draws one text line at xy (top of the em box; anchor_x 'l', 'c' or 'r'); records it in lines.
        A font lacking a glyph of s is replaced by NanumGothic of the same size."""
        if any(not ch.isspace() and not has_glyph(font, ch) for ch in s):
            font = load_font(FALLBACK, font.size)
        x, y = docgen.anchored(xy, s, font, tracking, anchor_x)
        dr = Drawn(self, x, y, s, font, tracking)
        if tracking:
            cx = x
            for ch in s:
                self.d.text((cx, y), ch, font=font, fill=fill)
                cx += font.getlength(ch) + tracking
        else:
            self.d.text((x, y), s, font=font, fill=fill)
        dr.box = dr.sub(0)
        if record:
            self.line(s, dr.box, role)
        return dr

    def crop_height(self, h):
        self.img = self.img.crop((0, 0, self.w, h))
        self.d = ImageDraw.Draw(self.img)
        self.h = h
        self.doc["image"]["h"] = h
        self.doc["documentBox"] = [0, 0, self.w, 0, self.w, h, 0, h]

    def check(self, margin=4):
        """Raises LayoutError when a text line leaves the image (less a margin), overlaps another line or
        a graphic in self.keepout (logo, colour band)."""
        boxes = [(ln["box"][0], ln["box"][1], ln["box"][4], ln["box"][5]) for ln in self.doc["lines"]]
        for b in boxes:
            if not (margin <= b[0] < b[2] <= self.w - margin and margin <= b[1] < b[3] <= self.h - margin):
                raise LayoutError(f"outside the image: {b}")
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:] + self.keepout:
                if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                    raise LayoutError(f"overlap: {a} {b}")


class Drawn:
    """A drawn line; `.sub(i, j)` is the padded ink box of characters [i, j) of it."""

    def __init__(self, doc, x, y, s, font, tracking):
        self.doc, self.x, self.y, self.s, self.font, self.tracking = doc, x, y, s, font, tracking
        self.box = None

    def sub(self, i, j=None):
        j = len(self.s) if j is None else j
        seg = self.s[i:j]
        lead = len(seg) - len(seg.lstrip())
        i += lead
        j = i + len(seg.strip())
        if not self.tracking:
            return pad(ink_box(self.x + self.font.getlength(self.s[:i]), self.y, self.s[i:j], self.font))
        boxes, cx = [], self.x
        for k, ch in enumerate(self.s):
            if i <= k < j and not ch.isspace():
                boxes.append(ink_box(cx, self.y, ch, self.font))
            cx += self.font.getlength(ch) + self.tracking
        return pad(union(*boxes))

    def sub_str(self, part, start=0):
        i = self.s.index(part, start)
        return self.sub(i, i + len(part))

    @property
    def right(self):
        return self.box[2]

    @property
    def bottom(self):
        return self.box[3]


def wrap(font, words, width):
    """Greedy wrap of words into lines no wider than width (at least one word a line)."""
    lines, cur = [], []
    for w in words:
        if cur and font.getlength(" ".join(cur + [w])) > width:
            lines.append(" ".join(cur))
            cur = [w]
        else:
            cur.append(w)
    if cur:
        lines.append(" ".join(cur))
    return lines


# ---------------------------------------------------------------------------------------------------
# Receipts.

RW = 576


def dashed(doc, y, x0, x1, ink, style):
    if style == "solid":
        doc.d.line([(x0, y), (x1, y)], fill=ink, width=2)
    elif style == "double":
        doc.d.line([(x0, y - 2), (x1, y - 2)], fill=ink, width=1)
        doc.d.line([(x0, y + 2), (x1, y + 2)], fill=ink, width=1)
    else:
        step, dash = (10, 6) if style == "dash" else (6, 2)
        for x in range(int(x0), int(x1), step):
            doc.d.line([(x, y), (min(x + dash, x1), y)], fill=ink, width=2)


def make_receipt(rng, doc_id, k):
    bg = (rng.randrange(246, 253), rng.randrange(245, 251), rng.randrange(238, 248))
    doc = Doc(rng, "receipt", doc_id, RW, 3000, bg)
    ink = (rng.randrange(25, 60),) * 3
    grey_ink = tuple(min(255, v + rng.randrange(0, 40)) for v in ink)
    mx = rng.randrange(10, 26)  # left/right margin
    x0, x1 = mx, RW - mx
    body_path = rng.choice(RC_REGULAR)
    bold_path = rng.choice(RC_BOLD)
    base = rng.uniform(21, 25)
    body = doc.font(body_path, base)
    small = doc.font(body_path, base * 0.9)
    gap = round(body.size * rng.uniform(1.35, 1.7))  # line pitch
    rule_style = rng.choice(["dash", "dash", "dot", "solid", "double"])
    y = rng.randrange(22, 48)

    def sep():
        nonlocal y
        y += round(gap * 0.25)
        dashed(doc, y, x0, x1, grey_ink, rule_style)
        y += round(gap * 0.55)

    kind = rng.choice(list(STORES))
    stems, suffixes, catalogue = STORES[kind]
    store = rng.choice(stems) + rng.choice(suffixes)
    if kind not in ("convenience",) and rng.random() < 0.3:
        store += " " + rng.choice(["본점", "역삼점", "중앙점", "2호점", "시청점", "대학로점"])
    prov, dist = region(rng)
    biz = biz_number(rng)
    assert biz_number_ok(biz)
    rep, _, _ = person(rng)
    tel = phone(rng, AREA[prov] if rng.random() < 0.8 else "070")

    # Title and store name.
    title = rng.choice([None, None, "[영 수 증]", "영수증", "** 영 수 증 **", "신용카드 매출전표", "카드영수증",
                        "[고객용]"])
    if title:
        doc.text((RW / 2, y), title, doc.font(bold_path, base * 1.1), ink, role="title", anchor_x="c")
        y += round(gap * 1.3)
    centred = rng.random() < 0.75
    sfont = doc.font(bold_path, base * rng.uniform(1.35, 1.65))
    d = doc.text((RW / 2 if centred else x0, y), store, sfont, ink, anchor_x="c" if centred else "l")
    doc.field("storeName", store, d.box)
    y = d.bottom + round(gap * 0.7)

    # Store information block.
    biz_label = rng.choice(["사업자번호: ", "사업자번호 ", "사업자등록번호 : ", "사업자 : ", "등록번호: "])
    rep_label = rng.choice(["대표자 ", "대표: ", "대표자: ", "대표 "])
    rep_same_line = rng.random() < 0.5
    d = doc.text((x0, y), biz_label + biz, body, ink)
    doc.field("storeBizNum", biz, d.sub_str(biz))
    if rep_same_line:
        doc.text((x1, y), rep_label + rep, body, ink, anchor_x="r")
    y += gap
    if not rep_same_line:
        doc.text((x0, y), rep_label + rep, body, ink)
        y += gap
    addr_label = rng.choice(["주소: ", "주소 : ", "", "소재지: "])
    words = road_address(rng, prov, dist, comma=rng.random() < 0.3)
    lab_w = body.getlength(addr_label)
    lines = wrap(body, words, x1 - x0 - lab_w)
    boxes = []
    for i, ln in enumerate(lines):
        if i == 0:
            d = doc.text((x0, y), addr_label + ln, body, ink)
            boxes.append(d.sub(len(addr_label)))
        else:
            d = doc.text((x0 + (lab_w if rng.random() < 0.8 else 0), y), ln, body, ink)
            boxes.append(d.box)
        y += gap
    doc.field("storeAddress", " ".join(lines), union(*boxes), boxes)
    tel_label = rng.choice(["TEL: ", "TEL : ", "전화: ", "Tel) ", "전화번호 : ", "T. "])
    d = doc.text((x0, y), tel_label + tel, body, ink)
    doc.field("storeTel", tel, d.sub_str(tel))
    y += gap
    sep()

    # Date and time.
    when = dt.datetime(2021, 1, 1) + dt.timedelta(minutes=rng.randrange(5 * 365 * 24 * 60))
    when = when.replace(hour=rng.randrange(8, 23))
    sepc = rng.choice(["-", "/", "."])
    date = when.strftime(f"%Y{sepc}%m{sepc}%d")
    if rng.random() < 0.35:
        date += f"({WEEKDAYS[when.weekday()]})"
    secs = rng.random() < 0.5
    time = when.strftime("%H:%M:%S" if secs else "%H:%M")
    style = rng.randrange(3)
    if style == 0:
        lab = rng.choice(["거래일시: ", "거래일시 : ", "판매일시: ", "결제일시 "])
        s = lab + date + " " + time
        d = doc.text((x0, y), s, body, ink)
        doc.field("paymentDate", date, d.sub(len(lab), len(lab) + len(date)))
        doc.field("paymentTime", time, d.sub(len(lab) + len(date) + 1))
        if rng.random() < 0.5:
            doc.text((x1, y), f"POS:{rng.randrange(1, 9):02d}", body, ink, anchor_x="r")
        y += gap
    elif style == 1:
        s = date + " " + time
        d = doc.text((x0, y), s, body, ink)
        doc.field("paymentDate", date, d.sub(0, len(date)))
        doc.field("paymentTime", time, d.sub(len(date) + 1))
        doc.text((x1, y), rng.choice(["POS:", "No."]) + f"{rng.randrange(1, 9):02d}", body, ink, anchor_x="r")
        y += gap
    else:
        lab1, lab2 = rng.choice([("판매일자: ", "판매시간: "), ("거래일자 : ", "거래시간 : "), ("일자: ", "시간: ")])
        d = doc.text((x0, y), lab1 + date, body, ink)
        doc.field("paymentDate", date, d.sub(len(lab1)))
        y += gap
        d = doc.text((x0, y), lab2 + time, body, ink)
        doc.field("paymentTime", time, d.sub(len(lab2)))
        y += gap
    if rng.random() < 0.4:
        doc.text((x0, y), f"영수증번호: {when.strftime('%Y%m%d')}-{rng.randrange(1, 99):02d}-{rng.randrange(10000):04d}",
                 small, ink)
        y += gap
    sep()

    # Items.
    n_items = rng.randrange(2, 9)
    picks = rng.sample(catalogue, min(n_items, len(catalogue)))
    items = []
    for name, unit in picks:
        cnt = rng.choice([1, 1, 1, 2, 2, 3]) if unit < 15000 else 1
        items.append((name, unit, cnt, unit * cnt))
    no_unit = kind in ("restaurant", "cafe", "bakery") and rng.random() < 0.3
    col_price = x1
    col_count = round(x0 + (x1 - x0) * rng.uniform(0.70, 0.76))
    col_unit = round(x0 + (x1 - x0) * rng.uniform(0.54, 0.60))
    max_name = max(body.getlength(it[0]) for it in items)
    name_limit = (col_count - body.getlength("99") - 20) if no_unit else (col_unit - body.getlength("99,999") - 16)
    two_line = max_name > name_limit or rng.random() < 0.3
    hdr = [rng.choice(["상품명", "품명", "메뉴", "품 목"]), rng.choice(["단가", "단 가"]), rng.choice(["수량", "수 량", "Q"]),
           rng.choice(["금액", "금 액"])]
    hfont = body
    doc.text((x0, y), hdr[0], hfont, ink, role="label")
    if not no_unit:
        doc.text((col_unit, y), hdr[1], hfont, ink, role="label", anchor_x="r")
    doc.text((col_count, y), hdr[2], hfont, ink, role="label", anchor_x="r")
    doc.text((col_price, y), hdr[3], hfont, ink, role="label", anchor_x="r")
    y += gap
    sep()
    numbered = two_line and rng.random() < 0.5
    for i, (name, unit, cnt, price) in enumerate(items):
        prefix = f"{i + 1:03d} " if numbered else ""
        d = doc.text((x0, y), prefix + name, body, ink)
        doc.field(f"items[{i}].name", name, d.sub(len(prefix)))
        if two_line:
            y += round(gap * 0.95)
        if not no_unit:
            d = doc.text((col_unit, y), won(unit), body, ink, anchor_x="r")
            doc.field(f"items[{i}].unitPrice", won(unit), d.box)
        d = doc.text((col_count, y), str(cnt), body, ink, anchor_x="r")
        doc.field(f"items[{i}].count", str(cnt), d.box)
        d = doc.text((col_price, y), won(price), body, ink, anchor_x="r")
        doc.field(f"items[{i}].price", won(price), d.box)
        y += gap
    sep()

    # Totals: subtotal + vat == total == sum of the item prices.
    total = sum(it[3] for it in items)
    vat = round(total / 11)
    subtotal = total - vat
    sub_label = rng.choice(["공급가액", "과세물품가액", "과세 매출", "공급가", "과세물품", "공급가액:"])
    vat_label = rng.choice(["부가세", "부 가 세", "부가가치세", "VAT", "부가세액"])
    tot_label = rng.choice(["합계", "합 계", "합        계", "총액", "합계금액", "총 결제금액", "받을금액", "총 액"])
    big_total = rng.random() < 0.6
    tfont = doc.font(rng.choice(RC_NUM_BOLD), base * 1.25) if big_total else body
    tlfont = doc.font(bold_path, base * 1.25) if big_total else body

    def total_row():
        nonlocal y
        doc.text((x0, y), tot_label, tlfont, ink, role="label")
        d = doc.text((x1, y + (tlfont.size - tfont.size) / 2), won(total), tfont, ink, anchor_x="r")
        doc.field("total", won(total), d.box)
        y += round(gap * (1.25 if big_total else 1))

    def tax_rows():
        nonlocal y
        for key, lab, val in (("subtotal", sub_label, subtotal), ("vat", vat_label, vat)):
            doc.text((x0, y), lab, body, ink, role="label")
            d = doc.text((x1, y), won(val), body, ink, anchor_x="r")
            doc.field(key, won(val), d.box)
            y += gap

    if rng.random() < 0.7:
        tax_rows()
        sep()
        total_row()
    else:
        total_row()
        sep()
        tax_rows()
    sep()

    # Card payment block: label and value on one line.
    cc = rng.choice(CARD_COMPANIES)
    bins = rng.choice(["4", "5", "9"]) + "".join(str(rng.randrange(10)) for _ in range(5))
    last4 = f"{rng.randrange(10000):04d}"
    card_no = rng.choice([f"{bins}******{last4}", f"{bins[:4]}-****-****-{last4}", f"{bins[:4]}-{bins[4:]}**-****-{last4}",
                          f"{bins[:4]}-{bins[4:]}**-****-****", f"****-****-****-{last4}"])
    confirm = "".join(str(rng.randrange(10)) for _ in range(8))
    colon = rng.choice([" : ", ": ", " "])
    rows = [("cardCompany", rng.choice(["카드종류", "카드사", "발급사", "카드명"]), cc),
            ("cardNumber", rng.choice(["카드번호", "카드No"]), card_no),
            (None, rng.choice(["할부개월", "할부"]), rng.choice(["일시불", "00", "03", "일시불"])),
            ("confirmNum", rng.choice(["승인번호", "승인No", "승인NO.", "승인 번호"]), confirm),
            (None, "승인금액", won(total))]
    if rng.random() < 0.6:
        rows.append((None, "가맹점번호", f"{rng.randrange(10 ** 8, 10 ** 9)}"))
    if rng.random() < 0.3:
        rows.insert(3, (None, "매입사", rng.choice(CARD_COMPANIES)))
    if rng.random() < 0.3:  # 승인번호 first, as some VANs print it
        rows.insert(0, rows.pop(3 if rows[3][0] == "confirmNum" else 4))
    for key, lab, val in rows:
        lab_s = lab + colon
        d = doc.text((x0, y), lab_s + val, body, ink)
        if key:
            doc.field(key, val, d.sub(len(lab_s)))
        y += gap
    sep()

    # Footer.
    thanks = rng.choice(["감사합니다. 또 오세요!", "*** 감사합니다 ***", "이용해 주셔서 감사합니다", "Thank you!",
                         "교환/환불은 영수증 지참 7일 이내"])
    doc.text((RW / 2, y), thanks, small, ink, anchor_x="c")
    y += gap
    if rng.random() < 0.5:  # barcode (graphics only)
        bx, bw, bh = RW / 2 - 150, 300, 60
        x = bx
        while x < bx + bw:
            wbar = rng.choice([2, 2, 3, 4])
            doc.d.rectangle((x, y + 10, x + wbar - 1, y + 10 + bh), fill=ink)
            x += wbar + rng.choice([2, 3, 4])
        y += bh + 20
    doc.crop_height(y + rng.randrange(40, 90))
    return doc


# ---------------------------------------------------------------------------------------------------
# Name cards.

CW, CH = 1063, 591


def logo(doc, x, y, size, colour, shape):
    doc.keepout.append((x - 4, y - 4, x + size + 4, y + size + 4))
    if shape == "triangle":
        doc.d.polygon([(x + size / 2, y), (x + size, y + size), (x, y + size)], fill=colour)
    elif shape == "circle":
        doc.d.ellipse((x, y, x + size, y + size), fill=colour)
        doc.d.ellipse((x + size * 0.28, y + size * 0.28, x + size * 0.72, y + size * 0.72), fill=doc.img.getpixel(
            (int(x - 3), int(y - 3))))
    elif shape == "squares":
        h = size / 2 - 3
        for i in range(2):
            for j in range(2):
                if (i, j) != (1, 1):
                    doc.d.rectangle((x + i * (h + 6), y + j * (h + 6), x + i * (h + 6) + h, y + j * (h + 6) + h),
                                    fill=colour)
    else:  # diamond
        doc.d.polygon([(x + size / 2, y), (x + size, y + size / 2), (x + size / 2, y + size), (x, y + size / 2)],
                      fill=colour)


def make_namecard(rng, doc_id, k):
    bg = rng.choice([(255, 255, 255), (250, 248, 243), (252, 246, 236), (244, 247, 250), (247, 247, 247)])
    doc = Doc(rng, "namecard", doc_id, CW, CH, bg)
    layout = ["logo_left", "centred", "two_panel", "name_right"][(k + rng.randrange(4)) % 4]
    english = rng.random() < 0.6
    accent = rng.choice([(230, 120, 20), (20, 70, 150), (0, 120, 110), (150, 30, 50), (60, 60, 60), (90, 50, 140)])
    ink = (rng.randrange(20, 45), rng.randrange(20, 45), rng.randrange(25, 60))
    grey = (rng.randrange(85, 115),) * 3
    dx = rng.uniform(-0.025, 0.025) * CW
    dy = rng.uniform(-0.025, 0.025) * CH

    def jx(v):
        return v + dx + rng.uniform(-0.006, 0.006) * CW

    def jy(v):
        return v + dy + rng.uniform(-0.008, 0.008) * CH

    # Content.
    stem_ko, stem_en = rng.choice(CO_STEMS)
    kind_ko, kind_en, kind_dom = rng.choice(CO_KINDS)
    form = rng.randrange(5)
    co_ko = [f"주식회사 {stem_ko}{kind_ko}", f"(주){stem_ko}{kind_ko}", f"㈜{stem_ko}{kind_ko}",
             f"{stem_ko}{kind_ko} 주식회사", f"{stem_ko}{kind_ko}"][form]
    co_en = f"{stem_en} {kind_en}" + rng.choice([" Co., Ltd.", " Corp.", " Inc.", ""])
    domain = stem_en.lower() + kind_dom + rng.choice([".co.kr", ".com", ".kr"])
    name, sur_en, giv_en = person(rng)
    eng = rng.choice([f"{sur_en.upper()} {giv_en.capitalize()}", f"{giv_en.capitalize()} {sur_en}",
                      f"{rng.choice(WESTERN)} {sur_en}", f"{sur_en.upper()} {rng.choice(WESTERN)}"])
    position = rng.choice(POSITIONS)
    has_dept = rng.random() < 0.7 and position not in ("대표이사",)
    dept_ko, dept_en = rng.choice(DEPTS)
    prov, dist = region(rng)
    area = AREA[prov]
    psep = "." if rng.random() < 0.2 else "-"
    tel = phone(rng, area, psep)
    mobile = f"010{psep}{rng.randrange(2000, 9999)}{psep}{rng.randrange(10000):04d}"
    if english and rng.random() < 0.15:  # international format, as on cards for foreign partners
        tel, mobile = "+82" + psep + tel[1:], "+82" + psep + mobile[1:]
    fax = tel.rsplit(psep, 1)[0] + psep + f"{rng.randrange(10000):04d}" if rng.random() < 0.65 else None
    local = rng.choice([giv_en + "." + sur_en.lower(), giv_en[0] + sur_en.lower(), sur_en.lower() + giv_en,
                        giv_en])
    email = f"{local}@{domain}"
    homepage = ("www." + domain) if rng.random() < 0.6 else None
    addr_words = road_address(rng, prov, dist, comma=rng.random() < 0.6)

    korean_labels = not english and rng.random() < 0.5
    labels = {
        "tel": rng.choice(["전화 ", "T. ", "대표 "]) if korean_labels else rng.choice(["Tel. ", "T. ", "TEL ", "Tel ", "P. "]),
        "mobile": rng.choice(["휴대폰 ", "H.P ", "M. "]) if korean_labels else rng.choice(["M. ", "Mobile ", "H.P ", "C. "]),
        "fax": rng.choice(["팩스 ", "F. "]) if korean_labels else rng.choice(["F. ", "Fax ", "FAX "]),
        "email": rng.choice(["이메일 ", "E. "]) if korean_labels else rng.choice(["E. ", "E-mail ", "Email "]),
        "homepage": rng.choice(["", "W. ", "Web "]),
    }

    reg = rng.choice(NC_REGULAR)
    bold = rng.choice(NC_BOLD)
    latin = rng.choice(NC_LATIN)
    latin_bold = rng.choice(NC_LATIN_BOLD)
    fcontact = doc.font(latin if rng.random() < 0.5 else reg, 23)
    fcontact_ko = load_font(reg, fcontact.size)
    shape = rng.choice(["triangle", "circle", "squares", "diamond"])
    if rng.random() < 0.5:  # a colour band at the bottom or the top
        band_h = rng.randrange(10, 24)
        band = (0, CH - band_h, CW, CH) if rng.random() < 0.5 else (0, 0, CW, band_h)
        doc.d.rectangle(band, fill=accent)
        doc.keepout.append((band[0], band[1] - 6, band[2], band[3] + 6))

    def company_block(x, y, align, colour, en_colour, width=None):
        """Korean company name and (English) below it; returns the bottom y."""
        f = doc.font(bold, 40)
        if width:
            while f.getlength(co_ko) > width and f.size > 20:
                f = load_font(f.path, f.size - 2)
        d1 = doc.text((x, y), co_ko, f, colour, anchor_x=align)
        if not english:
            doc.field("company", co_ko, d1.box)
            return d1.bottom
        fe = doc.font(latin, 22)
        if width:
            while fe.getlength(co_en) > width and fe.size > 12:
                fe = load_font(fe.path, fe.size - 1)
        d2 = doc.text((x, d1.bottom + 12), co_en, fe, en_colour, anchor_x=align)
        doc.field("company", co_ko + " / " + co_en, union(d1.box, d2.box), [d1.box, d2.box])
        return d2.bottom

    def name_block(x, y, align, pos_first=False):
        """Name (+ position on the same line or above), English name, department; returns the bottom y."""
        fn = doc.font(bold, 54)
        fp = doc.font(reg, 28)
        track = rng.choice([0, 0, round(fn.size * 0.15)])
        if pos_first:  # position on its own line above the name
            dp = doc.text((x, y), position, fp, grey, anchor_x=align)
            doc.field("position", position, dp.box)
            dn = doc.text((x, dp.bottom + 10), name, fn, ink, anchor_x=align, tracking=track)
            doc.field("name", name, dn.box)
        else:  # name then position on one line (one line entry)
            gap = rng.randrange(16, 28)
            wn = fn.getlength(name) + track * (len(name) - 1)
            wp = fp.getlength(position)
            if align == "l":
                nx = x
            elif align == "r":
                nx = x - wn - gap - wp
            else:
                nx = x - (wn + gap + wp) / 2
            dn = doc.text((nx, y), name, fn, ink, tracking=track, record=False)
            base_y = dn.y + fn.getbbox(name)[3]  # baseline-ish: align bottoms
            dp = doc.text((nx + wn + gap, base_y - fp.getbbox(position)[3]), position, fp, grey, record=False)
            doc.line(name + " " + position, union(dn.box, dp.box))
            doc.field("name", name, dn.box)
            doc.field("position", position, dp.box)
        y = max(dn.bottom, dp.bottom) + 14
        if english:
            de = doc.text((x, y), eng, doc.font(rng.choice([latin, latin_bold]), 25), grey, anchor_x=align)
            doc.field("englishName", eng, de.box)
            y = de.bottom + 12
        if has_dept:
            fd = doc.font(reg, 24)
            if english and rng.random() < 0.5:
                s = dept_ko + " / " + dept_en
                dd = doc.text((x, y), s, fd, grey, anchor_x=align)
                doc.field("department", s, dd.box)
            else:
                dd = doc.text((x, y), dept_ko, fd, grey, anchor_x=align)
                if english:
                    de = doc.text((x, dd.bottom + 8), dept_en, doc.font(latin, 20), grey, anchor_x=align)
                    doc.field("department", dept_ko + " / " + dept_en, union(dd.box, de.box), [dd.box, de.box])
                    dd = de
                else:
                    doc.field("department", dept_ko, dd.box)
            y = dd.bottom + 10
        return y

    def contact(key, value, x, y, align="l"):
        lab = labels[key]
        s = lab + value
        f = fcontact if all(has_glyph(fcontact, ch) for ch in s if not ch.isspace()) else fcontact_ko
        d = doc.text((x, y), s, f, ink, anchor_x=align)
        doc.field(key, value, d.sub(len(lab)))
        return d

    def address(x, y, width, align="l", lab=""):
        f = doc.font(reg, 22)
        lines = wrap(f, addr_words, width - f.getlength(lab))
        boxes = []
        for i, ln in enumerate(lines):
            s = lab + ln if i == 0 else ln
            lx = x + (f.getlength(lab) if i and align == "l" else 0)
            d = doc.text((lx, y), s, f, ink, anchor_x=align)
            boxes.append(d.sub(len(lab)) if i == 0 else d.box)
            y = d.bottom + 10
        doc.field("address", " ".join(lines), union(*boxes), boxes)
        return y

    contacts = [("tel", tel), ("mobile", mobile)] + ([("fax", fax)] if fax else []) + [("email", email)] + (
        [("homepage", homepage)] if homepage else [])
    pitch = round(fcontact.size * rng.uniform(1.4, 1.6))
    addr_lab = rng.choice(["", "", "A. ", "주소 "]) if not korean_labels else rng.choice(["", "주소 "])

    if layout in ("logo_left", "name_right"):
        lx, ly, ls = jx(60), jy(55), rng.randrange(48, 64)
        logo(doc, lx, ly, ls, accent, shape)
        company_block(lx + ls + 18, ly, "l", accent if rng.random() < 0.6 else ink, grey)
        if layout == "logo_left":
            name_block(jx(70), jy(185), "l", pos_first=rng.random() < 0.2)
        else:
            name_block(jx(CW - 70), jy(175), "r", pos_first=rng.random() < 0.2)
        # Contacts: two columns, then the address.
        cy = jy(372 if len(contacts) > 4 else 392)
        cx0, cx1 = jx(59), jx(559)
        ys = []
        for i, (key, val) in enumerate(contacts):
            col, row = i % 2, i // 2
            d = contact(key, val, cx0 if col == 0 else cx1, cy + row * pitch)
            ys.append(d.bottom)
        address(cx0, max(ys) + 14, CW - 120, lab=addr_lab)
    elif layout == "centred":
        ls = rng.randrange(44, 58)
        logo(doc, CW / 2 - ls / 2 + dx, jy(34), ls, accent, shape)
        yb = company_block(CW / 2 + dx, jy(34) + ls + 14, "c", accent if rng.random() < 0.5 else ink, grey)
        yb = name_block(CW / 2 + dx, yb + 28, "c", pos_first=rng.random() < 0.3)
        # Contacts: pairs side by side, centred.
        y = max(yb + 8, jy(CH - 40 - pitch * 4))
        pairs = [contacts[i:i + 2] for i in range(0, len(contacts), 2)]
        for pair in pairs:
            if len(pair) == 2:
                contact(pair[0][0], pair[0][1], CW / 2 + dx - 20, y, align="r")
                contact(pair[1][0], pair[1][1], CW / 2 + dx + 20, y)
            else:
                contact(pair[0][0], pair[0][1], CW / 2 + dx, y, align="c")
            y += pitch
        address(CW / 2 + dx, y + 4, CW - 140, align="c", lab=addr_lab)
    else:  # two-panel: coloured left panel with logo and company, details on the right
        pw = round(CW * rng.uniform(0.34, 0.40))
        doc.d.rectangle((0, 0, pw, CH), fill=accent)
        ls = rng.randrange(56, 76)
        logo(doc, pw / 2 - ls / 2, jy(150), ls, (250, 250, 250), shape)
        company_block(pw / 2, jy(150) + ls + 22, "c", (255, 255, 255), (235, 235, 235), width=pw - 40)
        rx = pw + 50 + rng.uniform(-10, 20)
        yb = name_block(rx, jy(50), "l", pos_first=rng.random() < 0.2)
        y = max(yb + 10, jy(CH - 52 - pitch * (len(contacts) + 1.6)))
        for key, val in contacts:
            contact(key, val, rx, y)
            y += pitch
        address(rx, y + 4, CW - rx - 40, lab=addr_lab)
    return doc


def make(maker, rng, doc_id, k):
    """Draws a document until its text fits (each try goes on drawing from the same rng)."""
    for _ in range(50):
        doc = maker(rng, doc_id, k)
        try:
            doc.check()
            return doc
        except LayoutError:
            continue
    raise RuntimeError(f"{doc_id}: no layout fitted in 50 tries")


MAKERS = {"receipt": make_receipt, "namecard": make_namecard}


def main():
    docgen.main(__doc__, MAKERS, "gen_receipts_namecards", build=make)


if __name__ == "__main__":
    main()
