//! Single-image formats decoded with the `image` crate: JPEG, PNG, BMP,
//! GIF and WebP (first frame), plus the first page of a TIFF when only that
//! is wanted.
//!
//! Order of operations, each step cheaper than the next:
//!
//! 1. declared size from the raw header ([`probe`](crate::probe)) checked
//!    against [`Limits`];
//! 2. structural truncation check;
//! 3. decoder constructed (reads the header only), its dimensions checked
//!    again, `image::Limits` installed so the decoder enforces them too;
//! 4. pixels decoded, EXIF orientation applied, converted to RGB.

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, RgbImage};

use crate::{color, exif, probe, Format, InputError, Limits};

/// Decodes one image of `format` into upright 8-bit RGB.
pub(crate) fn decode(
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<RgbImage, InputError> {
    let Some(image_format) = format.image_format() else {
        return Err(InputError::corrupt(format, "not a raster image format"));
    };

    if let Some((w, h)) = probe::header_dimensions(format, bytes) {
        limits.check_dimensions(w, h)?;
    }
    if probe::is_truncated(format, bytes) {
        return Err(InputError::Truncated { format });
    }

    // Header only: no width/height limit yet, so that an oversized image is
    // reported with its real dimensions rather than as a generic limit
    // error. Allocation is already capped.
    let mut reader = ImageReader::with_format(Cursor::new(bytes), image_format);
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(limits.max_alloc());
    reader.limits(header_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_error(e, format, None, limits))?;

    let (w, h) = decoder.dimensions();
    limits.check_dimensions(w, h)?;
    if w == 0 || h == 0 {
        return Err(InputError::corrupt(
            format,
            "the image has zero width or height",
        ));
    }
    decoder
        .set_limits(limits.image_limits())
        .map_err(|e| map_error(e, format, Some((w, h)), limits))?;

    // A broken EXIF block must not cost the user their image: fall back to
    // "as stored".
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);

    let img = DynamicImage::from_decoder(decoder)
        .map_err(|e| map_error(e, format, Some((w, h)), limits))?;
    Ok(exif::apply(color::to_rgb8(img), orientation))
}

/// Translates an `image` error into the user-facing taxonomy.
fn map_error(
    e: ImageError,
    format: Format,
    dims: Option<(u32, u32)>,
    limits: &Limits,
) -> InputError {
    match e {
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            InputError::Truncated { format }
        }
        ImageError::Limits(_) => match dims {
            Some((width, height)) => InputError::TooManyPixels {
                width,
                height,
                max: limits.max_pixels,
            },
            None => InputError::corrupt(
                format,
                "the image needs more memory to decode than is allowed",
            ),
        },
        ImageError::Unsupported(u) => {
            InputError::corrupt(format, format!("unsupported variant of the format ({u})"))
        }
        other => {
            let text = other.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("unexpected end") || lower.contains("eof") {
                InputError::Truncated { format }
            } else {
                InputError::Corrupt {
                    format,
                    detail: text,
                }
            }
        }
    }
}
