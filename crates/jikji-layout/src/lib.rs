//! Layout: from recognised text lines to CLOVA's words, line breaks and reading order.
//!
//! The detector finds line *fragments* (one box per run of text; a receipt row "COFFEE ...... 4.50" is
//! usually two boxes), and the recogniser reads each fragment with a position per character. This stage
//!
//! 1. splits each fragment into words — at predicted spaces **and** at visual gaps between character
//!    positions, because letter-spaced labels (`사 업 자 등 록 증`) come out of the recogniser unspaced;
//!    and where the text itself says a space was dropped: a spaced date's dots (`2019. 5. 2`), a list
//!    comma between numbers (`252-2, 2층`), a date's units set one way (`2022년 01월 03일`); a month
//!    read as a day after a year (`2002년 03일 01일`) is repaired;
//! 2. groups fragments into visual rows (their vertical extents overlap, taking the fragment's slant
//!    into account) and orders rows top to bottom, fragments left to right;
//! 3. marks the last word of each row with `line_break`;
//! 4. splits a fragment into separate output lines (same row, one `line_break`) at column-wide gaps and
//!    where the type changes beside Hangul: a small grey label and the larger value printed after it
//!    in one box are two text items (see [`LayoutConfig::size_split`] and [`LayoutConfig::label_tone`]).

use jikji_geometry::{Point, Quad};
use serde::Serialize;

/// One character of a recognised fragment, placed on the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub ch: String,
    /// Centre along the fragment's reading direction, as a fraction 0..1 of the fragment's length.
    pub t: f32,
    pub confidence: f32,
    /// Top and bottom of the character's ink as fractions of the fragment's height (0 = top edge of the
    /// fragment's quad, 1 = bottom edge; may reach outside 0..1), when measured. Tells a small label
    /// from a larger value printed in one detector box.
    pub ink: Option<(f32, f32)>,
    /// How dark the character's ink is (0..1 of the crop's contrast), when measured.
    pub depth: Option<f32>,
}

/// A recognised fragment (one detector box).
#[derive(Debug, Clone)]
pub struct Fragment {
    pub quad: Quad,
    pub glyphs: Vec<Glyph>,
}

/// A word of the output (the shared result type).
pub use jikji_types::Word;

/// A fragment of the output with its words (in reading order).
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub text: String,
    pub quad: Quad,
    pub confidence: f32,
    pub words: Vec<Word>,
    /// Index (in the input of [`layout`]) of the fragment the line was cut from.
    pub fragment: usize,
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
    /// Split a fragment into separate lines between two words whose type sizes (estimated from the
    /// characters' ink, see [`type_size`]) differ by this factor or more: a small grey label and a large
    /// value in one box (`적성검사기간 2032.01.01 ~ …`, `국세청 National Tax Service`). The pieces' boxes
    /// are then fitted to their own ink.
    pub size_split: f32,
    /// See [`LayoutConfig::label_tone`].
    pub label_size: f32,
    /// Split between a smaller, lighter word and a larger, darker one when their type sizes differ by
    /// [`LayoutConfig::label_size`] and their ink depths by this factor (`적성검사기간` in grey before
    /// the date it labels).
    pub label_tone: f32,
}

impl Default for LayoutConfig {
    fn default() -> Self {
        LayoutConfig {
            gap_split: 1.45,
            column_gap: 1.5,
            letter_spacing: 1.05,
            size_split: 1.45,
            label_size: 1.18,
            label_tone: 1.25,
        }
    }
}

/// Ink height of a character relative to a Hangul syllable of the same type size, for the characters
/// whose height tells the size: Hangul/CJK 1.0; digits, capitals and ascender letters 0.82 (cap height
/// is ~0.72 em, a Hangul syllable's ink ~0.88 em). Lower-case x-height letters and punctuation say
/// nothing about the size (`None`).
fn size_factor(ch: &str) -> Option<f32> {
    let c = ch.chars().next()?;
    if is_wide(ch) {
        Some(1.0)
    } else if c.is_ascii_digit() || c.is_ascii_uppercase() || "bdfhklt".contains(c) {
        Some(0.82)
    } else {
        None
    }
}

/// Estimated type size of a word (in fragment heights): the median of its characters' ink heights
/// divided by their [`size_factor`] (the median, not the largest: a red seal stamped over the last
/// syllables of `…구청장` made the largest twice too tall). `None` when fewer than two characters tell
/// it: one character's ink is too noisy to split a line on.
pub fn type_size(glyphs: &[&Glyph]) -> Option<f32> {
    let v: Vec<f32> = glyphs
        .iter()
        .filter_map(|g| Some((g.ink?, size_factor(&g.ch)?)))
        .map(|((top, bottom), k)| (bottom - top).max(0.0) / k)
        .collect();
    if v.len() < 2 {
        return None;
    }
    let mut v = v;
    v.sort_by(f32::total_cmp);
    Some(v[v.len() / 2])
}

/// Whether two neighbouring words of one fragment are set differently enough to be separate text
/// items: type sizes apart by [`LayoutConfig::size_split`], or a smaller *and* lighter word beside a
/// larger, darker one (a grey label before its value: sizes apart by [`LayoutConfig::label_size`],
/// ink depths by [`LayoutConfig::label_tone`]). Colour alone is not enough: name cards print `Tel`
/// in a brand colour at the size of the number that follows, and the two are read as one line. Only
/// pairs with Hangul/CJK on at least one side are judged.
fn split_by_type(a: &SizedWord, b: &SizedWord, cfg: &LayoutConfig) -> bool {
    // Only beside Hangul: the ink of Latin letters is measured in narrow windows around noisy CTC
    // positions, and on English receipts (SROIE) all-caps words in one font came out 1.5x apart.
    if !a
        .word
        .text
        .chars()
        .chain(b.word.text.chars())
        .any(is_wide_char)
    {
        return false;
    }
    let (Some(sa), Some(sb)) = (a.size, b.size) else {
        return false;
    };
    if sa <= 0.0 || sb <= 0.0 {
        return false;
    }
    let size_ratio = sa.max(sb) / sa.min(sb);
    if size_ratio >= cfg.size_split {
        return true;
    }
    let (Some(da), Some(db)) = (a.depth, b.depth) else {
        return false;
    };
    if da <= 0.0 || db <= 0.0 {
        return false;
    }
    let smaller_is_lighter = (sa < sb) == (da < db);
    smaller_is_lighter && size_ratio >= cfg.label_size && da.max(db) / da.min(db) >= cfg.label_tone
}

/// A word with what layout knows of its ink.
struct SizedWord {
    word: Word,
    size: Option<f32>,
    /// Top and bottom of the word's ink (fractions of the fragment's height).
    ink: Option<(f32, f32)>,
    /// Median ink depth of its characters (two at least).
    depth: Option<f32>,
}

/// Splits a fragment's words into runs separated by column-wide gaps or by a change of type size.
/// Runs cut off by a size change get boxes fitted to their own ink.
fn column_runs(words: Vec<SizedWord>, h: f32, cfg: &LayoutConfig) -> Vec<Vec<Word>> {
    let mut runs: Vec<(Vec<SizedWord>, bool)> = Vec::new();
    for w in words {
        let cut = match runs.last().and_then(|(r, _)| r.last()) {
            None => None,
            Some(prev) => {
                let a = prev.word.quad.pts[1].lerp(prev.word.quad.pts[2], 0.5);
                let b = w.word.quad.pts[0].lerp(w.word.quad.pts[3], 0.5);
                let resized = split_by_type(prev, &w, cfg);
                if resized {
                    Some(true)
                } else if a.dist(b) > cfg.column_gap * h {
                    Some(false)
                } else {
                    None
                }
            }
        };
        match cut {
            None if !runs.is_empty() => runs.last_mut().unwrap().0.push(w),
            by_size => {
                if by_size == Some(true) {
                    runs.last_mut().unwrap().1 = true;
                }
                runs.push((vec![w], by_size == Some(true)));
            }
        }
    }
    runs.into_iter()
        .map(|(run, resized)| {
            let ink = run
                .iter()
                .filter_map(|w| w.ink)
                .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
            run.into_iter()
                .map(|w| match (resized, ink) {
                    (true, Some((top, bottom))) => {
                        let pad = 0.12 * (bottom - top);
                        let (s0, s1) = ((top - pad).max(0.0), (bottom + pad).min(1.0));
                        if s1 - s0 > 0.2 {
                            Word {
                                quad: w.word.quad.sub_rows(s0, s1),
                                ..w.word
                            }
                        } else {
                            w.word
                        }
                    }
                    _ => w.word,
                })
                .collect()
        })
        .collect()
}

fn is_wide(ch: &str) -> bool {
    ch.chars().next().is_some_and(is_wide_char)
}

fn is_wide_char(c: char) -> bool {
    let c = c as u32;
    (0xAC00..=0xD7A3).contains(&c)
        || (0x3040..=0x30FF).contains(&c)
        || (0x4E00..=0x9FFF).contains(&c)
        || (0x3130..=0x318F).contains(&c)
}

/// Expected advance (centre-to-centre distance, in text heights) of a character.
fn advance(ch: &str) -> f32 {
    if is_wide(ch) {
        1.0
    } else {
        0.6
    }
}

fn text_of(w: &[&Glyph]) -> String {
    w.iter().map(|g| g.ch.as_str()).collect()
}

/// Whether `left right` is an amount with a space after a thousands separator (`1, 300`, `₩12, 500`,
/// `1,234, 567원`): `left` is an optional sign or currency sign (`W` read for `₩` included), then a group of 1–3 digits and whole
/// `,ddd` groups, ending in the comma; `right` starts with exactly three digits, followed by nothing, a
/// comma, a decimal point or a non-digit unit (`원`). Anything else — `1, 2, 3`, `3, 1000`, `제1, 300`
/// (text before the digits), `2024, 3월` — is left as read, so free text keeps its spaces.
pub fn splits_thousands(left: &str, right: &str) -> bool {
    let Some(body) = left.strip_suffix(',') else {
        return false;
    };
    let body = body.trim_start_matches(['-', '+', '₩', 'W', '$', '\\']);
    let mut groups = body.split(',');
    let first = groups.next().unwrap_or("");
    let digits = |g: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(first, 1..=3) || !groups.all(|g| digits(g, 3..=3)) {
        return false;
    }
    let r = right.as_bytes();
    r.len() >= 3
        && r[..3].iter().all(u8::is_ascii_digit)
        && r.get(3).is_none_or(|b| !b.is_ascii_digit())
}

/// `W12,000` → `₩12,000`: a capital W glued to an amount with thousands separators is the won sign
/// (PP-OCR, which reads lines without Hangul, has no `₩`; on the Korean photo set 10 of the 840 aligned
/// errors were this). Only when the rest of the word is exactly such an amount (`\d{1,3}(,\d{3})+`),
/// so `W500`, `WIFI` or `W1,0` stay as read.
pub fn won_sign(word: String) -> String {
    let Some(amount) = word.strip_prefix('W') else {
        return word;
    };
    let mut groups = amount.split(',');
    let first = groups.next().unwrap_or("");
    let digits = |g: &str, n: std::ops::RangeInclusive<usize>| {
        n.contains(&g.len()) && g.bytes().all(|b| b.is_ascii_digit())
    };
    let rest: Vec<&str> = groups.collect();
    if digits(first, 1..=3) && !rest.is_empty() && rest.iter().all(|g| digits(g, 3..=3)) {
        format!("₩{amount}")
    } else {
        word
    }
}

/// Splits one fragment into words (see the crate docs).
pub fn split_words(f: &Fragment, cfg: &LayoutConfig) -> Vec<Word> {
    split_sized_words(f, cfg)
        .into_iter()
        .map(|w| w.word)
        .collect()
}

/// Centre distance (in text heights) from a date's dot to the digit after it above which the date is
/// set with spaces (`2019. 5. 2.`, the Korean standard) rather than solid (`2019.05.02`). A gap that
/// wide is taken as a space on its own; the other dots of that date follow it, since a date is set one
/// way throughout. Measured on the 48 synthetic documents and 26 SROIE receipts (the recogniser's
/// character positions, 485 dot/comma-before-digit gaps): solid dates 0.40-0.62, spaced ones 0.58-1.14
/// with one gap of each spaced date ≥ 0.77. Amounts are left alone: a wide-set `110.00` reaches 0.99,
/// which is why only dots of a `YYYY.M.D` date (year 19xx/20xx) count.
const SPACED_DATE_GAP: f32 = 0.7;

/// Whether a glyph is one ASCII digit.
fn is_digit_glyph(g: &Glyph) -> bool {
    g.ch.len() == 1 && g.ch.as_bytes()[0].is_ascii_digit()
}

/// Indices of the glyphs that start a word because they follow a dot of a spaced date (see
/// [`SPACED_DATE_GAP`]); `scale` turns a `t` difference into text heights.
fn spaced_date_dots(glyphs: &[Glyph], scale: f32) -> Vec<usize> {
    let is_digit = |i: usize| glyphs.get(i).is_some_and(is_digit_glyph);
    let is_dot = |i: usize| glyphs.get(i).is_some_and(|g| g.ch == ".");
    // One or two digits from i (not three).
    let digits = |i: usize| match (is_digit(i), is_digit(i + 1), is_digit(i + 2)) {
        (true, true, false) => Some(2),
        (true, false, _) => Some(1),
        _ => None,
    };
    let mut out = Vec::new();
    for i in 0..glyphs.len() {
        let year = (0..4).all(|k| is_digit(i + k))
            && matches!((glyphs[i].ch.as_str(), glyphs[i + 1].ch.as_str()), ("1", "9") | ("2", "0"))
            && (i == 0 || !is_digit(i - 1));
        if !year || !is_dot(i + 4) {
            continue;
        }
        let Some(m) = digits(i + 5) else { continue };
        let dot2 = i + 5 + m;
        if !is_dot(dot2) || digits(dot2 + 1).is_none() {
            continue;
        }
        // The glyphs after the two dots, and how far each is from its dot.
        let after = [i + 5, dot2 + 1];
        let widest = after
            .iter()
            .map(|&a| (glyphs[a].t - glyphs[a - 1].t) * scale)
            .fold(0.0f32, f32::max);
        if widest > SPACED_DATE_GAP {
            out.extend(after);
        }
    }
    out
}

/// Indices of the glyphs that start a word because they follow a list comma between numbers: a comma
/// after a digit and before one or two digits and a Hangul syllable (`252-2,2층` → `252-2,` `2층`, the
/// building number and the floor of a Korean road address, set `252-2, 2층`). The recogniser often
/// drops that space, and the gap cannot tell it: commas before a digit measured 0.19-0.59 text heights
/// in amounts and 0.39-0.62 in addresses (48 synthetic documents). A thousands separator is followed
/// by exactly three digits and a decimal comma by no Hangul unit, so neither is split.
fn list_commas(glyphs: &[Glyph]) -> Vec<usize> {
    let digit = |i: usize| glyphs.get(i).is_some_and(is_digit_glyph);
    let hangul = |i: usize| {
        glyphs
            .get(i)
            .and_then(|g| g.ch.chars().next())
            .is_some_and(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c))
    };
    (1..glyphs.len())
        .filter(|&i| glyphs[i].ch == "," && digit(i - 1) && digit(i + 1))
        .filter(|&i| hangul(i + 2) || (digit(i + 2) && hangul(i + 3)))
        .map(|i| i + 1)
        .collect()
}

/// A Korean date (`2022년 01월 03일`, or set wide `1959 년 12 월 26 일`) is set one way throughout, but
/// the gap between a number and its unit is close to the word-gap threshold and comes out mixed on
/// photos (`2022년 01 월 03일`). In a run of two or more number–unit parts in the order 년 월 일, the
/// way most parts are set wins: the others are joined (`01` `월` → `01월`) or split (`2022년` →
/// `2022` `년`). A tie is left as read. Measured on the template real-image test: 108 → 109 of 122
/// fields exact (a business licence photo's opening date); Korean photos' page CER unchanged (10.73 %).
fn consistent_date_units(words: Vec<Vec<&Glyph>>) -> Vec<Vec<&Glyph>> {
    const UNITS: [&str; 3] = ["년", "월", "일"];
    let digits = |w: &[&Glyph]| !w.is_empty() && w.len() <= 4 && w.iter().all(|g| is_digit_glyph(g));
    // The part at word `i` for unit `u`: Some(true) glued (`2022년`), Some(false) spaced (`01` `월`).
    let part = |i: usize, u: usize| -> Option<bool> {
        let w = words.get(i)?;
        if w.len() >= 2 && w.last().unwrap().ch == UNITS[u] && digits(&w[..w.len() - 1]) {
            return Some(true);
        }
        let next = words.get(i + 1)?;
        (digits(w) && next.len() == 1 && next[0].ch == UNITS[u]).then_some(false)
    };
    let mut out: Vec<Vec<&Glyph>> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        // The longest chain of parts starting here.
        let mut chain: Vec<(usize, bool)> = Vec::new();
        for u0 in 0..UNITS.len() {
            let (mut j, mut u) = (i, u0);
            let mut c = Vec::new();
            while u < UNITS.len() {
                let Some(glued) = part(j, u) else { break };
                c.push((j, glued));
                j += if glued { 1 } else { 2 };
                u += 1;
            }
            if c.len() > chain.len() {
                chain = c;
            }
        }
        if chain.len() < 2 {
            out.push(words[i].clone());
            i += 1;
            continue;
        }
        let glued = chain.iter().filter(|p| p.1).count();
        let spaced = chain.len() - glued;
        for &(j, g) in &chain {
            let w = &words[j];
            match g {
                true if spaced > glued => {
                    out.push(w[..w.len() - 1].to_vec());
                    out.push(vec![w[w.len() - 1]]);
                }
                false if glued > spaced => out.push([words[j].clone(), words[j + 1].clone()].concat()),
                true => out.push(w.clone()),
                false => {
                    out.push(w.clone());
                    out.push(words[j + 1].clone());
                }
            }
        }
        let &(last, g) = chain.last().unwrap();
        i = last + if g { 1 } else { 2 };
    }
    out
}

/// [`split_words`], with each word's [`type_size`] and ink extent.
fn split_sized_words(f: &Fragment, cfg: &LayoutConfig) -> Vec<SizedWord> {
    let len = f.quad.width().max(1.0);
    let h = f.quad.height().max(1.0);
    let mut words: Vec<Vec<&Glyph>> = vec![Vec::new()];
    let mut prev: Option<&Glyph> = None;
    let mut spaced = spaced_date_dots(&f.glyphs, len / h);
    spaced.extend(list_commas(&f.glyphs));
    for (i, g) in f.glyphs.iter().enumerate() {
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
            if (dist > expected + slack || spaced.contains(&i)) && !words.last().unwrap().is_empty() {
                words.push(Vec::new());
            }
        }
        words.last_mut().unwrap().push(g);
        prev = Some(g);
    }
    words.retain(|w| !w.is_empty());
    // `1, 300` on a receipt is one amount whose comma the printer (or the recogniser) spaced out.
    let mut joined: Vec<Vec<&Glyph>> = Vec::with_capacity(words.len());
    for w in words {
        match joined.last_mut() {
            Some(prev) if splits_thousands(&text_of(prev), &text_of(&w)) => prev.extend(w),
            _ => joined.push(w),
        }
    }
    let words = consistent_date_units(joined);
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
    let mut texts: Vec<String> = words.iter().map(|w| text_of(w)).collect();
    month_read_as_day(&mut texts);
    words
        .iter()
        .zip(texts)
        .enumerate()
        .map(|(i, (w, text))| {
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
            let word = Word {
                text: won_sign(text),
                quad: f.quad.sub_span(t0, t1.max(t0)),
                confidence: w.iter().map(|g| g.confidence).sum::<f32>() / w.len() as f32,
                line_break: false,
            };
            let ink = w
                .iter()
                .filter_map(|g| g.ink)
                .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
            let mut d: Vec<f32> = w.iter().filter_map(|g| g.depth).collect();
            d.sort_by(f32::total_cmp);
            let depth = (d.len() >= 2).then(|| d[d.len() / 2]);
            SizedWord {
                word,
                size: type_size(w),
                ink,
                depth,
            }
        })
        .collect()
}

/// `2002년 03일 01일` → `2002년 03월 01일`: the recogniser confuses `월` and `일` (one stroke apart on a
/// small photo), and a year followed by two day units is a month read as a day. `words`: a fragment's
/// words, solid (`03일`) or spaced (`03` `일`); the month must be 1–12. Measured on the template
/// real-image test: 109 → 110 of 122 fields exact; Korean photos' page CER unchanged (10.73 %).
fn month_read_as_day(words: &mut [String]) {
    // The parts from word `i`: (number, index of the word holding the unit, next word).
    let part = |words: &[String], i: usize, unit: &str| -> Option<(u32, usize, usize)> {
        let w = words.get(i)?;
        let num = |s: &str| (!s.is_empty() && s.len() <= 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten();
        if let Some(n) = w.strip_suffix(unit).and_then(num) {
            return Some((n, i, i + 1));
        }
        let n = num(w)?;
        (words.get(i + 1)? == unit).then_some((n, i + 1, i + 2))
    };
    for i in 0..words.len() {
        let Some((year, _, j)) = part(words, i, "년") else { continue };
        let Some((month, m, k)) = part(words, j, "일") else { continue };
        if !(1000..=2999).contains(&year) || !(1..=12).contains(&month) || part(words, k, "일").is_none() {
            continue;
        }
        let w = &mut words[m];
        w.truncate(w.len() - "일".len());
        w.push('월');
    }
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
    // Each fragment with its index in the input.
    let mut frags: Vec<(usize, Fragment)> = fragments
        .into_iter()
        .enumerate()
        .filter(|(_, f)| f.glyphs.iter().any(|g| !g.ch.trim().is_empty()))
        .collect();
    frags.sort_by(|(_, a), (_, b)| a.quad.center().y.total_cmp(&b.quad.center().y));
    // Greedy row building: a fragment joins the first open row whose members it lines up with.
    let mut rows: Vec<Vec<(usize, Fragment)>> = Vec::new();
    'outer: for f in frags {
        for row in rows.iter_mut().rev().take(3) {
            if row
                .iter()
                .any(|(_, m)| same_row(&m.quad, &f.1.quad) && same_row(&f.1.quad, &m.quad))
            {
                row.push(f);
                continue 'outer;
            }
        }
        rows.push(vec![f]);
    }
    for row in &mut rows {
        row.sort_by(|(_, a), (_, b)| a.quad.bbox().x0.total_cmp(&b.quad.bbox().x0));
    }
    rows.sort_by(|a, b| {
        let ya = a.iter().map(|(_, f)| f.quad.center().y).sum::<f32>() / a.len() as f32;
        let yb = b.iter().map(|(_, f)| f.quad.center().y).sum::<f32>() / b.len() as f32;
        ya.total_cmp(&yb)
    });
    let mut out = Vec::new();
    for row in rows {
        let n = row.len();
        for (i, (source, f)) in row.into_iter().enumerate() {
            let mut words = split_sized_words(&f, cfg);
            if words.is_empty() {
                continue;
            }
            if i + 1 == n {
                words.last_mut().unwrap().word.line_break = true;
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
                    fragment: source,
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
    #[test]
    fn spaced_thousands_separators_join_only_between_digit_groups_of_three() {
        use super::splits_thousands as j;
        for (l, r) in [
            ("1,", "300"),
            ("12,", "500원"),
            ("₩1,", "300"),
            ("-3,", "980"),
            ("1,234,", "567"),
            ("1,", "300,000"),
            ("1,", "300.50"),
        ] {
            assert!(j(l, r), "{l} {r}");
        }
        for (l, r) in [
            ("1,", "2,"),     // a list
            ("3,", "1000"),   // four digits after the comma
            ("1,", "30"),     // two
            ("1234,", "567"), // four digits before
            ("제1,", "300"),  // text before the digits
            ("2024,", "3월"),
            ("1", "300"),     // no comma
            ("1,23,", "456"), // a short inner group
            ("가,", "나다라"),
        ] {
            assert!(!j(l, r), "{l} {r}");
        }
    }

    #[test]
    fn a_w_glued_to_an_amount_is_the_won_sign() {
        use super::won_sign as w;
        assert_eq!(w("W12,000".into()), "₩12,000");
        assert_eq!(w("W1,234,567".into()), "₩1,234,567");
        for keep in [
            "W500",
            "WIFI",
            "W1,0",
            "W1234,000",
            "AW1,000",
            "W",
            "W,000",
            "12,000",
        ] {
            assert_eq!(w(keep.into()), keep);
        }
    }

    #[test]
    fn a_spaced_amount_is_one_word_and_free_text_keeps_its_spaces() {
        // Characters set 12 px apart on a 20 px tall line: solid Latin text.
        let frag = |s: &str| Fragment {
            quad: Rect::new(0.0, 0.0, 12.0 * s.chars().count() as f32, 20.0).to_quad(),
            glyphs: s
                .chars()
                .enumerate()
                .map(|(i, c)| Glyph {
                    ch: c.to_string(),
                    t: (i as f32 + 0.5) / s.chars().count() as f32,
                    confidence: 0.9,
                    ink: None,
                    depth: None,
                })
                .collect(),
        };
        let texts = |s: &str| -> Vec<String> {
            split_words(&frag(s), &LayoutConfig::default())
                .into_iter()
                .map(|w| w.text)
                .collect()
        };
        assert_eq!(texts("합계 1, 300"), ["합계", "1,300"]);
        assert_eq!(texts("1, 2, 3"), ["1,", "2,", "3"]);
        assert_eq!(texts("3, 1000"), ["3,", "1000"]);
        assert_eq!(texts("W4, 000"), ["₩4,000"]);
    }

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
                    ink: None,
                    depth: None,
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
    fn lines_name_the_fragment_they_were_cut_from() {
        // Input order: the lower line, a blank fragment, the upper line.
        let lines = layout(
            vec![
                frag(0., 50., 40., 20., &[("B", 10.0), ("C", 22.0)]),
                frag(0., 100., 40., 20., &[(" ", 10.0)]),
                frag(0., 0., 40., 20., &[("A", 10.0), ("B", 22.0)]),
            ],
            &LayoutConfig::default(),
        );
        let got: Vec<(&str, usize)> = lines
            .iter()
            .map(|l| (l.text.as_str(), l.fragment))
            .collect();
        assert_eq!(got, vec![("AB", 2), ("BC", 0)]);
    }

    /// Glyphs of `text` on a 20 px high fragment, 12 px apart, with extra `gaps` (px) after the given
    /// character indices.
    fn spaced(text: &str, gaps: &[(usize, f32)]) -> Fragment {
        let mut x = 6.0;
        let chars: Vec<(String, f32)> = text
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let at = x;
                x += 12.0 + gaps.iter().filter(|g| g.0 == i).map(|g| g.1).sum::<f32>();
                (c.to_string(), at)
            })
            .collect();
        let refs: Vec<(&str, f32)> = chars.iter().map(|(c, x)| (c.as_str(), *x)).collect();
        frag(0., 0., x, 20., &refs)
    }

    fn word_texts(f: &Fragment) -> Vec<String> {
        split_words(f, &LayoutConfig::default()).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn a_month_read_as_a_day_is_repaired() {
        let fix = |ws: &[&str]| {
            let mut v: Vec<String> = ws.iter().map(|s| s.to_string()).collect();
            month_read_as_day(&mut v);
            v
        };
        assert_eq!(fix(&["2002년", "03일", "01일"]), ["2002년", "03월", "01일"]);
        assert_eq!(fix(&["1959", "년", "12", "일", "26", "일"]), ["1959", "년", "12", "월", "26", "일"]);
        // Not a month (13), no second day, no year: left alone.
        assert_eq!(fix(&["2002년", "13일", "01일"]), ["2002년", "13일", "01일"]);
        assert_eq!(fix(&["2002년", "03일"]), ["2002년", "03일"]);
        assert_eq!(fix(&["03일", "01일"]), ["03일", "01일"]);
    }

    #[test]
    fn a_dates_units_are_set_one_way() {
        // Two parts solid, one spaced: solid.
        assert_eq!(word_texts(&spaced("2022년01월03일", &[(4, 20.0), (6, 20.0), (7, 20.0)])), ["2022년", "01월", "03일"]);
        // Two spaced, one solid: spaced.
        assert_eq!(
            word_texts(&spaced("1959년12월26일", &[(3, 20.0), (4, 20.0), (6, 20.0), (7, 20.0)])),
            ["1959", "년", "12", "월", "26", "일"]
        );
        // A tie stays as read; so does a unit glued to more text.
        assert_eq!(word_texts(&spaced("3월5일", &[(0, 20.0), (1, 20.0)])), ["3", "월", "5일"]);
        assert_eq!(word_texts(&spaced("2022년01월03일까지", &[(4, 20.0), (6, 20.0), (7, 20.0)])), ["2022년", "01", "월", "03일까지"]);
    }

    #[test]
    fn a_list_comma_between_numbers_before_hangul_splits() {
        // Solid: no gap says it, the text does.
        assert_eq!(word_texts(&spaced("퇴계로252-2,2층", &[(2, 20.0)])), ["퇴계로", "252-2,", "2층"]);
        assert_eq!(word_texts(&spaced("1,12호", &[])), ["1,", "12호"]);
        // Thousands separators and other commas stay.
        assert_eq!(word_texts(&spaced("12,000원", &[])), ["12,000원"]);
        assert_eq!(word_texts(&spaced("1,5kg", &[])), ["1,5kg"]);
        assert_eq!(word_texts(&spaced("3,5", &[])), ["3,5"]);
    }

    #[test]
    fn a_spaced_date_is_split_at_each_dot() {
        // `2019.5.2`: centre distance 12 px = 0.6 heights when solid; the first dot's gap 0.8 heights
        // (spaced), the second's 0.6 (noise made it look solid): both are spaces.
        let f = spaced("2019.5.2", &[(4, 4.0)]);
        assert_eq!(word_texts(&f), ["2019.", "5.", "2"]);
        assert_eq!(word_texts(&spaced("2019.5.2", &[])), ["2019.5.2"], "solid");
        assert_eq!(word_texts(&spaced("2004.12.11.", &[(7, 4.0)])), ["2004.", "12.", "11."]);
        // Not a date: a wide-set amount, a number that is no year.
        assert_eq!(word_texts(&spaced("110.00", &[(3, 4.0)])), ["110.00"]);
        assert_eq!(word_texts(&spaced("3019.5.2", &[(4, 4.0)])), ["3019.5.2"]);
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

    /// A fragment from `(text, centre x, ink top, ink bottom, depth)` per character, on one line 0..1000
    /// wide and 40 high; words are separated by spaces in the text list.
    fn inked(chars: &[(&str, f32, f32, f32, f32)]) -> Fragment {
        Fragment {
            quad: Rect::new(0.0, 0.0, 1000.0, 40.0).to_quad(),
            glyphs: chars
                .iter()
                .map(|&(c, x, top, bottom, depth)| Glyph {
                    ch: c.into(),
                    t: x / 1000.0,
                    confidence: 0.9,
                    ink: (c != " ").then_some((top, bottom)),
                    depth: (c != " ").then_some(depth),
                })
                .collect(),
        }
    }

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(|l| l.text.clone()).collect()
    }

    #[test]
    fn small_light_label_is_split_from_its_value() {
        // `적성검사기간` small and grey, then a date large and black, one detector box.
        let mut c: Vec<(&str, f32, f32, f32, f32)> = "적성검사기간"
            .chars()
            .enumerate()
            .map(|(i, _)| ("가", 20.0 + 32.0 * i as f32, 0.2, 0.9, 0.6))
            .collect();
        c.push((" ", 200.0, 0.0, 0.0, 0.0));
        c.extend((0..10).map(|i| ("2", 240.0 + 22.0 * i as f32, 0.15, 0.9, 0.85)));
        let lines = layout(vec![inked(&c)], &LayoutConfig::default());
        assert_eq!(texts(&lines), vec!["가가가가가가", "2222222222"]);
        // The same words in one tone stay one line (type sizes 0.7 and 0.75/0.82: too close on their own).
        for g in &mut c {
            g.4 = 0.85;
        }
        assert_eq!(layout(vec![inked(&c)], &LayoutConfig::default()).len(), 1);
    }

    #[test]
    fn large_hangul_beside_small_latin_is_split_and_boxes_fit_the_ink() {
        // `국세청` 0.9 high, then `National` in letters 0.4 high (N, t, l tell the size), same tone.
        let mut c: Vec<(&str, f32, f32, f32, f32)> = vec![
            ("국", 20.0, 0.05, 0.95, 0.9),
            ("세", 60.0, 0.05, 0.95, 0.9),
            ("청", 100.0, 0.05, 0.95, 0.9),
            (" ", 130.0, 0.0, 0.0, 0.0),
        ];
        for (i, ch) in ["N", "a", "t", "i", "o", "n", "a", "l"]
            .into_iter()
            .enumerate()
        {
            c.push((ch, 160.0 + 14.0 * i as f32, 0.45, 0.85, 0.9));
        }
        let lines = layout(vec![inked(&c)], &LayoutConfig::default());
        assert_eq!(texts(&lines), vec!["국세청", "National"]);
        let b = lines[1].quad.bbox();
        assert!(
            b.y0 > 12.0 && b.y1 < 38.0,
            "the small line's box fits its ink: {b:?}"
        );
    }

    #[test]
    fn latin_words_are_not_split_by_measured_size() {
        let mut c: Vec<(&str, f32, f32, f32, f32)> = ["R", "E", "T", "U", "R", "N"]
            .iter()
            .enumerate()
            .map(|(i, ch)| (*ch, 20.0 + 14.0 * i as f32, 0.3, 0.7, 0.8))
            .collect();
        c.push((" ", 110.0, 0.0, 0.0, 0.0));
        c.extend([("O", 130.0, 0.0, 1.0, 0.8), ("R", 144.0, 0.0, 1.0, 0.8)]);
        assert_eq!(
            texts(&layout(vec![inked(&c)], &LayoutConfig::default())),
            vec!["RETURN OR"]
        );
    }
}
