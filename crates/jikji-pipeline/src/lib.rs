//! The one entry point from "a file's bytes" to "pages of OCR".
//!
//! Every caller — the HTTP service, `jikji ocr`, `jikji eval`, `jikji bench`, the examples, and the
//! features built on General OCR (tables, Document OCR, Template OCR, batch) — reads a file the same
//! way, through [`run`]:
//!
//! 1. the bytes are opened as a [`jikji_image::Document`] (format sniffed, pages counted, every
//!    [`Limits`] bound checked before pixels are decoded);
//! 2. pages are decoded **one at a time**: page N+1 is decoded only after page N has been read and
//!    handed to the caller, so memory holds one page whatever the page count;
//! 3. each page is read by a [`PageReader`] (the engine, or a stand-in in tests), then, when the caller
//!    asks for tables ([`run_with`]), by a [`TableReader`] (the table stage, `jikji_table::TablePool`);
//! 4. the caller's [`Cancel`] token is checked between pages and, inside the decoder and the engine,
//!    between stages: a request that timed out or whose client went away frees its worker at the next
//!    stage boundary.
//!
//! Results are in the page image's pixels; [`PageOutput::reported`] maps them to the coordinate space a
//! caller reports in (CLOVA reports PDF pages at 2 pixels per point, see
//! [`Options::pdf_pixels_per_point`]).

use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;
use jikji_engine::{Engine, EngineError, OcrOptions, RegionText, StageTimes};
use jikji_geometry::Quad;
pub use jikji_image::{Format, InputError, Limits, PdfRenderer};
use jikji_image::Document;
pub use jikji_table::Table;
pub use jikji_types::{Cancel, PageResult, Stopped};

/// What reads one page: [`jikji_engine::Engine`] in the product; tests plug in a stand-in that needs
/// no model files.
pub trait PageReader: Send + Sync {
    /// Reads one page (blocking). The page is shared, not copied (a large scan is ~100 MB). Checks
    /// `cancel` between stages.
    fn read_page(
        &self,
        image: Arc<RgbImage>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError>;

    /// Reads given regions of a page (pixels of `image`) as lines, without detection: Template OCR
    /// reads a field again from its warped region where the page's words do not fit it. A reader
    /// that cannot answers an error, and the fields keep the page's words.
    fn read_regions(
        &self,
        _image: Arc<RgbImage>,
        _quads: Vec<Quad>,
        _opts: &OcrOptions,
        _cancel: &Cancel,
    ) -> Result<Vec<RegionText>, EngineError> {
        Err(EngineError::Runtime("this page reader does not read regions".into()))
    }
}

impl PageReader for Engine {
    fn read_page(
        &self,
        image: Arc<RgbImage>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        self.recognize_shared(image, opts, cancel)
    }

    fn read_regions(
        &self,
        image: Arc<RgbImage>,
        quads: Vec<Quad>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<Vec<RegionText>, EngineError> {
        Engine::read_regions(self, image, quads, opts, cancel)
    }
}

/// The table stage: finds the tables on a page already read and fills their cells with the page's
/// words. Tables come back in the page image's pixels.
pub trait TableReader: Send + Sync {
    fn read_tables(&self, image: &RgbImage, page: &PageResult) -> Result<Vec<Table>, String>;
}

impl TableReader for jikji_table::TablePool {
    fn read_tables(&self, image: &RgbImage, page: &PageResult) -> Result<Vec<Table>, String> {
        self.recognize(image, page).map_err(|e| e.to_string())
    }
}

/// Which pages a caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pages {
    /// Every page; a document over [`Limits::max_pages`] is refused before the first is decoded
    /// (General OCR).
    All,
    /// Only the first page; the page limit does not apply (Template and Document OCR).
    First,
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct Options {
    /// Decoder bounds (bytes, pixels, pages, time, the PDF renderer's sandbox).
    pub limits: Limits,
    /// Recognition options (languages).
    pub ocr: OcrOptions,
    /// Which pages to read.
    pub pages: Pages,
    /// Report PDF pages at this many pixels per point instead of in rendered pixels (`None`). CLOVA
    /// reports 2 (144 dpi) whatever resolution it reads at; see [`PageOutput::reported`].
    pub pdf_pixels_per_point: Option<f64>,
    /// Look for the document's outline in each page's pixels (`jikji_image::find_card_quad`, 8-20 ms
    /// a photo) and give it as [`PageResult::outline`]: ID cards report it as `rois`.
    pub find_outline: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            ocr: OcrOptions::default(),
            pages: Pages::All,
            pdf_pixels_per_point: None,
            find_outline: false,
        }
    }
}

/// Time spent on one page, milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageTimes {
    /// Decoding (or rendering) the page.
    pub decode_ms: f64,
    /// The engine's stages.
    pub stages: StageTimes,
    /// The table stage (0 when tables were not asked for).
    pub tables_ms: f64,
}

/// One page read.
#[derive(Debug, Clone)]
pub struct PageOutput {
    /// 0-based page index.
    pub index: usize,
    /// Pages in the document (all of them, even when only the first is read).
    pub page_count: usize,
    /// The decoded page. Dropping it (and not keeping the `PageOutput`) frees the page before the next
    /// one is decoded.
    pub image: Arc<RgbImage>,
    /// The OCR result, in `image`'s pixels; `page_index` is set.
    pub result: PageResult,
    /// The size the result is reported in (see [`PageOutput::reported`]).
    pub report_size: (u32, u32),
    /// The page's tables in `image`'s pixels, when the caller asked for them ([`run_with`]); `None`
    /// otherwise.
    pub tables: Option<Vec<Table>>,
    pub times: PageTimes,
}

impl PageOutput {
    /// The result in the reporting space: for a PDF page with
    /// [`Options::pdf_pixels_per_point`] set, the page's size in points times that factor; otherwise
    /// the image's own pixels.
    pub fn reported(&self) -> PageResult {
        let mut r = self.result.clone();
        r.rescale(self.report_size.0, self.report_size.1);
        r
    }

    /// The tables in the reporting space (see [`PageOutput::reported`]); `None` when not asked for.
    pub fn reported_tables(&self) -> Option<Vec<Table>> {
        let (w, h) = self.image.dimensions();
        let sx = self.report_size.0 as f32 / w.max(1) as f32;
        let sy = self.report_size.1 as f32 / h.max(1) as f32;
        self.tables
            .as_ref()
            .map(|ts| ts.iter().map(|t| t.scale(sx, sy)).collect())
    }
}

/// Why a file could not be read to the end.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The input: empty, unknown format, over a limit, corrupt (message for the user).
    #[error(transparent)]
    Input(#[from] InputError),
    /// The engine failed.
    #[error("engine: {0}")]
    Engine(EngineError),
    /// The table stage failed.
    #[error("tables: {0}")]
    Tables(String),
    /// The caller's token fired.
    #[error("stopped: {0:?}")]
    Stopped(Stopped),
}

impl From<EngineError> for PipelineError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Stopped(s) => PipelineError::Stopped(s),
            other => PipelineError::Engine(other),
        }
    }
}

impl From<Stopped> for PipelineError {
    fn from(s: Stopped) -> Self {
        PipelineError::Stopped(s)
    }
}

/// Reads `bytes` page by page with `reader` and hands each page to `on_page` before the next is
/// decoded. `hint` is the declared format (file extension, request `format`), used only when the magic
/// bytes are inconclusive. Returns the number of pages read.
///
/// Stops at the first error; pages handed over before it stay handed over.
pub fn run(
    reader: &dyn PageReader,
    bytes: &[u8],
    hint: Option<Format>,
    opts: &Options,
    cancel: &Cancel,
    on_page: impl FnMut(PageOutput),
) -> Result<usize, PipelineError> {
    run_with(reader, None, bytes, hint, opts, cancel, on_page)
}

/// [`run`], with the table stage after the OCR of each page when `tables` is given
/// ([`PageOutput::tables`]).
pub fn run_with(
    reader: &dyn PageReader,
    tables: Option<&dyn TableReader>,
    bytes: &[u8],
    hint: Option<Format>,
    opts: &Options,
    cancel: &Cancel,
    mut on_page: impl FnMut(PageOutput),
) -> Result<usize, PipelineError> {
    cancel.check()?;
    let t = Instant::now();
    let mut doc = Document::open(bytes, hint, &opts.limits, cancel).map_err(input)?;
    let mut open_ms = ms(t);
    if opts.pages == Pages::All {
        doc.check_page_limit()?;
    }
    let page_count = doc.page_count();
    let wanted = match opts.pages {
        Pages::All => page_count,
        Pages::First => 1,
    };
    for _ in 0..wanted {
        cancel.check()?;
        let t = Instant::now();
        let Some(page) = doc.next_page() else { break };
        let page = page.map_err(input)?;
        let decode_ms = open_ms + ms(t);
        open_ms = 0.0;
        let image = Arc::new(page.image);
        let (mut result, stages) = reader.read_page(Arc::clone(&image), &opts.ocr, cancel)?;
        result.page_index = page.index;
        if opts.find_outline {
            cancel.check()?;
            result.outline = jikji_image::find_card_quad(&image);
        }
        let (page_tables, tables_ms) = match tables {
            Some(t) => {
                cancel.check()?;
                let start = Instant::now();
                let found = t.read_tables(&image, &result).map_err(PipelineError::Tables)?;
                (Some(found), ms(start))
            }
            None => (None, 0.0),
        };
        let report_size = match (page.size_pt, opts.pdf_pixels_per_point) {
            (Some((w, h)), Some(ppp)) => (
                ((f64::from(w) * ppp).round() as u32).max(1),
                ((f64::from(h) * ppp).round() as u32).max(1),
            ),
            _ => image.dimensions(),
        };
        on_page(PageOutput {
            index: page.index,
            page_count,
            image,
            result,
            report_size,
            tables: page_tables,
            times: PageTimes {
                decode_ms,
                stages,
                tables_ms,
            },
        });
    }
    Ok(wanted)
}

/// [`run`], collecting every page.
pub fn run_all(
    reader: &dyn PageReader,
    bytes: &[u8],
    hint: Option<Format>,
    opts: &Options,
    cancel: &Cancel,
) -> Result<Vec<PageOutput>, PipelineError> {
    let mut out = Vec::new();
    run(reader, bytes, hint, opts, cancel, |p| out.push(p))?;
    Ok(out)
}

/// Reads a file from disk (size checked before reading; the extension is the format hint) and runs
/// it through [`run`].
pub fn run_file(
    reader: &dyn PageReader,
    path: &std::path::Path,
    opts: &Options,
    cancel: &Cancel,
    on_page: impl FnMut(PageOutput),
) -> Result<usize, PipelineError> {
    run_file_with(reader, None, path, opts, cancel, on_page)
}

/// [`run_file`] with the table stage when `tables` is given (see [`run_with`]).
pub fn run_file_with(
    reader: &dyn PageReader,
    tables: Option<&dyn TableReader>,
    path: &std::path::Path,
    opts: &Options,
    cancel: &Cancel,
    on_page: impl FnMut(PageOutput),
) -> Result<usize, PipelineError> {
    let (bytes, hint) = jikji_image::read_file(path, &opts.limits)?;
    run_with(reader, tables, &bytes, hint, opts, cancel, on_page)
}

/// A cancelled decode is a stop, not an input error.
fn input(e: InputError) -> PipelineError {
    match e {
        InputError::Cancelled => PipelineError::Stopped(Stopped::Cancelled),
        other => PipelineError::Input(other),
    }
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::{Point, Quad};
    use jikji_types::Word;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Reads every page as one word covering its top-left quarter, and records the largest number of
    /// pages alive at once (pages the caller has not dropped yet).
    #[derive(Default)]
    struct Quarter {
        alive: Mutex<Vec<std::sync::Weak<RgbImage>>>,
        peak_alive: AtomicUsize,
        calls: AtomicUsize,
    }

    impl PageReader for Quarter {
        fn read_page(
            &self,
            image: Arc<RgbImage>,
            _: &OcrOptions,
            cancel: &Cancel,
        ) -> Result<(PageResult, StageTimes), EngineError> {
            cancel.check()?;
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut alive = self.alive.lock().unwrap();
            alive.retain(|w| w.strong_count() > 0);
            alive.push(Arc::downgrade(&image));
            self.peak_alive.fetch_max(alive.len(), Ordering::SeqCst);
            let (w, h) = image.dimensions();
            let (x, y) = (w as f32 / 2.0, h as f32 / 2.0);
            let quad = Quad::new([
                Point::new(0.0, 0.0),
                Point::new(x, 0.0),
                Point::new(x, y),
                Point::new(0.0, y),
            ]);
            Ok((
                PageResult {
                    page_index: 0,
                    width: w,
                    height: h,
                    words: vec![Word {
                        text: "page".into(),
                        quad,
                        confidence: 1.0,
                        line_break: true,
                    }],
                    lines: Vec::new(),
                    outline: None,
                },
                StageTimes::default(),
            ))
        }
    }

    fn pdf_pages(n: usize) -> Vec<u8> {
        jikji_image::fixtures::many_pages_pdf(n)
    }

    #[test]
    fn pages_are_decoded_one_at_a_time_and_numbered() {
        let reader = Quarter::default();
        let opts = Options::default();
        let mut seen = Vec::new();
        let n = run(&reader, &pdf_pages(4), None, &opts, &Cancel::new(), |p| {
            seen.push((p.index, p.page_count, p.result.page_index));
            // The page is dropped here, before the next is decoded.
        })
        .unwrap();
        assert_eq!(n, 4);
        assert_eq!(seen, vec![(0, 4, 0), (1, 4, 1), (2, 4, 2), (3, 4, 3)]);
        assert_eq!(reader.peak_alive.load(Ordering::SeqCst), 1, "one page in memory at a time");
    }

    #[test]
    fn the_page_limit_applies_to_all_pages_but_not_to_the_first() {
        let reader = Quarter::default();
        let mut opts = Options::default();
        opts.limits.max_pages = 2;
        let err = run_all(&reader, &pdf_pages(3), None, &opts, &Cancel::new()).unwrap_err();
        assert!(matches!(
            err,
            PipelineError::Input(InputError::TooManyPages { pages: 3, max: 2 })
        ));
        assert_eq!(reader.calls.load(Ordering::SeqCst), 0, "refused before reading");
        opts.pages = Pages::First;
        let out = run_all(&reader, &pdf_pages(3), None, &opts, &Cancel::new()).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].page_count, 3);
    }

    #[test]
    fn the_outline_is_looked_for_only_when_asked() {
        // A light card on a dark table, as PNG.
        let img = RgbImage::from_fn(600, 400, |x, y| {
            let card = (100..500).contains(&x) && (80..330).contains(&y);
            if card { image::Rgb([235, 235, 230]) } else { image::Rgb([70, 50, 40]) }
        });
        let mut png = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).unwrap();
        let reader = Quarter::default();
        let mut opts = Options::default();
        let out = run_all(&reader, &png, None, &opts, &Cancel::new()).unwrap();
        assert_eq!(out[0].result.outline, None);
        opts.find_outline = true;
        let out = run_all(&reader, &png, None, &opts, &Cancel::new()).unwrap();
        let b = out[0].result.outline.expect("the card's outline").bbox();
        assert!((b.x0 - 100.0).abs() < 3.0 && (b.y1 - 330.0).abs() < 3.0, "{b:?}");
    }

    #[test]
    fn a_cancelled_token_stops_between_pages() {
        let reader = Quarter::default();
        let cancel = Cancel::new();
        let mut pages = 0;
        let err = run(
            &reader,
            &pdf_pages(5),
            None,
            &Options::default(),
            &cancel,
            |_| {
                pages += 1;
                if pages == 2 {
                    cancel.cancel();
                }
            },
        )
        .unwrap_err();
        assert!(matches!(err, PipelineError::Stopped(Stopped::Cancelled)));
        assert_eq!(pages, 2);
        assert_eq!(reader.calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn pdf_pages_are_reported_at_two_pixels_per_point() {
        // The fixture's pages are 200 x 200 pt, rendered at 200 dpi (555 px).
        let reader = Quarter::default();
        let opts = Options {
            pdf_pixels_per_point: Some(2.0),
            ..Options::default()
        };
        let out = run_all(&reader, &pdf_pages(1), None, &opts, &Cancel::new()).unwrap();
        let p = &out[0];
        assert_eq!(p.image.width(), (200.0f64 * 200.0 / 72.0).floor() as u32);
        assert_eq!(p.report_size, (400, 400));
        let r = p.reported();
        assert_eq!((r.width, r.height), (400, 400));
        // The word covering the top-left quarter still covers it in the reported space.
        assert_eq!(r.words[0].quad.pts[2], Point::new(200.0, 200.0));
        // Raster images are reported in their own pixels.
        let png = {
            let img = image::DynamicImage::ImageRgb8(RgbImage::new(30, 20));
            let mut c = std::io::Cursor::new(Vec::new());
            img.write_to(&mut c, image::ImageFormat::Png).unwrap();
            c.into_inner()
        };
        let out = run_all(&reader, &png, None, &opts, &Cancel::new()).unwrap();
        assert_eq!(out[0].report_size, (30, 20));
    }

    #[test]
    fn input_errors_say_what_is_wrong() {
        let reader = Quarter::default();
        let err = run_all(&reader, b"", None, &Options::default(), &Cancel::new()).unwrap_err();
        assert!(matches!(err, PipelineError::Input(InputError::Empty)));
        let err = run_all(&reader, b"hello", None, &Options::default(), &Cancel::new()).unwrap_err();
        assert!(matches!(err, PipelineError::Input(InputError::UnknownFormat)));
    }

    /// One 1x1 table over the page's first word, and counts its calls.
    #[derive(Default)]
    struct OneCellTable {
        calls: AtomicUsize,
    }

    impl TableReader for OneCellTable {
        fn read_tables(&self, _: &RgbImage, page: &PageResult) -> Result<Vec<Table>, String> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let w = page.words.first().ok_or("no words")?;
            let word = jikji_table::CellWord::from_word(w);
            let line = jikji_table::CellLine { quad: w.quad, confidence: w.confidence, words: vec![word] };
            let cell = jikji_table::Cell {
                row: 0,
                col: 0,
                row_span: 1,
                col_span: 1,
                quad: w.quad,
                confidence: 1.0,
                lines: vec![line],
            };
            Ok(vec![Table { quad: w.quad, confidence: 1.0, rows: 1, cols: 1, cells: vec![cell] }])
        }
    }

    #[test]
    fn the_table_stage_runs_only_when_asked_and_is_reported_with_the_words() {
        let reader = Quarter::default();
        let tables = OneCellTable::default();
        let opts = Options {
            pdf_pixels_per_point: Some(2.0),
            ..Options::default()
        };
        let out = run_all(&reader, &pdf_pages(2), None, &opts, &Cancel::new()).unwrap();
        assert!(out.iter().all(|p| p.tables.is_none() && p.reported_tables().is_none()));
        assert_eq!(tables.calls.load(Ordering::SeqCst), 0);

        let mut pages = Vec::new();
        run_with(&reader, Some(&tables), &pdf_pages(2), None, &opts, &Cancel::new(), |p| pages.push(p))
            .unwrap();
        assert_eq!(tables.calls.load(Ordering::SeqCst), 2, "once per page");
        let p = &pages[0];
        let t = &p.reported_tables().unwrap()[0];
        // The table is scaled to the reported space exactly as the words are.
        assert_eq!(t.quad, p.reported().words[0].quad);
        assert_eq!(t.cells[0].lines[0].words[0].quad, p.reported().words[0].quad);
        assert_eq!(t.quad.pts[2], Point::new(200.0, 200.0));
    }

    #[test]
    fn a_failing_table_stage_is_a_table_error() {
        struct Broken;
        impl TableReader for Broken {
            fn read_tables(&self, _: &RgbImage, _: &PageResult) -> Result<Vec<Table>, String> {
                Err("model exploded".into())
            }
        }
        let err = run_with(&Quarter::default(), Some(&Broken), &pdf_pages(1), None, &Options::default(), &Cancel::new(), |_| {})
            .unwrap_err();
        assert!(matches!(err, PipelineError::Tables(ref m) if m == "model exploded"), "{err}");
    }
}
