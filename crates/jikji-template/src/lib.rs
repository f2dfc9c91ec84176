//! Template OCR: a user's form, described once from one sample, recognised and read from every new
//! copy. No training: the sample's static text (labels, titles, headings — every word outside the
//! field regions) is kept as **anchors** with its position.
//!
//! * [`Template::build`]`(def, &sample_page, &sample_image)` checks the [`TemplateDef`] against the
//!   sample, keeps the anchors and the sample's ink in each `CHECKBOX` region (serde: the store keeps
//!   the built template).
//! * [`TemplateSet::match_page`] (or [`match_page`]) finds which template a page is: an index of anchor
//!   text bigrams shortlists the templates whose static text appears on the page at all (cost grows
//!   with the page's words and the posting lists they hit, not with every template's anchors); each
//!   shortlisted template's anchors are then paired with the page's word runs by text similarity, and a
//!   RANSAC fit ([`transform::ransac`]) finds the template→page map supported by the most anchor weight
//!   (similarity from two anchors, refined to affine and to a homography when enough anchors agree; any
//!   rotation, 90/180/270° included, since the map is fitted from positions, not from the page's
//!   orientation). The score is the supported fraction of the template's anchor weight; below
//!   [`MIN_SCORE`] the page matches nothing.
//! * [`read_fields`] maps every field region into the page and reads it (see [`read`]).
//!
//! The crate reads [`PageResult`]s and pixels only; it runs no model. A field that cuts through a
//! word takes the word's characters whose share of the word's box falls inside the region
//! (character-proportional split); re-recognising the warped region is not done here.

pub mod def;
pub mod read;
pub mod transform;

pub use def::{DefError, FieldDef, FieldKind, Region, TemplateDef, ValueType};
pub use read::{read_fields, read_fields_with, read_title, FieldReading, Reread, TitleReading};
pub use transform::{Model, Transform};

use image::RgbImage;
use jikji_document::labels::is_hangul;
use jikji_geometry::{Point, Rect};
use jikji_types::PageResult;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use transform::Corr;
use unicode_normalization::UnicodeNormalization;

/// One piece of the sample's static text: normalised text, where it sits (centre of the run, sample
/// pixels) and its text height.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    pub text: String,
    pub center: Point,
    pub height: f32,
    /// The run's two ends (middle of its first word's leading edge, of its last word's trailing edge).
    pub start: Point,
    pub end: Point,
}

impl Anchor {
    /// How much finding this anchor counts: its length, capped (a long heading is more telling than a
    /// two-letter label, but one paragraph should not outweigh the whole form).
    pub fn weight(&self) -> f32 {
        (self.text.chars().count() as f32).min(MAX_ANCHOR_WEIGHT)
    }
}

/// Cap of [`Anchor::weight`]: 8 characters, a long Korean label (`사업자등록번호` is 7).
const MAX_ANCHOR_WEIGHT: f32 = 8.0;

/// Words per anchor at most: a line of static text is cut into runs this long, so that one reading
/// difference spoils one run, not the whole line.
const MAX_RUN_WORDS: usize = 4;

/// Words per page phrase at most when pairing anchors with the page: twice [`MAX_RUN_WORDS`], since a
/// page may split what the sample read as one word (spaced-out labels such as `등 록 번 호`).
const MAX_PHRASE_WORDS: usize = 8;

/// A sample word belongs to a field (and is not static text) when this share of its box lies inside a
/// field region. A third: a value word that sticks out of a tight region still counts as variable.
const IN_FIELD_SHARE: f32 = 0.3;

/// The built template (what the store keeps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub def: TemplateDef,
    /// Size of the sample the regions and anchors refer to.
    pub width: u32,
    pub height: u32,
    pub anchors: Vec<Anchor>,
    /// Where every line of the sample starts (static or not) and its text height: the layout that
    /// refines a map fitted from too few anchors (see [`refine_by_layout`]).
    #[serde(default)]
    pub line_starts: Vec<(Point, f32)>,
    /// Per field (same order as `def.fields`): the sample's ink ratio inside a `CHECKBOX` region.
    pub sample_ink: Vec<Option<f32>>,
    /// Per field: whether the sample sets the field's date with spaces (`2019. 5. 2.`); a copy's
    /// reading of it is set the same way (`read::space_dates`). Empty in templates built before.
    #[serde(default)]
    pub spaced_dates: Vec<bool>,
    /// Per field: the shape of the sample's reading of a `NORMAL` field (`read::shape`: digits `9`,
    /// Hangul `가`, other letters `A`, signs as they are, no spaces; `2035.01.01` → `9999.99.99`),
    /// which gives back a neighbour's value a region took (`read::give_back`). No value itself is
    /// kept. Empty in templates built before.
    #[serde(default)]
    pub sample_shapes: Vec<String>,
    /// A title printed in two scripts, one anchor per script (empty otherwise; see
    /// [`Template::title_anchors`]). Empty in templates built before.
    #[serde(default)]
    pub title_parts: Vec<Anchor>,
}

/// Why a template could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Def(#[from] DefError),
    #[error("the sample has {found} pieces of static text outside the regions; at least {MIN_ANCHORS} are needed to recognise the form")]
    TooFewAnchors { found: usize },
}

/// A template needs this many anchors: one run of static text (its two ends) already fixes a
/// similarity map — an identity card's only static text is its title.
pub const MIN_ANCHORS: usize = 1;

impl Template {
    /// Builds a template from its description, the sample's OCR result and the sample image (for the
    /// checkbox ink). The page is in the sample image's pixels (or is rescaled to them).
    pub fn build(def: TemplateDef, sample: &PageResult, image: &RgbImage) -> Result<Template, BuildError> {
        let (w, h) = image.dimensions();
        let mut page = sample.clone();
        page.rescale(w, h);
        def.validate(w, h)?;
        let fields: Vec<Rect> = def.fields.iter().map(|f| f.region.rect()).collect();
        let is_static = |q: &jikji_geometry::Quad| {
            let b = q.bbox();
            let a = b.area().max(1e-3);
            fields.iter().all(|r| r.intersection(&b) / a < IN_FIELD_SHARE)
        };
        let title = def.title.as_ref().map(Region::rect);
        let in_title = |q: &jikji_geometry::Quad| title.is_some_and(|r| r.contains(q.bbox().center()));
        // The static text's runs; `split_title`: a change of script in the title ends a run.
        let runs = |split_title: bool| -> Vec<Anchor> {
            let mut anchors = Vec::new();
            for line in lines_of(&page) {
                let mut run: Vec<usize> = Vec::new();
                let flush = |run: &mut Vec<usize>, anchors: &mut Vec<Anchor>| {
                    for chunk in run.chunks(MAX_RUN_WORDS) {
                        if let Some(a) = phrase(&page, chunk) {
                            if a.text.chars().count() >= 2 {
                                anchors.push(a);
                            }
                        }
                    }
                    run.clear();
                };
                for i in line {
                    if !is_static(&page.words[i].quad) {
                        flush(&mut run, &mut anchors);
                        continue;
                    }
                    let script = script_of(&page.words[i].text);
                    let changes = run.last().is_some_and(|&p| {
                        in_title(&page.words[p].quad)
                            && script_of(&page.words[p].text).is_some_and(|s| script.is_some_and(|t| s != t))
                    });
                    if split_title && changes {
                        flush(&mut run, &mut anchors);
                    }
                    run.push(i);
                }
                flush(&mut run, &mut anchors);
            }
            anchors
        };
        let anchors = runs(false);
        // A bilingual title (`외국인등록증 ALIEN REGISTRATION CARD`) cut into one part per script, for the
        // second look of [`TemplateSet::match_among`]: copies reword one language alone (`RESIDENCE
        // CARD`). Only there: as anchors of every match, the parts made a homography of anchors all
        // at a card's top that misread its bottom fields (seed 73: 3 fields lost).
        let title_parts: Vec<Anchor> = {
            let split = runs(true);
            if split.len() > anchors.len() {
                split.into_iter().filter(|a| title.is_some_and(|r| r.contains(a.center))).collect()
            } else {
                Vec::new()
            }
        };
        if anchors.len() < MIN_ANCHORS {
            return Err(BuildError::TooFewAnchors {
                found: anchors.len(),
            });
        }
        let sample_ink = def
            .fields
            .iter()
            .map(|f| {
                (f.kind == FieldKind::Checkbox)
                    .then(|| read::ink_ratio(image, &Transform::IDENTITY, &f.region.rect(), (w, h)))
            })
            .collect();
        // The sample's own reading of each NORMAL field: how it sets its dates, and its shape.
        let sample_texts: Vec<String> = def
            .fields
            .iter()
            .map(|f| match f.kind {
                FieldKind::Normal => read::read_text(&page, &Transform::IDENTITY, &f.region.rect(), f.multiline).text,
                _ => String::new(),
            })
            .collect();
        let spaced_dates = sample_texts.iter().map(|s| read::date_spacing(s) == Some(true)).collect();
        let sample_shapes = sample_texts.iter().map(|s| read::shape(s)).collect();
        Ok(Template {
            def,
            width: w,
            height: h,
            anchors,
            line_starts: line_starts(&page),
            sample_ink,
            spaced_dates,
            sample_shapes,
            title_parts,
        })
    }

    /// The anchors with the title cut into its parts (`None` when it has none): what a page that no
    /// template matched is matched with once more, on its title alone ([`Match::accepted`]).
    fn title_anchors(&self) -> Option<Vec<Anchor>> {
        let title = self.def.title.as_ref()?.rect();
        if self.title_parts.is_empty() {
            return None;
        }
        let rest = self.anchors.iter().filter(|a| !title.contains(a.center)).cloned();
        Some(rest.chain(self.title_parts.iter().cloned()).collect())
    }
}

/// A word's script for cutting anchors: `Some(true)` with Hangul, `Some(false)` with Latin letters
/// only, `None` without letters (digits and signs go with either).
fn script_of(word: &str) -> Option<bool> {
    if word.chars().any(is_hangul) {
        Some(true)
    } else if word.chars().any(|c| c.is_ascii_alphabetic()) {
        Some(false)
    } else {
        None
    }
}

/// The page's words grouped into lines (by `line_break`), as index lists in reading order.
fn lines_of(page: &PageResult) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (i, w) in page.words.iter().enumerate() {
        cur.push(i);
        if w.line_break {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The start of every line (middle of its first word's leading edge) and its first word's height.
fn line_starts(page: &PageResult) -> Vec<(Point, f32)> {
    lines_of(page)
        .iter()
        .filter_map(|l| {
            let q = &page.words[*l.first()?].quad;
            Some((q.pts[0].lerp(q.pts[3], 0.5), q.height()))
        })
        .collect()
}

/// A line start of the template agrees with one of the page when it lands within this many text
/// heights of it: lines of a card are about 2 text heights apart.
const LAYOUT_TOLERANCE_HEIGHTS: f32 = 0.7;

/// Layout refinement: a map fitted from one or two anchors (an identity card's title) extrapolates
/// its error over the whole card — the synthetic ID cards print their title in different widths, so
/// the title alone gets the scale 25 % wrong. Lines of a fixed-layout form start at fixed places
/// whatever they say, so the template's line starts are matched to the page's: every pair of template
/// line starts and every ordered pair of page line starts propose a similarity (kept only within
/// [`LAYOUT_MAX_TURN_DEG`] and [`LAYOUT_MAX_SCALE`] of the anchor map), the one that pairs the most
/// line starts wins, and an affine map is refitted to its pairs (twice). Kept only when it pairs more
/// line starts than the anchor map. `anchors` (template → image points of anchors the map must keep)
/// join the refits: line starts of a card mostly share its left margin and say little about its
/// width, which the title's ends do.
fn refine_by_layout(t: &Template, page_starts: &[(Point, f32)], map: Transform, anchors: &[(Point, Point)]) -> Transform {
    let pair = |m: &Transform| -> Vec<(Point, Point)> {
        t.line_starts
            .iter()
            .filter_map(|(s, _)| {
                let p = m.apply(*s);
                page_starts
                    .iter()
                    .map(|(q, h)| (q.dist(p), *q, *h))
                    .filter(|(d, _, h)| *d <= LAYOUT_TOLERANCE_HEIGHTS * h)
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, q, _)| (*s, q))
            })
            .collect()
    };
    let c = Point::new(t.width as f32 / 2.0, t.height as f32 / 2.0);
    let (rot0, scale0) = (map.rotation_deg_at(c), map.scale_at(c));
    let min_sep = 0.1 * (t.width as f32).hypot(t.height as f32);
    let mut best = map;
    let mut best_n = pair(&map).len();
    let starts = &t.line_starts;
    for i in 0..starts.len() {
        for j in i + 1..starts.len() {
            let (a0, a1) = (starts[i].0, starts[j].0);
            if a0.dist(a1) < min_sep {
                continue;
            }
            for (k, (b0, _)) in page_starts.iter().enumerate() {
                for (l, (b1, _)) in page_starts.iter().enumerate() {
                    if k == l {
                        continue;
                    }
                    let Some(h) = Transform::similarity(a0, a1, *b0, *b1) else { continue };
                    let turn = (h.rotation_deg_at(c) - rot0 + 540.0).rem_euclid(360.0) - 180.0;
                    let ratio = h.scale_at(c) / scale0.max(1e-6);
                    if turn.abs() > LAYOUT_MAX_TURN_DEG || !(1.0 / LAYOUT_MAX_SCALE..=LAYOUT_MAX_SCALE).contains(&ratio) {
                        continue;
                    }
                    let n = pair(&h).len();
                    if n > best_n {
                        (best, best_n) = (h, n);
                    }
                }
            }
        }
    }
    for _ in 0..2 {
        let mut pairs = pair(&best);
        pairs.extend_from_slice(anchors);
        let Some(next) = (pairs.len() >= transform::MIN_POINTS_AFFINE)
            .then(|| Transform::affine(&pairs))
            .flatten()
        else {
            break;
        };
        let n = pair(&next).len();
        if n < best_n {
            break;
        }
        (best, best_n) = (next, n);
    }
    best
}

/// An affine anchor map resting on fewer anchors than this is refined by the layout too
/// ([`refine_by_layout`]). Measured on photos of unseen licences (`gen-idcards` seeds 31 and 41): the
/// ones matched by 3 anchors (the title, `Driver's License`, a label) were off by a row at the bottom
/// of the card; licences matched by 4 or more read right.
const FEW_ANCHORS: usize = 4;

/// Layout hypotheses may turn this far from the anchor map (degrees): the title's direction is
/// reliable to a few degrees even when its length is not.
const LAYOUT_MAX_TURN_DEG: f32 = 10.0;

/// … and scale this much either way (the ID-card titles differ by 1.26×).
const LAYOUT_MAX_SCALE: f32 = 1.5;

/// Text for matching: NFC, lower case, letters and digits only.
pub fn normalise(s: &str) -> String {
    s.nfc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// A run of consecutive words of one line as one piece of text: normalised text, the centre between
/// the run's two ends (independent of the corner order, so of the text's rotation) and the mean text
/// height.
fn phrase(page: &PageResult, idx: &[usize]) -> Option<Anchor> {
    let first = &page.words[*idx.first()?].quad;
    let last = &page.words[*idx.last()?].quad;
    let text: String = idx.iter().map(|&i| normalise(&page.words[i].text)).collect();
    if text.is_empty() {
        return None;
    }
    let start = first.pts[0].lerp(first.pts[3], 0.5);
    let end = last.pts[1].lerp(last.pts[2], 0.5);
    let height = idx.iter().map(|&i| page.words[i].quad.height()).sum::<f32>() / idx.len() as f32;
    Some(Anchor {
        text,
        center: start.lerp(end, 0.5),
        height,
        start,
        end,
    })
}

/// The page's candidate phrases: every run of 1..=[`MAX_PHRASE_WORDS`] consecutive words of a line.
fn page_phrases(page: &PageResult) -> Vec<Anchor> {
    let mut out = Vec::new();
    for line in lines_of(page) {
        for s in 0..line.len() {
            for e in s + 1..=(s + MAX_PHRASE_WORDS).min(line.len()) {
                if let Some(p) = phrase(page, &line[s..e]) {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// Text similarity 0..1: 1 − edit distance / longer length (characters).
pub fn similarity(a: &str, b: &str) -> f32 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let n = a.len().max(b.len());
    if n == 0 {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let sub = prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
            cur[j] = sub.min(prev[j] + 1).min(cur[j - 1] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[b.len()] as f32 / n as f32
}

/// A page phrase pairs with an anchor when their texts are at least this similar: one character in
/// four may be misread (`사업자등록번호` read `사업자등목번호` is 6/7 = 0.86). Two-character anchors must
/// match exactly (one wrong character of two is a different word).
const MIN_TEXT_SIMILARITY: f32 = 0.75;

/// Candidate positions kept per anchor (a label printed several times on the form, `년`/`월`-like
/// repeats, or one label read inside several overlapping phrases).
const MAX_CANDIDATES_PER_ANCHOR: usize = 4;

/// The correspondence tolerance: a page position agrees with the fitted map when it lies within this
/// many text heights of where the map puts the anchor. Form lines are 1.5–2 text heights apart; one
/// text height keeps a label from being confused with the one on the next line while leaving room
/// for the similarity hypothesis's error under perspective before the refit.
const TOLERANCE_TEXT_HEIGHTS: f32 = 1.0;

/// Minimum tolerance in page pixels (tiny text on a small image).
const MIN_TOLERANCE_PX: f32 = 4.0;

/// A page matches a template when the anchors its fitted map explains carry at least this share of
/// the template's anchor weight. Measured on the synthetic document photos (ACCURACY.md "Template
/// OCR"): the right template scored 0.59–1.00 on photos and scans of other copies, the best template
/// for an unrelated image (receipts, a name card, a passport) 0.03; 0.3 sits between with room on
/// both sides.
pub const MIN_SCORE: f32 = 0.3;

/// A match needs at least this many anchors in agreement (see [`MIN_ANCHORS`]; [`MIN_SCORE`] is what
/// keeps a template with many anchors from matching on one).
pub const MIN_INLIERS: usize = 1;

/// The result of matching a page.
#[derive(Debug, Clone)]
pub struct Match {
    /// Index of the template in the set.
    pub template: usize,
    /// Template (sample pixels) → page pixels.
    pub transform: Transform,
    pub model: Model,
    /// Supported share of the template's anchor weight, 0..1.
    pub score: f32,
    /// Anchors in agreement with the map.
    pub inliers: usize,
    /// Whether the text of the template's identification ("title") region is among the anchors in
    /// agreement: at least [`MIN_TITLE_WEIGHT`] of its anchor weight read with at least
    /// [`TITLE_MIN_SIMILARITY`], both ends of each run where the fitted map puts them.
    pub title_found: bool,
    /// For a match on its title under [`MIN_SCORE`]: whether the form's fixed-shape values
    /// (numbers, dates, codes) read in the shapes of the sample's where the map puts their regions
    /// ([`values_in_place`]); `None` when not asked, or when the form has too few such fields.
    pub values_in_place: Option<bool>,
}

impl Match {
    /// Whether the match is good enough to read the page with: its anchors carry [`MIN_SCORE`] of the
    /// template's weight, or the form's own title is found in place and the page bears it out —
    /// the form's fixed-shape values in their shapes, or, for a form with too few of those, one
    /// more anchor where the map puts it ([`MIN_TITLE_INLIERS`]). The second is for copies whose
    /// small print the photo loses: a user draws the identification region around what tells the
    /// form apart, as CLOVA's builder asks. The values are asked even when a second anchor agrees:
    /// on a hard photo (20° tilt, glare) an alien card's title and a stray word agreed on a map that
    /// read none of its 7 fields.
    pub fn accepted(&self) -> bool {
        self.inliers >= MIN_INLIERS
            && (self.score >= MIN_SCORE
                || (self.title_found && self.values_in_place.unwrap_or(self.inliers >= MIN_TITLE_INLIERS)))
    }
}

/// A title anchor counts as found (see [`Match::title_found`]) when read at least this similar (one
/// character in ten).
const TITLE_MIN_SIMILARITY: f32 = 0.9;

/// … and the found part of the title weighs at least this much (4 characters): a two- or
/// three-letter title (`영수증`) is printed on too many other pages to identify a form.
const MIN_TITLE_WEIGHT: f32 = 4.0;

/// A match on its title needs this many anchors in agreement: the title and one more, so that the
/// page has the form's geometry too, not only a word of it.
pub const MIN_TITLE_INLIERS: usize = 2;

/// How many templates the bigram vote passes on to the geometric check.
const SHORTLIST: usize = 4;

/// A template whose anchor bigrams are this rare on the page is not checked geometrically at all: it
/// could not reach [`MIN_SCORE`] (the bigram vote is an upper bound of the text part of the score,
/// with slack for misread characters).
const MIN_VOTE: f32 = MIN_SCORE * 0.5;

/// Released templates with an index of their anchor text (build once, match many pages).
#[derive(Debug, Clone, Default)]
pub struct TemplateSet {
    pub templates: Vec<Template>,
    /// Anchor-text bigram → (template, weight of that bigram in the template).
    index: HashMap<(char, char), Vec<(usize, f32)>>,
    /// Per template: total bigram weight.
    bigram_total: Vec<f32>,
    /// Per template: the bigrams of each run of its title (whole and per script) of at least
    /// [`MIN_TITLE_WEIGHT`] characters; a page holding all of one run's is checked whatever its vote
    /// (the title rule of [`Match::accepted`] matches below [`MIN_SCORE`]).
    title_bigrams: Vec<Vec<Vec<(char, char)>>>,
}

/// Two characters in a row of an anchor's or the page's normalised text.
type Bigram = (char, char);

fn bigrams(s: &str) -> impl Iterator<Item = Bigram> + '_ {
    let c: Vec<char> = s.chars().collect();
    (0..c.len().saturating_sub(1)).map(move |i| (c[i], c[i + 1]))
}

impl TemplateSet {
    pub fn new(templates: Vec<Template>) -> TemplateSet {
        let mut index: HashMap<(char, char), Vec<(usize, f32)>> = HashMap::new();
        let mut bigram_total = Vec::with_capacity(templates.len());
        for (ti, t) in templates.iter().enumerate() {
            let mut counts: HashMap<(char, char), f32> = HashMap::new();
            for a in &t.anchors {
                for b in bigrams(&a.text) {
                    *counts.entry(b).or_default() += 1.0;
                }
            }
            bigram_total.push(counts.values().sum());
            for (b, n) in counts {
                index.entry(b).or_default().push((ti, n));
            }
        }
        let title_bigrams = templates
            .iter()
            .map(|t| {
                let Some(title) = t.def.title.as_ref().map(Region::rect) else { return Vec::new() };
                t.anchors
                    .iter()
                    .chain(&t.title_parts)
                    .filter(|a| title.contains(a.center) && a.weight() >= MIN_TITLE_WEIGHT)
                    .map(|a| bigrams(&a.text).collect())
                    .collect()
            })
            .collect();
        TemplateSet {
            templates,
            index,
            bigram_total,
            title_bigrams,
        }
    }

    /// Share of each template's anchor bigrams present on the page (templates with none are absent),
    /// and the page's bigrams.
    fn votes(&self, page: &PageResult) -> (Vec<(usize, f32)>, HashSet<Bigram>) {
        let mut seen = HashSet::new();
        for w in &page.words {
            seen.extend(bigrams(&normalise(&w.text)));
        }
        // Bigrams across word boundaries of a line (spaced-out labels).
        for line in lines_of(page) {
            let joined: String = line.iter().map(|&i| normalise(&page.words[i].text)).collect();
            seen.extend(bigrams(&joined));
        }
        let mut acc: HashMap<usize, f32> = HashMap::new();
        for b in &seen {
            if let Some(post) = self.index.get(b) {
                for &(t, n) in post {
                    *acc.entry(t).or_default() += n;
                }
            }
        }
        let mut v: Vec<(usize, f32)> = acc
            .into_iter()
            .map(|(t, n)| (t, n / self.bigram_total[t].max(1.0)))
            .collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        (v, seen)
    }

    /// The best template for the page, or `None` when no template's match is [`Match::accepted`].
    pub fn match_page(&self, page: &PageResult) -> Option<Match> {
        self.match_among(page, None)
    }

    /// As [`TemplateSet::match_page`], among the templates `allowed` says yes to (`templateIds`).
    pub fn match_among(&self, page: &PageResult, allowed: Option<&dyn Fn(usize) -> bool>) -> Option<Match> {
        let phrases = page_phrases(page);
        let starts = line_starts(page);
        let mut best: Option<Match> = None;
        let (votes, seen) = self.votes(page);
        let mut shortlist: Vec<(usize, f32)> = votes
            .iter()
            .copied()
            .filter(|&(t, v)| v >= MIN_VOTE && allowed.is_none_or(|f| f(t)))
            .take(SHORTLIST)
            .collect();
        // Templates whose title the page holds, whatever their vote.
        for &(t, v) in &votes {
            let titled = self.title_bigrams[t].iter().any(|run| run.iter().all(|b| seen.contains(b)));
            if titled && allowed.is_none_or(|f| f(t)) && !shortlist.iter().any(|s| s.0 == t) && shortlist.len() < 2 * SHORTLIST {
                shortlist.push((t, v));
            }
        }
        for &(ti, _) in &shortlist {
            if let Some(m) = match_one(ti, &self.templates[ti], &self.templates[ti].anchors, page, &phrases, &starts) {
                if m.accepted() && best.as_ref().is_none_or(|b| m.score > b.score) {
                    best = Some(m);
                }
            }
        }
        if best.is_some() {
            return best;
        }
        // A second look, per script, for templates whose title is in two scripts.
        for &(ti, _) in &shortlist {
            let t = &self.templates[ti];
            let Some(anchors) = t.title_anchors() else { continue };
            if let Some(m) = match_one(ti, t, &anchors, page, &phrases, &starts) {
                if m.title_found && m.accepted() && best.as_ref().is_none_or(|b| m.score > b.score) {
                    best = Some(m);
                }
            }
        }
        best
    }

    /// Scores one template against the page without the shortlist and without [`MIN_SCORE`] (the
    /// `test` command of the management API shows it): the match `/infer` would accept, or else the
    /// anchors' best fit as it is.
    pub fn score_one(&self, ti: usize, page: &PageResult) -> Option<Match> {
        let t = self.templates.get(ti)?;
        self.match_among(page, Some(&|k| k == ti))
            .or_else(|| match_one(ti, t, &t.anchors, page, &page_phrases(page), &line_starts(page)))
    }
}

/// Whether at least [`MIN_VALUES_IN_PLACE`] and at least half of the template's fixed-shape fields
/// (a sample reading with a digit) read a value of the sample's shape through `map`; `None` when
/// the template has fewer than [`MIN_VALUES_IN_PLACE`] such fields.
fn values_in_place(t: &Template, map: &Transform, page: &PageResult) -> Option<bool> {
    let (agree, of) = read::shapes_in_place(t, map, page);
    (of >= MIN_VALUES_IN_PLACE).then_some(agree >= MIN_VALUES_IN_PLACE && 2 * agree >= of)
}

/// Fixed-shape values that must agree for a match on the title: two, and half of them. Measured on
/// unseen ID-card photos: a licence photo that lost all its labels read 5 of its 6 (number, personal
/// number, dates, type); an alien card that lost its labels 2 of its 3 (its status code is printed
/// with a word before it on some copies, `구직(D-10)` against the sample's `(F-4)`); a hard photo's map
/// that read none of an alien card's fields, 0 of 3.
const MIN_VALUES_IN_PLACE: usize = 2;

/// Matches a page against a slice of templates (builds the index; keep a [`TemplateSet`] to match
/// many pages).
pub fn match_page(templates: &[Template], page: &PageResult) -> Option<Match> {
    TemplateSet::new(templates.to_vec()).match_page(page)
}

fn match_one(
    ti: usize,
    t: &Template,
    anchors: &[Anchor],
    page: &PageResult,
    phrases: &[Anchor],
    page_starts: &[(Point, f32)],
) -> Option<Match> {
    let mut exact: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, p) in phrases.iter().enumerate() {
        exact.entry(p.text.as_str()).or_default().push(i);
    }
    let mut corrs = Vec::new();
    for (ai, a) in anchors.iter().enumerate() {
        let mut cands: Vec<(f32, usize)> = match exact.get(a.text.as_str()) {
            Some(v) => v.iter().map(|&i| (1.0, i)).collect(),
            None if a.text.chars().count() > 2 => {
                let n = a.text.chars().count();
                let slack = (n / 4).max(1);
                phrases
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.text.chars().count().abs_diff(n) <= slack)
                    .map(|(i, p)| (similarity(&a.text, &p.text), i))
                    .filter(|(s, _)| *s >= MIN_TEXT_SIMILARITY)
                    .collect()
            }
            None => Vec::new(),
        };
        cands.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        cands.truncate(MAX_CANDIDATES_PER_ANCHOR);
        for (s, pi) in cands {
            corrs.push(Corr {
                from: a.center,
                to: phrases[pi].center,
                anchor: ai,
                weight: a.weight() * s,
                tol: (phrases[pi].height * TOLERANCE_TEXT_HEIGHTS).max(MIN_TOLERANCE_PX),
                span: Some(([a.start, a.end], [phrases[pi].start, phrases[pi].end])),
            });
        }
    }
    let fit = transform::ransac(&corrs)?;
    let total = anchors.iter().map(Anchor::weight).sum::<f32>().max(1e-6);
    let (map, model) = match fit.model {
        Model::Similarity => (refine_by_layout(t, page_starts, fit.transform, &[]), Model::Affine),
        // An affine map from three anchors is nearly as unsure: three words set close together (a
        // licence's title and two labels) fix it near them and tilt it over the rest. The layout's map
        // is kept only when it still lands every one of those anchors.
        Model::Affine if fit.inliers.len() < FEW_ANCHORS => {
            let anchors: Vec<(Point, Point)> = fit.inliers.iter().flat_map(|&i| corrs[i].points()).collect();
            let refined = refine_by_layout(t, page_starts, fit.transform, &anchors);
            let kept = transform::support_of(&corrs, &refined).1.len() >= fit.inliers.len();
            (if kept { refined } else { fit.transform }, Model::Affine)
        }
        _ => (fit.transform, fit.model),
    };
    let title_found = t.def.title.as_ref().is_some_and(|r| {
        let r = r.rect();
        let found: f32 = fit
            .inliers
            .iter()
            .map(|&i| (&corrs[i], &anchors[corrs[i].anchor]))
            .filter(|(c, a)| r.contains(a.center) && c.weight >= TITLE_MIN_SIMILARITY * a.weight())
            // In place end to end, not only at its centre: two centres fit any similarity.
            .filter(|(c, _)| {
                c.span.is_some_and(|(from, to)| (0..2).all(|k| fit.transform.apply(from[k]).dist(to[k]) <= c.tol))
            })
            .map(|(_, a)| a.weight())
            .sum();
        found >= MIN_TITLE_WEIGHT
    });
    let score = (fit.support / total).min(1.0);
    let values_in_place = (title_found && score < MIN_SCORE).then(|| values_in_place(t, &map, page)).flatten();
    Some(Match {
        template: ti,
        transform: map,
        model,
        score,
        inliers: fit.inliers.len(),
        title_found,
        values_in_place,
    })
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use jikji_geometry::Quad;
    use jikji_types::Word;

    /// A page of words: `(text, x, y, w, h, line_break)` in template space, mapped by `t`.
    pub fn page(words: &[(&str, f32, f32, f32, f32, bool)], t: &Transform, size: (u32, u32)) -> PageResult {
        PageResult {
            page_index: 0,
            width: size.0,
            height: size.1,
            words: words
                .iter()
                .map(|&(s, x, y, w, h, lb)| Word {
                    text: s.into(),
                    quad: t.apply_quad(&Quad::new([
                        Point::new(x, y),
                        Point::new(x + w, y),
                        Point::new(x + w, y + h),
                        Point::new(x, y + h),
                    ])),
                    confidence: 0.95,
                    line_break: lb,
                })
                .collect(),
            lines: vec![],
            outline: None,
        }
    }

    pub fn rotation(deg: f32, scale: f32, tx: f32, ty: f32) -> Transform {
        let r = deg.to_radians();
        let (c, s) = ((scale * r.cos()) as f64, (scale * r.sin()) as f64);
        Transform {
            h: [c, -s, tx as f64, s, c, ty as f64, 0.0, 0.0, 1.0],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;

    /// A 1000×1400 form: a title, labels on the left, values on the right.
    pub(crate) fn form_words(values: [&'static str; 4]) -> Vec<(&'static str, f32, f32, f32, f32, bool)> {
        vec![
            ("물품", 380.0, 60.0, 110.0, 50.0, false),
            ("주문서", 500.0, 60.0, 160.0, 50.0, true),
            ("주문번호", 80.0, 200.0, 140.0, 30.0, false),
            (values[0], 400.0, 200.0, 200.0, 30.0, true),
            ("주문일자", 80.0, 300.0, 140.0, 30.0, false),
            (values[1], 400.0, 300.0, 260.0, 30.0, true),
            ("받는", 80.0, 400.0, 70.0, 30.0, false),
            ("사람", 160.0, 400.0, 70.0, 30.0, false),
            (values[2], 400.0, 400.0, 120.0, 30.0, true),
            ("배송지", 80.0, 500.0, 110.0, 30.0, false),
            (values[3], 400.0, 500.0, 400.0, 30.0, true),
            ("위와", 80.0, 1200.0, 70.0, 30.0, false),
            ("같이", 160.0, 1200.0, 70.0, 30.0, false),
            ("주문합니다", 240.0, 1200.0, 170.0, 30.0, true),
            ("대표자", 600.0, 1300.0, 110.0, 30.0, false),
            ("확인란", 720.0, 1300.0, 110.0, 30.0, true),
        ]
    }

    pub(crate) fn form_def() -> TemplateDef {
        let f = |name: &str, y: f32, w: f32, vt: ValueType| FieldDef {
            name: name.into(),
            region: Region {
                x: 380.0,
                y: y - 10.0,
                width: w,
                height: 50.0,
            },
            value_type: vt,
            kind: FieldKind::Normal,
            multiline: false,
            boxes: None,
            sample_checked: false,
        };
        TemplateDef {
            name: "order".into(),
            title: Some(Region {
                x: 360.0,
                y: 40.0,
                width: 320.0,
                height: 90.0,
            }),
            fields: vec![
                f("no", 200.0, 300.0, ValueType::Numeric),
                f("date", 300.0, 400.0, ValueType::Date),
                f("to", 400.0, 300.0, ValueType::Hangul),
                f("addr", 500.0, 580.0, ValueType::All),
            ],
            validation_url: None,
        }
    }

    pub(crate) fn white(w: u32, h: u32) -> RgbImage {
        RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]))
    }

    pub(crate) fn order_template() -> Template {
        let sample = page(
            &form_words(["12345", "2024.01.02", "김철수", "서울시 중구"]),
            &Transform::IDENTITY,
            (1000, 1400),
        );
        Template::build(form_def(), &sample, &white(1000, 1400)).unwrap()
    }

    /// An unrelated page: a receipt.
    fn receipt(t: &Transform) -> PageResult {
        page(
            &[
                ("영수증", 300.0, 50.0, 150.0, 40.0, true),
                ("카드승인", 50.0, 150.0, 150.0, 30.0, false),
                ("12,000원", 400.0, 150.0, 150.0, 30.0, true),
                ("합계", 50.0, 250.0, 80.0, 30.0, false),
                ("12,000원", 400.0, 250.0, 150.0, 30.0, true),
                ("감사합니다", 200.0, 400.0, 200.0, 30.0, true),
            ],
            t,
            (700, 600),
        )
    }

    #[test]
    fn anchors_are_the_static_text_only() {
        let t = order_template();
        let texts: Vec<&str> = t.anchors.iter().map(|a| a.text.as_str()).collect();
        assert!(texts.contains(&"물품주문서"), "{texts:?}");
        assert!(texts.contains(&"받는사람"));
        assert!(!texts.iter().any(|s| s.contains("12345") || s.contains("김철수")));
        let json = serde_json::to_string(&t).unwrap();
        let back: Template = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn matches_a_new_copy_at_any_rotation_and_refuses_a_receipt() {
        let t = order_template();
        let set = TemplateSet::new(vec![t]);
        for deg in [0.0f32, 4.0, 90.0, 180.0, 270.0] {
            let map = rotation(deg, 0.7, 800.0, 700.0);
            let p = page(&form_words(["99881", "2025년 3월 4일", "이영희", "부산시 해운대구"]), &map, (1600, 1600));
            let m = set.match_page(&p).expect("match");
            assert_eq!(m.template, 0);
            assert!(m.score > 0.9, "{deg}: {}", m.score);
            let probe = Point::new(500.0, 700.0);
            assert!(m.transform.apply(probe).dist(map.apply(probe)) < 3.0, "{deg}");
        }
        assert!(set.match_page(&receipt(&Transform::IDENTITY)).is_none());
    }

    #[test]
    fn missing_and_misread_anchors_lower_the_score_but_still_match() {
        let t = order_template();
        let mut words = form_words(["1", "2", "3", "4"]);
        words.retain(|w| w.0 != "배송지" && w.0 != "대표자");
        for w in &mut words {
            if w.0 == "주문일자" {
                w.0 = "주문일사";
            }
        }
        let p = page(&words, &rotation(-3.0, 1.2, 30.0, 80.0), (1400, 1900));
        let m = match_page(std::slice::from_ref(&t), &p).expect("match");
        assert!(m.score < 0.95 && m.score > 0.5, "{}", m.score);
        // Two of the eight anchors left: under MIN_SCORE.
        let few: Vec<_> = form_words(["1", "2", "3", "4"])
            .into_iter()
            .filter(|w| w.0 == "주문번호" || w.0 == "배송지")
            .collect();
        assert!(match_page(&[t], &page(&few, &Transform::IDENTITY, (1000, 1400))).is_none());
    }

    #[test]
    fn the_title_found_in_place_matches_when_the_page_bears_it_out() {
        let map = rotation(3.0, 0.6, 40.0, 30.0);
        // The words of a copy (these values) named in `names`; the last one moved down by `moved`
        // pixels (out of the form's geometry).
        let keep = |values: [&'static str; 4], names: &[&str], moved: f32| -> PageResult {
            let mut kept: Vec<_> = form_words(values).into_iter().filter(|w| names.contains(&w.0)).collect();
            if let Some(last) = kept.last_mut() {
                last.2 += moved;
            }
            page(&kept, &map, (900, 1000))
        };
        // A form without fixed-shape values (no digit in the sample's): the title (물품 주문서) and
        // 주문번호 in place, 9 of 34 weight, under MIN_SCORE, but the title and one more anchor.
        let sample = page(&form_words(["가나다", "라마바", "김철수", "서울시 중구"]), &Transform::IDENTITY, (1000, 1400));
        let t = Template::build(form_def(), &sample, &white(1000, 1400)).unwrap();
        let values = ["다라마", "바사아", "이영희", "부산시"];
        let m = match_page(std::slice::from_ref(&t), &keep(values, &["물품", "주문서", "주문번호"], 0.0)).expect("match");
        assert!(m.score < MIN_SCORE && m.title_found && m.inliers == 2 && m.values_in_place.is_none(), "{m:?}");
        let probe = Point::new(500.0, 700.0);
        assert!(m.transform.apply(probe).dist(map.apply(probe)) < 30.0);
        // The title alone, or with the label where the form does not print it: no match.
        assert!(match_page(std::slice::from_ref(&t), &keep(values, &["물품", "주문서"], 0.0)).is_none());
        assert!(match_page(std::slice::from_ref(&t), &keep(values, &["물품", "주문서", "주문번호"], 400.0)).is_none());
        // A form with fixed-shape values (an order number, a date): they must read in the sample's
        // shapes where the map puts them, whatever else agrees.
        let order = order_template();
        let good = keep(["99881", "2025.03.04", "이영희", "부산시"], &["물품", "주문서", "주문번호", "99881", "2025.03.04"], 0.0);
        let m = match_page(std::slice::from_ref(&order), &good).expect("match");
        assert_eq!(m.values_in_place, Some(true));
        let bad = keep(["A-1", "없음", "이영희", "부산시"], &["물품", "주문서", "주문번호", "A-1", "없음"], 0.0);
        assert!(match_page(std::slice::from_ref(&order), &bad).is_none());
        // The same two anchors without a title region: a plain anchor score, under MIN_SCORE.
        let mut def = form_def();
        def.title = None;
        let untitled = Template::build(def, &sample, &white(1000, 1400)).unwrap();
        assert!(match_page(&[untitled], &keep(values, &["물품", "주문서", "주문번호"], 0.0)).is_none());
    }

    #[test]
    fn a_title_alone_matches_with_the_forms_values_in_their_shapes() {
        // A licence-like form: a title, three small labels each over its fixed-shape value.
        let form = |values: [&'static str; 3], labels: bool| -> Vec<(&'static str, f32, f32, f32, f32, bool)> {
            let mut w = vec![("자동차운전면허증", 300.0, 60.0, 400.0, 50.0, true)];
            for (k, (label, value)) in [("면허번호", values[0]), ("발급일자", values[1]), ("주민번호", values[2])].into_iter().enumerate() {
                let y = 160.0 + 100.0 * k as f32;
                if labels {
                    w.push((label, 80.0, y, 100.0, 20.0, true));
                }
                w.push((value, 80.0 + 20.0 * k as f32, y + 40.0, 260.0, 30.0, true));
            }
            if labels {
                w.push(("도로교통법에", 80.0, 500.0, 200.0, 30.0, false));
                w.push(("따라", 290.0, 500.0, 60.0, 30.0, true));
                w.push(("면허를", 80.0, 550.0, 100.0, 30.0, false));
                w.push(("받았음을", 190.0, 550.0, 120.0, 30.0, false));
                w.push(("증명합니다", 320.0, 550.0, 150.0, 30.0, true));
            }
            w
        };
        let f = |name: &str, y: f32| FieldDef {
            name: name.into(),
            region: Region { x: 60.0, y: y - 10.0, width: 400.0, height: 50.0 },
            value_type: ValueType::All,
            kind: FieldKind::Normal,
            multiline: false,
            boxes: None,
            sample_checked: false,
        };
        let def = TemplateDef {
            name: "licence".into(),
            title: Some(Region { x: 280.0, y: 40.0, width: 440.0, height: 90.0 }),
            fields: vec![f("number", 200.0), f("issued", 300.0), f("personal", 400.0)],
            validation_url: None,
        };
        let sample = page(&form(["23-20-645342-07", "2022.09.25.", "881216-2080194"], true), &Transform::IDENTITY, (1000, 600));
        let set = TemplateSet::new(vec![Template::build(def, &sample, &white(1000, 600)).unwrap()]);
        let map = rotation(2.0, 0.7, 30.0, 20.0);
        // Every label lost: the title and the values in the sample's shapes.
        let copy = page(&form(["11-98-123456-01", "2019.01.31.", "750101-1234567"], false), &map, (900, 600));
        let m = set.match_page(&copy).expect("match");
        assert!(m.values_in_place == Some(true) && m.inliers == 1 && m.score < MIN_SCORE, "{m:?}");
        // Values of other shapes (another form that prints the same title), or none: no match.
        let other = page(&form(["홍길동", "서울", "A-1"], false), &map, (900, 600));
        assert!(set.match_page(&other).is_none());
        let title_only = page(&form(["", "", ""], false)[..1], &map, (900, 600));
        assert!(set.match_page(&title_only).is_none());
    }

    #[test]
    fn a_bilingual_title_is_looked_at_per_script_when_nothing_matched() {
        let mut words = form_words(["12345", "2024.01.02", "김철수", "서울시 중구"]);
        words[1].5 = false;
        words.insert(2, ("ORDER", 680.0, 70.0, 100.0, 35.0, false));
        words.insert(3, ("SHEET", 790.0, 70.0, 100.0, 35.0, true));
        let mut def = form_def();
        def.title = Some(Region { x: 360.0, y: 40.0, width: 560.0, height: 90.0 });
        let t = Template::build(def, &page(&words, &Transform::IDENTITY, (1000, 1400)), &white(1000, 1400)).unwrap();
        let texts: Vec<&str> = t.anchors.iter().map(|a| a.text.as_str()).collect();
        assert!(texts.contains(&"물품주문서ordersheet"), "{texts:?}");
        let parts: Vec<&str> = t.title_parts.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(parts, ["물품주문서", "ordersheet"]);
        // A copy that rewords the English part, with one label: matched on the Korean part.
        words[2].0 = "PURCHASE";
        words[3].0 = "ORDER";
        let kept: Vec<_> = words
            .iter()
            .filter(|w| ["물품", "주문서", "PURCHASE", "ORDER", "주문번호", "12345", "2024.01.02"].contains(&w.0))
            .cloned()
            .collect();
        let set = TemplateSet::new(vec![t.clone()]);
        let m = set.match_page(&page(&kept, &rotation(-2.0, 0.8, 20.0, 10.0), (900, 1200))).expect("match");
        assert!(m.title_found && m.inliers == 2, "{m:?}");
        // The whole title: the parts are not needed.
        let mut plain = t.clone();
        plain.title_parts.clear();
        assert!(TemplateSet::new(vec![plain]).match_page(&page(&kept, &Transform::IDENTITY, (1000, 1400))).is_none());
    }

    #[test]
    fn the_right_template_of_several_wins_and_template_ids_narrow() {
        let order = order_template();
        // A second form with other labels.
        let other_words = vec![
            ("재직", 380.0, 60.0, 110.0, 50.0, false),
            ("증명서", 500.0, 60.0, 160.0, 50.0, true),
            ("성명", 80.0, 200.0, 140.0, 30.0, false),
            ("홍길동", 400.0, 200.0, 200.0, 30.0, true),
            ("소속부서", 80.0, 300.0, 140.0, 30.0, false),
            ("총무팀", 400.0, 300.0, 260.0, 30.0, true),
            ("재직기간", 80.0, 400.0, 140.0, 30.0, false),
            ("3년", 400.0, 400.0, 120.0, 30.0, true),
        ];
        let mut def = form_def();
        def.name = "employment".into();
        def.fields.truncate(3);
        let other = Template::build(
            def,
            &page(&other_words, &Transform::IDENTITY, (1000, 1400)),
            &white(1000, 1400),
        )
        .unwrap();
        let set = TemplateSet::new(vec![other, order]);
        let p = page(&form_words(["5", "6", "7", "8"]), &rotation(2.0, 0.9, 10.0, 10.0), (1000, 1400));
        assert_eq!(set.match_page(&p).unwrap().template, 1);
        assert!(set.match_among(&p, Some(&|t| t == 0)).is_none());
        assert_eq!(set.match_among(&p, Some(&|t| t == 1)).unwrap().template, 1);
    }

    #[test]
    fn a_sample_without_static_text_is_refused() {
        let sample = page(&[("12345", 400.0, 200.0, 200.0, 30.0, true)], &Transform::IDENTITY, (1000, 1400));
        assert!(matches!(
            Template::build(form_def(), &sample, &white(1000, 1400)),
            Err(BuildError::TooFewAnchors { found: 0 })
        ));
        let mut bad = form_def();
        bad.fields[0].region.width = 0.0;
        assert!(matches!(
            Template::build(bad, &sample, &white(1000, 1400)),
            Err(BuildError::Def(DefError::ZeroSize { .. }))
        ));
    }

    #[test]
    fn text_similarity() {
        assert_eq!(similarity("사업자등록번호", "사업자등록번호"), 1.0);
        assert!(similarity("사업자등록번호", "사업자등목번호") > MIN_TEXT_SIMILARITY);
        assert!(similarity("성명", "상호") < MIN_TEXT_SIMILARITY);
        assert_eq!(normalise("등 록 번 호 :"), "등록번호");
        assert_eq!(normalise("Name/성명"), "name성명");
    }
}
