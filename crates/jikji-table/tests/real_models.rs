//! The table stage with the real models (installed by `scripts/setup-models.sh`) on one table page
//! rendered by `scripts/gen-tables/gen_tables.py` (`tests/data/ruled_ko.png`, exact HTML ground truth in
//! `ruled_ko.html`). The page's words are the engine's output for that image, saved as JSON
//! (`ruled_ko.ocr.json`), so this test runs the table models alone.

use std::path::{Path, PathBuf};

use jikji_table::{to_csv, to_html, TableRecognizer};
use jikji_types::PageResult;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

fn recognizer() -> TableRecognizer {
    TableRecognizer::load(&jikji_runtime::resolve_models_dir(None))
        .expect("table models installed by scripts/setup-models.sh")
}

#[test]
fn rendered_ruled_table_is_recovered() {
    let img = image::open(data("ruled_ko.png")).unwrap().to_rgb8();
    let page: PageResult = serde_json::from_slice(&std::fs::read(data("ruled_ko.ocr.json")).unwrap()).unwrap();
    let gt = std::fs::read_to_string(data("ruled_ko.html")).unwrap();
    let mut r = recognizer();
    let tables = r.recognize(&img, &page).unwrap();
    assert_eq!(tables.len(), 1, "{tables:?}");
    let t = &tables[0];
    assert_eq!((t.rows, t.cols), (6, 5));
    // Every grid slot is covered exactly once.
    let mut cover = vec![0; t.rows * t.cols];
    for c in &t.cells {
        for rr in c.row..c.row + c.row_span {
            for cc in c.col..c.col + c.col_span {
                cover[rr * t.cols + cc] += 1;
            }
        }
    }
    assert!(cover.iter().all(|&n| n == 1), "{cover:?}");
    let html = to_html(t);
    let s = jikji_eval::teds::teds(&html, &gt, false);
    let st = jikji_eval::teds::teds(&html, &gt, true);
    assert!(st >= 0.99 && s >= 0.9, "TEDS {s:.3} / structure {st:.3}\n{html}");
    assert!(to_csv(t).starts_with("날짜,내용,입금,출금,잔액\r\n"), "{}", to_csv(t));
    // The table's words stay on the page.
    for c in &t.cells {
        for l in &c.lines {
            for w in &l.words {
                let b = w.quad.bbox();
                assert!(b.x0 >= -1.0 && b.y0 >= -1.0 && b.x1 <= img.width() as f32 + 1.0 && b.y1 <= img.height() as f32 + 1.0);
            }
        }
    }
}

#[test]
fn a_blank_page_has_no_table() {
    let img = image::RgbImage::from_pixel(800, 1000, image::Rgb([255, 255, 255]));
    let page = PageResult { page_index: 0, width: 800, height: 1000, words: vec![], lines: vec![], outline: None };
    assert!(recognizer().recognize(&img, &page).unwrap().is_empty());
    let tiny = image::RgbImage::new(3, 3);
    assert!(recognizer().recognize(&tiny, &page).unwrap().is_empty());
}

#[test]
fn a_page_turned_sideways_or_upside_down_gives_the_same_table() {
    // The page as scanned sideways (one or three quarter turns) or upside down: the image turned, and
    // the words where the engine reports them on it (read upright, mapped back, lines' direction set).
    let img = image::open(data("ruled_ko.png")).unwrap().to_rgb8();
    let mut upright: PageResult = serde_json::from_slice(&std::fs::read(data("ruled_ko.ocr.json")).unwrap()).unwrap();
    for l in &mut upright.lines {
        l.direction = Some(0.0);
    }
    let gt = std::fs::read_to_string(data("ruled_ko.html")).unwrap();
    let mut r = recognizer();
    for k in 1..4u8 {
        let given = match k {
            1 => image::imageops::rotate90(&img),
            2 => image::imageops::rotate180(&img),
            _ => image::imageops::rotate270(&img),
        };
        let mut page = upright.clone();
        page.unturn(k, given.width(), given.height());
        let tables = r.recognize(&given, &page).unwrap();
        assert_eq!(tables.len(), 1, "{k}: {tables:?}");
        let t = &tables[0];
        assert_eq!((t.rows, t.cols), (6, 5), "{k}");
        let s = jikji_eval::teds::teds(&to_html(t), &gt, false);
        assert!(s >= 0.9, "{k}: TEDS {s:.3}");
        // Boxes on the page as given.
        let b = t.quad.bbox();
        assert!(b.x0 >= -1.0 && b.y0 >= -1.0 && b.x1 <= given.width() as f32 + 1.0 && b.y1 <= given.height() as f32 + 1.0, "{k}: {b:?}");
        let first = t.cells[0].lines[0].words[0].quad.center();
        let want = jikji_types::unturn_point(upright_first(&upright), k, given.width(), given.height());
        assert!((first.x - want.x).abs() < 2.0 && (first.y - want.y).abs() < 2.0, "{k}: {first:?} vs {want:?}");
    }
}

/// The centre of the page's word `날짜` (the table's first cell) on the upright page.
fn upright_first(p: &PageResult) -> jikji_geometry::Point {
    p.words.iter().find(|w| w.text == "날짜").expect("날짜 on the page").quad.center()
}
