//! Writes the hostile test files of `jikji_image::fixtures` into a folder, for `scripts/loadtest.sh`
//! and manual tries against a server.
//!
//! `cargo run --release -p jikji-image --features fixtures --example hostile_files -- OUT_DIR`

use jikji_image::fixtures;

fn main() -> std::io::Result<()> {
    let out = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "hostile-files".into()),
    );
    std::fs::create_dir_all(&out)?;
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("flate-bomb-3g.pdf", fixtures::flate_bomb_pdf(3 << 30)),
        ("pages-5000.pdf", fixtures::many_pages_pdf(5000)),
        ("huge-mediabox.pdf", fixtures::huge_mediabox_pdf()),
        ("recursive-xobjects.pdf", fixtures::recursive_xobject_pdf()),
        ("header-bomb.tif", fixtures::tiff_header_only(100_000, 100_000)),
        ("header-bomb.png", fixtures::png_header_only(100_000, 100_000)),
        ("header-bomb.jpg", fixtures::jpeg_header_only(65_000, 65_000)),
        ("truncated.pdf", fixtures::small_pdf()[..12].to_vec()),
    ];
    for (name, bytes) in files {
        std::fs::write(out.join(name), &bytes)?;
        println!("{} ({} bytes)", out.join(name).display(), bytes.len());
    }
    Ok(())
}
