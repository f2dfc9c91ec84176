//! Searchable PDF: each page shows the original page image and carries the OCR result as invisible
//! text (render mode 3) placed on every word's polygon, so a PDF reader can search, select and copy
//! it and `pdftotext` gives the text back — Korean included, without embedding a font (see
//! [`font`](crate::font) for why and how).
//!
//! The writer is small and written here rather than taken from a PDF crate: it needs a dozen object
//! kinds, and the page images are compressed once, as each page arrives, so a multi-page document
//! holds only compressed pages in memory.
//!
//! ```
//! let page = image::RgbImage::new(200, 100);
//! let mut pdf = jikji_pdf::PdfWriter::new();
//! let size = jikji_pdf::PageSize::of_raster(200, 100);
//! pdf.add_page(jikji_pdf::PageImage::Pixels(&page), size, 200, 100, &[]).unwrap();
//! let bytes = pdf.finish();
//! assert!(bytes.starts_with(b"%PDF-1.7"));
//! ```

mod font;
mod jpeg;
pub mod poppler;
mod text;

use std::io::Write;

use jikji_types::Word;

pub use jpeg::{passthrough as jpeg_passthrough, JpegInfo};
pub use text::MAX_COORDINATE;

/// Resolution assumed for a raster image (JPEG, PNG, …), which carries no page size Jikji trusts:
/// 300 dpi makes a 300 dpi scan and a phone photo of an A4 page (about 2500–3500 px across) come out
/// near paper size; a screenshot comes out small, and readers zoom to fit either way.
pub const RASTER_DPI: f32 = 300.0;

/// Largest page side, in points, that PDF readers accept (Acrobat's limit of 200 inches, PDF 32000-1
/// annex C). A larger page is scaled down to it, keeping its aspect ratio.
pub const MAX_PAGE_PT: f32 = 14_400.0;

/// Why a page could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// A word's polygon has a coordinate that is not finite or beyond [`MAX_COORDINATE`].
    #[error("a word polygon has a coordinate that is not a number or beyond ±{MAX_COORDINATE}")]
    BadCoordinate,
    /// The result's page size is zero.
    #[error("the result's page size is empty")]
    EmptyPage,
}

/// A page's size in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    pub width_pt: f32,
    pub height_pt: f32,
}

impl PageSize {
    /// A page in points (a PDF page's own size), capped at [`MAX_PAGE_PT`].
    pub fn points(width_pt: f32, height_pt: f32) -> PageSize {
        let big = width_pt.max(height_pt);
        let fit = |v: f32| if big > MAX_PAGE_PT { v / big * MAX_PAGE_PT } else { v };
        PageSize {
            width_pt: fit(width_pt).max(1.0),
            height_pt: fit(height_pt).max(1.0),
        }
    }

    /// The page of a decoded page image: a PDF page's own size when known (`pdf_page_pt`), else the
    /// image at [`RASTER_DPI`].
    pub fn of_page(image: &image::RgbImage, pdf_page_pt: Option<(f32, f32)>) -> PageSize {
        match pdf_page_pt {
            Some((w, h)) => PageSize::points(w, h),
            None => PageSize::of_raster(image.width(), image.height()),
        }
    }

    /// A raster image's page at [`RASTER_DPI`].
    pub fn of_raster(width_px: u32, height_px: u32) -> PageSize {
        let k = 72.0 / RASTER_DPI;
        PageSize::points(width_px as f32 * k, height_px as f32 * k)
    }
}

/// The picture of a page.
#[derive(Debug, Clone, Copy)]
pub enum PageImage<'a> {
    /// Decoded pixels, embedded Flate-compressed.
    Pixels(&'a image::RgbImage),
    /// A JPEG file embedded unchanged; [`jpeg_passthrough`] says whether it may be.
    Jpeg(&'a [u8], JpegInfo),
}

/// Writes a searchable PDF page by page; [`PdfWriter::finish`] returns the file.
#[derive(Debug)]
pub struct PdfWriter {
    /// Serialized bodies of objects 1.. (`None` for those written at the end).
    objects: Vec<Option<Vec<u8>>>,
    pages: Vec<usize>,
    codes: font::CharCodes,
}

/// The version line and a comment of bytes above 127 (PDF 32000-1, 7.5.2: marks the file binary).
const HEADER: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";

/// Object numbers fixed by the writer: written in [`PdfWriter::finish`].
const CATALOG: usize = 1;
const PAGES: usize = 2;
const TYPE0_FONT: usize = 3;
const CID_FONT: usize = 4;
const FONT_DESCRIPTOR: usize = 5;
const TO_UNICODE: usize = 6;
const FIXED_OBJECTS: usize = 6;

impl Default for PdfWriter {
    fn default() -> Self {
        Self::new()
    }
}

impl PdfWriter {
    pub fn new() -> PdfWriter {
        PdfWriter {
            objects: vec![None; FIXED_OBJECTS],
            pages: Vec::new(),
            codes: font::CharCodes::default(),
        }
    }

    fn add(&mut self, body: Vec<u8>) -> usize {
        self.objects.push(Some(body));
        self.objects.len()
    }

    /// Adds a page of `size` showing `image` over the whole page, with `words` (in reading order, as
    /// OCR returns them) whose polygons are in a `width x height` pixel space stretched over the page
    /// (the image's own pixels, or CLOVA's reporting space of a PDF page).
    pub fn add_page(
        &mut self,
        image: PageImage<'_>,
        size: PageSize,
        width: u32,
        height: u32,
        words: &[Word],
    ) -> Result<(), PdfError> {
        if width == 0 || height == 0 {
            return Err(PdfError::EmptyPage);
        }
        let space = text::PageSpace {
            sx: size.width_pt / width as f32,
            sy: size.height_pt / height as f32,
            height_pt: size.height_pt,
        };
        let text = text::text_layer(words, space, &mut self.codes)?;
        let image = match image {
            PageImage::Pixels(img) => {
                let data = deflate(img.as_raw());
                stream(
                    &format!(
                        "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /DeviceRGB \
                         /BitsPerComponent 8 /Filter /FlateDecode",
                        img.width(),
                        img.height()
                    ),
                    &data,
                )
            }
            PageImage::Jpeg(bytes, info) => stream(
                &format!(
                    "/Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace /{} \
                     /BitsPerComponent 8 /Filter /DCTDecode",
                    info.width,
                    info.height,
                    if info.components == 1 { "DeviceGray" } else { "DeviceRGB" }
                ),
                bytes,
            ),
        };
        let image = self.add(image);
        let (w, h) = (text::num(size.width_pt), text::num(size.height_pt));
        let content = format!("q {w} 0 0 {h} 0 0 cm /Im0 Do Q\n{text}");
        let content = self.add(stream("/Filter /FlateDecode", &deflate(content.as_bytes())));
        let page = self.add(
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {w} {h}] \
                 /Resources << /XObject << /Im0 {image} 0 R >> /Font << /F1 {TYPE0_FONT} 0 R >> >> \
                 /Contents {content} 0 R >>"
            )
            .into_bytes(),
        );
        self.pages.push(page);
        Ok(())
    }

    /// Adds a page as OCR read it: the decoded `image` (upright), its `result` in any pixel space
    /// stretched over the page (the image's pixels, or CLOVA's reporting space of a PDF page), and
    /// the input file's bytes when they may be a JPEG, embedded unchanged when
    /// [`jpeg_passthrough`] allows.
    pub fn add_ocr_page(
        &mut self,
        image: &image::RgbImage,
        result: &jikji_types::PageResult,
        size: PageSize,
        original: Option<&[u8]>,
    ) -> Result<(), PdfError> {
        let picture = original
            .and_then(|bytes| Some((bytes, jpeg_passthrough(bytes, image.width(), image.height())?)))
            .map_or(PageImage::Pixels(image), |(bytes, info)| PageImage::Jpeg(bytes, info));
        self.add_page(picture, size, result.width, result.height, &result.words)
    }

    /// Number of pages added so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The PDF file.
    pub fn finish(mut self) -> Vec<u8> {
        let kids: Vec<String> = self.pages.iter().map(|p| format!("{p} 0 R")).collect();
        let fixed: [(usize, Vec<u8>); 6] = [
            (CATALOG, format!("<< /Type /Catalog /Pages {PAGES} 0 R >>").into_bytes()),
            (
                PAGES,
                format!("<< /Type /Pages /Kids [{}] /Count {} >>", kids.join(" "), self.pages.len()).into_bytes(),
            ),
            (
                TYPE0_FONT,
                format!(
                    "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H \
                     /DescendantFonts [{CID_FONT} 0 R] /ToUnicode {TO_UNICODE} 0 R >>"
                )
                .into_bytes(),
            ),
            (
                CID_FONT,
                format!(
                    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont \
                     /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
                     /FontDescriptor {FONT_DESCRIPTOR} 0 R /DW {} /CIDToGIDMap /Identity >>",
                    font::GLYPH_WIDTH
                )
                .into_bytes(),
            ),
            (
                FONT_DESCRIPTOR,
                format!(
                    "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 {} 1000] \
                     /ItalicAngle 0 /Ascent 1000 /Descent -1 /CapHeight 1000 /StemV 80 >>",
                    font::GLYPH_WIDTH
                )
                .into_bytes(),
            ),
            (TO_UNICODE, stream("/Filter /FlateDecode", &deflate(self.codes.to_unicode_cmap().as_bytes()))),
        ];
        for (id, body) in fixed {
            self.objects[id - 1] = Some(body);
        }
        let mut out: Vec<u8> = HEADER.to_vec();
        let mut offsets = Vec::with_capacity(self.objects.len());
        for (i, body) in self.objects.iter().enumerate() {
            offsets.push(out.len());
            let body = body.as_deref().unwrap_or(b"null");
            write!(out, "{} 0 obj\n", i + 1).unwrap();
            out.extend_from_slice(body);
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref = out.len();
        write!(out, "xref\n0 {}\n0000000000 65535 f \n", self.objects.len() + 1).unwrap();
        for o in offsets {
            write!(out, "{o:010} 00000 n \n").unwrap();
        }
        write!(
            out,
            "trailer\n<< /Size {} /Root {CATALOG} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            self.objects.len() + 1
        )
        .unwrap();
        out
    }
}

/// A stream object: `dict` entries (without `<< >>` and `/Length`) and its data.
fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("writing to memory");
    enc.finish().expect("writing to memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raster_pages_are_sized_at_the_nominal_resolution_and_capped() {
        let a4 = PageSize::of_raster(2480, 3508);
        assert!((a4.width_pt - 595.2).abs() < 1e-3 && (a4.height_pt - 841.92).abs() < 1e-3, "{a4:?}");
        let huge = PageSize::points(20_000.0, 10_000.0);
        assert_eq!(huge, PageSize { width_pt: MAX_PAGE_PT, height_pt: MAX_PAGE_PT / 2.0 });
    }

    #[test]
    fn the_cross_reference_table_points_at_every_object() {
        let img = image::RgbImage::new(4, 2);
        let mut pdf = PdfWriter::new();
        pdf.add_page(PageImage::Pixels(&img), PageSize::of_raster(4, 2), 4, 2, &[]).unwrap();
        pdf.add_page(PageImage::Pixels(&img), PageSize::of_raster(4, 2), 4, 2, &[]).unwrap();
        let bytes = pdf.finish();
        // Everything after the last stream is ASCII: the cross-reference table and the trailer.
        let xref = bytes.windows(6).rposition(|w| w == b"\nxref\n").unwrap() + 1;
        let tail = std::str::from_utf8(&bytes[xref..]).unwrap();
        let offsets: Vec<usize> = tail
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse::<usize>().unwrap())
            .collect();
        assert_eq!(offsets.len(), FIXED_OBJECTS + 6);
        for (i, o) in offsets.iter().enumerate() {
            assert!(bytes[*o..].starts_with(format!("{} 0 obj\n", i + 1).as_bytes()), "object {}", i + 1);
        }
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 2"));
        assert!(text.ends_with(&format!("startxref\n{}\n%%EOF\n", xref)));
    }

    #[test]
    fn an_empty_result_space_is_refused() {
        let img = image::RgbImage::new(4, 2);
        let mut pdf = PdfWriter::new();
        let r = pdf.add_page(PageImage::Pixels(&img), PageSize::of_raster(4, 2), 0, 2, &[]);
        assert!(matches!(r, Err(PdfError::EmptyPage)));
    }
}
