//! The reading policy: which recogniser reads which line, which lines are read again, and which
//! reading is kept. Every reading carries the [`Pass`] that produced it.
//!
//! For a page with Korean asked for ([`read_lines`]):
//!
//! 1. `korean-rec-v1` reads every line ([`Reader::Korean`]);
//! 2. doubtful Hangul lines are read again piece by piece, cut at wide blank gaps
//!    ([`Reader::KoreanPieces`], [`reread_spaced_lines`]);
//! 3. lines read without Hangul are read again by PP-OCR ([`read_latin`]), whose reading wins by
//!    [`choose_reading`];
//! 4. the Latin spans of Hangul lines are cut out and read by PP-OCR ([`Reader::LatinSpans`],
//!    [`reread_latin_spans`]).
//!
//! Without Korean, PP-OCR reads every line ([`read_latin`]). PP-OCR is read through the cascade when a
//! tiny recogniser is loaded: the tiny one first ([`Reader::LatinFast`]), the set's own only for the
//! lines the tiny one is unsure of ([`Reader::LatinReread`]). Lines the angle classifier turned upside
//! down are read both ways ([`read_crops`]).

use image::RgbImage;
use jikji_recognize::{Alphabet, CharBox, LineCrop, LineReading};
use jikji_types::{Cancel, Pass, Reader};

use crate::choose::{choose_reading, has_hangul, has_wide, is_hanja, Choice};
use crate::model::{LineRecognizer, Recognizers};
use crate::profile::{Clock, PassTime, PassTimes};
use crate::{EngineError, Lang};

/// The tiny recogniser's reading of a line is kept when its mean confidence reaches this and no
/// character is below [`CASCADE_MIN_CHAR`]; otherwise the set's recogniser reads the line again.
/// Measured on SROIE (`en`, case-folded page CER / recognition time of 6 receipts): small recogniser
/// alone 1.88 % / 5.7 s; cascade at 0.90: 2.31 % / 1.8 s; 0.95: 2.15 % / 2.6 s; 0.97: 2.03 % / 3.3 s.
pub const CASCADE_ACCEPT: f32 = 0.95;
/// See [`CASCADE_ACCEPT`]: a character below this sends the line to the set's recogniser (the tiny
/// model read the MRZ's `<` as `Λ`/`∧` at about this confidence). Only the pair was measured, with
/// this value fixed.
pub const CASCADE_MIN_CHAR: f32 = 0.5;

/// A Korean reading is doubtful, and its line is read again piece by piece, when its mean confidence
/// is below this ... (set with the piecewise re-read in 2a31569; no measurement of the value is
/// recorded).
const DOUBTFUL_LINE: f32 = 0.92;
/// ... or when one of its characters is below this (same commit, no measurement recorded).
const DOUBTFUL_CHAR: f32 = 0.5;
/// A blank gap must be this many line heights wide to cut a doubtful line at it. Lowered from 0.9 in
/// e70a1c4 together with layout's letter-spacing rule; no figures for the change are recorded.
const PIECE_MIN_GAP: f32 = 0.6;
/// Each piece is cut with this many line heights of margin at each side (no measurement recorded).
const PIECE_MARGIN: f32 = 0.25;
/// The piecewise reading replaces the first one only when its mean confidence is higher by more than
/// this (no measurement recorded).
const PIECES_WIN_BY: f32 = 0.02;

/// A non-Hangul run of a Hangul line is re-read by PP-OCR only when it holds at least this many ASCII
/// letters: digits and symbols beside Hangul (`합계 12,000`) stay with the Korean model. Set with the
/// span re-read (a16a8c9: synthetic photo line CER 7.02 % → 5.79 %, flat 2.62 % → 2.56 %); other
/// values were not measured.
const SPAN_MIN_LETTERS: usize = 3;
/// A span is cut this many crop heights outside its first and last characters (never over the Hangul
/// neighbours): CTC positions mark where a character is emitted, not its extent. Same commit as
/// [`SPAN_MIN_LETTERS`], no other value measured.
const SPAN_MARGIN: f32 = 0.25;
/// Spans narrower than this (pixels) are not cut out (a guard against empty cuts, not tuned).
const SPAN_MIN_WIDTH: u32 = 4;

/// A bracketed span of a Hangul line (`윤아우(尹雅宇)`) is read again by PP-OCR, which reads hanja, when
/// the Korean model (no hanja in its charset) read what is inside the brackets with a mean confidence
/// below this ... (the hanja name of the synthetic resident card came out `}폈독` / `폈독`, mean
/// confidences well under it; Hangul inside brackets, `(청담동, …)` or `(주)`, reads at 0.97-1.0 on the
/// synthetic documents, so it is rarely cut out at all).
const HANJA_DOUBT: f32 = 0.9;
/// ... and holds at most this many characters (hanja names are 2-4 characters; company names in
/// hanja a few more).
const HANJA_MAX_CHARS: usize = 10;
/// PP-OCR's reading replaces the inside of the brackets only when it is hanja alone, read at least
/// this confident on average, and more confident than the Korean reading.
const HANJA_ACCEPT: f32 = 0.8;

/// A line's reading and the pass that produced it.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub reading: LineReading,
    pub pass: Pass,
}

impl Read {
    fn new(reading: LineReading, reader: Reader) -> Read {
        Read {
            reading,
            pass: Pass {
                reader,
                flip_overruled: false,
            },
        }
    }
}

/// A line the angle classifier turned, on a page where it turned at most this share of the lines, is
/// read first as it stood, and turned only when that reading is doubtful ([`FLIP_CHECK_BELOW`]): the
/// classifier (trained on Chinese/Latin text) is wrong on almost every line it turns on an upright page
/// (stage profile at a3ae23e: 8.1 of 8.5 turned lines a page read better as they stood on the Korean
/// receipt photos, 0.7 of 0.8 on SROIE). Above this share the page itself is likely upside down, and the
/// turned crop is read first. Half: a page turns as a whole, and a single turned line on a page is a
/// classifier error far more often than an upside-down line among upright ones.
const FLIP_TRUSTED_SHARE: f32 = 0.5;
/// On an upright page, a turned line's reading as it stood is kept without reading the turned crop
/// when its confidence reaches this. Measured against reading every turned line both ways (the
/// order before): page CER unchanged at 0.8, 0.9 and always-both on `korean_photos` (11.04 %),
/// `synthetic-docs` (2.18 %), SROIE `en` (2.19 % case-folded) and the passport MRZ; on the Korean
/// photos the second reading falls from 8.5 to 2.2 lines a page (recognition −20 %, page −11 %, one
/// thread; BENCHMARKS.md "Stage profile"). 0.9 keeps a margin over 0.8 for lines not in these sets.
const FLIP_CHECK_BELOW: f32 = 0.9;
/// On an upright page, the classifier's turn wins only when its reading is this much more confident
/// than the line as it stood: a Hangul line the classifier turns reads as confident Latin noise
/// upside down (`체류기간 연장 허가` on a tilted card photo: `ikis &s Qlcek`, 0.62, against 0.59 as it
/// stood). Page CER against no margin: `korean_photos` 10.73 → 10.55 % for margins 0.1 to 0.2
/// (10.75 % at 0.05, 10.86 % at 0.25, 11.19 % at 0.3), SROIE `en` 2.17 → 2.16 % case-folded,
/// `synthetic-docs` 2.00 % unchanged; 0.15 is the middle of the plateau.
pub(crate) const FLIP_WIN_MARGIN: f32 = 0.15;

/// Reads every crop with the recognisers `langs` call for. A crop the angle classifier turned is also
/// read as it stood when needed: the classifier was trained on Chinese/Latin text and calls some Korean
/// lines upside down (`생년월일/Date of birth` came out as `u!q Jo a]…`), so the more confident reading
/// decides, and the crop is turned back when the reading as it stood wins (f0ed21e: synthetic flat page
/// CER 6.5 % → 1.1 %). Which way is read first, and whether the other way is read at all, follows
/// [`FLIP_TRUSTED_SHARE`] and [`FLIP_CHECK_BELOW`]. With a `helper` (the spare recognisers of an idle
/// core), each pass reads half of its lines on a second thread ([`read_split`]).
pub(crate) fn read_crops(
    recognizers: &mut Recognizers,
    mut helper: Option<&mut Recognizers>,
    crops: &mut [LineCrop],
    langs: &[Lang],
    cancel: &Cancel,
    passes: &mut PassTimes,
) -> Result<Vec<Read>, EngineError> {
    let turned: Vec<usize> = (0..crops.len()).filter(|&i| crops[i].flipped).collect();
    let page_upright = (turned.len() as f32) <= FLIP_TRUSTED_SHARE * crops.len() as f32;
    if page_upright {
        // Read as they stood first; the classifier's turn is only a second opinion.
        for &i in &turned {
            crops[i].flip();
        }
    }
    let mut reads = read_lines(recognizers, helper.as_deref_mut(), crops, langs, passes)?;
    cancel.check()?;
    if page_upright {
        for &i in &turned {
            reads[i].pass.flip_overruled = true;
        }
    }
    let second: Vec<usize> = turned
        .into_iter()
        .filter(|&i| !page_upright || reads[i].reading.confidence < FLIP_CHECK_BELOW)
        .collect();
    if second.is_empty() {
        return Ok(reads);
    }
    let mut other_way: Vec<LineCrop> = second.iter().map(|&i| crops[i].clone()).collect();
    for c in &mut other_way {
        c.flip();
    }
    // Every pass of the second reading counts as this one.
    let clock = Clock::start();
    let again = read_lines(recognizers, helper, &other_way, langs, &mut PassTimes::default())?;
    clock.charge(&mut passes.flipped, other_way.len());
    let margin = if page_upright { FLIP_WIN_MARGIN } else { 0.0 };
    for ((i, c), mut r) in second.into_iter().zip(other_way).zip(again) {
        if r.reading.confidence > reads[i].reading.confidence + margin {
            passes.flipped.changed += u32::from(r.reading.text != reads[i].reading.text);
            crops[i] = c;
            // Upright page: the classifier's turn won after all. Turned page: the line as it stood won.
            r.pass.flip_overruled = !page_upright;
            reads[i] = r;
        }
    }
    Ok(reads)
}

/// Which scripts a request allows.
struct Scripts {
    korean: bool,
    /// Chinese or Japanese asked for: PP-OCR may answer with CJK characters.
    cjk: bool,
}

impl Scripts {
    fn of(langs: &[Lang]) -> Scripts {
        Scripts {
            korean: langs.contains(&Lang::Ko),
            cjk: langs.iter().any(|l| matches!(l, Lang::Ja | Lang::ZhTw)),
        }
    }

    /// Without Japanese or Chinese, the PP-OCR recogniser answers in Latin script only: it otherwise
    /// reads look-alikes (`<` as `Λ`, `0` as `〇`) from its 18 000 CJK-heavy classes (SROIE 2.07 % →
    /// 1.88 % page CER).
    fn latin_alphabet(&self) -> Alphabet {
        if self.cjk {
            Alphabet::All
        } else {
            Alphabet::Latin
        }
    }
}

/// Where to cut crops of `widths` into two runs of about equal total width: the first index of the
/// second run, never 0 or `widths.len()` for two or more crops.
fn half_by_width(widths: &[u32]) -> usize {
    let total: u64 = widths.iter().map(|&w| u64::from(w)).sum();
    let mut sum = 0u64;
    for (i, &w) in widths.iter().enumerate() {
        let w = u64::from(w);
        // Cut before this crop when that leaves the halves closer than cutting after it.
        if 2 * sum + w > total {
            let before = total.abs_diff(2 * sum);
            let after = total.abs_diff(2 * (sum + w));
            let cut = if before <= after { i } else { i + 1 };
            return cut.clamp(1, widths.len().saturating_sub(1).max(1));
        }
        sum += w;
    }
    widths.len().saturating_sub(1).max(1)
}

/// Reads every crop with the recogniser(s) the languages call for (see the module docs). With `helper`
/// recognisers (an idle core's), every pass is split on its own between both threads ([`read_split`]):
/// the re-reading passes take the lines the first reading doubts, and those may all lie in one half
/// of the page. Every pass decides line by line, so each line's reading is the one a single thread
/// gives (the CPU reads batches of one line, `REC_BATCH_CPU`).
fn read_lines(
    recognizers: &mut Recognizers,
    mut helper: Option<&mut Recognizers>,
    crops: &[LineCrop],
    langs: &[Lang],
    passes: &mut PassTimes,
) -> Result<Vec<Read>, EngineError> {
    if crops.is_empty() {
        return Ok(Vec::new());
    }
    let imgs: Vec<&RgbImage> = crops.iter().map(|c| &c.image).collect();
    let scripts = Scripts::of(langs);
    let alphabet = scripts.latin_alphabet();
    if !scripts.korean {
        let (fast, latin) = (&mut passes.latin_fast, &mut passes.latin);
        return read_latin(recognizers, helper, &imgs, alphabet, fast, latin);
    }
    let korean = read_split(recognizers, helper.as_deref_mut(), &imgs, Alphabet::All, korean_recognizer, &mut passes.korean)?;
    passes.korean.lines += imgs.len() as u32;
    let mut reads: Vec<Read> = korean.into_iter().map(|r| Read::new(r, Reader::Korean)).collect();
    reread_spaced_lines(recognizers, helper.as_deref_mut(), crops, &mut reads, &mut passes.korean_pieces)?;
    reread_lines_without_hangul(recognizers, helper.as_deref_mut(), &imgs, &mut reads, &scripts, passes)?;
    reread_latin_spans(recognizers, helper.as_deref_mut(), crops, &mut reads, alphabet, &mut passes.latin_spans)?;
    reread_hanja_spans(recognizers, helper, crops, &mut reads, &mut passes.hanja_spans)?;
    Ok(reads)
}

/// Lines the Korean model read without Hangul are read again by the PP-OCR recogniser, which is far
/// better on Latin script; [`choose_reading`] keeps one of the two readings. So are Latin lines with
/// one stray syllable ([`stray_syllable`]); there the PP-OCR reading wins when it has no Hangul or
/// CJK and is no less confident.
fn reread_lines_without_hangul(
    recognizers: &mut Recognizers,
    helper: Option<&mut Recognizers>,
    imgs: &[&RgbImage],
    reads: &mut [Read],
    scripts: &Scripts,
    passes: &mut PassTimes,
) -> Result<(), EngineError> {
    let second: Vec<usize> = (0..reads.len())
        .filter(|&i| !has_hangul(&reads[i].reading.text) || stray_syllable(&reads[i].reading))
        .collect();
    if second.is_empty() {
        return Ok(());
    }
    let sub: Vec<&RgbImage> = second.iter().map(|&i| imgs[i]).collect();
    let (fast, set) = (&mut passes.latin_fast, &mut passes.latin);
    let latin = read_latin(recognizers, helper, &sub, scripts.latin_alphabet(), fast, set)?;
    for (i, l) in second.into_iter().zip(latin) {
        let take = if has_hangul(&reads[i].reading.text) {
            // A stray syllable: the Latin reading wins when it is Latin and no less confident.
            !l.reading.text.trim().is_empty()
                && !has_wide(&l.reading.text)
                && l.reading.confidence >= reads[i].reading.confidence
        } else {
            choose_reading(&reads[i].reading, &l.reading, scripts.cjk) == Choice::Second
        };
        if take {
            passes.latin_fast.changed += u32::from(l.reading.text != reads[i].reading.text);
            reads[i] = l;
        }
    }
    Ok(())
}

/// Whether the Korean model's only Hangul in a Latin line is one doubtful syllable glued to a Latin
/// letter (`LE터 RIN SE` for an embossed `LEE RIN SE`): the line is Latin print the Korean model
/// misread, and is read again like a line without Hangul. A confident syllable (`KT센터` has two),
/// or one standing alone, is Korean.
fn stray_syllable(r: &LineReading) -> bool {
    let syllables: Vec<usize> = (0..r.chars.len()).filter(|&k| has_hangul(&r.chars[k].ch)).collect();
    let [k] = syllables[..] else { return false };
    let letter = |j: Option<usize>| j.and_then(|j| r.chars.get(j)).is_some_and(is_latin_letter);
    let letters = r.chars.iter().filter(|c| is_latin_letter(c)).count();
    r.chars[k].confidence < STRAY_SYLLABLE_CONF
        && letters >= STRAY_MIN_LETTERS
        && (letter(k.checked_sub(1)) || letter(Some(k + 1)))
}

/// Whether a character of a reading is an ASCII letter.
fn is_latin_letter(c: &CharBox) -> bool {
    c.ch.chars().all(|ch| ch.is_ascii_alphabetic())
}

/// A syllable read under this confidence may be a stray (see [`stray_syllable`]). The embossed
/// `LEE` of a synthetic credit card came out `LE터` with `터` at 0.60. With 0.7, 2 lines of the 48
/// synthetic documents and 1 of the 21 Korean photos were read again; two readings were replaced
/// (that name, now right: Document OCR 95.8 % → 95.9 %, credit cards flat 91.7 % → 100 %; and a
/// passport's garbage line by other garbage), the Korean photos' and real Korean images' CER did
/// not change (10.73 %, 5.70 %).
const STRAY_SYLLABLE_CONF: f32 = 0.7;

/// A line needs this many Latin letters for a syllable in it to be a stray (`LE터 RIN SE` has 6; no
/// other value measured).
const STRAY_MIN_LETTERS: usize = 4;

/// Reads lines with the PP-OCR recogniser. With the cascade on (a tiny recogniser loaded), the tiny
/// model reads every line first and only the lines it is unsure of (see [`CASCADE_ACCEPT`]) are read
/// again by the set's recogniser, the more confident reading winning: the tiny model is 5x faster and
/// agrees with the larger one on most clean lines, but it misses symbols the larger one reads (the
/// MRZ's `<` came out as `Λ`/`∧`, at confidence 0.5).
fn read_latin(
    recognizers: &mut Recognizers,
    mut helper: Option<&mut Recognizers>,
    imgs: &[&RgbImage],
    alphabet: Alphabet,
    fast_pass: &mut PassTime,
    set_pass: &mut PassTime,
) -> Result<Vec<Read>, EngineError> {
    let reads_by = |v: Vec<LineReading>, reader| v.into_iter().map(move |r| Read::new(r, reader));
    if recognizers.fast.is_none() {
        let v = read_split(recognizers, helper, imgs, alphabet, set_recognizer, set_pass)?;
        set_pass.lines += imgs.len() as u32;
        return Ok(reads_by(v, Reader::Latin).collect());
    }
    let fast = read_split(recognizers, helper.as_deref_mut(), imgs, alphabet, fast_recognizer, fast_pass)?;
    fast_pass.lines += imgs.len() as u32;
    let mut out: Vec<Read> = reads_by(fast, Reader::LatinFast).collect();
    let again: Vec<usize> = (0..imgs.len())
        .filter(|&i| {
            let r = &out[i].reading;
            r.confidence < CASCADE_ACCEPT || r.chars.iter().any(|c| c.confidence < CASCADE_MIN_CHAR)
        })
        .collect();
    if !again.is_empty() {
        let sub: Vec<&RgbImage> = again.iter().map(|&i| imgs[i]).collect();
        let second = read_split(recognizers, helper, &sub, alphabet, set_recognizer, set_pass)?;
        set_pass.lines += sub.len() as u32;
        for (i, r) in again.into_iter().zip(reads_by(second, Reader::LatinReread)) {
            if r.reading.confidence >= out[i].reading.confidence {
                set_pass.changed += u32::from(r.reading.text != out[i].reading.text);
                out[i] = r;
            }
        }
    }
    Ok(out)
}

/// Which of a set of [`Recognizers`] a pass reads with (`None`: the set has no such recogniser).
type Pick = for<'a> fn(&'a mut Recognizers) -> Option<&'a mut (dyn LineRecognizer + 'static)>;

fn fast_recognizer(r: &mut Recognizers) -> Option<&mut (dyn LineRecognizer + 'static)> {
    r.fast.as_deref_mut()
}

fn set_recognizer(r: &mut Recognizers) -> Option<&mut (dyn LineRecognizer + 'static)> {
    Some(r.latin.as_mut())
}

fn korean_recognizer(r: &mut Recognizers) -> Option<&mut (dyn LineRecognizer + 'static)> {
    Some(r.korean.as_mut())
}

/// One recognition pass over `imgs` with the recogniser `pick` chooses, on two threads when `helper`
/// recognisers are at hand (the images cut into two runs of about equal width, [`half_by_width`], the
/// second read on a scoped thread); each line's reading is the one a single thread gives. `pass` gets
/// both threads' time (the caller counts the lines: a pass may read pieces of lines).
fn read_split(
    recognizers: &mut Recognizers,
    helper: Option<&mut Recognizers>,
    imgs: &[&RgbImage],
    alphabet: Alphabet,
    pick: Pick,
    pass: &mut PassTime,
) -> Result<Vec<LineReading>, EngineError> {
    let read = |r: &mut Recognizers, imgs: &[&RgbImage], pass: &mut PassTime| {
        let clock = Clock::start();
        let rec = pick(r).ok_or_else(|| EngineError::Runtime("a recogniser the pass needs is not loaded".into()))?;
        let v = rec.read(imgs, alphabet)?;
        clock.charge(pass, 0);
        Ok::<_, EngineError>(v)
    };
    let Some(helper) = helper.filter(|_| imgs.len() >= 2) else {
        return read(recognizers, imgs, pass);
    };
    if pick(helper).is_none() {
        return read(recognizers, imgs, pass);
    }
    let widths: Vec<u32> = imgs.iter().map(|i| i.width()).collect();
    let (first, second) = imgs.split_at(half_by_width(&widths));
    let mut helper_pass = PassTime::default();
    let (mine, theirs) = crate::lend::on_two_threads(
        "a recognition",
        || read(recognizers, first, pass),
        || read(helper, second, &mut helper_pass),
    )?;
    let theirs = theirs?;
    pass.add(&helper_pass);
    let mut v = mine?;
    v.extend(theirs);
    Ok(v)
}

/// Lines whose Korean reading is doubtful ([`DOUBTFUL_LINE`], [`DOUBTFUL_CHAR`]) are cut at wide blank
/// gaps and read piece by piece (see `jikji_recognize::pieces`); the piecewise reading replaces the
/// first one when it is more confident by [`PIECES_WIN_BY`].
fn reread_spaced_lines(
    recognizers: &mut Recognizers,
    helper: Option<&mut Recognizers>,
    crops: &[LineCrop],
    reads: &mut [Read],
    pass: &mut PassTime,
) -> Result<(), EngineError> {
    let clock = Clock::start();
    let mut jobs: Vec<(usize, Vec<(u32, u32)>)> = Vec::new();
    for (i, (c, r)) in crops.iter().zip(reads.iter()).enumerate() {
        let r = &r.reading;
        let doubtful =
            r.confidence < DOUBTFUL_LINE || r.chars.iter().any(|ch| ch.confidence < DOUBTFUL_CHAR);
        if !doubtful || !has_hangul(&r.text) {
            continue;
        }
        let ps = jikji_recognize::pieces(&c.image, PIECE_MIN_GAP);
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
        let margin = (img.height() as f32 * PIECE_MARGIN) as u32;
        for &(x0, x1) in ps {
            let a = x0.saturating_sub(margin);
            let b = (x1 + margin).min(img.width());
            subs.push((*i, a, cut_columns(img, a, b)));
        }
    }
    let sub_imgs: Vec<&RgbImage> = subs.iter().map(|(_, _, im)| im).collect();
    clock.charge(pass, jobs.len());
    let sub_readings = read_split(recognizers, helper, &sub_imgs, Alphabet::All, korean_recognizer, pass)?;
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
                chars.push(CharBox {
                    ch: " ".into(),
                    x0: *a as f32,
                    x1: *a as f32,
                    confidence: 1.0,
                });
            }
            chars.extend(shifted(&r.chars, *a));
        }
        let solid: Vec<&CharBox> = chars.iter().filter(|c| !c.ch.trim().is_empty()).collect();
        if solid.is_empty() {
            continue;
        }
        let confidence = solid.iter().map(|c| c.confidence).sum::<f32>() / solid.len() as f32;
        if confidence > reads[*i].reading.confidence + PIECES_WIN_BY {
            let text: String = chars.iter().map(|c| c.ch.as_str()).collect();
            pass.changed += u32::from(text != reads[*i].reading.text);
            reads[*i] = Read::new(
                LineReading {
                    text,
                    confidence,
                    chars,
                },
                Reader::KoreanPieces,
            );
        }
    }
    Ok(())
}

/// Columns `x0..x1` of a line crop, full height.
fn cut_columns(img: &RgbImage, x0: u32, x1: u32) -> RgbImage {
    image::imageops::crop_imm(img, x0, 0, x1 - x0, img.height()).to_image()
}

/// The spans `find` gives in each line's reading, `(line, first char, end char, x0, x1)`, and each
/// span's columns cut from its line's crop.
#[allow(clippy::type_complexity)]
fn cut_spans(
    crops: &[LineCrop],
    reads: &[Read],
    find: fn(&LineReading, u32, u32) -> Vec<(usize, usize, u32, u32)>,
) -> (Vec<(usize, usize, usize, u32, u32)>, Vec<RgbImage>) {
    let spans: Vec<(usize, usize, usize, u32, u32)> = reads
        .iter()
        .enumerate()
        .flat_map(|(i, r)| {
            let (w, h) = crops[i].image.dimensions();
            find(&r.reading, w, h)
                .into_iter()
                .map(move |(a, b, x0, x1)| (i, a, b, x0, x1))
        })
        .collect();
    let subs = spans
        .iter()
        .map(|&(i, _, _, x0, x1)| cut_columns(&crops[i].image, x0, x1))
        .collect();
    (spans, subs)
}

/// The mean confidence of `chars` (0 for none).
fn mean_confidence(chars: &[CharBox]) -> f32 {
    chars.iter().map(|c| c.confidence).sum::<f32>() / chars.len().max(1) as f32
}

/// Replaces chars `range` of `r` with `chars` (a span's reading, already moved to the crop's columns)
/// and recomputes the line's text and confidence; whether the text changed.
fn splice_reading(r: &mut LineReading, range: std::ops::Range<usize>, chars: Vec<CharBox>) -> bool {
    r.chars.splice(range, chars);
    let text: String = r.chars.iter().map(|c| c.ch.as_str()).collect();
    let changed = text != r.text;
    r.text = text;
    r.confidence = mean_confidence(&r.chars);
    changed
}

/// Character boxes of a reading of a cut, moved to the columns of the whole crop (the cut started at
/// column `x0`).
fn shifted(chars: &[CharBox], x0: u32) -> impl Iterator<Item = CharBox> + '_ {
    chars.iter().map(move |c| CharBox {
        x0: c.x0 + x0 as f32,
        x1: c.x1 + x0 as f32,
        ..c.clone()
    })
}

/// The Latin spans of a Hangul line's reading: `(first char, end char, x0, x1)`, chars `first..end`
/// (spaces around trimmed) to be cut from the crop (`crop_w x crop_h`) at columns `x0..x1`. A span is a
/// run of non-Hangul characters holding at least [`SPAN_MIN_LETTERS`] ASCII letters; no spans in a
/// line without Hangul.
pub(crate) fn latin_spans(
    r: &LineReading,
    crop_w: u32,
    crop_h: u32,
) -> Vec<(usize, usize, u32, u32)> {
    let wide = |c: &CharBox| has_wide(&c.ch);
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
            .filter(|c| is_latin_letter(c))
            .count();
        if letters < SPAN_MIN_LETTERS {
            continue;
        }
        // The cut sits a margin outside the span's own first and last characters, but never over the
        // Hangul neighbours (a sliver of `성` before `/Surname` was read as `g`).
        let margin = SPAN_MARGIN * crop_h as f32;
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
        if x1 > x0 + SPAN_MIN_WIDTH {
            spans.push((a, b, x0, x1));
        }
    }
    spans
}

/// PP-OCR's reading of a cut-out span, trimmed: no spaces at either end, and when the span's Korean
/// reading starts with punctuation (`/Surname`), nothing before that punctuation: characters read
/// before it come from a sliver of the Hangul cut along (`3/Surname`; 719f7f8: synthetic flat line
/// CER 2.51 % → 2.49 %, photo 5.68 % → 5.54 %).
fn trim_span_reading(korean_first: &str, mut v: Vec<CharBox>) -> Vec<CharBox> {
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
    recognizers: &mut Recognizers,
    helper: Option<&mut Recognizers>,
    crops: &[LineCrop],
    reads: &mut [Read],
    alphabet: Alphabet,
    pass: &mut PassTime,
) -> Result<(), EngineError> {
    let clock = Clock::start();
    let (spans, subs) = cut_spans(crops, reads, latin_spans);
    clock.charge(pass, spans.len());
    if spans.is_empty() {
        return Ok(());
    }
    let sub_refs: Vec<&RgbImage> = subs.iter().collect();
    // Both recognisers' time counts as this pass.
    let (mut fast, mut set) = (PassTime::default(), PassTime::default());
    let latin = read_latin(recognizers, helper, &sub_refs, alphabet, &mut fast, &mut set)?;
    for t in [&fast, &set] {
        pass.ms += t.ms;
        pass.model_ms += t.model_ms;
    }
    // Replace from the last span backwards, so earlier char indices stay valid.
    for (&(i, a, b, x0, _), l) in spans.iter().zip(latin).rev() {
        let read = &mut reads[i];
        let r = &mut read.reading;
        let korean = LineReading {
            text: r.chars[a..b].iter().map(|c| c.ch.as_str()).collect(),
            confidence: mean_confidence(&r.chars[a..b]),
            chars: Vec::new(),
        };
        let trimmed = trim_span_reading(&r.chars[a].ch, l.reading.chars.clone());
        if trimmed.is_empty() || choose_reading(&korean, &l.reading, false) != Choice::Second {
            continue;
        }
        pass.changed += u32::from(splice_reading(r, a..b, shifted(&trimmed, x0).collect()));
        read.pass.reader = Reader::LatinSpans;
    }
    Ok(())
}

/// The bracketed spans of a Hangul line's reading that may hold hanja: `(open, close, x0, x1)`, the
/// chars `open` (`(`) and `close` (`)`) and between them at most [`HANJA_MAX_CHARS`] characters read
/// doubtfully ([`HANJA_DOUBT`]) and without ASCII letters or digits, to be cut from the crop
/// (`crop_w x crop_h`) at columns `x0..x1`, the brackets included.
pub(crate) fn hanja_spans(r: &LineReading, crop_w: u32, crop_h: u32) -> Vec<(usize, usize, u32, u32)> {
    let mut spans = Vec::new();
    if !has_hangul(&r.text) {
        return spans;
    }
    let c = &r.chars;
    let mut k = 0;
    while k < c.len() {
        if c[k].ch != "(" {
            k += 1;
            continue;
        }
        let open = k;
        let Some(close) = (open + 1..c.len().min(open + HANJA_MAX_CHARS + 2)).find(|&j| c[j].ch == ")") else {
            k += 1;
            continue;
        };
        k = close + 1;
        let inside = &c[open + 1..close];
        if inside.is_empty() || inside.iter().any(|x| x.ch.chars().any(|ch| ch.is_ascii_alphanumeric())) {
            continue;
        }
        if mean_confidence(inside) >= HANJA_DOUBT {
            continue;
        }
        let margin = SPAN_MARGIN * crop_h as f32;
        let lo = if open == 0 { 0.0 } else { c[open - 1].x1 };
        let hi = if close + 1 == c.len() { crop_w as f32 } else { c[close + 1].x0 };
        let x0 = (c[open].x0 - margin).max(lo).max(0.0) as u32;
        let x1 = ((c[close].x1 + margin).min(hi).ceil().max(0.0) as u32).min(crop_w);
        if x1 > x0 + SPAN_MIN_WIDTH {
            spans.push((open, close, x0, x1));
        }
    }
    spans
}

/// Bracketed spans of Hangul lines that may hold hanja ([`hanja_spans`]) are cut out and read by the
/// PP-OCR recogniser, whose charset has the CJK ideographs the Korean model lacks; its reading
/// replaces what is inside the brackets when it is hanja alone and more confident ([`HANJA_ACCEPT`]).
/// Measured with fe470d9: the synthetic resident card's `윤아우(#폈독)` → `윤아우(尹雅宇)` flat and photo
/// (all 48 synthetic documents 95.2 → 95.6 % of fields exact); korean_photos page CER unchanged
/// (11.04 %: four spans read again, PP-OCR's `(注)` at 0.73 and `(入)` at 0.59 refused).
fn reread_hanja_spans(
    recognizers: &mut Recognizers,
    helper: Option<&mut Recognizers>,
    crops: &[LineCrop],
    reads: &mut [Read],
    pass: &mut PassTime,
) -> Result<(), EngineError> {
    let clock = Clock::start();
    let (spans, subs) = cut_spans(crops, reads, hanja_spans);
    clock.charge(pass, spans.len());
    if spans.is_empty() {
        return Ok(());
    }
    let sub_refs: Vec<&RgbImage> = subs.iter().collect();
    let readings = read_split(recognizers, helper, &sub_refs, Alphabet::All, set_recognizer, pass)?;
    // Replace from the last span backwards, so earlier char indices stay valid.
    for (&(i, open, close, x0, _), l) in spans.iter().zip(readings).rev() {
        let Some(hanja) = bracketed_hanja(&l.chars) else { continue };
        let read = &mut reads[i];
        let r = &mut read.reading;
        let inside = &r.chars[open + 1..close];
        let (korean, mean) = (mean_confidence(inside), mean_confidence(hanja));
        if mean < HANJA_ACCEPT || mean <= korean {
            continue;
        }
        // Hanja replace characters that were not: the text always changes.
        splice_reading(r, open + 1..close, shifted(hanja, x0).collect());
        pass.changed += 1;
        read.pass.reader = Reader::HanjaSpans;
    }
    Ok(())
}

/// The hanja of a reading that is `(`, one or more hanja, `)`, spaces aside (full-width brackets too).
fn bracketed_hanja(v: &[CharBox]) -> Option<&[CharBox]> {
    let first = v.iter().position(|c| !c.ch.trim().is_empty())?;
    let last = v.iter().rposition(|c| !c.ch.trim().is_empty())?;
    if last <= first + 1
        || !matches!(v[first].ch.as_str(), "(" | "（")
        || !matches!(v[last].ch.as_str(), ")" | "）")
    {
        return None;
    }
    let inside = &v[first + 1..last];
    inside
        .iter()
        .all(|c| c.ch.chars().count() == 1 && c.ch.chars().all(is_hanja))
        .then_some(inside)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn lines_are_cut_into_two_runs_of_about_equal_width() {
        assert_eq!(half_by_width(&[10, 10, 10, 10]), 2);
        assert_eq!(half_by_width(&[2, 5, 3, 4]), 2, "7 | 7");
        assert_eq!(half_by_width(&[100, 10, 10]), 1, "one wide line alone");
        assert_eq!(half_by_width(&[10, 10, 100]), 2);
        assert_eq!(half_by_width(&[5, 5]), 1);
        assert_eq!(half_by_width(&[1, 1, 1, 1, 1]), 3, "3 | 2");
        assert_eq!(half_by_width(&[1, 1]), 1, "never an empty run");
    }

    /// Reads a crop as `{tag}{width}`, doubtful (0.5) when the width is odd and `doubt_odd`; counts
    /// the crops it read.
    struct WidthReader {
        tag: &'static str,
        doubt_odd: bool,
        count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl LineRecognizer for WidthReader {
        fn read(&mut self, crops: &[&RgbImage], _: Alphabet) -> Result<Vec<LineReading>, EngineError> {
            self.count.fetch_add(crops.len(), std::sync::atomic::Ordering::Relaxed);
            Ok(crops
                .iter()
                .map(|c| LineReading {
                    text: format!("{}{}", self.tag, c.width()),
                    confidence: if self.doubt_odd && c.width() % 2 == 1 { 0.5 } else { 0.99 },
                    chars: Vec::new(),
                })
                .collect())
        }
    }

    /// A cascade whose fast reader doubts odd widths; the counts of the fast and the set's reader.
    fn cascade() -> (Recognizers, [std::sync::Arc<std::sync::atomic::AtomicUsize>; 2]) {
        let counts: [std::sync::Arc<std::sync::atomic::AtomicUsize>; 2] = Default::default();
        let reader = |tag, doubt_odd, i: usize| {
            Box::new(WidthReader { tag, doubt_odd, count: counts[i].clone() }) as Box<dyn LineRecognizer>
        };
        let r = Recognizers {
            korean: reader("k", false, 1),
            latin: reader("set", false, 1),
            fast: Some(reader("fast", true, 0)),
        };
        (r, counts)
    }

    #[test]
    fn each_pass_of_the_cascade_is_split_between_both_threads() {
        // The doubted lines all lie in the first half of the page: the set's recogniser still reads
        // some of them on the helper, and every line's reading is the one a single thread gives.
        let widths = [11, 13, 15, 10, 12, 14, 16, 18];
        let imgs: Vec<RgbImage> = widths.iter().map(|&w| RgbImage::new(w, 8)).collect();
        let refs: Vec<&RgbImage> = imgs.iter().collect();
        let text = |v: Vec<Read>| v.into_iter().map(|r| r.reading.text).collect::<Vec<_>>();
        let (mut alone, _) = cascade();
        let (mut fast, mut set) = (PassTime::default(), PassTime::default());
        let expected = text(read_latin(&mut alone, None, &refs, Alphabet::Latin, &mut fast, &mut set).unwrap());
        assert_eq!(expected[..4], ["set11", "set13", "set15", "fast10"]);
        assert_eq!((fast.lines, set.lines), (8, 3));

        let (mut mine, _) = cascade();
        let (mut helper, helper_counts) = cascade();
        let (mut fast, mut set) = (PassTime::default(), PassTime::default());
        let got = read_latin(&mut mine, Some(&mut helper), &refs, Alphabet::Latin, &mut fast, &mut set).unwrap();
        assert_eq!(text(got), expected);
        assert_eq!((fast.lines, set.lines), (8, 3));
        let on_helper = |i: usize| helper_counts[i].load(std::sync::atomic::Ordering::Relaxed);
        assert!(on_helper(0) > 0 && on_helper(0) < 8, "fast pass split: {}", on_helper(0));
        assert!(on_helper(1) > 0 && on_helper(1) < 3, "re-reading split: {}", on_helper(1));
    }

    #[test]
    fn a_doubtful_syllable_glued_to_latin_letters_is_a_stray() {
        let line = |chars: &[(&str, f32)]| {
            let mut r = reading(&chars.iter().enumerate().map(|(i, c)| (c.0, i as f32 * 5.0)).collect::<Vec<_>>());
            for (c, &(_, conf)) in r.chars.iter_mut().zip(chars) {
                c.confidence = conf;
            }
            r
        };
        let embossed = [("L", 0.97), ("E", 0.73), ("터", 0.6), (" ", 0.99), ("R", 0.9), ("I", 0.9), ("N", 0.9)];
        assert!(stray_syllable(&line(&embossed)));
        // Confident, or two syllables (`KT센터`), or alone between spaces: Korean.
        let mut sure = embossed;
        sure[2].1 = 0.95;
        assert!(!stray_syllable(&line(&sure)));
        assert!(!stray_syllable(&line(&[("K", 0.9), ("T", 0.9), ("센", 0.5), ("터", 0.5), ("A", 0.9), ("B", 0.9)])));
        assert!(!stray_syllable(&line(&[("A", 0.9), ("B", 0.9), (" ", 0.9), ("동", 0.5), (" ", 0.9), ("C", 0.9), ("D", 0.9)])));
        // Too few letters to call the line Latin.
        assert!(!stray_syllable(&line(&[("A", 0.9), ("동", 0.5), ("1", 0.9), ("2", 0.9)])));
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

    /// `reading` with every character at `conf`.
    fn reading_at(text: &str, conf: f32) -> LineReading {
        let chars: Vec<CharBox> = text
            .chars()
            .enumerate()
            .map(|(i, c)| CharBox {
                ch: c.to_string(),
                x0: 20.0 * i as f32,
                x1: 20.0 * i as f32 + 16.0,
                confidence: conf,
            })
            .collect();
        LineReading {
            text: text.into(),
            confidence: conf,
            chars,
        }
    }

    #[test]
    fn doubtful_brackets_of_a_hangul_line_may_hold_hanja() {
        // The Korean model's reading of `윤아우(尹雅宇)`: the brackets' inside read doubtfully.
        let mut r = reading_at("윤아우(#폈독)", 0.99);
        for c in &mut r.chars[4..7] {
            c.confidence = 0.6;
        }
        let spans = hanja_spans(&r, 200, 20);
        assert_eq!(spans.len(), 1);
        let (open, close, x0, x1) = spans[0];
        assert_eq!((open, close), (3, 7));
        // Cut a margin (5 px) outside the brackets, never over `우` (ends at 56): `(` starts at 60,
        // `)` ends at 156.
        assert_eq!((x0, x1), (56, 161));
        // Read confidently (`(청담동)`), with letters or digits (`(V)`, `(2)`), too long, or in a line
        // without Hangul: no span.
        assert!(hanja_spans(&reading_at("3층 (청담동)", 0.99), 400, 20).is_empty());
        assert!(hanja_spans(&reading_at("부(V)", 0.6), 400, 20).is_empty());
        assert!(hanja_spans(&reading_at("거래일(2)", 0.6), 400, 20).is_empty());
        assert!(hanja_spans(&reading_at("이름(가나다라마바사아자차카)", 0.6), 400, 20).is_empty());
        assert!(hanja_spans(&reading_at("AB(##)", 0.6), 400, 20).is_empty());
    }

    #[test]
    fn only_hanja_in_brackets_replaces_the_inside() {
        let inside = |t: &str| bracketed_hanja(&reading_at(t, 0.9).chars).map(|v| v.iter().map(|c| c.ch.clone()).collect::<String>());
        assert_eq!(inside("(尹雅宇)").as_deref(), Some("尹雅宇"));
        assert_eq!(inside(" （金） ").as_deref(), Some("金"), "full-width brackets, spaces around");
        assert_eq!(inside("()"), None);
        assert_eq!(inside("(O)"), None);
        assert_eq!(inside("尹雅宇"), None, "no brackets read: no anchor");
        assert_eq!(inside("(尹a宇)"), None);
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
