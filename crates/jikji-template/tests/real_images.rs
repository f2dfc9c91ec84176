//! Template OCR on real images: templates made from one flat sample each of fixed-layout documents in
//! `../shared/testdata/synthetic-docs`, read from photos (and flat scans) of other copies — same
//! layout, other content — through the real engine (models from `scripts/setup-models.sh`).
//!
//! The field regions are drawn from the sample's ground truth the way an author would draw them in a
//! builder: around the sample's value, widened to the right to leave room for longer values (up to the
//! next text on that row), padded by a third of the text height. Only the sample's ground truth is
//! used for that; the other copies' ground truth is only the answer key.
//!
//! `JIKJI_OCR_CACHE=<dir>`: read `<dir>/<image stem>.json` (the CLOVA General OCR JSON of
//! `jikji ocr --format json`) instead of running the engine (quick iteration on the matching only).
//!
//! Prints the per-document table that ACCURACY.md ("Template OCR") quotes.

use jikji_geometry::{Point, Quad, Rect};
use jikji_template::{
    read_fields, read_fields_with, read_title, FieldDef, FieldKind, Region, Template, TemplateDef, TemplateSet,
    ValueType,
};
use jikji_types::{PageResult, Word};
use serde_json::Value;
use common::reread;
use std::path::{Path, PathBuf};

mod common;

fn docs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/synthetic-docs")
}

fn from_clova(v: &Value) -> PageResult {
    let img = &v["images"][0];
    let info = &img["convertedImageInfo"];
    let words = img["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let pts: Vec<Point> = f["boundingPoly"]["vertices"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| Point::new(p["x"].as_f64().unwrap() as f32, p["y"].as_f64().unwrap() as f32))
                .collect();
            Word {
                text: f["inferText"].as_str().unwrap().into(),
                quad: Quad::new([pts[0], pts[1], pts[2], pts[3]]),
                confidence: f["inferConfidence"].as_f64().unwrap() as f32,
                line_break: f["lineBreak"].as_bool().unwrap_or(false),
            }
        })
        .collect();
    PageResult {
        page_index: 0,
        width: info["width"].as_u64().unwrap() as u32,
        height: info["height"].as_u64().unwrap() as u32,
        words,
        lines: vec![],
        outline: None,
    }
}

/// The OCR result and the image of `<stem>.jpg` in the synthetic documents.
fn ocr(stem: &str) -> (PageResult, image::RgbImage) {
    ocr_in(&docs(), stem)
}

/// The OCR result and the image of `<dir>/<stem>.jpg`.
fn ocr_in(dir: &Path, stem: &str) -> (PageResult, image::RgbImage) {
    let path = dir.join(format!("{stem}.jpg"));
    if let Ok(dir) = std::env::var("JIKJI_OCR_CACHE") {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let j = std::fs::read(Path::new(&dir).join(format!("{stem}.json"))).unwrap();
        let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
        return (from_clova(&serde_json::from_slice(&j).unwrap()), img);
    }
    common::ocr_file(&path)
}

fn gt_in(dir: &Path, stem: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(format!("{stem}.json"))).unwrap()).unwrap()
}

/// What reading a plan's copies gave.
#[derive(Default)]
struct Tally {
    exact: usize,
    spaceless: usize,
    total: usize,
    photo_exact: usize,
    photo_total: usize,
    /// Pages matched to the wrong template or to none.
    wrong: Vec<String>,
}

/// Templates from each plan entry's sample, then every copy matched and its fields read and scored
/// against its ground truth (printing each miss); `photo`: whether a copy is a photo.
fn read_plan(dir: &Path, plan: &[(&str, String, Vec<String>)], photo: impl Fn(&str) -> bool) -> (TemplateSet, Tally) {
    let mut templates = Vec::new();
    for (name, sample, _) in plan {
        let (page, img) = ocr_in(dir, sample);
        let t = Template::build(template_def(name, &gt_in(dir, sample)), &page, &img)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        templates.push(t);
    }
    let set = TemplateSet::new(templates);
    let mut tally = Tally::default();
    for (ti, (name, _, copies)) in plan.iter().enumerate() {
        for stem in copies.iter() {
            let (page, img) = ocr_in(dir, stem);
            let Some(m) = set.match_page(&page) else {
                // How far it fell short: each template's score without MIN_SCORE.
                tally.wrong.push(format!("{stem}: no match ({})", scores(&set, &page)));
                continue;
            };
            if m.template != ti {
                tally.wrong.push(format!("{stem}: matched {}", set.templates[m.template].def.name));
                continue;
            }
            let t = &set.templates[ti];
            let answer = gt_in(dir, stem);
            let shared = std::sync::Arc::new(img);
            let plain = read_fields(t, &m, &page, &shared);
            let readings = if std::env::var_os("JIKJI_NO_REREAD").is_some() {
                plain.clone()
            } else {
                read_fields_with(t, &m, &page, &shared, &mut |quads| reread(&shared, quads))
            };
            for (p, r) in plain.iter().zip(&readings).filter(|(p, r)| p.text != r.text) {
                let want = answer["fields"][&r.name]["text"].as_str().unwrap_or("-");
                println!("    reread {stem} {}: {:?} -> {:?} want {want:?}", r.name, p.text, r.text);
            }
            let (mut e, mut n) = (0, 0);
            for r in &readings {
                // A field the copy does not have (layouts differ in one optional row) is not scored.
                let Some(want) = answer["fields"][&r.name]["text"].as_str() else { continue };
                let got = r.text.replace('\n', " ");
                n += 1;
                if got == want {
                    e += 1;
                } else {
                    println!("    {stem} {}: {got:?} want {want:?}", r.name);
                }
                if squash(&got) == squash(want) {
                    tally.spaceless += 1;
                }
            }
            tally.exact += e;
            tally.total += n;
            if photo(stem) {
                tally.photo_exact += e;
                tally.photo_total += n;
            }
            println!(
                "{stem:32} -> {name:22} score {:.2} inliers {:2} {:?}{} fields {e}/{n} title {:?}",
                m.score,
                m.inliers,
                m.model,
                if m.title_found { " (title found)" } else { "" },
                read_title(t, &m, &page).map(|t| t.text)
            );
        }
    }
    (set, tally)
}

/// Each template's match of a page without the acceptance rule: anchor score, whether the title was
/// found, the share of line starts the map lands.
fn scores(set: &TemplateSet, page: &PageResult) -> String {
    let s: Vec<String> = (0..set.templates.len())
        .filter_map(|k| {
            set.score_one(k, page).map(|m| {
                format!(
                    "{} {:.2} inliers {}{}",
                    set.templates[k].def.name,
                    m.score,
                    m.inliers,
                    if m.title_found { " title" } else { "" },
                )
            })
        })
        .collect();
    s.join(", ")
}

fn rect_of(b: &Value) -> Rect {
    let v: Vec<f32> = b.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as f32).collect();
    Quad::from_flat(&v).unwrap().bbox()
}

/// The regions an author would draw on the sample (see the module doc).
fn template_def(name: &str, sample: &Value) -> TemplateDef {
    let (w, h) = (
        sample["image"]["w"].as_f64().unwrap() as f32,
        sample["image"]["h"].as_f64().unwrap() as f32,
    );
    let values: Vec<(String, Rect, bool)> = sample["fields"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, f)| (k.clone(), rect_of(&f["box"]), f.get("lineBoxes").is_some()))
        .collect();
    // Every other text box on the sample (labels, titles, the other values).
    let mut others: Vec<Rect> = sample["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l.get("box").map(rect_of))
        .collect();
    others.extend(values.iter().map(|v| v.1));
    // The identification region around the whole title (a card's Korean and English title lines).
    let title = sample["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l.get("role").and_then(Value::as_str) == Some("title"))
        .map(|l| rect_of(&l["box"]))
        .reduce(|a, b| a.union(&b))
        .map(|r| {
            let p = 0.3 * r.height().min(r.width());
            Region {
                x: (r.x0 - p).max(0.0),
                y: (r.y0 - p).max(0.0),
                width: r.width() + 2.0 * p,
                height: r.height() + 2.0 * p,
            }
        });
    let fields = values
        .iter()
        .map(|(name, r, multi)| {
            let line_h = if *multi { r.height() / 2.0 } else { r.height() };
            let pad = line_h / 3.0;
            let same_row = |o: &Rect| o.y1 > r.y0 + pad && o.y0 < r.y1 - pad && o != r;
            let mut right = (r.x1 + (0.6 * r.width()).max(4.0 * line_h)).min(w - 2.0);
            let mut left = (r.x0 - pad).max(1.0);
            for o in others.iter().filter(|o| same_row(o)) {
                if o.x0 >= r.x1 - 1.0 {
                    right = right.min(o.x0 - pad);
                }
                if o.x1 <= r.x0 + 1.0 {
                    left = left.max(o.x1 + pad.min((r.x0 - o.x1) / 2.0));
                }
            }
            FieldDef {
                name: name.clone(),
                region: Region {
                    x: left,
                    y: (r.y0 - pad).max(1.0),
                    width: right - left,
                    height: (r.height() + 2.0 * pad).min(h - 2.0 - (r.y0 - pad).max(1.0)),
                },
                value_type: ValueType::All,
                kind: FieldKind::Normal,
                multiline: *multi,
                boxes: None,
                sample_checked: false,
            }
        })
        .collect();
    TemplateDef {
        name: name.into(),
        title,
        fields,
        validation_url: None,
    }
}

/// Another character of the same script, `k` places on (for made-up templates).
fn shifted(c: char, k: u32) -> char {
    let (lo, n) = match c {
        '가'..='힣' => ('가' as u32, 11172),
        'a'..='z' => ('a' as u32, 26),
        '0'..='9' => ('0' as u32, 10),
        _ => return c,
    };
    char::from_u32(lo + (c as u32 - lo + k * 7) % n).unwrap_or(c)
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn templates_from_one_flat_sample_read_photos_of_other_copies() {
    // (template name, sample, copies to read). The two business-registration layouts (일반과세자 and
    // 법인사업자) are two templates: the set must tell them apart.
    let plan: [(&str, &str, &[&str]); 4] = [
        ("bizlicense-individual", "bizlicense-s1-0000", &["bizlicense-s1-0000-photo"]),
        (
            "bizlicense-corporate",
            "bizlicense-s1-0001",
            &["bizlicense-s1-0001-photo", "bizlicense-s1-0002", "bizlicense-s1-0002-photo"],
        ),
        (
            "idcard",
            "idcard-s1-0000",
            &["idcard-s1-0000-photo", "idcard-s1-0001", "idcard-s1-0001-photo", "idcard-s1-0002", "idcard-s1-0002-photo"],
        ),
        (
            "driverlicense",
            "driverlicense-s1-0000",
            &[
                "driverlicense-s1-0000-photo",
                "driverlicense-s1-0001",
                "driverlicense-s1-0001-photo",
                "driverlicense-s1-0002",
                "driverlicense-s1-0002-photo",
            ],
        ),
    ];
    let plan: Vec<(&str, String, Vec<String>)> = plan
        .iter()
        .map(|(n, s, c)| (*n, s.to_string(), c.iter().map(|c| c.to_string()).collect()))
        .collect();
    let (set, tally) = read_plan(&docs(), &plan, |stem| stem.ends_with("-photo"));
    let Tally { exact, spaceless, total, photo_exact, photo_total, mut wrong } = tally;
    // Unrelated images: receipts, a name card, a passport.
    let mut best_unrelated: f32 = 0.0;
    for stem in ["receipt-s1-0000-photo", "receipt-s1-0001", "namecard-s1-0000-photo", "passport-s1-0000-photo"] {
        let (page, _) = ocr(stem);
        if let Some(m) = set.match_page(&page) {
            wrong.push(format!("{stem}: matched {}", set.templates[m.template].def.name));
        }
        println!("unrelated {stem}: {}", scores(&set, &page));
        for ti in 0..set.templates.len() {
            if let Some(m) = set.score_one(ti, &page) {
                best_unrelated = best_unrelated.max(m.score);
            }
        }
    }
    // Matching cost with 1, 10 and 100 templates: the 4 real ones plus copies whose anchor text is
    // shifted to other Hangul syllables / letters (same geometry, other words: other forms).
    let pages: Vec<PageResult> = plan
        .iter()
        .flat_map(|(_, _, copies)| copies.iter())
        .map(|stem| ocr(stem).0)
        .collect();
    for n in [1usize, 10, 100] {
        let mut ts: Vec<Template> = Vec::with_capacity(n);
        for k in 0..n {
            let mut t = set.templates[k % set.templates.len()].clone();
            let shift = (k / set.templates.len()) as u32;
            if shift > 0 {
                for a in t.anchors.iter_mut().chain(t.title_parts.iter_mut()) {
                    a.text = a.text.chars().map(|c| shifted(c, shift)).collect();
                }
            }
            ts.push(t);
        }
        let many = TemplateSet::new(ts);
        let start = std::time::Instant::now();
        let mut found = 0;
        for p in &pages {
            found += usize::from(many.match_page(p).is_some());
        }
        let per_page = start.elapsed().as_secs_f64() * 1000.0 / pages.len() as f64;
        println!("{n:3} templates: {per_page:.2} ms per page to match ({found}/{} matched)", pages.len());
    }
    let rate = exact as f32 / total.max(1) as f32;
    println!(
        "fields exact {exact}/{total} = {:.1} % (photos {photo_exact}/{photo_total}), ignoring spaces {spaceless}/{total}; best unrelated score {best_unrelated:.2}",
        100.0 * rate
    );
    assert!(wrong.is_empty(), "{wrong:?}");
    // Measured 2026-12-05: 110/122 = 90.2 %, photos 72/80 (93/122 = 76.2 % before fields were read again from their
    // regions and letter-spaced runs joined, 99 before spaced dates were split, 102 before cuts snapped
    // within 5 characters, 105 before list commas were split, 107 before a cut word's end on another
    // row was left out, 108 before a date's units were set one way, 109 before a month read as a day
    // was repaired; ACCURACY.md "Template OCR"); the floor
    // is a few points under it.
    assert!(rate >= 0.86, "exact-match rate {rate}");
}

/// Copies the project has not seen: `JIKJI_TEMPLATE_UNSEEN=<dir>` names a folder made by
/// `scripts/gen-idcards/gen_idcards.py <dir> --n N --seed S` and `scripts/photo-sim/photosim.py --src <dir>
/// --out <dir> --variants 1 --seed S`. The templates are made from the first flat copy of the resident
/// card, the driver's licence and the alien card; every photo (`-sim0`) is read, the samples' own
/// photos included. Run with `--ignored` (a measurement: fails without the folder).
#[test]
#[ignore]
fn templates_read_photos_of_unseen_copies() {
    let dir = PathBuf::from(std::env::var("JIKJI_TEMPLATE_UNSEEN").expect("JIKJI_TEMPLATE_UNSEEN=<folder of generated cards>"));
    let mut stems: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".json").map(String::from))
        .collect();
    stems.sort();
    let plan: Vec<(&str, String, Vec<String>)> = ["idcard", "driverlicense", "aliencard"]
        .into_iter()
        .map(|kind| {
            let of_kind: Vec<&String> = stems.iter().filter(|s| s.starts_with(&format!("{kind}-s"))).collect();
            let sample = of_kind.iter().find(|s| !s.ends_with("-sim0")).expect("a flat copy").to_string();
            let copies = of_kind.iter().filter(|s| s.ends_with("-sim0")).map(|s| s.to_string()).collect();
            (kind, sample, copies)
        })
        .collect();
    let (set, tally) = read_plan(&dir, &plan, |stem| stem.ends_with("-sim0"));
    let mut wrong = tally.wrong;
    // The alien card's back is an unrelated page for these templates.
    for stem in stems.iter().filter(|s| s.starts_with("aliencard-back")) {
        let page = ocr_in(&dir, stem).0;
        if let Some(m) = set.match_page(&page) {
            wrong.push(format!("{stem}: matched {}", set.templates[m.template].def.name));
        }
        println!("unrelated {stem}: {}", scores(&set, &page));
    }
    // The shared set's other documents (business licences, cards, name cards, passports, receipts,
    // flat and photographed) are unrelated pages too.
    let docs = docs();
    let mut others: Vec<String> = std::fs::read_dir(&docs)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".jpg").map(String::from))
        .filter(|s| ["bizlicense", "creditcard", "namecard", "passport", "receipt"].iter().any(|k| s.starts_with(k)))
        .collect();
    others.sort();
    let mut best_unrelated = (0.0f32, String::new());
    for stem in &others {
        let page = ocr_in(&docs, stem).0;
        if let Some(m) = set.match_page(&page) {
            wrong.push(format!("{stem}: matched {}", set.templates[m.template].def.name));
        }
        for k in 0..set.templates.len() {
            if let Some(m) = set.score_one(k, &page).filter(|m| m.score > best_unrelated.0) {
                best_unrelated = (m.score, format!("{stem} ({})", scores(&set, &page)));
            }
        }
    }
    println!("{} unrelated documents; the best score of any template on them {:.2}: {}", others.len(), best_unrelated.0, best_unrelated.1);
    println!(
        "unseen: fields exact {}/{} = {:.1} % (photos {}/{}), ignoring spaces {}/{}",
        tally.exact,
        tally.total,
        100.0 * tally.exact as f32 / tally.total.max(1) as f32,
        tally.photo_exact,
        tally.photo_total,
        tally.spaceless,
        tally.total
    );
    assert!(wrong.is_empty(), "{wrong:?}");
}
