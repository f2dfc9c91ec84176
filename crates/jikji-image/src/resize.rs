//! Fast resizing of decoded pages (SIMD convolution from `fast_image_resize`).
//!
//! Why not `image::imageops::resize`: shrinking a 600 dpi A4 scan (4961×7016) to the detector's input
//! took ~300 ms with it, several times the cost of this path, and every page goes through at least one
//! such resize.

use image::RgbImage;

/// Resizes `img` to `width x height` with a bilinear (triangle) convolution, which averages over the
/// whole footprint when shrinking (no aliasing, like `image`'s `Triangle` filter). Sizes of 0 are
/// raised to 1.
pub fn resize(img: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (width, height) = (width.max(1), height.max(1));
    if img.dimensions() == (width, height) {
        return img.clone();
    }
    if img.width() == 0 || img.height() == 0 {
        return RgbImage::new(width, height);
    }
    let mut dst = RgbImage::new(width, height);
    let options = fast_image_resize::ResizeOptions::new().resize_alg(
        fast_image_resize::ResizeAlg::Convolution(fast_image_resize::FilterType::Bilinear),
    );
    match fast_image_resize::Resizer::new().resize(img, &mut dst, &options) {
        Ok(()) => dst,
        // Both images are RGB8 of non-zero size, so the resizer has no reason to refuse; should it ever,
        // the slower resize gives the same picture.
        Err(_) => {
            image::imageops::resize(img, width, height, image::imageops::FilterType::Triangle)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_averages_and_keeps_flat_colours() {
        let img = RgbImage::from_pixel(400, 300, image::Rgb([10, 200, 30]));
        let out = resize(&img, 100, 75);
        assert_eq!(out.dimensions(), (100, 75));
        assert!(out.pixels().all(|p| p.0 == [10, 200, 30]));
        // A 1-px checkerboard shrunk 4x is mid grey, not aliased black or white.
        let checker = RgbImage::from_fn(400, 400, |x, y| {
            if (x + y) % 2 == 0 {
                image::Rgb([0; 3])
            } else {
                image::Rgb([255; 3])
            }
        });
        let out = resize(&checker, 100, 100);
        let p = out.get_pixel(50, 50).0[0];
        assert!((100..=155).contains(&p), "{p}");
    }

    #[test]
    fn degenerate_sizes_do_not_panic() {
        let img = RgbImage::from_pixel(5, 5, image::Rgb([1, 2, 3]));
        assert_eq!(resize(&img, 0, 0).dimensions(), (1, 1));
        assert_eq!(resize(&img, 5, 5), img);
        assert_eq!(resize(&RgbImage::new(0, 0), 3, 2).dimensions(), (3, 2));
    }

    #[test]
    fn enlarging_works() {
        let img = RgbImage::from_fn(10, 4, |x, _| image::Rgb([(x * 25) as u8; 3]));
        let out = resize(&img, 40, 16);
        assert_eq!(out.dimensions(), (40, 16));
        assert!(out.get_pixel(0, 8).0[0] < out.get_pixel(39, 8).0[0]);
    }
}

/// The page turned upright when its text is turned by `turns` quarter turns clockwise on screen (as
/// [`jikji_types::quarter_turns`] counts them): one quarter turn back counter-clockwise for 1, half a
/// turn for 2, a quarter turn clockwise for 3; a copy for 0. Word boxes follow with
/// [`jikji_types::PageResult::turn`].
pub fn turn_upright(img: &RgbImage, turns: u8) -> RgbImage {
    match turns % 4 {
        0 => img.clone(),
        1 => image::imageops::rotate270(img),
        2 => image::imageops::rotate180(img),
        _ => image::imageops::rotate90(img),
    }
}
