//! Security and API-description tests over real HTTP (issue 7): failed admin logins throttled per
//! client address, wrong methods answered 405, SSRF refusals through the server, and an OpenAPI
//! document that lists the error responses and constraints the server really applies.

mod common;

use common::*;
use serde_json::{json, Value};

const TOKEN: &str = "9f8e7d6c5b4a39281706f5e4d3c2b1a0-admin";

async fn admin_get(client: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    client.get(url).bearer_auth(token).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_admin_logins_are_throttled_per_address() {
    let srv = Srv::start(
        |c| {
            c.admin_token = Some(TOKEN.into());
            c.admin_auth_free_failures = 3;
        },
        Some(Fake::ok()),
    )
    .await;
    let url = format!("{}/admin/v1/domains", srv.base);
    let c = &srv.client;
    // A correct token in between resets nothing yet: no failures so far.
    assert_eq!(admin_get(c, &url, TOKEN).await.status(), 200);
    for i in 0..4 {
        let r = admin_get(c, &url, &format!("wrong-{i}")).await;
        assert_eq!(r.status(), 401, "attempt {i}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "unauthorized");
    }
    // The 4th failure (3 free) imposed a wait: even the right token is not looked at now.
    for token in ["wrong-again", TOKEN] {
        let r = admin_get(c, &url, token).await;
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=1).contains(&retry), "first wait is 1 s, got {retry}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "throttled");
        assert!(!v.to_string().contains(TOKEN));
    }
    // Another client address is not affected (127.0.0.2 is loopback too on Linux).
    let other = reqwest::Client::builder()
        .no_proxy()
        .local_address(Some("127.0.0.2".parse().unwrap()))
        .build()
        .unwrap();
    assert_eq!(admin_get(&other, &url, TOKEN).await.status(), 200);
    // After the wait the right token works and clears the count.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(admin_get(c, &url, TOKEN).await.status(), 200);
    assert_eq!(admin_get(c, &url, "wrong").await.status(), 401);
    assert_eq!(
        admin_get(c, &url, TOKEN).await.status(),
        200,
        "count was reset"
    );
    let m = c
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("jikji_admin_auth_failures_total{outcome=\"unauthorized\"} 5"),
        "{m}"
    );
    assert!(
        m.contains("jikji_admin_auth_failures_total{outcome=\"throttled\"} 2"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_methods_are_405() {
    let srv = Srv::start(|c| c.admin_token = Some(TOKEN.into()), Some(Fake::ok())).await;
    let (g, _) = srv.general().await;
    let c = &srv.client;
    for (m, url) in [
        ("TRACE", srv.url(&g, "general")),
        ("DELETE", srv.url(&g, "general")),
        ("OPTIONS", srv.url(&g, "infer")),
        ("TRACE", format!("{}/healthz", srv.base)),
        ("PUT", format!("{}/admin/v1/domains", srv.base)),
        ("TRACE", format!("{}/admin/v1/domains/1", srv.base)),
    ] {
        let method = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
        let r = c
            .request(method, &url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        let body = expect_405(r).await;
        assert!(body["path"].is_string(), "{m} {url}");
    }
    // An unknown path stays 400/0001 (spec §15).
    expect_error(
        c.request(reqwest::Method::TRACE, format!("{}/nothing", srv.base))
            .send()
            .await
            .unwrap(),
        "0001",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_errors_keep_their_shape_and_integers_may_be_written_as_floats() {
    let srv = Srv::start(|c| c.admin_token = Some(TOKEN.into()), Some(Fake::ok())).await;
    let c = &srv.client;
    let base = format!("{}/admin/v1/domains", srv.base);
    // a non-integer id, a bad month: the admin error shape, not a CLOVA body
    for url in [
        format!("{base}/abc"),
        format!("{base}/1/usage?month=2026-13"),
        format!("{base}/abc/usage"),
    ] {
        let r = admin_get(c, &url, TOKEN).await;
        assert_eq!(r.status(), 400, "{url}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "invalid", "{url}: {v}");
    }
    let r = c
        .post(&base)
        .bearer_auth(TOKEN)
        .json(&json!({"name": "q", "monthly_quota": 1451.0, "rate_burst": 2.0, "kind": "document"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["domain"]["monthly_quota"], 1451);
    assert_eq!(
        v["domain"]["document_kinds"].as_array().unwrap().len(),
        6,
        "no kinds named = all"
    );
    let id = v["domain"]["id"].as_i64().unwrap();
    assert_eq!(loc, format!("/admin/v1/domains/{id}"));
    for bad in [
        json!({"name": ""}),
        json!({"name": "   "}),
        json!({"name": "a\u{0007}"}),
        json!({"name": "x".repeat(201)}),
        json!({"name": "a", "lang": "ko, en"}),
        json!({"name": "a", "monthly_quota": 1.5}),
        json!({"name": "a", "monthly_quota": -1}),
        json!({"name": "a", "rate_burst": 0}),
        json!({"name": "a", "rate_limit_per_sec": 0}),
        json!({"name": "a", "document_kinds": ["medical-receipt"]}),
    ] {
        let r = c
            .post(&base)
            .bearer_auth(TOKEN)
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "invalid", "{bad}: {v}");
    }
    // document_kinds on a general domain: a state conflict, 409
    let (g, _) = srv.general().await;
    let r = c
        .patch(format!("{base}/{}", g.id))
        .bearer_auth(TOKEN)
        .json(&json!({"document_kinds": ["receipt"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    let r = c
        .get(format!("{base}/{id}/usage?month=2026-01"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ssrf_forms_refused_even_with_allow_private() {
    let srv = Srv::start(|c| c.allow_private_urls = true, Some(Fake::ok())).await;
    let (g, gs) = srv.general().await;
    for u in [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.1.1/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[2002:a9fe:a9fe::]/",
        "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
        "http://[64:ff9b:1::a9fe:a9fe]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://[::ffff:0:a9fe:a9fe]/",
        "http://[fd00:ec2::254]/",
    ] {
        let body = json!({"version":"V2","requestId":"s","timestamp":0,"images":[{"format":"png","name":"s","url":u}]}).to_string();
        expect_error(srv.post_json(&g, &gs, "general", &body).await, "0011").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_lists_real_errors_and_constraints() {
    let srv = Srv::start(|_| {}, None).await;
    let api: Value = srv
        .client
        .get(format!("{}/openapi.json", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = api["paths"].as_object().unwrap();
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let statuses: Vec<&str> = op["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            if path.starts_with("/custom/v1/") {
                for s in ["400", "401", "500"] {
                    assert!(statuses.contains(&s), "{method} {path}: {statuses:?}");
                }
                assert!(
                    op["responses"]["401"]["content"]["application/json"]["schema"]["$ref"]
                        .as_str()
                        .unwrap()
                        .ends_with("/ErrorBody")
                );
            }
            if path.starts_with("/admin/v1/") {
                for s in ["401", "404", "429", "500"] {
                    assert!(statuses.contains(&s), "{method} {path}: {statuses:?}");
                }
                assert!(op["responses"]["429"]["headers"]["Retry-After"].is_object());
            }
        }
    }
    let schemas = &api["components"]["schemas"];
    let create = &schemas["CreateDomain"]["properties"];
    assert_eq!(create["name"]["minLength"], 1);
    assert_eq!(create["name"]["maxLength"], 200);
    assert!(create["monthly_quota"].to_string().contains("integer"));
    assert_eq!(schemas["CreateDomain"]["additionalProperties"], false);
    let usage = &paths["/admin/v1/domains/{id}/usage"]["get"]["parameters"];
    assert!(
        usage.to_string().contains("^[0-9]{4}-(0[1-9]|1[0-2])$"),
        "{usage}"
    );
}
