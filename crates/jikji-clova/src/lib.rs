//! The CLOVA OCR wire contract (spec `clova-ocr-api.md`), without any HTTP framework:
//!
//! - [`request`]: lenient request parsing (JSON and the multipart `message` part) and validation;
//! - [`response`]: the V1/V2 response shapes and the builder from a [`jikji_types::PageResult`];
//! - [`error`]: the one [`ErrorCode`] enum (code, HTTP status, exact message) and the error body;
//! - [`invoke`]: the invoke URL (built for listings, redacted for logs);
//! - [`template`]: the Template OCR (`/infer`) image members;
//! - [`uncertain`]: every choice the spec leaves open, documented in one place.

pub mod document;
pub mod error;
pub mod invoke;
pub mod request;
pub mod response;
pub mod table;
pub mod template;
pub mod uncertain;

pub use error::{ErrorBody, ErrorCode};
pub use request::{
    decode_base64, parse_json, parse_multipart_message, DocType, ImageSource, ImageSpec,
    OcrRequest, Operation, ValidRequest, Version,
};
pub use response::{
    new_uid, now_ms, BoundingPoly, ConvertedImageInfo, GeneralField, ImageResult, InferResult,
    OcrResponse, ValidationResult, Vertex,
};
