//! Runs the card-outline finder over images and prints the outline and the time it took; with
//! `--draw DIR`, writes each image (shrunk to 800 px) with the outline drawn in red.
//!
//! `cargo run --release -p jikji-image --example card_outline -- [--draw DIR] IMAGE...`

use image::{Rgb, RgbImage};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let draw = match args.iter().position(|a| a == "--draw") {
        Some(i) => {
            let d = args.remove(i + 1);
            args.remove(i);
            Some(std::path::PathBuf::from(d))
        }
        None => None,
    };
    for path in &args {
        let img = match jikji_image::decode_file(path.as_ref(), &jikji_image::Limits::default()) {
            Ok(mut p) => p.remove(0).image,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let t = std::time::Instant::now();
        let q = jikji_image::find_card_quad(&img);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        println!("{path}\t{}x{}\t{ms:.1} ms\t{:?}", img.width(), img.height(), q.map(|q| q.to_flat().map(|v| v.round() as i32)));
        if let Some(dir) = &draw {
            let s = 800.0 / img.width().max(img.height()) as f32;
            let mut small: RgbImage = jikji_image::resize(&img, (img.width() as f32 * s) as u32, (img.height() as f32 * s) as u32);
            if let Some(q) = q {
                for i in 0..4 {
                    let (a, b) = (q.pts[i], q.pts[(i + 1) % 4]);
                    for k in 0..=400 {
                        let p = a.lerp(b, k as f32 / 400.0);
                        let (x, y) = ((p.x * s) as i32, (p.y * s) as i32);
                        for (dx, dy) in [(0, 0), (1, 0), (0, 1)] {
                            if x + dx >= 0 && y + dy >= 0 && ((x + dx) as u32) < small.width() && ((y + dy) as u32) < small.height() {
                                small.put_pixel((x + dx) as u32, (y + dy) as u32, Rgb([255, 0, 0]));
                            }
                        }
                    }
                }
            }
            let name = std::path::Path::new(path).file_stem().unwrap().to_string_lossy().to_string();
            small.save(dir.join(format!("{name}.png"))).unwrap();
        }
    }
}
