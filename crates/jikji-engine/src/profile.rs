//! Where a page's time goes: each stage's wall time split into the model's own run time and the work
//! around it (the overhead), and each recognition pass with how many lines it read and how many it
//! changed — what the pass buys. Filled by [`crate::page`] and [`crate::policy`]; printed by `jikji bench
//! --stages`.
//!
//! Model time is read from [`jikji_runtime::model_time`], the calling thread's total time inside ONNX
//! Runtime, so it needs no hook in the model traits (stub models in tests simply show none).

use std::time::Instant;

/// Time spent in each stage of one call (milliseconds), for logs and benchmarks. The four top-level
/// stages add up to the engine's time; the other fields split them.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct StageTimes {
    /// Detection, all of it (= `detect_pre_ms + detect_model_ms + detect_post_ms`).
    pub detect_ms: f64,
    /// Cutting and rectifying the line crops, and the orientation classifier.
    pub classify_ms: f64,
    /// Every recognition pass (see [`StageTimes::passes`]).
    pub recognize_ms: f64,
    /// Placing characters on their boxes and laying the lines out.
    pub layout_ms: f64,
    /// Detector input: resize and normalisation.
    pub detect_pre_ms: f64,
    /// The detector's model runs.
    pub detect_model_ms: f64,
    /// Probability map → boxes.
    pub detect_post_ms: f64,
    /// Cutting and rectifying the crops (part of `classify_ms`).
    pub crop_ms: f64,
    /// The orientation classifier's model runs (part of `classify_ms`).
    pub classify_model_ms: f64,
    /// Each recognition pass (their `ms` add up to about `recognize_ms`).
    pub passes: PassTimes,
}

impl StageTimes {
    /// The engine's whole time for the page.
    pub fn total_ms(&self) -> f64 {
        self.detect_ms + self.classify_ms + self.recognize_ms + self.layout_ms
    }

    /// Every model run of the page.
    pub fn model_ms(&self) -> f64 {
        self.detect_model_ms + self.classify_model_ms + self.passes.model_ms()
    }

    /// Adds `other` field by field (totals over pages).
    pub fn add(&mut self, o: &StageTimes) {
        self.detect_ms += o.detect_ms;
        self.classify_ms += o.classify_ms;
        self.recognize_ms += o.recognize_ms;
        self.layout_ms += o.layout_ms;
        self.detect_pre_ms += o.detect_pre_ms;
        self.detect_model_ms += o.detect_model_ms;
        self.detect_post_ms += o.detect_post_ms;
        self.crop_ms += o.crop_ms;
        self.classify_model_ms += o.classify_model_ms;
        self.passes.add(&o.passes);
    }
}

/// One recognition pass: its wall time, its model time, the lines (or cut pieces) it read, and how many
/// lines' text it changed in the reading it fed (0 for a first reading).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PassTime {
    pub ms: f64,
    pub model_ms: f64,
    pub lines: u32,
    pub changed: u32,
}

impl PassTime {
    pub(crate) fn add(&mut self, o: &PassTime) {
        self.ms += o.ms;
        self.model_ms += o.model_ms;
        self.lines += o.lines;
        self.changed += o.changed;
    }
}

/// The recognition passes of [`crate::policy`], each timed alone.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct PassTimes {
    /// `korean-rec-v1` reads every line (with Korean asked for).
    pub korean: PassTime,
    /// Doubtful Hangul lines read again piece by piece; `changed`: the pieces' reading won.
    pub korean_pieces: PassTime,
    /// The tiny PP-OCR recogniser (the cascade's first reading); with Korean, `changed` counts the lines
    /// whose Korean reading PP-OCR's replaced.
    pub latin_fast: PassTime,
    /// The set's PP-OCR recogniser: every line without the cascade, else the lines the tiny one was
    /// unsure of; `changed`: its reading replaced the tiny one's.
    pub latin: PassTime,
    /// Latin spans of Hangul lines cut out and read by PP-OCR (both recognisers); `changed`: spans
    /// replaced.
    pub latin_spans: PassTime,
    /// Bracketed spans of Hangul lines that may hold hanja, cut out and read by PP-OCR; `changed`: spans
    /// replaced.
    pub hanja_spans: PassTime,
    /// Lines the angle classifier turned, read again as they stood (every pass above, again);
    /// `changed`: the reading as they stood won.
    pub flipped: PassTime,
}

impl PassTimes {
    /// `(name, pass)` of every pass, in pipeline order.
    pub fn all(&self) -> [(&'static str, &PassTime); 7] {
        [
            ("korean", &self.korean),
            ("korean-pieces", &self.korean_pieces),
            ("latin-fast", &self.latin_fast),
            ("latin", &self.latin),
            ("latin-spans", &self.latin_spans),
            ("hanja-spans", &self.hanja_spans),
            ("flipped", &self.flipped),
        ]
    }

    fn all_mut(&mut self) -> [(&'static str, &mut PassTime); 7] {
        [
            ("korean", &mut self.korean),
            ("korean-pieces", &mut self.korean_pieces),
            ("latin-fast", &mut self.latin_fast),
            ("latin", &mut self.latin),
            ("latin-spans", &mut self.latin_spans),
            ("hanja-spans", &mut self.hanja_spans),
            ("flipped", &mut self.flipped),
        ]
    }

    /// Adds `o` pass by pass (totals over pages, or a helper thread's half of a page).
    pub fn add(&mut self, o: &PassTimes) {
        for (a, b) in self.all_mut().into_iter().zip(o.all()) {
            a.1.add(b.1);
        }
    }

    fn model_ms(&self) -> f64 {
        self.all().iter().map(|(_, p)| p.model_ms).sum()
    }
}

/// A running clock: wall time and the thread's model time since it started.
pub(crate) struct Clock {
    wall: Instant,
    model: std::time::Duration,
}

impl Clock {
    pub fn start() -> Clock {
        Clock {
            wall: Instant::now(),
            model: jikji_runtime::model_time(),
        }
    }

    /// Wall milliseconds since the start.
    pub fn ms(&self) -> f64 {
        self.wall.elapsed().as_secs_f64() * 1000.0
    }

    /// Model milliseconds since the start.
    pub fn model_ms(&self) -> f64 {
        (jikji_runtime::model_time() - self.model).as_secs_f64() * 1000.0
    }

    /// Adds the time since the start and `lines` lines read to `pass`.
    pub fn charge(&self, pass: &mut PassTime, lines: usize) {
        pass.ms += self.ms();
        pass.model_ms += self.model_ms();
        pass.lines += lines as u32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_every_field() {
        let mut a = StageTimes {
            detect_ms: 1.0,
            detect_model_ms: 0.5,
            ..Default::default()
        };
        a.passes.latin.changed = 2;
        let mut sum = StageTimes::default();
        sum.add(&a);
        sum.add(&a);
        assert_eq!(sum.detect_ms, 2.0);
        assert_eq!(sum.model_ms(), 1.0);
        assert_eq!(sum.passes.latin.changed, 4);
        assert_eq!(sum.total_ms(), 2.0);
    }
}
