//! CTC prefix beam search with a language model, for the lines the greedy reading is unsure of.
//!
//! Greedy decoding takes the best class at every time step. Where the recogniser hesitates between two
//! look-alike syllables (`경` 0.45 / `겸` 0.55) that is a coin toss; the beam search keeps the few best
//! prefixes, summing each prefix's probability over all of its CTC alignments, and adds a weighted
//! language-model term for every Hangul syllable it appends (shallow fusion):
//!
//! `score(prefix) = ln P_ctc(prefix) + Σ weight · (ln P_lm(syllable | previous) + bonus)`
//!
//! The `bonus` centres the term: without it every syllable would cost about four nats and the search
//! would prefer dropping syllables (or reading them as digits and symbols, which the model does not
//! score). Only classes at or above `min_prob` at a step are tried, so confident steps cost one entry.
//! The winning prefix is then aligned to the steps (Viterbi) to give each character its steps and its
//! confidence as greedy decoding does.

use std::collections::HashMap;

use crate::ctc::{Decoded, DecodedChar};

/// The search's knobs (see [`crate::DEFAULT_BEAM`] for the values in use and how they were chosen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BeamParams {
    /// Prefixes kept after each step.
    pub width: usize,
    /// Classes below this probability at a step are not tried there.
    pub min_prob: f32,
    /// Weight of the language-model term.
    pub lm_weight: f32,
    /// Added to each scored syllable's `ln P_lm` before weighting.
    pub bonus: f32,
}

fn log_add(a: f32, b: f32) -> f32 {
    if a == f32::NEG_INFINITY {
        return b;
    }
    if b == f32::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

#[derive(Clone, Copy)]
struct Entry {
    /// ln P of the prefix's alignments ending in a blank / in its last class.
    blank: f32,
    last: f32,
    /// The summed language-model term of the prefix.
    lm: f32,
}

impl Entry {
    fn ctc(&self) -> f32 {
        log_add(self.blank, self.last)
    }
    fn score(&self) -> f32 {
        self.ctc() + self.lm
    }
}

/// Beam search over `steps × classes` probabilities in row-major `probs` (already normalised per
/// step). `lm(prev, next)` gives `ln P(next | prev)` for a class the model scores and `None` otherwise;
/// `symbol(i)` maps a non-blank class to its text (`None`: never emitted).
pub fn beam_decode<'a>(
    probs: &[f32],
    classes: usize,
    blank: usize,
    params: &BeamParams,
    lm: impl Fn(Option<usize>, usize) -> Option<f32>,
    symbol: impl Fn(usize) -> Option<&'a str>,
) -> Decoded {
    if classes == 0 || blank >= classes {
        return Decoded::default();
    }
    let steps = probs.len() / classes;
    let term = |prev: Option<usize>, next: usize| {
        lm(prev, next).map_or(0.0, |lp| params.lm_weight * (lp + params.bonus))
    };
    let mut beams: Vec<(Vec<usize>, Entry)> = vec![(
        Vec::new(),
        Entry {
            blank: 0.0,
            last: f32::NEG_INFINITY,
            lm: 0.0,
        },
    )];
    let mut next: HashMap<Vec<usize>, Entry> = HashMap::new();
    for t in 0..steps {
        let row = &probs[t * classes..(t + 1) * classes];
        let best = (0..classes).fold(0, |b, i| if row[i] > row[b] { i } else { b });
        let tried: Vec<usize> = (0..classes)
            .filter(|&i| i != blank && symbol(i).is_some() && (row[i] >= params.min_prob || i == best))
            .collect();
        let p_blank = row[blank].max(f32::MIN_POSITIVE).ln();
        next.clear();
        for (prefix, e) in &beams {
            let slot = next.entry(prefix.clone()).or_insert(Entry {
                blank: f32::NEG_INFINITY,
                last: f32::NEG_INFINITY,
                lm: e.lm,
            });
            slot.blank = log_add(slot.blank, e.ctc() + p_blank);
            let last = prefix.last().copied();
            for &c in &tried {
                let p = row[c].max(f32::MIN_POSITIVE).ln();
                if Some(c) == last {
                    // The same class again without a blank between: the same character goes on.
                    let slot = next.get_mut(prefix).expect("inserted above");
                    slot.last = log_add(slot.last, e.last + p);
                }
                let from = if Some(c) == last { e.blank } else { e.ctc() };
                if from == f32::NEG_INFINITY {
                    continue;
                }
                let mut longer = prefix.clone();
                longer.push(c);
                let lm_sum = e.lm + term(last, c);
                let slot = next.entry(longer).or_insert(Entry {
                    blank: f32::NEG_INFINITY,
                    last: f32::NEG_INFINITY,
                    lm: lm_sum,
                });
                slot.last = log_add(slot.last, from + p);
            }
        }
        beams = next.drain().collect();
        beams.sort_by(|a, b| b.1.score().total_cmp(&a.1.score()).then_with(|| a.0.cmp(&b.0)));
        beams.truncate(params.width.max(1));
    }
    let labels = beams.into_iter().next().map(|b| b.0).unwrap_or_default();
    let chars = align(probs, classes, blank, &labels)
        .into_iter()
        .zip(&labels)
        .filter_map(|((t0, t1, confidence), &c)| {
            Some(DecodedChar {
                ch: symbol(c)?.to_string(),
                t0,
                t1,
                confidence,
            })
        })
        .collect();
    Decoded { chars, steps }
}

/// The most probable alignment (Viterbi) of `labels` to the steps: per label its first and last step
/// and its highest probability over them. Empty when the labels cannot be aligned (more labels than
/// the steps allow).
fn align(probs: &[f32], classes: usize, blank: usize, labels: &[usize]) -> Vec<(usize, usize, f32)> {
    let steps = probs.len() / classes;
    let states = 2 * labels.len() + 1;
    let class_of = |s: usize| if s.is_multiple_of(2) { blank } else { labels[s / 2] };
    let lp = |t: usize, s: usize| probs[t * classes + class_of(s)].max(f32::MIN_POSITIVE).ln();
    if labels.is_empty() || steps == 0 {
        return Vec::new();
    }
    let mut score = vec![f32::NEG_INFINITY; states];
    let mut from = vec![0u8; steps * states]; // 0: same state, 1: one back, 2: two back
    score[0] = lp(0, 0);
    score[1] = lp(0, 1);
    for t in 1..steps {
        let prev = score.clone();
        for s in 0..states {
            let mut best = (prev[s], 0u8);
            if s >= 1 && prev[s - 1] > best.0 {
                best = (prev[s - 1], 1);
            }
            if s >= 2 && s % 2 == 1 && class_of(s) != class_of(s - 2) && prev[s - 2] > best.0 {
                best = (prev[s - 2], 2);
            }
            score[s] = best.0 + lp(t, s);
            from[t * states + s] = best.1;
        }
    }
    let mut s = if score[states - 1] >= score[states - 2] { states - 1 } else { states - 2 };
    if score[s] == f32::NEG_INFINITY {
        return Vec::new();
    }
    let mut out = vec![(usize::MAX, 0, 0.0f32); labels.len()];
    for t in (0..steps).rev() {
        if s % 2 == 1 {
            let o = &mut out[s / 2];
            o.0 = t;
            if o.1 < t {
                o.1 = t;
            }
            o.2 = o.2.max(probs[t * classes + class_of(s)]);
        }
        s -= from[t * states + s] as usize;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctc::greedy_decode;

    const NO_LM: BeamParams = BeamParams {
        width: 8,
        min_prob: 0.001,
        lm_weight: 0.0,
        bonus: 0.0,
    };
    // classes: 0 blank, 1 경, 2 겸, 3 기, 4 '1'
    const SYM: [&str; 5] = ["", "경", "겸", "기", "1"];
    fn sym(i: usize) -> Option<&'static str> {
        (i > 0).then(|| SYM[i])
    }
    /// Favours 경기 as a word and finds 겸 rare.
    fn lm(prev: Option<usize>, next: usize) -> Option<f32> {
        match (prev, next) {
            (_, 4) => None,
            (Some(1), 3) => Some(-0.5),
            (_, 1) => Some(-3.0),
            (_, 2) => Some(-9.0),
            _ => Some(-4.0),
        }
    }
    fn rows(rows: &[[f32; 5]]) -> Vec<f32> {
        rows.iter().flatten().copied().collect()
    }

    #[test]
    fn sums_alignments_where_greedy_takes_the_best_path() {
        // Two steps of blank 0.6 / 경 0.4: the best path is "" (0.36) but "경" has 0.64 over its three
        // alignments (경-, -경, 경경).
        let p = rows(&[[0.6, 0.4, 0.0, 0.0, 0.0], [0.6, 0.4, 0.0, 0.0, 0.0]]);
        assert_eq!(greedy_decode(&p, 5, 0, false, None, sym).text(), "");
        let d = beam_decode(&p, 5, 0, &NO_LM, |_, _| None, sym);
        assert_eq!(d.text(), "경");
        assert_eq!(d.steps, 2);
    }

    #[test]
    fn the_language_model_decides_a_close_call_only() {
        let close = rows(&[
            [0.05, 0.42, 0.53, 0.0, 0.0],
            [0.9, 0.05, 0.05, 0.0, 0.0],
            [0.05, 0.0, 0.0, 0.95, 0.0],
        ]);
        let fused = BeamParams { lm_weight: 0.3, bonus: 4.0, ..NO_LM };
        assert_eq!(beam_decode(&close, 5, 0, &NO_LM, lm, sym).text(), "겸기");
        assert_eq!(beam_decode(&close, 5, 0, &fused, lm, sym).text(), "경기");
        let sure = rows(&[
            [0.0, 0.02, 0.98, 0.0, 0.0],
            [0.9, 0.05, 0.05, 0.0, 0.0],
            [0.05, 0.0, 0.0, 0.95, 0.0],
        ]);
        assert_eq!(beam_decode(&sure, 5, 0, &fused, lm, sym).text(), "겸기");
    }

    #[test]
    fn unscored_characters_are_left_to_the_recogniser() {
        // '1' at 0.7 against 경 at 0.3: the model scores 경 (+0.3 after centring) but not the digit, and
        // a syllable's small bonus must not outweigh what the recogniser saw.
        let p = rows(&[[0.0, 0.3, 0.0, 0.0, 0.7], [0.95, 0.0, 0.0, 0.02, 0.03]]);
        let fused = BeamParams { lm_weight: 0.3, bonus: 4.0, ..NO_LM };
        assert_eq!(beam_decode(&p, 5, 0, &fused, lm, sym).text(), "1");
        // At 0.45 / 0.55 the same bonus tips it: the term is a weight, not a veto.
        let q = rows(&[[0.0, 0.45, 0.0, 0.0, 0.55], [0.95, 0.0, 0.0, 0.02, 0.03]]);
        assert_eq!(beam_decode(&q, 5, 0, &fused, lm, sym).text(), "경");
    }

    #[test]
    fn characters_get_their_steps_and_confidence() {
        let p = rows(&[
            [0.1, 0.9, 0.0, 0.0, 0.0],
            [0.2, 0.8, 0.0, 0.0, 0.0],
            [0.9, 0.1, 0.0, 0.0, 0.0],
            [0.3, 0.0, 0.0, 0.7, 0.0],
            [0.1, 0.0, 0.0, 0.0, 0.9],
        ]);
        let d = beam_decode(&p, 5, 0, &NO_LM, |_, _| None, sym);
        assert_eq!(d.text(), "경기1");
        let spans: Vec<(usize, usize)> = d.chars.iter().map(|c| (c.t0, c.t1)).collect();
        assert_eq!(spans, vec![(0, 1), (3, 3), (4, 4)]);
        assert!((d.chars[0].confidence - 0.9).abs() < 1e-6);
        assert!((d.chars[1].confidence - 0.7).abs() < 1e-6);
    }

    #[test]
    fn a_repeated_character_needs_a_blank_between() {
        let p = rows(&[
            [0.0, 1.0, 0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0, 0.0],
        ]);
        let d = beam_decode(&p, 5, 0, &NO_LM, |_, _| None, sym);
        assert_eq!(d.text(), "경경");
        assert_eq!((d.chars[1].t0, d.chars[1].t1), (2, 3));
        assert!(beam_decode(&[], 5, 0, &NO_LM, |_, _| None, sym).chars.is_empty());
    }
}
