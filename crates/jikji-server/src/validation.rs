//! Template OCR external validation (spec §14): a template whose description names a
//! `validationUrl` has each image it reads sent to that URL, and the validator's verdict returned in
//! the image's `validationResult.result`.
//!
//! The request: `POST <validationUrl>`, `Content-Type: application/json`, body `{"image": <the image
//! object of the /infer answer>}` — what CLOVA documents — with `X-Jikji-Template-Id` and
//! `X-Jikji-Template-Version` headers. The answer is read by
//! [`jikji_clova::uncertain::validator_verdict`]: `VALID` or `INVALID`, else `UNCHECKED`. A
//! validator that is slow (`validation_timeout_ms`), unreachable, or at a refused address leaves the
//! image `UNCHECKED` and never fails the call: the OCR result is what the client paid for. The URL goes
//! through the image-URL SSRF checks (`fetch.rs`): private and loopback addresses only with
//! `validation_allow_private` / `validation_allow_loopback`, link-local and metadata addresses never;
//! redirects are not followed. Why a validation failed is logged without the URL's path or the
//! recognised text (personal data).

use crate::fetch::{Fetcher, UrlPolicy};
use jikji_clova::{ImageResult, ValidationResult};
use std::time::Duration;

/// Largest validator answer read; a verdict is a few bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The verdicts of `validationResult.result`.
pub const VALID: &str = "VALID";
pub const INVALID: &str = "INVALID";
pub const UNCHECKED: &str = "UNCHECKED";

/// The validators' HTTP client, under the validation policy and timeout.
pub fn fetcher(config: &crate::ServerConfig) -> Fetcher {
    Fetcher::new(
        UrlPolicy {
            allow_private: config.validation_allow_private,
            allow_loopback: config.validation_allow_loopback,
        },
        MAX_ANSWER_BYTES,
        0,
        Duration::from_millis(config.validation_timeout_ms.max(1)),
    )
}

/// Which template read the image, for the validator's headers.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub template_id: i64,
    pub version: i64,
}

/// Asks the validator at `url` about `image` → `VALID`, `INVALID` or `UNCHECKED`.
pub async fn validate(fetcher: &Fetcher, url: &str, source: Source, image: &ImageResult) -> ValidationResult {
    let body = match serde_json::to_vec(&serde_json::json!({ "image": image })) {
        Ok(b) => b,
        Err(_) => return verdict(UNCHECKED),
    };
    let headers = [
        ("X-Jikji-Template-Id", source.template_id.to_string()),
        ("X-Jikji-Template-Version", source.version.to_string()),
    ];
    match fetcher.post_json_answer(url, body, &headers).await {
        Ok((status, answer)) => match jikji_clova::uncertain::validator_verdict(status, &answer) {
            Some(true) => verdict(VALID),
            Some(false) => verdict(INVALID),
            None => {
                tracing::warn!(template_id = source.template_id, status, "the external validator's answer holds no verdict");
                verdict(UNCHECKED)
            }
        },
        Err(e) => {
            tracing::warn!(template_id = source.template_id, error = %e, "external validation failed");
            verdict(UNCHECKED)
        }
    }
}

fn verdict(result: &str) -> ValidationResult {
    ValidationResult { result: result.into() }
}
