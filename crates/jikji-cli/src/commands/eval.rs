//! `jikji eval`: accuracy over a ground-truth set (page CER, line CER, detection P/R/F1, MRZ best match).
//!
//! ```text
//! jikji eval --gt ../shared/testdata/sroie/gt.jsonl --lang en --per-image
//! jikji eval --gt ../shared/testdata/synthetic-docs --format markdown
//! jikji eval --all --testdata ../shared/testdata --markdown --out ACCURACY.md
//! jikji eval --document --testdata ../shared/testdata --markdown --out ACCURACY.md
//! jikji eval --tables /tmp/tables          # a set written by scripts/gen-tables/gen_tables.py
//! ```
//!
//! This module parses the flags, builds the engine and prints; running the engine over a set, the
//! predictions file, scoring and the reports are `jikji-eval`'s (the metrics are defined in its crate
//! docs). The engine runs in-process; `--workers` images are processed concurrently (accuracy does not
//! depend on it). `--save-predictions` writes the engine's lines as JSONL and `--predictions` scores such
//! a file without running any model.

use anyhow::{bail, Context};
use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use jikji_document::DocumentKind;
use jikji_engine::{DetModel, Engine, EngineConfig, Lang, OcrOptions, PageResult};
use jikji_eval::harness::{default_langs, evaluate_documents, Failures, TurnedReader, STANDARD_SETS};
use jikji_eval::report::{
    self, document_markers, EngineSetup, ACCURACY_BEGIN, ACCURACY_END,
};
use jikji_eval::run_info::splice_block;
use jikji_eval::{gt, predictions, EvalOptions, FieldExtractor, GtSet, ImageReader, SetRun};
use std::path::{Path, PathBuf};
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
    #[arg(long, required_unless_present_any = ["all", "document", "tables"], conflicts_with = "all")]
    pub gt: Option<PathBuf>,
    /// Evaluate every set under --testdata (sroie, korean_real, korean_photos, passport_mrz, synthetic-docs).
    #[arg(long)]
    pub all: bool,
    /// Document OCR instead of text accuracy: read each image of a synthetic-docs set (--gt, default
    /// `<testdata>/synthetic-docs`), extract its type's fields as `jikji ocr --document` does, and report
    /// field accuracy per type, flat vs photo, and per field (text or markdown). A gt.jsonl set whose
    /// records carry key `fields` (sroie, korean_real, korean_photos) is scored as receipts: company,
    /// business number, phone, address, date, time and total as printed. With --out, an existing file
    /// keeps everything outside the set's `<!-- jikji-eval-document:begin … -->`…`end` markers.
    #[arg(long, conflicts_with_all = ["all", "predictions", "save_predictions", "per_image"])]
    pub document: bool,
    /// With --document: turn every image by this many degrees clockwise (90, 180 or 270) before
    /// reading it, to measure documents photographed sideways or upside down. [default: 0]
    #[arg(long, value_name = "DEGREES", requires = "document", value_parser = ["0", "90", "180", "270"])]
    pub turn: Option<String>,
    /// Tables instead of text accuracy: every page of the table set DIR (`DIR/gt.jsonl`, lines
    /// `{"image", "html", "style", "variant"}` as `scripts/gen-tables/gen_tables.py` writes them) is read
    /// with table detection, one page at a time on one worker, and the largest table found is scored
    /// against the page's table: TEDS and structure-only TEDS per style and flat vs photo, and the
    /// table stage's time per page (text or markdown).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["all", "document", "gt", "predictions", "save_predictions"])]
    pub tables: Option<PathBuf>,
    /// Test-data root for --all.
    #[arg(long, default_value = "../shared/testdata")]
    pub testdata: PathBuf,
    /// Model directory (laid out by scripts/setup-models.sh).
    #[arg(long, env = "JIKJI_MODELS", default_value = "./models")]
    pub models: PathBuf,
    /// Model set (the PP-OCR detector + recogniser family): ppocrv5, ppocrv6-tiny, ppocrv6-small or ppocrv6-small-int8.
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

/// How the engine reads, as `eval` and `bench` take it from their flags.
pub(crate) struct Reading<'a> {
    pub korean_model: Option<&'a Path>,
    pub model_set: &'a str,
    /// The tiny PP-OCR recogniser reads Latin lines first (`--no-cascade` turns it off).
    pub cascade: bool,
    /// The Korean beam search with the syllable model (`--no-korean-lm` turns it off).
    pub korean_lm: bool,
}

pub(crate) fn build_engine(
    models: &Path,
    reading: Reading<'_>,
    workers: usize,
    threads: usize,
    cores: Option<usize>,
    device: jikji_engine::Device,
) -> anyhow::Result<Engine> {
    let det_model: DetModel = reading.model_set.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let engine = Engine::new(EngineConfig {
        det_model,
        workers: workers.max(1),
        threads_per_worker: threads.max(1),
        cores,
        cascade: reading.cascade,
        korean_lm: reading.korean_lm,
        korean_model: reading.korean_model.map(Path::to_path_buf),
        device,
        ..EngineConfig::new(models)
    })
    .context("loading the engine")?;
    super::ocr::say_device(device, &engine);
    Ok(engine)
}

/// [`build_engine`] from the flags, saying how long it took.
fn load_engine(args: &Args, workers: usize) -> anyhow::Result<Engine> {
    let t0 = Instant::now();
    let e = build_engine(
        &args.models,
        Reading {
            korean_model: args.korean_model.as_deref(),
            model_set: &args.model_set,
            cascade: !args.no_cascade,
            korean_lm: !args.no_korean_lm,
        },
        workers,
        args.threads,
        None,
        jikji_engine::Device::Cpu,
    )?;
    if !args.quiet {
        eprintln!(
            "jikji eval: engine loaded in {:.2} s ({workers} workers × {} threads)",
            t0.elapsed().as_secs_f64(),
            args.threads
        );
    }
    Ok(e)
}

/// `, Korean model `DIR`` when another Korean recogniser than the default was asked for.
fn korean_label(args: &Args) -> String {
    args.korean_model
        .as_ref()
        .map(|d| format!(", Korean model `{}`", d.display()))
        .unwrap_or_default()
        + if args.no_korean_lm { ", no Korean LM" } else { "" }
}

fn engine_setup(args: &Args, workers: usize) -> EngineSetup {
    EngineSetup {
        model_set: args.model_set.clone(),
        workers,
        threads: args.threads,
        models: args.models.clone(),
        korean_model: args.korean_model.clone(),
    }
}

fn parse_langs(s: &str) -> anyhow::Result<Vec<Lang>> {
    Lang::parse_list(s).map_err(|e| anyhow::anyhow!(e))
}

/// One set under one language: the predictions (read from --predictions, or the engine run over the
/// set), saved if asked, then scored.
fn eval_set(
    set: &mut GtSet,
    engine: Option<&Engine>,
    lang: &str,
    args: &Args,
    eopts: &EvalOptions,
    workers: usize,
) -> anyhow::Result<SetRun> {
    if let Some(n) = args.limit {
        set.images.truncate(n);
    }
    let t0 = Instant::now();
    let preds = match (&args.predictions, engine) {
        (Some(p), _) => predictions::match_to_set(set, &predictions::read(p)?),
        (None, Some(engine)) => {
            let ocr = OcrOptions {
                langs: parse_langs(lang)?,
            };
            let pb = progress(set.images.len(), args.quiet, &set.name);
            let reader = ImageReader::new(engine, super::ocr::input_limits(), ocr);
            let preds = reader.read_all(&set.images, workers, &|g| {
                pb.set_message(g.id.clone());
                pb.inc(1);
            });
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
        predictions::write(&path, &preds)?;
    }
    let label = match &args.predictions {
        Some(p) => format!("predictions `{}`", p.display()),
        None => format!(
            "lang `{lang}`, model set `{}`{}",
            args.model_set,
            korean_label(args)
        ),
    };
    Ok(SetRun::score(
        set,
        &preds,
        eopts,
        args.casefold,
        args.per_image,
        args.predictions.is_none().then_some(wall),
        lang,
        label,
    ))
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

    if args.document {
        return run_document(&args, format, workers);
    }
    if let Some(dir) = &args.tables {
        return run_tables(&args, dir, format);
    }

    // The sets to run.
    let mut sets: Vec<GtSet> = Vec::new();
    if args.all {
        for name in STANDARD_SETS {
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
        Some(load_engine(&args, workers)?)
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
            )?);
        }
    }

    let failures = Failures::of(&runs);
    if failures.all() {
        let first = runs
            .iter()
            .find_map(|r| r.first_error.clone())
            .unwrap_or_default();
        bail!(
            "the engine failed on every image ({}); first error: {first}",
            failures.failed
        );
    }
    if failures.failed > 0 {
        eprintln!(
            "jikji eval: warning: {} of {} images failed (scored as empty predictions)",
            failures.failed, failures.images
        );
    }

    let text = match format {
        Format::Json => {
            serde_json::to_string_pretty(&report::runs_json(&runs, &args.model_set, args.all))?
                + "\n"
        }
        Format::Text => report::runs_text(&runs),
        Format::Markdown => {
            let setup = engine_setup(&args, workers);
            let md = report::runs_markdown(&runs, args.all.then_some(&setup));
            if let (true, Some(out)) = (args.all, &args.out) {
                let existing =
                    std::fs::read_to_string(out).unwrap_or_else(|_| "# Accuracy\n".to_string());
                let doc = splice_block(&existing, ACCURACY_BEGIN, ACCURACY_END, &md);
                return emit(Some(out), &doc);
            }
            md
        }
    };
    emit(args.out.as_deref(), &text)
}

/// Document OCR by `jikji-document`, for the types it has.
struct Documents;

impl FieldExtractor for Documents {
    fn supports(&self, doc_type: &str) -> bool {
        DocumentKind::parse(doc_type).is_some()
    }

    fn extract(&self, doc_type: &str, page: &PageResult) -> Vec<(String, String)> {
        DocumentKind::parse(doc_type)
            .map(|kind| jikji_document::understand(kind, page).named_values())
            .unwrap_or_default()
    }

    /// Identity documents (`idcard`, `driverlicense`, `aliencard`) go through `/document/id-card`,
    /// which finds the type itself: report it.
    fn classify(&self, doc_type: &str, page: &PageResult) -> Option<Option<String>> {
        (DocumentKind::parse(doc_type)? == DocumentKind::IdCard).then(|| {
            jikji_document::id_card::extract(page)
                .id_type()
                .map(|t| t.test_data_name().to_string())
        })
    }
}

/// `jikji eval --document`.
fn run_document(args: &Args, format: Format, workers: usize) -> anyhow::Result<()> {
    if format == Format::Json {
        bail!("--document writes text or markdown");
    }
    let path = args
        .gt
        .clone()
        .unwrap_or_else(|| args.testdata.join("synthetic-docs"));
    let mut set = gt::load(&path).with_context(|| format!("loading {}", path.display()))?;
    if let Some(n) = args.limit {
        set.images.truncate(n);
    }
    let lang = args.lang.as_deref().unwrap_or("ko");
    let ocr = OcrOptions {
        langs: parse_langs(lang)?,
    };
    let engine = load_engine(args, workers)?;
    let degrees: u16 = args.turn.as_deref().unwrap_or("0").parse().unwrap_or(0);
    let turned = TurnedReader::new(&engine, (degrees / 90) as u8);
    let reader = ImageReader::new(&turned, super::ocr::input_limits(), ocr);
    let supported = set
        .images
        .iter()
        .filter(|g| g.doc_type.as_deref().is_some_and(|t| Documents.supports(t)))
        .count();
    let pb = progress(supported, args.quiet, &set.name);
    let run = evaluate_documents(&reader, &set, &Documents, workers, &|g| {
        pb.set_message(g.id.clone());
        pb.inc(1);
    });
    pb.finish_and_clear();
    if supported == 0 {
        bail!(
            "no image of {} has a document type with Document OCR",
            path.display()
        );
    }
    if run.failed == supported {
        bail!(
            "the engine failed on every image ({}); first error: {}",
            run.failed,
            run.first_error.clone().unwrap_or_default()
        );
    }
    if run.failed > 0 {
        eprintln!(
            "jikji eval: warning: {} of {supported} images failed (nothing extracted)",
            run.failed
        );
    }
    let mut label = format!("lang `{lang}`, model set `{}`", args.model_set);
    if degrees != 0 {
        label.push_str(&format!(", every image turned {degrees}° clockwise before reading"));
    }
    let md = report::document_markdown(&set.name, &label, &run, &engine_setup(args, workers));
    match &args.out {
        Some(out) => {
            let existing =
                std::fs::read_to_string(out).unwrap_or_else(|_| "# Accuracy\n".to_string());
            let (begin, end) = document_markers(&set.name);
            emit(Some(out), &splice_block(&existing, &begin, &end, &md))
        }
        None => emit(None, &md),
    }
}

/// `jikji eval --tables DIR`.
fn run_tables(args: &Args, dir: &Path, format: Format) -> anyhow::Result<()> {
    use jikji_eval::tables::{load_table_set, run_table_set, summarize_tables, tables_markdown};
    if format == Format::Json {
        bail!("--tables writes text or markdown");
    }
    let mut set = load_table_set(dir).map_err(anyhow::Error::msg)?;
    if let Some(n) = args.limit {
        set.truncate(n);
    }
    let lang = args.lang.as_deref().unwrap_or("ko");
    let opts = jikji_pipeline::Options {
        pages: jikji_pipeline::Pages::First,
        ..super::ocr::pipeline_options(OcrOptions { langs: parse_langs(lang)? })
    };
    // One worker, one thread: the table stage's time per page is the figure the issue asks for.
    let engine = load_engine(args, 1)?;
    let tables = jikji_table::TablePool::new(
        &args.models,
        jikji_table::TableConfig { threads: args.threads.max(1), ..Default::default() },
    )?;
    let pb = progress(set.len(), args.quiet, "tables");
    let scores = run_table_set(&engine, &tables, &set, &opts, |s| {
        if args.per_image {
            pb.suspend(|| {
                eprintln!(
                    "{:24} {:10} {:5} tables={} TEDS={:.3} S-TEDS={:.3} {:.0} ms",
                    s.image, s.style, s.variant, s.found, s.teds, s.teds_struct, s.table_ms
                )
            });
        }
        pb.inc(1);
    })
    .map_err(anyhow::Error::msg)?;
    pb.finish_and_clear();
    let summary = summarize_tables(&scores);
    let text = match format {
        Format::Markdown => format!(
            "Table set `{}` ({} pages), lang `{lang}`, model set `{}`, 1 worker × {} thread(s):\n\n{}",
            dir.display(),
            scores.len(),
            args.model_set,
            args.threads.max(1),
            tables_markdown(&summary)
        ),
        _ => {
            let mut t = format!("{:12} {:>3} {:>5} {:>6} {:>7} {:>8}\n", "pages", "n", "found", "TEDS", "S-TEDS", "ms/page");
            for g in &summary {
                t.push_str(&format!(
                    "{:12} {:>3} {:>5} {:>6.3} {:>7.3} {:>8.0}\n",
                    g.group, g.pages, g.found, g.teds, g.teds_struct, g.table_ms
                ));
            }
            t
        }
    };
    emit(args.out.as_deref(), &text)
}
