//! The Jikji OCR engine.
//!
//! [`Engine`] owns the loaded models and runs the pipeline over one page image:
//! detection ([`jikji_detect`]) → crop and rectify + recognition ([`jikji_recognize`]) →
//! layout ([`jikji_layout`]). The result is a [`PageResult`]: words with quads, confidences and
//! line breaks, in reading order — the content of a CLOVA General OCR `images[]` entry.
//!
//! `Engine` is `Send + Sync`: it keeps a pool of workers, each with its own ONNX Runtime sessions
//! (`Session::run` needs `&mut self`), and hands each call to a free worker. Models load once, in
//! [`Engine::new`].

mod types;
pub use types::*;

mod choose;
mod engine;
pub use choose::{choose_reading, has_cjk, has_hangul, Choice};
pub use engine::{
    Engine, EngineError, StageTimes, CASCADE_ACCEPT, CASCADE_MIN_CHAR, MAX_WORK_PIXELS,
    MIN_LINE_CONFIDENCE,
};
