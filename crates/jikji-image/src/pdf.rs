//! PDF pages rendered with `hayro`, a pure-Rust rasteriser (no C library).
//!
//! hayro inflates content streams and images into buffers of whatever size the
//! file asks for, so a 3 MB PDF can make it allocate gigabytes. This module
//! is therefore normally run in a resource-limited child process (see
//! [`crate::sandbox`]); in-process rendering is for trusted input and tests.
//!
//! * Pages are counted when the document is opened, before anything is
//!   drawn, so [`InputError::TooManyPages`] costs no rendering.
//! * The scale comes from [`Limits::pdf_dpi`] (PDF user space is 1/72 inch)
//!   and is lowered per page until the page fits `max_pixels` and
//!   `max_side`: an oversized page is rendered smaller, not refused.
//! * The background is opaque white (hayro's default is transparent, which
//!   would make the page black after flattening).
//! * Encrypted documents that need a password, and files hayro cannot
//!   parse, become [`InputError::Corrupt`] with an explanation.

use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::page::Page as PdfPage;
use hayro::hayro_syntax::{DecryptionError, LoadPdfError, Pdf};
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{render_into, RenderCache, RenderSettings};
use image::RgbImage;

use crate::{InputError, Limits};

const FORMAT: crate::Format = crate::Format::Pdf;

/// Largest side `vello_cpu` can render into (its sizes are `u16`).
const RENDERER_MAX_SIDE: u32 = u16::MAX as u32;

fn open(bytes: &[u8]) -> Result<Pdf, InputError> {
    Pdf::new(bytes.to_vec()).map_err(|e| {
        let detail = match e {
            LoadPdfError::Decryption(DecryptionError::PasswordProtected) => {
                "the PDF is password-protected; remove the password and upload it again"
            }
            LoadPdfError::Decryption(DecryptionError::UnsupportedAlgorithm) => {
                "the PDF is encrypted with an unsupported method; remove the encryption and upload it again"
            }
            LoadPdfError::Decryption(_) => "the PDF's encryption settings are damaged",
            LoadPdfError::Invalid => "the file is not a valid PDF document",
        };
        InputError::corrupt(FORMAT, detail)
    })
}

/// An opened PDF, rendered in this process: the page sizes are known, pages are drawn one at a time on
/// request.
pub(crate) struct InProcessPdf {
    pdf: Pdf,
    sizes: Vec<(f32, f32)>,
}

impl InProcessPdf {
    /// Parses the document and its page tree; refuses documents without pages.
    pub(crate) fn open(bytes: &[u8]) -> Result<InProcessPdf, InputError> {
        let pdf = open(bytes)?;
        let sizes: Vec<(f32, f32)> = pdf.pages().iter().map(|p| p.render_dimensions()).collect();
        if sizes.is_empty() {
            return Err(InputError::corrupt(FORMAT, "the PDF has no pages"));
        }
        Ok(InProcessPdf { pdf, sizes })
    }

    /// Each page's size in points (1/72 inch), rotation applied.
    pub(crate) fn sizes(&self) -> &[(f32, f32)] {
        &self.sizes
    }

    /// Draws page `index` at the scale [`fit_scale`] picks for `limits`.
    pub(crate) fn render(&self, index: usize, limits: &Limits) -> Result<RgbImage, InputError> {
        let pages = self.pdf.pages();
        let page = pages
            .get(index)
            .ok_or_else(|| InputError::corrupt(FORMAT, "the PDF has fewer pages than its page tree says"))?;
        let cache = RenderCache::new();
        render_page(
            page,
            &cache,
            &InterpreterSettings::default(),
            &RenderSettings::default(),
            limits,
        )
    }
}

/// Pixel size and scale factor for a page of `w` x `h` points.
///
/// Starts from `pdf_dpi / 72` and shrinks uniformly until the page fits
/// both `max_pixels` and `max_side`. Every page gets at least 1x1 pixel.
pub(crate) fn fit_scale(w: f64, h: f64, limits: &Limits) -> Option<(u32, u32, f64)> {
    if !(w.is_finite() && h.is_finite() && w > 0.0 && h > 0.0) {
        return None;
    }
    let max_side = f64::from(limits.max_side.clamp(1, RENDERER_MAX_SIDE));
    let max_pixels = limits.max_pixels.max(1) as f64;
    let mut scale = limits.effective_pdf_dpi() / 72.0;
    scale = scale.min(max_side / w.max(h));
    scale = scale.min((max_pixels / (w * h)).sqrt());
    // Guard against floating-point overshoot after rounding down.
    for _ in 0..64 {
        let pw = ((w * scale).floor() as u32).max(1);
        let ph = ((h * scale).floor() as u32).max(1);
        if u64::from(pw) * u64::from(ph) <= limits.max_pixels.max(1)
            && f64::from(pw.max(ph)) <= max_side
        {
            return Some((pw, ph, scale));
        }
        scale *= 0.995;
    }
    None
}

fn render_page<'a>(
    page: &'a PdfPage<'a>,
    cache: &RenderCache<'a>,
    interpreter: &InterpreterSettings,
    settings: &RenderSettings,
    limits: &Limits,
) -> Result<RgbImage, InputError> {
    let (w, h) = page.render_dimensions();
    let Some((pw, ph, scale)) = fit_scale(f64::from(w), f64::from(h), limits) else {
        return Err(InputError::corrupt(FORMAT, "a page has an invalid size"));
    };
    // fit_scale bounds both sides by RENDERER_MAX_SIDE.
    let (cw, ch) = (pw as u16, ph as u16);

    let mut ctx = RenderContext::new(cw, ch);
    let transform = Affine::scale(scale) * page.initial_transform(true).to_kurbo();
    render_into(page, cache, interpreter, settings, &mut ctx, transform);
    ctx.flush();
    let mut pixmap = Pixmap::new(cw, ch);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings {
            target_init: TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );

    // Premultiplied RGBA over an opaque white clear: alpha is 255 almost
    // everywhere, but flatten anyway rather than assume it.
    let mut rgb = Vec::with_capacity(pw as usize * ph as usize * 3);
    for p in pixmap.data_as_u8_slice().chunks_exact(4) {
        let under = 255 - p[3];
        rgb.extend_from_slice(&[
            p[0].saturating_add(under),
            p[1].saturating_add(under),
            p[2].saturating_add(under),
        ]);
    }
    RgbImage::from_raw(pw, ph, rgb).ok_or_else(|| {
        InputError::corrupt(FORMAT, "the renderer returned an unexpected buffer size")
    })
}
