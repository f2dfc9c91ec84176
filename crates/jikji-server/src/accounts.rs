//! Console accounts over the admin API: login sessions (`/admin/v1/session`), users
//! (`/admin/v1/users`), role-carrying API tokens (`/admin/v1/tokens`) and the audit log
//! (`/admin/v1/audit`). Who may call what is decided by the gate in `auth.rs`; these handlers
//! only act. Passwords, cookies and token values never reach a log or the audit log.

use crate::admin::{
    admin_error, invalid, json_body, store_error, AdminError, JsonBody, LoginThrottle,
};
use crate::auth::{self, Principal, Via, SESSION_COOKIE, SESSION_TTL};
use crate::state::AppState;
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use jikji_store::{ApiToken, AuditEntry, NewUser, Role, User, UserPatch};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// `POST /admin/v1/session`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    #[schema(min_length = 1, max_length = 64)]
    pub username: String,
    #[schema(min_length = 1, max_length = 64)]
    pub password: String,
}

/// The caller of the admin API, as the console shows it.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    /// `user:NAME`, `token:NAME` or `admin-token`.
    pub actor: String,
    /// `admin`, `operator` or `viewer`.
    pub role: String,
    /// Domain ids it may see; absent = all.
    pub domains: Option<Vec<i64>>,
    /// For a console session: send it back in `X-CSRF-Token` with every state-changing request.
    pub csrf_token: Option<String>,
    /// For a console session: when it ends (Unix ms).
    pub expires_at: Option<i64>,
}

/// `POST /admin/v1/session/password`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    #[schema(max_length = 64)]
    pub current_password: String,
    /// 8 to 64 characters.
    #[schema(min_length = 8, max_length = 64)]
    pub new_password: String,
}

/// A role as the API names it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Admin,
    Operator,
    Viewer,
}

impl RoleName {
    fn role(self) -> Role {
        match self {
            RoleName::Admin => Role::Admin,
            RoleName::Operator => Role::Operator,
            RoleName::Viewer => Role::Viewer,
        }
    }
}

/// The account-name pattern (users and tokens), as `jikji_store::check_account_name` applies it.
#[cfg_attr(not(test), allow(dead_code))] // the attribute needs a literal; a test compares
const ACCOUNT_NAME_PATTERN: &str = r"^[A-Za-z0-9._@-]{1,64}$";

/// `POST /admin/v1/users`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[schema(pattern = r"^[A-Za-z0-9._@-]{1,64}$")]
    pub username: String,
    #[schema(min_length = 8, max_length = 64)]
    pub password: String,
    pub role: RoleName,
    /// Restrict to these domain ids; absent or `null` = all domains.
    #[serde(default)]
    pub domains: Option<Vec<i64>>,
}

/// `PATCH /admin/v1/users/{id}`: absent = unchanged; `domains: null` = all domains.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchUser {
    pub role: Option<RoleName>,
    #[serde(default, deserialize_with = "crate::admin::double_option")]
    #[schema(value_type = Option<Vec<i64>>)]
    pub domains: Option<Option<Vec<i64>>>,
    /// A new password (ends the user's sessions).
    #[schema(min_length = 8, max_length = 64)]
    pub password: Option<String>,
}

/// A user (never with a password or its hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub domains: Option<Vec<i64>>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            role: u.role.to_string(),
            domains: u.domains,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// `POST /admin/v1/tokens`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateToken {
    #[schema(pattern = r"^[A-Za-z0-9._@-]{1,64}$")]
    pub name: String,
    pub role: RoleName,
    #[serde(default)]
    pub domains: Option<Vec<i64>>,
}

/// An API token (never its value, except once at creation).
#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub domains: Option<Vec<i64>>,
    pub created_at: i64,
}

impl From<ApiToken> for TokenView {
    fn from(t: ApiToken) -> Self {
        TokenView {
            id: t.id,
            name: t.name,
            role: t.role.to_string(),
            domains: t.domains,
            created_at: t.created_at,
        }
    }
}

/// A token just created: `Authorization: Bearer <secret>` (shown once; only its hash is kept).
#[derive(Serialize, ToSchema)]
pub struct CreatedTokenView {
    pub token: TokenView,
    pub secret: String,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    /// Unix ms.
    pub at: i64,
    pub actor: String,
    /// `METHOD /route`, `login`, `login-failed`, `logout`.
    pub action: String,
    pub target: String,
    pub status: i64,
}

impl From<AuditEntry> for AuditView {
    fn from(e: AuditEntry) -> Self {
        AuditView {
            id: e.id,
            at: e.at,
            actor: e.actor,
            action: e.action,
            target: e.target,
            status: e.status,
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries to return (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Only entries with an id below this one (the next page).
    pub before: Option<i64>,
}

/// Default audit page size.
const AUDIT_PAGE_DEFAULT: i64 = 100;

fn secure_request(st: &AppState, headers: &HeaderMap) -> bool {
    st.config.trust_forwarded_proto
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

fn session_cookie(value: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("jikji_session=; Path=/; Max-Age=0"))
}

async fn audit(st: &AppState, actor: &str, action: &str, target: &str, status: StatusCode) {
    if let Err(e) = st.store.audit(actor, action, target, status.as_u16()).await {
        tracing::error!(error = %e, "writing the audit log failed");
    }
}

/// Log in to the console: sets the `jikji_session` cookie (HttpOnly, SameSite=Strict, Secure behind
/// a trusted TLS proxy) and returns the CSRF token. Failed logins are throttled per address.
#[utoipa::path(post, path = "/admin/v1/session", tag = "admin", request_body = LoginBody,
    responses(
        (status = 200, body = SessionView, headers(("Set-Cookie" = String, description = "the session cookie"))),
        (status = 400, description = "invalid body", body = AdminError),
        (status = 401, description = "`unauthorized`: wrong user name or password", body = AdminError),
        (status = 429, description = "`throttled`: too many failed logins from this address", body = AdminError,
            headers(("Retry-After" = i64, description = "seconds to wait")))
    ))]
pub async fn login(
    State(st): State<AppState>,
    Extension(throttle): Extension<Arc<LoginThrottle>>,
    req: Request,
) -> Response {
    let st = &st;
    let ip = auth::client_ip(&req);
    if let Err(r) = auth::check_throttle(st, &throttle, ip) {
        return r;
    }
    let secure = secure_request(st, req.headers());
    let body = <JsonBody<LoginBody> as axum::extract::FromRequest<()>>::from_request(req, &())
        .await
        .unwrap_or_else(|never| match never {});
    let b = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let user = match st.store.check_login(&b.username, &b.password).await {
        Ok(u) => u,
        Err(e) => return store_error(e),
    };
    let Some(user) = user else {
        auth::note_failure(st, &throttle, ip);
        // No name: a user may type a password into the name field.
        audit(
            st,
            "anonymous",
            "login-failed",
            "/admin/v1/session",
            StatusCode::UNAUTHORIZED,
        )
        .await;
        return admin_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong user name or password",
        );
    };
    if let Some(ip) = ip {
        throttle.success(ip);
    }
    let ttl = SESSION_TTL.as_millis() as i64;
    let s = match st.store.create_session(user.id, ttl).await {
        Ok(s) => s,
        Err(e) => return store_error(e),
    };
    let actor = format!("user:{}", user.username);
    audit(st, &actor, "login", "/admin/v1/session", StatusCode::OK).await;
    let mut r = Json(SessionView {
        actor,
        role: user.role.to_string(),
        domains: user.domains,
        csrf_token: Some(s.session.csrf_token),
        expires_at: Some(s.session.expires_at),
    })
    .into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&s.cookie, SESSION_TTL.as_secs(), secure),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Who is calling (any credential), with the CSRF token of a console session.
#[utoipa::path(get, path = "/admin/v1/session", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = SessionView)))]
pub async fn me(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> Response {
    let session = match auth::cookie(&headers, SESSION_COOKIE) {
        Some(c) if matches!(p.via, Via::Session { .. }) => st.store.session(c).await.ok().flatten(),
        _ => None,
    };
    let mut r = Json(SessionView {
        actor: p.actor,
        role: p.role.to_string(),
        domains: p.domains,
        csrf_token: session.as_ref().map(|s| s.csrf_token.clone()),
        expires_at: session.map(|s| s.expires_at),
    })
    .into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Log out: ends the console session and clears the cookie (a bearer caller: nothing to end).
#[utoipa::path(delete, path = "/admin/v1/session", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 204, description = "logged out")))]
pub async fn logout(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> Response {
    if let (Via::Session { .. }, Some(c)) = (&p.via, auth::cookie(&headers, SESSION_COOKIE)) {
        if let Err(e) = st.store.delete_session(c).await {
            return store_error(e);
        }
    }
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie("", 0, secure_request(&st, &headers)),
    );
    r
}

/// Change the logged-in user's password (ends the user's other sessions, this one included: log in again).
#[utoipa::path(post, path = "/admin/v1/session/password", tag = "admin", security(("session" = [])), request_body = PasswordBody,
    responses(
        (status = 204, description = "changed; every session of the user ended"),
        (status = 400, description = "invalid body or new password", body = AdminError),
        (status = 403, description = "`forbidden`: wrong current password, missing CSRF token", body = AdminError),
        (status = 409, description = "`conflict`: the caller is a token, not a console user", body = AdminError)
    ))]
pub async fn change_password(
    State(st): State<AppState>,
    Extension(p): Extension<Principal>,
    body: JsonBody<PasswordBody>,
) -> Response {
    let b = match json_body(body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Via::Session { user_id } = p.via else {
        return admin_error(
            StatusCode::CONFLICT,
            "conflict",
            "only a console user has a password",
        );
    };
    if let Err(e) = jikji_store::check_password(&b.new_password) {
        return store_error(e);
    }
    let name = p.actor.strip_prefix("user:").unwrap_or_default();
    match st.store.check_login(name, &b.current_password).await {
        Ok(Some(u)) if u.id == user_id => {}
        Ok(_) => return auth::forbidden("the current password is wrong"),
        Err(e) => return store_error(e),
    }
    let patch = UserPatch {
        password: Some(b.new_password),
        ..Default::default()
    };
    match st.store.update_user(user_id, patch).await {
        Ok(Some(_)) => StatusCode::NO_CONTENT.into_response(),
        Ok(None) => admin_error(StatusCode::NOT_FOUND, "not_found", "the user is gone"),
        Err(e) => store_error(e),
    }
}

type IdPath = Result<Path<i64>, axum::extract::rejection::PathRejection>;

fn path_id(p: IdPath) -> Result<i64, Response> {
    p.map(|Path(id)| id)
        .map_err(|e| invalid(format!("id: {}", e.body_text())))
}

fn user_not_found(id: i64) -> Response {
    admin_error(StatusCode::NOT_FOUND, "not_found", format!("no user {id}"))
}

fn last_admin() -> Response {
    admin_error(
        StatusCode::CONFLICT,
        "conflict",
        "the last admin user cannot be removed or demoted",
    )
}

#[utoipa::path(get, path = "/admin/v1/users", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<UserView>)))]
pub async fn list_users(State(st): State<AppState>) -> Response {
    match st.store.list_users().await {
        Ok(us) => Json(us.into_iter().map(UserView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/users", tag = "admin", security(("bearer" = []), ("session" = [])), request_body = CreateUser,
    responses(
        (status = 201, body = UserView),
        (status = 400, description = "invalid body, name taken", body = AdminError)
    ))]
pub async fn create_user(State(st): State<AppState>, body: JsonBody<CreateUser>) -> Response {
    let c = match json_body(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let new = NewUser {
        username: c.username,
        password: c.password,
        role: c.role.role(),
        domains: c.domains,
    };
    match st.store.create_user(new).await {
        Ok(u) => (StatusCode::CREATED, Json(UserView::from(u))).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(patch, path = "/admin/v1/users/{id}", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path)), request_body = PatchUser,
    responses(
        (status = 200, body = UserView),
        (status = 400, description = "invalid body or id", body = AdminError),
        (status = 409, description = "`conflict`: the last admin cannot be demoted", body = AdminError)
    ))]
pub async fn update_user(
    State(st): State<AppState>,
    id: IdPath,
    body: JsonBody<PatchUser>,
) -> Response {
    let id = match path_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let p = match json_body(body) {
        Ok(p) => p,
        Err(r) => return r,
    };
    if let Some(pw) = p.password.as_deref() {
        if let Err(e) = jikji_store::check_password(pw) {
            return store_error(e);
        }
    }
    let current = match st.store.get_user(id).await {
        Ok(Some(u)) => u,
        Ok(None) => return user_not_found(id),
        Err(e) => return store_error(e),
    };
    let demoted = current.role == Role::Admin && p.role.is_some_and(|r| r.role() != Role::Admin);
    if demoted && st.store.count_admins().await.unwrap_or(0) <= 1 {
        return last_admin();
    }
    let patch = UserPatch {
        role: p.role.map(RoleName::role),
        domains: p.domains,
        password: p.password,
    };
    match st.store.update_user(id, patch).await {
        Ok(Some(u)) => Json(UserView::from(u)).into_response(),
        Ok(None) => user_not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(delete, path = "/admin/v1/users/{id}", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path)),
    responses(
        (status = 204, description = "deleted (and its sessions ended)"),
        (status = 400, description = "id is not an integer", body = AdminError),
        (status = 409, description = "`conflict`: the last admin cannot be deleted", body = AdminError)
    ))]
pub async fn delete_user(State(st): State<AppState>, id: IdPath) -> Response {
    let id = match path_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    let u = match st.store.get_user(id).await {
        Ok(Some(u)) => u,
        Ok(None) => return user_not_found(id),
        Err(e) => return store_error(e),
    };
    if u.role == Role::Admin && st.store.count_admins().await.unwrap_or(0) <= 1 {
        return last_admin();
    }
    match st.store.delete_user(id).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => user_not_found(id),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(get, path = "/admin/v1/tokens", tag = "admin", security(("bearer" = []), ("session" = [])),
    responses((status = 200, body = Vec<TokenView>)))]
pub async fn list_tokens(State(st): State<AppState>) -> Response {
    match st.store.list_tokens().await {
        Ok(ts) => Json(ts.into_iter().map(TokenView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(post, path = "/admin/v1/tokens", tag = "admin", security(("bearer" = []), ("session" = [])), request_body = CreateToken,
    responses(
        (status = 201, body = CreatedTokenView),
        (status = 400, description = "invalid body", body = AdminError)
    ))]
pub async fn create_token(State(st): State<AppState>, body: JsonBody<CreateToken>) -> Response {
    let c = match json_body(body) {
        Ok(c) => c,
        Err(r) => return r,
    };
    match st
        .store
        .create_token(&c.name, c.role.role(), c.domains)
        .await
    {
        Ok(t) => (
            StatusCode::CREATED,
            Json(CreatedTokenView {
                token: TokenView::from(t.token),
                secret: t.secret,
            }),
        )
            .into_response(),
        Err(e) => store_error(e),
    }
}

#[utoipa::path(delete, path = "/admin/v1/tokens/{id}", tag = "admin", security(("bearer" = []), ("session" = [])),
    params(("id" = i64, Path)),
    responses((status = 204, description = "deleted"), (status = 400, description = "id is not an integer", body = AdminError)))]
pub async fn delete_token(State(st): State<AppState>, id: IdPath) -> Response {
    let id = match path_id(id) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match st.store.delete_token(id).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => admin_error(StatusCode::NOT_FOUND, "not_found", format!("no token {id}")),
        Err(e) => store_error(e),
    }
}

/// The audit log, newest first.
#[utoipa::path(get, path = "/admin/v1/audit", tag = "admin", security(("bearer" = []), ("session" = [])), params(AuditQuery),
    responses((status = 200, body = Vec<AuditView>), (status = 400, description = "invalid query", body = AdminError)))]
pub async fn audit_log(
    State(st): State<AppState>,
    q: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return invalid(e.body_text()),
    };
    let limit = q.limit.unwrap_or(AUDIT_PAGE_DEFAULT);
    if !(1..=jikji_store::AUDIT_PAGE_MAX).contains(&limit) {
        return invalid(format!("limit must be 1..={}", jikji_store::AUDIT_PAGE_MAX));
    }
    match st.store.audit_log(limit, q.before).await {
        Ok(es) => Json(es.into_iter().map(AuditView::from).collect::<Vec<_>>()).into_response(),
        Err(e) => store_error(e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_published_name_pattern_is_the_stores_rule() {
        let doc = serde_json::to_value(<crate::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
        assert!(doc
            .to_string()
            .contains(&serde_json::to_string(super::ACCOUNT_NAME_PATTERN).unwrap()));
        for ok in ["admin", "a.b@c-d_e"] {
            assert!(jikji_store::check_account_name(ok).is_ok());
        }
    }

    #[test]
    fn cookies_are_httponly_and_strict() {
        let c = super::session_cookie("v", 60, true);
        let c = c.to_str().unwrap();
        for part in [
            "jikji_session=v",
            "HttpOnly",
            "SameSite=Strict",
            "Max-Age=60",
            "Secure",
            "Path=/",
        ] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!super::session_cookie("v", 60, false)
            .to_str()
            .unwrap()
            .contains("Secure"));
    }
}
