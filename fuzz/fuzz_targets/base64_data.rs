//! The image `data` field: `jikji_clova::decode_base64`, which accepts
//! standard or URL-safe base64, with or without padding, with embedded
//! whitespace and line breaks, and behind a `data:<mime>;base64,` prefix.
//!
//! Two checks per input: the raw bytes as a `data` string must not crash or
//! over-allocate; and the raw bytes as an *image* must round-trip through
//! every encoding a client may send.
#![no_main]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jikji_clova::decode_base64;
use libfuzzer_sys::fuzz_target;

/// `s` with a CRLF every 76 characters (MIME-style line breaks).
fn wrapped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 38 + 2);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 76 == 0 {
            out.push_str("\r\n");
        }
        out.push(c);
    }
    out
}

fuzz_target!(
    init: jikji_fuzz::install_panic_policy("base64_data"),
    |data: &[u8]| {
        jikji_fuzz::set_current_input(data);
        // 1. Arbitrary text as the `data` field.
        let text = String::from_utf8_lossy(data);
        if let Ok(decoded) = decode_base64(&text) {
            // Base64 never expands: 4 characters decode to at most 3 bytes.
            assert!(decoded.len() <= text.len() / 4 * 3 + 3, "decoded more than the text holds");
        }
        // 2. The bytes as an image, in every form a client may send.
        for enc in [
            STANDARD.encode(data),
            STANDARD_NO_PAD.encode(data),
            URL_SAFE.encode(data),
            URL_SAFE_NO_PAD.encode(data),
        ] {
            for form in [
                enc.clone(),
                wrapped(&enc),
                format!("data:image/png;base64,{enc}"),
                format!("  {}\n", wrapped(&enc)),
            ] {
                assert_eq!(decode_base64(&form).as_deref(), Ok(data), "round trip failed");
            }
        }
    }
);
