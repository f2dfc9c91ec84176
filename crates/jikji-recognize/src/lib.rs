//! Text-line recognition: what does each detected line say?
//!
//! 1. [`crop_line`] warps each detected quad onto an upright rectangle (perspective warp; tall quads are
//!    turned 90°);
//! 2. [`AngleClassifier`] flags upside-down crops, which are turned 180°;
//! 3. a [`Recognizer`] (CTC model) reads batches of crops sorted by width;
//! 4. [`greedy_decode`] collapses the CTC output into characters, each with a confidence and the time
//!    steps it covers, which [`to_reading`] maps back to crop pixels — layout uses those positions to split
//!    words at visual gaps (letter-spaced labels such as `사 업 자 등 록 증` come out of the model unspaced).
//!
//! 5. where a Korean line's greedy reading is unsure, [`beam_decode`] reads it again with a Hangul
//!    syllable language model ([`SyllableLm`]) weighing look-alike syllables;
//! 6. a full stop whose ink hangs below the line's baseline and is taller than wide is a comma
//!    (`punct`, on the crop's [`InkMask`]; only lines that read a `.` build one): the models read small
//!    commas as full stops.
//!
//! Two recognisers share this pipeline: `korean-rec-v1` (Korean + Latin) and the PP-OCR recognisers
//! (Latin, Chinese, Japanese; no Hangul). Choosing between their readings is the engine's job.

mod angle;
mod beam;
mod charset;
mod ctc;
mod gaps;
mod lm;
pub mod prepare;
mod punct;
mod recognizer;
mod rectify;

pub use angle::AngleClassifier;
pub use beam::{beam_decode, BeamParams};
pub use charset::{Alphabet, Charset};
pub use ctc::{greedy_decode, Decoded, DecodedChar};
pub use gaps::{pieces, InkMask};
pub use lm::{is_syllable, SyllableLm};
pub use recognizer::{
    resized_width, to_reading, CharBox, LineReading, RecKind, Recognizer, DEFAULT_BEAM, REC_HEIGHT,
    UNSURE,
};
pub use prepare::CropPrep;
pub use rectify::{crop_line, LineCrop};
