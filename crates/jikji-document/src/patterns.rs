//! Value patterns and the `formatted` rules of spec §6.1.
//!
//! Finders return *character* ranges (the text model indexes characters, not bytes). The patterns are
//! tolerant of the spacing OCR inserts or drops (`2025 년 04 월 07 일`, `457 - 64 - 46655`) and of the
//! separators receipts use; validation (calendar, checksums) is done by the caller with [`crate::validate`].

use crate::field::Formatted;
use crate::validate::{date_exists, digits_of};
use regex::Regex;
use std::sync::LazyLock;

macro_rules! re {
    ($name:ident, $pat:expr) => {
        static $name: LazyLock<Regex> = LazyLock::new(|| Regex::new($pat).expect("valid pattern"));
    };
}

// Year-first dates (Korean documents): 2025/02/17(월), 2023.07.21, 2015 년 03 월 12 일, 2020. 7. 3.
re!(
    DATE_YMD,
    r"(?i)((?:19|20)\d{2}|\b\d{2})\s*(?:[./\-]|년)\s*(\d{1,2})\s*(?:[./\-]|월)\s*(\d{1,2})(?:\s*일|\s*\.(?:\s|$))?(?:\s*[\(（]\s*(?:[월화수목금토일]|mon|tue|wed|thu|fri|sat|sun)[a-z]*\s*[\)）])?"
);
// Day-first dates (SROIE and other English receipts): 25/12/2018, 05-01-18, 12.03.2018.
re!(
    DATE_DMY,
    r"\b(\d{1,2})\s*([./\-])\s*(\d{1,2})\s*[./\-]\s*((?:19|20)\d{2}|\d{2})\b"
);
// Month-name dates: 25 Dec 2018, 25-DEC-18, Dec 25, 2018. No trailing `\b` (checked in code: a time
// may be glued to the year, `30 May 201818:24`).
re!(
    DATE_MON,
    r"(?i)\b(\d{1,2})\s*[\- ]?\s*(?:\d{1,2}\s*월\s*/\s*)?(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*[\-, ]?\s*((?:19|20)\d{2}|\d{2})"
);
re!(TIME_AT_START, r"^\d{1,2}\s*:\s*\d{2}");
// No leading `\b`: a time glued to its date (`2023.07.2117:23:17`) is still a time.
re!(
    TIME,
    r"(?i)([01]?\d|2[0-3])\s*:\s*([0-5]\d)(?:\s*:\s*([0-5]\d))?(?:\s*([ap])\.?m\.?)?"
);
re!(
    MONEY,
    r"-?\d{1,3}(?:[,.]\d{3})+(?:\.\d{1,2})?|-?\d+(?:\.\d{1,2})?"
);
re!(
    BIZ_NUM,
    r"\b[\dOoIlSB]{3}\s*[-.~]?\s*[\dOoIlSB]{2}\s*[-.~]?\s*[\dOoIlSB]{5}\b"
);
re!(
    PHONE,
    r"(?:\+82[\s\-.)]*)?\(?0\d{1,3}\)?[\s\-.)]*\d{3,4}[\s\-.]*\d{4}\b|\b1[568]\d{2}[\s\-.]\d{4}\b"
);
re!(EMAIL, r"(?i)[a-z0-9._%+\-]+\s*@\s*[a-z0-9.\-]+\.[a-z]{2,}");
re!(
    URL,
    r"(?i)(?:https?://)?(?:www\.)[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?:/[^\s]*)?|https?://[^\s]+"
);
re!(
    CARD_NUM,
    r"\b\d{4}[\s\-]*\d{4}[\s\-]*\d{4}[\s\-]*\d{4}\b|\b\d{4}[\s\-]*\d{6}[\s\-]*\d{5}\b"
);
re!(
    MASKED_CARD,
    r"\d{4}[\s\-]*[\d*xX#]{2,4}[\s\-]*[\d*xX#]{2,4}[\s\-]*[\d*xX#]{2,4}(?:[\s\-]*[\d*xX#]{1,4})?"
);
// MM/YY or MM/YYYY, not inside a longer number (`104/30`) but possibly glued to its label
// (`THRU04/30`).
re!(VALID_THRU, r"(?:^|[^0-9])((?:0[1-9]|1[0-2])\s*/\s*(?:\d{2}|20\d{2}))\b");
// Identity documents. A letter a recogniser confuses with a digit may stand in a digit position
// (mapped by the caller with `biz_digits`); the callers require most positions to be real digits.
// Resident / alien registration number `YYMMDD-GNNNNNN` (group 1), not inside a longer number.
re!(
    REG_NUM,
    r"(?:^|[^0-9A-Za-z])([0-9OoIlSBZ]{6}\s*[-–—~.]?\s*[0-9OoIlSBZ]{7})(?:$|[^0-9A-Za-z])"
);
// A registration number read in part (glare or wear lost digits of its back half): the six date
// digits, the hyphen, then fewer than seven digits, spaces allowed where digits went missing (group 1).
re!(
    REG_NUM_PARTIAL,
    r"(?:^|[^0-9A-Za-z\-])(\d{6}\s*[-–—~]\s*\d(?:[\d ]*\d)?)(?:$|[^0-9A-Za-z])"
);
// Driver's licence number, numeric region code `11-19-123456-01` (group 1).
re!(
    LICENCE_NUM,
    r"(?:^|[^0-9A-Za-z])([0-9OoIlSBZ]{2}\s*[-.]\s*[0-9OoIlSBZ]{2}\s*[-.]\s*[0-9OoIlSBZ]{6}\s*[-.]\s*[0-9OoIlSBZ]{2})(?:$|[^0-9A-Za-z])"
);
// The older form with the region's name, `서울 19-123456-01` (group 1; longest names first).
re!(
    LICENCE_NUM_OLD,
    r"((?:경기남부|경기북부|서울|부산|경기|강원|충북|충남|전북|전남|경북|경남|제주|대구|인천|광주|대전|울산|세종)\s*[0-9OoIlSBZ]{2}\s*[-.]\s*[0-9OoIlSBZ]{6}\s*[-.]\s*[0-9OoIlSBZ]{2})(?:$|[^0-9A-Za-z])"
);
// Licence classes (도로교통법 §80): 1종 대형/보통/소형/특수(대형견인·소형견인·구난), 2종 보통/소형/원동기장치자전거.
re!(
    LICENCE_CLASS,
    r"[12]\s*종\s*(?:대형|보통|소형|특수\s*(?:\(\s*[가-힣]{2,5}\s*\))?|원동기\s*(?:장치\s*자전거)?)"
);
// Status of stay (체류자격) codes, A-1 … H-2 with an optional sub-code (`F-2-7`), usually in brackets.
re!(
    VISA_CODE,
    r"(?:^|[^0-9A-Za-z])(\(?\s*[A-H]\s*-\s*[0-9]{1,2}(?:\s*-\s*[0-9]{1,2})?(?:\s*\))?)(?:$|[^0-9A-Za-z\-])"
);

/// A match: character range in the searched string and the matched text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

fn hits(re: &Regex, s: &str) -> Vec<Hit> {
    re.find_iter(s)
        .map(|m| Hit {
            start: s[..m.start()].chars().count(),
            end: s[..m.end()].chars().count(),
            text: m.as_str().to_string(),
        })
        .collect()
}

/// A parsed date: the matched range and year/month/day (0 where unparsed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateHit {
    pub hit: Hit,
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl DateHit {
    pub fn exists(&self) -> bool {
        date_exists(self.year, self.month, self.day)
    }
}

/// Dates printed (or read) without separators, as a run of exactly eight digits: `20220927`
/// (year first, as Korean card slips print the approval date) or `30032018` (day first: SROIE
/// receipts whose slashes the recogniser lost). Only years 2000–2039 and days that exist, so order,
/// approval and phone numbers rarely pass; the caller uses these only when no separated date is found.
pub fn find_compact_dates(s: &str) -> Vec<DateHit> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let j = (i..chars.len()).find(|&k| !chars[k].is_ascii_digit()).unwrap_or(chars.len());
        if j - i == 8 {
            let d: String = chars[i..j].iter().collect();
            let n = |a: usize, b: usize| d[a..b].parse::<i32>().unwrap_or(0);
            let recent = |y: i32| (2000..=2039).contains(&y);
            let ymd = (n(0, 4), n(4, 6) as u32, n(6, 8) as u32);
            let dmy = (n(4, 8), n(2, 4) as u32, n(0, 2) as u32);
            let found = [ymd, dmy]
                .into_iter()
                .find(|&(y, m, dd)| recent(y) && date_exists(y, m, dd));
            if let Some((year, month, day)) = found {
                out.push(DateHit { hit: Hit { start: i, end: j, text: d }, year, month, day });
            }
        }
        i = j;
    }
    out
}

fn year4(y: &str) -> i32 {
    let v: i32 = y.parse().unwrap_or(0);
    if y.len() == 2 {
        // Two-digit years on receipts: 00-69 → 2000s (receipts are recent), 70-99 → 1900s.
        if v < 70 {
            2000 + v
        } else {
            1900 + v
        }
    } else {
        v
    }
}

fn month_of(name: &str) -> u32 {
    const M: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let n = name.to_ascii_lowercase();
    M.iter()
        .position(|m| n.starts_with(m))
        .map_or(0, |i| i as u32 + 1)
}

/// Every date in `s`, in order, day-first and month-name forms included. Year-first wins where forms
/// overlap. Only dates whose parts are in range are returned; call [`DateHit::exists`] for the calendar.
pub fn find_dates(s: &str) -> Vec<DateHit> {
    let mut out: Vec<DateHit> = Vec::new();
    for c in DATE_YMD.captures_iter(s) {
        let m = c.get(0).unwrap();
        // The regex crate has no look-ahead: a date glued to more digits (`25/12/2018` read year-first
        // as `25/12/20`) is not a date.
        if s[m.end()..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit())
            && !TIME_AT_START.is_match(&s[m.end()..])
        {
            continue;
        }
        // Two different separators (`REG#19-11/05/2018` read year-first as `19-11/05`) make no
        // date; `2019년 5월` and `2019. 5. 2` keep theirs.
        let sep = |a: usize, b: usize| s[c.get(a).unwrap().end()..c.get(b).unwrap().start()].trim();
        let (s1, s2) = (sep(1, 2), sep(2, 3));
        if s1 != s2 && [s1, s2].iter().all(|x| matches!(*x, "." | "/" | "-")) {
            continue;
        }
        let y = year4(&c[1]);
        let mo: u32 = c[2].parse().unwrap_or(0);
        let d: u32 = c[3].parse().unwrap_or(0);
        if (1..=12).contains(&mo) && (1..=31).contains(&d) {
            let hit = Hit {
                start: s[..m.start()].chars().count(),
                end: s[..m.end()].chars().count(),
                text: m.as_str().trim_end().to_string(),
            };
            let hit = Hit {
                end: hit.start + hit.text.chars().count(),
                ..hit
            };
            out.push(DateHit {
                hit,
                year: y,
                month: mo,
                day: d,
            });
        }
    }
    let overlaps =
        |out: &[DateHit], a: usize, b: usize| out.iter().any(|h| a < h.hit.end && h.hit.start < b);
    let mut from = 0;
    while let Some(c) = DATE_DMY.captures_at(s, from) {
        let m = c.get(0).unwrap();
        from = m.end();
        // Mixed separators (`19-11/05/2018`): not a date here; look again from the second number.
        let sep2 = s[c.get(3).unwrap().end()..c.get(4).unwrap().start()].trim();
        if sep2 != &c[2] {
            from = c.get(3).unwrap().start();
            continue;
        }
        let (a, b) = (s[..m.start()].chars().count(), s[..m.end()].chars().count());
        if overlaps(&out, a, b) {
            continue;
        }
        let d: u32 = c[1].parse().unwrap_or(0);
        let mo: u32 = c[3].parse().unwrap_or(0);
        let y = year4(&c[4]);
        if (1..=12).contains(&mo) && (1..=31).contains(&d) {
            out.push(DateHit {
                hit: Hit {
                    start: a,
                    end: b,
                    text: m.as_str().to_string(),
                },
                year: y,
                month: mo,
                day: d,
            });
        }
    }
    for c in DATE_MON.captures_iter(s) {
        let m = c.get(0).unwrap();
        let (a, b) = (s[..m.start()].chars().count(), s[..m.end()].chars().count());
        let rest = &s[m.end()..];
        let glued = rest.chars().next().is_some_and(|c| c.is_alphanumeric());
        if overlaps(&out, a, b) || glued && !TIME_AT_START.is_match(rest) {
            continue;
        }
        let d: u32 = c[1].parse().unwrap_or(0);
        let mo = month_of(&c[2]);
        if (1..=31).contains(&d) && mo > 0 {
            out.push(DateHit {
                hit: Hit {
                    start: a,
                    end: b,
                    text: m.as_str().to_string(),
                },
                year: year4(&c[3]),
                month: mo,
                day: d,
            });
        }
    }
    out.sort_by_key(|h| h.hit.start);
    out
}

/// `formatted` of a date: zero-padded, `00` for a part that did not parse or does not exist.
pub fn format_date(year: i32, month: u32, day: u32) -> Formatted {
    let ok_m = (1..=12).contains(&month);
    let ok_d = ok_m && date_exists(year, month, day);
    Formatted::Date {
        year: if year > 0 {
            format!("{year:04}")
        } else {
            "0000".into()
        },
        month: if ok_m {
            format!("{month:02}")
        } else {
            "00".into()
        },
        day: if ok_d {
            format!("{day:02}")
        } else {
            "00".into()
        },
    }
}

/// `formatted` of a date text that may not parse (`20241017105656` → 2024/10/00 as CLOVA does).
pub fn format_date_text(s: &str) -> Formatted {
    if let Some(d) = find_dates(s).first() {
        return format_date(d.year, d.month, d.day);
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if digits.len() >= 4 {
        let y: i32 = digits[..4].parse().unwrap_or(0);
        let m: u32 = digits.get(4..6).and_then(|x| x.parse().ok()).unwrap_or(0);
        return format_date(y, m, 0);
    }
    Formatted::None
}

/// A time of day with its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeHit {
    pub hit: Hit,
    pub hour: u32,
    pub minute: u32,
    pub second: Option<u32>,
}

pub fn find_times(s: &str) -> Vec<TimeHit> {
    TIME.captures_iter(s)
        .map(|c| {
            let m = c.get(0).unwrap();
            let mut hour: u32 = c[1].parse().unwrap_or(0);
            if let Some(ap) = c.get(4) {
                let pm = ap.as_str().eq_ignore_ascii_case("p");
                if pm && hour < 12 {
                    hour += 12;
                } else if !pm && hour == 12 {
                    hour = 0;
                }
            }
            TimeHit {
                hit: Hit {
                    start: s[..m.start()].chars().count(),
                    end: s[..m.end()].chars().count(),
                    text: m.as_str().to_string(),
                },
                hour,
                minute: c[2].parse().unwrap_or(0),
                second: c.get(3).and_then(|x| x.as_str().parse().ok()),
            }
        })
        .collect()
}

pub fn format_time(t: &TimeHit) -> Formatted {
    Formatted::Time {
        hour: format!("{:02}", t.hour),
        minute: format!("{:02}", t.minute),
        second: format!("{:02}", t.second.unwrap_or(0)),
    }
}

pub fn find_money(s: &str) -> Vec<Hit> {
    hits(&MONEY, s)
}

/// Whether `t` holds an amount with cents (`7.00`, `RM 12.50`): item and total lines have one, address
/// lines do not. Narrower than [`find_money`], which also takes `7,100` and `55100`-like postcodes.
pub fn holds_cents_amount(t: &str) -> bool {
    let b = t.as_bytes();
    (0..b.len().saturating_sub(3)).any(|i| {
        b[i].is_ascii_digit()
            && b[i + 1] == b'.'
            && b[i + 2].is_ascii_digit()
            && b[i + 3].is_ascii_digit()
            && b.get(i + 4).is_none_or(|c| !c.is_ascii_digit())
    })
}

/// Money as digits (`7,100` → `7100`; `9.00` keeps its decimals: `9.00`). A `.` followed by exactly three
/// digits is a thousands separator (`12.500` on some Korean slips).
pub fn money_value(s: &str) -> Option<String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let neg = t.starts_with('-');
    let body: String = t
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect();
    if body.is_empty() || !body.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    // Decimal part: a final `.dd` or `.d`.
    let (int, dec) = match body.rfind('.') {
        Some(p) if body.len() - p - 1 <= 2 && body.len() - p - 1 > 0 => {
            (&body[..p], Some(&body[p + 1..]))
        }
        _ => (body.as_str(), None),
    };
    let int: String = int.chars().filter(char::is_ascii_digit).collect();
    let int = if int.is_empty() { "0".to_string() } else { int };
    let mut v = if neg { format!("-{int}") } else { int };
    if let Some(d) = dec {
        v.push('.');
        v.push_str(d);
    }
    Some(v)
}

/// Numeric value of a money text (for sums), in the smallest unit the text shows.
pub fn money_amount(s: &str) -> Option<f64> {
    money_value(s)?.parse().ok()
}

/// Business numbers; a letter confusable with a digit may stand in a digit position (mapped by
/// [`biz_digits`]), but at least eight positions must be real digits.
pub fn find_biz_numbers(s: &str) -> Vec<Hit> {
    hits(&BIZ_NUM, s)
        .into_iter()
        .filter(|h| h.text.chars().filter(char::is_ascii_digit).count() >= 8)
        .collect()
}

/// The digits of a business number as read, letters in digit positions mapped (`8O622` → `80622`).
pub fn biz_digits(s: &str) -> Vec<u8> {
    s.chars()
        .filter_map(|c| {
            if c.is_ascii_digit() {
                Some(c)
            } else {
                crate::validate::letter_to_digit(c)
            }
        })
        .map(|c| c as u8 - b'0')
        .collect()
}

/// `419-27-00818` form of a 10-digit business number.
pub fn format_biz_number(d: &[u8]) -> String {
    let s: String = d.iter().map(|x| (b'0' + x) as char).collect();
    if s.len() == 10 {
        format!("{}-{}-{}", &s[..3], &s[3..5], &s[5..])
    } else {
        s
    }
}

/// How Korean addresses start: the first two letters of every province and metropolitan city (시·도),
/// which are also their short forms (`경남` for `경상남도`, `서울` for `서울특별시`).
pub const PROVINCES: &[&str] = &[
    "서울", "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "강원", "충북", "충남",
    "충청", "전북", "전남", "전라", "경북", "경남", "경상", "제주",
];

/// Where an unlabelled Korean address starts in `t`, as a char offset: a word beginning with a
/// province (`서울`, `경남`, `경상남도`, after a space or a `:`) followed by a word ending in `시`, `군`
/// or `구` (`진주시`, `강남구`), or a full province name (`세종특별자치시`, `경기도`) followed by a road,
/// `동`, `읍` or `면`. The second word is what tells an address from a word that merely starts like a
/// province (`경기장`, `대구탕`).
pub fn korean_address_start(t: &str) -> Option<usize> {
    let chars: Vec<char> = t.chars().collect();
    let mut words: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() || chars[i] == ':' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ':' {
            i += 1;
        }
        words.push((start, chars[start..i].iter().collect()));
    }
    words.windows(2).find_map(|w| {
        let ((at, first), (_, second)) = (&w[0], &w[1]);
        if !PROVINCES.iter().any(|p| first.starts_with(p)) {
            return None;
        }
        let last = |s: &str| s.chars().last();
        let district = second.chars().count() >= 2 && matches!(last(second), Some('시' | '군' | '구'));
        let full = first.chars().count() >= 3
            && matches!(last(first), Some('시' | '도'))
            && matches!(last(second), Some('로' | '길' | '동' | '읍' | '면'));
        (district || full).then_some(*at)
    })
}

pub fn find_phones(s: &str) -> Vec<Hit> {
    hits(&PHONE, s)
        .into_iter()
        .filter(|h| {
            let d = digits_of(&h.text);
            (8..=13).contains(&d.len())
        })
        .collect()
}

/// Phone as digits (`+82 2-123-4567` → `021234567`).
pub fn phone_value(s: &str) -> String {
    let d: String = s.chars().filter(char::is_ascii_digit).collect();
    match d.strip_prefix("82") {
        Some(rest) if s.trim_start().starts_with('+') => format!("0{rest}"),
        _ => d,
    }
}

pub fn find_emails(s: &str) -> Vec<Hit> {
    hits(&EMAIL, s)
}

pub fn find_urls(s: &str) -> Vec<Hit> {
    hits(&URL, s)
}

pub fn find_card_numbers(s: &str) -> Vec<Hit> {
    hits(&CARD_NUM, s)
}

pub fn find_masked_cards(s: &str) -> Vec<Hit> {
    hits(&MASKED_CARD, s)
        .into_iter()
        .filter(|h| {
            h.text
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '*')
                .count()
                >= 12
        })
        .collect()
}

pub fn find_valid_thru(s: &str) -> Vec<Hit> {
    group_hits(&VALID_THRU, s)
}

/// Hits of capture group 1 of `re` (patterns that assert the characters around the value).
fn group_hits(re: &Regex, s: &str) -> Vec<Hit> {
    re.captures_iter(s)
        .filter_map(|c| c.get(1))
        .map(|m| Hit {
            start: s[..m.start()].chars().count(),
            end: s[..m.end()].chars().count(),
            text: m.as_str().to_string(),
        })
        .collect()
}

/// Resident / alien registration numbers (`800101-2345678`); at least 11 of the 13 positions must be
/// real digits.
pub fn find_registration_numbers(s: &str) -> Vec<Hit> {
    group_hits(&REG_NUM, s)
        .into_iter()
        .filter(|h| h.text.chars().filter(char::is_ascii_digit).count() >= 11)
        .collect()
}

/// Registration numbers read in part (`960905-11 955`): a real `YYMMDD` date, the hyphen, and 1 to 6
/// digits after it (a whole number is [`find_registration_numbers`]'s). Only for placing the fields
/// around a number when no whole one was read: the value cannot be validated.
pub fn find_partial_registration_numbers(s: &str) -> Vec<Hit> {
    group_hits(&REG_NUM_PARTIAL, s)
        .into_iter()
        .filter(|h| {
            let d = biz_digits(&h.text);
            let (month, day) = (d[2] * 10 + d[3], d[4] * 10 + d[5]);
            (1..=12).contains(&month) && (1..=31).contains(&day) && (7..13).contains(&d.len())
        })
        .collect()
}

/// Driver's licence numbers in both forms (`11-19-123456-01`, `서울 19-123456-01`); at least 10 of
/// the digit positions must be real digits.
pub fn find_licence_numbers(s: &str) -> Vec<Hit> {
    let mut out = group_hits(&LICENCE_NUM, s);
    out.extend(group_hits(&LICENCE_NUM_OLD, s));
    out.retain(|h| h.text.chars().filter(char::is_ascii_digit).count() >= 10);
    out.sort_by_key(|h| h.start);
    out
}

/// Licence classes (`1종보통`, `2종 소형`, `1종특수(대형견인)`), as printed.
pub fn find_licence_classes(s: &str) -> Vec<Hit> {
    hits(&LICENCE_CLASS, s)
}

/// Status-of-stay codes (`(D-8)`, `E-9`, `F-2-7`), as printed with their brackets.
pub fn find_visa_codes(s: &str) -> Vec<Hit> {
    group_hits(&VISA_CODE, s)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_month_name_date_may_have_its_time_glued_to_the_year() {
        let d = find_dates("30 May 201818:24");
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].hit.text.as_str(), d[0].year, d[0].month, d[0].day), ("30 May 2018", 2018, 5, 30));
        assert!(find_dates("30 May 20189").is_empty());
        assert!(find_dates("3 Mayfair 2018x").is_empty());
    }

    #[test]
    fn korean_addresses_start_at_a_province_followed_by_a_district() {
        assert_eq!(korean_address_start("경상남도 진주시 진주대로 501"), Some(0));
        assert_eq!(korean_address_start("본사: 서울 강남구 남부순환로 2748"), Some(4));
        assert_eq!(korean_address_start("사업장 소재지 경기도 용인시 기흥구"), Some(8));
        assert_eq!(korean_address_start("세종특별자치시 한누리대로 2130"), Some(0));
        // Words that merely start like a province.
        assert_eq!(korean_address_start("경기장 입장권 2매"), None);
        assert_eq!(korean_address_start("대구탕 1 9,000"), None);
        assert_eq!(korean_address_start("서울"), None);
    }

    use super::*;

    #[test]
    fn korean_dates_keep_their_printed_form() {
        let d = find_dates("거래일시: 2025/02/17(월) 11:38");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].hit.text, "2025/02/17(월)");
        assert_eq!((d[0].year, d[0].month, d[0].day), (2025, 2, 17));
        let d = find_dates("2015 년 03 월 12 일");
        assert_eq!(d[0].hit.text, "2015 년 03 월 12 일");
        let d = find_dates("2020. 7. 3.");
        assert_eq!((d[0].year, d[0].month, d[0].day), (2020, 7, 3));
    }

    #[test]
    fn day_first_and_month_name_dates() {
        let d = find_dates("DATE: 25/12/2018 10:22");
        assert_eq!((d[0].year, d[0].month, d[0].day), (2018, 12, 25));
        assert_eq!(d[0].hit.text, "25/12/2018");
        let d = find_dates("Date 05 Jan 2019");
        assert_eq!((d[0].year, d[0].month, d[0].day), (2019, 1, 5));
        let c = find_compact_dates("30032018 | No. CS-20322 승인 20220927 주문 202200100022911 01012345678");
        let got: Vec<_> = c.iter().map(|d| (d.hit.text.as_str(), d.year, d.month, d.day)).collect();
        assert_eq!(got, vec![("30032018", 2018, 3, 30), ("20220927", 2022, 9, 27)]);
        // Mixed separators are not a year-first date: the day-first one behind them is found.
        let d = find_dates("ORD #58-REG#19-11/05/2018 20:22:56");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].hit.text, "11/05/2018");
        assert_eq!(find_dates("2019. 5. 2")[0].day, 2);
        assert_eq!(find_dates("2019년 5월 2일")[0].month, 5);
    }

    #[test]
    fn date_formatting_zeroes_what_does_not_exist() {
        assert_eq!(
            format_date(2023, 2, 30),
            Formatted::Date {
                year: "2023".into(),
                month: "02".into(),
                day: "00".into()
            }
        );
        assert_eq!(
            format_date_text("20241017105656"),
            Formatted::Date {
                year: "2024".into(),
                month: "10".into(),
                day: "00".into()
            }
        );
        assert_eq!(
            format_date(2024, 2, 29),
            Formatted::Date {
                year: "2024".into(),
                month: "02".into(),
                day: "29".into()
            }
        );
    }

    #[test]
    fn times() {
        let t = find_times("17:23:17");
        assert_eq!(
            format_time(&t[0]),
            Formatted::Time {
                hour: "17".into(),
                minute: "23".into(),
                second: "17".into()
            }
        );
        let t = find_times("02:05 PM");
        assert_eq!(t[0].hour, 14);
    }

    #[test]
    fn amounts_with_cents() {
        assert!(holds_cents_amount("MILO 2 X 3.50 7.00") && holds_cents_amount("RM 12.50"));
        assert!(!holds_cents_amount("NO.32 & 33, JALAN SR 1/9") && !holds_cents_amount("LOT 1.2345"));
    }

    #[test]
    fn money_values() {
        assert_eq!(money_value("7,100").as_deref(), Some("7100"));
        assert_eq!(money_value("9.00").as_deref(), Some("9.00"));
        assert_eq!(money_value("-1,000").as_deref(), Some("-1000"));
        assert_eq!(money_value("1,234.50").as_deref(), Some("1234.50"));
    }

    #[test]
    fn phones_and_numbers() {
        assert_eq!(find_phones("TEL: 061-996-7749")[0].text, "061-996-7749");
        assert_eq!(phone_value("010-1234-5678"), "01012345678");
        assert_eq!(
            find_biz_numbers("사업자번호 457-64-46655")[0].text,
            "457-64-46655"
        );
        assert_eq!(format_biz_number(&digits_of("4192700818")), "419-27-00818");
        assert_eq!(
            find_card_numbers("4679 5802 5273 5397")[0].text,
            "4679 5802 5273 5397"
        );
        assert_eq!(
            find_masked_cards("카드번호 : 549831******9601")[0].text,
            "549831******9601"
        );
        assert_eq!(find_valid_thru("06/32")[0].text, "06/32");
    }

    #[test]
    fn identity_document_numbers() {
        assert_eq!(
            find_registration_numbers("심도열 650930-2264992")[0].text,
            "650930-2264992"
        );
        assert_eq!(
            find_registration_numbers("801117 - 29O4061")[0].text,
            "801117 - 29O4061"
        );
        assert!(
            find_registration_numbers("12650930-2264992").is_empty(),
            "not inside a longer number"
        );
        assert!(
            find_registration_numbers("OOOIIS-SSBBOOZ").is_empty(),
            "mostly letters"
        );
        assert_eq!(
            find_partial_registration_numbers("960905-11 955")[0].text,
            "960905-11 955"
        );
        assert_eq!(find_partial_registration_numbers("주민 650930 - 2")[0].text, "650930 - 2");
        // A whole number, a date that does not exist, no hyphen, inside a longer number: none.
        assert!(find_partial_registration_numbers("650930-2264992").is_empty());
        assert!(find_partial_registration_numbers("651330-22 64").is_empty());
        assert!(find_partial_registration_numbers("650930 2264").is_empty());
        assert!(
            find_partial_registration_numbers("11-650930-22").is_empty(),
            "inside a licence number"
        );
        assert_eq!(
            find_licence_numbers("25-22-312627-78")[0].text,
            "25-22-312627-78"
        );
        assert_eq!(
            find_licence_numbers("면허번호 서울 19-123456-01")[0].text,
            "서울 19-123456-01"
        );
        assert_eq!(
            find_licence_numbers("경기남부 19-123456-01")[0].text,
            "경기남부 19-123456-01"
        );
        assert!(find_licence_numbers("650930-2264992").is_empty());
        let c: Vec<String> = find_licence_classes("1종보통 2종 소형 1종특수(대형견인)")
            .into_iter()
            .map(|h| h.text)
            .collect();
        assert_eq!(c, ["1종보통", "2종 소형", "1종특수(대형견인)"]);
        assert_eq!(find_visa_codes("기업투자(D-8)")[0].text, "(D-8)");
        assert_eq!(find_visa_codes("F-2-7 거주")[0].text, "F-2-7");
        assert!(find_visa_codes("25-22-312627-78").is_empty());
    }
}
