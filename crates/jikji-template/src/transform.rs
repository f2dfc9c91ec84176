//! The template→image mapping: a 3×3 projective matrix, fitted from point correspondences
//! (similarity from 2 points, affine from 3, homography from 4+), and a RANSAC loop over anchor
//! correspondences.

use jikji_geometry::{Point, Quad, Rect};
use serde::{Deserialize, Serialize};

/// A projective map `p' = H p` (row-major, `h[8]` normalised to 1 where possible). Similarity and
/// affine maps are homographies whose last row is `0 0 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Transform {
    pub h: [f64; 9],
}

/// Which model a fit used (diagnostics and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    Similarity,
    Affine,
    Homography,
}

impl Transform {
    pub const IDENTITY: Transform = Transform {
        h: [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
    };

    pub fn apply(&self, p: Point) -> Point {
        let (x, y) = (p.x as f64, p.y as f64);
        let h = &self.h;
        let w = h[6] * x + h[7] * y + h[8];
        let w = if w.abs() < 1e-12 { 1e-12 } else { w };
        Point::new(
            ((h[0] * x + h[1] * y + h[2]) / w) as f32,
            ((h[3] * x + h[4] * y + h[5]) / w) as f32,
        )
    }

    pub fn apply_quad(&self, q: &Quad) -> Quad {
        Quad::new(q.pts.map(|p| self.apply(p)))
    }

    /// The image of a template rectangle (corners TL, TR, BR, BL of the rectangle, mapped).
    pub fn apply_rect(&self, r: &Rect) -> Quad {
        self.apply_quad(&r.to_quad())
    }

    /// The inverse map (`None` when singular).
    pub fn inverse(&self) -> Option<Transform> {
        let m = &self.h;
        let det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
            + m[2] * (m[3] * m[7] - m[4] * m[6]);
        if det.abs() < 1e-12 {
            return None;
        }
        let inv = [
            (m[4] * m[8] - m[5] * m[7]) / det,
            (m[2] * m[7] - m[1] * m[8]) / det,
            (m[1] * m[5] - m[2] * m[4]) / det,
            (m[5] * m[6] - m[3] * m[8]) / det,
            (m[0] * m[8] - m[2] * m[6]) / det,
            (m[2] * m[3] - m[0] * m[5]) / det,
            (m[3] * m[7] - m[4] * m[6]) / det,
            (m[1] * m[6] - m[0] * m[7]) / det,
            (m[0] * m[4] - m[1] * m[3]) / det,
        ];
        Some(Transform { h: inv }.normalised())
    }

    fn normalised(mut self) -> Transform {
        if self.h[8].abs() > 1e-12 {
            let s = self.h[8];
            for v in &mut self.h {
                *v /= s;
            }
        }
        self
    }

    /// Mean scale factor of the linear part at the template point `p` (square root of the local area
    /// ratio).
    pub fn scale_at(&self, p: Point) -> f32 {
        let d = 1.0;
        let a = self.apply(p);
        let b = self.apply(Point::new(p.x + d, p.y));
        let c = self.apply(Point::new(p.x, p.y + d));
        let (ux, uy) = (b.x - a.x, b.y - a.y);
        let (vx, vy) = (c.x - a.x, c.y - a.y);
        (ux * vy - uy * vx).abs().sqrt()
    }

    /// Rotation of the map at `p` in degrees (0 = upright, 90 = the template's x axis points down in
    /// the image).
    pub fn rotation_deg_at(&self, p: Point) -> f32 {
        let a = self.apply(p);
        let b = self.apply(Point::new(p.x + 1.0, p.y));
        (b.y - a.y).atan2(b.x - a.x).to_degrees()
    }

    /// The similarity (rotation, uniform scale, translation) that maps `a0→b0` and `a1→b1`.
    pub fn similarity(a0: Point, a1: Point, b0: Point, b1: Point) -> Option<Transform> {
        let (ax, ay) = ((a1.x - a0.x) as f64, (a1.y - a0.y) as f64);
        let (bx, by) = ((b1.x - b0.x) as f64, (b1.y - b0.y) as f64);
        let n = ax * ax + ay * ay;
        if n < 1e-9 {
            return None;
        }
        // b = s R a: complex division (bx + i by) / (ax + i ay).
        let c = (bx * ax + by * ay) / n;
        let s = (by * ax - bx * ay) / n;
        let tx = b0.x as f64 - (c * a0.x as f64 - s * a0.y as f64);
        let ty = b0.y as f64 - (s * a0.x as f64 + c * a0.y as f64);
        Some(Transform {
            h: [c, -s, tx, s, c, ty, 0.0, 0.0, 1.0],
        })
    }

    /// Least-squares affine map from `pairs` (template point, image point); needs 3 non-collinear.
    pub fn affine(pairs: &[(Point, Point)]) -> Option<Transform> {
        if pairs.len() < 3 {
            return None;
        }
        // Two independent 3-unknown least-squares problems sharing the normal matrix.
        let mut ata = [[0.0f64; 3]; 3];
        let mut atx = [0.0f64; 3];
        let mut aty = [0.0f64; 3];
        let (cx, cy) = centroid(pairs.iter().map(|p| p.0));
        for (a, b) in pairs {
            let r = [a.x as f64 - cx, a.y as f64 - cy, 1.0];
            for i in 0..3 {
                for j in 0..3 {
                    ata[i][j] += r[i] * r[j];
                }
                atx[i] += r[i] * b.x as f64;
                aty[i] += r[i] * b.y as f64;
            }
        }
        let px = solve::<3>(ata, atx)?;
        let py = solve::<3>(ata, aty)?;
        // Undo the centring: x' = p0 (x - cx) + p1 (y - cy) + p2.
        Some(Transform {
            h: [
                px[0],
                px[1],
                px[2] - px[0] * cx - px[1] * cy,
                py[0],
                py[1],
                py[2] - py[0] * cx - py[1] * cy,
                0.0,
                0.0,
                1.0,
            ],
        })
    }

    /// Least-squares homography (DLT with `h33 = 1`, points normalised) from 4 or more pairs.
    pub fn homography(pairs: &[(Point, Point)]) -> Option<Transform> {
        if pairs.len() < 4 {
            return None;
        }
        let na = Normaliser::new(pairs.iter().map(|p| p.0))?;
        let nb = Normaliser::new(pairs.iter().map(|p| p.1))?;
        let mut ata = [[0.0f64; 8]; 8];
        let mut atb = [0.0f64; 8];
        for (a, b) in pairs {
            let (x, y) = na.apply(*a);
            let (u, v) = nb.apply(*b);
            let rows = [
                ([x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y], u),
                ([0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y], v),
            ];
            for (r, t) in rows {
                for i in 0..8 {
                    for j in 0..8 {
                        ata[i][j] += r[i] * r[j];
                    }
                    atb[i] += r[i] * t;
                }
            }
        }
        let s = solve::<8>(ata, atb)?;
        let hn = Transform {
            h: [s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], 1.0],
        };
        // H = Nb^-1 * Hn * Na
        let h = mul(&mul(&nb.inverse(), &hn), &na.matrix());
        Some(h.normalised())
    }
}

fn centroid(pts: impl Iterator<Item = Point>) -> (f64, f64) {
    let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
    for p in pts {
        sx += p.x as f64;
        sy += p.y as f64;
        n += 1.0;
    }
    if n == 0.0 {
        (0.0, 0.0)
    } else {
        (sx / n, sy / n)
    }
}

/// Hartley normalisation: centroid to the origin, mean distance √2.
struct Normaliser {
    cx: f64,
    cy: f64,
    s: f64,
}

impl Normaliser {
    fn new(pts: impl Iterator<Item = Point> + Clone) -> Option<Normaliser> {
        let (cx, cy) = centroid(pts.clone());
        let (mut d, mut n) = (0.0, 0.0);
        for p in pts {
            d += ((p.x as f64 - cx).powi(2) + (p.y as f64 - cy).powi(2)).sqrt();
            n += 1.0;
        }
        if n == 0.0 || d / n < 1e-9 {
            return None;
        }
        Some(Normaliser {
            cx,
            cy,
            s: std::f64::consts::SQRT_2 / (d / n),
        })
    }
    fn apply(&self, p: Point) -> (f64, f64) {
        ((p.x as f64 - self.cx) * self.s, (p.y as f64 - self.cy) * self.s)
    }
    fn matrix(&self) -> Transform {
        Transform {
            h: [self.s, 0.0, -self.s * self.cx, 0.0, self.s, -self.s * self.cy, 0.0, 0.0, 1.0],
        }
    }
    fn inverse(&self) -> Transform {
        Transform {
            h: [1.0 / self.s, 0.0, self.cx, 0.0, 1.0 / self.s, self.cy, 0.0, 0.0, 1.0],
        }
    }
}

fn mul(a: &Transform, b: &Transform) -> Transform {
    let mut h = [0.0; 9];
    for r in 0..3 {
        for c in 0..3 {
            h[r * 3 + c] = (0..3).map(|k| a.h[r * 3 + k] * b.h[k * 3 + c]).sum();
        }
    }
    Transform { h }
}

/// Gaussian elimination with partial pivoting.
fn solve<const N: usize>(mut a: [[f64; N]; N], mut b: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let piv = (col..N).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-10 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        for r in col + 1..N {
            let f = a[r][col] / a[col][col];
            if f != 0.0 {
                for c in col..N {
                    a[r][c] -= f * a[col][c];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut x = [0.0; N];
    for r in (0..N).rev() {
        let s: f64 = (r + 1..N).map(|c| a[r][c] * x[c]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Minimum agreeing anchors before the refinement moves from a similarity to an affine fit (3
/// non-collinear points are the minimum; with runs' ends, 3 anchors give up to 9 points).
pub const MIN_POINTS_AFFINE: usize = 3;
/// Minimum agreeing anchors before the refinement tries a homography (8 unknowns: twice the 4-point
/// minimum, so that one wrong correspondence cannot bend the fit; the perspective of
/// `tests::perspective_needs_a_homography` is not reachable with an affine fit within the tolerance).
pub const MIN_POINTS_HOMOGRAPHY: usize = 8;

/// A refit (affine, homography) replaces the similarity hypothesis when it keeps this share of its
/// support: the two-point hypothesis that explains the most anchors within the tolerance is not the
/// most accurate one (on a phone photo of an A4 certificate it put fields one line off while
/// explaining 22 anchors), and a least-squares fit over all of them that drops an anchor at the edge
/// of the tolerance is the better map.
const REFIT_KEEPS: f32 = 0.9;

/// One candidate correspondence: a template point, an image point, the anchor it belongs to (one
/// anchor counts once in the support) and its weight.
#[derive(Debug, Clone, Copy)]
pub struct Corr {
    pub from: Point,
    pub to: Point,
    pub anchor: usize,
    pub weight: f32,
    /// How far (image pixels) from `to` the mapped `from` may land and still agree.
    pub tol: f32,
    /// The two ends of the text run (template, image) when the correspondence is a run of text: one
    /// run alone then proposes a map (its direction and length give rotation and scale), and its ends
    /// add points to the refit.
    pub span: Option<([Point; 2], [Point; 2])>,
}

impl Corr {
    /// The point pairs (template, image) a map fitted to this correspondence must keep: its centres,
    /// and its run's two ends when it has them.
    pub fn points(&self) -> impl Iterator<Item = (Point, Point)> {
        let ends = self.span.map(|(f, t)| [(f[0], t[0]), (f[1], t[1])]);
        std::iter::once((self.from, self.to)).chain(ends.into_iter().flatten())
    }
}

/// What [`ransac`] found.
#[derive(Debug, Clone)]
pub struct Fit {
    pub transform: Transform,
    pub model: Model,
    /// Indexes into the correspondences, one per supporting anchor.
    pub inliers: Vec<usize>,
    /// Sum of the weights of the supporting anchors.
    pub support: f32,
}

/// How many correspondences (the heaviest first) the hypothesis loop pairs up: all pairs of 48 are
/// 1128 hypotheses, a few milliseconds with ~100 correspondences to score each against.
const MAX_SEEDS: usize = 48;

/// Robust fit: every pair of the heaviest correspondences (from different anchors, far enough apart)
/// proposes a similarity; the one supported by the most anchor weight (inliers within `tol(p)` image
/// pixels of where it maps the template point) wins, and is refined on its inliers to an affine map,
/// then to a homography when enough inliers support it and the refit keeps them. Deterministic.
///
/// Each correspondence carries its tolerance (the caller derives it from the text height there).
pub fn ransac(corrs: &[Corr]) -> Option<Fit> {
    if corrs.is_empty() || (corrs.len() < 2 && corrs[0].span.is_none()) {
        return None;
    }
    let mut order: Vec<usize> = (0..corrs.len()).collect();
    order.sort_by(|&a, &b| corrs[b].weight.total_cmp(&corrs[a].weight).then(a.cmp(&b)));
    order.truncate(MAX_SEEDS);
    let spread = {
        let r = corrs.iter().fold(
            Rect {
                x0: f32::MAX,
                y0: f32::MAX,
                x1: f32::MIN,
                y1: f32::MIN,
            },
            |r, c| Rect {
                x0: r.x0.min(c.from.x),
                y0: r.y0.min(c.from.y),
                x1: r.x1.max(c.from.x),
                y1: r.y1.max(c.from.y),
            },
        );
        (r.width().powi(2) + r.height().powi(2)).sqrt()
    };
    let mut best: Option<(f32, Transform, Vec<usize>)> = None;
    // One run of text alone: start→start, end→end.
    for &a in &order {
        let Some((f, t)) = corrs[a].span else { continue };
        if f[0].dist(f[1]) < 1.0 {
            continue;
        }
        let Some(t) = Transform::similarity(f[0], f[1], t[0], t[1]) else {
            continue;
        };
        let (support, inl) = support_of(corrs, &t);
        if best.as_ref().is_none_or(|b| support > b.0) {
            best = Some((support, t, inl));
        }
    }
    for (i, &a) in order.iter().enumerate() {
        for &b in &order[i + 1..] {
            let (ca, cb) = (&corrs[a], &corrs[b]);
            if ca.anchor == cb.anchor || ca.from.dist(cb.from) < 0.1 * spread {
                continue;
            }
            let Some(t) = Transform::similarity(ca.from, cb.from, ca.to, cb.to) else {
                continue;
            };
            let (support, inl) = support_of(corrs, &t);
            if best.as_ref().is_none_or(|b| support > b.0) {
                best = Some((support, t, inl));
            }
        }
    }
    let (mut support, mut t, mut inl) = best?;
    let mut model = Model::Similarity;
    for _ in 0..3 {
        let pairs: Vec<(Point, Point)> = inl.iter().flat_map(|&i| corrs[i].points()).collect();
        // Points of one run are collinear: the counts below are of anchors, not points.
        let candidate = if inl.len() >= MIN_POINTS_HOMOGRAPHY {
            Transform::homography(&pairs).map(|h| (h, Model::Homography))
        } else if inl.len() >= MIN_POINTS_AFFINE {
            Transform::affine(&pairs).map(|h| (h, Model::Affine))
        } else {
            None
        };
        let Some((nt, nm)) = candidate else { break };
        if !plausible(&nt, corrs) {
            break;
        }
        let (ns, ni) = support_of(corrs, &nt);
        if ns < support * REFIT_KEEPS {
            break;
        }
        let grew = ns > support + 1e-6 || nm != model;
        (support, t, inl, model) = (ns, nt, ni, nm);
        if !grew {
            break;
        }
    }
    Some(Fit {
        transform: t,
        model,
        inliers: inl,
        support,
    })
}

/// A refit is kept only when it does not fold the page (positive orientation consistency at the
/// correspondences' extremes): a homography fitted to points on a few lines can flip.
fn plausible(t: &Transform, corrs: &[Corr]) -> bool {
    let h = &t.h;
    corrs.iter().all(|c| {
        let (x, y) = (c.from.x as f64, c.from.y as f64);
        h[6] * x + h[7] * y + h[8] > 0.0
    })
}

pub(crate) fn support_of(corrs: &[Corr], t: &Transform) -> (f32, Vec<usize>) {
    // Best inlier per anchor (an anchor with several candidate positions counts once).
    let mut per_anchor: std::collections::HashMap<usize, (f32, usize)> = Default::default();
    for (i, c) in corrs.iter().enumerate() {
        let d = t.apply(c.from).dist(c.to);
        if d <= c.tol {
            let e = per_anchor.entry(c.anchor).or_insert((f32::MAX, i));
            if d < e.0 {
                *e = (d, i);
            }
        }
    }
    let mut inl: Vec<usize> = per_anchor.values().map(|v| v.1).collect();
    inl.sort_unstable();
    let s = inl.iter().map(|&i| corrs[i].weight).sum();
    (s, inl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point, eps: f32) -> bool {
        a.dist(b) <= eps
    }

    /// A small deterministic generator (tests only; no dependency).
    pub(crate) struct Lcg(pub u64);
    impl Lcg {
        pub fn next(&mut self) -> f32 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((self.0 >> 33) as f32) / (1u64 << 31) as f32
        }
    }

    fn persp() -> Transform {
        Transform {
            h: [0.9, 0.08, 40.0, -0.05, 1.02, 25.0, 0.00008, 0.00005, 1.0],
        }
    }

    #[test]
    fn fits_recover_their_maps() {
        let sim = Transform::similarity(
            Point::new(0.0, 0.0),
            Point::new(10.0, 0.0),
            Point::new(5.0, 5.0),
            Point::new(5.0, 25.0),
        )
        .unwrap();
        assert!(close(sim.apply(Point::new(10.0, 10.0)), Point::new(-15.0, 25.0), 1e-3));
        assert!((sim.rotation_deg_at(Point::new(0.0, 0.0)) - 90.0).abs() < 1e-3);
        assert!((sim.scale_at(Point::new(3.0, 3.0)) - 2.0).abs() < 1e-3);

        let h = persp();
        let grid: Vec<Point> = (0..5)
            .flat_map(|i| (0..4).map(move |j| Point::new(i as f32 * 200.0, j as f32 * 300.0)))
            .collect();
        let pairs: Vec<_> = grid.iter().map(|&p| (p, h.apply(p))).collect();
        let fit = Transform::homography(&pairs).unwrap();
        for &p in &grid {
            assert!(close(fit.apply(p), h.apply(p), 0.05), "{p:?}");
        }
        let inv = fit.inverse().unwrap();
        assert!(close(inv.apply(h.apply(Point::new(123.0, 456.0))), Point::new(123.0, 456.0), 0.05));

        let aff = Transform {
            h: [1.1, 0.2, 3.0, -0.1, 0.9, 7.0, 0.0, 0.0, 1.0],
        };
        let pairs: Vec<_> = grid.iter().map(|&p| (p, aff.apply(p))).collect();
        let fit = Transform::affine(&pairs).unwrap();
        assert!(close(fit.apply(Point::new(77.0, 99.0)), aff.apply(Point::new(77.0, 99.0)), 1e-2));
        assert!(Transform::affine(&pairs[..2]).is_none());
    }

    fn corrs_for(t: &Transform, n: usize, noise: f32, outliers: usize, tol: f32, rng: &mut Lcg) -> Vec<Corr> {
        let mut out = Vec::new();
        for i in 0..n {
            let p = Point::new(50.0 + rng.next() * 1100.0, 50.0 + rng.next() * 1600.0);
            let q = t.apply(p);
            out.push(Corr {
                from: p,
                to: Point::new(q.x + (rng.next() - 0.5) * 2.0 * noise, q.y + (rng.next() - 0.5) * 2.0 * noise),
                anchor: i,
                weight: 1.0 + rng.next(),
                tol,
                span: None,
            });
        }
        for k in 0..outliers {
            let p = Point::new(rng.next() * 1200.0, rng.next() * 1700.0);
            out.push(Corr {
                from: p,
                to: Point::new(rng.next() * 1500.0, rng.next() * 1500.0),
                anchor: n + k,
                weight: 1.0 + rng.next(),
                tol,
                span: None,
            });
        }
        out
    }

    #[test]
    fn ransac_survives_noise_and_outliers_at_any_rotation() {
        let mut rng = Lcg(7);
        for deg in [0.0f32, 7.0, 90.0, 180.0, 270.0, -12.0] {
            let r = deg.to_radians();
            let t = Transform {
                h: [
                    0.8 * r.cos() as f64,
                    -0.8 * r.sin() as f64,
                    700.0,
                    0.8 * r.sin() as f64,
                    0.8 * r.cos() as f64,
                    600.0,
                    0.0,
                    0.0,
                    1.0,
                ],
            };
            // 30 true anchors with 3 px noise, 30 outliers (half the correspondences are wrong).
            let corrs = corrs_for(&t, 30, 3.0, 30, 12.0, &mut rng);
            let fit = ransac(&corrs).expect("fit");
            let true_inliers = fit.inliers.iter().filter(|&&i| i < 30).count();
            assert!(true_inliers >= 28, "{deg}: {true_inliers}");
            assert!(fit.inliers.len() - true_inliers <= 2, "{deg}: outliers kept");
            let probe = Point::new(600.0, 800.0);
            assert!(close(fit.transform.apply(probe), t.apply(probe), 6.0), "{deg}");
        }
    }

    #[test]
    fn perspective_needs_a_homography() {
        let mut rng = Lcg(11);
        let t = persp();
        let corrs = corrs_for(&t, 40, 1.5, 10, 8.0, &mut rng);
        let fit = ransac(&corrs).expect("fit");
        assert_eq!(fit.model, Model::Homography);
        assert!(fit.inliers.iter().filter(|&&i| i < 40).count() >= 38);
        for p in [Point::new(0.0, 0.0), Point::new(1200.0, 1700.0), Point::new(1200.0, 0.0)] {
            assert!(close(fit.transform.apply(p), t.apply(p), 6.0), "{p:?}");
        }
        // The similarity alone cannot reach every corner within the tolerance.
        let sim = Transform::similarity(corrs[0].from, corrs[1].from, corrs[0].to, corrs[1].to).unwrap();
        let (s, _) = support_of(&corrs[..40], &sim);
        assert!(s < fit.support);
    }

    #[test]
    fn too_few_or_degenerate_correspondences_give_no_fit() {
        assert!(ransac(&[]).is_none());
        let one = Corr {
            from: Point::new(1.0, 1.0),
            to: Point::new(2.0, 2.0),
            anchor: 0,
            weight: 1.0,
            tol: 5.0,
            span: None,
        };
        assert!(ransac(&[one]).is_none());
        // Two candidates of the same anchor never make a hypothesis.
        let mut two = one;
        two.from = Point::new(500.0, 500.0);
        assert!(ransac(&[one, two]).is_none());
    }
}

/// A small deterministic generator for the crate's tests.
#[cfg(test)]
pub(crate) fn tests_rng(seed: u64) -> impl FnMut() -> f32 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32) / (1u64 << 31) as f32
    }
}
