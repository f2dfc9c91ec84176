//! Jikji's image-input stage: untrusted upload bytes in, upright 8-bit RGB
//! pages out.
//!
//! Everything an OCR request carries (a phone photo, a scanned TIFF, a
//! multi-page PDF) passes through here first, and the bytes come from the
//! network. That shapes the whole crate:
//!
//! * **The bytes decide the format.** [`sniff`] reads magic numbers; a
//!   declared extension ([`Format::from_hint`]) is only a hint, because
//!   clients mislabel uploads all the time.
//! * **Size is checked before work.** Declared dimensions are read from the
//!   header and compared with [`Limits`] *before* pixel memory is allocated,
//!   pages are counted before any is rendered, and the decode time budget is
//!   checked between pages. A decompression bomb is refused in microseconds.
//! * **One output type.** Every page becomes an [`image::RgbImage`]: alpha
//!   composited over white (transparent PNG text stays readable), 16-bit and
//!   float samples scaled to 8 bits, grey expanded, EXIF orientation
//!   applied. Later stages never think about colour models or rotation
//!   flags.
//! * **Errors are for people.** [`InputError`]'s messages are returned to
//!   API clients verbatim, so they say what is wrong with the file.
//! * **No panics escape.** Inputs are validated first; as a last line of
//!   defence every decoder call runs under [`std::panic::catch_unwind`] and
//!   a panic becomes [`InputError::Corrupt`].
//!
//! Formats: JPEG, PNG, BMP, GIF and WebP (first frame) through the `image`
//! crate; every page of a TIFF through the `tiff` crate; every page of a PDF
//! rendered by `hayro` (pure Rust).
//!
//! ```no_run
//! use jikji_image::{decode, Format, Limits};
//!
//! let bytes = std::fs::read("receipt.jpg")?;
//! let pages = decode(&bytes, Format::from_hint("jpg"), &Limits::default())?;
//! for page in &pages {
//!     println!("page {}: {}x{}", page.index, page.image.width(), page.image.height());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod color;
mod error;
mod exif;
mod limits;
mod pdf;
mod probe;
mod raster;
mod resize;
mod sniff;
mod tiff;

#[cfg(test)]
mod tests;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

pub use crate::error::InputError;
pub use crate::limits::Limits;
pub use crate::resize::resize;
pub use crate::sniff::{sniff, Format};

use crate::limits::Deadline;

/// One decoded page, upright and in 8-bit RGB.
#[derive(Clone, Debug)]
pub struct Page {
    /// Zero-based page number within the document (always 0 for
    /// single-image formats).
    pub index: usize,
    /// The page's pixels.
    pub image: image::RgbImage,
}

/// Decodes every page of `bytes`.
///
/// `hint` is the declared format (from a file extension or the request's
/// `format` field). The magic bytes take precedence; the hint only matters
/// when they are inconclusive (a PDF whose header is buried behind junk).
///
/// Fails with [`InputError::TooManyPages`] before rendering anything if a
/// PDF or TIFF has more than [`Limits::max_pages`] pages.
pub fn decode(
    bytes: &[u8],
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Vec<Page>, InputError> {
    decode_impl(bytes, hint, limits, false)
}

/// Decodes only the first page, for APIs that read one page (CLOVA Template
/// and Document OCR). The page-count limit does not apply, since only one
/// page is decoded.
pub fn decode_first_page(
    bytes: &[u8],
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Page, InputError> {
    let mut pages = decode_impl(bytes, hint, limits, true)?;
    // Every decoder yields at least one page or an error.
    if pages.is_empty() {
        return Err(InputError::UnknownFormat);
    }
    Ok(pages.swap_remove(0))
}

/// Reads and decodes a file; the extension is used as the format hint.
/// Files over [`Limits::max_bytes`] are refused before being read.
pub fn decode_file(path: &Path, limits: &Limits) -> Result<Vec<Page>, InputError> {
    let len = std::fs::metadata(path)?.len();
    if len > limits.max_bytes as u64 {
        return Err(InputError::TooLarge {
            bytes: usize::try_from(len).unwrap_or(usize::MAX),
            max: limits.max_bytes,
        });
    }
    let bytes = std::fs::read(path)?;
    let hint = path
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_hint);
    decode(&bytes, hint, limits)
}

/// Number of pages `bytes` would decode to: parsed from the PDF page tree or
/// the TIFF directory chain without decoding pixels; 1 for single-image
/// formats. Not limited by [`Limits::max_pages`] (callers can use it to
/// report or bill page counts).
pub fn page_count(bytes: &[u8], limits: &Limits) -> Result<usize, InputError> {
    let format = resolve_format(bytes, None, limits)?;
    guarded(format, || match format {
        Format::Pdf => pdf::page_count(bytes),
        Format::Tiff => tiff::page_count(bytes, limits),
        _ => Ok(1),
    })
}

/// Common entry checks: empty, too large, recognisable.
fn resolve_format(
    bytes: &[u8],
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Format, InputError> {
    if bytes.is_empty() {
        return Err(InputError::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(InputError::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    match (sniff(bytes), hint) {
        (Some(format), _) => Ok(format),
        // PDF readers accept a header anywhere near the start and hayro can
        // rebuild a document without one, so a declared PDF gets a try.
        (None, Some(Format::Pdf)) if sniff::find(bytes, b"%PDF-").is_some() => Ok(Format::Pdf),
        (None, _) => Err(InputError::UnknownFormat),
    }
}

fn decode_impl(
    bytes: &[u8],
    hint: Option<Format>,
    limits: &Limits,
    first_only: bool,
) -> Result<Vec<Page>, InputError> {
    let format = resolve_format(bytes, hint, limits)?;
    let deadline = Deadline::start(limits.max_decode_time);
    guarded(format, || match format {
        Format::Pdf => pdf::decode(bytes, limits, &deadline, first_only),
        Format::Tiff => tiff::decode(bytes, limits, &deadline, first_only),
        _ => {
            let image = raster::decode(bytes, format, limits)?;
            Ok(vec![Page { index: 0, image }])
        }
    })
}

/// Runs `f`, turning a panic inside a decoder into [`InputError::Corrupt`].
///
/// Validation comes first, so this should never fire; it exists because
/// third-party decoders are large and fuzzing never finishes.
fn guarded<T>(format: Format, f: impl FnOnce() -> Result<T, InputError>) -> Result<T, InputError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(InputError::corrupt(
            format,
            "the decoder could not process this file",
        ))
    })
}
