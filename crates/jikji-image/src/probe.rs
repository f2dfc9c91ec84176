//! Cheap structural checks on raw bytes, run before any decoder.
//!
//! Two questions are answered here without decoding a single pixel:
//!
//! * **How big does the file claim to be?** Reading the declared size
//!   straight from the header lets a 30 000 x 30 000 PNG bomb be refused
//!   even when the file holds nothing after its `IHDR` chunk, i.e. even
//!   before a decoder would get far enough to report dimensions.
//! * **Does the file end where its structure says it should?** Several
//!   decoders (JPEG ones in particular) "recover" from a cut-off file by
//!   padding it with grey, which would let an interrupted upload through as
//!   a half-blank page. Walking the PNG chunk list to `IEND`, or the JPEG
//!   stream to its `EOI` marker, turns that into an explicit
//!   [`InputError::Truncated`](crate::InputError::Truncated).

use crate::sniff::find;
use crate::Format;

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// Width and height as declared by the header, if this module knows how to
/// read them for `format`. `None` means "ask the decoder", not "invalid".
pub(crate) fn header_dimensions(format: Format, b: &[u8]) -> Option<(u32, u32)> {
    match format {
        Format::Png => {
            if b.get(12..16)? != b"IHDR" {
                return None;
            }
            Some((be32(b, 16)?, be32(b, 20)?))
        }
        Format::Jpeg => jpeg_scan(b).dims,
        Format::Gif => Some((u32::from(le16(b, 6)?), u32::from(le16(b, 8)?))),
        Format::Bmp => {
            if le32(b, 14)? == 12 {
                // OS/2 BITMAPCOREHEADER: 16-bit sizes.
                Some((u32::from(le16(b, 18)?), u32::from(le16(b, 20)?)))
            } else {
                // Height is negative for top-down bitmaps.
                let w = le32(b, 18)? as i32;
                let h = le32(b, 22)? as i32;
                Some((w.unsigned_abs(), h.unsigned_abs()))
            }
        }
        Format::Tiff | Format::Pdf | Format::Webp => None,
    }
}

/// True when the file provably ends before its image data does. Only JPEG
/// and PNG are checked; for other formats the decoder's own error is
/// trusted.
pub(crate) fn is_truncated(format: Format, b: &[u8]) -> bool {
    match format {
        Format::Png => !png_has_iend(b),
        Format::Jpeg => {
            let scan = jpeg_scan(b);
            match scan.scan_start {
                // Entropy-coded data cannot contain 0xFF 0xD9 (0xFF is
                // always stuffed or followed by a restart marker), so the
                // first one after the first SOS is the EOI of the main
                // image; an EXIF thumbnail's EOI lies before it.
                Some(start) => find(&b[start.min(b.len())..], b"\xFF\xD9").is_none(),
                // Frame header but no scan at all: the data was cut off.
                None => scan.complete_walk_ended_early,
            }
        }
        _ => false,
    }
}

/// Walks the PNG chunk list; true if an `IEND` chunk header is reached
/// inside the buffer.
fn png_has_iend(b: &[u8]) -> bool {
    let mut pos: usize = 8;
    loop {
        let (Some(len), Some(ty)) = (be32(b, pos), b.get(pos + 4..pos + 8)) else {
            return false;
        };
        if ty == b"IEND" {
            return true;
        }
        match (len as usize)
            .checked_add(12)
            .and_then(|n| pos.checked_add(n))
        {
            Some(next) => pos = next,
            None => return false,
        }
    }
}

struct JpegScan {
    /// Size from the first SOFn segment.
    dims: Option<(u32, u32)>,
    /// Offset of the first byte of entropy-coded data after the first SOS.
    scan_start: Option<usize>,
    /// True if the marker walk ran out of bytes (as opposed to meeting
    /// something it does not understand, or an early EOI).
    complete_walk_ended_early: bool,
}

/// Walks JPEG marker segments from SOI up to the first SOS.
fn jpeg_scan(b: &[u8]) -> JpegScan {
    let mut out = JpegScan {
        dims: None,
        scan_start: None,
        complete_walk_ended_early: false,
    };
    let mut i = 2; // past SOI
    loop {
        if i >= b.len() {
            out.complete_walk_ended_early = true;
            return out;
        }
        if b[i] != 0xFF {
            // Not at a marker: something this walk does not model. Leave
            // the verdict to the decoder.
            return out;
        }
        while i < b.len() && b[i] == 0xFF {
            i += 1; // fill bytes
        }
        let Some(&marker) = b.get(i) else {
            out.complete_walk_ended_early = true;
            return out;
        };
        i += 1;
        match marker {
            0x01 | 0xD0..=0xD8 => continue, // standalone markers
            0xD9 => return out,             // EOI before any scan
            _ => {}
        }
        let Some(seg_len) = be16(b, i) else {
            out.complete_walk_ended_early = true;
            return out;
        };
        let seg_len = usize::from(seg_len);
        if seg_len < 2 {
            return out;
        }
        if marker == 0xDA {
            out.scan_start = Some(i + seg_len);
            return out;
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof && out.dims.is_none() {
            if let (Some(h), Some(w)) = (be16(b, i + 3), be16(b, i + 5)) {
                out.dims = Some((u32::from(w), u32::from(h)));
            }
        }
        i += seg_len;
    }
}
