//! Blank gaps inside a line crop.
//!
//! The Korean recogniser reads solid text well but can garble labels set with very wide letter spacing
//! (`생   년   월   일` on a certificate) and rows where a label and its value sit in one detector box with
//! a wide gap between them. Cutting such a crop at its blank columns and reading the pieces separately
//! fixes both; the engine keeps the piecewise reading only when it is more confident.

use image::RgbImage;

/// The crop in gray, its background level (the median) and its contrast (2nd to 98th percentile);
/// `None` when the contrast is too low to tell ink from background.
fn tones(crop: &RgbImage) -> Option<(Vec<u8>, i32, i32)> {
    let gray: Vec<u8> = crop
        .pixels()
        .map(|p| ((p.0[0] as u32 * 299 + p.0[1] as u32 * 587 + p.0[2] as u32 * 114) / 1000) as u8)
        .collect();
    // Percentiles from a histogram (the value at rank k of the sorted pixels): every line crop of every
    // page comes through here, so no sorted copy.
    let mut hist = [0usize; 256];
    for &g in &gray {
        hist[g as usize] += 1;
    }
    let at_rank = |k: usize| {
        let mut seen = 0;
        hist.iter()
            .position(|&n| {
                seen += n;
                seen > k
            })
            .unwrap_or(255) as i32
    };
    let n = gray.len();
    if n == 0 {
        return None;
    }
    let background = at_rank(n / 2);
    let contrast = at_rank(n - 1 - n / 50) - at_rank(n / 50);
    (contrast >= 40).then_some((gray, background, contrast))
}

/// Horizontal pieces `[x0, x1)` of `crop` separated by blank runs at least `min_gap` crop-heights wide.
/// Returns a single piece covering the whole crop when there is no such gap.
pub fn pieces(crop: &RgbImage, min_gap: f32) -> Vec<(u32, u32)> {
    let (w, h) = crop.dimensions();
    if w < 4 || h < 4 {
        return vec![(0, w)];
    }
    let Some((gray, background, contrast)) = tones(crop) else {
        return vec![(0, w)];
    };
    let cut = (contrast as f32 * 0.4) as i32;
    // A column is blank when (almost) none of its pixels differs from the background by much.
    let blank: Vec<bool> = (0..w as usize)
        .map(|x| {
            (0..h as usize)
                .filter(|&y| (gray[y * w as usize + x] as i32 - background).abs() > cut)
                .count()
                <= (h as usize / 24).max(1)
        })
        .collect();
    let min_run = (min_gap * h as f32).max(2.0) as usize;
    let mut out = Vec::new();
    let mut start: Option<usize> = None; // start of current ink piece
    let mut x = 0;
    while x < w as usize {
        if blank[x] {
            let run_start = x;
            while x < w as usize && blank[x] {
                x += 1;
            }
            if let Some(s) = start {
                if x - run_start >= min_run && x < w as usize {
                    out.push((s as u32, run_start as u32));
                    start = None;
                }
            }
        } else {
            if start.is_none() {
                start = Some(x);
            }
            x += 1;
        }
    }
    if let Some(s) = start {
        let mut end = w as usize;
        while end > s && blank[end - 1] {
            end -= 1;
        }
        out.push((s as u32, end as u32));
    }
    if out.len() < 2 {
        return vec![(0, w)];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    fn crop_with_blocks(w: u32, h: u32, blocks: &[(u32, u32)]) -> RgbImage {
        let mut img = RgbImage::from_pixel(w, h, Rgb([250, 250, 250]));
        for &(x0, x1) in blocks {
            for x in x0..x1 {
                for y in h / 4..3 * h / 4 {
                    img.put_pixel(x, y, Rgb([10, 10, 10]));
                }
            }
        }
        img
    }

    #[test]
    fn wide_gaps_cut_narrow_gaps_do_not() {
        // Height 20: gaps of 30 px (1.5 h) cut, gaps of 6 px (0.3 h) do not.
        let img = crop_with_blocks(200, 20, &[(5, 20), (26, 40), (70, 90), (120, 150)]);
        assert_eq!(pieces(&img, 1.0), vec![(5, 40), (70, 90), (120, 150)]);
    }

    #[test]
    fn no_gap_or_flat_crop_is_one_piece() {
        assert_eq!(
            pieces(&crop_with_blocks(100, 20, &[(0, 100)]), 1.0),
            vec![(0, 100)]
        );
        assert_eq!(
            pieces(&RgbImage::from_pixel(100, 20, Rgb([200, 200, 200])), 1.0),
            vec![(0, 100)]
        );
    }

    #[test]
    fn light_text_on_dark_background_works_too() {
        let mut img = RgbImage::from_pixel(120, 20, Rgb([10, 10, 10]));
        for x in (10..30).chain(80..100) {
            for y in 5..15 {
                img.put_pixel(x, y, Rgb([240, 240, 240]));
            }
        }
        assert_eq!(pieces(&img, 1.0), vec![(10, 30), (80, 100)]);
    }
}

/// Which pixels of a line crop are ink: those that differ from the crop's median (the background) by
/// more than 40 % of its contrast, as in [`pieces`].
pub struct InkMask {
    w: usize,
    h: usize,
    ink: Vec<bool>,
    /// Each pixel's difference from the background, as a fraction of the crop's contrast.
    depth: Vec<f32>,
}

impl InkMask {
    /// `None` for a crop without contrast (nothing to measure).
    pub fn new(crop: &RgbImage) -> Option<InkMask> {
        let (w, h) = (crop.width() as usize, crop.height() as usize);
        if w < 2 || h < 4 {
            return None;
        }
        let (gray, background, contrast) = tones(crop)?;
        let cut = (contrast as f32 * 0.4) as i32;
        Some(InkMask {
            w,
            h,
            ink: gray
                .iter()
                .map(|&g| (g as i32 - background).abs() > cut)
                .collect(),
            depth: gray
                .iter()
                .map(|&g| (g as i32 - background).abs() as f32 / contrast as f32)
                .collect(),
        })
    }

    /// Width and height of the crop, in pixels.
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.w, self.h)
    }

    /// Whether pixel `(x, y)` is ink; `false` outside the crop.
    pub(crate) fn is_ink(&self, x: usize, y: usize) -> bool {
        x < self.w && y < self.h && self.ink[y * self.w + x]
    }

    /// How dark (far from the background) the ink in columns `x0..x1` is: the mean depth of its ink
    /// pixels, as a fraction of the crop's contrast. Grey labels beside black values score lower.
    pub fn ink_depth(&self, x0: f32, x1: f32) -> Option<f32> {
        let a = (x0.floor().max(0.0) as usize).min(self.w);
        let b = (x1.ceil().max(0.0) as usize).min(self.w);
        let (mut sum, mut n) = (0.0f32, 0usize);
        for y in 0..self.h {
            for x in a..b {
                let i = y * self.w + x;
                if self.ink[i] {
                    sum += self.depth[i];
                    n += 1;
                }
            }
        }
        (n > 0).then(|| sum / n as f32)
    }

    /// First and last row (inclusive, in pixels) of the ink in columns `x0..x1`: rows holding ink in at
    /// least 6 % of the window's width (one pixel in narrow windows: the stem of `ㅜ` is that thin).
    /// `None` when the window holds no ink.
    pub fn ink_rows(&self, x0: f32, x1: f32) -> Option<(usize, usize)> {
        let a = (x0.floor().max(0.0) as usize).min(self.w);
        let b = (x1.ceil().max(0.0) as usize).min(self.w);
        if b <= a {
            return None;
        }
        let need = ((b - a) as f32 * 0.06).ceil().max(1.0) as usize;
        let mut rows = (0..self.h).filter(|&y| {
            self.ink[y * self.w + a..y * self.w + b]
                .iter()
                .filter(|&&i| i)
                .count()
                >= need
        });
        let first = rows.next()?;
        Some((first, rows.last().unwrap_or(first)))
    }
}

#[cfg(test)]
mod ink_tests {
    use super::*;

    #[test]
    fn ink_rows_measure_each_window() {
        // White crop 100x60: a block of rows 15..45 at x 10..30 and one of rows 30..42 at x 60..80.
        let crop = RgbImage::from_fn(100, 60, |x, y| {
            let tall = (10..30).contains(&x) && (15..45).contains(&y);
            let short = (60..80).contains(&x) && (30..42).contains(&y);
            if tall || short {
                image::Rgb([20, 20, 20])
            } else {
                image::Rgb([240, 240, 240])
            }
        });
        let m = InkMask::new(&crop).unwrap();
        assert_eq!(m.ink_rows(8.0, 32.0), Some((15, 44)));
        assert_eq!(m.ink_rows(58.0, 82.0), Some((30, 41)));
        assert_eq!(m.ink_rows(40.0, 50.0), None);
        assert!(InkMask::new(&RgbImage::from_pixel(50, 20, image::Rgb([128, 128, 128]))).is_none());
    }
}
