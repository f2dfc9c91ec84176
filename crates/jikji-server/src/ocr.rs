//! The CLOVA endpoints: `POST /custom/v1/{domainId}/{invokeKey}/{general|infer|document/<type>|<type>}`.
//!
//! Order of checks (each failure answers at once, nothing later runs):
//! 1. operation suffix and domain id/invoke key → 0001;
//! 2. `X-OCR-SECRET` → 0002;
//! 3. operation vs domain type → 0022 (also a Document model the domain does not enable);
//! 4. per-domain token bucket (shared by the replicas on PostgreSQL, `ratelimit.rs`) → 0025;
//! 5. admission into the bounded inference queue → 0025 at once when full (the body is not even read);
//! 6. body (JSON or multipart) and protocol checks → 0011 / 0021; `enableTableDetection` → 0028;
//!    Template → 1021 (no released template);
//! 7. monthly quota → 0023 (reaching 80 % / 100 % queues a webhook warning, `webhook.rs`);
//! 8. image URL download (SSRF-checked) → 0011 when refused, `ERROR` image when the download fails;
//! 9. decode (limits → 0011, unreadable → `FAILURE` image) and recognition (→ 0501) on a worker.
//!
//! Steps 6–9 run under the request timeout (→ 0501).

use crate::error::ApiError;
use crate::fetch::FetchError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use jikji_clova::{
    parse_json, parse_multipart_message, uncertain, ErrorCode, ImageResult, ImageSource,
    InferResult, OcrResponse, Operation, ValidRequest,
};
use jikji_image::InputError;
use jikji_types::Cancel;
use jikji_store::{CallRecord, Domain, DomainKind};
use std::time::Instant;

type DomainPath = Result<Path<(String, String)>, axum::extract::rejection::PathRejection>;
type DocPath = Result<Path<(String, String, String)>, axum::extract::rejection::PathRejection>;

/// General OCR.
#[utoipa::path(
    post,
    path = "/custom/v1/{domainId}/{invokeKey}/general",
    tag = "clova",
    params(("domainId" = i64, Path), ("invokeKey" = String, Path), ("X-OCR-SECRET" = String, Header)),
    request_body(content(
        (jikji_clova::OcrRequest = "application/json"),
        (MultipartBody = "multipart/form-data")
    )),
    responses(
        (status = 200, description = "Recognised words (V1 or V2 shape)", body = OcrResponse),
        (status = 400, description = "0001, 0011, 0021, 0022, 0023, 0025, 0028", body = jikji_clova::ErrorBody),
        (status = 401, description = "0002", body = jikji_clova::ErrorBody),
        (status = 500, description = "0500, 0501", body = jikji_clova::ErrorBody)
    )
)]
pub async fn general(State(st): State<AppState>, path: DomainPath, req: Request) -> Response {
    match path {
        Ok(Path((d, k))) => handle(st, &d, &k, Operation::General, req).await,
        Err(_) => ApiError::new(ErrorCode::UrlInvalid).into_response(),
    }
}

/// Template OCR: the image is matched against the domain's released templates (narrowed by
/// `templateIds`) and their fields read (see `templates.rs`); 1021 when no template is released.
#[utoipa::path(
    post,
    path = "/custom/v1/{domainId}/{invokeKey}/infer",
    tag = "clova",
    params(("domainId" = i64, Path), ("invokeKey" = String, Path), ("X-OCR-SECRET" = String, Header)),
    request_body(content = jikji_clova::OcrRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The matched template and its fields (V1 or V2 shape), or a FAILURE image when no template matches", body = OcrResponse),
        (status = 400, description = "0001, 0011, 0021, 0022, 0025", body = jikji_clova::ErrorBody),
        (status = 401, description = "0002", body = jikji_clova::ErrorBody),
        (status = 500, description = "1021: no released template", body = jikji_clova::ErrorBody)
    )
)]
pub async fn infer(State(st): State<AppState>, path: DomainPath, req: Request) -> Response {
    match path {
        Ok(Path((d, k))) => handle(st, &d, &k, Operation::Template, req).await,
        Err(_) => ApiError::new(ErrorCode::UrlInvalid).into_response(),
    }
}

/// Document OCR (`receipt`, `name-card`, `biz-license`, `credit-card`, `id-card`, `passport`; also
/// without the `/document` segment). A kind the domain does not enable answers 0022.
#[utoipa::path(
    post,
    path = "/custom/v1/{domainId}/{invokeKey}/document/{type}",
    tag = "clova",
    params(("domainId" = i64, Path), ("invokeKey" = String, Path), ("type" = String, Path), ("X-OCR-SECRET" = String, Header)),
    request_body(content = jikji_clova::OcrRequest, content_type = "application/json"),
    responses(
        (status = 400, description = "0001, 0011, 0021, 0022, 0025", body = jikji_clova::ErrorBody),
        (status = 401, description = "0002", body = jikji_clova::ErrorBody)
    )
)]
pub async fn document(State(st): State<AppState>, path: DocPath, req: Request) -> Response {
    match path {
        Ok(Path((d, k, t))) => match Operation::from_suffix(&format!("document/{t}")) {
            Some(op) => handle(st, &d, &k, op, req).await,
            None => ApiError::new(ErrorCode::UrlInvalid).into_response(),
        },
        Err(_) => ApiError::new(ErrorCode::UrlInvalid).into_response(),
    }
}

/// `/{type}`: the short Document alias (`/receipt`, …); anything else is 0001.
pub async fn short_document(State(st): State<AppState>, path: DocPath, req: Request) -> Response {
    match path {
        Ok(Path((d, k, t))) => match Operation::from_suffix(&t) {
            Some(op @ Operation::Document(_)) => handle(st, &d, &k, op, req).await,
            _ => ApiError::new(ErrorCode::UrlInvalid).into_response(),
        },
        Err(_) => ApiError::new(ErrorCode::UrlInvalid).into_response(),
    }
}

/// The multipart body: `message` (JSON text) and `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MultipartBody {
    /// The JSON request object without `images[].data`/`url`.
    message: String,
    /// The image or PDF bytes.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// What one call did, for the usage counters.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) pages: i64,
    /// Pages the table stage read (one table-detection count per page).
    pub(crate) table_pages: i64,
    /// An image that failed inside a 200 answer (`FAILURE`, `ERROR`).
    pub(crate) failed: Option<InferResult>,
    /// Images sent to a template's external validator.
    pub(crate) validations: i64,
}

pub(crate) fn usage_operation(op: Operation) -> String {
    match op {
        Operation::General => "general".into(),
        Operation::Template => "infer".into(),
        Operation::Document(t) => format!("document/{}", t.path()),
    }
}

/// Reads and discards an unread request body (bounded in size and time), so that a client still
/// uploading gets the early error response instead of a reset connection.
async fn drain(req: Request, limit: usize) {
    use http_body_util::BodyExt;
    let mut body = req.into_body();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
        let mut seen = 0usize;
        while let Some(Ok(frame)) = body.frame().await {
            if let Some(d) = frame.data_ref() {
                seen += d.len();
                if seen > limit {
                    break;
                }
            }
        }
    })
    .await;
}

async fn handle(
    st: AppState,
    domain_id: &str,
    invoke_key: &str,
    op: Operation,
    req: Request,
) -> Response {
    let started = Instant::now();
    let secret = req
        .headers()
        .get("x-ocr-secret")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let domain = match authenticate(&st, domain_id, invoke_key, &secret).await {
        Ok(d) => d,
        Err(e) => {
            drain(req, st.config.max_body_bytes()).await;
            return e.into_response();
        }
    };
    handle_for(st, domain, op, req, started).await
}

/// Serves `op` for an already authenticated `domain` (the CLOVA routes after the secret check; the
/// console's try-it route after the admin gate), counting usage like any call; `started`: when the
/// call arrived (its latency is counted from there).
pub(crate) async fn handle_for(
    st: AppState,
    domain: Domain,
    op: Operation,
    req: Request,
    started: Instant,
) -> Response {
    let mut stats = Stats::default();
    let mut slot = Some(req);
    let result = authenticated(&st, &domain, op, &mut slot, &mut stats).await;
    if let Some(req) = slot.take() {
        drain(req, st.config.max_body_bytes()).await;
    }
    record_usage(&st, domain.id, op, &stats, result.as_ref().err(), started);
    match result {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// Counts one call (online or batch item) in the domain's usage: in memory, written by the usage
/// flusher (`usage.rs`), so nothing on the response path waits for the database. Latency is kept
/// for the calls answered with 200 only: rejections (quota, rate limit, bad bodies) answer in
/// microseconds and would hide the OCR latency.
pub(crate) fn record_usage(
    st: &AppState,
    domain_id: i64,
    op: Operation,
    stats: &Stats,
    error: Option<&ApiError>,
    started: Instant,
) {
    let outcome = match (error, stats.failed) {
        (Some(e), _) => e.code.code(),
        (None, Some(InferResult::Error)) => "ERROR",
        (None, Some(_)) => "FAILURE",
        (None, None) => jikji_store::SUCCESS,
    };
    st.usage.record(&CallRecord {
        domain_id,
        at_ms: jikji_calendar::now_millis(),
        operation: usage_operation(op),
        outcome: outcome.to_string(),
        pages: stats.pages,
        table_pages: stats.table_pages,
        validations: stats.validations,
        latency_ms: error
            .is_none()
            .then(|| started.elapsed().as_secs_f64() * 1000.0),
    });
}

async fn authenticate(
    st: &AppState,
    domain_id: &str,
    invoke_key: &str,
    secret: &str,
) -> Result<Domain, ApiError> {
    let id: i64 = domain_id
        .parse()
        .map_err(|_| ApiError::detail(ErrorCode::UrlInvalid, "domain id is not a number"))?;
    let domain = st
        .store
        .find_by_invoke(id, invoke_key)
        .await
        .map_err(|e| ApiError::detail(ErrorCode::UnknownServiceError, format!("store: {e}")))?
        .ok_or_else(|| ApiError::detail(ErrorCode::UrlInvalid, "unknown domain or invoke key"))?;
    if secret.is_empty() || !domain.verify_secret(secret) {
        return Err(ApiError::detail(
            ErrorCode::SecretInvalid,
            "missing or wrong X-OCR-SECRET",
        ));
    }
    Ok(domain)
}

/// Counts a request waiting for a worker in the queue-depth gauge while alive.
pub(crate) struct Queued<'a>(&'a AppState);
impl<'a> Queued<'a> {
    fn new(st: &'a AppState) -> Self {
        st.metrics.queue_depth.inc();
        Queued(st)
    }
}
impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.metrics.queue_depth.dec();
    }
}

/// Does the domain serve this operation (its type; an enabled and available Document model)?
/// 0022 otherwise. Online calls and batch jobs alike.
pub(crate) fn check_operation(domain: &Domain, op: Operation) -> Result<(), ApiError> {
    match (&domain.kind, op) {
        (DomainKind::General, Operation::General) | (DomainKind::Template, Operation::Template) => {
        }
        (DomainKind::Document(kinds), Operation::Document(t)) => {
            let enabled = kinds.iter().any(|k| k.as_str() == t.path());
            if !enabled {
                return Err(ApiError::detail(
                    uncertain::DOCUMENT_MODEL_UNAVAILABLE,
                    "document model not enabled for this domain",
                ));
            }
            if jikji_document::DocumentKind::parse(t.path()).is_none() {
                return Err(ApiError::detail(
                    uncertain::DOCUMENT_MODEL_UNAVAILABLE,
                    "document model not available in this build",
                ));
            }
        }
        _ => {
            return Err(ApiError::detail(
                ErrorCode::DomainInvalid,
                format!("{} domain cannot serve {}", domain.kind, op.label()),
            ))
        }
    }
    Ok(())
}

async fn authenticated(
    st: &AppState,
    domain: &Domain,
    op: Operation,
    req: &mut Option<Request>,
    stats: &mut Stats,
) -> Result<Response, ApiError> {
    check_operation(domain, op)?;
    if !crate::ratelimit::take(st, domain).await {
        st.metrics.shed.with_label_values(&["rate_limit"]).inc();
        return Err(ApiError::detail(
            ErrorCode::RateLimited,
            "domain rate limit",
        ));
    }
    let Ok(admit) = st.admit.clone().try_acquire_owned() else {
        st.metrics.shed.with_label_values(&["queue_full"]).inc();
        return Err(ApiError::shed());
    };
    let queued = Queued::new(st);
    // The work on the blocking threads gets the same deadline as this timeout, and its token is
    // cancelled when `process` is dropped (timeout, client gone): the worker stops at its next stage.
    let cancel = Cancel::with_deadline(Instant::now() + st.config.request_timeout());
    match tokio::time::timeout(
        st.config.request_timeout(),
        process(st, domain, op, req, admit, queued, stats, cancel),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(ApiError::detail(
            uncertain::REQUEST_TIMEOUT,
            "request timeout",
        )),
    }
}

async fn read_request(
    st: &AppState,
    op: Operation,
    req: Request,
) -> Result<ValidRequest, ApiError> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let body_invalid = |d: String| ApiError::detail(ErrorCode::BodyInvalid, d);
    // The whole body is read first (bounded): an oversize or malformed body is then answered after
    // the client has finished sending, instead of with a reset connection.
    let (parts, body) = req.into_parts();
    let hint = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let bytes = read_body_limited(body, st.config.max_body_bytes(), hint).await?;
    if is_multipart {
        let req = Request::from_parts(parts, Body::from(bytes));
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| body_invalid(format!("multipart: {e}")))?;
        let mut message = None;
        let mut file = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| body_invalid(format!("multipart: {e}")))?
        {
            match field.name() {
                Some("message") if message.is_none() => {
                    message = Some(
                        field
                            .bytes()
                            .await
                            .map_err(|e| body_invalid(format!("multipart message: {e}")))?,
                    );
                }
                Some("file") if file.is_none() => {
                    file = Some(
                        field
                            .bytes()
                            .await
                            .map_err(|e| body_invalid(format!("multipart file: {e}")))?
                            .to_vec(),
                    );
                }
                Some("message") | Some("file") => {
                    return Err(body_invalid("duplicate multipart part".into()))
                }
                _ => {
                    // Unknown parts are ignored (read to move on).
                    field
                        .bytes()
                        .await
                        .map_err(|e| body_invalid(format!("multipart: {e}")))?;
                }
            }
        }
        let message =
            message.ok_or_else(|| body_invalid("multipart without message part".into()))?;
        Ok(blocking(move || parse_multipart_message(&message)?.validate_multipart(op, file)).await?)
    } else {
        // A JSON body carries the image as base64 text (up to the body limit): parsing and decoding it
        // is CPU work, done on a blocking thread rather than on the async runtime's.
        Ok(blocking(move || parse_json(&bytes)?.validate_json(op)).await?)
    }
}

/// Runs a parsing step on a blocking thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ErrorCode> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::detail(ErrorCode::UnknownServiceError, format!("parse task: {e}")))?
        .map_err(ApiError::new)
}

/// Reads a request body up to `limit` bytes. Over the limit, the rest is read and discarded (for at
/// most 2 s) and the request is answered with 0011.
async fn read_body_limited(
    body: Body,
    limit: usize,
    size_hint: usize,
) -> Result<axum::body::Bytes, ApiError> {
    use http_body_util::BodyExt;
    let mut body = body;
    let mut buf: Vec<u8> = Vec::with_capacity(size_hint.min(limit));
    loop {
        match body.frame().await {
            None => return Ok(buf.into()),
            Some(Err(e)) => {
                return Err(ApiError::detail(
                    ErrorCode::BodyInvalid,
                    format!("body: {e}"),
                ))
            }
            Some(Ok(frame)) => {
                if let Some(d) = frame.data_ref() {
                    if buf.len() + d.len() > limit {
                        drop(buf);
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
                            while let Some(Ok(_)) = body.frame().await {}
                        })
                        .await;
                        return Err(ApiError::detail(
                            ErrorCode::BodyInvalid,
                            format!("body over {limit} bytes"),
                        ));
                    }
                    buf.extend_from_slice(d);
                }
            }
        }
    }
}

/// The response of a call whose one image failed (HTTP 200).
fn failed_response(
    v: &ValidRequest,
    result: InferResult,
    message: &str,
    stats: &mut Stats,
) -> OcrResponse {
    stats.failed = Some(result);
    OcrResponse::new(
        v.version,
        &v.request_id,
        vec![ImageResult::failed(result, message, &v.name)],
    )
}

fn json_response(r: &OcrResponse) -> Response {
    match serde_json::to_vec(r) {
        Ok(body) => {
            let mut resp = Response::new(Body::from(body));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=UTF-8"),
            );
            resp
        }
        Err(e) => ApiError::detail(ErrorCode::UnknownServiceError, format!("serialize: {e}"))
            .into_response(),
    }
}

/// How an input (decode) error is answered: a request error, or a per-image `FAILURE` message.
pub fn classify_input_error(e: &InputError) -> Result<String, ErrorCode> {
    match e {
        InputError::Empty
        | InputError::UnknownFormat
        | InputError::TooLarge { .. }
        | InputError::TooManyPixels { .. }
        | InputError::TooManyPages { .. }
        | InputError::OverBudget { .. } => Err(ErrorCode::BodyInvalid),
        InputError::Cancelled => Err(uncertain::REQUEST_TIMEOUT),
        InputError::Io(_) => Err(ErrorCode::UnknownServiceError),
        other => Ok(format!("{}: {other}", uncertain::UNREADABLE_IMAGE_MESSAGE)),
    }
}

/// The Document OCR image of one page: the model's fields, or `FAILURE` when the page does not look like
/// the document asked for (see `uncertain::DOCUMENT_NOT_FOUND_MESSAGE`).
fn document_image(
    kind: jikji_document::DocumentKind,
    page: &jikji_types::PageResult,
    name: &str,
    lang: &str,
    stats: &mut Stats,
) -> ImageResult {
    let result = jikji_document::understand(kind, page);
    if !result.recognized() {
        stats.failed = Some(InferResult::Failure);
        return ImageResult::failed(
            InferResult::Failure,
            format!("{} ({})", uncertain::DOCUMENT_NOT_FOUND_MESSAGE, kind.name()),
            name,
        );
    }
    let wire = jikji_document::wire::to_wire(&result, lang);
    ImageResult::document(page, name, wire.key(), wire.value())
}

/// The masked copy of a Document page (`uncertain::MASKED_IMAGE_MEMBER`): the page image with every
/// field's masking polygons blacked out, as PNG in base64. The fields are read from the result in the
/// image's own pixels, so the masks land where the words were read whatever the reporting space.
fn masked_image(
    kind: jikji_document::DocumentKind,
    img: &image::RgbImage,
    page: &jikji_types::PageResult,
) -> Result<serde_json::Value, String> {
    use base64::Engine as _;
    let quads = jikji_document::understand(kind, page).masking_quads();
    let mut copy = img.clone();
    jikji_image::mask_quads(&mut copy, &quads);
    let mut png = Vec::new();
    copy.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(serde_json::json!({
        "format": uncertain::MASKED_IMAGE_FORMAT,
        "data": base64::engine::general_purpose::STANDARD.encode(&png),
    }))
}

enum Work {
    /// Each page's result and, when table detection ran, its tables (both in the reporting space).
    /// With them, the masked copy of the first Document page when it was asked for, and Template
    /// OCR's image of each page with the index of the template that matched it (read on the worker:
    /// reading a field again from its region runs the engine).
    Pages(
        Vec<(jikji_types::PageResult, Option<Vec<jikji_pipeline::Table>>)>,
        Option<serde_json::Value>,
        Vec<(ImageResult, Option<usize>)>,
    ),
    Input(InputError),
    NoEngine,
    Engine(String),
    Stopped,
}

#[allow(clippy::too_many_arguments)]
async fn process(
    st: &AppState,
    domain: &Domain,
    op: Operation,
    req: &mut Option<Request>,
    admit: tokio::sync::OwnedSemaphorePermit,
    queued: Queued<'_>,
    stats: &mut Stats,
    cancel: Cancel,
) -> Result<Response, ApiError> {
    let req = req
        .take()
        .ok_or_else(|| ApiError::new(ErrorCode::UnknownServiceError))?;
    let mut v = read_request(st, op, req).await?;
    let templates = admitted(st, domain, op, &v).await?;
    // The bytes move to the worker; nothing keeps a second copy.
    let bytes = match std::mem::replace(&mut v.source, ImageSource::Bytes(Vec::new())) {
        ImageSource::Bytes(b) => b,
        ImageSource::Url(u) => match st.fetcher.fetch(&u).await {
            Ok(b) => b,
            Err(FetchError::Refused(r)) => {
                return Err(ApiError::detail(uncertain::REFUSED_IMAGE_URL, r))
            }
            Err(e @ FetchError::TooLarge(_)) => {
                return Err(ApiError::detail(ErrorCode::BodyInvalid, e.to_string()))
            }
            Err(FetchError::Failed(r)) => {
                tracing::info!(reason = %r, "image download failed");
                return Ok(json_response(&failed_response(
                    &v,
                    InferResult::Error,
                    uncertain::DOWNLOAD_FAILED_MESSAGE,
                    stats,
                )));
            }
        },
    };
    let slot = Slot::Queue { admit, queued };
    recognise(st, domain, op, &v, bytes, templates, slot, stats, cancel)
        .await
        .map(|r| json_response(&r))
}

/// The checks of a request that passed the protocol checks, before its image is looked at:
/// table detection allowed, the released templates (Template OCR), the monthly quota (counted
/// here). Shared by the online calls and the batch workers (`batch.rs`).
pub(crate) async fn admitted(
    st: &AppState,
    domain: &Domain,
    op: Operation,
    v: &ValidRequest,
) -> Result<Option<crate::templates::Candidates>, ApiError> {
    if v.enable_table_detection && !domain.table_detection {
        return Err(ApiError::detail(
            ErrorCode::TableDetectionDisabled,
            "table detection off for this domain",
        ));
    }
    let templates = if op == Operation::Template {
        Some(crate::templates::candidates(st, domain.id, v.template_ids.as_deref()).await?)
    } else {
        None
    };
    if let Some(limit) = domain.monthly_quota {
        let month = jikji_calendar::current_month();
        let count = st
            .store
            .consume_quota_counted(domain.id, &month, Some(limit))
            .await
            .map_err(|e| ApiError::detail(ErrorCode::UnknownServiceError, format!("store: {e}")))?;
        let Some(count) = count else {
            st.metrics.shed.with_label_values(&["quota"]).inc();
            return Err(ApiError::detail(
                ErrorCode::QuotaExceeded,
                "monthly quota reached",
            ));
        };
        crate::webhook::quota_counted(st, domain, &month, count, limit);
    }
    Ok(templates)
}

/// How a call gets its inference worker.
pub(crate) enum Slot<'a> {
    /// An online call: admitted into the bounded queue, it waits for a worker in it.
    Queue {
        admit: tokio::sync::OwnedSemaphorePermit,
        queued: Queued<'a>,
    },
    /// A batch item: it already holds a worker (taken only when no online call waits).
    Held(tokio::sync::OwnedSemaphorePermit),
}

/// Recognises one image of a checked request — decode, OCR (tables), and the domain's reading
/// (General words, Document fields, Template match) — into the response the online API returns.
/// The one code path of the online calls and the batch workers.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn recognise(
    st: &AppState,
    domain: &Domain,
    op: Operation,
    v: &ValidRequest,
    bytes: Vec<u8>,
    templates: Option<crate::templates::Candidates>,
    slot: Slot<'_>,
    stats: &mut Stats,
    cancel: Cancel,
) -> Result<OcrResponse, ApiError> {
    let hint = v.format.as_deref().and_then(jikji_image::Format::from_hint);
    let langs_src = v.lang.clone().unwrap_or_else(|| domain.lang.clone());
    let langs =
        jikji_engine::Lang::parse_list(&langs_src).unwrap_or_else(|_| vec![jikji_engine::Lang::Ko]);
    let opts = jikji_pipeline::Options {
        limits: st.image_limits(),
        ocr: jikji_engine::OcrOptions { langs },
        pages: if uncertain::ONE_IMAGE_ENTRY_PER_PAGE && op == Operation::General {
            jikji_pipeline::Pages::All
        } else {
            jikji_pipeline::Pages::First
        },
        pdf_pixels_per_point: Some(uncertain::PDF_PIXELS_PER_POINT),
        // ID cards report the card's outline found in the pixels as `rois`.
        find_outline: matches!(op, Operation::Document(t)
            if jikji_document::DocumentKind::parse(t.path()) == Some(jikji_document::DocumentKind::IdCard)),
    };
    let engine = st.engine();
    // Tables are a General and Template OCR member of the V2 shape (`uncertain::TABLES_IN_V1`);
    // Document models ignore the flag.
    let tables = if v.enable_table_detection
        && (op == Operation::General || (op == Operation::Template && uncertain::TABLES_IN_TEMPLATE_OCR))
        && jikji_clova::table::carries_tables(v.version)
    {
        Some(st.tables().ok_or_else(|| {
            ApiError::detail(uncertain::ENGINE_UNAVAILABLE, "table models not loaded")
        })?)
    } else {
        None
    };
    let (admit, worker) = match slot {
        Slot::Queue { admit, queued } => {
            let worker = st
                .workers
                .clone()
                .acquire_owned()
                .await
                .map_err(|_| ApiError::new(ErrorCode::UnknownServiceError))?;
            drop(queued);
            (Some(admit), worker)
        }
        Slot::Held(worker) => (None, worker),
    };
    let metrics_st = st.clone();
    let guard = cancel.drop_guard();
    let keep_image = op == Operation::Template;
    let mask_kind = match op {
        Operation::Document(t) if v.masked_image => jikji_document::DocumentKind::parse(t.path()),
        _ => None,
    };
    let templates = templates.map(std::sync::Arc::new);
    let read_templates = templates.clone();
    let (version, name) = (v.version, v.name.clone());
    let work = tokio::task::spawn_blocking(move || {
        let _permits = (admit, worker);
        let Some(engine) = engine else {
            return Work::NoEngine;
        };
        let m = &metrics_st.metrics;
        m.in_flight.inc();
        let mut pages = Vec::new();
        let mut masked: Option<Result<serde_json::Value, String>> = None;
        let tables = tables.as_deref();
        let run = jikji_pipeline::run_with(engine.as_ref(), tables, &bytes, hint, &opts, &cancel, |p| {
            let t = p.times;
            m.inference
                .with_label_values(&["decode"])
                .observe(t.decode_ms / 1000.0);
            m.inference.with_label_values(&["recognize"]).observe(
                (t.stages.detect_ms + t.stages.classify_ms + t.stages.recognize_ms + t.stages.layout_ms)
                    / 1000.0,
            );
            if tables.is_some() {
                m.inference
                    .with_label_values(&["tables"])
                    .observe(t.tables_ms / 1000.0);
            }
            // Template OCR reads checkboxes from the pixels: keep the (first) page image.
            let image = keep_image.then(|| std::sync::Arc::clone(&p.image));
            if let (Some(kind), None) = (mask_kind, &masked) {
                masked = Some(masked_image(kind, &p.image, &p.result));
            }
            pages.push((p.reported(), p.reported_tables(), image));
        });
        let read = match (&run, read_templates.as_deref()) {
            (Ok(_), Some(c)) => {
                let rereader = crate::templates::Rereader {
                    engine: engine.as_ref(),
                    opts: &opts.ocr,
                    cancel: &cancel,
                };
                let blank = std::sync::Arc::new(image::RgbImage::new(1, 1));
                pages
                    .iter()
                    .map(|(p, _, img)| {
                        let img = img.as_ref().unwrap_or(&blank);
                        crate::templates::infer_image(c, p, img, version, &name, &rereader)
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        m.in_flight.dec();
        let pages = pages.into_iter().map(|(p, t, _)| (p, t)).collect();
        match (run, masked) {
            (Ok(_), Some(Err(e))) => Work::Engine(format!("masked image: {e}")),
            (Ok(_), masked) => Work::Pages(pages, masked.and_then(Result::ok), read),
            (Err(jikji_pipeline::PipelineError::Input(e)), _) => Work::Input(e),
            (Err(jikji_pipeline::PipelineError::Engine(e)), _) => Work::Engine(e.to_string()),
            (Err(e @ jikji_pipeline::PipelineError::Tables(_)), _) => Work::Engine(e.to_string()),
            (Err(jikji_pipeline::PipelineError::Stopped(_)), _) => Work::Stopped,
        }
    })
    .await
    .map_err(|e| ApiError::detail(ErrorCode::UnknownServiceError, format!("worker task: {e}")))?;
    guard.disarm();
    match work {
        Work::Pages(pages, mut masked, read) => {
            stats.pages = pages.len() as i64;
            stats.table_pages = pages.iter().filter(|(_, t)| t.is_some()).count() as i64;
            let images = match op {
                Operation::Document(t) => {
                    let kind = jikji_document::DocumentKind::parse(t.path())
                        .ok_or_else(|| ApiError::new(uncertain::DOCUMENT_MODEL_UNAVAILABLE))?;
                    let lang = langs_src.split(',').next().unwrap_or("ko").trim().to_string();
                    pages
                        .iter()
                        .map(|(p, _)| {
                            let mut img = document_image(kind, p, &v.name, &lang, stats);
                            // Only a recognised document gets its masked copy: an image that was not
                            // understood has no masks, and its "masked" copy would be the original.
                            if img.infer_result != InferResult::Success {
                                return img;
                            }
                            if let Some(m) = masked.take() {
                                img.document.insert(uncertain::MASKED_IMAGE_MEMBER.to_string(), m);
                            }
                            img
                        })
                        .collect()
                }
                Operation::Template => {
                    let c = templates
                        .as_ref()
                        .ok_or_else(|| ApiError::new(ErrorCode::UnknownServiceError))?;
                    let mut images = Vec::with_capacity(read.len());
                    for ((mut img, matched), (_, tables)) in read.into_iter().zip(&pages) {
                        // A read page carries its tables (spec §5.1) when they were asked for.
                        if let (Some(t), Some(_)) = (tables, matched) {
                            img.tables = jikji_clova::table::tables_for(v.version, t);
                        }
                        let img = match matched {
                            Some(i) => crate::templates::validated(st, &c.set.templates[i], c.released[i].source(), img).await,
                            None => img,
                        };
                        // Asked a validator ⇔ the image no longer says NO_REQUESTED (see `validated`).
                        stats.validations += i64::from(img.validation_result != jikji_clova::ValidationResult::no_requested());
                        if img.infer_result != InferResult::Success {
                            stats.failed = Some(img.infer_result);
                        }
                        images.push(img);
                    }
                    images
                }
                _ => pages
                    .iter()
                    .map(|(p, tables)| {
                        let mut img = ImageResult::general(p, v.version, &v.name);
                        if let Some(t) = tables {
                            img.tables = jikji_clova::table::tables_for(v.version, t);
                        }
                        img
                    })
                    .collect(),
            };
            Ok(OcrResponse::new(v.version, &v.request_id, images))
        }
        Work::Input(e) => match classify_input_error(&e) {
            Ok(message) => Ok(failed_response(v, InferResult::Failure, &message, stats)),
            Err(code) => Err(ApiError::detail(code, format!("input: {e}"))),
        },
        Work::NoEngine => Err(ApiError::detail(
            uncertain::ENGINE_UNAVAILABLE,
            "engine not loaded",
        )),
        Work::Engine(e) => Err(ApiError::detail(
            ErrorCode::OcrServiceError,
            format!("engine: {e}"),
        )),
        Work::Stopped => Err(ApiError::detail(
            uncertain::REQUEST_TIMEOUT,
            "request timeout",
        )),
    }
}
