//! Who is calling the admin API, and what they may do.
//!
//! Three credentials open `/admin/v1/…`:
//! - the configured admin token (`Authorization: Bearer <admin_token>`): role `admin`, as before;
//! - an API token (`Bearer jkt_…`, `jikji user token create` or `POST /admin/v1/tokens`): its role;
//! - a console session cookie (`jikji_session`, from `POST /admin/v1/session`): the user's role.
//!   Every state-changing request made with the cookie must carry the session's CSRF token in the
//!   `X-CSRF-Token` header (the cookie is also `SameSite=Strict`; two independent defences).
//!
//! [`gate`] runs on every admin route: it finds the [`Principal`], checks the route's
//! [`required_role`] and the principal's domain restriction, and writes every state-changing
//! request it let through to the audit log (who, method and route, path, status — never a body).
//! Failed credentials of any kind count towards the per-address [`LoginThrottle`].

use crate::admin::{admin_error, AdminGate, LoginThrottle};
use crate::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use jikji_store::Role;
use sha2::{Digest, Sha256};
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq;

/// The console's session cookie.
pub const SESSION_COOKIE: &str = "jikji_session";
/// The header carrying the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// `POST` here logs in (no credential needed); `GET` tells who is calling; `DELETE` logs out.
pub const LOGIN_ROUTE: &str = "/admin/v1/session";
/// How long a console login lasts: a working day, after which the user logs in again.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    AdminToken,
    ApiToken,
    /// A console session: the user's id.
    Session {
        user_id: i64,
    },
}

/// The authenticated caller of an admin route.
#[derive(Debug, Clone)]
pub struct Principal {
    /// For the audit log: `admin-token`, `token:NAME`, `user:NAME`.
    pub actor: String,
    pub role: Role,
    /// Domain ids it may see; `None` = all.
    pub domains: Option<Vec<i64>>,
    pub via: Via,
}

impl Principal {
    /// May it see domain `id`?
    pub fn sees(&self, id: i64) -> bool {
        self.domains.as_ref().is_none_or(|d| d.contains(&id))
    }
}

/// The least role a route needs. Reading is for everyone; templates and try-it for operators;
/// everything that shows or changes a secret, and users, tokens and the audit log, for admins.
pub fn required_role(method: &Method, route: &str) -> Role {
    let read = method == Method::GET || method == Method::HEAD;
    if route.starts_with("/admin/v1/users")
        || route.starts_with("/admin/v1/tokens")
        || route.starts_with("/admin/v1/webhooks")
        || route.starts_with("/admin/v1/audit")
    {
        return Role::Admin;
    }
    if route.starts_with("/admin/v1/session") {
        return Role::Viewer;
    }
    if read {
        return Role::Viewer;
    }
    if route.starts_with("/admin/v1/domains/{id}/templates")
        || route.starts_with("/admin/v1/domains/{id}/try/")
        || route.starts_with("/admin/v1/domains/{id}/corrections")
        || route == "/admin/v1/searchable-pdf"
        || route.starts_with("/admin/v1/batch/")
    {
        return Role::Operator;
    }
    Role::Admin
}

/// The client address of a request (inserted by `serve_listener`); `None` in-process.
pub fn client_ip(req: &Request) -> Option<IpAddr> {
    req.extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

/// Why no principal was found.
pub enum Denied {
    /// No admin token configured and no accounts: the admin API is off (404).
    Disabled,
    /// No credential, or a wrong one (401; counts as a failure).
    Unauthorized,
    Store,
}

/// The actor named in audit entries and corrections for calls made with the configured admin
/// token (API tokens are `token:NAME`, console users `user:NAME`).
pub const ADMIN_TOKEN_ACTOR: &str = "admin-token";

/// The principal of `headers`, without CSRF or role checks.
pub async fn principal(st: &AppState, headers: &HeaderMap) -> Result<Principal, Denied> {
    if let Some(presented) = bearer(headers) {
        if let Some(expected) = st.admin_token_sha256() {
            let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
            if !presented.is_empty() && bool::from(digest.ct_eq(expected)) {
                return Ok(Principal {
                    actor: ADMIN_TOKEN_ACTOR.into(),
                    role: Role::Admin,
                    domains: None,
                    via: Via::AdminToken,
                });
            }
        }
        return match st.store.find_token(presented).await {
            Ok(Some(t)) => Ok(Principal {
                actor: format!("token:{}", t.name),
                role: t.role,
                domains: t.domains,
                via: Via::ApiToken,
            }),
            Ok(None) => Err(disabled_or(st, Denied::Unauthorized).await),
            Err(e) => {
                tracing::error!(error = %e, "token lookup failed");
                Err(Denied::Store)
            }
        };
    }
    if let Some(c) = cookie(headers, SESSION_COOKIE) {
        return match st.store.session(c).await {
            Ok(Some(s)) => Ok(Principal {
                actor: format!("user:{}", s.user.username),
                role: s.user.role,
                domains: s.user.domains,
                via: Via::Session { user_id: s.user.id },
            }),
            Ok(None) => Err(Denied::Unauthorized),
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                Err(Denied::Store)
            }
        };
    }
    Err(disabled_or(st, Denied::Unauthorized).await)
}

/// `Disabled` when nothing could ever open the admin API, else `other`.
async fn disabled_or(st: &AppState, other: Denied) -> Denied {
    if st.admin_token_sha256().is_some() {
        return other;
    }
    match st.store.has_accounts().await {
        Ok(false) => Denied::Disabled,
        _ => other,
    }
}

/// The CSRF token of the session in `headers`, if it is a live one.
async fn session_csrf(st: &AppState, headers: &HeaderMap) -> Option<String> {
    let c = cookie(headers, SESSION_COOKIE)?;
    st.store
        .session(c)
        .await
        .ok()
        .flatten()
        .map(|s| s.csrf_token)
}

pub fn throttled(wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut r = admin_error(
        StatusCode::TOO_MANY_REQUESTS,
        "throttled",
        format!("too many failed admin logins from this address; retry in {secs} s"),
    );
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    r
}

pub fn unauthorized() -> Response {
    let mut r = admin_error(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "missing or wrong admin bearer token, API token or session",
    );
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

pub fn forbidden(message: impl Into<String>) -> Response {
    admin_error(StatusCode::FORBIDDEN, "forbidden", message)
}

/// Records a failed credential; logs (without address or credential) when it starts a wait.
pub fn note_failure(st: &AppState, throttle: &LoginThrottle, ip: Option<IpAddr>) {
    st.metrics
        .admin_auth_failures
        .with_label_values(&["unauthorized"])
        .inc();
    if let Some(ip) = ip {
        if let Some(wait) = throttle.failure(ip, Instant::now()) {
            tracing::warn!(
                wait_secs = wait.as_secs(),
                "admin authentication failures: client throttled"
            );
        }
    }
}

/// `Err(429)` while the client must wait after failed logins.
pub fn check_throttle(
    st: &AppState,
    throttle: &LoginThrottle,
    ip: Option<IpAddr>,
) -> Result<(), Response> {
    if let Some(ip) = ip {
        if let Err(wait) = throttle.check(ip, Instant::now()) {
            st.metrics
                .admin_auth_failures
                .with_label_values(&["throttled"])
                .inc();
            return Err(throttled(wait));
        }
    }
    Ok(())
}

/// The domain id in an admin path `/admin/v1/domains/{id}/…`, when it is a number.
fn path_domain(path: &str) -> Option<i64> {
    path.strip_prefix("/admin/v1/domains/")?
        .split('/')
        .next()?
        .parse()
        .ok()
}

/// The admin gate: authentication, CSRF, role, domain restriction, audit. See the module docs.
pub async fn gate(State(gate): State<AdminGate>, mut req: Request, next: Next) -> Response {
    let st = &gate.state;
    if req.method() == Method::POST
        && req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
            == Some(LOGIN_ROUTE)
    {
        // Login is the one admin route without a credential (it is where one is obtained); it
        // throttles failed attempts with the gate's throttle.
        req.extensions_mut().insert(gate.throttle.clone());
        return next.run(req).await;
    }
    let ip = client_ip(&req);
    if let Err(r) = check_throttle(st, &gate.throttle, ip) {
        return r;
    }
    let p = match principal(st, req.headers()).await {
        Ok(p) => p,
        Err(Denied::Disabled) => {
            return admin_error(
                StatusCode::NOT_FOUND,
                "disabled",
                "the admin API is disabled (no admin token configured and no console accounts)",
            )
        }
        Err(Denied::Store) => {
            return admin_error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "store error")
        }
        Err(Denied::Unauthorized) => {
            note_failure(st, &gate.throttle, ip);
            return unauthorized();
        }
    };
    if let Some(ip) = ip {
        gate.throttle.success(ip);
    }
    let method = req.method().clone();
    let safe = method == Method::GET || method == Method::HEAD;
    if let Via::Session { .. } = p.via {
        if !safe {
            let sent = req
                .headers()
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let expected = session_csrf(st, req.headers()).await.unwrap_or_default();
            if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
                return forbidden("missing or wrong X-CSRF-Token header");
            }
        }
    }
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let need = required_role(&method, &route);
    if p.role < need {
        return forbidden(format!(
            "the {} role may not do this (needs {need})",
            p.role
        ));
    }
    // A batch job names its domain in its body and lists every domain's jobs: only accounts that
    // see every domain work with batch jobs.
    if route.starts_with("/admin/v1/batch/") && p.domains.is_some() {
        return forbidden("batch jobs need an account that is not restricted to some domains");
    }
    let path = req.uri().path().to_string();
    if let Some(id) = path_domain(&path) {
        if !p.sees(id) {
            return forbidden(format!("no access to domain {id}"));
        }
    }
    req.extensions_mut().insert(p.clone());
    let resp = next.run(req).await;
    if !safe {
        let action = format!("{method} {route}");
        if let Err(e) = st
            .store
            .audit(&p.actor, &action, &path, resp.status().as_u16())
            .await
        {
            tracing::error!(error = %e, "writing the audit log failed");
        }
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_per_route() {
        let get = Method::GET;
        let post = Method::POST;
        assert_eq!(required_role(&get, "/admin/v1/domains"), Role::Viewer);
        assert_eq!(required_role(&post, "/admin/v1/domains"), Role::Admin);
        assert_eq!(
            required_role(&post, "/admin/v1/domains/{id}/rotate-secret"),
            Role::Admin
        );
        assert_eq!(
            required_role(&Method::PATCH, "/admin/v1/domains/{id}"),
            Role::Admin
        );
        assert_eq!(
            required_role(&post, "/admin/v1/domains/{id}/templates"),
            Role::Operator
        );
        assert_eq!(
            required_role(&post, "/admin/v1/domains/{id}/try/{operation}"),
            Role::Operator
        );
        assert_eq!(required_role(&get, "/admin/v1/users"), Role::Admin);
        assert_eq!(required_role(&get, "/admin/v1/audit"), Role::Admin);
        assert_eq!(
            required_role(&Method::DELETE, "/admin/v1/session"),
            Role::Viewer
        );
        // an unknown route defaults to the strictest role
        assert_eq!(required_role(&post, "/admin/v1/something-new"), Role::Admin);
    }

    #[test]
    fn cookies_and_paths() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; jikji_session=abc ; b=2"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        assert_eq!(path_domain("/admin/v1/domains/12/usage"), Some(12));
        assert_eq!(path_domain("/admin/v1/domains/x"), None);
        assert_eq!(path_domain("/admin/v1/users/3"), None);
    }
}
