//! The one request middleware: request id, tracing span, CLOVA error bodies (also for framework
//! rejections, 404/405/413/415, panics), metrics and the access log line.

use crate::error::{code_for_status, ErrorMark};
use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jikji_clova::{uncertain, ErrorCode};
use std::time::Instant;
use tracing::Instrument;

/// The request id (`traceId` of error bodies, `x-request-id` header, `request_id` in logs).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn valid_request_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// A bounded route label for metrics and logs (never the invoke key).
pub fn route_label(path: &str) -> &'static str {
    if let Some(rest) = path.strip_prefix(jikji_clova::invoke::PATH_PREFIX) {
        let segs: Vec<&str> = rest.split('/').collect();
        return match segs.get(2..).map(|s| s.join("/")) {
            Some(s) => match jikji_clova::Operation::from_suffix(&s) {
                Some(op) => op.label(),
                None => "unknown",
            },
            None => "unknown",
        };
    }
    match path {
        "/healthz" => "healthz",
        "/readyz" => "readyz",
        "/metrics" => "metrics",
        "/openapi.json" => "openapi",
        p if p.starts_with("/admin/") => "admin",
        _ => "unknown",
    }
}

pub async fn observe(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| valid_request_id(s))
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let path = req.uri().path().to_string();
    let route = route_label(&path);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id, method = %req.method(), path = %jikji_clova::invoke::redacted_path(&path), route);
    let mut resp = next.run(req).instrument(span.clone()).await;

    let status = resp.status();
    let mark = resp.extensions_mut().remove::<ErrorMark>();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let error = match mark {
        Some(m) => Some((m.code, status, m.detail)),
        None if (status.is_client_error() || status.is_server_error()) && !is_json => {
            let code = code_for_status(status);
            // A wrong method stays 405 (see `lib.rs`, `method_not_allowed`).
            let st = if status == StatusCode::METHOD_NOT_ALLOWED {
                status
            } else {
                StatusCode::from_u16(code.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            };
            Some((code, st, format!("framework response {status}")))
        }
        None => None,
    };
    let code_label = match &error {
        Some((code, st, detail)) => {
            let body = code.body(path.clone(), id.clone(), jikji_clova::now_ms());
            let mut r = (*st, axum::Json(body)).into_response();
            // A 405 keeps the `Allow` header the router set.
            if let Some(allow) = resp.headers().get(header::ALLOW) {
                r.headers_mut().insert(header::ALLOW, allow.clone());
            }
            if *code == ErrorCode::RateLimited {
                r.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(uncertain::RETRY_AFTER_SECS),
                );
            }
            resp = r;
            let _e = span.enter();
            if st.is_server_error() {
                tracing::warn!(status = st.as_u16(), code = code.code(), detail = %detail, "error response");
            } else {
                tracing::info!(status = st.as_u16(), code = code.code(), detail = %detail, "error response");
            }
            code.code()
        }
        None => "",
    };
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    let elapsed = start.elapsed();
    let status = resp.status();
    state
        .metrics
        .requests
        .with_label_values(&[route, status.as_str(), code_label])
        .inc();
    state
        .metrics
        .latency
        .with_label_values(&[route])
        .observe(elapsed.as_secs_f64());
    let _e = span.enter();
    tracing::info!(
        status = status.as_u16(),
        code = code_label,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request done"
    );
    resp
}
