//! Integration tests with the real models (installed by `scripts/setup-models.sh`) on real images from
//! `../shared/testdata`. They assert outcomes a user would check: known words on a receipt, the passport
//! MRZ, Korean labels on a certificate, geometry that stays on the page.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use jikji_engine::{Engine, EngineConfig, EngineError, Lang, OcrOptions, PageResult};

fn testdata(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata")
        .join(rel)
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = jikji_runtime::resolve_models_dir(None);
        Engine::new(EngineConfig::new(dir)).expect("models installed by scripts/setup-models.sh")
    })
}

fn ocr(rel: &str, langs: &[Lang]) -> PageResult {
    let path = testdata(rel);
    let pages = jikji_image::decode_file(&path, &jikji_image::Limits::default())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    engine()
        .recognize(
            &pages[0].image,
            &OcrOptions {
                langs: langs.to_vec(),
            },
        )
        .unwrap()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            cur[j] = (prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(prev[j - 1] + usize::from(a[i - 1] != b[j - 1]));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn assert_geometry(r: &PageResult) {
    assert!(!r.words.is_empty());
    for w in &r.words {
        for p in w.quad.pts {
            assert!(
                p.x >= 0.0 && p.y >= 0.0 && p.x <= r.width as f32 && p.y <= r.height as f32,
                "{w:?} off the page"
            );
        }
        let [tl, tr, br, bl] = w.quad.pts;
        assert!(
            tl.x <= tr.x && bl.x <= br.x && tl.y <= bl.y && tr.y <= br.y,
            "corner order of {w:?}"
        );
        assert!((0.0..=1.0).contains(&w.confidence));
    }
    assert!(
        r.words.last().unwrap().line_break,
        "the last word ends a line"
    );
}

#[test]
fn sroie_receipt_known_words() {
    let r = ocr("sroie/images/000.jpg", &[Lang::Ko]);
    assert_geometry(&r);
    let text = r.text().to_uppercase();
    for needle in [
        "TAN WOON YANN",
        "JOHOR BAHRU",
        "TD01167104",
        "25/12/2018",
        "9.00",
        "THANK YOU",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // Lines: the receipt has ~40 rows; each row ends in exactly one line break.
    let breaks = r.words.iter().filter(|w| w.line_break).count();
    assert!((25..=60).contains(&breaks), "{breaks} line breaks");
}

#[test]
fn passport_mrz_lines_have_at_most_one_error() {
    let r = ocr("passport_mrz/images/passport-td3.jpg", &[Lang::Ko]);
    let lines: Vec<String> = r.lines.iter().map(|l| l.text.replace(' ', "")).collect();
    for want in [
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    ] {
        let best = lines.iter().map(|l| levenshtein(l, want)).min().unwrap();
        assert!(
            best <= 1,
            "{want}: best line has {best} errors; lines: {lines:#?}"
        );
    }
}

#[test]
fn korean_certificate_labels_and_values() {
    let r = ocr("synthetic-docs/bizlicense-s1-0000.jpg", &[Lang::Ko]);
    assert_geometry(&r);
    let words: Vec<&str> = r.words.iter().map(|w| w.text.as_str()).collect();
    let text = r.text();
    for needle in [
        "사업자등록증",
        "528-75-02751",
        "누리네트웍스",
        "bang51@nurinetworks.co.kr",
    ] {
        assert!(
            text.replace(' ', "").contains(needle),
            "missing {needle:?} in\n{text}"
        );
    }
    // The letter-spaced title 사 업 자 등 록 증 is read unspaced by the model and split into words by gaps.
    assert!(
        words.windows(3).any(|w| w == ["사", "업", "자"]),
        "title not split at its letter spacing: {words:?}"
    );
}

#[test]
fn english_only_language_reads_latin() {
    let r = ocr("sroie/images/000.jpg", &[Lang::En]);
    assert!(r.text().to_uppercase().contains("TAN WOON YANN"));
    assert!(
        !r.text()
            .chars()
            .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
        "no Hangul with lang en"
    );
}

#[test]
fn blank_page_gives_no_words() {
    let img = image::RgbImage::from_pixel(640, 480, image::Rgb([255, 255, 255]));
    let r = engine().recognize(&img, &OcrOptions::default()).unwrap();
    assert!(r.words.is_empty() && r.lines.is_empty());
    assert_eq!((r.width, r.height), (640, 480));
}

#[test]
fn tiny_image_does_not_fail() {
    let img = image::RgbImage::from_pixel(1, 1, image::Rgb([0, 0, 0]));
    assert!(engine()
        .recognize(&img, &OcrOptions::default())
        .unwrap()
        .words
        .is_empty());
}

#[test]
fn engine_serves_concurrent_callers() {
    let img = jikji_image::decode_file(
        &testdata("passport_mrz/images/passport-td3.png"),
        &Default::default(),
    )
    .unwrap()
    .remove(0)
    .image;
    let e = engine();
    let texts: Vec<String> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| s.spawn(|| e.recognize(&img, &OcrOptions::default()).unwrap().text()))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        texts.iter().all(|t| t == &texts[0]),
        "same input, same output"
    );
}

#[test]
fn missing_models_name_the_setup_command() {
    let err = Engine::new(EngineConfig::new("/nonexistent-models")).unwrap_err();
    assert!(matches!(err, EngineError::ModelMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("scripts/setup-models.sh"), "{err}");
}

/// A page above `MAX_WORK_PIXELS` is read on a shrunk copy; the words come back in the page's own pixels.
#[test]
fn very_large_page_is_read_and_mapped_back_to_page_pixels() {
    let path = testdata("sroie/images/000.jpg");
    let small = jikji_image::decode_file(&path, &jikji_image::Limits::default())
        .unwrap()
        .remove(0)
        .image;
    let (w, h) = small.dimensions();
    let k =
        ((jikji_engine::MAX_WORK_PIXELS as f64 / (w as f64 * h as f64)).sqrt() * 1.3).ceil() as u32;
    let big = jikji_image::resize(&small, w * k, h * k);
    assert!(big.width() as u64 * big.height() as u64 > jikji_engine::MAX_WORK_PIXELS);
    let r_small = engine()
        .recognize(
            &small,
            &OcrOptions {
                langs: vec![Lang::En],
            },
        )
        .unwrap();
    let (r_big, _) = engine()
        .recognize_shared(
            std::sync::Arc::new(big),
            &OcrOptions {
                langs: vec![Lang::En],
            },
            &jikji_types::Cancel::new(),
        )
        .unwrap();
    assert_eq!((r_big.width, r_big.height), (w * k, h * k));
    assert_geometry(&r_big);
    assert!(
        r_big.text().to_uppercase().contains("TAN WOON YANN"),
        "{}",
        r_big.text()
    );
    // The same word sits at the same place, scaled by k.
    let find = |r: &PageResult| {
        r.words
            .iter()
            .find(|x| x.text.to_uppercase().contains("TD01167104"))
            .map(|x| x.quad.bbox())
    };
    let (a, b) = (
        find(&r_small).expect("invoice number on the small page"),
        find(&r_big).expect("invoice number on the big page"),
    );
    let kf = k as f32;
    for (p, q) in [(a.x0, b.x0), (a.y0, b.y0), (a.x1, b.x1), (a.y1, b.y1)] {
        assert!(
            (p * kf - q).abs() <= 0.02 * (w * k) as f32,
            "box {a:?} x{k} vs {b:?}"
        );
    }
}

/// A small grey label and the larger black value printed after it in one detector box come out as two
/// lines on the same row (the row ends once).
#[test]
fn small_grey_label_and_its_value_are_separate_lines() {
    let r = ocr("synthetic-docs/driverlicense-s1-0000.jpg", &[Lang::Ko]);
    let lines: Vec<String> = r.lines.iter().map(|l| l.text.replace(' ', "")).collect();
    assert!(lines.iter().any(|l| l == "적성검사기간"), "{lines:#?}");
    let value = lines
        .iter()
        .position(|l| l.starts_with("2032.01.01"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(!lines[value].contains("적성"), "{lines:#?}");
    let label = &r.lines[lines.iter().position(|l| l == "적성검사기간").unwrap()];
    assert!(
        !r.words[label.words.end - 1].line_break,
        "the label does not end the row"
    );
}

/// The Latin half of a bilingual label (`이름/Given names`) is read by the PP-OCR recogniser; the
/// Korean model alone read `이름/owm nemo` on this photo.
#[test]
fn latin_part_of_a_hangul_label_is_read_by_the_latin_recogniser() {
    let r = ocr("synthetic-docs/passport-s1-0000-photo.jpg", &[Lang::Ko]);
    let text = r.text();
    for needle in ["이름/Given names", "/Date of issue"] {
        assert!(
            text.replace(' ', "").contains(&needle.replace(' ', "")),
            "missing {needle:?} in\n{text}"
        );
    }
    // The line records the pass that read its Latin part.
    let given = r
        .lines
        .iter()
        .find(|l| l.text.contains("Given"))
        .expect("a line with `Given`");
    assert_eq!(
        given.pass.map(|p| p.reader),
        Some(jikji_engine::Reader::LatinSpans)
    );
    assert!(r.lines.iter().all(|l| l.pass.is_some()));
}

/// The Hangul syllable model of the beam search (on by default) mends look-alike syllables on a real
/// receipt photo: fewer character errors against the hand transcription than greedy decoding alone
/// (`EngineConfig::korean_lm` off), measured as the edit distance of the page's text without spaces.
#[test]
fn language_model_lowers_the_errors_on_a_real_receipt() {
    let gt_file = testdata("korean_real/gt.jsonl");
    let gt = std::fs::read_to_string(&gt_file).unwrap_or_else(|e| panic!("{}: {e}", gt_file.display()));
    let page = gt
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["image"] == "images/korie_IMG00632.png")
        .expect("the receipt's ground truth");
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let want: String = page["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| squeeze(l["text"].as_str().unwrap()))
        .collect();
    let greedy = Engine::new(EngineConfig {
        korean_lm: false,
        ..EngineConfig::new(jikji_runtime::resolve_models_dir(None))
    })
    .unwrap();
    let image = jikji_image::decode_file(&testdata("korean_real/images/korie_IMG00632.png"), &Default::default())
        .unwrap()
        .remove(0)
        .image;
    let opts = OcrOptions { langs: vec![Lang::Ko] };
    let with_lm = squeeze(&engine().recognize(&image, &opts).unwrap().text());
    let without = squeeze(&greedy.recognize(&image, &opts).unwrap().text());
    let (e_lm, e_greedy) = (levenshtein(&with_lm, &want), levenshtein(&without, &want));
    assert!(e_lm < e_greedy, "errors with the language model {e_lm}, without {e_greedy}");
}

/// The hanja of a name in brackets (`윤아우(尹雅宇)` on a resident card) is read by PP-OCR, cut out
/// alone: the Korean model has no hanja and read `(#폈독)` / `(폈독)`.
#[test]
fn hanja_in_brackets_is_read_by_the_recogniser_that_has_hanja() {
    for name in ["synthetic-docs/idcard-s1-0002.jpg", "synthetic-docs/idcard-s1-0002-photo.jpg"] {
        let r = ocr(name, &[Lang::Ko]);
        let line = r
            .lines
            .iter()
            .find(|l| l.text.contains("윤아우"))
            .unwrap_or_else(|| panic!("{name}: no name line in\n{}", r.text()));
        assert_eq!(line.text.replace(' ', ""), "윤아우(尹雅宇)", "{name}");
        assert_eq!(line.pass.map(|p| p.reader), Some(jikji_engine::Reader::HanjaSpans), "{name}");
    }
}

/// A page photographed sideways or upside down reads as the upright page does (each page read a
/// second time turned upright), with every word placed where it is on the turned image.
#[test]
fn turned_pages_read_like_the_upright_page() {
    let path = testdata("synthetic-docs/receipt-s1-0000.jpg");
    let pages = jikji_image::decode_file(&path, &jikji_image::Limits::default()).unwrap();
    let img = &pages[0].image;
    let (w, h) = (img.width() as f32, img.height() as f32);
    let opts = OcrOptions {
        langs: vec![Lang::Ko],
    };
    let upright = engine().recognize(img, &opts).unwrap();
    let words = |r: &PageResult| {
        let mut v: Vec<String> = r.words.iter().map(|w| w.text.clone()).collect();
        v.sort();
        v
    };
    let want = words(&upright);
    // The store name, the largest word: where each turn puts its centre.
    let big = upright
        .words
        .iter()
        .max_by(|a, b| a.quad.bbox().height().total_cmp(&b.quad.bbox().height()))
        .unwrap();
    let c = big.quad.center();
    for turns in 1..4u8 {
        // `turns` quarter turns clockwise: the text then runs top to bottom (1), right to left (2),
        // bottom to top (3).
        let (turned, at) = match turns {
            1 => (image::imageops::rotate90(img), (h - c.y, c.x)),
            2 => (image::imageops::rotate180(img), (w - c.x, h - c.y)),
            _ => (image::imageops::rotate270(img), (c.y, w - c.x)),
        };
        let r = engine().recognize(&turned, &opts).unwrap();
        assert_eq!((r.width, r.height), turned.dimensions());
        assert_geometry(&r);
        let got = words(&r);
        let same = got.iter().filter(|w| want.contains(w)).count();
        assert!(
            same as f32 >= 0.9 * want.len() as f32 && got.len() <= want.len() + want.len() / 10,
            "{turns}: {same} of {} upright words, {} words\n{:?}",
            want.len(),
            got.len(),
            r.text()
        );
        let found = r
            .words
            .iter()
            .find(|x| x.text == big.text)
            .unwrap_or_else(|| panic!("{turns}: {} not read", big.text));
        let fc = found.quad.center();
        assert!(
            (fc.x - at.0).abs() < 4.0 && (fc.y - at.1).abs() < 4.0,
            "{turns}: {:?} at {fc:?}, expected {at:?}",
            big.text
        );
        let dir = r.lines.iter().filter_map(|l| l.direction).next().unwrap();
        assert!(
            (dir - 90.0 * turns as f32).abs() < 2.0,
            "{turns}: direction {dir}"
        );
    }
}

/// A photo upside down whose lines the angle classifier mostly fails to flip (they read as noise at
/// 0°, a third at 180°) is read turned as well, and the more confident reading kept: the MRZ comes
/// out as on the upright photo.
#[test]
fn upside_down_photo_is_read_upright() {
    let path = testdata("synthetic-docs/passport-s1-0000-photo.jpg");
    let pages = jikji_image::decode_file(&path, &jikji_image::Limits::default()).unwrap();
    let turned = image::imageops::rotate180(&pages[0].image);
    let r = engine()
        .recognize(
            &turned,
            &OcrOptions {
                langs: vec![Lang::Ko],
            },
        )
        .unwrap();
    assert_geometry(&r);
    let lines: Vec<String> = r.lines.iter().map(|l| l.text.replace(' ', "")).collect();
    let want = "S023424908KOR8401094F2611169<<<<<<<<<<<<<<<2";
    let best = lines.iter().map(|l| levenshtein(l, want)).min().unwrap();
    assert!(best <= 2, "MRZ line 2 has {best} errors; lines: {lines:#?}");
}

/// The int8 detector set (`ppocrv6-small-int8`) reads a SROIE receipt as the default set does, within
/// a few characters (its boxes differ slightly, so the crops and a few readings may), and its model
/// file is the committed one.
#[test]
fn int8_detector_reads_a_receipt_like_the_default_set() {
    let dir = jikji_runtime::resolve_models_dir(None);
    let int8 = Engine::new(EngineConfig {
        det_model: jikji_engine::DetModel::V6SmallInt8,
        ..EngineConfig::new(&dir)
    })
    .expect("models/ppocrv6-small-int8 installed by scripts/setup-models.sh");
    let image = jikji_image::decode_file(&testdata("sroie/images/000.jpg"), &Default::default())
        .unwrap()
        .remove(0)
        .image;
    let opts = OcrOptions { langs: vec![Lang::En] };
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let quantised = int8.recognize(&image, &opts).unwrap();
    assert_geometry(&quantised);
    let (a, b) = (squeeze(&quantised.text()), squeeze(&engine().recognize(&image, &opts).unwrap().text()));
    let d = levenshtein(&a, &b);
    assert!(d * 50 <= b.chars().count(), "{d} edits between the int8 and the default set's text of {} characters", b.chars().count());
    for needle in ["JOHOR BAHRU", "TD01167104", "25/12/2018"] {
        assert!(quantised.text().to_uppercase().contains(needle), "missing {needle:?}");
    }
}
