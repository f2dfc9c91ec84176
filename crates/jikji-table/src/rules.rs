//! Ruled tables found from their rule lines, without a model.
//!
//! The layout model misses many plainly ruled tables (on the generated dev set it found a table on 17 of
//! 32 pages), while a grid of rules is easy to see: long thin dark runs across rows (horizontal rules)
//! and down columns (vertical rules) that cross each other. This is the classic "lattice" approach
//! (Camelot, pdfplumber) on pixels:
//!
//! 1. the page, reduced to at most [`WORK_SIDE`] pixels on its long side by box averaging, is binarised
//!    against its local mean (uneven light in photos);
//! 2. horizontal runs of dark pixels at least [`min_rule_len`] long (gaps of [`RUN_GAP`] pixels bridged,
//!    so anti-aliased or slightly broken rules stay whole) become horizontal rule pieces, and runs in
//!    adjacent rows that overlap join into one rule (a rule tilted by a photo's small rotation steps
//!    from row to row); thick stripes (filled header rows, photos) are not rules ([`MAX_RULE_THICKNESS`]);
//!    vertical rules the same way down the columns;
//! 3. rules that cross or touch ([`JOIN_TOLERANCE`]) form groups; a group with at least two horizontal
//!    and two vertical rules, three of one kind (so at least two cells), is a ruled table, and its region
//!    is the bounding box of its rules.
//!
//! Tables ruled only horizontally, and borderless ones, are left to the column finder ([`crate::aligned`]).

use image::RgbImage;

use crate::regions::Region;
use crate::regions::TABLE_CLASS;

/// The long side, in pixels, the page is reduced to before looking for rules. At 1600 px an A4 page
/// scanned at 200 dpi keeps a 1-pixel rule visible (as a lighter grey line) and the scan costs a few
/// milliseconds.
pub const WORK_SIDE: u32 = 1600;
/// Half-size of the local-mean window (pixels of the reduced page).
const MEAN_RADIUS: u32 = 12;
/// A pixel is dark when it is this much darker than its local mean (0–255). A 1-px black rule reduced
/// 2:1 is ~130 against a white 250; light zebra stripes (#e6ecf2 on white, ~20 darker) are not dark.
const DARK_MARGIN: i32 = 40;
/// Gaps of up to this many light pixels inside a run are bridged (anti-aliasing, JPEG, worn print).
const RUN_GAP: usize = 2;
/// A rule is at most this many pixels thick in the reduced page (filled bars and photos are thicker).
pub const MAX_RULE_THICKNESS: usize = 7;
/// Rules within this many pixels of each other (ends to lines) count as touching.
pub const JOIN_TOLERANCE: f32 = 6.0;

/// Shortest rule kept, in pixels of the reduced page: 4% of the page's long side, at least 30 — longer
/// than any run inside a word or a row of dashes' single dash.
pub fn min_rule_len(long_side: u32) -> usize {
    ((long_side as f32 * 0.04) as usize).max(30)
}

/// One rule in page pixels: `horizontal` rules run along x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rule {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub horizontal: bool,
}

impl Rule {
    fn touches(&self, o: &Rule, tol: f32) -> bool {
        self.x0 - tol <= o.x1 && o.x0 - tol <= self.x1 && self.y0 - tol <= o.y1 && o.y0 - tol <= self.y1
    }
}

/// The ruled tables of a page (regions in page pixels, score 0.9, class `table`), largest first.
pub fn find_ruled_tables(image: &RgbImage) -> Vec<Region> {
    let (w, h) = image.dimensions();
    if w < 16 || h < 16 {
        return Vec::new();
    }
    let (small, scale) = reduce(image);
    let rules = find_rules(&small);
    let mut out: Vec<Region> = group_tables(&rules)
        .into_iter()
        .map(|r| Region {
            x0: r.x0 * scale,
            y0: r.y0 * scale,
            x1: (r.x1 * scale).min(w as f32),
            y1: (r.y1 * scale).min(h as f32),
            score: 0.9,
            class: TABLE_CLASS,
        })
        .collect();
    out.sort_by(|a, b| {
        let area = |r: &Region| (r.x1 - r.x0) * (r.y1 - r.y0);
        area(b).total_cmp(&area(a))
    });
    out
}

/// A grey page as rows of luminance, with its size.
pub struct Gray {
    pub w: usize,
    pub h: usize,
    pub px: Vec<u8>,
}

/// The page in grey, box-averaged down to at most [`WORK_SIDE`] on its long side; the factor maps
/// reduced pixels back to page pixels.
fn reduce(image: &RgbImage) -> (Gray, f32) {
    let (w, h) = image.dimensions();
    let k = w.max(h).div_ceil(WORK_SIDE).max(1);
    let (sw, sh) = ((w / k).max(1) as usize, (h / k).max(1) as usize);
    let mut px = vec![0u8; sw * sh];
    let raw = image.as_raw();
    let n = (k * k) as u32;
    for sy in 0..sh {
        for sx in 0..sw {
            let mut sum = 0u32;
            for dy in 0..k {
                let row = ((sy as u32 * k + dy) * w) as usize;
                for dx in 0..k {
                    let i = (row + (sx as u32 * k + dx) as usize) * 3;
                    // Rec. 601 luma in integers.
                    sum += (299 * raw[i] as u32 + 587 * raw[i + 1] as u32 + 114 * raw[i + 2] as u32) / 1000;
                }
            }
            px[sy * sw + sx] = (sum / n) as u8;
        }
    }
    (Gray { w: sw, h: sh, px }, k as f32)
}

/// Dark pixels against the local mean (integral image, window of radius [`MEAN_RADIUS`]).
fn dark_mask(g: &Gray) -> Vec<bool> {
    let (w, h) = (g.w, g.h);
    let mut integral = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += g.px[y * w + x] as u64;
            integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
        }
    }
    let r = MEAN_RADIUS as usize;
    let mut out = vec![false; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let s = integral[y1 * (w + 1) + x1] + integral[y0 * (w + 1) + x0]
                - integral[y0 * (w + 1) + x1]
                - integral[y1 * (w + 1) + x0];
            let mean = (s / ((y1 - y0) * (x1 - x0)) as u64) as i32;
            out[y * w + x] = (g.px[y * w + x] as i32) < mean - DARK_MARGIN;
        }
    }
    out
}

/// Horizontal and vertical rules of a reduced page (its pixels).
pub fn find_rules(g: &Gray) -> Vec<Rule> {
    let dark = dark_mask(g);
    let min_len = min_rule_len(g.w.max(g.h) as u32);
    let mut rules = rules_along(&dark, g.w, g.h, min_len, true);
    rules.extend(rules_along(&dark, g.w, g.h, min_len, false));
    rules
}

/// Rules along x (`horizontal`) or along y. Works on (line, position) coordinates: for horizontal rules
/// a line is a row; for vertical ones a column.
fn rules_along(dark: &[bool], w: usize, h: usize, min_len: usize, horizontal: bool) -> Vec<Rule> {
    let (lines, len) = if horizontal { (h, w) } else { (w, h) };
    let at = |line: usize, pos: usize| if horizontal { dark[line * w + pos] } else { dark[pos * w + line] };
    // Runs per line: pieces of at least a quarter of a rule (a rule tilted by a degree or two steps
    // to the next line every 30–60 px, so its pieces are short; the joined rule must be long).
    let min_piece = (min_len / 4).max(8);
    let mut runs: Vec<Vec<(usize, usize)>> = Vec::with_capacity(lines);
    for line in 0..lines {
        let mut found = Vec::new();
        let mut start = None;
        let mut last_dark = 0usize;
        for pos in 0..len {
            if at(line, pos) {
                if start.is_none() {
                    start = Some(pos);
                }
                last_dark = pos;
            } else if let Some(s) = start {
                if pos - last_dark > RUN_GAP {
                    if last_dark + 1 - s >= min_piece {
                        found.push((s, last_dark + 1));
                    }
                    start = None;
                }
            }
        }
        if let Some(s) = start {
            if last_dark + 1 - s >= min_piece {
                found.push((s, last_dark + 1));
            }
        }
        runs.push(found);
    }
    // Join runs of neighbouring lines that overlap or meet end to end (a tilted rule's pieces) into
    // one rule: union-find over runs, the two lines' sorted runs walked together.
    let mut ids: Vec<(usize, usize, usize)> = Vec::new(); // (line, start, end)
    let mut first_of_line = Vec::with_capacity(lines + 1);
    for (line, rs) in runs.iter().enumerate() {
        first_of_line.push(ids.len());
        for &(s, e) in rs {
            ids.push((line, s, e));
        }
    }
    first_of_line.push(ids.len());
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    for line in 1..lines {
        let (mut a, a_end) = (first_of_line[line], first_of_line[line + 1]);
        let (mut b, b_end) = (first_of_line[line - 1], first_of_line[line]);
        while a < a_end && b < b_end {
            let (_, s1, e1) = ids[a];
            let (_, s0, e0) = ids[b];
            if s1 <= e0 + RUN_GAP && s0 <= e1 + RUN_GAP {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[ra] = rb;
                }
            }
            if e1 < e0 {
                a += 1;
            } else {
                b += 1;
            }
        }
    }
    // Bounding box per group, with the thickness (runs per position) checked.
    let mut boxes: std::collections::HashMap<usize, (usize, usize, usize, usize, usize)> = Default::default();
    for i in 0..ids.len() {
        let root = find(&mut parent, i);
        let (line, s, e) = ids[i];
        let b = boxes.entry(root).or_insert((line, line, s, e, 0));
        b.0 = b.0.min(line);
        b.1 = b.1.max(line);
        b.2 = b.2.min(s);
        b.3 = b.3.max(e);
        b.4 += e - s;
    }
    let mut out = Vec::new();
    for (l0, l1, s, e, covered) in boxes.into_values() {
        let length = e - s;
        // Mean thickness: dark run pixels per unit of length. A tilted thin rule spans several lines
        // but stays thin on average; a filled bar is thick everywhere.
        let thickness = covered as f32 / length.max(1) as f32;
        if length < min_len || thickness > MAX_RULE_THICKNESS as f32 {
            continue;
        }
        // A run group much taller than thin is a tilted rule only if the tilt is small (≤ ~5°).
        if (l1 + 1 - l0) as f32 > MAX_RULE_THICKNESS as f32 + length as f32 * 0.09 {
            continue;
        }
        let (a0, a1) = (l0 as f32, (l1 + 1) as f32);
        let (b0, b1) = (s as f32, e as f32);
        out.push(if horizontal {
            Rule { x0: b0, y0: a0, x1: b1, y1: a1, horizontal }
        } else {
            Rule { x0: a0, y0: b0, x1: a1, y1: b1, horizontal }
        });
    }
    out
}

/// Union-find root of `i` (with path halving).
fn find(p: &mut [usize], mut i: usize) -> usize {
    while p[i] != i {
        p[i] = p[p[i]];
        i = p[i];
    }
    i
}

/// A vertical rule broken by a fold, a crease or glare goes on below its gap: pieces on one line
/// (within [`JOIN_TOLERANCE`]) with at most this many pixels (of the reduced page) between their ends
/// are one rule, so the grid above and the grid below the break are one table. The photographed
/// medical bill of the shared Korean photos (`testdata/tables-real`) was found as two tables split at
/// a fold 18 px high; breaks in the generated sets' rules are none (their ruled TEDS was 1.0 before).
pub const RULE_BREAK: f32 = 24.0;

/// Whether two vertical rules are pieces of one rule broken by a gap of at most [`RULE_BREAK`].
fn continues(a: &Rule, b: &Rule) -> bool {
    if a.horizontal || b.horizontal {
        return false;
    }
    let same_line = (a.x0 - b.x0).abs() <= JOIN_TOLERANCE && (a.x1 - b.x1).abs() <= JOIN_TOLERANCE;
    let gap = a.y0.max(b.y0) - a.y1.min(b.y1);
    same_line && (0.0..=RULE_BREAK).contains(&gap)
}

/// The bounding boxes of rule groups that make a grid (see the module docs).
pub fn group_tables(rules: &[Rule]) -> Vec<Rule> {
    let n = rules.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for i in 0..n {
        for j in i + 1..n {
            // Only crossings join (a horizontal with a vertical): parallel rules that merely sit
            // close (a double underline) do not make a grid.
            let crossing = rules[i].horizontal != rules[j].horizontal && rules[i].touches(&rules[j], JOIN_TOLERANCE);
            if crossing || continues(&rules[i], &rules[j]) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a] = b;
                }
            }
        }
    }
    let mut groups: std::collections::HashMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = find(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out = Vec::new();
    for members in groups.into_values() {
        let hs = members.iter().filter(|&&i| rules[i].horizontal).count();
        let vs = members.len() - hs;
        if hs < 2 || vs < 2 || (hs < 3 && vs < 3) {
            continue;
        }
        let mut b = rules[members[0]];
        for &i in &members[1..] {
            let r = &rules[i];
            b.x0 = b.x0.min(r.x0);
            b.y0 = b.y0.min(r.y0);
            b.x1 = b.x1.max(r.x1);
            b.y1 = b.y1.max(r.y1);
        }
        out.push(b);
    }
    out
}

/// The regions of both finders: a ruled table's region replaces the layout regions it overlaps (its
/// rules give its exact extent); layout regions elsewhere (borderless tables) are kept.
pub fn merge_regions(ruled: Vec<Region>, layout: Vec<Region>) -> Vec<Region> {
    let mut out = ruled.clone();
    for l in layout {
        let overlaps = ruled.iter().any(|r| overlap_of_smaller(r, &l) > 0.3);
        if !overlaps {
            out.push(l);
        }
    }
    out
}

/// Intersection over the smaller region's area.
fn overlap_of_smaller(a: &Region, b: &Region) -> f32 {
    let iw = (a.x1.min(b.x1) - a.x0.max(b.x0)).max(0.0);
    let ih = (a.y1.min(b.y1) - a.y0.max(b.y0)).max(0.0);
    let area = |r: &Region| (r.x1 - r.x0).max(0.0) * (r.y1 - r.y0).max(0.0);
    iw * ih / area(a).min(area(b)).max(1e-3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn page(w: u32, h: u32) -> RgbImage {
        RgbImage::from_pixel(w, h, Rgb([250, 250, 250]))
    }

    fn hline(img: &mut RgbImage, x0: u32, x1: u32, y: u32, t: u32) {
        for yy in y..y + t {
            for x in x0..x1 {
                img.put_pixel(x, yy, Rgb([20, 20, 20]));
            }
        }
    }

    fn vline(img: &mut RgbImage, x: u32, y0: u32, y1: u32, t: u32) {
        for y in y0..y1 {
            for xx in x..x + t {
                img.put_pixel(xx, y, Rgb([20, 20, 20]));
            }
        }
    }

    /// A `rows x cols` grid of 1-px rules with its top-left at (x, y).
    fn grid(img: &mut RgbImage, x: u32, y: u32, rows: u32, cols: u32, cw: u32, ch: u32) {
        for r in 0..=rows {
            hline(img, x, x + cols * cw + 1, y + r * ch, 1);
        }
        for c in 0..=cols {
            vline(img, x + c * cw, y, y + rows * ch + 1, 1);
        }
    }

    /// Some "text": short dark blocks like letters.
    fn text(img: &mut RgbImage, x: u32, y: u32, letters: u32) {
        for i in 0..letters {
            for yy in y..y + 14 {
                for xx in x + i * 12..x + i * 12 + 8 {
                    img.put_pixel(xx, yy, Rgb([30, 30, 30]));
                }
            }
        }
    }

    #[test]
    fn finds_a_ruled_grid_and_its_extent() {
        let mut img = page(1000, 1400);
        text(&mut img, 100, 80, 30);
        grid(&mut img, 150, 300, 5, 4, 160, 40);
        text(&mut img, 100, 900, 40);
        let found = find_ruled_tables(&img);
        assert_eq!(found.len(), 1, "{found:?}");
        let r = found[0];
        assert!((r.x0 - 150.0).abs() <= 2.0 && (r.x1 - 791.0).abs() <= 2.0, "{r:?}");
        assert!((r.y0 - 300.0).abs() <= 2.0 && (r.y1 - 501.0).abs() <= 2.0, "{r:?}");
    }

    #[test]
    fn two_tables_on_a_page_are_two_regions() {
        let mut img = page(1200, 1600);
        grid(&mut img, 100, 100, 3, 3, 200, 50);
        grid(&mut img, 100, 800, 6, 2, 300, 45);
        let found = find_ruled_tables(&img);
        assert_eq!(found.len(), 2, "{found:?}");
        // Largest first.
        assert!(found[0].y0 > 700.0);
    }

    #[test]
    fn a_grid_broken_by_a_fold_is_one_table() {
        // A 4-column grid whose rules break for 16 px (a fold across the page): the vertical rules go on
        // below the break, so the two halves are one table. Broken by more than RULE_BREAK, or with
        // columns that do not line up, they stay two.
        let mut img = page(1000, 1400);
        grid(&mut img, 150, 300, 4, 4, 160, 40);
        grid(&mut img, 150, 300 + 4 * 40 + 17, 4, 4, 160, 40);
        let found = find_ruled_tables(&img);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].y0 < 301.0 && found[0].y1 > 630.0, "{found:?}");
        let mut far = page(1000, 1400);
        grid(&mut far, 150, 300, 4, 4, 160, 40);
        grid(&mut far, 150, 300 + 4 * 40 + 60, 4, 4, 160, 40);
        assert_eq!(find_ruled_tables(&far).len(), 2);
        let mut shifted = page(1000, 1400);
        grid(&mut shifted, 150, 300, 4, 4, 160, 40);
        grid(&mut shifted, 230, 300 + 4 * 40 + 17, 4, 4, 160, 40);
        assert_eq!(find_ruled_tables(&shifted).len(), 2);
    }

    #[test]
    fn text_boxes_underlines_and_filled_bars_are_not_tables() {
        let mut img = page(1000, 1400);
        for i in 0..20 {
            text(&mut img, 60, 60 + i * 30, 60);
        }
        // An underline, a double rule, a single framed box (one cell) and a thick filled bar.
        hline(&mut img, 60, 900, 700, 1);
        hline(&mut img, 60, 900, 760, 1);
        hline(&mut img, 60, 900, 764, 1);
        hline(&mut img, 200, 700, 900, 1);
        hline(&mut img, 200, 700, 1000, 1);
        vline(&mut img, 200, 900, 1001, 1);
        vline(&mut img, 699, 900, 1001, 1);
        hline(&mut img, 60, 900, 1100, 40);
        assert!(find_ruled_tables(&img).is_empty());
    }

    #[test]
    fn a_slightly_tilted_grid_on_uneven_light_is_found() {
        let (w, h) = (1000u32, 1000u32);
        let mut img = RgbImage::from_fn(w, h, |x, _| {
            // Light falling off from left (250) to right (170).
            let v = (250 - (x * 80 / w)) as u8;
            Rgb([v, v, v])
        });
        // 1.5 degrees of tilt: y shifts by x * 0.026.
        let tilt = |x: u32| (x as f32 * 0.026) as u32;
        for r in 0..=4u32 {
            for x in 200..801 {
                img.put_pixel(x, 300 + r * 60 + tilt(x), Rgb([40, 40, 40]));
            }
        }
        for c in 0..=3u32 {
            let x = 200 + c * 200;
            for y in 300 + tilt(x)..541 + tilt(x) {
                img.put_pixel(x, y, Rgb([40, 40, 40]));
                img.put_pixel(x + 1, y, Rgb([40, 40, 40]));
            }
        }
        let found = find_ruled_tables(&img);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn ruled_regions_replace_the_layout_regions_they_overlap() {
        let reg = |x0: f32, y0: f32, x1: f32, y1: f32, score: f32| Region { x0, y0, x1, y1, score, class: TABLE_CLASS };
        let ruled = vec![reg(100.0, 100.0, 500.0, 300.0, 0.9)];
        let layout = vec![reg(90.0, 95.0, 520.0, 320.0, 0.6), reg(100.0, 600.0, 500.0, 800.0, 0.5)];
        let m = merge_regions(ruled, layout);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].x0, m[0].score), (100.0, 0.9));
        assert_eq!(m[1].y0, 600.0);
    }
}
