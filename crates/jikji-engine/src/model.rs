//! The models a worker runs, each behind a one-method trait for its role, so the page pipeline
//! ([`crate::page`]) and the reading policy ([`crate::policy`]) run the same way on ONNX Runtime
//! sessions and on stub models built in code (the unit tests need no model files).

use std::path::Path;
use std::sync::Arc;

use image::RgbImage;
use jikji_detect::{DetectTimes, Detection, Detector, DetectorConfig};
use jikji_recognize::{Alphabet, AngleClassifier, LineReading, RecKind, Recognizer, SyllableLm};
use jikji_runtime::model_file;

use crate::{DetModel, EngineConfig, EngineError};

/// Finds the text lines of a page.
pub(crate) trait TextDetector: Send {
    /// Every text region of `page`, in page pixels, and the time of each detection step.
    fn detect(&mut self, page: &RgbImage) -> Result<(Vec<Detection>, DetectTimes), EngineError>;
}

/// Tells which line crops are upside down.
pub(crate) trait OrientationClassifier: Send {
    /// One answer per crop: `true` when it should be turned 180° before it is read.
    fn upside_down(&mut self, crops: &[&RgbImage]) -> Result<Vec<bool>, EngineError>;
}

/// Reads line crops.
pub(crate) trait LineRecognizer: Send {
    /// One reading per crop (text, mean confidence, a position and confidence per character),
    /// answering only with characters of `alphabet`.
    fn read(
        &mut self,
        crops: &[&RgbImage],
        alphabet: Alphabet,
    ) -> Result<Vec<LineReading>, EngineError>;
}

impl TextDetector for Detector {
    fn detect(&mut self, page: &RgbImage) -> Result<(Vec<Detection>, DetectTimes), EngineError> {
        Ok(Detector::detect_timed(self, page)?)
    }
}

impl OrientationClassifier for AngleClassifier {
    fn upside_down(&mut self, crops: &[&RgbImage]) -> Result<Vec<bool>, EngineError> {
        Ok(AngleClassifier::upside_down(self, crops)?)
    }
}

impl LineRecognizer for Recognizer {
    fn read(
        &mut self,
        crops: &[&RgbImage],
        alphabet: Alphabet,
    ) -> Result<Vec<LineReading>, EngineError> {
        Ok(self.recognize_in(crops, alphabet)?)
    }
}

/// Relative paths of the model files inside the model directory.
mod files {
    /// The default Korean recogniser's directory; [`crate::EngineConfig::korean_model`] names another.
    pub const KOREAN_DIR: &str = "korean-rec-v1";
    pub const KOREAN_REC: &str = "model.onnx";
    pub const KOREAN_CHARSET: &str = "charset.txt";
    pub const ANGLE_CLS: &str = "cls/cls.onnx";
    /// The Hangul syllable model of the Korean beam search ([`crate::EngineConfig::korean_lm`]).
    pub const KOREAN_LM: &str = "korean-lm/syllable-bigram.tsv";
}

/// The recognisers the reading policy chooses between.
pub(crate) struct Recognizers {
    /// `korean-rec-v1`: Korean + Latin.
    pub korean: Box<dyn LineRecognizer>,
    /// The model set's PP-OCR recogniser: Latin/Chinese/Japanese, no Hangul.
    pub latin: Box<dyn LineRecognizer>,
    /// The tiny PP-OCR recogniser, read before `latin` when the cascade is on (see
    /// [`crate::policy::CASCADE_ACCEPT`]).
    pub fast: Option<Box<dyn LineRecognizer>>,
}

/// One worker's models: its own sessions of every model (`Session::run` needs `&mut self`).
pub(crate) struct Models {
    pub detector: Box<dyn TextDetector>,
    pub orientation: Box<dyn OrientationClassifier>,
    pub recognizers: Recognizers,
    /// The engine's spare sessions, lent to this worker while a core is idle (see [`crate::lend`]);
    /// `None`: never lent.
    pub lending: Option<Arc<crate::lend::Lending>>,
}

impl Models {
    /// The Korean beam search's syllable model when `cfg` asks for it, read once and shared by every
    /// worker's Korean recogniser (it is only read, unlike a model session).
    pub fn korean_lm(dir: &Path, cfg: &EngineConfig) -> Result<Option<Arc<SyllableLm>>, EngineError> {
        if !cfg.korean_lm {
            return Ok(None);
        }
        let path = model_file(dir, files::KOREAN_LM)?;
        let lm = SyllableLm::load(&path).map_err(EngineError::Runtime)?;
        Ok(Some(Arc::new(lm)))
    }

    /// Loads every model `cfg` asks for from `dir`, with the shared [`Models::korean_lm`].
    pub fn load(
        dir: &Path,
        cfg: &EngineConfig,
        korean_lm: Option<Arc<SyllableLm>>,
    ) -> Result<Models, EngineError> {
        let t = jikji_runtime::Exec {
            threads: cfg.threads_per_worker.max(1),
            device: cfg.device,
        };
        Ok(Models {
            detector: load_detector(dir, cfg, t)?,
            orientation: load_orientation(dir, t)?,
            recognizers: Recognizers::load(dir, cfg, t, korean_lm)?,
            lending: None,
        })
    }
}

/// The angle classifier with `exec`'s threads and device.
pub(crate) fn load_orientation(
    dir: &Path,
    exec: jikji_runtime::Exec,
) -> Result<Box<dyn OrientationClassifier>, EngineError> {
    Ok(Box::new(AngleClassifier::load(dir, &model_file(dir, files::ANGLE_CLS)?, exec)?))
}

/// The model set's detector with `exec`'s threads and device.
pub(crate) fn load_detector(
    dir: &Path,
    cfg: &EngineConfig,
    exec: jikji_runtime::Exec,
) -> Result<Box<dyn TextDetector>, EngineError> {
    let det_path = model_file(dir, &format!("{}/det.onnx", cfg.det_model.name()))?;
    Ok(Box::new(Detector::load(dir, &det_path, exec, DetectorConfig::default())?))
}

impl Recognizers {
    /// Every recogniser `cfg` asks for, with `exec`'s threads and device.
    pub fn load(
        dir: &Path,
        cfg: &EngineConfig,
        t: jikji_runtime::Exec,
        korean_lm: Option<Arc<SyllableLm>>,
    ) -> Result<Recognizers, EngineError> {
        let korean_dir = cfg
            .korean_model
            .clone()
            .unwrap_or_else(|| dir.join(files::KOREAN_DIR));
        let mut korean = Recognizer::load(
            dir,
            &model_file(&korean_dir, files::KOREAN_REC)?,
            &model_file(&korean_dir, files::KOREAN_CHARSET)?,
            RecKind::Korean,
            t,
        )?;
        // The model set names a PP-OCR family: its detector and its (Latin/Chinese/Japanese) recogniser.
        let paddle_rec = |set: DetModel| {
            let set = set.rec_set().name();
            Recognizer::load(
                dir,
                &model_file(dir, &format!("{set}/rec.onnx"))?,
                &model_file(dir, &format!("{set}/dict.txt"))?,
                RecKind::Paddle,
                t,
            )
        };
        let batch = cfg
            .rec_batch
            .unwrap_or_else(|| crate::rec_batch_for(t.device))
            .max(1);
        korean.batch = batch;
        korean.lm = korean_lm;
        let paddle_rec = |set| {
            paddle_rec(set).map(|mut r| {
                r.batch = batch;
                r
            })
        };
        let latin = paddle_rec(cfg.det_model)?;
        let fast: Option<Box<dyn LineRecognizer>> =
            if cfg.cascade && cfg.det_model != DetModel::V6Tiny {
                Some(Box::new(paddle_rec(DetModel::V6Tiny)?))
            } else {
                None
            };
        Ok(Recognizers {
            korean: Box::new(korean),
            latin: Box::new(latin),
            fast,
        })
    }
}
