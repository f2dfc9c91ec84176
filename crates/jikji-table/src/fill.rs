//! Words into cells: each page word goes to the cell holding most of its box; a word that a column
//! border cuts into two substantial parts is split at the border (its characters are divided in
//! proportion to the width on each side). A cell's words are then grouped into text lines.

use jikji_geometry::{Point, Rect};
use jikji_types::Word;

use crate::{Cell, CellLine, CellWord};

/// A word is split at a column border only if each side holds at least this fraction of its width.
/// Chosen conservatively: SLANet's borders of borderless tables can graze the end of a long word, and a
/// wrong split costs two cells; a word truly straddling two columns is usually cut near its middle.
pub const SPLIT_MIN_FRACTION: f32 = 0.35;
/// A word takes part in a table when at least this fraction of its box lies inside the table's area.
pub const WORD_IN_TABLE: f32 = 0.5;

/// Cell geometry for the assignment: the cell's rectangle in page pixels.
#[derive(Debug, Clone)]
pub struct CellSlot {
    pub rect: Rect,
}

fn rect_dist(r: &Rect, p: Point) -> f32 {
    let dx = (r.x0 - p.x).max(0.0).max(p.x - r.x1);
    let dy = (r.y0 - p.y).max(0.0).max(p.y - r.y1);
    (dx * dx + dy * dy).sqrt()
}

/// Words (indices into `words`) that belong to a table covering `area`.
pub fn words_in(area: &Rect, words: &[Word]) -> Vec<usize> {
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            let b = w.quad.bbox();
            b.area() > 0.0 && b.intersection(area) >= WORD_IN_TABLE * b.area()
        })
        .map(|(i, _)| i)
        .collect()
}

/// Assigns the words to `slots`; returns, per slot, the (possibly split) words it holds.
pub fn assign(slots: &[CellSlot], words: &[&Word]) -> Vec<Vec<CellWord>> {
    let mut out: Vec<Vec<CellWord>> = vec![Vec::new(); slots.len()];
    if slots.is_empty() {
        return out;
    }
    for w in words {
        let b = w.quad.bbox();
        let mut ranked: Vec<(usize, f32)> = slots
            .iter()
            .enumerate()
            .map(|(i, s)| (i, s.rect.intersection(&b)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        let (best, best_area) = ranked[0];
        if best_area <= 0.0 {
            // Outside every cell (a loose grid): the nearest cell.
            let c = w.quad.center();
            let near = (0..slots.len())
                .min_by(|&a, &b| rect_dist(&slots[a].rect, c).total_cmp(&rect_dist(&slots[b].rect, c)))
                .unwrap();
            out[near].push(CellWord::from_word(w));
            continue;
        }
        // Split across a column border: the two best cells side by side, each with a substantial part.
        let chars: Vec<char> = w.text.chars().collect();
        if ranked.len() > 1 && chars.len() >= 2 && b.width() > 0.0 {
            let (second, second_area) = ranked[1];
            let (l, r) = if slots[best].rect.x0 <= slots[second].rect.x0 { (best, second) } else { (second, best) };
            let border = slots[l].rect.x1.min(slots[r].rect.x0.max(slots[l].rect.x1));
            let f = (border - b.x0) / b.width();
            let side_by_side = slots[l].rect.x1 <= slots[r].rect.x0 + 1.0;
            if second_area > 0.0 && side_by_side && (SPLIT_MIN_FRACTION..=1.0 - SPLIT_MIN_FRACTION).contains(&f) {
                let k = ((chars.len() as f32 * f).round() as usize).clamp(1, chars.len() - 1);
                let left: String = chars[..k].iter().collect();
                let right: String = chars[k..].iter().collect();
                let t = k as f32 / chars.len() as f32;
                out[l].push(CellWord { text: left, quad: w.quad.sub_span(0.0, t), confidence: w.confidence });
                out[r].push(CellWord { text: right, quad: w.quad.sub_span(t, 1.0), confidence: w.confidence });
                continue;
            }
        }
        out[best].push(CellWord::from_word(w));
    }
    out
}

/// Groups a cell's words into lines: top to bottom, a word joins the line whose vertical centre is within
/// half its height; each line reads left to right.
pub fn lines(mut words: Vec<CellWord>) -> Vec<CellLine> {
    words.sort_by(|a, b| a.quad.center().y.total_cmp(&b.quad.center().y));
    let mut lines: Vec<Vec<CellWord>> = Vec::new();
    for w in words {
        let c = w.quad.center().y;
        let h = w.quad.bbox().height().max(1.0);
        match lines.iter_mut().find(|l| {
            let ly = l.iter().map(|x| x.quad.center().y).sum::<f32>() / l.len() as f32;
            (ly - c).abs() <= h / 2.0
        }) {
            Some(l) => l.push(w),
            None => lines.push(vec![w]),
        }
    }
    lines
        .into_iter()
        .map(|mut l| {
            l.sort_by(|a, b| a.quad.center().x.total_cmp(&b.quad.center().x));
            let mut r = l[0].quad.bbox();
            for w in &l[1..] {
                r = r.union(&w.quad.bbox());
            }
            let confidence = l.iter().map(|w| w.confidence).sum::<f32>() / l.len() as f32;
            CellLine { quad: r.to_quad(), confidence, words: l }
        })
        .collect()
}

/// Builds the cells: geometry from `slots`, words assigned and grouped into lines, confidence the mean
/// of the lines' (1.0 for an empty cell, as CLOVA reports).
pub fn fill(grid_cells: &[(usize, usize, usize, usize)], slots: &[CellSlot], words: &[&Word]) -> Vec<Cell> {
    let assigned = assign(slots, words);
    grid_cells
        .iter()
        .zip(slots)
        .zip(assigned)
        .map(|((&(row, col, row_span, col_span), s), ws)| {
            let lines = lines(ws);
            let confidence = if lines.is_empty() {
                1.0
            } else {
                lines.iter().map(|l| l.confidence).sum::<f32>() / lines.len() as f32
            };
            Cell { row, col, row_span, col_span, quad: s.rect.to_quad(), confidence, lines }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, x0: f32, y0: f32, x1: f32, y1: f32) -> Word {
        Word {
            text: text.into(),
            quad: Rect::new(x0, y0, x1, y1).to_quad(),
            confidence: 0.9,
            line_break: false,
        }
    }

    fn slot(x0: f32, y0: f32, x1: f32, y1: f32) -> CellSlot {
        CellSlot { rect: Rect::new(x0, y0, x1, y1) }
    }

    #[test]
    fn a_word_goes_to_the_cell_holding_most_of_it() {
        let slots = [slot(0.0, 0.0, 100.0, 20.0), slot(100.0, 0.0, 200.0, 20.0)];
        // 90 % in the right cell: no split (the left part is below SPLIT_MIN_FRACTION).
        let w = word("price", 90.0, 2.0, 190.0, 18.0);
        let a = assign(&slots, &[&w]);
        assert!(a[0].is_empty());
        assert_eq!(a[1][0].text, "price");
    }

    #[test]
    fn a_word_cut_by_a_border_is_split() {
        let slots = [slot(0.0, 0.0, 100.0, 20.0), slot(100.0, 0.0, 200.0, 20.0)];
        let w = word("품목1200", 60.0, 2.0, 140.0, 18.0);
        let a = assign(&slots, &[&w]);
        assert_eq!(a[0][0].text, "품목1");
        assert_eq!(a[1][0].text, "200");
        assert!((a[0][0].quad.bbox().x1 - 100.0).abs() < 0.01);
    }

    #[test]
    fn a_word_outside_every_cell_goes_to_the_nearest() {
        let slots = [slot(0.0, 0.0, 100.0, 20.0), slot(0.0, 20.0, 100.0, 40.0)];
        let w = word("x", 110.0, 30.0, 120.0, 38.0);
        let a = assign(&slots, &[&w]);
        assert_eq!(a[1].len(), 1);
    }

    #[test]
    fn words_in_the_table_area_only() {
        let area = Rect::new(0.0, 0.0, 100.0, 100.0);
        let ws = [word("in", 10.0, 10.0, 20.0, 20.0), word("half", 95.0, 10.0, 110.0, 20.0), word("out", 200.0, 0.0, 210.0, 10.0)];
        assert_eq!(words_in(&area, &ws), vec![0]);
    }

    #[test]
    fn cell_words_become_lines_in_reading_order() {
        let ws = vec![
            CellWord::from_word(&word("b", 50.0, 0.0, 60.0, 10.0)),
            CellWord::from_word(&word("c", 0.0, 20.0, 10.0, 30.0)),
            CellWord::from_word(&word("a", 0.0, 1.0, 10.0, 11.0)),
        ];
        let l = lines(ws);
        assert_eq!(l.len(), 2);
        let t: Vec<_> = l[0].words.iter().map(|w| w.text.as_str()).collect();
        assert_eq!(t, ["a", "b"]);
        assert_eq!(l[1].words[0].text, "c");
    }

    #[test]
    fn empty_cells_have_confidence_one() {
        let slots = [slot(0.0, 0.0, 10.0, 10.0), slot(10.0, 0.0, 20.0, 10.0)];
        let w = word("7", 1.0, 1.0, 9.0, 9.0);
        let cells = fill(&[(0, 0, 1, 1), (0, 1, 1, 1)], &slots, &[&w]);
        assert!((cells[0].confidence - 0.9).abs() < 1e-6);
        assert_eq!(cells[1].confidence, 1.0);
        assert!(cells[1].lines.is_empty());
    }
}
