//! Comma or full stop, told by the glyph's shape.
//!
//! The recognisers read commas as full stops in small print: on the 26 SROIE receipts, 12 of the 104
//! commas of the ground truth came out as `.` (`5-7. JALAN` for `5-7, JALAN`), which makes addresses
//! wrong. The mark's ink settles some of them: a comma hangs below the baseline and is taller than wide,
//! a full stop sits on the baseline and is round. Only a clear comma overrides the model; anything
//! unclear (a mark touching a letter, a faint tail, no text band to measure against) keeps the reading.
//! The other way round (`,` to `.`) is not done: commas whose tail is too faint to pass the ink
//! threshold measure like full stops (`DENGKIL,` on SROIE 600: 0.03 below the baseline, as wide as
//! tall).

use crate::gaps::InkMask;
use crate::recognizer::LineReading;
use image::RgbImage;

/// A mark whose bottom lies at least [`COMMA_DROP`] below the baseline (in text-band heights) and whose
/// height is at least [`COMMA_ASPECT`] times its width is a comma; so is a thinner one
/// ([`THIN_COMMA_ASPECT`]) that drops at least [`THIN_COMMA_DROP`]. Chosen on the marks the engine reads
/// on the 26 SROIE receipts, matched to the ground-truth lines (about 100 full stops and 40 commas
/// once repeated passes are counted once): no full stop drops 0.05 with a height 1.8 times its width
/// (their 90th percentiles: 0.04 and 1.83), while a comma's median is 0.17 and 2.0. The rules catch 3
/// of the commas the model read as `.` and turn no full stop.
const COMMA_DROP: f32 = 0.1;
const COMMA_ASPECT: f32 = 1.8;
const THIN_COMMA_DROP: f32 = 0.05;
const THIN_COMMA_ASPECT: f32 = 2.5;

/// Rewrites `.` as `,` in `reading` where the mark's ink in `crop` says it is a comma.
pub(crate) fn settle(reading: &mut LineReading, crop: &RgbImage) {
    if !reading.chars.iter().any(|c| c.ch == ".") {
        return;
    }
    let Some(mask) = InkMask::new(crop) else {
        return;
    };
    let Some(line) = Baseline::measure(&mask) else {
        return;
    };
    let mut changed = false;
    for c in reading.chars.iter_mut().filter(|c| c.ch == ".") {
        let Some(mark) = mark_at(&mask, &line, (c.x0 + c.x1) / 2.0) else {
            continue;
        };
        let drop = (mark.bottom as f32 - line.base) / line.cap;
        let aspect = mark.height() as f32 / mark.width() as f32;
        if drop >= COMMA_DROP && aspect >= COMMA_ASPECT
            || drop >= THIN_COMMA_DROP && aspect >= THIN_COMMA_ASPECT
        {
            c.ch = ",".to_string();
            changed = true;
        }
    }
    if changed {
        reading.text = reading.chars.iter().map(|c| c.ch.as_str()).collect();
    }
}

/// Where the line's letters stand: the top and bottom rows of its text band.
struct Baseline {
    base: f32,
    cap: f32,
}

/// A row belongs to the text band while it holds at least this share of the densest row's ink: the
/// letters' bodies fill their rows, while descenders, commas and a neighbouring line's edge cut into the
/// crop fill few.
const BAND_SHARE: f32 = 0.2;

impl Baseline {
    /// The band of rows around the densest row of ink; `None` when it is under six pixels tall.
    fn measure(mask: &InkMask) -> Option<Baseline> {
        let (w, h) = mask.size();
        let profile: Vec<usize> = (0..h)
            .map(|y| (0..w).filter(|&x| mask.is_ink(x, y)).count())
            .collect();
        let (peak, &most) = profile.iter().enumerate().max_by_key(|&(_, n)| *n)?;
        let need = (most as f32 * BAND_SHARE).ceil().max(1.0) as usize;
        let top = (0..=peak).rev().take_while(|&y| profile[y] >= need).last()?;
        let base = (peak..h).take_while(|&y| profile[y] >= need).last()?;
        let cap = (base - top + 1) as f32;
        (cap >= 6.0).then_some(Baseline { base: base as f32, cap })
    }
}

/// A component shorter than this share of the cap height is a speck of noise, not a mark.
const MIN_MARK_HEIGHT: f32 = 0.15;

/// Bounding box of one ink component, inclusive.
#[derive(Debug, PartialEq)]
struct Mark {
    left: usize,
    top: usize,
    right: usize,
    bottom: usize,
    pixels: usize,
}

impl Mark {
    fn width(&self) -> usize {
        self.right - self.left + 1
    }
    fn height(&self) -> usize {
        self.bottom - self.top + 1
    }
}

/// The ink component nearest to column `centre` in the lower part of the line (below 45 % of the cap
/// height), when it is a small mark standing alone: it does not reach up into the letters' band, does
/// not touch the edges of the search box, and is narrower than half the cap height.
fn mark_at(mask: &InkMask, line: &Baseline, centre: f32) -> Option<Mark> {
    let (w, h) = mask.size();
    let top = (line.base - 0.55 * line.cap).max(0.0).round() as usize;
    let bottom = ((line.base + 0.6 * line.cap).round() as usize).min(h - 1);
    let left = (centre - 0.5 * line.cap).max(0.0).round() as usize;
    let right = ((centre + 0.5 * line.cap).round().max(0.0) as usize).min(w - 1);
    if top >= bottom || left >= right {
        return None;
    }
    let bw = right - left + 1;
    let mut seen = vec![false; bw * (bottom - top + 1)];
    let mut best: Option<(f32, Mark, bool)> = None;
    for y0 in top..=bottom {
        for x0 in left..=right {
            if seen[(y0 - top) * bw + x0 - left] || !mask.is_ink(x0, y0) {
                continue;
            }
            // Flood one component inside the box (8-connected).
            let mut m = Mark { left: x0, top: y0, right: x0, bottom: y0, pixels: 0 };
            let mut at_edge = false;
            let mut stack = vec![(x0, y0)];
            seen[(y0 - top) * bw + x0 - left] = true;
            while let Some((x, y)) = stack.pop() {
                m.pixels += 1;
                m.left = m.left.min(x);
                m.right = m.right.max(x);
                m.top = m.top.min(y);
                m.bottom = m.bottom.max(y);
                at_edge |= x == left || x == right || y == top || y == bottom;
                for (dx, dy) in [(-1i32, -1i32), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)] {
                    let (nx, ny) = (x as i32 + dx, y as i32 + dy);
                    if nx < left as i32 || nx > right as i32 || ny < top as i32 || ny > bottom as i32 {
                        continue;
                    }
                    let (nx, ny) = (nx as usize, ny as usize);
                    let k = (ny - top) * bw + nx - left;
                    if !seen[k] && mask.is_ink(nx, ny) {
                        seen[k] = true;
                        stack.push((nx, ny));
                    }
                }
            }
            // Specks of noise are no mark.
            if (m.height() as f32) < MIN_MARK_HEIGHT * line.cap || m.pixels < 3 {
                continue;
            }
            let d = ((m.left + m.right) as f32 / 2.0 - centre).abs();
            if best.as_ref().is_none_or(|b| d < b.0) {
                best = Some((d, m, at_edge));
            }
        }
    }
    let (_, m, at_edge) = best?;
    (!at_edge && (m.width() as f32) <= 0.5 * line.cap && (m.height() as f32) <= 0.9 * line.cap).then_some(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recognizer::CharBox;

    /// A white crop 200x40 with capitals 12 px wide from row 8 to row 27 (cap height 20, baseline 27)
    /// at x = 10, 30, 50, then a mark drawn by `mark` near x = 70, then two more capitals at 90, 110.
    fn line(mark: &[(u32, u32, u32, u32)]) -> (LineReading, RgbImage) {
        let caps = [10u32, 30, 50, 90, 110];
        let crop = RgbImage::from_fn(200, 40, |x, y| {
            let cap = caps.iter().any(|&c| (c..c + 12).contains(&x) && (8..28).contains(&y));
            let m = mark.iter().any(|&(x0, x1, y0, y1)| (x0..x1).contains(&x) && (y0..y1).contains(&y));
            if cap || m {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([235, 235, 235])
            }
        });
        let b = |ch: &str, x: f32| CharBox { ch: ch.into(), x0: x, x1: x + 4.0, confidence: 0.9 };
        let chars = vec![b("N", 14.0), b("O", 34.0), b("2", 54.0), b(".", 69.0), b("J", 94.0), b("A", 114.0)];
        let text = chars.iter().map(|c| c.ch.as_str()).collect();
        (LineReading { text, confidence: 0.9, chars }, crop)
    }

    #[test]
    fn a_mark_hanging_below_the_baseline_is_a_comma() {
        // 3 px wide, rows 23..33: five rows below the baseline (27), height 10.
        let (mut r, crop) = line(&[(70, 73, 23, 33)]);
        settle(&mut r, &crop);
        assert_eq!(r.text, "NO2,JA");
        assert_eq!(r.chars[3].ch, ",");
    }

    #[test]
    fn a_round_mark_on_the_baseline_stays_a_full_stop_and_a_comma_read_stays() {
        let (mut r, crop) = line(&[(70, 74, 24, 28)]);
        settle(&mut r, &crop);
        assert_eq!(r.text, "NO2.JA");
        // A thin mark that hangs only a little is a comma too; a comma read as one stays one.
        let (mut thin, crop) = line(&[(70, 72, 23, 29)]);
        settle(&mut thin, &crop);
        assert_eq!(thin.text, "NO2,JA");
        let (mut round, crop) = line(&[(70, 74, 24, 28)]);
        round.chars[3].ch = ",".into();
        settle(&mut round, &crop);
        assert_eq!(round.chars[3].ch, ",");
    }

    #[test]
    fn unclear_marks_keep_the_reading() {
        // Touching the letter beside it (one blob from x 50 to 73), or hanging but round.
        for mark in [&[(62, 73, 24, 33)][..], &[(70, 76, 24, 31)][..]] {
            let (mut r, crop) = line(mark);
            settle(&mut r, &crop);
            assert_eq!(r.text, "NO2.JA", "{mark:?}");
        }
        // No letters to find the baseline by: the mark alone is the text band.
        let (mut r, _) = line(&[]);
        let alone = RgbImage::from_fn(200, 40, |x, y| {
            let ink = (70..73).contains(&x) && (23..33).contains(&y);
            image::Rgb(if ink { [20, 20, 20] } else { [235, 235, 235] })
        });
        r.chars.retain(|c| c.ch == ".");
        settle(&mut r, &alone);
        assert_eq!(r.chars[0].ch, ".");
    }
}
