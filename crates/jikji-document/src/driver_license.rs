//! 운전면허증 (driver's licence, `dl` of spec §11).
//!
//! Under the title: the licence classes (`1종보통`, `2종소형`, …, several possible), the licence number
//! (`11-19-123456-01`, or the older `서울 19-123456-01` with the region's name), the name with the
//! registration number right of it, the address, the aptitude-test / renewal period
//! (`적성검사기간` / `갱신기간` `2020.01.01 ~ 2029.12.31`), the conditions (`조건`), the issue date, the
//! authority (`○○지방경찰청장`, `경찰청장`), the serial code (six letters and digits) and, on some
//! licences, the organ-donation mark. Numbers and classes are found by their format, the period and
//! conditions by their labels, the rest by position as on the resident card.

use crate::extract::{self, field};
use crate::field::{Check, DocField, Formatted};
use crate::id_card::{self, RegNumber};
use crate::labels::{self, Label};
use crate::patterns::{self, DateHit};
use crate::text::{Page, Span};
use crate::validate;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DriverLicense {
    /// Licence classes, one per class printed.
    pub classes: Vec<DocField>,
    pub num: Option<DocField>,
    pub name: Option<DocField>,
    pub personal_num: Option<DocField>,
    pub address: Option<DocField>,
    pub renew_start_date: Option<DocField>,
    pub renew_end_date: Option<DocField>,
    pub condition: Option<DocField>,
    pub code: Option<DocField>,
    pub organ_donation: Option<DocField>,
    pub issue_date: Option<DocField>,
    pub authority: Option<DocField>,
}

impl DriverLicense {
    /// `(key, values)` of the `dl` member (also the test data's names).
    pub fn fields(&self) -> Vec<(&'static str, Vec<&DocField>)> {
        fn one(f: &Option<DocField>) -> Vec<&DocField> {
            f.iter().collect()
        }
        vec![
            ("type", self.classes.iter().collect()),
            ("num", one(&self.num)),
            ("name", one(&self.name)),
            ("personalNum", one(&self.personal_num)),
            ("address", one(&self.address)),
            ("renewStartDate", one(&self.renew_start_date)),
            ("renewEndDate", one(&self.renew_end_date)),
            ("condition", one(&self.condition)),
            ("code", one(&self.code)),
            ("organDonation", one(&self.organ_donation)),
            ("issueDate", one(&self.issue_date)),
            ("authority", one(&self.authority)),
        ]
    }
}

const RENEW: Label = Label {
    variants: &["적성검사기간", "갱신기간", "적성검사", "aptitude test"],
};
const CONDITION: Label = Label {
    variants: &["조건", "condition"],
};
const ORGAN_DONATION: &str = "장기기증";

/// Whether `t` holds the organ-donation mark, one character misread or lost at most (`장기기중`,
/// `기기증`): the mark is small print in a box, and the unseen licences of `scripts/gen-idcards` read it
/// `장기기중` (seeds 5 and 6) and `기기증` (a hard photo of seed 9) on a photo.
fn has_organ_mark(t: &str) -> bool {
    let key: Vec<char> = labels::key(t).chars().collect();
    let mark: Vec<char> = ORGAN_DONATION.chars().collect();
    (mark.len() - 1..=mark.len() + 1).any(|n| key.windows(n).any(|w| labels::edit_distance(w, &mark) <= 1))
}

/// Two dates of one line joined as a period: only a tilde (read as such, or as `-`, `–`, `〜`) or
/// nothing between them (`2017.01.01-2017.12.31` on a photo whose renewal label was not read).
fn joined_as_period(page: &Page, dates: &[(Span, DateHit)]) -> bool {
    let [(a, _), (b, _)] = dates else { return false };
    if a.seg != b.seg || a.end > b.start {
        return false;
    }
    let between = page.span_text(Span { start: a.end, end: b.start, ..*a });
    let between = between.trim();
    between.is_empty() || ["~", "-", "–", "〜", "∼", "～"].contains(&between)
}

/// Where the organ-donation mark starts in `v`: the last word start from which the rest of `v` holds
/// the mark (`조건 장기기증` → at `장`; a mark read as two words, `장기 기증`, from its first).
fn organ_mark_start(page: &Page, v: Span) -> Option<usize> {
    let chars = &page.segs[v.seg].chars;
    (v.start..v.end)
        .rev()
        .filter(|&i| !chars[i].ch.is_whitespace() && (i == v.start || chars[i - 1].ch.is_whitespace()))
        .find(|&i| has_organ_mark(&page.span_text(Span { start: i, ..v })))
}

/// The organ-donation mark found at `sp`. Its text is the mark itself, also when it was read with a
/// syllable wrong (`장기기중`): the field says the printed mark is there, and the mark has one text.
fn organ_mark_field(page: &Page, sp: Span) -> DocField {
    let mark = ORGAN_DONATION.to_string();
    extract::field_with_text(page, &[sp], mark.clone(), "", Formatted::Value(mark), Check::None)
}

/// The row of the conditions' label, where it was read.
fn cond_label_row(page: &Page) -> Option<usize> {
    labels::find_all(page, &CONDITION)
        .first()
        .map(|f| page.segs[f.span.seg].row)
}

/// A word of licence condition codes: capitals `A`-`I` (automatic transmission, hand controls, …)
/// separated by commas (`A,G`, `B,`).
fn is_condition_codes(word: &str) -> bool {
    let mut parts = word.split(',').filter(|p| !p.is_empty()).peekable();
    parts.peek().is_some() && parts.all(|p| matches!(p, "A" | "B" | "C" | "D" | "E" | "F" | "G" | "H" | "I"))
}

/// A label read this short or shorter is skipped before an unlabelled conditions value (`조건` read
/// `초`, `최a`).
const MISREAD_LABEL_MAX_CHARS: usize = 3;
/// Edits allowed to an organ-donation mark on the conditions' row found by form: the row holds only the
/// codes and the mark, so two of its four syllables may be misread or lost (`강기기`).
const ROW_MARK_EDITS: usize = 2;

/// The conditions of row `row` read without their label: after at most one short word (the label
/// misread), the words that are condition codes (none when they were not read); and a word after them
/// that is the organ-donation mark misread ([`row_mark`]). `None` when the row has neither.
fn unlabelled_conditions(page: &Page, row: usize) -> Option<(Vec<Span>, Option<Span>)> {
    let words = row_words(page, row)?;
    let is_codes = |w: &Span| is_condition_codes(&page.span_text(*w));
    let skip = usize::from(
        words.first().is_some_and(|w| !is_codes(w) && w.end - w.start <= MISREAD_LABEL_MAX_CHARS),
    );
    let codes: Vec<Span> = words[skip..].iter().copied().take_while(|w| is_codes(w)).collect();
    // Without codes the row's evidence is the mark alone: it must keep most of its syllables.
    let min_chars = if codes.is_empty() { MARK_ALONE_MIN_CHARS } else { 2 };
    let found = row_mark(page, &words[skip + codes.len()..], min_chars);
    (!codes.is_empty() || found.is_some()).then_some((codes, found))
}

/// The words of row `row`, left to right.
fn row_words(page: &Page, row: usize) -> Option<Vec<Span>> {
    Some(page.rows.get(row)?.iter().flat_map(|&s| page.words(page.trim(page.seg_span(s)))).collect())
}

/// A mark misread on the conditions' row with no condition codes read beside it keeps at least this
/// many Hangul syllables (`풍기기층`, `기기증`; `장기` alone is not the mark).
const MARK_ALONE_MIN_CHARS: usize = 3;

/// A word of `words` (the conditions' row after its label and codes) that is the organ-donation mark
/// misread: at most [`ROW_MARK_EDITS`] from it, `min_hangul` syllables of it Hangul (`풍기기층`,
/// `강기기`).
fn row_mark(page: &Page, words: &[Span], min_hangul: usize) -> Option<Span> {
    let mark: Vec<char> = ORGAN_DONATION.chars().collect();
    words.iter().copied().find(|w| {
        let key: Vec<char> = labels::key(&page.span_text(*w)).chars().collect();
        key.iter().filter(|c| labels::is_hangul(**c)).count() >= min_hangul
            && labels::edit_distance(&key, &mark) <= ROW_MARK_EDITS
    })
}

/// A conditions value is a few code letters (`A`, `B,G`) or a short phrase; longer text is something
/// else on the row.
const CONDITION_MAX_CHARS: usize = 12;
/// The serial code: six capital letters and digits.
const SERIAL_LEN: usize = 6;
/// Masked at the end of a licence number: the six-digit serial and the two digits after it.
const LICENCE_MASKED_DIGITS: usize = 8;

/// The licence number as a field: region code checked, letters in digit positions mapped, the serial
/// part masked.
fn licence_field(page: &Page, sp: Span, text: &str) -> DocField {
    let region: String = text.chars().take_while(|c| labels::is_hangul(*c)).collect();
    let d = patterns::biz_digits(&text[region.len()..]);
    let s: String = d.iter().map(|x| (b'0' + x) as char).collect();
    let (formatted, ok) = if region.is_empty() && d.len() == 12 {
        (
            format!("{}-{}-{}-{}", &s[..2], &s[2..4], &s[4..10], &s[10..]),
            validate::licence_region_valid(d[0] * 10 + d[1]),
        )
    } else if d.len() == 10 {
        (
            format!("{region} {}-{}-{}", &s[..2], &s[2..8], &s[8..]),
            true,
        )
    } else {
        (text.to_string(), false)
    };
    let letters = text.chars().any(|c| c.is_ascii_alphabetic());
    let check = if ok { Check::Valid } else { Check::Invalid };
    let shown = if letters {
        formatted.clone()
    } else {
        text.to_string()
    };
    let mut f =
        extract::field_with_text(page, &[sp], shown, "", Formatted::Value(formatted), check);
    f.masks = id_card::mask_last_digits(page, sp, LICENCE_MASKED_DIGITS);
    f
}

pub(crate) fn extract(page: &Page, today: (i32, u32, u32)) -> DriverLicense {
    let mut r = DriverLicense::default();
    let stop = [&RENEW, &CONDITION];

    for (sp, t) in extract::find_everywhere(page, patterns::find_licence_classes) {
        let v: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        r.classes
            .push(field(page, &[sp], "", Formatted::Value(v), Check::None));
    }
    let licence = extract::find_everywhere(page, patterns::find_licence_numbers)
        .into_iter()
        .next();
    if let Some((sp, t)) = &licence {
        r.num = Some(licence_field(page, *sp, t));
    }
    let overlaps_licence = |n: &RegNumber| {
        licence.as_ref().is_some_and(|(sp, _)| {
            sp.seg == n.span.seg && sp.start < n.span.end && n.span.start < sp.end
        })
    };
    let numbers: Vec<RegNumber> = id_card::registration_numbers_or_partial(page)
        .into_iter()
        .filter(|n| !overlaps_licence(n))
        .collect();
    let number = numbers.first();

    // Renewal period: the two dates right of its label (or any `date ~ date` line).
    let mut renew_row = None;
    let mut period: Option<(String, Vec<(Span, DateHit)>)> = None;
    for (f, v) in extract::label_values_inline(page, &RENEW) {
        let dates: Vec<(Span, DateHit)> = extract::rest_of_row(page, v)
            .into_iter()
            .flat_map(|s| id_card::full_dates(page, s.seg))
            .collect();
        if dates.len() >= 2 {
            renew_row = Some(page.segs[f.span.seg].row);
            period = Some((extract::label_text(page, &f), dates));
            break;
        }
    }
    if period.is_none() {
        for s in page.reading_order() {
            let dates = id_card::full_dates(page, s);
            if dates.len() == 2 && joined_as_period(page, &dates) {
                renew_row = Some(page.segs[s].row);
                period = Some((String::new(), dates));
                break;
            }
        }
    }
    if let Some((key, dates)) = &period {
        let (a, b) = (&dates[0], &dates[1]);
        let ordered = a.1.exists()
            && b.1.exists()
            && (a.1.year, a.1.month, a.1.day) < (b.1.year, b.1.month, b.1.day);
        // Both dates valid when they exist and are in order; a comma read for a dot is put right.
        let mk = |(sp, d): &(Span, DateHit)| id_card::dated_field(page, *sp, d, key, ordered);
        r.renew_start_date = Some(mk(a));
        r.renew_end_date = Some(mk(b));
    }

    // Issue date: the first full date after the renewal period (else the last full date not in it).
    let mut issue: Option<(Span, DateHit)> = None;
    for s in page.reading_order() {
        let row = page.segs[s].row;
        if Some(row) == renew_row || number.is_some_and(|n| row <= n.row(page)) {
            continue;
        }
        if let Some(d) = id_card::full_dates(page, s).into_iter().next() {
            let after = renew_row.is_some_and(|rr| row > rr);
            issue = Some(d);
            if after {
                break;
            }
        }
    }
    let issued = issue.as_ref().map(|(_, d)| (d.year, d.month));
    let issue_row = issue.as_ref().map(|(sp, _)| page.segs[sp.seg].row);
    if let Some((sp, d)) = &issue {
        r.issue_date = Some(id_card::issue_date_field(page, *sp, d, "", today));
    }
    // The conditions' label row, where it was read: it ends the address, and without it the
    // conditions are looked for by their form.
    let cond_row = cond_label_row(page);

    if let Some(n) = number {
        r.personal_num = Some(id_card::registration_field(page, n, "", issued));
        let mut x0 = page.segs[n.span.seg].rect.x0;
        if let Some((name, _)) = id_card::name_near(page, n) {
            let t = page.span_text(name);
            r.name = Some(field(page, &[name], "", Formatted::Value(t), Check::None));
            x0 = page.span_rect(name).x0;
        }
        let before = [renew_row, cond_row, issue_row]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(usize::MAX);
        r.address = id_card::address(page, n.row(page), before, x0, &stop);
    }

    // Conditions: a short value right of `조건` (often blank: then no field).
    if let Some((f, v)) = extract::label_values_inline(page, &CONDITION)
        .into_iter()
        .next()
    {
        // The organ-donation mark printed on the conditions' row (and read into one line with them)
        // is not a condition: the value ends before it.
        let v = page.trim(Span { end: organ_mark_start(page, v).unwrap_or(v.end), ..v });
        let t = page.span_text(v);
        let ok = !t.is_empty()
            && t.chars().count() <= CONDITION_MAX_CHARS
            && !t.chars().any(|c| c.is_ascii_digit())
            && (v.start != 0 || !extract::is_label(page, v.seg, &stop));
        if ok {
            r.condition = Some(field(
                page,
                &[v],
                &extract::label_text(page, &f),
                Formatted::Value(t),
                Check::None,
            ));
        }
    }

    // Conditions whose label was not read (`초 A,G 강기기`, `최a G` on a photo): the row under the
    // renewal period, by the form of its value.
    let mut unlabelled_mark = None;
    if r.condition.is_none() && cond_row.is_none() {
        if let Some((codes, mark)) = renew_row.and_then(|rr| unlabelled_conditions(page, rr + 1)) {
            if !codes.is_empty() {
                let mut f = field(page, &codes, "", Formatted::None, Check::None);
                f.formatted = Formatted::Value(f.text.clone());
                r.condition = Some(f);
            }
            unlabelled_mark = mark;
        }
    }

    // Serial code: a lone six-character word of capitals and digits (at least one capital) on a line
    // below the holder's number.
    for s in page.reading_order() {
        if number.is_some_and(|n| page.segs[s].row <= n.row(page)) {
            continue;
        }
        let sp = page.trim(page.seg_span(s));
        let chars = &page.segs[s].chars;
        let end = (sp.start..sp.end)
            .find(|&i| chars[i].ch.is_whitespace())
            .unwrap_or(sp.end);
        let word: String = chars[sp.start..end].iter().map(|c| c.ch).collect();
        if word.chars().count() == SERIAL_LEN
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && word.chars().any(|c| c.is_ascii_uppercase())
        {
            let w = Span { end, ..sp };
            r.code = Some(field(page, &[w], "", Formatted::Value(word), Check::None));
            break;
        }
    }

    for s in page.reading_order() {
        let line = page.trim(page.seg_span(s));
        if let Some(start) = organ_mark_start(page, line) {
            let sp = Span { start, ..line };
            r.organ_donation = Some(organ_mark_field(page, sp));
            break;
        }
    }

    if r.organ_donation.is_none() {
        // On the conditions' row a mark may be misread further: nothing else is printed there.
        let labelled_row_mark = || cond_row.and_then(|row| row_mark(page, &row_words(page, row)?, MARK_ALONE_MIN_CHARS));
        r.organ_donation = unlabelled_mark.or_else(labelled_row_mark).map(|sp| organ_mark_field(page, sp));
    }

    r.authority = id_card::authority(page, issue_row.map_or(0, |x| x + 1));
    if r.authority.is_none() {
        r.authority = id_card::authority(page, 0);
    }
    r
}
