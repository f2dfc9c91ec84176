//! The multipart body, read the way `jikji-server` reads it today
//! (`crates/jikji-server/src/ocr.rs`, `read_request`): axum's `Multipart`
//! extractor is multer (`multer::parse_boundary` on the Content-Type, then
//! `multer::Multipart::new` with no constraints, the body being already
//! bounded), fields `message` and `file` taken once each, a duplicate refused,
//! unknown parts read and ignored; then `parse_multipart_message` and
//! `validate_multipart` for every operation.
//!
//! Input layout: the bytes up to the first `\n` are the Content-Type header
//! value (so the boundary parser is fuzzed too); the rest is the body.
#![no_main]

use bytes::Bytes;
use jikji_clova::{parse_multipart_message, DocType, Operation};
use libfuzzer_sys::fuzz_target;

/// What the server's loop produces: the `message` and `file` parts.
struct Parts {
    message: Option<Bytes>,
    file: Option<Vec<u8>>,
}

async fn read_parts(content_type: &str, body: Bytes) -> Result<Parts, multer::Error> {
    let boundary = multer::parse_boundary(content_type)?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut mp = multer::Multipart::new(stream, boundary);
    let mut parts = Parts { message: None, file: None };
    while let Some(field) = mp.next_field().await? {
        match field.name() {
            Some("message") if parts.message.is_none() => parts.message = Some(field.bytes().await?),
            Some("file") if parts.file.is_none() => parts.file = Some(field.bytes().await?.to_vec()),
            // The server answers 0011 "duplicate multipart part".
            Some("message") | Some("file") => return Err(multer::Error::IncompleteStream),
            _ => {
                field.bytes().await?;
            }
        }
    }
    Ok(parts)
}

fuzz_target!(
    init: jikji_fuzz::install_panic_policy("multipart"),
    |data: &[u8]| {
        jikji_fuzz::set_current_input(data);
        let split = data.iter().position(|&b| b == b'\n').unwrap_or(data.len());
        let Ok(content_type) = std::str::from_utf8(&data[..split]) else { return };
        let body = Bytes::copy_from_slice(data.get(split + 1..).unwrap_or_default());
        let body_len = body.len();
        let Ok(parts) = futures_executor::block_on(read_parts(content_type, body)) else { return };
        if let Some(f) = &parts.file {
            assert!(f.len() <= body_len, "file part larger than the body");
        }
        let Some(message) = parts.message else { return };
        let Ok(req) = parse_multipart_message(&message) else { return };
        let ops = [Operation::General, Operation::Template]
            .into_iter()
            .chain(DocType::ALL.into_iter().map(Operation::Document));
        for op in ops {
            let _ = req.clone().validate_multipart(op, parts.file.clone());
        }
    }
);
