//! Borderless tables found from the page's words: rows of text whose pieces line up in columns.
//!
//! The layout model misses many borderless tables, above all in photos and in receipt-like item blocks
//! (on the generated dev set it found none of the 4 receipt blocks, and 1 of 3 zebra and numeric tables
//! in photos). What such a table looks like in the OCR is plain: consecutive text rows, each cut into
//! several pieces by gaps much wider than a space, the pieces of every row starting or ending at the
//! same few x positions. This is the "stream" approach (Camelot, Tabula) on the recognised words:
//!
//! 1. words become rows (vertical overlap), and each row is cut into pieces at gaps of at least
//!    [`PIECE_GAP`] × the row's text height, after a leading quantity (`1x`) and, in a row of column
//!    headings, before each heading word (`단가 수량` read as one piece); on a turned scan the
//!    words are first sheared so that its columns stand upright ([`skew`]);
//! 2. runs of consecutive rows with at least two pieces each (and single lines of one piece between
//!    two such rows: an item's name printed apart from its amounts), no farther apart than [`ROW_GAP`] ×
//!    the text height, are candidate blocks; a run is cut before a row of column headings and before a
//!    totals row that more rows follow ([`split_at_roles`]: item tables on receipts start at their
//!    heading and end above their totals), at stretches of sparse rows (a receipt's totals under its
//!    items, [`split_at_sparse_rows`]), and a run that is no table as a whole gives its longest
//!    stretches that are ([`blocks`]);
//! 3. a block is a table when it has at least [`MIN_ROWS`] rows and [`MIN_COLUMNS`] columns — x positions
//!    (a piece's left edge, right edge or centre, so left-, right- and centre-aligned columns all count)
//!    shared by at least [`COLUMN_SUPPORT`] of its rows — and at least one column is mostly numbers
//!    (amounts, quantities, dates, phone numbers: what tables tabulate; it keeps two-column label/value
//!    forms out).
//!
//! The block's region (its words' bounding box) then goes through the same structure model as any
//! other region, and [`stream_grid`] reads a second grid from the alignment (the recogniser keeps the
//! one whose cells hold more text).

use jikji_geometry::{Point, Rect};
use jikji_types::Word;

use crate::structure::{Grid, GridCell};

use crate::regions::{Region, TABLE_CLASS};

/// A gap between words of at least this many text heights separates two cells. Measured on the OCR of
/// the generated receipt blocks (monospace): one space leaves 0.4 text heights between word boxes, the
/// two-space gap between the quantity and amount columns 1.07; proportional spaces are ~0.3. 1.2 merged
/// those two columns and missed every receipt block.
pub const PIECE_GAP: f32 = 0.8;
/// Rows of one table are at most this many text heights apart (baseline to baseline ~1.3–2.2 in the
/// generated tables' padding styles).
pub const ROW_GAP: f32 = 2.5;
/// Fewest rows of a table found this way (a header and two rows).
pub const MIN_ROWS: usize = 3;
/// Fewest aligned columns (two-column label/value layouts are forms, not tables).
pub const MIN_COLUMNS: usize = 3;
/// Share of a block's rows that must have a piece on a column's x position.
pub const COLUMN_SUPPORT: f32 = 0.6;
/// A block without a mostly numeric column (names, departments, titles) is a table when it has at least
/// [`TEXT_MIN_ROWS`] rows and [`MIN_COLUMNS`] columns each held by this share of them. Rendered staff
/// lists (4–6 rows, 4 text columns, borderless or ruled only under each row) were found by the layout
/// model alone before; pages of the synthetic documents, Korean photos and SROIE receipts gain no
/// table from it (ACCURACY.md, "Tables").
pub const TEXT_COLUMN_SUPPORT: f32 = 0.8;
/// Fewest rows of a table of words only (a header and three rows).
pub const TEXT_MIN_ROWS: usize = 4;

/// A page whose text leans by less than this (the tangent of the words' slope) is taken as level.
/// A scan turned by 1.4° (SROIE 525) moves its columns 48 px sideways over its 2,500 px item block,
/// half a column of quantities; level scans measure 0.0 (SROIE 025, 375, 600) and 0.003 (225).
pub const SKEW_MIN: f32 = 0.008;
/// Fewest long words (at least twice as wide as tall, whose slope is reliable) to measure a skew.
pub const SKEW_MIN_WORDS: usize = 10;

/// The slope of the text lines (dy/dx of the words' top edges; the median over words at least twice as
/// wide as tall), or 0 when it is under [`SKEW_MIN`] or too few words measure it. A turned scan's columns
/// lean the other way by as much: a column's x moves by `-slope` per pixel down.
fn skew(words: &[&Word]) -> f32 {
    let mut slopes: Vec<f32> = words
        .iter()
        .filter_map(|w| {
            let [a, b, _, d] = w.quad.pts;
            let (dx, h) = (b.x - a.x, (d.y - a.y).abs());
            (dx > 2.0 * h && h > 0.0).then(|| (b.y - a.y) / dx)
        })
        .collect();
    if slopes.len() < SKEW_MIN_WORDS {
        return 0.0;
    }
    slopes.sort_by(f32::total_cmp);
    let s = slopes[slopes.len() / 2];
    if s.abs() < SKEW_MIN {
        0.0
    } else {
        s
    }
}

/// `x` sheared so that a turned scan's columns stand upright: `x + slope·y` (y unchanged).
fn unlean(p: Point, slope: f32) -> Point {
    Point::new(p.x + slope * p.y, p.y)
}

/// A word's box with its columns' lean taken out.
fn level_box(w: &Word, slope: f32) -> Rect {
    if slope == 0.0 {
        return w.quad.bbox();
    }
    jikji_geometry::Quad::new(w.quad.pts.map(|p| unlean(p, slope))).bbox()
}

#[derive(Debug, Clone)]
struct Piece {
    x0: f32,
    x1: f32,
    y0: f32,
    y1: f32,
    numeric: bool,
}

#[derive(Debug, Clone)]
struct Row {
    pieces: Vec<Piece>,
    y0: f32,
    y1: f32,
    height: f32,
    /// What the row says, when that bounds a table ([`row_role`]).
    role: Role,
}

/// A row whose words say where an item table starts or ends.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    /// Column headings (`상품명 단가 수량 금액`, `Item Qty Total`): the table starts here.
    Header,
    /// A totals label first (`합계`, `과세물품가액`, `Sub Total`): the item table above ends here.
    Totals,
    Other,
}

/// Borderless-table regions among `words` (page pixels), skipping words inside `taken` regions (tables
/// already found another way). Score 0.5, class `table`.
pub fn find_aligned_tables(words: &[Word], taken: &[Region]) -> Vec<Region> {
    let inside = |b: &Rect| {
        let (cx, cy) = ((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0);
        taken.iter().any(|r| cx >= r.x0 && cx <= r.x1 && cy >= r.y0 && cy <= r.y1)
    };
    let free_words: Vec<&Word> = words.iter().filter(|w| !inside(&w.quad.bbox())).collect();
    // Columns of a turned scan are found in a frame where they stand upright.
    let slope = skew(&free_words);
    let (free, texts): (Vec<Rect>, Vec<&str>) =
        free_words.iter().map(|w| (level_box(w, slope), w.text.as_str())).unzip();
    let rows = rows(&free, &texts);
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        if rows[i].pieces.len() < 2 {
            i += 1;
            continue;
        }
        let near = |a: &Row, b: &Row| b.y0 - a.y1 <= ROW_GAP * a.height.max(b.height);
        let mut j = i + 1;
        while j < rows.len() {
            if rows[j].pieces.len() >= 2 && near(&rows[j - 1], &rows[j]) {
                j += 1;
            } else if j + 1 < rows.len()
                && rows[j].pieces.len() == 1
                && rows[j + 1].pieces.len() >= 2
                && near(&rows[j - 1], &rows[j])
                && near(&rows[j], &rows[j + 1])
            {
                // One line of one piece between rows of pieces: an item printed on two lines (its name
                // apart from its code and amounts), or a cell's text wrapped.
                j += 2;
            } else {
                break;
            }
        }
        out.extend(blocks(&rows[i..j]));
        i = j;
    }
    // Back to the page: the box around the sheared region.
    if slope != 0.0 {
        for r in &mut out {
            *r = sheared(r, -slope);
        }
    }
    out
}

/// The box around `r` sheared by `slope` ([`unlean`]): its x extent moved by `slope·y` at its top and
/// bottom, widened to hold both.
fn sheared(r: &Region, slope: f32) -> Region {
    let (a, b) = (slope * r.y0, slope * r.y1);
    Region { x0: r.x0 + a.min(b), x1: r.x1 + a.max(b), ..*r }
}

/// Rows of one piece between rows of pieces (an item's name line printed apart from its code and
/// amounts) joined to a neighbour, so that an item is one grid row: to the row below when the first
/// such line follows a row without numbers (the header: the name comes first, `350ML CALPIS
/// ORIGINAL` over `SR-9556404118038 1 2.49 2.49`), else to the row above (`TP-24 5 1.32 0.00 6.60`
/// over `- DOUBLE SIDED TISSUE TAPE`). The joined line's piece stays out of the row's pieces (it
/// must not span the amounts' columns); only the row's extent grows, so its words fall in the row's
/// cells.
fn join_item_lines(rows: Vec<Row>) -> Vec<Row> {
    join_lone_lines(&rows).unwrap_or(rows)
}

fn join_lone_lines(rows: &[Row]) -> Option<Vec<Row>> {
    let n = rows.len();
    let lone = |k: usize| k > 0 && k + 1 < n && rows[k].pieces.len() == 1 && rows[k - 1].pieces.len() >= 2 && rows[k + 1].pieces.len() >= 2;
    let first = (0..n).find(|&k| lone(k))?;
    let downward = !rows[first - 1].pieces.iter().any(|p| p.numeric);
    let mut out: Vec<Row> = Vec::new();
    let mut pending: Option<(f32, f32)> = None;
    for (k, row) in rows.iter().enumerate() {
        if lone(k) {
            if downward {
                pending = Some((row.y0, row.y1));
            } else if let Some(last) = out.last_mut() {
                last.y0 = last.y0.min(row.y0);
                last.y1 = last.y1.max(row.y1);
            }
            continue;
        }
        let mut row = row.clone();
        if let Some((y0, y1)) = pending.take() {
            row.y0 = row.y0.min(y0);
            row.y1 = row.y1.max(y1);
        }
        out.push(row);
    }
    Some(out)
}

/// The grid of a borderless table read from its words' alignment (the "stream" structure of Camelot
/// and Tabula) rather than from the structure model: each text row of `region` is a grid row (an
/// item's lone name line joins its row, [`join_item_lines`]); the columns are cut at the gutters
/// ([`column_borders`]); a piece that reaches over a column border spans the columns it covers, and
/// pieces that fall in one column share its cell. Cell boxes are in page pixels and tile the region. `None` when the region
/// holds fewer than two rows or [`MIN_COLUMNS`] columns (what the finder asked of the block).
pub fn stream_grid(words: &[&Word], region: &Region) -> Option<Grid> {
    let inside: Vec<&Word> = words
        .iter()
        .copied()
        .filter(|w| {
            let b = w.quad.bbox();
            let (cx, cy) = ((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0);
            cx >= region.x0 && cx <= region.x1 && cy >= region.y0 && cy <= region.y1
        })
        .collect();
    // A turned scan's columns are cut where they stand upright ([`skew`]); the cells go back to the
    // page as parallelograms.
    let slope = skew(&inside);
    let (boxes, texts): (Vec<Rect>, Vec<&str>) = inside.iter().map(|w| (level_box(w, slope), w.text.as_str())).unzip();
    let region = &sheared(region, slope);
    let rows = join_item_lines(rows(&boxes, &texts));
    if rows.len() < 2 {
        return None;
    }
    let mut borders = column_borders(&rows);
    // Under a row of column headings the block is a table for sure, and gaps the OCR closed in a few
    // rows may still be its columns: the uncrossed gaps are taken when the anchors give too few
    // columns, or more columns that the heading row has pieces for (KORIE's `상품명 | 기 | 수량 | 금 액`
    // over items whose price and quantity the OCR read as one piece: 3 columns by the anchors, 4 by
    // the gaps; the generated sets, whose headings match their anchors, are unchanged).
    if rows[0].role == Role::Header {
        let open = uncrossed_gaps(&rows);
        if borders.len() + 1 < MIN_COLUMNS || (open.len() > borders.len() && rows[0].pieces.len() > open.len()) {
            borders = open;
        }
    }
    if borders.len() + 1 < MIN_COLUMNS {
        return None;
    }
    let left = rows.iter().flat_map(|r| r.pieces.iter().map(|p| p.x0)).fold(region.x0, f32::min);
    let right = rows.iter().flat_map(|r| r.pieces.iter().map(|p| p.x1)).fold(region.x1, f32::max);
    let mut xs = vec![left];
    xs.extend(&borders);
    xs.push(right);
    let mut ys = vec![region.y0.min(rows[0].y0)];
    ys.extend(rows.windows(2).map(|w| (w[0].y1 + w[1].y0) / 2.0));
    ys.push(region.y1.max(rows[rows.len() - 1].y1));
    let cols = borders.len() + 1;
    let column_of = |x: f32| xs[1..cols].iter().filter(|&&b| b <= x).count();
    let mut cells = Vec::new();
    for (r, row) in rows.iter().enumerate() {
        // Column ranges of the row's pieces, left to right; a piece starts after the one before it.
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for p in &row.pieces {
            // A piece reaching a quarter of a text height over a border spans it (inked edges wobble).
            let slack = 0.25 * row.height;
            let c0 = column_of(p.x0 + slack);
            let c1 = column_of(p.x1 - slack).max(c0);
            match taken.last_mut() {
                Some(last) if c0 <= last.1 => last.1 = last.1.max(c1),
                _ => taken.push((c0, c1)),
            }
        }
        let mut c = 0;
        let mut push = |c0: usize, c1: usize| {
            let b = [
                Point::new(xs[c0], ys[r]),
                Point::new(xs[c1 + 1], ys[r]),
                Point::new(xs[c1 + 1], ys[r + 1]),
                Point::new(xs[c0], ys[r + 1]),
            ]
            .map(|p| unlean(p, -slope));
            cells.push(GridCell { row: r, col: c0, row_span: 1, col_span: c1 + 1 - c0, header: false, bbox: Some(b) });
        };
        for (c0, c1) in taken {
            for empty in c..c0 {
                push(empty, empty);
            }
            push(c0, c1);
            c = c1 + 1;
        }
        for empty in c..cols {
            push(empty, empty);
        }
    }
    Some(Grid { rows: rows.len(), cols, cells, score: STREAM_SCORE })
}

/// The x positions between the columns of `rows` for [`stream_grid`], left to right: the middle of the
/// gaps between the k-th pieces of the anchor rows (the largest piece count at least
/// [`STREAM_ANCHOR_ROWS`] rows share; a piece of another row may reach over them, as a totals label
/// does), and the middle of every other gap that no piece covers (a column with empty cells, as a
/// ledger's debit and credit, shows only there). Borders closer than half a text height are one.
fn column_borders(rows: &[Row]) -> Vec<f32> {
    // Gutters as (from, to): the anchor rows' first, then the uncovered gaps that are not one of them
    // seen narrower (a piece reaching into it).
    let mut gutters: Vec<(f32, f32)> = Vec::new();
    if let Some(count) = anchor_count(rows) {
        let anchors: Vec<&Row> = rows.iter().filter(|r| r.pieces.len() == count).collect();
        let mut hs: Vec<f32> = anchors.iter().map(|r| r.height).collect();
        hs.sort_by(f32::total_cmp);
        let h = hs[hs.len() / 2];
        for k in 0..count - 1 {
            let end = anchors.iter().map(|r| r.pieces[k].x1).fold(f32::MIN, f32::max);
            let start = anchors.iter().map(|r| r.pieces[k + 1].x0).fold(f32::MAX, f32::min);
            if start > end {
                gutters.push((end, start));
                continue;
            }
            // Cells set so close that the OCR's boxes touch (`1x` before an item code): a border
            // still, where every anchor row breaks at nearly the same x.
            let mids: Vec<f32> = anchors.iter().map(|r| (r.pieces[k].x1 + r.pieces[k + 1].x0) / 2.0).collect();
            let (lo, hi) = mids.iter().fold((f32::MAX, f32::MIN), |(a, b), &m| (a.min(m), b.max(m)));
            if hi - lo <= TOUCHING_SPREAD * h {
                gutters.push((lo, hi));
            }
        }
    }
    let mut spans: Vec<(f32, f32)> = rows.iter().flat_map(|r| r.pieces.iter().map(|p| (p.x0, p.x1))).collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    if let Some(&(_, first)) = spans.first() {
        let mut reach = first;
        for &(x0, x1) in &spans[1..] {
            if x0 > reach && !gutters.iter().any(|&(a, b)| a < x0 && reach < b) {
                gutters.push((reach, x0));
            }
            reach = reach.max(x1);
        }
    }
    let mut borders: Vec<f32> = gutters.iter().map(|(a, b)| (a + b) / 2.0).collect();
    borders.sort_by(f32::total_cmp);
    let mut hs: Vec<f32> = rows.iter().map(|r| r.height).collect();
    hs.sort_by(f32::total_cmp);
    let near = 0.5 * hs.get(hs.len() / 2).copied().unwrap_or(0.0);
    borders.dedup_by(|b, a| *b - *a < near);
    borders
}

/// Anchor rows whose k-th and next pieces touch or overlap still share a border there when the middles
/// of their breaks lie within this many text heights (SROIE 525's quantities: 0.13 levelled, 0.57 as
/// scanned, which is why the scan is levelled first).
pub const TOUCHING_SPREAD: f32 = 0.5;

/// Column borders for rows under a heading whose OCR merged cells unevenly (`상품명 | 기 수량 | 금 액`
/// over `삼립 옥수수꿀호떡요 | 3,960 | 1 | 3,980` over `삼립 호이호이 꿀호떡 3,960 | 1 | 3,980`), where the
/// anchor rows' gutters ([`column_borders`]) do not line up: every gap between two pieces of a row that
/// at least two rows leave open and at most [`MAX_CROSSING`] of the rows of pieces cross; gaps that
/// overlap are one gutter, its border in the middle of their common part. On tables-real it turns the
/// KORIE receipt's item block (no grid before) into its 4 columns: Korean TEDS 0.356 → 0.473; the
/// English receipts and the generated sets are unchanged.
fn uncrossed_gaps(rows: &[Row]) -> Vec<f32> {
    let pieced: Vec<&Row> = rows.iter().filter(|r| r.pieces.len() >= 2).collect();
    let crossing_allowed = ((MAX_CROSSING * pieced.len() as f32).floor() as usize).max(1);
    let mut gaps: Vec<(f32, f32)> = pieced
        .iter()
        .flat_map(|r| r.pieces.windows(2).map(|p| (p[0].x1, p[1].x0)))
        .filter(|&(a, b)| {
            let x = (a + b) / 2.0;
            let open = pieced.iter().filter(|r| r.pieces.windows(2).any(|p| p[0].x1 < x && x < p[1].x0)).count();
            let crossed = pieced.iter().filter(|r| r.pieces.iter().any(|p| p.x0 < x && x < p.x1)).count();
            open >= 2 && crossed <= crossing_allowed
        })
        .collect();
    gaps.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut gutters: Vec<(f32, f32)> = Vec::new();
    for (a, b) in gaps {
        match gutters.last_mut() {
            Some(g) if a < g.1 => *g = (g.0.max(a), g.1.min(b)),
            _ => gutters.push((a, b)),
        }
    }
    gutters.iter().map(|(a, b)| (a + b) / 2.0).collect()
}

/// Share of a block's rows of pieces that may cross a border of [`uncrossed_gaps`] (at least one row):
/// the OCR joins a cell to its neighbour in one row of a few (SROIE-style and Korean receipts' item
/// rows, where a name runs close to its price).
pub const MAX_CROSSING: f32 = 0.2;

/// The anchor rows' piece count: the largest count of two or more pieces that at least
/// [`STREAM_ANCHOR_ROWS`] rows share (the rows that fill the table's columns).
fn anchor_count(rows: &[Row]) -> Option<usize> {
    let max = rows.iter().map(|r| r.pieces.len()).max().unwrap_or(0);
    (2..=max).rev().find(|&k| rows.iter().filter(|r| r.pieces.len() == k).count() >= STREAM_ANCHOR_ROWS)
}

/// Fewest rows with the anchor rows' piece count ([`anchor_count`]): tables leave cells empty, so the
/// rows that fill every column may be few (a header and one item of SROIE 375's seven columns); one
/// row alone may be split by a stray gap.
pub const STREAM_ANCHOR_ROWS: usize = 2;
/// The structure confidence of a grid read from alignment (the regions' own score, 0.5, carries the
/// finder's doubt).
const STREAM_SCORE: f32 = 1.0;

/// Whether the page could hold a table at all: at least [`MIN_TABULAR_ROWS`] text rows cut into two or
/// more pieces by wide gaps. Every table with text has such rows (its cells sit side by side); running
/// prose, letters and single-column pages have none, so the table stage skips its models there.
pub fn may_hold_a_table(words: &[Word]) -> bool {
    let (boxes, texts): (Vec<Rect>, Vec<&str>) = words.iter().map(|w| (w.quad.bbox(), w.text.as_str())).unzip();
    rows(&boxes, &texts).iter().filter(|r| r.pieces.len() >= 2).count() >= MIN_TABULAR_ROWS
}

/// Fewest rows of side-by-side pieces on a page before the table finders run (two: a header and one row).
pub const MIN_TABULAR_ROWS: usize = 2;

/// Words (boxes with their texts) grouped into rows, top to bottom, each cut into pieces: at every gap
/// of at least [`PIECE_GAP`] text heights, and at narrower gaps (at least [`GUTTER_GAP`]) that continue
/// a vertical gutter through the rows around it ([`gutter_cuts`]).
fn rows(boxes: &[Rect], texts: &[&str]) -> Vec<Row> {
    let mut idx: Vec<usize> = (0..boxes.len()).collect();
    idx.sort_by(|&a, &b| (boxes[a].y0 + boxes[a].y1).total_cmp(&(boxes[b].y0 + boxes[b].y1)));
    // Rows: a word joins the current row when it overlaps the row's span by half its height.
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in idx {
        let b = &boxes[i];
        let h = (b.y1 - b.y0).max(1.0);
        let joins = groups.last().is_some_and(|g| {
            let (y0, y1) = g.iter().fold((f32::MAX, f32::MIN), |(a, c), &k| (a.min(boxes[k].y0), c.max(boxes[k].y1)));
            (y1.min(b.y1) - y0.max(b.y0)) >= 0.5 * h.min(y1 - y0)
        });
        if joins {
            groups.last_mut().unwrap().push(i);
        } else {
            groups.push(vec![i]);
        }
    }
    let lines: Vec<Line> = groups
        .into_iter()
        .map(|mut g| {
            g.sort_by(|&a, &b| boxes[a].x0.total_cmp(&boxes[b].x0));
            let mut hs: Vec<f32> = g.iter().map(|&k| boxes[k].y1 - boxes[k].y0).collect();
            hs.sort_by(f32::total_cmp);
            let height = hs[hs.len() / 2].max(1.0);
            let y0 = g.iter().map(|&k| boxes[k].y0).fold(f32::MAX, f32::min);
            let y1 = g.iter().map(|&k| boxes[k].y1).fold(f32::MIN, f32::max);
            // Gaps between consecutive words (`x1` of one to `x0` of the next; negative when they overlap).
            let gaps = g.windows(2).map(|p| (boxes[p[0]].x1, boxes[p[1]].x0)).collect();
            Line { words: g, gaps, height, y0, y1 }
        })
        .collect();
    let cuts = gutter_cuts(&lines);
    lines
        .iter()
        .zip(cuts)
        .map(|(line, mut cut)| {
            // A heading row whose OCR closed the gap between two headings (`단가 수량` in one piece):
            // each heading word starts a column.
            let heading = |k: usize| is_heading_word(texts[k]);
            if line.words.iter().filter(|&&k| heading(k)).count() >= 2 && !line.words.iter().any(|&k| is_numeric(texts[k])) {
                for (n, &k) in line.words.iter().enumerate().skip(1) {
                    cut[n - 1] |= heading(k);
                }
            }
            let mut pieces: Vec<(Piece, Vec<&str>)> = Vec::new();
            for (n, &k) in line.words.iter().enumerate() {
                let b = &boxes[k];
                // A quantity first (`1x 000001038556 CHEK HUP`) is a cell of its own however close the
                // next word is set: monospace receipts print it one space from the item's code.
                let after_quantity = n == 1 && is_quantity(texts[line.words[0]]);
                match pieces.last_mut() {
                    Some((p, t)) if !cut[n - 1] && !after_quantity => {
                        p.x1 = p.x1.max(b.x1);
                        p.y0 = p.y0.min(b.y0);
                        p.y1 = p.y1.max(b.y1);
                        t.push(texts[k]);
                    }
                    _ => pieces.push((
                        Piece { x0: b.x0, x1: b.x1, y0: b.y0, y1: b.y1, numeric: false },
                        vec![texts[k]],
                    )),
                }
            }
            let texts: Vec<String> = pieces.iter().map(|(_, t)| t.join(" ")).collect();
            let pieces: Vec<Piece> = pieces
                .into_iter()
                .zip(&texts)
                .map(|((mut p, _), t)| {
                    p.numeric = is_numeric(t);
                    p
                })
                .collect();
            let role = row_role(&texts, &pieces);
            Row { pieces, y0: line.y0, y1: line.y1, height: line.height, role }
        })
        .collect()
}

/// A row of words before it is cut into pieces.
struct Line {
    /// Word indices, left to right.
    words: Vec<usize>,
    /// `(x1 of word n, x0 of word n + 1)` for each pair of neighbours.
    gaps: Vec<(f32, f32)>,
    height: f32,
    y0: f32,
    y1: f32,
}

/// A gap of at least this many text heights is a column border when it lines up with gaps in the rows
/// around it. Tables set their columns as close as their padding allows: the generated zebra table
/// `t14` of the held-out set (seed 23: 12 px padding, right-aligned amounts) leaves 0.54 text heights
/// between the OCR's boxes of neighbouring cells, under [`PIECE_GAP`], so its rows were one piece each and
/// no table was found without the layout model. Word spaces in the OCR's boxes are ~0–0.1 heights in
/// Korean and ~0.3 in Latin print, 0.4 in monospace; 0.45 keeps them out.
pub const GUTTER_GAP: f32 = 0.45;
/// Rows (of the two above and two below) whose own gaps must overlap a gap for it to count as a gutter:
/// two, so a gutter runs through at least three rows, as a table's columns do and word spaces of prose
/// do not.
pub const GUTTER_ROWS: usize = 2;

/// For each line, for each gap between its words, whether the line is cut there: a gap of at least
/// [`PIECE_GAP`] heights, or of at least [`GUTTER_GAP`] heights overlapping such gaps in [`GUTTER_ROWS`] of
/// the nearby rows (within [`ROW_GAP`] heights of each other).
fn gutter_cuts(lines: &[Line]) -> Vec<Vec<bool>> {
    let wide = |l: &Line, g: (f32, f32), k: f32| g.1 - g.0 >= k * l.height;
    let near = |a: usize, b: usize| {
        let (lo, hi) = (a.min(b), a.max(b));
        (lo..hi).all(|i| lines[i + 1].y0 - lines[i].y1 <= ROW_GAP * lines[i].height.max(lines[i + 1].height))
    };
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            l.gaps
                .iter()
                .map(|&g| {
                    if wide(l, g, PIECE_GAP) {
                        return true;
                    }
                    if !wide(l, g, GUTTER_GAP) {
                        return false;
                    }
                    let around = i.saturating_sub(2)..(i + 3).min(lines.len());
                    let through = around
                        .filter(|&j| j != i && near(i, j))
                        .filter(|&j| {
                            let o = &lines[j];
                            o.gaps.iter().any(|&h| wide(o, h, GUTTER_GAP) && h.0.max(g.0) < h.1.min(g.1))
                        })
                        .count();
                    through >= GUTTER_ROWS
                })
                .collect()
        })
        .collect()
}

/// A count of items as receipts print it before the item: `1x`, `12X`, `x2`.
fn is_quantity(s: &str) -> bool {
    let digits = |t: &str| !t.is_empty() && t.len() <= 3 && t.chars().all(|c| c.is_ascii_digit());
    s.strip_suffix(['x', 'X']).is_some_and(digits) || s.strip_prefix(['x', 'X']).is_some_and(digits)
}

/// Mostly digits (with the separators of amounts, dates and phone numbers).
fn is_numeric(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let other = s.chars().filter(|c| !c.is_ascii_digit() && !",.-/:%()+ ₩$원".contains(*c)).count();
    digits > 0 && digits >= 2 * other
}

/// The tables in a run of rows: the whole run when it is one; else, from the top, the longest stretch
/// that is one (starting and ending at a row of pieces), then on below it. Item rows, then totals, then a
/// tax summary follow each other without a gap on a receipt, and their columns do not line up with
/// each other: the run as a whole is no table, its item block is.
fn blocks(run: &[Row]) -> Vec<Region> {
    split_at_roles(run)
        .into_iter()
        .flat_map(split_at_sparse_rows)
        .flat_map(segment_tables)
        .collect()
}

/// Column headings of item tables, as printed on receipts and invoices (compared without spaces and
/// case: Korean headings are often letter-spaced, `단 가`).
const HEADINGS: &[&str] = &[
    "상품명", "상품", "품명", "품목", "물품명", "순번", "단가", "수량", "금액", "일반가", "할인금액",
    "할인", "가격", "item", "items", "description", "desc", "qty", "quantity", "price", "u/p",
    "u/price", "u.p", "u.p.", "unitprice", "amount", "amt", "disc", "disc%", "total", "designation", "p.u.", "qte",
    "itemcode", "code",
];

/// Labels that open a totals row under an item table (compared without spaces and case, at the start
/// of the row's text).
const TOTALS: &[&str] = &[
    "합계", "소계", "총액", "총합계", "과세", "면세", "부가세", "부가가치세", "공급가액", "결제금액",
    "받을금액", "받은금액", "거스름", "total", "subtotal", "sub-total", "grandtotal", "rounding",
];

/// A Latin word as [`HEADINGS`] list it: without a unit in brackets (`Amt(RM)`, `AMOUNT (RM)` read as
/// one word) and punctuation around it.
fn heading_key(word: &str) -> &str {
    let w = word.trim_start_matches('(');
    let w = match w.find('(') {
        Some(i) if i > 0 && w.ends_with(')') => &w[..i],
        _ => w,
    };
    w.trim_end_matches([':', ')'])
}

/// Whether one word (no spaces) is a column heading of [`HEADINGS`], case aside.
fn is_heading_word(word: &str) -> bool {
    HEADINGS.contains(&heading_key(&word.to_lowercase()))
}

/// Whether a row is a table's heading row (at least two headings and no numbers) or a totals row.
fn row_role(texts: &[String], pieces: &[Piece]) -> Role {
    let key = |t: &str| t.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect::<String>();
    if pieces.len() >= 2 && !pieces.iter().any(|p| p.numeric) {
        // Latin headings are whole words; Hangul ones may be spaced apart, so they are counted in the
        // row's Hangul run without spaces, longest first.
        let words = texts
            .iter()
            .flat_map(|t| t.split_whitespace())
            .filter(|w| is_heading_word(w))
            .count();
        let hangul: String = key(&texts.join(""));
        let mut korean = 0;
        let mut rest = hangul.as_str();
        while let Some(c) = rest.chars().next() {
            let hit = HEADINGS
                .iter()
                .filter(|h| h.chars().next().is_some_and(|f| ('가'..='힣').contains(&f)))
                .filter(|h| rest.starts_with(*h))
                .max_by_key(|h| h.len());
            match hit {
                Some(h) => {
                    korean += 1;
                    rest = &rest[h.len()..];
                }
                None => rest = &rest[c.len_utf8()..],
            }
        }
        if words + korean >= 2 {
            return Role::Header;
        }
    }
    // The whole row: a letter-spaced label (`부 가 세`, `합 계`) is cut into pieces of one letter.
    let row = key(&texts.concat());
    if TOTALS.iter().any(|t| row.starts_with(t)) {
        return Role::Totals;
    }
    Role::Other
}

/// The run cut before every heading row and every totals row that follow other rows: the rows above a
/// heading (a receipt's `거래일시 … POS` line) are not its table, and a totals row ends the items
/// above it (the totals with their amounts may still make a table of their own, a tax summary).
/// Measured on tables-real (whose ground truth is the heading and the items): TEDS 0.441 → 0.569 on the
/// English receipts and 0.291 → 0.356 on the Korean ones; SROIE 525 lost (its items alone had two
/// columns and its totals became the table) until a leading quantity was made a column of its own. The generated sets, whose tables close with their own
/// `TOTAL` row, are unchanged (0.991 and 0.985).
fn split_at_roles(run: &[Row]) -> Vec<&[Row]> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..run.len() {
        let cut = match run[k].role {
            Role::Header => true,
            // A totals row right under another one continues the totals; the last row of a run is
            // the table's own total (`TOTAL … 54,440` closing a generated invoice table); a row that
            // fills as many cells as the widest row above it is one more item (SROIE 375 prints a
            // `Total 0% supplies` line between two of its items).
            Role::Totals => {
                let widest = run[start..k].iter().map(|r| r.pieces.len()).max().unwrap_or(0);
                run[k - 1].role != Role::Totals
                    && k + 1 < run.len()
                    && !(run[k + 1].role == Role::Other && run[k + 1].pieces.len() >= widest.saturating_sub(1).max(3))
            }
            Role::Other => false,
        };
        if cut {
            out.push(&run[start..k]);
            start = k;
        }
    }
    out.push(&run[start..]);
    out
}

/// Fewest consecutive sparse rows (each filling at most half of a run's four or more columns) that
/// [`split_at_sparse_rows`] cuts a run at: a receipt's item block runs on into its totals (`Sub Total :
/// RM 4.69`, `Rounding Adj`, `Cash`, … — a label and an amount each) and starts under its header
/// lines (`Inv No.`, `Promoter`), all without a gap; one such row (a table's own `Total` row, a
/// wrapped name) does not cut.
pub const SPARSE_RUN_ROWS: usize = 2;

/// The run cut at every stretch of at least [`SPARSE_RUN_ROWS`] sparse rows, when its rows are cut
/// into four or more pieces ([`anchor_count`]); the stretches are left out.
fn split_at_sparse_rows(run: &[Row]) -> Vec<&[Row]> {
    let columns = anchor_count(run).unwrap_or(0);
    if columns < 4 {
        return vec![run];
    }
    let sparse = |r: &Row| r.pieces.len() <= columns / 2;
    let mut out = Vec::new();
    let (mut start, mut k) = (0, 0);
    while k < run.len() {
        let n = run[k..].iter().take_while(|r| sparse(r)).count();
        if n >= SPARSE_RUN_ROWS {
            out.push(&run[start..k]);
            start = k + n;
        }
        k += n.max(1);
    }
    out.push(&run[start..]);
    out.retain(|s| !s.is_empty());
    out
}

/// The tables in one segment of a run (see [`blocks`]).
fn segment_tables(run: &[Row]) -> Vec<Region> {
    if let Some(r) = block_table(run) {
        return vec![r];
    }
    let mut out = Vec::new();
    let mut s = 0;
    while s + MIN_ROWS <= run.len() {
        if run[s].pieces.len() < 2 {
            s += 1;
            continue;
        }
        let found = (s + MIN_ROWS..=run.len())
            .rev()
            .filter(|&e| run[e - 1].pieces.len() >= 2 && (s, e) != (0, run.len()))
            .find_map(|e| block_table(&run[s..e]).map(|r| (e, r)));
        match found {
            Some((e, r)) => {
                out.push(r);
                s = e;
            }
            None => s += 1,
        }
    }
    out
}

/// The region of a block of rows when it is a table (see the module docs).
fn block_table(block: &[Row]) -> Option<Region> {
    // Lines of one piece (an item's name line, a wrapped cell) hold no column; the rows of pieces make
    // the table.
    let rows: Vec<&Row> = block.iter().filter(|r| r.pieces.len() >= 2).collect();
    if rows.len() < MIN_ROWS {
        return None;
    }
    let mut hs: Vec<f32> = rows.iter().map(|r| r.height).collect();
    hs.sort_by(f32::total_cmp);
    let tol = hs[hs.len() / 2] * 0.6;
    // Candidate column positions: every piece's left, right and centre; a column is a position shared
    // (within `tol`) by enough rows. Columns closer than a text height are one column.
    let mut cands: Vec<(f32, bool)> = Vec::new();
    for r in &rows {
        for p in &r.pieces {
            cands.push((p.x0, p.numeric));
            cands.push((p.x1, p.numeric));
            cands.push(((p.x0 + p.x1) / 2.0, p.numeric));
        }
    }
    let need = (COLUMN_SUPPORT * rows.len() as f32).ceil() as usize;
    let mut columns: Vec<(f32, bool, usize)> = Vec::new();
    for &(x, _) in &cands {
        let mut support = 0;
        let mut numeric = 0;
        for r in &rows {
            if let Some(p) = r.pieces.iter().find(|p| {
                (p.x0 - x).abs() <= tol || (p.x1 - x).abs() <= tol || ((p.x0 + p.x1) / 2.0 - x).abs() <= tol
            }) {
                support += 1;
                numeric += usize::from(p.numeric);
            }
        }
        if support >= need && columns.iter().all(|(c, _, _)| (c - x).abs() > 2.0 * tol) {
            columns.push((x, numeric * 2 >= support, support));
        }
    }
    // Positions of one piece (its left, centre and right) must not count as three columns: keep
    // columns that fall in different pieces of the best-supported row.
    let widest = rows.iter().max_by_key(|r| r.pieces.len())?;
    let mut distinct = std::collections::BTreeSet::new();
    let mut solid = std::collections::BTreeSet::new();
    let mut any_numeric = false;
    let need_text = (TEXT_COLUMN_SUPPORT * rows.len() as f32).ceil() as usize;
    for (x, numeric, support) in &columns {
        if let Some(k) = widest.pieces.iter().position(|p| *x >= p.x0 - tol && *x <= p.x1 + tol) {
            distinct.insert(k);
            any_numeric |= *numeric;
            if *support >= need_text {
                solid.insert(k);
            }
        }
    }
    // Without a column of numbers, a table of words only: more rows, and every column on all but
    // (at most) one in five of them.
    let text_table = rows.len() >= TEXT_MIN_ROWS && solid.len() >= MIN_COLUMNS;
    if distinct.len() < MIN_COLUMNS || !(any_numeric || text_table) {
        return None;
    }
    let x0 = block.iter().flat_map(|r| r.pieces.iter().map(|p| p.x0)).fold(f32::MAX, f32::min);
    let x1 = block.iter().flat_map(|r| r.pieces.iter().map(|p| p.x1)).fold(f32::MIN, f32::max);
    Some(Region { x0, y0: block[0].y0, x1, y1: block[block.len() - 1].y1, score: 0.5, class: TABLE_CLASS })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::{Point, Quad};

    fn w(text: &str, x: f32, y: f32) -> Word {
        let width = 9.0 * text.chars().count() as f32;
        Word {
            text: text.into(),
            quad: Quad::new([Point::new(x, y), Point::new(x + width, y), Point::new(x + width, y + 16.0), Point::new(x, y + 16.0)]),
            confidence: 1.0,
            line_break: false,
        }
    }

    /// `rows` lines of prose, words one ordinary space apart.
    fn paragraph(rows: usize) -> Vec<Word> {
        let mut out = Vec::new();
        for row in 0..rows {
            let mut x = 40.0;
            for t in ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"] {
                out.push(w(t, x, 20.0 + 24.0 * row as f32));
                x += 9.0 * t.len() as f32 + 5.0;
            }
        }
        out
    }

    /// A receipt-like block: item, quantity (right-aligned), amount (right-aligned).
    fn item_block(y: f32) -> Vec<Word> {
        let mut out = vec![w("Item", 40.0, y), w("Qty", 200.0, y), w("Amount", 280.0, y)];
        for (i, (item, qty, amount)) in [("Monitor", "2", "62,110"), ("Lunch", "2", "44,760"), ("Green", "13", "4,790"), ("Milk", "1", "63,340")]
            .iter()
            .enumerate()
        {
            let yy = y + 24.0 * (i + 1) as f32;
            out.push(w(item, 40.0, yy));
            out.push(w(qty, 227.0 - 9.0 * qty.len() as f32, yy));
            out.push(w(amount, 334.0 - 9.0 * amount.len() as f32, yy));
        }
        out
    }

    #[test]
    fn an_item_block_is_a_table() {
        // A title above, its words one space apart (~0.3 text heights).
        let mut words = vec![w("Statement", 40.0, 10.0), w("of", 126.0, 10.0), w("account", 149.0, 10.0)];
        words.extend(item_block(60.0));
        words.push(w("Thank", 40.0, 400.0));
        let found = find_aligned_tables(&words, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        let r = found[0];
        assert_eq!((r.x0, r.y0), (40.0, 60.0));
        assert!((r.y1 - (60.0 + 24.0 * 4.0 + 16.0)).abs() < 0.1, "{r:?}");
    }

    /// Rows of a region and four monthly amounts, the cells `gap` pixels apart (text height 16).
    fn tight_table(gap: f32, rows: usize) -> Vec<Word> {
        let mut out = Vec::new();
        for r in 0..rows {
            let y = 100.0 + 24.0 * r as f32;
            let mut x = 40.0;
            for t in ["Seoul", "763,070", "379,940", "958,880", "820,990"] {
                out.push(w(t, x, y));
                x += 9.0 * t.len() as f32 + gap;
            }
        }
        out
    }

    #[test]
    fn columns_set_close_are_cut_where_their_gaps_line_up() {
        // 9 px between cells = 0.56 text heights: under PIECE_GAP, over GUTTER_GAP, and the gaps line
        // up through every row, so each row is five pieces and the block is a table.
        let found = find_aligned_tables(&tight_table(9.0, 5), &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        // One such row alone is not cut (no gutter through the rows around it), nor are rows whose
        // gaps are word spaces (5 px = 0.31 text heights).
        let pieces = |words: &[Word]| {
            let (b, t): (Vec<Rect>, Vec<&str>) = words.iter().map(|w| (w.quad.bbox(), w.text.as_str())).unzip();
            rows(&b, &t).iter().map(|r| r.pieces.len()).collect::<Vec<_>>()
        };
        assert_eq!(pieces(&tight_table(9.0, 3)), [5, 5, 5]);
        assert_eq!(pieces(&tight_table(9.0, 1)), [1]);
        assert_eq!(pieces(&tight_table(5.0, 3)), [1, 1, 1]);
        assert!(find_aligned_tables(&tight_table(5.0, 5), &[]).is_empty());
    }

    /// A staff list: name, department, title, duty — words only, `rows` rows with the header.
    fn staff_list(rows: usize) -> Vec<Word> {
        let people = [
            ["Name", "Department", "Title", "Duty"],
            ["Kim", "Sales", "Manager", "Accounts"],
            ["Lee", "Legal", "Director", "Contracts"],
            ["Park", "Research", "Engineer", "Platform"],
            ["Choi", "Finance", "Analyst", "Budget"],
        ];
        let mut out = Vec::new();
        for (r, row) in people.iter().take(rows).enumerate() {
            for (c, t) in row.iter().enumerate() {
                out.push(w(t, 40.0 + 130.0 * c as f32, 100.0 + 24.0 * r as f32));
            }
        }
        out
    }

    #[test]
    fn a_table_of_words_only_needs_more_rows() {
        assert_eq!(find_aligned_tables(&staff_list(5), &[]).len(), 1);
        assert_eq!(find_aligned_tables(&staff_list(4), &[]).len(), 1);
        // A header and two rows of words: too little to tell from a form without a column of numbers.
        assert!(find_aligned_tables(&staff_list(3), &[]).is_empty());
    }

    #[test]
    fn paragraphs_and_label_value_forms_are_not_tables() {
        // A paragraph: words at ordinary spacing.
        let mut words = paragraph(6);
        // A form: label, value — two columns.
        for (i, (k, v)) in [("Name", "Kim"), ("Date", "2024-08-06"), ("Phone", "010-1234-5678"), ("Total", "54,440")].iter().enumerate() {
            words.push(w(k, 40.0, 300.0 + 24.0 * i as f32));
            words.push(w(v, 200.0, 300.0 + 24.0 * i as f32));
        }
        assert!(find_aligned_tables(&words, &[]).is_empty());
    }

    #[test]
    fn prose_cannot_hold_a_table_and_an_item_block_can() {
        let mut prose = paragraph(8);
        assert!(!may_hold_a_table(&prose));
        assert!(!may_hold_a_table(&[]));
        prose.extend(item_block(400.0));
        assert!(may_hold_a_table(&prose));
    }

    #[test]
    fn words_of_tables_already_found_are_skipped() {
        let words = item_block(60.0);
        let taken = [Region { x0: 0.0, y0: 50.0, x1: 400.0, y1: 200.0, score: 0.9, class: TABLE_CLASS }];
        assert!(find_aligned_tables(&words, &taken).is_empty());
    }
    /// A receipt's item block printed two lines an item: `Item Qty Price Amount`, then for each item
    /// its name alone on a line and under it its code with the quantity and amounts; then (when
    /// `totals`) `Sub Total` / `Rounding` / `Cash` / `Change` lines of a label and an amount, with no
    /// gap.
    fn two_line_items(totals: bool) -> Vec<Word> {
        let mut out = vec![w("Item", 40.0, 100.0), w("Qty", 250.0, 100.0), w("Price", 320.0, 100.0), w("Amount", 420.0, 100.0)];
        let mut y = 124.0;
        for (name, code, qty, price) in [("CALPIS ORIGINAL", "SR-9556404118", "1", "2.49"), ("COKE", "SR-9555589200", "2", "2.20"), ("MILO", "SR-9555589201", "1", "7.90")] {
            out.push(w(name, 40.0, y));
            y += 24.0;
            out.push(w(code, 40.0, y));
            out.push(w(qty, 259.0 - 9.0 * qty.len() as f32, y));
            out.push(w(price, 365.0 - 9.0 * price.len() as f32, y));
            out.push(w(price, 474.0 - 9.0 * price.len() as f32, y));
            y += 24.0;
        }
        if totals {
            for (label, amount) in [("Sub Total", "12.59"), ("Rounding", "0.01"), ("Cash", "20.00"), ("Change", "7.40")] {
                out.push(w(label, 40.0, y));
                out.push(w(amount, 474.0 - 9.0 * amount.len() as f32, y));
                y += 24.0;
            }
        }
        out
    }

    #[test]
    fn a_table_starts_at_its_heading_row_and_ends_before_its_totals() {
        // A three-piece line with a number right above the heading row (`POS-0002 … 12:33 … 100`), in
        // the same run of rows: it lines up with the items but is not the table's.
        let mut words = vec![w("23027", 40.0, 36.0), w("2022-09-27", 120.0, 36.0), w("100", 307.0, 36.0)];
        words.extend(item_block(60.0));
        let found = find_aligned_tables(&words, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].y0, 60.0, "from the heading row");
        // Totals under the items (two rows, then more): the table ends above them. A single total
        // closing the block is the table's own row and stays.
        for (totals, y1) in [(&[("합계", "148,010"), ("부가세", "13,455")][..], 60.0 + 24.0 * 4.0 + 16.0), (&[("TOTAL", "148,010")][..], 60.0 + 24.0 * 5.0 + 16.0)] {
            let mut words = item_block(60.0);
            for (k, (label, amount)) in totals.iter().enumerate() {
                let y = 60.0 + 24.0 * (5 + k) as f32;
                words.push(w(label, 40.0, y));
                words.push(w(amount, 334.0 - 9.0 * amount.len() as f32, y));
            }
            let found = find_aligned_tables(&words, &[]);
            assert!(!found.is_empty(), "{totals:?}");
            assert!((found[0].y1 - y1).abs() < 0.1, "{totals:?}: {found:?}");
        }
        // A totals line between two items (`Total 0% supplies`), an item row of all three cells under
        // it: the table goes on to that item.
        let mut words = item_block(60.0);
        words.push(w("Total", 40.0, 156.0 + 24.0));
        words.push(w("35.14", 289.0, 156.0 + 24.0));
        words.extend([w("Tea", 40.0, 204.0), w("3", 218.0, 204.0), w("3,300", 289.0, 204.0)]);
        words.extend([w("Sub Total", 40.0, 228.0), w("9,000", 289.0, 228.0), w("Cash", 40.0, 252.0), w("10,000", 280.0, 252.0)]);
        let found = find_aligned_tables(&words, &[]);
        assert!((found[0].y1 - 220.0).abs() < 0.1, "{found:?}");
    }

    #[test]
    fn under_a_heading_columns_the_ocr_closed_in_one_row_are_still_found() {
        // The heading's `Price` and `Qty` misread (no heading words to cut at) and read as one piece,
        // the second item's name as one piece with its price: no two rows with the same piece count
        // line up at every gutter.
        let words = vec![
            w("Item", 40.0, 100.0), w("Prlce", 200.0, 100.0), w("Qfy", 251.0, 100.0), w("Amount", 330.0, 100.0),
            w("Greentea", 40.0, 124.0), w("3,960", 200.0, 124.0), w("1", 262.0, 124.0), w("3,980", 339.0, 124.0),
            w("Sandwich", 40.0, 148.0), w("roll", 118.0, 148.0), w("set", 160.0, 148.0), w("3,960", 193.0, 148.0),
            w("1", 262.0, 148.0), w("3,980", 339.0, 148.0),
        ];
        let refs: Vec<&Word> = words.iter().collect();
        let region = Region { x0: 40.0, y0: 100.0, x1: 384.0, y1: 164.0, score: 0.5, class: TABLE_CLASS };
        let g = stream_grid(&refs, &region).expect("a grid");
        assert_eq!((g.rows, g.cols), (3, 4));
        // The anchor rows' gutters alone leave two columns.
        let (boxes, texts): (Vec<Rect>, Vec<&str>) = words.iter().map(|w| (w.quad.bbox(), w.text.as_str())).unzip();
        assert_eq!(column_borders(&rows(&boxes, &texts)).len(), 1);
    }

    #[test]
    fn heading_and_totals_rows_are_told_by_their_words() {
        let piece = |numeric| Piece { x0: 0.0, x1: 1.0, y0: 0.0, y1: 1.0, numeric };
        let role = |texts: &[&str], numeric: &[bool]| {
            let texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
            let pieces: Vec<Piece> = numeric.iter().map(|&n| piece(n)).collect();
            row_role(&texts, &pieces)
        };
        assert_eq!(role(&["상 품 명", "단 가", "수량", "금 액"], &[false; 4]), Role::Header);
        assert_eq!(role(&["삼풀", "단가 수량", "금액"], &[false; 3]), Role::Header);
        assert_eq!(role(&["Item", "Qty", "Total"], &[false; 3]), Role::Header);
        // Headings with an amount are a totals row (`Total Amount: $8.70`); one heading is no heading.
        assert_eq!(role(&["Total Amount:", "$8.70"], &[false, true]), Role::Totals);
        assert_eq!(role(&["Monitor", "Qty"], &[false, false]), Role::Other);
        assert_eq!(role(&["과세물품가액", "1,091"], &[false, true]), Role::Totals);
        assert_eq!(role(&["Sub Total", "12.59"], &[false, true]), Role::Totals);
        assert_eq!(role(&["Milk 1L", "1", "63,340"], &[false, true, true]), Role::Other);
        // A letter-spaced label cut into one-letter pieces; headings with their unit in brackets.
        assert_eq!(role(&["부", "가", "세", "362"], &[false, false, false, true]), Role::Totals);
        assert_eq!(role(&["Description", "U.P Iss", "Amt(RM)"], &[false; 3]), Role::Header);
        assert_eq!(heading_key("amount(rm)"), "amount");
        assert_eq!(heading_key("(rm)"), "rm");
    }

    #[test]
    fn items_printed_on_two_lines_are_one_table_without_the_totals_under_them() {
        for totals in [false, true] {
            let words = two_line_items(totals);
            let found = find_aligned_tables(&words, &[]);
            assert_eq!(found.len(), 1, "totals {totals}: {found:?}");
            let r = found[0];
            // From the header to the last item's code line; the totals are left out.
            assert_eq!((r.y0, r.y1), (100.0, 100.0 + 24.0 * 6.0 + 16.0), "totals {totals}");
            // Each item is one grid row (its name line joined to the code line under it).
            let refs: Vec<&Word> = words.iter().collect();
            let g = stream_grid(&refs, &r).expect("a grid");
            assert_eq!((g.rows, g.cols), (4, 4));
            assert!(g.cells.iter().all(|c| c.col_span == 1 && c.row_span == 1));
        }
    }

    #[test]
    fn stream_grid_finds_columns_left_empty_in_every_row_but_one() {
        // A ledger: date, item, debit, credit, balance; debit and credit never both filled, so every
        // item row is four pieces and only the gap between the two columns shows the border.
        let mut words = vec![w("Date", 40.0, 100.0), w("Item", 150.0, 100.0), w("Debit", 250.0, 100.0), w("Credit", 340.0, 100.0), w("Balance", 440.0, 100.0)];
        for (k, debit) in [true, false, true, true, false].iter().enumerate() {
            let y = 124.0 + 24.0 * k as f32;
            words.push(w("2024-01-05", 40.0, y));
            words.push(w("Tea", 150.0, y));
            words.push(w("61,600", if *debit { 250.0 } else { 340.0 }, y));
            words.push(w("18,097,250", 440.0, y));
        }
        let refs: Vec<&Word> = words.iter().collect();
        let region = Region { x0: 40.0, y0: 100.0, x1: 530.0, y1: 236.0, score: 0.5, class: TABLE_CLASS };
        let g = stream_grid(&refs, &region).expect("a grid");
        assert_eq!((g.rows, g.cols), (6, 5));
        assert_eq!(g.cells.len(), 30);
        // The cells tile the region: row and column borders shared by all cells.
        let (re, ce) = g.edges().expect("edges");
        assert_eq!((re.len(), ce.len()), (7, 6));
        assert_eq!((ce[0], ce[5]), (40.0, 530.0));
    }

    #[test]
    fn a_piece_over_a_column_border_spans_it() {
        // An item block whose last row is a label set across the name and quantity columns.
        let mut words = item_block(60.0);
        words.push(w("Total", 40.0, 180.0));
        words.push(w("(all", 90.0, 180.0));
        words.push(w("items)", 131.0, 180.0));
        words.push(w("175,000", 271.0, 180.0));
        let refs: Vec<&Word> = words.iter().collect();
        let region = Region { x0: 40.0, y0: 60.0, x1: 334.0, y1: 196.0, score: 0.5, class: TABLE_CLASS };
        let g = stream_grid(&refs, &region).expect("a grid");
        assert_eq!((g.rows, g.cols), (6, 3));
        let last: Vec<(usize, usize)> = g.cells.iter().filter(|c| c.row == 5).map(|c| (c.col, c.col_span)).collect();
        assert_eq!(last, [(0, 2), (2, 1)]);
    }

    /// A monospace receipt's items on a scan turned so that its text falls by `slope` per pixel: each
    /// item a line `1x CODE … AMOUNT` (the quantity one narrow space from the code) and its name line
    /// under it.
    fn quantity_items(slope: f32) -> Vec<Word> {
        let turn = |p: Point| Point::new(p.x - slope * p.y, p.y + slope * p.x);
        let mut words = Vec::new();
        for k in 0..16 {
            let y = 40.0 + 48.0 * k as f32;
            let amount = format!("{}.{}0SR", 10 + k, k);
            for (t, x) in [("1x", 40.0), ("000001038556", 61.0), (amount.as_str(), 380.0 - 9.0 * amount.len() as f32)] {
                words.push(w(t, x, y));
            }
            words.push(w("CHEK HUP", 61.0, y + 24.0));
        }
        for word in &mut words {
            word.quad = jikji_geometry::Quad::new(word.quad.pts.map(turn));
        }
        words
    }

    #[test]
    fn a_leading_quantity_is_a_column_on_a_level_or_turned_scan() {
        assert!(is_quantity("1x") && is_quantity("12X") && is_quantity("x2"));
        assert!(!is_quantity("x") && !is_quantity("1") && !is_quantity("Xmas") && !is_quantity("1234x"));
        for slope in [0.0, -0.025] {
            let words = quantity_items(slope);
            let found = find_aligned_tables(&words, &[]);
            assert_eq!(found.len(), 1, "slope {slope}: {found:?}");
            let refs: Vec<&Word> = words.iter().collect();
            let g = stream_grid(&refs, &found[0]).expect("a grid");
            // Sixteen items, each with its name line: quantity, code and name, amount.
            assert_eq!((g.rows, g.cols), (16, 3), "slope {slope}");
            if slope != 0.0 {
                // The cells lean with the scan; filling them goes by the grid's upright edges.
                continue;
            }
            // Every word lies in its column's cell.
            let slots = crate::slots(&g, 0.0, 0.0, &Rect::new(found[0].x0, found[0].y0, found[0].x1, found[0].y1));
            let cells = crate::fill::fill(
                &g.cells.iter().map(|c| (c.row, c.col, c.row_span, c.col_span)).collect::<Vec<_>>(),
                &slots,
                &refs,
            );
            for c in cells.iter().filter(|c| c.col == 0) {
                let text: Vec<&str> = c.lines.iter().flat_map(|l| l.words.iter().map(|w| w.text.as_str())).collect();
                assert_eq!(text, ["1x"], "slope {slope}, row {}", c.row);
            }
        }
        // Level, the quantity's border is found only because it is a quantity: `ab` is a word.
        let words: Vec<Word> = quantity_items(0.0)
            .into_iter()
            .map(|mut w| {
                if w.text == "1x" {
                    w.text = "ab".into();
                }
                w
            })
            .collect();
        let refs: Vec<&Word> = words.iter().collect();
        let found = find_aligned_tables(&words, &[]);
        assert!(found.iter().all(|r| stream_grid(&refs, r).is_none_or(|g| g.cols < 3)), "{found:?}");
    }

    #[test]
    fn headings_read_into_one_piece_are_columns_of_their_own() {
        // `단가` and `수량` set 2 px apart in the heading row (the OCR's boxes touch), the items' price
        // and quantity 10 px apart: each heading is its column's cell, not one cell over two columns.
        let mut words = vec![w("상품", 40.0, 40.0), w("단가", 150.0, 40.0), w("수량", 170.0, 40.0), w("금액", 280.0, 40.0)];
        for (k, name) in ["호떡", "녹차", "우유"].iter().enumerate() {
            let y = 64.0 + 24.0 * k as f32;
            words.extend([w(name, 40.0, y), w("1,700", 120.0, y), w("1", 175.0, y), w("1,700", 280.0, y)]);
        }
        let found = find_aligned_tables(&words, &[]);
        assert_eq!(found.len(), 1, "{found:?}");
        let refs: Vec<&Word> = words.iter().collect();
        let g = stream_grid(&refs, &found[0]).expect("a grid");
        assert_eq!((g.rows, g.cols), (4, 4));
        let heading: Vec<(usize, usize)> = g.cells.iter().filter(|c| c.row == 0).map(|c| (c.col, c.col_span)).collect();
        assert_eq!(heading, [(0, 1), (1, 1), (2, 1), (3, 1)]);
    }
}
