//! The console's try-it: `POST /admin/v1/domains/{id}/try/{operation}` runs one OCR call on a
//! domain for a signed-in operator or admin, without the domain's secret (operators never see
//! secrets). The body and the answer are exactly those of the CLOVA route
//! `/custom/v1/{id}/{invokeKey}/{operation}`; the call counts in the domain's usage and quota.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use jikji_clova::{ErrorCode, Operation};

type TryPath = Result<Path<(i64, String)>, axum::extract::rejection::PathRejection>;

/// Run an OCR call on a domain as the console does (same body and answer as the CLOVA route).
#[utoipa::path(post, path = "/admin/v1/domains/{id}/try/{operation}", tag = "admin",
    security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path), ("operation" = String, Path, description = "`general`, `infer`, or a document type (`receipt`, `name-card`, `biz-license`, `credit-card`, `id-card`, `passport`)")),
    request_body(content(
        (jikji_clova::OcrRequest = "application/json"),
        (crate::ocr::MultipartBody = "multipart/form-data")
    )),
    responses(
        (status = 200, description = "the CLOVA answer", body = jikji_clova::OcrResponse),
        (status = 400, description = "CLOVA error codes: 0001 no such domain or operation, and those of the CLOVA route", body = jikji_clova::ErrorBody)
    ))]
pub async fn try_ocr(State(st): State<AppState>, path: TryPath, req: Request) -> Response {
    // Errors in the CLOVA shape, like everything else this route answers (the gate's aside).
    let url_invalid = |m: &str| ApiError::detail(ErrorCode::UrlInvalid, m).into_response();
    let Ok(Path((id, op))) = path else {
        return url_invalid("domain id is not a number");
    };
    let Some(op) = Operation::from_suffix(&op) else {
        return url_invalid("unknown operation");
    };
    match st.store.get_domain(id).await {
        Ok(Some(d)) => crate::ocr::handle_for(st, d, op, req, std::time::Instant::now()).await,
        Ok(None) => url_invalid("unknown domain"),
        Err(e) => {
            ApiError::detail(ErrorCode::UnknownServiceError, format!("store: {e}")).into_response()
        }
    }
}
