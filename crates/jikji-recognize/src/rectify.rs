//! Cutting a text line out of the page: a perspective warp of its quad onto an upright rectangle.

use image::{Rgb, RgbImage};
use jikji_geometry::{Point, Quad};

/// A rectified line image and how it maps back to the page.
#[derive(Debug, Clone)]
pub struct LineCrop {
    pub image: RgbImage,
    /// The page quad the crop came from (TL, TR, BR, BL as on the page).
    pub quad: Quad,
    /// True when the quad was taller than wide and the crop was turned 90° counter-clockwise
    /// (vertical text read top to bottom).
    pub rotated: bool,
    /// True when the crop was turned 180° by the angle classifier.
    pub flipped: bool,
}

impl LineCrop {
    /// The page quad with its corners renamed so that TL→TR is the crop's reading direction: the
    /// recogniser's character positions (fractions of the crop width) run along that edge.
    /// Tall quads turned 90° counter-clockwise read top to bottom (TR, BR, BL, TL); crops turned 180°
    /// read right to left.
    pub fn reading_quad(&self) -> Quad {
        self.reading_quad_of(self.quad)
    }

    /// Another page quad (one sharing this crop's orientation, such as the detector's tighter box)
    /// with its corners renamed as [`LineCrop::reading_quad`] renames the crop's own.
    pub fn reading_quad_of(&self, quad: Quad) -> Quad {
        let [tl, tr, br, bl] = quad.pts;
        let q = if self.rotated {
            [tr, br, bl, tl]
        } else {
            [tl, tr, br, bl]
        };
        Quad::new(if self.flipped {
            [q[2], q[3], q[0], q[1]]
        } else {
            q
        })
    }

    /// Turns the crop 180° (an upside-down line).
    pub fn flip(&mut self) {
        self.image = image::imageops::rotate180(&self.image);
        self.flipped = !self.flipped;
    }
}

/// Solves the homography that maps `dst` (crop) corners to `src` (page) corners.
fn homography(dst: [Point; 4], src: [Point; 4]) -> Option<[f64; 9]> {
    let mut a = [[0f64; 9]; 8];
    for i in 0..4 {
        let (x, y) = (dst[i].x as f64, dst[i].y as f64);
        let (u, v) = (src[i].x as f64, src[i].y as f64);
        a[2 * i] = [x, y, 1.0, 0.0, 0.0, 0.0, -u * x, -u * y, u];
        a[2 * i + 1] = [0.0, 0.0, 0.0, x, y, 1.0, -v * x, -v * y, v];
    }
    // Gaussian elimination with partial pivoting on the 8x8 system.
    for col in 0..8 {
        let piv = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, piv);
        for r in 0..8 {
            if r != col {
                let f = a[r][col] / a[col][col];
                for c in col..9 {
                    a[r][c] -= f * a[col][c];
                }
            }
        }
    }
    let mut h = [0f64; 9];
    for i in 0..8 {
        h[i] = a[i][8] / a[i][i];
    }
    h[8] = 1.0;
    Some(h)
}

fn sample(img: &RgbImage, x: f64, y: f64) -> Rgb<u8> {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let x = x.clamp(0.0, (w - 1) as f64);
    let y = y.clamp(0.0, (h - 1) as f64);
    let (x0, y0) = (x.floor() as i64, y.floor() as i64);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f64, y - y0 as f64);
    let p = |xx: i64, yy: i64| img.get_pixel(xx as u32, yy as u32).0;
    let (a, b, c, d) = (p(x0, y0), p(x1, y0), p(x0, y1), p(x1, y1));
    let mut out = [0u8; 3];
    for k in 0..3 {
        let top = a[k] as f64 * (1.0 - fx) + b[k] as f64 * fx;
        let bot = c[k] as f64 * (1.0 - fx) + d[k] as f64 * fx;
        out[k] = (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8;
    }
    Rgb(out)
}

/// Warps `quad` of `page` onto an upright `w x h` image (w, h = the longer of the opposite edges).
/// Quads at least 1.5 times taller than wide are turned 90° counter-clockwise, as PP-OCR does.
pub fn crop_line(page: &RgbImage, quad: &Quad) -> LineCrop {
    let [tl, tr, br, bl] = quad.pts;
    let w = tl.dist(tr).max(bl.dist(br)).round().max(1.0) as u32;
    let h = tl.dist(bl).max(tr.dist(br)).round().max(1.0) as u32;
    let dst = [
        Point::new(0.0, 0.0),
        Point::new(w as f32, 0.0),
        Point::new(w as f32, h as f32),
        Point::new(0.0, h as f32),
    ];
    let mut out = RgbImage::new(w, h);
    if page.width() > 0 && page.height() > 0 {
        match homography(dst, quad.pts) {
            Some(m) => {
                for y in 0..h {
                    for x in 0..w {
                        // Sample at pixel centres.
                        let (xf, yf) = (x as f64 + 0.5, y as f64 + 0.5);
                        let den = m[6] * xf + m[7] * yf + m[8];
                        let u = (m[0] * xf + m[1] * yf + m[2]) / den - 0.5;
                        let v = (m[3] * xf + m[4] * yf + m[5]) / den - 0.5;
                        out.put_pixel(x, y, sample(page, u, v));
                    }
                }
            }
            None => {
                // Degenerate quad: fall back to its bounding box.
                let bb = quad.bbox();
                for y in 0..h {
                    for x in 0..w {
                        out.put_pixel(
                            x,
                            y,
                            sample(page, (bb.x0 + x as f32) as f64, (bb.y0 + y as f32) as f64),
                        );
                    }
                }
            }
        }
    }
    let rotated = h as f32 >= 1.5 * w as f32;
    let image = if rotated {
        image::imageops::rotate270(&out)
    } else {
        out
    };
    LineCrop {
        image,
        quad: *quad,
        rotated,
        flipped: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jikji_geometry::Rect;

    #[test]
    fn axis_aligned_crop_copies_pixels() {
        let mut page = RgbImage::from_pixel(50, 30, Rgb([255, 255, 255]));
        for x in 10..20 {
            for y in 5..10 {
                page.put_pixel(x, y, Rgb([0, 0, 0]));
            }
        }
        let c = crop_line(&page, &Rect::new(10., 5., 30., 10.).to_quad());
        assert_eq!(c.image.dimensions(), (20, 5));
        assert!(!c.rotated);
        assert_eq!(c.image.get_pixel(2, 2).0, [0, 0, 0]);
        assert_eq!(c.image.get_pixel(15, 2).0, [255, 255, 255]);
    }

    #[test]
    fn tall_quads_are_turned_upright() {
        let page = RgbImage::from_pixel(50, 100, Rgb([255, 255, 255]));
        let c = crop_line(&page, &Rect::new(10., 0., 20., 60.).to_quad());
        assert!(c.rotated);
        assert_eq!(c.image.dimensions(), (60, 10));
        // Reading runs down the quad: the first half of the crop is the top half of the quad.
        let s = c.reading_quad().sub_span(0.0, 0.5).bbox();
        assert!(
            (s.y0 - 0.0).abs() < 1e-3 && (s.y1 - 30.0).abs() < 1e-3,
            "{s:?}"
        );
    }

    #[test]
    fn rotated_quad_is_rectified() {
        // A dark 40x8 bar rotated by 20 degrees; the crop must be dark in the middle and the right size.
        let mut page = RgbImage::from_pixel(100, 100, Rgb([255, 255, 255]));
        let a = 20f32.to_radians();
        let rot = |x: f32, y: f32| {
            Point::new(
                50. + x * a.cos() - y * a.sin(),
                50. + x * a.sin() + y * a.cos(),
            )
        };
        for py in 0..100 {
            for px in 0..100 {
                let (dx, dy) = (px as f32 - 50.0, py as f32 - 50.0);
                let (u, v) = (dx * a.cos() + dy * a.sin(), -dx * a.sin() + dy * a.cos());
                if (-20.0..20.0).contains(&u) && (-4.0..4.0).contains(&v) {
                    page.put_pixel(px, py, Rgb([0, 0, 0]));
                }
            }
        }
        let q = Quad::new([rot(-20., -4.), rot(20., -4.), rot(20., 4.), rot(-20., 4.)]);
        let c = crop_line(&page, &q);
        assert_eq!(c.image.dimensions(), (40, 8));
        let dark = c.image.pixels().filter(|p| p.0[0] < 128).count();
        assert!(dark as f32 > 0.85 * 320.0, "dark pixels {dark}");
    }
}
