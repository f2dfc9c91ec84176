//! Placing the invisible words: one text object per word, on the word's polygon.
//!
//! A word's polygon (TL, TR, BR, BL) gives its baseline direction (the mean of the top and bottom
//! edges), its height (across that direction) and its start (BL). The text matrix turns the text to
//! that direction and puts its origin on BL; the font size is the height, so a selection covers the
//! box (the font's ascent is one em, its descent next to nothing); `Tz` stretches the word's
//! fixed-width codes to the box's length. A word followed by another on the same line carries a
//! trailing space and ends a little before the next word (see [`WORD_GAP_EM`]), so text extraction
//! finds one space there whether it reads space characters or gaps; the last word of a line carries
//! none, and the next line starts elsewhere.

use jikji_geometry::Point;
use jikji_types::Word;

use crate::font::{CharCodes, GLYPH_WIDTH};
use crate::PdfError;

/// Smallest font size and run length written, in points: a degenerate polygon (a line, a point)
/// still gets its text, squeezed, rather than a zero size that some readers reject.
const MIN_EXTENT_PT: f32 = 0.01;

/// Least gap, in ems of the word's height, between a word and the next on its line. poppler's
/// `pdftotext` ignores space characters and puts a space where the gap exceeds 0.1 em (its
/// `minWordSpacing`); OCR boxes of letter-spaced or punctuated words often touch (`:` before a value,
/// `사 업 자`), which lost 21 of 107 spaces on a business-registration scan before the squeeze.
const WORD_GAP_EM: f32 = 0.25;

/// A word is squeezed to at most this share of its box to keep [`WORD_GAP_EM`] (overlapping boxes).
const MIN_SQUEEZE: f32 = 0.5;

/// Coordinates beyond this (in the result's pixel space) are refused: no page is a million pixels
/// across, and a caller-supplied result must not produce absurd numbers in the PDF.
pub const MAX_COORDINATE: f32 = 1.0e6;

/// Maps the result's pixel space onto the page: `x` right, `y` up, in points.
#[derive(Debug, Clone, Copy)]
pub struct PageSpace {
    /// Points per result pixel, horizontally and vertically.
    pub sx: f32,
    pub sy: f32,
    /// Page height in points.
    pub height_pt: f32,
}

impl PageSpace {
    fn map(&self, p: Point) -> (f32, f32) {
        (p.x * self.sx, self.height_pt - p.y * self.sy)
    }
}

/// A number as PDF content wants it: short, no exponent, no `-0`.
pub fn num(v: f32) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" || s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The content-stream operators that write `words` (in reading order) invisibly onto the page.
pub fn text_layer(words: &[Word], space: PageSpace, codes: &mut CharCodes) -> Result<String, PdfError> {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if w.quad.pts.iter().any(|p| !(p.x.abs() <= MAX_COORDINATE && p.y.abs() <= MAX_COORDINATE)) {
            return Err(PdfError::BadCoordinate);
        }
        if w.text.is_empty() {
            continue;
        }
        let [tl, tr, br, bl] = w.quad.pts.map(|p| space.map(p));
        // Baseline direction: mean of the top and bottom edges.
        let (dx, dy) = ((tr.0 - tl.0 + br.0 - bl.0) / 2.0, (tr.1 - tl.1 + br.1 - bl.1) / 2.0);
        let len = dx.hypot(dy);
        let (ux, uy) = if len > 0.0 { (dx / len, dy / len) } else { (1.0, 0.0) };
        // Height: the mean of the left and right edges, across the baseline (up is (-uy, ux)).
        let up = |a: (f32, f32), b: (f32, f32)| (a.0 - b.0) * -uy + (a.1 - b.1) * ux;
        let height = ((up(tl, bl) + up(tr, br)) / 2.0).abs().max(MIN_EXTENT_PT);
        // The word's own characters span its box; a word followed on its line carries a space after
        // them and ends at least WORD_GAP_EM before the next word starts (squeezed when the boxes
        // touch), so extraction finds the space whichever way it reads one.
        let next = (!w.line_break).then(|| words.get(i + 1)).flatten();
        let run = match next {
            Some(next) => {
                let nb = space.map(next.quad.pts[3]);
                let reach = (nb.0 - bl.0) * ux + (nb.1 - bl.1) * uy;
                len.min(reach - WORD_GAP_EM * height).max(len * MIN_SQUEEZE)
            }
            None => len,
        };
        let text = if next.is_some() { format!("{} ", w.text) } else { w.text.clone() };
        let natural = w.text.chars().count() as f32 * GLYPH_WIDTH / 1000.0 * height;
        let scale = 100.0 * run.max(MIN_EXTENT_PT) / natural;
        out.push_str(&format!(
            "BT 3 Tr /F1 {} Tf {} Tz {} {} {} {} {} {} Tm {} Tj ET\n",
            num(height),
            num(scale),
            num(ux),
            num(uy),
            num(-uy),
            num(ux),
            num(bl.0),
            num(bl.1),
            codes.hex(&text)
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::Quad;

    fn word(text: &str, pts: [(f32, f32); 4], line_break: bool) -> Word {
        Word {
            text: text.into(),
            quad: Quad::new(pts.map(|(x, y)| Point::new(x, y))),
            confidence: 1.0,
            line_break,
        }
    }

    const SPACE: PageSpace = PageSpace { sx: 0.5, sy: 0.5, height_pt: 100.0 };

    #[test]
    fn numbers_are_short_and_plain() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.0001), "0");
        assert_eq!(num(12.3456), "12.346");
        assert_eq!(num(-2.5), "-2.5");
    }

    #[test]
    fn a_level_word_sits_on_its_bottom_left_corner_sized_to_its_box() {
        let mut codes = CharCodes::default();
        // 40 x 20 px at 0.5 pt/px: 20 x 10 pt, bottom-left at (5, 100 - 15).
        let ops = text_layer(&[word("ab", [(10., 10.), (50., 10.), (50., 30.), (10., 30.)], true)], SPACE, &mut codes)
            .unwrap();
        // Two codes of 0.5 em at 10 pt = 10 pt natural; the box is 20 pt: Tz 200.
        assert_eq!(ops, "BT 3 Tr /F1 10 Tf 200 Tz 1 0 0 1 5 85 Tm <00010002> Tj ET\n");
    }

    #[test]
    fn a_word_followed_on_its_line_carries_a_space() {
        let mut codes = CharCodes::default();
        let words = [
            word("ab", [(10., 10.), (50., 10.), (50., 30.), (10., 30.)], false),
            word("c", [(70., 10.), (90., 10.), (90., 30.), (70., 30.)], true),
            word("d", [(10., 50.), (30., 50.), (30., 70.), (10., 70.)], true),
        ];
        let ops = text_layer(&words, SPACE, &mut codes).unwrap();
        let lines: Vec<&str> = ops.lines().collect();
        // "ab" spans its 20 pt box (Tz 200), the space follows.
        assert_eq!(lines[0], "BT 3 Tr /F1 10 Tf 200 Tz 1 0 0 1 5 85 Tm <000100020003> Tj ET");
        // "c" ends its line: no space; "d" on the next line has no space either.
        assert!(lines[1].ends_with("<0004> Tj ET"), "{}", lines[1]);
        assert!(lines[2].ends_with("<0005> Tj ET"), "{}", lines[2]);
    }

    #[test]
    fn a_word_touching_the_next_is_squeezed_to_leave_a_gap() {
        let mut codes = CharCodes::default();
        // "a:" ends at x 50 px where "12" starts: 20 pt box, 10 pt high; squeezed to end
        // WORD_GAP_EM (2.5 pt) before the next word: 17.5 pt over 10 pt natural = Tz 175.
        let words = [
            word("a:", [(10., 10.), (50., 10.), (50., 30.), (10., 30.)], false),
            word("12", [(50., 10.), (90., 10.), (90., 30.), (50., 30.)], true),
        ];
        let ops = text_layer(&words, SPACE, &mut codes).unwrap();
        assert!(ops.lines().next().unwrap().contains("/F1 10 Tf 175 Tz"), "{ops}");
        // Boxes that overlap are squeezed to half their length at most.
        let words = [
            word("a:", [(10., 10.), (50., 10.), (50., 30.), (10., 30.)], false),
            word("12", [(12., 10.), (90., 10.), (90., 30.), (12., 30.)], true),
        ];
        let ops = text_layer(&words, SPACE, &mut codes).unwrap();
        assert!(ops.lines().next().unwrap().contains("/F1 10 Tf 100 Tz"), "{ops}");
    }

    #[test]
    fn a_rotated_word_is_turned_with_its_polygon() {
        let mut codes = CharCodes::default();
        // A word running straight down the image (90° clockwise in pixels): in PDF space its baseline
        // points down, so the text matrix is [0 -1 1 0 …].
        let w = word("a", [(40., 10.), (40., 50.), (20., 50.), (20., 10.)], true);
        let ops = text_layer(&[w], SPACE, &mut codes).unwrap();
        assert!(ops.contains(" 0 -1 1 0 10 95 Tm "), "{ops}");
        assert!(ops.contains("/F1 10 Tf 400 Tz"), "{ops}");
    }

    #[test]
    fn non_finite_and_absurd_coordinates_are_refused() {
        let mut codes = CharCodes::default();
        for bad in [f32::NAN, f32::INFINITY, 2.0e6] {
            let w = word("a", [(0., 0.), (bad, 0.), (1., 1.), (0., 1.)], true);
            assert!(matches!(text_layer(&[w], SPACE, &mut codes), Err(PdfError::BadCoordinate)));
        }
    }

    #[test]
    fn a_degenerate_polygon_still_gets_its_text() {
        let mut codes = CharCodes::default();
        let ops = text_layer(&[word("x", [(5., 5.); 4], true)], SPACE, &mut codes).unwrap();
        assert!(ops.contains("/F1 0.01 Tf") && ops.contains("<0001> Tj"), "{ops}");
    }
}
