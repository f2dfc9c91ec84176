//! `jikji bench`: speed and memory of Jikji against RapidOCR and Tesseract, in one run, on the same images.
//!
//! ```text
//! scripts/setup-bench.sh                       # RapidOCR venv (.venv-bench) + tesseract from apt
//! jikji bench                                  # 26 SROIE receipts, 1 thread, all three engines
//! jikji bench --threads 2 --rounds 3 --out BENCHMARKS.md
//! jikji bench --document receipt --engines jikji --out BENCHMARKS.md   # what Document OCR adds
//! ```
//!
//! **Every engine runs as a child process**, one after the other (never concurrently), so that each one's
//! peak RSS is its own and is measured the same way: the parent reaps the child with `wait4(2)` and reads
//! `ru_maxrss` (peak resident set, kB) and the CPU time from the child's `rusage`.
//!
//! * Jikji: this binary re-executed as a hidden worker (`jikji bench --worker --list FILE …`). It builds the
//!   engine once (`load`), runs the first image once untimed (`warm-up`), then times decode + OCR of each
//!   image in-process and prints JSON.
//! * RapidOCR 3.10.0 on ONNX Runtime 1.32.0: `bench/rapidocr_anchor.py` in `.venv-bench` does the same
//!   (its lazily created sessions are built by the warm-up call) with the PP-OCRv6 small det/rec + mobile
//!   cls ONNX files packaged in the wheel.
//! * Tesseract 5 (apt): the CLI once per image (`tesseract IMG stdout -l eng --psm 3 tsv`), so each
//!   image's time includes process start and language-model load; `load` is the time of one run on a
//!   blank 64×32 image, and a first untimed run on the first image warms the file cache.
//!
//! Same thread budget for all: `--threads N` is Jikji's core budget (1 worker of ⌈N/2⌉ intra-op threads,
//! the engine's spare sessions using the rest while a page is read: see `worker_threads`),
//! RapidOCR's intra-op threads (inter-op 1, OpenCV N) and Tesseract's `OMP_THREAD_LIMIT`.
//! Throughput is sequential: images/s = timed images / Σ per-image latency. With `--clients C` every
//! engine has C requests in flight at once within the same `--threads` budget (Jikji: C workers of
//! ⌊N/C⌋ threads on N cores; RapidOCR: C instances of ⌊N/C⌋ threads on C Python threads; Tesseract: C
//! processes of `OMP_THREAD_LIMIT` ⌊N/C⌋), and images/s = timed images / wall time of the timed phase:
//! what a service with a queue serves.
//!
//! With ground truth (`--gt`, default `<images>/../gt.jsonl` when present) every engine's lines are
//! also scored with `jikji-eval` (page CER, line CER, detection F1), so speed and accuracy come from the
//! same outputs.

use super::eval as ev;
use anyhow::{bail, Context};
use clap::ValueEnum;
use jikji_engine::{Lang, OcrOptions};
use jikji_eval::metrics::{median, percentile};
use jikji_eval::report::{frac, pct, secs};
use jikji_eval::run_info::{self, command_line, git_commit, machine, utc_now};
use jikji_eval::{gt, predictions, Accuracy, ImageReader, PredLineRecord, Prediction};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod tables;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// Image files, or directories of images (jpg/png/…, sorted by name).
    #[arg(long = "images", num_args = 1.., default_value = "../shared/testdata/sroie/images")]
    pub images: Vec<PathBuf>,
    /// Ground truth for the accuracy table (gt.jsonl or a synthetic-docs directory). Default:
    /// `<first images dir>/../gt.jsonl` when it exists.
    #[arg(long)]
    pub gt: Option<PathBuf>,
    /// Skip the accuracy table.
    #[arg(long)]
    pub no_accuracy: bool,
    /// Engines to run, comma-separated: jikji, rapidocr, tesseract.
    #[arg(
        long,
        default_value = "jikji,rapidocr,tesseract",
        value_delimiter = ','
    )]
    pub engines: Vec<String>,
    /// Intra-op threads for every engine (Jikji/RapidOCR ONNX Runtime, Tesseract OMP_THREAD_LIMIT).
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Requests in flight at once, for every engine, within the same --threads budget (each of the C
    /// gets ⌊threads/C⌋, at least 1); images/s is then timed images over the timed phase's wall time.
    #[arg(long, default_value_t = 1)]
    pub clients: usize,
    /// Where Jikji's models run: cpu, cuda or cuda:N (the anchors stay on the CPU). A GPU that cannot be
    /// used falls back to the CPU with a message saying why.
    #[arg(long, default_value = "cpu", value_name = "DEVICE")]
    pub device: jikji_engine::Device,
    /// Timed passes over the images (latencies of all passes are pooled).
    #[arg(long, default_value_t = 1)]
    pub rounds: usize,
    /// Use only the first N images.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Model directory for Jikji.
    #[arg(long, env = "JIKJI_MODELS", default_value = "./models")]
    pub models: PathBuf,
    /// Jikji model set (PP-OCR detector + recogniser family): ppocrv5, ppocrv6-tiny, ppocrv6-small or ppocrv6-small-int8.
    #[arg(long, default_value = "ppocrv6-small")]
    pub model_set: String,
    /// Korean line recogniser directory (`model.onnx` + `charset.txt`, e.g.
    /// `../shared/models/korean-rec-v2-preview`) [default: MODELS/korean-rec-v1].
    #[arg(long, env = "JIKJI_KOREAN_MODEL", value_name = "DIR")]
    pub korean_model: Option<PathBuf>,
    /// Read Latin lines with the set's own recogniser only, without the tiny recogniser reading first
    /// (the recognition cascade, on by default; see the engine's docs).
    #[arg(long)]
    pub no_cascade: bool,
    /// Decode unsure Korean lines greedily only, without the Hangul syllable model's beam search (on by
    /// default; see `models/korean-lm/README.md`).
    #[arg(long, env = "JIKJI_NO_KOREAN_LM")]
    pub no_korean_lm: bool,
    /// Jikji recognition languages (comma-separated).
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Tesseract `-l` (default: `eng`, or `kor+eng` when --lang includes ko).
    #[arg(long)]
    pub tesseract_lang: Option<String>,
    /// Tesseract page segmentation mode.
    #[arg(long, default_value_t = 3)]
    pub psm: u32,
    /// Tesseract binary.
    #[arg(long, default_value = "tesseract")]
    pub tesseract: PathBuf,
    /// Python of the RapidOCR environment (scripts/setup-bench.sh).
    #[arg(long, default_value = ".venv-bench/bin/python")]
    pub python: PathBuf,
    /// The RapidOCR anchor script.
    #[arg(long, default_value = "bench/rapidocr_anchor.py")]
    pub anchor: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// Write the report to FILE. An existing file keeps everything outside the
    /// `<!-- jikji-bench:begin -->`…`<!-- jikji-bench:end -->` markers.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Name of the section in --out (default `<images dir>-t<threads>`, e.g. `sroie-t1`): a later run with
    /// the same name replaces it, other sections are kept.
    #[arg(long)]
    pub section: Option<String>,
    /// Write each engine's first-round lines to DIR/ENGINE.jsonl (scorable by `jikji eval --predictions`).
    #[arg(long)]
    pub save_predictions: Option<PathBuf>,
    /// Table mode: a table set (a directory with `gt.jsonl` as `scripts/gen-tables/gen_tables.py` writes
    /// it) instead of --images. Jikji runs OCR + the table stage; the anchor is RapidOCR + RapidTable 0.3.0
    /// (`--engines jikji,rapidtable`, the default here); both are scored by TEDS.
    #[arg(long, value_name = "DIR")]
    pub tables: Option<PathBuf>,
    /// Document mode: Jikji runs Document OCR of this kind (receipt, name-card, biz-license,
    /// credit-card, id-card, passport) on every image — OCR, then the document's fields and their
    /// JSON, as a `/document/KIND` call does — and the report says what the document stage adds to
    /// the page (issue #8's bar: a Document call at most 10 % over General OCR). The anchors read text
    /// only.
    #[arg(long, value_name = "KIND")]
    pub document: Option<String>,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
    /// Internal: run as the Jikji worker process.
    #[arg(long, hide = true)]
    pub worker: bool,
    /// Internal: image list file for --worker.
    #[arg(long, hide = true)]
    pub list: Option<PathBuf>,
    /// Internal: the worker runs the table stage after OCR.
    #[arg(long, hide = true)]
    pub table_stage: bool,
}

/// What a worker (Jikji or the RapidOCR anchor) prints.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct WorkerOutput {
    engine: String,
    version: String,
    #[serde(default)]
    threads: usize,
    #[serde(default)]
    load_s: Option<f64>,
    #[serde(default)]
    warmup_s: Option<f64>,
    #[serde(default)]
    rss_kb_after_load: Option<u64>,
    #[serde(default)]
    peak_rss_kb: Option<u64>,
    /// Wall time of the timed phase (all rounds), for images/s with several clients.
    #[serde(default)]
    timed_wall_s: Option<f64>,
    images: Vec<WorkerImage>,
    /// Anything else the worker reports (onnxruntime version, model files…).
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
struct WorkerImage {
    image: String,
    #[serde(default)]
    round: usize,
    latency_s: Option<f64>,
    #[serde(default)]
    lines: Vec<PredLineRecord>,
    #[serde(default)]
    error: Option<String>,
    /// Table mode: the largest table's HTML (None: no table found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    html: Option<String>,
    /// Table mode: the table stage's share of `latency_s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    table_s: Option<f64>,
    /// Document mode: the document stage's share of `latency_s` (fields and their JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    document_s: Option<f64>,
}

// ---------------------------------------------------------------------------------------------------------
// Child processes with rusage.

/// Resource usage of a reaped child.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    max_rss_kb: u64,
    cpu_s: f64,
}

#[cfg(target_os = "linux")]
mod sys {
    use std::os::raw::{c_int, c_long};

    #[repr(C)]
    #[derive(Default)]
    pub struct Timeval {
        pub tv_sec: c_long,
        pub tv_usec: c_long,
    }

    /// `struct rusage` (Linux): two timevals then 14 longs; `ru_maxrss` is in kilobytes.
    #[repr(C)]
    #[derive(Default)]
    pub struct Rusage {
        pub ru_utime: Timeval,
        pub ru_stime: Timeval,
        pub ru_maxrss: c_long,
        pub rest: [c_long; 13],
    }

    extern "C" {
        pub fn wait4(pid: c_int, status: *mut c_int, options: c_int, rusage: *mut Rusage) -> c_int;
    }

    /// Waits for `pid` (which must be a child not yet reaped) and returns its raw wait status and rusage.
    pub fn wait_with_rusage(pid: u32) -> std::io::Result<(c_int, Rusage)> {
        let mut status: c_int = 0;
        let mut ru = Rusage::default();
        loop {
            // SAFETY: `status` and `ru` are valid, exclusively borrowed, and `Rusage` matches the C layout.
            let r = unsafe { wait4(pid as c_int, &mut status, 0, &mut ru) };
            if r >= 0 {
                return Ok((status, ru));
            }
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
    }
}

struct ChildRun {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
    wall_s: f64,
    usage: Option<Usage>,
}

/// Runs `cmd` to completion, collecting stdout, stderr (calling `on_stderr_line` per line), wall time and,
/// on Linux, the child's peak RSS and CPU time.
fn run_child(
    mut cmd: Command,
    mut on_stderr_line: impl FnMut(&str) + Send,
) -> anyhow::Result<ChildRun> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {:?}", cmd.get_program()))?;
    let mut out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    let (stdout, stderr) = std::thread::scope(|s| {
        let h = s.spawn(move || {
            let mut buf = String::new();
            let _ = out.read_to_string(&mut buf);
            buf
        });
        let mut collected = String::new();
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            on_stderr_line(&line);
            if !line.starts_with("bench-progress ") {
                collected.push_str(&line);
                collected.push('\n');
            }
        }
        (h.join().unwrap_or_default(), collected)
    });
    #[cfg(target_os = "linux")]
    let (status, usage) = {
        use std::os::unix::process::ExitStatusExt;
        let (raw, ru) = sys::wait_with_rusage(child.id())?;
        let cpu = |t: &sys::Timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        (
            std::process::ExitStatus::from_raw(raw),
            Some(Usage {
                max_rss_kb: ru.ru_maxrss.max(0) as u64,
                cpu_s: cpu(&ru.ru_utime) + cpu(&ru.ru_stime),
            }),
        )
    };
    #[cfg(not(target_os = "linux"))]
    let (status, usage) = (child.wait()?, None);
    Ok(ChildRun {
        status,
        stdout,
        stderr,
        wall_s: t0.elapsed().as_secs_f64(),
        usage,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Results.

/// One engine's measurements.
#[derive(Debug, Clone, Serialize, Default)]
struct EngineResult {
    engine: String,
    /// Version and settings, for the report.
    detail: String,
    /// Why it was not run or failed (then no numbers).
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    timed_images: usize,
    failed_images: usize,
    latencies_s: Vec<f64>,
    images_per_s: Option<f64>,
    median_s: Option<f64>,
    p95_s: Option<f64>,
    peak_rss_kb: Option<u64>,
    load_s: Option<f64>,
    warmup_s: Option<f64>,
    /// Child CPU seconds (user + system) over the whole run, divided by the number of processed images
    /// (warm-up included).
    cpu_s_per_image: Option<f64>,
    /// Total wall time of the engine's process(es).
    process_wall_s: f64,
    /// With several clients: the timed phase's wall time, from which images/s is taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    concurrent_wall_s: Option<f64>,
    #[serde(skip)]
    predictions: Vec<Prediction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    accuracy: Option<Accuracy>,
    /// Table mode: (image, HTML of the largest table) of the first round.
    #[serde(skip)]
    tables_html: Vec<(String, Option<String>)>,
    /// Table mode: the table stage's time per timed image.
    #[serde(skip)]
    table_latencies_s: Vec<f64>,
    /// Document mode: the document stage's time per timed image.
    #[serde(skip)]
    document_latencies_s: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    table_accuracy: Option<tables::TableAccuracy>,
}

impl EngineResult {
    fn skipped(engine: &str, detail: String, why: String) -> Self {
        EngineResult {
            engine: engine.into(),
            detail,
            skipped: Some(why),
            ..Default::default()
        }
    }

    fn finish(&mut self) {
        let lat = &self.latencies_s;
        self.timed_images = lat.len();
        let sum: f64 = match self.concurrent_wall_s {
            Some(wall) => wall,
            None => lat.iter().sum(),
        };
        self.images_per_s = (sum > 0.0).then(|| lat.len() as f64 / sum);
        self.median_s = median(lat);
        self.p95_s = percentile(lat, 95.0);
    }
}

fn collect_images(paths: &[PathBuf], limit: Option<usize>) -> anyhow::Result<Vec<PathBuf>> {
    const EXT: [&str; 9] = [
        "jpg", "jpeg", "png", "bmp", "tif", "tiff", "webp", "gif", "pdf",
    ];
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("reading {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.extension()
                        .and_then(|e| e.to_str())
                        .is_some_and(|e| EXT.contains(&e.to_ascii_lowercase().as_str()))
                })
                .collect();
            v.sort();
            out.extend(v);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            bail!("{} not found", p.display());
        }
    }
    if let Some(n) = limit {
        out.truncate(n);
    }
    if out.is_empty() {
        bail!("no images");
    }
    Ok(out)
}

fn write_list(images: &[PathBuf]) -> anyhow::Result<PathBuf> {
    let path = std::env::temp_dir().join(format!("jikji-bench-{}.list", std::process::id()));
    let mut s = String::new();
    for i in images {
        s.push_str(&i.display().to_string());
        s.push('\n');
    }
    std::fs::write(&path, s)?;
    Ok(path)
}

fn progress_cb(pb: &indicatif::ProgressBar) -> impl FnMut(&str) + Send + '_ {
    move |line: &str| {
        if let Some(rest) = line.strip_prefix("bench-progress ") {
            pb.inc(1);
            pb.set_message(rest.rsplit('/').next().unwrap_or("").to_string());
        }
    }
}

/// Runs a worker (Jikji or RapidOCR) that prints [`WorkerOutput`].
fn run_worker(name: &str, detail: String, cmd: Command, n: usize, quiet: bool, clients: usize) -> EngineResult {
    let pb = ev::progress(n, quiet, name);
    let run = run_child(cmd, progress_cb(&pb));
    pb.finish_and_clear();
    let run = match run {
        Ok(r) => r,
        Err(e) => return EngineResult::skipped(name, detail, format!("{e:#}")),
    };
    if !run.status.success() {
        let tail: String = run
            .stderr
            .lines()
            .rev()
            .take(8)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        return EngineResult::skipped(name, detail, format!("exited with {}: {tail}", run.status));
    }
    let out: WorkerOutput = match serde_json::from_str(run.stdout.trim()) {
        Ok(o) => o,
        Err(e) => {
            return EngineResult::skipped(name, detail, format!("unreadable worker output: {e}"))
        }
    };
    let mut r = EngineResult {
        engine: name.into(),
        detail,
        ..Default::default()
    };
    r.load_s = out.load_s;
    r.warmup_s = out.warmup_s;
    r.process_wall_s = run.wall_s;
    r.concurrent_wall_s = out.timed_wall_s.filter(|_| clients > 1);
    // Prefer the kernel's number for the whole process; fall back to the worker's own VmHWM.
    r.peak_rss_kb = run
        .usage
        .map(|u| u.max_rss_kb)
        .filter(|k| *k > 0)
        .or(out.peak_rss_kb);
    let processed = out.images.len() + 1;
    r.cpu_s_per_image = run.usage.map(|u| u.cpu_s / processed as f64);
    for img in &out.images {
        match (img.latency_s, &img.error) {
            (Some(l), None) => r.latencies_s.push(l),
            _ => r.failed_images += 1,
        }
        if let Some(t) = img.table_s {
            r.table_latencies_s.push(t);
        }
        if let Some(t) = img.document_s {
            r.document_latencies_s.push(t);
        }
        if img.round == 0 {
            r.tables_html.push((img.image.clone(), img.html.clone()));
            r.predictions.push(Prediction {
                image: img.image.clone(),
                lines: img.lines.clone(),
                latency_s: img.latency_s,
                error: img.error.clone(),
            });
        }
    }
    if let Some(v) = out.extra.get("onnxruntime").and_then(|v| v.as_str()) {
        let _ = write!(r.detail, ", onnxruntime {v}");
    }
    r.finish();
    r
}

fn bench_jikji(args: &Args, list: &Path, n: usize) -> EngineResult {
    let detail = format!(
        "jikji {} (in-process worker), model set `{}`{}, lang `{}`, {} worker(s) × {} intra-op thread(s) on {} core(s){}",
        env!("CARGO_PKG_VERSION"),
        args.model_set,
        if args.no_cascade || args.model_set.contains("tiny") { "" } else { " with the tiny-recogniser cascade" },
        args.lang,
        args.clients.max(1),
        worker_threads(args.threads, args.clients),
        args.threads.max(1),
        if args.device.is_cuda() { format!(", device {} asked for", args.device) } else { String::new() }
    );
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return EngineResult::skipped("jikji", detail, e.to_string()),
    };
    let mut cmd = Command::new(exe);
    cmd.arg("bench")
        .arg("--worker")
        .arg("--list")
        .arg(list)
        .arg("--threads")
        .arg(args.threads.to_string())
        .arg("--rounds")
        .arg(args.rounds.to_string())
        .arg("--models")
        .arg(&args.models)
        .arg("--model-set")
        .arg(&args.model_set)
        .arg("--lang")
        .arg(&args.lang)
        .arg("--device")
        .arg(args.device.to_string());
    if args.no_cascade {
        cmd.arg("--no-cascade");
    }
    if args.no_korean_lm {
        cmd.arg("--no-korean-lm");
    }
    if args.tables.is_some() {
        cmd.arg("--table-stage");
    }
    if let Some(k) = &args.document {
        cmd.arg("--document").arg(k);
    }
    if let Some(k) = &args.korean_model {
        cmd.arg("--korean-model").arg(k);
    }
    cmd.arg("--clients").arg(args.clients.to_string());
    run_worker("jikji", detail, cmd, n * args.rounds, args.quiet, args.clients)
}

fn bench_rapidocr(args: &Args, list: &Path, n: usize) -> EngineResult {
    let table = args.tables.is_some();
    let detail = format!(
        "rapidocr 3.10.0 (Python, `bench/rapidocr_anchor.py`), PP-OCRv6 small det + rec, mobile cls (wheel-packaged ONNX){}, {} intra-op thread(s) per instance",
        if table { ", then RapidTable 0.3.0 (SLANet-plus from its wheel) on the whole image with RapidOCR's lines" } else { "" },
        per_client(args)
    );
    let name = if table { "rapidtable" } else { "rapidocr" };
    if !args.python.exists() {
        return EngineResult::skipped(
            name,
            detail,
            format!(
                "{} not found: run scripts/setup-bench.sh",
                args.python.display()
            ),
        );
    }
    let mut cmd = Command::new(&args.python);
    cmd.arg(&args.anchor)
        .arg("--threads")
        .arg(per_client(args).to_string())
        .arg("--rounds")
        .arg(args.rounds.to_string())
        .arg("--list")
        .arg(list);
    if table {
        cmd.arg("--table");
    }
    cmd.arg("--clients").arg(args.clients.to_string());
    run_worker(name, detail, cmd, n * args.rounds, args.quiet, args.clients)
}

/// Parses `tesseract … tsv` output into lines (words grouped by page/block/paragraph/line).
fn parse_tesseract_tsv(tsv: &str) -> Vec<PredLineRecord> {
    /// (page, block, paragraph, line) → text and [x0, y0, x1, y1].
    type TsvLine = ((u32, u32, u32, u32), String, [f32; 4]);
    let mut lines: Vec<TsvLine> = Vec::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 || f[0] != "5" {
            continue;
        }
        let text = f[11].trim();
        let conf: f32 = f[10].parse().unwrap_or(-1.0);
        if text.is_empty() || conf < 0.0 {
            continue;
        }
        let num = |i: usize| f[i].parse::<u32>().unwrap_or(0);
        let key = (num(1), num(2), num(3), num(4));
        let (l, t, w, h) = (num(6) as f32, num(7) as f32, num(8) as f32, num(9) as f32);
        let b = [l, t, l + w, t + h];
        match lines.last_mut() {
            Some((k, s, bb)) if *k == key => {
                s.push(' ');
                s.push_str(text);
                *bb = [
                    bb[0].min(b[0]),
                    bb[1].min(b[1]),
                    bb[2].max(b[2]),
                    bb[3].max(b[3]),
                ];
            }
            _ => lines.push((key, text.to_string(), b)),
        }
    }
    lines
        .into_iter()
        .map(|(_, text, [x0, y0, x1, y1])| PredLineRecord {
            text,
            bbox: vec![x0, y0, x1, y0, x1, y1, x0, y1],
        })
        .collect()
}

fn tesseract_version(bin: &Path) -> Option<String> {
    let o = Command::new(bin).arg("--version").output().ok()?;
    let s = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    s.lines().next().map(|l| l.trim().to_string())
}

fn bench_tesseract(args: &Args, images: &[PathBuf]) -> EngineResult {
    let lang = args.tesseract_lang.clone().unwrap_or_else(|| {
        let ko = Lang::parse_list(&args.lang)
            .map(|l| l.contains(&Lang::Ko))
            .unwrap_or(false);
        if ko { "kor+eng" } else { "eng" }.to_string()
    });
    let Some(version) = tesseract_version(&args.tesseract) else {
        return EngineResult::skipped(
            "tesseract",
            format!("tesseract (lang {lang})"),
            "tesseract not found: run scripts/setup-bench.sh".into(),
        );
    };
    let detail = format!(
        "{version} CLI, one process per image, `-l {lang} --psm {}`, OMP_THREAD_LIMIT={}",
        args.psm,
        per_client(args)
    );
    let cmd_for = |img: &Path| {
        let mut c = Command::new(&args.tesseract);
        c.arg(img)
            .arg("stdout")
            .arg("-l")
            .arg(&lang)
            .arg("--psm")
            .arg(args.psm.to_string())
            .arg("tsv")
            .env("OMP_THREAD_LIMIT", per_client(args).to_string());
        c
    };
    let mut r = EngineResult {
        engine: "tesseract".into(),
        detail,
        ..Default::default()
    };
    let mut peak = 0u64;
    let mut cpu = 0.0;
    let mut processes = 0usize;
    let t_all = Instant::now();

    // Load: one run on a blank image (process start + traineddata load).
    let blank = std::env::temp_dir().join(format!("jikji-bench-blank-{}.png", std::process::id()));
    if image::RgbImage::from_pixel(64, 32, image::Rgb([255, 255, 255]))
        .save(&blank)
        .is_ok()
    {
        if let Ok(run) = run_child(cmd_for(&blank), |_| {}) {
            r.load_s = Some(run.wall_s);
            if let Some(u) = run.usage {
                peak = peak.max(u.max_rss_kb);
            }
        }
        let _ = std::fs::remove_file(&blank);
    }
    // Warm-up: the first image once, untimed.
    match run_child(cmd_for(&images[0]), |_| {}) {
        Ok(run) if run.status.success() => {
            r.warmup_s = Some(run.wall_s);
            if let Some(u) = run.usage {
                peak = peak.max(u.max_rss_kb);
                cpu += u.cpu_s;
            }
            processes += 1;
        }
        Ok(run) => {
            let why = format!("exited with {}: {}", run.status, run.stderr.trim());
            return EngineResult::skipped("tesseract", r.detail, why);
        }
        Err(e) => return EngineResult::skipped("tesseract", r.detail, format!("{e:#}")),
    }
    let pb = ev::progress(images.len() * args.rounds, args.quiet, "tesseract");
    let (runs, wall) = in_flight(args.clients, images.len() * args.rounds.max(1), |i| {
        let res = run_child(cmd_for(&images[i % images.len()]), |_| {});
        pb.inc(1);
        res
    });
    r.concurrent_wall_s = (args.clients > 1).then_some(wall);
    for (i, res) in runs.into_iter().enumerate() {
        let (round, img) = (i / images.len(), &images[i % images.len()]);
        let pred = match res {
            Ok(run) => {
                if let Some(u) = run.usage {
                    peak = peak.max(u.max_rss_kb);
                    cpu += u.cpu_s;
                }
                processes += 1;
                if run.status.success() {
                    r.latencies_s.push(run.wall_s);
                    Prediction {
                        image: img.display().to_string(),
                        lines: parse_tesseract_tsv(&run.stdout),
                        latency_s: Some(run.wall_s),
                        error: None,
                    }
                } else {
                    r.failed_images += 1;
                    Prediction {
                        image: img.display().to_string(),
                        error: Some(format!("exited with {}: {}", run.status, run.stderr.trim())),
                        ..Default::default()
                    }
                }
            }
            Err(e) => {
                r.failed_images += 1;
                Prediction {
                    image: img.display().to_string(),
                    error: Some(format!("{e:#}")),
                    ..Default::default()
                }
            }
        };
        if round == 0 {
            r.predictions.push(pred);
        }
    }
    pb.finish_and_clear();
    r.process_wall_s = t_all.elapsed().as_secs_f64();
    r.peak_rss_kb = (peak > 0).then_some(peak);
    r.cpu_s_per_image = (processes > 0 && peak > 0).then(|| cpu / processes as f64);
    r.finish();
    r
}

// ---------------------------------------------------------------------------------------------------------
// The worker (hidden mode): load once, warm up, time each image, print JSON.

fn read_rss_kb(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

/// Jikji's intra-op threads per worker for a budget of `threads` cores and `clients` requests in flight
/// (one worker each). One client: half of the cores (rounded up), the engine's spare sessions taking
/// the rest while it reads a page (its `lend` module): at 2 cores the detector runs with 2 threads and
/// the lines are read on 2 threads, as one request on `jikji serve` does. Measured on the 26 SROIE
/// receipts, 2 cores, one page at a time: p50 620 ms this way, 717 ms with one worker of 2 intra-op
/// threads (recognition of one line gains little from a second intra-op thread). Several clients: the
/// cores shared out ([`per_client`]).
fn worker_threads(threads: usize, clients: usize) -> usize {
    if clients <= 1 {
        threads.max(1).div_ceil(2)
    } else {
        cores_each(threads, clients)
    }
}

/// Threads each of the `--clients` requests in flight gets of the `--threads` budget (at least 1).
fn per_client(args: &Args) -> usize {
    cores_each(args.threads, args.clients)
}

/// `threads` shared out among `clients` (at least 1 each).
fn cores_each(threads: usize, clients: usize) -> usize {
    (threads / clients.max(1)).max(1)
}

/// Runs `f(0..jobs)` on `clients` threads, each taking the next job in order; the answers in job order
/// and the wall time of the whole.
fn in_flight<T: Send>(clients: usize, jobs: usize, f: impl Fn(usize) -> T + Sync) -> (Vec<T>, f64) {
    let t0 = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients.clamp(1, jobs.max(1)))
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= jobs {
                            return mine;
                        }
                        mine.push((i, f(i)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a bench client thread panicked"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    (out.into_iter().map(|(_, t)| t).collect(), t0.elapsed().as_secs_f64())
}

fn worker(args: &Args) -> anyhow::Result<()> {
    let list = args.list.as_ref().context("--worker needs --list")?;
    let images: Vec<PathBuf> = std::fs::read_to_string(list)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(PathBuf::from)
        .collect();
    if images.is_empty() {
        bail!("empty image list");
    }
    let opts = OcrOptions {
        langs: Lang::parse_list(&args.lang).map_err(|e| anyhow::anyhow!(e))?,
    };
    let t0 = Instant::now();
    let engine = ev::build_engine(
        &args.models,
        ev::Reading {
            korean_model: args.korean_model.as_deref(),
            model_set: &args.model_set,
            cascade: !args.no_cascade,
            korean_lm: !args.no_korean_lm,
        },
        args.clients.max(1),
        worker_threads(args.threads, args.clients),
        Some(args.threads.max(1)),
        args.device,
    )?;
    // Table mode: the table stage's models load with the engine, and each image is read as a request with
    // `enableTableDetection` is (OCR, then the table stage).
    let table_stage = if args.table_stage {
        Some(jikji_table::TablePool::new(
            &args.models,
            jikji_table::TableConfig { threads: args.threads.max(1), ..Default::default() },
        )?)
    } else {
        None
    };
    let table_opts = jikji_pipeline::Options {
        limits: super::ocr::input_limits(),
        ocr: opts.clone(),
        pages: jikji_pipeline::Pages::First,
        pdf_pixels_per_point: None,
        find_outline: false,
    };
    let document = match &args.document {
        Some(k) => Some(jikji_document::DocumentKind::parse(k).with_context(|| format!("unknown document kind {k:?}"))?),
        None => None,
    };
    let doc_lang = args.lang.split(',').next().unwrap_or("ko").trim().to_string();
    let load_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let reader = ImageReader::new(&engine, super::ocr::input_limits(), opts);
    let read = |img: &Path| -> WorkerImage {
        if let Some(kind) = document {
            // OCR, then what a `/document/KIND` call adds: the fields and their JSON.
            let t0 = Instant::now();
            let page = reader.read_page(img);
            let t1 = Instant::now();
            let image = img.display().to_string();
            return match page {
                Ok(page) => {
                    let wire = jikji_document::wire::understand_to_wire(kind, &page, &doc_lang);
                    let json = serde_json::to_vec(&wire.value()).unwrap_or_default();
                    std::hint::black_box(json);
                    WorkerImage {
                        image,
                        latency_s: Some(t0.elapsed().as_secs_f64()),
                        lines: jikji_eval::predictions::page_records(&page),
                        document_s: Some(t1.elapsed().as_secs_f64()),
                        ..Default::default()
                    }
                }
                Err(e) => WorkerImage { image, error: Some(e), ..Default::default() },
            };
        }
        let Some(pool) = &table_stage else {
            let p = reader.read(img);
            return WorkerImage { image: p.image, latency_s: p.latency_s, lines: p.lines, error: p.error, ..Default::default() };
        };
        let t0 = Instant::now();
        let r = jikji_eval::tables::read_page_tables(&engine, pool, img, &table_opts);
        let latency = t0.elapsed().as_secs_f64();
        let image = img.display().to_string();
        match r {
            Ok(p) => WorkerImage {
                image,
                latency_s: Some(latency),
                html: jikji_eval::tables::largest_table_html(&p.tables),
                table_s: Some(p.table_ms / 1000.0),
                ..Default::default()
            },
            Err(e) => WorkerImage { image, error: Some(e), ..Default::default() },
        }
    };
    let _ = read(&images[0]);
    let warmup_s = t0.elapsed().as_secs_f64();
    let rss_after = read_rss_kb("VmRSS:");
    let stderr = std::io::stderr();
    let (out, timed_wall_s) = in_flight(args.clients, images.len() * args.rounds.max(1), |i| {
        let (round, img) = (i / images.len(), &images[i % images.len()]);
        let p = WorkerImage { round, ..read(img) };
        let _ = writeln!(
            stderr.lock(),
            "bench-progress {} {}",
            p.latency_s
                .map_or("failed".into(), |l| format!("{:.1} ms", l * 1000.0)),
            img.display()
        );
        p
    });
    let o = WorkerOutput {
        engine: "jikji".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        threads: args.threads,
        load_s: Some(load_s),
        warmup_s: Some(warmup_s),
        rss_kb_after_load: rss_after,
        peak_rss_kb: read_rss_kb("VmHWM:"),
        timed_wall_s: Some(timed_wall_s),
        images: out,
        extra: Default::default(),
    };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    serde_json::to_writer(&mut lock, &o)?;
    writeln!(lock)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Report.

fn mib(kb: Option<u64>) -> String {
    kb.map_or("–".into(), |k| format!("{:.0}", k as f64 / 1024.0))
}

fn x(v: Option<f64>) -> String {
    v.map_or("–".into(), |v| format!("{v:.2}×"))
}

fn div(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn markdown(
    args: &Args,
    images: &[PathBuf],
    gt_note: &str,
    load_avg: &str,
    results: &[EngineResult],
) -> String {
    let mut o = String::new();
    let dir = match &args.tables {
        Some(t) => t.display().to_string(),
        None => args.images.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" "),
    };
    let _ = writeln!(
        o,
        "## Benchmark `{}`: {}\n",
        section_key(args),
        match (&args.tables, &args.document) {
            (Some(_), _) => "Jikji (OCR + tables) vs RapidOCR + RapidTable".to_string(),
            (None, Some(k)) => format!("Jikji Document OCR (`{k}`) vs General OCR"),
            (None, None) => "Jikji vs RapidOCR vs Tesseract".to_string(),
        }
    );
    let _ = writeln!(o, "- Command: `{}`", command_line());
    let _ = writeln!(o, "- Date: {}", utc_now());
    let _ = writeln!(o, "- Machine: {}", machine());
    let _ = writeln!(o, "- Git commit: {}", git_commit());
    let _ = writeln!(o, "- Load average at start (1/5/15 min): {load_avg}");
    let _ = writeln!(
        o,
        "- Images: {} from `{dir}`, {} timed round(s); {} core(s) for every engine; {}; engines run one after another",
        images.len(),
        args.rounds,
        args.threads,
        if args.clients > 1 {
            format!("{} requests in flight (images/s = timed images / wall time)", args.clients)
        } else {
            "one request at a time (images/s = timed images / Σ latency)".into()
        }
    );
    for r in results {
        let _ = writeln!(o, "- {}: {}", r.engine, r.detail);
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "| engine | images/s | median s/img | p95 s/img | peak RSS MiB | load s | warm-up s | CPU s/img | failed |"
    );
    let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in results {
        if let Some(why) = &r.skipped {
            let _ = writeln!(
                o,
                "| {} | not run: {} |||||||||",
                r.engine,
                why.replace('\n', " ").replace('|', "\\|")
            );
            continue;
        }
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.engine,
            r.images_per_s.map_or("–".into(), |v| format!("{v:.2}")),
            secs(r.median_s),
            secs(r.p95_s),
            mib(r.peak_rss_kb),
            secs(r.load_s),
            secs(r.warmup_s),
            secs(r.cpu_s_per_image),
            r.failed_images,
        );
    }
    let _ = writeln!(o);
    if let Some(j) = results
        .iter()
        .find(|r| r.engine == "jikji" && r.skipped.is_none())
    {
        let anchors: Vec<&EngineResult> = results
            .iter()
            .filter(|r| r.engine != "jikji" && r.skipped.is_none())
            .collect();
        if !anchors.is_empty() {
            let _ = writeln!(
                o,
                "Ratios Jikji / anchor (images/s: above 1× means Jikji is faster; latency and RSS: below 1× means Jikji is faster / smaller):\n"
            );
            let _ = writeln!(
                o,
                "| anchor | images/s | median latency | p95 latency | peak RSS |"
            );
            let _ = writeln!(o, "|---|---:|---:|---:|---:|");
            for a in anchors {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    a.engine,
                    x(div(j.images_per_s, a.images_per_s)),
                    x(div(j.median_s, a.median_s)),
                    x(div(j.p95_s, a.p95_s)),
                    x(div(
                        j.peak_rss_kb.map(|v| v as f64),
                        a.peak_rss_kb.map(|v| v as f64)
                    )),
                );
            }
            let _ = writeln!(o);
        }
    }
    o.push_str(&tables::markdown(results));
    o.push_str(&document_markdown(args, results));
    if results.iter().any(|r| r.accuracy.is_some()) {
        let _ = writeln!(o, "Accuracy of the same outputs (first round) against {gt_note}, scored by `jikji-eval`:\n");
        let _ = writeln!(
            o,
            "| engine | page CER | page CER casefold | line CER | line CER casefold | det F1 (IoU 0.5) | best-match CER |"
        );
        let _ = writeln!(o, "|---|---:|---:|---:|---:|---:|---:|");
        for r in results {
            if let Some(a) = &r.accuracy {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {} | {} |",
                    r.engine,
                    pct(a.page_cer),
                    pct(a.page_cer_casefold),
                    pct(a.line_cer),
                    pct(a.line_cer_casefold),
                    frac(a.det_f1),
                    pct(a.best_match_cer),
                );
            }
        }
        let _ = writeln!(o);
    }
    let _ = writeln!(
        o,
        "Notes: latency = wall time per image from file path to text lines (decoding included), after a warm-up \
         image that is not timed; *load* = engine construction in the worker (RapidOCR creates its ONNX sessions \
         lazily, so its model load is inside *warm-up*). Jikji and RapidOCR time images inside one long-lived \
         process; Tesseract runs its CLI once per image, so its latency includes process start and traineddata \
         load (its *load* column is one run on a blank 64×32 image). Peak RSS is `ru_maxrss` of the engine's \
         process (the largest of Tesseract's per-image processes) from `wait4(2)`. CPU s/img = child user+system \
         CPU time / images processed (warm-up included).\n"
    );
    o
}

/// Document mode: what the document stage adds to Jikji's page (median and p95), and a Document call's
/// cost over a General one (the median page with the stage over the median page without it).
fn document_markdown(args: &Args, results: &[EngineResult]) -> String {
    let Some(kind) = &args.document else { return String::new() };
    let Some(j) = results.iter().find(|r| r.engine == "jikji" && !r.document_latencies_s.is_empty()) else {
        return String::new();
    };
    let doc = &j.document_latencies_s;
    let ocr: Vec<f64> = j.latencies_s.iter().zip(doc).map(|(t, d)| t - d).collect();
    let ratio = div(median(&j.latencies_s), median(&ocr));
    format!(
        "Document OCR (`{kind}`, Jikji only): the document stage (fields, checks, masks and their JSON) takes \
         median {} ms, p95 {} ms, of a page read in median {} s; a Document call costs **{}** a General \
         OCR call on the same images (median with the stage / median without; issue #8's bar: ≤ 1.10×).\n\n",
        median(doc).map_or("–".into(), |v| format!("{:.2}", v * 1000.0)),
        percentile(doc, 95.0).map_or("–".into(), |v| format!("{:.2}", v * 1000.0)),
        secs(median(&ocr)),
        x(ratio),
    )
}

/// The section key: `--section`, or `<images dir name>-t<threads>` (so runs on other images or thread counts
/// get their own section in the output file).
fn section_key(args: &Args) -> String {
    args.section.clone().unwrap_or_else(|| {
        let first = args
            .tables
            .as_ref()
            .or(args.images.first())
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
        let dir = first
            .as_deref()
            .map(|p| {
                if p.is_dir() {
                    p
                } else {
                    p.parent().unwrap_or(p)
                }
            })
            .map(|p| {
                // `…/sroie/images` → `sroie`.
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if name == "images" {
                    p.parent()
                        .and_then(|q| q.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or(name)
                } else {
                    name
                }
            })
            .unwrap_or_else(|| "images".into());
        let clients = if args.clients > 1 { format!("-c{}", args.clients) } else { String::new() };
        match &args.document {
            Some(k) => format!("{dir}-t{}{clients}-{k}", args.threads),
            None => format!("{dir}-t{}{clients}", args.threads),
        }
    })
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.worker {
        return worker(&args);
    }
    let table_set = match &args.tables {
        Some(dir) => {
            let mut set = jikji_eval::tables::load_table_set(dir).map_err(anyhow::Error::msg)?;
            if let Some(n) = args.limit {
                set.truncate(n);
            }
            if set.is_empty() {
                bail!("{}: no pages", dir.display());
            }
            Some(set)
        }
        None => None,
    };
    let images: Vec<PathBuf> = match &table_set {
        Some(set) => tables::images(set),
        None => collect_images(&args.images, args.limit)?
            .into_iter()
            .map(|p| std::path::absolute(&p).unwrap_or(p))
            .collect(),
    };
    let default_engines = ["jikji", "rapidocr", "tesseract"];
    let engines: Vec<String> = if table_set.is_some() && args.engines.iter().map(String::as_str).eq(default_engines) {
        tables::DEFAULT_ENGINES.iter().map(|e| e.to_string()).collect()
    } else {
        args.engines.clone()
    };

    // Ground truth, restricted to the benchmarked images: --gt, else `<dir>/../gt.jsonl`, else the images
    // directory itself when it is a synthetic-docs set (per-image JSON next to each image).
    let mut gt_path = None;
    let mut gt_set = None;
    if !args.no_accuracy && table_set.is_none() {
        let candidates: Vec<PathBuf> = match &args.gt {
            Some(g) => vec![g.clone()],
            None => args
                .images
                .first()
                .filter(|p| p.is_dir())
                .map(|d| {
                    let mut v: Vec<PathBuf> = d
                        .parent()
                        .map(|p| p.join("gt.jsonl"))
                        .into_iter()
                        .filter(|g| g.is_file())
                        .collect();
                    v.push(d.clone());
                    v
                })
                .unwrap_or_default(),
        };
        for (i, g) in candidates.iter().enumerate() {
            match gt::load(g) {
                Ok(mut set) => {
                    let names: Vec<_> = images.iter().filter_map(|p| p.file_name()).collect();
                    set.images
                        .retain(|i| i.image.file_name().is_some_and(|n| names.contains(&n)));
                    if !set.images.is_empty() {
                        gt_path = Some(g.clone());
                        gt_set = Some(set);
                        break;
                    }
                }
                // An explicit --gt must load; guessed locations may simply not be ground truth.
                Err(e) if args.gt.is_some() && i == 0 => {
                    return Err(anyhow::Error::from(e).context(format!("loading {}", g.display())))
                }
                Err(_) => {}
            }
        }
    }

    let load_avg = std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into());
    let list = write_list(&images)?;
    let mut results = Vec::new();
    for e in &engines {
        let e = e.trim().to_ascii_lowercase();
        if !args.quiet {
            eprintln!(
                "jikji bench: {e} on {} images × {} round(s), {} thread(s)",
                images.len(),
                args.rounds,
                args.threads
            );
        }
        let r = match e.as_str() {
            "jikji" => bench_jikji(&args, &list, images.len()),
            "rapidtable" if table_set.is_some() => bench_rapidocr(&args, &list, images.len()),
            "rapidocr" | "tesseract" if table_set.is_some() => {
                bail!("`{e}` has no table output: with --tables the engines are jikji and rapidtable")
            }
            "rapidtable" => bail!("`rapidtable` needs --tables DIR"),
            "rapidocr" => bench_rapidocr(&args, &list, images.len()),
            "tesseract" => bench_tesseract(&args, &images),
            other => bail!("unknown engine `{other}` (expected jikji, rapidocr or tesseract; with --tables jikji or rapidtable)"),
        };
        if let Some(why) = &r.skipped {
            eprintln!("jikji bench: {e} not run: {why}");
        } else if !args.quiet {
            eprintln!(
                "jikji bench: {e}: {} images/s, median {} s, peak RSS {} MiB",
                r.images_per_s.map_or("–".into(), |v| format!("{v:.2}")),
                secs(r.median_s),
                mib(r.peak_rss_kb)
            );
        }
        results.push(r);
    }
    let _ = std::fs::remove_file(&list);

    let gt_note = match (&gt_set, &gt_path) {
        (Some(s), Some(p)) => format!("`{}` ({} images)", p.display(), s.images.len()),
        _ => String::new(),
    };
    for r in &mut results {
        if r.skipped.is_some() {
            continue;
        }
        if let Some(set) = &gt_set {
            r.accuracy = Some(Accuracy::of(set, &r.predictions));
        }
        if let Some(set) = &table_set {
            r.table_accuracy = Some(tables::score(r, set));
        }
        if let Some(dir) = &args.save_predictions {
            predictions::write(&dir.join(format!("{}.jsonl", r.engine)), &r.predictions)?;
        }
    }

    let text = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&serde_json::json!({
                "command": command_line(),
                "date": utc_now(),
                "machine": machine(),
                "commit": git_commit(),
                "images": images.len(),
                "rounds": args.rounds,
                "threads": args.threads,
                "load_average": load_avg,
                "engines": results,
            }))? + "\n"
        }
        Format::Markdown => markdown(&args, &images, &gt_note, &load_avg, &results),
    };
    match &args.out {
        Some(out) => {
            let doc = if args.format == Format::Markdown {
                let existing =
                    std::fs::read_to_string(out).unwrap_or_else(|_| "# Benchmarks\n".to_string());
                let key = section_key(&args);
                let begin =
                    format!("<!-- jikji-bench:begin {key} (generated by `jikji bench --out`) -->");
                run_info::splice_block(
                    &existing,
                    &begin,
                    &format!("<!-- jikji-bench:end {key} -->"),
                    &text,
                )
            } else {
                text
            };
            std::fs::write(out, doc).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("jikji bench: wrote {}", out.display());
        }
        None => print!("{text}"),
    }
    if results.iter().all(|r| r.skipped.is_some()) {
        bail!("no engine ran");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tesseract_tsv_groups_words_into_lines() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t500\t400\t-1\t\n\
                   4\t1\t1\t1\t1\t0\t10\t10\t100\t20\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t10\t40\t20\t96.5\tTOTAL\n\
                   5\t1\t1\t1\t1\t2\t60\t12\t50\t20\t91.0\t12.50\n\
                   5\t1\t1\t1\t2\t1\t10\t40\t30\t15\t90.0\tRM\n\
                   5\t1\t1\t1\t2\t2\t50\t40\t30\t15\t95.0\t \n";
        let l = parse_tesseract_tsv(tsv);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].text, "TOTAL 12.50");
        assert_eq!(l[0].bbox, vec![10., 10., 110., 10., 110., 32., 10., 32.]);
        assert_eq!(l[1].text, "RM");
    }

    #[test]
    fn document_mode_reports_the_stage_and_the_call_ratio() {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let args = <Cli as clap::Parser>::parse_from(["bench", "--document", "receipt"]).args;
        assert_eq!(section_key(&args), "sroie-t1-receipt");
        // Pages of 1.0, 2.0 and 3.0 s of which the document stage took 10, 20 and 40 ms.
        let j = EngineResult {
            engine: "jikji".into(),
            latencies_s: vec![1.01, 2.02, 3.04],
            document_latencies_s: vec![0.01, 0.02, 0.04],
            ..Default::default()
        };
        let md = document_markdown(&args, &[j]);
        assert!(md.contains("median 20.00 ms"), "{md}");
        assert!(md.contains("**1.01×**"), "{md}");
        // Not in document mode: nothing.
        let plain = <Cli as clap::Parser>::parse_from(["bench"]).args;
        assert_eq!(document_markdown(&plain, &[]), "");
    }

    #[test]
    fn ratios_and_formatting() {
        assert_eq!(x(div(Some(2.0), Some(4.0))), "0.50×");
        assert_eq!(x(div(Some(2.0), None)), "–");
        assert_eq!(mib(Some(2048)), "2");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn child_rusage_reports_peak_rss() {
        let mut c = Command::new("sh");
        c.arg("-c")
            .arg("echo out; echo bench-progress 1 ms x >&2; echo err >&2");
        let mut n = 0;
        let r = run_child(c, |l| n += usize::from(l.starts_with("bench-progress"))).unwrap();
        assert!(r.status.success());
        assert_eq!(r.stdout, "out\n");
        assert_eq!(r.stderr, "err\n");
        assert_eq!(n, 1);
        assert!(r.usage.unwrap().max_rss_kb > 0);
    }
}
