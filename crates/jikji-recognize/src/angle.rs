//! 0°/180° classification: finds upside-down line crops (PP-OCR's text-direction classifier).

use std::path::Path;

use image::RgbImage;
use jikji_runtime::{Exec, Model, RuntimeError};
use ndarray::Array4;

/// Input size of the classifier.
pub const CLS_HEIGHT: u32 = 48;
pub const CLS_WIDTH: u32 = 192;

/// The angle classifier; a crop is flipped when "180" wins with at least `threshold`.
pub struct AngleClassifier {
    model: Model,
    pub threshold: f32,
    pub batch: usize,
}

impl AngleClassifier {
    pub fn load(
        models_dir: &Path,
        path: &Path,
        exec: impl Into<Exec>,
    ) -> Result<AngleClassifier, RuntimeError> {
        Ok(AngleClassifier {
            model: Model::load(models_dir, path, exec)?,
            threshold: 0.9,
            batch: 16,
        })
    }

    /// For each crop: is it upside down?
    pub fn upside_down(&mut self, crops: &[&RgbImage]) -> Result<Vec<bool>, RuntimeError> {
        let mut out = Vec::with_capacity(crops.len());
        for chunk in crops.chunks(self.batch.max(1)) {
            let mut t =
                Array4::<f32>::zeros((chunk.len(), 3, CLS_HEIGHT as usize, CLS_WIDTH as usize));
            for (n, c) in chunk.iter().enumerate() {
                let ratio = c.width().max(1) as f32 / c.height().max(1) as f32;
                let w = ((ratio * CLS_HEIGHT as f32).ceil() as u32).clamp(1, CLS_WIDTH);
                // The SIMD bilinear resize of the page input (`jikji_image::resize`) instead of
                // `image`'s `Triangle`: measured on the 26 SROIE receipts (1 thread, `stages --table`),
                // the classifier's work around its model went from 10.5 to 3 ms a page (25 → 7 % of
                // the model's time), and the text and boxes of 57 pages (SROIE, Korean photos,
                // synthetic documents) stayed identical.
                let r = jikji_image::resize(c, w, CLS_HEIGHT);
                crate::prepare::fill_bgr(&mut t, n, &r);
            }
            let probs = self.model.run(t.view())?;
            if probs.ndim() != 2 || probs.shape()[1] < 2 {
                return Err(RuntimeError::Run {
                    model: self.model.name().into(),
                    detail: format!("unexpected output shape {:?}", probs.shape()),
                });
            }
            for n in 0..chunk.len() {
                let (p0, p180) = (probs[[n, 0]], probs[[n, 1]]);
                out.push(p180 > p0 && p180 >= self.threshold);
            }
        }
        Ok(out)
    }
}
