//! EXIF orientation.
//!
//! Phones store photos in sensor order and record how to turn them in the
//! EXIF `Orientation` tag (values 1–8). A receipt photographed in portrait
//! is typically stored *sideways* with orientation 6; recognising it as
//! stored would feed the detector text rotated by 90°. So the tag is
//! applied here, once, and every later stage sees the upright image.
//!
//! The tag is read by `image`'s `ImageDecoder::orientation()`, which parses
//! the EXIF block of JPEG (APP1), PNG (`eXIf`), WebP and TIFF; for pages
//! decoded directly with the `tiff` crate the TIFF tag 274 is read from the
//! page's own IFD.

use image::imageops;
use image::metadata::Orientation;
use image::RgbImage;

/// Orientation for a raw EXIF/TIFF tag value; out-of-range values mean
/// "leave as is".
pub(crate) fn from_tag(value: u64) -> Orientation {
    u8::try_from(value)
        .ok()
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

/// Returns `img` turned upright according to `orientation`.
pub(crate) fn apply(mut img: RgbImage, orientation: Orientation) -> RgbImage {
    match orientation {
        Orientation::NoTransforms => img,
        Orientation::Rotate90 => imageops::rotate90(&img),
        Orientation::Rotate180 => {
            imageops::rotate180_in_place(&mut img);
            img
        }
        Orientation::Rotate270 => imageops::rotate270(&img),
        Orientation::FlipHorizontal => {
            imageops::flip_horizontal_in_place(&mut img);
            img
        }
        Orientation::FlipVertical => {
            imageops::flip_vertical_in_place(&mut img);
            img
        }
        Orientation::Rotate90FlipH => {
            let mut r = imageops::rotate90(&img);
            imageops::flip_horizontal_in_place(&mut r);
            r
        }
        Orientation::Rotate270FlipH => {
            let mut r = imageops::rotate270(&img);
            imageops::flip_horizontal_in_place(&mut r);
            r
        }
    }
}
