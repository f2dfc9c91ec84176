//! TEDS / structure-TEDS of the table stage over a generated set (`scripts/gen-tables/gen_tables.py`).
//!
//! ```sh
//! cargo run --release -p jikji-table --example table_eval -- /tmp/tables [--save-ocr DIR]
//! ```
//! For each page: the engine reads it (1 worker, 1 thread), then the table stage finds and recognises the
//! tables (timed separately, 1 thread). The page's GT has one table; the largest predicted table is
//! scored against it (none predicted scores 0). `--whole-page` skips table finding (the page is the
//! region); `--layout` adds the layout model to the finders (off by default, as in the product);
//! `--no-ruled` leaves out the rule-line finder; `--conf X` sets the layout model's region score
//! threshold. OCR results are cached as JSON in `--save-ocr DIR` (default
//! `<set>/ocr`) so reruns time and score the table stage alone. The set is a folder with `gt.jsonl` or
//! a `.jsonl` file (image paths relative to its folder, as `testdata/tables-real/gt-ko.jsonl`);
//! `--lang en` reads the pages in English (default Korean).

use std::path::{Path, PathBuf};
use std::time::Instant;

use jikji_eval::teds::teds;
use jikji_table::{to_html, TableRecognizer};
use jikji_types::PageResult;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = PathBuf::from(args.get(1).map(String::as_str).unwrap_or("/tmp/tables"));
    let (set, gt_file) = if arg.extension().is_some_and(|e| e == "jsonl") {
        (arg.parent().unwrap_or(Path::new(".")).to_path_buf(), arg.clone())
    } else {
        (arg.clone(), arg.join("gt.jsonl"))
    };
    let mut options = jikji_engine::OcrOptions::default();
    if let Some(l) = args.iter().position(|a| a == "--lang").and_then(|i| args.get(i + 1)) {
        options.langs = jikji_types::Lang::parse_list(l).expect("--lang ko|en");
    }
    let ocr_dir = args
        .iter()
        .position(|a| a == "--save-ocr")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| set.join("ocr"));
    let verbose = args.iter().any(|a| a == "-v");
    std::fs::create_dir_all(&ocr_dir).unwrap();
    let models = jikji_runtime::resolve_models_dir(None);
    let whole_page = args.iter().any(|a| a == "--whole-page");
    let mut config = jikji_table::TableConfig::default();
    // `--no-ruled`: the layout model alone (without the rule-line finder), for comparison.
    config.ruled_finder = !args.iter().any(|a| a == "--no-ruled");
    // `--no-aligned`: without the word-alignment finder of borderless tables.
    config.aligned_finder = !args.iter().any(|a| a == "--no-aligned");
    // `--layout`: the layout model as well (off by default; `--no-layout` is the default, kept for old
    // command lines).
    config.layout_finder = args.iter().any(|a| a == "--layout");
    if let Some(c) = args.iter().position(|a| a == "--conf").and_then(|i| args.get(i + 1)) {
        config.region_conf = c.parse().expect("--conf X");
    }
    let mut tables = TableRecognizer::load_with(&models, config).expect("table models");
    let mut engine: Option<jikji_engine::Engine> = None;

    let gt = std::fs::read_to_string(&gt_file).expect("gt.jsonl");
    let mut rows = Vec::new();
    for line in gt.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let rel = v["image"].as_str().unwrap();
        let gt_html = v["html"].as_str().unwrap();
        // Decoded as the service does (EXIF orientation applied: phone photos in `tables-real`).
        let img = jikji_image::decode_file(&set.join(rel), &jikji_image::Limits::default())
            .expect("image")
            .swap_remove(0)
            .image;
        let cache = ocr_dir.join(Path::new(rel).file_name().unwrap()).with_extension("json");
        let page: PageResult = match std::fs::read(&cache) {
            Ok(b) => serde_json::from_slice(&b).unwrap(),
            Err(_) => {
                let e = engine.get_or_insert_with(|| {
                    jikji_engine::Engine::new(jikji_engine::EngineConfig::new(&models)).expect("engine")
                });
                let p = e.recognize(&img, &options).expect("ocr");
                std::fs::write(&cache, serde_json::to_vec(&p).unwrap()).unwrap();
                p
            }
        };
        let t0 = Instant::now();
        // `--whole-page`: the page is the table's region (structure and cells alone, no table finding).
        let found = if whole_page {
            let r = jikji_table::Region { x0: 0.0, y0: 0.0, x1: img.width() as f32, y1: img.height() as f32, score: 1.0, class: 4 };
            tables.recognize_regions(&img, &page, &[r]).expect("tables")
        } else {
            tables.recognize(&img, &page).expect("tables")
        };
        let ms = t0.elapsed().as_secs_f64() * 1000.0;
        let best = found.iter().max_by_key(|t| t.rows * t.cols);
        let html = best.map(to_html).unwrap_or_default();
        let (s, st) = (teds(&html, gt_html, false), teds(&html, gt_html, true));
        if verbose {
            println!("{rel}\n  gt:   {gt_html}\n  pred: {html}");
        }
        println!(
            "{rel:28} {:10} {:5} tables={} TEDS={s:.3} S-TEDS={st:.3} {ms:.0} ms",
            v["style"].as_str().unwrap_or(""),
            v["variant"].as_str().unwrap_or(""),
            found.len()
        );
        rows.push((v["variant"].as_str().unwrap_or("").to_string(), v["style"].as_str().unwrap_or("").to_string(), s, st, ms));
    }
    let mean = |f: &dyn Fn(&(String, String, f64, f64, f64)) -> bool| {
        let sel: Vec<_> = rows.iter().filter(|r| f(r)).collect();
        let n = sel.len().max(1) as f64;
        (
            sel.len(),
            sel.iter().map(|r| r.2).sum::<f64>() / n,
            sel.iter().map(|r| r.3).sum::<f64>() / n,
            sel.iter().map(|r| r.4).sum::<f64>() / n,
        )
    };
    println!("\n{:12} {:>3} {:>6} {:>7} {:>8}", "subset", "n", "TEDS", "S-TEDS", "ms/page");
    let mut groups: Vec<String> = vec!["all".into(), "flat".into(), "photo".into()];
    for r in &rows {
        if !groups.contains(&r.1) {
            groups.push(r.1.clone());
        }
    }
    for g in groups {
        let (n, s, st, ms) = mean(&|r| g == "all" || r.0 == g || r.1 == g);
        println!("{g:12} {n:>3} {s:>6.3} {st:>7.3} {ms:>8.0}");
    }
}
