//! Hostile input files built in code, for tests, the load test and fuzzing seeds (feature
//! `fixtures`; not part of the product).
//!
//! Each builder makes the smallest file that exercises one attack on a decoder: a PDF whose one content
//! stream inflates to gigabytes, a PDF with thousands of pages or a huge MediaBox, a Form XObject that
//! draws itself, a TIFF/PNG/JPEG header that promises gigabytes of pixels. Keeping them in one place
//! lets the unit tests, the server's integration tests and `scripts/loadtest.sh` send the same files.

/// A PDF from its objects (`objects[0]` is object 1, the catalog): header, objects, a correct
/// cross-reference table and trailer. Stream objects are given as their dictionary and raw data.
pub fn pdf(objects: &[PdfObject]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, obj) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        match obj {
            PdfObject::Plain(s) => out.extend_from_slice(s.as_bytes()),
            PdfObject::Stream { dict, data } => {
                let dict = dict.trim_end_matches(">>");
                out.extend_from_slice(format!("{dict} /Length {} >>\nstream\n", data.len()).as_bytes());
                out.extend_from_slice(data);
                out.extend_from_slice(b"\nendstream");
            }
        }
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        table.push_str(&format!("{off:010} 00000 n \n"));
    }
    table.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    out.extend_from_slice(table.as_bytes());
    out
}

/// One object of [`pdf`].
pub enum PdfObject {
    /// Any object written as text (`<< /Type /Catalog … >>`).
    Plain(String),
    /// A stream: its dictionary (`<< /Filter /FlateDecode >>`; `/Length` is added) and raw data.
    Stream {
        /// The stream dictionary, without `/Length`.
        dict: String,
        /// The raw (encoded) stream data.
        data: Vec<u8>,
    },
}

fn plain(s: impl Into<String>) -> PdfObject {
    PdfObject::Plain(s.into())
}

/// A one-page PDF (A4-ish, 595×842 pt) whose content stream is `content` with `stream_dict`.
fn one_page(stream_dict: &str, content: Vec<u8>, resources: &str) -> Vec<u8> {
    pdf(&[
        plain("<< /Type /Catalog /Pages 2 0 R >>"),
        plain("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        plain(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources {resources} /Contents 4 0 R >>"
        )),
        PdfObject::Stream {
            dict: stream_dict.into(),
            data: content,
        },
    ])
}

/// zlib data that inflates to `inflated` bytes of spaces (rounded up to a MiB), built without ever
/// holding them: the deflate stream of one MiB of spaces, flushed, is the same bytes every time once
/// the window is full of spaces, so it is repeated. About 1 KiB per inflated MiB (deflate's ratio
/// limit is ~1030:1). The Adler-32 checksum is computed for the real content.
pub fn zlib_of_spaces(inflated: u64) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    const CHUNK: usize = 1 << 20;
    let spaces = vec![b' '; CHUNK];
    let mib = inflated.div_ceil(CHUNK as u64).max(2);
    // Raw deflate: the zlib header and trailer are written by hand so the checksum can be right.
    let mut c = Compress::new(Compression::best(), false);
    let mut run = |input: &[u8], flush: FlushCompress| {
        let mut out = Vec::new();
        let mut pos = 0;
        loop {
            out.reserve(16 << 10);
            let before = c.total_in();
            c.compress_vec(&input[pos..], &mut out, flush)
                .expect("deflate");
            pos += (c.total_in() - before) as usize;
            if pos == input.len() && out.len() < out.capacity() {
                return out;
            }
        }
    };
    let first = run(&spaces, FlushCompress::Sync);
    let unit = run(&spaces, FlushCompress::Sync);
    let tail = run(&[], FlushCompress::Finish);
    let mut z = vec![0x78, 0xDA];
    z.extend_from_slice(&first);
    for _ in 1..mib {
        z.extend_from_slice(&unit);
    }
    z.extend_from_slice(&tail);
    // Adler-32 of n spaces, without the bytes: a = 1 + 32n, b = sum of the running a's
    // = n + 32 n(n+1)/2 (mod 65521; halving is multiplying by 2's inverse).
    const MOD: u64 = 65521;
    let n = mib * CHUNK as u64;
    let nm = n % MOD;
    let a = (1 + nm * 32) % MOD;
    let tri = (nm * ((n + 1) % MOD) % MOD) * ((MOD + 1) / 2) % MOD;
    let b = (nm + 32 * tri) % MOD;
    z.extend_from_slice(&(((b << 16) | a) as u32).to_be_bytes());
    z
}

/// A one-page PDF whose content stream inflates to `inflated` bytes of whitespace (3 GiB in about
/// 3 MB of file).
pub fn flate_bomb_pdf(inflated: u64) -> Vec<u8> {
    one_page(
        "<< /Filter /FlateDecode >>",
        zlib_of_spaces(inflated),
        "<< >>",
    )
}

/// A PDF with `pages` pages (each a small rectangle).
pub fn many_pages_pdf(pages: usize) -> Vec<u8> {
    let mut objects = vec![
        plain("<< /Type /Catalog /Pages 2 0 R >>"),
        plain(format!(
            "<< /Type /Pages /Kids [{}] /Count {pages} >>",
            (0..pages)
                .map(|i| format!("{} 0 R", 4 + i))
                .collect::<Vec<_>>()
                .join(" ")
        )),
        PdfObject::Stream {
            dict: "<< >>".into(),
            data: b"0 0 0 rg 10 10 50 50 re f".to_vec(),
        },
    ];
    for _ in 0..pages {
        objects.push(plain(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Resources << >> /Contents 3 0 R >>",
        ));
    }
    pdf(&objects)
}

/// A one-page PDF whose MediaBox is 10^7 points square (3.5 km).
pub fn huge_mediabox_pdf() -> Vec<u8> {
    pdf(&[
        plain("<< /Type /Catalog /Pages 2 0 R >>"),
        plain("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        plain("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10000000 10000000] /Resources << >> /Contents 4 0 R >>"),
        PdfObject::Stream {
            dict: "<< >>".into(),
            data: b"0 0 0 rg 0 0 5000000 5000000 re f".to_vec(),
        },
    ])
}

/// A one-page PDF whose Form XObject draws itself (directly) and a second one drawn 1000 times by a
/// third, so naive interpretation recurses without end or multiplies work.
pub fn recursive_xobject_pdf() -> Vec<u8> {
    let fan_out = "/B Do ".repeat(1000);
    pdf(&[
        plain("<< /Type /Catalog /Pages 2 0 R >>"),
        plain("<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        plain("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /A 5 0 R /C 6 0 R >> >> /Contents 4 0 R >>"),
        PdfObject::Stream {
            dict: "<< >>".into(),
            data: b"/A Do /C Do".to_vec(),
        },
        // A draws itself.
        PdfObject::Stream {
            dict: "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /A 5 0 R >> >> >>".into(),
            data: b"0 0 0 rg 10 10 5 5 re f /A Do".to_vec(),
        },
        // C draws B 1000 times; B draws C's fan-out again through D.
        PdfObject::Stream {
            dict: "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /B 7 0 R >> >> >>".into(),
            data: fan_out.clone().into_bytes(),
        },
        PdfObject::Stream {
            dict: "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /B 8 0 R >> >> >>".into(),
            data: fan_out.clone().into_bytes(),
        },
        PdfObject::Stream {
            dict: "<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /B 6 0 R >> >> >>".into(),
            data: fan_out.into_bytes(),
        },
    ])
}

/// A little-endian TIFF whose one IFD declares a `w` x `h` RGB image in one uncompressed strip (and
/// holds 16 bytes of data).
pub fn tiff_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    // (tag, type, count, value)
    let entries: [(u16, u16, u32, u32); 9] = [
        (256, 4, 1, w),                  // ImageWidth
        (257, 4, 1, h),                  // ImageLength
        (258, 3, 1, 8),                  // BitsPerSample (one value, applies to all)
        (259, 3, 1, 1),                  // Compression: none
        (262, 3, 1, 2),                  // Photometric: RGB
        (273, 4, 1, 8 + 2 + 9 * 12 + 4), // StripOffsets: after the IFD
        (277, 3, 1, 3),                  // SamplesPerPixel
        (278, 4, 1, h),                  // RowsPerStrip
        (279, 4, 1, w.saturating_mul(h).saturating_mul(3)), // StripByteCounts
    ];
    t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, ty, count, value) in entries {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&[0u8; 16]);
    t
}

/// A PNG whose IHDR declares `w` x `h` RGB pixels, with a single empty IDAT.
pub fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, ty: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(ty);
        out.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(ty);
        crc.update(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    }
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut p, b"IHDR", &ihdr);
    chunk(&mut p, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    chunk(&mut p, b"IEND", &[]);
    p
}

/// A baseline JPEG header (SOI, SOF0) declaring `w` x `h` (at most 65535 each) and nothing after.
pub fn jpeg_header_only(w: u16, h: u16) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 0x08];
    j.extend_from_slice(&h.to_be_bytes());
    j.extend_from_slice(&w.to_be_bytes());
    j.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    j
}

/// A one-page PDF with one filled rectangle (a harmless page to truncate or to mix with bombs).
pub fn small_pdf() -> Vec<u8> {
    one_page("<< >>", b"0 0 0 rg 100 100 200 80 re f".to_vec(), "<< >>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_zlib_bomb_inflates_to_exactly_its_spaces_with_a_valid_checksum() {
        let z = zlib_of_spaces(5 << 20);
        assert!(z.len() < 16 << 10, "5 MiB of spaces in {} bytes", z.len());
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(&z[..])
            .read_to_end(&mut out)
            .expect("valid zlib, checksum included");
        assert_eq!(out.len(), 5 << 20);
        assert!(out.iter().all(|&b| b == b' '));
    }
}
