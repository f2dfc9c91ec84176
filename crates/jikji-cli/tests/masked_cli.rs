//! `jikji ocr --document passport FILE --masked OUT.png` end to end with the real models: the passport
//! number (visual zone and MRZ) is black in the masked copy, and Jikji's own OCR reads none of its
//! characters back from it; the same for the back digits of resident and alien registration numbers
//! with `--document id-card`.
//!
//! Needs the models (`scripts/setup-models.sh`) and `../shared/testdata`: without them the test fails
//! under `JIKJI_REQUIRE_MODELS=1` (CI) and is skipped with a notice otherwise.

use std::path::Path;
use std::process::Command;

use jikji_geometry::{Point, Quad};

mod support;
use support::testdata;

fn ready() -> bool {
    support::models_present("masked-output tests", true)
}

fn jikji(args: &[&str]) -> std::process::Output {
    support::jikji_ok(args)
}

/// Words read by `jikji ocr --format tsv`: text and quad.
fn read_words(image: &Path) -> Vec<(String, Quad)> {
    let out = jikji(&["ocr", "--format", "tsv", image.to_str().unwrap()]);
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let v: Vec<f32> = c.get(5..13)?.iter().filter_map(|x| x.parse().ok()).collect();
            Some((c.get(3)?.to_string(), Quad::from_flat(&v)?))
        })
        .collect()
}

fn quad_of(v: &serde_json::Value) -> Quad {
    let flat: Vec<f32> = v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    Quad::from_flat(&flat).unwrap()
}

/// Fraction of the pixels whose centres lie inside `q` that are black.
fn black_fraction(img: &image::RgbImage, q: &Quad) -> f32 {
    let b = q.bbox();
    let (mut n, mut black) = (0, 0);
    for y in b.y0.max(0.0) as u32..(b.y1.ceil() as u32).min(img.height()) {
        for x in b.x0.max(0.0) as u32..(b.x1.ceil() as u32).min(img.width()) {
            let c = Point::new(x as f32 + 0.5, y as f32 + 0.5);
            let inside = (0..4).all(|i| {
                let (a, d) = (q.pts[i], q.pts[(i + 1) % 4]);
                (d.x - a.x) * (c.y - a.y) - (d.y - a.y) * (c.x - a.x) >= 0.0
            });
            if inside {
                n += 1;
                if img.get_pixel(x, y).0 == [0, 0, 0] {
                    black += 1;
                }
            }
        }
    }
    if n == 0 {
        1.0
    } else {
        black as f32 / n as f32
    }
}

/// Whether a word read at `word` sits on the masked region `mask`: the middle of its left or right
/// half, or its centre, falls in the mask's box (whole boxes overlap too easily on a tilted photo,
/// where the line above grazes the mask's box).
fn overlaps(word: &Quad, mask: &Quad) -> bool {
    let m = mask.bbox();
    let [tl, tr, br, bl] = word.pts;
    let (left, right) = (tl.lerp(bl, 0.5), tr.lerp(br, 0.5));
    [0.25, 0.5, 0.75].iter().map(|&t| left.lerp(right, t)).any(|p| p.x >= m.x0 && p.x <= m.x1 && p.y >= m.y0 && p.y <= m.y1)
}

/// The number's characters that `text` holds in a row of three or more (a masked number must not
/// come back even in pieces; single characters are everywhere on a page).
fn leaked_piece(text: &str, number: &str) -> Option<String> {
    let t: String = text.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    let n: Vec<char> = number.chars().collect();
    (0..n.len().saturating_sub(2)).map(|i| n[i..i + 3].iter().collect::<String>()).find(|p| t.contains(p.as_str()))
}

#[test]
fn masked_passport_hides_the_number() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let docs = testdata().join("synthetic-docs");
    for name in ["passport-s1-0000", "passport-s1-0001", "passport-s1-0002", "passport-s1-0000-photo"] {
        let image = docs.join(format!("{name}.jpg"));
        let gt: serde_json::Value = serde_json::from_slice(&std::fs::read(docs.join(format!("{name}.json"))).unwrap()).unwrap();
        let number = gt["fields"]["passportNum"]["text"].as_str().unwrap().to_string();
        let out = dir.path().join(format!("{name}-masked.png"));
        jikji(&["ocr", "--document", "passport", image.to_str().unwrap(), "--masked", out.to_str().unwrap(), "--format", "json"]);
        let masked = image::open(&out).expect("masked image written").to_rgb8();
        let original = image::open(&image).unwrap().to_rgb8();
        assert_eq!(masked.dimensions(), original.dimensions());
        // The printed number and its copy in the MRZ (the first 9 of the 44 characters of line 2).
        let viz = quad_of(&gt["fields"]["passportNum"]["box"]);
        let mrz = quad_of(&gt["fields"]["mrz2"]["box"]).sub_span(0.0, 9.0 / 44.0);
        for (what, q) in [("visual zone", &viz), ("MRZ", &mrz)] {
            let f = black_fraction(&masked, q);
            assert!(f >= 0.97, "{name}: only {:.0} % of the {what} number is black", f * 100.0);
        }
        // Elsewhere the image is untouched: the masks are small.
        let changed = masked.pixels().zip(original.pixels()).filter(|(a, b)| a != b).count();
        assert!(changed * 10 < (masked.width() * masked.height()) as usize, "{name}: {changed} pixels changed");
        // Jikji's own OCR reads nothing of the number back: no word over the masks holds a digit, and
        // no three characters of the number in a row appear anywhere on the page.
        let words = read_words(&out);
        assert!(!words.is_empty(), "{name}: the rest of the page is still readable");
        for (text, q) in &words {
            if overlaps(q, &viz) || overlaps(q, &mrz) {
                assert!(!text.chars().any(|c| c.is_ascii_digit()), "{name}: `{text}` read over the mask");
            }
        }
        let all: String = words.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(" ");
        assert_eq!(leaked_piece(&all, &number), None, "{name}: part of the number is readable");
        // The unmasked original does show it (the check above can fail).
        let before: String = read_words(&image).iter().map(|(t, _)| t.clone()).collect::<Vec<_>>().join(" ");
        assert!(leaked_piece(&before, &number).is_some(), "{name}: the original's number was not read at all");
    }
}

#[test]
fn masked_needs_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_jikji"))
        .args(["ocr", "x.png", "--masked", "y.png"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--document"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn masked_id_cards_hide_the_back_of_the_registration_number() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let docs = testdata().join("synthetic-docs");
    for (name, key) in [("idcard-s1-0000", "personalNum"), ("aliencard-s1-0000", "alienRegNum"), ("idcard-s1-0001-photo", "personalNum")] {
        let image = docs.join(format!("{name}.jpg"));
        let gt: serde_json::Value = serde_json::from_slice(&std::fs::read(docs.join(format!("{name}.json"))).unwrap()).unwrap();
        let number = gt["fields"][key]["text"].as_str().unwrap();
        let back: String = number.chars().filter(char::is_ascii_digit).skip(6).collect();
        let out = dir.path().join(format!("{name}-masked.png"));
        jikji(&["ocr", "--document", "id-card", image.to_str().unwrap(), "--masked", out.to_str().unwrap()]);
        let masked = image::open(&out).expect("masked image written").to_rgb8();
        // The test data's maskBox: the 7 back digits, the part a masking API must cover.
        let mask = quad_of(&gt["fields"][key]["maskBox"]);
        let f = black_fraction(&masked, &mask);
        assert!(f >= 0.97, "{name}: only {:.0} % of the back digits are black", f * 100.0);
        let words = read_words(&out);
        let all: String = words.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>().join(" ");
        assert_eq!(leaked_piece(&all, &back), None, "{name}: part of the back digits is readable");
        let before: String = read_words(&image).iter().map(|(t, _)| t.clone()).collect::<Vec<_>>().join(" ");
        assert!(leaked_piece(&before, &back).is_some(), "{name}: the original's number was not read at all");
    }
}
