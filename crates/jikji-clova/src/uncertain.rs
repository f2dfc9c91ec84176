//! Every choice the spec leaves open, in one place. Each item names what the spec says and what Jikji
//! does; change the behaviour here and nowhere else. `docs/api.md` lists the same choices.

use crate::{ErrorCode, Version};

/// A missing `version` on General/Template. Spec: "require it for General/Template (upstream behaviour
/// unknown)". A missing version is not `V1`/`V2`, so: `0021`.
pub const MISSING_VERSION: ErrorCode = ErrorCode::VersionNotSupported;

/// A missing `version` on Document endpoints is taken as `V2` (spec §2.1 note, [?]).
pub const DOCUMENT_DEFAULT_VERSION: Version = Version::V2;

/// Overload shedding (the bounded inference queue is full). Spec §12 has 0025 = HTTP 400 for rate
/// limits; Jikji sheds with the same code and status so that a client written from the spec sees the
/// error it already handles, plus a `Retry-After` header. (503 would also be defensible.)
pub const SHED_CODE: ErrorCode = ErrorCode::RateLimited;
/// HTTP status of a shed request. Keep equal to `SHED_CODE.http_status()` unless you decide otherwise.
pub const SHED_HTTP_STATUS: u16 = 400;
/// `Retry-After` seconds sent with 0025 (rate limit and shedding).
pub const RETRY_AFTER_SECS: u32 = 1;

/// A Document route on a Document domain that has the model enabled, while Jikji has no document model
/// yet: spec §12 maps "document model not enabled" to 0022. The same code answers a Document route on a
/// domain whose type or kinds do not include it.
pub const DOCUMENT_MODEL_UNAVAILABLE: ErrorCode = ErrorCode::DomainInvalid;

/// Template `/infer` on a Template domain without a released template (or none among `templateIds`).
pub const TEMPLATE_NOT_RELEASED: ErrorCode = ErrorCode::TemplateNotDeployed;

/// Template `/infer` on an image that matches none of the candidate templates: HTTP 200, the image
/// `FAILURE` with this message (spec §5.3 marks the shape `[?]`; CLOVA's wording is not documented).
pub const TEMPLATE_NOT_MATCHED_MESSAGE: &str = "The image does not match any released template";

/// `CHECKBOX` template fields carry `checked: true|false` in V2 (spec §5.1 `[?]`: the member's name is
/// inferred, not observed); V1 fields never do (the V1 engine had no checkbox fields).
pub const TEMPLATE_CHECKED_MEMBER: bool = true;

/// Template field `inferText` of a `CHECKBOX`: empty (the verdict is `checked`); of a `DATE` field:
/// the date normalised to `YYYY-MM-DD`; of `NUMERIC`: digits only. CLOVA's own normalisation of typed
/// fields is not documented (spec §5.1 `[?]`).
pub const TEMPLATE_TYPED_TEXT_NORMALISED: bool = true;

/// The request ran past the server's request timeout: spec has no timeout code; 0501 (OCR service
/// error, HTTP 500) tells the client the server failed and a retry may work.
pub const REQUEST_TIMEOUT: ErrorCode = ErrorCode::OcrServiceError;

/// The engine is not loaded yet (`/readyz` not ready) or failed: 0501.
pub const ENGINE_UNAVAILABLE: ErrorCode = ErrorCode::OcrServiceError;

/// An image `url` that is malformed, not http(s), or resolves to a refused address (loopback, private,
/// link-local, metadata): the request itself is invalid → 0011. Download failures of an acceptable URL
/// (connection refused, non-2xx, timeout) are per-image `ERROR` results instead (see below).
pub const REFUSED_IMAGE_URL: ErrorCode = ErrorCode::BodyInvalid;

/// Message of a per-image `ERROR` when the image URL could not be downloaded.
pub const DOWNLOAD_FAILED_MESSAGE: &str = "Image download fail";

/// Message of a per-image `FAILURE` when the bytes are a known format but cannot be decoded
/// (truncated or corrupt file). Bytes in no supported format, and inputs over a size, pixel or page
/// limit, are request errors (0011) instead.
pub const UNREADABLE_IMAGE_MESSAGE: &str = "Image read fail";

/// Failed images omit `fields` and `convertedImageInfo` (spec: omit absent optionals). Set to `true`
/// to emit `fields: []` instead.
pub const FAILED_IMAGE_HAS_EMPTY_FIELDS: bool = false;

/// A multi-page PDF/TIFF on General OCR gives one `images[]` entry per page, each with its own `uid`,
/// the request's `name` and `convertedImageInfo.pageIndex` (spec §3 [?]).
pub const ONE_IMAGE_ENTRY_PER_PAGE: bool = true;

/// The coordinate space of a PDF page: CLOVA reports `convertedImageInfo` and every polygon of a PDF
/// page at 2 pixels per point (144 dpi) — a public CLOVA V2 response for a 533×731 pt page reports
/// 1066×1462 — whatever resolution it reads at. Jikji renders at its own resolution (200 dpi by
/// default, which reads small print better) and maps the result into this space, so a client that
/// overlays polygons on its own 2× render of the page lines up.
pub const PDF_PIXELS_PER_POINT: f64 = 2.0;

/// General OCR: at most this many pages per PDF/TIFF (spec §13). More pages → 0011.
pub const MAX_GENERAL_PAGES: usize = 10;
/// Template and Document: single page only (spec §13). More pages → the first page is used.
pub const MAX_TEMPLATE_DOCUMENT_PAGES: usize = 1;

/// Tables are a V2 member (spec "V1 vs V2 summary"; no V1 sample carries them): a V1 request with
/// `enableTableDetection: true` gets the V1 result without `tables`, and the table stage is not run for
/// it (nor counted in usage).
pub const TABLES_IN_V1: bool = false;

/// Template `/infer` takes `enableTableDetection` too (newer English docs list it; spec §5.1 `tables[]`
/// "same shape as §4.2 [?]"): an image a template read carries the page's `tables` in the General OCR
/// shape; an image that matched no template carries none.
pub const TABLES_IN_TEMPLATE_OCR: bool = true;

/// General OCR coordinates: the real samples have integral pixel values (`360.0`), so Jikji rounds
/// them to whole pixels; they are still written as floats.
pub fn general_coordinate(v: f32) -> f32 {
    if v.is_finite() {
        v.round()
    } else {
        0.0
    }
}

/// Confidences are written with at most 4 decimals (`0.9999`), clamped to [0, 1].
pub fn confidence(c: f32) -> f32 {
    if !c.is_finite() {
        return 0.0;
    }
    (c.clamp(0.0, 1.0) * 10000.0).round() / 10000.0
}

/// `longImage`: not documented beyond "flags very tall images"; Jikji sets it when the page is more than
/// 3 times taller than wide.
pub fn is_long_image(width: u32, height: u32) -> bool {
    width > 0 && height as u64 > 3 * width as u64
}

/// A missing `requestId`, `images[].name` or `images[].format` is accepted (echoed as `""`; the format
/// is sniffed from the bytes anyway).
pub const LENIENT_MISSING_ECHO_FIELDS: bool = true;

/// Unknown routes answer 400 `0001` (spec §15: "Everything else → 400/0001"). A wrong method on a known
/// path (`GET …/general`, `TRACE`) answers HTTP 405 with an `Allow` header and this same `0001` body, as
/// HTTP requires and the OpenAPI document says.
pub const UNKNOWN_ROUTE: ErrorCode = ErrorCode::UrlInvalid;

/// Document OCR on an image that does not look like the document asked for (a street photo sent to
/// `/document/biz-license`, a blank page): the image is answered `FAILURE` with this message (followed by
/// the model's name), never with fields read from noise. CLOVA's own wording is not documented.
pub const DOCUMENT_NOT_FOUND_MESSAGE: &str = "No document of the requested type was found in the image";

/// A masked copy of the image (Jikji extension; **CLOVA has no such flag**: spec §11 found no
/// `enableMasking`-like request member, only the `maskingPolys` of each field). A Document request
/// whose `images[]` element carries `"jikjiMaskedImage": true` (a bool or `"true"`) gets, in its
/// response image object, a member of this name: `{"format": "png", "data": <base64>}`, the page
/// with every field's masking polygons (resident and alien registration numbers, passport numbers in
/// the visual zone and the MRZ, card numbers, …) blacked out with a pixel of margin. The page is the
/// decoded image (for a PDF, the first page as rendered), so the polygons of the response, which are in
/// CLOVA's coordinate space, may be scaled relative to it. PNG, lossless, whatever the input: masked
/// pixels are exactly black and nothing of them survives in compression artefacts; a phone photo
/// makes a PNG several times its JPEG size. The `jikji` prefix keeps the name clear of any future
/// CLOVA member. On General and Template OCR (no masking polygons) the flag is ignored.
pub const MASKED_IMAGE_MEMBER: &str = "jikjiMaskedImage";
/// The `format` of the masked image.
pub const MASKED_IMAGE_FORMAT: &str = "png";

/// The back of the alien registration card (Jikji extension; spec §11 lists only the front's `ac`
/// members, and `alienRegNumEtc`, whose meaning no source gives). The back holds two tables the
/// immigration office fills in: extensions of stay (허가일자 / 만료일자) and changes of residence
/// (신고일 / 체류지). Jikji reports them in `ac` beside the front's members, as more `DocField[]`
/// members, one entry per filled row in the table's order, in every list of the table (a cell not
/// read in a row whose other cell was is an entry with an empty `text` and `confidenceScore`
/// 0), so that entry `i` of `permissionDate` and of `expiryDate` are one row: `permissionDate`, `expiryDate`
/// (`formatted` dates; the latest expiry is the stay's end), `reportDate`, `residence` (the reported
/// address). Named like `dl`'s dated members (`renewEndDate`) so that a client reading `ac` as a map of
/// field lists takes them as it takes the others; a page with only the back gets `idtype`
/// `"Alien Registration Card"` and only these members.
pub const ALIEN_CARD_BACK_MEMBERS: [&str; 4] = ["permissionDate", "expiryDate", "reportDate", "residence"];

/// Template external validation (spec §14, [D: VAL]): the request Jikji sends is documented —
/// `POST <validationUrl>` with `{"image": <the image result object>}` — but the validator's answer is
/// not. Jikji takes, case-insensitively, a JSON `{"result": "VALID"|"INVALID"}`, the same wrapped as
/// `{"validationResult": {"result": …}}` (the shape of the response member it fills), a JSON
/// `{"valid": true|false}`, or a bare `VALID`/`INVALID` body (plain text or a JSON string). Anything
/// else, a non-2xx status, a refused address, a timeout or a failed connection leaves the image
/// `UNCHECKED`: the OCR result is still returned, only the verdict is missing.
pub fn validator_verdict(status: u16, body: &[u8]) -> Option<bool> {
    if !(200..300).contains(&status) {
        return None;
    }
    let word = |s: &str| match s.trim().to_ascii_uppercase().as_str() {
        "VALID" => Some(true),
        "INVALID" => Some(false),
        _ => None,
    };
    let text = std::str::from_utf8(body).ok()?;
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::String(s)) => word(&s),
        Ok(v) => {
            let result = v
                .get("result")
                .or_else(|| v.get("validationResult").and_then(|r| r.get("result")));
            match (result, v.get("valid")) {
                (Some(serde_json::Value::String(s)), _) => word(s),
                (None, Some(serde_json::Value::Bool(b))) => Some(*b),
                _ => None,
            }
        }
        Err(_) => word(text),
    }
}

/// How long the server waits for an external validator (connection and answer) before the image is
/// left `UNCHECKED`: the validation runs inside the `/infer` call, so the bound is short next to the
/// request timeout. Configurable (`validation_timeout_ms`).
pub const VALIDATION_TIMEOUT_MS: u64 = 3000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validator_answers_are_read_leniently_and_anything_else_is_no_verdict() {
        for (status, body, verdict) in [
            (200, r#"{"result":"VALID"}"#, Some(true)),
            (200, r#"{"result":"invalid"}"#, Some(false)),
            (201, r#"{"validationResult":{"result":"VALID"}}"#, Some(true)),
            (200, r#"{"valid":false}"#, Some(false)),
            (200, "VALID\n", Some(true)),
            (200, r#""INVALID""#, Some(false)),
            (200, r#"{"result":"MAYBE"}"#, None),
            (200, r#"{"result":true}"#, None),
            (200, "", None),
            (200, "OK", None),
            (500, r#"{"result":"VALID"}"#, None),
            (302, "VALID", None),
        ] {
            assert_eq!(validator_verdict(status, body.as_bytes()), verdict, "{status} {body}");
        }
        assert_eq!(validator_verdict(200, &[0xff, 0xfe]), None);
    }
}
