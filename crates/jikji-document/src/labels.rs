//! Label dictionaries and tolerant label matching.
//!
//! A label is matched on its *key*: NFKC, lower case, without spaces and without the punctuation that
//! decorates labels (`:`, `.`, `·`, brackets). So `상          호`, `상호 :` and `상 호` all have the key
//! `상호`, and `T O T A L` matches `total`. Labels of five or more key characters also match with one
//! OCR error (`사업장소재시`), those with Hangul of twelve or more with two (`처젝/Nationality`),
//! shorter ones only exactly: with two-letter labels a tolerance would match ordinary words.

use crate::text::{Page, Span};
use unicode_normalization::UnicodeNormalization;

/// Key characters from which one edit is tolerated (see the module docs).
const FUZZY_MIN_LEN: usize = 5;

/// Keys from this length tolerate two edits: the bilingual labels of passports and ID cards
/// (`국적/Nationality`, `기간만료일/Date of expiry`, 13-18 key characters) came out of the photo
/// recogniser with two wrong characters (`처젝/Nationality`, `기간만효일/Date of expiy`) in 3 of
/// the labels missed on the synthetic passport photos; at twelve characters two edits still leave ten
/// that must agree. Only keys with Hangul (the bilingual and long Korean labels): English labels
/// differ by two letters within one family (`total incl gst` / `total excl gst`). (One edit on four-syllable Hangul labels was tried and dropped: `가맹점명` then
/// matched `가맹점번호`, and Korean labels share such prefixes often.)
const FUZZY2_MIN_LEN: usize = 12;

/// Edits tolerated when matching a label key of these characters.
fn tolerance(key: &[char]) -> usize {
    if key.len() >= FUZZY2_MIN_LEN && key.iter().any(|&c| is_hangul(c)) {
        2
    } else if key.len() >= FUZZY_MIN_LEN {
        1
    } else {
        0
    }
}

/// A label: the field it names and its printed variants (Korean, English, abbreviations).
#[derive(Debug, Clone, Copy)]
pub struct Label {
    pub variants: &'static [&'static str],
}

impl Label {
    /// Whether one of the variants has the key `k` (a [`key`] already taken of a whole word).
    pub fn has_key(&self, k: &str) -> bool {
        !k.is_empty() && self.variants.iter().any(|v| key(v) == k)
    }
}

/// Characters that are not part of a label's key.
fn is_decoration(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            ':' | '：'
                | '.'
                | '·'
                | 'ㆍ'
                | '•'
                | '('
                | ')'
                | '['
                | ']'
                | '<'
                | '>'
                | '*'
                | '_'
                | '|'
                | '/'
                | '-'
                | ','
                | '\''
        )
}

/// The key of a string (see the module docs).
pub fn key(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_decoration(c))
        .collect()
}

/// Levenshtein distance over chars.
pub fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j + 1] + 1)
                .min(cur[j] + 1)
                .min(prev[j] + usize::from(ca != cb));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A label found on the page: where it is and which variant matched.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    /// The label's characters (first segment; a label spread over several segments of a row ends in
    /// `end_seg`).
    pub span: Span,
    /// Segment and character index just after the label.
    pub end_seg: usize,
    pub end: usize,
    /// Edit distance of the match (0 = exact).
    pub dist: usize,
}

/// The key characters of a row from segment `seg`, character `from` on, each with the (segment, char
/// index) it came from.
fn row_key_from(page: &Page, seg: usize, from: usize) -> Vec<(char, usize, usize)> {
    let row = &page.rows[page.segs[seg].row];
    let pos = row.iter().position(|&s| s == seg).unwrap_or(0);
    let mut out = Vec::new();
    for &s in &row[pos..] {
        for (i, c) in page.segs[s].chars.iter().enumerate() {
            if s == seg && i < from {
                continue;
            }
            let t: String = std::iter::once(c.ch)
                .collect::<String>()
                .nfkc()
                .flat_map(char::to_lowercase)
                .collect();
            for k in t.chars() {
                if !is_decoration(k) {
                    out.push((k, s, i));
                }
            }
        }
    }
    out
}

/// Matches `label` at the start of segment `seg` (possibly continuing over the following segments of
/// its row, for letter-spaced labels split at wide gaps). Leading bullets are skipped.
pub fn match_at(page: &Page, seg: usize, label: &Label) -> Option<Found> {
    match_from(page, seg, 0, label)
}

/// Matches `label` starting at character `from` of segment `seg`.
pub fn match_from(page: &Page, seg: usize, from: usize, label: &Label) -> Option<Found> {
    let rk = row_key_from(page, seg, from);
    if rk.is_empty() || rk[0].1 != seg {
        return None;
    }
    let rkc: Vec<char> = rk.iter().map(|x| x.0).collect();
    // Longest label first, one edit costing two characters: `사업장소재시` is `사업장소재지` misread,
    // not the shorter label `사업장` followed by `소재시`.
    let mut best: Option<(i64, usize, usize)> = None; // (-score, dist, matched len)
    for v in label.variants {
        let vk: Vec<char> = key(v).chars().collect();
        if vk.is_empty() {
            continue;
        }
        let tol = tolerance(&vk);
        let lo = vk.len().saturating_sub(tol).max(1);
        let hi = (vk.len() + tol).min(rkc.len());
        for n in lo..=hi {
            if n > rkc.len() {
                break;
            }
            let d = edit_distance(&rkc[..n], &vk);
            if d <= tol {
                let cand = (-(vk.len() as i64 - 2 * d as i64), d, n);
                if best.map_or(true, |b| (cand.0, cand.1) < (b.0, b.1)) {
                    best = Some(cand);
                }
            }
        }
    }
    let (_, dist, n) = best?;
    let (_, end_seg, mut last) = rk[n - 1];
    // A label must end at a word boundary or before a separator/digit, so `합계` does not match the
    // start of `합계표준`. Checked on the original characters after the label.
    let chars = &page.segs[end_seg].chars;
    let next = chars.get(last + 1).map(|c| c.ch);
    if let Some(c) = next {
        let vk_last_is_hangul = is_hangul(rkc[n - 1]);
        if vk_last_is_hangul && is_hangul(c) && dist == 0 && n < 4 {
            return None;
        }
        if rkc[n - 1].is_ascii_alphabetic() && c.is_ascii_alphabetic() {
            return None;
        }
    }
    // A closing bracket belongs to the label (`법인명(단체명)`).
    while page.segs[end_seg]
        .chars
        .get(last + 1)
        .is_some_and(|c| matches!(c.ch, ')' | ']' | '>' | '）'))
    {
        last += 1;
    }
    Some(Found {
        span: Span {
            seg,
            start: from,
            end: if end_seg == seg {
                last + 1
            } else {
                page.segs[seg].len()
            },
        },
        end_seg,
        end: last + 1,
        dist,
    })
}

pub fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// Every place `label` starts a segment, best matches first (exact before fuzzy, then top to bottom).
pub fn find_all(page: &Page, label: &Label) -> Vec<Found> {
    let mut out: Vec<Found> = page
        .reading_order()
        .into_iter()
        .filter_map(|s| match_at(page, s, label))
        .collect();
    out.sort_by_key(|f| f.dist);
    out
}

/// Like [`find_all`], also matching at every word start inside a segment (`사업의 종류 : 업태 제조업`),
/// after the segment-start matches. For labels that are printed mid-line; generic labels would match
/// inside other labels (`SUB TOTAL`).
pub fn find_all_inline(page: &Page, label: &Label) -> Vec<Found> {
    let mut out = find_all(page, label);
    for s in page.reading_order() {
        let chars = &page.segs[s].chars;
        for i in 1..chars.len() {
            if chars[i - 1].ch.is_whitespace() && !chars[i].ch.is_whitespace() {
                if let Some(f) = match_from(page, s, i, label) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// True when `text` starts with any label of `labels` (used to stop continuation lines).
pub fn starts_with_any(page: &Page, seg: usize, labels: &[&Label]) -> bool {
    labels.iter().any(|l| match_at(page, seg, l).is_some())
}

macro_rules! labels {
    ($($name:ident = [$($v:expr),* $(,)?];)*) => {
        $(pub const $name: Label = Label { variants: &[$($v),*] };)*
    };
}

// Business registration certificate (사업자등록증).
labels! {
    BIZ_TITLE = ["사업자등록증", "사업자 등록증", "business registration certificate"];
    REGISTER_NUMBER = ["등록번호", "사업자등록번호", "registration number", "registration no"];
    COMPANY_NAME = ["상호", "상호명", "trade name"];
    CORP_NAME = ["법인명(단체명)", "법인명", "단체명", "corporate name"];
    REP_NAME = ["대표자", "성명", "대표자성명", "name of representative", "representative"];
    OPEN_DATE = ["개업연월일", "개업년월일", "개업일", "date of opening"];
    BIRTH = ["생년월일", "date of birth"];
    CORP_REGISTER_NUM = ["법인등록번호", "corporate registration number"];
    BIS_ADDRESS = ["사업장소재지", "사업장 주소", "사업장", "business address", "place of business"];
    HEAD_ADDRESS = ["본점소재지", "본점 주소", "head office address", "head office"];
    BIS_TYPE = ["업태", "type of business"];
    BIS_ITEM = ["종목", "item of business"];
    BIS_KIND = ["사업의종류", "business type"];
    ISSUE_REASON = ["발급사유", "교부사유", "reason for issue"];
    JOINT = ["공동사업자"];
    ISSUE_NUMBER = ["발급번호"];
    TAX_FLAG = ["사업자단위과세적용사업자여부", "전자세금계산서전용전자우편주소"];
}

// Receipts.
labels! {
    RECEIPT_BIZ_NUM = ["사업자번호", "사업자등록번호", "사업자 No", "등록번호", "사업자", "biz no", "business no", "gst id", "gst reg no", "co reg no", "roc no"];
    RECEIPT_REP = ["대표자", "대표", "대표자명", "성명"];
    RECEIPT_ADDRESS = ["주소", "소재지", "address", "addr"];
    RECEIPT_TEL = ["전화번호", "전화", "tel", "t", "phone", "연락처"];
    RECEIPT_DATETIME = ["거래일시", "거래일자", "판매일시", "판매일자", "결제일시", "승인일시", "일시", "일자", "date", "거래일", "매출일"];
    ITEM_NAME = ["상품명", "품명", "품목", "메뉴", "item", "description", "상품"];
    ITEM_UNIT = ["단가", "price", "u/price", "unit price"];
    ITEM_COUNT = ["수량", "qty", "quantity"];
    ITEM_PRICE = ["금액", "amount", "amt", "total"];
    SUBTOTAL = ["과세물품가액", "과세물품", "공급가", "과세 매출", "과세매출", "공급가액", "과세금액", "물품가액", "과세공급가액", "sub total", "subtotal"];
    VAT = ["부가세", "부가세액", "부가가치세", "세액", "vat", "gst", "tax"];
    TOTAL = ["합계", "합계금액", "총합계", "총액", "총금액", "받을금액", "받을돈", "결제금액", "총결제금액", "판매금액", "판매합계", "청구금액", "total", "grand total", "total amount", "nett total", "net total", "total incl gst", "total (incl gst)", "rounded total", "total sales", "amount due"];
    DISCOUNT = ["할인", "할인금액", "에누리", "discount"];
    CARD_COMPANY = ["카드종류", "카드사", "카드명", "발급사", "매입사", "카드구분"];
    CARD_NUMBER = ["카드번호", "카드no", "card no", "card number"];
    CONFIRM_NUM = ["승인번호", "승인no", "approval no", "auth no", "approval code"];
    CARD_PRICE = ["승인금액", "카드결제", "신용카드", "카드금액"];
    INSTALLMENT = ["할부개월", "할부"];
    MERCHANT_NO = ["가맹점번호"];
}

// Name cards.
labels! {
    NC_MOBILE = ["mobile", "m", "hp", "h.p", "c.p", "cp", "휴대폰", "핸드폰", "휴대전화", "mob", "cell"];
    NC_FAX = ["fax", "f", "팩스"];
    NC_TEL = ["tel", "t", "phone", "전화", "office", "direct", "d"];
    NC_EMAIL = ["e-mail", "email", "e", "메일", "이메일", "mail"];
    NC_WEB = ["web", "w", "homepage", "홈페이지", "url", "www", "website"];
    NC_ADDRESS = ["주소", "address", "add", "a"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    #[test]
    fn keys_ignore_spacing_and_decoration() {
        assert_eq!(key("상          호 :"), "상호");
        assert_eq!(key("T O T A L"), "total");
        assert_eq!(key("법인명(단체명)"), "법인명단체명");
    }

    #[test]
    fn letter_spaced_and_fuzzy_labels_match() {
        let p = page(&[
            ("개 업 연 월 일", 0.0, 0.0),
            ("2020년 01월 02일", 300.0, 0.0),
            ("사업장소재시 서울", 0.0, 40.0),
            ("상", 0.0, 80.0),
            ("호", 100.0, 80.0),
            ("누리", 300.0, 80.0),
        ]);
        let pg = Page::new(&p);
        let f = find_all(&pg, &OPEN_DATE);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].dist, 0);
        let f = find_all(&pg, &BIS_ADDRESS);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].dist, 1);
        let f = find_all(&pg, &COMPANY_NAME);
        assert_eq!(f.len(), 1, "label split over two segments");
        assert_eq!(pg.segs[f[0].end_seg].text(), "호");
    }

    #[test]
    fn short_labels_do_not_match_inside_words() {
        let p = page(&[
            ("합계표준 100", 0.0, 0.0),
            ("Total: 12.00", 0.0, 40.0),
            ("Totally", 0.0, 80.0),
        ]);
        let pg = Page::new(&p);
        assert!(find_all(&pg, &TOTAL)
            .iter()
            .all(|f| pg.segs[f.span.seg].text().starts_with("Total:")));
    }

    #[test]
    fn long_hangul_labels_tolerate_two_errors_english_ones_one() {
        const NATIONALITY: Label = Label {
            variants: &["국적/nationality"],
        };
        const INCL: Label = Label {
            variants: &["total incl gst"],
        };
        let p = page(&[
            ("처젝/Nationality", 0.0, 0.0),
            ("TOTAL EXCL GST 10.00", 0.0, 40.0),
            ("TOTAL INCI GST 11.00", 0.0, 80.0),
        ]);
        let pg = Page::new(&p);
        let f = find_all(&pg, &NATIONALITY);
        assert_eq!((f.len(), f[0].dist), (1, 2));
        let f = find_all(&pg, &INCL);
        assert_eq!(f.len(), 1, "two letters apart is another label in English");
        assert!(pg.segs[f[0].span.seg].text().contains("INCI"));
    }
}
