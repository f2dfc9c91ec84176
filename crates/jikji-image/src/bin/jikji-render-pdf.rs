//! The sandboxed PDF renderer as a binary of its own, for programs that embed `jikji-image` without
//! the `jikji` binary (and for this crate's tests): `jikji-render-pdf render-pdf MEMORY CPU MAX_PIXELS
//! MAX_SIDE DPI`, speaking the protocol of `jikji_image`'s sandbox module on stdin/stdout. Point
//! [`jikji_image::PdfRenderer::Sandboxed`] at it.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.first().map(String::as_str) {
        Some(jikji_image::RENDER_PDF_ARG) => jikji_image::render_pdf_main(&args[1..]),
        _ => {
            eprintln!("usage: jikji-render-pdf render-pdf MEMORY_BYTES CPU_SECONDS MAX_PIXELS MAX_SIDE DPI");
            2
        }
    };
    std::process::exit(code);
}
