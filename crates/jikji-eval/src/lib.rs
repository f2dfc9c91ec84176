//! Accuracy metrics for Jikji: page CER, line CER and detection precision/recall/F1 over ground-truth sets.
//!
//! The harness of `jikji eval` and `jikji bench`, model-agnostic: the caller builds the engine and hands
//! it in as a [`jikji_pipeline::PageReader`]; the CLI only parses flags and prints.
//!
//! * [`harness`]: run a page reader over a set ([`harness::ImageReader`]), score the outputs
//!   ([`harness::SetRun`]), the sets and languages of `jikji eval --all`, the accuracy of an anchor's
//!   outputs ([`harness::Accuracy`]);
//! * [`predictions`]: the predictions file (JSONL, one image a line) that Jikji and the anchors write and
//!   `jikji eval --predictions` scores, and matching predictions to GT images;
//! * [`report`]: one set's report (text, Markdown, JSON) and reports of several runs (`ACCURACY.md`);
//! * [`run_info`]: command, date, machine and commit for report headers; splicing a generated block into
//!   a hand-written document;
//! * the metrics themselves ([`score`], [`metrics`], [`normalize`]), Document OCR fields ([`document`])
//!   and table TEDS ([`teds`]).
//!
//! # Ground truth
//! [`gt::load`] reads a `gt.jsonl` file (or a directory holding one) or a synthetic-docs directory of
//! per-image JSON files into a [`GtSet`]. See [`gt`] for both formats.
//!
//! # Normalisation
//! GT and predicted text go through the same [`Normalizer`] (NFC; full-width ASCII → ASCII; middle-dot,
//! dash and tilde variants unified; whitespace runs → one space; optional lower-case folding). Every
//! metric then compares **non-space characters**: word spacing is a layout choice, and the ground truths
//! are not consistent about it (`2015 년 03 월`).
//!
//! Each image is scored twice, without and with case folding; reports carry both (SROIE's GT is upper case
//! while the receipts are not always).
//!
//! # Metrics
//! Let `G` be the GT lines of an image and `P` the predicted lines, after don't-care removal (below).
//!
//! * **Page CER** (reading-order free). For each image let `g` be the multiset of non-space normalised
//!   characters of all GT lines and `p` that of all predicted lines. The image's errors are
//!   `E = max(|p|, |g|) − |p ∩ g|` (multiset intersection), which is the least number of substitutions,
//!   insertions and deletions turning `p` into `g` when order is ignored ([`metrics::bag_errors`]).
//!   Page CER = `Σ_images E / Σ_images |g|`. Reordering lines or words never changes it; it can exceed 100%
//!   when the engine invents text. Skipped for `text_complete: false` images.
//! * **Line CER** (sets with boxes). Each GT line is compared with the predicted line whose axis-aligned
//!   bounding box (of the quad) has the highest IoU with the GT line's, if that IoU ≥ 0.5; errors = the
//!   Levenshtein distance of the two non-space normalised texts; a GT line with no such prediction counts
//!   all its characters as errors. Line CER = `Σ errors / Σ GT characters`. Predicted lines that match no
//!   GT line do not add errors here (detection precision reports them); one prediction may serve several
//!   GT lines.
//! * **Detection** (sets with boxes): predicted *lines* against GT lines, one-to-one greedy matching by IoU
//!   ≥ 0.5 of the axis-aligned bounding boxes ([`metrics::greedy_match`]); P = TP/(TP+FP),
//!   R = TP/(TP+FN), F1 = 2TP/(2TP+FP+FN), micro-averaged over the set.
//! * **Best match** (sets with `text_complete: false`, e.g. the passport MRZ set): for each GT line the
//!   smallest Levenshtein distance to any single predicted line (non-space normalised characters),
//!   reported per GT line position and summed.
//!
//! **Don't care.** GT lines whose role is in [`EvalOptions::ignore_roles`] (default: `stamp`, the text
//! inside red seals of the synthetic docs, transcribed in traditional seal order) are left out of every
//! metric, and predicted lines lying at least half inside such a line's bounding box are dropped too, so a
//! seal read badly (or not at all) neither costs nor earns anything.
//!
//! Synthetic docs are also summarised per group: `flat` (scan-like) vs `photo` (phone-photo renderings).

pub mod confusion;
pub mod document;
pub mod gt;
pub mod harness;
pub mod metrics;
pub mod normalize;
pub mod predictions;
pub mod report;
pub mod run_info;
pub mod score;
pub mod tables;
pub mod teds;

pub use gt::{GtError, GtFormat, GtImage, GtLine, GtSet};
pub use harness::{Accuracy, FieldExtractor, ImageReader, SetRun};
pub use normalize::Normalizer;
pub use predictions::{PredLineRecord, Prediction};
pub use report::SetReport;
pub use score::{
    score_image, summarize, BestMatch, CerCounts, DetCounts, EvalOptions, ImageScore, PredLine,
    Summary, TextScores,
};
