//! Page orientation before understanding: documents photographed at 90°, 180° or 270°.
//!
//! The engine reads every line upright (tall line crops are turned, upside-down ones flipped) but
//! reports word quads in CLOVA's screen order (top-left, top-right, bottom-right, bottom-left on the
//! image), which says nothing about which way the text runs. Each line's `direction` does (the engine
//! keeps the angle it read the line at), and so, on results without it, does the order of a line's
//! words: they are listed as read, so on a page turned by 180° the second word of a line lies left of
//! the first, on a page turned by 90° below it. [`upright`] measures that direction over the page and,
//! where the page does not read left to right, starts every quad at the text's own top-left corner,
//! so the extractors' de-skew ([`crate::text::Page`]) turns the page upright like a small tilt.
//! Polygons keep their points; only the first point changes, and word and line order stay as read.

use std::borrow::Cow;

use jikji_geometry::{Point, Quad};
use jikji_types::PageResult;

/// The page result with its quads starting at the text's top-left corner (see the module docs);
/// borrowed unchanged when the page reads left to right, or when no line has two words to tell by.
pub fn upright(result: &PageResult) -> Cow<'_, PageResult> {
    let Some(dir) = result.reading_direction() else {
        return Cow::Borrowed(result);
    };
    if quarter_turns(dir) == 0 {
        return Cow::Borrowed(result);
    }
    let mut out = result.clone();
    for w in &mut out.words {
        w.quad = start_along(&w.quad, dir);
    }
    for l in &mut out.lines {
        l.quad = start_along(&l.quad, dir);
    }
    Cow::Owned(out)
}

pub use jikji_types::quarter_turns;

/// The same polygon started at the corner whose outgoing edge runs most nearly along `dir`.
fn start_along(q: &Quad, dir: Point) -> Quad {
    let len = (dir.x * dir.x + dir.y * dir.y).sqrt().max(f32::EPSILON);
    let (dx, dy) = (dir.x / len, dir.y / len);
    let along = |r: usize| {
        let (p, n) = (q.pts[r], q.pts[(r + 1) % 4]);
        let (ex, ey) = (n.x - p.x, n.y - p.y);
        (ex * dx + ey * dy) / (ex * ex + ey * ey).sqrt().max(f32::EPSILON)
    };
    let r = (0..4)
        .max_by(|&a, &b| along(a).total_cmp(&along(b)))
        .unwrap_or(0);
    Quad::new(std::array::from_fn(|i| q.pts[(r + i) % 4]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::testutil::page_rotated;
    use std::f32::consts::FRAC_PI_2;

    #[test]
    fn left_to_right_pages_are_borrowed() {
        let p = page_rotated(&[("상호 누리네트웍스", 0.0, 0.0)], 0.1);
        assert!(matches!(upright(&p), Cow::Borrowed(_)));
    }

    /// A page turned by `k` quarter turns, quads put back into screen order as the engine reports them.
    fn turned(k: u8) -> PageResult {
        let mut p = page_rotated(
            &[
                ("상호 누리네트웍스", 100.0, 100.0),
                ("대표자 홍길동", 100.0, 140.0),
            ],
            k as f32 * FRAC_PI_2,
        );
        for w in &mut p.words {
            w.quad = Quad::from_unordered(w.quad.pts);
        }
        for l in &mut p.lines {
            l.quad = Quad::from_unordered(l.quad.pts);
        }
        p
    }

    #[test]
    fn turned_pages_start_quads_at_the_texts_top_left() {
        let upright0 = turned(0);
        for k in 1..4 {
            let p = turned(k);
            assert_eq!(quarter_turns(p.reading_direction().unwrap()), k);
            let u = upright(&p);
            assert!(matches!(u, Cow::Owned(_)));
            // Each word's first edge now runs along the text: as long as the upright word is wide.
            for (w, w0) in u.words.iter().zip(&upright0.words) {
                assert!(
                    (w.quad.width() - w0.quad.width()).abs() < 0.01,
                    "{k}: {:?}",
                    w.quad
                );
                let a = w.quad.angle().to_degrees().rem_euclid(360.0);
                assert!((a - 90.0 * k as f32).abs() < 0.5, "{k}: angle {a}");
            }
            // Idempotent: the upright copy is already started right.
            let again = upright(&u);
            assert_eq!(again.words[0].quad, u.words[0].quad);
        }
    }

    #[test]
    fn the_engines_line_directions_win_over_word_order() {
        // An upside-down receipt: the engine lays a row's columns out left to right on screen, so
        // word order alone would call the page upright; the lines' directions say 180°.
        let mut p = turned(0);
        for l in &mut p.lines {
            l.direction = Some(180.0);
        }
        assert_eq!(quarter_turns(p.reading_direction().unwrap()), 2);
        assert!(matches!(upright(&p), Cow::Owned(_)));
    }

    #[test]
    fn single_word_lines_tell_nothing() {
        let p = page_rotated(&[("누리네트웍스", 0.0, 0.0)], FRAC_PI_2);
        assert!(p.reading_direction().is_none());
    }
}
