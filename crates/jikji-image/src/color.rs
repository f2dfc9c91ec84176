//! Conversion of whatever a decoder produced into 8-bit RGB.
//!
//! The rest of the pipeline sees exactly one pixel type, [`RgbImage`], so
//! every policy decision about colour lives here:
//!
//! * **Alpha is composited over white**, never dropped. Transparent PNGs of
//!   text usually store black ink on fully transparent *black* pixels;
//!   dropping alpha would turn the page solid black. Paper is white, so
//!   white is the background OCR expects.
//! * **16-bit and float samples are scaled** to 8 bits (`image`'s own
//!   conversion, which rounds).
//! * **Grey is expanded** to three equal channels.

use image::{DynamicImage, RgbImage, RgbaImage};

/// `value` (0–255) with coverage `alpha` (0–255) over a white background.
#[inline]
pub(crate) fn over_white(value: u8, alpha: u8) -> u8 {
    let v = u32::from(value) * u32::from(alpha) + 255 * (255 - u32::from(alpha));
    ((v + 127) / 255) as u8
}

/// Flattens an RGBA image onto white.
pub(crate) fn flatten_rgba(rgba: RgbaImage) -> RgbImage {
    let (w, h) = rgba.dimensions();
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for p in rgba.as_raw().chunks_exact(4) {
        let a = p[3];
        out.extend_from_slice(&[
            over_white(p[0], a),
            over_white(p[1], a),
            over_white(p[2], a),
        ]);
    }
    RgbImage::from_raw(w, h, out).expect("buffer length matches dimensions")
}

/// Any decoded image as 8-bit RGB, alpha over white.
pub(crate) fn to_rgb8(img: DynamicImage) -> RgbImage {
    match img {
        DynamicImage::ImageRgb8(rgb) => rgb,
        other if other.color().has_alpha() => flatten_rgba(other.into_rgba8()),
        other => other.into_rgb8(),
    }
}
