//! Format detection from magic bytes.
//!
//! Clients routinely mislabel uploads (a PNG saved as `.jpg`, a `format`
//! field that says `"jpg"` for a PDF). The bytes are the only reliable
//! witness, so [`sniff`] decides and the declared extension is a hint that
//! matters only when the bytes are inconclusive.

use std::fmt;

/// A supported input format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// JPEG / JFIF / EXIF.
    Jpeg,
    /// PNG (first image; APNG frames beyond the first are ignored).
    Png,
    /// Windows bitmap.
    Bmp,
    /// TIFF, including multi-page files (every IFD is a page).
    Tiff,
    /// PDF (every page is rendered).
    Pdf,
    /// GIF (first frame only).
    Gif,
    /// WebP (first frame only).
    Webp,
}

impl Format {
    /// Every supported format, in a stable order.
    pub const ALL: [Format; 7] = [
        Format::Jpeg,
        Format::Png,
        Format::Bmp,
        Format::Tiff,
        Format::Pdf,
        Format::Gif,
        Format::Webp,
    ];

    /// Human-readable name, as used in error messages (`"JPEG"`, `"PDF"`…).
    pub fn name(&self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Bmp => "BMP",
            Format::Tiff => "TIFF",
            Format::Pdf => "PDF",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
        }
    }

    /// Interprets a declared format: a file extension (`"jpg"`, `".TIFF"`),
    /// a CLOVA `format` field value, or a MIME type (`"image/png"`).
    /// Case-insensitive; `None` for anything unsupported.
    pub fn from_hint(hint: &str) -> Option<Format> {
        let h = hint.trim().trim_start_matches('.').to_ascii_lowercase();
        let h = h
            .strip_prefix("image/")
            .or_else(|| h.strip_prefix("application/"))
            .unwrap_or(&h);
        Some(match h {
            "jpg" | "jpeg" | "jpe" | "jfif" | "pjpeg" => Format::Jpeg,
            "png" | "x-png" => Format::Png,
            "bmp" | "dib" | "x-bmp" | "x-ms-bmp" => Format::Bmp,
            "tif" | "tiff" | "x-tiff" => Format::Tiff,
            "pdf" | "x-pdf" => Format::Pdf,
            "gif" => Format::Gif,
            "webp" => Format::Webp,
            _ => return None,
        })
    }

    /// The `image` crate's name for this format (`None` for PDF, which it
    /// does not read).
    pub(crate) fn image_format(&self) -> Option<image::ImageFormat> {
        Some(match self {
            Format::Jpeg => image::ImageFormat::Jpeg,
            Format::Png => image::ImageFormat::Png,
            Format::Bmp => image::ImageFormat::Bmp,
            Format::Tiff => image::ImageFormat::Tiff,
            Format::Gif => image::ImageFormat::Gif,
            Format::Webp => image::ImageFormat::WebP,
            Format::Pdf => return None,
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How far into the file a PDF header may start. The PDF specification
/// puts `%PDF-` first, but readers (and real-world files) tolerate up to
/// 1 KiB of leading junk, e.g. a stray HTTP or mail header.
const PDF_HEADER_WINDOW: usize = 1024;

/// Identifies the format from the file's leading bytes, or `None` if it is
/// none of the supported ones.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        Some(Format::Jpeg)
    } else if bytes.starts_with(PNG) {
        Some(Format::Png)
    } else if bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || bytes.starts_with(b"II+\0")
        || bytes.starts_with(b"MM\0+")
    {
        Some(Format::Tiff)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(Format::Gif)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Format::Webp)
    } else if bytes.starts_with(b"BM") && bytes.len() >= 26 {
        // "BM" alone is a weak signature; require room for the file header
        // and the start of the DIB header so short text files do not match.
        Some(Format::Bmp)
    } else if find(&bytes[..bytes.len().min(PDF_HEADER_WINDOW)], b"%PDF-").is_some() {
        Some(Format::Pdf)
    } else {
        None
    }
}

/// Position of the first occurrence of `needle` in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}
