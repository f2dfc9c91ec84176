//! Where a value is relative to its label: right of it on the same row, or below it in the same column;
//! and which following lines continue a wrapped value (addresses).
//!
//! Everything is measured in the de-skewed frame of [`crate::text::Page`], in units of the page's median
//! line height, so the same rules hold for a 600 px receipt scan and a 4000 px phone photo.

use crate::labels::{self, Found, Label};
use crate::text::{Page, Span};

/// Separators between a label and its value on one line (`TEL: …`, `합계 = …`).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ':' | '：' | '=' | '.' | ';' | '|' | '>' | '·')
}

/// The value right of a label: the rest of the label's segment after separators, else the next segment
/// of the row.
pub fn value_right(page: &Page, f: &Found) -> Option<Span> {
    let seg = &page.segs[f.end_seg];
    let mut i = f.end;
    while i < seg.len() && is_separator(seg.chars[i].ch) {
        i += 1;
    }
    if i < seg.len() {
        return Some(page.trim(Span {
            seg: f.end_seg,
            start: i,
            end: seg.len(),
        }));
    }
    let row = &page.rows[seg.row];
    let pos = row.iter().position(|&s| s == f.end_seg)?;
    let next = *row.get(pos + 1)?;
    let sp = page.seg_span(next);
    // A lone separator segment (`:`) between label and value.
    let t = page.span_text(sp);
    if t.chars().all(is_separator) {
        let next2 = *row.get(pos + 2)?;
        return Some(page.trim(page.seg_span(next2)));
    }
    Some(page.trim(strip_leading_separators(page, sp)))
}

fn strip_leading_separators(page: &Page, mut s: Span) -> Span {
    let c = &page.segs[s.seg].chars;
    while s.start < s.end && matches!(c[s.start].ch, ':' | '：' | '=') {
        s.start += 1;
    }
    s
}

/// Every segment right of the label on its row (a label followed by several table cells).
pub fn values_right_all(page: &Page, f: &Found) -> Vec<Span> {
    let mut out = Vec::new();
    if let Some(first) = value_right(page, f) {
        out.push(first);
        let row = &page.rows[page.segs[first.seg].row];
        if let Some(pos) = row.iter().position(|&s| s == first.seg) {
            for &s in &row[pos + 1..] {
                out.push(page.trim(page.seg_span(s)));
            }
        }
    }
    out
}

/// The value below a label: the first segment in the next rows (within `max_rows` rows and 2.5 line
/// heights) whose horizontal extent overlaps the label's.
pub fn value_below(page: &Page, f: &Found, max_rows: usize) -> Option<Span> {
    let lab = page.span_rect(f.span);
    let h = page.median_height();
    let row = page.segs[f.span.seg].row;
    for r in row + 1..(row + 1 + max_rows).min(page.rows.len()) {
        for &s in &page.rows[r] {
            let sr = page.segs[s].rect;
            if sr.y0 - lab.y1 > 2.5 * h {
                return None;
            }
            let ov = sr.x1.min(lab.x1.max(lab.x0 + 3.0 * h)) - sr.x0.max(lab.x0 - h);
            if ov > 0.0 {
                return Some(page.trim(page.seg_span(s)));
            }
        }
    }
    None
}

/// Lines that continue a value wrapped onto the following rows: a segment starting within 1.5 line
/// heights of the value's left edge (or of the line's own start), at most `gap` line heights below, that
/// is not a label of `stop`.
pub fn continuation(page: &Page, value: Span, stop: &[&Label], max_lines: usize) -> Vec<Span> {
    let h = page.median_height();
    let mut out = Vec::new();
    let mut cur = page.span_rect(value);
    let mut row = page.segs[value.seg].row;
    let left_line = page.segs[value.seg].rect.x0;
    'rows: for _ in 0..max_lines {
        row += 1;
        let Some(segs) = page.rows.get(row) else {
            break;
        };
        // A row with its own text left of the value (a label column) starts a new field.
        if segs.iter().any(|&s| {
            let r = page.segs[s].rect;
            r.x1 < cur.x0 - h && (r.x0 - left_line).abs() >= 1.5 * h
        }) || segs.iter().any(|&s| labels::starts_with_any(page, s, stop))
        {
            break;
        }
        for &s in segs {
            let r = page.segs[s].rect;
            if r.y0 - cur.y1 > 1.0 * h {
                break 'rows;
            }
            let aligned = (r.x0 - cur.x0).abs() < 1.5 * h
                || (r.x0 - left_line).abs() < 1.5 * h
                || (r.x0 > cur.x0 && r.x0 < cur.x1);
            if !aligned {
                continue;
            }
            if labels::starts_with_any(page, s, stop) {
                break 'rows;
            }
            let sp = page.trim(page.seg_span(s));
            out.push(sp);
            cur = r;
            continue 'rows;
        }
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{find_all, RECEIPT_ADDRESS, RECEIPT_TEL, TOTAL};
    use crate::text::testutil::page;

    #[test]
    fn value_in_the_same_segment_or_the_next() {
        let p = page(&[
            ("TEL: 061-996-7749", 0.0, 0.0),
            ("합 계", 0.0, 40.0),
            ("48,150", 400.0, 40.0),
        ]);
        let pg = Page::new(&p);
        let f = find_all(&pg, &RECEIPT_TEL)[0];
        assert_eq!(pg.span_text(value_right(&pg, &f).unwrap()), "061-996-7749");
        let f = find_all(&pg, &TOTAL)[0];
        assert_eq!(pg.span_text(value_right(&pg, &f).unwrap()), "48,150");
    }

    #[test]
    fn wrapped_value_continues_on_aligned_lines_only() {
        let p = page(&[
            ("주소: 서울특별시 강북구 봉은사로 333 20층", 0.0, 0.0),
            ("(합정동, 우림캐슬)", 72.0, 24.0),
            ("전화: 02-262-0678", 0.0, 48.0),
        ]);
        let pg = Page::new(&p);
        let f = find_all(&pg, &RECEIPT_ADDRESS)[0];
        let v = value_right(&pg, &f).unwrap();
        let more = continuation(&pg, v, &[&RECEIPT_TEL], 3);
        assert_eq!(more.len(), 1);
        assert_eq!(pg.span_text(more[0]), "(합정동, 우림캐슬)");
    }
}
