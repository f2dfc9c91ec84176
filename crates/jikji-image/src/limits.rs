//! Resource limits applied to every decode.
//!
//! An OCR service accepts files from the network, and image formats are
//! excellent amplifiers: a 50 KiB PNG can declare a 100 000 x 100 000 canvas
//! (a "decompression bomb", 30 GB of RGB), a 1 MiB PDF can hold thousands of
//! pages, and a TIFF can chain IFDs indefinitely. [`Limits`] bounds each of
//! those axes separately, and every bound is checked from headers *before*
//! the expensive work happens.

use std::time::{Duration, Instant};

use crate::InputError;

/// Where PDF pages are rendered (see [`Limits::pdf_renderer`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PdfRenderer {
    /// In this process: fast to start, but a PDF can make the renderer
    /// allocate without bound. For trusted files and tests.
    InProcess,
    /// In a child process `PROGRAM render-pdf …` limited in memory
    /// ([`Limits::pdf_memory`]) and CPU time (see `crate::sandbox`). The
    /// program's `main` must hand that mode to
    /// [`render_pdf_main`](crate::render_pdf_main).
    Sandboxed(std::path::PathBuf),
}

/// Bounds on what one request may make the decoder do.
///
/// The defaults suit a service that reads documents, receipts and phone
/// photos; see each field for the reasoning.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest accepted upload, in bytes. Default 50 MiB, the same cap
    /// CLOVA OCR documents for its own uploads.
    pub max_bytes: usize,

    /// Largest page, in pixels (width x height). Default 50 000 000.
    ///
    /// That admits an A4 page scanned at 600 dpi (4961 x 7016 = 34.8 MP) and
    /// a 48-megapixel phone photo (8064 x 6048 = 48.8 MP), the largest
    /// inputs OCR users realistically send. Decoding such a page peaks at
    /// roughly 8 bytes per pixel (a 16-bit RGBA intermediate) plus 3 for the
    /// RGB result, i.e. about 0.5 GB, which is the most memory one request
    /// should be able to claim. Text detection downsamples far below this
    /// anyway, so refusing larger pages loses no accuracy.
    pub max_pixels: u64,

    /// Longest accepted side, in pixels. Default 20 000.
    ///
    /// Guards against degenerate shapes that pass `max_pixels` (a
    /// 1 x 40 000 000 strip) yet break tiling and resizing downstream; long
    /// receipts stay well under it.
    pub max_side: u32,

    /// Most pages accepted from a PDF or multi-page TIFF. Default 10, the
    /// page cap of CLOVA OCR's General API. Counted before any rendering.
    pub max_pages: usize,

    /// Wall-clock budget for decoding one file. Default 30 s. Checked
    /// between pages; within a page, raster and TIFF decoders are bounded by
    /// `max_pixels` (they cannot be interrupted), and a sandboxed PDF
    /// renderer is killed when this or [`Limits::max_page_time`] runs out.
    pub max_decode_time: Duration,

    /// Wall-clock budget for one PDF page in the sandboxed renderer. Default
    /// 20 s: an A4 page of dense vector drawing renders in well under a
    /// second at 200 dpi, so a page that takes longer is hostile or broken.
    pub max_page_time: Duration,

    /// Memory budget of the sandboxed PDF renderer, in bytes of address
    /// space beyond what the process maps at start-up. Default 512 MiB: an A4
    /// page at 200 dpi is a 16 MB canvas, and a full-page 600 dpi scan
    /// embedded in a PDF decodes to about 140 MB of RGBA, so real documents
    /// fit with room to spare. A flate bomb inflates at roughly 250 MB/s in
    /// the renderer (measured on this project's 2-core machine), so the
    /// budget also bounds how long one bomb holds a worker (about 2 s at
    /// 512 MiB, 4–5 s at 1 GiB; nine bombs on two workers must finish
    /// inside the request timeout). A file that needs more ends the renderer,
    /// not the service, and is answered with [`InputError::OverBudget`].
    pub pdf_memory: u64,

    /// Where PDF pages are drawn. Default [`PdfRenderer::InProcess`], for
    /// library use on trusted files; a service must use
    /// [`PdfRenderer::Sandboxed`] (the `jikji` binary always does).
    pub pdf_renderer: PdfRenderer,

    /// Resolution at which PDF pages are rendered, in dots per inch
    /// (PDF user space is 1/72 inch). Default 200: small print (8 pt) is then
    /// about 22 px tall, comfortably readable by the recogniser, while an A4
    /// page stays at 1654 x 2339 = 3.9 MP. Pages that would exceed
    /// `max_pixels` or `max_side` at this resolution are rendered at a lower
    /// one instead of being refused.
    pub pdf_dpi: f32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 50 * 1024 * 1024,
            max_pixels: 50_000_000,
            max_side: 20_000,
            max_pages: 10,
            max_decode_time: Duration::from_secs(30),
            max_page_time: Duration::from_secs(20),
            pdf_memory: 512 << 20,
            pdf_renderer: PdfRenderer::InProcess,
            pdf_dpi: 200.0,
        }
    }
}

impl Limits {
    /// Refuses a page of `width` x `height` if it breaks `max_pixels` or
    /// `max_side` (or is empty).
    pub(crate) fn check_dimensions(&self, width: u32, height: u32) -> Result<(), InputError> {
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels || width > self.max_side || height > self.max_side {
            return Err(InputError::TooManyPixels {
                width,
                height,
                max: self.max_pixels,
            });
        }
        Ok(())
    }

    /// Upper bound for any single decoder allocation: the page at the widest
    /// sample type we accept (RGBA, 16 bits per channel), plus slack for
    /// decoder bookkeeping.
    pub(crate) fn max_alloc(&self) -> u64 {
        self.max_pixels.saturating_mul(8).saturating_add(16 << 20)
    }

    /// The same bounds expressed as `image` crate limits, so the decoder
    /// enforces them too (defence in depth).
    pub(crate) fn image_limits(&self) -> image::Limits {
        let mut l = image::Limits::default();
        l.max_image_width = Some(self.max_side);
        l.max_image_height = Some(self.max_side);
        l.max_alloc = Some(self.max_alloc());
        l
    }

    /// `pdf_dpi`, or the default if it is not a usable number.
    pub(crate) fn effective_pdf_dpi(&self) -> f64 {
        let dpi = f64::from(self.pdf_dpi);
        if dpi.is_finite() && dpi > 0.0 {
            dpi.min(2400.0)
        } else {
            200.0
        }
    }
}

/// A running clock for [`Limits::max_decode_time`].
pub(crate) struct Deadline {
    start: Instant,
    max: Duration,
}

impl Deadline {
    pub(crate) fn start(max: Duration) -> Self {
        Deadline {
            start: Instant::now(),
            max,
        }
    }

    /// `Err(Timeout)` once the budget is spent.
    pub(crate) fn check(&self) -> Result<(), InputError> {
        if self.start.elapsed() > self.max {
            Err(InputError::Timeout {
                seconds: self.max.as_secs(),
            })
        } else {
            Ok(())
        }
    }
}
