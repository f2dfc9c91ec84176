//! Stub models built in code, for unit tests of the page pipeline, the reading policy and the pool.
//!
//! A test paints a page with coloured boxes ([`Page`]). The stub detector answers with those boxes; the
//! stub classifier and recognisers answer by the crop's *ink key*: the palette colours met along the
//! crop's middle row, left to right, each run counted once. A box painted `[RED, BLUE]` is read by the
//! table entry for `[RED, BLUE]`; turned upside down it reads as `[BLUE, RED]`; its right part cut out
//! alone reads as `[BLUE]`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use image::{Rgb, RgbImage};
use jikji_detect::Detection;
use jikji_geometry::Rect;
use jikji_recognize::{Alphabet, CharBox, LineReading};
use jikji_types::Cancel;

use crate::model::{LineRecognizer, Models, OrientationClassifier, Recognizers, TextDetector};
use crate::EngineError;

pub type Colour = [u8; 3];
pub const RED: Colour = [200, 30, 30];
pub const GREEN: Colour = [30, 160, 30];
pub const BLUE: Colour = [30, 30, 200];
pub const BLACK: Colour = [10, 10, 10];
pub const GREY: Colour = [90, 90, 90];
pub const BROWN: Colour = [120, 70, 20];
pub const PURPLE: Colour = [120, 20, 120];
const PALETTE: [Colour; 7] = [RED, GREEN, BLUE, BLACK, GREY, BROWN, PURPLE];

/// Character pitch (in crop heights) of the stub readings: solid text, below layout's letter-spacing
/// split.
const SOLID_PITCH: f32 = 0.9;

/// Height of every painted line (pixels); one character is set one line height wide.
pub const LINE_H: u32 = 40;

/// A white page with painted line boxes.
pub struct Page {
    pub image: RgbImage,
    pub boxes: Vec<Rect>,
}

impl Page {
    pub fn new() -> Page {
        Page {
            image: RgbImage::from_pixel(800, 600, Rgb([255, 255, 255])),
            boxes: Vec::new(),
        }
    }

    /// Adds a line box on row `row` (rows are 80 px apart), `chars` characters wide, painted with
    /// `(colour, characters)` runs from the left (`None`: left white).
    pub fn line(mut self, row: u32, chars: u32, runs: &[(Option<Colour>, u32)]) -> Page {
        let (x0, y0) = (20, 20 + row * 2 * LINE_H);
        let mut x = x0;
        for &(colour, n) in runs {
            let w = n * LINE_H;
            if let Some(c) = colour {
                // Ink in the middle half of the line's height: the background stays white, as on a
                // page, so blank gaps between inked runs are found.
                for yy in y0 + LINE_H / 4..y0 + 3 * LINE_H / 4 {
                    for xx in x..x + w {
                        self.image.put_pixel(xx, yy, Rgb(c));
                    }
                }
            }
            x += w;
        }
        let x1 = x0 + chars * LINE_H;
        self.boxes
            .push(Rect::new(x0 as f32, y0 as f32, x1 as f32, (y0 + LINE_H) as f32));
        self
    }
}

/// The ink key of a crop (see the module docs).
pub fn ink_key(img: &RgbImage) -> Vec<Colour> {
    let y = img.height() / 2;
    let mut key: Vec<Colour> = Vec::new();
    for x in 0..img.width() {
        let c = img.get_pixel(x, y).0;
        if PALETTE.contains(&c) && key.last() != Some(&c) {
            key.push(c);
        }
    }
    key
}

/// Answers with the page's painted boxes; calls `cancel` first when given one.
pub struct StubDetector {
    pub boxes: Vec<Rect>,
    pub cancel_when_called: Option<Cancel>,
    pub calls: Arc<Mutex<usize>>,
}

impl TextDetector for StubDetector {
    fn detect(
        &mut self,
        _page: &RgbImage,
    ) -> Result<(Vec<Detection>, jikji_detect::DetectTimes), EngineError> {
        *self.calls.lock().unwrap() += 1;
        if let Some(c) = &self.cancel_when_called {
            c.cancel();
        }
        let dets = self
            .boxes
            .iter()
            .map(|b| Detection {
                quad: b.to_quad(),
                crop_quad: b.to_quad(),
                score: 0.9,
            })
            .collect();
        Ok((dets, Default::default()))
    }
}

/// Calls the crops whose ink key is listed upside down.
pub struct StubOrientation {
    pub upside_down: Vec<Vec<Colour>>,
}

impl OrientationClassifier for StubOrientation {
    fn upside_down(&mut self, crops: &[&RgbImage]) -> Result<Vec<bool>, EngineError> {
        Ok(crops
            .iter()
            .map(|c| self.upside_down.contains(&ink_key(c)))
            .collect())
    }
}

/// Reads a crop by looking its ink key up: the text, every character at the given confidence, set
/// solid in the middle of the crop. Unknown keys read as nothing (confidence 0). Every key read is
/// logged in `read`.
#[derive(Clone, Default)]
pub struct StubRecognizer {
    pub table: HashMap<Vec<Colour>, (String, f32)>,
    pub read: Arc<Mutex<Vec<Vec<Colour>>>>,
    pub cancel_when_called: Option<Cancel>,
}

impl StubRecognizer {
    pub fn new(entries: &[(&[Colour], &str, f32)]) -> StubRecognizer {
        StubRecognizer {
            table: entries
                .iter()
                .map(|&(k, t, c)| (k.to_vec(), (t.to_string(), c)))
                .collect(),
            ..StubRecognizer::default()
        }
    }

    /// The ink keys read so far.
    pub fn log(&self) -> Vec<Vec<Colour>> {
        self.read.lock().unwrap().clone()
    }
}

impl LineRecognizer for StubRecognizer {
    fn read(
        &mut self,
        crops: &[&RgbImage],
        _alphabet: Alphabet,
    ) -> Result<Vec<LineReading>, EngineError> {
        if let Some(c) = &self.cancel_when_called {
            c.cancel();
        }
        Ok(crops
            .iter()
            .map(|img| {
                let key = ink_key(img);
                self.read.lock().unwrap().push(key.clone());
                let Some((text, confidence)) = self.table.get(&key) else {
                    return LineReading::default();
                };
                // Set solid (at most 0.9 crop heights a character), centred in the crop.
                let n = text.chars().count().max(1) as f32;
                let (w, h) = (img.width() as f32, img.height() as f32);
                let pitch = (w / n).min(SOLID_PITCH * h);
                let left = (w - n * pitch) / 2.0;
                let chars = text
                    .chars()
                    .enumerate()
                    .map(|(k, ch)| CharBox {
                        ch: ch.to_string(),
                        x0: left + k as f32 * pitch,
                        x1: left + (k + 1) as f32 * pitch,
                        confidence: *confidence,
                    })
                    .collect();
                LineReading {
                    text: text.clone(),
                    confidence: *confidence,
                    chars,
                }
            })
            .collect())
    }
}

/// Stub models for `page`: no crop upside down, the given recognisers.
pub fn models(
    page: &Page,
    korean: &StubRecognizer,
    latin: &StubRecognizer,
    fast: Option<&StubRecognizer>,
) -> Models {
    Models {
        detector: Box::new(StubDetector {
            boxes: page.boxes.clone(),
            cancel_when_called: None,
            calls: Arc::default(),
        }),
        orientation: Box::new(StubOrientation {
            upside_down: Vec::new(),
        }),
        recognizers: Recognizers {
            korean: Box::new(korean.clone()),
            latin: Box::new(latin.clone()),
            fast: fast.map(|f| Box::new(f.clone()) as Box<dyn LineRecognizer>),
        },
        lending: None,
    }
}
