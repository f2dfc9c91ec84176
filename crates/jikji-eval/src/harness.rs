//! Running a page reader over a ground-truth set and scoring what it read.
//!
//! The harness does not build an engine: the caller hands it a [`PageReader`] (the engine in `jikji eval`
//! and `jikji bench`, a stand-in in tests). Each image goes through [`jikji_pipeline`] like any other
//! input, first page only, with results in the image's own pixels (where the ground truth is).

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use jikji_engine::OcrOptions;
use jikji_pipeline::{Cancel, Limits, PageReader, PageResult};
use serde::Serialize;

use crate::document::{score_fields, DocumentRun};
use crate::predictions::{self, page_records, Prediction};
use crate::{score_image, EvalOptions, GtImage, GtSet, ImageScore, SetReport};

/// The sets `jikji eval --all` runs, in report order (directories under the test-data root).
pub const STANDARD_SETS: [&str; 5] = [
    "sroie",
    "korean_real",
    "korean_photos",
    "passport_mrz",
    "synthetic-docs",
];

/// Languages a standard set is run with when none is given: the set's own language, and for the
/// Latin-script sets also `ko`, the service default (Korean recogniser first, PP-OCR for lines without
/// Hangul).
pub fn default_langs(set: &str) -> &'static [&'static str] {
    match set {
        "sroie" | "passport_mrz" => &["en", "ko"],
        _ => &["ko"],
    }
}

/// A [`PageReader`] that turns every page by `quarter_turns` × 90° clockwise before reading it: the
/// sets photographed sideways or upside down, from the upright images (`jikji eval --document
/// --turn`). Coordinates are on the turned page, so only scores that ignore geometry (document
/// fields) mean anything with it.
pub struct TurnedReader<'a> {
    inner: &'a dyn PageReader,
    quarter_turns: u8,
}

impl<'a> TurnedReader<'a> {
    pub fn new(inner: &'a dyn PageReader, quarter_turns: u8) -> Self {
        TurnedReader {
            inner,
            quarter_turns: quarter_turns % 4,
        }
    }
}

impl PageReader for TurnedReader<'_> {
    fn read_page(
        &self,
        page: std::sync::Arc<image::RgbImage>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<(PageResult, jikji_engine::StageTimes), jikji_engine::EngineError> {
        let turned = match self.quarter_turns {
            0 => return self.inner.read_page(page, opts, cancel),
            1 => image::imageops::rotate90(page.as_ref()),
            2 => image::imageops::rotate180(page.as_ref()),
            _ => image::imageops::rotate270(page.as_ref()),
        };
        self.inner
            .read_page(std::sync::Arc::new(turned), opts, cancel)
    }
}

/// Reads images with a [`PageReader`] through the pipeline.
pub struct ImageReader<'a> {
    reader: &'a dyn PageReader,
    options: jikji_pipeline::Options,
}

impl<'a> ImageReader<'a> {
    /// `limits` bound the decoding as for any input; `ocr` carries the recognition languages.
    pub fn new(reader: &'a dyn PageReader, limits: Limits, ocr: OcrOptions) -> Self {
        ImageReader {
            reader,
            options: jikji_pipeline::Options {
                limits,
                ocr,
                pages: jikji_pipeline::Pages::First,
                // Ground truth is in the image's pixels.
                pdf_pixels_per_point: None,
                find_outline: false,
            },
        }
    }

    /// Decodes and reads the first page of one file.
    pub fn read_page(&self, path: &Path) -> Result<PageResult, String> {
        let mut page = None;
        let res = jikji_pipeline::run_file(self.reader, path, &self.options, &Cancel::new(), |p| {
            page = Some(p.result)
        });
        match (res, page) {
            (Ok(_), Some(page)) => Ok(page),
            (Err(e), _) => Err(format!("{e:#}")),
            (Ok(_), None) => Err("no page".into()),
        }
    }

    /// [`ImageReader::read_page`] as a prediction; the latency covers decoding and reading.
    pub fn read(&self, path: &Path) -> Prediction {
        let t0 = Instant::now();
        let res = self.read_page(path);
        let latency = t0.elapsed().as_secs_f64();
        let image = path.display().to_string();
        match res {
            Ok(page) => Prediction {
                image,
                lines: page_records(&page),
                latency_s: Some(latency),
                error: None,
            },
            Err(e) => Prediction::failed(image, e),
        }
    }

    /// Reads `images` with `workers` threads ([`for_each_image`]).
    pub fn read_all(
        &self,
        images: &[GtImage],
        workers: usize,
        done: &(dyn Fn(&GtImage) + Sync),
    ) -> Vec<Prediction> {
        for_each_image(images, workers, |g| self.read(&g.image), done)
    }
}

/// `work` on each image with `workers` threads (a reader is shared: an engine serves as many pages at
/// once as it has workers). Results are in input order; `done` is called as each image finishes.
pub fn for_each_image<T: Send>(
    images: &[GtImage],
    workers: usize,
    work: impl Fn(&GtImage) -> T + Sync,
    done: &(dyn Fn(&GtImage) + Sync),
) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<T>>> = Mutex::new((0..images.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..workers.clamp(1, images.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(g) = images.get(i) else { break };
                let r = work(g);
                done(g);
                out.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    out.into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every image is worked on"))
        .collect()
}

/// What turns a page into a document's fields (Document OCR); the harness does not know the document
/// types itself.
pub trait FieldExtractor: Sync {
    /// Whether documents of this type (as the set names it: `receipt`, `namecard`, …) can be read.
    fn supports(&self, doc_type: &str) -> bool;
    /// The `(name, text)` fields read from a page of a document of this type; a name may repeat.
    fn extract(&self, doc_type: &str, page: &PageResult) -> Vec<(String, String)>;
    /// For extractors that recognise the document type themselves (identity documents: one endpoint,
    /// four types), the type found on the page under the set's names (`None`: not classified). Scored
    /// against the set's type in [`DocumentRun::types`].
    fn classify(&self, _doc_type: &str, _page: &PageResult) -> Option<Option<String>> {
        None
    }
}

/// Document OCR over a set with expected fields (synthetic docs): each image of a supported type is
/// read, its fields extracted and scored ([`crate::document::score_fields`]) under `TYPE-GROUP`
/// (`receipt-photo`). Images of other types, or without a type, are counted in
/// [`DocumentRun::skipped`]; an image whose OCR fails counts as nothing extracted.
pub fn evaluate_documents(
    reader: &ImageReader,
    set: &GtSet,
    extractor: &dyn FieldExtractor,
    workers: usize,
    done: &(dyn Fn(&GtImage) + Sync),
) -> DocumentRun {
    let mut run = DocumentRun::default();
    let mut wanted = Vec::new();
    for g in &set.images {
        match g.doc_type.as_deref() {
            Some(t) if extractor.supports(t) => wanted.push(g.clone()),
            t => {
                *run.skipped
                    .entry(t.unwrap_or("untyped").to_string())
                    .or_default() += 1
            }
        }
    }
    let read = for_each_image(
        &wanted,
        workers,
        |g| {
            let ty = g.doc_type.as_deref().unwrap_or_default();
            reader
                .read_page(&g.image)
                .map(|page| (extractor.extract(ty, &page), extractor.classify(ty, &page)))
        },
        done,
    );
    for (g, read) in wanted.iter().zip(read) {
        let (fields, class) = read.unwrap_or_else(|e| {
            run.failed += 1;
            run.first_error
                .get_or_insert_with(|| format!("{}: {e}", g.id));
            (Vec::new(), None)
        });
        let ty = g.doc_type.as_deref().unwrap_or_default();
        let key = match &g.group {
            Some(group) => format!("{ty}-{group}"),
            None => ty.to_string(),
        };
        if let Some(found) = class {
            let t = run.types.entry(key.clone()).or_default();
            t.0 += 1;
            t.1 += usize::from(found.as_deref() == Some(ty));
        }
        run.report.add(&key, &score_fields(&g.fields, &fields));
    }
    run
}

/// Scores each GT image against its prediction (`preds[i]` belongs to `set.images[i]`, as
/// [`ImageReader::read_all`] and [`predictions::match_to_set`] return them); latency and error are kept.
pub fn score_all(set: &GtSet, preds: &[Prediction], eopts: &EvalOptions) -> Vec<ImageScore> {
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

/// One set scored under one configuration.
#[derive(Debug, Clone)]
pub struct SetRun {
    pub report: SetReport,
    /// The recognition languages (`ko`, `en`).
    pub lang: String,
    /// What produced the predictions, for headings: ``lang `ko`, model set `ppocrv6-small` `` or
    /// ``predictions `FILE` ``.
    pub label: String,
    /// `ID: error` of the first image that failed.
    pub first_error: Option<String>,
}

impl SetRun {
    /// Scores `preds` (in the set's order) into a report. `wall_s` is the time the engine took over the
    /// set, when it ran; `casefold` shows case-folded CER in per-image rows, which are kept with
    /// `per_image`.
    #[allow(clippy::too_many_arguments)]
    pub fn score(
        set: &GtSet,
        preds: &[Prediction],
        eopts: &EvalOptions,
        casefold: bool,
        per_image: bool,
        wall_s: Option<f64>,
        lang: &str,
        label: String,
    ) -> SetRun {
        let scores = score_all(set, preds, eopts);
        let first_error = scores
            .iter()
            .find_map(|s| s.error.as_ref().map(|e| format!("{}: {e}", s.id)));
        let mut report = SetReport::new(set, scores, casefold, per_image);
        report.wall_s = wall_s;
        SetRun {
            report,
            lang: lang.to_string(),
            label,
            first_error,
        }
    }
}

/// How many images failed over several runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub failed: usize,
    pub images: usize,
}

impl Failures {
    pub fn of(runs: &[SetRun]) -> Failures {
        Failures {
            failed: runs.iter().map(|r| r.report.overall.failed).sum(),
            images: runs.iter().map(|r| r.report.overall.images).sum(),
        }
    }

    /// Every image failed (and there was at least one): the figures would mean nothing.
    pub fn all(&self) -> bool {
        self.images > 0 && self.failed == self.images
    }
}

/// The headline accuracy of one engine's outputs over a set (`jikji bench`'s accuracy table).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Accuracy {
    pub page_cer: Option<f64>,
    pub page_cer_casefold: Option<f64>,
    pub line_cer: Option<f64>,
    pub line_cer_casefold: Option<f64>,
    pub det_f1: Option<f64>,
    pub best_match_cer: Option<f64>,
}

impl Accuracy {
    /// Scores the GT images that have a prediction ([`predictions::find_each`]) with the default options;
    /// images without one are left out.
    pub fn of(set: &GtSet, preds: &[Prediction]) -> Accuracy {
        let eopts = EvalOptions::default();
        let scores: Vec<_> = set
            .images
            .iter()
            .zip(predictions::find_each(set, preds))
            .filter_map(|(g, p)| Some(score_image(g, &p?.pred_lines(), &eopts)))
            .collect();
        let r = SetReport::new(set, scores, false, false);
        let s = &r.overall;
        Accuracy {
            page_cer: s.exact.page_cer(),
            page_cer_casefold: s.casefold.page_cer(),
            line_cer: s.exact.line_cer(),
            line_cer_casefold: s.casefold.line_cer(),
            det_f1: s.det.and_then(|d| d.f1()),
            best_match_cer: s.exact.best_match_cer(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GtLine;
    use jikji_engine::{EngineError, StageTimes};
    use jikji_geometry::{Point, Quad};
    use jikji_types::{Line, PageResult};
    use std::path::PathBuf;
    use std::sync::Arc;

    /// Reads every page as two fixed lines, whatever the pixels.
    struct Fixed;

    fn quad(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        Quad::new([
            Point::new(x0, y0),
            Point::new(x1, y0),
            Point::new(x1, y1),
            Point::new(x0, y1),
        ])
    }

    impl PageReader for Fixed {
        fn read_page(
            &self,
            image: Arc<image::RgbImage>,
            _: &OcrOptions,
            cancel: &Cancel,
        ) -> Result<(PageResult, StageTimes), EngineError> {
            cancel.check()?;
            let line = |text: &str, q: Quad| Line {
                text: text.into(),
                quad: q,
                confidence: 1.0,
                words: 0..0,
                pass: None,
                direction: None,
            };
            Ok((
                PageResult {
                    page_index: 0,
                    width: image.width(),
                    height: image.height(),
                    words: vec![],
                    lines: vec![
                        line("TOTAL 12.50", quad(0., 0., 40., 10.)),
                        line("THANK Y0U", quad(0., 20., 40., 30.)),
                    ],
                    outline: None,
                },
                StageTimes::default(),
            ))
        }
    }

    #[test]
    fn turned_reader_reads_the_turned_page() {
        let img = Arc::new(image::RgbImage::new(30, 10));
        let opts = OcrOptions {
            langs: vec![jikji_engine::Lang::Ko],
        };
        for (turns, size) in [
            (0, (30, 10)),
            (1, (10, 30)),
            (2, (30, 10)),
            (3, (10, 30)),
            (4, (30, 10)),
        ] {
            let (page, _) = TurnedReader::new(&Fixed, turns)
                .read_page(img.clone(), &opts, &Cancel::new())
                .unwrap();
            assert_eq!((page.width, page.height), size, "{turns}");
        }
    }

    /// A set of `n` blank PNGs (and one missing file), each with the GT lines `TOTAL 12.50` and
    /// `THANK YOU` where [`Fixed`] puts its lines.
    fn blank_set(dir: &Path, n: usize) -> GtSet {
        std::fs::create_dir_all(dir).unwrap();
        let gt_line = |text: &str, q: Quad| GtLine {
            text: text.into(),
            quad: Some(q),
            role: None,
        };
        let mut images: Vec<GtImage> = (0..=n)
            .map(|i| {
                let path = dir.join(format!("{i}.png"));
                if i < n {
                    image::RgbImage::from_pixel(48, 32, image::Rgb([255, 255, 255]))
                        .save(&path)
                        .unwrap();
                }
                GtImage {
                    id: i.to_string(),
                    image: path,
                    lines: vec![
                        gt_line("TOTAL 12.50", quad(0., 0., 40., 10.)),
                        gt_line("THANK YOU", quad(0., 20., 40., 30.)),
                    ],
                    text_complete: true,
                    group: None,
                    doc_type: None,
                    fields: vec![],
                }
            })
            .collect();
        images.rotate_right(1); // the missing file first
        GtSet {
            name: "blank".into(),
            source: dir.to_path_buf(),
            format: crate::GtFormat::Jsonl,
            images,
        }
    }

    #[test]
    fn a_reader_runs_over_a_set_in_order_and_is_scored() {
        let dir = std::env::temp_dir().join(format!("jikji-eval-harness-{}", std::process::id()));
        let set = blank_set(&dir, 5);
        let reader = ImageReader::new(&Fixed, Limits::default(), OcrOptions::default());
        let done = AtomicUsize::new(0);
        let preds = reader.read_all(&set.images, 3, &|_| {
            done.fetch_add(1, Ordering::Relaxed);
        });
        assert_eq!(done.load(Ordering::Relaxed), 6);
        let order: Vec<PathBuf> = preds.iter().map(|p| PathBuf::from(&p.image)).collect();
        let expected: Vec<PathBuf> = set.images.iter().map(|g| g.image.clone()).collect();
        assert_eq!(order, expected);
        assert!(preds[0].error.is_some(), "the missing file fails");
        assert!(preds[1..]
            .iter()
            .all(|p| p.error.is_none() && p.latency_s.is_some()));
        assert_eq!(preds[1].lines[1].text, "THANK Y0U");
        assert_eq!(
            preds[1].lines[0].bbox,
            vec![0., 0., 40., 0., 40., 10., 0., 10.]
        );

        let run = SetRun::score(
            &set,
            &preds,
            &EvalOptions::default(),
            false,
            true,
            Some(1.0),
            "en",
            "lang `en`".into(),
        );
        let o = &run.report.overall;
        assert_eq!((o.images, o.failed), (6, 1));
        assert!(run.first_error.as_deref().unwrap().starts_with("5: "));
        // 5 readable images × 1 wrong character (0 for O) of 18; the failed image loses all 18.
        let cer = o.exact.line_cer().unwrap();
        assert!((cer - (5.0 + 18.0) / (6.0 * 18.0)).abs() < 1e-9, "{cer}");
        // 10 lines found, 2 missed (the failed image), none invented.
        assert_eq!(o.det.unwrap().f1(), Some(20.0 / 22.0));
        assert_eq!(run.report.per_image.len(), 6);
        assert_eq!(
            Failures::of(std::slice::from_ref(&run)),
            Failures {
                failed: 1,
                images: 6
            }
        );

        // Scored from a file matched by name, with the missing image left out.
        let acc = Accuracy::of(&set, &preds[1..]);
        assert!((acc.line_cer.unwrap() - 5.0 / 90.0).abs() < 1e-9);
        assert_eq!(acc.det_f1, Some(1.0));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn latin_sets_also_run_in_korean() {
        assert_eq!(default_langs("sroie"), ["en", "ko"]);
        assert_eq!(default_langs("synthetic-docs"), ["ko"]);
        assert!(!Failures {
            failed: 0,
            images: 0
        }
        .all());
        assert!(Failures {
            failed: 2,
            images: 2
        }
        .all());
    }

    /// Extracts receipts only: the first line as the store name.
    struct FirstLine;

    impl FieldExtractor for FirstLine {
        fn supports(&self, doc_type: &str) -> bool {
            doc_type == "receipt"
        }
        fn extract(&self, _: &str, page: &PageResult) -> Vec<(String, String)> {
            page.lines
                .iter()
                .take(1)
                .map(|l| ("storeName".to_string(), l.text.clone()))
                .collect()
        }
    }

    #[test]
    fn documents_are_read_extracted_and_scored_by_type_and_variant() {
        let dir = std::env::temp_dir().join(format!("jikji-eval-docs-{}", std::process::id()));
        let mut set = blank_set(&dir, 3);
        // Image 0 (the missing file), 1 and 2 are receipts, 3 an ID card.
        for (i, g) in set.images.iter_mut().enumerate() {
            g.doc_type = Some(if i < 3 { "receipt" } else { "idcard" }.into());
            g.group = Some(if i == 2 { "photo" } else { "flat" }.into());
            g.fields = vec![("storeName".into(), "TOTAL12.50".into())];
        }
        let reader = ImageReader::new(&Fixed, Limits::default(), OcrOptions::default());
        let run = evaluate_documents(&reader, &set, &FirstLine, 2, &|_| {});
        assert_eq!(run.skipped.get("idcard"), Some(&1));
        assert!(run.types.is_empty(), "the extractor does not classify");
        assert_eq!(run.failed, 1);
        assert!(run.first_error.as_deref().unwrap().starts_with("3: "));
        let t = run.variant_totals();
        // Flat: the missing file extracts nothing, image 1 is exact; photo: image 2 is exact.
        assert_eq!((t["flat"].0, t["flat"].1, t["flat"].2.exact), (2, 1, 1));
        assert_eq!((t["photo"].0, t["photo"].1), (1, 1));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
