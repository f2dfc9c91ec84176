//! Unit tests. Every input is built in code; the one real-file test skips
//! itself when the shared test data is not checked out.

use std::io::Cursor;
use std::time::Duration;

use image::{
    DynamicImage, GrayImage, ImageBuffer, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage,
};

use crate::*;

// ---------------------------------------------------------------- helpers

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

/// Deterministic noise, so compressed files are big enough to truncate.
fn noise_rgb(w: u32, h: u32) -> RgbImage {
    let mut state = 0x1234_5678u32;
    RgbImage::from_fn(w, h, |_, _| {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let b = state.to_be_bytes();
        Rgb([b[0], b[1], b[2]])
    })
}

/// 20x10: left half red, right half blue.
fn two_tone() -> RgbImage {
    RgbImage::from_fn(20, 10, |x, _| {
        if x < 10 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    })
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(ty: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(ty);
    c.extend_from_slice(data);
    let mut crc_input = ty.to_vec();
    crc_input.extend_from_slice(data);
    c.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    c
}

/// A PNG signature plus a valid IHDR and nothing else.
fn png_header_only(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(png_chunk(b"IHDR", &ihdr));
    png
}

/// Inserts an APP1 EXIF segment holding only an Orientation tag right
/// after the SOI marker.
fn with_exif_orientation(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(b"MM\0\x2a\0\0\0\x08"); // big-endian TIFF, IFD at 8
    payload.extend_from_slice(&[0, 1]); // one entry
    payload.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]); // Orientation, SHORT, 1
    payload.extend_from_slice(&orientation.to_be_bytes());
    payload.extend_from_slice(&[0, 0]); // value padding
    payload.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A minimal valid PDF: one page per content stream, `w` x `h` points,
/// with a correct cross-reference table.
pub(crate) fn build_pdf(contents: &[&str], w: u32, h: u32) -> Vec<u8> {
    build_pdf_with(contents, w, h, "")
}

/// [`build_pdf`] with `extra` spliced into every page dictionary.
fn build_pdf_with(contents: &[&str], w: u32, h: u32, extra: &str) -> Vec<u8> {
    use crate::fixtures::PdfObject;
    let n = contents.len();
    let mut objects = vec![PdfObject::Plain("<< /Type /Catalog /Pages 2 0 R >>".into())];
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 3 + 2 * i)).collect();
    objects.push(PdfObject::Plain(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    )));
    for (i, content) in contents.iter().enumerate() {
        objects.push(PdfObject::Plain(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w} {h}] {extra} {} /Contents {} 0 R >>",
            if extra.contains("/Resources") {
                ""
            } else {
                "/Resources << >>"
            },
            4 + 2 * i
        )));
        objects.push(PdfObject::Stream {
            dict: "<< >>".into(),
            data: content.as_bytes().to_vec(),
        });
    }
    crate::fixtures::pdf(&objects)
}

const BLUE_RECT: &str = "0 0 1 rg 10 10 100 50 re f";
const RED_RECT: &str = "1 0 0 rg 10 10 100 50 re f";
const GREEN_RECT: &str = "0 1 0 rg 10 10 100 50 re f";

fn tiff_pages(pages: &[RgbImage]) -> Vec<u8> {
    use ::tiff::encoder::{colortype, TiffEncoder};
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut out).unwrap();
        for p in pages {
            enc.write_image::<colortype::RGB8>(p.width(), p.height(), p.as_raw())
                .unwrap();
        }
    }
    out.into_inner()
}

fn limits() -> Limits {
    Limits::default()
}

fn close(a: &Rgb<u8>, b: [u8; 3], tol: u8) -> bool {
    a.0.iter().zip(b).all(|(&x, y)| x.abs_diff(y) <= tol)
}

// ---------------------------------------------------------------- sniffing

#[test]
fn sniffs_every_format() {
    let img = DynamicImage::ImageRgb8(noise_rgb(8, 8));
    for (format, ifmt) in [
        (Format::Jpeg, ImageFormat::Jpeg),
        (Format::Png, ImageFormat::Png),
        (Format::Bmp, ImageFormat::Bmp),
        (Format::Gif, ImageFormat::Gif),
        (Format::Webp, ImageFormat::WebP),
        (Format::Tiff, ImageFormat::Tiff),
    ] {
        assert_eq!(sniff(&encode(&img, ifmt)), Some(format), "{format}");
    }
    assert_eq!(sniff(&build_pdf(&[BLUE_RECT], 100, 100)), Some(Format::Pdf));
    assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(Format::Tiff));
    assert_eq!(sniff(b"junk\r\n%PDF-1.7\n"), Some(Format::Pdf));
    assert_eq!(sniff(b"hello, world"), None);
    assert_eq!(sniff(b"BM"), None, "bare 'BM' is too weak a signature");
    assert_eq!(sniff(b""), None);
}

#[test]
fn hints_from_extensions_and_mime_types() {
    assert_eq!(Format::from_hint("jpg"), Some(Format::Jpeg));
    assert_eq!(Format::from_hint("JPEG"), Some(Format::Jpeg));
    assert_eq!(Format::from_hint(".png"), Some(Format::Png));
    assert_eq!(Format::from_hint("tif"), Some(Format::Tiff));
    assert_eq!(Format::from_hint("tiff"), Some(Format::Tiff));
    assert_eq!(Format::from_hint("pdf"), Some(Format::Pdf));
    assert_eq!(Format::from_hint("application/pdf"), Some(Format::Pdf));
    assert_eq!(Format::from_hint("bmp"), Some(Format::Bmp));
    assert_eq!(Format::from_hint("gif"), Some(Format::Gif));
    assert_eq!(Format::from_hint("image/webp"), Some(Format::Webp));
    assert_eq!(Format::from_hint("docx"), None);
    for f in Format::ALL {
        assert_eq!(Format::from_hint(f.name()), Some(f));
    }
}

#[test]
fn magic_bytes_beat_the_hint() {
    let png = encode(&DynamicImage::ImageRgb8(noise_rgb(7, 5)), ImageFormat::Png);
    let pages = decode(&png, Some(Format::Jpeg), &limits()).unwrap();
    assert_eq!(pages[0].image.dimensions(), (7, 5));
}

// ---------------------------------------------------------------- raster formats

#[test]
fn raster_formats_decode_to_the_right_size() {
    let img = DynamicImage::ImageRgb8(noise_rgb(37, 23));
    for ifmt in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Bmp,
        ImageFormat::Gif,
        ImageFormat::WebP,
        ImageFormat::Tiff,
    ] {
        let pages = decode(&encode(&img, ifmt), None, &limits()).unwrap();
        assert_eq!(pages.len(), 1, "{ifmt:?}");
        assert_eq!(pages[0].index, 0);
        assert_eq!(pages[0].image.dimensions(), (37, 23), "{ifmt:?}");
    }
}

#[test]
fn lossless_pixels_survive() {
    let img = noise_rgb(16, 9);
    for ifmt in [
        ImageFormat::Png,
        ImageFormat::Bmp,
        ImageFormat::WebP,
        ImageFormat::Tiff,
    ] {
        let bytes = encode(&DynamicImage::ImageRgb8(img.clone()), ifmt);
        let page = decode_first_page(&bytes, None, &limits()).unwrap();
        assert_eq!(page.image, img, "{ifmt:?}");
    }
}

#[test]
fn grayscale_is_expanded_and_16_bit_scaled() {
    let gray = GrayImage::from_fn(4, 3, |x, _| Luma([(x * 60) as u8]));
    let page = decode_first_page(
        &encode(&DynamicImage::ImageLuma8(gray), ImageFormat::Png),
        None,
        &limits(),
    )
    .unwrap();
    assert_eq!(page.image.get_pixel(2, 1), &Rgb([120, 120, 120]));

    let deep: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_pixel(3, 2, Rgb([65535, 32896, 0]));
    let page = decode_first_page(
        &encode(&DynamicImage::ImageRgb16(deep), ImageFormat::Png),
        None,
        &limits(),
    )
    .unwrap();
    assert_eq!(page.image.get_pixel(0, 0), &Rgb([255, 128, 0]));
}

#[test]
fn alpha_is_composited_over_white() {
    // Black "ink" on fully transparent *black* background: dropping alpha
    // would give a black page.
    let mut rgba = RgbaImage::from_pixel(6, 4, Rgba([0, 0, 0, 0]));
    rgba.put_pixel(1, 1, Rgba([0, 0, 0, 255]));
    rgba.put_pixel(2, 1, Rgba([255, 0, 0, 128]));
    let bytes = encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png);
    let img = decode_first_page(&bytes, None, &limits()).unwrap().image;
    assert_eq!(img.get_pixel(0, 0), &Rgb([255, 255, 255]));
    assert_eq!(img.get_pixel(1, 1), &Rgb([0, 0, 0]));
    assert_eq!(img.get_pixel(2, 1), &Rgb([255, 127, 127]));
}

#[test]
fn exif_orientation_6_rotates_clockwise() {
    let jpeg = encode(&DynamicImage::ImageRgb8(two_tone()), ImageFormat::Jpeg);
    let plain = decode_first_page(&jpeg, None, &limits()).unwrap().image;
    assert_eq!(plain.dimensions(), (20, 10));

    let rotated = with_exif_orientation(&jpeg, 6);
    let img = decode_first_page(&rotated, None, &limits()).unwrap().image;
    assert_eq!(img.dimensions(), (10, 20));
    // 90° clockwise: the left (red) half of the stored image is now on top.
    assert!(
        close(img.get_pixel(5, 3), [255, 0, 0], 60),
        "{:?}",
        img.get_pixel(5, 3)
    );
    assert!(
        close(img.get_pixel(5, 16), [0, 0, 255], 60),
        "{:?}",
        img.get_pixel(5, 16)
    );
}

#[test]
fn exif_orientation_3_and_8() {
    let jpeg = encode(&DynamicImage::ImageRgb8(two_tone()), ImageFormat::Jpeg);
    let img = decode_first_page(&with_exif_orientation(&jpeg, 3), None, &limits())
        .unwrap()
        .image;
    assert_eq!(img.dimensions(), (20, 10));
    assert!(
        close(img.get_pixel(3, 5), [0, 0, 255], 60),
        "180°: blue now on the left"
    );

    let img = decode_first_page(&with_exif_orientation(&jpeg, 8), None, &limits())
        .unwrap()
        .image;
    assert_eq!(img.dimensions(), (10, 20));
    assert!(
        close(img.get_pixel(5, 3), [0, 0, 255], 60),
        "270°: blue now on top"
    );

    // Out-of-range values are ignored rather than fatal.
    let img = decode_first_page(&with_exif_orientation(&jpeg, 42), None, &limits())
        .unwrap()
        .image;
    assert_eq!(img.dimensions(), (20, 10));
}

// ---------------------------------------------------------------- TIFF

#[test]
fn multi_page_tiff_yields_every_page() {
    let pages = [
        RgbImage::from_pixel(30, 20, Rgb([255, 0, 0])),
        RgbImage::from_pixel(40, 10, Rgb([0, 255, 0])),
        RgbImage::from_pixel(5, 50, Rgb([0, 0, 255])),
    ];
    let bytes = tiff_pages(&pages);
    assert_eq!(page_count(&bytes, &limits()).unwrap(), 3);
    let decoded = decode(&bytes, Some(Format::Tiff), &limits()).unwrap();
    assert_eq!(decoded.len(), 3);
    for (i, (got, want)) in decoded.iter().zip(&pages).enumerate() {
        assert_eq!(got.index, i);
        assert_eq!(&got.image, want);
    }
    let first = decode_first_page(&bytes, None, &limits()).unwrap();
    assert_eq!(first.image, pages[0]);
}

#[test]
fn tiff_gray16_rgba_and_cmyk() {
    use ::tiff::encoder::{colortype, TiffEncoder};
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut out).unwrap();
        enc.write_image::<colortype::Gray16>(2, 1, &[0, 65535])
            .unwrap();
        enc.write_image::<colortype::RGBA8>(2, 1, &[0, 0, 0, 0, 0, 0, 255, 255])
            .unwrap();
        enc.write_image::<colortype::CMYK8>(1, 1, &[0, 255, 255, 0])
            .unwrap();
        enc.write_image::<colortype::Gray8>(1, 1, &[77]).unwrap();
    }
    let pages = decode(&out.into_inner(), None, &limits()).unwrap();
    assert_eq!(pages.len(), 4);
    assert_eq!(pages[0].image.as_raw(), &[0, 0, 0, 255, 255, 255]);
    assert_eq!(pages[1].image.as_raw(), &[255, 255, 255, 0, 0, 255]);
    assert_eq!(pages[2].image.as_raw(), &[255, 0, 0]);
    assert_eq!(pages[3].image.as_raw(), &[77, 77, 77]);
}

#[test]
fn tiff_orientation_tag_is_applied() {
    use ::tiff::encoder::{colortype, TiffEncoder};
    use ::tiff::tags::Tag;
    let src = two_tone();
    let mut out = Cursor::new(Vec::new());
    {
        let mut enc = TiffEncoder::new(&mut out).unwrap();
        let mut page = enc.new_image::<colortype::RGB8>(20, 10).unwrap();
        page.encoder().write_tag(Tag::Orientation, 6u16).unwrap();
        page.write_data(src.as_raw()).unwrap();
    }
    let img = decode_first_page(&out.into_inner(), None, &limits())
        .unwrap()
        .image;
    assert_eq!(img.dimensions(), (10, 20));
    assert_eq!(img.get_pixel(5, 3), &Rgb([255, 0, 0]));
    assert_eq!(img.get_pixel(5, 16), &Rgb([0, 0, 255]));
}

#[test]
fn tiff_with_too_many_pages_is_refused_before_decoding() {
    let page = RgbImage::from_pixel(4, 4, Rgb([1, 2, 3]));
    let bytes = tiff_pages(&[page.clone(), page.clone(), page]);
    let l = Limits {
        max_pages: 2,
        ..limits()
    };
    match decode(&bytes, None, &l) {
        Err(InputError::TooManyPages { pages: 3, max: 2 }) => {}
        other => panic!("expected TooManyPages, got {other:?}"),
    }
    // Only one page is decoded for first-page APIs, so the cap does not apply.
    assert!(decode_first_page(&bytes, None, &l).is_ok());
}

#[test]
fn tiff_page_over_pixel_limit_is_refused() {
    let bytes = tiff_pages(&[RgbImage::new(100, 100)]);
    let l = Limits {
        max_pixels: 5000,
        ..limits()
    };
    assert!(matches!(
        decode(&bytes, None, &l),
        Err(InputError::TooManyPixels {
            width: 100,
            height: 100,
            max: 5000
        })
    ));
}

#[test]
fn deadline_is_checked_between_pages() {
    let page = RgbImage::from_pixel(4, 4, Rgb([1, 2, 3]));
    let bytes = tiff_pages(&[page.clone(), page.clone(), page]);
    let l = Limits {
        max_decode_time: Duration::ZERO,
        ..limits()
    };
    assert!(matches!(
        decode(&bytes, None, &l),
        Err(InputError::Timeout { seconds: 0 })
    ));

    let pdf = build_pdf(&[BLUE_RECT, RED_RECT], 50, 50);
    assert!(matches!(
        decode(&pdf, None, &l),
        Err(InputError::Timeout { .. })
    ));
}

#[test]
fn truncated_tiff_is_an_error() {
    let bytes = tiff_pages(&[noise_rgb(64, 64)]);
    let cut = &bytes[..bytes.len() / 2];
    let err = decode(cut, None, &limits()).unwrap_err();
    assert!(
        matches!(
            err,
            InputError::Truncated { .. } | InputError::Corrupt { .. }
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- PDF

#[test]
fn pdf_pages_render_on_white_with_the_rectangle_in_place() {
    let pdf = build_pdf(&[BLUE_RECT, RED_RECT, GREEN_RECT], 200, 100);
    assert_eq!(page_count(&pdf, &limits()).unwrap(), 3);

    // At 72 dpi one PDF unit is one pixel.
    let l = Limits {
        pdf_dpi: 72.0,
        ..limits()
    };
    let pages = decode(&pdf, Some(Format::Pdf), &l).unwrap();
    assert_eq!(pages.len(), 3);
    let colours = [[0, 0, 255], [255, 0, 0], [0, 255, 0]];
    for (page, colour) in pages.iter().zip(colours) {
        let img = &page.image;
        assert_eq!(img.dimensions(), (200, 100));
        // The rectangle spans x 10..110, y 10..60 in PDF space (origin at
        // the bottom left), i.e. rows 40..90 of the image.
        assert!(
            close(img.get_pixel(60, 65), colour, 2),
            "inside: {:?}",
            img.get_pixel(60, 65)
        );
        assert!(close(img.get_pixel(15, 85), colour, 2));
        // Background is white, not transparent/black.
        for (x, y) in [(150, 20), (5, 5), (60, 30), (60, 95), (199, 99)] {
            assert_eq!(img.get_pixel(x, y), &Rgb([255, 255, 255]), "at {x},{y}");
        }
    }
    assert_eq!(pages[2].index, 2);
}

#[test]
fn pdf_page_rotation_is_honoured() {
    let pdf = build_pdf_with(&[BLUE_RECT], 200, 100, "/Rotate 90");
    let l = Limits {
        pdf_dpi: 72.0,
        ..limits()
    };
    let img = decode_first_page(&pdf, None, &l).unwrap().image;
    assert_eq!(img.dimensions(), (100, 200));
    // Rotated 90° clockwise: the rectangle (bottom left, x 10..110) now
    // runs down the left side.
    assert!(
        close(img.get_pixel(30, 60), [0, 0, 255], 2),
        "{:?}",
        img.get_pixel(30, 60)
    );
    assert_eq!(img.get_pixel(80, 180), &Rgb([255, 255, 255]));
}

#[test]
fn pdf_standard_font_text_renders() {
    let pdf = build_pdf_with(
        &["BT /F1 40 Tf 10 30 Td (HELLO) Tj ET"],
        200,
        100,
        "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>",
    );
    let l = Limits {
        pdf_dpi: 72.0,
        ..limits()
    };
    let img = decode_first_page(&pdf, None, &l).unwrap().image;
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().all(|&c| c < 100))
        .count();
    // "HELLO" at 40 pt covers a few hundred pixels; the page is otherwise white.
    assert!(dark > 200, "only {dark} dark pixels: text did not render");
    assert!(dark < 5000, "{dark} dark pixels: background is not white");
}

#[test]
fn pdf_dpi_sets_the_scale() {
    let pdf = build_pdf(&[BLUE_RECT], 200, 100);
    let l = Limits {
        pdf_dpi: 144.0,
        ..limits()
    };
    let page = decode_first_page(&pdf, None, &l).unwrap();
    assert_eq!(page.image.dimensions(), (400, 200));
    assert!(close(page.image.get_pixel(120, 130), [0, 0, 255], 2));
    // Default: 200 dpi.
    let page = decode_first_page(&pdf, None, &limits()).unwrap();
    assert_eq!(page.image.dimensions(), (555, 277));
}

#[test]
fn pdf_pages_are_scaled_down_to_fit_the_limits() {
    let pdf = build_pdf(&[BLUE_RECT], 200, 100);
    let l = Limits {
        max_pixels: 10_000,
        ..limits()
    };
    let img = decode_first_page(&pdf, None, &l).unwrap().image;
    let (w, h) = img.dimensions();
    assert!(u64::from(w) * u64::from(h) <= 10_000, "{w}x{h}");
    assert!(w >= 140 && h >= 70, "should use the budget, got {w}x{h}");

    let l = Limits {
        max_side: 100,
        ..limits()
    };
    let img = decode_first_page(&pdf, None, &l).unwrap().image;
    assert_eq!(img.dimensions(), (100, 50));
}

#[test]
fn pdf_with_too_many_pages_is_refused() {
    let pdf = build_pdf(&[BLUE_RECT; 4], 50, 50);
    let l = Limits {
        max_pages: 3,
        ..limits()
    };
    match decode(&pdf, None, &l) {
        Err(InputError::TooManyPages { pages: 4, max: 3 }) => {}
        other => panic!("expected TooManyPages, got {other:?}"),
    }
    assert_eq!(decode_first_page(&pdf, None, &l).unwrap().index, 0);
}

#[test]
fn broken_pdf_is_corrupt() {
    for bytes in [&b"%PDF-1.4\nthis is not a pdf at all"[..], &b"%PDF-"[..]] {
        match decode(bytes, None, &limits()) {
            Err(InputError::Corrupt {
                format: Format::Pdf,
                ..
            }) => {}
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }
    let pdf = build_pdf(&[BLUE_RECT, RED_RECT], 50, 50);
    let cut = &pdf[..pdf.len() / 3];
    // hayro may recover a cut document by scanning for objects; either a
    // clean error or the pages it could find is acceptable, a panic is not.
    if let Ok(pages) = decode(cut, None, &limits()) {
        assert!(pages.len() <= 2);
    }
}

// ---------------------------------------------------------------- limits and bad input

#[test]
fn empty_garbage_and_oversized_inputs() {
    assert!(matches!(
        decode(b"", None, &limits()),
        Err(InputError::Empty)
    ));
    assert!(matches!(page_count(b"", &limits()), Err(InputError::Empty)));
    assert!(matches!(
        decode(b"definitely not an image", Some(Format::Jpeg), &limits()),
        Err(InputError::UnknownFormat)
    ));
    assert!(matches!(
        decode(&[0u8; 1000], None, &limits()),
        Err(InputError::UnknownFormat)
    ));
    let png = encode(&DynamicImage::ImageRgb8(noise_rgb(8, 8)), ImageFormat::Png);
    let l = Limits {
        max_bytes: 100,
        ..limits()
    };
    assert!(matches!(
        decode(&png, None, &l),
        Err(InputError::TooLarge { max: 100, .. })
    ));
}

#[test]
fn png_bomb_is_refused_from_the_header() {
    // 30 000 x 30 000 x 3 bytes = 2.7 GB if anyone tried to allocate it.
    let bomb = png_header_only(30_000, 30_000);
    match decode(&bomb, None, &limits()) {
        Err(InputError::TooManyPixels {
            width: 30_000,
            height: 30_000,
            max,
        }) => {
            assert_eq!(max, Limits::default().max_pixels);
        }
        other => panic!("expected TooManyPixels, got {other:?}"),
    }
    // Within the pixel budget but a side over max_side.
    let strip = png_header_only(25_000, 2);
    assert!(matches!(
        decode(&strip, None, &limits()),
        Err(InputError::TooManyPixels { .. })
    ));
    // Small header but no image data: truncated, not a panic.
    assert!(matches!(
        decode(&png_header_only(10, 10), None, &limits()),
        Err(InputError::Truncated {
            format: Format::Png
        })
    ));
}

#[test]
fn jpeg_bomb_is_refused_from_the_header() {
    let mut jpeg = encode(
        &DynamicImage::ImageRgb8(noise_rgb(16, 16)),
        ImageFormat::Jpeg,
    );
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("baseline SOF");
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    assert!(matches!(
        decode(&jpeg, None, &limits()),
        Err(InputError::TooManyPixels {
            width: 60_000,
            height: 60_000,
            ..
        })
    ));
}

#[test]
fn truncated_jpeg_and_png_are_reported() {
    let img = DynamicImage::ImageRgb8(noise_rgb(64, 64));
    for (ifmt, format) in [
        (ImageFormat::Jpeg, Format::Jpeg),
        (ImageFormat::Png, Format::Png),
    ] {
        let bytes = encode(&img, ifmt);
        // (A PNG cut inside its final IEND chunk still holds the whole
        // image, so the cuts stay clear of the last chunk.)
        for cut in [bytes.len() / 2, bytes.len() - 20, 40] {
            match decode(&bytes[..cut], None, &limits()).map(|pages| pages.len()) {
                Err(InputError::Truncated { format: f })
                | Err(InputError::Corrupt { format: f, .. }) => {
                    assert_eq!(f, format)
                }
                other => panic!("{format} cut at {cut}: expected Truncated, got {other:?} page(s)"),
            }
        }
    }
}

#[test]
fn error_messages_are_readable() {
    let e = InputError::TooManyPages { pages: 12, max: 10 };
    assert_eq!(
        e.to_string(),
        "the document has 12 pages; at most 10 pages can be processed per request"
    );
    let e = InputError::Truncated {
        format: Format::Jpeg,
    };
    assert!(e.to_string().starts_with("the JPEG file is incomplete"));
    let e = InputError::corrupt(
        Format::Pdf,
        "the PDF is password-protected; remove the password and upload it again",
    );
    assert!(e.to_string().contains("password-protected"));
}

#[test]
fn mutated_inputs_never_panic() {
    let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(24, 16, |x, y| {
        Rgba([x as u8 * 10, y as u8 * 15, 99, 200])
    }));
    let mut seeds = vec![
        build_pdf(&[BLUE_RECT, RED_RECT], 60, 40),
        tiff_pages(&[noise_rgb(12, 9), noise_rgb(5, 5)]),
    ];
    for ifmt in [
        ImageFormat::Jpeg,
        ImageFormat::Png,
        ImageFormat::Bmp,
        ImageFormat::Gif,
        ImageFormat::WebP,
    ] {
        seeds.push(encode(&img, ifmt));
    }
    let l = Limits {
        pdf_dpi: 36.0,
        ..limits()
    };
    let mut state = 0x00C0_FFEE_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        for _ in 0..60 {
            let mut b = seed.clone();
            for _ in 0..(1 + next() % 8) {
                let i = (next() as usize) % b.len();
                b[i] = next() as u8;
            }
            if next() % 4 == 0 {
                b.truncate((next() as usize) % b.len() + 1);
            }
            // Any Ok or Err is fine; the guarded() fallback must not be needed.
            if let Err(InputError::Corrupt { detail, .. }) = decode(&b, None, &l) {
                assert_ne!(
                    detail, "the decoder could not process this file",
                    "decoder panicked"
                );
            }
            let _ = page_count(&b, &l);
        }
    }
}

// ---------------------------------------------------------------- files

#[test]
fn decode_file_uses_the_extension_and_checks_size_first() {
    let dir = std::env::temp_dir().join(format!("jikji-image-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scan.tif");
    std::fs::write(
        &path,
        tiff_pages(&[RgbImage::new(3, 3), RgbImage::new(4, 4)]),
    )
    .unwrap();
    assert_eq!(decode_file(&path, &limits()).unwrap().len(), 2);
    let l = Limits {
        max_bytes: 10,
        ..limits()
    };
    assert!(matches!(
        decode_file(&path, &l),
        Err(InputError::TooLarge { max: 10, .. })
    ));
    assert!(matches!(
        decode_file(&dir.join("missing.png"), &limits()),
        Err(InputError::Io(_))
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn real_receipt_photo_if_available() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/testdata/sroie/images/000.jpg"
    ));
    if !path.exists() {
        eprintln!("skipping: {} not present", path.display());
        return;
    }
    let pages = decode_file(path, &limits()).unwrap();
    assert_eq!(pages.len(), 1);
    let (w, h) = pages[0].image.dimensions();
    assert!(w > 100 && h > 100, "{w}x{h}");
}
