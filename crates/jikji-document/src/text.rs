//! The page as document understanding sees it: text lines ("segments") with per-character boxes, in a
//! de-skewed frame, grouped into rows.
//!
//! Why a model of its own: the OCR page result gives words (text + quad) and lines. Extractors need to
//! cut a value out of a line (`TEL: 02-123-4567` → `02-123-4567`) and still return the polygon of just
//! that value, and need "same row" / "below" relations that hold on tilted photos. So every segment keeps,
//! for each character, the word it came from and its position in the word; and every box is also
//! expressed in a frame rotated by the page's dominant text angle, where rows are horizontal.

use jikji_geometry::{Point, Quad, Rect};
use jikji_types::PageResult;

/// One character of a segment and where it came from.
#[derive(Debug, Clone, Copy)]
pub struct CharRef {
    pub ch: char,
    /// Index into `PageResult::words`; `None` for the space inserted between two words.
    pub word: Option<usize>,
    /// Position of the character in its word and the word's length (in chars).
    pub pos: usize,
    pub len: usize,
}

/// A run of words on one text line (one `PageResult` line).
#[derive(Debug, Clone)]
pub struct Seg {
    pub chars: Vec<CharRef>,
    /// Bounding box in the de-skewed frame.
    pub rect: Rect,
    /// Mean word confidence.
    pub conf: f32,
    /// Row index (set by [`Page::new`]).
    pub row: usize,
}

impl Seg {
    pub fn text(&self) -> String {
        self.chars.iter().map(|c| c.ch).collect()
    }
    pub fn len(&self) -> usize {
        self.chars.len()
    }
    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }
    pub fn height(&self) -> f32 {
        self.rect.height()
    }
}

/// A character range of one segment: a value or a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub seg: usize,
    pub start: usize,
    pub end: usize,
}

/// The page: segments, rows (segment indices left to right) and the de-skew rotation.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    pub result: &'a PageResult,
    pub segs: Vec<Seg>,
    /// Rows top to bottom; each row's segments left to right.
    pub rows: Vec<Vec<usize>>,
    /// cos/sin of the de-skew rotation (rotating page points by `-angle`).
    cos: f32,
    sin: f32,
    /// Whether any word holds Hangul: a Korean page (the receipt reader asks per money field).
    pub korean: bool,
}

/// A gap between two words of one OCR line wider than this many line heights splits the line into two
/// segments: the OCR joins table columns (`상 호 : 누리네트웍스`, `P  KOR  S02342490`) into one line,
/// while extraction needs the columns apart. Word spaces are about 0.3 line heights; letter-spaced
/// labels split too, which label matching handles (a label may span segments).
const COLUMN_GAP: f32 = 1.2;

/// Two boxes are on one row when their vertical overlap is at least this fraction of the smaller
/// height. 0.5 keeps a wrapped second address line (no overlap) apart from its first line while
/// joining a label and a value whose baselines differ by a few pixels on photos.
const ROW_OVERLAP: f32 = 0.5;

impl<'a> Page<'a> {
    pub fn new(result: &'a PageResult) -> Page<'a> {
        let angle = dominant_angle(result);
        let (sin, cos) = (-angle).sin_cos();
        let mut page = Page {
            result,
            segs: Vec::new(),
            rows: Vec::new(),
            cos,
            sin,
            korean: result
                .words
                .iter()
                .any(|w| w.text.chars().any(crate::labels::is_hangul)),
        };
        let mut ranges: Vec<std::ops::Range<usize>> =
            result.lines.iter().map(|l| l.words.clone()).collect();
        if ranges.is_empty() && !result.words.is_empty() {
            // No lines given: rebuild them from the words' line-break flags.
            let mut start = 0;
            for (i, w) in result.words.iter().enumerate() {
                if w.line_break || i + 1 == result.words.len() {
                    ranges.push(start..i + 1);
                    start = i + 1;
                }
            }
        }
        let mut split = Vec::new();
        for r in ranges {
            let r = r.start.min(result.words.len())..r.end.min(result.words.len());
            if r.is_empty() {
                continue;
            }
            let mut hs: Vec<f32> = r.clone().map(|i| result.words[i].quad.height()).collect();
            hs.sort_by(f32::total_cmp);
            let h = hs[hs.len() / 2].max(1.0);
            let mut start = r.start;
            for i in r.start + 1..r.end {
                let prev = page.rot_quad(&result.words[i - 1].quad).bbox();
                let cur = page.rot_quad(&result.words[i].quad).bbox();
                if cur.x0 - prev.x1 > COLUMN_GAP * h {
                    split.push(start..i);
                    start = i;
                }
            }
            split.push(start..r.end);
        }
        for r in split {
            let mut chars = Vec::new();
            let mut rect: Option<Rect> = None;
            let mut conf = 0.0;
            for (k, wi) in r.clone().enumerate() {
                let w = &result.words[wi];
                if k > 0 {
                    chars.push(CharRef {
                        ch: ' ',
                        word: None,
                        pos: 0,
                        len: 0,
                    });
                }
                let n = w.text.chars().count();
                for (p, ch) in w.text.chars().enumerate() {
                    chars.push(CharRef {
                        ch,
                        word: Some(wi),
                        pos: p,
                        len: n,
                    });
                }
                let b = page.rot_quad(&w.quad).bbox();
                rect = Some(match rect {
                    Some(x) => x.union(&b),
                    None => b,
                });
                conf += w.confidence;
            }
            let conf = conf / r.len() as f32;
            page.segs.push(Seg {
                chars,
                rect: rect.unwrap(),
                conf,
                row: 0,
            });
        }
        page.build_rows();
        page
    }

    /// A point in the de-skewed frame.
    pub fn rot(&self, p: Point) -> Point {
        Point::new(
            p.x * self.cos - p.y * self.sin,
            p.x * self.sin + p.y * self.cos,
        )
    }

    pub fn rot_quad(&self, q: &Quad) -> Quad {
        Quad::new(q.pts.map(|p| self.rot(p)))
    }

    fn build_rows(&mut self) {
        let mut order: Vec<usize> = (0..self.segs.len()).collect();
        order.sort_by(|&a, &b| {
            let ca = self.segs[a].rect.center().y;
            let cb = self.segs[b].rect.center().y;
            ca.total_cmp(&cb)
        });
        let mut rows: Vec<(f32, f32, Vec<usize>)> = Vec::new();
        for i in order {
            let r = self.segs[i].rect;
            // Join the most overlapping of the last few rows.
            let mut best: Option<(usize, f32)> = None;
            for (k, row) in rows.iter().enumerate().rev().take(4) {
                let ov = (r.y1.min(row.1) - r.y0.max(row.0)).max(0.0);
                let frac = ov / r.height().min(row.1 - row.0).max(1.0);
                if frac >= ROW_OVERLAP && best.map_or(true, |b| frac > b.1) {
                    best = Some((k, frac));
                }
            }
            match best {
                Some((k, _)) => {
                    // Keep the row's band as the first member's (not the union) so rows do not creep.
                    rows[k].2.push(i);
                }
                None => rows.push((r.y0, r.y1, vec![i])),
            }
        }
        rows.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
        for (k, row) in rows.iter_mut().enumerate() {
            row.2
                .sort_by(|&a, &b| self.segs[a].rect.x0.total_cmp(&self.segs[b].rect.x0));
            for &s in &row.2 {
                self.segs[s].row = k;
            }
        }
        self.rows = rows.into_iter().map(|r| r.2).collect();
    }

    /// The characters of span `s`, as they are (no trimming), one per index of the span.
    pub fn span_chars(&self, s: Span) -> Vec<char> {
        self.segs[s.seg].chars[s.start..s.end].iter().map(|c| c.ch).collect()
    }

    /// The text of a span, trimmed.
    pub fn span_text(&self, s: Span) -> String {
        self.segs[s.seg].chars[s.start..s.end]
            .iter()
            .map(|c| c.ch)
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// The whole segment as a span.
    pub fn seg_span(&self, seg: usize) -> Span {
        Span {
            seg,
            start: 0,
            end: self.segs[seg].len(),
        }
    }

    /// Narrows a span to its non-space characters.
    pub fn trim(&self, mut s: Span) -> Span {
        let c = &self.segs[s.seg].chars;
        while s.start < s.end && c[s.start].ch.is_whitespace() {
            s.start += 1;
        }
        while s.end > s.start && c[s.end - 1].ch.is_whitespace() {
            s.end -= 1;
        }
        s
    }

    /// Page-pixel polygons of a span: one per word it touches, cut to the characters it covers.
    pub fn span_polys(&self, s: Span) -> Vec<Quad> {
        self.span_polys_lead(s, 0.0)
    }

    /// [`Page::span_polys`] with the first polygon starting `lead` characters early (never outside its
    /// word): masks, whose cut by equal character widths may start late where narrow characters precede.
    pub fn span_polys_lead(&self, s: Span, lead: f32) -> Vec<Quad> {
        let mut out: Vec<Quad> = Vec::new();
        let chars = &self.segs[s.seg].chars[s.start.min(s.end)..s.end];
        let mut i = 0;
        while i < chars.len() {
            let Some(w) = chars[i].word else {
                i += 1;
                continue;
            };
            let first = chars[i].pos;
            let mut last = first;
            let len = chars[i].len.max(1);
            while i < chars.len() && chars[i].word == Some(w) {
                last = chars[i].pos;
                i += 1;
            }
            let q = &self.result.words[w].quad;
            let lead = if out.is_empty() { lead } else { 0.0 };
            if first == 0 && last + 1 == len {
                out.push(*q);
            } else {
                out.push(q.sub_span(
                    ((first as f32 - lead) / len as f32).max(0.0),
                    (last + 1) as f32 / len as f32,
                ));
            }
        }
        out
    }

    /// The words of a span: its runs of non-space characters.
    pub fn words(&self, sp: Span) -> Vec<Span> {
        let chars = &self.segs[sp.seg].chars;
        let mut out = Vec::new();
        let mut i = sp.start;
        while i < sp.end {
            if chars[i].ch.is_whitespace() {
                i += 1;
                continue;
            }
            let start = i;
            while i < sp.end && !chars[i].ch.is_whitespace() {
                i += 1;
            }
            out.push(Span { start, end: i, ..sp });
        }
        out
    }

    /// De-skewed bounding box of a span.
    pub fn span_rect(&self, s: Span) -> Rect {
        let polys = self.span_polys(s);
        let mut r: Option<Rect> = None;
        for q in polys {
            let b = self.rot_quad(&q).bbox();
            r = Some(r.map_or(b, |x| x.union(&b)));
        }
        r.unwrap_or(self.segs[s.seg].rect)
    }

    /// Mean confidence of the words a span touches.
    pub fn span_conf(&self, s: Span) -> f32 {
        let mut seen = Vec::new();
        for c in &self.segs[s.seg].chars[s.start..s.end] {
            if let Some(w) = c.word {
                if !seen.contains(&w) {
                    seen.push(w);
                }
            }
        }
        if seen.is_empty() {
            return self.segs[s.seg].conf;
        }
        seen.iter()
            .map(|&w| self.result.words[w].confidence)
            .sum::<f32>()
            / seen.len() as f32
    }

    /// Median segment height: the page's body text size.
    pub fn median_height(&self) -> f32 {
        let mut h: Vec<f32> = self.segs.iter().map(|s| s.height()).collect();
        if h.is_empty() {
            return 1.0;
        }
        h.sort_by(f32::total_cmp);
        h[h.len() / 2].max(1.0)
    }

    /// Segments in reading order (rows top to bottom, left to right).
    pub fn reading_order(&self) -> Vec<usize> {
        self.rows.iter().flatten().copied().collect()
    }
}

/// Dominant text direction: the length-weighted circular mean of the word angles (doubled-angle free:
/// word quads are in reading orientation, so 90° and 270° pages come out as such).
pub(crate) fn dominant_angle(page: &PageResult) -> f32 {
    let (mut sx, mut sy) = (0.0f32, 0.0f32);
    for w in &page.words {
        let wgt = w.quad.width().max(1.0);
        let a = w.quad.angle();
        sx += a.cos() * wgt;
        sy += a.sin() * wgt;
    }
    if sx == 0.0 && sy == 0.0 {
        return 0.0;
    }
    sy.atan2(sx)
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Hand-built page results for the extractors' tests: each line is placed at a given position,
    //! words are split at spaces with boxes proportional to their length.
    use jikji_geometry::{Point, Quad};
    use jikji_types::{Line, PageResult, Word};

    /// `(text, x, y)` per line, with `char_w` px per character and 20 px line height.
    pub fn page(lines: &[(&str, f32, f32)]) -> PageResult {
        page_rotated(lines, 0.0)
    }

    /// Same as [`page`], every point rotated by `angle` radians about the origin.
    pub fn page_rotated(lines: &[(&str, f32, f32)], angle: f32) -> PageResult {
        let char_w = 12.0;
        let h = 20.0;
        let (s, c) = angle.sin_cos();
        let rot = |p: Point| Point::new(p.x * c - p.y * s, p.x * s + p.y * c);
        let mut words = Vec::new();
        let mut out_lines = Vec::new();
        for &(text, x, y) in lines {
            let start = words.len();
            let mut cx = x;
            for (k, part) in text.split(' ').enumerate() {
                if part.is_empty() {
                    cx += char_w;
                    continue;
                }
                if k > 0 {
                    cx += char_w;
                }
                let n = part.chars().count() as f32;
                let q = Quad::new([
                    rot(Point::new(cx, y)),
                    rot(Point::new(cx + n * char_w, y)),
                    rot(Point::new(cx + n * char_w, y + h)),
                    rot(Point::new(cx, y + h)),
                ]);
                words.push(Word {
                    text: part.to_string(),
                    quad: q,
                    confidence: 0.95,
                    line_break: false,
                });
                cx += n * char_w;
            }
            if let Some(w) = words.last_mut() {
                w.line_break = true;
            }
            let q = Quad::new([
                rot(Point::new(x, y)),
                rot(Point::new(cx, y)),
                rot(Point::new(cx, y + h)),
                rot(Point::new(x, y + h)),
            ]);
            out_lines.push(Line {
                text: text.to_string(),
                quad: q,
                confidence: 0.95,
                words: start..words.len(),
                pass: None,
                direction: None,
            });
        }
        PageResult {
            page_index: 0,
            width: 2000,
            height: 2000,
            words,
            lines: out_lines,
            outline: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    #[test]
    fn rows_group_segments_left_to_right() {
        let p = page(&[
            ("금액", 300.0, 100.0),
            ("합계", 10.0, 102.0),
            ("주소 서울", 10.0, 140.0),
        ]);
        let pg = Page::new(&p);
        assert_eq!(pg.rows.len(), 2);
        assert_eq!(pg.segs[pg.rows[0][0]].text(), "합계");
        assert_eq!(pg.segs[pg.rows[0][1]].text(), "금액");
    }

    #[test]
    fn rows_hold_on_a_tilted_page() {
        let p = page_rotated(
            &[
                ("합계", 10.0, 100.0),
                ("35,000", 400.0, 100.0),
                ("부가세", 10.0, 130.0),
            ],
            0.25,
        );
        let pg = Page::new(&p);
        assert_eq!(pg.rows.len(), 2);
        assert_eq!(pg.rows[0].len(), 2);
    }

    #[test]
    fn span_polygons_cut_words() {
        let p = page(&[("TEL:02-123-4567", 0.0, 0.0)]);
        let pg = Page::new(&p);
        let polys = pg.span_polys(Span {
            seg: 0,
            start: 4,
            end: 15,
        });
        assert_eq!(polys.len(), 1);
        assert!((polys[0].pts[0].x - 48.0).abs() < 0.01);
        assert_eq!(
            pg.span_text(Span {
                seg: 0,
                start: 4,
                end: 15
            }),
            "02-123-4567"
        );
    }
}
