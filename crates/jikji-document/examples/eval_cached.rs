//! Development loop for document understanding without re-running OCR: reads cached CLOVA V2 responses
//! (`jikji ocr FILE --format json`, one `<image stem>.json` per image) and scores the extraction.
//!
//! ```sh
//! # once: OCR into a cache (see crates/jikji-document/README.md)
//! cargo run --release -p jikji-document --example eval_cached -- synthetic /tmp/doc-ocr-cache/synthetic ../shared/testdata/synthetic-docs
//! cargo run --release -p jikji-document --example eval_cached -- receipts /tmp/doc-ocr-cache/sroie ../shared/testdata/sroie
//! cargo run --release -p jikji-document --example eval_cached -- id-type /tmp/doc-ocr-cache/synthetic -
//! ```
//! `eval_cached rows FILE.json -` prints one cached page's rows as the extractors see them.
//! Add `-v` to print every field that is not exact.

use jikji_document::{understand, DocumentKind};
use jikji_eval::document::{score_fields, DocumentReport};
use jikji_geometry::{Point, Quad};
use jikji_types::{Line, PageResult, Word};
use serde_json::Value;
use std::path::Path;

/// A CLOVA V2 General OCR response (first image) → page result; lines rebuilt from `lineBreak`.
fn page_from_clova(v: &Value) -> Option<PageResult> {
    let img = v["images"].get(0)?;
    let info = &img["convertedImageInfo"];
    let mut words = Vec::new();
    for f in img["fields"].as_array()? {
        let vs = f["boundingPoly"]["vertices"].as_array()?;
        let p = |i: usize| {
            Point::new(
                vs[i]["x"].as_f64().unwrap_or(0.0) as f32,
                vs[i]["y"].as_f64().unwrap_or(0.0) as f32,
            )
        };
        words.push(Word {
            text: f["inferText"].as_str().unwrap_or("").to_string(),
            quad: Quad::new([p(0), p(1), p(2), p(3)]),
            confidence: f["inferConfidence"].as_f64().unwrap_or(0.0) as f32,
            line_break: f["lineBreak"].as_bool().unwrap_or(false),
        });
    }
    let mut lines = Vec::new();
    let mut start = 0;
    for i in 0..words.len() {
        if words[i].line_break || i + 1 == words.len() {
            let text = words[start..=i]
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            let q = words[start].quad;
            let e = words[i].quad;
            lines.push(Line {
                text,
                quad: Quad::new([q.pts[0], e.pts[1], e.pts[2], q.pts[3]]),
                confidence: 1.0,
                words: start..i + 1,
                pass: None,
                direction: None,
            });
            start = i + 1;
        }
    }
    Some(PageResult {
        page_index: 0,
        width: info["width"].as_u64().unwrap_or(0) as u32,
        height: info["height"].as_u64().unwrap_or(0) as u32,
        words,
        lines,
        outline: None,
    })
}

fn load(path: &Path) -> Option<PageResult> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    page_from_clova(&v)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "-v");
    let args: Vec<&String> = args.iter().filter(|a| *a != "-v").collect();
    if args.len() < 3 {
        eprintln!("usage: eval_cached synthetic|receipts|mrz|id-type CACHE_DIR GT_DIR [-v]");
        std::process::exit(2);
    }
    let (mode, cache, gt_dir) = (args[0].as_str(), Path::new(args[1]), Path::new(args[2]));
    if mode == "rows" {
        // The rows of one cached page as the extractors see them, segments split by ` | `.
        let page = load(cache).expect("cached OCR file");
        let p = jikji_document::text::Page::new(&page);
        for row in &p.rows {
            let t: Vec<String> = row.iter().map(|&s| p.segs[s].text()).collect();
            println!("{}", t.join(" | "));
        }
        return;
    }
    if mode == "receipts" {
        receipts(cache, gt_dir, verbose);
        return;
    }
    if mode == "id-type" {
        // Every cached page sent to `/document/id-card`: the type found (`none` for a page that is no
        // identity document), whether confident; with -v the fields it would return.
        let mut stems: Vec<_> = std::fs::read_dir(cache)
            .expect("cache dir")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        stems.sort();
        for p in stems {
            let Some(page) = load(&p) else { continue };
            let r = jikji_document::id_card::extract(&page);
            if verbose {
                // What a page wrongly taken for a document would return.
                for (k, v) in r.fields() {
                    let texts: Vec<&str> = v.iter().map(|f| f.text.as_str()).collect();
                    eprintln!("  {k}: {texts:?}");
                }
            }
            println!(
                "{}	{}	confident {}",
                p.file_stem().unwrap().to_string_lossy(),
                r.id_type().map_or("none", |t| t.test_data_name()),
                r.is_confident
            );
        }
        return;
    }
    if mode == "mrz" {
        // Passport specimens: every cached page's MRZ after repair, its check digits, against gt.jsonl.
        let gt = std::fs::read_to_string(gt_dir.join("gt.jsonl")).expect("gt.jsonl");
        for line in gt.lines() {
            let g: Value = serde_json::from_str(line).unwrap();
            let stem = Path::new(g["image"].as_str().unwrap())
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .to_string();
            let Some(page) = load(&cache.join(format!("{stem}.json"))) else {
                println!("{stem}: no cached OCR");
                continue;
            };
            let r = jikji_document::passport::extract(&page);
            let Some(m) = r.mrz else {
                println!("{stem}: no MRZ found");
                continue;
            };
            let ok1 = m.lines[0] == g["fields"]["mrz_line1"].as_str().unwrap_or("");
            let ok2 = m.lines.get(1).map(String::as_str) == g["fields"]["mrz_line2"].as_str();
            println!("{stem}: line1 exact {ok1}, line2 exact {ok2}, all check digits {} ({:?}), {} characters repaired", m.checks.all(), m.checks, m.repaired);
        }
        return;
    }
    let mut report = DocumentReport::default();
    let mut entries: Vec<_> = std::fs::read_dir(gt_dir)
        .expect("gt dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    let mut id_types = (0usize, 0usize);
    for gt_path in entries {
        let stem = gt_path.file_stem().unwrap().to_string_lossy().to_string();
        let gt: Value = serde_json::from_str(&std::fs::read_to_string(&gt_path).unwrap()).unwrap();
        let Some(page) = load(&cache.join(format!("{stem}.json"))) else {
            eprintln!("{stem}: no cached OCR");
            continue;
        };
        let (ty, expected, predicted) = {
            let ty = gt["type"].as_str().unwrap_or("").to_string();
            let photo = gt["photo"].as_bool().unwrap_or(false);
            let Some(kind) = DocumentKind::parse(&ty) else {
                continue;
            };
            let r = understand(kind, &page);
            if let jikji_document::DocumentResult::IdCard(ic) = &r {
                // Identity documents: the classified type, and the outline against `documentBox`.
                let got = ic.id_type().map_or("none", |t| t.test_data_name());
                id_types.0 += 1;
                id_types.1 += usize::from(got == ty);
                let iou = match (ic.rois.first(), gt["documentBox"].as_array()) {
                    (Some(q), Some(b)) => {
                        let v: Vec<f32> =
                            b.iter().map(|x| x.as_f64().unwrap_or(0.0) as f32).collect();
                        Quad::from_flat(&v).map_or(0.0, |g| q.bbox().iou(&g.bbox()))
                    }
                    _ => 0.0,
                };
                // Masks of the registration number against the test data's `maskBox` (the 7 back digits):
                // the share of the box's bounding box the number's mask covers.
                let mut cover = 0.0;
                if let Some(mb) = gt["fields"]
                    .as_object()
                    .and_then(|f| f.values().find_map(|v| v["maskBox"].as_array()))
                {
                    let v: Vec<f32> = mb
                        .iter()
                        .map(|x| x.as_f64().unwrap_or(0.0) as f32)
                        .collect();
                    let number = ic
                        .fields()
                        .into_iter()
                        .flat_map(|(_, fs)| fs)
                        .find(|f| f.text.chars().filter(char::is_ascii_digit).count() == 13);
                    if let (Some(g), Some(m)) = (
                        Quad::from_flat(&v).map(|q| q.bbox()),
                        number.and_then(|f| f.masks.first()),
                    ) {
                        cover = m.bbox().intersection(&g) / g.area().max(1.0);
                    }
                }
                println!("{stem}\ttype {got} (confident {})\trois bbox IoU {iou:.3}\tnumber mask covers {cover:.3} of maskBox", ic.is_confident);
            }
            let expected: Vec<(String, String)> = gt["fields"]
                .as_object()
                .unwrap()
                .iter()
                .filter_map(|(k, v)| v["text"].as_str().map(|t| (k.clone(), t.to_string())))
                .collect();
            (
                format!("{ty}-{}", if photo { "photo" } else { "flat" }),
                expected,
                r.named_values(),
            )
        };
        let scores = score_fields(&expected, &predicted);
        if verbose {
            for s in scores.iter().filter(|s| !s.exact) {
                println!(
                    "{stem}\t{}\texpected {:?}\tgot {:?}",
                    s.field, s.expected, s.predicted
                );
            }
        }
        report.add(&ty, &scores);
    }
    println!("{}", report.markdown());
    // Flat vs photo totals over the four business types and the passport.
    for suffix in ["flat", "photo"] {
        let (mut n, mut e) = (0, 0);
        for (t, tally) in &report.per_type {
            if t.ends_with(suffix) {
                n += tally.n;
                e += tally.exact;
            }
        }
        if n > 0 {
            println!(
                "{suffix}: {e}/{n} fields exact ({:.1}%)",
                100.0 * e as f64 / n as f64
            );
        }
    }
    if id_types.0 > 0 {
        println!(
            "identity documents: type right on {}/{}",
            id_types.1, id_types.0
        );
    }
}

/// `receipts`: the images of a `gt.jsonl` set with key fields (SROIE, korean_real, korean_photos), read
/// as receipts, scored under `jikji_eval::gt::RECEIPT_KEY_FIELDS` as `jikji eval --document` does.
fn receipts(cache: &Path, gt_dir: &Path, verbose: bool) {
    let set = jikji_eval::gt::load(gt_dir).expect("gt.jsonl set");
    let mut report = DocumentReport::default();
    let mut all_exact = (0usize, 0usize);
    for g in set.images.iter().filter(|g| g.doc_type.as_deref() == Some("receipt")) {
        let Some(page) = load(&cache.join(format!("{}.json", g.id))) else {
            eprintln!("{}: no cached OCR", g.id);
            continue;
        };
        let predicted = understand(DocumentKind::Receipt, &page).named_values();
        let scores = score_fields(&g.fields, &predicted);
        all_exact.0 += 1;
        all_exact.1 += usize::from(scores.iter().all(|s| s.exact));
        if verbose {
            for s in scores.iter().filter(|s| !s.exact) {
                println!("{}\t{}\texpected {:?}\tgot {:?}", g.id, s.field, s.expected, s.predicted);
            }
        }
        report.add("receipt", &scores);
    }
    println!("{}", report.markdown());
    println!("{}: {}/{} images with every key field exact", set.name, all_exact.1, all_exact.0);
}
