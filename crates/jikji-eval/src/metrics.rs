//! The primitive metrics: edit distances, bag-of-characters errors, box matching, percentiles.

use jikji_geometry::Rect;
use std::collections::HashMap;

/// Levenshtein distance (unit-cost substitutions, insertions and deletions) between two char sequences.
pub fn levenshtein(a: &[char], b: &[char]) -> usize {
    if a.is_empty() {
        return b.len();
    }
    if b.is_empty() {
        return a.len();
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Reading-order-free errors between two bags (multisets) of characters:
/// `max(|pred|, |gt|) − |pred ∩ gt|`, where `∩` is the multiset intersection (each character counted
/// `min(count_pred, count_gt)` times).
///
/// This is the smallest number of substitutions, insertions and deletions that turns `pred` into `gt` when
/// the order of characters does not matter: the `|∩|` common characters are kept,
/// `min(|pred|, |gt|) − |∩|` characters are substituted, and `||pred| − |gt||` are inserted or deleted.
/// It is 0 exactly when the two bags are equal, whatever the order of lines or words.
pub fn bag_errors(pred: &[char], gt: &[char]) -> usize {
    let mut counts: HashMap<char, i64> = HashMap::new();
    for c in gt {
        *counts.entry(*c).or_default() += 1;
    }
    let mut common = 0usize;
    for c in pred {
        if let Some(n) = counts.get_mut(c) {
            if *n > 0 {
                *n -= 1;
                common += 1;
            }
        }
    }
    pred.len().max(gt.len()) - common
}

/// One-to-one greedy matching by IoU: all pairs with `iou >= threshold` are sorted by IoU (descending; ties
/// by GT index, then prediction index) and taken in that order when neither side is matched yet.
/// Returns `(gt_index, pred_index, iou)` per match.
pub fn greedy_match(gt: &[Rect], pred: &[Rect], threshold: f32) -> Vec<(usize, usize, f32)> {
    let mut pairs = Vec::new();
    for (gi, g) in gt.iter().enumerate() {
        for (pi, p) in pred.iter().enumerate() {
            let iou = g.iou(p);
            if iou >= threshold && iou > 0.0 {
                pairs.push((gi, pi, iou));
            }
        }
    }
    pairs.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut gt_used = vec![false; gt.len()];
    let mut pred_used = vec![false; pred.len()];
    let mut out = Vec::new();
    for (gi, pi, iou) in pairs {
        if !gt_used[gi] && !pred_used[pi] {
            gt_used[gi] = true;
            pred_used[pi] = true;
            out.push((gi, pi, iou));
        }
    }
    out
}

/// The prediction with the highest IoU against `gt` (first one on ties), if that IoU is `>= threshold`.
pub fn best_overlap(gt: &Rect, pred: &[Rect], threshold: f32) -> Option<(usize, f32)> {
    let mut best: Option<(usize, f32)> = None;
    for (i, p) in pred.iter().enumerate() {
        let iou = gt.iou(p);
        if best.is_none_or(|(_, b)| iou > b) {
            best = Some((i, iou));
        }
    }
    best.filter(|(_, iou)| *iou >= threshold && *iou > 0.0)
}

/// Percentile `p` (0..=100) with linear interpolation between closest ranks (NumPy's default). `None` for
/// an empty slice.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = (p / 100.0).clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    Some(v[lo] + (v[hi] - v[lo]) * (rank - lo as f64))
}

pub fn median(values: &[f64]) -> Option<f64> {
    percentile(values, 50.0)
}

/// `num / den`, or `None` when `den == 0`.
pub fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn levenshtein_basics() {
        assert_eq!(levenshtein(&c("kitten"), &c("kitten")), 0);
        assert_eq!(levenshtein(&c("kitten"), &c("sitten")), 1);
        assert_eq!(levenshtein(&c("kitten"), &c("sitting")), 3);
        assert_eq!(levenshtein(&c(""), &c("abc")), 3);
        assert_eq!(levenshtein(&c("abc"), &c("")), 3);
        assert_eq!(levenshtein(&c("ab"), &c("ba")), 2);
        assert_eq!(levenshtein(&c("서울시"), &c("서을시")), 1);
    }

    #[test]
    fn bag_errors_ignore_order() {
        assert_eq!(bag_errors(&c("abc"), &c("abc")), 0);
        assert_eq!(bag_errors(&c("cab"), &c("abc")), 0);
        // One substitution.
        assert_eq!(bag_errors(&c("abx"), &c("abc")), 1);
        // One deletion (pred shorter) and one insertion (pred longer).
        assert_eq!(bag_errors(&c("ab"), &c("abc")), 1);
        assert_eq!(bag_errors(&c("abcd"), &c("abc")), 1);
        // Multiplicity counts: "aab" vs "abb" share a and b once each → 3 − 2 = 1.
        assert_eq!(bag_errors(&c("aab"), &c("abb")), 1);
        assert_eq!(bag_errors(&c(""), &c("abc")), 3);
        assert_eq!(bag_errors(&c("xyz"), &c("")), 3);
    }

    #[test]
    fn greedy_match_is_one_to_one_and_prefers_higher_iou() {
        let gt = [Rect::new(0., 0., 10., 10.), Rect::new(20., 0., 30., 10.)];
        // p0 overlaps g0 at IoU 0.8 (8/10 inside), p1 overlaps g0 perfectly, p2 overlaps nothing.
        let pred = [
            Rect::new(0., 0., 8., 10.),
            Rect::new(0., 0., 10., 10.),
            Rect::new(50., 50., 60., 60.),
        ];
        let m = greedy_match(&gt, &pred, 0.5);
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].0, m[0].1), (0, 1));
        assert!((m[0].2 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn iou_threshold_is_inclusive() {
        let g = Rect::new(0., 0., 10., 10.);
        // IoU exactly 0.5: pred covers half of g and nothing else.
        let p = Rect::new(0., 0., 5., 10.);
        assert_eq!(greedy_match(&[g], &[p], 0.5).len(), 1);
        assert_eq!(best_overlap(&g, &[p], 0.5).map(|x| x.0), Some(0));
        // IoU 4/10 = 0.4 is below.
        let q = Rect::new(0., 0., 4., 10.);
        assert!(greedy_match(&[g], &[q], 0.5).is_empty());
        assert!(best_overlap(&g, &[q], 0.5).is_none());
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(median(&v), Some(2.5));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 100.0), Some(4.0));
        assert!((percentile(&v, 95.0).unwrap() - 3.85).abs() < 1e-9);
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7.0]), Some(7.0));
    }
}
