//! Runs the engine alone over images and prints each page's text and stage timings — for profiling the
//! pipeline without the CLI or the server.
//!
//! `cargo run --release -p jikji-engine --example stages -- [--lang ko] [--det ppocrv6-small] FILE...`

use jikji_engine::{DetModel, Engine, EngineConfig, Lang, OcrOptions};

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
    let opts = OcrOptions { langs };
    let mut total = 0.0;
    for f in &args {
        for page in
            jikji_image::decode_file(std::path::Path::new(f), &jikji_image::Limits::default())?
        {
            let t0 = std::time::Instant::now();
            let (r, t) = engine.recognize_shared(std::sync::Arc::new(page.image), &opts)?;
            let el = t0.elapsed().as_secs_f64() * 1000.0;
            total += el;
            if !quiet {
                println!("{}", r.text());
            }
            eprintln!(
                "{f}: {}x{} {} lines, {el:.0} ms (det {:.0}, cls {:.0}, rec {:.0}, layout {:.0})",
                r.width,
                r.height,
                r.lines.len(),
                t.detect_ms,
                t.classify_ms,
                t.recognize_ms,
                t.layout_ms
            );
        }
    }
    eprintln!("total {total:.0} ms");
    Ok(())
}
