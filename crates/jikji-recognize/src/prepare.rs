//! Crop preparation for the Korean recogniser: a line crop in page pixels → the gray image of the
//! recogniser's input height that the model reads.
//!
//! Two steps, each measured on the Korean photo sets before it was chosen (figures on the constants and
//! in ACCURACY.md, issue #11):
//!
//! * **scaling** to [`REC_HEIGHT`](crate::REC_HEIGHT), with one filter for crops smaller than the input
//!   height ([`UPSCALE_FILTER`]) and one for larger crops ([`DOWNSCALE_FILTER`]);
//! * **contrast normalisation** ([`stretch_contrast`]): a faint crop (thermal print fading, grey text on
//!   a coloured background, a dim photo) has its gray levels stretched so its darkest and lightest
//!   percentiles span the full range — off by default ([`STRETCH_BELOW_SPREAD`]), as it measured worse.

use image::{imageops::FilterType, GrayImage, RgbImage};

/// Filter for crops shorter than the input height: bilinear. Measured on `korean_photos` (21 real
/// photos, `jikji eval --gt ../shared/testdata/korean_photos --lang ko`, page CER / aligned CER):
/// bilinear 11.19 % / 11.12 %; Catmull-Rom 11.34 % / 10.91 % (fewer errors on crops under 16 px, more
/// elsewhere: no clear gain, so the model's training-time filter stays).
pub const UPSCALE_FILTER: FilterType = FilterType::Triangle;

/// Filter for crops at or above the input height (bilinear, as the model was trained).
pub const DOWNSCALE_FILTER: FilterType = FilterType::Triangle;

/// Percentiles (in %) of a crop's gray levels taken as its ink and paper levels by [`stretch_contrast`].
pub const STRETCH_PERCENTILES: (f32, f32) = (1.0, 99.0);

/// Crops whose ink-to-paper spread is below this many gray levels are stretched; 0 turns it off, the
/// default. Measured on `korean_photos` (page CER / aligned CER): off 11.19 % / 11.12 %; stretching
/// below 160 levels 11.19 % / 11.55 %; with Catmull-Rom upscaling 11.45 % / 11.08 %. `korean_real`
/// was unchanged (6.54 %) by either.
pub const STRETCH_BELOW_SPREAD: u8 = 0;

/// How crops are prepared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CropPrep {
    /// Filter when the crop is shorter than the target height.
    pub upscale: FilterType,
    /// Filter otherwise.
    pub downscale: FilterType,
    /// Stretch crops whose spread is below this (0: never).
    pub stretch_below: u8,
}

impl Default for CropPrep {
    fn default() -> Self {
        CropPrep {
            upscale: UPSCALE_FILTER,
            downscale: DOWNSCALE_FILTER,
            stretch_below: STRETCH_BELOW_SPREAD,
        }
    }
}

impl CropPrep {
    /// `crop` as gray, scaled to `w × h`, contrast-stretched when faint (if asked).
    pub fn gray(&self, crop: &RgbImage, w: u32, h: u32) -> GrayImage {
        let gray = image::imageops::grayscale(crop);
        let filter = if crop.height() < h {
            self.upscale
        } else {
            self.downscale
        };
        let mut g = image::imageops::resize(&gray, w.max(1), h.max(1), filter);
        if self.stretch_below > 0 {
            stretch_contrast(&mut g, self.stretch_below);
        }
        g
    }
}

/// The gray levels at the low and high [`STRETCH_PERCENTILES`] of `g`.
pub fn spread(g: &GrayImage) -> (u8, u8) {
    let mut hist = [0usize; 256];
    for p in g.pixels() {
        hist[p.0[0] as usize] += 1;
    }
    let n = g.pixels().len();
    let level = |pct: f32| -> u8 {
        let want = ((n as f32 * pct / 100.0).ceil() as usize).max(1);
        let mut acc = 0;
        for (v, &c) in hist.iter().enumerate() {
            acc += c;
            if acc >= want {
                return v as u8;
            }
        }
        255
    };
    (level(STRETCH_PERCENTILES.0), level(STRETCH_PERCENTILES.1))
}

/// Maps the crop's [`spread`] linearly onto 0–255 (clamping outside) when it is narrower than
/// `below` gray levels; returns whether it did. A flat crop (spread < 8 levels: no ink) is left alone,
/// so noise is not blown up into strokes.
pub fn stretch_contrast(g: &mut GrayImage, below: u8) -> bool {
    let (lo, hi) = spread(g);
    let d = hi.saturating_sub(lo);
    if d >= below || d < 8 {
        return false;
    }
    let (lo, d) = (lo as f32, d as f32);
    for p in g.pixels_mut() {
        p.0[0] = (((p.0[0] as f32 - lo) * 255.0 / d).round()).clamp(0.0, 255.0) as u8;
    }
    true
}

/// Writes `img` into item `n` of an `N×3×H×W` tensor in PP-OCR's layout — channels in BGR order, each
/// value `v / 127.5 − 1` — from its left edge; columns past `img`'s width keep what they hold (the
/// zeros of a fresh tensor: mid-grey padding). Row slices instead of one bounds-checked indexed write
/// per value; the same values (measured: 0.2 ms of the angle classifier's 10.7 ms around its model a
/// SROIE page — the resize was the rest).
pub fn fill_bgr(t: &mut ndarray::Array4<f32>, n: usize, img: &RgbImage) {
    let (h, w) = (t.shape()[2], t.shape()[3]);
    let (iw, ih) = ((img.width() as usize).min(w), (img.height() as usize).min(h));
    let mut item = t.index_axis_mut(ndarray::Axis(0), n);
    let planes = item.as_slice_mut().expect("a fresh tensor is in standard layout");
    let (b, rest) = planes.split_at_mut(h * w);
    let (g, r) = rest.split_at_mut(h * w);
    let raw = img.as_raw();
    let stride = img.width() as usize * 3;
    for y in 0..ih {
        let src = &raw[y * stride..y * stride + iw * 3];
        let at = y * w;
        for (x, p) in src.chunks_exact(3).enumerate() {
            r[at + x] = p[0] as f32 / 127.5 - 1.0;
            g[at + x] = p[1] as f32 / 127.5 - 1.0;
            b[at + x] = p[2] as f32 / 127.5 - 1.0;
        }
    }
}

/// [`fill_bgr`] for the Korean recogniser's one gray channel.
pub fn fill_gray(t: &mut ndarray::Array4<f32>, n: usize, img: &GrayImage) {
    let (h, w) = (t.shape()[2], t.shape()[3]);
    let (iw, ih) = ((img.width() as usize).min(w), (img.height() as usize).min(h));
    let mut item = t.index_axis_mut(ndarray::Axis(0), n);
    let plane = item.as_slice_mut().expect("a fresh tensor is in standard layout");
    let raw = img.as_raw();
    for y in 0..ih {
        let src = &raw[y * img.width() as usize..][..iw];
        for (d, &v) in plane[y * w..][..iw].iter_mut().zip(src) {
            *d = v as f32 / 127.5 - 1.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb};

    #[test]
    fn tensor_fills_match_indexed_writes_and_leave_the_padding() {
        let img = RgbImage::from_fn(5, 3, |x, y| Rgb([(x * 40) as u8, (y * 90) as u8, (x + y) as u8 * 17]));
        let mut t = ndarray::Array4::<f32>::zeros((2, 3, 4, 7));
        fill_bgr(&mut t, 1, &img);
        let mut want = ndarray::Array4::<f32>::zeros((2, 3, 4, 7));
        for (x, y, p) in img.enumerate_pixels() {
            let (x, y) = (x as usize, y as usize);
            want[[1, 0, y, x]] = p.0[2] as f32 / 127.5 - 1.0;
            want[[1, 1, y, x]] = p.0[1] as f32 / 127.5 - 1.0;
            want[[1, 2, y, x]] = p.0[0] as f32 / 127.5 - 1.0;
        }
        assert_eq!(t, want);
        let gray = GrayImage::from_fn(5, 3, |x, y| Luma([(x * 50 + y) as u8]));
        let mut t = ndarray::Array4::<f32>::zeros((1, 1, 4, 7));
        fill_gray(&mut t, 0, &gray);
        for (x, y, p) in gray.enumerate_pixels() {
            assert_eq!(t[[0, 0, y as usize, x as usize]], p.0[0] as f32 / 127.5 - 1.0);
        }
        assert_eq!(t[[0, 0, 3, 6]], 0.0);
        assert_eq!(t[[0, 0, 0, 5]], 0.0);
    }

    /// A faint crop: light grey "ink" bars (170) on off-white paper (215).
    fn faint(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            if (x / 3) % 2 == 0 && y > h / 4 && y < 3 * h / 4 {
                Rgb([170, 170, 170])
            } else {
                Rgb([215, 215, 215])
            }
        })
    }

    /// Catmull-Rom upscaling and stretching below 160 levels: the alternative measured against the
    /// default.
    const SHARP: CropPrep = CropPrep {
        upscale: FilterType::CatmullRom,
        downscale: FilterType::Triangle,
        stretch_below: 160,
    };

    #[test]
    fn faint_crops_are_stretched_to_the_full_range() {
        let mut g = image::imageops::grayscale(&faint(60, 20));
        assert_eq!(spread(&g), (170, 215));
        assert!(stretch_contrast(&mut g, 160));
        assert_eq!(spread(&g), (0, 255));
        // Ink stays darker than paper.
        assert!(g.get_pixel(0, 10).0[0] < g.get_pixel(3, 10).0[0]);
    }

    #[test]
    fn contrasty_and_blank_crops_are_left_alone() {
        let mut black_on_white =
            GrayImage::from_fn(40, 10, |x, _| Luma([if x % 4 == 0 { 10 } else { 245 }]));
        let before = black_on_white.clone();
        assert!(!stretch_contrast(&mut black_on_white, 160));
        assert_eq!(black_on_white, before);
        let mut blank = GrayImage::from_pixel(40, 10, Luma([200]));
        blank.put_pixel(3, 3, Luma([196]));
        assert!(!stretch_contrast(&mut blank, 160));
        assert_eq!(blank.get_pixel(0, 0).0[0], 200);
    }

    #[test]
    fn crops_come_out_at_the_asked_size_with_the_filter_for_their_direction() {
        let small = faint(30, 12);
        let big = faint(240, 96);
        for prep in [CropPrep::default(), SHARP] {
            assert_eq!(prep.gray(&small, 120, 48).dimensions(), (120, 48));
            assert_eq!(prep.gray(&big, 120, 48).dimensions(), (120, 48));
        }
        // The default keeps the faint levels; stretching spreads them.
        let plain = CropPrep::default().gray(&big, 120, 48);
        let (lo, hi) = spread(&plain);
        assert!(lo >= 165 && hi <= 215, "{lo} {hi}");
        assert_eq!(spread(&SHARP.gray(&big, 120, 48)), (0, 255));
        // Upscaling a sharp edge with Catmull-Rom gives a steeper edge than bilinear.
        let edge = RgbImage::from_fn(8, 8, |x, _| {
            if x < 4 {
                Rgb([0, 0, 0])
            } else {
                Rgb([255, 255, 255])
            }
        });
        let cr = CropPrep {
            stretch_below: 0,
            ..SHARP
        }
        .gray(&edge, 48, 48);
        let tri = CropPrep::default().gray(&edge, 48, 48);
        let steep = |g: &GrayImage| {
            (0..47)
                .map(|x| g.get_pixel(x + 1, 20).0[0].abs_diff(g.get_pixel(x, 20).0[0]))
                .max()
        };
        assert!(
            steep(&cr) > steep(&tri),
            "{:?} {:?}",
            steep(&cr),
            steep(&tri)
        );
    }
}
