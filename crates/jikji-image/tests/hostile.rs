//! Hostile files (built in code by `jikji_image::fixtures`) through the sandboxed PDF renderer and the
//! other decoders: each is refused or decoded within its budgets, and nothing takes this process down.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jikji_image::{fixtures, Cancel, Document, InputError, Limits, PdfRenderer};

fn sandboxed() -> Limits {
    Limits {
        pdf_renderer: PdfRenderer::Sandboxed(PathBuf::from(env!(
            "CARGO_BIN_EXE_jikji-render-pdf"
        ))),
        max_decode_time: Duration::from_secs(20),
        ..Limits::default()
    }
}

fn all_pages(bytes: &[u8], limits: &Limits) -> Result<Vec<jikji_image::Page>, InputError> {
    let doc = Document::open(bytes, None, limits, &Cancel::new())?;
    doc.check_page_limit()?;
    doc.collect()
}

#[test]
fn a_flate_bomb_ends_the_renderer_not_the_caller() {
    // 3 GiB of whitespace in ~3 MB; the renderer may use 256 MiB.
    let bomb = fixtures::flate_bomb_pdf(3 << 30);
    assert!(bomb.len() < 4 << 20, "{} bytes", bomb.len());
    let limits = Limits {
        pdf_memory: 256 << 20,
        ..sandboxed()
    };
    let t = Instant::now();
    let err = all_pages(&bomb, &limits).expect_err("a bomb is refused");
    assert!(
        matches!(err, InputError::OverBudget { resource: "memory" }),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}

#[test]
fn a_small_pdf_renders_in_the_sandbox_with_its_size_in_points() {
    let pages = all_pages(&fixtures::small_pdf(), &sandboxed()).unwrap();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].size_pt, Some((595.0, 842.0)));
    let want = (595.0f64 * 200.0 / 72.0).floor() as u32;
    assert_eq!(pages[0].image.width(), want);
    // The rectangle at (100..300, 100..180) pt from the bottom is black.
    let s = 200.0 / 72.0;
    let (x, y) = ((200.0 * s) as u32, ((842.0 - 140.0) * s) as u32);
    assert_eq!(pages[0].image.get_pixel(x, y).0, [0, 0, 0]);
    assert_eq!(pages[0].image.get_pixel(5, 5).0, [255, 255, 255]);
}

#[test]
fn thousands_of_pages_are_refused_before_rendering() {
    let t = Instant::now();
    let err = all_pages(&fixtures::many_pages_pdf(5000), &sandboxed()).unwrap_err();
    assert!(
        matches!(err, InputError::TooManyPages { pages: 5000, max: 10 }),
        "{err:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(5));
    // Pages are rendered only when asked for: the first of 5000 comes alone.
    let bytes = fixtures::many_pages_pdf(5000);
    let mut doc = Document::open(&bytes, None, &sandboxed(), &Cancel::new()).unwrap();
    assert_eq!(doc.page_count(), 5000);
    assert!(doc.next_page().unwrap().is_ok());
}

#[test]
fn a_huge_mediabox_is_drawn_within_the_pixel_limits() {
    let limits = sandboxed();
    let pages = all_pages(&fixtures::huge_mediabox_pdf(), &limits).unwrap();
    let (w, h) = pages[0].image.dimensions();
    assert!(u64::from(w) * u64::from(h) <= limits.max_pixels);
    assert!(w <= limits.max_side && h <= limits.max_side);
}

#[test]
fn recursive_xobjects_end_within_the_budget() {
    let limits = Limits {
        max_page_time: Duration::from_secs(5),
        ..sandboxed()
    };
    let t = Instant::now();
    // Rendering may succeed (the renderer stops the recursion) or fail with a clear error; it must not
    // take the caller down or run past the page budget.
    if let Err(e) = all_pages(&fixtures::recursive_xobject_pdf(), &limits) {
        assert!(
            matches!(
                e,
                InputError::Corrupt { .. }
                    | InputError::Timeout { .. }
                    | InputError::OverBudget { .. }
            ),
            "{e:?}"
        );
    }
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
}

#[test]
fn cancelling_kills_the_renderer_at_once() {
    let bomb = fixtures::flate_bomb_pdf(64 << 30);
    let cancel = Cancel::new();
    let c2 = cancel.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        c2.cancel();
    });
    let limits = Limits {
        pdf_memory: 64 << 30,
        ..sandboxed()
    };
    let t = Instant::now();
    let r = Document::open(&bomb, None, &limits, &cancel).and_then(|mut d| {
        d.next_page()
            .unwrap_or(Err(InputError::UnknownFormat))
            .map(|_| ())
    });
    canceller.join().unwrap();
    // Either the cancel or (on a fast machine) the renderer's own limits ended it, quickly.
    assert!(r.is_err());
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
}

#[test]
fn headers_that_promise_gigabytes_are_refused_from_the_header() {
    let limits = Limits::default();
    for (name, bytes) in [
        ("tiff", fixtures::tiff_header_only(100_000, 100_000)),
        ("png", fixtures::png_header_only(100_000, 100_000)),
        ("jpeg", fixtures::jpeg_header_only(65_000, 65_000)),
    ] {
        let t = Instant::now();
        let err = all_pages(&bytes, &limits).unwrap_err();
        assert!(
            matches!(err, InputError::TooManyPixels { .. }),
            "{name}: {err:?}"
        );
        assert!(t.elapsed() < Duration::from_secs(1), "{name}");
    }
}

#[test]
fn truncated_files_of_every_format_are_errors() {
    use image::{DynamicImage, ImageFormat, RgbImage};
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, 128])
    }));
    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    for (name, f) in [
        ("png", ImageFormat::Png),
        ("jpeg", ImageFormat::Jpeg),
        ("tiff", ImageFormat::Tiff),
        ("bmp", ImageFormat::Bmp),
        ("gif", ImageFormat::Gif),
        ("webp", ImageFormat::WebP),
    ] {
        let mut c = std::io::Cursor::new(Vec::new());
        img.write_to(&mut c, f).unwrap();
        files.push((name, c.into_inner()));
    }
    files.push(("pdf", fixtures::small_pdf()));
    for (name, bytes) in files {
        assert!(all_pages(&bytes, &sandboxed()).is_ok(), "{name} whole");
        for cut in [bytes.len() / 2, bytes.len() / 5, 12] {
            let r = all_pages(&bytes[..cut], &sandboxed());
            // PDF readers repair damaged files (hayro rebuilds a lost cross-reference table), so a cut
            // PDF may still give its pages; every other format, and a PDF cut to its header, is an
            // error.
            if name == "pdf" && cut > 12 {
                continue;
            }
            assert!(r.is_err(), "{name} cut at {cut} of {} decoded", bytes.len());
        }
    }
}
