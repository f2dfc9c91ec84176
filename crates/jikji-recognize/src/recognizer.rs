//! CTC line recognisers: the Korean model (`korean-rec-v1`) and PP-OCR recognisers, one pipeline.

use std::path::Path;
use std::sync::Arc;

use image::{imageops::FilterType, GrayImage, RgbImage};
use jikji_runtime::{Exec, Model, RuntimeError};
use ndarray::Array4;

use crate::charset::{Alphabet, Charset};
use crate::beam::{beam_decode, BeamParams};
use crate::ctc::{greedy_decode, Decoded};
use crate::lm::{is_syllable, only_char, SyllableLm};
use crate::prepare::CropPrep;

/// A Korean line whose greedy reading has a character below this confidence is read again by the beam
/// search with the language model ([`Recognizer::lm`]). Measured (page CER korean_photos / korean_real,
/// synthetic documents' fields exact; before readings were limited to swapped syllables): 0.7 → 10.61 % /
/// 5.70 % / 95.8 %; 0.9 and 0.97 → 10.61 % / 5.27 % / 95.8 %. 0.9 leaves confident lines to greedy
/// decoding (cheaper, and nothing left to gain above it).
pub const UNSURE: f32 = 0.9;

/// The beam search's knobs for Korean lines. `bonus` 4.0: the model's mean `ln P` a syllable on a
/// held-out tenth of its corpus is -4.0 nats (`training/build_lm.py`), so an ordinary syllable costs
/// nothing and a rare one after its neighbour costs. Measured as for [`UNSURE`] (no LM: 11.04 % /
/// 6.54 % / 95.6 %), before readings were limited to swapped syllables: `lm_weight` 0.2 → 10.59 / 5.49 /
/// 95.4; **0.3 → 10.61 / 5.27 / 95.8**; 0.5 → 10.50 / 5.49 / 95.8; 0.8 → 10.70 / 5.27 / 95.6 — a
/// plateau, 0.3 in its middle; `bonus` 3 → 10.66 / 5.49 / 95.8, 5 → 10.59 / 5.27 / 95.8; `min_prob` 0.001
/// → same as 0.01 (which tries fewer classes). With the limit ([`syllables_swapped_only`]): 10.73 % /
/// 5.70 % / 95.8 %.
pub const DEFAULT_BEAM: BeamParams = BeamParams {
    width: 8,
    min_prob: 0.01,
    lm_weight: 0.3,
    bonus: 4.0,
};

/// Input height of every recogniser.
pub const REC_HEIGHT: u32 = 48;

/// Lines wider than this (after resizing to [`REC_HEIGHT`]) are squeezed: it bounds time and memory.
pub const MAX_WIDTH: u32 = 3200;

/// Which input/output contract a recogniser follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecKind {
    /// `korean-rec-v1`: 1-channel gray, width rounded up to 8, raw logits. The model was trained on widths
    /// up to 800 but reads wider lines better unsqueezed than squeezed (the MRZ line: one error against
    /// two; wide label-and-value rows on certificates: garbage when squeezed), so only absurdly wide
    /// lines are squeezed, to [`MAX_WIDTH`].
    Korean,
    /// PP-OCR rec: 3-channel BGR, softmax output, dictionary + trailing space.
    Paddle,
}

/// One character with its horizontal extent in crop pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct CharBox {
    pub ch: String,
    pub x0: f32,
    pub x1: f32,
    pub confidence: f32,
}

/// The reading of one line crop.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LineReading {
    pub text: String,
    pub confidence: f32,
    pub chars: Vec<CharBox>,
}

/// Width of the resized line (before padding) for a crop of `w x h`.
pub fn resized_width(kind: RecKind, w: u32, h: u32) -> u32 {
    let ratio = w.max(1) as f32 / h.max(1) as f32;
    match kind {
        RecKind::Korean => ((ratio * REC_HEIGHT as f32).round() as u32).clamp(8, MAX_WIDTH),
        RecKind::Paddle => ((ratio * REC_HEIGHT as f32).ceil() as u32).clamp(8, MAX_WIDTH),
    }
}

/// Writes a normalised line into `t[n, .., .., 0..w]`; the rest stays 0 (mid-grey padding).
/// Korean crops are prepared by `prep`.
fn fill(kind: RecKind, prep: &CropPrep, t: &mut Array4<f32>, n: usize, crop: &RgbImage, w: u32) {
    match kind {
        RecKind::Korean => {
            let g: GrayImage = prep.gray(crop, w, REC_HEIGHT);
            crate::prepare::fill_gray(t, n, &g);
        }
        RecKind::Paddle => {
            // `image`'s resize, not the SIMD one the angle classifier uses: measured on SROIE and the
            // Korean photos, the SIMD resize here cut the recognisers' work around the model by
            // ~10 ms a page (1 %) but moved det F1 0.935 → 0.934 and Korean photo CER 10.73 → 10.75 %.
            let r = image::imageops::resize(crop, w, REC_HEIGHT, FilterType::Triangle);
            crate::prepare::fill_bgr(t, n, &r);
        }
    }
}

/// Converts a decoded sequence to a reading with character positions in crop pixels.
pub fn to_reading(d: &Decoded, input_w: u32, resized_w: u32, crop_w: u32) -> LineReading {
    let stride = input_w as f32 / d.steps.max(1) as f32;
    let scale = crop_w as f32 / resized_w.max(1) as f32;
    let chars = d
        .chars
        .iter()
        .map(|c| CharBox {
            ch: c.ch.clone(),
            x0: c.t0 as f32 * stride * scale,
            x1: (c.t1 + 1) as f32 * stride * scale,
            confidence: c.confidence,
        })
        .collect();
    LineReading {
        text: d.text(),
        confidence: d.confidence(),
        chars,
    }
}

/// A loaded recogniser.
pub struct Recognizer {
    model: Model,
    charset: Charset,
    kind: RecKind,
    /// Most lines per inference batch. 1 by default: on a CPU with one intra-op thread the recogniser is
    /// compute-bound, so batching only adds padding. Measured on 6 SROIE receipts (recognition time):
    /// batch 1: 6.1 s; batch 4 within 10 % width: 6.1 s; batch 8 within 30 %: 6.7 s; batch 16 unbounded
    /// (earlier): 1.8x the time and +230 MB peak RSS. Accelerators want larger batches.
    pub batch: usize,
    /// A batch only takes lines whose width is within this fraction of its narrowest line.
    pub max_padding: f32,
    /// How Korean crops are scaled and normalised ([`CropPrep`]; PP-OCR crops are scaled bilinearly).
    pub prep: CropPrep,
    /// The Hangul syllable model that unsure Korean lines are read again with (beam search,
    /// [`DEFAULT_BEAM`]); `None`: greedy decoding only. Not used with a restricted alphabet.
    pub lm: Option<Arc<SyllableLm>>,
    /// Allowed class lists per restricted alphabet, computed on first use.
    allowed: std::collections::HashMap<Alphabet, Vec<usize>>,
}

/// Splits widths sorted ascending into consecutive batches of at most `max_batch` lines, each line at
/// most `max_padding` (a fraction) wider than the batch's narrowest.
pub fn width_batches(
    sorted: &[u32],
    max_batch: usize,
    max_padding: f32,
) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < sorted.len() {
        let limit = sorted[start] as f32 * (1.0 + max_padding.max(0.0));
        let mut end = start + 1;
        while end < sorted.len() && end - start < max_batch.max(1) && sorted[end] as f32 <= limit {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

impl Recognizer {
    pub fn load(
        models_dir: &Path,
        model: &Path,
        charset: &Path,
        kind: RecKind,
        exec: impl Into<Exec>,
    ) -> Result<Recognizer, RuntimeError> {
        let model = Model::load(models_dir, model, exec)?;
        let charset = Charset::load(charset, kind == RecKind::Korean)
            .map_err(|_| RuntimeError::Missing(charset.to_path_buf()))?;
        Ok(Recognizer {
            model,
            charset,
            kind,
            batch: 1,
            max_padding: 0.1,
            prep: CropPrep::default(),
            lm: None,
            allowed: Default::default(),
        })
    }

    pub fn kind(&self) -> RecKind {
        self.kind
    }

    /// Reads every crop with the whole charset. See [`Recognizer::recognize_in`].
    pub fn recognize(&mut self, crops: &[&RgbImage]) -> Result<Vec<LineReading>, RuntimeError> {
        self.recognize_in(crops, Alphabet::All)
    }

    /// Reads every crop, answering only with characters of `alphabet`. Crops are sorted by width and
    /// batched, so padding stays small.
    pub fn recognize_in(
        &mut self,
        crops: &[&RgbImage],
        alphabet: Alphabet,
    ) -> Result<Vec<LineReading>, RuntimeError> {
        let prep = self.prep;
        let charset = &self.charset;
        let allowed: Option<&[usize]> = match alphabet {
            Alphabet::All => None,
            a => Some(
                self.allowed
                    .entry(a)
                    .or_insert_with(|| charset.classes_in(a)),
            ),
        };
        let mut order: Vec<usize> = (0..crops.len()).collect();
        let widths: Vec<u32> = crops
            .iter()
            .map(|c| resized_width(self.kind, c.width(), c.height()))
            .collect();
        order.sort_by_key(|&i| widths[i]);
        let mut out = vec![LineReading::default(); crops.len()];
        let sorted: Vec<u32> = order.iter().map(|&i| widths[i]).collect();
        for range in width_batches(&sorted, self.batch, self.max_padding) {
            let chunk = &order[range];
            let max_w = chunk.iter().map(|&i| widths[i]).max().unwrap_or(8);
            let input_w = max_w.div_ceil(8) * 8;
            let channels = if self.kind == RecKind::Korean { 1 } else { 3 };
            let mut t = Array4::<f32>::zeros((
                chunk.len(),
                channels,
                REC_HEIGHT as usize,
                input_w as usize,
            ));
            for (n, &i) in chunk.iter().enumerate() {
                fill(self.kind, &prep, &mut t, n, crops[i], widths[i]);
            }
            let logits = self.model.run(t.view())?;
            let shape = logits.shape().to_vec();
            if shape.len() != 3 || shape[0] != chunk.len() {
                return Err(RuntimeError::Run {
                    model: self.model.name().into(),
                    detail: format!("unexpected output shape {shape:?}"),
                });
            }
            let (steps, classes) = (shape[1], shape[2]);
            let logits = logits.as_standard_layout();
            let flat = logits.as_slice().expect("standard layout");
            for (n, &i) in chunk.iter().enumerate() {
                let row = &flat[n * steps * classes..(n + 1) * steps * classes];
                // Only the time steps covering the unpadded part carry text.
                let used = ((widths[i] as f32 / input_w as f32) * steps as f32).ceil() as usize;
                let row = &row[..used.min(steps) * classes];
                let softmax = self.kind == RecKind::Korean;
                let mut d = greedy_decode(row, classes, 0, softmax, allowed, |c| charset.symbol(c));
                if let Some(lm) = self.lm.as_deref().filter(|_| softmax && allowed.is_none()) {
                    if d.chars.iter().any(|c| c.confidence < UNSURE) {
                        let fused = with_language_model(row, classes, charset, lm);
                        if syllables_swapped_only(&d, &fused) {
                            d = fused;
                        }
                    }
                }
                d.steps = steps;
                out[i] = to_reading(&d, input_w, widths[i], crops[i].width());
                crate::punct::settle(&mut out[i], crops[i]);
            }
        }
        Ok(out)
    }
}

/// Whether the language model's reading `fused` differs from the greedy one only by Hangul syllables
/// read as other Hangul syllables, which is what the model is for (`줌암` → `중앙`). A character dropped
/// or added, or a syllable turned into a space or a symbol, is a segmentation call the model has no
/// say in: its terms score syllables only, so leaving one out or reading it as an unscored character
/// can look cheaper than a rare syllable (`하셔야` → `하 야`), and a dropped doubtful character also
/// hides the doubt later passes look for (`윤아우(#폈독)` → `(독)`, whose hanja were then not read).
fn syllables_swapped_only(greedy: &Decoded, fused: &Decoded) -> bool {
    greedy.chars.len() == fused.chars.len()
        && greedy.chars.iter().zip(&fused.chars).all(|(g, f)| {
            g.ch == f.ch || (is_one_syllable(&g.ch) && is_one_syllable(&f.ch))
        })
}

fn is_one_syllable(s: &str) -> bool {
    only_char(s).is_some_and(is_syllable)
}

/// Beam search over one line's logits (`steps × classes`) with `lm` scoring Hangul syllables.
fn with_language_model(logits: &[f32], classes: usize, charset: &Charset, lm: &SyllableLm) -> Decoded {
    let mut probs = logits.to_vec();
    for row in probs.chunks_mut(classes) {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for v in row.iter_mut() {
            *v = (*v - max).exp();
            sum += *v;
        }
        row.iter_mut().for_each(|v| *v /= sum);
    }
    let single = |c: usize| only_char(charset.symbol(c)?);
    beam_decode(
        &probs,
        classes,
        0,
        &DEFAULT_BEAM,
        |prev, next| lm.log_prob(prev.and_then(single), single(next)?),
        |c| charset.symbol(c),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctc::DecodedChar;

    fn decoded(text: &str) -> Decoded {
        Decoded {
            chars: text
                .chars()
                .enumerate()
                .map(|(t, c)| DecodedChar {
                    ch: c.to_string(),
                    t0: t,
                    t1: t,
                    confidence: 0.5,
                })
                .collect(),
            steps: text.chars().count(),
        }
    }

    #[test]
    fn the_language_model_may_only_swap_syllables() {
        let ok = |g: &str, f: &str| syllables_swapped_only(&decoded(g), &decoded(f));
        assert!(ok("줌암 1,300", "중앙 1,300"));
        assert!(ok("일시뿔", "일시뿔"));
        assert!(!ok("하셔야", "하 야"), "a syllable read as a space");
        assert!(!ok("윤아우(#폈독)", "윤아우(독)"), "characters dropped");
        assert!(!ok("대표", "대표차"), "a character added");
        assert!(!ok("A1", "가1"), "a Latin letter read as a syllable");
    }

    #[test]
    fn batches_group_similar_widths() {
        let w = [100, 104, 109, 111, 200, 205, 900];
        assert_eq!(width_batches(&w, 8, 0.1), vec![0..3, 3..4, 4..6, 6..7]);
        assert_eq!(width_batches(&w, 2, 1.0), vec![0..2, 2..4, 4..6, 6..7]);
        assert_eq!(width_batches(&w, 1, 0.5).len(), w.len());
        assert!(width_batches(&[], 4, 0.1).is_empty());
    }

    #[test]
    fn widths_follow_each_contract() {
        assert_eq!(resized_width(RecKind::Korean, 200, 48), 200);
        assert_eq!(resized_width(RecKind::Korean, 100, 24), 200);
        assert_eq!(
            resized_width(RecKind::Korean, 1500, 48),
            1500,
            "not squeezed"
        );
        assert_eq!(resized_width(RecKind::Korean, 50000, 48), MAX_WIDTH);
        assert_eq!(resized_width(RecKind::Paddle, 101, 48), 101);
    }

    #[test]
    fn character_positions_map_back_to_crop_pixels() {
        // 10 steps over an input 80 px wide (stride 8); the line was resized from 160 px to 80 px.
        let d = Decoded {
            chars: vec![DecodedChar {
                ch: "a".into(),
                t0: 2,
                t1: 3,
                confidence: 0.9,
            }],
            steps: 10,
        };
        let r = to_reading(&d, 80, 80, 160);
        assert_eq!(r.chars[0].x0, 32.0);
        assert_eq!(r.chars[0].x1, 64.0);
    }

    #[test]
    fn korean_input_is_gray_normalised_and_right_padded() {
        let crop = RgbImage::from_pixel(20, 48, image::Rgb([255, 255, 255]));
        let mut t = Array4::<f32>::zeros((1, 1, 48, 24));
        fill(RecKind::Korean, &CropPrep::default(), &mut t, 0, &crop, 20);
        assert_eq!(t[[0, 0, 10, 5]], 1.0);
        assert_eq!(t[[0, 0, 10, 22]], 0.0, "padding is 0 after normalisation");
    }
}
