//! Sniff + decode of every input format (JPEG, PNG, BMP, TIFF, PDF, GIF,
//! WebP) through `jikji_image`'s lazy entry point, `Document` (open, page
//! limit, then one page at a time, as the OCR pipeline reads them), and
//! `page_count`. Limits are small so the fuzzer hunts crashes, hangs and
//! runaway allocations rather than legitimately large pages.
//!
//! PDF is rendered in process (`PdfRenderer::InProcess`, the default): the
//! sandboxed renderer would fork a child per input and hide the renderer's
//! own faults behind its resource limits, which is what the fuzzer is here
//! to find.
#![no_main]

use std::time::Duration;

use jikji_image::{page_count, Cancel, Document, Format, Limits};
use libfuzzer_sys::fuzz_target;

/// Limits small enough that a legitimate page stays far below libFuzzer's
/// 2 GiB RSS limit: 4 Mpx at the decoders' worst 8 B/px is 32 MiB.
fn limits() -> Limits {
    Limits {
        max_bytes: 4 << 20,
        max_pixels: 4_000_000,
        max_side: 8_000,
        max_pages: 3,
        max_decode_time: Duration::from_secs(5),
        // Low enough that a PDF page renders fast; max_pixels and max_side
        // still bound the rendered size.
        pdf_dpi: 72.0,
        ..Limits::default()
    }
}

fuzz_target!(
    init: jikji_fuzz::install_panic_policy("decode"),
    |data: &[u8]| {
        jikji_fuzz::set_current_input(data);
        let limits = limits();
        // The hint matters only when the magic bytes are inconclusive; PDF is
        // the one format that then gets a try (header buried behind junk).
        if let Ok(doc) = Document::open(data, Some(Format::Pdf), &limits, &Cancel::new()) {
            if doc.check_page_limit().is_ok() {
                let count = doc.page_count();
                assert!((1..=limits.max_pages).contains(&count));
                for page in doc.flatten() {
                    let (w, h) = page.image.dimensions();
                    assert!(w > 0 && h > 0, "empty page");
                    assert!(u64::from(w) * u64::from(h) <= limits.max_pixels, "page over max_pixels");
                    assert!(w.max(h) <= limits.max_side, "page over max_side");
                }
            }
        }
        let _ = page_count(data, &limits);
    }
);
