//! `jikji ocr FILE...`: General OCR from the command line.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use image::{Rgb, RgbImage};
use jikji_clova::{ImageResult, OcrResponse, Version};
use jikji_engine::{DetModel, Engine, EngineConfig, Lang, OcrOptions, PageResult};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// CLOVA General OCR response JSON (one response per file).
    Json,
    /// Words joined by spaces, lines broken where `lineBreak` is true.
    Text,
    /// One word per row: file, page, line, text, confidence, x1..y4.
    Tsv,
}

#[derive(clap::Args)]
pub struct Args {
    /// Image or PDF files (JPEG, PNG, BMP, TIFF, PDF; the format is sniffed from the bytes).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Languages, comma-separated: ko (Korean + English, default), en, ja, zh-TW.
    #[arg(long, default_value = "ko")]
    pub lang: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Emit the V1 response shape (no type/lineBreak/convertedImageInfo) with --format json.
    #[arg(long)]
    pub v1: bool,
    /// Draw every word polygon over the image into this PNG (with several files or pages, `-N` is
    /// appended before the extension).
    #[arg(long, value_name = "OUT.png")]
    pub overlay: Option<PathBuf>,
    /// PP-OCR model set (detector + recogniser for Latin/CJK lines): ppocrv6-small (default, most
    /// accurate), ppocrv6-tiny (about 3x faster, a little less accurate) or ppocrv5.
    #[arg(long, default_value = "ppocrv6-small")]
    pub model_set: DetModel,
    /// Model directory (default: $JIKJI_MODELS, else ./models).
    #[arg(long, env = "JIKJI_MODELS")]
    pub models: Option<PathBuf>,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Print the time spent in each stage to stderr.
    #[arg(long)]
    pub timings: bool,
}

pub fn load_engine(
    models: Option<&Path>,
    det: DetModel,
    threads: usize,
    workers: usize,
) -> anyhow::Result<Engine> {
    let dir = jikji_runtime::resolve_models_dir(models);
    let mut cfg = EngineConfig::new(dir);
    cfg.det_model = det;
    cfg.threads_per_worker = threads;
    cfg.workers = workers;
    Ok(Engine::new(cfg)?)
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let langs = Lang::parse_list(&args.lang).map_err(anyhow::Error::msg)?;
    let engine = load_engine(args.models.as_deref(), args.model_set, args.threads, 1)?;
    let opts = OcrOptions { langs };
    let many = args.files.len() > 1;
    let bar = if many {
        let b = indicatif::ProgressBar::new(args.files.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}").unwrap(),
        );
        Some(b)
    } else {
        None
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut failures = 0;
    let mut overlay_n = 0;
    for file in &args.files {
        if let Some(b) = &bar {
            b.set_message(file.display().to_string());
        }
        let result = ocr_file(&engine, file, &opts, args.timings, args.overlay.is_some());
        match result {
            Ok(pages) => {
                write_result(&mut out, file, &pages, args.format, args.v1)?;
                if let Some(path) = &args.overlay {
                    let total = args.files.len() > 1 || pages.len() > 1;
                    for (img, page) in pages.iter().filter_map(|(i, p)| Some((i.as_ref()?, p))) {
                        let target = if total {
                            numbered(path, overlay_n)
                        } else {
                            path.clone()
                        };
                        overlay_n += 1;
                        draw_overlay(img, page)
                            .save(&target)
                            .with_context(|| format!("writing {}", target.display()))?;
                    }
                }
            }
            Err(e) => {
                failures += 1;
                if let Some(b) = &bar {
                    b.suspend(|| eprintln!("jikji: {}: {e:#}", file.display()));
                } else {
                    eprintln!("jikji: {}: {e:#}", file.display());
                }
            }
        }
        if let Some(b) = &bar {
            b.inc(1);
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    if failures > 0 {
        anyhow::bail!("{failures} of {} files failed", args.files.len());
    }
    Ok(())
}

fn numbered(path: &Path, n: usize) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "overlay".into());
    let ext = path
        .extension()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "png".into());
    path.with_file_name(format!("{stem}-{n}.{ext}"))
}

/// Decodes every page of a file and runs OCR on each. The page images come back only with
/// `keep_images` (for overlays): otherwise each page is handed to the engine and freed there as soon as
/// it is no longer needed (a 600 dpi scan is 100 MB of pixels).
pub fn ocr_file(
    engine: &Engine,
    file: &Path,
    opts: &OcrOptions,
    timings: bool,
    keep_images: bool,
) -> anyhow::Result<Vec<(Option<RgbImage>, PageResult)>> {
    let pages = jikji_image::decode_file(file, &jikji_image::Limits::default())?;
    let mut out = Vec::with_capacity(pages.len());
    for p in pages {
        let image = std::sync::Arc::new(p.image);
        let kept = keep_images.then(|| image.clone());
        let (mut r, t) = engine.recognize_shared(image, opts)?;
        r.page_index = p.index;
        if timings {
            eprintln!(
                "{} page {}: detect {:.1} ms, classify {:.1} ms, recognize {:.1} ms, layout {:.1} ms",
                file.display(),
                p.index,
                t.detect_ms,
                t.classify_ms,
                t.recognize_ms,
                t.layout_ms
            );
        }
        // The worker has dropped its reference before answering, so this takes the page back uncopied.
        out.push((
            kept.map(|a| std::sync::Arc::try_unwrap(a).unwrap_or_else(|a| (*a).clone())),
            r,
        ));
    }
    Ok(out)
}

fn write_result(
    out: &mut impl Write,
    file: &Path,
    pages: &[(Option<RgbImage>, PageResult)],
    format: Format,
    v1: bool,
) -> anyhow::Result<()> {
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    match format {
        Format::Json => {
            let version = if v1 { Version::V1 } else { Version::V2 };
            let images = pages
                .iter()
                .map(|(_, p)| ImageResult::general(p, version, &name))
                .collect();
            let resp = OcrResponse::new(version, &uuid_like(), images);
            serde_json::to_writer_pretty(&mut *out, &resp)?;
            writeln!(out)?;
        }
        Format::Text => {
            for (i, (_, p)) in pages.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "\u{c}")?;
                }
                writeln!(out, "{}", p.text())?;
            }
        }
        Format::Tsv => {
            for (_, p) in pages {
                let mut line = 0;
                for w in &p.words {
                    let q = w.quad.to_flat();
                    let coords: Vec<String> = q.iter().map(|v| format!("{v:.1}")).collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{:.4}\t{}",
                        file.display(),
                        p.page_index,
                        line,
                        w.text.replace('\t', " "),
                        w.confidence,
                        coords.join("\t")
                    )?;
                    if w.line_break {
                        line += 1;
                    }
                }
            }
        }
    }
    Ok(())
}

fn uuid_like() -> String {
    jikji_clova::new_uid()
}

/// Draws each word polygon (green) and each line's end (red tick) over a copy of the page.
pub fn draw_overlay(img: &RgbImage, page: &PageResult) -> RgbImage {
    let mut out = img.clone();
    for w in &page.words {
        let colour = if w.line_break {
            Rgb([220, 30, 30])
        } else {
            Rgb([20, 180, 40])
        };
        for i in 0..4 {
            let a = w.quad.pts[i];
            let b = w.quad.pts[(i + 1) % 4];
            draw_line(&mut out, a.x, a.y, b.x, b.y, colour);
        }
    }
    out
}

fn draw_line(img: &mut RgbImage, x0: f32, y0: f32, x1: f32, y1: f32, c: Rgb<u8>) {
    let steps = ((x1 - x0).abs().max((y1 - y0).abs()).ceil() as usize).max(1);
    for s in 0..=steps {
        let t = s as f32 / steps as f32;
        let (x, y) = (x0 + t * (x1 - x0), y0 + t * (y1 - y0));
        for (dx, dy) in [(0i32, 0i32), (1, 0), (0, 1)] {
            let (px, py) = (x.round() as i32 + dx, y.round() as i32 + dy);
            if px >= 0 && py >= 0 && (px as u32) < img.width() && (py as u32) < img.height() {
                img.put_pixel(px as u32, py as u32, c);
            }
        }
    }
}
