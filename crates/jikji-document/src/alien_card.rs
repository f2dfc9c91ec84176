//! 외국인등록증 (alien registration / residence card, `ac` of spec §11).
//!
//! The front is a column of bilingual labels — the Korean label on one line, its English twin on the
//! line below (`외국인등록번호` / `Reg. No.`, `성명` / `Name`, `성별` / `Sex`, `국가/지역` /
//! `Country/Region`, `체류자격` / `Status`, `발급일자`) — with each value right of the Korean line. So a
//! value is read right of either label, and when the Korean label is misread, from the line above its
//! English twin. The registration number (7th digit 5-8) and the status code (`D-8`, `E-9`, `F-2-7`) are
//! also found by their format; the authority is the immigration office (`○○출입국·외국인사무소장`,
//! `○○출입국·외국인청장`).
//!
//! The back (its tables of extensions of stay and changes of residence) is read by
//! [`crate::alien_card_back`]; a page may hold the front, the back, or both (a copy of both sides).

use crate::alien_card_back::{self, AlienCardBack};
use jikji_clova::uncertain::ALIEN_CARD_BACK_MEMBERS as BACK_MEMBERS;
use crate::extract::{self, field};
use crate::field::{Check, DocField, Formatted};
use crate::geometry;
use crate::id_card::{self, RegNumber};
use crate::labels::{self, Label};
use crate::patterns;
use crate::text::{Page, Span};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlienCard {
    pub alien_reg_num: Option<DocField>,
    pub name: Option<DocField>,
    pub sex: Option<DocField>,
    pub nationality: Option<DocField>,
    pub visa_type: Option<DocField>,
    pub issue_date: Option<DocField>,
    pub authority: Option<DocField>,
    /// The back side's tables (empty when the page shows only the front).
    pub back: AlienCardBack,
}

impl AlienCard {
    /// `(key, values)` of the `ac` member (also the test data's names).
    pub fn fields(&self) -> Vec<(&'static str, Vec<&DocField>)> {
        fn one(f: &Option<DocField>) -> Vec<&DocField> {
            f.iter().collect()
        }
        vec![
            ("alienRegNum", one(&self.alien_reg_num)),
            ("name", one(&self.name)),
            ("sex", one(&self.sex)),
            ("nationality", one(&self.nationality)),
            ("visaType", one(&self.visa_type)),
            ("issueDate", one(&self.issue_date)),
            ("authority", one(&self.authority)),
        ]
        .into_iter()
        .chain(BACK_MEMBERS.into_iter().zip([
            self.back.permission_date.iter().collect(),
            self.back.expiry_date.iter().collect(),
            self.back.report_date.iter().collect(),
            self.back.residence.iter().collect(),
        ]))
        .collect()
    }

    /// `(field, text)` under the test data's names: the back's lists indexed by row
    /// (`expiryDate[1]`), the front's fields by their keys.
    pub fn named_values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in self.fields() {
            for (i, f) in v.into_iter().enumerate().filter(|(_, f)| !f.text.is_empty()) {
                let name = if BACK_MEMBERS.contains(&k) { format!("{k}[{i}]") } else { k.to_string() };
                out.push((name, f.text.clone()));
            }
        }
        out
    }
}

/// A bilingual label: the Korean line and its English twin below it.
struct Bilingual {
    ko: Label,
    en: Label,
}

const REG_NO: Bilingual = Bilingual {
    ko: Label {
        variants: &["외국인등록번호", "등록번호"],
    },
    en: Label {
        variants: &["reg. no.", "registration no", "reg no"],
    },
};
const NAME: Bilingual = Bilingual {
    ko: Label {
        variants: &["성명"],
    },
    en: Label {
        variants: &["name"],
    },
};
const SEX: Bilingual = Bilingual {
    ko: Label {
        variants: &["성별"],
    },
    en: Label { variants: &["sex"] },
};
const COUNTRY: Bilingual = Bilingual {
    ko: Label {
        variants: &["국가/지역", "국적"],
    },
    en: Label {
        variants: &["country/region", "nationality", "country"],
    },
};
const STATUS: Bilingual = Bilingual {
    ko: Label {
        variants: &["체류자격"],
    },
    en: Label {
        variants: &["status", "status of stay"],
    },
};
const ISSUE: Bilingual = Bilingual {
    ko: Label {
        variants: &["발급일자", "발급일"],
    },
    en: Label {
        variants: &["issue date", "date of issue"],
    },
};

fn all_labels() -> Vec<&'static Label> {
    [&REG_NO, &NAME, &SEX, &COUNTRY, &STATUS, &ISSUE]
        .into_iter()
        .flat_map(|b| [&b.ko, &b.en])
        .collect()
}

/// A line starts in the label column when it begins within this many line heights of the label.
const COLUMN_ALIGN: f32 = 1.5;

/// The value of a bilingual label: right of the Korean label, right of the English one, or on the
/// line above the English label (the Korean line, its label misread: the words after the first).
fn bilingual_value(page: &Page, b: &Bilingual, stop: &[&Label]) -> Option<(String, Span)> {
    // A value starts after the whole label: `/Regon` is the rest of `Courtry/Regon`, whose `Courtry`
    // matched the variant `country` (on a hard photo of `scripts/gen-idcards` seed 7).
    let is_value = |v: &Span| {
        let t = page.span_text(*v);
        !t.is_empty()
            && !t.starts_with('/')
            && (v.start != 0 || !extract::is_label(page, v.seg, stop))
    };
    for label in [&b.ko, &b.en] {
        for f in labels::find_all(page, label) {
            if let Some(v) = geometry::value_right(page, &f).filter(is_value) {
                return Some((extract::label_text(page, &f), v));
            }
        }
    }
    let h = page.median_height();
    for f in labels::find_all(page, &b.en) {
        let row = page.segs[f.span.seg].row;
        let Some(above) = row.checked_sub(1) else {
            continue;
        };
        let lx = page.segs[f.span.seg].rect.x0;
        let Some(&s) = page.rows[above]
            .iter()
            .find(|&&s| page.segs[s].rect.x1 > lx)
        else {
            continue;
        };
        let sp = page.trim(page.seg_span(s));
        let v = if (page.segs[s].rect.x0 - lx).abs() < COLUMN_ALIGN * h {
            // The Korean label line: its first word is the (misread) label.
            let chars = &page.segs[s].chars;
            let Some(gap) = (sp.start..sp.end).find(|&i| chars[i].ch.is_whitespace()) else {
                let row = &page.rows[above];
                let pos = row.iter().position(|&x| x == s)?;
                let Some(&next) = row.get(pos + 1) else {
                    continue;
                };
                let v = page.trim(page.seg_span(next));
                if is_value(&v) {
                    return Some((String::new(), v));
                }
                continue;
            };
            page.trim(Span { start: gap, ..sp })
        } else {
            sp
        };
        if is_value(&v) {
            return Some((String::new(), v));
        }
    }
    None
}

/// The sex field from a value span: its last word (a misread label may precede it on the line).
fn sex_field(page: &Page, key: &str, v: Span) -> DocField {
    let t = page.span_text(v);
    let last = t.split_whitespace().last().unwrap_or("");
    let chars = &page.segs[v.seg].chars;
    let start = (v.start..v.end)
        .rev()
        .find(|&i| chars[i].ch.is_whitespace())
        .map_or(v.start, |i| i + 1);
    let sp = Span { start, ..v };
    let (formatted, check) = match sex_value(last) {
        Some(x) => (x.to_string(), Check::Valid),
        None => (last.to_string(), Check::Invalid),
    };
    field(page, &[sp], key, Formatted::Value(formatted), check)
}

/// A line's value when its label was misread: the words after the first when the first holds Hangul
/// (`성영 SANTOSO AGUS` → `SANTOSO AGUS`), else the whole line.
fn after_hangul_word(page: &Page, seg: usize) -> Span {
    let sp = page.trim(page.seg_span(seg));
    let chars = &page.segs[seg].chars;
    let gap = (sp.start..sp.end).find(|&i| chars[i].ch.is_whitespace());
    match gap {
        Some(g) if chars[sp.start..g].iter().any(|c| labels::is_hangul(c.ch)) => page.trim(Span { start: g, ..sp }),
        _ => sp,
    }
}

/// Upper-case Latin words of two letters or more (`SANTOSO AGUS`, `INDONESIA`): the form of the
/// card's name and nationality.
fn is_caps_words(t: &str) -> bool {
    let mut words = t.split_whitespace().peekable();
    words.peek().is_some()
        && words.all(|w| w.chars().count() >= 2 && w.chars().all(|c| c.is_ascii_uppercase() || c == '-' || c == '\''))
}

/// The name, sex and nationality whose labels were not found, by their form and the card's row order
/// below the registration number (row `reg_row`): the name is the first line of upper-case Latin words,
/// the sex the first later line ending in a lone `M`/`F` (`남`/`여`), the nationality the next line of
/// upper-case Latin words after the name. Lines that are labels are skipped; a field already found
/// stays, and the name found by its label (row `name_row`) anchors the ones after it.
fn by_row_order(page: &Page, reg_row: usize, name_row: Option<usize>, stop: &[&Label], r: &mut AlienCard) {
    let below: Vec<usize> = page
        .reading_order()
        .into_iter()
        .filter(|&s| page.segs[s].row > reg_row && !extract::is_label(page, s, stop))
        .collect();
    let caps: Vec<(usize, Span)> = below
        .iter()
        .map(|&s| (s, after_hangul_word(page, s)))
        .filter(|&(_, v)| is_caps_words(&page.span_text(v)))
        .collect();
    let mut name_row = name_row;
    if r.name.is_none() {
        if let Some(&(s, v)) = caps.first() {
            r.name = Some(plain(page, "", v));
            name_row = Some(page.segs[s].row);
        }
    }
    let name_row = name_row.unwrap_or(reg_row);
    if r.sex.is_none() {
        let sex = below.iter().find(|&&s| {
            let t = page.span_text(page.trim(page.seg_span(s)));
            let words: Vec<&str> = t.split_whitespace().collect();
            page.segs[s].row > name_row && words.len() <= 2 && words.last().is_some_and(|w| sex_value(w).is_some())
        });
        if let Some(&s) = sex {
            r.sex = Some(sex_field(page, "", page.trim(page.seg_span(s))));
        }
    }
    if r.nationality.is_none() {
        if let Some(&(_, v)) = caps.iter().find(|(s, _)| page.segs[*s].row > name_row) {
            r.nationality = Some(plain(page, "", v));
        }
    }
}

fn plain(page: &Page, key: &str, v: Span) -> DocField {
    let t = page.span_text(v);
    field(page, &[v], key, Formatted::Value(t), Check::None)
}

/// `M` / `F` from the printed sex (`M`, `F`, `남`, `여`).
fn sex_value(t: &str) -> Option<&'static str> {
    match t {
        "M" | "m" | "남" | "男" => Some("M"),
        "F" | "f" | "여" | "女" => Some("F"),
        _ => None,
    }
}

/// The immigration office's name as the office writes it: `출입국·외국인` with the middle dot, which
/// OCR reads as `.`, `ㆍ`, `•` or drops.
fn office_name(t: &str) -> String {
    let mut s = t.to_string();
    for sep in [".", "ㆍ", "•", "∙", "‧", "・", " ", ""] {
        let from = format!("출입국{sep}외국인");
        if s.contains(&from) {
            s = s.replacen(&from, "출입국·외국인", 1);
            break;
        }
    }
    s
}

pub(crate) fn extract(page: &Page, today: (i32, u32, u32)) -> AlienCard {
    let back = alien_card_back::extract(page, today);
    // A back alone has dates and an authority-like seal but no front: reading the front there would
    // take a table's date for the issue date. The front is read when its title or a foreigner's
    // number is on the page.
    let front = !back.found
        || !crate::labels::find_all_inline(page, &id_card::AC_TITLE).is_empty()
        || id_card::registration_numbers(page).iter().any(|n| n.is_foreigner());
    let mut r = if front { extract_front(page, today) } else { AlienCard::default() };
    r.back = back;
    r
}

fn extract_front(page: &Page, today: (i32, u32, u32)) -> AlienCard {
    let mut r = AlienCard::default();
    let stop = all_labels();

    // Issue date first: it decides whether the number's check digit must hold.
    let mut issue: Option<(String, Span, patterns::DateHit)> = None;
    if let Some((k, v)) = bilingual_value(page, &ISSUE, &stop) {
        if let Some((sp, d)) = extract::rest_of_row(page, v)
            .into_iter()
            .flat_map(|s| id_card::full_dates(page, s.seg))
            .next()
        {
            issue = Some((k, sp, d));
        }
    }
    if issue.is_none() {
        issue = page
            .reading_order()
            .into_iter()
            .flat_map(|s| id_card::full_dates(page, s))
            .last()
            .map(|(sp, d)| (String::new(), sp, d));
    }
    let issued = issue.as_ref().map(|(_, _, d)| (d.year, d.month));
    let issue_row = issue.as_ref().map(|(_, sp, _)| page.segs[sp.seg].row);
    if let Some((k, sp, d)) = &issue {
        r.issue_date = Some(id_card::issue_date_field(page, *sp, d, k, today));
    }

    let numbers = id_card::registration_numbers_or_partial(page);
    let labelled = bilingual_value(page, &REG_NO, &stop).and_then(|(k, v)| {
        let n = numbers
            .iter()
            .find(|n| n.span.seg == v.seg && n.span.start >= v.start)?;
        Some((k, n.clone()))
    });
    let number: Option<(String, RegNumber)> = labelled.or_else(|| {
        let n = numbers
            .iter()
            .find(|n| n.is_foreigner())
            .or(numbers.first())?;
        Some((String::new(), n.clone()))
    });
    if let Some((k, n)) = &number {
        r.alien_reg_num = Some(id_card::registration_field(page, n, k, issued));
    }

    let mut name_row = None;
    if let Some((k, v)) = bilingual_value(page, &NAME, &stop) {
        r.name = Some(plain(page, &k, v));
        name_row = Some(page.segs[v.seg].row);
    }
    if let Some((k, v)) = bilingual_value(page, &SEX, &stop) {
        r.sex = Some(sex_field(page, &k, v));
    }
    if let Some((k, v)) = bilingual_value(page, &COUNTRY, &stop) {
        r.nationality = Some(plain(page, &k, v));
    }
    // Labels misread on a photo (`성영`/`hame`, `AR`/`Sa`, `국기/역`/`Courttry/lilegion`): the values
    // by their form, in the card's row order below the registration number.
    if let Some((_, n)) = &number {
        by_row_order(page, page.segs[n.span.seg].row, name_row, &stop, &mut r);
    }

    // Status of stay: the code in the status value (`기업투자(D-8)` → `(D-8)`), else any code on the card.
    let status = bilingual_value(page, &STATUS, &stop);
    let code = status
        .as_ref()
        .and_then(|(k, v)| {
            extract::find_in(page, *v, patterns::find_visa_codes)
                .into_iter()
                .next()
                .map(|x| (k.clone(), x))
        })
        .or_else(|| {
            extract::find_everywhere(page, patterns::find_visa_codes)
                .into_iter()
                .next()
                .map(|x| (String::new(), x))
        });
    r.visa_type = match (code, &status) {
        (Some((k, (sp, t))), _) => {
            let v: String = t
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            Some(field(page, &[sp], &k, Formatted::Value(v), Check::Valid))
        }
        (None, Some((k, v))) => Some(plain(page, k, *v)),
        (None, None) => None,
    };

    let from = issue_row.map_or(0, |x| x + 1);
    r.authority = id_card::authority(page, from)
        .or_else(|| id_card::authority(page, 0))
        .map(|mut a| {
            let t = office_name(&a.text);
            a.formatted = Formatted::Value(t.clone());
            a.text = t;
            a
        });
    r
}
