//! Runs the pipeline alone over files and prints where each page's time goes — for profiling without
//! the CLI or the server.
//!
//! `cargo run --release -p jikji-pipeline --example stages -- [--lang ko] [--det ppocrv6-small]
//!  [--threads N] [--device cpu|cuda[:N]] [--rounds N] [--table] FILE...`
//!
//! Per page it prints the stage times on stderr; with `--table` it ends with a Markdown table of every
//! stage averaged over the pages: wall time, the model's own run time inside it, the overhead around the
//! model (wall − model, and as a share of the model's time), and for each recognition pass the lines it
//! read and how many lines' text it changed (what the extra pass buys). The first file is read once
//! untimed first (warm-up). PDF pages are rendered in this process here (a profiling tool on trusted
//! files).

use jikji_engine::{DetModel, Device, Engine, EngineConfig, Lang, OcrOptions, StageTimes};
use jikji_pipeline::{Cancel, Options};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut langs = vec![Lang::Ko];
    let mut det = DetModel::default();
    let mut quiet = false;
    let mut table = false;
    let mut threads = 1;
    let mut rounds = 1;
    let mut device = Device::Cpu;
    while args.first().is_some_and(|a| a.starts_with("--")) {
        let flag = args.remove(0);
        let mut value = || -> Result<String, String> {
            if args.is_empty() {
                return Err(format!("{flag} needs a value"));
            }
            Ok(args.remove(0))
        };
        match flag.as_str() {
            "--lang" => langs = Lang::parse_list(&value()?)?,
            "--det" => det = value()?.parse()?,
            "--threads" => threads = value()?.parse()?,
            "--rounds" => rounds = value()?.parse()?,
            "--device" => device = value()?.parse()?,
            "--quiet" => quiet = true,
            "--table" => table = true,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let mut cfg = EngineConfig::new(jikji_runtime::resolve_models_dir(None));
    cfg.det_model = det;
    cfg.threads_per_worker = threads;
    cfg.device = device;
    let t = std::time::Instant::now();
    let engine = Engine::new(cfg)?;
    eprintln!(
        "loaded in {:.0} ms on {}",
        t.elapsed().as_secs_f64() * 1000.0,
        engine.device()
    );
    let opts = Options {
        ocr: OcrOptions { langs },
        ..Options::default()
    };
    if let Some(first) = args.first() {
        jikji_pipeline::run_file(
            &engine,
            std::path::Path::new(first),
            &opts,
            &Cancel::new(),
            |_| {},
        )?;
    }
    let mut sum = StageTimes::default();
    let (mut decode, mut pages, mut lines) = (0.0, 0usize, 0usize);
    let mut latencies = Vec::new();
    for _ in 0..rounds {
        for f in &args {
            let path = std::path::Path::new(f);
            jikji_pipeline::run_file(&engine, path, &opts, &Cancel::new(), |p| {
                let (r, t) = (&p.result, p.times.stages);
                let el = p.times.decode_ms + t.total_ms();
                sum.add(&t);
                decode += p.times.decode_ms;
                pages += 1;
                lines += r.lines.len();
                latencies.push(el);
                if !quiet {
                    println!("{}", r.text());
                }
                eprintln!(
                    "{f} page {}: {}x{} {} lines, {el:.0} ms (decode {:.0}, det {:.0} [model {:.0}], cls {:.0}, rec {:.0} [model {:.0}], layout {:.0})",
                    p.index,
                    r.width,
                    r.height,
                    r.lines.len(),
                    p.times.decode_ms,
                    t.detect_ms,
                    t.detect_model_ms,
                    t.classify_ms,
                    t.recognize_ms,
                    t.passes.all().iter().map(|(_, p)| p.model_ms).sum::<f64>(),
                    t.layout_ms
                );
            })?;
        }
    }
    let total = decode + sum.total_ms();
    eprintln!("total {total:.0} ms");
    if table && pages > 0 {
        latencies.sort_by(f64::total_cmp);
        let p50 = latencies[latencies.len() / 2];
        print_table(&sum, decode, pages, lines, p50, threads);
    }
    Ok(())
}

/// The Markdown profile table (per-page means).
fn print_table(s: &StageTimes, decode: f64, pages: usize, lines: usize, p50: f64, threads: usize) {
    let n = pages as f64;
    println!(
        "\n{pages} pages, {:.1} output lines/page, {threads} intra-op thread(s); per-page means, ms; p50 page latency {p50:.0} ms\n",
        lines as f64 / n
    );
    println!("| stage | wall | model | overhead | overhead / model | lines read | lines changed |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let row = |name: &str, wall: f64, model: Option<f64>, counts: Option<(u32, u32)>| {
        let (m, o, share) = match model {
            Some(m) => (
                format!("{:.1}", m / n),
                format!("{:.1}", (wall - m) / n),
                if m > 0.0 {
                    format!("{:.0} %", 100.0 * (wall - m) / m)
                } else {
                    "–".into()
                },
            ),
            None => ("–".into(), format!("{:.1}", wall / n), "–".into()),
        };
        let (l, c) = counts
            .map(|(l, c)| (format!("{:.1}", l as f64 / n), format!("{:.1}", c as f64 / n)))
            .unwrap_or(("".into(), "".into()));
        println!(
            "| {name} | {:.1} | {m} | {o} | {share} | {l} | {c} |",
            wall / n
        );
    };
    row("decode", decode, None, None);
    row("detect: pre-processing", s.detect_pre_ms, None, None);
    row("detect: model", s.detect_model_ms, Some(s.detect_model_ms), None);
    row("detect: post-processing", s.detect_post_ms, None, None);
    row(
        "**detect**",
        s.detect_ms,
        Some(s.detect_model_ms),
        None,
    );
    row("crop / rectify", s.crop_ms, None, None);
    row(
        "orientation classifier",
        s.classify_ms - s.crop_ms,
        Some(s.classify_model_ms),
        None,
    );
    let mut passes_model = 0.0;
    for (name, p) in s.passes.all() {
        passes_model += p.model_ms;
        if p.lines > 0 {
            row(
                &format!("recognise: {name}"),
                p.ms,
                Some(p.model_ms),
                Some((p.lines, p.changed)),
            );
        }
    }
    row("**recognise**", s.recognize_ms, Some(passes_model), None);
    row("layout", s.layout_ms, None, None);
    row("**total**", decode + s.total_ms(), Some(s.model_ms()), None);
}
