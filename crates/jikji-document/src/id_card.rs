//! Identity documents (`/document/id-card`, spec §11): which document the page is — 주민등록증
//! (`ic`), 운전면허증 (`dl`), 외국인등록증 (`ac`) or 여권 (`pp`) — and the dispatch to its extractor
//! ([`crate::resident_card`], [`crate::driver_license`], [`crate::alien_card`], [`crate::passport`]).
//!
//! **Classification** adds up evidence per type: the printed title (`주민등록증`, `자동차운전면허증` /
//! `Driver's License`, `외국인등록증` / `RESIDENCE CARD`, `여권` / `PASSPORT`; tolerant of letter
//! spacing and, for long titles, one OCR error), the number formats (a 13-digit registration number
//! whose 7th digit is 5-8 is a foreigner's; a licence number `NN-NN-NNNNNN-NN` or `서울 NN-NNNNNN-NN`;
//! an MRZ), the type's own labels and its issuing authority. The best type wins; `isConfident` needs
//! its title, its number and a clear margin. A page with too little evidence for any type (a receipt,
//! a blank page) is not an identity document: no fields are read from it.
//!
//! This module also holds what the three Korean cards share: registration numbers (validated against
//! the card's issue date, masked), issue dates (masked), the issuing authority, and `rois`.

use crate::extract::{self, field};
use crate::field::{Check, DocField, Formatted};
use crate::labels::{self, Label};
use crate::mrz;
use crate::passport::{self, PassportResult};
use crate::patterns::{self, DateHit};
use crate::text::{Page, Span};
use crate::validate;
use crate::{alien_card::AlienCard, driver_license::DriverLicense, resident_card::ResidentCard};
use jikji_geometry::{Point, Quad};
use jikji_types::PageResult;

/// The identity document types of spec §11.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdType {
    ResidentCard,
    DriverLicense,
    AlienCard,
    Passport,
}

impl IdType {
    pub const ALL: [IdType; 4] = [
        IdType::ResidentCard,
        IdType::DriverLicense,
        IdType::AlienCard,
        IdType::Passport,
    ];

    /// `result.idtype` on the wire.
    pub fn wire_name(self) -> &'static str {
        match self {
            IdType::ResidentCard => "ID Card",
            IdType::DriverLicense => "Driver's License",
            IdType::AlienCard => "Alien Registration Card",
            IdType::Passport => "Passport",
        }
    }

    /// The member of `result` that holds the fields.
    pub fn member(self) -> &'static str {
        match self {
            IdType::ResidentCard => "ic",
            IdType::DriverLicense => "dl",
            IdType::AlienCard => "ac",
            IdType::Passport => "pp",
        }
    }

    /// The type's name in the synthetic test data (`idcard`, `driverlicense`, `aliencard`, `passport`).
    pub fn test_data_name(self) -> &'static str {
        match self {
            IdType::ResidentCard => "idcard",
            IdType::DriverLicense => "driverlicense",
            IdType::AlienCard => "aliencard",
            IdType::Passport => "passport",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The fields of the document found (one per request: the variants' sizes do not matter).
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum IdDocument {
    Ic(ResidentCard),
    Dl(DriverLicense),
    Ac(AlienCard),
    Pp(PassportResult),
}

/// The understanding of an identity document page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdCardResult {
    /// `None`: the page is no identity document (nothing is reported).
    pub document: Option<IdDocument>,
    pub is_confident: bool,
    /// The card's outline (see [`card_outline`]).
    pub rois: Vec<Quad>,
}

impl IdCardResult {
    pub fn recognized(&self) -> bool {
        self.document.is_some()
    }

    pub fn id_type(&self) -> Option<IdType> {
        Some(match self.document.as_ref()? {
            IdDocument::Ic(_) => IdType::ResidentCard,
            IdDocument::Dl(_) => IdType::DriverLicense,
            IdDocument::Ac(_) => IdType::AlienCard,
            IdDocument::Pp(_) => IdType::Passport,
        })
    }

    /// `(wire key, values)` of the document's member (`ic`, `dl`, …), keys without a value omitted.
    pub fn fields(&self) -> Vec<(&'static str, Vec<&DocField>)> {
        let all = match &self.document {
            None => Vec::new(),
            Some(IdDocument::Ic(r)) => r.fields(),
            Some(IdDocument::Dl(r)) => r.fields(),
            Some(IdDocument::Ac(r)) => r.fields(),
            Some(IdDocument::Pp(r)) => r.fields().into_iter().map(|(k, f)| (k, vec![f])).collect(),
        };
        all.into_iter().filter(|(_, v)| !v.is_empty()).collect()
    }

    /// `(field, text)` under the synthetic test data's names: the wire keys, except that a resident
    /// card's name is split into `name` (Hangul) and `nameHanja` (the bracketed hanja as printed), and
    /// an alien card's back lists its rows by index (`expiryDate[0]`).
    pub fn named_values(&self) -> Vec<(String, String)> {
        match &self.document {
            Some(IdDocument::Ic(r)) => return r.named_values(),
            Some(IdDocument::Ac(r)) => return r.named_values(),
            _ => {}
        }
        let mut out = Vec::new();
        for (k, v) in self.fields() {
            for f in v {
                out.push((k.to_string(), f.text.clone()));
            }
        }
        out
    }
}

/// Reads an identity document; "today" (for "issue date not in the future") is the UTC date.
pub fn extract(result: &PageResult) -> IdCardResult {
    extract_on(result, jikji_calendar::today_utc())
}

/// [`extract`] with the date taken as today.
pub fn extract_on(result: &PageResult, today: (i32, u32, u32)) -> IdCardResult {
    let upright = crate::orient::upright(result);
    let result: &PageResult = &upright;
    let page = Page::new(result);
    let c = classify(&page);
    let Some(t) = c.id_type else {
        return IdCardResult::default();
    };
    let document = match t {
        IdType::ResidentCard => IdDocument::Ic(crate::resident_card::extract(&page, today)),
        IdType::DriverLicense => IdDocument::Dl(crate::driver_license::extract(&page, today)),
        IdType::AlienCard => IdDocument::Ac(crate::alien_card::extract(&page, today)),
        IdType::Passport => {
            let mut r = passport::extract(result);
            if let Some(d) = &mut r.issue_date {
                d.masks = d.polys.clone();
            }
            IdDocument::Pp(r)
        }
    };
    let r = IdCardResult {
        document: Some(document),
        is_confident: c.confident,
        rois: card_outline(result),
    };
    // A type with none of its fields readable (`PASSPORT` printed on a receipt) is no document either;
    // but an alien card's back whose tables were found (their headings read, the rows' 7 px grey
    // print not) is that back, with nothing read from it.
    let unread_back = matches!(&r.document, Some(IdDocument::Ac(a)) if a.back.found);
    if r.fields().is_empty() && !unread_back {
        return IdCardResult::default();
    }
    r
}

// ---- Classification ----

const IC_TITLE: Label = Label {
    variants: &["주민등록증"],
};
const DL_TITLE: Label = Label {
    variants: &[
        "자동차운전면허증",
        "운전면허증",
        "driver's license",
        "driver license",
        "driver's licence",
        "driving licence",
    ],
};
pub(crate) const AC_TITLE: Label = Label {
    variants: &["외국인등록증", "alien registration card", "residence card"],
};
const PP_TITLE: Label = Label {
    variants: &["여권", "passport", "대한민국여권"],
};
/// Number labels one edit away from a title (`주민등록번`호 ~ `주민등록증`): never a title.
const NUMBER_LABELS: Label = Label {
    variants: &["주민등록번호", "외국인등록번호"],
};
const DL_LABELS: [Label; 2] = [
    Label {
        variants: &["적성검사기간", "갱신기간", "적성검사"],
    },
    Label {
        variants: &["조건"],
    },
];
const AC_LABELS: [Label; 3] = [
    Label {
        variants: &["체류자격", "status"],
    },
    Label {
        variants: &["국가/지역", "country/region", "국적"],
    },
    Label {
        variants: &["외국인등록번호", "reg. no."],
    },
];

/// Evidence weights, set from the format (not fitted: only 3 samples per type exist). A printed title
/// is the strongest single sign; a number format is specific to its type (a licence number, a
/// foreigner's 7th digit, an MRZ) or shared (a resident number is on both the resident card and the
/// licence); labels and the authority only corroborate. Checked on the cached OCR of the synthetic
/// samples (`eval_cached -- id-type`): 18/18 identity documents right and confident, both passports
/// passports, the receipt, business licence and name card no identity document.
const TITLE_EXACT: u32 = 4;
const TITLE_FUZZY: u32 = 3;
const SPECIFIC_NUMBER: u32 = 3;
const SHARED_NUMBER: u32 = 2;
const MRZ_FOUND: u32 = 5;
const CORROBORATION_MAX: u32 = 2;
/// Labels of the alien card's back (`허가일자`, `만료일자`, `신고일`, the two tables' headings, `확인`)
/// that make a page the back: three are one table's header, which no other document prints; five are
/// both tables, the back's layout as sure as a title and a number are on the front.
const BACK_LABELS_FOUND: u32 = 3;
const BACK_LABELS_SURE: u32 = 5;
/// A section heading of the back (`체류기간 연장 허가`, `체류지 변경 신고`: seven and eight syllables, on
/// no other document) counts as two labels. On photos of `scripts/gen-idcards` backs (seeds 5-11,
/// plain and hard) 10 of 56 backs were no identity document: one had both headings read and nothing
/// else (its dates misread to `a.o.ㄲ`), the others one heading and two or three rows led by a date,
/// the column labels (`허기일자`, `만일자`: four syllables, matched exactly only) misread.
const BACK_HEADING_WEIGHT: u32 = 2;
/// Two back labels are enough when the page also has [`BACK_DATE_ROWS`] rows that start with a
/// date's shape (the tables' rows: `2016.12.12. 2017.12.11.`, `2021.01.11. 세종특별자치시 …`). On photos
/// of `scripts/gen-idcards` backs (seeds 5-7, plain and hard) 6 of 24 were read as nothing, their grey
/// 7-9 px headers misread; one of them (seed 7) had two labels and four full dates leading rows. On
/// the hard photos of seeds 7 and 8 four more backs have two labels and two or three rows led by a
/// date, some of them misread (`2014.81.11`, `2814.12.31.`, `2020.0930`): the shape is enough, the
/// digits need not make a date. No front starts more than two rows with a date (a licence: its
/// renewal period and issue date) and none prints two of the back's labels.
const BACK_LABELS_WITH_ROWS: u32 = 2;
const BACK_DATE_ROWS: usize = 2;
/// Below this score no type is reported: a title alone (4), or a number with a corroborating label or
/// authority (3), is enough; a resident number alone (2) is not — many forms print one.
const RECOGNIZED_MIN: u32 = 3;
/// `isConfident` needs the winner ahead of the runner-up by this much (one more piece of evidence).
const CONFIDENT_MARGIN: u32 = 2;

/// Rows whose first segment starts with a date's shape (see [`date_shaped`]).
fn date_led_rows(page: &Page) -> usize {
    page.rows
        .iter()
        .filter(|row| {
            row.first().is_some_and(|&s| {
                date_shaped(&page.span_chars(page.trim(page.seg_span(s))))
            })
        })
        .count()
}

/// `chars` start with the shape of a `YYYY.MM.DD` date: four digits, then two and two more, each
/// group after a dot or a comma (spaces allowed; the second may be missing: `2020.0930`), the digits
/// read as they came (`2014.81.11`). Not followed by another digit.
fn date_shaped(chars: &[char]) -> bool {
    date_shape_len(chars).is_some()
}

/// The length of the date shape `chars` start with ([`date_shaped`]), up to its last digit.
pub(crate) fn date_shape_len(chars: &[char]) -> Option<usize> {
    let mut i = 0;
    let digits = |i: &mut usize, n: usize| {
        let ok = chars.get(*i..*i + n).is_some_and(|d| d.iter().all(|c| c.is_ascii_digit()));
        *i += n;
        ok
    };
    // Separators before a group: `min` to two dots or commas, spaces around them.
    let sep = |i: &mut usize, min: usize| {
        let mut marks = 0;
        while let Some(&c) = chars.get(*i) {
            match c {
                '.' | ',' => marks += 1,
                ' ' => {}
                _ => break,
            }
            *i += 1;
        }
        marks >= min && marks <= 2
    };
    let shaped = digits(&mut i, 4)
        && sep(&mut i, 1)
        && digits(&mut i, 2)
        && sep(&mut i, 0)
        && digits(&mut i, 2)
        && !chars.get(i).is_some_and(|c| c.is_ascii_digit());
    shaped.then_some(i)
}

/// The classifier's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classification {
    pub id_type: Option<IdType>,
    pub confident: bool,
    /// Score per type, in [`IdType::ALL`] order.
    pub scores: [u32; 4],
}

/// Best title match of `label` (edit distance), skipping number labels.
fn title(page: &Page, label: &Label) -> Option<usize> {
    labels::find_all_inline(page, label)
        .into_iter()
        .filter(|f| {
            labels::match_from(page, f.span.seg, f.span.start, &NUMBER_LABELS)
                .is_none_or(|n| n.dist > 0)
        })
        .map(|f| f.dist)
        .min()
}

/// Which identity document the page is (see the module docs).
pub fn classify(page: &Page) -> Classification {
    let mut score = [0u32; 4];
    let mut titled = [false; 4];
    let mut numbered = [false; 4];
    for (t, label) in [
        (IdType::ResidentCard, &IC_TITLE),
        (IdType::DriverLicense, &DL_TITLE),
        (IdType::AlienCard, &AC_TITLE),
        (IdType::Passport, &PP_TITLE),
    ] {
        if let Some(d) = title(page, label) {
            score[t.index()] += if d == 0 { TITLE_EXACT } else { TITLE_FUZZY };
            titled[t.index()] = true;
        }
    }
    // Only a number whose birth date and gender digit hold is a person's number here: a corporate
    // registration number (`134571-6573530` on a business licence) has the same shape. And only one
    // printed as the cards print it, in two parts: thirteen digits in a row are a product report
    // number on a food label (`2010055607187`) or a card payment's approval number on a receipt.
    for n in registration_numbers(page) {
        let two_parts = n.text.chars().any(|c| !c.is_ascii_alphanumeric());
        if !two_parts || validate::resident_number_check(&n.digits) == Check::Invalid {
            continue;
        }
        if n.is_foreigner() {
            numbered[IdType::AlienCard.index()] = true;
        } else {
            numbered[IdType::ResidentCard.index()] = true;
            numbered[IdType::DriverLicense.index()] = true;
        }
    }
    if numbered[IdType::AlienCard.index()] {
        score[IdType::AlienCard.index()] += SPECIFIC_NUMBER;
    }
    if numbered[IdType::ResidentCard.index()] {
        score[IdType::ResidentCard.index()] += SHARED_NUMBER;
        score[IdType::DriverLicense.index()] += SHARED_NUMBER;
    }
    if !extract::find_everywhere(page, patterns::find_licence_numbers).is_empty() {
        score[IdType::DriverLicense.index()] += SPECIFIC_NUMBER;
        numbered[IdType::DriverLicense.index()] = true;
    }
    if mrz_lines(page).is_some() {
        score[IdType::Passport.index()] += MRZ_FOUND;
        numbered[IdType::Passport.index()] = true;
    }
    let count = |ls: &[Label]| {
        ls.iter()
            .filter(|l| !labels::find_all(page, l).is_empty())
            .count() as u32
    };
    let classes =
        u32::from(!extract::find_everywhere(page, patterns::find_licence_classes).is_empty());
    score[IdType::DriverLicense.index()] += (count(&DL_LABELS) + classes).min(CORROBORATION_MAX);
    score[IdType::AlienCard.index()] += count(&AC_LABELS).min(CORROBORATION_MAX);
    // Each label found counts once, each heading found BACK_HEADING_WEIGHT times.
    let headings = count(&crate::alien_card_back::HEADINGS);
    let labels_read = count(&crate::alien_card_back::COLUMN_LABELS) + headings;
    let back = labels_read + (BACK_HEADING_WEIGHT - 1) * headings;
    let back_by_rows = back >= BACK_LABELS_WITH_ROWS && date_led_rows(page) >= BACK_DATE_ROWS;
    if back >= BACK_LABELS_FOUND || back_by_rows {
        score[IdType::AlienCard.index()] += TITLE_EXACT;
        titled[IdType::AlienCard.index()] = true;
        numbered[IdType::AlienCard.index()] |= labels_read >= BACK_LABELS_SURE;
    }
    if let Some(t) = authority_kind(page) {
        score[t.index()] += 1;
    }
    let mut order: Vec<IdType> = IdType::ALL.to_vec();
    order.sort_by_key(|t| std::cmp::Reverse(score[t.index()]));
    let (best, second) = (order[0], order[1]);
    let b = score[best.index()];
    if b < RECOGNIZED_MIN {
        return Classification {
            id_type: None,
            confident: false,
            scores: score,
        };
    }
    let confident = titled[best.index()]
        && numbered[best.index()]
        && b >= score[second.index()] + CONFIDENT_MARGIN;
    Classification {
        id_type: Some(best),
        confident,
        scores: score,
    }
}

/// The MRZ of a passport page, if it has one.
fn mrz_lines(page: &Page) -> Option<mrz::Mrz> {
    let lines: Vec<String> = page
        .reading_order()
        .into_iter()
        .map(|s| page.span_text(page.seg_span(s)))
        .filter(|t| mrz::is_mrz_line(t))
        .collect();
    mrz::find(&lines)
}

/// The type an issuing authority line points to: police (licence), immigration (alien card), a
/// mayor / district head / county head (resident card).
fn authority_kind(page: &Page) -> Option<IdType> {
    let mut kind = None;
    for s in page.reading_order() {
        let Some((_, text)) = authority_cut(page, page.trim(page.seg_span(s))) else {
            continue;
        };
        let k = labels::key(&text);
        let t = if k.contains("경찰청") {
            IdType::DriverLicense
        } else if k.contains("출입국") || k.contains("외국인청") {
            IdType::AlienCard
        } else {
            IdType::ResidentCard
        };
        kind = Some(t);
    }
    kind
}

// ---- What the Korean cards share ----

/// A resident / alien registration number found on the page.
#[derive(Debug, Clone)]
pub(crate) struct RegNumber {
    pub span: Span,
    pub text: String,
    /// 13 digits (letters in digit positions mapped), or 7 to 12 for a number read in part
    /// ([`partial_registration_number`]).
    pub digits: Vec<u8>,
}

impl RegNumber {
    /// 7th digit 5-8: a foreigner's number (alien registration).
    pub fn is_foreigner(&self) -> bool {
        self.digits.get(6).is_some_and(|d| (5..=8).contains(d))
    }
    /// Digits were lost in reading (fewer than 13).
    pub fn is_partial(&self) -> bool {
        self.digits.len() < 13
    }
    pub fn row(&self, page: &Page) -> usize {
        page.segs[self.span.seg].row
    }
}

/// The label of a corporate registration number, whose number has a resident number's shape
/// (`법인등록번호 : 110111-1234567`, its first six digits a registry office and entity type).
const CORPORATE_NUMBER: &str = "법인등록번호";

/// Whether the text before `span` on its row ends with the corporate number's label.
fn corporate_labelled(page: &Page, span: Span) -> bool {
    let row = &page.rows[page.segs[span.seg].row];
    let mut before = String::new();
    for &s in row.iter().take_while(|&&s| s != span.seg) {
        before.push_str(&page.span_text(page.seg_span(s)));
    }
    before.push_str(&page.span_text(Span { start: 0, end: span.start, ..span }));
    labels::key(&before).ends_with(CORPORATE_NUMBER)
}

/// The numbers `find` finds on the page, in reading order, that are not labelled as a corporate number.
fn person_numbers<'p>(
    page: &'p Page<'p>,
    find: fn(&str) -> Vec<patterns::Hit>,
) -> impl Iterator<Item = RegNumber> + 'p {
    extract::find_everywhere(page, find)
        .into_iter()
        .filter(|(span, _)| !corporate_labelled(page, *span))
        .map(|(span, text)| RegNumber {
            digits: patterns::biz_digits(&text),
            span,
            text,
        })
}

/// Every registration number of a person on the page, in reading order (not a corporate number).
pub(crate) fn registration_numbers(page: &Page) -> Vec<RegNumber> {
    person_numbers(page, patterns::find_registration_numbers)
        .filter(|n| n.digits.len() == 13)
        .collect()
}

/// The first registration number read in part (`960905-11 955`: glare over two digits), for when no
/// whole one was read: the card's other fields are placed around the number, so without it a
/// resident card loses its name and address too (a glare spot on a hard photo of
/// `scripts/gen-idcards` seed 7 did that).
pub(crate) fn partial_registration_number(page: &Page) -> Option<RegNumber> {
    person_numbers(page, patterns::find_partial_registration_numbers).next()
}

/// Every whole registration number on the page or, when there is none, the first one read in part.
pub(crate) fn registration_numbers_or_partial(page: &Page) -> Vec<RegNumber> {
    let whole = registration_numbers(page);
    if whole.is_empty() {
        partial_registration_number(page).into_iter().collect()
    } else {
        whole
    }
}

/// The registration number as a field: validated (date part, gender digit, check digit where the
/// card's issue date says it must hold), repaired only when unique, its 7 back digits masked.
pub(crate) fn registration_field(
    page: &Page,
    n: &RegNumber,
    key_text: &str,
    issued: Option<(i32, u32)>,
) -> DocField {
    if n.is_partial() {
        // Nothing to validate or format: returned as read, invalid, and masked from the first back
        // digit read to the last as one polygon, so that digits lost between two words (under the
        // glare that lost them) are covered too.
        let mut f = extract::field_with_text(
            page,
            &[n.span],
            n.text.clone(),
            key_text,
            Formatted::None,
            Check::Invalid,
        );
        let polys = mask_last_digits(page, n.span, n.digits.len() - 6);
        if let (Some(first), Some(last)) = (polys.first(), polys.last()) {
            let [tl, _, _, bl] = first.pts;
            let [_, tr, br, _] = last.pts;
            f.masks = vec![Quad::new([tl, tr, br, bl])];
        }
        return f;
    }
    let as_read = validate::resident_number_check_issued(&n.digits, issued);
    // Only a number that must hold and does not is repaired: a post-2020 number has no check digit to
    // repair towards.
    let (digits, check) = if as_read == Check::Invalid {
        validate::repair_digits(&n.digits, |d| {
            validate::resident_number_check_issued(d, issued) == Check::Valid
        })
    } else {
        (n.digits.clone(), as_read)
    };
    let s: String = digits.iter().map(|x| (b'0' + x) as char).collect();
    let formatted = format!("{}-{}", &s[..6], &s[6..]);
    let letters = n.text.chars().any(|c| {
        !c.is_ascii_digit() && !c.is_whitespace() && !matches!(c, '-' | '–' | '—' | '~' | '.')
    });
    let text = if check == Check::Repaired || letters {
        formatted.clone()
    } else {
        n.text.clone()
    };
    let mut f = extract::field_with_text(
        page,
        &[n.span],
        text,
        key_text,
        Formatted::Value(formatted),
        check,
    );
    f.masks = mask_last_digits(page, n.span, REG_NUMBER_MASKED_DIGITS);
    f
}

/// Digits masked at the end of a registration number: the whole back part (gender digit, region /
/// serial, check digit), as the test data's `maskBox` and CLOVA's sample do.
const REG_NUMBER_MASKED_DIGITS: usize = 7;

/// Where a mask starts, in characters before the first masked one: the cut inside a word is placed
/// by equal character widths, which can land late. Measured on the cached OCR of the synthetic cards
/// against the test data's `maskBox`: the equal-width cut started up to 0.27 of a character after the
/// first back digit (5.5 px on a 20 px digit); half a character covers that and stays on the hyphen.
const MASK_LEAD_CHARS: f32 = 0.5;

/// Polygons covering the last `n` digits of a span (letters standing in for digits count), each inside
/// its word's quad.
pub(crate) fn mask_last_digits(page: &Page, span: Span, n: usize) -> Vec<Quad> {
    let chars = &page.segs[span.seg].chars;
    let mut start = span.end;
    let mut seen = 0;
    for i in (span.start..span.end).rev() {
        if chars[i].ch.is_ascii_alphanumeric() {
            seen += 1;
            start = i;
            if seen == n {
                break;
            }
        }
    }
    mask_span(page, Span { start, ..span })
}

/// Polygons covering a span, widened at its start by [`MASK_LEAD_CHARS`] inside the first word.
pub(crate) fn mask_span(page: &Page, span: Span) -> Vec<Quad> {
    page.span_polys_lead(span, MASK_LEAD_CHARS)
}

/// Dates with a four-digit year in a segment (issue dates, renewal periods; not the `YYMMDD` of a
/// registration number).
pub(crate) fn full_dates(page: &Page, seg: usize) -> Vec<(Span, DateHit)> {
    let sp = page.trim(page.seg_span(seg));
    let chars = page.span_chars(sp);
    let text = date_misreads_put_right(&chars);
    patterns::find_dates(&text)
        .into_iter()
        .filter(|d| {
            d.hit
                .text
                .trim_start()
                .chars()
                .take(4)
                .all(|c| c.is_ascii_digit())
        })
        .map(|d| (extract::sub(sp, &d.hit), d))
        .collect()
}

/// Digits a `0` of small grey print is read as (a closed loop): on the photos of
/// `scripts/gen-idcards` seeds 5-11 (plain and hard), 13 of the 534 dates read started `2[689]`
/// (`2929.11.08.`, `2814.12.31.`, `2623.01.11.`) or had such a month (`2622.94.14.`), every one a `0`.
const ZERO_MISREADS: [char; 3] = ['6', '8', '9'];

/// The text of `chars` with a comma read for a dot of a date (the dot and the comma differ by a few
/// pixels on a photo) put right: in `YYYY?M?D?` (`?` a dot or a comma, the month and day one or two
/// digits, a space allowed before each), `2005,11.24.`, `2021.12, 16.`, `2016,08,12,` and
/// `2017. 10, 28.` become `2005.11.24.`, `2021.12. 16.`, `2016.08.12.` and `2017. 10. 28.`; same length,
/// so spans stay valid. A year is 19xx or
/// 20xx with no digit before it; amounts (`2,005.11`, `12,005,110`) do not have that form.
///
/// Also a `0` read as one of [`ZERO_MISREADS`] where no date can have another digit: a year's second
/// digit after `2` (`2923.07.01.` is 2023: no card prints a year 2600-2999) and a two-digit month's
/// first (`2622.94.14.`).
fn date_misreads_put_right(chars: &[char]) -> String {
    let mut out = chars.to_vec();
    let digit = |i: usize| chars.get(i).is_some_and(|c| c.is_ascii_digit());
    let sep = |i: usize| matches!(chars.get(i), Some('.' | ','));
    // Digits from i: how many (1 or 2, not followed by a third).
    let one_or_two = |i: usize| match (digit(i), digit(i + 1), digit(i + 2)) {
        (true, true, false) => Some(2),
        (true, false, _) => Some(1),
        _ => None,
    };
    for i in 0..chars.len().saturating_sub(3) {
        let four = (0..4).all(|k| digit(i + k)) && (i == 0 || !digit(i - 1));
        let year_zero = chars[i] == '2' && ZERO_MISREADS.contains(&chars[i + 1]);
        let year = four && (matches!((chars[i], chars[i + 1]), ('1', '9') | ('2', '0')) || year_zero);
        if !year || !sep(i + 4) {
            continue;
        }
        let m0 = if chars.get(i + 5) == Some(&' ') { i + 6 } else { i + 5 };
        let Some(m) = one_or_two(m0) else { continue };
        let s2 = m0 + m;
        if !sep(s2) {
            continue;
        }
        let d = if chars.get(s2 + 1) == Some(&' ') { s2 + 2 } else { s2 + 1 };
        if let Some(n) = one_or_two(d) {
            if year_zero {
                out[i + 1] = '0';
            }
            if m == 2 && ZERO_MISREADS.contains(&chars[m0]) && chars[m0 + 1] != '0' {
                out[m0] = '0';
            }
            out[i + 4] = '.';
            out[s2] = '.';
            // A comma for the final dot of a dotted date (`2018.01.02,`).
            if chars.get(d + n) == Some(&',') && !digit(d + n + 1) {
                out[d + n] = '.';
            }
        }
    }
    out.into_iter().collect()
}

/// A printed date as a field: valid when it exists and is not after `today`.
pub(crate) fn date_field(
    page: &Page,
    span: Span,
    d: &DateHit,
    key_text: &str,
    today: (i32, u32, u32),
) -> DocField {
    dated_field(page, span, d, key_text, d.exists() && (d.year, d.month, d.day) <= today)
}

/// A printed date as a field whose rule the caller decided (`holds`); its text as printed, a comma
/// read for one of its dots put right.
pub(crate) fn dated_field(page: &Page, span: Span, d: &DateHit, key_text: &str, holds: bool) -> DocField {
    let check = if holds { Check::Valid } else { Check::Invalid };
    // The text with a comma read for a date's dot put right (`2021.12, 16.` → `2021.12. 16.`).
    let chars: Vec<char> = page.segs[span.seg].chars[span.start..span.end].iter().map(|c| c.ch).collect();
    extract::field_with_text(
        page,
        &[span],
        date_misreads_put_right(&chars),
        key_text,
        patterns::format_date(d.year, d.month, d.day),
        check,
    )
}

/// The issue date: masked like the spec's sample.
pub(crate) fn issue_date_field(
    page: &Page,
    span: Span,
    d: &DateHit,
    key_text: &str,
    today: (i32, u32, u32),
) -> DocField {
    let mut f = date_field(page, span, d, key_text, today);
    f.masks = mask_span(page, span);
    f
}

/// Characters of noise a seal leaves glued after an authority's final `장` (`동작구청장직`): the
/// recogniser glued one character on 3 of the 6 synthetic resident card images; two leave room.
const AUTHORITY_TRAILING_NOISE: usize = 2;
/// An authority names at least a place and an office (`경찰청장` is the shortest).
const AUTHORITY_MIN_CHARS: usize = 4;

/// The authority in a segment: its words up to the first one that ends an office title (`…청장`,
/// `…시장`, `…소장`, `…군수`), seal noise after it cut; `None` when the segment has none.
pub(crate) fn authority_cut(page: &Page, sp: Span) -> Option<(Span, String)> {
    let chars = &page.segs[sp.seg].chars;
    let mut i = sp.start;
    while i < sp.end {
        while i < sp.end && chars[i].ch.is_whitespace() {
            i += 1;
        }
        let ws = i;
        while i < sp.end && !chars[i].ch.is_whitespace() {
            i += 1;
        }
        let word: Vec<char> = chars[ws..i].iter().map(|c| c.ch).collect();
        // The last office ending in the word with at most the allowed noise after it.
        let mut end = None;
        for k in 1..word.len() {
            let two = k + 1 < word.len() && word[k] == '군' && word[k + 1] == '수';
            let stop = if two {
                k + 2
            } else if word[k] == '장' {
                k + 1
            } else {
                continue;
            };
            if word.len() - stop <= AUTHORITY_TRAILING_NOISE && labels::is_hangul(word[k - 1]) {
                end = Some(stop);
            }
        }
        if let Some(e) = end {
            let cut = Span {
                seg: sp.seg,
                start: sp.start,
                end: ws + e,
            };
            let text = page.span_text(cut);
            if labels::key(&text).chars().count() >= AUTHORITY_MIN_CHARS {
                return Some((cut, text));
            }
            return None;
        }
    }
    None
}

/// The issuing authority: the longest authority line in rows from `from_row` on.
pub(crate) fn authority(page: &Page, from_row: usize) -> Option<DocField> {
    let mut best: Option<(Span, String)> = None;
    for s in page.reading_order() {
        if page.segs[s].row < from_row {
            continue;
        }
        if let Some((sp, text)) = authority_cut(page, page.trim(page.seg_span(s))) {
            if best
                .as_ref()
                .is_none_or(|(_, b)| text.chars().count() > b.chars().count())
            {
                best = Some((sp, text));
            }
        }
    }
    best.map(|(sp, text)| {
        extract::field_with_text(
            page,
            &[sp],
            text.clone(),
            "",
            Formatted::Value(text),
            Check::None,
        )
    })
}

/// A range of character indices.
pub(crate) type CharRange = (usize, usize);

/// A Korean name as printed: 2-5 Hangul syllables, optionally followed by the hanja in brackets.
/// Returns the character ranges of the Hangul part and of the bracketed part.
pub(crate) fn korean_name(chars: &[char]) -> Option<(CharRange, Option<CharRange>)> {
    let n = chars.iter().take_while(|c| labels::is_hangul(**c)).count();
    if !(2..=5).contains(&n) {
        return None;
    }
    let mut i = n;
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    if i == chars.len() {
        return Some(((0, n), None));
    }
    if matches!(chars[i], '(' | '（') {
        return Some(((0, n), Some((i, chars.len()))));
    }
    None
}

/// A name's Hangul part and its bracketed hanja part, if printed.
pub(crate) type NameSpans = (Span, Option<Span>);

/// The holder's name near a registration number: in front of it on its line or row, else alone on
/// one of the two rows above it.
pub(crate) fn name_near(page: &Page, number: &RegNumber) -> Option<NameSpans> {
    let seg = number.span.seg;
    let chars: Vec<char> = page.segs[seg].chars[..number.span.start]
        .iter()
        .map(|c| c.ch)
        .collect();
    let try_span = |sp: Span| -> Option<NameSpans> {
        let sp = page.trim(sp);
        let cs: Vec<char> = page.segs[sp.seg].chars[sp.start..sp.end]
            .iter()
            .map(|c| c.ch)
            .collect();
        let (h, b) = korean_name(&cs)?;
        Some((
            Span {
                seg: sp.seg,
                start: sp.start + h.0,
                end: sp.start + h.1,
            },
            b.map(|b| Span {
                seg: sp.seg,
                start: sp.start + b.0,
                end: sp.start + b.1,
            }),
        ))
    };
    if chars.iter().any(|c| !c.is_whitespace()) {
        if let Some(r) = try_span(Span {
            seg,
            start: 0,
            end: number.span.start,
        }) {
            return Some(r);
        }
    }
    let row = number.row(page);
    for &s in page.rows[row].iter().rev() {
        if page.segs[s].rect.x1 <= page.segs[seg].rect.x0 {
            if let Some(r) = try_span(page.seg_span(s)) {
                return Some(r);
            }
        }
    }
    for r in (row.saturating_sub(2)..row).rev() {
        for &s in &page.rows[r] {
            if let Some(x) = try_span(page.seg_span(s)) {
                return Some(x);
            }
        }
    }
    None
}

/// Address lines wrapped over several rows can run to this many lines on a card.
const ADDRESS_MAX_LINES: usize = 3;
/// A line continues the address when it starts within this many line heights of the column.
const ADDRESS_ALIGN: f32 = 1.5;
/// A segment right of an address line continues it when it starts within this many median heights of
/// the line's end (on the seed-5 hard photo of `scripts/gen-idcards`, tilted 8°, the two segments'
/// words touched). Nothing else on the cards' address rows is that near (the photo box, the licence's
/// classes are far); no other value was measured.
const ADDRESS_CONTINUES: f32 = 2.0;

/// The address: the segments of rows `after+1 .. before` that start in the column at `x0` (de-skewed
/// frame), up to [`ADDRESS_MAX_LINES`] lines, joined with a space.
pub(crate) fn address(
    page: &Page,
    after: usize,
    before: usize,
    x0: f32,
    stop: &[&Label],
) -> Option<DocField> {
    let h = page.median_height();
    let (mut spans, mut lines) = (Vec::new(), 0);
    for r in after + 1..before.min(page.rows.len()) {
        let Some(&s) = page.rows[r]
            .iter()
            .find(|&&s| (page.segs[s].rect.x0 - x0).abs() < ADDRESS_ALIGN * h)
        else {
            continue;
        };
        if extract::is_label(page, s, stop) || !full_dates(page, s).is_empty() {
            break;
        }
        spans.push(page.trim(page.seg_span(s)));
        // The rest of the line when the layout split it (`충청남도 천안시` | `서북구 매봉길 344` on a
        // tilted photo): segments close on its right that are neither labels nor dates.
        let row = &page.rows[r];
        let mut right = page.segs[s].rect.x1;
        for &t in row.iter().skip_while(|&&t| t != s).skip(1) {
            let near = page.segs[t].rect.x0 - right < ADDRESS_CONTINUES * h;
            if !near || extract::is_label(page, t, stop) || !full_dates(page, t).is_empty() {
                break;
            }
            spans.push(page.trim(page.seg_span(t)));
            right = page.segs[t].rect.x1;
        }
        lines += 1;
        if lines == ADDRESS_MAX_LINES {
            break;
        }
    }
    if spans.is_empty() {
        return None;
    }
    let mut f = field(page, &spans, "", Formatted::None, Check::None);
    f.formatted = Formatted::Value(f.text.clone());
    Some(f)
}

// ---- rois ----

/// Margin between the text and the card's edge, in median word heights: Korean ID cards print their
/// outermost text (title, serial code, authority) about one text height inside the card's edge (on
/// the synthetic cards 43-59 px on a 1012 × 638 card with 30-45 px text).
const ROI_MARGIN: f32 = 1.0;

/// The card's outline found in the pixels ([`PageResult::outline`]) is taken only when at least this
/// share of the words (their centres) lies inside it: a card finder that locked onto a photo box, a
/// table edge or a sheet of paper around the card is refused. On the 12 synthetic ID photos (seed 1)
/// every found outline holds all the words (share 1.0).
const OUTLINE_HOLDS: f32 = 0.9;
/// ... and only when the text covers at least this share of it (the text outline's area over the
/// found outline's): a card lying on a larger sheet that the finder outlined instead is refused. On the
/// 12 synthetic ID photos the text outline covers 0.81-1.04 of the card's area.
const OUTLINE_TEXT_FILLS: f32 = 0.5;
/// With no outline found, a text outline covering at least this share of the picture means the card
/// fills it (a scan cropped to the card), and `rois` is the whole picture. Measured on the synthetic ID
/// documents (seed 1): flat scans 0.77-0.96 (the resident card's photo leaves its right part without
/// text), photos 0.32-0.55; the threshold sits between the two.
const TEXT_FILLS_PICTURE: f32 = 0.65;

/// The card's outline (`rois`): the card's edges found in the pixels when the finder saw them and
/// they hold the text ([`OUTLINE_HOLDS`], [`OUTLINE_TEXT_FILLS`]), started at the corner nearest the
/// text's top-left; the whole picture when the text fills it ([`TEXT_FILLS_PICTURE`]); otherwise the
/// outline of the text ([`text_outline`]). On the 12 synthetic ID photos the mean corner error against
/// the true outline is 1.3 px with the finder, 66.6 px (3.0 % of the diagonal) from the text alone.
pub fn card_outline(result: &PageResult) -> Vec<Quad> {
    let text = text_outline(result);
    let Some(t) = text.first() else { return text };
    let (w, h) = (result.width as f32, result.height as f32);
    match result.outline {
        Some(found) if outline_holds_text(&found, t, result) => vec![start_near(found, t.pts[0])],
        None if t.area() >= TEXT_FILLS_PICTURE * w * h => {
            let picture = Quad::new([Point::new(0.0, 0.0), Point::new(w, 0.0), Point::new(w, h), Point::new(0.0, h)]);
            vec![start_near(picture, t.pts[0])]
        }
        _ => text,
    }
}

fn outline_holds_text(found: &Quad, text: &Quad, result: &PageResult) -> bool {
    let inside = result
        .words
        .iter()
        .filter(|w| convex_contains(found, w.quad.center()))
        .count();
    inside as f32 >= OUTLINE_HOLDS * result.words.len() as f32
        && text.area() >= OUTLINE_TEXT_FILLS * found.area()
}

/// Whether `p` lies inside the convex quad `q` (either winding).
fn convex_contains(q: &Quad, p: Point) -> bool {
    let sides: Vec<f32> = (0..4)
        .map(|i| {
            let (a, b) = (q.pts[i], q.pts[(i + 1) % 4]);
            (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
        })
        .collect();
    sides.iter().all(|&c| c >= 0.0) || sides.iter().all(|&c| c <= 0.0)
}

/// `q` with its corners rotated so that the first is the one nearest `first`.
fn start_near(q: Quad, first: Point) -> Quad {
    let k = (0..4)
        .min_by(|&i, &j| q.pts[i].dist(first).total_cmp(&q.pts[j].dist(first)))
        .unwrap_or(0);
    Quad::new(std::array::from_fn(|i| q.pts[(i + k) % 4]))
}

/// The outline of the text: the rectangle around every word in the page's text direction (the card's
/// own axes), widened by [`ROI_MARGIN`] and clipped to the image.
pub fn text_outline(result: &PageResult) -> Vec<Quad> {
    if result.words.is_empty() {
        return Vec::new();
    }
    let (sin, cos) = crate::text::dominant_angle(result).sin_cos();
    // Into the text frame (rotate by -angle) and back (by +angle).
    let to = |p: Point| Point::new(p.x * cos + p.y * sin, -p.x * sin + p.y * cos);
    let back = |p: Point| Point::new(p.x * cos - p.y * sin, p.x * sin + p.y * cos);
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for p in result.words.iter().flat_map(|w| w.quad.pts) {
        let q = to(p);
        (x0, y0, x1, y1) = (x0.min(q.x), y0.min(q.y), x1.max(q.x), y1.max(q.y));
    }
    let mut hs: Vec<f32> = result.words.iter().map(|w| w.quad.height()).collect();
    hs.sort_by(f32::total_cmp);
    let m = ROI_MARGIN * hs[hs.len() / 2];
    let (x0, y0, x1, y1) = (x0 - m, y0 - m, x1 + m, y1 + m);
    let q = Quad::new([
        back(Point::new(x0, y0)),
        back(Point::new(x1, y0)),
        back(Point::new(x1, y1)),
        back(Point::new(x0, y1)),
    ]);
    vec![q.clamp(result.width as f32, result.height as f32)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::{page, page_rotated};

    const TODAY: (i32, u32, u32) = (2026, 12, 3);

    fn resident(number: &str, issued: &str) -> PageResult {
        page(&[
            ("주민등록증", 50.0, 50.0),
            ("윤아우(尹雅宇)", 60.0, 160.0),
            (number, 60.0, 240.0),
            ("제주특별자치도 제주시 정자일길 91", 60.0, 320.0),
            ("125동 1602호 (수내동, 푸르지오아파트)", 60.0, 360.0),
            (issued, 370.0, 470.0),
            ("장 치 별", 720.0, 500.0),
            ("서울특별시 동작구청장직", 420.0, 535.0),
        ])
    }

    fn licence(number: &str) -> PageResult {
        page(&[
            ("자동차운전면허증", 47.0, 20.0),
            ("1종보통 2종소형", 700.0, 40.0),
            ("Driver's License", 51.0, 80.0),
            (number, 47.0, 150.0),
            ("심도열", 309.0, 230.0),
            ("650930-2264992", 519.0, 230.0),
            ("경기도 남양주시 올림픽길 70", 309.0, 296.0),
            ("110동 1004호 (대치동, 한양아파트)", 309.0, 334.0),
            ("적성검사기간 2032.01.01 ~ 2032.12.31", 309.0, 392.0),
            ("조건 A,G", 309.0, 432.0),
            ("장기기증", 700.0, 432.0),
            ("2022.11.07.", 559.0, 490.0),
            ("5U9WHR", 108.0, 539.0),
            ("대전지방경찰청장 인청경", 605.0, 549.0),
        ])
    }

    fn alien(name_label: &str) -> PageResult {
        page(&[
            ("외국인등록증 RESIDENCE CARD", 43.0, 30.0),
            ("외국인등록번호 680613-5763261", 319.0, 142.0),
            ("Reg. No.", 319.0, 173.0),
            (&format!("{name_label} CHAIYA KANYA"), 319.0, 204.0),
            ("Name", 319.0, 235.0),
            ("R M", 319.0, 266.0),
            ("Sex", 319.0, 297.0),
            ("국가/지역 THAILAND", 319.0, 328.0),
            ("Country/Region", 319.0, 358.0),
            ("체류자격 기업투자(D-8)", 319.0, 390.0),
            ("Status", 319.0, 421.0),
            ("발급일자 2020.07.04.", 319.0, 476.0),
            ("대전출입국.외국인사무소장 장 입", 504.0, 561.0),
        ])
    }

    /// The page `p`'s lines laid out again where they stand, each line's text replaced by `f` (`None`:
    /// the line is left out).
    fn relaid(p: &PageResult, f: impl Fn(&str) -> Option<String>) -> PageResult {
        let lines: Vec<(String, f32, f32)> = p
            .lines
            .iter()
            .filter_map(|l| Some((f(&l.text)?, l.quad.pts[0].x, l.quad.pts[0].y)))
            .collect();
        page(&lines.iter().map(|(t, x, y)| (t.as_str(), *x, *y)).collect::<Vec<_>>())
    }

    fn ic(r: &IdCardResult) -> &ResidentCard {
        match &r.document {
            Some(IdDocument::Ic(x)) => x,
            other => panic!("not a resident card: {other:?}"),
        }
    }

    fn text(f: &Option<DocField>) -> &str {
        f.as_ref().map_or("", |f| f.text.as_str())
    }

    #[test]
    fn each_type_is_recognised_confidently() {
        let cases = [
            (
                resident("980716-2020264", "2019. 5. 2"),
                IdType::ResidentCard,
            ),
            (licence("25-22-312627-78"), IdType::DriverLicense),
            (alien("성명"), IdType::AlienCard),
            (
                page(&[
                    ("대한민국 여권 PASSPORT", 300.0, 40.0),
                    ("PMKORLEE<<HUNJONG<<<<<<<<<<<<<<<<<<<<<<<<<<<", 0.0, 500.0),
                    ("M402X96882KOR6112088F3103131<<<<<<<<<<<<<<<8", 0.0, 530.0),
                ]),
                IdType::Passport,
            ),
        ];
        for (p, want) in cases {
            let c = classify(&Page::new(&p));
            assert_eq!(c.id_type, Some(want), "{c:?}");
            assert!(c.confident, "{want:?}: {c:?}");
            let r = extract_on(&p, TODAY);
            assert_eq!(r.id_type(), Some(want));
            assert!(r.is_confident);
        }
    }

    #[test]
    fn letter_spaced_and_misread_titles_still_count() {
        let mut p = resident("980716-2020264", "2019. 5. 2");
        p.lines[0].text = "주 민 등 록 증".into();
        let spaced = page(&[
            ("주 민 등 록 중", 50.0, 50.0),
            ("윤아우", 60.0, 160.0),
            ("980716-2020264", 60.0, 240.0),
            ("2019. 5. 2", 370.0, 470.0),
            ("서울특별시 동작구청장", 420.0, 535.0),
        ]);
        let c = classify(&Page::new(&spaced));
        assert_eq!(c.id_type, Some(IdType::ResidentCard));
        assert!(c.confident, "one OCR error in a five-letter title: {c:?}");
    }

    #[test]
    fn unsure_pages_are_best_effort_and_not_confident() {
        // No title: a resident number and a district head's name make a resident card, unconfidently.
        let p = page(&[
            ("윤아우", 60.0, 160.0),
            ("980716-2020264", 60.0, 240.0),
            ("2019. 5. 2", 370.0, 470.0),
            ("서울특별시 동작구청장", 420.0, 535.0),
        ]);
        let r = extract_on(&p, TODAY);
        assert_eq!(r.id_type(), Some(IdType::ResidentCard));
        assert!(!r.is_confident);
        assert_eq!(text(&ic(&r).personal_num), "980716-2020264");
    }

    #[test]
    fn a_receipt_or_a_blank_page_is_no_identity_document() {
        let receipt = page(&[
            ("행복마트", 100.0, 10.0),
            ("사업자번호: 513-66-80622", 10.0, 40.0),
            ("2023.07.21 17:23", 10.0, 70.0),
            ("두부 1 3,500", 10.0, 100.0),
            ("합계 3,500", 10.0, 130.0),
        ]);
        for p in [receipt, page(&[])] {
            let r = extract_on(&p, TODAY);
            assert!(!r.recognized());
            assert_eq!(r, IdCardResult::default());
            assert!(r.named_values().is_empty());
        }
        // A title with nothing of its document is no document.
        let travel = page(&[
            ("면세점 영수증", 10.0, 10.0),
            ("PASSPORT", 10.0, 40.0),
            ("합계 3,500", 10.0, 70.0),
        ]);
        assert_eq!(
            classify(&Page::new(&travel)).id_type,
            Some(IdType::Passport)
        );
        assert!(!extract_on(&travel, TODAY).recognized());
        // A lone resident number on a form is not enough either.
        let form = page(&[
            ("신청인", 10.0, 10.0),
            ("800101-1000008", 200.0, 10.0),
            ("위와 같이 신청합니다", 10.0, 60.0),
        ]);
        assert!(!extract_on(&form, TODAY).recognized());
        // A business licence's corporate registration number has a foreigner's shape (7th digit 6):
        // no alien card, whether its first six digits make a date (labelled) or not.
        for number in ["134571-6573530", "110111-6573530"] {
            let licence = page(&[
                ("사 업 자 등 록 증", 200.0, 10.0),
                ("등 록 번 호 : 569-88-27281", 10.0, 60.0),
                (&format!("법 인 등 록 번 호 : {number}"), 10.0, 110.0),
                ("2025 년 08 월 08 일", 200.0, 160.0),
            ]);
            let r = extract_on(&licence, TODAY);
            assert!(!r.recognized(), "{number}: {r:?}");
        }
        let unlabelled = page(&[("사 업 자 등 록 증", 200.0, 10.0), ("134571-6573530", 10.0, 110.0)]);
        assert_eq!(classify(&Page::new(&unlabelled)).id_type, None, "no birth date in it");
        // Thirteen digits in a row on a food label, with a line that ends like an authority.
        let label = page(&[
            ("품목보고번호 2010055607187 포장재질(내면) 폴리프로필렌(PP)", 10.0, 10.0),
            ("원재료명 돼지고기(미국산), 감자(국내산), 진간장", 10.0, 60.0),
            ("유통전문판매원 대상(주) 서울특별시 동대문구청장", 10.0, 110.0),
        ]);
        assert!(!extract_on(&label, TODAY).recognized());
    }

    #[test]
    fn resident_card_fields() {
        let r = extract_on(&resident("980716-2020264", "2019. 5. 2"), TODAY);
        let c = ic(&r);
        assert_eq!(text(&c.name), "윤아우(尹雅宇)");
        assert_eq!(
            c.name.as_ref().unwrap().formatted,
            Formatted::Value("윤아우".into())
        );
        assert_eq!(text(&c.name_hanja), "(尹雅宇)");
        assert_eq!(text(&c.personal_num), "980716-2020264");
        assert_eq!(c.personal_num.as_ref().unwrap().check, Check::Valid);
        assert_eq!(
            text(&c.address),
            "제주특별자치도 제주시 정자일길 91 125동 1602호 (수내동, 푸르지오아파트)"
        );
        assert_eq!(text(&c.issue_date), "2019. 5. 2");
        assert_eq!(
            c.issue_date.as_ref().unwrap().formatted,
            Formatted::Date {
                year: "2019".into(),
                month: "05".into(),
                day: "02".into()
            }
        );
        assert_eq!(
            text(&c.authority),
            "서울특별시 동작구청장",
            "seal noise cut"
        );
        let named = r.named_values();
        assert!(
            named.contains(&("name".into(), "윤아우".into()))
                && named.contains(&("nameHanja".into(), "(尹雅宇)".into())),
            "{named:?}"
        );
        // The issue date is masked, the name and address are not.
        assert!(!c.issue_date.as_ref().unwrap().masks.is_empty());
        assert!(c.name.as_ref().unwrap().masks.is_empty());
    }

    #[test]
    fn a_number_read_in_part_still_places_the_name_and_address() {
        // Glare took two digits of the back half: the fields around the number are still found, the
        // number is returned as read, invalid, and masked as one polygon over the gap.
        let r = extract_on(&resident("980716-20 264", "2019. 5. 2"), TODAY);
        assert_eq!(r.id_type(), Some(IdType::ResidentCard));
        let c = ic(&r);
        assert_eq!(text(&c.name), "윤아우(尹雅宇)");
        assert!(text(&c.address).starts_with("제주특별자치도"));
        let n = c.personal_num.as_ref().unwrap();
        assert_eq!((n.text.as_str(), n.check), ("980716-20 264", Check::Invalid));
        assert_eq!(n.formatted, Formatted::None);
        assert_eq!(n.masks.len(), 1, "one polygon from the first back digit to the last");
        let (mask, word) = (n.masks[0].bbox(), n.polys[0].bbox());
        assert!(mask.x0 > word.x0 && mask.x1 >= n.polys.last().unwrap().bbox().x1 - 0.5);
        // A whole number elsewhere wins over a part (and no part without its hyphen or a real date).
        let r = extract_on(&resident("980716 20264", "2019. 5. 2"), TODAY);
        assert!(ic(&r).personal_num.is_none());
    }

    #[test]
    fn check_digits_hold_before_october_2020_only() {
        // Last digit wrong (4 printed as 5).
        let before = extract_on(&resident("980716-2020265", "2019. 5. 2"), TODAY);
        assert_eq!(
            ic(&before).personal_num.as_ref().unwrap().check,
            Check::Invalid
        );
        let after = extract_on(&resident("980716-2020265", "2021. 3. 2"), TODAY);
        assert_eq!(
            ic(&after).personal_num.as_ref().unwrap().check,
            Check::NotCheckable,
            "a post-2020 number has no check digit"
        );
        // A letter read in a digit position is mapped; the number then holds.
        let letter = extract_on(&resident("98O716-2020264", "2019. 5. 2"), TODAY);
        let n = ic(&letter).personal_num.as_ref().unwrap();
        assert_eq!((n.text.as_str(), n.check), ("980716-2020264", Check::Valid));
        // An impossible date part is invalid whatever the issue date.
        let bad = extract_on(&resident("981316-2020264", "2021. 3. 2"), TODAY);
        assert_eq!(
            ic(&bad).personal_num.as_ref().unwrap().check,
            Check::Invalid
        );
    }

    #[test]
    fn issue_dates_must_exist_and_not_be_in_the_future() {
        let future = extract_on(&resident("980716-2020264", "2027. 1. 5"), TODAY);
        assert_eq!(
            ic(&future).issue_date.as_ref().unwrap().check,
            Check::Invalid
        );
        let missing = extract_on(&resident("980716-2020264", "2019. 2. 30"), TODAY);
        assert_eq!(
            ic(&missing).issue_date.as_ref().unwrap().check,
            Check::Invalid
        );
        assert_eq!(
            ic(&missing).issue_date.as_ref().unwrap().formatted,
            Formatted::Date {
                year: "2019".into(),
                month: "02".into(),
                day: "00".into()
            }
        );
    }

    fn inside(q: &Quad, outer: &Quad) -> bool {
        let b = outer.bbox();
        q.pts.iter().all(|p| {
            p.x >= b.x0 - 0.01 && p.x <= b.x1 + 0.01 && p.y >= b.y0 - 0.01 && p.y <= b.y1 + 0.01
        })
    }

    #[test]
    fn a_date_shape_is_four_two_and_two_digits() {
        let shaped = |t: &str| date_shaped(&t.chars().collect::<Vec<_>>());
        for t in ["2016.12.12.", "2014.81.11", "2022.04, 09.", "2021. 05. 26.", "2020.0930", "2017.12,18. 세종"] {
            assert!(shaped(t), "{t}");
        }
        for t in ["2020.@5.22.", "2016,.99", "20160930", "2,005.11", "12,005,110", "2021.05.261", "TEL 2021.05.26"] {
            assert!(!shaped(t), "{t}");
        }
    }

    #[test]
    fn masks_cover_the_back_digits_inside_the_word() {
        let p = resident("980716-2020264", "2019. 5. 2");
        let r = extract_on(&p, TODAY);
        let n = ic(&r).personal_num.as_ref().unwrap();
        let word = p.words.iter().find(|w| w.text == "980716-2020264").unwrap();
        assert_eq!(n.masks.len(), 1);
        assert!(inside(&n.masks[0], &word.quad));
        // 14 characters of 12 px from x = 60: the back digits start at 60 + 7 × 12 = 144; the mask
        // starts half a character before them and ends with the word.
        let b = n.masks[0].bbox();
        assert!(
            (b.x0 - 138.0).abs() < 0.01 && (b.x1 - 228.0).abs() < 0.01,
            "{b:?}"
        );
        // Split over two words (`980716-` `2020264`): only the second is masked, whole.
        let split = resident("980716- 2020264", "2019. 5. 2");
        let r = extract_on(&split, TODAY);
        let n = ic(&r).personal_num.as_ref().unwrap();
        let back = split.words.iter().find(|w| w.text == "2020264").unwrap();
        assert_eq!(n.masks.len(), 1);
        assert!(inside(&n.masks[0], &back.quad));
        // On a tilted photo the mask follows the word.
        let tilted = page_rotated(
            &[
                ("주민등록증", 50.0, 50.0),
                ("윤아우", 60.0, 160.0),
                ("980716-2020264", 60.0, 240.0),
                ("2019. 5. 2", 370.0, 470.0),
            ],
            0.2,
        );
        let r = extract_on(&tilted, TODAY);
        let n = ic(&r).personal_num.as_ref().unwrap();
        let w = tilted
            .words
            .iter()
            .find(|w| w.text == "980716-2020264")
            .unwrap();
        let cross =
            |o: Point, a: Point, b: Point| (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
        for p in n.masks[0].pts {
            let q = w.quad.pts;
            assert!(
                (0..4).all(|i| cross(q[i], q[(i + 1) % 4], p) >= -0.5),
                "mask corner {p:?} outside the word {q:?}"
            );
        }
    }

    #[test]
    fn driver_licence_fields_in_both_number_styles() {
        for (num, formatted) in [
            ("25-22-312627-78", "25-22-312627-78"),
            ("서울 19-123456-01", "서울 19-123456-01"),
            ("25-22-3l2627-78", "25-22-312627-78"),
        ] {
            let p = licence(num);
            let r = extract_on(&p, TODAY);
            let Some(IdDocument::Dl(d)) = &r.document else {
                panic!("{r:?}")
            };
            assert!(r.is_confident);
            let n = d.num.as_ref().unwrap();
            assert_eq!(n.formatted, Formatted::Value(formatted.into()));
            assert_eq!(n.check, Check::Valid);
            // The serial part is masked: 8 digits, inside the number's last word.
            let last = p
                .words
                .iter()
                .rev()
                .find(|w| num.ends_with(&w.text))
                .unwrap();
            assert!(n.masks.iter().all(|m| inside(m, &last.quad)));
            assert_eq!(
                d.classes
                    .iter()
                    .map(|c| c.text.as_str())
                    .collect::<Vec<_>>(),
                ["1종보통", "2종소형"]
            );
            assert_eq!(text(&d.name), "심도열");
            assert_eq!(text(&d.personal_num), "650930-2264992");
            assert_eq!(
                text(&d.address),
                "경기도 남양주시 올림픽길 70 110동 1004호 (대치동, 한양아파트)"
            );
            assert_eq!(text(&d.renew_start_date), "2032.01.01");
            assert_eq!(text(&d.renew_end_date), "2032.12.31");
            assert_eq!(d.renew_end_date.as_ref().unwrap().check, Check::Valid);
            assert_eq!(text(&d.condition), "A,G");
            assert_eq!(text(&d.code), "5U9WHR");
            assert_eq!(text(&d.organ_donation), "장기기증");
            assert_eq!(text(&d.issue_date), "2022.11.07.");
            assert_eq!(text(&d.authority), "대전지방경찰청장");
        }
        // The organ-donation mark read into one line with a blank `조건`, or misread by one character:
        // the mark, never a condition.
        for (row, want_condition) in [
            ("조건 장기기증", None),
            ("조건 C 장기기중", Some("C")),
            ("조건 A,G  장기 기증", Some("A,G")),
            ("조건 기기증", None),
            ("조건 A 장기기층", Some("A")),
        ] {
            let p = relaid(&licence("25-22-312627-78"), |t| match t {
                "조건 A,G" => Some(row.to_string()),
                "장기기증" => None,
                t => Some(t.to_string()),
            });
            let r = extract_on(&p, TODAY);
            let Some(IdDocument::Dl(d)) = &r.document else { panic!("{r:?}") };
            assert_eq!(d.condition.as_ref().map(|c| c.text.as_str()), want_condition, "{row}");
            let organ = d.organ_donation.as_ref().unwrap_or_else(|| panic!("{row}: no mark"));
            assert_eq!(organ.formatted, Formatted::Value("장기기증".into()), "{row}");
            assert_eq!(organ.text, "장기기증", "{row}: the mark's one text");
        }
        // The conditions' label unread or misread on a photo: the row under the renewal period, by
        // the form of its codes; a mark on that row with two syllables wrong is still the mark.
        for (row, want_condition, want_mark) in [
            ("초 A,G 강기기", Some("A,G"), true),
            ("최a G", Some("G"), false),
            ("A,G |c|c&", Some("A,G"), false),
            ("초 장기", None, false),
            ("28 풍기기층", None, true),
            ("2022.11.07.", None, false),
        ] {
            let p = relaid(&licence("25-22-312627-78"), |t| match t {
                "조건 A,G" => Some(row.to_string()),
                "장기기증" => None,
                t => Some(t.to_string()),
            });
            let Some(IdDocument::Dl(d)) = extract_on(&p, TODAY).document else { panic!("{row}") };
            assert_eq!(d.condition.as_ref().map(|c| c.text.as_str()), want_condition, "{row}");
            assert_eq!(d.organ_donation.is_some(), want_mark, "{row}");
        }
        // The renewal label unread on a photo, the tilde read as `-`: the period by its form.
        let p = relaid(&licence("25-22-312627-78"), |t| {
            Some(if t.starts_with("적성검사기간") { "해기간 2032.01.01-2032.12.31".to_string() } else { t.to_string() })
        });
        let r = extract_on(&p, TODAY);
        let Some(IdDocument::Dl(d)) = &r.document else { panic!("{r:?}") };
        assert_eq!(text(&d.renew_start_date), "2032.01.01");
        assert_eq!(text(&d.renew_end_date), "2032.12.31");
        assert_eq!(text(&d.issue_date), "2022.11.07.", "the issue date is not taken into the period");
        // A comma read for a dot of the period is put right in the text too.
        let p = relaid(&licence("25-22-312627-78"), |t| {
            Some(t.replace("2032.12.31", "2032,12.31"))
        });
        let Some(IdDocument::Dl(d)) = extract_on(&p, TODAY).document else { panic!() };
        assert_eq!(text(&d.renew_end_date), "2032.12.31");
        assert_eq!(d.renew_end_date.unwrap().check, Check::Valid);
        // Region code 27 does not exist; a renewal period that ends before it starts is invalid.
        let p = page(&[
            ("자동차운전면허증", 47.0, 20.0),
            ("27-22-312627-78", 47.0, 150.0),
            ("갱신기간 2032.12.31~2032.01.01", 309.0, 392.0),
        ]);
        let Some(IdDocument::Dl(d)) = extract_on(&p, TODAY).document else {
            panic!()
        };
        assert_eq!(d.num.unwrap().check, Check::Invalid);
        assert_eq!(d.renew_start_date.unwrap().check, Check::Invalid);
        assert!(d.condition.is_none(), "a blank condition is no field");
    }

    #[test]
    fn alien_card_fields_with_a_misread_label() {
        for label in ["성명", "성영"] {
            let r = extract_on(&alien(label), TODAY);
            let Some(IdDocument::Ac(a)) = &r.document else {
                panic!("{r:?}")
            };
            assert!(r.is_confident);
            assert_eq!(text(&a.alien_reg_num), "680613-5763261");
            assert_eq!(a.alien_reg_num.as_ref().unwrap().check, Check::Valid);
            assert_eq!(a.alien_reg_num.as_ref().unwrap().masks.len(), 1);
            assert_eq!(text(&a.name), "CHAIYA KANYA", "label {label}");
            assert_eq!(
                text(&a.sex),
                "M",
                "the sex label read as `R`: the value is the last word"
            );
            assert_eq!(text(&a.nationality), "THAILAND");
            assert_eq!(text(&a.visa_type), "(D-8)");
            assert_eq!(
                a.visa_type.as_ref().unwrap().formatted,
                Formatted::Value("D-8".into())
            );
            assert_eq!(text(&a.issue_date), "2020.07.04.");
            assert_eq!(
                text(&a.authority),
                "대전출입국·외국인사무소장",
                "the office's middle dot restored"
            );
        }
        // Both nationality labels misread; `Courtry` matches the variant `country`, but the rest of
        // its word (`/Regon`) is no value: the nationality by its form, below the name.
        let p = relaid(&alien("성명"), |t| {
            Some(match t {
                "국가/지역 THAILAND" => "국기/지역 THAILAND".to_string(),
                "Country/Region" => "Courtry/Regon".to_string(),
                t => t.to_string(),
            })
        });
        let Some(IdDocument::Ac(a)) = extract_on(&p, TODAY).document else { panic!() };
        assert_eq!(text(&a.nationality), "THAILAND");
    }

    #[test]
    fn alien_card_values_by_row_order_when_both_labels_are_misread() {
        // As read on an unseen photo: `성명`/`Name` → `성영`/`hame`, `성별`/`Sex` → `AR`/`Sa`,
        // `국가/지역`/`Country/Region` → `국기/역`/`Courttry/lilegion`.
        let p = page(&[
            ("외국인등록증 RESIDENCE CARD", 43.0, 30.0),
            ("외국인등록번호 760107-5257748", 319.0, 142.0),
            ("Reg. No", 319.0, 173.0),
            ("성영 SANTOSO AGUS", 319.0, 204.0),
            ("hame", 319.0, 235.0),
            ("AR F", 319.0, 266.0),
            ("Sa", 319.0, 297.0),
            ("국기/역 INDONESIA", 319.0, 328.0),
            ("Courttry/lilegion", 319.0, 358.0),
            ("류사기 유학(D-2)", 319.0, 390.0),
            ("Scatn", 319.0, 421.0),
            ("발리일지 2023.09.03", 319.0, 476.0),
            ("대구출입국·외국인사무소장", 504.0, 561.0),
        ]);
        let r = extract_on(&p, TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert_eq!(text(&a.name), "SANTOSO AGUS");
        assert_eq!(text(&a.sex), "F");
        assert_eq!(text(&a.nationality), "INDONESIA");
        assert_eq!(text(&a.visa_type), "(D-2)");
        // Found by its label, the name anchors the rest; the title's `RESIDENCE CARD` (above the
        // number) is never a name.
        let r = extract_on(&alien("성명"), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert_eq!(text(&a.name), "CHAIYA KANYA");
        assert_eq!(text(&a.nationality), "THAILAND");
    }

    #[test]
    fn an_address_line_split_in_two_segments_is_read_whole() {
        let p = page(&[
            ("주민등록증", 50.0, 50.0),
            ("윤아우", 60.0, 160.0),
            ("980716-2020264", 60.0, 240.0),
            ("제주특별자치도 제주시", 60.0, 320.0),
            ("정자일길 91", 200.0, 320.0),
            ("125동 1602호 (수내동, 푸르지오아파트)", 60.0, 360.0),
            ("2019. 5. 2", 370.0, 470.0),
            ("서울특별시 동작구청장", 420.0, 535.0),
        ]);
        let r = extract_on(&p, TODAY);
        assert_eq!(text(&ic(&r).address), "제주특별자치도 제주시 정자일길 91 125동 1602호 (수내동, 푸르지오아파트)");
    }

    #[test]
    fn a_comma_read_for_a_dates_dot_is_a_dot() {
        let t = |s: &str| date_misreads_put_right(&s.chars().collect::<Vec<_>>());
        assert_eq!(t("2005,11.24."), "2005.11.24.");
        assert_eq!(t("발급 2005,1.24"), "발급 2005.1.24");
        assert_eq!(t("12,005,11.24"), "12,005,11.24", "five digits: an amount");
        assert_eq!(t("3005,11.24"), "3005,11.24", "no year");
        assert_eq!(t("2005,110"), "2005,110");
        assert_eq!(t("2021.12, 16."), "2021.12. 16.", "a comma after the month");
        assert_eq!(t("2016,08,12,"), "2016.08.12.", "all three");
        assert_eq!(t("2017. 10, 28."), "2017. 10. 28.", "spaced");
        assert_eq!(t("2017.10.28,5"), "2017.10.28,5", "a comma before a digit is no date's end");
        assert_eq!(t("2021.3,5"), "2021.3.5");
        assert_eq!(t("2021.12,160"), "2021.12,160", "three digits: no day");
        assert_eq!(t("12021.12,16"), "12021.12,16", "no year");
        assert_eq!(t("2923,07,01."), "2023.07.01.", "a zero read as a nine in the year");
        assert_eq!(t("2622.94.14."), "2022.04.14.", "and in the month");
        assert_eq!(t("2014.81.11"), "2014.01.11");
        assert_eq!(t("2019.10.19"), "2019.10.19", "a month 10 stays");
        assert_eq!(t("2923 07 01"), "2923 07 01", "no date's separators: not a date");
        assert_eq!(t("2500.01.01"), "2500.01.01", "a 5 is no zero misread");
        assert_eq!(t("12923.07.01"), "12923.07.01", "five digits");
        let p = resident("980716-2020264", "2005,11.24.");
        let r = extract_on(&p, TODAY);
        assert_eq!(text(&ic(&r).issue_date), "2005.11.24.", "the text as printed");
        assert_eq!(ic(&r).issue_date.as_ref().unwrap().formatted, crate::patterns::format_date(2005, 11, 24));
    }

    #[test]
    fn outline_encloses_the_words_within_the_image() {
        let p = resident("980716-2020264", "2019. 5. 2");
        let r = card_outline(&p);
        assert_eq!(r.len(), 1);
        let b = r[0].bbox();
        for w in &p.words {
            assert!(inside(&w.quad, &r[0]), "{} outside {b:?}", w.text);
        }
        assert!(b.x0 >= 0.0 && b.y0 >= 0.0 && b.x1 <= p.width as f32 && b.y1 <= p.height as f32);
        // One word height (20 px) of margin around the text.
        assert!((b.y0 - 30.0).abs() < 0.5, "{b:?}");
        assert!(card_outline(&page(&[])).is_empty());
    }

    #[test]
    fn the_outline_found_in_the_pixels_is_taken_when_it_holds_the_text() {
        let mut p = resident("980716-2020264", "2019. 5. 2");
        let text = text_outline(&p)[0];
        let quad = |x0: f32, y0: f32, x1: f32, y1: f32| {
            Quad::new([Point::new(x0, y0), Point::new(x1, y0), Point::new(x1, y1), Point::new(x0, y1)])
        };
        let tb = text.bbox();
        // A card edge a little outside the text, given starting at its bottom-left corner (as a finder
        // in screen order might for a turned card): taken, started at the text's top-left.
        let card = quad(tb.x0 - 8.0, tb.y0 - 6.0, tb.x1 + 8.0, tb.y1 + 6.0);
        p.outline = Some(Quad::new([card.pts[3], card.pts[0], card.pts[1], card.pts[2]]));
        assert_eq!(card_outline(&p), vec![card]);
        // A photo box inside the card holds few words: refused.
        p.outline = Some(quad(tb.x0, tb.y0, tb.x0 + 100.0, tb.y0 + 100.0));
        assert_eq!(card_outline(&p), vec![text]);
        // A sheet four times the card's size around it: refused.
        let (w, h) = (tb.x1 - tb.x0, tb.y1 - tb.y0);
        p.outline = Some(quad(tb.x0 - w / 2.0, tb.y0 - h / 2.0, tb.x1 + w / 2.0, tb.y1 + h / 2.0));
        assert_eq!(card_outline(&p), vec![text]);
    }

    #[test]
    fn a_card_filling_the_picture_is_outlined_by_the_picture() {
        let mut p = resident("980716-2020264", "2019. 5. 2");
        // No outline found and the text on a small part of the picture: the text's outline.
        assert_eq!(card_outline(&p), text_outline(&p));
        // A scan cropped to the card: the text reaches (nearly) every edge.
        let tb = text_outline(&p)[0].bbox();
        (p.width, p.height) = ((tb.x1 + 20.0) as u32, (tb.y1 + 20.0) as u32);
        let (w, h) = (p.width as f32, p.height as f32);
        let b = card_outline(&p)[0].bbox();
        assert_eq!((b.x0, b.y0, b.x1, b.y1), (0.0, 0.0, w, h));
    }
}
