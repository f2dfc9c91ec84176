//! The writer's PDFs read back by poppler (Debian `poppler-utils`): `pdftotext` gives the words back
//! in order with their line breaks (Korean included), `pdftotext -bbox` finds each word on its box,
//! `pdftoppm` shows the page image and no ink of the invisible text, and neither tool reports an
//! error. No models needed.
//!
//! Without poppler the tests are skipped with a notice, and fail under `JIKJI_REQUIRE_MODELS=1` or
//! `JIKJI_REQUIRE_POPPLER=1` (CI installs `poppler-utils`): [`jikji_pdf::poppler::available`].

use std::path::Path;
use std::process::Command;

use image::{Rgb, RgbImage};
use jikji_geometry::{Point, Quad};
use jikji_pdf::{PageImage, PageSize, PdfWriter};
use jikji_types::Word;

fn poppler() -> bool {
    jikji_pdf::poppler::available()
}

fn run(tool: &str, args: &[&str], pdf: &[u8]) -> String {
    String::from_utf8(jikji_pdf::poppler::run(tool, args, pdf, &["-"])).unwrap()
}

fn render(pdf: &[u8]) -> RgbImage {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let prefix = dir.path().join("page");
    let out = Command::new("pdftoppm")
        .args(["-r", "72", "-png", "-singlefile"])
        .arg(&input)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    image::open(Path::new(&format!("{}.png", prefix.display()))).unwrap().to_rgb8()
}

/// A word whose box is `w x h` at (x, y), turned by `deg` degrees (clockwise, as on screen) about
/// its top-left corner.
fn word(text: &str, x: f32, y: f32, w: f32, h: f32, deg: f32, line_break: bool) -> Word {
    let (s, c) = deg.to_radians().sin_cos();
    let at = |dx: f32, dy: f32| Point::new(x + dx * c - dy * s, y + dx * s + dy * c);
    Word {
        text: text.into(),
        quad: Quad::new([at(0., 0.), at(w, 0.), at(w, h), at(0., h)]),
        confidence: 0.9,
        line_break,
    }
}

/// A page of Korean and English lines, one of them tilted by 8°, in a 1000 x 700 px image.
fn korean_page() -> Vec<Word> {
    vec![
        word("사업자등록증", 300., 60., 400., 60., 0., true),
        word("상호:", 80., 200., 120., 40., 0., false),
        word("주식회사", 220., 200., 160., 40., 0., false),
        word("직지", 400., 200., 80., 40., 0., true),
        word("Total", 80., 300., 120., 40., 0., false),
        word("12,000원", 240., 300., 200., 40., 0., true),
        word("기울어진", 100., 450., 200., 40., 3., false),
        word("줄", 320., 461.5, 50., 40., 3., true),
    ]
}

fn one_page_pdf(words: &[Word]) -> Vec<u8> {
    let img = RgbImage::from_pixel(1000, 700, Rgb([255, 255, 255]));
    let mut pdf = PdfWriter::new();
    pdf.add_page(PageImage::Pixels(&img), PageSize::of_raster(1000, 700), 1000, 700, words)
        .unwrap();
    pdf.finish()
}

use jikji_pdf::poppler::lines;

#[test]
fn pdftotext_gives_back_the_lines_in_order_korean_included() {
    if !poppler() {
        return;
    }
    let pdf = one_page_pdf(&korean_page());
    let expected = ["사업자등록증", "상호: 주식회사 직지", "Total 12,000원", "기울어진 줄"];
    // `-raw` keeps the content stream's order, which is the OCR's reading order.
    assert_eq!(lines(&run("pdftotext", &["-raw", "-enc", "UTF-8"], &pdf)), expected);
    // The default mode rebuilds the layout from the positions (here it parts `Total` from its
    // amount, a wide gap to poppler): the same words in the same order.
    let words = |t: &str| t.split_whitespace().map(String::from).collect::<Vec<_>>();
    assert_eq!(words(&run("pdftotext", &["-enc", "UTF-8"], &pdf)), words(&expected.join(" ")));
}

#[test]
fn pdftotext_finds_each_word_on_its_box() {
    if !poppler() {
        return;
    }
    let words = korean_page();
    let html = run("pdftotext", &["-bbox", "-enc", "UTF-8"], &one_page_pdf(&words));
    // <word xMin="…" yMin="…" xMax="…" yMax="…">text</word>, in points from the top-left.
    let found: Vec<(String, [f32; 4])> = html
        .lines()
        .filter_map(|l| {
            let l = l.trim().strip_prefix("<word ")?;
            let (attrs, rest) = l.split_once('>')?;
            let text = rest.strip_suffix("</word>")?.to_string();
            let v: Vec<f32> = attrs
                .split('"')
                .skip(1)
                .step_by(2)
                .map(|v| v.parse().unwrap())
                .collect();
            Some((text, [v[0], v[1], v[2], v[3]]))
        })
        .collect();
    assert_eq!(found.len(), words.len(), "{html}");
    let k = 72.0 / jikji_pdf::RASTER_DPI;
    for (w, (text, b)) in words.iter().zip(&found) {
        assert_eq!(&w.text, text);
        let r = w.quad.bbox();
        // The level words' boxes match to a point; the tilted ones' axis-aligned boxes are
        // compared on their left, top and bottom edges (poppler's box ends at the last glyph).
        let tol = 1.5;
        assert!((b[0] - r.x0 * k).abs() < tol, "{text}: x0 {} vs {}", b[0], r.x0 * k);
        assert!((b[1] - r.y0 * k).abs() < tol + 2.0, "{text}: y0 {} vs {}", b[1], r.y0 * k);
        assert!((b[3] - r.y1 * k).abs() < tol + 2.0, "{text}: y1 {} vs {}", b[3], r.y1 * k);
        if w.quad.angle().abs() < 0.01 {
            assert!((b[2] - r.x1 * k).abs() < tol, "{text}: x1 {} vs {}", b[2], r.x1 * k);
        }
    }
}

#[test]
fn pages_show_their_images_and_no_ink_from_the_text() {
    if !poppler() {
        return;
    }
    // Left half red, right half blue; words over both halves.
    let img = RgbImage::from_fn(400, 200, |x, _| if x < 200 { Rgb([220, 0, 0]) } else { Rgb([0, 0, 220]) });
    let words = [word("빨강", 20., 20., 160., 160., 0., false), word("파랑", 220., 20., 160., 160., 0., true)];
    let mut pdf = PdfWriter::new();
    pdf.add_page(PageImage::Pixels(&img), PageSize::points(400., 200.), 400, 200, &words)
        .unwrap();
    let page = render(&pdf.finish());
    assert_eq!(page.dimensions(), (400, 200));
    let mut off = 0;
    for (x, _, p) in page.enumerate_pixels() {
        let want = if x < 200 { [220, 0, 0] } else { [0, 0, 220] };
        if p.0.iter().zip(want).any(|(a, b)| a.abs_diff(b) > 8) {
            off += 1;
        }
    }
    // Only the resampled seam may differ.
    assert!(off <= 400, "{off} pixels differ from the image");
}

#[test]
fn a_jpeg_passes_through_and_several_pages_give_several_pages_of_text() {
    if !poppler() {
        return;
    }
    let img = RgbImage::from_pixel(300, 200, Rgb([250, 250, 250]));
    let mut jpeg = Vec::new();
    img.write_with_encoder(image::codecs::jpeg::JpegEncoder::new(&mut jpeg)).unwrap();
    let info = jikji_pdf::jpeg_passthrough(&jpeg, 300, 200).expect("a plain JPEG passes through");
    let mut pdf = PdfWriter::new();
    let size = PageSize::of_raster(300, 200);
    pdf.add_page(PageImage::Jpeg(&jpeg, info), size, 300, 200, &[word("첫", 10., 10., 50., 30., 0., true)])
        .unwrap();
    pdf.add_page(PageImage::Pixels(&img), size, 300, 200, &[word("둘째", 10., 10., 80., 30., 0., true)])
        .unwrap();
    let bytes = pdf.finish();
    assert!(bytes.windows(jpeg.len()).any(|w| w == jpeg), "the JPEG is embedded unchanged");
    let text = run("pdftotext", &["-raw", "-enc", "UTF-8"], &bytes);
    let pages: Vec<&str> = text.split('\u{c}').map(str::trim).filter(|p| !p.is_empty()).collect();
    assert_eq!(pages, ["첫", "둘째"]);
}

