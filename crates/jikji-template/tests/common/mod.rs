//! What the real-image tests share: the engine (models from `scripts/setup-models.sh`; a missing
//! model fails the test), a page read through the pipeline, and the engine's re-reading of regions
//! (what the server does for `/infer`).

use jikji_geometry::Quad;
use jikji_types::PageResult;
use std::path::Path;
use std::sync::{Arc, OnceLock};

pub fn engine() -> &'static jikji_engine::Engine {
    static E: OnceLock<jikji_engine::Engine> = OnceLock::new();
    E.get_or_init(|| {
        let dir = jikji_runtime::resolve_models_dir(None);
        jikji_engine::Engine::new(jikji_engine::EngineConfig::new(dir))
            .expect("models installed by scripts/setup-models.sh")
    })
}

/// The OCR result (first page) and the page image of the file at `path`.
pub fn ocr_file(path: &Path) -> (PageResult, image::RgbImage) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = None;
    jikji_pipeline::run(
        engine(),
        &bytes,
        None,
        &jikji_pipeline::Options {
            pages: jikji_pipeline::Pages::First,
            ..Default::default()
        },
        &jikji_types::Cancel::new(),
        |p| out = Some((p.reported(), (*p.image).clone())),
    )
    .unwrap();
    out.unwrap()
}

/// The engine's reading of `quads` (pixels of `img`).
pub fn reread(img: &Arc<image::RgbImage>, quads: &[Quad]) -> Vec<(String, f32)> {
    let opts = jikji_engine::OcrOptions::default();
    engine()
        .read_regions(Arc::clone(img), quads.to_vec(), &opts, &jikji_types::Cancel::new())
        .unwrap()
        .into_iter()
        .map(|r| (r.text, r.confidence))
        .collect()
}
