//! Small helpers every extractor uses: turning spans into [`DocField`]s, label → value look-ups, and
//! pattern search over segments.

use crate::field::{Check, DocField, Formatted};
use crate::geometry;
use crate::labels::{self, Found, Label};
use crate::patterns::Hit;
use crate::text::{Page, Span};

/// Builds a field from the spans that form it (joined with a space, as printed on several lines).
pub fn field(
    page: &Page,
    spans: &[Span],
    key_text: &str,
    formatted: Formatted,
    check: Check,
) -> DocField {
    let text = spans
        .iter()
        .map(|&s| page.span_text(s))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    field_with_text(page, spans, text, key_text, formatted, check)
}

/// Same as [`field`] with the text given (a repaired value).
pub fn field_with_text(
    page: &Page,
    spans: &[Span],
    text: String,
    key_text: &str,
    formatted: Formatted,
    check: Check,
) -> DocField {
    let polys = spans.iter().flat_map(|&s| page.span_polys(s)).collect();
    let conf = if spans.is_empty() {
        0.0
    } else {
        spans.iter().map(|&s| page.span_conf(s)).sum::<f32>() / spans.len() as f32
    };
    DocField {
        text,
        formatted,
        key_text: key_text.to_string(),
        confidence: (conf * check.confidence_factor()).clamp(0.0, 1.0),
        polys,
        masks: Vec::new(),
        check,
    }
}

/// The printed text of a label.
pub fn label_text(page: &Page, f: &Found) -> String {
    if f.end_seg == f.span.seg {
        page.span_text(Span {
            end: f.end,
            ..f.span
        })
    } else {
        let row = &page.rows[page.segs[f.span.seg].row];
        let a = row.iter().position(|&s| s == f.span.seg).unwrap_or(0);
        let b = row.iter().position(|&s| s == f.end_seg).unwrap_or(a);
        row[a..=b]
            .iter()
            .map(|&s| page.segs[s].text())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Every (label, value right of it) pair for a label, best label matches first.
pub fn label_values(page: &Page, label: &Label) -> Vec<(Found, Span)> {
    labels::find_all(page, label)
        .into_iter()
        .filter_map(|f| geometry::value_right(page, &f).map(|v| (f, v)))
        .collect()
}

/// [`label_values`] with labels also matched mid-line ([`labels::find_all_inline`]).
pub fn label_values_inline(page: &Page, label: &Label) -> Vec<(Found, Span)> {
    labels::find_all_inline(page, label)
        .into_iter()
        .filter_map(|f| geometry::value_right(page, &f).map(|v| (f, v)))
        .collect()
}

/// A sub-span of `s` from a pattern hit on its text (the hit's char range is relative to the span start
/// after trimming: callers search `page.span_text(s)` of a trimmed span).
pub fn sub(s: Span, h: &Hit) -> Span {
    Span {
        seg: s.seg,
        start: s.start + h.start,
        end: s.start + h.end,
    }
}

/// Searches `find` over a span's text and returns the hits as spans.
pub fn find_in(page: &Page, s: Span, find: impl Fn(&str) -> Vec<Hit>) -> Vec<(Span, String)> {
    let s = page.trim(s);
    let text: String = page.segs[s.seg].chars[s.start..s.end]
        .iter()
        .map(|c| c.ch)
        .collect();
    find(&text)
        .into_iter()
        .map(|h| (sub(s, &h), h.text))
        .collect()
}

/// Searches a pattern over every segment in reading order.
pub fn find_everywhere(page: &Page, find: impl Fn(&str) -> Vec<Hit>) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    for s in page.reading_order() {
        out.extend(find_in(page, page.seg_span(s), &find));
    }
    out
}

/// The row's segments from `seg` (included) to the row's end, as spans.
pub fn rest_of_row(page: &Page, from: Span) -> Vec<Span> {
    let row = &page.rows[page.segs[from.seg].row];
    let pos = row.iter().position(|&s| s == from.seg).unwrap_or(0);
    let mut out = vec![from];
    out.extend(row[pos + 1..].iter().map(|&s| page.seg_span(s)));
    out
}

/// True when a segment is a label of any of `labels`.
pub fn is_label(page: &Page, seg: usize, labels: &[&Label]) -> bool {
    labels::starts_with_any(page, seg, labels)
}
