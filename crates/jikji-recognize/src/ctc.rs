//! Greedy CTC decoding with per-character confidences and positions.

/// One decoded character.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedChar {
    pub ch: String,
    /// First and last time step (inclusive) of the run that emitted this character.
    pub t0: usize,
    pub t1: usize,
    /// Highest probability of the character over its run.
    pub confidence: f32,
}

/// A decoded line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decoded {
    pub chars: Vec<DecodedChar>,
    /// Number of time steps of the sequence (to map steps to pixels).
    pub steps: usize,
}

impl Decoded {
    pub fn text(&self) -> String {
        self.chars.iter().map(|c| c.ch.as_str()).collect()
    }
    /// Mean character confidence (0 for an empty line), as PP-OCR reports it.
    pub fn confidence(&self) -> f32 {
        if self.chars.is_empty() {
            0.0
        } else {
            self.chars.iter().map(|c| c.confidence).sum::<f32>() / self.chars.len() as f32
        }
    }
}

/// Greedy CTC over `steps x classes` scores in row-major `scores`.
///
/// `blank` is the blank class; `symbol(i)` maps a non-blank class to its text (`None` = unknown class,
/// skipped). If `softmax` is true the scores are logits and are turned into probabilities per step.
///
/// `allowed` restricts the decoding to the blank and these classes (constrained decoding): at each step
/// the best *allowed* class wins. A PP-OCR recogniser asked for English reads `<` in a passport's MRZ as
/// the Greek `Λ` unless the alphabet is restricted; with the restriction, a confusable foreign glyph
/// gives way to the Latin one the model ranked next. With softmax, probabilities are normalised over the
/// allowed classes.
pub fn greedy_decode<'a>(
    scores: &[f32],
    classes: usize,
    blank: usize,
    softmax: bool,
    allowed: Option<&[usize]>,
    symbol: impl Fn(usize) -> Option<&'a str>,
) -> Decoded {
    if classes == 0 {
        return Decoded::default();
    }
    let steps = scores.len() / classes;
    let mut chars: Vec<DecodedChar> = Vec::new();
    let mut prev = usize::MAX;
    for t in 0..steps {
        let row = &scores[t * classes..(t + 1) * classes];
        let (mut best, mut best_v) = (blank.min(classes - 1), row[blank.min(classes - 1)]);
        match allowed {
            None => {
                for (i, &v) in row.iter().enumerate() {
                    if v > best_v {
                        best = i;
                        best_v = v;
                    }
                }
            }
            Some(list) => {
                for &i in list.iter().filter(|&&i| i < classes) {
                    if row[i] > best_v {
                        best = i;
                        best_v = row[i];
                    }
                }
            }
        }
        let p = if softmax {
            let sum: f32 = match allowed {
                None => row.iter().map(|&v| (v - best_v).exp()).sum(),
                Some(list) => {
                    (row[blank.min(classes - 1)] - best_v).exp()
                        + list
                            .iter()
                            .filter(|&&i| i < classes && i != blank)
                            .map(|&i| (row[i] - best_v).exp())
                            .sum::<f32>()
                }
            };
            1.0 / sum
        } else {
            best_v
        };
        if best != blank {
            if best == prev {
                if let Some(c) = chars.last_mut() {
                    c.t1 = t;
                    c.confidence = c.confidence.max(p);
                }
            } else if let Some(s) = symbol(best) {
                chars.push(DecodedChar {
                    ch: s.to_string(),
                    t0: t,
                    t1: t,
                    confidence: p,
                });
            }
        }
        prev = best;
    }
    Decoded { chars, steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onehot(seq: &[usize], classes: usize) -> Vec<f32> {
        let mut v = vec![0.0; seq.len() * classes];
        for (t, &c) in seq.iter().enumerate() {
            v[t * classes + c] = 0.9;
            v[t * classes + (c + 1) % classes] = 0.1;
        }
        v
    }

    #[test]
    fn collapses_repeats_and_blanks() {
        let sym = ["", "a", "b"];
        // a a _ a b b _ → "aab"
        let d = greedy_decode(&onehot(&[1, 1, 0, 1, 2, 2, 0], 3), 3, 0, false, None, |i| {
            Some(sym[i])
        });
        assert_eq!(d.text(), "aab");
        assert_eq!(d.chars[0].t0, 0);
        assert_eq!(d.chars[0].t1, 1);
        assert_eq!(d.chars[2].t0, 4);
        assert_eq!(d.steps, 7);
        assert!((d.confidence() - 0.9).abs() < 1e-6);
    }

    #[test]
    fn softmax_confidences_from_logits() {
        // Two classes (blank, x): logits equal → p = 0.5; big margin → p ≈ 1.
        let d = greedy_decode(&[5.0, 0.0, 10.0, 20.0], 2, 0, true, None, |_| Some("x"));
        assert_eq!(d.text(), "x");
        assert!(d.chars[0].confidence > 0.99);
        let d = greedy_decode(&[0.0, 1.0], 2, 0, true, None, |_| Some("x"));
        assert!((d.chars[0].confidence - 1.0 / (1.0 + (-1f32).exp())).abs() < 1e-5);
    }

    #[test]
    fn allowed_classes_constrain_the_argmax() {
        // Classes: blank, "<", "Λ". The model prefers Λ; restricted to {<}, the reading is "<".
        let sym = ["", "<", "Λ"];
        let scores = [0.1, 0.3, 0.6, 0.1, 0.3, 0.6];
        assert_eq!(
            greedy_decode(&scores, 3, 0, false, None, |i| Some(sym[i])).text(),
            "Λ"
        );
        let d = greedy_decode(&scores, 3, 0, false, Some(&[1]), |i| Some(sym[i]));
        assert_eq!(d.text(), "<");
        assert!((d.chars[0].confidence - 0.3).abs() < 1e-6);
        // A blank that beats every allowed class stays a blank.
        let d = greedy_decode(&[0.5, 0.2, 0.3], 3, 0, false, Some(&[1]), |i| Some(sym[i]));
        assert_eq!(d.text(), "");
        // With logits, the probability is normalised over blank + allowed classes.
        let d = greedy_decode(&[0.0, 1.0, 9.0], 3, 0, true, Some(&[1]), |i| Some(sym[i]));
        assert_eq!(d.text(), "<");
        let expected = 1f32.exp() / (1.0 + 1f32.exp());
        assert!(
            (d.chars[0].confidence - expected).abs() < 1e-5,
            "{}",
            d.chars[0].confidence
        );
    }
}
