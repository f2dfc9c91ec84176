//! 0°/180° classification: finds upside-down line crops (PP-OCR's text-direction classifier).

use std::path::Path;

use image::{imageops::FilterType, RgbImage};
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
                let r = image::imageops::resize(*c, w, CLS_HEIGHT, FilterType::Triangle);
                for (x, y, p) in r.enumerate_pixels() {
                    let (x, y) = (x as usize, y as usize);
                    t[[n, 0, y, x]] = p.0[2] as f32 / 127.5 - 1.0;
                    t[[n, 1, y, x]] = p.0[1] as f32 / 127.5 - 1.0;
                    t[[n, 2, y, x]] = p.0[0] as f32 / 127.5 - 1.0;
                }
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
