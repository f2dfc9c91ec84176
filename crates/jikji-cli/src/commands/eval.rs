//! `jikji eval`: accuracy over a ground-truth set (page CER, line CER, detection P/R/F1, MRZ best match).
//!
//! ```text
//! jikji eval --gt ../shared/testdata/sroie/gt.jsonl --lang en --per-image
//! jikji eval --gt ../shared/testdata/synthetic-docs --format markdown
//! jikji eval --all --testdata ../shared/testdata --markdown --out ACCURACY.md
//! ```
//!
//! The metrics are defined in the `jikji-eval` crate docs. The engine runs in-process; `--workers`
//! images are processed concurrently (accuracy does not depend on it). `--save-predictions` writes the
//! engine's lines as JSONL and `--predictions` scores such a file without running any model.

use anyhow::{bail, Context};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use jikji_engine::{DetModel, Engine, EngineConfig, Lang, OcrOptions, PageResult};
use jikji_eval::{gt, report, score_image, EvalOptions, GtImage, GtSet, PredLine, SetReport};
use jikji_geometry::Quad;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

#[derive(clap::Args)]
pub struct Args {
    /// Ground truth: a gt.jsonl file, a directory holding gt.jsonl, or a synthetic-docs directory
    /// (per-image NAME.json next to NAME.jpg).
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub gt: Option<PathBuf>,
    /// Evaluate every set under --testdata (sroie, korean_real, passport_mrz, synthetic-docs).
    #[arg(long)]
    pub all: bool,
    /// Test-data root for --all.
    #[arg(long, default_value = "../shared/testdata")]
    pub testdata: PathBuf,
    /// Model directory (laid out by scripts/setup-models.sh).
    #[arg(long, env = "JIKJI_MODELS", default_value = "./models")]
    pub models: PathBuf,
    /// Model set (the PP-OCR detector + recogniser family): ppocrv5, ppocrv6-tiny or ppocrv6-small.
    #[arg(long, default_value = "ppocrv6-small")]
    pub model_set: String,
    /// Read Latin lines with the set's own recogniser only, without the tiny recogniser reading first
    /// (the recognition cascade, on by default; see the engine's docs).
    #[arg(long)]
    pub no_cascade: bool,
    /// Recognition languages (comma-separated: ko, en, ja, zh-TW). Default `ko`; with --all the default
    /// is per set (sroie and passport_mrz run twice, with `en` and with `ko`; the others with `ko`).
    #[arg(long)]
    pub lang: Option<String>,
    /// Evaluate only the first N images (of each set).
    #[arg(long)]
    pub limit: Option<usize>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Shorthand for --format markdown.
    #[arg(long)]
    pub markdown: bool,
    /// Show case-folded CER in per-image rows (summaries always carry both exact and case-folded CER).
    #[arg(long)]
    pub casefold: bool,
    /// Include one row per image.
    #[arg(long)]
    pub per_image: bool,
    /// Write the report to FILE instead of stdout. With --all --markdown, an existing file keeps everything
    /// outside the `<!-- jikji-eval:begin -->`…`<!-- jikji-eval:end -->` markers.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Images processed concurrently (each worker has its own ONNX Runtime sessions). Default: CPU count.
    #[arg(long)]
    pub workers: Option<usize>,
    /// ONNX Runtime intra-op threads per worker.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Also write the predicted lines as JSONL (one object per image) to FILE.
    #[arg(long)]
    pub save_predictions: Option<PathBuf>,
    /// Score predictions from FILE (JSONL written by --save-predictions or by `jikji bench --save-predictions`)
    /// instead of running the engine.
    #[arg(long, conflicts_with = "all")]
    pub predictions: Option<PathBuf>,
    /// Treat GT lines with these roles as don't care (comma-separated; empty to score everything).
    #[arg(long, default_value = "stamp")]
    pub ignore_roles: String,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The engine's (or an anchor's) output for one image, as stored by --save-predictions.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub(crate) struct Prediction {
    pub image: String,
    pub lines: Vec<PredLineRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_s: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PredLineRecord {
    pub text: String,
    #[serde(rename = "box")]
    pub bbox: Vec<f32>,
}

impl Prediction {
    pub(crate) fn pred_lines(&self) -> Vec<PredLine> {
        self.lines
            .iter()
            .map(|l| PredLine::new(l.text.clone(), Quad::from_flat(&l.bbox).unwrap_or_default()))
            .collect()
    }
}

pub(crate) fn page_records(p: &PageResult) -> Vec<PredLineRecord> {
    p.lines
        .iter()
        .map(|l| PredLineRecord {
            text: l.text.clone(),
            bbox: l.quad.to_flat().to_vec(),
        })
        .collect()
}

/// Decode + OCR the first page of one file through the pipeline; the latency covers both.
pub(crate) fn ocr_file(engine: &Engine, path: &Path, opts: &OcrOptions) -> Prediction {
    let t0 = Instant::now();
    let options = jikji_pipeline::Options {
        limits: super::ocr::input_limits(),
        ocr: opts.clone(),
        pages: jikji_pipeline::Pages::First,
        // Ground truth is in the image's pixels.
        pdf_pixels_per_point: None,
    };
    let mut page = None;
    let res = jikji_pipeline::run_file(engine, path, &options, &jikji_pipeline::Cancel::new(), |p| {
        page = Some(p.result)
    });
    let latency = t0.elapsed().as_secs_f64();
    let image = path.display().to_string();
    match (res, page) {
        (Ok(_), Some(page)) => Prediction {
            image,
            lines: page_records(&page),
            latency_s: Some(latency),
            error: None,
        },
        (res, _) => Prediction {
            image,
            lines: vec![],
            latency_s: None,
            error: Some(match res {
                Err(e) => format!("{e:#}"),
                Ok(_) => "no page".into(),
            }),
        },
    }
}

pub(crate) fn progress(n: usize, quiet: bool, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(n as u64);
    pb.set_style(
        ProgressStyle::with_template(
            "{prefix:>14} [{bar:30}] {pos}/{len} {elapsed_precise} eta {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}

pub(crate) fn build_engine(
    models: &Path,
    model_set: &str,
    cascade: bool,
    workers: usize,
    threads: usize,
) -> anyhow::Result<Engine> {
    let det_model: DetModel = model_set.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    Engine::new(EngineConfig {
        det_model,
        workers: workers.max(1),
        threads_per_worker: threads.max(1),
        cascade,
        ..EngineConfig::new(models)
    })
    .context("loading the engine")
}

/// Runs the engine over `images` with `workers` threads; results in input order.
fn run_engine(
    engine: &Engine,
    images: &[GtImage],
    opts: &OcrOptions,
    workers: usize,
    pb: &ProgressBar,
) -> Vec<Prediction> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<Prediction>>> = Mutex::new(vec![None; images.len()]);
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, images.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(g) = images.get(i) else { break };
                let p = ocr_file(engine, &g.image, opts);
                pb.set_message(g.id.clone());
                pb.inc(1);
                out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(p);
            });
        }
    });
    out.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|p| p.unwrap_or_default())
        .collect()
}

fn score_all(
    set: &GtSet,
    preds: &[Prediction],
    eopts: &EvalOptions,
) -> Vec<jikji_eval::ImageScore> {
    set.images
        .iter()
        .zip(preds)
        .map(|(g, p)| {
            let mut s = score_image(g, &p.pred_lines(), eopts);
            s.latency_s = p.latency_s;
            s.error = p.error.clone();
            s
        })
        .collect()
}

fn read_predictions(path: &Path) -> anyhow::Result<Vec<Prediction>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{}:{}", path.display(), i + 1))
        })
        .collect()
}

/// Predictions for each GT image, matched by path (then by file name).
fn match_predictions(set: &GtSet, preds: Vec<Prediction>) -> Vec<Prediction> {
    let by_path: HashMap<String, &Prediction> =
        preds.iter().map(|p| (p.image.clone(), p)).collect();
    let name = |s: &str| {
        Path::new(s)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let by_name: HashMap<String, &Prediction> = preds.iter().map(|p| (name(&p.image), p)).collect();
    set.images
        .iter()
        .map(|g| {
            let key = g.image.display().to_string();
            by_path
                .get(&key)
                .or_else(|| by_name.get(&name(&key)))
                .map(|p| (*p).clone())
                .unwrap_or_else(|| Prediction {
                    image: key,
                    error: Some("no prediction for this image".into()),
                    ..Default::default()
                })
        })
        .collect()
}

fn write_predictions(path: &Path, preds: &[Prediction]) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    for p in preds {
        serde_json::to_writer(&mut f, p)?;
        f.write_all(b"\n")?;
    }
    f.flush()?;
    Ok(())
}

/// Languages each test set is run with in --all mode (without --lang): the set's own language, and for
/// the Latin-script sets also `ko`, the service default (Korean recogniser first, PP-OCR for lines
/// without Hangul).
fn default_langs(set: &str) -> &'static [&'static str] {
    match set {
        "sroie" | "passport_mrz" => &["en", "ko"],
        _ => &["ko"],
    }
}

fn parse_langs(s: &str) -> anyhow::Result<Vec<Lang>> {
    Lang::parse_list(s).map_err(|e| anyhow::anyhow!(e))
}

struct SetRun {
    report: SetReport,
    lang: String,
    /// `lang `ko`, model set `ppocrv6-small`` or `predictions `FILE``.
    label: String,
    first_error: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn eval_set(
    set: &mut GtSet,
    engine: Option<&Engine>,
    lang: &str,
    args: &Args,
    eopts: &EvalOptions,
    workers: usize,
    keep_per_image: bool,
) -> anyhow::Result<SetRun> {
    if let Some(n) = args.limit {
        set.images.truncate(n);
    }
    let t0 = Instant::now();
    let preds = match (&args.predictions, engine) {
        (Some(p), _) => match_predictions(set, read_predictions(p)?),
        (None, Some(engine)) => {
            let opts = OcrOptions {
                langs: parse_langs(lang)?,
            };
            let pb = progress(set.images.len(), args.quiet, &set.name);
            let preds = run_engine(engine, &set.images, &opts, workers, &pb);
            pb.finish_and_clear();
            preds
        }
        (None, None) => bail!("no engine and no --predictions"),
    };
    let wall = t0.elapsed().as_secs_f64();
    if let Some(path) = &args.save_predictions {
        let path = if args.all {
            path.join(format!("{}-{lang}.jsonl", set.name))
        } else {
            path.clone()
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        write_predictions(&path, &preds)?;
    }
    let scores = score_all(set, &preds, eopts);
    let first_error = scores
        .iter()
        .find_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.id)));
    let mut report = SetReport::new(set, scores, args.casefold, keep_per_image);
    if args.predictions.is_none() {
        report.wall_s = Some(wall);
    }
    let label = match &args.predictions {
        Some(p) => format!("predictions `{}`", p.display()),
        None => format!("lang `{lang}`, model set `{}`", args.model_set),
    };
    Ok(SetRun {
        report,
        lang: lang.to_string(),
        label,
        first_error,
    })
}

// ---------------------------------------------------------------------------------------------------------
// Run metadata shared with `jikji bench`.

/// The command line as typed (shell-quoted where needed).
pub(crate) fn command_line() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.first_mut() {
        if first.ends_with("/jikji") || first == "jikji" {
            *first = "jikji".into();
        }
    }
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `YYYY-MM-DD HH:MM UTC` from the system clock.
pub(crate) fn utc_now() -> String {
    jikji_calendar::format_utc_now()
}

/// `nproc N, CPU MODEL, RAM N GiB`.
pub(crate) fn machine() -> String {
    let nproc = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| format!(", RAM {:.0} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "nproc {nproc}, CPU {cpu}{mem_gib}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// `abc1234` (+ ` (dirty)` when the tree has uncommitted changes), or `unknown`.
pub(crate) fn git_commit() -> String {
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "--short", "HEAD"]) {
        Some(c) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{c} (working tree has uncommitted changes)")
            } else {
                c
            }
        }
        None => "unknown".into(),
    }
}

/// Replaces the text between `begin` and `end` markers in `existing` (markers kept), or appends a new
/// marked block when there are none.
pub(crate) fn splice_block(existing: &str, begin: &str, end: &str, block: &str) -> String {
    if let (Some(b), Some(e)) = (existing.find(begin), existing.find(end)) {
        if b < e {
            return format!("{}{begin}\n{block}{}", &existing[..b], &existing[e..]);
        }
    }
    let mut s = existing.trim_end().to_string();
    if !s.is_empty() {
        s.push_str("\n\n");
    }
    format!("{s}{begin}\n{block}{end}\n")
}

fn emit(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

const BEGIN: &str =
    "<!-- jikji-eval:begin (generated by `jikji eval --all --markdown --out ACCURACY.md`) -->";
const END: &str = "<!-- jikji-eval:end -->";

pub fn run(args: Args) -> anyhow::Result<()> {
    let format = if args.markdown {
        Format::Markdown
    } else {
        args.format
    };
    let eopts = EvalOptions {
        ignore_roles: args
            .ignore_roles
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        ..Default::default()
    };
    let workers = args
        .workers
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);

    // The sets to run.
    let mut sets: Vec<GtSet> = Vec::new();
    if args.all {
        for name in ["sroie", "korean_real", "passport_mrz", "synthetic-docs"] {
            let p = args.testdata.join(name);
            if p.exists() {
                sets.push(gt::load(&p).with_context(|| format!("loading {}", p.display()))?);
            } else {
                eprintln!("jikji eval: {} not found, skipped", p.display());
            }
        }
        if sets.is_empty() {
            bail!("no test sets under {}", args.testdata.display());
        }
    } else if let Some(g) = &args.gt {
        sets.push(gt::load(g).with_context(|| format!("loading {}", g.display()))?);
    }

    let engine = if args.predictions.is_none() {
        let t0 = Instant::now();
        let e = build_engine(
            &args.models,
            &args.model_set,
            !args.no_cascade,
            workers,
            args.threads,
        )?;
        if !args.quiet {
            eprintln!(
                "jikji eval: engine loaded in {:.2} s ({workers} workers × {} threads)",
                t0.elapsed().as_secs_f64(),
                args.threads
            );
        }
        Some(e)
    } else {
        None
    };

    let mut runs = Vec::new();
    for set in &sets {
        let langs: Vec<String> = match &args.lang {
            Some(l) => vec![l.clone()],
            None if args.all => default_langs(&set.name)
                .iter()
                .map(|l| l.to_string())
                .collect(),
            None => vec!["ko".to_string()],
        };
        for lang in langs {
            let mut set = set.clone();
            runs.push(eval_set(
                &mut set,
                engine.as_ref(),
                &lang,
                &args,
                &eopts,
                workers,
                args.per_image,
            )?);
        }
    }

    let total: usize = runs.iter().map(|r| r.report.overall.images).sum();
    let failed: usize = runs.iter().map(|r| r.report.overall.failed).sum();
    if total > 0 && failed == total {
        let first = runs
            .iter()
            .find_map(|r| r.first_error.clone())
            .unwrap_or_default();
        bail!("the engine failed on every image ({failed}); first error: {first}");
    }
    if failed > 0 {
        eprintln!(
            "jikji eval: warning: {failed} of {total} images failed (scored as empty predictions)"
        );
    }

    let text = match format {
        Format::Json => {
            let v: Vec<serde_json::Value> = runs
                .iter()
                .map(|r| {
                    let mut v = serde_json::to_value(&r.report).unwrap_or_default();
                    v["lang"] = serde_json::Value::String(r.lang.clone());
                    v["model_set"] = serde_json::Value::String(args.model_set.clone());
                    v
                })
                .collect();
            let v = if args.all {
                serde_json::json!({
                    "command": command_line(), "date": utc_now(), "machine": machine(), "commit": git_commit(),
                    "sets": v,
                })
            } else {
                v.into_iter().next().unwrap_or_default()
            };
            serde_json::to_string_pretty(&v)? + "\n"
        }
        Format::Text => runs
            .iter()
            .map(|r| format!("[{}] {}", r.label, report::text(&r.report)))
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Markdown => {
            let mut md = String::new();
            if args.all {
                md.push_str(&run_header(&args, workers));
            }
            for r in &runs {
                let mut sec = report::markdown(&r.report);
                // Name the language and model set in the heading line.
                if let Some(nl) = sec.find('\n') {
                    sec.insert_str(nl, &format!(" — {}", r.label));
                }
                md.push_str(&sec);
            }
            if args.all {
                if let Some(out) = &args.out {
                    let existing =
                        std::fs::read_to_string(out).unwrap_or_else(|_| "# Accuracy\n".to_string());
                    let doc = splice_block(&existing, BEGIN, END, &md);
                    return emit(Some(out), &doc);
                }
            }
            md
        }
    };
    emit(args.out.as_deref(), &text)
}

fn run_header(args: &Args, workers: usize) -> String {
    format!(
        "## Accuracy run\n\n\
         - Command: `{}`\n\
         - Date: {}\n\
         - Machine: {}\n\
         - Git commit: {}\n\
         - Engine: model set `{}`, {} worker(s) × {} ONNX Runtime thread(s); models from `{}`\n\
         - Metrics (defined in `crates/jikji-eval/src/lib.rs`): CER counts non-space characters after \
           normalisation (NFC, full-width → ASCII, dot/dash/tilde variants unified). *Page CER* is \
           reading-order free (bag of characters, Σ errors / Σ GT chars); *line CER* compares each GT line \
           with the predicted line of highest IoU ≥ 0.5 (unmatched GT line = all its chars wrong); *det P/R/F1* \
           is one-to-one greedy IoU ≥ 0.5 matching of predicted lines to GT lines. `casefold` columns \
           lower-case both sides (SROIE GT is upper case). GT lines with role `stamp` (red seals) are don't \
           care. Sets without boxes get page CER only; partially transcribed sets (passport MRZ) get the \
           best-match edit distance per GT line instead. The `s/img` latencies come from concurrent workers \
           on a possibly busy machine: they are for orientation only, `jikji bench` measures speed.\n\n",
        command_line(),
        utc_now(),
        machine(),
        git_commit(),
        args.model_set,
        workers,
        args.threads,
        args.models.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_replaces_between_markers_or_appends() {
        let doc = "# A\nintro\n<!-- b -->\nold\n<!-- e -->\nfooter\n";
        assert_eq!(
            splice_block(doc, "<!-- b -->", "<!-- e -->", "new\n"),
            "# A\nintro\n<!-- b -->\nnew\n<!-- e -->\nfooter\n"
        );
        assert_eq!(
            splice_block("# A\n", "<!-- b -->", "<!-- e -->", "new\n"),
            "# A\n\n<!-- b -->\nnew\n<!-- e -->\n"
        );
    }

    #[test]
    fn utc_now_looks_like_a_date() {
        let d = utc_now();
        assert_eq!(d.len(), "2026-11-28 22:30 UTC".len(), "{d}");
        assert!(d.starts_with("20"), "{d}");
    }

    #[test]
    fn predictions_match_by_path_then_name() {
        let set = GtSet {
            name: "s".into(),
            source: PathBuf::from("s"),
            format: jikji_eval::GtFormat::Jsonl,
            images: vec![
                GtImage {
                    id: "a".into(),
                    image: PathBuf::from("/d/images/a.jpg"),
                    lines: vec![],
                    text_complete: true,
                    group: None,
                    doc_type: None,
                },
                GtImage {
                    id: "b".into(),
                    image: PathBuf::from("/d/images/b.jpg"),
                    lines: vec![],
                    text_complete: true,
                    group: None,
                    doc_type: None,
                },
            ],
        };
        let preds = vec![Prediction {
            image: "other/dir/b.jpg".into(),
            latency_s: Some(1.0),
            ..Default::default()
        }];
        let m = match_predictions(&set, preds);
        assert!(m[0].error.is_some());
        assert_eq!(m[1].latency_s, Some(1.0));
    }
}
