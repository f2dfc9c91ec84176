//! CLOVA error responses. Handlers return [`ApiError`]; the response carries an [`ErrorMark`] and the
//! request middleware (`middleware.rs`) writes the spec's body with `path` and `traceId`. Responses
//! that did not come from a handler (axum rejections, 404/405, panics, timeouts) are turned into CLOVA
//! errors there too, so the service never answers with an HTML or plain-text error.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jikji_clova::{uncertain, ErrorCode};

/// A CLOVA error with an optional internal detail (logged, never sent).
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Overrides the code's HTTP status (only the shed response may, see `uncertain::SHED_HTTP_STATUS`).
    pub status: Option<u16>,
    pub detail: String,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        ApiError {
            code,
            status: None,
            detail: String::new(),
        }
    }
    pub fn detail(code: ErrorCode, detail: impl Into<String>) -> Self {
        ApiError {
            code,
            status: None,
            detail: detail.into(),
        }
    }
    /// The overload response (bounded queue full).
    pub fn shed() -> Self {
        ApiError {
            code: uncertain::SHED_CODE,
            status: Some(uncertain::SHED_HTTP_STATUS),
            detail: "inference queue full".into(),
        }
    }
    pub fn http_status(&self) -> StatusCode {
        StatusCode::from_u16(self.status.unwrap_or(self.code.http_status()))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        ApiError::new(code)
    }
}

/// Marks a response as a CLOVA error; the middleware renders the body.
#[derive(Debug, Clone)]
pub struct ErrorMark {
    pub code: ErrorCode,
    pub detail: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = self.http_status().into_response();
        r.extensions_mut().insert(ErrorMark {
            code: self.code,
            detail: self.detail,
        });
        r
    }
}

/// The CLOVA code for a framework-generated error status (no [`ErrorMark`]).
pub fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 | 403 => ErrorCode::SecretInvalid,
        404 | 405 => uncertain::UNKNOWN_ROUTE,
        408 => uncertain::REQUEST_TIMEOUT,
        429 => ErrorCode::RateLimited,
        400..=499 => ErrorCode::BodyInvalid,
        _ => ErrorCode::UnknownServiceError,
    }
}
