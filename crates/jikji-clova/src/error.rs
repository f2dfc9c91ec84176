//! Every CLOVA error code, defined once with its HTTP status and exact message (spec §12).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A CLOVA OCR error code. Each variant carries the HTTP status and the exact message of spec §12;
/// nothing else in Jikji spells out a code, a status or a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 400 `0001`: unknown domain / invoke key / operation, or any unknown route.
    UrlInvalid,
    /// 401 `0002`: missing or wrong `X-OCR-SECRET`.
    SecretInvalid,
    /// 400 `0011`: unparseable or invalid request body (also oversize, bad base64, refused image URL).
    BodyInvalid,
    /// 400 `0021`: `version` not `V1`/`V2` (or `V1` on Document).
    VersionNotSupported,
    /// 400 `0022`: operation not allowed for the domain type, or the document model is not enabled.
    DomainInvalid,
    /// 400 `0023`: monthly quota reached.
    QuotaExceeded,
    /// 400 `0025`: per-domain rate limit exceeded, or the inference queue is full (see `uncertain`).
    RateLimited,
    /// 400 `0028`: table detection requested while the domain has it off.
    TableDetectionDisabled,
    /// 500 `0500`: unexpected internal failure.
    UnknownServiceError,
    /// 500 `0501`: OCR engine failure.
    OcrServiceError,
    /// 500 `1021`: Template domain without a released template.
    TemplateNotDeployed,
}

impl ErrorCode {
    /// Every code, in spec order.
    pub const ALL: [ErrorCode; 11] = [
        ErrorCode::UrlInvalid,
        ErrorCode::SecretInvalid,
        ErrorCode::BodyInvalid,
        ErrorCode::VersionNotSupported,
        ErrorCode::DomainInvalid,
        ErrorCode::QuotaExceeded,
        ErrorCode::RateLimited,
        ErrorCode::TableDetectionDisabled,
        ErrorCode::UnknownServiceError,
        ErrorCode::OcrServiceError,
        ErrorCode::TemplateNotDeployed,
    ];

    /// The wire code (a string with leading zeros).
    pub const fn code(self) -> &'static str {
        match self {
            ErrorCode::UrlInvalid => "0001",
            ErrorCode::SecretInvalid => "0002",
            ErrorCode::BodyInvalid => "0011",
            ErrorCode::VersionNotSupported => "0021",
            ErrorCode::DomainInvalid => "0022",
            ErrorCode::QuotaExceeded => "0023",
            ErrorCode::RateLimited => "0025",
            ErrorCode::TableDetectionDisabled => "0028",
            ErrorCode::UnknownServiceError => "0500",
            ErrorCode::OcrServiceError => "0501",
            ErrorCode::TemplateNotDeployed => "1021",
        }
    }

    /// The HTTP status of the error response.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::SecretInvalid => 401,
            ErrorCode::UnknownServiceError
            | ErrorCode::OcrServiceError
            | ErrorCode::TemplateNotDeployed => 500,
            // The one uncertain status (shedding) is decided in `uncertain`; plain 0025 is 400 per spec.
            _ => 400,
        }
    }

    /// The exact message of spec §12.
    pub const fn message(self) -> &'static str {
        match self {
            ErrorCode::UrlInvalid => "URL is invalid.",
            ErrorCode::SecretInvalid => "Secret key validate failed.",
            ErrorCode::BodyInvalid => "Request body invalid.",
            ErrorCode::VersionNotSupported => "Protocol version not support.",
            ErrorCode::DomainInvalid => "Request domain invalid.",
            ErrorCode::QuotaExceeded => "API request count reach the upper limit.",
            ErrorCode::RateLimited => "Calls to this api have exceeded the rate limit.",
            ErrorCode::TableDetectionDisabled => {
                "Table detection disabled: Please activate the table extractor button."
            }
            ErrorCode::UnknownServiceError => "Unknown service error.",
            ErrorCode::OcrServiceError => "OCR service error.",
            ErrorCode::TemplateNotDeployed => {
                "Not found deploy information. Please confirm the template is released."
            }
        }
    }

    /// Looks a wire code up.
    pub fn from_code(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The error body for this code.
    pub fn body(
        self,
        path: impl Into<String>,
        trace_id: impl Into<String>,
        timestamp: i64,
    ) -> ErrorBody {
        ErrorBody {
            code: self.code().to_string(),
            message: self.message().to_string(),
            path: path.into(),
            trace_id: trace_id.into(),
            timestamp,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.message())
    }
}

impl std::error::Error for ErrorCode {}

/// The error response body (spec §12): `{"code","message","path","traceId","timestamp"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Error code, a string with leading zeros, e.g. `"0011"`.
    #[schema(example = "0011")]
    pub code: String,
    /// The exact message of the code.
    #[schema(example = "Request body invalid.")]
    pub message: String,
    /// The request path.
    pub path: String,
    /// Request id (also returned in the `x-request-id` header and written in the server log).
    pub trace_id: String,
    /// Server time in milliseconds since the Unix epoch.
    pub timestamp: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_roundtrip() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.code()));
            assert_eq!(ErrorCode::from_code(c.code()), Some(c));
            assert!(c.message().ends_with('.'));
        }
        assert_eq!(ErrorCode::SecretInvalid.http_status(), 401);
        assert_eq!(ErrorCode::TemplateNotDeployed.http_status(), 500);
        assert_eq!(ErrorCode::RateLimited.http_status(), 400);
    }

    #[test]
    fn body_key_order() {
        let b = ErrorCode::BodyInvalid.body("/x", "t", 1);
        assert_eq!(
            serde_json::to_string(&b).unwrap(),
            r#"{"code":"0011","message":"Request body invalid.","path":"/x","traceId":"t","timestamp":1}"#
        );
    }
}
