//! Finding a card or document photographed on a table: its outline as a [`Quad`].
//!
//! ID cards, passports, receipts and A4 pages are usually photographed lying on a surface, tilted and
//! in perspective, with the table around them. [`find_card_quad`] finds the outline from the picture
//! alone (no OCR):
//!
//! 1. The photo is shrunk to [`WORK_SIDE`] pixels on its long side (the outline is the largest
//!    structure in the picture; the bound keeps the cost fixed whatever the upload size).
//! 2. Colour gradients (Sobel on each channel, the strongest channel wins), thinned to their ridges.
//! 3. A Hough transform in which each edge pixel votes only near its own gradient direction gives
//!    the long straight lines; the strongest [`MAX_LINES`] are kept.
//! 4. Every pair of roughly opposite lines combined with another such pair is a candidate
//!    quadrilateral; one that is convex, inside the picture, big enough, with corners that are not
//!    too sharp and a plausible aspect ratio, is scored by its *step support*: along each side, how
//!    often the colour just inside differs from the colour just outside. A card's edge is a step all
//!    the way round; a line of a table pattern, a text line or a ruled line is a ridge (the same colour
//!    on both sides) or runs only part of the way.
//! 5. The best candidate's sides are refined at full resolution (the strongest step across each side,
//!    a least-squares line through them) and intersected into corners.
//!
//! `None` means no confident outline: the picture is a flat scan whose document fills the frame (the
//! whole image is then the answer), or the card's edges cannot be told from the background.

use image::RgbImage;
use jikji_geometry::{Point, Quad};

/// Long side of the working image. At 320 px an ID card that fills a third of a phone photo is still
/// ~150 px wide (its edges are long, clean lines), and the whole search takes a few milliseconds; the
/// full-resolution refinement (step 5) recovers the precision lost by shrinking.
pub const WORK_SIDE: u32 = 320;
/// Hough angle bins over 180° (1° each).
const THETA_BINS: usize = 180;
/// An edge pixel votes for line angles within this many degrees of its gradient direction: enough for
/// the Sobel operator's angular error on a blurred edge, small enough that texture does not smear the
/// accumulator.
const VOTE_SPREAD_DEG: i32 = 3;
/// Lines kept from the accumulator (strongest first). A card gives 4; text blocks, the photo on an ID
/// card and table patterns give the rest.
const MAX_LINES: usize = 16;
/// Peaks closer than this (degrees, working pixels) are one line.
const PEAK_SUPPRESS_DEG: i32 = 6;
const PEAK_SUPPRESS_RHO: i32 = 8;
/// A line needs votes from edge pixels covering at least this fraction of the working image's short
/// side (a card side is much longer).
const MIN_LINE_VOTES_FRAC: f32 = 0.12;
/// Gradient magnitude (Sobel, 0-255 channel scale: a clean 0→255 step gives 1020) under which a pixel
/// is not an edge: a 16-level step, the faintest card-on-table contrast worth trusting.
const MIN_EDGE_MAG: f32 = 64.0;
/// Opposite sides of a card seen in perspective stay within this angle of each other.
const MAX_OPPOSITE_DEG: f32 = 30.0;
/// Corner angles of a card in a photo taken from any sensible position stay within 90° ± this.
const MAX_CORNER_SKEW_DEG: f32 = 40.0;
/// The outline must cover at least this fraction of the picture: a card any smaller is too small to
/// read, and a smaller quadrilateral is usually something on the card (its photo, a text block).
pub const MIN_AREA_FRAC: f32 = 0.08;
/// Long side over short side of the outline: from a square-ish page (1.0) through ID-1 cards (1.586),
/// passport pages (1.42), A4 (1.414) and name cards (1.8) to a long receipt (80 × 300 mm ≈ 3.75).
const ASPECT_RANGE: (f32, f32) = (1.0, 4.0);
/// Corners may lie this many working pixels outside the picture (a rounded corner cut by the frame).
const OUTSIDE_TOLERANCE: f32 = 3.0;
/// Edge pixels this close (working pixels) to the outline belong to it, not to either side.
const EDGE_RING: f32 = 3.0;
/// Edge density outside the outline may be at most this fraction of the density inside. Measured on
/// the synthetic documents: a card on a table scores 0.00-0.05 (the table has few edges, the card all
/// the text), while boxes found *on* flat scans (an ID card's photo, a passport's photo) score 1.1-2.8
/// (the document's text surrounds them); 0.5 sits between with room for a textured table.
const MAX_OUTSIDE_EDGE_RATIO: f32 = 0.5;
/// Edge pixels per working pixel² below which the inside counts as sparse: a card printed with text
/// has several times more (one thinned edge pixel per 100 px² is a few short strokes per card).
const MIN_INSIDE_EDGE_DENSITY: f32 = 0.01;
/// Inside/outside colour samples sit this far (working pixels) from the side: a Hough line is only
/// good to a pixel or two, and the shrunken edge is blurred over about two pixels.
const STEP_OFFSET: f32 = 2.0;
/// A side sample counts as a step when the inside and outside colours differ by this much (largest
/// channel difference, 0-255): about twice the JPEG and sensor noise of a phone photo.
const STEP_MIN_DIFF: f32 = 18.0;
/// Samples per side; the 12 % nearest each corner are skipped (rounded card corners).
const SIDE_SAMPLES: usize = 40;
const CORNER_SKIP: f32 = 0.12;
/// A confident outline has steps along at least this fraction of its weakest side (glare or a shadow
/// may hide part of one side)...
pub const MIN_SIDE_SUPPORT: f32 = 0.5;
/// ...and along this fraction of all four sides together.
pub const MIN_MEAN_SUPPORT: f32 = 0.75;

/// A straight line `x cos θ + y sin θ = ρ` in working pixels.
#[derive(Clone, Copy, Debug)]
struct Line {
    theta: f32,
    rho: f32,
}

impl Line {
    fn normal(&self) -> (f32, f32) {
        (self.theta.cos(), self.theta.sin())
    }
    fn intersect(&self, o: &Line) -> Option<Point> {
        let (a1, b1) = self.normal();
        let (a2, b2) = o.normal();
        let det = a1 * b2 - a2 * b1;
        if det.abs() < 1e-4 {
            return None;
        }
        Some(Point::new(
            (self.rho * b2 - o.rho * b1) / det,
            (a1 * o.rho - a2 * self.rho) / det,
        ))
    }
    /// The unsigned angle between two lines, 0..=90 degrees.
    fn angle_to(&self, o: &Line) -> f32 {
        let d = (self.theta - o.theta).abs().to_degrees() % 180.0;
        d.min(180.0 - d)
    }
}

/// The working copy: the shrunken picture's channels as floats.
struct Work {
    w: usize,
    h: usize,
    ch: [Vec<f32>; 3],
}

impl Work {
    fn new(img: &RgbImage) -> (Work, f32) {
        let (w, h) = img.dimensions();
        let scale = (w.max(h) as f32 / WORK_SIDE as f32).max(1.0);
        let (sw, sh) = (
            ((w as f32 / scale).round() as u32).max(1),
            ((h as f32 / scale).round() as u32).max(1),
        );
        let small = if scale > 1.0 {
            crate::resize(img, sw, sh)
        } else {
            img.clone()
        };
        let n = (sw * sh) as usize;
        let mut ch = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
        for (i, p) in small.pixels().enumerate() {
            for c in 0..3 {
                ch[c][i] = p.0[c] as f32;
            }
        }
        (
            Work {
                w: sw as usize,
                h: sh as usize,
                ch,
            },
            scale,
        )
    }

    /// Nearest-pixel colour at `p`, or `None` outside.
    fn at(&self, p: Point) -> Option<[f32; 3]> {
        let (x, y) = (p.x.round(), p.y.round());
        if x < 0.0 || y < 0.0 || x >= self.w as f32 || y >= self.h as f32 {
            return None;
        }
        let i = y as usize * self.w + x as usize;
        Some([self.ch[0][i], self.ch[1][i], self.ch[2][i]])
    }
}

fn color_diff(a: [f32; 3], b: [f32; 3]) -> f32 {
    (0..3).map(|c| (a[c] - b[c]).abs()).fold(0.0, f32::max)
}

/// Thinned colour edges: `(x, y, gradient angle in radians)`.
fn edges(work: &Work) -> Vec<(usize, usize, f32)> {
    let (w, h) = (work.w, work.h);
    if w < 3 || h < 3 {
        return Vec::new();
    }
    let mut mag = vec![0.0f32; w * h];
    let mut ang = vec![0.0f32; w * h];
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let mut best = (0.0f32, 0.0f32, 0.0f32);
            for c in &work.ch {
                let p = |dx: isize, dy: isize| {
                    c[(y as isize + dy) as usize * w + (x as isize + dx) as usize]
                };
                let gx = (p(1, -1) + 2.0 * p(1, 0) + p(1, 1)) - (p(-1, -1) + 2.0 * p(-1, 0) + p(-1, 1));
                let gy = (p(-1, 1) + 2.0 * p(0, 1) + p(1, 1)) - (p(-1, -1) + 2.0 * p(0, -1) + p(1, -1));
                let m = gx * gx + gy * gy;
                if m > best.0 {
                    best = (m, gx, gy);
                }
            }
            mag[y * w + x] = best.0.sqrt();
            ang[y * w + x] = best.2.atan2(best.1);
        }
    }
    let mut out = Vec::new();
    for y in 1..h - 1 {
        for x in 1..w - 1 {
            let m = mag[y * w + x];
            if m < MIN_EDGE_MAG {
                continue;
            }
            // Non-maximum suppression across the edge (the gradient direction, rounded to 45°).
            let a = ang[y * w + x];
            let (dx, dy) = (a.cos().round() as isize, a.sin().round() as isize);
            let n1 = mag[(y as isize + dy) as usize * w + (x as isize + dx) as usize];
            let n2 = mag[(y as isize - dy) as usize * w + (x as isize - dx) as usize];
            if m >= n1 && m >= n2 {
                out.push((x, y, a));
            }
        }
    }
    out
}

/// The strongest straight lines through the edge pixels.
fn hough_lines(work: &Work, edges: &[(usize, usize, f32)]) -> Vec<Line> {
    let diag = ((work.w * work.w + work.h * work.h) as f32).sqrt().ceil() as i32;
    let rho_bins = (2 * diag + 1) as usize;
    let mut acc = vec![0u32; THETA_BINS * rho_bins];
    let (cos, sin): (Vec<f32>, Vec<f32>) = (0..THETA_BINS)
        .map(|t| {
            let th = (t as f32).to_radians() * 180.0 / THETA_BINS as f32;
            (th.cos(), th.sin())
        })
        .unzip();
    for &(x, y, a) in edges {
        let deg = a.to_degrees().rem_euclid(180.0).round() as i32;
        for d in -VOTE_SPREAD_DEG..=VOTE_SPREAD_DEG {
            let t = (deg + d).rem_euclid(THETA_BINS as i32) as usize;
            let rho = (x as f32 * cos[t] + y as f32 * sin[t]).round() as i32 + diag;
            acc[t * rho_bins + rho as usize] += 1;
        }
    }
    // A straight edge's pixels wobble by a pixel across it, which splits its votes between two ρ bins
    // while a slightly tilted line collects them: smoothing along ρ ([1 2 1]) puts the peak back on the
    // edge's true direction.
    let raw = acc.clone();
    for t in 0..THETA_BINS {
        let row = t * rho_bins;
        for r in 1..rho_bins - 1 {
            acc[row + r] = raw[row + r - 1] + 2 * raw[row + r] + raw[row + r + 1];
        }
    }
    let min_votes = 4 * (MIN_LINE_VOTES_FRAC * work.w.min(work.h) as f32) as u32;
    let mut lines = Vec::new();
    while lines.len() < MAX_LINES {
        let (best, &votes) = match acc.iter().enumerate().max_by_key(|(_, v)| **v) {
            Some(b) => b,
            None => break,
        };
        if votes < min_votes.max(1) {
            break;
        }
        let (t, r) = ((best / rho_bins) as i32, (best % rho_bins) as i32);
        lines.push(Line {
            theta: (t as f32).to_radians() * 180.0 / THETA_BINS as f32,
            rho: (r - diag) as f32,
        });
        // Suppress the peak's neighbourhood; θ wraps at 180° with ρ changing sign.
        for dt in -PEAK_SUPPRESS_DEG..=PEAK_SUPPRESS_DEG {
            let (tt, flip) = {
                let raw = t + dt;
                if raw < 0 {
                    (raw + THETA_BINS as i32, true)
                } else if raw >= THETA_BINS as i32 {
                    (raw - THETA_BINS as i32, true)
                } else {
                    (raw, false)
                }
            };
            let center = if flip { 2 * diag - r } else { r };
            for dr in -PEAK_SUPPRESS_RHO..=PEAK_SUPPRESS_RHO {
                let rr = center + dr;
                if rr >= 0 && (rr as usize) < rho_bins {
                    acc[tt as usize * rho_bins + rr as usize] = 0;
                }
            }
        }
    }
    lines
}

/// Fraction of a side's samples where the colours either side of it differ (`a` → `b`, `out` the unit
/// normal pointing away from the quadrilateral).
fn side_support(work: &Work, a: Point, b: Point, out: (f32, f32)) -> f32 {
    let mut hits = 0;
    let mut n = 0;
    for i in 0..SIDE_SAMPLES {
        let t = CORNER_SKIP + (1.0 - 2.0 * CORNER_SKIP) * i as f32 / (SIDE_SAMPLES - 1) as f32;
        let p = a.lerp(b, t);
        let inside = Point::new(p.x - out.0 * STEP_OFFSET, p.y - out.1 * STEP_OFFSET);
        let outside = Point::new(p.x + out.0 * STEP_OFFSET, p.y + out.1 * STEP_OFFSET);
        let (Some(ci), Some(co)) = (work.at(inside), work.at(outside)) else {
            continue;
        };
        n += 1;
        if color_diff(ci, co) >= STEP_MIN_DIFF {
            hits += 1;
        }
    }
    if n < SIDE_SAMPLES / 2 {
        0.0
    } else {
        hits as f32 / n as f32
    }
}

/// Unit normal of side `a → b` pointing away from `center`.
fn outward(a: Point, b: Point, center: Point) -> (f32, f32) {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1e-6);
    let (nx, ny) = (dy / len, -dx / len);
    let mid = a.lerp(b, 0.5);
    if (mid.x - center.x) * nx + (mid.y - center.y) * ny >= 0.0 {
        (nx, ny)
    } else {
        (-nx, -ny)
    }
}

/// A scored candidate: corners in cyclic order and the side lines they came from.
struct Candidate {
    corners: [Point; 4],
    area: f32,
    mean_support: f32,
}

/// Corners in cyclic order → checks of shape; `None` when implausible.
fn plausible(corners: &[Point; 4], work: &Work) -> Option<f32> {
    let (w, h) = (work.w as f32, work.h as f32);
    if corners.iter().any(|p| {
        p.x < -OUTSIDE_TOLERANCE
            || p.y < -OUTSIDE_TOLERANCE
            || p.x > w + OUTSIDE_TOLERANCE
            || p.y > h + OUTSIDE_TOLERANCE
    }) {
        return None;
    }
    // Convex, and every corner angle within 90° ± MAX_CORNER_SKEW_DEG.
    let mut sign = 0.0f32;
    for i in 0..4 {
        let (p0, p1, p2) = (corners[(i + 3) % 4], corners[i], corners[(i + 1) % 4]);
        let (ax, ay) = (p0.x - p1.x, p0.y - p1.y);
        let (bx, by) = (p2.x - p1.x, p2.y - p1.y);
        let cross = ax * by - ay * bx;
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return None;
        }
        let cos = (ax * bx + ay * by) / ((ax * ax + ay * ay).sqrt() * (bx * bx + by * by).sqrt()).max(1e-6);
        if (cos.clamp(-1.0, 1.0).acos().to_degrees() - 90.0).abs() > MAX_CORNER_SKEW_DEG {
            return None;
        }
    }
    let q = Quad::new(*corners);
    let area = q.area();
    if area < MIN_AREA_FRAC * w * h {
        return None;
    }
    let side = |i: usize| corners[i].dist(corners[(i + 1) % 4]);
    let (s1, s2) = ((side(0) + side(2)) / 2.0, (side(1) + side(3)) / 2.0);
    let aspect = s1.max(s2) / s1.min(s2).max(1e-6);
    if !(ASPECT_RANGE.0..=ASPECT_RANGE.1).contains(&aspect) {
        return None;
    }
    Some(area)
}

/// Edge pixels per unit area outside the outline (beyond [`EDGE_RING`] of it) over the same inside it.
/// A card on a table carries the picture's text; a box on a flat document (the photo on an ID card, a
/// text block) has text all around it.
fn outside_edge_ratio(corners: &[Point; 4], edges: &[(usize, usize, f32)], work: &Work) -> f32 {
    let center = Quad::new(*corners).center();
    let normals: Vec<(Point, (f32, f32))> =
        (0..4).map(|i| (corners[i], outward(corners[i], corners[(i + 1) % 4], center))).collect();
    let (mut inside, mut outside) = (0usize, 0usize);
    for &(x, y, _) in edges {
        let (px, py) = (x as f32, y as f32);
        // Signed distance to the outline: the largest of the distances outside each side.
        let d = normals
            .iter()
            .map(|(a, n)| (px - a.x) * n.0 + (py - a.y) * n.1)
            .fold(f32::NEG_INFINITY, f32::max);
        if d < -EDGE_RING {
            inside += 1;
        } else if d > EDGE_RING {
            outside += 1;
        }
    }
    let area_in = Quad::new(*corners).area().max(1.0);
    let area_out = ((work.w * work.h) as f32 - area_in).max(1.0);
    // A blank card (no text inside) is compared with a sparse one instead of with nothing.
    let dens_in = (inside as f32 / area_in).max(MIN_INSIDE_EDGE_DENSITY);
    let dens_out = outside as f32 / area_out;
    dens_out / dens_in
}

fn best_candidate(work: &Work, lines: &[Line], edges: &[(usize, usize, f32)]) -> Option<Candidate> {
    // Pairs of roughly opposite lines.
    let mut pairs = Vec::new();
    for i in 0..lines.len() {
        for j in i + 1..lines.len() {
            if lines[i].angle_to(&lines[j]) <= MAX_OPPOSITE_DEG {
                pairs.push((i, j));
            }
        }
    }
    let mut best: Option<Candidate> = None;
    for (pi, &(a1, a2)) in pairs.iter().enumerate() {
        for &(b1, b2) in &pairs[pi + 1..] {
            if [b1, b2].contains(&a1) || [b1, b2].contains(&a2) {
                continue;
            }
            let (la1, la2, lb1, lb2) = (&lines[a1], &lines[a2], &lines[b1], &lines[b2]);
            if la1.angle_to(lb1) < 90.0 - MAX_CORNER_SKEW_DEG {
                continue;
            }
            let corners = match (
                la1.intersect(lb1),
                lb1.intersect(la2),
                la2.intersect(lb2),
                lb2.intersect(la1),
            ) {
                (Some(a), Some(b), Some(c), Some(d)) => [a, b, c, d],
                _ => continue,
            };
            let Some(area) = plausible(&corners, work) else {
                continue;
            };
            // Only a bigger quadrilateral can beat the best so far unless its support is higher.
            let center = Quad::new(corners).center();
            let mut min_s = f32::MAX;
            let mut sum = 0.0;
            for i in 0..4 {
                let (a, b) = (corners[i], corners[(i + 1) % 4]);
                let s = side_support(work, a, b, outward(a, b, center));
                min_s = min_s.min(s);
                sum += s;
                if min_s < MIN_SIDE_SUPPORT {
                    break;
                }
            }
            let mean = sum / 4.0;
            if min_s < MIN_SIDE_SUPPORT || mean < MIN_MEAN_SUPPORT {
                continue;
            }
            let better = match &best {
                None => true,
                Some(b) => rank(area, mean) > rank(b.area, b.mean_support),
            };
            if better && outside_edge_ratio(&corners, edges, work) <= MAX_OUTSIDE_EDGE_RATIO {
                best = Some(Candidate {
                    corners,
                    area,
                    mean_support: mean,
                });
            }
        }
    }
    best
}

/// Ranking of confident candidates: the largest outline wins (a card's photo or text block lies inside
/// the card), weighted by how cleanly its sides are steps.
fn rank(area: f32, mean_support: f32) -> f32 {
    area * mean_support * mean_support
}

/// Full-resolution refinement of one side: along the coarse side, the strongest colour step across it
/// within `reach` pixels, then a least-squares line through those points. `None` when too few steps
/// were found (the coarse side is kept).
fn refine_side(img: &RgbImage, a: Point, b: Point, out: (f32, f32), reach: f32) -> Option<(Point, (f32, f32))> {
    const SAMPLES: usize = 60;
    let (w, h) = (img.width() as i32, img.height() as i32);
    let px = |p: Point| -> Option<[f32; 3]> {
        let (x, y) = (p.x.round() as i32, p.y.round() as i32);
        if x < 0 || y < 0 || x >= w || y >= h {
            return None;
        }
        let v = img.get_pixel(x as u32, y as u32).0;
        Some([v[0] as f32, v[1] as f32, v[2] as f32])
    };
    let steps = reach.ceil() as i32;
    let gap = 2.0f32;
    let mut pts = Vec::new();
    for i in 0..SAMPLES {
        let t = CORNER_SKIP + (1.0 - 2.0 * CORNER_SKIP) * i as f32 / (SAMPLES - 1) as f32;
        let p = a.lerp(b, t);
        let mut best = (0.0f32, 0.0f32);
        for s in -steps..=steps {
            let q = Point::new(p.x + out.0 * s as f32, p.y + out.1 * s as f32);
            let inside = Point::new(q.x - out.0 * gap, q.y - out.1 * gap);
            let outside = Point::new(q.x + out.0 * gap, q.y + out.1 * gap);
            if let (Some(ci), Some(co)) = (px(inside), px(outside)) {
                let d = color_diff(ci, co);
                if d > best.0 {
                    best = (d, s as f32);
                }
            }
        }
        if best.0 >= STEP_MIN_DIFF {
            pts.push(Point::new(p.x + out.0 * best.1, p.y + out.1 * best.1));
        }
    }
    if pts.len() < SAMPLES / 3 {
        return None;
    }
    // Total least squares, then once more without the worst third (glare, a finger, a shadow).
    let mut fit = fit_line(&pts)?;
    let mut by_dist: Vec<(f32, Point)> = pts
        .iter()
        .map(|p| (((p.x - fit.0.x) * fit.1 .1 - (p.y - fit.0.y) * fit.1 .0).abs(), *p))
        .collect();
    by_dist.sort_by(|x, y| x.0.total_cmp(&y.0));
    let keep: Vec<Point> = by_dist[..by_dist.len() * 2 / 3].iter().map(|x| x.1).collect();
    if keep.len() >= 5 {
        fit = fit_line(&keep)?;
    }
    Some(fit)
}

/// A point on the line and its unit direction.
fn fit_line(pts: &[Point]) -> Option<(Point, (f32, f32))> {
    let n = pts.len() as f32;
    if n < 2.0 {
        return None;
    }
    let (mx, my) = (pts.iter().map(|p| p.x).sum::<f32>() / n, pts.iter().map(|p| p.y).sum::<f32>() / n);
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for p in pts {
        let (dx, dy) = (p.x - mx, p.y - my);
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    let angle = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    Some((Point::new(mx, my), (angle.cos(), angle.sin())))
}

fn intersect_dir(p: Point, d: (f32, f32), q: Point, e: (f32, f32)) -> Option<Point> {
    let det = d.0 * e.1 - d.1 * e.0;
    if det.abs() < 1e-4 {
        return None;
    }
    let t = ((q.x - p.x) * e.1 - (q.y - p.y) * e.0) / det;
    Some(Point::new(p.x + t * d.0, p.y + t * d.1))
}

/// Corners of a convex quadrilateral in cyclic order → CLOVA order (top-left, top-right,
/// bottom-right, bottom-left): clockwise on screen, starting where the first side is closest to
/// pointing right. Exact for outlines turned by less than 45°; a card turned further is reported as
/// if its nearest-to-horizontal side were the top.
fn clova_order(mut c: [Point; 4]) -> Quad {
    let cross = |a: Point, b: Point, o: Point| (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
    // Clockwise on screen (y down) means a positive cross product.
    if cross(c[1], c[2], c[0]) < 0.0 {
        c.reverse();
    }
    let start = (0..4)
        .min_by(|&i, &j| {
            let ang = |k: usize| {
                let (a, b) = (c[k], c[(k + 1) % 4]);
                (b.y - a.y).atan2(b.x - a.x).abs()
            };
            ang(i).total_cmp(&ang(j))
        })
        .unwrap_or(0);
    Quad::new([c[start], c[(start + 1) % 4], c[(start + 2) % 4], c[(start + 3) % 4]])
}

/// The outline of a card or document lying in the photo, in `img`'s pixels (top-left, top-right,
/// bottom-right, bottom-left), or `None` when no outline is confident — a flat scan whose document
/// fills the picture among them, for which the whole image is the outline. See the module docs.
pub fn find_card_quad(img: &RgbImage) -> Option<Quad> {
    let (work, scale) = Work::new(img);
    let edges = edges(&work);
    let lines = hough_lines(&work, &edges);
    let cand = best_candidate(&work, &lines, &edges)?;
    let coarse: [Point; 4] = cand.corners.map(|p| Point::new(p.x * scale, p.y * scale));
    // Refine each side at full resolution; a side that cannot be refined keeps its coarse line.
    let center = Quad::new(coarse).center();
    let reach = 1.5 * scale + 2.0;
    let mut sides = Vec::with_capacity(4);
    for i in 0..4 {
        let (a, b) = (coarse[i], coarse[(i + 1) % 4]);
        let out = outward(a, b, center);
        let coarse_dir = {
            let l = a.dist(b).max(1e-6);
            ((b.x - a.x) / l, (b.y - a.y) / l)
        };
        sides.push(refine_side(img, a, b, out, reach).unwrap_or((a, coarse_dir)));
    }
    let mut corners = coarse;
    for i in 0..4 {
        // Corner i joins side i-1 and side i.
        let (p, d) = sides[(i + 3) % 4];
        let (q, e) = sides[i];
        if let Some(c) = intersect_dir(p, d, q, e) {
            if c.dist(coarse[i]) <= 4.0 * reach {
                corners[i] = c;
            }
        }
    }
    Some(clova_order(corners))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A textured background (wood-like stripes plus noise) with a bright quadrilateral on it.
    fn card_on_table(w: u32, h: u32, corners: [Point; 4]) -> RgbImage {
        let mut seed = 12345u32;
        let mut noise = move || {
            seed = seed.wrapping_mul(1103515245).wrapping_add(12345);
            ((seed >> 16) % 21) as i32 - 10
        };
        let inside = |x: f32, y: f32| {
            (0..4).all(|i| {
                let (a, b) = (corners[i], corners[(i + 1) % 4]);
                (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x) > 0.0
            })
        };
        RgbImage::from_fn(w, h, |x, y| {
            let n = noise();
            if inside(x as f32 + 0.5, y as f32 + 0.5) {
                let v = (225 + n).clamp(0, 255) as u8;
                Rgb([v, v, (v as i32 - 5).max(0) as u8])
            } else {
                let stripe = ((x as f32 * 0.05 + y as f32 * 0.01).sin() * 25.0) as i32;
                let v = 110 + stripe + n;
                Rgb([(v + 30).clamp(0, 255) as u8, v.clamp(0, 255) as u8, (v - 30).clamp(0, 255) as u8])
            }
        })
    }

    #[test]
    fn finds_a_tilted_card_on_a_textured_table() {
        // An ID-1 card (1.586) turned about 12° and slightly in perspective.
        let truth = [
            Point::new(300.0, 250.0),
            Point::new(1420.0, 480.0),
            Point::new(1290.0, 1190.0),
            Point::new(190.0, 960.0),
        ];
        let img = card_on_table(1800, 1400, truth);
        let q = find_card_quad(&img).expect("a card");
        for (found, want) in q.pts.iter().zip(truth.iter()) {
            assert!(found.dist(*want) < 6.0, "{found:?} vs {want:?}");
        }
    }

    #[test]
    fn a_picture_without_a_card_has_no_outline() {
        // Flat document filling the frame: nothing but paper and a few text-like bars.
        let img = RgbImage::from_fn(1200, 800, |x, y| {
            if (y / 40) % 3 == 1 && (100..1100).contains(&x) && ((x / 30) % 4 != 3) {
                Rgb([30, 30, 30])
            } else {
                Rgb([240, 240, 235])
            }
        });
        assert_eq!(find_card_quad(&img), None);
        // Pure texture.
        let table = card_on_table(900, 700, [Point::new(0.0, 0.0); 4]);
        assert_eq!(find_card_quad(&table), None);
        // Degenerate sizes do not panic.
        assert_eq!(find_card_quad(&RgbImage::new(1, 1)), None);
        assert_eq!(find_card_quad(&RgbImage::new(0, 0)), None);
    }

    #[test]
    fn corners_come_in_clova_order() {
        let c = [
            Point::new(10.0, 100.0),
            Point::new(0.0, 0.0),
            Point::new(200.0, 20.0),
            Point::new(190.0, 120.0),
        ];
        let q = clova_order(c);
        assert_eq!(q.pts[0], Point::new(0.0, 0.0));
        assert_eq!(q.pts[1], Point::new(200.0, 20.0));
        assert_eq!(q.pts[2], Point::new(190.0, 120.0));
        assert_eq!(q.pts[3], Point::new(10.0, 100.0));
    }
}
