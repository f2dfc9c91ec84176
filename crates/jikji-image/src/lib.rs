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
//! * **One page at a time.** A [`Document`] is opened (format sniffed,
//!   pages counted) and then yields its pages lazily: page N+1 is decoded
//!   only when asked for, after page N has been read, so memory holds one
//!   page whatever the page count.
//! * **PDF in a sandbox.** The PDF renderer has no memory cap of its own, so
//!   a service renders in a child process limited in memory and CPU
//!   ([`PdfRenderer::Sandboxed`], see `sandbox.rs`).
//!
//! Formats: JPEG, PNG, BMP, GIF and WebP (first frame) through the `image`
//! crate; every page of a TIFF through the `tiff` crate; every page of a PDF
//! rendered by `hayro` (pure Rust).
//!
//! ```no_run
//! use jikji_image::{Cancel, Document, Format, Limits};
//!
//! let bytes = std::fs::read("scan.pdf")?;
//! let mut doc = Document::open(&bytes, Format::from_hint("pdf"), &Limits::default(), &Cancel::new())?;
//! doc.check_page_limit()?;
//! while let Some(page) = doc.next_page() {
//!     let page = page?;
//!     println!("page {}: {}x{}", page.index, page.image.width(), page.image.height());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod card;
mod color;
mod error;
mod exif;
#[cfg(feature = "fixtures")]
pub mod fixtures;
mod limits;
mod mask;
mod pdf;
mod probe;
mod raster;
mod resize;
mod sandbox;
mod sniff;
mod tiff;

#[cfg(test)]
mod tests;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

pub use crate::card::find_card_quad;
pub use crate::error::InputError;
pub use crate::mask::{mask_quads, MASK_MARGIN_PX};
pub use crate::limits::{Limits, PdfRenderer};
pub use crate::resize::{resize, turn_upright};
pub use crate::sandbox::{render_pdf_main, RENDER_PDF_ARG};
pub use crate::sniff::{sniff, Format};
pub use jikji_types::Cancel;

use crate::limits::Deadline;

/// One decoded page, upright and in 8-bit RGB.
#[derive(Clone, Debug)]
pub struct Page {
    /// Zero-based page number within the document (always 0 for
    /// single-image formats).
    pub index: usize,
    /// The page's pixels.
    pub image: image::RgbImage,
    /// For a PDF page, its size in points (1/72 inch, rotation applied):
    /// callers that report coordinates in a resolution of their own (CLOVA
    /// reports PDF pages at 2 pixels per point) map from the rendered pixels
    /// with it.
    pub size_pt: Option<(f32, f32)>,
}

/// Where a document's pages come from.
enum Source<'a> {
    Raster,
    Tiff(tiff::TiffPages<'a>),
    Pdf(pdf::InProcessPdf),
    SandboxedPdf(sandbox::SandboxedPdf),
}

/// An opened document whose pages are decoded one at a time, on request.
///
/// Opening sniffs the format and counts the pages (PDF page tree, TIFF
/// directory chain) without decoding pixels; [`Document::next_page`] then
/// decodes the next page only. Every limit of [`Limits`] applies, the
/// decode-time budget runs from the opening, and the [`Cancel`] token is
/// checked before each page (a sandboxed PDF renderer is killed when it
/// fires).
pub struct Document<'a> {
    bytes: &'a [u8],
    format: Format,
    limits: Limits,
    cancel: Cancel,
    deadline: Deadline,
    source: Source<'a>,
    count: usize,
    next: usize,
}

impl std::fmt::Debug for Document<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Document")
            .field("format", &self.format)
            .field("pages", &self.count)
            .field("next", &self.next)
            .finish()
    }
}

impl<'a> Document<'a> {
    /// Opens `bytes`: checks emptiness and size, sniffs the format (`hint`
    /// only matters when the magic bytes are inconclusive) and counts the
    /// pages. Nothing is rendered yet.
    pub fn open(
        bytes: &'a [u8],
        hint: Option<Format>,
        limits: &Limits,
        cancel: &Cancel,
    ) -> Result<Document<'a>, InputError> {
        let format = resolve_format(bytes, hint, limits)?;
        let deadline = Deadline::start(limits.max_decode_time);
        if cancel.check().is_err() {
            return Err(InputError::Cancelled);
        }
        let source = match (format, &limits.pdf_renderer) {
            (Format::Pdf, PdfRenderer::Sandboxed(program)) => Source::SandboxedPdf(
                sandbox::SandboxedPdf::open(program, bytes, limits, cancel)?,
            ),
            (Format::Pdf, PdfRenderer::InProcess) => {
                Source::Pdf(guarded(format, || pdf::InProcessPdf::open(bytes))?)
            }
            (Format::Tiff, _) => Source::Tiff(guarded(format, || {
                tiff::TiffPages::open(bytes, limits, &deadline)
            })?),
            _ => Source::Raster,
        };
        let count = match &source {
            Source::Raster => 1,
            Source::Tiff(t) => t.count(),
            Source::Pdf(p) => p.sizes().len(),
            Source::SandboxedPdf(p) => p.sizes().len(),
        };
        Ok(Document {
            bytes,
            format,
            limits: limits.clone(),
            cancel: cancel.clone(),
            deadline,
            source,
            count,
            next: 0,
        })
    }

    /// The sniffed format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Number of pages (1 for single-image formats). Not limited by
    /// [`Limits::max_pages`]: see [`Document::check_page_limit`].
    pub fn page_count(&self) -> usize {
        self.count
    }

    /// [`InputError::TooManyPages`] when the document has more pages than
    /// [`Limits::max_pages`]. APIs that read every page call it before the
    /// first; APIs that read only the first page do not.
    pub fn check_page_limit(&self) -> Result<(), InputError> {
        if self.count > self.limits.max_pages {
            return Err(InputError::TooManyPages {
                pages: self.count,
                max: self.limits.max_pages,
            });
        }
        Ok(())
    }

    /// Decodes the next page; `None` after the last.
    pub fn next_page(&mut self) -> Option<Result<Page, InputError>> {
        if self.next >= self.count {
            return None;
        }
        let index = self.next;
        self.next += 1;
        Some(self.decode_page(index))
    }

    fn decode_page(&mut self, index: usize) -> Result<Page, InputError> {
        if self.cancel.check().is_err() {
            return Err(InputError::Cancelled);
        }
        if index > 0 {
            self.deadline.check()?;
        }
        let (format, limits, bytes) = (self.format, &self.limits, self.bytes);
        let (image, size_pt) = match &mut self.source {
            Source::Raster => (guarded(format, || raster::decode(bytes, format, limits))?, None),
            Source::Tiff(t) => (guarded(format, || t.page(index, limits))?, None),
            Source::Pdf(p) => (
                guarded(format, || p.render(index, limits))?,
                p.sizes().get(index).copied(),
            ),
            Source::SandboxedPdf(p) => {
                let size = p.sizes().get(index).copied();
                (p.render(index, limits, &self.cancel)?, size)
            }
        };
        Ok(Page {
            index,
            image,
            size_pt,
        })
    }
}

impl Iterator for Document<'_> {
    type Item = Result<Page, InputError>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_page()
    }
}

/// Decodes every page of `bytes` at once (for callers that need them all;
/// OCR reads pages one at a time through [`Document`]).
///
/// Fails with [`InputError::TooManyPages`] before rendering anything if a
/// PDF or TIFF has more than [`Limits::max_pages`] pages.
pub fn decode(
    bytes: &[u8],
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Vec<Page>, InputError> {
    let doc = Document::open(bytes, hint, limits, &Cancel::new())?;
    doc.check_page_limit()?;
    doc.collect()
}

/// Decodes only the first page, for APIs that read one page (CLOVA Template
/// and Document OCR). The page-count limit does not apply, since only one
/// page is decoded.
pub fn decode_first_page(
    bytes: &[u8],
    hint: Option<Format>,
    limits: &Limits,
) -> Result<Page, InputError> {
    let mut doc = Document::open(bytes, hint, limits, &Cancel::new())?;
    // Every document has at least one page (opening refuses those without).
    doc.next_page().unwrap_or(Err(InputError::UnknownFormat))
}

/// Reads a file whose size is checked against [`Limits::max_bytes`] before
/// it is read. Returns the bytes and the format hint of its extension.
pub fn read_file(path: &Path, limits: &Limits) -> Result<(Vec<u8>, Option<Format>), InputError> {
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
    Ok((bytes, hint))
}

/// Reads and decodes every page of a file; the extension is used as the
/// format hint. Files over [`Limits::max_bytes`] are refused before being
/// read.
pub fn decode_file(path: &Path, limits: &Limits) -> Result<Vec<Page>, InputError> {
    let (bytes, hint) = read_file(path, limits)?;
    decode(&bytes, hint, limits)
}

/// Number of pages `bytes` would decode to: parsed from the PDF page tree or
/// the TIFF directory chain without decoding pixels; 1 for single-image
/// formats. Not limited by [`Limits::max_pages`] (callers can use it to
/// report or bill page counts).
pub fn page_count(bytes: &[u8], limits: &Limits) -> Result<usize, InputError> {
    Ok(Document::open(bytes, None, limits, &Cancel::new())?.page_count())
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
