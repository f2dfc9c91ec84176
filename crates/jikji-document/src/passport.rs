//! Passports: the MRZ (read, checked, repaired by [`crate::mrz`]) and the visual zone (bilingual labels
//! with the value below them: `생년월일/Date of birth`), cross-checked against each other.
//!
//! MRZ-backed fields (type, issuing country, number, names, sex) come from the MRZ when its check
//! digits hold — the check digits are stronger evidence than the visual-zone reading — and are
//! reported as printed in the visual zone when both agree.

use crate::extract::{self, field};
use crate::field::{Check, DocField, Formatted};
use crate::geometry;
use crate::labels::{self, Label};
use crate::mrz::{self, Mrz};
use crate::patterns;
use crate::text::{Page, Span};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassportResult {
    pub mrz: Option<Mrz>,
    pub doc_type: Option<DocField>,
    pub issue_country: Option<DocField>,
    pub passport_num: Option<DocField>,
    pub surname: Option<DocField>,
    pub given_name: Option<DocField>,
    pub name_kor: Option<DocField>,
    pub nationality: Option<DocField>,
    pub birth_date: Option<DocField>,
    pub sex: Option<DocField>,
    pub issue_date: Option<DocField>,
    pub expiry_date: Option<DocField>,
    pub authority: Option<DocField>,
    pub personal_num: Option<DocField>,
    pub mrz1: Option<DocField>,
    pub mrz2: Option<DocField>,
    pub recognized: bool,
}

impl PassportResult {
    /// `(name, field)` under the synthetic test data's names.
    pub fn fields(&self) -> Vec<(&'static str, &DocField)> {
        let all: [(&'static str, &Option<DocField>); 15] = [
            ("type", &self.doc_type),
            ("issueCountry", &self.issue_country),
            ("passportNum", &self.passport_num),
            ("surname", &self.surname),
            ("givenName", &self.given_name),
            ("nameKor", &self.name_kor),
            ("nationality", &self.nationality),
            ("birthDate", &self.birth_date),
            ("sex", &self.sex),
            ("issueDate", &self.issue_date),
            ("expiryDate", &self.expiry_date),
            ("authority", &self.authority),
            ("personalNum", &self.personal_num),
            ("mrz1", &self.mrz1),
            ("mrz2", &self.mrz2),
        ];
        all.into_iter()
            .filter_map(|(k, f)| f.as_ref().map(|f| (k, f)))
            .collect()
    }
}

macro_rules! pl {
    ($name:ident, [$($v:expr),*]) => { const $name: Label = Label { variants: &[$($v),*] }; };
}
pl!(TYPE, ["종류/type", "type", "종류"]);
pl!(
    COUNTRY,
    [
        "발행국/issuing country",
        "issuing country",
        "발행국",
        "country code",
        "code of issuing state"
    ]
);
pl!(
    NUMBER,
    [
        "여권번호/passport no",
        "passport no",
        "여권번호",
        "passport number"
    ]
);
pl!(SURNAME, ["성/surname", "surname"]);
pl!(GIVEN, ["이름/given names", "given names", "given name"]);
pl!(NAME_KOR, ["한글성명", "한글 성명"]);
pl!(NATIONALITY, ["국적/nationality", "nationality", "국적"]);
pl!(
    BIRTH,
    ["생년월일/date of birth", "date of birth", "생년월일"]
);
pl!(SEX, ["성별/sex", "sex", "성별"]);
pl!(ISSUE, ["발급일/date of issue", "date of issue", "발급일"]);
pl!(
    EXPIRY,
    [
        "기간만료일/date of expiry",
        "date of expiry",
        "기간만료일",
        "만료일"
    ]
);
pl!(AUTHORITY, ["발행관청/authority", "authority", "발행관청"]);
pl!(
    PERSONAL,
    ["주민등록번호/personal no", "personal no", "주민등록번호"]
);

fn all_labels() -> [&'static Label; 13] {
    [
        &TYPE,
        &COUNTRY,
        &NUMBER,
        &SURNAME,
        &GIVEN,
        &NAME_KOR,
        &NATIONALITY,
        &BIRTH,
        &SEX,
        &ISSUE,
        &EXPIRY,
        &AUTHORITY,
        &PERSONAL,
    ]
}

/// The visual-zone value of a label: the rest of its own segment, else the segment below it.
fn viz(page: &Page, label: &Label, stop: &[&Label]) -> Option<(String, Span)> {
    for f in labels::find_all(page, label) {
        let seg = &page.segs[f.end_seg];
        let rest: String = seg.chars[f.end..].iter().map(|c| c.ch).collect();
        let v = if rest
            .trim()
            .trim_start_matches([':', '/', '.'])
            .trim()
            .is_empty()
        {
            geometry::value_below(page, &f, 2)
        } else {
            geometry::value_right(page, &f)
        };
        if let Some(v) = v {
            if extract::is_label(page, v.seg, stop) && v.start == 0 {
                continue;
            }
            let t = page.span_text(v);
            if mrz::is_mrz_line(&t) {
                continue;
            }
            return Some((extract::label_text(page, &f), v));
        }
    }
    None
}

fn yymmdd(s: &str, future: bool) -> Formatted {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Formatted::None;
    }
    let yy: i32 = s[..2].parse().unwrap_or(0);
    // Birth dates are in the past (yy above this year's → 1900s); expiry dates within the century.
    let year = if future || yy <= 30 {
        2000 + yy
    } else {
        1900 + yy
    };
    patterns::format_date(
        year,
        s[2..4].parse().unwrap_or(0),
        s[4..6].parse().unwrap_or(0),
    )
}

pub fn extract(result: &jikji_types::PageResult) -> PassportResult {
    let upright = crate::orient::upright(result);
    let page = Page::new(&upright);
    let mut r = PassportResult::default();
    let stop = all_labels();

    // MRZ: the MRZ-looking segments, in reading order, with their spans.
    let mut mrz_spans: Vec<Span> = Vec::new();
    for s in page.reading_order() {
        let sp = page.trim(page.seg_span(s));
        if mrz::is_mrz_line(&page.span_text(sp)) {
            mrz_spans.push(sp);
        }
    }
    let lines: Vec<String> = mrz_spans.iter().map(|&s| page.span_text(s)).collect();
    let m = mrz::find(&lines);

    let viz_field = |label: &Label| viz(&page, label, &stop);
    let plain = |label: &Label| -> Option<DocField> {
        viz_field(label).map(|(k, v)| {
            let t = page.span_text(v);
            field(&page, &[v], &k, Formatted::Value(t), Check::None)
        })
    };
    let date = |label: &Label| -> Option<DocField> {
        viz_field(label).map(|(k, v)| {
            let t = page.span_text(v);
            let f = patterns::find_dates(&t)
                .first()
                .map(|d| patterns::format_date(d.year, d.month, d.day))
                .unwrap_or(Formatted::None);
            field(&page, &[v], &k, f, Check::None)
        })
    };
    r.name_kor = plain(&NAME_KOR);
    r.nationality = plain(&NATIONALITY);
    r.authority = plain(&AUTHORITY);
    r.birth_date = date(&BIRTH);
    r.issue_date = date(&ISSUE);
    r.expiry_date = date(&EXPIRY);
    r.personal_num = plain(&PERSONAL);
    if let Some(p) = &mut r.personal_num {
        p.masks = p.polys.clone();
    }

    // MRZ-backed fields: the visual zone's text when it agrees with a checked MRZ, else the MRZ's.
    let from_mrz = |label: &Label, mrz_value: Option<(&str, bool)>| -> Option<DocField> {
        let v = viz_field(label);
        match (v, mrz_value) {
            (Some((k, sp)), Some((mv, ok))) => {
                let t = page.span_text(sp);
                let agree = t.replace(' ', "") == mv.replace(' ', "");
                if agree || !ok {
                    let check = if agree && ok {
                        Check::Valid
                    } else if ok {
                        Check::None
                    } else {
                        Check::Invalid
                    };
                    Some(field(
                        &page,
                        &[sp],
                        &k,
                        Formatted::Value(mv.to_string()),
                        check,
                    ))
                } else {
                    Some(extract::field_with_text(
                        &page,
                        &[sp],
                        mv.to_string(),
                        &k,
                        Formatted::Value(mv.to_string()),
                        Check::Repaired,
                    ))
                }
            }
            (Some((k, sp)), None) => {
                let t = page.span_text(sp);
                Some(field(&page, &[sp], &k, Formatted::Value(t), Check::None))
            }
            (None, Some((mv, ok))) if !mv.is_empty() => {
                let check = if ok { Check::Valid } else { Check::Invalid };
                Some(extract::field_with_text(
                    &page,
                    &mrz_spans,
                    mv.to_string(),
                    "",
                    Formatted::Value(mv.to_string()),
                    check,
                ))
            }
            _ => None,
        }
    };
    let mm = m.as_ref();
    r.doc_type = from_mrz(&TYPE, mm.map(|m| (m.document_code.as_str(), true)));
    r.issue_country = from_mrz(
        &COUNTRY,
        mm.map(|m| (m.issuing_state.as_str(), m.checks.composite)),
    );
    r.passport_num = from_mrz(
        &NUMBER,
        mm.map(|m| (m.document_number.as_str(), m.checks.document_number)),
    );
    r.surname = from_mrz(&SURNAME, mm.map(|m| (m.surname.as_str(), true)));
    r.given_name = from_mrz(&GIVEN, mm.map(|m| (m.given_names.as_str(), true)));
    r.sex = from_mrz(&SEX, mm.map(|m| (m.sex.as_str(), m.checks.composite)));
    if let Some(p) = &mut r.passport_num {
        p.masks = p.polys.clone();
    }
    if let Some(m) = &m {
        // Dates from the MRZ when the visual zone gave none.
        if r.birth_date.is_none() {
            r.birth_date = Some(DocField {
                text: m.birth_date.clone(),
                formatted: yymmdd(&m.birth_date, false),
                ..Default::default()
            });
        }
        if r.expiry_date.is_none() {
            r.expiry_date = Some(DocField {
                text: m.expiry_date.clone(),
                formatted: yymmdd(&m.expiry_date, true),
                ..Default::default()
            });
        }
        let check = if m.checks.all() {
            if m.repaired > 0 {
                Check::Repaired
            } else {
                Check::Valid
            }
        } else {
            Check::Invalid
        };
        let n = mrz_spans.len();
        let k = m.lines.len();
        for (i, line) in m.lines.iter().enumerate() {
            let sp = if n >= k {
                vec![mrz_spans[n - k + i]]
            } else {
                vec![]
            };
            let df = extract::field_with_text(
                &page,
                &sp,
                line.clone(),
                "",
                Formatted::Value(line.clone()),
                check,
            );
            if i == 0 {
                r.mrz1 = Some(df);
            } else if i == 1 {
                r.mrz2 = Some(df);
            }
        }
    }
    // The MRZ repeats the passport number (and the personal number, where the optional data holds one):
    // masking the visual zone alone would leave them readable there.
    if let Some(m) = &m {
        let k = m.lines.len();
        if mrz_spans.len() >= k {
            let spans = &mrz_spans[mrz_spans.len() - k..];
            // A number read from the MRZ alone has the whole MRZ as its polygons: its mask is then only
            // the number's part of it (below), not the names and dates around it.
            let whole: Vec<jikji_geometry::Quad> =
                spans.iter().flat_map(|&s| page.span_polys(s)).collect();
            if let Some(p) = &mut r.passport_num {
                p.masks.retain(|q| !whole.contains(q));
            }
            // Every other printed copy of the (checked) number too, whether or not the visual zone's
            // label was matched: a copy left unmasked would undo the MRZ's mask.
            if m.checks.document_number && m.document_number.len() >= 6 {
                let copies: Vec<jikji_geometry::Quad> = (0..page.segs.len())
                    .filter(|s| !spans.iter().any(|sp| sp.seg == *s))
                    .flat_map(|s| find_copies(&page, s, &m.document_number))
                    .collect();
                if let Some(p) = &mut r.passport_num {
                    for q in copies {
                        if !p.masks.contains(&q) {
                            p.masks.push(q);
                        }
                    }
                }
            }
            for (line, range) in mrz_private_ranges(m) {
                let masks = mrz_char_polys(&page, spans[line], range);
                if let Some(p) = &mut r.passport_num {
                    p.masks.extend(masks);
                } else if let Some(p) = &mut r.mrz2 {
                    p.masks.extend(masks);
                }
            }
        }
    }
    r.recognized = m.is_some()
        || labels::find_all(&page, &NUMBER).len() + labels::find_all(&page, &SURNAME).len() >= 2;
    r.mrz = m;
    if !r.recognized {
        return PassportResult::default();
    }
    r
}

/// The personal parts of an MRZ: `(line index, character range)` of the document number with its check
/// digit, and of the optional data when it is not all fillers (ICAO 9303 parts 4-6: TD3 and TD2 carry
/// the number at the start of line 2; TD1 on line 1 after the document code and the issuing state).
fn mrz_private_ranges(m: &Mrz) -> Vec<(usize, std::ops::Range<usize>)> {
    let (number, optional) = match m.format {
        mrz::MrzFormat::Td3 => ((1, 0..10), (1, 28..43)),
        mrz::MrzFormat::Td2 => ((1, 0..10), (1, 28..35)),
        mrz::MrzFormat::Td1 => ((0, 5..15), (0, 15..30)),
    };
    let mut out = vec![number];
    let filled = m
        .lines
        .get(optional.0)
        .and_then(|l| l.get(optional.1.clone()))
        .is_some_and(|t| t.bytes().any(|b| b != b'<'));
    if filled {
        out.push(optional);
    }
    out
}

/// Polygons of every occurrence of `needle` in segment `seg` (spaces in the segment ignored).
fn find_copies(page: &Page, seg: usize, needle: &str) -> Vec<jikji_geometry::Quad> {
    let chars = &page.segs[seg].chars;
    let idx: Vec<usize> = (0..chars.len())
        .filter(|&i| !chars[i].ch.is_whitespace())
        .collect();
    let hay: Vec<char> = idx
        .iter()
        .map(|&i| chars[i].ch.to_ascii_uppercase())
        .collect();
    let n: Vec<char> = needle.chars().collect();
    let mut out = Vec::new();
    if n.is_empty() || hay.len() < n.len() {
        return out;
    }
    for start in 0..=hay.len() - n.len() {
        if hay[start..start + n.len()] == n[..] {
            out.extend(page.span_polys(Span {
                seg,
                start: idx[start],
                end: idx[start + n.len() - 1] + 1,
            }));
        }
    }
    out
}

/// Polygons of a character range of an MRZ line, counted in the cleaned line's characters (the OCR
/// may have put spaces in the line; `clean_line` drops them).
fn mrz_char_polys(
    page: &Page,
    span: Span,
    range: std::ops::Range<usize>,
) -> Vec<jikji_geometry::Quad> {
    let chars = &page.segs[span.seg].chars[span.start..span.end];
    let (mut start, mut end) = (None, None);
    let mut k = 0;
    for (i, c) in chars.iter().enumerate() {
        if c.ch.is_whitespace() {
            continue;
        }
        if k == range.start {
            start = Some(i);
        }
        k += mrz::clean_line(&c.ch.to_string()).len().max(1);
        if k >= range.end {
            end = Some(i + 1);
            break;
        }
    }
    match (start, end.or(start.map(|_| chars.len()))) {
        (Some(a), Some(b)) if a < b => page.span_polys(Span {
            seg: span.seg,
            start: span.start + a,
            end: span.start + b,
        }),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page;

    #[test]
    fn korean_passport_data_page() {
        let p = page(&[
            ("종류/Type", 300.0, 100.0),
            ("발행국/Issuing country", 450.0, 100.0),
            ("여권번호/Passport No.", 750.0, 100.0),
            ("PM", 300.0, 124.0),
            ("KOR", 450.0, 124.0),
            ("M402X9688", 750.0, 124.0),
            ("성/Surname", 300.0, 160.0),
            ("LEE", 300.0, 184.0),
            ("이름/Given names", 300.0, 220.0),
            ("HUNJ0NG", 300.0, 244.0),
            ("한글성명", 300.0, 280.0),
            ("이훈종", 300.0, 304.0),
            ("생년월일/Date of birth", 300.0, 340.0),
            ("08 12월/DEC 1961", 300.0, 364.0),
            ("PMKORLEE<<HUNJONG<<<<<<<<<<<<<<<<<<<<<<<<<<<", 0.0, 500.0),
            ("M402X96882K0R6112088F3103131<<<<<<<<<<<<<<<8", 0.0, 530.0),
        ]);
        let r = extract(&p);
        assert!(r.recognized);
        let m = r.mrz.as_ref().unwrap();
        assert!(m.checks.all());
        assert_eq!(r.passport_num.as_ref().unwrap().text, "M402X9688");
        assert_eq!(r.doc_type.as_ref().unwrap().text, "PM");
        assert_eq!(r.issue_country.as_ref().unwrap().text, "KOR");
        assert_eq!(
            r.given_name.as_ref().unwrap().text,
            "HUNJONG",
            "visual zone misread corrected by the checked MRZ"
        );
        assert_eq!(r.name_kor.as_ref().unwrap().text, "이훈종");
        assert_eq!(r.birth_date.as_ref().unwrap().text, "08 12월/DEC 1961");
        assert_eq!(
            r.mrz2.as_ref().unwrap().text,
            "M402X96882KOR6112088F3103131<<<<<<<<<<<<<<<8"
        );
        // The number's copy in the MRZ is masked (its first 10 characters of 44), not the whole MRZ.
        let masks = &r.passport_num.as_ref().unwrap().masks;
        let line = p
            .words
            .iter()
            .find(|w| w.text.starts_with("M402X96882"))
            .unwrap()
            .quad
            .bbox();
        let on_mrz: Vec<_> = masks
            .iter()
            .map(|q| q.bbox())
            .filter(|b| b.y0 >= 500.0)
            .collect();
        assert_eq!(on_mrz.len(), 1, "{masks:?}");
        let frac = on_mrz[0].width() / line.width();
        assert!((frac - 10.0 / 44.0).abs() < 0.01, "{frac}");
        assert!((on_mrz[0].x0 - line.x0).abs() < 0.5 && (on_mrz[0].y0 - line.y0).abs() < 0.5);
        // The visual-zone copy is masked as well.
        let viz = p.words.iter().find(|w| w.text == "M402X9688").unwrap().quad;
        assert!(masks.contains(&viz), "{masks:?}");
    }

    #[test]
    fn personal_number_under_its_label() {
        let p = page(&[
            ("생년월일/Date of birth", 300.0, 340.0),
            ("성별/Sex", 650.0, 340.0),
            ("주민등록번호/Personal No.", 820.0, 340.0),
            ("11 MAY 1981", 300.0, 364.0),
            ("F", 650.0, 364.0),
            ("2541257", 820.0, 364.0),
            ("PMKORLEE<<AERAM<<<<<<<<<<<<<<<<<<<<<<<<<<<<<", 0.0, 500.0),
            ("S678634051KOR8105118F29112612541257<<<<<<<02", 0.0, 530.0),
        ]);
        let r = extract(&p);
        assert_eq!(
            r.personal_num.as_ref().map(|f| f.text.as_str()),
            Some("2541257")
        );
        assert_eq!(r.sex.as_ref().map(|f| f.text.as_str()), Some("F"));
    }
}
