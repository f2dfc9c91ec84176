//! Runs the pipeline alone over files and prints each page's text and stage timings — for profiling
//! without the CLI or the server.
//!
//! `cargo run --release -p jikji-pipeline --example stages -- [--lang ko] [--det ppocrv6-small] FILE...`
//!
//! PDF pages are rendered in this process here (a profiling tool on trusted files).

use jikji_engine::{DetModel, Engine, EngineConfig, Lang, OcrOptions};
use jikji_pipeline::{Cancel, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut langs = vec![Lang::Ko];
    let mut det = DetModel::default();
    let mut quiet = false;
    while args.first().is_some_and(|a| a.starts_with("--")) {
        let flag = args.remove(0);
        match flag.as_str() {
            "--lang" => langs = Lang::parse_list(&args.remove(0))?,
            "--det" => det = args.remove(0).parse()?,
            "--quiet" => quiet = true,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let mut cfg = EngineConfig::new(jikji_runtime::resolve_models_dir(None));
    cfg.det_model = det;
    let t = std::time::Instant::now();
    let engine = Engine::new(cfg)?;
    eprintln!("loaded in {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    let opts = Options {
        ocr: OcrOptions { langs },
        ..Options::default()
    };
    let mut total = 0.0;
    for f in &args {
        jikji_pipeline::run_file(&engine, std::path::Path::new(f), &opts, &Cancel::new(), |p| {
            let (r, t) = (&p.result, p.times.stages);
            let el = p.times.decode_ms + t.detect_ms + t.classify_ms + t.recognize_ms + t.layout_ms;
            total += el;
            if !quiet {
                println!("{}", r.text());
            }
            eprintln!(
                "{f} page {}: {}x{} {} lines, {el:.0} ms (decode {:.0}, det {:.0}, cls {:.0}, rec {:.0}, layout {:.0})",
                p.index,
                r.width,
                r.height,
                r.lines.len(),
                p.times.decode_ms,
                t.detect_ms,
                t.classify_ms,
                t.recognize_ms,
                t.layout_ms
            );
        })?;
    }
    eprintln!("total {total:.0} ms");
    Ok(())
}
