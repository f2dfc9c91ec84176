//! Reading a matched page: every field region is mapped into the page, and the words inside it are
//! read in the region's own reading order (the page may be rotated or in perspective; order is
//! decided in template coordinates).
//!
//! * A word counts for a region when [`WHOLE_WORD_SHARE`] of its box (mapped back into template
//!   coordinates) lies inside; a word the region cuts through gives the characters whose share of the
//!   word's length falls inside (character-proportional split).
//! * `NORMAL`: words joined by spaces, lines by spaces, or by `\n` for a `multiline` field; a
//!   single-line field leaves out a neighbouring row its region clips (`EDGE_BAND`).
//! * `MULTI_BOX`: one character per box (the region split into `boxes` equal slots).
//! * `CHECKBOX`: ticked when the ink inside the mapped box exceeds that of the box empty on the
//!   sample (or of the sample's empty boxes, for a box ticked there) by [`CHECK_INK_DELTA`].
//! * Value types constrain the text ([`apply_value_type`]).
//! * [`read_fields_with`] also reads a single-line field again from its own warped region (one line
//!   for the recogniser, no detection) where the page's words are doubtful or missing, and keeps the
//!   more confident reading: a seal or a neighbour's text detected into the field's line, a word
//!   the region cuts, text the detector missed.

use crate::{FieldKind, Match, Template, Transform, ValueType};
use image::RgbImage;
use jikji_document::labels::is_hangul;
use jikji_geometry::{Point, Quad, Rect};
use jikji_types::PageResult;

/// One field as read.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldReading {
    pub name: String,
    pub value_type: ValueType,
    pub kind: FieldKind,
    /// The value after the value type's rules (`\n` between lines of a multiline field).
    pub text: String,
    /// 0..1: mean confidence of the characters read (0 when nothing was read); a value that fails its
    /// value type is halved; for a checkbox, how far the ink is from the decision threshold.
    pub confidence: f32,
    /// The region in page pixels.
    pub quad: Quad,
    /// `CHECKBOX` only.
    pub checked: Option<bool>,
    /// The value satisfies its value type (a `DATE` that is a real date, a `NUMERIC` with digits);
    /// `true` for `ALL` and for an empty optional field.
    pub valid: bool,
}

/// The identification region as read.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleReading {
    pub text: String,
    pub confidence: f32,
    pub quad: Quad,
}

/// A word is inside a region as a whole when this share of its box is: most of it. A word straddling
/// the edge less than this is split by characters.
pub const WHOLE_WORD_SHARE: f32 = 0.9;

/// Characters of a split word count when their centre lies within this many text heights outside the
/// region (a region drawn tight on the sample).
const CHAR_MARGIN_HEIGHTS: f32 = 0.25;

/// A word whose box has less than this share inside a region is not considered at all.
const MIN_SHARE: f32 = 0.05;

/// A tick changes the ink inside a checkbox by at least this share of its area: a check mark drawn
/// across the box's inner 70 % covers 8–15 % of it, a cross more; scan noise and the box border
/// moving by a few pixels under misalignment changed the ratio by under 3 % in
/// `tests::checkbox_decisions` (misaligned by 2 px, with JPEG-like noise).
pub const CHECK_INK_DELTA: f32 = 0.05;

/// Share of each side of a checkbox region left out of the ink count: the printed border, which moves
/// in and out of a tighter inset when the map is off by 2 px (`tests::checkbox_decisions`).
const CHECK_INSET: f32 = 0.25;

/// Sample grid per side for the ink ratio.
const INK_GRID: usize = 32;

/// A pixel is ink when its luma is under this share of the local paper's (the 90th percentile of the
/// region and its surroundings): grey print, blue or black pen.
const INK_LUMA_SHARE: f32 = 0.6;

/// Share of ink pixels inside `rect` (template coordinates, inset by [`CHECK_INSET`]) mapped by `t`
/// into `image`, whose coordinate space is `space` (the page result's size).
pub fn ink_ratio(image: &RgbImage, t: &Transform, rect: &Rect, space: (u32, u32)) -> f32 {
    let (iw, ih) = image.dimensions();
    let sx = iw as f32 / space.0.max(1) as f32;
    let sy = ih as f32 / space.1.max(1) as f32;
    let luma_at = |p: Point| -> Option<f32> {
        let q = t.apply(p);
        let (x, y) = ((q.x * sx).floor(), (q.y * sy).floor());
        if x < 0.0 || y < 0.0 || x >= iw as f32 || y >= ih as f32 {
            return None;
        }
        let px = image.get_pixel(x as u32, y as u32).0;
        Some(0.299 * px[0] as f32 + 0.587 * px[1] as f32 + 0.114 * px[2] as f32)
    };
    let grid = |r: &Rect| -> Vec<f32> {
        let mut v = Vec::with_capacity(INK_GRID * INK_GRID);
        for j in 0..INK_GRID {
            for i in 0..INK_GRID {
                let p = Point::new(
                    r.x0 + (i as f32 + 0.5) / INK_GRID as f32 * r.width(),
                    r.y0 + (j as f32 + 0.5) / INK_GRID as f32 * r.height(),
                );
                if let Some(l) = luma_at(p) {
                    v.push(l);
                }
            }
        }
        v
    };
    let (w, h) = (rect.width(), rect.height());
    let around = Rect::new(rect.x0 - w, rect.y0 - h, rect.x1 + w, rect.y1 + h);
    let mut paper = grid(&around);
    if paper.is_empty() {
        return 0.0;
    }
    paper.sort_by(f32::total_cmp);
    let white = paper[(paper.len() * 9 / 10).min(paper.len() - 1)].max(1.0);
    let inner = Rect::new(
        rect.x0 + w * CHECK_INSET,
        rect.y0 + h * CHECK_INSET,
        rect.x1 - w * CHECK_INSET,
        rect.y1 - h * CHECK_INSET,
    );
    let v = grid(&inner);
    if v.is_empty() {
        return 0.0;
    }
    v.iter().filter(|&&l| l < white * INK_LUMA_SHARE).count() as f32 / v.len() as f32
}

/// One character (or a whole word) placed in template coordinates.
#[derive(Debug, Clone)]
struct Piece {
    text: String,
    center: Point,
    height: f32,
    confidence: f32,
    /// The page word it came from (pieces of one word join without a space).
    word: usize,
    /// A character of a word the region cuts (not the whole word).
    cut: bool,
}

/// What of the page lies in `rect` (template coordinates): whole words, or the characters of words the
/// region cuts. `chars`: always split into characters (MULTI_BOX).
fn pieces_in(page: &PageResult, inv: &Transform, rect: &Rect, chars: bool) -> Vec<Piece> {
    let mut out = Vec::new();
    for (wi, w) in page.words.iter().enumerate() {
        let q = inv.apply_quad(&w.quad);
        let b = q.bbox();
        let share = rect.intersection(&b) / b.area().max(1e-3);
        if share < MIN_SHARE {
            continue;
        }
        let height = q.height().max(1.0);
        if share >= WHOLE_WORD_SHARE && !chars {
            out.push(Piece {
                text: w.text.clone(),
                center: q.center(),
                height,
                confidence: w.confidence,
                word: wi,
                cut: false,
            });
            continue;
        }
        let cs: Vec<char> = w.text.chars().collect();
        let n = cs.len().max(1) as f32;
        let m = height * CHAR_MARGIN_HEIGHTS;
        let grown = Rect::new(rect.x0 - m, rect.y0 - m, rect.x1 + m, rect.y1 + m);
        let inside: Vec<bool> = (0..cs.len())
            .map(|k| {
                let c = q.sub_span(k as f32 / n, (k as f32 + 1.0) / n).center();
                c.x >= grown.x0 && c.x <= grown.x1 && c.y >= grown.y0 && c.y <= grown.y1
            })
            .collect();
        let keep = if chars { inside } else { snap_cut(&cs, &inside) };
        for (k, c) in cs.iter().enumerate() {
            let center = q.sub_span(k as f32 / n, (k as f32 + 1.0) / n).center();
            if c.is_whitespace() || !keep[k] {
                continue;
            }
            out.push(Piece {
                text: c.to_string(),
                center,
                height,
                confidence: w.confidence,
                word: wi,
                cut: keep.iter().any(|k| !k),
            });
        }
    }
    out
}

/// A cut through a word falls where the word's box says, in proportion to character count; characters
/// are not equally wide (`~` and `.` are narrow, Hangul wide), so a cut within [`SNAP_CHARS`] of a
/// separator (`~`, `:`, `,`, `/`, `|`), of an opening bracket or of the word's end moves there:
/// `2025.01.01~2025.12.31` cut after its 13th character gives `2025.01.01`, not `25.01.01~2025`.
/// A cut that snaps to none of them and keeps less than half of the word leaves the word out: it is
/// the edge of a neighbouring value the region grazes (a copy that sets its renewal period as three
/// words, `2035.01.01 ~ 2035.12.31`, whose end the start's region reaches three characters into).
/// Measured on photos of unseen ID cards (`gen-idcards` seeds 31 and 41, 129 fields): 114 → 117
/// exact; the 122 development fields unchanged (110).
fn snap_cut(cs: &[char], inside: &[bool]) -> Vec<bool> {
    let (Some(i0), Some(last)) = (inside.iter().position(|&b| b), inside.iter().rposition(|&b| b)) else {
        return inside.to_vec();
    };
    let i1 = last + 1;
    let is_sep = |c: char| SEPARATORS.contains(c);
    let opens = |c: char| OPENING_BRACKETS.contains(c);
    let n = cs.len();
    // A word's start: just after a separator or at an opening bracket; its end: just before one.
    let is_start = |k: usize| k == 0 || is_sep(cs[k - 1]) || opens(cs[k]);
    let is_end = |k: usize| k == n || is_sep(cs[k]) || opens(cs[k]);
    let s = (0..n).filter(|&k| is_start(k)).min_by_key(|&k| k.abs_diff(i0)).filter(|&k| k.abs_diff(i0) <= SNAP_CHARS).unwrap_or(i0);
    let e = (1..=n).filter(|&k| is_end(k)).min_by_key(|&k| k.abs_diff(i1)).filter(|&k| k.abs_diff(i1) <= SNAP_CHARS).unwrap_or(i1);
    // Less than half of the word kept by a cut that found no place to snap to.
    if (!is_start(s) || !is_end(e)) && 2 * e.saturating_sub(s) < n {
        return vec![false; n];
    }
    (0..n).map(|k| k >= s && k < e.max(s)).collect()
}

/// How far (characters) a cut moves to a separator or the word's end (see [`snap_cut`]). Measured on
/// the real-image test (122 fields): 3 → 102 exact, 5 → 104 (a licence's renewal start drawn around
/// the sample's `2025.01.01` cut its copies' `2025.01.01~2025.12.31` 5 characters past the tilde, flat
/// and photo). A field's region is drawn with room to spare, so the cut misses by more than a
/// character or two.
const SNAP_CHARS: usize = 5;

/// Characters that separate a label from its value or two values in one OCR word.
const SEPARATORS: &str = "~∼:：,/|";

/// An opening bracket glued to the word before it starts a second value (`윤아우(尹雅宇)`: the name and
/// its hanja, two fields of an ID card) as far as a cut is concerned.
const OPENING_BRACKETS: &str = "([（";

/// Pieces grouped into lines (top to bottom) and ordered left to right in each.
fn lines(mut pieces: Vec<Piece>) -> Vec<Vec<Piece>> {
    pieces.sort_by(|a, b| a.center.y.total_cmp(&b.center.y));
    let mut out: Vec<Vec<Piece>> = Vec::new();
    for p in pieces {
        match out.last_mut() {
            Some(line)
                if {
                    let y = mean_y(line);
                    let h = line.iter().map(|q| q.height).sum::<f32>() / line.len() as f32;
                    (p.center.y - y).abs() < 0.5 * h.max(p.height)
                } =>
            {
                line.push(p)
            }
            _ => out.push(vec![p]),
        }
    }
    for l in &mut out {
        l.sort_by(|a, b| a.center.x.total_cmp(&b.center.x));
    }
    out
}

/// The mean centre y of a line's pieces.
fn mean_y(line: &[Piece]) -> f32 {
    line.iter().map(|p| p.center.y).sum::<f32>() / line.len().max(1) as f32
}

/// A line's pieces as text: pieces of one page word joined, words separated by spaces, except inside a
/// letter-spaced run ([`letter_spaced_joins`]).
fn join_line(line: &[Piece]) -> String {
    // The line's words: (text, centre x in template coordinates).
    let mut words: Vec<(String, f32, usize)> = Vec::new();
    for (i, p) in line.iter().enumerate() {
        match words.last_mut() {
            Some((text, x, n)) if i > 0 && line[i - 1].word == p.word => {
                text.push_str(&p.text);
                *x += p.center.x;
                *n += 1;
            }
            _ => words.push((p.text.clone(), p.center.x, 1)),
        }
    }
    let words: Vec<(String, f32)> = words.into_iter().map(|(t, x, n)| (t, x / n as f32)).collect();
    let joins = letter_spaced_joins(&words);
    let mut s = String::new();
    for (i, (text, _)) in words.iter().enumerate() {
        if i > 0 && !joins[i - 1] {
            s.push(' ');
        }
        s.push_str(text);
    }
    s
}

/// A run of at least this many one-syllable words is letter-spaced print (`대 구 세 무 서 장`, a
/// form's evenly spread value, or a wide serif face the layout split syllable by syllable), and is
/// joined back into words.
const LETTER_SPACED_RUN: usize = 3;

/// Inside a letter-spaced run, a gap wider than this many times the run's median syllable distance
/// is a real word space (`제 주 특 별 자 치 도 ∣ 제 주 시`). Measured on the real-image test (122
/// fields; 97 exact without joining runs): 1.1 → 100 (splits `대구세무서 장`), 1.15 → 101, 1.2 → 99,
/// 1.3 → 99. Syllable positions come from the recogniser's time steps and are noisy: at 1.15 the
/// letter-spaced title `사 업 자 등 록 증` already broke in two (`사업자 등록증`), so 1.3 keeps a margin
/// and gives up the one address whose word spaces are only ~1.2 times its syllable pitch.
const LETTER_SPACED_WORD_GAP: f32 = 1.3;

/// For each pair of neighbouring words (`words`: text and centre x), whether they join without a
/// space: both in a run of [`LETTER_SPACED_RUN`]+ one-syllable Hangul words, and not across a gap of
/// [`LETTER_SPACED_WORD_GAP`] times the run's median. A field's value is never a row of loose
/// syllables; the page's word split is kept everywhere else.
fn letter_spaced_joins(words: &[(String, f32)]) -> Vec<bool> {
    let syllable = |t: &str| {
        let mut cs = t.chars();
        matches!((cs.next(), cs.next()), (Some(c), None) if is_hangul(c))
    };
    let mut joins = vec![false; words.len().saturating_sub(1)];
    let mut i = 0;
    while i < words.len() {
        let mut j = i;
        while j < words.len() && syllable(&words[j].0) {
            j += 1;
        }
        if j - i >= LETTER_SPACED_RUN {
            let mut d: Vec<f32> = (i..j - 1).map(|k| words[k + 1].1 - words[k].1).collect();
            let mut sorted = d.clone();
            sorted.sort_by(f32::total_cmp);
            let median = sorted[(sorted.len() - 1) / 2];
            for (k, gap) in d.drain(..).enumerate() {
                joins[i + k] = gap <= LETTER_SPACED_WORD_GAP * median;
            }
        }
        i = j.max(i + 1);
    }
    joins
}

fn mean_conf<'a>(pieces: impl IntoIterator<Item = &'a Piece>) -> f32 {
    let (mut sum, mut n) = (0.0, 0.0);
    for p in pieces {
        let k = p.text.chars().count().max(1) as f32;
        sum += p.confidence * k;
        n += k;
    }
    if n == 0.0 {
        0.0
    } else {
        sum / n
    }
}

/// The text in a template region as the page's words give it.
pub(crate) struct RegionWords {
    /// Lines joined by the caller's separator.
    pub(crate) text: String,
    confidence: f32,
}

/// The text in a template region: lines joined by `\n` (`multiline`) or a space.
pub(crate) fn read_text(page: &PageResult, inv: &Transform, rect: &Rect, multiline: bool) -> RegionWords {
    let mut lines = lines(pieces_in(page, inv, rect, false));
    if !multiline {
        lines = single_line(lines, rect);
    }
    let confidence = mean_conf(lines.iter().flatten());
    let text = lines
        .iter()
        .map(|l| join_line(l))
        .collect::<Vec<_>>()
        .join(if multiline { "\n" } else { " " });
    RegionWords { text, confidence }
}

/// A single-line field's region holds one line of text; a line whose centre lies in the outer
/// [`EDGE_BAND`] of the region's height, above or below a line in its middle, is the neighbouring
/// row cut by the region (a licence's issue date `2023.01.16.` above its issuing authority, on a
/// photo whose map is a few pixels off) and is left out. With no line in the middle, all are kept.
fn single_line(lines: Vec<Vec<Piece>>, rect: &Rect) -> Vec<Vec<Piece>> {
    let band = EDGE_BAND * rect.height();
    let middle = |l: &Vec<Piece>| {
        let y = mean_y(l);
        y > rect.y0 + band && y < rect.y1 - band
    };
    if lines.len() < 2 {
        return lines;
    }
    if lines.iter().any(middle) {
        return lines.into_iter().filter(middle).collect();
    }
    // No line in the middle (the map is off by half a region): a line that is only the end of a word
    // the region cuts (`16.` of the issue date `2023.01.16.` above) is the neighbour's, when another
    // line has a word inside whole.
    let whole = |l: &Vec<Piece>| l.iter().any(|p| !p.cut);
    if lines.iter().any(whole) {
        return lines.into_iter().filter(whole).collect();
    }
    lines
}

/// Share of a single-line region's height, at its top and at its bottom, where a line's centre marks
/// it as a neighbour's (see [`single_line`]). A region drawn around its value with a third of the
/// text height above and below has the value's centre at 0.5 and a neighbouring row's at or past
/// the edge; 0.25 leaves the value room to sit off centre by a quarter of the region. On the
/// real-image test it removes a seal's top row from two ID cards' authorities (centres at 0.0 of
/// the region, the values at 0.5); both were already right after reading the field again, so the
/// count of exact fields does not change. The licence whose issue date lies in its authority's
/// region (`16. 경찰청장`) has neither line in the middle (its map is off by half a region): there the
/// cut word's end goes (107 → 108 exact).
const EDGE_BAND: f32 = 0.25;

/// The identification region's text (`None` when the template has none).
pub fn read_title(t: &Template, m: &Match, page: &PageResult) -> Option<TitleReading> {
    let r = t.def.title?.rect();
    let inv = m.transform.inverse()?;
    let RegionWords { text, confidence, .. } = read_text(page, &inv, &r, true);
    Some(TitleReading {
        text,
        confidence,
        quad: m.transform.apply_rect(&r),
    })
}

/// Reads page regions again as single lines of text: the engine's region reader in the product
/// (`jikji_engine::Engine::read_regions`). It gets the regions as quads in the page image's pixels
/// (TL→TR the reading direction) and answers one `(text, confidence)` per quad, or nothing at all
/// when it cannot read (the fields keep the page's words).
pub type Reread<'a> = &'a mut dyn FnMut(&[Quad]) -> Vec<(String, f32)>;

/// A single-line field is read again from its warped region when the mean confidence of the page's
/// words in it is under this. Such a field usually holds more than its value: a seal or a
/// neighbouring label read as extra words (`짱치별 세종특별자치시장`), or a word the region cuts.
/// Measured on the real-image test (`tests/real_images.rs`, 122 fields on 14 pages): reading no field
/// again 93 exact; fields under 0.9 read again 96; under 0.95 97 (one more ID card's issuing
/// authority); under 0.99 97. Fields reached under 0.95: 13 of 122, most on photos.
pub const REREAD_BELOW: f32 = 0.95;

/// The region's own reading replaces the page's words when its confidence is higher by this (no
/// other value measured: a re-reading that is more confident is kept).
pub const REREAD_MARGIN: f32 = 0.0;

/// An empty single-line field is read again when at least this share of its region's middle is ink
/// (the detector missed the text); a blank field on paper stays blank.
pub const REREAD_MIN_INK: f32 = 0.02;

/// Reads every field of `t` on `page` (matched by `m`) from the page's words; `image` is the page
/// image (any size: the page result's coordinates are scaled to it) for checkboxes. See
/// [`read_fields_with`] for the reading that also re-reads regions.
pub fn read_fields(t: &Template, m: &Match, page: &PageResult, image: &RgbImage) -> Vec<FieldReading> {
    read_fields_with(t, m, page, image, &mut |_| Vec::new())
}

/// [`read_fields`], with single-line `NORMAL` fields read again by `reread` from the warped region
/// where the page's words do not fit it: their confidence is under [`REREAD_BELOW`], or the region
/// is empty but inked ([`REREAD_MIN_INK`]: the detector missed the text). The region's own reading
/// wins when it is more confident (by [`REREAD_MARGIN`]).
pub fn read_fields_with(
    t: &Template,
    m: &Match,
    page: &PageResult,
    image: &RgbImage,
    reread: Reread<'_>,
) -> Vec<FieldReading> {
    let inv = m.transform.inverse().unwrap_or(Transform::IDENTITY);
    let space = (page.width, page.height);
    // Single-line fields to read again: (field, words' reading).
    let mut again: Vec<Again> = Vec::new();
    // Each NORMAL field's raw reading (before `finish`), for `give_back`.
    let mut raws: Vec<Option<String>> = vec![None; t.def.fields.len()];
    let mut out: Vec<FieldReading> = t
        .def
        .fields
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            let rect = f.region.rect();
            let quad = m.transform.apply_rect(&rect);
            let base = FieldReading {
                name: f.name.clone(),
                value_type: f.value_type,
                kind: f.kind,
                text: String::new(),
                confidence: 0.0,
                quad,
                checked: None,
                valid: true,
            };
            match f.kind {
                FieldKind::Checkbox => {
                    let ink = ink_ratio(image, &m.transform, &rect, space);
                    let empty = if f.sample_checked {
                        empty_box_ink(t)
                    } else {
                        t.sample_ink.get(fi).copied().flatten().unwrap_or(0.0)
                    };
                    let (checked, margin) = decide_checkbox(ink, empty);
                    FieldReading {
                        checked: Some(checked),
                        // 0.5 at the threshold, 1 two deltas away.
                        confidence: (0.5 + margin / (4.0 * CHECK_INK_DELTA)).clamp(0.5, 1.0),
                        ..base
                    }
                }
                FieldKind::MultiBox => {
                    let pieces = pieces_in(page, &inv, &rect, true);
                    match f.boxes {
                        Some(n) => {
                            let slots = one_per_box(&pieces, &rect, n as usize);
                            let (raw, conf) = join_slots(&slots);
                            if slots.iter().any(|s| s.as_ref().is_none_or(|(_, c)| *c < REREAD_BELOW)) {
                                again.push(Again::Boxes { field: fi, slots });
                            }
                            finish(base, f.value_type, &raw, conf)
                        }
                        None => {
                            let conf = mean_conf(&pieces);
                            let raw: String = lines(pieces).iter().flatten().map(|p| p.text.as_str()).collect();
                            finish(base, f.value_type, &raw, conf)
                        }
                    }
                }
                FieldKind::Normal => {
                    let words = read_text(page, &inv, &rect, f.multiline);
                    raws[fi] = Some(words.text.clone());
                    let reading = finish(base, f.value_type, &as_in_sample(t, fi, &words.text), words.confidence);
                    let doubtful = !words.text.is_empty() && words.confidence < REREAD_BELOW;
                    let missed = words.text.is_empty() && ink_ratio(image, &m.transform, &rect, space) >= REREAD_MIN_INK;
                    if !f.multiline && (doubtful || missed) {
                        again.push(Again::Field { field: fi, confidence: words.confidence });
                    }
                    reading
                }
            }
        })
        .collect();
    if again.is_empty() {
        give_back(t, &raws, &mut out);
        return out;
    }
    // Template rectangles → quads in the image's pixels.
    let (sx, sy) = (
        image.width() as f32 / page.width.max(1) as f32,
        image.height() as f32 / page.height.max(1) as f32,
    );
    let to_image = |r: &Rect| Quad::new(m.transform.apply_rect(r).pts.map(|p| Point::new(p.x * sx, p.y * sy)));
    let mut quads: Vec<Quad> = Vec::new();
    for a in &again {
        match a {
            Again::Field { field, .. } => quads.push(to_image(&t.def.fields[*field].region.rect())),
            Again::Boxes { field, slots } => {
                let r = t.def.fields[*field].region.rect();
                quads.extend((0..slots.len()).map(|k| to_image(&box_inside(&r, k, slots.len()))));
            }
        }
    }
    let mut answers = reread(&quads).into_iter();
    for a in again {
        match a {
            Again::Field { field, confidence } => {
                let Some((text, conf)) = answers.next() else { break };
                if !text.trim().is_empty() && conf > confidence + REREAD_MARGIN {
                    let base = FieldReading { text: String::new(), confidence: 0.0, ..out[field].clone() };
                    out[field] = finish(base, t.def.fields[field].value_type, &as_in_sample(t, field, &text), conf);
                    raws[field] = Some(text);
                }
            }
            Again::Boxes { field, mut slots } => {
                let n = slots.len();
                let read: Vec<(String, f32)> = answers.by_ref().take(n).collect();
                if read.len() < n {
                    break;
                }
                for (slot, (text, conf)) in slots.iter_mut().zip(read) {
                    let mut chars = text.chars().filter(|c| !c.is_whitespace());
                    let (Some(c), None) = (chars.next(), chars.next()) else { continue };
                    if slot.as_ref().is_none_or(|(_, sc)| conf > sc + REREAD_MARGIN) {
                        *slot = Some((c.to_string(), conf));
                    }
                }
                let (raw, conf) = join_slots(&slots);
                let base = FieldReading { text: String::new(), confidence: 0.0, ..out[field].clone() };
                out[field] = finish(base, t.def.fields[field].value_type, &raw, conf);
            }
        }
    }
    give_back(t, &raws, &mut out);
    out
}

/// A reading's shape: digits `9`, Hangul `가`, other letters `A`, signs as they are, spaces dropped
/// (`2035.01.01` → `9999.99.99`, `1종 보통` → `9가가가`).
pub(crate) fn shape(text: &str) -> String {
    trim_debris(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '0'..='9' => '9',
            c if is_hangul(c) => '가',
            c if c.is_alphabetic() => 'A',
            c => c,
        })
        .collect()
}

/// How many of the template's fixed-shape `NORMAL` fields (a sample shape with a digit: numbers,
/// dates, codes) read a value of the sample's shape through `map`, and how many there are.
pub(crate) fn shapes_in_place(t: &Template, map: &Transform, page: &PageResult) -> (usize, usize) {
    let inv = map.inverse().unwrap_or(Transform::IDENTITY);
    let (mut agree, mut of) = (0, 0);
    for (fi, f) in t.def.fields.iter().enumerate() {
        let Some(sample) = t.sample_shapes.get(fi).filter(|s| s.contains('9')) else { continue };
        if f.kind != FieldKind::Normal {
            continue;
        }
        of += 1;
        agree += usize::from(shape(&read_text(page, &inv, &f.region.rect(), f.multiline).text) == *sample);
    }
    (agree, of)
}

/// The field right of `a` on its row of the template (regions overlapping by half the lower one's
/// height, starting right of `a`'s middle), the nearest.
fn right_neighbour(fields: &[crate::FieldDef], a: usize) -> Option<usize> {
    let ra = fields[a].region.rect();
    (0..fields.len())
        .filter(|&b| b != a)
        .filter(|&b| {
            let rb = fields[b].region.rect();
            let overlap = ra.y1.min(rb.y1) - ra.y0.max(rb.y0);
            overlap >= 0.5 * ra.height().min(rb.height()) && rb.x0 >= ra.center().x
        })
        .min_by(|&x, &y| fields[x].region.x.total_cmp(&fields[y].region.x))
}

/// A neighbour's value given back. A copy whose label is shorter than the sample's (`갱신기간` for
/// `적성검사기간`) sets its values further left, and a region then takes its right-hand neighbour's
/// value too (`2035.01.01 ~ 2035.12.31` in the period start's region, the end's region empty: an
/// unseen licence photo, `gen-idcards` seed 61). When the neighbour on the right read nothing and
/// this reading splits, at a space or a separator, into a part of this field's sample shape and a
/// part of the neighbour's ([`shape`]), the second part is the neighbour's.
fn give_back(t: &Template, raws: &[Option<String>], out: &mut [FieldReading]) {
    let fields = &t.def.fields;
    let single = |f: usize| fields[f].kind == FieldKind::Normal && !fields[f].multiline;
    for a in (0..fields.len()).filter(|&a| single(a)) {
        let Some(b) = right_neighbour(fields, a).filter(|&b| single(b) && out[b].text.is_empty()) else { continue };
        let (Some(sa), Some(sb), Some(raw)) = (t.sample_shapes.get(a), t.sample_shapes.get(b), &raws[a]) else { continue };
        if sa.is_empty() || sb.is_empty() {
            continue;
        }
        let cuts = raw.char_indices().filter(|(_, c)| c.is_whitespace() || SEPARATORS.contains(*c));
        let Some((head, tail)) = cuts
            .map(|(i, _)| raw.split_at(i))
            .find(|(h, t)| shape(h) == *sa && shape(t) == *sb)
        else {
            continue;
        };
        let conf = out[a].confidence;
        let redo = |f: usize, part: &str, out: &mut [FieldReading]| {
            let base = FieldReading { text: String::new(), confidence: 0.0, ..out[f].clone() };
            out[f] = finish(base, fields[f].value_type, &as_in_sample(t, f, part), conf);
        };
        redo(a, head, out);
        redo(b, tail, out);
    }
}

/// A field to read again from the image once the page's words are placed.
enum Again {
    /// A single-line field, read whole from its region; the confidence of the page's words in it.
    Field { field: usize, confidence: f32 },
    /// A boxed field (`MULTI_BOX` with `boxes`), every box read alone; what the page's words put in
    /// each box.
    Boxes { field: usize, slots: Vec<Option<(String, f32)>> },
}

/// Share of a box's width (each side) and height (top and bottom) left out when the box is read
/// alone: the printed border, which the recogniser reads as `1` or `|` (`tests/forms.rs`: an 11-box
/// phone number read `0100224832` from the page's words, the second `1` lost between two borders).
const BOX_INSET: f32 = 0.12;

/// Box `k` of the `n` equal boxes across `r`, inside its border.
fn box_inside(r: &Rect, k: usize, n: usize) -> Rect {
    let w = r.width() / n as f32;
    let x0 = r.x0 + k as f32 * w;
    Rect::new(x0 + BOX_INSET * w, r.y0 + BOX_INSET * r.height(), x0 + (1.0 - BOX_INSET) * w, r.y1 - BOX_INSET * r.height())
}

/// The boxes' characters in order (empty boxes skipped) and their mean confidence.
fn join_slots(slots: &[Option<(String, f32)>]) -> (String, f32) {
    let filled: Vec<&(String, f32)> = slots.iter().flatten().collect();
    let text = filled.iter().map(|(s, _)| s.as_str()).collect();
    let conf = if filled.is_empty() {
        0.0
    } else {
        filled.iter().map(|(_, c)| c).sum::<f32>() / filled.len() as f32
    };
    (text, conf)
}

/// Ticked or not from the ink ratio, against the ink of the same box empty: ticked when the ink
/// exceeds it by [`CHECK_INK_DELTA`]. With the distance from the threshold.
pub fn decide_checkbox(ink: f32, empty_ink: f32) -> (bool, f32) {
    let threshold = empty_ink + CHECK_INK_DELTA;
    (ink > threshold, (ink - threshold).abs())
}

/// The ink of an empty box for a checkbox the sample shows ticked: the median ink of the sample's
/// unticked checkboxes (same print, same scan), or none (a blank inside: the border is left out of
/// the count) when every box of the sample is ticked. Comparing with the sample's own tick instead
/// read a thin check mark as unticked where the sample had a heavy cross (`tests/forms.rs`: 11 of
/// 160 boxes wrong, every one a box ticked on the sample).
fn empty_box_ink(t: &Template) -> f32 {
    let mut empty: Vec<f32> = t
        .def
        .fields
        .iter()
        .zip(&t.sample_ink)
        .filter(|(f, _)| f.kind == FieldKind::Checkbox && !f.sample_checked)
        .filter_map(|(_, ink)| *ink)
        .collect();
    if empty.is_empty() {
        return 0.0;
    }
    empty.sort_by(f32::total_cmp);
    empty[empty.len() / 2]
}

/// One character per box: the region split into `n` equal slots across; each slot keeps its most
/// confident character (`None`: nothing fell in it).
fn one_per_box(pieces: &[Piece], rect: &Rect, n: usize) -> Vec<Option<(String, f32)>> {
    let mut slots: Vec<Option<&Piece>> = vec![None; n];
    for p in pieces {
        let k = ((p.center.x - rect.x0) / rect.width() * n as f32).floor();
        if k < 0.0 || k >= n as f32 {
            continue;
        }
        let s = &mut slots[k as usize];
        if s.is_none_or(|q| p.confidence > q.confidence) {
            *s = Some(p);
        }
    }
    slots.iter().map(|s| s.map(|p| (p.text.clone(), p.confidence))).collect()
}

fn finish(base: FieldReading, vt: ValueType, raw: &str, conf: f32) -> FieldReading {
    // A separator at either end belongs to the label or the neighbour (`: 누리네트웍스`, `~ 2032.12.31`),
    // and so does a bracket that closes at the start or opens at the end (`) 2025.12.31`: the
    // neighbouring period's bracket cut through).
    let raw = trim_debris(raw);
    let (text, valid) = apply_value_type(vt, raw);
    FieldReading {
        text,
        valid,
        confidence: if valid { conf } else { conf * 0.5 },
        ..base
    }
}

/// A `YYYY.M.D` date in `c` from `i` (year 19xx/20xx, not inside a longer number; month and day one or
/// two digits): the indices where its month and its day start and where it ends, and whether each of
/// its dots is followed by a space.
fn date_at(c: &[char], i: usize) -> Option<(usize, usize, usize, [bool; 2])> {
    let digit = |k: usize| c.get(k).is_some_and(char::is_ascii_digit);
    let year = (0..4).all(|k| digit(i + k)) && matches!((c[i], c[i + 1]), ('1', '9') | ('2', '0')) && (i == 0 || !digit(i - 1));
    if !year {
        return None;
    }
    // After the dot at `k`: an optional space, then one or two digits (not three).
    let part = |k: usize| -> Option<(usize, usize, bool)> {
        if c.get(k) != Some(&'.') {
            return None;
        }
        let spaced = c.get(k + 1) == Some(&' ');
        let s = k + 1 + usize::from(spaced);
        let n = (0..3).take_while(|&d| digit(s + d)).count();
        (1..=2).contains(&n).then_some((s, s + n, spaced))
    };
    let (month, month_end, sp1) = part(i + 4)?;
    let (day, end, sp2) = part(month_end)?;
    Some((month, day, end, [sp1, sp2]))
}

/// How `text` sets its first `YYYY.M.D` date: `Some(true)` with a space after both dots (`2019. 5. 2.`,
/// the Korean standard), `Some(false)` otherwise (`2019.05.02`), `None` when it holds none.
pub(crate) fn date_spacing(text: &str) -> Option<bool> {
    let c: Vec<char> = text.chars().collect();
    (0..c.len().saturating_sub(3)).find_map(|i| date_at(&c, i)).map(|(_, _, _, sp)| sp == [true, true])
}

/// `text` with every `YYYY.M.D` date set with a space after each dot (`2020.2.5.` → `2020. 2. 5.`).
/// A field whose sample sets its date that way is read so: a copy prints it the same way, and the
/// recogniser drops spaces that narrow on a photo (the gap after a spaced date's dot measured 0.54–0.69
/// text heights on photos of unseen ID cards, against 0.68–0.82 on the flat copies and the 0.7 the
/// layout needs to call it a space, `jikji_layout`'s `SPACED_DATE_GAP`).
pub(crate) fn space_dates(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 4);
    let mut i = 0;
    while i < c.len() {
        if let Some((month, day, end, _)) = (i + 3 < c.len()).then(|| date_at(&c, i)).flatten() {
            let digits = |a: usize| c[a..].iter().take_while(|ch| ch.is_ascii_digit()).collect::<String>();
            out.extend(&c[i..i + 4]);
            out.push_str(". ");
            out.push_str(&digits(month));
            out.push_str(". ");
            out.push_str(&digits(day));
            i = end;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// A Normal field's reading set as the sample sets it (see [`space_dates`]).
fn as_in_sample<'a>(t: &Template, field: usize, raw: &'a str) -> std::borrow::Cow<'a, str> {
    if t.spaced_dates.get(field).copied().unwrap_or(false) && date_spacing(raw) == Some(false) {
        space_dates(raw).into()
    } else {
        raw.into()
    }
}

/// Bracket pairs [`trim_debris`] knows.
const BRACKETS: [(char, char); 4] = [('(', ')'), ('[', ']'), ('{', '}'), ('（', '）')];

/// `raw` without separators, whitespace, closing brackets at its start and opening brackets at its end
/// (a value never starts with `)` or ends with `(`; `(주)한빛` and `2층 (역삼동)` keep theirs), nor
/// a bracket at either end whose partner the text does not hold (`장기기증)`).
fn trim_debris(raw: &str) -> &str {
    let mut s = raw;
    loop {
        let mut t = s
            .trim_matches(|c: char| c.is_whitespace() || SEPARATORS.contains(c))
            .trim_start_matches([')', ']', '}', '）'])
            .trim_end_matches(['(', '[', '{', '（']);
        // A bracket at an end whose partner is not in the text at all: the partner lay outside the
        // region, and the bracket belongs with it (`장기기증)` read from `(장기기증)` by a region drawn
        // around the word).
        for (open, close) in BRACKETS {
            if t.ends_with(close) && !t.contains(open) {
                t = &t[..t.len() - close.len_utf8()];
            }
            if t.starts_with(open) && !t.contains(close) {
                t = &t[open.len_utf8()..];
            }
        }
        if t.len() == s.len() {
            return t;
        }
        s = t;
    }
}

/// The value type's rules: what is kept, and whether the value is valid. An empty reading is valid
/// (a field left blank on the form).
///
/// * `NUMERIC`: digits, with letters OCR confuses with digits read as digits (`O`→`0`, `l`→`1`, …;
///   the Document OCR table, `jikji_document::validate::letter_to_digit`); everything else dropped;
///   invalid when a character was neither.
/// * `HANGUL` / `ALPHABET`: Hangul syllables / Latin letters and single spaces; invalid when something
///   else had to be dropped.
/// * `DATE`: the first date found (`jikji_document::patterns::find_dates`: `2024.01.02`,
///   `2015 년 03 월 12 일`, `25/12/2018`, …) as `YYYY-MM-DD`; invalid (text kept) when there is none
///   or it does not exist in the calendar.
pub fn apply_value_type(vt: ValueType, raw: &str) -> (String, bool) {
    let raw = raw.trim();
    if raw.is_empty() {
        return (String::new(), true);
    }
    match vt {
        ValueType::All => (raw.to_string(), true),
        ValueType::Numeric => {
            let mut ok = true;
            let mut s = String::new();
            for c in raw.chars() {
                if c.is_ascii_digit() {
                    s.push(c);
                } else if let Some(d) = jikji_document::validate::letter_to_digit(c) {
                    s.push(d);
                } else if !(c.is_whitespace() || "-,./".contains(c)) {
                    ok = false;
                }
            }
            let valid = ok && !s.is_empty();
            (s, valid)
        }
        ValueType::Hangul => keep_letters(raw, is_hangul),
        ValueType::Alphabet => keep_letters(raw, |c| c.is_ascii_alphabetic()),
        ValueType::Date => match jikji_document::patterns::find_dates(raw).into_iter().next() {
            Some(d) if d.exists() => (format!("{:04}-{:02}-{:02}", d.year, d.month, d.day), true),
            _ => (raw.to_string(), false),
        },
    }
}

fn keep_letters(raw: &str, keep: impl Fn(char) -> bool) -> (String, bool) {
    let mut ok = true;
    let mut s = String::new();
    for c in raw.chars() {
        if keep(c) {
            s.push(c);
        } else if c.is_whitespace() {
            if !s.ends_with(' ') && !s.is_empty() {
                s.push(' ');
            }
        } else {
            ok = false;
        }
    }
    let s = s.trim_end().to_string();
    let valid = ok && !s.is_empty();
    (s, valid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::*;
    use crate::{FieldDef, Region, TemplateDef, TemplateSet};

    /// A match of template 0 whose map is the identity (template space = page space).
    fn identity_match() -> Match {
        Match {
            template: 0,
            transform: Transform::IDENTITY,
            model: crate::Model::Similarity,
            score: 1.0,
            inliers: 9,
            title_found: true,
            values_in_place: None,
        }
    }

    #[test]
    fn value_types() {
        assert_eq!(apply_value_type(ValueType::Numeric, "12,5O0"), ("12500".into(), true));
        assert_eq!(apply_value_type(ValueType::Numeric, "528-75-02751"), ("5287502751".into(), true));
        assert_eq!(apply_value_type(ValueType::Numeric, "금액 12"), ("12".into(), false));
        assert_eq!(apply_value_type(ValueType::Numeric, ""), ("".into(), true));
        assert_eq!(apply_value_type(ValueType::Hangul, "김 철수"), ("김 철수".into(), true));
        assert_eq!(apply_value_type(ValueType::Hangul, "김철수1"), ("김철수".into(), false));
        assert_eq!(apply_value_type(ValueType::Alphabet, "KIM  CHUL"), ("KIM CHUL".into(), true));
        assert_eq!(apply_value_type(ValueType::Alphabet, "김"), ("".into(), false));
        assert_eq!(apply_value_type(ValueType::Date, "2015 년 03 월 12 일"), ("2015-03-12".into(), true));
        assert_eq!(apply_value_type(ValueType::Date, "2024.1.2"), ("2024-01-02".into(), true));
        assert_eq!(apply_value_type(ValueType::Date, "2023.02.30"), ("2023.02.30".into(), false));
        assert_eq!(apply_value_type(ValueType::Date, "미정"), ("미정".into(), false));
        assert_eq!(apply_value_type(ValueType::All, " a b "), ("a b".into(), true));
    }

    #[test]
    fn a_cut_snaps_to_an_opening_bracket() {
        let cs: Vec<char> = "윤아우(尹雅宇)".chars().collect();
        let mask = |k: std::ops::Range<usize>| (0..cs.len()).map(|i| k.contains(&i)).collect::<Vec<bool>>();
        let kept = |m: Vec<bool>| cs.iter().zip(m).filter(|(_, k)| *k).map(|(c, _)| *c).collect::<String>();
        // The name's region ends a character into the hanja (a Hangul syllable is wider than `(`).
        assert_eq!(kept(snap_cut(&cs, &mask(0..4))), "윤아우");
        assert_eq!(kept(snap_cut(&cs, &mask(4..8))), "(尹雅宇)");
        let cs: Vec<char> = "(주)한빛".chars().collect();
        let m: Vec<bool> = (0..cs.len()).map(|i| i < 4).collect();
        assert_eq!(snap_cut(&cs, &m), vec![true; 5], "a leading bracket is not an end");
    }

    #[test]
    fn a_word_grazed_by_a_cut_that_snaps_nowhere_is_left_out() {
        let cs: Vec<char> = "2035.12.31".chars().collect();
        let mask = |k: std::ops::Range<usize>| (0..cs.len()).map(|i| k.contains(&i)).collect::<Vec<bool>>();
        // The region reaches 3 characters into the next value: none of it is this field's.
        assert_eq!(snap_cut(&cs, &mask(0..3)), vec![false; 10]);
        // The same at the region's start: the end of the value before it.
        assert_eq!(snap_cut(&cs, &mask(7..10)), vec![false; 10]);
        // Most of a long word inside, no place to snap to: the cut stays where it falls.
        let cs: Vec<char> = "ABCDEFGHIJKLMNOPQRST".chars().collect();
        let mask = |k: std::ops::Range<usize>| (0..cs.len()).map(|i| k.contains(&i)).collect::<Vec<bool>>();
        assert_eq!(snap_cut(&cs, &mask(0..12)), mask(0..12));
        assert_eq!(snap_cut(&cs, &mask(0..9)), vec![false; 20]);
    }

    #[test]
    fn a_single_line_field_leaves_out_a_neighbours_row_at_its_edge() {
        let piece = |text: &str, y: f32| Piece {
            text: text.into(),
            center: Point::new(100.0, y),
            height: 20.0,
            confidence: 0.9,
            word: 0,
            cut: false,
        };
        let rect = Rect::new(0.0, 100.0, 300.0, 140.0);
        // A seal's top row at the region's top edge, the value in its middle.
        let got = single_line(vec![vec![piece("장구동", 102.0)], vec![piece("동작구청장", 121.0)]], &rect);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0][0].text, "동작구청장");
        // Nothing in the middle (the map is off): the end of a cut word goes, whole words stay.
        let cut = Piece { cut: true, ..piece("16.", 101.0) };
        let got = single_line(vec![vec![cut.clone()], vec![piece("경찰청장", 139.0)]], &rect);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0][0].text, "경찰청장");
        let got = single_line(vec![vec![piece("2023.01.16.", 101.0)], vec![piece("경찰청장", 139.0)]], &rect);
        assert_eq!(got.len(), 2, "two whole lines, neither in the middle: both kept");
    }

    #[test]
    fn debris_at_a_fields_ends_is_trimmed() {
        assert_eq!(trim_debris(") 2025.12.31"), "2025.12.31");
        assert_eq!(trim_debris(": 누리네트웍스 ~"), "누리네트웍스");
        assert_eq!(trim_debris("~) 2025.12.31 ("), "2025.12.31");
        assert_eq!(trim_debris("(주)한빛"), "(주)한빛");
        assert_eq!(trim_debris("2층 (역삼동)"), "2층 (역삼동)");
        assert_eq!(trim_debris("장기기증)"), "장기기증");
        assert_eq!(trim_debris("(장기기증"), "장기기증");
        assert_eq!(trim_debris("(F-4)"), "(F-4)");
        assert_eq!(trim_debris("재외동포(F-4)"), "재외동포(F-4)");
    }

    #[test]
    fn a_field_whose_sample_spaces_its_date_reads_spaced() {
        assert_eq!(date_spacing("2016. 7. 3."), Some(true));
        assert_eq!(date_spacing("발급 2024.08.16."), Some(false));
        assert_eq!(date_spacing("2024. 08.16"), Some(false));
        assert_eq!(date_spacing("12025.1.1"), None);
        assert_eq!(date_spacing("1.5.2"), None);
        assert_eq!(space_dates("2020.2.5."), "2020. 2. 5.");
        assert_eq!(space_dates("2012.12.2"), "2012. 12. 2");
        assert_eq!(space_dates("~2024. 08.16 까지"), "~2024. 08. 16 까지");
        assert_eq!(space_dates("110.00 2019.123.4"), "110.00 2019.123.4");
        let mut t = Template {
            def: TemplateDef { name: "t".into(), title: None, fields: vec![], validation_url: None },
            width: 10,
            height: 10,
            anchors: vec![],
            line_starts: vec![],
            sample_ink: vec![],
            spaced_dates: vec![true, false],
            sample_shapes: vec![],
            title_parts: vec![],
        };
        assert_eq!(as_in_sample(&t, 0, "2020.2.5."), "2020. 2. 5.");
        assert_eq!(as_in_sample(&t, 1, "2020.2.5."), "2020.2.5.");
        t.spaced_dates.clear();
        assert_eq!(as_in_sample(&t, 0, "2020.2.5."), "2020.2.5.");
    }

    #[test]
    fn fields_are_read_through_the_map() {
        let t = crate::tests::order_template();
        let set = TemplateSet::new(vec![t.clone()]);
        for deg in [0.0f32, 6.0, 90.0, 180.0, 270.0] {
            let map = rotation(deg, 0.8, 900.0, 900.0);
            let p = page(
                &crate::tests::form_words(["99881", "2025년 3월 4일", "이영희", "부산시"]),
                &map,
                (1800, 1800),
            );
            let m = set.match_page(&p).unwrap();
            let img = crate::tests::white(1800, 1800);
            let r = read_fields(&t, &m, &p, &img);
            let texts: Vec<&str> = r.iter().map(|f| f.text.as_str()).collect();
            assert_eq!(texts, ["99881", "2025-03-04", "이영희", "부산시"], "{deg}");
            assert!(r.iter().all(|f| f.valid && f.confidence > 0.9));
            assert_eq!(read_title(&t, &m, &p).unwrap().text, "물품 주문서");
        }
    }

    #[test]
    fn multiline_split_words_and_multibox() {
        // Template space = page space.
        let id = Transform::IDENTITY;
        let p = page(
            &[
                ("주소:서울시", 100.0, 100.0, 300.0, 30.0, false),
                ("중구", 420.0, 100.0, 100.0, 30.0, true),
                ("세종대로", 220.0, 150.0, 200.0, 30.0, true),
                ("1", 600.0, 300.0, 20.0, 30.0, false),
                ("2", 640.0, 300.0, 20.0, 30.0, false),
                ("34", 680.0, 300.0, 60.0, 30.0, true),
            ],
            &id,
            (1000, 1000),
        );
        let m = identity_match();
        let field = |name: &str, region: Region, kind, multiline, boxes| FieldDef {
            name: name.into(),
            region,
            value_type: ValueType::All,
            kind,
            multiline,
            boxes,
            sample_checked: false,
        };
        let t = Template {
            def: TemplateDef {
                name: "t".into(),
                title: None,
                fields: vec![
                    // The region starts after `주소:` (3 of 6 characters of the first word) and cuts `세종대로`'s
                    // first character in half.
                    field("addr", Region { x: 250.0, y: 90.0, width: 300.0, height: 100.0 }, FieldKind::Normal, true, None),
                    field("code", Region { x: 590.0, y: 290.0, width: 160.0, height: 50.0 }, FieldKind::MultiBox, false, Some(4)),
                    field("code2", Region { x: 590.0, y: 290.0, width: 160.0, height: 50.0 }, FieldKind::MultiBox, false, None),
                ],
                validation_url: None,
            },
            width: 1000,
            height: 1000,
            anchors: vec![],
            line_starts: vec![],
            sample_ink: vec![None, None, None],
            spaced_dates: vec![],
            sample_shapes: vec![],
            title_parts: vec![],
        };
        let r = read_fields(&t, &m, &p, &crate::tests::white(1000, 1000));
        assert_eq!(r[0].text, "서울시 중구\n세종대로");
        assert_eq!(r[1].text, "1234");
        assert_eq!(r[2].text, "1234");
    }

    #[test]
    fn a_neighbours_value_is_given_back_by_its_sample_shape() {
        // A period's start and end regions; on this copy the label is shorter, so both dates sit in
        // the start's region and the end's is empty.
        let p = page(
            &[
                ("갱신기간", 40.0, 100.0, 120.0, 30.0, false),
                ("2035.01.01", 180.0, 100.0, 150.0, 30.0, false),
                ("~", 340.0, 100.0, 20.0, 30.0, false),
                ("2035.12.31", 370.0, 100.0, 150.0, 30.0, true),
            ],
            &Transform::IDENTITY,
            (1000, 400),
        );
        let field = |name: &str, x: f32, width: f32, value_type| FieldDef {
            name: name.into(),
            region: Region { x, y: 90.0, width, height: 50.0 },
            value_type,
            kind: FieldKind::Normal,
            multiline: false,
            boxes: None,
            sample_checked: false,
        };
        let template = |shapes: Vec<&str>, end_type| Template {
            def: TemplateDef {
                name: "t".into(),
                title: None,
                fields: vec![field("start", 170.0, 380.0, ValueType::All), field("end", 560.0, 200.0, end_type)],
                validation_url: None,
            },
            width: 1000,
            height: 400,
            anchors: vec![],
            line_starts: vec![],
            sample_ink: vec![None, None],
            spaced_dates: vec![],
            sample_shapes: shapes.into_iter().map(String::from).collect(),
            title_parts: vec![],
        };
        let img = crate::tests::white(1000, 400);
        let read = |t: &Template| -> Vec<String> { read_fields(t, &identity_match(), &p, &img).into_iter().map(|f| f.text).collect() };
        assert_eq!(read(&template(vec!["9999.99.99", "9999.99.99"], ValueType::All)), ["2035.01.01", "2035.12.31"]);
        assert_eq!(read(&template(vec!["9999.99.99", "9999.99.99"], ValueType::Date)), ["2035.01.01", "2035-12-31"]);
        // Shapes that do not fit (or none learned: a template built before) leave the reading as it is.
        assert_eq!(read(&template(vec!["9999.99.99", "가가가"], ValueType::All)), ["2035.01.01 ~ 2035.12.31", ""]);
        assert_eq!(read(&template(vec![], ValueType::All)), ["2035.01.01 ~ 2035.12.31", ""]);
        assert_eq!(shape(" 1종 보통~"), "9가가가");
    }

    /// Draws a box outline (and optionally a tick) into an image, in page coordinates.
    fn draw_box(img: &mut RgbImage, x: u32, y: u32, s: u32, tick: bool) {
        let ink = image::Rgb([30, 30, 30]);
        for i in 0..s {
            for k in 0..3 {
                img.put_pixel(x + i, y + k, ink);
                img.put_pixel(x + i, y + s - 1 - k, ink);
                img.put_pixel(x + k, y + i, ink);
                img.put_pixel(x + s - 1 - k, y + i, ink);
            }
        }
        if tick {
            // A check mark: down-right then up-right, 4 px thick.
            let s = s as f32;
            let mut stroke = |a: (f32, f32), b: (f32, f32)| {
                for t in 0..200 {
                    let t = t as f32 / 199.0;
                    let (cx, cy) = (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1));
                    for dx in -2..2 {
                        for dy in -2..2 {
                            img.put_pixel((x as f32 + cx) as u32 + dx as u32, (y as f32 + cy) as u32 + dy as u32, ink);
                        }
                    }
                }
            };
            stroke((0.2 * s, 0.5 * s), (0.42 * s, 0.75 * s));
            stroke((0.42 * s, 0.75 * s), (0.8 * s, 0.22 * s));
        }
    }

    fn noisy(img: &mut RgbImage, seed: u64) {
        let mut rng = crate::transform::tests_rng(seed);
        for p in img.pixels_mut() {
            let n = (rng() * 40.0) as i32 - 20;
            for c in &mut p.0 {
                *c = (*c as i32 + n).clamp(0, 255) as u8;
            }
        }
    }

    #[test]
    fn checkbox_decisions() {
        let mut sample = crate::tests::white(400, 200);
        draw_box(&mut sample, 100, 80, 40, false);
        let region = Rect::new(96.0, 76.0, 144.0, 124.0);
        let sample_ink = ink_ratio(&sample, &Transform::IDENTITY, &region, (400, 200));
        let mut right = 0;
        let mut total = 0;
        for (i, (dx, dy)) in [(0i32, 0i32), (2, 0), (0, 2), (-2, 2), (2, -2), (1, 1)].iter().enumerate() {
            for tick in [false, true] {
                let mut img = crate::tests::white(400, 200);
                draw_box(&mut img, (100 + dx) as u32, (80 + dy) as u32, 40, tick);
                noisy(&mut img, i as u64 + 1);
                let ink = ink_ratio(&img, &Transform::IDENTITY, &region, (400, 200));
                let (checked, _) = decide_checkbox(ink, sample_ink);
                total += 1;
                right += usize::from(checked == tick);
                if !tick {
                    assert!((ink - sample_ink).abs() < 0.03, "{ink} vs {sample_ink}");
                }
            }
        }
        assert_eq!(right, total);
        // A page at half the size of its result's coordinates (the image is scaled, not the result).
        let mut small = crate::tests::white(200, 100);
        draw_box(&mut small, 50, 40, 20, true);
        let ink = ink_ratio(&small, &Transform::IDENTITY, &region, (400, 200));
        assert!(decide_checkbox(ink, sample_ink).0);
    }

    #[test]
    fn a_box_ticked_on_the_sample_is_judged_against_the_empty_boxes() {
        let cb = |name: &str, x: f32, sample_checked: bool| FieldDef {
            name: name.into(),
            region: Region { x, y: 76.0, width: 48.0, height: 48.0 },
            value_type: ValueType::All,
            kind: FieldKind::Checkbox,
            multiline: false,
            boxes: None,
            sample_checked,
        };
        // The sample: a heavy tick in the first box, the two others empty.
        let mut sample = crate::tests::white(400, 200);
        draw_box(&mut sample, 100, 80, 40, true);
        draw_box(&mut sample, 200, 80, 40, false);
        draw_box(&mut sample, 300, 80, 40, false);
        let fields = vec![cb("a", 96.0, true), cb("b", 196.0, false), cb("c", 296.0, false)];
        let sample_ink: Vec<Option<f32>> = fields
            .iter()
            .map(|f| Some(ink_ratio(&sample, &Transform::IDENTITY, &f.region.rect(), (400, 200))))
            .collect();
        let mut t = Template {
            def: TemplateDef { name: "t".into(), title: None, fields, validation_url: None },
            width: 400,
            height: 200,
            anchors: vec![],
            line_starts: vec![],
            sample_ink,
            spaced_dates: vec![],
            sample_shapes: vec![],
            title_parts: vec![],
        };
        assert!(empty_box_ink(&t) < 0.03);
        let m = identity_match();
        let p = page(&[], &Transform::IDENTITY, (400, 200));
        // A copy: the first box empty, the second ticked.
        let mut copy = crate::tests::white(400, 200);
        draw_box(&mut copy, 100, 80, 40, false);
        draw_box(&mut copy, 200, 80, 40, true);
        draw_box(&mut copy, 300, 80, 40, false);
        let checked: Vec<Option<bool>> = read_fields(&t, &m, &p, &copy).iter().map(|f| f.checked).collect();
        assert_eq!(checked, [Some(false), Some(true), Some(false)]);
        // A thin tick in the first box is ticked, though it has far less ink than the sample's.
        let mut thin = crate::tests::white(400, 200);
        draw_box(&mut thin, 100, 80, 40, false);
        for k in 0..20 {
            for d in 0..2 {
                thin.put_pixel(112 + k, 92 + k + d, image::Rgb([20, 20, 120]));
            }
        }
        let ink = ink_ratio(&thin, &Transform::IDENTITY, &t.def.fields[0].region.rect(), (400, 200));
        assert!(ink < t.sample_ink[0].unwrap() - CHECK_INK_DELTA, "thinner than the sample's tick");
        assert_eq!(read_fields(&t, &m, &p, &thin)[0].checked, Some(true));
        // Every box ticked on the sample: an empty box is a blank inside.
        for f in &mut t.def.fields {
            f.sample_checked = true;
        }
        assert_eq!(empty_box_ink(&t), 0.0);
        assert_eq!(read_fields(&t, &m, &p, &copy)[0].checked, Some(false));
    }

    #[test]
    fn fields_are_read_again_where_the_words_do_not_fit() {
        let id = Transform::IDENTITY;
        // `성명:홍길동` detected as one word with a doubtful reading; `전화` has no word (the detector
        // missed it) but ink; `비고` is blank paper; `주소` is a whole confident word.
        let mut p = page(
            &[
                ("성명:홍길퉁", 100.0, 100.0, 300.0, 30.0, true),
                ("서울시", 250.0, 300.0, 150.0, 30.0, true),
            ],
            &id,
            (1000, 1000),
        );
        p.words[0].confidence = 0.7;
        let m = identity_match();
        let field = |name: &str, y: f32| FieldDef {
            name: name.into(),
            region: Region { x: 240.0, y, width: 200.0, height: 50.0 },
            value_type: ValueType::All,
            kind: FieldKind::Normal,
            multiline: false,
            boxes: None,
            sample_checked: false,
        };
        let t = Template {
            def: TemplateDef {
                name: "t".into(),
                title: None,
                fields: vec![field("name", 90.0), field("phone", 190.0), field("note", 390.0), field("addr", 290.0)],
                validation_url: None,
            },
            width: 1000,
            height: 1000,
            anchors: vec![],
            line_starts: vec![],
            sample_ink: vec![None; 4],
            spaced_dates: vec![],
            sample_shapes: vec![],
            title_parts: vec![],
        };
        // The image at half the result's size, with ink where `전화`'s value is.
        let mut img = crate::tests::white(500, 500);
        for y in 105..115 {
            for x in 130..200 {
                img.put_pixel(x, y, image::Rgb([20, 20, 20]));
            }
        }
        let mut asked: Vec<Quad> = Vec::new();
        let answers = [("홍길동", 0.95), ("010-1234-5678", 0.9)];
        let r = read_fields_with(&t, &m, &p, &img, &mut |quads| {
            asked.extend_from_slice(quads);
            answers.iter().map(|(s, c)| (s.to_string(), *c)).collect()
        });
        let texts: Vec<&str> = r.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["홍길동", "010-1234-5678", "", "서울시"]);
        assert!((r[0].confidence - 0.95).abs() < 1e-6);
        // Only the cut word's field and the inked empty one were read again, in image pixels.
        assert_eq!(asked.len(), 2);
        assert_eq!(asked[0].bbox(), Rect::new(120.0, 45.0, 220.0, 70.0));
        // A re-reading less confident than the words keeps the words; no answer keeps them too.
        let r = read_fields_with(&t, &m, &p, &img, &mut |q| q.iter().map(|_| ("홍길둥".to_string(), 0.6)).collect());
        assert_eq!(r[0].text, "홍길퉁");
        assert_eq!(r[1].text, "홍길둥", "an empty field takes any reading the engine kept");
        let r = read_fields_with(&t, &m, &p, &img, &mut |_| Vec::new());
        assert_eq!(r[0].text, "홍길퉁");
    }

    #[test]
    fn boxes_are_read_one_by_one_when_the_words_are_doubtful() {
        let id = Transform::IDENTITY;
        // Eleven boxes 40 px wide; the page read the row as one word with a digit lost.
        let mut p = page(&[("0100224832", 100.0, 100.0, 440.0, 40.0, true)], &id, (1000, 1000));
        p.words[0].confidence = 0.8;
        let t = Template {
            def: TemplateDef {
                name: "t".into(),
                title: None,
                fields: vec![FieldDef {
                    name: "phone".into(),
                    region: Region { x: 100.0, y: 95.0, width: 440.0, height: 50.0 },
                    value_type: ValueType::Numeric,
                    kind: FieldKind::MultiBox,
                    multiline: false,
                    boxes: Some(11),
                    sample_checked: false,
                }],
                validation_url: None,
            },
            width: 1000,
            height: 1000,
            anchors: vec![],
            line_starts: vec![],
            sample_ink: vec![None],
            spaced_dates: vec![],
            sample_shapes: vec![],
            title_parts: vec![],
        };
        let m = identity_match();
        let img = crate::tests::white(1000, 1000);
        let mut asked = Vec::new();
        let r = read_fields_with(&t, &m, &p, &img, &mut |q| {
            asked.extend_from_slice(q);
            // Box by box; the fourth answers two characters (a border read as `|`): not taken.
            "01010224832"
                .chars()
                .enumerate()
                .map(|(k, c)| (if k == 3 { format!("|{c}") } else { c.to_string() }, 0.9))
                .collect()
        });
        assert_eq!(asked.len(), 11);
        // The first box inside its border.
        let b = asked[0].bbox();
        assert!((b.x0 - 104.8).abs() < 0.01 && (b.x1 - 135.2).abs() < 0.01 && (b.y0 - 101.0).abs() < 0.01);
        // Box 4 keeps the page's `0` (box 4 of the word's proportional split); the rest re-read.
        assert_eq!(r[0].text, "01000224832");
        // Confident boxes are not read again.
        p.words[0].text = "01010224832".into();
        p.words[0].confidence = 0.99;
        let r = read_fields_with(&t, &m, &p, &img, &mut |_| panic!("nothing to read again"));
        assert_eq!(r[0].text, "01010224832");
    }

    #[test]
    fn letter_spaced_runs_are_joined_at_their_syllable_pitch() {
        let w = |v: &[(&str, f32)]| -> Vec<(String, f32)> { v.iter().map(|(t, x)| (t.to_string(), *x)).collect() };
        // `대 구 세 무 서 장`: one word.
        let tax = w(&[("대", 0.0), ("구", 30.0), ("세", 61.0), ("무", 90.0), ("서", 121.0), ("장", 150.0)]);
        assert_eq!(letter_spaced_joins(&tax), [true; 5]);
        // Two words of a spaced run: the wider gap stays a space.
        let addr = w(&[("제", 0.0), ("주", 30.0), ("시", 60.0), ("퇴", 105.0), ("계", 135.0), ("로", 165.0)]);
        assert_eq!(letter_spaced_joins(&addr), [true, true, false, true, true]);
        // Two one-syllable words are no run; longer words are never joined.
        let short = w(&[("및", 0.0), ("그", 30.0), ("서비스업", 120.0), ("가", 200.0)]);
        assert_eq!(letter_spaced_joins(&short), [false, false, false]);
        // Digits and Latin letters are not syllables.
        let mixed = w(&[("1", 0.0), ("2", 30.0), ("3", 60.0), ("A", 90.0)]);
        assert_eq!(letter_spaced_joins(&mixed), [false; 3]);
    }
}
