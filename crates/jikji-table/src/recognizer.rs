//! The models of the table stage and the page-level pipeline (feature `models`).

use std::path::Path;

use image::RgbImage;
use jikji_geometry::Rect;
use jikji_runtime::{Model, RuntimeError};
use jikji_types::{PageResult, Word};
use ndarray::Array4;

use crate::{aligned, fill, regions, rules, slots, structure, Grid, Region, Table};

/// Model files, relative to the model directory.
pub const LAYOUT_MODEL: &str = "table/layout_cdla.onnx";
pub const STRUCTURE_MODEL: &str = "table/slanet-plus.onnx";

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error("table model {model} gave unexpected outputs: {detail}")]
    Outputs { model: String, detail: String },
}

/// Settings of the table stage.
#[derive(Debug, Clone)]
pub struct TableConfig {
    /// Minimum layout score of a table region. rapid-layout's default is 0.5; measured with the
    /// letterboxed input on the generated dev set (32 pages, `examples/table_eval.rs`): 0.5 → TEDS 0.289,
    /// 0.3 → 0.486 (tables found on more pages); on 32 pages without a real table grid (12 SROIE
    /// receipts, 20 synthetic/real Korean documents) 0.3 found a table on 1 page, 0.5 on none.
    pub region_conf: f32,
    /// Margin added around a region before SLANet reads it, as a fraction of the region's shorter side
    /// (at least `crop_margin_min` pixels): SLANet was trained on crops with a little white border, and
    /// the layout boxes sometimes cut the table's outer rule.
    pub crop_margin: f32,
    pub crop_margin_min: f32,
    /// ONNX Runtime intra-op threads per model.
    pub threads: usize,
    /// Also find ruled tables from their rule lines ([`rules`]), beside the layout model.
    pub ruled_finder: bool,
    /// Also find borderless tables from the words' column alignment ([`aligned`]) where no other
    /// finder found one.
    pub aligned_finder: bool,
    /// Find table regions with the layout model (PicoDet CDLA, ~150 ms a page on one core) as well.
    /// Off by default, and the model is then not loaded: with the rule-line and word-alignment finders
    /// alone (the gutter cut of [`aligned`] included) the generated sets score higher and the real set
    /// the same, in a third of the time (TEDS dev 0.957 → 0.968, held out 0.962 → 0.977,
    /// `testdata/tables-real` 0.281 → 0.275 Korean and 0.190 → 0.190 English; table stage 336 → 88 ms
    /// a table page; `examples/table_eval.rs`, ACCURACY.md "Tables").
    pub layout_finder: bool,
}

impl Default for TableConfig {
    fn default() -> Self {
        TableConfig {
            region_conf: 0.3,
            crop_margin: 0.02,
            crop_margin_min: 4.0,
            threads: 1,
            ruled_finder: true,
            aligned_finder: true,
            layout_finder: false,
        }
    }
}

/// The page's words in `image`'s pixels (rescaled if the page was read at another size).
fn words_in_image<'a>(image: &RgbImage, page: &'a PageResult) -> std::borrow::Cow<'a, [Word]> {
    match page_in_image(image, page) {
        std::borrow::Cow::Owned(p) => std::borrow::Cow::Owned(p.words),
        std::borrow::Cow::Borrowed(p) => std::borrow::Cow::Borrowed(&p.words),
    }
}

/// The page result in the image's pixels: rescaled when the page was read at another size.
fn page_in_image<'a>(image: &RgbImage, page: &'a PageResult) -> std::borrow::Cow<'a, PageResult> {
    if (page.width, page.height) != (image.width(), image.height()) && page.width > 0 && page.height > 0 {
        let mut p = page.clone();
        p.rescale(image.width(), image.height());
        std::borrow::Cow::Owned(p)
    } else {
        std::borrow::Cow::Borrowed(page)
    }
}

/// Table recognisers shared by concurrent requests: a request takes an idle recogniser (loading a
/// new one when none is idle) and gives it back when done, so there are never more than the number
/// of requests running at once (the server's workers) and the models are loaded once per worker, not
/// per request. The first recogniser is loaded by [`TablePool::new`], so missing model files show at
/// start-up.
pub struct TablePool {
    models_dir: std::path::PathBuf,
    config: TableConfig,
    idle: std::sync::Mutex<Vec<TableRecognizer>>,
}

impl TablePool {
    pub fn new(models_dir: &Path, config: TableConfig) -> Result<TablePool, TableError> {
        let first = TableRecognizer::load_with(models_dir, config.clone())?;
        Ok(TablePool {
            models_dir: models_dir.to_path_buf(),
            config,
            idle: std::sync::Mutex::new(vec![first]),
        })
    }

    /// [`TableRecognizer::recognize`] on an idle recogniser of the pool.
    pub fn recognize(&self, image: &RgbImage, page: &PageResult) -> Result<Vec<Table>, TableError> {
        let taken = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut rec = match taken {
            Some(r) => r,
            None => TableRecognizer::load_with(&self.models_dir, self.config.clone())?,
        };
        let out = rec.recognize(image, page);
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(rec);
        out
    }

    /// Recognisers loaded and idle now.
    pub fn idle(&self) -> usize {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// The table stage's models. `recognize` needs `&mut self` (an ONNX session runs one call at a time):
/// one recogniser per worker, as the engine does with its models.
pub struct TableRecognizer {
    /// Loaded only with [`TableConfig::layout_finder`].
    layout: Option<Model>,
    structure: Model,
    config: TableConfig,
}

impl TableRecognizer {
    /// Loads the models from `models_dir` with the default settings (1 thread).
    pub fn load(models_dir: &Path) -> Result<TableRecognizer, TableError> {
        TableRecognizer::load_with(models_dir, TableConfig::default())
    }

    pub fn load_with(models_dir: &Path, config: TableConfig) -> Result<TableRecognizer, TableError> {
        let layout = if config.layout_finder {
            let file = jikji_runtime::model_file(models_dir, LAYOUT_MODEL)?;
            Some(Model::load(models_dir, &file, config.threads)?)
        } else {
            None
        };
        let structure = jikji_runtime::model_file(models_dir, STRUCTURE_MODEL)?;
        Ok(TableRecognizer {
            layout,
            structure: Model::load(models_dir, &structure, config.threads)?,
            config,
        })
    }

    pub fn config(&self) -> &TableConfig {
        &self.config
    }

    /// Finds the tables on `image` and fills them with the words of `page` (whose coordinates are
    /// rescaled to the image if the page was read at another size).
    ///
    /// A page whose words never sit side by side ([`aligned::may_hold_a_table`]: prose, letters, a
    /// single column) has no table with text, and costs no model run. A page photographed or scanned
    /// sideways or upside down (its lines' reading direction, [`PageResult::reading_turns`]) is turned
    /// upright for the stage, and its tables mapped back onto the page as given.
    pub fn recognize(&mut self, image: &RgbImage, page: &PageResult) -> Result<Vec<Table>, TableError> {
        let mut page = page_in_image(image, page);
        let turns = page.reading_turns();
        if turns != 0 {
            page.to_mut().turn(turns);
        }
        if !aligned::may_hold_a_table(&page.words) {
            return Ok(Vec::new());
        }
        if turns == 0 {
            return self.recognize_upright(image, &page);
        }
        let upright = jikji_image::turn_upright(image, turns);
        let tables = self.recognize_upright(&upright, &page)?;
        Ok(tables.iter().map(|t| t.unturn(turns, image.width(), image.height())).collect())
    }

    /// [`TableRecognizer::recognize`] on a page whose text reads left to right, its result in the
    /// image's pixels.
    fn recognize_upright(&mut self, image: &RgbImage, page: &PageResult) -> Result<Vec<Table>, TableError> {
        let regions = self.find_regions(image)?;
        let aligned = match self.config.aligned_finder {
            true => aligned::find_aligned_tables(&page.words, &regions),
            false => Vec::new(),
        };
        let found: Vec<(Region, bool)> =
            regions.into_iter().map(|r| (r, false)).chain(aligned.into_iter().map(|r| (r, true))).collect();
        self.recognize_found(image, page, &found)
    }

    /// Table regions on the page, best first (page pixels).
    pub fn find_regions(&mut self, image: &RgbImage) -> Result<Vec<Region>, TableError> {
        if image.width() < 8 || image.height() < 8 {
            return Ok(Vec::new());
        }
        let Some(layout) = self.layout.as_mut().filter(|_| self.config.layout_finder) else {
            return Ok(if self.config.ruled_finder { rules::find_ruled_tables(image) } else { Vec::new() });
        };
        let input = regions::preprocess(image);
        let outs = layout.run_all(input.view())?;
        let bad = |detail: String| TableError::Outputs {
            model: LAYOUT_MODEL.into(),
            detail,
        };
        if outs.len() != 8 {
            return Err(bad(format!("{} outputs, expected 8", outs.len())));
        }
        let classes = regions::LAYOUT_CLASSES.len();
        let mut heads = Vec::new();
        for i in 0..4 {
            let (s, d) = (&outs[i], &outs[i + 4]);
            if s.shape().last() != Some(&classes) {
                return Err(bad(format!("score head shape {:?}", s.shape())));
            }
            heads.push((
                s.as_slice().ok_or_else(|| bad("non-contiguous".into()))?,
                d.as_slice().ok_or_else(|| bad("non-contiguous".into()))?,
            ));
        }
        let heads: Vec<regions::Head> = heads
            .iter()
            .map(|(s, d)| regions::Head { scores: s, dists: d })
            .collect();
        let layout = regions::decode(
            &heads,
            classes,
            regions::TABLE_CLASS,
            self.config.region_conf,
            image.width() as f32,
            image.height() as f32,
        );
        if !self.config.ruled_finder {
            return Ok(layout);
        }
        Ok(rules::merge_regions(rules::find_ruled_tables(image), layout))
    }

    /// Recognises the tables in the given regions (page pixels) — for callers that know where the tables
    /// are (evaluation on table crops, a client's own boxes).
    pub fn recognize_regions(
        &mut self,
        image: &RgbImage,
        page: &PageResult,
        regions: &[Region],
    ) -> Result<Vec<Table>, TableError> {
        let found: Vec<(Region, bool)> = regions.iter().map(|&r| (r, false)).collect();
        self.recognize_found(image, page, &found)
    }

    /// [`TableRecognizer::recognize_regions`] on regions each marked with whether the word-alignment
    /// finder found it: such a region's grid may come from the alignment itself
    /// ([`aligned::stream_grid`]) where that grid's cells hold more of the text than the model's.
    fn recognize_found(
        &mut self,
        image: &RgbImage,
        page: &PageResult,
        regions: &[(Region, bool)],
    ) -> Result<Vec<Table>, TableError> {
        let words = words_in_image(image, page);
        let words: &[Word] = &words;
        let mut used = vec![false; words.len()];
        let mut tables = Vec::new();
        for (r, by_alignment) in regions {
            let (iw, ih) = (image.width() as f32, image.height() as f32);
            let m = (self.config.crop_margin * (r.x1 - r.x0).min(r.y1 - r.y0)).max(self.config.crop_margin_min);
            let x0 = (r.x0 - m).max(0.0).floor() as u32;
            let y0 = (r.y0 - m).max(0.0).floor() as u32;
            let x1 = ((r.x1 + m).min(iw).ceil() as u32).max(x0 + 1).min(image.width());
            let y1 = ((r.y1 + m).min(ih).ceil() as u32).max(y0 + 1).min(image.height());
            if x1 <= x0 + 4 || y1 <= y0 + 4 {
                continue;
            }
            let crop = image::imageops::crop_imm(image, x0, y0, x1 - x0, y1 - y0).to_image();
            let area = Rect::new(r.x0, r.y0, r.x1, r.y1);
            let idx: Vec<usize> = fill::words_in(&area, words)
                .into_iter()
                .filter(|&i| !used[i])
                .collect();
            let ws: Vec<&Word> = idx.iter().map(|&i| &words[i]).collect();
            let build = |grid: &Grid, ox: f32, oy: f32| {
                let slots = slots(grid, ox, oy, &area);
                let spans: Vec<_> = grid.cells.iter().map(|c| (c.row, c.col, c.row_span, c.col_span)).collect();
                Table {
                    quad: area.to_quad(),
                    confidence: grid.score * r.score.clamp(0.0, 1.0),
                    rows: grid.rows,
                    cols: grid.cols,
                    cells: fill::fill(&spans, &slots, &ws),
                }
            };
            let grid = self.structure(&crop)?;
            let mut table = (!grid.cells.is_empty()).then(|| build(&grid, x0 as f32, y0 as f32));
            // A region the word-alignment finder found also has a grid read from that alignment; of the
            // two, the one whose cells hold more of the text wins. The structure model merges a
            // receipt's item lines into one row or drops its columns (SROIE 375: 6 cells filled of its
            // 3x5 grid against 33 of the alignment's 7x7); the alignment, in turn, merges two cells
            // the OCR read as one piece (`215 normal`), which the model keeps apart. Measured on the
            // held-out generated set, where the model's grid was the better one on every page where
            // it filled at least as many cells (ACCURACY.md, "Tables").
            if *by_alignment {
                if let Some(stream) = aligned::stream_grid(&ws, r).map(|g| build(&g, 0.0, 0.0)) {
                    if table.as_ref().is_none_or(|t| t.is_trivial() || stream.filled_cells() > t.filled_cells()) {
                        table = Some(stream);
                    }
                }
            }
            // A region found by alignment has at least `MIN_COLUMNS` columns; a grid with fewer (the
            // model's, where the alignment gave none) is not that table.
            let columns = if *by_alignment { aligned::MIN_COLUMNS } else { 1 };
            let Some(table) = table.filter(|t| !t.is_trivial() && t.cols >= columns) else {
                continue;
            };
            for &i in &idx {
                used[i] = true;
            }
            tables.push(table);
        }
        Ok(tables)
    }

    /// Runs SLANet-plus on one table crop and returns its grid (boxes in crop pixels).
    pub fn structure(&mut self, crop: &RgbImage) -> Result<Grid, TableError> {
        let (input, ratio) = structure_input(crop);
        let outs = self.structure.run_all(input.view())?;
        let bad = |detail: String| TableError::Outputs {
            model: STRUCTURE_MODEL.into(),
            detail,
        };
        let probs = outs
            .iter()
            .find(|o| o.shape().last() == Some(&structure::VOCAB.len()))
            .ok_or_else(|| bad(format!("no output with {} classes", structure::VOCAB.len())))?;
        let locs = outs
            .iter()
            .find(|o| o.shape().last() == Some(&8))
            .ok_or_else(|| bad("no box output".into()))?;
        let steps = probs.shape()[1];
        if locs.shape()[1] != steps {
            return Err(bad(format!("{:?} vs {:?}", probs.shape(), locs.shape())));
        }
        let p = probs.as_slice().ok_or_else(|| bad("non-contiguous".into()))?;
        let l = locs.as_slice().ok_or_else(|| bad("non-contiguous".into()))?;
        let tokens = structure::decode(p, l, steps, ratio);
        Ok(structure::grid(&tokens))
    }
}

/// SLANet-plus input for a crop: long side resized to 488 (`int(side × ratio)` as the package does),
/// ImageNet-normalised in BGR order, zero-padded (after normalisation) to 488×488. Returns the tensor and
/// the ratio.
pub fn structure_input(crop: &RgbImage) -> (Array4<f32>, f32) {
    let side = structure::SLANET_SIDE;
    let (w, h) = (crop.width().max(1), crop.height().max(1));
    let ratio = side as f32 / w.max(h) as f32;
    let rw = ((w as f32 * ratio) as u32).clamp(1, side);
    let rh = ((h as f32 * ratio) as u32).clamp(1, side);
    let r = jikji_image::resize(crop, rw, rh);
    let mut a = Array4::<f32>::zeros((1, 3, side as usize, side as usize));
    let mean = [0.485f32, 0.456, 0.406];
    let std = [0.229f32, 0.224, 0.225];
    for (x, y, p) in r.enumerate_pixels() {
        let bgr = [p[2], p[1], p[0]];
        for c in 0..3 {
            a[[0, c, y as usize, x as usize]] = (bgr[c] as f32 / 255.0 - mean[c]) / std[c];
        }
    }
    (a, ratio)
}

