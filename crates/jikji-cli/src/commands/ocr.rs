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
    /// One word per row: file, page, line, text, confidence, x1..y4, pass (the engine pass that read
    /// the word's line: korean, korean-pieces, latin, latin-fast, latin-reread, latin-spans or hanja-spans;
    /// `+unflipped` when the angle classifier's turn was overruled).
    Tsv,
    /// Each table as an HTML `<table>` (with row/column spans); implies `--tables`.
    Html,
    /// Each table as a GitHub-flavoured Markdown table (first row as header); implies `--tables`.
    Markdown,
    /// Each table as RFC 4180 CSV (a merged cell's text in its top-left slot); implies `--tables`.
    Csv,
    /// Searchable PDF (needs `-o OUT.pdf`): every page shows its image (a JPEG input unchanged) with
    /// the words as invisible text on their polygons, so readers search, select and copy them and
    /// `pdftotext` gives back the lines of `--format text`. A PDF input keeps its page size; an
    /// image becomes a page at 300 dpi.
    Pdf,
}

impl Format {
    /// The table exports, which print tables instead of words.
    fn is_table_export(self) -> bool {
        matches!(self, Format::Html | Format::Markdown | Format::Csv)
    }
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
    /// Write the output to this file instead of stdout (required by `--format pdf`, which writes one
    /// PDF per input file: with several files `-N` is appended before the extension).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Emit the V1 response shape (no type/lineBreak/convertedImageInfo) with --format json.
    #[arg(long)]
    pub v1: bool,
    /// Draw every word polygon over the image into this PNG (with several files or pages, `-N` is
    /// appended before the extension).
    #[arg(long, value_name = "OUT.png")]
    pub overlay: Option<PathBuf>,
    /// PP-OCR model set (detector + recogniser for Latin/CJK lines): ppocrv6-small (default, most
    /// accurate), ppocrv6-small-int8 (its detector quantised: pages ~0.75x the time, a little less
    /// accurate on Korean), ppocrv6-tiny (about 3x faster, a little less accurate) or ppocrv5.
    #[arg(long, default_value = "ppocrv6-small")]
    pub model_set: DetModel,
    /// Model directory (default: $JIKJI_MODELS, else ./models).
    #[arg(long, env = "JIKJI_MODELS")]
    pub models: Option<PathBuf>,
    /// Korean line recogniser directory (`model.onnx` + `charset.txt`, e.g.
    /// `../shared/models/korean-rec-v2-preview`) [default: MODELS/korean-rec-v1].
    #[arg(long, env = "JIKJI_KOREAN_MODEL", value_name = "DIR")]
    pub korean_model: Option<PathBuf>,
    /// Decode unsure Korean lines greedily only, without the Hangul syllable model's beam search (on by
    /// default; see `models/korean-lm/README.md`).
    #[arg(long, env = "JIKJI_NO_KOREAN_LM")]
    pub no_korean_lm: bool,
    /// ONNX Runtime threads per model.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// CPU cores the engine may use [default: all]. Above `--threads`, the detector runs with one
    /// more thread and the lines are read on two threads (the engine's spare sessions).
    #[arg(long, env = "JIKJI_CORES")]
    pub cores: Option<usize>,
    /// Where the models run: cpu, cuda or cuda:N (the GPU runtime from `scripts/setup-models.sh
    /// --gpu`). A GPU that cannot be used falls back to the CPU with a message saying why.
    #[arg(long, env = "JIKJI_DEVICE", default_value = "cpu", value_name = "DEVICE")]
    pub device: jikji_engine::Device,
    /// Print the time spent in each stage to stderr.
    #[arg(long)]
    pub timings: bool,
    /// Table detection (General OCR's `enableTableDetection`): with `--format json` the response
    /// carries `tables[]`; `--format html|markdown|csv` print the tables themselves.
    #[arg(long)]
    pub tables: bool,
    /// With `--tables`: also find table regions with the PicoDet layout model (`table/layout_cdla.onnx`;
    /// ~150 ms a page more). Off by default: the rule-line and column-alignment finders measure as well
    /// or better without it (ACCURACY.md, "Tables").
    #[arg(long)]
    pub table_layout_model: bool,
    /// Document OCR instead of General OCR: receipt, name-card, biz-license, credit-card, passport or
    /// id-card (resident card, driver's licence, alien card or passport, recognised from the page).
    /// Reads the first page; `--format json` prints the CLOVA Document response (the model's
    /// `{meta, result}` member), `text`/`tsv` print one `field<TAB>value` line per field.
    #[arg(long, value_name = "TYPE", value_parser = parse_document_kind)]
    pub document: Option<jikji_document::DocumentKind>,
    /// With --document: write a copy of the image to this file (PNG, or JPEG by a .jpg extension)
    /// with every field's `maskingPolys` blacked out (resident and alien registration numbers,
    /// passport numbers in the visual zone and the MRZ, card numbers, …), each with a pixel of margin.
    /// With several files `-N` is appended before the extension. For a PDF the first page is drawn at
    /// its rendering resolution.
    #[arg(long, value_name = "OUT.png", requires = "document")]
    pub masked: Option<PathBuf>,
}

fn parse_document_kind(s: &str) -> Result<jikji_document::DocumentKind, String> {
    jikji_document::DocumentKind::parse(s).ok_or_else(|| {
        format!("unknown document type `{s}` (expected receipt, name-card, biz-license, credit-card, passport or id-card)")
    })
}

/// How many CPU threads an engine runs: `workers` of `threads` intra-op threads each, within a budget of
/// `cores` (`None`: the machine's; see `jikji_engine::EngineConfig::cores`).
#[derive(Debug, Clone, Copy)]
pub struct Cpu {
    pub threads: usize,
    pub workers: usize,
    pub cores: Option<usize>,
}

impl Cpu {
    /// `workers` of one thread each, on all of the machine's cores.
    pub fn workers(workers: usize) -> Cpu {
        Cpu { threads: 1, workers, cores: None }
    }
}

pub fn load_engine(
    models: Option<&Path>,
    korean_model: Option<&Path>,
    korean_lm: bool,
    det: DetModel,
    Cpu { threads, workers, cores }: Cpu,
    device: jikji_engine::Device,
) -> anyhow::Result<Engine> {
    let dir = jikji_runtime::resolve_models_dir(models);
    let mut cfg = EngineConfig::new(dir);
    cfg.det_model = det;
    cfg.threads_per_worker = threads;
    cfg.workers = workers;
    cfg.cores = cores;
    cfg.korean_model = korean_model.map(Path::to_path_buf);
    cfg.korean_lm = korean_lm;
    cfg.device = device;
    let engine = Engine::new(cfg)?;
    say_device(device, &engine);
    Ok(engine)
}

/// Tells on stderr when the device asked for is not the one the engine runs on.
pub fn say_device(asked: jikji_engine::Device, engine: &Engine) {
    if engine.device() != asked {
        eprintln!(
            "jikji: --device {asked} is not usable ({}); running on the CPU",
            jikji_runtime::cuda_fallback().unwrap_or("unknown reason")
        );
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let langs = Lang::parse_list(&args.lang).map_err(anyhow::Error::msg)?;
    let pdf_target = match (args.format, &args.output) {
        (Format::Pdf, Some(path)) => Some(path.clone()),
        (Format::Pdf, None) => anyhow::bail!("--format pdf writes a file: give it with -o OUT.pdf"),
        _ => None,
    };
    if pdf_target.is_some() && (args.document.is_some() || args.tables) {
        anyhow::bail!("--format pdf is General OCR's words; it takes neither --document nor --tables");
    }
    let engine = load_engine(
        args.models.as_deref(),
        args.korean_model.as_deref(),
        !args.no_korean_lm,
        args.model_set,
        Cpu { threads: args.threads, workers: 1, cores: args.cores },
        args.device,
    )?;
    let lang = langs[0].code();
    let mut opts = pipeline_options(OcrOptions { langs });
    if args.document.is_some() {
        opts.pages = jikji_pipeline::Pages::First;
        // ID cards report the card's outline found in the pixels as `rois`.
        opts.find_outline = args.document == Some(jikji_document::DocumentKind::IdCard);
        if args.tables || args.format.is_table_export() {
            anyhow::bail!("--tables and --format html|markdown|csv are General OCR options, not for --document");
        }
    }
    let tables = if args.tables || args.format.is_table_export() {
        let dir = jikji_runtime::resolve_models_dir(args.models.as_deref());
        let config = jikji_table::TableConfig {
            threads: args.threads,
            layout_finder: args.table_layout_model,
            ..jikji_table::TableConfig::default()
        };
        Some(jikji_table::TablePool::new(&dir, config)?)
    } else {
        None
    };
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
    let mut out: Box<dyn Write> = match (&args.output, &pdf_target) {
        (Some(path), None) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        _ => Box::new(std::io::stdout().lock()),
    };
    let mut pdf_n = 0;
    let mut failures = 0;
    let mut overlay_n = 0;
    let mut masked_n = 0;
    for file in &args.files {
        if let Some(b) = &bar {
            b.set_message(file.display().to_string());
        }
        // Overlays are drawn as each page is read (the page is freed before the next is decoded).
        let mut overlay = |img: &RgbImage, page: &PageResult, pages: usize| -> anyhow::Result<()> {
            let Some(path) = &args.overlay else {
                return Ok(());
            };
            let target = if many || pages > 1 {
                numbered(path, overlay_n)
            } else {
                path.clone()
            };
            overlay_n += 1;
            draw_overlay(img, page)
                .save(&target)
                .with_context(|| format!("writing {}", target.display()))
        };
        // The masked copy is made from the page image and its result in the image's own pixels.
        let mut masked = |img: &RgbImage, page: &PageResult| -> anyhow::Result<()> {
            let (Some(path), Some(kind)) = (&args.masked, args.document) else {
                return Ok(());
            };
            let target = if many { numbered(path, masked_n) } else { path.clone() };
            masked_n += 1;
            let quads = jikji_document::understand(kind, page).masking_quads();
            let mut copy = img.clone();
            jikji_image::mask_quads(&mut copy, &quads);
            copy.save(&target)
                .with_context(|| format!("writing {}", target.display()))
        };
        // The searchable PDF takes each page as it is read, compressed at once; it keeps the file's
        // bytes to embed a JPEG unchanged.
        let original = match &pdf_target {
            Some(_) => match jikji_image::read_file(file, &opts.limits) {
                Ok((bytes, _)) => Some(bytes),
                Err(e) => {
                    failures += 1;
                    eprintln!("jikji: {}: {e}", file.display());
                    if let Some(b) = &bar {
                        b.inc(1);
                    }
                    continue;
                }
            },
            None => None,
        };
        let mut pdf = original.as_deref().map(jikji_server::reader::SearchablePdf::new);
        let mut on_page = |p: &jikji_pipeline::PageOutput| -> anyhow::Result<()> {
            overlay(&p.image, &p.result, p.page_count)?;
            masked(&p.image, &p.result)?;
            match &mut pdf {
                Some(pdf) => Ok(pdf.add_output(p)?),
                None => Ok(()),
            }
        };
        let tables = tables.as_ref().map(|t| t as &dyn jikji_pipeline::TableReader);
        let read = read_file(&engine, tables, file, &opts, args.timings, &mut on_page);
        let read = match (read, pdf, &pdf_target) {
            (Ok(_), Some(pdf), Some(path)) => {
                let target = if many { numbered(path, pdf_n) } else { path.clone() };
                pdf_n += 1;
                std::fs::write(&target, pdf.finish())
                    .with_context(|| format!("writing {}", target.display()))
                    .map(|()| Vec::new())
            }
            (read, _, _) => read,
        };
        match read {
            // The PDF is written above.
            Ok(_) if pdf_target.is_some() => {}
            Ok(pages) => match args.document {
                Some(kind) => {
                    let results: Vec<PageResult> = pages.into_iter().map(|p| p.result).collect();
                    write_document(&mut out, file, &results, kind, lang, args.format)?
                }
                None => write_result(&mut out, file, &pages, args.format, args.v1)?,
            },
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
    out.flush()?;
    if failures > 0 {
        anyhow::bail!("{failures} of {} files failed", args.files.len());
    }
    Ok(())
}

/// The input limits of every command that reads files: the defaults, with PDF pages rendered by this
/// same binary in its resource-limited `render-pdf` mode (a hostile PDF ends that child, not `jikji`).
pub fn input_limits() -> jikji_image::Limits {
    let mut limits = jikji_image::Limits::default();
    if let Ok(exe) = std::env::current_exe() {
        limits.pdf_renderer = jikji_image::PdfRenderer::Sandboxed(exe);
    }
    limits
}

/// Pipeline options of the CLI: [`input_limits`], every page, PDF pages reported in CLOVA's space.
pub fn pipeline_options(ocr: OcrOptions) -> jikji_pipeline::Options {
    jikji_pipeline::Options {
        limits: input_limits(),
        ocr,
        pages: jikji_pipeline::Pages::All,
        pdf_pixels_per_point: Some(jikji_clova::uncertain::PDF_PIXELS_PER_POINT),
        find_outline: false,
    }
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

/// One page read by [`read_file`], in the reporting space.
pub struct ReadPage {
    pub result: PageResult,
    /// The page's tables when the table stage ran.
    pub tables: Option<Vec<jikji_table::Table>>,
}

/// Reads a file page by page through the pipeline, with the table stage on each page when `tables`
/// is given. `on_page` sees each page (its image, the result in the image's pixels, the reporting
/// size) before the page is freed; the results come back in the reporting space (PDF pages at CLOVA's 2 px
/// per point).
pub fn read_file(
    engine: &Engine,
    tables: Option<&dyn jikji_pipeline::TableReader>,
    file: &Path,
    opts: &jikji_pipeline::Options,
    timings: bool,
    on_page: &mut dyn FnMut(&jikji_pipeline::PageOutput) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<ReadPage>> {
    let mut out = Vec::new();
    let mut failed = None;
    let cancel = jikji_pipeline::Cancel::new();
    jikji_pipeline::run_file_with(engine, tables, file, opts, &cancel, |p| {
        if timings {
            let t = p.times.stages;
            eprintln!(
                "{} page {}: decode {:.1} ms, detect {:.1} ms, classify {:.1} ms, recognize {:.1} ms, layout {:.1} ms, tables {:.1} ms",
                file.display(),
                p.index,
                p.times.decode_ms,
                t.detect_ms,
                t.classify_ms,
                t.recognize_ms,
                t.layout_ms,
                p.times.tables_ms
            );
        }
        if failed.is_none() {
            failed = on_page(&p).err();
        }
        out.push(ReadPage {
            result: p.reported(),
            tables: p.reported_tables(),
        });
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Document OCR output of a file's first page.
fn write_document(
    out: &mut impl Write,
    file: &Path,
    pages: &[PageResult],
    kind: jikji_document::DocumentKind,
    lang: &str,
    format: Format,
) -> anyhow::Result<()> {
    let Some(page) = pages.first() else {
        return Ok(());
    };
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let result = jikji_document::understand(kind, page);
    match format {
        Format::Json => {
            let image = if result.recognized() {
                let wire = jikji_document::wire::to_wire(&result, lang);
                ImageResult::document(page, &name, wire.key(), wire.value())
            } else {
                ImageResult::failed(
                    jikji_clova::InferResult::Failure,
                    format!(
                        "{} ({})",
                        jikji_clova::uncertain::DOCUMENT_NOT_FOUND_MESSAGE,
                        kind.name()
                    ),
                    &name,
                )
            };
            let resp = OcrResponse::new(Version::V2, &uuid_like(), vec![image]);
            serde_json::to_writer_pretty(&mut *out, &resp)?;
            writeln!(out)?;
        }
        Format::Text | Format::Tsv | Format::Html | Format::Markdown | Format::Csv | Format::Pdf => {
            if !result.recognized() {
                eprintln!("jikji: {}: no {} found", file.display(), kind.name());
            }
            if let jikji_document::DocumentResult::IdCard(r) = &result {
                if let Some(t) = r.id_type() {
                    writeln!(out, "idtype\t{}\nisConfident\t{}", t.wire_name(), r.is_confident)?;
                }
            }
            for (field, value) in result.named_values() {
                writeln!(out, "{field}\t{value}")?;
            }
        }
    }
    Ok(())
}

fn write_result(
    out: &mut impl Write,
    file: &Path,
    read: &[ReadPage],
    format: Format,
    v1: bool,
) -> anyhow::Result<()> {
    let name = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let pages: Vec<&PageResult> = read.iter().map(|p| &p.result).collect();
    match format {
        Format::Html | Format::Markdown | Format::Csv => {
            write_tables(out, file, read, format)?;
        }
        // Written page by page into its own file (`SearchablePdf`).
        Format::Pdf => {}
        Format::Json => {
            let version = if v1 { Version::V1 } else { Version::V2 };
            let images = read
                .iter()
                .map(|p| {
                    let mut img = ImageResult::general(&p.result, version, &name);
                    if let Some(t) = &p.tables {
                        img.tables = jikji_clova::table::tables_for(version, t);
                    }
                    img
                })
                .collect();
            let resp = OcrResponse::new(version, &uuid_like(), images);
            serde_json::to_writer_pretty(&mut *out, &resp)?;
            writeln!(out)?;
        }
        Format::Text => {
            for (i, p) in pages.iter().enumerate() {
                if i > 0 {
                    writeln!(out, "\u{c}")?;
                }
                writeln!(out, "{}", p.text())?;
            }
        }
        Format::Tsv => {
            for p in pages {
                let passes = word_passes(p);
                let mut line = 0;
                for (w, pass) in p.words.iter().zip(passes) {
                    let q = w.quad.to_flat();
                    let coords: Vec<String> = q.iter().map(|v| format!("{v:.1}")).collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{:.4}\t{}\t{}",
                        file.display(),
                        p.page_index,
                        line,
                        w.text.replace('\t', " "),
                        w.confidence,
                        coords.join("\t"),
                        pass
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

/// The tables of a file, one after the other: each preceded by a line naming the file, page and
/// table (an HTML comment, a Markdown heading, a `#` line in CSV) so several files or tables can be
/// told apart; a page without tables prints nothing (and a note on stderr).
fn write_tables(out: &mut impl Write, file: &Path, read: &[ReadPage], format: Format) -> anyhow::Result<()> {
    for p in read {
        let tables = p.tables.as_deref().unwrap_or_default();
        if tables.is_empty() {
            eprintln!("jikji: {} page {}: no table found", file.display(), p.result.page_index + 1);
        }
        for (i, t) in tables.iter().enumerate() {
            let label = format!("{} page {} table {}", file.display(), p.result.page_index + 1, i + 1);
            match format {
                Format::Html => {
                    writeln!(out, "<!-- {} -->", label.replace("--", "- -"))?;
                    writeln!(out, "{}", jikji_table::to_html(t))?;
                }
                Format::Markdown => {
                    writeln!(out, "### {label}\n")?;
                    writeln!(out, "{}", jikji_table::to_markdown(t))?;
                }
                _ => {
                    writeln!(out, "# {label}")?;
                    write!(out, "{}", jikji_table::to_csv(t))?;
                    writeln!(out)?;
                }
            }
        }
    }
    Ok(())
}

/// The pass of each word's line (see [`jikji_engine::Pass`]), `-` for a word no line records.
fn word_passes(page: &PageResult) -> Vec<String> {
    let mut passes = vec!["-".to_string(); page.words.len()];
    for l in &page.lines {
        if let Some(pass) = l.pass {
            for p in passes.get_mut(l.words.clone()).into_iter().flatten() {
                *p = pass.to_string();
            }
        }
    }
    passes
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

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_engine::{Line, Pass, Reader, Word};
    use jikji_geometry::{Point, Quad};

    #[test]
    fn tsv_rows_end_with_the_pass_of_the_words_line() {
        let q = Quad::new([Point::new(0.0, 0.0); 4]);
        let word = |text: &str, line_break| Word {
            text: text.into(),
            quad: q,
            confidence: 0.9,
            line_break,
        };
        let line = |words, pass| Line {
            text: String::new(),
            quad: q,
            confidence: 0.9,
            words,
            pass,
            direction: None,
        };
        let page = PageResult {
            page_index: 0,
            width: 10,
            height: 10,
            words: vec![word("이름/Given", false), word("names", true), word("x", true)],
            lines: vec![
                line(
                    0..2,
                    Some(Pass {
                        reader: Reader::LatinSpans,
                        flip_overruled: true,
                    }),
                ),
                line(2..3, None),
            ],
            outline: None,
        };
        let mut out = Vec::new();
        let read = [ReadPage { result: page, tables: None }];
        write_result(&mut out, Path::new("a.png"), &read, Format::Tsv, false).unwrap();
        let rows: Vec<Vec<String>> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').map(String::from).collect())
            .collect();
        assert!(rows.iter().all(|r| r.len() == 14), "{rows:?}");
        let last: Vec<&str> = rows.iter().map(|r| r[13].as_str()).collect();
        assert_eq!(last, ["latin-spans+unflipped", "latin-spans+unflipped", "-"]);
        assert_eq!(rows[1][2], "0", "same row until the line break");
    }
}
