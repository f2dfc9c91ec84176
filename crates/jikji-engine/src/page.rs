//! The page pipeline: detect → crop and turn upright → read (the [`policy`](crate::policy)) →
//! place the characters → layout, with a cancellation check between stages.

use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;
use jikji_detect::Detection;
use jikji_layout::{Fragment, Glyph, LayoutConfig};
use jikji_recognize::{crop_line, LineCrop};
use jikji_types::Cancel;

use crate::choose::has_wide;
use crate::lend::{self, Lending};
use crate::model::{Models, OrientationClassifier};
use crate::policy::{self, Read};
use crate::profile::{Clock, StageTimes};
use crate::{EngineError, Line, OcrOptions, PageResult, Word};

/// Lines whose reading confidence is below this are dropped. PP-OCR's default `drop_score` (its
/// `text_score`), taken over as it is: no measurement of another value is recorded.
pub const MIN_LINE_CONFIDENCE: f32 = 0.5;

/// Pages with more pixels than this are shrunk (keeping their aspect) before the pipeline runs, and the
/// result's coordinates are scaled back to the page. 16 Mpx is an A4 page at ~400 dpi: body text is still
/// 40+ px tall there, close to the recogniser's 48 px input, and the detector sees at most 1600 px
/// anyway. A 600 dpi A4 scan (4961×7016, 35 Mpx) would otherwise keep 104 MB of pixels alive through
/// the whole pipeline, and every crop would be cut from it.
pub const MAX_WORK_PIXELS: u64 = 16_000_000;

/// Half the width (in text heights) of the window around a Hangul/CJK character's position in which
/// its ink is measured (a syllable is set about one text height wide); see [`NARROW_INK_HALF`]. Chosen
/// with layout's type-size split (6727dc2, synthetic flat line CER 4.35 % → 2.62 %); no measurement of
/// the window on its own is recorded.
const WIDE_INK_HALF: f32 = 0.42;
/// Half the ink window (in text heights) of a Latin character, digit or symbol. See [`WIDE_INK_HALF`].
const NARROW_INK_HALF: f32 = 0.25;
/// The smallest share of the crop's height given to the tight box when character ink is mapped onto it
/// (a guard against degenerate boxes, not a tuned value).
const MIN_TIGHT_SHARE: f32 = 0.05;

/// A page is read again turned upright when at least this share of its text (lines weighted by
/// length) was read sideways (at 90° or 270°), or upside down. Lines are turned one by one (tall crops
/// by 90°, the angle classifier flips upside-down ones), but short words on a sideways page are not
/// tall enough to be turned and come out as noise, and on a page turned by 180° the classifier misses
/// some lines (the synthetic receipt turned 90° and 180°: no receipt found, business number and total
/// lost); read upright, they come out as on the upright page. 0.6 is well above what an upright page
/// shows (a few per cent of its text read turned) and below a turned page's ~0.9.
const PAGE_TURN_MIN_SHARE: f32 = 0.6;
/// An upright-looking page with at least this share of its text read upside down is read turned by
/// 180° as well, and the more confident reading kept: on a page photographed upside down the angle
/// classifier can miss most lines (a synthetic passport photo turned 180°: 68 % of its text read
/// "upright", as noise, 32 % flipped). Upright pages of the test sets stay under 0.1 (korean_photos,
/// SROIE, synthetic documents: no second reading, results unchanged).
const PAGE_FLIP_DOUBT_SHARE: f32 = 0.25;
/// ... and the page has at least this many lines (a page of one or two words is not turned on their
/// say-so).
const PAGE_TURN_MIN_LINES: usize = 3;

/// What the directions of a page's lines say about the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum PageTurn {
    /// Read as it is.
    Upright,
    /// Turned by this many quarter turns clockwise on screen (1 = text running top to bottom, 2 =
    /// upside down, 3 = bottom to top): read it turned back.
    Turned(u8),
    /// Possibly upside down: read it turned by 180° too and keep the more confident reading.
    MaybeUpsideDown,
}

/// Reads one page: on [`working_image`], the result's coordinates mapped back to the page. A page
/// photographed sideways or upside down ([`page_turn`]) is read a second time turned upright, and
/// that reading mapped back onto the page is the result (its cost is both readings).
pub(crate) fn read_page(
    models: &mut Models,
    image: Arc<RgbImage>,
    opts: &OcrOptions,
    cancel: &Cancel,
) -> Result<(PageResult, StageTimes), EngineError> {
    let (width, height) = image.dimensions();
    let image = working_image(image);
    let (mut page, mut times) = run_stages(models, &image, opts, cancel)?;
    let mut read_turned = |turns: u8, times: &mut StageTimes| {
        let upright = jikji_image::turn_upright(image.as_ref(), turns);
        let (mut again, t) = run_stages(models, &upright, opts, cancel)?;
        again.unturn(turns, image.width(), image.height());
        times.add(&t);
        Ok::<_, EngineError>(again)
    };
    match page_turn(&page) {
        PageTurn::Upright => {}
        PageTurn::Turned(turns) => {
            let again = read_turned(turns, &mut times)?;
            // A sideways page whose lines were mostly flipped the wrong way came out upside down:
            // mapped back onto the page, its lines run opposite to `turns`.
            page = if turns % 2 == 1 && page_turn(&again) == PageTurn::Turned((turns + 2) % 4) {
                read_turned((turns + 2) % 4, &mut times)?
            } else {
                again
            };
        }
        PageTurn::MaybeUpsideDown => {
            let again = read_turned(2, &mut times)?;
            if mean_confidence(&again) > mean_confidence(&page) {
                page = again;
            }
        }
    }
    page.rescale(width, height);
    Ok((page, times))
}

/// The page's lines' confidence, weighted by their number of characters.
fn mean_confidence(page: &PageResult) -> f32 {
    let (mut sum, mut n) = (0.0f32, 0.0f32);
    for l in &page.lines {
        let c = l.text.chars().filter(|c| !c.is_whitespace()).count() as f32;
        sum += l.confidence * c;
        n += c;
    }
    if n > 0.0 {
        sum / n
    } else {
        0.0
    }
}

/// Which way the page's text was read ([`PageTurn`]): the share of the text's length read sideways
/// (90° or 270°, the larger of the two deciding which), upside down, or upright.
pub(crate) fn page_turn(page: &PageResult) -> PageTurn {
    let mut weight = [0.0f32; 4];
    let mut lines = 0;
    for l in &page.lines {
        let Some(d) = l.direction else { continue };
        let k = ((d / 90.0).round() as i32).rem_euclid(4) as usize;
        weight[k] += l.quad.width().max(l.quad.height());
        lines += 1;
    }
    let total: f32 = weight.iter().sum();
    if lines < PAGE_TURN_MIN_LINES || total <= 0.0 {
        return PageTurn::Upright;
    }
    if (weight[1] + weight[3]) / total >= PAGE_TURN_MIN_SHARE {
        return PageTurn::Turned(if weight[1] >= weight[3] { 1 } else { 3 });
    }
    let flipped = weight[2] / total;
    if flipped >= PAGE_TURN_MIN_SHARE {
        PageTurn::Turned(2)
    } else if flipped >= PAGE_FLIP_DOUBT_SHARE {
        PageTurn::MaybeUpsideDown
    } else {
        PageTurn::Upright
    }
}

/// The stages, in order, each timed, with a cancellation check after each.
fn run_stages(
    models: &mut Models,
    image: &RgbImage,
    opts: &OcrOptions,
    cancel: &Cancel,
) -> Result<(PageResult, StageTimes), EngineError> {
    let mut times = StageTimes::default();

    let t = Clock::start();
    // With a core idle, the spare detector's extra thread (see `lend`), given back after the stage.
    let mut spare = models.lending.as_deref().and_then(Lending::lend);
    let detector = match spare.as_deref_mut() {
        Some(s) => s.detector.as_mut(),
        None => models.detector.as_mut(),
    };
    let (dets, split) = detector.detect(image)?;
    drop(spare);
    times.detect_ms = t.ms();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    (
        times.detect_pre_ms,
        times.detect_model_ms,
        times.detect_post_ms,
    ) = (ms(split.preprocess), ms(split.model), ms(split.postprocess));
    cancel.check()?;

    let t = Clock::start();
    let mut spare = models.lending.as_deref().and_then(Lending::lend);
    let (mut crops, crop_ms, classify_model_ms) = match spare.as_deref_mut() {
        // Half of the lines cut and turned on a helper thread with the spare classifier; the times
        // add up both threads'.
        Some(s) if dets.len() >= 2 => {
            let (mine, theirs) = dets.split_at(dets.len() / 2);
            let (a, b) = lend::on_two_threads(
                "a line-cutting",
                || cut_and_turn(image, mine, models.orientation.as_mut()),
                || cut_and_turn(image, theirs, s.orientation.as_mut()),
            )?;
            let b = b?;
            let (mut crops, crop_ms, model_ms) = a?;
            crops.extend(b.0);
            (crops, crop_ms + b.1, model_ms + b.2)
        }
        _ => cut_and_turn(image, &dets, models.orientation.as_mut())?,
    };
    drop(spare);
    (times.crop_ms, times.classify_model_ms) = (crop_ms, classify_model_ms);
    times.classify_ms = t.ms();
    cancel.check()?;

    let t = Instant::now();
    let mut spare = models.lending.as_deref().and_then(Lending::lend);
    let reads = policy::read_crops(
        &mut models.recognizers,
        spare.as_deref_mut().map(|s| &mut s.recognizers),
        &mut crops,
        &opts.langs,
        cancel,
        &mut times.passes,
    )?;
    drop(spare);
    times.recognize_ms = t.elapsed().as_secs_f64() * 1000.0;
    cancel.check()?;

    let t = Clock::start();
    let page = lay_out(image.dimensions(), &crops, &dets, reads);
    times.layout_ms = t.ms();
    Ok((page, times))
}

/// One region's text as the recognisers read it (see [`read_regions`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RegionText {
    /// The region's words (split where the characters' gaps say, as on a page) joined by spaces;
    /// empty when nothing readable was found (confidence under [`MIN_LINE_CONFIDENCE`]).
    pub text: String,
    /// The line's reading confidence (0 when nothing was read).
    pub confidence: f32,
}

/// Reads each of `quads` (page pixels; TL→TR the reading direction) as one line: cut out of `image`
/// and warped upright, read under the same policy as a detected line, its words split by the layout.
/// No detection and no angle classifier run: the caller knows where the text is and which way is up
/// (a template field mapped into a page).
pub(crate) fn read_regions(
    models: &mut Models,
    image: &RgbImage,
    quads: &[jikji_geometry::Quad],
    opts: &OcrOptions,
    cancel: &Cancel,
) -> Result<Vec<RegionText>, EngineError> {
    let mut crops: Vec<LineCrop> = quads.iter().map(|q| crop_line(image, q)).collect();
    let dets: Vec<Detection> = quads
        .iter()
        .map(|q| Detection {
            quad: *q,
            crop_quad: *q,
            score: 1.0,
        })
        .collect();
    let mut spare = models.lending.as_deref().and_then(Lending::lend);
    let reads = policy::read_crops(
        &mut models.recognizers,
        spare.as_deref_mut().map(|s| &mut s.recognizers),
        &mut crops,
        &opts.langs,
        cancel,
        &mut crate::PassTimes::default(),
    )?;
    drop(spare);
    // One region at a time through the layout, so that each region's words stay its own.
    Ok(crops
        .iter()
        .zip(&dets)
        .zip(reads)
        .map(|((c, d), r)| {
            let confidence = r.reading.confidence;
            let page = lay_out(
                image.dimensions(),
                std::slice::from_ref(c),
                std::slice::from_ref(d),
                vec![r],
            );
            let text = page
                .words
                .iter()
                .map(|w| w.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
            RegionText {
                confidence: if text.is_empty() { 0.0 } else { confidence },
                text,
            }
        })
        .collect())
}

/// The image the pipeline works on: the page itself, or a shrunk copy of a page above
/// [`MAX_WORK_PIXELS`]. The caller's reference to a large page is dropped here, so a page handed over
/// with [`Engine::recognize_shared`](crate::Engine::recognize_shared) and not kept by the caller is
/// freed before detection starts.
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

/// Turns the crops the classifier calls upside down. (Crops are cut from the wider `crop_quad` of each
/// detection; words are placed on the tight `quad`.)
/// Cuts the line crops of `dets` out of `image` and turns the ones the classifier calls upside down:
/// the crops, the cutting's milliseconds and the classifier's model milliseconds (on this thread).
fn cut_and_turn(
    image: &RgbImage,
    dets: &[Detection],
    orientation: &mut dyn OrientationClassifier,
) -> Result<(Vec<LineCrop>, f64, f64), EngineError> {
    let t = Clock::start();
    let mut crops: Vec<LineCrop> = dets.iter().map(|d| crop_line(image, &d.crop_quad)).collect();
    let crop_ms = t.ms();
    let t = Clock::start();
    turn_upright(&mut crops, orientation)?;
    Ok((crops, crop_ms, t.model_ms()))
}

fn turn_upright(
    crops: &mut [LineCrop],
    orientation: &mut dyn OrientationClassifier,
) -> Result<(), EngineError> {
    if !crops.is_empty() {
        let imgs: Vec<&RgbImage> = crops.iter().map(|c| &c.image).collect();
        let flips = orientation.upside_down(&imgs)?;
        for (c, flip) in crops.iter_mut().zip(flips) {
            if flip {
                c.flip();
            }
        }
    }
    Ok(())
}

/// Drops unreadable lines, places each line's characters on its tight box and lays the lines out into
/// words, rows and reading order; every output line keeps the pass that read it.
fn lay_out(
    (width, height): (u32, u32),
    crops: &[LineCrop],
    dets: &[Detection],
    reads: Vec<Read>,
) -> PageResult {
    let (fragments, passes): (Vec<Fragment>, Vec<_>) = crops
        .iter()
        .zip(dets)
        .zip(reads)
        .filter(|(_, r)| {
            r.reading.confidence >= MIN_LINE_CONFIDENCE && !r.reading.text.trim().is_empty()
        })
        .map(|((c, d), r)| (fragment(c, d, &r), r.pass))
        .unzip();
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
        // The laid-out quad is in reading orientation (the crop's frame); the output one in screen
        // order, so the direction is kept apart.
        let direction = l.quad.angle().to_degrees().rem_euclid(360.0);
        lines.push(Line {
            text: l.text,
            direction: Some(direction),
            quad: jikji_geometry::Quad::from_unordered(l.quad.pts),
            confidence: l.confidence,
            words: start..words.len(),
            pass: Some(passes[l.fragment]),
        });
    }
    PageResult {
        page_index: 0,
        width,
        height,
        words,
        lines,
        outline: None,
    }
}

/// One line's characters placed on its tight box (`det.quad`), each with the top and bottom of its
/// ink, which lets layout tell a small label from a large value in one box.
fn fragment(c: &LineCrop, d: &Detection, r: &Read) -> Fragment {
    let cw = c.image.width().max(1) as f32;
    let tight = c.reading_quad_of(d.quad);
    // Both quads share centre and direction; the crop is longer by a margin at each end.
    let crop_quad = c.reading_quad();
    let crop_len = crop_quad.width().max(1.0);
    let tight_len = tight.width().max(1.0);
    let margin = (crop_len - tight_len) / 2.0;
    // Crop rows map to the tight box's height: the crop is taller by a margin at the top and the
    // bottom.
    let crop_h = c.image.height().max(1) as f32;
    let tight_share = (tight.height() / crop_quad.height().max(1.0)).clamp(MIN_TIGHT_SHARE, 1.0);
    let v0 = (1.0 - tight_share) / 2.0;
    let to_frag = |row: f32| (row / crop_h - v0) / tight_share;
    let text_h = crop_h * tight_share;
    let ink_mask = jikji_recognize::InkMask::new(&c.image);
    let glyphs = r
        .reading
        .chars
        .iter()
        .map(|ch| {
            let centre = (ch.x0 + ch.x1) / 2.0;
            let along = centre / cw * crop_len;
            let half = if has_wide(&ch.ch) {
                WIDE_INK_HALF
            } else {
                NARROW_INK_HALF
            } * text_h;
            let ink = ink_mask
                .as_ref()
                .and_then(|m| m.ink_rows(centre - half, centre + half))
                .map(|(top, bottom)| (to_frag(top as f32), to_frag(bottom as f32 + 1.0)));
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
        .collect();
    Fragment {
        quad: tight,
        glyphs,
    }
}

#[cfg(test)]
mod tests {
    //! The whole page pipeline and reading policy on stub models (see [`crate::stub`]).
    use super::*;
    use crate::stub::*;
    use crate::Lang;
    use jikji_types::{Pass, Reader, Stopped};

    /// A page of lines read at these directions, each 100 px long.
    fn read_at(dirs: &[f32]) -> PageResult {
        let q = jikji_geometry::Quad::new([
            jikji_geometry::Point::new(0.0, 0.0),
            jikji_geometry::Point::new(100.0, 0.0),
            jikji_geometry::Point::new(100.0, 20.0),
            jikji_geometry::Point::new(0.0, 20.0),
        ]);
        let lines = dirs
            .iter()
            .map(|&d| jikji_types::Line {
                text: "x".into(),
                quad: q,
                confidence: 0.9,
                words: 0..0,
                pass: None,
                direction: Some(d),
            })
            .collect();
        PageResult {
            page_index: 0,
            width: 100,
            height: 100,
            words: Vec::new(),
            lines,
            outline: None,
        }
    }

    #[test]
    fn pages_are_turned_only_when_most_text_reads_turned() {
        use PageTurn::*;
        assert_eq!(page_turn(&read_at(&[0.0, 0.0, 0.5, 0.0, 0.0, 180.0])), Upright, "upright with a flipped line");
        assert_eq!(page_turn(&read_at(&[180.0, 179.5, 180.0, 0.0])), Turned(2));
        assert_eq!(page_turn(&read_at(&[90.0, 90.0, 270.0, 90.0])), Turned(1));
        assert_eq!(page_turn(&read_at(&[270.0, 270.0, 269.0, 0.0, 270.0])), Turned(3));
        assert_eq!(page_turn(&read_at(&[90.0, 270.0, 270.0, 90.0, 270.0])), Turned(3), "sideways, the classifier split");
        assert_eq!(page_turn(&read_at(&[0.0, 0.0, 180.0, 0.0])), MaybeUpsideDown);
        assert_eq!(page_turn(&read_at(&[90.0, 90.0, 0.0, 0.0])), Upright, "half and half: not clear");
        assert_eq!(page_turn(&read_at(&[180.0, 180.0])), Upright, "too few lines");
        let mut no_dirs = read_at(&[180.0, 180.0, 180.0]);
        no_dirs.lines.iter_mut().for_each(|l| l.direction = None);
        assert_eq!(page_turn(&no_dirs), Upright);
    }

    fn run(page: &Page, models: &mut Models, langs: &[Lang]) -> PageResult {
        let opts = OcrOptions {
            langs: langs.to_vec(),
        };
        let image = Arc::new(page.image.clone());
        read_page(models, image, &opts, &Cancel::new())
            .expect("stub models do not fail")
            .0
    }

    /// `(text, pass)` of every output line, in reading order.
    fn lines(r: &PageResult) -> Vec<(String, Pass)> {
        r.lines
            .iter()
            .map(|l| {
                (
                    l.text.clone(),
                    l.pass.expect("engine lines record their pass"),
                )
            })
            .collect()
    }

    fn passes(r: &PageResult) -> Vec<Pass> {
        lines(r).into_iter().map(|(_, p)| p).collect()
    }

    fn pass(reader: Reader) -> Pass {
        Pass {
            reader,
            flip_overruled: false,
        }
    }

    #[test]
    fn korean_lines_keep_the_korean_reading_and_latin_lines_go_through_the_cascade() {
        let page = Page::new()
            .line(0, 2, &[(Some(RED), 2)])
            .line(1, 5, &[(Some(GREEN), 5)])
            .line(2, 5, &[(Some(BLUE), 5)]);
        let korean = StubRecognizer::new(&[
            (&[RED], "합계", 0.97),
            (&[GREEN], "T0TAL", 0.8),
            (&[BLUE], "l2.5O", 0.7),
        ]);
        let fast = StubRecognizer::new(&[(&[GREEN], "TOTAL", 0.99), (&[BLUE], "12.5O", 0.8)]);
        let latin = StubRecognizer::new(&[(&[BLUE], "12.50", 0.96)]);
        let mut m = models(&page, &korean, &latin, Some(&fast));
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(
            lines(&r),
            vec![
                ("합계".into(), pass(Reader::Korean)),
                ("TOTAL".into(), pass(Reader::LatinFast)),
                ("12.50".into(), pass(Reader::LatinReread)),
            ]
        );
        assert_eq!(
            fast.log(),
            vec![vec![GREEN], vec![BLUE]],
            "the tiny recogniser reads only the lines read without Hangul"
        );
        assert_eq!(
            latin.log(),
            vec![vec![BLUE]],
            "the set's recogniser re-reads only the line the tiny one was unsure of"
        );
    }

    #[test]
    fn an_idle_core_reads_half_the_lines_and_the_page_reads_the_same() {
        let page = Page::new()
            .line(0, 2, &[(Some(RED), 2)])
            .line(1, 5, &[(Some(GREEN), 5)])
            .line(2, 3, &[(Some(BLUE), 3)])
            .line(3, 4, &[(Some(BROWN), 4)]);
        let entries: &[(&[Colour], &str, f32)] = &[
            (&[RED], "합계", 0.97),
            (&[GREEN], "가나다라마", 0.96),
            (&[BLUE], "바사아", 0.95),
            (&[BROWN], "자차카타", 0.98),
        ];
        let alone = run(&page, &mut models(&page, &StubRecognizer::new(entries), &StubRecognizer::default(), None), &[Lang::Ko]);
        let (korean, helper) = (StubRecognizer::new(entries), StubRecognizer::new(entries));
        let mut m = models(&page, &korean, &StubRecognizer::default(), None);
        let own_detector = Arc::new(std::sync::Mutex::new(0));
        m.detector = Box::new(StubDetector { boxes: page.boxes.clone(), cancel_when_called: None, calls: own_detector.clone() });
        let spare_detector = Arc::new(std::sync::Mutex::new(0));
        let spare = crate::lend::Spare {
            detector: Box::new(StubDetector { boxes: page.boxes.clone(), cancel_when_called: None, calls: spare_detector.clone() }),
            orientation: Box::new(crate::stub::StubOrientation { upside_down: vec![] }),
            recognizers: crate::model::Recognizers {
                korean: Box::new(helper.clone()),
                latin: Box::new(StubRecognizer::default()),
                fast: None,
            },
        };
        m.lending = Some(Arc::new(crate::lend::Lending::new(spare, 2, 1)));
        let lent = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(lines(&lent), lines(&alone));
        assert_eq!(lent.text(), "합계\n가나다라마\n바사아\n자차카타");
        // Widths 2, 5, 3, 4 (total 14): the first two lines here, the last two on the helper.
        assert_eq!(korean.log(), vec![vec![RED], vec![GREEN]]);
        assert_eq!(helper.log(), vec![vec![BLUE], vec![BROWN]]);
        assert_eq!((*own_detector.lock().unwrap(), *spare_detector.lock().unwrap()), (0, 1), "the spare detector ran");
    }

    #[test]
    fn without_the_cascade_pp_ocr_reads_once() {
        let page = Page::new().line(0, 5, &[(Some(GREEN), 5)]);
        let korean = StubRecognizer::new(&[]);
        let latin = StubRecognizer::new(&[(&[GREEN], "TOTAL", 0.9)]);
        let mut m = models(&page, &korean, &latin, None);
        let r = run(&page, &mut m, &[Lang::En]);
        assert_eq!(lines(&r), vec![("TOTAL".into(), pass(Reader::Latin))]);
        assert!(korean.log().is_empty(), "no Korean model without `ko`");
    }

    #[test]
    fn a_much_less_confident_or_cjk_pp_ocr_reading_loses_to_the_korean_one() {
        let page = Page::new()
            .line(0, 5, &[(Some(GREEN), 5)])
            .line(1, 2, &[(Some(BLUE), 2)]);
        let korean = StubRecognizer::new(&[(&[GREEN], "12:30", 0.95), (&[BLUE], "A1", 0.6)]);
        let latin = StubRecognizer::new(&[(&[GREEN], "1Z30", 0.6), (&[BLUE], "合计", 0.9)]);
        let mut m = models(&page, &korean, &latin, None);
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(
            lines(&r),
            vec![
                ("12:30".into(), pass(Reader::Korean)),
                ("A1".into(), pass(Reader::Korean)),
            ]
        );
        // With Chinese asked for, the Chinese reading wins.
        let mut m = models(&page, &korean, &latin, None);
        let r = run(&page, &mut m, &[Lang::Ko, Lang::ZhTw]);
        assert_eq!(lines(&r)[1], ("合计".into(), pass(Reader::Latin)));
    }

    #[test]
    fn a_doubtful_hangul_line_is_read_again_piece_by_piece() {
        // Two inked runs 2 line heights apart: cut there and read alone.
        let page = Page::new().line(0, 8, &[(Some(RED), 3), (None, 2), (Some(GREEN), 3)]);
        let korean = StubRecognizer::new(&[
            (&[RED, GREEN], "가나다라", 0.6),
            (&[RED], "가나", 0.9),
            (&[GREEN], "다라", 0.9),
        ]);
        let latin = StubRecognizer::new(&[]);
        let mut m = models(&page, &korean, &latin, None);
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(r.text(), "가나 다라");
        assert_eq!(passes(&r), vec![pass(Reader::KoreanPieces); r.lines.len()]);
        assert_eq!(korean.log(), vec![vec![RED, GREEN], vec![RED], vec![GREEN]]);
        assert!(latin.log().is_empty());
    }

    #[test]
    fn a_confident_hangul_line_is_not_cut() {
        let page = Page::new().line(0, 8, &[(Some(RED), 3), (None, 2), (Some(GREEN), 3)]);
        let korean = StubRecognizer::new(&[(&[RED, GREEN], "가나 다라", 0.95)]);
        let mut m = models(&page, &korean, &StubRecognizer::new(&[]), None);
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(r.text(), "가나 다라");
        assert_eq!(passes(&r), vec![pass(Reader::Korean); r.lines.len()]);
        assert_eq!(korean.log().len(), 1);
    }

    #[test]
    fn the_latin_span_of_a_hangul_line_is_read_by_pp_ocr() {
        // `이름` in red, `/Given` in blue: the span is cut at the colour change.
        let page = Page::new().line(0, 8, &[(Some(RED), 2), (Some(BLUE), 6)]);
        let korean = StubRecognizer::new(&[(&[RED, BLUE], "이름/Glvcn", 0.95)]);
        let latin = StubRecognizer::new(&[(&[BLUE], "/Given", 0.97)]);
        let mut m = models(&page, &korean, &latin, None);
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(latin.log(), vec![vec![BLUE]]);
        assert_eq!(r.text(), "이름/Given");
        assert_eq!(passes(&r), vec![pass(Reader::LatinSpans); r.lines.len()]);
    }

    #[test]
    fn a_line_the_classifier_turns_is_read_both_ways() {
        // Every line turned: the page may be upside down, so the turned crops are read first and the
        // lines as they stood second.
        let page = Page::new()
            .line(0, 4, &[(Some(RED), 2), (Some(BLUE), 2)])
            .line(1, 4, &[(Some(GREEN), 2), (Some(BROWN), 2)]);
        let korean = StubRecognizer::new(&[
            // The classifier is wrong about the first line: read as it stood, it is more confident.
            (&[RED, BLUE], "바른줄", 0.97),
            (&[BLUE, RED], "를몸叶", 0.6),
            // It is right about the second.
            (&[GREEN, BROWN], "뒤집힘", 0.55),
            (&[BROWN, GREEN], "바로섬", 0.96),
        ]);
        let mut m = models(&page, &korean, &StubRecognizer::new(&[]), None);
        m.orientation = Box::new(StubOrientation {
            upside_down: vec![vec![RED, BLUE], vec![GREEN, BROWN]],
        });
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(
            lines(&r),
            vec![
                (
                    "바른줄".into(),
                    Pass {
                        reader: Reader::Korean,
                        flip_overruled: true
                    }
                ),
                ("바로섬".into(), pass(Reader::Korean)),
            ]
        );
    }

    #[test]
    fn on_an_upright_page_a_turned_line_is_read_as_it_stood_first() {
        // Two of five lines turned: the page is upright, so the classifier's turn is a second opinion.
        let page = Page::new()
            .line(0, 4, &[(Some(RED), 2), (Some(BLUE), 2)])
            .line(1, 4, &[(Some(GREEN), 2), (Some(BROWN), 2)])
            .line(2, 3, &[(Some(BLACK), 3)])
            .line(3, 3, &[(Some(GREY), 3)])
            .line(4, 3, &[(Some(PURPLE), 3)]);
        let korean = StubRecognizer::new(&[
            // Wrong turn: read as it stood, the line is confident, and the turned crop is never read.
            (&[RED, BLUE], "바른줄", 0.97),
            (&[BLUE, RED], "를몸叶", 0.6),
            // Right turn: as it stood the reading is doubtful, so the turned crop is read and wins.
            (&[GREEN, BROWN], "뒤집힘", 0.55),
            (&[BROWN, GREEN], "바로섬", 0.96),
            (&[BLACK], "가나다", 0.97),
            (&[GREY], "라마바", 0.97),
            (&[PURPLE], "사아자", 0.97),
        ]);
        let mut m = models(&page, &korean, &StubRecognizer::new(&[]), None);
        m.orientation = Box::new(StubOrientation {
            upside_down: vec![vec![RED, BLUE], vec![GREEN, BROWN]],
        });
        let r = run(&page, &mut m, &[Lang::Ko]);
        let overruled = Pass {
            reader: Reader::Korean,
            flip_overruled: true,
        };
        assert_eq!(
            lines(&r),
            vec![
                ("바른줄".into(), overruled),
                ("바로섬".into(), pass(Reader::Korean)),
                ("가나다".into(), pass(Reader::Korean)),
                ("라마바".into(), pass(Reader::Korean)),
                ("사아자".into(), pass(Reader::Korean)),
            ]
        );
        let log = korean.log();
        assert!(
            !log.contains(&vec![BLUE, RED]),
            "a confident reading as it stood spares the turned reading: {log:?}"
        );
        assert!(log.contains(&vec![BROWN, GREEN]));
    }

    #[test]
    fn on_an_upright_page_the_turn_must_read_clearly_better() {
        // One of four lines turned; both readings of it are doubtful. Turned, it reads as Latin noise
        // a little more confidently than as it stood: not enough to turn a line on an upright page.
        let page = Page::new()
            .line(0, 4, &[(Some(RED), 2), (Some(BLUE), 2)])
            .line(1, 3, &[(Some(BLACK), 3)])
            .line(2, 3, &[(Some(GREY), 3)])
            .line(3, 3, &[(Some(PURPLE), 3)]);
        let korean = StubRecognizer::new(&[
            (&[RED, BLUE], "세류기간", 0.59),
            (&[BLUE, RED], "ikis", 0.59 + crate::policy::FLIP_WIN_MARGIN / 2.0),
            (&[BLACK], "가나다", 0.97),
            (&[GREY], "라마바", 0.97),
            (&[PURPLE], "사아자", 0.97),
        ]);
        let mut m = models(&page, &korean, &StubRecognizer::new(&[]), None);
        m.orientation = Box::new(StubOrientation {
            upside_down: vec![vec![RED, BLUE]],
        });
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(lines(&r)[0].0, "세류기간");
        assert!(korean.log().contains(&vec![BLUE, RED]), "the turned crop was read");
    }

    #[test]
    fn unconfident_and_empty_readings_are_dropped() {
        let page = Page::new()
            .line(0, 3, &[(Some(RED), 3)])
            .line(1, 3, &[(Some(GREEN), 3)])
            .line(2, 3, &[(Some(BLUE), 3)]);
        let korean = StubRecognizer::new(&[
            (&[RED], "가나다", 0.97),
            (&[GREEN], "라마바", MIN_LINE_CONFIDENCE - 0.01),
        ]);
        let mut m = models(&page, &korean, &StubRecognizer::new(&[]), None);
        let r = run(&page, &mut m, &[Lang::Ko]);
        assert_eq!(r.text(), "가나다");
    }

    #[test]
    fn cancellation_stops_the_pipeline_between_stages() {
        let page = Page::new().line(0, 3, &[(Some(RED), 3)]);
        let opts = OcrOptions::default();
        let korean = StubRecognizer::new(&[(&[RED], "가나다", 0.97)]);
        let latin = StubRecognizer::new(&[]);

        // Cancelled while detection runs: nothing is read.
        let cancel = Cancel::new();
        let mut m = models(&page, &korean, &latin, None);
        m.detector = Box::new(StubDetector {
            boxes: page.boxes.clone(),
            cancel_when_called: Some(cancel.clone()),
            calls: Default::default(),
        });
        let r = read_page(&mut m, Arc::new(page.image.clone()), &opts, &cancel);
        assert!(matches!(r, Err(EngineError::Stopped(Stopped::Cancelled))));
        assert!(korean.log().is_empty());

        // Cancelled while the lines are read: the turned line is not read again the other way.
        let cancel = Cancel::new();
        let cancelling = StubRecognizer {
            cancel_when_called: Some(cancel.clone()),
            ..korean.clone()
        };
        let mut m = models(&page, &cancelling, &latin, None);
        m.orientation = Box::new(StubOrientation {
            upside_down: vec![vec![RED]],
        });
        let r = read_page(&mut m, Arc::new(page.image.clone()), &opts, &cancel);
        assert!(matches!(r, Err(EngineError::Stopped(Stopped::Cancelled))));
        assert_eq!(cancelling.log().len(), 1);

        // A deadline that has passed stops the page too.
        let past = Cancel::with_deadline(std::time::Instant::now());
        let mut m = models(&page, &korean, &latin, None);
        let r = read_page(&mut m, Arc::new(page.image.clone()), &opts, &past);
        assert!(matches!(
            r,
            Err(EngineError::Stopped(Stopped::DeadlineExceeded))
        ));
    }
}
