use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;
use jikji_detect::{Detector, DetectorConfig};
use jikji_layout::{Fragment, Glyph, LayoutConfig};
use jikji_recognize::{
    crop_line, Alphabet, AngleClassifier, LineCrop, LineReading, RecKind, Recognizer,
};
use jikji_runtime::{model_file, RuntimeError};
use jikji_types::Cancel;

use crate::choose::{choose_reading, Choice};
use crate::{EngineConfig, Lang, Line, OcrOptions, PageResult, Word};

/// Why the engine could not produce a result.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A model file (or the ONNX Runtime library) is missing: the message names the setup command.
    #[error("model file {path} is missing: run `scripts/setup-models.sh` (or point JIKJI_MODELS / --models at a model directory)")]
    ModelMissing { path: PathBuf },
    /// ONNX Runtime failed to load or run a model.
    #[error("inference failed: {0}")]
    Runtime(String),
    /// The caller's [`Cancel`] token fired (cancelled, or its deadline passed); the worker stopped
    /// between stages and is free again.
    #[error("stopped: {0:?}")]
    Stopped(jikji_types::Stopped),
}

impl From<jikji_types::Stopped> for EngineError {
    fn from(s: jikji_types::Stopped) -> Self {
        EngineError::Stopped(s)
    }
}

impl From<RuntimeError> for EngineError {
    fn from(e: RuntimeError) -> Self {
        match e {
            RuntimeError::Missing(path) => EngineError::ModelMissing { path },
            other => EngineError::Runtime(other.to_string()),
        }
    }
}

/// Relative paths of the model files inside the model directory.
pub(crate) mod files {
    pub const KOREAN_REC: &str = "korean-rec-v1/model.onnx";
    pub const KOREAN_CHARSET: &str = "korean-rec-v1/charset.txt";
    pub const ANGLE_CLS: &str = "cls/cls.onnx";
}

/// Lines whose reading confidence is below this are dropped (PP-OCR's `text_score`).
pub const MIN_LINE_CONFIDENCE: f32 = 0.5;

/// One worker: its own sessions of every model.
struct Worker {
    det: Detector,
    korean: Recognizer,
    latin: Recognizer,
    /// The tiny PP-OCR recogniser, read first when the set's own recogniser is a larger one (see
    /// [`read_latin`]).
    fast: Option<Recognizer>,
    angle: AngleClassifier,
}

impl Worker {
    fn load(dir: &Path, cfg: &EngineConfig) -> Result<Worker, EngineError> {
        let t = cfg.threads_per_worker.max(1);
        let det_path = model_file(dir, &format!("{}/det.onnx", cfg.det_model.name()))?;
        let det = Detector::load(dir, &det_path, t, DetectorConfig::default())?;
        let korean = Recognizer::load(
            dir,
            &model_file(dir, files::KOREAN_REC)?,
            &model_file(dir, files::KOREAN_CHARSET)?,
            RecKind::Korean,
            t,
        )?;
        // The model set names a PP-OCR family: its detector and its (Latin/Chinese/Japanese) recogniser.
        let paddle_rec = |set: crate::DetModel| {
            let set = set.name();
            Recognizer::load(
                dir,
                &model_file(dir, &format!("{set}/rec.onnx"))?,
                &model_file(dir, &format!("{set}/dict.txt"))?,
                RecKind::Paddle,
                t,
            )
        };
        let latin = paddle_rec(cfg.det_model)?;
        let angle = AngleClassifier::load(dir, &model_file(dir, files::ANGLE_CLS)?, t)?;
        let fast = if cfg.cascade && cfg.det_model != crate::DetModel::V6Tiny {
            Some(paddle_rec(crate::DetModel::V6Tiny)?)
        } else {
            None
        };
        Ok(Worker {
            det,
            korean,
            latin,
            fast,
            angle,
        })
    }
}

/// Time spent in each stage of one call (milliseconds), for logs and benchmarks.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct StageTimes {
    pub detect_ms: f64,
    pub classify_ms: f64,
    pub recognize_ms: f64,
    pub layout_ms: f64,
}

/// A page handed to a worker thread, with the channel its result goes back on.
struct Job {
    image: Arc<RgbImage>,
    opts: OcrOptions,
    cancel: Cancel,
    reply: crossbeam_channel::Sender<Result<(PageResult, StageTimes), EngineError>>,
}

/// The OCR engine (see the crate docs).
///
/// Each worker lives on its own long-lived thread with its own model sessions; calls from any thread
/// (CLI loop, a web server's blocking pool) queue a [`Job`] and wait for the answer. Running the models on
/// the same warm threads every time keeps the cost of a call the same whoever makes it: measured through
/// the HTTP service, pages had run 9–20 % slower on the server's changing blocking threads than in a bare
/// loop.
pub struct Engine {
    config: EngineConfig,
    jobs: crossbeam_channel::Sender<Job>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.config)
            .finish()
    }
}

impl Engine {
    /// Loads every model once per worker and starts the worker threads.
    pub fn new(config: EngineConfig) -> Result<Engine, EngineError> {
        let workers = config.workers.max(1);
        let (tx, rx) = crossbeam_channel::unbounded::<Job>();
        for n in 0..workers {
            let mut worker = Worker::load(&config.models_dir, &config)?;
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("jikji-ocr-{n}"))
                .spawn(move || {
                    // Ends when the engine (the only sender) is dropped.
                    for job in rx {
                        let Job {
                            image,
                            opts,
                            cancel,
                            reply,
                        } = job;
                        let worker = &mut worker;
                        let result =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                                // A job whose caller gave up while it waited is not started.
                                cancel.check()?;
                                let (width, height) = image.dimensions();
                                let image = working_image(image);
                                let (mut r, t) = run_pipeline(worker, &image, &opts, &cancel)?;
                                r.rescale(width, height);
                                Ok((r, t))
                            }))
                            .unwrap_or_else(|_| {
                                Err(EngineError::Runtime("the OCR pipeline panicked".into()))
                            });
                        // The worker's reference to the page went with the closure, before the answer, so
                        // a caller that holds the other one can take the page back uncopied.
                        release_free_memory();
                        let _ = reply.send(result);
                    }
                })
                .map_err(|e| EngineError::Runtime(format!("cannot start a worker thread: {e}")))?;
        }
        Ok(Engine { config, jobs: tx })
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Number of workers (concurrent calls served without waiting).
    pub fn workers(&self) -> usize {
        self.config.workers.max(1)
    }

    /// Runs the whole pipeline over one page image. Blocking (waits for a free worker); call it from a
    /// blocking thread in async code. The image is copied once for the worker thread; callers that own
    /// the page should use [`Engine::recognize_shared`], which does not copy it (a 600 dpi A4 scan is
    /// 100 MB of pixels).
    pub fn recognize(
        &self,
        image: &RgbImage,
        opts: &OcrOptions,
    ) -> Result<PageResult, EngineError> {
        self.recognize_timed(image, opts).map(|(r, _)| r)
    }

    /// [`Engine::recognize`] plus the time spent in each stage.
    pub fn recognize_timed(
        &self,
        image: &RgbImage,
        opts: &OcrOptions,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        self.recognize_shared(Arc::new(image.clone()), opts, &Cancel::new())
    }

    /// Runs the pipeline over a shared page image without copying it, and returns the result with the
    /// time spent in each stage. Blocking, like [`Engine::recognize`]. The worker checks `cancel`
    /// before it starts and between stages, and answers [`EngineError::Stopped`] when it fired.
    pub fn recognize_shared(
        &self,
        image: Arc<RgbImage>,
        opts: &OcrOptions,
        cancel: &Cancel,
    ) -> Result<(PageResult, StageTimes), EngineError> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.jobs
            .send(Job {
                image,
                opts: opts.clone(),
                cancel: cancel.clone(),
                reply,
            })
            .map_err(|_| EngineError::Runtime("the OCR workers have stopped".into()))?;
        answer
            .recv()
            .map_err(|_| EngineError::Runtime("an OCR worker stopped".into()))?
    }
}

/// Pages with more pixels than this are shrunk (keeping their aspect) before the pipeline runs, and the
/// result's coordinates are scaled back to the page. 16 Mpx is an A4 page at ~400 dpi: body text is still
/// 40+ px tall there, close to the recogniser's 48 px input, and the detector sees at most 1600 px
/// anyway. A 600 dpi A4 scan (4961×7016, 35 Mpx) would otherwise keep 104 MB of pixels alive through
/// the whole pipeline, and every crop would be cut from it.
pub const MAX_WORK_PIXELS: u64 = 16_000_000;

/// The image the pipeline works on: the page itself, or a shrunk copy of a page above
/// [`MAX_WORK_PIXELS`]. The caller's reference to a large page is dropped here, so a page handed over
/// with [`Engine::recognize_shared`] and not kept by the caller is freed before detection starts.
fn working_image(image: Arc<RgbImage>) -> Arc<RgbImage> {
    let (w, h) = image.dimensions();
    let pixels = w as u64 * h as u64;
    if pixels <= MAX_WORK_PIXELS {
        return image;
    }
    let s = (MAX_WORK_PIXELS as f64 / pixels as f64).sqrt();
    let (nw, nh) = (
        ((w as f64 * s).floor() as u32).max(1),
        ((h as f64 * s).floor() as u32).max(1),
    );
    Arc::new(jikji_image::resize(&image, nw, nh))
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn run_pipeline(
    w: &mut Worker,
    image: &RgbImage,
    opts: &OcrOptions,
    cancel: &Cancel,
) -> Result<(PageResult, StageTimes), EngineError> {
    let mut times = StageTimes::default();
    let (width, height) = image.dimensions();
    let t = Instant::now();
    let dets = w.det.detect(image)?;
    times.detect_ms = ms(t);
    cancel.check()?;

    let t = Instant::now();
    // Recognition reads a crop with margin (`crop_quad`); words are placed on the tight `quad`.
    let mut crops: Vec<LineCrop> = dets
        .iter()
        .map(|d| crop_line(image, &d.crop_quad))
        .collect();
    if !crops.is_empty() {
        let imgs: Vec<&RgbImage> = crops.iter().map(|c| &c.image).collect();
        let flips = w.angle.upside_down(&imgs)?;
        for (c, flip) in crops.iter_mut().zip(flips) {
            if flip {
                c.flip();
            }
        }
    }
    times.classify_ms = ms(t);
    cancel.check()?;

    let t = Instant::now();
    let mut readings = read_lines(w, &crops, &opts.langs)?;
    cancel.check()?;
    // The angle classifier was trained on Chinese/Latin text and calls some Korean lines upside down
    // (`생년월일/Date of birth` came out as `u!q Jo a]…`). A flipped line is read both ways and the more
    // confident reading decides.
    let flipped: Vec<usize> = (0..crops.len()).filter(|&i| crops[i].flipped).collect();
    if !flipped.is_empty() {
        let mut upright: Vec<LineCrop> = flipped.iter().map(|&i| crops[i].clone()).collect();
        for c in &mut upright {
            c.flip();
        }
        let again = read_lines(w, &upright, &opts.langs)?;
        for ((i, c), r) in flipped.into_iter().zip(upright).zip(again) {
            if r.confidence > readings[i].confidence {
                crops[i] = c;
                readings[i] = r;
            }
        }
    }
    times.recognize_ms = ms(t);
    cancel.check()?;

    let t = Instant::now();
    let fragments: Vec<Fragment> = crops
        .iter()
        .zip(&dets)
        .zip(readings)
        .filter(|(_, r)| r.confidence >= MIN_LINE_CONFIDENCE && !r.text.trim().is_empty())
        .map(|((c, d), r)| {
            let cw = c.image.width().max(1) as f32;
            let tight = c.reading_quad_of(d.quad);
            // Both quads share centre and direction; the crop is longer by a margin at each end.
            let crop_quad = c.reading_quad();
            let crop_len = crop_quad.width().max(1.0);
            let tight_len = tight.width().max(1.0);
            let margin = (crop_len - tight_len) / 2.0;
            // Each character's ink (top and bottom) lets layout tell a small label from a large value
            // in one box. Crop rows map to the tight box's height: the crop is taller by a margin at
            // the top and the bottom.
            let crop_h = c.image.height().max(1) as f32;
            let tight_share = (tight.height() / crop_quad.height().max(1.0)).clamp(0.05, 1.0);
            let v0 = (1.0 - tight_share) / 2.0;
            let to_frag = |row: f32| (row / crop_h - v0) / tight_share;
            let text_h = crop_h * tight_share;
            let ink_mask = jikji_recognize::InkMask::new(&c.image);
            Fragment {
                quad: tight,
                glyphs: r
                    .chars
                    .iter()
                    .map(|ch| {
                        let centre = (ch.x0 + ch.x1) / 2.0;
                        let along = centre / cw * crop_len;
                        let half = if crate::choose::has_wide(&ch.ch) {
                            0.42
                        } else {
                            0.25
                        } * text_h;
                        let ink = ink_mask
                            .as_ref()
                            .and_then(|m| m.ink_rows(centre - half, centre + half))
                            .map(|(top, bottom)| {
                                (to_frag(top as f32), to_frag(bottom as f32 + 1.0))
                            });
                        let depth = ink_mask
                            .as_ref()
                            .and_then(|m| m.ink_depth(centre - half, centre + half));
                        Glyph {
                            ch: ch.ch.clone(),
                            t: ((along - margin) / tight_len).clamp(0.0, 1.0),
                            confidence: ch.confidence,
                            ink,
                            depth,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let laid = jikji_layout::layout(fragments, &LayoutConfig::default());
    let mut words = Vec::new();
    let mut lines = Vec::new();
    for l in laid {
        let start = words.len();
        for wd in l.words {
            words.push(Word {
                quad: jikji_geometry::Quad::from_unordered(wd.quad.pts),
                ..wd
            });
        }
        lines.push(Line {
            text: l.text,
            quad: jikji_geometry::Quad::from_unordered(l.quad.pts),
            confidence: l.confidence,
            words: start..words.len(),
        });
    }
    times.layout_ms = ms(t);
    Ok((
        PageResult {
            page_index: 0,
            width,
            height,
            words,
            lines,
        },
        times,
    ))
}

/// Reads every crop with the recogniser(s) the languages call for.
fn read_lines(
    w: &mut Worker,
    crops: &[LineCrop],
    langs: &[Lang],
) -> Result<Vec<LineReading>, EngineError> {
    if crops.is_empty() {
        return Ok(Vec::new());
    }
    let imgs: Vec<&RgbImage> = crops.iter().map(|c| &c.image).collect();
    let korean_wanted = langs.contains(&Lang::Ko);
    let allow_cjk = langs.iter().any(|l| matches!(l, Lang::Ja | Lang::ZhTw));
    // Without Japanese or Chinese, the PP-OCR recogniser answers in Latin script only: it otherwise
    // reads look-alikes (`<` as `Λ`, `0` as `〇`) from its 18 000 CJK-heavy classes.
    let alphabet = if allow_cjk {
        Alphabet::All
    } else {
        Alphabet::Latin
    };
    if !korean_wanted {
        return read_latin(w, &imgs, alphabet);
    }
    let mut korean = w.korean.recognize(&imgs)?;
    reread_spaced_lines(w, crops, &mut korean)?;
    // Lines the Korean model read without Hangul are read again by the PP-OCR recogniser, which is far
    // better on Latin script (see `choose`).
    let second: Vec<usize> = (0..crops.len())
        .filter(|&i| !crate::choose::has_hangul(&korean[i].text))
        .collect();
    let mut out = korean;
    if !second.is_empty() {
        let sub: Vec<&RgbImage> = second.iter().map(|&i| imgs[i]).collect();
        let latin = read_latin(w, &sub, alphabet)?;
        for (k, i) in second.into_iter().enumerate() {
            if choose_reading(&out[i], &latin[k], allow_cjk) == Choice::Second {
                out[i] = latin[k].clone();
            }
        }
    }
    reread_latin_spans(w, crops, &mut out, alphabet)?;
    Ok(out)
}

/// The Latin spans of a Hangul line's reading: `(first char, end char, x0, x1)`, chars `first..end`
/// (spaces around trimmed) to be cut from the crop (`crop_w x crop_h`) at columns `x0..x1`. A span is a
/// run of non-Hangul characters holding at least three ASCII letters; no spans in a line without
/// Hangul.
pub(crate) fn latin_spans(
    r: &LineReading,
    crop_w: u32,
    crop_h: u32,
) -> Vec<(usize, usize, u32, u32)> {
    use crate::choose::{has_hangul, has_wide};
    let wide = |c: &jikji_recognize::CharBox| has_wide(&c.ch);
    let mut spans = Vec::new();
    if !has_hangul(&r.text) {
        return spans;
    }
    let mut k = 0;
    while k < r.chars.len() {
        if wide(&r.chars[k]) {
            k += 1;
            continue;
        }
        let start = k;
        while k < r.chars.len() && !wide(&r.chars[k]) {
            k += 1;
        }
        // Leading and trailing spaces stay with the Korean reading.
        let (mut a, mut b) = (start, k);
        while a < b && r.chars[a].ch.trim().is_empty() {
            a += 1;
        }
        while b > a && r.chars[b - 1].ch.trim().is_empty() {
            b -= 1;
        }
        let letters = r.chars[a..b]
            .iter()
            .filter(|c| c.ch.chars().all(|ch| ch.is_ascii_alphabetic()))
            .count();
        if letters < 3 {
            continue;
        }
        // CTC positions mark where a character is emitted, not its whole extent: the cut sits a margin
        // outside the span's own first and last characters, but never over the Hangul neighbours (a
        // sliver of `성` before `/Surname` was read as `g`).
        let margin = 0.25 * crop_h as f32;
        let lo = if start == 0 {
            0.0
        } else {
            r.chars[start - 1].x1
        };
        let hi = if k == r.chars.len() {
            crop_w as f32
        } else {
            r.chars[k].x0
        };
        // At the ends of the line the cut runs to the crop's edge (its margin is blank).
        let x0 = if start == 0 {
            0.0
        } else {
            (r.chars[a].x0 - margin).max(lo)
        };
        let x1 = if k == r.chars.len() {
            hi
        } else {
            (r.chars[b - 1].x1 + margin).min(hi)
        };
        let (x0, x1) = (x0.max(0.0) as u32, (x1.ceil().max(0.0) as u32).min(crop_w));
        if x1 > x0 + 4 {
            spans.push((a, b, x0, x1));
        }
    }
    spans
}

/// PP-OCR's reading of a cut-out span, trimmed: no spaces at either end, and when the span's Korean
/// reading starts with punctuation (`/Surname`), nothing before that punctuation: characters read
/// before it come from a sliver of the Hangul cut along (`3/Surname`).
fn trim_span_reading(
    korean_first: &str,
    mut v: Vec<jikji_recognize::CharBox>,
) -> Vec<jikji_recognize::CharBox> {
    while v.first().is_some_and(|c| c.ch.trim().is_empty()) {
        v.remove(0);
    }
    while v.last().is_some_and(|c| c.ch.trim().is_empty()) {
        v.pop();
    }
    if let Some(first) = korean_first
        .chars()
        .next()
        .filter(|c| c.is_ascii_punctuation())
    {
        if let Some(k) = v.iter().take(3).position(|c| c.ch.starts_with(first)) {
            v.drain(..k);
        }
    }
    v
}

/// Latin spans of Hangul lines (`발행국/Issuing country`, `전략기획실 / Strategic Planning`) are read
/// again by the PP-OCR recogniser: the Korean model reads small Latin print poorly (`/esdrv cowot` on
/// a passport photo). Each span ([`latin_spans`]) is cut from the crop and read alone; the PP-OCR
/// reading replaces the span unless it is empty or much less confident (the rule of
/// [`choose_reading`] for whole lines). Measured on the synthetic documents: photo line CER 7.02 % →
/// 5.77 %, flat 2.62 % → 2.56 %.
fn reread_latin_spans(
    w: &mut Worker,
    crops: &[LineCrop],
    readings: &mut [LineReading],
    alphabet: Alphabet,
) -> Result<(), EngineError> {
    // (line, first char, end char, x0, x1) of every span.
    let spans: Vec<(usize, usize, usize, u32, u32)> = readings
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let (w, h) = crops[i].image.dimensions();
            latin_spans(r, w, h)
                .into_iter()
                .map(move |(a, b, x0, x1)| (i, a, b, x0, x1))
        })
        .collect();
    if spans.is_empty() {
        return Ok(());
    }
    let subs: Vec<RgbImage> = spans
        .iter()
        .map(|&(i, _, _, x0, x1)| {
            let img = &crops[i].image;
            image::imageops::crop_imm(img, x0, 0, x1 - x0, img.height()).to_image()
        })
        .collect();
    let sub_refs: Vec<&RgbImage> = subs.iter().collect();
    let latin = read_latin(w, &sub_refs, alphabet)?;
    // Replace from the last span backwards, so earlier char indices stay valid.
    for (&(i, a, b, x0, _), l) in spans.iter().zip(latin).rev() {
        let r = &mut readings[i];
        let korean = LineReading {
            text: r.chars[a..b].iter().map(|c| c.ch.as_str()).collect(),
            confidence: r.chars[a..b].iter().map(|c| c.confidence).sum::<f32>() / (b - a) as f32,
            chars: Vec::new(),
        };
        let trimmed = trim_span_reading(&r.chars[a].ch, l.chars.clone());
        if trimmed.is_empty() || choose_reading(&korean, &l, false) != Choice::Second {
            continue;
        }
        let shifted = trimmed.into_iter().map(|c| jikji_recognize::CharBox {
            x0: c.x0 + x0 as f32,
            x1: c.x1 + x0 as f32,
            ..c
        });
        r.chars.splice(a..b, shifted);
        r.text = r.chars.iter().map(|c| c.ch.as_str()).collect();
        r.confidence =
            r.chars.iter().map(|c| c.confidence).sum::<f32>() / r.chars.len().max(1) as f32;
    }
    Ok(())
}

/// The tiny recogniser's reading of a line is kept when its mean confidence reaches this and no
/// character is below [`CASCADE_MIN_CHAR`]; otherwise the set's recogniser reads the line again.
/// Measured on SROIE (`en`, case-folded page CER / recognition time of 6 receipts): small recogniser
/// alone 1.88 % / 5.7 s; cascade at 0.90: 2.31 % / 1.8 s; 0.95: 2.15 % / 2.6 s; 0.97: 2.03 % / 3.3 s.
pub const CASCADE_ACCEPT: f32 = 0.95;
/// See [`CASCADE_ACCEPT`].
pub const CASCADE_MIN_CHAR: f32 = 0.5;

/// Reads lines with the PP-OCR recogniser. With the cascade on (a tiny recogniser loaded), the tiny
/// model reads every line first and only the lines it is unsure of are read again by the set's
/// recogniser, the more confident reading winning: the tiny model is 5x faster and agrees with the
/// larger one on most clean lines, but it misses symbols the larger one reads (the MRZ's `<` came out
/// as `Λ`/`∧`, at confidence 0.5).
fn read_latin(
    w: &mut Worker,
    imgs: &[&RgbImage],
    alphabet: Alphabet,
) -> Result<Vec<LineReading>, EngineError> {
    let Some(fast) = w.fast.as_mut() else {
        return Ok(w.latin.recognize_in(imgs, alphabet)?);
    };
    let mut out = fast.recognize_in(imgs, alphabet)?;
    let again: Vec<usize> = (0..imgs.len())
        .filter(|&i| {
            out[i].confidence < CASCADE_ACCEPT
                || out[i].chars.iter().any(|c| c.confidence < CASCADE_MIN_CHAR)
        })
        .collect();
    if !again.is_empty() {
        let sub: Vec<&RgbImage> = again.iter().map(|&i| imgs[i]).collect();
        let second = w.latin.recognize_in(&sub, alphabet)?;
        for (i, r) in again.into_iter().zip(second) {
            if r.confidence >= out[i].confidence {
                out[i] = r;
            }
        }
    }
    Ok(out)
}

/// Lines whose Korean reading is doubtful are cut at wide blank gaps and read piece by piece (see
/// `jikji_recognize::pieces`); the piecewise reading replaces the first one when it is more confident.
fn reread_spaced_lines(
    w: &mut Worker,
    crops: &[LineCrop],
    readings: &mut [LineReading],
) -> Result<(), EngineError> {
    /// A gap must be this many line heights wide to cut at it.
    const MIN_GAP: f32 = 0.6;
    let mut jobs: Vec<(usize, Vec<(u32, u32)>)> = Vec::new();
    for (i, (c, r)) in crops.iter().zip(readings.iter()).enumerate() {
        let doubtful = r.confidence < 0.92 || r.chars.iter().any(|ch| ch.confidence < 0.5);
        if !doubtful || !crate::choose::has_hangul(&r.text) {
            continue;
        }
        let ps = jikji_recognize::pieces(&c.image, MIN_GAP);
        if ps.len() >= 2 {
            jobs.push((i, ps));
        }
    }
    if jobs.is_empty() {
        return Ok(());
    }
    let mut subs: Vec<(usize, u32, RgbImage)> = Vec::new();
    for (i, ps) in &jobs {
        let img = &crops[*i].image;
        let margin = (img.height() as f32 * 0.25) as u32;
        for &(x0, x1) in ps {
            let a = x0.saturating_sub(margin);
            let b = (x1 + margin).min(img.width());
            subs.push((
                *i,
                a,
                image::imageops::crop_imm(img, a, 0, b - a, img.height()).to_image(),
            ));
        }
    }
    let sub_imgs: Vec<&RgbImage> = subs.iter().map(|(_, _, im)| im).collect();
    let sub_readings = w.korean.recognize(&sub_imgs)?;
    for (i, _) in &jobs {
        let mut chars = Vec::new();
        for ((_, a, _), r) in subs
            .iter()
            .zip(&sub_readings)
            .filter(|((j, _, _), _)| j == i)
        {
            if r.text.trim().is_empty() {
                continue;
            }
            if !chars.is_empty() {
                chars.push(jikji_recognize::CharBox {
                    ch: " ".into(),
                    x0: *a as f32,
                    x1: *a as f32,
                    confidence: 1.0,
                });
            }
            chars.extend(r.chars.iter().map(|c| jikji_recognize::CharBox {
                x0: c.x0 + *a as f32,
                x1: c.x1 + *a as f32,
                ..c.clone()
            }));
        }
        let solid: Vec<&jikji_recognize::CharBox> =
            chars.iter().filter(|c| !c.ch.trim().is_empty()).collect();
        if solid.is_empty() {
            continue;
        }
        let confidence = solid.iter().map(|c| c.confidence).sum::<f32>() / solid.len() as f32;
        if confidence > readings[*i].confidence + 0.02 {
            let text = chars.iter().map(|c| c.ch.as_str()).collect();
            readings[*i] = LineReading {
                text,
                confidence,
                chars,
            };
        }
    }
    Ok(())
}

/// Hands freed heap pages back to the OS after a page. ONNX Runtime runs without an arena (input shapes
/// change with every page), so each page allocates and frees large activation buffers; glibc keeps them,
/// and over a batch of large scans the process grew from 750 to 900 MB peak RSS without this.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases unused memory at the top of glibc's heaps; no pointers change.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_recognize::CharBox;

    fn reading(chars: &[(&str, f32)]) -> LineReading {
        let chars: Vec<CharBox> = chars
            .iter()
            .map(|&(c, x)| CharBox {
                ch: c.into(),
                x0: x,
                x1: x + 4.0,
                confidence: 0.8,
            })
            .collect();
        LineReading {
            text: chars.iter().map(|c| c.ch.as_str()).collect(),
            confidence: 0.8,
            chars,
        }
    }

    #[test]
    fn latin_spans_of_a_hangul_line() {
        // `이름/Given names` on a 400x40 crop: one span, `/Given names`, cut after `름`.
        let mut c = vec![("이", 10.0), ("름", 40.0), ("/", 70.0)];
        for (k, ch) in "Given names".chars().enumerate() {
            c.push((
                Box::leak(ch.to_string().into_boxed_str()),
                80.0 + 12.0 * k as f32,
            ));
        }
        let r = reading(&c);
        let spans = latin_spans(&r, 400, 40);
        assert_eq!(spans.len(), 1);
        let (a, b, x0, x1) = spans[0];
        assert_eq!((a, b), (2, r.chars.len()));
        assert_eq!(x0, 60, "a margin before `/`, not over `름` (ends at 44)");
        assert_eq!(x1, 400, "to the crop's edge at the end of the line");
        // Inside a line, a margin after the span's last character, not over the next Hangul.
        let mut c2 = c.clone();
        c2.push(("님", 260.0));
        let (_, _, _, x1) = latin_spans(&reading(&c2), 400, 40)[0];
        assert_eq!(x1, 214);
    }

    #[test]
    fn no_spans_without_hangul_or_letters() {
        assert!(latin_spans(&reading(&[("A", 0.0), ("B", 10.0), ("C", 20.0)]), 100, 20).is_empty());
        assert!(latin_spans(
            &reading(&[
                ("합", 0.0),
                ("계", 20.0),
                (" ", 35.0),
                ("1", 40.0),
                ("2", 50.0)
            ]),
            100,
            20
        )
        .is_empty());
        assert!(latin_spans(
            &reading(&[
                ("두", 0.0),
                ("부", 20.0),
                ("3", 40.0),
                ("0", 50.0),
                ("g", 60.0)
            ]),
            100,
            20
        )
        .is_empty());
    }

    #[test]
    fn span_readings_lose_what_precedes_their_punctuation() {
        let r = |t: &str| {
            reading(
                &t.chars()
                    .enumerate()
                    .map(|(i, c)| (&*Box::leak(c.to_string().into_boxed_str()), i as f32 * 10.0))
                    .collect::<Vec<_>>(),
            )
            .chars
        };
        let text = |v: Vec<CharBox>| v.iter().map(|c| c.ch.as_str()).collect::<String>();
        assert_eq!(text(trim_span_reading("/", r(" 3/Surname "))), "/Surname");
        assert_eq!(
            text(trim_span_reading("/", r("Surname"))),
            "Surname",
            "no `/` read: nothing dropped"
        );
        assert_eq!(
            text(trim_span_reading("S", r("3Surname"))),
            "3Surname",
            "only punctuation anchors the start"
        );
    }
}
