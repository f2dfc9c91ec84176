pub mod bench;
pub mod domain;
pub mod eval;
pub mod ocr;
pub mod serve;
pub mod template;
pub mod usage;
