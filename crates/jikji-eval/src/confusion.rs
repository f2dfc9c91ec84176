//! Character alignment of GT lines against predicted lines: which characters are read as which
//! (confusion counts), and how the error rate depends on the height of the line crop.
//!
//! Each GT line is aligned with one predicted line ([`align`], a Levenshtein alignment with its edit
//! script). Which predicted line, and how the ends are treated, depends on the set:
//!
//! * **with GT boxes**: the predicted line line CER uses (highest IoU ≥ the threshold), aligned end to
//!   end, so the edit count equals the line CER errors;
//! * **without GT boxes** (the Korean photo sets): the best *infix* alignment in the page's predicted
//!   text, all predicted lines joined in reading order ([`Ends::FreePrediction`]: predicted characters
//!   before and after the GT line cost nothing). A printed line the detector cut into fragments (a
//!   receipt row's label and amount) is found whole, since its fragments follow each other in reading
//!   order; text the GT leaves out (`text_complete: false`) never counts as an error. Its crop height is
//!   that of the predicted line holding most of the aligned characters. A GT line whose best alignment
//!   keeps no character counts as unread: all its characters deleted.
//!
//! The *aligned CER* is `Σ edits / Σ GT characters` over GT lines. Lines are bucketed by the height in
//! pixels of the predicted line they were aligned with ([`HEIGHT_BUCKETS`]), the crop height the
//! recogniser saw before scaling; unread lines go to their own bucket.

use serde::ser::SerializeSeq;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::score::CerCounts;

/// One step of an alignment of a GT line (`expected`) against a predicted line (`read`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Keep(char),
    Sub {
        expected: char,
        read: char,
    },
    /// A GT character with nothing read for it.
    Del(char),
    /// A character read that the GT does not have (inside the aligned span).
    Ins(char),
}

impl Edit {
    pub fn is_error(&self) -> bool {
        !matches!(self, Edit::Keep(_))
    }
}

/// How the ends of the predicted line are charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    /// Both texts end to end (plain Levenshtein).
    Global,
    /// The GT line against the best-matching substring of the prediction: leading and trailing predicted
    /// characters are free.
    FreePrediction,
}

/// The least-cost alignment of `gt` against `pred` as an edit script in reading order (unit costs; ties
/// prefer substitution, then deletion, then insertion). With [`Ends::FreePrediction`] the unaligned head
/// and tail of `pred` are not in the script.
pub fn align(gt: &[char], pred: &[char], ends: Ends) -> Vec<Edit> {
    align_span(gt, pred, ends).0
}

/// [`align`], with the index in `pred` where the aligned span starts.
pub fn align_span(gt: &[char], pred: &[char], ends: Ends) -> (Vec<Edit>, usize) {
    let (n, m) = (gt.len(), pred.len());
    let w = m + 1;
    // d[i][j]: cost of aligning gt[..i] with pred[..j] (free pred prefix: d[0][j] = 0).
    let mut d = vec![0usize; (n + 1) * w];
    for j in 0..=m {
        d[j] = if ends == Ends::Global { j } else { 0 };
    }
    for i in 1..=n {
        d[i * w] = i;
        for j in 1..=m {
            let sub = d[(i - 1) * w + j - 1] + usize::from(gt[i - 1] != pred[j - 1]);
            let del = d[(i - 1) * w + j] + 1;
            let ins = d[i * w + j - 1] + 1;
            d[i * w + j] = sub.min(del).min(ins);
        }
    }
    let mut j = match ends {
        Ends::Global => m,
        // The last column of least cost in the last row: the end of the aligned span (on a tie, a
        // substitution rather than a deletion at the end: `7,960` read `7,96O` is `0→O`).
        Ends::FreePrediction => (0..=m)
            .min_by_key(|&j| (d[n * w + j], std::cmp::Reverse(j)))
            .unwrap_or(0),
    };
    let mut i = n;
    let mut out = Vec::with_capacity(n + 4);
    while i > 0 || (j > 0 && ends == Ends::Global) {
        let here = d[i * w + j];
        if i > 0 && j > 0 && here == d[(i - 1) * w + j - 1] + usize::from(gt[i - 1] != pred[j - 1])
        {
            out.push(if gt[i - 1] == pred[j - 1] {
                Edit::Keep(gt[i - 1])
            } else {
                Edit::Sub {
                    expected: gt[i - 1],
                    read: pred[j - 1],
                }
            });
            i -= 1;
            j -= 1;
        } else if i > 0 && here == d[(i - 1) * w + j] + 1 {
            out.push(Edit::Del(gt[i - 1]));
            i -= 1;
        } else {
            out.push(Edit::Ins(pred[j - 1]));
            j -= 1;
        }
    }
    out.reverse();
    (out, j)
}

/// Number of edits (errors) in a script.
pub fn edits(script: &[Edit]) -> usize {
    script.iter().filter(|e| e.is_error()).count()
}

/// Upper bounds (exclusive, pixels) of the crop-height buckets; a last bucket takes everything taller.
/// The recogniser reads at 48 px, so the buckets split at and around its input height.
pub const HEIGHT_BUCKETS: [u32; 5] = [16, 24, 32, 48, 64];

/// Label of height bucket `i` (`< 16 px`, `16–23 px`, …, `≥ 64 px`).
pub fn bucket_label(i: usize) -> String {
    match i {
        0 => format!("< {} px", HEIGHT_BUCKETS[0]),
        i if i < HEIGHT_BUCKETS.len() => {
            format!("{}–{} px", HEIGHT_BUCKETS[i - 1], HEIGHT_BUCKETS[i] - 1)
        }
        _ => format!("≥ {} px", HEIGHT_BUCKETS[HEIGHT_BUCKETS.len() - 1]),
    }
}

/// The bucket of a crop height in pixels.
pub fn height_bucket(h: f32) -> usize {
    HEIGHT_BUCKETS
        .iter()
        .position(|&b| h < b as f32)
        .unwrap_or(HEIGHT_BUCKETS.len())
}

/// `expected → read`; `None` on one side is a deletion (`read` None) or an insertion (`expected` None).
pub type ConfusionKey = (Option<char>, Option<char>);

/// Character statistics from the alignments of one image or a set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CharStats {
    /// Σ edits / Σ GT characters over every GT line.
    pub aligned: CerCounts,
    /// Per [`height_bucket`] of the aligned predicted line (`HEIGHT_BUCKETS.len() + 1` entries).
    pub by_height: Vec<CerCounts>,
    /// GT lines with no aligned prediction (all characters deleted).
    pub unread: CerCounts,
    /// Every edit, counted.
    pub confusions: BTreeMap<ConfusionKey, usize>,
}

impl CharStats {
    /// Adds one GT line: its alignment against a predicted line of height `height` px, or `None` for an
    /// unread line (`gt` all deleted).
    pub fn add_line(&mut self, gt: &[char], aligned: Option<(&[Edit], f32)>) {
        if self.by_height.is_empty() {
            self.by_height = vec![CerCounts::default(); HEIGHT_BUCKETS.len() + 1];
        }
        let (errors, slot) = match aligned {
            Some((script, h)) => {
                for e in script {
                    let key = match *e {
                        Edit::Keep(_) => continue,
                        Edit::Sub { expected, read } => (Some(expected), Some(read)),
                        Edit::Del(c) => (Some(c), None),
                        Edit::Ins(c) => (None, Some(c)),
                    };
                    *self.confusions.entry(key).or_default() += 1;
                }
                (edits(script), &mut self.by_height[height_bucket(h)])
            }
            None => {
                for &c in gt {
                    *self.confusions.entry((Some(c), None)).or_default() += 1;
                }
                (gt.len(), &mut self.unread)
            }
        };
        let c = CerCounts {
            errors,
            gt_chars: gt.len(),
        };
        slot.errors += c.errors;
        slot.gt_chars += c.gt_chars;
        self.aligned.errors += c.errors;
        self.aligned.gt_chars += c.gt_chars;
    }

    /// Adds another image's or set's statistics.
    pub fn add(&mut self, o: &CharStats) {
        if self.by_height.len() < o.by_height.len() {
            self.by_height
                .resize(o.by_height.len(), CerCounts::default());
        }
        for (a, b) in self.by_height.iter_mut().zip(&o.by_height) {
            a.errors += b.errors;
            a.gt_chars += b.gt_chars;
        }
        for (a, b) in [
            (&mut self.aligned, &o.aligned),
            (&mut self.unread, &o.unread),
        ] {
            a.errors += b.errors;
            a.gt_chars += b.gt_chars;
        }
        for (k, v) in &o.confusions {
            *self.confusions.entry(*k).or_default() += v;
        }
    }

    /// The `n` most frequent edits, most frequent first (ties in key order).
    pub fn top(&self, n: usize) -> Vec<(ConfusionKey, usize)> {
        let mut v: Vec<(ConfusionKey, usize)> =
            self.confusions.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }
}

/// `경→겸`, `:→∅` (lost), `∅→:` (inserted).
pub fn confusion_label(k: &ConfusionKey) -> String {
    let side = |c: Option<char>| c.map_or_else(|| "∅".to_string(), |c| c.to_string());
    format!("{}→{}", side(k.0), side(k.1))
}

/// How many confusions the JSON form lists.
const JSON_TOP: usize = 50;

impl Serialize for CharStats {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Bucket {
            height: String,
            errors: usize,
            gt_chars: usize,
        }
        #[derive(Serialize)]
        struct Confusion {
            expected: Option<char>,
            read: Option<char>,
            count: usize,
        }
        struct Top<'a>(&'a CharStats);
        impl Serialize for Top<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let top = self.0.top(JSON_TOP);
                let mut seq = s.serialize_seq(Some(top.len()))?;
                for ((expected, read), count) in top {
                    seq.serialize_element(&Confusion {
                        expected,
                        read,
                        count,
                    })?;
                }
                seq.end()
            }
        }
        #[derive(Serialize)]
        struct Out<'a> {
            aligned: CerCounts,
            unread: CerCounts,
            by_height: Vec<Bucket>,
            confusions: Top<'a>,
        }
        Out {
            aligned: self.aligned,
            unread: self.unread,
            by_height: self
                .by_height
                .iter()
                .enumerate()
                .map(|(i, c)| Bucket {
                    height: bucket_label(i),
                    errors: c.errors,
                    gt_chars: c.gt_chars,
                })
                .collect(),
            confusions: Top(self),
        }
        .serialize(s)
    }
}

/// True when at least a fifth of the non-space characters are Hangul: the sets whose reports carry the
/// confusion and crop-height tables.
pub fn mostly_korean<'a>(texts: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut hangul, mut all) = (0usize, 0usize);
    for t in texts {
        for c in t.chars().filter(|c| !c.is_whitespace()) {
            all += 1;
            hangul += usize::from(
                matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}'),
            );
        }
    }
    all > 0 && hangul * 5 >= all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn global_alignment_gives_the_edit_script_and_the_levenshtein_count() {
        let s = align(&c("경양"), &c("겸양"), Ends::Global);
        assert_eq!(
            s,
            vec![
                Edit::Sub {
                    expected: '경',
                    read: '겸'
                },
                Edit::Keep('양')
            ]
        );
        // One deletion, one insertion.
        let s = align(&c("12:30"), &c("1230::"), Ends::Global);
        assert_eq!(
            edits(&s),
            crate::metrics::levenshtein(&c("12:30"), &c("1230::"))
        );
        assert_eq!(edits(&s), 3);
        assert_eq!(
            align(&c(""), &c("ab"), Ends::Global),
            vec![Edit::Ins('a'), Edit::Ins('b')]
        );
        assert_eq!(
            align(&c("ab"), &c(""), Ends::Global),
            vec![Edit::Del('a'), Edit::Del('b')]
        );
    }

    #[test]
    fn free_prediction_ends_align_the_gt_line_inside_a_merged_prediction() {
        // The engine read two GT lines as one; the second GT line sits inside with one error.
        let s = align(
            &c("합계7,960"),
            &c("부가세362합게7,960자사"),
            Ends::FreePrediction,
        );
        assert_eq!(edits(&s), 1);
        assert_eq!(s.len(), 7, "only the aligned span: {s:?}");
        assert!(s.contains(&Edit::Sub {
            expected: '계',
            read: '게'
        }));
        // Globally the same pair costs the whole surplus.
        assert_eq!(
            edits(&align(
                &c("합계7,960"),
                &c("부가세362합게7,960자사"),
                Ends::Global
            )),
            1 + 8
        );
        // An inner insertion is still charged.
        let s = align(&c("1,300"), &c("x1, 300y"), Ends::FreePrediction);
        assert_eq!(
            s,
            vec![
                Edit::Keep('1'),
                Edit::Keep(','),
                Edit::Ins(' '),
                Edit::Keep('3'),
                Edit::Keep('0'),
                Edit::Keep('0')
            ]
        );
    }

    #[test]
    fn confusions_are_counted_from_hand_built_alignments() {
        let mut st = CharStats::default();
        // Line 1, 20 px tall: 경→겸 twice, 양 kept.
        let l1 = [
            Edit::Sub {
                expected: '경',
                read: '겸',
            },
            Edit::Keep('양'),
            Edit::Sub {
                expected: '경',
                read: '겸',
            },
        ];
        st.add_line(&c("경양경"), Some((&l1, 20.0)));
        // Line 2, 50 px tall: `:` lost, `#` inserted.
        let l2 = [
            Edit::Keep('1'),
            Edit::Del(':'),
            Edit::Keep('2'),
            Edit::Ins('#'),
        ];
        st.add_line(&c("1:2"), Some((&l2, 50.0)));
        // Line 3: unread.
        st.add_line(&c("상품"), None);

        assert_eq!(st.confusions[&(Some('경'), Some('겸'))], 2);
        assert_eq!(st.confusions[&(Some(':'), None)], 1);
        assert_eq!(st.confusions[&(None, Some('#'))], 1);
        assert_eq!(st.confusions[&(Some('상'), None)], 1);
        assert!(!st.confusions.contains_key(&(Some('양'), Some('양'))));
        assert_eq!(
            st.aligned,
            CerCounts {
                errors: 2 + 2 + 2,
                gt_chars: 3 + 3 + 2
            }
        );
        assert_eq!(
            st.unread,
            CerCounts {
                errors: 2,
                gt_chars: 2
            }
        );
        assert_eq!(
            st.by_height[height_bucket(20.0)],
            CerCounts {
                errors: 2,
                gt_chars: 3
            }
        );
        assert_eq!(
            st.by_height[height_bucket(50.0)],
            CerCounts {
                errors: 2,
                gt_chars: 3
            }
        );
        assert_eq!(st.by_height.iter().map(|c| c.gt_chars).sum::<usize>(), 6);

        let top = st.top(2);
        assert_eq!(top[0], ((Some('경'), Some('겸')), 2));
        assert_eq!(top.len(), 2);
        assert_eq!(confusion_label(&top[0].0), "경→겸");
        assert_eq!(confusion_label(&(Some(':'), None)), ":→∅");

        // Summing two images adds every count.
        let mut sum = CharStats::default();
        sum.add(&st);
        sum.add(&st);
        assert_eq!(sum.confusions[&(Some('경'), Some('겸'))], 4);
        assert_eq!(
            sum.aligned,
            CerCounts {
                errors: 12,
                gt_chars: 16
            }
        );
        assert_eq!(sum.by_height[height_bucket(20.0)].gt_chars, 6);
        let json = serde_json::to_value(&sum).unwrap();
        assert_eq!(json["confusions"][0]["expected"], "경");
        assert_eq!(json["confusions"][0]["count"], 4);
        assert_eq!(json["by_height"][1]["height"], "16–23 px");
    }

    #[test]
    fn height_buckets_split_at_their_bounds() {
        assert_eq!(height_bucket(15.9), 0);
        assert_eq!(height_bucket(16.0), 1);
        assert_eq!(height_bucket(47.0), 3);
        assert_eq!(height_bucket(48.0), 4);
        assert_eq!(height_bucket(200.0), 5);
        assert_eq!(bucket_label(0), "< 16 px");
        assert_eq!(bucket_label(5), "≥ 64 px");
    }

    #[test]
    fn korean_sets_are_told_by_their_text() {
        assert!(mostly_korean(["합계 금액 7,960", "TOTAL"]));
        assert!(!mostly_korean(["TOTAL RM 12.50", "THANK YOU"]));
        assert!(!mostly_korean([""]));
    }
}
