//! Connected components of a binary map (8-connectivity), each reduced to the points that matter for its
//! convex hull: the leftmost and rightmost pixel of every row it spans.

use jikji_geometry::Point;

/// One connected component.
#[derive(Debug, Clone)]
pub struct Component {
    /// Row-extreme pixels (their hull equals the component's hull).
    pub outline: Vec<Point>,
    pub pixels: usize,
}

/// Labels the 8-connected components of `bitmap` (`w x h`, row-major), largest-first order is not
/// guaranteed; components are returned in scan order of their first pixel.
pub fn components(bitmap: &[bool], w: usize, h: usize) -> Vec<Component> {
    let mut label = vec![0u32; bitmap.len()];
    let mut out = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut next = 1u32;
    for start in 0..bitmap.len() {
        if !bitmap[start] || label[start] != 0 {
            continue;
        }
        label[start] = next;
        stack.push(start);
        // Per-row extremes: row → (min x, max x).
        let mut rows: Vec<(usize, usize, usize)> = Vec::new(); // (y, minx, maxx), unsorted
        let mut row_index = std::collections::HashMap::new();
        let mut count = 0usize;
        while let Some(i) = stack.pop() {
            count += 1;
            let (x, y) = (i % w, i / w);
            match row_index.get(&y) {
                Some(&k) => {
                    let r: &mut (usize, usize, usize) = &mut rows[k];
                    r.1 = r.1.min(x);
                    r.2 = r.2.max(x);
                }
                None => {
                    row_index.insert(y, rows.len());
                    rows.push((y, x, x));
                }
            }
            let x0 = x.saturating_sub(1);
            let x1 = (x + 1).min(w - 1);
            let y0 = y.saturating_sub(1);
            let y1 = (y + 1).min(h - 1);
            for ny in y0..=y1 {
                for nx in x0..=x1 {
                    let j = ny * w + nx;
                    if bitmap[j] && label[j] == 0 {
                        label[j] = next;
                        stack.push(j);
                    }
                }
            }
        }
        next += 1;
        let mut outline = Vec::with_capacity(rows.len() * 2);
        for (y, a, b) in rows {
            outline.push(Point::new(a as f32, y as f32));
            if b != a {
                outline.push(Point::new(b as f32, y as f32));
            }
        }
        out.push(Component {
            outline,
            pixels: count,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_blocks_and_joins_diagonal_neighbours() {
        #[rustfmt::skip]
        let m = [
            1,1,0,0,0,
            0,0,1,0,1,
            0,0,0,0,1,
        ];
        let b: Vec<bool> = m.iter().map(|&v| v == 1).collect();
        let c = components(&b, 5, 3);
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].pixels, 3);
        assert_eq!(c[1].pixels, 2);
    }
}
