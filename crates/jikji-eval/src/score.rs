//! Scoring one image's prediction against its ground truth, and summing scores over a set.

use crate::confusion::{align, align_span, CharStats, Edit, Ends};
use crate::gt::{GtImage, GtLine};
use crate::metrics::{
    bag_errors, best_overlap, greedy_match, levenshtein, median, percentile, ratio,
};
use crate::normalize::Normalizer;
use jikji_geometry::{Quad, Rect};
use serde::Serialize;
use std::collections::BTreeMap;

/// One predicted text line: what an engine returns, independent of the engine's own types.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct PredLine {
    pub text: String,
    pub quad: Quad,
}

impl PredLine {
    pub fn new(text: impl Into<String>, quad: Quad) -> Self {
        PredLine {
            text: text.into(),
            quad,
        }
    }
}

/// Scoring options.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// GT lines with one of these roles are "don't care" (default: `stamp`, the characters inside red seals
    /// of the synthetic docs, transcribed in traditional seal order). See [`score_image`].
    pub ignore_roles: Vec<String>,
    /// IoU threshold for line matching and detection (default 0.5, inclusive).
    pub iou_threshold: f32,
    /// A predicted line is dropped as "inside a don't-care region" when at least this fraction of its
    /// bounding box lies inside an ignored GT line's bounding box (default 0.5).
    pub dont_care_cover: f32,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            ignore_roles: vec!["stamp".into()],
            iou_threshold: 0.5,
            dont_care_cover: 0.5,
        }
    }
}

/// Errors and reference length of a CER measurement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CerCounts {
    pub errors: usize,
    pub gt_chars: usize,
}

impl CerCounts {
    pub fn cer(&self) -> Option<f64> {
        ratio(self.errors, self.gt_chars)
    }
    fn add(&mut self, o: &CerCounts) {
        self.errors += o.errors;
        self.gt_chars += o.gt_chars;
    }
}

/// Detection counts at the IoU threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DetCounts {
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
}

impl DetCounts {
    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
    fn add(&mut self, o: &DetCounts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

/// Best-match result of one GT line of a partially transcribed image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BestMatch {
    /// The GT line, normalised, spaces removed.
    pub gt: String,
    /// The closest predicted line, normalised, spaces removed (`None` when nothing was predicted).
    pub pred: Option<String>,
    pub distance: usize,
    pub gt_chars: usize,
}

/// Text metrics of one image under one normalisation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TextScores {
    /// Page CER counts (`None` for partially transcribed images).
    pub page: Option<CerCounts>,
    /// Line CER counts (`None` without GT boxes).
    pub line: Option<CerCounts>,
    /// Best-match edit distances (partially transcribed images only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub best_match: Vec<BestMatch>,
}

/// Everything measured on one image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImageScore {
    pub id: String,
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc_type: Option<String>,
    pub gt_lines: usize,
    pub pred_lines: usize,
    /// GT lines left out as don't care (role in `ignore_roles`).
    pub ignored_gt_lines: usize,
    /// Predicted lines dropped because they lie in a don't-care region.
    pub ignored_pred_lines: usize,
    /// Without case folding.
    pub exact: TextScores,
    /// With case folding.
    pub casefold: TextScores,
    /// Detection counts (`None` without GT boxes).
    pub det: Option<DetCounts>,
    /// Character alignment of every GT line (exact normalisation): aligned CER, CER by crop height,
    /// confusions ([`crate::confusion`]). Summed into [`Summary::chars`], not listed per image.
    #[serde(skip)]
    pub chars: CharStats,
    /// Seconds the engine spent on this image (decode + OCR), when measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_s: Option<f64>,
    /// Why the engine failed on this image (its prediction then counts as empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn is_ignored(l: &GtLine, opts: &EvalOptions) -> bool {
    l.role
        .as_ref()
        .is_some_and(|r| opts.ignore_roles.iter().any(|x| x == r))
}

/// Scores one image.
///
/// * **Don't care**: GT lines whose role is in `opts.ignore_roles` are removed from the ground truth, and
///   predicted lines whose bounding box lies at least `opts.dont_care_cover` inside such a line's bounding
///   box are removed from the prediction, for every metric.
/// * **Page CER** (complete transcriptions only): [`bag_errors`] between the bag of non-space normalised
///   characters of all predicted lines and of all GT lines.
/// * **Line CER** (every GT line has a box): each GT line is compared with the predicted line whose
///   axis-aligned bounding box has the highest IoU with its own, if that IoU is ≥ `opts.iou_threshold`
///   (several GT lines may pick the same prediction); errors = Levenshtein distance of the normalised
///   texts with spaces removed; a GT line without such a prediction counts all its characters as errors.
///   Predicted lines that match nothing do not count here (detection precision covers them).
/// * **Detection**: predicted lines against GT lines, one-to-one greedy matching by IoU at the
///   threshold ([`greedy_match`]): TP = matches, FP = unmatched predictions, FN = unmatched GT lines.
/// * **Best match** (partial transcriptions, `text_complete: false`): for each GT line the minimal
///   Levenshtein distance to any single predicted line, both normalised with spaces removed.
pub fn score_image(gt: &GtImage, pred: &[PredLine], opts: &EvalOptions) -> ImageScore {
    let (ignored, kept): (Vec<&GtLine>, Vec<&GtLine>) =
        gt.lines.iter().partition(|l| is_ignored(l, opts));
    let dont_care: Vec<Rect> = ignored
        .iter()
        .filter_map(|l| l.quad.map(|q| q.bbox()))
        .collect();
    let pred_kept: Vec<&PredLine> = pred
        .iter()
        .filter(|p| {
            let b = p.quad.bbox();
            let area = b.area();
            !dont_care
                .iter()
                .any(|d| area > 0.0 && d.intersection(&b) / area >= opts.dont_care_cover)
        })
        .collect();
    let has_boxes = !kept.is_empty() && kept.iter().all(|l| l.quad.is_some());

    let gt_rects: Vec<Rect> = if has_boxes {
        kept.iter().map(|l| l.quad.unwrap().bbox()).collect()
    } else {
        vec![]
    };
    let pred_rects: Vec<Rect> = pred_kept.iter().map(|p| p.quad.bbox()).collect();

    let text_scores = |norm: Normalizer| {
        let gt_chars: Vec<Vec<char>> = kept.iter().map(|l| norm.chars(&l.text)).collect();
        let pred_chars: Vec<Vec<char>> = pred_kept.iter().map(|p| norm.chars(&p.text)).collect();
        let mut s = TextScores::default();
        if gt.text_complete {
            let g: Vec<char> = gt_chars.iter().flatten().copied().collect();
            let p: Vec<char> = pred_chars.iter().flatten().copied().collect();
            s.page = Some(CerCounts {
                errors: bag_errors(&p, &g),
                gt_chars: g.len(),
            });
        } else {
            for g in &gt_chars {
                let best = pred_chars
                    .iter()
                    .map(|p| (levenshtein(g, p), p))
                    .min_by_key(|(d, _)| *d);
                s.best_match.push(BestMatch {
                    gt: g.iter().collect(),
                    pred: best.map(|(_, p)| p.iter().collect()),
                    distance: best.map_or(g.len(), |(d, _)| d),
                    gt_chars: g.len(),
                });
            }
        }
        if has_boxes {
            let mut c = CerCounts::default();
            for (g, r) in gt_chars.iter().zip(&gt_rects) {
                c.gt_chars += g.len();
                c.errors += match best_overlap(r, &pred_rects, opts.iou_threshold) {
                    Some((pi, _)) => levenshtein(g, &pred_chars[pi]),
                    None => g.len(),
                };
            }
            s.line = Some(c);
        }
        s
    };

    let det = has_boxes.then(|| {
        let tp = greedy_match(&gt_rects, &pred_rects, opts.iou_threshold).len();
        DetCounts {
            tp,
            fp: pred_rects.len() - tp,
            fn_: gt_rects.len() - tp,
        }
    });

    let chars = char_stats(&kept, &pred_kept, &gt_rects, &pred_rects, has_boxes, opts);

    ImageScore {
        id: gt.id.clone(),
        image: gt.image.display().to_string(),
        group: gt.group.clone(),
        doc_type: gt.doc_type.clone(),
        gt_lines: kept.len(),
        pred_lines: pred_kept.len(),
        ignored_gt_lines: ignored.len(),
        ignored_pred_lines: pred.len() - pred_kept.len(),
        exact: text_scores(Normalizer::EXACT),
        casefold: text_scores(Normalizer::CASEFOLD),
        det,
        chars,
        latency_s: None,
        error: None,
    }
}

/// Aligns each GT line with the predictions (see [`crate::confusion`]): with boxes, the line CER match
/// aligned end to end; without, the best infix of the page's predicted text in reading order. Exact
/// normalisation, spaces removed.
fn char_stats(
    gt: &[&GtLine],
    pred: &[&PredLine],
    gt_rects: &[Rect],
    pred_rects: &[Rect],
    has_boxes: bool,
    opts: &EvalOptions,
) -> CharStats {
    let norm = Normalizer::EXACT;
    let pred_chars: Vec<Vec<char>> = pred.iter().map(|p| norm.chars(&p.text)).collect();
    // The page's predicted text, and the predicted line of each of its characters.
    let page: Vec<char> = pred_chars.iter().flatten().copied().collect();
    let line_of: Vec<usize> = pred_chars
        .iter()
        .enumerate()
        .flat_map(|(i, p)| std::iter::repeat_n(i, p.len()))
        .collect();
    let mut st = CharStats::default();
    for (i, l) in gt.iter().enumerate() {
        let g = norm.chars(&l.text);
        let best: Option<(Vec<Edit>, usize)> = if has_boxes {
            best_overlap(&gt_rects[i], pred_rects, opts.iou_threshold)
                .map(|(pi, _)| (align(&g, &pred_chars[pi], Ends::Global), pi))
        } else {
            let (script, start) = align_span(&g, &page, Ends::FreePrediction);
            // The predicted line holding most of the characters read for this GT line.
            let mut votes: BTreeMap<usize, usize> = BTreeMap::new();
            let mut j = start;
            for e in &script {
                if !matches!(e, Edit::Del(_)) {
                    *votes.entry(line_of[j]).or_default() += 1;
                    j += 1;
                }
            }
            let line = votes
                .into_iter()
                .max_by_key(|&(l, n)| (n, std::cmp::Reverse(l)));
            line.map(|(pi, _)| (script, pi))
        };
        // An alignment that keeps no character is no reading of the line.
        match best.filter(|(s, _)| s.iter().any(|e| matches!(e, Edit::Keep(_)))) {
            Some((script, pi)) => st.add_line(&g, Some((&script, pred[pi].quad.height()))),
            None => st.add_line(&g, None),
        }
    }
    st
}

/// Best-match totals of one GT line position (e.g. MRZ line 1) over a set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BestMatchLine {
    /// 0-based index of the line in each image's GT.
    pub index: usize,
    pub images: usize,
    pub distance: usize,
    pub gt_chars: usize,
    /// Images where the line was read exactly (distance 0).
    pub exact: usize,
}

/// Sums of one normalisation's text metrics over images.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TextSummary {
    pub page: Option<CerCounts>,
    pub line: Option<CerCounts>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub best_match: Vec<BestMatchLine>,
}

impl TextSummary {
    pub fn page_cer(&self) -> Option<f64> {
        self.page.and_then(|c| c.cer())
    }
    pub fn line_cer(&self) -> Option<f64> {
        self.line.and_then(|c| c.cer())
    }
    /// Σ best-match distance / Σ GT chars over every best-match line.
    pub fn best_match_cer(&self) -> Option<f64> {
        let d: usize = self.best_match.iter().map(|b| b.distance).sum();
        let n: usize = self.best_match.iter().map(|b| b.gt_chars).sum();
        ratio(d, n)
    }
}

/// Totals over a set (or a group of it). CERs are micro-averages: Σ errors / Σ GT characters.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub images: usize,
    /// Images the engine failed on (counted as empty predictions).
    pub failed: usize,
    pub gt_lines: usize,
    pub pred_lines: usize,
    pub exact: TextSummary,
    pub casefold: TextSummary,
    pub det: Option<DetCounts>,
    /// Character alignment totals (aligned CER, CER by crop height, confusions).
    pub chars: CharStats,
    /// Median and 95th percentile of the per-image latency (seconds), when measured.
    pub latency_median_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
}

fn add_opt<T: Default + Copy>(acc: &mut Option<T>, v: Option<T>, add: impl Fn(&mut T, &T)) {
    if let Some(v) = v {
        add(acc.get_or_insert_with(T::default), &v);
    }
}

fn add_text(acc: &mut TextSummary, s: &TextScores) {
    add_opt(&mut acc.page, s.page, CerCounts::add);
    add_opt(&mut acc.line, s.line, CerCounts::add);
    for (i, b) in s.best_match.iter().enumerate() {
        if acc.best_match.len() <= i {
            acc.best_match.push(BestMatchLine {
                index: i,
                ..Default::default()
            });
        }
        let t = &mut acc.best_match[i];
        t.images += 1;
        t.distance += b.distance;
        t.gt_chars += b.gt_chars;
        t.exact += usize::from(b.distance == 0);
    }
}

/// Sums per-image scores.
pub fn summarize<'a>(scores: impl IntoIterator<Item = &'a ImageScore>) -> Summary {
    let mut s = Summary::default();
    let mut lat = Vec::new();
    for sc in scores {
        s.images += 1;
        s.failed += usize::from(sc.error.is_some());
        s.gt_lines += sc.gt_lines;
        s.pred_lines += sc.pred_lines;
        add_text(&mut s.exact, &sc.exact);
        add_text(&mut s.casefold, &sc.casefold);
        add_opt(&mut s.det, sc.det, DetCounts::add);
        s.chars.add(&sc.chars);
        lat.extend(sc.latency_s);
    }
    s.latency_median_s = median(&lat);
    s.latency_p95_s = percentile(&lat, 95.0);
    s
}

/// Per-group summaries (synthetic docs: `flat`, `photo`), in group-name order. Empty when no image has a group.
pub fn summarize_groups(scores: &[ImageScore]) -> BTreeMap<String, Summary> {
    let mut groups: BTreeMap<String, Vec<&ImageScore>> = BTreeMap::new();
    for s in scores {
        if let Some(g) = &s.group {
            groups.entry(g.clone()).or_default().push(s);
        }
    }
    groups.into_iter().map(|(k, v)| (k, summarize(v))).collect()
}

/// Per-document-type summaries (synthetic docs), in type-name order.
pub fn summarize_doc_types(scores: &[ImageScore]) -> BTreeMap<String, Summary> {
    let mut groups: BTreeMap<String, Vec<&ImageScore>> = BTreeMap::new();
    for s in scores {
        if let Some(g) = &s.doc_type {
            groups.entry(g.clone()).or_default().push(s);
        }
    }
    groups.into_iter().map(|(k, v)| (k, summarize(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn rect(x0: f32, y0: f32, x1: f32, y1: f32) -> Quad {
        Rect::new(x0, y0, x1, y1).to_quad()
    }

    fn gt_line(text: &str, q: Quad) -> GtLine {
        GtLine {
            text: text.into(),
            quad: Some(q),
            role: None,
        }
    }

    fn image(lines: Vec<GtLine>) -> GtImage {
        GtImage {
            id: "t".into(),
            image: PathBuf::from("t.jpg"),
            lines,
            text_complete: true,
            group: None,
            doc_type: None,
            fields: vec![],
        }
    }

    /// Two GT lines: "HELLO" at the top, "WORLD 42" below.
    fn two_lines() -> GtImage {
        image(vec![
            gt_line("HELLO", rect(0., 0., 100., 20.)),
            gt_line("WORLD 42", rect(0., 30., 100., 50.)),
        ])
    }

    #[test]
    fn identical_prediction_scores_zero() {
        let gt = two_lines();
        let pred = vec![
            PredLine::new("HELLO", rect(0., 0., 100., 20.)),
            PredLine::new("WORLD 42", rect(0., 30., 100., 50.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(
            s.exact.page,
            Some(CerCounts {
                errors: 0,
                gt_chars: 12
            })
        );
        assert_eq!(
            s.exact.line,
            Some(CerCounts {
                errors: 0,
                gt_chars: 12
            })
        );
        assert_eq!(
            s.det,
            Some(DetCounts {
                tp: 2,
                fp: 0,
                fn_: 0
            })
        );
        let sum = summarize([&s]);
        assert_eq!(sum.exact.page_cer(), Some(0.0));
        assert_eq!(sum.det.unwrap().f1(), Some(1.0));
    }

    #[test]
    fn one_substitution() {
        let gt = two_lines();
        let pred = vec![
            PredLine::new("HELL0", rect(0., 0., 100., 20.)),
            PredLine::new("WORLD 42", rect(0., 30., 100., 50.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(
            s.exact.page,
            Some(CerCounts {
                errors: 1,
                gt_chars: 12
            })
        );
        assert_eq!(
            s.exact.line,
            Some(CerCounts {
                errors: 1,
                gt_chars: 12
            })
        );
        assert!((s.exact.page.unwrap().cer().unwrap() - 1.0 / 12.0).abs() < 1e-12);
    }

    #[test]
    fn spaces_do_not_count() {
        let gt = two_lines();
        let pred = vec![
            PredLine::new("HEL LO", rect(0., 0., 100., 20.)),
            PredLine::new("WORLD42", rect(0., 30., 100., 50.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(s.exact.page.unwrap().errors, 0);
        assert_eq!(s.exact.line.unwrap().errors, 0);
    }

    #[test]
    fn reordered_lines_keep_page_cer_but_not_line_cer() {
        let gt = two_lines();
        // The texts are swapped between the two boxes: same bag of characters, wrong lines.
        let pred = vec![
            PredLine::new("WORLD 42", rect(0., 0., 100., 20.)),
            PredLine::new("HELLO", rect(0., 30., 100., 50.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(s.exact.page.unwrap().errors, 0);
        // lev("HELLO","WORLD42") = 6 ... computed independently below.
        let l1 = levenshtein(
            &"HELLO".chars().collect::<Vec<_>>(),
            &"WORLD42".chars().collect::<Vec<_>>(),
        );
        assert_eq!(l1, 6);
        assert_eq!(s.exact.line.unwrap().errors, 2 * l1);
        assert!(s.exact.line.unwrap().errors > 0);
        // Boxes still match one to one.
        assert_eq!(
            s.det,
            Some(DetCounts {
                tp: 2,
                fp: 0,
                fn_: 0
            })
        );
    }

    #[test]
    fn unmatched_gt_line_counts_all_chars_and_false_positive_hurts_precision() {
        let gt = two_lines();
        // Line 1 found; line 2 missed (the box is elsewhere, IoU 0); an extra false positive.
        let pred = vec![
            PredLine::new("HELLO", rect(0., 0., 100., 20.)),
            PredLine::new("WORLD 42", rect(300., 300., 400., 320.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(
            s.exact.line,
            Some(CerCounts {
                errors: 7,
                gt_chars: 12
            })
        );
        // Page CER ignores where the text is: still perfect.
        assert_eq!(s.exact.page.unwrap().errors, 0);
        let d = s.det.unwrap();
        assert_eq!(
            d,
            DetCounts {
                tp: 1,
                fp: 1,
                fn_: 1
            }
        );
        assert_eq!(d.precision(), Some(0.5));
        assert_eq!(d.recall(), Some(0.5));
        assert_eq!(d.f1(), Some(0.5));
    }

    #[test]
    fn detection_with_one_false_positive_and_one_miss_of_three() {
        let gt = image(vec![
            gt_line("A", rect(0., 0., 10., 10.)),
            gt_line("B", rect(20., 0., 30., 10.)),
            gt_line("C", rect(40., 0., 50., 10.)),
        ]);
        let pred = vec![
            PredLine::new("A", rect(0., 0., 10., 10.)),
            PredLine::new("B", rect(21., 0., 30., 10.)), // IoU 0.9
            PredLine::new("X", rect(80., 0., 90., 10.)), // false positive
        ];
        let d = score_image(&gt, &pred, &EvalOptions::default())
            .det
            .unwrap();
        assert_eq!(
            d,
            DetCounts {
                tp: 2,
                fp: 1,
                fn_: 1
            }
        );
        assert!((d.precision().unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((d.recall().unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((d.f1().unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn merged_prediction_is_one_detection_and_low_iou_gt_lines_count_as_missed() {
        // GT has "DATE:" and the date as two segments on one row; the engine returns one merged line.
        let gt = image(vec![
            gt_line("DATE:", rect(0., 0., 40., 10.)),
            gt_line("25/12/2018", rect(100., 0., 200., 10.)),
        ]);
        let pred = vec![PredLine::new("DATE: 25/12/2018", rect(0., 0., 200., 10.))];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(s.exact.page.unwrap().errors, 0);
        // IoU(date, merged) = 100/200 = 0.5 → matched; IoU("DATE:", merged) = 0.2 → missed.
        let l = s.exact.line.unwrap();
        assert_eq!(l.gt_chars, 15);
        assert_eq!(
            l.errors,
            5 + levenshtein(
                &"25/12/2018".chars().collect::<Vec<_>>(),
                &"DATE:25/12/2018".chars().collect::<Vec<_>>()
            )
        );
        assert_eq!(
            s.det,
            Some(DetCounts {
                tp: 1,
                fp: 0,
                fn_: 1
            })
        );
    }

    #[test]
    fn casefold_is_reported_separately() {
        let gt = image(vec![gt_line("TOTAL RM", rect(0., 0., 100., 20.))]);
        let pred = vec![PredLine::new("Total RM", rect(0., 0., 100., 20.))];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(s.exact.page.unwrap().errors, 4);
        assert_eq!(s.casefold.page.unwrap().errors, 0);
        assert_eq!(s.exact.line.unwrap().errors, 4);
        assert_eq!(s.casefold.line.unwrap().errors, 0);
    }

    #[test]
    fn normalisation_applies_before_scoring() {
        let gt = image(vec![gt_line(
            "TEL)043-254-2500 10~20",
            rect(0., 0., 100., 20.),
        )]);
        let pred = vec![PredLine::new(
            "ＴＥＬ）０４３－２５４—２５００ 10〜20",
            rect(0., 0., 100., 20.),
        )];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(s.exact.page.unwrap().errors, 0);
        assert_eq!(s.exact.line.unwrap().errors, 0);
    }

    #[test]
    fn stamp_lines_are_dont_care() {
        let mut gt = two_lines();
        gt.lines.push(GtLine {
            text: "印章".into(),
            quad: Some(rect(200., 0., 240., 40.)),
            role: Some("stamp".into()),
        });
        let pred = vec![
            PredLine::new("HELLO", rect(0., 0., 100., 20.)),
            PredLine::new("WORLD 42", rect(0., 30., 100., 50.)),
            // Garbage read inside the seal: dropped, not a false positive nor page-CER insertions.
            PredLine::new("章印x", rect(205., 5., 235., 35.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(
            (
                s.gt_lines,
                s.ignored_gt_lines,
                s.pred_lines,
                s.ignored_pred_lines
            ),
            (2, 1, 2, 1)
        );
        assert_eq!(
            s.exact.page,
            Some(CerCounts {
                errors: 0,
                gt_chars: 12
            })
        );
        assert_eq!(
            s.det,
            Some(DetCounts {
                tp: 2,
                fp: 0,
                fn_: 0
            })
        );
        // Without ignoring, the seal counts.
        let s2 = score_image(
            &gt,
            &pred,
            &EvalOptions {
                ignore_roles: vec![],
                ..Default::default()
            },
        );
        assert_eq!(s2.exact.page.unwrap().gt_chars, 14);
        assert_eq!(s2.det.unwrap().tp, 3);
    }

    #[test]
    fn without_boxes_gt_lines_are_aligned_in_the_page_text_across_fragments() {
        let line = |t: &str| GtLine {
            text: t.into(),
            quad: None,
            role: None,
        };
        let mut gt = image(vec![line("합계 7,960"), line("부가세 362")]);
        gt.text_complete = false;
        let pred = vec![
            // The row cut in two fragments by the detector, one digit misread.
            PredLine::new("합계", rect(0., 0., 40., 20.)),
            PredLine::new("7,96O", rect(100., 0., 160., 20.)),
            // Text the partial GT leaves out, around a correct line: free.
            PredLine::new("광고 부가세 362 문구", rect(0., 30., 200., 70.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(
            s.chars.aligned,
            CerCounts {
                errors: 1,
                gt_chars: 13
            }
        );
        assert_eq!(s.chars.confusions.len(), 1);
        assert_eq!(s.chars.confusions[&(Some('0'), Some('O'))], 1);
        // Heights: the first GT line has most of its characters in the 20 px fragment "7,96O", the
        // second in the 40 px line.
        use crate::confusion::height_bucket;
        assert_eq!(
            s.chars.by_height[height_bucket(20.0)],
            CerCounts {
                errors: 1,
                gt_chars: 7
            }
        );
        assert_eq!(
            s.chars.by_height[height_bucket(40.0)],
            CerCounts {
                errors: 0,
                gt_chars: 6
            }
        );
        // Nothing read: every GT line unread.
        let s0 = score_image(&gt, &[], &EvalOptions::default());
        assert_eq!(
            s0.chars.unread,
            CerCounts {
                errors: 13,
                gt_chars: 13
            }
        );
    }

    #[test]
    fn no_boxes_gives_page_cer_only() {
        let gt = image(vec![GtLine {
            text: "서울".into(),
            quad: None,
            role: None,
        }]);
        let pred = vec![PredLine::new("서을", rect(0., 0., 10., 10.))];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(
            s.exact.page,
            Some(CerCounts {
                errors: 1,
                gt_chars: 2
            })
        );
        assert_eq!(s.exact.line, None);
        assert_eq!(s.det, None);
    }

    #[test]
    fn partial_transcription_uses_best_match() {
        let mut gt = image(vec![
            GtLine {
                text: "P<UTOERIKSSON<<ANNA".into(),
                quad: None,
                role: None,
            },
            GtLine {
                text: "L898902C36UTO".into(),
                quad: None,
                role: None,
            },
        ]);
        gt.text_complete = false;
        let pred = vec![
            PredLine::new("PASSPORT", rect(0., 0., 10., 10.)),
            PredLine::new("P<UTOERIKSSON << ANNA", rect(0., 0., 10., 10.)),
            PredLine::new("L8989O2C36UTO", rect(0., 0., 10., 10.)),
        ];
        let s = score_image(&gt, &pred, &EvalOptions::default());
        assert_eq!(s.exact.page, None);
        assert_eq!(s.exact.best_match.len(), 2);
        assert_eq!(s.exact.best_match[0].distance, 0);
        assert_eq!(s.exact.best_match[1].distance, 1);
        assert_eq!(s.exact.best_match[1].pred.as_deref(), Some("L8989O2C36UTO"));
        let sum = summarize([&s, &s]);
        assert_eq!(
            sum.exact.best_match[1],
            BestMatchLine {
                index: 1,
                images: 2,
                distance: 2,
                gt_chars: 26,
                exact: 0
            }
        );
        assert_eq!(sum.exact.best_match[0].exact, 2);
        assert_eq!(sum.exact.page_cer(), None);
        // Nothing predicted: every GT char is an error.
        let s0 = score_image(&gt, &[], &EvalOptions::default());
        assert_eq!(s0.exact.best_match[0].distance, 19);
        assert_eq!(s0.exact.best_match[0].pred, None);
    }

    #[test]
    fn summaries_are_micro_averages_and_split_by_group() {
        let gt = two_lines();
        let good = vec![
            PredLine::new("HELLO", rect(0., 0., 100., 20.)),
            PredLine::new("WORLD 42", rect(0., 30., 100., 50.)),
        ];
        let mut a = score_image(&gt, &good, &EvalOptions::default());
        a.group = Some("flat".into());
        a.latency_s = Some(1.0);
        let mut b = score_image(&gt, &[], &EvalOptions::default());
        b.group = Some("photo".into());
        b.latency_s = Some(3.0);
        let all = summarize([&a, &b]);
        assert_eq!(
            all.exact.page,
            Some(CerCounts {
                errors: 12,
                gt_chars: 24
            })
        );
        assert_eq!(
            all.det,
            Some(DetCounts {
                tp: 2,
                fp: 0,
                fn_: 2
            })
        );
        assert_eq!(all.latency_median_s, Some(2.0));
        let groups = summarize_groups(&[a, b]);
        assert_eq!(groups.keys().collect::<Vec<_>>(), ["flat", "photo"]);
        assert_eq!(groups["flat"].exact.page_cer(), Some(0.0));
        assert_eq!(groups["photo"].exact.page_cer(), Some(1.0));
    }
}
