//! Console accounts and roles over the admin API: every admin route × every role (by session and by
//! API token), CSRF, login throttling, logout, password change, domain restriction, the audit log,
//! and the embedded console pages. Stand-in engine; no models needed.

mod common;

use common::*;
use jikji_store::{DomainKind, NewUser, Role};
use reqwest::Method;
use serde_json::{json, Value};

const TOKEN: &str = "0123456789abcdef0123456789abcdef-admin";
const PASSWORD: &str = "correct horse battery";

/// A logged-in console user: the cookie header value and the CSRF token.
struct Login {
    cookie: String,
    csrf: String,
}

async fn user(srv: &Srv, name: &str, role: Role, domains: Option<Vec<i64>>) {
    srv.store
        .create_user(NewUser {
            username: name.into(),
            password: PASSWORD.into(),
            role,
            domains,
        })
        .await
        .unwrap();
}

async fn login(srv: &Srv, name: &str, password: &str) -> reqwest::Response {
    srv.client
        .post(format!("{}/admin/v1/session", srv.base))
        .json(&json!({"username": name, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn logged_in(srv: &Srv, name: &str) -> Login {
    logged_in_with(srv, name, PASSWORD).await
}

async fn logged_in_with(srv: &Srv, name: &str, password: &str) -> Login {
    let r = login(srv, name, password).await;
    assert_eq!(r.status(), 200);
    let set = r.headers()["set-cookie"].to_str().unwrap().to_string();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(part), "{set}");
    }
    assert!(
        !set.contains("Secure"),
        "plain HTTP, no trusted proxy: {set}"
    );
    let cookie = set.split(';').next().unwrap().to_string();
    let v: Value = r.json().await.unwrap();
    Login {
        cookie,
        csrf: v["csrf_token"].as_str().unwrap().to_string(),
    }
}

/// How a request authenticates.
enum Cred<'a> {
    Session(&'a Login),
    Bearer(&'a str),
}

async fn call(
    srv: &Srv,
    cred: &Cred<'_>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut rq = srv.client.request(method, format!("{}{}", srv.base, path));
    match cred {
        Cred::Session(l) => {
            rq = rq
                .header("Cookie", &l.cookie)
                .header("X-CSRF-Token", &l.csrf)
        }
        Cred::Bearer(t) => rq = rq.bearer_auth(t),
    }
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

/// Every admin route (but logout and login), with a body that passes the gate, and the least role
/// it needs. `{d}` is a fresh general domain per call, `{t}` a template domain.
fn routes() -> Vec<(Method, &'static str, Option<Value>, Role)> {
    let png = b64(&png(40, 20));
    let ocr = json!({"version":"V2","requestId":"r","timestamp":0,"images":[{"format":"png","name":"a","data": png}]});
    vec![
        (Method::GET, "/admin/v1/domains", None, Role::Viewer),
        (
            Method::POST,
            "/admin/v1/domains",
            Some(json!({"name":"made"})),
            Role::Admin,
        ),
        (Method::GET, "/admin/v1/domains/{d}", None, Role::Viewer),
        (
            Method::PATCH,
            "/admin/v1/domains/{d}",
            Some(json!({"name":"renamed"})),
            Role::Admin,
        ),
        (Method::DELETE, "/admin/v1/domains/{d}", None, Role::Admin),
        (
            Method::POST,
            "/admin/v1/domains/{d}/rotate-secret",
            None,
            Role::Admin,
        ),
        (
            Method::GET,
            "/admin/v1/domains/{d}/usage",
            None,
            Role::Viewer,
        ),
        (
            Method::POST,
            "/admin/v1/domains/{d}/try/general",
            Some(ocr),
            Role::Operator,
        ),
        (
            Method::GET,
            "/admin/v1/domains/{t}/templates",
            None,
            Role::Viewer,
        ),
        (
            Method::POST,
            "/admin/v1/domains/{t}/templates",
            Some(json!({})),
            Role::Operator,
        ),
        (
            Method::POST,
            "/admin/v1/domains/{t}/templates/sample",
            Some(json!({})),
            Role::Operator,
        ),
        (
            Method::GET,
            "/admin/v1/domains/{t}/templates/999",
            None,
            Role::Viewer,
        ),
        (
            Method::PUT,
            "/admin/v1/domains/{t}/templates/999",
            Some(json!({})),
            Role::Operator,
        ),
        (
            Method::DELETE,
            "/admin/v1/domains/{t}/templates/999",
            None,
            Role::Operator,
        ),
        (
            Method::POST,
            "/admin/v1/domains/{t}/templates/999/test",
            Some(json!({})),
            Role::Operator,
        ),
        (
            Method::POST,
            "/admin/v1/domains/{t}/templates/999/release",
            None,
            Role::Operator,
        ),
        (
            Method::POST,
            "/admin/v1/domains/{t}/templates/999/rollback",
            None,
            Role::Operator,
        ),
        (Method::GET, "/admin/v1/session", None, Role::Viewer),
        (
            Method::POST,
            "/admin/v1/session/password",
            Some(json!({})),
            Role::Viewer,
        ),
        (Method::GET, "/admin/v1/users", None, Role::Admin),
        (
            Method::POST,
            "/admin/v1/users",
            Some(json!({})),
            Role::Admin,
        ),
        (
            Method::PATCH,
            "/admin/v1/users/999999",
            Some(json!({})),
            Role::Admin,
        ),
        (Method::DELETE, "/admin/v1/users/999999", None, Role::Admin),
        (Method::GET, "/admin/v1/tokens", None, Role::Admin),
        (
            Method::POST,
            "/admin/v1/tokens",
            Some(json!({})),
            Role::Admin,
        ),
        (Method::DELETE, "/admin/v1/tokens/999999", None, Role::Admin),
        (Method::GET, "/admin/v1/audit", None, Role::Admin),
        (Method::GET, "/admin/v1/domains/{d}/corrections", None, Role::Viewer),
        (
            Method::POST,
            "/admin/v1/domains/{d}/corrections",
            Some(json!({})),
            Role::Operator,
        ),
        (Method::GET, "/admin/v1/domains/{d}/corrections/export", None, Role::Viewer),
        (
            Method::DELETE,
            "/admin/v1/domains/{d}/corrections/77777",
            None,
            Role::Operator,
        ),
        (Method::GET, "/admin/v1/domains/{d}/corrections/77777/crop", None, Role::Viewer),
        (Method::POST, "/admin/v1/searchable-pdf", None, Role::Operator),
        (Method::GET, "/admin/v1/domains/{d}/usage/daily", None, Role::Viewer),
        (Method::GET, "/admin/v1/webhooks/deliveries", None, Role::Admin),
        (Method::GET, "/admin/v1/batch/jobs", None, Role::Viewer),
        (Method::POST, "/admin/v1/batch/jobs", Some(json!({})), Role::Operator),
        (Method::GET, "/admin/v1/batch/jobs/999999", None, Role::Viewer),
        (Method::POST, "/admin/v1/batch/jobs/999999/pause", None, Role::Operator),
        (Method::POST, "/admin/v1/batch/jobs/999999/resume", None, Role::Operator),
        (Method::POST, "/admin/v1/batch/jobs/999999/cancel", None, Role::Operator),
    ]
}

/// Every route the router serves under /admin/v1 is in the table above (a new route must be added
/// there, with the role it needs).
#[test]
fn the_route_table_covers_the_openapi_document() {
    let doc = serde_json::to_value(<jikji_server::ApiDoc as utoipa::OpenApi>::openapi()).unwrap();
    let table: Vec<(String, String)> = routes()
        .into_iter()
        .map(|(m, p, _, _)| {
            (
                m.as_str().to_lowercase(),
                p.replace("{d}", "{id}")
                    .replace("{t}", "{id}")
                    .replace("999999", "{id}")
                    .replace("999", "{templateId}")
                    .replace("77777", "{correctionId}")
                    .replace("try/general", "try/{operation}"),
            )
        })
        .collect();
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/admin/v1/") {
            continue;
        }
        for m in item.as_object().unwrap().keys() {
            let logout_or_login = path == "/admin/v1/session" && (m == "delete" || m == "post");
            assert!(
                logout_or_login || table.contains(&(m.clone(), path.clone())),
                "{m} {path} is not in the role table of this test"
            );
        }
    }
}

async fn check_every_route(srv: &Srv, role: Role, cred: &Cred<'_>, secrets: &mut Vec<String>) {
    for (method, path, body, need) in routes() {
        let (d, secret) = srv.general().await;
        secrets.push(secret);
        let (t, _) = srv.domain(DomainKind::Template, |_| {}).await;
        let p = path
            .replace("{d}", &d.id.to_string())
            .replace("{t}", &t.id.to_string());
        let (status, text) = call(srv, cred, method.clone(), &p, body).await;
        if role >= need {
            assert!(
                status != 401 && status != 403,
                "{role} {method} {p}: {status} {text}"
            );
        } else {
            assert_eq!(status, 403, "{role} {method} {p}: {text}");
            let v: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(v["error"], "forbidden", "{text}");
        }
        if role < Role::Admin {
            for s in secrets.iter() {
                assert!(
                    !text.contains(s.as_str()),
                    "{role} saw a secret at {method} {p}"
                );
            }
            assert!(
                !text.contains("\"secret\""),
                "{role} got a secret member at {method} {p}: {text}"
            );
            assert!(
                !text.contains("username"),
                "{role} saw users at {method} {p}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn every_route_times_every_role_by_session_and_by_token() {
    let srv = Srv::start(|c| c.admin_token = Some(TOKEN.into()), Some(Fake::ok())).await;
    let mut secrets = Vec::new();
    for role in [Role::Viewer, Role::Operator, Role::Admin] {
        let name = format!("u-{role}");
        user(&srv, &name, role, None).await;
        let l = logged_in(&srv, &name).await;
        let before = srv.store.list_domains().await.unwrap();
        check_every_route(&srv, role, &Cred::Session(&l), &mut secrets).await;
        if role == Role::Viewer {
            // the viewer changed nothing: only the fixtures made by the test itself are new
            let after = srv.store.list_domains().await.unwrap();
            for d in &before {
                assert!(after.contains(d), "viewer changed domain {}", d.id);
            }
            assert_eq!(srv.store.list_users().await.unwrap().len(), 1);
        }
        let tok = srv
            .store
            .create_token(&format!("t-{role}"), role, None)
            .await
            .unwrap();
        check_every_route(&srv, role, &Cred::Bearer(&tok.secret), &mut secrets).await;
    }
    // the configured admin token is still the admin
    check_every_route(&srv, Role::Admin, &Cred::Bearer(TOKEN), &mut secrets).await;
}

#[tokio::test]
async fn csrf_is_required_for_changes_by_session() {
    let srv = Srv::start(|c| c.admin_token = Some(TOKEN.into()), Some(Fake::ok())).await;
    user(&srv, "boss", Role::Admin, None).await;
    let l = logged_in(&srv, "boss").await;
    let post = |csrf: Option<&str>| {
        let mut rq = srv
            .client
            .post(format!("{}/admin/v1/domains", srv.base))
            .header("Cookie", &l.cookie)
            .json(&json!({"name": "x"}));
        if let Some(c) = csrf {
            rq = rq.header("X-CSRF-Token", c);
        }
        rq.send()
    };
    let r = post(None).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "forbidden");
    assert_eq!(post(Some("wrong")).await.unwrap().status(), 403);
    assert!(
        srv.store.list_domains().await.unwrap().is_empty(),
        "nothing was created"
    );
    assert_eq!(post(Some(&l.csrf)).await.unwrap().status(), 201);
    // reading needs no CSRF token
    let r = srv
        .client
        .get(format!("{}/admin/v1/domains", srv.base))
        .header("Cookie", &l.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn failed_logins_are_throttled_and_audited_without_names() {
    let srv = Srv::start(|c| c.admin_auth_free_failures = 2, Some(Fake::ok())).await;
    user(&srv, "boss", Role::Admin, None).await;
    assert_eq!(login(&srv, "boss", "wrong password").await.status(), 401);
    assert_eq!(login(&srv, "nobody", "wrong password").await.status(), 401);
    // the third failure starts a wait
    assert_eq!(login(&srv, "boss", "wrong password 3").await.status(), 401);
    let r = login(&srv, "boss", PASSWORD).await;
    assert_eq!(r.status(), 429, "even the right password waits");
    assert!(r.headers().contains_key("retry-after"));
    let log = srv.store.audit_log(100, None).await.unwrap();
    assert_eq!(log.iter().filter(|e| e.action == "login-failed").count(), 3);
    for e in &log {
        assert!(
            !e.actor.contains("nobody") && !e.target.contains("wrong"),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn logout_and_password_change_end_sessions() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    user(&srv, "ops", Role::Operator, None).await;
    let l = logged_in(&srv, "ops").await;
    let cred = Cred::Session(&l);
    assert_eq!(
        call(&srv, &cred, Method::GET, "/admin/v1/domains", None)
            .await
            .0,
        200
    );
    // wrong current password
    let (s, _) = call(
        &srv,
        &cred,
        Method::POST,
        "/admin/v1/session/password",
        Some(json!({"current_password": "nope nope", "new_password": "a new password"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, t) = call(
        &srv,
        &cred,
        Method::POST,
        "/admin/v1/session/password",
        Some(json!({"current_password": PASSWORD, "new_password": "short"})),
    )
    .await;
    assert_eq!(s, 400, "{t}");
    let (s, _) = call(
        &srv,
        &cred,
        Method::POST,
        "/admin/v1/session/password",
        Some(json!({"current_password": PASSWORD, "new_password": "a new password"})),
    )
    .await;
    assert_eq!(s, 204);
    assert_eq!(
        call(&srv, &cred, Method::GET, "/admin/v1/domains", None)
            .await
            .0,
        401,
        "session ended"
    );
    assert_eq!(login(&srv, "ops", PASSWORD).await.status(), 401);
    let l = logged_in_with(&srv, "ops", "a new password").await;
    let cred = Cred::Session(&l);
    let r = srv
        .client
        .delete(format!("{}/admin/v1/session", srv.base))
        .header("Cookie", &l.cookie)
        .header("X-CSRF-Token", &l.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(
        call(&srv, &cred, Method::GET, "/admin/v1/domains", None)
            .await
            .0,
        401
    );
    // the audit log has the changes, never a password
    let log = srv.store.audit_log(100, None).await.unwrap();
    assert!(
        log.iter().any(|e| e.actor == "user:ops"
            && e.action == "POST /admin/v1/session/password"
            && e.status == 204),
        "{log:?}"
    );
    assert!(
        log.iter().any(|e| e.action == "DELETE /admin/v1/session"),
        "{log:?}"
    );
    let all = format!("{log:?}");
    assert!(!all.contains("a new password") && !all.contains(PASSWORD));
}

#[tokio::test]
async fn domain_restriction_hides_other_domains() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (a, _) = srv.general().await;
    let (b, _) = srv.general().await;
    user(&srv, "shop-a", Role::Operator, Some(vec![a.id])).await;
    let l = logged_in(&srv, "shop-a").await;
    let cred = Cred::Session(&l);
    let (s, t) = call(&srv, &cred, Method::GET, "/admin/v1/domains", None).await;
    assert_eq!(s, 200);
    let v: Value = serde_json::from_str(&t).unwrap();
    let ids: Vec<i64> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![a.id]);
    assert_eq!(
        call(
            &srv,
            &cred,
            Method::GET,
            &format!("/admin/v1/domains/{}", b.id),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        call(
            &srv,
            &cred,
            Method::GET,
            &format!("/admin/v1/domains/{}/usage", a.id),
            None
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn try_it_runs_ocr_without_the_secret_and_counts_usage() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let (d, _) = srv.general().await;
    user(&srv, "ops", Role::Operator, None).await;
    let l = logged_in(&srv, "ops").await;
    let form = reqwest::multipart::Form::new()
        .text("message", r#"{"version":"V2","requestId":"t","timestamp":0,"images":[{"format":"png","name":"p"}]}"#)
        .part("file", reqwest::multipart::Part::bytes(png(60, 30)).file_name("p.png"));
    let r = srv
        .client
        .post(format!(
            "{}/admin/v1/domains/{}/try/general",
            srv.base, d.id
        ))
        .header("Cookie", &l.cookie)
        .header("X-CSRF-Token", &l.csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let (_, v) = expect_ok(r).await;
    assert_eq!(v["images"][0]["fields"][0]["inferText"], "다양한");
    // Usage is counted in memory and written by the flusher (every `usage_flush_ms`).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let usage = loop {
        let usage = srv.store.usage(d.id, None).await.unwrap();
        if !usage.is_empty() || std::time::Instant::now() > deadline {
            break usage;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(usage[0].calls, 1);
    let (s, _) = call(
        &srv,
        &Cred::Session(&l),
        Method::POST,
        &format!("/admin/v1/domains/{}/try/bogus", d.id),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn the_admin_api_opens_with_accounts_even_without_an_admin_token() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let r = srv
        .client
        .get(format!("{}/admin/v1/domains", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "no token, no accounts: disabled as before");
    user(&srv, "boss", Role::Admin, None).await;
    let r = srv
        .client
        .get(format!("{}/admin/v1/domains", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let l = logged_in(&srv, "boss").await;
    assert_eq!(
        call(
            &srv,
            &Cred::Session(&l),
            Method::GET,
            "/admin/v1/domains",
            None
        )
        .await
        .0,
        200
    );
    // the last admin cannot be removed or demoted
    let id = srv
        .store
        .get_user_by_name("boss")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        call(
            &srv,
            &Cred::Session(&l),
            Method::DELETE,
            &format!("/admin/v1/users/{id}"),
            None
        )
        .await
        .0,
        409
    );
    assert_eq!(
        call(
            &srv,
            &Cred::Session(&l),
            Method::PATCH,
            &format!("/admin/v1/users/{id}"),
            Some(json!({"role":"viewer"}))
        )
        .await
        .0,
        409
    );
}

#[tokio::test]
async fn secure_cookie_behind_a_trusted_tls_proxy() {
    let srv = Srv::start(|c| c.trust_forwarded_proto = true, Some(Fake::ok())).await;
    user(&srv, "boss", Role::Admin, None).await;
    let r = srv
        .client
        .post(format!("{}/admin/v1/session", srv.base))
        .header("X-Forwarded-Proto", "https")
        .json(&json!({"username": "boss", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("; Secure"));
}

#[tokio::test]
async fn console_pages_are_embedded_with_a_strict_policy() {
    let srv = Srv::start(|_| {}, Some(Fake::ok())).await;
    let nofollow = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = nofollow
        .get(format!("{}/console", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 308);
    let r = srv
        .client
        .get(format!("{}/console/", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(r.text().await.unwrap().contains("app.js"));
    for f in [
        "app.js",
        "api.js",
        "ui.js",
        "i18n.js",
        "pages.js",
        "tryit.js",
        "builder.js",
        "reader.js",
        "batch.js",
        "style.css",
    ] {
        let r = srv
            .client
            .get(format!("{}/console/{f}", srv.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{f}");
    }
    let r = srv
        .client
        .get(format!("{}/console/nope.js", srv.base))
        .send()
        .await
        .unwrap();
    expect_error(r, "0001").await;
}
