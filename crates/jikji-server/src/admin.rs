//! Admin API: `/admin/v1/domains` CRUD, secret rotation and usage, behind
//! `Authorization: Bearer <admin token>`. Disabled (404) when no token is configured.
//!
//! Admin errors are JSON `{"error": "<kind>", "message": "..."}` (they are not CLOVA calls).

#![allow(clippy::result_large_err)]

use crate::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jikji_store::{DocKind, DomainKind, DomainPatch, NewDomain, StoreError};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;

/// An admin API error body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AdminError {
    /// `unauthorized`, `disabled`, `not_found`, `invalid`, `internal`.
    pub error: String,
    pub message: String,
}

fn admin_error(status: StatusCode, error: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(AdminError {
            error: error.into(),
            message: message.into(),
        }),
    )
        .into_response()
}

fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Invalid(m) => admin_error(StatusCode::BAD_REQUEST, "invalid", m),
        other => {
            tracing::error!(error = %other, "admin store error");
            admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "store error")
        }
    }
}

fn not_found(id: i64) -> Response {
    admin_error(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no domain {id}"),
    )
}

/// Bearer-token check for every admin route (constant-time over SHA-256 digests).
pub async fn require_token(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let Some(expected) = st.admin_token_sha256() else {
        return admin_error(
            StatusCode::NOT_FOUND,
            "disabled",
            "the admin API is disabled (no admin token configured)",
        );
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or("");
    let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
    if presented.is_empty() || !bool::from(digest.ct_eq(expected)) {
        return admin_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong admin bearer token",
        );
    }
    next.run(req).await
}

/// Body of `POST /admin/v1/domains`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDomain {
    pub name: String,
    /// `general` (default), `template` or `document`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Document domains: enabled models (`receipt`, `name-card`, `biz-license`, `credit-card`, `id-card`, `passport`).
    #[serde(default)]
    pub document_kinds: Vec<String>,
    /// Default `ko`.
    #[serde(default)]
    pub lang: Option<String>,
    #[serde(default)]
    pub table_detection: bool,
    #[serde(default)]
    pub rate_limit_per_sec: Option<f64>,
    #[serde(default)]
    pub rate_burst: Option<u32>,
    #[serde(default)]
    pub monthly_quota: Option<i64>,
}

/// Body of `PATCH /admin/v1/domains/{id}`: absent = unchanged; `null` clears a limit.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDomain {
    pub name: Option<String>,
    pub lang: Option<String>,
    pub table_detection: Option<bool>,
    #[schema(value_type = Option<f64>)]
    #[serde(default, deserialize_with = "double_option")]
    pub rate_limit_per_sec: Option<Option<f64>>,
    #[schema(value_type = Option<u32>)]
    #[serde(default, deserialize_with = "double_option")]
    pub rate_burst: Option<Option<u32>>,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "double_option")]
    pub monthly_quota: Option<Option<i64>>,
    pub document_kinds: Option<Vec<String>>,
}

fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn parse_kinds(kinds: &[String]) -> Result<Vec<DocKind>, Response> {
    kinds
        .iter()
        .map(|k| k.parse::<DocKind>().map_err(store_error))
        .collect()
}

type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn json_body<T>(b: JsonBody<T>) -> Result<T, Response> {
    b.map(|Json(t)| t)
        .map_err(|e| admin_error(StatusCode::BAD_REQUEST, "invalid", e.body_text()))
}

/// Domain as the admin API shows it (never the secret or its hash).
#[derive(Serialize, ToSchema)]
pub struct DomainView {
    pub id: i64,
    pub name: String,
    /// `general`, `template` or `document`.
    pub kind: String,
    pub document_kinds: Vec<String>,
    pub invoke_key: String,
    /// `/custom/v1/{id}/{invokeKey}` — append `/general`, `/infer` or `/document/<type>`.
    pub invoke_path: String,
    pub lang: String,
    pub table_detection: bool,
    pub rate_limit_per_sec: Option<f64>,
    pub rate_burst: Option<u32>,
    pub monthly_quota: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&jikji_store::Domain> for DomainView {
    fn from(d: &jikji_store::Domain) -> Self {
        DomainView {
            id: d.id,
            name: d.name.clone(),
            kind: d.kind.as_str().into(),
            document_kinds: d
                .kind
                .doc_kinds()
                .iter()
                .map(|k| k.as_str().to_string())
                .collect(),
            invoke_key: d.invoke_key.clone(),
            invoke_path: d.invoke_url(""),
            lang: d.lang.clone(),
            table_detection: d.table_detection,
            rate_limit_per_sec: d.rate_limit_per_sec,
            rate_burst: d.rate_burst,
            monthly_quota: d.monthly_quota,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// A created domain with its secret (shown once).
#[derive(Serialize, ToSchema)]
pub struct CreatedView {
    pub domain: DomainView,
    /// The `X-OCR-SECRET` value. Only its hash is stored.
    pub secret: String,
}

/// A new secret.
#[derive(Serialize, ToSchema)]
pub struct SecretView {
    pub secret: String,
}

/// Usage of one domain.
#[derive(Serialize, ToSchema)]
pub struct UsageView {
    pub domain_id: i64,
    /// The month the quota figures refer to (`YYYY-MM`, UTC).
    pub month: String,
    pub quota_used: i64,
    pub monthly_quota: Option<i64>,
    #[schema(value_type = Vec<Object>)]
    pub rows: Vec<jikji_store::UsageRow>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct UsageQuery {
    /// `YYYY-MM`; default: all months (quota figures: current month).
    pub month: Option<String>,
}

#[utoipa::path(get, path = "/admin/v1/domains", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<DomainView>), (status = 401, body = AdminError)))]
pub async fn list(State(st): State<AppState>) -> Response {
    match st.store.list_domains().await {
        Ok(ds) => Json(ds.iter().map(DomainView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains", tag = "admin", security(("bearer" = [])), request_body = CreateDomain,
    responses((status = 201, body = CreatedView), (status = 400, body = AdminError), (status = 401, body = AdminError)))]
pub async fn create(State(st): State<AppState>, body: JsonBody<CreateDomain>) -> Response {
    let c = match json_body(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let kind = match c.kind.as_deref().unwrap_or("general") {
        "general" => DomainKind::General,
        "template" => DomainKind::Template,
        "document" => match parse_kinds(&c.document_kinds) {
            Ok(k) => DomainKind::Document(k),
            Err(r) => return r,
        },
        other => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "invalid",
                format!("unknown kind {other:?} (general, template, document)"),
            )
        }
    };
    let mut new = NewDomain::new(c.name, kind);
    if let Some(l) = c.lang {
        new.lang = l;
    }
    new.table_detection = c.table_detection;
    new.rate_limit_per_sec = c.rate_limit_per_sec;
    new.rate_burst = c.rate_burst;
    new.monthly_quota = c.monthly_quota;
    match st.store.create_domain(new).await {
        Ok(cd) => (
            StatusCode::CREATED,
            Json(CreatedView {
                domain: DomainView::from(&cd.domain),
                secret: cd.secret,
            }),
        )
            .into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DomainView), (status = 404, body = AdminError)))]
pub async fn get(State(st): State<AppState>, Path(id): Path<i64>) -> Response {
    match st.store.get_domain(id).await {
        Ok(Some(d)) => Json(DomainView::from(&d)).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(patch, path = "/admin/v1/domains/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PatchDomain, responses((status = 200, body = DomainView), (status = 404, body = AdminError)))]
pub async fn update(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    body: JsonBody<PatchDomain>,
) -> Response {
    let p = match json_body(body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let document_kinds = match p.document_kinds.as_deref().map(parse_kinds).transpose() {
        Ok(k) => k,
        Err(r) => return r,
    };
    let patch = DomainPatch {
        name: p.name,
        lang: p.lang,
        table_detection: p.table_detection,
        rate_limit_per_sec: p.rate_limit_per_sec,
        rate_burst: p.rate_burst,
        monthly_quota: p.monthly_quota,
        document_kinds,
    };
    match st.store.update_domain(id, patch).await {
        Ok(Some(d)) => Json(DomainView::from(&d)).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(delete, path = "/admin/v1/domains/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = AdminError)))]
pub async fn delete(State(st): State<AppState>, Path(id): Path<i64>) -> Response {
    match st.store.delete_domain(id).await {
        Ok(true) => {
            st.limiter.forget(id);
            StatusCode::NO_CONTENT.into_response()
        }
        Ok(false) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains/{id}/rotate-secret", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = SecretView), (status = 404, body = AdminError)))]
pub async fn rotate_secret(State(st): State<AppState>, Path(id): Path<i64>) -> Response {
    match st.store.rotate_secret(id).await {
        Ok(Some(secret)) => Json(SecretView { secret }).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/usage", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path), UsageQuery),
    responses((status = 200, body = UsageView), (status = 404, body = AdminError)))]
pub async fn usage(
    State(st): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<UsageQuery>,
) -> Response {
    let d = match st.store.get_domain(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return not_found(id),
        Err(e) => return store_error(e),
    };
    let month = q.month.clone().unwrap_or_else(jikji_store::current_month);
    let rows = match st.store.usage(id, q.month.as_deref()).await {
        Ok(r) => r,
        Err(e) => return store_error(e),
    };
    let quota_used = match st.store.quota_used(id, &month).await {
        Ok(n) => n,
        Err(e) => return store_error(e),
    };
    Json(UsageView {
        domain_id: id,
        month,
        quota_used,
        monthly_quota: d.monthly_quota,
        rows,
    })
    .into_response()
}
