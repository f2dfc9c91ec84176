//! Decodes the files given on the command line with the default limits and
//! prints page sizes and timings, or the user-facing error.
//!
//! `cargo run --release -p jikji-image --example jikji_image_probe -- a.pdf b.jpg`
//!
//! `JIKJI_MAX_PAGES=50` raises the page limit.

use std::path::Path;
use std::time::Instant;

fn main() {
    let mut limits = jikji_image::Limits::default();
    if let Some(n) = std::env::var("JIKJI_MAX_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        limits.max_pages = n;
    }
    for path in std::env::args().skip(1) {
        let start = Instant::now();
        match jikji_image::decode_file(Path::new(&path), &limits) {
            Ok(pages) => {
                let sizes: Vec<_> = pages.iter().map(|p| p.image.dimensions()).collect();
                println!(
                    "{path}: {} page(s) {sizes:?} in {:?}",
                    pages.len(),
                    start.elapsed()
                );
            }
            Err(e) => println!("{path}: error: {e}"),
        }
    }
}
