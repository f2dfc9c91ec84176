//! `jikji ocr --format pdf -o OUT.pdf` end to end with the real models: the searchable PDF of a
//! Korean page gives back, through `pdftotext -raw`, the lines of `jikji ocr --format text` — the same
//! lines in the same order, compared after [`jikji_pdf::poppler::lines`] (runs of whitespace made one
//! space, blank lines dropped; pdftotext ends each page with a form feed). A JPEG page is embedded
//! unchanged.
//!
//! Needs the models (`scripts/setup-models.sh`), `../shared/testdata` and poppler's `pdftotext`:
//! without them the test fails under `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice
//! otherwise.

use std::process::Command;

mod support;
use support::{models_dir, testdata};

fn ready() -> bool {
    support::models_present("searchable PDF test", true) && jikji_pdf::poppler::available()
}

fn jikji(args: &[&str]) -> Vec<u8> {
    support::jikji_ok(args).stdout
}

/// The PDF of `image` and the lines pdftotext and `--format text` give for it.
fn both_readings(image: &std::path::Path) -> (Vec<u8>, Vec<String>, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("page.pdf");
    let image = image.to_str().unwrap();
    jikji(&["ocr", "--format", "pdf", "-o", out.to_str().unwrap(), image]);
    let pdf = std::fs::read(&out).unwrap();
    let text = String::from_utf8(jikji(&["ocr", "--format", "text", image])).unwrap();
    let from_pdf = jikji_pdf::poppler::lines(&jikji_pdf::poppler::text(&pdf));
    (pdf, from_pdf, jikji_pdf::poppler::lines(&text))
}

#[test]
fn pdftotext_of_the_searchable_pdf_gives_the_lines_of_format_text() {
    if !ready() {
        return;
    }
    // A business registration certificate (scan): Korean lines, labels and values.
    let image = testdata().join("synthetic-docs/bizlicense-s1-0000.jpg");
    let (pdf, from_pdf, expected) = both_readings(&image);
    assert!(expected.len() >= 10, "OCR read too little: {expected:?}");
    assert!(expected.iter().any(|l| l.chars().any(|c| ('가'..='힣').contains(&c))), "no Hangul read");
    assert_eq!(from_pdf, expected);
    // The JPEG is embedded as it was (DCTDecode), not re-encoded.
    let jpeg = std::fs::read(&image).unwrap();
    assert!(pdf.windows(jpeg.len()).any(|w| w == jpeg), "the JPEG is not embedded unchanged");
}

#[test]
fn format_pdf_needs_an_output_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_jikji"))
        .args(["ocr", "--format", "pdf", "x.png"])
        .env("JIKJI_MODELS", models_dir())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("-o OUT.pdf"));
}
