//! The back of the 외국인등록증: two ruled tables the immigration office fills in as the holder's stay
//! goes on — **extensions of stay** (`체류기간 연장 허가`: 허가일자 / 만료일자 / 확인, the date of
//! permission and the new expiry of the stay) and **changes of residence** (`체류지 변경 신고`: 신고일 /
//! 체류지 / 확인, the date of report and the new address). The front says who the holder is; the back
//! says until when the stay is allowed, which is what a client checking a foreign employee or tenant
//! wants. CLOVA documents no member for it: the keys are a Jikji extension
//! (`jikji_clova::uncertain::ALIEN_CARD_BACK_MEMBERS`).
//!
//! Each table is found by its column headers (Korean, or the English twin printed below it), which
//! give the columns' centres, or, when fewer than two of them were read (20 px labels on a photo), by
//! its section heading; the body is the rows below and above the next table. With the header, a date
//! belongs to the column whose centre is nearest to it, and the words of a residence row nearest the
//! `체류지` column are the address (the `확인` column holds a seal); without it, a row's dates are its
//! columns left to right and the address is the run of words right of the date. A residence row needs
//! its date (the notice printed under the table is no address).
//! Values are listed in row order, one entry per filled row in every list of the table (a cell not read
//! in a row whose other cell was is an empty entry), so that entry `i` of `permissionDate` and of
//! `expiryDate` are one row.

use crate::extract::field;
use crate::field::{Check, DocField, Formatted};
use crate::id_card;
use crate::labels::{self, Label};
use crate::text::{Page, Span};
use jikji_geometry::Rect;

/// The back side's fields, each in the table's row order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlienCardBack {
    /// 허가일자: the date an extension of stay (or a change of status) was granted.
    pub permission_date: Vec<DocField>,
    /// 만료일자: the stay's expiry date that permission set.
    pub expiry_date: Vec<DocField>,
    /// 신고일: the date a change of residence was reported.
    pub report_date: Vec<DocField>,
    /// 체류지: the new address reported.
    pub residence: Vec<DocField>,
    /// A table of the back (its header or section heading) is on the page, even with no row filled.
    pub found: bool,
}

impl AlienCardBack {
    pub fn is_empty(&self) -> bool {
        self.permission_date.is_empty()
            && self.expiry_date.is_empty()
            && self.report_date.is_empty()
            && self.residence.is_empty()
    }
}

const PERMIT_DATE: Label = Label {
    variants: &["허가일자", "허가일", "date of permission", "permission date"],
};
const EXPIRY_DATE: Label = Label {
    variants: &["만료일자", "만료일", "date of expiry", "expiry date", "expiration date"],
};
const REPORT_DATE: Label = Label {
    variants: &["신고일", "신고일자", "date of report", "report date"],
};
const RESIDENCE: Label = Label {
    variants: &["체류지", "세류지", "address"],
};
const CONFIRM: Label = Label {
    variants: &["확인", "confirmation"],
};
/// The headings' `체` comes out `세` in small print (on the hard photos of `scripts/gen-idcards` seeds
/// 7 and 8, 8 of the 16 headings read so: `세류기간 연창 허가`, `세룹지 변경 신고`, and `체류지` headers), one
/// edit the label's tolerance of one does not leave for a second misread syllable; the `세` reading is
/// a variant of its own.
const PERMIT_SECTION: Label = Label {
    variants: &[
        "체류기간연장허가",
        "세류기간연장허가",
        "체류기간연장등허가",
        "extension of period of sojourn",
        "extension of stay",
    ],
};
const REPORT_SECTION: Label = Label {
    variants: &[
        "체류지변경신고",
        "세류지변경신고",
        "report on change of residence",
        "report of change of residence",
        "change of address",
    ],
};

/// The two tables' section headings (7-8 syllables each, printed on no other document).
pub(crate) const HEADINGS: [Label; 2] = [PERMIT_SECTION, REPORT_SECTION];

/// The back's column labels, for the classifier: a page with several of them and of the
/// [`HEADINGS`] is an alien card's back.
pub(crate) const COLUMN_LABELS: [Label; 4] = [PERMIT_DATE, EXPIRY_DATE, REPORT_DATE, CONFIRM];

/// A header label's twin (the English line under the Korean one, or the Korean line above the
/// English one) lies within this many line heights vertically of the anchor label.
const HEADER_ROWS: f32 = 2.5;
/// A body value belongs to the table when its centre is within this many column spacings left of the
/// first column's centre or right of the last one (a scan of both sides next to each other must not
/// pull the front's text into the back's table).
const TABLE_MARGIN: f32 = 0.75;

/// A table's header: each column's centre (`None`: its label was not read) and the header's bottom.
struct Header {
    xs: Vec<Option<f32>>,
    /// Each column's labels' left edge (the cell starts further left).
    lefts: Vec<Option<f32>>,
    top: f32,
    bottom: f32,
}

impl Header {
    /// The column a piece of text spanning `r` is in: the one whose centre is nearest to the text's
    /// centre, among the columns whose label was read, the text not reaching past a neighbour's
    /// centre (a cell's text stays in its cell: a line printed under the whole table is in none).
    fn column(&self, r: &Rect) -> Option<usize> {
        let known: Vec<(usize, f32)> = self.xs.iter().enumerate().filter_map(|(i, x)| x.map(|x| (i, x))).collect();
        let (&(_, lo), &(_, hi)) = (known.first()?, known.last()?);
        let spacing = if known.len() > 1 {
            (hi - lo) / (known.len() - 1) as f32
        } else {
            f32::INFINITY
        };
        let x = centre_x(r);
        if x < lo - TABLE_MARGIN * spacing || x > hi + TABLE_MARGIN * spacing {
            return None;
        }
        let k = (0..known.len()).min_by(|&a, &b| (known[a].1 - x).abs().total_cmp(&(known[b].1 - x).abs()))?;
        let left_ok = k == 0 || r.x0 > known[k - 1].1;
        let right_ok = k + 1 == known.len() || r.x1 < known[k + 1].1;
        (left_ok && right_ok).then_some(known[k].0)
    }
}

fn centre_x(r: &Rect) -> f32 {
    (r.x0 + r.x1) / 2.0
}

/// Finds a table's header from its columns' labels: each label found anchors a candidate (the labels
/// within its header rows), and the candidate with the most columns read wins.
fn header(page: &Page, columns: &[&Label]) -> Option<Header> {
    let h = page.median_height();
    let found: Vec<Vec<Rect>> = columns
        .iter()
        .map(|l| {
            labels::find_all(page, l)
                .into_iter()
                // `체류지` also starts the heading `체류지 변경 신고`, a line above the header.
                .filter(|f| !HEADINGS.iter().any(|h| labels::match_at(page, f.span.seg, h).is_some()))
                .map(|f| page.span_rect(Span { end: if f.end_seg == f.span.seg { f.end } else { f.span.end }, ..f.span }))
                .collect()
        })
        .collect();
    // The anchor: a found label of the first column that has the most other columns beside it.
    let mut best: Option<(usize, Header)> = None;
    for anchor in found.iter().flatten() {
        let cy = (anchor.y0 + anchor.y1) / 2.0;
        let near = |r: &Rect| ((r.y0 + r.y1) / 2.0 - cy).abs() <= HEADER_ROWS * h;
        let (mut xs, mut lefts) = (Vec::new(), Vec::new());
        let (mut top, mut bottom) = (anchor.y0, anchor.y1);
        for rects in &found {
            let mine: Vec<&Rect> = rects.iter().filter(|r| near(r)).collect();
            for r in &mine {
                top = top.min(r.y0);
                bottom = bottom.max(r.y1);
            }
            lefts.push(mine.iter().map(|r| r.x0).reduce(f32::min));
            xs.push(if mine.is_empty() {
                None
            } else {
                Some(mine.iter().map(|r| centre_x(r)).sum::<f32>() / mine.len() as f32)
            });
        }
        let n = xs.iter().flatten().count();
        if best.as_ref().is_none_or(|(b, _)| n > *b) {
            best = Some((n, Header { xs, lefts, top, bottom }));
        }
    }
    // One column alone is a word on some other page, not a table.
    best.filter(|(n, _)| *n >= 2).map(|(_, h)| h)
}

/// The entry of a cell that was not read in a row whose other cell was: empty text, confidence 0, so
/// that entry `i` of every list of a table stays row `i`.
fn unread() -> DocField {
    DocField::default()
}

/// One of the back's tables as found on the page.
struct Table {
    /// Its column headers, when at least two were read.
    head: Option<Header>,
    /// Where its body starts (below the header, else below the section heading) and its top.
    body_from: f32,
    top: f32,
}

/// A table found by its header or, failing that, its section heading (labels of 20 px on a photo are
/// often misread where the bolder heading is not).
fn table(page: &Page, columns: &[&Label], heading: &Label) -> Option<Table> {
    let head = header(page, columns);
    let heading = labels::find_all(page, heading).first().map(|f| page.segs[f.span.seg].rect);
    match (head, heading) {
        (Some(h), heading) => Some(Table {
            top: heading.map_or(h.top, |r| r.y0.min(h.top)),
            body_from: h.bottom,
            head: Some(h),
        }),
        (None, Some(r)) => Some(Table {
            head: None,
            body_from: r.y1,
            top: r.y0,
        }),
        (None, None) => None,
    }
}

/// The body rows of a table: page rows below its header (or heading) and above `stop`, each as its
/// segments (which column a piece of them is in is decided per piece).
fn body_rows(page: &Page, t: &Table, stop: f32) -> Vec<Vec<usize>> {
    page.rows
        .iter()
        .map(|row| {
            row.iter()
                .copied()
                .filter(|&s| {
                    let r = page.segs[s].rect;
                    let cy = (r.y0 + r.y1) / 2.0;
                    cy > t.body_from && cy < stop
                })
                .collect::<Vec<usize>>()
        })
        .filter(|segs| !segs.is_empty())
        .collect()
}

type Dated = (usize, Span, crate::patterns::DateHit);

/// The full dates of each body row with the column each is in: by the header when the date columns'
/// labels were read, else by their order in the row (the tables' dates are their first columns, left to right; a row with
/// fewer dates is placed by the nearest column of the rows that have them all).
fn dated_rows(page: &Page, t: &Table, rows: &[Vec<usize>], n_dates: usize) -> Vec<Vec<Dated>> {
    let found: Vec<Vec<(Span, crate::patterns::DateHit, f32)>> = rows
        .iter()
        .map(|row| {
            let mut v: Vec<_> = row
                .iter()
                .flat_map(|&s| id_card::full_dates(page, s))
                .map(|(sp, d)| {
                    let x = centre_x(&page.span_rect(sp));
                    (sp, d, x)
                })
                .collect();
            v.sort_by(|a, b| a.2.total_cmp(&b.2));
            v
        })
        .collect();
    if let Some(head) = t.head.as_ref().filter(|h| h.xs[..n_dates].iter().all(Option::is_some)) {
        return found
            .into_iter()
            .map(|v| {
                v.into_iter()
                    .filter_map(|(sp, d, _)| Some((head.column(&page.span_rect(sp))?, sp, d)))
                    .collect()
            })
            .collect();
    }
    // Column centres from the rows with every date.
    let full: Vec<&Vec<_>> = found.iter().filter(|v| v.len() == n_dates).collect();
    let centres: Vec<f32> = (0..n_dates)
        .map(|c| full.iter().map(|v| v[c].2).sum::<f32>() / full.len().max(1) as f32)
        .collect();
    let placed_by_full = !full.is_empty();
    found
        .into_iter()
        .zip(rows)
        .map(|(v, row)| {
            if v.len() >= n_dates {
                v.into_iter().take(n_dates).enumerate().map(|(c, (sp, d, _))| (c, sp, d)).collect()
            } else if let Some(placed) = by_shapes(page, row, &v, n_dates) {
                placed
            } else if !placed_by_full {
                // Nothing to place it by: the first column when it is the only one.
                v.into_iter().filter(|_| n_dates == 1).map(|(sp, d, _)| (0, sp, d)).collect()
            } else {
                v.into_iter()
                    .map(|(sp, d, x)| {
                        let c = (0..n_dates).min_by(|&a, &b| (centres[a] - x).abs().total_cmp(&(centres[b] - x).abs()));
                        (c.unwrap_or(0), sp, d)
                    })
                    .collect()
            }
        })
        .collect()
}

/// The centres (x) of the date shapes ([`id_card::date_shape_len`]) in a row, left to right as read.
fn date_shapes(page: &Page, row: &[usize]) -> Vec<f32> {
    let mut shapes: Vec<f32> = Vec::new();
    for &s in row {
        let sp = page.trim(page.seg_span(s));
        let chars = page.span_chars(sp);
        let mut i = 0;
        while i < chars.len() {
            let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
            match id_card::date_shape_len(&chars[i..]).filter(|_| starts) {
                Some(n) => {
                    let shape = Span { seg: s, start: sp.start + i, end: sp.start + i + n };
                    shapes.push(centre_x(&page.span_rect(shape)));
                    i += n;
                }
                None => i += 1,
            }
        }
    }
    shapes
}

/// A row with a date misread (`2014.81.11 2017.01.10.`): each date's column is its place among the
/// row's date shapes ([`id_card::date_shape_len`]), when the row has one for every column.
fn by_shapes(
    page: &Page,
    row: &[usize],
    dates: &[(Span, crate::patterns::DateHit, f32)],
    n_dates: usize,
) -> Option<Vec<Dated>> {
    let mut shapes = date_shapes(page, row);
    if shapes.len() < n_dates || dates.is_empty() {
        return None;
    }
    shapes.sort_by(f32::total_cmp);
    let nearest = |x: f32| (0..shapes.len()).min_by(|&a, &b| (shapes[a] - x).abs().total_cmp(&(shapes[b] - x).abs()));
    Some(
        dates
            .iter()
            .filter_map(|(sp, d, x)| nearest(*x).filter(|&c| c < n_dates).map(|c| (c, *sp, d.clone())))
            .collect(),
    )
}

/// Words of a row closer than this many line heights run on in one cell (an address's word spaces are
/// about 0.3; the gap to the `확인` cell's seal is a cell's padding on each side, over one).
const CELL_WORD_GAP: f32 = 1.0;

/// The address of a residence-table row, word by word (the OCR may run the address and the `확인`
/// cell's seal into one segment): the words right of the row's date (`date_x1`) — with the header,
/// those whose centre is left of the `확인` column's labels (the address is left-aligned in a wide cell
/// and may fill it, so its last words can be nearer the `확인` column's centre than its own), else the
/// run of words that starts there.
fn address_spans(page: &Page, t: &Table, row: &[usize], dates: &[Dated], date_x1: f32) -> Vec<Span> {
    let texty = |sp: &Span| page.span_text(*sp).chars().any(|c| labels::is_hangul(c) || c.is_ascii_alphanumeric());
    let mut words: Vec<(Span, Rect)> = row
        .iter()
        .flat_map(|&s| outside_dates(page, page.trim(page.seg_span(s)), dates))
        .flat_map(|sp| page.words(sp))
        .filter(texty)
        .map(|sp| (sp, page.span_rect(sp)))
        .filter(|(_, r)| r.x0 >= date_x1)
        .collect();
    words.sort_by(|a, b| a.1.x0.total_cmp(&b.1.x0));
    if let Some(confirm) = t.head.as_ref().and_then(|h| h.lefts[2]) {
        return words
            .into_iter()
            .filter(|(_, r)| centre_x(r) < confirm)
            .map(|(sp, _)| sp)
            .collect();
    }
    let h = page.median_height();
    let mut out: Vec<(Span, Rect)> = Vec::new();
    for (sp, r) in words {
        if out.last().is_some_and(|(_, last)| r.x0 - last.x1 > CELL_WORD_GAP * h) {
            break;
        }
        out.push((sp, r));
    }
    out.into_iter().map(|(sp, _)| sp).collect()
}

/// Reads the back's tables (empty when the page has none).
pub(crate) fn extract(page: &Page, today: (i32, u32, u32)) -> AlienCardBack {
    let mut r = AlienCardBack::default();
    let permits = table(page, &[&PERMIT_DATE, &EXPIRY_DATE, &CONFIRM], &PERMIT_SECTION);
    let reports = table(page, &[&REPORT_DATE, &RESIDENCE, &CONFIRM], &REPORT_SECTION);
    r.found = permits.is_some() || reports.is_some();
    // The extension table is printed above the residence table: when neither its heading nor two of
    // its columns were read (`체뼈기간 연짱 해가`), its rows are those above the residence table that
    // hold two date shapes (a permission and its expiry).
    let paired_only = permits.is_none();
    let permits = permits.or_else(|| {
        reports.as_ref().map(|_| Table { head: None, body_from: f32::NEG_INFINITY, top: f32::NEG_INFINITY })
    });
    // Each table ends where the other one starts below it.
    let stop_of = |t: &Table, other: &Option<Table>| {
        other.as_ref().map(|o| o.top).filter(|&y| y > t.body_from).unwrap_or(f32::INFINITY)
    };

    if let Some(t) = &permits {
        let mut rows = body_rows(page, t, stop_of(t, &reports));
        if paired_only {
            rows.retain(|row| date_shapes(page, row).len() >= 2);
        }
        for dates in dated_rows(page, t, &rows, 2) {
            let permit = dates.iter().find(|(c, _, _)| *c == 0);
            let expiry = dates.iter().find(|(c, _, _)| *c == 1);
            if permit.is_none() && expiry.is_none() {
                continue;
            }
            r.permission_date
                .push(permit.map_or_else(unread, |(_, sp, d)| id_card::date_field(page, *sp, d, "", today)));
            // An expiry may lie ahead; a permission sets it after itself.
            r.expiry_date.push(expiry.map_or_else(unread, |(_, sp, d)| {
                let in_order = permit.is_none_or(|(_, _, p)| (p.year, p.month, p.day) < (d.year, d.month, d.day));
                id_card::dated_field(page, *sp, d, "", d.exists() && in_order)
            }));
        }
    }

    if let Some(t) = &reports {
        let rows = body_rows(page, t, stop_of(t, &permits));
        let dated = dated_rows(page, t, &rows, 1);
        for (row, dates) in rows.iter().zip(dated) {
            // Every change of residence is dated: a row without a date is not the table's (the notice
            // printed under it reads like an address).
            let Some((_, sp, d)) = dates.iter().find(|(c, _, _)| *c == 0) else {
                continue;
            };
            let spans = address_spans(page, t, row, &dates, page.span_rect(*sp).x1);
            r.report_date.push(id_card::date_field(page, *sp, d, "", today));
            r.residence.push(if spans.is_empty() {
                unread()
            } else {
                field(page, &spans, "", Formatted::None, Check::None)
            });
        }
    }
    r
}

/// The parts of `sp` outside the date spans (trimmed, empty ones dropped): a date and an address read
/// into one segment are split.
fn outside_dates(page: &Page, sp: Span, dates: &[Dated]) -> Vec<Span> {
    let mut cuts: Vec<(usize, usize)> = dates
        .iter()
        .filter(|(_, d, _)| d.seg == sp.seg)
        .map(|(_, d, _)| (d.start, d.end))
        .collect();
    cuts.sort();
    let mut out = Vec::new();
    let mut at = sp.start;
    for (a, b) in cuts {
        if a > at {
            out.push(Span { start: at, end: a.min(sp.end), ..sp });
        }
        at = at.max(b);
    }
    if at < sp.end {
        out.push(Span { start: at, ..sp });
    }
    out.into_iter()
        .map(|s| page.trim(s))
        .filter(|s| s.end > s.start)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::field::Check;
    use crate::id_card::{extract_on, IdDocument};
    use crate::text::testutil::page;

    const TODAY: (i32, u32, u32) = (2026, 12, 4);

    /// A back: the extension table's columns centred at x 160 / 460 / 760, the residence table's at
    /// 150 / 520 / 880 (12 px a character), a seal in a 확인 cell and the notice under the tables.
    fn back(permits: &[(&'static str, &'static str)]) -> Vec<(&'static str, f32, f32)> {
        let mut lines = vec![
            ("체류기간 연장 허가 Extension of Period of Sojourn", 40.0, 20.0),
            ("허가일자", 136.0, 70.0),
            ("만료일자", 436.0, 70.0),
            ("확인", 748.0, 70.0),
            ("Date of Permission", 52.0, 95.0),
            ("Date of Expiry", 376.0, 95.0),
            ("Confirmation", 688.0, 95.0),
        ];
        for (i, (p, e)) in permits.iter().enumerate() {
            let y = 130.0 + 46.0 * i as f32;
            lines.push((p, 94.0, y));
            lines.push((e, 394.0, y));
        }
        lines.extend([
            ("체류지 변경 신고 Report on Change of Residence", 40.0, 300.0),
            ("신고일", 132.0, 350.0),
            ("체류지", 502.0, 350.0),
            ("확인", 868.0, 350.0),
            ("Date of Report", 66.0, 375.0),
            ("Address", 478.0, 375.0),
            ("Confirmation", 808.0, 375.0),
            ("2019.08.26.", 84.0, 410.0),
            ("대전광역시 중구 은행나무길 153", 400.0, 410.0),
            ("출입국", 862.0, 410.0),
            ("이 카드를 습득하신 분은 가까운 우체통에 넣어 주십시오.", 40.0, 560.0),
        ]);
        lines
    }

    fn texts(v: &[crate::DocField]) -> Vec<&str> {
        v.iter().map(|f| f.text.as_str()).collect()
    }

    #[test]
    fn the_back_is_an_alien_card_read_row_by_row() {
        let lines = back(&[("2019.02.15.", "2022.02.14."), ("2022.01.20.", "2024.01.19.")]);
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else {
            panic!("{r:?}")
        };
        assert!(r.is_confident, "both tables' headers read");
        assert_eq!(texts(&a.back.permission_date), ["2019.02.15.", "2022.01.20."]);
        assert_eq!(texts(&a.back.expiry_date), ["2022.02.14.", "2024.01.19."]);
        assert_eq!(texts(&a.back.report_date), ["2019.08.26."]);
        assert_eq!(texts(&a.back.residence), ["대전광역시 중구 은행나무길 153"], "not the seal, not the notice");
        assert!(a.back.expiry_date.iter().all(|f| f.check == Check::Valid));
        assert!(a.issue_date.is_none() && a.authority.is_none(), "no front read from the back's dates");
        let named = r.named_values();
        assert!(named.contains(&("expiryDate[1]".into(), "2024.01.19.".into())), "{named:?}");
        let keys: Vec<&str> = r.fields().iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["permissionDate", "expiryDate", "reportDate", "residence"]);
    }

    #[test]
    fn an_expiry_before_its_permission_is_invalid() {
        let lines = back(&[("2023.05.01.", "2022.04.30.")]);
        let Some(IdDocument::Ac(a)) = extract_on(&page(&lines), TODAY).document else {
            panic!()
        };
        assert_eq!(a.back.expiry_date[0].check, Check::Invalid);
        assert_eq!(a.back.permission_date[0].check, Check::Valid);
    }

    #[test]
    fn one_table_read_is_the_back_without_confidence() {
        // A photo that shows only the extension table.
        let lines: Vec<_> = back(&[("2019.02.15.", "2022.02.14.")]).into_iter().take(9).collect();
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else {
            panic!("{r:?}")
        };
        assert!(!r.is_confident);
        assert_eq!(texts(&a.back.expiry_date), ["2022.02.14."]);
        assert!(a.back.residence.is_empty());
    }

    #[test]
    fn two_headings_and_rows_led_by_dates_are_the_back() {
        // A small photo: the grey column headers misread, only the two headings read. With two rows
        // that start with a date (a permit and a report) that is the back, even with the dates
        // misread and `체` read `세`. The two headings read are the back even with one such row
        // (each counts as two labels); one heading and one such row is not.
        let misread = |l: &(&'static str, f32, f32)| {
            !matches!(l.0, "허가일자" | "만료일자" | "확인" | "신고일" | "체류지" | "Date of Report")
                && !l.0.starts_with("Date of")
                && l.0 != "Confirmation"
        };
        let lines: Vec<_> = back(&[("2019.02.15.", "2022.02.14."), ("2022.01.20.", "2024.01.19.")])
            .into_iter()
            .filter(misread)
            .collect();
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert_eq!(texts(&a.back.expiry_date), ["2022.02.14.", "2024.01.19."]);
        let lines: Vec<_> = back(&[("2014.81.11", "2017.01.10.")])
            .into_iter()
            .filter(misread)
            .map(|l| match l.0 {
                "체류지 변경 신고 Report on Change of Residence" => ("세류지 변경 신고 Report on Change of Residence", l.1, l.2),
                "2019.08.26." => ("2819.08.26.", l.1, l.2),
                _ => l,
            })
            .collect();
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert_eq!(texts(&a.back.expiry_date), ["2017.01.10."]);
        let lines: Vec<_> = back(&[("2019.02.15.", "2022.02.14.")])
            .into_iter()
            .filter(|l| misread(l) && l.0 != "2019.08.26.")
            .collect();
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert_eq!(texts(&a.back.expiry_date), ["2022.02.14."]);
        let lines: Vec<_> = lines.into_iter().filter(|l| !l.0.starts_with("체류지 변경 신고")).collect();
        assert!(extract_on(&page(&lines), TODAY).document.is_none());
    }

    #[test]
    fn the_extension_table_unlabelled_is_the_rows_of_two_dates_above_the_residence_table() {
        // Its heading and column labels misread (`체뼈기간 연짱 해가`), the residence table's heading
        // read: the rows above that hold two dates are the extensions; a line of one date is not.
        let lines: Vec<_> = back(&[("2018.02.22.", "2029.02.21."), ("2029.01.13.", "2032.01.12.")])
            .into_iter()
            .filter(|l| l.2 > 120.0)
            .chain([("2017.05.05.", 94.0, 60.0)])
            .collect();
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert_eq!(texts(&a.back.permission_date), ["2018.02.22.", "2029.01.13."]);
        assert_eq!(texts(&a.back.expiry_date), ["2029.02.21.", "2032.01.12."]);
        assert_eq!(texts(&a.back.report_date), ["2019.08.26."]);
    }

    #[test]
    fn a_back_whose_rows_are_unread_is_still_the_back() {
        // Both headings read, every row's grey print noise: the back, with nothing read from it.
        let lines = [
            ("체류기간 연장 허가", 40.0, 20.0),
            ("a.o.ㄲ 2019.07.ㅛ", 94.0, 130.0),
            ("체류지 변경 신고", 40.0, 300.0),
        ];
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else { panic!("{r:?}") };
        assert!(a.back.found && a.back.is_empty());
        assert!(r.fields().is_empty() && !r.is_confident);
        // One heading alone is no card.
        assert!(extract_on(&page(&lines[..2]), TODAY).document.is_none());
    }

    #[test]
    fn a_cell_not_read_keeps_the_rows_aligned() {
        // The first row's expiry unread (a glare spot): the second row's expiry stays entry 1.
        let lines = back(&[("2019.02.15.", "2022.02.14."), ("2022.01.20.", "2024.01.19.")]);
        let lines: Vec<_> = lines.into_iter().filter(|l| l.0 != "2022.02.14.").collect();
        let r = extract_on(&page(&lines), TODAY);
        let Some(IdDocument::Ac(a)) = &r.document else {
            panic!("{r:?}")
        };
        assert_eq!(texts(&a.back.expiry_date), ["", "2024.01.19."]);
        assert_eq!(a.back.expiry_date[0].confidence, 0.0);
        let named = r.named_values();
        assert!(named.contains(&("expiryDate[1]".into(), "2024.01.19.".into())), "{named:?}");
        assert!(!named.iter().any(|(k, _)| k == "expiryDate[0]"), "an unread cell is no value");
    }
}
