//! Layout: from recognised text lines to CLOVA's words, line breaks and reading order.
//!
//! The detector finds line *fragments* (one box per run of text; a receipt row "COFFEE ...... 4.50" is
//! usually two boxes), and the recogniser reads each fragment with a position per character. This stage
//!
//! 1. splits each fragment into words — at predicted spaces **and** at visual gaps between character
//!    positions, because letter-spaced labels (`사 업 자 등 록 증`) come out of the recogniser unspaced;
//! 2. groups fragments into visual rows (their vertical extents overlap, taking the fragment's slant
//!    into account) and orders rows top to bottom, fragments left to right;
//! 3. marks the last word of each row with `line_break`.

use jikji_geometry::{Point, Quad};
use serde::Serialize;

/// One character of a recognised fragment, placed on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub ch: String,
    /// Centre along the fragment's reading direction, as a fraction 0..1 of the fragment's length.
    pub t: f32,
    pub confidence: f32,
}

/// A recognised fragment (one detector box).
#[derive(Debug, Clone)]
pub struct Fragment {
    pub quad: Quad,
    pub glyphs: Vec<Glyph>,
}

/// A word of the output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Word {
    pub text: String,
    pub quad: Quad,
    pub confidence: f32,
    pub line_break: bool,
}

/// A fragment of the output with its words (in reading order).
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub text: String,
    pub quad: Quad,
    pub confidence: f32,
    pub words: Vec<Word>,
}

/// Tunables of word splitting.
#[derive(Debug, Clone)]
pub struct LayoutConfig {
    /// Split a word between two Hangul/CJK characters whose centres are more than this many text
    /// heights apart (solid Hangul is about 1.0 apart).
    pub gap_split: f32,
    /// Split a fragment into separate lines (table columns, label and value) where the blank between two
    /// words exceeds this many text heights. Line breaks are unaffected: the pieces stay on one row.
    pub column_gap: f32,
    /// A run of 3+ Hangul/CJK characters whose median centre distance is at least this many text
    /// heights is letter-spaced: each character becomes a word.
    pub letter_spacing: f32,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig {
            gap_split: 1.45,
            column_gap: 1.5,
            letter_spacing: 1.05,
        }
    }
}

/// Splits a fragment's words into runs separated by column-wide gaps.
fn column_runs(words: Vec<Word>, h: f32, cfg: &LayoutConfig) -> Vec<Vec<Word>> {
    let mut runs: Vec<Vec<Word>> = Vec::new();
    for w in words {
        let new_run = match runs.last().and_then(|r| r.last()) {
            None => true,
            Some(prev) => {
                let a = prev.quad.pts[1].lerp(prev.quad.pts[2], 0.5);
                let b = w.quad.pts[0].lerp(w.quad.pts[3], 0.5);
                a.dist(b) > cfg.column_gap * h
            }
        };
        if new_run {
            runs.push(vec![w]);
        } else {
            runs.last_mut().unwrap().push(w);
        }
    }
    runs
}

fn is_wide(ch: &str) -> bool {
    ch.chars().next().is_some_and(|c| {
        let c = c as u32;
        (0xAC00..=0xD7A3).contains(&c)
            || (0x3040..=0x30FF).contains(&c)
            || (0x4E00..=0x9FFF).contains(&c)
            || (0x3130..=0x318F).contains(&c)
    })
}

/// Expected advance (centre-to-centre distance, in text heights) of a character.
fn advance(ch: &str) -> f32 {
    if is_wide(ch) {
        1.0
    } else {
        0.6
    }
}

/// Splits one fragment into words (see the crate docs).
pub fn split_words(f: &Fragment, cfg: &LayoutConfig) -> Vec<Word> {
    let len = f.quad.width().max(1.0);
    let h = f.quad.height().max(1.0);
    let mut words: Vec<Vec<&Glyph>> = vec![Vec::new()];
    let mut prev: Option<&Glyph> = None;
    for g in &f.glyphs {
        if g.ch.trim().is_empty() {
            if !words.last().unwrap().is_empty() {
                words.push(Vec::new());
            }
            prev = None;
            continue;
        }
        if let Some(p) = prev {
            let dist = (g.t - p.t) * len / h;
            // Expected distance between these two characters when set solid.
            let expected = (advance(&p.ch) + advance(&g.ch)) / 2.0;
            // Hangul/CJK syllables are set solid at about one text height apart; Latin letters need a
            // space of about half a height before it reads as a word gap.
            let slack = if is_wide(&p.ch) && is_wide(&g.ch) {
                cfg.gap_split - 1.0
            } else {
                0.45
            };
            if dist > expected + slack && !words.last().unwrap().is_empty() {
                words.push(Vec::new());
            }
        }
        words.last_mut().unwrap().push(g);
        prev = Some(g);
    }
    words.retain(|w| !w.is_empty());
    // Letter-spaced Hangul (`사 업 자 등 록 증`): single gaps are too noisy to tell from solid text
    // (character positions come from CTC time steps), but a whole run set wider than solid text is
    // clear. Measured on certificates: solid runs have a median centre distance of 0.8–0.95 text
    // heights, letter-spaced ones 1.08–1.2.
    let mut spaced: Vec<Vec<&Glyph>> = Vec::new();
    for w in words {
        if w.len() >= 3 && w.iter().all(|g| is_wide(&g.ch)) {
            let mut d: Vec<f32> = w.windows(2).map(|p| (p[1].t - p[0].t) * len / h).collect();
            d.sort_by(f32::total_cmp);
            if d[(d.len() - 1) / 2] >= cfg.letter_spacing {
                spaced.extend(w.into_iter().map(|g| vec![g]));
                continue;
            }
        }
        spaced.push(w);
    }
    let words = spaced;
    let n = words.len();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let first = w.first().unwrap();
            let last = w.last().unwrap();
            let half = |g: &Glyph| advance(&g.ch) * 0.5 * h / len;
            let t0 = if i == 0 {
                0.0
            } else {
                (first.t - half(first)).max(0.0)
            };
            let t1 = if i + 1 == n {
                1.0
            } else {
                (last.t + half(last)).min(1.0)
            };
            Word {
                text: w.iter().map(|g| g.ch.as_str()).collect(),
                quad: f.quad.sub_span(t0, t1.max(t0)),
                confidence: w.iter().map(|g| g.confidence).sum::<f32>() / w.len() as f32,
                line_break: false,
            }
        })
        .collect()
}

/// The y of a fragment's centre line at page x (following the fragment's slant).
fn centre_y_at(q: &Quad, x: f32) -> f32 {
    let l = q.pts[0].lerp(q.pts[3], 0.5);
    let r = q.pts[1].lerp(q.pts[2], 0.5);
    if (r.x - l.x).abs() < 1e-3 {
        return (l.y + r.y) / 2.0;
    }
    l.y + (x - l.x) * (r.y - l.y) / (r.x - l.x)
}

fn same_row(a: &Quad, b: &Quad) -> bool {
    let cb: Point = b.center();
    let dy = (centre_y_at(a, cb.x) - cb.y).abs();
    dy < 0.5 * a.height().min(b.height())
}

/// Orders fragments into rows and splits them into words. Returns the fragments in reading order,
/// with `line_break` set on the last word of each visual row.
pub fn layout(fragments: Vec<Fragment>, cfg: &LayoutConfig) -> Vec<Line> {
    let mut frags: Vec<Fragment> = fragments
        .into_iter()
        .filter(|f| f.glyphs.iter().any(|g| !g.ch.trim().is_empty()))
        .collect();
    frags.sort_by(|a, b| a.quad.center().y.total_cmp(&b.quad.center().y));
    // Greedy row building: a fragment joins the first open row whose members it lines up with.
    let mut rows: Vec<Vec<Fragment>> = Vec::new();
    'outer: for f in frags {
        for row in rows.iter_mut().rev().take(3) {
            if row
                .iter()
                .any(|m| same_row(&m.quad, &f.quad) && same_row(&f.quad, &m.quad))
            {
                row.push(f);
                continue 'outer;
            }
        }
        rows.push(vec![f]);
    }
    for row in &mut rows {
        row.sort_by(|a, b| a.quad.bbox().x0.total_cmp(&b.quad.bbox().x0));
    }
    rows.sort_by(|a, b| {
        let ya = a.iter().map(|f| f.quad.center().y).sum::<f32>() / a.len() as f32;
        let yb = b.iter().map(|f| f.quad.center().y).sum::<f32>() / b.len() as f32;
        ya.total_cmp(&yb)
    });
    let mut out = Vec::new();
    for row in rows {
        let n = row.len();
        for (i, f) in row.into_iter().enumerate() {
            let mut words = split_words(&f, cfg);
            if words.is_empty() {
                continue;
            }
            if i + 1 == n {
                words.last_mut().unwrap().line_break = true;
            }
            let runs = column_runs(words, f.quad.height().max(1.0), cfg);
            let single = runs.len() == 1;
            for words in runs {
                let confidence =
                    words.iter().map(|w| w.confidence).sum::<f32>() / words.len() as f32;
                let text = words
                    .iter()
                    .map(|w| w.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let quad = if single {
                    f.quad
                } else {
                    let (a, b) = (words[0].quad, words[words.len() - 1].quad);
                    Quad::new([a.pts[0], b.pts[1], b.pts[2], a.pts[3]])
                };
                out.push(Line {
                    text,
                    quad,
                    confidence,
                    words,
                });
            }
        }
    }
    // A row whose last fragment produced no words would leave the previous one without a break.
    if let Some(l) = out.last_mut() {
        if let Some(w) = l.words.last_mut() {
            w.line_break = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::Rect;

    /// A fragment whose characters are placed at the given centres (page x) on a line of height `h`.
    fn frag(x0: f32, y0: f32, x1: f32, h: f32, chars: &[(&str, f32)]) -> Fragment {
        let len = x1 - x0;
        Fragment {
            quad: Rect::new(x0, y0, x1, y0 + h).to_quad(),
            glyphs: chars
                .iter()
                .map(|&(c, x)| Glyph {
                    ch: c.into(),
                    t: (x - x0) / len,
                    confidence: 0.9,
                })
                .collect(),
        }
    }

    #[test]
    fn letter_spaced_label_is_split_at_gaps() {
        // 사 업 자 등 록 증: syllables 20 px high, centres 40 px apart (one syllable of space between).
        let chars: Vec<(&str, f32)> = ["사", "업", "자", "등", "록", "증"]
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, 10.0 + 40.0 * i as f32))
            .collect();
        let words = split_words(&frag(0., 0., 220., 20., &chars), &LayoutConfig::default());
        assert_eq!(
            words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["사", "업", "자", "등", "록", "증"]
        );
    }

    #[test]
    fn slightly_letter_spaced_run_is_split_as_a_whole() {
        // Centres 1.12 heights apart: no single gap is decisive, the run as a whole is letter-spaced.
        let chars: Vec<(&str, f32)> = ["사", "업", "의", "종", "류"]
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, 10.0 + 22.4 * i as f32))
            .collect();
        let words = split_words(&frag(0., 0., 110., 20., &chars), &LayoutConfig::default());
        assert_eq!(words.len(), 5);
    }

    #[test]
    fn solid_korean_and_latin_stay_one_word() {
        let chars: Vec<(&str, f32)> = ["사", "업", "자", "등", "록", "증"]
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, 10.0 + 18.0 * i as f32))
            .collect();
        let words = split_words(&frag(0., 0., 110., 20., &chars), &LayoutConfig::default());
        assert_eq!(words.len(), 1);
        assert_eq!(words[0].text, "사업자등록증");
        let chars: Vec<(&str, f32)> = "TOTAL"
            .chars()
            .enumerate()
            .map(|(i, c)| {
                (
                    Box::leak(c.to_string().into_boxed_str()) as &str,
                    6.0 + 12.0 * i as f32,
                )
            })
            .collect();
        let words = split_words(&frag(0., 0., 60., 20., &chars), &LayoutConfig::default());
        assert_eq!(words.len(), 1);
    }

    #[test]
    fn predicted_spaces_split_and_word_boxes_are_ordered() {
        let chars = [
            ("A", 5.0),
            ("B", 15.0),
            (" ", 25.0),
            ("C", 35.0),
            ("D", 45.0),
        ];
        let words = split_words(&frag(0., 0., 50., 16., &chars), &LayoutConfig::default());
        assert_eq!(words.len(), 2);
        assert!(words[0].quad.bbox().x1 <= words[1].quad.bbox().x0 + 1e-3);
        assert_eq!(words[0].quad.bbox().x0, 0.0);
        assert_eq!(words[1].quad.bbox().x1, 50.0);
    }

    #[test]
    fn wide_gaps_split_a_fragment_into_lines_on_one_row() {
        // "DATE:" then a 60 px blank (3 heights) then "25/12".
        let chars = [
            ("D", 5.0),
            ("A", 15.0),
            ("T", 25.0),
            ("E", 35.0),
            (":", 45.0),
            ("2", 115.0),
            ("5", 125.0),
        ];
        let lines = layout(
            vec![frag(0., 0., 130., 20., &chars)],
            &LayoutConfig::default(),
        );
        assert_eq!(
            lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(),
            ["DATE:", "25"]
        );
        assert!(!lines[0].words[0].line_break && lines[1].words[0].line_break);
        assert!(lines[0].quad.bbox().x1 < lines[1].quad.bbox().x0);
    }

    #[test]
    fn fragments_on_one_row_share_a_line_break_at_the_end() {
        let left = frag(10., 100., 60., 20., &[("A", 20.0), ("B", 40.0)]);
        let right = frag(200., 102., 260., 20., &[("9", 220.0)]);
        let below = frag(10., 140., 60., 20., &[("C", 30.0)]);
        let lines = layout(vec![below.clone(), right, left], &LayoutConfig::default());
        let texts: Vec<_> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["AB", "9", "C"]);
        assert!(!lines[0].words.last().unwrap().line_break);
        assert!(lines[1].words.last().unwrap().line_break);
        assert!(lines[2].words.last().unwrap().line_break);
    }
}
