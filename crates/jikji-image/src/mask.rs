//! Blacking out regions of a page: the masked copy of an ID document that a caller can store or show
//! instead of the original.

use image::{Rgb, RgbImage};
use jikji_geometry::{Point, Quad};

/// Extra pixels blacked out around every region. The regions come from OCR boxes, which hug the ink;
/// antialiased glyph edges and JPEG ringing reach about one pixel further.
pub const MASK_MARGIN_PX: f32 = 1.0;

/// Half the diagonal of a pixel: a pixel whose centre is this close to a region overlaps it.
const PIXEL_REACH: f32 = std::f32::consts::FRAC_1_SQRT_2;

/// Blacks out every quadrilateral of `quads` in `img` (in its pixels): every pixel that overlaps a
/// quadrilateral, or lies within [`MASK_MARGIN_PX`] of it, becomes black. Quadrilaterals partly or
/// wholly outside the picture are clipped; degenerate ones (a line, a point) black out the pixels they
/// touch; ones with non-finite corners are skipped.
pub fn mask_quads(img: &mut RgbImage, quads: &[Quad]) {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return;
    }
    let reach = MASK_MARGIN_PX + PIXEL_REACH;
    for q in quads {
        if q.pts.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
            continue;
        }
        let b = q.bbox();
        let x0 = (b.x0 - reach).floor().max(0.0);
        let y0 = (b.y0 - reach).floor().max(0.0);
        let x1 = (b.x1 + reach).ceil().min(w as f32 - 1.0);
        let y1 = (b.y1 + reach).ceil().min(h as f32 - 1.0);
        if x0 > x1 || y0 > y1 {
            continue;
        }
        for y in y0 as u32..=y1 as u32 {
            for x in x0 as u32..=x1 as u32 {
                let c = Point::new(x as f32 + 0.5, y as f32 + 0.5);
                if inside(q, c) || distance_to_outline(q, c) <= reach {
                    img.put_pixel(x, y, Rgb([0, 0, 0]));
                }
            }
        }
    }
}

/// Whether `p` lies inside the quadrilateral (even-odd rule, so any corner order works).
fn inside(q: &Quad, p: Point) -> bool {
    let mut inside = false;
    for i in 0..4 {
        let (a, b) = (q.pts[i], q.pts[(i + 1) % 4]);
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

fn distance_to_outline(q: &Quad, p: Point) -> f32 {
    (0..4)
        .map(|i| segment_distance(q.pts[i], q.pts[(i + 1) % 4], p))
        .fold(f32::INFINITY, f32::min)
}

fn segment_distance(a: Point, b: Point, p: Point) -> f32 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 <= f32::EPSILON {
        0.0
    } else {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    };
    p.dist(Point::new(a.x + t * dx, a.y + t * dy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quad(v: [f32; 8]) -> Quad {
        Quad::from_flat(&v).unwrap()
    }

    #[test]
    fn fills_a_tilted_quad_with_a_margin_and_nothing_far_outside() {
        let mut img = RgbImage::from_pixel(100, 80, Rgb([200, 210, 220]));
        let q = quad([20.3, 10.7, 70.2, 20.1, 65.6, 40.4, 15.5, 31.9]);
        mask_quads(&mut img, &[q]);
        // Every point of the quad, sampled finely, lands on a black pixel.
        for i in 0..=50 {
            for j in 0..=50 {
                let top = q.pts[0].lerp(q.pts[1], i as f32 / 50.0);
                let bottom = q.pts[3].lerp(q.pts[2], i as f32 / 50.0);
                let p = top.lerp(bottom, j as f32 / 50.0);
                assert_eq!(img.get_pixel(p.x as u32, p.y as u32).0, [0, 0, 0], "{p:?}");
            }
        }
        // One pixel beyond the outline is black too (the margin)...
        assert_eq!(img.get_pixel(19, 11).0, [0, 0, 0]);
        // ...but pixels well away from it are untouched.
        for (x, y) in [(10, 10), (80, 20), (40, 50), (17, 5), (0, 0), (99, 79)] {
            assert_eq!(img.get_pixel(x, y).0, [200, 210, 220], "({x},{y})");
        }
    }

    #[test]
    fn clips_at_the_border_and_ignores_bad_corners() {
        let mut img = RgbImage::from_pixel(30, 20, Rgb([255, 255, 255]));
        mask_quads(
            &mut img,
            &[
                quad([-10.0, -10.0, 5.0, -10.0, 5.0, 5.0, -10.0, 5.0]),
                quad([f32::NAN, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0]),
                quad([1e9, 1e9, 2e9, 1e9, 2e9, 2e9, 1e9, 2e9]),
            ],
        );
        assert_eq!(img.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(5, 5).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(20, 15).0, [255, 255, 255]);
        // A quad given counter-clockwise is filled the same way.
        let mut a = RgbImage::from_pixel(30, 20, Rgb([255, 255, 255]));
        let mut b = a.clone();
        mask_quads(&mut a, &[quad([3.0, 3.0, 20.0, 4.0, 19.0, 12.0, 2.0, 11.0])]);
        mask_quads(&mut b, &[quad([2.0, 11.0, 19.0, 12.0, 20.0, 4.0, 3.0, 3.0])]);
        assert_eq!(a, b);
        // Nothing to do on an empty image.
        mask_quads(&mut RgbImage::new(0, 0), &[quad([0.0; 8])]);
    }
}
