//! Geometry shared by every Jikji pipeline stage.
//!
//! Everything is in pixel coordinates of the page image the stage works on, with `x` to the right and `y`
//! down. A [`Quad`] is a text polygon with its four corners in CLOVA's order: top-left, top-right,
//! bottom-right, bottom-left (clockwise on screen). Detection produces quads, recognition rectifies them,
//! layout splits and merges them, and the API writes them out as `boundingPoly.vertices`.

use serde::{Deserialize, Serialize};

/// A point in page pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

impl Point {
    pub const fn new(x: f32, y: f32) -> Self {
        Point { x, y }
    }
    pub fn dist(self, o: Point) -> f32 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
    /// Linear interpolation: `self + t * (o - self)`.
    pub fn lerp(self, o: Point, t: f32) -> Point {
        Point::new(self.x + t * (o.x - self.x), self.y + t * (o.y - self.y))
    }
}

/// An axis-aligned rectangle, `x0 <= x1`, `y0 <= y1`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    pub fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        Rect {
            x0: x0.min(x1),
            y0: y0.min(y1),
            x1: x0.max(x1),
            y1: y0.max(y1),
        }
    }
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
    pub fn area(&self) -> f32 {
        self.width().max(0.0) * self.height().max(0.0)
    }
    pub fn center(&self) -> Point {
        Point::new((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
    /// Whether `p` lies inside or on the border.
    pub fn contains(&self, p: Point) -> bool {
        (self.x0..=self.x1).contains(&p.x) && (self.y0..=self.y1).contains(&p.y)
    }
    pub fn intersection(&self, o: &Rect) -> f32 {
        let w = (self.x1.min(o.x1) - self.x0.max(o.x0)).max(0.0);
        let h = (self.y1.min(o.y1) - self.y0.max(o.y0)).max(0.0);
        w * h
    }
    pub fn iou(&self, o: &Rect) -> f32 {
        let i = self.intersection(o);
        let u = self.area() + o.area() - i;
        if u <= 0.0 {
            0.0
        } else {
            i / u
        }
    }
    pub fn union(&self, o: &Rect) -> Rect {
        Rect::new(
            self.x0.min(o.x0),
            self.y0.min(o.y0),
            self.x1.max(o.x1),
            self.y1.max(o.y1),
        )
    }
    pub fn to_quad(&self) -> Quad {
        Quad::new([
            Point::new(self.x0, self.y0),
            Point::new(self.x1, self.y0),
            Point::new(self.x1, self.y1),
            Point::new(self.x0, self.y1),
        ])
    }
}

/// A quadrilateral: top-left, top-right, bottom-right, bottom-left.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Quad {
    pub pts: [Point; 4],
}

impl Quad {
    pub const fn new(pts: [Point; 4]) -> Self {
        Quad { pts }
    }

    /// Builds a quad from 8 numbers `x1,y1,…,x4,y4` (the test-data and SROIE box format).
    pub fn from_flat(v: &[f32]) -> Option<Quad> {
        if v.len() != 8 {
            return None;
        }
        Some(Quad::new([
            Point::new(v[0], v[1]),
            Point::new(v[2], v[3]),
            Point::new(v[4], v[5]),
            Point::new(v[6], v[7]),
        ]))
    }

    /// Puts four arbitrary corner points into CLOVA order (TL, TR, BR, BL, clockwise on screen).
    ///
    /// Same rule as PaddleOCR's detector: the two leftmost points form the left edge (the upper one is the
    /// top-left), the two rightmost the right edge. Correct for text rotated by less than 45 degrees;
    /// steeper boxes come out as tall quads, which recognition turns upright.
    pub fn from_unordered(mut pts: [Point; 4]) -> Quad {
        pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
        let (tl, bl) = if pts[0].y <= pts[1].y {
            (pts[0], pts[1])
        } else {
            (pts[1], pts[0])
        };
        let (tr, br) = if pts[2].y <= pts[3].y {
            (pts[2], pts[3])
        } else {
            (pts[3], pts[2])
        };
        Quad::new([tl, tr, br, bl])
    }

    pub fn bbox(&self) -> Rect {
        let xs = self.pts.iter().map(|p| p.x);
        let ys = self.pts.iter().map(|p| p.y);
        let x0 = xs.clone().fold(f32::INFINITY, f32::min);
        let x1 = xs.fold(f32::NEG_INFINITY, f32::max);
        let y0 = ys.clone().fold(f32::INFINITY, f32::min);
        let y1 = ys.fold(f32::NEG_INFINITY, f32::max);
        Rect { x0, y0, x1, y1 }
    }

    /// Length of the top edge and of the bottom edge, averaged: the text direction's extent.
    pub fn width(&self) -> f32 {
        (self.pts[0].dist(self.pts[1]) + self.pts[3].dist(self.pts[2])) / 2.0
    }

    /// Left and right edges averaged: the extent across the text direction.
    pub fn height(&self) -> f32 {
        (self.pts[0].dist(self.pts[3]) + self.pts[1].dist(self.pts[2])) / 2.0
    }

    pub fn center(&self) -> Point {
        Point::new(
            self.pts.iter().map(|p| p.x).sum::<f32>() / 4.0,
            self.pts.iter().map(|p| p.y).sum::<f32>() / 4.0,
        )
    }

    /// Shoelace area (always positive).
    pub fn area(&self) -> f32 {
        let mut s = 0.0;
        for i in 0..4 {
            let a = self.pts[i];
            let b = self.pts[(i + 1) % 4];
            s += a.x * b.y - b.x * a.y;
        }
        s.abs() / 2.0
    }

    /// Angle of the text direction (top edge) in radians; 0 is horizontal, positive is clockwise on screen.
    pub fn angle(&self) -> f32 {
        let d = Point::new(
            (self.pts[1].x - self.pts[0].x + self.pts[2].x - self.pts[3].x) / 2.0,
            (self.pts[1].y - self.pts[0].y + self.pts[2].y - self.pts[3].y) / 2.0,
        );
        d.y.atan2(d.x)
    }

    /// The sub-quad between fractions `t0..t1` of the way along the text direction
    /// (used to cut a line into word boxes).
    pub fn sub_span(&self, t0: f32, t1: f32) -> Quad {
        let [tl, tr, br, bl] = self.pts;
        Quad::new([
            tl.lerp(tr, t0),
            tl.lerp(tr, t1),
            bl.lerp(br, t1),
            bl.lerp(br, t0),
        ])
    }

    /// The band between fractions `s0` and `s1` of the way from the top edge to the bottom edge (the
    /// vertical counterpart of [`Quad::sub_span`]).
    pub fn sub_rows(&self, s0: f32, s1: f32) -> Quad {
        let [tl, tr, br, bl] = self.pts;
        Quad::new([
            tl.lerp(bl, s0),
            tr.lerp(br, s0),
            tr.lerp(br, s1),
            tl.lerp(bl, s1),
        ])
    }

    /// Clamps every corner into `[0, w] x [0, h]`.
    pub fn clamp(&self, w: f32, h: f32) -> Quad {
        let mut q = *self;
        for p in &mut q.pts {
            p.x = p.x.clamp(0.0, w);
            p.y = p.y.clamp(0.0, h);
        }
        q
    }

    pub fn scale(&self, sx: f32, sy: f32) -> Quad {
        let mut q = *self;
        for p in &mut q.pts {
            p.x *= sx;
            p.y *= sy;
        }
        q
    }

    /// Flat `[x1,y1,…,x4,y4]`.
    pub fn to_flat(&self) -> [f32; 8] {
        let mut out = [0.0; 8];
        for (i, p) in self.pts.iter().enumerate() {
            out[2 * i] = p.x;
            out[2 * i + 1] = p.y;
        }
        out
    }
}

/// Convex hull of a point set (Andrew's monotone chain), counter-clockwise in math orientation
/// (clockwise on screen), without collinear points. Fewer than 3 distinct points come back as they are.
pub fn convex_hull(points: &[Point]) -> Vec<Point> {
    let mut pts: Vec<Point> = points.to_vec();
    pts.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    fn cross(o: Point, a: Point, b: Point) -> f32 {
        (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
    }
    let mut lower: Vec<Point> = Vec::new();
    for &p in &pts {
        while lower.len() >= 2 && cross(lower[lower.len() - 2], lower[lower.len() - 1], p) <= 0.0 {
            lower.pop();
        }
        lower.push(p);
    }
    let mut upper: Vec<Point> = Vec::new();
    for &p in pts.iter().rev() {
        while upper.len() >= 2 && cross(upper[upper.len() - 2], upper[upper.len() - 1], p) <= 0.0 {
            upper.pop();
        }
        upper.push(p);
    }
    lower.pop();
    upper.pop();
    lower.extend(upper);
    lower
}

/// The minimum-area enclosing rectangle of a point set (rotating calipers over the convex hull), as a
/// [`Quad`] in CLOVA corner order. Returns `None` for an empty set.
pub fn min_area_rect(points: &[Point]) -> Option<Quad> {
    let hull = convex_hull(points);
    match hull.len() {
        0 => return None,
        1 | 2 => {
            let r = Quad::new([
                hull[0],
                *hull.last().unwrap(),
                *hull.last().unwrap(),
                hull[0],
            ])
            .bbox();
            return Some(r.to_quad());
        }
        _ => {}
    }
    let mut best: Option<(f32, [Point; 4])> = None;
    for i in 0..hull.len() {
        let a = hull[i];
        let b = hull[(i + 1) % hull.len()];
        let len = a.dist(b);
        if len <= f32::EPSILON {
            continue;
        }
        let (ux, uy) = ((b.x - a.x) / len, (b.y - a.y) / len);
        let (vx, vy) = (-uy, ux);
        let (mut min_u, mut max_u, mut min_v, mut max_v) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
        for p in &hull {
            let du = (p.x - a.x) * ux + (p.y - a.y) * uy;
            let dv = (p.x - a.x) * vx + (p.y - a.y) * vy;
            min_u = min_u.min(du);
            max_u = max_u.max(du);
            min_v = min_v.min(dv);
            max_v = max_v.max(dv);
        }
        let area = (max_u - min_u) * (max_v - min_v);
        if best.as_ref().is_none_or(|(ba, _)| area < *ba) {
            let at = |u: f32, v: f32| Point::new(a.x + u * ux + v * vx, a.y + u * uy + v * vy);
            best = Some((
                area,
                [
                    at(min_u, min_v),
                    at(max_u, min_v),
                    at(max_u, max_v),
                    at(min_u, max_v),
                ],
            ));
        }
    }
    best.map(|(_, c)| Quad::from_unordered(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: f32, y: f32) -> Point {
        Point::new(x, y)
    }

    #[test]
    fn orders_axis_aligned_corners_clockwise_from_top_left() {
        let q = Quad::from_unordered([p(10., 20.), p(0., 0.), p(10., 0.), p(0., 20.)]);
        assert_eq!(q.pts, [p(0., 0.), p(10., 0.), p(10., 20.), p(0., 20.)]);
    }

    #[test]
    fn orders_slightly_rotated_box() {
        // A wide box rotated by a few degrees clockwise.
        let q = Quad::from_unordered([p(100., 10.), p(2., 30.), p(0., 0.), p(102., 40.)]);
        assert_eq!(q.pts[0], p(0., 0.));
        assert_eq!(q.pts[1], p(100., 10.));
        assert_eq!(q.pts[2], p(102., 40.));
        assert_eq!(q.pts[3], p(2., 30.));
        assert!(q.angle() > 0.0 && q.angle() < 0.2);
    }

    #[test]
    fn area_width_height_and_iou() {
        let r = Rect::new(0., 0., 10., 4.);
        let q = r.to_quad();
        assert_eq!(q.area(), 40.0);
        assert_eq!(q.width(), 10.0);
        assert_eq!(q.height(), 4.0);
        let r2 = Rect::new(5., 0., 15., 4.);
        assert!((r.iou(&r2) - 20.0 / 60.0).abs() < 1e-6);
    }

    #[test]
    fn min_area_rect_of_rotated_rectangle_recovers_it() {
        // Corners of a 40x10 rectangle rotated by 30 degrees, plus interior points.
        let (c, s) = (30f32.to_radians().cos(), 30f32.to_radians().sin());
        let rot = |x: f32, y: f32| p(100. + x * c - y * s, 50. + x * s + y * c);
        let mut pts = vec![rot(0., 0.), rot(40., 0.), rot(40., 10.), rot(0., 10.)];
        pts.push(rot(20., 5.));
        pts.push(rot(10., 2.));
        let q = min_area_rect(&pts).unwrap();
        assert!((q.area() - 400.0).abs() < 1.0, "area {}", q.area());
        assert!((q.width() - 40.0).abs() < 0.1 && (q.height() - 10.0).abs() < 0.1);
        assert!(
            (q.angle() - 30f32.to_radians()).abs() < 1e-3,
            "angle {}",
            q.angle()
        );
    }

    #[test]
    fn convex_hull_drops_interior_points() {
        let h = convex_hull(&[p(0., 0.), p(2., 0.), p(1., 1.), p(2., 2.), p(0., 2.)]);
        assert_eq!(h.len(), 4);
    }

    #[test]
    fn sub_span_cuts_along_text_direction() {
        let q = Rect::new(0., 0., 100., 10.).to_quad();
        let s = q.sub_span(0.25, 0.5);
        assert_eq!(s.bbox(), Rect::new(25., 0., 50., 10.));
    }

    #[test]
    fn sub_rows_cuts_a_horizontal_band() {
        let q = Quad::new([
            Point::new(0.0, 0.0),
            Point::new(10.0, 0.0),
            Point::new(10.0, 20.0),
            Point::new(0.0, 20.0),
        ]);
        let b = q.sub_rows(0.25, 0.75);
        assert_eq!(
            b.pts,
            [
                Point::new(0.0, 5.0),
                Point::new(10.0, 5.0),
                Point::new(10.0, 15.0),
                Point::new(0.0, 15.0)
            ]
        );
    }
}
