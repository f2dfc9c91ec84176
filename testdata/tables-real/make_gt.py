#!/usr/bin/env python3
"""Writes gt.jsonl, gt-ko.jsonl and gt-en.jsonl of the real-table dev set from the hand-written rows below.

The rows ARE the ground truth (transcribed by hand from the images, see README.md); this script only turns
them into the `{"image", "html", ...}` lines that `jikji eval --tables` and `jikji bench --tables` read, in the
same HTML shape as scripts/gen-tables/gen_tables.py (`<td rowspan="2" colspan="3">`, no thead/th).
A cell is a string, or (text, rowspan, colspan). Run: python3 testdata/tables-real/make_gt.py
"""
import html
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
KP = "../../../shared/testdata/korean_photos/images/"
KR = "../../../shared/testdata/korean_real/images/"
SR = "../../../shared/testdata/sroie/images/"


def C(text, rs=1, cs=1):
    return (text, rs, cs)


PAGES = []


def page(image, source, lang, style, variant, note, rows):
    PAGES.append(dict(image=image, source=source, lang=lang, style=style, variant=variant, note=note, rows=rows))


# ---------------------------------------------------------------- Korean (run with --lang ko)

z5 = ["0"] * 5
page(KP + "yunwoong_claude3_medical_bill.png", "korean_photos", "ko", "form", "photo",
     "진료비 계산서·영수증 (A4 form photo). GT = the left 항목 block of the outer grid: 3 header rows + 26 body rows "
     "(기본항목 16, 선택항목 6, three items without group, 합계); the right-hand 금액산정내용 block, the 상한액 초과금 row "
     "and everything below are NOT in the GT although they share the outer frame. 8 columns: group label "
     "(vertical 기본항목/선택항목), item, sub-item (행위료/약품비), 5 amounts; circled numbers kept in the 합계 cells.",
     [
         [C("항목", 3, 3), C("급여", 1, 3), C("비급여", 1, 2)],
         [C("일부 본인부담", 1, 2), C("전액 본인부담", 2, 1), C("선택 진료료", 2, 1), C("선택진료료 이외", 2, 1)],
         ["본인부담금", "공단부담금"],
         [C("기본항목", 16, 1), C("진 찰 료", 1, 2)] + z5,
         [C("입 원 료", 1, 2)] + z5,
         [C("식대", 1, 2)] + z5,
         [C("투약 및 조제료", 2, 1), "행위료"] + z5,
         ["약품비"] + z5,
         [C("주사료", 2, 1), "행위료"] + z5,
         ["약품비", "0", "0", "0", "0", "45,000"],
         [C("마취료", 1, 2)] + z5,
         [C("처치 및 수술료", 1, 2)] + z5,
         [C("검사료", 1, 2)] + z5,
         [C("영상진단료", 1, 2)] + z5,
         [C("방사선치료료", 1, 2)] + z5,
         [C("치료재료대", 1, 2)] + z5,
         [C("재활 및 물리치료료", 1, 2)] + z5,
         [C("정신요법료", 1, 2)] + z5,
         [C("전혈 및 혈액성분제제료", 1, 2)] + z5,
         [C("선택항목", 6, 1), C("CT 진단료", 1, 2)] + z5,
         [C("MRI 진단료", 1, 2)] + z5,
         [C("PET 진단료", 1, 2)] + z5,
         [C("초음파진단료", 1, 2)] + z5,
         [C("보철·교정료·기타", 1, 2)] + z5,
         [C("", 1, 2)] + z5,
         [C("65세 이상 등 정액", 1, 3)] + z5,
         [C("정액수가(요양병원)", 1, 3)] + z5,
         [C("포괄수가진료비", 1, 3)] + z5,
         [C("합계", 1, 3), "① 0", "② 0", "③ 0", "④ 0", "⑤ 45,000"],
     ])

page(KP + "jsh_card_slip_screenshot.png", "korean_photos", "ko", "slip", "screenshot",
     "online card sales slip (매출전표), fully ruled; 3 column lines at different x per row band, so spans. Each ruled "
     "cell holds a grey label line and a value line, joined with one space. The title 매출전표 is outside the grid; "
     "the last row (가맹점명) is cut by the screenshot's bottom edge.",
     [
         ["카드종류 / 매입사 롯데법인카드 / 롯데", C("거래유형 신용구매", 1, 2)],
         [C("카드번호 3762-60**-****-**** **/**", 1, 2), "전표번호 A-0310"],
         ["승인번호 63267125", "금액", "93,182원"],
         ["할부 일시불", "부가세", "9,318원"],
         ["거래일자 2021/05/15/ 23:22:08", "봉사료", "0원"],
         ["원거래일자", "합계", "102,500원"],
         [C("가맹점명 치즈웨이브", 1, 3)],
     ])

page(KP + "hjlee_receipt_handheld.jpg", "korean_photos", "ko", "receipt", "photo",
     "thermal receipt held in a hand, 288x512 (very low resolution). Header + 3 items; each item prints on two "
     "lines (순번+물품명, then the four numbers) and is ONE row. Totals (일반가합계…) not in the GT.",
     [
         ["순번", "물품명", "일반가", "수량", "할인금액", "금액"],
         ["01", "생감자*225g*쿱푸드시스템", "8,000", "1", "2,000", "6,000"],
         ["02", "쌀엔코코아쿠키*85g*순천우리밀제과", "2,700", "1", "680", "2,020"],
         ["03*", "매장이용출자금(500원)", "500", "1", "0", "500"],
     ])

page(KP + "ccv_receipt_scan.jpg", "korean_photos", "ko", "receipt", "scan",
     "thermal receipt on an A4 flatbed scan (EXIF Orientation 8: upright only after EXIF transpose). Header + 5 "
     "items; each item prints on two lines ('NN name', then barcode + 단가 수량 금액) and is ONE row, the 상품명 cell "
     "holding 'NN name barcode'. 합 계 line not in the GT.",
     [
         ["상품명", "단가", "수량", "금액"],
         ["01 스벅 네스프레소과테말라 7613287855602", "10,000", "1", "10,000"],
         ["02 싱글 오리진 콜롬비아 7613037290875", "10,000", "1", "10,000"],
         ["03 하우스 블랜드 7613037280616", "10,000", "1", "10,000"],
         ["04 몰티져스 트러플 200 5000159514194", "9,900", "1", "9,900"],
         ["05 부샤드다크80로우슈가 5413123010910", "9,900", "1", "9,900"],
     ])

page(KP + "gabinibiga_receipt_emart24.jpg", "korean_photos", "ko", "receipt", "photo",
     "thermal receipt on a table (EXIF Orientation 6). Header + 1 item (two lines: name, then barcode + numbers, "
     "ONE row) + its discount line, which has its own 수량/금액 in the same columns and is a row.",
     [
         ["상품", "단가", "수량", "금액"],
         ["(02) 스위츠)복숭아녹차제로500m 8809809700652", "1,700", "1", "1,700"],
         ["-행사:가격행사", "", "-1", "-500"],
     ])

page(KR + "korie_IMG00632.png", "korean_real", "ko", "receipt", "scan",
     "flatbed-scanned thermal receipt (KORIE sample). Header (letter-spaced 단 가 / 금 액 written unspaced, as in "
     "korean_real/gt.jsonl) + 2 items, each followed by its [M+N] 1+1덤 promotion line (own row; the second has no "
     "amount printed). 과세 물품가액… totals not in the GT.",
     [
         ["상품명", "단가", "수량", "금액"],
         ["삼립 옥수수꿀호떡요", "3,980", "1", "3,980"],
         ["[M+N] 1+1덤", "", "", "-3,980"],
         ["삼립 호이호이 꿀호떡", "3,980", "1", "3,980"],
         ["[M+N] 1+1덤", "", "", ""],
     ])

page(KP + "chalim_menu_board.jpg", "korean_photos", "ko", "menu", "photo",
     "printed restaurant menu board, borderless. GT = the upper price list as a 3-column grid (name, size, price): "
     "대中小 and 탕/특 size labels are the middle column with the name spanning their rows, other names span name+size. "
     "Dotted leaders and drawn brackets not transcribed; letter-spaced names kept spaced (as korean_photos/gt.jsonl). "
     "The title 차림상 and the [주류] block (its own, narrower columns) are not in the GT.",
     [
         [C("뼈감자탕", 3, 1), "大", "₩35,000"],
         ["中", "₩30,000"],
         ["小", "₩25,000"],
         [C("뼈 해 장 국", 1, 2), "₩ 8,000"],
         [C("바지락된장찌개", 1, 2), "₩ 8,000"],
         [C("두 루 치 기", 1, 2), "₩ 8,000"],
         [C("삼 계 탕", 1, 2), "₩12,000"],
         [C("삼 겹 살(1인분/180g)", 1, 2), "₩14,000"],
         [C("보 양 탕", 2, 1), "탕", "₩12,000"],
         ["특", "₩15,000"],
         [C("전골·수육·무침(1인분)", 1, 2), "₩25,000"],
         [C("닭백숙·오리백숙", 1, 2), "예약(싯가)"],
     ])

# ---------------------------------------------------------------- English / SROIE (run with --lang en)

page(SR + "225.jpg", "sroie", "en", "receipt", "scan",
     "French cafe receipt; reverse-video header + 3 one-line items. TOTAL FACTURE line not in the GT.",
     [
         ["DESIGNATION", "P.U.", "QTE", "TOTAL"],
         ["CAFE CREME", "12.00", "2", "24.00"],
         ["CAFE EXPRESSO", "10.00", "2", "20.00"],
         ["CHOCOLAT CHAUD", "12.00", "1", "12.00"],
     ])

page(SR + "375.jpg", "sroie", "en", "receipt", "scan",
     "bakery delivery note, 7 columns; header (mixed case as printed) + 4 item rows. The 'Total 0% supplies: 35.14' "
     "line between the 3rd and 4th item and all totals below are not in the GT. Slashed zeros read as 0.",
     [
         ["Description", "U.P", "Iss", "Exc", "D", "Sale", "Amt(RM)"],
         ["O.C. WHITE", "2.13", "4", "1", "0", "3", "6.39"],
         ["WHOLEMEAL", "2.78", "5", "0", "0", "5", "13.90"],
         ["O.C JUMBO", "2.97", "5", "0", "0", "5", "14.85"],
         ["CR-CHOCLT", "0.72", "0", "5", "0", "-5", "-3.60"],
     ])

page(SR + "050.jpg", "sroie", "en", "receipt", "scan",
     "restaurant guest check on an A4 scan; no header row; 8 items x (qty, item, tax code, amount). The wrapped "
     "'Slab' line belongs to item 2's cell. Sub-total/Total lines and the GST Summ block not in the GT.",
     [
         ["1", "Ribs Platter", "SR", "259.90"],
         ["1", "Naughty Spare Rib - Full Slab", "SR", "106.90"],
         ["1", "Apple - 350ml", "SR", "13.90"],
         ["1", "Sour Apple Mojito", "SR", "18.90"],
         ["1", "Berry Easy", "SR", "18.90"],
         ["1", "Aust Rib-eye Steak", "SR", "74.90"],
         ["1", "Fruity Garden Salad", "SR", "21.90"],
         ["2", "HH Asahi 1+1/2", "SR", "77.80"],
     ])

page(SR + "025.jpg", "sroie", "en", "receipt", "scan",
     "stationery receipt on an A4 scan (2481x3508); header (AMOUNT over (RM), one cell) + 2 items, each item two "
     "lines (code + numbers, then '- DESCRIPTION') = ONE row. GST SUMMARY table and totals not in the GT.",
     [
         ["ITEM", "QTY", "U/P", "DISC%", "AMOUNT (RM)"],
         ["TP-24 - DOUBLE SIDED TISSUE TAPE 18MM", "5", "1.32", "0.00", "6.60 *"],
         ["9557546631393 - G SOFT 6ML QUICK DRY CORRECTION PEN", "5", "2.08", "0.00", "10.38 *"],
     ])

page(SR + "600.jpg", "sroie", "en", "receipt", "scan",
     "retail receipt; header + 2 items, each item two lines (name, then 'SR-barcode' + numbers) = ONE row. "
     "Totals and the GST Summary block not in the GT.",
     [
         ["Item Code", "Qty", "U/Price", "Amt"],
         ["350ML CALPIS ORIGINAL SR-9556404118038", "1", "2.49", "2.49"],
         ["500ML COKE SR-9555589200392", "1", "2.20", "2.20"],
     ])

page(SR + "525.jpg", "sroie", "en", "receipt", "scan",
     "supermarket receipt on a 4961x7016 A4 scan; no header; 12 items (qty '1x', 'code name' on two lines, amount "
     "with tax code) + 3 'Item promo' lines that carry their own amount (own rows, empty qty). Printed 'CHEK HUP' "
     "(SROIE's csv has CHEK-HUP). Totals and GST block not in the GT.",
     [
         ["1x", "000001038556 CHEK HUP 2IN1", "15.56SR"],
         ["", "Item promo @12.99", "-2.57"],
         ["1x", "000006429720 MS SWM ENZO RT", "10.28SR"],
         ["1x", "000005457342 VALENCIA ORANGE", "18.50SR"],
         ["1x", "000000812627 US RED GLOBE", "10.00SR"],
         ["1x", "000006454333 CN PEAR", "10.50SR"],
         ["1x", "000004023432 CHN FUJI AP 4S", "14.00SR"],
         ["1x", "000008626349 AUS SEEKA KIWI", "10.90SR"],
         ["", "Item promo @9.00", "-1.90"],
         ["1x", "000007773877 CHILE ANGELENO", "7.90SR"],
         ["1x", "000000388658 CUT FRUITS 1.99", "2.50SR"],
         ["1x", "000004291022 CHERRY SUNGOLD", "4.80SR"],
         ["1x", "000007802317 TURKEY CHERRY 2", "18.90SR"],
         ["", "Item promo @11.90", "-7.00"],
         ["1x", "000000135412 SUSHI SET-PTC", "15.00SR"],
     ])

page(SR + "425.jpg", "sroie", "en", "receipt", "scan",
     "food-court receipt on a 4961x7016 A4 scan, slightly skewed; header + 2 items, each two lines ('SR code- name', "
     "then unit price under Item + qty; the line total sits between the two lines) = ONE row. Payment Mode and GST "
     "Summary blocks (their own small tables) not in the GT.",
     [
         ["Item", "Qty", "Total"],
         ["SR I00100000170- Imported Veggies $1.60", "1", "$1.60"],
         ["SR I00100000035- 1 Meat + 3 Vege $7.10", "1", "$7.10"],
     ])


def cell(c):
    return c if isinstance(c, tuple) else (c, 1, 1)


def check(p):
    """Every row must fill the same number of grid slots once spans are placed."""
    occupied = {}
    width = None
    for r, row in enumerate(p["rows"]):
        col = 0
        for c in row:
            text, rs, cs = cell(c)
            while (r, col) in occupied:
                col += 1
            for dr in range(rs):
                for dc in range(cs):
                    occupied[(r + dr, col + dc)] = True
            col += cs
        while (r, col) in occupied:
            col += 1
        width = width or col
        assert col == width, f"{p['image']}: row {r} fills {col} columns, expected {width}"
    return len(p["rows"]), width


def to_html(rows):
    out = ["<table>"]
    for row in rows:
        out.append("<tr>")
        for c in row:
            text, rs, cs = cell(c)
            a = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            out.append(f"<td{a}>{html.escape(text, quote=False)}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def main():
    files = {"gt.jsonl": [], "gt-ko.jsonl": [], "gt-en.jsonl": []}
    for p in PAGES:
        nrows, ncols = check(p)
        assert (HERE / p["image"]).exists(), p["image"]
        rec = {"image": p["image"], "html": to_html(p["rows"]), "style": p["style"], "variant": p["variant"],
               "lang": p["lang"], "source": p["source"], "rows": nrows, "cols": ncols, "note": p["note"]}
        line = json.dumps(rec, ensure_ascii=False)
        files["gt.jsonl"].append(line)
        files[f"gt-{p['lang']}.jsonl"].append(line)
    for name, lines in files.items():
        (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(lines)} pages")


if __name__ == "__main__":
    main()
