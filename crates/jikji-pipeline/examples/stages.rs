//! Runs the pipeline alone over files and prints where each page's time goes — for profiling without
//! the CLI or the server.
//!
//! `cargo run --release -p jikji-pipeline --example stages -- [--lang ko] [--det ppocrv6-small]
//!  [--threads N] [--workers N] [--cores N] [--clients N] [--rec-batch N] [--device cpu|cuda[:N]] [--rounds N]
//!  [--table] FILE...`
//!
//! `--clients C` runs C client threads that share the files (each file `--rounds` times) against one
//! engine of `--workers W` workers, as a service with C requests in flight would: the summary line gives
//! pages/s over the whole run and the p50/p99 page latency (decode + engine). `--cores N` is the engine's
//! core budget (default: the machine's): above a worker's threads, a page read while a core is idle
//! borrows it (the engine's `lend` module); `--cores` equal to `--threads` turns that off.
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
    let mut workers = 1;
    let mut clients = 1;
    let mut cores = None;
    let mut rec_batch = None;
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
            "--workers" => workers = value()?.parse()?,
            "--clients" => clients = value()?.parse()?,
            "--cores" => cores = Some(value()?.parse()?),
            "--rec-batch" => rec_batch = Some(value()?.parse()?),
            "--device" => device = value()?.parse()?,
            "--quiet" => quiet = true,
            "--table" => table = true,
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let mut cfg = EngineConfig::new(jikji_runtime::resolve_models_dir(None));
    cfg.det_model = det;
    cfg.threads_per_worker = threads;
    cfg.workers = workers;
    cfg.cores = cores;
    cfg.rec_batch = rec_batch;
    cfg.device = device;
    let t = std::time::Instant::now();
    let engine = Engine::new(cfg)?;
    eprintln!(
        "loaded in {:.0} ms on {}",
        t.elapsed().as_secs_f64() * 1000.0,
        engine.device()
    );
    if engine.device() != device {
        eprintln!(
            "--device {device} is not usable ({}); running on the CPU",
            jikji_runtime::cuda_fallback().unwrap_or("unknown reason")
        );
    }
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
    let jobs: Vec<&String> = (0..rounds).flat_map(|_| args.iter()).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let shared = std::sync::Mutex::new((StageTimes::default(), 0.0, 0usize, 0usize, Vec::new()));
    let started = std::time::Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..clients.max(1) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = jobs.get(k) else { break };
                let path = std::path::Path::new(f.as_str());
                let r = jikji_pipeline::run_file(&engine, path, &opts, &Cancel::new(), |p| {
                    let (r, t) = (&p.result, p.times.stages);
                    let el = p.times.decode_ms + t.total_ms();
                    let mut g = shared.lock().unwrap();
                    g.0.add(&t);
                    g.1 += p.times.decode_ms;
                    g.2 += 1;
                    g.3 += r.lines.len();
                    g.4.push(el);
                    drop(g);
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
                });
                if let Err(e) = r {
                    eprintln!("{f}: {e}");
                }
            });
        }
    });
    let wall_s = started.elapsed().as_secs_f64();
    let (sum, decode, pages, lines, mut latencies) = shared.into_inner().unwrap();
    let total = decode + sum.total_ms();
    eprintln!("total {total:.0} ms");
    latencies.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "summary: device {} workers {workers} threads {threads} cores {} clients {clients}: {pages} pages in {wall_s:.2} s = {:.2} pages/s, latency p50 {:.0} ms p99 {:.0} ms",
        engine.device(),
        engine.config().core_budget(),
        pages as f64 / wall_s.max(1e-9),
        pct(0.5),
        pct(0.99)
    );
    if table && pages > 0 {
        print_table(&sum, decode, pages, lines, pct(0.5), threads);
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
