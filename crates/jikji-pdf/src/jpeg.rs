//! JPEG pass-through: a JPEG input goes into the PDF as it is (`DCTDecode`), so the page keeps the
//! original's quality and size instead of a re-encoding or a much larger Flate copy.
//!
//! Only JPEGs a PDF reader shows exactly as Jikji read them pass through: 8-bit grey or 3-component
//! colour, stored upright (EXIF orientation 1 or none — a PDF reader ignores EXIF, so a turned photo
//! would show sideways while its text layer is upright), and of the size of the decoded page.

use image::ImageDecoder;

/// What the PDF needs to know about a JPEG it embeds unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JpegInfo {
    pub width: u32,
    pub height: u32,
    /// 1 (grey) or 3 (YCbCr/RGB colour).
    pub components: u8,
}

/// Reads the frame header (SOF) of a JPEG: size, components and sample precision. `None` when the
/// bytes are not a JPEG or end before a frame header.
fn frame_header(bytes: &[u8]) -> Option<(JpegInfo, u8)> {
    if bytes.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes 0xFF.
        while *bytes.get(i)? == 0xFF && *bytes.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *bytes.get(i)? != 0xFF {
            return None;
        }
        let marker = *bytes.get(i + 1)?;
        i += 2;
        // Stand-alone markers carry no length.
        if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
            continue;
        }
        let len = u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]) as usize;
        if len < 2 {
            return None;
        }
        let is_sof = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_sof {
            let seg = bytes.get(i + 2..i + len)?;
            let precision = *seg.first()?;
            let height = u16::from_be_bytes([*seg.get(1)?, *seg.get(2)?]) as u32;
            let width = u16::from_be_bytes([*seg.get(3)?, *seg.get(4)?]) as u32;
            let components = *seg.get(5)?;
            return Some((JpegInfo { width, height, components }, precision));
        }
        if marker == 0xDA {
            // Start of scan before any frame header: not a JPEG we understand.
            return None;
        }
        i += len;
    }
}

/// The JPEG's header when `bytes` can be embedded unchanged for a page decoded to `width x height`
/// (see the module documentation); `None` means: embed the decoded pixels instead.
pub fn passthrough(bytes: &[u8], width: u32, height: u32) -> Option<JpegInfo> {
    let (info, precision) = frame_header(bytes)?;
    if precision != 8 || !matches!(info.components, 1 | 3) || (info.width, info.height) != (width, height) {
        return None;
    }
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(bytes)).ok()?;
    match decoder.orientation() {
        Ok(image::metadata::Orientation::NoTransforms) => Some(info),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32, grey: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        if grey {
            image::GrayImage::new(width, height).write_with_encoder(enc).unwrap();
        } else {
            image::RgbImage::new(width, height).write_with_encoder(enc).unwrap();
        }
        out
    }

    #[test]
    fn reads_size_and_components_of_the_frame_header() {
        assert_eq!(
            passthrough(&jpeg(37, 21, false), 37, 21),
            Some(JpegInfo { width: 37, height: 21, components: 3 })
        );
        assert_eq!(
            passthrough(&jpeg(5, 9, true), 5, 9),
            Some(JpegInfo { width: 5, height: 9, components: 1 })
        );
    }

    #[test]
    fn refuses_a_size_other_than_the_decoded_page_and_non_jpegs() {
        assert_eq!(passthrough(&jpeg(37, 21, false), 21, 37), None);
        assert_eq!(passthrough(b"\x89PNG\r\n\x1a\n", 1, 1), None);
        assert_eq!(passthrough(&[0xFF, 0xD8, 0xFF], 1, 1), None);
        assert_eq!(passthrough(&[], 1, 1), None);
    }

    #[test]
    fn refuses_a_jpeg_turned_by_exif() {
        let plain = jpeg(8, 4, false);
        // An APP1 Exif segment with Orientation = 6 (big-endian TIFF, one IFD entry), after SOI.
        let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x01".to_vec();
        tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0x06, 0, 0]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        let mut app1 = b"Exif\x00\x00".to_vec();
        app1.extend_from_slice(&tiff);
        let mut turned = plain[..2].to_vec();
        turned.extend_from_slice(&[0xFF, 0xE1]);
        turned.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
        turned.extend_from_slice(&app1);
        turned.extend_from_slice(&plain[2..]);
        assert!(passthrough(&plain, 8, 4).is_some());
        assert_eq!(passthrough(&turned, 8, 4), None);
    }
}
