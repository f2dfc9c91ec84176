//! Admin API: `/admin/v1/domains` CRUD, secret rotation and usage, behind the admin gate
//! (`auth.rs`: the admin token, an API token or a console session, each with a role). Disabled
//! (404) when no admin token is configured and no console account exists.
//!
//! Admin errors are JSON `{"error": "<kind>", "message": "..."}` (they are not CLOVA calls).

#![allow(clippy::result_large_err)]

use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jikji_store::{DocKind, DomainKind, DomainPatch, NewDomain, StoreError};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// An admin API error body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AdminError {
    /// `unauthorized`, `throttled`, `disabled`, `not_found`, `invalid`, `internal`.
    pub error: String,
    pub message: String,
}

pub(crate) fn admin_error(status: StatusCode, error: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(AdminError {
            error: error.into(),
            message: message.into(),
        }),
    )
        .into_response()
}

pub(crate) fn store_error(e: StoreError) -> Response {
    match e {
        StoreError::Invalid(m) => admin_error(StatusCode::BAD_REQUEST, "invalid", m),
        other => {
            tracing::error!(error = %other, "admin store error");
            admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "store error")
        }
    }
}

pub(crate) fn not_found(id: i64) -> Response {
    admin_error(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no domain {id}"),
    )
}

/// What the admin gate needs: the state (token digest, metrics) and the failed-login throttle.
#[derive(Clone)]
pub struct AdminGate {
    pub state: AppState,
    pub throttle: Arc<LoginThrottle>,
}

/// Wait after the first throttled failure; it doubles with every further failure. One second is
/// no burden on an operator who mistyped, and 2^n growth makes guessing pointless within minutes.
pub const THROTTLE_BASE_DELAY: Duration = Duration::from_secs(1);
/// The longest wait between two attempts (a locked-out operator is back within 5 minutes).
pub const THROTTLE_MAX_DELAY: Duration = Duration::from_secs(300);
/// A client's failures are forgotten after this long without a new one.
pub const THROTTLE_FORGET_AFTER: Duration = Duration::from_secs(3600);
/// Client addresses tracked at once (about 64 bytes each); beyond it, forgotten and then the
/// oldest entries make room, so a flood of addresses cannot grow memory without bound.
pub const THROTTLE_MAX_TRACKED: usize = 10_000;

#[derive(Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    blocked_until: Option<Instant>,
}

/// Failed admin logins per client address (IPv4 address, or IPv6 /64 — one host's share of an
/// IPv6 network). The first `free` failures cost nothing (typos); each further one makes the client
/// wait `THROTTLE_BASE_DELAY × 2^k` (at most `THROTTLE_MAX_DELAY`) before the next admin request
/// is looked at. A correct token clears the count.
///
/// Behind a reverse proxy every client has the proxy's address: failures anywhere then throttle
/// everyone's admin requests (the admin API is meant for operators on a private network).
pub struct LoginThrottle {
    free: u32,
    clients: Mutex<HashMap<u128, Failures>>,
}

fn client_key(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => u128::from(u32::from(v4)),
            // the /64 prefix, tagged so it cannot collide with an IPv4 key
            None => (u128::from(v6) & !((1u128 << 64) - 1)) | 1,
        },
    }
}

impl LoginThrottle {
    pub fn new(free_failures: u32) -> LoginThrottle {
        LoginThrottle {
            free: free_failures,
            clients: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u128, Failures>> {
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(wait)` while `ip` must wait before its next attempt.
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        match self
            .lock()
            .get(&client_key(ip))
            .and_then(|f| f.blocked_until)
        {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    /// Records a failure; returns the wait it imposes (none for the first `free` ones).
    pub fn failure(&self, ip: IpAddr, now: Instant) -> Option<Duration> {
        let mut map = self.lock();
        let key = client_key(ip);
        if !map.contains_key(&key) && map.len() >= THROTTLE_MAX_TRACKED {
            map.retain(|_, f| now.duration_since(f.last) < THROTTLE_FORGET_AFTER);
            while map.len() >= THROTTLE_MAX_TRACKED {
                let oldest = map.iter().min_by_key(|(_, f)| f.last).map(|(k, _)| *k);
                match oldest {
                    Some(k) => map.remove(&k),
                    None => break,
                };
            }
        }
        let f = map.entry(key).or_insert(Failures {
            count: 0,
            last: now,
            blocked_until: None,
        });
        if now.duration_since(f.last) >= THROTTLE_FORGET_AFTER {
            *f = Failures {
                count: 0,
                last: now,
                blocked_until: None,
            };
        }
        f.count = f.count.saturating_add(1);
        f.last = now;
        let over = f.count.checked_sub(self.free).filter(|&k| k > 0)?;
        let wait = THROTTLE_BASE_DELAY
            .saturating_mul(1u32 << (over - 1).min(20))
            .min(THROTTLE_MAX_DELAY);
        f.blocked_until = Some(now + wait);
        Some(wait)
    }

    /// A correct token: the address starts afresh.
    pub fn success(&self, ip: IpAddr) {
        self.lock().remove(&client_key(ip));
    }

    /// Addresses currently tracked.
    pub fn tracked(&self) -> usize {
        self.lock().len()
    }
}

/// A domain's service type, as the admin API names it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindName {
    General,
    Template,
    Document,
}

/// A Document OCR model a document domain may enable.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DocKindName {
    Receipt,
    NameCard,
    BizLicense,
    CreditCard,
    IdCard,
    Passport,
}

impl DocKindName {
    fn kind(self) -> DocKind {
        match self {
            DocKindName::Receipt => DocKind::Receipt,
            DocKindName::NameCard => DocKind::NameCard,
            DocKindName::BizLicense => DocKind::BizLicense,
            DocKindName::CreditCard => DocKind::CreditCard,
            DocKindName::IdCard => DocKind::IdCard,
            DocKindName::Passport => DocKind::Passport,
        }
    }
}

/// The schema's `name` pattern: no control characters and at least one visible character.
/// [`check_name`] applies the same rule, so the document and the server agree.
#[cfg_attr(not(test), allow(dead_code))] // the attribute needs a literal; a test compares
const NAME_PATTERN: &str = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$";
/// Longest domain name, in characters (the store's limit).
const NAME_MAX_CHARS: usize = 200;
/// The schema's `lang` pattern, applied by [`check_lang`]: codes of letters, digits and `-`
/// (`ko`, `en`, `ja`, `zh-TW`), comma-separated, no spaces.
#[cfg_attr(not(test), allow(dead_code))] // the attribute needs a literal; a test compares
const LANG_PATTERN: &str = r"^[A-Za-z0-9-]{1,16}(,[A-Za-z0-9-]{1,16})*$";

/// Body of `POST /admin/v1/domains`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateDomain {
    /// Free text, 1–200 characters, not only spaces, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: String,
    /// `general` (default), `template` or `document`.
    #[serde(default)]
    pub kind: Option<KindName>,
    /// Document domains: enabled models; empty or absent = all of them. Ignored for other kinds.
    #[serde(default)]
    pub document_kinds: Vec<DocKindName>,
    /// Default `ko`. Comma-separated codes: `ko`, `en`, `ja`, `zh-TW`.
    #[serde(default)]
    #[schema(pattern = r"^[A-Za-z0-9-]{1,16}(,[A-Za-z0-9-]{1,16})*$")]
    pub lang: Option<String>,
    #[serde(default)]
    pub table_detection: bool,
    /// Requests per second (token bucket); absent = unlimited.
    #[serde(default)]
    #[schema(exclusive_minimum = 0.0)]
    pub rate_limit_per_sec: Option<f64>,
    /// Bucket size; default `ceil(rate_limit_per_sec)`.
    #[serde(default, deserialize_with = "opt_integer")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 4294967295_u64)]
    pub rate_burst: Option<u32>,
    /// Calls per calendar month (UTC); absent = unlimited.
    #[serde(default, deserialize_with = "opt_integer")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub monthly_quota: Option<i64>,
}

/// Body of `PATCH /admin/v1/domains/{id}`: absent = unchanged; `null` clears a limit (and leaves
/// `name`, `lang`, `table_detection`, `document_kinds` unchanged).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchDomain {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
    )]
    pub name: Option<String>,
    #[schema(pattern = r"^[A-Za-z0-9-]{1,16}(,[A-Za-z0-9-]{1,16})*$")]
    pub lang: Option<String>,
    pub table_detection: Option<bool>,
    #[schema(value_type = Option<f64>, exclusive_minimum = 0.0)]
    #[serde(default, deserialize_with = "double_option")]
    pub rate_limit_per_sec: Option<Option<f64>>,
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 4294967295_u64)]
    #[serde(default, deserialize_with = "double_opt_integer")]
    pub rate_burst: Option<Option<u32>>,
    #[schema(value_type = Option<i64>, minimum = 0)]
    #[serde(default, deserialize_with = "double_opt_integer")]
    pub monthly_quota: Option<Option<i64>>,
    /// Document domains only (409 otherwise); empty = all models.
    pub document_kinds: Option<Vec<DocKindName>>,
}

pub(crate) fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// An integer, also written as an integral float (`1451.0`): JSON Schema's `integer` admits both,
/// and so must the server that publishes the schema.
fn integer<'de, T: TryFrom<i64>, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    use serde::de::Error;
    let n = serde_json::Number::deserialize(d)?;
    let i = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Some(i),
        // 2^63 is exactly representable: the range check excludes it
        (None, Some(f)) if f.fract() == 0.0 && f >= -(2f64.powi(63)) && f < 2f64.powi(63) => {
            Some(f as i64)
        }
        _ => None,
    };
    i.and_then(|i| T::try_from(i).ok())
        .ok_or_else(|| D::Error::custom(format!("{n} is not an integer in range")))
}

fn opt_integer<'de, T: TryFrom<i64>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    #[derive(Deserialize)]
    struct W<T: TryFrom<i64>>(#[serde(deserialize_with = "integer")] T);
    Option::<W<T>>::deserialize(d).map(|o| o.map(|w| w.0))
}

fn double_opt_integer<'de, T: TryFrom<i64>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    opt_integer(d).map(Some)
}

pub(crate) fn invalid(message: impl Into<String>) -> Response {
    admin_error(StatusCode::BAD_REQUEST, "invalid", message)
}

/// The rule of [`NAME_PATTERN`] and the length limit, checked on the name as sent (the store trims it).
fn check_name(name: &str) -> Result<(), Response> {
    let control = |c: char| c <= '\u{1f}' || c == '\u{7f}';
    // U+FEFF counts as a space: ECMAScript's `\s` (the schema's dialect) includes it.
    let visible = |c: char| !c.is_whitespace() && c != '\u{feff}' && !control(c);
    if name.chars().any(control) {
        return Err(invalid("domain name contains control characters"));
    }
    if !name.chars().any(visible) {
        return Err(invalid("domain name is empty"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(invalid(format!(
            "domain name is longer than {NAME_MAX_CHARS} characters"
        )));
    }
    Ok(())
}

/// The rule of [`LANG_PATTERN`].
fn check_lang(lang: &str) -> Result<(), Response> {
    let ok = lang.split(',').all(|part| {
        (1..=16).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "language {lang:?} is not a comma-separated list of codes such as ko, en, ja, zh-TW"
        )))
    }
}

/// Document kinds; none named = all of them.
fn doc_kinds(kinds: &[DocKindName]) -> Vec<DocKind> {
    if kinds.is_empty() {
        DocKind::ALL.to_vec()
    } else {
        kinds.iter().map(|k| k.kind()).collect()
    }
}

pub(crate) type JsonBody<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

pub(crate) fn json_body<T>(b: JsonBody<T>) -> Result<T, Response> {
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
    /// Up to 4294967295: published as int64, since `format: int32` would cap it at 2^31 - 1.
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 4294967295_u64)]
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
            invoke_path: jikji_clova::invoke::base_url("", d.id, &d.invoke_key),
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
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// `YYYY-MM`; default: all months (quota figures: current month).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
}

type IdPath = Result<Path<i64>, axum::extract::rejection::PathRejection>;

/// The domain id of the path; not an integer → 400 `invalid` (the admin API's own error shape).
fn domain_id(p: IdPath) -> Result<i64, Response> {
    p.map(|Path(id)| id)
        .map_err(|e| invalid(format!("domain id: {}", e.body_text())))
}

#[utoipa::path(get, path = "/admin/v1/domains", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<DomainView>)))]
pub async fn list(
    State(st): State<AppState>,
    who: Option<axum::Extension<crate::auth::Principal>>,
) -> Response {
    match st.store.list_domains().await {
        Ok(ds) => Json(
            ds.iter()
                .filter(|d| who.as_ref().is_none_or(|p| p.sees(d.id)))
                .map(DomainView::from)
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/domains", tag = "admin", security(("bearer" = [])), request_body = CreateDomain,
    responses(
        (status = 201, body = CreatedView, headers(("Location" = String, description = "`/admin/v1/domains/{id}` of the new domain"))),
        (status = 400, description = "invalid body", body = AdminError)
    ))]
pub async fn create(State(st): State<AppState>, body: JsonBody<CreateDomain>) -> Response {
    let c = match json_body(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    if let Err(r) = check_name(&c.name) {
        return r;
    }
    if let Some(Err(r)) = c.lang.as_deref().map(check_lang) {
        return r;
    }
    let kind = match c.kind.unwrap_or(KindName::General) {
        KindName::General => DomainKind::General,
        KindName::Template => DomainKind::Template,
        KindName::Document => DomainKind::Document(doc_kinds(&c.document_kinds)),
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
        Ok(cd) => {
            let location = format!("/admin/v1/domains/{}", cd.domain.id);
            let mut r = (
                StatusCode::CREATED,
                Json(CreatedView {
                    domain: DomainView::from(&cd.domain),
                    secret: cd.secret,
                }),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&location) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = DomainView), (status = 400, description = "id is not an integer", body = AdminError)))]
pub async fn get(State(st): State<AppState>, id: IdPath) -> Response {
    let id = match domain_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match st.store.get_domain(id).await {
        Ok(Some(d)) => Json(DomainView::from(&d)).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(patch, path = "/admin/v1/domains/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = PatchDomain, responses(
        (status = 200, body = DomainView),
        (status = 400, description = "invalid body or id", body = AdminError),
        (status = 409, description = "`document_kinds` for a domain that is not a document domain", body = AdminError)
    ))]
pub async fn update(
    State(st): State<AppState>,
    id: IdPath,
    body: JsonBody<PatchDomain>,
) -> Response {
    let id = match domain_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let p = match json_body(body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(Err(r)) = p.name.as_deref().map(check_name) {
        return r;
    }
    if let Some(Err(r)) = p.lang.as_deref().map(check_lang) {
        return r;
    }
    if p.document_kinds.is_some() {
        // A state conflict, not a malformed body: 409, so that 400 keeps meaning "fix the request".
        match st.store.get_domain(id).await {
            Ok(Some(d)) if !matches!(d.kind, DomainKind::Document(_)) => {
                return admin_error(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!(
                        "domain {id} is a {} domain; document_kinds apply only to document domains",
                        d.kind.as_str()
                    ),
                )
            }
            Ok(Some(_)) => {}
            Ok(None) => return not_found(id),
            Err(e) => return store_error(e),
        }
    }
    let patch = DomainPatch {
        name: p.name,
        lang: p.lang,
        table_detection: p.table_detection,
        rate_limit_per_sec: p.rate_limit_per_sec,
        rate_burst: p.rate_burst,
        monthly_quota: p.monthly_quota,
        document_kinds: p.document_kinds.as_deref().map(doc_kinds),
    };
    match st.store.update_domain(id, patch).await {
        Ok(Some(d)) => Json(DomainView::from(&d)).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(delete, path = "/admin/v1/domains/{id}", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 400, description = "id is not an integer", body = AdminError)))]
pub async fn delete(State(st): State<AppState>, id: IdPath) -> Response {
    let id = match domain_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
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
    responses((status = 200, body = SecretView), (status = 400, description = "id is not an integer", body = AdminError)))]
pub async fn rotate_secret(State(st): State<AppState>, id: IdPath) -> Response {
    let id = match domain_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match st.store.rotate_secret(id).await {
        Ok(Some(secret)) => Json(SecretView { secret }).into_response(),
        Ok(None) => not_found(id),
        Err(e) => store_error(e),
    }
}

/// The schema's `month` pattern (`YYYY-MM`, month 01–12), applied by [`check_month`].
#[cfg_attr(not(test), allow(dead_code))] // the attribute needs a literal; a test compares
const MONTH_PATTERN: &str = r"^[0-9]{4}-(0[1-9]|1[0-2])$";

fn check_month(m: &str) -> Result<(), Response> {
    if jikji_calendar::is_month(m) {
        Ok(())
    } else {
        Err(invalid(format!("month {m:?} is not YYYY-MM")))
    }
}

#[utoipa::path(get, path = "/admin/v1/domains/{id}/usage", tag = "admin", security(("bearer" = [])), params(("id" = i64, Path), UsageQuery),
    responses((status = 200, body = UsageView), (status = 400, description = "id or month invalid", body = AdminError)))]
pub async fn usage(
    State(st): State<AppState>,
    id: IdPath,
    q: Result<Query<UsageQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let id = match domain_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return invalid(e.body_text()),
    };
    if let Some(Err(r)) = q.month.as_deref().map(check_month) {
        return r;
    }
    let d = match st.store.get_domain(id).await {
        Ok(Some(d)) => d,
        Ok(None) => return not_found(id),
        Err(e) => return store_error(e),
    };
    let month = q.month.clone().unwrap_or_else(jikji_calendar::current_month);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn throttle_backs_off_exponentially_and_resets_on_success() {
        let t = LoginThrottle::new(3);
        let a = ip("203.0.113.7");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.check(a, t0).is_ok());
            assert_eq!(t.failure(a, t0), None, "free failures cost nothing");
        }
        assert_eq!(t.failure(a, t0), Some(Duration::from_secs(1)));
        assert_eq!(t.check(a, t0), Err(Duration::from_secs(1)));
        let t1 = t0 + Duration::from_secs(1);
        assert!(t.check(a, t1).is_ok(), "the wait is over");
        assert_eq!(t.failure(a, t1), Some(Duration::from_secs(2)));
        assert_eq!(t.failure(a, t1), Some(Duration::from_secs(4)));
        assert_eq!(t.failure(a, t1), Some(Duration::from_secs(8)));
        for _ in 0..30 {
            t.failure(a, t1);
        }
        assert_eq!(t.failure(a, t1), Some(THROTTLE_MAX_DELAY), "capped");
        // other clients are not affected
        assert!(t.check(ip("203.0.113.8"), t1).is_ok());
        t.success(a);
        assert!(t.check(a, t1).is_ok());
        assert_eq!(t.failure(a, t1), None, "a correct token starts afresh");
    }

    #[test]
    fn throttle_forgets_old_failures() {
        let t = LoginThrottle::new(1);
        let a = ip("198.51.100.1");
        let t0 = Instant::now();
        t.failure(a, t0);
        assert!(t.failure(a, t0).is_some());
        let later = t0 + THROTTLE_FORGET_AFTER;
        assert!(t.check(a, later).is_ok());
        assert_eq!(t.failure(a, later), None, "counted afresh after an hour");
    }

    #[test]
    fn throttle_groups_ipv6_by_64_and_maps_ipv4() {
        let t = LoginThrottle::new(0);
        let t0 = Instant::now();
        t.failure(ip("2001:db8:1:2::1"), t0);
        assert!(t.check(ip("2001:db8:1:2:ffff::9"), t0).is_err(), "same /64");
        assert!(t.check(ip("2001:db8:1:3::1"), t0).is_ok(), "other /64");
        t.failure(ip("192.0.2.1"), t0);
        assert!(t.check(ip("::ffff:192.0.2.1"), t0).is_err());
        assert!(t.check(ip("::c000:201"), t0).is_ok());
    }

    #[test]
    fn throttle_memory_is_bounded() {
        let t = LoginThrottle::new(0);
        let t0 = Instant::now();
        for i in 0..(THROTTLE_MAX_TRACKED as u32 + 500) {
            t.failure(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)), t0);
        }
        assert!(t.tracked() <= THROTTLE_MAX_TRACKED);
    }

    #[test]
    fn integers_accept_integral_floats_only() {
        let c: CreateDomain =
            serde_json::from_str(r#"{"name":"a","monthly_quota":1451.0,"rate_burst":3}"#).unwrap();
        assert_eq!((c.monthly_quota, c.rate_burst), (Some(1451), Some(3)));
        for bad in [
            r#"{"name":"a","monthly_quota":1.5}"#,
            r#"{"name":"a","rate_burst":-1}"#,
            r#"{"name":"a","rate_burst":4294967296}"#,
            r#"{"name":"a","monthly_quota":1e300}"#,
            r#"{"name":"a","monthly_quota":"3"}"#,
        ] {
            assert!(serde_json::from_str::<CreateDomain>(bad).is_err(), "{bad}");
        }
        let p: PatchDomain =
            serde_json::from_str(r#"{"monthly_quota":null,"rate_burst":2.0}"#).unwrap();
        assert_eq!(p.monthly_quota, Some(None));
        assert_eq!(p.rate_burst, Some(Some(2)));
        let p: PatchDomain = serde_json::from_str("{}").unwrap();
        assert_eq!(p.monthly_quota, None);
    }

    #[test]
    fn name_lang_month_rules() {
        for ok in ["a", " shop ", "가게", "x".repeat(200).as_str(), "a\u{feff}"] {
            assert!(check_name(ok).is_ok(), "{ok:?}");
        }
        for bad in [
            "",
            "   ",
            "\u{feff}",
            "a\nb",
            "a\u{7f}",
            "\u{3000}",
            "x".repeat(201).as_str(),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        for ok in ["ko", "ko,en", "zh-TW", "ja,zh-TW,en"] {
            assert!(check_lang(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "ko,",
            ",ko",
            "k o",
            "ko, en",
            "abcdefghijklmnopq",
            "ko;en",
        ] {
            assert!(check_lang(bad).is_err(), "{bad}");
        }
        for ok in ["2026-01", "1999-12", "0000-10"] {
            assert!(check_month(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2026-1",
            "2026-13",
            "2026-00",
            "26-01",
            "2026/01",
            "２０２６-01",
            "2026-01-01",
        ] {
            assert!(check_month(bad).is_err(), "{bad}");
        }
    }

    /// The patterns published in the OpenAPI document are the ones the checks above implement.
    #[test]
    fn published_patterns_match_the_checks() {
        let doc = serde_json::to_value(<crate::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        let text = doc.to_string();
        for p in [NAME_PATTERN, LANG_PATTERN, MONTH_PATTERN] {
            let quoted = serde_json::to_string(p).unwrap();
            assert!(text.contains(&quoted), "{p} not in the OpenAPI document");
        }
    }
}
