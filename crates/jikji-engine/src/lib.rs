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
//!
//! The code reads stage by stage:
//!
//! * `pool` — [`Engine`]: the worker threads, the job queue, the cancellation check before a job
//!   starts; `lend` — the spare sessions a worker borrows while a core is idle (one request on two
//!   cores uses both);
//! * `page` — the page pipeline, a thin sequence of stage calls: detect → crop and turn upright →
//!   read → place characters → layout, with a cancellation check between stages;
//! * `policy` — the reading policy: which recogniser reads which line, which lines are read again
//!   (pieces, Latin spans, the cascade, turned lines), and its thresholds; `choose` — the rule that
//!   keeps one of two readings of a line;
//! * `profile` — [`StageTimes`]: each stage's time split into model run and overhead, each
//!   recognition pass with the lines it read and changed;
//! * `model` — the models behind one small trait per role (detector, orientation classifier,
//!   recogniser), so unit tests run the whole pipeline on stub models built in code (`stub`).
//!
//! Every line of the result records the [`Pass`] that produced it ([`Line::pass`]).

mod types;
pub use types::*;

mod choose;
mod error;
mod lend;
mod model;
mod page;
mod policy;
mod pool;
mod profile;
#[cfg(test)]
mod stub;
pub use choose::{choose_reading, has_cjk, has_hangul, Choice, SECOND_READING_MARGIN};
pub use error::EngineError;
pub use page::{RegionText, MAX_WORK_PIXELS, MIN_LINE_CONFIDENCE};
pub use profile::{PassTime, PassTimes, StageTimes};
pub use policy::{CASCADE_ACCEPT, CASCADE_MIN_CHAR};
pub use pool::Engine;
