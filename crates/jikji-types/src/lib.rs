//! The OCR result types every later stage reads: a page's words (text, polygon, confidence, line break)
//! and lines, and the recognition languages.
//!
//! They live in a crate of their own, apart from the engine, so that the wire contract (`jikji-clova`),
//! document understanding and evaluation can use them without linking ONNX Runtime.

use jikji_geometry::{Point, Quad};
use serde::{Deserialize, Serialize};

/// A recognition language, as named on the wire (`lang` in CLOVA requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    /// Korean + English + digits + symbols (the default).
    Ko,
    En,
    Ja,
    ZhTw,
}

impl Lang {
    /// Parses one language code (`ko`, `en`, `ja`, `zh-TW`; case-insensitive, `_` accepted for `-`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "ko" | "kor" | "korean" => Some(Lang::Ko),
            "en" | "eng" | "english" => Some(Lang::En),
            "ja" | "jp" | "jpn" | "japanese" => Some(Lang::Ja),
            "zh-tw" | "zh" | "zh-hant" | "chinese" => Some(Lang::ZhTw),
            _ => None,
        }
    }

    /// Parses a comma-separated list such as `"ko,ja, zh-TW"`. Unknown codes are an error.
    pub fn parse_list(s: &str) -> Result<Vec<Lang>, String> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match Lang::parse(part) {
                Some(l) if !out.contains(&l) => out.push(l),
                Some(_) => {}
                None => {
                    return Err(format!(
                        "unknown language `{part}` (expected ko, en, ja or zh-TW)"
                    ))
                }
            }
        }
        if out.is_empty() {
            out.push(Lang::Ko);
        }
        Ok(out)
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
            Lang::Ja => "ja",
            Lang::ZhTw => "zh-TW",
        }
    }
}

/// One recognised word: text, polygon in page pixels (TL, TR, BR, BL), confidence 0..1 and whether it
/// ends a text line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    pub text: String,
    pub quad: Quad,
    pub confidence: f32,
    pub line_break: bool,
}

/// One text line (a run of words); `words` indexes into [`PageResult::words`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    pub text: String,
    pub quad: Quad,
    pub confidence: f32,
    pub words: std::ops::Range<usize>,
    /// The engine pass that read the line (`None` for lines the engine did not read). Diagnostic
    /// only: no CLOVA response carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass: Option<Pass>,
    /// The direction the line's text runs in on the image, in degrees clockwise on screen from left to
    /// right (90: top to bottom, 180: upside down, 270: bottom to top), as the engine read it; `None`
    /// when not known. `quad` is in CLOVA's screen order and cannot tell a page turned by 180° from an
    /// upright one; Document OCR turns such pages upright by this. Diagnostic only, like `pass`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<f32>,
}

/// The engine's recogniser pass whose reading a line's text comes from (see `jikji-engine`'s reading
/// policy, `policy.rs`). Where several passes changed a line, the last one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reader {
    /// `korean-rec-v1` read the whole line.
    Korean,
    /// `korean-rec-v1`'s reading was doubtful; reading the line piece by piece, cut at wide blank gaps,
    /// was more confident.
    KoreanPieces,
    /// The model set's PP-OCR recogniser read the line (no cascade).
    Latin,
    /// The cascade's tiny PP-OCR recogniser read the line and was sure enough to keep its reading.
    LatinFast,
    /// The tiny recogniser was unsure; the set's PP-OCR recogniser read the line again and won.
    LatinReread,
    /// A Hangul line whose Latin part(s) PP-OCR read again, cut out alone.
    LatinSpans,
    /// A Hangul line whose bracketed hanja (`윤아우(尹雅宇)`) PP-OCR read again, cut out alone.
    HanjaSpans,
}

impl Reader {
    /// The name shown in `jikji ocr --format tsv`.
    pub fn name(self) -> &'static str {
        match self {
            Reader::Korean => "korean",
            Reader::KoreanPieces => "korean-pieces",
            Reader::Latin => "latin",
            Reader::LatinFast => "latin-fast",
            Reader::LatinReread => "latin-reread",
            Reader::LatinSpans => "latin-spans",
            Reader::HanjaSpans => "hanja-spans",
        }
    }
}

/// How the engine produced a line: the winning [`Reader`], and whether the angle classifier was
/// overruled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Pass {
    pub reader: Reader,
    /// The angle classifier called the line upside down, but reading it the way it stood on the page was
    /// more confident, and that reading was kept.
    pub flip_overruled: bool,
}

/// `korean`, `latin-fast`, …; `+unflipped` when the angle classifier was overruled.
impl std::fmt::Display for Pass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reader.name())?;
        if self.flip_overruled {
            f.write_str("+unflipped")?;
        }
        Ok(())
    }
}

/// The OCR result of one page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageResult {
    /// 0-based page index (PDF/TIFF pages; 0 for single images).
    pub page_index: usize,
    /// Size of the page image the coordinates refer to.
    pub width: u32,
    pub height: u32,
    /// Words in reading order.
    pub words: Vec<Word>,
    pub lines: Vec<Line>,
    /// The outline of the document in the picture (a card photographed on a table), found from the
    /// pixels (`jikji_image::find_card_quad`) when the caller asked for it (the pipeline's
    /// `Options::find_outline`); `None` when not looked for, or when the document fills the picture.
    /// Diagnostic like [`Line::pass`]: never on the wire as such (ID cards report it as `rois`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<Quad>,
}

impl PageResult {
    /// Maps the coordinates to a page of `width x height` (the result was computed on a resized copy of
    /// that page, see the engine's `MAX_WORK_PIXELS`).
    pub fn rescale(&mut self, width: u32, height: u32) {
        if (width, height) == (self.width, self.height) {
            return;
        }
        let sx = width as f32 / self.width.max(1) as f32;
        let sy = height as f32 / self.height.max(1) as f32;
        for w in &mut self.words {
            w.quad = w.quad.scale(sx, sy);
        }
        for l in &mut self.lines {
            l.quad = l.quad.scale(sx, sy);
        }
        self.outline = self.outline.map(|q| q.scale(sx, sy));
        self.width = width;
        self.height = height;
    }

    /// Maps a result computed on the page turned upright back onto the page as it was given: the page
    /// (`width x height`) read at `turns` quarter turns clockwise on screen (see [`Line::direction`])
    /// was turned counter-clockwise by as many before reading. Quads come back in CLOVA's screen order
    /// and line directions turned with the page.
    pub fn unturn(&mut self, turns: u8, width: u32, height: u32) {
        self.map_turned(|p| unturn_point(p, turns, width, height), 90.0 * (turns % 4) as f32);
        self.width = width;
        self.height = height;
    }

    /// The result on the page turned upright, as `image::imageops` turns it (rotate270 for one quarter
    /// turn, rotate180, rotate90): the inverse of [`PageResult::unturn`], for stages that work on the
    /// upright page (tables) after reading it as given.
    pub fn turn(&mut self, turns: u8) {
        let (width, height) = (self.width, self.height);
        self.map_turned(|p| turn_point(p, turns, width, height), -90.0 * (turns % 4) as f32);
        if turns % 2 == 1 {
            (self.width, self.height) = (height, width);
        }
    }

    /// Every box's points mapped by `f` (quads back in screen order) and every line's direction turned
    /// by `degrees`.
    fn map_turned(&mut self, f: impl Fn(Point) -> Point, degrees: f32) {
        let map = |q: &Quad| Quad::from_unordered(q.pts.map(&f));
        for wd in &mut self.words {
            wd.quad = map(&wd.quad);
        }
        for l in &mut self.lines {
            l.quad = map(&l.quad);
            l.direction = l.direction.map(|d| (d + degrees).rem_euclid(360.0));
        }
        self.outline = self.outline.as_ref().map(map);
    }

    /// The direction the text runs in on the image, as a vector: the sum over lines of their direction
    /// as the engine read them ([`Line::direction`]), each weighted by its length; for a result without
    /// directions (hand-built, or saved by an older engine), the sum over lines of two or more words of
    /// the vector from the first word's centre to the last one's. `None` when neither tells.
    pub fn reading_direction(&self) -> Option<Point> {
        let (mut sx, mut sy) = (0.0f32, 0.0f32);
        for l in &self.lines {
            if let Some(deg) = l.direction {
                let len = l.quad.width().max(l.quad.height());
                let (s, c) = deg.to_radians().sin_cos();
                sx += c * len;
                sy += s * len;
            }
        }
        if sx != 0.0 || sy != 0.0 {
            return Some(Point::new(sx, sy));
        }
        for range in self.line_ranges() {
            if range.len() < 2 {
                continue;
            }
            let a = self.words[range.start].quad.center();
            let b = self.words[range.end - 1].quad.center();
            sx += b.x - a.x;
            sy += b.y - a.y;
        }
        (sx != 0.0 || sy != 0.0).then(|| Point::new(sx, sy))
    }

    /// The page's turn in quarter turns clockwise on screen ([`quarter_turns`] of
    /// [`PageResult::reading_direction`]); 0 when nothing tells.
    pub fn reading_turns(&self) -> u8 {
        self.reading_direction().map(quarter_turns).unwrap_or(0)
    }

    /// The word ranges of the lines (rebuilt from the line-break flags when the result has no lines).
    pub fn line_ranges(&self) -> Vec<std::ops::Range<usize>> {
        let n = self.words.len();
        if !self.lines.is_empty() {
            return self
                .lines
                .iter()
                .map(|l| l.words.start.min(n)..l.words.end.min(n))
                .collect();
        }
        let mut out = Vec::new();
        let mut start = 0;
        for (i, w) in self.words.iter().enumerate() {
            if w.line_break || i + 1 == n {
                out.push(start..i + 1);
                start = i + 1;
            }
        }
        out
    }

    /// Plain text: words joined by spaces, lines by newlines.
    pub fn text(&self) -> String {
        let mut s = String::new();
        for w in &self.words {
            s.push_str(&w.text);
            s.push(if w.line_break { '\n' } else { ' ' });
        }
        s.trim_end().to_string()
    }
}

/// A text direction's turn in quarter turns clockwise on screen (0: left to right; 1: top to bottom; 2:
/// right to left; 3: bottom to top), the nearest to `dir`.
pub fn quarter_turns(dir: Point) -> u8 {
    let a = dir.y.atan2(dir.x).to_degrees();
    ((a / 90.0).round() as i32).rem_euclid(4) as u8
}

/// A point of a `width x height` page on the page turned upright by `turns` quarter turns
/// counter-clockwise (as [`PageResult::turn`]). One quarter turn: `x' = y, y' = w - x`.
pub fn turn_point(p: Point, turns: u8, width: u32, height: u32) -> Point {
    let (w, h) = (width as f32, height as f32);
    match turns % 4 {
        1 => Point::new(p.y, w - p.x),
        2 => Point::new(w - p.x, h - p.y),
        3 => Point::new(h - p.y, p.x),
        _ => p,
    }
}

/// A point of the upright page back on the `width x height` page as it was given (the inverse of
/// [`turn_point`], as [`PageResult::unturn`]).
pub fn unturn_point(p: Point, turns: u8, width: u32, height: u32) -> Point {
    let (w, h) = (width as f32, height as f32);
    match turns % 4 {
        1 => Point::new(w - p.y, p.x),
        2 => Point::new(w - p.x, h - p.y),
        3 => Point::new(p.y, h - p.x),
        _ => p,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::{Point, Quad};

    /// A `width x height` page of one word `a` on `q`, its own line read at `direction`.
    fn one_word((width, height): (u32, u32), q: Quad, direction: Option<f32>) -> PageResult {
        PageResult {
            page_index: 0,
            width,
            height,
            words: vec![Word {
                text: "a".into(),
                quad: q,
                confidence: 0.9,
                line_break: true,
            }],
            lines: vec![Line {
                text: "a".into(),
                quad: q,
                confidence: 0.9,
                words: 0..1,
                pass: None,
                direction,
            }],
            outline: None,
        }
    }

    #[test]
    fn rescale_maps_coordinates_to_the_page() {
        let q = Quad::new([
            Point::new(10.0, 10.0),
            Point::new(30.0, 10.0),
            Point::new(30.0, 20.0),
            Point::new(10.0, 20.0),
        ]);
        let mut r = one_word((100, 50), q, None);
        r.outline = Some(q);
        r.rescale(300, 100);
        assert_eq!((r.width, r.height), (300, 100));
        assert_eq!(r.words[0].quad.pts[2], Point::new(90.0, 40.0));
        assert_eq!(r.outline, Some(r.words[0].quad), "the outline is scaled with the words");
        assert_eq!(r.lines[0].quad.pts[0], Point::new(30.0, 20.0));
        let before = r.clone();
        r.rescale(300, 100);
        assert_eq!(r.words[0].quad, before.words[0].quad);
    }

    #[test]
    fn unturn_maps_a_turned_reading_back_onto_the_page() {
        // A word on a 100 x 50 page, and where `image::imageops` puts it when the page is turned
        // upright: rotate270 (one quarter turn back), rotate180, rotate90.
        let (w, h) = (100.0f32, 50.0f32);
        let word = Quad::new([
            Point::new(10.0, 5.0),
            Point::new(40.0, 5.0),
            Point::new(40.0, 15.0),
            Point::new(10.0, 15.0),
        ]);
        let forward = |k: u8, p: Point| match k {
            1 => Point::new(p.y, w - p.x),
            2 => Point::new(w - p.x, h - p.y),
            _ => Point::new(h - p.y, p.x),
        };
        for k in 1..4u8 {
            let q = Quad::from_unordered(word.pts.map(|p| forward(k, p)));
            let (tw, th) = if k == 2 { (100, 50) } else { (50, 100) };
            let mut r = one_word((tw, th), q, Some(0.0));
            r.outline = Some(q);
            r.unturn(k, 100, 50);
            assert_eq!((r.width, r.height), (100, 50));
            assert_eq!(r.words[0].quad, word, "{k}");
            assert_eq!(r.outline, Some(word), "{k}");
            assert_eq!(r.lines[0].direction, Some(90.0 * k as f32));
        }
    }

    #[test]
    fn turn_is_undone_by_unturn() {
        let word = Quad::new([
            Point::new(10.0, 5.0),
            Point::new(40.0, 5.0),
            Point::new(40.0, 15.0),
            Point::new(10.0, 15.0),
        ]);
        for k in 0..4u8 {
            let mut r = one_word((100, 50), word, Some(90.0 * k as f32));
            r.turn(k);
            let (tw, th) = if k % 2 == 1 { (50, 100) } else { (100, 50) };
            assert_eq!((r.width, r.height), (tw, th), "{k}");
            assert_eq!(r.lines[0].direction, Some(0.0), "upright after turning: {k}");
            assert!(r.words[0].quad.pts.iter().all(|p| p.x >= 0.0 && p.x <= tw as f32 && p.y >= 0.0 && p.y <= th as f32));
            r.unturn(k, 100, 50);
            assert_eq!(r.words[0].quad, word, "{k}");
            assert_eq!(r.lines[0].direction, Some(90.0 * k as f32));
        }
    }

    #[test]
    fn a_line_without_a_pass_serialises_as_before() {
        let q = Quad::new([Point::new(0.0, 0.0); 4]);
        let mut line = Line {
            text: "a".into(),
            quad: q,
            confidence: 0.9,
            words: 0..1,
            pass: None,
            direction: None,
        };
        let json = serde_json::to_value(&line).unwrap();
        assert!(json.get("pass").is_none());
        let page = one_word((10, 10), q, None);
        let page_json = serde_json::to_value(&page).unwrap();
        assert!(page_json.get("outline").is_none(), "no outline looked for: not serialised");
        let back: PageResult = serde_json::from_value(page_json).unwrap();
        assert_eq!(back.outline, None);
        let back: Line = serde_json::from_value(json).unwrap();
        assert_eq!(back.pass, None);
        line.pass = Some(Pass {
            reader: Reader::LatinReread,
            flip_overruled: false,
        });
        let json = serde_json::to_value(&line).unwrap();
        assert_eq!(json["pass"]["reader"], "latin-reread");
        let back: Line = serde_json::from_value(json).unwrap();
        assert_eq!(back.pass, line.pass);
    }

    #[test]
    fn pass_names() {
        let p = |reader, flip_overruled| {
            Pass {
                reader,
                flip_overruled,
            }
            .to_string()
        };
        assert_eq!(p(Reader::Korean, false), "korean");
        assert_eq!(p(Reader::KoreanPieces, true), "korean-pieces+unflipped");
        for r in [
            Reader::Korean,
            Reader::KoreanPieces,
            Reader::Latin,
            Reader::LatinFast,
            Reader::LatinReread,
            Reader::LatinSpans,
            Reader::HanjaSpans,
        ] {
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                r.name(),
                "serde and tsv agree"
            );
        }
    }
}

/// Why work stopped early: see [`Cancel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// [`Cancel::cancel`] was called (the client went away, the request was dropped).
    Cancelled,
    /// The deadline passed (the request timeout).
    DeadlineExceeded,
}

/// A cancellation token shared between whoever asked for work (a request handler, a CLI loop) and
/// whoever does it (the page decoder, the engine's workers). Work checks it between stages and between
/// pages and stops there, so a request that timed out or whose client went away frees its worker within
/// one stage instead of running to the end.
///
/// Cheap to clone (one `Arc`); cloned tokens share one state.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
    deadline: Option<std::time::Instant>,
}

impl Cancel {
    /// A token that stops work only when [`Cancel::cancel`] is called.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// A token that also stops work once `deadline` has passed.
    pub fn with_deadline(deadline: std::time::Instant) -> Cancel {
        Cancel {
            deadline: Some(deadline),
            ..Cancel::default()
        }
    }

    /// Asks the work to stop at its next check.
    pub fn cancel(&self) {
        self.flag.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// `Err` once the work should stop: [`Stopped::Cancelled`] wins over [`Stopped::DeadlineExceeded`].
    pub fn check(&self) -> Result<(), Stopped> {
        if self.flag.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Stopped::Cancelled);
        }
        match self.deadline {
            Some(d) if std::time::Instant::now() >= d => Err(Stopped::DeadlineExceeded),
            _ => Ok(()),
        }
    }

    /// The deadline, if any.
    pub fn deadline(&self) -> Option<std::time::Instant> {
        self.deadline
    }

    /// A guard that cancels this token when dropped: hold it in an async request handler, and the work
    /// on the blocking threads stops when the handler's future is dropped (timeout, client gone).
    pub fn drop_guard(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

/// Cancels its token when dropped (see [`Cancel::drop_guard`]).
#[derive(Debug)]
pub struct CancelOnDrop(Cancel);

impl CancelOnDrop {
    /// Drops the guard without cancelling (the work finished normally).
    pub fn disarm(self) {
        std::mem::forget(self);
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod cancel_tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn cancel_is_shared_by_clones_and_the_guard() {
        let c = Cancel::new();
        let worker = c.clone();
        assert_eq!(worker.check(), Ok(()));
        {
            let _g = c.drop_guard();
        }
        assert_eq!(worker.check(), Err(Stopped::Cancelled));
        let d = Cancel::new();
        d.drop_guard().disarm();
        assert_eq!(d.check(), Ok(()));
    }

    #[test]
    fn deadline_stops_work() {
        let c = Cancel::with_deadline(Instant::now() - Duration::from_millis(1));
        assert_eq!(c.check(), Err(Stopped::DeadlineExceeded));
        let later = Cancel::with_deadline(Instant::now() + Duration::from_secs(60));
        assert_eq!(later.check(), Ok(()));
        later.cancel();
        assert_eq!(later.check(), Err(Stopped::Cancelled));
    }
}
